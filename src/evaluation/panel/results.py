"""The results of the classic designs, complete when they are made.

Every result holds what its estimator computed, passed to its constructor: the estimates and
their :class:`~evaluation.results.Inference`, the covariance (``vcov()``) where the estimator
has one, the regression's design for the wild bootstrap (``design()``), the four cell means of
a 2x2 DiD, the units of a before/after comparison, the series of an interrupted time series
and the pre-trend test of an event study (``pretest()``). Nothing is added afterwards.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Lang, Text, check_lang, term, tr
from ..results import Estimates, TestResult, display_frame, figure_axes
from ..stats.design import LinearDesign

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


class PanelEstimates(Estimates):
    """Estimates of a classic panel design.

    Parameters
    ----------
    table, keys
        As for :class:`~evaluation.results.Estimates`.
    design
        The regression behind the estimates, for :func:`evaluation.wild_bootstrap` (see
        :meth:`design`); None for designs without one.
    no_design
        Why there is no design (the message of :meth:`design`), when ``design`` is None.
    **kwargs
        ``title``, ``method``, ``inference``, ``level``, ``facts``, ``notes``, ``outcome``,
        ``call``, ``covariance`` as for :class:`~evaluation.results.Estimates`.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        keys: Sequence[str] = (),
        *,
        design: LinearDesign | None = None,
        no_design: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._design = design
        self._no_design = no_design
        self._arguments = (table, tuple(keys), {"design": design, "no_design": no_design, **kwargs})
        super().__init__(table, keys, **kwargs)

    def _own_arguments(self) -> dict[str, Any]:
        """The constructor arguments of a subclass (besides those of this class)."""
        return {}

    def _variant(
        self,
        *,
        title: Text | str,
        notes: Sequence[Text | str] = (),
        facts: Mapping[str, Any] | None = None,
        call: Mapping[str, Any] | None = None,
    ) -> PanelEstimates:
        """A new result of the same class from the same numbers, with another title and
        further notes, facts and call arguments (a placebo's labels)."""
        table, keys, kwargs = self._arguments
        kwargs = dict(kwargs)
        kwargs["title"] = title
        kwargs["notes"] = [*kwargs.get("notes", ()), *notes]
        kwargs["facts"] = {**(kwargs.get("facts") or {}), **(facts or {})}
        kwargs["call"] = {**(kwargs.get("call") or {}), **(call or {})}
        return type(self)(table, keys, **self._own_arguments(), **kwargs)

    def design(self) -> LinearDesign:
        """The linear model behind the estimates (outcome, regressors named like the
        estimates, fixed effects, clusters, weights), for :func:`evaluation.wild_bootstrap`.

        Raises
        ------
        DataError
            When the result has no such design (e.g. two-way clustering: the wild cluster
            bootstrap clusters in one dimension); the message says what to do.
        """
        if self._design is None:
            raise DataError(
                self._no_design
                or f"{type(self).__name__} is not a linear regression; it has no design"
            )
        d = self._design
        return LinearDesign(
            y=d.y.copy(),
            x=d.x.copy(),
            names=list(d.names),
            cluster=d.cluster.copy(),
            fe={k: np.asarray(v).copy() for k, v in d.fe.items()},
            weights=None if d.weights is None else d.weights.copy(),
        )


class TwfeResult(PanelEstimates):
    """The static two-way fixed-effects estimate (term ``post``), with ``vcov()`` and
    ``design()``."""


class PreTrendTest(TestResult):
    """The joint Wald test that all pre-onset coefficients of an event study are zero: F with
    (number of pre-onset coefficients, G-1) degrees of freedom. With too few clusters the
    summary shows no p-value (it stays in ``tidy()`` and ``p_value``)."""

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        shown = self.tidy()
        if self.few_clusters:
            shown = shown.drop(columns=["p_value"])
        return [("", display_frame(shown, lang))]


class EventStudyResult(PanelEstimates):
    """Event-study coefficients by ``event_time`` with pointwise intervals and a simultaneous
    (sup-t) band in ``band_low``/``band_high``.

    ``pretest()`` is the joint Wald test of the pre-onset coefficients, ``vcov()`` the
    covariance of the estimated coefficients (the reference periods, fixed at 0, are not in
    it), ``design()`` the regression for the wild bootstrap (terms named by the event time,
    ``"0"``, ``"-2"``, ...).

    Parameters
    ----------
    table, keys
        As for :class:`PanelEstimates`.
    pre_test
        The pre-trend test (None when it cannot be computed).
    pre_test_missing
        Why there is no pre-trend test (the message of :meth:`pretest`).
    **kwargs
        As for :class:`PanelEstimates`.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        keys: Sequence[str] = ("event_time",),
        *,
        pre_test: PreTrendTest | None = None,
        pre_test_missing: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._pre_test = pre_test
        self._pre_test_missing = pre_test_missing
        super().__init__(table, keys, **kwargs)

    def _own_arguments(self) -> dict[str, Any]:
        return {"pre_test": self._pre_test, "pre_test_missing": self._pre_test_missing}

    def pretest(self) -> PreTrendTest:
        """The joint Wald test that all pre-onset coefficients are zero (F test).

        Raises
        ------
        DataError
            When the test cannot be computed (no pre-onset coefficient, no standard errors,
            or a singular covariance); the message says why.
        """
        if self._pre_test is None:
            raise DataError(self._pre_test_missing or "the event study has no pre-trend test")
        return self._pre_test

    @property
    def pretrend(self) -> dict[str, float]:
        """Deprecated: :meth:`pretest` (a :class:`~evaluation.results.TestResult`).

        The pre-trend test as a dict with ``statistic``, ``df_num``, ``df_denom`` and
        ``p_value`` (NaN where the test cannot be computed)."""
        warnings.warn(
            "EventStudyResult.pretrend is deprecated; use pretest(), a TestResult",
            DeprecationWarning,
            stacklevel=2,
        )
        t = self._pre_test
        assert self.inference is not None
        if t is None:
            return {
                "statistic": float("nan"),
                "df_num": 0.0,
                "df_denom": float(self.inference.dof or np.nan),
                "p_value": float("nan"),
            }
        return {
            "statistic": t.statistic,
            "df_num": float(t.dof[0]),
            "df_denom": float(t.dof[1]),
            "p_value": t.p_value,
        }

    @property
    def cov(self) -> pd.DataFrame:
        """Deprecated: :meth:`vcov`."""
        warnings.warn(
            "EventStudyResult.cov is deprecated; use vcov()", DeprecationWarning, stacklevel=2
        )
        return self.vcov()


class DidResult(PanelEstimates):
    """A 2x2 DiD estimate (term ``did``); ``cells`` holds the four group-period means and
    their numbers of observations; ``design()`` the regression for the wild bootstrap."""

    def __init__(
        self,
        table: pd.DataFrame,
        keys: Sequence[str] = ("term",),
        *,
        cells: pd.DataFrame,
        **kwargs: Any,
    ) -> None:
        #: the four group-period means (``group``, ``period``, ``mean``, ``n_obs``)
        self.cells = cells
        super().__init__(table, keys, **kwargs)

    def _own_arguments(self) -> dict[str, Any]:
        return {"cells": self.cells}


class BeforeAfterResult(PanelEstimates):
    """The paired mean difference of the treated units between before and after onset.

    ``units`` holds each unit's mean before and after onset (``mean_before``, ``mean_after``,
    ``n_before``, ``n_after``, ``difference``), ``wilcoxon`` the signed-rank test
    (``statistic``, ``p_value``)."""

    def __init__(
        self,
        table: pd.DataFrame,
        keys: Sequence[str] = ("term",),
        *,
        units: pd.DataFrame,
        wilcoxon: Mapping[str, float],
        **kwargs: Any,
    ) -> None:
        #: each treated unit's means before and after onset
        self.units = units
        #: the Wilcoxon signed-rank test of the unit differences
        self.wilcoxon = dict(wilcoxon)
        super().__init__(table, keys, **kwargs)

    def _own_arguments(self) -> dict[str, Any]:
        return {"units": self.units, "wilcoxon": self.wilcoxon}

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Each unit's mean before and after onset joined by a line, with the means."""
        check_lang(lang)
        fig, ax = figure_axes(ax, (5, 4))
        u = self.units
        for a, b in zip(u["mean_before"], u["mean_after"], strict=True):
            ax.plot([0, 1], [a, b], color="0.7", lw=0.8)
        ax.plot(
            [0, 1],
            [u["mean_before"].mean(), u["mean_after"].mean()],
            color="C0",
            lw=2.5,
            marker="o",
            label=term("mean", lang),
        )
        ax.set_xticks([0, 1], [term("pre", lang), term("post", lang)])
        ax.set_xlim(-0.3, 1.3)
        ax.set_ylabel(self.outcome or term("estimate", lang))
        ax.set_title(title or tr(self.title, lang))
        ax.legend()
        fig.tight_layout()
        return fig


class ITSResult(PanelEstimates):
    """The segmented regression of an interrupted time series; ``series`` holds the series
    (``event_time``, ``y``, ``n_obs``) with the fitted values and the counterfactual (the
    pre-onset line continued)."""

    def __init__(
        self,
        table: pd.DataFrame,
        keys: Sequence[str] = ("term",),
        *,
        series: pd.DataFrame,
        **kwargs: Any,
    ) -> None:
        #: the event-time series with ``fitted`` and ``counterfactual``
        self.series = series
        super().__init__(table, keys, **kwargs)

    def _own_arguments(self) -> dict[str, Any]:
        return {"series": self.series}

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """The series, the fitted segments and the counterfactual after onset."""
        check_lang(lang)
        fig, ax = figure_axes(ax, (7, 4))
        s = self.series
        ax.plot(s["event_time"], s["y"], "o", color="0.3", label=self.outcome)
        pre = s["event_time"] < 0
        ax.plot(s.loc[pre, "event_time"], s.loc[pre, "fitted"], color="C0")
        ax.plot(
            s.loc[~pre, "event_time"],
            s.loc[~pre, "fitted"],
            color="C0",
            label=term("fitted", lang),
        )
        ax.plot(
            s.loc[~pre, "event_time"],
            s.loc[~pre, "counterfactual"],
            color="C0",
            ls="--",
            label=term("counterfactual", lang),
        )
        ax.axvline(-0.5, color="0.6", lw=0.8, ls="--")
        ax.set_xlabel(term("event_time", lang))
        ax.set_title(title or tr(self.title, lang))
        ax.legend()
        fig.tight_layout()
        return fig
