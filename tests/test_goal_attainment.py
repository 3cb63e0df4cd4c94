"""Goal attainment scaling: T-scores and the link to implementation.

The formula is the one of Kiresuk & Sherman (1968) as printed in the erratum to
Turner-Stokes, L. (2009), "Goal attainment scaling (GAS) in rehabilitation: a practical guide",
Clinical Rehabilitation 23(4):362-370 (erratum to pages 364 and 367):
T = 50 + 10 * sum(w_i x_i) / sqrt((1 - rho) * sum(w_i^2) + rho * (sum w_i)^2), rho = 0.3.
The expected values below are worked by hand from that formula (each with its arithmetic);
the group means and cluster-robust standard errors are checked against statsmodels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import evaluation as ev
from evaluation.errors import DataError
from evaluation.mixed import t_score
from evaluation.results import base as results_base


@pytest.fixture(autouse=True, scope="module")
def complete_results():
    """Results are complete when they are made: with FREEZE on, setting an attribute of a
    result after its construction raises, in every test of this module."""
    saved = results_base.FREEZE
    results_base.FREEZE = True
    yield
    results_base.FREEZE = saved


def goals_frame(levels, weights=None, audit="A1", field="education", start=0):
    n = len(levels)
    df = pd.DataFrame(
        {
            "goal_id": [f"{audit}-G{start + i:02d}" for i in range(n)],
            "audit_id": audit,
            "action_field": field,
            "expected_level": 0,
            "attained_level": levels,
            "rater": "Frau Beispiel",
        }
    )
    if weights is not None:
        df["weight"] = weights
    return df


# Hand-worked examples (rho = 0.3 unless stated):
HAND = [
    # one goal one level above expected: 50 + 10 * 1 / sqrt(0.7 + 0.3) = 60
    ([1], None, 0.3, 60.0),
    # one goal much less than expected: 50 + 10 * (-2) / 1 = 30
    ([-2], None, 0.3, 30.0),
    # every goal at the expected level: 50
    ([0, 0, 0, 0, 0], None, 0.3, 50.0),
    # four unweighted goals all +1 with rho = 0: 50 + 10 * 4 / sqrt(4) = 70
    ([1, 1, 1, 1], None, 0.0, 70.0),
    # six weighted goals: sum wx = -6 + 0 - 1 + 8 + 0 + 6 = 7, sum w^2 = 91, (sum w)^2 = 441,
    # denominator sqrt(0.7 * 91 + 0.3 * 441) = sqrt(63.7 + 132.3) = sqrt(196) = 14;
    # T = 50 + 70 / 14 = 55
    ([-2, 0, -1, 2, 0, 1], [3, 5, 1, 4, 2, 6], 0.3, 55.0),
    # three goals all at -1 (the usual baseline), unweighted: sum x = -3,
    # denominator sqrt(0.7 * 3 + 0.3 * 9) = sqrt(4.8); T = 50 - 30 / sqrt(4.8) = 36.30703...
    ([-1, -1, -1], None, 0.3, 50 - 30 / 4.8**0.5),
    # two goals +2 and -1, weights 1 and 3, rho 0.5: sum wx = 2 - 3 = -1,
    # denominator sqrt(0.5 * 10 + 0.5 * 16) = sqrt(13); T = 50 - 10 / sqrt(13) = 47.2264...
    ([2, -1], [1, 3], 0.5, 50 - 10 / 13**0.5),
]


@pytest.mark.parametrize(("levels", "weights", "rho", "expected"), HAND)
def test_t_score_hand_computations(levels, weights, rho, expected):
    df = goals_frame(levels, weights)
    res = ev.goal_attainment(df, rho=rho, weights=None if weights is None else "weight")
    assert res.tidy()["t_score"].iloc[0] == pytest.approx(expected, abs=1e-12)
    assert t_score(levels, weights, rho) == pytest.approx(expected, abs=1e-12)


def test_expected_level_shifts_the_score():
    df = goals_frame([1, 0, 2]).assign(expected_level=[1, 0, 1])
    # scores 0, 0, 1: T = 50 + 10 / sqrt(0.7 * 3 + 0.3 * 9) = 50 + 10 / sqrt(4.8)
    got = ev.goal_attainment(df).tidy()["t_score"].iloc[0]
    assert got == pytest.approx(50 + 10 / 4.8**0.5, abs=1e-12)


def test_per_audit_and_action_field():
    a = goals_frame([1, 1], field="education")
    b = goals_frame([-1, 0, 2], field="counselling", start=10)
    c = goals_frame([0, 0], audit="A2", field="steering")
    res = ev.goal_attainment(pd.concat([a, b, c]), by="action_field")
    t = res.tidy().set_index(["audit_id", "action_field"])
    # A1 education: 50 + 20 / sqrt(0.7 * 2 + 0.3 * 4) = 50 + 20 / sqrt(2.6)
    assert t.loc[("A1", "education"), "t_score"] == pytest.approx(50 + 20 / 2.6**0.5)
    # A1 counselling: 50 + 10 / sqrt(0.7 * 3 + 0.3 * 9) = 50 + 10 / sqrt(4.8)
    assert t.loc[("A1", "counselling"), "t_score"] == pytest.approx(50 + 10 / 4.8**0.5)
    assert t.loc[("A2", "steering"), "t_score"] == pytest.approx(50.0)
    assert t.loc[("A1", "counselling"), "share_expected"] == pytest.approx(2 / 3)
    # action fields in code-list order within an audit
    assert list(res.tidy()["action_field"]) == ["education", "counselling", "steering"]
    overall = ev.goal_attainment(pd.concat([a, b, c])).tidy().set_index("audit_id")
    # A1 pooled: sum x = 3 over 5 goals: 50 + 30 / sqrt(3.5 + 7.5)
    assert overall.loc["A1", "t_score"] == pytest.approx(50 + 30 / 11**0.5)


def test_unrated_goals_are_left_out_with_a_note():
    df = goals_frame([1, None, 0])
    res = ev.goal_attainment(df)
    assert res.tidy()["n_goals"].iloc[0] == 2
    assert any("without a rating" in n.en and "ohne Bewertung" in n.de for n in res.notes)


def test_summary_bilingual_german_numbers_no_rater():
    res = ev.goal_attainment(goals_frame([1, 2, -1]), by="action_field")
    de = res.summary("de").as_text()
    en = res.summary("en").as_text()
    assert "Zielerreichung" in de and "Bildung und Erziehung" in de
    assert "Goal attainment" in en and "Education and upbringing" in en
    t = res.tidy()["t_score"].iloc[0]
    assert f"{t:.3f}".replace(".", ",") in de
    assert "Beispiel" not in de + en
    import matplotlib.pyplot as plt

    plt.close(res.plot())
    plt.close(ev.goal_attainment(goals_frame([1, 2, -1])).plot(lang="en"))


def test_invalid_levels_and_weights_are_data_errors():
    with pytest.raises(DataError, match="row 1, field attained_level: 3"):
        ev.goal_attainment(goals_frame([1, 3]))
    with pytest.raises(DataError, match="row 0, field attained_level: 0.5"):
        ev.goal_attainment(goals_frame([0.5, 1]))
    with pytest.raises(DataError, match="row 1, field weight"):
        ev.goal_attainment(goals_frame([1, 1], [1, 0]), weights="weight")
    with pytest.raises(DataError, match="field goal_id"):
        ev.goal_attainment(pd.concat([goals_frame([1]), goals_frame([0])]))
    with pytest.raises(ValueError, match="rho"):
        ev.goal_attainment(goals_frame([1]), rho=1.0)


def linked_data(seed=3, n_audits=30):
    rng = np.random.default_rng(seed)
    frames, shares = [], []
    for a in range(n_audits):
        n = int(rng.integers(3, 8))
        share = rng.choice([0, 0.25, 0.5, 2 / 3, 1], size=n)
        x = -2 + rng.binomial(4, 0.3 + 0.4 * share)
        g = goals_frame(list(x), audit=f"A{a:02d}")
        frames.append(g)
        shares.append(pd.DataFrame({"goal_id": g["goal_id"], "implemented_share": share}))
    return pd.concat(frames, ignore_index=True), pd.concat(shares, ignore_index=True)


def test_attainment_by_implementation_against_statsmodels():
    goals, shares = linked_data()
    res = ev.attainment_by_implementation(goals, shares)
    data = goals.merge(shares)
    groups = np.where(
        data["implemented_share"] == 0,
        "none",
        np.where(data["implemented_share"] == 1, "all", "partial"),
    )
    dummies = pd.get_dummies(pd.Categorical(groups, ["none", "partial", "all"])).astype(float)
    clusters = pd.factorize(data["audit_id"])[0]
    fit = sm.OLS(data["attained_level"].astype(float), dummies).fit(
        cov_type="cluster", cov_kwds={"groups": clusters}
    )
    t = res.tidy().set_index("implementation_group")
    np.testing.assert_allclose(t.loc[["none", "partial", "all"], "estimate"], fit.params, 1e-12)
    np.testing.assert_allclose(t.loc[["none", "partial", "all"], "std_error"], fit.bse, 1e-10)
    x = sm.add_constant(data["implemented_share"].astype(float))
    fit2 = sm.OLS(data["attained_level"].astype(float), x).fit(
        cov_type="cluster", cov_kwds={"groups": clusters}
    )
    slope = res.slope.tidy().iloc[0]
    assert slope["estimate"] == pytest.approx(fit2.params.iloc[1], abs=1e-12)
    assert slope["std_error"] == pytest.approx(fit2.bse.iloc[1], abs=1e-10)
    r = np.corrcoef(data["attained_level"].astype(float), data["implemented_share"])[0, 1]
    assert res.facts["correlation"] == pytest.approx(r, abs=1e-12)
    assert "Steigung" in res.summary("de").as_text()


def test_cut_points_and_goal_shares_from_reports():
    measures = pd.DataFrame(
        {"measure_id": ["m1", "m2", "m3", "m4", "m5"], "goal_id": ["g1", "g1", "g2", "g2", "g3"]}
    )
    reports = pd.DataFrame(
        {
            "measure_id": ["m1", "m1", "m2", "m3", "m3", "m4"],
            "report_year": [2016, 2017, 2017, 2016, 2017, 2017],
            "status": [
                "in_progress",
                "implemented",
                "partially_implemented",
                "implemented",
                "discontinued",
                "implemented",
            ],
        }
    )
    shares = ev.goal_implementation_shares(measures, reports).set_index("goal_id")
    # g1: m1 implemented (latest report), m2 partial -> 1/2; g2: m3 discontinued at the end,
    # m4 implemented -> 1/2; g3: m5 without report -> 0
    assert shares["implemented_share"].to_dict() == {"g1": 0.5, "g2": 0.5, "g3": 0.0}
    partial = ev.goal_implementation_shares(measures, reports, success="at_least_partial")
    assert partial.set_index("goal_id").loc["g1", "implemented_share"] == 1.0
    goals, s = linked_data(seed=5, n_audits=12)
    res = ev.attainment_by_implementation(goals, s, groups=[0, 0.5, 1])
    t = res.tidy()
    assert list(t["implementation_group"]) == ["[0, 0.5]", "(0.5, 1]"]
    data = goals.merge(s)
    low = data.loc[data["implemented_share"] <= 0.5, "attained_level"].mean()
    assert t["estimate"].iloc[0] == pytest.approx(low, abs=1e-12)
