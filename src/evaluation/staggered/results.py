"""The results of the staggered-adoption estimators (complete when they are made).

- :class:`GroupTimeEffects`: ATT(g, t) of :func:`evaluation.att_gt`, with ``aggregate()``,
  ``pretest()``, ``influence()`` and ``vcov()``;
- :class:`AggregatedEffects` and :class:`OverallEffect`: its aggregations and their summary
  effect;
- :class:`PreTest`: a pre-trend test (a :class:`~evaluation.results.TestResult`) with the
  estimates it tests and, for the event-time test, the largest pre-trend the data rule out;
- :class:`SunAbrahamEffects` and :class:`CohortEffects` of :func:`evaluation.sun_abraham`,
  with ``vcov()`` and ``design()`` for the wild bootstrap;
- :class:`BaconDecomposition` of :func:`evaluation.bacon_decomposition`.

Influence functions are in R ``did``'s scaling (the estimate minus its value is about the
mean of the influence function); ``vcov()`` is ``S'S / n^2`` with the cluster sums ``S`` of
the influence functions (see :mod:`evaluation.staggered._influence`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Lang, Text, check_lang, number, term, tr
from ..options import AggregationType, PretestKind
from ..results import Estimates, TableResult, TestResult, display_frame
from ._influence import InfluenceFunctions

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..stats.wild_bootstrap import LinearDesign
    from ._bootstrap import MultiplierBootstrap


def _deprecated(old: str, new: str) -> None:
    warnings.warn(
        f"{old} is deprecated and will be removed; use {new}", DeprecationWarning, stacklevel=3
    )


# ---------------------------------------------------------------------------------------
# covariance and influence functions from stored influence functions
# ---------------------------------------------------------------------------------------
class _InfluenceCovariance:
    """``influence()`` and ``vcov()`` of results that keep their influence functions."""

    _if: InfluenceFunctions
    if TYPE_CHECKING:

        def _index(self) -> pd.Index: ...  # provided by Estimates

    def influence(self) -> pd.DataFrame:
        """Influence functions, units (rows, by unit id) x estimates (columns, labelled like
        the rows of :meth:`tidy`), in R ``did``'s scaling: the estimate minus its value is
        about their mean."""
        return self._if.frame(self._index())

    @cached_property
    def _vcov(self) -> pd.DataFrame:
        idx = self._index()
        return pd.DataFrame(self._if.covariance(), index=idx, columns=idx)

    def vcov(self) -> pd.DataFrame:
        """Covariance of the estimates from the influence functions: ``S'S / n^2`` with the
        cluster sums ``S`` (R ``did``: ``crossprod(inf) / n^2`` for unit clusters); rows and
        columns labelled like the rows of :meth:`tidy`. Its diagonal gives the analytic
        standard errors, also when the reported ones are bootstrapped
        (``std_error_analytic``)."""
        return self._vcov.copy()


# ---------------------------------------------------------------------------------------
# Callaway & Sant'Anna
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UnitSample:
    """The units behind a group-time analysis: ids, cohort (0 = comparison), sampling weight
    (mean 1), cluster codes, the periods and the wide outcome ``y`` (units x periods)."""

    unit_ids: pd.Index
    cohort: np.ndarray
    weights: np.ndarray
    cluster: np.ndarray
    n_clusters: int
    times: np.ndarray
    y: np.ndarray

    @property
    def n(self) -> int:
        return len(self.unit_ids)


class GroupTimeEffects(_InfluenceCovariance, Estimates):
    """ATT(g, t) for every cohort g and period t, with ``aggregate()`` and ``pretest()``.

    Beside the shared interface: ``influence()`` (units x cells) and ``vcov()`` (cells x
    cells, from the influence functions); ``n_units``; ``unit_cohorts`` (the cohort of every
    unit used); ``excluded_units`` (the units left out: unit, cohort, reason, detail such as
    the missing years) and ``excluded_cells`` (the cells that could not be estimated, with
    cohort, time and reason: no treated or comparison units, no overlap in the propensity
    score, covariates constant or collinear within the cell).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        sample: UnitSample,
        influence: np.ndarray,
        reference: np.ndarray,
        bootstrap: MultiplierBootstrap | None,
        cell_draws: np.ndarray | None,
        excluded_units: pd.DataFrame,
        excluded_cells: pd.DataFrame,
        **kw: Any,
    ) -> None:
        self.sample = sample
        self._if = InfluenceFunctions(influence, sample.unit_ids, sample.cluster, sample.n_clusters)
        self.reference_cells = np.asarray(reference, dtype=bool)
        self._bootstrap = bootstrap
        self._cell_draws = cell_draws
        self.excluded_units = excluded_units
        self.excluded_cells = excluded_cells
        super().__init__(table, ["cohort", "time"], **kw)

    @property
    def n_units(self) -> int:
        """Number of units used (after the exclusions)."""
        return self.sample.n

    @property
    def unit_cohorts(self) -> pd.Series:
        """The cohort of every unit used (0 = comparison), indexed by unit id."""
        return pd.Series(self.sample.cohort, index=self.sample.unit_ids, name="cohort")

    @property
    def dropped(self) -> dict[str, list[str]]:
        """Deprecated: the ids of ``excluded_units`` by reason."""
        _deprecated("GroupTimeEffects.dropped", "excluded_units")
        ex = self.excluded_units
        return {str(r): part["unit"].tolist() for r, part in ex.groupby("reason", sort=False)}

    @cached_property
    def _share_draws(self) -> np.ndarray:
        """Bootstrap draws of the influence of the estimated cohort shares (one column per
        cohort), with the same multipliers as the cells."""
        from ._aggregate import share_matrix

        assert self._bootstrap is not None
        return self._bootstrap.draws(share_matrix(self))

    # -- aggregation -----------------------------------------------------------------------
    def aggregate(
        self,
        type: AggregationType = "simple",
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
    ) -> AggregatedEffects:
        """Aggregate as R ``did::aggte``.

        Parameters
        ----------
        type
            ``"simple"`` (post-treatment cells weighted by cohort size), ``"group"`` (per
            cohort, then averaged by cohort size), ``"dynamic"`` (per event time; overall =
            mean over event times >= 0) or ``"calendar"`` (per period; overall = mean over
            periods).
        min_e, max_e
            Limits of the event times (``max_e`` also applies to simple and group).
        balance_e
            Keep only cohorts observed for at least ``balance_e`` periods after treatment
            (dynamic only).

        Returns
        -------
        AggregatedEffects
            With ``overall``, ``influence()`` and ``vcov()``; standard errors include the
            estimation of the cohort-size weights.
        """
        from ._aggregate import aggregate

        return aggregate(self, type, min_e=min_e, max_e=max_e, balance_e=balance_e)

    # -- pre-test ------------------------------------------------------------------------
    def pretest(
        self,
        kind: PretestKind = "event_time",
        *,
        n_draws: int | None = None,
        seed: int = 0,
        level: float = 0.95,
    ) -> PreTest:
        """Test of parallel pre-trends.

        Parameters
        ----------
        kind
            ``"event_time"`` (default): joint Wald test that the pre-treatment event-time
            effects (aggregated over cohorts as ``aggregate("dynamic")``, event times before
            ``-anticipation``) are zero, covariance from the influence functions. Pooling
            the cohorts keeps the test defined when small cohorts make the cells' covariance
            singular; a rank-deficient covariance is handled by its pseudo-inverse (degrees
            of freedom = its rank). ``"cells"``: R ``did``'s Wald test that every
            pre-treatment ATT(g, t) is zero (fails when their covariance is singular).
        n_draws, seed
            With ``n_draws`` (``kind="event_time"``): the p-value from a clustered Mammen
            multiplier bootstrap of the event-time effects (the share of draws whose Wald
            statistic exceeds the observed one); the same draws give the max-|t| test and
            the sup-t critical value. ``seed`` also seeds the normal draws of the sup-t
            critical value without a bootstrap.
        level
            Confidence level of the statement on the largest pre-trend the data rule out:
            ``max_e (|estimate_e| + c * se_e)`` with the sup-t critical value c of the
            pre-treatment event-time effects, so that every pre-trend larger than it (in
            absolute value, at any pre-treatment event time) lies outside their simultaneous
            band.

        Returns
        -------
        PreTest
        """
        from ._pretest import cell_pretest, event_time_pretest

        if kind == "cells":
            if n_draws is not None:
                raise DataError("n_draws applies to kind='event_time' only")
            return cell_pretest(self)
        return event_time_pretest(self, kind=kind, n_draws=n_draws, seed=seed, level=level)

    # -- display -------------------------------------------------------------------------
    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
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
            fig, grid = plt.subplots(
                nrow, ncol, figsize=(3.6 * ncol, 2.6 * nrow), sharey=True, squeeze=False
            )
            axes = list(grid.ravel())
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
        fig.suptitle(title or tr(self.title, lang))
        fig.tight_layout()
        return fig


