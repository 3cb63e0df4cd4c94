"""Sensitivity analysis (Rambachan & Roth): known truths, the result protocol and errors.

The comparison with R HonestDiD is in ``test_sensitivity_reference.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import evaluation as ev
from evaluation.errors import DataError
from evaluation.sensitivity import OptionError, check_input, confidence_set
from evaluation.sensitivity._arp import ARPProblem, dual_vertices, truncated_normal_quantile
from evaluation.sensitivity._flci import folded_normal_quantile

pytestmark = pytest.mark.usefixtures("frozen_results")

BETA = np.array([0.01, -0.02, 0.015, 0.08, 0.1, 0.12])
SIGMA = 0.0004 * (0.5 * np.eye(6) + 0.5 * np.exp(-np.abs(np.subtract.outer(range(6), range(6)))))


def test_truncated_normal_quantile_equals_scipy_and_is_accurate_in_the_tail():
    lo = np.array([-1.0, -np.inf, 0.5, -3.0])
    hi = np.array([2.0, 1.0, np.inf, -0.2])
    for p in (0.05, 0.5, 0.95):
        np.testing.assert_allclose(
            truncated_normal_quantile(p, lo, hi), stats.truncnorm.ppf(p, lo, hi), rtol=1e-10
        )
    # far in the right tail: the quantile of N(0,1) | Z > 30 is about 30 + E/30
    q = truncated_normal_quantile(0.5, np.array([30.0]), np.array([np.inf]))[0]
    assert q == pytest.approx(30 + np.log(2) / 30, rel=1e-4)


def test_folded_normal_quantile():
    assert folded_normal_quantile(0.95, 0.0) == pytest.approx(stats.norm.ppf(0.975), rel=1e-12)
    q = folded_normal_quantile(0.9, 1.3)
    assert stats.norm.cdf(q - 1.3) - stats.norm.cdf(-q - 1.3) == pytest.approx(0.9, abs=1e-12)


def test_dual_vertices_of_a_simplex():
    sd = np.array([1.0, 2.0, 4.0])
    v = dual_vertices(sd, np.zeros((3, 0)))
    np.testing.assert_allclose(v, np.diag(1 / sd))
    # with one nuisance column x = (1, -1, 0): gamma_1 = gamma_2 on the vertices
    v = dual_vertices(np.ones(3), np.array([[1.0], [-1.0], [0.0]]))
    rows = {tuple(np.round(r, 12)) for r in v}
    assert rows == {(0.5, 0.5, 0.0), (0.0, 0.0, 1.0)}


def test_one_moment_without_nuisance_is_the_one_sided_z_test():
    # a single moment Y ~ N(mu, 1): the conditional test rejects iff Y > z_{1-alpha}
    z = stats.norm.ppf(0.95)
    for y, reject in ((z - 1e-6, False), (z + 1e-6, True)):
        prob = ARPProblem(
            y0=np.array([y]), a=np.array([0.0]), x=np.zeros((1, 0)), s=np.eye(1), d=np.zeros(1)
        )
        assert bool(prob.accept(np.array([0.0]), 0.05)[0]) is (not reject)


def test_flci_with_m_zero_and_one_pre_period_extrapolates_the_linear_trend():
    # one pre-period (-1), one post-period (1), reference 0: under M = 0 the bias is linear,
    # delta_1 = -delta_-1, so the estimator is beta_1 + beta_-1 with its plain interval
    b = np.array([0.03, 0.1])
    s = np.array([[0.0004, 0.0001], [0.0001, 0.0009]])
    r = confidence_set(check_input(b, s, 1, 1), "smoothness", 0.0, inference="flci")
    sd = np.sqrt(0.0004 + 0.0009 + 2 * 0.0001)
    np.testing.assert_allclose(
        [r.lb, r.ub], [0.13 - 1.959963984540054 * sd, 0.13 + 1.959963984540054 * sd]
    )


def test_relative_magnitude_sets_grow_with_mbar():
    inp = check_input(BETA, SIGMA, 3, 3)
    widths = [
        confidence_set(inp, "relative_magnitude", mb, inference="conditional").ub
        - confidence_set(inp, "relative_magnitude", mb, inference="conditional").lb
        for mb in (0.0, 0.5, 1.0, 2.0)
    ]
    assert np.all(np.diff(widths) > 0)


def test_breakdown_value_brackets_the_switch():
    res = ev.honest_did(
        betahat=BETA,
        sigma=SIGMA,
        num_pre=3,
        num_post=3,
        inference="conditional",
        breakdown_tol=1e-6,
    )
    bd = res.breakdown
    lo, hi = bd.bracket
    assert 0 < lo < hi and hi - lo <= 1e-6
    inp = res.input
    at = {
        v: confidence_set(inp, "relative_magnitude", v, inference="conditional") for v in (lo, hi)
    }
    # below the breakdown value zero is excluded, above it included (up to the grid)
    assert not (at[lo].lb <= 0 <= at[lo].ub) or at[lo].ub < 2e-3
    assert at[hi].lb <= 2e-3


class _EventStudy:
    """A minimal event-study result: keys, tidy() with a reference row, and vcov()."""

    keys = ["rel_time"]

    def __init__(self, times, beta, sigma, reference=-1):
        self.times = list(times)
        self.beta = beta
        self.sigma = sigma
        self.reference = reference

    def tidy(self):
        t = pd.DataFrame({"rel_time": self.times, "estimate": self.beta})
        ref = pd.DataFrame({"rel_time": [self.reference], "estimate": [0.0]})
        out = pd.concat([t, ref]).sort_values("rel_time").reset_index(drop=True)
        out["reference"] = out["rel_time"] == self.reference
        return out

    def vcov(self):
        return pd.DataFrame(self.sigma, index=self.times, columns=self.times)


def test_result_protocol_equals_arrays():
    es = _EventStudy([-4, -3, -2, 0, 1, 2], BETA, SIGMA)
    a = ev.honest_did(es, mbar=[0, 1], e=1, breakdown=False)
    b = ev.honest_did(
        betahat=BETA, sigma=SIGMA, num_pre=3, num_post=3, mbar=[0, 1], l=[0, 1, 0], breakdown=False
    )
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())
    orig = a.tidy().iloc[0]
    se = np.sqrt(SIGMA[4, 4])
    np.testing.assert_allclose(
        [orig["lb"], orig["ub"]], [0.1 - 1.959963984540054 * se, 0.1 + 1.959963984540054 * se]
    )


def test_result_without_vcov_is_a_clear_error():
    class NoVcov:
        keys = ["rel_time"]

        def tidy(self):
            return pd.DataFrame({"rel_time": [0], "estimate": [1.0]})

    with pytest.raises(DataError, match=r"vcov\(\)"):
        ev.honest_did(NoVcov())


def test_gaps_in_event_time_are_a_clear_error():
    es = _EventStudy([-4, -3, 0, 1, 2, 3], BETA, SIGMA)
    with pytest.raises(DataError, match="consecutive"):
        ev.honest_did(es)


@pytest.mark.parametrize(
    "kw, err",
    [
        ({"method": "linear"}, OptionError),
        ({"inference": "flci"}, OptionError),  # FLCI is for smoothness only
        ({"alpha": 0.7}, OptionError),
        ({"m": [0.1]}, OptionError),
        ({"mbar": [-1.0]}, OptionError),
        ({"e": 5}, DataError),
    ],
)
def test_bad_options_raise(kw, err):
    with pytest.raises(err):
        ev.honest_did(betahat=BETA, sigma=SIGMA, num_pre=3, num_post=3, breakdown=False, **kw)


def test_bad_arrays_raise():
    with pytest.raises(DataError, match="num_pre"):
        check_input(BETA, SIGMA, 2, 3)
    bad = SIGMA.copy()
    bad[0, 0] = -1
    with pytest.raises(DataError, match="positive semi-definite"):
        check_input(BETA, bad, 3, 3)


def test_summary_in_both_languages_and_plot():
    res = ev.honest_did(
        betahat=BETA, sigma=SIGMA, num_pre=3, num_post=3, method="smoothness", m=[0, 0.01, 0.02]
    )
    de, en = res.summary("de").as_text(), res.summary("en").as_text()
    assert "Breakdown-Wert" in de and "Glattheit" in de and "," in de
    assert "Breakdown value" in en and "smoothness" in en
    fig = res.plot(lang="en")
    assert fig.axes[0].get_xlabel() == "M"
