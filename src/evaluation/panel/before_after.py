"""Designs with the treated units only: before/after and interrupted time series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Text
from ..results import Inference
from ..stats.paired import paired_tests
from ..study.panel import check_panel, event_time_of, event_window, resolve_roles
from .results import BeforeAfterResult, ITSResult

__all__ = ["before_after", "interrupted_time_series"]

BA_TITLE = Text("Vorher-nachher", "Before/after")
BA_METHOD = Text(
    "Vorher-nachher, gepaart (Fenster {w0} bis {w1})", "Before/after, paired (window {w0} to {w1})"
)
BA_SE = Text(
    "Standardfehler der mittleren Differenz; t-Verteilung mit n-1 Freiheitsgraden.",
    "Standard error of the mean difference; t distribution with n-1 degrees of freedom.",
)
WILCOXON_NOTE = Text("Wilcoxon-Vorzeichen-Rang-Test: {test}", "Wilcoxon signed-rank test: {test}")
LEFT_OUT_NOTE = Text(
    "{k} behandelte Einheiten ohne Beobachtung vor und nach dem Beginn im Fenster ausgelassen.",
    "{k} treated units without observations both before and after onset in the window left out.",
)
#: the columns of a unit's means, as computed (left) and as shown (right)
UNIT_COLUMNS = {
    "pre_mean": "mean_before",
    "post_mean": "mean_after",
    "n_pre": "n_before",
    "n_post": "n_after",
    "change": "difference",
}
ITS_TITLE = Text("Unterbrochene Zeitreihe", "Interrupted time series")
ITS_METHOD = Text(
    "Segmentierte Regression (Niveau- und Steigungsänderung beim Beginn)",
    "Segmented regression (level and slope change at onset)",
)
ITS_SE = Text(
    "Newey-West-Standardfehler (HAC, {lags} Lags); Normalverteilung.",
    "Newey-West standard errors (HAC, {lags} lags); normal distribution.",
)


# ---------------------------------------------------------------------------------------
# before/after and interrupted time series (treated units only)
# ---------------------------------------------------------------------------------------
def before_after(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    window: tuple[int, int] = (-3, 3),
    level: float = 0.95,
) -> BeforeAfterResult:
    """The paired mean difference of the treated units between before and after onset.

    Parameters
    ----------
    data, outcome, unit, time, cohort
        Long panel and its role columns (defaults as for :func:`evaluation.twfe`).
    window
        Years relative to onset: the mean before runs from ``window[0]`` to -1, the mean
        after from 0 to ``window[1]``.
    level
        Confidence level of ``tidy()``.

    Returns
    -------
    BeforeAfterResult
        One row (term ``mean_difference``) with the paired mean difference, its t interval
        (n - 1 degrees of freedom), ``mean_before``, ``mean_after`` and
        ``wilcoxon_p_value``; ``units`` holds every unit's means, ``wilcoxon`` the
        signed-rank test.

    Notes
    -----
    No comparison group: the difference includes every trend common to all units.
    """
    w0, w1 = event_window(window, "window")
    if not (w0 < 0 <= w1):
        raise OptionError(f"window must run from a negative to a non-negative year, got {window!r}")
    roles = resolve_roles(data, outcome, unit, time, cohort)
    df = check_panel(data, roles, require_never_treated=False)
    rel = event_time_of(df, roles)
    sel = ~np.isnan(rel) & (rel >= w0) & (rel <= w1)
    sub = df.loc[sel, [roles.unit, roles.outcome]].assign(_after=rel[sel] >= 0)
    agg = sub.groupby([roles.unit, "_after"])[roles.outcome].agg(["mean", "size"]).unstack()
    agg.columns = [f"{a}_{'post' if b else 'pre'}" for a, b in agg.columns]
    n_all = int(df.loc[df[roles.cohort] > 0, roles.unit].nunique())
    agg = agg.dropna(subset=[c for c in ("mean_pre", "mean_post") if c in agg.columns])
    if len(agg) < 2 or "mean_pre" not in agg or "mean_post" not in agg:
        raise DataError(
            f"fewer than two treated units have observations both before and after onset "
            f"within window {window!r}"
        )
    units = pd.DataFrame(
        {
            roles.unit: agg.index.astype("string"),
            "pre_mean": agg["mean_pre"].to_numpy(),
            "post_mean": agg["mean_post"].to_numpy(),
            "n_pre": agg["size_pre"].astype("int64").to_numpy(),
            "n_post": agg["size_post"].astype("int64").to_numpy(),
        }
    )
    units["change"] = units["post_mean"] - units["pre_mean"]
    # the package's one paired-test convention (evaluation.stats.paired)
    pt = paired_tests(units["pre_mean"], units["post_mean"], level)
    n = pt.n_units
    wil = {"statistic": pt.wilcoxon_statistic, "p_value": pt.wilcoxon_p_value}
    units = units.rename(columns=UNIT_COLUMNS)
    table = pd.DataFrame(
        {
            "term": ["mean_difference"],
            "estimate": [pt.mean_difference],
            "std_error": [pt.std_error],
            "mean_before": [pt.mean_before],
            "mean_after": [pt.mean_after],
            "wilcoxon_p_value": [pt.wilcoxon_p_value],
        }
    )
    wtext = f"W = {wil['statistic']:g}, p = {wil['p_value']:.4f}."
    notes = [WILCOXON_NOTE.format(test=wtext)]
    if n < n_all:
        notes.append(LEFT_OUT_NOTE.format(k=n_all - n))
    return BeforeAfterResult(
        table,
        ["term"],
        units=units,
        wilcoxon=wil,
        title=BA_TITLE,
        method=BA_METHOD.format(w0=w0, w1=w1),
        inference=Inference(name="paired_t", description=BA_SE, distribution="t", dof=n - 1),
        level=level,
        facts={"n_units": n},
        notes=notes,
        outcome=roles.outcome,
        call={"estimator": "before_after", "window": (w0, w1), "level": level},
    )


def interrupted_time_series(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    window: tuple[int, int] | None = None,
    units: str | Sequence[str] | None = None,
    maxlags: int | None = None,
    level: float = 0.95,
) -> ITSResult:
    """Segmented regression of an event-time series with Newey-West standard errors.

    ``y_k = b0 + b1 k + b2 1{k >= 0} + b3 k 1{k >= 0}`` (k = years relative to onset), so
    ``level_change`` (b2) is the jump at onset and ``slope_change`` (b3) the change of the
    yearly slope.

    Parameters
    ----------
    data, outcome, unit, time, cohort
        Long panel and its role columns (defaults as for :func:`evaluation.twfe`).
    window
        Years relative to onset (first, last) of the series; default all.
    units
        One unit id or several: the series is their mean outcome at each year relative to
        onset (default: all treated units).
    maxlags
        Lags of the HAC standard errors (statsmodels, Bartlett kernel); default the
        Newey-West rule of thumb floor(4 (T/100)^(2/9)), at least 1.
    level
        Confidence level of ``tidy()``.

    Returns
    -------
    ITSResult
        Rows ``pre_level``, ``pre_slope``, ``level_change``, ``slope_change`` (normal
        reference distribution); ``series`` holds the series, the fitted values and the
        counterfactual.
    """
    import statsmodels.api as sm

    roles = resolve_roles(data, outcome, unit, time, cohort)
    df = check_panel(data, roles, require_never_treated=False)
    if units is not None:
        ids = [units] if isinstance(units, str) else list(units)
        unknown = sorted(set(ids) - set(df[roles.unit]))
        if unknown:
            raise DataError(f"unit(s) {unknown} not in column {roles.unit!r}")
        df = df[df[roles.unit].isin(ids)]
    rel = event_time_of(df, roles)
    sel = ~np.isnan(rel)
    if window is not None:
        w0, w1 = event_window(window, "window")
        sel &= (rel >= w0) & (rel <= w1)
    s = (
        pd.DataFrame({"event_time": rel[sel].astype("int64"), "y": df.loc[sel, roles.outcome]})
        .groupby("event_time")["y"]
        .agg(["mean", "size"])
        .reset_index()
        .rename(columns={"mean": "y", "size": "n_obs"})
    )
    k = s["event_time"].to_numpy(dtype=float)
    after = (k >= 0).astype(float)
    if after.sum() < 2 or (1 - after).sum() < 2:
        raise DataError("the series needs at least two years before and two after onset")
    x = np.column_stack([np.ones_like(k), k, after, k * after])
    nlags = maxlags if maxlags is not None else newey_west_lags(len(k))
    fit = sm.OLS(s["y"].to_numpy(), x).fit(cov_type="HAC", cov_kwds={"maxlags": nlags})
    names = ["pre_level", "pre_slope", "level_change", "slope_change"]
    table = pd.DataFrame(
        {"term": names, "estimate": np.asarray(fit.params), "std_error": np.asarray(fit.bse)}
    )
    s["fitted"] = x @ np.asarray(fit.params)
    s["counterfactual"] = fit.params[0] + fit.params[1] * k
    return ITSResult(
        table,
        ["term"],
        series=s,
        title=ITS_TITLE,
        method=ITS_METHOD,
        inference=Inference(
            name="hac_newey_west", description=ITS_SE.format(lags=nlags), distribution="normal"
        ),
        level=level,
        facts={"n_periods": len(k), "n_units": int(df.loc[sel, roles.unit].nunique())},
        outcome=roles.outcome,
        call={"estimator": "interrupted_time_series", "window": window, "units": units,
              "maxlags": nlags, "level": level},
    )  # fmt: skip


def newey_west_lags(n_periods: int) -> int:
    """The Newey-West (1994) rule of thumb for the HAC lags, floor(4 (T/100)^(2/9)), at
    least 1."""
    return max(1, int(np.floor(4 * (n_periods / 100) ** (2 / 9))))
