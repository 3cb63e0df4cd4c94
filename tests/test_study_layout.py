"""The data layer's layout: one concept per module, imports that point one way, and the old
module names that still work for one release."""

from __future__ import annotations

import ast
import importlib
import warnings
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "evaluation"
FOUNDATION = {"errors", "options", "i18n", "codes", "escape", "lazy"}
#: what each area of the data layer may import (top-level packages of evaluation)
ALLOWED = {
    "study": FOUNDATION | {"study", "results"},
    "ingest": FOUNDATION | {"study", "ingest"},
}


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module inside evaluation, imported names) of every import of a module,
    also those inside functions."""
    package = list(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.append((node.lineno, module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names]
    return [(ln, m, names) for ln, m, names in out if m.split(".")[0] == "evaluation"]


def _modules(area: str) -> list[Path]:
    folder = SRC / area
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [SRC / f"{area}.py"]


@pytest.mark.parametrize("area", sorted(ALLOWED))
def test_the_data_layer_imports_only_what_is_below_it(area):
    wrong = []
    for path in _modules(area):
        for line, module, _ in _imports(path):
            parts = module.split(".")
            top = parts[1] if len(parts) > 1 else ""
            if top and top not in ALLOWED[area]:
                wrong.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("area", sorted(ALLOWED))
def test_no_private_name_of_another_package(area):
    wrong = []
    for path in _modules(area):
        own = ".".join(path.relative_to(SRC.parent).parts[:2]).removesuffix(".py")
        for line, module, names in _imports(path):
            if module.startswith(own):
                continue  # a package's own private modules are fine
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            if private or any(p.startswith("_") for p in module.split(".")[1:]):
                wrong.append(f"{path.relative_to(SRC)}:{line} imports {module} {private}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("area", sorted(ALLOWED))
def test_no_module_of_the_data_layer_holds_several_concepts(area):
    # the size guide of the house: about 700 lines per file at most (the synthetic study, one
    # generator with its tables of effects, has 726)
    long = {
        str(p.relative_to(SRC)): n
        for p in _modules(area)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 730
    }
    assert not long, long


@pytest.mark.parametrize("area", sorted(ALLOWED))
def test_no_function_of_the_data_layer_is_longer_than_the_guide(area):
    # about 120 lines from def to the end, docstring included
    long = {}
    for path in _modules(area):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno >= 130:
                long[f"{path.relative_to(SRC)}:{node.name}"] = node.end_lineno - node.lineno + 1
    assert not long, long


@pytest.mark.parametrize(
    ("old", "new", "names"),
    [
        ("evaluation.study.io", "evaluation.study.write", ["save_study", "write_files"]),
        ("evaluation.study.io", "evaluation.study.read", ["read_table_file", "MAX_ROWS"]),
        ("evaluation.study.io", "evaluation.study.encoding", ["decode_bytes"]),
        ("evaluation.study.io", "evaluation.study.descriptor", ["DESCRIPTOR"]),
        ("evaluation.study.validation", "evaluation.study.problems", ["Problem", "omitted"]),
        ("evaluation.study.validation", "evaluation.study.coerce", ["coerce_table"]),
        ("evaluation.study.validation", "evaluation.study.checks", ["check_study"]),
        ("evaluation.io", "evaluation.study.write", ["save_study"]),
        ("evaluation.validation", "evaluation.study.problems", ["format_problems"]),
    ],
)
def test_old_module_names_re_export_the_same_objects(old, new, names):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        a = importlib.import_module(old)
    b = importlib.import_module(new)
    for name in names:
        assert getattr(a, name) is getattr(b, name)


def test_read_study_of_the_old_module_still_reads_a_folder(tmp_path):
    import evaluation as ev
    from evaluation.study import io

    ev.datasets.synthetic_study(seed=2, n_audited=2, n_comparison=2).save(tmp_path / "s")
    study = io.read_study(tmp_path / "s")
    assert len(study.municipalities) == 4
    assert set(study.files) >= {"municipalities", "audits"}


def test_the_status_history_is_one_function_of_the_data_layer():
    from evaluation import implementation
    from evaluation.implementation import _data
    from evaluation.study import status

    assert implementation.measure_status is status.measure_status
    assert _data.measure_status is status.measure_status
    assert _data.MeasureStatus is status.MeasureStatus
