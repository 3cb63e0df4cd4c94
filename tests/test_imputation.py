"""did_imputation: known truth, hand computations with dummy regressions, exclusions, options
and bad data. (Agreement with R didimputation: test_imputation_reference.py.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError, OptionError

SIM = pd.read_csv(Path(__file__).parent / "results" / "didimputation_sim.csv")
ROLES = {"outcome": "y", "unit": "unit", "time": "year", "cohort": "cohort"}


def _dense_effects(df: pd.DataFrame, horizons: list[int] | None):
    """Imputation by hand: OLS with unit and year dummies (and x) on the untreated rows,
    averages of Y - Y(0)^ over the treated rows (units without untreated rows left out)."""
    g, t = df["cohort"].to_numpy(), df["year"].to_numpy()
    tr = (g > 0) & (t >= g)
    df = df[pd.Series(~tr).groupby(df["unit"].to_numpy()).transform("any").to_numpy()]
    g, t = df["cohort"].to_numpy(), df["year"].to_numpy()
    tr = (g > 0) & (t >= g)
    z = np.column_stack(
        [
            pd.get_dummies(df["unit"]).to_numpy(float),
            pd.get_dummies(df["year"], drop_first=True).to_numpy(float),
            df["x"].to_numpy(),
        ]
    )
    y = df["y"].to_numpy()
    b = np.linalg.solve(z[~tr].T @ z[~tr], z[~tr].T @ y[~tr])  # OLS, normal equations
    tau = (y - z @ b)[tr]
    if horizons is None:
        return np.array([tau.mean()])
    e = (t - g)[tr]
    return np.array([tau[e == h].mean() for h in horizons])


def test_recovers_the_true_effects_of_the_simulation() -> None:
    res = ev.did_imputation(SIM, **ROLES, covariates=["x"], horizons=True, cluster="state")
    t = res.tidy()
    assert t["event_time"].tolist() == list(range(8))
    truth = 1 + 0.25 * t["event_time"].to_numpy()
    z = (t["estimate"] - truth) / t["std_error"]
    assert np.all(np.abs(z) < 4), z.tolist()
    static = ev.did_imputation(SIM, **ROLES, covariates=["x"])
    used = SIM[(SIM["cohort"] > 2010) & (SIM["year"] >= SIM["cohort"])]
    assert abs(static.params.iloc[0] - used["effect"].mean()) < 4 * static.std_errors.iloc[0]


def test_units_without_untreated_years_are_left_out_and_named() -> None:
    res = ev.did_imputation(SIM, **ROLES, covariates=["x"])
    always = SIM.loc[SIM["cohort"] == 2010, "unit"].unique()
    assert len(always) == 6
    note = res.summary("en").notes
    assert any("6 treated unit(s) without an untreated observation" in n for n in note)
    treated_units = SIM.loc[SIM["cohort"] > 2010, "unit"].nunique()
    assert res.facts["n_treated_units"] == treated_units
    assert res.facts["n_comparison_units"] == SIM.loc[SIM["cohort"] == 0, "unit"].nunique()
    assert res.facts["n_obs"] == len(SIM) - SIM["cohort"].eq(2010).sum()
    # hand computation without those units
    kept = SIM[SIM["cohort"] != 2010]
    np.testing.assert_allclose(res.params, _dense_effects(kept, None), atol=1e-10)


def test_identified_from_not_yet_treated_units_alone() -> None:
    # no never-treated unit: the last cohort's years before onset are the comparisons, and
    # the years in which every unit is treated cannot be imputed (their year effect is unknown)
    df = SIM[(SIM["cohort"] > 2010)].reset_index(drop=True)
    res = ev.did_imputation(df, **ROLES, covariates=["x"], horizons=[0, 1, 2])
    last = df.loc[df["year"] >= 2017]
    assert any("years without any untreated observation" in n for n in res.summary("en").notes)
    kept = df[df["year"] < 2017]
    np.testing.assert_allclose(res.params, _dense_effects(kept, [0, 1, 2]), atol=1e-10)
    assert res.facts["n_comparison_units"] == 0
    assert len(last) > 0


def test_unbalanced_panel_and_row_order_do_not_matter() -> None:
    rng = np.random.default_rng(5)
    df = SIM.sample(frac=0.8, random_state=3).reset_index(drop=True)  # more gaps, shuffled
    df = df[df["cohort"] != 2010]
    res = ev.did_imputation(df, **ROLES, covariates=["x"], horizons=[0, 3])
    np.testing.assert_allclose(
        res.params, _dense_effects(df.sort_values(["unit", "year"]), [0, 3]), atol=1e-10
    )
    perm = df.iloc[rng.permutation(len(df))]
    again = ev.did_imputation(perm, **ROLES, covariates=["x"], horizons=[0, 3])
    np.testing.assert_allclose(again.params, res.params, atol=1e-12)
    np.testing.assert_allclose(again.std_errors, res.std_errors, rtol=1e-10)


def test_input_is_not_modified_and_vcov_matches_se() -> None:
    before = SIM.copy()
    res = ev.did_imputation(SIM, **ROLES, horizons=True)
    pd.testing.assert_frame_equal(SIM, before)
    np.testing.assert_allclose(np.sqrt(np.diag(res.vcov())), res.std_errors, rtol=1e-12)


def test_panel_convention_roles_from_attrs() -> None:
    df = SIM.rename(columns={"unit": "municipality_id"})
    df.attrs["roles"] = {"outcome": "y"}
    res = ev.did_imputation(df)
    ref = ev.did_imputation(SIM, **ROLES)
    assert res.params.iloc[0] == pytest.approx(ref.params.iloc[0], abs=1e-12)


def test_summary_is_german_by_default_and_english_on_request() -> None:
    res = ev.did_imputation(SIM, **ROLES, covariates=["x"], horizons=[0, 1])
    de, en = res.summary(), res.summary("en")
    assert de.title.startswith("Imputationsschätzer") and en.title.startswith("Imputation")
    assert "Konservative Standardfehler" in de.notes[0]
    assert "Conservative standard errors" in en.notes[0]
    assert any("nicht verwendet" in n for n in de.notes)
    assert "Jahre seit Beginn" in str(de)
    fig = res.plot(lang="en")
    assert fig.axes[0].get_title().startswith("Imputation estimator")
    assert res.plot().axes[0].get_title().startswith("Imputationsschätzer")


def test_pretest_given_at_call_is_in_the_facts() -> None:
    res = ev.did_imputation(SIM, **ROLES, pretrends=[-2, -1])
    pre = res.pretest()
    assert pre is res.pretest()
    assert res.facts["pretrend_p"] == pre.p_value
    assert pre.estimates.tidy()["event_time"].tolist() == [-2, -1]
    assert pre.tested["event_time"].tolist() == [-2, -1]
    assert "Vortest" in pre.summary().title


def _disconnected() -> pd.DataFrame:
    # two groups of units that are untreated in disjoint years: no year effect links them
    rows = []
    for u in range(6):
        years = range(2000, 2004) if u < 3 else range(2004, 2008)
        for t in years:
            cohort = 2003 if u == 0 else (2007 if u == 3 else 0)
            rows.append((u, t, cohort, float(u + t % 3 + (u == 0) * (t >= 2003))))
    return pd.DataFrame(rows, columns=["unit", "year", "cohort", "y"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"horizons": "dynamic"}, OptionError, "horizons must be"),
        ({"horizons": [-1, 0]}, OptionError, "negative values"),
        ({"horizons": [0, 0]}, OptionError, "twice"),
        ({"horizons": [0, 99]}, DataError, r"horizon\(s\) \[99\] have no treated observation"),
        ({"horizons": [0.5]}, OptionError, "integers"),
        ({"pretrends": [-99]}, DataError, r"pretrends \[-99\] are not observed"),
        ({"pretrends": "all"}, OptionError, "pretrends must be None, True"),
        ({"pretrends": False}, OptionError, "pretrends must be None, True"),
        ({"level": 1.5}, OptionError, "level must be"),
        ({"cluster": "nope"}, DataError, "no column"),
        ({"weights": "nope"}, DataError, "no column"),
        ({"covariates": ["group_const"]}, DataError, "do not vary within units"),
        ({"cluster": "varies"}, DataError, "varies within unit"),
        ({"weights": "bad_w"}, DataError, "weights column 'bad_w' must be positive"),
    ],
)
def test_bad_options_and_data_raise_clear_errors(kwargs, error, match) -> None:
    df = SIM.assign(
        group_const=SIM["unit"] % 3,
        varies=np.arange(len(SIM)) % 2,
        bad_w=np.where(np.arange(len(SIM)) == 7, 0.0, 1.0),
    )
    # a malformed option is an OptionError, data that cannot be analysed a DataError
    with pytest.raises(error, match=match):
        ev.did_imputation(df, **ROLES, **kwargs)


def test_bad_panels_raise_data_errors() -> None:
    with pytest.raises(DataError, match="every observation is treated"):
        ev.did_imputation(SIM.assign(cohort=2010), **ROLES)
    with pytest.raises(DataError, match="no treated"):
        ev.did_imputation(SIM.assign(cohort=0), **ROLES)
    with pytest.raises(DataError, match="not connected"):
        ev.did_imputation(_disconnected(), **ROLES)
    with pytest.raises(DataError, match="numeric"):
        ev.did_imputation(SIM.assign(y="a"), **ROLES)


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield
