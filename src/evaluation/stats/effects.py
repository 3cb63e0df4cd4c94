"""The within transformation of a sparse design through its fixed effects.

:func:`project` runs the alternating projections of :func:`evaluation.stats.demean.demean` on
the fixed-effect coefficients instead of the demeaned columns: with ``F_f`` the dummies of
factor f and ``E_f`` its effects (groups x columns), one sweep sets in turn

    E_f = (F_f' W Z - sum_{g != f} (F_f' W F_g) E_g) / (F_f' W 1),

the group means of the current residual ``Z - sum_g F_g E_g``, so ``M Z = Z - sum_f F_f E_f``
at convergence. The sweep costs products of the small cross-count matrices ``F_f' W F_g``
(units x periods) with the effects, not passes over the rows, and the demeaned design is never
formed: the cross products follow from ``Z' W M Z = Z' W Z - sum_f (F_f' W Z)' E_f`` and the
cluster scores from ``C' V M Z = C' V Z - sum_f (C' V F_f) E_f`` (C the cluster dummies, V the
weighted residuals on the diagonal). Memory grows with the non-zeros of Z and groups x columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from ..errors import DataError

__all__ = ["EffectsProjection", "project"]

#: cross-count matrices with at most this many cells are held dense
_DENSE_CELLS = 20_000_000


@dataclass(frozen=True)
class EffectsProjection:
    """The fixed-effect projection of the columns of a sparse design ``z``.

    Attributes
    ----------
    z
        The design (rows x columns, CSC).
    codes, sizes
        The integer codes 0..G-1 of every factor and their numbers of groups.
    effects
        Per factor the effects of every column (groups x columns).
    gram
        ``Z' W M Z``, the weighted cross products of the demeaned columns.
    """

    z: Any
    codes: tuple[np.ndarray, ...]
    sizes: tuple[int, ...]
    effects: tuple[np.ndarray, ...]
    gram: np.ndarray

    def demeaned(self, c: np.ndarray) -> np.ndarray:
        """``M Z c``: the demeaned linear combination ``c`` of the columns (a row vector)."""
        out = np.asarray(self.z @ c, dtype=float).reshape(-1)
        for codes, eff in zip(self.codes, self.effects, strict=True):
            out -= (eff @ c)[codes]
        return out

    def scores(self, clusters: np.ndarray, v: np.ndarray, columns: slice) -> np.ndarray:
        """``C' diag(v) M Z`` for the given columns: the sums within clusters (codes
        0..C-1) of ``v_i`` times the demeaned rows (clusters x columns)."""
        n = len(v)
        n_cl = int(clusters.max()) + 1
        cv = sparse.csr_array((v, (clusters, np.arange(n))), shape=(n_cl, n))
        out = (cv @ self.z[:, columns]).toarray()
        for codes, size, eff in zip(self.codes, self.sizes, self.effects, strict=True):
            cf = sparse.csr_array((v, (clusters, codes)), shape=(n_cl, size))
            out -= cf @ eff[:, columns]
        return out


def _cross(a: np.ndarray, ga: int, b: np.ndarray, gb: int, w: np.ndarray | None) -> Any:
    vals = np.ones(len(a)) if w is None else w
    m = sparse.csr_array((vals, (a, b)), shape=(ga, gb))
    return m.toarray() if ga * gb <= _DENSE_CELLS else m


def project(
    z: Any,
    factors: Sequence[tuple[np.ndarray, int]],
    weights: np.ndarray | None = None,
    *,
    tol: float = 1e-12,
    maxiter: int = 10_000,
) -> EffectsProjection:
    """The fixed-effect projection of the columns of the sparse matrix ``z``.

    Parameters
    ----------
    z
        A SciPy sparse matrix (rows x columns), finite.
    factors
        Per factor the integer codes 0..G-1 of every row and G.
    weights
        Optional positive weights of the rows.
    tol, maxiter
        As in :func:`evaluation.stats.demean.demean`: the sweeps stop when no demeaned value
        of any column can have changed by more than ``tol * (1 + max|z_j|)`` (the sum over
        the factors of the largest change of an effect bounds the change of every row).

    Returns
    -------
    EffectsProjection

    Raises
    ------
    DataError
        When the sweeps have not converged after ``maxiter``.
    """
    z = sparse.csc_array(z)
    n, m = z.shape
    codes = tuple(np.asarray(c, dtype=np.intp) for c, _ in factors)
    sizes = tuple(int(g) for _, g in factors)
    w = None if weights is None else np.asarray(weights, dtype=float)
    ones = np.ones(n) if w is None else w
    ftz = []  # F_f' W Z (groups x columns)
    counts = []  # F_f' W 1
    for c, g in zip(codes, sizes, strict=True):
        fw = sparse.csr_array((ones, (c, np.arange(n))), shape=(g, n))
        ftz.append((fw @ z).toarray())
        counts.append(np.bincount(c, weights=w, minlength=g))
    nf = len(codes)
    cross = {
        (f, h): _cross(codes[f], sizes[f], codes[h], sizes[h], w)
        for f in range(nf)
        for h in range(nf)
        if f != h
    }
    effects = [np.zeros((g, m)) for g in sizes]
    scale = tol * (1.0 + abs(z).max(axis=0).toarray().reshape(-1))
    for _ in range(1 if nf == 1 else maxiter):
        change = np.zeros(m)
        for f in range(nf):
            rhs = ftz[f].copy()
            for h in range(nf):
                if h != f:
                    rhs -= cross[(f, h)] @ effects[h]
            new = rhs / counts[f][:, None]
            change += np.abs(new - effects[f]).max(axis=0, initial=0.0)
            effects[f] = new
        if nf == 1 or np.all(change <= scale):
            break
    else:
        raise DataError(
            f"the fixed effects did not converge in {maxiter} sweeps of alternating "
            "projections; raise maxiter or check that the factors are connected (e.g. units "
            "observed in few, disjoint periods)"
        )
    wz = z if w is None else sparse.csc_array(z.multiply(w[:, None]))
    gram = (wz.T @ z).toarray()
    for f in range(nf):
        gram -= ftz[f].T @ effects[f]
    return EffectsProjection(
        z=z,
        codes=codes,
        sizes=sizes,
        effects=tuple(effects),
        gram=(gram + gram.T) / 2,
    )
