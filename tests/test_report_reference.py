"""The reference rendering of the demo report under ``reports/demo/`` is current.

The Markdown and CSV files of the demo report and summary are committed, so that results can
be read without running anything. This test regenerates them (the chain of ``make demo``, PDF
left out) and fails on any difference: a change of results must be a deliberate commit
(run ``make demo`` and commit ``reports/demo``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reports" / "demo"
CONFIG = ROOT / "reports" / "demo.toml"


def _compared(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".md", ".csv") and "data" not in p.relative_to(folder).parts
    }


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    from evaluation.datasets import synthetic_study
    from evaluation.report import render_report, render_summary
    from evaluation.report.build import DEMO_SEED, demo_parameters, summary_year

    out = tmp_path_factory.mktemp("demo")
    data = out / "data"
    synthetic_study(seed=DEMO_SEED).save(data)
    params = demo_parameters(DEMO_SEED)
    render_report(data, CONFIG, out / "report", formats=["markdown"], parameters=params)
    render_summary(
        data,
        summary_year(data, CONFIG),
        out / "summary",
        config=CONFIG,
        formats=["markdown"],
        parameters=params,
    )
    return out


def test_reference_rendering_is_current(regenerated: Path):
    if not (REFERENCE / "report" / "report.md").is_file():
        pytest.fail("no reference rendering in reports/demo: run `make demo` and commit it")
    ref = _compared(REFERENCE)
    new = _compared(regenerated)
    assert len(new) > 20
    missing = sorted(set(new) - set(ref))
    extra = sorted(set(ref) - set(new))
    changed = sorted(n for n in set(ref) & set(new) if ref[n] != new[n])
    assert (missing, extra, changed) == ([], [], []), (
        "the demo results differ from the committed reference rendering in reports/demo "
        f"(new: {missing[:5]}, gone: {extra[:5]}, changed: {changed[:5]}); if the change is "
        "intended, run `make demo` and commit reports/demo with an explanation"
    )
