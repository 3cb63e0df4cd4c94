"""Where the yearly summary's overview gets its descriptive numbers: the one adapter.

The overview of the year needs three descriptive tables (audit events per year, measures
reported as implemented for the first time, the latest indicator means of audited and
comparison units). They belong to the data layer's descriptive tables
(``evaluation.study.describe``); until that module is part of the package, their computation
stays here, unchanged, and nothing else in the report computes them. Switching to the data
layer is this file alone: each function becomes a call of its ``study.describe`` namesake.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import codes
from ..study.model import Study


def audit_events(study: Study, year: int) -> pd.DataFrame:
    """Counts of audit events in ``year - 1`` and ``year``: event, previous, current, change."""
    a = study.audits
    first = a["cycle"] == 1
    events = {
        "audits_started": (a["start_date"], first),
        "reaudits_started": (a["start_date"], ~first),
        "agreements_adopted": (a["agreement_date"], pd.Series(True, index=a.index)),
        "first_certified": (a["certification_date"], first),
        "reaudits_certified": (a["certification_date"], ~first),
        "phases_ended": (a["implementation_end_date"], pd.Series(True, index=a.index)),
    }
    rows = []
    for name, (dates, mask) in events.items():
        y = pd.to_datetime(dates).dt.year
        mask = mask.fillna(False).astype(bool)
        prev = int(((y == year - 1) & mask).sum())
        cur = int(((y == year) & mask).sum())
        rows.append((name, prev, cur, cur - prev))
    return pd.DataFrame(rows, columns=["event", f"n_{year - 1}", f"n_{year}", "change"])


def moved_to_implemented(study: Study, year: int) -> pd.DataFrame:
    """Per action field: measures whose report says ``implemented`` for the first time, in
    ``year - 1`` and in ``year``."""
    r = study.measure_reports[["measure_id", "report_year", "status"]].dropna(
        subset=["report_year"]
    )
    r = r.sort_values(["measure_id", "report_year"], kind="stable")
    impl = (r["status"] == "implemented").fillna(False).to_numpy()
    prev = r.groupby("measure_id", sort=False)["status"].shift(1)
    prev_impl = (prev == "implemented").fillna(False).to_numpy()
    moved = r.loc[impl & ~prev_impl, ["measure_id", "report_year"]]
    fields = study.measures[["measure_id", "goal_id"]].merge(
        study.goals[["goal_id", "action_field"]], on="goal_id", how="left"
    )
    moved = moved.merge(fields[["measure_id", "action_field"]], on="measure_id", how="left")
    order = [c for c in codes.ALL_FIELD_CODES if c in set(fields["action_field"].dropna())]
    out = pd.DataFrame({"action_field": order})
    for y in (year - 1, year):
        counts = moved.loc[moved["report_year"] == y, "action_field"].value_counts()
        out[f"n_{y}"] = [int(counts.get(f, 0)) for f in order]
    return out


def latest_indicators(study: Study, year: int) -> pd.DataFrame:
    """For each indicator: its latest year up to ``year`` and the mean of audited and of
    comparison units in that year (and the difference in the previous one)."""
    ind = study.indicators.dropna(subset=["value"])
    ind = ind[ind["year"] <= year]
    grp = study.municipalities[["municipality_id", "group"]]
    ind = ind.merge(grp, on="municipality_id", how="left")
    cat = study.indicator_catalogue.set_index("indicator")
    rows = []
    for code in sorted(ind["indicator"].dropna().unique()):
        d = ind[ind["indicator"] == code]
        last = int(d["year"].max())
        m = d[d["year"].isin([last - 1, last])].groupby(["year", "group"])["value"].mean()

        def get(y: int, g: str, m=m) -> float:
            return float(m.get((y, g), np.nan))

        rows.append(
            (
                code,
                str(cat["unit"].get(code, "")),
                last,
                get(last, "audited"),
                get(last, "comparison"),
                get(last, "audited") - get(last, "comparison"),
                get(last - 1, "audited") - get(last - 1, "comparison"),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "indicator",
            "unit",
            "year",
            "mean_audited",
            "mean_comparison",
            "difference",
            "difference_previous_year",
        ],
    )
