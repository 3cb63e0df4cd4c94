"""Implementation success: hand-computed fixtures for every statistic, edge cases, results.

The small study below has three municipalities (A, B certified 2015, 2016; C certified 2015)
and eight measures in two action fields; every expected value is worked out by hand in the
comments next to it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import evaluation as ev
from evaluation.errors import DataError
from evaluation.i18n import TERMS, Text
from evaluation.implementation import (
    ImplementationDataWarning,
    kaplan_meier,
    measure_status,
    wilson_interval,
)
from evaluation.results import base as results_base
from evaluation.study import Study

MUNICIPALITIES = pd.DataFrame(
    {
        "municipality_id": ["05111", "05112", "06411"],
        "name": ["A", "B", "C"],
        "level": ["kreisfreie_stadt", "kreisfreie_stadt", "kreis"],
        "state": ["05", "05", "06"],
        "group": ["audited"] * 3,
        "population": [600_000, 500_000, 150_000],
    }
)

# measure: (municipality, action field, {report year: status})
MEASURES = {
    "m1": ("05111", "steering", {2016: "in_progress", 2017: "implemented", 2018: "implemented"}),
    "m2": (
        "05111",
        "steering",
        {2016: "planned", 2017: "in_progress", 2018: "partially_implemented"},
    ),
    "m3": ("05111", "education", {2016: "implemented", 2017: "implemented", 2018: "implemented"}),
    "m4": ("05112", "steering", {2017: "planned", 2018: "discontinued", 2019: "discontinued"}),
    "m5": (
        "05112",
        "education",
        {2017: "in_progress", 2018: "partially_implemented", 2019: "implemented"},
    ),
    "m6": ("05112", "education", {2017: "planned", 2018: "planned", 2019: "in_progress"}),
    "m7": (
        "06411",
        "steering",
        {2016: "partially_implemented", 2017: "implemented", 2018: "implemented"},
    ),
    # report 2 (2017) missing: status in_progress carried forward
    "m8": ("06411", "education", {2016: "in_progress", 2018: "partially_implemented"}),
}
CERT = {"05111": "2015-06-01", "05112": "2016-03-01", "06411": "2015-09-01"}


def build_study(measures=MEASURES, cert=CERT, municipalities=MUNICIPALITIES, cycles=None):
    """A study from {measure: (municipality, field, {year: status})} (one audit per
    municipality and cycle; ``cycles`` maps measure -> cycle, default 1)."""
    cycles = cycles or {}
    audits, goals, meas, reps = [], [], [], []
    for mid, (mun, field, statuses) in measures.items():
        cyc = cycles.get(mid, 1)
        aid = f"{mun}-{cyc}"
        c = cert[(mun, cyc)] if (mun, cyc) in cert else cert[mun]
        audits.append((aid, mun, cyc, "2014-01-01", c))
        gid = f"{aid}-{field}"
        goals.append((gid, aid, field))
        meas.append((mid, gid))
        reps += [(mid, y, s) for y, s in statuses.items()]
    a = pd.DataFrame(
        audits,
        columns=["audit_id", "municipality_id", "cycle", "start_date", "certification_date"],
    ).drop_duplicates("audit_id")
    return Study(
        municipalities=municipalities,
        audits=a,
        goals=pd.DataFrame(goals, columns=["goal_id", "audit_id", "action_field"]).drop_duplicates(
            "goal_id"
        ),
        measures=pd.DataFrame(meas, columns=["measure_id", "goal_id"]),
        measure_reports=pd.DataFrame(reps, columns=["measure_id", "report_year", "status"]),
    )


@pytest.fixture(autouse=True, scope="module")
def complete_results():
    """Results are complete when they are made: with FREEZE on, every attribute set after
    construction raises, so each test of this module checks that too."""
    saved = results_base.FREEZE
    results_base.FREEZE = True
    yield
    results_base.FREEZE = saved


@pytest.fixture
def study():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        yield build_study()


def rates(study, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        t = ev.implementation_rates(study, **kw).tidy()
    return t.set_index("action_field") if "by" not in kw else t


# -- data conventions ------------------------------------------------------------------------


def test_report_numbers_and_carry_forward(study):
    with pytest.warns(ImplementationDataWarning, match="carried forward"):
        ev.implementation_rates(study, as_of=2)
    ms = measure_status(study)
    codes = list(ev.codes.STATUS_CODES)
    row = ms.frame.index[ms.frame["measure_id"] == "m8"][0]
    # m8: report 0 planned (default), 1 in_progress, 2 missing -> in_progress, 3 partial
    assert [codes[i] for i in ms.status[row]] == [
        "planned",
        "in_progress",
        "in_progress",
        "partially_implemented",
    ]
    assert ms.reported[row].tolist() == [False, True, False, True]
    assert ms.last_report_year == 2019
    # due = min(3, 2019 - certification year): A 2015 -> 3, B 2016 -> 3
    assert set(ms.frame["due"]) == {3}


def test_rates_hand_counts(study):
    # end, strict: steering m1 yes, m2 no, m4 no (discontinued), m7 yes -> 2/4;
    # education m3 yes, m5 yes, m6 no, m8 no -> 2/4
    r = rates(study, success="implemented", as_of="end")
    assert r.loc["steering", ["n_measures", "n_success"]].tolist() == [4, 2]
    assert r.loc["education", ["n_measures", "n_success"]].tolist() == [4, 2]
    # at least partial: steering m1, m2, m7 -> 3/4; education m3, m5, m8 -> 3/4
    r = rates(study, success="at_least_partial", as_of="end")
    assert r.loc["steering", "n_success"] == 3 and r.loc["education", "n_success"] == 3
    # report 1, strict: steering none; education m3 -> 1/4
    r = rates(study, as_of=1)
    assert r.loc["steering", "share"] == 0.0 and r.loc["education", "share"] == 0.25
    # report 2, strict: steering m1, m7 -> 2/4; education m3 only (m8 carried in_progress)
    r = rates(study, as_of=2)
    assert r.loc["steering", "share"] == 0.5 and r.loc["education", "share"] == 0.25
    # at certification nothing is implemented
    assert (rates(study, as_of=0)["n_success"].dropna() == 0).all()


def test_action_field_without_measures_is_listed_empty(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        res = ev.implementation_rates(study)
    t = res.tidy()
    assert list(t["action_field"]) == list(ev.codes.ACTION_FIELD_CODES)
    empty = t[t["n_measures"] == 0]
    assert len(empty) == 4 and empty["share"].isna().all()
    assert any("No measures in action field(s)" in n for n in res.notes)


def test_groupings(study):
    r = rates(study, by=["municipality"], as_of="end")
    # A: m1, m3 of 3 -> 2/3; B: m5 of 3 -> 1/3; C: m7 of 2 -> 1/2
    got = dict(zip(r["municipality_id"], r["share"], strict=True))
    assert got == pytest.approx({"05111": 2 / 3, "05112": 1 / 3, "06411": 0.5}, abs=1e-15)
    # a single municipality per group: no cluster-aware interval
    assert r["cluster_ci_low"].isna().all()
    r = rates(study, by=["level", "action_field"])
    # kreis: C only; kreisfreie_stadt steering: m1 yes, m2 no, m4 no -> 1/3
    row = r[(r["level"] == "kreisfreie_stadt") & (r["action_field"] == "steering")]
    assert row["n_measures"].item() == 3 and row["n_success"].item() == 1
    r = rates(study, by=["cohort"])
    assert r["cohort"].tolist() == [2015, 2016]
    assert r["n_measures"].tolist() == [5, 3]
    overall = rates(study, by=None)
    assert overall["n_measures"].item() == 8 and overall["n_success"].item() == 4
    with pytest.raises(ValueError, match="cannot group by"):
        ev.implementation_rates(study, by="colour")


# -- intervals --------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
def test_wilson_equals_statsmodels(level):
    from statsmodels.stats.proportion import proportion_confint

    n = np.array([1, 1, 2, 4, 7, 10, 25, 100, 443, 1000, 3, 3])
    x = np.array([0, 1, 1, 2, 3, 10, 0, 37, 307, 999, 1, 2])
    low, high = wilson_interval(x, n, level)
    ref_low, ref_high = proportion_confint(x, n, alpha=1 - level, method="wilson")
    np.testing.assert_allclose(low, ref_low, atol=1e-12, rtol=0)
    np.testing.assert_allclose(high, ref_high, atol=1e-12, rtol=0)


def test_wilson_textbook_formula():
    # (x + z²/2 ± z sqrt(x(n-x)/n + z²/4)) / (n + z²), x = 2, n = 4
    z = 1.959963984540054
    x, n = 2, 4
    half = z * math.sqrt(x * (n - x) / n + z * z / 4)
    low, high = wilson_interval(np.array([x]), np.array([n]))
    assert low[0] == pytest.approx((x + z * z / 2 - half) / (n + z * z), abs=1e-14)
    assert high[0] == pytest.approx((x + z * z / 2 + half) / (n + z * z), abs=1e-14)
    # all successful: upper bound 1, lower bound n / (n + z²)
    low, high = wilson_interval(np.array([4]), np.array([4]))
    assert high[0] == pytest.approx(1.0, abs=1e-15)
    assert low[0] == pytest.approx(4 / (4 + z * z), abs=1e-14)


def test_gee_interval_by_hand_and_statsmodels(study):
    import statsmodels.api as sm

    r = rates(study, as_of="end", cluster_interval="gee")
    # steering: clusters A (1 of 2), B (0 of 1), C (1 of 1); p = 1/2
    # residuals y_g - p n_g: 0, -1/2, 1/2 -> var(p) = (0 + 1/4 + 1/4) / 4² = 1/32
    se = math.sqrt(1 / 32)
    assert r.loc["steering", "cluster_std_error"] == pytest.approx(se, abs=1e-15)
    z = stats.norm.isf(0.025)
    se_logit = se / 0.25
    lo = 1 / (1 + math.exp(z * se_logit))
    assert r.loc["steering", "cluster_ci_low"] == pytest.approx(lo, abs=1e-12)
    assert r.loc["steering", "cluster_ci_high"] == pytest.approx(1 - lo, abs=1e-12)
    # the same standard error from statsmodels' GEE (intercept only, independence, robust)
    y = np.array([1, 0, 0, 1], dtype=float)  # m1, m2, m4, m7
    g = np.array([0, 0, 1, 2])
    fit = sm.GEE(
        y,
        np.ones((4, 1)),
        groups=g,
        family=sm.families.Binomial(),
        cov_struct=sm.cov_struct.Independence(),
    ).fit()
    assert fit.bse[0] == pytest.approx(se_logit, rel=1e-8)
    assert "gee_sandwich_logit" in set(r["cluster_ci_method"])


def test_bootstrap_interval_properties(study):
    a = rates(study, seed=3)
    b = rates(study, seed=3)
    pd.testing.assert_frame_equal(a, b)
    t = a.loc["steering"]
    assert t["cluster_ci_low"] <= t["share"] <= t["cluster_ci_high"]
    # with three clusters of shares 1/2, 0, 1 every resampled share lies in [0, 1] and the
    # 2.5 % quantile is 0 (the draw B, B, B has probability 1/27)
    assert t["cluster_ci_low"] == 0.0 and t["cluster_ci_high"] == 1.0
    assert t["cluster_ci_method"] == "cluster_bootstrap_percentile"


def test_bootstrap_close_to_sandwich_on_many_clusters():
    s = _random_study(np.random.default_rng(5), n_mun=80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        boot = ev.implementation_rates(s, as_of=3, n_draws=4000).tidy()
        gee = ev.implementation_rates(s, as_of=3, cluster_interval="gee").tidy()
    ratio = (boot["cluster_std_error"] / gee["cluster_std_error"])[gee["n_measures"] > 0]
    assert len(ratio) == 3
    assert ((ratio > 0.9) & (ratio < 1.1)).all(), ratio


def _random_study(rng, n_mun=60, centres=(0.8, 0.0, -0.6), sd=0.8, cert_year=2015):
    """Own small DGP: municipality random effect on the logit scale; a measure is implemented
    in report 3 with probability expit(centre_field + u)."""
    fields = list(ev.codes.ACTION_FIELD_CODES[: len(centres)])
    ids = [f"0{5 + i // 900}{i % 900 + 100:03d}" for i in range(n_mun)]
    mun = pd.DataFrame(
        {
            "municipality_id": ids,
            "name": ids,
            "level": "kreis",
            "state": [i[:2] for i in ids],
            "group": "audited",
            "population": rng.integers(20_000, 500_000, n_mun),
        }
    )
    u = rng.normal(0, sd, n_mun)
    measures, cert = {}, {}
    k = 0
    for i, mid in enumerate(ids):
        cert[mid] = f"{cert_year}-05-01"
        for _ in range(int(rng.integers(3, 25))):
            f = int(rng.integers(len(fields)))
            ok = rng.random() < 1 / (1 + math.exp(-(centres[f] + u[i])))
            k += 1
            measures[f"x{k}"] = (
                mid,
                fields[f],
                {
                    cert_year + 1: "in_progress",
                    cert_year + 2: "in_progress",
                    cert_year + 3: "implemented" if ok else "partially_implemented",
                },
            )
    return build_study(measures, cert, mun)


# -- progression and transitions --------------------------------------------------------------


def test_progression_hand_counts(study):
    with pytest.warns(ImplementationDataWarning):
        t = ev.status_progression(study).tidy()
    s2 = t[(t["action_field"] == "steering") & (t["report_number"] == 2)].set_index("status")
    # report 2, steering: m1 implemented, m2 in_progress, m4 discontinued, m7 implemented
    assert s2["n_measures"].to_dict() == {
        "planned": 0,
        "in_progress": 1,
        "partially_implemented": 0,
        "implemented": 2,
        "discontinued": 1,
    }
    assert s2.loc["implemented", "share"] == 0.5
    r0 = t[t["report_number"] == 0]
    assert (r0.loc[r0["status"] == "planned", "share"] == 1.0).all()
    # shares sum to one in every field and report
    sums = t.groupby(["action_field", "report_number"])["share"].sum()
    np.testing.assert_allclose(sums, 1.0)


def test_transitions_hand_counts(study):
    with pytest.warns(ImplementationDataWarning):
        tr = ev.status_transitions(study, by="action_field")
    t = tr.tidy()
    step = t[(t["action_field"] == "steering") & (t["from_report"] == 1)]
    planned = step[step["from_status"] == "planned"].set_index("to_status")
    # 1 -> 2 steering from planned: m2 -> in_progress, m4 -> discontinued
    assert planned.loc["in_progress", "share"] == 0.5
    assert planned.loc["discontinued", "share"] == 0.5
    assert planned["n_measures"].sum() == 2
    # pooled 2 -> 3 matrix: 8 measures in total, m5 partial -> implemented
    with pytest.warns(ImplementationDataWarning):
        m = ev.status_transitions(study).matrix(from_report=2)
    assert m.to_numpy().sum() == 8
    assert m.loc["partially_implemented", "implemented"] == 1


# -- paired comparisons -------------------------------------------------------------------------


def test_before_after_hand(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        res = ev.before_after_implementation(study)
    u = res.units.set_index("municipality_id")
    # A: 1/3 -> 2/3, B: 0 -> 1/3, C: 0 -> 1/2
    np.testing.assert_allclose(u["share_before"], [1 / 3, 0, 0], atol=1e-15)
    np.testing.assert_allclose(u["share_after"], [2 / 3, 1 / 3, 1 / 2], atol=1e-15)
    t = res.tidy().iloc[0]
    # d = (1/3, 1/3, 1/2): mean 7/18, sd² = (1 + 1 + 4) / 324 / 2 = 1/108, se = 1/18, t = 7
    assert t["mean_difference"] == pytest.approx(7 / 18, abs=1e-14)
    assert t["std_error"] == pytest.approx(1 / 18, abs=1e-14)
    assert t["t_statistic"] == pytest.approx(7.0, abs=1e-12)
    assert t["t_p_value"] == pytest.approx(2 * stats.t.sf(7, 2), abs=1e-14)
    crit = stats.t.ppf(0.975, 2)
    assert t["ci_low"] == pytest.approx(7 / 18 - crit / 18, abs=1e-14)
    # Wilcoxon with a tie: ranks 1.5, 1.5, 3, W- = 0; normal approximation with tie
    # correction: mean 3, variance 3.5 - (2³ - 2)/48 = 3.375
    assert t["wilcoxon_statistic"] == 0.0
    z = (0 - 3) / math.sqrt(3.375)
    assert t["wilcoxon_p_value"] == pytest.approx(2 * stats.norm.cdf(z), abs=1e-12)
    assert t["wilcoxon_method"] == "approx"


def test_paired_exact_wilcoxon_and_zero_differences():
    from evaluation.stats.paired import paired_tests

    st = paired_tests(np.zeros(5), np.array([0.1, 0.2, 0.3, 0.4, 0.5]))
    # all five differences positive and distinct: exact two-sided p = 2 / 2^5
    assert st.wilcoxon_p_value == pytest.approx(2 / 32, abs=1e-15)
    assert st.wilcoxon_method == "exact"
    st = paired_tests(np.ones(4) * 0.5, np.ones(4) * 0.5)
    assert st.t_p_value == 1.0 and st.wilcoxon_p_value == 1.0


def test_cycle_comparison_hand():
    measures = {
        "a1": ("05111", "steering", {2012: "implemented"}),
        "a2": ("05111", "steering", {2012: "planned"}),
        "a3": ("05111", "steering", {2017: "implemented"}),
        "b1": ("05112", "steering", {2012: "planned"}),
        "b2": ("05112", "education", {2017: "implemented"}),
        "b3": ("05112", "education", {2017: "implemented"}),
        "c1": ("06411", "steering", {2012: "implemented"}),
        "c2": ("06411", "steering", {2017: "planned"}),
        "c3": ("06411", "steering", {2017: "implemented"}),
    }
    cycles = {"a3": 2, "b2": 2, "b3": 2, "c2": 2, "c3": 2}
    cert = {}
    for m in ("05111", "05112", "06411"):
        cert[(m, 1)] = "2011-05-01"
        cert[(m, 2)] = "2016-05-01"
    s = build_study(measures, cert, cycles=cycles)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        res = ev.cycle_comparison(s, as_of=1)
    u = res.units.set_index("municipality_id")
    # cycle 1 -> 2: A 1/2 -> 1, B 0 -> 1, C 1 -> 1/2
    np.testing.assert_allclose(u["share_before"], [0.5, 0.0, 1.0])
    np.testing.assert_allclose(u["share_after"], [1.0, 1.0, 0.5])
    assert res.tidy()["mean_difference"].item() == pytest.approx(1 / 3, abs=1e-15)
    only_b = {k: v for k, v in measures.items() if k != "a3" and k != "c2" and k != "c3"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        res = None
        with pytest.raises(DataError, match="at least 2 units"):
            res = ev.cycle_comparison(build_study(only_b, cert, cycles=cycles), as_of=1)
    assert res is None


# -- field differences --------------------------------------------------------------------------


def _table_study(table, fields=("steering", "education", "counselling")):
    """Each municipality has one measure per (field, outcome) cell count: success rows."""
    measures, cert, k = {}, {}, 0
    ids = [f"05{i + 100:03d}" for i in range(8)]
    mun = pd.DataFrame(
        {
            "municipality_id": ids,
            "name": ids,
            "level": "kreis",
            "state": "05",
            "group": "audited",
            "population": 1000,
        }
    )
    for fi, (yes, no) in enumerate(table):
        for j in range(yes + no):
            k += 1
            mid = ids[k % len(ids)]
            cert[mid] = "2015-01-01"
            status = "implemented" if j < yes else "in_progress"
            measures[f"t{k}"] = (mid, fields[fi], {2016: status})
    return build_study(measures, cert, mun)


def test_chi_square_and_pairwise_fisher_holm():
    table = np.array([[9, 3], [4, 8], [6, 6]])
    s = _table_study(table)
    res = ev.field_differences(s, outcome="success", as_of=1, method="asymptotic")
    t = res.tidy()
    ind = t[t["contrast"] == "independence"].iloc[0]
    # Pearson X² by hand: expected = row total x column total / 36
    exp = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    x2 = ((table[:, ::-1] - exp[:, ::-1]) ** 2 / exp[:, ::-1]).sum()
    assert ind["statistic"] == pytest.approx(x2, abs=1e-12)
    assert ind["dof"] == 2
    assert ind["p_value"] == pytest.approx(math.exp(-x2 / 2), abs=1e-12)  # chi² with 2 df
    pairs = t[t["contrast"] != "independence"].reset_index(drop=True)
    assert pairs["contrast"].tolist() == [
        "steering vs education",
        "steering vs counselling",
        "education vs counselling",
    ]
    p = []
    for a, b in [(0, 1), (0, 2), (1, 2)]:
        p.append(stats.fisher_exact([[table[a, 0], table[a, 1]], [table[b, 0], table[b, 1]]])[1])
    np.testing.assert_allclose(pairs["p_value"], p, rtol=1e-12)
    # Holm by hand: sort, multiply by 3, 2, 1, running maximum, cap at 1
    order = np.argsort(p)
    adj = np.minimum(1, np.maximum.accumulate(np.array(p)[order] * np.array([3, 2, 1])))
    expected = np.empty(3)
    expected[order] = adj
    np.testing.assert_allclose(pairs["p_adjusted"], expected, rtol=1e-12)
    assert pairs.loc[0, "estimate"] == pytest.approx(9 / 12 - 4 / 12, abs=1e-15)


def test_simulated_p_value_matches_exact_conditional():
    table = np.array([[4, 1], [1, 4]])
    s = _table_study(table, fields=("steering", "education"))
    res = ev.field_differences(s, outcome="success", as_of=1, n_draws=20000, seed=1)
    t = res.tidy()
    assert "chi2_simulated" in set(t["method"])  # expected counts 2.5 < 5
    p_sim = t.loc[t["method"] == "chi2_simulated", "p_value"].item()
    # exact conditional p: hypergeometric tables with X² >= observed; a = 4 or 1 or 5 or 0
    hyper = stats.hypergeom(10, 5, 5)
    p_exact = sum(hyper.pmf(a) for a in (0, 1, 4, 5))
    assert abs(p_sim - p_exact) < 4 * math.sqrt(p_exact * (1 - p_exact) / 20000)


def test_pairwise_cluster_wald_by_hand(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        t = ev.field_differences(study, as_of=1, pairwise="cluster", correction="none").tidy()
    row = t[t["contrast"] == "steering vs education"].iloc[0]
    # report 1, strict: steering 0 of 4 (influence 0 everywhere); education p = 1/4 with
    # A (1 of 1), B (0 of 2), C (0 of 1): influence (y_g - p n_g) / 4 = 3/16, -1/8, -1/16.
    # var(diff) = (3/16)² + (1/8)² + (1/16)² = 7/128
    se = math.sqrt(7 / 128)
    assert row["estimate"] == -0.25
    assert row["statistic"] == pytest.approx(-0.25 / se, abs=1e-14)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(0.25 / se), abs=1e-14)
    assert row["p_adjusted"] == row["p_value"]


# -- model --------------------------------------------------------------------------------------


def test_saturated_logit_reproduces_shares():
    s = _table_study(np.array([[9, 3], [3, 9]]), fields=("steering", "education"))
    res = ev.implementation_model(s, covariates=[], method="logit", as_of=1)
    t = res.tidy().set_index(["quantity", "term"])
    # odds 3 in steering (reference), 1/3 in education: odds ratio 1/9, AME 1/4 - 3/4
    assert t.loc[("odds_ratio", "action_field[education]"), "estimate"] == pytest.approx(
        1 / 9, rel=1e-6
    )
    assert t.loc[("marginal_effect", "action_field[education]"), "estimate"] == pytest.approx(
        -0.5, abs=1e-7
    )


def test_marginal_effects_equal_statsmodels_margeff():
    import statsmodels.api as sm

    s = _random_study(np.random.default_rng(2), n_mun=40, centres=(0.5, -0.3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        res = ev.implementation_model(s, covariates=["log_population"], method="logit", as_of=3)
    fit = res.fit
    mfx = fit.get_margeff(dummy=True)
    me = res.marginal_effects.tidy()
    np.testing.assert_allclose(me["estimate"], mfx.margeff, rtol=1e-6)
    np.testing.assert_allclose(me["std_error"], mfx.margeff_se, rtol=1e-5)
    # cluster-robust covariance from statsmodels
    assert isinstance(fit.model, sm.Logit) and fit.cov_type == "cluster"
    orr = res.tidy().query("quantity == 'odds_ratio'")
    np.testing.assert_allclose(orr["estimate"], np.exp(fit.params[1:]), rtol=1e-12)


def test_gee_default_and_separation(study):
    s = _random_study(np.random.default_rng(3), n_mun=30, centres=(0.5, -0.3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        res = ev.implementation_model(s, covariates=["log_population"], as_of=3)
    assert "exchangeable" in res.inference.description
    assert res.inference.n_clusters == 30 and res.facts["n_clusters"] == 30
    assert type(res.fit.model.cov_struct).__name__ == "Exchangeable"
    assert set(res.tidy()["quantity"]) == {"odds_ratio", "marginal_effect"}
    allimpl = {k: (m, f, dict.fromkeys(st, "implemented")) for k, (m, f, st) in MEASURES.items()}
    with pytest.raises(DataError, match="perfect separation"):
        ev.implementation_model(build_study(allimpl), covariates=[])


# -- time to implementation ----------------------------------------------------------------------


def test_kaplan_meier_hand(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        res = ev.time_to_implementation(study)
    t = res.tidy().set_index(["action_field", "report_number"])
    # education: m3 event at 1, m5 event at 3, m6 and m8 censored at 3
    # S(1) = 3/4, S(2) = 3/4, S(3) = 3/4 x 2/3 = 1/2; Greenwood sum 1/12 + 1/6 = 1/4
    e = t.loc["education"]
    np.testing.assert_allclose(e["survival"], [1, 0.75, 0.75, 0.5])
    assert e.loc[3, "std_error"] == pytest.approx(0.5 * 0.5, abs=1e-15)
    z = stats.norm.isf(0.025)
    se_ll = 0.5 / abs(math.log(0.5))
    assert e.loc[3, "ci_high"] == pytest.approx(1 - 0.5 ** math.exp(z * se_ll), abs=1e-12)
    assert e.loc[3, "ci_low"] == pytest.approx(1 - 0.5 ** math.exp(-z * se_ll), abs=1e-12)
    assert e["n_at_risk"].tolist() == [4, 4, 3, 3]
    # steering: m1, m7 events at 2; m2 censored at 3; m4 discontinued -> at risk to 3
    st = t.loc["steering"]
    np.testing.assert_allclose(st["cumulative_share"], [0, 0, 0.5, 0.5])
    assert st["n_censored"].tolist() == [0, 0, 0, 2]
    med = res.medians.set_index("action_field")
    assert med.loc["steering", "median"] == 2 and med.loc["education", "median"] == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        cens = ev.time_to_implementation(study, discontinued="censored").tidy()
    st = cens.set_index(["action_field", "report_number"]).loc["steering"]
    # m4 censored at report 2 (first 'discontinued'); m2 alone at risk at 3
    assert st["n_censored"].tolist() == [0, 0, 1, 1]


def test_kaplan_meier_equals_statsmodels_survfunc():
    from statsmodels.duration.survfunc import SurvfuncRight

    rng = np.random.default_rng(4)
    time = rng.integers(1, 4, 60).astype(float)
    event = (rng.random(60) < 0.6).astype(int)
    km = kaplan_meier(time, event)
    sf = SurvfuncRight(time, event)
    got = km.set_index("report_number").loc[sf.surv_times.astype(int)]
    np.testing.assert_allclose(got["survival"], sf.surv_prob, rtol=1e-12)
    np.testing.assert_allclose(got["std_error"], sf.surv_prob_se, rtol=1e-10)


def test_cox_against_own_efron_likelihood(study):
    from scipy.optimize import minimize_scalar

    s = _random_study(np.random.default_rng(6), n_mun=30, centres=(0.5, -0.3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        res = ev.time_to_implementation(s)
    d = res.durations
    x = (d["action_field"] == "work_family").to_numpy(dtype=float)
    time, event = d["time"].to_numpy(), d["event"].to_numpy()

    def neg_loglik(beta):
        ll = 0.0
        for t in np.unique(time[event == 1]):
            dead = (time == t) & (event == 1)
            risk = time >= t
            r = np.exp(beta * x[risk]).sum()
            rd = np.exp(beta * x[dead])
            m = dead.sum()
            ll += beta * x[dead].sum() - sum(np.log(r - k / m * rd.sum()) for k in range(m))
        return -ll

    beta = minimize_scalar(neg_loglik, bounds=(-5, 5), method="bounded", options={"xatol": 1e-10}).x
    hr = res.cox.set_index("term").loc["action_field[work_family]", "estimate"]
    assert hr == pytest.approx(math.exp(beta), rel=1e-5)
    assert "clustered by municipality" in res.cox_coefficients.se_note


# -- edge cases -------------------------------------------------------------------------------


def test_measure_without_reports_excluded_or_planned():
    m = dict(MEASURES)
    m["m9"] = ("05111", "steering", {})
    s = build_study(m)
    with pytest.warns(ImplementationDataWarning, match="1 measure\\(s\\) have no report"):
        r = ev.implementation_rates(s, as_of=1).tidy().set_index("action_field")
    assert r.loc["steering", "n_measures"] == 4
    with pytest.warns(ImplementationDataWarning, match="count as planned"):
        r = ev.implementation_rates(s, as_of=1, unreported="planned").tidy()
    assert r.set_index("action_field").loc["steering", "n_measures"] == 5


def test_all_implemented_share_one():
    allimpl = {k: (m, f, dict.fromkeys(st, "implemented")) for k, (m, f, st) in MEASURES.items()}
    s = build_study(allimpl)
    res = ev.implementation_rates(s)
    t = res.tidy().set_index("action_field")
    z = stats.norm.isf(0.025)
    assert t.loc["steering", "share"] == 1.0
    assert t.loc["steering", "ci_high"] == pytest.approx(1.0, abs=1e-15)
    assert t.loc["steering", "ci_low"] == pytest.approx(4 / (4 + z * z), abs=1e-14)
    assert t.loc["steering", "cluster_ci_low"] == 1.0  # degenerate, documented in a note
    assert any("degenerate" in n for n in res.notes)
    with pytest.raises(DataError, match="nothing to test"):
        ev.field_differences(s, outcome="success")


def test_municipality_with_one_measure():
    s = build_study({"m1": MEASURES["m1"]})
    t = ev.implementation_rates(s, by="municipality").tidy()
    assert t["n_measures"].item() == 1 and t["share"].item() == 1.0
    assert np.isnan(t["cluster_ci_low"].item())
    with pytest.raises(DataError, match="at least 2 units"):
        ev.before_after_implementation(s)


def test_bad_input_errors(study):
    m = dict(MEASURES)
    m["m1"] = ("05111", "steering", {2014: "planned"})  # before certification in 2015
    with pytest.raises(DataError, match="before the certification year"):
        ev.implementation_rates(build_study(m))
    with pytest.raises(ValueError, match="as_of"):
        ev.implementation_rates(study, as_of=4)
    with pytest.raises(ValueError, match="success"):
        ev.implementation_rates(study, success="done")
    with pytest.raises(ValueError, match="cluster_interval"):
        ev.implementation_rates(study, cluster_interval="jackknife")
    with pytest.raises(ValueError, match="discontinued"):
        ev.time_to_implementation(study, discontinued="ignore")
    with pytest.raises(ValueError, match="unknown covariate"):
        ev.implementation_model(study, covariates=["shoe_size"])


def test_reports_not_yet_due_are_left_out_with_note():
    cert = dict(CERT)
    cert["05112"] = "2018-03-01"  # B: last report year 2019 -> only report 1 due
    s = build_study(
        {k: v for k, v in MEASURES.items() if v[0] != "05112"}
        | {"m5": ("05112", "education", {2019: "implemented"})},
        cert,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        res = ev.implementation_rates(s, as_of=3)
    assert res.tidy().set_index("action_field").loc["education", "n_measures"] == 2
    assert any("not yet due" in n for n in res.notes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        end = ev.implementation_rates(s, as_of="end").tidy().set_index("action_field")
    assert end.loc["education", "n_success"] == 2  # m3 and m5 (report 1 of B)


# -- results interface ----------------------------------------------------------------------------


def test_results_interface_and_plots(study, tmp_path):
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        results = [
            ev.implementation_rates(study),
            ev.status_progression(study),
            ev.status_transitions(study),
            ev.before_after_implementation(study),
            ev.field_differences(study),
            ev.implementation_model(
                _random_study(np.random.default_rng(1), n_mun=20, centres=(0.5, -0.3)),
                covariates=[],
            ),
            ev.time_to_implementation(study),
        ]
    for r in results:
        assert isinstance(r.tidy(), pd.DataFrame) and len(r.tidy())
        de, en = r.summary("de").as_text(), r.summary("en").as_text()
        assert de != en
        assert "<table" in r._repr_html_()
        csv = r.to_csv(tmp_path / "r.csv")
        assert pd.read_csv(tmp_path / "r.csv").shape[0] == len(r.tidy()) and csv
        assert "|" in r.to_markdown() and "\\begin{table}" in r.to_latex()
        fig, ax = plt.subplots()
        assert r.plot(ax=ax) is fig
        assert r.plot(lang="en") is not None
    de = results[0].summary("de").as_text()
    assert "Steuerung, Vernetzung und Nachhaltigkeit" in de and "Wilson" in de
    fig = results[1].plot(lang="de")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "umgesetzt" in legend and "eingestellt" in legend


def _all_results(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "rates": ev.implementation_rates(study, seed=3),
            "progression": ev.status_progression(study),
            "transitions": ev.status_transitions(study),
            "before_after": ev.before_after_implementation(study),
            "differences": ev.field_differences(study, pairwise="cluster", seed=3),
            "model": ev.implementation_model(
                _random_study(np.random.default_rng(1), n_mun=20, centres=(0.5, -0.3)),
                covariates=["log_population"],
            ),
            "time": ev.time_to_implementation(study),
            "intensity": ev.implementation_intensity(study),
        }


def test_results_are_complete_and_speak_both_languages(study):
    """Before: notes and facts were English only, tidy columns without labels, count columns
    undeclared, the cluster counts added after construction."""
    results = _all_results(study)
    for name, r in results.items():
        tidy = r.tidy()
        unlabelled = [c for c in tidy.columns if c not in TERMS] + [
            k for k in r.facts if k not in TERMS
        ]
        assert unlabelled == [], name
        # the columns that count measures, municipalities or units are declared
        counting = {
            c for c in tidy.columns if c.startswith("n_") and pd.api.types.is_integer_dtype(tidy[c])
        }
        assert set(r.count_columns) == counting, name
        # every note exists in both languages, and the German summary has no English note
        assert all(isinstance(n, Text) and n.de != n.en for n in r.notes), name
        de = r.summary("de").as_text()
        assert not [n.en for n in r.notes if n.en in de], name
        assert r.title.de in de and r.title.en in r.summary("en").as_text()
        with pytest.raises(AttributeError, match="complete when it is made"):
            r.title = Text("x", "x")
    # the inference of each result, with the clusters counted at construction
    rates = results["rates"]
    assert (rates.inference.name, rates.inference.n_clusters) == ("cluster_bootstrap_percentile", 3)
    assert rates.wilson.name == "wilson" and rates.few_clusters
    assert rates.call["seed"] == 3 and rates.call["n_draws"] == 1999
    assert results["differences"].inference.n_clusters == 3
    assert results["time"].inference.name == "cox_cluster_robust"
    assert results["time"].cox_coefficients.inference.n_clusters == 3
    model = results["model"]
    assert model.inference.n_clusters == 20 and model.coefficients.inference.n_clusters == 20
    assert model.marginal_effects.facts["n_clusters"] == 20
    paired = results["before_after"].inference
    assert (paired.name, paired.distribution, paired.dof) == ("paired_t", "t", 2.0)
    assert results["before_after"].tidy()["dof"].item() == 2


def test_old_keywords_are_deprecated_for_one_release(study):
    """Before: n_boot, n_sim and dropped were the only names; n_draws and discontinued
    raised TypeError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.errors.EvaluationWarning)
        new = ev.implementation_rates(study, n_draws=200, seed=1).tidy()
        with pytest.warns(DeprecationWarning, match="n_boot.*use n_draws"):
            old = ev.implementation_rates(study, n_boot=200, seed=1).tidy()
        pd.testing.assert_frame_equal(new, old)
        new = ev.field_differences(study, method="simulated", n_draws=199, seed=1).tidy()
        with pytest.warns(DeprecationWarning, match="n_sim"):
            old = ev.field_differences(study, method="simulated", n_sim=199, seed=1).tidy()
        pd.testing.assert_frame_equal(new, old)
        new = ev.time_to_implementation(study, discontinued="censored").tidy()
        with pytest.warns(DeprecationWarning, match="dropped"):
            old = ev.time_to_implementation(study, dropped="censored").tidy()
        pd.testing.assert_frame_equal(new, old)
        with pytest.raises(TypeError, match="both n_boot= and n_draws="):
            ev.implementation_rates(study, n_boot=200, n_draws=300)


