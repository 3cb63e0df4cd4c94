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
# # Impact on municipal indicators: panels, comparison groups and the classic designs
#
# Did audited municipalities develop differently from comparable non-audited ones? This
# notebook runs the classic designs on the synthetic demo study, whose true effects are known
# (`study.truth`), so every estimate can be checked against the truth:
#
# 1. the outcome panel of an indicator,
# 2. before/after and an interrupted time series for the audited units alone,
# 3. the 2x2 difference-in-differences, two-way fixed effects (TWFE) and the event study,
# 4. a matched comparison group,
# 5. randomisation inference and a placebo in time.
#
# The heterogeneity-robust staggered estimators are in the next notebook.

# %%
import warnings

from IPython.display import display

import evaluation as ev
from evaluation.datasets import synthetic_study

warnings.simplefilter("ignore", UserWarning)  # the panel warns about its (known) gaps
study = synthetic_study(seed=0, effects="constant")
print(study)

# %% [markdown]
# ## 1. The outcome panel
#
# One row per municipality and year; `cohort` is the certification year of the first audit
# (0 for never audited), `rel_time` the years since onset. Gaps are kept and reported.

# %%
panel = study.panel("births_per_1000_women", onset="certification")
panel.head()

# %%
print(panel.attrs["roles"])
print(len(panel.attrs["missing"]), "municipalities have gaps")
ev.missing_table(panel).head()

# %% [markdown]
# ## 2. Audited municipalities alone: before/after and interrupted time series
#
# Without a comparison group the change also contains every common trend, so these numbers
# overstate the effect when the indicator rises anyway.

# %%
ba = ev.before_after(panel, window=(-3, 3))
display(ba)

# %%
ba.plot(lang="en")

# %%
its = ev.interrupted_time_series(panel, window=(-5, 5))
its.plot(lang="en")
display(its)

# %% [markdown]
# ## 3. Difference-in-differences, TWFE and the event study
#
# The true effect of this demo study is a constant 0.8 births per 1,000 women from the
# certification year on.

# %%
did = ev.did_2x2(panel, pre=(2006, 2009), post=(2012, 2014))
tw = ev.twfe(panel)
tw_state = ev.twfe(panel, cluster="state")
ev.compare({"2x2": did, "TWFE": tw, "TWFE (state clusters)": tw_state})

# %%
es = ev.event_study(panel, leads=5, lags=5, reference=-1)
print(es.pretest().summary(lang="en"))
es.plot(lang="en")

# %%
es.tidy()

# %% [markdown]
# ## 4. A matched comparison group
#
# For childcare places under three the trends depend on size and urbanisation, and audited
# municipalities are larger and more urban: the plain TWFE is biased. Matching each audited
# municipality to a comparison municipality of the same level, size, urbanisation and
# pre-onset level and trend removes most of the bias (truth: 2.0).

# %%
childcare = study.panel("childcare_u3")
m = ev.match_comparison(childcare, covariates=["log_population", "urbanisation"])
m.balance()

# %%
m.plot(lang="en")

# %%
ev.compare({"TWFE, all": ev.twfe(childcare), "TWFE, matched": ev.twfe(m.panel)})

# %% [markdown]
# ## 5. Few treated units: randomisation inference and a placebo in time

# %%
ri = ev.randomization_inference(panel, estimator="twfe", n_draws=199, seed=1)
ri.plot(lang="en")
ri.tidy()

# %%
ev.placebo_in_time(panel, shift=3)

# %% [markdown]
# ## The same on a plain DataFrame
#
# Every estimator takes any panel with role arguments.

# %%
plain = panel[["municipality_id", "year", "births_per_1000_women", "cohort"]].rename(
    columns={"municipality_id": "ags", "year": "jahr", "births_per_1000_women": "y", "cohort": "g"}
)
ev.twfe(plain, outcome="y", unit="ags", time="jahr", cohort="g")
