"""The parts a report is made of: sections of blocks (headings, text, notes, tables, figures).

Sections are built from analysis results and rendered by :mod:`evaluation.report.render` to
HTML, PDF and Markdown. Tables keep their tidy data (English column codes, raw values) for the
CSV files and are formatted for display (labels in the report's language, fixed decimals) for
HTML, Markdown and LaTeX. Personal-data columns are dropped when a table is made, and counts below
the small-cell threshold are suppressed in every published form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from tabulate import tabulate

from ..i18n import TERMS, Lang, Text, number, percent, term, tr
from ..results import latex_escape
from ..results.summary import format_frame, label_codes
from ..staggered.heterogeneity import HALF as HALF_LABELS
from ..study.schema import PERSONAL_COLUMNS
from .figures import ReportFigure
from .text import clean, md_cell
from .text import md_text as md_text

PERSONAL: frozenset[str] = frozenset(c for cols in PERSONAL_COLUMNS.values() for c in cols)
MAX_SHOWN_ROWS = 40
#: columns that count units or people in the report's own tables (results name theirs in
#: ``count_columns``); counts below the small-cell threshold are suppressed in these
COUNT_COLUMNS: frozenset[str] = frozenset(
    {
        "n_units",
        "n_reaudited",
        "n_audited",
        "n_comparison",
        "n_total",
        "n_values",
        "n_measures",
        "n_success",
        "n_problems",
        "n_treated_units",
        "n_comparison_units",
        "n_treated",
        "n_control",
        "n_municipalities",
        "n_at_risk",
        "n_events",
        "n_censored",
        "count",
        "n",
    }
)
#: codes that results give as values (of facts and of table cells), and their labels
VALUE_LABELS: dict[str, Text] = {
    "implemented": Text("umgesetzt", "implemented"),
    "at_least_partial": Text("mindestens teilweise umgesetzt", "at least partially implemented"),
    "not_implemented": Text("nicht umgesetzt", "not implemented"),
    "end": Text("Ende der Umsetzungsphase", "end of the implementation phase"),
    "latest": Text("letzter Bericht", "latest report"),
    "status": Text("Status der Maßnahme", "status of the measure"),
    "gee": Text("GEE (Kommune als Cluster)", "GEE (municipality as cluster)"),
    "gee_sandwich_logit": Text("GEE, logistisch", "GEE, logistic"),
    "never_treated": Text("nie behandelt", "never treated"),
    "not_yet_treated": Text("noch nicht behandelt", "not yet treated"),
    "varying": Text("variierend", "varying"),
    "universal": Text("fest", "universal"),
    "dr": Text("doppelt robust", "doubly robust"),
    "ipw": Text("inverse Wahrscheinlichkeitsgewichte", "inverse probability weighting"),
    "reg": Text("Regression", "regression"),
    "approx": Text("Normalapproximation", "normal approximation"),
    "exact": Text("exakt", "exact"),
    "wilson": Text("Wilson", "Wilson"),
    "wilson_interval": Text("Wilson", "Wilson"),
    "cluster_bootstrap_percentile": Text(
        "Cluster-Bootstrap (Perzentil)", "cluster bootstrap (percentile)"
    ),
    "fisher": Text("exakter Test nach Fisher", "Fisher's exact test"),
    "fisher_exact": Text("exakter Test nach Fisher", "Fisher's exact test"),
    "holm": Text("Holm", "Holm"),
    "simulated": Text("Monte-Carlo", "Monte Carlo"),
    "odds_ratio": Text("Odds Ratio", "odds ratio"),
    "marginal_effect": Text("Marginaleffekt", "marginal effect"),
    "hazard_ratio": Text("Hazard Ratio", "hazard ratio"),
    "effect": Text("Effekt", "effect"),
    "overall": Text("gesamt", "overall"),
    "post": Text("nach Beginn", "after onset"),
    # the groups of heterogeneity(groups="half"): the labels the result itself carries
    **HALF_LABELS,
    "True": Text("ja", "yes"),
    "False": Text("nein", "no"),
}
#: columns whose text values may be codes (labelled with VALUE_LABELS and code lists)
VALUE_COLUMNS = frozenset(
    {
        "term",
        "quantity",
        "ci_method",
        "cluster_ci_method",
        "method",
        "wilcoxon_method",
        "test",
        "type",
        "reason",
        "group",
    }
)
_FACTOR = re.compile(r"^([a-z_]+)\[([A-Za-z0-9_]+)\]$")


def value_label(column: str, value: Any, lang: Lang) -> Any:
    """The label of a code shown in a table cell: ``odds_ratio`` -> "Odds Ratio",
    ``action_field[work_family]`` -> "Handlungsfeld: Familie und Arbeitswelt"."""
    if not isinstance(value, str):
        return value
    if value in VALUE_LABELS:
        return VALUE_LABELS[value](lang)
    m = _FACTOR.match(value)
    if m:
        from ..results.summary import value_label as code_label

        return f"{term(m.group(1), lang)}: {code_label(m.group(1), m.group(2), lang)}"
    if column in ("term", "quantity") and value in TERMS:
        return TERMS[value](lang)
    return value


#: columns that hold calendar years or report numbers: written without thousands separator
YEAR_COLUMNS: frozenset[str] = frozenset(
    {
        "year",
        "cohort",
        "time",
        "first_year",
        "last_year",
        "report_year",
        "as_of",
        "from_report",
        "to_report",
    }
)
#: columns that hold shares (0-1): shown as percentages wherever a person reads them
SHARE_COLUMN = re.compile(r"^(share|share_.+|.+_share|cumulative_share|survival)$")


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
    """A remark: ``info`` (from an estimator), ``missing`` (module not available) or ``error``.

    ``detail`` is a verbatim message of the package (an error message, always in English),
    shown after the text as a quotation marked as English, so that a German report says in
    German what failed and still quotes the message a user can search for.
    """

    text: str
    level: Literal["info", "missing", "error"] = "info"
    kind: Literal["note"] = "note"
    detail: str = ""


@dataclass(frozen=True)
class Code:
    """Preformatted text (e.g. the configuration)."""

    text: str
    kind: Literal["code"] = "code"


@dataclass(frozen=True)
class Facts:
    items: tuple[tuple[str, str], ...]
    kind: Literal["facts"] = "facts"


#: columns that hold p-values (shown as "< 0,001" below the smallest number the digits show)
P_COLUMN = re.compile(r"^p_(value|holm|adjusted)(_.*)?$")


def _p_text(v: Any, lang: Lang, digits: int) -> str:
    if pd.isna(v):
        return ""
    floor = 10.0 ** -max(digits, 1)
    return f"< {number(floor, lang, max(digits, 1))}" if 0 <= v < floor else number(v, lang, digits)


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
    #: display headers for columns (instead of the labels of :data:`evaluation.i18n.TERMS`)
    headers: Mapping[str, Text | str] | None = None
    #: columns that count units or people (small-cell suppression); with the report's own
    #: :data:`COUNT_COLUMNS`
    count_columns: tuple[str, ...] = ()
    #: further columns that hold shares (shown as percentages), besides :data:`SHARE_COLUMN`
    percent_columns: tuple[str, ...] = ()
    #: the data of a figure (linked under the figure, not listed as a table)
    figure_data: bool = False
    #: display labels of a result's own codes, per column (``{column: {code: Text}}``)
    value_labels: Mapping[str, Mapping[Any, Any]] | None = None
    kind: Literal["table"] = "table"
    #: the displayed text per (language, digits, threshold): every format shows the same
    #: cells, so they are formatted once
    _shown: dict[tuple[str, int, int], pd.DataFrame] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

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
        counted = COUNT_COLUMNS | set(self.count_columns)
        for c in df.columns:
            if str(c) in counted and pd.api.types.is_numeric_dtype(df[c]):
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

    def display(self, lang: Lang, digits: int, threshold: int) -> pd.DataFrame:
        """Text cells in the report's language: labels for codes and columns, the reader's
        number format (:func:`evaluation.results.summary.format_frame`), shares as
        percentages."""
        key = (lang, digits, threshold)
        if key not in self._shown:
            self._shown[key] = self._display(lang, digits, threshold)
        return self._shown[key].copy()

    def _display(self, lang: Lang, digits: int, threshold: int) -> pd.DataFrame:
        df = self.published(threshold)
        if self.columns is not None:
            df = df[[c for c in self.columns if c in df.columns]]
        shares = [
            c
            for c in df.columns
            if (SHARE_COLUMN.match(str(c)) or str(c) in self.percent_columns)
            and pd.api.types.is_float_dtype(df[c])
        ]
        labelled = label_codes(df, lang)
        for c, labels in (self.value_labels or {}).items():
            if c in labelled.columns and not pd.api.types.is_numeric_dtype(labelled[c]):
                labelled[c] = [tr(labels[v], lang) if v in labels else v for v in labelled[c]]
        for c in labelled.columns:
            if str(c) in VALUE_COLUMNS and not pd.api.types.is_numeric_dtype(labelled[c]):
                labelled[c] = pd.Series(
                    [value_label(str(c), v, lang) for v in labelled[c].tolist()],
                    index=labelled.index,
                    dtype=object,
                )
        text = format_frame(labelled, lang, digits)
        for c in shares:
            text[c] = [percent(v, lang) if pd.notna(v) else "" for v in df[c].tolist()]
        for c in df.columns:
            if P_COLUMN.match(str(c)) and pd.api.types.is_float_dtype(df[c]):
                text[c] = [_p_text(v, lang, digits) for v in df[c].tolist()]
            if str(c) in YEAR_COLUMNS and pd.api.types.is_numeric_dtype(df[c]):
                text[c] = [str(int(v)) if pd.notna(v) else "" for v in df[c].tolist()]
            if pd.api.types.is_bool_dtype(df[c]):
                text[c] = [_yes_no(v, lang) for v in df[c].tolist()]
        headers = self.headers or {}
        text.columns = [
            tr(h, lang) if (h := headers.get(str(c))) is not None else term(str(c), lang)
            for c in df.columns
        ]
        return text.reset_index(drop=True)

    def markdown(self, lang: Lang, digits: int, threshold: int) -> str:
        df = self.display(lang, digits, threshold)
        df = df.rename(columns={c: md_escape(c) for c in df.columns})
        df = df.map(md_escape) if len(df) else df
        return tabulate(df, headers="keys", tablefmt="pipe", showindex=False, disable_numparse=True)

    def latex(self, lang: Lang, digits: int, threshold: int) -> str:
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
    """A figure; ``data`` names the table of its data (``tables/<data>.csv``)."""

    figure: ReportFigure
    data: str | None = None
    kind: Literal["figure"] = "figure"


@dataclass
class Group:
    """Blocks under a title that a reader can fold away (HTML ``<details>``): the detail of
    one indicator in the appendix."""

    id: str
    title: str
    blocks: list[Any] = field(default_factory=list)
    kind: Literal["group"] = "group"

    def add(self, *blocks: Any) -> None:
        self.blocks.extend(b for b in blocks if b is not None)


Block = Heading | Paragraph | Note | Code | Facts | ReportTable | FigureBlock | Group


def walk(blocks: list[Any]) -> list[Any]:
    """Every block, with the blocks inside groups, in order."""
    out: list[Any] = []
    for b in blocks:
        out.append(b)
        if isinstance(b, Group):
            out += walk(b.blocks)
    return out


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
        return [b for b in walk(self.blocks) if isinstance(b, ReportTable)]

    @property
    def figures(self) -> list[ReportFigure]:
        return [b.figure for b in walk(self.blocks) if isinstance(b, FigureBlock)]

    @property
    def notes(self) -> list[Note]:
        return [b for b in walk(self.blocks) if isinstance(b, Note)]


# -- formatting -------------------------------------------------------------------------------


YES_NO = {True: ("ja", "yes"), False: ("nein", "no")}


def _yes_no(v: Any, lang: Lang) -> str:
    if _isna(v):
        return ""
    return Text(*YES_NO[bool(v)])(lang)


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
