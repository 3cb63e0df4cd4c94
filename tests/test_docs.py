"""The documentation and the project's habits: one version, README and docs pages that stay true.

The site itself is built strictly by ``make docs`` (part of ``make test``); these tests check
what the build cannot: that the examples of the how-to pages run, that the glossary's labels
are the package's labels, that every configuration key is described, and that the README's
links lead somewhere.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import evaluation as ev

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


# -- one version ---------------------------------------------------------------------------


def test_version_is_the_one_in_pyproject():
    assert ev.__version__ == PROJECT["version"]
    assert ev.__version__ == importlib.metadata.version("evaluation")


def test_version_of_an_uninstalled_source_tree(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert ev._find_version() == PROJECT["version"]


def test_package_is_typed_and_licensed():
    assert (ROOT / "src" / "evaluation" / "py.typed").is_file()
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2026 evaluation developers" in text
