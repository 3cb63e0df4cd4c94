"""Write the panels of the R reference for att_gt with covariates on the synthetic study.

For seeds 1-20 the panel of ``childcare_u3`` from ``synthetic_study(seed)`` (onset
certification, cycle 1) with the README's covariates ``log_population`` and ``urbanisation``,
as ``panel_seed<NN>.csv`` in the folder given as argument: a numeric unit id (the AGS as a
number), year, outcome, cohort (0 = never audited) and the two covariates, with 15
significant digits. make_did_synthetic_covariates.R reads them. The panels are not stored: the
test rebuilds them from the seeds with :func:`panel` below. Run from the project root::

    python tests/results/make_attgt_synthetic_panels.py /tmp/panels
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd

import evaluation as ev

SEEDS = range(1, 21)
COVARIATES = ["log_population", "urbanisation"]


def panel(seed: int) -> pd.DataFrame:
    """The panel of ``childcare_u3`` of the synthetic study with this seed, with numeric ids."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = ev.datasets.synthetic_study(seed=seed).panel("childcare_u3")
    out = pd.DataFrame(
        {
            "id": p["municipality_id"].astype(str).astype("int64"),
            "year": p["year"].astype("int64"),
            "y": p["childcare_u3"].astype(float),
            "cohort": p["cohort"].astype("int64"),
        }
    )
    for c in COVARIATES:
        out[c] = p[c].astype(float)
    return out


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS:
        panel(seed).to_csv(
            out / f"panel_seed{seed:02d}.csv",
            index=False,
            float_format="%.15g",
            lineterminator="\n",
        )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python make_attgt_synthetic_panels.py OUTPUT_FOLDER")
    main(sys.argv[1])
