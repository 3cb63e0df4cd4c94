"""Benchmark of the imputation (BJS) and two-stage (Gardner) estimators.

The panel of ``bench_staggered.py``: 11,000 municipalities x 20 years, 10 treatment cohorts and
never-treated units. Timed tasks, each the static effect and the event study with standard
errors:

- ``imputation``: ``did_imputation`` (static and ``horizons=True``) against diff-diff's
  ``ImputationDiD`` (fit and ``aggregate("event_study")``);
- ``two-stage``: ``did_two_stage`` (static and ``horizons=True``, leads and lags) against
  pyfixest's ``did2s`` (second stages ``~ treat`` and ``~ i(rel_year, ref=-1.0)``) and
  diff-diff's ``TwoStageDiD``.

The other packages run when importable (``pip install -e '.[bench]'``), each in a child
process with a memory limit (``--memory-gb``, default 12), so that one that needs more memory
than the machine has fails with a message instead of taking the machine down; the run prints
each time, the ratio to this package, and the difference of the static estimate and its
standard error from ours (all follow the same definitions, so they should agree). Run::

    python benchmarks/bench_imputation.py              # all
    python benchmarks/bench_imputation.py --no-others  # only this package
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import io
import multiprocessing as mp
import platform
import resource
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation import did_imputation, did_two_stage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_staggered import COHORTS, N_UNITS, N_YEARS, make_panel  # noqa: E402

Run = Callable[[pd.DataFrame], tuple[float, float]]


def ours_imputation(df: pd.DataFrame) -> tuple[float, float]:
    static = did_imputation(df, "y", "unit", "year", "cohort")
    did_imputation(df, "y", "unit", "year", "cohort", horizons=True)
    return float(static.params.iloc[0]), float(static.std_errors.iloc[0])


def ours_two_stage(df: pd.DataFrame) -> tuple[float, float]:
    static = did_two_stage(df, "y", "unit", "year", "cohort")
    did_two_stage(df, "y", "unit", "year", "cohort", horizons=True)
    return float(static.params.iloc[0]), float(static.std_errors.iloc[0])


def diff_diff_imputation(df: pd.DataFrame) -> tuple[float, float]:
    from diff_diff import ImputationDiD

    res = ImputationDiD(cluster="unit").fit(
        df, outcome="y", unit="unit", time="year", first_treat="cohort"
    )
    res.aggregate("event_study")
    return float(res.overall_att), float(res.overall_se)


def diff_diff_two_stage(df: pd.DataFrame) -> tuple[float, float]:
    from diff_diff import TwoStageDiD

    res = TwoStageDiD(cluster="unit").fit(
        df, outcome="y", unit="unit", time="year", first_treat="cohort"
    )
    res.aggregate("event_study")
    return float(res.overall_att), float(res.overall_se)


def pyfixest_did2s(df: pd.DataFrame) -> tuple[float, float]:
    import pyfixest as pf

    d = df.copy()
    d["treat"] = ((d["cohort"] > 0) & (d["year"] >= d["cohort"])).astype(int)
    d["rel_year"] = np.where(d["cohort"] > 0, d["year"] - d["cohort"], np.inf)
    kw = {"yname": "y", "first_stage": "~ 0 | unit + year", "treatment": "treat"}
    static = pf.did2s(d, second_stage="~ treat", cluster="unit", **kw)
    pf.did2s(d, second_stage="~ i(rel_year, ref=-1.0)", cluster="unit", **kw)
    tidy = static.tidy()
    return float(tidy["Estimate"].iloc[0]), float(tidy["Std. Error"].iloc[0])


def timed(fn: Run, df: pd.DataFrame, repeat: int) -> tuple[float, tuple[float, float]]:
    """Best wall time of ``repeat`` calls and the (estimate, SE) of the last."""
    best, out = float("inf"), (float("nan"), float("nan"))
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn(df)
        best = min(best, time.perf_counter() - t0)
    return best, out


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
            result = ("ok", timed(globals()[fn_name], df, repeat))
    except MemoryError:
        result = ("failed", f"out of memory (limit {limit_bytes / 2**30:.0f} GB)")
    except Exception as err:  # another package failing is a result, not a crash
        result = ("failed", f"{type(err).__name__}: {str(err)[:200]}")
    gc.collect()
    conn.send(result)
    conn.close()


def run_isolated(fn: Run, n_units: int, repeat: int, memory_gb: float):
    """Run ``fn`` in a child process under an address-space limit; (status, value)."""
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_child, args=(fn.__name__, n_units, repeat, int(memory_gb * 2**30), send)
    )
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-others", action="store_true", help="skip pyfixest and diff-diff")
    ap.add_argument("--repeat", type=int, default=3, help="repetitions of each run (best kept)")
    ap.add_argument("--units", type=int, default=N_UNITS, help="number of units (default 11000)")
    ap.add_argument(
        "--memory-gb", type=float, default=12.0, help="memory limit of each other package's run"
    )
    args = ap.parse_args()
    df = make_panel(n_units=args.units)
    print(
        f"panel: {args.units:,} units x {N_YEARS} years = {len(df):,} rows, "
        f"{len(COHORTS)} cohorts; python {platform.python_version()}, numpy {np.__version__}"
    )
    tasks: dict[str, list[tuple[str, str | None, Run]]] = {
        "imputation": [
            ("evaluation.did_imputation", None, ours_imputation),
            ("diff-diff ImputationDiD", "diff_diff", diff_diff_imputation),
        ],
        "two-stage": [
            ("evaluation.did_two_stage", None, ours_two_stage),
            ("pyfixest did2s", "pyfixest", pyfixest_did2s),
            ("diff-diff TwoStageDiD", "diff_diff", diff_diff_two_stage),
        ],
    }
    for task, runs in tasks.items():
        print(f"\n{task} (static + event study, clustered by unit; best of {args.repeat})")
        base_t, base = None, None
        for name, module, fn in runs:
            if module is not None and (args.no_others or importlib.util.find_spec(module) is None):
                if not args.no_others:
                    print(f"  {name:<28} not installed (pip install -e '.[bench]')")
                continue
            if module is None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    t, (est, se) = timed(fn, df, args.repeat)
            else:
                status, value = run_isolated(fn, args.units, args.repeat, args.memory_gb)
                if status != "ok":
                    print(f"  {name:<28} failed: {value}")
                    continue
                t, (est, se) = value
            if base_t is None:
                base_t, base = t, (est, se)
                print(f"  {name:<28} {t:7.2f} s   ATT {est:.6f} (SE {se:.6f})")
            else:
                print(
                    f"  {name:<28} {t:7.2f} s   ratio to evaluation {t / base_t:6.1f}x   "
                    f"|dATT| {abs(est - base[0]):.1e}, |dSE| {abs(se - base[1]):.1e}"
                )


if __name__ == "__main__":
    main()
