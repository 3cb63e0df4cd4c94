"""Randomisation inference and placebo in time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError, OptionError
from evaluation.inference import _statistic
from evaluation.panel import check_panel, resolve_roles

pytestmark = pytest.mark.usefixtures("frozen_results")

ROLES = dict(outcome="y", unit="id", time="yr", cohort="g")


def panel(effect: float = 0.0, seed: int = 2, n_units: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cohorts = np.zeros(n_units, dtype=int)
    cohorts[:8] = [2012, 2012, 2013, 2013, 2014, 2014, 2015, 2015]
    rows = []
    for i, g in enumerate(cohorts):
        a = rng.normal(0, 1)
        for t in range(2008, 2019):
            post = g > 0 and t >= g
            rows.append((f"u{i:02d}", t, a + 0.2 * t + effect * post + rng.normal(0, 1), g))
    df = pd.DataFrame(rows, columns=["id", "yr", "y", "g"])
    return df.drop(index=[3, 50, 77]).reset_index(drop=True)


@pytest.mark.parametrize("estimator", ["twfe", "event_study", "did_2x2"])
def test_fast_statistic_equals_estimator_on_permuted_data(estimator):
    df = panel(effect=1.0)
    kw = {"pre": (2008, 2011), "post": (2015, 2018)} if estimator == "did_2x2" else {}
    if estimator == "event_study":
        kw = {"leads": 3, "lags": 2}
    roles = resolve_roles(df, **ROLES)
    obs = getattr(ev, estimator)(df, **ROLES, **kw)
    clean = check_panel(df, roles)
    codes, _ = pd.factorize(clean["id"])
    stat = _statistic(estimator, clean, roles, codes, [], obs, kw)
    # the statistic of the observed assignment is the estimate
    got = stat(clean["g"].to_numpy())
    exp = obs.tidy()["estimate"].to_numpy()
    mask = ~obs.tidy().get("reference", pd.Series(False, index=obs.tidy().index)).to_numpy()
    np.testing.assert_allclose(got[mask], exp[mask], atol=1e-8)
    # and of a permuted assignment: the estimator run on the permuted data
    rng = np.random.default_rng(5)
    unit_g = clean.groupby("id")["g"].first()
    perm = pd.Series(rng.permutation(unit_g.to_numpy()), index=unit_g.index)
    if estimator == "did_2x2":
        perm[:] = unit_g.to_numpy()[::-1]
    df2 = clean.assign(g=clean["id"].map(perm).astype(int))
    ref = getattr(ev, estimator)(df2, **ROLES, **kw).tidy()
    got2 = stat(df2["g"].to_numpy())
    if estimator == "event_study":
        ref = ref.set_index("event_time")
        ks = obs.tidy()["event_time"]
        exp2 = np.array([ref["estimate"].get(k, np.nan) for k in ks])
        np.testing.assert_allclose(got2[mask], exp2[mask], atol=1e-8)
    else:
        np.testing.assert_allclose(got2, ref["estimate"].to_numpy(), atol=1e-8)


def test_randomization_p_values():
    strong = ev.randomization_inference(panel(effect=3.0), **ROLES, n_draws=99, seed=1)
    t = strong.tidy()
    assert t["ri_p_value"].iloc[0] == pytest.approx(1 / 100)
    assert strong.draws.shape == (99, 1)
    null = ev.randomization_inference(panel(effect=0.0), **ROLES, n_draws=99, seed=1)
    p = null.tidy()["ri_p_value"].iloc[0]
    # p-value by hand from the stored draws
    b = null.tidy()["estimate"].iloc[0]
    hand = (1 + (np.abs(null.draws.iloc[:, 0]) >= abs(b) - 1e-12).sum()) / 100
    assert p == pytest.approx(hand) and p > 0.05
    again = ev.randomization_inference(panel(effect=0.0), **ROLES, n_draws=99, seed=1)
    assert again.draws.equals(null.draws)
    other = ev.randomization_inference(panel(effect=0.0), **ROLES, n_draws=99, seed=2)
    assert not other.draws.equals(null.draws)
    # the analytic results stay next to the randomisation p-value
    assert t["estimate"].iloc[0] == pytest.approx(
        ev.twfe(panel(effect=3.0), **ROLES).params.iloc[0]
    )
    strong.plot()


def test_comparison_pool_uses_only_never_treated():
    df = panel(effect=5.0)
    res = ev.randomization_inference(df, **ROLES, scheme="comparison_pool", n_draws=50, seed=0)
    # placebo units carry no effect: the draws are centred near zero, far below 5
    assert abs(res.draws.iloc[:, 0].mean()) < 0.5
    assert res.tidy()["ri_p_value"].iloc[0] == pytest.approx(1 / 51)
    es = ev.randomization_inference(
        df, **ROLES, estimator="event_study", n_draws=20, leads=2, lags=2, scheme="comparison_pool"
    )
    t = es.tidy()
    assert np.isnan(t.loc[t["event_time"] == -1, "ri_p_value"]).all()
    es.plot()
    with pytest.raises(DataError, match="comparison pool"):
        ev.randomization_inference(
            df[df["id"].isin([f"u{i:02d}" for i in range(12)])],
            **ROLES,
            scheme="comparison_pool",
            n_draws=5,
        )


def test_placebo_in_time():
    df = panel(effect=4.0)
    res = ev.placebo_in_time(df, **ROLES, shift=2)
    t = res.tidy().iloc[0]
    assert t["ci_low"] <= 0 <= t["ci_high"]
    # rows from the real onset on are gone
    n_post = int(((df["g"] > 0) & (df["yr"] >= df["g"])).sum())
    assert res.facts["n_obs"] == len(df) - n_post
    assert "Placebo" in res.title
    # by hand: the fake onset two years earlier
    d2 = df[~((df["g"] > 0) & (df["yr"] >= df["g"]))].copy()
    d2["g"] = np.where(d2["g"] > 0, d2["g"] - 2, 0)
    assert t["estimate"] == pytest.approx(ev.twfe(d2, **ROLES).params.iloc[0], abs=1e-10)
    es = ev.placebo_in_time(df, **ROLES, shift=3, estimator="event_study", leads=2)
    assert es.tidy()["event_time"].max() == 2
    with pytest.raises(OptionError, match="shift"):
        ev.placebo_in_time(df, **ROLES, shift=0)
