"""The descriptive tables of the data layer (evaluation.study.describe), counted by hand on a
tiny study.

The study: six Gemeinden in state 05. A, B, C and F are audited, D and E comparison units.
A was certified in 2015 (audit a1) and again in 2019 (re-audit a2), B in 2017 (b1); C's audit
c1 started in 2019 and is not certified; F has no audit at all. So A and B have a certification
date in cycle 1, C and F are audited without one.

Annual reports (report number = report year - certification year):

====  =====  ===========  ============================================  ===================
id    audit  field        reports                                       first implemented
====  =====  ===========  ============================================  ===================
m1    a1     steering     2016 in_progress, 2017 implemented, 2018 impl.  2017 (report 2)
m2    a1     steering     2016 impl., 2017 partially, 2018 impl.          2016 (once only)
m3    a1     education    2016 in_progress, 2018 impl., 2019 impl.        2018 (report 3)
m6    a1     education    2016 planned, 2019 implemented                  never: 2019 is report 4
m4    b1     education    2017 implemented (report 0)                     2017
m5    b1     steering     2018 in_progress, 2019 discontinued, 2020 impl. 2020
m7    a2     counselling  2020 implemented                                2020 (report 1 of a2)
m8    c1     steering     2020 implemented                                not counted: c1 has no
                                                                          certification date
====  =====  ===========  ============================================  ===================
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
import evaluation.results.base
from evaluation.errors import DataError, OptionError
from evaluation.study import describe

A, B, C, D, E, F = (f"0511100{i}" for i in range(1, 7))


@pytest.fixture(autouse=True)
def _complete_at_construction(monkeypatch):
    # the tables are complete when they are made: setting an attribute afterwards raises
    monkeypatch.setattr(evaluation.results.base, "FREEZE", True)


@pytest.fixture(scope="module")
def study() -> ev.Study:
    m = pd.DataFrame(
        {
            "municipality_id": [A, B, C, D, E, F],
            "name": ["A", "B", "C", "D", "E", "F"],
            "level": "gemeinde",
            "state": "05",
            "group": ["audited"] * 3 + ["comparison"] * 2 + ["audited"],
        }
    )
    a = pd.DataFrame(
        {
            "audit_id": ["a1", "a2", "b1", "c1"],
            "municipality_id": [A, A, B, C],
            "cycle": [1, 2, 1, 1],
            "start_date": pd.to_datetime(["2014-03-01", "2018-02-01", "2016-01-10", "2019-01-01"]),
            "agreement_date": pd.to_datetime(
                ["2014-09-01", "2018-10-01", "2016-06-01", "2019-09-01"]
            ),
            "certification_date": pd.to_datetime(["2015-06-01", "2019-05-01", "2017-03-01", None]),
            "implementation_end_date": pd.to_datetime(["2018-06-01", None, "2020-03-01", None]),
        }
    )
    goals = pd.DataFrame(
        {
            "goal_id": ["g1", "g2", "g3", "g4", "g5", "g6"],
            "audit_id": ["a1", "a1", "b1", "a2", "c1", "b1"],
            "action_field": [
                "steering",
                "education",
                "education",
                "counselling",
                "steering",
                "steering",
            ],
        }
    )
    measures = pd.DataFrame(
        {
            "measure_id": [f"m{i}" for i in range(1, 9)],
            "goal_id": ["g1", "g1", "g2", "g3", "g6", "g2", "g4", "g5"],
            "title": [
                "Familienbüro",
                "Familienbüro",
                "Kita-Ausbau",
                "Kita-Ausbau",
                "Lotsendienst",
                "Ferienbetreuung",
                "Beratung",
                "Beratung",
            ],
        }
    )
    reports = pd.DataFrame(
        [
            ("m1", 2016, "in_progress"),
            ("m1", 2017, "implemented"),
            ("m1", 2018, "implemented"),
            ("m2", 2016, "implemented"),
            ("m2", 2017, "partially_implemented"),
            ("m2", 2018, "implemented"),
            ("m3", 2016, "in_progress"),
            ("m3", 2018, "implemented"),
            ("m3", 2019, "implemented"),
            ("m6", 2016, "planned"),
            ("m6", 2019, "implemented"),
            ("m4", 2017, "implemented"),
            ("m5", 2018, "in_progress"),
            ("m5", 2019, "discontinued"),
            ("m5", 2020, "implemented"),
            ("m7", 2020, "implemented"),
            ("m8", 2020, "implemented"),
        ],
        columns=["measure_id", "report_year", "status"],
    )
    values = [
        (A, 2019, "childcare_u3", 30.0),
        (A, 2020, "childcare_u3", 34.0),
        (B, 2019, "childcare_u3", 20.0),
        (C, 2019, "childcare_u3", 28.0),
        (C, 2020, "childcare_u3", 27.0),
        (D, 2019, "childcare_u3", 10.0),
        (D, 2020, "childcare_u3", 12.0),
        (E, 2019, "childcare_u3", 14.0),
        (E, 2020, "childcare_u3", 18.0),
        (A, 2018, "births", 9.0),
        (D, 2018, "births", 7.0),
    ]
    ind = pd.DataFrame(values, columns=["municipality_id", "year", "indicator", "value"])
    cat = pd.DataFrame(
        {
            "indicator": ["births", "childcare_u3", "unused"],
            "label_de": ["Geburten", "Betreuungsquote", "Ungenutzt"],
            "label_en": ["Births", "Childcare rate", "Unused"],
            "unit": ["je 1.000", "%", "%"],
            "source": "hand-made",
        }
    )
    return ev.Study(
        municipalities=m,
        audits=a,
        goals=goals,
        measures=measures,
        measure_reports=reports,
        indicators=ind,
        indicator_catalogue=cat,
    )


def rows(result, key):
    return result.tidy().set_index(key)


# -- audited, once ---------------------------------------------------------------------------


def test_audited_is_the_group_of_the_municipalities_table(study):
    assert describe.audited_units(study) == [A, B, C, F]
    assert describe.audited_without_onset(study) == [C, F]
    # by the audit start, C has an onset (2019); F still has none
    assert describe.audited_without_onset(study, "start") == [F]


# -- the yearly view ------------------------------------------------------------------------


def test_audit_events_of_a_year_and_the_year_before(study):
    res = describe.audit_events(study, 2019)
    t = rows(res, "event")
    assert list(t.index) == list(describe.AUDIT_EVENTS)
    expected = {
        "audits_started": [0, 1, 1],  # c1 started 2019
        "reaudits_started": [1, 0, -1],  # a2 started 2018
        "agreements_adopted": [1, 1, 0],  # a2 2018, c1 2019
        "first_certified": [0, 0, 0],
        "reaudits_certified": [0, 1, 1],  # a2 certified 2019
        "phases_ended": [1, 0, -1],  # a1 ended 2018
    }
    for event, values in expected.items():
        assert t.loc[event, ["n_previous_year", "n_year", "change"]].tolist() == values, event
    assert res.count_columns == ("n_previous_year", "n_year")
    assert res.facts == {"year": 2019}
    text = res.summary("de").as_text()
    assert "Re-Audits zertifiziert" in text and "Jahr: 2019" in text


def test_certified_units_of_a_year(study):
    t = describe.certified_units(study, 2019).tidy()
    assert t[["municipality_id", "name", "cycle"]].values.tolist() == [[A, "A", 2]]
    assert describe.certified_units(study, 2016).tidy().empty


def test_measures_reach_implemented_once_by_the_status_history(study):
    # firsts: m2 2016 and m1 2017 (steering), m4 2017 and m3 2018 (education), m5 2020
    # (steering), m7 2020 (counselling); m6 (report 4) and m8 (uncertified) never
    got = {
        y: rows(describe.moved_to_implemented(study, y), "action_field")["n_year"].to_dict()
        for y in range(2016, 2021)
    }
    assert got == {
        2016: {"steering": 1, "education": 0, "counselling": 0},
        2017: {"steering": 1, "education": 1, "counselling": 0},
        2018: {"steering": 0, "education": 1, "counselling": 0},  # m2's second time: no
        2019: {"steering": 0, "education": 0, "counselling": 0},  # m6 in report 4: no
        2020: {"steering": 1, "education": 0, "counselling": 1},  # m8 uncertified: no
    }
    res = describe.moved_to_implemented(study, 2018)
    t = rows(res, "action_field")
    assert t["n_previous_year"].to_dict() == got[2017]
    assert res.count_columns == ("n_previous_year", "n_year")
    # the notes of the status history say what was left out
    assert any("without certification date" in n for n in res.notes)
    assert any("after report 3" in n for n in res.notes)


def test_moved_to_implemented_of_a_study_without_reports_is_all_zero(study):
    # the rows are the action fields of the goals, in code-list order
    empty = ev.Study(municipalities=study.municipalities, audits=study.audits, goals=study.goals)
    t = describe.moved_to_implemented(empty, 2020).tidy()
    assert t["action_field"].tolist() == ["steering", "education", "counselling"]
    assert (t[["n_previous_year", "n_year"]].to_numpy() == 0).all()
    assert describe.moved_to_implemented(ev.Study(), 2020).tidy().empty


# -- indicators ---------------------------------------------------------------------------


def test_latest_indicators_count_audited_units_without_onset_as_audited(study):
    res = describe.latest_indicators(study, 2020)
    t = rows(res, "indicator")
    assert list(t.index) == ["births", "childcare_u3"]
    # births: latest year 2018; A 9 against D 7; nothing in 2017
    b = t.loc["births"]
    assert (b["year"], b["mean_audited"], b["mean_comparison"], b["difference"]) == (2018, 9, 7, 2)
    assert math.isnan(b["difference_previous_year"])
    # childcare 2020: audited A 34 and C 27 (B has no value) -> 30.5; comparison (12+18)/2 = 15
    # 2019: audited (30+20+28)/3 = 26, comparison (10+14)/2 = 12
    c = t.loc["childcare_u3"]
    assert c["mean_audited"] == pytest.approx(30.5) and c["mean_comparison"] == 15
    assert c["difference"] == pytest.approx(15.5)
    assert c["difference_previous_year"] == pytest.approx(14.0)
    assert (c["n_audited"], c["n_comparison"]) == (2, 2)
    assert (c["label_de"], c["label_en"], c["unit"]) == ("Betreuungsquote", "Childcare rate", "%")
    assert res.count_columns == ("n_audited", "n_comparison")
    assert any("2 der auditierten Kommunen" in n.de for n in res.notes)
    assert "Childcare rate" in res.summary("en").as_text()
    assert "Betreuungsquote" in res.summary("de").as_text()
    # up to 2019 the latest childcare year is 2019
    t19 = rows(describe.latest_indicators(study, 2019), "indicator")
    assert t19.loc["childcare_u3", "year"] == 2019
    assert t19.loc["childcare_u3", "difference"] == pytest.approx(14.0)


def test_yearly_group_means(study):
    res = describe.yearly_group_means(study, "childcare_u3")
    t = res.tidy()
    assert t[["year", "group", "n_units"]].values.tolist() == [
        [2019, "audited", 3],
        [2019, "comparison", 2],
        [2020, "audited", 2],
        [2020, "comparison", 2],
    ]
    np.testing.assert_allclose(t["mean"], [26.0, 12.0, 30.5, 15.0])
    assert res.count_columns == ("n_units",)
    # C (audited, no certification date) is in the audited means but not in the panel of
    # the impact analyses, which leaves it out: there the 2019 audited mean is (30+20)/2
    with pytest.warns(UserWarning):
        panel = study.panel("childcare_u3", covariates=[])
    assert C not in set(panel["municipality_id"])
    assert panel.loc[(panel["year"] == 2019) & (panel["cohort"] > 0), "childcare_u3"].mean() == 25
    assert any("Panels der Wirkungsanalysen" in n.de for n in res.notes)
    with pytest.raises(DataError, match="no values"):
        describe.yearly_group_means(study, "nothing")


# -- units, cohorts, indicators, measures ----------------------------------------------------


def test_unit_counts_by_level_and_state(study):
    t = describe.unit_counts(study).tidy()
    assert t.values.tolist() == [["gemeinde", 4, 2, 6]]
    assert list(t.columns) == ["level", "n_audited", "n_comparison", "n_total"]
    t = describe.unit_counts(study, "state").tidy()
    assert t.values.tolist() == [["05", 4, 2, 6]]
    with pytest.raises(OptionError, match="level"):
        describe.unit_counts(study, "district")


def test_cohort_counts_name_the_audited_units_without_onset(study):
    res = describe.cohort_counts(study)
    # A 2015 (re-audited), B 2017; C and F have no certification date in cycle 1
    assert res.tidy().values.tolist() == [[2015, 1, 1], [2017, 1, 0]]
    assert res.facts["n_audited"] == 4 and res.facts["n_without_onset"] == 2
    assert any(C in n.en and F in n.en for n in res.notes)
    res = describe.cohort_counts(study, onset="start")
    assert res.tidy().values.tolist() == [[2014, 1, 1], [2016, 1, 0], [2019, 1, 0]]
    assert res.facts["n_without_onset"] == 1
    assert res.count_columns == ("n_units", "n_reaudited")
    with pytest.raises(OptionError, match="certification"):
        describe.cohort_counts(study, onset="certified")


def test_indicator_coverage(study):
    t = describe.indicator_coverage(study).tidy().set_index("indicator")
    assert t.loc["births", ["n_units", "first_year", "last_year", "n_values"]].tolist() == [
        2,
        2018,
        2018,
        2,
    ]
    # A, B, C, D, E; B has one value
    assert t.loc["childcare_u3", ["n_units", "first_year", "last_year", "n_values"]].tolist() == [
        5,
        2019,
        2020,
        9,
    ]
    assert t.loc["unused", "n_units"] == 0 and pd.isna(t.loc["unused", "first_year"])


def test_frequent_measure_titles(study):
    t = describe.frequent_measure_titles(study, n=2).tidy()
    assert t.values.tolist() == [
        ["steering", "Familienbüro", 2],
        ["steering", "Beratung", 1],  # a tie with Lotsendienst: title order
        ["education", "Kita-Ausbau", 2],
        ["education", "Ferienbetreuung", 1],
        ["counselling", "Beratung", 1],
    ]
    with pytest.raises(OptionError):
        describe.frequent_measure_titles(study, n=0)


def test_every_column_and_fact_has_a_label_in_both_languages(study):
    from evaluation.i18n import TERMS

    results = [
        describe.audit_events(study, 2019),
        describe.certified_units(study, 2019),
        describe.moved_to_implemented(study, 2019),
        describe.latest_indicators(study, 2020),
        describe.yearly_group_means(study, "childcare_u3"),
        describe.unit_counts(study),
        describe.cohort_counts(study),
        describe.indicator_coverage(study),
        describe.frequent_measure_titles(study),
    ]
    for res in results:
        keys = set(res.tidy().columns) | set(res.facts)
        assert keys <= set(TERMS), (res.title.en, keys - set(TERMS))
        assert set(res.count_columns) <= set(res.tidy().columns)
        assert res.summary("de").title != res.summary("en").title
        with pytest.raises(AttributeError):
            res.title = "changed"


def test_certification_status_speaks_both_languages(study):
    # A is certified 2015-06 to 2018-06 and re-audited in time (a2 started 2018-02, certified
    # 2019-05): in force on 1 July of 2015 ... 2021 (a2's phase: certification + 3 years)
    res = ev.certification_status(study, (2014, 2023), units=[A])
    t = res.tidy().set_index("year")
    assert t["in_force"].tolist() == [0, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    assert t.loc[2015, "event"] == "entry" and t.loc[2022, "event"] == "exit"
    de, en = res.summary("de").as_text(), res.summary("en").as_text()
    assert "Zertifikat in Kraft je Kommune und Jahr" in de and "Regel:" in de
    assert "Certificate in force per unit and year" in en and "Rule:" in en
    assert "Austritt" in de and "exit" in en
    assert "2015" in de and "2.015" not in de  # years are not numbers with a separator