class OverallEffect(_InfluenceCovariance, Estimates):
    """A single summary effect: ``estimate``, ``std_error``, ``ci_low`` and ``ci_high`` as
    numbers; ``influence()`` (units x 1) and ``vcov()`` (1 x 1) where it comes from
    influence functions."""

    def __init__(
        self, table: pd.DataFrame, *, influence: InfluenceFunctions | None = None, **kw: Any
    ) -> None:
        self._if_or_none = influence
        if influence is not None:
            self._if = influence
        super().__init__(table, ["term"], **kw)

    def influence(self) -> pd.DataFrame:
        if self._if_or_none is None:
            raise DataError(f"{tr(self.title, 'en')} keeps no influence functions")
        return super().influence()

    def vcov(self) -> pd.DataFrame:
        if self._if_or_none is None:
            return Estimates.vcov(self)
        return super().vcov()

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


class AggregatedEffects(_InfluenceCovariance, Estimates):
    """An aggregation of group-time effects (:meth:`GroupTimeEffects.aggregate`).

    ``type`` is the aggregation, ``overall`` the single summary effect (an
    :class:`OverallEffect`), ``influence()`` the units x levels influence functions and
    ``vcov()`` their covariance (event times x event times for ``"dynamic"``, which is what
    :func:`evaluation.honest_did` uses)."""

    def __init__(
        self,
        table: pd.DataFrame,
        keys: list[str],
        *,
        type: AggregationType,
        overall: OverallEffect,
        influence: InfluenceFunctions,
        source: GroupTimeEffects,
        **kw: Any,
    ) -> None:
        self.type = type
        self.overall = overall
        self._if = influence
        self.source = source
        super().__init__(table, keys, **kw)

    def pretest(self, **kwargs: Any) -> PreTest | None:  # type: ignore[override]
        """The pre-test of the group-time effects (see :meth:`GroupTimeEffects.pretest`) for
        the dynamic aggregation; None for the others."""
        if self.type != "dynamic":
            return None
        return self.source.pretest(**kwargs)

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        out = super()._summary_facts(lang)
        if self.type != "simple":
            o = self.overall
            out.append(
                (
                    term("overall", lang),
                    f"{number(o.estimate, lang, 4)} ({term('std_error', lang)} "
                    f"{number(o.std_error, lang, 4)})",
                )
            )
        return out


