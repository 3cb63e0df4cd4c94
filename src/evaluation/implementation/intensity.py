"""Implementation intensity: per audited unit and audit cycle, the share of agreed measures
implemented by the end of the implementation phase, per action field and overall.

The conventions are exactly those of :func:`evaluation.implementation_rates` (see
:mod:`evaluation.implementation._data`): report numbers counted from the certification year,
missing due reports carried forward, measures without any report excluded (or counted as
planned), discontinued measures in the denominator and never a success, and the success
definition ``"implemented"`` or ``"at_least_partial"``. Averaging the per-unit shares with the
measure counts as weights therefore gives back the rates of ``implementation_rates``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..codes import ALL_FIELD_CODES, labels
from ..errors import DataError, OptionError
from ..i18n import Lang, Text, tr
from ..options import IntensityBy, Success, Unreported, check_option
from ..results import figure_axes
from ._data import (
    AsOf,
    check_as_of,
    check_success,
    measure_status,
    ordered_fields,
    select,
    success_flag,
)
from ._results import ImplementationResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: value of ``action_field`` in the rows that pool all fields of an audit
OVERALL = "all"

TITLE = Text("Umsetzungsintensität je Kommune und Audit", "Implementation intensity per unit")
SHARE_NOTE = Text(
    "Anteil = umgesetzte / vereinbarte Maßnahmen am Ende der Umsetzungsphase (letzter fälliger "
    "Bericht bis Bericht 3); abgebrochene Maßnahmen zählen im Nenner.",
    "share = implemented / agreed measures at the end of the implementation phase (last due "
    "report up to report 3); discontinued measures count in the denominator.",
)
OVERALL_LABEL = Text("insgesamt", "overall")
AXIS_LABEL = Text("Anteil umgesetzt", "share implemented")


class ImplementationIntensity(ImplementationResult):
    """Per unit, audit cycle and action field: ``n_measures``, ``n_success`` and ``share``.

    ``tidy()`` columns: ``municipality_id``, ``audit_id``, ``cycle``, ``cohort`` (certification
    year), ``action_field`` (``"all"`` in the rows pooling every field of the audit),
    ``n_measures``, ``n_success``, ``share`` and ``complete`` (whether report 3 is due, i.e.
    the phase is complete in the data).
    """

    def unit_intensity(self, field: str = OVERALL, cycle: int = 1) -> pd.Series:
        """Share per unit (index ``municipality_id``) for one action field (or ``"all"``)
        and audit cycle: the dose of :func:`evaluation.continuous_did` or the variable
        that :func:`evaluation.heterogeneity` groups by."""
        t = self._table
        if field not in set(t["action_field"]):
            raise DataError(
                f"action field {field!r} has no measures in this result; available: "
                f"{ordered_fields(t['action_field'])}"
            )
        sel = t[(t["action_field"] == field) & (t["cycle"] == cycle)]
        if len(sel) == 0:
            raise DataError(f"no audit of cycle {cycle} has measures in field {field!r}")
        return sel.set_index("municipality_id")["share"].rename(f"intensity_{field}")

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Distribution of the per-unit shares per action field (box plot); returns the
        Figure."""
        from .plots import percent_axis

        t = self._table
        fields = [f for f in ordered_fields(t["action_field"]) if f != OVERALL] + [OVERALL]
        fields = [f for f in fields if f in set(t["action_field"])]
        fig, ax = figure_axes(ax, (7, 4))
        data = [t.loc[t["action_field"] == f, "share"].dropna().to_numpy() for f in fields]
        names = labels("action_fields", lang)
        ax.boxplot(
            data,
            orientation="horizontal",
            tick_labels=[names.get(f, OVERALL_LABEL(lang)) for f in fields],
        )
        ax.set_xlim(-0.02, 1.02)
        ax.xaxis.set_major_formatter(percent_axis(lang))
        ax.set_xlabel(AXIS_LABEL(lang))
        ax.set_title(title or tr(self.title, lang))
        fig.tight_layout()
        return fig


