"""Power and minimum detectable effects: the analytic formulas against hand computations and
statsmodels, the simulation against the analytic values within Monte Carlo error, the size of a
true-null design within an exact binomial bound, and the planner's texts."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower

import evaluation as ev
from evaluation.errors import DataError, OptionError
from evaluation.i18n import Text
from evaluation.planning.analytic import linear_variance
from evaluation.planning.estimators import resolve_estimator

# the long simulations run on two local processes (results are the same as serially:
# tests/test_backends.py)
PARALLEL = {"backend": "joblib", "n_jobs": 2}


def staggered_design(**kw):
    base = dict(
        cohorts={2013: 7, 2015: 9},
        n_comparison=20,
        first_year=2010,
        last_year=2017,
        sd=1.3,
        autocorrelation=0.4,
        icc=0.2,
        n_clusters=4,
        unit_sd=2.0,
    )
    base.update(kw)
    return ev.PanelDesign(**base)


def two_by_two(n_t=30, n_c=60, pre=3, post=4, sd=2.0, rho=0.5, **kw):
    first = 2010
    onset = first + pre
    return ev.PanelDesign(
        cohorts={onset: n_t},
        n_comparison=n_c,
        first_year=first,
        last_year=onset + post - 1,
        sd=sd,
        autocorrelation=rho,
        **kw,
    )


def frison_pocock_variance(sd, rho, pre, post, n_t, n_c):
    """Hand computation: variance of the DiD of post-minus-pre means of two independent groups
    with AR(1) errors (Frison & Pocock 1992 with corr(y_s, y_t) = rho^|s-t|)."""
    years_pre = range(pre)
    years_post = range(pre, pre + post)

    def c(s, t):
        return rho ** abs(s - t)

    v_post = sum(c(s, t) for s in years_post for t in years_post) / post**2
    v_pre = sum(c(s, t) for s in years_pre for t in years_pre) / pre**2
    cov = sum(c(s, t) for s in years_pre for t in years_post) / (pre * post)
    per_unit = sd**2 * (v_post + v_pre - 2 * cov)
    return per_unit * (1 / n_t + 1 / n_c)


# -- the estimators as linear weights --------------------------------------------------------
@pytest.mark.parametrize(
    "name, event_time",
    [("twfe", "post"), ("event_study", "post"), ("event_study", 1), ("att_gt", "post"), ("att_gt", 2)],
)  # fmt: skip
def test_weights_reproduce_the_package_estimators_and_shift_equivariance(name, event_time):
    """The analytic weights give exactly what evaluation.twfe / event_study / att_gt estimate on
    a staggered panel with unit effects, year shocks and state correlation; adding a constant
    effect adds it to the estimate and leaves the standard error unchanged."""
    d = staggered_design()
    rng = np.random.default_rng(3)
    y = d.draw_noise(rng) + 3 * rng.normal(size=(1, d.n_years))
    est = resolve_estimator(name, event_time=event_time)
    r0 = est.fit(d.panel(y))
    assert np.sum(est.weights(d) * y) == pytest.approx(r0["estimate"], abs=1e-10)
    r1 = est.fit(d.panel(y + 1.7 * d.post))
    assert r1["estimate"] - r0["estimate"] == pytest.approx(1.7, abs=1e-10)
    assert r1["std_error"] == pytest.approx(r0["std_error"], abs=1e-10)


# -- analytic variance -------------------------------------------------------------------
@pytest.mark.parametrize("rho", [0.0, 0.3, 0.8])
def test_twfe_variance_of_the_2x2_design_is_the_frison_pocock_formula(rho):
    d = two_by_two(n_t=25, n_c=40, pre=3, post=5, sd=1.7, rho=rho)
    w = resolve_estimator("twfe").weights(d)
    expected = frison_pocock_variance(1.7, rho, 3, 5, 25, 40)
    assert linear_variance(d, w) == pytest.approx(expected, rel=1e-12)
    if rho == 0:  # the textbook case: sigma^2 (1/m + 1/r) (1/n_T + 1/n_C)
        assert expected == pytest.approx(1.7**2 * (1 / 3 + 1 / 5) * (1 / 25 + 1 / 40))


def test_state_correlation_adds_the_cluster_term_by_hand():
    """With 4 states and ICC 0.3, the variance of the 2x2 DiD is sigma^2 c'Rc [(1 - ICC)
    (1/n_T + 1/n_C) + ICC sum_s (n_Ts/n_T - n_Cs/n_C)^2] (a hand computation)."""
    n_t, n_c = 12, 20
    d = two_by_two(n_t=n_t, n_c=n_c, pre=2, post=2, sd=1.0, rho=0.0, icc=0.3, n_clusters=4)
    # units 0..11 audited, 12..31 comparison; unit k is in state k % 4
    ts = np.bincount(np.arange(n_t) % 4, minlength=4)
    cs = np.bincount(np.arange(n_t, n_t + n_c) % 4, minlength=4)
    ctrc = 1 / 2 + 1 / 2  # 1/m + 1/r for rho = 0
    cluster = np.sum((ts / n_t - cs / n_c) ** 2)
    expected = ctrc * ((1 - 0.3) * (1 / n_t + 1 / n_c) + 0.3 * cluster)
    w = resolve_estimator("twfe").weights(d)
    assert linear_variance(d, w) == pytest.approx(expected, rel=1e-12)


def test_noise_generator_has_the_design_moments():
    """Known truth: the simulated residuals have variance sd^2, lag-1 autocorrelation rho and
    the intra-cluster correlation icc; and the analytic variance of an estimator equals the
    variance of its linear combination over many draws (chi-square bound: relative SE of a
    variance from n draws is sqrt(2 / n), 1.1 % here; tolerance 5 %)."""
    d = staggered_design(unit_sd=0.0, icc=0.25, autocorrelation=0.6)
    rng = np.random.default_rng(11)
    draws = np.stack([d.draw_noise(rng) for _ in range(16000)])
    assert draws.var() == pytest.approx(d.sd**2, rel=0.02)
    lag1 = np.mean(draws[:, :, 1:] * draws[:, :, :-1]) / draws.var()
    assert lag1 == pytest.approx(0.6, abs=0.02)
    same = d.unit_cluster[:, None] == d.unit_cluster[None, :]
    np.fill_diagonal(same, False)
    c = np.einsum("rit,rjt->ij", draws[:2000], draws[:2000]) / (2000 * d.n_years)
    assert c[same].mean() / d.sd**2 == pytest.approx(0.25, abs=0.03)
    for name in ("twfe", "att_gt"):
        w = resolve_estimator(name).weights(d)
        sims = np.einsum("it,rit->r", w, draws)
        assert sims.var() == pytest.approx(linear_variance(d, w), rel=0.05)


# -- Bloom's formulas against statsmodels ----------------------------------------------------
def test_analytic_power_and_mde_equal_statsmodels_normal_two_sample_power():
    """A 2x2 design (one year before, one after, rho = 0) tested with the normal reference
    (att_gt) is a two-sample z test of the units' changes, which have SD sqrt(2) sigma:
    statsmodels' NormalIndPower gives the same power and (up to the neglected wrong-direction
    tail, below 1e-6 here) the same minimum detectable effect."""
    n_t, n_c, sd = 40, 100, 3.0
    d = two_by_two(n_t=n_t, n_c=n_c, pre=1, post=1, sd=sd, rho=0.0)
    sd_change = np.sqrt(2) * sd
    tau = np.array([0.5, 1.5, 2.5])
    res = ev.power(d, tau, estimator="att_gt", method="analytic")
    sm = NormalIndPower().power(tau / sd_change, nobs1=n_t, alpha=0.05, ratio=n_c / n_t)
    np.testing.assert_allclose(res.tidy()["power"], sm, rtol=1e-10)
    mde = ev.minimum_detectable_effect(d, estimator="att_gt", method="analytic")
    es = NormalIndPower().solve_power(nobs1=n_t, alpha=0.05, power=0.8, ratio=n_c / n_t)
    assert mde.tidy()["mde"].iloc[0] == pytest.approx(es * sd_change, rel=1e-6)


def test_bloom_multiplier_with_t_degrees_of_freedom_by_hand():
    """TWFE clustered by unit: t with G - 1 = 89 degrees of freedom; MDE = (t_.975 + t_.8) SE."""
    d = two_by_two(n_t=30, n_c=60, pre=3, post=4, sd=2.0, rho=0.5)
    se = np.sqrt(frison_pocock_variance(2.0, 0.5, 3, 4, 30, 60))
    mult = stats.t.ppf(0.975, 89) + stats.t.ppf(0.8, 89)
    mde = ev.minimum_detectable_effect(d, method="analytic").tidy()["mde"].iloc[0]
    assert mde == pytest.approx(mult * se, rel=1e-10)


# -- simulation against the analytic values ---------------------------------------------------
def test_simulated_mde_of_a_balanced_2x2_design_agrees_with_the_analytic_mde():
    """Callaway-Sant'Anna on a balanced single-cohort design with AR(1) noise: the simulated MDE
    (800 panels, on 2 local processes) lies within 3.5 Monte Carlo standard errors of the
    analytic one."""
    d = two_by_two(n_t=30, n_c=60, pre=3, post=3, sd=2.0, rho=0.5)
    res = ev.minimum_detectable_effect(
        d, estimator="att_gt", n_sims=800, seed=20240, **PARALLEL
    ).tidy()
    row = res.iloc[0]
    assert row["n_sims"] == 800
    assert 0 < row["mc_se"] < 0.05 * row["mde"]
    assert abs(row["mde"] - row["mde_analytic"]) <= 3.5 * row["mc_se"]


@pytest.mark.slow
def test_size_of_a_true_null_design_within_the_exact_binomial_bound():
    """Without effect the rejection rate is the test's size: with 1,000 panels the number of
    rejections lies in the central 99.9 % interval of Binomial(1000, 0.05), [29, 74] (a
    correct test falls outside with probability below 0.1 %)."""
    d = two_by_two(n_t=40, n_c=80, pre=3, post=3, sd=1.0, rho=0.3)
    res = ev.power(d, 0.0, estimator="att_gt", n_sims=1000, seed=7, **PARALLEL).tidy().iloc[0]
    lo, hi = stats.binom.ppf(0.0005, 1000, 0.05), stats.binom.isf(0.0005, 1000, 0.05)
    assert (lo, hi) == (29, 74)
    assert lo <= round(res["power"] * 1000) <= hi
    assert res["mc_se"] == pytest.approx(np.sqrt(res["power"] * (1 - res["power"]) / 1000))


@pytest.mark.slow
def test_power_converges_and_its_mc_se_shrinks_as_one_over_sqrt_n():
    d = two_by_two(n_t=20, n_c=40, pre=2, post=2, sd=1.0, rho=0.3)
    tau = float(
        ev.minimum_detectable_effect(d, estimator="att_gt", power=0.6, method="analytic")
        .tidy()["mde"]
        .iloc[0]
    )  # analytic power 0.6 at tau: the largest MC SE, sqrt(0.24 / n)
    out = {}
    for n in (50, 200, 800):
        r = ev.power(d, tau, estimator="att_gt", n_sims=n, seed=5, **PARALLEL).tidy().iloc[0]
        out[n] = r
        assert abs(r["power"] - r["power_analytic"]) <= 4 * np.sqrt(0.24 / n)
    se = {n: out[n]["mc_se"] for n in out}
    assert se[200] / se[50] == pytest.approx(0.5, rel=0.2)
    assert se[800] / se[50] == pytest.approx(0.25, rel=0.2)
    assert out[800]["power_analytic"] == pytest.approx(0.6, abs=1e-3)


def test_the_same_noise_serves_every_effect_size():
    """Power rises with the effect on one set of draws (common random numbers): monotone."""
    d = two_by_two(n_t=20, n_c=40, pre=2, post=2)
    p = ev.power(d, [0.0, 0.5, 1.0, 1.5, 2.0, 3.0], estimator="att_gt", n_sims=200, seed=3)
    assert np.all(np.diff(p.tidy()["power"]) >= 0)


@pytest.mark.slow
def test_twfe_simulated_mde_and_size_agree_with_the_analytic_values():
    """The same checks with TWFE (t with G - 1 df) on a staggered design (slow: 600 fits)."""
    d = staggered_design(icc=0.0, n_comparison=40)
    res = ev.minimum_detectable_effect(d, estimator="twfe", n_sims=600, seed=99).tidy().iloc[0]
    assert abs(res["mde"] - res["mde_analytic"]) <= 3.5 * res["mc_se"]
    size = ev.power(d, 0.0, n_sims=600, seed=98).tidy().iloc[0]
    lo, hi = stats.binom.ppf(0.0005, 600, 0.05), stats.binom.isf(0.0005, 600, 0.05)
    assert lo <= round(size["power"] * 600) <= hi


# -- custom estimators (e.g. a future wild cluster bootstrap) ----------------------------------
def _diff_in_means_fit(panel):
    """A test that is refitted per effect: the difference of the units' post-minus-pre changes
    between audited and comparison units with a normal test (the place where a wild cluster
    bootstrap would plug in). The panel is balanced and sorted by unit and year."""
    n_years = panel["year"].nunique()
    y = panel["y"].to_numpy().reshape(-1, n_years)
    post = panel["year"].to_numpy()[:n_years] >= 2012
    change = y[:, post].mean(axis=1) - y[:, ~post].mean(axis=1)
    treated = panel["cohort"].to_numpy()[::n_years] > 0
    a, b = change[treated], change[~treated]
    est = a.mean() - b.mean()
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return {"estimate": est, "std_error": se, "p_value": 2 * stats.norm.sf(abs(est / se))}


def test_a_custom_estimator_is_refitted_per_effect_and_gives_an_interpolated_mde():
    d = two_by_two(n_t=30, n_c=30, pre=2, post=2, sd=1.0, rho=0.0)
    custom = ev.PlanEstimator("diff", _diff_in_means_fit, ("Differenz", "difference"))
    grid = [0.0, 0.3, 0.6, 0.9, 1.2]
    p = ev.power(d, grid, estimator=custom, n_sims=400, seed=2).tidy()
    # the same estimator as TWFE in a balanced 2x2 design: analytic power within 4 MC SEs
    # (+ 0.02 for t vs normal critical values and estimated SEs)
    an = ev.power(d, grid, estimator="twfe", method="analytic").tidy()["power"].to_numpy()
    assert np.all(np.abs(p["power"].to_numpy() - an) <= 4 * 0.5 / np.sqrt(400) + 0.02)
    with pytest.raises(DataError, match="effect grid"):
        ev.minimum_detectable_effect(d, estimator=custom, n_sims=50, seed=1)
    m = ev.minimum_detectable_effect(d, estimator=custom, n_sims=400, seed=2, effect=grid)
    mde = m.tidy()["mde"].iloc[0]
    # linear interpolation between the grid points bracketing 80 % of the same draws
    pw = p["power"].to_numpy()
    j = int(np.flatnonzero(pw >= 0.8)[0])
    expected = grid[j - 1] + (0.8 - pw[j - 1]) * (grid[j] - grid[j - 1]) / (pw[j] - pw[j - 1])
    assert mde == pytest.approx(expected, rel=1e-12)
    ref = ev.minimum_detectable_effect(d, method="analytic").tidy()["mde"].iloc[0]
    assert abs(mde - ref) <= 4 * m.tidy()["mc_se"].iloc[0] + 0.05


# -- texts for the planner ----------------------------------------------------------------------
def test_planner_sentence_in_german_and_english_number_format():
    """The MDE of a 2x2 design with rho = 0 by hand: (1.96 + 0.8416) sigma sqrt(2) sqrt(1/n_T +
    1/n_C); sd chosen so that it is 2.1 percentage points."""
    n_t, n_c = 60, 240
    mult = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    sd = 2.1 / (mult * np.sqrt(2) * np.sqrt(1 / n_t + 1 / n_c))
    d = two_by_two(n_t=n_t, n_c=n_c, pre=1, post=1, sd=sd, rho=0.0).with_counts(
        unit=("Prozentpunkte", "percentage points")
    )
    res = ev.minimum_detectable_effect(d, estimator="att_gt", method="analytic")
    assert res.tidy()["mde"].iloc[0] == pytest.approx(2.1, rel=1e-9)
    de, en = res.sentences("de")[0], res.sentences("en")[0]
    assert "Mit 60 auditierten Kommunen" in de
    assert "ist ein Effekt ab 2,1 Prozentpunkten mit 80\u202f% Power erkennbar" in de
    assert "an effect of 2.1 percentage points or more is detected with 80% power" in en
    text = res.summary("de").as_text()
    assert "2,100" in text and "Minimal nachweisbare Effekte" in text
    assert "Minimum detectable effects" in res.summary("en").as_text()


def test_power_curve_tidy_summary_and_plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = two_by_two(n_t=20, n_c=40, pre=2, post=2)
    res = ev.power(d, [0.0, 1.0, 2.0], estimator="att_gt", n_sims=100, seed=1)
    t = res.tidy()
    assert list(t.columns[:3]) == ["effect", "power", "mc_se"]
    assert "Power nach Effektgröße" in res.summary("de").as_text()
    assert "Power by effect size" in res.summary("en").as_text()
    fig, ax = plt.subplots()
    assert res.plot(ax=ax) is fig
    assert len(ax.lines) >= 2
    plt.close(fig)


# -- from a study: known truth of the synthetic study ------------------------------------------
def test_design_from_the_synthetic_study_recovers_the_known_noise():
    """births_per_1000_women of the synthetic study has iid noise with SD 2.0 (rounded to 2
    decimals), no autocorrelation and no state correlation, on top of unit and year effects
    (datasets._indicators); cohorts and counts come from the audits table."""
    study = ev.datasets.synthetic_study(seed=1)
    d = ev.PanelDesign.from_study(study, "births_per_1000_women")
    assert d.sd == pytest.approx(2.0, rel=0.03)
    assert abs(d.autocorrelation) < 0.04
    assert d.icc < 0.02
    ons = study.onsets("certification")
    first, last = 2006, 2024
    g = ons["cohort"].dropna().astype(int)
    inside = g[(g > first) & (g <= last)]
    assert d.cohorts == inside.value_counts().sort_index().to_dict()
    assert d.n_comparison == int((study.municipalities["group"] != "audited").sum())
    assert (d.first_year, d.last_year) == (first, last)
    assert d.unit == Text("je 1.000", "per 1,000")
    assert d.n_clusters == study.municipalities["state"].nunique()


# -- options are checked --------------------------------------------------------------------
def test_bad_options_raise_option_errors_and_bad_designs_data_errors_naming_the_fix():
    d = two_by_two()
    with pytest.raises(OptionError, match="explicit seed"):
        ev.power(d, 1.0)
    with pytest.raises(OptionError, match="estimator must be one of"):
        ev.power(d, 1.0, estimator="ols", method="analytic")
    with pytest.raises(OptionError, match="event_time='post'"):
        ev.power(d, 1.0, event_time=2, method="analytic")
    with pytest.raises(OptionError, match="cluster must be one of"):
        ev.power(d, 1.0, cluster="county", method="analytic")
    with pytest.raises(OptionError, match="alpha"):
        ev.power(d, 1.0, alpha=5, method="analytic")
    with pytest.raises(OptionError, match="method"):
        ev.power(d, 1.0, method="exact")
    with pytest.raises(DataError, match="effect"):
        ev.power(d, [np.nan], method="analytic")
    with pytest.raises(OptionError, match="n_sims"):
        ev.power(d, 1.0, n_sims=0, seed=1)
    with pytest.raises(DataError, match="onset year must lie"):
        ev.PanelDesign(cohorts={2010: 5}, n_comparison=10, first_year=2010, last_year=2015)
    with pytest.raises(DataError, match="autocorrelation"):
        ev.PanelDesign(
            cohorts={2012: 5}, n_comparison=10, first_year=2010, last_year=2015, autocorrelation=1
        )
    with pytest.raises(DataError, match="n_comparison"):
        ev.PanelDesign(cohorts={2012: 5}, n_comparison=1, first_year=2010, last_year=2015)


def test_importing_evaluation_imports_neither_dask_nor_joblib():
    code = (
        "import sys, evaluation as ev; ev.PanelDesign; ev.power; ev.simulate; "
        "print('dask' in sys.modules, 'distributed' in sys.modules, 'joblib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


def test_power_curve_gives_the_mde_of_its_own_draws():
    """One simulation serves both: the curve's MDE equals minimum_detectable_effect with the same
    seed (the same panels), and at the MDE the curve's draws reject in at least 80 %."""
    d = two_by_two(n_t=20, n_c=40, pre=2, post=2)
    curve = ev.power(d, [0.0, 1.0], estimator="att_gt", n_sims=120, seed=17)
    direct = ev.minimum_detectable_effect(d, estimator="att_gt", n_sims=120, seed=17)
    pd.testing.assert_frame_equal(curve.mde().tidy(), direct.tidy(), check_exact=True)
    m = float(direct.tidy()["mde"].iloc[0])
    at = ev.power(d, [m * (1 - 1e-9), m * (1 + 1e-9)], estimator="att_gt", n_sims=120, seed=17)
    below, above = at.tidy()["power"]
    assert below < 0.8 <= above


def _sometimes_failing(panel):
    r = _diff_in_means_fit(panel)
    if r["estimate"] > 0.2:
        raise DataError("simulated degenerate panel")
    return r


def _never_finite(panel):
    return {"estimate": 0.1, "std_error": float("nan"), "df": 10.0}


def test_failed_fits_are_counted_not_silently_dropped():
    d = two_by_two(n_t=30, n_c=30, pre=2, post=2, sd=1.0, rho=0.0)
    flaky = ev.PlanEstimator("flaky", _sometimes_failing, ("f", "f"))
    res = ev.power(d, [0.0], estimator=flaky, n_sims=100, seed=6)
    assert 0 < res.n_failed < 100
    assert res.tidy()["n_sims"].iloc[0] == 100 - res.n_failed
    assert f"{res.n_failed} Schätzungen scheiterten" in res.summary("de").as_text()
    nan_se = ev.PlanEstimator("nan", _never_finite, ("n", "n"), shift_equivariant=True)
    with pytest.raises(DataError, match="failed in all 20 simulated panels"):
        ev.power(d, [0.0], estimator=nan_se, n_sims=20, seed=6)
