"""The result class shared by the implementation analyses, and the texts they share."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..i18n import Lang, Text, percent, term, tr
from ..results import Inference, TableResult, display_frame, fact_text

#: display labels of coded fact values and table cells (column or fact -> code -> label)
VALUE_LABELS: dict[str, dict[str, Text]] = {
    "success": {
        "implemented": Text("umgesetzt", "implemented"),
        "at_least_partial": Text(
            "mindestens teilweise umgesetzt", "at least partially implemented"
        ),
    },
    "as_of": {
        "end": Text("Phasenende (letzter fälliger Bericht)", "end of phase (last due report)")
    },
    "cycle": {"all": Text("alle", "all")},
    "outcome": {"status": Text("Status", "status"), "success": Text("Erfolg", "success")},
    "discontinued": {
        "not_implemented": Text(
            "bleiben ohne Umsetzung unter Risiko", "stay at risk, not implemented"
        ),
        "censored": Text("zensiert beim Einstellen", "censored when discontinued"),
    },
    "ci_method": {"wilson": Text("Wilson", "Wilson")},
    "cluster_ci_method": {
        "cluster_bootstrap_percentile": Text(
            "Cluster-Bootstrap (Perzentile)", "cluster bootstrap (percentiles)"
        ),
        "gee_sandwich_logit": Text("GEE-Sandwich (Logit)", "GEE sandwich (logit)"),
    },
    "method": {
        "chi2_asymptotic": Text("Chi²-Test (asymptotisch)", "chi² test (asymptotic)"),
        "chi2_simulated": Text("Chi²-Test (simuliert)", "chi² test (simulated)"),
        "fisher_exact": Text("exakter Test nach Fisher", "Fisher's exact test"),
        "wald_cluster": Text("Wald-Test (Cluster: Kommunen)", "Wald test (municipality clusters)"),
    },
    "contrast": {"independence": Text("Unabhängigkeit", "independence")},
    "quantity": {
        "odds_ratio": Text("Odds Ratio", "odds ratio"),
        "marginal_effect": Text("Marginaleffekt", "marginal effect"),
        "hazard_ratio": Text("Hazard Ratio", "hazard ratio"),
    },
    "wilcoxon_method": {
        "exact": Text("exakt", "exact"),
        "approx": Text("Normalapproximation", "normal approximation"),
        "none": Text("keine (alle Differenzen null)", "none (all differences zero)"),
    },
}

#: table columns that hold test results, not shown when the clusters are too few
TEST_COLUMNS = ("statistic", "p_value", "p_adjusted", "t_statistic", "t_p_value")


def level_text(level: float) -> Text:
    """A confidence level as a reader writes it: ``95 %`` (German), ``95%`` (English)."""
    return Text(percent(level, "de", 0), percent(level, "en", 0))


def value_text(key: str, value: Any, lang: Lang) -> str:
    """A fact or cell value for a reader: a :class:`Text` in ``lang``, a coded value by its
    label, a number in the reader's format.

    Parameters
    ----------
    key
        The fact or column the value belongs to (for the labels of its codes).
    value
        The value.
    lang
        ``"de"`` or ``"en"``.

    Returns
    -------
    str
    """
    if isinstance(value, Text):
        return value(lang)
    label = VALUE_LABELS.get(key, {}).get(value) if isinstance(value, str) else None
    if label is not None:
        return label(lang)
    return fact_text(value, lang)


def labelled(df: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``df`` for a reader: coded cells by their labels (these of :data:`VALUE_LABELS` and
    of the code lists), columns by their labels."""
    out = df.copy()
    for c in out.columns:
        labels = VALUE_LABELS.get(str(c))
        if labels and not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].map(lambda v, m=labels: m[v](lang) if v in m else v)
    return display_frame(out, lang)


class ImplementationResult(TableResult):
    """A table of an implementation analysis: labels for codes in its summary, a plot.

    Parameters
    ----------
    table
        The tidy table (English column codes, codes of the code lists).
    title, method
        What the table shows and how it was computed (:class:`~evaluation.i18n.Text`).
    notes
        What was left out and how intervals were computed.
    facts
        Header facts (counts, the success definition, ...), keyed by ``TERMS`` codes.
    call
        The arguments of the analysis.
    count_columns
        The columns that count measures, municipalities or units (small-cell suppression).
    inference
        How intervals and tests were computed, with the number of clusters.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        title: Text,
        method: Text | None = None,
        notes: Sequence[Text | str] = (),
        facts: Mapping[str, Any] | None = None,
        call: Mapping[str, Any] | None = None,
        count_columns: Sequence[str] = (),
        inference: Inference | None = None,
    ) -> None:
        super().__init__(
            table,
            title=title,
            method=method,
            notes=notes,
            facts=facts,
            call=call,
            count_columns=count_columns,
            inference=inference,
        )

    @property
    def options(self) -> dict[str, Any]:
        """Deprecated: the arguments of the analysis are :attr:`call`."""
        warnings.warn(
            "result.options is deprecated; use result.call", DeprecationWarning, stacklevel=2
        )
        return dict(self.call)

    def _tables_for_summary(self) -> list[tuple[Text | str, pd.DataFrame]]:
        """(caption, table) of the summary; the tidy table by default."""
        return [("", self.tidy())]

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        hidden = TEST_COLUMNS if self.few_clusters else ()
        return [
            (tr(caption, lang), labelled(df.drop(columns=[c for c in hidden if c in df]), lang))
            for caption, df in self._tables_for_summary()
        ]

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.method is not None:
            out.append((term("method", lang), tr(self.method, lang)))
        out += [
            (term(k, lang), value_text(k, v, lang))
            for k, v in self.facts.items()
            if not (self.few_clusters and k.endswith("_p"))
        ]
        return out
