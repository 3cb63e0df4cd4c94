"""Plots of the implementation results: each accepts ``ax=`` and returns the Figure.

Labels come from the code lists (action fields, statuses) and :data:`evaluation.i18n.TERMS`,
in German by default, English with ``lang="en"``; percentages are written the reader's way
(``50 %`` in German).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..codes import STATUS_CODES, labels
from ..i18n import Lang, Text, check_lang, percent, term, tr
from ..options import ModelQuantity, check_option
from ..results import figure_axes, value_label
from ..results.summary import KEY_CODE_LISTS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: colours of the statuses: from light (planned) to dark (implemented), grey for discontinued
STATUS_COLOURS = {
    "planned": "#d9e6f2",
    "in_progress": "#9ecae1",
    "partially_implemented": "#4292c6",
    "implemented": "#08519c",
    "discontinued": "#a0a0a0",
    "not_successful": "#d9e6f2",
    "successful": "#08519c",
}

SUCCESS_AXIS = {
    "implemented": Text("Anteil umgesetzt", "Share implemented"),
    "at_least_partial": Text(
        "Anteil mindestens teilweise umgesetzt", "Share at least partially implemented"
    ),
}
CLUSTER_LEGEND = Text("Cluster (Kommunen)", "Cluster (municipalities)")
REPORT_AXIS = Text("Bericht (0 = Zertifizierung)", "Report (0 = certification)")
NEXT_STATUS = Text("Status im folgenden Bericht", "Status in the next report")
STATUS_IN_REPORT = Text("Status im Bericht", "Status in the report")
MEAN = Text("Mittelwert", "Mean")
LOG_POPULATION = Text("log(Einwohner)", "log(population)")
ODDS_RATIO = Text("Odds Ratio", "Odds ratio")
MARGINAL_EFFECT = Text("Durchschnittlicher Marginaleffekt", "Average marginal effect")


def percent_axis(lang: Lang) -> Any:
    """A matplotlib tick formatter that writes shares as percentages for ``lang``."""
    from matplotlib.ticker import FuncFormatter

    check_lang(lang)
    return FuncFormatter(lambda v, _: percent(v, lang, 0))


def _row_labels(df: pd.DataFrame, keys: Sequence[str], lang: Lang, width: int = 28) -> list[str]:
    if not keys:
        return [term("overall", lang)] * len(df)
    parts = [df[k].map(lambda v, k=k: _key_value(k, v, lang)).astype(str) for k in keys]
    joined = parts[0]
    for p in parts[1:]:
        joined = joined + " / " + p
    return [textwrap.fill(s, width) for s in joined]


def _key_value(key: str, value: Any, lang: Lang) -> str:
    if key in ("cycle", "cohort"):
        return f"{term(key, lang)} {value}"
    return value_label(key, value, lang)


def plot_rates(result: Any, ax: Any = None, lang: Lang = "de", title: str | None = None) -> Figure:
    """Shares per group with the Wilson interval (thin) and the cluster-aware interval
    (thick).

    Parameters
    ----------
    result
        The :class:`~evaluation.implementation.ImplementationRates` to show.
    ax
        The matplotlib Axes to draw into (``None``: a new figure).
    lang
        ``"de"`` (default) or ``"en"``: the language of labels, title and numbers.
    title
        A title instead of the result's.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    t = result.tidy()
    t = t[t["n_measures"] > 0].reset_index(drop=True)
    fig, ax = figure_axes(ax, (8.5, max(2.5, 0.45 * len(t) + 1)))
    pos = np.arange(len(t))[::-1]
    share = t["share"].to_numpy(dtype=float)
    cl = t["cluster_ci_low"].to_numpy(dtype=float)
    ch = t["cluster_ci_high"].to_numpy(dtype=float)
    ok = np.isfinite(cl)
    ax.hlines(pos[ok], cl[ok], ch[ok], color="C1", lw=6, alpha=0.45, label=CLUSTER_LEGEND(lang))
    ax.hlines(pos, t["ci_low"], t["ci_high"], color="C0", lw=1.5, label="Wilson")
    ax.plot(share, pos, "o", color="k", ms=5)
    ax.set_yticks(pos, _row_labels(t, result.keys, lang))
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(percent_axis(lang))
    ax.set_xlabel(SUCCESS_AXIS[result.call.get("success", "implemented")](lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    ax.set_title(title or tr(result.title, lang))
    fig.tight_layout()
    return fig


def _stacked(
    ax: Any,
    x: np.ndarray,
    shares: dict[str, np.ndarray],
    lang: Lang,
    width: float = 0.8,
    horizontal: bool = False,
) -> None:
    status_labels = labels("statuses", lang)
    bottom = np.zeros(len(x))
    for s, v in shares.items():
        lab = status_labels.get(s) or term(s, lang)
        kw = {"color": STATUS_COLOURS.get(s), "edgecolor": "white", "linewidth": 0.5}
        if horizontal:
            ax.barh(x, v, left=bottom, height=width, label=lab, **kw)
        else:
            ax.bar(x, v, bottom=bottom, width=width, label=lab, **kw)
        bottom = bottom + v


def plot_progression(
    result: Any, ax: Any = None, lang: Lang = "de", title: str | None = None
) -> Figure:
    """Stacked bars of the status shares at report 0-3, grouped by action field (or the
    result's keys).

    Parameters
    ----------
    result
        A :class:`~evaluation.implementation.StatusProgression`.
    ax
        The matplotlib Axes to draw into (``None``: a new figure).
    lang
        ``"de"`` (default) or ``"en"``: the language of labels, title and numbers.
    title
        A title instead of the result's.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    t = result.tidy()
    keys = result.keys
    groups = t[keys].drop_duplicates().reset_index(drop=True) if keys else None
    n_groups = 1 if groups is None else len(groups)
    reports = sorted(t["report_number"].unique())
    fig, ax = figure_axes(ax, (max(6, 1.6 * n_groups + 2), 4.5))
    x = []
    shares: dict[str, list[float]] = {s: [] for s in STATUS_CODES}
    for g in range(n_groups):
        sub = t if groups is None else t.merge(groups.iloc[[g]], on=keys)
        for r in reports:
            x.append(g * (len(reports) + 1) + r)
            rs = sub[sub["report_number"] == r].set_index("status")["share"]
            for s in STATUS_CODES:
                shares[s].append(float(rs.get(s, 0.0)))
    xs = np.array(x, dtype=float)
    _stacked(ax, xs, {s: np.array(v) for s, v in shares.items()}, lang)
    ax.set_xticks(xs, [str(r) for _ in range(n_groups) for r in reports], fontsize="small")
    if groups is not None:
        centres = [g * (len(reports) + 1) + (len(reports) - 1) / 2 for g in range(n_groups)]
        for c, lab in zip(centres, _row_labels(groups, keys, lang, width=18), strict=True):
            ax.text(
                c,
                -0.1,
                lab,
                ha="center",
                va="top",
                fontsize="small",
                transform=ax.get_xaxis_transform(),
            )
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(percent_axis(lang))
    ax.set_ylabel(term("share", lang))
    ax.set_xlabel(REPORT_AXIS(lang), labelpad=40 if groups is not None else 4)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    ax.set_title(title or tr(result.title, lang))
    fig.tight_layout()
    return fig


def plot_transitions(
    result: Any,
    ax: Any = None,
    lang: Lang = "de",
    from_report: int | None = None,
    title: str | None = None,
) -> Figure:
    """Heat map of the row shares of the transitions (pooled over groups and, unless
    ``from_report`` is given, over the steps).

    Parameters
    ----------
    result
        A :class:`~evaluation.implementation.StatusTransitions`.
    ax
        The matplotlib Axes to draw into (``None``: a new figure).
    lang
        ``"de"`` (default) or ``"en"``: the language of labels, title and numbers.
    from_report
        Show only the step from this report to the next (``None``: all steps pooled).
    title
        A title instead of the result's.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    m = result.matrix(from_report)
    share = m.div(m.sum(axis=1), axis=0).to_numpy(dtype=float)
    fig, ax = figure_axes(ax, (6.5, 5))
    im = ax.imshow(share, vmin=0, vmax=1, cmap="Blues")
    st = labels("statuses", lang)
    ax.set_xticks(
        range(m.shape[1]),
        [textwrap.fill(st[c], 14) for c in m.columns],
        fontsize="small",
        rotation=40,
        ha="right",
    )
    ax.set_yticks(range(m.shape[0]), [textwrap.fill(st[c], 18) for c in m.index], fontsize="small")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            v = share[i, j]
            ax.text(
                j,
                i,
                percent(v, lang, 0),
                ha="center",
                va="center",
                fontsize="x-small",
                color="white" if v > 0.55 else "black",
            )
    ax.set_xlabel(NEXT_STATUS(lang))
    ax.set_ylabel(STATUS_IN_REPORT(lang))
    fig.colorbar(im, ax=ax, format=percent_axis(lang), fraction=0.046)
    step = "" if from_report is None else f" ({from_report} → {from_report + 1})"
    ax.set_title((title or tr(result.title, lang)) + step, fontsize="medium")
    fig.tight_layout()
    return fig


def plot_paired(result: Any, ax: Any = None, lang: Lang = "de", title: str | None = None) -> Figure:
    """Slope chart of the per-unit shares before and after, with the means.

    Parameters
    ----------
    result
        A :class:`~evaluation.implementation.PairedComparison`.
    ax
        The matplotlib Axes to draw into (``None``: a new figure).
    lang
        ``"de"`` (default) or ``"en"``: the language of labels, title and numbers.
    title
        A title instead of the result's.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    u = result.units
    fig, ax = figure_axes(ax, (5, 4.5))
    b = u["share_before"].to_numpy(dtype=float)
    a = u["share_after"].to_numpy(dtype=float)
    for yb, ya in zip(b, a, strict=True):
        ax.plot([0, 1], [yb, ya], color="0.6", lw=0.8, alpha=0.7)
    ax.plot([0, 1], [b.mean(), a.mean()], "o-", color="C3", lw=2.5, label=MEAN(lang))
    ax.set_xticks([0, 1], [tr(lab, lang) for lab in result.labels])
    ax.set_xlim(-0.3, 1.3)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(percent_axis(lang))
    ax.set_ylabel(term("share_implemented", lang))
    ax.legend(frameon=False, fontsize="small")
    ax.set_title(title or tr(result.title, lang), fontsize="medium")
    fig.tight_layout()
    return fig


def plot_field_differences(
    result: Any, ax: Any = None, lang: Lang = "de", title: str | None = None
) -> Figure:
    """Horizontal stacked bars of the outcome categories per action field.

    Parameters
    ----------
    result
        A :class:`~evaluation.implementation.FieldDifferences`.
    ax
        The matplotlib Axes to draw into (``None``: a new figure).
    lang
        ``"de"`` (default) or ``"en"``: the language of labels, title and numbers.
    title
        A title instead of the result's.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    c = result.contingency
    share = c.div(c.sum(axis=1), axis=0)
    fig, ax = figure_axes(ax, (7.5, 0.5 * len(c) + 1.8))
    pos = np.arange(len(c))[::-1]
    af = labels("action_fields", lang)
    _stacked(
        ax,
        pos,
        {s: share[s].to_numpy(dtype=float) for s in share.columns},
        lang,
        width=0.7,
        horizontal=True,
    )
    ax.set_yticks(pos, [textwrap.fill(af.get(f, f), 28) for f in c.index])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(percent_axis(lang))
    ax.set_xlabel(term("share", lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    ax.set_title(title or tr(result.title, lang))
    fig.tight_layout()
    return fig


def term_label(name: str, lang: Lang) -> str:
    """A model term for a reader: ``action_field[education]`` as "Handlungsfeld: Bildung und
    Erziehung", ``log_population`` as "log(Einwohner)"."""
    if "[" in name:
        var, val = name[:-1].split("[", 1)
        if var in KEY_CODE_LISTS:
            return f"{term(var, lang)}: {value_label(var, val, lang)}"
        return f"{term(var, lang)}: {val}"
    if name == "log_population":
        return LOG_POPULATION(lang)
    return term(name, lang)


def _decimals(v: float) -> int:
    """Decimals that show a tick of a log axis (0.05 -> 2, 0.5 -> 1, 2 -> 0)."""
    return 0 if not v > 0 or v >= 1 else int(np.ceil(-np.log10(v) - 1e-9))


def plot_model(
    result: Any,
    ax: Any = None,
    lang: Lang = "de",
    quantity: ModelQuantity = "odds_ratio",
    title: str | None = None,
) -> Figure:
    """Odds ratios (log scale, reference line at 1) or average marginal effects (line at 0)
    with their intervals.

    Parameters
    ----------
    result
        An :class:`~evaluation.implementation.ImplementationModel`.
    ax
        The matplotlib Axes to draw into (``None``: a new figure).
    lang
        ``"de"`` (default) or ``"en"``: the language of labels, title and numbers.
    quantity
        ``"odds_ratio"`` or ``"marginal_effect"``.
    title
        A title instead of the result's.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    check_option("quantity", quantity, ModelQuantity)
    t = result.tidy()
    t = t[t["quantity"] == quantity].reset_index(drop=True)
    fig, ax = figure_axes(ax, (7, 0.4 * len(t) + 1.5))
    pos = np.arange(len(t))[::-1]
    est = t["estimate"].to_numpy(dtype=float)
    ax.errorbar(est, pos, xerr=[est - t["ci_low"], t["ci_high"] - est], fmt="o", capsize=3)
    ax.set_yticks(
        pos, [textwrap.fill(term_label(n, lang), 40) for n in t["term"]], fontsize="small"
    )
    if quantity == "odds_ratio":
        from matplotlib.ticker import FuncFormatter, NullFormatter

        from ..i18n import number

        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda v, _: number(v, lang, _decimals(v), grouping=False))
        )
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.axvline(1, color="0.4", lw=0.8)
        ax.set_xlabel(ODDS_RATIO(lang))
    else:
        ax.axvline(0, color="0.4", lw=0.8)
        ax.set_xlabel(MARGINAL_EFFECT(lang))
    ax.set_title(title or tr(result.title, lang))
    fig.tight_layout()
    return fig


def plot_time_to_implementation(
    result: Any, ax: Any = None, lang: Lang = "de", title: str | None = None
) -> Figure:
    """Cumulative share implemented by report number (Kaplan-Meier steps with intervals).

    Parameters
    ----------
    result
        A :class:`~evaluation.implementation.TimeToImplementation`.
    ax
        The matplotlib Axes to draw into (``None``: a new figure).
    lang
        ``"de"`` (default) or ``"en"``: the language of labels, title and numbers.
    title
        A title instead of the result's.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    t = result.tidy()
    keys = result.keys
    fig, ax = figure_axes(ax, (7, 4.5))
    groups = t[keys].drop_duplicates().reset_index(drop=True) if keys else None
    n_groups = 1 if groups is None else len(groups)
    names = _row_labels(groups, keys, lang) if groups is not None else [term("overall", lang)]
    for g in range(n_groups):
        sub = t if groups is None else t.merge(groups.iloc[[g]], on=keys)
        x = np.append(sub["report_number"].to_numpy(dtype=float), sub["report_number"].max() + 0.5)
        y = np.append(
            sub["cumulative_share"].to_numpy(dtype=float), sub["cumulative_share"].iloc[-1]
        )
        lo = np.append(sub["ci_low"].to_numpy(dtype=float), sub["ci_low"].iloc[-1])
        hi = np.append(sub["ci_high"].to_numpy(dtype=float), sub["ci_high"].iloc[-1])
        colour = f"C{g % 10}"
        ax.step(x, y, where="post", color=colour, label=names[g])
        ax.fill_between(x, lo, hi, step="post", color=colour, alpha=0.12)
    ax.set_xticks(sorted(t["report_number"].unique()))
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(percent_axis(lang))
    ax.set_xlabel(REPORT_AXIS(lang))
    ax.set_ylabel(term("share_implemented", lang))
    ax.legend(fontsize="x-small", frameon=False, loc="upper left")
    ax.set_title(title or tr(result.title, lang))
    fig.tight_layout()
    return fig
