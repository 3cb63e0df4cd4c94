"""The report's section on goal attainment, measure types, surveys and costs.

A study with the mixed-methods data gets one part per table in German and in English (German
numbers in the German report, no codes or names of raters, coders and respondents); a study
without them gets no such section and no note about it; the summary's sentence on goal
attainment gives the numbers of the analysis.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pandas as pd
import pytest

import evaluation as ev
from evaluation.options import ReportSection
from evaluation.report import render_report
from evaluation.report.sections import mixed

SECTIONS = ["mixed_methods", "methods"]
HEADINGS = {
    "de": (
        "## Zielerreichung, Maßnahmenarten, Befragungen und Kosten",
        "### Zielerreichung",
        "### Art der Maßnahmen und Übereinstimmung der Codierung",
        "### Befragungen",
        "### Kosten",
    ),
    "en": (
        "## Goal attainment, types of measure, surveys and costs",
        "### Goal attainment",
        "### Types of measure and coder agreement",
        "### Surveys",
        "### Costs",
    ),
}


@pytest.fixture(scope="module")
def study():
    base = ev.datasets.synthetic_study(seed=2, n_audited=12, n_comparison=20)
    return ev.add_mixed_methods(base, seed=2, municipalities_per_stratum=(6, 12))


def _config(lang: str, sections=SECTIONS) -> dict:
    return {"report": {"language": lang, "formats": ["markdown"], "sections": sections}}


@pytest.fixture(scope="module")
def reports(study, tmp_path_factory) -> dict[str, str]:
    out = {}
    for lang in ("de", "en"):
        folder = tmp_path_factory.mktemp(f"mixed-{lang}") / "report"
        render_report(study, _config(lang), folder)
        out[lang] = (folder / "report.md").read_text(encoding="utf-8")
    return out


def test_the_section_is_in_the_vocabulary():
    assert "mixed_methods" in typing.get_args(ReportSection)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_one_part_per_table_in_each_language(reports, lang):
    md = reports[lang]
    for heading in HEADINGS[lang]:
        assert heading + "\n" in md, heading
    other = HEADINGS["en" if lang == "de" else "de"]
    assert not any(h in md for h in other)


def test_german_numbers_and_labels(reports, study):
    md = reports["de"]
    alpha = ev.coder_agreement(study, n_draws=None).tidy()
    a = alpha.query("dimension == 'novelty' and statistic == 'krippendorff_alpha'")
    shown = f"{float(a['estimate'].iloc[0]):.3f}".replace(".", ",")
    rows = [line for line in md.splitlines() if line.startswith("| neu oder fortgeführt ")]
    alpha_row = next(r for r in rows if "| Krippendorffs Alpha " in r)
    assert f"| {shown} " in alpha_row, (shown, alpha_row)
    link = ev.attainment_by_implementation(study).tidy().set_index("implementation_group")
    all_done = f"{link.loc['all', 'estimate']:.3f}".replace(".", ",")
    assert re.search(rf"^\| alle umgesetzt +\| {all_done} ", md, re.M), all_done
    for code in ("krippendorff_alpha", "cost_planned_eur", "| none", "linearisation"):
        assert code not in md, code


def test_no_personal_data(reports):
    for md in reports.values():
        assert not re.search(r"Gutachter:in \d|Codiererin A|Codierer B|families-20\d\d-\d", md)


def test_the_methods_appendix_describes_the_methods(reports):
    assert "Kiresuk" in reports["de"] and "Krippendorffs Alpha" in reports["de"]
    assert "Taylor linearisation" in reports["en"]


def test_a_study_without_the_data_has_no_section_and_no_note(tmp_path):
    base = ev.datasets.synthetic_study(seed=2, n_audited=8, n_comparison=10)
    folder = tmp_path / "plain"
    render_report(base, _config("de"), folder)
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "Zielerreichung" not in md and "Befragungen" not in md
    assert "konnte nicht berechnet werden" not in md


def test_only_the_parts_with_data(study, tmp_path):
    only_codes = ev.Study(
        *[study[n] for n in list(ev.study.schema.TABLES)[:7]], measure_codes=study.measure_codes
    )
    # the goal ratings and costs are columns of goals and measures: empty them
    goals = only_codes.goals.assign(attained_level=pd.NA, rating_date=pd.NaT, rater=pd.NA)
    measures = only_codes.measures.assign(
        cost_planned_eur=float("nan"), cost_spent_eur=float("nan"), staff_hours=float("nan")
    )
    only_codes = ev.Study(
        only_codes.municipalities,
        only_codes.audits,
        goals,
        measures,
        only_codes.measure_reports,
        only_codes.indicators,
        only_codes.indicator_catalogue,
        measure_codes=study.measure_codes,
    )
    folder = tmp_path / "codes"
    render_report(only_codes, _config("en"), folder)
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "### Types of measure and coder agreement" in md
    assert "### Goal attainment" not in md and "### Surveys" not in md and "### Costs" not in md


def test_the_summary_sentence_gives_the_numbers_of_the_analysis(study):
    gas = ev.goal_attainment(study, by="action_field", weights="weight")
    link = ev.attainment_by_implementation(study)
    said = mixed.attainment_sentence(gas, link)
    t = link.tidy().set_index("implementation_group")["estimate"]
    n = gas.facts["n_goals"]
    mean_t = gas.facts["mean_t_score"]
    # by hand: German decimal comma, a sign on the distances, one decimal
    assert f"Die {n} bewerteten Ziele" in said.de
    assert f"T-Wert von {mean_t:.1f}".replace(".", ",") in said.de
    assert f"+{t['all']:.1f}".replace(".", ",") in said.de
    assert f"{t['none']:.1f}".replace(".", ",").replace("-", "−") in said.de
    assert f"mean T-score of {mean_t:.1f}" in said.en
    assert mixed.attainment_sentence(None, link) is None


def test_the_summary_has_the_sentence(study, tmp_path):
    # the summary of findings runs the impact analyses too: a tiny study keeps it short
    folder = tmp_path / "findings"
    cfg = _config("en", ["findings", "mixed_methods"])
    cfg["impact"] = {"estimators": ["twfe"], "indicators": ["childcare_u3"]}
    render_report(study, cfg, folder)
    md = (folder / "report.md").read_text(encoding="utf-8")
    summary = md.split("## Goal attainment, types")[0]
    assert "Goal attainment: the " in summary and "rated goals reach a mean T-score" in summary


def test_render_is_not_changed_by_reading_the_study(study, tmp_path):
    folder = study.save(tmp_path / "study")
    before = {p.name: p.read_bytes() for p in Path(folder).iterdir()}
    render_report(folder, _config("en", ["mixed_methods"]), tmp_path / "r")
    assert {p.name: p.read_bytes() for p in Path(folder).iterdir()} == before
