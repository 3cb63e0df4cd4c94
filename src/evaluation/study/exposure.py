"""Whether a unit's certificate is in force, year by year: treatment that switches on and off.

Rule (one rule, used by :func:`certification_status` and by the synthetic study)
-------------------------------------------------------------------------------
Each certified audit covers the interval from its ``certification_date`` to its
``implementation_end_date`` (the end of the three-year implementation phase; certification + 3
years when the end date is missing). When the unit's next audit cycle **started before** that end
date (a re-audit in time), the cover runs on without a gap until the next certificate is issued,
and, if that re-audit has no certification date yet, until the end of the observed years. A unit
is *certified in year y* (``in_force = 1``) when **1 July of y** lies in a covered interval: a
certificate from the first half of a year counts for that year, one from the second half from the
next year on; a phase ending before 1 July no longer counts for that year.

A unit *exits* in the first year it is no longer in force after having been in force (its
certificate lapsed without a re-audit in time) and *re-enters* when a later certificate comes into
force. Units without any certified audit are never in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Text
from .describe import DescriptiveTable

CUTOFF_MONTH, CUTOFF_DAY = 7, 1

TITLE = Text("Zertifikat in Kraft je Kommune und Jahr", "Certificate in force per unit and year")
RULE = Text(
    "Regel: in Kraft im Jahr y, wenn der 1. Juli von y zwischen Zertifizierung und Ende der "
    "dreijährigen Umsetzungsphase liegt; eine vor dem Phasenende begonnene Re-Auditierung "
    "verlängert bis zum neuen Zertifikat (ohne Zertifikat bis zum Ende der Daten).",
    "Rule: in force in year y when 1 July of y lies between certification and the end of "
    "the three-year implementation phase; a re-audit started before the phase end extends "
    "the cover to the new certificate (without one, to the end of the data).",
)


def _intervals(audits: pd.DataFrame, last_year: int) -> pd.DataFrame:
    """Covered intervals [start, end) per certified audit, after bridging re-audits."""
    need = ["municipality_id", "cycle", "start_date", "certification_date"]
    missing = [c for c in need if c not in audits.columns]
    if missing:
        raise DataError(
            f"table audits has no column(s) {missing}; certification status needs "
            "municipality_id, cycle, start_date, certification_date (and "
            "implementation_end_date)"
        )
    a = audits.copy()
    for c in ("start_date", "certification_date", "implementation_end_date"):
        if c in a.columns:
            a[c] = pd.to_datetime(a[c], errors="coerce")
        else:
            a[c] = pd.NaT
    a = a.sort_values(["municipality_id", "cycle"], kind="stable").reset_index(drop=True)
    end = a["implementation_end_date"].where(
        a["implementation_end_date"].notna(), a["certification_date"] + pd.DateOffset(years=3)
    )
    bad = a["certification_date"].notna() & (end <= a["certification_date"])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"audits row {row} (audit {a['audit_id'].iloc[row] if 'audit_id' in a else row}): "
            "implementation_end_date is not after certification_date; correct one of them"
        )
    nxt = a.groupby("municipality_id", sort=False)
    next_start = nxt["start_date"].shift(-1)
    next_cert = nxt["certification_date"].shift(-1)
    has_next = nxt["cycle"].shift(-1).notna()
    bridged = has_next & next_start.notna() & (next_start < end)
    data_end = pd.Timestamp(year=last_year, month=12, day=31) + pd.Timedelta(days=1)
    ext = next_cert.where(next_cert.notna(), data_end)
    end = end.where(~bridged, pd.concat([end, ext], axis=1).max(axis=1))
    out = pd.DataFrame(
        {
            "municipality_id": a["municipality_id"].astype(str),
            "cycle": a["cycle"],
            "start": a["certification_date"],
            "end": end,
        }
    )
    return out[out["start"].notna()].reset_index(drop=True)


def in_force_matrix(
    audits: pd.DataFrame, unit_ids: Sequence[Any], years: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(units x years) 0/1 array of the rule above and the cycle in force (0 = none)."""
    years = np.asarray(years, dtype=np.int64)
    iv = _intervals(audits, int(years.max()))
    pos = pd.Index([str(u) for u in unit_ids])
    r = pos.get_indexer(iv["municipality_id"])
    iv, r = iv[r >= 0], r[r >= 0]
    cut = pd.to_datetime(
        {"year": years, "month": CUTOFF_MONTH, "day": CUTOFF_DAY}
    ).to_numpy()  # 1 July of each year
    start = iv["start"].to_numpy()[:, None]
    end = iv["end"].to_numpy()[:, None]
    cover = (start <= cut[None, :]) & (cut[None, :] < end)  # intervals x years
    on = np.zeros((len(pos), len(years)), dtype=np.int64)
    cyc = np.zeros((len(pos), len(years)), dtype=np.int64)
    np.maximum.at(on, r, cover.astype(np.int64))
    np.maximum.at(cyc, r, cover * iv["cycle"].to_numpy(dtype=np.int64)[:, None])
    return on, cyc


