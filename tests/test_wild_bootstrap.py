"""Restricted wild cluster bootstrap (WCR) against R fwildclusterboot and known truth.

Reference numbers: ``tests/results/wild_reference.csv`` from ``make_wild_reference.R``
(fwildclusterboot 0.13.0 ``boottest`` on ``lm``) on the panels made by ``make_wild_examples.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import evaluation as ev
from evaluation.errors import DataError
from evaluation.stats import LinearDesign, wild_bootstrap, wild_bootstrap_ols
from evaluation.stats.wild_bootstrap import BootstrapOptionError

pytestmark = pytest.mark.usefixtures("frozen_results")

RESULTS = Path(__file__).parent / "results"
REF = pd.read_csv(RESULTS / "wild_reference.csv", skipinitialspace=True)
PTYPE = {"two-tailed": "symmetric", "equal-tailed": "equal_tailed"}


def _data(case: str) -> pd.DataFrame:
    return pd.read_csv(RESULTS / f"wild_{case}.csv")


def _run(row, n_draws: int, seed: int = 1):
    return (
        wild_bootstrap_ols(
            _data(row["case"]),
            "y",
            ["treat", "z"],
            fe=["unit", "year"],
            cluster="state",
            term=row["param"],
            null=float(row["r"]),
            n_draws=n_draws,
            bootstrap_weights=row["weights"],
            p_type=PTYPE[row["p_val_type"]],
            seed=seed,
        )
        .tidy()
        .iloc[0]
    )


@pytest.mark.parametrize("i", list(REF.index[REF["case"] == "g6"]))
def test_full_enumeration_matches_fwildclusterboot_exactly(i):
    row = REF.loc[i]
    out = _run(row, n_draws=9999)
    assert out["full_enumeration"] and out["n_draws"] == 64 == row["n_draws"]
    np.testing.assert_allclose(out["estimate"], row["estimate"], rtol=1e-10)
    # enumeration is deterministic: the p-value is the same multiple of 1/64
    assert out["p_value"] == pytest.approx(row["p_value"], abs=1e-12)
    # the interval's ends are jumps of a step function; R's root finder stops within ~3e-5
    np.testing.assert_allclose(
        [out["ci_low"], out["ci_high"]], [row["ci_low"], row["ci_high"]], atol=1e-4
    )


@pytest.mark.parametrize("i", list(REF.index[REF["case"] == "g20"]))
def test_random_draws_match_fwildclusterboot_within_monte_carlo_error(i):
    row = REF.loc[i]
    out = _run(row, n_draws=9999, seed=int(i))
    assert not out["full_enumeration"]
    p = row["p_value"]
    mc_se = np.sqrt(p * (1 - p) / 9999) + np.sqrt(p * (1 - p) / row["n_draws"])
    assert abs(out["p_value"] - p) < 4 * mc_se
    se = out["std_error"]
    assert abs(out["ci_low"] - row["ci_low"]) < 0.1 * se
    assert abs(out["ci_high"] - row["ci_high"]) < 0.1 * se


def test_t_statistic_is_fwildclusterboot_up_to_the_small_sample_factor():
    # fwildclusterboot (on lm) counts the unit dummies in k; we do not (they are absorbed).
    # The factor cancels in the bootstrap p-value; the t-statistics differ by it exactly.
    row = REF.iloc[0]
    d = _data("g6")
    out = _run(row, n_draws=9999)
    n, g = len(d), d["state"].nunique()
    k_ours = 2 + d["year"].nunique() - 1
    k_r = k_ours + d["unit"].nunique()
    ratio = np.sqrt((n - k_r) / (n - k_ours))
    np.testing.assert_allclose(out["statistic"] * ratio, row["t_stat"], rtol=1e-8)
    assert g == 6


def test_estimate_and_cluster_se_equal_statsmodels_without_fixed_effects():
    d = _data("g20")
    res = wild_bootstrap_ols(d, "y", ["treat", "z"], cluster="state", n_draws=199, conf_int=False)
    x = sm.add_constant(d[["treat", "z"]])
    sm_fit = sm.OLS(d["y"], x).fit(cov_type="cluster", cov_kwds={"groups": d["state"]})
    out = res.tidy().iloc[0]
    np.testing.assert_allclose(out["estimate"], sm_fit.params["treat"], rtol=1e-10)
    np.testing.assert_allclose(out["std_error"], sm_fit.bse["treat"], rtol=1e-10)


def test_absorbed_and_dummy_fixed_effects_give_the_dummy_regression():
    d = _data("g6")
    absorbed = wild_bootstrap_ols(
        d, "y", ["treat", "z"], fe=["unit", "year"], cluster="state", n_draws=999, seed=3
    ).tidy()
    dummies = pd.get_dummies(d[["unit", "year"]].astype(str), drop_first=True, dtype=float)
    wide = pd.concat([d[["y", "treat", "z", "state"]], dummies], axis=1)
    explicit = wild_bootstrap_ols(
        wide, "y", ["treat", "z", *dummies.columns], cluster="state", n_draws=999, seed=3
    ).tidy()
    # (the standard errors differ by the small-sample factor: k counts the dummies there)
    for c in ["estimate", "p_value"]:
        np.testing.assert_allclose(absorbed[c], explicit[c], rtol=1e-8, atol=1e-10)
    # the interval's ends come from bisection to 1e-6 standard errors
    for c in ["ci_low", "ci_high"]:
        np.testing.assert_allclose(absorbed[c], explicit[c], atol=1e-5)


def test_enumeration_hand_check_two_clusters_each_sign_vector():
    # G = 3 clusters, 8 sign vectors: recompute t* for every vector by explicit re-estimation
    rng = np.random.default_rng(0)
    n = 30
    cl = np.repeat([0, 1, 2], 10)
    x = rng.normal(size=n)
    y = 0.2 * x + rng.normal(size=n) + cl * 0.3
    design = LinearDesign(y=y, x=x[:, None], names=["x"], cluster=cl)
    res = ev.stats.wild_bootstrap_design(design, n_draws=99, conf_int=False)
    xx = np.column_stack([np.ones(n), x])
    # restricted model (b_x = 0): intercept only
    u = y - y.mean()
    t_star = []
    for code in range(8):
        v = np.array([1.0 if (code >> g) & 1 else -1.0 for g in range(3)])[cl]
        ystar = y.mean() + u * v
        b = np.linalg.lstsq(xx, ystar, rcond=None)[0]
        e = ystar - xx @ b
        inv = np.linalg.inv(xx.T @ xx)
        meat = sum(
            np.outer(xx[cl == g].T @ e[cl == g], xx[cl == g].T @ e[cl == g]) for g in range(3)
        )
        vcov = 3 / 2 * (n - 1) / (n - 2) * inv @ meat @ inv
        t_star.append(b[1] / np.sqrt(vcov[1, 1]))
    np.testing.assert_allclose(np.sort(res.t_boot), np.sort(t_star), rtol=1e-9)
    t = res.tidy()["statistic"].iloc[0]
    assert res.tidy()["p_value"].iloc[0] == pytest.approx(
        np.mean(np.abs(t_star) > abs(t) * (1 + 1e-9))
    )


def test_seeded_draws_are_reproducible_and_differ_by_seed():
    d = _data("g20")
    kw = dict(fe=["unit", "year"], cluster="state", n_draws=999, conf_int=False)
    a = wild_bootstrap_ols(d, "y", ["treat", "z"], seed=7, **kw)
    b = wild_bootstrap_ols(d, "y", ["treat", "z"], seed=7, **kw)
    c = wild_bootstrap_ols(d, "y", ["treat", "z"], seed=8, **kw)
    np.testing.assert_array_equal(a.t_boot, b.t_boot)
    assert not np.array_equal(a.t_boot, c.t_boot)


class _StandIn:
    """A minimal result offering the design protocol."""

    def __init__(self, d: pd.DataFrame) -> None:
        self.d = d

    def design(self) -> LinearDesign:
        d = self.d
        return LinearDesign(
            y=d["y"].to_numpy(),
            x=d[["treat", "z"]].to_numpy(),
            names=["treat", "z"],
            cluster=d["unit"].to_numpy(),
            fe={"unit": d["unit"].to_numpy(), "year": d["year"].to_numpy()},
        )


def test_public_wild_bootstrap_uses_the_design_protocol_and_cluster_override():
    d = _data("g6")
    by_state = ev.wild_bootstrap(_StandIn(d), "treat", cluster=d["state"].to_numpy(), seed=1)
    ref = REF.iloc[0]
    assert by_state.tidy()["p_value"].iloc[0] == pytest.approx(ref["p_value"], abs=1e-12)
    by_unit = ev.wild_bootstrap(_StandIn(d), "treat", n_draws=999, seed=1, conf_int=False)
    assert by_unit.tidy()["n_clusters"].iloc[0] == 24


def test_result_without_design_is_a_clear_error():
    with pytest.raises(DataError, match="design"):
        wild_bootstrap(object())


@pytest.mark.parametrize(
    "kw, err",
    [
        ({"bootstrap_weights": "mammen"}, BootstrapOptionError),
        ({"p_type": "two"}, BootstrapOptionError),
        ({"n_draws": 10}, BootstrapOptionError),
        ({"term": "nope"}, DataError),
    ],
)
def test_bad_options_raise(kw, err):
    d = _data("g6")
    with pytest.raises(err):
        wild_bootstrap_ols(d, "y", ["treat", "z"], cluster="state", **kw)


def test_missing_values_name_the_row_and_column():
    d = _data("g6")
    d.loc[5, "z"] = np.nan
    with pytest.raises(DataError, match="row 5.*'z'"):
        wild_bootstrap_ols(d, "y", ["treat", "z"], cluster="state")


def test_summary_in_german_and_english_and_plot():
    d = _data("g6")
    res = wild_bootstrap_ols(d, "y", ["treat", "z"], fe=["unit", "year"], cluster="state")
    de, en = res.summary("de").as_text(), res.summary("en").as_text()
    assert "Wilder Cluster-Bootstrap" in de and "alle Vorzeichenvektoren" in de
    assert "Wild cluster bootstrap" in en and "all sign vectors" in en
    assert "0,4688" in de and "0.4688" in en
    fig = res.plot(lang="en")
    assert fig.axes


@pytest.mark.slow
def test_monte_carlo_six_clusters_wcr_size_close_to_nominal():
    """6 clusters, true null: WCR (Webb weights) rejects at 5 % in 3-7 % of replications
    while the cluster-robust t-test (normal critical values) over-rejects."""
    rng = np.random.default_rng(2024)
    reps, g, per = 400, 6, 30
    rej_wcr = rej_crv = 0
    cl = np.repeat(np.arange(g), per)
    for r in range(reps):
        x = rng.normal(size=g)[cl] + rng.normal(size=g * per)
        y = rng.normal(size=g)[cl] + rng.normal(size=g * per)
        design = LinearDesign(y=y, x=x[:, None], names=["x"], cluster=cl)
        out = ev.stats.wild_bootstrap_design(
            design, n_draws=399, weights="webb", conf_int=False, seed=r
        ).tidy()
        rej_wcr += out["p_value"].iloc[0] < 0.05
        rej_crv += abs(out["statistic"].iloc[0]) > 1.959963984540054
    print(f"WCR rejection rate {rej_wcr / reps:.3f}, cluster-robust t {rej_crv / reps:.3f}")
    assert 0.03 <= rej_wcr / reps <= 0.07
    assert rej_crv / reps > 0.08


def test_frequency_weights_equal_duplicated_rows():
    d = _data("g6")
    w = np.random.default_rng(4).integers(1, 4, len(d))
    weighted = wild_bootstrap_ols(
        d.assign(w=w.astype(float)),
        "y",
        ["treat", "z"],
        fe=["unit", "year"],
        cluster="state",
        weights="w",
        conf_int=False,
    ).tidy()
    dup = d.loc[d.index.repeat(w)].reset_index(drop=True)
    duplicated = wild_bootstrap_ols(
        dup, "y", ["treat", "z"], fe=["unit", "year"], cluster="state", conf_int=False
    ).tidy()
    np.testing.assert_allclose(weighted["estimate"], duplicated["estimate"], rtol=1e-9)
    # the p-value does not depend on the small-sample factor (which counts rows)
    assert weighted["p_value"].iloc[0] == duplicated["p_value"].iloc[0]
