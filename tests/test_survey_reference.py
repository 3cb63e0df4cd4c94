"""Design-based survey estimates against R survey 4.1-1 on the api data (to 1e-8).

Reference numbers: tests/results/make_survey_reference.R -> tests/results/survey_reference.csv;
data: tests/results/api_{strat,clus1,clus2}.csv, the California Academic Performance Index
samples (California Department of Education, public data) as shipped with R survey.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError
from evaluation.results import base as results_base


@pytest.fixture(autouse=True, scope="module")
def complete_results():
    """Results are complete when they are made: with FREEZE on, setting an attribute of a
    result after its construction raises, in every test of this module."""
    saved = results_base.FREEZE
    results_base.FREEZE = True
    yield
    results_base.FREEZE = saved


RESULTS = Path(__file__).parent / "results"
REF = pd.read_csv(RESULTS / "survey_reference.csv", keep_default_na=False)
DATA = {
    "strat": pd.read_csv(RESULTS / "api_strat.csv"),
    "clus1": pd.read_csv(RESULTS / "api_clus1.csv"),
    "clus2": pd.read_csv(RESULTS / "api_clus2.csv"),
}
# design name in the reference -> data and the design arguments (as in the R script)
DESIGNS = {
    "strat_fpc": ("strat", {"strata": "stype", "fpc": "fpc"}),
    "strat": ("strat", {"strata": "stype"}),
    "strat_clus": ("strat", {"strata": "stype", "clusters": "dnum"}),
    "clus1_fpc": ("clus1", {"clusters": "dnum", "fpc": "fpc"}),
    "clus1": ("clus1", {"clusters": "dnum"}),
    "clus2": ("clus2", {"clusters": "dnum"}),
}
TOL = 1e-8


def data_for(design: str) -> tuple[pd.DataFrame, dict]:
    name, args = DESIGNS[design]
    return DATA[name], {"weights": "pw", **args}


def coded(df: pd.DataFrame, item: str) -> tuple[pd.DataFrame, dict]:
    """A text item as numeric codes 1..k (sorted labels), with the code -> label map."""
    levels = sorted(df[item].dropna().unique())
    codes = {lab: i + 1 for i, lab in enumerate(levels)}
    return df.assign(**{item: df[item].map(codes)}), {v: k for k, v in codes.items()}


def relative_close(got: np.ndarray, want: np.ndarray) -> None:
    np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("design", list(DESIGNS))
def test_means_and_domain_means(design):
    df, args = data_for(design)
    ref = REF[(REF["design"] == design) & (REF["statistic"] == "mean")]
    items = list(dict.fromkeys(ref["item"]))
    overall = ev.survey_estimates(df, items, **args).tidy().set_index("item")
    want = ref[ref["by"] == ""].set_index("item")
    relative_close(overall.loc[want.index, "estimate"], want["estimate"])
    relative_close(overall.loc[want.index, "std_error"], want["std_error"])
    for by in sorted(set(ref["by"]) - {""}):
        got = ev.survey_estimates(df, items, by=by, **args).tidy()
        got = got.assign(domain=got[by].astype(str)).set_index(["item", "domain"])
        w = ref[ref["by"] == by].set_index(["item", "domain"])
        # R reports 0 (SE 0) for a domain without valid answers; we give no estimate there
        present = w.index.isin(got.index)
        assert (w.loc[~present, "estimate"].astype(float) == 0).all()
        w = w[present]
        assert len(w) > 0
        relative_close(got.loc[w.index, "estimate"], w["estimate"])
        relative_close(got.loc[w.index, "std_error"], w["std_error"])


@pytest.mark.parametrize("design", list(DESIGNS))
def test_category_shares_and_domain_shares(design):
    df, args = data_for(design)
    ref = REF[(REF["design"] == design) & (REF["statistic"] == "share")]
    n_checked = 0
    for item in dict.fromkeys(ref["item"]):
        data, labels = coded(df, item)
        for by in sorted(set(ref.loc[ref["item"] == item, "by"])):
            got = ev.survey_estimates(data, item, by=by or None, statistic="share", **args).tidy()
            got["category"] = got["category"].map(labels)
            got["domain"] = got[by].astype(str) if by else ""
            got = got.set_index(["domain", "category"])
            w = ref[(ref["item"] == item) & (ref["by"] == by)].set_index(["domain", "category"])
            # R reports 0 (SE 0) for a category absent from a domain; we leave such rows out
            present = w.index.isin(got.index)
            assert (w.loc[~present, "estimate"].astype(float) == 0).all()
            w = w[present]
            relative_close(got.loc[w.index, "estimate"], w["estimate"])
            relative_close(got.loc[w.index, "std_error"], w["std_error"])
            n_checked += len(w)
    assert n_checked >= 6


@pytest.mark.parametrize("design", list(DESIGNS))
def test_domain_differences_with_covariance(design):
    df, args = data_for(design)
    ref = REF[(REF["design"] == design) & (REF["statistic"] == "difference")].set_index("item")
    res = ev.survey_estimates(df, list(ref.index), by="awards", **args)
    diff = res.difference("awards", first="No", second="Yes").tidy().set_index("item")
    relative_close(diff.loc[ref.index, "estimate"], ref["estimate"])
    relative_close(diff.loc[ref.index, "std_error"], ref["std_error"])
    # the covariance matters: the naive SE from independent groups differs
    t = res.tidy().set_index(["item", "awards"])
    naive = np.sqrt(t.xs("No", level=1)["std_error"] ** 2 + t.xs("Yes", level=1)["std_error"] ** 2)
    assert not np.allclose(naive.loc[ref.index], ref["std_error"], rtol=1e-4)


def test_long_form_gives_the_same_numbers_as_wide_form():
    df, args = data_for("strat_clus")
    wide = df.assign(respondent_id=df["cds"].astype(str))
    long = wide.melt(
        id_vars=["respondent_id", "stype", "dnum", "pw", "awards"],
        value_vars=["api00", "meals"],
        var_name="item",
        value_name="response",
    )
    a = ev.survey_estimates(wide, ["api00", "meals"], by="awards", **args).tidy()
    b = ev.survey_estimates(long, ["api00", "meals"], by="awards", **args).tidy()
    pd.testing.assert_frame_equal(a, b)


def test_domain_is_not_a_subset_design():
    """Estimating in a domain keeps all strata and clusters: subsetting the data first
    gives a different (wrong) standard error when a cluster has no domain members."""
    df, args = data_for("clus1")
    ref = REF[(REF["design"] == "clus1") & (REF["by"] == "awards") & (REF["item"] == "api00")]
    want = float(ref.set_index("domain").loc["Yes", "std_error"])
    subset = ev.survey_estimates(df[df["awards"] == "Yes"], "api00", **args).tidy()
    assert abs(float(subset["std_error"].iloc[0]) - want) > 1e-3


def test_summary_and_plot():
    df, args = data_for("strat")
    data, labels = coded(df, "sch.wide")
    res = ev.survey_estimates(
        data, "sch.wide", by="stype", statistic="share", labels={"sch.wide": labels}, **args
    )
    de = res.summary("de").as_text()
    assert "Befragung: gewichtete Anteile" in de and "Taylor-Linearisierung" in de
    assert "Survey: weighted shares" in res.summary("en").as_text()
    import matplotlib.pyplot as plt

    fig = res.plot(lang="en")
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["No", "Yes"]
    plt.close(fig)


def test_design_problems_are_reported_with_row_and_field():
    df, args = data_for("strat")
    lonely = df.copy()
    lonely.loc[0, "stype"] = "X"
    with pytest.raises(DataError, match="row 0 .*single primary sampling unit"):
        ev.survey_estimates(lonely, "api00", **args)
    removed = ev.survey_estimates(lonely, "api00", lonely_psu="remove", **args)
    assert np.isfinite(removed.tidy()["std_error"]).all()
    bad = df.copy()
    bad.loc[3, "pw"] = -1
    with pytest.raises(DataError, match="row 3, field pw"):
        ev.survey_estimates(bad, "api00", **args)
    fpc = df.copy()
    fpc.loc[5, "fpc"] = 1
    with pytest.raises(DataError, match="field fpc"):
        ev.survey_estimates(fpc, "api00", **{**args, "fpc": "fpc"})
    with pytest.raises(DataError, match="field api00: no respondent has a valid answer"):
        ev.survey_estimates(df.assign(api00=np.nan), "api00", **args)
    with pytest.raises(ValueError, match="statistic must be one of"):
        ev.survey_estimates(df, "api00", statistic="median", **args)
