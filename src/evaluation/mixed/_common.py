"""What the mixed-methods analyses share: their result classes and their input checks.

Every text of a result is a :class:`~evaluation.i18n.Text` (German and English); column and
fact labels come from :data:`evaluation.i18n.TERMS`, codes of the code lists get their labels
from :mod:`evaluation.codes`, and further codes (statistics, dimensions, groups) from the
``value_labels`` a result is built with. Summaries write numbers in the reader's format
(``1.234,5`` in German, ``1,234.5`` in English).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Lang, Text, check_lang, percent, term, tr
from ..options import check_draws
from ..results import Estimates, Inference, Summary, TableResult, display_frame, fact_text
from ..study import Study

#: value labels of a column: code -> label
ValueLabels = Mapping[Any, Text | str]

#: display of the success definitions (the codes of ``success=``)
SUCCESS_LABELS: dict[str, Text] = {
    "implemented": Text("umgesetzt", "implemented"),
    "at_least_partial": Text("mindestens teilweise umgesetzt", "at least partially implemented"),
}


def level_text(level: float) -> Text:
    """A confidence level as a reader writes it: ``95 %`` (German), ``95%`` (English)."""
    return Text(percent(level, "de", 0), percent(level, "en", 0))


def as_text(value: Any) -> Any:
    """A deprecated (German, English) pair as a :class:`Text`; anything else unchanged."""
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        warnings.warn(
            "(German, English) label pairs are deprecated; use evaluation.i18n.Text",
            DeprecationWarning,
            stacklevel=3,
        )
        return Text(*value)
    return value


class _Labelled:
    """The summary of a mixed-methods result: value labels, numbers with ``digits``
    decimals, facts and notes in the reader's language."""

    value_labels: dict[str, ValueLabels]
    digits: int

    def _labelled(self, df: pd.DataFrame, lang: Lang) -> pd.DataFrame:
        out = df.copy()
        for c, labels in self.value_labels.items():
            if c in out.columns:
                out[c] = out[c].map(lambda v, m=labels: tr(m[v], lang) if v in m else v)
        return display_frame(out, lang).reset_index(drop=True)

    def _fact_items(self, lang: Lang) -> list[tuple[str, str]]:
        facts: Mapping[str, Any] = self.facts  # type: ignore[attr-defined]
        out = []
        for k, v in facts.items():
            shown = v(lang) if isinstance(v, Text) else fact_text(v, lang, digits=self.digits)
            out.append((term(k, lang), shown))
        return out

    @property
    def options(self) -> dict[str, Any]:
        """Deprecated: the arguments of the analysis are :attr:`call`."""
        warnings.warn(
            "result.options is deprecated; use result.call", DeprecationWarning, stacklevel=2
        )
        return dict(self.call)  # type: ignore[attr-defined]

    def summary(self, lang: Lang = "de") -> Summary:
        """Title, facts, the table and the notes in ``lang``, numbers with ``digits``
        decimals."""
        check_lang(lang)
        return Summary(
            tr(self.title, lang),  # type: ignore[attr-defined]
            facts=self._summary_facts(lang),  # type: ignore[attr-defined]
            tables=self._summary_tables(lang),  # type: ignore[attr-defined]
            notes=self._summary_notes(lang),  # type: ignore[attr-defined]
            digits=self.digits,
            lang=lang,
        )


