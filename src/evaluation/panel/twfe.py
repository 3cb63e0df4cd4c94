"""Two-way fixed effects and the event study (dynamic TWFE), with the standard-error
convention of :mod:`evaluation.stats.fixed_effects`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from ..results import (
    BiText,
    Estimates,
    check_draw_memory,
    check_draws,
    few_clusters,
)
from ..stats.fixed_effects import (
    ClusterOption,
    covariate_terms,
    fe_regression,
    fit_facts,
    refuse_singular_covariance,
    treated_clusters,
)
from ..study.panel import (
    Roles,
    check_panel,
    event_time_of,
    post_indicator,
    resolve_roles,
)


# ---------------------------------------------------------------------------------------
# two-way fixed effects
# ---------------------------------------------------------------------------------------
def twfe(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    covariates: Sequence[str] | None = None,
    cluster: ClusterOption = "unit",
    weights: str | None = None,
    level: float = 0.95,
) -> Estimates:
    """Static two-way fixed-effects DiD: ``y_it = a_i + l_t + b * post_it (+ covariates)``.

    ``post_it`` is 1 for treated units from their cohort year on. Baseline covariates (constant
    within units) enter interacted with year dummies (covariate-specific trends), time-varying
    covariates as they are. Standard errors: see the module docstring. With staggered timing
    and effects that change over time or differ between cohorts, ``b`` is a weighted average
    with possibly negative weights (Goodman-Bacon 2021); use the staggered estimators then.

    Example
    -------
    >>> res = ev.twfe(study.panel("births_per_1000_women"))  # doctest: +SKIP
    """
    roles = resolve_roles(data, outcome, unit, time, cohort)
    covariates = list(covariates or [])
    cols = [weights] if weights else []
    # without never-treated units the effect is identified from the timing (earlier against
    # later treated units), as in the Goodman-Bacon decomposition
    df = check_panel(data, roles, covariates=covariates, columns=cols, require_never_treated=False)
    df["post_indicator"] = post_indicator(df, roles)
    df, cov_names = covariate_terms(df, roles, covariates)
    fit = fe_regression(
        df,
        roles.outcome,
        ["post_indicator", *cov_names],
        roles.unit,
        roles.time,
        cluster=cluster,
        weights=weights,
    )
    table = pd.DataFrame(
        {
            "term": ["post"],
            "estimate": [float(fit.params["post_indicator"])],
            "std_error": [float(np.sqrt(fit.cov.loc["post_indicator", "post_indicator"]))],
        }
    )
    facts = fit_facts(fit, df, roles)
    facts["r2_within"] = fit.rsquared_within
    notes = []
    if covariates:
        notes.append(
            BiText(
                f"Kovariaten: {', '.join(covariates)} (Basiswerte mit Jahresinteraktion).",
                f"Covariates: {', '.join(covariates)} (baseline values interacted with year).",
            )
        )
    if df.attrs.get("n_missing_outcome"):
        k = df.attrs["n_missing_outcome"]
        notes.append(
            BiText(f"{k} Zeilen ohne Zielgröße ausgelassen.", f"{k} rows without outcome dropped.")
        )
    if not (df[roles.cohort] == 0).any():
        notes.append(
            BiText(
                "Keine nie behandelten Einheiten: der Effekt ist nur aus dem zeitlichen "
                "Unterschied der Beginne identifiziert (später Behandelte als Vergleich).",
                "No never-treated units: the effect is identified from the timing only "
                "(later-treated units as comparison).",
            )
        )
    refuse_singular_covariance(table, fit, 1, notes)
    res = Estimates(
        table,
        ["term"],
        title="Two-way fixed effects",
        method=BiText(
            "TWFE (PanelOLS, Einheiten- und Jahreseffekte)",
            "TWFE (PanelOLS, unit and year effects)",
        ),
        se_note=fit.se_note,
        distribution="t",
        df=fit.df,
        level=level,
        facts=facts,
        notes=notes,
        outcome=roles.outcome,
    )
    if fit.n_clusters is not None:
        res.flag_clusters(fit.n_clusters, treated_clusters(df, roles, cluster), what="twfe")
    return res


# ---------------------------------------------------------------------------------------
# event study
# ---------------------------------------------------------------------------------------
class EventStudyResult(Estimates):
    """Event-study coefficients by ``rel_time`` with pointwise intervals and a simultaneous
    (sup-t) band in ``band_low``/``band_high``; ``pretrend`` holds the joint Wald test of the
    pre-period coefficients."""

    pretrend: dict[str, float]
    cov: pd.DataFrame


def sup_t_critical(
    cov: np.ndarray, level: float = 0.95, df: float | None = None, n_sim: int = 10_000, seed=0
) -> float:
    """Critical value c with P(max_k |Z_k| / se_k <= c) = level for Z ~ N(0, cov) (or the
    multivariate t with ``df``): the simultaneous band of Montiel Olea and Plagborg-Møller
    (2019), by simulation with ``numpy.random.default_rng(seed)``."""
    check_draws("n_sim", n_sim, minimum=100)
    cov = np.asarray(cov, dtype=float)
    check_draw_memory(
        8.0 * 3 * n_sim * cov.shape[0],
        f"the simultaneous band with n_sim={n_sim:,} draws of {cov.shape[0]} coefficients",
        "use fewer draws (10,000 give the critical value to about two decimals)",
    )
    sd = np.sqrt(np.diag(cov))
    ok = sd > 0
    if not ok.any():
        return float("nan")
    corr = cov[np.ix_(ok, ok)] / np.outer(sd[ok], sd[ok])
    rng = np.random.default_rng(seed)
    w, v = np.linalg.eigh(corr)
    root = v * np.sqrt(np.clip(w, 0, None))
    z = rng.standard_normal((n_sim, corr.shape[0])) @ root.T
    if df is not None:
        z = z / np.sqrt(rng.chisquare(df, size=(n_sim, 1)) / df)
    return float(np.quantile(np.abs(z).max(axis=1), level))


def event_dummies(
    df: pd.DataFrame,
    roles: Roles,
    leads: int,
    lags: int,
    reference: int | Sequence[int],
    endpoints: str,
) -> tuple[pd.DataFrame, list[int], dict[int, str]]:
    """Event-time indicators for ``-leads..lags`` except the reference period(s)."""
    refs = {int(reference)} if isinstance(reference, int | np.integer) else set(reference)
    rel = event_time_of(df, roles)
    if endpoints == "drop":
        outside = ~np.isnan(rel) & ((rel < -leads) | (rel > lags))
        df = df.loc[~outside].reset_index(drop=True)
        rel = rel[~outside]
    else:
        rel = np.where(np.isnan(rel), np.nan, np.clip(rel, -leads, lags))
    ks = [k for k in range(-leads, lags + 1) if k not in refs]
    names = {k: f"_rel_{'m' if k < 0 else 'p'}{abs(k)}" for k in ks}
    present = []
    new = {}
    for k in ks:
        d = (rel == k).astype(float)
        if d.sum() > 0:
            new[names[k]] = d
            present.append(k)
    df = pd.concat([df, pd.DataFrame(new, index=df.index)], axis=1)
    return df, present, names


def event_study(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    leads: int = 5,
    lags: int = 5,
    reference: int = -1,
    endpoints: Literal["bin", "drop"] = "bin",
    covariates: Sequence[str] | None = None,
    cluster: ClusterOption = "unit",
    weights: str | None = None,
    level: float = 0.95,
    seed: int = 0,
    n_sim: int = 10_000,
) -> EventStudyResult:
    """Dynamic two-way fixed effects: one coefficient per year relative to onset.

    ``y_it = a_i + l_t + sum_k b_k 1{year - cohort = k} (+ covariates)`` for k from
    ``-leads`` to ``lags`` except ``reference`` (default -1, the year before onset, whose
    coefficient is 0 by construction). ``endpoints="bin"`` pools all earlier (later) years
    into the first (last) coefficient; ``"drop"`` drops treated observations outside the
    window. Never-treated units form the baseline. ``tidy()`` has pointwise intervals
    (``ci_low``/``ci_high``) and a simultaneous sup-t band (``band_low``/``band_high``,
    simulated with ``seed``); ``pretrend`` is the joint Wald test that all pre-period
    coefficients are zero (F with (q, df) degrees of freedom). Standard errors as in
    :func:`twfe`.
    """
    if endpoints not in ("bin", "drop"):
        raise DataError(f"endpoints must be 'bin' or 'drop', got {endpoints!r}")
    for name, v in (("leads", leads), ("lags", lags)):
        if not isinstance(v, int | np.integer) or v < 0:
            raise DataError(f"{name} must be a non-negative integer, got {v!r}")
    if not -leads <= reference <= lags:
        raise DataError(f"reference {reference} lies outside the window [-{leads}, {lags}]")
    check_draws("n_sim", n_sim, minimum=100)
    roles = resolve_roles(data, outcome, unit, time, cohort)
    covariates = list(covariates or [])
    cols = [weights] if weights else []
    df = check_panel(data, roles, covariates=covariates, columns=cols, require_never_treated=False)
    never = bool((df[roles.cohort] == 0).any())
    if not never and df.loc[df[roles.cohort] > 0, roles.cohort].nunique() < 2:
        raise DataError(
            "no never-treated units and a single cohort: the event study has no comparison "
            "(every unit is treated at the same time); add never-treated units"
        )
    references = [reference]
    if not never:
        # only the timing differs between units: a linear trend in event time is absorbed
        # by the unit and year effects, so a second event time must be normalised to 0
        # (Borusyak, Jaravel & Spiess 2024): the earliest lead
        if leads < 1 or -leads == reference:
            raise DataError(
                "without never-treated units the event study needs a second normalised "
                f"period besides reference={reference}: the earliest lead -leads; choose "
                "leads of at least 2 (and reference != -leads)"
            )
        references.append(-leads)
    df, present, names = event_dummies(df, roles, leads, lags, references, endpoints)
    if not present:
        raise DataError("no treated observation falls into the event window")
    df, cov_names = covariate_terms(df, roles, covariates)
    xcols = [names[k] for k in present]
    try:
        fit = fe_regression(
            df,
            roles.outcome,
            [*xcols, *cov_names],
            roles.unit,
            roles.time,
            cluster=cluster,
            weights=weights,
        )
    except DataError as err:
        if never:
            raise
        raise DataError(
            "without never-treated units the event-time indicators are collinear with the unit "
            "and year effects unless a second period besides the reference is excluded "
            "(only the timing differs between units): use endpoints='drop' with a window that "
            "leaves out some event times, or sun_abraham(control='last_treated') / "
            f"att_gt(control_group='not_yet_treated'). ({err})"
        ) from None
    est = fit.params[xcols].to_numpy()
    vc = fit.cov.loc[xcols, xcols].to_numpy()
    se = np.sqrt(np.diag(vc))
    notes_extra: list[str] = []
    if refuse_singular_covariance(pd.DataFrame({"std_error": se}), fit, len(xcols), notes_extra):
        se = np.full(len(se), np.nan)
    crit = (
        sup_t_critical(vc, level=level, df=fit.df, n_sim=n_sim, seed=seed)
        if np.isfinite(se).all()
        else float("nan")
    )
    rel = event_time_of(df, roles)
    counts = pd.Series(np.clip(rel[~np.isnan(rel)], -leads, lags)).value_counts()
    rows = pd.DataFrame({"rel_time": present, "estimate": est, "std_error": se})
    rows["band_low"] = est - crit * se
    rows["band_high"] = est + crit * se
    ref = pd.DataFrame(
        {
            "rel_time": references,
            "estimate": 0.0,
            "std_error": np.nan,  # 0 by construction: no sampling variance to report
            "band_low": 0.0,
            "band_high": 0.0,
        }
    )
    table = pd.concat([rows, ref], ignore_index=True).sort_values("rel_time")
    table["reference"] = table["rel_time"].isin(references)
    binned = {-leads, lags} if endpoints == "bin" else set()
    table["binned"] = table["rel_time"].isin(binned)
    table["n_obs"] = table["rel_time"].map(counts).fillna(0).astype("int64")
    table["rel_time"] = table["rel_time"].astype("int64")

    pre = [i for i, k in enumerate(present) if k < 0]
    pretrend = {
        "statistic": float("nan"),
        "df_num": 0.0,
        "df_denom": fit.df,
        "p_value": float("nan"),
    }
    v_pre = vc[np.ix_(pre, pre)] if pre else np.zeros((0, 0))
    if pre and np.isfinite(se[pre]).all() and np.linalg.cond(v_pre) < 1 / np.finfo(float).eps:
        b = est[pre]
        v = v_pre
        wald = float(b @ np.linalg.solve(v, b))
        q = len(pre)
        pretrend = {
            "statistic": wald / q,
            "df_num": float(q),
            "df_denom": fit.df,
            "p_value": float(stats.f.sf(wald / q, q, fit.df)),
        }
    facts = fit_facts(fit, df, roles)
    facts["pretrend_F"] = pretrend["statistic"]
    facts["pretrend_p"] = pretrend["p_value"]
    treated_cl = treated_clusters(df, roles, cluster)
    few = fit.n_clusters is not None and few_clusters(fit.n_clusters, treated_cl)
    ftest = (
        f"F({int(pretrend['df_num'])}, {fit.df:g}) = {pretrend['statistic']:.3f}"
        + ("" if few else f", p = {pretrend['p_value']:.4f}")
        + "."
    )
    band = (
        BiText(
            f"Simultanband (sup-t) mit kritischem Wert {crit:.3f}",
            f"simultaneous (sup-t) band with critical value {crit:.3f}",
        )
        if np.isfinite(crit)
        else BiText("kein Simultanband (keine Standardfehler)", "no simultaneous band (no SEs)")
    )
    notes = [
        BiText(
            f"Referenzperiode {', '.join(map(str, references))} (auf 0 gesetzt); {band}.",
            f"Reference period {', '.join(map(str, references))} (set to 0); {band.en}.",
        ),
        BiText(f"Vorperioden-Test: {ftest}", f"Pre-trend test: {ftest}"),
    ]
    if endpoints == "bin":
        notes.append(
            BiText(
                f"Randperioden gebündelt: <= {-leads} und >= {lags}.",
                f"Endpoints binned: <= {-leads} and >= {lags}.",
            )
        )
    if not never:
        notes.append(
            BiText(
                "Keine nie behandelten Einheiten: Vergleich mit noch nicht und später "
                "behandelten Einheiten (nur aus dem zeitlichen Unterschied der Beginne); "
                f"zweite Normierung: Periode {-leads} auf 0 gesetzt.",
                "No never-treated units: comparison with not-yet and later treated units "
                "(from the timing of the onsets only); second normalisation: period "
                f"{-leads} set to 0.",
            )
        )
    notes += notes_extra
    res = EventStudyResult(
        table,
        ["rel_time"],
        title="Event study",
        method=BiText(
            "Dynamische TWFE (PanelOLS, Einheiten- und Jahreseffekte)",
            "Dynamic TWFE (PanelOLS, unit and year effects)",
        ),
        se_note=fit.se_note,
        distribution="t",
        df=fit.df,
        level=level,
        facts=facts,
        notes=notes,
        outcome=roles.outcome,
    )
    res.pretrend = pretrend
    res.cov = pd.DataFrame(vc, index=present, columns=present)
    if fit.n_clusters is not None:
        res.flag_clusters(fit.n_clusters, treated_cl, what="event_study")
    return res
