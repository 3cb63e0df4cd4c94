"""Results of :func:`evaluation.sun_abraham`: the event-time effects (with ``vcov()``,
``pretest()`` and ``design()`` for the wild bootstrap) and the cohort-specific effects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...errors import DataError
from ...i18n import Text
from ...results import Estimates
from .group_time import GroupTimeEffects, OverallEffect, PreTest

if TYPE_CHECKING:
    from ...stats.wild_bootstrap import LinearDesign


SA_PRETEST_TITLE = Text(
    "Vortest paralleler Trends (Sun & Abraham)", "Pre-test of parallel trends (Sun & Abraham)"
)
SA_PRETEST_HYPOTHESIS = Text(
    "H0: alle Effekte vor der Referenzperiode sind null; F-Test mit der cluster-robusten "
    "Kovarianz der Regression.",
    "H0: every effect before the reference period is zero; F test with the regression's "
    "cluster-robust covariance.",
)


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
        from .._attgt import att_gt

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
    event-time indicators (``cells``: their cohort and event time, in column order;
    ``cell_codes``: the cell of every row, -1 for none),
    covariate terms, unit and period ids, cluster ids and weights, and the weight matrix of
    the event-time effects (event times x cells)."""

    y: np.ndarray
    cohort: np.ndarray
    cells: pd.DataFrame
    cell_codes: np.ndarray
    x_covariates: np.ndarray
    covariate_names: tuple[str, ...]
    unit: np.ndarray
    time: np.ndarray
    cluster: np.ndarray
    weights: np.ndarray | None
    event_times: tuple[int, ...]
    event_weights: np.ndarray
    fe: Mapping[str, np.ndarray]

    @property
    def x_cells(self) -> np.ndarray:
        """The cohort x event-time indicators as a dense matrix (rows x cells), built from
        ``cell_codes`` (the cell of every row, -1 for none) when asked for."""
        x = np.zeros((len(self.cell_codes), len(self.cells)))
        rows = np.flatnonzero(self.cell_codes >= 0)
        x[rows, self.cell_codes[rows]] = 1.0
        return x

    def design(self) -> LinearDesign:
        from ...stats.wild_bootstrap import LinearDesign

        k = len(self.cells)
        a = np.eye(k)
        names = [f"sa_g{g}_e{e}" for g, e in self.cells[["cohort", "event_time"]].to_numpy()]
        for j, e in enumerate(self.event_times):
            idx = np.flatnonzero(self.event_weights[j] != 0)
            # row of the first cell of e becomes the weighted mean of e's cells; the other
            # cells keep their own coefficient, so A is invertible (its determinant is the
            # positive weight of the first cell)
            a[idx[0]] = self.event_weights[j]
            names[idx[0]] = f"event_time_{e}"
        # indicators times inv(A): the row of inv(A) of each row's cell (zeros without one)
        a_inv = np.linalg.inv(a)
        x = np.zeros((len(self.cell_codes), k))
        rows = np.flatnonzero(self.cell_codes >= 0)
        x[rows] = a_inv[self.cell_codes[rows]]
        return LinearDesign(
            y=self.y,
            x=np.column_stack([x, self.x_covariates]),
            names=[*names, *self.covariate_names],
            cluster=self.cluster,
            fe=dict(self.fe),
            weights=self.weights,
        )


__all__ = ["CohortEffects", "SunAbrahamEffects", "SunAbrahamRegression"]
