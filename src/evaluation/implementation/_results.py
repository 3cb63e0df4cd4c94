"""Result classes shared by the implementation analyses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..codes import Lang, check_lang
from ..labels import term
from ..results import Summary, TableResult, _fmt_fact, in_lang
from ._data import label_frame


class ImplementationResult(TableResult):
    """A table result whose summary shows labels instead of codes and which can plot itself.

    Attributes besides the tidy frame: ``facts`` (header facts), ``notes`` (what was left out
    and how intervals were computed) and, for some results, further tables.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        titles: tuple[str, str],
        notes: Sequence[str] = (),
        facts: Mapping[str, Any] | None = None,
        extra_tables: Mapping[str, pd.DataFrame] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(table, title=titles[0], notes=notes, facts=facts)
        self.titles = titles
        self.extra_tables = dict(extra_tables or {})
        self.options = dict(options or {})

    def _tables_for_summary(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        return [("", self.tidy())]

    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        hidden = ["statistic", "p_value", "p_adjusted"] if self.few_clusters else []
        tables = [
            (
                caption,
                self._display_frame(
                    label_frame(df.drop(columns=[c for c in hidden if c in df]), lang), lang
                ),
            )
            for caption, df in self._tables_for_summary(lang)
        ]
        return Summary(
            self.titles[0] if lang == "de" else self.titles[1],
            facts=[(term(k, lang), _fmt_fact(v)) for k, v in self.facts.items()],
            tables=tables,
            notes=[in_lang(n, lang) for n in self.notes],
        )
