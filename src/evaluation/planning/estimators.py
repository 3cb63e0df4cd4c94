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

The fits read the results through their public interface only (``params``,
``std_errors``, ``inference.dof``, ``vcov()``).

Other tests, e.g. a wild cluster bootstrap for few clusters, plug in as
``PlanEstimator(name, fit, labels=Text(de, en))`` with ``fit(panel) -> {"estimate": ...,
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

from ..errors import DataError, OptionError
from ..i18n import Lang, Text
from ..options import OneWayCluster, PlanEstimatorName, check_option, choices
from .design import PanelDesign, as_text

#: deprecated aliases of :data:`evaluation.options.PlanEstimatorName` and ``OneWayCluster``
EstimatorName = PlanEstimatorName
ClusterLevel = OneWayCluster
ESTIMATORS: tuple[str, ...] = choices(PlanEstimatorName)
CLUSTERS: tuple[str, ...] = choices(OneWayCluster)
EventTime = int | Literal["post"]

CLUSTER_WORDS = {"unit": Text("Einheit", "unit"), "state": Text("Land", "state")}
LABELS: dict[str, Text] = {
    "twfe": Text("TWFE (Cluster: {cluster})", "TWFE (clusters: {cluster})"),
    "event_study": Text(
        "Event-Study, {what} (Cluster: {cluster})", "Event study, {what} (clusters: {cluster})"
    ),
    "att_gt": Text(
        "Callaway-Sant'Anna, {what} (Cluster: {cluster})",
        "Callaway-Sant'Anna, {what} (clusters: {cluster})",
    ),
}
WHAT: dict[str, Text] = {
    "event_study_post": Text("Mittel nach Beginn", "post-onset mean"),
    "event_study_e": Text("Jahr {e} nach Beginn", "year {e} after onset"),
    "att_gt_post": Text("einfacher ATT", "simple ATT"),
    "att_gt_e": Text("dynamisch, Jahr {e} nach Beginn", "dynamic, year {e} after onset"),
}


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
        German and English description, a :class:`~evaluation.i18n.Text` (e.g.
        ``Text("TWFE, Effekt nach Beginn", "TWFE, post effect")``; a ``(German, English)``
        pair is accepted).
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
    labels: Text
    shift_equivariant: bool = False
    weights: Callable[[PanelDesign], np.ndarray] | None = None
    analytic_df: Callable[[PanelDesign], float] | None = None
    target: EventTime = "post"

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", as_text(self.labels))

    def label(self, lang: Lang = "de") -> str:
        """The description in ``lang``."""
        return self.labels(lang)


def check_event_time(event_time: Any) -> EventTime:
    """``"post"`` or a non-negative integer event time; :class:`OptionError` otherwise."""
    if event_time == "post":
        return "post"
    if isinstance(event_time, bool) or not isinstance(event_time, int | np.integer):
        raise OptionError(f"event_time must be 'post' or an integer >= 0, got {event_time!r}")
    if event_time < 0:
        raise OptionError(
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
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise OptionError(
            f"estimator must be one of {list(ESTIMATORS)} or a PlanEstimator, got {estimator!r}"
        )
    check_option("cluster", cluster, OneWayCluster)
    e = check_event_time(event_time)
    cl = CLUSTER_WORDS[cluster]
    if estimator == "twfe":
        if e != "post":
            raise OptionError(
                "estimator 'twfe' estimates one post-onset effect: use event_time='post' (or "
                "estimator='event_study' / 'att_gt' for an effect at an event time)"
            )
        return PlanEstimator(
            "twfe",
            partial(_fit_twfe, cluster=cluster),
            LABELS["twfe"].format(cluster=cl),
            shift_equivariant=True,
            weights=_twfe_weights,
            analytic_df=partial(_cluster_df, cluster=cluster),
            target="post",
        )
    if estimator == "event_study":
        for name, v in (("leads", leads), ("lags", lags)):
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
                raise OptionError(f"{name} must be a non-negative integer, got {v!r}")
        if e != "post" and e > lags:
            raise OptionError(f"event_time {e} lies after the last event-study lag ({lags})")
        what = WHAT["event_study_post"] if e == "post" else WHAT["event_study_e"].format(e=e)
        return PlanEstimator(
            "event_study",
            partial(_fit_event_study, event_time=e, cluster=cluster, leads=leads, lags=lags),
            LABELS["event_study"].format(what=what, cluster=cl),
            shift_equivariant=True,
            weights=partial(_event_study_weights, event_time=e, leads=leads, lags=lags),
            analytic_df=partial(_cluster_df, cluster=cluster),
            target=e,
        )
    what = WHAT["att_gt_post"] if e == "post" else WHAT["att_gt_e"].format(e=e)
    return PlanEstimator(
        "att_gt",
        partial(_fit_att_gt, event_time=e, cluster=cluster),
        LABELS["att_gt"].format(what=what, cluster=cl),
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


def _fit_twfe(panel: pd.DataFrame, *, cluster: OneWayCluster) -> dict[str, float]:
    from ..panel import twfe

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = twfe(panel, _outcome(panel), cluster=cluster)
    assert res.inference is not None and res.inference.dof is not None  # clustered: a t reference
    return {
        "estimate": float(res.params.iloc[0]),
        "std_error": float(res.std_errors.iloc[0]),
        "df": float(res.inference.dof),
    }


def _fit_event_study(
    panel: pd.DataFrame, *, event_time: EventTime, cluster: OneWayCluster, leads: int, lags: int
) -> dict[str, float]:
    from ..panel import event_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # no simultaneous band: only the coefficients and their covariance are used
        res = event_study(
            panel, _outcome(panel), leads=leads, lags=lags, cluster=cluster, n_draws=None
        )
    cov = res.vcov()
    ks = [k for k in cov.index if (k >= 0 if event_time == "post" else k == event_time)]
    if not ks:
        raise DataError(f"the event study has no coefficient for event time {event_time}")
    w = np.zeros(len(cov))
    w[[list(cov.index).index(k) for k in ks]] = 1.0 / len(ks)
    est = res.params.reindex(cov.index).to_numpy(dtype=float)
    assert res.inference is not None and res.inference.dof is not None  # clustered: a t reference
    return {
        "estimate": float(w @ est),
        "std_error": float(np.sqrt(w @ cov.to_numpy() @ w)),
        "df": float(res.inference.dof),
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
