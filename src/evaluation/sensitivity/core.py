"""Robust confidence sets under violations of parallel trends, on arrays.

Rambachan & Roth (2023), "A More Credible Approach to Parallel Trends", Review of Economic
Studies 90(5). The event-study coefficients ``betahat`` (pre-periods first, then post-periods,
the reference period omitted) estimate ``beta = tau + delta``, where ``delta`` is the bias from
a violation of parallel trends (``tau_pre = 0``). The target is ``theta = l'tau_post``. Two
restrictions on ``delta`` are offered:

* relative magnitudes ``Delta^RM(Mbar)``: no post-period change of the bias exceeds ``Mbar``
  times the largest pre-period change;
* smoothness ``Delta^SD(M)``: the slope of the bias changes by at most ``M`` per period.

Confidence sets come from inverting the conditional (or hybrid conditional-least-favourable)
test of Andrews, Roth & Pakes over a grid of ``theta`` (HonestDiD's grid by default: 1,000
points over ``+-20`` standard errors, for smoothness around the identified set under zero
coefficients), and for smoothness also the fixed-length confidence interval (FLCI). The
breakdown value is the smallest ``Mbar`` (or ``M``) at which ``theta = 0`` is no longer
rejected, found by bisection of the test at ``theta = 0`` to a stated tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import optimize

from ..errors import DataError, OptionError
from ..options import Restriction, SensitivityInference
from ._arp import ARPProblem
from ._flci import FLCIResult, optimal_flci

#: deprecated alias of :data:`evaluation.options.SensitivityInference`
Inference = SensitivityInference
#: the robust confidence sets each restriction offers
INFERENCE: dict[str, tuple[str, ...]] = {
    "relative_magnitude": ("conditional", "hybrid"),
    "smoothness": ("flci", "conditional", "hybrid"),
}
LF_SIMS = 1000


@dataclass
class EventStudyInput:
    """Checked inputs: coefficients, covariance, the numbers of pre- and post-periods and the
    weights ``l`` on the post-periods."""

    betahat: np.ndarray
    sigma: np.ndarray
    num_pre: int
    num_post: int
    l_vec: np.ndarray

    @property
    def estimate(self) -> float:
        """The target ``l'beta_post`` under parallel trends."""
        return float(self.l_vec @ self.betahat[self.num_pre :])

    @property
    def std_error(self) -> float:
        """The standard error of :attr:`estimate`."""
        post = self.sigma[self.num_pre :, self.num_pre :]
        return float(np.sqrt(self.l_vec @ post @ self.l_vec))


def check_input(betahat, sigma, num_pre: int, num_post: int, l_vec=None) -> EventStudyInput:
    """Check and convert the inputs (a :class:`~evaluation.errors.DataError` names what is
    wrong). ``l_vec`` defaults to the first post-period."""
    b = np.asarray(betahat, dtype=float).ravel()
    s = np.asarray(sigma, dtype=float)
    for name, v in (("num_pre", num_pre), ("num_post", num_post)):
        if not isinstance(v, int | np.integer) or v < 1:
            raise DataError(f"{name} must be a positive integer, got {v!r}")
    n = num_pre + num_post
    if b.shape != (n,):
        raise DataError(
            f"betahat has {b.size} coefficients but num_pre + num_post = {n}: pass the pre- "
            "then post-period coefficients without the reference period"
        )
    if s.shape != (n, n):
        raise DataError(f"sigma must be a {n} x {n} matrix, got shape {s.shape}")
    if not (np.isfinite(b).all() and np.isfinite(s).all()):
        raise DataError("betahat and sigma must be finite (a coefficient or variance is missing)")
    if not np.allclose(s, s.T, rtol=1e-8, atol=1e-14 * max(np.abs(s).max(), 1e-300)):
        raise DataError("sigma must be symmetric (a covariance matrix)")
    s = (s + s.T) / 2
    ev = np.linalg.eigvalsh(s)
    if ev.min() < -1e-10 * max(ev.max(), 1e-300):
        raise DataError(
            f"sigma is not positive semi-definite (smallest eigenvalue {ev.min():.3g}): it is "
            "not a covariance matrix"
        )
    if l_vec is None:
        lv = np.zeros(num_post)
        lv[0] = 1.0
    else:
        lv = np.asarray(l_vec, dtype=float).ravel()
        if lv.shape != (num_post,):
            raise DataError(f"l_vec needs one weight per post-period ({num_post}), got {lv.size}")
        if not np.isfinite(lv).all() or not np.any(lv != 0):
            raise DataError("l_vec must be finite and not all zero")
    return EventStudyInput(b, s, int(num_pre), int(num_post), lv)


def check_alpha(alpha: float) -> float:
    """``alpha`` (one minus the confidence level) if it lies in (0, 0.5); OptionError
    otherwise."""
    if not (isinstance(alpha, int | float) and 0 < alpha < 0.5):
        raise OptionError(f"alpha must be between 0 and 0.5 (e.g. 0.05), got {alpha!r}")
    return float(alpha)


# -- the restrictions as A delta <= d ---------------------------------------------------------
def rm_constraints(num_pre: int, num_post: int, mbar: float, s: int, positive: bool):
    """``A``, ``d`` of ``Delta^RM_{s,+/-}(Mbar)``: the largest pre-period change of the bias is
    the one ending in period ``s`` (``-(num_pre - 1) <= s <= 0``), with sign ``+`` or ``-``."""
    t = num_pre + num_post
    diff = np.zeros((t, t + 1))  # first differences over periods -num_pre..num_post
    for r in range(t):
        diff[r, r : r + 2] = (-1.0, 1.0)
    vmax = np.zeros(t + 1)
    vmax[num_pre + s - 1 : num_pre + s + 1] = (-1.0, 1.0)
    if not positive:
        vmax = -vmax
    ub = np.vstack([np.tile(vmax, (num_pre, 1)), np.tile(mbar * vmax, (num_post, 1))])
    a = np.vstack([diff - ub, -diff - ub])
    a = a[(a * a).sum(axis=1) > 1e-10]
    a = np.delete(a, num_pre, axis=1)
    return a, np.zeros(a.shape[0])


def sd_constraints(num_pre: int, num_post: int, m: float):
    """``A``, ``d`` of ``Delta^SD(M)``: second differences of the bias within ``+-M``."""
    t = num_pre + num_post
    sec = np.zeros((t - 1, t + 1))
    for r in range(t - 1):
        sec[r, r : r + 3] = (1.0, -2.0, 1.0)
    sec = np.delete(sec, num_pre, axis=1)
    a = np.vstack([sec, -sec])
    return a, np.full(a.shape[0], float(m))


def _post_rows(a: np.ndarray, num_pre: int) -> np.ndarray:
    return np.flatnonzero((a[:, num_pre:] != 0).any(axis=1))


def _gamma(l_vec: np.ndarray) -> np.ndarray:
    """An invertible matrix whose first row is ``l'`` (completed by unit vectors)."""
    n = len(l_vec)
    first = int(np.flatnonzero(l_vec)[0])
    rows = [l_vec] + [np.eye(n)[j] for j in range(n) if j != first]
    return np.vstack(rows)


def _problem(inp: EventStudyInput, a: np.ndarray, d: np.ndarray, rows: np.ndarray) -> ARPProblem:
    ag = a[:, inp.num_pre :] @ np.linalg.inv(_gamma(inp.l_vec))
    y = a @ inp.betahat - d
    sy = a @ inp.sigma @ a.T
    return ARPProblem(
        y0=y[rows],
        a=ag[rows, 0],
        x=ag[rows][:, 1:],
        s=sy[np.ix_(rows, rows)],
        d=d[rows],
        no_nuisance=inp.num_post == 1,
    )


def _standard_normals(rng_seed: int, sims: int, m: int, draws: np.ndarray | None) -> np.ndarray:
    if draws is not None:
        flat = np.asarray(draws, dtype=float).ravel()
        if flat.size < sims * m:
            raise DataError(f"lf_draws needs at least {sims * m} standard normal draws")
        return flat[: sims * m].reshape(sims, m)
    return np.random.default_rng(rng_seed).standard_normal((sims, m))


def _problems(inp: EventStudyInput, restriction: Restriction, value: float) -> list[ARPProblem]:
    """The ARP problems whose union of acceptance regions is the confidence set."""
    out = []
    if restriction == "relative_magnitude":
        for s in range(-(inp.num_pre - 1), 1):
            for positive in (True, False):
                a, d = rm_constraints(inp.num_pre, inp.num_post, value, s, positive)
                out.append(_problem(inp, a, d, _post_rows(a, inp.num_pre)))
    else:
        a, d = sd_constraints(inp.num_pre, inp.num_post, value)
        rows = _post_rows(a, inp.num_pre) if inp.num_post > 1 else np.arange(a.shape[0])
        out.append(_problem(inp, a, d, rows))
    return out


def sd_identified_set(
    inp: EventStudyInput, m: float, beta: np.ndarray | None = None
) -> tuple[float, float]:
    """Bounds of ``l'tau_post`` under ``Delta^SD(m)`` when ``beta`` (default 0) is known."""
    beta = np.zeros(inp.num_pre + inp.num_post) if beta is None else beta
    a, d = sd_constraints(inp.num_pre, inp.num_post, m)
    n = inp.num_pre + inp.num_post
    c = np.concatenate([np.zeros(inp.num_pre), inp.l_vec])
    a_eq = np.hstack([np.eye(inp.num_pre), np.zeros((inp.num_pre, inp.num_post))])
    bounds = [(None, None)] * n
    lo = optimize.linprog(c, a, d, a_eq, beta[: inp.num_pre], bounds=bounds, method="highs")
    hi = optimize.linprog(-c, a, d, a_eq, beta[: inp.num_pre], bounds=bounds, method="highs")
    if lo.status != 0 or hi.status != 0:
        raise DataError("the identified set under smoothness could not be computed")
    centre = float(inp.l_vec @ beta[inp.num_pre :])
    return centre - float(-hi.fun), centre - float(lo.fun)


@dataclass
class ConfidenceSet:
    """A robust confidence set at one value of ``Mbar`` or ``M``: its bounds (the smallest and
    largest accepted grid value, NaN if none), and flags saying whether an end of the grid was
    accepted (then the set may be wider than the grid) or nothing was accepted."""

    lb: float
    ub: float
    open_end: bool = False
    empty: bool = False
    grid: np.ndarray | None = field(default=None, repr=False)
    accept: np.ndarray | None = field(default=None, repr=False)


def default_grid(
    inp: EventStudyInput, restriction: Restriction, value: float, grid_points: int
) -> np.ndarray:
    """HonestDiD's grid of ``theta``: ``grid_points`` values over +-20 standard errors of the
    estimate (around the identified set under zero coefficients for smoothness)."""
    sd_theta = inp.std_error
    if restriction == "relative_magnitude":
        lo, hi = -20 * sd_theta, 20 * sd_theta
    else:
        id_lo, id_hi = sd_identified_set(inp, value)
        lo, hi = id_lo - 20 * sd_theta, id_hi + 20 * sd_theta
    return np.linspace(lo, hi, grid_points)


def _kappa(alpha: float, kappa: float | None) -> float:
    k = alpha / 10 if kappa is None else float(kappa)
    if not 0 < k < alpha:
        raise OptionError(f"kappa must be between 0 and alpha ({alpha}), got {kappa!r}")
    return k


def test_theta(
    inp: EventStudyInput,
    restriction: Restriction,
    value: float,
    theta: np.ndarray,
    *,
    inference: Literal["conditional", "hybrid"] = "hybrid",
    alpha: float = 0.05,
    kappa: float | None = None,
    seed: int = 0,
    lf_draws: np.ndarray | None = None,
) -> np.ndarray:
    """Whether ``theta`` (array) is in the conditional / hybrid confidence set at ``value``."""
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    accept = np.zeros(len(theta), dtype=bool)
    k = _kappa(alpha, kappa)
    for prob in _problems(inp, restriction, value):
        lf_cv = None
        if inference == "hybrid":
            z = _standard_normals(seed, LF_SIMS, len(prob.y0), lf_draws)
            lf_cv = prob.least_favourable_cv(k, z)
        accept |= prob.accept(theta, alpha, lf_cv=lf_cv, kappa=k)
    return accept


def confidence_set(
    inp: EventStudyInput,
    restriction: Restriction,
    value: float,
    *,
    inference: Inference = "hybrid",
    alpha: float = 0.05,
    kappa: float | None = None,
    grid_points: int = 1000,
    grid: np.ndarray | None = None,
    seed: int = 0,
    lf_draws: np.ndarray | None = None,
) -> ConfidenceSet | FLCIResult:
    """The robust confidence set for ``l'tau_post`` at ``Mbar`` / ``M`` = ``value``."""
    if inference not in INFERENCE[restriction]:
        raise OptionError(
            f"inference for {restriction!r} must be one of {INFERENCE[restriction]}, "
            f"got {inference!r}"
        )
    if not (np.isfinite(value) and value >= 0):
        raise OptionError(f"Mbar / M must be a finite number >= 0, got {value!r}")
    if inference == "flci":
        return optimal_flci(
            inp.betahat, inp.sigma, inp.num_pre, inp.num_post, inp.l_vec, float(value), alpha
        )
    if grid is None:
        if not isinstance(grid_points, int | np.integer) or grid_points < 3:
            raise OptionError(f"grid_points must be an integer >= 3, got {grid_points!r}")
        grid = default_grid(inp, restriction, value, int(grid_points))
    grid = np.asarray(grid, dtype=float)
    acc = test_theta(
        inp,
        restriction,
        value,
        grid,
        inference=inference,
        alpha=alpha,
        kappa=kappa,
        seed=seed,
        lf_draws=lf_draws,
    )
    if not acc.any():
        return ConfidenceSet(np.nan, np.nan, empty=True, grid=grid, accept=acc)
    return ConfidenceSet(
        float(grid[acc].min()),
        float(grid[acc].max()),
        open_end=bool(acc[0] or acc[-1]),
        grid=grid,
        accept=acc,
    )


def zero_accepted(
    inp: EventStudyInput,
    restriction: Restriction,
    value: float,
    *,
    inference: Inference,
    alpha: float,
    kappa: float | None = None,
    seed: int = 0,
    lf_draws: np.ndarray | None = None,
) -> bool:
    """Whether ``theta = 0`` lies in the robust confidence set at ``value`` (exact, no grid)."""
    if inference == "flci":
        r = optimal_flci(
            inp.betahat, inp.sigma, inp.num_pre, inp.num_post, inp.l_vec, float(value), alpha
        )
        return bool(r.lb <= 0 <= r.ub)
    return bool(
        test_theta(
            inp,
            restriction,
            value,
            np.array([0.0]),
            inference=inference,
            alpha=alpha,
            kappa=kappa,
            seed=seed,
            lf_draws=lf_draws,
        )[0]
    )


@dataclass
class Breakdown:
    """The breakdown value: the smallest ``Mbar`` / ``M`` at which ``theta = 0`` is in the
    robust confidence set (``value``), known to within ``tol``; ``0.0`` when zero is in the
    set already at 0; ``inf`` when it is still excluded at ``upper`` (the largest value tried)."""

    value: float
    tol: float
    upper: float
    bracket: tuple[float, float]


def breakdown_value(
    inp: EventStudyInput,
    restriction: Restriction,
    *,
    inference: Inference = "hybrid",
    alpha: float = 0.05,
    kappa: float | None = None,
    tol: float = 1e-4,
    upper: float | None = None,
    seed: int = 0,
    lf_draws: np.ndarray | None = None,
) -> Breakdown:
    """Bisection on ``Mbar`` / ``M`` of the test of ``theta = 0``.

    The search starts at 0, doubles an upper value (from ``upper`` or, by default, 1 for
    ``Mbar`` and one standard error of the first pre-period coefficient for ``M``) until zero is
    accepted (at most 2^20 times the start), then halves the bracket until it is narrower than
    ``tol`` times the start. The set is assumed to grow with the restriction's parameter, as
    the identified sets are nested.
    """
    if not (tol > 0):
        raise OptionError(f"tol must be positive, got {tol!r}")

    def accepted(v: float) -> bool:
        return zero_accepted(
            inp,
            restriction,
            v,
            inference=inference,
            alpha=alpha,
            kappa=kappa,
            seed=seed,
            lf_draws=lf_draws,
        )

    if accepted(0.0):
        return Breakdown(0.0, tol, 0.0, (0.0, 0.0))
    if upper is None:
        upper = 1.0 if restriction == "relative_magnitude" else float(np.sqrt(inp.sigma[0, 0]))
    if not (np.isfinite(upper) and upper > 0):
        raise OptionError(f"upper must be a positive number, got {upper!r}")
    scale = float(upper)
    lo, hi = 0.0, float(upper)
    for _ in range(21):
        if accepted(hi):
            break
        lo, hi = hi, 2 * hi
    else:
        return Breakdown(float("inf"), tol * scale, lo, (lo, float("inf")))
    while hi - lo > tol * scale:
        mid = (lo + hi) / 2
        if accepted(mid):
            hi = mid
        else:
            lo = mid
    return Breakdown((lo + hi) / 2, tol * scale, hi, (lo, hi))
