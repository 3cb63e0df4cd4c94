"""Weights on the unit simplex: the two solvers behind synthetic control and synthetic DiD.

- :func:`simplex_least_squares` solves ``min ||A w - b||^2`` subject to ``w >= 0`` and
  ``sum(w) = 1`` *exactly* (up to rounding). This is the inner problem of the synthetic control
  of Abadie, Diamond & Hainmueller (with a predictor weighting ``V`` folded into ``A`` and ``b``).
  It starts from an exact reformulation as non-negative least squares and then runs a primal
  active-set method (Nocedal & Wright 2006, Algorithm 16.3) to the point where the
  Karush-Kuhn-Tucker conditions hold: on the support the gradient is constant (the equality
  multiplier), off the support it is not smaller (relative tolerance ``1e-12``).
- :func:`frank_wolfe` is the Frank-Wolfe solver with exact line search that R ``synthdid``
  uses for its unit and time weights (ridge-penalised, with the same start, stopping rule and
  iteration limits, so that its weights are reproduced to rounding), vectorised over a batch of
  problems of the same shape (placebo and bootstrap draws are solved together).

The reformulation: for ``1'w = 1`` we have ``A w - b = (A - b 1') w``. Non-negative least
squares of ``[A - b 1'; 1'] v ~ [0; 1]`` minimises ``||(A - b 1') v||^2 + (1'v - 1)^2``; writing
``v = s u`` with ``u`` on the simplex, the first term is ``s^2 ||(A - b 1') u||^2``, so for every
``s`` the best ``u`` is the simplex solution, and ``w = v / sum(v)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

#: Relative tolerance of the optimality (KKT) check of :func:`simplex_least_squares`.
KKT_TOLERANCE = 1e-12
#: Steps after which the Frank-Wolfe solver recomputes A x and A'A x exactly.
REFRESH = 100
#: Largest memory of the Gram matrices of one Frank-Wolfe batch (larger batches are split).
MAX_GRAM_BYTES = 64 * 1024**2


@dataclass(frozen=True)
class SimplexFit:
    """Solution of a simplex-constrained least-squares problem."""

    weights: np.ndarray
    loss: float
    iterations: int


def _null_basis(m: int) -> np.ndarray:
    """Orthonormal basis (m x m-1) of the vectors that sum to zero."""
    q, _ = np.linalg.qr(np.ones((m, 1)), mode="complete")
    return q[:, 1:]


def simplex_least_squares(
    a: np.ndarray, b: np.ndarray, *, max_iter: int | None = None
) -> SimplexFit:
    """``argmin ||a w - b||^2`` over ``w >= 0, sum(w) = 1`` (exact active-set solution).

    Parameters
    ----------
    a
        Matrix (rows: what is to be fitted, e.g. pre-treatment years; columns: donors).
    b
        Target vector (the treated unit), one entry per row of ``a``.
    max_iter
        Limit of active-set iterations (default ``10 * columns + 100``).

    Returns
    -------
    SimplexFit
        ``weights`` (non-negative, summing to one), ``loss`` (the minimised sum of squares) and
        the number of active-set iterations after the start.

    Notes
    -----
    When several weight vectors fit equally well (the target lies inside the convex hull of
    the columns, or columns are collinear), the solution is one of them: the sparse one the
    active set reaches. The fit, not the weights, is unique then.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    n, j = a.shape
    if j == 1:
        w = np.ones(1)
        r = a[:, 0] - b
        return SimplexFit(w, float(r @ r), 0)
    scale = float(max(np.abs(a).max(), np.abs(b).max())) or 1.0
    a = a / scale
    b = b / scale
    c = np.vstack([a - b[:, None], np.ones((1, j))])
    v, _ = nnls(c, np.r_[np.zeros(n), 1.0], maxiter=10 * j + 100)
    w = v / v.sum() if v.sum() > 0 else np.full(j, 1.0 / j)
    free = w > 0
    limit = max_iter if max_iter is not None else 10 * j + 100
    gtol = KKT_TOLERANCE * max(1.0, float((a * a).sum(axis=0).max()))
    at_minimum = False
    steps = 0
    for _ in range(limit):
        steps += 1
        idx = np.flatnonzero(free)
        r = a @ w - b
        if at_minimum or len(idx) == 1:
            p = np.zeros(len(idx))
        else:
            z = _null_basis(len(idx))
            y = np.linalg.lstsq(a[:, idx] @ z, -r, rcond=None)[0]
            p = z @ y
        if not p.size or np.abs(p).max() <= 1e-14:
            # the current face is solved: check the multipliers of the zero weights
            at_minimum = False
            g = a.T @ r
            mult = g - g[idx].mean()
            mult[idx] = np.inf
            i = int(np.argmin(mult))
            if mult[i] >= -gtol:
                break
            free[i] = True
            continue
        neg = p < 0
        alpha = 1.0
        block = -1
        if neg.any():
            ratios = -w[idx][neg] / p[neg]
            k = int(np.argmin(ratios))
            if ratios[k] < 1.0:
                alpha = float(ratios[k])
                block = int(idx[np.flatnonzero(neg)[k]])
        w[idx] = w[idx] + alpha * p
        if block >= 0:
            w[block] = 0.0
        w[w < 0] = 0.0
        free = w > 0
        at_minimum = block < 0
    else:  # pragma: no cover - not reached in the tests; a guard against cycling
        raise RuntimeError("simplex least squares did not converge")
    w = np.clip(w, 0.0, None)
    w /= w.sum()
    r = (a @ w - b) * scale
    return SimplexFit(w, float(r @ r), steps)


