"""Validation of a study against the data schema, as a careful data manager would do it.

Two steps, both vectorised so that an indicators table of a million rows is checked in seconds:

1. :func:`coerce_table` turns a raw table (text as read from a file, or any DataFrame) into the
   schema's dtypes and reports every cell that is not of its type (never turning text into a
   silent NaN);
2. :func:`check_study` checks the typed tables: required values, code lists (with the closest
   valid code as a hint), AGS codes (with a hint when a leading zero was lost), keys, foreign
   keys, date order and the consistency of groups and audits.

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

from . import codes, schema
from .errors import EvaluationError
from .schema import Table

Severity = Literal["error", "warning"]
DTYPES = {"string": "string", "integer": "Int64", "number": "float64", "boolean": "boolean"}
TRUE_WORDS = {"true", "1", "yes", "ja", "wahr"}
FALSE_WORDS = {"false", "0", "no", "nein", "falsch"}
#: How many lines of one kind (table, field, check) are printed; all problems are kept.
PRINT_LIMIT = 20
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

    def __str__(self) -> str:
        where = [self.table]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field}")
        value = "" if self.value is None else f" (value {self.value!r})"
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{', '.join(where)}: {tag}{self.message}{value}"


class StudyValidationError(EvaluationError):
    """The study has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(format_problems(self.problems))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def to_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)

    def to_json(self) -> str:
        return problems_json(self.problems)


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    cols = ["table", "row", "field", "value", "message", "severity", "check"]
    return pd.DataFrame([asdict(p) for p in problems], columns=cols)


