"""Group-time effects for repeated cross-sections: ``att_gt(..., panel=False)``.

Survey outcomes of families and actors are not followed over time: every row is its own
observation with a group (the cohort of the municipality it lives in) and a period. Each
ATT(g, t) then compares four cells of observations, cohort g and the comparison group in the
period t and in the base period, with the estimators of Sant'Anna & Zhao (2020) for repeated
cross-sections, as R ``did::att_gt(..., panel = FALSE)`` with DRDID:

- ``dr``: the locally efficient doubly robust estimator (DRDID ``drdid_rc``): outcome
  regressions in all four cells and a logit propensity score of the group;
- ``ipw``: the normalised (Hajek) inverse probability weighting estimator
  (``std_ipw_did_rc``);
- ``reg``: the outcome regression estimator (``reg_did_rc``): regressions among the
  comparison observations before and after.

Covariates are each observation's own values. The influence function of a cell is scaled by
n / n_cell and placed on the cell's rows; standard errors are sqrt(sum of squared influence) / n
with n the number of observations (R's analytic standard errors). Every observation is its
own cluster: a repeated cross-section has no unit observed twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CellNotEstimable, DataError, OptionError, StaggeredWarning
from ..i18n import Text
from ..options import BasePeriod, ControlGroup, DRMethod, check_option
from ..results.base import Inference, check_level
from ._drdid import TRIM_LEVEL, logit
from .results import GroupTimeEffects
from .results.group_time import UnitSample

TITLE = Text(
    "Gruppen-Zeit-Effekte ATT(g,t), wiederholte Querschnitte",
    "Group-time effects ATT(g,t), repeated cross-sections",
)
METHOD_NAMES: dict[str, Text] = {
    "dr": Text(
        "Callaway & Sant'Anna, doppelt robust für wiederholte Querschnitte (Sant'Anna & Zhao "
        "2020, lokal effizient)",
        "Callaway & Sant'Anna, doubly robust for repeated cross-sections (Sant'Anna & Zhao "
        "2020, locally efficient)",
    ),
    "ipw": Text(
        "Callaway & Sant'Anna, inverse Wahrscheinlichkeitsgewichtung (normiert) für "
        "wiederholte Querschnitte",
        "Callaway & Sant'Anna, inverse probability weighting (normalised) for repeated "
        "cross-sections",
    ),
    "reg": Text(
        "Callaway & Sant'Anna, Ergebnisregression für wiederholte Querschnitte",
        "Callaway & Sant'Anna, outcome regression for repeated cross-sections",
    ),
}
SE_RC = Text(
    "Standardfehler aus den Einflussfunktionen der Beobachtungen: Wurzel der Summe der "
    "quadrierten Einflüsse / n, n = {n} Beobachtungen (wie R did mit panel = FALSE); jede "
    "Beobachtung ist ihr eigener Cluster.",
    "Standard errors from the observations' influence functions: sqrt(sum of squared "
    "influence) / n, n = {n} observations (as R did with panel = FALSE); every observation is "
    "its own cluster.",
)
MISSING_CELLS = Text(
    "Nicht schätzbar: {cells}.",
    "Not estimable: {cells}.",
)


# -- the three estimators of one 2x2 comparison --------------------------------------------
def _ols(x: np.ndarray, y: np.ndarray, w: np.ndarray, keep: np.ndarray, what: str) -> np.ndarray:
    """Weighted least squares coefficients among ``keep``."""
    if not keep.any():
        raise CellNotEstimable(f"no observations among the {what}")
    sw = np.sqrt(w[keep])
    xs = x[keep] * sw[:, None]
    if np.linalg.matrix_rank(xs) < x.shape[1]:
        raise CellNotEstimable(f"the covariates are collinear among the {what}")
    return np.linalg.lstsq(xs, y[keep] * sw, rcond=None)[0]


def _lin_rep(
    x: np.ndarray, y: np.ndarray, fit: np.ndarray, wsel: np.ndarray, what: str
) -> np.ndarray:
    """Asymptotic linear representation of an OLS fit with weights ``wsel`` (n x k)."""
    n = len(y)
    xpx = (x * wsel[:, None]).T @ x / n
    if np.linalg.cond(xpx) > 1 / np.finfo(float).eps:
        raise CellNotEstimable(f"the regression design is singular among the {what}")
    return (x * (wsel * (y - fit))[:, None]) @ np.linalg.inv(xpx)


def _weights_ps(x, d, w):
    """Propensity score, its linear representation and the trimming indicator."""
    p, lin = logit(x, d, w)
    p = np.minimum(p, 1 - 1e-6)
    keep = np.ones(len(d), dtype=bool)
    keep[d == 0] = p[d == 0] < TRIM_LEVEL
    return p, lin, keep.astype(float)


def _hajek(wts: np.ndarray, v: np.ndarray) -> tuple[float, np.ndarray]:
    """``mean(w v) / mean(w)`` and its influence ``w (v - est) / mean(w)``."""
    m = wts.mean()
    if not m > 0:
        raise CellNotEstimable("a cell of the comparison has no weight")
    est = float((wts * v).mean() / m)
    return est, wts * (v - est) / m


def reg_did_rc(y, post, d, x, w) -> tuple[float, np.ndarray]:
    """Outcome regression DiD for repeated cross-sections (DRDID ``reg_did_rc``)."""
    c0, c1 = (d == 0) & (post == 0), (d == 0) & (post == 1)
    b0 = _ols(x, y, w, c0, "comparison observations before")
    b1 = _ols(x, y, w, c1, "comparison observations after")
    f0, f1 = x @ b0, x @ b1
    t0, t1, wc = w * d * (1 - post), w * d * post, w * d
    e0, i0 = _hajek(t0, y)
    e1, i1 = _hajek(t1, y)
    ec, ic1 = _hajek(wc, f1 - f0)
    m1 = (wc[:, None] * x).mean(axis=0) / wc.mean()
    l0 = _lin_rep(x, y, f0, w * (1 - d) * (1 - post), "comparison observations before")
    l1 = _lin_rep(x, y, f1, w * (1 - d) * post, "comparison observations after")
    inf = (i1 - i0) - (ic1 + l1 @ m1 - l0 @ m1)
    return (e1 - e0) - ec, inf


def ipw_did_rc(y, post, d, x, w) -> tuple[float, np.ndarray]:
    """Normalised IPW DiD for repeated cross-sections (DRDID ``std_ipw_did_rc``)."""
    p, lin, trim = _weights_ps(x, d, w)
    odds = p / (1 - p)
    t0, t1 = trim * w * d * (1 - post), trim * w * d * post
    c0, c1 = trim * w * odds * (1 - d) * (1 - post), trim * w * odds * (1 - d) * post
    a_t0, i_t0 = _hajek(t0, y)
    a_t1, i_t1 = _hajek(t1, y)
    a_c0, i_c0 = _hajek(c0, y)
    a_c1, i_c1 = _hajek(c1, y)
    m2_0 = (c0 * (y - a_c0))[:, None] * x
    m2_1 = (c1 * (y - a_c1))[:, None] * x
    grad = m2_1.mean(axis=0) / c1.mean() - m2_0.mean(axis=0) / c0.mean()
    inf = (i_t1 - i_t0) - (i_c1 - i_c0 + lin @ grad)
    return (a_t1 - a_t0) - (a_c1 - a_c0), inf


def drdid_rc(y, post, d, x, w) -> tuple[float, np.ndarray]:
    """Locally efficient doubly robust DiD for repeated cross-sections (DRDID
    ``drdid_rc``)."""
    p, lin_ps, trim = _weights_ps(x, d, w)
    odds = p / (1 - p)
    cells = {
        "c0": ((d == 0) & (post == 0), "comparison observations before"),
        "c1": ((d == 0) & (post == 1), "comparison observations after"),
        "t0": ((d == 1) & (post == 0), "treated observations before"),
        "t1": ((d == 1) & (post == 1), "treated observations after"),
    }
    fit = {k: x @ _ols(x, y, w, m, what) for k, (m, what) in cells.items()}
    lin = {k: _lin_rep(x, y, fit[k], w * m.astype(float), what) for k, (m, what) in cells.items()}
    f_c = post * fit["c1"] + (1 - post) * fit["c0"]
    t0, t1 = trim * w * d * (1 - post), trim * w * d * post
    c0, c1 = trim * w * odds * (1 - d) * (1 - post), trim * w * odds * (1 - d) * post
    wd = trim * w * d
    r = y - f_c
    a_t0, i_t0 = _hajek(t0, r)
    a_t1, i_t1 = _hajek(t1, r)
    a_c0, i_c0 = _hajek(c0, r)
    a_c1, i_c1 = _hajek(c1, r)
    g1 = fit["t1"] - fit["c1"]
    g0 = fit["t0"] - fit["c0"]
    a_d1, i_d1 = _hajek(wd, g1)
    a_dt1, i_dt1 = _hajek(t1, g1)
    a_d0, i_d0 = _hajek(wd, g0)
    a_dt0, i_dt0 = _hajek(t0, g0)
    att = (a_t1 - a_t0) - (a_c1 - a_c0) + (a_d1 - a_dt1) - (a_d0 - a_dt0)

    def colmean(v: np.ndarray) -> np.ndarray:
        return (v[:, None] * x).mean(axis=0)

    # the treated and comparison terms, with the estimation of the comparison regressions
    inf_treat = (i_t1 - i_t0) + (
        lin["c1"] @ (-colmean(t1 * post) / t1.mean())
        + lin["c0"] @ (-colmean(t0 * (1 - post)) / t0.mean())
    )
    grad_ps = colmean(c1 * (r - a_c1)) / c1.mean() - colmean(c0 * (r - a_c0)) / c0.mean()
    inf_cont = (
        (i_c1 - i_c0)
        + lin_ps @ grad_ps
        + lin["c1"] @ (-colmean(c1 * post) / c1.mean())
        + lin["c0"] @ (-colmean(c0 * (1 - post)) / c0.mean())
    )
    # the efficiency terms, with the estimation of the treated and comparison regressions
    inf_eff = (i_d1 - i_dt1) - (i_d0 - i_dt0)
    mom1 = colmean(wd / wd.mean() - t1 / t1.mean())
    mom0 = colmean(wd / wd.mean() - t0 / t0.mean())
    inf_or = (lin["t1"] - lin["c1"]) @ mom1 - (lin["t0"] - lin["c0"]) @ mom0
    return att, inf_treat - inf_cont + inf_eff + inf_or


ESTIMATORS = {"dr": drdid_rc, "ipw": ipw_did_rc, "reg": reg_did_rc}


# -- the group-time effects ------------------------------------------------------------------
def _frame(
    data: pd.DataFrame,
    roles: Any,
    covariates: list[str],
    weights: str | None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The observations used (rows with outcome, period, group and covariates) and their
    original row labels; refuses missing or non-numeric values with the row and field."""
    cols = [roles.outcome, roles.time, roles.cohort, *covariates] + ([weights] if weights else [])
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DataError(
            f"att_gt(panel=False): the data have no column(s) {missing}; name the outcome, "
            "time and cohort columns (and covariates, weights) of the observations"
        )
    df = data[cols].copy()
    df[roles.cohort] = df[roles.cohort].fillna(0)
    for c in cols:
        num = pd.to_numeric(df[c], errors="coerce")
        bad = num.isna() & df[c].notna()
        if bad.any():
            row = df.index[bad][0]
            raise DataError(
                f"att_gt(panel=False): row {row!r}, column {c!r}: {df.loc[row, c]!r} is not a "
                "number; give numbers (cohort 0 or empty for never treated)"
            )
        df[c] = num
    if weights and (df[weights] < 0).any():
        row = df.index[df[weights] < 0][0]
        raise DataError(
            f"att_gt(panel=False): row {row!r}, column {weights!r}: weights must not be negative"
        )
    keep = df.notna().all(axis=1)
    return df[keep], np.asarray(df.index[keep])


