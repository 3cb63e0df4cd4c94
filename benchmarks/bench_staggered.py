"""Benchmark of ``att_gt`` against diff-diff, csdid and differences, in one run.

A synthetic panel of municipalities x 20 years (11,000 units: the number of German
municipalities; ``--units`` adds e.g. 200,000) with 10 treatment cohorts and never-treated
units. Timed: ``att_gt`` (doubly robust, never-treated comparison, 999 Mammen multiplier draws)
plus all aggregations, (a) without covariates and (b) with two covariates. Every package runs
in its own fresh child process (import, data load and first fit timed separately), then warm
(best of ``--repeat`` further fits in the same process); the child's peak resident memory is
reported and its address space is limited (``--memory-gb``, default 8). A peer that runs out
of that memory, fails, or exceeds ``--timeout`` seconds is reported as skipped; a peer whose
time at a smaller panel predicts more than the timeout at a larger one is not started.
diff-diff has no calendar aggregation (it is given simple, event_study and group). The
estimates are compared with ours: the largest absolute difference of the overall (simple) ATT
and of the group-time ATTs.

Run::

    python benchmarks/bench_staggered.py                              # 11,000 units, all peers
    python benchmarks/bench_staggered.py --units 11000 200000 --repeat 3
    python benchmarks/bench_staggered.py --peers evaluation diff-diff
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

N_UNITS, N_YEARS, FIRST_YEAR = 11_000, 20, 2005
COHORTS = list(range(2008, 2018))  # 10 cohorts
N_DRAWS = 999
PACKAGES = ("evaluation", "diff-diff", "csdid", "differences")
MODULES = {
    "evaluation": "evaluation",
    "diff-diff": "diff_diff",
    "csdid": "csdid.att_gt",
    "differences": "differences",
}
SCENARIOS = {"none": None, "x1+x2": ["x1", "x2"]}


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


Effects = tuple[float, dict[tuple[int, int], float]]


def fit_evaluation(df: pd.DataFrame, covariates: list[str] | None) -> Effects:
    from evaluation import att_gt

    res = att_gt(
        df,
        "y",
        unit="unit",
        time="year",
        cohort="cohort",
        method="dr",
        covariates=covariates,
        n_draws=N_DRAWS,
        seed=1,
    )
    overall = res.aggregate("simple").overall.estimate
    for kind in ("group", "dynamic", "calendar"):
        res.aggregate(kind)
    t = res.tidy()
    gt = {
        (int(g), int(s)): float(a)
        for g, s, a in zip(t["cohort"], t["time"], t["estimate"], strict=True)
    }
    return float(overall), gt


def fit_diff_diff(df: pd.DataFrame, covariates: list[str] | None) -> Effects:
    from diff_diff import CallawaySantAnna

    est = CallawaySantAnna(
        control_group="never_treated",
        estimation_method="dr",
        n_bootstrap=N_DRAWS,
        bootstrap_weights="mammen",
        seed=1,
    )
    res = est.fit(df, "y", "unit", "year", "cohort", covariates=covariates)
    for kind in ("simple", "event_study", "group"):
        res.aggregate(kind)
    gt = {(int(g), int(s)): float(v["effect"]) for (g, s), v in res.group_time_effects.items()}
    return float(res.overall_att), gt


def fit_csdid(df: pd.DataFrame, covariates: list[str] | None) -> Effects:
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
        biters=N_DRAWS,
    ).fit(est_method="dr", bstrap=True)
    gt = {
        (int(g), int(s)): float(a)
        for g, s, a in zip(
            att.results["group"], att.results["year"], att.results["att"], strict=True
        )
    }
    for kind in ("group", "dynamic", "calendar"):
        att.aggte(typec=kind)
    att.aggte(typec="simple")
    return float(att.atte["overall_att"]), gt


def fit_differences(df: pd.DataFrame, covariates: list[str] | None) -> Effects:
    from differences import ATTgt

    d = df.set_index(["unit", "year"]).copy()
    d["cohort"] = d["cohort"].replace(0, np.nan)
    att = ATTgt(data=d, cohort_column="cohort")
    formula = "y ~ " + ("+".join(covariates) if covariates else "1")
    att.fit(
        formula=formula,
        est_method="dr",
        control_group="never_treated",
        boot_iterations=N_DRAWS,
        random_state=1,
        progress_bar=False,
    )
    table = att.results()
    col = next(c for c in table.columns if c[-1] == "ATT")
    gt = {(int(g), int(s)): float(a) for (g, _, s), a in zip(table.index, table[col], strict=True)}
    overall = att.aggregate("simple", boot_iterations=N_DRAWS, random_state=1).iloc[0, 0]
    for kind in ("event", "cohort", "time"):
        att.aggregate(kind, boot_iterations=N_DRAWS, random_state=1)
    return float(overall), gt


FITS = {
    "evaluation": fit_evaluation,
    "diff-diff": fit_diff_diff,
    "csdid": fit_csdid,
    "differences": fit_differences,
}


def child(package: str, data: str, scenario: str, repeat: int, budget: float) -> None:
    """One fresh process: import, data load, first fit, then warm fits; JSON on stdout."""
    out = sys.stdout
    sink = io.StringIO()  # the peers print progress and summaries
    warnings.simplefilter("ignore")
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        t0 = time.perf_counter()
        __import__(MODULES[package])
        t_import = time.perf_counter() - t0
        t0 = time.perf_counter()
        df = pd.read_pickle(data)
        t_load = time.perf_counter() - t0
        fit = FITS[package]
        t0 = time.perf_counter()
        overall, gt = fit(df, SCENARIOS[scenario])
        t_first = time.perf_counter() - t0
        warm: list[float] = []
        spent = 0.0
        while len(warm) < repeat and (not warm or spent + min(warm) < budget):
            t0 = time.perf_counter()
            fit(df, SCENARIOS[scenario])
            warm.append(time.perf_counter() - t0)
            spent += warm[-1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KB -> GB
    record = {
        "import": t_import,
        "load": t_load,
        "first": t_first,
        "warm": min(warm),
        "n_warm": len(warm),
        "peak_gb": peak,
        "overall": overall,
        "gt": [[g, s, a] for (g, s), a in gt.items()],
    }
    out.write(json.dumps(record) + "\n")


def _limit_memory(gb: float):
    def set_limit() -> None:
        limit = int(gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return set_limit


def run_child(package, data, scenario, args) -> tuple[dict | None, str]:
    cmd = [sys.executable, __file__, "--child", package, "--data", data]
    cmd += ["--scenario", scenario, "--repeat", str(args.repeat)]
    cmd += ["--warm-budget", str(args.warm_budget)]
    # bytecode caches on, as for an installed package (an environment that switches them
    # off would time the compilation of every imported module)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            env=env,
            capture_output=True,
            text=True,
            timeout=args.timeout,
            preexec_fn=_limit_memory(args.memory_gb),
        )
    except subprocess.TimeoutExpired:
        return None, f"skipped: more than {args.timeout:.0f} s"
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1][:120]
        if "MemoryError" in proc.stderr or "memory" in tail.lower() or proc.returncode < 0:
            return None, f"skipped: needs more than {args.memory_gb:g} GB ({tail})"
        return None, f"failed: {tail}"
    record = json.loads(proc.stdout.strip().splitlines()[-1])
    record["process"] = wall  # interpreter start + import + load + first and warm fits
    return record, ""


def agreement(ours: dict, other: dict) -> str:
    d_overall = abs(ours["overall"] - other["overall"])
    a = {(g, s): v for g, s, v in ours["gt"]}
    b = {(g, s): v for g, s, v in other["gt"]}
    common = a.keys() & b.keys()
    d_gt = max((abs(a[k] - b[k]) for k in common), default=float("nan"))
    return f"{d_overall:.1e} / {d_gt:.1e} ({len(common)} cells)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, nargs="+", default=[N_UNITS])
    ap.add_argument("--peers", nargs="+", default=list(PACKAGES), choices=PACKAGES)
    ap.add_argument("--repeat", type=int, default=3, help="warm fits per process (best kept)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per child process")
    ap.add_argument("--memory-gb", type=float, default=8.0, help="address-space limit per child")
    ap.add_argument("--warm-budget", type=float, default=120.0, help="stop warm fits after (s)")
    ap.add_argument("--child", choices=PACKAGES, help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--scenario", choices=list(SCENARIOS), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.data, args.scenario, args.repeat, args.warm_budget)
        return
    peers = ["evaluation"] + [p for p in args.peers if p != "evaluation"]
    print(
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; Python "
        f"{platform.python_version()}, numpy {np.__version__}; {N_YEARS} years, "
        f"{len(COHORTS)} cohorts, dr, never treated, {N_DRAWS} draws, all aggregations; "
        f"fresh = import + load + first fit in a new process, warm = best of {args.repeat}"
    )
    head = (
        f"{'units':>8} {'covariates':<10} {'package':<12} {'import':>7} {'first':>8} "
        f"{'fresh':>8} {'warm':>8} {'peak GB':>7} {'fresh x':>8} {'warm x':>7}  "
        "|diff| overall / ATT(g,t)"
    )
    print(head)
    seconds: dict[tuple[str, str], tuple[int, float]] = {}  # last size's fresh time
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.units:
            data = str(Path(tmp) / f"panel_{n}.pkl")
            make_panel(n_units=n).to_pickle(data)
            for scenario in SCENARIOS:
                ours = None
                for package in peers:
                    prev = seconds.get((package, scenario))
                    if prev is not None and prev[1] * n / prev[0] > args.timeout:
                        print(
                            f"{n:>8,} {scenario:<10} {package:<12} skipped: "
                            f"{prev[1]:.0f} s at {prev[0]:,} units predict "
                            f"{prev[1] * n / prev[0]:.0f} s > {args.timeout:.0f} s"
                        )
                        continue
                    rec, why = run_child(package, data, scenario, args)
                    if rec is None:
                        print(f"{n:>8,} {scenario:<10} {package:<12} {why}")
                        if why.startswith("skipped: more"):
                            seconds[(package, scenario)] = (n, args.timeout)
                        continue
                    fresh = rec["import"] + rec["load"] + rec["first"]
                    seconds[(package, scenario)] = (n, fresh)
                    if package == "evaluation":
                        ours = rec
                    ratio_f = ratio_w = agree = ""
                    if ours is not None and package != "evaluation":
                        ours_fresh = ours["import"] + ours["load"] + ours["first"]
                        ratio_f = f"{fresh / ours_fresh:.1f}"
                        ratio_w = f"{rec['warm'] / ours['warm']:.1f}"
                        agree = agreement(ours, rec)
                    print(
                        f"{n:>8,} {scenario:<10} {package:<12} {rec['import']:7.2f} "
                        f"{rec['first']:8.2f} {fresh:8.2f} {rec['warm']:8.2f} "
                        f"{rec['peak_gb']:7.2f} {ratio_f:>8} {ratio_w:>7}  {agree}",
                        flush=True,
                    )
    print(
        "times in seconds; x = peer / evaluation (above 1: evaluation faster); fresh excludes "
        f"the interpreter start; load {os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    main()
