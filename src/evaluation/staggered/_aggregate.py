"""Aggregations of group-time effects (R ``did::aggte``): simple, by cohort, by event time and
by calendar period, with their influence functions.

Every level of an aggregation is a weighted mean of cells, ``theta_j = sum_k W_kj ATT_k``,
with weights from the cohorts' shares of units, ``pg``. Its influence function is
``IF @ W[:, j] + E @ C[:, j]``: the cells' influence functions combined with the same weights,
plus the influence of the estimated shares, which is ``w_i * C[cohort_i, j]`` for unit i
(``E`` holds ``w_i`` in the column of unit i's cohort; R ``did``'s ``wif``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Text
from ..options import AggregationType, check_option
from ..results import with_inference
from ._bootstrap import bootstrap_se, sup_t_critical_value
from ._influence import InfluenceFunctions

if TYPE_CHECKING:
    from .results import AggregatedEffects, GroupTimeEffects

#: a standard error below this (times sqrt(n)) is no standard error (R did's rule)
EPS_SE = np.sqrt(np.finfo(float).eps) * 10

TITLES: dict[str, Text] = {
    "simple": Text("Durchschnittlicher Effekt (ATT)", "Average effect (ATT)"),
    "group": Text("Effekte nach Kohorte", "Effects by cohort"),
    "dynamic": Text("Effekte nach Jahren seit Beginn (Ereignisstudie)", "Event study"),
    "calendar": Text("Effekte nach Kalenderjahr", "Effects by calendar year"),
}
KEYS = {"simple": "term", "group": "cohort", "dynamic": "event_time", "calendar": "time"}
WEIGHTS_NOTE = Text(
    " Gewichte nach Kohortengröße; deren Schätzung geht in die Standardfehler ein.",
    " Weights by cohort size; their estimation is part of the standard errors.",
)


@dataclass(frozen=True)
class Weights:
    """The levels of an aggregation as weighted means of the cells.

    ``cells`` (cells x levels) are the weights of the cells, ``shares`` (cohorts x levels)
    the coefficients of the share influence; ``overall`` combines the levels
    (``overall_cells`` = ``cells @ overall``) and ``overall_shares`` adds share influence
    of its own (cohorts)."""

    key: str
    levels: list[Any]
    estimates: np.ndarray
    cells: np.ndarray
    shares: np.ndarray
    overall_estimate: float
    overall: np.ndarray
    overall_shares: np.ndarray

    @property
    def overall_cells(self) -> np.ndarray:
        return self.cells @ self.overall


def weights(
    cohort: np.ndarray,
    time: np.ndarray,
    att: np.ndarray,
    pgg: np.ndarray,
    glist: np.ndarray,
    times: np.ndarray,
    type: AggregationType,
    *,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: int | None = None,
    need_overall: bool = True,
) -> Weights:
    """The aggregation weights of cells (``cohort``, ``time``, estimate ``att``) with the
    cohorts ``glist`` and their shares of units ``pgg`` (the numerical core of ``aggte``).
    ``need_overall=False`` allows a dynamic aggregation without event times >= 0 (its
    overall effect is then missing)."""
    check_option("type", type, AggregationType)
    if balance_e is not None and type != "dynamic":
        raise DataError("balance_e applies to type='dynamic' only")
    gidx = np.searchsorted(glist, cohort)
    pg = pgg[gidx]
    n_g = len(glist)
    wcols: list[np.ndarray] = []
    ccols: list[np.ndarray] = []

    def add(which: np.ndarray, w: np.ndarray, with_wif: bool) -> None:
        full = np.zeros(len(att))
        full[which] = w
        wcols.append(full)
        ccols.append(
            _wif_coef(gidx[which], pg[which], att[which], n_g) if with_wif else np.zeros(n_g)
        )

    levels: list[Any] = []
    est: list[float] = []
    if type == "simple":
        keep = np.flatnonzero((cohort <= time) & (time <= cohort + max_e))
        if len(keep) == 0:
            raise DataError("no post-treatment group-time effects to aggregate")
        wk = pg[keep] / pg[keep].sum()
        o_est = float(att[keep] @ wk)
        add(keep, wk, True)
        levels, est = ["ATT"], [o_est]
        o_comb, o_extra = np.ones(1), np.zeros(n_g)
    elif type == "group":
        used = []
        for i, g in enumerate(glist):
            which = np.flatnonzero((cohort == g) & (g <= time) & (time <= cohort + max_e))
            if len(which) == 0:
                continue
            used.append(i)
            levels.append(int(g))
            est.append(float(att[which].mean()))
            add(which, np.full(len(which), 1 / len(which)), False)
        if not used:
            raise DataError("no post-treatment group-time effects to aggregate")
        p = pgg[used]
        est_a = np.asarray(est)
        o_est = float(est_a @ (p / p.sum()))
        o_comb = p / p.sum()
        o_extra = _wif_coef(np.asarray(used), p, est_a, n_g)
    elif type == "dynamic":
        e_all = time - cohort
        include = np.ones(len(att), dtype=bool)
        eseq = np.unique(e_all)
        if balance_e is not None:
            max_t = time.max()
            include = (max_t - cohort) >= balance_e
            eseq = np.unique(e_all[include])
            eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - max_t + times[0])]
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        if len(eseq) == 0:
            raise DataError("no event times left to aggregate (check min_e/max_e/balance_e)")
        for e in eseq:
            which = np.flatnonzero((e_all == e) & include)
            wk = pg[which] / pg[which].sum()
            levels.append(int(e))
            est.append(float(att[which] @ wk))
            add(which, wk, True)
        epos = np.asarray(levels) >= 0
        if not epos.any() and need_overall:
            raise DataError("no event times >= 0 to average for the overall effect")
        o_est = float(np.mean(np.asarray(est)[epos])) if epos.any() else np.nan
        o_comb, o_extra = epos / max(epos.sum(), 1), np.zeros(n_g)
    else:  # calendar
        for t1 in times[times >= cohort.min()]:
            which = np.flatnonzero((time == t1) & (cohort <= time))
            if len(which) == 0:
                continue
            wk = pg[which] / pg[which].sum()
            levels.append(int(t1))
            est.append(float(att[which] @ wk))
            add(which, wk, True)
        o_est = float(np.mean(est))
        o_comb, o_extra = np.full(len(est), 1 / len(est)), np.zeros(n_g)
    return Weights(
        key=KEYS[type],
        levels=levels,
        estimates=np.asarray(est, dtype=float),
        cells=np.column_stack(wcols),
        shares=np.column_stack(ccols),
        overall_estimate=o_est,
        overall=np.asarray(o_comb, dtype=float),
        overall_shares=np.asarray(o_extra, dtype=float),
    )


def _wif_coef(gidx_k: np.ndarray, pg_k: np.ndarray, att_k: np.ndarray, n_groups: int) -> np.ndarray:
    """Influence of estimating the cohort-size weights pg_k / sum(pg), times the effects
    (R did's ``wif(...) %*% att``): for unit i it is ``w_i * coef[cohort of i]`` (0 for units
    outside the cohorts), and this returns ``coef`` per cohort index."""
    s = pg_k.sum()
    att_sum = np.bincount(gidx_k, weights=att_k, minlength=n_groups)
    cnt = np.bincount(gidx_k, minlength=n_groups).astype(float)
    return att_sum / s - cnt * float(pg_k @ att_k) / s**2


def cohorts_and_shares(gt: GroupTimeEffects) -> tuple[np.ndarray, np.ndarray]:
    """The cohorts of the cells and their shares of (weighted) units."""
    glist = np.unique(gt._table["cohort"].to_numpy())
    w, coh = gt.sample.weights, gt.sample.cohort
    return glist, np.array([np.mean(w * (coh == g)) for g in glist])


def share_matrix(gt: GroupTimeEffects) -> np.ndarray:
    """``E`` (units x cohorts of the cells): the unit's weight in its cohort's column."""
    glist, _ = cohorts_and_shares(gt)
    coh, w = gt.sample.cohort, gt.sample.weights
    pos = np.minimum(np.searchsorted(glist, coh), len(glist) - 1)
    has = glist[pos] == coh
    e_mat = np.zeros((gt.n_units, len(glist)))
    e_mat[np.flatnonzero(has), pos[has]] = w[has]
    return e_mat


def aggregation_weights(
    gt: GroupTimeEffects,
    type: AggregationType,
    *,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: int | None = None,
    need_overall: bool = True,
) -> Weights:
    """The weights of ``type`` for the cells of ``gt``."""
    t = gt._table
    glist, pgg = cohorts_and_shares(gt)
    return weights(
        t["cohort"].to_numpy(),
        t["time"].to_numpy(),
        t["estimate"].to_numpy(dtype=float),
        pgg,
        glist,
        gt.sample.times,
        type,
        min_e=min_e,
        max_e=max_e,
        balance_e=balance_e,
        need_overall=need_overall,
    )


def aggregate(
    gt: GroupTimeEffects,
    type: AggregationType = "simple",
    *,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: int | None = None,
) -> AggregatedEffects:
    """See :meth:`GroupTimeEffects.aggregate`."""
    from .results import AggregatedEffects, OverallEffect

    wt = aggregation_weights(gt, type, min_e=min_e, max_e=max_e, balance_e=balance_e)
    e_mat = share_matrix(gt)
    lev_if = gt._if.combine(wt.cells, e_mat @ wt.shares)
    o_if = lev_if.combine(wt.overall[:, None], (e_mat @ wt.overall_shares)[:, None])
    se = lev_if.std_errors()
    se = np.where(se <= EPS_SE / np.sqrt(gt.n_units), np.nan, se)
    o_se = float(o_if.std_errors()[0])
    table = pd.DataFrame({wt.key: wt.levels, "estimate": wt.estimates})
    if gt._bootstrap is not None:
        # the bootstrap is linear in the influence functions: combine the cells' draws
        assert gt._cell_draws is not None
        share = gt._share_draws
        lev = gt._cell_draws @ wt.cells + share @ wt.shares
        draws = np.column_stack([lev, lev @ wt.overall + share @ wt.overall_shares])
        bse = bootstrap_se(draws, gt.sample.n_clusters)
        crit = sup_t_critical_value(draws[:, :-1], bse[:-1], gt.level)
        table["std_error_analytic"] = se
        table["std_error"] = bse[:-1]
        if type != "simple":
            table["band_low"] = table["estimate"] - crit * bse[:-1]
            table["band_high"] = table["estimate"] + crit * bse[:-1]
        o_se = float(bse[-1])
    else:
        table["std_error"] = se
    assert gt.inference is not None
    inference = with_inference(gt.inference, description=gt.inference.description + WEIGHTS_NOTE)
    common: dict[str, Any] = dict(
        title=TITLES[type],
        method=gt.method,
        inference=inference,
        level=gt.level,
        facts=dict(gt.facts),
        outcome=gt.outcome,
        call={**gt.call, "aggregate": type, "min_e": min_e, "max_e": max_e, "balance_e": balance_e},
    )
    overall = OverallEffect(
        pd.DataFrame({"term": ["overall"], "estimate": [wt.overall_estimate], "std_error": [o_se]}),
        influence=o_if,
        **common,
    )
    return AggregatedEffects(
        table,
        [wt.key],
        type=type,
        overall=overall,
        influence=lev_if,
        source=gt,
        **common,
    )


def level_influence(gt: GroupTimeEffects, wt: Weights) -> InfluenceFunctions:
    """Influence functions of the levels of an aggregation."""
    return gt._if.combine(wt.cells, share_matrix(gt) @ wt.shares)
