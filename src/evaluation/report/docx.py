"""Word export (``.docx``) of a report's sections, for administrations that work in Word.

Headings, paragraphs, notes, facts, tables (the same display text as in HTML: labels, the
reader's number format) and figures (as PNG) become their Word counterparts; A4 pages.
Needs python-docx (``pip install 'evaluation[word]'``).

The file is byte-identical for the same inputs: the ZIP entries get a fixed date and the
document properties carry no creation or modification time (dates live only in
``provenance.json``).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import EvaluationError
from ..i18n import Lang
from .document import Code, Facts, FigureBlock, Heading, Note, Paragraph, ReportTable, Section
from .text import clean

#: width of a figure on the page (A4 less the margins), in millimetres
FIGURE_WIDTH_MM = 170
#: the date every entry of the ZIP container gets (the earliest ZIP can store)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _docx() -> Any:
    try:
        import docx
    except ImportError as exc:
        raise EvaluationError(
            "Word output needs python-docx (pip install 'evaluation[word]'), or leave 'docx' "
            "out of report.formats"
        ) from exc
    return docx


def write_docx(
    path: Path,
    *,
    title: str,
    subtitle: str,
    sections: Sequence[Section],
    lang: Lang,
    digits: int,
    threshold: int,
    new_page: Callable[[Section], bool] = lambda s: False,
) -> None:
    """Write ``sections`` as a Word document to ``path``.

    Parameters
    ----------
    path : Path
        The file to write (inside the output's temporary folder).
    title, subtitle : str
        Shown at the top.
    sections : sequence of Section
        The document's sections, each with its blocks.
    lang, digits, threshold
        Language, decimals and small-cell threshold of the tables.
    new_page : callable
        Whether a section starts on a new page.
    """
    docx = _docx()
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc = docx.Document()
    page = doc.sections[0]
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.left_margin = page.right_margin = Mm(18)
    page.top_margin = page.bottom_margin = Mm(16)
    doc.styles["Normal"].font.size = Pt(9.5)
    doc.add_heading(clean(title), level=0)
    if subtitle:
        doc.add_paragraph(clean(subtitle))
    for sec in sections:
        heading = doc.add_heading(clean(sec.title), level=1)
        if new_page(sec):
            heading.paragraph_format.page_break_before = True
        for b in sec.blocks:
            if isinstance(b, Heading):
                doc.add_heading(clean(b.text), level=min(max(b.level - 1, 2), 4))
            elif isinstance(b, Paragraph):
                doc.add_paragraph(clean(b.text))
            elif isinstance(b, Note):
                text = clean(b.text) + (f" “{clean(b.detail)}”" if b.detail else "")
                run = doc.add_paragraph().add_run(text)
                run.italic = True
                run.font.size = Pt(8)
            elif isinstance(b, Facts):
                for k, v in b.items:
                    p = doc.add_paragraph()
                    p.add_run(clean(k) + ": ")
                    p.add_run(clean(v)).bold = True
            elif isinstance(b, Code):
                text = clean(b.text)
                run = doc.add_paragraph().add_run(text)
                run.font.name = "Courier New"
                run.font.size = Pt(7.5)
            elif isinstance(b, ReportTable) and b.show is False:
                run = doc.add_paragraph().add_run(
                    f"{clean(b.caption)}: tables/{b.name}.csv, tables/{b.name}.tex"
                )
                run.italic = True
            elif isinstance(b, ReportTable):
                _table(doc, b, lang, digits, threshold, Pt, WD_ALIGN_PARAGRAPH)
            elif isinstance(b, FigureBlock):
                doc.add_picture(io.BytesIO(b.figure.png), width=Mm(FIGURE_WIDTH_MM))
                cap = doc.add_paragraph().add_run(clean(b.figure.title))
                cap.italic = True
                cap.font.size = Pt(8)
    _no_dates(doc)
    buf = io.BytesIO()
    doc.save(buf)
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _table(doc: Any, t: ReportTable, lang: Lang, digits: int, threshold: int, Pt, align) -> None:
    cap = doc.add_paragraph().add_run(clean(t.caption))
    cap.italic = True
    cap.font.size = Pt(8.5)
    shown = t.display(lang, digits, threshold)
    numeric = [
        c in t.data.columns and str(t.data[c].dtype) in ("int64", "float64", "Int64", "Float64")
        for c in (t.columns or list(t.data.columns))
        if c in t.data.columns
    ]
    table = doc.add_table(rows=len(shown) + 1, cols=len(shown.columns))
    table.style = "Table Grid"
    rows = table.rows
    for j, name in enumerate(shown.columns):
        _cell(rows[0].cells[j], str(name), Pt, bold=True)
    values = shown.astype(str).values.tolist()
    for i, row in enumerate(values, start=1):
        cells = rows[i].cells
        for j, v in enumerate(row):
            right = j < len(numeric) and numeric[j]
            _cell(cells[j], v, Pt, right=right, align=align)
    for n in t.notes:
        note = doc.add_paragraph().add_run(clean(n))
        note.italic = True
        note.font.size = Pt(7.5)


def _cell(cell: Any, text: str, Pt, *, bold: bool = False, right: bool = False, align=None):
    p = cell.paragraphs[0]
    run = p.add_run(clean(text))
    run.font.size = Pt(7.5)
    run.bold = bold
    if right and align is not None:
        p.alignment = align.RIGHT


def _no_dates(doc: Any) -> None:
    """Remove creation and modification dates from the document's properties."""
    props = doc.core_properties
    props.author = props.last_modified_by = "audit-eval"
    props.revision = 1
    element = props._element
    for child in list(element):
        tag = str(child.tag)
        if tag.endswith("}created") or tag.endswith("}modified") or tag.endswith("}lastPrinted"):
            element.remove(child)


def _fixed_zip(data: bytes) -> bytes:
    """The same ZIP container with a fixed date on every entry (byte-identical output)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
