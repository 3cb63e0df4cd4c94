"""Designs with the treated units only: before/after and interrupted time series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..codes import Lang, check_lang
from ..errors import DataError
from ..i18n import term
from ..results import (
    BiText,
    Estimates,
)
from ..stats.paired import paired_tests
from ..study.panel import (
    check_panel,
    event_time_of,
    event_window,
    resolve_roles,
)


# ---------------------------------------------------------------------------------------
# before/after and interrupted time series (treated units only)
# ---------------------------------------------------------------------------------------
class BeforeAfterResult(Estimates):
    """Paired mean change of treated units; ``units`` holds each unit's pre and post mean,
    ``wilcoxon`` the signed-rank test."""

    units: pd.DataFrame
    wilcoxon: dict[str, float]

    def plot(self, ax=None, lang: Lang = "de", title: str | None = None):
        """Each unit's pre and post mean joined by a line, with the mean change."""
        import matplotlib.pyplot as plt

        check_lang(lang)
        if ax is None:
            fig, ax = plt.subplots(figsize=(5, 4))
        else:
            fig = ax.figure
        u = self.units
        for a, b in zip(u["pre_mean"], u["post_mean"], strict=True):
            ax.plot([0, 1], [a, b], color="0.7", lw=0.8)
        ax.plot(
            [0, 1],
            [u["pre_mean"].mean(), u["post_mean"].mean()],
            color="C0",
            lw=2.5,
            marker="o",
            label=term("mean", lang),
        )
        ax.set_xticks([0, 1], [term("pre", lang), term("post", lang)])
        ax.set_xlim(-0.3, 1.3)
        ax.set_ylabel(self.outcome or term("estimate", lang))
        ax.set_title(title or self.title)
        ax.legend()
        fig.tight_layout()
        return fig


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
    """Mean of each treated unit before (``window[0]`` to -1 years relative to onset) and
    after (0 to ``window[1]``) its onset; the paired mean change with a t interval
    (n - 1 degrees of freedom) and the Wilcoxon signed-rank test. No comparison group: the
    change includes every trend common to all units."""
    w0, w1 = event_window(window, "window")
    if not (w0 < 0 <= w1):
        raise DataError(f"window must run from a negative to a non-negative year, got {window!r}")
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
    notes = [
        BiText(f"Wilcoxon-Vorzeichen-Rang-Test: {wtext}", f"Wilcoxon signed-rank test: {wtext}")
    ]
    if n < n_all:
        notes.append(
            BiText(
                f"{n_all - n} behandelte Einheiten ohne Beobachtung vor und nach dem Beginn "
                "im Fenster ausgelassen.",
                f"{n_all - n} treated units without observations both before and after onset "
                "in the window left out.",
            )
        )
    res = BeforeAfterResult(
        table,
        ["term"],
        title="Before/after",
        method=BiText(
            f"Vorher-nachher, gepaart (Fenster {w0} bis {w1})",
            f"Before/after, paired (window {w0} to {w1})",
        ),
        se_note=BiText(
            "Standardfehler der mittleren Differenz; t-Verteilung mit n-1 Freiheitsgraden.",
            "Standard error of the mean difference; t distribution with n-1 degrees of freedom.",
        ),
        distribution="t",
        df=float(n - 1),
        level=level,
        facts={"n_units": n},
        notes=notes,
        outcome=roles.outcome,
    )
    res.units = units
    res.wilcoxon = wil
    return res


class ITSResult(Estimates):
    """Segmented regression; ``series`` holds the series with the fitted values and the
    counterfactual (pre-onset line continued)."""

    series: pd.DataFrame

    def plot(self, ax=None, lang: Lang = "de", title: str | None = None):
        import matplotlib.pyplot as plt

        check_lang(lang)
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        s = self.series
        ax.plot(s["rel_time"], s["y"], "o", color="0.3", label=self.outcome)
        pre = s["rel_time"] < 0
        ax.plot(s.loc[pre, "rel_time"], s.loc[pre, "fitted"], color="C0")
        ax.plot(
            s.loc[~pre, "rel_time"], s.loc[~pre, "fitted"], color="C0", label=term("fitted", lang)
        )
        ax.plot(
            s.loc[~pre, "rel_time"],
            s.loc[~pre, "counterfactual"],
            color="C0",
            ls="--",
            label=term("counterfactual", lang),
        )
        ax.axvline(-0.5, color="0.6", lw=0.8, ls="--")
        ax.set_xlabel(term("rel_time", lang))
        ax.set_title(title or self.title)
        ax.legend()
        fig.tight_layout()
        return fig


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
    """Segmented regression of an event-time series with Newey-West standard errors:
    ``y_k = b0 + b1 k + b2 1{k >= 0} + b3 k 1{k >= 0}`` (k = years relative to onset), so
    ``level_change`` (b2) is the jump at onset and ``slope_change`` (b3) the change of the
    yearly slope.

    The series is the mean outcome of the treated units (or of ``units``, one id or several)
    at each relative year within ``window``. HAC standard errors (statsmodels, Bartlett
    kernel) with ``maxlags`` (default floor(4 (T/100)^(2/9)), at least 1); normal reference
    distribution.
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
        pd.DataFrame({"rel_time": rel[sel].astype("int64"), "y": df.loc[sel, roles.outcome]})
        .groupby("rel_time")["y"]
        .agg(["mean", "size"])
        .reset_index()
        .rename(columns={"mean": "y", "size": "n_obs"})
    )
    k = s["rel_time"].to_numpy(dtype=float)
    after = (k >= 0).astype(float)
    if after.sum() < 2 or (1 - after).sum() < 2:
        raise DataError("the series needs at least two years before and two after onset")
    x = np.column_stack([np.ones_like(k), k, after, k * after])
    nlags = maxlags if maxlags is not None else max(1, int(np.floor(4 * (len(k) / 100) ** (2 / 9))))
    fit = sm.OLS(s["y"].to_numpy(), x).fit(cov_type="HAC", cov_kwds={"maxlags": nlags})
    names = ["pre_level", "pre_slope", "level_change", "slope_change"]
    table = pd.DataFrame(
        {"term": names, "estimate": np.asarray(fit.params), "std_error": np.asarray(fit.bse)}
    )
    s["fitted"] = x @ np.asarray(fit.params)
    s["counterfactual"] = fit.params[0] + fit.params[1] * k
    res = ITSResult(
        table,
        ["term"],
        title="Interrupted time series",
        method=BiText(
            "Segmentierte Regression (Niveau- und Steigungsänderung beim Beginn)",
            "Segmented regression (level and slope change at onset)",
        ),
        se_note=BiText(
            f"Newey-West-Standardfehler (HAC, {nlags} Lags); Normalverteilung.",
            f"Newey-West standard errors (HAC, {nlags} lags); normal distribution.",
        ),
        distribution="normal",
        level=level,
        facts={"n_periods": len(k), "n_units": int(df.loc[sel, roles.unit].nunique())},
        outcome=roles.outcome,
    )
    res.series = s
    return res
