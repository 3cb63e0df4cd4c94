"""The yearly summary with its municipality profiles: one A4 page per profile, the units asked
for, numbers as in the study, no personal data, the same bytes for the same inputs, and the
report's seed in the implementation rates."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from evaluation.cli import main
from evaluation.datasets import synthetic_study
from evaluation.report import render_yearly_summary
from evaluation.study import Study, load_study

YEAR = 2020
PERSON = "Erika Mustermann"
EMAIL = "erika.mustermann@example.org"
CONFIG = {
    "study": {"title": "Testjahr"},
    "report": {"seed": 7, "formats": ["html", "pdf", "markdown", "docx"]},
    "impact": {"indicators": ["childcare_u3", "share_65plus"]},
}


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory) -> Path:
    s = synthetic_study(seed=3, n_audited=12, n_comparison=30)
    t = s.tables
    measures = t["measures"].copy()
    measures["contact_person"] = PERSON
    measures["contact_email"] = EMAIL
    t["measures"] = measures
    d = tmp_path_factory.mktemp("study") / "data"
    Study(**t).save(d)
    return d


@pytest.fixture(scope="module")
def summary(study_dir, tmp_path_factory) -> Path:
    return render_yearly_summary(
        study_dir, YEAR, tmp_path_factory.mktemp("yearly") / "s", config=CONFIG
    )


def _audited(study_dir: Path) -> pd.DataFrame:
    m = load_study(study_dir).municipalities
    return m[m["group"] == "audited"]


def test_every_profile_is_one_a4_page_after_a_two_page_overview(summary, study_dir):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(summary / "summary.pdf")
    texts = [p.extract_text() or "" for p in reader.pages]
    contents = [i for i, t in enumerate(texts) if t.lstrip().startswith("Kommunensteckbriefe")]
    assert len(contents) == 1
    assert contents[0] <= 2, "the overview takes more than two pages"
    audited = _audited(study_dir)
    profiles = texts[contents[0] + 1 :]
    assert len(profiles) == len(audited), "a profile does not fit on one page"
    assert sum("Maßnahmen je Handlungsfeld" in p for p in profiles) >= len(audited) // 2
    for page, name in zip(profiles, audited["name"], strict=True):
        assert page.lstrip().startswith(name)
        assert "Audit-Verlauf" in page and "Indikatoren im Vergleich" in page
    for page in reader.pages[contents[0] + 1 :]:
        assert abs(float(page.mediabox.width) - 595.3) < 1.0  # A4
    # one figure per profile (a PNG inside the self-contained HTML)
    html = (summary / "summary.html").read_text(encoding="utf-8")
    assert html.count('<img src="data:image/png;base64,') == len(audited)


def test_profiles_show_the_study_numbers(summary, study_dir):
    s = load_study(study_dir)
    md = (summary / "summary.md").read_text(encoding="utf-8")
    first = _audited(study_dir).iloc[0]
    block = md.split(f"## {first['name']}\n", 1)[1].split("\n## ", 1)[0]
    a = s.audits[s.audits["municipality_id"] == first["municipality_id"]].iloc[0]
    # dates as German readers write them
    assert pd.Timestamp(a["start_date"]).strftime("%d.%m.%Y") in block
    n_measures = int(
        s.measures.merge(s.goals, on="goal_id").query("audit_id == @a.audit_id").shape[0]
    )
    row = next(line for line in block.splitlines() if line.startswith("| Erst-Audit"))
    assert row.rstrip(" |").split("|")[-1].strip() == str(n_measures)
    # the tidy numbers of every profile are in three CSV files, one row set per unit
    timeline = pd.read_csv(
        summary / "tables" / "profiles_timeline.csv", dtype={"municipality_id": str}
    )
    assert set(timeline["municipality_id"]) == set(_audited(study_dir)["municipality_id"])
    for name in ("profiles_measures", "profiles_indicators"):
        assert (summary / "tables" / f"{name}.csv").is_file()


def test_no_contact_data_anywhere(summary):
    import zipfile

    for p in summary.rglob("*"):
        if p.suffix in (".html", ".md", ".csv", ".tex"):
            text = p.read_text(encoding="utf-8")
            assert PERSON not in text and EMAIL not in text, p.name
    with zipfile.ZipFile(summary / "summary.docx") as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert PERSON not in body and EMAIL not in body


def test_only_the_municipalities_asked_for(study_dir, tmp_path):
    audited = _audited(study_dir)
    wanted = list(audited["municipality_id"].iloc[[3, 1]])
    out = tmp_path / "s"
    argv = ["summary", str(study_dir), "--year", str(YEAR), "--out", str(out), "--quiet"]
    assert main([*argv, "--municipalities", ",".join(wanted)]) == 0
    md = (out / "summary.md").read_text(encoding="utf-8")
    shown = re.findall(r"^## (Synth\S+ \d+)$", md, flags=re.M)
    expected = audited.set_index("municipality_id").loc[wanted[::-1], "name"].tolist()
    assert shown == expected  # in the order of the municipalities table
    # an unknown code is refused before anything is written
    bad = tmp_path / "bad"
    assert main([*argv[:-3], "--out", str(bad), "--municipalities", "01001000"]) == 1
    assert not bad.exists()


def _outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "provenance.json" and p.suffix != ".pdf"
    }


def test_same_inputs_and_seed_give_the_same_bytes(study_dir, tmp_path):
    cfg = {**CONFIG, "report": {**CONFIG["report"], "formats": ["html", "markdown", "docx"]}}
    a = render_yearly_summary(study_dir, YEAR, tmp_path / "a", config=cfg)
    b = render_yearly_summary(study_dir, YEAR, tmp_path / "b", config=cfg)
    fa, fb = _outputs(a), _outputs(b)
    assert any(n.endswith(".png") for n in fa) and "summary.docx" in fa
    assert fa.keys() == fb.keys()
    assert [n for n in fa if fa[n] != fb[n]] == []


def test_the_seed_reaches_the_implementation_rates(study_dir, tmp_path):
    def rates(seed: int, name: str) -> pd.DataFrame:
        cfg = {"report": {"seed": seed, "formats": ["markdown"]}}
        out = render_yearly_summary(study_dir, YEAR, tmp_path / name, config=cfg, profiles=False)
        return pd.read_csv(out / "tables" / "summary_rates.csv")

    a, again, b = rates(7, "a"), rates(7, "a2"), rates(8, "b")
    pd.testing.assert_frame_equal(a, again)
    assert not a["cluster_ci_low"].equals(b["cluster_ci_low"])
    assert a["share"].equals(b["share"])  # the point estimates do not depend on the seed


def test_render_summary_is_a_deprecated_alias(study_dir, tmp_path):
    from evaluation.report import render_summary

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = render_summary(
            study_dir, YEAR, tmp_path / "s", config={"report": {"formats": ["markdown"]}}
        )
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    assert (out / "summary.md").read_text(encoding="utf-8").startswith(f"# Jahresübersicht {YEAR}")
