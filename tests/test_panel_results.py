"""The results of the classic designs: complete at construction, vcov(), design() for the wild
bootstrap, pretest(), honest_did on event studies, the one SE-convention registry, the renamed
options and their deprecation aliases.

Independent references: statsmodels OLS with unit and year dummies (covariances), R
fwildclusterboot 0.13.0 (``tests/results/wild_reference.csv`` from ``make_wild_reference.R``),
``wild_bootstrap_ols`` on a design built by hand from the data, hand computations.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import evaluation as ev
from evaluation.errors import DataError, FewClustersWarning, OptionError
from evaluation.i18n import Text
from evaluation.panel import EventStudyResult, PreTrendTest
from evaluation.results import Inference, TestResult
from evaluation.stats import SE_CONVENTIONS, cluster_inference, wild_bootstrap_ols

RESULTS = Path(__file__).parent / "results"
REF = pd.read_csv(RESULTS / "wild_reference.csv", skipinitialspace=True)
SRC = Path(ev.__file__).parent
ROLES = dict(outcome="y", unit="id", time="yr", cohort="g")


pytestmark = pytest.mark.usefixtures("frozen_results")


def small_panel(seed: int = 1) -> pd.DataFrame:
    """12 units (4 never treated, cohorts 2013, 2014, 2015), 2010-2017, three rows dropped."""
    rng = np.random.default_rng(seed)
    cohorts = np.array([0, 0, 0, 0, 2013, 2013, 2014, 2014, 2014, 2015, 2015, 2015])
    rows = []
    for i, g in enumerate(cohorts):
        a = rng.normal(0, 2)
        for t in range(2010, 2018):
            post = g > 0 and t >= g
            rows.append((f"u{i:02d}", t, a + 0.3 * (t - 2010) + 1.5 * post + rng.normal(), g))
    df = pd.DataFrame(rows, columns=["id", "yr", "y", "g"])
    return df.drop(index=rng.choice(len(df), size=3, replace=False)).reset_index(drop=True)


def wild_panel(case: str = "g6") -> pd.DataFrame:
    """The fwildclusterboot example panel with its onset year as the cohort (treatment from
    2015 in the treated states, 0 for the others)."""
    d = pd.read_csv(RESULTS / f"wild_{case}.csv")
    first = d[d["treat"] == 1].groupby("unit")["year"].min()
    d["cohort"] = d["unit"].map(first).fillna(0).astype(int)
    return d


def _dummy_ols(df: pd.DataFrame, terms: list[str]):
    """statsmodels OLS with unit and year dummies, cluster-robust by unit with G/(G-1)."""
    fit = smf.ols(f"y ~ {' + '.join(terms)} + C(id) + C(yr)", data=df).fit(
        cov_type="cluster",
        cov_kwds={"groups": pd.factorize(df["id"])[0], "use_correction": False},
    )
    g = df["id"].nunique()
    return fit, fit.cov_params().loc[terms, terms].to_numpy() * g / (g - 1)


def _event_dummies(df: pd.DataFrame, ks: list[int], lo: int, hi: int) -> list[str]:
    rel = np.clip(np.where(df["g"] > 0, df["yr"] - df["g"], np.nan), lo, hi)
    names = []
    for k in ks:
        nm = f"e{'m' if k < 0 else 'p'}{abs(k)}"
        df[nm] = (rel == k).astype(float)
        names.append(nm)
    return names


# -- vcov() ------------------------------------------------------------------------------------
def test_twfe_vcov_is_labelled_and_gives_the_standard_error():
    df = small_panel()
    res = ev.twfe(df, **ROLES)
    v = res.vcov()
    assert list(v.index) == list(v.columns) == ["post"]
    assert np.sqrt(v.loc["post", "post"]) == pytest.approx(res.std_errors["post"], rel=1e-12)
    df["post"] = ((df["g"] > 0) & (df["yr"] >= df["g"])).astype(float)
    _, ref = _dummy_ols(df, ["post"])
    assert v.loc["post", "post"] == pytest.approx(ref[0, 0], rel=1e-8)


def test_event_study_vcov_equals_the_dummy_regression():
    df = small_panel()
    res = ev.event_study(df, **ROLES, leads=3, lags=2)
    v = res.vcov()
    ks = [-3, -2, 0, 1, 2]
    assert list(v.index) == list(v.columns) == ks and v.index.name == "event_time"
    se = res.tidy().set_index("event_time")["std_error"]
    np.testing.assert_allclose(np.sqrt(np.diag(v)), se[ks], rtol=1e-12)
    _, ref = _dummy_ols(df, _event_dummies(df, ks, -3, 2))
    np.testing.assert_allclose(v.to_numpy(), ref, rtol=1e-7)


def test_deprecated_cov_attribute_warns_and_is_vcov():
    res = ev.event_study(small_panel(), **ROLES, leads=2, lags=2)
    with pytest.warns(DeprecationWarning, match="vcov"):
        cov = res.cov
    pd.testing.assert_frame_equal(cov, res.vcov())


# -- pretest() ---------------------------------------------------------------------------------
def test_pretest_is_a_test_result_with_the_hand_wald_statistic():
    df = small_panel()
    res = ev.event_study(df, **ROLES, leads=3, lags=2)
    pre = res.pretest()
    assert isinstance(pre, TestResult) and isinstance(pre, PreTrendTest)
    fit, v = _dummy_ols(df, _event_dummies(df, [-3, -2, 0, 1, 2], -3, 2))
    b = fit.params[["em3", "em2"]].to_numpy()
    f = b @ np.linalg.solve(v[:2, :2], b) / 2
    assert pre.statistic == pytest.approx(f, rel=1e-7)
    assert pre.dof == (2, 11) and pre.distribution == "F"
    t = pre.tidy()
    assert list(t.columns) == ["statistic", "df_num", "df_denom", "p_value"]
    assert "alle Koeffizienten vor Beginn" in pre.summary("de").as_text()
    assert "all pre-onset coefficients" in pre.summary("en").as_text()


def test_deprecated_pretrend_dict_warns_and_matches_pretest():
    res = ev.event_study(small_panel(), **ROLES, leads=3, lags=2)
    with pytest.warns(DeprecationWarning, match="pretest"):
        d = res.pretrend
    pre = res.pretest()
    assert d == {
        "statistic": pre.statistic,
        "df_num": 2.0,
        "df_denom": 11.0,
        "p_value": pre.p_value,
    }


def test_pretest_without_pre_periods_says_why():
    res = ev.event_study(small_panel(), **ROLES, leads=0, lags=2, reference=0)
    with pytest.raises(DataError, match="no pre-onset coefficient"):
        res.pretest()
    assert "nicht berechenbar" in res.summary("de").as_text()


# -- design() and the wild bootstrap -----------------------------------------------------------
def test_wild_bootstrap_of_twfe_equals_wild_bootstrap_ols_on_the_same_data():
    d = wild_panel("g20")
    res = ev.twfe(d, "y", unit="unit", time="year", cohort="cohort", covariates=["z"],
                  cluster="state")  # fmt: skip
    kw = dict(n_draws=999, seed=3)
    ours = ev.wild_bootstrap(res, **kw)
    ref = wild_bootstrap_ols(
        d, "y", ["treat", "z"], fe=["unit", "year"], cluster="state", term="treat", **kw
    )
    a, b = ours.tidy().iloc[0], ref.tidy().iloc[0]
    assert a["term"] == "post" and not a["full_enumeration"]
    assert a["estimate"] == pytest.approx(res.params["post"], rel=1e-10)
    for c in ("estimate", "std_error", "statistic", "ci_low", "ci_high"):
        assert a[c] == pytest.approx(b[c], rel=1e-9), c
    assert a["p_value"] == b["p_value"]
    np.testing.assert_allclose(ours.t_boot, ref.t_boot, rtol=1e-9)


@pytest.mark.parametrize("i", list(REF.index[REF["case"] == "g6"]))
def test_wild_bootstrap_of_twfe_with_full_enumeration_equals_fwildclusterboot(i):
    row = REF.loc[i]
    d = wild_panel("g6")
    res = ev.twfe(d, "y", unit="unit", time="year", cohort="cohort", covariates=["z"],
                  cluster="state")  # fmt: skip
    p_type = {"two-tailed": "symmetric", "equal-tailed": "equal_tailed"}[row["p_val_type"]]
    term = {"treat": "post", "z": "z"}[row["param"]]
    out = ev.wild_bootstrap(res, term, null=float(row["r"]), p_type=p_type, seed=1).tidy().iloc[0]
    assert out["full_enumeration"] and out["n_draws"] == row["n_draws"] == 64
    np.testing.assert_allclose(out["estimate"], row["estimate"], rtol=1e-10)
    assert out["p_value"] == pytest.approx(row["p_value"], abs=1e-12)
    np.testing.assert_allclose(
        [out["ci_low"], out["ci_high"]], [row["ci_low"], row["ci_high"]], atol=1e-4
    )


def test_wild_bootstrap_of_an_event_study_coefficient_equals_the_hand_design():
    df = small_panel()
    res = ev.event_study(df, **ROLES, leads=2, lags=1)
    names = _event_dummies(df, [-2, 0, 1], -2, 1)
    with pytest.raises(OptionError, match="term="):
        ev.wild_bootstrap(res)  # four estimates: the one tested must be named
    kw = dict(n_draws=999, seed=5, conf_int=False)
    ours = ev.wild_bootstrap(res, 0, **kw).tidy().iloc[0]
    ref = wild_bootstrap_ols(df, "y", names, fe=["id", "yr"], cluster="id", term="ep0", **kw)
    ref = ref.tidy().iloc[0]
    assert ours["estimate"] == pytest.approx(res.params[0], rel=1e-10)
    for c in ("estimate", "std_error", "p_value"):
        assert ours[c] == pytest.approx(ref[c], rel=1e-9), c


def test_wild_bootstrap_of_did_2x2_equals_the_hand_design():
    df = small_panel()
    res = ev.did_2x2(df, **ROLES, pre=(2010, 2012), post=(2015, 2017))
    sub = df[((df["g"] == 0) | df["g"].between(2013, 2015)) & ~df["yr"].isin([2013, 2014])]
    sub = sub.assign(
        treat=(sub["g"] > 0).astype(float), after=(sub["yr"] >= 2015).astype(float)
    ).assign(did=lambda x: x["treat"] * x["after"])
    kw = dict(n_draws=999, seed=2)
    ours = ev.wild_bootstrap(res, **kw).tidy().iloc[0]
    ref = wild_bootstrap_ols(sub, "y", ["treat", "after", "did"], cluster="id", term="did", **kw)
    ref = ref.tidy().iloc[0]
    assert ours["term"] == "did"
    for c in ("estimate", "std_error", "p_value", "ci_low", "ci_high"):
        assert ours[c] == pytest.approx(ref[c], rel=1e-9), c


def test_design_of_two_way_clustering_says_what_to_do():
    res = ev.twfe(small_panel(), **ROLES, cluster="twoway")
    with pytest.raises(DataError, match="cluster='unit' or 'state'"):
        res.design()
    with pytest.raises(DataError, match="cluster='unit' or 'state'"):
        ev.wild_bootstrap(res)


def test_weights_that_are_not_positive_name_the_row():
    df = small_panel().assign(w=1.0)
    df.loc[5, "w"] = 0.0  # linearmodels refuses it with a bare ValueError
    with pytest.raises(DataError, match=r"'w' must be positive.*unit 'u00', yr 2015"):
        ev.twfe(df, **ROLES, weights="w")


def test_design_is_a_copy():
    res = ev.twfe(small_panel(), **ROLES)
    d = res.design()
    d.y[:] = 0.0
    assert res.design().y.any()


# -- honest_did on event studies ---------------------------------------------------------------
def test_honest_did_on_an_event_study_equals_the_array_entry_point():
    df = small_panel(seed=4)
    res = ev.event_study(df, **ROLES, leads=3, lags=2)
    ks = [-3, -2, 0, 1, 2]
    beta = res.params[ks].to_numpy()
    sigma = res.vcov().loc[ks, ks].to_numpy()
    kw = dict(mbar=[0, 0.5, 1], e=1, breakdown=False)
    a = ev.honest_did(res, **kw)
    b = ev.honest_did(betahat=beta, sigma=sigma, num_pre=2, num_post=3, l=[0, 1, 0],
                      mbar=[0, 0.5, 1], breakdown=False)  # fmt: skip
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())
    # and the arrays are the dummy regression's, not only the result's own
    fit, v = _dummy_ols(df, _event_dummies(df, ks, -3, 2))
    np.testing.assert_allclose(beta, fit.params[["em3", "em2", "ep0", "ep1", "ep2"]], atol=1e-9)
    np.testing.assert_allclose(sigma, v, rtol=1e-7)


def test_honest_did_takes_the_reference_period_of_the_event_study():
    res = ev.event_study(small_panel(), **ROLES, leads=3, lags=2, reference=-2)
    out = ev.honest_did(res, mbar=[0], breakdown=False)
    # event times -3 | -1, 0, 1, 2 around the reference -2 (HonestDiD counts -1 as post)
    assert out.input.num_pre == 1 and out.input.num_post == 4


# -- the registry of standard-error conventions ------------------------------------------------
def test_cluster_inference_from_the_registry():
    inf = cluster_inference("state", dof=5, n_clusters=6, n_treated_clusters=2)
    assert isinstance(inf, Inference) and inf.name == "cluster_state"
    assert inf.description == SE_CONVENTIONS["state"].description
    assert inf.distribution == "t" and inf.dof == 5 and inf.few_clusters
    none = cluster_inference("none", dof=80, n_clusters=3)
    assert none.n_clusters is None and not none.few_clusters
    with pytest.raises(OptionError, match="did you mean 'state'"):
        cluster_inference("states", dof=5)
    for key in ("unit", "state", "twoway", "none"):
        text = SE_CONVENTIONS[key].description
        assert isinstance(text, Text) and text.de != text.en


@pytest.mark.parametrize("cluster", ["unit", "state", "twoway"])
def test_estimators_take_their_inference_from_the_registry(cluster):
    df = small_panel().assign(state=lambda d: "0" + (d["id"].str[1:].astype(int) % 3).astype(str))
    for res in (
        ev.twfe(df, **ROLES, cluster=cluster),
        ev.event_study(df, **ROLES, leads=2, lags=2, cluster=cluster),
    ):
        assert res.inference.name == SE_CONVENTIONS[cluster].name
        assert res.se_note == SE_CONVENTIONS[cluster].description


def test_fe_fit_df_is_deprecated_for_dof():
    res = ev.panel.fe_regression(small_panel(), "y", ["yr"], "id", "yr", time_effects=False)
    with pytest.warns(DeprecationWarning, match="dof"):
        assert res.df == res.dof == 11


# -- randomisation inference is the few-cluster alternative ------------------------------------
def test_randomization_inference_is_not_flagged_and_says_it_is_the_alternative():
    df = small_panel()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewClustersWarning)
        res = ev.randomization_inference(df, **ROLES, n_draws=50, seed=1)
        many = ev.randomization_inference(df, **ROLES, n_draws=50, seed=1)
    assert not res.few_clusters and not res.observed.few_clusters  # 12 clusters, 8 treated
    assert "gültige Alternative" in res.summary("de").as_text()
    assert "valid alternative" in res.summary("en").as_text()
    assert many.tidy()["ri_p_value"].equals(res.tidy()["ri_p_value"])
    few = small_panel()[lambda d: d["id"].isin([f"u{i:02d}" for i in (0, 1, 2, 3, 4, 6, 9)])]
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewClustersWarning)
        r = ev.randomization_inference(few, **ROLES, n_draws=20, seed=1)
    assert r.observed.few_clusters and not r.few_clusters
    shown = r.summary("en").tables[0][1].columns
    assert "p-value (randomisation)" in shown and "p-value" not in shown
    assert "p_value" in r.tidy().columns
    assert "ri_p_value is the one to read" in r.summary("en").as_text()


def test_randomization_draws_name_and_deprecated_estimator_options():
    df = small_panel()
    with pytest.raises(OptionError, match="did you mean 'permute'"):
        ev.randomization_inference(df, **ROLES, scheme="permutes", n_draws=5)
    with pytest.raises(OptionError, match="n_draws"):
        ev.randomization_inference(df, **ROLES, n_draws=0)


# -- names ---------------------------------------------------------------------------------------
def test_did_2x2_control_group_and_its_deprecated_names():
    df = small_panel()
    kw = dict(pre=(2010, 2011), post=(2013, 2013))
    new = ev.did_2x2(df, **ROLES, control_group="not_yet_treated", **kw)
    # by hand: treated = cohort 2013, comparison = never treated and cohorts 2014, 2015
    m = df[df["yr"].isin([2010, 2011, 2013])].assign(
        tr=lambda x: x["g"] == 2013, af=lambda x: x["yr"] == 2013
    )
    cell = m.groupby(["tr", "af"])["y"].mean()
    hand = (cell[True, True] - cell[True, False]) - (cell[False, True] - cell[False, False])
    assert new.params["did"] == pytest.approx(hand, abs=1e-10)
    assert new.facts["n_comparison_units"] == 10  # 4 never treated, cohorts 2014 and 2015
    with pytest.warns(DeprecationWarning, match="control_group"):
        old = ev.did_2x2(df, **ROLES, control="not_yet", **kw)
    assert old.params["did"] == new.params["did"]
    with pytest.warns(DeprecationWarning, match="'never_treated'"):
        ev.did_2x2(df, **ROLES, control_group="never", **kw)
    with pytest.raises(OptionError, match="did you mean 'never_treated'"):
        ev.did_2x2(df, **ROLES, control_group="never_treat", **kw)
    with pytest.raises(OptionError, match="control_group= only"):
        ev.did_2x2(df, **ROLES, control="never", control_group="not_yet_treated", **kw)


@pytest.mark.parametrize("extra", [None, "event_time", "rel_time", "both"])
def test_event_study_accepts_panels_with_either_event_time_column(extra):
    df = small_panel()
    base = ev.event_study(df, **ROLES, leads=2, lags=2)
    rel = (df["yr"] - df["g"]).where(df["g"] > 0)
    cols = {"both": ["event_time", "rel_time"], None: []}.get(extra, [extra])
    res = ev.event_study(df.assign(**{c: rel for c in cols}), **ROLES, leads=2, lags=2)
    assert "event_time" in res.tidy().columns and "rel_time" not in res.tidy().columns
    pd.testing.assert_frame_equal(res.tidy(), base.tidy())


def test_n_draws_names_the_band_draws_and_none_gives_no_band():
    df = small_panel()
    a = ev.event_study(df, **ROLES, leads=2, lags=2, n_draws=500, seed=3)
    with pytest.warns(DeprecationWarning, match="n_draws"):
        b = ev.event_study(df, **ROLES, leads=2, lags=2, n_sim=500, seed=3)
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())
    none = ev.event_study(df, **ROLES, leads=2, lags=2, n_draws=None)
    assert "band_low" not in none.tidy().columns
    assert "kein Simultanband" in none.summary("de").as_text()
    with pytest.warns(DeprecationWarning):
        assert ev.panel.sup_t_critical(np.eye(2), n_sim=200, seed=1) == (
            ev.panel.sup_t_critical(np.eye(2), n_draws=200, seed=1)
        )


def test_before_after_columns_have_the_house_names():
    res = ev.before_after(small_panel(), **ROLES)
    t = res.tidy()
    assert t["term"].tolist() == ["mean_difference"]
    assert {"mean_before", "mean_after", "wilcoxon_p_value"} <= set(t.columns)
    assert not {"pre_mean", "post_mean", "wilcoxon_p", "change"} & set(t.columns)
    u = res.units
    np.testing.assert_allclose(u["difference"], u["mean_after"] - u["mean_before"])
    assert t["mean_before"].iloc[0] == pytest.approx(u["mean_before"].mean())


def test_interrupted_time_series_series_by_event_time():
    res = ev.interrupted_time_series(small_panel(), **ROLES)
    assert "event_time" in res.series.columns and "rel_time" not in res.series.columns
    res.plot()


# -- one language --------------------------------------------------------------------------------
@pytest.mark.parametrize("estimator", ["twfe", "event_study", "did_2x2", "before_after"])
def test_summaries_are_in_one_language(estimator):
    kw = {"did_2x2": dict(pre=(2010, 2012), post=(2015, 2017))}.get(estimator, {})
    res = getattr(ev, estimator)(small_panel(), **ROLES, **kw)
    de, en = res.summary("de").as_text(), res.summary("en").as_text()
    assert isinstance(res.title, Text) and isinstance(res.method, Text)
    assert res.title.en not in de and res.title.de not in en
    assert res.method.en not in de and res.method.de not in en
    for n in res.notes:
        assert n.de in de and n.en in en


def test_twfe_in_german_is_titled_in_german():
    res = ev.twfe(small_panel(), **ROLES)
    assert res.summary("de").title == "Zwei-Wege-Fixed-Effects"
    assert res.summary("en").title == "Two-way fixed effects"


def test_wild_bootstrap_and_multiple_testing_texts_follow_the_language():
    d = wild_panel("g6")
    res = ev.wild_bootstrap(ev.twfe(d, "y", unit="unit", time="year", cohort="cohort",
                                    cluster="state"))  # fmt: skip
    de, en = res.summary("de").as_text(), res.summary("en").as_text()
    assert "Wilder Cluster-Bootstrap (WCR): post" in de and "Gewichte" in de
    assert "Wild cluster bootstrap (WCR): post" in en and "Weights" in en
    fam = ev.adjust_pvalues(
        pd.DataFrame({"estimate": [1.0, 2.0], "std_error": [1.0, 1.0], "p_value": [0.01, 0.3]})
    )
    assert "ja" in fam.summary("de").as_text() and "yes" in fam.summary("en").as_text()
    assert "True" not in fam.summary("de").as_text()


# -- complete at construction -----------------------------------------------------------------
def test_placebo_is_a_new_result_of_the_same_class():
    df = small_panel()
    es = ev.placebo_in_time(df, **ROLES, shift=2, estimator="event_study", leads=2)
    assert isinstance(es, EventStudyResult) and es.facts["placebo_shift"] == 2
    assert "Placebo in der Zeit (2 Jahre früher)" in es.summary("de").title
    assert es.pretest().dof[0] == 1
    did = ev.placebo_in_time(df, **ROLES, shift=1, estimator="did_2x2", pre=(2010, 2010),
                             post=(2012, 2012))  # fmt: skip
    assert did.cells["n_obs"].sum() == did.facts["n_obs"]


def test_results_cannot_be_changed_after_construction():
    res = ev.twfe(small_panel(), **ROLES)
    with pytest.raises(AttributeError, match="complete when it is made"):
        res.title = "x"
    m = ev.match_comparison(
        small_panel().assign(x=lambda d: d["id"].str[1:].astype(float)),
        **ROLES,
        covariates=["x"],
        pre_years=2,
    )
    assert m.weight_column is None and "Balance" in m.balance().summary("en").as_text()
    assert "Nearest neighbour on the propensity score" in m.summary("en").as_text()


def test_power_and_sensitivity_results_are_complete_at_construction():
    d = ev.PanelDesign(cohorts={2013: 10}, n_comparison=20, first_year=2010, last_year=2016)
    curve = ev.power(d, [0.0, 1.0], estimator="event_study", n_sims=20, seed=1)
    assert curve.calculation == "simulation" and "Simulation (20 Panels" in str(curve)
    mde = curve.mde()
    assert mde.sentences("en")[0].startswith("With 10 audited")
    ev.simulate({"n": [5]}, lambda rng, n: rng.normal(size=n),
                {"m": lambda x: {"estimate": x.mean()}}, n_sims=5, seed=1, truth=None)  # fmt: skip


# -- the area's code ---------------------------------------------------------------------------
AREA = ("panel", "stats", "sensitivity", "planning")


def _modules():
    for pkg in AREA:
        for path in sorted((SRC / pkg).glob("*.py")):
            if path.name != "paired.py":
                yield pkg, path


def test_no_language_branches_or_old_text_mechanisms_in_the_area():
    for _, path in _modules():
        text = path.read_text(encoding="utf-8")
        for bad in ('lang == "de"', "lang == 'de'", "BiText", "in_lang(", "_text import"):
            assert bad not in text, f"{path.name}: {bad}"


def test_the_area_imports_no_private_name_of_another_package():
    for pkg, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 2 and node.module:
                parts = node.module.split(".")
                private = [p for p in parts[1:] if p.startswith("_")]
                private += [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{pkg}/{path.name} imports {node.module}: {private}"
