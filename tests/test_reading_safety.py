"""Reading a study safely: each defect class of silently wrong contents, tracebacks, hangs and
unsafe writes has a test here that plants one instance and asserts the exact problem."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import evaluation as ev
import evaluation.ingest
import evaluation.study.write as evwrite
from evaluation import cli
from evaluation.errors import EvaluationError, OutputError
from evaluation.study import schema
from evaluation.study.checks import closest_code
from evaluation.study.problems import PROBLEM_LIMIT, Problem


@pytest.fixture(scope="module")
def valid_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("valid") / "study"
    ev.datasets.synthetic_study(seed=3, n_audited=6, n_comparison=8).save(folder)
    return folder


@pytest.fixture
def copy(valid_folder, tmp_path) -> Path:
    dst = tmp_path / "study"
    shutil.copytree(valid_folder, dst)
    return dst


def problems_of(folder: Path, **kw) -> list[Problem]:
    with pytest.raises(ev.StudyValidationError) as info:
        ev.load_study(folder, **kw)
    return info.value.problems


def having(problems, fragment, table=None, severity="error") -> list[Problem]:
    hits = [
        p
        for p in problems
        if fragment in str(p) and p.severity == severity and (table is None or p.table == table)
    ]
    assert hits, f"no {severity} with {fragment!r}; got:\n" + "\n".join(map(str, problems))
    return hits


def descriptor(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def write_descriptor(folder: Path, desc) -> None:
    (folder / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")


def lines(folder: Path, table: str) -> list[str]:
    return (folder / f"{table}.csv").read_text(encoding="utf-8").splitlines(keepends=True)


def set_lines(folder: Path, table: str, new: list[str]) -> None:
    (folder / f"{table}.csv").write_text("".join(new), encoding="utf-8")


# -- 1. silently wrong contents --------------------------------------------------------------
def test_a_second_resource_with_the_same_name_is_an_error(copy):
    desc = descriptor(copy)
    res = next(r for r in desc["resources"] if r["name"] == "indicators")
    (copy / "indicators_old.csv").write_text(
        "municipality_id,year,indicator,value\n", encoding="utf-8"
    )
    desc["resources"].append({**res, "path": "indicators_old.csv"})
    write_descriptor(copy, desc)
    p = having(problems_of(copy), "a second resource named 'indicators'")[0]
    assert "indicators.csv" in p.message and "indicators_old.csv" in p.message


def test_a_truncated_row_names_the_line(copy):
    rows = lines(copy, "measures")
    fields = rows[3].rstrip("\n").split(",")
    rows[3] = ",".join(fields[:5]) + "\n"  # 5 of all fields: the row was cut off
    set_lines(copy, "measures", rows)
    n = len(rows[0].split(","))
    p = having(problems_of(copy), f"line 4: 5 field(s), but the header has {n}", "measures")[0]
    assert p.row == 3


def test_a_row_with_an_extra_field_names_the_line(copy):
    rows = lines(copy, "indicators")
    rows[10] = rows[10].rstrip("\n") + ",7\n"
    set_lines(copy, "indicators", rows)
    having(problems_of(copy), "line 11: 5 field(s), but the header has 4", "indicators")


def test_a_stray_quote_that_swallows_rows_is_an_error(copy):
    rows = lines(copy, "goals")
    head, rest = rows[5].rsplit(",", 1)
    rows[5] = f'{head},"{rest}'  # opens a quote in the title that closes 30 lines later
    rows[35] = rows[35].rstrip("\n") + '"\n'
    set_lines(copy, "goals", rows)
    p = having(problems_of(copy), "a quote is probably not closed", "goals")[0]
    assert "lines 6-36" in p.message and p.field == "title"


def test_an_unclosed_quote_at_the_end_is_an_error(copy):
    rows = lines(copy, "measure_reports")
    rows[-3] = rows[-3].replace(",", ',"', 1)
    set_lines(copy, "measure_reports", rows)
    having(problems_of(copy), "never closed", "measure_reports")


def test_an_id_that_spans_lines_is_an_error(copy):
    rows = lines(copy, "goals")
    gid = rows[2].split(",")[0]
    rows[2] = rows[2].replace(gid, f'"{gid}\nX"', 1)
    set_lines(copy, "goals", rows)
    having(problems_of(copy), "this field cannot hold a line break", "goals")


def test_a_multiline_title_is_fine(copy):
    rows = lines(copy, "goals")
    head, rest = rows[2].rsplit(",", 1)
    rows[2] = f'{head},"{rest.strip()}\nzweite Zeile"\n'
    set_lines(copy, "goals", rows)
    study = ev.load_study(copy)
    assert "zweite Zeile" in study.goals["title"].iat[1]


@pytest.mark.parametrize("value", ["inf", "1e400", "-inf", "9223372036854775808", "1e20"])
def test_integer_overflow_and_infinity_are_errors(copy, value):
    df = pd.read_csv(copy / "municipalities.csv", dtype=str, keep_default_na=False)
    df.loc[0, "population"] = value
    df.to_csv(copy / "municipalities.csv", index=False)
    p = [q for q in problems_of(copy) if q.field == "population" and q.row == 1]
    assert p and p[0].check == "type", p


def test_integer_overflow_from_floats_in_memory():
    study = ev.datasets.synthetic_study(seed=3, n_audited=3, n_comparison=3)
    m = study.municipalities.copy()
    m["population"] = m["population"].astype(float)
    m.loc[0, "population"] = float("inf")
    m.loc[1, "population"] = 1e300
    tables = study.tables | {"municipalities": m}
    probs = ev.Study(**tables).problems()
    rows = {p.row for p in probs if p.field == "population" and p.check == "type"}
    assert rows == {1, 2}


def test_infinity_is_not_a_number(copy):
    rows = lines(copy, "indicators")
    rows[1] = rows[1].rsplit(",", 1)[0] + ",inf\n"
    set_lines(copy, "indicators", rows)
    having(problems_of(copy), "infinite or too large", "indicators")


@pytest.mark.parametrize(
    ("table", "field", "value"),
    [
        ("measure_reports", "report_year", "20019"),
        ("indicators", "year", "-2015"),
        ("measures", "planned_start_year", "1015"),
        ("audits", "start_date", "1850-01-01"),
    ],
)
def test_years_outside_the_plausible_range(copy, table, field, value):
    df = pd.read_csv(copy / f"{table}.csv", dtype=str, keep_default_na=False)
    df.loc[0, field] = value
    df.to_csv(copy / f"{table}.csv", index=False)
    p = having(problems_of(copy), "outside the plausible range 1900-2100", table)
    assert any(q.row == 1 and q.field == field for q in p)


def test_the_year_range_is_an_option(copy):
    df = pd.read_csv(copy / "audits.csv", dtype=str, keep_default_na=False)
    first = int(df["start_date"].str.slice(0, 4).astype(int).min())
    probs = problems_of(copy, years=(first + 1, 2100))
    having(probs, f"plausible range {first + 1}-2100", "audits")
    with pytest.raises(ev.errors.ConfigError, match="years"):
        ev.load_study(copy, years=(2100, 1900))


def test_a_planned_year_far_outside_the_data_is_a_warning(copy):
    df = pd.read_csv(copy / "measures.csv", dtype=str, keep_default_na=False)
    df.loc[0, "planned_end_year"] = "2090"
    df.to_csv(copy / "measures.csv", index=False)
    study = ev.load_study(copy)
    having(study.problems(), "far outside the years of the study's data", "measures", "warning")


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "symlink"])
def test_paths_out_of_the_folder_are_refused(copy, tmp_path, kind):
    outside = tmp_path / "elsewhere.csv"
    shutil.copy(copy / "goals.csv", outside)
    desc = descriptor(copy)
    res = next(r for r in desc["resources"] if r["name"] == "goals")
    if kind == "absolute":
        res["path"] = str(outside)
    elif kind == "dotdot":
        res["path"] = "../elsewhere.csv"
    else:
        (copy / "goals.csv").unlink()
        os.symlink(outside, copy / "goals.csv")
    write_descriptor(copy, desc)
    fragment = {"absolute": "is absolute", "dotdot": "leaves the study folder", "symlink": "link"}
    having(problems_of(copy), fragment[kind], "goals")
    # allowed explicitly: read, and recorded with the resolved path
    study = ev.load_study(copy, allow_outside=True)
    assert study.files["goals"] == outside.resolve()
    if kind != "symlink" or True:
        warn = having(study.problems(), "outside the study folder", "goals", "warning")
        assert str(outside.resolve()) in str(warn[0])


def test_nul_bytes_are_an_error_and_mojibake_a_warning(copy):
    rows = lines(copy, "goals")
    head, rest = rows[1].rsplit(",", 1)
    rows[1] = f"{head},Betreuung\x00ausbauen\n"
    head, rest = rows[2].rsplit(",", 1)
    rows[2] = f"{head},{'Kita-Öffnungszeiten'.encode().decode('cp1252')}\n"
    set_lines(copy, "goals", rows)
    probs = problems_of(copy)
    assert having(probs, "NUL character", "goals")[0].row == 1
    moji = having(probs, "UTF-8 text read as Windows-1252", "goals", "warning")[0]
    assert moji.row == 2 and "Kita-Öffnungszeiten" in moji.message


def test_an_unknown_encoding_is_an_error(copy):
    desc = descriptor(copy)
    desc["resources"][2]["encoding"] = "utf-9"
    write_descriptor(copy, desc)
    having(problems_of(copy), "'utf-9' declared for goals.csv in datapackage.json is unknown")


@pytest.mark.parametrize(
    ("encoding", "named"),
    [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16-LE"), ("utf-16-be", "UTF-16-BE")],
)
def test_utf16_is_detected_and_named(copy, encoding, named):
    desc = descriptor(copy)
    for r in desc["resources"]:
        r.pop("encoding", None)
    write_descriptor(copy, desc)
    text = (copy / "goals.csv").read_text(encoding="utf-8")
    (copy / "goals.csv").write_bytes(text.encode(encoding))
    study = ev.load_study(copy)
    assert study.goals["title"].tolist() == pd.read_csv(io.StringIO(text))["title"].tolist()
    having(study.problems(), f"goals.csv is {named}", "goals", "warning")


def test_cp1252_is_named(copy):
    desc = descriptor(copy)
    for r in desc["resources"]:
        r.pop("encoding", None)
    write_descriptor(copy, desc)
    text = (copy / "goals.csv").read_text(encoding="utf-8")
    (copy / "goals.csv").write_bytes(text.encode("cp1252"))
    study = ev.load_study(copy)
    having(study.problems(), "read as Windows-1252", "goals", "warning")


# -- 2. tracebacks ---------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["2999-01-01", "0001-01-01", "9999-12-31"])
def test_dates_outside_the_datetime_range(copy, value):
    df = pd.read_csv(copy / "audits.csv", dtype=str, keep_default_na=False)
    df.loc[1, "certification_date"] = value
    df.to_csv(copy / "audits.csv", index=False)
    p = [q for q in problems_of(copy) if q.field == "certification_date" and q.row == 2]
    assert p and p[0].value == value


@pytest.mark.parametrize("content", [b"", b"\n\n", b"   \n"])
def test_an_empty_measures_file(copy, content):
    (copy / "measures.csv").write_bytes(content)
    having(problems_of(copy), "measures.csv is empty", "measures")


def test_an_unreadable_measures_file(copy, monkeypatch):
    real = Path.read_bytes
    real_open = open

    def refuse(p, *a, **k):
        if Path(p).name == "measures.csv":
            raise PermissionError(errno.EACCES, "Permission denied", str(p))
        return real_open(p, *a, **k)

    monkeypatch.setattr(Path, "read_bytes", lambda p: refuse(p, "rb").read())
    monkeypatch.setattr("builtins.open", refuse)
    try:
        having(problems_of(copy), "cannot read measures.csv (Permission denied)", "measures")
    finally:
        monkeypatch.setattr(Path, "read_bytes", real)


def test_a_semicolon_file_without_dialect_gets_the_line_to_add(copy):
    df = pd.read_csv(copy / "measures.csv", dtype=str, keep_default_na=False)
    df.loc[0, "title"] = "Kita, Schule und Hort"  # a comma inside a ';' file
    df.to_csv(copy / "measures.csv", index=False, sep=";")
    p = having(problems_of(copy), "seems to use ';' as delimiter", "measures")[0]
    assert '"dialect": {"delimiter": ";"}' in p.message


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda d: d.update(resources={"a": 1}), "must be a list of resources"),
        (lambda d: d.update(resources="indicators.csv"), "must be a list of resources"),
        (lambda d: d["resources"].__setitem__(0, "municipalities"), "must be an object"),
        (lambda d: d["resources"][0].update(schema={"fields": "abc"}), "must be a list of fields"),
        (lambda d: d["resources"][0].update(schema=[1]), "schema: must be an object"),
        (lambda d: d["resources"][0].update(path=17), "must be the file name as text"),
        (lambda d: d["resources"][0].update(path=["a.csv", "b.csv"]), "several files"),
        (lambda d: d["resources"][0].update(dialect=[","]), "dialect: must be an object"),
        (lambda d: d["resources"][0].update(dialect={"delimiter": 5}), "one character"),
        (lambda d: d["resources"][0].update(name=None), "needs a name"),
        (lambda d: d["resources"][0].update(encoding=["utf-8"]), "name of an encoding"),
        (lambda d: d["resources"][0].update(format="xlsx"), "must be csv or parquet"),
        (lambda d: d["resources"][0].update(dialect={"header": False}), "without a header"),
        (lambda d: d["resources"][0].update(path="http://example.org/m.csv"), "remote"),
    ],
)
def test_descriptor_fields_of_the_wrong_type(copy, edit, fragment):
    desc = descriptor(copy)
    edit(desc)
    write_descriptor(copy, desc)
    having(problems_of(copy), fragment, "datapackage.json")


def test_descriptor_not_an_object_not_json_not_utf8(copy):
    (copy / "datapackage.json").write_text("[1, 2]", encoding="utf-8")
    having(problems_of(copy), "must be a JSON object")
    (copy / "datapackage.json").write_bytes('{"name": "Stüdie"}'.encode("cp1252"))
    having(problems_of(copy), "not UTF-8")
    (copy / "datapackage.json").write_text('{"resources": [', encoding="utf-8")
    having(problems_of(copy), "not valid JSON")


def test_parquet_dates_with_a_time_zone(tmp_path):
    study = ev.datasets.synthetic_study(seed=3, n_audited=4, n_comparison=4)
    study.save(tmp_path / "s", format="parquet")
    a = pd.read_parquet(tmp_path / "s" / "audits.parquet")
    a["start_date"] = a["start_date"].dt.tz_localize("Europe/Berlin")
    a.to_parquet(tmp_path / "s" / "audits.parquet")
    loaded = ev.load_study(tmp_path / "s")
    having(loaded.problems(), "time zone", "audits", "warning")
    assert (loaded.audits["start_date"] == study.audits["start_date"]).all()


def test_parquet_dates_outside_the_datetime_range(tmp_path):
    import datetime

    study = ev.datasets.synthetic_study(seed=3, n_audited=4, n_comparison=4)
    study.save(tmp_path / "s", format="parquet")
    a = pd.read_parquet(tmp_path / "s" / "audits.parquet")
    a["start_date"] = [datetime.date(1, 1, 1)] + [datetime.date(2015, 1, 1)] * (len(a) - 1)
    a.to_parquet(tmp_path / "s" / "audits.parquet")
    p = having(problems_of(tmp_path / "s"), "outside the years 1678-2261", "audits")[0]
    assert p.row == 1 and p.field == "start_date"


def test_a_table_path_that_is_a_directory(copy):
    (copy / "measures.csv").unlink()
    (copy / "measures.csv").mkdir()
    having(problems_of(copy), "measures.csv is a folder", "measures")


# -- 3. hangs and resource exhaustion --------------------------------------------------------
def test_a_fifo_is_refused_before_it_is_opened(copy):
    (copy / "goals.csv").unlink()
    os.mkfifo(copy / "goals.csv")
    having(problems_of(copy), "goals.csv is a FIFO", "goals")


def test_dev_zero_is_refused(copy):
    desc = descriptor(copy)
    next(r for r in desc["resources"] if r["name"] == "goals")["path"] = "/dev/zero"
    write_descriptor(copy, desc)
    having(problems_of(copy), "is absolute", "goals")
    having(problems_of(copy, allow_outside=True), "zero is a device", "goals")


def test_a_file_appended_to_itself_answers_quickly_with_a_capped_list(copy):
    body = (copy / "indicators.csv").read_bytes()
    big = body * 40  # the header appears 39 times among the data, every key 40 times
    (copy / "indicators.csv").write_bytes(big)
    probs = problems_of(copy)
    dup = [p for p in probs if p.table == "indicators" and p.check == "duplicate"]
    assert len(dup) <= PROBLEM_LIMIT + 1
    n_keys = len(body.splitlines()) - 1
    # 39 later copies of every key; the repeated header rows have no valid year, so no key
    assert sum(p.count for p in dup) == 39 * n_keys
    having(probs, "header row appears again", "indicators")
    text = ev.StudyValidationError(probs).args[0]
    assert len(text.splitlines()) < 500


def test_cli_output_is_capped_with_the_total(copy, capsys):
    df = pd.read_csv(copy / "indicators.csv", dtype=str, keep_default_na=False)
    df["value"] = "x"
    df = pd.concat([df] * 3, ignore_index=True)
    df.to_csv(copy / "indicators.csv", index=False)
    n = len(df)
    assert cli.main(["validate", str(copy), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["truncated"] is True and out["n_errors"] >= n
    assert len(out["problems"]) < n
    assert cli.main(["validate", str(copy)]) == 1
    text = capsys.readouterr().out
    assert f"{out['n_errors']} error(s)" in text.replace(",", "")


def test_size_and_row_guards(copy):
    size = (copy / "indicators.csv").stat().st_size
    having(problems_of(copy, max_file_bytes=size - 1), "more than the limit", "indicators")
    having(problems_of(copy, max_rows=10), "more than 10 rows", "indicators")
    with pytest.raises(ev.errors.ConfigError, match="max_rows"):
        ev.load_study(copy, max_rows=0)


def test_an_xlsx_zip_bomb_is_refused_before_reading(tmp_path):
    import zipfile

    p = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(600):
                f.write(chunk)
    with pytest.raises(ev.errors.DataError, match="zip bomb|uncompressed"):
        ev.ingest.read_gemeindeverzeichnis(p)


def test_ingest_refuses_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "inkar.csv")
    with pytest.raises(ev.errors.DataError, match="not a regular file|FIFO"):
        ev.ingest.read_inkar(tmp_path / "inkar.csv")


# -- 4. a valid Frictionless package ---------------------------------------------------------
def frictionless_errors(folder: Path) -> list:
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(folder / "datapackage.json"))
    return report.flatten(["type", "note"]) if not report.valid else []


def test_the_demo_is_a_valid_frictionless_package(tmp_path):
    ev.datasets.synthetic_study(seed=1).save(tmp_path / "demo")
    assert frictionless_errors(tmp_path / "demo") == []


def test_an_init_study_filled_with_rows_is_a_valid_frictionless_package(tmp_path):
    folder = tmp_path / "mine"
    ev.init_study(folder)
    assert frictionless_errors(folder) == []
    demo = ev.datasets.synthetic_study(seed=2, n_audited=2, n_comparison=2)
    for name, table in schema.TABLES.items():
        text = evwrite._csv_text(demo[name][table.field_names])
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    assert frictionless_errors(folder) == []
    assert len(ev.load_study(folder).measures) == len(demo.measures)


def test_load_a_package_written_by_frictionless(tmp_path, valid_folder):
    frictionless = pytest.importorskip("frictionless")
    folder = tmp_path / "fl"
    folder.mkdir()
    # the tables of the valid study (the optional mixed-methods tables are absent)
    names = [n for n in schema.TABLES if (valid_folder / f"{n}.csv").exists()]
    for name in names:
        shutil.copy(valid_folder / f"{name}.csv", folder / f"{name}.csv")
    # German Excel: ';' and decimal comma, "NA" for missing, Windows-1252
    ind = pd.read_csv(folder / "indicators.csv", dtype=str, keep_default_na=False)
    ind["value"] = ind["value"].str.replace(".", ",", regex=False)
    ind.to_csv(folder / "indicators.csv", index=False, sep=";")
    goals = pd.read_csv(folder / "goals.csv", dtype=str, keep_default_na=False)
    goals.loc[0, "title"] = "Familienfreundlichkeit fördern"
    goals.to_csv(folder / "goals.csv", index=False, encoding="cp1252")
    m = pd.read_csv(folder / "measures.csv", dtype=str, keep_default_na=False)
    m["planned_start_year"] = m["planned_start_year"].replace("", "NA")
    m.to_csv(folder / "measures.csv", index=False)
    resources = []
    for name in names:
        kw = {}
        if name == "indicators":
            kw["dialect"] = frictionless.Dialect(
                controls=[frictionless.formats.CsvControl(delimiter=";")]
            )
        if name == "goals":
            kw["encoding"] = "windows-1252"
        r = frictionless.Resource(path=f"{name}.csv", basepath=str(folder), **kw)
        r.infer()
        if name == "measures":
            r.schema.missing_values = ["", "NA"]
        if name == "indicators":
            r.schema.set_field_type("value", "number")
            r.schema.get_field("value").decimal_char = ","
        resources.append(r)
    pkg = frictionless.Package(resources=resources, basepath=str(folder))
    pkg.to_json(str(folder / "datapackage.json"))
    desc = descriptor(folder)
    assert "$schema" in json.dumps(desc) or "profile" in desc or "type" in desc["resources"][0]
    study = ev.load_study(folder)
    base = ev.load_study(valid_folder)
    pd.testing.assert_series_equal(study.indicators["value"], base.indicators["value"])
    assert study.goals["title"].iat[0] == "Familienfreundlichkeit fördern"
    pd.testing.assert_series_equal(
        study.measures["planned_start_year"], base.measures["planned_start_year"]
    )
    # the same with the Frictionless v1 spelling (profile, dialect without "csv")
    for r in desc["resources"]:
        r["profile"] = "tabular-data-resource"
        if "dialect" in r:
            r["dialect"] = r["dialect"].get("csv", r["dialect"])
    desc["profile"] = "tabular-data-package"
    write_descriptor(folder, desc)
    study = ev.load_study(folder)
    pd.testing.assert_series_equal(study.indicators["value"], base.indicators["value"])


# -- 5. atomic writes ------------------------------------------------------------------------
def test_a_full_disk_leaves_the_previous_study_intact(tmp_path, monkeypatch):
    folder = tmp_path / "s"
    old = ev.datasets.synthetic_study(seed=3, n_audited=4, n_comparison=4)
    old.save(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    calls = {"n": 0}

    def full(f, data):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        f.write(data)

    monkeypatch.setattr(evwrite, "_write_all", full)
    new = ev.datasets.synthetic_study(seed=4, n_audited=5, n_comparison=5)
    with pytest.raises(OutputError, match="disk is full"):
        evwrite.save_study(new, folder, overwrite=True)
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert after == before  # no temporary file left, no file changed


def test_init_writes_atomically(tmp_path, monkeypatch):
    def full(f, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(evwrite, "_write_all", full)
    with pytest.raises(OutputError):
        ev.init_study(tmp_path / "new")
    assert not any((tmp_path / "new").rglob("*.*"))


def test_the_descriptor_is_written_last(tmp_path, monkeypatch):
    order = []
    real = os.replace

    def spy(src, dst):
        order.append(Path(dst).name)
        real(src, dst)

    monkeypatch.setattr(evwrite.os, "replace", spy)
    ev.datasets.synthetic_study(seed=3, n_audited=3, n_comparison=3).save(tmp_path / "s")
    assert order[-1] == "datapackage.json" and len(order) == 8


# -- 6. small ones ---------------------------------------------------------------------------
def test_the_state_hint_for_a_lost_leading_zero():
    assert closest_code("1", ev.codes.STATES) == "01"
    assert closest_code("9", ev.codes.STATES) == "09"
    assert closest_code("16", ev.codes.STATES) == "16"


def test_every_error_escapes_as_an_evaluation_error(copy):
    (copy / "datapackage.json").write_text("{", encoding="utf-8")
    with pytest.raises(EvaluationError):
        ev.load_study(copy)
