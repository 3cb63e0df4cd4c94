"""The catalogue of corrupted studies: every check reports the exact problem planted."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import evaluation as ev
from evaluation.validation import Problem


@pytest.fixture(scope="module")
def valid_folder(tmp_path_factory) -> Path:
    study = ev.datasets.synthetic_study(seed=5, n_audited=14, n_comparison=20)
    folder = tmp_path_factory.mktemp("valid") / "study"
    study.save(folder)
    return folder


@pytest.fixture
def copy(valid_folder, tmp_path) -> Path:
    dst = tmp_path / "study"
    shutil.copytree(valid_folder, dst)
    return dst


def edit(folder: Path, table: str, row: int, field: str, value: str) -> str:
    """Set one cell (row 1 = first data row) in a CSV file as text; return the old value."""
    p = folder / f"{table}.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    old = df.at[row - 1, field]
    df.at[row - 1, field] = value
    df.to_csv(p, index=False, lineterminator="\n")
    return old


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(ev.StudyValidationError) as info:
        ev.load_study(folder)
    return info.value.problems


def find(problems, table, row, field, check) -> Problem:
    hits = [
        p
        for p in problems
        if p.table == table and p.row == row and p.field == field and p.check == check
    ]
    assert hits, f"no {check} problem at {table} row {row} field {field}; got:\n" + "\n".join(
        map(str, problems)
    )
    return hits[0]


def first_row(folder: Path, table: str, where) -> int:
    df = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    return int(df.index[where(df)][0]) + 1


def test_valid_study_has_no_problems(valid_folder):
    study = ev.load_study(valid_folder)
    assert [p for p in study.problems() if p.severity == "error"] == []


def test_lost_leading_zero_is_explained(copy):
    row = first_row(copy, "municipalities", lambda d: d.municipality_id.str.startswith("0"))
    old = edit(copy, "municipalities", row, "municipality_id", "")
    edit(copy, "municipalities", row, "municipality_id", old.lstrip("0"))
    p = find(problems_of(copy), "municipalities", row, "municipality_id", "ags")
    assert "leading zero" in p.message and f"'0{old.lstrip('0')}'" in p.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("05A11", "digits only"),
        ("123456", "8 digits"),
        ("99111000", "state code 01-16"),
    ],
)
def test_malformed_codes(copy, value, message):
    edit(copy, "municipalities", 1, "municipality_id", value)
    p = find(problems_of(copy), "municipalities", 1, "municipality_id", "ags")
    assert message in p.message


def test_code_length_must_match_level(copy):
    row = first_row(copy, "municipalities", lambda d: d.level == "gemeinde")
    edit(copy, "municipalities", row, "level", "kreis")
    p = find(problems_of(copy), "municipalities", row, "municipality_id", "ags")
    assert "5-digit" in p.message


@pytest.mark.parametrize(
    ("table", "field", "value", "suggestion"),
    [
        ("municipalities", "level", "Kreisfreie Stadt", "kreisfreie_stadt"),
        ("municipalities", "group", "audit", "audited"),
        ("goals", "action_field", "Bildung und Erziehung", "education"),
        ("goals", "action_field", "educaton", "education"),
        ("measure_reports", "status", "umgesetzt", "implemented"),
        ("measure_reports", "status", "implmented", "implemented"),
    ],
)
def test_unknown_codes_suggest_the_closest(copy, table, field, value, suggestion):
    edit(copy, table, 2, field, value)
    p = find(problems_of(copy), table, 2, field, "code")
    assert f"did you mean {suggestion!r}" in p.message
    assert p.value == value


def test_state_must_match_code(copy):
    edit(copy, "municipalities", 3, "state", "16" if not _state(copy, 3) == "16" else "15")
    find(problems_of(copy), "municipalities", 3, "state", "state")


def _state(folder, row):
    return pd.read_csv(folder / "municipalities.csv", dtype=str).at[row - 1, "state"]


@pytest.mark.parametrize(
    ("table", "field", "value", "message"),
    [
        ("municipalities", "population", "viele", "not a whole number"),
        ("municipalities", "population", "1.5", "not a whole number"),
        ("municipalities", "area_km2", "groß", "not a number"),
        ("municipalities", "share_under_18", "x", "baseline covariates"),
        ("indicators", "value", "12,5", "decimal comma"),
        ("indicators", "value", "n/a", "not a number"),
        ("indicators", "value", "inf", "not a number"),
        ("audits", "start_date", "12.06.2015", "2015-06-12"),
        ("audits", "start_date", "2015-13-01", "YYYY-MM-DD"),
        ("indicator_catalogue", "higher_is_better", "maybe", "not true or false"),
        ("measure_reports", "report_year", "2015a", "not a whole number"),
    ],
)
def test_wrong_types_are_never_silent(copy, table, field, value, message):
    edit(copy, table, 1, field, value)
    p = find(problems_of(copy), table, 1, field, "type")
    assert message in p.message
    assert p.value == value


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ("municipalities", "name"),
        ("audits", "start_date"),
        ("goals", "action_field"),
        ("measure_reports", "status"),
        ("indicators", "value"),
    ],
)
def test_required_values(copy, table, field):
    edit(copy, table, 2, field, "")
    find(problems_of(copy), table, 2, field, "required")


def test_duplicate_keys_name_the_first_row(copy):
    p = copy / "measure_reports.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    lines.append(lines[3])  # data row 3 again, as the last row
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    n = len(lines) - 1
    problem = find(problems_of(copy), "measure_reports", n, "measure_id, report_year", "duplicate")
    assert "row 3" in problem.message


@pytest.mark.parametrize(
    ("table", "field", "value", "target"),
    [
        ("audits", "municipality_id", "05999001", "municipalities"),
        ("goals", "audit_id", "nope-1", "audits"),
        ("measures", "goal_id", "nope-G01", "goals"),
        ("measure_reports", "measure_id", "nope-M01", "measures"),
        ("indicators", "municipality_id", "05999001", "municipalities"),
        ("indicators", "indicator", "childcare_u6", "indicator_catalogue"),
    ],
)
def test_foreign_keys(copy, table, field, value, target):
    edit(copy, table, 1, field, value)
    p = find(problems_of(copy), table, 1, field, "foreign_key")
    assert target in p.message


def test_certification_before_start(copy):
    row = first_row(copy, "audits", lambda d: d.certification_date != "")
    edit(copy, "audits", row, "certification_date", "2001-01-01")
    p = find(problems_of(copy), "audits", row, "certification_date", "date_order")
    assert "before the audit start" in p.message


def test_report_before_audit_start(copy):
    edit(copy, "measure_reports", 1, "report_year", "2000")
    p = find(problems_of(copy), "measure_reports", 1, "report_year", "date_order")
    assert "before the audit started" in p.message


def test_planned_years_order(copy):
    edit(copy, "measures", 1, "planned_end_year", "1999")
    find(problems_of(copy), "measures", 1, "planned_end_year", "date_order")


def test_comparison_municipality_with_audit(copy):
    aud = pd.read_csv(copy / "audits.csv", dtype=str)
    mid = aud.at[0, "municipality_id"]
    row = first_row(copy, "municipalities", lambda d: d.municipality_id == mid)
    edit(copy, "municipalities", row, "group", "comparison")
    p = find(problems_of(copy), "audits", 1, "municipality_id", "group")
    assert "comparison municipality has an audit" in p.message


def test_audited_without_audit_is_a_warning(copy):
    row = first_row(copy, "municipalities", lambda d: d.group == "comparison")
    edit(copy, "municipalities", row, "group", "audited")
    study = ev.load_study(copy)  # valid: only a warning
    p = find(study.problems(), "municipalities", row, "group", "group")
    assert p.severity == "warning"


def test_missing_required_column(copy):
    df = pd.read_csv(copy / "municipalities.csv", dtype=str, keep_default_na=False)
    df.drop(columns="level").to_csv(copy / "municipalities.csv", index=False)
    p = find(problems_of(copy), "municipalities", None, "level", "column")
    assert "required column is missing" in p.message


def test_missing_file_and_broken_descriptor(copy):
    (copy / "municipalities.csv").unlink()
    (copy / "datapackage.json").write_text("{ not json", encoding="utf-8")
    probs = problems_of(copy)
    assert any(p.table == "datapackage.json" and p.check == "descriptor" for p in probs)
    assert any(p.table == "municipalities" and p.check == "file" for p in probs)


def test_semicolon_file_without_dialect_gets_a_hint(copy):
    p = copy / "indicator_catalogue.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df.to_csv(p, sep=";", index=False)
    probs = problems_of(copy)
    assert any(
        pr.table == "indicator_catalogue" and "';' as delimiter" in pr.message for pr in probs
    )


def test_all_planted_problems_are_listed_at_once(copy):
    edit(copy, "municipalities", 1, "population", "viele")
    edit(copy, "goals", 2, "action_field", "Bildung")
    edit(copy, "indicators", 5, "value", "1,5")
    edit(copy, "measure_reports", 4, "status", "done")
    probs = problems_of(copy)
    find(probs, "municipalities", 1, "population", "type")
    find(probs, "goals", 2, "action_field", "code")
    find(probs, "indicators", 5, "value", "type")
    find(probs, "measure_reports", 4, "status", "code")
    text = str(ev.StudyValidationError(probs))
    assert "indicators, row 5, field value" in text


def test_problems_do_not_modify_input(copy):
    edit(copy, "indicators", 5, "value", "1,5")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in copy.iterdir()}
    problems_of(copy)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in copy.iterdir()}
    assert before == after


# -- encodings and dialects ----------------------------------------------------------------
def _rewrite(folder: Path, table: str, encoding: str, bom: bool = False) -> None:
    p = folder / f"{table}.csv"
    text = p.read_text(encoding="utf-8")
    raw = text.encode(encoding)
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + raw)


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("cp1252", False)]
)
def test_encodings_read_umlauts(copy, encoding, bom):
    edit(copy, "municipalities", 1, "name", "Großkrotzenburg-Überlingen")
    _rewrite(copy, "municipalities", encoding, bom)
    _rewrite(copy, "measures", encoding, bom)  # titles with umlauts (Ü, ö)
    study = ev.load_study(copy)
    assert study.municipalities.at[0, "name"] == "Großkrotzenburg-Überlingen"
    assert study.municipalities.columns[0] == "municipality_id"  # BOM not in the header
    assert study.measures["title"].str.contains("ü|ö|Ü", regex=True).any()


def test_declared_decimal_comma_and_semicolon(copy):
    p = copy / "indicators.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    expected = pd.to_numeric(df["value"]).to_numpy()
    df["value"] = df["value"].str.replace(".", ",", regex=False)
    df.to_csv(p, sep=";", index=False)
    desc = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    for res in desc["resources"]:
        if res["name"] == "indicators":
            res["dialect"] = {"delimiter": ";", "decimalChar": ","}
    (copy / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    study = ev.load_study(copy)
    assert (study.indicators["value"].to_numpy() == expected).all()


def test_codes_keep_leading_zeros(valid_folder):
    study = ev.load_study(valid_folder)
    assert study.municipalities["municipality_id"].str.len().isin([5, 8]).all()
    assert study.municipalities["municipality_id"].str.startswith("0").any()
    assert isinstance(study.municipalities["municipality_id"].dtype, pd.StringDtype)


def test_in_memory_study_validate(valid_folder):
    study = ev.load_study(valid_folder)
    m = study.municipalities.copy()
    m.loc[0, "level"] = "stadt"
    bad = ev.Study(**{**study.tables, "municipalities": m})
    with pytest.raises(ev.StudyValidationError) as info:
        bad.validate()
    assert info.value.errors[0].field == "level"


def test_a_bad_number_is_reported_once(copy):
    edit(copy, "indicators", 3, "value", "zwölf")
    probs = [p for p in problems_of(copy) if p.table == "indicators" and p.row == 3]
    assert [p.check for p in probs] == ["type"]


def test_the_same_problem_in_many_rows_is_one_line(copy):
    """A lost leading zero breaks every indicator row of the unit: one line lists the rows."""
    row = first_row(copy, "municipalities", lambda d: d.municipality_id.str.startswith("0"))
    old = pd.read_csv(copy / "municipalities.csv", dtype=str).at[row - 1, "municipality_id"]
    edit(copy, "municipalities", row, "municipality_id", old.lstrip("0"))
    ind = pd.read_csv(copy / "indicators.csv", dtype=str)
    rows = (ind.index[ind["municipality_id"] == old] + 1).tolist()
    text = str(ev.StudyValidationError(problems_of(copy)))
    line = [ln for ln in text.splitlines() if "indicators," in ln and "foreign" not in ln]
    assert len(line) == 1
    assert f"{len(rows)} rows: {rows[0]}-" in line[0] and f"(value '{old}')" in line[0]
