"""Callaway & Sant'Anna group-time effects: R did 2.5.0 on mpdta, hand computations,
statsmodels cross-checks, exact identities and simulations with known truth."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import evaluation as ev
from evaluation.errors import DataError
from evaluation.staggered import StaggeredWarning, att_gt

ROLES = dict(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
SCENARIOS = {
    "mpdta_nev_dr": dict(control_group="never_treated", method="dr"),
    "mpdta_nev_ipw": dict(control_group="never_treated", method="ipw"),
    "mpdta_nyt_dr": dict(control_group="not_yet_treated", method="dr"),
}


@pytest.fixture(scope="module")
def mpdta():
    from conftest import shared_path

    return pd.read_csv(shared_path("mpdta", "mpdta.csv"))


def _r_reference(name: str) -> pd.DataFrame:
    """R did reference tables, made by ``tests/results/make_r_did_mpdta.R`` (they equal the R
    did 2.5.0 numbers published with mpdta to 1e-16)."""
    return pd.read_csv(Path(__file__).parent / "results" / f"r_did_mpdta_{name}.csv")


@pytest.fixture(scope="module")
def fits(mpdta):
    return {sc: att_gt(mpdta, **ROLES, **kw) for sc, kw in SCENARIOS.items()}


# --- R did 2.5.0 on mpdta ------------------------------------------------------------------
@pytest.mark.shared
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_attgt_cells_match_r(fits, scenario):
    ref = _r_reference("attgt")
    ref = ref[ref["scenario"] == scenario]
    got = fits[scenario].tidy()
    m = got.merge(ref, left_on=["cohort", "time"], right_on=["group", "t"], how="outer")
    assert len(m) == len(ref) == len(got) == 12
    np.testing.assert_allclose(m["estimate"], m["att"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(m["std_error"], m["se"], rtol=1e-6)


@pytest.mark.shared
@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("kind", ["simple", "group", "dynamic", "calendar"])
def test_aggregations_match_r(fits, scenario, kind):
    ref = _r_reference("aggte")
    ref = ref[(ref["scenario"] == scenario) & (ref["type"] == kind)]
    agg = fits[scenario].aggregate(kind)
    assert agg.overall.estimate == pytest.approx(ref["overall_att"].iloc[0], abs=1e-8)
    assert agg.overall.std_error == pytest.approx(ref["overall_se"].iloc[0], rel=1e-6)
    if kind != "simple":
        t = agg.tidy()
        key = {"group": "cohort", "dynamic": "event_time", "calendar": "time"}[kind]
        assert t[key].tolist() == ref["egt"].astype(int).tolist()
        np.testing.assert_allclose(t["estimate"], ref["att_egt"], rtol=0, atol=1e-8)
        np.testing.assert_allclose(t["std_error"], ref["se_egt"], rtol=1e-6)


@pytest.mark.shared
def test_headline_numbers_and_pretest(fits):
    """Numbers printed in references.md (R did 2.5.0)."""
    res = fits["mpdta_nev_dr"]
    headline = {
        "simple": (-0.0399513, 0.0120340),
        "group": (-0.0310183, 0.0124461),
        "dynamic": (-0.0772398, 0.0199650),
        "calendar": (-0.0417004, 0.0159719),
    }
    for kind, (est, se) in headline.items():
        o = res.aggregate(kind).overall
        assert round(o.estimate, 7) == est
        assert round(o.std_error, 7) == se
    pre = res.pretest(kind="cells")
    assert pre.dof == (5,)
    assert pre.statistic == pytest.approx(7.79124, abs=5e-6)
    assert round(pre.p_value, 5) == 0.16812


@pytest.mark.shared
def test_reg_equals_dr_without_covariates(mpdta, fits):
    reg = att_gt(mpdta, **ROLES, method="reg").tidy()
    dr = fits["mpdta_nev_dr"].tidy()
    np.testing.assert_allclose(reg["estimate"], dr["estimate"], atol=1e-12)
    np.testing.assert_allclose(reg["std_error"], dr["std_error"], rtol=1e-10)


@pytest.mark.shared
def test_top_level_name_and_panel_roles(mpdta):
    panel = mpdta.copy()
    panel.attrs["roles"] = {"outcome": "lemp", "unit": "countyreal", "time": "year",
                            "cohort": "first.treat"}  # fmt: skip
    res = ev.att_gt(panel)
    assert res.aggregate("simple").overall.estimate == pytest.approx(-0.0399512751551763, abs=1e-10)


# --- analytic SEs against statsmodels (independent of R) ------------------------------------
@pytest.mark.shared
def test_cell_se_equals_hc0_and_cluster_robust_ols(mpdta):
    """One cell (2004, 2005) is a difference in mean changes: its IF-based SE equals the HC0
    SE of OLS of the change on the treatment dummy, and, clustered by state, the cluster-robust
    SE without small-sample factor."""
    d = mpdta.copy()
    d["state"] = d["countyreal"] // 1000
    res = att_gt(d, **ROLES, cluster="state")
    wide = d.pivot(index="countyreal", columns="year", values="lemp")
    g = d.groupby("countyreal")[["first.treat", "state"]].first()
    sub = g[(g["first.treat"] == 2004) | (g["first.treat"] == 0)]
    dy = (wide[2005] - wide[2003]).loc[sub.index]  # post cell: base period g - 1 = 2003
    x = sm.add_constant((sub["first.treat"] == 2004).astype(float))
    # the cell's IF is scaled to all 500 units: SE uses the units of the cell only
    ols = sm.OLS(dy.to_numpy(), x.to_numpy())
    cl = ols.fit(cov_type="cluster", cov_kwds={"groups": sub["state"].to_numpy(),
                                               "use_correction": False})  # fmt: skip
    row = res.tidy().query("cohort == 2004 and time == 2005").iloc[0]
    assert row["estimate"] == pytest.approx(cl.params[1], abs=1e-12)
    assert row["std_error"] == pytest.approx(cl.bse[1], rel=1e-9)
    hc0 = ols.fit(cov_type="HC0")
    unclustered = att_gt(d, **ROLES).tidy().query("cohort == 2004 and time == 2005").iloc[0]
    assert unclustered["std_error"] == pytest.approx(hc0.bse[1], rel=1e-9)
    assert res.facts["n_clusters"] == d["state"].nunique()


# --- bootstrap ------------------------------------------------------------------------------
@pytest.mark.shared
def test_bootstrap_se_close_to_analytic_and_seeded(mpdta, fits):
    b1 = att_gt(mpdta, **ROLES, n_draws=999, seed=3)
    b2 = att_gt(mpdta, **ROLES, n_draws=999, seed=3)
    b3 = att_gt(mpdta, **ROLES, n_draws=999, seed=4)
    t1, ta = b1.tidy(), fits["mpdta_nev_dr"].tidy()
    ratio = t1["std_error"] / ta["std_error"]
    assert ratio.between(0.85, 1.15).all(), ratio
    np.testing.assert_allclose(t1["std_error_analytic"], ta["std_error"], rtol=1e-12)
    pd.testing.assert_frame_equal(t1, b2.tidy())
    assert not np.allclose(t1["std_error"], b3.tidy()["std_error"])
    # the simultaneous band is wider than the pointwise interval, cell by cell
    assert (t1["band_high"] - t1["band_low"] > t1["ci_high"] - t1["ci_low"]).all()
    for kind in ("simple", "group", "dynamic", "calendar"):
        ab, aa = b1.aggregate(kind), fits["mpdta_nev_dr"].aggregate(kind)
        assert ab.overall.std_error / aa.overall.std_error == pytest.approx(1, abs=0.15)
        assert ab.overall.estimate == aa.overall.estimate
    dyn = b1.aggregate("dynamic").tidy()
    assert {"band_low", "band_high"} <= set(dyn.columns)


def test_bootstrap_progress_and_bad_draws():
    df = _simulate(np.random.default_rng(0), n=200)
    res = att_gt(
        df, "y", unit="unit", time="year", cohort="cohort", n_draws=50, seed=1, progress=True
    )
    assert res.tidy()["std_error"].notna().all()
    with pytest.raises(ValueError, match="n_draws"):
        att_gt(df, "y", unit="unit", time="year", cohort="cohort", n_draws=1)


# --- covariates: estimators against statsmodels, influence functions numerically -----------
def _simulate(rng, n=400, years=(1, 2, 3, 4, 5), cohorts=(3, 4), p_cohort=(0.3, 0.3),
              effect=lambda g, e: 1.0 + 0.5 * e + 0.2 * (g == 3), x_trend=0.0):  # fmt: skip
    """Simple staggered panel: cohort drawn with probabilities p_cohort (rest never treated),
    unit and year effects, a covariate with a trend x_trend * x * t, noise sd 1."""
    T = len(years)
    u = rng.random(n)
    cuts = np.cumsum(p_cohort)
    cohort = np.zeros(n, dtype=int)
    for i, g in enumerate(cohorts):
        lo = 0 if i == 0 else cuts[i - 1]
        cohort[(u >= lo) & (u < cuts[i])] = g
    x = rng.normal(size=n) + 0.5 * (cohort > 0)
    yr = np.asarray(years)
    y = rng.normal(size=n)[:, None] + 0.3 * yr[None, :] + x_trend * x[:, None] * yr[None, :]
    y = y + rng.normal(size=(n, T))
    rel = yr[None, :] - cohort[:, None]
    eff = np.where((cohort[:, None] > 0) & (rel >= 0), effect(cohort[:, None], rel), 0.0)
    y = y + eff
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n), T),
            "year": np.tile(yr, n),
            "y": y.ravel(),
            "cohort": np.repeat(cohort, T),
            "x": np.repeat(x, T),
            "z": np.repeat(rng.normal(size=n), T),
        }
    )


def _cell_data(df, g, t, base):
    wide = df.pivot(index="unit", columns="year", values="y")
    units = df.groupby("unit")[["cohort", "x", "z", "w"] if "w" in df else ["cohort", "x", "z"]]
    u = units.first()
    u = u[(u["cohort"] == g) | (u["cohort"] == 0)]
    dy = (wide[t] - wide[base]).loc[u.index].to_numpy()
    d = (u["cohort"] == g).to_numpy(dtype=float)
    x = sm.add_constant(u[["x", "z"]].to_numpy())
    return dy, d, x, u


def test_covariate_estimators_match_statsmodels_hand_computation():
    rng = np.random.default_rng(11)
    df = _simulate(rng, n=600, x_trend=0.4)
    dy, d, x, _ = _cell_data(df, 3, 4, 2)
    # outcome regression: treated mean change minus predicted change from comparison-unit OLS
    beta = sm.OLS(dy[d == 0], x[d == 0]).fit().params
    reg = np.mean(dy[d == 1] - x[d == 1] @ beta)
    # normalised IPW with a statsmodels logit
    p = sm.Logit(d, x).fit(disp=0, tol=1e-12).predict(x)
    wc = p / (1 - p) * (1 - d)
    ipw = dy[d == 1].mean() - np.sum(wc * dy) / wc.sum()
    # doubly robust: IPW-weighted residuals of the outcome regression
    r = dy - x @ beta
    dr = r[d == 1].mean() - np.sum(wc * r) / wc.sum()
    for method, expected in (("reg", reg), ("ipw", ipw), ("dr", dr)):
        res = att_gt(
            df, "y", unit="unit", time="year", cohort="cohort", method=method, covariates=["x", "z"]
        )
        got = res.tidy().query("cohort == 3 and time == 4")["estimate"].iloc[0]
        assert got == pytest.approx(expected, abs=1e-8), method


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_influence_function_is_derivative_in_unit_weights(method):
    """The influence function of an estimator is n times its derivative with respect to one
    unit's sampling weight (weights normalised to mean 1): checked by finite differences."""
    rng = np.random.default_rng(5)
    df = _simulate(rng, n=150, x_trend=0.3)
    df["w"] = 1.0
    kw = dict(method=method, covariates=["x", "z"], weights="w")
    base = att_gt(df, "y", unit="unit", time="year", cohort="cohort", **kw)
    cell = base.tidy().query("cohort == 3 and time == 4").index[0]
    n = base.n_units
    h = 1e-6
    for unit in (0, 7, 42, 99):
        bumped = df.copy()
        bumped.loc[bumped["unit"] == unit, "w"] += h
        # weights are renormalised to mean 1: a bump of h is a bump of h * n / (n + h)
        est = (
            att_gt(bumped, "y", unit="unit", time="year", cohort="cohort", **kw)
            .tidy()["estimate"]
            .iloc[cell]
        )
        deriv = (est - base.tidy()["estimate"].iloc[cell]) / h
        inf = base.influence()
        assert inf.loc[unit].iloc[cell] == pytest.approx(deriv * n, rel=1e-4, abs=1e-6)


