"""Results of :func:`evaluation.att_gt`: the group-time effects, their aggregations and
overall effects (with ``influence()`` and ``vcov()`` from the influence functions) and the
pre-trend tests.

Influence functions are in R ``did``'s scaling (the estimate minus its value is about the
mean of the influence function); ``vcov()`` is ``S'S / n^2`` with the cluster sums ``S`` of
the influence functions (see :mod:`evaluation.staggered._influence`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...errors import DataError
from ...i18n import Lang, Text, check_lang, number, term, tr
from ...options import AggregationType, PretestKind
from ...results import Estimates, TestResult, display_frame, figure_axes
from .._influence import InfluenceFunctions

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .._bootstrap import MultiplierBootstrap


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
        from .._aggregate import share_matrix

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
        from .._aggregate import aggregate

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
            ``-anticipation``) are zero, covariance from the influence functions, in
            Hotelling's small-sample F form with the number of treated clusters. Pooling the
            cohorts keeps the test defined when small cohorts make the cells' covariance
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
        from .._pretest import cell_pretest, event_time_pretest

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
            fig, axes = figure_axes(ax)[0], [ax] * len(cohorts)
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
    ``wald``: the Wald statistic where ``statistic`` is its small-sample F form;
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
        wald: float | None = None,
        **kw: Any,
    ) -> None:
        self.kind = kind
        self.wald = wald
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


__all__ = [
    "AggregatedEffects",
    "GroupTimeEffects",
    "OverallEffect",
    "PreTest",
    "UnitSample",
]
