"""Group-time average treatment effects (Callaway & Sant'Anna 2021) and their aggregations.

Written for this package in vectorised numpy and checked cell by cell against R ``did`` 2.5.0
(point estimates to 1e-8, analytic standard errors to 1e-6 relative).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..codes import Lang, check_lang
from ..errors import DataError
from ..i18n import Text, tr
from ..labels import term
from ..results import Estimates, TableResult, check_draw_memory, check_draws, with_inference
from ..study.panel import resolve_roles
from ._bootstrap import MultiplierBootstrap, bootstrap_se, cluster_sums, sup_t_critical_value
from ._data import (
    StaggeredWarning,
    Unbalanced,
    excluded_notes,
    no_never_treated_cause,
    wide_panel,
)
from ._drdid import ESTIMATORS, CellNotEstimable, Design, diff_in_means

ControlGroup = Literal["never_treated", "not_yet_treated"]
Method = Literal["dr", "ipw", "reg"]
BasePeriod = Literal["varying", "universal"]
AggregationType = Literal["simple", "group", "dynamic", "calendar"]

METHOD_NAMES = {
    "dr": "doubly robust (Sant'Anna & Zhao 2020)",
    "ipw": "inverse probability weighting (normalised)",
    "reg": "outcome regression",
}
_EPS_SE = np.sqrt(np.finfo(float).eps) * 10


class Bilingual:
    """Deprecated mixin (the texts of results are :class:`~evaluation.i18n.Text` now)."""

    title_en: str | None = None
    se_note_en: str | None = None

    def _title(self, lang: Lang) -> str:
        return tr(self.title, lang)  # type: ignore[attr-defined]


def localise(result, title_en: str, se_note_en: str | None = None):
    """Give a result built with German texts its English title (and standard-error note)."""
    object.__setattr__(result, "title", Text(tr(result.title, "de"), title_en))
    if se_note_en is not None and getattr(result, "inference", None) is not None:
        inf = result.inference
        object.__setattr__(
            result,
            "inference",
            with_inference(inf, description=Text(inf.description.de, se_note_en)),
        )
    return result


def _check_choice(name: str, value: Any, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")


def att_gt(
    data: pd.DataFrame,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    *,
    control_group: ControlGroup = "never_treated",
    method: Method = "dr",
    covariates: Sequence[str] | None = None,
    anticipation: int = 0,
    base_period: BasePeriod = "varying",
    cluster: str | None = None,
    bootstrap: int | None = None,
    seed: int | np.random.SeedSequence = 0,
    weights: str | None = None,
    unbalanced: Unbalanced = "drop",
    level: float = 0.95,
    progress: bool = False,
) -> GroupTimeEffects:
    """Group-time average treatment effects ATT(g, t) of Callaway & Sant'Anna (2021).

    Parameters
    ----------
    data
        Long panel, one row per unit and period (e.g. ``study.panel("childcare_u3")``).
    outcome, unit, time, cohort
        Column roles; default to ``data.attrs["roles"]`` of a panel from ``build_panel``.
        ``cohort`` is the first treated period, 0 or missing for never treated units.
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
    bootstrap, seed
        Number of multiplier bootstrap draws (Mammen weights) and their seed (results are
        reproducible for a given seed; change it to check the Monte Carlo error); with a bootstrap
        the standard errors are bootstrap standard errors and simultaneous (sup-t) bands are
        added as ``band_low`` / ``band_high``.
    weights
        Column of sampling weights, constant within units.
    unbalanced
        ``"drop"`` (default, as R): units missing in some period are dropped with a warning.
        ``"pairwise"``: every cell uses the units observed in both of its periods.
    level
        Confidence level of intervals and bands.
    progress
        Show a progress bar during the bootstrap.
    """
    _check_choice("control_group", control_group, ("never_treated", "not_yet_treated"))
    _check_choice("method", method, tuple(ESTIMATORS))
    _check_choice("base_period", base_period, ("varying", "universal"))
    if bootstrap is not None:
        check_draws("bootstrap", bootstrap, minimum=2)
    if not (isinstance(level, float | int) and 0 < level < 1):
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
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
    times, y, coh = wp.times, wp.y, wp.cohort
    covs = wp.covariates
    notes: list[str] = []
    for c, xc in covs.items():
        if np.isfinite(xc).any() and np.nanmin(xc) == np.nanmax(xc):
            raise DataError(
                f"covariate {c!r} is constant ({np.nanmin(xc):g}) in the whole panel, so it "
                "cannot adjust any comparison; drop it from covariates"
            )

    notes += excluded_notes(wp.excluded)
    if not (coh == 0).any():
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
            stacklevel=2,
        )
        notes.append(f"Without never-treated units the last cohort ({gmax}) is the comparison.")
        times, y = times[keep_t], y[:, keep_t]
        covs = {c: x[:, keep_t] for c, x in covs.items()}
        coh = np.where(coh == gmax, 0, coh)

    cells = _compute_cells(
        times, y, coh, wp.weights, covs, control_group, method, anticipation, base_period
    )
    n = wp.n
    group, tt, att, inf, post, n_t, n_c, ref, excluded_cells = cells
    if len(att) == 0:
        reasons = sorted(set(excluded_cells["reason"].tolist()))
        raise DataError(
            "no group-time effect can be estimated: "
            + ("; ".join(reasons[:5]) if reasons else "see the warnings")
        )
    se = _cluster_se(inf, wp.cluster, wp.n_clusters)
    se[ref] = np.nan
    # R did's rule: a (numerically) zero standard error is no standard error
    flat = ~ref & (se <= _EPS_SE / np.sqrt(n))
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
            "n_treated": n_t,
            "n_control": n_c,
        }
    )
    boot = None
    if bootstrap is not None:
        # Mammen indicators (draws x clusters, single precision) and the cells' draws
        check_draw_memory(
            int(bootstrap) * (4.0 * wp.n_clusters + 8.0 * 2 * (len(att) + 1)),
            f"the multiplier bootstrap with {int(bootstrap):,} draws for {wp.n_clusters:,} "
            f"clusters and {len(att)} cells",
            "use fewer draws (999 or 9999 are usual) or cluster at a coarser level",
        )
        boot = MultiplierBootstrap(wp.cluster, wp.n_clusters, int(bootstrap), seed, progress)
        draws = boot.draws(inf)
        boot.cell_draws = draws
        bse = bootstrap_se(draws, wp.n_clusters)
        crit = sup_t_critical_value(draws, bse, level)
        table["std_error_analytic"] = se
        table["std_error"] = bse
        table["band_low"] = att - crit * bse
        table["band_high"] = att + crit * bse
        se_note = (
            f"Standardfehler: Multiplikator-Bootstrap ({bootstrap} Mammen-Ziehungen, Seed "
            f"{seed}, geklumpt nach {cluster or roles.unit}); simultanes sup-t-Band mit "
            f"kritischem Wert {crit:.3f}."
        )
        se_note_en = (
            f"Standard errors: multiplier bootstrap ({bootstrap} Mammen draws, seed {seed}, "
            f"clustered by {cluster or roles.unit}); simultaneous sup-t band with critical "
            f"value {crit:.3f}."
        )
    else:
        se_note = (
            "Standardfehler aus den Einflussfunktionen: Wurzel der Summe der quadrierten "
            "Clustersummen / n (bei Klumpung nach Einheit Rs Konvention sqrt(mean(IF^2)/n)); "
            f"geklumpt nach {cluster or roles.unit}."
        )
        se_note_en = (
            "Standard errors from the influence functions, sqrt(sum of squared cluster sums)/n "
            f"(R did's convention sqrt(mean(IF^2)/n) when clustered by unit); clustered by "
            f"{cluster or roles.unit}."
        )
    small = sorted(int(g) for g in np.unique(group) if (coh == g).sum() < 2)
    if small:
        cohorts = ", ".join(map(str, small))
        warnings.warn(
            f"cohort(s) {cohorts} have a single treated unit: the standard errors of their "
            "cells reflect only the comparison units' variability and understate the "
            "uncertainty; use randomisation inference (evaluation.randomization_inference)",
            StaggeredWarning,
            stacklevel=2,
        )
        notes.append(
            f"Kohorte(n) {cohorts} mit nur einer behandelten Einheit: deren Standardfehler "
            "bilden nur die Streuung der Vergleichseinheiten ab (Randomisierungsinferenz "
            f"empfohlen). / Cohort(s) {cohorts} with a single treated unit: their standard "
            "errors reflect only the comparison units (use randomisation inference)."
        )
    if flat.any():
        cells_txt = ", ".join(f"({g}, {t})" for g, t in zip(group[flat], tt[flat], strict=True))
        notes.append(
            f"Ohne Standardfehler (keine Streuung der Veränderung im Vergleich): {cells_txt}. / "
            f"No standard error (the change does not vary in the comparison): {cells_txt}."
        )
    if ref.any():
        notes.append(
            "Universal base period: the reference cell (g - 1 - anticipation) is 0 by "
            "construction and has no standard error."
        )
    if len(excluded_cells):
        k = len(excluded_cells)
        notes.append(
            f"{k} Gruppen-Zeit-Zelle(n) nicht schätzbar und ausgelassen (excluded_cells). / "
            f"{k} group-time cell(s) not estimable and left out (excluded_cells)."
        )
    facts = {
        "n_units": n,
        "n_clusters": wp.n_clusters,
        "control_group": control_group,
        "base_period": base_period,
        "anticipation": anticipation,
    }
    if covariates:
        facts["covariates"] = ", ".join(covariates)
    res = GroupTimeEffects(
        table,
        inf=inf,
        unit_cohort=coh,
        unit_weights=wp.weights,
        cluster_codes=wp.cluster,
        n_clusters=wp.n_clusters,
        times=times,
        reference=ref,
        boot=boot,
        title="Gruppen-Zeit-Effekte ATT(g,t)",
        method=f"Callaway & Sant'Anna, {METHOD_NAMES[method]}",
        se_note=se_note,
        level=level,
        facts=facts,
        notes=notes,
        outcome=roles.outcome,
    )
    res.dropped = wp.dropped  # units left out, by reason
    res.excluded_units = wp.excluded
    res.excluded_cells = excluded_cells
    treated_cl = int(np.unique(wp.cluster[coh > 0]).size)
    res.flag_clusters(wp.n_clusters, treated_cl, what="att_gt")
    return localise(res, "Group-time effects ATT(g,t)", se_note_en)


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
        warnings.warn(msg, StaggeredWarning, stacklevel=3)
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
            stacklevel=3,
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


def _cluster_se(inf: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """sqrt(sum_c S_c^2) / n; equals R did's sqrt(mean(IF^2) / n) for unit clusters."""
    s = cluster_sums(inf, cluster, n_clusters)
    return np.sqrt((s**2).sum(axis=0)) / inf.shape[0]