def test_weights_equal_duplicated_units():
    rng = np.random.default_rng(2)
    df = _simulate(rng, n=120)
    dup_units = [1, 5, 9, 40, 77]
    extra = df[df["unit"].isin(dup_units)].assign(unit=lambda d: d["unit"] + 1000)
    doubled = pd.concat([df, extra], ignore_index=True)
    df["w"] = np.where(df["unit"].isin(dup_units), 2.0, 1.0)
    for method in ("dr", "reg"):
        a = att_gt(df, "y", unit="unit", time="year", cohort="cohort", weights="w", method=method,
                   covariates=["x"]).aggregate("simple").overall  # fmt: skip
        b = att_gt(doubled, "y", unit="unit", time="year", cohort="cohort", method=method,
                   covariates=["x"]).aggregate("simple").overall  # fmt: skip
        assert a.estimate == pytest.approx(b.estimate, abs=1e-10)


# --- design choices -------------------------------------------------------------------------
def test_universal_base_period_is_long_difference():
    rng = np.random.default_rng(3)
    df = _simulate(rng, n=300)
    var = (
        att_gt(df, "y", unit="unit", time="year", cohort="cohort")
        .tidy()
        .set_index(["cohort", "time"])
    )
    uni = att_gt(df, "y", unit="unit", time="year", cohort="cohort", base_period="universal").tidy()
    uni = uni.set_index(["cohort", "time"])
    assert uni.loc[(4, 3), "estimate"] == 0.0 and np.isnan(uni.loc[(4, 3), "std_error"])
    assert uni.loc[(4, 1), "estimate"] != 0.0
    post = uni["event_time"] >= 0
    np.testing.assert_allclose(uni.loc[post, "estimate"], var.loc[uni.index[post], "estimate"])
    # a pre-period cell with universal base: (mean_g(y_1) - mean_g(y_3)) - same for never
    m = df.groupby(["cohort", "year"])["y"].mean()
    hand = (m[(4, 1)] - m[(4, 3)]) - (m[(0, 1)] - m[(0, 3)])
    assert uni.loc[(4, 1), "estimate"] == pytest.approx(hand, abs=1e-12)
    assert len(uni) == 2 * 5 and len(var) == 2 * 4


