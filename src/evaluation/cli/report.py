"""Subcommands about reports: ``report``, ``summary`` and ``verify``."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write the full evaluation report of a study",
        description="Write the full evaluation report (HTML, PDF, Markdown, tables as CSV and "
        "LaTeX, figures as SVG and PNG, provenance.json) of the study folder STUDY into OUT, "
        "as configured in the TOML file CONFIG. OUT must not exist unless --force is given.",
    )
    p.add_argument("study", type=Path, help="study folder (with datapackage.json)")
    p.add_argument("--config", type=Path, required=True, help="report configuration (TOML)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--force", action="store_true", help="replace an existing report folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "summary",
        help="write the yearly summary of a study (two pages at most)",
        description="Write the yearly summary of YEAR against the year before: audit events, "
        "measures newly implemented, implementation rates, latest indicator values.",
    )
    p.add_argument("study", type=Path, help="study folder (with datapackage.json)")
    p.add_argument("--year", type=int, required=True, help="calendar year, e.g. 2024")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--config", type=Path, default=None, help="report configuration (TOML)")
    p.add_argument("--force", action="store_true", help="replace an existing summary folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser(
        "verify",
        help="check that a report can be re-created byte for byte",
        description="Re-hash the inputs and the configuration recorded in DIR/provenance.json, "
        "re-render the report into a temporary folder and compare. Exit 0 if everything "
        "matches, 1 with the list of differences otherwise.",
    )
    p.add_argument("folder", type=Path, help="report or summary folder")
    p.set_defaults(func=cmd_verify)


def cmd_report(args: argparse.Namespace) -> int:
    from ..report import render_report

    out = render_report(
        args.study, args.config, args.out, force=args.force, progress=not args.quiet
    )
    print(f"report written to {out}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from ..report import render_summary

    out = render_summary(
        args.study,
        args.year,
        args.out,
        config=args.config,
        force=args.force,
        progress=not args.quiet,
    )
    print(f"summary written to {out}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from ..report import verify_report

    result = verify_report(args.folder)
    print(result)
    return 0 if result.ok else 1
