"""Continuous-treatment DiD against R contdid 0.1.0 (tests/results/make_contdid_reference.R).

What the reference shows (and the tests pin down):
- ATT(d), ACRT(d), ATT^o, ACRT^o and the slope event study match contdid to 1e-6;
- contdid 0.1.0 uses not-yet-treated comparison units in its dose aggregation whatever
  ``control_group`` says: its "nevertreated" numbers equal ours with not-yet-treated controls;
- standard errors: ACRT(d) matches contdid's influence functions to 1e-6 everywhere, and so does
  ATT(d) with one cohort; ACRT^o is checked against an independent sandwich computation in R,
  because contdid scales the cell influence functions of ACRT^o by n / (units in the cell), not
  n / (treated units in the cell), which understates that standard error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError

RESULTS = Path(__file__).parent / "results"
GRID = np.linspace(0.02, 0.98, 25)


@pytest.fixture(scope="module")
def ref():
    return pd.read_csv(RESULTS / "contdid_reference.csv")


def panel(name):
    return pd.read_csv(RESULTS / f"contdid_panel_{name}.csv")


def fit(data, **kw):
    return ev.continuous_did(
        data, "Y", unit="id", time="time_period", cohort="G", dose="D", dvals=GRID, **kw
    )


def compare(res, ref, case, parameter, se=True):
    got = res.tidy()
    got = got[got["parameter"] == parameter]
    exp = ref[(ref["case"] == case) & (ref["parameter"] == parameter)]
    exp = exp[exp["std_error"].notna()] if se else exp.iloc[: len(got)]
    np.testing.assert_allclose(got["estimate"], exp["estimate"], rtol=0, atol=1e-6)
    if se:
        np.testing.assert_allclose(got["std_error"], exp["std_error"], rtol=0, atol=1e-6)


def test_staggered_not_yet_treated(ref):
    res = fit(panel("staggered"), control_group="not_yet_treated", degree=3, num_knots=1)
    compare(res, ref, "staggered_nyt", "att_d", se=False)
    compare(res, ref, "staggered_nyt", "acrt_d")
    compare(res, ref, "staggered_nyt", "att_overall", se=False)
    compare(res, ref, "staggered_nyt", "acrt_overall", se=False)


def test_contdid_nevertreated_is_not_yet_treated(ref):
    res = fit(panel("staggered"), control_group="not_yet_treated", degree=2, num_knots=0)
    compare(res, ref, "staggered_never", "att_d", se=False)
    compare(res, ref, "staggered_never", "acrt_d")
    never = fit(panel("staggered"), control_group="never_treated", degree=2, num_knots=0)
    a = never.tidy().query("parameter == 'att_overall'")["estimate"].iloc[0]
    b = res.tidy().query("parameter == 'att_overall'")["estimate"].iloc[0]
    assert abs(a - b) > 1e-3  # the comparison group matters here


def test_two_periods_all_standard_errors(ref):
    res = fit(panel("two_period"), control_group="never_treated", degree=3, num_knots=0)
    for par in ("att_d", "acrt_d", "att_overall"):
        compare(res, ref, "two_period", par)
    # ACRT^o against the sandwich computation (last acrt_overall row of the case)
    exp = ref[(ref["case"] == "two_period") & (ref["parameter"] == "acrt_overall")].iloc[-1]
    got = res.tidy().query("parameter == 'acrt_overall'").iloc[0]
    assert got["estimate"] == pytest.approx(exp["estimate"], abs=1e-9)
    assert got["std_error"] == pytest.approx(exp["std_error"], abs=1e-9)
    # contdid's own value is smaller by the share of treated units in the cell
    own = ref[ref["parameter"] == "acrt_overall_contdid_if"].query("case == 'two_period'")
    share = (panel("two_period").groupby("id")["G"].first() > 0).mean()
    assert own["std_error"].iloc[0] == pytest.approx(got["std_error"] * share, rel=1e-9)


def test_slope_event_study(ref):
    res = ev.continuous_did(
        panel("staggered"),
        "Y",
        unit="id",
        time="time_period",
        cohort="G",
        dose="D",
        control_group="not_yet_treated",
        degree=3,
        num_knots=1,
        n_draws=99,
    )
    es = res.event_study().tidy().query("parameter == 'acrt'")
    exp = ref[(ref["case"] == "eventstudy") & (ref["parameter"] == "acrt")]
    np.testing.assert_allclose(es["event_time"], exp["dose"])
    np.testing.assert_allclose(es["estimate"], exp["estimate"], rtol=0, atol=1e-6)


def test_bands_assumptions_texts_and_errors():
    data = panel("two_period")
    res = fit(data, degree=1, n_draws=199, seed=3)
    t = res.tidy().query("parameter == 'att_d'")
    assert (t["band_low"] < t["ci_low"]).all() and (t["band_high"] > t["ci_high"]).all()
    again = fit(data, degree=1, n_draws=199, seed=3).tidy().query("parameter == 'att_d'")
    assert np.array_equal(t["band_low"], again["band_low"])
    a = res.assumptions("en").set_index("parameter")["parallel_trends"]
    assert a["att_d"] == "standard" and a["acrt_d"] == "strong"
    assert "starke" in res.summary("de").as_text()
    assert "strong parallel trends" in res.summary("en").as_text()
    res.plot()
    with pytest.raises(ValueError, match="control_group"):
        fit(data, control_group="never")
    with pytest.raises(ValueError, match="degree"):
        fit(data, degree=0)
    bad = data.copy()
    bad.loc[(bad["G"] > 0).idxmax(), "D"] = 0.0
    with pytest.raises(DataError, match="varies within"):
        fit(bad)
    with pytest.raises(DataError, match="balanced"):
        fit(data.iloc[1:])


def simulate(rng, n=800):
    """Two periods; ATT(d) = 1 + 2 d - 1.5 d^2, ACRT(d) = 2 - 3 d."""
    g = rng.random(n) < 0.6
    d = np.where(g, rng.uniform(0.05, 1, n), 0.0)
    eta = rng.normal(size=n)
    y1 = eta + rng.normal(size=n)
    y2 = eta + 1 + g * (1 + 2 * d - 1.5 * d**2) + rng.normal(size=n)
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), 2),
            "time_period": np.tile([1, 2], n),
            "Y": np.column_stack([y1, y2]).ravel(),
            "G": np.repeat(np.where(g, 2, 0), 2),
            "D": np.repeat(d, 2),
        }
    )


@pytest.mark.slow
def test_uniform_band_covers_true_curve():
    rng = np.random.default_rng(2024)
    grid = np.linspace(0.1, 0.95, 18)
    hits = []
    for _ in range(200):
        r = ev.continuous_did(
            simulate(rng),
            "Y",
            unit="id",
            time="time_period",
            cohort="G",
            dose="D",
            degree=2,
            dvals=grid,
            n_draws=499,
            seed=int(rng.integers(1 << 31)),
        )
        t = r.tidy().query("parameter == 'att_d'")
        truth = 1 + 2 * grid - 1.5 * grid**2
        hits.append(bool(((t["band_low"] <= truth) & (truth <= t["band_high"])).all()))
    rate = float(np.mean(hits))
    print(f"uniform 95% band covers the whole ATT(d) curve in {rate:.1%} of 200 samples")
    assert 0.90 <= rate <= 0.99


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield
