"""Writing the yearly summary: its tables, the document and its files.

The yearly summary is an overview of the year (two pages) followed by one page per audited
municipality (:mod:`evaluation.report.profiles`). It is written as HTML, PDF, Markdown and
Word (``report.formats``), with the overview's tables as CSV and LaTeX, the profiles' numbers
as three CSV files in tidy form (``tables/profiles_*.csv``), the overview's figure as SVG and
PNG and each profile's figure as PNG.

Numbers are written in the reader's format (:func:`evaluation.results.summary.format_frame`:
German decimal comma), shares as percentages, dates as the reader's language writes them,
codes as their labels.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import codes
from ..i18n import Lang, Text, number, percent, plural, term, tr
from ..results.summary import KEY_CODE_LISTS, format_value
from ..study.schema import PERSONAL_COLUMNS
from .document import ReportTable, Section
from .figures import ReportFigure
from .render import QUOTES, _env, _write_text, write_formats

PERSONAL: frozenset[str] = frozenset(c for cols in PERSONAL_COLUMNS.values() for c in cols)
#: a date as the reader's language writes it
DATE = Text("{d:%d.%m.%Y}", "{d:%Y-%m-%d}")
#: what a missing date or value shows
DASH = "–"
FILES_ONLY = Text("{rows}, nur als Datei", "{rows}, as files only")
ROWS = (Text("{n} Zeile", "{n} row"), Text("{n} Zeilen", "{n} rows"))
CONTENTS = Text("Kommunensteckbriefe", "Municipality profiles")
#: columns holding calendar years: written without a thousands separator
YEAR_COLUMNS = frozenset(
    {"year", "report_year", "base_year", "onset_year", "first_year", "last_year"}
)


def date_text(value: Any, lang: Lang) -> str:
    """A date for a reader (``31.12.2024`` in German), or an empty string when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return DATE.format(d=pd.Timestamp(value))(lang)


@dataclass
class YearlyTable(ReportTable):
    """A table of the yearly summary: numbers in the reader's format, shares as percentages,
    dates as the reader writes them, headers that may be :class:`~evaluation.i18n.Text`.

    ``count_columns`` name the counts suppressed below the small-cell threshold; ``files``:
    whether the table is written as CSV and LaTeX of its own (the profiles' tables are not:
    their numbers are in the tidy ``tables/profiles_*.csv``)."""

    percent_columns: tuple[str, ...] = ()
    count_columns: tuple[str, ...] = ()
    files: bool = True
    _shown: dict[tuple[str, int, int], pd.DataFrame] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        drop = [c for c in self.data.columns if str(c) in PERSONAL]
        self.data = self.data.drop(columns=drop).reset_index(drop=True)
        if self.show is None:
            self.show = True

    def published(self, threshold: int) -> pd.DataFrame:
        """The data with counts below ``threshold`` written as ``"<threshold"``."""
        df = self.data.copy()
        if threshold <= 0:
            return df
        for c in self.count_columns:
            if c not in df.columns:
                continue
            v = pd.to_numeric(df[c], errors="coerce")
            small = ((v > 0) & (v < threshold)).fillna(False).to_numpy(dtype=bool)
            if small.any():
                s = df[c].astype(object)
                s[small] = f"<{threshold}"
                df[c] = s
        return df

    def display(self, lang: Lang, digits: int, threshold: int) -> pd.DataFrame:
        """The table as a reader sees it (text cells, labels for codes and columns)."""
        key = (lang, digits, threshold)
        if key not in self._shown:
            self._shown[key] = self._display(lang, digits, threshold)
        return self._shown[key].copy()

    def _display(self, lang: Lang, digits: int, threshold: int) -> pd.DataFrame:
        df = self.published(threshold)
        if self.columns is not None:
            df = df[[c for c in self.columns if c in df.columns]]
        headers = self.headers or {}
        out: dict[str, list[str]] = {}
        for c in df.columns:
            col = df[c]
            name = str(c)
            values = col.tolist()
            if name in KEY_CODE_LISTS:
                labels = codes.labels(KEY_CODE_LISTS[name], lang)
                shown = [labels.get(str(v), str(v)) if _given(v) else "" for v in values]
            elif name in self.percent_columns:
                shown = [percent(v, lang, 0) if _number(v) else _text(v) for v in values]
            elif pd.api.types.is_datetime64_any_dtype(col):
                shown = [date_text(v, lang) for v in values]
            elif name in YEAR_COLUMNS:
                shown = [str(int(v)) if _number(v) else _text(v) for v in values]
            elif pd.api.types.is_float_dtype(col):
                shown = [number(v, lang, digits) if _given(v) else "" for v in values]
            else:
                shown = [format_value(v, lang, digits) for v in values]
            header = headers.get(name)
            out[tr(header, lang) if header is not None else term(name, lang)] = shown
        return pd.DataFrame(out, columns=list(out)) if out else pd.DataFrame()


def _given(v: Any) -> bool:
    try:
        return not bool(pd.isna(v))
    except (TypeError, ValueError):
        return True


def _number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and _given(v)


def _text(v: Any) -> str:
    return str(v) if _given(v) else ""


@dataclass
class YearlyDocument:
    """The yearly summary ready to be written: the overview, the profiles and the tidy tables
    of the profiles' numbers (written as CSV only)."""

    title: str
    subtitle: str
    lang: Lang
    digits: int
    threshold: int
    overview: list[Section]
    profiles: list[Section] = field(default_factory=list)
    data_tables: list[ReportTable] = field(default_factory=list)
    stem: str = "summary"

    @property
    def sections(self) -> list[Section]:
        return [*self.overview, *self.profiles]

    @property
    def tables(self) -> list[ReportTable]:
        return [t for s in self.sections for t in s.tables]

    @property
    def figures(self) -> list[ReportFigure]:
        return [f for s in self.sections for f in s.figures]


# -- writing ---------------------------------------------------------------------------------


def _template_text(name: str) -> str:
    return resources.files("evaluation.report").joinpath("templates", name).read_text("utf-8")


def _shown_tables(doc: YearlyDocument) -> dict[str, dict[str, Any]]:
    out = {}
    for t in doc.tables:
        d = t.display(doc.lang, doc.digits, doc.threshold)
        data = t.published(doc.threshold)
        shown = [c for c in (t.columns or list(data.columns)) if c in data.columns]
        numeric = [
            pd.api.types.is_numeric_dtype(t.data[c]) and c not in KEY_CODE_LISTS for c in shown
        ]
        out[t.name] = {
            "columns": list(d.columns),
            "rows": d.astype(str).values.tolist(),
            "numeric": numeric,
        }
    return out


def _png_uri(figure: ReportFigure) -> str:
    return "data:image/png;base64," + base64.b64encode(figure.png).decode("ascii")


def html_text(doc: YearlyDocument) -> str:
    """The summary as one self-contained HTML page (also the input of the PDF)."""
    tpl = _env(True).get_template("yearly.html.j2")
    return tpl.render(
        title=doc.title,
        subtitle=doc.subtitle,
        overview=doc.overview,
        profiles=doc.profiles,
        tables=_shown_tables(doc),
        lang=doc.lang,
        css=_template_text("style.css") + "\n" + _template_text("yearly.css"),
        contents=tr(CONTENTS, doc.lang),
        png_uri=_png_uri,
        hidden_rows=lambda n: hidden_rows(n, doc.lang),
    )


def markdown_text(doc: YearlyDocument) -> str:
    """The summary as Markdown (figures linked from ``figures/``)."""
    tables = {t.name: t.markdown(doc.lang, doc.digits, doc.threshold) for t in doc.tables}
    tpl = _env(False).get_template("yearly.md.j2")
    text = tpl.render(
        title=doc.title,
        subtitle=doc.subtitle,
        sections=doc.sections,
        markdown_tables=tables,
        files=lambda t: getattr(t, "files", True),
        hidden_rows=lambda n: hidden_rows(n, doc.lang),
        quotes=QUOTES[doc.lang],
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def hidden_rows(n: int, lang: Lang) -> str:
    """What stands for a table that is only written as files."""
    return FILES_ONLY.format(rows=plural(n, *ROWS, lang))(lang)


def write_yearly(
    doc: YearlyDocument,
    folder: Path,
    formats: Sequence[str],
    step: Callable[[str], None] = lambda s: None,
) -> None:
    """Write the summary's files into ``folder`` (which exists and is empty)."""
    tdir, fdir = folder / "tables", folder / "figures"
    tdir.mkdir()
    for t in doc.tables:
        if getattr(t, "files", True):
            _write_text(tdir / f"{t.name}.csv", t.csv(doc.threshold))
            _write_text(tdir / f"{t.name}.tex", t.latex(doc.lang, doc.digits, doc.threshold))
    for t in doc.data_tables:
        _write_text(tdir / f"{t.name}.csv", t.csv(doc.threshold))
    if doc.figures:
        fdir.mkdir()
    for f in doc.figures:
        if f.svg:
            _write_text(fdir / f"{f.name}.svg", f.svg)
        (fdir / f"{f.name}.png").write_bytes(f.png)
    write_formats(
        doc,
        folder,
        formats,
        step,
        html_of=html_text,
        markdown_of=markdown_text,
        new_page=lambda sec: sec in doc.profiles,
    )
