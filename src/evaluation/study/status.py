"""The status history of every measure: its status at certification and in annual reports 1-3,
by the one convention that the implementation analyses and the descriptive tables share.

Conventions (the explanation page "Implementation success: conventions" states them in full):

- report number = ``report_year`` - year of the audit's ``certification_date``; reports 1, 2, 3
  are the three annual reports of the implementation phase, report 0 is "at certification";
- at certification every measure counts as ``planned`` unless a report row for report 0 says
  otherwise;
- a report that is missing for a measure while it is due takes the measure's last earlier
  status (carried forward; ``planned`` if there is none), and a warning counts such measures;
- report ``k`` is *due* for an audit when certification year + ``k`` is not after the last
  report year found in the study;
- measures without any report row although a report is due are excluded with a warning
  (``unreported="exclude"``) or count as ``planned`` (``unreported="planned"``);
- measures of audits without certification date are left out (no report is due), with a note.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..codes import STATUS_CODES
from ..errors import DataError, ImplementationDataWarning
from ..i18n import Text
from ..options import Unreported, check_option

#: The annual reports of an implementation phase.
N_REPORTS = 3
#: Report numbers: 0 (at certification) and the annual reports 1-3.
REPORT_NUMBERS: tuple[int, ...] = (0, 1, 2, 3)
#: Position of each status code in :data:`evaluation.codes.STATUS_CODES` (the ``status``
#: array of :class:`MeasureStatus` holds these positions).
STATUS_INDEX = {s: i for i, s in enumerate(STATUS_CODES)}
PLANNED = STATUS_INDEX["planned"]
IMPLEMENTED = STATUS_INDEX["implemented"]
DISCONTINUED = STATUS_INDEX["discontinued"]


UNCERTIFIED = Text(
    "{k} Maßnahme(n) aus {a} Audit(s) ohne Zertifizierungsdatum bleiben außen vor (es sind "
    "keine Berichte fällig).",
    "{k} measure(s) of {a} audit(s) without certification date are left out (no reports are due).",
)
ORPHANS = Text(
    "{k} Berichtszeile(n) nennen eine measure_id, die in der Tabelle measures fehlt, und werden "
    "nicht verwendet.",
    "{k} report row(s) name a measure_id that is not in table measures and are not used.",
)
LATE = Text(
    "{k} Berichtszeile(n) nach Bericht {last} (nach der Umsetzungsphase) werden nicht verwendet.",
    "{k} report row(s) after report {last} (beyond the implementation phase) are not used.",
)
UNREPORTED_EXCLUDED = Text(
    "{k} Maßnahme(n) ohne Bericht, obwohl Berichte fällig sind; sie bleiben außen vor (mit "
    "unreported='planned' zählen sie als geplant).",
    "{k} measure(s) have no report although reports are due; they are excluded (pass "
    "unreported='planned' to count them as planned).",
)
UNREPORTED_PLANNED = Text(
    "{k} Maßnahme(n) ohne Bericht, obwohl Berichte fällig sind; sie zählen durchgehend als "
    "geplant (unreported='planned').",
    "{k} measure(s) have no report although reports are due; they count as planned throughout "
    "(unreported='planned').",
)


@dataclass
class MeasureStatus:
    """Measures of certified audits with their status at report 0-3.

    Attributes
    ----------
    frame
        One row per measure: ids, action field, municipality attributes, ``cohort`` (the
        certification year), cycle, ``due`` (the last report number due) and ``n_reported``.
    status
        Integer array (measures x 4) of positions in :data:`evaluation.codes.STATUS_CODES`,
        after carrying the last status forward.
    reported
        Boolean array (measures x 4): where a report row exists.
    last_report_year
        The last report year found in the study.
    notes
        What was left out and why.
    """

    frame: pd.DataFrame
    status: np.ndarray
    reported: np.ndarray
    last_report_year: int
    notes: list[Text] = field(default_factory=list)


def warn_note(text: Text, notes: list[Text]) -> None:
    """Add ``text`` to the notes of a result and issue it as an
    :class:`~evaluation.errors.ImplementationDataWarning` (in English)."""
    notes.append(text)
    # the user's call: measure_status <- the analysis <- the user
    warnings.warn(text.en, ImplementationDataWarning, stacklevel=4)


def measure_status(study: Any, unreported: Unreported = "exclude") -> MeasureStatus:
    """Resolve every measure's status at certification and in reports 1-3 (see the module
    docstring for the conventions).

    Parameters
    ----------
    study
        A :class:`~evaluation.Study` with measures, goals, audits and annual reports.
    unreported
        Measures without any report although reports are due: ``"exclude"`` (default, with a
        warning) or ``"planned"`` (they count as planned throughout).

    Returns
    -------
    MeasureStatus
        The measures, their status history and notes.

    Raises
    ------
    DataError
        The study has no measures or no annual reports; a measure id occurs twice or does not
        reach an action field and municipality; a report row lacks its year or status, has an
        unknown status, repeats a measure and year, or lies before the certification year.
    """
    check_option("unreported", unreported, Unreported)
    notes: list[Text] = []
    m, all_ids = _measures(study, notes)
    rep = _reports(study)
    last_year = int(rep["report_year"].max())
    pos = pd.Series(np.arange(len(m)), index=pd.Index(m["measure_id"].astype(str)))
    r_idx = pos.reindex(rep["measure_id"].astype(str).to_numpy()).to_numpy()
    known = ~np.isnan(r_idx)
    orphans = ~known & ~rep["measure_id"].astype(str).isin(all_ids).to_numpy()
    if orphans.any():
        notes.append(ORPHANS.format(k=int(orphans.sum())))
    r_idx = r_idx[known].astype(np.int64)
    cohort = m["cohort"].to_numpy(dtype=np.int64)
    number = rep["report_year"].to_numpy(dtype=np.int64)[known] - cohort[r_idx]
    codes = rep["status"].map(STATUS_INDEX).to_numpy(dtype=np.int64)[known]
    if (number < 0).any():
        i = int(np.flatnonzero(known)[np.flatnonzero(number < 0)[0]])
        raise DataError(
            f"measure_reports row {i}: report_year {int(rep['report_year'].iloc[i])} of measure "
            f"{rep['measure_id'].iloc[i]} lies before the certification year of its audit; "
            "correct the report year or the audit's certification_date"
        )
    late = number > N_REPORTS
    if late.any():
        notes.append(LATE.format(k=int(late.sum()), last=N_REPORTS))
    r_idx, number, codes = r_idx[~late], number[~late], codes[~late]
    raw = np.full((len(m), N_REPORTS + 1), -1, dtype=np.int64)
    raw[r_idx, number] = codes
    reported = raw >= 0
    due = np.minimum(N_REPORTS, last_year - cohort)
    m["due"] = due
    m["n_reported"] = reported[:, 1:].sum(axis=1)

    # measures without any report although at least report 1 is due
    none = (due >= 1) & ~reported.any(axis=1)
    if none.any():
        if unreported == "exclude":
            warn_note(UNREPORTED_EXCLUDED.format(k=int(none.sum())), notes)
            keep = ~none
            m, raw, reported = m.loc[keep].reset_index(drop=True), raw[keep], reported[keep]
        else:
            warn_note(UNREPORTED_PLANNED.format(k=int(none.sum())), notes)
    status = raw.copy()
    status[status[:, 0] < 0, 0] = PLANNED
    cols = np.where(status >= 0, np.arange(N_REPORTS + 1), 0)
    cols = np.maximum.accumulate(cols, axis=1)
    status = np.take_along_axis(status, cols, axis=1)
    m["action_field"] = m["action_field"].astype("string")
    return MeasureStatus(m, status, reported, last_year, notes)


def _measures(study: Any, notes: list[Text]) -> tuple[pd.DataFrame, set[str]]:
    """The measures of certified audits with goal, audit and municipality attributes, and the
    ids of all measures."""
    m = study.measure_table()
    if len(m) == 0:
        raise DataError("table measures is empty: the study has no measures to analyse")
    dup_m = m["measure_id"].duplicated().to_numpy()
    if dup_m.any():
        row = int(np.flatnonzero(dup_m)[0])
        raise DataError(
            f"measures row {row}: measure_id {m['measure_id'].iloc[row]} occurs more than once "
            "(or its goal_id matches several goals); measure ids must be unique"
        )
    for col, table in (("action_field", "goals"), ("municipality_id", "audits")):
        bad = m[col].isna().to_numpy()
        if bad.any():
            ids = ", ".join(m.loc[bad, "measure_id"].astype(str).head(3))
            raise DataError(
                f"measures: {int(bad.sum())} measure(s) (e.g. {ids}) have no {col}: their "
                f"goal_id or audit_id does not match a row of table {table}; fix the ids"
            )
    muni_cols = ["municipality_id", *study.covariates]
    mun = study.municipalities[[c for c in dict.fromkeys(muni_cols)]]
    m = m.merge(mun, on="municipality_id", how="left")
    all_ids = set(m["measure_id"].astype(str))
    m["cohort"] = m["certification_date"].dt.year.astype("Int64")
    uncertified = m["cohort"].isna().to_numpy()
    if uncertified.any():
        notes.append(
            UNCERTIFIED.format(k=int(uncertified.sum()), a=m.loc[uncertified, "audit_id"].nunique())
        )
        m = m.loc[~uncertified]
    return m.reset_index(drop=True), all_ids


def _reports(study: Any) -> pd.DataFrame:
    """The annual reports, checked: a year and a known status in every row, one row per
    measure and year."""
    rep = study.measure_reports
    if len(rep) == 0:
        raise DataError("table measure_reports is empty: there are no annual reports to analyse")
    if rep["report_year"].isna().any() or rep["status"].isna().any():
        row = int(np.flatnonzero((rep["report_year"].isna() | rep["status"].isna()).to_numpy())[0])
        raise DataError(
            f"measure_reports row {row}: report_year or status is missing; fill it in or "
            "delete the row"
        )
    unknown = ~rep["status"].isin(STATUS_CODES).to_numpy()
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        raise DataError(
            f"measure_reports row {row}: status {rep['status'].iloc[row]!r} is not one of "
            f"{STATUS_CODES}"
        )
    dup = rep.duplicated(["measure_id", "report_year"]).to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise DataError(
            f"measure_reports row {row}: a second report for measure "
            f"{rep['measure_id'].iloc[row]} in {rep['report_year'].iloc[row]}; keep one row per "
            "measure and report year"
        )
    return rep
