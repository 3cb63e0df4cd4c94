# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The yearly summary
#
# Once a year the association and the municipalities want to know what happened: audits
# started, certified and re-audited; measures implemented; how far implementation has come;
# and where the audited municipalities stand on the indicators. `ev.render_yearly_summary`
# writes this as an overview of at most two pages followed by one profile page
# ("Kommunensteckbrief") per audited municipality (HTML, PDF, Markdown, Word), with the
# overview's tables as CSV and LaTeX, the profiles' numbers as tidy CSV files and a
# `provenance.json` that records the inputs. The command line is
# `audit-eval summary STUDY --year 2024 --out DIR [--municipalities CODES]`.
#
# This notebook builds the numbers of the summary of the demo study's last year step by step
# and then renders it for three municipalities.

# %%
import tempfile
from pathlib import Path

from IPython.display import Markdown, display

import evaluation as ev
from evaluation.datasets import synthetic_study
from evaluation.report.yearly_inputs import audit_events, moved_to_implemented
from evaluation.study import profiles

study = synthetic_study(seed=1)
year = int(study.measure_reports["report_year"].max())
print("summary year:", year)

# %% [markdown]
# ## 1. Audit events: the year against the year before

# %%
audit_events(study, year)

# %% [markdown]
# ## 2. Measures newly implemented, per action field
#
# A measure counts in a year when its report of that year says "implemented" and its previous
# report did not.

# %%
moved_to_implemented(study, year)

# %% [markdown]
# ## 3. Implementation rates to date
#
# The summary uses `ev.implementation_rates` on the study as known at the end of the year (the
# interval that treats municipalities as clusters is the honest one: measures of one
# municipality are related).

# %%
known = profiles.as_of(study, year)
rates = ev.implementation_rates(known, by=["action_field"], success="implemented")
rates.tidy()

# %% [markdown]
# ## 4. One municipality's profile, from the data layer
#
# Every number of a profile comes from `evaluation.study.profiles`: the audit timeline, the
# measures by status per action field and annual report (with the status conventions of the
# implementation analyses), and the indicators against the comparison units of the same level
# (median and interquartile range per year).

# %%
ags = profiles.select_audited(known)[0]
profiles.audit_timeline(known, [ags]).tidy()

# %%
status = profiles.measure_status_counts(known, [ags]).tidy()
status[status["report_number"] == status["report_number"].max()]

# %%
profiles.indicator_positions(known, year, municipalities=[ags]).tidy()

# %% [markdown]
# ## 5. The rendered summary
#
# Written into a temporary folder here, for three municipalities; a second run of the same
# command produces the same files byte for byte (except the PDF and the date in
# `provenance.json`), and `ev.report.verify_report(folder)` checks that.

# %%
data = study.save(Path(tempfile.mkdtemp()) / "data")
three = profiles.select_audited(known)[:3]
out = ev.render_yearly_summary(
    data,
    year,
    Path(tempfile.mkdtemp()) / "summary",
    config={"report": {"language": "en", "formats": ["html", "markdown"]}},
    municipalities=three,
)
print(sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())[:12])
display(Markdown((out / "summary.md").read_text(encoding="utf-8")))

# %%
from evaluation.report import verify_report  # noqa: E402

print(verify_report(out))
