"""The parts a report is made of: sections of blocks (headings, text, notes, tables, figures).

Sections are built from analysis results and rendered by :mod:`evaluation.report.render` to
HTML, PDF and Markdown. Tables keep their tidy data (English column codes, raw values) for the
CSV files and are formatted for display (labels in the report's language, fixed decimals) for
HTML, Markdown and LaTeX. Personal-data columns are dropped when a table is made, and counts below
the small-cell threshold are suppressed in every published form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from tabulate import tabulate

from .. import codes
from ..labels import term
from ..results import latex_escape
from ..study.schema import PERSONAL_COLUMNS
from .figures import ReportFigure
from .text import clean, md_cell
from .text import md_text as md_text

PERSONAL: frozenset[str] = frozenset(c for cols in PERSONAL_COLUMNS.values() for c in cols)
MAX_SHOWN_ROWS = 40
COUNT_COLUMN = re.compile(r"^(n|count|n_.+|.+_count)$")
CODE_COLUMNS = {
    "action_field": "action_fields",
    "status": "statuses",
    "level": "levels",
    "group": "groups",
    "state": "states",
}


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 3
    kind: Literal["heading"] = "heading"


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: Literal["paragraph"] = "paragraph"


@dataclass(frozen=True)
class Note:
    """A remark: ``info`` (from an estimator), ``missing`` (module not available) or ``error``."""

    text: str
    level: Literal["info", "missing", "error"] = "info"
    kind: Literal["note"] = "note"


@dataclass(frozen=True)
class Code:
    """Preformatted text (e.g. the configuration)."""

    text: str
    kind: Literal["code"] = "code"


@dataclass(frozen=True)
class Facts:
    items: tuple[tuple[str, str], ...]
    kind: Literal["facts"] = "facts"


@dataclass
class ReportTable:
    """A published table: tidy data plus a caption; ``name`` is its file name stem."""

    name: str
    caption: str
    data: pd.DataFrame
    notes: tuple[str, ...] = ()
    #: shown in HTML, PDF and Markdown (False: only written as CSV and LaTeX, and linked);
    #: None: shown when it has at most ``MAX_SHOWN_ROWS`` rows
    show: bool | None = None
    #: columns shown in HTML, PDF and Markdown (None: all; the CSV keeps every column)
    columns: tuple[str, ...] | None = None
    #: display headers for columns (instead of the labels of :mod:`evaluation.labels`)
    headers: dict[str, str] | None = None
    kind: Literal["table"] = "table"

    def __post_init__(self) -> None:
        drop = [c for c in self.data.columns if str(c) in PERSONAL]
        self.data = self.data.drop(columns=drop).reset_index(drop=True)
        if self.show is None:
            self.show = len(self.data) <= MAX_SHOWN_ROWS

    # -- forms ---------------------------------------------------------------------------
    def published(self, threshold: int) -> pd.DataFrame:
        """The tidy data with small counts suppressed (as text "<threshold")."""
        df = self.data.copy()
        if threshold <= 0:
            return df
        for c in df.columns:
            if COUNT_COLUMN.match(str(c)) and pd.api.types.is_numeric_dtype(df[c]):
                v = pd.to_numeric(df[c], errors="coerce")
                small = (v > 0) & (v < threshold)
                if small.any():
                    s = df[c].astype("string")
                    s[small.fillna(False).to_numpy()] = f"<{threshold}"
                    df[c] = s
        return df

    def csv(self, threshold: int) -> str:
        df = _clean_frame(self.published(threshold))
        return df.to_csv(index=False, lineterminator="\n", float_format="%.6g")

    def display(self, lang: codes.Lang, digits: int, threshold: int) -> pd.DataFrame:
        """Text cells in the report's language: labels for codes and columns, fixed decimals."""
        df = self.published(threshold)
        if self.columns is not None:
            df = df[[c for c in self.columns if c in df.columns]]
        headers = self.headers or {}
        out = {}
        for c in df.columns:
            col = df[c]
            if str(c) in CODE_COLUMNS:
                labels = codes.labels(CODE_COLUMNS[str(c)], lang)
                col = col.map(lambda v, lab=labels: lab.get(v, v) if isinstance(v, str) else v)
            out[headers.get(str(c), term(str(c), lang))] = _format_column(col, digits)
        return pd.DataFrame(out, columns=list(out)) if out else pd.DataFrame()

    def markdown(self, lang: codes.Lang, digits: int, threshold: int) -> str:
        df = self.display(lang, digits, threshold)
        df = df.rename(columns={c: md_escape(c) for c in df.columns})
        df = df.map(md_escape) if len(df) else df
        return tabulate(df, headers="keys", tablefmt="pipe", showindex=False, disable_numparse=True)

    def latex(self, lang: codes.Lang, digits: int, threshold: int) -> str:
        df = _clean_frame(self.display(lang, digits, threshold))
        df.columns = [clean(c) for c in df.columns]
        body = tabulate(
            df, headers="keys", tablefmt="latex_booktabs", showindex=False, disable_numparse=True
        )
        lines = [
            "\\begin{table}[htbp]",
            "\\centering",
            f"\\caption{{{latex_escape(clean(self.caption))}}}",
            f"\\label{{tab:{self.name}}}",
            body,
        ]
        if self.notes:
            lines.append(
                "\\par\\footnotesize " + " ".join(latex_escape(clean(n)) for n in self.notes)
            )
        lines.append("\\end{table}")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class FigureBlock:
    figure: ReportFigure
    kind: Literal["figure"] = "figure"


Block = Heading | Paragraph | Note | Code | Facts | ReportTable | FigureBlock


@dataclass
class Section:
    """One section of a report: an id (anchor), a title and its blocks in order."""

    id: str
    title: str
    blocks: list[Any] = field(default_factory=list)

    def add(self, *blocks: Any) -> None:
        self.blocks.extend(b for b in blocks if b is not None)

    @property
    def tables(self) -> list[ReportTable]:
        return [b for b in self.blocks if isinstance(b, ReportTable)]

    @property
    def figures(self) -> list[ReportFigure]:
        return [b.figure for b in self.blocks if isinstance(b, FigureBlock)]

    @property
    def notes(self) -> list[Note]:
        return [b for b in self.blocks if isinstance(b, Note)]


# -- formatting -------------------------------------------------------------------------------


def _format_column(col: pd.Series, digits: int) -> pd.Series:
    if pd.api.types.is_bool_dtype(col):
        return col.map(lambda v: "" if _isna(v) else ("ja" if v else "nein"))
    if pd.api.types.is_float_dtype(col):
        vals = col.to_numpy(dtype=float, na_value=np.nan)
        return pd.Series(
            ["" if np.isnan(v) else f"{v:.{digits}f}" for v in vals], index=col.index, dtype=object
        )
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.map(lambda v: "" if _isna(v) else v.strftime("%Y-%m-%d"))
    return col.map(lambda v: "" if _isna(v) else _cell(v)).astype(object)


def _cell(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return f"{v:.6g}"
    return str(v)


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def md_escape(s: Any) -> str:
    """Text safe inside a Markdown table cell (see :func:`evaluation.report.text.md_cell`)."""
    return md_cell(s)


def _clean_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells without control or direction-changing characters (numbers untouched)."""
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out[c] = col.map(lambda v: clean(v) if isinstance(v, str) else v)
    return out


def slug(*parts: Any) -> str:
    """A file-name stem from parts: lower case letters, digits and underscores."""
    text = "_".join(str(p) for p in parts if str(p))
    text = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return text or "item"
