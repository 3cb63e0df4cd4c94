"""Step 2 of validation: the content of typed tables, as a careful data manager would check it.

Required values, code lists (with the closest valid code as a hint), AGS codes (with a hint
when a leading zero was lost), keys, foreign keys, date order, plausible years and the
consistency of groups and audits. Vectorised like the coercion (:mod:`.coerce`); each finding is
a :class:`~evaluation.study.problems.Problem`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .. import codes
from ..errors import ConfigError
from . import schema
from .checks_mixed import check_mixed
from .problems import Problem, capped, omitted, problems_at
from .schema import Table

#: Plausible calendar years (of dates and year fields) unless ``years=`` says otherwise.
DEFAULT_YEARS: tuple[int, int] = (1900, 2100)


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
    ("indicator_catalogue", "action_field"): codes.ACTION_FIELDS + codes.OPTIONAL_MODULES,
    ("indicator_catalogue", "expected_direction"): codes.DIRECTIONS,
    ("measures", "funding_source"): codes.FUNDING_SOURCES,
    ("measure_codes", "dimension"): codes.CODING_DIMENSIONS,
    ("measure_codes", "code"): tuple(c for cl in codes.DIMENSION_CODES.values() for c in cl),
    ("surveys", "population"): codes.SURVEY_POPULATIONS,
}


def _check_fields(
    table: Table, df: pd.DataFrame, years: tuple[int, int] = DEFAULT_YEARS
) -> list[Problem]:
    problems: list[Problem] = []
    for f in table.fields:
        s = df[f.name]
        na = s.isna().to_numpy()
        if f.required and na.any():
            problems += problems_at(
                table.name, f.name, s, na, "required value is missing", "required"
            )
        if f.enum is not None:
            bad = ~na & ~s.isin(f.enum).to_numpy()
            if bad.any():
                hints = {}
                code_list = ENUM_LISTS.get((table.name, f.name))
                idx, n_more = capped(np.flatnonzero(bad))
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
            problems += problems_at(
                table.name, f.name, s, bad, f"does not match the pattern {f.pattern}", "pattern"
            )
        if f.minimum is not None:
            bad = ~na & (s.to_numpy(dtype=float, na_value=np.nan) < f.minimum)
            problems += problems_at(
                table.name, f.name, s, bad, f"must be at least {f.minimum:g}", "range"
            )
        if f.maximum is not None:
            bad = ~na & (s.to_numpy(dtype=float, na_value=np.nan) > f.maximum)
            problems += problems_at(
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
    return problems_at(
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
    # the text tests run once per distinct code (an indicators table repeats each code
    # thousands of times), then every row takes the result of its code
    codes_, distinct = _factorize(s)
    present = codes_ < len(distinct) - 1
    digits = distinct.str.fullmatch(r"\d+").fillna(False).to_numpy()[codes_]
    length = distinct.str.len().fillna(0).to_numpy()[codes_]
    problems: list[Problem] = []
    nondigit = present & ~digits
    problems += problems_at(
        table,
        field,
        s,
        nondigit,
        "official codes (AGS) contain digits only; write the code as text, e.g. 05111000",
        "ags",
    )
    lost_zero = present & digits & ((length == 7) | (length == 4))
    if lost_zero.any():
        idx, n_more = capped(np.flatnonzero(lost_zero))
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
    problems += problems_at(
        table, field, s, wrong_len, "code must have 8 digits (Gemeinde) or 5 (Kreis)", "ags"
    )
    ok = present & digits & np.isin(length, (5, 8))
    state = pd.to_numeric(distinct.str.slice(0, 2), errors="coerce").to_numpy(
        dtype=float, na_value=0
    )[codes_]
    bad_state = ok & ((state < 1) | (state > 16))
    problems += problems_at(
        table, field, s, bad_state, "the first two digits must be a state code 01-16", "ags"
    )
    if level is not None:
        lv = level.astype("string").to_numpy(dtype=object, na_value=None)
        need8 = lv == "gemeinde"
        need5 = np.isin(lv, ["kreis", "kreisfreie_stadt"])
        mismatch = ok & ((need8 & (length != 8)) | (need5 & (length != 5)))
        idx, n_more = capped(np.flatnonzero(mismatch))
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


def isin(values: pd.Series, reference: pd.Series) -> np.ndarray:
    """``values.isin(reference)`` as a boolean array (missing values are not in it).

    Text columns (pyarrow strings) are compared by pyarrow: pandas' ``isin`` of such a column
    turns every reference value into a Python object one by one (50 times slower for a few
    thousand codes, the cost of most checks of a small study)."""
    if _arrow_text(values) and _arrow_text(reference):
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.is_in(pa.array(values), value_set=pa.array(reference.dropna()))
        return np.asarray(found.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    return np.asarray(values.isin(reference.dropna()).fillna(False), dtype=bool)


def _arrow_text(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"


def _factorize(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """The position of every value of ``s`` among its distinct values, which end with one
    missing value (the position of the missing cells)."""
    c, distinct = pd.factorize(s)
    values = pd.Series(distinct, dtype=s.dtype)
    values = pd.concat([values, pd.Series([pd.NA], dtype=s.dtype)], ignore_index=True)
    c = np.where(c < 0, len(values) - 1, c)
    return c, values


def _check_key(table: Table, df: pd.DataFrame) -> list[Problem]:
    key = list(table.primary_key)
    # rows with a missing key value are reported as missing required values; the key of every
    # other row as one integer code (the codes of its fields combined), so that ten million
    # rows need no frame of their key texts
    complete = np.ones(len(df), dtype=bool)
    combined = np.zeros(len(df), dtype=np.int64)
    size = 1
    for k in key:
        c, distinct = _factorize(df[k])
        complete &= c < len(distinct) - 1
        if size * len(distinct) >= 1 << 62:  # (never for real tables) renumber the codes
            combined, uniques = pd.factorize(combined)
            size = len(uniques)
        combined = combined * len(distinct) + c
        size *= len(distinct)
    if not len(df):
        return []
    # equal keys next to each other (a stable sort keeps the first row of a key first)
    order = np.argsort(combined, kind="stable")
    ordered = combined[order]
    repeat = np.empty(len(df), dtype=bool)
    repeat[0] = False
    repeat[1:] = ordered[1:] == ordered[:-1]
    later = np.zeros(len(df), dtype=bool)
    later[order[repeat]] = True
    del repeat
    later &= complete
    if not later.any():
        return []
    idx, n_more = capped(np.flatnonzero(later))
    firsts = order[np.searchsorted(ordered, combined[idx], side="left")]
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
        c, distinct = _factorize(s)
        known = isin(distinct, ref)
        known[-1] = True  # missing: reported as a missing required value
        bad = ~known[c]
        problems += problems_at(
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
        idx, n_more = capped(np.flatnonzero(bad))
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
    problems += problems_at(
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
    problems += problems_at(
        "audits",
        "municipality_id",
        a["municipality_id"],
        bad,
        "a comparison municipality has an audit: set its group to audited in municipalities, "
        "or remove the audit",
        "group",
    )
    audited = m["group"] == "audited"
    no_audit = audited.fillna(False).to_numpy(dtype=bool) & ~isin(
        m["municipality_id"], a["municipality_id"]
    )
    idx, n_more = capped(np.flatnonzero(no_audit))
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
    idx, n_more = capped(np.flatnonzero(bad))
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
    problems = problems_at(
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
        problems += problems_at(
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
    problems += problems_at(
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
    for name in ("audits", "indicators", "survey_responses"):
        df = tables[name]
        problems += check_ags(name, "municipality_id", df["municipality_id"], None)
    for table in schema.TABLES.values():
        problems += _check_foreign(tables, table)
    problems += _check_audits(tables)
    problems += _check_measures(tables, years)
    problems += _check_reports(tables)
    problems += check_mixed(tables)
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
