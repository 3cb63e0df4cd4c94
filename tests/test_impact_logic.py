"""The impact logic of the indicator catalogue (linked action field, expected direction and
lag): schema, validation and the synthetic study."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import evaluation as ev
from evaluation import codes
from evaluation.study import schema

NEW = ("action_field", "expected_direction", "expected_lag")


@pytest.fixture(scope="module")
def valid_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("logic") / "study"
    ev.datasets.synthetic_study(seed=5, n_audited=6, n_comparison=6).save(folder)
    return folder


@pytest.fixture
def copy(valid_folder, tmp_path) -> Path:
    dst = tmp_path / "study"
    shutil.copytree(valid_folder, dst)
    return dst


def _catalogue(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "indicator_catalogue.csv", dtype=str, keep_default_na=False)


def _write(folder: Path, df: pd.DataFrame) -> None:
    df.to_csv(folder / "indicator_catalogue.csv", index=False, lineterminator="\n")


def _problems(folder: Path):
    with pytest.raises(ev.StudyValidationError) as info:
        ev.load_study(folder)
    return info.value.problems


def _edit(folder: Path, row: int, field: str, value: str) -> None:
    df = _catalogue(folder)
    df.at[row - 1, field] = value
    _write(folder, df)


def _one(problems, row: int, field: str, check: str):
    hits = [
        p
        for p in problems
        if (p.table, p.row, p.field, p.check) == ("indicator_catalogue", row, field, check)
    ]
    assert len(hits) == 1, "\n".join(map(str, problems))
    return hits[0]


def test_schema_declares_the_fields_with_their_constraints():
    t = schema.TABLES["indicator_catalogue"]
    assert t.field_names[-3:] == list(NEW)
    assert not any(t.get(n).required for n in NEW)
    assert set(t.get("action_field").enum) == {c.code for c in codes.CODE_LISTS["action_fields"]}
    assert t.get("expected_direction").enum == ("increase", "decrease")
    lag = t.get("expected_lag")
    assert (lag.type, lag.minimum, lag.maximum) == ("integer", 0, 10)
    desc = json.loads((Path(__file__).parents[1] / "data_schema" / "datapackage.json").read_text())
    cat = next(r for r in desc["resources"] if r["name"] == "indicator_catalogue")
    fields = {f["name"]: f for f in cat["schema"]["fields"]}
    assert fields["expected_lag"]["constraints"] == {"minimum": 0, "maximum": 10}
    assert fields["expected_direction"]["constraints"] == {"enum": ["increase", "decrease"]}


def test_codebook_lists_the_fields_and_the_direction_codes():
    text = schema.codebook_markdown()
    for name in NEW:
        assert f"| `{name}` |" in text
    assert "### `directions`" in text
    assert "| `decrease` | sinkt | decrease |" in text


def test_synthetic_study_states_its_impact_logic(valid_folder):
    cat = ev.load_study(valid_folder).indicator_catalogue.set_index("indicator")
    assert cat.loc["childcare_u3", "action_field"] == "work_family"
    assert cat.loc["childcare_u3", "expected_direction"] == "increase"
    assert cat.loc["sgb2_children", "expected_direction"] == "decrease"
    assert int(cat.loc["sgb2_children", "expected_lag"]) == 2
    # the placebo is a context indicator: no field, no direction, no lag
    assert cat.loc["share_65plus", list(NEW)].isna().all()


def test_dose_response_study_links_the_dosed_indicator_to_the_dose_field():
    s = ev.datasets.synthetic_study(
        seed=2, n_audited=6, n_comparison=6, dose_response=-1.0, linked_indicator="sgb2_children"
    )
    cat = s.indicator_catalogue.set_index("indicator")
    assert s.truth.dose_response["field"] == "work_family"
    assert cat.loc["sgb2_children", "action_field"] == "work_family"
    # the default study keeps its declared logic
    assert (
        ev.datasets.synthetic_study(seed=2, n_audited=6, n_comparison=6)
        .indicator_catalogue.set_index("indicator")
        .loc["sgb2_children", "action_field"]
        == "counselling"
    )


def test_old_catalogue_without_the_columns_stays_valid(copy):
    _write(copy, _catalogue(copy).drop(columns=list(NEW)))
    desc = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    for r in desc["resources"]:
        if r["name"] == "indicator_catalogue":
            r["schema"]["fields"] = [f for f in r["schema"]["fields"] if f["name"] not in NEW]
    (copy / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    cat = ev.load_study(copy).indicator_catalogue
    assert cat[list(NEW)].isna().all().all()


@pytest.mark.parametrize(
    ("value", "hint"),
    [("work_famly", "work_family"), ("Bildung und Erziehung", "education"), ("childcare", None)],
)
def test_unknown_action_field_names_table_row_field_and_hint(copy, value, hint):
    _edit(copy, 2, "action_field", value)
    p = _one(_problems(copy), 2, "action_field", "code")
    assert p.value == value
    if hint:
        assert f"did you mean {hint!r}" in p.message
    assert "valid: steering, work_family" in p.message


@pytest.mark.parametrize(("value", "hint"), [("Increase", "increase"), ("sinkt", "decrease")])
def test_unknown_direction_gets_the_closest_code(copy, value, hint):
    _edit(copy, 3, "expected_direction", value)
    p = _one(_problems(copy), 3, "expected_direction", "code")
    assert f"did you mean {hint!r}" in p.message


@pytest.mark.parametrize(
    ("value", "check", "message"),
    [
        ("11", "range", "at most 10"),
        ("-1", "range", "at least 0"),
        ("1.5", "type", "not a whole number"),
        ("zwei", "type", "not a whole number"),
    ],
)
def test_lag_out_of_range_or_not_whole(copy, value, check, message):
    _edit(copy, 1, "expected_lag", value)
    p = _one(_problems(copy), 1, "expected_lag", check)
    assert message in p.message


def test_empty_logic_cells_are_valid(copy):
    df = _catalogue(copy)
    for name in NEW:
        df[name] = ""
    _write(copy, df)
    assert ev.load_study(copy).indicator_catalogue["action_field"].isna().all()
