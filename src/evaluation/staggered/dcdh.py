"""Event-study effects for treatments that switch on and off: the estimator of de Chaisemartin &
D'Haultfoeuille (2024), "Difference-in-differences estimators of intertemporal treatment
effects" (R ``DIDmultiplegtDYN``), written for this package in vectorised numpy.

Design (notation of the paper, periods numbered 1..T)
----------------------------------------------------
For unit g, ``D_g1`` is its treatment in the first period (the status quo) and ``F_g`` the first
period in which its treatment differs from ``D_g1`` (T + 1 if never). A *switcher in* moves above
its status quo, a *switcher out* below it; units that move both above and below are dropped, as
are baseline treatment values whose units all switch at the same time. ``T_g`` is the last period
in which some unit with the same status quo has not switched yet, and effects ``l`` are estimated
up to ``T_g - F_g + 1``.

``DID_l``: for every switcher with ``F_g - 1 + l <= T_g``, its outcome change from ``F_g - 1`` to
``F_g - 1 + l`` minus the mean change over the same periods of the units with the same status quo
that have not switched by ``F_g - 1 + l``; averaged over switchers in (sign +) and out (sign -),
weighted by their numbers. ``Placebo_l`` does the same with the change from ``F_g - 1`` back to
``F_g - 1 - l``, for the same switchers and comparison units.

Standard errors are those of ``DIDmultiplegtDYN`` 2.2.0: the influence function of each unit is
demeaned within cohorts (status quo, ``F_g``, treatment at ``F_g``) for switchers and within
(status quo, period) for not-yet-switched units, with the degrees-of-freedom factor
``sqrt(n / (n - 1))`` of the cohort, a pooled cohort of both when one of them is a singleton,
then summed within clusters (units by default): ``se = sqrt(sum_c U_c^2) / G``.

``within=`` restricts the comparisons to units with the same value of a column (the comparison
of R's ``trends_nonparam``): each value's units form their own design and the values are
averaged by their numbers of switchers.

Scope: no covariates, weights or parametric trends; the panel must have one row per unit and
period with the treatment observed (outcomes may be missing). The average total effect of the R package
is not computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Text, term
from ..results import Estimates, Inference, check_level
from ._compat import legacy_arguments

TEXTS = {
    "title": Text(
        "Ereignisstudie für Ein- und Ausstieg (de Chaisemartin & D'Haultfoeuille)",
        "Event study for switchers in and out (de Chaisemartin & D'Haultfoeuille)",
    ),
    "method": Text(
        "DID_l von de Chaisemartin & D'Haultfoeuille (2024), Wechsler in beide Richtungen",
        "DID_l of de Chaisemartin & D'Haultfoeuille (2024), switchers in and out",
    ),
    "se": Text(
        "Standardfehler aus den Einflussfunktionen wie R DIDmultiplegtDYN 2.2.0 (kohortenweise "
        "zentriert, Freiheitsgradkorrektur), geklumpt nach {cluster}; Normalverteilung.",
        "Standard errors from the influence functions as in R DIDmultiplegtDYN 2.2.0 "
        "(demeaned within cohorts, degrees-of-freedom factor), clustered by {cluster}; normal "
        "reference distribution.",
    ),
    "within": Text(
        "Vergleiche nur zwischen Einheiten mit gleichem Wert von {within}: jeder Wert für "
        "sich geschätzt, gewichtet nach seiner Zahl der Wechsler.",
        "Comparisons only between units with the same value of {within}: each value "
        "estimated on its own, weighted by its number of switchers.",
    ),
    "within_skipped": Text(
        "Ohne Vergleichseinheiten und daher nicht verwendet: Wert(e) {values}.",
        "Without comparison units and therefore not used: value(s) {values}.",
    ),
    "assumption": Text(
        "Annahmen: parallele Trends der Ergebnisse ohne Wechsel für Einheiten mit gleichem "
        "Ausgangsstatus und keine Antizipation; Placebos (negative Zeiten) prüfen beides vor dem "
        "ersten Wechsel. Effekt l = mittlere Wirkung des gesamten Behandlungsverlaufs l Perioden "
        "nach dem ersten Wechsel (auch ein späterer Ausstieg gehört dazu).",
        "Assumptions: parallel trends of the no-switch outcomes of units with the same status "
        "quo, and no anticipation; placebos (negative times) check both before the first switch. "
        "Effect l = mean effect of the whole treatment path l periods after the first switch "
        "(a later exit is part of it).",
    ),
}


class SwitchingEffects(Estimates):
    """``DID_l`` (``event_time`` = l >= 1) and placebos (``event_time`` = -l) with standard
    errors and the number of switchers behind each (``n_switchers``, ``n_switchers_in``,
    ``n_switchers_out``). ``influence()``: units (``unit_ids``) x rows, the per-unit terms
    whose cluster sums give the variance (``se = sqrt(sum_c (sum_{g in c} U_g)^2) / G``)."""

    def __init__(self, table: pd.DataFrame, keys: list[str], *, unit_ids: pd.Index, **kw: Any):
        self.unit_ids = unit_ids
        super().__init__(table, keys, **kw)

    def influence(self) -> pd.DataFrame:
        """The per-unit terms (units x rows), indexed by unit id."""
        out = super().influence()
        assert out is not None
        out.index = self.unit_ids
        return out


def _group_sum(key: np.ndarray, mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per row: the sum of ``values`` over the rows with the same ``key`` where ``mask``;
    NaN in rows outside ``mask`` (R's ``df[mask, x := sum(v), by = key]``)."""
    out = np.full(key.shape, np.nan)
    if not mask.any():
        return out
    codes, uniq = pd.factorize(key[mask])
    sums = np.bincount(codes, weights=values[mask], minlength=len(uniq))
    out[mask] = sums[codes]
    return out


