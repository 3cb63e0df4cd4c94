"""The documentation and the project's habits: one version, README and docs pages that stay true.

The site itself is built strictly by ``make docs`` (part of ``make test``); these tests check
what the build cannot: that the examples of the how-to pages run, that the glossary's labels
are the package's labels, that every configuration key is described, and that the README's
links lead somewhere.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import os
import pkgutil
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import matplotlib.pyplot as plt
import pytest

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


# -- the examples of the README and the documentation ------------------------------------------

SHARED = Path(
    os.environ.get("EVALUATION_SHARED_DATA", ROOT.parent / "shared" / "data" / "external")
)
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(
    r"(?:^<!--(?P<comment>[^\n]*?)-->\n)?^```(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


@dataclass
class Block:
    lang: str
    body: str
    line: int
    comment: str = ""
    title: str = ""

    @property
    def where(self) -> str:
        return f"line {self.line}"


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        info = m["info"].strip()
        lang = info.split(" ")[0] if info else ""
        title = re.search(r'title="([^"]+)"', info)
        out.append(
            Block(
                lang=lang,
                body=m["body"],
                line=text.count("\n", 0, m.start("info")) + 1,
                comment=(m["comment"] or "").strip(),
                title=title[1] if title else "",
            )
        )
    return out


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


RUNNABLE = [p for p in PAGES if any(b.lang in ("python", "console") for b in blocks(p))]


def _needs(page_blocks: list[Block]) -> list[str]:
    return [
        name
        for b in page_blocks
        if b.comment.startswith("needs:")
        for name in b.comment.removeprefix("needs:").split()
    ]


def _find_data(name: str) -> list[Path]:
    """A file a page needs: a reference data set of the tests (``tests/results/``, part of
    the repository) or a file of the public data beside the project."""
    stored = ROOT / "tests" / "results" / name
    if stored.is_file():
        return [stored]
    return sorted(SHARED.rglob(name)) if SHARED.is_dir() else []


def _console_commands(body: str) -> list[tuple[str, list[str]]]:
    """(command, its output lines) for each ``$ `` line of a console block."""
    commands: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    return commands


#: pages whose examples take more than about ten seconds: run with ``make test-slow``
SLOW_PAGES = {"docs/explanation/synthetic-control.md", "docs/how-to/import-official-statistics.md"}


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(p, id=_rel(p), marks=pytest.mark.slow if _rel(p) in SLOW_PAGES else ())
        for p in RUNNABLE
    ],
)
def test_examples_run(page: Path, tmp_path: Path, monkeypatch, capsys):
    """The Python and console examples of a page run, in order, and print what the page shows."""
    from evaluation.cli import main

    page_blocks = blocks(page)
    for name in _needs(page_blocks):
        found = _find_data(name)
        if not found:
            pytest.skip(f"{_rel(page)} needs {name} from the public data in ../shared")
        (tmp_path / name).symlink_to(found[0])
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    printed = ""
    for block in page_blocks:
        where = f"{_rel(page)}, {block.where}"
        if block.comment.startswith("not run"):
            assert block.comment.removeprefix("not run").strip(": "), f"{where}: say why"
            continue
        if block.comment == "output":
            assert printed.strip() == block.body.strip(), f"{where}: the output differs"
            continue
        printed = ""
        if block.title:
            (tmp_path / block.title).write_text(block.body, encoding="utf-8")
        elif block.lang == "python":
            capsys.readouterr()
            exec(compile(block.body, where, "exec"), namespace)
            printed = capsys.readouterr().out
        elif block.lang == "console":
            for command, output in _console_commands(block.body):
                args = shlex.split(command)
                assert args[0] == "audit-eval", f"{where}: only audit-eval commands run here"
                if not output:
                    continue  # shown without output: only parsed (test_commands_parse)
                capsys.readouterr()
                main(args[1:])
                got = capsys.readouterr().out
                assert got.rstrip() == "\n".join(output).rstrip(), f"{where}: {command}"
        plt.close("all")


def _commands() -> list[tuple[str, str]]:
    out = []
    for page in [*PAGES, ROOT / "CONTRIBUTING.md"]:
        for block in blocks(page):
            if block.lang not in ("bash", "console", "sh"):
                continue
            for line in block.body.splitlines():
                line = line.removeprefix("$ ").split("  #")[0].strip()
                if line.startswith("audit-eval "):
                    out.append((f"{_rel(page)}, {block.where}", line))
    return out


def test_commands_parse():
    """Every ``audit-eval`` command shown in the README or the docs is valid for the parser."""
    from evaluation.cli import build_parser

    commands = _commands()
    assert len(commands) >= 10
    bad = []
    for where, line in commands:
        try:
            build_parser().parse_args(shlex.split(line)[1:])
        except SystemExit:
            bad.append(f"{where}: {line}")
    assert bad == []


def test_python_blocks_are_formatted_by_ruff():
    """ruff formats the Python blocks of every page (given by name, so no exclude can skip one)."""
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed beside this Python")
    pages = [*PAGES, ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md"]
    run = subprocess.run(
        [str(ruff), "format", "--check", *map(str, pages)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_readme_is_short_and_its_links_resolve():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 160
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if "://" not in link]
    assert len(local) >= 20
    assert [link for link in local if not (ROOT / link).exists()] == []


# -- the glossary and the reference ------------------------------------------------------------


def _tables(path: Path) -> list[list[list[str]]]:
    """Markdown tables of a page as rows of cells (header first, separator dropped)."""
    tables, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables + ([current] if current else [])


def _code(cell: str) -> str:
    m = re.fullmatch(r"`([^`]+)`", cell)
    assert m, f"a code cell holds one name in backticks: {cell!r}"
    return m[1]


class _Label(NamedTuple):
    de: str
    en: str


def _label(value: object) -> _Label | None:
    """A (German, English) label, given as a pair or as an object with ``de`` and ``en``."""
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return _Label(*value)
    de, en = getattr(value, "de", None), getattr(value, "en", None)
    return _Label(de, en) if isinstance(de, str) and isinstance(en, str) else None


def _package_labels() -> dict[str, _Label]:
    """Every label the package shows for a code: ``evaluation.labels.TERMS`` first, then the
    label tables (code -> German and English) that modules keep of their own, in module order."""
    from evaluation.labels import TERMS

    labels = {code: _label(pair) for code, pair in TERMS.items()}
    for info in pkgutil.walk_packages(ev.__path__, "evaluation."):
        if info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional dependency is missing: its labels are never shown
            continue
        for value in vars(module).values():
            if not (isinstance(value, dict) and value and all(isinstance(k, str) for k in value)):
                continue
            pairs = {code: _label(v) for code, v in value.items()}
            if all(pairs.values()):
                for code, pair in pairs.items():
                    labels.setdefault(code, pair)
    return labels


def test_glossary_labels_are_the_package_labels():
    from evaluation.codes import CODE_LISTS

    TERMS = _package_labels()  # the labels of every label table of the package, TERMS first

    checked = 0
    for table in _tables(ROOT / "docs" / "explanation" / "glossary.md"):
        header, rows = table[0], table[1:]
        if header[:3] == ["concept", "code name", "German label"]:
            for row in rows:
                code, label = _code(row[1]), row[2]
                expected = TERMS[code].de if code in TERMS else "—"
                assert label == expected, f"glossary: {code}"
                checked += 1
        elif header == ["code list", "code", "German label"]:
            for name, cell, label in rows:
                labels = {c.code: c.label_de for c in CODE_LISTS[name]}
                assert labels[_code(cell)] == label, f"glossary: {name} {cell}"
                checked += 1
    assert checked >= 80


def test_glossary_german_terms_are_the_package_words():
    """A German term quoted in the glossary's notes („Dosis“) occurs in the package's texts."""
    texts = [
        node.value
        for path in sorted((ROOT / "src" / "evaluation").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    glossary = (ROOT / "docs" / "explanation" / "glossary.md").read_text(encoding="utf-8")
    quoted = re.findall(r"„([^“]+)“", glossary)
    assert len(quoted) >= 10
    assert [term for term in quoted if not any(term in text for text in texts)] == []


def _hook(name: str):
    pytest.importorskip(
        "mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')"
    )
    spec = importlib.util.spec_from_file_location(
        f"docs_hook_{name}", ROOT / "docs" / "hooks" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _keys(data: dict, prefix: str = "") -> set[str]:
    keys = set()
    for k, v in data.items():
        name = f"{prefix}.{k}" if prefix else k
        keys |= _keys(v, name) if isinstance(v, dict) else {name}
    return keys


def test_every_configuration_key_is_described():
    reference = _hook("reference")
    tables = reference.config_tables(ev.ReportConfig)
    documented = {f"{table}.{row[0]}" for table, _, rows in tables for row in rows}
    assert documented == _keys(ev.ReportConfig().to_dict())
    assert all(row[3] for _, _, rows in tables for row in rows)


def test_every_public_name_has_a_reference_page():
    reference = _hook("reference")
    reference.check_groups(dict(ev._API))  # raises when a public name is in no group
    page = reference.api_page("staggered", dict(ev._API))
    assert "::: evaluation.staggered.att_gt" in page and 'heading: "evaluation.att_gt"' in page


def test_a_function_named_like_its_module_is_documented_as_the_function():
    # evaluation.planning.power is the submodule; the function is planning.power.power
    reference = _hook("reference")
    page = reference.api_page("planning", dict(ev._API))
    assert "::: evaluation.planning.power.power\n" in page
    assert "::: evaluation.planning.PanelDesign\n" in page  # the usual path for the others


def test_the_command_line_page_explains_every_exit_code():
    import evaluation.cli as cli

    page = _hook("reference").cli_page()
    codes = sorted({v for k, v in vars(cli).items() if k.startswith("EXIT_")})
    assert codes == [0, 1, 2, 3, 4]
    assert all(f"\n| {code} | " in page for code in codes)
