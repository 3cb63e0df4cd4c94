"""From the study tables to one status per measure and report number.

The status history itself (:func:`measure_status`) belongs to the data layer
(:mod:`evaluation.study.status`), so that the descriptive tables of a study and these analyses
share one convention; this module re-exports it and adds what the analyses choose on top of it
(the report a status is read from, the definition of success, grouping keys).

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

from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..codes import ALL_FIELD_CODES
from ..errors import OptionError
from ..i18n import Text
from ..options import Success, check_option
from ..options import Unreported as Unreported

# the status history belongs to the data layer (the descriptive tables share its convention);
# re-exported here for the analyses
from ..study.status import DISCONTINUED as DISCONTINUED
from ..study.status import IMPLEMENTED as IMPLEMENTED
from ..study.status import N_REPORTS as N_REPORTS
from ..study.status import PLANNED as PLANNED
from ..study.status import REPORT_NUMBERS as REPORT_NUMBERS
from ..study.status import STATUS_INDEX as STATUS_INDEX
from ..study.status import MeasureStatus as MeasureStatus
from ..study.status import measure_status as measure_status
from ..study.status import warn_note as warn_note

#: a report number 0-3 or ``"end"`` (the last due report up to 3)
AsOf = int | Literal["end"]

SUCCESS_DEFINITIONS: dict[str, tuple[str, ...]] = {
    "implemented": ("implemented",),
    "at_least_partial": ("partially_implemented", "implemented"),
}

#: grouping keys a user may ask for (aliases map to the column name)
GROUP_KEYS: tuple[str, ...] = (
    "action_field",
    "municipality_id",
    "cohort",
    "level",
    "state",
    "cycle",
    "group",
    "measure_type",
)
KEY_ALIASES = {"municipality": "municipality_id", "field": "action_field", "audit_cycle": "cycle"}

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


def check_success(success: object) -> tuple[int, ...]:
    """The status indices that count as success; :class:`OptionError` for an unknown
    definition."""
    check_option("success", success, Success)
    return tuple(STATUS_INDEX[s] for s in SUCCESS_DEFINITIONS[str(success)])


def check_as_of(as_of: object) -> AsOf:
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
