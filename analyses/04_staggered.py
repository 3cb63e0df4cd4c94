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
# # Staggered adoption: group-time effects, Sun & Abraham and the Bacon decomposition
#
# Municipalities are certified in different years, and the audit's effects grow over the
# three-year implementation phase. Two-way fixed effects (TWFE) then compares newly audited
# municipalities with ones audited earlier, whose outcomes are still moving, and can get even
# the sign wrong. This notebook walks through the heterogeneity-robust alternatives:
#
# 1. `att_gt`: the group-time effects ATT(g, t) of Callaway & Sant'Anna, on the public
#    `mpdta` data (the numbers equal R `did` 2.5.0) and on the synthetic demo study with known
#    truth;
# 2. `aggregate`: simple, by cohort, by years since onset (event study) and by calendar year;
# 3. the multiplier bootstrap with simultaneous bands, clustered by state;
# 4. the pre-test of parallel trends;
# 5. covariates when parallel trends hold only conditionally;
# 6. Sun & Abraham's interaction-weighted event study;
# 7. the Goodman-Bacon decomposition of the TWFE estimate.

# %%
import os
import warnings
from pathlib import Path

import pandas as pd
from IPython.display import display

import evaluation as ev
from evaluation.datasets import synthetic_study

ROOT = Path.cwd() if (Path.cwd() / "pyproject.toml").exists() else Path.cwd().parent
DATA = Path(os.environ.get("EVALUATION_SHARED_DATA", ROOT.parent / "shared" / "data" / "external"))
MPDTA = DATA / "mpdta" / "mpdta.csv"
print("mpdta available:", MPDTA.exists())

# %% [markdown]
# ## 1. mpdta: the reference example
#
# 500 US counties 2003-2007, log teen employment (`lemp`), first year with a higher minimum
# wage (`first.treat`, 0 = never). R:
# `att_gt(yname="lemp", tname="year", idname="countyreal", gname="first.treat", data=mpdta)`.

