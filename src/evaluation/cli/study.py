"""Subcommands about study folders: ``validate``, ``init``, ``demo`` and ``schema``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from .. import codes
from ..errors import StudyValidationError, UsageError
from ..study.checks import DEFAULT_YEARS
from ..study.problems import Problem, format_problems, problems_json
from ..study.read import MAX_ROWS
from . import need_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``validate``, ``init``, ``demo`` and ``schema``."""
    p = sub.add_parser(
        "validate",
        help="check a study folder and list every problem",
        description="Check a study folder. Exit 0 and a summary if it is valid; exit 1 and the "
        "full list of problems (table, row, field, value) if not; exit 2 if the folder does "
        "not exist.",
    )
    p.add_argument("path", type=Path, help="study folder (with datapackage.json)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.add_argument(
        "--years",
        type=int,
        nargs=2,
        metavar=("FIRST", "LAST"),
        default=list(DEFAULT_YEARS),
        help="plausible calendar years of dates and year fields; values outside are errors "
        f"(default {DEFAULT_YEARS[0]} {DEFAULT_YEARS[1]})",
    )
    p.add_argument(
        "--allow-outside",
        action="store_true",
        help="follow table paths of datapackage.json that are absolute, leave the folder (..) "
        "or are symbolic links (each table read from outside gets a warning naming it)",
    )
    p.add_argument(
        "--max-rows",
        type=_positive,
        default=MAX_ROWS,
        help=f"refuse a table with more rows than this (default {MAX_ROWS:,})",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "init",
        help="create an empty study folder with templates and the codebook",
        description="Create an empty study folder: datapackage.json, header-only CSV templates, "
        "code lists and the codebook. Refuses an existing non-empty folder.",
    )
    p.add_argument("path", type=Path, help="folder to create")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "demo",
        help="write the synthetic demo study (and its reports) and validate it",
        description="Generate the synthetic demo study into OUT/data, validate it and, "
        "unless --no-report, write the full evaluation report and the yearly summary to "
        "OUT/report and OUT/summary. Existing folders are replaced only with --force, and only "
        "if they hold an earlier demo output and nothing else. Exit codes as for report "
        "(3: analyses asked for failed).",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--no-report", action="store_true", help="only write and validate the data")
    p.add_argument("--force", action="store_true", help="replace an earlier demo output")
    p.add_argument(
        "--allow-failures",
        action="store_true",
        help="exit with 0 even when analyses asked for failed",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "schema",
        help="write the data schema (descriptor, table schemas, code lists, codebook)",
        description="Write the language-neutral data schema into the folder OUT. OUT must be "
        "new, or (with --force) an earlier schema folder holding nothing else; a study folder "
        "is never written into.",
    )
    p.add_argument("out", type=Path, help="folder to write into (e.g. data_schema)")
    p.add_argument("--force", action="store_true", help="replace an earlier schema folder")
    p.set_defaults(func=cmd_schema)


def study_summary(study, problems: list[Problem]) -> str:
    """A one-screen summary of a valid study (the command line speaks English): its tables,
    units (:func:`~evaluation.study.describe.unit_counts`), audits, certification cohorts
    (:func:`~evaluation.study.describe.cohort_counts`), indicators, measures and warnings."""
    from ..study import describe

    m = study.municipalities
    lines = [f"Study {study.source or ''}".rstrip() + ": valid"]
    lines.append("")
    lines.append("Rows per table:")
    from ..study.schema import TABLES

    for name, df in study.tables.items():
        if TABLES[name].required_table or len(df):  # optional tables only when given
            lines.append(f"  {name:<20} {len(df):>9,}")
    lines.append("")
    if not len(m):
        lines.append(
            "Units: none yet (the municipalities table is empty): fill in the tables before "
            "analysing; a report needs units"
        )
    else:
        levels = describe.unit_counts(study, "level").tidy()
        groups = {g: int(levels[f"n_{g}"].sum()) for g in codes.GROUP_CODES}
        lines.append(
            "Units: "
            + ", ".join(f"{k} {v}" for k, v in sorted(groups.items()) if v)
            + " | levels: "
            + ", ".join(f"{r.level} {r.n_total}" for r in levels.sort_values("level").itertuples())
            + f" | states: {m['state'].nunique()}"
        )
    a = study.audits
    if len(a):
        lines.append(
            "Audits: "
            + ", ".join(
                f"cycle {int(k)}: {v}" for k, v in a["cycle"].value_counts().sort_index().items()
            )
        )
        cohorts = describe.cohort_counts(study, onset="certification")
        if len(cohorts.tidy()):
            lines.append(
                "Certification cohorts (first audit): "
                + ", ".join(f"{r.cohort} ({r.n_units})" for r in cohorts.tidy().itertuples())
            )
        without = cohorts.facts["n_without_onset"]
        if without:
            lines.append(
                f"  {without} audited unit(s) without a certification date: in no cohort and "
                "not in the impact analyses"
            )
    ind = study.indicators
    if len(ind):
        lines.append(
            f"Indicators: {ind['indicator'].nunique()} "
            f"({', '.join(sorted(ind['indicator'].unique()))}), "
            f"years {int(ind['year'].min())}-{int(ind['year'].max())}"
        )
    if len(study.measures):
        lines.append(
            f"Measures: {len(study.measures):,} in {len(study.goals):,} goals; "
            f"report years {_range(study.measure_reports['report_year'])}"
        )
    warnings = [p for p in problems if p.severity == "warning"]
    if warnings:
        lines.append("")
        lines.append(f"{len(warnings)} warning(s):")
        lines += [f"  - {w}" for w in warnings[:20]]
    return "\n".join(lines)


