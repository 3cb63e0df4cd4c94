"""Two-way fixed effects and the event study (dynamic TWFE), with the standard-error
convention of :mod:`evaluation.stats.fixed_effects`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Text, number_text
from ..options import ClusterSpec, Endpoints, check_draws, check_option, renamed
from ..results import Inference
from ..stats.bands import DEFAULT_DRAWS, sup_t_critical
from ..stats.design import LinearDesign
from ..stats.fixed_effects import (
    FEFit,
    cluster_ids,
    covariate_terms,
    fe_regression,
    fit_facts,
    refuse_singular_covariance,
    row_ids,
    treated_clusters,
)
from ..study.panel import Roles, check_panel, event_time_of, post_indicator, resolve_roles
from .results import EventStudyResult, PreTrendTest, TwfeResult

__all__ = ["event_dummies", "event_study", "sup_t_critical", "twfe"]

TWFE_TITLE = Text("Zwei-Wege-Fixed-Effects", "Two-way fixed effects")
TWFE_METHOD = Text(
    "TWFE (PanelOLS, Einheiten- und Jahreseffekte)", "TWFE (PanelOLS, unit and year effects)"
)
ES_TITLE = Text("Event-Study", "Event study")
ES_METHOD = Text(
    "Dynamische TWFE (PanelOLS, Einheiten- und Jahreseffekte)",
    "Dynamic TWFE (PanelOLS, unit and year effects)",
)
COVARIATES_NOTE = Text(
    "Kovariaten: {names} (Basiswerte mit Jahresinteraktion).",
    "Covariates: {names} (baseline values interacted with year).",
)
MISSING_OUTCOME_NOTE = Text(
    "{k} Zeilen ohne Zielgröße ausgelassen.", "{k} rows without outcome dropped."
)
NO_NEVER_TREATED_NOTE = Text(
    "Keine nie behandelten Einheiten: der Effekt ist nur aus dem zeitlichen Unterschied der "
    "Beginne identifiziert (später Behandelte als Vergleich).",
    "No never-treated units: the effect is identified from the timing only (later-treated "
    "units as comparison).",
)
REFERENCE_NOTE = Text(
    "Referenzperiode {refs} (auf 0 gesetzt); {band}.",
    "Reference period {refs} (set to 0); {band}.",
)
BAND_TEXT = Text(
    "Simultanband (sup-t) mit kritischem Wert {crit}",
    "simultaneous (sup-t) band with critical value {crit}",
)
NO_BAND_TEXT = Text("kein Simultanband (keine Standardfehler)", "no simultaneous band (no SEs)")
BAND_NOT_ASKED = Text("kein Simultanband (n_draws=None)", "no simultaneous band (n_draws=None)")
PRETEST_NOTE = Text("Vorperioden-Test: {test}", "Pre-trend test: {test}")
NO_PRETEST_NOTE = Text("Vorperioden-Test: nicht berechenbar.", "Pre-trend test: not computable.")
BINNED_NOTE = Text(
    "Randperioden gebündelt: <= {lo} und >= {hi}.", "Endpoints binned: <= {lo} and >= {hi}."
)
TIMING_ONLY_NOTE = Text(
    "Keine nie behandelten Einheiten: Vergleich mit noch nicht und später behandelten "
    "Einheiten (nur aus dem zeitlichen Unterschied der Beginne); zweite Normierung: Periode "
    "{lead} auf 0 gesetzt.",
    "No never-treated units: comparison with not-yet and later treated units (from the timing "
    "of the onsets only); second normalisation: period {lead} set to 0.",
)
PRETEST_TITLE = Text("Vorperioden-Test der Event-Study", "Pre-trend test of the event study")
PRETEST_METHOD = Text(
    "Gemeinsamer Wald-Test (F) der Koeffizienten vor Beginn",
    "Joint Wald test (F) of the pre-onset coefficients",
)
PRETEST_HYPOTHESIS = Text(
    "Nullhypothese: alle Koeffizienten vor Beginn ({times}) sind 0 (parallele Trends vor Beginn).",
    "Null hypothesis: all pre-onset coefficients ({times}) are 0 (parallel trends before onset).",
)


def fe_design(
    df: pd.DataFrame,
    roles: Roles,
    columns: Sequence[str],
    names: Sequence[str],
    cluster: ClusterSpec,
    weights: str | None,
) -> tuple[LinearDesign | None, str | None]:
    """The wild-bootstrap design of a fixed-effects regression on ``columns`` (named
    ``names``), or None and the reason (clusterings that are not one-way)."""
    if cluster not in ("unit", "state"):
        return None, (
            f"the wild cluster bootstrap clusters in one dimension; this result has "
            f"cluster={cluster!r}: estimate it with cluster='unit' or 'state' (or pass "
            "cluster ids to wild_bootstrap_ols)"
        )
    try:
        design = LinearDesign(
            y=df[roles.outcome].to_numpy(dtype=float),
            x=df[list(columns)].to_numpy(dtype=float),
            names=list(names),
            cluster=cluster_ids(df, roles, cluster),
            fe={
                roles.unit: row_ids(df[roles.unit]),
                roles.time: df[roles.time].to_numpy(),
            },
            weights=None if weights is None else df[weights].to_numpy(dtype=float),
        )
    except DataError as err:  # e.g. zero weights: the estimate stands, the bootstrap cannot
        return None, f"the wild cluster bootstrap cannot take this result's design: {err}"
    return design, None


def _common_notes(df: pd.DataFrame, covariates: Sequence[str]) -> list[Text]:
    notes = []
    if covariates:
        notes.append(COVARIATES_NOTE.format(names=", ".join(covariates)))
    if df.attrs.get("n_missing_outcome"):
        notes.append(MISSING_OUTCOME_NOTE.format(k=df.attrs["n_missing_outcome"]))
    return notes


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
    cluster: ClusterSpec = "unit",
    weights: str | None = None,
    level: float = 0.95,
) -> TwfeResult:
    """Static two-way fixed-effects DiD: ``y_it = a_i + l_t + b * post_it (+ covariates)``.

    Parameters
    ----------
    data, outcome
        Long panel and its outcome column (default from ``data.attrs["roles"]``).
    unit, time, cohort
        Role columns (default from ``data.attrs["roles"]``, then the panel convention);
        cohort 0 or missing = never treated.
    covariates
        Baseline covariates (constant within units) enter interacted with year dummies
        (covariate-specific trends), time-varying covariates as they are.
    cluster
        ``"unit"`` (default), ``"state"``, ``"twoway"`` or ``"none"`` (see
        :mod:`evaluation.stats.fixed_effects`).
    weights
        Optional column of observation weights (e.g. ``"match_weight"``).
    level
        Confidence level of ``tidy()``.

    Returns
    -------
    TwfeResult
        One row, term ``post``; ``vcov()`` and ``design()`` (for
        :func:`evaluation.wild_bootstrap`).

    Notes
    -----
    ``post_it`` is 1 for treated units from their cohort year on. With staggered timing and
    effects that change over time or differ between cohorts, ``b`` is a weighted average with
    possibly negative weights (Goodman-Bacon 2021); use the staggered estimators then.
    Without never-treated units the effect is identified from the timing (earlier against
    later treated units), as in the Goodman-Bacon decomposition.

    Examples
    --------
    >>> res = ev.twfe(study.panel("births_per_1000_women"))  # doctest: +SKIP
    """
    roles = resolve_roles(data, outcome, unit, time, cohort)
    check_option("cluster", cluster, ClusterSpec)
    covariates = list(covariates or [])
    cols = [weights] if weights else []
    df = check_panel(data, roles, covariates=covariates, columns=cols, require_never_treated=False)
    df["post_indicator"] = post_indicator(df, roles)
    df, cov_names = covariate_terms(df, roles, covariates)
    columns = ["post_indicator", *cov_names]
    fit = fe_regression(
        df, roles.outcome, columns, roles.unit, roles.time, cluster=cluster, weights=weights
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
    notes = _common_notes(df, covariates)
    if not (df[roles.cohort] == 0).any():
        notes.append(NO_NEVER_TREATED_NOTE)
    covariance = np.array([[fit.cov.loc["post_indicator", "post_indicator"]]])
    if refuse_singular_covariance(table, fit, 1, notes):
        covariance = np.full((1, 1), np.nan)
    design, no_design = fe_design(df, roles, columns, ["post", *cov_names], cluster, weights)
    inference = fit.inference(treated_clusters(df, roles, cluster))
    res = TwfeResult(
        table,
        ["term"],
        title=TWFE_TITLE,
        method=TWFE_METHOD,
        inference=inference,
        level=level,
        facts=facts,
        notes=notes,
        outcome=roles.outcome,
        call={"estimator": "twfe", "covariates": covariates, "cluster": cluster,
              "weights": weights, "level": level},
        covariance=covariance,
        design=design,
        no_design=no_design,
    )  # fmt: skip
    inference.warn("twfe")
    return res


# ---------------------------------------------------------------------------------------
# event study
# ---------------------------------------------------------------------------------------
def event_dummies(
    df: pd.DataFrame,
    roles: Roles,
    leads: int,
    lags: int,
    reference: int | Sequence[int],
    endpoints: str,
) -> tuple[pd.DataFrame, list[int], dict[int, str]]:
    """Event-time indicators for ``-leads..lags`` except the reference period(s).

    Returns the data with the indicator columns (rows outside the window dropped for
    ``endpoints="drop"``), the event times that have an indicator, and their column names."""
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


def _check_window(leads: Any, lags: Any, reference: Any) -> None:
    for name, v in (("leads", leads), ("lags", lags), ("reference", reference)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise OptionError(f"{name} must be an integer, got {v!r}")
    if leads < 0 or lags < 0:
        raise OptionError(f"leads and lags must be non-negative, got {leads!r} and {lags!r}")
    if not -leads <= reference <= lags:
        raise OptionError(f"reference {reference} lies outside the window [-{leads}, {lags}]")


def _pre_trend_test(
    present: list[int],
    est: np.ndarray,
    vc: np.ndarray,
    se: np.ndarray,
    fit: FEFit,
    inference: Inference,
) -> tuple[PreTrendTest | None, str | None]:
    """The joint Wald test of the pre-onset coefficients (F(q, dof)), or the reason there is
    none."""
    from scipy import stats

    pre = [i for i, k in enumerate(present) if k < 0]
    if not pre:
        return None, "the event study has no pre-onset coefficient to test (leads=0?)"
    if not np.isfinite(se[pre]).all():
        return None, "the pre-onset coefficients have no standard errors (too few clusters)"
    v = vc[np.ix_(pre, pre)]
    if np.linalg.cond(v) >= 1 / np.finfo(float).eps:
        return None, "the covariance of the pre-onset coefficients is singular"
    b = est[pre]
    q = len(pre)
    f = float(b @ np.linalg.solve(v, b)) / q
    times = ", ".join(str(present[i]) for i in pre)
    test = PreTrendTest(
        statistic=f,
        p_value=float(stats.f.sf(f, q, fit.dof)),
        dof=(q, int(fit.dof) if float(fit.dof).is_integer() else fit.dof),
        distribution="F",
        hypothesis=PRETEST_HYPOTHESIS.format(times=times),
        title=PRETEST_TITLE,
        method=PRETEST_METHOD,
        inference=inference,
    )
    return test, None


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
    endpoints: Endpoints = "bin",
    covariates: Sequence[str] | None = None,
    cluster: ClusterSpec = "unit",
    weights: str | None = None,
    level: float = 0.95,
    seed: int = 0,
    n_draws: int | None = DEFAULT_DRAWS,
    n_sim: int | None = None,
) -> EventStudyResult:
    """Dynamic two-way fixed effects: one coefficient per year relative to onset.

    ``y_it = a_i + l_t + sum_k b_k 1{year - cohort = k} (+ covariates)`` for k from
    ``-leads`` to ``lags`` except ``reference``, whose coefficient is 0 by construction.
    Never-treated units form the baseline.

    Parameters
    ----------
    data, outcome, unit, time, cohort, covariates, cluster, weights, level
        As for :func:`twfe`. The event time is computed from ``time`` and ``cohort``, so a
        panel may carry an ``event_time`` or ``rel_time`` column or neither.
    leads, lags
        The window: event times ``-leads`` to ``lags``.
    reference
        The omitted period (default -1, the year before onset).
    endpoints
        ``"bin"`` pools all earlier (later) years into the first (last) coefficient;
        ``"drop"`` drops treated observations outside the window.
    seed, n_draws
        The simultaneous sup-t band (``band_low``/``band_high``) is simulated with
        ``n_draws`` draws (default 10,000) from ``numpy.random.default_rng(seed)``;
        ``n_draws=None`` gives no band.
    n_sim
        Deprecated name of ``n_draws``.

    Returns
    -------
    EventStudyResult
        ``tidy()`` by ``event_time`` with pointwise intervals, the band, ``reference``,
        ``binned`` and ``n_obs``; ``pretest()`` the joint Wald test that all pre-onset
        coefficients are zero (F with (q, G-1) degrees of freedom); ``vcov()``;
        ``design()``.

    Notes
    -----
    Without never-treated units only the timing differs between units: a linear trend in
    event time is absorbed by the unit and year effects, so a second event time (the earliest
    lead) is normalised to 0 as well (Borusyak, Jaravel & Spiess 2024).
    """
    n_draws = renamed("n_sim", n_sim, "n_draws", n_draws, DEFAULT_DRAWS)
    check_option("endpoints", endpoints, Endpoints)
    check_option("cluster", cluster, ClusterSpec)
    _check_window(leads, lags, reference)
    if n_draws is not None:
        n_draws = check_draws("n_draws", n_draws, minimum=100)
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
            "leaves out some event times, or sun_abraham(control_group='last_treated') / "
            f"att_gt(control_group='not_yet_treated'). ({err})"
        ) from None
    est = fit.params[xcols].to_numpy()
    vc = fit.cov.loc[xcols, xcols].to_numpy()
    se = np.sqrt(np.diag(vc))
    singular: list[Text] = []
    if refuse_singular_covariance(pd.DataFrame({"std_error": se}), fit, len(xcols), singular):
        se = np.full(len(se), np.nan)
        vc = np.full_like(vc, np.nan)
    crit = float("nan")
    if n_draws is not None and np.isfinite(se).all():
        crit = sup_t_critical(vc, level=level, dof=fit.dof, n_draws=n_draws, seed=seed)
    table = _event_table(df, roles, present, references, est, se, crit, leads, lags, endpoints)
    if n_draws is None:
        table = table.drop(columns=["band_low", "band_high"])
    inference = fit.inference(treated_clusters(df, roles, cluster))
    pre_test, pre_missing = _pre_trend_test(present, est, vc, se, fit, inference)
    facts = fit_facts(fit, df, roles)
    facts["pretrend_F"] = pre_test.statistic if pre_test else float("nan")
    facts["pretrend_p"] = pre_test.p_value if pre_test else float("nan")
    notes = _event_notes(
        references, crit, n_draws, pre_test, fit, inference, leads, lags, endpoints, never
    )
    notes[2:2] = _common_notes(df, covariates)
    notes += singular
    design, no_design = fe_design(
        df, roles, [*xcols, *cov_names], [*map(str, present), *cov_names], cluster, weights
    )
    index = pd.Index(present, name="event_time")
    res = EventStudyResult(
        table,
        ["event_time"],
        title=ES_TITLE,
        method=ES_METHOD,
        inference=inference,
        level=level,
        facts=facts,
        notes=notes,
        outcome=roles.outcome,
        call={"estimator": "event_study", "leads": leads, "lags": lags, "reference": reference,
              "endpoints": endpoints, "covariates": covariates, "cluster": cluster,
              "weights": weights, "level": level, "seed": seed, "n_draws": n_draws},
        covariance=pd.DataFrame(vc, index=index, columns=index),
        design=design,
        no_design=no_design,
        pre_test=pre_test,
        pre_test_missing=pre_missing,
    )  # fmt: skip
    inference.warn("event_study")
    return res


def _event_table(
    df: pd.DataFrame,
    roles: Roles,
    present: list[int],
    references: list[int],
    est: np.ndarray,
    se: np.ndarray,
    crit: float,
    leads: int,
    lags: int,
    endpoints: str,
) -> pd.DataFrame:
    """The coefficients with the reference rows (0, no standard error) and the counts."""
    rel = event_time_of(df, roles)
    counts = pd.Series(np.clip(rel[~np.isnan(rel)], -leads, lags)).value_counts()
    rows = pd.DataFrame({"event_time": present, "estimate": est, "std_error": se})
    rows["band_low"] = est - crit * se
    rows["band_high"] = est + crit * se
    ref = pd.DataFrame(
        {
            "event_time": references,
            "estimate": 0.0,
            "std_error": np.nan,  # 0 by construction: no sampling variance to report
            "band_low": 0.0,
            "band_high": 0.0,
        }
    )
    table = pd.concat([rows, ref], ignore_index=True).sort_values("event_time")
    table["reference"] = table["event_time"].isin(references)
    binned = {-leads, lags} if endpoints == "bin" else set()
    table["binned"] = table["event_time"].isin(binned)
    table["n_obs"] = table["event_time"].map(counts).fillna(0).astype("int64")
    table["event_time"] = table["event_time"].astype("int64")
    return table


def _event_notes(
    references: list[int],
    crit: float,
    n_draws: int | None,
    pre_test: PreTrendTest | None,
    fit: FEFit,
    inference: Inference,
    leads: int,
    lags: int,
    endpoints: str,
    never: bool,
) -> list[Text]:
    """The notes of an event study: reference periods and band, the pre-trend test, binned
    endpoints and the second normalisation without never-treated units."""
    if n_draws is None:
        band = BAND_NOT_ASKED
    elif np.isfinite(crit):
        band = BAND_TEXT.format(crit=number_text(crit, 3))
    else:
        band = NO_BAND_TEXT
    pre = (
        NO_PRETEST_NOTE
        if pre_test is None
        else PRETEST_NOTE.format(test=_ftest_text(pre_test, fit, inference.few_clusters))
    )
    notes = [REFERENCE_NOTE.format(refs=", ".join(map(str, references)), band=band), pre]
    if endpoints == "bin":
        notes.append(BINNED_NOTE.format(lo=-leads, hi=lags))
    if not never:
        notes.append(TIMING_ONLY_NOTE.format(lead=-leads))
    return notes


def _ftest_text(test: PreTrendTest, fit: FEFit, few: bool) -> Text:
    text = f"F({int(test.dof[0])}, {fit.dof:g}) = " + number_text(test.statistic, 3)
    if not few:
        text += ", p = " + number_text(test.p_value, 4)
    return text + "."
