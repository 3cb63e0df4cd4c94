"""Plots shared by the results: estimates with intervals, and the figure scaffolding.

Every ``plot`` method of the package takes ``ax=`` (draw into an existing Axes) and ``lang=``
and returns the Figure; :func:`figure_axes` is the one place that makes a new figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..i18n import Lang, check_lang, term

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def figure_axes(
    ax: Axes | None = None, figsize: tuple[float, float] = (7, 4)
) -> tuple[Figure, Axes]:
    """``(figure, axes)``: a new figure of ``figsize``, or ``ax`` and its figure."""
    if ax is None:
        import matplotlib.pyplot as plt

        fig, new_ax = plt.subplots(figsize=figsize)
        return fig, new_ax
    owner = ax.get_figure(root=True)
    if owner is None:  # pragma: no cover - an Axes always belongs to a figure
        raise ValueError("the axes belong to no figure")
    return owner, ax


def plot_estimates(
    tidy: pd.DataFrame,
    keys: Sequence[str],
    *,
    ax: Axes | None = None,
    lang: Lang = "de",
    title: str | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Plot a tidy estimates frame: an event-study style plot for one numeric key,
    a horizontal coefficient plot otherwise. Returns the Figure."""
    check_lang(lang)
    fig, ax = figure_axes(ax)
    key = keys[0] if len(keys) == 1 else None
    numeric = key is not None and pd.api.types.is_numeric_dtype(tidy[key])
    if numeric:
        x = tidy[key].to_numpy(dtype=float)
        y = tidy["estimate"].to_numpy(dtype=float)
        if {"band_low", "band_high"} <= set(tidy.columns):
            ax.fill_between(
                x,
                tidy["band_low"],
                tidy["band_high"],
                alpha=0.15,
                color="C0",
                step=None,
                label=term("band_low", lang).split(" ")[0],
            )
        ax.errorbar(
            x,
            y,
            yerr=[y - tidy["ci_low"].to_numpy(), tidy["ci_high"].to_numpy() - y],
            fmt="o",
            color="C0",
            capsize=3,
            label=term("interval", lang),
        )
        ax.axhline(0, color="0.4", lw=0.8)
        if key in ("rel_time", "event_time"):
            ax.axvline(-0.5, color="0.6", lw=0.8, ls="--")
        ax.set_xlabel(term(str(key), lang))
    else:
        labels = (
            tidy[list(keys)].astype(str).agg(" / ".join, axis=1)
            if len(keys)
            else tidy.index.astype(str)
        )
        pos = np.arange(len(tidy))[::-1]
        est = tidy["estimate"].to_numpy(dtype=float)
        ax.errorbar(
            est,
            pos,
            xerr=[est - tidy["ci_low"].to_numpy(), tidy["ci_high"].to_numpy() - est],
            fmt="o",
            color="C0",
            capsize=3,
        )
        ax.set_yticks(pos, labels)
        ax.axvline(0, color="0.4", lw=0.8)
        ax.set_xlabel(ylabel or term("estimate", lang))
    if numeric:
        ax.set_ylabel(ylabel or term("estimate", lang))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
