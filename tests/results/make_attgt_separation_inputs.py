"""Write attgt_separation_input.csv: two small panels on which the propensity score of
att_gt(method="dr" | "ipw") is (quasi-)separated, for the R reference
make_did_separation.R.

- ``constant_in_cohort``: 80 units, periods 1-4, cohorts 3 (10 units) and 4 (8 units); a
  binary covariate ``b`` is 1 for every unit of cohort 3 and for a third of the comparison
  units; ``x`` is continuous. The maximum likelihood propensity score for cohort 3 does not
  exist (the units with b = 0 are separated), but its limit does: R ``did`` estimates every
  cell.
- ``single_unit_cohort``: the same design with a cohort 3 of a single unit with b = 1 and
  ``x`` inside the range of the comparison units with b = 1 (quasi-separated, estimable), and
  a cohort 2 of a single unit with the largest ``x`` of all and b = 1 (completely separated:
  its score is 1, no overlap; R reports its cells as missing).

Run from the project root::

    python tests/results/make_attgt_separation_inputs.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def _panel(name: str, cohort: np.ndarray, b: np.ndarray, x: np.ndarray, rng) -> pd.DataFrame:
    n = len(cohort)
    unit_fe = rng.normal(size=n) + 0.5 * x
    rows = []
    for t in (1, 2, 3, 4):
        effect = np.where((cohort > 0) & (t >= cohort), 1.0 + 0.5 * (t - cohort), 0.0)
        y = unit_fe + 0.3 * t + 0.4 * b * t + 0.2 * x * t + effect + rng.normal(0, 0.5, n)
        rows.append(
            pd.DataFrame(
                {"scenario": name, "id": np.arange(1, n + 1), "period": t, "y": np.round(y, 6)}
            ).assign(cohort=cohort, b=b, x=x)
        )
    return pd.concat(rows, ignore_index=True)


def main() -> None:
    rng = np.random.default_rng(20240618)
    n = 80
    x = np.round(rng.normal(size=n), 4)
    cohort = np.zeros(n, dtype=np.int64)
    cohort[:10] = 3
    cohort[10:18] = 4
    b = (rng.random(n) < 1 / 3).astype(np.int64)
    b[:10] = 1
    a = _panel("constant_in_cohort", cohort, b, x, rng)

    x2 = np.round(rng.normal(size=n), 4)
    b2 = (rng.random(n) < 1 / 3).astype(np.int64)
    cohort2 = np.zeros(n, dtype=np.int64)
    cohort2[10:18] = 4
    cohort2[0] = 3
    b2[0] = 1
    inside = x2[(b2 == 1) & (cohort2 == 0)]
    x2[0] = np.round((inside.min() + inside.max()) / 2, 4)
    cohort2[1] = 2
    b2[1] = 1
    x2[1] = np.round(x2.max() + 1.0, 4)
    c = _panel("single_unit_cohort", cohort2, b2, x2, rng)
    pd.concat([a, c], ignore_index=True).to_csv(
        HERE / "attgt_separation_input.csv", index=False, lineterminator="\n"
    )


if __name__ == "__main__":
    main()
