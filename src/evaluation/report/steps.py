"""Sections as lists of steps: each step names a heading, the analysis it runs, the caption of
its table and whether its plot is shown. :func:`run_steps` runs them in order, guarded (a
failing step is a note), and arranges the results; the sections only declare them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..i18n import Text
from .context import Context
from .document import Heading, Section


@dataclass(frozen=True)
class Step:
    """One analysis of a section and how its result is shown.

    Parameters
    ----------
    name
        The file stem of its table and figure (``tables/<name>.csv``).
    heading
        A heading shown before the result (None: none).
    run
        Called with the context; returns a result (or a DataFrame, or None to show nothing).
    caption
        The caption of the result's table (and the title of its figure).
    plot
        Whether the result's plot is shown.
    facts
        Whether the result's header facts are shown.
    method
        The key of the method in the methods appendix that this step runs.
    columns
        The columns shown (None: all; the CSV keeps every column).
    show
        Whether the table is shown (False: written as files and linked; None: when short).
    percent
        Further columns holding shares, shown as percentages.
    """

    name: str
    heading: Text | None
    run: Callable[[Context], Any]
    caption: Text
    plot: bool = True
    facts: bool = True
    method: str | None = None
    columns: tuple[str, ...] | None = None
    show: bool | None = None
    percent: tuple[str, ...] = ()


def run_steps(ctx: Context, section: Any, steps: Sequence[Step]) -> dict[str, Any]:
    """Run ``steps`` into ``section`` (a :class:`Section` or a group); returns the results
    by step name."""
    out: dict[str, Any] = {}
    for s in steps:
        if s.heading is not None:
            section.add(Heading(ctx.tr(s.heading), level=3 if isinstance(section, Section) else 4))
        ctx.step(f"{section.id}: {s.name}")
        res = ctx.guard(section, s.caption, s.run, ctx)
        out[s.name] = res
        if res is None:
            continue
        if s.method:
            ctx.used(s.method)
        ctx.add_result(
            section,
            res,
            s.name,
            s.caption,
            plot=s.plot,
            facts=s.facts,
            columns=s.columns,
            show=s.show,
            percent=s.percent,
        )
    return out
