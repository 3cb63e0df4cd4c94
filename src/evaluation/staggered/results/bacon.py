"""The result of :func:`evaluation.bacon_decomposition`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ...i18n import Lang, Text, check_lang, number, term, tr
from ...results import TableResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


BACON_TYPES: dict[str, Text] = {
    "treated_vs_never": Text("Behandelt vs. nie behandelt", "Treated vs never treated"),
    "earlier_vs_later": Text(
        "Früher vs. später behandelt (noch unbehandelt)",
        "Earlier vs later treated (not yet treated)",
    ),
    "later_vs_earlier": Text(
        "Später vs. früher behandelt (bereits behandelt)",
        "Later vs earlier treated (already treated)",
    ),
    "treated_vs_always": Text("Behandelt vs. immer behandelt", "Treated vs always treated"),
}


class BaconDecomposition(TableResult):
    """2x2 comparisons with their type, weight and estimate; ``twfe`` is the TWFE coefficient
    (equal to the weighted sum of the estimates), ``by_type()`` sums weights by type and
    ``excluded_units`` lists the units left out."""

    def __init__(
        self, table: pd.DataFrame, *, twfe: float, excluded_units: pd.DataFrame, **kw: Any
    ) -> None:
        self.twfe = float(twfe)
        self.excluded_units = excluded_units
        super().__init__(table, **kw)

    def by_type(self) -> pd.DataFrame:
        """Weight and weighted mean estimate of every comparison type."""
        t = self.tidy()
        t["weighted"] = t["weight"] * t["estimate"]
        out = t.groupby("type", sort=False).agg(
            weight=("weight", "sum"), weighted=("weighted", "sum")
        )
        out["estimate"] = out["weighted"] / out["weight"]
        return out.drop(columns="weighted").reset_index()

    def plot(self, ax: Axes | None = None, *, lang: Lang = "de") -> Figure:
        """Estimate of each 2x2 comparison against its weight, by type; the dashed line is the
        TWFE coefficient."""
        from ...results import figure_axes

        check_lang(lang)
        fig, ax = figure_axes(ax, (7, 4))
        t = self.tidy()
        markers = {"treated_vs_never": "o", "earlier_vs_later": "s", "later_vs_earlier": "^",
                   "treated_vs_always": "D"}  # fmt: skip
        for i, (kind, d) in enumerate(t.groupby("type", sort=False)):
            ax.scatter(
                d["weight"],
                d["estimate"],
                marker=markers[kind],
                color=f"C{i}",
                label=BACON_TYPES[kind](lang),
            )
        ax.axhline(
            self.twfe, color="0.3", ls="--", lw=1, label=f"TWFE = {number(self.twfe, lang, 4)}"
        )
        ax.axhline(0, color="0.6", lw=0.8)
        ax.set_xlabel(term("weight", lang))
        ax.set_ylabel(term("estimate", lang))
        ax.set_title(tr(self.title, lang))
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig


__all__ = ["BACON_TYPES", "BaconDecomposition"]