class MixedTable(_Labelled, TableResult):
    """A table result of the mixed-methods analyses.

    Parameters
    ----------
    table
        The tidy frame (codes and numbers, English column names).
    title, method
        What the table shows and how it was computed.
    notes
        Notes shown under the table.
    facts
        Header facts, keyed by :data:`~evaluation.i18n.TERMS` codes (values may be
        :class:`~evaluation.i18n.Text`).
    digits
        Decimals of the numbers in the summary.
    value_labels
        Per column, display labels of its codes (``{code: Text}``).
    call
        The arguments the result was computed with.
    count_columns
        The columns that count measures, goals, municipalities or respondents.
    inference
        How the intervals were computed (with the number of clusters).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        title: Text,
        method: Text | None = None,
        notes: Sequence[Text | str] = (),
        facts: Mapping[str, Any] | None = None,
        digits: int = 3,
        value_labels: Mapping[str, ValueLabels] | None = None,
        call: Mapping[str, Any] | None = None,
        count_columns: Sequence[str] = (),
        inference: Inference | None = None,
    ) -> None:
        self.digits = digits
        self.value_labels = dict(value_labels or {})
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

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        head = [(term("method", lang), tr(self.method, lang))] if self.method is not None else []
        return head + self._fact_items(lang)

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        return [("", self._labelled(self.tidy(), lang))]


class MixedEstimates(_Labelled, Estimates):
    """:class:`evaluation.Estimates` of the mixed-methods analyses (surveys, goal attainment).

    As :class:`MixedTable`, with the ``keys``, the ``inference`` (how the standard errors
    were computed) and the confidence ``level`` of an :class:`~evaluation.Estimates`. A share
    of 0 or 1 has a standard error of 0 in a sample survey, which is not a defect.
    """

    CHECK_DEGENERATE = False

    def __init__(
        self,
        table: pd.DataFrame,
        keys: Sequence[str],
        *,
        title: Text,
        method: Text | str | None,
        inference: Inference,
        notes: Sequence[Text | str] = (),
        facts: Mapping[str, Any] | None = None,
        level: float = 0.95,
        digits: int = 3,
        value_labels: Mapping[str, ValueLabels] | None = None,
        call: Mapping[str, Any] | None = None,
        count_columns: Sequence[str] = (),
    ) -> None:
        self.digits = digits
        self.value_labels = dict(value_labels or {})
        self.count_columns = tuple(count_columns)
        super().__init__(
            table,
            keys,
            title=title,
            method=method,
            inference=inference,
            level=level,
            facts=facts,
            notes=notes,
            call=call,
        )

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        out = [(term("method", lang), tr(self.method, lang))] + self._fact_items(lang)
        out.append((term("confidence_level", lang), level_text(self.level)(lang)))
        return out

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        shown = self.tidy()
        if self.few_clusters:
            shown = shown.drop(columns=["statistic", "p_value"])
        return [("", self._labelled(shown, lang))]


# ---------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------
def check_frame(df: Any, table: str, required: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with the required columns, or a :class:`DataError` saying what is missing.

    Parameters
    ----------
    df
        The table given by the user.
    table
        Its name in messages.
    required
        The columns it must have.

    Returns
    -------
    pandas.DataFrame
        ``df`` itself.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"table {table} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(
            f"table {table} lacks the column(s) {missing}; it has {list(df.columns)}. "
            "Add them or name the columns to use (see the table specification of the analysis)"
        )
    if len(df) == 0:
        raise DataError(f"table {table} is empty: there is nothing to analyse")
    return df


#: what is missing when a study lacks the data of an analysis, and how to add it
_MISSING_DATA: dict[str, str] = {
    "goal_attainment": "no rated goals (column attained_level of goals is empty): rate the "
    "goals on the -2..+2 scale in goals.csv",
    "costs": "no costs (columns cost_planned_eur, cost_spent_eur and staff_hours of measures "
    "are empty): add them to measures.csv",
    "measure_codes": "no table measure_codes: add measure_codes.csv to the study folder",
    "survey_responses": "no table survey_responses: add surveys.csv and survey_responses.csv "
    "to the study folder",
}


def study_data(study: Study, what: str) -> None:
    """Raise a :class:`DataError` saying what to add when ``study`` lacks the data ``what``
    (``"goal_attainment"``, ``"costs"`` or the name of an optional table)."""
    if not study.has(what):
        raise DataError(f"the study has {_MISSING_DATA[what]} (see the codebook)")


def survey_frame(study: Study) -> pd.DataFrame:
    """The responses of a study with ``wave`` and ``population`` of their survey and the
    ``group`` (audited or comparison) of their municipality, for domains."""
    study_data(study, "survey_responses")
    r = study.survey_responses
    waves = study.surveys[["survey_id", "wave", "population"]]
    out = r.merge(waves, on="survey_id", how="left")
    groups = study.municipalities[["municipality_id", "group"]]
    return out.merge(groups, on="municipality_id", how="left")


def columns_list(value: str | Sequence[str] | None) -> list[str]:
    """One column name or several as a list without repetitions (``None``: none)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(dict.fromkeys(value))


def first_bad_row(mask: np.ndarray) -> int:
    """The position of the first true value of ``mask``."""
    return int(np.flatnonzero(mask)[0])


def numeric_column(df: pd.DataFrame, table: str, column: str, *, fix: str) -> np.ndarray:
    """A column as float (NaN where missing); a text that is no number is a DataError.

    Parameters
    ----------
    df, table, column
        The table, its name in messages and the column.
    fix
        What the message tells the user to do.

    Returns
    -------
    numpy.ndarray
    """
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


def check_seed(seed: Any) -> None:
    """A seed of ``numpy.random.default_rng``: a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise OptionError(f"seed must be a non-negative integer, got {seed!r}")


def check_optional_draws(n_draws: int | None, minimum: int = 100) -> None:
    """``None`` (no draws) or a number of draws between ``minimum`` and the package's
    limit."""
    if n_draws is not None:
        check_draws("n_draws", n_draws, minimum=minimum)


def shown(value: Any) -> str:
    """A cell value as an error message shows it: text quoted, numbers plain."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)