def test_the_seed_reaches_every_draw(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = _random_study(np.random.default_rng(8), n_mun=25)
        a = ev.implementation_rates(s, seed=1).tidy()["cluster_ci_low"]
        b = ev.implementation_rates(s, seed=2).tidy()["cluster_ci_low"]
        c = ev.implementation_rates(s, seed=1).tidy()["cluster_ci_low"]
        assert not a.equals(b) and a.equals(c)
        t = _table_study(np.array([[6, 4], [4, 6]]), fields=("steering", "education"))
        p = [
            ev.field_differences(
                t, outcome="success", as_of=1, method="simulated", n_draws=199, seed=k
            ).tidy()
            for k in (1, 2, 1)
        ]
        p = [t.loc[t["method"] == "chi2_simulated", "p_value"].item() for t in p]
        assert p[0] != p[1] and p[0] == p[2]


def test_plots_speak_the_reader_language(study):
    """Before: 22 inline language branches and '50%' on German axes."""
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rates = ev.implementation_rates(study)
    de, en = rates.plot(lang="de"), rates.plot(lang="en")
    fmt_de = de.axes[0].xaxis.get_major_formatter()
    fmt_en = en.axes[0].xaxis.get_major_formatter()
    assert fmt_de(0.5, 0) == "50\u202f%" and fmt_en(0.5, 0) == "50%"
    assert de.axes[0].get_title() == "Umsetzungsquoten der Maßnahmen"
    assert en.axes[0].get_title() == "Implementation rates of the measures"
    assert de.axes[0].get_xlabel() == "Anteil umgesetzt"
    plt.close("all")


def test_no_language_branches_in_the_area():
    from pathlib import Path

    src = Path(ev.__file__).parent
    files = [*(src / "implementation").glob("*.py"), *(src / "mixed").glob("*.py")]
    files.append(src / "stats" / "paired.py")
    found = [
        f"{f.name}:{i}"
        for f in files
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
        if "lang ==" in line or "lang !=" in line
    ]
    assert found == []


def test_top_level_names():
    for name in (
        "implementation_rates",
        "status_progression",
        "status_transitions",
        "before_after_implementation",
        "cycle_comparison",
        "field_differences",
        "implementation_model",
        "time_to_implementation",
    ):
        assert callable(getattr(ev, name))


# -- known truth: the synthetic study and a Monte Carlo of the cluster-aware interval -----------


def _marginal(centre: float, sd: float) -> float:
    """E[expit(centre + u)], u ~ N(0, sd²), by Gauss-Hermite quadrature."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(60)
    return float(np.sum(weights / (1 + np.exp(-(centre + sd * nodes)))) / math.sqrt(2 * math.pi))


def test_synthetic_truth_inside_intervals():
    study = ev.datasets.synthetic_study(seed=0)
    truth = study.truth.implementation_probability.set_index("action_field")["probability"]
    for method in ("bootstrap", "gee"):
        t = (
            ev.implementation_rates(study, success="implemented", as_of=3, cluster_interval=method)
            .tidy()
            .set_index("action_field")
        )
        assert set(t.index) == set(truth.index)
        inside = (t["cluster_ci_low"] <= truth) & (truth <= t["cluster_ci_high"])
        assert inside.all(), t.assign(truth=truth)


def _coverage(n_rep: int, seed: int, method: str) -> float:
    centres, sd = (0.8, 0.0, -0.6), 0.8
    truth = np.array([_marginal(c, sd) for c in centres])
    rng = np.random.default_rng(seed)
    hits = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        for r in range(n_rep):
            s = _random_study(rng, n_mun=50, centres=centres, sd=sd)
            t = ev.implementation_rates(
                s, as_of=3, cluster_interval=method, n_draws=999, seed=r
            ).tidy()
            t = t[t["n_measures"] > 0]
            hits += list((t["cluster_ci_low"] <= truth) & (truth <= t["cluster_ci_high"]))
    return float(np.mean(hits))


@pytest.mark.parametrize("method", ["bootstrap", "gee"])
def test_cluster_interval_coverage_monte_carlo(method):
    # the interval functions on 400 simulated data sets x 3 action fields: 50 municipalities
    # with 3-24 measures each, success ~ Bernoulli(expit(centre_field + u)), u ~ N(0, 0.8²)
    from evaluation.implementation.rates import (
        bootstrap_interval,
        cluster_matrices,
        gee_interval,
    )

    centres, sd, n_mun = np.array([0.8, 0.0, -0.6]), 0.8, 50
    truth = np.array([_marginal(c, sd) for c in centres])
    rng = np.random.default_rng(2024)
    hits = []
    for r in range(400):
        sizes = rng.integers(3, 25, n_mun)
        cluster = np.repeat(np.arange(n_mun), sizes)
        field = rng.integers(0, 3, cluster.size)
        u = rng.normal(0, sd, n_mun)
        y = (rng.random(cluster.size) < 1 / (1 + np.exp(-(centres[field] + u[cluster])))) * 1
        ysum, nsum = cluster_matrices(field, cluster, y, 3, n_mun)
        if method == "bootstrap":
            _, low, high = bootstrap_interval(ysum, nsum, 0.95, 999, seed=r)
        else:
            _, low, high = gee_interval(ysum, nsum, 0.95)
        hits += list((low <= truth) & (truth <= high))
    cover = float(np.mean(hits))
    assert 0.90 <= cover <= 0.99, cover


@pytest.mark.slow
def test_cluster_interval_coverage_full_pipeline():
    # the same through Study and implementation_rates: 100 studies x 3 action fields
    cover = _coverage(100, seed=2024, method="bootstrap")
    assert 0.90 <= cover <= 0.99, cover


@pytest.mark.slow
def test_cluster_interval_coverage_synthetic_studies():
    hits = []
    for seed in range(100, 130):
        study = ev.datasets.synthetic_study(seed=seed)
        truth = study.truth.implementation_probability.set_index("action_field")["probability"]
        t = ev.implementation_rates(study, as_of=3).tidy().set_index("action_field")
        hits += list((t["cluster_ci_low"] <= truth) & (truth <= t["cluster_ci_high"]))
    assert 0.90 <= np.mean(hits) <= 0.99, np.mean(hits)


def test_duplicate_measure_ids_and_orphan_reports():
    s = build_study()
    tables = s.tables
    reports = pd.concat(
        [
            tables["measure_reports"],
            pd.DataFrame({"measure_id": ["zz"], "report_year": [2016], "status": ["planned"]}),
        ],
        ignore_index=True,
    )
    s2 = Study(**{**tables, "measure_reports": reports})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        res = ev.implementation_rates(s2)
    assert any("1 report row(s) name a measure_id" in n for n in res.notes)
    measures = pd.concat([tables["measures"], tables["measures"].iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="occurs more than once"):
        ev.implementation_rates(Study(**{**tables, "measures": measures}))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_share(xn):
    x, n = xn
    low, high = wilson_interval(np.array([x]), np.array([n]))
    assert 0 - 1e-12 <= low[0] <= x / n + 1e-12 <= high[0] + 2e-12 <= 1 + 3e-12


# --- conf_int of the rates ---------------------------------------------------------------
def test_rates_conf_int_returns_both_intervals_and_recomputes_other_levels():
    """Before: ImplementationRates had no conf_int although the README promises it."""
    from statsmodels.stats.proportion import proportion_confint

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = ev.datasets.synthetic_study(seed=1)
        for interval in ("bootstrap", "gee"):
            rates = ev.implementation_rates(study, cluster_interval=interval, n_draws=499, seed=3)
            t = rates.tidy().set_index("action_field")
            ci = rates.conf_int()
            assert list(ci.columns) == ["ci_low", "ci_high", "cluster_ci_low", "cluster_ci_high"]
            pd.testing.assert_frame_equal(ci, t[ci.columns], check_names=False)
            ci90 = rates.conf_int(0.90)
            lo, hi = proportion_confint(
                t["n_success"], t["n_measures"], alpha=0.10, method="wilson"
            )
            np.testing.assert_allclose(ci90["ci_low"], lo, rtol=1e-12)
            np.testing.assert_allclose(ci90["ci_high"], hi, rtol=1e-12)
            # a new analysis at 90 % gives the same cluster-aware interval
            again = ev.implementation_rates(
                study, cluster_interval=interval, n_draws=499, seed=3, level=0.90
            ).tidy()
            np.testing.assert_allclose(ci90["cluster_ci_low"], again["cluster_ci_low"], rtol=1e-12)
            np.testing.assert_allclose(
                ci90["cluster_ci_high"], again["cluster_ci_high"], rtol=1e-12
            )
            assert (ci90["cluster_ci_high"] - ci90["cluster_ci_low"]
                    < ci["cluster_ci_high"] - ci["cluster_ci_low"]).all()  # fmt: skip
    with pytest.raises(ValueError, match="level"):
        rates.conf_int(95)


# --- the definition of the average marginal effects ---------------------------------------
@pytest.mark.parametrize("method", ["logit", "gee"])
def test_marginal_effects_are_discrete_changes_from_the_reference_category(method):
    """The README used to claim equality with statsmodels' get_margeff for every term; for
    category dummies the definitions differ. Checked here: the package's definition by hand
    with statsmodels' predict (delta-method SE by numerical differentiation), statsmodels'
    dummy definition by hand, and equality with get_margeff for numeric covariates."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = ev.datasets.synthetic_study(seed=1)
        m = ev.implementation_model(
            study, covariates=["log_population", "level", "cohort"], method=method
        )
    fit = m.fit
    x = pd.DataFrame(fit.model.exog, columns=fit.model.exog_names)
    params = np.asarray(fit.params)
    cov = np.asarray(fit.cov_params())
    me = m.marginal_effects.tidy().set_index("term")

    def predict(p, design):
        return fit.model.predict(p, exog=design.to_numpy())

    def discrete_change(p, name):
        var = name.split("[")[0]
        block = [c for c in x.columns if c.startswith(var + "[")]
        x0 = x.copy()
        x0[block] = 0.0
        x1 = x0.copy()
        x1[name] = 1.0
        return np.mean(predict(p, x1) - predict(p, x0))

    h = 1e-6
    dummies = [c for c in x.columns if "[" in c]
    for name in dummies:
        est = discrete_change(params, name)
        grad = np.array([
            (discrete_change(params + h * e, name) - discrete_change(params - h * e, name))
            / (2 * h)
            for e in np.eye(len(params))
        ])  # fmt: skip
        assert me.loc[name, "estimate"] == pytest.approx(est, abs=1e-12)
        assert me.loc[name, "std_error"] == pytest.approx(np.sqrt(grad @ cov @ grad), rel=1e-6)

    margeff = fit.get_margeff(at="overall", method="dydx", dummy=True).summary_frame()
    margeff.index = list(x.columns[1:])
    for name in dummies:  # statsmodels: one column switched, the others as observed
        x1, x0 = x.copy(), x.copy()
        x1[name], x0[name] = 1.0, 0.0
        toggle = np.mean(predict(params, x1) - predict(params, x0))
        assert margeff.loc[name, "dy/dx"] == pytest.approx(toggle, abs=1e-10)
    fields = [c for c in dummies if c.startswith("action_field[")]
    differ = np.abs(margeff.loc[fields, "dy/dx"] - me.loc[fields, "estimate"])
    assert differ.max() > 1e-3  # the two definitions are not the same number
    for name in ("log_population", "cohort"):
        assert me.loc[name, "estimate"] == pytest.approx(margeff.loc[name, "dy/dx"], rel=1e-8)
        assert me.loc[name, "std_error"] == pytest.approx(margeff.loc[name, "Std. Err."], rel=1e-8)
