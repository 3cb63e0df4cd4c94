"""``verify``: re-hash inputs and configuration, re-render, list the differences; the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evaluation.cli import main
from evaluation.datasets import synthetic_study
from evaluation.report import render_report, verify_report

CONFIG = """\
[report]
formats = ["markdown"]
sections = ["data", "impact", "provenance"]
seed = 5

[impact]
indicators = ["births_per_1000_women"]
estimators = ["trends", "twfe"]
"""


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("verify")
    data = root / "data"
    synthetic_study(seed=2, n_audited=8, n_comparison=20).save(data)
    cfg = root / "report.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    render_report(data, cfg, root / "report")
    return root, data, cfg


def _copy(made, tmp_path) -> tuple[Path, Path, Path]:
    root, _, _ = made
    dst = tmp_path / "copy"
    shutil.copytree(root, dst)
    return dst / "data", dst / "report.toml", dst / "report"


def test_verify_passes_on_an_untouched_report(made):
    root, _, _ = made
    res = verify_report(root / "report")
    assert res.ok, str(res)
    assert res.checked > 5


def test_verify_detects_a_changed_input_file(made, tmp_path):
    data, _, report = _copy(made, tmp_path)
    p = data / "indicators.csv"
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    head, row = lines[1].rsplit(",", 1)
    lines[1] = f"{head},{float(row) + 1.5}\n"
    p.write_text("".join(lines), encoding="utf-8")
    res = verify_report(report)
    assert not res.ok
    assert any("input indicators.csv" in d and "changed" in d for d in res.differences)


def test_verify_detects_a_changed_configuration(made, tmp_path):
    _, cfg, report = _copy(made, tmp_path)
    cfg.write_text(CONFIG.replace("seed = 5", "seed = 6"), encoding="utf-8")
    res = verify_report(report)
    assert not res.ok
    assert any("configuration" in d and "settings changed" in d for d in res.differences)
    # the re-rendered report differs as well (the provenance appendix shows the seed)
    assert any(d.startswith("output report.md") for d in res.differences)


def test_verify_detects_an_edited_output(made, tmp_path):
    _, _, report = _copy(made, tmp_path)
    csv = next((report / "tables").glob("*.csv"))
    csv.write_text(csv.read_text(encoding="utf-8") + "tampered\n", encoding="utf-8")
    res = verify_report(report)
    assert any(csv.name in d for d in res.differences)


def test_cli_report_refuses_existing_and_verify_exit_codes(made, tmp_path, capsys):
    root, data, cfg = made
    out = root / "report"
    code = main(["report", str(data), "--config", str(cfg), "--out", str(out), "--quiet"])
    assert code == 1
    assert "--force" in capsys.readouterr().err
    assert main(["verify", str(out)]) == 0
    assert "OK" in capsys.readouterr().out
    data2, _, report2 = _copy(made, tmp_path)
    (data2 / "audits.csv").write_text(
        (data2 / "audits.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert main(["verify", str(report2)]) == 1
    assert "audits.csv" in capsys.readouterr().out


def test_cli_summary(made, tmp_path):
    _, data, _ = made
    out = tmp_path / "s"
    assert main(["summary", str(data), "--year", "2019", "--out", str(out), "--quiet"]) == 0
    assert (out / "summary.md").read_text(encoding="utf-8").startswith("# Jahresübersicht 2019")
    assert (out / "summary.pdf").is_file()


def test_verify_a_summary(made, tmp_path):
    _, data, _ = made
    from evaluation.report import render_summary

    out = render_summary(data, 2018, tmp_path / "s", config={"report": {"formats": ["markdown"]}})
    res = verify_report(out)
    assert res.ok, str(res)


def test_english_report(made, tmp_path):
    _, data, _ = made
    cfg = {
        "report": {"language": "en", "formats": ["markdown"], "sections": ["data", "methods"]},
    }
    out = render_report(data, cfg, tmp_path / "r")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## The data" in md and "## Appendix: methods" in md
    assert "Units by level and group" in md and "Kommunen" not in md
