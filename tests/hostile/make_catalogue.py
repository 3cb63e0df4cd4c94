"""The catalogue of hostile study inputs: corrupted descriptors, CSVs, Parquet files, encodings,
paths, sizes and special files, each with the problem a reader must report.

Every case starts from a copy of one small valid study (:func:`write_base`) and changes it
(:attr:`Case.build`). ``tests/test_hostile_inputs.py`` runs every case through ``load_study``
and through ``audit-eval validate``. As a script it writes every case into a folder to look at:

    python tests/hostile/make_catalogue.py OUT
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

TABLES = (
    "municipalities",
    "audits",
    "goals",
    "measures",
    "measure_reports",
    "indicators",
    "indicator_catalogue",
)
#: Variants of one fault that do not depend on the table are planted in these tables only,
#: to keep the catalogue fast.
SAMPLE_TABLES = ("goals", "indicators")
#: A free-text field per table (for cells with quotes, NUL characters and mojibake).
TEXT_FIELD = {
    "municipalities": "name",
    "audits": "audit_id",
    "goals": "title",
    "measures": "title",
    "measure_reports": "note",
    "indicators": "indicator",
    "indicator_catalogue": "label_de",
}


@dataclass
class Case:
    """One hostile input and what must be reported about it."""

    id: str
    build: Callable[[Path], None]
    #: a fragment of the message of the problem that must be reported
    expect: str
    #: ``error``: the study is invalid; ``warning``: a warning is enough
    severity: Literal["error", "warning"] = "error"
    #: the table the problem must name (None: any, e.g. the descriptor or a refused folder)
    table: str | None = None
    #: options of ``load_study`` (the command line runs without them)
    options: dict[str, Any] = field(default_factory=dict)
    #: the case needs a FIFO or a device (skipped where there are none)
    special: bool = False


def write_base(folder: Path) -> None:
    """The valid study every case starts from (small, so the catalogue runs in seconds)."""
    import evaluation as ev

    ev.datasets.synthetic_study(seed=7, n_audited=3, n_comparison=3).save(folder)


# ---------------------------------------------------------------------------------------------
# small tools
# ---------------------------------------------------------------------------------------------
def _csv(folder: Path, table: str) -> Path:
    return folder / f"{table}.csv"


def _lines(folder: Path, table: str) -> list[str]:
    return _csv(folder, table).read_text(encoding="utf-8").splitlines(keepends=True)


def _write_lines(folder: Path, table: str, lines: list[str]) -> None:
    _csv(folder, table).write_text("".join(lines), encoding="utf-8")


def _frame(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(_csv(folder, table), dtype=str, keep_default_na=False)


def _save_frame(folder: Path, table: str, df: pd.DataFrame, **kw) -> None:
    df.to_csv(_csv(folder, table), index=False, lineterminator="\n", **kw)


def _desc(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def _write_desc(folder: Path, desc: Any) -> None:
    (folder / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")


def _edit_desc(fn: Callable[[dict], Any]) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        d = _desc(folder)
        out = fn(d)
        _write_desc(folder, d if out is None else out)

    return build


def _resource(d: dict, table: str) -> dict:
    return next(r for r in d["resources"] if r["name"] == table)


def _edit_resource(table: str, fn: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(d: dict) -> None:
        fn(_resource(d, table))

    return _edit_desc(edit)


def _set_cell(table: str, row: int, fld: str, value: str) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        df = _frame(folder, table)
        df.loc[row - 1, fld] = value
        _save_frame(folder, table, df)

    return build


def _undeclare_encoding(folder: Path) -> None:
    d = _desc(folder)
    for r in d["resources"]:
        r.pop("encoding", None)
    _write_desc(folder, d)


# ---------------------------------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------------------------------
def _table_cases(t: str) -> list[Case]:
    cases: list[Case] = []
    text_field = TEXT_FIELD[t]
    sampled = {
        "blank-lines-only",
        "tabs-undeclared",
        "declared-semicolon-but-commas",
        "parquet-named-csv",
        "utf-16-be",
        "utf16-declared-utf8",
    }

    def add(case: Case) -> None:
        kind = case.id.removeprefix(f"{t}-")
        if kind not in sampled or t in SAMPLE_TABLES:
            cases.append(case)

    def truncated(folder: Path) -> None:
        lines = _lines(folder, t)
        f = lines[2].rstrip("\n").split(",")
        lines[2] = ",".join(f[: max(1, len(f) // 2)]) + "\n"
        _write_lines(folder, t, lines)

    add(Case(f"{t}-truncated-row", truncated, "line 3:", table=t))

    def extra_field(folder: Path) -> None:
        lines = _lines(folder, t)
        lines[1] = lines[1].rstrip("\n") + ",extra\n"
        _write_lines(folder, t, lines)

    add(Case(f"{t}-extra-field", extra_field, "but the header has", table=t))

    def cut_off(folder: Path) -> None:
        lines = _lines(folder, t)
        lines[-1] = lines[-1].split(",")[0]  # the file ends inside the last row
        _write_lines(folder, t, lines)

    add(Case(f"{t}-file-cut-off", cut_off, "field(s), but the header has", table=t))

    def stray_quote(folder: Path) -> None:
        lines = _lines(folder, t)
        df = _frame(folder, t)
        j = list(df.columns).index(text_field)
        cells = lines[1].rstrip("\n").split(",")
        cells[j] = '"' + cells[j]
        lines[1] = ",".join(cells) + "\n"
        if len(lines) > 4:
            lines[4] = lines[4].rstrip("\n") + '"\n'
        _write_lines(folder, t, lines)

    add(Case(f"{t}-stray-quote", stray_quote, "quote", table=t))

    def unclosed_quote(folder: Path) -> None:
        lines = _lines(folder, t)
        lines[-1] = lines[-1].replace(",", ',"', 1)
        _write_lines(folder, t, lines)

    add(Case(f"{t}-unclosed-quote-at-end", unclosed_quote, "never closed", table=t))

    def nul(folder: Path) -> None:
        df = _frame(folder, t)
        df.loc[0, text_field] = df.loc[0, text_field] + "\x00x"
        _save_frame(folder, t, df)

    add(Case(f"{t}-nul-byte", nul, "NUL character", table=t))

    def empty(folder: Path) -> None:
        _csv(folder, t).write_bytes(b"")

    add(Case(f"{t}-empty-file", empty, "is empty", table=t))

    def blank(folder: Path) -> None:
        _csv(folder, t).write_bytes(b"\n\r\n  \n")

    add(Case(f"{t}-blank-lines-only", blank, "is empty", table=t))

    def semicolon(folder: Path) -> None:
        _save_frame(folder, t, _frame(folder, t), sep=";")

    add(Case(f"{t}-semicolons-undeclared", semicolon, "seems to use ';'", table=t))

    def tabs(folder: Path) -> None:
        _save_frame(folder, t, _frame(folder, t), sep="\t")

    add(Case(f"{t}-tabs-undeclared", tabs, "seems to use '\\t'", table=t))

    def declared_wrong(folder: Path) -> None:
        _edit_resource(t, lambda r: r.update(dialect={"delimiter": ";"}))(folder)

    add(Case(f"{t}-declared-semicolon-but-commas", declared_wrong, "seems to use ','", table=t))

    def directory(folder: Path) -> None:
        _csv(folder, t).unlink()
        _csv(folder, t).mkdir()

    add(Case(f"{t}-is-a-folder", directory, "is a folder", table=t))

    def fifo(folder: Path) -> None:
        _csv(folder, t).unlink()
        os.mkfifo(_csv(folder, t))

    add(Case(f"{t}-is-a-fifo", fifo, "is a FIFO", table=t, special=True))

    def symlink(folder: Path) -> None:
        target = folder.parent / f"outside-{t}.csv"
        shutil.copy(_csv(folder, t), target)
        _csv(folder, t).unlink()
        os.symlink(target, _csv(folder, t))

    add(Case(f"{t}-symlink-out", symlink, "symbolic link", table=t))

    def missing(folder: Path) -> None:
        _csv(folder, t).unlink()

    add(Case(f"{t}-file-missing", missing, "not found", table=t))

    def appended(folder: Path) -> None:
        raw = _csv(folder, t).read_bytes()
        _csv(folder, t).write_bytes(raw + raw)

    add(Case(f"{t}-appended-to-itself", appended, "header row appears again", table=t))

    def dup_column(folder: Path) -> None:
        lines = _lines(folder, t)
        first = lines[0].split(",")[0]
        lines = [
            ln.rstrip("\n") + "," + (first if i == 0 else "x") + "\n" for i, ln in enumerate(lines)
        ]
        _write_lines(folder, t, lines)

    add(Case(f"{t}-duplicate-column", dup_column, "twice", table=t))

    def no_header(folder: Path) -> None:
        _write_lines(folder, t, _lines(folder, t)[1:])

    add(Case(f"{t}-header-missing", no_header, "required column is missing", table=t))

    def dropped_column(folder: Path) -> None:
        df = _frame(folder, t)
        from evaluation import schema

        req = next(f.name for f in schema.TABLES[t].fields if f.required)
        _save_frame(folder, t, df.drop(columns=[req]))

    add(Case(f"{t}-required-column-dropped", dropped_column, "required column is missing", table=t))

    def garbage(folder: Path) -> None:
        rng = np.random.default_rng(len(t))
        _csv(folder, t).write_bytes(rng.integers(0, 256, 3000, dtype=np.uint8).tobytes())

    add(Case(f"{t}-random-bytes", garbage, "required column is missing", table=t))

    def parquet_in_csv(folder: Path) -> None:
        df = _frame(folder, t)
        df.to_parquet(_csv(folder, t), index=False)

    add(Case(f"{t}-parquet-named-csv", parquet_in_csv, "is a Parquet file", table=t))

    for enc, named in (
        ("utf-16", "UTF-16"),
        ("utf-16-le", "UTF-16-LE"),
        ("utf-16-be", "UTF-16-BE"),
    ):

        def utf16(folder: Path, enc=enc) -> None:
            _undeclare_encoding(folder)
            text = _csv(folder, t).read_text(encoding="utf-8")
            _csv(folder, t).write_bytes(text.encode(enc))

        add(Case(f"{t}-{enc}", utf16, f"is {named}", "warning", t))

    def declared_utf16(folder: Path) -> None:
        text = _csv(folder, t).read_text(encoding="utf-8")
        _csv(folder, t).write_bytes(text.encode("utf-16"))

    add(
        Case(
            f"{t}-utf16-declared-utf8",
            declared_utf16,
            "is declared as utf-8 but is utf-16",
            "warning",
            t,
        )
    )

    def mojibake(folder: Path) -> None:
        df = _frame(folder, t)
        df.loc[0, text_field] = df.loc[0, text_field] + " für Familien".encode().decode("cp1252")
        _save_frame(folder, t, df)

    add(Case(f"{t}-mojibake", mojibake, "UTF-8 text read as Windows-1252", "warning", t))
    return cases


def _descriptor_cases() -> list[Case]:
    D = "datapackage.json"
    cases = [
        Case(
            "descriptor-not-json", lambda f: (f / D).write_text("{resources: [}"), "not valid JSON"
        ),
        Case("descriptor-empty", lambda f: (f / D).write_bytes(b""), "not valid JSON"),
        Case(
            "descriptor-cp1252",
            lambda f: (f / D).write_bytes('{"title": "Gemeindeprüfung"}'.encode("cp1252")),
            "not UTF-8",
        ),
        Case(
            "descriptor-utf16",
            lambda f: (f / D).write_bytes((f / D).read_text(encoding="utf-8").encode("utf-16")),
            "JSON files must be UTF-8",
        ),
        Case("descriptor-a-list", lambda f: _write_desc(f, [1, 2]), "must be a JSON object"),
        Case("descriptor-a-string", lambda f: _write_desc(f, "study"), "must be a JSON object"),
        Case("descriptor-null", lambda f: _write_desc(f, None), "must be a JSON object"),
        Case(
            "descriptor-nested-deeply",
            lambda f: (f / D).write_text("[" * 100_000 + "]" * 100_000),
            "not valid JSON",
        ),
        Case(
            "descriptor-is-a-folder",
            lambda f: ((f / D).unlink(), (f / D).mkdir()),
            "is a folder",
        ),
        Case(
            "descriptor-is-a-fifo",
            lambda f: ((f / D).unlink(), os.mkfifo(f / D)),
            "is a FIFO",
            special=True,
        ),
        Case(
            "resources-an-object",
            _edit_desc(lambda d: d.update(resources={"indicators": {}})),
            "must be a list of resources",
        ),
        Case("resources-a-string", _edit_desc(lambda d: d.update(resources="x")), "must be a list"),
        Case(
            "resource-a-string",
            _edit_desc(lambda d: d["resources"].__setitem__(0, "municipalities.csv")),
            "must be an object",
        ),
        Case(
            "resource-a-number",
            _edit_desc(lambda d: d["resources"].__setitem__(3, 42)),
            "must be an object",
        ),
        Case(
            "resource-without-name",
            _edit_desc(lambda d: d["resources"][1].pop("name") and None),
            "needs a name",
        ),
        Case(
            "resource-name-a-number",
            _edit_desc(lambda d: d["resources"][1].update(name=7)),
            "needs a name",
        ),
    ]

    def dup(folder: Path) -> None:
        d = _desc(folder)
        r = dict(_resource(d, "indicators"))
        r["path"] = "indicators_2.csv"
        (folder / "indicators_2.csv").write_text("municipality_id,year,indicator,value\n")
        d["resources"].append(r)
        _write_desc(folder, d)

    cases.append(Case("resource-twice", dup, "a second resource named 'indicators'"))

    def dup_first(folder: Path) -> None:
        d = _desc(folder)
        r = dict(_resource(d, "measures"))
        r["path"] = "measures_empty.csv"
        (folder / "measures_empty.csv").write_text("measure_id,goal_id\n")
        d["resources"].insert(0, r)
        _write_desc(folder, d)

    cases.append(
        Case("resource-twice-empty-first", dup_first, "a second resource named 'measures'")
    )
    per_resource = [
        ("schema-a-string", lambda r: r.update(schema="schema.json"), "separate file"),
        ("schema-a-list", lambda r: r.update(schema=[]), "schema: must be an object"),
        ("fields-a-string", lambda r: r["schema"].update(fields="abc"), "must be a list of fields"),
        ("fields-an-object", lambda r: r["schema"].update(fields={}), "must be a list of fields"),
        ("field-a-number", lambda r: r["schema"]["fields"].__setitem__(0, 5), "with a name"),
        ("field-without-name", lambda r: r["schema"]["fields"][0].pop("name"), "with a name"),
        ("path-a-number", lambda r: r.update(path=12), "file name as text"),
        ("path-empty", lambda r: r.update(path=""), "file name as text"),
        ("path-a-list", lambda r: r.update(path=["a.csv", "b.csv"]), "several files"),
        ("path-an-object", lambda r: r.update(path={"file": "a.csv"}), "file name as text"),
        ("path-a-url", lambda r: r.update(path="https://example.org/x.csv"), "remote"),
        ("path-absolute", lambda r: r.update(path="/etc/hostname"), "is absolute"),
        ("path-windows-absolute", lambda r: r.update(path="C:\\data\\x.csv"), "is absolute"),
        ("path-dotdot", lambda r: r.update(path="../x.csv"), "leaves the study folder"),
        ("path-deep-dotdot", lambda r: r.update(path="a/../../../../etc/passwd"), "leaves"),
        ("path-not-there", lambda r: r.update(path="nowhere.csv"), "not found"),
        ("dialect-a-list", lambda r: r.update(dialect=[","]), "dialect: must be an object"),
        ("dialect-a-string", lambda r: r.update(dialect=";"), "dialect: must be an object"),
        ("dialect-csv-a-list", lambda r: r.update(dialect={"csv": [";"]}), "dialect.csv"),
        ("delimiter-two-chars", lambda r: r.update(dialect={"delimiter": ";;"}), "one character"),
        ("delimiter-a-number", lambda r: r.update(dialect={"delimiter": 44}), "one character"),
        ("delimiter-newline", lambda r: r.update(dialect={"delimiter": "\n"}), "one character"),
        ("quotechar-empty", lambda r: r.update(dialect={"quoteChar": ""}), "one character"),
        (
            "doublequote-a-string",
            lambda r: r.update(dialect={"doubleQuote": "yes"}),
            "true or false",
        ),
        ("header-false", lambda r: r.update(dialect={"header": False}), "without a header"),
        ("comment-char", lambda r: r.update(dialect={"commentChar": "#"}), "not supported"),
        ("decimalchar-two", lambda r: r.update(dialect={"decimalChar": ",,"}), "one character"),
        ("encoding-unknown", lambda r: r.update(encoding="utf-9"), "'utf-9'"),
        ("encoding-a-number", lambda r: r.update(encoding=8), "name of an encoding"),
        ("encoding-wrong", lambda r: r.update(encoding="ascii"), "declared encoding ascii"),
        ("format-xlsx", lambda r: r.update(format="xlsx"), "must be csv or parquet"),
        ("format-a-list", lambda r: r.update(format=["csv"]), "must be csv or parquet"),
        (
            "missing-values-a-string",
            lambda r: r["schema"].update(missingValues="NA"),
            "list of texts",
        ),
        (
            "date-format-a-number",
            lambda r: r["schema"]["fields"][3].update(format=3),
            "must be text",
        ),
    ]
    for name, fn, expect in per_resource:
        table = "audits" if name.startswith("date-format") else "goals"
        cases.append(Case(f"descriptor-{name}", _edit_resource(table, fn), expect))
    return cases


def _value_cases() -> list[Case]:
    c = _set_cell
    return [
        Case("integer-inf", c("municipalities", 1, "population", "inf"), "not a whole number"),
        Case("integer-1e400", c("municipalities", 1, "population", "1e400"), "not a whole number"),
        Case("integer-minus-inf", c("measures", 1, "planned_start_year", "-inf"), "whole number"),
        Case(
            "integer-huge",
            c("municipalities", 2, "population", "9223372036854775808"),
            "too large",
        ),
        Case("integer-1e20", c("municipalities", 2, "population", "1e20"), "too large"),
        Case("integer-nan", c("municipalities", 2, "population", "nan"), "not a whole number"),
        Case("number-inf", c("indicators", 3, "value", "inf"), "infinite or too large"),
        Case("number-1e400", c("indicators", 3, "value", "-1e400"), "infinite or too large"),
        Case("number-nan", c("indicators", 3, "value", "NaN"), "not a number"),
        Case("number-decimal-comma", c("indicators", 3, "value", "12,5"), "decimal comma"),
        Case(
            "report-year-20019", c("measure_reports", 1, "report_year", "20019"), "plausible range"
        ),
        Case("indicator-year-negative", c("indicators", 1, "year", "-2015"), "plausible range"),
        Case(
            "planned-year-1015", c("measures", 1, "planned_start_year", "1015"), "plausible range"
        ),
        Case(
            "planned-year-far-from-data",
            c("measures", 1, "planned_end_year", "2095"),
            "far outside the years of the study's data",
            "warning",
            "measures",
        ),
        Case("date-2999", c("audits", 1, "certification_date", "2999-01-01"), "outside the years"),
        Case("date-0001", c("audits", 1, "start_date", "0001-01-01"), "outside the years"),
        Case("date-9999", c("audits", 2, "agreement_date", "9999-12-31"), "outside the years"),
        Case("date-1850", c("audits", 2, "start_date", "1850-06-01"), "plausible range"),
        Case("date-feb-30", c("audits", 1, "start_date", "2015-02-30"), "YYYY-MM-DD"),
        Case("date-german", c("audits", 1, "start_date", "12.06.2015"), "2015-06-12"),
        Case("date-huge-year", c("audits", 1, "start_date", "99999-01-01"), "YYYY-MM-DD"),
        Case("state-lost-zero", c("municipalities", 1, "state", "1"), "did you mean '0"),
        Case(
            "boolean-maybe",
            c("indicator_catalogue", 1, "higher_is_better", "vielleicht"),
            "true or",
        ),
        Case(
            "impact-field-unknown",
            c("indicator_catalogue", 1, "action_field", "work_famly"),
            "did you mean 'work_family'",
            table="indicator_catalogue",
        ),
        Case(
            "impact-direction-unknown",
            c("indicator_catalogue", 2, "expected_direction", "steigend"),
            "did you mean 'increase'",
            table="indicator_catalogue",
        ),
        Case(
            "impact-lag-out-of-range",
            c("indicator_catalogue", 3, "expected_lag", "25"),
            "must be at most 10",
            table="indicator_catalogue",
        ),
        Case(
            "year-range-option",
            lambda f: None,
            "plausible range 2030-2100",
            options={"years": (2030, 2100)},
        ),
    ]


def _parquet_cases() -> list[Case]:
    def to_parquet(folder: Path, table: str, df: pd.DataFrame | None = None) -> None:
        import evaluation as ev

        study = ev.load_study(folder)
        out = study[table] if df is None else df
        path = folder / f"{table}.parquet"
        out.to_parquet(path, index=False)
        _csv(folder, table).unlink()
        _edit_resource(table, lambda r: r.update(path=f"{table}.parquet", format="parquet"))(folder)

    def tz(folder: Path) -> None:
        import evaluation as ev

        a = ev.load_study(folder).audits.copy()
        a["start_date"] = a["start_date"].dt.tz_localize("UTC")
        to_parquet(folder, "audits", a)

    def date_one(folder: Path) -> None:
        import datetime

        import evaluation as ev

        a = ev.load_study(folder).audits.copy()
        a["start_date"] = [datetime.date(1, 1, 1)] + [datetime.date(2012, 1, 1)] * (len(a) - 1)
        to_parquet(folder, "audits", a)

    def broken(folder: Path) -> None:
        to_parquet(folder, "indicators")
        p = folder / "indicators.parquet"
        p.write_bytes(p.read_bytes()[:200])

    def empty(folder: Path) -> None:
        to_parquet(folder, "indicators")
        (folder / "indicators.parquet").write_bytes(b"")

    def lists(folder: Path) -> None:
        import evaluation as ev

        g = ev.load_study(folder).goals.copy()
        g["title"] = [[1, 2]] * len(g)
        to_parquet(folder, "goals", g)

    def inf_int(folder: Path) -> None:
        import evaluation as ev

        m = ev.load_study(folder).municipalities.copy()
        m["population"] = m["population"].astype(float)
        m.loc[0, "population"] = np.inf
        to_parquet(folder, "municipalities", m)

    def bool_ints(folder: Path) -> None:
        import evaluation as ev

        m = ev.load_study(folder).municipalities.copy()
        m["population"] = m["population"] > 1000
        to_parquet(folder, "municipalities", m)

    def csv_as_parquet(folder: Path) -> None:
        shutil.copy(_csv(folder, "goals"), folder / "goals.parquet")
        _csv(folder, "goals").unlink()
        _edit_resource("goals", lambda r: r.update(path="goals.parquet", format="parquet"))(folder)

    return [
        Case("parquet-dates-with-time-zone", tz, "time zone", "warning", "audits"),
        Case("parquet-date-year-1", date_one, "outside the years", table="audits"),
        Case("parquet-truncated", broken, "cannot read Parquet", table="indicators"),
        Case("parquet-empty", empty, "cannot read Parquet", table="indicators"),
        Case("parquet-list-cells", lists, "not plain values", table="goals"),
        Case("parquet-integer-inf", inf_int, "not a whole number", table="municipalities"),
        Case(
            "parquet-booleans-as-integers", bool_ints, "not a whole number", table="municipalities"
        ),
        Case("parquet-that-is-csv", csv_as_parquet, "cannot read Parquet", table="goals"),
    ]


def _size_and_special_cases() -> list[Case]:
    def grow(folder: Path, times: int = 7) -> None:
        raw = _csv(folder, "indicators").read_bytes()
        body = raw.split(b"\n", 1)[1]
        _csv(folder, "indicators").write_bytes(raw + body * (2**times))

    def dev_zero(folder: Path) -> None:
        _edit_resource("goals", lambda r: r.update(path="/dev/zero"))(folder)

    def link_dev_zero(folder: Path) -> None:
        _csv(folder, "goals").unlink()
        os.symlink("/dev/zero", _csv(folder, "goals"))

    def outside_allowed(folder: Path) -> None:
        target = folder.parent / "elsewhere-goals.csv"
        shutil.copy(_csv(folder, "goals"), target)
        _edit_resource("goals", lambda r: r.update(path=str(target)))(folder)

    def big_line(folder: Path) -> None:
        df = _frame(folder, "goals")
        df.loc[0, "title"] = "x" * 200_000
        _save_frame(folder, "goals", df)
        lines = _lines(folder, "goals")
        lines[1] = lines[1].replace(",x", ',"x', 1)
        _write_lines(folder, "goals", lines)

    def crlf_ragged(folder: Path) -> None:
        lines = [ln.rstrip("\n") + "\r\n" for ln in _lines(folder, "measures")]
        lines[3] = lines[3].split(",")[0] + "\r\n"
        _write_lines(folder, "measures", lines)

    def old_mac(folder: Path) -> None:
        raw = _csv(folder, "measure_reports").read_bytes().replace(b"\n", b"\r")
        _csv(folder, "measure_reports").write_bytes(raw + b"x,1\r")

    return [
        Case(
            "indicators-appended-128-times",
            grow,
            "duplicate key",
            table="indicators",
        ),
        Case("max-rows-guard", lambda f: None, "more than 100 rows", options={"max_rows": 100}),
        Case(
            "max-file-bytes-guard",
            lambda f: None,
            "more than the limit of 1,000",
            options={"max_file_bytes": 1000},
        ),
        Case("path-dev-zero", dev_zero, "is absolute", table="goals", special=True),
        Case(
            "path-dev-zero-allowed",
            dev_zero,
            "zero is a device",
            table="goals",
            options={"allow_outside": True},
            special=True,
        ),
        Case("symlink-dev-zero", link_dev_zero, "symbolic link", table="goals", special=True),
        Case(
            "symlink-dev-zero-allowed",
            link_dev_zero,
            "is a device",
            table="goals",
            options={"allow_outside": True},
            special=True,
        ),
        Case(
            "path-outside-allowed",
            outside_allowed,
            "read from outside the study folder",
            "warning",
            "goals",
            options={"allow_outside": True},
        ),
        Case("cell-of-200000-characters-quoted", big_line, "131,072 characters", table="goals"),
        Case("crlf-ragged-row", crlf_ragged, "line 4: 1 field(s)", table="measures"),
        Case("old-mac-line-ends", old_mac, "field(s), but the header has", table="measure_reports"),
    ]


def _mixed_cases() -> list[Case]:
    """The cases of the optional mixed-methods tables (in ``mixed_cases.py`` beside this
    file)."""
    here = str(Path(__file__).parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    from mixed_cases import mixed_cases

    return mixed_cases(sys.modules[__name__])


def cases() -> list[Case]:
    """Every case of the catalogue."""
    out: list[Case] = []
    for t in TABLES:
        out += _table_cases(t)
    out += _descriptor_cases() + _value_cases() + _parquet_cases() + _size_and_special_cases()
    out += _mixed_cases()
    ids = [c.id for c in out]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"case ids are not unique: {sorted(dupes)}")
    return out


def build_case(case: Case, base: Path, folder: Path) -> Path:
    """Copy the base study to ``folder`` and apply the case; return the folder."""
    shutil.copytree(base, folder)
    case.build(folder)
    return folder


def main(out: str) -> None:
    root = Path(out)
    if root.exists():
        raise SystemExit(f"{root} exists; give a new folder")
    root.mkdir(parents=True)
    base = root / "_base"
    write_base(base)
    for case in cases():
        if case.special:
            continue  # FIFOs and devices are made by the test, not left lying around
        build_case(case, base, root / case.id / "study")
        print(f"{case.id:<45} {case.severity:<8} {case.expect}")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1] if len(sys.argv) > 1 else "hostile-cases")
