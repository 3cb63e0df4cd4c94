"""The study update of evaluation.ingest: what the command line `audit-eval import` does, as
functions that notebook users call (each returns the new study and notes)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError, OptionError
from evaluation.ingest import (
    add_indicators,
    guess_unit_level,
    harmonise,
    kreisregionen_gaps,
    read_gemeindeverzeichnis,
    read_inkar,
    set_municipalities,
)
from test_ingest import DATA, write_gv


@pytest.fixture
def gv(tmp_path):
    return write_gv(tmp_path / "31122023_Auszug_GV.xlsx", "new")


def districts(*rows: tuple[str, str]) -> pd.DataFrame:
    """A municipalities table of districts: (code, level) pairs."""
    return pd.DataFrame(
        {
            "municipality_id": [c for c, _ in rows],
            "name": [f"unit {c}" for c, _ in rows],
            "level": [lv for _, lv in rows],
            "state": [c[:2] for c, _ in rows],
            "group": "comparison",
        }
    )


def test_the_unit_level_follows_the_length_of_the_audited_codes():
    assert guess_unit_level(["01001", "09271"]) == "kreis"
    assert guess_unit_level(["01001001"]) == "gemeinde"
    assert guess_unit_level(["01001", "01001001"]) == "all"
    assert guess_unit_level(None) == "gemeinde"
    assert guess_unit_level([]) == "gemeinde"


def test_set_municipalities_from_a_directory_marks_the_audited(gv):
    # codes as a list, one of them without its leading zero: districts (5 digits)
    study, notes = set_municipalities(None, gv, audited=["01001", "9271"])
    m = study.municipalities.set_index("municipality_id")
    assert m["group"].to_dict() == {"01001": "audited", "01051": "comparison", "09271": "audited"}
    assert notes[0].startswith("Imported 3 units (level kreis; 2 audited) from 31122023_")
    # a codes file works the same way (the file of the tests lists 1001 and 01051)
    study, _ = set_municipalities(None, gv, audited=DATA / "audited_codes.txt")
    assert study.municipalities.set_index("municipality_id")["group"].to_dict() == {
        "01001": "audited",
        "01051": "audited",
        "09271": "comparison",
    }


def test_set_municipalities_never_replaces_without_replace(gv):
    old, _ = set_municipalities(None, gv, unit_level="kreis")
    with pytest.raises(DataError, match="replace=True"):
        set_municipalities(old, gv, unit_level="gemeinde")
    new, _ = set_municipalities(old, gv, unit_level="gemeinde", replace=True)
    assert (new.municipalities["level"] == "gemeinde").all() and len(new.municipalities) == 5
    assert len(old.municipalities) == 3  # the study given is unchanged
    with pytest.raises(OptionError, match="unit_level"):
        set_municipalities(None, gv, unit_level="land")
    with pytest.raises(OptionError, match="replace"):
        set_municipalities(None, gv, replace="yes")


def test_set_municipalities_from_a_table_keeps_the_level_asked_for(gv):
    table = read_gemeindeverzeichnis(gv)  # every level
    study, notes = set_municipalities(None, table, unit_level="kreis", audited=["01051"])
    m = study.municipalities
    assert sorted(m["municipality_id"]) == ["01001", "01051", "09271"]
    assert m.loc[m["group"] == "audited", "municipality_id"].tolist() == ["01051"]
    assert "Imported 3 units (level kreis; 1 audited)" in notes[0]


def test_add_indicators_keeps_the_study_units_and_counts_what_it_left_out():
    # 01001 and 01051 are in the export (5 and 6 values: Flensburg's 2020 births are "-"),
    # 09271 of the export is not in the study, 09272 of the study not in the export
    study = ev.Study(
        municipalities=districts(
            ("01001", "kreisfreie_stadt"), ("01051", "kreis"), ("09272", "kreis")
        )
    )
    data = read_inkar(DATA / "inkar_small_bom.csv")
    new, notes = add_indicators(study, data)
    assert len(new.indicators) == 11
    assert set(new.indicators["municipality_id"]) == {"01001", "01051"}
    assert sorted(new.indicator_catalogue["indicator"]) == ["births_per_1000", "einwohner"]
    assert notes[0] == "Imported 11 values of 2 indicator(s) (births_per_1000, einwohner)"
    assert "1 unit(s) of the export are not in the study and were left out" in notes
    assert "1 unit(s) of the study have no value in the export" in notes
    assert any(n.startswith("note: ") and "not in the built-in list" in n for n in notes)
    assert study.indicators.empty  # the study given is unchanged


def test_add_indicators_replaces_only_when_asked():
    study = ev.Study(municipalities=districts(("01001", "kreisfreie_stadt"), ("01051", "kreis")))
    data = read_inkar(DATA / "inkar_small_bom.csv")
    once, _ = add_indicators(study, data)
    with pytest.raises(DataError, match="births_per_1000, einwohner.*replace=True"):
        add_indicators(once, data)
    twice, notes = add_indicators(once, data, replace=True)
    assert len(twice.indicators) == len(once.indicators) == 11
    assert notes[0].endswith("replacing births_per_1000, einwohner")


def test_add_indicators_needs_units_of_the_study():
    data = read_inkar(DATA / "inkar_small_bom.csv")
    with pytest.raises(DataError, match="import the directory first"):
        add_indicators(None, data)
    with pytest.raises(DataError, match="import the directory first"):
        add_indicators(ev.Study(), data)
    other = ev.Study(municipalities=districts(("05111", "kreisfreie_stadt")))
    with pytest.raises(DataError, match="none of the 3 units"):
        add_indicators(other, data)


def test_a_kreisregionen_export_names_the_cities_without_a_row():
    # Landshut (09261) lies in Niederbayern (092), which the export covers; Munich (09162) in
    # Oberbayern (091), which it does not; Landshut-Land (09274) has a row of its own
    m = districts(
        ("09261", "kreisfreie_stadt"),
        ("09162", "kreisfreie_stadt"),
        ("09274", "kreis"),
        ("09273", "kreis"),
    )
    units = pd.DataFrame(
        {
            "municipality_id": ["09273", "09274"],
            "name": ["Kelheim", "Kreis u. Stadt Landshut"],
            "aggregate": ["Kreisregionen", "Kreisregionen"],
        }
    )
    (warning,) = kreisregionen_gaps(m, units)
    assert warning.startswith("warning: 1 kreisfreie Stadt/Städte")
    assert warning.endswith("(merged into a neighbouring region): 09261")
    assert kreisregionen_gaps(m, units.assign(aggregate="Kreise")) == []
    # read from a file: the same check inside add_indicators
    data = read_inkar(DATA / "inkar_kreisregionen.csv", merged="drop")
    _, notes = add_indicators(ev.Study(municipalities=m), data)
    assert any(n.endswith("neighbouring region): 09261") for n in notes)


def test_the_old_level_keyword_still_works_with_a_warning(gv):
    with pytest.warns(DeprecationWarning, match="unit_level"):
        old = read_gemeindeverzeichnis(gv, level="kreis")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        new = read_gemeindeverzeichnis(gv, unit_level="kreis")
    pd.testing.assert_frame_equal(old, new)


def test_harmonise_names_the_incomplete_unit_years_excluded():
    a, b, n = "01001001", "01001002", "01001003"
    rows = pd.DataFrame(
        {
            "municipality_id": [a, b, b],
            "year": [2000, 2000, 2000],
            "indicator": ["births", "births", "share_u6"],
            "value": [1.0, 2.0, 5.0],
        }
    )
    cat = pd.DataFrame(
        {"indicator": ["births", "share_u6"], "aggregation": ["sum", "weighted_mean"]}
    )
    cw = pd.DataFrame({"old_id": [a, b], "new_id": [n, n], "weight": [1, 1]})
    with pytest.warns(ev.errors.DataWarning, match="1 incomplete"):
        out = harmonise(rows, cw, cat, reference=[n], on_incomplete="drop")
    # share_u6 has a value of b only: 1 of the 2 old units of n
    excluded = out.attrs["excluded"]
    assert excluded[["new_id", "indicator", "n", "expected"]].values.tolist() == [
        [n, "share_u6", 1, 2]
    ]
    assert out.attrs["dropped"] is excluded  # the deprecated name, for one release
    assert out["value"].tolist() == [3.0]  # births: 1 + 2
