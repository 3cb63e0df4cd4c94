"""Every analysis notebook (a jupytext script in ``analyses/``) runs from top to bottom."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "analyses").glob("[0-9][0-9]_*.py"))
SHARED = Path(
    os.environ.get("EVALUATION_SHARED_DATA", ROOT.parent / "shared" / "data" / "external")
)


def test_notebooks_are_found():
    names = [p.name for p in NOTEBOOKS]
    assert "01_data_and_validation.py" in names and "05_yearly_summary.py" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    text = path.read_text(encoding="utf-8")
    if "data/external" in text or "../shared" in text or "SHARED" in text:
        if not SHARED.is_dir():
            pytest.skip(f"{path.name} needs the public data in ../shared/data/external")
    nb = jupytext.reads(text, fmt="py:percent")
    # outputs are stripped in the repository: the script has none to lose
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    # notebooks that write files are pointed at a temporary folder
    monkeypatch.setenv("CASE_STUDY_OUT", str(tmp_path / "case_study"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "analyses")}},
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors == []
