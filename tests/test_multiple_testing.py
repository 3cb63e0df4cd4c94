"""Holm and Romano-Wolf adjustments: against statsmodels, a hand computation and an explicit
re-implementation by loops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

import evaluation as ev
from evaluation.errors import DataError
from evaluation.stats import holm, romano_wolf
from evaluation.stats.multiple_testing import MultipleTestingOptionError

pytestmark = pytest.mark.usefixtures("frozen_results")


@pytest.mark.parametrize("seed", range(5))
def test_holm_equals_statsmodels(seed):
    p = np.random.default_rng(seed).uniform(0, 0.2, size=7)
    p[2] = p[4]  # a tie
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=1e-12)


def test_romano_wolf_hand_example():
    # t = (3, 2, 1); draws already centred (centre="none"), se = 1
    draws = np.zeros((100, 3))
    draws[:10, 0] = 3.5
    draws[10:30, 1] = -2.5
    draws[30:60, 2] = 1.5
    p = romano_wolf([3.0, 2.0, 1.0], [1.0, 1.0, 1.0], draws, centre="none")
    # h1: max over all three >= 3 in rows 0-9; h2: max over (h2, h3) >= 2 in rows 10-29;
    # h3: |t3*| >= 1 in rows 30-59
    np.testing.assert_allclose(p, [0.10, 0.20, 0.30])
    # the order of the hypotheses in the input does not matter
    p2 = romano_wolf([1.0, 3.0, 2.0], [1.0, 1.0, 1.0], draws[:, [2, 0, 1]], centre="none")
    np.testing.assert_allclose(p2, [0.30, 0.10, 0.20])


def _rw_loops(est, se, draws):
    """Romano & Wolf (2016), algorithm 4.1, written out with loops."""
    m, b = len(est), draws.shape[0]
    t = [abs(est[j] / se[j]) for j in range(m)]
    tb = [[abs((draws[r][j] - est[j]) / se[j]) for j in range(m)] for r in range(b)]
    order = sorted(range(m), key=lambda j: -t[j])
    out = [0.0] * m
    previous = 0.0
    for pos, j in enumerate(order):
        rest = order[pos:]
        count = 0
        for r in range(b):
            if max(tb[r][k] for k in rest) >= t[j]:
                count += 1
        previous = max(previous, count / b)
        out[j] = previous
    return out


@pytest.mark.parametrize("seed", range(3))
def test_romano_wolf_equals_a_loop_implementation(seed):
    rng = np.random.default_rng(seed)
    m, b = 5, 400
    corr = 0.6 * np.ones((m, m)) + 0.4 * np.eye(m)
    est = rng.normal(0, 1, m) * np.array([0.5, 1, 2, 3, 0.1])
    se = rng.uniform(0.5, 1.5, m)
    draws = est + (rng.multivariate_normal(np.zeros(m), corr, size=b) * se)
    np.testing.assert_allclose(romano_wolf(est, se, draws), _rw_loops(est, se, draws))


def test_romano_wolf_is_less_conservative_than_holm_under_strong_correlation():
    rng = np.random.default_rng(1)
    m, b = 6, 4000
    z = rng.normal(size=(b, 1)) + 0.05 * rng.normal(size=(b, m))
    est = np.full(m, 2.2)
    se = np.ones(m)
    rw = romano_wolf(est, se, est + z / z.std(axis=0))
    from scipy import stats

    p = 2 * stats.norm.sf(2.2)
    assert rw.max() < holm(np.full(m, p)).min()


class _Overall:
    def __init__(self, est, se, p):
        self.row = pd.DataFrame(
            {"term": ["effect"], "estimate": [est], "std_error": [se], "p_value": [p]}
        )

    def tidy(self):
        return self.row


def test_adjust_pvalues_on_a_family_of_results_names_the_family():
    fam = {"childcare_u3": _Overall(1.0, 0.4, 0.012), "births": _Overall(0.2, 0.3, 0.5)}
    res = ev.adjust_pvalues(fam, method="holm", family="overall effects by indicator")
    t = res.tidy()
    np.testing.assert_allclose(t["p_adjusted"], multipletests([0.012, 0.5], method="holm")[1])
    assert list(t["reject"]) == [True, False]
    de = res.summary("de").as_text()
    assert "Familie" in de and "overall effects by indicator" in de
    assert "Family" in res.summary("en").as_text()


def test_adjust_pvalues_romano_wolf_on_a_table_with_draws_by_name():
    table = pd.DataFrame(
        {
            "hypothesis": ["a", "b"],
            "estimate": [3.0, 1.0],
            "std_error": [1.0, 1.0],
            "p_value": [0.01, 0.3],
        }
    )
    draws = np.zeros((100, 2))
    draws[:7, 0] = 3.5
    draws[7:40, 1] = 1.2
    frame = pd.DataFrame(draws[:, ::-1], columns=["b", "a"])
    res = ev.adjust_pvalues(table, "romano_wolf", draws=frame, centre="none")
    np.testing.assert_allclose(res.tidy()["p_adjusted"], [0.07, 0.33])


def test_bad_inputs_raise():
    with pytest.raises(MultipleTestingOptionError):
        ev.adjust_pvalues(pd.DataFrame({"estimate": [1], "std_error": [1], "p_value": [0.1]}), "bh")
    with pytest.raises(DataError, match="draws"):
        ev.adjust_pvalues(
            pd.DataFrame({"estimate": [1.0], "std_error": [1.0], "p_value": [0.1]}), "romano_wolf"
        )
    with pytest.raises(DataError, match="between 0 and 1"):
        holm([0.1, np.nan])
    with pytest.raises(DataError, match="shape"):
        romano_wolf([1.0, 2.0], [1.0, 1.0], np.zeros((200, 3)))
