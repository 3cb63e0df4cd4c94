"""de Chaisemartin & D'Haultfoeuille event study against R DIDmultiplegtDYN 2.2.0
(tests/results/make_dcdh_reference.R): effects, placebos and standard errors to 1e-6, with and
without clustering, on an absorbing and a switching-on-and-off panel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError

RESULTS = Path(__file__).parent / "results"
CASES = {
    "staggered": ("dcdh_panel_staggered.csv", dict(effects=3, placebo=2)),
    "switching": ("dcdh_panel_switching.csv", dict(effects=4, placebo=2)),
    "switching_cluster": ("dcdh_panel_switching.csv", dict(effects=4, placebo=2, cluster="cl")),
    "switching_one": ("dcdh_panel_switching.csv", dict(effects=1)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_r(case):
    file, kw = CASES[case]
    data = pd.read_csv(RESULTS / file)
    ref = pd.read_csv(RESULTS / "dcdh_reference.csv")
    ref = ref[ref["case"] == case].set_index("rel_time").sort_index()
    res = ev.did_multiplegt(data, "y", unit="id", time="t", treatment="D", **kw)
    got = res.tidy().set_index("event_time").sort_index()  # the R output calls it rel_time
    assert list(got.index) == list(ref.index)
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(got["std_error"], ref["std_error"], rtol=0, atol=1e-6)
    assert got["n_switchers"].tolist() == ref["n_switchers"].tolist()


def _three_units(y_c3: float = 2.5) -> pd.DataFrame:
    """Three units, three periods: b switches on in period 3, a and c never do; ``y_c3`` is
    c's outcome in period 3; ``w`` puts a apart from b and c."""
    return pd.DataFrame(
        {
            "u": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
            "t": [1, 2, 3] * 3,
            "d": [0, 0, 0, 0, 0, 1, 0, 0, 0],
            "y": [0.0, 1.0, 1.5, 1.0, 2.0, 5.0, 1.0, 2.0, y_c3],
            "w": [0] * 3 + [1] * 6,
        }
    )


def test_hand_computed_two_by_two():
    # unit b switches on in period 3, units a and c never do.
    # DID_1 = (y_b3 - y_b2) - (y_a3 - y_a2) = (5 - 2) - (1.5 - 1) = 2.5
    # placebo_1 = (y_b1 - y_b2) - (y_a1 - y_a2) = (1 - 2) - (0 - 1) = 0
    data = _three_units()
    # a and c: mean change 2->3 is 0.5, 1->2 is 1
    res = ev.did_multiplegt(data, "y", unit="u", time="t", treatment="d", effects=1, placebo=1)
    t = res.tidy().set_index("event_time")
    assert t.loc[1, "estimate"] == pytest.approx(2.5)
    assert t.loc[-1, "estimate"] == pytest.approx(0.0)
    assert t.loc[1, "n_switchers"] == 1


def test_within_compares_only_units_of_the_same_value():
    # the panel of test_hand_computed_two_by_two with c's last change 1.0 instead of 0.5:
    # pooled, b (switch 2->3: +3) is compared with a (+0.5) and c (+1.0): 3 - 0.75 = 2.25;
    # within the value that b shares with c only: 3 - 1.0 = 2.0; a's value has no switcher
    data = _three_units(y_c3=3.0)
    kw = dict(unit="u", time="t", treatment="d", effects=1)
    pooled = ev.did_multiplegt(data, "y", **kw).tidy()
    inner = ev.did_multiplegt(data, "y", within="w", **kw)
    assert pooled["estimate"].iloc[0] == pytest.approx(2.25)
    assert inner.tidy()["estimate"].iloc[0] == pytest.approx(2.0)
    assert "value(s) 0." in inner.summary("en").as_text()


def test_within_combines_the_values_by_their_switchers():
    # R-verified runs on each half of the switching panel; within= must give their mean
    # weighted by the numbers of switchers, with the variance of disjoint halves
    data = pd.read_csv(RESULTS / "dcdh_panel_switching.csv")
    data["w"] = data["id"] % 2
    kw = dict(unit="id", time="t", treatment="D", effects=3, placebo=2)
    got = ev.did_multiplegt(data, "y", within="w", **kw).tidy().set_index("event_time")
    halves = [
        ev.did_multiplegt(data[data["w"] == v], "y", **kw).tidy().set_index("event_time")
        for v in (0, 1)
    ]
    n = sum(h["n_switchers"] for h in halves)
    est = sum(h["n_switchers"] * h["estimate"] for h in halves) / n
    se = np.sqrt(sum((h["n_switchers"] / n) ** 2 * h["std_error"] ** 2 for h in halves))
    np.testing.assert_allclose(got["estimate"], est, rtol=1e-12)
    np.testing.assert_allclose(got["std_error"], se, rtol=1e-12)
    assert (got["n_switchers"] == n).all()
    # one value for every unit is the pooled estimator itself
    data["one"] = 1
    pooled = ev.did_multiplegt(data, "y", **kw).tidy()
    same = ev.did_multiplegt(data, "y", within="one", **kw).tidy()
    pd.testing.assert_frame_equal(pooled, same)
    bad = data.copy()
    bad.loc[0, "w"] = 1 - bad.loc[0, "w"]
    with pytest.raises(DataError, match="constant within units"):
        ev.did_multiplegt(bad, "y", within="w", **kw)
    with pytest.raises(DataError, match="no column 'v'"):
        ev.did_multiplegt(data, "y", within="v", **kw)


