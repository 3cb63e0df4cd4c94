"""Synthetic DiD (Arkhangelsky et al. 2021) against R synthdid 0.0.9, known truth, errors.

References: ``tests/results/make_synthdid_reference.R`` wrote ``synthdid_reference.csv``
(estimates, weights, effect curves, standard errors, every single-state placebo estimate) and
``synthdid_draws.csv`` (R's own placebo and bootstrap draws with their units) from
``california_prop99.csv`` and ``synth_simulated_panel.csv``. Feeding R's draws to the Python
code makes the random standard errors comparable exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError, OptionError
from evaluation.synthetic import sdid

RESULTS = Path(__file__).resolve().parent / "results"
ESTIMATORS = ("sdid", "sc", "did")


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return pd.read_csv(RESULTS / "synthdid_reference.csv", keep_default_na=False)


@pytest.fixture(scope="module")
def draws() -> pd.DataFrame:
    return pd.read_csv(RESULTS / "synthdid_draws.csv", keep_default_na=False)


def pick(ref: pd.DataFrame, scenario: str, estimator: str, quantity: str) -> pd.Series:
    d = ref[(ref["scenario"] == scenario) & (ref["estimator"] == estimator)]
    d = d[d["quantity"] == quantity]
    return pd.Series(d["value"].astype(float).to_numpy(), index=d["key"].astype(str).to_numpy())


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    d = pd.read_csv(RESULTS / "california_prop99.csv")
    d["cohort"] = np.where(d["State"] == "California", 1989, 0)
    d.attrs["roles"] = {
        "outcome": "PacksPerCapita",
        "unit": "State",
        "time": "Year",
        "cohort": "cohort",
    }
    return d


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    d = pd.read_csv(RESULTS / "synth_simulated_panel.csv")
    d.attrs["roles"] = {"outcome": "y", "unit": "unit", "time": "year", "cohort": "cohort"}
    return d


@pytest.fixture(scope="module")
def block(simulated) -> pd.DataFrame:
    d = simulated[simulated["cohort"].isin([0, 2011])].reset_index(drop=True)
    d.attrs = dict(simulated.attrs)
    return d


_SETUPS: dict = {}


def _setup(data, estimator):
    """The estimate without variance (cached per data set and estimator)."""
    key = (id(data), estimator)
    if key not in _SETUPS:
        _SETUPS[key] = sdid.setup(
            data, None, None, None, None, estimator=estimator, treated=None, exclude=None
        )
    return _SETUPS[key]


# placebo and bootstrap draws of sdid and sc run 10,000 Frank-Wolfe steps each: the default
# run checks sdid and did, `make test-slow` also sc
EXTENDED = [
    "sdid",
    pytest.param("sc", marks=pytest.mark.slow),
    "did",
]


def _positions(design, names):
    """R's unit names -> positions (controls first, then each cohort's treated units)."""
    ids = [str(u) for u in design.units[design.control]]
    return np.array([ids.index(n) for n in names])


# ---------------------------------------------------------------------------------------------
# Proposition 99
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_prop99_estimate_weights_and_curve_equal_synthdid(prop99, ref, estimator):
    p, design, fits, _ = _setup(prop99, estimator)
    fit = fits[0]
    assert fit.estimate == pytest.approx(
        pick(ref, "prop99", estimator, "estimate").iloc[0], rel=1e-8
    )
    names = [str(u) for u in design.units[design.control]]
    np.testing.assert_allclose(
        fit.omega, pick(ref, "prop99", estimator, "omega").loc[names], atol=1e-6
    )
    np.testing.assert_allclose(fit.lam, pick(ref, "prop99", estimator, "lambda"), atol=1e-6)
    curve = pick(ref, "prop99", estimator, "curve")
    np.testing.assert_allclose(fit.curve, curve, rtol=1e-8, atol=1e-10)


def test_prop99_result_and_placebo_se(prop99, ref):
    """The public result carries R's estimate and weights. Our generator draws other
    permutations than R's; with one treated unit each draw's estimate is one of the 38
    single-state placebos, so the placebo SE estimates their standard deviation (population
    form, as R's sqrt((B-1)/B) sd), here within four Monte Carlo standard errors."""
    res = ev.synthetic_did(prop99, n_draws=200, seed=11)
    assert res.overall.estimate == pytest.approx(
        pick(ref, "prop99", "sdid", "estimate").iloc[0], rel=1e-8
    )
    omega = res.unit_weights.tidy().set_index("unit")["weight"]
    r_omega = pick(ref, "prop99", "sdid", "omega")
    np.testing.assert_allclose(omega.reindex(r_omega.index).fillna(0.0), r_omega, atol=1e-6)
    assert (omega > 0).all() and len(omega) == int((r_omega > 0).sum())
    lam = res.time_weights.tidy()
    np.testing.assert_allclose(lam["weight"], pick(ref, "prop99", "sdid", "lambda"), atol=1e-6)
    np.testing.assert_allclose(
        res.tidy()["estimate"], pick(ref, "prop99", "sdid", "curve"), rtol=1e-8
    )
    each = pick(ref, "prop99", "sdid", "placebo_each").to_numpy()
    target = float(np.sqrt(np.mean((each - each.mean()) ** 2)))
    assert abs(res.overall.std_error - target) < 4 * target / np.sqrt(2 * 200)
    assert np.isin(np.round(res.draws["att"], 6), np.round(each, 6)).all()
    assert res.facts["n_draws"] == 200 and res.facts["seed"] == "11"


def test_prop99_headline_numbers(prop99, ref):
    """Arkhangelsky et al. (2021, Table 1): SDID -15.6, SC -19.6, DID -27.3 packs."""
    est = {e: pick(ref, "prop99", e, "estimate").iloc[0] for e in ESTIMATORS}
    assert round(est["sdid"], 1) == -15.6 and round(est["sc"], 1) == -19.6
    assert round(est["did"], 1) == -27.3


@pytest.mark.parametrize(
    "estimator",
    [
        pytest.param("sdid", marks=pytest.mark.slow),
        pytest.param("sc", marks=pytest.mark.slow),
        "did",
    ],
)
def test_prop99_every_single_placebo_equals_synthdid(prop99, ref, estimator):
    p, design, fits, _ = _setup(prop99, estimator)
    n0 = len(design.control)
    perms = np.array([np.r_[np.delete(np.arange(n0), j), j] for j in range(n0)])
    att, _ = sdid.placebo_draws(design, fits, perms)
    want = pick(ref, "prop99", estimator, "placebo_each")
    names = [str(u) for u in design.units[design.control]]
    np.testing.assert_allclose(att, want.loc[names], rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("estimator", EXTENDED)
def test_prop99_placebo_se_from_rs_draws(prop99, ref, draws, estimator):
    p, design, fits, _ = _setup(prop99, estimator)
    d = draws[(draws["scenario"] == "prop99") & (draws["estimator"] == estimator)]
    perms = np.stack([_positions(design, u.split(";")) for u in d["units"]])
    att, _ = sdid.placebo_draws(design, fits, perms)
    np.testing.assert_allclose(att, d["estimate"].astype(float), rtol=1e-8, atol=1e-9)
    se = float(np.sqrt(np.mean((att - att.mean()) ** 2)))
    assert se == pytest.approx(pick(ref, "prop99", estimator, "se").iloc[0], rel=1e-8)


# ---------------------------------------------------------------------------------------------
# simulated panel, one cohort: jackknife exact, R's placebo and bootstrap draws
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_simulated_block_estimate_and_jackknife_equal_synthdid(block, ref, estimator):
    p, design, fits, _ = _setup(block, estimator)
    fit = fits[0]
    tau = pick(ref, "sim_block", estimator, "estimate").iloc[0]
    assert fit.estimate == pytest.approx(tau, rel=1e-8)
    names = [str(u) for u in design.units[design.control]]
    r_omega = pick(ref, "sim_block", estimator, "omega")
    np.testing.assert_allclose(fit.omega, r_omega.loc[names], atol=1e-6)
    np.testing.assert_allclose(fit.lam, pick(ref, "sim_block", estimator, "lambda"), atol=1e-6)
    np.testing.assert_allclose(fit.curve, pick(ref, "sim_block", estimator, "curve"), rtol=1e-8)
    att, _ = sdid.jackknife_values(design, fits)
    n = len(att)
    se = np.sqrt((n - 1) / n * np.sum((att - att.mean()) ** 2))
    assert se == pytest.approx(pick(ref, "sim_block", estimator, "se").loc["jackknife"], rel=1e-8)


@pytest.mark.parametrize("estimator", EXTENDED)
def test_simulated_block_placebo_and_bootstrap_draws_equal_synthdid(block, ref, draws, estimator):
    p, design, fits, _ = _setup(block, estimator)
    d = draws[(draws["scenario"] == "sim_block") & (draws["estimator"] == estimator)]
    pl = d[d["method"] == "placebo"]
    perms = np.stack([_positions(design, u.split(";")) for u in pl["units"]])
    att, _ = sdid.placebo_draws(design, fits, perms)
    np.testing.assert_allclose(att, pl["estimate"].astype(float), rtol=1e-8, atol=1e-9)
    se = np.sqrt(np.mean((att - att.mean()) ** 2))
    assert se == pytest.approx(
        pick(ref, "sim_block", estimator, "se").loc["placebo_seed2"], rel=1e-8
    )
    bs = d[d["method"] == "bootstrap"]
    order = [str(u) for u in design.units[np.r_[design.control, fits[0].treated]]]
    samples = [np.array([order.index(n) for n in u.split(";")]) for u in bs["units"]]
    att, _ = sdid.bootstrap_draws(design, fits, samples)
    np.testing.assert_allclose(att, bs["estimate"].astype(float), rtol=1e-8, atol=1e-9)
    se = np.sqrt(np.mean((att - att.mean()) ** 2))
    want = pick(ref, "sim_block", estimator, "se").loc["bootstrap_seed3"]
    assert se == pytest.approx(want, rel=1e-8)


def test_public_jackknife_result(block, ref):
    res = ev.synthetic_did(block, variance="jackknife")
    assert res.overall.std_error == pytest.approx(
        pick(ref, "sim_block", "sdid", "se").loc["jackknife"], rel=1e-8
    )
    assert res.facts["variance"] == "jackknife" and "seed" not in res.facts
    # event-time standard errors from the same leave-one-out estimates
    p, design, fits, _ = _setup(block, "sdid")
    _, ev_jk = sdid.jackknife_values(design, fits)
    n = ev_jk.shape[0]
    want = np.sqrt((n - 1) / n * ((ev_jk - ev_jk.mean(axis=0)) ** 2).sum(axis=0))
    np.testing.assert_allclose(res.tidy()["std_error"], want, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# staggered adoption, cohort by cohort
# ---------------------------------------------------------------------------------------------
def test_staggered_cohorts_aggregate_and_jackknife_equal_r(simulated, ref, draws):
    res = ev.synthetic_did(simulated, variance="jackknife")
    coh = res.cohorts.tidy().set_index("cohort")
    want = pick(ref, "sim_staggered", "sdid", "cohort_estimate")
    np.testing.assert_allclose(coh["estimate"], want.loc[["2011", "2014"]], rtol=1e-8)
    assert coh["weight"].tolist() == pytest.approx([3 * 8 / (3 * 8 + 2 * 5), 2 * 5 / 34])
    att = pick(ref, "sim_staggered", "sdid", "estimate").loc["att"]
    assert res.overall.estimate == pytest.approx(att, rel=1e-8)
    np.testing.assert_allclose(
        res.tidy()["estimate"], pick(ref, "sim_staggered", "sdid", "event"), rtol=1e-8
    )
    jk = pick(ref, "sim_staggered", "sdid", "se").loc["jackknife"]
    assert res.overall.std_error == pytest.approx(jk, rel=1e-8)
    w = res.unit_weights.tidy()
    for g in (2011, 2014):
        ours = w[w["cohort"] == g].set_index("unit")["weight"]
        theirs = pick(ref, "sim_staggered", "sdid", f"omega_{g}")
        np.testing.assert_allclose(ours.reindex(theirs.index).fillna(0), theirs, atol=1e-6)
    assert "Kohorte" in res.cohorts.summary("de").as_text()


def test_staggered_placebo_and_bootstrap_draws_equal_r(simulated, draws):
    p, design, fits, _ = _setup(simulated, "sdid")
    d = draws[draws["scenario"] == "sim_staggered"]
    pl = d[d["method"] == "placebo"]
    perms = np.stack([_positions(design, u.split(";")) for u in pl["units"]])
    got, _ = sdid.placebo_draws(design, fits, perms)
    np.testing.assert_allclose(got, pl["estimate"].astype(float), rtol=1e-8, atol=1e-9)
    bs = d[d["method"] == "bootstrap"]
    order = [str(u) for u in design.units[np.r_[design.control, *[f.treated for f in fits]]]]
    samples = [np.array([order.index(n) for n in u.split(";")]) for u in bs["units"]]
    got, _ = sdid.bootstrap_draws(design, fits, samples)
    np.testing.assert_allclose(got, bs["estimate"].astype(float), rtol=1e-8, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# known truth
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("estimator", ["sdid", "did"])
def test_additive_panel_gives_the_true_effects(simulated, estimator):
    """With unit and year effects only and no noise every weighting with intercepts removes
    both: the estimates are the true effects (ATT = mean over treated unit-years)."""
    res = ev.synthetic_did(simulated, "y_additive", estimator=estimator, variance="jackknife")
    post = simulated[(simulated["cohort"] > 0) & (simulated["year"] >= simulated["cohort"])]
    assert res.overall.estimate == pytest.approx(post["tau"].mean(), abs=1e-9)
    e = res.tidy()["event_time"].to_numpy()
    np.testing.assert_allclose(res.tidy()["estimate"], 2 + 0.3 * e, atol=1e-9)
    # leaving out a control changes nothing, leaving out a treated unit changes the mix of
    # event times: the jackknife by hand from the true effects
    units = sorted(simulated["unit"].unique())
    loo = [post.loc[post["unit"] != u, "tau"].mean() for u in units]
    n = len(loo)
    jk = np.sqrt((n - 1) / n * np.sum((np.array(loo) - np.mean(loo)) ** 2))
    assert res.overall.std_error == pytest.approx(jk, rel=1e-8)


# ---------------------------------------------------------------------------------------------
# options and errors
# ---------------------------------------------------------------------------------------------
def test_variance_options_and_errors(prop99, block):
    with pytest.raises(DataError, match="jackknife.*two treated units per cohort"):
        ev.synthetic_did(prop99, variance="jackknife")
    with pytest.raises(DataError, match="bootstrap variance needs at least two treated"):
        ev.synthetic_did(prop99, variance="bootstrap")
    with pytest.raises(OptionError, match="variance must be one of"):
        ev.synthetic_did(prop99, variance="sandwich")
    with pytest.raises(OptionError, match="estimator must be one of"):
        ev.synthetic_did(prop99, estimator="mc")
    with pytest.raises(OptionError, match="n_draws"):
        ev.synthetic_did(prop99, n_draws=0)
    with pytest.raises(OptionError, match="seed"):
        ev.synthetic_did(prop99, seed=-1)
    kw = dict(estimator="did", variance="bootstrap", n_draws=50)
    a = ev.synthetic_did(block, **kw, seed=3)
    b = ev.synthetic_did(block, **kw, seed=3)
    c = ev.synthetic_did(block, **kw, seed=4)
    assert a.overall.std_error == b.overall.std_error != c.overall.std_error
    assert a.facts["seed"] == "3" and a.facts["n_draws"] == 50
    gap = block.drop(block[(block["unit"] == "c07") & (block["year"] == 2005)].index)
    with pytest.raises(DataError, match=r"c07 \(2005\).*drop the years with gaps"):
        ev.synthetic_did(gap)


def test_cohorts_without_post_years_are_left_out_with_a_note(simulated):
    late = simulated.assign(cohort=simulated["cohort"].replace({2014: 2030}))
    res = ev.synthetic_did(late, variance="jackknife")
    assert res.cohorts.tidy()["cohort"].tolist() == [2011]
    assert "2030 (t4, t5)" in res.summary("en").as_text()
    with pytest.raises(DataError, match="cohort 2030"):
        ev.synthetic_did(late, treated=["t4"])


def test_three_estimators_side_by_side_and_display(block):
    res = {e: ev.synthetic_did(block, estimator=e, variance="jackknife") for e in ESTIMATORS}
    table = ev.compare({e: r.overall for e, r in res.items()}).tidy()
    assert table["model"].tolist() == list(ESTIMATORS)
    s = res["sdid"]
    de, en = s.summary("de").as_text(), s.summary("en").as_text()
    assert "Synthetische Differenz-in-Differenzen" in de and "Jackknife-Standardfehler" in de
    assert "Synthetic difference-in-differences" in en and "Jackknife standard errors" in en
    assert "Einheitengewichte" in s.unit_weights.summary("de").as_text()
    for kind in ("path", "effects", "weights"):
        assert s.plot(kind=kind).axes
    with pytest.raises(OptionError, match="kind must be"):
        s.plot(kind="pie")


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield
