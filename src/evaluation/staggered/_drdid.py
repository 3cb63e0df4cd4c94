"""Two-period, two-group DiD estimators for panel data with their influence functions.

These follow Sant'Anna & Zhao (2020): ``dr`` is the locally efficient doubly robust estimator
(outcome regression of the change among comparison units plus a logit propensity score),
``ipw`` the normalised (Hajek) inverse probability weighting estimator and ``reg`` the outcome
regression estimator. Each returns the estimate and its influence function with the
convention of R's DRDID package: ``att - truth ~ mean(inf)``.

All take the outcome change ``dy`` (n,) and a :class:`Design` with the treatment indicator
``d`` (n,), the design matrix ``x`` (n, k) whose first column is the intercept and sampling
weights ``w`` (n,) with mean 1.
"""

from __future__ import annotations

import numpy as np

from ..errors import CellNotEstimable, SeparationError

TRIM_LEVEL = 0.995  # comparison units with propensity scores above this are trimmed (as DRDID)


def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-x)), the formula of scipy's ``expit`` (the same
    values, up to the last bit of numpy's exp against the C library's), without importing
    ``scipy.special`` (about 0.25 s of the first fit with covariates). Large negative ``x``
    give exactly 0."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def diff_in_means(dy: np.ndarray, d: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """All three estimators without covariates: a difference of weighted mean changes."""
    wt = w * d
    wc = w * (1.0 - d)
    mt, mc = wt.mean(), wc.mean()
    eta_t = (wt * dy).mean() / mt
    eta_c = (wc * dy).mean() / mc
    inf = wt * (dy - eta_t) / mt - wc * (dy - eta_c) / mc
    return eta_t - eta_c, inf


def _newton_logit(x, d, w, tol: float = 1e-10, max_iter: int = 100):
    """Weighted logit by Newton's method with step halving (the log-likelihood never
    decreases). Returns the coefficients, or None when the fit does not converge or the
    information becomes singular (both happen under separation)."""
    pbar = np.clip((w * d).sum() / w.sum(), 1e-6, 1 - 1e-6)
    # start at the constant log-odds of the sample share (the intercept lies in the span of
    # the columns, also in the reduced basis of a separated design)
    beta = np.linalg.lstsq(x, np.full(len(d), np.log(pbar / (1 - pbar))), rcond=None)[0]

    def loglik(b: np.ndarray) -> float:
        eta = x @ b
        return float(np.sum(w * (d * eta - np.logaddexp(0.0, eta))))

    ll = loglik(beta)
    for _ in range(max_iter):
        p = expit(x @ beta)
        hess = (x * (w * p * (1 - p))[:, None]).T @ x
        grad = x.T @ (w * (d - p))
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        t = 1.0
        for _ in range(60):
            new = beta + t * step
            ll_new = loglik(new)
            if ll_new >= ll - 1e-12 * (1 + abs(ll)):
                break
            t /= 2
        beta, ll = new, ll_new
        if np.max(np.abs(t * step)) < tol * (1 + np.max(np.abs(beta))):
            return beta
    return None


def separated_units(x: np.ndarray, d: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """Units whose fitted propensity goes to 0 (comparison units) or 1 (treated units) as
    the logit likelihood approaches its supremum: those on the strict side of a separating
    hyperplane (complete or quasi-complete separation, Albert & Anderson 1984).

    A direction v separates when s_i x_i'v >= 0 for every unit (s = +1 treated, -1
    comparison); the units with s_i x_i'v > 0 are separated. One linear programme
    (maximise the sum of s_i x_i'v within a box, Konis 2007) finds some of them; repeated on
    the remaining units it finds all (a sum of separating directions separates their union).
    Returns a boolean mask."""
    from scipy.optimize import linprog

    scale = np.abs(x).max(axis=0)
    scale[scale == 0] = 1.0
    z = (x / scale) * np.where(d == 1, 1.0, -1.0)[:, None]
    out = np.zeros(len(d), dtype=bool)
    rest = np.arange(len(d))
    while len(rest):
        zr = z[rest]
        res = linprog(
            -zr.sum(axis=0),
            A_ub=-zr,
            b_ub=np.zeros(len(rest)),
            bounds=[(-1.0, 1.0)] * z.shape[1],
            method="highs",
        )
        if res.status != 0 or res.x is None:
            break
        margin = zr @ res.x
        sep = margin > tol
        if not sep.any():
            break
        out[rest[sep]] = True
        rest = rest[~sep]
    return out


def logit(x: np.ndarray, d: np.ndarray, w: np.ndarray, tol: float = 1e-10, max_iter: int = 100):
    """Weighted logistic regression (maximum likelihood) of the propensity score.

    Returns the fitted probabilities and the linear representation of the coefficients'
    estimation error as an (n, k) matrix ``lin`` such that the influence of the propensity
    score fit on a smooth functional with gradient ``m`` (with respect to the linear index
    coefficients) is ``lin @ m`` (R DRDID's ``score.ps %*% Hessian.ps``).

    Under quasi-complete separation (e.g. a covariate constant within the treated cohort
    at the edge of the comparison units' range, or a single treated unit with a binary
    covariate) the maximum likelihood estimate does not exist, but the fitted probabilities
    converge: to 0 for the separated comparison units, and to the logit fit among the other
    units (in the subspace their covariates span) for the rest. These limits are what R's
    ``glm``/``fastglm`` approach when they stop with "fitted probabilities numerically 0 or 1"
    and what R ``did`` then uses; they are computed here exactly, and the separated units get
    no influence on the fit. Raises :class:`SeparationError` when treated units are
    separated, i.e. their scores reach 0.999 or more (no overlap: R ``did`` reports such
    cells as missing) or when no comparison unit is left with a positive score.
    """
    n, k = x.shape
    beta = _newton_logit(x, d, w, tol, max_iter)
    if beta is not None:
        p = expit(x @ beta)
        info = (x * (w * p * (1 - p))[:, None]).T @ x
        if np.linalg.cond(info) < 1 / np.finfo(float).eps:
            lin = (x * (w * (d - p))[:, None]) @ np.linalg.inv(info) * n
            _check_overlap(p)
            return p, lin
    # no (usable) maximum: find the separated units and take the limit
    sep = separated_units(x, d)
    if not sep.any():
        raise SeparationError(
            "the propensity score model is singular: the covariates are collinear among the "
            "units of this comparison"
        )
    if (sep & (d == 1)).any():
        raise SeparationError(
            f"{int((sep & (d == 1)).sum())} treated unit(s) are perfectly separated from the "
            "comparison units by the covariates (estimated propensity scores of 1: no overlap)"
        )
    keep = ~sep
    if not (d[keep] == 0).any() or not (d[keep] == 1).any():
        raise SeparationError(
            "every comparison unit is perfectly separated from the treated units by the "
            "covariates (estimated propensity scores of 0: no overlap)"
        )
    xo = x[keep]
    _, sv, vt = np.linalg.svd(xo, full_matrices=False)
    rank = int((sv > sv[0] * 1e-10).sum())
    basis = vt[:rank].T  # k x r: the subspace spanned by the overlapping units' covariates
    xb = xo @ basis
    beta_r = _newton_logit(xb, d[keep], w[keep], tol, max_iter)
    if beta_r is None:
        raise SeparationError("the propensity score model does not converge")
    p = np.zeros(n)
    p[keep] = expit(xb @ beta_r)
    v = w[keep] * p[keep] * (1 - p[keep])
    info = (xb * v[:, None]).T @ xb
    lin = np.zeros((n, k))
    lin[keep] = ((xb * (w[keep] * (d[keep] - p[keep]))[:, None]) @ np.linalg.inv(info) * n) @ (
        basis.T
    )
    _check_overlap(p)
    return p, lin


def _check_overlap(p: np.ndarray) -> None:
    if p.max() >= 0.999:
        raise SeparationError(
            f"estimated propensity scores reach {p.max():.4f} (treated and comparison units "
            "barely overlap in the covariates)"
        )


class Design:
    """The parts of a 2x2 comparison that do not depend on the outcome: design matrix,
    treatment, weights, the propensity score fit and the comparison-unit OLS projection.
    Computed lazily and reused by every cell with the same units and covariate values."""

    def __init__(self, x: np.ndarray, d: np.ndarray, w: np.ndarray) -> None:
        self.x, self.d, self.w = x, d, w
        self.n = len(d)
        self._ps = None
        self._ols = None

    def propensity(self):
        """(w_t, w_c, lin_ps): treated and (odds-)weighted comparison weights after trimming
        as DRDID, and the linear representation of the logit coefficients. A failure (no
        overlap) is kept and raised again for every cell that shares the design."""
        if isinstance(self._ps, CellNotEstimable):
            raise self._ps
        if self._ps is None:
            x, d, w = self.x, self.d, self.w
            try:
                p, lin_ps = logit(x, d, w)
            except CellNotEstimable as err:
                self._ps = err
                raise
            p = np.minimum(p, 1 - 1e-6)
            trim = np.where(d == 1, True, p < TRIM_LEVEL)
            w_t = trim * w * d
            w_c = trim * w * p * (1 - d) / (1 - p)
            self._ps = (w_t, w_c, lin_ps)
        return self._ps

    def ols(self):
        """(wc, proj, xpx_inv): comparison-unit weights, the matrix mapping an outcome to its
        weighted OLS coefficients among comparison units, and inv(X'WX / n)."""
        if isinstance(self._ols, CellNotEstimable):
            raise self._ols
        if self._ols is None:
            x, d, w = self.x, self.d, self.w
            wc = w * (1.0 - d)
            xtx = (x * wc[:, None]).T @ x
            if np.linalg.cond(xtx) >= 1 / np.finfo(float).eps:
                self._ols = CellNotEstimable(
                    "the covariates are collinear among the comparison units (the outcome "
                    "regression cannot be fitted)"
                )
                raise self._ols
            xtx_inv = np.linalg.inv(xtx)
            self._ols = (wc, xtx_inv @ (x * wc[:, None]).T, xtx_inv * self.n)
        return self._ols

    def wols(self, dy: np.ndarray):
        """Fitted changes for all units and the linear representation of the OLS fit."""
        wc, proj, xpx_inv = self.ols()
        fit = self.x @ (proj @ dy)
        lin = (self.x * (wc * (dy - fit))[:, None]) @ xpx_inv
        return fit, lin


def drdid_panel(dy: np.ndarray, des: Design):
    """Locally efficient doubly robust DiD (Sant'Anna & Zhao 2020, eq. 3.1), panel data."""
    x = des.x
    w_t, w_c, lin_ps = des.propensity()
    fit, lin_ols = des.wols(dy)
    r = dy - fit
    eta_t = (w_t * r).mean() / w_t.mean()
    eta_c = (w_c * r).mean() / w_c.mean()
    inf_t = (w_t * r - w_t * eta_t - lin_ols @ (w_t[:, None] * x).mean(0)) / w_t.mean()
    m2 = (w_c[:, None] * (r - eta_c)[:, None] * x).mean(0)
    m3 = (w_c[:, None] * x).mean(0)
    inf_c = (w_c * r - w_c * eta_c + lin_ps @ m2 - lin_ols @ m3) / w_c.mean()
    return eta_t - eta_c, inf_t - inf_c


def ipw_did_panel(dy: np.ndarray, des: Design):
    """Normalised (Hajek) inverse probability weighting DiD, panel data."""
    w_t, w_c, lin_ps = des.propensity()
    eta_t = (w_t * dy).mean() / w_t.mean()
    eta_c = (w_c * dy).mean() / w_c.mean()
    inf_t = w_t * (dy - eta_t) / w_t.mean()
    m2 = (w_c[:, None] * (dy - eta_c)[:, None] * des.x).mean(0)
    inf_c = (w_c * (dy - eta_c) + lin_ps @ m2) / w_c.mean()
    return eta_t - eta_c, inf_t - inf_c


def reg_did_panel(dy: np.ndarray, des: Design):
    """Outcome regression DiD (Heckman, Ichimura & Todd 1997), panel data."""
    fit, lin_ols = des.wols(dy)
    w_t = des.w * des.d
    eta_t = (w_t * dy).mean() / w_t.mean()
    eta_c = (w_t * fit).mean() / w_t.mean()
    inf_t = w_t * (dy - eta_t) / w_t.mean()
    inf_c = (w_t * (fit - eta_c) + lin_ols @ (w_t[:, None] * des.x).mean(0)) / w_t.mean()
    return eta_t - eta_c, inf_t - inf_c


ESTIMATORS = {"dr": drdid_panel, "ipw": ipw_did_panel, "reg": reg_did_panel}
