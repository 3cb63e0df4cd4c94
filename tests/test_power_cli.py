"""The ``audit-eval power`` verb: prints the planner's table from the API's numbers; exit codes
0 (done), 1 (bad data) and 2 (usage)."""

from __future__ import annotations

import pytest

import evaluation as ev
from evaluation.cli import main
from evaluation.i18n import NNBSP, number


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("power") / "study"
    ev.datasets.synthetic_study(seed=3, n_audited=30, n_comparison=60).save(path)
    return path


def test_power_prints_the_planner_table_with_the_api_numbers(study_dir, capsys):
    code = main(["power", str(study_dir), "--indicator", "childcare_u3", "--method", "analytic"])
    out = capsys.readouterr().out
    assert code == 0
    study = ev.load_study(study_dir)
    design = ev.PanelDesign.from_study(study, "childcare_u3")
    mde = ev.minimum_detectable_effect(design, method="analytic").tidy()["mde"].iloc[0]
    assert "Minimal nachweisbare Effekte" in out and "Power nach Effektgröße" in out
    assert number(mde, "de", 3) in out
    assert f"Prozentpunkten mit 80{NNBSP}% Power erkennbar" in out


def test_power_simulation_in_english_with_chosen_effects(study_dir, capsys):
    args = ["power", str(study_dir), "--indicator", "childcare_u3", "--estimator", "att_gt",
            "--effects", "0,1.5,3", "--n-sims", "30", "--seed", "4", "--lang", "en", "--quiet"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    study = ev.load_study(study_dir)
    design = ev.PanelDesign.from_study(study, "childcare_u3")
    curve = ev.power(design, [0, 1.5, 3], estimator="att_gt", n_sims=30, seed=4).tidy()
    assert "Power by effect size" in out and "simulation (30 panels, seed 4)" in out
    for p in curve["power"]:
        assert f"{100 * p:.1f}%" in out


def test_power_exit_codes(study_dir, tmp_path, capsys):
    base = ["power", str(study_dir), "--indicator"]
    assert main([*base, "no_such_indicator", "--method", "analytic"]) == 1
    assert "no_such_indicator" in capsys.readouterr().err
    assert main(["power", str(tmp_path / "missing"), "--indicator", "x"]) == 2
    for bad in (["--effects", "a,b"], ["--power", "80"], ["--estimator", "ols"], ["--n-sims", "0"]):
        assert main([*base, "childcare_u3", *bad]) == 2
    assert main([*base, "childcare_u3", "--scheduler", "tcp://x:1"]) == 2
