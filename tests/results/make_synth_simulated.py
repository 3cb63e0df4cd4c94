"""Write synth_simulated_panel.csv: a simulated panel with known effects.

40 never-treated units (``c01``...``c40``) and 5 treated ones in two adoption cohorts
(``t1``-``t3`` from 2011, ``t4``-``t5`` from 2014), years 2001-2018. The untreated outcome is a
factor model ``alpha_i + beta_t + gamma_i' f_t`` with two factors; every treated unit's
``alpha`` and ``gamma`` are a convex combination (Dirichlet weights) of three control units', so
an exact synthetic control exists. The effect of a treated unit-year is
``tau = 2 + 0.3 (year - cohort)`` from its onset on. Columns:

- ``y``: the outcome with noise (normal, sd 0.5): the data of the R reference
  (``make_synthdid_reference.R``);
- ``y_exact``: the same without noise, where the synthetic control recovers ``tau`` exactly;
- ``y_additive``: ``alpha_i + beta_t + tau`` without factors and noise, where DiD and
  synthetic DiD recover ``tau`` exactly;
- ``tau``: the true effect (0 before onset and for controls).

Run from the project root (numpy's generator with seed 20261201; the file is committed, the
tests read it)::

    python tests/results/make_synth_simulated.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20261201


def main() -> None:
    rng = np.random.default_rng(SEED)
    years = np.arange(2001, 2019)
    n_c = 40
    controls = [f"c{i:02d}" for i in range(1, n_c + 1)]
    treated = {"t1": 2011, "t2": 2011, "t3": 2011, "t4": 2014, "t5": 2014}
    alpha_c = 10 + 2 * rng.standard_normal(n_c)
    gamma_c = 1 + 0.5 * rng.standard_normal((n_c, 2))
    f = np.cumsum(rng.standard_normal((len(years), 2)), axis=0)
    beta = 0.2 * (years - years[0]) + 0.5 * rng.standard_normal(len(years))
    rows = []

    def add(unit: str, cohort: int, alpha: float, gamma: np.ndarray) -> None:
        base = alpha + beta + f @ gamma
        tau = np.where((cohort > 0) & (years >= cohort), 2 + 0.3 * (years - cohort), 0.0)
        noise = 0.5 * rng.standard_normal(len(years))
        for k, year in enumerate(years):
            rows.append(
                {
                    "unit": unit,
                    "year": int(year),
                    "cohort": cohort,
                    "y": base[k] + tau[k] + noise[k],
                    "y_exact": base[k] + tau[k],
                    "y_additive": alpha + beta[k] + tau[k],
                    "tau": tau[k],
                }
            )

    for i, u in enumerate(controls):
        add(u, 0, alpha_c[i], gamma_c[i])
    for u, g in treated.items():
        donors = rng.choice(n_c, size=3, replace=False)
        w = rng.dirichlet(np.ones(3))
        add(u, g, float(w @ alpha_c[donors]), w @ gamma_c[donors])
    out = pd.DataFrame(rows)
    out.to_csv(HERE / "synth_simulated_panel.csv", index=False, float_format="%.12g")


if __name__ == "__main__":
    main()
