"""The report's data section and trend figures take their numbers from the data layer
(evaluation.study.describe), where "audited" has one definition: ``group == "audited"`` in the
municipalities table. A study whose groups and audit dates disagree shows the difference:
expected values are counted by hand from the study's tables."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.datasets import synthetic_study
from evaluation.report import render_report
from evaluation.study import Study

CONFIG = {
    "report": {"seed": 3, "sections": ["data", "impact"]},
    "impact": {"indicators": ["childcare_u3"], "estimators": ["trends"]},
}


@pytest.fixture(scope="module")
def relabelled() -> tuple[Study, str]:
    # one audited unit (with audits and an onset) is marked as a comparison unit
    base = synthetic_study(seed=4, n_audited=6, n_comparison=25)
    tables = {k: v.copy() for k, v in base.tables.items()}
    mun = tables["municipalities"]
    onsets = base.onsets("certification", 1)
    dated = onsets.loc[onsets["cohort"].notna(), "municipality_id"]
    moved = sorted(set(dated) & set(mun.loc[mun["group"] == "audited", "municipality_id"]))[0]
    mun.loc[mun["municipality_id"] == moved, "group"] = "comparison"
    return Study(**tables), moved


@pytest.fixture(scope="module")
def report(relabelled, tmp_path_factory):
    study, _ = relabelled
    out = render_report(study, CONFIG, tmp_path_factory.mktemp("r") / "report")
    return out / "tables"


def test_cohorts_count_the_audited_units_only(relabelled, report):
    study, moved = relabelled
    mun = study.municipalities
    audited = set(mun.loc[mun["group"] == "audited", "municipality_id"])
    ons = study.onsets("certification", 1)
    ons = ons[ons["cohort"].notna()]
    by_hand = ons[ons["municipality_id"].isin(audited)].groupby("cohort").size()
    table = pd.read_csv(report / "data_cohorts.csv").set_index("cohort")["n_units"]
    assert table.to_dict() == {int(k): int(v) for k, v in by_hand.items()}
    # the relabelled unit has an onset, but it is no audited unit: in no cohort, not drawn
    assert int(table.sum()) == len(audited) == 5
    timing = pd.read_csv(report / "data_timing_data.csv", dtype={"municipality_id": str})
    assert moved not in set(timing["municipality_id"]) and len(timing) == 5


def test_trend_means_by_group_of_the_municipalities_table(relabelled, report):
    study, moved = relabelled
    ind = study.indicators
    ind = ind[(ind["indicator"] == "childcare_u3") & ind["value"].notna()]
    grp = study.municipalities.set_index("municipality_id")["group"]
    ind = ind.assign(group=ind["municipality_id"].map(grp).astype(str))
    by_hand = ind.groupby(["year", "group"])["value"].agg(["mean", "count"])
    table = pd.read_csv(report / "impact_childcare_u3_trends_data.csv")
    assert len(table) == len(by_hand)
    for row in table.itertuples():
        mean, count = by_hand.loc[(row.year, row.group)]
        assert row.n_units == count
        assert row.mean == pytest.approx(mean, rel=1e-4)
    # the relabelled unit is among the comparison units of every year it has a value
    years = ind.loc[ind["municipality_id"] == moved, "year"]
    n_comparison = table[table["group"] == "comparison"].set_index("year")["n_units"]
    n_other = ind[(ind["group"] == "comparison") & (ind["municipality_id"] != moved)]
    assert all(n_comparison[y] == (n_other["year"] == y).sum() + 1 for y in years)


def test_audited_units_without_onset_are_named_under_the_cohorts_and_the_trends(tmp_path):
    base = synthetic_study(seed=4, n_audited=6, n_comparison=25)
    tables = {k: v.copy() for k, v in base.tables.items()}
    audits = tables["audits"]
    first = audits.index[audits["cycle"] == 1][0]
    unit = str(audits.at[first, "municipality_id"])
    audits.loc[audits["municipality_id"] == unit, "certification_date"] = pd.NaT
    cfg = {**CONFIG, "report": {**CONFIG["report"], "formats": ["markdown"]}}
    out = render_report(Study(**tables), cfg, tmp_path / "report")
    text = (out / "report.md").read_text(encoding="utf-8")
    note = "1 der auditierten Kommunen haben kein Datum der Zertifizierung im Auditzyklus 1"
    # once under the cohorts table, once under the trend figure
    assert text.count(note) == 2 and unit in text
    cohorts = pd.read_csv(out / "tables" / "data_cohorts.csv")
    assert int(cohorts["n_units"].sum()) == 5