def _range(s: pd.Series) -> str:
    s = s.dropna()
    return "none" if s.empty else f"{int(s.min())}-{int(s.max())}"


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def cmd_validate(args: argparse.Namespace) -> int:
    """``validate``: :func:`evaluation.load_study` with the options given."""
    from ..study.model import load_study

    need_path(args.path, "study folder")
    if args.years[0] > args.years[1]:
        raise UsageError(f"--years {args.years[0]} {args.years[1]}: FIRST is after LAST")
    try:
        study = load_study(
            args.path,
            validate=True,
            years=tuple(args.years),
            allow_outside=args.allow_outside,
            max_rows=args.max_rows,
        )
    except StudyValidationError as exc:
        if args.format == "json":
            print(exc.to_json())
        else:
            print(f"{args.path}: invalid")
            print(format_problems(exc.problems, limit=1_000, max_lines=1_000))
        return 1
    problems = study.problems()
    if args.format == "json":
        print(problems_json(problems))
    else:
        print(study_summary(study, problems))
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """``init``: :func:`evaluation.init_study`."""
    from ..study.model import init_study

    written = init_study(args.path)
    # the report configuration template beside the tables (owned by evaluation.report)
    from pathlib import Path

    from ..report.config import write_config_template

    written = [*written, write_config_template(Path(args.path) / "report.toml")]
    print(f"Created {args.path} with {len(written)} files. Fill in the CSV templates (see")
    print("CODEBOOK.md), then check them with: audit-eval validate " + str(args.path))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``demo``: :func:`evaluation.run_demo` (with ``--no-report`` only the demo study)."""
    out: Path = args.out
    if args.no_report:
        from ..report.build import write_demo_study
        from ..study.model import load_study

        data = write_demo_study(out / "data", args.seed, force=args.force)
        loaded = load_study(data)
        print(study_summary(loaded, loaded.problems()))
        return 0
    from ..report import run_demo
    from .report import outcome

    written = run_demo(out, seed=args.seed, progress=True, force=args.force)
    return outcome([written["report"], written["summary"]], args.allow_failures)


def cmd_schema(args: argparse.Namespace) -> int:
    """``schema``: the data schema (:func:`evaluation.study.schema.write_data_package`) into
    a new folder, written whole or not at all."""
    from ..report.output import atomic_folder
    from ..report.text import count
    from ..study.schema import write_data_package

    with atomic_folder(args.out, force=args.force, kind="schema", legacy=_schema_folder) as tmp:
        written = write_data_package(tmp)
    print(f"Wrote {count(len(written), 'file', 'files', 'en')} to {args.out}")
    return 0


def _schema_folder(folder: Path) -> set[str] | None:
    """A schema folder written before folders carried a marker (such as the committed
    data_schema): it holds table schemas; its files are those ``schema`` writes."""
    import tempfile

    from ..study.schema import write_data_package

    if not any(p.name.endswith(".schema.json") for p in folder.iterdir()):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        return {p.relative_to(tmp).as_posix() for p in write_data_package(tmp)}
