"""Build hook: the reference pages, generated from the code at every build.

* ``reference/<group>.md``: the API reference of every public name of ``evaluation`` (the
  ``_API`` table of ``src/evaluation/__init__.py``), rendered by mkdocstrings from the
  docstrings. Each name is documented at the module that defines it today, under its public
  name ``evaluation.<name>``, so that moving a module changes nothing here. A public name that
  belongs to no group, or a group entry that is not public, stops the build.
* ``reference/cli.md``: every subcommand of ``audit-eval`` with its usage and options, from
  ``evaluation.cli.build_parser()``.
* ``reference/configuration.md``: every key of the report configuration with type, default
  and description, from the dataclasses of ``evaluation.report.config`` and the docstrings
  of their fields. A key without a description stops the build.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import functools
import inspect
import textwrap
import typing
from pathlib import Path
from typing import Any, Literal

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]

#: page -> (title, introduction, public names in the order shown)
API_GROUPS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "data-model": (
        "Data model",
        "The study, its seven tables, validation, the code lists and the synthetic demo study "
        "([explanation](../explanation/data-model.md)).",
        (
            "Study",
            "load_study",
            "init_study",
            "StudyValidationError",
            "Problem",
            "codes",
            "ACTION_FIELDS",
            "STATUSES",
            "datasets",
        ),
    ),
    "implementation": (
        "Implementation success",
        "Did the municipalities implement the agreed measures? "
        "([conventions](../explanation/implementation-conventions.md)).",
        (
            "implementation_rates",
            "status_progression",
            "status_transitions",
            "before_after_implementation",
            "cycle_comparison",
            "field_differences",
            "implementation_model",
            "time_to_implementation",
        ),
    ),
    "panels": (
        "Panels and classic designs",
        "The outcome panel of an indicator, comparison groups and the classic designs "
        "([standard errors](../explanation/standard-errors.md)).",
        (
            "build_panel",
            "missing_table",
            "before_after",
            "interrupted_time_series",
            "did_2x2",
            "twfe",
            "event_study",
            "match_comparison",
            "randomization_inference",
            "placebo_in_time",
        ),
    ),
    "staggered": (
        "Staggered adoption",
        "Group-time effects (Callaway & Sant'Anna), Sun & Abraham and the Goodman-Bacon "
        "decomposition ([relation to R](../explanation/r-parity.md)).",
        ("att_gt", "GroupTimeEffects", "sun_abraham", "bacon_decomposition", "StaggeredWarning"),
    ),
    "reports": (
        "Reports",
        "The full evaluation report, the yearly summary and their verification "
        "([configuration keys](configuration.md)).",
        (
            "ReportConfig",
            "load_config",
            "render_report",
            "render_summary",
            "render_yearly_summary",
            "verify_report",
            "run_demo",
        ),
    ),
    "ingest": (
        "Official statistics",
        "INKAR exports, the Destatis municipality directory, territorial changes and "
        "harmonisation ([how-to](../how-to/import-official-statistics.md)).",
        ("read_inkar", "read_gemeindeverzeichnis", "territorial_changes", "harmonise"),
    ),
    "results": (
        "Results",
        "The one interface of every estimate: `tidy()`, `summary(lang)`, `conf_int(level)`, "
        "`plot(ax=)`, `to_csv()` / `to_markdown()` / `to_latex()`, and `compare`.",
        ("Estimates", "TableResult", "compare"),
    ),
}

#: modules documented beside the public names (with all their public members)
EXTRA_MODULES: dict[str, tuple[str, str]] = {
    "errors": (
        "evaluation.errors",
        "The base exceptions of the package: every problem of the user's input raises an "
        "`EvaluationError` (data: `DataError`, configuration: `ConfigError`), which the command "
        "line turns into a message and exit code 1. Some exceptions and warnings still live with "
        "their modules until the restructuring gathers them here: `StudyValidationError` "
        "([data model](data-model.md)), `StaggeredWarning` ([staggered](staggered.md)) and "
        "`evaluation.implementation.ImplementationDataWarning`.",
    ),
}

#: members of documented modules that have an entry of their own (no duplicate anchors)
_OWN_ENTRY = {"codes": ("ACTION_FIELDS", "STATUSES")}


def _api() -> dict[str, str]:
    import evaluation

    return dict(evaluation._API)


def check_groups(api: dict[str, str]) -> None:
    """Every public name in exactly one group, and nothing else."""
    listed = [n for _, _, names in API_GROUPS.values() for n in names]
    twice = sorted({n for n in listed if listed.count(n) > 1})
    missing = sorted(set(api) - set(listed))
    extra = sorted(set(listed) - set(api))
    if twice or missing or extra:
        raise PluginError(
            "docs/hooks/reference.py API_GROUPS does not match evaluation._API: "
            f"in no group {missing}, not public {extra}, twice {twice}"
        )


def api_page(page: str, api: dict[str, str]) -> str:
    title, intro, names = API_GROUPS[page]
    out = [f"# {title}", "", intro, ""]
    out.append("Generated from the docstrings at every build; import everything from `evaluation`:")
    out += ["", "```python", "import evaluation as ev", "```", ""]
    for name in names:
        module = api[name]
        is_module = name == module
        identifier = f"evaluation.{module}" if is_module else f"evaluation.{module}.{name}"
        out.append(f"::: {identifier}")
        out.append("    options:")
        out.append(f'      heading: "evaluation.{name}"')
        out.append(f'      toc_label: "{name}"')
        if is_module:
            out.append("      show_submodules: false")
            own = _OWN_ENTRY.get(name, ())
            if own:
                out.append("      filters:")
                out.append('        - "!^_"')
                for member in own:
                    out.append(f'        - "!^{member}$"')
        out.append("")
    return "\n".join(out)


def errors_page() -> str:
    identifier, intro = EXTRA_MODULES["errors"]
    return "\n".join(
        [
            "# Errors and warnings",
            "",
            intro,
            "",
            f"::: {identifier}",
            "    options:",
            f'      heading: "{identifier}"',
            "",
        ]
    )


# -- command line --------------------------------------------------------------------------

_WIDTH = 100


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield path + (name,), sub, helps.get(name, "")
                yield from _walk(sub, path + (name,))


def _cell(text: Any) -> str:
    """Text for a Markdown table cell (reStructuredText code marks become Markdown ones)."""
    text = str(text).replace("``", "`").replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;")


def _argument_rows(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for a in parser._actions:
        if isinstance(a, argparse._HelpAction | argparse._SubParsersAction):
            continue
        if a.option_strings:
            names = ", ".join(f"`{o}`" for o in a.option_strings)
            if a.nargs != 0:
                metavar = a.metavar or a.dest.upper()
                names += f" `{metavar}`"
        else:
            names = f"`{a.metavar or a.dest}`"
        notes = []
        if a.choices is not None:
            notes.append("one of " + ", ".join(f"`{c}`" for c in a.choices))
        if a.required and a.option_strings:
            notes.append("required")
        if a.nargs in ("*", "+"):
            notes.append("one or more" if a.nargs == "+" else "any number")
        default = a.default
        if a.nargs != 0 and default not in (None, argparse.SUPPRESS) and not a.required:
            notes.append(f"default `{default}`")
        help_text = (a.help or "") % {"default": a.default} if a.help else ""
        rows.append(f"| {names} | {_cell(help_text)} | {_cell('; '.join(notes))} |")
    return rows


def cli_page() -> str:
    from evaluation.cli import build_parser

    parser = build_parser()
    formatter = functools.partial(argparse.HelpFormatter, width=_WIDTH)
    parser.formatter_class = formatter
    out = [
        "# Command line: `audit-eval`",
        "",
        "Generated from the argument parsers (`evaluation.cli.build_parser()`) at every build.",
        "The command line is a thin layer over the Python API. Exit codes: 0 success, 1 invalid",
        "data or a failed check (with a message, never a traceback), 2 usage error.",
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
        "",
    ]
    for path, sub, short in _walk(parser):
        sub.formatter_class = formatter
        level = "#" * (1 + len(path))
        out += [f"{level} `audit-eval {' '.join(path)}`", ""]
        text = sub.description or short or ""
        if text:
            out += [text, ""]
        out += ["```text", sub.format_usage().rstrip(), "```", ""]
        rows = _argument_rows(sub)
        if rows:
            out += ["| argument | meaning | values |", "| --- | --- | --- |", *rows, ""]
    return "\n".join(out)


# -- report configuration --------------------------------------------------------------------


def field_docs(cls: type) -> dict[str, str]:
    """The docstrings of a dataclass's fields (the string right below each field)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs = {}
    for node, after in zip(body, body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = " ".join(inspect.cleandoc(after.value.value).split())
    return docs


def _type_text(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(f'`"{v}"`' for v in typing.get_args(tp))
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            inner = _type_text(args[0])
            if inner.startswith("one of "):
                return "list, each " + inner
            return f"list of {inner}"
        return f"list of {len(args)} " + (
            "whole numbers" if all(a is int for a in args) else "values"
        )
    return {bool: "true or false", int: "whole number", float: "number", str: "text"}.get(
        tp, str(tp)
    )


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def config_tables(cls: type, prefix: str = "") -> list[tuple[str, type, list[tuple]]]:
    """(table name, settings class, [(key, type text, default, description)]) per table."""
    hints = typing.get_type_hints(cls)
    docs = field_docs(cls)
    rows, subtables = [], []
    for f in dataclasses.fields(cls):
        if not f.compare:  # where the configuration was read from, not a key
            continue
        tp = hints[f.name]
        name = f"{prefix}.{f.name}" if prefix else f.name
        if dataclasses.is_dataclass(tp):
            subtables += config_tables(tp, name)
            continue
        if f.name not in docs:
            raise PluginError(
                f"report configuration key {name!r} has no description: add a docstring below "
                f"the field in {cls.__module__}.{cls.__qualname__}"
            )
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        rows.append((f.name, _type_text(tp), _toml(default), docs[f.name]))
    own = [(prefix, cls, rows)] if prefix else []
    return own + subtables


def config_page() -> str:
    from evaluation.report.config import ReportConfig

    out = [
        "# Report configuration",
        "",
        "Generated from the configuration dataclasses (`evaluation.ReportConfig` and its",
        "tables) at every build. A report is configured by a small TOML file, read by",
        "`ev.load_config(path)` and by `audit-eval report --config`. Every key is optional; the",
        "default is used for a key that is not given. The file holds names and values from",
        "fixed lists only: nothing in it is evaluated as code, and there are no formulas.",
        "Unknown keys and wrong values are errors that name the key, e.g.",
        "`impact.estimators[1]: 'x' is not allowed; choose one of trends, before_after, ...`.",
        "`reports/demo.toml` is a complete example (the demo report's configuration).",
        "",
    ]
    for table, cls, rows in config_tables(ReportConfig):
        doc = inspect.getdoc(cls) or ""
        summary = doc.split(":", 1)[1].strip() if doc.startswith("``[") else doc
        summary = summary[:1].upper() + summary[1:]
        out += [f"## `[{table}]`", "", summary, ""]
        out += ["| key | type | default | description |", "| --- | --- | --- | --- |"]
        for key, tp, default, desc in rows:
            out.append(f"| `{key}` | {_cell(tp)} | `{_cell(default)}` | {_cell(desc)} |")
        out.append("")
    return "\n".join(out)


# -- the hook --------------------------------------------------------------------------------


def on_files(files, config):
    api = _api()
    check_groups(api)
    pages = {f"reference/{page}.md": api_page(page, api) for page in API_GROUPS}
    pages["reference/errors.md"] = errors_page()
    pages["reference/cli.md"] = cli_page()
    pages["reference/configuration.md"] = config_page()
    for uri, content in pages.items():
        files.append(File.generated(config, uri, content=content))
    return files
