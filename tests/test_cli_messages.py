"""What a new user reads: command-line wording (never the Python API's), exit codes in the
help, the summary of an empty study, and the README's notebook command."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.cli import main
from evaluation.datasets import synthetic_study

ROOT = Path(__file__).resolve().parents[1]
FAST = {"report": {"formats": ["markdown"], "sections": ["methods"]}}


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("msg") / "data"
    synthetic_study(seed=1, n_audited=4, n_comparison=6).save(d)
    return d


def test_python_says_force_true_the_command_line_says_force(study, tmp_path, capsys):
    from evaluation.report import OutputExistsError, render_report

    out = render_report(study, FAST, tmp_path / "r")
    with pytest.raises(OutputExistsError) as info:
        render_report(study, FAST, out)
    assert "force=True" in str(info.value) and "--force" not in str(info.value)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[report]\nformats = ["markdown"]\nsections = ["methods"]\n', "utf-8")
    capsys.readouterr()
    assert main(["report", str(study), "--config", str(cfg), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "--force" in err and "force=True" not in err


def test_help_lists_the_exit_codes(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "exit codes" in text and "3 report/summary/demo" in text
    assert main(["report", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--allow-failures" in text and "3 written, but analyses" in text


def test_an_empty_study_says_it_has_no_units(tmp_path, capsys):
    target = tmp_path / "new"
    assert main(["init", str(target)]) == 0
    capsys.readouterr()
    assert main(["validate", str(target)]) == 0  # valid: a template to be filled in
    out = capsys.readouterr().out
    assert "Units: none yet" in out and "Units:  |" not in out


def test_hidden_table_rows_in_the_singular():
    from evaluation.report.render import hidden_rows

    assert hidden_rows(1, "de") == "1 Zeile, nur als Datei"
    assert hidden_rows(2, "de") == "2 Zeilen, nur als Datei"
    assert hidden_rows(1, "en") == "1 row, as files only"


def test_readme_notebook_command_runs(tmp_path):
    # the README runs a notebook with `jupytext --to notebook --execute`, which needs nbconvert
    assert importlib.util.find_spec("nbconvert") is not None, "nbconvert is missing"
    jupytext = shutil.which("jupytext", path=str(Path(sys.executable).parent))
    assert jupytext is not None
    script = tmp_path / "tiny.py"
    # the header of the scripts in analyses/ (jupytext percent format, kernel python3)
    header = (ROOT / "analyses" / "01_data_and_validation.py").read_text("utf-8").split("# %%")[0]
    script.write_text(header + "# %%\nx = 6 * 7\nprint(x)\n", encoding="utf-8")
    r = subprocess.run(
        [jupytext, "--to", "notebook", "--execute", str(script)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "42" in (tmp_path / "tiny.ipynb").read_text(encoding="utf-8")
