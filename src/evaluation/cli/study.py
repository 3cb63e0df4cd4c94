"""Subcommands about study folders: ``validate``, ``init``, ``demo`` and ``schema``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..errors import EvaluationError
from ..validation import Problem, StudyValidationError, format_problems, problems_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check a study folder and list every problem",
        description="Check a study folder. Exit 0 and a summary if it is valid; exit 1 and the "
        "full list of problems (table, row, field, value) if not.",
    )
    p.add_argument("path", type=Path, help="study folder (with datapackage.json)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
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
        "unless --no-report, write the full evaluation report and the yearly summary to OUT.",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--no-report", action="store_true", help="only write and validate the data")
    p.add_argument("--force", action="store_true", help="replace an existing output folder")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "schema",
        help="write the data schema (descriptor, table schemas, code lists, codebook)",
    )
    p.add_argument("out", type=Path, help="folder to write into (e.g. data_schema)")
    p.set_defaults(func=cmd_schema)


def study_summary(study, problems: list[Problem]) -> str:
    """A one-screen summary of a valid study."""
    m = study.municipalities
    lines = [f"Study {study.source or ''}".rstrip() + ": valid"]
    lines.append("")
    lines.append("Rows per table:")
    for name, df in study.tables.items():
        lines.append(f"  {name:<20} {len(df):>9,}")
    groups = m["group"].value_counts().to_dict()
    levels = m["level"].value_counts().sort_index().to_dict()
    lines.append("")
    lines.append(
        "Units: "
        + ", ".join(f"{k} {v}" for k, v in sorted(groups.items()))
        + " | levels: "
        + ", ".join(f"{k} {v}" for k, v in levels.items())
        + f" | states: {m['state'].nunique()}"
    )
    a = study.audits
    if len(a):
        cohorts = study.onsets("certification").dropna(subset=["cohort"])["cohort"]
        counts = cohorts.value_counts().sort_index()
        lines.append(
            "Audits: "
            + ", ".join(
                f"cycle {int(k)}: {v}" for k, v in a["cycle"].value_counts().sort_index().items()
            )
        )
        if len(counts):
            lines.append(
                "Certification cohorts (first audit): "
                + ", ".join(f"{int(k)} ({v})" for k, v in counts.items())
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


def cmd_validate(args: argparse.Namespace) -> int:
    from ..study import load_study

    try:
        study = load_study(args.path, validate=True)
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
    from ..study import init_study

    written = init_study(args.path)
    print(f"Created {args.path} with {len(written)} files. Fill in the CSV templates (see")
    print("CODEBOOK.md), then check them with: audit-eval validate " + str(args.path))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    out: Path = args.out
    if args.no_report:
        from ..datasets import synthetic_study
        from ..io import save_study
        from ..study import load_study

        data = out / "data"
        if data.exists() and any(data.iterdir()) and not args.force:
            raise EvaluationError(f"{data} is not empty; pass --force to replace it")
        study = synthetic_study(seed=args.seed)
        save_study(study, data, overwrite=True)
        loaded = load_study(data)
        print(study_summary(loaded, loaded.problems()))
        return 0
    from ..report import run_demo

    run_demo(out, seed=args.seed, progress=True, force=args.force)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from ..schema import write_data_package

    written = write_data_package(args.out)
    print(f"Wrote {len(written)} files to {args.out}")
    return 0
