"""Synthetic control on the real-data district case study (skipped without ../shared).

Five districts with public certification dates, childcare rate for children under three
(INKAR, 2006-2020), 381 never-audited districts as donors. Every number the tests check is
recomputed here by hand from the raw panel: the pre- and post-period RMSPE from the reported
weights, the optimality of every synthetic control's weights (the Karush-Kuhn-Tucker
conditions of the simplex least-squares problem, a certificate independent of the solver), and
the placebo ranks and p-value by a plain count.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from conftest import shared_path
from evaluation.errors import DataError
from evaluation.ingest import district_case_study
from evaluation.synthetic.control import PERFECT_FIT

pytestmark = pytest.mark.shared

DISTRICTS = {"05111": 2010, "16052": 2015, "16065": 2015, "03459": 2017}  # with post years
HERFORD = "05758"  # certified 2021, the panel ends in 2020


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    study = district_case_study(
        shared_path("kreise", "gerda_county_covariates_inkar_1995_2022.csv"),
        shared_path("gemeindeverzeichnis", "31122023_Auszug_GV.xlsx"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study.panel("childcare_u3")


@pytest.fixture(scope="module")
def wide(panel) -> pd.DataFrame:
    return panel.pivot(index="municipality_id", columns="year", values="childcare_u3")


def kkt_gap(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    """How far w is from the optimality conditions of min ||a w - b||^2 on the simplex
    (0 at the optimum, relative to the gradient's size)."""
    g = a.T @ (a @ w - b)
    on = w > 0
    nu = g[on].mean()
    scale = max(np.abs(g).max(), np.abs(a).max() ** 2 * 1e-3)
    return float(max(np.ptp(g[on]), max(0.0, nu - g[~on].min()))) / scale


@pytest.fixture(scope="module")
def fits(panel) -> dict[str, ev.synthetic.SyntheticControlResult]:
    return {u: ev.synthetic_control(panel, treated=u) for u in DISTRICTS}


def test_each_audited_district_gets_an_optimal_synthetic_control(fits, wide, panel):
    donors = sorted(panel.loc[panel["cohort"] == 0, "municipality_id"].unique())
    assert len(donors) == 381
    for unit, onset in DISTRICTS.items():
        res = fits[unit]
        w = res.weights.tidy().set_index("unit")["weight"]
        assert w.sum() == pytest.approx(1, abs=1e-12) and (w > 0).all()
        assert set(w.index) <= set(donors)
        full = w.reindex(donors).fillna(0.0).to_numpy()
        years = wide.columns.to_numpy()
        pre, post = years < onset, years >= onset
        y1 = wide.loc[unit].to_numpy()
        y0 = wide.loc[donors].to_numpy()
        gap = y1 - full @ y0
        fit = res.fit.tidy().iloc[0]
        assert fit["rmspe_pre"] == pytest.approx(np.sqrt(np.mean(gap[pre] ** 2)), abs=1e-9)
        assert fit["rmspe_post"] == pytest.approx(np.sqrt(np.mean(gap[post] ** 2)), abs=1e-9)
        assert fit["n_pre"] == pre.sum() and fit["n_post"] == post.sum()
        assert kkt_gap(y0[:, pre].T, y1[pre], full) < 1e-7
        assert res.overall.estimate == pytest.approx(gap[post].mean(), abs=1e-9)
    # Duesseldorf has four pre-period years only: a perfect pre-period fit (inside the hull)
    assert fits["05111"].fit.tidy()["rmspe_pre"].iloc[0] < 1e-6
    assert fits["16052"].fit.tidy()["rmspe_pre"].iloc[0] > 0.1


def test_herford_has_no_post_period_and_is_left_out_of_the_joint_call(panel):
    with pytest.raises(DataError, match="05758 has no year from its onset 2021 on"):
        ev.synthetic_control(panel, treated=HERFORD)
    res = ev.synthetic_control(panel)
    assert sorted(res.fit.tidy()["treated_unit"]) == sorted(DISTRICTS)
    assert res.facts["left_out"] == [HERFORD]
    assert "05758" in res.summary("de").as_text()


@pytest.mark.parametrize("unit", ["16052", "03459"])
def test_placebo_p_value_equals_a_hand_count(fits, wide, panel, unit):
    onset = DISTRICTS[unit]
    pl = fits[unit].placebo("space")
    donors = sorted(panel.loc[panel["cohort"] == 0, "municipality_id"].unique())
    years = wide.columns.to_numpy()
    pre, post = years < onset, years >= onset
    weights = pl.weights
    ratios = {}
    for u in [unit, *donors]:
        w = weights[weights["unit"] == u].set_index("donor")["weight"]
        pool = [d for d in donors if d != u]
        assert set(w.index) <= set(pool)
        full = w.reindex(pool).fillna(0.0).to_numpy()
        y1 = wide.loc[u].to_numpy()
        y0 = wide.loc[pool].to_numpy()
        assert kkt_gap(y0[:, pre].T, y1[pre], full) < 1e-7, u
        gap = y1 - full @ y0
        rmspe_pre = np.sqrt(np.mean(gap[pre] ** 2))
        # documented: a pre-period RMSPE below 1e-9 of the outcome's scale is a perfect fit,
        # whose ratio is infinite
        perfect = rmspe_pre <= PERFECT_FIT * np.nanmax(np.abs(wide.to_numpy()))
        ratios[u] = np.inf if perfect else np.sqrt(np.mean(gap[post] ** 2)) / rmspe_pre
    rank = sum(r >= ratios[unit] for r in ratios.values())
    assert pl.p_values["rank"].iloc[0] == rank
    assert pl.p_value == pytest.approx(rank / 382)
    got = pl.tidy().set_index("unit")["rmspe_ratio"]
    np.testing.assert_allclose(got.loc[list(ratios)], list(ratios.values()), rtol=1e-7)


@pytest.mark.slow
def test_placebo_p_value_equals_a_loop_over_the_public_api(fits, panel):
    """The same count with every donor run through synthetic_control as the treated unit."""
    unit, onset = "16052", 2015
    small = panel[["municipality_id", "year", "childcare_u3", "cohort"]]
    base = small[small["cohort"] == 0]
    ratios = []
    for d in base["municipality_id"].unique():
        f = base.assign(cohort=np.where(base["municipality_id"] == d, onset, 0))
        r = ev.synthetic_control(f, "childcare_u3", treated=d).fit.tidy().iloc[0]
        ratios.append(r["rmspe_post"] / r["rmspe_pre"])
    mine = fits[unit].fit.tidy()["rmspe_ratio"].iloc[0]
    rank = 1 + sum(r >= mine for r in ratios)
    assert fits[unit].placebo("space").p_value == pytest.approx(rank / (len(ratios) + 1))


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield
