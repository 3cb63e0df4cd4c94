"""Paired comparisons per municipality: first report against end of phase, first audit against
re-audit. The tests are those of :mod:`evaluation.stats.paired` (one convention for every
paired comparison of the package)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Lang, Text, term
from ..options import Success, Unreported
from ..results import check_level
from ..stats.paired import paired_tests
from ._data import (
    AsOf,
    check_as_of,
    check_success,
    measure_status,
    select_many,
    success_flag,
)
from ._results import ImplementationResult, labelled, value_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ALL_ZERO = Text(
    "Alle Differenzen sind null: beide Tests ergeben p = 1.",
    "All differences are zero: both tests give p = 1.",
)
SINGLE_CYCLE = Text(
    "{k} Kommune(n) mit Maßnahmen in nur einem der Auditzyklen {a} und {b} bleiben außen vor.",
    "{k} municipality(ies) with measures in only one of the cycles {a} and {b} are left out.",
)
END = Text("Phasenende", "end of phase")
REPORT = Text("Bericht {k}", "report {k}")
CYCLE = Text("Auditzyklus {k}", "audit cycle {k}")
BEFORE_AFTER_TITLE = Text(
    "Umsetzungsanteil: {before} gegen {after}", "Share implemented: {before} against {after}"
)


class PairedComparison(ImplementationResult):
    """A paired comparison of shares per unit (municipality or audit).

    ``tidy()`` has one row: ``n_units``, ``mean_before``, ``mean_after``, ``mean_difference``
    with ``std_error``, ``dof`` and the paired t interval ``ci_low``/``ci_high``,
    ``t_statistic``/``t_p_value``, ``median_difference`` and the Wilcoxon signed-rank test
    (``wilcoxon_statistic``, ``wilcoxon_p_value``, ``wilcoxon_method``), all from
    :func:`evaluation.stats.paired.paired_tests`. ``units`` holds the per-unit shares
    (``share_before``, ``share_after``, ``difference``); ``labels`` names the two
    measurements (before, after).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        units: pd.DataFrame,
        labels: tuple[Text, Text],
        **kw: Any,
    ) -> None:
        self.units = units.reset_index(drop=True)
        self.labels = labels
        super().__init__(table, **kw)

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        row = self.tidy().iloc[0]
        hidden = {"t_statistic", "t_p_value"} if self.few_clusters else set()
        shown = [c for c in row.index if c not in hidden]
        table = pd.DataFrame(
            {
                "quantity": [term(c, lang) for c in shown],
                "value": [value_text(c, _plain(row[c]), lang) for c in shown],
            }
        )
        return [("", labelled(table, lang))]

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Slope chart: each unit's share before and after, with the means; returns the
        Figure."""
        from .plots import plot_paired

        return plot_paired(self, ax=ax, lang=lang, title=title)


def _plain(v: Any) -> Any:
    """A numpy scalar as a Python number (whole floats as integers, for display)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    return v


def _shares(frame: pd.DataFrame, y: np.ndarray, unit: list[str], name: str) -> pd.DataFrame:
    d = frame[unit].copy()
    d[name] = y
    return d.groupby(unit, sort=True).agg(n_measures=(name, "size"), **{name: (name, "mean")})


def _result(
    units: pd.DataFrame,
    level: float,
    title: Text,
    notes: Sequence[Text],
    facts: Mapping[str, Any],
    labels: tuple[Text, Text],
    call: Mapping[str, Any],
) -> PairedComparison:
    if len(units) < 2:
        raise DataError(
            f"a paired comparison needs at least 2 units with both measurements, found "
            f"{len(units)}; check the audits and reports (or choose other report numbers)"
        )
    units = units.copy()
    units["difference"] = units["share_after"] - units["share_before"]
    tests = paired_tests(units["share_before"], units["share_after"], level)
    table = pd.DataFrame([tests.as_row()])
    table["wilcoxon_method"] = table["wilcoxon_method"].astype("string")
    notes = list(notes)
    if tests.wilcoxon_method == "none":
        notes.append(ALL_ZERO)
    return PairedComparison(
        table,
        units=units,
        labels=labels,
        title=title,
        notes=notes,
        facts=facts,
        call=call,
        count_columns=("n_units",),
        inference=tests.inference(),
    )


