"""The full report and the yearly summary on a small synthetic study: sections, formats,
byte-identical re-runs, escaping, personal data, atomic writing, the PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from evaluation.datasets import synthetic_study
from evaluation.errors import ConfigError
from evaluation.report import OutputExistsError, render_report, render_yearly_summary
from evaluation.report.provenance import DETERMINISTIC_SUFFIXES
from evaluation.study import Study

HOSTILE = "<script>alert(1)</script>"
PERSON = "Erika Mustermann"
EMAIL = "erika.mustermann@example.org"
SUMMARY_YEAR = 2020

CONFIG = {
    "study": {"title": "Test <b>report</b>"},
    "report": {"seed": 7, "formats": ["html", "pdf", "markdown"]},
    "impact": {
        "indicators": ["childcare_u3"],
        "estimators": ["trends", "before_after", "twfe", "event_study", "att_gt", "bacon"],
        "robustness": {"randomization_draws": 19},
    },
}


def hostile_study() -> Study:
    """A small synthetic study with a hostile measure title, a hostile municipality name and
    personal data in the contact columns."""
    s = synthetic_study(seed=3, n_audited=12, n_comparison=30)
    t = s.tables
    goals = t["goals"]
    steering = set(goals.loc[goals["action_field"] == "steering", "goal_id"])
    measures = t["measures"].copy()
    measures.loc[measures["goal_id"].isin(steering), "title"] = HOSTILE
    measures["contact_person"] = PERSON
    measures["contact_email"] = EMAIL
    t["measures"] = measures
    a = t["audits"]
    certified = a.loc[pd.to_datetime(a["certification_date"]).dt.year == SUMMARY_YEAR]
    mun = t["municipalities"].copy()
    target = certified["municipality_id"].iloc[0]
    mun.loc[mun["municipality_id"] == target, "name"] = HOSTILE
    t["municipalities"] = mun
    return Study(**t)


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("study") / "data"
    hostile_study().save(d)
    return d


@pytest.fixture(scope="module")
def reports(study_dir: Path, tmp_path_factory) -> tuple[Path, Path]:
    """The same report rendered twice (the second time without the PDF, which is not
    compared: the other files do not depend on it)."""
    root = tmp_path_factory.mktemp("reports")
    a = render_report(study_dir, CONFIG, root / "a")
    b = render_report(study_dir, CONFIG, root / "b", formats=["html", "markdown"])
    return a, b


@pytest.fixture(scope="module")
def summary(study_dir: Path, tmp_path_factory) -> Path:
    return render_yearly_summary(
        study_dir, SUMMARY_YEAR, tmp_path_factory.mktemp("summary") / "s", config=CONFIG
    )


def _files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}


def _all_text(folder: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in (*DETERMINISTIC_SUFFIXES, ".json")
    )


# -- contents ----------------------------------------------------------------------------------


def test_sections_present_and_not_empty(reports):
    a, _ = reports
    html = (a / "report.html").read_text(encoding="utf-8")
    sections = (
        "findings",
        "data",
        "implementation",
        "impact",
        "implementation_impact",
        "methods",
        "details",
        "provenance",
    )
    for sid in sections:
        m = re.search(rf'<section id="{sid}"[^>]*>(.*?)</section>', html, re.S)
        assert m is not None, f"section {sid} missing"
        body = m.group(1)
        assert len(re.sub(r"<[^>]+>", "", body).split()) > 30, f"section {sid} nearly empty"
    # the data and impact sections carry tables and figures
    for sid in ("data", "impact"):
        body = re.search(rf'<section id="{sid}".*?</section>', html, re.S).group(0)
        assert "<table id=" in body and "<svg" in body
    md = (a / "report.md").read_text(encoding="utf-8")
    assert md.count("\n## ") == 8


def test_every_table_and_figure_in_every_format(reports):
    a, _ = reports
    files = _files(a)
    csvs = {n[len("tables/") : -4] for n in files if n.endswith(".csv")}
    texs = {n[len("tables/") : -4] for n in files if n.endswith(".tex")}
    svgs = {n[len("figures/") : -4] for n in files if n.endswith(".svg")}
    pngs = {n[len("figures/") : -4] for n in files if n.endswith(".png")}
    assert csvs and csvs == texs
    assert svgs and svgs == pngs
    assert {"report.html", "report.md", "report.pdf", "config.toml", "provenance.json"} <= set(
        files
    )
    for name in ("impact_childcare_u3_att_dynamic", "impact_childcare_u3_twfe", "data_cohorts"):
        assert name in csvs
    assert "data_timing" in svgs and "impact_childcare_u3_att_dynamic" in svgs
    # a CSV table holds the tidy data: the same cohorts as the study
    cohorts = pd.read_csv(a / "tables" / "data_cohorts.csv")
    assert int(cohorts["n_units"].sum()) == 12


def test_figures_have_titles_and_alt_text(reports):
    a, _ = reports
    html = (a / "report.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure id="fig-[^"]+" role="img" aria-label="([^"]*)">', html)
    assert figures and all(len(alt) > 10 for alt in figures)
    assert html.count("<figcaption>") == len(figures)
    svg = (a / "figures" / "data_timing.svg").read_text(encoding="utf-8")
    assert re.search(r"<title>[^<]{10,}</title>", svg)


def test_html_is_self_contained(reports):
    a, _ = reports
    html = (a / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "url(http" not in html and "<link" not in html and "@import" not in html
    assert "<style>" in html
    assert 'font-family: "DejaVu Sans"' in html  # the style sheet is inlined, not escaped


def test_two_runs_are_byte_identical(reports):
    a, b = reports
    fa = {n: p for n, p in _files(a).items() if p.suffix in DETERMINISTIC_SUFFIXES}
    fb = {n: p for n, p in _files(b).items() if p.suffix in DETERMINISTIC_SUFFIXES}
    assert set(fa) == set(fb)
    assert len(fa) > 20
    assert not (b / "report.pdf").exists()
    different = [n for n in sorted(fa) if fa[n].read_bytes() != fb[n].read_bytes()]
    assert different == []


def test_dates_only_in_provenance(reports):
    a, _ = reports
    import datetime

    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    for name, p in _files(a).items():
        if p.suffix in DETERMINISTIC_SUFFIXES:
            assert today not in p.read_text(encoding="utf-8"), name
    assert today in (a / "provenance.json").read_text(encoding="utf-8")


def test_hostile_strings_are_shown_as_text(reports, summary):
    a, _ = reports
    for folder, stem in ((a, "report"), (summary, "summary")):
        html = (folder / f"{stem}.html").read_text(encoding="utf-8")
        assert HOSTILE not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        # the only script is the report's own navigation (no script from the data)
        assert html.lower().count("<script") == (1 if stem == "report" else 0)
        md = (folder / f"{stem}.md").read_text(encoding="utf-8")
        assert HOSTILE not in md and "&lt;script&gt;" in md
    html = (a / "report.html").read_text(encoding="utf-8")
    assert "Test &lt;b&gt;report&lt;/b&gt;" in html
    tex = "".join(p.read_text(encoding="utf-8") for p in (a / "tables").glob("*.tex"))
    assert HOSTILE not in tex and "script" in tex


def test_personal_data_never_appears(reports, summary):
    a, _ = reports
    for folder in (a, summary):
        text = _all_text(folder)
        assert PERSON not in text and EMAIL not in text
        for col in ("contact_person", "contact_email"):
            assert col not in text


# -- provenance --------------------------------------------------------------------------------


def test_provenance_record(reports, study_dir):
    import json

    from evaluation.report.provenance import sha256_file

    a, _ = reports
    rec = json.loads((a / "provenance.json").read_text(encoding="utf-8"))
    names = {i["name"]: i["sha256"] for i in rec["inputs"]}
    assert names["indicators.csv"] == sha256_file(study_dir / "indicators.csv")
    assert "datapackage.json" in names
    assert rec["seed"] == 7
    assert rec["config"]["content"]["impact"]["indicators"] == ["childcare_u3"]
    assert rec["environment"]["dependencies"]["pandas"] == pd.__version__
    assert rec["outputs"]["report.md"] == sha256_file(a / "report.md")
    assert (a / rec["study"]["path"]).resolve() == study_dir.resolve()
    assert re.match(r"\d{4}-\d\d-\d\dT", rec["created"])


# -- the PDF -----------------------------------------------------------------------------------


def test_pdf_pages_and_not_blank(reports):
    pypdf = pytest.importorskip("pypdf")
    a, _ = reports
    reader = pypdf.PdfReader(a / "report.pdf")
    n = len(reader.pages)
    # every section starts on a new page; the report is long but not absurd
    assert 5 <= n <= 60
    texts = [page.extract_text() or "" for page in reader.pages]
    assert "Test <b>report</b>" in texts[0]
    assert all(len(t.split()) > 5 for t in texts), "a blank page"
    width = float(reader.pages[0].mediabox.width)
    assert abs(width - 595.3) < 1.0  # A4


def test_summary_two_pages_at_most(summary):
    """The overview of the year takes two pages at most; the profiles follow, after a page
    listing them, one page each."""
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(summary / "summary.pdf")
    texts = [p.extract_text() or "" for p in reader.pages]
    contents = next(i for i, t in enumerate(texts) if t.lstrip().startswith("Kommunensteckbriefe"))
    assert 1 <= contents <= 2
    assert len(texts) == contents + 1 + 12  # twelve audited units
    assert str(SUMMARY_YEAR) in " ".join(texts[:contents])


def test_summary_contents(summary, study_dir):
    from evaluation.study import load_study

    md = (summary / "summary.md").read_text(encoding="utf-8")
    assert f"# Jahresübersicht {SUMMARY_YEAR}" in md
    events = pd.read_csv(summary / "tables" / "summary_audits.csv")
    s = load_study(study_dir)
    a = s.audits
    certified = int(
        (
            (pd.to_datetime(a["certification_date"]).dt.year == SUMMARY_YEAR) & (a["cycle"] == 1)
        ).sum()
    )
    row = events.set_index("event").loc["Erst-Audits zertifiziert"]
    assert int(row[f"n_{SUMMARY_YEAR}"]) == certified
    assert int(row["change"]) == int(row[f"n_{SUMMARY_YEAR}"]) - int(row[f"n_{SUMMARY_YEAR - 1}"])


# -- safety --------------------------------------------------------------------------------------


LIGHT = {
    "report": {"formats": ["markdown"], "sections": ["data", "impact"]},
    "impact": {"indicators": ["share_65plus"], "estimators": ["trends", "twfe"]},
}


def test_refuses_to_overwrite(study_dir, tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    # a folder that holds no report is not replaced, with or without force
    for force in (False, True):
        with pytest.raises(OutputExistsError, match="not written by audit-eval"):
            render_report(study_dir, LIGHT, out, force=force)
    assert (out / "keep.txt").read_text() == "mine"
    out2 = tmp_path / "r2"
    render_report(study_dir, LIGHT, out2)
    with pytest.raises(OutputExistsError, match="force=True"):
        render_report(study_dir, LIGHT, out2)
    # an earlier report with a file of the user inside: refused, naming the file
    (out2 / "extra.txt").write_text("mine")
    with pytest.raises(OutputExistsError, match=r"did not write \(extra\.txt\)"):
        render_report(study_dir, LIGHT, out2, force=True)
    assert (out2 / "extra.txt").read_text() == "mine"
    # a committed reference rendering lacks some of the files its marker lists: replaceable
    (out2 / "extra.txt").unlink()
    (out2 / "provenance.json").unlink()
    render_report(study_dir, LIGHT, out2, force=True)
    assert (out2 / "provenance.json").is_file() and (out2 / "report.md").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r", "r2"]  # no lock, no temp left


def test_interrupted_run_leaves_no_folder(study_dir, tmp_path, monkeypatch):
    from evaluation.report.sections import impact

    def boom(ctx):
        raise KeyboardInterrupt("simulated interruption in the middle of the report")

    monkeypatch.setattr(impact, "build", boom)
    out = tmp_path / "r"
    with pytest.raises(KeyboardInterrupt):
        render_report(study_dir, LIGHT, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary folder left behind either


def test_input_study_is_not_modified(study_dir, reports):
    from evaluation.report.provenance import describe_inputs

    a, _ = reports
    import json

    rec = json.loads((a / "provenance.json").read_text(encoding="utf-8"))
    assert describe_inputs(study_dir) == rec["inputs"]


def test_unknown_indicator_is_rejected(study_dir, tmp_path):
    cfg = {"impact": {"indicators": ["childcare_u3", "no_such_indicator"]}}
    with pytest.raises(ConfigError, match=r"impact\.indicators\[1\].*no_such_indicator"):
        render_report(study_dir, cfg, tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_unknown_key_is_rejected(study_dir, tmp_path):
    with pytest.raises(ConfigError, match="impact.estimator"):
        render_report(study_dir, {"impact": {"estimator": ["twfe"]}}, tmp_path / "r")


def test_a_failing_analysis_is_a_note_and_recorded(study_dir, tmp_path, monkeypatch):
    """The analyses are imported directly (no module can be "missing"); one that fails
    leaves a note in the report and is listed in provenance.json's failed analyses."""
    from evaluation.errors import DataError
    from evaluation.report import analyses

    def broken(*args, **kwargs):
        raise DataError("deliberately broken for the test")

    monkeypatch.setattr(analyses, "twfe", broken)
    out = render_report(study_dir, LIGHT, tmp_path / "r")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "deliberately broken for the test" in md and "konnte nicht berechnet werden" in md
    import json

    rec = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert any("deliberately broken" in m for m in rec["failed_analyses"])
    assert rec["missing"] == []


def test_small_cell_suppression(study_dir, tmp_path):
    cfg = {**LIGHT, "report": {**LIGHT["report"], "small_cell_threshold": 5}}
    out = render_report(study_dir, cfg, tmp_path / "r")
    cohorts = pd.read_csv(out / "tables" / "data_cohorts.csv", dtype=str)
    # 12 audited units over 2010-2021: every cohort has fewer than 5 units
    assert set(cohorts["n_units"]) == {"<5"}
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "&lt;5" in md


def test_the_methods_appendix_lists_only_the_methods_that_ran(study_dir, tmp_path):
    """The methods appendix describes the designs that ran, not those of the package."""
    from evaluation.report.sections.appendix import METHODS

    cfg = {
        "report": {"formats": ["markdown"], "sections": ["impact", "methods"]},
        "impact": {"indicators": ["share_65plus"], "estimators": ["trends", "twfe"]},
    }
    md = (render_report(study_dir, cfg, tmp_path / "r") / "report.md").read_text("utf-8")
    methods = md[md.index("## Anhang: Methoden") :]
    assert METHODS["twfe"][0].de in methods
    for absent in ("att_gt", "event_study", "sun_abraham", "before_after", "implementation"):
        assert METHODS[absent][0].de not in methods, absent