# ---------------------------------------------------------------------------------------------
# Frank-Wolfe (R synthdid's solver), batched
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FrankWolfeFit:
    """Solutions of a batch of Frank-Wolfe problems (first axis: the batch)."""

    weights: np.ndarray
    iterations: np.ndarray
    objective: np.ndarray


def frank_wolfe(
    y: np.ndarray,
    zeta: float | np.ndarray,
    *,
    intercept: bool,
    start: np.ndarray | None,
    min_decrease: float | np.ndarray,
    max_iter: int,
    row_mask: np.ndarray | None = None,
    col_mask: np.ndarray | None = None,
) -> FrankWolfeFit:
    """Ridge-penalised simplex regression of the last column of ``y`` on the others, by
    Frank-Wolfe with exact line search, for a batch of problems at once.

    For each problem ``m`` (first axis) with rows ``r`` and columns ``c`` (``c`` weights and
    one target column), minimise ``zeta^2 ||w||^2 + ||A w - b||^2 / rows`` over the simplex,
    where ``A = y[m, :, :-1]`` and ``b = y[m, :, -1]`` (after removing the column means over
    the rows when ``intercept``). Iterate from ``start`` (default: equal weights) until an
    iteration lowers the objective by no more than ``min_decrease**2`` or ``max_iter`` steps
    are done: the algorithm and stopping rule of R ``synthdid``'s ``sc.weight.fw``.

    ``row_mask`` (batch x rows) and ``col_mask`` (batch x weights) mark the rows and weight
    columns that exist in each problem, so problems of different sizes can share one padded
    array: padded rows are ignored, padded columns keep the weight 0 and are never chosen.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 2:
        y = y[None]
    nb, nr, nc1 = y.shape
    nc = nc1 - 1
    chunk = max(1, MAX_GRAM_BYTES // (8 * nc * nc))
    if nb > chunk:  # the Gram matrices of a large batch are built in parts

        def part(v, sl):
            v = np.asarray(v) if v is not None else None
            return v[sl] if v is not None and v.ndim and v.shape[0] == nb else v

        fits = []
        for lo in range(0, nb, chunk):
            sl = slice(lo, lo + chunk)
            fits.append(
                frank_wolfe(
                    y[sl],
                    part(zeta, sl),
                    intercept=intercept,
                    start=part(start, sl),
                    min_decrease=part(min_decrease, sl),
                    max_iter=max_iter,
                    row_mask=part(row_mask, sl),
                    col_mask=part(col_mask, sl),
                )
            )
        return FrankWolfeFit(
            np.concatenate([f.weights for f in fits]),
            np.concatenate([f.iterations for f in fits]),
            np.concatenate([f.objective for f in fits]),
        )
    rows = np.ones((nb, nr), dtype=bool) if row_mask is None else np.asarray(row_mask, bool)
    cols = np.ones((nb, nc), dtype=bool) if col_mask is None else np.asarray(col_mask, bool)
    n_rows = rows.sum(axis=1).astype(float)
    y = np.where(rows[:, :, None], y, 0.0)
    if intercept:
        mean = y.sum(axis=1, keepdims=True) / n_rows[:, None, None]
        y = np.where(rows[:, :, None], y - mean, 0.0)
    a = y[:, :, :nc]
    b = y[:, :, nc]
    zeta2 = np.broadcast_to(np.asarray(zeta, dtype=float) ** 2, (nb,)).copy()
    eta = n_rows * zeta2
    md2 = np.broadcast_to(np.asarray(min_decrease, dtype=float) ** 2, (nb,))
    if start is None:
        x = np.where(cols, 1.0, 0.0)
        x /= x.sum(axis=1, keepdims=True)
    else:
        x = np.where(cols, np.asarray(start, dtype=float).reshape(nb, nc), 0.0)
    blocked = np.where(cols, 0.0, np.inf)
    if nb == 1:
        w, n_it, val = _fw_single(
            a[0],
            b[0],
            x[0].copy(),
            float(eta[0]),
            float(zeta2[0]),
            float(n_rows[0]),
            float(md2[0]),
            max_iter,
            blocked[0] if not cols.all() else None,
        )
        return FrankWolfeFit(w[None], np.array([n_it]), np.array([val]))
    active = np.ones(nb, dtype=bool)
    prev = np.full(nb, np.nan)
    last = np.full(nb, np.nan)
    iterations = np.zeros(nb, dtype=np.int64)
    batch = np.arange(nb)
    # Each step moves x towards one vertex e_i, so A x and A'A x change by one column each:
    # with the Gram matrix the iteration costs O(rows + weights) instead of O(rows * weights).
    # A x and A'A x are recomputed exactly every REFRESH steps against rounding drift.
    a_t = np.ascontiguousarray(np.swapaxes(a, 1, 2))  # batch x weights x rows
    gram = np.matmul(a_t, a)
    atb = np.matmul(a_t, b[:, :, None])[:, :, 0]
    ax = np.matmul(a, x[:, :, None])[:, :, 0]
    gx = np.matmul(gram, x[:, :, None])[:, :, 0]
    eta_c = eta[:, None]
    x = x.copy()
    xx = np.einsum("mc,mc->m", x, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(max_iter):
            if t and t % REFRESH == 0:
                if not active.any():
                    break
                ax = np.matmul(a, x[:, :, None])[:, :, 0]
                gx = np.matmul(gram, x[:, :, None])[:, :, 0]
            half_grad = gx - atb
            half_grad += eta_c * x
            i = np.argmin(half_grad + blocked, axis=1)
            dx = -x
            dx[batch, i] += 1.0
            derr = a_t[batch, i] - ax
            num = np.einsum("mc,mc->m", half_grad, dx)
            dx2 = np.einsum("mc,mc->m", dx, dx)
            den = np.einsum("mr,mr->m", derr, derr)
            den += eta * dx2
            step = np.minimum(np.maximum(-num / den, 0.0), 1.0)
            step[~((den > 0) & (dx2 > 0) & active)] = 0.0
            sc = step[:, None]
            x += sc * dx
            ax += sc * derr
            gx += sc * (gram[batch, i] - gx)  # the Gram matrix is symmetric
            err = ax - b
            xx = np.einsum("mc,mc->m", x, x)
            val = zeta2 * xx + np.einsum("mr,mr->m", err, err) / n_rows
            prev[active] = last[active]
            last[active] = val[active]
            iterations += active
            # R continues while fewer than two steps are done or the last one lowered the
            # objective by more than min_decrease^2
            if t >= 1:
                active &= (prev - last) > md2
    return FrankWolfeFit(x, iterations, last)


def _fw_single(
    a: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    eta: float,
    zeta2: float,
    n_rows: float,
    md2: float,
    max_iter: int,
    blocked: np.ndarray | None,
) -> tuple[np.ndarray, int, float]:
    """:func:`frank_wolfe` for one problem (the same steps without the batch axis)."""
    a_t = np.ascontiguousarray(a.T)
    gram = a_t @ a
    atb = a_t @ b
    ax = a @ x
    gx = gram @ x
    prev = last = float("nan")
    done = 0
    for t in range(max_iter):
        if t and t % REFRESH == 0:
            ax = a @ x
            gx = gram @ x
        half_grad = gx - atb + eta * x
        i = int(np.argmin(half_grad if blocked is None else half_grad + blocked))
        dx = -x
        dx[i] += 1.0
        derr = a_t[i] - ax
        dx2 = float(dx @ dx)
        den = float(derr @ derr) + eta * dx2
        if den > 0 and dx2 > 0:
            step = min(1.0, max(0.0, -float(half_grad @ dx) / den))
            x = x + step * dx
            ax = ax + step * derr
            gx = gx + step * (gram[i] - gx)
        err = ax - b
        prev, last = last, zeta2 * float(x @ x) + float(err @ err) / n_rows
        done += 1
        if t >= 1 and not (prev - last > md2):
            break
    return x, done, last


def sparsify(w: np.ndarray) -> np.ndarray:
    """R synthdid's ``sparsify_function``: weights at most a quarter of the largest set to 0,
    the rest rescaled to sum to one (row-wise for a batch)."""
    w = np.array(w, dtype=float, copy=True)
    if w.ndim == 1:
        w = w[None]
        squeeze = True
    else:
        squeeze = False
    w[w <= w.max(axis=1, keepdims=True) / 4] = 0.0
    w /= w.sum(axis=1, keepdims=True)
    return w[0] if squeeze else w