def implementation_intensity(
    study: Any,
    by: IntensityBy = "action_field",
    *,
    field: str | None = None,
    success: Success = "implemented",
    as_of: AsOf = "end",
    unreported: Unreported = "exclude",
) -> ImplementationIntensity:
    """Share and count of agreed measures implemented, per audited unit and audit cycle.

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    by
        ``"action_field"`` (default): one row per unit, cycle and action field plus the pooled
        row (``action_field == "all"``); ``"overall"``: the pooled rows only.
    field
        Keep only this action field (and the pooled row), e.g. the field linked to an
        indicator (``field="work_family"`` for childcare).
    success, as_of, unreported
        As in :func:`evaluation.implementation_rates`: the success definition, the report at
        which the status is read (``"end"`` = last due report up to 3) and what happens to
        measures without any report.

    Returns
    -------
    ImplementationIntensity
        ``tidy()`` has one row per unit, cycle and field; ``unit_intensity(field, cycle)``
        gives the shares as a Series by unit.

    Examples
    --------
    >>> import evaluation as ev
    >>> study = ev.datasets.synthetic_study(seed=1)
    >>> dose = ev.implementation_intensity(study).unit_intensity("work_family")  # doctest: +SKIP
    """
    check_option("by", by, IntensityBy)
    check_success(success)
    as_of = check_as_of(as_of)
    if field is not None and field not in ALL_FIELD_CODES:
        raise OptionError(f"field must be one of {list(ALL_FIELD_CODES)}, got {field!r}")
    ms = measure_status(study, unreported)
    notes = list(ms.notes)
    frame, status = select(ms, as_of, notes)
    if len(frame) == 0:
        raise DataError(
            f"no measure has a due report for as_of={as_of!r} (last report year "
            f"{ms.last_report_year}); choose an earlier as_of"
        )
    frame = frame.assign(_y=success_flag(status, success), _n=1)
    frame["action_field"] = frame["action_field"].astype(str)
    keys = ["municipality_id", "audit_id", "cycle", "cohort"]
    per_audit = frame.groupby(keys, sort=True, dropna=False).agg(
        n_measures=("_n", "sum"), n_success=("_y", "sum"), due=("due", "max")
    )
    pooled = per_audit.reset_index().assign(action_field=OVERALL)
    parts = [pooled]
    if by == "action_field":
        per_field = (
            frame.groupby([*keys, "action_field"], sort=True, dropna=False)
            .agg(n_measures=("_n", "sum"), n_success=("_y", "sum"), due=("due", "max"))
            .reset_index()
        )
        if field is not None:
            per_field = per_field[per_field["action_field"] == field]
        parts.insert(0, per_field)
    table = pd.concat(parts, ignore_index=True)
    order = {f: i for i, f in enumerate([*ordered_fields(table["action_field"]), OVERALL])}
    table["_o"] = table["action_field"].map(order)
    table = table.sort_values(["municipality_id", "cycle", "_o"], kind="stable")
    table["action_field"] = table["action_field"].astype("string")
    table["n_measures"] = table["n_measures"].astype(np.int64)
    table["n_success"] = table["n_success"].astype(np.int64)
    table["share"] = table["n_success"] / table["n_measures"]
    table["complete"] = table["due"].to_numpy() >= 3
    table["cycle"] = table["cycle"].astype(np.int64)
    table["cohort"] = table["cohort"].astype(np.int64)
    table = table[[*keys, "action_field", "n_measures", "n_success", "share", "complete"]]
    facts = {
        "success": success,
        "as_of": as_of,
        "n_measures": int(len(frame)),
        "n_municipalities": int(frame["municipality_id"].nunique()),
        "n_audits": int(frame["audit_id"].nunique()),
    }
    return ImplementationIntensity(
        table.reset_index(drop=True),
        title=TITLE,
        notes=[SHARE_NOTE, *notes],
        facts=facts,
        call={
            "by": by,
            "field": field,
            "success": success,
            "as_of": as_of,
            "unreported": unreported,
        },
        count_columns=("n_measures", "n_success"),
    )