# ---------------------------------------------------------------------------------------
# pre-trend tests
# ---------------------------------------------------------------------------------------
class PreTest(TestResult):
    """A test of parallel pre-trends (see :meth:`GroupTimeEffects.pretest`).

    ``statistic``, ``dof`` (a tuple), ``p_value`` and ``distribution`` as every
    :class:`~evaluation.results.TestResult`; ``kind`` (``"event_time"`` or ``"cells"``);
    ``tested``: the estimates under test (event times or cells, with estimate and standard
    error), ``estimates`` the same as an :class:`~evaluation.results.Estimates` where the
    estimator has one (imputation and two-stage DiD). For the event-time test also ``bound``: the largest pre-trend consistent with the
    data at ``bound_level`` (every larger one lies outside the simultaneous band of the
    pre-treatment effects), ``critical_value`` (of that band), ``max_abs_t`` and, with a
    bootstrap, ``p_value_max_t``.
    """

    def __init__(
        self,
        *,
        kind: PretestKind,
        tested: pd.DataFrame,
        bound: float | None = None,
        bound_level: float | None = None,
        critical_value: float | None = None,
        max_abs_t: float | None = None,
        p_value_max_t: float | None = None,
        n_draws: int | None = None,
        estimates: Estimates | None = None,
        **kw: Any,
    ) -> None:
        self.kind = kind
        self.tested = tested.reset_index(drop=True)
        self.estimates = estimates
        self.bound = bound
        self.bound_level = bound_level
        self.critical_value = critical_value
        self.max_abs_t = max_abs_t
        self.p_value_max_t = p_value_max_t
        self.n_draws = n_draws
        super().__init__(**kw)

    @property
    def df(self) -> int:
        """Deprecated: the degrees of freedom, ``dof[0]``."""
        _deprecated("PreTest.df", "PreTest.dof")
        return int(self.dof[0])

    @property
    def df_num(self) -> int:
        """Numerator degrees of freedom (``dof[0]``)."""
        return int(self.dof[0])

    @property
    def df_denom(self) -> int | None:
        """Denominator degrees of freedom of an F test (``dof[1]``; None otherwise)."""
        return int(self.dof[1]) if len(self.dof) > 1 else None

    @property
    def cells(self) -> pd.DataFrame:
        """Deprecated: the tested cells (cohort, time) of ``kind="cells"``; use ``tested``."""
        _deprecated("PreTest.cells", "PreTest.tested")
        return self.tested[[c for c in ("cohort", "time") if c in self.tested]]

    def tidy(self) -> pd.DataFrame:
        out = super().tidy()
        if self.bound is not None:
            out["pretrend_bound"] = self.bound
        if self.p_value_max_t is not None:
            out["max_abs_t"] = self.max_abs_t
            out["p_value_max_t"] = self.p_value_max_t
        return out

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        return [
            ("", display_frame(self.tidy(), lang)),
            (tr(TESTED_CAPTION, lang), display_frame(self.tested, lang)),
        ]


