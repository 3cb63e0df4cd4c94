"""The command line for study folders: exit codes, summaries, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from evaluation.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "evaluation.cli", *args], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--no-report", "--seed", "3"]) == 0
    return out


def test_demo_then_validate(demo_dir, capsys):
    assert main(["validate", str(demo_dir / "data")]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "municipalities" in out and "cohorts" in out


def test_validate_broken_copy_lists_every_problem(demo_dir, tmp_path):
    import shutil

    d = tmp_path / "broken"
    shutil.copytree(demo_dir / "data", d)
    m = pd.read_csv(d / "municipalities.csv", dtype=str, keep_default_na=False)
    m.loc[2, "level"] = "Stadt"
    m.to_csv(d / "municipalities.csv", index=False)
    i = pd.read_csv(d / "indicators.csv", dtype=str, keep_default_na=False)
    i.loc[9, "value"] = "zwölf"
    i.to_csv(d / "indicators.csv", index=False)
    r = run("validate", str(d))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr + r.stdout
    assert "municipalities, row 3, field level" in r.stdout
    assert "indicators, row 10, field value" in r.stdout
    j = run("validate", str(d), "--format", "json")
    payload = json.loads(j.stdout)
    assert j.returncode == 1 and payload["valid"] is False
    got = {(p["table"], p["row"], p["field"]) for p in payload["problems"]}
    assert {("municipalities", 3, "level"), ("indicators", 10, "value")} <= got


def test_usage_errors_exit_2():
    assert run("validate").returncode == 2
    assert run("frobnicate").returncode == 2


def test_missing_folder_is_a_usage_error(tmp_path):
    # a path that does not exist is a usage error (2), as the README says; not invalid data (1)
    r = run("validate", str(tmp_path / "nope"))
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr


def test_init_writes_templates_and_refuses_non_empty(tmp_path, capsys):
    target = tmp_path / "new"
    assert main(["init", str(target)]) == 0
    assert (target / "datapackage.json").exists() and (target / "CODEBOOK.md").exists()
    # a configuration template with every key at its default, readable as it is
    from evaluation.report import load_config

    assert load_config(target / "report.toml") == load_config(None)
    header = (target / "audits.csv").read_text(encoding="utf-8").strip()
    assert header.startswith("audit_id,municipality_id,cycle,start_date")
    assert main(["init", str(target)]) == 1
    assert "not empty" in capsys.readouterr().err
    # the empty template is itself a valid (empty) study
    assert main(["validate", str(target)]) == 0


def test_validate_takes_the_reading_options_of_the_api(demo_dir, tmp_path, capsys):
    import shutil

    d = tmp_path / "study"
    shutil.copytree(demo_dir / "data", d)
    # the plausible years: the demo's audits start in 2007 or later, its indicators in 2006
    assert main(["validate", str(d), "--years", "2015", "2100"]) == 1
    out = capsys.readouterr().out
    assert "year outside the plausible range 2015-2100" in out
    assert main(["validate", str(d), "--years", "2000", "2100"]) == 0
    capsys.readouterr()
    assert main(["validate", str(d), "--years", "2100", "2000"]) == 2
    assert "FIRST is after LAST" in capsys.readouterr().err
    # a table with more rows than allowed is refused
    assert main(["validate", str(d), "--max-rows", "10"]) == 1
    assert "more than 10 rows" in capsys.readouterr().out
    assert main(["validate", str(d), "--max-rows", "0"]) == 2
    capsys.readouterr()
    # a table outside the folder is read only when allowed, and then named in a warning
    outside = tmp_path / "elsewhere.csv"
    shutil.move(d / "goals.csv", outside)
    desc = json.loads((d / "datapackage.json").read_text(encoding="utf-8"))
    for res in desc["resources"]:
        if res["name"] == "goals":
            res["path"] = str(outside)
    (d / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    assert main(["validate", str(d)]) == 1
    assert "is absolute" in capsys.readouterr().out
    assert main(["validate", str(d), "--allow-outside"]) == 0
    assert "read from outside the study folder" in capsys.readouterr().out


def test_the_demo_configuration_ships_inside_the_package():
    from importlib import resources
    from pathlib import Path

    import evaluation.report
    from evaluation.report import load_config
    from evaluation.report.build import demo_config_path

    packaged = resources.files("evaluation.report").joinpath("demo.toml")
    path = demo_config_path()
    assert path.is_file() and path.read_bytes() == packaged.read_bytes()
    # not read from the source checkout: the path lies inside the package
    assert path.parent == Path(evaluation.report.__file__).parent
    # reports/demo.toml of the source tree is the same file, byte for byte
    root = Path(__file__).resolve().parents[1]
    assert (root / "reports" / "demo.toml").read_bytes() == path.read_bytes()
    assert load_config(path).report.seed == 20240611