def test_not_yet_treated_controls_by_hand():
    rng = np.random.default_rng(4)
    df = _simulate(rng, n=300)
    res = att_gt(
        df, "y", unit="unit", time="year", cohort="cohort", control_group="not_yet_treated"
    )
    cell = res.tidy().query("cohort == 3 and time == 3")["estimate"].iloc[0]
    wide = df.pivot(index="unit", columns="year", values="y")
    coh = df.groupby("unit")["cohort"].first()
    dy = wide[3] - wide[2]
    hand = dy[coh == 3].mean() - dy[(coh == 0) | (coh == 4)].mean()
    assert cell == pytest.approx(hand, abs=1e-12)
    # in period 4 cohort 4 is treated: only never-treated units remain as comparison
    cell4 = res.tidy().query("cohort == 3 and time == 4")["estimate"].iloc[0]
    hand4 = (wide[4] - wide[2])[coh == 3].mean() - (wide[4] - wide[2])[coh == 0].mean()
    assert cell4 == pytest.approx(hand4, abs=1e-12)


def test_anticipation_shifts_base_period():
    rng = np.random.default_rng(8)
    df = _simulate(rng, n=300)
    res = att_gt(df, "y", unit="unit", time="year", cohort="cohort", anticipation=1).tidy()
    wide = df.pivot(index="unit", columns="year", values="y")
    coh = df.groupby("unit")["cohort"].first()
    dy = wide[4] - wide[1]  # cohort 3, one period of anticipation: base period 1
    hand = dy[coh == 3].mean() - dy[coh == 0].mean()
    assert res.query("cohort == 3 and time == 4")["estimate"].iloc[0] == pytest.approx(hand)


