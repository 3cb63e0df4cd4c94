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

from ..errors import DataError

TRIM_LEVEL = 0.995  # comparison units with propensity scores above this are trimmed (as DRDID)


class SeparationError(DataError):
    """The propensity score model separates treated and comparison units perfectly."""


def diff_in_means(dy: np.ndarray, d: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """All three estimators without covariates: a difference of weighted mean changes."""
    wt = w * d
    wc = w * (1.0 - d)
    mt, mc = wt.mean(), wc.mean()
    eta_t = (wt * dy).mean() / mt
    eta_c = (wc * dy).mean() / mc
    inf = wt * (dy - eta_t) / mt - wc * (dy - eta_c) / mc
    return eta_t - eta_c, inf


def logit(x: np.ndarray, d: np.ndarray, w: np.ndarray, tol: float = 1e-10, max_iter: int = 100):
    """Weighted logistic regression (maximum likelihood) by Newton's method with step halving,
    so that the log-likelihood never decreases. Returns the fitted probabilities and n times
    the inverse information (R's ``vcov(glm) * n``). Raises :class:`SeparationError` when the
    fit does not converge or the scores reach 0.999 (no overlap; R ``did`` gives up there too).
    """
    n, k = x.shape
    pbar = np.clip((w * d).sum() / w.sum(), 1e-6, 1 - 1e-6)
    beta = np.zeros(k)
    beta[0] = np.log(pbar / (1 - pbar))

    def loglik(b: np.ndarray) -> float:
        eta = x @ b
        return float(np.sum(w * (d * eta - np.logaddexp(0.0, eta))))

    ll = loglik(beta)
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        hess = (x * (w * p * (1 - p))[:, None]).T @ x
        grad = x.T @ (w * (d - p))
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            raise SeparationError("the propensity score model is singular") from None
        t = 1.0
        for _ in range(60):
            new = beta + t * step
            ll_new = loglik(new)
            if ll_new >= ll - 1e-12 * (1 + abs(ll)):
                break
            t /= 2
        beta, ll = new, ll_new
        if np.max(np.abs(t * step)) < tol * (1 + np.max(np.abs(beta))):
            break
    else:
        raise SeparationError("the propensity score model does not converge")
    p = 1.0 / (1.0 + np.exp(-(x @ beta)))
    if p.max() >= 0.999:
        raise SeparationError(
            f"estimated propensity scores reach {p.max():.4f} (treated and comparison units "
            "barely overlap in the covariates)"
        )
    v = w * p * (1 - p)
    hess_inv = np.linalg.inv((x * v[:, None]).T @ x)
    return p, hess_inv * n


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
        as DRDID, and the linear representation of the logit coefficients."""
        if self._ps is None:
            x, d, w = self.x, self.d, self.w
            p, hinv = logit(x, d, w)
            p = np.minimum(p, 1 - 1e-6)
            trim = np.where(d == 1, True, p < TRIM_LEVEL)
            w_t = trim * w * d
            w_c = trim * w * p * (1 - d) / (1 - p)
            lin_ps = (x * (w * (d - p))[:, None]) @ hinv
            self._ps = (w_t, w_c, lin_ps)
        return self._ps

    def ols(self):
        """(wc, proj, xpx_inv): comparison-unit weights, the matrix mapping an outcome to its
        weighted OLS coefficients among comparison units, and inv(X'WX / n)."""
        if self._ols is None:
            x, d, w = self.x, self.d, self.w
            wc = w * (1.0 - d)
            xtx_inv = np.linalg.inv((x * wc[:, None]).T @ x)
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
