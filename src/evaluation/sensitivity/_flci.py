"""Fixed-length confidence intervals (FLCI) under smoothness restrictions Delta^SD(M).

Armstrong & Kolesar's FLCI, as used by Rambachan & Roth (2023, section 4.1): among affine
estimators ``v'betahat`` with post-period weights ``l``, choose the pre-period weights that
minimise the half-length ``cv_alpha(bias / sd) * sd``, where ``bias`` is the worst-case bias over
``Delta^SD(M)`` and ``cv_alpha(t)`` is the ``1 - alpha`` quantile of ``|N(t, 1)|``.

The weights are parametrised as in Rambachan & Roth's appendix: ``w`` with ``l_pre = D w``
(``D`` takes first differences), the worst-case bias is ``M * (c + sum_i |sum_{k<=i} w_k|)``
subject to ``sum(w) = sum_s s * l_s``. For a given standard deviation ``h`` the smallest bias
is a convex program (solved with SLSQP on the variables ``(U, w)``); the half-length is then
minimised over ``h`` (a convex function of one variable).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from ..errors import DataError


def folded_normal_quantile(p: float, mu: float) -> float:
    """The ``p``-quantile of ``|Z + mu|`` for a standard normal ``Z`` (exact, by root-finding)."""
    mu = abs(float(mu))

    def f(q: float) -> float:
        return float(special.ndtr(q - mu) - special.ndtr(-q - mu)) - p

    hi = mu + stats.norm.ppf(p) + 10.0
    return float(optimize.brentq(f, 0.0, hi, xtol=1e-14, rtol=1e-14, maxiter=500))


def _w_to_l(w: np.ndarray) -> np.ndarray:
    out = w.copy()
    out[1:] -= w[:-1]
    return out


@dataclass
class FLCIResult:
    """The FLCI at one ``M``: bounds, half-length, the estimator's weights ``v`` (pre then
    post) and its standard deviation ``h``."""

    lb: float
    ub: float
    half_length: float
    weights: np.ndarray
    sd: float


class _FLCIProblem:
    def __init__(self, sigma: np.ndarray, num_pre: int, num_post: int, l_vec: np.ndarray):
        self.k = num_pre
        self.l = l_vec
        s_pre = sigma[:num_pre, :num_pre]
        s_pp = sigma[:num_pre, num_pre:]
        s_post = float(l_vec @ sigma[num_pre:, num_pre:] @ l_vec)
        dmat = np.eye(num_pre)
        for c in range(num_pre - 1):
            dmat[c + 1, c] = -1.0
        # variance of the estimator as a function of w: w'Qw + q'w + q0
        self.q_mat = dmat.T @ s_pre @ dmat
        self.q_lin = 2 * dmat.T @ s_pp @ l_vec
        self.q0 = s_post
        s = np.arange(1, num_post + 1)
        self.total = float(s @ l_vec)
        self.const = (
            sum(abs(float(np.arange(1, j + 1) @ l_vec[num_post - j :])) for j in s) - self.total
        )
        self.lower = np.tril(np.ones((num_pre, num_pre)))

    def variance(self, w: np.ndarray) -> float:
        return float(w @ self.q_mat @ w + self.q_lin @ w + self.q0)

    def bias(self, w: np.ndarray) -> float:
        return self.const + float(np.abs(self.lower @ w).sum())

    def lowest_h(self) -> tuple[float, np.ndarray]:
        """The smallest standard deviation (min variance subject to sum(w) = total)."""
        k = self.k
        kkt = np.zeros((k + 1, k + 1))
        kkt[:k, :k] = 2 * self.q_mat
        kkt[:k, k] = 1.0
        kkt[k, :k] = 1.0
        rhs = np.concatenate([-self.q_lin, [self.total]])
        sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0]
        w = sol[:k]
        return float(np.sqrt(max(self.variance(w), 0.0))), w

    def h_min_bias(self) -> tuple[float, np.ndarray]:
        w = np.zeros(self.k)
        w[-1] = self.total
        return float(np.sqrt(max(self.variance(w), 0.0))), w

    def min_bias_given_h(self, h: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        """Smallest worst-case bias (per unit of M) among estimators with sd <= h."""
        k = self.k
        if k == 1:
            w = np.array([self.total])
            return self.bias(w), w
        lower = self.lower
        x0 = np.concatenate([np.abs(lower @ start) + 1e-9, start])

        def obj(x):
            return self.const + x[:k].sum()

        def obj_grad(x):
            return np.concatenate([np.ones(k), np.zeros(k)])

        a_abs = np.vstack(
            [np.hstack([np.eye(k), -lower]), np.hstack([np.eye(k), lower])]
        )  # U - Lw >= 0, U + Lw >= 0
        cons = [
            {"type": "ineq", "fun": lambda x: a_abs @ x, "jac": lambda x: a_abs},
            {
                "type": "eq",
                "fun": lambda x: np.array([x[k:].sum() - self.total]),
                "jac": lambda x: np.concatenate([np.zeros(k), np.ones(k)])[None, :],
            },
            {
                "type": "ineq",
                "fun": lambda x: np.array([(h * h - self.variance(x[k:])) / (h * h)]),
                "jac": lambda x: np.concatenate(
                    [np.zeros(k), -(2 * self.q_mat @ x[k:] + self.q_lin) / (h * h)]
                )[None, :],
            },
        ]
        res = optimize.minimize(
            obj,
            x0,
            jac=obj_grad,
            constraints=cons,
            method="SLSQP",
            options={"ftol": 1e-14, "maxiter": 1000},
        )
        w = res.x[k:]
        return self.bias(w), w


def optimal_flci(
    betahat: np.ndarray,
    sigma: np.ndarray,
    num_pre: int,
    num_post: int,
    l_vec: np.ndarray,
    m: float,
    alpha: float,
) -> FLCIResult:
    """The optimal FLCI for ``l'tau_post`` under ``Delta^SD(m)``."""
    prob = _FLCIProblem(sigma, num_pre, num_post, l_vec)
    h_lo, w_lo = prob.lowest_h()
    h_hi, w_hi = prob.h_min_bias()
    cache: dict[float, tuple[float, np.ndarray]] = {}

    def solve(h: float) -> tuple[float, np.ndarray]:
        if h not in cache:
            start = w_lo if abs(h - h_lo) < abs(h - h_hi) else w_hi
            cache[h] = prob.min_bias_given_h(h, start)
        return cache[h]

    def half_length(h: float) -> float:
        b, _ = solve(h)
        return folded_normal_quantile(1 - alpha, m * b / h) * h

    if h_hi - h_lo <= 1e-12 * max(h_hi, 1e-300) or num_pre == 1:
        h_star = h_hi
        w = w_hi if num_pre == 1 else solve(h_star)[1]
    else:
        # half_length is convex in h; bounded scalar minimisation, then a check of the ends
        lo = h_lo * (1 + 1e-9)
        res = optimize.minimize_scalar(
            half_length, bounds=(lo, h_hi), method="bounded", options={"xatol": 1e-7 * h_hi}
        )
        cands = [(float(res.fun), float(res.x)), (half_length(lo), lo), (half_length(h_hi), h_hi)]
        _, h_star = min(cands)
        w = solve(h_star)[1]
    b = prob.bias(w)
    sd = float(np.sqrt(max(prob.variance(w), 0.0)))
    if not np.isfinite(sd) or sd <= 0:
        raise DataError(
            "the FLCI has zero standard deviation: the covariance matrix of the event-study "
            "coefficients is singular"
        )
    hl = folded_normal_quantile(1 - alpha, m * b / sd) * sd
    v = np.concatenate([_w_to_l(w), l_vec])
    centre = float(v @ betahat)
    return FLCIResult(centre - hl, centre + hl, hl, v, sd)
