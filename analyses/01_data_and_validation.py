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
# # The data and their validation
#
# The first step of every evaluation: what is in the study, and is it fit to be analysed?
# This notebook uses the synthetic demo study (the same generator as `make demo`):
#
# 1. the seven tables of a study and their sizes,
# 2. units by level, state and group; audits, cohorts and the timing of treatment,
# 3. goals, measures and annual reports,
# 4. the indicator panel and its gaps,
# 5. writing the study as a folder, reading it back and validating it, and what validation
#    says about a broken copy.
#
# The report section "Die Daten / The data" shows the same facts
# (`evaluation.report`, `audit-eval report`).

# %%
import tempfile
from pathlib import Path

import pandas as pd
from IPython.display import display

import evaluation as ev
from evaluation import codes
from evaluation.datasets import synthetic_study

study = synthetic_study(seed=1)
print(study)

# %% [markdown]
# ## 1. The tables
#
# A study is seven tables with the types of the data schema (`evaluation.schema`); the
# codebook lists every field.

# %%
pd.DataFrame(
    {
        "rows": {name: len(t) for name, t in study.tables.items()},
        "columns": {name: t.shape[1] for name, t in study.tables.items()},
    }
)

# %% [markdown]
# ## 2. Units, audits and cohorts
#
# Audited units against comparison units by administrative level; the labels come from the
# code lists.

# %%
mun = study.municipalities
levels = codes.labels("levels", "en")
pd.crosstab(mun["level"].map(levels), mun["group"], margins=True)

# %% [markdown]
# The cohort of an audited unit is the year of its first certification (the onset used by the
# impact analyses; `study.onsets("start")` or `"agreement"` give the alternatives). About half
# of the early audits are followed by a re-audit.

# %%
onsets = study.onsets("certification", cycle=1)
cycles = study.audits.groupby("municipality_id")["cycle"].max()
cohorts = onsets.assign(reaudited=onsets["municipality_id"].map(cycles).gt(1))
cohorts.groupby("cohort").agg(units=("municipality_id", "size"), reaudited=("reaudited", "sum"))

# %%
timing = study.audits.assign(
    start=study.audits["start_date"].dt.year,
    certified=study.audits["certification_date"].dt.year,
    months_to_certificate=(
        (study.audits["certification_date"] - study.audits["start_date"]).dt.days / 30.44
    ).round(1),
)
timing.groupby("cycle")["months_to_certificate"].describe()

# %% [markdown]
# ## 3. Goals, measures and annual reports
#
# Measures per audit and per action field, and the status reported in the annual reports.

# %%
m = study.measure_table()
per_audit = m.groupby("audit_id").size()
print(
    f"{len(m)} measures in {per_audit.size} audits: "
    f"median {per_audit.median():.0f}, range {per_audit.min()}-{per_audit.max()} per audit"
)
fields = codes.labels("action_fields", "en")
m["action_field"].map(fields).value_counts()

# %%
statuses = codes.labels("statuses", "en")
pd.crosstab(
    study.measure_reports["report_year"], study.measure_reports["status"].map(statuses)
).tail(8)

# %% [markdown]
# ## 4. The indicator panel
#
# Five indicators 2006-2024 for every unit, with about 2 % of the values missing at random:
# an unbalanced panel, as official statistics are.

# %%
ind = study.indicators
coverage = ind.groupby("indicator").agg(
    units=("municipality_id", "nunique"),
    first=("year", "min"),
    last=("year", "max"),
    values=("value", "size"),
)
coverage["missing_share"] = 1 - coverage["values"] / (coverage["units"] * 19)
display(study.indicator_catalogue[["indicator", "label_en", "unit"]])
display(coverage)

# %% [markdown]
# ## 5. Writing, reading and validating a study folder
#
# `study.save(folder)` writes `datapackage.json` and one CSV per table; `ev.load_study(folder)`
# reads and validates it (the command line does the same with `audit-eval validate FOLDER`).

# %%
tmp = Path(tempfile.mkdtemp())
folder = study.save(tmp / "study")
loaded = ev.load_study(folder)
print(sorted(p.name for p in Path(folder).iterdir()))
print("problems:", loaded.problems())

# %% [markdown]
# A broken copy: a code that lost its leading zero (as a spreadsheet does), a report with a
# status outside the code list and a measure of a goal that does not exist. Validation lists
# every problem with table, row, field and value, instead of stopping at the first.

# %%
t = study.tables
mun_bad = t["municipalities"].copy()
mun_bad.loc[0, "municipality_id"] = mun_bad.loc[0, "municipality_id"].lstrip("0")
rep_bad = t["measure_reports"].copy()
rep_bad.loc[3, "status"] = "done"
mea_bad = t["measures"].copy()
mea_bad.loc[5, "goal_id"] = "no-such-goal"
broken = ev.Study(
    **{**t, "municipalities": mun_bad, "measure_reports": rep_bad, "measures": mea_bad}
)
problems = broken.problems()
print(len(problems), "problems")
pd.DataFrame([p.__dict__ for p in problems]).head(10)

# %%
try:
    broken.validate()
except ev.StudyValidationError as exc:
    print(str(exc)[:600])