def test_unbalanced_drop_and_pairwise():
    rng = np.random.default_rng(6)
    df = _simulate(rng, n=200)
    gone = df.index[(df["unit"].isin([3, 10, 11])) & (df["year"] == 2)]
    unb = df.drop(gone)
    with pytest.warns(StaggeredWarning, match=r"dropped 3 unit\(s\) whose outcome is missing"):
        dropped = att_gt(unb, "y", unit="unit", time="year", cohort="cohort")
    assert dropped.n_units == 197
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pair = att_gt(unb, "y", unit="unit", time="year", cohort="cohort", unbalanced="pairwise")
    assert pair.n_units == 200
    # cell (3, 3) uses base period 2: units missing in year 2 are left out of this cell only
    wide = unb.pivot(index="unit", columns="year", values="y")
    coh = unb.groupby("unit")["cohort"].first()
    dy = (wide[3] - wide[2]).dropna()
    c = coh.loc[dy.index]
    hand = dy[c == 3].mean() - dy[c == 0].mean()
    t = pair.tidy().set_index(["cohort", "time"])
    assert t.loc[(3, 3), "estimate"] == pytest.approx(hand, abs=1e-12)
    # a cell that does not involve year 2 uses every unit (post cell (4, 5): base period 3)
    dy5 = wide[5] - wide[3]
    assert t.loc[(4, 5), "estimate"] == pytest.approx(
        dy5[coh == 4].mean() - dy5[coh == 0].mean(), abs=1e-12
    )


