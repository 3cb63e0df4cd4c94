"""The conditional and hybrid moment-inequality test of Andrews, Roth & Pakes (ARP).

The test asks whether a vector ``Y`` (with covariance ``S``) satisfies ``E[Y] - X delta <= 0``
for some nuisance vector ``delta``. Its statistic is the value of the linear program

    eta = min_{eta, delta} eta  subject to  Y - X delta <= eta * sd(Y),

whose dual is ``max gamma'Y`` over the polytope ``{gamma >= 0, sd'gamma = 1, X'gamma = 0}``.
That polytope does not depend on ``Y``: its vertices are enumerated once, and every value of
``theta`` on a grid (and every simulated draw of the least-favourable critical value) is then
a matrix product. The test conditions on the optimal vertex; the truncation points ``vlo`` and
``vup`` follow in closed form from the other vertices (ARP 2023, section 4 and appendix D),
where other implementations find them by bisection.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from ..errors import DataError

#: the largest number of candidate bases enumerated for the dual vertices
MAX_BASES = 2_000_000
_TOL = 1e-10


def truncated_normal_quantile(p: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The ``p``-quantile of a standard normal truncated to ``[lo, hi]`` (vectorised), accurate
    in the tails (computed on the log scale of the side away from the mode)."""
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    lo, hi = np.broadcast_arrays(lo, hi)
    out = np.full(lo.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        right = lo >= 0
        left = hi <= 0
        mid = ~(right | left)
        # right tail: work with log survival functions
        if right.any():
            ls_lo = special.log_ndtr(-lo[right])
            ls_hi = special.log_ndtr(-hi[right])
            frac = -np.expm1(ls_hi - ls_lo)  # 1 - sf(hi)/sf(lo)
            log_sf_q = ls_lo + np.log1p(-p * frac)
            out[right] = -special.ndtri_exp(log_sf_q)
        if left.any():
            lc_lo = special.log_ndtr(lo[left])
            lc_hi = special.log_ndtr(hi[left])
            frac = -np.expm1(lc_lo - lc_hi)  # 1 - cdf(lo)/cdf(hi)
            log_cdf_q = lc_hi + np.log1p(-(1 - p) * frac)
            out[left] = special.ndtri_exp(log_cdf_q)
        if mid.any():
            c_lo = special.ndtr(lo[mid])
            c_hi = special.ndtr(hi[mid])
            out[mid] = special.ndtri(c_lo + p * (c_hi - c_lo))
    empty = ~(lo < hi)
    out[empty] = np.nan
    return out


def dual_vertices(sd: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Vertices of ``{gamma >= 0, sd'gamma = 1, X'gamma = 0}`` (rows of the returned array).

    Every vertex is a basic feasible solution: ``k + 1`` of the ``m`` coordinates solve the
    ``k + 1`` equalities, the others are zero. All bases are tried in batches.
    """
    m = len(sd)
    b = np.vstack([sd[None, :], x.T])  # (k+1) x m
    kp1 = b.shape[0]
    rhs = np.zeros(kp1)
    rhs[0] = 1.0
    if kp1 == 1:
        return np.diag(1.0 / sd)
    n_bases = math.comb(m, kp1)
    if n_bases > MAX_BASES:
        raise DataError(
            f"the sensitivity analysis has {m} moment inequalities and {kp1 - 1} nuisance "
            f"parameters ({n_bases} candidate bases): too large to enumerate; use fewer "
            "post-periods (a shorter event window)"
        )
    scale = np.abs(b).max()
    found = []
    combos = itertools.combinations(range(m), kp1)
    while True:
        chunk = np.array(list(itertools.islice(combos, 50_000)), dtype=np.intp)
        if chunk.size == 0:
            break
        mats = np.transpose(b[:, chunk], (1, 0, 2))  # n x (k+1) x (k+1)
        det = np.linalg.det(mats / scale)
        ok = np.abs(det) > 1e-10
        if not ok.any():
            continue
        sol = np.linalg.solve(mats[ok], np.broadcast_to(rhs, (int(ok.sum()), kp1))[..., None])
        sol = sol[..., 0]
        feasible = (sol >= -1e-12).all(axis=1)
        if not feasible.any():
            continue
        g = np.zeros((int(feasible.sum()), m))
        rows = np.arange(g.shape[0])[:, None]
        g[rows, chunk[ok][feasible]] = np.clip(sol[feasible], 0, None)
        found.append(g)
    if not found:
        raise DataError(
            "the sensitivity analysis found no solution of its linear program: check that the "
            "covariance matrix of the event-study coefficients is positive definite"
        )
    verts = np.vstack(found)
    # degenerate bases give the same vertex more than once
    key = np.round(verts / max(np.abs(verts).max(), 1e-300), 10)
    _, idx = np.unique(key, axis=0, return_index=True)
    return verts[np.sort(idx)]


def symmetric_sqrt(s: np.ndarray) -> np.ndarray:
    """The symmetric square root ``V diag(sqrt(max(ev, 0))) V'`` of a covariance matrix."""
    ev, vec = np.linalg.eigh(s)
    return (vec * np.sqrt(np.clip(ev, 0, None))) @ vec.T


@dataclass
class ARPProblem:
    """One moment-inequality problem ``E[y0 - a theta] - X delta <= 0`` with covariance ``s``.

    ``no_nuisance`` reproduces the variant used when there is one post-period (the statistic is
    the largest standardised moment; the critical value is floored at ``-gamma'd`` instead of
    0 and the least-favourable value does not cap the truncation), as in HonestDiD.
    """

    y0: np.ndarray
    a: np.ndarray
    x: np.ndarray
    s: np.ndarray
    d: np.ndarray
    no_nuisance: bool = False

    def __post_init__(self) -> None:
        self.sd = np.sqrt(np.diag(self.s))
        if not (self.sd > 0).all():
            raise DataError(
                "a moment of the sensitivity analysis has zero variance: the covariance matrix "
                "of the event-study coefficients is singular"
            )
        self.vertices = dual_vertices(self.sd, self.x)

    def eta(self, y: np.ndarray) -> np.ndarray:
        """The LP value for each column of ``y`` (m x n)."""
        return (self.vertices @ y).max(axis=0)

    def least_favourable_cv(self, kappa: float, z: np.ndarray) -> float:
        """The ``1 - kappa`` quantile of ``eta`` under ``Y ~ N(0, s)`` from standard normal
        draws ``z`` (sims x m)."""
        xi = z @ symmetric_sqrt(self.s)
        return float(np.quantile(self.eta(xi.T), 1 - kappa))

    def accept(
        self, theta: np.ndarray, alpha: float, lf_cv: float | None = None, kappa: float = 0.0
    ) -> np.ndarray:
        """Whether the test of size ``alpha`` accepts at each ``theta`` (conditional test; the
        least-favourable hybrid when ``lf_cv`` is given, with first-stage size ``kappa``)."""
        theta = np.atleast_1d(np.asarray(theta, dtype=float))
        y = self.y0[:, None] - self.a[:, None] * theta[None, :]  # m x G
        vals = self.vertices @ y  # V x G
        best = vals.argmax(axis=0)
        eta = vals[best, np.arange(len(theta))]
        g = self.vertices[best]  # G x m
        sg = g @ self.s  # G x m (S symmetric)
        sig2 = np.einsum("gm,gm->g", sg, g)
        reject = np.zeros(len(theta), dtype=bool)
        zero_var = sig2 < np.finfo(float).eps
        reject[zero_var] = eta[zero_var] > 0
        ok = ~zero_var
        sigma_b = np.sqrt(np.where(ok, sig2, 1.0))
        bvec = sg / np.where(ok, sig2, 1.0)[:, None]  # G x m, S gamma / (gamma'S gamma)
        vb = self.vertices @ bvec.T  # V x G
        num = vals - vb * eta[None, :]  # gamma_v' s_T
        den = 1.0 - vb
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = num / den
        pos = den > _TOL
        neg = den < -_TOL
        vlo = np.where(pos, ratio, -np.inf).max(axis=0)
        vup = np.where(neg, ratio, np.inf).min(axis=0)
        if lf_cv is not None:
            first = eta > lf_cv
            size = (alpha - kappa) / (1 - kappa)
            if not self.no_nuisance:
                vup = np.minimum(vup, lf_cv)
        else:
            first = np.zeros(len(theta), dtype=bool)
            size = alpha
        zlo = vlo / sigma_b
        zup = vup / sigma_b
        stat = eta / sigma_b
        q = truncated_normal_quantile(1 - size, zlo, zup)
        if self.no_nuisance:
            floor = -(g @ self.d)
        else:
            floor = np.zeros(len(theta))
        with np.errstate(invalid="ignore"):
            cval = np.fmax(floor, q)
            conditional = stat > cval
            if not self.no_nuisance:
                inside = (zlo <= stat) & (stat <= zup)
                conditional &= inside
        reject[ok] = (first | conditional)[ok]
        return ~reject
