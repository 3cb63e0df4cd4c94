"""The report section "power" (Planung/Power): it arranges the analytic minimum detectable
effects of the study's design, in the report's language, and is off by default."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import evaluation as ev
from evaluation.report import render_report
from evaluation.report.config import ReportConfig, load_config

CONFIG = {"impact": {"indicators": ["childcare_u3"]}, "report": {"sections": ["power"]}}


@pytest.fixture(scope="module")
def study():
    return ev.datasets.synthetic_study(seed=1)


def _render(study, tmp_path, lang: str) -> str:
    cfg = {**CONFIG, "report": {**CONFIG["report"], "language": lang}}
    out = render_report(study, cfg, tmp_path / lang, formats=["markdown"])
    return (out / "report.md").read_text(encoding="utf-8")


def test_power_is_not_a_default_section_but_can_be_asked_for():
    assert "power" not in ReportConfig().report.sections
    assert "power" in load_config(CONFIG).report.sections


def test_german_section_has_the_planners_sentence_and_the_mde_table(study, tmp_path):
    md = _render(study, tmp_path, "de")
    assert "## Planung/Power" in md
    # the primary estimator (att_gt by default), German numbers and percent
    assert re.search(
        r"Mit 60 auditierten Kommunen und 400 Vergleichskommunen \(2006-2024\) ist ein Effekt "
        r"ab \d+,\d+ Prozentpunkten mit 80\s?% Power erkennbar \(Callaway-Sant'Anna",
        md,
    )
    table = pd.read_csv(tmp_path / "de" / "tables" / "power_childcare_u3.csv")
    design = ev.PanelDesign.from_study(study, "childcare_u3")
    direct = ev.minimum_detectable_effect(
        design, estimator=["twfe", "event_study", "att_gt"], method="analytic"
    ).tidy()
    # the report only arranges the planner's result: the same numbers, row by row
    assert table["mde"].tolist() == pytest.approx(direct["mde"].tolist(), rel=1e-6)
    assert table["n_audited"].tolist() == direct["n_audited"].tolist()
    assert table["estimator"].tolist()[0] == "TWFE"
    mde_att = direct.loc[direct["estimator"] == "att_gt", "mde"].iloc[0]
    assert f"ab {mde_att:.2f}".replace(".", ",") in md


def test_english_section_is_english(study, tmp_path):
    md = _render(study, tmp_path, "en")
    assert "## Planning/power" in md
    assert re.search(r"an effect of \d+\.\d+ percentage points or more is detected", md)
    for german in ("Planung", "erkennbar", "Kommunen", "Schätzer"):
        assert german not in md


def test_a_failing_design_is_a_note_not_a_crash(study, tmp_path):
    bad = {**CONFIG, "impact": {"indicators": ["childcare_u3"], "placebo": []}}
    tables = study.tables
    ind = tables["indicators"]
    # no untreated years left to estimate the noise from: the planner refuses, the report notes
    tables["indicators"] = ind[ind["municipality_id"].isin(ind["municipality_id"].iloc[:1])]
    out = render_report(ev.Study(**tables), bad, tmp_path / "bad", formats=["markdown"])
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Planung/Power" in md
    assert "power_childcare_u3.csv" not in md
    assert "konnte nicht berechnet werden" in md
