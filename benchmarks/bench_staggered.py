"""Benchmark of the staggered difference-in-differences estimator (``att_gt``).

A synthetic panel of 11,000 municipalities x 20 years (the number of German municipalities) with
10 treatment cohorts and never-treated units. Timed: ``att_gt`` + all four aggregations + 999
multiplier bootstrap draws, (a) without covariates and (b) doubly robust with two covariates.
If the Python ports ``csdid`` and ``differences`` are importable (``pip install -e '.[bench]'``),
they are run on the same data in the same run and the ratios are printed.

Run::

    python benchmarks/bench_staggered.py            # all
    python benchmarks/bench_staggered.py --no-ports # only this package
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import io
import platform
import resource
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from evaluation import att_gt

N_UNITS, N_YEARS, FIRST_YEAR = 11_000, 20, 2005
COHORTS = list(range(2008, 2018))  # 10 cohorts


def make_panel(seed: int = 0, n_units: int = N_UNITS) -> pd.DataFrame:
    """Balanced panel with unit and year effects, covariate-dependent trends and cohort-specific
    effects that grow with time since treatment."""
    rng = np.random.default_rng(seed)
    n, T = n_units, N_YEARS
    years = np.arange(FIRST_YEAR, FIRST_YEAR + T)
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.4, size=n).astype(float)
    p_treat = 1 / (1 + np.exp(-(-0.3 + 0.5 * x1 - 0.3 * x2)))
    treated = rng.random(n) < p_treat
    cohort = np.where(treated, rng.choice(COHORTS, size=n), 0)
    unit_fe = rng.normal(size=n) + 0.5 * x1
    year_fe = np.cumsum(rng.normal(0.1, 0.2, size=T))
    tt = years[None, :] - FIRST_YEAR
    y = (
        unit_fe[:, None]
        + year_fe[None, :]
        + 0.05 * x1[:, None] * tt
        + rng.normal(scale=0.5, size=(n, T))
    )
    rel = years[None, :] - cohort[:, None]
    effect = np.where((cohort[:, None] > 0) & (rel >= 0), 0.1 * (1 + rel), 0.0)
    y = y + effect
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n), T),
            "year": np.tile(years, n),
            "y": y.ravel(),
            "cohort": np.repeat(cohort, T),
            "x1": np.repeat(x1, T),
            "x2": np.repeat(x2, T),
        }
    )


def run_ours(df: pd.DataFrame, covariates: list[str] | None) -> dict[str, float]:
    res = att_gt(
        df,
        "y",
        unit="unit",
        time="year",
        cohort="cohort",
        method="dr",
        covariates=covariates,
        n_draws=999,
        seed=1,
    )
    out = {"n_cells": float(len(res.tidy()))}
    for kind in ("simple", "group", "dynamic", "calendar"):
        out[kind] = res.aggregate(kind).overall.estimate
    return out


def run_csdid(df: pd.DataFrame, covariates: list[str] | None) -> None:
    from csdid.att_gt import ATTgt

    xformla = "y ~ " + ("+".join(covariates) if covariates else "1")
    d = df.rename(columns={"cohort": "first_treat"})
    att = ATTgt(
        yname="y",
        gname="first_treat",
        idname="unit",
        tname="year",
        xformla=xformla,
        data=d,
        biters=999,
    ).fit(est_method="dr", bstrap=True)
    for kind in ("simple", "group", "dynamic", "calendar"):
        att.aggte(typec=kind)


def run_differences(df: pd.DataFrame, covariates: list[str] | None) -> None:
    from differences import ATTgt

    d = df.set_index(["unit", "year"]).copy()
    d["cohort"] = d["cohort"].replace(0, np.nan)
    att = ATTgt(data=d, cohort_column="cohort")
    formula = "y ~ " + ("+".join(covariates) if covariates else "1")
    att.fit(
        formula=formula,
        est_method="dr",
        control_group="never_treated",
        boot_iterations=999,
        random_state=1,
        progress_bar=False,
    )
    for kind in ("simple", "event", "cohort", "time"):
        att.aggregate(kind, boot_iterations=999, random_state=1)


def timed(fn, *args) -> float:
    """Wall time in seconds (no memory tracing, which would slow pandas-heavy code down)."""
    gc.collect()
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def traced_peak(fn, *args) -> float:
    """Peak memory allocated by Python and numpy during a call, in MB (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def rss_mb() -> float:
    """High-water mark of the resident memory of this process so far, in MB (Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-ports", action="store_true", help="skip csdid and differences")
    ap.add_argument("--repeat", type=int, default=3, help="repetitions of our runs (best kept)")
    ap.add_argument("--units", type=int, default=N_UNITS, help="number of units (default 11000)")
    args = ap.parse_args()
    df = make_panel(n_units=args.units)
    print(
        f"panel: {args.units:,} units x {N_YEARS} years = {len(df):,} rows, "
        f"{len(COHORTS)} cohorts; {platform.python_version()}, numpy {np.__version__}"
    )
    scenarios = {"no covariates": None, "dr + 2 covariates": ["x1", "x2"]}
    ours: dict[str, float] = {}
    quiet = warnings.catch_warnings
    for name, covs in scenarios.items():
        with quiet():
            warnings.simplefilter("ignore")
            best = min(timed(run_ours, df, covs) for _ in range(args.repeat))
            peak = traced_peak(run_ours, df, covs)
        ours[name] = best
        print(
            f"evaluation.att_gt  {name:<18} {best:7.2f} s   peak traced memory {peak:6.0f} MB"
            f"   (best of {args.repeat})"
        )
    print(f"process peak resident memory so far: {rss_mb():.0f} MB")
    if args.no_ports:
        return
    for port, fn in (("csdid", run_csdid), ("differences", run_differences)):
        if importlib.util.find_spec(port) is None:
            print(f"{port}: not installed (pip install -e '.[bench]')")
            continue
        for name, covs in scenarios.items():
            sink = io.StringIO()
            try:
                with (
                    quiet(),
                    contextlib.redirect_stdout(sink),
                    contextlib.redirect_stderr(sink),
                ):
                    warnings.simplefilter("ignore")
                    t = timed(fn, df, covs)
            except Exception as err:  # a port failing is a result, not a crash
                print(f"{port:<18} {name:<18} failed: {type(err).__name__}: {err}")
                continue
            print(
                f"{port:<18} {name:<18} {t:7.2f} s   ratio to evaluation {t / ours[name]:6.1f}x"
                f"   process peak resident memory so far {rss_mb():.0f} MB"
            )


if __name__ == "__main__":
    main()
