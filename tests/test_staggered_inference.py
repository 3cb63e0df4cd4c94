"""Covariances, influence functions, the pooled pre-test and randomisation inference of the
staggered estimators.

References: R did 2.5.1 influence functions on mpdta (``tests/results/make_r_did_vcov.R`` ->
``r_did_mpdta_vcov.csv``), the HonestDiD inputs of ``tests/test_sensitivity_reference.py``,
hand computations (Wald statistics from the published estimates and covariances, cluster
sums, a complete enumeration of a tiny panel) and seeded simulations with known truth.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import evaluation as ev
import evaluation.results.base
from evaluation.errors import DataError, OptionError
from evaluation.staggered import att_gt, randomization_att_gt, sun_abraham

RESULTS = Path(__file__).parent / "results"
ROLES = dict(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
KINDS = ("simple", "group", "dynamic", "calendar")


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield


@pytest.fixture(scope="module")
def mpdta():
    from conftest import shared_path

    return pd.read_csv(shared_path("mpdta", "mpdta.csv"))


@pytest.fixture(scope="module")
def gt(mpdta):
    return att_gt(mpdta, **ROLES)


def _panel(rng, n=300, years=range(1, 7), cohorts=(3, 4, 5), shares=(0.15, 0.15, 0.15), effect=1.0):
    """A balanced panel with parallel trends (unit and year effects, iid noise) and a
    constant effect from onset on."""
    years = np.asarray(list(years))
    u = rng.random(n)
    cohort = np.zeros(n, dtype=int)
    edges = np.cumsum(shares)
    for i, g in enumerate(cohorts):
        cohort[(u >= (edges[i - 1] if i else 0)) & (u < edges[i])] = g
    y = rng.normal(size=n)[:, None] + 0.5 * years[None, :] + rng.normal(size=(n, len(years)))
    y = y + effect * ((cohort[:, None] > 0) & (years[None, :] >= cohort[:, None]))
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n), len(years)),
            "year": np.tile(years, n),
            "y": y.ravel(),
            "cohort": np.repeat(cohort, len(years)),
            "state": np.repeat(np.arange(n) % 8, len(years)),
        }
    )


PANEL = dict(outcome="y", unit="unit", time="year", cohort="cohort")


# --- vcov() and influence() ------------------------------------------------------------------
@pytest.mark.shared
def test_cell_vcov_diagonal_is_the_standard_error(gt):
    v = gt.vcov()
    assert list(v.index) == list(gt.tidy().set_index(["cohort", "time"]).index)
    np.testing.assert_allclose(np.sqrt(np.diag(v)), gt.std_errors, rtol=1e-12)
    inf = gt.influence()
    assert inf.shape == (500, 12) and inf.index.name == "countyreal"
    # by hand: IF'IF / n^2 (unit clusters)
    np.testing.assert_allclose(v, inf.T @ inf / 500**2, rtol=1e-12, atol=1e-18)


@pytest.mark.shared
@pytest.mark.parametrize("kind", KINDS)
def test_aggregation_vcov_equals_r_did_influence_functions(gt, kind):
    ref = pd.read_csv(RESULTS / "r_did_mpdta_vcov.csv", dtype={"row": str, "col": str})
    ref = ref[ref["type"] == kind]
    agg = gt.aggregate(kind)
    v = agg.vcov()
    levels = [str(x) for x in v.index]
    got = {(str(r), str(c)): v.loc[r, c] for r in v.index for c in v.columns}
    lev = ref[ref["row"] != "overall"]
    assert sorted({r for r, _ in got}) == sorted(set(lev["row"]))
    for r, c, value in lev[["row", "col", "value"]].itertuples(index=False):
        assert got[(r, c)] == pytest.approx(value, rel=1e-6, abs=1e-12), (r, c)
    o = ref[ref["row"] == "overall"]["value"].iloc[0]
    assert agg.overall.vcov().iloc[0, 0] == pytest.approx(o, rel=1e-6)
    # the diagonal is the reported standard error, to rounding
    np.testing.assert_allclose(np.sqrt(np.diag(v)), agg.std_errors, rtol=1e-12)
    assert np.sqrt(agg.overall.vcov().iloc[0, 0]) == pytest.approx(agg.overall.std_error, 1e-12)
    assert len(levels) == len(agg.tidy())


def test_clustered_vcov_is_the_cluster_sums_by_hand():
    df = _panel(np.random.default_rng(1))
    res = att_gt(df, **PANEL, cluster="state")
    for part in (res, res.aggregate("dynamic"), res.aggregate("group").overall):
        inf = part.influence()
        sums = inf.groupby(df.groupby("unit")["state"].first().reindex(inf.index).to_numpy()).sum()
        hand = sums.T @ sums / len(inf) ** 2
        np.testing.assert_allclose(part.vcov().to_numpy(), hand.to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(np.sqrt(np.diag(part.vcov())), part.std_errors, rtol=1e-12)


def test_bootstrapped_result_keeps_the_analytic_vcov():
    df = _panel(np.random.default_rng(2))
    res = att_gt(df, **PANEL, n_draws=199, seed=3)
    dyn = res.aggregate("dynamic")
    t = dyn.tidy()
    np.testing.assert_allclose(np.sqrt(np.diag(dyn.vcov())), t["std_error_analytic"], rtol=1e-12)


# --- the pooled pre-test -------------------------------------------------------------------
@pytest.mark.shared
def test_event_time_pretest_equals_the_wald_statistic_by_hand(gt):
    pre = gt.pretest()
    dyn = gt.aggregate("dynamic")
    e = [k for k in dyn.params.index if k < 0]
    b = dyn.params.loc[e].to_numpy()
    v = dyn.vcov().loc[e, e].to_numpy()
    w = float(b @ np.linalg.solve(v, b))
    # Hotelling's small-sample form with the G = 191 counties of the treated cohorts
    g = 191
    assert gt.inference.n_treated_clusters == g
    f = w * (g - 3) / (3 * (g - 1))
    assert pre.kind == "event_time" and pre.dof == (3, g - 3) and pre.distribution == "F"
    assert pre.wald == pytest.approx(w, rel=1e-12)
    assert pre.statistic == pytest.approx(f, rel=1e-12)
    assert pre.p_value == pytest.approx(stats.f.sf(f, 3, g - 3), rel=1e-12)
    assert pre.tested["event_time"].tolist() == e
    assert dyn.pretest().statistic == pre.statistic and gt.aggregate("group").pretest() is None
    # the bound: the largest |estimate| + c * se with the sup-t critical value c (multivariate
    # t with G - 1 degrees of freedom), between the pointwise and the Bonferroni value
    c = pre.critical_value
    assert stats.t.ppf(0.975, g - 1) < c <= stats.t.ppf(1 - 0.025 / len(e), g - 1)
    se = np.sqrt(np.diag(v))
    assert pre.bound == pytest.approx(np.max(np.abs(b) + c * se), rel=1e-12)
    assert "ruled out at 95%" in pre.summary("en").as_text()
    assert "mit 95" in pre.summary("de").as_text()
    # R's cell-wise test stays available
    cells = gt.pretest(kind="cells")
    assert cells.dof == (5,) and cells.statistic == pytest.approx(7.79124, abs=5e-6)


@pytest.mark.shared
def test_bootstrap_pretest_is_seeded_and_close_to_chi2(gt):
    a = gt.pretest(n_draws=1999, seed=5)
    b = gt.pretest(n_draws=1999, seed=5)
    assert a.p_value == b.p_value and a.bound == b.bound
    assert a.distribution == "bootstrap" and a.statistic == gt.pretest().wald
    assert abs(a.p_value - stats.chi2.sf(a.statistic, 3)) < 0.05
    assert 0 <= a.p_value_max_t <= 1 and a.max_abs_t == pytest.approx(
        np.max(np.abs(a.tested["estimate"] / a.tested["std_error"]))
    )
    with pytest.raises(OptionError):
        gt.pretest(kind="pooled")
    with pytest.raises(DataError, match="n_draws applies"):
        gt.pretest(kind="cells", n_draws=99)


def test_pretest_gives_an_answer_on_the_demo_where_the_cell_test_is_singular():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = ev.datasets.synthetic_study(seed=1)
        for indicator in sorted(study.indicators["indicator"].unique()):
            gt = att_gt(study.panel(indicator))
            with pytest.raises(DataError, match="singular"):
                gt.pretest(kind="cells")
            pre = gt.pretest()
            assert np.isfinite(pre.statistic) and 0 <= pre.p_value <= 1, indicator
            assert pre.dof[0] >= 5 and np.isfinite(pre.bound) and pre.bound > 0


def test_singular_event_time_covariance_uses_its_rank():
    """Two pre-treatment event times that are the same linear combination (one cohort, one
    comparison unit set and identical changes) make V singular: the pseudo-inverse and its
    rank give the test."""
    rng = np.random.default_rng(4)
    df = _panel(rng, n=120, years=range(1, 5), cohorts=(4,), shares=(0.3,))
    res = att_gt(df, **PANEL, base_period="universal")
    pre = res.pretest()
    assert pre.dof[0] == 2  # e = -3, -2 (e = -1 is the reference)
    dyn = res.aggregate("dynamic")
    b = dyn.params.loc[[-3, -2]].to_numpy()
    v = dyn.vcov().loc[[-3, -2], [-3, -2]].to_numpy()
    assert pre.wald == pytest.approx(b @ np.linalg.solve(v, b), rel=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("label", "n", "shares", "lo", "hi"),
    [
        ("cohorts of about 30 units", 400, (0.075, 0.075, 0.075), 0.03, 0.08),
        ("cohorts of 3-8 units", 150, (0.03, 0.04, 0.05), 0.03, 0.10),
    ],
)
def test_event_time_pretest_size_under_parallel_trends(label, n, shares, lo, hi):
    """Seeded Monte Carlo: with parallel trends the 5 % event-time pre-test (Hotelling's F)
    rejects in about 5 % of 1000 samples; chi-squared (``wald``) over-rejects, the more so the
    smaller the cohorts."""
    rng = np.random.default_rng(20260101)
    rejected, rejected_chi2 = [], []
    for _ in range(1000):
        df = _panel(rng, n=n, years=range(1, 8), cohorts=(4, 5, 6), shares=shares)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pre = att_gt(df, **PANEL).pretest()
        rejected.append(pre.p_value < 0.05)
        rejected_chi2.append(stats.chi2.sf(pre.wald, pre.dof[0]) < 0.05)
    size, size_chi2 = float(np.mean(rejected)), float(np.mean(rejected_chi2))
    print(f"{label}: size {size:.3f} (F), {size_chi2:.3f} (chi-squared)")
    assert lo <= size <= hi, (label, size, size_chi2)
    assert size_chi2 >= size


# --- honest_did and the wild bootstrap through the results ------------------------------------
@pytest.mark.shared
def test_honest_did_on_the_dynamic_aggregation_equals_the_stored_reference(mpdta, monkeypatch):
    """tests/test_sensitivity_reference.py stores the mpdta event study of R did (universal base
    period): the result's vcov() gives the same inputs and the same bounds."""
    monkeypatch.setattr(evaluation.results.base, "FREEZE", False)  # honest_did's own result
    inp = pd.read_csv(RESULTS / "honestdid_inputs.csv")
    inp = inp[inp["case"] == "mpdta"]
    dyn = att_gt(mpdta, **ROLES, base_period="universal").aggregate("dynamic")
    times = inp["rel_time"].tolist()
    np.testing.assert_allclose(dyn.params.loc[times], inp["betahat"], rtol=0, atol=1e-8)
    sigma = inp[[f"s{j + 1}" for j in range(len(inp))]].to_numpy()
    np.testing.assert_allclose(dyn.vcov().loc[times, times], sigma, rtol=1e-6, atol=1e-12)
    ref = pd.read_csv(RESULTS / "honestdid_reference_mpdta.csv")
    # the conditional sets (grid) and the FLCI (an optimum): the hybrid's least-favourable
    # draws are R's in the reference test, so it is left to that test
    cases = [(r, m, t) for r in ("relative_magnitude", "smoothness") for m in ("Conditional", "FLCI")
             for t in ("first", "average") if not (r == "relative_magnitude" and m == "FLCI")]  # fmt: skip
    for restriction, method, target in cases:
        rows = ref[
            (ref["restriction"] == restriction)
            & (ref["method"] == method)
            & (ref["target"] == target)
        ]
        assert len(rows) >= 2, (restriction, method, target)
        key = "mbar" if restriction == "relative_magnitude" else "m"
        res = ev.honest_did(
            dyn,
            method=restriction,
            inference="conditional" if method == "Conditional" else "flci",
            e=0 if target == "first" else "average",
            breakdown=False,
            **{key: rows["value"].tolist()},
        ).tidy()
        got = res[res["method"] != "original"]
        tol = 1e-10 if method == "Conditional" else 1e-4
        np.testing.assert_allclose(
            got["lb"], rows["lb"], atol=tol, err_msg=str((restriction, method))
        )
        np.testing.assert_allclose(
            got["ub"], rows["ub"], atol=tol, err_msg=str((restriction, method))
        )


@pytest.mark.shared
def test_honest_did_and_wild_bootstrap_on_sun_abraham(mpdta, monkeypatch):
    sa = sun_abraham(mpdta, **ROLES)
    monkeypatch.setattr(evaluation.results.base, "FREEZE", False)  # honest_did's own result
    v = sa.vcov()
    np.testing.assert_allclose(np.sqrt(np.diag(v)), sa.std_errors, rtol=1e-12)
    t = sa.tidy()
    pre = int((t["event_time"] < -1).sum())
    a = ev.honest_did(sa, mbar=[0, 1], breakdown=False).tidy()
    b = ev.honest_did(
        betahat=t["estimate"].to_numpy(),
        sigma=v.to_numpy(),
        num_pre=pre,
        num_post=len(t) - pre,
        mbar=[0, 1],
        breakdown=False,
    ).tidy()
    pd.testing.assert_frame_equal(a, b)
    # its pre-test: the F statistic of the effects before -1 by hand
    e = [k for k in v.index if k < -1]
    b = sa.params.loc[e].to_numpy()
    f = float(b @ np.linalg.solve(v.loc[e, e].to_numpy(), b)) / len(e)
    pre = sa.pretest()
    assert pre.statistic == pytest.approx(f, rel=1e-12) and pre.dof == (len(e), 499)
    assert pre.p_value == pytest.approx(stats.f.sf(f, len(e), 499), rel=1e-12)
    # the design re-parametrises the cohort indicators: every event-time effect is a coefficient
    for e in (0, 2, -3):
        wb = ev.wild_bootstrap(sa, term=f"event_time_{e}", n_draws=199, seed=1, conf_int=False)
        row = wb.tidy().iloc[0]
        assert row["estimate"] == pytest.approx(sa.params.loc[e], abs=1e-10)
        assert 0 <= row["p_value"] <= 1


# --- randomisation inference ---------------------------------------------------------------
TINY = pd.DataFrame(
    {
        "unit": np.repeat(list("abcdef"), 4),
        "year": np.tile([1, 2, 3, 4], 6),
        "cohort": np.repeat([3, 3, 4, 0, 0, 0], 4),
        "y": [1.0, 1.4, 2.9, 3.1, 0.2, 0.1, 1.8, 2.6, 0.5, 1.1, 0.9, 2.4,
              1.2, 1.0, 1.5, 1.3, 0.0, 0.6, 0.4, 0.9, 2.0, 2.1, 2.7, 2.2],
    }
)  # fmt: skip


def _simple_att_by_hand(y: pd.DataFrame, cohort: dict[str, int]) -> float:
    """The simple ATT of att_gt (never-treated controls, varying base period) from group
    means: each post cell (g, t) is the cohort's mean change from g - 1 to t minus the never
    treated's, and the cells are weighted by cohort size."""
    wide = y.pivot(index="unit", columns="year", values="y")
    g = pd.Series(cohort)
    num = den = 0.0
    for c in sorted(set(g) - {0}):
        treated, never = g.index[g == c], g.index[g == 0]
        for t in wide.columns[wide.columns >= c]:
            change = wide[t] - wide[c - 1]
            cell = change[treated].mean() - change[never].mean()
            num += len(treated) * cell
            den += len(treated)
    return num / den


def test_exact_randomisation_equals_a_hand_enumeration():
    res = randomization_att_gt(TINY, **PANEL, n_draws=999)
    observed = dict(zip(TINY["unit"][::4], TINY["cohort"][::4], strict=True))
    labels = list(observed.values())
    units = list(observed)
    assignments = sorted(set(itertools.permutations(labels)))
    assert res.exact and res.n_assignments == len(assignments) == 60
    hand = np.array(
        [_simple_att_by_hand(TINY, dict(zip(units, a, strict=True))) for a in assignments]
    )
    obs = _simple_att_by_hand(TINY, observed)
    assert res.estimate == pytest.approx(obs, abs=1e-12)
    np.testing.assert_allclose(np.sort(res.draws["overall"]), np.sort(hand), atol=1e-12)
    p_hand = np.mean(np.abs(hand) >= abs(obs) - 1e-12)
    assert res.p_value == pytest.approx(p_hand, abs=1e-12)
    # the interval: every constant effect tau whose exact p-value exceeds 5 %, by hand on a grid
    d = ((TINY["cohort"] > 0) & (TINY["year"] >= TINY["cohort"])).to_numpy()

    def p_of(tau: float) -> float:
        shifted = TINY.assign(y=TINY["y"] - tau * d)
        t_obs = _simple_att_by_hand(shifted, observed)
        t_all = [
            _simple_att_by_hand(shifted, dict(zip(units, a, strict=True))) for a in assignments
        ]
        return float(np.mean(np.abs(t_all) >= abs(t_obs) - 1e-12))

    lo, hi = res.ci_low, res.ci_high
    assert lo < res.estimate < hi
    assert p_of(lo + 1e-6) > 0.05 and p_of(hi - 1e-6) > 0.05
    assert p_of(lo - 1e-6) <= 0.05 and p_of(hi + 1e-6) <= 0.05


def test_random_draws_are_seeded_and_strata_keep_their_assignments():
    df = _panel(np.random.default_rng(6), n=120)
    a = randomization_att_gt(df, **PANEL, n_draws=300, seed=1)
    b = randomization_att_gt(df, **PANEL, n_draws=300, seed=1)
    assert not a.exact and a.n_draws == 300
    pd.testing.assert_frame_equal(a.draws, b.draws)
    assert a.p_value < 0.01 and a.ci_low < 1.0 < a.ci_high  # the true effect is 1
    gt_res = att_gt(df, **PANEL)
    assert a.estimate == pytest.approx(gt_res.aggregate("simple").overall.estimate, abs=1e-12)
    # the same from the aggregated result, and per level for the dynamic aggregation
    dyn = gt_res.aggregate("dynamic")
    c = randomization_att_gt(dyn, n_draws=300, seed=1)
    assert c.estimate == pytest.approx(dyn.overall.estimate, abs=1e-12)
    assert list(c.levels()["event_time"]) == list(dyn.tidy()["event_time"])
    # strata: with every treated unit in state 0, permutations within states never move a
    # cohort out of state 0, so the count of assignments is that of state 0 alone
    tiny = TINY.assign(state=np.repeat([0, 0, 0, 0, 1, 1], 4))
    s = randomization_att_gt(tiny, **PANEL, strata="state", n_draws=999)
    assert s.exact and s.n_assignments == 4 * 3  # 4!/(2! 1! 1!) in state 0, 1 in state 1
    by_unit = pd.Series([0, 0, 0, 0, 1, 1], index=list("abcdef"))
    assert randomization_att_gt(gt_res_tiny := att_gt(tiny, **PANEL), strata=by_unit).exact
    assert gt_res_tiny.n_units == 6


def test_randomization_inference_takes_the_staggered_results():
    """ev.randomization_inference given an att_gt result (or an aggregation) is the staggered
    randomisation inference of that result: the same enumeration and p-value."""
    gt_res = att_gt(TINY, **PANEL)
    direct = randomization_att_gt(gt_res, n_draws=999)
    via = ev.randomization_inference(gt_res, n_draws=999)
    assert via.exact and via.n_assignments == direct.n_assignments == 60
    assert via.p_value == direct.p_value and via.estimate == direct.estimate
    dyn = gt_res.aggregate("dynamic")
    assert ev.randomization_inference(dyn, n_draws=999).estimate == pytest.approx(
        dyn.overall.estimate, abs=1e-12
    )


@pytest.mark.shared
def test_randomisation_for_sun_abraham_is_that_of_its_att_gt_twin(mpdta):
    sa = sun_abraham(mpdta, **ROLES)
    res = randomization_att_gt(sa, n_draws=99, seed=2)
    assert res.estimate == pytest.approx(sa.overall.estimate, abs=1e-10)
    assert res.observed.type == "dynamic"


def test_randomisation_refuses_what_it_cannot_permute():
    df = _panel(np.random.default_rng(7), n=80)
    df["x"] = np.random.default_rng(8).normal(size=len(df))
    with pytest.raises(OptionError, match="covariates"):
        randomization_att_gt(att_gt(df, **PANEL, covariates=["x"]))
    gap = df.drop(index=df.index[(df["unit"] == 3) & (df["year"] == 2)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairwise = att_gt(gap, **PANEL, unbalanced="pairwise")
    with pytest.raises(DataError, match="balanced"):
        randomization_att_gt(pairwise)
    with pytest.raises(OptionError, match="strata"):
        randomization_att_gt(att_gt(df, **PANEL), strata="state")
    with pytest.raises(OptionError):
        randomization_att_gt(df, **PANEL, aggregation="event")


# --- names and completeness ----------------------------------------------------------------
def test_old_names_still_work_with_a_deprecation_warning():
    df = _panel(np.random.default_rng(9), n=100)
    new = att_gt(df, "y", unit="unit", time="year", cohort="cohort", n_draws=49, seed=1)
    with pytest.warns(DeprecationWarning, match="keyword arguments"):
        old = att_gt(df, "y", "unit", "year", "cohort", n_draws=49, seed=1)
    pd.testing.assert_frame_equal(new.tidy(), old.tidy())
    with pytest.warns(DeprecationWarning, match="bootstrap= is deprecated"):
        boot = att_gt(df, **PANEL, bootstrap=49, seed=1)
    pd.testing.assert_frame_equal(new.tidy(), boot.tidy())
    with pytest.warns(DeprecationWarning, match="control= is deprecated"):
        sa = sun_abraham(df, **PANEL, control="never_treated")
    assert sa.call["control_group"] == "never_treated"
    with pytest.warns(DeprecationWarning):
        assert new.pretest(kind="cells").df == new.pretest(kind="cells").dof[0]
    with pytest.raises(TypeError, match="n_draws"):
        att_gt(df, **PANEL, n_draws=49, bootstrap=49)


def test_results_are_complete_when_made():
    df = _panel(np.random.default_rng(10), n=100)
    res = att_gt(df, **PANEL)
    for part in (res, res.aggregate("dynamic"), res.aggregate("simple").overall, res.pretest()):
        with pytest.raises(AttributeError, match="complete when it is made"):
            part.notes = []
    t = res.tidy()
    assert {"n_treated_units", "n_comparison_units"} <= set(t.columns)
    assert res.inference.n_clusters == 100 and res.inference.n_treated_clusters > 0
