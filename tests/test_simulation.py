"""The Monte Carlo runner: performance measures against hand computations from the draws and
against known truth (the sample mean of normal data), common random numbers across grid points,
failures counted, options checked."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import evaluation as ev
from evaluation.errors import DataError, OptionError

pytestmark = pytest.mark.usefixtures("frozen_results")


def normal_sample(rng, n, mu):
    return rng.normal(mu, 2.0, n)


def t_interval(x):
    m, se = x.mean(), x.std(ddof=1) / np.sqrt(len(x))
    c = stats.t.ppf(0.975, len(x) - 1)
    return {
        "estimate": m,
        "std_error": se,
        "ci_low": m - c * se,
        "ci_high": m + c * se,
        "p_value": 2 * stats.t.sf(abs(m / se), len(x) - 1),
    }


def median_fit(x):
    return {"estimate": np.median(x)}


@pytest.fixture(scope="module")
def study():
    grid = {"n": [8, 32], "mu": [0.0, 0.5]}
    return ev.simulate(
        grid,
        normal_sample,
        {"mean": t_interval, "median": median_fit},
        n_sims=400,
        seed=123,
        truth="mu",
    )


def test_measures_equal_the_morris_formulas_computed_by_hand(study):
    """Every measure and Monte Carlo SE recomputed from the draws with the formulas of Morris,
    White & Crowther (2019, Table 6)."""
    d = study.draws
    one = d[(d["estimator"] == "mean") & (d["n"] == 8) & (d["mu"] == 0.5)]
    x = one["estimate"].to_numpy()
    n = len(x)
    assert n == 400
    sd = x.std(ddof=1)
    assert study.value("bias", "mean", n=8, mu=0.5) == pytest.approx(x.mean() - 0.5, abs=1e-14)
    assert study.mc_se("bias", "mean", n=8, mu=0.5) == pytest.approx(sd / np.sqrt(n))
    assert study.value("emp_se", "mean", n=8, mu=0.5) == pytest.approx(sd)
    assert study.mc_se("emp_se", "mean", n=8, mu=0.5) == pytest.approx(sd / np.sqrt(2 * (n - 1)))
    mse = np.mean((x - 0.5) ** 2)
    se_mse = np.sqrt(np.sum(((x - 0.5) ** 2 - mse) ** 2) / (n * (n - 1)))
    assert study.value("rmse", "mean", n=8, mu=0.5) == pytest.approx(np.sqrt(mse))
    assert study.mc_se("rmse", "mean", n=8, mu=0.5) == pytest.approx(se_mse / (2 * np.sqrt(mse)))
    se = one["std_error"].to_numpy()
    assert study.value("mean_se", "mean", n=8, mu=0.5) == pytest.approx(se.mean())
    cov = np.mean((one["ci_low"] <= 0.5) & (0.5 <= one["ci_high"]))
    assert study.value("coverage", "mean", n=8, mu=0.5) == pytest.approx(cov)
    assert study.mc_se("coverage", "mean", n=8, mu=0.5) == pytest.approx(
        np.sqrt(cov * (1 - cov) / n)
    )
    rej = np.mean(one["p_value"] < 0.05)
    assert study.value("rejection", "mean", n=8, mu=0.5) == pytest.approx(rej)


def test_measures_match_the_known_truth_of_the_sample_mean(study):
    """Sample mean of n normal values with SD 2: unbiased, SD 2 / sqrt(n), t interval covers
    95 %, size 5 % at mu = 0; every check within 4 Monte Carlo SEs."""
    for n in (8, 32):
        for mu in (0.0, 0.5):
            point = {"estimator": "mean", "n": n, "mu": mu}
            assert abs(study.value("bias", **point)) <= 4 * study.mc_se("bias", **point)
            emp = study.value("emp_se", **point)
            assert abs(emp - 2 / np.sqrt(n)) <= 4 * study.mc_se("emp_se", **point)
            cover = study.value("coverage", **point)
            assert abs(cover - 0.95) <= 4 * np.sqrt(0.95 * 0.05 / 400)
        assert abs(study.value("rejection", "mean", n=n, mu=0.0) - 0.05) <= 4 * np.sqrt(
            0.05 * 0.95 / 400
        )
    # the median of normal data: SD about sqrt(pi / 2) times that of the mean for large n
    ratio = study.value("emp_se", "median", n=32, mu=0.0) / study.value(
        "emp_se", "mean", n=32, mu=0.0
    )
    assert 1.1 < ratio < 1.4


def test_grid_points_share_random_numbers(study):
    """Common random numbers: in every replication the data for mu = 0.5 are those for mu = 0
    shifted by 0.5, so the estimates differ by exactly 0.5."""
    d = study.draws[study.draws["estimator"] == "mean"]
    a = d[(d["n"] == 8) & (d["mu"] == 0.0)].set_index("replication")["estimate"]
    b = d[(d["n"] == 8) & (d["mu"] == 0.5)].set_index("replication")["estimate"]
    np.testing.assert_allclose(b - a, 0.5, atol=1e-12)


def test_tidy_wide_and_summary(study):
    t = study.tidy()
    assert {"n", "mu", "estimator", "measure", "value", "mc_se", "n_sims", "n_failed"} <= set(
        t.columns
    )
    assert set(t.loc[t["estimator"] == "median", "measure"]) == {
        "mean_estimate",
        "bias",
        "rmse",
        "emp_se",
    }
    w = study.wide()
    assert len(w) == 8 and "coverage_mc_se" in w.columns
    de = study.summary("de").as_text()
    assert "Überdeckung" in de and "Simulationsstudie" in de
    assert "Coverage" in study.summary("en").as_text()


def _flaky(x):
    if x[0] > 1.0:
        raise DataError("first value too large")
    return {"estimate": x.mean(), "std_error": 1.0}


def test_failed_fits_are_counted_and_named_in_the_summary():
    res = ev.simulate({"n": [5]}, lambda rng, n: rng.normal(size=n), {"f": _flaky}, n_sims=200,
                      seed=4, truth=None)  # fmt: skip
    row = res.tidy().iloc[0]
    failed = int(row["n_failed"])
    assert 0 < failed < 200 and row["n_sims"] == 200 - failed
    assert (res.draws["failed"] == 1).sum() == failed
    assert f"{failed} Schätzungen scheiterten" in res.summary("de").as_text()


def test_extra_keys_are_averaged_with_their_mc_se():
    def fit(x):
        return {"estimate": x.mean(), "positive": float(x.mean() > 0)}

    res = ev.simulate(None, lambda rng: rng.normal(size=4), {"m": fit}, n_sims=300, seed=8,
                      truth=None)  # fmt: skip
    p = res.value("mean_positive")
    assert abs(p - 0.5) <= 4 * res.mc_se("mean_positive")


def test_simulation_options_are_checked():
    with pytest.raises(DataError, match="truth='effect' is not a grid key"):
        ev.simulate({"n": [3]}, normal_sample, {"m": t_interval}, n_sims=5, seed=1)
    with pytest.raises(DataError, match="grid must be"):
        ev.simulate(42, normal_sample, {"m": t_interval}, n_sims=5, seed=1)
    with pytest.raises(DataError, match="non-empty mapping"):
        ev.simulate({"n": [3]}, normal_sample, {}, n_sims=5, seed=1, truth=None)
    with pytest.raises(OptionError, match="explicit seed"):
        ev.simulate({"n": [3], "mu": [0]}, normal_sample, {"m": t_interval}, n_sims=5, seed=None,
                    truth="mu")  # fmt: skip
    with pytest.raises(DataError, match="not a number"):
        ev.simulate({"n": [3], "mu": [0]}, normal_sample, {"m": lambda x: {"estimate": "a"}},
                    n_sims=2, seed=1, truth="mu")  # fmt: skip
