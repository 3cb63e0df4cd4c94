"""Subcommands about reports: ``report``, ``summary`` and ``verify``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import EXIT_ANALYSES_FAILED, EXIT_OK, need_path

EXIT_CODES = (
    "Exit codes: 0 written and every analysis asked for ran; 1 invalid data or configuration, "
    "or the output cannot be written; 2 usage error (also a study or configuration that does "
    "not exist); 3 written, but analyses that the configuration asked for failed (one line on "
    "stderr; the notes in the report say why), 0 instead with --allow-failures."
)
REPLACE = (
    "OUT must not exist unless --force is given; even then only an earlier {what} written by "
    "audit-eval and holding nothing else is replaced."
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``report``, ``summary`` and ``verify``."""
    p = sub.add_parser(
        "report",
        help="write the full evaluation report of a study",
        description="Write the full evaluation report (HTML, PDF, Markdown, tables as CSV and "
        "LaTeX, figures as SVG and PNG, provenance.json) of the study folder STUDY into OUT, "
        "as configured in the TOML file CONFIG. "
        + REPLACE.format(what="report")
        + " "
        + EXIT_CODES,
    )
    p.add_argument("study", type=Path, help="study folder (with datapackage.json)")
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        help="report configuration (TOML; default: the documented defaults, every indicator; "
        "audit-eval config --example prints them)",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--force", action="store_true", help="replace an earlier report in OUT")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--allow-failures",
        action="store_true",
        help="exit with 0 even when analyses asked for failed (they are notes in the report)",
    )
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "summary",
        help="write the yearly summary of a study, with a profile per audited municipality",
        description="Write the yearly summary of YEAR against the year before (audit events, "
        "measures newly implemented, implementation rates, latest indicator values; two pages) "
        "followed by one profile page (Kommunensteckbrief) per audited municipality: its audit "
        "timeline, its measures per action field over the annual reports and its indicators "
        "against the comparison group. " + REPLACE.format(what="summary") + " " + EXIT_CODES,
    )
    p.add_argument("study", type=Path, help="study folder (with datapackage.json)")
    p.add_argument("--year", type=int, required=True, help="calendar year, e.g. 2024")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--config", type=Path, default=None, help="report configuration (TOML)")
    p.add_argument(
        "--municipalities",
        default=None,
        metavar="CODES",
        help="comma-separated codes (municipality_id) of the audited municipalities to profile, "
        "e.g. 09162000,05111000; default: every audited municipality",
    )
    p.add_argument(
        "--no-profiles", action="store_true", help="the overview of the year only, no profiles"
    )
    p.add_argument("--force", action="store_true", help="replace an earlier summary in OUT")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--allow-failures",
        action="store_true",
        help="exit with 0 even when analyses asked for failed (they are notes in the summary)",
    )
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser(
        "verify",
        help="check that a report can be re-created byte for byte",
        description="Re-hash the inputs and the configuration recorded in DIR/provenance.json, "
        "re-render the report into a temporary folder and compare. Exit 0 if everything "
        "matches, 1 with the list of differences (or a damaged provenance.json) otherwise, "
        "2 if DIR does not exist.",
    )
    p.add_argument("folder", type=Path, help="report or summary folder")
    p.set_defaults(func=cmd_verify)


def cmd_report(args: argparse.Namespace) -> int:
    """``report``: :func:`evaluation.render_report`."""
    from ..report import render_report

    need_path(args.study, "study folder", folder=True)
    if args.config is not None:
        need_path(args.config, "configuration", folder=False)
    out = render_report(
        args.study, args.config, args.out, force=args.force, progress=not args.quiet
    )
    print(f"report written to {out}")
    return outcome([out], args.allow_failures)


def cmd_summary(args: argparse.Namespace) -> int:
    from ..report import render_yearly_summary

    need_path(args.study, "study folder", folder=True)
    if args.config is not None:
        need_path(args.config, "configuration", folder=False)
    out = render_yearly_summary(
        args.study,
        args.year,
        args.out,
        config=args.config,
        municipalities=args.municipalities,
        profiles=not args.no_profiles,
        force=args.force,
        progress=not args.quiet,
    )
    print(f"summary written to {out}")
    return outcome([out], args.allow_failures)


def outcome(folders: list[Path], allow_failures: bool) -> int:
    """Exit code of written reports: 3 (or 0 with ``allow_failures``) when analyses that the
    configuration asked for failed, with one line about them on stderr."""
    from ..report.build import failed_analyses
    from ..report.text import clean, count

    failed: list[str] = []
    for folder in folders:
        where = f"{folder.name}: " if len(folders) > 1 else ""
        failed += [f"{where}{_short(f)}" for f in failed_analyses(folder)]
    if not failed:
        return EXIT_OK
    shown = "; ".join(failed[:5]) + (f"; and {len(failed) - 5} more" if len(failed) > 5 else "")
    word = "warning" if allow_failures else "error"
    n = count(len(failed), "analysis", "analyses", "en")
    print(
        clean(
            f"{word}: {n} asked for by the configuration failed ({shown}); the notes in the "
            "report say why"
            + ("" if allow_failures else "; --allow-failures accepts this (exit code 0)")
        ),
        file=sys.stderr,
    )
    return EXIT_OK if allow_failures else EXIT_ANALYSES_FAILED


def _short(entry: str) -> str:
    """ "section (scope): what: error" -> "section (scope): what"."""
    parts = entry.split(": ")
    return ": ".join(parts[:2]) if len(parts) > 2 else entry


def cmd_verify(args: argparse.Namespace) -> int:
    """``verify``: :func:`evaluation.verify_report`; exit 1 when anything differs."""
    from ..report import verify_report

    need_path(args.folder, "report folder", folder=True)
    result = verify_report(args.folder)
    print(result)
    return 0 if result.ok else 1
