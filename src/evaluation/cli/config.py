"""``audit-eval config --example``: print a commented report configuration with every key at
its default (the same text ``audit-eval init`` writes as ``report.toml``)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``config`` subcommand."""
    p = sub.add_parser(
        "config",
        help="print a commented report configuration (every key, its default and choices)",
        description="Print a commented report.toml with every key at its default, its "
        "choices and limits. Use it as the start of a configuration: "
        "audit-eval config --example > report.toml",
    )
    p.add_argument(
        "--example",
        action="store_true",
        required=True,
        help="print the commented template (the defaults)",
    )
    p.set_defaults(func=cmd_config)


def cmd_config(args: argparse.Namespace) -> int:
    """Print the template."""
    from ..report.config import template_text

    sys.stdout.write(template_text())
    return 0
