"""Writing reports: HTML (self-contained), PDF (the same HTML, via weasyprint), Markdown, every
table as CSV and LaTeX, every figure as SVG and PNG, the configuration and ``provenance.json``.

Everything is written into a temporary folder beside the target and moved into place at the
end, so an interrupted run leaves no half report (:mod:`evaluation.report.output`). An existing
folder is replaced only with ``force=True``, and only if it holds nothing but an earlier output
of the same kind.

Every text passes :func:`evaluation.report.text.clean` on its way into a file (the templates'
``finalize``), and Markdown gets its own escaping (:func:`evaluation.report.text.md_text`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pandas as pd

from ..errors import EvaluationError
from ..i18n import Lang, Text, plural
from .document import FigureBlock, ReportTable, Section, walk
from .output import MARKER as MARKER
from .output import OutputExistsError as OutputExistsError
from .output import atomic_folder as atomic_folder
from .text import clean, md_fence, md_text

TOC_TITLE = Text("Inhalt", "Contents")
NOTICE = Text("Hinweis", "Note")
DATA = Text("Daten (CSV)", "data (CSV)")
ROW_ONE = Text("{n} Zeile, nur als Datei", "{n} row, as files only")
ROW_MANY = Text("{n} Zeilen, nur als Datei", "{n} rows, as files only")
#: a shown table with more columns than this is laid out in a smaller type
WIDE_COLUMNS = 8


@dataclass
class Document:
    """A report ready to be written: title, sections and what to say up front."""

    kind: str  # "report" or "summary"
    title: str
    subtitle: str
    sections: list[Section]
    lang: Lang
    digits: int
    threshold: int
    notices: tuple[str, ...] = ()
    toc: bool = True
    stem: str = "report"

    @property
    def tables(self) -> list[ReportTable]:
        return [t for s in self.sections for t in s.tables]

    @property
    def figures(self) -> list[Any]:
        return [f for s in self.sections for f in s.figures]


# -- templates -------------------------------------------------------------------------------


def _template_text(name: str) -> str:
    return resources.files("evaluation.report").joinpath("templates", name).read_text("utf-8")


def _finalize(value: Any) -> Any:
    """Every value a template writes: without control or direction-changing characters."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(clean(str(value)))
    return clean(value) if isinstance(value, str) else value


def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_text),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
    )
    env.filters["mdtext"] = md_text
    env.filters["mdinline"] = lambda v: md_text(v, start=False)
    env.filters["fence"] = md_fence
    return env


def _unique_names(doc: Document) -> None:
    seen: dict[str, int] = {}
    for t in doc.tables:
        n = seen.get(t.name, 0)
        seen[t.name] = n + 1
        if n:
            t.name = f"{t.name}_{n + 1}"
    fseen: dict[str, int] = {}
    from dataclasses import replace

    containers = [s.blocks for s in doc.sections] + [
        b.blocks for s in doc.sections for b in walk(s.blocks) if getattr(b, "kind", "") == "group"
    ]
    for blocks in containers:
        for i, b in enumerate(blocks):
            if isinstance(b, FigureBlock):
                n = fseen.get(b.figure.name, 0)
                fseen[b.figure.name] = n + 1
                if n:
                    blocks[i] = replace(
                        b, figure=replace(b.figure, name=f"{b.figure.name}_{n + 1}")
                    )


def _png_uri(fig: Any) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(fig.png).decode("ascii")


def html_text(doc: Document, *, pdf: bool = False) -> str:
    """The HTML of a document: for the screen (inline SVG figures, a navigation that follows
    the reader, foldable details), or with ``pdf`` the leaner page weasyprint lays out (PNG
    figures, no script)."""
    tables = {}
    for t in doc.tables:
        if not t.show or t.figure_data:
            continue
        d = t.display(doc.lang, doc.digits, doc.threshold)
        data = t.published(doc.threshold)
        shown = [c for c in (t.columns or data.columns) if c in data.columns]
        numeric = [pd.api.types.is_numeric_dtype(data[c]) for c in shown]
        tables[t.name] = {
            "columns": list(d.columns),
            "rows": d.astype(str).values.tolist(),
            "numeric": numeric,
            "wide": len(d.columns) > WIDE_COLUMNS,
        }
    tpl = _env(True).get_template("report.html.j2")
    return tpl.render(
        title=doc.title,
        subtitle=doc.subtitle,
        sections=doc.sections,
        tables=tables,
        lang=doc.lang,
        css=_template_text("style.css"),
        notices=doc.notices,
        toc=doc.toc,
        toc_title=TOC_TITLE(doc.lang),
        kind=doc.kind,
        hidden_rows=lambda n: hidden_rows(n, doc.lang),
        pdf=pdf,
        png_uri=_png_uri,
        data_word=DATA(doc.lang),
    )


