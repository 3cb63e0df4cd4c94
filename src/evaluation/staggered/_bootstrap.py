"""Multiplier bootstrap of influence functions (Mammen weights), clustered, with sup-t bands.

The draws are fixed once per analysis (a seeded matrix of Mammen weights, one per cluster and
draw) and reused for every aggregation, so that group-time effects and their aggregations are
bootstrapped jointly.

Memory: the weights are kept as a draws x clusters matrix of 0/1 indicators in single
precision while it fits into :data:`MEMORY_BUDGET` (999 draws for up to about 67,000
clusters). Beyond, only the generator's state is kept and the indicators are generated again,
in blocks of :data:`CHUNK` draws, whenever draws are taken: a generator produces the same
stream whether its values are asked for at once or in consecutive pieces, and the product is
taken in the same blocks either way, so the draws are identical to the stored matrix's. The
memory of the weights is then ``CHUNK x clusters`` single-precision values (200 MB for
200,000 clusters) whatever the number of draws.
"""

from __future__ import annotations

from collections.abc import Iterator
from statistics import NormalDist
from typing import Any

import numpy as np

from ..options import check_draws
from ._influence import cluster_sums

SQ5 = np.sqrt(5.0)
MAMMEN_LOW = (1 - SQ5) / 2
MAMMEN_HIGH = (1 + SQ5) / 2
P_LOW = (SQ5 + 1) / (2 * SQ5)  # probability of the low value: mean 0, variance 1
CHUNK = 256
#: bytes of Mammen indicators kept in memory; larger bootstraps regenerate them in chunks
MEMORY_BUDGET = 256 * 2**20
# z_.75 - z_.25 of the standard normal (the standard library's inverse, so that the bootstrap
# does not import scipy.stats)
NORMAL_IQR = NormalDist().inv_cdf(0.75) - NormalDist().inv_cdf(0.25)


class MultiplierBootstrap:
    """Mammen multiplier draws for ``n_clusters`` clusters.

    ``draws(x)`` returns, for each draw b and column k, the perturbed mean
    ``sum_c V_bc * S_ck / n`` where ``S_ck`` is the sum of the influence function of column k
    over the units of cluster c, i.e. a draw from the approximate sampling distribution of the
    estimate minus its value. The map is linear in ``x``, so draws of linear combinations of
    influence functions are the same combinations of draws.

    ``max_bytes`` (default :data:`MEMORY_BUDGET`) bounds the memory of the weights: above it
    they are regenerated chunk by chunk from the seed in every ``draws`` call, with the same
    values (see the module docstring).
    """

    def __init__(
        self,
        cluster: np.ndarray,
        n_clusters: int,
        n_draws: int,
        seed: int | np.random.SeedSequence,
        progress: bool = False,
        max_bytes: int | None = None,
    ) -> None:
        check_draws("n_draws", n_draws, minimum=2)
        budget = MEMORY_BUDGET if max_bytes is None else int(max_bytes)
        rng = np.random.default_rng(seed)
        self.cluster = cluster
        self.n_clusters = n_clusters
        self.n_draws = int(n_draws)
        self.progress = progress
        self.stored = 4 * self.n_draws * n_clusters <= budget
        # draws per block of the product, the same whether the indicators are stored or
        # regenerated (and with a progress bar): a matrix product's rounding can depend on
        # the shape of the call, so equal blocks make the draws equal to the last bit
        self.chunk = CHUNK
        self._state: dict[str, Any] = dict(rng.bit_generator.state)
        self._bit_generator = type(rng.bit_generator)
        self._high: np.ndarray | None = None
        if self.stored:
            self._high = self._indicators(_Uniforms(rng), self.n_draws)

    def _indicators(self, source: _Uniforms, rows: int) -> np.ndarray:
        """Indicators of the high Mammen value, draws x clusters, in single precision (exact
        for 0/1) for the matrix product."""
        return source.at_least(P_LOW, (rows, self.n_clusters))

    def _blocks(self, chunk: int) -> Iterator[tuple[int, np.ndarray]]:
        """(first draw, indicators) of consecutive blocks of ``chunk`` draws."""
        rng = None
        if self._high is None:
            bit_generator = self._bit_generator()
            bit_generator.state = self._state
            rng = _Uniforms(np.random.Generator(bit_generator))
        starts: Any = range(0, self.n_draws, chunk)
        if self.progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="bootstrap", unit="chunk", leave=False)
        for b0 in starts:
            rows = min(chunk, self.n_draws - b0)
            if rng is None:
                assert self._high is not None
                yield b0, self._high[b0 : b0 + rows]
            else:
                yield b0, self._indicators(rng, rows)

    def draws(self, x: np.ndarray) -> np.ndarray:
        """Draws (n_draws, k) of the columns of ``x`` (n, k; a vector gives n_draws)."""
        x = np.asarray(x, dtype=float)
        vec = x.ndim == 1
        if vec:
            x = x[:, None]
        n = x.shape[0]
        s = cluster_sums(x, self.cluster, self.n_clusters)
        total = s.sum(axis=0)
        out = np.empty((self.n_draws, s.shape[1]))
        chunk = self.chunk
        # single precision for the product: its rounding (~1e-6 of a draw) is far below the
        # Monte Carlo error of any bootstrap quantity; the centring term stays in double
        s32 = s.astype(np.float32)
        for b0, high in self._blocks(chunk):
            out[b0 : b0 + len(high)] = MAMMEN_LOW * total + (MAMMEN_HIGH - MAMMEN_LOW) * (
                high @ s32
            )
        out /= n
        return out[:, 0] if vec else out


