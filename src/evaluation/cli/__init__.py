"""The command line ``audit-eval``: a thin layer over the API.

Each subcommand lives in a module of this package with a ``register(subparsers)`` function that
adds its parser and sets ``func`` (taking the parsed arguments, returning the exit code). A
handler checks that its input paths exist, calls one function of the API and prints what it
returns (its notes); reading and writing folders is the only other thing it does. Messages of
the command line are in English; the documents it writes (reports, yearly summaries, the power
tables with ``--lang``) speak the language they are configured for.

Exit codes (the same for every subcommand):

- 0: done as asked;
- 1: invalid data, a failed check or an output that cannot be written (with a message naming
  what and where, never a traceback);
- 2: usage error (unknown option, missing argument, an input path that does not exist);
- 3: ``report``, ``summary`` and ``demo`` only: the output was written, but analyses that the
  configuration asked for failed (one line on stderr; the notes in the report say why);
  ``--allow-failures`` exits with 0 instead;
- 4: an internal error (a bug of the package; the message says what to report).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import EvaluationError, UsageError

# modules of this package that define subcommands, in the order of the help text
SUBCOMMAND_MODULES: tuple[str, ...] = ("study", "ingest", "report", "power", "config")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ANALYSES_FAILED = 3
EXIT_INTERNAL = 4

EPILOG = """\
exit codes: 0 done; 1 invalid data, failed check or output not written; 2 usage error (also
an input path that does not exist); 3 report/summary/demo written but analyses asked for
failed (--allow-failures: 0); 4 internal error (a bug)"""


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``audit-eval`` with every subcommand (also what the CLI reference page
    of the documentation is generated from)."""
    parser = argparse.ArgumentParser(
        prog="audit-eval",
        description="Evaluation of the Audit familiengerechte Kommune: validate studies, "
        "run analyses and render reports. The command line speaks English; reports and yearly "
        "summaries are written in the language of their configuration (report.language, "
        "German by default).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"audit-eval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(f".{name}", __name__).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (never raises, except on Ctrl-C: 130)."""
    from ..report.text import clean

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (2), --help and --version (0)
        return exc.code if isinstance(exc.code, int) else (EXIT_USAGE if exc.code else EXIT_OK)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"error: {clean(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except EvaluationError as exc:
        print(f"error: {clean(getattr(exc, 'cli_message', None) or exc)}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {clean(where)}{clean(exc.strerror or exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug: a message, and the details on request
        if os.environ.get("AUDIT_EVAL_TRACEBACK"):
            import traceback

            traceback.print_exc()
        print(
            f"internal error (a bug of audit-eval {__version__}; please report it with this "
            f"line and the command): {type(exc).__name__}: {clean(exc)}"
            + (
                ""
                if os.environ.get("AUDIT_EVAL_TRACEBACK")
                else " (set AUDIT_EVAL_TRACEBACK=1 for the details)"
            ),
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def need_path(path, what: str, *, folder: bool | None = None) -> None:
    """Raise :class:`UsageError` when an input path does not exist (or is of the wrong
    kind)."""
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        raise UsageError(f"{what} {p} does not exist")
    if folder is True and not p.is_dir():
        raise UsageError(f"{what} {p} is not a folder")
    if folder is False and p.is_dir():
        raise UsageError(f"{what} {p} is a folder, not a file")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