def test_input_errors():
    data = pd.read_csv(RESULTS / "dcdh_panel_switching.csv")
    with pytest.raises(ValueError, match="placebo"):
        ev.did_multiplegt(data, "y", unit="id", time="t", treatment="D", effects=1, placebo=2)
    with pytest.raises(ValueError, match="effects"):
        ev.did_multiplegt(data, "y", unit="id", time="t", treatment="D", effects=0)
    with pytest.raises(DataError, match="no column"):
        ev.did_multiplegt(data, "y", unit="id", time="t", treatment="treat")
    gap = data.drop(index=5)
    with pytest.raises(DataError, match="not complete"):
        ev.did_multiplegt(gap, "y", unit="id", time="t", treatment="D")
    miss = data.copy()
    miss.loc[3, "D"] = np.nan
    with pytest.raises(DataError, match="row 3"):
        ev.did_multiplegt(miss, "y", unit="id", time="t", treatment="D")
    bad = data.copy()
    bad.loc[bad["id"] == 1, "cl"] = [1, 2] * 5
    with pytest.raises(DataError, match="nested"):
        ev.did_multiplegt(bad, "y", unit="id", time="t", treatment="D", cluster="cl")


def test_summary_languages_and_plot():
    data = pd.read_csv(RESULTS / "dcdh_panel_switching.csv")
    res = ev.did_multiplegt(data, "y", unit="id", time="t", treatment="D", effects=2, placebo=1)
    assert "Placebos" in res.summary("de").as_text()
    assert "switchers in and out" in res.summary("en").as_text()
    inf = res.influence()
    assert inf.shape == (len(res.unit_ids), 3)
    assert list(inf.index) == list(res.unit_ids)
    # the covariance is the cluster sums' cross-product: its diagonal gives the SEs
    np.testing.assert_allclose(np.sqrt(np.diag(res.vcov())), res.std_errors, rtol=1e-12)
    res.plot()


def test_recovers_known_exit_path():
    # synthetic study in which the SGB II effect (-0.8 while certified) halves every year
    # after the certificate lapsed; treatment = from certification year until the exit
    study = ev.datasets.synthetic_study(
        seed=5,
        effects="constant",
        exits=True,
        missing_share=0.0,
        linked_indicator="sgb2_children",
    )
    assert study.truth.exit_path == {"indicator": "sgb2_children", "decay": 0.5}
    panel = study.panel("sgb2_children")
    status = ev.certification_status(study).tidy()
    exit_ = (status["event"] == "exit").astype(int)
    status["after"] = exit_.groupby(status["municipality_id"]).cumsum() > 0
    panel = panel.merge(
        status[["municipality_id", "year", "after"]], on=["municipality_id", "year"]
    )
    panel["d"] = (
        (panel["cohort"] > 0) & (panel["year"] >= panel["cohort"]) & ~panel["after"]
    ).astype(int)
    res = ev.did_multiplegt(panel, "sgb2_children", treatment="d", effects=8, placebo=2)
    t = res.tidy().set_index("event_time")
    # truth: mean true effect of the switchers at F_g - 1 + l (F_g = cohort year)
    ue = study.truth.unit_effects.set_index(["municipality_id", "year"])["effect"]
    coh = panel.groupby("municipality_id")["cohort"].first()
    coh = coh[coh > 0]
    for lag_l in range(1, 9):
        years = coh + lag_l - 1
        keep = years <= 2024
        true = np.mean([ue[(m, y)] for m, y in zip(coh.index[keep], years[keep], strict=True)])
        est, se = t.loc[lag_l, "estimate"], t.loc[lag_l, "std_error"]
        assert abs(est - true) < 3 * se, (lag_l, est, true, se)
    # the path falls after the phase ends (three years), as the truth says
    assert t.loc[1, "estimate"] < t.loc[8, "estimate"] - 0.3
    assert abs(t.loc[-1, "estimate"]) < 3 * t.loc[-1, "std_error"]


def test_twfe_weights_identity_and_negative_weights():
    # constructed DGP without noise: Y = a_g + b_t + Delta_gt * D_gt; the TWFE coefficient
    # (statsmodels OLS with unit and time dummies) equals the weighted sum of the Delta_gt
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(11)
    G, T = 30, 8
    onset = rng.choice([3, 5, 7, 99], size=G)
    u = np.repeat(np.arange(G), T)
    t = np.tile(np.arange(1, T + 1), G)
    d = (t >= onset[u]).astype(int)
    delta = np.where(d == 1, 1 + 0.8 * (t - onset[u]) + rng.normal(0, 0.3, G * T), 0.0)
    y = rng.normal(size=G)[u] + 0.3 * t + delta * d
    data = pd.DataFrame({"u": u, "t": t, "d": d, "y": y, "delta": delta})
    res = ev.twfe_weights(data, "y", unit="u", time="t", treatment="d")
    ols = smf.ols("y ~ d + C(u) + C(t)", data=data).fit().params["d"]
    w = res.weights.merge(data, on=["u", "t"])
    assert res.tidy()["estimate"].iloc[0] == pytest.approx(ols, abs=1e-9)
    assert (w["weight"] * w["delta"]).sum() == pytest.approx(ols, abs=1e-9)
    assert w["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    # late event times of early cohorts get negative weights in staggered designs
    assert res.facts["n_negative"] > 0 and res.facts["sum_negative"] < 0
    assert res.facts["sum_positive"] + res.facts["sum_negative"] == pytest.approx(1.0)
    assert "negative" in res.summary("en").as_text()
    with pytest.raises(DataError, match="0/1"):
        ev.twfe_weights(data.assign(d=data["d"] * 2.0), "y", unit="u", time="t", treatment="d")


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield
