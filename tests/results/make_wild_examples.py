"""Two small panels for the wild cluster bootstrap reference test.

``wild_g6.csv``: 6 states x 4 units x 8 years, treatment in states 1-2 from year 5 on
(G = 6 clusters: 2^6 = 64 Rademacher sign vectors, fully enumerated). ``wild_g20.csv``:
20 states x 3 units x 6 years, treatment in 5 states from year 4 on. Both have unit and year
effects, a state shock per year (errors correlated within state) and a covariate ``z``; the
true treatment effect is 0.3 in g6 and 0 in g20. These are inputs; ``make_wild_reference.R``
computes the reference numbers with R fwildclusterboot. Run from the repository root:

    python tests/results/make_wild_examples.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def panel(seed: int, n_states: int, units: int, years: int, treated: int, start: int, effect):
    rng = np.random.default_rng(seed)
    rows = []
    unit_fe = rng.normal(0, 1, n_states * units)
    year_fe = rng.normal(0, 0.5, years)
    shock = rng.normal(0, 0.6, (n_states, years))
    for s in range(n_states):
        for u in range(units):
            uid = s * units + u
            for t in range(years):
                d = int(s < treated and t >= start)
                z = rng.normal()
                y = (
                    unit_fe[uid]
                    + year_fe[t]
                    + shock[s, t]
                    + effect * d
                    + 0.5 * z
                    + rng.normal(0, 0.5)
                )
                rows.append((f"s{s + 1:02d}", f"u{uid + 1:03d}", 2010 + t, d, z, y))
    df = pd.DataFrame(rows, columns=["state", "unit", "year", "treat", "z", "y"])
    df["z"] = df["z"].map(lambda v: f"{v:.12g}")
    df["y"] = df["y"].map(lambda v: f"{v:.12g}")
    return df


def main() -> None:
    panel(11, 6, 4, 8, 2, 5, 0.3).to_csv(HERE / "wild_g6.csv", index=False)
    panel(12, 20, 3, 6, 5, 4, 0.0).to_csv(HERE / "wild_g20.csv", index=False)


if __name__ == "__main__":
    main()