# --- warnings and errors --------------------------------------------------------------------
def test_units_treated_in_first_period_are_dropped_with_names():
    rng = np.random.default_rng(1)
    df = _simulate(rng, n=100)
    df.loc[df["unit"].isin([0, 1]), "cohort"] = 1
    with pytest.warns(StaggeredWarning, match=r"dropped 2 unit\(s\) already treated.*0, 1"):
        res = att_gt(df, "y", unit="unit", time="year", cohort="cohort")
    assert res.n_units == 98
    assert 1 not in set(res.tidy()["cohort"])
    ex = res.excluded_units
    assert ex.loc[ex["reason"] == "treated_first_period", "unit"].tolist() == ["0", "1"]


def test_no_never_treated():
    rng = np.random.default_rng(1)
    df = _simulate(rng, n=100, p_cohort=(0.5, 0.5))
    df = df[df["cohort"] > 0]
    with pytest.raises(DataError, match="no never-treated units"):
        att_gt(df, "y", unit="unit", time="year", cohort="cohort")
    with pytest.warns(StaggeredWarning, match=r"last cohort \(4\) serves as the comparison"):
        res = att_gt(
            df, "y", unit="unit", time="year", cohort="cohort", control_group="not_yet_treated"
        )
    assert set(res.tidy()["cohort"]) == {3} and res.tidy()["time"].max() == 3


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.assign(z=1.0), "covariate 'z' is constant"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), "appears more than once"),
        (lambda d: d.drop(columns="cohort"), "no column"),
        (lambda d: d.assign(cohort=np.where(d["year"] == 2, 3, d["cohort"])), "same in every"),
        (lambda d: d.assign(y="a"), "must be numeric"),
    ],
)
def test_clear_errors(change, match):
    rng = np.random.default_rng(1)
    df = change(_simulate(rng, n=100))
    with pytest.raises(DataError, match=match):
        att_gt(
            df, "y", unit="unit", time="year", cohort="cohort", covariates=["x", "z"], method="dr"
        )


def test_invalid_options():
    df = _simulate(np.random.default_rng(1), n=50)
    for kw in ({"method": "ols"}, {"control_group": "all"}, {"base_period": "fixed"},
               {"unbalanced": "fill"}, {"level": 95}):  # fmt: skip
        with pytest.raises(ValueError):
            att_gt(df, "y", unit="unit", time="year", cohort="cohort", **kw)
    res = att_gt(df, "y", unit="unit", time="year", cohort="cohort")
    with pytest.raises(ValueError):
        res.aggregate("event")
    with pytest.raises(ValueError, match="balance_e"):
        res.aggregate("group", balance_e=1)


