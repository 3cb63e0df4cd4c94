"""The fixed-effects engine (within transformation) against linearmodels' PanelOLS.

linearmodels estimates the same regressions with its own demeaning and covariance code; the
engine's convention (module docstring of ``evaluation.stats.fixed_effects``) is linearmodels'
clustered covariance without its debiasing, times G/(G-1) per clustering term, and its
unadjusted covariance with the absorbed effects counted. The panels are unbalanced and
weighted, so the alternating projections iterate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import DataError
from evaluation.stats.fixed_effects import fe_regression

linearmodels = pytest.importorskip("linearmodels")


def _panel(seed: int, n_units: int = 60, n_years: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_years)
    year = np.tile(np.arange(2010, 2010 + n_years), n_units)
    keep = rng.random(len(unit)) > 0.2  # unbalanced
    df = pd.DataFrame({"unit": unit, "year": year})[keep].reset_index(drop=True)
    n = len(df)
    df["state"] = (df["unit"] % 7).astype(str)
    df["x1"] = rng.normal(size=n) + 0.3 * df["unit"] / n_units
    df["x2"] = rng.normal(size=n) + 0.1 * (df["year"] - 2010)
    df["w"] = rng.uniform(0.5, 2.0, size=n)
    alpha = rng.normal(size=n_units)[df["unit"]]
    lam = rng.normal(size=n_years)[df["year"] - 2010]
    df["y"] = 0.7 * df["x1"] - 0.4 * df["x2"] + alpha + lam + rng.normal(size=n)
    return df


def _linearmodels(df: pd.DataFrame, cluster: str, weights: bool):
    from linearmodels.panel import PanelOLS

    d = df.set_index(["unit", "year"])
    model = PanelOLS(
        d["y"],
        d[["x1", "x2"]],
        entity_effects=True,
        time_effects=True,
        weights=d["w"] if weights else None,
    )
    if cluster == "none":
        res = model.fit(cov_type="unadjusted", debiased=True)
        return res, res.cov.to_numpy()
    kw = {"group_debias": False, "debiased": False, "auto_df": False, "count_effects": False}
    if cluster == "unit":
        groups = [(pd.DataFrame({"c": pd.factorize(df["unit"])[0]}), 1.0)]
    elif cluster == "state":
        groups = [(pd.DataFrame({"c": pd.factorize(df["state"])[0]}), 1.0)]
    else:
        both = df["unit"].astype(str) + "_" + df["year"].astype(str)
        groups = [
            (pd.DataFrame({"c": pd.factorize(df["unit"])[0]}), 1.0),
            (pd.DataFrame({"c": pd.factorize(df["year"])[0]}), 1.0),
            (pd.DataFrame({"c": pd.factorize(both)[0]}), -1.0),
        ]
    cov = 0.0
    for g, sign in groups:
        res = model.fit(cov_type="clustered", clusters=g.set_axis(d.index), **kw)
        n_g = g["c"].nunique()
        cov = cov + sign * res.cov.to_numpy() * n_g / (n_g - 1)
    return res, cov


@pytest.mark.parametrize("cluster", ["unit", "state", "twoway", "none"])
@pytest.mark.parametrize("weights", [False, True])
def test_engine_matches_linearmodels(cluster: str, weights: bool) -> None:
    df = _panel(3)
    fit = fe_regression(
        df, "y", ["x1", "x2"], "unit", "year", cluster=cluster, weights="w" if weights else None
    )
    ref, cov = _linearmodels(df, cluster, weights)
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(fit.cov.to_numpy(), cov, rtol=1e-8)
    assert fit.nobs == ref.nobs
    assert fit.rsquared_within == pytest.approx(float(ref.rsquared_within), rel=1e-9)
    if cluster == "none":
        assert fit.dof == ref.df_resid


def test_unit_effects_only_match_linearmodels() -> None:
    from linearmodels.panel import PanelOLS

    df = _panel(5)
    fit = fe_regression(df, "y", ["x1", "x2"], "unit", "year", time_effects=False)
    d = df.set_index(["unit", "year"])
    ref = PanelOLS(d["y"], d[["x1", "x2"]], entity_effects=True).fit(
        cov_type="clustered", cluster_entity=True, group_debias=False, debiased=False,
        auto_df=False, count_effects=False,
    )  # fmt: skip
    g = df["unit"].nunique()
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(fit.cov.to_numpy(), ref.cov.to_numpy() * g / (g - 1), rtol=1e-9)


def test_absorbed_and_collinear_regressors_are_named() -> None:
    df = _panel(7)
    df["x_unit"] = df["unit"] * 0.5  # constant within units: absorbed
    with pytest.raises(DataError, match=r"\['x_unit'\].*absorbed"):
        fe_regression(df, "y", ["x1", "x_unit"], "unit", "year")
    df["x3"] = 2 * df["x1"] - df["x2"] + df["year"]  # collinear with x1, x2 and year effects
    with pytest.raises(DataError, match="collinear"):
        fe_regression(df, "y", ["x1", "x2", "x3"], "unit", "year")


def test_missing_regressor_names_column_and_row() -> None:
    df = _panel(8)
    df.loc[5, "x2"] = np.nan
    unit, year = df.loc[5, "unit"], df.loc[5, "year"]
    with pytest.raises(DataError, match=rf"'x2'.*unit '{unit}', year {year}"):
        fe_regression(df, "y", ["x1", "x2"], "unit", "year")


@pytest.mark.parametrize("weights", [False, True])
def test_sparse_dummies_match_linearmodels(weights: bool) -> None:
    """Many mostly-zero regressors (event-time dummies) take the sparse X'MX path."""
    from linearmodels.panel import PanelOLS

    df = _panel(11, n_units=80, n_years=10)
    rng = np.random.default_rng(11)
    onset = rng.choice([0, 2013, 2014, 2015, 2016], size=80)[df["unit"]]
    rel = np.where(onset > 0, df["year"] - onset, -99)
    cols = []
    for e in range(-3, 6):
        if e != -1:
            df[f"e{e}"] = (rel == e).astype(float)
            cols.append(f"e{e}")
    df["y"] = df["y"] + 0.5 * (rel >= 0)
    fit = fe_regression(df, "y", cols, "unit", "year", weights="w" if weights else None)
    d = df.set_index(["unit", "year"])
    ref = PanelOLS(
        d["y"], d[cols], entity_effects=True, time_effects=True,
        weights=d["w"] if weights else None,
    ).fit(
        cov_type="clustered", cluster_entity=True, group_debias=False, debiased=False,
        auto_df=False, count_effects=False,
    )  # fmt: skip
    g = df["unit"].nunique()
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(fit.cov.to_numpy(), ref.cov.to_numpy() * g / (g - 1), rtol=1e-8)
