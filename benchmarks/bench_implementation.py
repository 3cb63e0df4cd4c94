"""Benchmark: every implementation analysis on the synthetic demo study.

Run: ``.venv/bin/python benchmarks/bench_implementation.py`` (or ``make bench``).
Times each analysis (rates with the cluster bootstrap and with the GEE interval, rates by
several groupings, progression, transitions, both paired comparisons, field differences with
the simulated p-value, the GEE and the logit model, time to implementation) and their total.
Target: all together under 10 seconds.
"""

from __future__ import annotations

import time
import warnings

import evaluation as ev

TARGET_SECONDS = 10.0


def main(seed: int = 0) -> float:
    study = ev.datasets.synthetic_study(seed=seed)
    runs = {
        "implementation_rates (bootstrap)": lambda: ev.implementation_rates(study),
        "implementation_rates (gee)": lambda: ev.implementation_rates(
            study, cluster_interval="gee"
        ),
        "implementation_rates by cohort x field": lambda: ev.implementation_rates(
            study, by=["cohort", "action_field"], success="at_least_partial"
        ),
        "implementation_rates by municipality": lambda: ev.implementation_rates(
            study, by="municipality"
        ),
        "status_progression": lambda: ev.status_progression(study),
        "status_transitions": lambda: ev.status_transitions(study, by="action_field"),
        "before_after_implementation": lambda: ev.before_after_implementation(study),
        "cycle_comparison": lambda: ev.cycle_comparison(study),
        "field_differences (simulated p)": lambda: ev.field_differences(study, method="simulated"),
        "implementation_model (gee)": lambda: ev.implementation_model(study),
        "implementation_model (logit)": lambda: ev.implementation_model(study, method="logit"),
        "time_to_implementation": lambda: ev.time_to_implementation(study),
    }
    total = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            total += elapsed
            print(f"{name:<42} {elapsed:7.3f} s")
    verdict = "ok" if total < TARGET_SECONDS else "TOO SLOW"
    print(f"{'total':<42} {total:7.3f} s  (target < {TARGET_SECONDS:.0f} s: {verdict})")
    return total


if __name__ == "__main__":
    main()
