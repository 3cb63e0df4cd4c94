"""Reference values for evaluation.continuous_did (tests/test_continuous_did.py) from diff-diff's
ContinuousDiD (Python, the ``bench`` extra; numbers made with diff-diff 3.13.0). Run from this folder:
``python make_diffdiff_contdid_reference.py``; writes diffdiff_contdid_reference.csv.

The panel is the staggered one written by make_contdid_reference.R (cohorts 2, 3, 4 and never
treated, four periods), with not-yet-treated comparison units and the dose grid of the tests.
Standard errors are diff-diff's analytic influence-function ones (``n_bootstrap=0``); they
treat the weights of the group-time cells as fixed.
"""

from __future__ import annotations

import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from diff_diff import ContinuousDiD

HERE = Path(__file__).parent
GRID = np.linspace(0.02, 0.98, 25)
CASES = {"staggered_nyt": (3, 1), "staggered_never": (2, 0)}


def main() -> None:
    panel = pd.read_csv(HERE / "contdid_panel_staggered.csv")
    rows = []
    for case, (degree, knots) in CASES.items():
        model = ContinuousDiD(
            degree=degree, num_knots=knots, dvals=GRID, control_group="not_yet_treated"
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = model.fit(panel, "Y", "id", "time_period", "G", "D", aggregate="dose")
        for name, curve in (("att_d", r.dose_response_att), ("acrt_d", r.dose_response_acrt)):
            for d, est, se in zip(curve.dose_grid, curve.effects, curve.se, strict=True):
                rows.append((case, name, d, est, se))
        rows.append((case, "att_overall", np.nan, r.overall_att, r.overall_att_se))
        rows.append((case, "acrt_overall", np.nan, r.overall_acrt, r.overall_acrt_se))
    out = pd.DataFrame(rows, columns=["case", "parameter", "dose", "estimate", "std_error"])
    out.to_csv(HERE / "diffdiff_contdid_reference.csv", index=False, float_format="%.15g")
    print(f"diff-diff {version('diff-diff')}: {len(out)} rows")


if __name__ == "__main__":
    main()
