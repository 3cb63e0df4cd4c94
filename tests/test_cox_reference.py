"""The Cox model of time_to_implementation against R survival::coxph (Efron ties, robust
standard errors clustered by municipality).

Reference numbers: tests/results/cox_survival.csv, written by make_cox_survival.R from the
inputs that make_cox_inputs.py writes (the demo study's durations and a small data set with
many ties)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.implementation.survival import efron_score_residuals, fit_cox
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
FIELDS = ["work_family", "education", "counselling", "living_environment", "seniors_generations"]


def _reference(dataset: str) -> pd.DataFrame:
    ref = pd.read_csv(RESULTS / "cox_survival.csv")
    return ref[ref["dataset"] == dataset].reset_index(drop=True)


def _inputs(dataset: str) -> tuple[pd.DataFrame, np.ndarray]:
    d = pd.read_csv(RESULTS / f"cox_{dataset}_input.csv", dtype={"cluster": str})
    if dataset == "demo":
        x = np.column_stack([(d["action_field"] == f).to_numpy(float) for f in FIELDS])
    else:
        x = d[["x1", "x2"]].to_numpy(float)
    return d, x


@pytest.mark.parametrize("dataset", ["demo", "ties"])
def test_cox_efron_matches_r_survival(dataset):
    d, x = _inputs(dataset)
    ref = _reference(dataset)
    params, robust, naive = fit_cox(d["time"], d["event"], x, d["cluster"].to_numpy())
    np.testing.assert_allclose(params, ref["estimate"], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(np.sqrt(np.diag(naive)), ref["std_error_naive"], rtol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(robust)), ref["std_error_robust"], rtol=1e-6)


@pytest.mark.parametrize("dataset", ["demo", "ties"])
def test_efron_score_residuals_sum_to_zero_at_the_maximum(dataset):
    d, x = _inputs(dataset)
    params = _reference(dataset)["estimate"].to_numpy()
    resid, info = efron_score_residuals(d["time"].to_numpy(), d["event"].to_numpy(), x, params)
    assert np.abs(resid.sum(axis=0)).max() < 1e-6
    # the information is the derivative of the score: check by central differences
    h = 1e-6
    num = np.column_stack([
        (efron_score_residuals(d["time"], d["event"], x, params + h * e)[0].sum(0)
         - efron_score_residuals(d["time"], d["event"], x, params - h * e)[0].sum(0)) / (2 * h)
        for e in np.eye(len(params))
    ])  # fmt: skip
    np.testing.assert_allclose(-num, info, rtol=1e-5, atol=1e-6)


def test_time_to_implementation_cox_equals_r_on_the_demo_study():
    """End to end: the durations of the demo study are the stored input and the reported
    hazard-ratio model has R's coefficients and robust standard errors (statsmodels' own
    robust covariance was 13-16 % smaller)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tti = ev.time_to_implementation(ev.datasets.synthetic_study(seed=1))
    d, _ = _inputs("demo")
    dur = tti.durations
    assert (dur["time"].to_numpy() == d["time"].to_numpy()).all()
    assert (dur["event"].to_numpy() == d["event"].to_numpy()).all()
    ref = _reference("demo")
    got = tti.cox_coefficients.tidy()
    assert got["term"].tolist() == [f"action_field[{f}]" for f in FIELDS]
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-7)
    np.testing.assert_allclose(got["std_error"], ref["std_error_robust"], rtol=1e-6)
    hr = tti.cox.set_index("term")
    np.testing.assert_allclose(
        hr["estimate"].to_numpy(), np.exp(ref["estimate"].to_numpy()), rtol=1e-7
    )