def _cells(
    y: np.ndarray,
    tt: np.ndarray,
    g: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    *,
    control_group: str,
    method: str,
    anticipation: int,
    base_period: str,
) -> tuple[list[dict[str, Any]], list[np.ndarray], list[str]]:
    """Every ATT(g, t) cell: its row, its influence function on all observations, and the
    cells that could not be estimated (with the reason)."""
    n = len(y)
    tlist = np.unique(tt)
    glist = np.unique(g[g > 0])
    estimator = ESTIMATORS[method]
    tfac = 0 if base_period == "universal" else 1
    out: list[dict[str, Any]] = []
    infs: list[np.ndarray] = []
    failed: list[str] = []
    for gg in glist:
        pre_idx = np.flatnonzero(tlist + anticipation < gg)
        if not len(pre_idx):
            continue
        last_pre = int(pre_idx[-1])
        for ti in range(len(tlist) - tfac):
            cur = ti + tfac
            post_cell = gg <= tlist[cur]
            pret = last_pre if (post_cell or base_period == "universal") else ti
            is_ref = base_period == "universal" and cur == pret
            row = {"cohort": gg, "time": tlist[cur], "post": int(post_cell), "ref": is_ref}
            if is_ref:
                out.append({**row, "estimate": 0.0, "n_t": 0, "n_c": 0})
                infs.append(np.zeros(n))
                continue
            later = max(tlist[cur], tlist[pret])
            treated = g == gg
            if control_group == "never_treated":
                comp = g == 0
            else:
                comp = (g == 0) | ((g > later + anticipation) & ~treated)
            sel = (treated | comp) & ((tt == tlist[cur]) | (tt == tlist[pret]))
            idx = np.flatnonzero(sel)
            d = treated[idx].astype(float)
            post = (tt[idx] == tlist[cur]).astype(float)
            label = f"{gg:g}/{tlist[cur]:g}"
            if (
                min((d * post).sum(), (d * (1 - post)).sum()) == 0
                or min(((1 - d) * post).sum(), ((1 - d) * (1 - post)).sum()) == 0
            ):
                failed.append(f"{label} (a cell without observations)")
                continue
            try:
                att, inf_cell = estimator(y[idx], post, d, x[idx], w[idx])
            except CellNotEstimable as exc:
                failed.append(f"{label} ({exc})")
                continue
            full = np.zeros(n)
            full[idx] = (n / len(idx)) * inf_cell
            out.append(
                {
                    **row,
                    "estimate": float(att),
                    "n_t": int(d.sum()),
                    "n_c": int((1 - d).sum()),
                }
            )
            infs.append(full)
    return out, infs, failed


