"""Benchmark: validating a study whose indicators table has 1,000,000 (or ``--rows``) rows.

Run: ``.venv/bin/python benchmarks/bench_validation.py`` (or ``make bench``);
``--rows 10000000`` for ten million indicator rows.
Writes the study to a temporary folder as CSV, then times ``load_study`` (read, type
coercion and every content check) and ``Study.problems()`` on the loaded study, each in a
fresh child process that reports its peak resident memory (interpreter and imports included;
the in-memory size of the loaded indicators table is printed beside it). Target: seconds,
not minutes, and memory of a small multiple of the table (the ratio is printed; it includes
the interpreter and its imports, about 110 MiB).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
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


def _peak_mib() -> float:
    """Peak resident memory of this process (MiB). Linux: the high-water mark of this
    process image (``ru_maxrss`` would also count the parent's memory at the fork before
    the child's exec, here the whole built study)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load(folder: str, conn) -> None:
    t0 = time.perf_counter()
    loaded = ev.load_study(folder)
    t1 = time.perf_counter()
    problems = loaded.problems()
    t2 = time.perf_counter()
    table_mb = loaded.indicators.memory_usage(deep=True).sum() / 2**20
    peak = _peak_mib()
    conn.send((len(loaded.indicators), t1 - t0, t2 - t1, len(problems), table_mb, peak))
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="indicator rows")
    args = ap.parse_args()
    t0 = time.perf_counter()
    study = build(args.rows)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "study"
        study.save(folder)
        del study
        size = (folder / "indicators.csv").stat().st_size / 1e6
        t2 = time.perf_counter()
        ctx = mp.get_context("spawn")
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_load, args=(str(folder), send))
        proc.start()
        send.close()
        rows, t_load, t_problems, n_problems, table_mb, peak = receive.recv()
        proc.join()
    print(f"indicators rows:            {rows:,} ({size:.0f} MB CSV, {table_mb:.0f} MiB in memory)")
    print(f"build in memory + save:     {t2 - t0:6.2f} s (build {t1 - t0:.2f} s)")
    print(f"load_study (read+validate): {t_load:6.2f} s")
    print(f"Study.problems() in memory: {t_problems:6.2f} s  ({n_problems} problems)")
    print(
        f"peak memory of the child:   {peak:6.0f} MiB (load_study + problems), "
        f"{peak / table_mb:.1f}x the table"
    )


if __name__ == "__main__":
    main()
