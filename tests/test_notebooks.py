"""The analysis notebooks (jupytext scripts in ``analyses/``) are found and stored without outputs.

They are executed from top to bottom by the documentation build (``make docs``, part of
``make test``; see ``docs/hooks/notebooks.py``), which stops on the first cell that fails and
renders the outputs into the tutorials. That is their one execution in ``make test``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "analyses").glob("[0-9][0-9]_*.py"))


def test_notebooks_are_found():
    names = [p.name for p in NOTEBOOKS]
    assert "01_data_and_validation.py" in names and "05_yearly_summary.py" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path):
    jupytext = pytest.importorskip("jupytext")
    nb = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
    assert nb.cells and nb.cells[0].cell_type == "markdown"  # a title comes first
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_every_notebook_is_a_tutorial_page():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert [p.stem for p in NOTEBOOKS] == [
        p.stem for p in NOTEBOOKS if f"tutorials/{p.stem}.ipynb" in nav
    ]
