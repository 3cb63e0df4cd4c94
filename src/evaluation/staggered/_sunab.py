"""The interaction-weighted event-study estimator of Sun & Abraham (2021).

A two-way fixed effects regression saturated in cohort x relative-period indicators (one
omitted reference period per cohort) estimates the cohort-specific effects CATT(g, e) against
a clean comparison group (never-treated units, or the last-treated cohort before it is treated);
the event-time effects are their averages weighted by the cohorts' shares of units.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError, StaggeredWarning
from ..i18n import Text
from ..options import SunAbrahamControl, check_option
from ..results import Inference, check_level
from ..stats.fixed_effects import (
    ClusterOption,
    covariate_terms,
    fe_regression,
    refuse_singular_covariance,
    row_ids,
    treated_clusters,
)
from ..study.panel import check_panel, excluded_frame, ids_text, resolve_roles
from ._compat import legacy_arguments
from ._data import excluded_notes
from .results import (
    CohortEffects,
    OverallEffect,
    SunAbrahamEffects,
    SunAbrahamRegression,
)

#: deprecated alias of :data:`evaluation.options.SunAbrahamControl`
SAControl = SunAbrahamControl

TITLE = Text("Ereignisstudie nach Sun & Abraham", "Event study (Sun & Abraham)")
COHORT_TITLE = Text("Kohortenspezifische Effekte", "Cohort-specific effects")
OVERALL_TITLE = Text("Mittlerer Effekt (e >= 0)", "Average effect (e >= 0)")
METHOD = Text(
    "Sun & Abraham (interaktionsgewichtet), Vergleich: {control}",
    "Sun & Abraham (interaction-weighted), comparison: {control}",
)
CONTROL_NAMES = {
    "never_treated": Text("nie behandelt", "never treated"),
    "last_treated": Text("zuletzt behandelte Kohorte", "last-treated cohort"),
}
SHARES_KNOWN = Text(" Kohortenanteile als bekannt behandelt.", " Cohort shares treated as known.")


# an estimator core (about 135 lines: the saturated regression and the weighting of the
# module docstring, read in one piece)
@legacy_arguments(renamed={"control": "control_group"})
def sun_abraham(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    control_group: SunAbrahamControl = "never_treated",
    reference: int = -1,
    covariates: Sequence[str] | None = None,
    cluster: ClusterOption = "unit",
    weights: str | None = None,
    level: float = 0.95,
) -> SunAbrahamEffects:
    """Sun & Abraham's interaction-weighted event study.

    Parameters
    ----------
    data, outcome, unit, time, cohort
        Long panel and its column roles (default from ``data.attrs["roles"]``); cohort 0 or
        missing = never treated. The roles after ``outcome`` are keyword arguments
        (positional use is deprecated).
    control_group
        ``"never_treated"``, or ``"last_treated"``: the last cohort serves as comparison and
        periods from its first treated period on are dropped. ``control=`` is the deprecated
        name.
    reference
        Omitted relative period of every cohort (default -1, the period before onset).
    covariates
        As in :func:`evaluation.twfe`: time-varying covariates enter linearly, baseline
        covariates interacted with year dummies.
    cluster, weights
        Cluster-robust inference in the convention of :mod:`evaluation.panel` (factor G/(G-1),
        t distribution with G-1 degrees of freedom); optional regression weights.
    level
        Confidence level of ``tidy()``.

    Returns
    -------
    SunAbrahamEffects
        Event-time effects with ``cohort_effects``, ``overall``, ``shares``, ``vcov()`` and
        ``design()`` (for :func:`evaluation.wild_bootstrap`).

    Notes
    -----
    The event-time effects weight CATT(g, e) by the cohorts' shares of units among the cohorts
    observed at e; these shares are treated as known in the standard errors.
    """
    check_option("control_group", control_group, SunAbrahamControl)
    if isinstance(reference, bool) or not isinstance(reference, int | np.integer):
        raise OptionError(f"reference must be an integer relative period, got {reference!r}")
    level = check_level(level)
    roles = resolve_roles(data, outcome, unit, time, cohort)
    covariates = list(covariates or [])
    df = check_panel(
        data,
        roles,
        covariates=covariates,
        columns=[weights] if weights else [],
        require_never_treated=control_group == "never_treated",
    )
    df, g, excluded = _sample(df, roles, control_group)
    rel = np.where(g > 0, df[roles.time].to_numpy() - g, 0)
    cells = pd.DataFrame({"g": g, "e": rel})[g > 0].drop_duplicates()
    cells = cells[cells["e"] != reference].sort_values(["g", "e"])
    if cells.empty:
        raise DataError("no cohort has a relative period besides the reference period")
    names = [f"sa_g{gg}_e{ee}" for gg, ee in cells.itertuples(index=False)]
    codes = _cell_codes(g, rel, cells, reference)
    reg_df, cov_names = covariate_terms(df, roles, covariates)
    fit = fe_regression(
        reg_df,
        roles.outcome,
        cov_names,
        roles.unit,
        roles.time,
        cluster=cluster,
        weights=weights,
        indicators=(codes, names),
    )
    beta = fit.params[names].to_numpy()
    vcov = fit.cov.loc[names, names].to_numpy()
    sing_notes: list[Any] = []
    if refuse_singular_covariance(pd.DataFrame({"std_error": beta}), fit, len(names), sing_notes):
        vcov = np.full_like(vcov, np.nan)
    cohort_table = cells.rename(columns={"g": "cohort", "e": "event_time"}).reset_index(drop=True)
    cohort_table["estimate"] = beta
    cohort_table["std_error"] = np.sqrt(np.diag(vcov))

    sizes = df.loc[df["_cohort"] > 0].groupby("_cohort")[roles.unit].nunique()
    levels, wmat, shares = _event_weights(cells, sizes)
    est = wmat @ beta
    cov_e = wmat @ vcov @ wmat.T
    table = pd.DataFrame(
        {"event_time": levels, "estimate": est, "std_error": np.sqrt(np.diag(cov_e))}
    )
    treated_cl = (
        treated_clusters(df.assign(**{roles.cohort: df["_cohort"]}), roles, cluster)
        if fit.n_clusters is not None
        else None
    )
    inference = Inference(
        name=f"cluster_{cluster}",
        description=fit.inference().description + SHARES_KNOWN,
        distribution="t",
        dof=fit.dof,
        n_clusters=fit.n_clusters,
        n_treated_clusters=treated_cl,
    )
    facts = {"n_obs": fit.nobs, "n_units": fit.n_units}
    if fit.n_clusters:
        facts["n_clusters"] = fit.n_clusters
    call = {
        "outcome": roles.outcome,
        "unit": roles.unit,
        "time": roles.time,
        "cohort": roles.cohort,
        "control_group": control_group,
        "reference": int(reference),
        "covariates": covariates,
        "cluster": cluster,
        "weights": weights,
        "level": level,
    }
    common: dict[str, Any] = dict(
        method=METHOD.format(control=CONTROL_NAMES[control_group]),
        inference=inference,
        level=level,
        facts=facts,
        notes=[*sing_notes, *excluded_notes(excluded)],
        outcome=roles.outcome,
        call=call,
    )
    post = np.asarray(levels) >= 0
    overall = None
    if post.any():
        a = np.where(post, 1.0 / post.sum(), 0.0)
        o = pd.DataFrame(
            {
                "term": ["overall"],
                "estimate": [float(a @ est)],
                "std_error": [float(np.sqrt(a @ cov_e @ a))],
            }
        )
        overall = OverallEffect(
            o, title=OVERALL_TITLE, covariance=np.array([[a @ cov_e @ a]]), **common
        )
    unit_ids = row_ids(reg_df[roles.unit])  # the ids as text, converted once per unit
    regression = SunAbrahamRegression(
        y=reg_df[roles.outcome].to_numpy(dtype=float),
        cohort=reg_df["_cohort"].to_numpy(),
        cells=cohort_table[["cohort", "event_time"]].copy(),
        cell_codes=codes,
        x_covariates=reg_df[cov_names].to_numpy(dtype=float).reshape(len(reg_df), len(cov_names)),
        covariate_names=tuple(cov_names),
        unit=unit_ids,
        time=reg_df[roles.time].to_numpy(),
        cluster=_cluster_ids(reg_df, roles, cluster),
        weights=None if weights is None else reg_df[weights].to_numpy(dtype=float),
        event_times=tuple(levels),
        event_weights=wmat,
        fe={roles.unit: unit_ids, roles.time: reg_df[roles.time].to_numpy()},
    )
    res = SunAbrahamEffects(
        table,
        cohort_effects=CohortEffects(
            cohort_table,
            ["cohort", "event_time"],
            title=COHORT_TITLE,
            covariance=vcov,
            **common,
        ),
        overall=overall,
        shares=pd.DataFrame(shares),
        excluded_units=excluded,
        regression=regression,
        title=TITLE,
        covariance=cov_e,
        **common,
    )
    inference.warn("sun_abraham")
    return res


def _sample(
    df: pd.DataFrame, roles: Any, control_group: str
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """The estimation sample: units treated in the first period dropped (named in the
    excluded frame), the last cohort as comparison with ``last_treated``; ``_cohort`` holds
    the cohort used (0 = comparison)."""
    tmin, tmax = int(df[roles.time].min()), int(df[roles.time].max())
    g = df[roles.cohort].to_numpy().copy()
    g[g > tmax] = 0  # treated after the panel ends: never treated within it
    always = (g > 0) & (g <= tmin)
    excluded = excluded_frame([], [], [], [])
    if always.any():
        ids = pd.unique(df.loc[always, roles.unit])
        first = df.loc[always].groupby(roles.unit, sort=False)[roles.cohort].first()
        excluded = excluded_frame(
            list(first.index),
            list(first.to_numpy()),
            ["treated_first_period"] * len(first),
            [f"cohort {int(c)}, first period {tmin}" for c in first.to_numpy()],
        )
        warnings.warn(
            f"dropped {len(ids)} unit(s) already treated in the first period {tmin}: "
            f"{ids_text(ids)}",
            StaggeredWarning,
            stacklevel=4,
        )
        df, g = df[~always], g[~always]
    if control_group == "last_treated":
        gmax = int(g.max())
        keep = df[roles.time].to_numpy() < gmax
        if (g == 0).any():
            keep &= g > 0  # the last cohort replaces never-treated units as comparison
        df, g = df[keep], g[keep]
        g = np.where(g == gmax, 0, g)
    if not (g > 0).any() or not (g == 0).any():
        raise DataError("need both treated cohorts and comparison units for Sun & Abraham")
    return df.assign(**{"_cohort": g}).reset_index(drop=True), g, excluded


def _cell_codes(g: np.ndarray, rel: np.ndarray, cells: pd.DataFrame, reference: int) -> np.ndarray:
    """The cell (row of ``cells``, sorted by cohort and event time) of every row, -1 for
    comparison rows and the reference period: the indicators as codes, not dummy columns."""
    cg, ce = cells["g"].to_numpy(dtype=np.int64), cells["e"].to_numpy(dtype=np.int64)
    emin = int(min(ce.min(), rel.min()))
    span = int(max(ce.max(), rel.max())) - emin + 1
    cell_keys = cg * span + (ce - emin)
    in_cell = (g > 0) & (rel != reference)
    row_keys = g.astype(np.int64) * span + (rel.astype(np.int64) - emin)
    codes = np.searchsorted(cell_keys, row_keys)
    return np.where(in_cell, codes, -1).astype(np.intp)


def _event_weights(
    cells: pd.DataFrame, sizes: pd.Series
) -> tuple[list[int], np.ndarray, list[dict[str, Any]]]:
    """Event times, the weights of the cells in each (event times x cells; cohort shares of
    units among the cohorts observed at e) and the shares as rows."""
    share_rows: list[dict[str, Any]] = []
    weight_rows, levels = [], []
    ev = cells["e"].to_numpy()
    for e in np.sort(np.unique(ev)):
        idx = np.flatnonzero(ev == e)
        cg = cells["g"].to_numpy()[idx]
        w = sizes.loc[cg].to_numpy(dtype=float)
        w = w / w.sum()
        full = np.zeros(len(cells))
        full[idx] = w
        weight_rows.append(full)
        levels.append(int(e))
        share_rows += [
            {"event_time": int(e), "cohort": int(c), "share": s} for c, s in zip(cg, w, strict=True)
        ]
    return levels, np.vstack(weight_rows), share_rows


def _cluster_ids(df: pd.DataFrame, roles: Any, cluster: str) -> np.ndarray:
    """The cluster of every row as the regression used it (the unit for ``"none"`` and the
    first dimension for ``"twoway"``, whose wild bootstrap clusters by unit)."""
    from ..stats.fixed_effects import cluster_frame

    frame = cluster_frame(df, roles, "unit" if cluster in ("none", "twoway") else cluster)
    assert frame is not None
    return frame.iloc[:, 0].to_numpy()
