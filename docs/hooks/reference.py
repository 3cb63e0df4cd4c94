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
import importlib
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
        "The study, its seven tables, validation, the code lists, the synthetic demo study "
        "and the descriptive tables of a study "
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
            "audit_events",
            "certified_units",
            "moved_to_implemented",
            "latest_indicators",
            "yearly_group_means",
            "unit_counts",
            "cohort_counts",
            "indicator_coverage",
            "frequent_measure_titles",
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
        (
            "att_gt",
            "GroupTimeEffects",
            "randomization_att_gt",
            "sun_abraham",
            "bacon_decomposition",
            "StaggeredWarning",
        ),
    ),
    "robustness": (
        "Robustness estimators",
        "Further heterogeneity-robust estimators for staggered adoption, built on one model of "
        "the untreated outcome: the imputation estimator and two-stage DiD "
        "([designs](../explanation/impact-designs.md#imputation-and-two-stage-estimators)); "
        "all staggered estimators on one panel with `compare_estimators`.",
        ("did_imputation", "did_two_stage", "compare_estimators", "EstimatorComparison"),
    ),
    "implementation-meets-impact": (
        "Implementation meets impact",
        "Implementation intensity, effects by intensity, continuous treatments, certificates in "
        "force and treatments that switch on and off "
        "([explanation](../explanation/implementation-meets-impact.md)).",
        (
            "implementation_intensity",
            "heterogeneity",
            "continuous_did",
            "certification_status",
            "did_multiplegt",
            "twfe_weights",
        ),
    ),
    "few-treated-units": (
        "Few treated units and sensitivity",
        "Sensitivity to violations of parallel trends, the restricted wild cluster bootstrap and "
        "multiple testing across indicators "
        "([explanation](../explanation/few-treated-units.md)).",
        ("honest_did", "wild_bootstrap_ols", "wild_bootstrap", "LinearDesign", "adjust_pvalues"),
    ),
    "synthetic": (
        "Synthetic control and synthetic DiD",
        "Weighted combinations of never-audited units as the comparison for one or a few "
        "audited units ([explanation](../explanation/synthetic-control.md)).",
        ("synthetic_control", "synthetic_did"),
    ),
    "mixed-methods": (
        "Mixed methods",
        "Goal attainment, coder agreement, survey estimates and costs "
        "([explanation](../explanation/mixed-methods.md), "
        "[how-to](../how-to/mixed-methods.md)).",
        (
            "goal_attainment",
            "goal_implementation_shares",
            "attainment_by_implementation",
            "coder_agreement",
            "krippendorff_alpha",
            "survey_estimates",
            "LIKERT_SCALES",
            "measure_costs",
            "read_survey_file",
            "synthetic_mixed_methods",
            "add_mixed_methods",
            "survey_cross_sections",
        ),
    ),
    "planning": (
        "Planning",
        "Power, minimum detectable effects and simulation studies, serially, on local processes "
        "or on a Dask cluster ([how-to](../how-to/plan-an-evaluation.md), "
        "[explanation](../explanation/planning.md)).",
        (
            "PanelDesign",
            "power",
            "minimum_detectable_effect",
            "PlanEstimator",
            "simulate",
            "run_replications",
            "planning",
        ),
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
        "INKAR exports, the Destatis municipality directory, territorial changes, "
        "harmonisation and the update of a study with them "
        "([how-to](../how-to/import-official-statistics.md)).",
        (
            "read_inkar",
            "read_gemeindeverzeichnis",
            "territorial_changes",
            "harmonise",
            "set_municipalities",
            "add_indicators",
        ),
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
        "`EvaluationError` (data: `DataError`, configuration: `ConfigError`, an output that "
        "cannot be written: `OutputError`), which the command line turns into a message and exit "
        "code 1; `FewClustersWarning` flags cluster-robust standard errors from too few clusters "
        "([standard errors](../explanation/standard-errors.md#degenerate-designs-and-few-clusters)). "
        "Some exceptions and warnings still live with their modules until the restructuring "
        "gathers them here: `StudyValidationError` ([data model](data-model.md)), "
        "`StaggeredWarning` ([staggered](staggered.md)), "
        "`evaluation.implementation.ImplementationDataWarning`, "
        "`evaluation.mixed.SurveyFileWarning`, the option errors of the sensitivity analysis, the "
        "wild bootstrap and multiple testing (`ValueError`s), and `OutputExistsError` and "
        "`OutputBusyError` of `evaluation.report.output`.",
    ),
}

#: members of documented modules that have an entry of their own (no duplicate anchors)
_OWN_ENTRY = {
    "codes": ("ACTION_FIELDS", "STATUSES"),
    "planning": (
        "PanelDesign",
        "PlanEstimator",
        "power",
        "minimum_detectable_effect",
        "simulate",
        "run_replications",
    ),
}


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


def _identifier(name: str, module: str) -> str:
    """Where mkdocstrings finds a public name: ``evaluation.<module>.<name>``, except for a
    function defined in a submodule of the same name (``planning.power.power``), which that
    path would resolve to the submodule instead."""
    if name == module:
        return f"evaluation.{module}"
    identifier = f"evaluation.{module}.{name}"
    obj = getattr(importlib.import_module(f"evaluation.{module}"), name)
    if getattr(obj, "__module__", None) == identifier:
        return f"{identifier}.{name}"
    return identifier


def api_page(page: str, api: dict[str, str]) -> str:
    title, intro, names = API_GROUPS[page]
    out = [f"# {title}", "", intro, ""]
    out.append("Generated from the docstrings at every build; import everything from `evaluation`:")
    out += ["", "```python", "import evaluation as ev", "```", ""]
    for name in names:
        module = api[name]
        is_module = name == module
        identifier = _identifier(name, module)
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
        "The command line is a thin layer over the Python API. Every subcommand ends with one",
        "of these exit codes (also in `audit-eval --help`), with a message and never a Python",
        "traceback for bad input:",
        "",
        "| code | meaning |",
        "| --- | --- |",
        "| 0 | done as asked |",
        "| 1 | invalid data, a failed check (`validate`, `verify`), or an output that cannot be "
        "written (it exists, holds files of yours, is locked by another run, the disk is full "
        "or read-only); the message says what and where |",
        "| 2 | usage error: unknown option, missing argument, or an input path (study, "
        "configuration, report folder) that does not exist |",
        "| 3 | `report`, `summary`, `demo`: the output was written, but analyses the "
        "configuration asked for failed (one line on stderr names them, the notes in the "
        "report say why); `--allow-failures` exits with 0 instead |",
        "| 4 | internal error, a bug of the package (the message says what to report; "
        "`AUDIT_EVAL_TRACEBACK=1` shows the details) |",
        "",
        "An empty study (as `init` writes it) is valid, and `validate` says that it has no units",
        "yet; `report` and `summary` refuse it (exit 1).",
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
