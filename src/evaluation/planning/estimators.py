"""The estimators a design is planned for, each with what the power calculation needs.

A :class:`PlanEstimator` fits one simulated panel and returns the estimate of the planned
effect, its standard error and the reference distribution of the test (``df``; infinite for
the normal). The built-in ones call the package's public estimators:

* ``"twfe"``: :func:`evaluation.twfe` (the ``post`` coefficient);
* ``"event_study"``: :func:`evaluation.event_study`, the coefficient at ``event_time`` or, with
  ``event_time="post"``, the mean of the post-onset coefficients (0 .. ``lags``) with its
  standard error from the coefficients' covariance;
* ``"att_gt"``: :func:`evaluation.att_gt` aggregated ``"simple"`` (``event_time="post"``) or
  ``"dynamic"`` at ``event_time``.

They are *shift-equivariant*: adding a constant effect to every post-onset observation adds
exactly that effect to the estimate and leaves its standard error unchanged (the effect lies in
the span of the regressors, or cancels in the influence functions). One fit per simulated panel
then gives the test at every effect size (the tests check this property for each of them).
Each also has its exact weights as a linear function of the outcomes in a balanced panel,
which gives the analytic variance (:mod:`evaluation.planning.analytic`).

Other tests, e.g. a wild cluster bootstrap for few clusters, plug in as
``PlanEstimator(name, fit, labels=(de, en))`` with ``fit(panel) -> {"estimate": ...,
"std_error": ..., "p_value": ...}``; they are refitted for every effect size on the same noise.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from .design import PanelDesign

EstimatorName = Literal["twfe", "event_study", "att_gt"]
ESTIMATORS: tuple[str, ...] = ("twfe", "event_study", "att_gt")
ClusterLevel = Literal["unit", "state"]
CLUSTERS: tuple[str, ...] = ("unit", "state")
EventTime = int | Literal["post"]


@dataclass(frozen=True)
class PlanEstimator:
    """An estimator and test to plan for.

    Parameters
    ----------
    name
        Short name (shown in tables).
    fit
        ``fit(panel) -> mapping`` with ``estimate`` and ``std_error`` and either ``df``
        (degrees of freedom of the t reference distribution; ``inf`` for the normal) or
        ``p_value`` (two-sided, of the null of no effect).
    labels
        German and English description (e.g. ``("TWFE, Effekt nach Beginn", "TWFE, post
        effect")``).
    shift_equivariant
        True if adding a constant effect to post-onset outcomes adds it to the estimate and
        leaves the standard error unchanged; then one fit serves every effect size (needs
        ``df``).
    weights
        Optional ``weights(design) -> units x years array`` with estimate = sum(weights * y)
        in a balanced panel of the design: enables the analytic power.
    analytic_df
        Optional ``analytic_df(design) -> float``: degrees of freedom of the analytic test.
    target
        What is estimated: ``"post"`` or an event time.
    """

    name: str
    fit: Callable[[pd.DataFrame], Mapping[str, float]]
    labels: tuple[str, str]
    shift_equivariant: bool = False
    weights: Callable[[PanelDesign], np.ndarray] | None = None
    analytic_df: Callable[[PanelDesign], float] | None = None
    target: EventTime = "post"

    def label(self, lang: str = "de") -> str:
        return self.labels[0] if lang == "de" else self.labels[1]


def check_event_time(event_time: Any) -> EventTime:
    if event_time == "post":
        return "post"
    if isinstance(event_time, bool) or not isinstance(event_time, int | np.integer):
        raise DataError(f"event_time must be 'post' or an integer >= 0, got {event_time!r}")
    if event_time < 0:
        raise DataError(
            f"event_time must be >= 0 (effects after onset are planned for), got {event_time}"
        )
    return int(event_time)


def resolve_estimator(
    estimator: EstimatorName | PlanEstimator,
    *,
    event_time: EventTime = "post",
    cluster: ClusterLevel = "unit",
    leads: int = 5,
    lags: int = 5,
) -> PlanEstimator:
    """The :class:`PlanEstimator` of a built-in name (or ``estimator`` itself)."""
    if isinstance(estimator, PlanEstimator):
        return estimator
    if estimator not in ESTIMATORS:
        raise DataError(
            f"estimator must be one of {ESTIMATORS} or a PlanEstimator, got {estimator!r}"
        )
    if cluster not in CLUSTERS:
        raise DataError(f"cluster must be one of {CLUSTERS}, got {cluster!r}")
    e = check_event_time(event_time)
    cl_de = "Einheit" if cluster == "unit" else "Land"
    if estimator == "twfe":
        if e != "post":
            raise DataError(
                "estimator 'twfe' estimates one post-onset effect: use event_time='post' (or "
                "estimator='event_study' / 'att_gt' for an effect at an event time)"
            )
        return PlanEstimator(
            "twfe",
            partial(_fit_twfe, cluster=cluster),
            (
                f"TWFE (Cluster: {cl_de})",
                f"TWFE (clusters: {cluster})",
            ),
            shift_equivariant=True,
            weights=_twfe_weights,
            analytic_df=partial(_cluster_df, cluster=cluster),
            target="post",
        )
    if estimator == "event_study":
        for name, v in (("leads", leads), ("lags", lags)):
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
                raise DataError(f"{name} must be a non-negative integer, got {v!r}")
        if e != "post" and e > lags:
            raise DataError(f"event_time {e} lies after the last event-study lag ({lags})")
        what_de = "Mittel nach Beginn" if e == "post" else f"Jahr {e} nach Beginn"
        what_en = "post-onset mean" if e == "post" else f"year {e} after onset"
        return PlanEstimator(
            "event_study",
            partial(_fit_event_study, event_time=e, cluster=cluster, leads=leads, lags=lags),
            (
                f"Event-Study, {what_de} (Cluster: {cl_de})",
                f"Event study, {what_en} (clusters: {cluster})",
            ),
            shift_equivariant=True,
            weights=partial(_event_study_weights, event_time=e, leads=leads, lags=lags),
            analytic_df=partial(_cluster_df, cluster=cluster),
            target=e,
        )
    what_de = "einfacher ATT" if e == "post" else f"dynamisch, Jahr {e} nach Beginn"
    what_en = "simple ATT" if e == "post" else f"dynamic, year {e} after onset"
    return PlanEstimator(
        "att_gt",
        partial(_fit_att_gt, event_time=e, cluster=cluster),
        (
            f"Callaway-Sant'Anna, {what_de} (Cluster: {cl_de})",
            f"Callaway-Sant'Anna, {what_en} (clusters: {cluster})",
        ),
        shift_equivariant=True,
        weights=partial(_att_gt_weights, event_time=e),
        analytic_df=_normal_df,
        target=e,
    )


# ---------------------------------------------------------------------------------------
# fits (module-level functions: picklable for worker processes)
# ---------------------------------------------------------------------------------------
def _outcome(panel: pd.DataFrame) -> str:
    return panel.attrs["roles"]["outcome"]


def _fit_twfe(panel: pd.DataFrame, *, cluster: str) -> dict[str, float]:
    from ..panel import twfe

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = twfe(panel, _outcome(panel), cluster=cluster)
    return {
        "estimate": float(res.params.iloc[0]),
        "std_error": float(res.std_errors.iloc[0]),
        "df": res.df,
    }


def _fit_event_study(
    panel: pd.DataFrame, *, event_time: EventTime, cluster: str, leads: int, lags: int
) -> dict[str, float]:
    from ..panel import event_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = event_study(
            panel, _outcome(panel), leads=leads, lags=lags, cluster=cluster, n_sim=100, seed=0
        )
    cov = res.cov
    ks = [k for k in cov.index if (k >= 0 if event_time == "post" else k == event_time)]
    if not ks:
        raise DataError(f"the event study has no coefficient for event time {event_time}")
    w = np.zeros(len(cov))
    w[[list(cov.index).index(k) for k in ks]] = 1.0 / len(ks)
    est = res.params.reindex(cov.index).to_numpy(dtype=float)
    return {
        "estimate": float(w @ est),
        "std_error": float(np.sqrt(w @ cov.to_numpy() @ w)),
        "df": res.df,
    }


def _fit_att_gt(panel: pd.DataFrame, *, event_time: EventTime, cluster: str) -> dict[str, float]:
    from ..staggered import att_gt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = att_gt(panel, _outcome(panel), cluster="state" if cluster == "state" else None)
        agg = res.aggregate("simple" if event_time == "post" else "dynamic")
    est, se = agg.params, agg.std_errors
    if event_time != "post":
        if event_time not in est.index:
            raise DataError(f"att_gt has no cell at event time {event_time}")
        est, se = est.loc[[event_time]], se.loc[[event_time]]
    row = {"estimate": est.iloc[0], "std_error": se.iloc[0]}
    return {
        "estimate": float(row["estimate"]),
        "std_error": float(row["std_error"]),
        "df": float("inf"),
    }


# ---------------------------------------------------------------------------------------
# exact linear weights in a balanced panel (for the analytic variance)
# ---------------------------------------------------------------------------------------
def _cluster_df(design: PanelDesign, *, cluster: str) -> float:
    return float((design.n_units if cluster == "unit" else design.n_clusters) - 1)


def _normal_df(design: PanelDesign) -> float:
    return float("inf")


def _two_way_demean(x: np.ndarray) -> np.ndarray:
    """Residuals of a units x years array (or a stack of them) on unit and year effects in a
    balanced panel."""
    return (
        x
        - x.mean(axis=-1, keepdims=True)
        - x.mean(axis=-2, keepdims=True)
        + x.mean(axis=(-2, -1), keepdims=True)
    )


def _twfe_weights(design: PanelDesign) -> np.ndarray:
    d = _two_way_demean(design.post)
    return d / np.sum(d * d)


def _event_study_weights(
    design: PanelDesign, *, event_time: EventTime, leads: int, lags: int
) -> np.ndarray:
    g = design.unit_cohort[:, None]
    rel = np.where(g > 0, design.years[None, :] - g, np.iinfo(np.int64).min)
    treated = g > 0
    rel = np.where(treated, np.clip(rel, -leads, lags), rel)
    ks = [k for k in range(-leads, lags + 1) if k != -1 and np.any(treated & (rel == k))]
    if not ks:
        raise DataError("no treated unit-year falls into the event-study window")
    dummies = np.stack([(treated & (rel == k)).astype(float) for k in ks])
    x = _two_way_demean(dummies).reshape(len(ks), -1)
    xtx = x @ x.T
    if np.linalg.matrix_rank(xtx) < len(ks):
        raise DataError("the event-study coefficients are not identified in this design")
    sel = [i for i, k in enumerate(ks) if (k >= 0 if event_time == "post" else k == event_time)]
    if not sel:
        raise DataError(f"the event study has no coefficient for event time {event_time}")
    c = np.zeros(len(ks))
    c[sel] = 1.0 / len(sel)
    w = np.linalg.solve(xtx, c) @ x
    return w.reshape(design.n_units, design.n_years)


def _att_gt_weights(design: PanelDesign, *, event_time: EventTime) -> np.ndarray:
    years = design.years
    first, last = int(years[0]), int(years[-1])
    cohort = design.unit_cohort
    comp = cohort == 0
    n_c = comp.sum()
    cells = []
    for g, n_g in design.cohorts.items():
        for t in range(g, last + 1):
            if event_time == "post" or t - g == event_time:
                cells.append((g, t, n_g))
    if not cells:
        raise DataError(f"no cohort is observed at event time {event_time}")
    total = sum(n for _, _, n in cells)
    w = np.zeros((design.n_units, design.n_years))
    for g, t, n_g in cells:
        c = n_g / total
        base, col = g - 1 - first, t - first
        mine = cohort == g
        w[mine, col] += c / n_g
        w[mine, base] -= c / n_g
        w[comp, col] -= c / n_c
        w[comp, base] += c / n_c
    return w
