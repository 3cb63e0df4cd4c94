"""The mixed-methods data in the study: schema, validation, the Study, saving and loading.

Every check is shown a wrong value and must name table, row and field (with the closest code
where there is a code list); the synthetic tables round-trip through a study folder unchanged;
a study without them stays valid and is saved without their files.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import evaluation as ev
from evaluation.study import schema


@pytest.fixture(scope="module")
def base():
    return ev.datasets.synthetic_study(seed=7, n_audited=3, n_comparison=3)


@pytest.fixture(scope="module")
def mixed(base):
    return ev.add_mixed_methods(base, seed=3)


def rebuilt(study, **tables):
    """The study with some tables replaced."""
    t = {n: study[n] for n in schema.TABLES}
    t.update(tables)
    core = [t.pop(n) for n in list(schema.TABLES)[:7]]
    return ev.Study(*core, **t)


def errors_of(study):
    return [p for p in study.problems() if p.severity == "error"]


def test_the_synthetic_mixed_study_is_valid(mixed):
    assert mixed.problems() == []
    assert len(mixed.measure_codes) == 3 * 2 * len(mixed.measures)  # 3 dimensions, 2 coders
    assert set(mixed.surveys["population"]) == {"families"}
    assert mixed.mixed_truth.kappa == {"measure_type": 0.8, "target_group": 0.6, "novelty": 0.9}


def test_a_study_without_mixed_tables_is_valid_and_saved_without_them(base, tmp_path):
    assert base.problems() == []
    assert base.measure_codes.empty and base.surveys.empty and base.survey_responses.empty
    assert not base.has("goal_attainment") and not base.has("costs")
    folder = base.save(tmp_path / "s")
    names = {p.name for p in folder.iterdir()}
    assert not names & {"measure_codes.csv", "surveys.csv", "survey_responses.csv"}
    desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in desc["resources"]] == list(schema.TABLES)[:7]
    assert ev.load_study(folder).problems() == []


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip_keeps_every_mixed_table(mixed, tmp_path, fmt):
    folder = mixed.save(tmp_path / "s", format=fmt)
    back = ev.load_study(folder)
    for name in schema.TABLES:
        pd.testing.assert_frame_equal(back[name], mixed[name], check_dtype=True)
    assert back.has("goal_attainment") and back.has("costs") and back.has("survey_responses")


def test_init_study_is_valid_without_mixed_tables(tmp_path):
    ev.init_study(tmp_path / "new")
    assert not (tmp_path / "new" / "surveys.csv").exists()
    study = ev.load_study(tmp_path / "new", validate=False)
    assert [p for p in study.problems() if p.table in schema.MIXED_TABLE_NAMES] == []


def test_personal_columns_of_the_mixed_data():
    assert "rater" in schema.PERSONAL_COLUMNS["goals"]
    assert schema.PERSONAL_COLUMNS["measure_codes"] == ("coder",)
    assert schema.PERSONAL_COLUMNS["survey_responses"] == ("respondent_id",)


def first(problems, table, field):
    hits = [p for p in problems if p.table == table and p.field == field]
    assert hits, [str(p) for p in problems]
    return hits[0]


@pytest.mark.parametrize(
    ("table", "field", "value", "message"),
    [
        ("goals", "attained_level", 3, "at most 2"),
        ("goals", "expected_level", -3, "at least -2"),
        ("goals", "weight", -0.5, "at least 0"),
        ("measures", "cost_planned_eur", -1.0, "at least 0"),
        ("measures", "staff_hours", -2.0, "at least 0"),
        ("measures", "funding_source", "Landesprogramm", "did you mean 'state_programme'"),
        ("measure_codes", "dimension", "zielgruppe", "did you mean 'target_group'"),
        ("measure_codes", "code", "informaton", "did you mean 'information'"),
        ("measure_codes", "measure_id", "nope", "not found in measures.measure_id"),
        ("surveys", "population", "partner", "did you mean 'partners'"),
        ("surveys", "wave", 0, "at least 1"),
        ("survey_responses", "survey_id", "other", "not found in surveys.survey_id"),
        ("survey_responses", "weight", -1.0, "at least 0"),
        ("survey_responses", "municipality_id", "99999", "state code"),
    ],
)
def test_each_field_check_names_table_row_and_field(mixed, table, field, value, message):
    df = mixed[table].copy()
    df[field] = df[field].astype(object)
    df.loc[1, field] = value
    p = first(errors_of(rebuilt(mixed, **{table: df})), table, field)
    assert p.row == 2 and message in p.message, str(p)


def test_a_code_of_another_dimension(mixed):
    mc = mixed.measure_codes.copy()
    row = mc.index[mc["dimension"] == "novelty"][0]
    mc.loc[row, "code"] = "seniors"  # a target group, not new or continued
    p = first(errors_of(rebuilt(mixed, measure_codes=mc)), "measure_codes", "code")
    assert p.row == row + 1
    assert "not a code of the dimension novelty" in p.message and "new, continued" in p.message


def test_a_survey_that_ends_before_it_starts(mixed):
    s = mixed.surveys.copy()
    s.loc[1, "end_date"] = pd.Timestamp("2023-04-30")
    p = first(errors_of(rebuilt(mixed, surveys=s)), "surveys", "end_date")
    assert p.row == 2 and "start_date 2023-05-01" in p.message


def test_a_cluster_in_two_strata(mixed):
    r = mixed.survey_responses.copy()
    r.loc[4, "stratum"] = "2-comparison" if r.loc[4, "stratum"] != "2-comparison" else "x"
    probs = [p for p in errors_of(rebuilt(mixed, survey_responses=r)) if p.check == "design"]
    assert [(p.table, p.row, p.field) for p in probs] == [("survey_responses", 5, "stratum")]


def test_a_rating_without_level_is_a_warning(mixed):
    g = mixed.goals.copy()
    g.loc[0, "attained_level"] = pd.NA
    probs = rebuilt(mixed, goals=g).problems()
    assert [(p.table, p.row, p.field, p.severity) for p in probs] == [
        ("goals", 1, "attained_level", "warning")
    ]


def test_duplicate_codes_of_one_coder(mixed):
    mc = pd.concat([mixed.measure_codes, mixed.measure_codes.iloc[[0]]], ignore_index=True)
    p = first(
        errors_of(rebuilt(mixed, measure_codes=mc)), "measure_codes", "measure_id, coder, dimension"
    )
    assert p.row == len(mc) and "as row 1" in p.message


# -- the analyses take the study ------------------------------------------------------------
@pytest.fixture(scope="module")
def demo():
    study = ev.datasets.synthetic_study(seed=1)
    return study, ev.add_mixed_methods(study, seed=1), ev.synthetic_mixed_methods(study, seed=1)


def test_the_analyses_give_the_same_from_the_study_as_from_the_tables(demo):
    study, with_mm, mm = demo
    pd.testing.assert_frame_equal(
        ev.goal_attainment(with_mm, by="action_field", weights="weight").tidy(),
        ev.goal_attainment(mm.goals, by="action_field", weights="weight").tidy(),
    )
    shares = ev.goal_implementation_shares(study.measures, study.measure_reports)
    pd.testing.assert_frame_equal(ev.goal_implementation_shares(with_mm), shares)
    pd.testing.assert_frame_equal(
        ev.attainment_by_implementation(with_mm).tidy(),
        ev.attainment_by_implementation(mm.goals, shares).tidy(),
    )
    pd.testing.assert_frame_equal(
        ev.coder_agreement(with_mm, n_draws=None).tidy(),
        ev.coder_agreement(mm.measure_codes, n_draws=None).tidy(),
    )
    data = mm.survey_responses.merge(mm.surveys[["survey_id", "wave"]], on="survey_id")
    design = {"strata": "stratum", "clusters": "cluster", "fpc": "fpc"}
    a = ev.survey_estimates(with_mm, "satisfaction", by=["wave", "group"]).tidy()
    b = ev.survey_estimates(data, "satisfaction", by=["wave", "group"], **design).tidy()
    cols = ["wave", "group", "estimate", "std_error", "n_respondents"]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_dtype=False)
    cost_columns = ["cost_planned_eur", "cost_spent_eur", "staff_hours"]
    measures = (
        study.measure_table()
        .drop(columns=cost_columns)
        .merge(mm.measures[["measure_id", *cost_columns]], on="measure_id")
    )
    pd.testing.assert_frame_equal(
        ev.measure_costs(with_mm, basis="implemented").tidy(),
        ev.measure_costs(measures, study.measure_reports, basis="implemented").tidy(),
    )


def test_the_study_recovers_the_survey_truth(demo):
    _, with_mm, _ = demo
    est = ev.survey_estimates(with_mm, "satisfaction", by=["wave", "group"]).tidy()
    truth = with_mm.mixed_truth.survey_means.query("item == 'satisfaction' and group != 'all'")
    got = est.merge(truth, on=["wave", "group"])
    assert len(got) == 4
    assert (abs(got["estimate"] - got["mean"]) < 3 * got["std_error"]).all(), got


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: ev.goal_attainment(s), "no rated goals"),
        (lambda s: ev.attainment_by_implementation(s), "no rated goals"),
        (lambda s: ev.coder_agreement(s), "no table measure_codes"),
        (lambda s: ev.survey_estimates(s, "satisfaction"), "no table survey_responses"),
        (lambda s: ev.measure_costs(s), "no costs"),
    ],
)
def test_a_study_without_the_data_says_what_to_add(base, call, message):
    with pytest.raises(ev.errors.DataError, match=message):
        call(base)


def test_implementation_rates_by_measure_type_use_the_coders_majority():
    """Rates by measure type: each measure has the type most of its coders gave (ties in
    code-list order), and the counts per type equal a hand count of those types."""
    import evaluation as ev

    st = ev.add_mixed_methods(ev.datasets.synthetic_study(seed=1), seed=1)
    mc = st.measure_codes[st.measure_codes["dimension"] == "measure_type"]
    order = [c.code for c in ev.codes.MEASURE_TYPES]
    hand = {}
    for mid, g in mc.groupby("measure_id"):
        counts = g["code"].value_counts()
        best = counts[counts == counts.max()].index
        hand[str(mid)] = min(best, key=order.index)
    assert st.measure_types().to_dict() == hand
    rates = ev.implementation_rates(st, by="measure_type", seed=1).tidy()
    assert list(rates["measure_type"]) == [c for c in order if c in set(hand.values())]
    assert rates["n_measures"].sum() <= len(hand)