#: the switching events of :func:`certification_status`, with their labels
EVENTS: dict[str, Text] = {
    "entry": Text("Eintritt", "entry"),
    "exit": Text("Austritt", "exit"),
    "re_entry": Text("Wiedereintritt", "re-entry"),
}


class CertificationStatus(DescriptiveTable):
    """Per unit and year: ``in_force`` (0/1), ``cycle`` (audit cycle in force, 0 = none),
    ``event`` (``"entry"``, ``"exit"``, ``"re_entry"`` or empty), ``first_certified`` (first
    year in force, 0 if never) and ``ever_exited``. ``events()`` lists the switches only."""

    year_columns = DescriptiveTable.year_columns | {"first_certified"}

    def __init__(self, table: pd.DataFrame, **kw: Any) -> None:
        kw.setdefault("notes", [RULE])
        kw.setdefault("value_labels", {"event": EVENTS})
        super().__init__(table, title=TITLE, **kw)

    def events(self) -> pd.DataFrame:
        """The switching events: unit, year and ``event``."""
        t = self._table
        return t[t["event"] != ""][["municipality_id", "year", "event"]].reset_index(drop=True)


def certification_status(
    study: Any,
    years: tuple[int, int] | None = None,
    *,
    units: Sequence[str] | None = None,
) -> CertificationStatus:
    """Whether each unit's certificate is in force in each year (see the module docstring for
    the rule), with entry and exit events.

    Parameters
    ----------
    study
        A :class:`evaluation.Study` (uses its audits and municipalities tables).
    years
        First and last year; default: the years of the indicators table (or of the audits).
    units
        Units to include; default: every unit of the municipalities table (comparison units are
        never in force) and of the audits table.

    Returns
    -------
    CertificationStatus
        ``tidy()`` has one row per unit and year; merge it onto an outcome panel and pass
        ``treatment="in_force"`` to :func:`evaluation.did_multiplegt`.
    """
    audits = study.audits
    if years is None:
        ind = study.indicators
        if len(ind) and ind["year"].notna().any():
            years = (int(ind["year"].min()), int(ind["year"].max()))
        else:
            dates = pd.to_datetime(audits["certification_date"]).dropna()
            if len(dates) == 0:
                raise DataError(
                    "no years to encode: the study has no indicators and no certified audit; "
                    "pass years=(first, last)"
                )
            years = (int(dates.dt.year.min()), int(dates.dt.year.max()) + 3)
    if (
        not isinstance(years, tuple | list)
        or len(years) != 2
        or not all(isinstance(y, int | np.integer) for y in years)
        or years[0] > years[1]
    ):
        raise OptionError(f"years must be (first, last) with first <= last, got {years!r}")
    yrs = np.arange(int(years[0]), int(years[1]) + 1)
    if units is None:
        ids = list(
            dict.fromkeys(
                [
                    *study.municipalities["municipality_id"].dropna().astype(str),
                    *audits["municipality_id"].dropna().astype(str),
                ]
            )
        )
    else:
        ids = [str(u) for u in units]
    ids = sorted(ids)
    on, cyc = in_force_matrix(audits, ids, yrs)
    prev = np.concatenate([np.zeros((len(ids), 1), dtype=np.int64), on[:, :-1]], axis=1)
    seen_before = np.maximum.accumulate(prev, axis=1) > 0
    event = np.full(on.shape, "", dtype=object)
    event[(on == 1) & (prev == 0) & ~seen_before] = "entry"
    event[(on == 1) & (prev == 0) & seen_before] = "re_entry"
    event[(on == 0) & (prev == 1)] = "exit"
    first = np.where(on.any(axis=1), yrs[on.argmax(axis=1)], 0)
    exited = (event == "exit").any(axis=1)
    table = pd.DataFrame(
        {
            "municipality_id": np.repeat(ids, len(yrs)),
            "year": np.tile(yrs, len(ids)),
            "in_force": on.ravel(),
            "cycle": cyc.ravel(),
            "event": pd.array(event.ravel().astype(str), dtype="string"),
            "first_certified": np.repeat(first, len(yrs)),
            "ever_exited": np.repeat(exited, len(yrs)),
        }
    )
    facts = {
        "n_units": len(ids),
        "n_certified": int(on.any(axis=1).sum()),
        "n_exits": int((event == "exit").sum()),
        "n_re_entries": int((event == "re_entry").sum()),
    }
    return CertificationStatus(table, facts=facts)
