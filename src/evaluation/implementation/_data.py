"""From the study tables to one status per measure and report number.

The status history itself (:func:`measure_status`) belongs to the data layer
(:mod:`evaluation.study.status`), so that the descriptive tables of a study and these analyses
share one convention; this module re-exports it and adds what the analyses choose on top of
it (the report a status is read from, the definition of success, grouping keys).

Conventions (documented in ``docs/explanation/implementation-conventions.md``):

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
from typing import Literal

import numpy as np
import pandas as pd

from ..codes import ALL_FIELD_CODES, Lang, labels
from ..errors import ImplementationDataWarning
from ..options import Unreported as Unreported

# the status history belongs to the data layer; re-exported here for the analyses
from ..study.status import DISCONTINUED as DISCONTINUED
from ..study.status import IMPLEMENTED as IMPLEMENTED
from ..study.status import N_REPORTS as N_REPORTS
from ..study.status import PLANNED as PLANNED
from ..study.status import REPORT_NUMBERS as REPORT_NUMBERS
from ..study.status import STATUS_INDEX as STATUS_INDEX
from ..study.status import MeasureStatus as MeasureStatus
from ..study.status import measure_status as measure_status

Success = Literal["implemented", "at_least_partial"]
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
)
KEY_ALIASES = {"municipality": "municipality_id", "field": "action_field", "audit_cycle": "cycle"}
#: code list of a key's values (for display labels)
KEY_CODE_LISTS = {
    "action_field": "action_fields",
    "status": "statuses",
    "from_status": "statuses",
    "to_status": "statuses",
    "level": "levels",
    "state": "states",
    "group": "groups",
    "field_a": "action_fields",
    "field_b": "action_fields",
}


def check_choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}, got {value!r}")


def check_success(success: str) -> tuple[int, ...]:
    check_choice("success", success, SUCCESS_DEFINITIONS)
    return tuple(STATUS_INDEX[s] for s in SUCCESS_DEFINITIONS[success])


def check_as_of(as_of) -> int | str:
    if as_of == "end" and isinstance(as_of, str):
        return "end"
    if isinstance(as_of, bool) or not isinstance(as_of, int | np.integer):
        raise ValueError(f"as_of must be a report number 0-3 or 'end', got {as_of!r}")
    if not 0 <= int(as_of) <= N_REPORTS:
        raise ValueError(f"as_of must be a report number 0-3 or 'end', got {as_of!r}")
    return int(as_of)


def normalise_by(by, allowed: tuple[str, ...] = GROUP_KEYS) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        by = [by]
    out = []
    for k in by:
        k = KEY_ALIASES.get(k, k)
        if k not in allowed:
            raise ValueError(f"cannot group by {k!r}; choose from {allowed}")
        if k not in out:
            out.append(k)
    return out


def _warn(message: str, notes: list[str]) -> None:
    notes.append(message)
    warnings.warn(message, ImplementationDataWarning, stacklevel=4)


def select(ms: MeasureStatus, as_of, notes: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Measures for which ``as_of`` is due, with their status code at ``as_of``."""
    frame, (status,) = select_many(ms, (as_of,), notes)
    return frame, status


def select_many(
    ms: MeasureStatus, as_ofs, notes: list[str]
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Measures for which every report in ``as_ofs`` is due, with their status at each."""
    as_ofs = [check_as_of(a) for a in as_ofs]
    due = ms.frame["due"].to_numpy()
    need = max([1 if a == "end" else a for a in as_ofs])
    keep = due >= need
    n_out = int((~keep).sum())
    if n_out:
        what = "any report" if need <= 1 and "end" in as_ofs else f"report {need}"
        notes.append(
            f"{n_out} measure(s) of {ms.frame.loc[~keep, 'audit_id'].nunique()} audit(s) for "
            f"which {what} is not yet due (last report year {ms.last_report_year}) are left out."
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
                    f"{int(early.sum())} measure(s) of {n_audits} "
                    "audit(s) whose implementation phase is not complete in the data (last "
                    f"report year {ms.last_report_year}) enter with their last due report."
                )
        else:
            k = np.full(len(rows), a, dtype=np.int64)
        statuses.append(ms.status[rows, k])
        missing |= ~ms.reported[rows, k] & (k > 0) & (n_rep > 0)
    if missing.any():
        _warn(
            f"{int(missing.sum())} measure(s) lack a report due at this point; their last "
            "earlier status is carried forward (planned if there is none).",
            notes,
        )
    return ms.frame.iloc[rows].reset_index(drop=True), statuses


def success_flag(status: np.ndarray, success: str) -> np.ndarray:
    return np.isin(status, check_success(success)).astype(np.int64)


def value_label(key: str, value, lang: Lang) -> str:
    """Display label of one value of a key column (action field, status, level, state...)."""
    code_list = KEY_CODE_LISTS.get(key)
    if code_list is not None:
        return labels(code_list, lang).get(str(value), str(value))
    return str(value)


def label_frame(df: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Replace codes in key columns by their labels (for summaries)."""
    out = df.copy()
    for c in out.columns:
        if c in KEY_CODE_LISTS:
            out[c] = out[c].map(lambda v, c=c: value_label(c, v, lang)).astype("string")
    return out


def ordered_fields(values) -> list[str]:
    """Action fields in code-list order, unknown values last in sorted order."""
    vals = list(dict.fromkeys(str(v) for v in values))
    known = [f for f in ALL_FIELD_CODES if f in vals]
    rest = sorted(v for v in vals if v not in ALL_FIELD_CODES)
    return known + rest
