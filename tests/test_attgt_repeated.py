"""att_gt for repeated cross-sections (panel=False) against R did 2.5.1 / DRDID 1.2.3 on mpdta
treated as repeated cross-sections (``tests/results/make_r_did_rc_mpdta.R``): ATT(g,t) to
1e-8, analytic standard errors to 1e-6 relative, for dr (drdid_rc), ipw (std_ipw_did_rc) and
reg (reg_did_rc), without and with lpop, never- and not-yet-treated comparisons; the
aggregations; hand computations; refused input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError, OptionError

ROLES = dict(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
CONTROL = {"nevertreated": "never_treated", "notyettreated": "not_yet_treated"}
REF = pd.read_csv(Path(__file__).parent / "results" / "r_did_rc_mpdta.csv")
SCENARIOS = sorted(set(REF[["method", "covariates", "control"]].itertuples(index=False)))


@pytest.fixture(scope="module")
def mpdta():
    from conftest import shared_path

    return pd.read_csv(shared_path("mpdta", "mpdta.csv"))


def _fit(mpdta, method, covariates, control):
    return ev.att_gt(
        mpdta,
        **ROLES,
        panel=False,
        method=method,
        covariates=None if covariates == "none" else [covariates],
        control_group=CONTROL[control],
    )


def _ref(method, covariates, control, kind):
    r = REF[
        (REF["method"] == method)
        & (REF["covariates"] == covariates)
        & (REF["control"] == control)
        & (REF["kind"] == kind)
    ]
    return r.reset_index(drop=True)


@pytest.mark.shared
@pytest.mark.parametrize(("method", "covariates", "control"), SCENARIOS)
def test_cells_match_r_did_panel_false(mpdta, method, covariates, control):
    got = _fit(mpdta, method, covariates, control).tidy()
    ref = _ref(method, covariates, control, "attgt")
    assert len(ref) == 12
    m = got.merge(ref, left_on=["cohort", "time"], right_on=["group", "t"], how="outer")
    assert len(m) == len(got) == 12
    np.testing.assert_allclose(m["estimate_x"], m["estimate_y"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(m["std_error_x"], m["std_error_y"], rtol=1e-6)


@pytest.mark.shared
@pytest.mark.parametrize(("method", "covariates", "control"), SCENARIOS)
def test_aggregations_match_r(mpdta, method, covariates, control):
    res = _fit(mpdta, method, covariates, control)
    simple = res.aggregate("simple").overall
    r = _ref(method, covariates, control, "simple").iloc[0]
    assert simple.estimate == pytest.approx(r["estimate"], abs=1e-8)
    assert simple.std_error == pytest.approx(r["std_error"], rel=1e-6)
    dyn = res.aggregate("dynamic")
    r = _ref(method, covariates, control, "dynamic")
    t = dyn.tidy()
    assert t["event_time"].tolist() == r["t"].astype(int).tolist()
    np.testing.assert_allclose(t["estimate"], r["estimate"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(t["std_error"], r["std_error"], rtol=1e-6)
    r = _ref(method, covariates, control, "dynamic_overall").iloc[0]
    assert dyn.overall.estimate == pytest.approx(r["estimate"], abs=1e-8)
    assert dyn.overall.std_error == pytest.approx(r["std_error"], rel=1e-6)


def _cross_sections(seed=5):
    """Two periods, fresh observations in each: with no covariates every estimator is the
    difference of the four cell means."""
    rng = np.random.default_rng(seed)
    n = 400
    t = rng.integers(1, 3, n)
    g = np.where(rng.random(n) < 0.4, 2, 0)
    y = 1.0 + 0.5 * (t == 2) + 0.3 * (g == 2) + 2.0 * ((g == 2) & (t == 2)) + rng.normal(0, 1, n)
    return pd.DataFrame({"y": y, "year": t, "cohort": g, "id": np.arange(n)})


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_without_covariates_the_four_cell_means_by_hand(method):
    d = _cross_sections()
    res = ev.att_gt(d, "y", time="year", cohort="cohort", panel=False, method=method)
    t = res.tidy()
    assert len(t) == 1
    m = d.groupby(["cohort", "year"])["y"].mean()
    did = (m[2, 2] - m[2, 1]) - (m[0, 2] - m[0, 1])
    assert t["estimate"].iloc[0] == pytest.approx(did, abs=1e-12)
    # the variance of a difference of four independent means (with the n-denominator
    # variances of R's influence functions): sum over cells of var_cell / n_cell
    v = d.groupby(["cohort", "year"])["y"].agg(lambda s: s.var(ddof=0) / len(s))
    assert t["std_error"].iloc[0] == pytest.approx(np.sqrt(v.sum()), rel=1e-12)


def test_refused_input_names_row_and_column():
    d = _cross_sections()
    d["y"] = d["y"].astype(object)
    d.loc[7, "y"] = "n/a"
    with pytest.raises(DataError, match=r"row 7, column 'y'.*not a number"):
        ev.att_gt(d, "y", time="year", cohort="cohort", panel=False)
    with pytest.raises(OptionError, match="cluster"):
        ev.att_gt(_cross_sections(), "y", time="year", cohort="cohort", panel=False, n_draws=99)
    with pytest.raises(OptionError, match="panel must be True or False"):
        ev.att_gt(_cross_sections(), "y", time="year", cohort="cohort", panel="no")
    with pytest.raises(DataError, match="no never-treated"):
        d2 = _cross_sections()
        ev.att_gt(d2[d2["cohort"] > 0], "y", time="year", cohort="cohort", panel=False)


def test_summary_in_both_languages():
    d = _cross_sections()
    res = ev.att_gt(d, "y", time="year", cohort="cohort", panel=False)
    assert "wiederholte Querschnitte" in res.summary("de").as_text()
    assert "repeated cross-sections" in res.summary("en").as_text()


@pytest.mark.shared
@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_survey_weights_match_r(mpdta, method):
    """R did with weightsname = "w" (w = 1 + (countyreal mod 3) / 2, the made-up design
    weight of make_r_did_rc_mpdta.R) and ~lpop."""
    d = mpdta.assign(w=1 + (mpdta["countyreal"] % 3) / 2)
    ref = pd.read_csv(Path(__file__).parent / "results" / "r_did_rc_mpdta_weights.csv")
    ref = ref[ref["method"] == method]
    res = ev.att_gt(d, **ROLES, panel=False, method=method, covariates=["lpop"], weights="w")
    cells = ref[ref["kind"] == "attgt"]
    m = res.tidy().merge(cells, left_on=["cohort", "time"], right_on=["group", "t"])
    assert len(m) == len(cells) == 12
    np.testing.assert_allclose(m["estimate_x"], m["estimate_y"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(m["std_error_x"], m["std_error_y"], rtol=1e-6)
    simple = res.aggregate("simple").overall
    r = ref[ref["kind"] == "simple"].iloc[0]
    assert simple.estimate == pytest.approx(r["estimate"], abs=1e-8)
    assert simple.std_error == pytest.approx(r["std_error"], rel=1e-6)
    # the weights matter: unweighted numbers differ
    plain = ev.att_gt(mpdta, **ROLES, panel=False, method=method, covariates=["lpop"])
    assert abs(plain.tidy()["estimate"].iloc[0] - m["estimate_x"].iloc[0]) > 1e-4


def test_randomisation_inference_refuses_cross_sections():
    res = ev.att_gt(_cross_sections(), "y", time="year", cohort="cohort", panel=False)
    with pytest.raises(DataError, match="repeated cross-sections"):
        ev.randomization_att_gt(res, n_draws=19)
