"""Shared fixtures: the public data beside the project, and small studies."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(
    os.environ.get("EVALUATION_SHARED_DATA", ROOT.parent / "shared" / "data" / "external")
)


def shared_path(*parts: str) -> Path:
    """Path of a file in the shared public data; skips the test when it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"public data not available: {p.name} (expected in ../shared/data/external)")
    return p


@pytest.fixture
def shared():
    return shared_path


@pytest.fixture
def frozen_results(monkeypatch):
    """Results are complete when they are made: with this fixture, setting an attribute of a
    result after its construction raises (``evaluation.results.base.FREEZE``)."""
    import evaluation.results.base

    monkeypatch.setattr(evaluation.results.base, "FREEZE", True)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def pytest_terminal_summary(terminalreporter):
    """The counts of the hostile-input catalogue (tests/test_hostile_inputs.py), if it ran."""
    import sys

    for mod in list(sys.modules.values()):
        tally = getattr(mod, "HOSTILE_TALLY", None)
        if tally and getattr(mod, "__file__", "").endswith("test_hostile_inputs.py"):
            terminalreporter.write_line(
                f"hostile inputs: {tally['cases']} cases run, {tally['passed']} passed; "
                f"{tally['tracebacks']} tracebacks, {tally['silent']} silent acceptances, "
                f"{tally['changed']} with files changed or deleted"
            )
            break
