"""The numbers of the municipality profiles (``evaluation.study.profiles``), against hand
computations on a tiny study.

The study: two audited Gemeinden (A with an audit and a re-audit, B with an audit not yet
certified), an audited Kreis K, six comparison Gemeinden C1-C6 and one comparison Kreis. The
expected values below are worked out by hand from the tables (quartiles: linear interpolation
between order statistics, R's type 7: position ``p * (n - 1)`` in the sorted values).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation.results.base
from evaluation.errors import DataError, OptionError
from evaluation.study import Study
from evaluation.study import profiles as P

A, B, K = "05111001", "05111002", "05113"
COMPARISON = [f"051110{i:02d}" for i in range(11, 17)]
KREIS_COMPARISON = "05112"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """Results are complete when they are made: setting an attribute afterwards raises."""
    monkeypatch.setattr(evaluation.results.base, "FREEZE", True)


def tiny_study() -> Study:
    ids = [A, B, K, *COMPARISON, KREIS_COMPARISON]
    level = ["gemeinde", "gemeinde", "kreis", *["gemeinde"] * 6, "kreis"]
    group = ["audited"] * 3 + ["comparison"] * 7
    mun = pd.DataFrame(
        {
            "municipality_id": ids,
            "name": [f"Ort {i}" for i in range(len(ids))],
            "level": level,
            "state": "05",
            "group": group,
            "population": 1000,
        }
    )
    audits = pd.DataFrame(
        {
            "audit_id": ["A-1", "A-2", "B-1", "K-1"],
            "municipality_id": [A, A, B, K],
            "cycle": [1, 2, 1, 1],
            "start_date": pd.to_datetime(["2015-03-01", "2019-05-01", "2021-02-01", "2014-01-01"]),
            "agreement_date": pd.to_datetime(
                ["2015-09-01", "2019-12-01", "2021-10-01", "2014-06-01"]
            ),
            "certification_date": pd.to_datetime(["2016-04-01", "2020-06-01", None, "2015-01-01"]),
            "implementation_end_date": pd.to_datetime(
                ["2019-04-01", "2023-06-01", None, "2018-01-01"]
            ),
        }
    )
    goals = pd.DataFrame(
        {
            "goal_id": ["G1", "G2", "G3", "G4"],
            "audit_id": ["A-1", "A-1", "A-2", "K-1"],
            "action_field": ["steering", "education", "steering", "work_family"],
        }
    )
    measures = pd.DataFrame(
        {
            "measure_id": ["m1", "m2", "m3", "m4", "m5", "m6"],
            "goal_id": ["G1", "G1", "G2", "G3", "G3", "G4"],
            "contact_person": "Erika Mustermann",
        }
    )
    reports = pd.DataFrame(
        [
            ("m1", 2017, "in_progress"),
            ("m1", 2018, "implemented"),  # 2019 missing: carried forward
            ("m2", 2016, "partially_implemented"),  # report 0
            ("m2", 2017, "partially_implemented"),  # 2018 missing: carried forward
            ("m2", 2019, "discontinued"),
            ("m3", 2017, "planned"),
            ("m3", 2018, "in_progress"),
            ("m3", 2019, "implemented"),
            ("m4", 2021, "implemented"),
            ("m5", 2021, "in_progress"),
            ("m6", 2016, "implemented"),
            ("m6", 2017, "implemented"),
            ("m6", 2018, "implemented"),
        ],
        columns=["measure_id", "report_year", "status"],
    )
    values = {
        2014: {
            A: 1.0,
            K: 3.0,
            **dict(zip(COMPARISON, [0, 1, 2, 3, 4, 5], strict=True)),
            KREIS_COMPARISON: 0,
        },
        2020: {A: 6.0, B: 4.0, K: 2.0, **dict(zip(COMPARISON, [1, 2, 3, 4, 5, 10], strict=True))},
    }
    values[2020][KREIS_COMPARISON] = 7.0
    ind = pd.DataFrame(
        [(m, y, "x", float(v)) for y, by in values.items() for m, v in by.items()],
        columns=["municipality_id", "year", "indicator", "value"],
    )
    cat = pd.DataFrame(
        {
            "indicator": ["x"],
            "label_de": ["Ein Indikator"],
            "label_en": ["An indicator"],
            "unit": ["%"],
            "source": ["Hand"],
        }
    )
    return Study(
        municipalities=mun,
        audits=audits,
        goals=goals,
        measures=measures,
        measure_reports=reports,
        indicators=ind,
        indicator_catalogue=cat,
    )


@pytest.fixture(scope="module")
def study() -> Study:
    return tiny_study()


def test_as_of_keeps_what_was_known_at_the_end_of_the_year(study):
    s = P.as_of(study, 2019)
    a = s.audits.set_index("audit_id")
    assert sorted(a.index) == ["A-1", "A-2", "K-1"]  # B-1 starts in 2021
    assert pd.isna(a.loc["A-2", "certification_date"])  # 2020: not yet happened
    assert a.loc["A-2", "agreement_date"] == pd.Timestamp("2019-12-01")
    assert a.loc["A-2", "implementation_end_date"] == pd.Timestamp("2023-06-01")  # scheduled
    assert int(s.measure_reports["report_year"].max()) == 2019
    assert int(s.indicators["year"].max()) == 2014
    # the study itself is unchanged
    assert len(study.audits) == 4 and int(study.measure_reports["report_year"].max()) == 2021


def test_audit_timeline_dates_next_cycle_and_what_was_agreed(study):
    tl = P.audit_timeline(study).tidy().set_index("audit_id")
    assert list(tl.index) == ["A-1", "A-2", "B-1", "K-1"]
    assert tl.loc["A-1", "next_start_date"] == pd.Timestamp("2019-05-01")
    assert pd.isna(tl.loc["A-2", "next_start_date"]) and pd.isna(tl.loc["K-1", "next_start_date"])
    assert tl.loc["A-1", ["n_goals", "n_fields", "n_measures"]].tolist() == [2, 2, 3]
    assert tl.loc["A-2", ["n_goals", "n_fields", "n_measures"]].tolist() == [1, 1, 2]
    assert tl.loc["B-1", ["n_goals", "n_fields", "n_measures"]].tolist() == [0, 0, 0]
    assert "contact_person" not in tl.columns
    only = P.audit_timeline(study, [K]).tidy()
    assert only["audit_id"].tolist() == ["K-1"]


def _counts(study, municipality, audit, field):
    t = P.measure_status_counts(study, [municipality]).tidy()
    t = t[(t["audit_id"] == audit) & (t["action_field"] == field)].set_index("report_number")
    cols = ["n_planned", "n_in_progress", "n_partially_implemented", "n_implemented"]
    return t, {k: t.loc[k, [*cols, "n_discontinued"]].tolist() for k in t.index}


def test_status_counts_carry_missing_reports_forward(study):
    t, c = _counts(study, A, "A-1", "steering")
    # m1: planned, in progress, implemented, implemented (2019 carried);
    # m2: partly (report 0), partly, partly (2018 carried), discontinued
    assert c == {
        0: [1, 0, 1, 0, 0],
        1: [0, 1, 1, 0, 0],
        2: [0, 0, 1, 1, 0],
        3: [0, 0, 0, 1, 1],
    }
    assert t["report_year"].tolist() == [2016, 2017, 2018, 2019]
    assert t["n_measures"].tolist() == [2, 2, 2, 2]
    assert t["share_implemented"].tolist() == [0.0, 0.0, 0.5, 0.5]
    _, c = _counts(study, A, "A-1", "education")
    assert c == {0: [1, 0, 0, 0, 0], 1: [1, 0, 0, 0, 0], 2: [0, 1, 0, 0, 0], 3: [0, 0, 0, 1, 0]}


def test_status_counts_only_for_reports_that_are_due(study):
    # the last report year of the study is 2021: the re-audit (certified 2020) has report 1
    t, c = _counts(study, A, "A-2", "steering")
    assert c == {0: [2, 0, 0, 0, 0], 1: [0, 1, 0, 1, 0]}
    # the audit of B is not certified: nothing is due, no rows
    assert not len(P.measure_status_counts(study, [B]).tidy())
    # as known at the end of 2019 the re-audit is not certified either
    known = P.as_of(study, 2019)
    assert set(P.measure_status_counts(known, [A]).tidy()["audit_id"]) == {"A-1"}


def test_status_counts_of_a_study_without_reports_are_empty_with_a_note(study):
    s = Study(**{**study.tables, "measure_reports": None})
    res = P.measure_status_counts(s)
    assert len(res.tidy()) == 0 and res.notes


def test_comparison_quartiles_by_hand(study):
    q = P.comparison_quantiles(study, ["x"]).tidy().set_index(["level", "year"])
    # Gemeinden 2020: 1 2 3 4 5 10 -> positions 1.25, 2.5, 3.75
    row = q.loc[("gemeinde", 2020)]
    assert (row["scope"], row["n_units"]) == ("level", 6)
    np.testing.assert_allclose(row[["q25", "median", "q75"]].astype(float), [2.25, 3.5, 4.75])
    # Gemeinden 2014: 0..5 -> 1.25, 2.5, 3.75
    np.testing.assert_allclose(
        q.loc[("gemeinde", 2014), ["q25", "median", "q75"]].astype(float), [1.25, 2.5, 3.75]
    )
    # one comparison Kreis is too few: all seven comparison units, 1 2 3 4 5 7 10
    row = q.loc[("kreis", 2020)]
    assert (row["scope"], row["n_units"]) == ("all", 7)
    np.testing.assert_allclose(row[["q25", "median", "q75"]].astype(float), [2.5, 4.0, 6.0])
    # 2014: 0 0 1 2 3 4 5
    np.testing.assert_allclose(
        q.loc[("kreis", 2014), ["q25", "median", "q75"]].astype(float), [0.5, 2.0, 3.5]
    )
    # everything pooled when asked for
    allq = P.comparison_quantiles(study, ["x"], scope="all").tidy()
    assert set(allq["scope"]) == {"all"} and set(allq["n_units"]) == {7}
    # a lower minimum lets the single Kreis stand for its level
    one = P.comparison_quantiles(study, ["x"], min_units=1).tidy().set_index(["level", "year"])
    assert one.loc[("kreis", 2020), "median"] == 7.0


def test_indicator_positions_by_hand(study):
    pos = P.indicator_positions(study, 2020, ["x"]).tidy().set_index("municipality_id")
    a = pos.loc[A]
    assert (a["year"], a["value"], a["position"], a["scope"]) == (2020, 6.0, "above", "level")
    assert (a["onset_year"], a["base_year"], a["base_value"]) == (2016, 2014, 1.0)
    assert a["change"] == pytest.approx(5.0)
    assert a["median_change"] == pytest.approx(3.5 - 2.5)
    b = pos.loc[B]
    assert b["position"] == "within" and pd.isna(b["onset_year"]) and pd.isna(b["change"])
    k = pos.loc[K]
    assert (k["position"], k["scope"], k["n_comparison"]) == ("below", "all", 7)
    assert k["change"] == pytest.approx(-1.0)
    assert k["median_change"] == pytest.approx(4.0 - 2.0)
    # up to 2019 only 2014 is known: B has no value at all (a note counts it)
    res = P.indicator_positions(study, 2019, ["x"])
    early = res.tidy().set_index("municipality_id")
    assert B not in early.index and early.loc[A, "year"] == 2014
    assert early.loc[A, "base_year"] == 2014 and early.loc[A, "change"] == 0.0
    assert [n.en for n in res.notes] == [
        "1 combination of unit and indicator without a value up to 2019."
    ]


def test_unknown_and_comparison_units_are_refused(study):
    with pytest.raises(DataError, match="no row has municipality_id '0511'"):
        P.select_audited(study, ["0511"])
    with pytest.raises(DataError, match="group 'comparison'"):
        P.audit_timeline(study, [COMPARISON[0]])
    assert P.select_audited(study, [K, A]) == [A, K]  # in table order
    with pytest.raises(DataError, match="no values for indicator 'y'"):
        P.comparison_quantiles(study, ["y"])
    with pytest.raises(OptionError, match="scope"):
        P.comparison_quantiles(study, scope="state")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="year"):
        P.as_of(study, 20)


def test_without_comparison_values_no_quartiles_and_a_note(study):
    ind = study.indicators
    audited_only = ind[ind["municipality_id"].isin([A, B, K])]
    s = Study(**{**study.tables, "indicators": audited_only})
    res = P.comparison_quantiles(s, ["x"])
    assert len(res.tidy()) == 0 and [n.en for n in res.notes] == [
        "No values of comparison units: no quartiles."
    ]
    pos = P.indicator_positions(s, 2020, ["x"]).tidy()
    assert pos["n_comparison"].tolist() == [0, 0, 0]
    assert pos["position"].isna().all() and pos["median"].isna().all()
