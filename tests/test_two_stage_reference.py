"""did_two_stage against R did2s 1.2.1 (tests/results/make_did2s_reference.R): estimates to
1e-8 and GMM-corrected standard errors to 1e-6 relative, static and event study (leads and
lags, reference -1), on mpdta, did2s' df_het (clustered by state) and the simulated
unbalanced panel with a covariate (clustered by state; weighted, clustered by unit)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev

RESULTS = Path(__file__).parent / "results"
REF = pd.read_csv(RESULTS / "did2s_reference.csv", dtype={"term": str})

KW = {
    "mpdta": {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"},
    "df_het": {"outcome": "dep_var", "unit": "unit", "time": "year", "cohort": "g"}
    | {"cluster": "state"},
    "sim": {"outcome": "y", "unit": "unit", "time": "year", "cohort": "cohort"}
    | {"covariates": ["x"], "cluster": "state"},
    "sim_weighted": {"outcome": "y", "unit": "unit", "time": "year", "cohort": "cohort"}
    | {"covariates": ["x"], "weights": "w"},
}


def _data(name: str) -> pd.DataFrame:
    if name == "mpdta":
        from conftest import shared_path

        return pd.read_csv(shared_path("mpdta", "mpdta.csv"))
    if name == "df_het":
        return pd.read_csv(RESULTS / "did2s_df_het.csv.gz")
    return pd.read_csv(RESULTS / "didimputation_sim.csv")


@pytest.mark.parametrize("design", ["mpdta", "df_het", "sim", "sim_weighted"])
@pytest.mark.parametrize("spec", ["static", "event"])
def test_two_stage_equals_r_did2s(design: str, spec: str) -> None:
    weighted = design.endswith("_weighted")
    dataset = design.removesuffix("_weighted")
    ref = REF[(REF["dataset"] == dataset) & (REF["spec"] == spec + ("_weighted" * weighted))]
    assert len(ref)
    res = ev.did_two_stage(_data(dataset), **KW[design], horizons=True if spec == "event" else None)
    t = res.tidy()
    if spec == "event":
        assert t["event_time"].tolist() == [int(v) for v in ref["term"]]
    np.testing.assert_allclose(t["estimate"], ref["estimate"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(t["std_error"], ref["std_error"], rtol=1e-6)


def test_r_did2s_recovers_the_simulated_truth_too() -> None:
    ref = REF[(REF["dataset"] == "sim") & (REF["spec"] == "event")]
    k = ref["term"].astype(int)
    truth = np.where(k >= 0, 1 + 0.25 * k, 0.0)
    assert np.all(np.abs(ref["estimate"] - truth) < 4 * ref["std_error"])


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield
