"""compare_estimators: every staggered estimator on mpdta, each estimator's rows equal to the
estimator called on its own, the Callaway & Sant'Anna rows equal to R did 2.5.1, the TWFE
event study's overall effect by hand, failures as notes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError, OptionError

ROLES = dict(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
EST = ["estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high"]
pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def mpdta():
    from conftest import shared_path

    return pd.read_csv(shared_path("mpdta", "mpdta.csv"))


@pytest.fixture(scope="module")
def cmp(mpdta):
    return ev.compare_estimators(mpdta, **ROLES)


def _rows(cmp, code, kind):
    t = cmp.tidy()
    return t[(t["estimator"] == code) & (t["term"] == kind)].reset_index(drop=True)


def _same(got: pd.DataFrame, own: pd.DataFrame) -> None:
    for c in EST:
        np.testing.assert_array_equal(got[c].to_numpy(float), own[c].to_numpy(float), err_msg=c)


def test_all_five_estimators_with_a_path_and_an_overall_row(cmp):
    t = cmp.tidy()
    assert cmp.estimators == list(ev.staggered.compare.ESTIMATORS)
    assert cmp.failed == {}
    assert list(t.columns[:3]) == ["estimator", "term", "event_time"]
    overall = t[t["term"] == "overall"]
    assert overall["estimator"].tolist() == cmp.estimators
    assert overall["event_time"].isna().all()
    assert t.loc[t["term"] == "event_time", "event_time"].notna().all()


def test_att_gt_rows_equal_r_did_dynamic_aggregation(cmp):
    ref = pd.read_csv(Path(__file__).parent / "results" / "r_did_mpdta_aggte.csv")
    ref = ref[(ref["scenario"] == "mpdta_nev_dr") & (ref["type"] == "dynamic")]
    path = _rows(cmp, "att_gt", "event_time")
    assert path["event_time"].astype(int).tolist() == ref["egt"].astype(int).tolist()
    np.testing.assert_allclose(path["estimate"], ref["att_egt"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(path["std_error"], ref["se_egt"], rtol=1e-6)
    overall = _rows(cmp, "att_gt", "overall")
    assert overall["estimate"].iloc[0] == pytest.approx(ref["overall_att"].iloc[0], abs=1e-8)
    assert overall["std_error"].iloc[0] == pytest.approx(ref["overall_se"].iloc[0], rel=1e-6)


def test_each_estimator_equals_its_own_call(mpdta, cmp):
    dyn = ev.att_gt(mpdta, **ROLES).aggregate("dynamic", min_e=-5, max_e=5)
    _same(_rows(cmp, "att_gt", "event_time"), dyn.tidy())
    _same(_rows(cmp, "att_gt", "overall"), dyn.overall.tidy())

    sa = ev.sun_abraham(mpdta, **ROLES)
    _same(_rows(cmp, "sun_abraham", "event_time"), sa.tidy())
    _same(_rows(cmp, "sun_abraham", "overall"), sa.overall.tidy())

    imp = ev.did_imputation(mpdta, **ROLES, horizons=True)
    _same(_rows(cmp, "did_imputation", "event_time"), imp.tidy())
    _same(_rows(cmp, "did_imputation", "overall"), ev.did_imputation(mpdta, **ROLES).tidy())

    ts = ev.did_two_stage(mpdta, **ROLES, horizons=True)
    _same(_rows(cmp, "did_two_stage", "event_time"), ts.tidy())
    _same(_rows(cmp, "did_two_stage", "overall"), ev.did_two_stage(mpdta, **ROLES).tidy())

    es = ev.event_study(mpdta, **ROLES, leads=5, lags=5, n_draws=None)
    own = es.tidy()
    _same(_rows(cmp, "event_study", "event_time"), own[~own["reference"]].reset_index(drop=True))


def test_event_study_overall_is_the_mean_of_post_coefficients_by_hand(mpdta, cmp):
    es = ev.event_study(mpdta, **ROLES, leads=5, lags=5, n_draws=None)
    t = es.tidy()
    post = t[(t["event_time"] >= 0)]
    # four post coefficients in mpdta (event times 0..3): their plain mean
    assert post["event_time"].tolist() == [0, 1, 2, 3]
    mean = sum(post["estimate"]) / 4
    v = es.vcov().loc[[0, 1, 2, 3], [0, 1, 2, 3]].to_numpy()
    se = np.sqrt(v.sum()) / 4
    row = _rows(cmp, "event_study", "overall").iloc[0]
    assert row["estimate"] == pytest.approx(mean, abs=1e-14)
    assert row["std_error"] == pytest.approx(se, rel=1e-12)
    # t distribution with G - 1 = 499 degrees of freedom, as the event study itself
    from scipy import stats

    crit = stats.t.ppf(0.975, 499)
    assert row["ci_low"] == pytest.approx(mean - crit * se, rel=1e-12)


def test_window_cuts_every_path(mpdta):
    c = ev.compare_estimators(mpdta, **ROLES, window=(-2, 1))
    t = c.tidy()
    e = t.loc[t["term"] == "event_time", "event_time"].astype(int)
    assert e.min() == -2 and e.max() == 1
    assert set(t.loc[t["estimator"] == "did_imputation", "event_time"].dropna()) == {0, 1}


def test_a_failing_estimator_is_a_note(mpdta):
    treated_only = mpdta[mpdta["first.treat"] > 0]
    c = ev.compare_estimators(treated_only, **ROLES, estimators=["att_gt", "did_imputation"])
    assert c.estimators == ["did_imputation"]
    assert list(c.failed) == ["att_gt"]
    assert "never-treated" in c.failed["att_gt"]
    de, en = c.summary("de").as_text(), c.summary("en").as_text()
    assert "Callaway & Sant'Anna: nicht geschätzt" in de
    assert "Callaway & Sant'Anna: not estimated" in en


def test_all_failing_is_an_error(mpdta):
    treated_only = mpdta[mpdta["first.treat"] > 0]
    with pytest.raises(DataError, match="every estimator failed.*att_gt.*sun_abraham"):
        ev.compare_estimators(treated_only, **ROLES, estimators=["att_gt", "sun_abraham"])


@pytest.mark.parametrize(
    "kw",
    [
        {"estimators": ["att_gt", "synthdid"]},
        {"estimators": []},
        {"estimators": "att_gt"},
        {"estimators": ["att_gt", "att_gt"]},
        {"window": (0, 3)},
        {"window": (-2.5, 3)},
        {"control_group": "last_treated"},
        {"att_gt_options": {"control_group": "never_treated"}},
        {"level": 95},
    ],
)
def test_bad_options_raise(mpdta, kw):
    with pytest.raises(OptionError):
        ev.compare_estimators(mpdta, **ROLES, **kw)


def test_summary_in_both_languages_and_german_numbers(cmp):
    de, en = cmp.summary("de").as_text(), cmp.summary("en").as_text()
    assert "Vergleich der gestaffelten Schätzer" in de and "Gesamt" in de
    assert "Comparison of staggered estimators" in en and "Overall" in en
    # the C&S overall effect -0.0772 (R did: -0.07724) in each language's number format
    assert "−0,0772 (0,0200)" in de
    assert "−0.0772 (0.0200)" in en
    wide = cmp.wide("en")
    assert wide.columns[0] == "event_time"
    assert wide["event_time"].iloc[-1] == "Overall"


def test_plot_draws_every_path_on_one_axis(cmp):
    fig, ax = plt.subplots()
    out = cmp.plot(ax=ax, lang="en")
    assert out is fig
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        "Callaway & Sant'Anna",
        "Sun & Abraham",
        "Imputation (Borusyak, Jaravel & Spiess)",
        "Two-stage (Gardner)",
        "TWFE event study",
    ]
    # the paths are offset: no two estimators share an x position at event time 0
    xs = [np.asarray(c.lines[0].get_xdata(), float) for c in ax.containers]
    assert len(xs) == 5
    at0 = [float(x[np.argmin(np.abs(x))]) for x in xs]
    assert len(set(np.round(at0, 6))) == 5
    assert max(abs(x) for x in at0) < 0.5
    plt.close(fig)


def test_result_is_complete_at_construction(cmp):
    with pytest.raises(AttributeError):
        cmp.failed = {}


def test_fitted_results_are_used_instead_of_rerunning(mpdta):
    cs = ev.att_gt(mpdta, **ROLES, control_group="not_yet_treated")
    c = ev.compare_estimators(
        mpdta, **ROLES, estimators=["att_gt", "did_imputation"], fitted={"att_gt": cs}
    )
    assert c.results["att_gt"]["group_time"] is cs
    # the not-yet-treated C&S of R did (scenario mpdta_nyt_dr), not the default never-treated
    ref = pd.read_csv(Path(__file__).parent / "results" / "r_did_mpdta_aggte.csv")
    ref = ref[(ref["scenario"] == "mpdta_nyt_dr") & (ref["type"] == "dynamic")]
    np.testing.assert_allclose(
        _rows(c, "att_gt", "event_time")["estimate"], ref["att_egt"], rtol=0, atol=1e-8
    )
    with pytest.raises(OptionError, match="GroupTimeEffects"):
        ev.compare_estimators(mpdta, **ROLES, estimators=["att_gt"], fitted={"att_gt": 1})
    with pytest.raises(OptionError, match="also in estimators"):
        ev.compare_estimators(mpdta, **ROLES, estimators=["att_gt"], fitted={"sun_abraham": cs})
