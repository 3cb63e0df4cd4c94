"""Where the yearly summary's overview gets its descriptive numbers: the one adapter.

The overview of the year needs three descriptive tables (audit events per year, measures
reported as implemented for the first time, the latest indicator means of audited and
comparison units). They are the data layer's descriptive tables
(:mod:`evaluation.study.describe`); this module only names their year columns as the summary's
tables show them (``n_2023``, ``n_2024``) and keeps the columns the summary shows. The report
computes none of these numbers itself.
"""

from __future__ import annotations

import pandas as pd

from ..study import describe
from ..study.model import Study


def _year_columns(table: pd.DataFrame, year: int) -> pd.DataFrame:
    return table.rename(columns={"n_previous_year": f"n_{year - 1}", "n_year": f"n_{year}"})


def audit_events(study: Study, year: int) -> pd.DataFrame:
    """Counts of audit events in ``year - 1`` and ``year``: event, previous, current, change."""
    return _year_columns(describe.audit_events(study, year).tidy(), year)


def moved_to_implemented(study: Study, year: int) -> pd.DataFrame:
    """Per action field: measures that reached ``implemented`` in ``year - 1`` and ``year``
    (the status convention of the implementation analyses)."""
    return _year_columns(describe.moved_to_implemented(study, year).tidy(), year)


def latest_indicators(study: Study, year: int) -> pd.DataFrame:
    """For each indicator: its latest year up to ``year`` and the mean of audited and of
    comparison units in that year (and the difference in the previous one)."""
    t = describe.latest_indicators(study, year).tidy()
    return t[
        [
            "indicator",
            "unit",
            "year",
            "mean_audited",
            "mean_comparison",
            "difference",
            "difference_previous_year",
        ]
    ].reset_index(drop=True)
