"""Write the input data of the Cox reference test (cox_*_input.csv).

- ``cox_demo_input.csv``: the durations of ``time_to_implementation`` on the synthetic demo
  study (``synthetic_study(seed=1)``, by action field, ``dropped="not_implemented"``): report
  number of first implementation or censoring, event indicator, action field and
  municipality (the cluster). Three distinct times for 2,245 measures: heavily tied.
- ``cox_ties_input.csv``: a small data set (seed 20240617) with many ties, a binary and a
  continuous covariate and 12 clusters of unequal size.

R reads these files (make_cox_survival.R) and writes the reference numbers. Run from the
project root::

    python tests/results/make_cox_inputs.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import evaluation as ev

HERE = Path(__file__).resolve().parent


def demo_input() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tti = ev.time_to_implementation(ev.datasets.synthetic_study(seed=1))
    d = tti.durations
    return pd.DataFrame(
        {
            "time": d["time"].astype("int64"),
            "event": d["event"].astype("int64"),
            "action_field": d["action_field"].astype(str),
            "cluster": d["municipality_id"].astype(str),
        }
    )


def ties_input(seed: int = 20240617, n: int = 90) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cluster = rng.choice(12, size=n, p=np.arange(1, 13) / 78)
    frailty = rng.normal(0, 0.5, size=12)[cluster]
    x1 = rng.binomial(1, 0.4, size=n)
    x2 = np.round(rng.normal(size=n), 3)
    rate = np.exp(0.7 * x1 - 0.4 * x2 + frailty)
    t_event = np.ceil(rng.exponential(1 / rate) * 2)  # whole periods: many ties
    t_cens = rng.integers(1, 7, size=n)
    time = np.minimum(t_event, t_cens).astype("int64")
    return pd.DataFrame(
        {
            "time": time,
            "event": (t_event <= t_cens).astype("int64"),
            "x1": x1,
            "x2": x2,
            "cluster": [f"c{c:02d}" for c in cluster],
        }
    )


def main() -> None:
    demo_input().to_csv(HERE / "cox_demo_input.csv", index=False, lineterminator="\n")
    ties_input().to_csv(HERE / "cox_ties_input.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
