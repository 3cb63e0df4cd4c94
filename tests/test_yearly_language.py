"""One language per yearly summary: the German summary and its profiles hold no English word,
no raw code and no English number; the English one no German word.

Checked on everything a reader sees: the Markdown, the visible text of the HTML (tags and the
embedded figures removed) and the text of the Word document. The word lists are kept here; a
municipality name or an indicator label of the study is data and not checked.
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest

from evaluation import codes
from evaluation.datasets import synthetic_study
from evaluation.report import render_yearly_summary

YEAR = 2021

#: English words that have no place in a German summary
ENGLISH = (
    "the", "and", "of", "with", "to", "by", "measure", "measures", "implemented", "partly",
    "discontinued", "planned", "progress", "municipality", "municipalities", "comparison",
    "indicator", "indicators", "share", "change", "cycle", "certified", "certification",
    "annual", "report", "level", "district", "scheduled", "middle", "half", "within", "below",
    "above", "residents", "code", "first", "started", "ended", "events", "rates", "mean",
    "difference", "unit", "units", "year", "overview", "profile", "profiles", "audit timeline",
    "target agreement", "per",
)  # fmt: skip
#: German words that have no place in an English summary
GERMAN = (
    "und", "der", "die", "das", "im", "mit", "von", "bis", "je", "Maßnahme", "Maßnahmen",
    "umgesetzt", "teilweise", "eingestellt", "Kommune", "Kommunen", "Vergleich",
    "Handlungsfeld", "Jahresbericht", "Zertifizierung", "zertifiziert", "vorgesehen",
    "Einwohner", "Gemeindeschlüssel", "Ziele", "Zyklus", "Beginn", "Anteil", "Indikator",
    "Veränderung", "Basisjahr", "Lage", "innerhalb", "oberhalb", "unterhalb", "Jahr",
    "Erst-Audit", "Steckbrief", "Kommunensteckbriefe", "Gemeinde", "Kreis",
)  # fmt: skip
#: codes that must be shown by their labels
RAW_CODES = (
    *codes.STATUS_CODES,
    *codes.ACTION_FIELD_CODES,
    *codes.LEVEL_CODES,
    *codes.GROUP_CODES,
    "childcare_u3", "births_per_1000_women", "family_net_migration", "sgb2_children",
    "share_65plus", "cluster_bootstrap_percentile", "wilson", "nan", "NaN", "None", "NaT",
    "below", "within", "above", "n_measures", "report_year",
)  # fmt: skip
#: the codes that cannot be English words of the text
ENGLISH_CODES = tuple(
    c for c in RAW_CODES if "_" in c or c in ("gemeinde", "kreis", "nan", "NaN", "None", "NaT")
)
#: a number with a decimal point (an English number: German writes a comma)
ENGLISH_DECIMAL = re.compile(r"(?<![\d.,])\d+\.\d{1,2}(?![\d.,])")
#: a number with a decimal comma (a German number in an English text)
GERMAN_DECIMAL = re.compile(r"(?<![\d.,])\d+,\d{1,2}(?![\d.,])")
INDICATORS = ["childcare_u3", "births_per_1000_women", "sgb2_children"]


def _visible_text(folder: Path) -> dict[str, str]:
    docx = pytest.importorskip("docx")
    md = (folder / "summary.md").read_text(encoding="utf-8")
    md = re.sub(r"\]\((tables|figures)/[^)]*\)", "]", md)  # file links are not words
    md = md.replace("[CSV]", "").replace("[LaTeX]", "")
    page = (folder / "summary.html").read_text(encoding="utf-8")
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    doc = docx.Document(str(folder / "summary.docx"))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    word = "\n".join([p.text for p in doc.paragraphs] + cells)
    return {"markdown": md, "html": html_lib.unescape(page), "docx": word}


def _words(text: str, words: tuple[str, ...], *, case: bool) -> list[str]:
    flags = 0 if case else re.I
    found = []
    for w in words:
        if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, flags):
            found.append(w)
    return found


def _data_words(folder: Path) -> str:
    """The names of the study's units: data, not words of the summary."""
    from evaluation.study import load_study

    m = load_study(folder).municipalities
    return "|".join(re.escape(str(n)) for n in m["name"])


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    root = tmp_path_factory.mktemp("language")
    data = root / "data"
    synthetic_study(seed=5, n_audited=10, n_comparison=40).save(data)
    out = {}
    for lang, title in (("de", "Jahresübersicht der Teststudie"), ("en", "Test study")):
        cfg = {
            "study": {"title": title},
            "report": {"language": lang, "formats": ["html", "markdown", "docx"]},
            "impact": {"indicators": INDICATORS},
        }
        out[lang] = (data, render_yearly_summary(data, YEAR, root / lang, config=cfg))
    return out


@pytest.mark.parametrize("form", ["markdown", "html", "docx"])
def test_the_german_summary_is_german(rendered, form):
    data, folder = rendered["de"]
    text = re.sub(_data_words(data), " ", _visible_text(folder)[form])
    assert _words(text, ENGLISH, case=False) == []
    assert _words(text, RAW_CODES, case=True) == []
    assert ENGLISH_DECIMAL.findall(text) == []
    assert not re.search(r"\d%", text), "German writes a space before %"
    assert text.count("Audit-Verlauf") >= 10  # the profiles were checked too


@pytest.mark.parametrize("form", ["markdown", "html", "docx"])
def test_the_english_summary_is_english(rendered, form):
    data, folder = rendered["en"]
    text = re.sub(_data_words(data), " ", _visible_text(folder)[form])
    assert _words(text, GERMAN, case=True) == []
    assert _words(text, ENGLISH_CODES, case=True) == []
    assert GERMAN_DECIMAL.findall(text) == []
    assert text.count("Audit timeline") >= 10
