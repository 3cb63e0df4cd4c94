"""Status distribution over the implementation phase and transitions between reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..codes import STATUS_CODES
from ..errors import DataError, OptionError
from ..i18n import Lang, Text
from ..options import Unreported
from ._data import N_REPORTS, REPORT_NUMBERS, measure_status, normalise_by, warn_note
from ._results import ImplementationResult
from .rates import group_codes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

NOT_COMPLETE = Text(
    "{k} Maßnahme(n) aus {a} Audit(s), deren Bericht {last} noch nicht fällig ist, bleiben "
    "außen vor, damit jede Berichtsnummer dieselben Maßnahmen beschreibt.",
    "{k} measure(s) of {a} audit(s) whose report {last} is not yet due are left out, so that "
    "every report number has the same measures.",
)
GAPS = Text(
    "Für {k} Maßnahme(n) fehlt mindestens einer der Berichte 1-{last}; der letzte frühere "
    "Status wird fortgeschrieben (geplant, wenn es keinen gibt).",
    "{k} measure(s) lack at least one of reports 1-{last}; the last earlier status is carried "
    "forward (planned if there is none).",
)
PROGRESSION_TITLE = Text(
    "Status der Maßnahmen im Verlauf der Umsetzungsphase",
    "Status of the measures over the implementation phase",
)
PROGRESSION_NOTE = Text(
    "Bericht 0 = bei der Zertifizierung (geplant, wenn kein Bericht anderes sagt); Berichte 1-3 "
    "= Jahresberichte (Berichtsjahr minus Zertifizierungsjahr).",
    "Report 0 = at certification (planned unless a report says otherwise); reports 1-3 = annual "
    "reports (report year minus certification year).",
)
TRANSITIONS_TITLE = Text(
    "Statusübergänge zwischen aufeinanderfolgenden Berichten",
    "Status transitions between consecutive reports",
)
TRANSITIONS_NOTE = Text(
    "Aufgeführt sind nur Status, die eine Maßnahme im früheren Bericht hatte; die Anteile sind "
    "Zeilenanteile (sie summieren sich je Gruppe, Schritt und früherem Status zu 1).",
    "Only statuses that some measure had in the earlier report are listed; shares are row "
    "shares (they sum to 1 per group, step and earlier status).",
)


def phase_statuses(
    study: Any, unreported: Unreported
) -> tuple[pd.DataFrame, np.ndarray, list[Text]]:
    """Measures of audits whose report 3 is due, with their status at reports 0-3."""
    ms = measure_status(study, unreported)
    notes = list(ms.notes)
    due = ms.frame["due"].to_numpy()
    keep = due >= N_REPORTS
    if not keep.any():
        raise DataError(
            f"no audit has completed its implementation phase in the data (report {N_REPORTS} "
            f"due by the last report year {ms.last_report_year}); nothing to show"
        )
    if (~keep).any():
        notes.append(
            NOT_COMPLETE.format(
                k=int((~keep).sum()), a=ms.frame.loc[~keep, "audit_id"].nunique(), last=N_REPORTS
            )
        )
    rows = np.flatnonzero(keep)
    reported = ms.reported[rows]
    gaps = (~reported[:, 1:]).any(axis=1) & (ms.frame["n_reported"].to_numpy()[rows] > 0)
    if gaps.any():
        warn_note(GAPS.format(k=int(gaps.sum()), last=N_REPORTS), notes)
    return ms.frame.iloc[rows].reset_index(drop=True), ms.status[rows], notes


class StatusProgression(ImplementationResult):
    """Status distribution per group at certification (report 0) and in reports 1-3.

    ``tidy()`` columns: group keys, ``report_number``, ``status``, ``n_measures``, ``share``
    (share of the group's measures; every status appears, with 0 where no measure has it).
    """

    def __init__(self, table: pd.DataFrame, *, keys: Sequence[str], **kw: Any) -> None:
        self.keys = list(keys)
        super().__init__(table, **kw)

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Stacked bars of the status shares per report number (and group); returns the Figure."""
        from .plots import plot_progression

        return plot_progression(self, ax=ax, lang=lang, title=title)


def status_progression(
    study: Any,
    by: str | Sequence[str] | None = "action_field",
    *,
    unreported: Unreported = "exclude",
) -> StatusProgression:
    """Status distribution per action field (or other keys) at certification and in the three
    annual reports, including discontinued measures.

    Only measures of audits whose report 3 is due enter, so every report number describes the
    same measures. A missing report carries the last earlier status forward (with a warning).

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    by
        Grouping keys as in :func:`evaluation.implementation_rates` (``None``: all measures).
    unreported
        Measures without any report although reports are due: ``"exclude"`` or ``"planned"``.

    Returns
    -------
    StatusProgression
        One row per group, report number and status.

    >>> import evaluation as ev
    >>> prog = ev.status_progression(ev.datasets.synthetic_study(seed=1))
    >>> fig = prog.plot()  # doctest: +SKIP
    """
    by = normalise_by(by)
    frame, status, notes = phase_statuses(study, unreported)
    gidx, keys = group_codes(frame, by)
    n_status = len(STATUS_CODES)
    counts = np.zeros((len(keys), N_REPORTS + 1, n_status), dtype=np.int64)
    for r in REPORT_NUMBERS:
        # numpy's stubs do not accept a tuple of index arrays and integers here
        np.add.at(counts, (gidx, r, status[:, r]), 1)  # type: ignore[arg-type]
    totals = counts.sum(axis=2, keepdims=True)
    share = counts / totals
    k, r, s = np.meshgrid(
        np.arange(len(keys)), np.array(REPORT_NUMBERS), np.arange(n_status), indexing="ij"
    )
    table = keys.iloc[k.ravel()].reset_index(drop=True)
    table["report_number"] = r.ravel().astype(np.int64)
    table["status"] = pd.array(np.array(STATUS_CODES)[s.ravel()], dtype="string")
    table["n_measures"] = counts.ravel()
    table["share"] = share.ravel()
    return StatusProgression(
        table,
        keys=by,
        title=PROGRESSION_TITLE,
        notes=[PROGRESSION_NOTE, *notes],
        facts={
            "n_measures": len(frame),
            "n_municipalities": int(frame["municipality_id"].nunique()),
        },
        call={"by": by, "unreported": unreported},
        count_columns=("n_measures",),
    )


class StatusTransitions(ImplementationResult):
    """Transitions of measures between the statuses of consecutive reports.

    ``tidy()`` columns: group keys, ``from_report``, ``to_report``, ``from_status``,
    ``to_status``, ``n_measures`` and ``share`` (row share: among measures with
    ``from_status`` in ``from_report``, the share with ``to_status`` in ``to_report``).
    """

    def __init__(self, table: pd.DataFrame, *, keys: Sequence[str], **kw: Any) -> None:
        self.keys = list(keys)
        super().__init__(table, **kw)

    def matrix(self, from_report: int | None = None) -> pd.DataFrame:
        """Counts as a from x to matrix, pooled over groups (and over steps if
        ``from_report`` is None)."""
        t = self.tidy()
        if from_report is not None:
            if from_report not in set(t["from_report"]):
                raise OptionError(
                    f"from_report must be one of 0-{N_REPORTS - 1}, got {from_report!r}"
                )
            t = t[t["from_report"] == from_report]
        m = t.pivot_table(
            index="from_status", columns="to_status", values="n_measures", aggfunc="sum"
        )
        present = [s for s in STATUS_CODES if s in m.index]
        return m.reindex(index=present, columns=list(STATUS_CODES), fill_value=0).fillna(0)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        lang: Lang = "de",
        from_report: int | None = None,
        title: str | None = None,
    ) -> Figure:
        """Heat map of the transition shares (pooled over groups); returns the Figure."""
        from .plots import plot_transitions

        return plot_transitions(self, ax=ax, lang=lang, from_report=from_report, title=title)


