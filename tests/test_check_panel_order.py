"""check_panel sorts and converts ids by integer codes; the reference is pandas' own
conversion and sort of the whole columns."""

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import DataError
from evaluation.study.panel import Roles, check_panel

ROLES = Roles(outcome="y", unit="id", time="year", cohort="g")


def _panel(ids: list, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(i, t) for i in ids for t in range(2001, 2006)]
    df = pd.DataFrame(rows, columns=["id", "year"])
    g = {i: (2003 if k % 3 == 0 else 0) for k, i in enumerate(ids)}
    df["g"] = df["id"].map(g)
    df["y"] = rng.normal(size=len(df))
    return df.sample(frac=1.0, random_state=1).reset_index(drop=True)


@pytest.mark.parametrize(
    "ids", [[10, 2, 33, 1, 100, 7], ["b", "a10", "a2", "Ä", "z", "01"], [5, 12, 40]]
)
def test_order_and_ids_as_pandas_sort(ids: list) -> None:
    df = _panel(ids)
    before = df.copy()
    out = check_panel(df, ROLES)
    ref = df.assign(id=df["id"].astype("string"))
    ref = ref.sort_values(["id", "year"], kind="stable").reset_index(drop=True)
    assert out["id"].dtype == ref["id"].dtype
    assert out["id"].tolist() == ref["id"].tolist()
    assert out["year"].tolist() == ref["year"].tolist()
    np.testing.assert_array_equal(out["y"].to_numpy(), ref["y"].to_numpy())
    pd.testing.assert_frame_equal(df, before)  # input untouched


def test_ids_equal_as_text_are_one_unit() -> None:
    df = _panel([1, 2, 3])
    df["id"] = df["id"].astype(object)
    df.loc[df["id"] == 1, "id"] = "1"  # 1 and "1" are the same unit as text
    df.loc[(df["id"] == "1") & (df["year"] == 2001), "id"] = 1
    out = check_panel(df, ROLES)
    assert out["id"].nunique() == 3


def test_duplicates_and_varying_cohort_still_named() -> None:
    df = _panel([1, 2, 3])
    dup = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="share a unit-year pair"):
        check_panel(dup, ROLES)
    bad = df.copy()
    bad.loc[(bad["id"] == 2) & (bad["year"] == 2005), "g"] = 2004
    with pytest.raises(DataError, match=r"varies within unit\(s\) \['2'\]"):
        check_panel(bad, ROLES)
    flat = df.copy()
    flat["y"] = flat["id"].astype(float)
    with pytest.raises(DataError, match="does not change over time within any unit"):
        check_panel(flat, ROLES)