def problems_json(problems: Iterable[Problem]) -> str:
    problems = list(problems)
    payload = {
        "valid": not any(p.severity == "error" for p in problems),
        "n_errors": sum(p.severity == "error" for p in problems),
        "n_warnings": sum(p.severity == "warning" for p in problems),
        "problems": [asdict(p) for p in problems],
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


def format_problems(problems: list[Problem], limit: int = PRINT_LIMIT) -> str:
    """All problems, readable: grouped by table; the same problem with the same value in many
    rows is one line listing the rows; at most ``limit`` lines per kind of problem."""
    n_err = sum(p.severity == "error" for p in problems)
    n_warn = len(problems) - n_err
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
            hidden[kind] = hidden.get(kind, 0) + len(members)
            continue
        rows = [q.row for q in members if q.row is not None]
        if len(members) > 1 and rows:
            where = [first.table, _row_ranges(rows)]
            if first.field is not None:
                where.append(f"field {first.field}")
            value = "" if first.value is None else f" (value {first.value!r})"
            tag = "" if first.severity == "error" else f"{first.severity}: "
            lines.append(f"  - {', '.join(where)}: {tag}{first.message}{value}")
        else:
            lines += [f"  - {q}" for q in members]
    for (table, fld, check), n in hidden.items():
        lines.append(f"  ... and {n} more like this in {table}, field {fld} ({check})")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# step 1: types
# ---------------------------------------------------------------------------------------------
def _rows(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask) + 1


def _text(s: pd.Series) -> pd.Series:
    """A column as stripped text with missing as NA ('' counts as missing)."""
    t = s.astype(pd.StringDtype(na_value=pd.NA)).str.strip()
    return t.mask(t == "")


def _problems_at(
    table: str, field: str, values: pd.Series, mask: np.ndarray, message: str, check: str
) -> list[Problem]:
    idx = np.flatnonzero(mask)
    vals = values.to_numpy()[idx]
    return [
        Problem(table, int(i) + 1, field, None if _na(v) else str(v), message, "error", check)
        for i, v in zip(idx, vals, strict=True)
    ]


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
) -> tuple[pd.Series, list[Problem]]:
    """Convert one column to the field's dtype; report every cell that does not convert."""
    if f.type == "string":
        return _text(s), []
    if f.type == "integer":
        if pd.api.types.is_integer_dtype(s.dtype):
            return s.astype("Int64"), []
        if pd.api.types.is_float_dtype(s.dtype):
            bad = s.notna().to_numpy() & (np.floor(s.to_numpy()) != s.to_numpy())
            probs = _problems_at(table, f.name, s, bad, "not a whole number", "type")
            return s.where(~bad).round().astype("Int64"), probs
        text = _text(s)
        num = _parse_number(text, ".", None)
        bad = text.notna().to_numpy() & (
            num.isna().to_numpy() | (np.floor(num.fillna(0)) != num.fillna(0)).to_numpy()
        )
        probs = _problems_at(table, f.name, text, bad, "not a whole number", "type")
        return num.where(~bad).astype("Int64"), probs
    if f.type == "number":
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            out = s.astype("float64")
            bad = np.isinf(out.to_numpy())
            return out.where(~bad), _problems_at(
                table, f.name, s, bad, "not a finite number", "type"
            )
        text = _text(s)
        num = _parse_number(text, decimal_char, group_char)
        bad = text.notna().to_numpy() & (num.isna().to_numpy() | np.isinf(num.to_numpy()))
        msg = "not a number"
        if decimal_char == "." and text[bad].str.contains(",", regex=False).any():
            msg = (
                "not a number (decimal comma? declare decimalChar ',' for the field or the "
                "table's dialect in datapackage.json)"
            )
        probs = _problems_at(table, f.name, text, bad, msg, "type")
        return num.where(~bad).astype("float64"), probs
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
            return s.astype("datetime64[ns]"), []
        text = _text(s)
        out = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = text.notna().to_numpy() & out.isna().to_numpy()
        probs = []
        if bad.any():
            german = text[bad].str.match(r"^\d{1,2}\.\d{1,2}\.\d{4}$").fillna(False).to_numpy()
            probs = _problems_at(
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
            probs.sort(key=lambda p: p.row or 0)
        return out.astype("datetime64[ns]"), probs
    raise ValueError(f"unknown field type {f.type!r}")  # pragma: no cover - schema bug


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


def _check_fields(table: Table, df: pd.DataFrame) -> list[Problem]:
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
                for v in pd.unique(s[bad]):
                    hint = closest_code(v, code_list) if code_list else None
                    hints[v] = f"; did you mean {hint!r}?" if hint else ""
                idx = np.flatnonzero(bad)
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
    return problems


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
        for i in np.flatnonzero(lost_zero):
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
        for i in np.flatnonzero(mismatch):
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
    dup = df.duplicated(key, keep=False).to_numpy() & df[key].notna().all(axis=1).to_numpy()
    if not dup.any():
        return []
    first = df[dup].reset_index().groupby(key, sort=False, dropna=False)["index"].transform("min")
    idx = np.flatnonzero(dup)
    firsts = first.to_numpy()
    problems = []
    for i, f0 in zip(idx, firsts, strict=True):
        if i == f0:
            continue
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
        for i in np.flatnonzero(bad):
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
    for i in np.flatnonzero(no_audit.to_numpy()):
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
    start_year = r["measure_id"].map(chain).dt.year
    bad = (r["report_year"] < start_year).fillna(False).to_numpy()
    problems = []
    for i in np.flatnonzero(bad):
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


def _check_measures(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    m = tables["measures"]
    bad = (m["planned_end_year"] < m["planned_start_year"]).fillna(False).to_numpy()
    return _problems_at(
        "measures",
        "planned_end_year",
        m["planned_end_year"],
        bad,
        "planned end year is before the planned start year",
        "date_order",
    )


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


def check_study(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Every content problem of typed tables (see the module docstring)."""
    problems: list[Problem] = []
    for name, table in schema.TABLES.items():
        df = tables[name]
        problems += _check_fields(table, df)
        problems += _check_key(table, df)
    problems += _check_municipalities(tables)
    for name in ("audits", "indicators"):
        df = tables[name]
        problems += check_ags(name, "municipality_id", df["municipality_id"], None)
    for table in schema.TABLES.values():
        problems += _check_foreign(tables, table)
    problems += _check_audits(tables)
    problems += _check_measures(tables)
    problems += _check_reports(tables)
    return problems
