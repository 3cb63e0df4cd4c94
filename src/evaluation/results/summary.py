"""A result's summary and the one table formatter of the package.

:class:`Summary` holds what ``result.summary(lang)`` shows: a title, header facts, tables and
notes, already in the reader's language; it renders as text, HTML, Markdown and LaTeX.
:func:`format_frame` writes the numbers of a table for a reader (German decimal comma in German,
a fixed number of digits, empty cells for missing values); the report uses the same function,
so a number looks the same in a notebook and in a report. :func:`display_frame` replaces
column codes by their labels and codes of the code lists (action fields, statuses, levels,
groups, states) by theirs.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import codes
from ..escape import latex_escape, markdown_escape
from ..i18n import Lang, Text, check_lang, number, percent, term, tr

#: columns whose values are codes of a code list, shown with the list's labels
KEY_CODE_LISTS: dict[str, str] = {
    "action_field": "action_fields",
    "status": "statuses",
    "from_status": "statuses",
    "to_status": "statuses",
    "level": "levels",
    "state": "states",
    "group": "groups",
    "field_a": "action_fields",
    "field_b": "action_fields",
    "expected_direction": "directions",
    "measure_type": "measure_types",
}

#: significant digits of numbers in CSV files written for machines (tables of results)
CSV_FLOAT_FORMAT = "%.10g"


def value_label(key: str, value: Any, lang: Lang) -> str:
    """Display label of one value of a key column (action field, status, level, state...)."""
    code_list = KEY_CODE_LISTS.get(key)
    if code_list is not None:
        return codes.labels(code_list, lang).get(str(value), str(value))
    return str(value)


def label_codes(df: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``df`` with the codes in key columns replaced by their labels."""
    out = df.copy()
    for c in out.columns:
        if c in KEY_CODE_LISTS:
            labels = codes.labels(KEY_CODE_LISTS[c], lang)
            out[c] = out[c].map(lambda v, m=labels: m.get(str(v), v) if _notna(v) else v)
    return out


