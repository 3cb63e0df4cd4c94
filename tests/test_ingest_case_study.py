"""The exploratory district case study on real public data (skipped without ../shared)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import shared_path
from evaluation.ingest import (
    AUDITED_MUNICIPALITIES,
    PUBLIC_DISTRICT_AUDITS,
    district_case_study,
    public_district_audits,
    read_gemeindeverzeichnis,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "analyses" / "06_case_study_districts.py"


def test_public_audit_table_states_an_onset_for_every_used_district():
    a = public_district_audits()
    used = a[a["use"]]
    # onset = certification year, as stated in the table
    assert (pd.to_datetime(used["certification_date"]).dt.year == used["onset_year"]).all()
    assert used.set_index("municipality_id")["onset_year"].to_dict() == {
        "05111": 2010,
        "16052": 2015,
        "16065": 2015,
        "03459": 2017,
        "05758": 2021,
    }
    unknown = a[~a["use"]]
    assert unknown["certification_date"].isna().all() and unknown["onset_year"].isna().all()
    assert set(unknown["municipality_id"]) == {"16077", "06636", "16066"}
    assert len(PUBLIC_DISTRICT_AUDITS) == 8


@pytest.fixture(scope="module")
def directory():
    """The directory of 31.12.2023, read once for the module (reading takes seconds)."""
    return read_gemeindeverzeichnis(shared_path("gemeindeverzeichnis", "31122023_Auszug_GV.xlsx"))


@pytest.mark.shared
def test_audited_municipality_codes_match_the_directory(directory):
    names = directory.set_index("municipality_id")["name"]
    for ags, name in AUDITED_MUNICIPALITIES:
        stem = name.split(" (")[0]
        assert names[ags].startswith(stem), (ags, names[ags], name)
    lv = directory.set_index("municipality_id")["level"]
    assert lv["05111"] == lv["16052"] == "kreisfreie_stadt"
    assert lv["16065"] == lv["03459"] == lv["05758"] == "kreis"


@pytest.mark.shared
def test_case_study_study(shared, directory):
    panel = shared("kreise", "gerda_county_covariates_inkar_1995_2022.csv")
    study = district_case_study(panel, directory).validate()
    m = study.municipalities.set_index("municipality_id")
    # 400 districts - 3 audited without date - 11 containing an audited Gemeinde
    assert len(m) == 386
    assert sorted(m.index[m["group"] == "audited"]) == ["03459", "05111", "05758", "16052", "16065"]
    assert not {"16077", "06636", "16066", "05334", "05974"} & set(m.index)
    on = study.onsets().set_index("municipality_id")["cohort"].to_dict()
    assert on == {"03459": 2017, "05111": 2010, "05758": 2021, "16052": 2015, "16065": 2015}
    ind = study.indicators
    # values read off the public panel file
    raw = pd.read_csv(panel, dtype={"county_code": str})
    row = raw[(raw["county_code"] == "16052") & (raw["year"] == 2015)].iloc[0]
    got = ind[(ind["municipality_id"] == "16052") & (ind["year"] == 2015)].set_index("indicator")
    assert got.loc["childcare_u3", "value"] == row["childcare_under3"]
    assert got.loc["share_65plus", "value"] == row["share_65plus"]
    assert (
        m.loc["16052", "childcare_u3_2009"]
        == raw.loc[
            (raw["county_code"] == "16052") & (raw["year"] == 2009), "childcare_under3"
        ].iloc[0]
    )
    assert m.loc["16052", "east"] == 1 and m.loc["05111", "east"] == 0
    cat = study.indicator_catalogue.set_index("indicator")
    assert cat.loc["childcare_u3", "unit"] == "%"
    assert bool(cat.loc["childcare_u3", "higher_is_better"]) is True
    keep_all = district_case_study(panel, directory, exclude_partly_audited=False)
    assert len(keep_all.municipalities) == 397


@pytest.mark.shared
@pytest.mark.slow
def test_case_study_notebook_runs(shared, tmp_path, monkeypatch):
    """Executes the notebook (study, analyses, full report); about a minute."""
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    shared("kreise", "gerda_county_covariates_inkar_1995_2022.csv")
    monkeypatch.setenv("CASE_STUDY_OUT", str(tmp_path / "report"))
    nb = jupytext.read(NOTEBOOK)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    report = tmp_path / "report"
    assert (report / "report.html").exists() and (report / "report.md").exists()
    text = (report / "report.md").read_text(encoding="utf-8")
    assert "Explorativ" in text
