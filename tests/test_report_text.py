"""Text from the data cannot inject: Markdown constructs are shown as characters, figure text
is never mathtext, control and direction-changing characters are replaced everywhere.

The Markdown files are checked with an independent CommonMark renderer (markdown-it-py): what
it makes of the report is what a reader's viewer makes of it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evaluation.datasets import synthetic_study
from evaluation.report import render_report, render_summary
from evaluation.study import Study

markdown_it = pytest.importorskip("markdown_it")
REPLACEMENT = "\ufffd"

IMAGE = "![p](http://evil.example/p.png)"
LINK = "[click](http://evil.example/)"
HOSTILE_NAME = f"{IMAGE} Stadt \u202eLIVE\u202c"
HOSTILE_TITLE = f"**fett** _kursiv_ `code` <b>tag</b> {LINK} a|b ~~weg~~ \x1b[31mrot"
# balanced dollars around valid mathtext (matplotlib would draw a Greek letter) and around
# invalid mathtext (matplotlib would raise while drawing)
MATH_LABELS = {"share_65plus": "Anteil $\\alpha_{65+}$", "childcare_u3": "Betreuung $x^{$ je Kind"}
UNSAFE = ("\u202e", "\u202c", "\u2066", "\u200f", "\x1b", "\x00", "\x9b")


def render_md(text: str) -> str:
    return markdown_it.MarkdownIt("commonmark").enable("table").render(text)


# -- the functions, against hand-made expectations -------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("plain text", "plain text"),
        ("a\u202eb\u202cc", f"a{REPLACEMENT}b{REPLACEMENT}c"),
        ("\x1b[31mred", f"{REPLACEMENT}[31mred"),
        ("nul\x00 del\x7f c1\x9b", f"nul{REPLACEMENT} del{REPLACEMENT} c1{REPLACEMENT}"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("windows\r\nmac\rend", "windows\nmac\nend"),
        ("marks \u200e\u200f\u061c isolates \u2066\u2067\u2068\u2069", None),
    ],
)
def test_clean(raw, expected):
    from evaluation.report.text import clean

    got = clean(raw)
    if expected is None:  # every one of them replaced
        assert got == "marks " + REPLACEMENT * 3 + " isolates " + REPLACEMENT * 4
    else:
        assert got == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        (IMAGE, "!\\[p\\](http://evil.example/p.png)"),
        ("**bold** *it*", "\\*\\*bold\\*\\* \\*it\\*"),
        ("_it_ but snake_case", "\\_it\\_ but snake_case"),
        ("`code`", "\\`code\\`"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("# heading", "\\# heading"),
        ("- item", "\\- item"),
        ("2024. Jahr", "2024\\. Jahr"),
        ("a | b", "a \\| b"),
        ("two\nlines", "two lines"),
        ("$x$ and ~~gone~~", "\\$x\\$ and \\~\\~gone\\~\\~"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_md_text(raw, expected):
    from evaluation.report.text import md_text

    assert md_text(raw) == expected


HOSTILE_SAMPLES = [
    IMAGE,
    LINK,
    "<script>alert(1)</script>",
    "**bold** __bold__ *it* _it_",
    "`code` ``more``",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    "---",
    "<http://evil.example/>",
    "[ref]: http://evil.example/",
    "&lt;already&gt; &#60;script&#62;",
    "line one\n# line two\n![x](http://e.x/y.png)",
]


@pytest.mark.parametrize("raw", HOSTILE_SAMPLES)
def test_md_text_renders_as_the_characters(raw):
    from evaluation.report.text import md_cell, md_text

    # as a paragraph and in a table cell: one <p> with the text, nothing else
    html = render_md(md_text(raw) + "\n")
    assert re.fullmatch(r"<p>[^<]*</p>\n", html), html
    for tag in ("<img", "<a ", "<strong", "<em", "<code", "<h1", "<li", "<blockquote", "<hr"):
        assert tag not in html
    table = render_md(f"| h |\n|---|\n| {md_cell(raw)} |\n")
    assert table.count("<td>") == 1 and "<img" not in table and "<a " not in table


def test_count_plural():
    from evaluation.report.text import count

    assert count(1, "auditierte Kommune", "auditierte Kommunen", "de") == "1 auditierte Kommune"
    assert count(2, "auditierte Kommune", "auditierte Kommunen", "de") == "2 auditierte Kommunen"
    assert count(0, "Zeile", "Zeilen", "de") == "0 Zeilen"
    assert count(12345, "Zeile", "Zeilen", "de") == "12.345 Zeilen"
    assert count(12345, "row", "rows", "en") == "12,345 rows"
    assert count(1, "audited unit", "audited units", "en") == "1 audited unit"


# -- whole reports -------------------------------------------------------------------------


SUMMARY_YEAR = 2019


def hostile_study() -> Study:
    s = synthetic_study(seed=4, n_audited=5, n_comparison=8)
    t = dict(s.tables)
    mun = t["municipalities"].copy()
    # the summary names the units certified in its year: one of them gets the hostile name
    a = t["audits"]
    certified = a.loc[a["certification_date"].dt.year == SUMMARY_YEAR, "municipality_id"]
    mun.loc[mun["municipality_id"] == certified.iloc[0], "name"] = HOSTILE_NAME
    t["municipalities"] = mun
    measures = t["measures"].copy()
    measures["title"] = HOSTILE_TITLE
    t["measures"] = measures
    cat = t["indicator_catalogue"].copy()
    for code, label in MATH_LABELS.items():
        cat.loc[cat["indicator"] == code, ["label_de", "label_en"]] = label
    t["indicator_catalogue"] = cat
    return Study(**t)


CONFIG = {
    "study": {"title": f"Bericht {IMAGE} \u2066iso\u2069"},
    "report": {"formats": ["html", "markdown"], "sections": ["data"]},
}
MATH_CONFIG = {
    "report": {"formats": ["markdown"], "sections": ["impact"]},
    "impact": {"indicators": list(MATH_LABELS), "estimators": ["trends"]},
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("hostile-text")
    hostile_study().save(root / "data")
    report = render_report(root / "data", CONFIG, root / "report")
    summary = render_summary(
        root / "data",
        SUMMARY_YEAR,
        root / "summary",
        config={"report": {"formats": ["markdown"]}},
    )
    return report, summary


def _outside_code(html: str) -> str:
    return re.sub(r"<pre>.*?</pre>", "", html, flags=re.S)


def test_markdown_shows_hostile_text_as_text(rendered):
    for folder, stem in zip(rendered, ("report", "summary"), strict=True):
        md = (folder / f"{stem}.md").read_text(encoding="utf-8")
        html = _outside_code(render_md(md))
        # no remote request, no link out, no markup from the data
        assert not re.search(r"<img[^>]+src=\"http", html), stem
        assert "evil.example" not in " ".join(re.findall(r'href="([^"]*)"', html))
        assert "<b>tag</b>" not in html and "<strong>fett</strong>" not in html
        assert "<code>code</code>" not in html
        # ... but the text itself is there, character for character
        assert "![p](http://evil.example/p.png)" in html


def test_table_cells_stay_cells(rendered):
    report, _ = rendered
    md = (report / "report.md").read_text(encoding="utf-8")
    html = render_md(md)
    # the measure titles (with a pipe) are one cell each in the table of frequent titles
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    titles = [r for r in rows if "fett" in r]
    assert titles and all(len(re.findall(r"<td\b", r)) == 3 for r in titles)


def test_no_control_or_direction_characters_anywhere(rendered):
    for folder in rendered:
        for p in folder.rglob("*"):
            if p.is_file() and p.suffix in (".md", ".html", ".csv", ".tex", ".svg", ".json"):
                text = p.read_text(encoding="utf-8")
                found = [repr(c) for c in UNSAFE if c in text]
                assert not found, f"{p.name}: {found}"
    md = (rendered[0] / "report.md").read_text(encoding="utf-8")
    assert f"LIVE{REPLACEMENT}" in md or REPLACEMENT in md


def test_figure_text_is_not_mathtext(rendered):
    import json

    report, _ = rendered
    out = render_report(report.parent / "data", MATH_CONFIG, report.parent / "math")
    for code, label in MATH_LABELS.items():
        svg = (out / "figures" / f"impact_{code}_trends.svg").read_text(encoding="utf-8")
        # the label as written, dollars and backslash kept; no Greek letter in its place
        assert label in svg, code
    assert "\u03b1" not in svg
    rec = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert rec["failures"] == []


def test_the_configuration_copy_is_escaped_but_equal(rendered):
    from evaluation.report import load_config

    report, _ = rendered
    text = (report / "config.toml").read_text(encoding="utf-8")
    assert "\\u2066" in text and "\u2066" not in text
    assert load_config(report / "config.toml").study.title == CONFIG["study"]["title"]


def test_summary_says_one_audited_unit(tmp_path):
    # "für 1 auditierte Kommunen" was the old wording
    s = synthetic_study(seed=2, n_audited=1, n_comparison=5)
    s.save(tmp_path / "data")
    out = render_summary(
        tmp_path / "data", 2018, tmp_path / "s", config={"report": {"formats": ["markdown"]}}
    )
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "für 1 auditierte Kommune." in md
    assert "1 auditierte Kommunen" not in md
