"""Degenerate designs are reported, not estimated to 0 with standard error 0, and
cluster-robust inference from few clusters is flagged.

Independent references: statsmodels OLS with unit and year dummies (hand-built design) for
the estimates, and the definitions of the thresholds (results.MIN_CLUSTERS,
results.MIN_TREATED_CLUSTERS, results.MAX_ABS_T)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import evaluation as ev
from evaluation.errors import DataError, EvaluationWarning, FewClustersWarning
from evaluation.results import MAX_ABS_T, Estimates

ROLES = dict(unit="u", time="t", cohort="g")
YEARS = np.arange(2010, 2018)


def _panel(kind: str, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 40
    g = rng.choice([0, 2013, 2015], size=n, p=[0.5, 0.25, 0.25])
    u = np.repeat(np.arange(n), len(YEARS))
    t = np.tile(YEARS, n)
    gg = np.repeat(g, len(YEARS))
    post = ((gg > 0) & (t >= gg)).astype(float)
    a = np.repeat(rng.normal(size=n), len(YEARS))
    lam = 0.3 * (t - 2010) + np.sin(t)
    y = {
        "constant": np.full(len(u), 4.2),
        "constant_within_units": a,
        "lockstep": a + lam,  # every unit changes by the same amount every year
        "lockstep_effect": a + lam + 1.5 * post,  # ... plus an exact effect
    }[kind]
    return pd.DataFrame({"u": u, "t": t, "g": gg, "y": y})


def _two_units(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    u = np.repeat([1, 2], len(YEARS))
    t = np.tile(YEARS, 2)
    g = np.repeat([2014, 0], len(YEARS))
    y = rng.normal(size=len(u)) + ((g > 0) & (t >= g))
    return pd.DataFrame({"u": u, "t": t, "g": g, "y": y})


ESTIMATORS = {
    "twfe": lambda d: ev.twfe(d, "y", **ROLES),
    "event_study": lambda d: ev.event_study(d, "y", **ROLES, leads=2, lags=2),
    "did_2x2": lambda d: ev.did_2x2(d, "y", **ROLES, pre=(2010, 2012), post=(2013, 2014)),
    "sun_abraham": lambda d: ev.sun_abraham(d, "y", **ROLES),
    "att_gt": lambda d: ev.att_gt(d, "y", **ROLES),
    "att_gt_nyt": lambda d: ev.att_gt(d, "y", **ROLES, control_group="not_yet_treated"),
    "before_after": lambda d: ev.before_after(d, "y", **ROLES, window=(-2, 2)),
    "its": lambda d: ev.interrupted_time_series(d, "y", **ROLES, window=(-3, 3)),
    "placebo_in_time": lambda d: ev.placebo_in_time(d, "y", **ROLES, shift=2),
}


def _all_estimates(res) -> list[Estimates]:
    out = [res] if isinstance(res, Estimates) else []
    for name in ("cohort_effects", "overall", "marginal_effects", "coefficients"):
        part = getattr(res, name, None)
        if isinstance(part, Estimates):
            out.append(part)
    if hasattr(res, "aggregate"):
        for kind in ("simple", "group", "dynamic", "calendar"):
            agg = res.aggregate(kind)
            out += [agg, agg.overall]
    return out


@pytest.mark.parametrize(
    "kind", ["constant", "constant_within_units", "lockstep", "lockstep_effect", "two_units"]
)
@pytest.mark.parametrize("estimator", list(ESTIMATORS))
def test_no_estimator_reports_se_zero_or_huge_t(kind, estimator):
    """Before: att_gt gave ATT 0 with SE 0 for a constant outcome, TWFE on two units SE 0 and
    t = 1.6e15. Now every estimator refuses (DataError) or reports no standard error."""
    data = _two_units() if kind == "two_units" else _panel(kind)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EvaluationWarning)
            warnings.simplefilter("ignore", UserWarning)
            res = ESTIMATORS[estimator](data)
            parts = _all_estimates(res)
    except DataError as err:
        assert str(err)  # a message, not a traceback
        return
    for part in parts:
        t = part.tidy()
        se = t["std_error"].to_numpy(dtype=float)
        est = t["estimate"].to_numpy(dtype=float)
        ok = np.isfinite(se)
        assert (se[ok] > 0).all(), (part.title, t)
        assert (np.abs(est[ok] / se[ok]) <= MAX_ABS_T).all(), (part.title, t)


def test_constant_outcome_names_the_indicator():
    with pytest.raises(DataError, match="outcome 'y' is constant"):
        ev.att_gt(_panel("constant"), "y", **ROLES)
    with pytest.raises(DataError, match="does not change over time within any unit"):
        ev.att_gt(_panel("constant_within_units"), "y", **ROLES)
    with pytest.raises(DataError, match="same amount for every unit in every comparison"):
        ev.att_gt(_panel("lockstep"), "y", **ROLES)
    with pytest.raises(DataError, match="fitted exactly by the unit and year effects"):
        ev.twfe(_panel("lockstep"), "y", **ROLES)


def test_estimates_guard_sets_degenerate_standard_errors_missing_with_a_note():
    table = pd.DataFrame({"term": ["a", "b", "c"], "estimate": [1.0, 2.0, 0.0],
                          "std_error": [0.0, 1e-9, 0.5]})  # fmt: skip
    res = Estimates(table, ["term"], title="x", method="m", se_note="s")
    t = res.tidy()
    assert np.isnan(t["std_error"][:2]).all() and t["std_error"][2] == 0.5
    assert res.degenerate_rows == 2
    assert "No standard error for a, b" in res.summary(lang="en").as_text()


def test_two_clusters_twfe_keeps_the_estimate_and_flags_the_inference():
    df = _two_units()
    with pytest.warns(FewClustersWarning, match="only 2 clusters, 1 with treated units"):
        res = ev.twfe(df, "y", **ROLES)
    # the estimate: OLS with unit and year dummies (statsmodels)
    x = pd.get_dummies(df[["u", "t"]].astype(str), drop_first=True).astype(float)
    x["post"] = ((df["g"] > 0) & (df["t"] >= df["g"])).astype(float)
    b = sm.OLS(df["y"], sm.add_constant(x)).fit().params["post"]
    t = res.tidy()
    assert t["estimate"].iloc[0] == pytest.approx(b, abs=1e-10)
    assert np.isnan(t["std_error"].iloc[0]) and np.isnan(t["statistic"].iloc[0])
    assert res.few_clusters and res.facts["n_clusters"] == 2
    assert res.facts["n_treated_clusters"] == 1
    summary = res.summary(lang="en")
    assert "WARNING: only 2 clusters" in summary.as_text()
    assert not {"Statistic", "p-value", "p_value"} & set(summary.tables[0][1].columns)
    assert "WARNUNG: nur 2 Cluster" in res.summary().as_text()


def _staggered(n_units: int, seed: int = 3, never: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cohorts = np.resize([2013, 2014, 2015, 0] if never else [2013, 2014, 2015], n_units)
    rows = []
    for i, g in enumerate(cohorts):
        a = rng.normal()
        for t in YEARS:
            rows.append((i, t, g, a + 0.2 * (t - 2010) + 1.2 * (g > 0 and t >= g) + rng.normal()))
    return pd.DataFrame(rows, columns=["u", "t", "g", "y"])


FLAGGED = {
    "twfe": lambda d: ev.twfe(d, "y", **ROLES),
    "event_study": lambda d: ev.event_study(d, "y", **ROLES, leads=2, lags=2),
    "did_2x2": lambda d: ev.did_2x2(d, "y", **ROLES, pre=(2010, 2012), post=(2013, 2017)),
    "sun_abraham": lambda d: ev.sun_abraham(d, "y", **ROLES),
    "att_gt": lambda d: ev.att_gt(d, "y", **ROLES),
}


@pytest.mark.parametrize("estimator", list(FLAGGED))
def test_few_clusters_are_flagged_in_every_panel_estimator(estimator):
    with pytest.warns(FewClustersWarning):
        res = FLAGGED[estimator](_staggered(8))
    # did_2x2 uses the units of its comparison only (cohort 2013 and never treated)
    assert res.few_clusters and res.facts["n_clusters"] == (4 if estimator == "did_2x2" else 8)
    assert "p_value" in res.tidy().columns  # the numbers stay in tidy()
    shown = res.summary().tables[0][1].columns
    assert len(shown) == len(res.tidy().columns) - 2  # statistic and p-value not shown
    assert res.summary().notes[0].startswith("WARNUNG")
    # 40 units, 30 treated: enough clusters, no flag and no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewClustersWarning)
        res = FLAGGED[estimator](_staggered(40))
    assert not res.few_clusters and res.facts["n_clusters"] == (
        20 if estimator == "did_2x2" else 40
    )


def test_few_treated_clusters_are_flagged_even_with_many_clusters():
    df = _staggered(40)
    df.loc[df["u"] >= 3, "g"] = np.where(df.loc[df["u"] >= 3, "g"] > 0, 0, 0)  # 3 treated
    with pytest.warns(FewClustersWarning, match="40 clusters, 3 with treated units"):
        res = ev.twfe(df, "y", **ROLES)
    assert res.few_clusters and res.facts["n_treated_clusters"] == 3


def test_implementation_estimators_flag_few_municipalities():
    study = ev.datasets.synthetic_study(seed=2, n_audited=8, n_comparison=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("always", FewClustersWarning)
        with pytest.warns(FewClustersWarning):
            m = ev.implementation_model(study, covariates=["log_population"])
        with pytest.warns(FewClustersWarning):
            tti = ev.time_to_implementation(study)
        with pytest.warns(FewClustersWarning):
            rates = ev.implementation_rates(study, n_draws=200)
        with pytest.warns(FewClustersWarning):
            fd = ev.field_differences(study, pairwise="cluster")
    n = m.facts["n_clusters"]
    assert n == study.audits["municipality_id"].nunique() < 10
    for r in (m, m.marginal_effects, tti, tti.cox_coefficients, rates, fd):
        assert r.few_clusters
    assert not any("p" in str(c).lower() and "wert" in str(c).lower()
                   for _, tab in m.summary().tables for c in tab.columns)  # fmt: skip


def test_twfe_and_event_study_without_never_treated_units():
    """Identified from the timing: TWFE equals OLS with unit and year dummies; the event study
    normalises a second period (the earliest lead) and equals OLS with those dummies."""
    df = _staggered(60, never=False)
    x = pd.get_dummies(df[["u", "t"]].astype(str), drop_first=True).astype(float)
    post = ((df["g"] > 0) & (df["t"] >= df["g"])).astype(float)
    fit = sm.OLS(df["y"], sm.add_constant(x.assign(post=post))).fit(
        cov_type="cluster", cov_kwds={"groups": df["u"], "use_correction": False}
    )
    res = ev.twfe(df, "y", **ROLES)
    t = res.tidy()
    assert t["estimate"].iloc[0] == pytest.approx(fit.params["post"], abs=1e-10)
    g_ = 60
    assert t["std_error"].iloc[0] == pytest.approx(
        fit.bse["post"] * np.sqrt(g_ / (g_ - 1)), rel=1e-8
    )
    assert "No never-treated units" in res.summary(lang="en").as_text()

    es = ev.event_study(df, "y", **ROLES, leads=3, lags=2)
    rel = np.clip(df["t"] - df["g"], -3, 2)
    dummies = pd.DataFrame({f"e{k}": (rel == k).astype(float) for k in (-2, 0, 1, 2)})
    fit = sm.OLS(df["y"], sm.add_constant(pd.concat([x, dummies], axis=1))).fit()
    got = es.tidy().set_index("event_time")["estimate"]
    for k in (-2, 0, 1, 2):
        assert got[k] == pytest.approx(fit.params[f"e{k}"], abs=1e-9)
    assert got[-3] == 0.0 and got[-1] == 0.0
    assert es.tidy().set_index("event_time")["reference"][[-3, -1]].all()
    with pytest.raises(DataError, match="second normalised period"):
        ev.event_study(df, "y", **ROLES, leads=1, lags=2)
