"""Tests of evaluation.ingest: INKAR exports, the Destatis directory, territorial changes.

Expected values are read off the hand-made files in tests/data/ingest (and the small workbooks
built below, whose header rows copy the structure of the real Destatis "Auszug GV" sheets of
31.12.1990 and 31.12.2023) or are published totals of official statistics.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import evaluation as ev
from evaluation.errors import DataError
from evaluation.ingest import (
    CROSSWALK,
    harmonise,
    indicators_from_wide,
    normalise_codes,
    parse_numbers,
    read_codes,
    read_gemeindeverzeichnis,
    read_inkar,
    territorial_changes,
)

DATA = Path(__file__).parent / "data" / "ingest"

# ---------------------------------------------------------------------------------------------
# small directory workbooks in the two layouts (invented rows, real header structure)
# ---------------------------------------------------------------------------------------------

OLD_HEADER = [
    [
        "Gemeinden in Deutschland nach Fläche und Bevölkerung am 31.12.1990 (Jahr) zum "
        "Gebietsstand 01.01.1991 "
    ],
    [],
    [
        "Satz-art",
        "Gemeindeschlüssel",
        None,
        None,
        None,
        "Gemeindename",
        "Stadtrechte\nx=ja",
        "Verbandszugehörigkeit",
        None,
        "Fläche km2  ",
        "Bevölkerung",
        None,
        None,
        None,
    ],
    [
        None,
        "Land",
        "RB",
        "Kreis",
        "Gemeinde",
        None,
        None,
        "Schlüssel",
        "Name",
        None,
        "insgesamt",
        "männlich",
        "weiblich",
        "je km2",
    ],
    [None, "Gebietsstand am 01.01.1991", None, None, None, None, None, None, None, "am 31.12.1990"],
    [],
]

# Satzart, Land, RB, Kreis, Gemeinde, name, Stadtrechte, VB key, VB name, area, population
OLD_ROWS = [
    [10, "01", "", "", None, "Schleswig-Holstein"],
    [40, "01", "0", "01", None, "Flensburg, Stadt"],
    [60, "01", "0", "01", "000", "Flensburg, Stadt", "x", None, None, 56.36, 86977],
    [40, "01", "0", "51", "", "Dithmarschen"],
    [60, "01", "0", "51", "001", "Albersdorf", None, "0051", "Amt A", 25.5, 3600],
    [60, "01", "0", "51", "002", "Averlak", None, "0051", "Amt A", 9.06, 587],
    [60, "01", "0", "51", "003", "Forst X, gemfr. Gebiet", None, None, None, 4.0, 0],
    [10, "09", "", "", None, "Bayern"],
    [20, "09", "2", "", None, "Niederbayern"],
    [40, "09", "2", "71", None, "Deggendorf"],
    # numbers stored as text in a German spreadsheet
    [60, "09", "2", "71", "111", "Deggendorf, St", "x", None, None, "77,2", "31.000"],
    # a code part stored as a number (lost its zeros): 9 / 2 / 71 / 112
    [60, 9, 2, 71, 112, "Hengersberg", None, None, None, 60.1, 7500],
]

NEW_HEADER = [
    ["Gemeinden in Deutschland nach Fläche, Bevölkerung und Postleitzahl am 31.12.2023 (Jahr)"],
    [],
    [
        "Satz-art",
        "Text-kenn-zeichen",
        "Amtlicher Regionalschlüssel (ARS)",
        None,
        None,
        None,
        None,
        "Gemeindename",
        "Fläche km2 1)",
        "Bevölkerung2)",
        None,
        None,
        None,
        "Postleit-zahl3)",
        "Geografische Mittelpunktkoordinaten",
        None,
        "Reisegebiete",
        None,
        "Grad der Verstädterung",
        None,
    ],
    [
        None,
        None,
        "Land",
        "RB",
        "Kreis",
        "VB",
        "Gem",
        None,
        None,
        "insgesamt",
        "männlich",
        "weiblich",
        "je km2",
        None,
        "Längengrad",
        "Breitengrad",
        "Schlüssel",
        "Bezeichnung",
        "Schlüssel",
        "Bezeichnung",
    ],
    [
        None,
        None,
        "Gebietsstand am 31.12.2023 (Jahr)",
        None,
        None,
        None,
        None,
        None,
        "31.12.2023 (Jahr)",
    ],
    [],
]


def _g(satz, tk, land, rb, kreis, vb, gem, name, area=None, pop=None, urb=None):
    return [
        satz,
        tk,
        land,
        rb,
        kreis,
        vb,
        gem,
        name,
        area,
        pop,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        urb,
        None,
    ]


NEW_ROWS = [
    _g("10", None, "01", None, None, None, None, "Schleswig-Holstein"),
    _g("40", "41", "01", "0", "01", None, None, "Flensburg, Stadt"),
    _g("50", "50", "01", "0", "01", "0000", None, "Flensburg, Stadt"),
    _g("60", "61", "01", "0", "01", "0000", "000", "Flensburg, Stadt", 56.73, 92667, "01"),
    _g("40", "43", "01", "0", "51", None, None, "Dithmarschen"),
    _g("60", "64", "01", "0", "51", "0051", "001", "Albersdorf", 25.5, 3600, "03"),
    _g("60", "64", "01", "0", "51", "0051", "002", "Averlak", 9.06, 587, "03"),
    _g("60", "66", "01", "0", "51", "0051", "003", "Forst X", 4.0, 0, "03"),
    _g("10", None, "09", None, None, None, None, "Bayern"),
    _g("40", "44", "09", "2", "71", None, None, "Deggendorf"),
    _g("60", "63", "09", "2", "71", "0111", "111", "Deggendorf, St", 77.2, 31000, "02"),
    _g("60", "60", "09", "2", "71", "0112", "112", "Hengersberg, M", 60.1, 7500, "03"),
]

FOOTER = [
    [],
    ["Quelle: Gemeindeverzeichnis-Informationssytem GV-ISys"],
    ["© Statistisches Bundesamt"],
]


def write_gv(path: Path, layout: str) -> Path:
    """Write a small directory workbook in the 'old' or 'new' layout."""
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "Inhalt"
    info.append(["Statistisches Bundesamt"])
    info.append(["Gemeindeverzeichnis"])
    if layout == "old":
        ws = wb.create_sheet("Gemeindedaten")
        rows = OLD_HEADER + OLD_ROWS + FOOTER
        other = wb.create_sheet("Gemeindeverbandsdaten")
        other.append(["Fläche, Bevölkerung ... Ämtern"])
        other.append([])
        other.append(["Satz-art", "Schlüsselnummer", None, None, "Kreis\namtsfreie Gemeinden"])
    else:
        ws = wb.create_sheet("Onlineprodukt_Gemeinden31122023")
        rows = NEW_HEADER + NEW_ROWS + FOOTER
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


@pytest.fixture
def gv_old(tmp_path):
    return write_gv(tmp_path / "31121990_Auszug_GV.xlsx", "old")


@pytest.fixture
def gv_new(tmp_path):
    return write_gv(tmp_path / "31122023_Auszug_GV.xlsx", "new")


def _value(ind, code, year, indicator):
    sel = ind[
        (ind["municipality_id"] == code) & (ind["year"] == year) & (ind["indicator"] == indicator)
    ]
    assert len(sel) == 1, (code, year, indicator, len(sel))
    return float(sel["value"].iloc[0])


# ---------------------------------------------------------------------------------------------
# number and code parsing
# ---------------------------------------------------------------------------------------------
def test_parse_numbers_german_format_and_missing_symbols():
    raw = pd.Series(["1.234,5", "-0,5", "12", " 7,25 ", "-", ".", "x", "", "1 000", "1.000.000"])
    out = parse_numbers(raw)
    expected = [1234.5, -0.5, 12.0, 7.25, np.nan, np.nan, np.nan, np.nan, 1000.0, 1e6]
    assert_allclose(out.to_numpy(), expected, equal_nan=True)


@pytest.mark.parametrize("bad", ["n/a", "41.30", "1,2,3", "12a", "--"])
def test_parse_numbers_rejects_text(bad):
    with pytest.raises(DataError, match="neither numbers"):
        parse_numbers(pd.Series(["1,0", bad]), source="f.csv")


def test_parse_numbers_decimal_point_hint():
    with pytest.raises(DataError, match="decimal='.'"):
        parse_numbers(pd.Series(["41.30"]))
    assert_allclose(
        parse_numbers(pd.Series(["41.30", "1,234.5"]), decimal=".", thousands=","), [41.3, 1234.5]
    )


def test_normalise_codes_repairs_one_lost_zero_only():
    out, n = normalise_codes(["9271", "01001", 5111, "1001000", "01001000"])
    assert out.tolist() == ["09271", "01001", "05111", "01001000", "01001000"]
    assert n == 3
    with pytest.raises(DataError, match="not official codes"):
        normalise_codes(["123"])
    with pytest.raises(DataError, match="not official codes"):
        normalise_codes(["0927A"])


def test_read_codes(tmp_path):
    assert read_codes(DATA / "audited_codes.txt").tolist() == ["01001", "01051"]
    p = tmp_path / "c.csv"
    p.write_text("municipality_id;name\n05111;Düsseldorf\n16052;Gera\n", encoding="utf-8")
    assert read_codes(p).tolist() == ["05111", "16052"]


# ---------------------------------------------------------------------------------------------
# INKAR
# ---------------------------------------------------------------------------------------------
def test_inkar_small_file_bom_decimal_comma_thousands_missing_footer():
    d = read_inkar(DATA / "inkar_small_bom.csv")
    ind = d.indicators
    assert str(ind["municipality_id"].dtype).startswith("string")
    assert set(ind["municipality_id"]) == {"01001", "09271", "01051"}
    # 18 cells, four of them missing-value symbols ('-', '.', 'x', empty)
    assert len(ind) == 14
    assert _value(ind, "01001", 2019, "births_per_1000") == 8.68
    assert _value(ind, "01001", 2021, "einwohner") == 1234.5
    assert _value(ind, "01001", 2019, "einwohner") == 89934.0
    assert _value(ind, "01051", 2020, "births_per_1000") == -0.5
    assert _value(ind, "01051", 2021, "births_per_1000") == 1000.25
    assert _value(ind, "09271", 2020, "births_per_1000") == 7.5
    absent = ind[(ind["municipality_id"] == "01001") & (ind["year"] == 2020)]
    assert absent["indicator"].tolist() == ["einwohner"]  # births 2020 was '-'
    assert any("footer" in n for n in d.notes)
    assert any("4 cell(s) with a missing-value symbol" in n for n in d.notes)
    cat = d.catalogue.set_index("indicator")
    assert cat.loc["births_per_1000", "label_de"] == "Geborene"
    assert cat.loc["births_per_1000", "aggregation"] == "weighted_mean"
    assert cat.loc["einwohner", "label_de"] == "Einwohner"
    assert any("not in the built-in list" in n for n in d.notes)


def test_inkar_cp1252_and_lost_leading_zeros():
    d = read_inkar(DATA / "inkar_cp1252.csv")
    assert d.catalogue["label_de"].tolist() == ["Beschäftigtenquote Frauen"]
    assert d.catalogue["indicator"].tolist() == ["employment_rate_women"]
    assert sorted(set(d.indicators["municipality_id"])) == ["01001", "09271"]
    assert _value(d.indicators, "09271", 2021, "employment_rate_women") == 59.76
    assert any("Windows-1252" in n for n in d.notes)
    assert any("2 code(s) had lost a leading zero" in n for n in d.notes)


def test_inkar_merged_regions_are_reported_not_mapped():
    f = DATA / "inkar_kreisregionen.csv"
    with pytest.raises(DataError) as exc:
        read_inkar(f)
    msg = str(exc.value)
    assert "09274 'Kreis u. Stadt Landshut'" in msg and "09278" in msg and "09273" not in msg
    dropped = read_inkar(f, merged="drop")
    assert set(dropped.indicators["municipality_id"]) == {"09273"}
    assert dropped.merged["municipality_id"].tolist() == ["09274", "09278"]
    kept = read_inkar(f, merged="keep")
    assert len(kept.indicators) == 6
    assert _value(kept.indicators, "09274", 2020, "childcare_u3") == 24.95
    status = kept.units.set_index("municipality_id")["status"]
    assert status.to_dict() == {
        "09273": "official",
        "09274": "merged_region",
        "09278": "merged_region",
    }
    with pytest.raises(ValueError, match="merged must be"):
        read_inkar(f, merged="map")


def test_inkar_several_files_and_conflicts(tmp_path):
    d = read_inkar([DATA / "inkar_small_bom.csv", DATA / "inkar_cp1252.csv"])
    assert len(d.indicators) == 14 + 4
    assert set(d.catalogue["indicator"]) == {
        "births_per_1000",
        "einwohner",
        "employment_rate_women",
    }
    # the same value twice is fine, a different one is an error naming both files
    same = tmp_path / "same.csv"
    same.write_text(
        'Kennziffer;Raumeinheit;Aggregat;Geborene\n;;;2019\n"01001";"F";"Kreise";"8,68"\n',
        encoding="utf-8",
    )
    d2 = read_inkar([DATA / "inkar_small_bom.csv", same])
    assert len(d2.indicators) == 14
    other = tmp_path / "other.csv"
    other.write_text(
        'Kennziffer;Raumeinheit;Aggregat;Geborene\n;;;2019\n"01001";"F";"Kreise";"8,70"\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="inkar_small_bom.csv and other.csv"):
        read_inkar([DATA / "inkar_small_bom.csv", other])


def test_inkar_codes_and_catalogue_override():
    cat = pd.DataFrame(
        [
            {
                "indicator": "residents",
                "label_de": "Einwohner",
                "label_en": "Residents",
                "unit": "persons",
                "source": "INKAR",
                "higher_is_better": None,
                "aggregation": "sum",
            }
        ]
    )
    d = read_inkar(DATA / "inkar_small_bom.csv", codes={"Einwohner": "residents"}, catalogue=cat)
    c = d.catalogue.set_index("indicator")
    assert c.loc["residents", "aggregation"] == "sum"
    assert c.loc["residents", "unit"] == "persons"
    assert not any("not in the built-in list" in n for n in d.notes)


def _write(tmp_path, text, name="x.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


HEAD = "Kennziffer;Raumeinheit;Aggregat;Geborene;Geborene\n;;;2019;2020\n"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('"01001";"F";"Kreise";"8,1";"n/a"\n', r"x\.csv: 1 cell.*line 3, column 5: 'n/a'"),
        ('"01001";"F";"Kreise";"8.12";"1"\n', r"line 3, column 4: '8\.12'"),
        (
            '"01001";"F";"Kreise";"8,1";"1"\nSumme;;;"1";"2"\n"01051";"D";"Kreise";"1";"2"\n',
            r"line 4, column 1 \(Kennziffer\): 'Summe'",
        ),
        ('"01001";"F";"Kreise";"8,1"\n', "line 3: 4 fields"),
        ('"010011";"F";"Kreise";"8,1";"1"\n', "not official codes"),
        ('"01001";"F";"Kreise";"8,1";"1"\n"01001";"F";"Kreise";"8,1";"1"\n', "appears twice"),
    ],
)
def test_inkar_errors_name_file_line_column(tmp_path, body, match):
    with pytest.raises(DataError, match=match):
        read_inkar(_write(tmp_path, HEAD + body))


def test_inkar_header_errors(tmp_path):
    with pytest.raises(DataError, match="no column 'Kennziffer'"):
        read_inkar(_write(tmp_path, "Code;Name;Geborene\n;;2019\n1;2;3\n"))
    with pytest.raises(DataError, match=r"line 2, column 5 \('Geborene'\): expected a year"):
        read_inkar(
            _write(
                tmp_path,
                "Kennziffer;Raumeinheit;Aggregat;Geborene;Geborene\n"
                ';;;2019;2020/21\n"01001";"F";"Kreise";"1";"2"\n',
            )
        )
    with pytest.raises(DataError, match="Raumordnungsregionen"):
        read_inkar(
            _write(
                tmp_path,
                "Kennziffer;Raumeinheit;Aggregat;Geborene\n;;;2019\n"
                '"0101";"R";"Raumordnungsregionen";"1"\n',
            )
        )
    with pytest.raises(DataError, match="only one column"):
        read_inkar(_write(tmp_path, "Kennziffer,Raumeinheit\n,2019\n1,2\n"))
    with pytest.raises(DataError, match="not found"):
        read_inkar(tmp_path / "missing.csv")


def test_inkar_into_a_valid_study():
    d = read_inkar(DATA / "inkar_small_bom.csv")
    cat = d.catalogue.copy()
    cat.loc[cat["indicator"] == "einwohner", ["label_en", "unit", "aggregation"]] = [
        "Residents",
        "persons",
        "sum",
    ]
    munis = pd.DataFrame(
        {
            "municipality_id": ["01001", "01051", "09271"],
            "name": ["Flensburg", "Dithmarschen", "Deggendorf"],
            "level": ["kreisfreie_stadt", "kreis", "kreis"],
            "state": ["01", "01", "09"],
            "group": ["comparison"] * 3,
        }
    )
    study = ev.Study(municipalities=munis, indicators=d.indicators, indicator_catalogue=cat)
    study.validate()
    assert len(study.indicators) == 14


@pytest.mark.shared
def test_inkar_real_exports(shared):
    folder = shared("inkar_raw", "geborene.csv").parent
    files = sorted(folder.glob("*.csv"))
    assert len(files) == 4
    with pytest.raises(DataError, match="09274 'Kreis u. Stadt Landshut'; 09275"):
        read_inkar(files)
    d = read_inkar(files, merged="drop")
    # 6 official units x (3 indicators x 21 years 2003-2023 + childcare 18 years 2006-2023)
    assert len(d.indicators) == 6 * (3 * 21 + 18)
    assert set(d.merged["municipality_id"]) == {"09274", "09275", "09278"}
    ind = d.indicators
    # values read off the raw files
    assert _value(ind, "09271", 2006, "childcare_u3") == 3.20
    assert _value(ind, "09279", 2023, "employment_rate_women") == 64.98
    assert _value(ind, "09273", 2019, "births_per_1000") == 10.36
    assert _value(ind, "09272", 2003, "share_under_6") == 5.88
    assert set(d.catalogue["indicator"]) == {
        "childcare_u3",
        "births_per_1000",
        "share_under_6",
        "employment_rate_women",
    }


# ---------------------------------------------------------------------------------------------
# Gemeindeverzeichnis
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["old", "new"])
def test_gv_both_layouts(tmp_path, layout):
    path = write_gv(tmp_path / f"gv_{layout}.xlsx", layout)
    m = read_gemeindeverzeichnis(path)
    ids = m["municipality_id"].tolist()
    # the unincorporated area 01051003 counts in its district but is not a Gemeinde
    assert ids == [
        "01001",
        "01001000",
        "01051",
        "01051001",
        "01051002",
        "09271",
        "09271111",
        "09271112",
    ]
    lv = m.set_index("municipality_id")
    assert lv.loc["01001", "level"] == "kreisfreie_stadt"
    assert lv.loc["01051", "level"] == "kreis"
    assert lv.loc["09271", "level"] == "kreis"
    assert lv.loc["01051001", "level"] == "gemeinde"
    assert lv.loc["01051", "population"] == 3600 + 587 + 0
    assert lv.loc["01051", "area_km2"] == pytest.approx(25.5 + 9.06 + 4.0)
    assert lv.loc["09271", "population"] == 31000 + 7500
    assert lv.loc["09271", "area_km2"] == pytest.approx(77.2 + 60.1)
    assert lv.loc["09271111", "state"] == "09"
    assert set(m["group"]) == {"comparison"}
    if layout == "old":
        assert lv.loc["01001", "population"] == 86977
        assert m.attrs["reference_date"] == "1991-01-01"
        assert m.attrs["population_date"] == "1990-12-31"
        assert m["urbanisation"].isna().all()
    else:
        assert lv.loc["01001", "population"] == 92667
        assert m.attrs["reference_date"] == "2023-12-31"
        assert lv.loc["01001000", "urbanisation"] == 1
        assert lv.loc["09271111", "urbanisation"] == 2
        assert lv.loc["01001", "urbanisation"] is pd.NA
    assert m.attrs["unincorporated"] == 1
    assert str(m["population"].dtype) == "Int64"


def test_gv_levels_and_audited(gv_new):
    k = read_gemeindeverzeichnis(gv_new, unit_level="kreis", audited=["01001", "9271"])
    assert k["municipality_id"].tolist() == ["01001", "01051", "09271"]
    assert k["group"].tolist() == ["audited", "comparison", "audited"]
    g = read_gemeindeverzeichnis(gv_new, unit_level="gemeinde")
    assert (g["level"] == "gemeinde").all() and len(g) == 5
    with pytest.raises(DataError, match="01002"):
        read_gemeindeverzeichnis(gv_new, unit_level="kreis", audited=["01002"])
    with pytest.raises(DataError, match="01001000"):
        read_gemeindeverzeichnis(gv_new, unit_level="kreis", audited=["01001000"])
    with pytest.raises(ValueError, match="level must be"):
        read_gemeindeverzeichnis(gv_new, unit_level="land")


def test_gv_study_round_trip(gv_old):
    m = read_gemeindeverzeichnis(gv_old, unit_level="kreis", audited=["01051"])
    study = ev.Study(municipalities=m)
    assert [p for p in study.problems() if p.severity == "error"] == []


def test_gv_unknown_layout(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["something else"])
    p = tmp_path / "x.xlsx"
    wb.save(p)
    with pytest.raises(DataError, match="Auszug GV"):
        read_gemeindeverzeichnis(p)
    q = tmp_path / "y.xlsx"
    q.write_text("not a workbook")
    with pytest.raises(DataError, match="cannot be read as an xlsx"):
        read_gemeindeverzeichnis(q)


def test_gv_bad_key_part(tmp_path):
    rows = list(OLD_ROWS)
    rows[2] = [60, "01", "0", "01", "0A0", "Flensburg, Stadt", "x", None, None, 56.36, 86977]
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in OLD_HEADER + rows:
        ws.append(r)
    p = tmp_path / "bad.xlsx"
    wb.save(p)
    with pytest.raises(DataError, match=r"line 9: key part gem is '0A0'"):
        read_gemeindeverzeichnis(p)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("file", "total"),
    # published population of Germany on 31.12.1990 and 31.12.2023 (Destatis)
    [("31121990_Auszug_GV.xlsx", 79_753_227), ("31122023_Auszug_GV.xlsx", 84_669_326)],
)
def test_gv_real_files(shared, file, total):
    m = read_gemeindeverzeichnis(shared("gemeindeverzeichnis", file), unit_level="kreis")
    assert m["population"].sum() == total
    assert m["municipality_id"].str.fullmatch(r"\d{5}").all()
    if file.startswith("3112202"):
        # 400 districts since 2021: 106 kreisfreie Städte and 294 Kreise
        assert len(m) == 400
        assert (m["level"] == "kreisfreie_stadt").sum() == 106
        lv = m.set_index("municipality_id")["level"]
        assert lv["16052"] == "kreisfreie_stadt"  # Gera
        assert lv["16077"] == "kreis"  # Altenburger Land
        assert lv["02000"] == "kreisfreie_stadt"  # Hamburg
    ev.Study(municipalities=m).validate()


@pytest.mark.shared
def test_kreisfreie_stadt_rule_matches_textkennzeichen(shared):
    """The rule for the old layout (one Gemeinde, code = district + 000) gives the same
    classification as the Textkennzeichen 41/42 on every snapshot that has one."""
    k = pd.read_csv(
        shared("gemeindeverzeichnis", "destatis_gv_kreise_1983_2024_long.csv"), dtype=str
    )
    g = pd.read_csv(
        shared("gemeindeverzeichnis", "destatis_gv_gemeinden_1983_2024_long.csv.gz"),
        dtype=str,
        usecols=["file_label", "ags", "kreis_ags"],
    )
    per = g.groupby(["file_label", "kreis_ags"])["ags"].agg(["size", "first"]).reset_index()
    k = k.merge(per, on=["file_label", "kreis_ags"], how="left")
    k = k[k["textkennzeichen"].notna()]
    assert k["file_label"].nunique() == 10  # 1994 ... 2024
    rule = (k["size"] == 1) & (k["first"] == k["kreis_ags"] + "000")
    assert (rule == k["textkennzeichen"].isin(["41", "42"])).all()


# ---------------------------------------------------------------------------------------------
# territorial changes
# ---------------------------------------------------------------------------------------------
def test_territorial_changes_constructed():
    snaps = {
        2000: pd.DataFrame(
            {
                "municipality_id": ["01001001", "01001002", "01001005", "01001009"],
                "name": ["A", "B", "C", "Same"],
            }
        ),
        2010: pd.DataFrame(
            {"municipality_id": ["01001003", "01001005", "01002009"], "name": ["AB", "C", "Same"]}
        ),
        2020: ["01001003", "01001005", "01002009"],
    }
    ch = territorial_changes(snaps)
    assert ch[["from_snapshot", "to_snapshot", "change", "municipality_id"]].values.tolist() == [
        [2000, 2010, "disappeared", "01001001"],
        [2000, 2010, "disappeared", "01001002"],
        [2000, 2010, "disappeared", "01001009"],
        [2000, 2010, "appeared", "01001003"],
        [2000, 2010, "appeared", "01002009"],
    ]
    cand = ch.set_index("municipality_id")["candidate"]
    assert cand["01001009"] == "01002009" and cand["01002009"] == "01001009"
    assert cand.isna()[["01001001", "01001002", "01001003"]].all()
    with pytest.raises(DataError, match="at least two"):
        territorial_changes({2000: ["01001001"]})


@pytest.mark.shared
def test_territorial_changes_real_districts(shared):
    k = pd.read_csv(
        shared("gemeindeverzeichnis", "destatis_gv_kreise_1983_2024_long.csv"),
        dtype={"kreis_ags": str},
    )
    ch = territorial_changes(k, snapshot="file_label", code="kreis_ags")

    def step(a, b, change):
        sel = ch[(ch["from_snapshot"] == a) & (ch["to_snapshot"] == b) & (ch["change"] == change)]
        return set(sel["municipality_id"])

    # Göttingen and Osterode am Harz merged into the new Landkreis Göttingen (2016)
    assert step(2013, 2017, "disappeared") == {"03152", "03156"}
    assert step(2013, 2017, "appeared") == {"03159"}
    # Eisenach joined the Wartburgkreis (2021)
    assert step(2017, 2021, "disappeared") == {"16056"}
    assert step(2017, 2021, "appeared") == set()
    # Mecklenburg-Vorpommern 2011: 12 Landkreise and 4 of 6 kreisfreie Städte gone, 6 new Kreise
    gone = {c for c in step(2009, 2013, "disappeared") if c.startswith("13")}
    new = {c for c in step(2009, 2013, "appeared") if c.startswith("13")}
    assert len(gone) == 16 and new == {f"130{n}" for n in range(71, 77)}
    assert step(2021, 2023, "disappeared") == set() == step(2023, 2024, "appeared")


# ---------------------------------------------------------------------------------------------
# harmonisation
# ---------------------------------------------------------------------------------------------
CAT = pd.DataFrame(
    {
        "indicator": ["births", "birth_rate", "share_u6"],
        "aggregation": ["sum", "weighted_mean", "weighted_mean"],
    }
)


def _panel(rows):
    return pd.DataFrame(rows, columns=["municipality_id", "year", "indicator", "value"])


def test_harmonise_merge_of_two_into_a_new_code_preserves_totals():
    # A (pop 1000) and B (pop 3000) merge into N in 2002; Z is unchanged
    A, B, N, Z = "01001001", "01001002", "01001003", "01001004"
    pop = {A: 1000.0, B: 3000.0}
    births = {(A, 2000): 9, (B, 2000): 31, (A, 2001): 12, (B, 2001): 27}
    rows = []
    for (u, y), b in births.items():
        rows += [(u, y, "births", b), (u, y, "birth_rate", 1000 * b / pop[u])]
    rows += [(N, 2002, "births", 40), (N, 2002, "birth_rate", 10.0)]
    rows += [(Z, y, "births", 5) for y in (2000, 2001, 2002)]
    cw = pd.DataFrame({"old_id": [A, B], "new_id": [N, N], "weight": [pop[A], pop[B]]})
    out = harmonise(_panel(rows), cw, CAT, reference=[N, Z])
    assert set(out["municipality_id"]) == {N, Z}
    # totals preserved exactly, year by year
    for y in (2000, 2001):
        assert _value(out, N, y, "births") == births[A, y] + births[B, y]
        # the population-weighted mean of the rates is the rate of the merged unit
        assert _value(out, N, y, "birth_rate") == pytest.approx(
            1000 * (births[A, y] + births[B, y]) / 4000, rel=1e-14
        )
    assert _value(out, N, 2002, "births") == 40
    assert _value(out, Z, 2001, "births") == 5
    tot_in = _panel(rows).query("indicator == 'births'").groupby("year")["value"].sum()
    tot_out = out[out["indicator"] == "births"].groupby("year")["value"].sum()
    assert (tot_in.to_numpy() == tot_out.to_numpy()).all()
    assert str(out["municipality_id"].dtype).startswith("string")


def test_harmonise_absorption_split_and_validity_years():
    # B joins A in 2011 (A keeps its code); C splits 60:40 into D and E in 2011
    A, B, C, D, E = "01001001", "01001002", "01001003", "01001004", "01001005"
    rows = [
        (A, 2010, "births", 10),
        (B, 2010, "births", 6),
        (C, 2010, "births", 20),
        (A, 2010, "share_u6", 5.0),
        (B, 2010, "share_u6", 8.0),
        (C, 2010, "share_u6", 4.0),
        (A, 2011, "births", 17),
        (D, 2011, "births", 11),
        (E, 2011, "births", 8),
        (A, 2011, "share_u6", 6.0),
        (D, 2011, "share_u6", 4.5),
        (E, 2011, "share_u6", 3.5),
    ]
    cw = pd.DataFrame(
        {
            "old_id": [A, B, C, C],
            "new_id": [A, A, D, E],
            "weight": [300, 100, 600, 400],
            "valid_to": [2010, 2010, 2010, 2010],
        }
    )
    out = harmonise(_panel(rows), cw, CAT, reference=[A, D, E])
    assert _value(out, A, 2010, "births") == 16
    assert _value(out, A, 2010, "share_u6") == pytest.approx((300 * 5 + 100 * 8) / 400)
    assert _value(out, D, 2010, "births") == pytest.approx(12.0)
    assert _value(out, E, 2010, "births") == pytest.approx(8.0)
    assert _value(out, D, 2010, "share_u6") == 4.0
    assert _value(out, A, 2011, "births") == 17 and _value(out, D, 2011, "births") == 11
    births_2010 = out[(out["year"] == 2010) & (out["indicator"] == "births")]["value"]
    assert births_2010.sum() == pytest.approx(36.0)


def test_harmonise_errors():
    A, B, N = "01001001", "01001002", "01001003"
    rows = _panel(
        [
            (A, 2000, "births", 1),
            (B, 2000, "births", 2),
            ("01009999", 2001, "births", 1),
            ("01009999", 2003, "births", 1),
        ]
    )
    cw = pd.DataFrame({"old_id": [A, B], "new_id": [N, N], "weight": [1, 1]})
    with pytest.raises(DataError, match=r"01009999 \(2001-2003\)"):
        harmonise(rows, cw, CAT, reference=[N])
    with pytest.raises(DataError, match="not in the reference: 01001003"):
        harmonise(rows.iloc[:2], cw, CAT, reference=["01001004"])
    with pytest.raises(DataError, match="no aggregation rule for births"):
        harmonise(rows.iloc[:2], cw, CAT.iloc[1:], reference=[N])
    # A keeps its code and receives B, but has no row of its own
    cw2 = pd.DataFrame({"old_id": [B], "new_id": [A], "weight": [1]})
    with pytest.raises(DataError, match=f"add a row {A},{A},<weight>"):
        harmonise(rows.iloc[:2], cw2, CAT, reference=[A])
    with pytest.raises(DataError, match="row 2, field value: missing"):
        harmonise(rows.assign(value=[1.0, None, 1.0, 1.0]), cw, CAT, reference=[N])
    bad = cw.assign(old_id=["1001001", B])
    with pytest.raises(DataError, match="crosswalk, row 1, field old_id"):
        harmonise(rows.iloc[:2], bad, CAT, reference=[N])
    with pytest.raises(DataError, match="crosswalk, row 2, field weight"):
        harmonise(rows.iloc[:2], cw.assign(weight=[1, -1]), CAT, reference=[N])


def test_harmonise_incomplete_unit_years():
    A, B, N = "01001001", "01001002", "01001003"
    rows = _panel(
        [
            (A, 2000, "births", 1),
            (B, 2000, "births", 2),
            (B, 2000, "share_u6", 5.0),
            (A, 2001, "births", 3),
            (B, 2001, "births", 4),
        ]
    )
    cw = pd.DataFrame({"old_id": [A, B], "new_id": [N, N], "weight": [1, 1]})
    with pytest.raises(DataError, match=r"01001003 2000 share_u6 \(1 of 2 old units\)"):
        harmonise(rows, cw, CAT, reference=[N])
    with pytest.warns(UserWarning, match="1 incomplete"):
        out = harmonise(rows, cw, CAT, reference=[N], on_incomplete="drop")
    assert len(out) == 2 and (out["indicator"] == "births").all()
    assert out.attrs["excluded"]["indicator"].tolist() == ["share_u6"]


def test_crosswalk_table_definition():
    assert CROSSWALK.name == "crosswalk"
    assert CROSSWALK.field_names[:3] == ["old_id", "new_id", "weight"]
    d = CROSSWALK.descriptor()
    assert d["primaryKey"] == ["old_id", "new_id"]
    assert d["fields"][0]["constraints"]["pattern"] == schema_pattern()


def schema_pattern():
    from evaluation.schema import AGS_PATTERN

    return AGS_PATTERN


def test_indicators_from_wide():
    wide = pd.DataFrame(
        {
            "county_code": ["01001", "1002"],
            "year": [2010, 2010],
            "a_b": [1.5, np.nan],
            "c": ["2.5", ""],
        }
    )
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        long = indicators_from_wide(wide, id_column="county_code", year_column="year")
    assert any("leading zero" in str(x.message) for x in w)
    assert long.values.tolist() == [["01001", 2010, "a_b", 1.5], ["01001", 2010, "c", 2.5]]
    with pytest.raises(DataError, match="row 1, column c: 'n/a'"), pytest.warns(UserWarning):
        indicators_from_wide(
            wide.assign(c=["n/a", ""]), id_column="county_code", year_column="year"
        )


def test_harmonise_incomplete_with_validity_years():
    # with validity years, an old unit whose row is valid is expected even if it has no data
    A, B, N = "01001001", "01001002", "01001003"
    rows = _panel([(A, 2000, "births", 1), (A, 2001, "births", 3), (B, 2001, "births", 4)])
    cw = pd.DataFrame(
        {"old_id": [A, B], "new_id": [N, N], "weight": [1, 1], "valid_to": [2001, 2001]}
    )
    with pytest.raises(DataError, match=r"01001003 2000 births \(1 of 2 old units\)"):
        harmonise(rows, cw, CAT, reference=[N])
    with pytest.warns(UserWarning):
        out = harmonise(rows, cw, CAT, reference=[N], on_incomplete="drop")
    assert out.values.tolist() == [[N, 2001, "births", 7.0]]


def test_territorial_changes_carries_population_and_area():
    long = pd.DataFrame(
        {
            "year": [1990, 1990, 2000],
            "ags": ["01001001", "01001002", "01001003"],
            "name": ["A", "B", "AB"],
            "pop_total": [10, 20, 30],
            "area": [1.5, 2.5, 4.0],
        }
    )
    ch = territorial_changes(long, snapshot="year", code="ags", population="pop_total", area="area")
    assert ch[["municipality_id", "population", "area_km2"]].values.tolist() == [
        ["01001001", 10, 1.5],
        ["01001002", 20, 2.5],
        ["01001003", 30, 4.0],
    ]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=0, max_value=99))
def test_parse_numbers_round_trip_german_format(whole, cents):
    """A number written the German way (thousands '.', decimal ',') parses back exactly."""
    sign = "-" if whole < 0 else ""
    groups = f"{abs(whole):,}".replace(",", ".")
    text = f"{sign}{groups},{cents:02d}"
    expected = float(f"{sign}{abs(whole)}.{cents:02d}")
    assert parse_numbers(pd.Series([text])).iloc[0] == expected


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=8),
    st.data(),
)
def test_harmonise_sum_preserves_totals_for_any_crosswalk(counts, data):
    """Counts are split in proportion to the weights, so every crosswalk (merges and splits)
    keeps the total of each year."""
    old = [f"0100{i:04d}" for i in range(len(counts))]
    new = ["02000001", "02000002", "02000003"]
    rows, cw = [], []
    for o, c in zip(old, counts, strict=True):
        targets = data.draw(st.lists(st.sampled_from(new), min_size=1, max_size=3, unique=True))
        for t in targets:
            cw.append((o, t, data.draw(st.integers(min_value=1, max_value=1000))))
        rows.append((o, 2020, "births", c))
    cw = pd.DataFrame(cw, columns=["old_id", "new_id", "weight"])
    out = harmonise(_panel(rows), cw, CAT, reference=new)
    assert out["value"].sum() == pytest.approx(sum(counts), rel=1e-12, abs=1e-9)
