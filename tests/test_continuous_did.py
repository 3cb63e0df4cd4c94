"""Continuous-treatment DiD against R contdid 0.1.0 (tests/results/make_contdid_reference.R),
diff-diff 3.13.0's ContinuousDiD (tests/results/make_diffdiff_contdid_reference.py) and a
delta-method computation on one stacked regression written here (``stacked_delta_method``).

What the references show (and the tests pin down):
- ATT(d), ACRT(d), ATT^o, ACRT^o and the slope event study match contdid to 1e-6, and ATT(d),
  ACRT(d), ATT^o, ACRT^o match diff-diff;
- contdid 0.1.0 uses not-yet-treated comparison units in its dose aggregation whatever
  ``control_group`` says (cont_did checks the argument but does not pass it on): its
  "nevertreated" numbers equal ours with not-yet-treated controls;
- standard errors of ATT(d) and ACRT(d) match diff-diff's influence functions to 1e-6 in the
  staggered cases, and the stacked regression (cluster-robust by unit, weights of the cells
  fixed) to 1e-9; ACRT(d) also matches contdid everywhere, and ATT(d) with one cohort;
- contdid's ATT(d) standard error in the staggered cases is that of the same combination with
  the comparison units' part added instead of subtracted (its process_dose_gt negates the
  binarised influence function of the comparison units, which already carries the minus sign).
  The sign is immaterial within one cell (treated and comparison units are disjoint) but not
  for units that are comparison units in one cell and treated in a later one, hence the gap of
  1-9 % on this panel; the stacked regression with the flipped sign gives contdid's numbers;
- ATT^o: its standard error includes the estimation of the cohort shares (R did's ``wif``);
  contdid's (through ptetools' ``wif`` on shares already normalised to sum to one) has that
  term multiplied by P(treated), and diff-diff's leaves it out; the stacked regression gives
  all three from the one covariance matrix;
- ACRT^o is checked against an independent sandwich computation in R, because contdid scales
  the cell influence functions of ACRT^o by n / (units in the cell), not n / (treated units in
  the cell), which understates that standard error; diff-diff leaves out the spread of the
  slope over the treated doses, so its ACRT^o standard error is not compared.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError

RESULTS = Path(__file__).parent / "results"
GRID = np.linspace(0.02, 0.98, 25)


@pytest.fixture(scope="module")
def ref():
    return pd.read_csv(RESULTS / "contdid_reference.csv")


@pytest.fixture(scope="module")
def diffdiff():
    return pd.read_csv(RESULTS / "diffdiff_contdid_reference.csv")


def panel(name):
    return pd.read_csv(RESULTS / f"contdid_panel_{name}.csv")


def fit(data, **kw):
    return ev.continuous_did(
        data, "Y", unit="id", time="time_period", cohort="G", dose="D", dvals=GRID, **kw
    )


def compare(res, ref, case, parameter, se=True):
    got = res.tidy()
    got = got[got["parameter"] == parameter]
    exp = ref[(ref["case"] == case) & (ref["parameter"] == parameter)]
    exp = exp[exp["std_error"].notna()] if se else exp.iloc[: len(got)]
    np.testing.assert_allclose(got["estimate"], exp["estimate"], rtol=0, atol=1e-6)
    if se:
        np.testing.assert_allclose(got["std_error"], exp["std_error"], rtol=0, atol=1e-6)


def test_staggered_not_yet_treated(ref, diffdiff):
    res = fit(panel("staggered"), control_group="not_yet_treated", degree=3, num_knots=1)
    compare(res, ref, "staggered_nyt", "att_d", se=False)
    compare(res, ref, "staggered_nyt", "acrt_d")
    compare(res, ref, "staggered_nyt", "att_overall", se=False)
    compare(res, ref, "staggered_nyt", "acrt_overall", se=False)
    for par in ("att_d", "acrt_d"):
        compare(res, diffdiff, "staggered_nyt", par)
    for par in ("att_overall", "acrt_overall"):
        compare(res, diffdiff, "staggered_nyt", par, se=False)


def test_contdid_nevertreated_is_not_yet_treated(ref, diffdiff):
    res = fit(panel("staggered"), control_group="not_yet_treated", degree=2, num_knots=0)
    compare(res, ref, "staggered_never", "att_d", se=False)
    compare(res, ref, "staggered_never", "acrt_d")
    for par in ("att_d", "acrt_d"):
        compare(res, diffdiff, "staggered_never", par)
    never = fit(panel("staggered"), control_group="never_treated", degree=2, num_knots=0)
    a = never.tidy().query("parameter == 'att_overall'")["estimate"].iloc[0]
    b = res.tidy().query("parameter == 'att_overall'")["estimate"].iloc[0]
    assert abs(a - b) > 1e-3  # the comparison group matters here


def stacked_delta_method(data, degree, num_knots, grid):
    """Standard errors of ATT(d) and ATT^o with not-yet-treated comparison units, from one
    stacked OLS (cluster-robust by unit, no small-sample factor) and the delta method.

    The blocks of the stack, each with its own coefficients: per post-treatment cell (g, t) the
    long difference of cohort g on a truncated power basis of the dose (the same spline space
    as the B-splines), of the comparison units on a constant (mu0) and of cohort g on a constant
    (mu1); per cohort the indicator 1(G = g) on a constant (the share P_g). Returns the
    estimate of ATT(d) and its standard errors with the comparison part subtracted (sign -1)
    and added (+1), and ATT^o with its standard errors for three treatments of the shares:
    derivative (theta_g - ATT^o) / P(treated) ("delta"), that times P(treated) ("times_p"),
    and shares fixed ("fixed")."""
    import statsmodels.api as sm

    wide = data.pivot(index="id", columns="time_period", values="Y")
    units = data.groupby("id")[["G", "D"]].first().loc[wide.index]
    g_of, d_of = units["G"].to_numpy(), units["D"].to_numpy()
    times, y = wide.columns.to_numpy(), wide.to_numpy()
    knots = np.quantile(d_of[g_of > 0], np.linspace(0, 1, num_knots + 2))[1:-1]

    def basis(d):
        powers = [d**j for j in range(degree + 1)]
        return np.column_stack(powers + [np.clip(d - k, 0, None) ** degree for k in knots])

    k = degree + 1 + len(knots)
    cohorts = np.unique(g_of[g_of > 0])
    cells = [(g, t) for g in cohorts for t in times if t >= g]
    nc, nb = len(cells), len(cells) * (k + 2)
    ncol = nb + len(cohorts)
    beta = [slice(c * (k + 1), c * (k + 1) + k) for c in range(nc)]
    mu0 = [c * (k + 1) + k for c in range(nc)]
    mu1 = [nc * (k + 1) + c for c in range(nc)]
    ys, xs, clusters = [], [], []

    def block(rows, yv, cols, xv):
        x = np.zeros((len(rows), ncol))
        x[:, cols] = xv
        ys.append(yv)
        xs.append(x)
        clusters.append(rows)

    for c, (g, t) in enumerate(cells):
        dy = y[:, times == t][:, 0] - y[:, times == g - 1][:, 0]
        tr = np.flatnonzero(g_of == g)
        co = np.flatnonzero((g_of == 0) | (g_of > t))
        block(tr, dy[tr], beta[c], basis(d_of[tr]))
        block(co, dy[co], mu0[c], 1.0)
        block(tr, dy[tr], mu1[c], 1.0)
    for j, g in enumerate(cohorts):
        block(np.arange(len(g_of)), (g_of == g).astype(float), nb + j, 1.0)
    ols = sm.OLS(np.concatenate(ys), np.vstack(xs)).fit(
        cov_type="cluster",
        cov_kwds={"groups": np.concatenate(clusters), "use_correction": False},
    )
    coef, vcov = ols.params, ols.cov_params()
    share = coef[nb:]
    s = share.sum()
    npost = {g: sum(gg == g for gg, _ in cells) for g in cohorts}
    wcell = [share[np.searchsorted(cohorts, g)] / s / npost[g] for g, _ in cells]

    def se(a):
        return np.sqrt(np.einsum("ij,jk,ik->i", a, vcov, a))

    xg = basis(np.asarray(grid))
    att_d = {}
    for sign in (-1, 1):
        a = np.zeros((len(grid), ncol))
        for c in range(nc):
            a[:, beta[c]] = wcell[c] * xg
            a[:, mu0[c]] = sign * wcell[c]
        att_d[sign] = se(a)
        if sign == -1:
            estimate = a @ coef
    a = np.zeros(ncol)
    for c in range(nc):
        a[mu1[c]], a[mu0[c]] = wcell[c], -wcell[c]
    att_o = float(a @ coef)
    theta = np.array(
        [
            np.mean([coef[mu1[c]] - coef[mu0[c]] for c, (gg, _) in enumerate(cells) if gg == g])
            for g in cohorts
        ]
    )
    att_o_se = {}
    for name, factor in (("delta", 1 / s), ("times_p", 1.0), ("fixed", 0.0)):
        a[nb:] = factor * (theta - att_o)
        att_o_se[name] = float(se(a[None, :])[0])
    return estimate, att_d, att_o, att_o_se


@pytest.mark.parametrize(
    ("case", "degree", "num_knots"), [("staggered_nyt", 3, 1), ("staggered_never", 2, 0)]
)
def test_staggered_standard_errors_against_stacked_regression(
    ref, diffdiff, case, degree, num_knots
):
    data = panel("staggered")
    res = fit(data, control_group="not_yet_treated", degree=degree, num_knots=num_knots, n_draws=99)
    t = res.tidy()
    got = t[t["parameter"] == "att_d"]
    got_o = t[t["parameter"] == "att_overall"].iloc[0]
    estimate, att_d_se, att_o, att_o_se = stacked_delta_method(data, degree, num_knots, GRID)
    np.testing.assert_allclose(got["estimate"], estimate, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["std_error"], att_d_se[-1], rtol=0, atol=1e-9)
    assert got_o["estimate"] == pytest.approx(att_o, abs=1e-9)
    assert got_o["std_error"] == pytest.approx(att_o_se["delta"], abs=1e-9)
    # contdid: the comparison part with the wrong sign, the shares' term times P(treated)
    exp = ref[ref["case"] == case]
    np.testing.assert_allclose(
        exp.loc[exp["parameter"] == "att_d", "std_error"], att_d_se[1], rtol=0, atol=1e-9
    )
    assert exp.loc[exp["parameter"] == "att_overall", "std_error"].iloc[0] == pytest.approx(
        att_o_se["times_p"], abs=1e-9
    )
    assert (att_d_se[1] / att_d_se[-1]).min() < 0.98  # the sign matters on this panel
    # diff-diff: the shares held fixed
    dd = diffdiff[diffdiff["case"] == case]
    assert dd.loc[dd["parameter"] == "att_overall", "std_error"].iloc[0] == pytest.approx(
        att_o_se["fixed"], abs=1e-9
    )


def test_two_periods_all_standard_errors(ref):
    res = fit(panel("two_period"), control_group="never_treated", degree=3, num_knots=0)
    for par in ("att_d", "acrt_d", "att_overall"):
        compare(res, ref, "two_period", par)
    # ACRT^o against the sandwich computation (last acrt_overall row of the case)
    exp = ref[(ref["case"] == "two_period") & (ref["parameter"] == "acrt_overall")].iloc[-1]
    got = res.tidy().query("parameter == 'acrt_overall'").iloc[0]
    assert got["estimate"] == pytest.approx(exp["estimate"], abs=1e-9)
    assert got["std_error"] == pytest.approx(exp["std_error"], abs=1e-9)
    # contdid's own value is smaller by the share of treated units in the cell
    own = ref[ref["parameter"] == "acrt_overall_contdid_if"].query("case == 'two_period'")
    share = (panel("two_period").groupby("id")["G"].first() > 0).mean()
    assert own["std_error"].iloc[0] == pytest.approx(got["std_error"] * share, rel=1e-9)


def test_slope_event_study(ref):
    res = ev.continuous_did(
        panel("staggered"),
        "Y",
        unit="id",
        time="time_period",
        cohort="G",
        dose="D",
        control_group="not_yet_treated",
        degree=3,
        num_knots=1,
        n_draws=99,
    )
    es = res.event_study().tidy().query("parameter == 'acrt'")
    exp = ref[(ref["case"] == "eventstudy") & (ref["parameter"] == "acrt")]
    np.testing.assert_allclose(es["event_time"], exp["dose"])
    np.testing.assert_allclose(es["estimate"], exp["estimate"], rtol=0, atol=1e-6)


def test_bands_assumptions_texts_and_errors():
    data = panel("two_period")
    res = fit(data, degree=1, n_draws=199, seed=3)
    t = res.tidy().query("parameter == 'att_d'")
    assert (t["band_low"] < t["ci_low"]).all() and (t["band_high"] > t["ci_high"]).all()
    again = fit(data, degree=1, n_draws=199, seed=3).tidy().query("parameter == 'att_d'")
    assert np.array_equal(t["band_low"], again["band_low"])
    a = res.assumptions("en").set_index("parameter")["parallel_trends"]
    assert a["att_d"] == "standard" and a["acrt_d"] == "strong"
    assert "starke" in res.summary("de").as_text()
    assert "strong parallel trends" in res.summary("en").as_text()
    res.plot()
    with pytest.raises(ValueError, match="control_group"):
        fit(data, control_group="never")
    with pytest.raises(ValueError, match="degree"):
        fit(data, degree=0)
    bad = data.copy()
    bad.loc[(bad["G"] > 0).idxmax(), "D"] = 0.0
    with pytest.raises(DataError, match="varies within"):
        fit(bad)
    with pytest.raises(DataError, match="balanced"):
        fit(data.iloc[1:])


def simulate(rng, n=800):
    """Two periods; ATT(d) = 1 + 2 d - 1.5 d^2, ACRT(d) = 2 - 3 d."""
    g = rng.random(n) < 0.6
    d = np.where(g, rng.uniform(0.05, 1, n), 0.0)
    eta = rng.normal(size=n)
    y1 = eta + rng.normal(size=n)
    y2 = eta + 1 + g * (1 + 2 * d - 1.5 * d**2) + rng.normal(size=n)
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), 2),
            "time_period": np.tile([1, 2], n),
            "Y": np.column_stack([y1, y2]).ravel(),
            "G": np.repeat(np.where(g, 2, 0), 2),
            "D": np.repeat(d, 2),
        }
    )


@pytest.mark.slow
def test_uniform_band_covers_true_curve():
    rng = np.random.default_rng(2024)
    grid = np.linspace(0.1, 0.95, 18)
    hits = []
    for _ in range(200):
        r = ev.continuous_did(
            simulate(rng),
            "Y",
            unit="id",
            time="time_period",
            cohort="G",
            dose="D",
            degree=2,
            dvals=grid,
            n_draws=499,
            seed=int(rng.integers(1 << 31)),
        )
        t = r.tidy().query("parameter == 'att_d'")
        truth = 1 + 2 * grid - 1.5 * grid**2
        hits.append(bool(((t["band_low"] <= truth) & (truth <= t["band_high"])).all()))
    rate = float(np.mean(hits))
    print(f"uniform 95% band covers the whole ATT(d) curve in {rate:.1%} of 200 samples")
    assert 0.90 <= rate <= 0.99


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield
