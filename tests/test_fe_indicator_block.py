"""fe_regression with an indicator block given by codes (the sparse path projected through
its effects) against least squares with every fixed effect as a dummy column (numpy lstsq)
and the cluster sandwich written out."""

import numpy as np
import pandas as pd
import pytest

from evaluation.stats.fixed_effects import fe_regression


def _panel(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(i, t) for i in range(60) for t in range(8) if rng.random() > 0.15]  # unbalanced
    df = pd.DataFrame(rows, columns=["unit", "year"])
    df["cell"] = np.where(
        (df["unit"] % 3 == 0) & (df["year"] >= 2), (df["year"] + df["unit"]) % 9, -1
    )
    df["x1"] = rng.normal(size=len(df))
    df["y"] = (
        rng.normal(size=60)[df["unit"]]
        + 0.3 * df["year"]
        + np.where(df["cell"] >= 0, 0.2 * df["cell"], 0.0)
        + 0.5 * df["x1"]
        + rng.normal(size=len(df))
    )
    df["w"] = rng.uniform(0.5, 2.0, size=len(df))
    df["state"] = df["unit"] // 6
    return df


def _by_dummies(df: pd.DataFrame, k: int, weights: bool, cluster: str | None):
    cells = np.zeros((len(df), k))
    on = df["cell"].to_numpy() >= 0
    cells[np.flatnonzero(on), df["cell"].to_numpy()[on]] = 1.0
    x = np.column_stack([cells, df["x1"].to_numpy()])
    fe = np.column_stack(
        [
            pd.get_dummies(df["unit"]).to_numpy(float),
            pd.get_dummies(df["year"]).to_numpy(float)[:, 1:],
        ]
    )
    full = np.column_stack([x, fe])
    w = df["w"].to_numpy() if weights else np.ones(len(df))
    sw = np.sqrt(w)
    coef = np.linalg.lstsq(full * sw[:, None], df["y"].to_numpy() * sw, rcond=None)[0]
    e = df["y"].to_numpy() - full @ coef
    # the regressors net of the fixed effects (weighted), for the sandwich
    proj = np.linalg.lstsq(fe * sw[:, None], x * sw[:, None], rcond=None)[0]
    xt = x - fe @ proj
    bread = np.linalg.inv(xt.T @ (xt * w[:, None]))
    if cluster is None:
        dof = len(df) - x.shape[1] - fe.shape[1]
        return coef[: x.shape[1]], bread * float(e @ (w * e)) / dof
    g = df[cluster].to_numpy()
    groups = np.unique(g)
    s = np.array([(xt[g == c] * (w * e)[g == c][:, None]).sum(axis=0) for c in groups])
    n_g = len(groups)
    return coef[: x.shape[1]], bread @ (s.T @ s) @ bread * n_g / (n_g - 1)


@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("cluster", ["unit", "state", "none"])
def test_indicator_block_equals_dummy_regression(weights: bool, cluster: str) -> None:
    df = _panel()
    before = df.copy()
    names = [f"c{j}" for j in range(9)]
    fit = fe_regression(
        df, "y", ["x1"], "unit", "year", cluster=cluster,  # type: ignore[arg-type]
        weights="w" if weights else None,
        indicators=(df["cell"].to_numpy(), names),
    )  # fmt: skip
    beta, cov = _by_dummies(df, 9, weights, None if cluster == "none" else cluster)
    assert list(fit.params.index) == [*names, "x1"]
    np.testing.assert_allclose(fit.params.to_numpy(), beta, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.cov.to_numpy(), cov, rtol=1e-9, atol=1e-13)
    pd.testing.assert_frame_equal(df, before)
