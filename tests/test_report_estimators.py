"""The report's comparison of staggered estimators (details per indicator) comes from
compare_estimators: one table, one figure with every event-study path, the estimators' own
numbers, a failing estimator as a note."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.datasets import synthetic_study
from evaluation.report import render_report
from evaluation.study.panel import build_panel

CONFIG = {
    "report": {"formats": ["markdown"], "sections": ["findings", "impact", "details"]},
    "impact": {
        "indicators": ["childcare_u3"],
        "estimators": ["att_gt", "did_imputation", "did_two_stage"],
    },
}


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("study") / "data"
    synthetic_study(seed=3, n_audited=12, n_comparison=30).save(d)
    return d


@pytest.fixture(scope="module")
def report(study_dir, tmp_path_factory) -> Path:
    return render_report(study_dir, CONFIG, tmp_path_factory.mktemp("out") / "r")


def test_one_table_and_one_figure_of_every_estimator(report):
    md = (report / "report.md").read_text(encoding="utf-8")
    assert md.count("#### Vergleich der gestaffelten Schätzer") == 1
    table = pd.read_csv(report / "tables" / "impact_childcare_u3_estimators.csv")
    assert list(table.columns) == [
        "event_time",
        "Callaway & Sant'Anna",
        "Imputation (Borusyak, Jaravel & Spiess)",
        "Zweistufig (Gardner)",
    ]
    assert table["event_time"].iloc[-1] == "Gesamt"
    assert "| Jahre seit Beginn " in md
    assert (report / "figures" / "impact_childcare_u3_estimators_figure.svg").exists()
    data = pd.read_csv(report / "tables" / "impact_childcare_u3_estimators_figure_data.csv")
    assert list(dict.fromkeys(data["estimator"])) == ["att_gt", "did_imputation", "did_two_stage"]


def test_the_rows_are_the_estimators_own_numbers(report, study_dir):
    """The imputation and two-stage overall effects of the report equal the estimators called
    on the indicator's panel (onset at certification, cycle 1: the report's defaults)."""
    study = ev.load_study(study_dir)
    panel = build_panel(study, "childcare_u3", onset="certification", cycle=1)
    data = pd.read_csv(report / "tables" / "impact_childcare_u3_estimators_figure_data.csv")
    overall = data[data["term"] == "overall"].set_index("estimator")
    for code, fn in (("did_imputation", ev.did_imputation), ("did_two_stage", ev.did_two_stage)):
        own = fn(panel).tidy().iloc[0]
        # the figure data keeps 6 significant digits
        np.testing.assert_allclose(overall.loc[code, "estimate"], own["estimate"], rtol=2e-6)
        np.testing.assert_allclose(overall.loc[code, "std_error"], own["std_error"], rtol=2e-6)


def test_a_failing_estimator_is_a_note_in_the_comparison(study_dir, tmp_path, monkeypatch):
    from evaluation.errors import DataError
    from evaluation.staggered import two_stage

    def broken(*args, **kwargs):
        raise DataError("deliberately broken for the test")

    monkeypatch.setattr(two_stage, "did_two_stage", broken)
    out = render_report(study_dir, CONFIG, tmp_path / "r")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "Zweistufig (Gardner): nicht geschätzt (deliberately broken for the test)" in md
    table = pd.read_csv(out / "tables" / "impact_childcare_u3_estimators.csv")
    assert "Zweistufig (Gardner)" not in table.columns
    assert "Imputation (Borusyak, Jaravel & Spiess)" in table.columns


def test_english_report_names_the_estimators_in_english(study_dir, tmp_path):
    cfg = {**CONFIG, "report": {**CONFIG["report"], "language": "en"}}
    out = render_report(study_dir, cfg, tmp_path / "r")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "#### Comparison of staggered estimators" in md
    assert "Two-stage (Gardner)" in md and "Zweistufig" not in md
