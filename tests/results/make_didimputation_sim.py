"""Write didimputation_sim.csv: a simulated staggered panel with known effects.

The panel is the third reference design of ``make_didimputation_reference.R`` and
``make_did2s_reference.R`` (R reads the CSV written here) and of the tests, which also check
that both estimators recover the true effects. Design: 300 units in 30 states, years
2010-2020, cohorts 2013, 2015, 2017 and never treated, plus 6 units treated from the first
year (no untreated observation: the estimators must leave them out); about 8 % of the
unit-years missing at random (unbalanced); a time-varying covariate ``x`` that shifts the
untreated outcome; positive unit weights ``w``. True effect of a treated unit-year:
``1 + 0.25 * (year - cohort)`` (column ``effect``), the same for every cohort, so the true
effect at each horizon is known exactly. Run from the project root::

    python tests/results/make_didimputation_sim.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20240513


def simulate(seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, years = 300, np.arange(2010, 2021)
    cohort = rng.choice([0, 2013, 2015, 2017], size=n, p=[0.4, 0.2, 0.2, 0.2])
    cohort[:6] = 2010
    state = rng.integers(1, 31, size=n)
    unit_fe = rng.normal(scale=1.0, size=n) + 0.3 * (cohort > 0)
    year_fe = np.cumsum(rng.normal(0.2, 0.3, size=years.size))
    w = rng.uniform(0.5, 2.0, size=n)
    rows = []
    for i in range(n):
        for j, t in enumerate(years):
            x = 0.5 * unit_fe[i] + 0.1 * (t - 2010) + rng.normal()
            treated = cohort[i] > 0 and t >= cohort[i]
            effect = 1.0 + 0.25 * (t - cohort[i]) if treated else 0.0
            y = unit_fe[i] + year_fe[j] + 0.8 * x + effect + rng.normal(scale=0.3)
            rows.append((i + 1, state[i], t, cohort[i], x, w[i], effect, y))
    df = pd.DataFrame(rows, columns=["unit", "state", "year", "cohort", "x", "w", "effect", "y"])
    keep = rng.random(len(df)) >= 0.08
    return df.loc[keep].reset_index(drop=True)


def main() -> None:
    df = simulate()
    out = HERE / "didimputation_sim.csv"
    tmp = out.with_suffix(".csv.tmp")
    df.to_csv(tmp, index=False, float_format="%.12g", lineterminator="\n")
    tmp.replace(out)
    print(f"wrote {out.name}: {len(df)} rows")


if __name__ == "__main__":
    main()
