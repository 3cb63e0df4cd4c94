"""Benchmark of the fixed-effects regressions: ``twfe``, ``event_study`` and ``sun_abraham``.

The panel of ``bench_staggered.py`` (10 cohorts and never-treated units, 20 years) at 11,000
and 200,000 units. Each task is the same regression in every package, clustered by unit with
the small-sample factor G/(G-1) only:

- ``twfe``: ``y ~ post | unit + year``;
- ``event_study``: event-time dummies -5..5 (endpoints binned, reference -1) ``| unit + year``;
- ``sun_abraham``: one dummy per cohort and relative period (reference -1, never-treated
  units as comparison) ``| unit + year``; the table of interest is the cohort-by-period one.

pyfixest (``feols`` with ``ssc(k_adj=False, G_adj=True)``) and linearmodels (``PanelOLS`` on
the same dummies, clustered covariance rescaled by G/(G-1)) run when importable
(``pip install -e '.[bench]'``). Every run is a child process under an address-space limit
(``--memory-gb``), so a package that needs more memory fails with a message; the run prints the
best wall time of ``--repeat`` calls, the peak resident memory of the child (data included, the
same data for all), the ratio to this package and the largest difference of the coefficients
and standard errors from ours. Goal: at 11,000 and 200,000 units, for each of the three tasks, this package at least as
fast as pyfixest (warm ratio pyfixest/ours >= 1, printed as ``warm x`` of pyfixest) and with no
more peak memory (``memory x`` >= 1), with the same coefficients and standard errors (to 1e-10).
The fixed effects are absorbed by alternating projections; the Sun-Abraham cells are never
dense dummies (their design is projected through its effects, see
``evaluation.stats.effects``). Run::

    python benchmarks/bench_fixed_effects.py                     # 11,000 and 200,000 units
    python benchmarks/bench_fixed_effects.py --units 11000 --tasks twfe event_study
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import io
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_staggered import make_panel  # noqa: E402

LEADS = LAGS = 5
Fit = tuple[np.ndarray, np.ndarray]  # coefficients, standard errors (in a fixed order)


def _with_terms(df: pd.DataFrame) -> pd.DataFrame:
    """The regressors of the three tasks as columns the other packages can use."""
    d = df.copy()
    treated = d["cohort"] > 0
    rel = np.where(treated, d["year"] - d["cohort"], 0)
    d["post"] = (treated & (rel >= 0)).astype(float)
    d["rel_b"] = np.where(treated, np.clip(rel, -LEADS, LAGS), -1).astype(int)
    ge = np.where(treated & (rel != -1), d["cohort"] * 100 + (rel + 50), 0)
    d["ge"] = ge.astype(int)
    return d


def _order_es(names: list[str]) -> list[int]:
    return sorted(range(len(names)), key=lambda i: int(names[i]))


# --- this package ------------------------------------------------------------------------
def ours_twfe(df: pd.DataFrame) -> Fit:
    from evaluation import twfe

    t = twfe(df, "y", unit="unit", time="year", cohort="cohort").tidy()
    return t["estimate"].to_numpy(), t["std_error"].to_numpy()


def ours_event_study(df: pd.DataFrame) -> Fit:
    from evaluation import event_study

    res = event_study(
        df, "y", unit="unit", time="year", cohort="cohort", leads=LEADS, lags=LAGS, n_draws=None
    )
    t = res.tidy()
    t = t[~t["reference"]]
    return t["estimate"].to_numpy(), t["std_error"].to_numpy()


def ours_sun_abraham(df: pd.DataFrame) -> Fit:
    from evaluation import sun_abraham

    res = sun_abraham(df, "y", unit="unit", time="year", cohort="cohort")
    t = res.cohort_effects.tidy().sort_values(["cohort", "event_time"])
    return t["estimate"].to_numpy(), t["std_error"].to_numpy()


# --- pyfixest ----------------------------------------------------------------------------
def _pyfixest(df: pd.DataFrame, rhs: str, names: Callable[[str], int] | None) -> Fit:
    import pyfixest as pf

    fit = pf.feols(
        f"y ~ {rhs} | unit + year",
        data=df,
        vcov={"CRV1": "unit"},
        ssc=pf.ssc(k_adj=False, G_adj=True),
    )
    tidy = fit.tidy()
    if names is not None:
        tidy = tidy.iloc[sorted(range(len(tidy)), key=lambda i: names(str(tidy.index[i])))]
    return tidy["Estimate"].to_numpy(), tidy["Std. Error"].to_numpy()


def _level(term: str) -> int:
    return int(float(term.split("::")[1].rstrip("]").rstrip(")")))


def pyfixest_twfe(df: pd.DataFrame) -> Fit:
    return _pyfixest(_with_terms(df), "post", None)


def pyfixest_event_study(df: pd.DataFrame) -> Fit:
    return _pyfixest(_with_terms(df), "i(rel_b, ref=-1)", _level)


def pyfixest_sun_abraham(df: pd.DataFrame) -> Fit:
    return _pyfixest(_with_terms(df), "i(ge, ref=0)", _level)


# --- linearmodels ------------------------------------------------------------------------
def _linearmodels(d: pd.DataFrame, cols: list[str]) -> Fit:
    from linearmodels.panel import PanelOLS

    p = d.set_index(["unit", "year"])
    res = PanelOLS(p["y"], p[cols], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True, group_debias=False, debiased=False,
        auto_df=False, count_effects=False,
    )  # fmt: skip
    g = d["unit"].nunique()
    return res.params.to_numpy(), np.sqrt(np.diag(res.cov.to_numpy()) * g / (g - 1))


def _dummies(d: pd.DataFrame, column: str, ref: int) -> tuple[pd.DataFrame, list[str]]:
    levels = sorted(int(v) for v in d[column].unique() if v != ref)
    cols = [f"d{v}" for v in levels]
    new = pd.DataFrame(
        {c: (d[column] == v).astype(float) for c, v in zip(cols, levels, strict=True)}
    )
    return pd.concat([d, new.set_index(d.index)], axis=1), cols


def linearmodels_twfe(df: pd.DataFrame) -> Fit:
    return _linearmodels(_with_terms(df), ["post"])


def linearmodels_event_study(df: pd.DataFrame) -> Fit:
    d, cols = _dummies(_with_terms(df), "rel_b", -1)
    return _linearmodels(d, cols)


def linearmodels_sun_abraham(df: pd.DataFrame) -> Fit:
    d, cols = _dummies(_with_terms(df), "ge", 0)
    return _linearmodels(d, cols)


# --- running -----------------------------------------------------------------------------
def timed(
    fn: Callable[[pd.DataFrame], Fit], df: pd.DataFrame, repeat: int
) -> tuple[float, float, Fit]:
    """Time of the first call (imports and compilation included) and best of ``repeat``."""
    times, out = [], (np.array([]), np.array([]))
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn(df)
        times.append(time.perf_counter() - t0)
    return times[0], min(times[1:] or times), out


def _child(fn_name: str, n_units: int, repeat: int, limit_bytes: int, conn) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    sink = io.StringIO()
    try:
        df = make_panel(n_units=n_units)
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
        ):
            warnings.simplefilter("ignore")
            first, t, fit = timed(globals()[fn_name], df, repeat)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        result = ("ok", (first, t, peak, fit))
    except MemoryError:
        result = ("failed", f"out of memory (limit {limit_bytes / 2**30:.0f} GB)")
    except Exception as err:  # another package failing is a result, not a crash
        result = ("failed", f"{type(err).__name__}: {str(err)[:200]}")
    conn.send(result)
    conn.close()


def run_isolated(fn_name: str, n_units: int, repeat: int, memory_gb: float):
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn_name, n_units, repeat, int(memory_gb * 2**30), send))
    proc.start()
    send.close()
    try:
        result = receive.recv()
    except EOFError:
        result = None
    proc.join()
    if result is not None:
        return result
    return "failed", f"child process ended with code {proc.exitcode} (killed: out of memory?)"


PACKAGES = (("evaluation", None), ("pyfixest", "pyfixest"), ("linearmodels", "linearmodels"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, nargs="+", default=[11_000, 200_000])
    ap.add_argument(
        "--tasks", nargs="+", default=["twfe", "event_study", "sun_abraham"],
        choices=["twfe", "event_study", "sun_abraham"],
    )  # fmt: skip
    ap.add_argument(
        "--repeat", type=int, default=3, help="calls per run (first reported, best of the rest)"
    )
    ap.add_argument("--memory-gb", type=float, default=14.0, help="memory limit of each run")
    ap.add_argument("--no-others", action="store_true", help="only this package")
    ap.add_argument(
        "--sa-max-units", type=int, default=200_000,
        help="largest panel for sun_abraham (the other packages' 190 dense dummy columns need "
        "about 6 GB per copy at 200,000 units)",
    )  # fmt: skip
    args = ap.parse_args()
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    for n_units in args.units:
        print(f"\n{n_units:,} units x 20 years = {n_units * 20:,} rows ({args.repeat} calls)")
        for task in args.tasks:
            if task == "sun_abraham" and n_units > args.sa_max_units:
                print(f"  {task}: skipped above --sa-max-units {args.sa_max_units:,}")
                continue
            print(f"  {task}")
            base = None
            for label, module in PACKAGES:
                if module is not None and (
                    args.no_others or importlib.util.find_spec(module) is None
                ):
                    continue
                fn = f"{'ours' if module is None else module}_{task}"
                status, value = run_isolated(fn, n_units, args.repeat, args.memory_gb)
                if status != "ok":
                    print(f"    {label:<13} failed: {value}")
                    continue
                first, t, peak, (est, se) = value
                line = (
                    f"    {label:<13} first {first:7.2f} s  warm {t:7.2f} s  "
                    f"peak {peak / 2**30:5.2f} GB"
                )
                if base is None:
                    base = (t, peak, est, se, first)
                elif len(est) == len(base[2]):
                    line += (
                        f"  warm x{t / base[0]:5.2f}  first x{first / base[4]:5.2f}  "
                        f"memory x{peak / base[1]:5.2f}  "
                        f"max|d coef| {np.max(np.abs(est - base[2])):.1e}  "
                        f"max|d se| {np.max(np.abs(se - base[3])):.1e}"
                    )
                else:
                    line += f"  time x{t / base[0]:5.2f}  ({len(est)} vs {len(base[2])} terms)"
                print(line, flush=True)
        print(f"  (load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
