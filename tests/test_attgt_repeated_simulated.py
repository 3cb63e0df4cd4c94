"""att_gt(panel=False) on a simulated repeated cross-section with known truth, against R did
2.5.1 (tests/results/make_r_did_rc_simulated.R wrote the data and the reference numbers)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev

RESULTS = Path(__file__).parent / "results"


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_repeated_cross_sections_equal_r_and_cover_the_truth(method):
    data = pd.read_csv(RESULTS / "did_rc_simulated.csv")
    ref = pd.read_csv(RESULTS / "r_did_rc_simulated.csv").query("method == @method")
    res = ev.att_gt(
        data,
        "y",
        unit="id",
        time="year",
        cohort="cohort",
        covariates=["x"],
        method=method,
        panel=False,
    )
    got = res.tidy().set_index(["cohort", "time"])
    ref = ref.set_index(["group", "t"])
    got = got.loc[ref.index]
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(got["std_error"], ref["std_error"], rtol=1e-6)
    # known truth: 1 + (t - g) after onset, 0 before
    g = got.index.get_level_values(0).to_numpy()
    t = got.index.get_level_values(1).to_numpy()
    truth = np.where(t >= g, 1.0 + (t - g), 0.0)
    z = np.abs(got["estimate"].to_numpy() - truth) / got["std_error"].to_numpy()
    assert z.max() < 4
