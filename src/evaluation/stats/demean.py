"""Within transformation by one or more fixed-effect factors (alternating projections).

:func:`demean` subtracts from every column of a matrix its (weighted) projection on the
dummies of one or more factors, i.e. it returns the residuals of a least-squares regression of
each column on all factor dummies together. For one factor this is one pass of group means
(exact). For several factors it uses the method of alternating projections (Gaure 2013; the
algorithm behind R ``fixest`` and Python ``pyfixest``): subtract the group means of each factor
in turn and repeat the sweep until no value changes by more than ``tol`` (relative to the
column's scale). Group sums are computed with one :func:`numpy.bincount` per factor and sweep
for all columns at once. Unbalanced panels (any pattern of missing unit-period cells) need no
special treatment.

By the Frisch-Waugh-Lovell theorem, regressing the demeaned outcome on the demeaned
regressors gives the coefficients of the regression with all fixed effects as dummies.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import DataError

__all__ = ["demean", "factor_codes"]


def factor_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense integer codes 0..G-1 of ``values`` (any hashable or numeric array) and G."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu" and arr.size and arr.min() >= 0 and arr.max() <= 4 * arr.size:
        present = np.bincount(arr)
        if np.all(present > 0):  # already dense codes
            return arr.astype(np.intp, copy=False), present.size
    _, codes = np.unique(arr, return_inverse=True)
    codes = codes.reshape(-1).astype(np.intp, copy=False)
    return codes, int(codes.max()) + 1 if codes.size else 0


def _as_factors(factors: np.ndarray | Sequence[np.ndarray], n: int) -> list[tuple[np.ndarray, int]]:
    if isinstance(factors, np.ndarray) and factors.ndim == 2:
        cols = [factors[:, j] for j in range(factors.shape[1])]
    elif isinstance(factors, np.ndarray) and factors.ndim == 1:
        cols = [factors]
    else:
        cols = [np.asarray(f) for f in factors]
    if not cols:
        raise DataError("demean needs at least one factor")
    out = []
    for j, f in enumerate(cols):
        if f.ndim != 1 or f.shape[0] != n:
            raise DataError(
                f"factor {j} has shape {f.shape}; every factor must be one code per row ({n} rows)"
            )
        if f.dtype.kind == "f" and np.isnan(f).any():
            raise DataError(f"factor {j} has missing codes; drop those rows first")
        out.append(factor_codes(f))
    return out


def demean(
    x: np.ndarray,
    factors: np.ndarray | Sequence[np.ndarray],
    weights: np.ndarray | None = None,
    *,
    tol: float = 1e-12,
    maxiter: int = 10_000,
    copy: bool = True,
) -> np.ndarray:
    """Columns of ``x`` minus their weighted least-squares projection on the factor dummies.

    Parameters
    ----------
    x
        Array of shape (n,) or (n, k); each column is demeaned.
    factors
        The fixed effects: one array of n codes (one factor), a sequence of such arrays, or
        an (n, m) array with one factor per column. Codes may be any integers or labels.
    weights
        Optional positive weights (n,), as in weighted least squares.
    tol
        Convergence tolerance of the alternating projections: the iteration stops when a
        full sweep changes no value by more than ``tol * (1 + max|x_j|)`` for every column j.
    maxiter
        Maximal number of sweeps.
    copy
        With False, a ``float64`` array in column-major (Fortran) order is demeaned in place
        and returned (no copy of a large design); any other array is copied as with True.

    Returns
    -------
    numpy.ndarray
        The demeaned array, same shape as ``x``, ``float64``.

    Raises
    ------
    DataError
        For inconsistent shapes, missing or non-finite values, non-positive weights, or when
        the iteration has not converged after ``maxiter`` sweeps.

    Notes
    -----
    With one factor the result is exact after one pass. With several factors the projection
    onto the sum of their dummy spaces is the limit of the alternating projections (von
    Neumann-Halperin); convergence is geometric, fast for panels where units and periods are
    well connected and slower for sparse, poorly connected designs. Columns are demeaned one
    after the other (each converging on its own), so the memory beyond the result is a few
    vectors of length n whatever the number of columns.
    """
    arr = np.asarray(x)
    vector = arr.ndim == 1
    if arr.ndim not in (1, 2):
        raise DataError(f"x must be a vector or a matrix, got shape {arr.shape}")
    mat = arr.reshape(-1, 1) if vector else arr
    n, k = mat.shape
    if not np.all(np.isfinite(mat)):
        raise DataError("x has missing or infinite values; drop or impute them before demeaning")
    if not (isinstance(tol, int | float) and tol > 0):
        raise DataError(f"tol must be a positive number, got {tol!r}")
    if not (isinstance(maxiter, int | np.integer) and maxiter >= 1):
        raise DataError(f"maxiter must be a positive integer, got {maxiter!r}")
    facs = _as_factors(factors, n)
    if weights is None:
        w = None
    else:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.shape[0] != n:
            raise DataError(f"weights has {w.shape[0]} values for {n} rows")
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise DataError("weights must be positive and finite in every row")
    in_place = not copy and mat.dtype == np.float64 and mat.flags.f_contiguous
    out = mat if in_place else np.array(mat, dtype=np.float64, order="F")
    if n == 0 or k == 0:
        return out.reshape(arr.shape)
    wsums = [np.bincount(codes, weights=w, minlength=g) for codes, g in facs]
    sweeps = 1 if len(facs) == 1 else maxiter
    for j in range(k):
        col = out[:, j]
        scale = tol * (1.0 + float(np.max(np.abs(col))))
        if not _demean_column(col, facs, wsums, w, scale, sweeps):
            raise DataError(
                f"the fixed effects did not converge in {maxiter} sweeps of alternating "
                f"projections (column {j} of {k} still changing); raise maxiter or check that "
                "the factors are connected (e.g. units observed in few, disjoint periods)"
            )
    return out.reshape(arr.shape)


def _demean_column(
    col: np.ndarray,
    facs: list[tuple[np.ndarray, int]],
    wsums: list[np.ndarray],
    w: np.ndarray | None,
    scale: float,
    sweeps: int,
) -> bool:
    """Alternating projections of one column in place; whether a sweep changed no value by
    more than ``scale`` (always True for one factor: one pass is exact)."""
    single = len(facs) == 1
    for _ in range(sweeps):
        before = None if single else col.copy()
        for (codes, g), wsum in zip(facs, wsums, strict=True):
            sums = np.bincount(codes, weights=col if w is None else col * w, minlength=g)
            col -= (sums / wsum)[codes]
        if single:
            return True
        assert before is not None
        before -= col
        if float(np.max(np.abs(before))) <= scale:
            return True
    return False
