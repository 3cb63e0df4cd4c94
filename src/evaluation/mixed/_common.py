"""What the mixed-methods analyses share: bilingual results, display formatting, input checks.

Each result keeps its German and English texts in one place (the ``texts`` it is built with):
a title pair, note pairs and the labels of its columns. Summaries show numbers in the
language's format (``1.234,5`` in German, ``1,234.5`` in English).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..codes import Lang, check_lang
from ..errors import DataError
from ..labels import term
from ..results import Estimates, Summary, TableResult

#: (German, English) pair of a text a person reads.
Pair = tuple[str, str]

#: Column and fact labels of the mixed-methods results (other names fall back to ``term``).
LABELS: dict[str, Pair] = {
    "audit_id": ("Audit", "Audit"),
    "goal_id": ("Ziel", "Goal"),
    "n_goals": ("Ziele", "Goals"),
    "n_rated": ("bewertet", "Rated"),
    "sum_weights": ("Summe der Gewichte", "Sum of weights"),
    "mean_attainment": ("mittlere Zielerreichung", "Mean attainment"),
    "share_expected": ("Anteil mind. erwartet", "Share at least expected"),
    "t_score": ("T-Wert", "T-score"),
    "rho": ("Zielkorrelation ρ", "Goal correlation ρ"),
    "weighting": ("Gewichtung", "Weighting"),
    "n_audits": ("Audits", "Audits"),
    "mean_t_score": ("mittlerer T-Wert", "Mean T-score"),
    "implementation_group": ("Umsetzungsgrad", "Implementation"),
    "implemented_share": ("Anteil umgesetzt", "Share implemented"),
    "dimension": ("Dimension", "Dimension"),
    "statistic_name": ("Maß", "Measure"),
    "n_units": ("Maßnahmen", "Measures"),
    "n_pairable": ("paarbare Maßnahmen", "Pairable measures"),
    "n_coders": ("Codierende", "Coders"),
    "n_values": ("Codierungen", "Codes"),
    "observed_agreement": ("beobachtete Übereinstimmung", "Observed agreement"),
    "bootstrap": ("Bootstrap", "Bootstrap"),
    "item": ("Item", "Item"),
    "category": ("Kategorie", "Category"),
    "n_respondents": ("Befragte", "Respondents"),
    "n_missing": ("ohne Angabe", "No answer"),
    "weighted_n": ("gewichtete Anzahl", "Weighted count"),
    "design": ("Stichprobendesign", "Sampling design"),
    "n_strata": ("Schichten", "Strata"),
    "n_psu": ("Primäreinheiten", "Primary units"),
    "contrast": ("Vergleich", "Comparison"),
    "cost": ("Kostenart", "Cost"),
    "n_implemented": ("umgesetzt", "Implemented"),
    "n_with_cost": ("mit Angabe", "With value"),
    "total": ("Summe", "Total"),
    "n_municipalities": ("Kommunen", "Municipalities"),
    "basis": ("Bezug", "Basis"),
    "success": ("Erfolg", "Success"),
    "slope": ("Steigung", "Slope"),
    "correlation": ("Korrelation", "Correlation"),
    "survey_id": ("Befragung", "Survey"),
    "wave": ("Welle", "Wave"),
    "measurement_level": ("Skalenniveau", "Level of measurement"),
}


#: display of the success definitions (the codes of ``success=``)
SUCCESS_LABELS: dict[str, Pair] = {
    "implemented": ("umgesetzt", "implemented"),
    "at_least_partial": ("mindestens teilweise umgesetzt", "at least partially implemented"),
}


def percent_text(level: float) -> Pair:
    """A confidence level as (German, English) text: ("95 %", "95%")."""
    return (f"{level * 100:.0f}\u00a0%", f"{level:.0%}")


def label(key: str, lang: Lang) -> str:
    """Display label of a column or fact name."""
    pair = LABELS.get(key)
    if pair is not None:
        return pair[0] if lang == "de" else pair[1]
    return term(key, lang)


def in_lang(text: Pair | str, lang: Lang) -> str:
    """The text in ``lang`` (plain strings, e.g. data values, pass through)."""
    if isinstance(text, tuple):
        return text[0] if lang == "de" else text[1]
    return str(text)


def number(value: Any, lang: Lang, digits: int = 3) -> str:
    """A number as a person reads it: ``1 234,567`` (de: decimal comma, thousands grouped by a
    narrow no-break space as DIN 5008 and ISO 80000 allow, so that no reader takes ``1.000``
    for one) or ``1,234.567`` (en); empty for NA."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer):
        text = f"{int(value):,}"
    else:
        text = f"{float(value):,.{digits}f}"
        if text.startswith("-") and float(text.replace(",", "")) == 0:
            text = text[1:]  # no "-0,000"
    if lang == "de":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def display_frame(
    df: pd.DataFrame, lang: Lang, digits: int = 3, value_labels: Mapping[str, Mapping] = {}
) -> pd.DataFrame:
    """The frame as shown in a summary: numbers formatted for ``lang``, labelled columns."""
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        s = df[c]
        if c in value_labels:
            labels = value_labels[c]
            out[label(c, lang)] = s.map(lambda v, m=labels: in_lang(m.get(v, v), lang))
        elif pd.api.types.is_bool_dtype(s):
            out[label(c, lang)] = s.astype("string").fillna("")
        elif pd.api.types.is_numeric_dtype(s):
            out[label(c, lang)] = [number(v, lang, digits) for v in s.to_numpy(dtype=object)]
        else:
            out[label(c, lang)] = s.astype("string").fillna("")
    return out.reset_index(drop=True)


