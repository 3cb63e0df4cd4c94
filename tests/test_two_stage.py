"""did_two_stage: known truth, the identity with the imputation point estimates, the
pre-trend test, options and bad data. (Agreement with R did2s: test_two_stage_reference.py.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import evaluation as ev
from evaluation.errors import DataError, OptionError

SIM = pd.read_csv(Path(__file__).parent / "results" / "didimputation_sim.csv")
ROLES = {"outcome": "y", "unit": "unit", "time": "year", "cohort": "cohort"}


def test_recovers_the_true_effects_and_zero_leads() -> None:
    res = ev.did_two_stage(SIM, **ROLES, covariates=["x"], horizons=True, cluster="state")
    t = res.tidy().set_index("event_time")
    assert -1 not in t.index and t.index.min() == -7 and t.index.max() == 7
    truth = np.where(t.index >= 0, 1 + 0.25 * t.index, 0.0)
    z = (t["estimate"] - truth) / t["std_error"]
    assert np.all(np.abs(z) < 4), z.round(2).tolist()


def test_post_coefficients_equal_the_imputation_estimates() -> None:
    # both average the same residualised outcomes over the same treated rows (Gardner 2022;
    # Borusyak et al. 2024, Section 5); only the standard errors differ
    two = ev.did_two_stage(SIM, **ROLES, covariates=["x"], horizons=[0, 1, 2, 3])
    imp = ev.did_imputation(SIM, **ROLES, covariates=["x"], horizons=[0, 1, 2, 3])
    np.testing.assert_allclose(two.params, imp.params, atol=1e-12)
    assert not np.allclose(two.std_errors, imp.std_errors, rtol=1e-3)
    s2 = ev.did_two_stage(SIM, **ROLES, weights="w")
    s1 = ev.did_imputation(SIM, **ROLES, weights="w")
    assert s2.params.iloc[0] == pytest.approx(s1.params.iloc[0], abs=1e-12)


def test_pretest_is_the_chi2_wald_test_of_the_leads() -> None:
    res = ev.did_two_stage(SIM, **ROLES, covariates=["x"], horizons=[-3, -2, 0, 1])
    pre = res.pretest()
    b = res.params.loc[[-3, -2]].to_numpy()
    v = res.vcov().loc[[-3, -2], [-3, -2]].to_numpy()
    stat = b @ np.linalg.inv(v) @ b
    assert pre.statistic == pytest.approx(stat, rel=1e-10)
    assert pre.p_value == pytest.approx(stats.chi2.sf(stat, 2), rel=1e-10)
    assert pre.tested["event_time"].tolist() == [-3, -2]
    assert pre.dof == (2,) and pre.tidy()["statistic"].iloc[0] == pre.statistic
    with pytest.raises(DataError, match="static"):
        ev.did_two_stage(SIM, **ROLES).pretest()
    with pytest.raises(DataError, match="no pre-onset"):
        ev.did_two_stage(SIM, **ROLES, horizons=[0, 1]).pretest()


def test_summary_is_bilingual_and_counts_are_facts() -> None:
    res = ev.did_two_stage(SIM, **ROLES, horizons=True, cluster="state")
    assert res.summary().title.startswith("Zweistufige")
    assert res.summary("en").title.startswith("Two-stage")
    assert "Referenzjahr" in " ".join(res.summary().notes)
    assert res.facts["n_clusters"] == SIM["state"].nunique()
    np.testing.assert_allclose(np.sqrt(np.diag(res.vcov())), res.std_errors, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"horizons": "all"}, OptionError, "horizons must be"),
        ({"horizons": [0, 42]}, DataError, r"horizon\(s\) \[42\] are not observed"),
        ({"reference": "-1"}, OptionError, "reference must be"),
        ({"level": 0}, OptionError, "level must be"),
        ({"covariates": ["const"]}, DataError, "do not vary within units"),
    ],
)
def test_bad_options_raise_clear_errors(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        ev.did_two_stage(SIM.assign(const=SIM["unit"] * 1.0), **ROLES, **kwargs)


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield
