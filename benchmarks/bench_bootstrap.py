"""Benchmark of ``att_gt`` with the multiplier bootstrap at growing numbers of units.

The panel of ``bench_staggered.py`` (20 years, 10 cohorts, never-treated units) at 1,000 /
11,000 / 50,000 / 200,000 units (``--units``). Each size runs in a fresh child process:
``att_gt`` (no covariates) with 999 draws and all four aggregations, timed, with the child's
peak resident memory; then the floor: a bare numpy product of the bootstrap's shape (draws x
units Mammen indicators in single precision times the units x cells influence sums), the one
operation the bootstrap cannot avoid. The ratio time / floor says how much the estimator adds
around it. Beyond ``evaluation.staggered._bootstrap.MEMORY_BUDGET`` (256 MB of weights, about
67,000 units at 999 draws) the weights are regenerated in blocks of 256 draws, so the memory
of the weights stays at one block. Run::

    python benchmarks/bench_bootstrap.py                       # all four sizes
    python benchmarks/bench_bootstrap.py --units 1000 11000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_staggered import make_panel  # noqa: E402

N_DRAWS = 999
AGGREGATIONS = ("simple", "dynamic", "group", "calendar")


def _child(n_units: int, conn) -> None:
    import evaluation as ev

    df = make_panel(n_units=n_units)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        res = ev.att_gt(df, "y", unit="unit", time="year", cohort="cohort", n_draws=N_DRAWS, seed=1)
        for kind in AGGREGATIONS:
            res.aggregate(kind).tidy()
        t_att = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    k = len(res.tidy())
    stored = bool(res._bootstrap.stored)
    # the floor: one product of the bootstrap's shape, as the bootstrap takes it
    rng = np.random.default_rng(0)
    v = (rng.random((N_DRAWS, n_units), dtype=np.float32) >= 0.72).astype(np.float32)
    s = rng.normal(size=(n_units, k)).astype(np.float32)
    t0 = time.perf_counter()
    v @ s
    t_floor = time.perf_counter() - t0
    conn.send((t_att, peak, k, stored, t_floor))
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, nargs="+", default=[1_000, 11_000, 50_000, 200_000])
    args = ap.parse_args()
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; att_gt with "
        f"{N_DRAWS} draws + {', '.join(AGGREGATIONS)} (first call in a fresh process)"
    )
    ctx = mp.get_context("spawn")
    for n in args.units:
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(n, send))
        proc.start()
        send.close()
        t_att, peak, k, stored, t_floor = receive.recv()
        proc.join()
        weights = "stored" if stored else "regenerated in blocks"
        print(
            f"  {n:>8,} units: {t_att:7.2f} s, peak {peak / 2**30:5.2f} GB, {k} cells, weights "
            f"{weights}; floor (product {N_DRAWS} x {n:,} x {k}) {t_floor:6.3f} s, "
            f"ratio x{t_att / t_floor:6.1f}",
            flush=True,
        )
    print(f"(load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
