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
# and where the audited municipalities stand on the indicators. `ev.render_summary` writes
# this as a summary of at most two pages (HTML, PDF, Markdown), with every table as CSV and
# LaTeX and a `provenance.json` that records the inputs. The command line is
# `audit-eval summary STUDY --year 2024 --out DIR`.
#
# This notebook builds the summary of the demo study's last year step by step and then
# renders it.

# %%
import tempfile
from pathlib import Path

from IPython.display import Markdown, display

import evaluation as ev
from evaluation.datasets import synthetic_study
from evaluation.report.summary import audit_events, latest_indicators, moved_to_implemented

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
# The summary uses `ev.implementation_rates` on the reports up to the end of the year (the
# interval that treats municipalities as clusters is the honest one: measures of one
# municipality are related).

# %%
rates = ev.implementation_rates(study, by=["action_field"], success="implemented")
rates.tidy()

# %% [markdown]
# ## 4. Latest indicator values: audited against comparison units
#
# Descriptive means in the latest year with data; the effect estimates are in the full
# evaluation report.

# %%
latest_indicators(study, year, "en")

# %% [markdown]
# ## 5. The rendered summary
#
# Written into a temporary folder here; a second run of the same command produces the same
# files byte for byte (except the PDF and the date in `provenance.json`), and
# `ev.report.verify_report(folder)` checks that.

# %%
data = study.save(Path(tempfile.mkdtemp()) / "data")
out = ev.render_summary(
    data, year, Path(tempfile.mkdtemp()) / "summary", config={"report": {"language": "en"}}
)
print(sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())[:12])
display(Markdown((out / "summary.md").read_text(encoding="utf-8")))

# %%
from evaluation.report import verify_report  # noqa: E402

print(verify_report(out))
