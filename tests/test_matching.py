"""Matching comparison units: hand-checkable cases and the synthetic study."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.datasets import synthetic_study
from evaluation.errors import OptionError

pytestmark = pytest.mark.usefixtures("frozen_results")

ROLES = dict(outcome="y", unit="id", time="yr", cohort="g")


def toy() -> pd.DataFrame:
    """Two treated units (cohort 2012) and six candidates with a covariate x; y is flat
    (no pre-trend information), so the nearest neighbour is the nearest x."""
    xs = {"t1": 1.0, "t2": 5.0, "c1": 0.9, "c2": 1.3, "c3": 4.2, "c4": 5.05, "c5": 9.0, "c6": 10.0}
    lv = {"t1": "a", "t2": "b", "c1": "b", "c2": "a", "c3": "b", "c4": "a", "c5": "a", "c6": "b"}
    rows = []
    for u, x in xs.items():
        g = 2012 if u.startswith("t") else 0
        for t in range(2008, 2015):
            rows.append((u, t, x + 0.1 * (t - 2008) + (u == "c5") * 0.01 * t, g, x, lv[u]))
    return pd.DataFrame(rows, columns=["id", "yr", "y", "g", "x", "level"])


def test_mahalanobis_nearest_neighbour_by_hand():
    m = ev.match_comparison(
        toy(), **ROLES, covariates=["x"], pre_trends=False, method="mahalanobis", exact=[]
    )
    pairs = dict(zip(m.pairs["treated_unit"], m.pairs["control_unit"], strict=True))
    assert pairs == {"t1": "c1", "t2": "c4"}
    # one covariate: Mahalanobis distance is |dx| / sd(x) over the stacked sample
    sd = np.std(
        list(
            {
                "t1": 1.0,
                "t2": 5.0,
                "c1": 0.9,
                "c2": 1.3,
                "c3": 4.2,
                "c4": 5.05,
                "c5": 9.0,
                "c6": 10.0,
            }.values()
        ),
        ddof=1,
    )
    d = m.pairs.set_index("treated_unit")["distance"]
    assert d["t1"] == pytest.approx(0.1 / sd) and d["t2"] == pytest.approx(0.05 / sd)


def test_exact_ratio_replacement_caliper():
    df = toy()
    m = ev.match_comparison(
        df, **ROLES, covariates=["x"], pre_trends=False, method="mahalanobis", exact=["level"]
    )
    pairs = dict(zip(m.pairs["treated_unit"], m.pairs["control_unit"], strict=True))
    assert pairs == {"t1": "c2", "t2": "c3"}  # nearest within the same level
    m2 = ev.match_comparison(
        df, **ROLES, covariates=["x"], pre_trends=False, method="mahalanobis", exact=[], ratio=2
    )
    assert m2.pairs.groupby("treated_unit").size().tolist() == [2, 2]
    assert m2.pairs["control_unit"].is_unique
    assert sorted(m2.pairs.loc[m2.pairs["treated_unit"] == "t1", "control_unit"]) == ["c1", "c2"]
    w = m2.weights.set_index("unit")["weight"]
    assert (w == 1).all()
    # with replacement both treated units may take the same control
    df2 = df[~df["id"].isin(["c1", "c2", "c3"])]
    m3 = ev.match_comparison(
        df2,
        **ROLES,
        covariates=["x"],
        pre_trends=False,
        method="mahalanobis",
        exact=[],
        replace=True,
    )
    assert m3.pairs["control_unit"].tolist() == ["c4", "c4"]
    assert m3.panel.loc[m3.panel["id"] == "c4", "match_weight"].eq(1.0).all()
    # a caliper leaves t1 without a partner when the only candidates are far
    m4 = ev.match_comparison(
        df2,
        **ROLES,
        covariates=["x"],
        pre_trends=False,
        method="mahalanobis",
        exact=[],
        caliper=0.1,
    )
    assert m4.unmatched == ["t1"] and m4.pairs["treated_unit"].tolist() == ["t2"]
    with pytest.raises(OptionError, match="caliper"):
        ev.match_comparison(df2, **ROLES, covariates=["x"], caliper=-1)


@pytest.fixture(scope="module")
def childcare():
    s = synthetic_study(seed=0, effects="constant")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return s.panel("childcare_u3")


@pytest.mark.parametrize("method", ["propensity", "mahalanobis"])
def test_balance_after_matching_on_synthetic_study(childcare, method):
    covs = ["log_population", "urbanisation"]
    m = ev.match_comparison(childcare, covariates=covs, method=method)
    b = m.balance().tidy().set_index("covariate")
    assert (b["smd_before"].abs() > 0.3).all()  # selection on size and urbanisation
    assert (b.loc[[*covs, "pre_level", "pre_slope"], "smd_after"].abs() < 0.1).all()
    assert len(m.unmatched) == 0 and m.pairs["control_unit"].is_unique
    # SMD by hand for log population before matching: every treated unit against all
    # candidates of its cohort, each cohort weighted by its number of treated units
    f = m.features
    tr = f["treated"] == 1
    mt = f.loc[tr, "log_population"]
    w = f.loc[~tr, "cohort"].map(
        f.loc[tr, "cohort"].value_counts() / f.loc[~tr, "cohort"].value_counts()
    )
    mc = np.average(f.loc[~tr, "log_population"], weights=w)
    vc = np.average((f.loc[~tr, "log_population"] - mc) ** 2, weights=w)
    smd = (mt.mean() - mc) / np.sqrt((mt.var(ddof=0) + vc) / 2)
    assert b.loc["log_population", "smd_before"] == pytest.approx(smd)
    fig = m.plot()
    assert fig.axes[0].get_xlabel()


def test_matched_did_closer_to_truth(childcare):
    # childcare_u3 has trends that depend on size and urbanisation: the unmatched TWFE is
    # biased, the TWFE on the matched sample is close to the true constant effect 2.0
    unmatched = ev.twfe(childcare).tidy()["estimate"].iloc[0]
    m = ev.match_comparison(childcare, covariates=["log_population", "urbanisation"])
    matched = ev.twfe(m.panel).tidy().iloc[0]
    assert abs(matched["estimate"] - 2.0) < abs(unmatched - 2.0) / 3
    assert matched["ci_low"] <= 2.0 <= matched["ci_high"]
    assert m.panel.attrs["roles"]["outcome"] == "childcare_u3"
    assert "Balance" in m.balance().summary("en").as_text()
    assert "<table" in m._repr_html_()


def test_exact_column_may_also_be_a_covariate():
    """A column used for exact matching may also be a matching covariate."""
    study = ev.datasets.synthetic_study(seed=0)
    panel = study.panel("childcare_u3")
    res = ev.match_comparison(
        panel, covariates=["urbanisation", "population"], exact=["urbanisation"]
    )
    pairs = res.tidy()
    units = panel.groupby("municipality_id")["urbanisation"].first()
    assert len(pairs) > 0
    assert (
        units.loc[pairs["treated_unit"]].to_numpy() == units.loc[pairs["control_unit"]].to_numpy()
    ).all()