# --- aggregation options --------------------------------------------------------------------
@pytest.mark.shared
def test_balance_e_min_e_max_e_by_hand(fits):
    res = fits["mpdta_nev_dr"]
    cells = res.tidy().set_index(["cohort", "time"])["estimate"]
    # cohort sizes in mpdta: 2004: 20, 2006: 40, 2007: 131 counties
    dyn = res.aggregate("dynamic", balance_e=1).tidy().set_index("event_time")["estimate"]
    # cohorts observed at least one period after treatment: 2004 and 2006
    # (event time -3 exists only for cohort 2007, which is dropped)
    assert list(dyn.index) == [-2, -1, 0, 1]
    hand0 = (20 * cells[(2004, 2004)] + 40 * cells[(2006, 2006)]) / 60
    hand1 = (20 * cells[(2004, 2005)] + 40 * cells[(2006, 2007)]) / 60
    assert dyn[0] == pytest.approx(hand0, abs=1e-12)
    assert dyn[1] == pytest.approx(hand1, abs=1e-12)
    assert dyn[-2] == pytest.approx(cells[(2006, 2004)], abs=1e-12)  # only 2006 of the two
    lim = res.aggregate("dynamic", min_e=-1, max_e=1).tidy()
    assert lim["event_time"].tolist() == [-1, 0, 1]
    simple = res.aggregate("simple", max_e=0).overall.estimate
    hand = (20 * cells[(2004, 2004)] + 40 * cells[(2006, 2006)] + 131 * cells[(2007, 2007)]) / 191
    assert simple == pytest.approx(hand, abs=1e-12)


# --- results interface ----------------------------------------------------------------------
@pytest.mark.shared
def test_results_interface(fits, tmp_path):
    res = fits["mpdta_nev_dr"]
    t = res.tidy()
    assert list(t.columns[:8]) == ["cohort", "time", "estimate", "std_error", "statistic",
                                   "p_value", "ci_low", "ci_high"]  # fmt: skip
    assert "Kohorte" in res.summary().as_text() and "Cohort" in res.summary("en").as_text()
    agg = res.aggregate("dynamic")
    assert "Gesamt" in agg.summary().as_text()
    assert res.plot() is not None and agg.plot() is not None
    res.to_csv(tmp_path / "attgt.csv")
    back = pd.read_csv(tmp_path / "attgt.csv")
    np.testing.assert_allclose(back["estimate"], t["estimate"], rtol=1e-9)
    assert "<table" in res._repr_html_()
    assert "Vortest" in res.pretest().summary().as_text()
    assert "Pre-test of parallel trends" in res.pretest().summary("en").as_text()
    assert "Pre-test of parallel trends" in res.pretest(kind="cells").summary("en").as_text()
    assert res.summary("en").title == "Group-time effects ATT(g,t)"
    assert "Einflussfunktionen" in res.summary().as_text()
    assert "influence functions" in agg.summary("en").as_text()
    cmp = ev.compare({"CS dynamic": agg})
    assert len(cmp.tidy()) == len(agg.tidy())


# --- simulations with known truth ------------------------------------------------------------
def _true_simple_att(cohorts=(3, 4), p=(0.3, 0.3), years=(1, 2, 3, 4, 5),
                     effect=lambda g, e: 1.0 + 0.5 * e + 0.2 * (g == 3)):  # fmt: skip
    num = den = 0.0
    for g, pg in zip(cohorts, p, strict=True):
        for t in years:
            if t >= g:
                num += pg * effect(g, t - g)
                den += pg
    return num / den


@pytest.mark.slow
def test_monte_carlo_coverage_of_simple_att():
    """Seeded Monte Carlo: 95 % intervals of the simple ATT (cohort-size weights estimated)
    cover the population truth in 91-99 % of 400 replications."""
    rng = np.random.default_rng(20240501)
    truth = _true_simple_att()
    covered = []
    for _ in range(400):
        df = _simulate(rng, n=300)
        o = att_gt(df, "y", unit="unit", time="year", cohort="cohort").aggregate("simple").overall
        covered.append(o.ci_low <= truth <= o.ci_high)
    rate = np.mean(covered)
    assert 0.91 <= rate <= 0.99, rate


@pytest.mark.slow
def test_simultaneous_band_covers_all_cells_jointly():
    """Sup-t bands cover all group-time effects at once in about 95 % of samples (pointwise
    intervals do so far less often)."""
    rng = np.random.default_rng(77)
    effect = lambda g, e: 1.0 + 0.5 * e + 0.2 * (g == 3)  # noqa: E731
    band_cov, point_cov = [], []
    for r in range(300):
        df = _simulate(rng, n=300)
        t = att_gt(df, "y", unit="unit", time="year", cohort="cohort", n_draws=499, seed=r).tidy()
        truth = np.where(t["time"] >= t["cohort"], effect(t["cohort"], t["time"] - t["cohort"]), 0)
        band_cov.append(((t["band_low"] <= truth) & (truth <= t["band_high"])).all())
        point_cov.append(((t["ci_low"] <= truth) & (truth <= t["ci_high"])).all())
    assert 0.91 <= np.mean(band_cov) <= 0.99, np.mean(band_cov)
    assert np.mean(point_cov) < 0.85