class OverallEffect(Bilingual, Estimates):
    """A single overall effect with ``estimate`` and ``std_error`` as numbers."""

    @property
    def estimate(self) -> float:
        return float(self._table["estimate"].iloc[0])

    @property
    def std_error(self) -> float:
        return float(self._table["std_error"].iloc[0])

    @property
    def ci_low(self) -> float:
        return float(self.tidy()["ci_low"].iloc[0])

    @property
    def ci_high(self) -> float:
        return float(self.tidy()["ci_high"].iloc[0])


class AggregatedEffects(Bilingual, Estimates):
    """An aggregation of group-time effects; ``overall`` is the single summary effect."""

    def __init__(self, table, keys, *, overall: OverallEffect, type: str, **kw) -> None:
        super().__init__(table, keys, **kw)
        self.overall = overall
        self.type = type

    def summary(self, lang: Lang = "de"):
        s = super().summary(lang)
        if self.type != "simple":
            o = self.overall.tidy().iloc[0]
            s.facts.append(
                (
                    term("overall", lang),
                    f"{o['estimate']:.4f} ({term('std_error', lang)} {o['std_error']:.4f})",
                )
            )
        return s


PRETEST_NOTE = (
    "H0: alle ATT(g,t) vor Beginn sind null; Chi-Quadrat mit so vielen Freiheitsgraden wie "
    "Zellen vor Beginn; Kovarianz aus den Einflussfunktionen.",
    "H0: every pre-treatment ATT(g,t) is zero; chi-squared with df = number of "
    "pre-treatment cells; covariance from the influence functions.",
)


class PreTest(Bilingual, TableResult):
    """Wald test that all pre-treatment group-time effects are zero."""

    def __init__(self, statistic: float, df: int, p_value: float, cells: pd.DataFrame) -> None:
        self.statistic = statistic
        self.df = df
        self.p_value = p_value
        table = pd.DataFrame({"statistic": [statistic], "df": [df], "p_value": [p_value]})
        super().__init__(
            table,
            title=Text("Vortest paralleler Trends (Wald)", "Pre-test of parallel trends (Wald)"),
            facts={"n_cells": len(cells)},
            notes=[Text(*PRETEST_NOTE)],
        )
        self.cells = cells


class GroupTimeEffects(Bilingual, Estimates):
    """ATT(g, t) for every cohort g and period t, with ``aggregate()`` and ``pretest()``.

    Attributes besides the shared interface: ``influence`` (units x cells influence
    functions, R's scaling), ``n_units``, ``excluded_units`` (the units left out: unit,
    cohort, reason, detail such as the missing years; ``dropped`` has their ids by reason)
    and ``excluded_cells`` (the cells that could not be estimated, with cohort, time and
    reason: no treated or comparison units, no overlap in the propensity score, covariates
    constant or collinear within the cell)."""

    excluded_cells: pd.DataFrame
    excluded_units: pd.DataFrame
    dropped: dict[str, list[Any]]

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        inf: np.ndarray,
        unit_cohort: np.ndarray,
        unit_weights: np.ndarray,
        cluster_codes: np.ndarray,
        n_clusters: int,
        times: np.ndarray,
        reference: np.ndarray,
        boot: MultiplierBootstrap | None,
        **kw: Any,
    ) -> None:
        super().__init__(table, ["cohort", "time"], **kw)
        self.influence = inf
        self._cohort = unit_cohort
        self._w = unit_weights
        self._cluster = cluster_codes
        self._n_clusters = n_clusters
        self._times = times
        self._reference = reference
        self._boot = boot
        self._share_draws: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return self.influence.shape[0]

    def _se(self, inf: np.ndarray) -> np.ndarray:
        return _cluster_se(inf, self._cluster, self._n_clusters)

    # -- aggregation ---------------------------------------------------------------------
    def aggregate(
        self,
        type: AggregationType = "simple",
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
    ) -> AggregatedEffects:
        """Aggregate as R ``did::aggte``: ``"simple"`` (post-treatment cells weighted by
        cohort size), ``"group"`` (per cohort, then averaged by cohort size), ``"dynamic"``
        (per event time; overall = mean over event times >= 0), ``"calendar"`` (per period;
        overall = mean over periods). ``min_e``/``max_e`` limit event times (``max_e`` also
        applies to simple and group); ``balance_e`` keeps only cohorts observed for at least
        ``balance_e`` periods after treatment. Standard errors include the estimation of the
        cohort-size weights."""
        _check_choice("type", type, ("simple", "group", "dynamic", "calendar"))
        if balance_e is not None and type != "dynamic":
            raise ValueError("balance_e applies to type='dynamic' only")
        t = self._table
        group = t["cohort"].to_numpy()
        tt = t["time"].to_numpy()
        att = t["estimate"].to_numpy(dtype=float)
        inf = self.influence
        w, G = self._w, self._cohort
        glist = np.unique(group)
        pgg = np.array([np.mean(w * (G == g)) for g in glist])
        pg = pgg[np.searchsorted(glist, group)]

        gidx = np.searchsorted(glist, group)
        unit_gidx = np.searchsorted(glist, G)
        unit_gidx = np.where(glist[np.minimum(unit_gidx, len(glist) - 1)] == G, unit_gidx, -1)

        n_g = len(glist)
        # every level's influence function is inf @ W[:, j] + E @ C[:, j]: a combination of
        # the cells' influence functions plus the influence of the estimated cohort shares,
        # which is w_i * coef[cohort_i] (E holds w_i in the column of unit i's cohort)
        wcols: list[np.ndarray] = []
        ccols: list[np.ndarray] = []

        def add(which: np.ndarray, weights: np.ndarray, with_wif: bool) -> None:
            full = np.zeros(len(att))
            full[which] = weights
            wcols.append(full)
            ccols.append(
                _wif_coef(gidx[which], pg[which], att[which], n_g) if with_wif else np.zeros(n_g)
            )

        levels: list[Any] = []
        est: list[float] = []
        key = {"group": "cohort", "dynamic": "event_time", "calendar": "time"}.get(type)
        if type == "simple":
            keep = np.flatnonzero((group <= tt) & (tt <= group + max_e))
            if len(keep) == 0:
                raise DataError("no post-treatment group-time effects to aggregate")
            wk = pg[keep] / pg[keep].sum()
            o_est = float(att[keep] @ wk)
            add(keep, wk, True)
            o_comb, o_extra = np.ones(1), np.zeros(n_g)
        elif type == "group":
            used = []
            for i, g in enumerate(glist):
                which = np.flatnonzero((group == g) & (g <= tt) & (tt <= group + max_e))
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
            e_all = tt - group
            include = np.ones(len(att), dtype=bool)
            eseq = np.unique(e_all)
            if balance_e is not None:
                max_t = tt.max()
                include = (max_t - group) >= balance_e
                eseq = np.unique(e_all[include])
                eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - max_t + self._times[0])]
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
            if not epos.any():
                raise DataError("no event times >= 0 to average for the overall effect")
            o_est = float(np.mean(np.asarray(est)[epos]))
            o_comb, o_extra = epos / epos.sum(), np.zeros(n_g)
        else:  # calendar
            min_g = group.min()
            for t1 in self._times[self._times >= min_g]:
                which = np.flatnonzero((tt == t1) & (group <= tt))
                if len(which) == 0:
                    continue
                wk = pg[which] / pg[which].sum()
                levels.append(int(t1))
                est.append(float(att[which] @ wk))
                add(which, wk, True)
            o_est = float(np.mean(est))
            o_comb, o_extra = np.full(len(est), 1 / len(est)), np.zeros(n_g)

        wm, cm = np.column_stack(wcols), np.column_stack(ccols)
        e_mat = np.zeros((self.n_units, n_g))
        has = unit_gidx >= 0
        e_mat[np.flatnonzero(has), unit_gidx[has]] = w[has]
        inf_levels = inf @ wm + e_mat @ cm
        o_inf = inf_levels @ o_comb + e_mat @ o_extra
        table = pd.DataFrame({key or "term": levels or ["ATT"]})
        table["estimate"] = [o_est] if type == "simple" else est
        se = self._se(inf_levels)
        se = np.where(se <= _EPS_SE / np.sqrt(self.n_units), np.nan, se)
        o_se = float(self._se(o_inf[:, None])[0])
        notes = []
        if self._boot is not None:
            # the bootstrap is linear in the influence functions: combine the cells' draws
            if self._share_draws is None or self._share_draws.shape[1] != n_g:
                self._share_draws = self._boot.draws(e_mat)
            lev = self._boot.cell_draws @ wm + self._share_draws @ cm
            draws = np.column_stack([lev, lev @ o_comb + self._share_draws @ o_extra])
            bse = bootstrap_se(draws, self._n_clusters)
            crit = sup_t_critical_value(draws[:, :-1], bse[:-1], self.level)
            table["std_error_analytic"] = se
            table["std_error"] = bse[:-1]
            if type != "simple":
                table["band_low"] = table["estimate"] - crit * bse[:-1]
                table["band_high"] = table["estimate"] + crit * bse[:-1]
            o_se = float(bse[-1])
        else:
            table["std_error"] = se
        titles = {
            "simple": ("Durchschnittlicher Effekt (ATT)", "Average effect (ATT)"),
            "group": ("Effekte nach Kohorte", "Effects by cohort"),
            "dynamic": ("Effekte nach Jahren seit Beginn (Ereignisstudie)", "Event study"),
            "calendar": ("Effekte nach Kalenderjahr", "Effects by calendar year"),
        }
        common = dict(
            method=self.method,
            se_note=self.se_note
            + Text(
                " Gewichte nach Kohortengröße; deren Schätzung geht in die Standardfehler ein.",
                " Weights by cohort size; their estimation is part of the standard errors.",
            ),
            level=self.level,
            facts=self.facts,
            outcome=self.outcome,
        )
        overall = OverallEffect(
            pd.DataFrame({"term": ["overall"], "estimate": [o_est], "std_error": [o_se]}),
            ["term"],
            title=titles[type][0],
            **common,
        )
        localise(overall, titles[type][1])
        overall.influence = o_inf
        res = AggregatedEffects(
            table,
            [key or "term"],
            overall=overall,
            type=type,
            title=titles[type][0],
            notes=notes,
            **common,
        )
        localise(res, titles[type][1])
        res.influence = inf_levels
        if self.few_clusters:
            counts = {
                "n_clusters": self.inference.n_clusters,
                "n_treated_clusters": self.inference.n_treated_clusters,
            }
            for part in (res, overall):
                object.__setattr__(part, "inference", with_inference(part.inference, **counts))
        return res

    # -- pre-test ------------------------------------------------------------------------
    def pretest(self) -> PreTest:
        """Wald test of parallel pre-trends: all pre-treatment ATT(g,t) (cohort > period) are
        zero, with the covariance of the influence functions (as R ``did``)."""
        t = self._table
        se = self._se(self.influence)
        pre = np.flatnonzero(
            (t["cohort"].to_numpy() > t["time"].to_numpy()) & (se > _EPS_SE / np.sqrt(self.n_units))
        )
        if len(pre) == 0:
            raise DataError("there are no pre-treatment group-time effects to test")
        s = cluster_sums(self.influence[:, pre], self._cluster, self._n_clusters)
        v = s.T @ s / self.n_units**2
        if 1 / np.linalg.cond(v) <= np.finfo(float).eps:
            raise DataError(
                f"the covariance matrix of the {len(pre)} pre-treatment effects is singular "
                "(small cohorts with many pre-treatment periods share their comparison units), "
                "so the Wald pre-test cannot be computed, as in R did; look at the pre-treatment "
                "event times of aggregate('dynamic') or at the event study's pre-trend test "
                "instead, and keep in mind that standard errors from a few treated units per "
                "cohort are themselves uncertain"
            )
        a = t["estimate"].to_numpy(dtype=float)[pre]
        w_stat = float(a @ np.linalg.solve(v, a))
        p = float(stats.chi2.sf(w_stat, len(pre)))
        return PreTest(w_stat, len(pre), p, t.iloc[pre][["cohort", "time"]])

    # -- display -------------------------------------------------------------------------
    def plot(self, ax=None, lang: Lang = "de", title: str | None = None):
        """One panel per cohort: ATT(g,t) over time, pre-treatment cells grey, post-treatment
        cells coloured, intervals (and bands when bootstrapped). With ``ax`` all cohorts are
        drawn into that axis."""
        import matplotlib.pyplot as plt

        check_lang(lang)
        tidy = self.tidy()
        cohorts = list(dict.fromkeys(tidy["cohort"]))
        if ax is None:
            ncol = min(3, len(cohorts))
            nrow = int(np.ceil(len(cohorts) / ncol))
            fig, axes = plt.subplots(
                nrow, ncol, figsize=(3.6 * ncol, 2.6 * nrow), sharey=True, squeeze=False
            )
            axes = axes.ravel()
            for a in axes[len(cohorts) :]:
                a.set_visible(False)
        else:
            fig, axes = ax.figure, [ax] * len(cohorts)
        for i, (a, g) in enumerate(zip(axes, cohorts, strict=False)):
            d = tidy[tidy["cohort"] == g]
            x = d["time"].to_numpy(dtype=float) + (0 if ax is None else 0.08 * i)
            y = d["estimate"].to_numpy()
            post = d["post"].to_numpy() == 1
            if "band_low" in d:
                a.vlines(x, d["band_low"], d["band_high"], color="0.75", lw=4)
            for mask, colour in ((~post, "0.45"), (post, "C0" if ax is None else f"C{i}")):
                a.errorbar(
                    x[mask],
                    y[mask],
                    yerr=[
                        y[mask] - d["ci_low"].to_numpy()[mask],
                        d["ci_high"].to_numpy()[mask] - y[mask],
                    ],
                    fmt="o",
                    color=colour,
                    capsize=2,
                    ms=4,
                    label=f"{term('cohort', lang)} {g}"
                    if ax is not None and mask is post
                    else None,
                )
            a.axhline(0, color="0.4", lw=0.8)
            if ax is None:
                a.set_title(f"{term('cohort', lang)} {g}", fontsize=9)
            a.set_xlabel(term("time", lang))
        if ax is not None:
            ax.legend(fontsize=7)
        fig.suptitle(title or self._title(lang))
        fig.tight_layout()
        return fig


def _wif_coef(gidx_k, pg_k, att_k, n_groups) -> np.ndarray:
    """Influence of estimating the cohort-size weights pg_k / sum(pg), times the effects
    (R did's ``wif(...) %*% att``): for unit i it is ``w_i * coef[cohort of i]`` (0 for units
    outside the cohorts), and this returns ``coef`` per cohort index."""
    s = pg_k.sum()
    att_sum = np.bincount(gidx_k, weights=att_k, minlength=n_groups)
    cnt = np.bincount(gidx_k, minlength=n_groups).astype(float)
    return att_sum / s - cnt * float(pg_k @ att_k) / s**2


__all__ = ["att_gt", "GroupTimeEffects", "AggregatedEffects", "OverallEffect", "PreTest"]
