"""The synthetic mixed-methods tables: the analyses recover the known truth (within MC error)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.results import base as results_base


@pytest.fixture(autouse=True, scope="module")
def complete_results():
    """Results are complete when they are made: with FREEZE on, setting an attribute of a
    result after its construction raises, in every test of this module."""
    saved = results_base.FREEZE
    results_base.FREEZE = True
    yield
    results_base.FREEZE = saved


@pytest.fixture(scope="module")
def study():
    return ev.datasets.synthetic_study(seed=1)


@pytest.fixture(scope="module")
def mm(study):
    return ev.synthetic_mixed_methods(study, seed=1)


def test_same_seed_same_tables(study, mm):
    again = ev.synthetic_mixed_methods(study, seed=1)
    pd.testing.assert_frame_equal(mm.survey_responses, again.survey_responses)
    pd.testing.assert_frame_equal(mm.goals, again.goals)
    other = ev.synthetic_mixed_methods(study, seed=2)
    assert not mm.measure_codes.equals(other.measure_codes)


def test_kappa_recovers_the_copy_probability(mm):
    res = ev.coder_agreement(mm.measure_codes, n_draws=299, seed=1).tidy()
    for _, row in res.iterrows():
        truth = mm.truth.kappa[row["dimension"]]
        se = (row["ci_high"] - row["ci_low"]) / (2 * 1.96)
        assert abs(row["estimate"] - truth) < 4 * se, row.to_dict()


def test_attainment_slope_and_correlation(study, mm):
    shares = ev.goal_implementation_shares(study.measures, study.measure_reports)
    res = ev.attainment_by_implementation(mm.goals, shares)
    slope = res.slope.tidy().iloc[0]
    assert abs(slope["estimate"] - mm.truth.attainment_slope) < 4 * slope["std_error"]
    # sampling sd of a correlation over ~870 goals is about 0.03
    assert abs(res.facts["correlation"] - mm.truth.attainment_correlation) < 0.1
    # expected level at share 0 and 1: -2 + 4 p0 and -2 + 4 p1
    t = res.tidy().set_index("implementation_group")
    p0, p1 = mm.truth.parameters["attainment_p"]
    for group, truth in (("none", -2 + 4 * p0), ("all", -2 + 4 * p1)):
        assert abs(t.loc[group, "estimate"] - truth) < 4 * t.loc[group, "std_error"]
    ga = ev.goal_attainment(mm.goals, by="action_field", weights="weight")
    assert ga.facts["n_goals"] == int(mm.goals["attained_level"].notna().sum())
    assert "rater" not in ga.tidy().columns


def survey_data(mm):
    return mm.survey_responses.merge(mm.surveys[["survey_id", "wave"]], on="survey_id")


def test_survey_means_recover_the_population_means(mm):
    data = survey_data(mm)
    design = {"strata": "stratum", "clusters": "cluster", "fpc": "fpc"}
    items = ["satisfaction", "childcare_access"]
    res = ev.survey_estimates(data, items, by=["wave", "group"], **design).tidy()
    truth = mm.truth.survey_means
    got = res.merge(truth, on=["wave", "group", "item"])
    assert len(got) == 8
    z = (got["estimate"] - got["mean"]) / got["std_error"]
    assert (z.abs() < 4).all(), got
    # the weights matter: the unweighted means of the comparison municipalities are biased
    unweighted = ev.survey_estimates(
        data, items, by=["wave", "group"], weights=None, strata="stratum", clusters="cluster"
    ).tidy()
    u = unweighted.merge(truth, on=["wave", "group", "item"])
    comparison = u[u["group"] == "comparison"]
    assert ((comparison["estimate"] - comparison["mean"]).abs() > 4 * comparison["std_error"]).any()
    # the whole population of a wave: both strata together
    overall = ev.survey_estimates(data, items, by="wave", **design).tidy()
    o = overall.merge(truth[truth["group"] == "all"], on=["wave", "item"])
    assert (((o["estimate"] - o["mean"]) / o["std_error"]).abs() < 4).all()


def test_survey_shares_and_wave_difference(mm):
    data = survey_data(mm)
    design = {"strata": "stratum", "clusters": "cluster", "fpc": "fpc"}
    res = ev.survey_estimates(
        data, "satisfaction", by=["wave", "group"], statistic="share", **design
    )
    got = res.tidy().merge(mm.truth.survey_shares, on=["wave", "group", "item", "category"])
    assert len(got) == 20
    assert (((got["estimate"] - got["share"]) / got["std_error"]).abs() < 4).all()
    diff = res.difference("wave").tidy()
    assert set(diff["contrast"]) == {"2 - 1"}
    means = ev.survey_estimates(data, "satisfaction", by=["wave", "group"], **design)
    d = means.difference("wave").tidy().set_index("group")
    t = mm.truth.survey_means.query("item == 'satisfaction'").set_index(["group", "wave"])["mean"]
    for g in ("audited", "comparison"):
        truth = t[(g, 2)] - t[(g, 1)]
        assert abs(d.loc[g, "estimate"] - truth) < 4 * d.loc[g, "std_error"]
    import matplotlib.pyplot as plt

    plt.close(res.plot(lang="de"))


def test_costs_recover_the_mean_cost_of_implemented_measures(study, mm):
    cost_cols = ["measure_id", "cost_planned_eur", "cost_spent_eur", "staff_hours"]
    # the study's own (empty) cost columns give way to the generated ones
    table = study.measure_table().drop(columns=cost_cols[1:]).merge(mm.measures[cost_cols])
    res = ev.measure_costs(
        table,
        study.measure_reports,
        costs=["cost_planned_eur", "cost_spent_eur"],
        basis="implemented",
    ).tidy()
    got = res.merge(mm.truth.cost_per_implemented, on=["action_field", "cost"])
    assert len(got) == 12
    assert (((got["estimate"] - got["mean"]) / got["std_error"]).abs() < 4).all(), got


@pytest.mark.slow
def test_survey_interval_coverage_over_replications(study):
    """Across independent samples, the 95 % intervals of the wave-2 means cover the population
    means in about 95 % of the samples (with-replacement SEs are a little conservative)."""
    hits, total = 0, 0
    for seed in range(40):
        mm = ev.synthetic_mixed_methods(study, seed=100 + seed)
        res = ev.survey_estimates(
            survey_data(mm),
            ["satisfaction", "childcare_access"],
            by=["wave", "group"],
            strata="stratum",
            clusters="cluster",
        ).tidy()
        got = res.merge(mm.truth.survey_means, on=["wave", "group", "item"])
        hits += int(((got["ci_low"] <= got["mean"]) & (got["mean"] <= got["ci_high"])).sum())
        total += len(got)
    coverage = hits / total
    assert 0.89 <= coverage <= 0.995, coverage
    assert np.isfinite(coverage)


def _mixed_results(study, mm):
    shares = ev.goal_implementation_shares(study.measures, study.measure_reports)
    cost_cols = ["measure_id", "cost_planned_eur", "cost_spent_eur", "staff_hours"]
    # the study's own (empty) cost columns give way to the generated ones
    table = study.measure_table().drop(columns=cost_cols[1:]).merge(mm.measures[cost_cols])
    design = {"strata": "stratum", "clusters": "cluster", "fpc": "fpc"}
    means = ev.survey_estimates(survey_data(mm), "satisfaction", by=["wave", "group"], **design)
    return {
        "goals": ev.goal_attainment(mm.goals, by="action_field"),
        "by_implementation": ev.attainment_by_implementation(mm.goals, shares),
        "agreement": ev.coder_agreement(mm.measure_codes, n_draws=199, seed=1),
        "means": means,
        "difference": means.difference("wave"),
        "shares": ev.survey_estimates(
            survey_data(mm), "satisfaction", by="wave", statistic="share", **design
        ),
        "costs": ev.measure_costs(table, study.measure_reports, interval="bootstrap", seed=1),
    }


def test_results_are_complete_and_speak_both_languages(study, mm):
    """Before: (German, English) pairs beside German-only attributes, labels of their own,
    undeclared count columns, numbers with a thousands separator of their own."""
    from evaluation.i18n import TERMS, Text, number

    results = _mixed_results(study, mm)
    for name, r in results.items():
        tidy = r.tidy()
        assert [c for c in [*tidy.columns, *r.facts] if c not in TERMS] == [], name
        counting = {
            c for c in tidy.columns if c.startswith("n_") and pd.api.types.is_integer_dtype(tidy[c])
        }
        assert set(r.count_columns) == counting, name
        assert isinstance(r.title, Text) and all(isinstance(n, Text) for n in r.notes), name
        de, en = r.summary("de").as_text(), r.summary("en").as_text()
        assert r.title.de in de and r.title.en in en, name
        assert not [n.en for n in r.notes if n.en != n.de and n.en in de], name
    # the inference and its clusters, at construction
    rated = mm.goals.dropna(subset=["attained_level"])
    assert results["by_implementation"].inference.n_clusters == rated["audit_id"].nunique()
    assert results["means"].inference.n_clusters == results["means"].facts["n_psu"]
    assert results["difference"].inference.name == "taylor_linearisation_difference"
    assert results["agreement"].inference.name == "unit_bootstrap_percentile"
    costs = results["costs"]
    assert costs.inference.n_clusters == costs.facts["n_municipalities"]
    # German numbers as everywhere in the package: 12.345,67
    total = costs.tidy()["total"].iloc[0]
    assert total > 1000 and number(total, "de", 2) in costs.summary("de").as_text()
    assert number(total, "en", 2) in costs.summary("en").as_text()


def test_label_pairs_are_deprecated_but_work(mm):
    data = survey_data(mm)
    pairs = {"satisfaction": {k: (v.de, v.en) for k, v in ev.LIKERT_SCALES["satisfied5"].items()}}
    with pytest.warns(DeprecationWarning, match="label pairs"):
        res = ev.survey_estimates(data, "satisfaction", statistic="share", labels=pairs)
    assert res.labels["satisfaction"][5] == ev.LIKERT_SCALES["satisfied5"][5]


def test_the_seed_reaches_every_draw(study, mm):
    a, b, c = (
        ev.coder_agreement(mm.measure_codes, n_draws=199, seed=s).tidy()["ci_low"]
        for s in (1, 2, 1)
    )
    assert not a.equals(b) and a.equals(c)
    table = study.measure_table().drop(columns=["staff_hours"])
    table = table.merge(mm.measures[["measure_id", "staff_hours"]])
    a, b, c = (
        ev.measure_costs(table, study.measure_reports, interval="bootstrap", seed=s).tidy()
        for s in (1, 2, 1)
    )
    assert not a["ci_low"].equals(b["ci_low"]) and a.equals(c)
