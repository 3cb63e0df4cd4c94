"""Survey responses as repeated cross-sections: the study-table path from ``survey_responses``
to the repeated-cross-section DiD of :func:`evaluation.att_gt` (``panel=False``).

Respondents are not followed from one wave to the next, so a survey outcome is a repeated
cross-section: each response is one observation of its municipality's group in the year of its
survey. The treatment timing is coarsened to the waves: a municipality counts as treated from
the first survey year at or after its onset year (its ``cohort`` is that year); one treated only
after the last wave is a comparison unit within the surveys' years (as R ``did`` treats groups
after the last period), and so are the comparison municipalities (cohort 0). Audited
municipalities without an onset date are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..options import Onset, check_option
from .model import Study

__all__ = ["survey_cross_sections"]


def survey_cross_sections(
    study: Study, item: str, *, onset: Onset = "certification", cycle: int = 1
) -> pd.DataFrame:
    """The responses to one survey item as repeated cross-sections with the treatment timing.

    Parameters
    ----------
    study
        A study with ``surveys`` and ``survey_responses``.
    item
        The survey item (``survey_responses.item``).
    onset, cycle
        The audit date that starts treatment and the audit cycle (as :meth:`Study.onsets`).

    Returns
    -------
    pandas.DataFrame
        One row per response with a value: ``survey_id``, ``municipality_id``, ``group``,
        ``year`` (of the survey's start), ``cohort`` (the first survey year at or after the
        onset year; 0 for comparison units and units treated after the last wave),
        ``response``, ``weight`` (1 where the survey has none), ``stratum`` and ``cluster``.
        Respondent ids are not included (personal data). Ready for
        ``ev.att_gt(frame, "response", time="year", cohort="cohort", weights="weight",
        panel=False)``.

    Raises
    ------
    DataError
        The study has no survey responses for ``item``, or a response's survey is not in
        ``surveys`` or has no start date.
    """
    check_option("onset", onset, Onset)
    r = study.survey_responses
    if len(r) == 0:
        raise DataError("table survey_responses is empty: the study has no survey data")
    items = sorted(r["item"].dropna().astype(str).unique())
    r = r[(r["item"].astype(str) == item).to_numpy()]
    r = r[r["response"].notna().to_numpy()]
    if len(r) == 0:
        raise DataError(f"survey_responses: no response to item {item!r}; the items are {items}")
    years = pd.Series(
        pd.to_datetime(study.surveys["start_date"]).dt.year.to_numpy(),
        index=study.surveys["survey_id"].astype(str).to_numpy(),
    )
    year = r["survey_id"].astype(str).map(years)
    if year.isna().any():
        sid = r.loc[year.isna().to_numpy(), "survey_id"].iloc[0]
        raise DataError(
            f"survey_responses: survey {sid!r} is not in table surveys or has no start_date; "
            "add it to surveys with its start_date"
        )
    waves = np.sort(year.unique().astype(np.int64))
    groups = study.municipalities[["municipality_id", "group"]].drop_duplicates("municipality_id")
    out = pd.DataFrame(
        {
            "survey_id": r["survey_id"].astype(str).to_numpy(),
            "municipality_id": r["municipality_id"].astype(str).to_numpy(),
            "year": year.astype(np.int64).to_numpy(),
            "response": r["response"].astype(float).to_numpy(),
            "weight": (
                r["weight"].astype(float).fillna(1.0).to_numpy()
                if "weight" in r
                else np.ones(len(r))
            ),
            "stratum": r["stratum"].to_numpy() if "stratum" in r else None,
            "cluster": r["cluster"].to_numpy() if "cluster" in r else None,
        }
    ).merge(groups.astype({"municipality_id": str}), on="municipality_id", how="left")
    on = study.onsets(onset, cycle)
    onset_year = pd.Series(
        on["cohort"].to_numpy(), index=on["municipality_id"].astype(str).to_numpy()
    )
    onset_year = onset_year[~onset_year.index.duplicated()]
    o = out["municipality_id"].map(onset_year).astype("Float64")
    audited = (out["group"] == "audited").to_numpy()
    keep = ~audited | o.notna().to_numpy()
    first_wave = np.searchsorted(waves, o.fillna(np.inf).to_numpy(dtype=float), side="left")
    cohort = np.where(first_wave < len(waves), waves[np.minimum(first_wave, len(waves) - 1)], 0)
    out["cohort"] = np.where(audited, cohort, 0).astype(np.int64)
    out = out.loc[keep].reset_index(drop=True)
    cols = ["survey_id", "municipality_id", "group", "year", "cohort", "response", "weight"]
    return out[cols + ["stratum", "cluster"]]
