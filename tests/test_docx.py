"""Word export of the yearly summary and its profiles, read back with python-docx."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from evaluation.datasets import synthetic_study
from evaluation.i18n import NNBSP
from evaluation.report import render_report, render_yearly_summary
from evaluation.study import load_study

docx = pytest.importorskip("docx")

YEAR = 2020
CONFIG = {
    "report": {"seed": 3, "formats": ["docx"]},
    "impact": {"indicators": ["childcare_u3"], "estimators": ["trends", "twfe"]},
}


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("docx")
    synthetic_study(seed=4, n_audited=5, n_comparison=25).save(root / "data")
    out = render_yearly_summary(root / "data", YEAR, root / "s", config=CONFIG)
    return root / "data", out


def test_headings_tables_and_figures(made):
    data, out = made
    doc = docx.Document(str(out / "summary.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    audited = load_study(data).municipalities.query("group == 'audited'")
    assert headings[:5] == [
        f"Das Jahr {YEAR}",
        "Audits",
        "Maßnahmen neu umgesetzt",
        "Umsetzungsquoten bis Ende des Jahres",
        "Indikatoren",
    ]
    assert headings[5:] == audited["name"].tolist()  # one heading per profile
    # each profile starts on a new page
    starts = [p for p in doc.paragraphs if p.text in set(audited["name"])]
    assert all(p.paragraph_format.page_break_before for p in starts)
    # the events table: its labels and counts, as in the CSV written beside it
    events = pd.read_csv(out / "tables" / "summary_audits.csv")
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "Ereignis",
        str(YEAR - 1),
        str(YEAR),
        "Veränderung",
    ]
    first = [c.text for c in table.rows[1].cells]
    assert first[0] == "Erst-Audits begonnen"
    assert first[1:3] == [str(events.iloc[0][f"n_{YEAR - 1}"]), str(events.iloc[0][f"n_{YEAR}"])]
    # German numbers: shares as percentages with a narrow space, decimals with a comma
    rates = next(
        t
        for t in doc.tables
        if t.rows[0].cells[0].text == "Handlungsfeld"
        and "Anteil" in [c.text for c in t.rows[0].cells]
    )
    share = [c.text for c in rates.rows[1].cells][3]
    assert re.fullmatch(rf"\d{{1,3}}{NNBSP}%", share), share
    means = next(t for t in doc.tables if t.rows[0].cells[0].text == "Indikator")
    assert re.fullmatch(r"\d+,\d\d", means.rows[1].cells[3].text)
    # the figures: the overview's bar chart and one per profile, as PNG
    assert len(doc.inline_shapes) == 1 + len(audited)
    with zipfile.ZipFile(out / "summary.docx") as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
    assert media and all(n.endswith(".png") for n in media)


def test_no_dates_in_the_document_and_the_same_bytes_again(made, tmp_path):
    data, out = made
    again = render_yearly_summary(data, YEAR, tmp_path / "again", config=CONFIG)
    assert (out / "summary.docx").read_bytes() == (again / "summary.docx").read_bytes()
    with zipfile.ZipFile(out / "summary.docx") as z:
        core = z.read("docProps/core.xml").decode("utf-8")
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "dcterms:created" not in core and "dcterms:modified" not in core


def test_the_full_report_in_word_too(made, tmp_path):
    data, _ = made
    cfg = {**CONFIG, "report": {**CONFIG["report"], "sections": ["data", "impact"]}}
    out = render_report(data, cfg, tmp_path / "r")
    doc = docx.Document(str(out / "report.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:1] == ["Die Daten"] and "Wirkung auf die Indikatoren" in headings
    assert len(doc.tables) > 2 and len(doc.inline_shapes) >= 1


def test_preformatted_text_in_word(tmp_path):
    # a block of preformatted text (the configuration in the appendix) is written verbatim
    # in a fixed-width font; it has no quoted message of its own
    from evaluation.report.document import Code, Section
    from evaluation.report.docx import write_docx

    sec = Section("config", "Konfiguration", [Code('[impact]\nindicators = ["childcare_u3"]')])
    path = tmp_path / "code.docx"
    write_docx(path, title="T", subtitle="", sections=[sec], lang="de", digits=2, threshold=0)
    runs = [r for p in docx.Document(str(path)).paragraphs for r in p.runs]
    code = [r for r in runs if r.font.name == "Courier New"]
    assert [r.text for r in code] == ['[impact]\nindicators = ["childcare_u3"]']
