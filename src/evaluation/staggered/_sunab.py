"""The interaction-weighted event-study estimator of Sun & Abraham (2021).

A two-way fixed effects regression saturated in cohort x relative-period indicators (one
omitted reference period per cohort) estimates the cohort-specific effects CATT(g, e) against
a clean comparison group (never-treated units, or the last-treated cohort before it is treated);
the event-time effects are their averages weighted by the cohorts' shares of units.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ..results import Estimates
from ..stats.fixed_effects import (
    ClusterOption,
    fe_regression,
    refuse_singular_covariance,
    treated_clusters,
)
from ..study.panel import check_panel, resolve_roles
from ._attgt import Bilingual, OverallEffect, localise
from ._data import StaggeredWarning, excluded_frame, excluded_notes, ids_text

SAControl = Literal["never_treated", "last_treated"]
SE_NOTES_EN = {
    "unit": "Standard errors robust to clustering by unit (CR, factor G/(G-1) only); "
    "t distribution with G-1 degrees of freedom.",
    "state": "Standard errors robust to clustering by state (CR, factor G/(G-1) only); "
    "t distribution with G-1 degrees of freedom.",
    "twoway": "Standard errors clustered by unit and year (Cameron-Gelbach-Miller, factor "
    "G/(G-1) per dimension); t distribution with min(G)-1 degrees of freedom.",
    "none": "Classical (homoskedastic) standard errors; degrees of freedom net of the fixed "
    "effects.",
}


class SunAbrahamEffects(Bilingual, Estimates):
    """Interaction-weighted event-time effects; ``cohort_effects`` holds CATT(g, e) and
    ``overall`` the mean of the effects at event times >= 0."""

    cohort_effects: Estimates
    overall: OverallEffect
    shares: pd.DataFrame
    excluded_units: pd.DataFrame  # units left out (unit, cohort, reason, detail)


class CohortEffects(Bilingual, Estimates):
    """Cohort-specific effects CATT(g, e)."""


def sun_abraham(
    data: pd.DataFrame,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    *,
    control: SAControl = "never_treated",
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
        missing = never treated.
    control
        ``"never_treated"``, or ``"last_treated"``: the last cohort serves as comparison and
        periods from its first treated period on are dropped.
    reference
        Omitted relative period of every cohort (default -1, the period before onset).
    covariates
        As in :func:`evaluation.twfe`: time-varying covariates enter linearly, baseline
        covariates interacted with year dummies.
    cluster, weights
        Cluster-robust inference in the convention of :mod:`evaluation.panel` (factor G/(G-1),
        t distribution with G-1 degrees of freedom); optional regression weights.

    Notes
    -----
    The event-time effects weight CATT(g, e) by the cohorts' shares of units among the cohorts
    observed at e; these shares are treated as known in the standard errors.
    """
    if control not in ("never_treated", "last_treated"):
        raise ValueError(f"control must be 'never_treated' or 'last_treated', got {control!r}")
    if not isinstance(reference, int | np.integer):
        raise ValueError(f"reference must be an integer relative period, got {reference!r}")
    roles = resolve_roles(data, outcome, unit, time, cohort)
    covariates = list(covariates or [])
    df = check_panel(
        data,
        roles,
        covariates=covariates,
        columns=[weights] if weights else [],
        require_never_treated=control == "never_treated",
    )
    tmin, tmax = int(df[roles.time].min()), int(df[roles.time].max())
    g = df[roles.cohort].to_numpy().copy()
    g[g > tmax] = 0  # treated after the panel ends: never treated within it
    always = (g > 0) & (g <= tmin)
    excluded = excluded_frame([], [], [], [])
    if always.any():
        ids = pd.unique(df.loc[always, roles.unit])
        first = df.loc[always].groupby(roles.unit, sort=False)[roles.cohort].first()
        excluded = excluded_frame(
            first.index, first.to_numpy(), ["treated_first_period"] * len(first),
            [f"cohort {int(c)}, first period {tmin}" for c in first.to_numpy()],
        )  # fmt: skip
        warnings.warn(
            f"dropped {len(ids)} unit(s) already treated in the first period {tmin}: "
            f"{ids_text(ids)}",
            StaggeredWarning,
            stacklevel=2,
        )
        df, g = df[~always], g[~always]
    if control == "last_treated":
        gmax = int(g.max())
        keep = df[roles.time].to_numpy() < gmax
        if (g == 0).any():
            keep &= g > 0  # the last cohort replaces never-treated units as comparison
        df, g = df[keep], g[keep]
        g = np.where(g == gmax, 0, g)
    if not (g > 0).any() or not (g == 0).any():
        raise DataError("need both treated cohorts and comparison units for Sun & Abraham")
    df = df.assign(**{"_cohort": g}).reset_index(drop=True)
    rel = np.where(g > 0, df[roles.time].to_numpy() - g, 0)
    cells = pd.DataFrame({"g": g, "e": rel})[g > 0].drop_duplicates()
    cells = cells[cells["e"] != reference].sort_values(["g", "e"])
    if cells.empty:
        raise DataError("no cohort has a relative period besides the reference period")
    names = [f"sa_g{gg}_e{ee}" for gg, ee in cells.itertuples(index=False)]
    dummies = {}
    for name, (gg, ee) in zip(names, cells.itertuples(index=False), strict=True):
        dummies[name] = ((g == gg) & (rel == ee)).astype(float)
    reg_df = pd.concat([df, pd.DataFrame(dummies, index=df.index)], axis=1)
    from ..stats.fixed_effects import covariate_terms

    reg_df, cov_names = covariate_terms(reg_df, roles, covariates)
    fit = fe_regression(
        reg_df,
        roles.outcome,
        [*names, *cov_names],
        roles.unit,
        roles.time,
        cluster=cluster,
        weights=weights,
    )
    beta = fit.params[names].to_numpy()
    vcov = fit.cov.loc[names, names].to_numpy()
    sing_notes: list[str] = []
    if refuse_singular_covariance(pd.DataFrame({"std_error": beta}), fit, len(names), sing_notes):
        vcov = np.full_like(vcov, np.nan)
    cohort_table = cells.rename(columns={"g": "cohort", "e": "event_time"}).reset_index(drop=True)
    cohort_table["estimate"] = beta
    cohort_table["std_error"] = np.sqrt(np.diag(vcov))

    # cohort shares of units (in the estimation sample)
    sizes = df.loc[df["_cohort"] > 0].groupby("_cohort")[roles.unit].nunique()
    share_rows, weight_rows, levels = [], [], []
    for e in np.sort(cells["e"].unique()):
        idx = np.flatnonzero(cells["e"].to_numpy() == e)
        cg = cells["g"].to_numpy()[idx]
        w = sizes.loc[cg].to_numpy(dtype=float)
        w = w / w.sum()
        full = np.zeros(len(names))
        full[idx] = w
        weight_rows.append(full)
        levels.append(int(e))
        share_rows += [
            {"event_time": int(e), "cohort": int(c), "share": s} for c, s in zip(cg, w, strict=True)
        ]
    wmat = np.vstack(weight_rows)
    est = wmat @ beta
    cov_e = wmat @ vcov @ wmat.T
    table = pd.DataFrame(
        {"event_time": levels, "estimate": est, "std_error": np.sqrt(np.diag(cov_e))}
    )
    post = np.asarray(levels) >= 0
    common = dict(
        method=f"Sun & Abraham (interaction-weighted), comparison: {control}",
        se_note=fit.se_note + " Kohortenanteile als bekannt behandelt.",
        distribution="t",
        df=fit.df,
        level=level,
        facts={"n_obs": fit.nobs, "n_units": fit.n_units, **(
            {"n_clusters": fit.n_clusters} if fit.n_clusters else {}
        )},
        notes=[*sing_notes, *excluded_notes(excluded)],
        outcome=roles.outcome,
    )  # fmt: skip
    res = SunAbrahamEffects(
        table, ["event_time"], title="Ereignisstudie nach Sun & Abraham", **common
    )
    note_en = SE_NOTES_EN[cluster] + " Cohort shares treated as known."
    localise(res, "Event study (Sun & Abraham)", note_en)
    res.cohort_effects = localise(
        CohortEffects(
            cohort_table, ["cohort", "event_time"], title="Kohortenspezifische Effekte", **common
        ),
        "Cohort-specific effects",
        note_en,
    )
    if post.any():
        a = np.where(post, 1.0 / post.sum(), 0.0)
        o = pd.DataFrame(
            {
                "term": ["overall"],
                "estimate": [float(a @ est)],
                "std_error": [float(np.sqrt(a @ cov_e @ a))],
            }
        )
        res.overall = localise(
            OverallEffect(o, ["term"], title="Mittlerer Effekt (e >= 0)", **common),
            "Average effect (e >= 0)",
            note_en,
        )
    res.shares = pd.DataFrame(share_rows)
    res.excluded_units = excluded
    res.vcov = pd.DataFrame(cov_e, index=levels, columns=levels)
    if fit.n_clusters is not None:
        treated_cl = treated_clusters(df.assign(**{roles.cohort: df["_cohort"]}), roles, cluster)
        parts = [res, res.cohort_effects, getattr(res, "overall", None)]
        few = res.flag_clusters(fit.n_clusters, treated_cl, what="sun_abraham")
        for part in parts[1:]:
            if part is not None and few:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    part.flag_clusters(fit.n_clusters, treated_cl)
    return res
