"""From the study tables to one status per measure and report number.

Conventions (documented in the explanation page "Implementation conventions"):

- report number = ``report_year`` - year of the audit's ``certification_date``; reports 1, 2, 3
  are the three annual reports of the implementation phase, report 0 is "at certification";
- at certification every measure counts as ``planned`` unless a report row for report 0 says
  otherwise;
- a report that is missing for a measure while it is due takes the measure's last earlier
  status (carried forward; ``planned`` if there is none), and a warning counts such measures;
- report ``k`` is *due* for an audit when certification year + ``k`` is not after the last
  report year found in the study; audits for which it is not yet due are left out (a note says
  how many), they are not missing data;
- ``as_of="end"``: each measure's status at the last due report up to report 3;
- measures without any report row although a report is due are excluded with a warning
  (``unreported="exclude"``) or count as ``planned`` (``unreported="planned"``);
- ``success="implemented"`` counts ``implemented``; ``"at_least_partial"`` counts
  ``partially_implemented`` and ``implemented``; ``discontinued`` is never a success.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..codes import ALL_FIELD_CODES, STATUS_CODES
from ..errors import DataError, ImplementationDataWarning, OptionError
from ..i18n import Text
from ..options import Success, Unreported, check_option

#: a report number 0-3 or ``"end"`` (the last due report up to 3)
AsOf = int | Literal["end"]

SUCCESS_DEFINITIONS: dict[str, tuple[str, ...]] = {
    "implemented": ("implemented",),
    "at_least_partial": ("partially_implemented", "implemented"),
}
N_REPORTS = 3
REPORT_NUMBERS: tuple[int, ...] = (0, 1, 2, 3)
STATUS_INDEX = {s: i for i, s in enumerate(STATUS_CODES)}
PLANNED = STATUS_INDEX["planned"]
IMPLEMENTED = STATUS_INDEX["implemented"]
DISCONTINUED = STATUS_INDEX["discontinued"]

#: grouping keys a user may ask for (aliases map to the column name)
GROUP_KEYS: tuple[str, ...] = (
    "action_field",
    "municipality_id",
    "cohort",
    "level",
    "state",
    "cycle",
    "group",
)
KEY_ALIASES = {"municipality": "municipality_id", "field": "action_field", "audit_cycle": "cycle"}

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
NOT_DUE_ANY = Text(
    "{k} Maßnahme(n) aus {a} Audit(s), für die noch kein Bericht fällig ist (letztes "
    "Berichtsjahr {year}), bleiben außen vor.",
    "{k} measure(s) of {a} audit(s) for which any report is not yet due (last report year "
    "{year}) are left out.",
)
NOT_DUE = Text(
    "{k} Maßnahme(n) aus {a} Audit(s), für die Bericht {need} noch nicht fällig ist (letztes "
    "Berichtsjahr {year}), bleiben außen vor.",
    "{k} measure(s) of {a} audit(s) for which report {need} is not yet due (last report year "
    "{year}) are left out.",
)
PHASE_RUNNING = Text(
    "{k} Maßnahme(n) aus {a} Audit(s), deren Umsetzungsphase in den Daten nicht abgeschlossen "
    "ist (letztes Berichtsjahr {year}), gehen mit ihrem letzten fälligen Bericht ein.",
    "{k} measure(s) of {a} audit(s) whose implementation phase is not complete in the data "
    "(last report year {year}) enter with their last due report.",
)
CARRIED = Text(
    "Für {k} Maßnahme(n) fehlt ein hier fälliger Bericht; ihr letzter früherer Status wird "
    "fortgeschrieben (geplant, wenn es keinen gibt).",
    "{k} measure(s) lack a report due at this point; their last earlier status is carried "
    "forward (planned if there is none).",
)


@dataclass
class MeasureStatus:
    """Measures of certified audits with their status at report 0-3.

    ``frame`` has one row per measure (ids, action field, municipality attributes, cohort,
    cycle, ``due`` = last report number due, ``n_reported``); ``status`` is an integer array
    (measures x 4) of indices into :data:`evaluation.codes.STATUS_CODES` after carrying the last
    status forward; ``reported`` says where a report row exists.
    """

    frame: pd.DataFrame
    status: np.ndarray
    reported: np.ndarray
    last_report_year: int
    notes: list[Text] = field(default_factory=list)


def check_success(success: object) -> tuple[int, ...]:
    """The status indices that count as success; :class:`OptionError` for an unknown
    definition."""
    check_option("success", success, Success)
    return tuple(STATUS_INDEX[s] for s in SUCCESS_DEFINITIONS[str(success)])


def check_as_of(as_of: object) -> int | str:
    """A report number 0-3 or ``"end"``; :class:`OptionError` otherwise."""
    if as_of == "end" and isinstance(as_of, str):
        return "end"
    if (
        isinstance(as_of, bool)
        or not isinstance(as_of, int | np.integer)
        or not 0 <= int(as_of) <= N_REPORTS
    ):
        raise OptionError(f"as_of must be a report number 0-3 or 'end', got {as_of!r}")
    return int(as_of)


def normalise_by(
    by: str | Sequence[str] | None, allowed: tuple[str, ...] = GROUP_KEYS
) -> list[str]:
    """The grouping keys as column names (aliases resolved); :class:`OptionError` for a key
    that cannot be grouped by."""
    if by is None:
        return []
    if isinstance(by, str):
        by = [by]
    out: list[str] = []
    for k in by:
        k = KEY_ALIASES.get(k, k)
        if k not in allowed:
            raise OptionError(f"cannot group by {k!r}; choose from {allowed}")
        if k not in out:
            out.append(k)
    return out


def warn_note(text: Text, notes: list[Text]) -> None:
    """Add ``text`` to the notes of a result and issue it as an
    :class:`~evaluation.errors.ImplementationDataWarning` (in English)."""
    notes.append(text)
    warnings.warn(text.en, ImplementationDataWarning, stacklevel=4)


def measure_status(study: Any, unreported: Unreported = "exclude") -> MeasureStatus:
    """Resolve every measure's status at certification and in reports 1-3 (see module doc).

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    unreported
        Measures without any report although one is due: ``"exclude"`` (with a warning) or
        ``"planned"``.

    Returns
    -------
    MeasureStatus
        The measures, their status per report number and the notes on what was left out.
    """
    check_option("unreported", unreported, Unreported)
    notes: list[Text] = []
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
    m = m.reset_index(drop=True)

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
            m, raw, reported, due = (
                m.loc[keep].reset_index(drop=True),
                raw[keep],
                reported[keep],
                due[keep],
            )
        else:
            warn_note(UNREPORTED_PLANNED.format(k=int(none.sum())), notes)
    status = raw.copy()
    status[status[:, 0] < 0, 0] = PLANNED
    cols = np.where(status >= 0, np.arange(N_REPORTS + 1), 0)
    cols = np.maximum.accumulate(cols, axis=1)
    status = np.take_along_axis(status, cols, axis=1)
    m["action_field"] = m["action_field"].astype("string")
    return MeasureStatus(m, status, reported, last_year, notes)


def select(ms: MeasureStatus, as_of: AsOf, notes: list[Text]) -> tuple[pd.DataFrame, np.ndarray]:
    """Measures for which ``as_of`` is due, with their status code at ``as_of``.

    Parameters
    ----------
    ms
        The measures and their statuses (:func:`measure_status`).
    as_of
        A report number 0-3 or ``"end"``.
    notes
        Notes of the result; what is left out is added.

    Returns
    -------
    tuple
        The measures (a DataFrame) and their status indices.
    """
    frame, (status,) = select_many(ms, (as_of,), notes)
    return frame, status


def select_many(
    ms: MeasureStatus, as_ofs: Iterable[AsOf], notes: list[Text]
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Measures for which every report in ``as_ofs`` is due, with their status at each.

    Parameters
    ----------
    ms
        The measures and their statuses (:func:`measure_status`).
    as_ofs
        Report numbers 0-3 or ``"end"``.
    notes
        Notes of the result; what is left out or carried forward is added.

    Returns
    -------
    tuple
        The measures (a DataFrame) and one array of status indices per report.
    """
    as_ofs = [check_as_of(a) for a in as_ofs]
    due = ms.frame["due"].to_numpy()
    need = max([1 if a == "end" else a for a in as_ofs])
    keep = due >= need
    n_out = int((~keep).sum())
    if n_out:
        text = NOT_DUE_ANY if need <= 1 and "end" in as_ofs else NOT_DUE
        notes.append(
            text.format(
                k=n_out,
                a=ms.frame.loc[~keep, "audit_id"].nunique(),
                need=need,
                year=ms.last_report_year,
            )
        )
    rows = np.flatnonzero(keep)
    n_rep = ms.frame["n_reported"].to_numpy()[rows]
    statuses, missing = [], np.zeros(len(rows), dtype=bool)
    for a in as_ofs:
        if a == "end":
            k = np.minimum(due[rows], N_REPORTS)
            early = k < N_REPORTS
            if early.any():
                n_audits = pd.unique(ms.frame["audit_id"].to_numpy()[rows][early]).size
                notes.append(
                    PHASE_RUNNING.format(k=int(early.sum()), a=n_audits, year=ms.last_report_year)
                )
        else:
            k = np.full(len(rows), a, dtype=np.int64)
        statuses.append(ms.status[rows, k])
        missing |= ~ms.reported[rows, k] & (k > 0) & (n_rep > 0)
    if missing.any():
        warn_note(CARRIED.format(k=int(missing.sum())), notes)
    return ms.frame.iloc[rows].reset_index(drop=True), statuses


def success_flag(status: np.ndarray, success: str) -> np.ndarray:
    """1 where the status counts as success under the definition ``success``, else 0."""
    return np.isin(status, check_success(success)).astype(np.int64)


def ordered_fields(values: Iterable[Any]) -> list[str]:
    """Action fields in code-list order, unknown values last in sorted order."""
    vals = list(dict.fromkeys(str(v) for v in values))
    known = [f for f in ALL_FIELD_CODES if f in vals]
    rest = sorted(v for v in vals if v not in ALL_FIELD_CODES)
    return known + rest
