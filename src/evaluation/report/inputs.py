"""The one adapter between the report and interfaces of the analyses that are being changed.

The report reads results only through their public interface. Where that interface is not
complete yet on every result (the pooled event-time pre-test of ``att_gt``, ``vcov()`` of
aggregated effects, the descriptive tables of :mod:`evaluation.study`), the report calls the
functions below, so that switching to the new interface is a change in this file only:

- :func:`pretest` returns the pre-trend test of a result (its ``pretest()``);
- :func:`excluded_units` returns the units an estimator left out, with the reason;
- :func:`describe_*` compute the descriptive tables of the data section (to move to
  ``evaluation.study.describe``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import codes
from ..i18n import Lang, Text, tr
from ..results import Estimates, TestResult


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


# -- descriptive tables (to move to evaluation.study.describe) --------------------------------


def describe_units(study: Any, key: str) -> pd.DataFrame:
    """Units per ``key`` ("level" or "state", in code-list order) and group, as columns."""
    order = {"level": codes.LEVEL_CODES, "state": codes.STATE_CODES}[key]
    df = study.municipalities
    tab = pd.crosstab(df[key].astype("string"), df["group"].astype("string"))
    for g in codes.GROUP_CODES:
        if g not in tab.columns:
            tab[g] = 0
    tab = tab[list(codes.GROUP_CODES)]
    tab = tab.loc[[c for c in order if c in tab.index]]
    tab.columns = [f"n_{g}" for g in codes.GROUP_CODES]
    tab["n_total"] = tab.sum(axis=1)
    out = tab.reset_index().rename(columns={"index": key})
    out.columns.name = None
    out[key] = out[key].astype(str)
    return out.astype({c: "int64" for c in out.columns if c.startswith("n_")})


def describe_cohorts(study: Any, onset: str, cycle: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The onsets with each unit's number of audit cycles, and the counts per cohort."""
    onsets = study.onsets(onset, cycle)
    cyc = study.audits.groupby("municipality_id", observed=True)["cycle"].max().rename("cycles")
    coh = onsets.dropna(subset=["cohort"]).merge(
        cyc.reset_index(), on="municipality_id", how="left"
    )
    table = (
        coh.groupby("cohort", observed=True)
        .agg(
            n_units=("municipality_id", "size"),
            n_reaudited=("cycles", lambda s: int((s > 1).sum())),
        )
        .reset_index()
        .astype({"cohort": "int64", "n_units": "int64", "n_reaudited": "int64"})
    )
    return coh, table


def describe_titles(study: Any) -> pd.DataFrame:
    """Up to three most frequent measure titles per action field (ties in title order)."""
    m = study.measures[["goal_id", "title"]].merge(
        study.goals[["goal_id", "action_field"]], on="goal_id", how="left"
    )
    m = m.dropna(subset=["title", "action_field"])
    counts = m.groupby(["action_field", "title"], observed=True).size().rename("n_measures")
    counts = counts.reset_index()
    order = {c: i for i, c in enumerate(codes.ALL_FIELD_CODES)}
    counts["_field"] = counts["action_field"].map(order).fillna(len(order))
    counts = counts.sort_values(
        ["_field", "n_measures", "title"], ascending=[True, False, True], kind="stable"
    )
    top = counts.groupby("action_field", observed=True, sort=False).head(3)
    return top.drop(columns="_field").astype({"n_measures": "int64"}).reset_index(drop=True)


def describe_indicators(study: Any, lang: Lang) -> pd.DataFrame:
    """The indicator catalogue with the coverage of each indicator."""
    ind = study.indicators
    cat = study.indicator_catalogue
    label_col = f"label_{lang}"
    cov = (
        ind.assign(present=ind["value"].notna())
        .groupby("indicator", observed=True)
        .agg(
            n_units=("municipality_id", "nunique"),
            first_year=("year", "min"),
            last_year=("year", "max"),
            n_values=("present", "sum"),
        )
        .reset_index()
    )
    table = cat[["indicator", label_col, "unit", "source"]].merge(cov, on="indicator", how="left")
    return table.rename(columns={label_col: "label"}).sort_values("indicator", kind="stable")


def describe_trends(panel: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """Mean of the outcome per year, audited (cohort > 0) against comparison units."""
    y = panel[indicator].astype("float64")
    grp = np.where(panel["cohort"].fillna(0).to_numpy() > 0, "audited", "comparison")
    return (
        pd.DataFrame({"year": panel["year"].astype("int64"), "group": grp, "value": y})
        .dropna()
        .groupby(["year", "group"])["value"]
        .agg(["mean", "count"])
        .reset_index()
        .rename(columns={"count": "n_units"})
        .sort_values(["year", "group"], kind="stable")
        .reset_index(drop=True)
    )
