"""The multiplier bootstrap in bounded memory: regenerating the Mammen weights chunk by chunk
from the seed gives exactly the draws of the stored weight matrix."""

from __future__ import annotations

import numpy as np
import pytest

import evaluation as ev
from evaluation.staggered import _bootstrap
from evaluation.staggered._bootstrap import MultiplierBootstrap


def _influence(n: int, k: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, k))


@pytest.mark.parametrize("budget", ["just_below", "tiny"])
@pytest.mark.parametrize("clustered", [False, True])
def test_chunked_draws_equal_stored_draws(budget: str, clustered: bool) -> None:
    n, n_draws = 1000, 2 * _bootstrap.CHUNK + 37
    cluster = np.arange(n) % 250 if clustered else np.arange(n)
    g = 250 if clustered else n
    x = _influence(n, 5, 1)
    max_bytes = 4 * n_draws * g - 1 if budget == "just_below" else 1
    stored = MultiplierBootstrap(cluster, g, n_draws, seed=42)
    chunked = MultiplierBootstrap(cluster, g, n_draws, seed=42, max_bytes=max_bytes)
    assert stored.stored and not chunked.stored
    assert chunked.chunk < n_draws  # really in pieces
    for _ in range(2):  # every call regenerates the same weights
        np.testing.assert_array_equal(chunked.draws(x), stored.draws(x))
    np.testing.assert_array_equal(chunked.draws(x[:, 0]), stored.draws(x[:, 0]))


def test_chunked_weights_are_mammen() -> None:
    """Known truth: the draws of a unit influence vector are mean(V_c)/... with Mammen
    weights of mean 0 and variance 1 (each cluster's own column)."""
    n, n_draws = 400, 4000
    boot = MultiplierBootstrap(np.arange(n), n, n_draws, seed=3, max_bytes=4 * n * 7)
    eye = np.eye(n)[:, :50] * n  # draws of column c = V_bc
    v = boot.draws(eye)
    assert set(np.round(np.unique(v), 12)) == {
        round(_bootstrap.MAMMEN_LOW, 12),
        round(_bootstrap.MAMMEN_HIGH, 12),
    }
    assert abs(v.mean()) < 4 * 1 / np.sqrt(v.size)
    assert abs(v.var() - 1) < 0.05


def test_att_gt_is_the_same_with_chunked_weights(monkeypatch) -> None:
    rng = np.random.default_rng(0)
    n, years = 300, np.arange(2010, 2018)
    cohort = rng.choice([0, 2013, 2015], size=n)
    y = rng.normal(size=(n, len(years))) + 0.3 * (
        (years[None, :] >= cohort[:, None]) & (cohort[:, None] > 0)
    )
    df = {
        "unit": np.repeat(np.arange(n), len(years)),
        "year": np.tile(years, n),
        "cohort": np.repeat(cohort, len(years)),
        "y": y.ravel(),
    }
    import pandas as pd

    df = pd.DataFrame(df)
    kw = dict(unit="unit", time="year", cohort="cohort", n_draws=999, seed=7)
    ref = ev.att_gt(df, "y", **kw)
    monkeypatch.setattr(_bootstrap, "MEMORY_BUDGET", 4 * n * 10)
    small = ev.att_gt(df, "y", **kw)
    assert not small._bootstrap.stored
    pd.testing.assert_frame_equal(small.tidy(), ref.tidy(), check_exact=True)
    for kind in ("simple", "dynamic", "group", "calendar"):
        pd.testing.assert_frame_equal(
            small.aggregate(kind).tidy(), ref.aggregate(kind).tidy(), check_exact=True
        )


@pytest.mark.parametrize("n_clusters", [1, 7, 250])
def test_mammen_indicators_are_the_float_draws_compared_with_the_low_probability(
    n_clusters: int,
) -> None:
    """The indicators come from the raw 64-bit draws; they are what numpy's single-precision
    uniforms of the same seed say (u >= P(low value)), also chunk by chunk with an odd number
    of values per chunk, and for a bit generator other than the default."""
    n_draws = 2 * _bootstrap.CHUNK + 37
    floats = np.random.default_rng(9).random((n_draws, n_clusters), dtype=np.float32)
    expected = (floats >= np.float32(_bootstrap.P_LOW)).astype(np.float32)
    cluster = np.arange(n_clusters)
    stored = MultiplierBootstrap(cluster, n_clusters, n_draws, seed=9)
    assert stored._high is not None and np.array_equal(stored._high, expected)
    chunked = MultiplierBootstrap(cluster, n_clusters, n_draws, seed=9, max_bytes=0)
    pieces = [high.copy() for _, high in chunked._blocks(13)]
    assert np.array_equal(np.vstack(pieces), expected)
    mt = _bootstrap._Uniforms(np.random.Generator(np.random.MT19937(9)))
    mt_floats = np.random.Generator(np.random.MT19937(9)).random((3, 5), dtype=np.float32)
    assert np.array_equal(mt.at_least(0.5, (3, 5)), (mt_floats >= 0.5).astype(np.float32))
