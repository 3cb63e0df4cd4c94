"""Validation of a study against the data schema, as a careful data manager would do it.

Two steps, both vectorised so that an indicators table of a million rows is checked in seconds:

1. :func:`coerce_table` turns a raw table (text as read from a file, or any DataFrame) into the
   schema's dtypes and reports every cell that is not of its type (never turning text into a
   silent NaN);
2. :func:`check_study` checks the typed tables: required values, code lists (with the closest
   valid code as a hint), AGS codes (with a hint when a leading zero was lost), keys, foreign
   keys, date order, plausible years and the consistency of groups and audits.

At most :data:`PROBLEM_LIMIT` problems of one check in one field are listed one by one; one
summary problem (with ``count``) stands for the rest.

Every problem is a :class:`Problem` naming table, row (1 = first data row below the header),
field and value. :class:`StudyValidationError` carries all of them at once.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .. import codes
from ..errors import ConfigError, StudyValidationError
from . import schema
from .schema import Table

Severity = Literal["error", "warning"]
DTYPES = {"string": "string", "integer": "Int64", "number": "float64", "boolean": "boolean"}
TRUE_WORDS = {"true", "1", "yes", "ja", "wahr"}
FALSE_WORDS = {"false", "0", "no", "nein", "falsch"}
#: How many lines of one kind (table, field, check) are printed.
PRINT_LIMIT = 20
#: How many problems of one check in one field are kept; the rest are counted in one summary
#: problem (its ``count``), so that a file appended to itself does not give millions of objects.
PROBLEM_LIMIT = 1_000
#: Plausible calendar years (of dates and year fields) unless ``years=`` says otherwise.
DEFAULT_YEARS: tuple[int, int] = (1900, 2100)
#: The dates pandas can hold (datetime64[ns]).
DATE_YEARS: tuple[int, int] = (1678, 2261)
#: Integers larger than this lose digits as floating-point numbers.
MAX_INTEGER = 2**53
#: Tables in the order problems are listed (the descriptor first).
TABLE_ORDER = ("datapackage.json", *schema.TABLE_NAMES)


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
# step 1: types
# ---------------------------------------------------------------------------------------------
def _rows(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask) + 1


_STRING = pd.StringDtype(na_value=pd.NA)


def _text(s: pd.Series) -> pd.Series:
    """A column as stripped text with missing as NA ('' counts as missing)."""
    if (
        isinstance(s.dtype, pd.StringDtype)
        and s.dtype.storage == "pyarrow"
        and _STRING.storage == "pyarrow"
    ):
        # text read from a CSV file: strip and blank out in Arrow, without Python objects (the
        # same operation as .str.strip() on Arrow strings, a few times faster)
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = s.array.__arrow_array__()
        if isinstance(arr, pa.Array):
            arr = pa.chunked_array([arr])
        arr = pc.utf8_trim_whitespace(arr)
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
        return pd.Series(pd.array(arr, dtype=_STRING), index=s.index, name=s.name)
    t = s.astype(_STRING).str.strip()
    return t.replace("", pd.NA)


def _capped(idx: np.ndarray) -> tuple[np.ndarray, int]:
    """The first :data:`PROBLEM_LIMIT` positions and how many were left out."""
    return idx[:PROBLEM_LIMIT], max(0, len(idx) - PROBLEM_LIMIT)


def _problems_at(
    table: str,
    field: str,
    values: pd.Series,
    mask: np.ndarray,
    message: str,
    check: str,
    severity: Severity = "error",
) -> list[Problem]:
    if not mask.any():
        return []
    idx, n_more = _capped(np.flatnonzero(mask))
    vals = values.to_numpy()[idx]
    out = [
        Problem(table, int(i) + 1, field, None if _na(v) else str(v), message, severity, check)
        for i, v in zip(idx, vals, strict=True)
    ]
    if n_more:
        out.append(omitted(table, field, message, check, n_more, severity))
    return out


def _na(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _parse_number(text: pd.Series, decimal_char: str, group_char: str | None) -> pd.Series:
    t = text
    if group_char:
        t = t.str.replace(group_char, "", regex=False)
    if decimal_char != ".":
        t = t.str.replace(decimal_char, ".", regex=False)
    return pd.to_numeric(t, errors="coerce")


def coerce_column(
    table: str,
    f: schema.Field,
    s: pd.Series,
    *,
    decimal_char: str = ".",
    group_char: str | None = None,
    date_format: str | None = None,
) -> tuple[pd.Series, list[Problem]]:
    """Convert one column to the field's dtype; report every cell that does not convert."""
    if f.type == "string":
        return _text(s), []
    if f.type == "integer":
        if pd.api.types.is_integer_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            big = s.notna().to_numpy() & (
                np.abs(s.to_numpy(dtype=float, na_value=0.0)) >= MAX_INTEGER
            )
            probs = _problems_at(table, f.name, s, big, _INTEGER_RANGE, "type")
            return s.where(~big).astype("float64").astype("Int64"), probs
        if pd.api.types.is_float_dtype(s.dtype):
            v = s.to_numpy(dtype=float, na_value=np.nan)
            present = ~np.isnan(v)
            finite = np.isfinite(v)
            big = present & finite & (np.abs(v) >= MAX_INTEGER)
            bad = present & (~finite | (np.floor(np.where(finite, v, 0)) != v)) & ~big
            probs = _problems_at(table, f.name, s, bad, "not a whole number", "type")
            probs += _problems_at(table, f.name, s, big, _INTEGER_RANGE, "type")
            return s.where(~(bad | big)).round().astype("Int64"), sorted(probs, key=_row_key)
        text = _text(s)
        num = _parse_number(text, ".", None)
        v = num.to_numpy(dtype=float, na_value=np.nan)
        present = text.notna().to_numpy()
        finite = np.isfinite(v)
        big = present & finite & (np.abs(v) >= MAX_INTEGER)
        bad = present & ~big & (~finite | (np.floor(np.where(finite, v, 0)) != v))
        probs = _problems_at(table, f.name, text, bad, "not a whole number", "type")
        probs += _problems_at(table, f.name, text, big, _INTEGER_RANGE, "type")
        out = pd.Series(np.where(bad | big, np.nan, v), index=s.index).astype("Int64")
        return out, sorted(probs, key=_row_key) if bad.any() and big.any() else probs
    if f.type == "number":
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            out = s.astype("float64")
            bad = np.isinf(out.to_numpy())
            return out.where(~bad), _problems_at(
                table, f.name, s, bad, "not a finite number", "type"
            )
        text = _text(s)
        num = _parse_number(text, decimal_char, group_char)
        inf = text.notna().to_numpy() & np.isinf(num.to_numpy(dtype=float, na_value=np.nan))
        bad = text.notna().to_numpy() & num.isna().to_numpy()
        msg = "not a number"
        if decimal_char == "." and text[bad].str.contains(",", regex=False).any():
            msg = (
                "not a number (decimal comma? declare decimalChar ',' for the field or the "
                "table's dialect in datapackage.json)"
            )
        probs = _problems_at(table, f.name, text, bad, msg, "type")
        if inf.any():
            probs += _problems_at(
                table, f.name, text, inf, "not a number: infinite or too large", "type"
            )
            probs.sort(key=_row_key)
            bad = bad | inf
        return (num.where(~bad) if bad.any() else num).astype("float64"), probs
    if f.type == "boolean":
        if pd.api.types.is_bool_dtype(s.dtype):
            return s.astype("boolean"), []
        text = _text(s).str.lower()
        is_true = text.isin(TRUE_WORDS).to_numpy()
        is_false = text.isin(FALSE_WORDS).to_numpy()
        bad = text.notna().to_numpy() & ~is_true & ~is_false
        out = pd.Series(pd.array([pd.NA] * len(s), dtype="boolean"), index=s.index)
        out[is_true] = True
        out[is_false] = False
        probs = _problems_at(table, f.name, text, bad, "not true or false", "type")
        return out, probs
    if f.type == "date":
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            return _datetimes(table, f.name, s)
        text = _text(s)
        if date_format not in (None, "", "default", "any", "%Y-%m-%d"):
            return _dates_in_format(table, f.name, text, date_format)
        iso = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy()
        year = pd.to_numeric(text.str.slice(0, 4).where(iso), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
        outside = iso & ((year < DATE_YEARS[0]) | (year > DATE_YEARS[1]))
        out = pd.to_datetime(
            text.where(~outside) if outside.any() else text, format="%Y-%m-%d", errors="coerce"
        )
        bad = text.notna().to_numpy() & out.isna().to_numpy() & ~outside
        probs = _problems_at(table, f.name, text, outside, _DATE_RANGE, "type")
        if bad.any():
            german = text[bad].str.match(r"^\d{1,2}\.\d{1,2}\.\d{4}$").fillna(False).to_numpy()
            probs += _problems_at(
                table,
                f.name,
                text,
                _expand(bad, german),
                "not a date: write dates as YYYY-MM-DD (e.g. 12.06.2015 -> 2015-06-12)",
                "type",
            ) + _problems_at(
                table,
                f.name,
                text,
                _expand(bad, ~german),
                "not a date in the form YYYY-MM-DD",
                "type",
            )
        probs.sort(key=_row_key)
        return out.astype("datetime64[ns]"), probs
    raise ValueError(f"unknown field type {f.type!r}")  # pragma: no cover - schema bug


_INTEGER_RANGE = "whole number too large (more than 15 digits): check the value"
_DATE_RANGE = (
    f"date outside the years {DATE_YEARS[0]}-{DATE_YEARS[1]} that can be analysed: check the year"
)


def _row_key(p: Problem) -> int:
    return p.row if p.row is not None else 1 << 62


def _datetimes(table: str, field: str, s: pd.Series) -> tuple[pd.Series, list[Problem]]:
    """Dates that are already datetimes (Parquet, DataFrames): naive calendar dates in range."""
    probs: list[Problem] = []
    if getattr(s.dt, "tz", None) is not None:
        probs.append(
            Problem(
                table,
                None,
                field,
                str(s.dt.tz),
                "dates carry a time zone: the calendar date in that time zone is used; store "
                "plain dates without a time zone",
                "warning",
                "type",
            )
        )
        s = s.dt.tz_localize(None)
    year = s.dt.year.to_numpy(dtype=float, na_value=np.nan)
    outside = (year < DATE_YEARS[0]) | (year > DATE_YEARS[1])
    if outside.any():
        probs += _problems_at(table, field, s.astype(str), outside, _DATE_RANGE, "type")
        s = s.where(~outside)
    return s.astype("datetime64[ns]"), probs


def _dates_in_format(
    table: str, field: str, text: pd.Series, date_format: str
) -> tuple[pd.Series, list[Problem]]:
    """Dates in the format a descriptor declares for the field (e.g. ``%d.%m.%Y``)."""
    try:
        out = pd.to_datetime(text, format=date_format, errors="coerce")
    except (ValueError, TypeError):
        out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        return out, [
            Problem(
                table,
                None,
                field,
                date_format,
                "the date format declared in datapackage.json cannot be used: write it as "
                "in Python's strftime, e.g. %d.%m.%Y",
                check="descriptor",
            )
        ]
    bad = text.notna().to_numpy() & out.isna().to_numpy()
    probs = _problems_at(
        table, field, text, bad, f"not a date in the declared format {date_format}", "type"
    )
    out, more = _datetimes(table, field, out)
    return out, probs + more


def _expand(mask: np.ndarray, sub: np.ndarray) -> np.ndarray:
    out = np.zeros_like(mask)
    out[np.flatnonzero(mask)[sub]] = True
    return out


def coerce_table(
    table: Table,
    df: pd.DataFrame,
    *,
    decimal_chars: dict[str, str] | None = None,
    group_chars: dict[str, str] | None = None,
    date_formats: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Return the table in the schema's dtypes (schema columns first) and the type problems.

    Missing optional columns are added empty; a missing required column is a problem. Extra
    columns are kept: numeric baseline covariates in ``municipalities``, anything else with a
    warning.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"table {table.name} must be a pandas DataFrame, got {type(df).__name__}")
    decimal_chars = decimal_chars or {}
    group_chars = group_chars or {}
    date_formats = date_formats or {}
    problems: list[Problem] = []
    df = df.reset_index(drop=True)
    cols = {}
    for f in table.fields:
        if f.name not in df.columns:
            if f.required:
                problems.append(
                    Problem(
                        table.name,
                        None,
                        f.name,
                        None,
                        f"required column is missing (columns found: {', '.join(map(str, df.columns))})",
                        check="column",
                    )
                )
            empty = pd.Series([pd.NA] * len(df), dtype="object")
            col, _ = coerce_column(table.name, f, empty)
            cols[f.name] = col
            continue
        col, probs = coerce_column(
            table.name,
            f,
            df[f.name],
            decimal_char=decimal_chars.get(f.name, "."),
            group_char=group_chars.get(f.name),
            date_format=date_formats.get(f.name),
        )
        cols[f.name] = col
        problems += probs
    out = pd.DataFrame(cols, index=df.index)
    for c in df.columns:
        if c in out.columns:
            continue
        if table.extra_numeric_columns:
            f = schema.Field(str(c), "number", "baseline covariate")
            col, probs = coerce_column(table.name, f, df[c], decimal_char=decimal_chars.get(c, "."))
            out[c] = col
            problems += [
                Problem(
                    p.table,
                    p.row,
                    p.field,
                    p.value,
                    "not a number (extra columns of municipalities are numeric baseline "
                    "covariates)",
                    check="type",
                )
                for p in probs
            ]
        else:
            out[c] = df[c]
            problems.append(
                Problem(
                    table.name,
                    None,
                    str(c),
                    None,
                    f"column is not part of the schema and is ignored by the analyses "
                    f"(known columns: {', '.join(table.field_names)})",
                    "warning",
                    "column",
                )
            )
    return out, problems


# ---------------------------------------------------------------------------------------------
# step 2: content
# ---------------------------------------------------------------------------------------------
def closest_code(value: str, code_list: Iterable[codes.Code]) -> str | None:
    """The valid code closest to ``value`` (matching codes and their German/English labels)."""
    entries = list(code_list)
    low = str(value).strip().lower()
    if low.isdigit():
        # a number that lost its leading zero in a spreadsheet: 1 -> 01
        for c in entries:
            if c.code.isdigit() and c.code.lstrip("0") == low.lstrip("0") and c.code != low:
                return c.code
    candidates: dict[str, str] = {}
    for c in entries:
        for key in (c.code, c.label_de.lower(), c.label_en.lower()):
            candidates[key.lower()] = c.code
    if low in candidates:
        return candidates[low]
    match = difflib.get_close_matches(low, list(candidates), n=1, cutoff=0.5)
    return candidates[match[0]] if match else None


ENUM_LISTS = {
    ("municipalities", "level"): codes.LEVELS,
    ("municipalities", "state"): codes.STATES,
    ("municipalities", "group"): codes.GROUPS,
    ("goals", "action_field"): codes.ACTION_FIELDS + codes.OPTIONAL_MODULES,
    ("measure_reports", "status"): codes.STATUSES,
    ("indicator_catalogue", "aggregation"): codes.AGGREGATIONS,
}


def _check_fields(
    table: Table, df: pd.DataFrame, years: tuple[int, int] = DEFAULT_YEARS
) -> list[Problem]:
    problems: list[Problem] = []
    for f in table.fields:
        s = df[f.name]
        na = s.isna().to_numpy()
        if f.required and na.any():
            problems += _problems_at(
                table.name, f.name, s, na, "required value is missing", "required"
            )
        if f.enum is not None:
            bad = ~na & ~s.isin(f.enum).to_numpy()
            if bad.any():
                hints = {}
                code_list = ENUM_LISTS.get((table.name, f.name))
                idx, n_more = _capped(np.flatnonzero(bad))
                for v in pd.unique(s.iloc[idx]):
                    hint = closest_code(v, code_list) if code_list else None
                    hints[v] = f"; did you mean {hint!r}?" if hint else ""
                    if hint and str(v).strip().isdigit() and hint.lstrip("0") == str(v).strip():
                        hints[v] += " (a number that lost its leading zero: store codes as text)"
                if n_more:
                    problems.append(
                        omitted(table.name, f.name, "unknown code", "code", n_more, "error")
                    )
                for i in idx:
                    v = s.iat[i]
                    problems.append(
                        Problem(
                            table.name,
                            int(i) + 1,
                            f.name,
                            str(v),
                            f"unknown code{hints[v]} (valid: {', '.join(f.enum)})",
                            check="code",
                        )
                    )
        if f.pattern is not None and f.pattern != schema.AGS_PATTERN:
            bad = ~na & ~s.astype("string").str.fullmatch(f.pattern[1:-1]).fillna(False).to_numpy()
            problems += _problems_at(
                table.name, f.name, s, bad, f"does not match the pattern {f.pattern}", "pattern"
            )
        if f.minimum is not None:
            bad = ~na & (s.to_numpy(dtype=float, na_value=np.nan) < f.minimum)
            problems += _problems_at(
                table.name, f.name, s, bad, f"must be at least {f.minimum:g}", "range"
            )
        if f.maximum is not None:
            bad = ~na & (s.to_numpy(dtype=float, na_value=np.nan) > f.maximum)
            problems += _problems_at(
                table.name, f.name, s, bad, f"must be at most {f.maximum:g}", "range"
            )
        if f.year or f.type == "date":
            problems += _check_years(table.name, f.name, s, years)
    return problems


def _check_years(table: str, field: str, s: pd.Series, years: tuple[int, int]) -> list[Problem]:
    """Calendar years (of a year field or of dates) inside the plausible range."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        y = s.dt.year.to_numpy(dtype=float, na_value=np.nan)
        shown = s.dt.strftime("%Y-%m-%d")
    else:
        y = s.to_numpy(dtype=float, na_value=np.nan)
        shown = s
    bad = (y < years[0]) | (y > years[1])
    return _problems_at(
        table,
        field,
        shown,
        bad,
        f"year outside the plausible range {years[0]}-{years[1]}: check the value (or widen "
        "the range with the option years=(first, last))",
        "year_range",
    )


def check_ags(table: str, field: str, ids: pd.Series, level: pd.Series | None) -> list[Problem]:
    """Check official codes: digits only, 5 or 8 digits (matching the level if given),
    state prefix 01-16; hint when a leading zero was probably lost."""
    s = ids.astype("string")
    present = s.notna().to_numpy()
    digits = s.str.fullmatch(r"\d+").fillna(False).to_numpy()
    length = s.str.len().fillna(0).to_numpy()
    problems: list[Problem] = []
    nondigit = present & ~digits
    problems += _problems_at(
        table,
        field,
        s,
        nondigit,
        "official codes (AGS) contain digits only; write the code as text, e.g. 05111000",
        "ags",
    )
    lost_zero = present & digits & ((length == 7) | (length == 4))
    if lost_zero.any():
        idx, n_more = _capped(np.flatnonzero(lost_zero))
        if n_more:
            problems.append(
                omitted(table, field, "a leading zero was probably lost", "ags", n_more)
            )
        for i in idx:
            v = s.iat[i]
            problems.append(
                Problem(
                    table,
                    int(i) + 1,
                    field,
                    v,
                    f"code has {len(v)} digits: a leading zero was probably lost "
                    f"(did you mean '0{v}'?); store codes as text, not numbers",
                    check="ags",
                )
            )
    wrong_len = present & digits & ~np.isin(length, (5, 8, 7, 4))
    problems += _problems_at(
        table, field, s, wrong_len, "code must have 8 digits (Gemeinde) or 5 (Kreis)", "ags"
    )
    ok = present & digits & np.isin(length, (5, 8))
    state = pd.to_numeric(s.str.slice(0, 2), errors="coerce").to_numpy(dtype=float, na_value=0)
    bad_state = ok & ((state < 1) | (state > 16))
    problems += _problems_at(
        table, field, s, bad_state, "the first two digits must be a state code 01-16", "ags"
    )
    if level is not None:
        lv = level.astype("string").to_numpy(dtype=object, na_value=None)
        need8 = lv == "gemeinde"
        need5 = np.isin(lv, ["kreis", "kreisfreie_stadt"])
        mismatch = ok & ((need8 & (length != 8)) | (need5 & (length != 5)))
        idx, n_more = _capped(np.flatnonzero(mismatch))
        if n_more:
            problems.append(omitted(table, field, "code length and level differ", "ags", n_more))
        for i in idx:
            want = 8 if lv[i] == "gemeinde" else 5
            problems.append(
                Problem(
                    table,
                    int(i) + 1,
                    field,
                    s.iat[i],
                    f"a unit of level {lv[i]} needs a {want}-digit code",
                    check="ags",
                )
            )
    return problems


def _check_key(table: Table, df: pd.DataFrame) -> list[Problem]:
    key = list(table.primary_key)
    if df[key].isna().any(axis=None):
        pass  # reported as missing required values
    if len(key) == 1:
        col = df[key[0]]
        later = col.duplicated(keep="first").to_numpy() & col.notna().to_numpy()
    else:
        later = df.duplicated(key, keep="first").to_numpy() & df[key].notna().all(axis=1).to_numpy()
    if not later.any():
        return []
    idx, n_more = _capped(np.flatnonzero(later))
    # the first row of each listed duplicate: one merge of the few listed rows, not a groupby
    # over every row (a file appended to itself has millions of duplicates)
    listed = df[key].iloc[idx].reset_index(names="_row")
    firsts_of = df[key].reset_index(names="_first").drop_duplicates(key, keep="first")
    firsts = listed.merge(firsts_of, on=key, how="left").sort_values("_row")["_first"].to_numpy()
    problems = []
    if n_more:
        problems.append(
            omitted(table.name, ", ".join(key), "duplicate key", "duplicate", n_more, "error")
        )
    for i, f0 in zip(idx, firsts, strict=True):
        value = ", ".join(str(df[k].iat[i]) for k in key)
        problems.append(
            Problem(
                table.name,
                int(i) + 1,
                ", ".join(key),
                value,
                f"duplicate key: the same {', '.join(key)} as row {int(f0) + 1}",
                check="duplicate",
            )
        )
    return problems


def _check_foreign(tables: dict[str, pd.DataFrame], table: Table) -> list[Problem]:
    problems = []
    df = tables[table.name]
    for fk in table.foreign_keys:
        ref = tables[fk.table][fk.reference]
        s = df[fk.fields]
        bad = s.notna().to_numpy() & ~s.isin(ref.dropna()).to_numpy()
        problems += _problems_at(
            table.name,
            fk.fields,
            s,
            bad,
            f"not found in {fk.table}.{fk.reference}: add the {fk.table} row or correct the code",
            "foreign_key",
        )
    return problems


def _check_audits(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    a = tables["audits"]
    m = tables["municipalities"]
    problems: list[Problem] = []
    pairs = [
        ("agreement_date", "start_date", "the target agreement cannot be before the audit start"),
        ("certification_date", "start_date", "certification cannot be before the audit start"),
        (
            "certification_date",
            "agreement_date",
            "certification cannot be before the target agreement",
        ),
        (
            "implementation_end_date",
            "certification_date",
            "the implementation phase cannot end before certification",
        ),
    ]
    for later, earlier, msg in pairs:
        bad = (a[later] < a[earlier]).fillna(False).to_numpy()
        idx, n_more = _capped(np.flatnonzero(bad))
        if n_more:
            problems.append(omitted("audits", later, msg, "date_order", n_more))
        for i in idx:
            problems.append(
                Problem(
                    "audits",
                    int(i) + 1,
                    later,
                    str(a[later].iat[i].date()),
                    f"{msg} ({earlier} {a[earlier].iat[i].date()})",
                    check="date_order",
                )
            )
    dup = (
        a.duplicated(["municipality_id", "cycle"], keep="first").to_numpy()
        & a[["municipality_id", "cycle"]].notna().all(axis=1).to_numpy()
    )
    problems += _problems_at(
        "audits",
        "cycle",
        a["municipality_id"],
        dup,
        "this municipality already has an audit with this cycle number",
        "duplicate",
    )
    groups = m.set_index("municipality_id")["group"]
    groups = groups[~groups.index.duplicated()]
    g = a["municipality_id"].map(groups)
    bad = (g == "comparison").fillna(False).to_numpy()
    problems += _problems_at(
        "audits",
        "municipality_id",
        a["municipality_id"],
        bad,
        "a comparison municipality has an audit: set its group to audited in municipalities, "
        "or remove the audit",
        "group",
    )
    audited = m["group"] == "audited"
    no_audit = (audited & ~m["municipality_id"].isin(a["municipality_id"])).fillna(False)
    idx, n_more = _capped(np.flatnonzero(no_audit.to_numpy()))
    if n_more:
        problems.append(
            omitted("municipalities", "group", "marked audited but no audit", "group", n_more)
        )
    for i in idx:
        problems.append(
            Problem(
                "municipalities",
                int(i) + 1,
                "group",
                "audited",
                "marked audited but has no row in audits; it is treated as audited without "
                "onset date and left out of impact analyses",
                "warning",
                "group",
            )
        )
    return problems


def _check_reports(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    r = tables["measure_reports"]
    if r.empty:
        return []
    chain = (
        tables["measures"][["measure_id", "goal_id"]]
        .merge(tables["goals"][["goal_id", "audit_id"]], on="goal_id", how="left")
        .merge(tables["audits"][["audit_id", "start_date"]], on="audit_id", how="left")
        .drop_duplicates("measure_id")
        .set_index("measure_id")["start_date"]
    )
    if chain.empty:
        return []
    start_year = (
        r[["measure_id"]]
        .merge(chain.rename("_start").reset_index(), on="measure_id", how="left")["_start"]
        .dt.year
    )
    bad = (r["report_year"] < start_year).fillna(False).to_numpy()
    problems = []
    idx, n_more = _capped(np.flatnonzero(bad))
    if n_more:
        problems.append(
            omitted(
                "measure_reports",
                "report_year",
                "report year is before the audit started",
                "date_order",
                n_more,
            )
        )
    for i in idx:
        problems.append(
            Problem(
                "measure_reports",
                int(i) + 1,
                "report_year",
                str(r["report_year"].iat[i]),
                f"report year is before the audit started ({int(start_year.iat[i])})",
                check="date_order",
            )
        )
    return problems


#: A planned year more than this many years outside the study's data span gets a warning.
SPAN_MARGIN = 10


def study_span(tables: dict[str, pd.DataFrame]) -> tuple[int, int] | None:
    """The calendar years the study's data cover: audits (start to end of the implementation
    phase), annual reports and indicators; None if there is no such data."""
    values = []
    a = tables["audits"]
    for c in ("start_date", "agreement_date", "certification_date", "implementation_end_date"):
        values.append(a[c].dt.year.to_numpy(dtype=float, na_value=np.nan))
    values.append(tables["measure_reports"]["report_year"].to_numpy(dtype=float, na_value=np.nan))
    values.append(tables["indicators"]["year"].to_numpy(dtype=float, na_value=np.nan))
    v = np.concatenate(values)
    v = v[np.isfinite(v)]
    if not len(v):
        return None
    return int(v.min()), int(v.max())


def _check_measures(
    tables: dict[str, pd.DataFrame], years: tuple[int, int] = DEFAULT_YEARS
) -> list[Problem]:
    m = tables["measures"]
    bad = (m["planned_end_year"] < m["planned_start_year"]).fillna(False).to_numpy()
    problems = _problems_at(
        "measures",
        "planned_end_year",
        m["planned_end_year"],
        bad,
        "planned end year is before the planned start year",
        "date_order",
    )
    span = study_span(tables)
    if span is None or m.empty:
        return problems
    lo, hi = span[0] - SPAN_MARGIN, span[1] + SPAN_MARGIN
    for c in ("planned_start_year", "planned_end_year"):
        y = m[c].to_numpy(dtype=float, na_value=np.nan)
        # outside the plausible range is an error already (year_range)
        far = ((y < lo) | (y > hi)) & (y >= years[0]) & (y <= years[1])
        problems += _problems_at(
            "measures",
            c,
            m[c],
            far,
            f"planned year far outside the years of the study's data ({span[0]}-{span[1]}): "
            "check the value",
            "year_span",
            "warning",
        )
    return problems


def _check_municipalities(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    m = tables["municipalities"]
    problems = check_ags("municipalities", "municipality_id", m["municipality_id"], m["level"])
    ids = m["municipality_id"].astype("string")
    ok = ids.str.fullmatch(r"\d{5}|\d{8}").fillna(False).to_numpy()
    prefix = ids.str.slice(0, 2)
    bad = ok & m["state"].notna().to_numpy() & (prefix != m["state"]).fillna(False).to_numpy()
    problems += _problems_at(
        "municipalities",
        "state",
        m["state"],
        bad,
        "state does not match the first two digits of municipality_id",
        "state",
    )
    return problems


def check_study(
    tables: dict[str, pd.DataFrame], years: tuple[int, int] = DEFAULT_YEARS
) -> list[Problem]:
    """Every content problem of typed tables (see the module docstring); ``years`` is the
    plausible range of calendar years (first, last)."""
    years = check_years_option(years)
    problems: list[Problem] = []
    for name, table in schema.TABLES.items():
        df = tables[name]
        problems += _check_fields(table, df, years)
        problems += _check_key(table, df)
    problems += _check_municipalities(tables)
    for name in ("audits", "indicators"):
        df = tables[name]
        problems += check_ags(name, "municipality_id", df["municipality_id"], None)
    for table in schema.TABLES.values():
        problems += _check_foreign(tables, table)
    problems += _check_audits(tables)
    problems += _check_measures(tables, years)
    problems += _check_reports(tables)
    return problems


def check_years_option(years) -> tuple[int, int]:
    """The ``years`` option as (first, last), or :class:`ConfigError` naming what is wrong."""
    ok = (
        isinstance(years, tuple | list)
        and len(years) == 2
        and all(isinstance(y, int | np.integer) and not isinstance(y, bool) for y in years)
    )
    if not ok or years[0] > years[1]:
        raise ConfigError(
            f"years must be (first, last) with two whole numbers, first <= last; got {years!r}"
        )
    return int(years[0]), int(years[1])


StudyValidationError.formatter = format_problems
StudyValidationError.frame_maker = problems_frame
StudyValidationError.json_maker = problems_json
