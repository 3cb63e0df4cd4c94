"""The one paired-test convention (evaluation.stats.paired) against scipy and by hand.

The convention: paired t-test with n - 1 degrees of freedom; Wilcoxon signed-rank test with
zero differences dropped, the exact null distribution for at most 50 non-zero differences
without ties, otherwise the normal approximation with tie correction and no continuity
correction. The implementation analyses and the panel before/after design both use it.
"""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import evaluation as ev
from evaluation.errors import DataError, OptionError
from evaluation.results import base as results_base
from evaluation.stats.paired import (
    EXACT_MAX_N,
    paired_tests,
    signed_rank_distribution,
    signed_rank_test,
)


@pytest.fixture(autouse=True, scope="module")
def complete_results():
    """Results are complete when they are made: with FREEZE on, setting an attribute of a
    result after its construction raises, in every test of this module."""
    saved = results_base.FREEZE
    results_base.FREEZE = True
    yield
    results_base.FREEZE = saved


def scipy_wilcoxon(d: np.ndarray, method: str):
    return stats.wilcoxon(
        d, zero_method="wilcox", correction=False, method=method, alternative="two-sided"
    )


# -- the exact distribution and p-values by hand -------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_exact_distribution_by_enumerating_sign_patterns(n):
    counts = np.zeros(n * (n + 1) // 2 + 1)
    for signs in product([0, 1], repeat=n):
        counts[sum(r for r, s in zip(range(1, n + 1), signs, strict=True) if s)] += 1
    np.testing.assert_allclose(signed_rank_distribution(n), counts / 2**n, rtol=0, atol=1e-15)


def test_exact_p_values_by_hand():
    # five positive distinct differences: W+ = 15 only for one of 32 sign patterns, two-sided
    w = signed_rank_test([0.1, 0.2, 0.3, 0.4, 0.5])
    assert (w.statistic, w.method, w.n_nonzero) == (0.0, "exact", 5)
    assert w.p_value == pytest.approx(2 / 32, abs=1e-15)
    # d = (1, -2, 3, 4, 5): W- = 2; P(W- <= 2) = #{{}, {1}, {2}} / 32 = 3/32, two-sided 6/32
    w = signed_rank_test([1, -2, 3, 4, 5])
    assert w.statistic == 2.0
    assert w.p_value == pytest.approx(6 / 32, abs=1e-15)
    # zeros are dropped before ranking: the same test as without them
    assert signed_rank_test([0, 1, -2, 0, 3, 4, 5]).p_value == pytest.approx(6 / 32, abs=1e-15)
    # a symmetric pattern: W+ = W- = 3 for (1, 2, -3); P(W+ <= 3) = 5/8 -> p capped at 1
    assert signed_rank_test([1, 2, -3]).p_value == 1.0


def test_normal_approximation_with_ties_by_hand():
    # ranks of |d| = (1/3, 1/3, 1/2): 1.5, 1.5, 3; W- = 0, mean n(n+1)/4 = 3,
    # variance 3·4·7/24 - (2³ - 2)/48 = 3.5 - 0.125 = 3.375, no continuity correction
    w = signed_rank_test([1 / 3, 1 / 3, 1 / 2])
    assert w.method == "approx" and w.statistic == 0.0
    assert w.p_value == pytest.approx(2 * stats.norm.cdf(-3 / math.sqrt(3.375)), abs=1e-14)


def test_all_differences_zero():
    w = signed_rank_test(np.zeros(4))
    assert (w.statistic, w.p_value, w.method, w.n_nonzero) == (0.0, 1.0, "none", 0)
    res = paired_tests([0.5] * 4, [0.5] * 4)
    assert res.t_p_value == 1.0 and res.t_statistic == 0.0 and res.wilcoxon_p_value == 1.0


# -- against scipy ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_wilcoxon_equals_scipy_with_the_chosen_method(seed):
    rng = np.random.default_rng(seed)
    for n in (2, 6, 13, 20, 49, 50, 51, 80, 200):
        d = np.round(rng.normal(0.3, 1, n), 6)
        for data in (d, np.round(d, 1), np.append(d, [0.0, 0.0])):  # untied, tied, with zeros
            ours = signed_rank_test(data)
            nz = data[data != 0]
            untied = np.unique(np.abs(nz)).size == nz.size
            expected = "exact" if nz.size <= EXACT_MAX_N and untied else "approx"
            assert ours.method == expected
            ref = scipy_wilcoxon(data, "exact" if expected == "exact" else "approx")
            assert ours.statistic == pytest.approx(float(ref.statistic), abs=1e-9)
            assert ours.p_value == pytest.approx(float(ref.pvalue), rel=1e-10, abs=1e-15)


def test_paired_t_equals_scipy_ttest_rel():
    rng = np.random.default_rng(11)
    for n in (2, 3, 10, 57):
        before = rng.normal(0, 1, n)
        after = before + rng.normal(0.2, 0.5, n)
        res = paired_tests(before, after, level=0.9)
        ref = stats.ttest_rel(after, before)
        assert res.t_statistic == pytest.approx(float(ref.statistic), rel=1e-12)
        assert res.t_p_value == pytest.approx(float(ref.pvalue), rel=1e-10)
        lo, hi = ref.confidence_interval(0.9)
        assert res.ci_low == pytest.approx(float(lo), rel=1e-12)
        assert res.ci_high == pytest.approx(float(hi), rel=1e-12)
        assert res.dof == n - 1 and res.n_units == n
        assert res.mean_before == pytest.approx(before.mean(), rel=1e-14)
        assert res.mean_after == pytest.approx(after.mean(), rel=1e-14)
        assert res.median_difference == pytest.approx(np.median(after - before), rel=1e-14)


def test_paired_t_by_hand():
    # d = (1/3, 1/3, 1/2): mean 7/18, sd² = (1 + 1 + 4) / 324 / 2 = 1/108, se = 1/18, t = 7
    res = paired_tests([1 / 3, 0, 0], [2 / 3, 1 / 3, 1 / 2])
    assert res.mean_difference == pytest.approx(7 / 18, abs=1e-14)
    assert res.std_error == pytest.approx(1 / 18, abs=1e-14)
    assert res.t_statistic == pytest.approx(7.0, abs=1e-12)
    crit = stats.t.ppf(0.975, 2)
    assert res.ci_low == pytest.approx(7 / 18 - crit / 18, abs=1e-14)
    inf = res.inference()
    assert (inf.name, inf.distribution, inf.dof) == ("paired_t", "t", 2.0)
    assert "n − 1 = 2" in inf.description.en and "n − 1 = 2" in inf.description.de


def test_bad_input():
    with pytest.raises(DataError, match="at least 2 units"):
        paired_tests([1.0], [2.0])
    with pytest.raises(DataError, match="one 'before' and one 'after'"):
        paired_tests([1.0, 2.0], [2.0])
    with pytest.raises(DataError, match="unit 1 .* missing"):
        paired_tests([1.0, np.nan, 3.0], [2.0, 2.0, 2.0])
    with pytest.raises(OptionError, match="level"):
        paired_tests([1.0, 2.0], [2.0, 2.0], level=95)


# -- both callers use it ---------------------------------------------------------------------------


def test_panel_before_after_uses_the_convention(monkeypatch):
    """Before: the panel's before/after used scipy's default Wilcoxon (a permutation test for
    small samples with ties); now the same convention as the implementation analyses."""
    # the panel's result is made complete at construction by the panel designs themselves
    monkeypatch.setattr(results_base, "FREEZE", False)
    rows = []
    # six treated units whose changes are 1, 1, 2, -1, 3, 3 (ties): the approximation applies
    changes = [1.0, 1.0, 2.0, -1.0, 3.0, 3.0]
    for i, c in enumerate(changes):
        for year in range(2010, 2016):
            rows.append(
                {"id": f"u{i}", "yr": year, "g": 2013, "y": 10.0 + (c if year >= 2013 else 0)}
            )
    for i in range(3):
        for year in range(2010, 2016):
            rows.append({"id": f"c{i}", "yr": year, "g": 0, "y": 5.0})
    df = pd.DataFrame(rows)
    res = ev.before_after(df, "y", unit="id", time="yr", cohort="g", window=(-3, 2))
    t = res.tidy().iloc[0]
    ref = scipy_wilcoxon(np.array(changes), "approx")
    assert t["wilcoxon_p_value"] == pytest.approx(float(ref.pvalue), rel=1e-12)
    assert t["mean_before"] == pytest.approx(10.0) and t["mean_after"] == pytest.approx(
        10.0 + np.mean(changes)
    )
    assert t["estimate"] == pytest.approx(np.mean(changes), rel=1e-14)
    # scipy's default for these data is a permutation test with another p-value
    assert float(stats.wilcoxon(changes).pvalue) != pytest.approx(t["wilcoxon_p_value"], rel=1e-3)