def test_simultaneous_band_quick_check():
    """Fast version of the joint coverage check (60 samples): the band covers every cell
    jointly far more often than pointwise intervals do."""
    rng = np.random.default_rng(78)
    effect = lambda g, e: 1.0 + 0.5 * e + 0.2 * (g == 3)  # noqa: E731
    band_cov = []
    for r in range(60):
        df = _simulate(rng, n=200)
        t = att_gt(df, "y", unit="unit", time="year", cohort="cohort", n_draws=299, seed=r).tidy()
        truth = np.where(t["time"] >= t["cohort"], effect(t["cohort"], t["time"] - t["cohort"]), 0)
        band_cov.append(((t["band_low"] <= truth) & (truth <= t["band_high"])).all())
    assert np.mean(band_cov) >= 0.85


def test_aggregated_bootstrap_equals_bootstrap_of_aggregated_influence():
    """Aggregations combine the cells' bootstrap draws linearly; bootstrapping the aggregated
    influence function directly with the same multipliers gives the same standard error."""
    from evaluation.staggered._bootstrap import bootstrap_se

    df = _simulate(np.random.default_rng(9), n=300)
    df["state"] = df["unit"] % 7
    res = att_gt(
        df, "y", unit="unit", time="year", cohort="cohort", n_draws=399, seed=2, cluster="state"
    )
    for kind in ("simple", "group", "dynamic", "calendar"):
        agg = res.aggregate(kind)
        inf = agg.overall.influence().to_numpy()
        direct = bootstrap_se(res._bootstrap.draws(inf), 7)[0]
        assert agg.overall.std_error == pytest.approx(direct, rel=1e-5)


# --- the synthetic study: known cohort-time effects ----------------------------------------
@pytest.fixture(scope="module")
def synthetic():
    datasets = pytest.importorskip("evaluation.datasets")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return datasets.synthetic_study(seed=1, n_audited=200)


def _truth_of(res, study, indicator, kind):
    """True aggregated effect from study.truth.effects with the estimator's own cells and
    cohort-size weights."""
    t = res.tidy()
    tr = study.truth.effects.query("indicator == @indicator").rename(columns={"year": "time"})
    m = t.merge(tr[["cohort", "time", "effect"]], on=["cohort", "time"], how="left")
    assert m["effect"].notna().all()
    sizes = res.unit_cohorts.value_counts()
    m["pg"] = m["cohort"].map(sizes).astype(float)
    if kind == "simple":
        post = m[m["time"] >= m["cohort"]]
        return float((post["pg"] * post["effect"]).sum() / post["pg"].sum())
    by_e = m.groupby("event_time").apply(
        lambda d: (d["pg"] * d["effect"]).sum() / d["pg"].sum(), include_groups=False
    )
    return by_e


