"""The within transformation against dummy-variable least squares (numpy lstsq)."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.errors import DataError
from evaluation.stats.demean import demean

pytestmark = pytest.mark.usefixtures("frozen_results")


def _unbalanced(seed: int, n_units: int = 60, n_years: int = 12, keep: float = 0.7):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_years)
    year = np.tile(np.arange(n_years), n_units)
    obs = rng.random(unit.size) < keep
    unit, year = unit[obs], year[obs]
    n = unit.size
    third = rng.integers(0, 7, size=n)  # e.g. a state-by-period cell
    x = rng.normal(size=(n, 3)) + unit[:, None] * 0.1 + year[:, None] ** 1.5 * 0.2
    w = rng.uniform(0.2, 3.0, size=n)
    return unit, year, third, x, w


def _dummy_residuals(x: np.ndarray, factors: list[np.ndarray], w: np.ndarray | None):
    d = np.column_stack([np.eye(f.max() + 1)[f] for f in factors])
    sw = np.ones(len(x)) if w is None else np.sqrt(w)
    coef, *_ = np.linalg.lstsq(d * sw[:, None], x * sw[:, None], rcond=None)
    return x - d @ coef


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ways", [1, 2, 3])
def test_demean_equals_dummy_regression(ways: int, weighted: bool) -> None:
    unit, year, third, x, w = _unbalanced(seed=ways + 10 * weighted)
    factors = [unit, year, third][:ways]
    weights = w if weighted else None
    got = demean(x, factors, weights)
    want = _dummy_residuals(x, factors, weights)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


def test_demean_vector_and_matrix_forms_agree() -> None:
    unit, year, _, x, _ = _unbalanced(seed=3)
    both = demean(x, np.column_stack([unit, year]))
    one = demean(x[:, 1], [unit, year])
    assert one.shape == (len(x),)
    np.testing.assert_allclose(one, both[:, 1], atol=1e-12)


def test_demean_one_factor_is_group_mean_removal() -> None:
    unit, _, _, x, w = _unbalanced(seed=4)
    got = demean(x[:, 0], unit, w)
    means = np.bincount(unit, weights=w * x[:, 0]) / np.bincount(unit, weights=w)
    np.testing.assert_allclose(got, x[:, 0] - means[unit], atol=1e-13)


def test_demean_accepts_labels_as_codes() -> None:
    unit, year, _, x, _ = _unbalanced(seed=5)
    labels = np.array([f"u{u}" for u in unit])
    np.testing.assert_allclose(
        demean(x, [labels, year + 2000]), demean(x, [unit, year]), atol=1e-12
    )


def test_demean_does_not_modify_input() -> None:
    unit, year, _, x, _ = _unbalanced(seed=6)
    before = x.copy()
    demean(x, [unit, year])
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weights": -1.0}, "weights must be positive"),
        ({"tol": 0.0}, "tol must be"),
        ({"maxiter": 0}, "maxiter must be"),
    ],
)
def test_demean_rejects_bad_options(kwargs, match) -> None:
    unit, year, _, x, _ = _unbalanced(seed=7)
    if "weights" in kwargs:
        kwargs = {"weights": np.full(len(x), kwargs["weights"])}
    with pytest.raises(DataError, match=match):
        demean(x, [unit, year], **kwargs)


def test_demean_rejects_missing_values_and_wrong_lengths() -> None:
    unit, year, _, x, _ = _unbalanced(seed=8)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(DataError, match="missing or infinite"):
        demean(bad, [unit, year])
    with pytest.raises(DataError, match="one code per row"):
        demean(x, [unit[:-1], year])


def test_demean_reports_non_convergence() -> None:
    unit, year, _, x, _ = _unbalanced(seed=9)
    with pytest.raises(DataError, match="did not converge in 1 sweeps"):
        demean(x, [unit, year], maxiter=1)
