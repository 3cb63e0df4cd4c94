"""Certificate in force per unit and year: the documented 1-July rule on hand-made audits."""

from __future__ import annotations

import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError
from evaluation.study import Study

MUN = pd.DataFrame(
    {
        "municipality_id": ["A", "B", "C", "D", "E"],
        "name": list("ABCDE"),
        "level": ["gemeinde"] * 5,
        "state": ["05"] * 5,
        "group": ["audited"] * 4 + ["comparison"],
    }
)
AUDITS = pd.DataFrame(
    [
        # A: certified 2012-03-01, phase to 2015-03-01, no re-audit -> in force 2012-2014,
        #    exit 2015
        ("A-1", "A", 1, "2011-06-01", "2012-03-01", "2015-03-01"),
        # B: certified 2012-09-01 (after 1 July: from 2013), phase to 2015-09-01 (in force on
        #    1 July 2015); re-audit started 2015-05-01 before the end, certified 2016-02-01
        #    -> bridged, phase to 2019-02-01 -> in force 2013-2018, exit 2019
        ("B-1", "B", 1, "2011-10-01", "2012-09-01", "2015-09-01"),
        ("B-2", "B", 2, "2015-05-01", "2016-02-01", "2019-02-01"),
        # C: certified 2012-01-10, end missing -> +3 years = 2015-01-10; re-audit started
        #    2016-03-01, after the end: gap; certified 2017-01-15 -> in force 2012-2014,
        #    exit 2015, re-entry 2017, phase to 2020-01-15 -> exit 2020
        ("C-1", "C", 1, "2011-01-01", "2012-01-10", None),
        ("C-2", "C", 2, "2016-03-01", "2017-01-15", "2020-01-15"),
        # D: re-audit started in time but not certified yet -> in force to the end of data
        ("D-1", "D", 1, "2013-01-01", "2014-05-01", "2017-05-01"),
        ("D-2", "D", 2, "2017-02-01", None, None),
    ],
    columns=[
        "audit_id",
        "municipality_id",
        "cycle",
        "start_date",
        "certification_date",
        "implementation_end_date",
    ],
)


def status(audits=AUDITS):
    study = Study(municipalities=MUN, audits=audits)
    return ev.certification_status(study, years=(2010, 2021))


def years_in_force(t, unit):
    d = t[(t["municipality_id"] == unit) & (t["in_force"] == 1)]
    return d["year"].tolist()


def test_rule_by_hand():
    res = status()
    t = res.tidy()
    assert years_in_force(t, "A") == [2012, 2013, 2014]
    assert years_in_force(t, "B") == list(range(2013, 2019))
    assert years_in_force(t, "C") == [2012, 2013, 2014, 2017, 2018, 2019]
    assert years_in_force(t, "D") == list(range(2014, 2022))
    assert years_in_force(t, "E") == []
    ev_ = res.events().set_index(["municipality_id", "year"])["event"].to_dict()
    assert ev_ == {
        ("A", 2012): "entry",
        ("A", 2015): "exit",
        ("B", 2013): "entry",
        ("B", 2019): "exit",
        ("C", 2012): "entry",
        ("C", 2015): "exit",
        ("C", 2017): "re_entry",
        ("C", 2020): "exit",
        ("D", 2014): "entry",
    }
    b = t[t["municipality_id"] == "B"].set_index("year")["cycle"]
    assert b[2015] == 1 and b[2016] == 2
    assert res.facts["n_exits"] == 4
    first = t.groupby("municipality_id")["first_certified"].first().to_dict()
    assert first == {"A": 2012, "B": 2013, "C": 2012, "D": 2014, "E": 0}


def test_messages_and_texts():
    bad = AUDITS.copy()
    bad.loc[0, "implementation_end_date"] = "2011-01-01"
    with pytest.raises(DataError, match="audits row 0"):
        status(bad)
    with pytest.raises(ValueError, match="years"):
        ev.certification_status(Study(municipalities=MUN, audits=AUDITS), years=(2020, 2010))
    res = status()
    assert "1. Juli" in res.summary("de").as_text()
    assert "1 July" in res.summary("en").as_text()


def test_demo_study_exits_without_reaudit():
    study = ev.datasets.synthetic_study(seed=1)
    t = ev.certification_status(study).tidy()
    audits = study.audits
    once = set(audits["municipality_id"]) - set(audits.loc[audits["cycle"] == 2, "municipality_id"])
    ex = t[t["event"] == "exit"]
    end = audits.set_index("audit_id")["implementation_end_date"]
    # every unit audited once whose phase ended before 1 July 2024 has lapsed
    lapsed = {m for m in once if end[f"{m}-1"] < pd.Timestamp("2024-07-01")}
    assert len(lapsed) > 20
    assert lapsed <= set(ex["municipality_id"])
    # an exit happens in the first year whose 1 July lies after the phase end
    for mid in sorted(lapsed)[:10]:
        e = end[f"{mid}-1"]
        expected = e.year + (1 if (e.month, e.day) > (7, 1) else 0)
        assert ex.loc[ex["municipality_id"] == mid, "year"].tolist() == [expected]