def _group_nunique(key: np.ndarray, mask: np.ndarray, cluster: np.ndarray | None) -> np.ndarray:
    """Per row in ``mask``: the number of rows (or distinct clusters) with the same key."""
    if cluster is None:
        return _group_sum(key, mask, np.ones(key.shape))
    out = np.full(key.shape, np.nan)
    if not mask.any():
        return out
    codes, uniq = pd.factorize(key[mask])
    pairs = pd.DataFrame({"k": codes, "c": cluster[mask]}).drop_duplicates()
    n = np.bincount(pairs["k"].to_numpy(), minlength=len(uniq)).astype(float)
    out[mask] = n[codes]
    return out


def _key(*cols: np.ndarray) -> np.ndarray:
    """One integer key per row from several numeric columns (NaN-safe)."""
    frame = pd.DataFrame({i: np.asarray(c, dtype=float) for i, c in enumerate(cols)})
    return frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()


def _e_hat_dof(t, fg, lag, ns, s, nss, mean_ns, mean_s, mean_nss):
    """The cohort mean E_hat and the degrees-of-freedom factor of every row (R's
    ``compute_E_hat_gt_with_nans`` and ``compute_DOF_gt_with_nans``)."""
    control = t < fg
    switch = fg - 1 + lag == t
    e = np.full(t.shape, np.nan)
    e[control | switch] = 0.0
    c2 = control & (np.isnan(ns) | (ns >= 2))
    e[c2] = mean_ns[c2]
    e[np.isnan(mean_ns)] = np.nan
    c3 = switch & (np.isnan(s) | (s >= 2))
    e[c3] = mean_s[c3]
    single = (switch & (s == 1)) | (control & (ns == 1))
    c4 = (nss >= 2) & single
    e[c4] = mean_nss[c4]
    e[np.isnan(mean_nss)] = np.nan

    dof = np.full(t.shape, np.nan)
    dof[control | switch] = 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        a = switch & (s > 1)
        dof[a] = np.sqrt(s[a] / (s[a] - 1))
        b = control & (ns > 1)
        dof[b] = np.sqrt(ns[b] / (ns[b] - 1))
        dof[c4] = np.sqrt(nss[c4] / (nss[c4] - 1))
    dof[np.isnan(s) & np.isnan(ns) & np.isnan(nss)] = np.nan
    return e, dof