def status_transitions(
    study: Any,
    by: str | Sequence[str] | None = None,
    *,
    unreported: Unreported = "exclude",
) -> StatusTransitions:
    """Transition table between consecutive reports (0->1, 1->2, 2->3), optionally by group.

    Uses the same measures as :func:`status_progression` (audits whose report 3 is due).

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    by
        Grouping keys as in :func:`evaluation.implementation_rates` (``None``: all measures).
    unreported
        Measures without any report although reports are due: ``"exclude"`` or ``"planned"``.

    Returns
    -------
    StatusTransitions
        One row per group, step and pair of statuses; ``matrix()`` pools them.

    >>> import evaluation as ev
    >>> tr = ev.status_transitions(ev.datasets.synthetic_study(seed=1))
    >>> tr.matrix(from_report=2)  # doctest: +SKIP
    """
    by = normalise_by(by)
    frame, status, notes = phase_statuses(study, unreported)
    gidx, keys = group_codes(frame, by)
    n_status = len(STATUS_CODES)
    counts = np.zeros((len(keys), N_REPORTS, n_status, n_status), dtype=np.int64)
    for j in range(N_REPORTS):
        # numpy's stubs do not accept a tuple of index arrays and integers here
        np.add.at(counts, (gidx, j, status[:, j], status[:, j + 1]), 1)  # type: ignore[arg-type]
    rows = counts.sum(axis=3, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = counts / rows
    k, r, a, b = np.meshgrid(
        np.arange(len(keys)),
        np.arange(N_REPORTS),
        np.arange(n_status),
        np.arange(n_status),
        indexing="ij",
    )
    keep = np.broadcast_to(rows > 0, counts.shape).ravel()
    table = keys.iloc[k.ravel()[keep]].reset_index(drop=True)
    table["from_report"] = r.ravel()[keep].astype(np.int64)
    table["to_report"] = table["from_report"] + 1
    codes = np.array(STATUS_CODES)
    table["from_status"] = pd.array(codes[a.ravel()[keep]], dtype="string")
    table["to_status"] = pd.array(codes[b.ravel()[keep]], dtype="string")
    table["n_measures"] = counts.ravel()[keep]
    table["share"] = share.ravel()[keep]
    return StatusTransitions(
        table,
        keys=by,
        title=TRANSITIONS_TITLE,
        notes=[TRANSITIONS_NOTE, *notes],
        facts={
            "n_measures": len(frame),
            "n_municipalities": int(frame["municipality_id"].nunique()),
        },
        call={"by": by, "unreported": unreported},
        count_columns=("n_measures",),
    )