def fact_text(value: Any, lang: Lang) -> str:
    if isinstance(value, tuple):
        return in_lang(value, lang)
    if isinstance(value, float | np.floating):
        return number(value, lang, 3)
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return number(value, lang)
    return str(value)


class MixedTable(TableResult):
    """A table result with German and English texts kept together.

    Parameters
    ----------
    table
        The tidy frame (codes and numbers, English column names).
    titles
        (German, English) title.
    notes
        (German, English) pairs shown under the table.
    facts
        Header facts; values may be (German, English) pairs.
    digits
        Decimals of the numbers in the summary.
    value_labels
        Per column, display labels of its codes (``{code: (de, en)}``).
    options
        The arguments the result was computed with.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        titles: Pair,
        notes: Sequence[Pair] = (),
        facts: Mapping[str, Any] | None = None,
        digits: int = 3,
        value_labels: Mapping[str, Mapping] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(table, title=titles[0], notes=[n[0] for n in notes], facts=facts)
        self.titles = titles
        self.note_pairs = list(notes)
        self.digits = digits
        self.value_labels = dict(value_labels or {})
        self.options = dict(options or {})

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        return [("", self.tidy())]

    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        return Summary(
            in_lang(self.titles, lang),
            facts=[(label(k, lang), fact_text(v, lang)) for k, v in self.facts.items()],
            tables=[
                (caption, display_frame(df, lang, self.digits, self.value_labels))
                for caption, df in self._summary_tables(lang)
            ],
            notes=[in_lang(n, lang) for n in self.note_pairs],
        )


class MixedEstimates(Estimates):
    """:class:`evaluation.results.Estimates` with German and English texts kept together.

    ``titles``, ``methods``, ``se_notes`` and ``note_pairs`` are (German, English) pairs; the
    plain attributes ``title``, ``method``, ``se_note`` and ``notes`` hold the German texts.
    Shares of 0 or 1 have a standard error of 0 in a sample survey, which is not a defect.
    """

    CHECK_DEGENERATE = False

    def __init__(
        self,
        table: pd.DataFrame,
        keys: Sequence[str],
        *,
        titles: Pair,
        methods: Pair,
        se_notes: Pair,
        notes: Sequence[Pair] = (),
        facts: Mapping[str, Any] | None = None,
        level: float = 0.95,
        digits: int = 3,
        value_labels: Mapping[str, Mapping] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            table,
            keys,
            title=titles[0],
            method=methods[0],
            se_note=se_notes[0],
            level=level,
            facts=facts,
            notes=[n[0] for n in notes],
        )
        self.titles = titles
        self.methods = methods
        self.se_notes = se_notes
        self.note_pairs = list(notes)
        self.digits = digits
        self.value_labels = dict(value_labels or {})
        self.options = dict(options or {})

    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        facts = [(term("method", lang), in_lang(self.methods, lang))]
        facts += [(label(k, lang), fact_text(v, lang)) for k, v in self.facts.items()]
        facts.append((term("confidence_level", lang), in_lang(percent_text(self.level), lang)))
        return Summary(
            in_lang(self.titles, lang),
            facts=facts,
            tables=[("", display_frame(self.tidy(), lang, self.digits, self.value_labels))],
            notes=[in_lang(self.se_notes, lang), *(in_lang(n, lang) for n in self.note_pairs)],
        )


# ---------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------
def check_choice(name: str, value: Any, allowed: Iterable[str]) -> None:
    """Raise ``ValueError`` naming the valid values if ``value`` is not one of them."""
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def check_frame(df: Any, table: str, required: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with the required columns, or a :class:`DataError` saying what is missing."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"table {table} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(
            f"table {table} lacks the column(s) {missing}; it has {list(df.columns)}. "
            "Add them or name the columns to use (see the table specification in the README)"
        )
    if len(df) == 0:
        raise DataError(f"table {table} is empty: there is nothing to analyse")
    return df


def columns_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(dict.fromkeys(value))


def first_bad_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def numeric_column(df: pd.DataFrame, table: str, column: str, *, fix: str) -> np.ndarray:
    """A column as float (NaN where missing); a text that is no number is a DataError."""
    s = df[column]
    if pd.api.types.is_bool_dtype(s):
        return s.astype("float64").to_numpy()
    values = pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()
    bad = np.isnan(values) & s.notna().to_numpy()
    if bad.any():
        row = first_bad_row(bad)
        raise DataError(
            f"table {table} row {row}, field {column}: {shown(s.iloc[row])} is not a number; {fix}"
        )
    return values


def check_level(level: float) -> None:
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}")


def check_draws(n_draws: int | None, minimum: int = 100) -> None:
    if n_draws is None:
        return
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer):
        raise ValueError(f"n_draws must be an integer or None, got {n_draws!r}")
    if n_draws < minimum:
        raise ValueError(f"n_draws must be at least {minimum} (or None for no bootstrap)")


def check_seed(seed: Any) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def figure_axes(ax, figsize=(7, 4)):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    return fig, ax


def shown(value: Any) -> str:
    """A cell value as an error message shows it: text quoted, numbers plain."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)
