"""The weights and variance draws of synthetic difference-in-differences: the steps of R
``synthdid`` 0.0.9 that :func:`evaluation.synthetic_did` runs (see :mod:`evaluation.synthetic.sdid`
for the method and its references)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import DataError
from ._simplex import frank_wolfe, sparsify

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


def treated_per_event(fits: list[CohortFit], n_years: int) -> np.ndarray:
    """Number of treated units behind each event time 0, 1, ..."""
    counts = np.zeros(max(n_years - f.t0 for f in fits), dtype=np.int64)
    for f in fits:
        counts[: n_years - f.t0] += len(f.treated)
    return counts


def spread(draws: np.ndarray) -> np.ndarray:
    """sqrt((B-1)/B) * sd over the valid draws (R: placebo and bootstrap SE)."""
    ok = ~np.isnan(draws)
    n = ok.sum(axis=0)
    mean = np.where(ok, draws, 0.0).sum(axis=0) / np.maximum(n, 1)
    ss = (np.where(ok, draws - mean, 0.0) ** 2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1, np.sqrt(ss / n), np.nan)


def jackknife_se(values: np.ndarray) -> np.ndarray:
    n = values.shape[0]
    d = values - values.mean(axis=0)
    return np.sqrt((n - 1) / n * (d**2).sum(axis=0))
