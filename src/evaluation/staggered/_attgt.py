"""Group-time average treatment effects ATT(g, t) of Callaway & Sant'Anna (2021).

Written for this package in vectorised numpy and checked cell by cell against R ``did`` 2.5.0
(point estimates to 1e-8, analytic standard errors to 1e-6 relative). The panel is checked and
turned into a units x periods matrix once (:func:`evaluation.study.panel.wide_panel`); the cells
are estimated here, the aggregations are in :mod:`._aggregate`, the pre-tests in
:mod:`._pretest` and the result classes in :mod:`.results`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError, StaggeredWarning
from ..i18n import Text, number
from ..options import (
    BasePeriod,
    ControlGroup,
    DRMethod,
    Unbalanced,
    check_draw_memory,
    check_draws,
    check_option,
)
from ..results import Inference, check_level
from ..study.panel import Roles, WidePanel, resolve_roles, wide_panel
from ._aggregate import EPS_SE
from ._bootstrap import MultiplierBootstrap, bootstrap_se, sup_t_critical_value
from ._compat import legacy_arguments
from ._data import excluded_notes, no_never_treated_cause
from ._drdid import ESTIMATORS, CellNotEstimable, Design, diff_in_means
from ._influence import cluster_se
from .results import GroupTimeEffects, UnitSample

#: deprecated aliases of the vocabularies in :mod:`evaluation.options`
Method = DRMethod

TITLE = Text("Gruppen-Zeit-Effekte ATT(g,t)", "Group-time effects ATT(g,t)")
METHOD_NAMES: dict[str, Text] = {
    "dr": Text(
        "Callaway & Sant'Anna, doppelt robust (Sant'Anna & Zhao 2020)",
        "Callaway & Sant'Anna, doubly robust (Sant'Anna & Zhao 2020)",
    ),
    "ipw": Text(
        "Callaway & Sant'Anna, inverse Wahrscheinlichkeitsgewichtung (normiert)",
        "Callaway & Sant'Anna, inverse probability weighting (normalised)",
    ),
    "reg": Text(
        "Callaway & Sant'Anna, Ergebnisregression", "Callaway & Sant'Anna, outcome regression"
    ),
}
SE_ANALYTIC = Text(
    "Standardfehler aus den Einflussfunktionen: Wurzel der Summe der quadrierten Clustersummen "
    "/ n (bei Klumpung nach Einheit Rs Konvention sqrt(mean(IF^2)/n)); geklumpt nach {cluster}.",
    "Standard errors from the influence functions, sqrt(sum of squared cluster sums)/n (R "
    "did's convention sqrt(mean(IF^2)/n) when clustered by unit); clustered by {cluster}.",
)
SE_BOOTSTRAP = Text(
    "Standardfehler: Multiplikator-Bootstrap ({n} Mammen-Ziehungen, Startwert {seed}, geklumpt "
    "nach {cluster}); simultanes sup-t-Band mit kritischem Wert {crit}.",
    "Standard errors: multiplier bootstrap ({n} Mammen draws, seed {seed}, clustered by "
    "{cluster}); simultaneous sup-t band with critical value {crit}.",
)
SINGLE_UNIT_NOTE = Text(
    "Kohorte(n) {cohorts} mit nur einer behandelten Einheit: deren Standardfehler bilden nur "
    "die Streuung der Vergleichseinheiten ab (Randomisierungsinferenz empfohlen: "
    "evaluation.randomization_att_gt).",
    "Cohort(s) {cohorts} with a single treated unit: their standard errors reflect only the "
    "comparison units (use randomisation inference: evaluation.randomization_att_gt).",
)
FLAT_NOTE = Text(
    "Ohne Standardfehler (keine Streuung der Veränderung im Vergleich): {cells}.",
    "No standard error (the change does not vary in the comparison): {cells}.",
)
REFERENCE_NOTE = Text(
    "Universelle Basisperiode: die Referenzzelle (g - 1 - Antizipation) ist per Konstruktion 0 "
    "und hat keinen Standardfehler.",
    "Universal base period: the reference cell (g - 1 - anticipation) is 0 by construction "
    "and has no standard error.",
)
EXCLUDED_CELLS_NOTE = Text(
    "{k} Gruppen-Zeit-Zelle(n) nicht schätzbar und ausgelassen (excluded_cells).",
    "{k} group-time cell(s) not estimable and left out (excluded_cells).",
)
LAST_COHORT_NOTE = Text(
    "Ohne nie behandelte Einheiten ist die letzte Kohorte ({g}) der Vergleich.",
    "Without never-treated units the last cohort ({g}) is the comparison.",
)


# an estimator core documented in its docstring (about 125 lines: the checks, the cells, the
# influence functions and the result, read in one piece)
@legacy_arguments(renamed={"bootstrap": "n_draws"})
def att_gt(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    control_group: ControlGroup = "never_treated",
    method: DRMethod = "dr",
    covariates: Sequence[str] | None = None,
    anticipation: int = 0,
    base_period: BasePeriod = "varying",
    cluster: str | None = None,
    n_draws: int | None = None,
    seed: int | np.random.SeedSequence = 0,
    weights: str | None = None,
    unbalanced: Unbalanced = "drop",
    level: float = 0.95,
    progress: bool = False,
    panel: bool = True,
) -> GroupTimeEffects:
    """Group-time average treatment effects ATT(g, t) of Callaway & Sant'Anna (2021).

    Parameters
    ----------
    data
        Long panel, one row per unit and period (e.g. ``study.panel("childcare_u3")``).
    outcome, unit, time, cohort
        Column roles; default to ``data.attrs["roles"]`` of a panel from ``build_panel``.
        ``cohort`` is the first treated period, 0 or missing for never treated units. The
        roles after ``outcome`` are keyword arguments (positional use is deprecated).
    control_group
        ``"never_treated"`` or ``"not_yet_treated"`` (never treated units plus units first
        treated after the later of the two periods of a comparison, + anticipation).
    method
        ``"dr"`` doubly robust (Sant'Anna & Zhao), ``"ipw"`` normalised inverse probability
        weighting, ``"reg"`` outcome regression. Without covariates all three coincide.
    covariates
        Columns entering the propensity score and/or outcome regression, with their values in
        the earlier period of each comparison (the base period of post-treatment cells).
    anticipation
        Number of periods before the cohort year in which units may already react.
    base_period
        ``"varying"`` (R's default: pre-treatment cells compare consecutive periods) or
        ``"universal"`` (every cell compares with period g - 1 - anticipation).
    cluster
        Column constant within units (e.g. state) to cluster standard errors and bootstrap on;
        units are always the finest cluster.
    n_draws, seed
        Number of multiplier bootstrap draws (Mammen weights; ``None``: analytic standard
        errors) and their seed (results are reproducible for a given seed; change it to
        check the Monte Carlo error). With a bootstrap the standard errors are bootstrap
        standard errors and simultaneous (sup-t) bands are added as ``band_low`` /
        ``band_high``. ``bootstrap=`` is the deprecated name of ``n_draws``.
    weights
        Column of sampling weights, constant within units.
    unbalanced
        ``"drop"`` (default, as R): units missing in some period are dropped with a warning.
        ``"pairwise"``: every cell uses the units observed in both of its periods.
    level
        Confidence level of intervals and bands.
    progress
        Show a progress bar during the bootstrap.
    panel
        ``True`` (default): units followed over time. ``False``: repeated cross-sections
        (e.g. surveys), every row its own observation with ``time`` and ``cohort``; ``unit``
        is not used, the cells compare observations with the DRDID estimators for repeated
        cross-sections (``method`` ``"dr"``: locally efficient ``drdid_rc``, ``"ipw"``:
        ``std_ipw_did_rc``, ``"reg"``: ``reg_did_rc``) and covariates are each
        observation's own values, as R ``did::att_gt(..., panel = FALSE)``; analytic
        standard errors only (no ``cluster``, no ``n_draws``). See
        :mod:`evaluation.staggered.repeated`.

    Returns
    -------
    GroupTimeEffects
        ``tidy()`` with ``cohort``, ``time``, ``event_time``, ``post``, the estimates and the
        numbers of treated and comparison units of every cell (``n_treated_units``,
        ``n_comparison_units``); ``aggregate()``, ``pretest()``, ``influence()``, ``vcov()``.
    """
    check_option("control_group", control_group, ControlGroup)
    check_option("method", method, DRMethod)
    check_option("base_period", base_period, BasePeriod)
    if not isinstance(panel, bool):
        raise OptionError(f"panel must be True or False, got {panel!r}")
    if not panel:
        if cluster is not None or n_draws is not None:
            raise OptionError(
                "att_gt(panel=False) has analytic standard errors with every observation its "
                "own cluster: leave out cluster= and n_draws="
            )
        from .repeated import att_gt_repeated

        return att_gt_repeated(
            data,
            resolve_roles(data, outcome, unit, time, cohort),
            control_group=control_group,
            method=method,
            covariates=list(covariates or []),
            anticipation=anticipation,
            base_period=base_period,
            weights=weights,
            level=level,
        )
    if n_draws is not None:
        check_draws("n_draws", n_draws, minimum=2)
    level = check_level(level)
    covariates = list(covariates or [])
    roles = resolve_roles(data, outcome, unit, time, cohort)
    wp = wide_panel(
        data,
        roles,
        covariates=covariates,
        weights=weights,
        cluster=cluster,
        anticipation=anticipation,
        unbalanced=unbalanced,
    )
    _refuse_constant_covariates(wp)
    notes: list[Text] = list(excluded_notes(wp.excluded))
    times, y, coh, covs = _comparison_group(wp, roles, control_group, anticipation, notes)
    cells = _compute_cells(
        times, y, coh, wp.weights, covs, control_group, method, anticipation, base_period
    )
    group, tt, att, inf, post, n_t, n_c, ref, excluded_cells = cells
    if len(att) == 0:
        reasons = sorted(set(excluded_cells["reason"].tolist()))
        raise DataError(
            "no group-time effect can be estimated: "
            + ("; ".join(reasons[:5]) if reasons else "see the warnings")
        )
    se = cluster_se(inf, wp.cluster, wp.n_clusters)
    se[ref] = np.nan
    # R did's rule: a (numerically) zero standard error is no standard error
    flat = ~ref & (se <= EPS_SE / np.sqrt(wp.n))
    if flat[~ref].all():
        raise DataError(
            f"outcome {roles.outcome!r} changes by the same amount for every unit in every "
            "comparison of a cohort with its comparison group (every group-time effect is "
            f"{att[~ref][0]:g} with no variance): the outcome is constant within every "
            "comparison, so no effect is identified; check the indicator (e.g. a value "
            "carried forward for all units)"
        )
    se[flat] = np.nan
    table = pd.DataFrame(
        {
            "cohort": group,
            "time": tt,
            "estimate": att,
            "std_error": se,
            "event_time": tt - group,
            "post": post.astype(np.int64),
            "n_treated_units": n_t,
            "n_comparison_units": n_c,
        }
    )
    cluster_name = cluster or roles.unit
    boot, draws = None, None
    description = SE_ANALYTIC.format(cluster=cluster_name)
    if n_draws is not None:
        boot, draws, description = _bootstrap(
            table, inf, wp, int(n_draws), seed, progress, level, cluster_name
        )
    treated_cl = int(np.unique(wp.cluster[coh > 0]).size)
    inference = Inference(
        name="multiplier_bootstrap" if n_draws is not None else "influence_function",
        description=description,
        n_clusters=wp.n_clusters,
        n_treated_clusters=treated_cl,
    )
    notes += _cell_notes(group, tt, coh, flat, ref, excluded_cells)
    facts: dict[str, Any] = {
        "n_units": wp.n,
        "n_clusters": wp.n_clusters,
        "control_group": control_group,
        "base_period": base_period,
        "anticipation": anticipation,
    }
    if covariates:
        facts["covariates"] = ", ".join(covariates)
    call = {
        "outcome": roles.outcome,
        "unit": roles.unit,
        "time": roles.time,
        "cohort": roles.cohort,
        "control_group": control_group,
        "method": method,
        "covariates": covariates,
        "anticipation": anticipation,
        "base_period": base_period,
        "cluster": cluster,
        "n_draws": n_draws,
        "seed": seed,
        "weights": weights,
        "unbalanced": unbalanced,
        "level": level,
    }
    res = GroupTimeEffects(
        table,
        sample=UnitSample(
            unit_ids=wp.unit_ids,
            cohort=coh,
            weights=wp.weights,
            cluster=wp.cluster,
            n_clusters=wp.n_clusters,
            times=times,
            y=y,
        ),
        influence=inf,
        reference=ref,
        bootstrap=boot,
        cell_draws=draws,
        excluded_units=wp.excluded,
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
    inference.warn("att_gt")
    return res


def _refuse_constant_covariates(wp: WidePanel) -> None:
    for c, xc in wp.covariates.items():
        if np.isfinite(xc).any() and np.nanmin(xc) == np.nanmax(xc):
            raise DataError(
                f"covariate {c!r} is constant ({np.nanmin(xc):g}) in the whole panel, so it "
                "cannot adjust any comparison; drop it from covariates"
            )


def _comparison_group(
    wp: WidePanel, roles: Roles, control_group: str, anticipation: int, notes: list[Text]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Periods, outcomes, cohorts and covariates; without never-treated units the last
    cohort becomes the comparison (with not-yet-treated controls) and its treated periods
    are dropped."""
    times, y, coh, covs = wp.times, wp.y, wp.cohort, dict(wp.covariates)
    if (coh == 0).any():
        return times, y, coh, covs
    cause = no_never_treated_cause(wp.excluded)
    if control_group == "never_treated":
        raise DataError(
            f"there are no never-treated units left: {cause}"
            if cause
            else f"there are no never-treated units (cohort 0 or missing in "
            f"{roles.cohort!r}); use control_group='not_yet_treated'"
        )
    gmax = int(coh.max())
    keep_t = times < gmax - anticipation
    if keep_t.sum() < 2:
        raise DataError(
            "there are no never-treated units and too few periods before the last "
            "cohort starts to use it as the comparison group"
        )
    warnings.warn(
        f"no never-treated units{' (' + cause + ')' if cause else ''}: the last cohort "
        f"({gmax}) serves as the comparison group and periods from {gmax - anticipation} "
        "on are dropped",
        StaggeredWarning,
        stacklevel=4,
    )
    notes.append(LAST_COHORT_NOTE.format(g=gmax))
    covs = {c: x[:, keep_t] for c, x in covs.items()}
    return times[keep_t], y[:, keep_t], np.where(coh == gmax, 0, coh), covs


def _bootstrap(
    table: pd.DataFrame,
    inf: np.ndarray,
    wp: WidePanel,
    n_draws: int,
    seed: int | np.random.SeedSequence,
    progress: bool,
    level: float,
    cluster_name: str,
) -> tuple[MultiplierBootstrap, np.ndarray, Text]:
    """Bootstrap standard errors and sup-t bands of the cells (written into ``table``)."""
    k = len(table)
    # Mammen indicators (draws x clusters, single precision) and the cells' draws; the
    # indicators are regenerated in blocks beyond _bootstrap.MEMORY_BUDGET, but their number
    # still bounds the work (and the memory where they are stored)
    check_draw_memory(
        n_draws * (4.0 * wp.n_clusters + 8.0 * 2 * (k + 1)),
        f"the multiplier bootstrap with {n_draws:,} draws for {wp.n_clusters:,} clusters and "
        f"{k} cells",
        "use fewer draws (999 or 9999 are usual) or cluster at a coarser level",
    )
    boot = MultiplierBootstrap(wp.cluster, wp.n_clusters, n_draws, seed, progress)
    draws = boot.draws(inf)
    bse = bootstrap_se(draws, wp.n_clusters)
    crit = sup_t_critical_value(draws, bse, level)
    att = table["estimate"].to_numpy()
    table["std_error_analytic"] = table["std_error"]
    table["std_error"] = bse
    table["band_low"] = att - crit * bse
    table["band_high"] = att + crit * bse
    crit_text = Text(number(crit, "de", 3), number(crit, "en", 3))
    description = SE_BOOTSTRAP.format(n=n_draws, seed=seed, cluster=cluster_name, crit=crit_text)
    return boot, draws, description


def _cell_notes(
    group: np.ndarray,
    tt: np.ndarray,
    coh: np.ndarray,
    flat: np.ndarray,
    ref: np.ndarray,
    excluded_cells: pd.DataFrame,
) -> list[Text]:
    notes: list[Text] = []
    small = sorted(int(g) for g in np.unique(group) if (coh == g).sum() < 2)
    if small:
        cohorts = ", ".join(map(str, small))
        warnings.warn(
            f"cohort(s) {cohorts} have a single treated unit: the standard errors of their "
            "cells reflect only the comparison units' variability and understate the "
            "uncertainty; use randomisation inference (evaluation.randomization_att_gt)",
            StaggeredWarning,
            stacklevel=4,
        )
        notes.append(SINGLE_UNIT_NOTE.format(cohorts=cohorts))
    if flat.any():
        cells_txt = ", ".join(f"({g}, {t})" for g, t in zip(group[flat], tt[flat], strict=True))
        notes.append(FLAT_NOTE.format(cells=cells_txt))
    if ref.any():
        notes.append(REFERENCE_NOTE)
    if len(excluded_cells):
        notes.append(EXCLUDED_CELLS_NOTE.format(k=len(excluded_cells)))
    return notes


# an estimator core documented in its docstring (about 130 lines: the loop over cohorts and
# periods with the influence functions, read in one piece)
def _compute_cells(times, y, coh, w_all, covs, control_group, method, anticipation, base_period):
    """Loop over cohorts and periods; returns arrays of the cells and the (n, K) influence
    functions (zero for units outside a cell's treated and comparison groups)."""
    n, T = y.shape
    glist = np.unique(coh[coh > 0])
    observed = ~np.isnan(y)
    estimator = ESTIMATORS[method]
    cov_names = list(covs)
    out_g, out_t, out_att, out_post, out_nt, out_nc, out_ref = [], [], [], [], [], [], []
    inf = np.zeros((n, len(glist) * T), order="F")  # filled column by column
    missing: list[tuple[int, int, str]] = []
    excluded: list[tuple[int, int, str]] = []  # cells whose covariate models cannot be fitted
    # covariates constant within units (the usual baseline covariates) do not depend on the
    # period, so cells with the same units share one propensity score and OLS fit
    invariant = all(_unit_constant(x) for x in covs.values())
    if invariant:
        covs = {c: _first_observed(x)[:, None] for c, x in covs.items()}
    designs: dict[tuple, tuple[np.ndarray, Design]] = {}
    never = coh == 0
    for g in glist:
        treated = coh == g
        base_post = int(np.flatnonzero(times + anticipation < g)[-1])
        current = range(1, T) if base_period == "varying" else range(T)
        for tc in current:
            is_post = g <= times[tc]
            if is_post or base_period == "universal":
                b = base_post
            else:
                b = tc - 1
            if tc == b:  # universal base period: the reference cell itself
                out_g.append(g), out_t.append(times[tc]), out_att.append(0.0)
                out_post.append(False), out_ref.append(True)
                out_nt.append(int(treated.sum())), out_nc.append(0)
                continue
            later = max(tc, b)
            if control_group == "never_treated":
                control = never
            else:
                control = never | ((coh > times[later] + anticipation) & ~treated)
            sel = (treated | control) & observed[:, tc] & observed[:, b]
            idx = np.flatnonzero(sel)
            d = treated[idx].astype(np.float64)
            nt = int(d.sum())
            nc = len(idx) - nt
            if nt == 0 or nc == 0:
                missing.append((int(g), int(times[tc]), "treated" if nt == 0 else "comparison"))
                continue
            dy = y[idx, tc] - y[idx, b]
            w = w_all[idx]
            w = w / w.mean()
            if cov_names:
                s_cov = 0 if invariant else min(tc, b)
                key = (hash(idx.tobytes()), len(idx), s_cov, int(g))
                hit = designs.get(key)
                try:
                    if hit is not None and np.array_equal(hit[0], idx):
                        des = hit[1]
                        if isinstance(des, CellNotEstimable):
                            raise des
                    else:
                        try:
                            x = _design(covs, cov_names, idx, s_cov, g, times[tc], d)
                        except CellNotEstimable as err:
                            designs[key] = (idx, err)
                            raise
                        des = Design(x, d, w)
                        designs[key] = (idx, des)
                    a, inf_c = estimator(dy, des)
                except CellNotEstimable as err:
                    excluded.append((int(g), int(times[tc]), str(err)))
                    continue
                except np.linalg.LinAlgError:
                    excluded.append(
                        (int(g), int(times[tc]), "the covariates are collinear within the cell")
                    )
                    continue
            else:
                a, inf_c = diff_in_means(dy, d, w)
            inf[idx, len(out_g)] = inf_c * (n / len(idx))
            out_g.append(g), out_t.append(times[tc]), out_att.append(a)
            out_post.append(bool(is_post)), out_ref.append(False)
            out_nt.append(nt), out_nc.append(nc)
    if missing:
        lost = sorted({g for g, _, _ in missing} - set(out_g))
        cells = ", ".join(f"({g}, {t}): no {why} units" for g, t, why in missing[:15])
        more = f" and {len(missing) - 15} more" if len(missing) > 15 else ""
        msg = f"dropped {len(missing)} group-time cell(s) without usable units: {cells}{more}"
        if lost:
            msg += f"; cohort(s) {lost} have no estimable cell at all"
        warnings.warn(msg, StaggeredWarning, stacklevel=4)
    if excluded:
        by_reason: dict[str, list[str]] = {}
        for g, t, why in excluded:
            by_reason.setdefault(why, []).append(f"({g}, {t})")
        parts = [
            f"{', '.join(c[:10])}{f' and {len(c) - 10} more' if len(c) > 10 else ''}: {why}"
            for why, c in by_reason.items()
        ]
        hint = (
            " Fewer covariates or method='reg' may make them estimable."
            if any("separated" in why or "overlap" in why for why in by_reason)
            else ""
        )
        warnings.warn(
            f"dropped {len(excluded)} group-time cell(s) (cohort, period) whose covariate "
            f"model cannot be estimated: {'; '.join(parts)}. They are listed in "
            f"excluded_cells of the result.{hint}",
            StaggeredWarning,
            stacklevel=4,
        )
    cells_out = pd.DataFrame(
        {
            "cohort": pd.array([g for g, _, _ in missing + excluded], dtype="int64"),
            "time": pd.array([t for _, t, _ in missing + excluded], dtype="int64"),
            "reason": pd.array(
                [f"no {why} units" for _, _, why in missing] + [why for _, _, why in excluded],
                dtype="string",
            ),
        }
    ).sort_values(["cohort", "time"], kind="stable", ignore_index=True)
    inf = inf[:, : len(out_g)]
    return (
        np.asarray(out_g, dtype=np.int64),
        np.asarray(out_t, dtype=np.int64),
        np.asarray(out_att, dtype=float),
        inf,
        np.asarray(out_post, dtype=bool),
        np.asarray(out_nt, dtype=np.int64),
        np.asarray(out_nc, dtype=np.int64),
        np.asarray(out_ref, dtype=bool),
        cells_out,
    )


def _unit_constant(x: np.ndarray) -> bool:
    """Whether a (n, T) covariate is the same in every observed period of each unit."""
    obs = ~np.isnan(x)
    lo = np.where(obs, x, np.inf).min(axis=1)
    hi = np.where(obs, x, -np.inf).max(axis=1)
    some = obs.any(axis=1)
    return bool(np.all(lo[some] == hi[some]))


def _first_observed(x: np.ndarray) -> np.ndarray:
    """The first non-missing value of each row (NaN if none)."""
    obs = ~np.isnan(x)
    first = obs.argmax(axis=1)
    out = x[np.arange(len(x)), first]
    return np.where(obs.any(axis=1), out, np.nan)


def _design(covs, names, idx, s, g, t_cov, d):
    """Intercept plus covariates (values in period index ``s``) for the units ``idx``.

    A missing covariate value is an error of the data (:class:`DataError`); a covariate
    that does not vary among the units of this comparison only makes the cell not estimable
    (:class:`CellNotEstimable`)."""
    cols = [np.ones(len(idx))]
    for c in names:
        x = covs[c][idx, s]
        if np.isnan(x).any():
            raise DataError(
                f"covariate {c!r} is missing in period {t_cov} for "
                f"{int(np.isnan(x).sum())} unit(s) of cohort {g} or its comparison group; "
                "fill or drop those units"
            )
        if np.ptp(x) == 0:
            raise CellNotEstimable(
                f"covariate {c!r} is constant ({x[0]:g}) among the cohort's and the "
                "comparison units"
            )
        cols.append(x)
    return np.column_stack(cols)


__all__ = ["att_gt"]