def display_frame(df: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``df`` for a reader: codes replaced by labels, column codes by their labels."""
    out = label_codes(df, lang)
    return out.rename(columns={c: term(str(c), lang) for c in out.columns})


def _notna(v: Any) -> bool:
    try:
        return not bool(pd.isna(v))
    except (TypeError, ValueError):
        return True


def format_value(v: Any, lang: Lang, digits: int) -> str:
    """One cell for a reader: floats with ``digits`` decimals in the reader's number format,
    whole numbers without decimals, missing values empty, text as it is."""
    if not _notna(v):
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int) or (hasattr(v, "dtype") and getattr(v.dtype, "kind", "") in "iu"):
        return number(int(v), lang)
    if isinstance(v, float) or (hasattr(v, "dtype") and getattr(v.dtype, "kind", "") == "f"):
        return number(float(v), lang, digits)
    return str(v)


def format_frame(df: pd.DataFrame, lang: Lang, digits: int = 4) -> pd.DataFrame:
    """Every cell of ``df`` as text for a reader (see :func:`format_value`)."""
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_float_dtype(col):
            out[c] = [number(v, lang, digits) if _notna(v) else "" for v in col.tolist()]
        elif pd.api.types.is_integer_dtype(col):
            out[c] = [number(int(v), lang) if _notna(v) else "" for v in col.tolist()]
        else:
            out[c] = [format_value(v, lang, digits) for v in col.tolist()]
    return out


def fact_text(v: Any, lang: Lang = "de", *, digits: int = 4, as_percent: bool = False) -> str:
    """A header fact for a reader (numbers in the reader's format, a :class:`Text` in the
    reader's language, the items of a list or tuple separated by commas)."""
    if isinstance(v, Text):
        return v(lang)
    if isinstance(v, list | tuple):
        return ", ".join(fact_text(x, lang, digits=digits) for x in v)
    if as_percent and isinstance(v, int | float):
        return percent(v, lang, 0)
    if isinstance(v, float):
        return number(int(v), lang) if v.is_integer() else number(v, lang, digits)
    if isinstance(v, int) and not isinstance(v, bool):
        return number(v, lang)
    return str(v)


@dataclass
class Summary:
    """A rendered summary: a title, header facts, one or more tables and notes, all text in
    the reader's language (``lang``)."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digits: int = 4
    lang: Lang = "de"

    def __post_init__(self) -> None:
        lang = check_lang(self.lang)
        # texts may still be Text objects (both languages): resolve them for this reader
        self.title = tr(self.title, lang)
        self.facts = [(tr(k, lang), tr(v, lang)) for k, v in self.facts]
        self.tables = [(tr(c, lang), df) for c, df in self.tables]
        self.notes = [tr(n, lang) for n in self.notes]

    def _fmt(self, df: pd.DataFrame) -> pd.DataFrame:
        return format_frame(df, self.lang, self.digits)

    def as_text(self) -> str:
        from tabulate import tabulate  # imported where used: results stay light

        parts = [self.title, "=" * len(self.title)]
        if self.facts:
            width = max(len(k) for k, _ in self.facts)
            parts += [f"{k + ':':<{width + 1}} {v}" for k, v in self.facts]
        for caption, df in self.tables:
            parts.append("")
            if caption:
                parts.append(caption)
            parts.append(
                tabulate(
                    self._fmt(df),
                    headers="keys",
                    tablefmt="simple",
                    showindex=False,
                    disable_numparse=True,
                )
            )
        if self.notes:
            parts.append("")
            parts += self.notes
        return "\n".join(parts)

    def as_markdown(self) -> str:
        from tabulate import tabulate  # imported where used: results stay light

        parts = [f"**{markdown_escape(self.title)}**", ""]
        if self.facts:
            parts += [f"- {markdown_escape(k)}: {markdown_escape(v)}" for k, v in self.facts]
            parts += [""]
        for caption, df in self.tables:
            if caption:
                parts += [f"*{markdown_escape(caption)}*", ""]
            shown = self._fmt(df).map(markdown_escape)
            shown.columns = [markdown_escape(c) for c in shown.columns]
            parts += [
                tabulate(
                    shown, headers="keys", tablefmt="pipe", showindex=False, disable_numparse=True
                ),
                "",
            ]
        parts += [f"_{markdown_escape(n)}_  " for n in self.notes]
        return "\n".join(parts).rstrip() + "\n"

    def as_latex(self) -> str:
        from tabulate import tabulate  # imported where used: results stay light

        parts = [f"% {latex_escape(self.title)}"]
        for caption, df in self.tables:
            shown = self._fmt(df).map(latex_escape)
            shown.columns = [latex_escape(c) for c in shown.columns]
            body = tabulate(
                shown, headers="keys", tablefmt="latex_raw", showindex=False, disable_numparse=True
            )
            parts += [
                "\\begin{table}[htbp]",
                "\\centering",
                f"\\caption{{{latex_escape(caption or self.title)}}}",
                body,
            ]
            if self.notes:
                notes = " ".join(latex_escape(n) for n in self.notes)
                parts.append(f"\\par\\footnotesize {notes}")
            parts.append("\\end{table}")
        return "\n".join(parts) + "\n"

    def as_html(self) -> str:
        esc = html.escape
        parts = [f'<div class="result"><h4>{esc(self.title)}</h4>']
        if self.facts:
            parts.append('<table class="facts">')
            parts += [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in self.facts]
            parts.append("</table>")
        for caption, df in self.tables:
            if caption:
                parts.append(f"<p><em>{esc(caption)}</em></p>")
            parts.append(
                self._fmt(df).to_html(index=False, escape=True, border=0, classes="estimates")
            )
        if self.notes:
            parts += [f'<p class="note">{esc(n)}</p>' for n in self.notes]
        parts.append("</div>")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()