def _check_horizons(effects: int, placebo: int) -> None:
    for name, v in (("effects", effects), ("placebo", placebo)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
            raise OptionError(f"{name} must be a non-negative integer, got {v!r}")
    if effects < 1:
        raise OptionError("effects must be at least 1")
    if placebo > effects:
        raise OptionError(f"placebo ({placebo}) cannot be larger than effects ({effects})")


def _unit_period_arrays(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    cluster: str | None,
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """Step 1: the checked panel as unit x period arrays: unit ids, treatment ``D``, outcome
    ``Y`` and the cluster code of each unit (the unit itself without ``cluster``)."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(data).__name__}")
    need = [outcome, unit, time, treatment] + ([cluster] if cluster else [])
    missing = [c for c in dict.fromkeys(need) if c not in data.columns]
    if missing:
        raise DataError(
            f"panel has no column(s) {missing}; available columns: {list(data.columns)}. "
            "Name them with outcome=, unit=, time=, treatment= (or cluster=)."
        )
    df = data[list(dict.fromkeys(need))].copy()
    for c in (outcome, treatment, time):
        if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]):
            if pd.api.types.is_bool_dtype(df[c]) and c == treatment:
                df[c] = df[c].astype(float)
                continue
            raise DataError(f"column {c!r} must be numeric; convert it with pandas.to_numeric")
    bad_d = df[treatment].isna().to_numpy()
    if bad_d.any():
        row = int(np.flatnonzero(bad_d)[0])
        raise DataError(
            f"treatment {treatment!r} is missing in row {row} (unit {df[unit].iloc[row]!r}); "
            "the treatment must be known in every row (fill it or drop the unit)"
        )
    if df[unit].isna().any() or df[time].isna().any():
        row = int(np.flatnonzero((df[unit].isna() | df[time].isna()).to_numpy())[0])
        raise DataError(f"unit or time is missing in row {row}; fill or drop that row")
    if df.duplicated([unit, time]).any():
        row = int(np.flatnonzero(df.duplicated([unit, time]).to_numpy())[0])
        raise DataError(
            f"row {row}: unit {df[unit].iloc[row]!r} appears twice in period "
            f"{df[time].iloc[row]!r}; keep one row per unit and period"
        )
    u_codes, u_ids = pd.factorize(df[unit], sort=True)
    times, t_codes = np.unique(df[time].to_numpy(), return_inverse=True)
    G0, T = len(u_ids), len(times)
    if T < 2:
        raise DataError(f"column {time!r} has fewer than two periods")
    if len(df) != G0 * T:
        counts = np.bincount(u_codes, minlength=G0)
        short = u_ids[counts < T][:5].tolist()
        raise DataError(
            f"the panel is not complete: unit(s) {short} lack rows for some periods; give every "
            f"unit a row in each of the {T} periods (outcome may be missing, treatment not)"
        )
    D = np.empty((G0, T))
    Y = np.full((G0, T), np.nan)
    D[u_codes, t_codes] = df[treatment].to_numpy(dtype=float)
    Y[u_codes, t_codes] = df[outcome].to_numpy(dtype=float)
    if not cluster:
        return u_ids, D, Y, np.arange(G0)
    cl_long = df[cluster]
    if cl_long.isna().any():
        row = int(np.flatnonzero(cl_long.isna().to_numpy())[0])
        raise DataError(f"cluster {cluster!r} is missing in row {row}")
    c_codes = pd.factorize(cl_long, sort=True)[0]
    C = np.empty((G0, T), dtype=np.int64)
    C[u_codes, t_codes] = c_codes
    if (C != C[:, :1]).any():
        g_bad = u_ids[(C != C[:, :1]).any(axis=1)][:5].tolist()
        raise DataError(
            f"cluster {cluster!r} varies within unit(s) {g_bad}; units must be nested in clusters"
        )
    return u_ids, D, Y, C[:, 0]


@dataclass(frozen=True)
class _Design:
    """The switching design (R ``did_multiplegt_main``): the kept units with their outcome
    ``Y`` (NaN in dropped periods), observation indicator ``N_gt``, first switch ``F``, last
    usable period ``T_g``, direction ``S`` (1 in, 0 out), number of effects ``L_g``, cluster
    codes, and the long (unit x period) arrays of periods and cohort keys."""

    ids: Any
    Y: np.ndarray
    N_gt: np.ndarray
    S: np.ndarray
    L_g: np.ndarray
    clus0: np.ndarray
    tt: np.ndarray
    Fr: np.ndarray
    Tg: np.ndarray
    cohort_s: np.ndarray
    sq_t: np.ndarray
    clus: np.ndarray | None
    sq_k: np.ndarray
    n_sq_k: int
    T_max: int

    @property
    def G(self) -> int:
        return len(self.ids)

    def by_sq_t(self, values: np.ndarray) -> np.ndarray:
        """Sum over units with the same status quo, per period, broadcast to rows."""
        s = np.zeros((self.n_sq_k, self.T_max))
        np.add.at(s, self.sq_k, np.nan_to_num(values))
        return s[self.sq_k]


def _switching_design(
    u_ids: Any, D: np.ndarray, Y: np.ndarray, clus0: np.ndarray, clustered: bool
) -> _Design:
    """Step 2: status quo, first switch and the units and periods dropped as in R."""
    G0, T = D.shape
    d_sq = D[:, 0]
    diff = D - d_sq[:, None]
    both = (diff > 0).any(axis=1) & (diff < 0).any(axis=1)
    changed = np.maximum.accumulate(diff != 0, axis=1)
    has = changed.any(axis=1)
    F = np.where(has, changed.argmax(axis=1) + 1, 0)  # 1-based first switch, 0 = never
    keep = ~both
    # baseline values whose units all switch at the same time are dropped
    sd_ok = np.zeros(G0, dtype=bool)
    for v in np.unique(d_sq[keep]):
        sel = keep & (d_sq == v)
        sd_ok[sel] = sel.sum() > 1 and np.unique(F[sel]).size > 1
    keep &= sd_ok
    if not keep.any():
        raise DataError(
            "no effect can be estimated: every unit with a given first-period treatment "
            "switches at the same time (or units move above and below their first-period "
            "treatment); the design needs units that have not switched yet as comparisons"
        )
    ids = u_ids[keep]
    D, Y, d_sq, F, clus0 = D[keep], Y[keep], d_sq[keep], F[keep], clus0[keep]
    changed = changed[keep]
    t_idx = np.arange(1, T + 1)
    # periods where no unit with the same status quo is still unswitched are dropped (rows);
    # trailing periods dropped altogether shorten the panel
    never_now = ~changed
    sq_codes = pd.factorize(d_sq, sort=True)[0]
    n_sq = sq_codes.max() + 1
    ctrl_any = np.zeros((n_sq, T), dtype=bool)
    np.logical_or.at(ctrl_any, sq_codes, never_now)
    row_ok = ctrl_any[sq_codes]
    alive = row_ok.any(axis=0)
    T_max = int(np.flatnonzero(alive)[-1]) + 1
    D, Y, row_ok, t_idx = D[:, :T_max], Y[:, :T_max], row_ok[:, :T_max], t_idx[:T_max]
    F = np.where((F == 0) | (F > T_max), T_max + 1, F).astype(float)
    Y = np.where(row_ok, Y, np.nan)
    D = np.where(row_ok, D, np.nan)
    N_gt = (~np.isnan(Y) & ~np.isnan(D)).astype(float)
    # T_g: last period with a not-yet-switched unit of the same status quo
    Fmax = np.zeros(n_sq)
    np.maximum.at(Fmax, sq_codes, F)
    T_g = Fmax[sq_codes] - 1
    post = (t_idx[None, :] >= F[:, None]) & (t_idx[None, :] <= T_g[:, None]) & ~np.isnan(D)
    with np.errstate(invalid="ignore"):
        avg_post = np.where(post, np.nan_to_num(D), 0).sum(axis=1) / post.sum(axis=1)
    switcher = F != T_max + 1
    cancel = switcher & (avg_post == d_sq) & (F != T_g + 1)
    if cancel.any():
        sel = ~cancel
        ids, D, Y, d_sq, F, clus0 = ids[sel], D[sel], Y[sel], d_sq[sel], F[sel], clus0[sel]
        N_gt, T_g, avg_post, switcher = N_gt[sel], T_g[sel], avg_post[sel], switcher[sel]
    G = len(ids)
    with np.errstate(invalid="ignore"):
        S = np.where(switcher, (avg_post > d_sq).astype(float), np.nan)
    S = np.where(switcher & np.isnan(avg_post), np.nan, S)
    fg_col = np.clip(F.astype(int) - 1, 0, T_max - 1)
    d_fg = np.where(switcher, D[np.arange(G), fg_col], d_sq)

    # long arrays (rows = unit x period)
    tt = np.broadcast_to(t_idx[None, :], Y.shape).astype(float)
    Fr = np.broadcast_to(F[:, None], Y.shape)
    sq = np.broadcast_to(d_sq[:, None], Y.shape)
    cohort_s = _key(sq.ravel(), Fr.ravel(), np.broadcast_to(d_fg[:, None], Y.shape).ravel())
    sq_k = pd.factorize(d_sq, sort=True)[0]
    return _Design(
        ids=ids,
        Y=Y,
        N_gt=N_gt,
        S=S,
        L_g=T_g - F + 1,
        clus0=clus0,
        tt=tt,
        Fr=Fr,
        Tg=np.broadcast_to(T_g[:, None], Y.shape),
        cohort_s=cohort_s.reshape(Y.shape),
        sq_t=_key(sq.ravel(), tt.ravel()).reshape(Y.shape),
        clus=np.broadcast_to(clus0[:, None], Y.shape) if clustered else None,
        sq_k=sq_k,
        n_sq_k=int(sq_k.max() + 1),
        T_max=T_max,
    )


def _lag(a: np.ndarray, k: int) -> np.ndarray:
    out = np.full(a.shape, np.nan)
    if k < a.shape[1]:
        out[:, k:] = a[:, :-k]
    return out


def _core(
    des: _Design, lag_l: int, dy: np.ndarray, never: np.ndarray, dist: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, int] | None:
    """Step 3: per unit U and U_var, and N (number of switchers), for one direction and
    horizon (None without switchers)."""
    N_gt, tt, Tg, G = des.N_gt, des.tt, des.Tg, des.G
    n_ctrl = des.by_sq_t(never * N_gt)
    n_t = np.nansum(dist * N_gt, axis=0)  # switchers per period
    N = float(n_t.sum())
    if N == 0:
        return None
    n_t_g = des.by_sq_t(dist * N_gt)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = n_t_g / n_ctrl
    window = (tt >= lag_l + 1) & (tt <= Tg)
    dummy = (lag_l <= Tg - 1).astype(float)
    w = dummy * (G / N) * window * N_gt * (dist - ratio * never)
    U = np.nansum(w * dy, axis=1)
    # variance terms
    has_dy = ~np.isnan(dy)
    n_t_row = np.broadcast_to(n_t[None, :], dy.shape)
    dof_ns = (N_gt != 0) & has_dy & (never == 1) & (n_t_row > 0)
    dof_s = (N_gt != 0) & (dist == 1)
    dyn = (dy * N_gt).ravel()
    n_flat = N_gt.ravel()
    k_ns, k_s = des.sq_t.ravel(), des.cohort_s.ravel()
    m_ns_mask, m_s_mask = dof_ns.ravel(), dof_s.ravel()
    m_nss_mask = m_ns_mask | m_s_mask
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_ns = _group_sum(k_ns, m_ns_mask, dyn) / _group_sum(k_ns, m_ns_mask, n_flat)
        mean_s = _group_sum(k_s, m_s_mask, dyn) / _group_sum(k_s, m_s_mask, n_flat)
        mean_nss = _group_sum(k_ns, m_nss_mask, dyn) / _group_sum(k_ns, m_nss_mask, n_flat)
    cl = None if des.clus is None else des.clus.ravel()
    c_ns = _group_nunique(k_ns, m_ns_mask, cl)
    c_s = _group_nunique(k_s, m_s_mask, cl)
    c_nss = _group_nunique(k_ns, m_nss_mask, cl)
    e_hat, dof = _e_hat_dof(
        tt.ravel(), des.Fr.ravel(), lag_l, c_ns, c_s, c_nss, mean_ns, mean_s, mean_nss
    )
    w_var = w * dof.reshape(dy.shape)
    U_var = np.nansum(w_var * (dy - e_hat.reshape(dy.shape)), axis=1)
    n_sw = int(np.nansum(dist * N_gt))
    return U, U_var, N, n_sw


def _horizon(des: _Design, lag_l: int, is_placebo: bool) -> tuple[dict[str, Any], np.ndarray]:
    """Step 4: ``DID_l`` (or ``Placebo_l``): switchers in and out combined, weighted by their
    numbers; the row of the table and the per-unit influence."""
    Y, tt, Fr, N_gt, G = des.Y, des.tt, des.Fr, des.N_gt, des.G
    dy_l = Y - _lag(Y, lag_l)
    with np.errstate(invalid="ignore"):
        never_l = np.where(np.isnan(dy_l), np.nan, (Fr > tt).astype(float))
    parts = {}
    for inc in (1, 0):
        base = (tt == Fr - 1 + lag_l) & (lag_l <= des.L_g[:, None]) & (des.S[:, None] == inc)
        n_ctrl_l = des.by_sq_t(never_l * N_gt)
        dist_l = np.where(np.isnan(dy_l), np.nan, (base & (n_ctrl_l > 0)).astype(float))
        if not is_placebo:
            parts[inc] = _core(des, lag_l, dy_l, never_l, dist_l)
            continue
        dy_p = _lag(Y, 2 * lag_l) - _lag(Y, lag_l)
        has_p = ~np.isnan(dy_p)
        never_p = never_l * has_p
        n_ctrl_p = des.by_sq_t(never_p * N_gt)
        dist_p = np.where(np.isnan(dist_l), np.nan, dist_l * has_p * (n_ctrl_p > 0))
        parts[inc] = _core(des, lag_l, dy_p, never_p, dist_p)
    res_in, res_out = parts[1], parts[0]
    n1 = res_in[2] if res_in else 0.0
    n0 = res_out[2] if res_out else 0.0
    if n1 + n0 == 0:
        est, se, u_var = np.nan, np.nan, np.zeros(G)
    else:
        w1, w0 = n1 / (n1 + n0), n0 / (n1 + n0)
        u = np.zeros(G)
        u_var = np.zeros(G)
        if res_in:
            u += w1 * res_in[0]
            u_var += w1 * res_in[1]
        if res_out:
            u -= w0 * res_out[0]
            u_var -= w0 * res_out[1]
        est = float(u.sum() / G)
        s_c = np.bincount(pd.factorize(des.clus0)[0], weights=u_var)
        se = float(np.sqrt((s_c**2).sum()) / G)
    row = {
        "event_time": -lag_l if is_placebo else lag_l,
        "estimate": est,
        "std_error": se,
        "n_switchers": int((res_in[3] if res_in else 0) + (res_out[3] if res_out else 0)),
        "n_switchers_in": int(res_in[3] if res_in else 0),
        "n_switchers_out": int(res_out[3] if res_out else 0),
    }
    return row, u_var


@legacy_arguments(roles=("unit", "time", "treatment"))
def did_multiplegt(
    data: pd.DataFrame,
    outcome: str,
    *,
    unit: str = "municipality_id",
    time: str = "year",
    treatment: str = "treated_in_force",
    effects: int = 1,
    placebo: int = 0,
    cluster: str | None = None,
    within: str | None = None,
    level: float = 0.95,
) -> SwitchingEffects:
    """Event-study effects of de Chaisemartin & D'Haultfoeuille for switchers in and out.

    Parameters
    ----------
    data
        Long panel with one row per unit and period (e.g. an outcome panel merged with
        :func:`evaluation.certification_status`).
    outcome, unit, time, treatment
        Column names. ``treatment`` may switch on and off (and take several values); it must be
        observed in every row. The names after ``outcome`` are keyword arguments (positional
        use is deprecated).
    effects
        Number of dynamic effects ``DID_1 .. DID_L`` (periods after the first switch).
    placebo
        Number of placebos (at most ``effects``), reported with ``event_time`` = -1, -2, ...
    cluster
        Column constant within units to cluster on (units are nested in clusters); default:
        each unit is its own cluster.
    within
        Column constant within units: switchers are compared only with units of the same
        value (the comparison of R's ``trends_nonparam``), e.g. the year of certification,
        so that a lapse is compared with units certified in the same year. Each value's
        units form their own design (status quo, last usable period, cohorts of the
        standard errors); ``DID_l`` is the mean over the values weighted by their numbers
        of switchers, and the values' influence functions (disjoint units) add up. Values
        without a comparison unit for any switcher are left out and named in the notes.
    level
        Confidence level of the intervals.

    Returns
    -------
    SwitchingEffects
        ``tidy()`` with ``event_time``, the estimates, standard errors, intervals and numbers
        of switchers. Matches R ``DIDmultiplegtDYN::did_multiplegt_dyn`` 2.2.0 (estimates and
        standard errors, effects and placebos).
    """
    _check_horizons(effects, placebo)
    level = check_level(level)
    u_ids, D, Y, clus0 = _unit_period_arrays(data, outcome, unit, time, treatment, cluster)
    horizons = [(lag_l, False) for lag_l in range(1, effects + 1)]
    horizons += [(lag_l, True) for lag_l in range(1, placebo + 1)]
    notes = [TEXTS["assumption"]]
    if within is None:
        designs = [_switching_design(u_ids, D, Y, clus0, bool(cluster))]
    else:
        designs, skipped = _designs_within(data, unit, within, u_ids, D, Y, clus0, bool(cluster))
        name = Text(f"„{term(within, 'de')}“", f"'{term(within, 'en')}'")
        notes.append(TEXTS["within"].format(within=name))
        if skipped:
            values = ", ".join(str(v) for v in skipped)
            notes.append(TEXTS["within_skipped"].format(values=values))
    ids = np.concatenate([np.asarray(d.ids) for d in designs])
    clus0 = np.concatenate([d.clus0 for d in designs])
    G = len(ids)
    rows: list[dict[str, Any]] = []
    infl: list[np.ndarray] = []
    for lag_l, is_placebo in horizons:
        parts = [_horizon(d, lag_l, is_placebo) for d in designs]
        row, u_var = _combine(parts, [d.G for d in designs], clus0)
        infl.append(u_var)
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("event_time", kind="stable").reset_index(drop=True)
    order = np.argsort([r["event_time"] for r in rows], kind="stable")
    n_in = int(sum(np.nansum(d.S == 1) for d in designs))
    n_out = int(sum(np.nansum(d.S == 0) for d in designs))
    if table["estimate"].isna().any():
        lost = table.loc[table["estimate"].isna(), "event_time"].tolist()
        notes.append(
            Text(
                f"Für die Ereigniszeit(en) {lost} gibt es keine Wechsler mit "
                "Vergleichseinheiten: nicht schätzbar (leer).",
                f"No switchers with comparison units for event time(s) {lost}: not estimable "
                "(empty).",
            )
        )
    cl_name = cluster or unit
    inf = np.column_stack(infl)[:, order] if infl else np.zeros((G, 0))
    codes = pd.factorize(clus0)[0]
    sums = np.zeros((int(codes.max()) + 1, inf.shape[1]))
    np.add.at(sums, codes, inf)
    n_cl = int(np.unique(clus0).size)
    return SwitchingEffects(
        table,
        ["event_time"],
        unit_ids=pd.Index(ids, name=unit),
        title=TEXTS["title"],
        method=TEXTS["method"],
        inference=Inference(
            name="influence_function",
            description=TEXTS["se"].format(cluster=cl_name),
            n_clusters=n_cl,
        ),
        level=level,
        facts={
            "n_units": G,
            "n_switchers_in": n_in,
            "n_switchers_out": n_out,
            "n_clusters": n_cl,
        },
        notes=notes,
        outcome=outcome,
        covariance=sums.T @ sums / G**2,
        influence=inf,
        call={
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "treatment": treatment,
            "effects": effects,
            "placebo": placebo,
            "cluster": cluster,
            "within": within,
            "level": level,
        },
    )


def _designs_within(
    data: pd.DataFrame,
    unit: str,
    within: str,
    u_ids: Any,
    D: np.ndarray,
    Y: np.ndarray,
    clus0: np.ndarray,
    clustered: bool,
) -> tuple[list[_Design], list[Any]]:
    """One switching design per value of ``within`` (constant within units), and the values
    left out because no switcher there has a comparison unit."""
    if within not in data.columns:
        raise DataError(
            f"panel has no column {within!r} for within=; available columns: {list(data.columns)}"
        )
    col = data[within]
    if col.isna().any():
        row = int(np.flatnonzero(col.isna().to_numpy())[0])
        raise DataError(
            f"within column {within!r} is missing in row {row} (unit {data[unit].iloc[row]!r}); "
            "give every unit its value or drop the unit"
        )
    per = data.groupby(unit, sort=True)[within].nunique()
    if (per > 1).any():
        raise DataError(
            f"within column {within!r} varies within unit(s) {per.index[per > 1][:5].tolist()}; "
            "it must be constant within units"
        )
    value = data.groupby(unit, sort=True)[within].first().reindex(u_ids).to_numpy()
    designs: list[_Design] = []
    skipped: list[Any] = []
    for v in pd.unique(value):
        sel = value == v
        try:
            designs.append(_switching_design(u_ids[sel], D[sel], Y[sel], clus0[sel], clustered))
        except DataError:
            skipped.append(v.item() if hasattr(v, "item") else v)
    if not designs:
        raise DataError(
            f"no effect can be estimated: within no value of {within!r} do switchers have "
            "units not yet switched as comparisons"
        )
    return designs, sorted(skipped, key=str)


def _combine(
    parts: list[tuple[dict[str, Any], np.ndarray]], sizes: list[int], clus0: np.ndarray
) -> tuple[dict[str, Any], np.ndarray]:
    """One horizon over several designs with disjoint units: the estimate is the mean of the
    designs' estimates weighted by their numbers of switchers ``N_c``; a unit's influence term
    is rescaled from its design's ``G_c`` and ``N_c`` to the pooled ``G`` and ``N`` and the
    standard error is ``sqrt(sum_cl U_cl^2) / G`` over the pooled clusters (with clusters
    nested in designs: ``sqrt(sum_c (N_c / N)^2 se_c^2)``)."""
    if len(parts) == 1:
        return parts[0]
    g_all = sum(sizes)
    n = np.array([p[0]["n_switchers"] for p in parts], dtype=float)
    total = n.sum()
    row = dict(parts[0][0])
    for k in ("n_switchers", "n_switchers_in", "n_switchers_out"):
        row[k] = int(sum(p[0][k] for p in parts))
    if total == 0:
        row["estimate"] = row["std_error"] = np.nan
        return row, np.zeros(g_all)
    used = n > 0
    est = np.array([p[0]["estimate"] for p in parts])
    row["estimate"] = float(np.dot(n[used], est[used]) / total)
    u = np.concatenate(
        [p[1] * (g_all * n_c / (g_c * total)) for p, n_c, g_c in zip(parts, n, sizes, strict=True)]
    )
    s_c = np.bincount(pd.factorize(clus0)[0], weights=u)
    row["std_error"] = float(np.sqrt((s_c**2).sum()) / g_all)
    return row, u


class TWFEWeights(Estimates):
    """The TWFE coefficient as a weighted sum of the treated cells' effects (de Chaisemartin &
    D'Haultfoeuille 2020). ``tidy()``: one row (the coefficient); ``weights``: per treated
    cell (unit, time, weight); facts: numbers and sums of positive and negative weights."""

    def __init__(self, table: pd.DataFrame, keys: list[str], *, weights: pd.DataFrame, **kw: Any):
        self.weights = weights
        super().__init__(table, keys, **kw)


TWFE_TITLE = Text(
    "Gewichte des TWFE-Koeffizienten (de Chaisemartin & D'Haultfoeuille 2020)",
    "Weights of the TWFE coefficient (de Chaisemartin & D'Haultfoeuille 2020)",
)
TWFE_NOTE = Text(
    "{neg} von {cells} behandelten Zellen haben ein negatives Gewicht (Summe {total}); TWFE ist "
    "dann kein gewichteter Mittelwert der Zelleffekte.",
    "{neg} of {cells} treated cells have a negative weight (sum {total}); TWFE is then no "
    "weighted mean of the cell effects.",
)


@legacy_arguments(roles=("unit", "time", "treatment"))
def twfe_weights(
    panel: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    treatment: str = "treated_in_force",
    tol: float = 1e-12,
) -> TWFEWeights:
    """Weights of the two-way fixed effects coefficient on the treated cells' effects.

    With ``Y_gt = a_g + b_t + beta * D_gt + e_gt``, the coefficient equals
    ``sum over treated cells of w_gt * Delta_gt`` under parallel trends, with
    ``w_gt = eps_gt / sum_{D=1} eps_gt`` and ``eps`` the residual of D on unit and time fixed
    effects (de Chaisemartin & D'Haultfoeuille 2020, Theorem 1, one observation per cell).
    Negative weights mean that the coefficient can have the opposite sign of every cell's
    effect; the facts give their number and sum. ``outcome`` is optional: without it only the
    weights are computed.
    """
    if not isinstance(panel, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(panel).__name__}")
    given = panel.attrs.get("roles") or {}
    unit = unit or given.get("unit", "municipality_id")
    time = time or given.get("time", "year")
    outcome = outcome if outcome is not None else given.get("outcome")
    need = [unit, time, treatment] + ([outcome] if outcome else [])
    missing = [c for c in need if c not in panel.columns]
    if missing:
        raise DataError(f"panel has no column(s) {missing}; available: {list(panel.columns)}")
    df = panel[need].dropna()
    if df.duplicated([unit, time]).any():
        raise DataError(f"duplicate {unit!r}-{time!r} rows; keep one row per unit and period")
    u = pd.factorize(df[unit], sort=True)[0]
    t = pd.factorize(df[time], sort=True)[0]
    d = df[treatment].to_numpy(dtype=float)
    # residual of D on unit and time effects by alternating projections (exact when balanced)
    eps = d - d.mean()
    for _ in range(10_000):
        eps_u = eps - (np.bincount(u, eps) / np.bincount(u))[u]
        new = eps_u - (np.bincount(t, eps_u) / np.bincount(t))[t]
        if np.max(np.abs(new - eps)) < tol:
            eps = new
            break
        eps = new
    if not set(np.unique(d)) <= {0.0, 1.0}:
        raise DataError(f"{treatment!r} must be 0/1 for the TWFE weights")
    on = d == 1
    if not on.any():
        raise DataError(f"no treated cell: {treatment!r} is never 1")
    denom = eps[on].sum()
    w = eps[on] / denom
    cells = pd.DataFrame(
        {unit: df[unit].to_numpy()[on], time: df[time].to_numpy()[on], "weight": w}
    )
    neg = w < 0
    facts = {
        "n_treated_cells": int(on.sum()),
        "n_positive": int((~neg).sum()),
        "n_negative": int(neg.sum()),
        "sum_positive": float(w[~neg].sum()),
        "sum_negative": float(w[neg].sum()),
    }
    if outcome:
        y = df[outcome].to_numpy(dtype=float)
        beta = float((eps * y).sum() / (eps * d).sum())
    else:
        beta = np.nan
    from ..i18n import number

    total = facts["sum_negative"]
    return TWFEWeights(
        pd.DataFrame({"term": ["twfe"], "estimate": [beta], "std_error": [np.nan]}),
        ["term"],
        weights=cells,
        title=TWFE_TITLE,
        method=Text("Zwei-Wege-Fixe-Effekte", "Two-way fixed effects"),
        inference=Inference(
            name="none",
            description=TWFE_NOTE.format(
                neg=facts["n_negative"],
                cells=facts["n_treated_cells"],
                total=Text(number(total, "de", 3), number(total, "en", 3)),
            ),
        ),
        facts=facts,
        outcome=outcome,
    )
