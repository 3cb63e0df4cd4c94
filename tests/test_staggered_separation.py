"""att_gt(method="dr" | "ipw") when the propensity score is (quasi-)separated: the limits R
did computes, cells that are not estimable dropped one by one (never the whole analysis).

References: tests/results/did_synthetic_covariates.csv (R did 2.5.1 on the synthetic study,
seeds 1-20, with the README's covariates; panels rebuilt here from the seeds by
make_attgt_synthetic_panels.py) and tests/results/did_separation.csv (R did on the two small
panels of attgt_separation_input.csv)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evaluation.errors import DataError
from evaluation.staggered import StaggeredWarning, att_gt
from evaluation.staggered._drdid import separated_units

RESULTS = Path(__file__).parent / "results"
sys.path.insert(0, str(RESULTS))
from make_attgt_synthetic_panels import COVARIATES, panel  # noqa: E402

CONTROL = {"nevertreated": "never_treated", "notyettreated": "not_yet_treated"}
# seeds in the default run: one-unit cohorts with a quasi-separated score (5), cells that R
# cannot estimate next to quasi-separated ones (12, 15); the others run with `make test-slow`
FAST_SEEDS = (5, 12, 15)


def _compare(res, ref: pd.DataFrame) -> None:
    """Every cell R estimates is estimated with R's value and SE; every cell R reports as
    missing is in excluded_cells, and nothing else is left out."""
    got = res.tidy()
    estimated = ref[ref["att"].notna()]
    m = estimated.merge(got, left_on=["group", "t"], right_on=["cohort", "time"], how="left")
    assert m["estimate"].notna().all(), m[m["estimate"].isna()][["group", "t"]]
    np.testing.assert_allclose(m["estimate"], m["att"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(m["std_error"], m["se"], rtol=1e-6)
    missing = ref[ref["att"].isna()][["group", "t"]].rename(
        columns={"group": "cohort", "t": "time"}
    )
    # R lists the cells of a cohort all of whose units were dropped (not observed in every
    # year) as missing; here such a cohort has no cells, and its units are listed as dropped
    gone = ~missing["cohort"].isin(np.unique(res.unit_cohorts))
    assert gone.sum() == 0 or len(res.dropped.get("unbalanced", [])) > 0
    missing = missing[~gone]
    ex = res.excluded_cells[["cohort", "time"]].astype("int64")
    assert sorted(map(tuple, ex.to_numpy())) == sorted(map(tuple, missing.to_numpy()))
    assert len(got) + len(ex) + int(gone.sum()) == len(ref)


@pytest.mark.parametrize(
    "seed",
    [s if s in FAST_SEEDS else pytest.param(s, marks=pytest.mark.slow) for s in range(1, 21)],
)
def test_synthetic_study_with_readme_covariates_matches_r_did(seed):
    """Before: att_gt with log_population and urbanisation raised 'perfect separation' for 16
    of the 20 seeds. Now it runs for all and equals R did 2.5.1 cell by cell."""
    ref = pd.read_csv(RESULTS / "did_synthetic_covariates.csv")
    ref = ref[ref["seed"] == seed]
    data = panel(seed)
    for (method, cg), r in ref.groupby(["method", "control_group"]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StaggeredWarning)
            res = att_gt(
                data, "y", unit="id", time="year", cohort="cohort", method=method, control_group=CONTROL[cg],
                covariates=COVARIATES,
            )  # fmt: skip
        _compare(res, r)


@pytest.mark.parametrize("scenario", ["constant_in_cohort", "single_unit_cohort"])
@pytest.mark.parametrize("method", ["dr", "ipw"])
@pytest.mark.parametrize("cg", ["nevertreated", "notyettreated"])
def test_minimal_separated_designs_match_r_did(scenario, method, cg):
    data = pd.read_csv(RESULTS / "attgt_separation_input.csv").query("scenario == @scenario")
    ref = pd.read_csv(RESULTS / "did_separation.csv")
    ref = ref[(ref["scenario"] == scenario) & (ref["method"] == method)]
    ref = ref[ref["control_group"] == cg]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = att_gt(
            data, "y", unit="id", time="period", cohort="cohort", method=method, control_group=CONTROL[cg],
            covariates=["b", "x"],
        )  # fmt: skip
    _compare(res, ref)
    if scenario == "single_unit_cohort":  # cohort 2 is completely separated: named, dropped
        msgs = [str(w.message) for w in caught if issubclass(w.category, StaggeredWarning)]
        assert any("(2, 2)" in m and "separated" in m for m in msgs), msgs
        assert set(res.excluded_cells["cohort"]) == {2}
        assert res.excluded_cells["reason"].str.contains("separated").all()
        assert "excluded_cells" in res.summary(lang="en").as_text()


def test_quasi_separated_limit_by_hand():
    """The limit of the IPW estimate when cohort 3 has b = 1 throughout: comparison units with
    b = 0 get propensity 0, the others the logit fit among the units with b = 1 (statsmodels)."""
    data = pd.read_csv(RESULTS / "attgt_separation_input.csv").query(
        "scenario == 'constant_in_cohort'"
    )
    wide = data.pivot(index="id", columns="period", values="y")
    u = data.groupby("id")[["cohort", "b", "x"]].first()
    u = u[(u["cohort"] == 3) | (u["cohort"] == 0)]
    dy = (wide[4] - wide[2]).loc[u.index].to_numpy()
    d = (u["cohort"] == 3).to_numpy(float)
    on = u["b"].to_numpy() == 1
    x = sm.add_constant(u["x"].to_numpy())
    p = np.zeros(len(d))
    p[on] = sm.Logit(d[on], x[on]).fit(disp=0, tol=1e-12).predict(x[on])
    wc = p / (1 - p) * (1 - d)
    hand = dy[d == 1].mean() - np.sum(wc * dy) / wc.sum()
    xfull = np.column_stack([np.ones(len(d)), u["b"], u["x"]])
    assert separated_units(xfull, d).tolist() == (~on).tolist()
    res = att_gt(
        data, "y", unit="id", time="period", cohort="cohort", method="ipw", covariates=["b", "x"]
    )
    got = res.tidy().query("cohort == 3 and time == 4")["estimate"].iloc[0]
    assert got == pytest.approx(hand, abs=1e-10)


def test_one_bad_cell_does_not_abort_the_others():
    """Before: one separated cohort raised a DataError for the whole analysis."""
    rng = np.random.default_rng(3)
    n, years = 200, np.arange(1, 6)
    cohort = rng.choice([0, 3, 4], size=n, p=[0.6, 0.2, 0.2])
    x = rng.normal(size=n) + np.where(cohort == 3, 20.0, 0.0)  # cohort 3 far from all others
    y = rng.normal(size=(n, 1)) + 0.2 * years + rng.normal(size=(n, len(years)))
    df = pd.DataFrame(
        {"u": np.repeat(np.arange(n), 5), "t": np.tile(years, n), "y": y.ravel(),
         "g": np.repeat(cohort, 5), "x": np.repeat(x, 5)}
    )  # fmt: skip
    for method in ("dr", "ipw"):
        with pytest.warns(StaggeredWarning, match=r"\(3, 2\).*separated"):
            res = att_gt(df, "y", unit="u", time="t", cohort="g", method=method, covariates=["x"])
        assert set(res.tidy()["cohort"]) == {4}
        assert set(res.excluded_cells["cohort"]) == {3}
        assert res.aggregate("simple").overall.std_error > 0
    # every cell separated: one clear error that says why
    only3 = df[df["g"] != 4]
    with pytest.warns(StaggeredWarning), pytest.raises(DataError, match="no group-time.*separ"):
        att_gt(only3, "y", unit="u", time="t", cohort="g", method="ipw", covariates=["x"])


def test_collinear_covariates_within_cells_never_leak_linalg_errors():
    """A covariate that is a linear function of another within the comparison units makes
    the outcome regression singular: a named cell, never a raw numpy LinAlgError."""
    rng = np.random.default_rng(4)
    n, years = 120, np.arange(1, 5)
    cohort = rng.choice([0, 3], size=n, p=[0.7, 0.3])
    x = rng.normal(size=n)
    z = np.where(cohort == 0, 2 * x + 1, rng.normal(size=n))  # collinear among comparisons
    y = rng.normal(size=(n, 1)) + rng.normal(size=(n, len(years)))
    df = pd.DataFrame(
        {"u": np.repeat(np.arange(n), 4), "t": np.tile(years, n), "y": y.ravel(),
         "g": np.repeat(cohort, 4), "x": np.repeat(x, 4), "z": np.repeat(z, 4)}
    )  # fmt: skip
    for method in ("dr", "reg"):
        with (
            pytest.warns(StaggeredWarning, match=r"\(3, 2\).*collinear"),
            pytest.raises(DataError, match="collinear among the comparison units"),
        ):
            att_gt(df, "y", unit="u", time="t", cohort="g", method=method, covariates=["x", "z"])


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield


def test_the_logistic_function_gives_scipys_values_without_importing_it():
    from scipy.special import expit as scipy_expit

    from evaluation.staggered._drdid import expit

    x = np.concatenate(
        [np.random.default_rng(3).normal(scale=s, size=20_000) for s in (0.1, 1, 10, 100)]
        + [np.array([-800.0, -745.2, -40.0, 0.0, 40.0, 745.2, 800.0])]
    )
    # the same formula; numpy's and the C library's exp may differ in the last bit elsewhere
    np.testing.assert_array_max_ulp(expit(x), scipy_expit(x), maxulp=2)
    assert expit(np.array([-800.0]))[0] == 0.0 and expit(np.array([800.0]))[0] == 1.0
