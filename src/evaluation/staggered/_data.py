"""What the staggered estimators say about the units the wide form left out.

The panel is checked and turned into arrays once, by :func:`evaluation.study.panel.wide_panel`
(the fast form of the one normaliser); this module turns its list of excluded units into the
notes of a result and into the reason a comparison group is missing.
"""

from __future__ import annotations

import pandas as pd

from ..errors import StaggeredWarning
from ..i18n import Text
from ..options import Unbalanced
from ..study.panel import (
    EXCLUSION_REASONS,
    WidePanel,
    excluded_frame,
    ids_text,
    wide_panel,
)

EXCLUDED_NOTE = Text(
    "{n} Einheit(en) ausgeschlossen, {reason}: {ids} (excluded_units).",
    "{n} unit(s) excluded, {reason}: {ids} (excluded_units).",
)


def excluded_notes(excluded: pd.DataFrame) -> list[Text]:
    """One note per reason: how many units were left out, and which."""
    notes = []
    for reason, part in excluded.groupby("reason", sort=False):
        why = EXCLUSION_REASONS.get(str(reason), Text(str(reason), str(reason)))
        notes.append(
            EXCLUDED_NOTE.format(n=len(part), reason=why, ids=ids_text(part["unit"].tolist()))
        )
    return notes


def no_never_treated_cause(excluded: pd.DataFrame) -> str:
    """Why there are no never-treated units although the data had some: the never-treated
    units that were excluded, and for what (empty if none were)."""
    gone = excluded[excluded["cohort"] == 0]
    if gone.empty:
        return ""
    why = {
        "unbalanced": "it {d} (a balanced panel is required)",
        "no_outcome": "it has no observed outcome",
    }
    rows = list(gone[["unit", "reason", "detail"]].head(5).itertuples(index=False))
    if len(gone) == 1:
        u, r, d = rows[0]
        who = f"the only never-treated unit, {u}, was excluded because " + why.get(
            str(r), str(r)
        ).format(d=d)
    else:
        who = (
            f"all {len(gone)} never-treated units were excluded: "
            + ", ".join(f"{u} ({d or r})" for u, r, d in rows)
            + (" and more" if len(gone) > 5 else "")
        )
    fix = (
        "; use unbalanced='pairwise' to keep units with gaps, fill the gap, or "
        "control_group='not_yet_treated'"
        if (gone["reason"] == "unbalanced").any()
        else "; use control_group='not_yet_treated'"
    )
    return who + fix


__all__ = [
    "EXCLUSION_REASONS",
    "StaggeredWarning",
    "Unbalanced",
    "WidePanel",
    "excluded_frame",
    "excluded_notes",
    "ids_text",
    "no_never_treated_cause",
    "wide_panel",
]
