"""The synthetic mixed-methods tables: the analyses recover the known truth (within MC error)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev


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
    table = study.measure_table().merge(mm.measures[cost_cols], on="measure_id")
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