def before_after_implementation(
    study: Any,
    *,
    success: Success = "implemented",
    before: int = 1,
    after: AsOf = "end",
    cycle: int | None = 1,
    level: float = 0.95,
    unreported: Unreported = "exclude",
) -> PairedComparison:
    """Per audit (municipality in the given ``cycle``): share of successful measures at the
    first report against the share at the end of the implementation phase, with a paired t
    interval and a Wilcoxon signed-rank test.

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    success
        ``"implemented"`` or ``"at_least_partial"``.
    before, after
        Report numbers (``after`` may be ``"end"``: the last due report up to 3).
    cycle
        Audit cycle whose audits are compared (1 = first audits); ``None`` uses every audit
        as its own unit.
    level
        Confidence level of the t interval.
    unreported
        Measures without any report although reports are due: ``"exclude"`` or ``"planned"``.

    Returns
    -------
    PairedComparison
        The paired tests (one row) and the shares per unit (``units``).

    Examples
    --------
    >>> import evaluation as ev
    >>> ev.before_after_implementation(ev.datasets.synthetic_study(seed=1)).tidy()  # doctest: +SKIP
    """
    check_success(success)
    before_as_of = check_as_of(before)
    after = check_as_of(after)
    if before_as_of == "end":
        raise OptionError("before must be a report number 0-3, got 'end'")
    before = before_as_of
    check_level(level)
    ms = measure_status(study, unreported)
    notes = list(ms.notes)
    frame, (s0, s1) = select_many(ms, (before, after), notes)
    if cycle is not None:
        keep = (frame["cycle"] == cycle).to_numpy(dtype=bool, na_value=False)
        if not keep.any():
            raise DataError(f"audits: no measures of audit cycle {cycle} with due reports")
        frame, s0, s1 = frame.loc[keep].reset_index(drop=True), s0[keep], s1[keep]
    unit = ["municipality_id", "cycle"]
    a = _shares(frame, success_flag(s0, success), unit, "share_before")
    b = _shares(frame, success_flag(s1, success), unit, "share_after")
    units = a.join(b["share_after"]).reset_index()
    labels = (REPORT.format(k=before), END if after == "end" else REPORT.format(k=after))
    return _result(
        units,
        level,
        BEFORE_AFTER_TITLE.format(before=labels[0], after=labels[1]),
        notes,
        {"success": success, "n_measures": len(frame), "cycle": "all" if cycle is None else cycle},
        labels,
        {
            "success": success,
            "before": before,
            "after": after,
            "cycle": cycle,
            "level": level,
            "unreported": unreported,
        },
    )


def cycle_comparison(
    study: Any,
    *,
    success: Success = "implemented",
    as_of: AsOf = "end",
    cycles: tuple[int, int] = (1, 2),
    level: float = 0.95,
    unreported: Unreported = "exclude",
) -> PairedComparison:
    """First audit against re-audit: per municipality with both cycles, the share of
    successful measures (at ``as_of``) in each, with a paired t interval and a Wilcoxon
    signed-rank test. Municipalities with only one of the cycles are left out (a note counts
    them).

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    success
        ``"implemented"`` or ``"at_least_partial"``.
    as_of
        Report number 0-3 or ``"end"`` at which each cycle's status is read.
    cycles
        The two audit cycles compared (before, after).
    level
        Confidence level of the t interval.
    unreported
        Measures without any report although reports are due: ``"exclude"`` or ``"planned"``.

    Returns
    -------
    PairedComparison
        The paired tests (one row) and the shares per municipality (``units``).

    Examples
    --------
    >>> import evaluation as ev
    >>> ev.cycle_comparison(ev.datasets.synthetic_study(seed=1)).tidy()  # doctest: +SKIP
    """
    check_success(success)
    as_of = check_as_of(as_of)
    check_level(level)
    if len(cycles) != 2 or cycles[0] == cycles[1]:
        raise OptionError(f"cycles must be two different audit cycles, got {cycles!r}")
    ms = measure_status(study, unreported)
    notes = list(ms.notes)
    frame, (s,) = select_many(ms, (as_of,), notes)
    frame = frame.assign(y=success_flag(s, success))
    frame = frame[frame["cycle"].isin(list(cycles)).to_numpy(dtype=bool, na_value=False)]
    sh = frame.groupby(["municipality_id", "cycle"], sort=True).agg(
        n_measures=("y", "size"), share=("y", "mean")
    )
    wide = sh["share"].unstack("cycle")
    for c in cycles:
        if c not in wide.columns:
            wide[c] = np.nan
    both = wide[list(cycles)].notna().all(axis=1)
    n_single = int((~both).sum())
    if n_single:
        notes.append(SINGLE_CYCLE.format(k=n_single, a=cycles[0], b=cycles[1]))
    units = pd.DataFrame(
        {
            "municipality_id": wide.index[both].astype("string"),
            "share_before": wide.loc[both, cycles[0]].to_numpy(dtype=float),
            "share_after": wide.loc[both, cycles[1]].to_numpy(dtype=float),
        }
    )
    labels = (CYCLE.format(k=cycles[0]), CYCLE.format(k=cycles[1]))
    return _result(
        units,
        level,
        BEFORE_AFTER_TITLE.format(before=labels[0], after=labels[1]),
        notes,
        {"success": success, "as_of": as_of, "n_measures": len(frame)},
        labels,
        {
            "success": success,
            "as_of": as_of,
            "cycles": tuple(cycles),
            "level": level,
            "unreported": unreported,
        },
    )
