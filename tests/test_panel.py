"""Panels, the role normaliser and the classic estimators: exact identities and references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

import evaluation as ev
from evaluation.errors import DataError, OptionError
from evaluation.panel import check_panel, fe_regression, resolve_roles, sup_t_critical

pytestmark = pytest.mark.usefixtures("frozen_results")


def small_panel(seed: int = 1, n_units: int = 12, years=range(2010, 2018), drop=3) -> pd.DataFrame:
    """A small staggered panel: 4 never-treated units, cohorts 2013, 2014, 2015; a few rows
    dropped so that it is unbalanced."""
    rng = np.random.default_rng(seed)
    years = list(years)
    cohorts = np.array([0, 0, 0, 0, 2013, 2013, 2014, 2014, 2014, 2015, 2015, 2015])[:n_units]
    rows = []
    for i, g in enumerate(cohorts):
        a = rng.normal(0, 2)
        for t in years:
            post = g > 0 and t >= g
            y = a + 0.3 * (t - 2010) + 1.5 * post + rng.normal(0, 1)
            rows.append((f"u{i:02d}", t, y, g, i % 3))
    df = pd.DataFrame(rows, columns=["id", "yr", "y", "g", "region"])
    df = df.drop(index=rng.choice(len(df), size=drop, replace=False)).reset_index(drop=True)
    return df


ROLES = dict(outcome="y", unit="id", time="yr", cohort="g")


# ---------------------------------------------------------------------------------------
# normaliser
# ---------------------------------------------------------------------------------------
def test_roles_default_from_attrs():
    df = small_panel()
    df.attrs["roles"] = {"outcome": "y", "unit": "id", "time": "yr", "cohort": "g"}
    r = resolve_roles(df)
    assert (r.outcome, r.unit, r.time, r.cohort) == ("y", "id", "yr", "g")
    assert resolve_roles(df, outcome="yr").outcome == "yr"


def test_check_panel_normalises_and_treats_missing_cohort_as_never():
    df = small_panel()
    df["g"] = df["g"].astype("float").replace(0, np.nan)
    df.loc[5, "y"] = np.nan
    out = check_panel(df, resolve_roles(df, **ROLES))
    assert out["g"].dtype == np.int64 and (out["g"] == 0).sum() > 0
    assert out["id"].dtype == "string"
    assert len(out) == len(df) - 1 and out.attrs["n_missing_outcome"] == 1


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.drop(columns="g"), "no column"),
        (lambda d: d.assign(g=d["g"].astype(str)), "text"),
        (lambda d: d.assign(g=np.where(d["g"] == 0, 2016, d["g"])), "no never-treated"),
        (lambda d: d.assign(y=3.0), "constant"),
        (lambda d: d.assign(y=np.nan), "missing in every row"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), "unit-year"),
        (lambda d: d.assign(y=d["y"].astype(str)), "numeric"),
        (lambda d: d.assign(g=np.where(d.index == 40, 2011, d["g"])), "varies within"),
    ],
)
@pytest.mark.parametrize("estimator", ["twfe", "event_study", "did_2x2"])
def test_bad_input_names_what_to_fix(change, message, estimator):
    if message == "no never-treated" and estimator != "did_2x2":
        pytest.skip("twfe and event_study use later-treated units as comparison")
    df = change(small_panel())
    kwargs = dict(pre=(2010, 2012), post=(2015, 2017)) if estimator == "did_2x2" else {}
    with pytest.raises(DataError, match=message):
        getattr(ev, estimator)(df, **ROLES, **kwargs)


def test_missing_outcome_role():
    with pytest.raises(DataError, match="outcome"):
        ev.twfe(small_panel(), unit="id", time="yr", cohort="g")


# ---------------------------------------------------------------------------------------
# Grunfeld: R plm within estimates (../shared/docs/references.md)
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def grunfeld() -> pd.DataFrame:
    from statsmodels.datasets import grunfeld

    g = grunfeld.load_pandas().data
    g = g[g["firm"] != "American Steel"].copy()
    g["year"] = g["year"].astype(int)
    return g.reset_index(drop=True)


def test_grunfeld_within_matches_r_plm(grunfeld):
    # plm(inv ~ value + capital, model = "within"): value 0.110124 (0.011857),
    # capital 0.310065 (0.017355), within R2 0.76676; tolerance: the printed digits
    fit = fe_regression(
        grunfeld,
        "invest",
        ["value", "capital"],
        "firm",
        "year",
        time_effects=False,
        cluster="none",
    )
    np.testing.assert_allclose(fit.params[["value", "capital"]], [0.110124, 0.310065], atol=6e-7)
    se = np.sqrt(np.diag(fit.cov))
    np.testing.assert_allclose(se, [0.011857, 0.017355], atol=6e-7)
    assert abs(fit.rsquared_within - 0.76676) < 6e-6


def test_grunfeld_cluster_convention_by_hand(grunfeld):
    # the documented convention: HC0 cluster sandwich times G/(G-1), no other factor
    fit = fe_regression(
        grunfeld,
        "invest",
        ["value", "capital"],
        "firm",
        "year",
        time_effects=False,
        cluster="unit",
    )
    d = grunfeld[["invest", "value", "capital"]] - grunfeld.groupby("firm")[
        ["invest", "value", "capital"]
    ].transform("mean")
    x, y = d[["value", "capital"]].to_numpy(), d["invest"].to_numpy()
    b = np.linalg.solve(x.T @ x, x.T @ y)
    e = y - x @ b
    scores = pd.DataFrame(x * e[:, None]).groupby(grunfeld["firm"].to_numpy()).sum().to_numpy()
    bread = np.linalg.inv(x.T @ x)
    g = scores.shape[0]
    v = g / (g - 1) * bread @ (scores.T @ scores) @ bread
    np.testing.assert_allclose(fit.params.to_numpy(), b, rtol=1e-10)
    np.testing.assert_allclose(fit.cov.to_numpy(), v, rtol=1e-8)
    assert fit.dof == g - 1


# ---------------------------------------------------------------------------------------
# TWFE equals OLS with unit and year dummies
# ---------------------------------------------------------------------------------------
def _dummy_ols(df: pd.DataFrame, formula: str, cluster: np.ndarray):
    fit = smf.ols(formula, data=df).fit(
        cov_type="cluster", cov_kwds={"groups": cluster, "use_correction": False}
    )
    g = len(np.unique(cluster))
    return fit, g / (g - 1)


def test_twfe_equals_dummy_ols():
    df = small_panel()
    df["post"] = ((df["g"] > 0) & (df["yr"] >= df["g"])).astype(float)
    fit, factor = _dummy_ols(df, "y ~ post + C(id) + C(yr)", pd.factorize(df["id"])[0])
    res = ev.twfe(df, **ROLES)
    t = res.tidy()
    assert t["estimate"].iloc[0] == pytest.approx(fit.params["post"], abs=1e-10)
    assert t["std_error"].iloc[0] == pytest.approx(
        np.sqrt(fit.cov_params().loc["post", "post"] * factor), rel=1e-8
    )
    # t reference with G - 1 = 11 degrees of freedom
    crit = stats.t.ppf(0.975, 11)
    assert t["ci_high"].iloc[0] == pytest.approx(
        t["estimate"].iloc[0] + crit * t["std_error"].iloc[0]
    )


def test_twfe_state_and_twoway_clusters():
    df = small_panel()
    df["post"] = ((df["g"] > 0) & (df["yr"] >= df["g"])).astype(float)
    df["state"] = np.where(df["region"] == 0, "05", np.where(df["region"] == 1, "06", "09"))
    fit, factor = _dummy_ols(df, "y ~ post + C(id) + C(yr)", pd.factorize(df["state"])[0])
    res = ev.twfe(df, **ROLES, cluster="state")
    assert res.tidy()["std_error"].iloc[0] == pytest.approx(
        np.sqrt(fit.cov_params().loc["post", "post"] * factor), rel=1e-8
    )
    assert res.df == 2
    # two-way: V_unit + V_year - V_unit-year (each with its own G/(G-1))
    v = 0.0
    for groups, sign in (
        (pd.factorize(df["id"])[0], 1),
        (pd.factorize(df["yr"])[0], 1),
        (pd.factorize(df["id"] + df["yr"].astype(str))[0], -1),
    ):
        f, fac = _dummy_ols(df, "y ~ post + C(id) + C(yr)", groups)
        v += sign * fac * f.cov_params().loc["post", "post"]
    res2 = ev.twfe(df, **ROLES, cluster="twoway")
    assert res2.tidy()["std_error"].iloc[0] == pytest.approx(np.sqrt(v), rel=1e-6)


def test_twfe_baseline_covariates_enter_by_year():
    df = small_panel()
    df["x"] = df["id"].str[1:].astype(int) % 5 * 1.0
    df["post"] = ((df["g"] > 0) & (df["yr"] >= df["g"])).astype(float)
    inter = []
    for yv in sorted(df["yr"].unique())[1:]:
        df[f"x{yv}"] = df["x"] * (df["yr"] == yv)
        inter.append(f"x{yv}")
    formula = f"y ~ post + C(id) + C(yr) + {' + '.join(inter)}"
    fit, _ = _dummy_ols(df, formula, pd.factorize(df["id"])[0])
    res = ev.twfe(df, **ROLES, covariates=["x"])
    assert res.tidy()["estimate"].iloc[0] == pytest.approx(fit.params["post"], abs=1e-9)


# ---------------------------------------------------------------------------------------
# 2x2 DiD equals the interaction of an OLS with cluster SE
# ---------------------------------------------------------------------------------------
def test_did_2x2_equals_interaction_ols():
    df = small_panel()
    pre, post = (2010, 2012), (2015, 2017)
    res = ev.did_2x2(df, **ROLES, pre=pre, post=post)
    sub = df[((df["g"] == 0) | df["g"].between(2013, 2015)) & ~df["yr"].isin([2013, 2014])].copy()
    sub["treat"] = (sub["g"] > 0).astype(float)
    sub["after"] = (sub["yr"] >= 2015).astype(float)
    fit = smf.ols("y ~ treat * after", data=sub).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(sub["id"])[0]}
    )
    t = res.tidy()
    assert t["estimate"].iloc[0] == pytest.approx(fit.params["treat:after"], abs=1e-10)
    # statsmodels' CR1 is G/(G-1) (N-1)/(N-K); ours keeps only G/(G-1)
    n, k = len(sub), 4
    assert t["std_error"].iloc[0] == pytest.approx(
        fit.bse["treat:after"] * np.sqrt((n - k) / (n - 1)), rel=1e-8
    )
    # and the four cell means
    m = sub.groupby(["treat", "after"])["y"].mean()
    hand = (m[1, 1] - m[1, 0]) - (m[0, 1] - m[0, 0])
    assert t["estimate"].iloc[0] == pytest.approx(hand, abs=1e-10)
    assert res.cells["mean"].iloc[0] == pytest.approx(m[1, 0])


def test_did_2x2_single_cohort_default_periods_and_errors():
    df = small_panel()
    one = df[df["g"].isin([0, 2014])]
    res = ev.did_2x2(one, **ROLES)
    assert res.facts["pre"] == "2010-2013" and res.facts["post"] == "2014-2017"
    with pytest.raises(DataError, match="pre= and post="):
        ev.did_2x2(df, **ROLES)
    with pytest.raises(DataError, match="must start after"):
        ev.did_2x2(df, **ROLES, pre=(2012, 2014), post=2013)


# ---------------------------------------------------------------------------------------
# event study
# ---------------------------------------------------------------------------------------
def test_event_study_equals_dummy_ols_and_wald():
    df = small_panel()
    rel = np.where(df["g"] > 0, df["yr"] - df["g"], np.nan)
    rel = np.clip(rel, -3, 2)  # binned endpoints
    names = []
    for k in [-3, -2, 0, 1, 2]:
        nm = f"e{'m' if k < 0 else 'p'}{abs(k)}"
        df[nm] = (rel == k).astype(float)
        names.append(nm)
    fit, factor = _dummy_ols(
        df, f"y ~ {' + '.join(names)} + C(id) + C(yr)", pd.factorize(df["id"])[0]
    )
    res = ev.event_study(df, **ROLES, leads=3, lags=2)
    t = res.tidy().set_index("event_time")
    for k, nm in zip([-3, -2, 0, 1, 2], names, strict=True):
        assert t.loc[k, "estimate"] == pytest.approx(fit.params[nm], abs=1e-9)
        assert t.loc[k, "std_error"] == pytest.approx(
            np.sqrt(fit.cov_params().loc[nm, nm] * factor), rel=1e-7
        )
    assert t.loc[-1, "estimate"] == 0 and t.loc[-1, "reference"]
    assert t.loc[-3, "binned"] and t.loc[2, "binned"] and not t.loc[0, "binned"]
    assert t.loc[-3, "n_obs"] == (rel == -3).sum() and t.loc[2, "n_obs"] == (rel == 2).sum()
    # joint Wald test of the two pre-period coefficients, F(2, G-1)
    b = fit.params[["em3", "em2"]].to_numpy()
    v = fit.cov_params().loc[["em3", "em2"], ["em3", "em2"]].to_numpy() * factor
    f = b @ np.linalg.solve(v, b) / 2
    pre = res.pretest()
    assert pre.statistic == pytest.approx(f, rel=1e-7) and pre.dof == (2, 11)
    assert pre.p_value == pytest.approx(stats.f.sf(f, 2, 11), rel=1e-7)
    # bands are wider than pointwise intervals, but not wider than Bonferroni
    tt = res.tidy()
    est = tt[~tt["reference"]]
    assert (est["band_high"] > est["ci_high"]).all()
    bonf = stats.t.ppf(1 - 0.025 / len(est), res.df)
    assert ((est["band_high"] - est["estimate"]) <= bonf * est["std_error"] + 1e-12).all()


def test_event_study_drop_endpoints_and_reference():
    df = small_panel()
    res = ev.event_study(df, **ROLES, leads=2, lags=1, endpoints="drop", reference=-2)
    t = res.tidy()
    assert t["event_time"].tolist() == [-2, -1, 0, 1]
    assert t.loc[t["event_time"] == -2, "estimate"].item() == 0
    with pytest.raises(OptionError, match="outside the window"):
        ev.event_study(df, **ROLES, leads=2, lags=1, reference=-4)


def test_sup_t_critical_independent_coordinates():
    # for K independent normals the exact value is Phi^-1((1 + 0.95^(1/K)) / 2)
    k = 5
    exact = stats.norm.ppf((1 + 0.95 ** (1 / k)) / 2)
    assert sup_t_critical(np.eye(k), 0.95, n_draws=200_000, seed=3) == pytest.approx(
        exact, abs=0.02
    )
    assert sup_t_critical(np.eye(1) * 4.0, 0.95, n_draws=200_000, seed=3) == pytest.approx(
        1.96, abs=0.02
    )


# ---------------------------------------------------------------------------------------
# before/after and interrupted time series
# ---------------------------------------------------------------------------------------
def test_before_after_by_hand():
    df = small_panel()
    res = ev.before_after(df, **ROLES, window=(-2, 1))
    tr = df[df["g"] > 0].copy()
    tr["rel"] = tr["yr"] - tr["g"]
    tr = tr[tr["rel"].between(-2, 1)]
    means = tr.groupby(["id", tr["rel"] >= 0])["y"].mean().unstack().dropna()
    d = (means[True] - means[False]).to_numpy()
    t = res.tidy()
    assert t["estimate"].iloc[0] == pytest.approx(d.mean())
    assert t["std_error"].iloc[0] == pytest.approx(d.std(ddof=1) / np.sqrt(len(d)))
    assert res.df == len(d) - 1
    assert res.wilcoxon["p_value"] == pytest.approx(stats.wilcoxon(d).pvalue)
    assert len(res.units) == len(d)


def test_interrupted_time_series_exact_segments():
    rows = []
    for u, g in (("a", 2012), ("b", 2014)):
        for t in range(2006, 2020):
            k = t - g
            rows.append((u, t, 1 + 0.5 * k + 2.0 * (k >= 0) + 0.3 * k * (k >= 0), g))
    rows += [("c", t, float(t % 3), 0) for t in range(2006, 2020)]
    df = pd.DataFrame(rows, columns=["id", "yr", "y", "g"])
    res = ev.interrupted_time_series(df, **ROLES, window=(-5, 5))
    est = res.params
    np.testing.assert_allclose(
        est[["pre_level", "pre_slope", "level_change", "slope_change"]],
        [1, 0.5, 2, 0.3],
        atol=1e-10,
    )
    # HAC standard errors as statsmodels gives them on the same series
    k = np.arange(-5, 6, dtype=float)
    y = 1 + 0.5 * k + 2.0 * (k >= 0) + 0.3 * k * (k >= 0) + np.sin(k)
    df2 = pd.DataFrame({"id": "a", "yr": (2012 + k).astype(int), "y": y, "g": 2012})
    df2 = pd.concat([df2, df[df["id"] == "c"]])
    res2 = ev.interrupted_time_series(df2, **ROLES, maxlags=2)
    x = np.column_stack([np.ones_like(k), k, k >= 0, k * (k >= 0)]).astype(float)
    ref = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": 2})
    np.testing.assert_allclose(res2.std_errors.to_numpy(), ref.bse, rtol=1e-10)


# ---------------------------------------------------------------------------------------
# results interface
# ---------------------------------------------------------------------------------------
def test_results_interface_and_compare(tmp_path):
    df = small_panel()
    r1 = ev.twfe(df, **ROLES)
    r2 = ev.event_study(df, **ROLES, leads=2, lags=2)
    r3 = ev.before_after(df, **ROLES)
    r4 = ev.did_2x2(df, **ROLES, pre=(2010, 2012), post=(2015, 2017))
    for r in (r1, r2, r3, r4):
        t = r.tidy()
        assert {"estimate", "std_error", "ci_low", "ci_high", "p_value"} <= set(t.columns)
        assert "<table" in r._repr_html_()
        assert r.to_csv().startswith(r.keys[0])
        assert "Estimate" in r.summary("en").as_text() or "Estimate" in r.to_markdown(lang="en")
        r.to_latex(tmp_path / "x.tex")
        r.plot()
    c = ev.compare({"TWFE": r1, "2x2": r4, "event": r2})
    assert set(c.tidy()["model"]) == {"TWFE", "2x2", "event"}
    ci = r1.conf_int(0.9)
    assert ci["ci_high"].iloc[0] < r1.tidy()["ci_high"].iloc[0]
    assert "G/(G-1)" in r1.summary().as_text()
    assert "Einheiten- und Jahreseffekte" in r1.summary().as_text()
    assert "unit and year effects" in r1.summary("en").as_text()
    assert "clustering by unit" in r2.summary("en").as_text()
    assert "Wilcoxon signed-rank" in r3.to_markdown(lang="en")
    assert r1.method.de == "TWFE (PanelOLS, Einheiten- und Jahreseffekte)"