#: quotation marks around a verbatim message, by the language of the document
QUOTES = {"de": ("„", "“"), "en": ("“", "”")}


def markdown_text(doc: Document) -> str:
    tables = {
        t.name: t.markdown(doc.lang, doc.digits, doc.threshold)
        for t in doc.tables
        if t.show and not t.figure_data
    }
    tpl = _env(False).get_template("report.md.j2")
    text = tpl.render(
        title=doc.title,
        subtitle=doc.subtitle,
        sections=doc.sections,
        markdown_tables=tables,
        notices=doc.notices,
        notice_word=NOTICE(doc.lang),
        hidden_rows=lambda n: hidden_rows(n, doc.lang),
        data_word=DATA(doc.lang),
        quotes=QUOTES[doc.lang],
    )
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text


def hidden_rows(n: int, lang: Lang) -> str:
    """What stands for a table that is only written as files."""
    return plural(n, ROW_ONE, ROW_MANY, lang)


def write_pdf(html: str, path: Path) -> None:
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise EvaluationError(
            "PDF output needs weasyprint (pip install 'evaluation[pdf]'), or leave "
            "'pdf' out of report.formats"
        ) from exc
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string=html, base_url=None).write_pdf(path)


def write_document(
    doc: Document,
    folder: Path,
    formats: Sequence[str],
    step: Callable[[str], None] = lambda s: None,
) -> None:
    """Write a document's files into ``folder`` (which exists and is empty)."""
    _unique_names(doc)
    tdir, fdir = folder / "tables", folder / "figures"
    if doc.tables:
        tdir.mkdir()
    for t in doc.tables:
        _write_text(tdir / f"{t.name}.csv", t.csv(doc.threshold))
        _write_text(tdir / f"{t.name}.tex", t.latex(doc.lang, doc.digits, doc.threshold))
    if doc.figures:
        fdir.mkdir()
    for f in doc.figures:
        _write_text(fdir / f"{f.name}.svg", f.svg)
        (fdir / f"{f.name}.png").write_bytes(f.png)
    write_formats(
        doc,
        folder,
        formats,
        step,
        html_of=html_text,
        markdown_of=markdown_text,
        new_page=lambda sec: sec is not doc.sections[0],
        pdf_html=lambda: html_text(doc, pdf=True),
    )


def write_formats(
    doc: Any,
    folder: Path,
    formats: Sequence[str],
    step: Callable[[str], None],
    *,
    html_of: Callable[[Any], str],
    markdown_of: Callable[[Any], str],
    new_page: Callable[[Any], bool],
    pdf_html: Callable[[], str] | None = None,
) -> None:
    """Write the HTML, Markdown, Word and PDF files of a report or a yearly summary (``doc``
    with ``stem``, ``title``, ``subtitle``, ``sections``, ``lang``, ``digits`` and
    ``threshold``). ``new_page(section)`` says where Word starts a page; ``pdf_html`` gives
    the HTML of the PDF when it differs from the page's."""
    step("render: HTML")
    html = html_of(doc)
    if "html" in formats or "pdf" in formats:
        _write_text(folder / f"{doc.stem}.html", html)
    if "markdown" in formats:
        step("render: Markdown")
        _write_text(folder / f"{doc.stem}.md", markdown_of(doc))
    if "docx" in formats:
        from .docx import write_docx

        step("render: Word")
        write_docx(
            folder / f"{doc.stem}.docx",
            title=doc.title,
            subtitle=doc.subtitle,
            sections=doc.sections,
            lang=doc.lang,
            digits=doc.digits,
            threshold=doc.threshold,
            new_page=new_page,
        )
    if "pdf" in formats:
        step("render: PDF")
        write_pdf(html if pdf_html is None else pdf_html(), folder / f"{doc.stem}.pdf")


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