# %%
if MPDTA.exists():
    mpdta = pd.read_csv(MPDTA)
    cs = ev.att_gt(mpdta, outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
    display(cs.tidy().round(6))
else:
    cs = None
    print("mpdta is not available here; the synthetic study below needs no external data.")

# %% [markdown]
# The aggregations equal R's `aggte(type=...)`; e.g. the simple ATT is -0.0399513 with
# analytic standard error 0.0120340, and the pre-test W = 7.79124 (p = 0.16812).

# %%
if cs is not None:
    for kind in ("simple", "group", "dynamic", "calendar"):
        o = cs.aggregate(kind).overall
        print(f"{kind:<9} {o.estimate: .7f}  (SE {o.std_error:.7f})")
    pre = cs.pretest(kind="cells")  # R's pre-test: every pre-treatment cell is zero
    print(f"pre-test: W = {pre.statistic:.5f}, dof = {pre.dof[0]}, p = {pre.p_value:.5f}")
    display(cs.aggregate("dynamic"))
    cs.aggregate("dynamic").plot(lang="en")

# %% [markdown]
# ## 2. The synthetic study: known truth
#
# `sgb2_children` (children in basic-income households, per 100) has unconditional parallel
# trends and a negative effect that grows after certification. Comparison: never-audited and
# not-yet-audited municipalities. The panel has gaps; `unbalanced="pairwise"` lets every
# comparison use the municipalities observed in both of its years.

# %%
warnings.simplefilter("ignore", UserWarning)
study = synthetic_study(seed=1, n_audited=200)
panel = study.panel("sgb2_children")
res = ev.att_gt(panel, control_group="not_yet_treated", unbalanced="pairwise")
res.summary(lang="en")

# %%
res.plot(lang="en")

# %% [markdown]
# Compare the event-study aggregation with the true effects (weighted by cohort size, like
# the estimator).

# %%
dyn = res.aggregate("dynamic", min_e=-4, max_e=8)
truth = study.truth.effects.query("indicator == 'sgb2_children'")
sizes = panel.groupby("cohort")["municipality_id"].nunique().rename("n")
true_e = (
    truth.merge(sizes, left_on="cohort", right_index=True)
    .query("rel_time >= -4 and rel_time <= 8 and cohort > 0 and year <= 2024")
    .groupby("rel_time")
    .apply(lambda d: (d["effect"] * d["n"]).sum() / d["n"].sum(), include_groups=False)
    .rename("true_effect")
)
display(
    dyn.tidy()
    .merge(true_e, left_on="event_time", right_index=True)[
        ["event_time", "estimate", "std_error", "ci_low", "ci_high", "true_effect"]
    ]
    .round(3)
)

# %% [markdown]
# ## 3. Bootstrap: clustered by state, simultaneous bands
#
# 999 Mammen multiplier draws, clustered by state; `band_low`/`band_high` form a sup-t band
# that covers all event-time effects *jointly* with 95 % probability (pointwise intervals do
# not). `progress=True` shows a progress bar.

# %%
boot = ev.att_gt(
    panel,
    control_group="not_yet_treated",
    unbalanced="pairwise",
    cluster="state",
    n_draws=999,
    seed=42,
    progress=True,
)
dyn_b = boot.aggregate("dynamic", min_e=-4, max_e=8)
display(dyn_b.tidy().round(3))
dyn_b.plot(lang="en")

# %% [markdown]
# ## 4. Pre-test of parallel trends
#
# Wald test that the pre-treatment event-time effects (averaged over cohorts as in
# `aggregate("dynamic")`) are zero, covariance from the influence functions. The cell-wise test
# of R (`pretest(kind="cells")`) fails here: the cells of small cohorts share their comparison
# units and their covariance is singular. The summary also states the largest pre-trend the
# data are consistent with, since a test that does not reject does not show parallel trends.

# %%
res.pretest().summary(lang="en")

# %% [markdown]
# ## 5. Conditional parallel trends: covariates
#
# `childcare_u3` trends differently in large and urban municipalities, which join the audit
# more often. Without covariates the estimate is biased; the doubly robust estimator with log
# population and urbanisation (values in the base period) recovers the truth.

# %%
cc = study.panel("childcare_u3")
plain = ev.att_gt(cc, control_group="not_yet_treated", unbalanced="pairwise")
dr = ev.att_gt(
    cc,
    control_group="not_yet_treated",
    unbalanced="pairwise",
    method="dr",
    covariates=["log_population", "urbanisation"],
)
t = study.truth.effects.query("indicator == 'childcare_u3'")
post = (
    dr.tidy()
    .query("time >= cohort")
    .merge(t.rename(columns={"year": "time"}), on=["cohort", "time"])
)
n_g = post["cohort"].map(dr.unit_cohorts.value_counts())
print("true simple ATT:", round((post["effect"] * n_g).sum() / n_g.sum(), 3))
ev.compare(
    {
        "no covariates": plain.aggregate("simple"),
        "doubly robust": dr.aggregate("simple"),
    }
)

# %% [markdown]
# ## 6. Sun & Abraham
#
# The interaction-weighted event study: a TWFE regression saturated in cohort x
# years-since-onset indicators, never-treated municipalities as the only comparison. Its
# cohort-specific coefficients equal the Callaway & Sant'Anna cells with a universal base
# period.

# %%
sa = ev.sun_abraham(panel)
display(sa.tidy().round(3))
sa.plot(lang="en")

# %% [markdown]
# ## 7. What TWFE does: the Goodman-Bacon decomposition
#
# The TWFE coefficient is a weighted average of all 2x2 comparisons, including "later vs
# earlier treated" comparisons that use already-audited municipalities as controls. The
# decomposition needs a balanced panel (municipalities with gaps are dropped).

# %%
bacon = ev.bacon_decomposition(panel)
display(bacon.by_type().round(4))
print("TWFE coefficient:", round(bacon.twfe, 4))
bacon.plot(lang="en")