@pytest.mark.parametrize(
    "indicator", ["sgb2_children", "births_per_1000_women", "family_net_migration", "share_65plus"]
)
def test_synthetic_study_recovers_true_effects(synthetic, indicator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = synthetic.panel(indicator)
    res = att_gt(panel, control_group="not_yet_treated", unbalanced="pairwise")
    o = res.aggregate("simple").overall
    truth = _truth_of(res, synthetic, indicator, "simple")
    assert abs(o.estimate - truth) < 3 * o.std_error, (o.estimate, truth, o.std_error)
    if indicator == "share_65plus":
        assert truth == 0.0
    dyn = res.aggregate("dynamic", min_e=0, max_e=5).tidy().set_index("event_time")
    true_e = _truth_of(res, synthetic, indicator, "dynamic").loc[dyn.index]
    z = (dyn["estimate"] - true_e) / dyn["std_error"]
    assert (z.abs() < 3.5).all(), z


def test_synthetic_conditional_parallel_trends_need_covariates(synthetic):
    """childcare_u3 has trends that depend on log population and urbanisation: the
    unconditional estimate is biased, the doubly robust one with those covariates is not."""
    assert synthetic.truth.parallel_trends["childcare_u3"] == "conditional"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = synthetic.panel("childcare_u3")
    kw = dict(control_group="not_yet_treated", unbalanced="pairwise")
    plain = att_gt(panel, **kw)
    dr = att_gt(panel, **kw, method="dr", covariates=["log_population", "urbanisation"])
    truth = _truth_of(dr, synthetic, "childcare_u3", "simple")
    o_dr, o_plain = dr.aggregate("simple").overall, plain.aggregate("simple").overall
    assert abs(o_dr.estimate - truth) < 3 * o_dr.std_error
    assert abs(o_plain.estimate - _truth_of(plain, synthetic, "childcare_u3", "simple")) > (
        4 * o_plain.std_error
    )


def test_time_varying_covariate_taken_in_base_period():
    """A covariate that changes over time enters with its value in the earlier period of the
    comparison (the base period of a post-treatment cell)."""
    rng = np.random.default_rng(12)
    df = _simulate(rng, n=500, x_trend=0.3)
    df["xt"] = df["x"] + 0.2 * df["year"] * rng.normal(size=len(df))
    res = att_gt(
        df, "y", unit="unit", time="year", cohort="cohort", method="reg", covariates=["xt"]
    )
    wide = df.pivot(index="unit", columns="year", values="y")
    xt = df.pivot(index="unit", columns="year", values="xt")
    coh = df.groupby("unit")["cohort"].first()
    for g, t, base in ((3, 4, 2), (4, 2, 1)):  # a post cell and a pre cell (varying base)
        keep = (coh == g) | (coh == 0)
        dy = (wide[t] - wide[base])[keep].to_numpy()
        d = (coh[keep] == g).to_numpy()
        x = sm.add_constant(xt[base][keep].to_numpy())
        beta = sm.OLS(dy[~d], x[~d]).fit().params
        hand = np.mean(dy[d] - x[d] @ beta)
        got = res.tidy().query("cohort == @g and time == @t")["estimate"].iloc[0]
        assert got == pytest.approx(hand, abs=1e-10)


# --- covariates on mpdta: second reference implementation ----------------------------------
LPOP_SCENARIOS = {
    f"mpdta_lpop_{short}_{method}": dict(control_group=cg, method=method)
    for short, cg in (("nev", "never_treated"), ("nyt", "not_yet_treated"))
    for method in ("dr", "ipw", "reg")
} | {
    "mpdta_lpop_nev_dr_universal": dict(base_period="universal"),
    "mpdta_lpop_nev_dr_anticipation1": dict(anticipation=1),
    "mpdta_lpop_nyt_dr_universal_anticipation1": dict(
        control_group="not_yet_treated", base_period="universal", anticipation=1
    ),
}


@pytest.mark.shared
@pytest.mark.parametrize("scenario", list(LPOP_SCENARIOS))
def test_covariate_scenarios_match_csdid_reference(mpdta, scenario):
    """With the covariate lpop, every ATT(g,t) and aggregation equals the independent port
    csdid 0.4.3 (tests/results/make_csdid_mpdta_lpop.py records the call)."""
    from pathlib import Path

    ref = pd.read_csv(Path(__file__).parent / "results" / "csdid_mpdta_lpop.csv")
    ref = ref[ref["scenario"] == scenario]
    kw = LPOP_SCENARIOS[scenario]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = att_gt(mpdta, **ROLES, covariates=["lpop"], **kw)
    if kw.get("anticipation"):  # cohort 2004 is treated by 2003 + anticipation: dropped
        assert any("already treated in the first period" in str(w.message) for w in caught)
    cells = ref[ref["type"] == "attgt"]
    m = res.tidy().merge(cells, left_on=["cohort", "time"], right_on=["group", "t"])
    assert len(m) == len(cells) == len(res.tidy())
    np.testing.assert_allclose(m["estimate"], m["att"], rtol=0, atol=1e-8)
    se = m["se"].where(m["se"] > 1e-12)  # the universal reference cell has no SE
    np.testing.assert_allclose(m["std_error"], se, rtol=1e-6)
    for kind in ("simple", "group", "dynamic", "calendar"):
        row = ref[ref["type"] == kind].iloc[0]
        o = res.aggregate(kind).overall
        assert o.estimate == pytest.approx(row["att"], abs=1e-8)
        assert o.std_error == pytest.approx(row["se"], rel=1e-6)


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield
