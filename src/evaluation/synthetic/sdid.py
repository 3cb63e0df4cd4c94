"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021).

The estimator, its weights and its variance follow R ``synthdid`` 0.0.9 step by step, so that
its numbers are reproduced to rounding (tests against stored R output):

- unit weights omega: ridge-penalised simplex regression of the treated units' mean pre-period
  path on the controls' paths, with an intercept; penalty ``zeta = (N_tr T_post)^(1/4) sigma``
  where ``sigma`` is the standard deviation of the first differences of the controls'
  pre-period outcomes;
- time weights lambda: the controls' mean post-period outcome on their pre-period outcomes,
  with an intercept and the infinitesimal penalty ``1e-6 sigma``;
- both by Frank-Wolfe with exact line search (at most 100 iterations, then the weights below a
  quarter of the largest set to zero and up to 10,000 more iterations; stop when an iteration
  lowers the objective by less than ``(1e-5 sigma)^2``);
- ``tau = (mean treated - omega' controls) (post mean - lambda' pre)``.

``estimator="sc"`` (R ``sc_estimate``: no time weights, no intercept, penalty ``1e-6 sigma``)
and ``"did"`` (R ``did_estimate``: equal weights) are the same computation with other
options. Standard errors (R ``vcov``): ``"placebo"`` (Algorithm 4: random controls receive the
treatment, weights re-estimated from the original ones), ``"bootstrap"`` (Algorithm 2: units
resampled, draws without treated or without control units redrawn) and ``"jackknife"``
(Algorithm 3, weights fixed).

Staggered adoption (not in R synthdid) follows Clarke, Pailañir, Athey & Imbens (2023, Stata
``sdid``): one estimate per adoption cohort, each with all never-treated units as controls and
every year before the cohort's onset as its pre-period; the ATT averages the cohort estimates
with weights proportional to their treated unit-years ``N_a T_a``. The variance draws repeat
the whole computation: placebo draws give the treated units' cohorts to randomly chosen
never-treated units (the remaining ones are the controls of every cohort); bootstrap draws
resample all units (cohorts absent from a draw drop out of its average); the jackknife leaves
out one unit at a time with every cohort's weights fixed and needs two treated units per
cohort. With one cohort all three are R's. Event-time effects average the cohorts' effect
curves (R ``synthdid_effect_curve``) weighted by their treated units; their standard errors
come from the same draws (an extension: R reports only the ATT's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Text
from ..results import Inference
from ._data import (
    Prepared,
    check_choice,
    check_draws,
    check_seed,
    prepare,
    require_complete,
    window_problem,
)
from ._simplex import frank_wolfe, sparsify
from .results import (
    SyntheticDidResult,
    SyntheticEffect,
    SyntheticTable,
    text,
)

Estimator = Literal["sdid", "sc", "did"]
Variance = Literal["placebo", "jackknife", "bootstrap"]

#: R synthdid defaults: time-weight penalty factor, stopping rule, iteration limits
ETA_LAMBDA = 1e-6
ETA_OMEGA_SC = 1e-6
MIN_DECREASE = 1e-5
MAX_ITER = 10_000
MAX_ITER_PRE_SPARSIFY = 100


@dataclass(frozen=True)
class Options:
    """The options of one cohort's estimate (R synthdid's ``opts``)."""

    zeta_omega: float
    zeta_lambda: float
    omega_intercept: bool
    lambda_intercept: bool
    update_omega: bool
    update_lambda: bool
    min_decrease: float
    noise_level: float


@dataclass(frozen=True)
class CohortFit:
    """One adoption cohort: treated rows, its pre-period length, options and weights."""

    cohort: int
    treated: np.ndarray  # row indices into the design's y
    t0: int
    options: Options
    omega: np.ndarray  # over the design's control rows
    lam: np.ndarray  # over the cohort's pre-period years
    estimate: float
    curve: np.ndarray  # effect per post-period year


@dataclass(frozen=True)
class Design:
    y: np.ndarray  # units x years, complete
    units: np.ndarray
    years: np.ndarray
    control: np.ndarray  # rows of the never-treated units
    estimator: str


def noise_level(y_controls_pre: np.ndarray) -> float:
    """R synthdid's sigma: SD (n - 1) of all first differences of the controls' pre-period
    outcomes."""
    d = np.diff(y_controls_pre, axis=1)
    return float(np.std(d, ddof=1))


def default_options(y_controls_pre: np.ndarray, n_treated: int, t1: int, estimator: str) -> Options:
    """R synthdid's options for ``synthdid_estimate``, ``sc_estimate`` or ``did_estimate``."""
    sigma = noise_level(y_controls_pre)
    # the did weights are fixed, so its penalty (R's default) is never used
    eta_omega = ETA_OMEGA_SC if estimator == "sc" else (n_treated * t1) ** 0.25
    return Options(
        zeta_omega=eta_omega * sigma,
        zeta_lambda=ETA_LAMBDA * sigma,
        omega_intercept=estimator != "sc",
        lambda_intercept=True,
        update_omega=estimator != "did",
        update_lambda=estimator == "sdid",
        min_decrease=MIN_DECREASE * sigma,
        noise_level=sigma,
    )


def _fw_sparse(ys, zeta, intercept, start, md, row_mask=None, col_mask=None) -> np.ndarray:
    first = frank_wolfe(
        ys,
        zeta,
        intercept=intercept,
        start=start,
        min_decrease=md,
        max_iter=MAX_ITER_PRE_SPARSIFY,
        row_mask=row_mask,
        col_mask=col_mask,
    )
    second = frank_wolfe(
        ys,
        zeta,
        intercept=intercept,
        start=sparsify(first.weights),
        min_decrease=md,
        max_iter=MAX_ITER,
        row_mask=row_mask,
        col_mask=col_mask,
    )
    return second.weights


def solve_batch(
    yc: np.ndarray,
    cmask: np.ndarray,
    ytr: np.ndarray,
    t0: int,
    opt: Options,
    omega0: np.ndarray,
    lambda0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weights, estimates and effect curves of a batch of problems of one cohort shape.

    ``yc`` (batch x controls x years, padded rows marked False in ``cmask``), ``ytr`` (batch x
    years: the mean path of each problem's treated units), ``omega0``/``lambda0`` the starting
    (or, without updating, the fixed) weights. Returns omega, lambda, tau and the curves.
    """
    nb, nc, nt = yc.shape
    yc = np.where(cmask[:, :, None], yc, 0.0)
    lam = np.asarray(lambda0, dtype=float).reshape(nb, t0)
    om = np.where(cmask, np.asarray(omega0, dtype=float).reshape(nb, nc), 0.0)
    if opt.update_lambda:
        post_mean = yc[:, :, t0:].mean(axis=2, keepdims=True)
        ylam = np.concatenate([yc[:, :, :t0], post_mean], axis=2)
        lam = _fw_sparse(
            ylam, opt.zeta_lambda, opt.lambda_intercept, lam, opt.min_decrease, row_mask=cmask
        )
    if opt.update_omega:
        yom = np.concatenate([np.transpose(yc[:, :, :t0], (0, 2, 1)), ytr[:, :t0, None]], axis=2)
        om = _fw_sparse(
            yom, opt.zeta_omega, opt.omega_intercept, om, opt.min_decrease, col_mask=cmask
        )
    tau_sc = ytr - np.einsum("bc,bct->bt", om, yc)
    curve = tau_sc[:, t0:] - np.einsum("bt,bt->b", tau_sc[:, :t0], lam)[:, None]
    return om, lam, curve.mean(axis=1), curve


def sum_normalize(w: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """R synthdid's ``sum_normalize`` (row-wise): w / sum(w), or equal weights if the sum is 0."""
    w = np.atleast_2d(np.asarray(w, dtype=float))
    m = np.ones_like(w, dtype=bool) if mask is None else np.atleast_2d(mask)
    w = np.where(m, w, 0.0)
    s = w.sum(axis=1, keepdims=True)
    eq = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    return np.where(s != 0, w / np.where(s != 0, s, 1.0), eq)


def fit_cohort(design: Design, cohort: int, treated: np.ndarray, t0: int) -> CohortFit:
    """One cohort's estimate with R synthdid's default options for the design's estimator."""
    y = design.y
    yc = y[design.control]
    ytr = y[treated].mean(axis=0)
    t1 = y.shape[1] - t0
    opt = default_options(yc[:, :t0], len(treated), t1, design.estimator)
    n0 = len(design.control)
    # R's starting (sdid) or fixed (sc: no time weights; did: equal weights) weights
    om0 = np.full(n0, 1.0 / n0)
    lam0 = np.zeros(t0) if design.estimator == "sc" else np.full(t0, 1.0 / t0)
    om, lam, tau, curve = solve_batch(
        yc[None], np.ones((1, n0), bool), ytr[None], t0, opt, om0[None], lam0[None]
    )
    return CohortFit(cohort, treated, t0, opt, om[0], lam[0], float(tau[0]), curve[0])


def aggregate(
    taus: np.ndarray, curves: list[np.ndarray], n_treated: np.ndarray, t1: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ATT (weights N_a T_a) and event-time effects (weights N_a) from per-cohort estimates.

    ``taus`` (draws x cohorts, NaN for a cohort absent from a draw), ``curves`` one array
    (draws x T_a) per cohort, ``n_treated`` (draws x cohorts).
    """
    w = n_treated * t1[None, :]
    present = ~np.isnan(taus)
    w = np.where(present, w, 0.0)
    num = np.where(present, taus, 0.0) * w
    with np.errstate(invalid="ignore", divide="ignore"):
        att = num.sum(axis=1) / w.sum(axis=1)
    e_max = int(t1.max())
    events = np.zeros((taus.shape[0], e_max))
    weights = np.zeros((taus.shape[0], e_max))
    for k, c in enumerate(curves):
        nk = np.where(present[:, k], n_treated[:, k], 0.0)
        events[:, : c.shape[1]] += np.nan_to_num(c) * nk[:, None]
        weights[:, : c.shape[1]] += nk[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        ev = events / weights
    return att, ev


# ---------------------------------------------------------------------------------------------
# variance draws (each takes explicit draws, so that R's can be fed in)
# ---------------------------------------------------------------------------------------------
def placebo_draws(
    design: Design, fits: list[CohortFit], perms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Placebo estimates for permutations of the control rows (draws x controls, as positions
    into ``design.control``): the last ``N_tr`` positions become treated, receiving the cohorts
    of the treated units in order; the rest are the controls of every cohort."""
    perms = np.asarray(perms, dtype=np.int64)
    nb = perms.shape[0]
    n0 = len(design.control)
    sizes = [len(f.treated) for f in fits]
    n_tr = sum(sizes)
    if n0 <= n_tr:
        raise DataError(
            f"the placebo variance needs more never-treated units ({n0}) than treated units "
            f"({n_tr}); use variance='bootstrap' or 'jackknife'"
        )
    y = design.y
    yc_all = y[design.control]
    ctrl = perms[:, : n0 - n_tr]
    fake = perms[:, n0 - n_tr :]
    taus = np.empty((nb, len(fits)))
    curves = []
    start = 0
    for k, f in enumerate(fits):
        pseudo = fake[:, start : start + sizes[k]]
        start += sizes[k]
        yc = yc_all[ctrl]
        ytr = yc_all[pseudo].mean(axis=1)
        om0 = sum_normalize(f.omega[ctrl])
        lam0 = np.broadcast_to(f.lam, (nb, f.t0))
        _, _, tau, curve = solve_batch(
            yc, np.ones(ctrl.shape, bool), ytr, f.t0, f.options, om0, lam0
        )
        taus[:, k] = tau
        curves.append(curve)
    n_treated = np.broadcast_to(np.array(sizes, dtype=float), (nb, len(fits)))
    t1 = np.array([y.shape[1] - f.t0 for f in fits], dtype=float)
    return aggregate(taus, curves, n_treated, t1)


def bootstrap_draws(
    design: Design, fits: list[CohortFit], samples: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap estimates for samples of units (arrays of indices into the list ``controls,
    then the treated units of each cohort in order``; each sample is sorted, as R does).
    Samples without control or without treated units must not be passed."""
    n0 = len(design.control)
    offsets = np.cumsum([n0] + [len(f.treated) for f in fits])
    nb = len(samples)
    y = design.y
    sorted_samples = [np.sort(np.asarray(s, dtype=np.int64)) for s in samples]
    ctrl_lists = [s[s < n0] for s in sorted_samples]
    nc_max = max(len(c) for c in ctrl_lists)
    cmask = np.zeros((nb, nc_max), dtype=bool)
    cidx = np.zeros((nb, nc_max), dtype=np.int64)
    for b, c in enumerate(ctrl_lists):
        if len(c) == 0 or len(c) == len(sorted_samples[b]):
            raise DataError("a bootstrap sample without control or treated units")
        cmask[b, : len(c)] = True
        cidx[b, : len(c)] = c
    yc = np.where(cmask[:, :, None], y[design.control][cidx], 0.0)
    taus = np.full((nb, len(fits)), np.nan)
    n_treated = np.zeros((nb, len(fits)))
    curves = []
    for k, f in enumerate(fits):
        lo, hi = offsets[k], offsets[k + 1]
        counts = np.array([((s >= lo) & (s < hi)).sum() for s in sorted_samples])
        n_treated[:, k] = counts
        curve_k = np.full((nb, y.shape[1] - f.t0), np.nan)
        have = np.flatnonzero(counts > 0)
        if len(have):
            ytr = np.stack(
                [
                    y[f.treated[s[(s >= lo) & (s < hi)] - lo]].mean(axis=0)
                    for s in (sorted_samples[b] for b in have)
                ]
            )
            om0 = sum_normalize(np.where(cmask[have], f.omega[cidx[have]], 0.0), cmask[have])
            lam0 = np.broadcast_to(f.lam, (len(have), f.t0))
            _, _, tau, curve = solve_batch(yc[have], cmask[have], ytr, f.t0, f.options, om0, lam0)
            taus[have, k] = tau
            curve_k[have] = curve
        curves.append(curve_k)
    t1 = np.array([y.shape[1] - f.t0 for f in fits], dtype=float)
    return aggregate(taus, curves, n_treated, t1)


def jackknife_values(design: Design, fits: list[CohortFit]) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-out estimates with fixed weights (R synthdid's jackknife), one per unit in the
    order ``controls, then the treated units of each cohort``."""
    y = design.y
    n0 = len(design.control)
    yc = y[design.control]
    units_tr = [f.treated for f in fits]
    n_units = n0 + sum(len(t) for t in units_tr)
    taus = np.empty((n_units, len(fits)))
    n_treated = np.empty((n_units, len(fits)))
    curves = []
    for k, f in enumerate(fits):
        t0 = f.t0
        lam = f.lam
        # contrast of every row: its post-minus-lambda-pre difference, per post year
        ctr_c = yc[:, t0:] - (yc[:, :t0] @ lam)[:, None]
        tr_rows = y[f.treated]
        ctr_t = tr_rows[:, t0:] - (tr_rows[:, :t0] @ lam)[:, None]
        om = f.omega
        sc_all = om @ ctr_c
        # leaving out control j: omega renormalised without j
        with np.errstate(invalid="ignore", divide="ignore"):
            sc_wo = (sc_all[None, :] - om[:, None] * ctr_c) / (1.0 - om)[:, None]
        zero_rest = np.isclose(1.0 - om, 0.0)
        if zero_rest.any():
            raise DataError("the jackknife needs at least two control units with positive weight")
        nk = len(f.treated)
        mean_t = ctr_t.mean(axis=0)
        curve = np.empty((n_units, ctr_c.shape[1]))
        curve[:n0] = mean_t[None, :] - sc_wo
        # leaving out a treated unit (of this or another cohort)
        start = n0
        for j, rows in enumerate(units_tr):
            m = len(rows)
            if j == k:
                wo = (mean_t[None, :] * nk - ctr_t) / (nk - 1)
                curve[start : start + m] = wo - sc_all[None, :]
            else:
                curve[start : start + m] = (mean_t - sc_all)[None, :]
            start += m
        taus[:, k] = curve.mean(axis=1)
        counts = np.full(n_units, float(nk))
        counts[
            n0 + sum(len(t) for t in units_tr[:k]) : n0 + sum(len(t) for t in units_tr[: k + 1])
        ] = nk - 1
        n_treated[:, k] = counts
        curves.append(curve)
    t1 = np.array([y.shape[1] - f.t0 for f in fits], dtype=float)
    return aggregate(taus, curves, n_treated, t1)


def _treated_per_event(fits: list[CohortFit], n_years: int) -> np.ndarray:
    """Number of treated units behind each event time 0, 1, ..."""
    counts = np.zeros(max(n_years - f.t0 for f in fits), dtype=np.int64)
    for f in fits:
        counts[: n_years - f.t0] += len(f.treated)
    return counts


def _spread(draws: np.ndarray) -> np.ndarray:
    """sqrt((B-1)/B) * sd over the valid draws (R: placebo and bootstrap SE)."""
    ok = ~np.isnan(draws)
    n = ok.sum(axis=0)
    mean = np.where(ok, draws, 0.0).sum(axis=0) / np.maximum(n, 1)
    ss = (np.where(ok, draws - mean, 0.0) ** 2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1, np.sqrt(ss / n), np.nan)


def _jackknife_se(values: np.ndarray) -> np.ndarray:
    n = values.shape[0]
    d = values - values.mean(axis=0)
    return np.sqrt((n - 1) / n * (d**2).sum(axis=0))


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------
def setup(
    data: pd.DataFrame,
    outcome: str | None,
    unit: str | None,
    time: str | None,
    cohort: str | None,
    *,
    estimator: str,
    treated: str | Sequence[str] | None,
    exclude: str | Sequence[str] | None,
) -> tuple[Prepared, Design, list[CohortFit], list[tuple[str, Text]]]:
    """Check the panel, form the cohorts and estimate each (no variance yet)."""
    p = prepare(data, outcome, unit, time, cohort, treated=treated, exclude=exclude)
    explicit = treated is not None
    years = p.years
    cohorts = sorted({int(p.cohort[r]) for r in p.treated})
    left_out: list[tuple[str, Text]] = []
    used: list[tuple[int, np.ndarray, int]] = []
    for g in cohorts:
        rows = np.array([r for r in p.treated if p.cohort[r] == g], dtype=np.int64)
        t0 = int((years < g).sum())
        t1 = int((years >= g).sum())
        problem = window_problem(t0, t1, g, int(years.max()))
        if problem is not None:
            ids = ", ".join(str(p.units[r]) for r in rows)
            if explicit:
                raise DataError(
                    f"cohort {g} ({ids}) {problem.en}; choose other treated units or another "
                    "outcome"
                )
            left_out.append((f"{g} ({ids})", problem))
            continue
        used.append((g, rows, t0))
    if not used:
        raise DataError(
            "no cohort has both two pre-onset years and a post-onset year in the data: "
            + "; ".join(f"{c} {why.en}" for c, why in left_out)
        )
    rows_all = np.r_[p.donors, np.concatenate([u[1] for u in used])]
    require_complete(
        p,
        rows_all,
        np.arange(len(years)),
        "synthetic DiD",
        shorten="drop the years with gaps from the data (every year is used)",
    )
    design = Design(y=p.y, units=p.units, years=years, control=p.donors, estimator=estimator)
    fits = [fit_cohort(design, g, rows, t0) for g, rows, t0 in used]
    return p, design, fits, left_out


def synthetic_did(
    data: pd.DataFrame,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    *,
    estimator: Estimator = "sdid",
    variance: Variance = "placebo",
    n_draws: int = 200,
    seed: int | np.random.SeedSequence = 0,
    treated: str | Sequence[str] | None = None,
    exclude: str | Sequence[str] | None = None,
    level: float = 0.95,
) -> SyntheticDidResult:
    """Synthetic difference-in-differences (Arkhangelsky et al. 2021) as R ``synthdid``, with
    staggered adoption cohort by cohort.

    Parameters
    ----------
    data
        Long panel, one row per unit and year; the outcome must be complete for every unit and
        year used (a balanced panel).
    outcome, unit, time, cohort
        Column roles; default to ``data.attrs["roles"]`` and the panel convention (cohort 0 =
        never treated; the never-treated units are the controls).
    estimator
        ``"sdid"`` (synthetic DiD), ``"sc"`` (synthetic control as R ``sc_estimate``) or
        ``"did"`` (difference-in-differences as R ``did_estimate``).
    variance
        ``"placebo"`` (R's default for one treated unit: the only one that works then),
        ``"bootstrap"`` or ``"jackknife"`` (both need at least two treated units, the
        jackknife two per cohort; R returns NA, this refuses).
    n_draws, seed
        Placebo or bootstrap draws and the seed of ``numpy.random.default_rng``.
    treated
        Treated unit id(s) to use (default: every unit with a cohort > 0); other treated
        units are left out of the sample.
    exclude
        Never-treated units not to use as controls.
    level
        Confidence level of the (normal) intervals.

    Returns
    -------
    SyntheticDidResult
        Event-time effects, ``overall`` (the ATT), ``cohorts``, ``unit_weights``,
        ``time_weights``, ``draws``, ``paths``.

    Examples
    --------
    >>> res = ev.synthetic_did(panel, "childcare_u3", variance="placebo", seed=1)  # doctest: +SKIP
    >>> res.overall.estimate, res.overall.std_error  # doctest: +SKIP
    """
    check_choice("estimator", estimator, Estimator)
    check_choice("variance", variance, Variance)
    n_draws = check_draws("n_draws", n_draws)
    seed = check_seed(seed)
    p, design, fits, left_out = setup(
        data, outcome, unit, time, cohort, estimator=estimator, treated=treated, exclude=exclude
    )
    years = p.years
    n_tr = np.array([len(f.treated) for f in fits], dtype=float)
    t1s = np.array([len(years) - f.t0 for f in fits], dtype=float)
    att, events = aggregate(
        np.array([[f.estimate for f in fits]]), [f.curve[None] for f in fits], n_tr[None], t1s
    )
    rng = np.random.default_rng(seed)
    n_units_tr = int(n_tr.sum())
    if variance == "placebo":
        n0 = len(design.control)
        perms = np.stack([rng.permutation(n0) for _ in range(n_draws)])
        d_att, d_ev = placebo_draws(design, fits, perms)
        se_att, se_ev = _spread(d_att[:, None])[0], _spread(d_ev)
        n_valid = n_draws
    elif variance == "bootstrap":
        if n_units_tr < 2:
            raise DataError(
                "the bootstrap variance needs at least two treated units (R synthdid returns NA "
                "with one); use variance='placebo'"
            )
        n_all = len(design.control) + n_units_tr
        n0 = len(design.control)
        samples: list[np.ndarray] = []
        while len(samples) < n_draws:
            s = rng.integers(0, n_all, size=n_all)
            if (s < n0).all() or (s >= n0).all():
                continue
            samples.append(s)
        d_att, d_ev = bootstrap_draws(design, fits, samples)
        se_att, se_ev = _spread(d_att[:, None])[0], _spread(d_ev)
        # as R, no bootstrap standard error from a single treated unit
        single = _treated_per_event(fits, len(years)) < 2
        se_ev = np.where(single, np.nan, se_ev)
        n_valid = int((~np.isnan(d_att)).sum())
    else:
        single_cohorts = [str(f.cohort) for f in fits if len(f.treated) < 2]
        if single_cohorts:
            raise DataError(
                f"the jackknife variance needs at least two treated units per cohort; cohort(s) "
                f"{', '.join(single_cohorts)} have one (R synthdid returns NA then); use "
                "variance='placebo'"
            )
        d_att, d_ev = jackknife_values(design, fits)
        se_att, se_ev = _jackknife_se(d_att[:, None])[0], _jackknife_se(d_ev)
        n_valid = len(d_att)
    return _result(
        p,
        design,
        fits,
        att[0],
        events[0],
        se_att,
        se_ev,
        d_att,
        variance,
        n_draws,
        seed,
        n_valid,
        left_out,
        level,
    )


def _cohort_rows(
    p: Prepared, design: Design, f: CohortFit
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], pd.DataFrame, dict[str, Any]]:
    """One cohort's positive unit weights, its time weights, its treated and synthetic path
    (the synthetic one shifted by the weighted pre-period difference) and its row of the
    cohorts table."""
    years = p.years
    ctrl_ids = p.units[design.control]
    weights_rows = [
        {"cohort": f.cohort, "unit": str(ctrl_ids[k]), "weight": f.omega[k]}
        for k in np.argsort(-f.omega, kind="stable")
        if f.omega[k] > 0
    ]
    time_rows = [
        {"cohort": f.cohort, "time": int(years[t]), "weight": f.lam[t]} for t in range(f.t0)
    ]
    ytr = p.y[f.treated].mean(axis=0)
    sc = f.omega @ p.y[design.control]
    lam = f.lam
    shift = (ytr[: f.t0] - sc[: f.t0]) @ lam if lam.sum() > 0 else 0.0
    path = pd.DataFrame(
        {
            "cohort": f.cohort,
            "time": years,
            "treated": ytr,
            "synthetic": sc + shift,
            "time_weight": np.r_[lam, np.full(len(years) - f.t0, np.nan)],
        }
    )
    cohort_row = {
        "cohort": f.cohort,
        "n_treated_units": len(f.treated),
        "n_pre": f.t0,
        "n_post": len(years) - f.t0,
        "estimate": f.estimate,
        "weight": len(f.treated) * (len(years) - f.t0),
        "zeta_omega": f.options.zeta_omega,
        "noise_level": f.options.noise_level,
    }
    return weights_rows, time_rows, path, cohort_row


def _result_notes(
    fits: list[CohortFit], left_out: list[tuple[str, Text]], variance: str, counts: np.ndarray
) -> list[Text]:
    """Cohorts left out, how cohorts are combined, event times with one treated unit."""
    notes = []
    if left_out:
        notes.append(
            Text(
                "Ausgelassene Kohorten: "
                + "; ".join(f"{c}: {why.de}" for c, why in left_out)
                + ".",
                "Cohorts left out: " + "; ".join(f"{c}: {why.en}" for c, why in left_out) + ".",
            )
        )
    if len(fits) > 1:
        notes.append(text("cohorts", "note"))
    if variance == "bootstrap" and (counts < 2).any():
        notes.append(text("synthetic_did", "bootstrap_single"))
    return notes


def _result(
    p: Prepared,
    design: Design,
    fits: list[CohortFit],
    att: float,
    events: np.ndarray,
    se_att: float,
    se_ev: np.ndarray,
    draws: np.ndarray,
    variance: str,
    n_draws: int,
    seed,
    n_valid: int,
    left_out: list[tuple[str, Text]],
    level: float,
) -> SyntheticDidResult:
    years = p.years
    n_tr = np.array([len(f.treated) for f in fits])
    counts = _treated_per_event(fits, len(years))
    table = pd.DataFrame(
        {
            "event_time": np.arange(len(events), dtype=np.int64),
            "estimate": events,
            "std_error": se_ev,
            "n_treated_units": counts,
        }
    )
    se_text = text("synthetic_did", f"se_{variance}")
    seed_txt = str(seed) if not isinstance(seed, np.random.SeedSequence) else "SeedSequence"
    se_note = se_text.format(n=n_draws, seed=seed_txt)
    method = text("synthetic_did", f"method_{design.estimator}")
    weights_rows: list[dict[str, Any]] = []
    time_rows: list[dict[str, Any]] = []
    path_rows = []
    cohort_rows = []
    for f in fits:
        unit_w, time_w, path, cohort_row = _cohort_rows(p, design, f)
        weights_rows += unit_w
        time_rows += time_w
        path_rows.append(path)
        cohort_rows.append(cohort_row)
    coh = pd.DataFrame(cohort_rows)
    coh["weight"] = coh["weight"] / coh["weight"].sum()
    notes = _result_notes(fits, left_out, variance, counts)
    facts: dict[str, Any] = {
        "estimator": design.estimator,
        "variance": variance,
        "n_treated_units": int(n_tr.sum()),
        "n_donors": len(design.control),
        "n_cohorts": len(fits),
        "n_draws": n_draws if variance != "jackknife" else n_valid,
    }
    if variance != "jackknife":
        facts["seed"] = seed_txt
    if len(fits) == 1:
        facts["treated_units"] = [str(u) for u in p.units[fits[0].treated]]
        facts["pre_period"] = f"{years[0]}-{years[fits[0].t0 - 1]}"
        facts["post_period"] = f"{years[fits[0].t0]}-{years[-1]}"
    common: dict[str, Any] = dict(
        method=method,
        inference=Inference(name=f"{variance}", description=se_note),
        level=level,
        outcome=p.roles.outcome,
    )
    overall = SyntheticEffect(
        pd.DataFrame({"term": ["att"], "estimate": [float(att)], "std_error": [float(se_att)]}),
        ["term"],
        title=text("overall_sdid", "title"),
        facts={k: v for k, v in facts.items() if k != "n_cohorts"},
        notes=notes,
        **common,
    )
    return SyntheticDidResult(
        table,
        overall=overall,
        cohorts=SyntheticTable(
            coh, title=text("cohorts", "title"), notes=[text("cohorts", "note")]
        ),
        unit_weights=SyntheticTable(
            pd.DataFrame(weights_rows, columns=["cohort", "unit", "weight"]).astype(
                {"unit": "string"}
            ),
            title=text("unit_weights", "title"),
        ),
        time_weights=SyntheticTable(
            pd.DataFrame(time_rows, columns=["cohort", "time", "weight"]),
            title=text("time_weights", "title"),
        ),
        draws=pd.DataFrame({"att": draws}),
        paths=pd.concat(path_rows, ignore_index=True),
        title=text("synthetic_did", "title"),
        facts=facts,
        notes=notes,
        **common,
    )


__all__ = ["synthetic_did", "Options", "CohortFit", "Design"]
