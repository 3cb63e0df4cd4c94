"""Benchmark: validating a study whose indicators table has 1,000,000 rows.

Run: ``.venv/bin/python benchmarks/bench_validation.py`` (or ``make bench``).
Writes the study to a temporary folder as CSV, then times ``load_study`` (read, type
coercion and every content check) and ``Study.problems()`` on the loaded study. Target: seconds,
not minutes.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import evaluation as ev


def build(n_rows: int = 1_000_000, seed: int = 0) -> ev.Study:
    base = ev.datasets.synthetic_study(seed=seed)
    ids = base.municipalities["municipality_id"].to_numpy()
    inds = base.indicator_catalogue["indicator"].to_numpy()
    years = np.arange(2006, 2025)
    # every (unit, indicator, year) at most once: draw distinct cells of the full grid
    grid = len(ids) * len(inds) * len(years)
    reps = int(np.ceil(n_rows / grid))
    cat = pd.concat(
        [
            base.indicator_catalogue.assign(indicator=lambda d, r=r: d["indicator"] + f"_{r}")
            for r in range(reps)
        ],
        ignore_index=True,
    )
    codes = cat["indicator"].to_numpy()
    rng = np.random.default_rng(seed)
    cell = rng.choice(len(ids) * len(codes) * len(years), size=n_rows, replace=False)
    u, rest = np.divmod(cell, len(codes) * len(years))
    c, y = np.divmod(rest, len(years))
    indicators = pd.DataFrame(
        {
            "municipality_id": ids[u],
            "year": years[y],
            "indicator": codes[c],
            "value": np.round(rng.normal(20, 5, n_rows), 2),
        }
    )
    tables = base.tables
    tables.update(indicators=indicators, indicator_catalogue=cat)
    return ev.Study(**tables)


def main() -> None:
    t0 = time.perf_counter()
    study = build()
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "study"
        study.save(folder)
        size = (folder / "indicators.csv").stat().st_size / 1e6
        t2 = time.perf_counter()
        loaded = ev.load_study(folder)
        t3 = time.perf_counter()
        problems = loaded.problems()
        t4 = time.perf_counter()
    print(f"indicators rows:            {len(loaded.indicators):,} ({size:.0f} MB CSV)")
    print(f"build in memory:            {t1 - t0:6.2f} s")
    print(f"load_study (read+validate): {t3 - t2:6.2f} s")
    print(f"Study.problems() in memory: {t4 - t3:6.2f} s  ({len(problems)} problems)")


if __name__ == "__main__":
    main()
