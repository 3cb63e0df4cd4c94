"""The command line `audit-eval import`: two commands from official files to a valid study."""

from __future__ import annotations

import shutil

import pytest

import evaluation as ev
from evaluation.cli import main
from test_ingest import DATA, write_gv


@pytest.fixture
def gv(tmp_path):
    return write_gv(tmp_path / "31122023_Auszug_GV.xlsx", "new")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_two_commands_give_a_valid_study(tmp_path, gv, capsys):
    study = tmp_path / "study"
    code, out, err = run(
        capsys,
        "import",
        "gemeindeverzeichnis",
        gv,
        "--study",
        study,
        "--audited",
        DATA / "audited_codes.txt",
    )
    assert code == 0, err
    assert "Imported 3 units (level kreis; 2 audited)" in out
    code, out, err = run(
        capsys,
        "import",
        "inkar",
        DATA / "inkar_small_bom.csv",
        DATA / "inkar_cp1252.csv",
        "--study",
        study,
    )
    assert code == 0, err
    s = ev.load_study(study)
    assert len(s.indicators) == 18
    assert s.municipalities.set_index("municipality_id")["group"].to_dict() == {
        "01001": "audited",
        "01051": "audited",
        "09271": "comparison",
    }
    assert (study / "indicators.csv").read_text(encoding="utf-8").count("01001,") == 7
    assert "Imported 18 values of 3 indicator(s)" in out
    assert "not in the built-in list" in out


def test_codes_and_catalogue_options(tmp_path, gv, capsys):
    study = tmp_path / "study"
    assert (
        run(capsys, "import", "gemeindeverzeichnis", gv, "--study", study, "--level", "kreis")[0]
        == 0
    )
    cat = tmp_path / "catalogue.csv"
    cat.write_text(
        "indicator,label_de,label_en,unit,source,higher_is_better,aggregation\n"
        "residents,Einwohner,Residents,persons,INKAR (BBSR),,sum\n",
        encoding="utf-8",
    )
    code, out, err = run(
        capsys,
        "import",
        "inkar",
        DATA / "inkar_small_bom.csv",
        "--study",
        study,
        "--code",
        "Einwohner=residents",
        "--catalogue",
        cat,
    )
    assert code == 0, err
    c = ev.load_study(study).indicator_catalogue.set_index("indicator")
    assert c.loc["residents", "unit"] == "persons"
    assert c.loc["residents", "aggregation"] == "sum"
    # a malformed option is a usage error (exit 2), as every other
    code, _, err = run(
        capsys, "import", "inkar", DATA / "inkar_small_bom.csv", "--study", study, "--code", "x"
    )
    assert code == 2 and "NAME=CODE" in err


def test_never_overwrites_without_force(tmp_path, gv, capsys):
    study = tmp_path / "study"
    assert (
        run(capsys, "import", "gemeindeverzeichnis", gv, "--study", study, "--level", "kreis")[0]
        == 0
    )
    code, _, err = run(capsys, "import", "gemeindeverzeichnis", gv, "--study", study)
    assert code == 1 and "--force" in err and "Traceback" not in err
    assert run(capsys, "import", "inkar", DATA / "inkar_small_bom.csv", "--study", study)[0] == 0
    before = (study / "indicators.csv").read_bytes()
    code, _, err = run(capsys, "import", "inkar", DATA / "inkar_small_bom.csv", "--study", study)
    assert code == 1 and "births_per_1000, einwohner" in err and "--force" in err
    assert (study / "indicators.csv").read_bytes() == before
    code, out, err = run(
        capsys, "import", "inkar", DATA / "inkar_small_bom.csv", "--study", study, "--force"
    )
    assert code == 0, err
    assert "replacing births_per_1000, einwohner" in out
    assert len(ev.load_study(study).indicators) == 14
    code, _, err = run(
        capsys, "import", "gemeindeverzeichnis", gv, "--study", study, "--level", "kreis", "--force"
    )
    assert code == 0, err


def test_messages_not_tracebacks(tmp_path, gv, capsys):
    study = tmp_path / "study"
    code, _, err = run(capsys, "import", "inkar", DATA / "inkar_small_bom.csv", "--study", study)
    assert code == 1 and "import the directory first" in err
    assert (
        run(capsys, "import", "gemeindeverzeichnis", gv, "--study", study, "--level", "kreis")[0]
        == 0
    )
    code, _, err = run(
        capsys, "import", "inkar", DATA / "inkar_kreisregionen.csv", "--study", study
    )
    assert code == 1 and "merged regions" in err and "Traceback" not in err
    # Kelheim (09273) is not a unit of this small study: nothing matches
    code, _, err = run(
        capsys,
        "import",
        "inkar",
        DATA / "inkar_kreisregionen.csv",
        "--study",
        study,
        "--merged",
        "drop",
    )
    assert code == 1 and "none of the 1 units" in err
    bad = tmp_path / "codes.txt"
    bad.write_text("01999\n", encoding="utf-8")
    code, _, err = run(
        capsys, "import", "gemeindeverzeichnis", gv, "--study", tmp_path / "s2", "--audited", bad
    )
    assert code == 1 and "01999" in err
    assert not (tmp_path / "s2").exists()


def test_gemeinde_level_inferred_from_audited_codes(tmp_path, gv, capsys):
    codes = tmp_path / "codes.csv"
    codes.write_text("municipality_id\n01051001\n", encoding="utf-8")
    study = tmp_path / "study"
    code, out, err = run(
        capsys, "import", "gemeindeverzeichnis", gv, "--study", study, "--audited", codes
    )
    assert code == 0, err
    m = ev.load_study(study).municipalities
    assert (m["level"] == "gemeinde").all() and len(m) == 5
    assert m.loc[m["group"] == "audited", "municipality_id"].tolist() == ["01051001"]


@pytest.mark.shared
def test_real_files_two_commands(tmp_path, shared, capsys):
    gv = shared("gemeindeverzeichnis", "31122023_Auszug_GV.xlsx")
    raw = shared("inkar_raw", "geborene.csv").parent
    codes = tmp_path / "audited.txt"
    codes.write_text("09271\n", encoding="utf-8")
    study = tmp_path / "study"
    code, _, err = run(
        capsys, "import", "gemeindeverzeichnis", gv, "--study", study, "--audited", codes
    )
    assert code == 0, err
    files = sorted(raw.glob("*.csv"))
    code, out, err = run(capsys, "import", "inkar", *files, "--study", study, "--merged", "drop")
    assert code == 0, err
    s = ev.load_study(study)
    assert len(s.municipalities) == 400
    assert s.indicators["municipality_id"].nunique() == 6
    assert "394 unit(s) of the study have no value" in out
    # Landshut, Passau and Straubing (kreisfreie Städte) are inside the merged regions
    assert (
        "have no row of their own (merged into a neighbouring region): 09261, 09262, 09263" in out
    )
    shutil.rmtree(study)
