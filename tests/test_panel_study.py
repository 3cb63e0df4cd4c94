"""build_panel on studies, and recovery of the known truth of the synthetic study."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.datasets import synthetic_study
from evaluation.errors import DataError

pytestmark = pytest.mark.usefixtures("frozen_results")

UNCONDITIONAL = ["births_per_1000_women", "family_net_migration", "sgb2_children"]


@pytest.fixture(scope="module")
def studies():
    return {
        shape: synthetic_study(seed=0, effects=shape)
        for shape in ("constant", "homogeneous", "heterogeneous")
    }


def panel(study, indicator, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return study.panel(indicator, **kw)


# ---------------------------------------------------------------------------------------
# build_panel
# ---------------------------------------------------------------------------------------
def test_build_panel_convention(studies):
    s = studies["constant"]
    with pytest.warns(UserWarning, match="unbalanced panel"):
        p = s.panel("births_per_1000_women")
    assert p.attrs["roles"] == {
        "outcome": "births_per_1000_women",
        "unit": "municipality_id",
        "time": "year",
        "cohort": "cohort",
    }
    assert p["municipality_id"].dtype == "string" and p["cohort"].dtype == np.int64
    # cohorts: certification year of cycle 1, 0 for comparison units
    a = s.audits[s.audits["cycle"] == 1]
    cert = dict(zip(a["municipality_id"], a["certification_date"].dt.year, strict=True))
    units = p.groupby("municipality_id")["cohort"].first()
    expected = units.index.map(lambda u: cert.get(u, 0))
    assert (units.to_numpy() == np.asarray(expected)).all()
    comp = s.municipalities.loc[s.municipalities["group"] == "comparison", "municipality_id"]
    assert (units[units.index.isin(comp)] == 0).all()
    tr = p["cohort"] > 0
    assert (p.loc[tr, "event_time"] == p.loc[tr, "year"] - p.loc[tr, "cohort"]).all()
    assert p.loc[~tr, "event_time"].isna().all()
    assert p["rel_time"].equals(p["event_time"])  # the deprecated name, for one release
    assert (p["post"] == (tr & (p["year"] >= p["cohort"])).astype(int)).all()
    # the missing report matches the rows the indicator table lacks
    raw = s.indicators[s.indicators["indicator"] == "births_per_1000_women"]
    n_cells = sum(len(v) for v in p.attrs["missing"].values())
    assert n_cells == 460 * 19 - len(raw)
    assert len(p) == len(raw)
    for c in ("log_population", "urbanisation", "population"):
        assert c in p.columns and c in p.attrs["covariates"]
    np.testing.assert_allclose(np.exp(p["log_population"]), p["population"], rtol=1e-12)
    tab = ev.missing_table(p)
    assert tab["n_missing"].sum() == n_cells


def test_build_panel_onset_choice_and_flags(studies):
    s = studies["constant"]
    start = panel(s, "childcare_u3", onset="start")
    cert = panel(s, "childcare_u3")
    g_start = start.groupby("municipality_id")["cohort"].first()
    g_cert = cert.groupby("municipality_id")["cohort"].first()
    assert (g_start <= g_cert).all() and (g_start < g_cert).any()
    # units observed only from their onset on are flagged
    late = panel(s, "childcare_u3", years=(2012, 2024))
    first = late.groupby("municipality_id")["year"].min()
    g = late.groupby("municipality_id")["cohort"].first()
    hand = sorted(g.index[(g > 0) & (g <= first)])
    assert late.attrs["onset_before_data"] == hand and len(hand) > 0
    assert late.loc[late["municipality_id"].isin(hand), "onset_before_data"].all()


def test_build_panel_agreement_excludes_units_without_date(studies):
    s = studies["constant"]
    a = s.audits[s.audits["cycle"] == 1]
    no_date = sorted(a.loc[a["agreement_date"].isna(), "municipality_id"])
    assert no_date, "the synthetic study leaves some agreement dates empty"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = s.panel("childcare_u3", onset="agreement")
    assert any("no agreement date" in str(w.message) for w in caught)
    assert p.attrs["excluded"] == no_date
    assert not p["municipality_id"].isin(no_date).any()


def test_build_panel_unknown_indicator(studies):
    with pytest.raises(DataError, match="available.*childcare_u3"):
        studies["constant"].panel("kita_quote")
    with pytest.raises(DataError, match="covariate"):
        studies["constant"].panel("childcare_u3", covariates=["gdp"])


# ---------------------------------------------------------------------------------------
# recovery of the truth
# ---------------------------------------------------------------------------------------
def true_att(study, p, indicator):
    """The true ATT averaged over the observed treated post-onset unit-years."""
    cells = p.loc[p["post"] == 1, ["cohort", "year"]]
    return cells.merge(study.truth.att_gt(indicator), on=["cohort", "year"])["effect"].mean()


@pytest.mark.parametrize("indicator", [*UNCONDITIONAL, "share_65plus"])
def test_twfe_recovers_constant_effect(studies, indicator):
    s = studies["constant"]
    p = panel(s, indicator)
    truth = true_att(s, p, indicator)
    t = ev.twfe(p).tidy().iloc[0]
    assert t["ci_low"] <= truth <= t["ci_high"]


def test_twfe_with_covariate_trends_under_conditional_parallel_trends(studies):
    # childcare_u3: trends depend on log population and on being densely populated, so the
    # plain TWFE is biased upwards; covariate-by-year terms remove the bias
    s = studies["constant"]
    p = panel(s, "childcare_u3")
    p["dense"] = (p["urbanisation"] == 1).astype(float)
    plain = ev.twfe(p).tidy().iloc[0]
    adj = ev.twfe(p, covariates=["log_population", "dense"]).tidy().iloc[0]
    assert plain["ci_low"] > 2.0 + 1.0
    assert adj["ci_low"] <= 2.0 <= adj["ci_high"]


@pytest.mark.parametrize("indicator", [*UNCONDITIONAL, "share_65plus"])
def test_event_study_recovers_dynamic_effects(studies, indicator):
    s = studies["homogeneous"]
    p = panel(s, indicator)
    res = ev.event_study(p, leads=5, lags=5)
    t = res.tidy()
    # effects are the same for every cohort, so the truth per relative year is that of any
    # cohort; the last bin (>= 5) has a constant effect because the effects cap before 5
    eff = s.truth.att_gt(indicator).query("cohort == 2012").set_index("rel_time")["effect"]
    truth = t["event_time"].map(lambda k: eff.get(k, 0.0) if k > -5 else 0.0)
    assert ((t["band_low"] <= truth + 1e-12) & (truth <= t["band_high"] + 1e-12)).all()
    assert res.pretest().p_value > 0.05


def test_twfe_bias_with_heterogeneous_dynamic_effects(studies):
    """Documents the known bias of static TWFE under staggered, growing, cohort-specific
    effects (Goodman-Bacon 2021): already-treated units serve as controls, so TWFE is
    attenuated towards zero in each unconditional-PT outcome (here by about 10 %), and for
    sgb2_children the interval misses the true ATT. The staggered estimators fix this."""
    s = studies["heterogeneous"]
    shrink = []
    for ind in UNCONDITIONAL:
        p = panel(s, ind)
        truth = true_att(s, p, ind)
        est = ev.twfe(p).tidy().iloc[0]
        shrink.append(est["estimate"] / truth)
        if ind == "sgb2_children":
            assert not est["ci_low"] <= truth <= est["ci_high"]
    assert all(0.75 < r < 0.95 for r in shrink), shrink


def test_before_after_includes_common_trend(studies):
    # no comparison group: the paired change adds the common year trend to the effect
    s = studies["constant"]
    p = panel(s, "share_65plus")
    res = ev.before_after(p, window=(-3, 3))
    # the year trend of share_65plus is 0.3 per year: mean post minus mean pre is 3 years
    t = res.tidy().iloc[0]
    assert t["ci_low"] > 0.3 * 3 - 0.5 and t["estimate"] > 0
    assert res.wilcoxon["p_value"] < 0.01
    assert set(res.units.columns) >= {"municipality_id", "mean_before", "mean_after", "difference"}


def test_plain_dataframe_without_attrs(studies):
    p = panel(studies["constant"], "births_per_1000_women")
    plain = pd.DataFrame(
        {
            "ags": p["municipality_id"].astype(str),
            "jahr": p["year"],
            "y": p["births_per_1000_women"],
            "g": p["cohort"].replace(0, np.nan),
        }
    )
    a = ev.twfe(p).tidy()["estimate"].iloc[0]
    b = ev.twfe(plain, outcome="y", unit="ags", time="jahr", cohort="g").tidy()
    assert b["estimate"].iloc[0] == pytest.approx(a, abs=1e-10)