class _Uniforms:
    """Whether uniform draws in single precision reach a threshold, as
    ``Generator.random(shape, dtype=np.float32) >= threshold`` would say, from the same
    stream (also over consecutive calls) and 0.0/1.0 in single precision.

    With numpy's default bit generator (PCG64) a single-precision uniform is the upper 24 bits
    of a 32-bit draw, and the 32-bit draws are the lower then the upper halves of its 64-bit
    draws; so the comparison is one of the 32-bit integers with a threshold, taken on the raw
    64-bit draws (about twice as fast as making the floats). Other bit generators make the
    floats."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.raw = isinstance(rng.bit_generator, np.random.PCG64)
        self._carry: np.uint32 | None = None  # the upper half of the last 64-bit draw

    def at_least(self, threshold: float, shape: tuple[int, int]) -> np.ndarray:
        out = np.empty(shape, dtype=np.float32)
        if not self.raw:
            self.rng.random(shape, dtype=np.float32, out=out)
            np.greater_equal(out, np.float32(threshold), out=out, casting="unsafe")
            return out
        # u / 2^24 >= t for the 24-bit integer u: u >= ceil(t * 2^24) (exact in double)
        limit = np.uint32(int(np.ceil(float(np.float32(threshold)) * 2**24)) << 8)
        flat = out.reshape(-1)
        m, pos = flat.size, 0
        if self._carry is not None and m:
            flat[0] = self._carry >= limit
            self._carry, pos = None, 1
        rest = m - pos
        halves = (
            self.rng.bit_generator.random_raw((rest + 1) // 2).astype("<u8", copy=False).view("<u4")
        )
        np.greater_equal(halves[:rest], limit, out=flat[pos:], casting="unsafe")
        if rest % 2:
            self._carry = halves[rest]
        return out


def bootstrap_se(draws: np.ndarray, n: int) -> np.ndarray:
    """Robust bootstrap standard errors: interquartile range / (z_.75 - z_.25), as R ``did``.
    Degenerate columns (no variation, e.g. the reference cell) get NaN, with R's threshold."""
    q75 = _quantile_type1(draws, 0.75)
    q25 = _quantile_type1(draws, 0.25)
    se = (q75 - q25) / NORMAL_IQR
    return np.where(se * np.sqrt(n) > np.sqrt(np.finfo(float).eps) * 10, se, np.nan)


def _quantile_type1(d: np.ndarray, q: float) -> np.ndarray:
    """Inverse of the empirical distribution function (R's quantile type 1)."""
    return np.quantile(d, q, axis=0, method="inverted_cdf")


def sup_t_critical_value(draws: np.ndarray, se: np.ndarray, level: float) -> float:
    """Critical value c of the simultaneous band est +- c * se: the ``level`` quantile of the
    largest absolute t statistic over all columns with a non-degenerate standard error."""
    ok = np.isfinite(se)
    if not ok.any():
        return float("nan")
    t = np.abs(draws[:, ok] / se[ok]).max(axis=1)
    return float(np.quantile(t, level, method="inverted_cdf"))
