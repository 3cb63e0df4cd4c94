"""Reading SPSS and Stata survey files (written here by pyreadstat itself)."""

from __future__ import annotations

import builtins

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError, EvaluationError
from evaluation.results import base as results_base


@pytest.fixture(autouse=True, scope="module")
def complete_results():
    """Results are complete when they are made: with FREEZE on, setting an attribute of a
    result after its construction raises, in every test of this module."""
    saved = results_base.FREEZE
    results_base.FREEZE = True
    yield
    results_base.FREEZE = saved


pyreadstat = pytest.importorskip("pyreadstat")

LABELS = {1: "gar nicht", 2: "eher nicht", 3: "teils", 4: "eher", 5: "voll"}


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent_id": [101.0, 102.0, 103.0, 104.0],
            "stratum": ["a", "a", "b", "b"],
            "cluster": [1.0, 2.0, 3.0, 4.0],
            "weight": [1.5, 2.0, 1.0, 3.0],
            "satisfaction": [5.0, 4.0, np.nan, 2.0],
            "childcare": [1.0, 3.0, 3.0, 5.0],
            "comment": ["gut", "", "naja", "ok"],
        }
    )


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_labels_and_values_survive_the_round_trip(tmp_path, suffix):
    path = tmp_path / f"welle1{suffix}"
    writer = pyreadstat.write_sav if suffix == ".sav" else pyreadstat.write_dta
    df = frame()
    writer(
        df,
        str(path),
        column_labels=["Befragte", "Schicht", "Klumpen", "Gewicht", "Zufriedenheit", "Kita", "K"],
        variable_value_labels={"satisfaction": LABELS, "childcare": LABELS},
    )
    before = path.read_bytes()
    with pytest.warns(UserWarning, match="comment"):
        long = ev.read_survey_file(path)
    assert path.read_bytes() == before  # the user's file is untouched
    assert set(long["item"]) == {"satisfaction", "childcare"}
    assert (long["survey_id"] == "welle1").all()
    sat = long[long["item"] == "satisfaction"].set_index("respondent_id")
    assert sat.loc["101", "response"] == 5 and sat.loc["101", "response_label"] == "voll"
    assert sat.loc["104", "response_label"] == "eher nicht"
    assert np.isnan(sat.loc["103", "response"]) and pd.isna(sat.loc["103", "response_label"])
    assert long.attrs["item_labels"]["satisfaction"] == "Zufriedenheit"
    assert long.attrs["value_labels"]["childcare"][3] == "teils"
    # the long table goes straight into survey_estimates (weighted, stratified, clustered)
    res = ev.survey_estimates(
        long, "childcare", weights="weight", strata="stratum", clusters="cluster"
    )
    w = df["weight"].to_numpy()
    assert res.tidy()["estimate"].iloc[0] == pytest.approx(
        (w * df["childcare"]).sum() / w.sum(), abs=1e-12
    )
    shares = ev.survey_estimates(long, "satisfaction", statistic="share")
    assert shares.labels["satisfaction"][5] == "voll"


def test_wide_shape_items_and_keep(tmp_path):
    path = tmp_path / "w.sav"
    pyreadstat.write_sav(frame(), str(path))
    wide = ev.read_survey_file(
        path, items=["childcare"], keep=["comment"], survey_id="2024", shape="wide"
    )
    assert list(wide.columns) == [
        "survey_id",
        "respondent_id",
        "stratum",
        "cluster",
        "weight",
        "comment",
        "childcare",
    ]
    assert list(wide["cluster"]) == ["1", "2", "3", "4"]
    assert (wide["survey_id"] == "2024").all()


def test_problems_are_clear_messages(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="not an SPSS"):
        ev.read_survey_file(tmp_path / "x.csv")
    with pytest.raises(DataError, match="does not exist"):
        ev.read_survey_file(tmp_path / "missing.sav")
    broken = tmp_path / "broken.sav"
    broken.write_bytes(b"not a file")
    with pytest.raises(DataError, match="cannot be read"):
        ev.read_survey_file(broken)
    path = tmp_path / "t.sav"
    pyreadstat.write_sav(frame(), str(path))
    with pytest.raises(DataError, match="hold text"):
        ev.read_survey_file(path, items=["comment"])
    real_import = builtins.__import__

    def no_pyreadstat(name, *args, **kwargs):
        if name == "pyreadstat":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyreadstat)
    with pytest.raises(EvaluationError, match=r"pip install 'evaluation\[surveys\]'"):
        ev.read_survey_file(path)
