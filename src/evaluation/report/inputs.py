"""The one adapter between the report and interfaces of the analyses that are being changed.

The report reads results only through their public interface. Where that interface is not
complete yet on every result (the pooled event-time pre-test of ``att_gt``, ``vcov()`` of
aggregated effects, the descriptive tables of :mod:`evaluation.study`), the report calls the
functions below, so that switching to the new interface is a change in this file only:

- :func:`pretest` returns the pre-trend test of a result (its ``pretest()``);
- :func:`excluded_units` returns the units an estimator left out, with the reason;
- :func:`describe_*` take the descriptive tables of the data section and the trend figures
  from :mod:`evaluation.study.describe` (the report computes none of their numbers) and
  give them the columns the report shows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..i18n import Lang, Text, tr
from ..options import Onset, UnitGrouping
from ..results import Estimates, TestResult
from ..study import describe
from ..study.model import Study


def note_text(note: Any, lang: Lang) -> str:
    """A note of a result in ``lang``: a :class:`~evaluation.i18n.Text` in its language; a
    plain note written as "German / English" split at the separator. A plain note in one
    language only (analyses not yet migrated to :class:`~evaluation.i18n.Text` write them in
    English) is shown in English reports only, so that a German report stays German; it is
    still in the result (``result.notes``)."""
    if isinstance(note, Text):
        return note(lang)
    s = tr(note, lang)
    if " / " in s:
        de, _, en = s.partition(" / ")
        if de.strip() and en.strip():
            return Text(de.strip(), en.strip())(lang)
    return Text("", s)(lang)


def influence_of(result: Any) -> np.ndarray | None:
    """The influence functions (units x estimates) of a result, or None."""
    inf = getattr(result, "influence", None)
    if callable(inf):
        inf = inf()
    if inf is None:
        return None
    return np.asarray(inf, dtype=float)


def pretest(result: Any, dynamic: Any = None) -> TestResult | None:
    """The pre-trend test of ``result``: its own ``pretest()`` (for ``att_gt`` the pooled
    event-time test, which stays defined with small cohorts; for an event study its F test).
    ``dynamic`` is accepted for the callers' signature and not used."""
    fn = getattr(result, "pretest", None)
    return fn() if callable(fn) else None


def excluded_units(result: Any) -> pd.DataFrame:
    """The units an estimator left out: a frame with ``municipality_id`` and ``reason``
    (empty when none)."""
    ex = getattr(result, "excluded_units", None)
    if isinstance(ex, pd.DataFrame) and len(ex):
        unit = "municipality_id" if "municipality_id" in ex.columns else ex.columns[0]
        reason = ex["reason"] if "reason" in ex.columns else pd.Series(["excluded"] * len(ex))
        return pd.DataFrame({"municipality_id": ex[unit].to_numpy(), "reason": reason.to_numpy()})
    return pd.DataFrame({"municipality_id": [], "reason": []})


def n_treated_units(result: Any) -> int | None:
    """Treated units of a result (from its facts), or None."""
    facts = getattr(result, "facts", {}) or {}
    for k in ("n_treated_units", "n_treated"):
        if k in facts:
            try:
                return int(facts[k])
            except (TypeError, ValueError):
                return None
    return None


def overall(result: Any) -> Estimates | None:
    """The one overall estimate of a result (itself, or its ``overall`` part)."""
    if result is None:
        return None
    if hasattr(result, "overall") and isinstance(result.overall, Estimates):
        return result.overall
    return result


# -- descriptive tables: the data layer's (evaluation.study.describe) -------------------------


def describe_units(study: Study, key: UnitGrouping) -> pd.DataFrame:
    """Units per ``key`` ("level" or "state", in code-list order) and group, as columns
    (:func:`~evaluation.study.describe.unit_counts`)."""
    return describe.unit_counts(study, key).tidy()


def describe_cohorts(
    study: Study, onset: Onset, cycle: int
) -> tuple[pd.DataFrame, pd.DataFrame, list[Text | str]]:
    """The audited units with their cohort (``municipality_id``, ``cohort``), the counts per
    cohort (:func:`~evaluation.study.describe.cohort_counts`) and its notes (audited units
    without an onset date); audited has the data layer's one definition
    (:func:`~evaluation.study.describe.audited_units`)."""
    ons = study.onsets(onset, cycle)
    audited = set(describe.audited_units(study))
    coh = ons.loc[ons["cohort"].notna() & ons["municipality_id"].isin(audited)]
    res = describe.cohort_counts(study, onset=onset, cycle=cycle)
    return coh[["municipality_id", "cohort"]].reset_index(drop=True), res.tidy(), list(res.notes)


def describe_titles(study: Study) -> pd.DataFrame:
    """Up to three most frequent measure titles per action field (ties in title order;
    :func:`~evaluation.study.describe.frequent_measure_titles`)."""
    return describe.frequent_measure_titles(study, 3).tidy()


def describe_indicators(study: Study, lang: Lang) -> pd.DataFrame:
    """The indicator catalogue with the coverage of each indicator
    (:func:`~evaluation.study.describe.indicator_coverage`), with the label in ``lang`` as
    ``label``."""
    table = describe.indicator_coverage(study).tidy()
    shown = describe.LABEL_COLUMN(lang)
    other = [c for c in ("label_de", "label_en") if c != shown]
    return table.drop(columns=other).rename(columns={shown: "label"})


def describe_trends(
    study: Study, indicator: str, onset: Onset, cycle: int
) -> tuple[pd.DataFrame, list[Text | str]]:
    """Mean of the indicator per year, audited against comparison units
    (:func:`~evaluation.study.describe.yearly_group_means`), and the notes beyond "descriptive
    means" (audited units without an onset date)."""
    res = describe.yearly_group_means(study, indicator, onset=onset, cycle=cycle)
    # the data layer's notes: "descriptive means" first, then the audited units without onset
    return res.tidy(), list(res.notes[1:])
