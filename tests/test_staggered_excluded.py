"""Units left out of the staggered estimators are reported on the result (excluded_units)
and in the summary, and an error caused by their exclusion names the real cause."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError
from evaluation.staggered import StaggeredWarning

ROLES = dict(unit="u", time="t", cohort="g")
YEARS = np.arange(2010, 2017)


def _panel(seed: int = 0, n: int = 30, never: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.r_[np.zeros(never, dtype=int), rng.choice([2012, 2014], size=n - never)]
    df = pd.DataFrame(
        {"u": np.repeat(np.arange(n), len(YEARS)), "t": np.tile(YEARS, n),
         "g": np.repeat(g, len(YEARS))}
    )  # fmt: skip
    df["y"] = rng.normal(size=len(df)) + ((df["g"] > 0) & (df["t"] >= df["g"]))
    return df


def test_the_only_never_treated_unit_dropped_for_one_missing_year_is_named():
    """Before: 'there are no never-treated units' although the panel had one."""
    df = _panel()
    df = df[~((df["u"] == 0) & (df["t"] == 2013))]
    with (
        pytest.warns(StaggeredWarning),
        pytest.raises(
            DataError,
            match=r"the only never-treated unit, 0, was excluded because it misses 2013.*"
            r"unbalanced='pairwise'",
        ),
    ):
        ev.att_gt(df, "y", **ROLES)
    res = ev.att_gt(df, "y", **ROLES, unbalanced="pairwise")  # keeps it
    assert res.excluded_units.empty


def test_all_never_treated_units_excluded_are_listed():
    df = _panel(never=3)
    df = df[~((df["u"] < 3) & (df["t"].isin([2011, 2015])))]
    with (
        pytest.warns(StaggeredWarning),
        pytest.raises(
            DataError, match=r"all 3 never-treated units were excluded: 0 \(misses 2011, 2015\)"
        ),
    ):
        ev.att_gt(df, "y", **ROLES)


def test_excluded_units_are_a_field_and_in_the_summary():
    df = _panel(n=40, never=10)
    df = df[~((df["u"].isin([3, 12])) & (df["t"] == 2011))]  # one never, one treated unit
    df.loc[df["u"] == 20, "g"] = 2010  # treated in the first period
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaggeredWarning)
        res = ev.att_gt(df, "y", **ROLES)
    ex = res.excluded_units
    assert list(ex.columns) == ["unit", "cohort", "reason", "detail"]
    by = ex.set_index("unit")
    assert sorted(by.index) == ["12", "20", "3"]
    assert by.loc["3", "reason"] == "unbalanced" and by.loc["3", "detail"] == "misses 2011"
    assert by.loc["20", "reason"] == "treated_first_period" and by.loc["20", "cohort"] == 2010
    assert res.n_units == 37
    en = res.summary(lang="en").as_text()
    assert "2 unit(s) excluded, not observed in every period" in en and "3, 12" in en
    assert "1 unit(s) excluded, already treated in the first period" in en
    assert "2 Einheit(en) ausgeschlossen" in res.summary().as_text()


def test_sun_abraham_and_bacon_report_excluded_units():
    df = _panel(n=40, never=10)
    df.loc[df["u"] == 20, "g"] = 2010
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sa = ev.sun_abraham(df, "y", **ROLES)
        gap = df[~((df["u"] == 5) & (df["t"] == 2012))]
        b = ev.bacon_decomposition(gap, "y", **ROLES)
    assert sa.excluded_units["unit"].tolist() == ["20"]
    assert sa.excluded_units["reason"].tolist() == ["treated_first_period"]
    assert (
        "excluded, already treated in the first period (no pre-period): 20"
        in sa.summary(lang="en").as_text()
    )
    assert b.excluded_units["unit"].tolist() == ["5"]
    assert "misses 2012" in b.excluded_units["detail"].iloc[0]
    assert "1 unit(s) excluded" in b.summary(lang="en").as_text()


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield
