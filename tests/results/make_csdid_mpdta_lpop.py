"""Write csdid_mpdta_lpop.csv: reference values with a covariate on mpdta.

The R reference files in ../shared cover mpdta without covariates only. For the covariate
scenarios we use the independent Python port ``csdid`` 0.4.3 (which its authors test against R
``did``) with ``xformla="lemp ~ lpop"`` and analytic standard errors (``bstrap=False``):
ATT(g, t) and their SEs, and the overall estimate and SE of the four aggregations, for the
methods dr, ipw, reg and both comparison groups, and for dr with a universal base period and
with one period of anticipation. Run from the project root with csdid installed
(``pip install -e '.[bench]'``)::

    python tests/results/make_csdid_mpdta_lpop.py
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt

HERE = Path(__file__).resolve().parent
SHORT = {"nevertreated": "nev", "notyettreated": "nyt"}
MPDTA = HERE.parents[1].parent / "shared" / "data" / "external" / "mpdta" / "mpdta.csv"


def main() -> None:
    data = pd.read_csv(MPDTA)
    rows = []
    runs = [
        (f"mpdta_lpop_{SHORT[control]}_{method}", method, control, "varying", 0)
        for method in ("dr", "ipw", "reg")
        for control in ("nevertreated", "notyettreated")
    ]
    runs += [
        ("mpdta_lpop_nev_dr_universal", "dr", "nevertreated", "universal", 0),
        ("mpdta_lpop_nev_dr_anticipation1", "dr", "nevertreated", "varying", 1),
        ("mpdta_lpop_nyt_dr_universal_anticipation1", "dr", "notyettreated", "universal", 1),
    ]
    for scenario, method, control, base_period, anticipation in runs:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            fit = ATTgt(
                yname="lemp",
                gname="first.treat",
                idname="countyreal",
                tname="year",
                xformla="lemp ~ lpop",
                data=data,
                control_group=control,
                anticipation=anticipation,
            ).fit(est_method=method, bstrap=False, base_period=base_period)
            r = fit.results
            for g, t, a, s in zip(r["group"], r["year"], r["att"], r["se"], strict=True):
                rows.append((scenario, "attgt", int(g), int(t), float(a), float(s)))
            for kind in ("simple", "group", "dynamic", "calendar"):
                fit.aggte(typec=kind, bstrap=False)
                at = fit.atte
                rows.append((scenario, kind, np.nan, np.nan, at["overall_att"], at["overall_se"]))
    out = pd.DataFrame(rows, columns=["scenario", "type", "group", "t", "att", "se"])
    out.to_csv(HERE / "csdid_mpdta_lpop.csv", index=False, float_format="%.15g")


if __name__ == "__main__":
    main()
