"""The reference rendering of the demo report under ``reports/demo/`` is current (golden test).

The Markdown and CSV files of the demo report and summary are committed, so that results can
be read without running anything. This test regenerates them (the chain of ``make demo``, PDF
left out) and compares every committed file it claims to cover: CSV files numerically (to 6
significant digits, so that the last digits of a platform's floating point do not matter),
Markdown as text. The figures are compared through their data (the ``*_data.csv`` tables
under each figure), not byte for byte: SVG paths differ in their last digits between machines.
A change of results must be a deliberate commit (run ``make demo`` and commit ``reports/demo``).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# the whole demo is rendered (about a minute): in `make test-slow` with the other golden and
# Monte Carlo tests; `make demo` followed by `git status` shows the same drift
pytestmark = [pytest.mark.golden, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reports" / "demo"
CONFIG = ROOT / "reports" / "demo.toml"
COVERED = (".md", ".csv")


def _compared(folder: Path) -> dict[str, Path]:
    return {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in COVERED and "data" not in p.relative_to(folder).parts
    }


def _same_csv(a: Path, b: Path) -> bool:
    x = pd.read_csv(io.StringIO(a.read_text(encoding="utf-8")), dtype=str, keep_default_na=False)
    y = pd.read_csv(io.StringIO(b.read_text(encoding="utf-8")), dtype=str, keep_default_na=False)
    if list(x.columns) != list(y.columns) or x.shape != y.shape:
        return False
    for c in x.columns:
        nx, ny = pd.to_numeric(x[c], errors="coerce"), pd.to_numeric(y[c], errors="coerce")
        numeric = nx.notna() & ny.notna()
        if not (x[c][~numeric] == y[c][~numeric]).all():
            return False
        if numeric.any() and not np.allclose(nx[numeric], ny[numeric], rtol=1e-6, atol=1e-12):
            return False
    return True


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    from evaluation.report import render_report, render_yearly_summary
    from evaluation.report.build import (
        DEMO_SEED,
        demo_parameters,
        summary_year,
        write_demo_study,
    )

    out = tmp_path_factory.mktemp("demo")
    data = out / "data"
    write_demo_study(data, DEMO_SEED)  # the demo's own study (with the mixed-methods data)
    params = demo_parameters(DEMO_SEED)
    render_report(data, CONFIG, out / "report", formats=["markdown"], parameters=params)
    render_yearly_summary(
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
    changed = []
    for name in sorted(set(ref) & set(new)):
        if name.endswith(".csv"):
            same = _same_csv(ref[name], new[name])
        else:
            same = ref[name].read_text(encoding="utf-8") == new[name].read_text(encoding="utf-8")
        if not same:
            changed.append(name)
    assert (missing, extra, changed) == ([], [], []), (
        "the demo results differ from the committed reference rendering in reports/demo "
        f"(new: {missing[:5]}, gone: {extra[:5]}, changed: {changed[:5]}); if the change is "
        "intended, run `make demo` and commit reports/demo with an explanation"
    )


def test_every_figure_has_its_data_committed(regenerated: Path):
    """The figures are covered through their data: each figure of the Markdown links a CSV."""
    md = (regenerated / "report" / "report.md").read_text(encoding="utf-8")
    figures = md.count("](figures/")
    data_links = md.count("_data.csv)")
    assert figures and data_links >= figures - 12  # result plots draw the table shown above
