"""Problems found in a study: one :class:`Problem` per finding, and how they are counted,
listed and written.

Every problem names table, row (1 = first data row below the header), field and value, with a
message that says what to do. At most :data:`PROBLEM_LIMIT` problems of one check in one field
are listed one by one; one summary problem (with ``count``) stands for the rest, so that a file
appended to itself does not give millions of objects. :class:`StudyValidationError` carries all
problems of a study at once; its message is :func:`format_problems`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import StudyValidationError
from .schema import TABLE_NAMES

Severity = Literal["error", "warning"]
#: How many lines of one kind (table, field, check) are printed.
PRINT_LIMIT = 20
#: How many problems of one check in one field are kept; the rest are counted in one summary
#: problem (its ``count``), so that a file appended to itself does not give millions of objects.
PROBLEM_LIMIT = 1_000
#: Tables in the order problems are listed (the descriptor first).
TABLE_ORDER = ("datapackage.json", *TABLE_NAMES)


@dataclass(frozen=True)
class Problem:
    """One problem found in a study."""

    table: str
    row: int | None
    field: str | None
    value: str | None
    message: str
    severity: Severity = "error"
    check: str = ""
    #: How many problems this entry stands for: 1, or the number of further rows with the same
    #: problem that were not listed one by one (then ``row`` is None).
    count: int = 1

    def __str__(self) -> str:
        where = [self.table]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.count > 1:
            where.append(f"{self.count:,} more rows")
        if self.field is not None:
            where.append(f"field {self.field}")
        value = "" if self.value is None else f" (value {self.value!r})"
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{', '.join(where)}: {tag}{self.message}{value}"


def omitted(
    table: str, field: str | None, message: str, check: str, n: int, severity: Severity = "error"
) -> Problem:
    """The summary problem standing for ``n`` problems that were not listed one by one."""
    return Problem(
        table,
        None,
        field,
        None,
        f"{message} [not listed one by one: only the first {PROBLEM_LIMIT:,} rows are]",
        severity,
        check,
        n,
    )


def count_problems(problems: Iterable[Problem], severity: Severity | None = None) -> int:
    """The number of problems, counting the rows that summary problems stand for."""
    return sum(p.count for p in problems if severity is None or p.severity == severity)


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """The problems as a DataFrame: one row per problem, one column per attribute."""
    cols = ["table", "row", "field", "value", "message", "severity", "check", "count"]
    return pd.DataFrame([asdict(p) for p in problems], columns=cols)


#: At most this many problems are written as JSON (with ``truncated`` and the totals).
JSON_LIMIT = 10_000


def problems_json(problems: Iterable[Problem], limit: int = JSON_LIMIT) -> str:
    """The problems as JSON: ``valid``, the totals (``n_errors``, ``n_warnings``,
    ``n_problems``, counting rows not listed one by one), ``truncated`` (true when not every
    problem is listed: then summary entries with ``count`` > 1 or the cut at ``limit`` entries
    stand for the rest) and ``problems``."""
    problems = list(problems)
    listed = problems[:limit]
    payload = {
        "valid": not any(p.severity == "error" for p in problems),
        "n_errors": count_problems(problems, "error"),
        "n_warnings": count_problems(problems, "warning"),
        "n_problems": count_problems(problems),
        "truncated": len(listed) < len(problems) or any(p.count > 1 for p in problems),
        "n_listed": len(listed),
        "problems": [asdict(p) for p in listed],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _row_ranges(rows: list[int], limit: int = 6) -> str:
    """Compact row numbers: ``rows 3, 75-93, 8660-8678 and 2 more ranges``."""
    rows = sorted(set(rows))
    ranges: list[tuple[int, int]] = []
    for r in rows:
        if ranges and r == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], r)
        else:
            ranges.append((r, r))
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in ranges[:limit]]
    more = len(ranges) - limit
    text = ", ".join(parts) + (f" and {more} more range(s)" if more > 0 else "")
    word = "row" if len(rows) == 1 else f"{len(rows)} rows:"
    return f"{word} {text}"


def format_problems(
    problems: list[Problem], limit: int = PRINT_LIMIT, max_lines: int | None = None
) -> str:
    """All problems, readable: grouped by table; the same problem with the same value in many
    rows is one line listing the rows; at most ``limit`` lines per kind of problem and at most
    ``max_lines`` lines in all (the first line gives the totals either way)."""
    n_err = count_problems(problems, "error")
    n_warn = count_problems(problems, "warning")
    lines = [f"{n_err} error(s) and {n_warn} warning(s) found in the study:"]
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.table, p.field, p.check, p.message, p.value, p.severity), []).append(p)
    order = {name: i for i, name in enumerate(TABLE_ORDER)}
    keys = sorted(
        groups,
        key=lambda k: (order.get(k[0], -1), min((q.row or 0) for q in groups[k]), k[1] or ""),
    )
    shown: dict[tuple, int] = {}
    hidden: dict[tuple, int] = {}
    for key in keys:
        members = groups[key]
        first = members[0]
        kind = (first.table, first.field, first.check or first.message)
        shown[kind] = shown.get(kind, 0) + 1
        if shown[kind] > limit:
            hidden[kind] = hidden.get(kind, 0) + count_problems(members)
            continue
        rows = [q.row for q in members if q.row is not None]
        if len(members) > 1 and rows and all(q.count == 1 for q in members):
            where = [first.table, _row_ranges(rows)]
            if first.field is not None:
                where.append(f"field {first.field}")
            value = "" if first.value is None else f" (value {first.value!r})"
            tag = "" if first.severity == "error" else f"{first.severity}: "
            lines.append(f"  - {', '.join(where)}: {tag}{first.message}{value}")
        else:
            lines += [f"  - {q}" for q in members]
    for (table, fld, check), n in hidden.items():
        lines.append(f"  ... and {n:,} more like this in {table}, field {fld} ({check})")
    if max_lines is not None and len(lines) > max_lines + 1:
        cut = len(lines) - 1 - max_lines
        lines = lines[: max_lines + 1]
        lines.append(
            f"  ... and {cut:,} more line(s) not shown (the first {max_lines:,} are; "
            "--format json lists the problems for machines)"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# building problems (shared by reading, coercion and the checks)
# ---------------------------------------------------------------------------------------------
def capped(idx: np.ndarray) -> tuple[np.ndarray, int]:
    """The first :data:`PROBLEM_LIMIT` positions of ``idx`` and how many were left out."""
    return idx[:PROBLEM_LIMIT], max(0, len(idx) - PROBLEM_LIMIT)


def problems_at(
    table: str,
    field: str,
    values: pd.Series,
    mask: np.ndarray,
    message: str,
    check: str,
    severity: Severity = "error",
) -> list[Problem]:
    """One problem per row where ``mask`` is true (at most :data:`PROBLEM_LIMIT`, then one
    summary problem for the rest), each with the row's value of ``values``."""
    if not mask.any():
        return []
    idx, n_more = capped(np.flatnonzero(mask))
    vals = values.to_numpy()[idx]
    out = [
        Problem(table, int(i) + 1, field, None if _na(v) else str(v), message, severity, check)
        for i, v in zip(idx, vals, strict=True)
    ]
    if n_more:
        out.append(omitted(table, field, message, check, n_more, severity))
    return out


def _na(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def row_key(p: Problem) -> int:
    """Sort key of problems by row (problems without a row last)."""
    return p.row if p.row is not None else 1 << 62


def file_problem(
    table: str,
    message: str,
    severity: Severity = "error",
    check: str = "file",
    value: str | None = None,
) -> Problem:
    """A problem of a whole table file (no row, no field)."""
    return Problem(table, None, None, value, message, severity, check)


def shorten(value: Any, n: int = 80) -> str:
    """``value`` as text of at most ``n`` characters (JSON for what is not text)."""
    s = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return s if len(s) <= n else s[: n - 3] + "..."


StudyValidationError.formatter = format_problems
StudyValidationError.frame_maker = problems_frame
StudyValidationError.json_maker = problems_json
