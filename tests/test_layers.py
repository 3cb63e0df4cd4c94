"""The layers of the package, enforced by parsing every import of ``src/evaluation``.

Arrows run one way: the command line calls the report and the API, the report arranges
results of the analyses, the analyses use the data model, the shared statistics and the
results interface, and everything uses the foundation (errors, options, i18n, codes). Imports
inside functions and ``TYPE_CHECKING`` blocks count like any other import. A module may import
a private name (``_x``) only from a module of its own package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "evaluation"

FOUNDATION = {"errors", "options", "i18n", "codes", "escape", "labels", "lazy"}
#: modules kept for one release under their old names; the package itself must not use them
ALIASES = {
    "schema",
    "validation",
    "io",
    "datasets",
    "matching",
    "inference",
    "exposure",
    "synthetic_mixed",
    "labels",
}
ANALYSES = {
    "panel",
    "staggered",
    "synthetic",
    "sensitivity",
    "implementation",
    "mixed",
    "planning",
    "evidence",
}


def layer(top: str) -> str:
    if top in FOUNDATION:
        return "foundation"
    if top in ANALYSES:
        return "analysis"
    return {
        "results": "results",
        "study": "data",
        "stats": "stats",
        "ingest": "ingest",
        "report": "report",
        "cli": "cli",
        "": "package",
    }.get(top, top)


#: which layers each layer may import
ALLOWED = {
    # every layer may read the package's version ("package": evaluation/__init__.py)
    "foundation": {"foundation"},
    "results": {"foundation", "results"},
    "data": {"foundation", "results", "data"},
    "stats": {"foundation", "results", "data", "stats"},
    "analysis": {"foundation", "results", "data", "stats", "analysis"},
    "ingest": {"foundation", "results", "data", "ingest"},
    "report": {"foundation", "results", "data", "stats", "analysis", "report"},
    "cli": {"foundation", "results", "data", "stats", "analysis", "report", "ingest", "cli"},
    "package": {"package"},
}


def modname(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path):
    """(line, target module, imported names) of every import of the package in ``path``."""
    mod = modname(path)
    is_pkg = path.name == "__init__.py"
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base[: len(base) - node.level + 1] if node.level > 1 else base
                target = ".".join([*parts, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if not target.startswith("evaluation"):
                continue
            names = [a.name for a in node.names]
            if not node.module:  # "from . import x": x is a module or a name of the package
                for n in names:
                    sub = SRC.parent.joinpath(*target.split("."), n)
                    if sub.with_suffix(".py").exists() or sub.is_dir():
                        yield node.lineno, f"{target}.{n}", []
                    else:
                        yield node.lineno, target, [n]
            else:
                yield node.lineno, target, names
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("evaluation"):
                    yield node.lineno, a.name, []
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant):
                name = str(node.args[0].value)
                if name.startswith("evaluation"):
                    yield node.lineno, name, []


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


SOURCES = sorted(p for p in SRC.rglob("*.py") if not (p.parent == SRC and p.stem in ALIASES))


def test_every_module_is_in_a_layer():
    known = (
        set(FOUNDATION)
        | ALIASES
        | ANALYSES
        | {"results", "study", "stats", "ingest", "report", "cli", "__init__", "__main__"}
    )
    tops = {p.relative_to(SRC).parts[0].removesuffix(".py") for p in SRC.rglob("*.py")}
    assert tops <= known, f"modules outside every layer: {sorted(tops - known)}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_follow_the_layers(path):
    src_top = top(modname(path)) if modname(path) != "evaluation" else ""
    src_layer = layer(src_top)
    bad = []
    for line, target, names in imports(path):
        t_top = top(target)
        if t_top in ALIASES and not (src_top == t_top):
            bad.append(f"line {line}: imports the old module name {target} (use its new place)")
            continue
        t_layer = layer(t_top)
        if t_layer not in ALLOWED[src_layer] | {"package"}:
            bad.append(f"line {line}: {src_layer} imports {t_layer} ({target})")
        same_package = target.rsplit(".", 1)[0] == modname(path).rsplit(".", 1)[0] or (
            path.name == "__init__.py" and target.startswith(modname(path) + ".")
        )
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        if private and not same_package:
            bad.append(f"line {line}: imports private {private} from {target}")
    assert not bad, "\n".join(bad)