TESTED_CAPTION = Text("Getestete Schätzwerte", "Estimates tested")
SA_PRETEST_TITLE = Text(
    "Vortest paralleler Trends (Sun & Abraham)", "Pre-test of parallel trends (Sun & Abraham)"
)
SA_PRETEST_HYPOTHESIS = Text(
    "H0: alle Effekte vor der Referenzperiode sind null; F-Test mit der cluster-robusten "
    "Kovarianz der Regression.",
    "H0: every effect before the reference period is zero; F test with the regression's "
    "cluster-robust covariance.",
)


# ---------------------------------------------------------------------------------------
# Sun & Abraham
# ---------------------------------------------------------------------------------------
class CohortEffects(Estimates):
    """Cohort-specific effects CATT(g, e) of :func:`evaluation.sun_abraham`, with
    ``vcov()`` from the regression."""


class SunAbrahamEffects(Estimates):
    """Interaction-weighted event-time effects of :func:`evaluation.sun_abraham`.

    ``cohort_effects`` holds CATT(g, e), ``overall`` the mean of the effects at event times
    >= 0 (None without such times), ``shares`` the cohort weights behind every event time,
    ``excluded_units`` the units left out; ``vcov()`` is the covariance of the event-time
    effects from the regression (for :func:`evaluation.honest_did`) and ``design()`` the
    regression for :func:`evaluation.wild_bootstrap`.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        cohort_effects: CohortEffects,
        overall: OverallEffect | None,
        shares: pd.DataFrame,
        excluded_units: pd.DataFrame,
        regression: SunAbrahamRegression,
        **kw: Any,
    ) -> None:
        self.cohort_effects = cohort_effects
        self.overall = overall
        self.shares = shares
        self.excluded_units = excluded_units
        self._regression = regression
        super().__init__(table, ["event_time"], **kw)

    def pretest(self) -> PreTest:
        """Joint test that the event-time effects before the reference period are zero: the
        Wald statistic with the regression's cluster-robust covariance, divided by their
        number q, against F(q, G - 1) (the t reference distribution of the estimates)."""
        from scipy import stats

        t = self._table
        ref = int(self.call.get("reference", -1))
        pre = (t["event_time"] < ref).to_numpy()
        if not pre.any():
            raise DataError("the event study has no event times before the reference period")
        ks = t.loc[pre, "event_time"].tolist()
        b = t.loc[pre, "estimate"].to_numpy(dtype=float)
        v = self.vcov().loc[ks, ks].to_numpy()
        if not np.isfinite(v).all():
            raise DataError("the covariance of the pre-treatment effects is missing")
        q = len(ks)
        stat = float(b @ np.linalg.solve(v, b)) / q
        assert self.inference is not None
        dof2 = self.inference.dof
        p = float(stats.f.sf(stat, q, dof2)) if dof2 else float(stats.chi2.sf(stat * q, q))
        return PreTest(
            kind="event_time",
            tested=t.loc[pre, ["event_time", "estimate", "std_error"]],
            statistic=stat,
            p_value=p,
            dof=(q, dof2) if dof2 else (q,),
            distribution="F" if dof2 else "chi2",
            hypothesis=SA_PRETEST_HYPOTHESIS,
            title=SA_PRETEST_TITLE,
            method=self.method,
            inference=self.inference,
            outcome=self.outcome,
            call={**self.call, "pretest": "event_time"},
        )

    def design(self) -> LinearDesign:
        """The regression as a :class:`~evaluation.stats.wild_bootstrap.LinearDesign`, with
        the cohort x event-time indicators re-parametrised so that every event-time effect
        is one coefficient, named ``event_time_<e>`` (e.g. ``event_time_0``); the other
        coefficients are the remaining CATT(g, e) (``sa_g<g>_e<e>``) and covariate terms.
        ``evaluation.wild_bootstrap(result, term="event_time_0")`` then tests the event-time
        effect at e = 0 with the restricted wild cluster bootstrap."""
        return self._regression.design()

    def group_time_effects(self) -> GroupTimeEffects:
        """The same sample as Callaway & Sant'Anna group-time effects with a universal base
        period (never-treated controls, no covariates): in a balanced panel their dynamic
        aggregation equals these event-time effects (used by randomisation inference)."""
        from ._attgt import att_gt

        reg = self._regression
        frame = pd.DataFrame({"unit": reg.unit, "time": reg.time, "y": reg.y, "cohort": reg.cohort})
        n_t = frame["time"].nunique()
        if (frame.groupby("unit")["time"].nunique() != n_t).any():
            raise DataError(
                "the Sun & Abraham sample is unbalanced; randomisation inference needs every "
                "unit in every period (then the estimator equals att_gt with a universal base "
                "period)"
            )
        return att_gt(
            frame,
            "y",
            unit="unit",
            time="time",
            cohort="cohort",
            control_group="never_treated",
            base_period="universal",
        )


@dataclass(frozen=True)
class SunAbrahamRegression:
    """The saturated regression behind a :class:`SunAbrahamEffects`: outcome, the cohort x
    event-time indicators (``cells``: their cohort and event time, in column order),
    covariate terms, unit and period ids, cluster ids and weights, and the weight matrix of
    the event-time effects (event times x cells)."""

    y: np.ndarray
    cohort: np.ndarray
    cells: pd.DataFrame
    x_cells: np.ndarray
    x_covariates: np.ndarray
    covariate_names: tuple[str, ...]
    unit: np.ndarray
    time: np.ndarray
    cluster: np.ndarray
    weights: np.ndarray | None
    event_times: tuple[int, ...]
    event_weights: np.ndarray
    fe: Mapping[str, np.ndarray]

    def design(self) -> LinearDesign:
        from ..stats.wild_bootstrap import LinearDesign

        k = self.x_cells.shape[1]
        a = np.eye(k)
        names = [f"sa_g{g}_e{e}" for g, e in self.cells[["cohort", "event_time"]].to_numpy()]
        for j, e in enumerate(self.event_times):
            idx = np.flatnonzero(self.event_weights[j] != 0)
            # row of the first cell of e becomes the weighted mean of e's cells; the other
            # cells keep their own coefficient, so A is invertible (its determinant is the
            # positive weight of the first cell)
            a[idx[0]] = self.event_weights[j]
            names[idx[0]] = f"event_time_{e}"
        x = self.x_cells @ np.linalg.inv(a)
        return LinearDesign(
            y=self.y,
            x=np.column_stack([x, self.x_covariates]),
            names=[*names, *self.covariate_names],
            cluster=self.cluster,
            fe=dict(self.fe),
            weights=self.weights,
        )


# ---------------------------------------------------------------------------------------
# randomisation inference
# ---------------------------------------------------------------------------------------
RI_TITLE = Text("Randomisierungsinferenz: {what}", "Randomisation inference: {what}")
RI_HYPOTHESIS = Text(
    "H0 (scharf): die Behandlung wirkt auf keine Einheit; Kohortenzuweisungen {how} permutiert. "
    "p-Wert: Anteil der Zuweisungen mit |Schätzwert| >= beobachtet ({which}). Intervall: alle "
    "konstanten Effekte tau, die der Test zum Niveau {alpha} nicht verwirft (Zielgröße minus "
    "tau in den behandelten Jahren).",
    "H0 (sharp): the treatment affects no unit; cohort assignments permuted {how}. p-value: "
    "share of assignments with |estimate| >= observed ({which}). Interval: every constant "
    "effect tau the test does not reject at {alpha} (outcome minus tau in the treated years).",
)
RI_DESCRIPTION = Text(
    "Randomisierungsinferenz: gültig auch mit wenigen (behandelten) Clustern, die Alternative "
    "zu cluster-robusten Standardfehlern; die Spalte std_error ist der Standardfehler der "
    "ursprünglichen Schätzung.",
    "Randomisation inference: valid also with few (treated) clusters, the alternative to "
    "cluster-robust standard errors; the column std_error is the original estimate's standard "
    "error.",
)


class StaggeredRandomization(TestResult):
    """Randomisation inference for an aggregation of group-time effects (see
    :func:`evaluation.randomization_att_gt`).

    ``statistic`` and ``estimate`` are the observed overall effect, ``p_value`` its
    randomisation p-value, ``ci_low``/``ci_high`` the interval by test inversion under a
    constant effect; ``draws`` has the estimate of every assignment (overall first, then the
    aggregation's levels), ``levels()`` the levels with their p-values; ``exact`` says
    whether all ``n_assignments`` distinct assignments were enumerated.
    """

    def __init__(
        self,
        *,
        observed: AggregatedEffects,
        label: str,
        estimate: float,
        p_value: float,
        ci: tuple[float, float],
        level: float,
        draws: np.ndarray,
        level_p_values: np.ndarray,
        level_names: list[Any],
        key: str,
        n_draws: int,
        n_assignments: int,
        exact: bool,
        seed: int | None,
        strata: str | None,
    ) -> None:
        from ..results import Inference

        self.observed = observed
        self.estimate = float(estimate)
        self.ci_low, self.ci_high = (float(ci[0]), float(ci[1]))
        self.level = float(level)
        self.key = key
        self.exact = bool(exact)
        self.n_draws = int(n_draws)
        self.n_assignments = int(n_assignments)
        self._level_names = list(level_names)
        self._level_p = np.asarray(level_p_values, dtype=float)
        cols = ["overall", *(f"{key}={v}" for v in level_names)] if key != "term" else ["overall"]
        self.draws = pd.DataFrame(draws[:, : len(cols)], columns=cols)
        how = Text("innerhalb der Schichten", "within strata") if strata else Text("", "")
        which = (
            Text(f"alle {n_assignments} Zuweisungen", f"all {n_assignments} assignments")
            if exact
            else Text(f"{n_draws} Ziehungen, Startwert {seed}", f"{n_draws} draws, seed {seed}")
        )
        facts: dict[str, Any] = {"n_draws": self.n_draws, "exact": self.exact}
        if seed is not None:
            facts["seed"] = int(seed)
        if strata:
            facts["strata"] = strata
        super().__init__(
            statistic=self.estimate,
            p_value=p_value,
            distribution="randomization",
            hypothesis=RI_HYPOTHESIS.format(
                how=how,
                which=which,
                alpha=Text(number(1 - level, "de", 2), number(1 - level, "en", 2)),
            ),
            title=RI_TITLE.format(what=observed.title),
            method=observed.method,
            facts=facts,
            inference=Inference(name="randomization", description=RI_DESCRIPTION),
            outcome=observed.outcome,
            call={**observed.call, "randomization": label, "strata": strata},
        )

    def tidy(self) -> pd.DataFrame:
        o = self.observed.overall
        return pd.DataFrame(
            {
                "term": ["overall"],
                "estimate": [self.estimate],
                "std_error": [o.std_error],
                "ri_p_value": [self.p_value],
                "ri_ci_low": [self.ci_low],
                "ri_ci_high": [self.ci_high],
                "ri_sd": [float(self.draws["overall"].std(ddof=1)) if self.n_draws > 1 else np.nan],
                "n_draws": [self.n_draws],
            }
        )

    def levels(self) -> pd.DataFrame | None:
        """The aggregation's levels (event times, cohorts or periods) with their estimates and
        randomisation p-values (None for the simple aggregation)."""
        if self.key == "term":
            return None
        t = self.observed.tidy()[[self.key, "estimate", "std_error"]].copy()
        t["ri_p_value"] = self._level_p
        return t

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        out = [("", display_frame(self.tidy(), lang))]
        lv = self.levels()
        if lv is not None:
            out.append(("", display_frame(lv, lang)))
        return out

    def plot(self, ax: Axes | None = None, *, lang: Lang = "de") -> Figure:
        """Histogram of the estimates of the assignments with the observed one."""
        from ..results import figure_axes

        check_lang(lang)
        fig, ax = figure_axes(ax, (6, 4))
        ax.hist(self.draws["overall"], bins=40, color="0.7")
        ax.axvline(self.estimate, color="C3", lw=2, label=term("estimate", lang))
        ax.set_xlabel(term("randomization_distribution", lang))
        ax.set_title(tr(self.title, lang))
        ax.legend()
        fig.tight_layout()
        return fig


# ---------------------------------------------------------------------------------------
# Goodman-Bacon
# ---------------------------------------------------------------------------------------
BACON_TYPES: dict[str, Text] = {
    "treated_vs_never": Text("Behandelt vs. nie behandelt", "Treated vs never treated"),
    "earlier_vs_later": Text(
        "Früher vs. später behandelt (noch unbehandelt)",
        "Earlier vs later treated (not yet treated)",
    ),
    "later_vs_earlier": Text(
        "Später vs. früher behandelt (bereits behandelt)",
        "Later vs earlier treated (already treated)",
    ),
    "treated_vs_always": Text("Behandelt vs. immer behandelt", "Treated vs always treated"),
}


class BaconDecomposition(TableResult):
    """2x2 comparisons with their type, weight and estimate; ``twfe`` is the TWFE coefficient
    (equal to the weighted sum of the estimates), ``by_type()`` sums weights by type and
    ``excluded_units`` lists the units left out."""

    def __init__(
        self, table: pd.DataFrame, *, twfe: float, excluded_units: pd.DataFrame, **kw: Any
    ) -> None:
        self.twfe = float(twfe)
        self.excluded_units = excluded_units
        super().__init__(table, **kw)

    def by_type(self) -> pd.DataFrame:
        """Weight and weighted mean estimate of every comparison type."""
        t = self.tidy()
        t["weighted"] = t["weight"] * t["estimate"]
        out = t.groupby("type", sort=False).agg(
            weight=("weight", "sum"), weighted=("weighted", "sum")
        )
        out["estimate"] = out["weighted"] / out["weight"]
        return out.drop(columns="weighted").reset_index()

    def plot(self, ax: Axes | None = None, *, lang: Lang = "de") -> Figure:
        """Estimate of each 2x2 comparison against its weight, by type; the dashed line is the
        TWFE coefficient."""
        from ..results import figure_axes

        check_lang(lang)
        fig, ax = figure_axes(ax, (7, 4))
        t = self.tidy()
        markers = {"treated_vs_never": "o", "earlier_vs_later": "s", "later_vs_earlier": "^",
                   "treated_vs_always": "D"}  # fmt: skip
        for i, (kind, d) in enumerate(t.groupby("type", sort=False)):
            ax.scatter(
                d["weight"],
                d["estimate"],
                marker=markers[kind],
                color=f"C{i}",
                label=BACON_TYPES[kind](lang),
            )
        ax.axhline(
            self.twfe, color="0.3", ls="--", lw=1, label=f"TWFE = {number(self.twfe, lang, 4)}"
        )
        ax.axhline(0, color="0.6", lw=0.8)
        ax.set_xlabel(term("weight", lang))
        ax.set_ylabel(term("estimate", lang))
        ax.set_title(tr(self.title, lang))
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig


__all__ = [
    "AggregatedEffects",
    "BaconDecomposition",
    "CohortEffects",
    "GroupTimeEffects",
    "OverallEffect",
    "PreTest",
    "SunAbrahamEffects",
    "SunAbrahamRegression",
    "StaggeredRandomization",
    "UnitSample",
]
