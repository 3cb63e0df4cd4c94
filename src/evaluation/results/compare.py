"""Several estimates side by side: ``ev.compare({"TWFE": r1, "CS": r2})``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Lang, Text, check_lang, number, term, tr
from .base import ESTIMATE_COLUMNS, Estimates, Result
from .plotting import figure_axes
from .summary import Summary, display_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TITLE = Text("Vergleich der Schätzungen", "Comparison of estimates")
NOTE = Text(
    "Schätzwerte mit Standardfehlern in Klammern.", "Estimates with standard errors in parentheses."
)


class Comparison(Result):
    """Several estimates side by side (rows: terms; columns: models)."""

    def __init__(self, results: Mapping[str, Estimates]) -> None:
        if not results:
            raise DataError("compare() needs at least one result")
        for name, r in results.items():
            if not isinstance(r, Estimates):
                raise DataError(f"result {name!r} is a {type(r).__name__}, not Estimates")
        self.results = dict(results)
        super().__init__(title=TITLE)

    def tidy(self) -> pd.DataFrame:
        frames = []
        tidies = {name: r.tidy() for name, r in self.results.items()}
        # single numbers (a TWFE coefficient, an overall ATT) are the same concept: one row
        single = all(len(t) == 1 for t in tidies.values())
        for name, r in self.results.items():
            t = tidies[name]
            if single:
                t["term"] = "effect"
            else:
                t["term"] = t[list(r.keys)].astype(str).agg(" / ".join, axis=1)
            t.insert(0, "model", name)
            frames.append(t[["model", "term", *ESTIMATE_COLUMNS]])
        return pd.concat(frames, ignore_index=True)

    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        t = self.tidy()
        cells = t.assign(
            cell=[
                f"{number(e, lang, 4)} ({number(s, lang, 4)})"
                for e, s in zip(t["estimate"], t["std_error"], strict=True)
            ]
        )
        order = list(dict.fromkeys(cells["term"]))
        wide = cells.pivot(index="term", columns="model", values="cell").reindex(order)
        wide = wide[list(self.results)].fillna("").reset_index()
        facts = [(name, tr(r.method, lang)) for name, r in self.results.items()]
        return Summary(
            TITLE(lang),
            facts=facts,
            tables=[("", display_frame(wide, lang))],
            notes=[NOTE(lang)],
            lang=lang,
        )

    def plot(self, ax: Axes | None = None, *, lang: Lang = "de") -> Figure:
        """A forest plot: one labelled row per model (and term), estimates with intervals."""
        check_lang(lang)
        t = self.tidy()
        terms = list(dict.fromkeys(t["term"]))
        single = terms == ["effect"]
        rows = t if single else t.sort_values(["term", "model"], kind="stable")
        labels = (
            rows["model"].tolist()
            if single
            else [f"{m}: {k}" for m, k in zip(rows["model"], rows["term"], strict=True)]
        )
        fig, ax = figure_axes(ax, figsize=(7, 0.9 + 0.38 * len(rows)))
        pos = np.arange(len(rows))[::-1]
        est = rows["estimate"].to_numpy(dtype=float)
        ax.errorbar(
            est,
            pos,
            xerr=[est - rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float) - est],
            fmt="o",
            color="C0",
            capsize=3,
        )
        ax.set_yticks(pos, labels)
        ax.axvline(0, color="0.4", lw=0.8)
        ax.set_xlabel(term("estimate", lang))
        ax.set_ylim(-0.7, len(rows) - 0.3)
        fig.tight_layout()
        return fig


def compare(results: Mapping[str, Estimates]) -> Comparison:
    """Put several estimates side by side: ``ev.compare({"TWFE": r1, "CS": r2})``."""
    return Comparison(results)
