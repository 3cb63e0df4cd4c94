"""Sun & Abraham and the Goodman-Bacon decomposition: exact identities with independent
computations (Callaway & Sant'Anna cells, linearmodels PanelOLS)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels.panel import PanelOLS

import evaluation as ev
from evaluation.errors import DataError
from evaluation.staggered import StaggeredWarning, att_gt, bacon_decomposition, sun_abraham

ROLES = dict(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")


@pytest.fixture(scope="module")
def mpdta():
    from conftest import shared_path

    return pd.read_csv(shared_path("mpdta", "mpdta.csv"))


def _panel(seed=0, n=240, years=range(2000, 2010), cohorts=(2003, 2005, 2007), always=0):
    """Balanced panel with heterogeneous, growing effects; ``always`` units treated before
    the first year."""
    rng = np.random.default_rng(seed)
    years = np.asarray(list(years))
    cohort = rng.choice([0, *cohorts], size=n)
    cohort[:always] = years[0] - 1
    y = rng.normal(size=n)[:, None] + 0.1 * (years - years[0])[None, :]
    y = y + rng.normal(scale=0.5, size=(n, len(years)))
    rel = years[None, :] - cohort[:, None]
    effect = 0.3 + 0.2 * rel + 0.05 * (cohort[:, None] - 2003)  # grows, differs by cohort
    y = y + np.where((cohort[:, None] > 0) & (rel >= 0), effect, 0)
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n), len(years)),
            "year": np.tile(years, n),
            "y": y.ravel(),
            "cohort": np.repeat(cohort, len(years)),
        }
    )


def _twfe_linearmodels(df, y="y", unit="unit", time="year", cohort="cohort"):
    d = df.assign(D=((df[cohort] > 0) & (df[time] >= df[cohort])).astype(float))
    d = d.set_index([unit, time])
    return float(PanelOLS(d[y], d[["D"]], entity_effects=True, time_effects=True).fit().params["D"])


# --- Sun & Abraham ---------------------------------------------------------------------------
@pytest.mark.shared
def test_sun_abraham_equals_cs_cells_on_mpdta(mpdta):
    """With never-treated controls and no covariates the cohort x relative-period coefficients
    equal the CS ATT(g,t) with a universal base period (and the varying-base post cells)."""
    sa = sun_abraham(mpdta, **ROLES)
    cs_u = att_gt(mpdta, **ROLES, base_period="universal").tidy()
    cs_v = att_gt(mpdta, **ROLES).tidy()
    m = sa.cohort_effects.tidy().merge(cs_u, on=["cohort", "event_time"], suffixes=("", "_cs"))
    assert len(m) == len(sa.cohort_effects.tidy()) == 12  # 3 cohorts x 4 non-reference periods
    np.testing.assert_allclose(m["estimate"], m["estimate_cs"], atol=1e-10)
    post = sa.cohort_effects.tidy().query("event_time >= 0")
    mv = post.merge(cs_v, on=["cohort", "event_time"], suffixes=("", "_cs"))
    np.testing.assert_allclose(mv["estimate"], mv["estimate_cs"], atol=1e-10)
    # the IW event-time effects weight by cohort size, as CS's dynamic aggregation
    dyn = att_gt(mpdta, **ROLES, base_period="universal").aggregate("dynamic").tidy()
    md = sa.tidy().merge(dyn, on="event_time", suffixes=("", "_cs"))
    np.testing.assert_allclose(md["estimate"], md["estimate_cs"], atol=1e-10)
    assert sa.overall.estimate == pytest.approx(
        att_gt(mpdta, **ROLES).aggregate("dynamic").overall.estimate, abs=1e-10
    )
    assert sa.distribution == "t" and sa.df == mpdta["countyreal"].nunique() - 1


def test_sun_abraham_shares_and_se_by_hand():
    df = _panel(seed=1)
    sa = sun_abraham(df, "y", unit="unit", time="year", cohort="cohort")
    sizes = df.groupby("cohort")["unit"].nunique()
    sh = sa.shares.query("event_time == 0").set_index("cohort")["share"]
    treated = sizes.drop(0)
    np.testing.assert_allclose(sh.to_numpy(), (treated / treated.sum()).to_numpy())
    ce = sa.cohort_effects.tidy().query("event_time == 0").set_index("cohort")["estimate"]
    assert sa.tidy().query("event_time == 0")["estimate"].iloc[0] == pytest.approx(float(sh @ ce))
    # the SE of a single-cohort event time equals that cohort's coefficient SE
    last = sa.tidy().query("event_time == 6").iloc[0]  # only cohort 2003 reaches e = 6
    ce6 = sa.cohort_effects.tidy().query("event_time == 6").iloc[0]
    assert last["std_error"] == pytest.approx(ce6["std_error"])


def test_sun_abraham_last_treated_control():
    df = _panel(seed=2)
    df = df[df["cohort"] > 0]
    with pytest.raises(DataError, match="never-treated"):
        sun_abraham(df, "y", unit="unit", time="year", cohort="cohort")
    sa = sun_abraham(
        df, "y", unit="unit", time="year", cohort="cohort", control_group="last_treated"
    )
    ce = sa.cohort_effects.tidy()
    assert set(ce["cohort"]) == {2003, 2005}
    # only periods before the last cohort's onset (2007) are used
    assert (ce["cohort"] + ce["event_time"]).max() == 2006
    # equals CS with the last cohort as comparison (not-yet-treated without never-treated),
    # universal base period
    with pytest.warns(StaggeredWarning):
        cs = att_gt(df, "y", unit="unit", time="year", cohort="cohort", control_group="not_yet_treated",
                    base_period="universal")  # fmt: skip
    post = ce.merge(cs.tidy(), on=["cohort", "event_time"], suffixes=("", "_cs"))
    post = post[post["cohort"] + post["event_time"] < 2007]
    # not-yet-treated CS also uses cohort 2005 as control for 2003 before 2005: compare only
    # the cells of cohort 2005, whose sole comparison is the last cohort
    p5 = post[post["cohort"] == 2005]
    np.testing.assert_allclose(p5["estimate"], p5["estimate_cs"], atol=1e-10)


# --- Goodman-Bacon ---------------------------------------------------------------------------
@pytest.mark.shared
def test_bacon_reproduces_twfe_on_mpdta(mpdta):
    b = bacon_decomposition(mpdta, **ROLES)
    t = b.tidy()
    assert t["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    twfe = _twfe_linearmodels(mpdta, "lemp", "countyreal", "year", "first.treat")
    assert b.twfe == pytest.approx(twfe, abs=1e-12)
    assert (t["weight"] * t["estimate"]).sum() == pytest.approx(twfe, abs=1e-12)
    # 3 timing groups vs never treated + 3 pairs x 2 directions
    assert len(t) == 9
    assert set(t["type"]) == {"treated_vs_never", "earlier_vs_later", "later_vs_earlier"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bacon_exact_with_always_treated_units(seed):
    df = _panel(seed=seed, always=20)
    b = bacon_decomposition(df, "y", unit="unit", time="year", cohort="cohort")
    t = b.tidy()
    twfe = _twfe_linearmodels(df)
    assert t["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (t["weight"] * t["estimate"]).sum() == pytest.approx(twfe, abs=1e-12)
    assert "treated_vs_always" in set(t["type"])
    # a 2x2 estimate by hand: cohort 2003 vs never treated
    m = df.groupby(["cohort", "year"])["y"].mean().unstack()
    pre, post = m.columns < 2003, m.columns >= 2003
    hand = (m.loc[2003, post].mean() - m.loc[2003, pre].mean()) - (
        m.loc[0, post].mean() - m.loc[0, pre].mean()
    )
    row = t.query("type == 'treated_vs_never' and treated == 2003").iloc[0]
    assert row["estimate"] == pytest.approx(hand, abs=1e-12)
    bt = b.by_type()
    assert bt["weight"].sum() == pytest.approx(1.0)


def test_bacon_unbalanced_units_dropped_and_plot():
    df = _panel(seed=3)
    df = df.drop(df.index[(df["unit"] == 5) & (df["year"] == 2004)])
    with pytest.warns(StaggeredWarning, match=r"dropped 1 unit"):
        b = bacon_decomposition(df, "y", unit="unit", time="year", cohort="cohort")
    assert b.facts["n_units"] == 239
    assert b.plot() is not None and b.plot(lang="en") is not None
    assert "TWFE" in b.summary("en").as_text() or "twfe" in b.summary("en").as_text()


def test_top_level_names():
    assert ev.sun_abraham is sun_abraham and ev.bacon_decomposition is bacon_decomposition


@pytest.mark.slow
def test_notebook_runs():
    """analyses/04_staggered.py executes from top to bottom."""
    from pathlib import Path

    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    path = Path(__file__).resolve().parents[1] / "analyses" / "04_staggered.py"
    nb = jupytext.read(path)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()


def test_single_unit_cohort_is_warned_about():
    """A cohort with one treated unit contributes nothing to the influence function of its
    own cells (its deviation from its own mean is zero), so the SE understates uncertainty:
    the user is told which cohort."""
    rng = np.random.default_rng(3)
    units, years = 40, np.arange(2000, 2006)
    cohort = np.zeros(units, dtype=int)
    cohort[:1] = 2003  # a single treated unit
    cohort[1:6] = 2004
    df = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(units), len(years)),
            "year": np.tile(years, units),
            "cohort": np.repeat(cohort, len(years)),
        }
    )
    df["y"] = rng.normal(size=len(df))
    with pytest.warns(StaggeredWarning, match=r"cohort\(s\) 2003 have a single treated unit"):
        ev.att_gt(df, outcome="y", unit="unit", time="year", cohort="cohort")


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield
