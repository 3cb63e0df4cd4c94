"""Cost per implemented measure: ratio estimator with municipality-cluster standard errors.

Reference: tests/results/make_costs_reference.R (R survey 4.1-1, svyratio on a cluster design
of municipalities) -> tests/results/costs_reference.csv, on the simulated measures of
tests/results/costs_data.csv.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError
from evaluation.results import base as results_base


@pytest.fixture(autouse=True, scope="module")
def complete_results():
    """Results are complete when they are made: with FREEZE on, setting an attribute of a
    result after its construction raises, in every test of this module."""
    saved = results_base.FREEZE
    results_base.FREEZE = True
    yield
    results_base.FREEZE = saved


RESULTS = Path(__file__).parent / "results"
DATA = pd.read_csv(RESULTS / "costs_data.csv", dtype={"municipality_id": str})
REF = pd.read_csv(RESULTS / "costs_reference.csv", keep_default_na=False)
STATUS = DATA[["measure_id", "status"]]
MEASURES = DATA.drop(columns="status")


@pytest.mark.parametrize("basis", ["all_measures", "implemented"])
def test_ratio_and_linearised_se_against_r_survey(basis):
    by_field = ev.measure_costs(MEASURES, STATUS, basis=basis).tidy()
    overall = ev.measure_costs(MEASURES, STATUS, by=None, basis=basis).tidy()
    overall["action_field"] = ""
    got = pd.concat([overall, by_field]).set_index(["cost", "action_field"])
    want = REF[REF["basis"] == basis].set_index(["cost", "action_field"])
    assert len(want) == 21
    np.testing.assert_allclose(got.loc[want.index, "estimate"], want["estimate"], rtol=1e-10)
    np.testing.assert_allclose(got.loc[want.index, "std_error"], want["std_error"], rtol=1e-8)


def test_hand_computed_ratio_and_counts():
    t = ev.measure_costs(MEASURES, STATUS, by=None, costs="cost_spent_eur").tidy().iloc[0]
    known = DATA["cost_spent_eur"].notna()
    impl = DATA["status"] == "implemented"
    assert t["n_measures"] == known.sum()
    assert t["n_implemented"] == (known & impl).sum()
    assert t["estimate"] == pytest.approx(
        DATA.loc[known, "cost_spent_eur"].sum() / (known & impl).sum(), rel=1e-12
    )
    mean_impl = ev.measure_costs(
        MEASURES, STATUS, by=None, costs="cost_spent_eur", basis="implemented"
    ).tidy()
    assert mean_impl["estimate"].iloc[0] == pytest.approx(
        DATA.loc[known & impl, "cost_spent_eur"].mean(), rel=1e-12
    )


def test_latest_report_decides_and_at_least_partial():
    reports = pd.concat(
        [
            STATUS.assign(report_year=2017, status="in_progress"),
            STATUS.assign(report_year=2018),
        ]
    )
    a = ev.measure_costs(MEASURES, reports).tidy()
    b = ev.measure_costs(MEASURES, STATUS).tidy()
    pd.testing.assert_frame_equal(a, b)
    partial = ev.measure_costs(MEASURES, STATUS, by=None, success="at_least_partial").tidy()
    ok = DATA["status"].isin(["implemented", "partially_implemented"])
    row = partial.set_index("cost").loc["cost_planned_eur"]
    assert row["n_implemented"] == ok.sum()


def test_bootstrap_interval_is_seeded_and_close_to_linearisation():
    kw = {"by": None, "costs": "cost_planned_eur", "interval": "bootstrap", "n_draws": 999}
    a = ev.measure_costs(MEASURES, STATUS, seed=1, **kw).tidy()
    b = ev.measure_costs(MEASURES, STATUS, seed=1, **kw).tidy()
    pd.testing.assert_frame_equal(a, b)
    lin = ev.measure_costs(MEASURES, STATUS, by=None, costs="cost_planned_eur").tidy()
    assert a["std_error"].iloc[0] == pytest.approx(lin["std_error"].iloc[0], rel=0.2)
    assert a["ci_low"].iloc[0] < a["estimate"].iloc[0] < a["ci_high"].iloc[0]


def test_summary_plot_and_errors():
    res = ev.measure_costs(MEASURES, STATUS)
    de = res.summary("de").as_text()
    assert "Kosten je umgesetzter Maßnahme" in de and "Steuerung" in de
    assert "Cost per implemented measure" in res.summary("en").as_text()
    assert any("without a value are left out" in n.en for n in res.notes)
    import matplotlib.pyplot as plt

    plt.close(res.plot(cost="staff_hours", lang="en"))
    bad = MEASURES.copy()
    bad.loc[4, "cost_planned_eur"] = -5
    with pytest.raises(DataError, match="row 4, field cost_planned_eur: -5 is negative"):
        ev.measure_costs(bad, STATUS)
    with pytest.raises(DataError, match="lacks the column"):
        ev.measure_costs(MEASURES.drop(columns="municipality_id"), STATUS)
    with pytest.raises(DataError, match="field status: 'done'"):
        ev.measure_costs(MEASURES, STATUS.assign(status="done"))
    with pytest.raises(ValueError, match="basis must be one of"):
        ev.measure_costs(MEASURES, STATUS, basis="per_euro")
