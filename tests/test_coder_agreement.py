"""Coder agreement: Krippendorff's alpha, Cohen's and Fleiss' kappa.

References:
- Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
  Communication, University of Pennsylvania (departmental paper 43), section C "Nominal data,
  any number of observers, missing data" and its continuation for ordinal (E), interval (F)
  and ratio (G) metrics: 4 observers x 12 units; published alpha = 0.743 (nominal),
  0.815 (ordinal), 0.849 (interval) and 0.797 (ratio).
- the ``krippendorff`` package on PyPI (independent implementation), to 1e-9;
- statsmodels ``cohens_kappa`` and ``fleiss_kappa``.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa

import evaluation as ev
from evaluation.errors import DataError
from evaluation.mixed import krippendorff_alpha
from evaluation.results import base as results_base


@pytest.fixture(autouse=True, scope="module")
def complete_results():
    """Results are complete when they are made: with FREEZE on, setting an attribute of a
    result after its construction raises, in every test of this module."""
    saved = results_base.FREEZE
    results_base.FREEZE = True
    yield
    results_base.FREEZE = saved


NAN = np.nan
# Krippendorff (2011), section C: observers A-D (rows) x units 1-12 (columns)
PUBLISHED_DATA = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)
PUBLISHED_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


def long_codes(matrix: np.ndarray, dimension: str = "measure_type") -> pd.DataFrame:
    """Coders x units matrix -> the long table measure_codes."""
    rows = []
    for i, coder_row in enumerate(matrix):
        for j, value in enumerate(coder_row):
            if not np.isnan(value):
                rows.append((f"M{j + 1:02d}", f"coder_{i + 1}", dimension, str(int(value))))
    return pd.DataFrame(rows, columns=["measure_id", "coder", "dimension", "code"])


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_matches_published_worked_example(level):
    got = krippendorff_alpha(PUBLISHED_DATA, level)
    assert round(got, 3) == pytest.approx(PUBLISHED_ALPHA[level], abs=1e-12)
    ref = krippendorff.alpha(reliability_data=PUBLISHED_DATA, level_of_measurement=level)
    assert got == pytest.approx(ref, abs=1e-9)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_long_table_alpha_equals_matrix_alpha(level):
    res = ev.coder_agreement(long_codes(PUBLISHED_DATA), level=level, n_draws=None)
    t = res.tidy().set_index("statistic")
    ref = krippendorff.alpha(reliability_data=PUBLISHED_DATA, level_of_measurement=level)
    assert t.loc["krippendorff_alpha", "estimate"] == pytest.approx(ref, abs=1e-9)
    # unit 12 has a single code: not pairable
    assert t.loc["krippendorff_alpha", "n_pairable"] == 11
    assert t.loc["krippendorff_alpha", "n_units"] == 12


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_against_krippendorff_package_random_data(seed, level):
    rng = np.random.default_rng(seed)
    data = rng.integers(1, 6, size=(4, 60)).astype(float)
    # some agreement: coder 2 copies coder 1 for half of the units
    copy = rng.random(60) < 0.5
    data[1, copy] = data[0, copy]
    data[rng.random(data.shape) < 0.15] = np.nan
    ref = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(ref, abs=1e-9)


def test_ordinal_text_codes_with_order_equal_numeric_ranks():
    labels = {1: "low", 2: "mid", 3: "high", 4: "top", 5: "max"}
    codes = long_codes(PUBLISHED_DATA)
    codes["code"] = codes["code"].astype(int).map(labels)
    res = ev.coder_agreement(
        codes,
        level="ordinal",
        order={"measure_type": ["low", "mid", "high", "top", "max"]},
        n_draws=None,
    )
    ref = krippendorff.alpha(reliability_data=PUBLISHED_DATA, level_of_measurement="ordinal")
    got = res.tidy().set_index("statistic").loc["krippendorff_alpha", "estimate"]
    assert got == pytest.approx(ref, abs=1e-9)


def two_coder_table(seed: int, n: int = 80, p: float = 0.6):
    rng = np.random.default_rng(seed)
    cats = np.array(["infrastructure", "service", "network", "information", "participation"])
    c1 = rng.choice(cats, n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    c2 = np.where(rng.random(n) < p, c1, rng.choice(cats, n, p=[0.3, 0.25, 0.2, 0.15, 0.1]))
    ids = [f"M{i:03d}" for i in range(n)]
    df = pd.DataFrame(
        {
            "measure_id": ids * 2,
            "coder": ["Anna"] * n + ["Ben"] * n,
            "dimension": "measure_type",
            "code": np.concatenate([c1, c2]),
        }
    )
    return df, c1, c2, cats


@pytest.mark.parametrize("seed", [4, 5])
def test_cohen_kappa_against_statsmodels(seed):
    df, c1, c2, cats = two_coder_table(seed)
    table = pd.crosstab(
        pd.Categorical(c1, categories=cats), pd.Categorical(c2, categories=cats), dropna=False
    ).to_numpy()
    ref = cohens_kappa(table).kappa
    t = ev.coder_agreement(df, n_draws=None).tidy().set_index("statistic")
    assert t.loc["cohen_kappa", "estimate"] == pytest.approx(ref, abs=1e-12)


def test_fleiss_kappa_against_statsmodels_with_three_coders():
    rng = np.random.default_rng(7)
    n = 50
    base = rng.integers(0, 4, n)
    codes = np.vstack(
        [np.where(rng.random(n) < 0.7, base, rng.integers(0, 4, n)) for _ in range(3)]
    )
    rows = [
        (f"M{j:02d}", f"c{i}", "target_group", f"g{codes[i, j]}")
        for i in range(3)
        for j in range(n)
    ]
    df = pd.DataFrame(rows, columns=["measure_id", "coder", "dimension", "code"])
    ref = fleiss_kappa(aggregate_raters(codes.T)[0])
    t = ev.coder_agreement(df, n_draws=None).tidy().set_index("statistic")
    assert t.loc["fleiss_kappa", "estimate"] == pytest.approx(ref, abs=1e-12)
    assert "cohen_kappa" not in t.index  # three coders: no Cohen's kappa


def test_bootstrap_interval_is_seeded_and_covers_the_estimate():
    df, *_ = two_coder_table(8, n=120)
    a = ev.coder_agreement(df, n_draws=499, seed=3).tidy()
    b = ev.coder_agreement(df, n_draws=499, seed=3).tidy()
    c = ev.coder_agreement(df, n_draws=499, seed=4).tidy()
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["ci_low"], c["ci_low"])
    assert ((a["ci_low"] < a["estimate"]) & (a["estimate"] < a["ci_high"])).all()


def test_bootstrap_draw_equals_statistic_on_resampled_units():
    """The vectorised bootstrap equals recomputing alpha on the resampled units."""
    df, *_ = two_coder_table(9, n=30)
    n_draws, seed = 100, 11
    res = ev.coder_agreement(df, level="nominal", n_draws=n_draws, seed=seed, conf_level=0.5)
    rng = np.random.default_rng(seed)
    units = np.array(sorted(df["measure_id"].unique()))
    weights = rng.multinomial(len(units), np.full(len(units), 1 / len(units)), size=n_draws)
    wide = df.pivot(index="measure_id", columns="coder", values="code").loc[units]
    cats = {c: i for i, c in enumerate(sorted(df["code"].unique()))}
    mat = wide.map(cats.get).to_numpy(dtype=float).T
    draws = [
        krippendorff.alpha(
            reliability_data=np.repeat(mat, w, axis=1), level_of_measurement="nominal"
        )
        for w in weights
    ]
    lo, hi = np.quantile(draws, [0.25, 0.75])
    row = res.tidy().set_index("statistic").loc["krippendorff_alpha"]
    assert row["ci_low"] == pytest.approx(lo, abs=1e-9)
    assert row["ci_high"] == pytest.approx(hi, abs=1e-9)


def test_dimensions_are_separate_and_levels_per_dimension():
    a = long_codes(PUBLISHED_DATA, "first")
    b = long_codes(PUBLISHED_DATA[::-1, ::-1], "second")
    res = ev.coder_agreement(
        pd.concat([a, b]), level={"first": "interval", "second": "nominal"}, n_draws=None
    )
    t = res.tidy().query("statistic == 'krippendorff_alpha'").set_index("dimension")
    assert t.loc["first", "estimate"] == pytest.approx(0.8491071428571428, abs=1e-12)
    assert t.loc["second", "estimate"] == pytest.approx(0.7434210526315791, abs=1e-12)
    only = ev.coder_agreement(pd.concat([a, b]), dimension="second", n_draws=None).tidy()
    assert set(only["dimension"]) == {"second"}


def test_summary_is_bilingual_and_never_names_coders():
    df, *_ = two_coder_table(10)
    res = ev.coder_agreement(df, n_draws=199, seed=1)
    de, en = res.summary("de").as_text(), res.summary("en").as_text()
    assert "Übereinstimmung der Codierungen" in de and "Krippendorffs Alpha" in de
    assert "Agreement between coders" in en and "Cohen's kappa" in en
    assert "Anna" not in de + en and "Ben" not in de + en
    # German number format: decimal comma
    est = res.tidy()["estimate"].iloc[0]
    assert f"{est:.3f}".replace(".", ",") in de
    fig = res.plot(lang="en")
    assert fig.axes
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_bad_input_names_table_row_and_field():
    df, *_ = two_coder_table(12, n=10)
    with pytest.raises(DataError, match="row 20: a second code by the same coder"):
        ev.coder_agreement(pd.concat([df, df.iloc[[0]]], ignore_index=True), n_draws=None)
    with pytest.raises(DataError, match=r"row \d+, field code: '[a-z]+' is not a"):
        ev.coder_agreement(df, level="interval", n_draws=None)
    with pytest.raises(DataError, match="lacks the column"):
        ev.coder_agreement(df.drop(columns="coder"))
    with pytest.raises(DataError, match="no codes for dimension"):
        ev.coder_agreement(df, dimension="novelty")
    with pytest.raises(ValueError, match="level of dimension"):
        ev.coder_agreement(df, level="nomimal")
    with pytest.raises(DataError, match="no measure has codes of two coders"):
        ev.coder_agreement(df[df["coder"] == "Anna"], n_draws=None)
    with pytest.raises(ValueError, match="n_draws"):
        ev.coder_agreement(df, n_draws=10)
