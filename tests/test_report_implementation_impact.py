"""The report section "implementation and impact" (Umsetzung und Wirkung): the impact-logic
table, intensity per field, effects by intensity group with the test, the dose-response curve
and the exit analysis, in German and English; skipped with a note without linked fields."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evaluation.datasets import synthetic_study
from evaluation.report import render_report
from evaluation.study.model import Study

INDICATORS = ["childcare_u3", "share_65plus"]


def _config(lang: str) -> dict:
    return {
        "report": {
            "language": lang,
            "formats": ["markdown"],
            "sections": ["implementation_impact", "methods"],
            "seed": 5,
        },
        "impact": {"indicators": INDICATORS, "placebo": ["share_65plus"]},
    }


@pytest.fixture(scope="module")
def study() -> Study:
    return synthetic_study(seed=1)


@pytest.fixture(scope="module")
def reports(study, tmp_path_factory):
    root = tmp_path_factory.mktemp("impl_impact")
    return {lang: render_report(study, _config(lang), root / lang) for lang in ("de", "en")}


def _record(folder):
    return json.loads((folder / "provenance.json").read_text(encoding="utf-8"))


def test_section_appears_with_its_tables_in_german(reports):
    md = (reports["de"] / "report.md").read_text(encoding="utf-8")
    assert "## Umsetzung und Wirkung" in md
    assert "### Wirkungslogik" in md
    assert "Was das zeigen kann und was nicht" in md
    assert "nicht zugeteilt" in md
    # the impact-logic table in German labels: field, direction and lag of childcare
    row = next(line for line in md.splitlines() if line.startswith("| Betreuungsquote"))
    assert [c.strip() for c in row.strip("|").split("|")] == [
        "Betreuungsquote unter 3-Jährige",
        "Familie und Arbeitswelt, Betreuung",
        "steigt",
        "1",
    ]
    assert "– (Kontext)" in md  # the placebo has no field
    assert "bis 50 %" in md and "über 50 %" in md
    assert "Test gleicher Effekte" in md
    assert "Dosis-Wirkungs-Kurve" in md
    assert "Zertifikate liefen ohne rechtzeitiges Re-Audit aus" in md
    tables = {p.name for p in (reports["de"] / "tables").glob("*.csv")}
    for name in (
        "implementation_impact_logic.csv",
        "implementation_impact_intensity.csv",
        "implementation_impact_childcare_u3_groups.csv",
        "implementation_impact_childcare_u3_test.csv",
        "implementation_impact_childcare_u3_dose.csv",
        "implementation_impact_childcare_u3_exits.csv",
    ):
        assert name in tables
    # the context indicator gets no analysis of its own
    assert not any("share_65plus" in t for t in tables)
    assert (reports["de"] / "figures" / "implementation_impact_childcare_u3_groups.svg").exists()
    assert _record(reports["de"])["failed_analyses"] == []


def test_logic_table_is_the_catalogue(reports, study):
    t = pd.read_csv(reports["de"] / "tables" / "implementation_impact_logic.csv")
    cat = study.indicator_catalogue.set_index("indicator")
    got = t.set_index("indicator")
    assert list(got.index) == INDICATORS
    assert got.loc["childcare_u3", "action_field"] == cat.loc["childcare_u3", "action_field"]
    assert got.loc["childcare_u3", "expected_direction"] == "increase"
    assert int(got.loc["childcare_u3", "expected_lag"]) == 1


def test_groups_table_matches_a_direct_heterogeneity_call(reports, study):
    """The section arranges the result of heterogeneity(panel, intensity, groups="half")."""
    import evaluation as ev

    dose = ev.implementation_intensity(study).unit_intensity("work_family")
    direct = ev.heterogeneity(study.panel("childcare_u3"), dose, groups="half")
    shown = pd.read_csv(reports["de"] / "tables" / "implementation_impact_childcare_u3_groups.csv")
    assert shown["estimate"].to_numpy() == pytest.approx(
        direct.tidy()["estimate"].to_numpy(), rel=1e-5
    )
    test = pd.read_csv(reports["de"] / "tables" / "implementation_impact_childcare_u3_test.csv")
    assert float(test["p_value"].iloc[0]) == pytest.approx(direct.test.p_value, rel=1e-5)


def test_section_in_english(reports):
    md = (reports["en"] / "report.md").read_text(encoding="utf-8")
    assert "## Implementation and impact" in md
    assert "### Impact logic" in md
    assert "What this can and cannot show" in md
    assert "up to 50%" in md and "over 50%" in md
    assert "Family and working life, childcare" in md and "increase" in md
    section = md.split("## Implementation and impact")[1].split("## Appendix")[0]
    for word in ("Kommune", "Wirkung", "Handlungsfeld", " und ", "steigt"):
        assert word not in section


def test_section_is_skipped_with_a_note_without_linked_fields(study, tmp_path):
    t = study.tables
    t["indicator_catalogue"] = t["indicator_catalogue"].drop(
        columns=["action_field", "expected_direction", "expected_lag"]
    )
    old = Study(**t)
    out = render_report(old, _config("de"), tmp_path / "r")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Umsetzung und Wirkung" in md
    assert "verknüpft keinen der analysierten Indikatoren mit einem Handlungsfeld" in md
    tables = {p.name for p in (out / "tables").glob("*.csv")}
    assert not any(n.endswith("_groups.csv") for n in tables)
    assert _record(out)["failed_analyses"] == []


def test_default_order_puts_the_section_after_impact():
    from evaluation.report.config import ALL_SECTIONS

    assert ALL_SECTIONS.index("implementation_impact") == ALL_SECTIONS.index("impact") + 1


def test_german_html_of_the_section_has_no_english_and_no_codes(study, tmp_path):
    """The word lists of the language tests, on the section's HTML (the demo configuration
    does not include the section, to keep the demo quick)."""
    from test_report_language import CODES, ENGLISH, _hits, visible_text

    cfg = _config("de")
    cfg["report"]["formats"] = ["html"]
    out = render_report(study, cfg, tmp_path / "de")
    text = visible_text((out / "report.html").read_text(encoding="utf-8"))
    # the second occurrences: the first ones are the table of contents
    section = text.split("Umsetzung und Wirkung", 2)[2].split("Anhang: Methoden", 1)[0]
    assert "Wirkungslogik" in section and "bis 50 %" in section and len(section) > 3000
    assert _hits(section, ENGLISH) == []
    assert _hits(section, CODES) == []
    svg = " ".join(
        p.read_text(encoding="utf-8") for p in (out / "figures").glob("implementation_impact*.svg")
    )
    assert "Effect" not in svg and "share implemented" not in svg
