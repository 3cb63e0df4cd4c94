"""Implementation intensity per unit: hand counts on a tiny study, and the identity with
``implementation_rates`` (measure-count weighted mean of the per-unit shares)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import evaluation as ev
from evaluation.errors import DataError
from evaluation.implementation import ImplementationDataWarning
from evaluation.results import base as results_base
from test_implementation import build_study


@pytest.fixture(autouse=True, scope="module")
def complete_results():
    """Results are complete when they are made: with FREEZE on, setting an attribute of a
    result after its construction raises, in every test of this module."""
    saved = results_base.FREEZE
    results_base.FREEZE = True
    yield
    results_base.FREEZE = saved


@pytest.fixture
def study():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        yield build_study()


def intensity(study, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImplementationDataWarning)
        return ev.implementation_intensity(study, **kw)


def test_hand_counts(study):
    t = intensity(study).tidy().set_index(["municipality_id", "action_field"])
    # 05111: steering m1 implemented, m2 partial -> 1/2; education m3 implemented -> 1/1;
    # all fields 2/3
    assert t.loc[("05111", "steering"), ["n_measures", "n_success"]].tolist() == [2, 1]
    assert t.loc[("05111", "education"), ["n_measures", "n_success"]].tolist() == [1, 1]
    assert t.loc[("05111", "all"), "share"] == pytest.approx(2 / 3)
    # 05112: steering m4 discontinued (denominator, no success) -> 0/1; education m5
    # implemented, m6 in progress -> 1/2; all 1/3
    assert t.loc[("05112", "steering"), ["n_measures", "n_success"]].tolist() == [1, 0]
    assert t.loc[("05112", "education"), "share"] == pytest.approx(0.5)
    assert t.loc[("05112", "all"), "share"] == pytest.approx(1 / 3)
    # 06411: steering m7 implemented 1/1; education m8 partial (report 2 carried forward,
    # report 3 partial) -> 0/1
    assert t.loc[("06411", "education"), "share"] == 0.0
    assert t.loc[("06411", "all"), ["n_measures", "n_success"]].tolist() == [2, 1]
    # at least partial: m2 and m8 count too -> 05111 3/3, 06411 2/2
    t2 = intensity(study, success="at_least_partial").tidy()
    t2 = t2.set_index(["municipality_id", "action_field"])
    assert t2.loc[("05111", "all"), "share"] == 1.0
    assert t2.loc[("06411", "all"), "share"] == 1.0
    assert t2.loc[("05112", "all"), "share"] == pytest.approx(1 / 3)


def test_weighted_mean_reproduces_rates():
    study = ev.datasets.synthetic_study(seed=3, n_audited=25, n_comparison=30)
    for success in ("implemented", "at_least_partial"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImplementationDataWarning)
            t = ev.implementation_intensity(study, success=success).tidy()
            r = ev.implementation_rates(study, success=success, n_draws=100).tidy()
        r = r.set_index("action_field")
        for f, d in t.groupby("action_field"):
            mean = np.average(d["share"], weights=d["n_measures"])
            if f == "all":
                expected = r["n_success"].sum() / r["n_measures"].sum()
            else:
                expected = r.loc[f, "share"]
            assert mean == pytest.approx(expected, abs=1e-15), (success, f)


def test_field_selection_and_unit_intensity(study):
    res = intensity(study, field="education")
    assert set(res.tidy()["action_field"]) == {"education", "all"}
    s = res.unit_intensity("education")
    assert s.to_dict() == pytest.approx({"05111": 1.0, "05112": 0.5, "06411": 0.0})
    only = intensity(study, by="overall").tidy()
    assert set(only["action_field"]) == {"all"}
    with pytest.raises(DataError, match="steering"):
        res.unit_intensity("steering")
    with pytest.raises(ValueError, match="by must be"):
        ev.implementation_intensity(study, by="field")
    with pytest.raises(ValueError, match="field must be"):
        ev.implementation_intensity(study, field="childcare")


def test_summary_bilingual(study):
    res = intensity(study)
    assert "abgebrochene" in res.summary("de").as_text()
    assert "discontinued measures" in res.summary("en").as_text()
    assert res.summary("en").title == "Implementation intensity per unit"
    res.plot(lang="en")