def att_gt_repeated(
    data: pd.DataFrame,
    roles: Any,
    *,
    control_group: ControlGroup,
    method: DRMethod,
    covariates: Sequence[str],
    anticipation: int,
    base_period: BasePeriod,
    weights: str | None,
    level: float,
) -> GroupTimeEffects:
    """ATT(g, t) for repeated cross-sections (see the module); called by
    :func:`evaluation.att_gt` with ``panel=False``."""
    import warnings

    check_option("control_group", control_group, ControlGroup)
    check_option("method", method, DRMethod)
    check_option("base_period", base_period, BasePeriod)
    level = check_level(level)
    if isinstance(anticipation, bool) or not isinstance(anticipation, int) or anticipation < 0:
        raise OptionError(f"anticipation must be a whole number >= 0, got {anticipation!r}")
    covs = list(covariates)
    df, rows = _frame(data, roles, covs, weights)
    if df.empty:
        raise DataError("att_gt(panel=False): no observation has all of outcome, time and cohort")
    y = df[roles.outcome].to_numpy(dtype=float)
    tt = df[roles.time].to_numpy(dtype=float)
    g = df[roles.cohort].to_numpy(dtype=float)
    tlist = np.unique(tt)
    # as R did: cohorts first treated after the last period are never treated in the data,
    # and observations of cohorts treated in the first period (+ anticipation) are dropped
    g = np.where(g > tlist[-1], 0.0, g)
    early = (g > 0) & (g <= tlist[0] + anticipation)
    if early.any():
        warnings.warn(
            f"att_gt(panel=False): {int(early.sum())} observation(s) of cohorts treated in the "
            "first period are dropped (no period before treatment)",
            StaggeredWarning,
            stacklevel=3,
        )
        keep = ~early
        df, rows, y, tt, g = df[keep], rows[keep], y[keep], tt[keep], g[keep]
    n = len(y)
    w = df[weights].to_numpy(dtype=float) if weights else np.ones(n)
    if not w.mean() > 0:
        raise DataError("att_gt(panel=False): the weights sum to 0")
    w = w / w.mean()
    x = np.column_stack([np.ones(n), *(df[c].to_numpy(dtype=float) for c in covs)])
    glist = np.unique(g[g > 0])
    if not len(glist):
        raise DataError("att_gt(panel=False): no treated cohort (every cohort is 0 or missing)")
    if control_group == "never_treated" and not (g == 0).any():
        raise DataError(
            "att_gt(panel=False): there are no never-treated observations (cohort 0 or "
            "missing); use control_group='not_yet_treated'"
        )
    out, infs, failed = _cells(
        y,
        tt,
        g,
        x,
        w,
        control_group=control_group,
        method=method,
        anticipation=anticipation,
        base_period=base_period,
    )
    if not out:
        raise DataError(
            "att_gt(panel=False): no group-time effect can be estimated: " + "; ".join(failed[:5])
        )
    cells = pd.DataFrame(out)
    inf = np.column_stack(infs)
    ref = cells["ref"].to_numpy(dtype=bool)
    se = np.sqrt((inf**2).sum(axis=0)) / n
    se[ref] = np.nan
    table = pd.DataFrame(
        {
            "cohort": cells["cohort"].to_numpy(dtype=np.int64),
            "time": cells["time"].to_numpy(dtype=np.int64),
            "estimate": cells["estimate"].to_numpy(dtype=float),
            "std_error": se,
            "event_time": (cells["time"] - cells["cohort"]).to_numpy(dtype=np.int64),
            "post": cells["post"].to_numpy(dtype=np.int64),
            "n_treated_obs": cells["n_t"].to_numpy(dtype=np.int64),
            "n_comparison_obs": cells["n_c"].to_numpy(dtype=np.int64),
        }
    )
    notes: list[Text] = []
    if failed:
        shown = "; ".join(failed[:10]) + (
            f" and {len(failed) - 10} more" if len(failed) > 10 else ""
        )
        notes.append(MISSING_CELLS.format(cells=shown))
    inference = Inference(name="influence_function", description=SE_RC.format(n=n))
    ids = pd.Index(rows, name="row")
    sample = UnitSample(
        unit_ids=ids,
        cohort=g,
        weights=w,
        cluster=np.arange(n),
        n_clusters=n,
        times=tlist,
        y=np.full((n, len(tlist)), np.nan),
    )
    excluded_cells = pd.DataFrame(
        {"cohort": pd.Series(dtype=float), "time": pd.Series(dtype=float), "reason": []}
    )
    facts: dict[str, Any] = {
        "n_obs": n,
        "control_group": control_group,
        "base_period": base_period,
        "anticipation": anticipation,
    }
    if covs:
        facts["covariates"] = ", ".join(covs)
    call = {
        "outcome": roles.outcome,
        "time": roles.time,
        "cohort": roles.cohort,
        "panel": False,
        "control_group": control_group,
        "method": method,
        "covariates": covs,
        "anticipation": anticipation,
        "base_period": base_period,
        "weights": weights,
        "level": level,
    }
    return GroupTimeEffects(
        table,
        sample=sample,
        influence=inf,
        reference=ref,
        bootstrap=None,
        cell_draws=None,
        excluded_units=pd.DataFrame(columns=["unit", "cohort", "reason", "detail"]),
        excluded_cells=excluded_cells,
        title=TITLE,
        method=METHOD_NAMES[method],
        inference=inference,
        level=level,
        facts=facts,
        notes=notes,
        outcome=roles.outcome,
        call=call,
    )
