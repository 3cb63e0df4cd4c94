"""Audit events of the yearly summary, counted by hand on a small study."""

from __future__ import annotations

import pandas as pd

import evaluation as ev
from evaluation.report.yearly_inputs import audit_events


def test_audit_events_count_first_audits_and_reaudits():
    m = pd.DataFrame(
        {
            "municipality_id": ["05196001", "05196002", "05196003"],
            "name": ["A", "B", "C"],
            "level": "gemeinde",
            "state": "05",
            "group": "audited",
        }
    )
    a = pd.DataFrame(
        {
            "audit_id": ["a-1", "a-2", "b-1", "c-1"],
            "municipality_id": ["05196001", "05196001", "05196002", "05196003"],
            "cycle": [1, 2, 1, 1],
            "start_date": pd.to_datetime(["2015-03-01", "2020-02-01", "2019-05-01", "2020-07-01"]),
            "agreement_date": pd.to_datetime(["2015-09-01", "2020-09-01", "2019-11-01", None]),
            "certification_date": pd.to_datetime(["2016-04-01", None, "2020-06-01", None]),
            "implementation_end_date": pd.to_datetime(["2019-04-01", None, "2023-06-01", None]),
        }
    )
    study = ev.Study(municipalities=m, audits=a)
    ev_ = audit_events(study, 2020).set_index("event")
    assert ev_.loc["audits_started"].tolist() == [1, 1, 0]  # b-1 in 2019, c-1 in 2020
    assert ev_.loc["reaudits_started"].tolist() == [0, 1, 1]  # a-2 in 2020
    assert ev_.loc["agreements_adopted"].tolist() == [1, 1, 0]
    assert ev_.loc["first_certified"].tolist() == [0, 1, 1]
    assert ev_.loc["reaudits_certified"].tolist() == [0, 0, 0]
    assert ev_.loc["phases_ended"].tolist() == [1, 0, -1]
