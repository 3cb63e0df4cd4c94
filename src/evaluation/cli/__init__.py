"""The command line ``audit-eval``: a thin layer over the API.

Each subcommand lives in a module of this package with a ``register(subparsers)`` function that
adds its parser and sets ``func`` (taking the parsed arguments, returning the exit code).
Exit codes: 0 success, 1 invalid data or failed check (with a message, never a traceback),
2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import EvaluationError

# modules of this package that define subcommands, in the order of the help text
SUBCOMMAND_MODULES: tuple[str, ...] = ("study", "ingest", "report", "power")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audit-eval",
        description="Evaluation of the Audit familiengerechte Kommune: validate studies, "
        "run analyses and render reports.",
    )
    parser.add_argument("--version", action="version", version=f"audit-eval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(f".{name}", __name__).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with code 2 on usage errors
    try:
        return int(args.func(args) or 0)
    except EvaluationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
