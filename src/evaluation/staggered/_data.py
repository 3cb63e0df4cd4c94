"""Reading a long panel into the wide arrays the staggered estimators work on.

Everything about the input (column roles, types, duplicates, cohorts that cannot be used) is
checked here once, up front, so that the estimators only see clean numpy arrays.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError, StaggeredWarning
from ..study.panel import Roles

Unbalanced = Literal["drop", "pairwise"]


def _ids_text(ids: Sequence[Any], limit: int = 10) -> str:
    ids = list(ids)
    shown = ", ".join(map(str, ids[:limit]))
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _numeric(data: pd.DataFrame, col: str, what: str) -> np.ndarray:
    s = data[col]
    if pd.api.types.is_bool_dtype(s):
        s = s.astype("float64")
    if not pd.api.types.is_numeric_dtype(s):
        converted = pd.to_numeric(s, errors="coerce")
        bad = converted.isna() & s.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"column {col!r} ({what}) must be numeric; row {row} holds {s.iloc[row]!r}"
            )
        s = converted
    return s.to_numpy(dtype="float64", na_value=np.nan)


def _per_unit(
    values: np.ndarray, codes: np.ndarray, n_units: int, unit_ids: pd.Index, col: str, what: str
) -> np.ndarray:
    """One value per unit of a numeric column that must not vary within a unit."""
    lo = np.full(n_units, np.inf)
    hi = np.full(n_units, -np.inf)
    np.minimum.at(lo, codes, values)
    np.maximum.at(hi, codes, values)
    bad = np.flatnonzero(lo != hi)
    if len(bad):
        raise DataError(
            f"column {col!r} ({what}) must be the same in every row of a unit; it varies for "
            f"unit(s) {_ids_text(unit_ids[bad])}"
        )
    return lo


@dataclass
class WidePanel:
    """A panel as arrays: ``y[i, s]`` is unit i's outcome in period ``times[s]`` (NaN if
    unobserved)."""

    unit_ids: pd.Index
    times: np.ndarray
    y: np.ndarray
    cohort: np.ndarray  # int64, 0 = never treated
    weights: np.ndarray  # float, mean 1
    cluster: np.ndarray  # int codes 0..C-1
    n_clusters: int
    covariates: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (n, T)
    dropped: dict[str, list[Any]] = field(default_factory=dict)
    roles: Roles | None = None
    excluded: pd.DataFrame = field(default_factory=lambda: excluded_frame([], [], [], []))

    @property
    def n(self) -> int:
        return len(self.unit_ids)


def wide_panel(
    data: pd.DataFrame,
    roles: Roles,
    *,
    covariates: Sequence[str] = (),
    weights: str | None = None,
    cluster: str | None = None,
    anticipation: int = 0,
    unbalanced: Unbalanced = "drop",
    drop_always_treated: bool = True,
) -> WidePanel:
    """Check a long panel and turn it into a :class:`WidePanel`.

    Drops, with a :class:`StaggeredWarning` naming them, units without any observed outcome,
    units first treated in or before the first period (+ anticipation) and, with
    ``unbalanced="drop"``, units not observed in every period. Cohorts later than the last
    period (+ anticipation) are never treated within the panel and are recoded to 0.
    """
    if unbalanced not in ("drop", "pairwise"):
        raise ValueError(f"unbalanced must be 'drop' or 'pairwise', got {unbalanced!r}")
    if not isinstance(anticipation, int | np.integer) or anticipation < 0:
        raise ValueError(f"anticipation must be a non-negative integer, got {anticipation!r}")
    covariates = list(covariates)
    # The long-format normaliser of evaluation.panel (check_panel) copies, converts and sorts
    # the whole frame; at the size of all German municipalities that costs more than the
    # estimation itself, so the same checks are done here on integer codes.
    extra = [x for x in (weights, cluster) if x is not None]
    need = [roles.outcome, roles.unit, roles.time, roles.cohort, *covariates, *extra]
    missing = [c for c in dict.fromkeys(need) if c not in data.columns]
    if missing:
        raise DataError(
            f"panel has no column(s) {missing}; available columns: {list(data.columns)}. "
            "Name the right ones with outcome=, unit=, time=, cohort= (or covariates=)."
        )
    for c in covariates:
        if c in (roles.outcome, roles.unit, roles.time, roles.cohort):
            raise DataError(f"covariate {c!r} is also a role column (outcome/unit/time/cohort)")

    t_raw = _numeric(data, roles.time, "time")
    if np.isnan(t_raw).any() or not np.all(t_raw == np.round(t_raw)):
        row = int(np.flatnonzero(np.isnan(t_raw) | (t_raw != np.round(t_raw)))[0])
        raise DataError(
            f"column {roles.time!r} (time) must hold whole periods such as years in every row; "
            f"row {row} holds {data[roles.time].iloc[row]!r}"
        )
    t_all = t_raw.astype(np.int64)
    if data[roles.unit].isna().any():
        row = int(np.flatnonzero(data[roles.unit].isna().to_numpy())[0])
        raise DataError(f"unit column {roles.unit!r} is missing in row {row}; fill or drop it")
    unit_codes, unit_ids = pd.factorize(data[roles.unit], sort=True)
    unit_ids = pd.Index(unit_ids, name=roles.unit)
    times, time_codes = np.unique(t_all, return_inverse=True)
    n, T = len(unit_ids), len(times)
    if T < 2:
        raise DataError(f"column {roles.time!r} has fewer than two periods; DiD needs at least two")

    key = unit_codes.astype(np.int64) * T + time_codes
    counts = np.bincount(key, minlength=n * T)
    if (counts > 1).any():
        row = int(np.flatnonzero(counts[key] > 1)[0])
        raise DataError(
            f"unit {data[roles.unit].iloc[row]!r} appears more than once in period "
            f"{t_all[row]} (row {row}); keep one row per {roles.unit!r} and {roles.time!r}"
        )

    y_long = _numeric(data, roles.outcome, "outcome")
    if np.isinf(y_long).any():
        raise DataError(f"outcome {roles.outcome!r} has infinite values")
    y = np.full((n, T), np.nan)
    y[unit_codes, time_codes] = y_long
    if np.isnan(y_long).all():
        raise DataError(f"outcome {roles.outcome!r} is missing in every row")
    if np.nanmin(y_long) == np.nanmax(y_long):
        raise DataError(
            f"outcome {roles.outcome!r} is constant ({np.nanmin(y_long):g}) in every unit and "
            "period: there is nothing to estimate (check the indicator and the years)"
        )
    with np.errstate(invalid="ignore"):
        within = np.nanmax(y, axis=1) - np.nanmin(y, axis=1)
    if np.all((within == 0) | np.isnan(within)):
        raise DataError(
            f"outcome {roles.outcome!r} does not change over time within any unit: every "
            "comparison over time is zero by construction and nothing is identified; check "
            "the indicator (e.g. one value repeated for all years)"
        )

    coh_long = _numeric(data, roles.cohort, "cohort / first treated period")
    coh_long = np.where(np.isnan(coh_long), 0.0, coh_long)
    if (coh_long < 0).any() or not np.all(coh_long == np.round(coh_long)):
        row = int(np.flatnonzero((coh_long < 0) | (coh_long != np.round(coh_long)))[0])
        raise DataError(
            f"column {roles.cohort!r} (cohort) must be the first treated period, or 0/missing "
            f"for never treated; row {row} holds {data[roles.cohort].iloc[row]!r}"
        )
    cohort = _per_unit(coh_long, unit_codes, n, unit_ids, roles.cohort, "cohort").astype(np.int64)
    if not (cohort > 0).any():
        raise DataError(f"no treated unit: cohort column {roles.cohort!r} is 0 everywhere")

    if weights is not None:
        w_long = _numeric(data, weights, "weights")
        if np.isnan(w_long).any() or (w_long <= 0).any():
            row = int(np.flatnonzero(np.isnan(w_long) | (w_long <= 0))[0])
            raise DataError(f"column {weights!r} (weights) must be positive; row {row} is not")
        w = _per_unit(w_long, unit_codes, n, unit_ids, weights, "weights")
    else:
        w = np.ones(n)

    if cluster is not None:
        if data[cluster].isna().any():
            row = int(np.flatnonzero(data[cluster].isna().to_numpy())[0])
            raise DataError(f"column {cluster!r} (cluster) is missing in row {row}")
        cl_long = pd.factorize(data[cluster], sort=True)[0].astype(float)
        cl = _per_unit(cl_long, unit_codes, n, unit_ids, cluster, "cluster")
        cl_codes = pd.factorize(pd.Series(cl), sort=True)[0]
    else:
        cl_codes = np.arange(n)

    covs = {}
    for c in covariates:
        x_long = _numeric(data, c, "covariate")
        x = np.full((n, T), np.nan)
        x[unit_codes, time_codes] = x_long
        covs[c] = x

    keep = np.ones(n, dtype=bool)
    dropped: dict[str, list[Any]] = {}
    ex_units: list[Any] = []
    ex_cohorts: list[int] = []
    ex_reasons: list[str] = []
    ex_details: list[str] = []

    def exclude(mask: np.ndarray, reason: str, details: Sequence[str]) -> None:
        ex_units.extend(unit_ids[mask])
        ex_cohorts.extend(int(c) for c in cohort[mask])
        ex_reasons.extend([reason] * int(mask.sum()))
        ex_details.extend(details)

    none_obs = np.isnan(y).all(axis=1)
    if none_obs.any():
        dropped["no_outcome"] = list(unit_ids[none_obs])
        keep &= ~none_obs
        exclude(none_obs, "no_outcome", [""] * int(none_obs.sum()))

    late = cohort > times[-1] + anticipation
    if late.any():
        warnings.warn(
            f"{int(late.sum())} unit(s) first treated after the last period "
            f"{times[-1]} are never treated within the panel and serve as never-treated "
            f"comparison units: {_ids_text(unit_ids[late])}",
            StaggeredWarning,
            stacklevel=3,
        )
        cohort = np.where(late, 0, cohort)

    early = (cohort > 0) & (cohort <= times[0] + anticipation) & keep & drop_always_treated
    if early.any():
        dropped["treated_first_period"] = list(unit_ids[early])
        exclude(
            early,
            "treated_first_period",
            [f"cohort {int(c)}, first period {times[0]}" for c in cohort[early]],
        )
        cohorts = sorted(set(cohort[early].tolist()))
        warnings.warn(
            f"dropped {int(early.sum())} unit(s) already treated in the first period "
            f"{times[0]} (cohort(s) {cohorts}; no pre-treatment period to compare with): "
            f"{_ids_text(unit_ids[early])}",
            StaggeredWarning,
            stacklevel=3,
        )
        keep &= ~early

    if unbalanced == "drop":
        gaps = np.isnan(y).any(axis=1) & keep
        if gaps.any():
            dropped["unbalanced"] = list(unit_ids[gaps])
            miss = np.isnan(y[gaps])
            exclude(
                gaps,
                "unbalanced",
                [
                    "misses "
                    + ", ".join(str(t) for t in times[row][:8])
                    + (f" and {int(row.sum()) - 8} more" if row.sum() > 8 else "")
                    for row in miss
                ],
            )
            warnings.warn(
                f"dropped {int(gaps.sum())} unit(s) whose outcome is missing in some period "
                f"(balanced panel required; pass unbalanced='pairwise' to keep them): "
                f"{_ids_text(unit_ids[gaps])}",
                StaggeredWarning,
                stacklevel=3,
            )
            keep &= ~gaps
    if "no_outcome" in dropped:
        warnings.warn(
            f"dropped {len(dropped['no_outcome'])} unit(s) without any observed outcome: "
            f"{_ids_text(dropped['no_outcome'])}",
            StaggeredWarning,
            stacklevel=3,
        )

    excluded = excluded_frame(ex_units, ex_cohorts, ex_reasons, ex_details)
    if not keep.any():
        raise DataError(
            f"no units are left after excluding {len(excluded)} unusable unit(s): "
            + "; ".join(f"{k}: {len(v)}" for k, v in dropped.items())
            + (
                " (use unbalanced='pairwise' to keep units with gaps)"
                if "unbalanced" in dropped
                else ""
            )
        )
    idx = np.flatnonzero(keep)
    cl_kept = pd.factorize(pd.Series(cl_codes[idx]), sort=True)[0]
    w_kept = w[idx]
    return WidePanel(
        unit_ids=unit_ids[idx],
        times=times,
        y=y[idx],
        cohort=cohort[idx],
        weights=w_kept / w_kept.mean(),
        cluster=cl_kept,
        n_clusters=int(cl_kept.max()) + 1,
        covariates={c: x[idx] for c, x in covs.items()},
        dropped=dropped,
        roles=roles,
        excluded=excluded,
    )


EXCLUSION_REASONS = {
    "no_outcome": ("ohne beobachtete Zielgröße", "without any observed outcome"),
    "treated_first_period": (
        "schon in der ersten Periode behandelt (keine Vorperiode)",
        "already treated in the first period (no pre-period)",
    ),
    "unbalanced": (
        "nicht in jeder Periode beobachtet (balanciertes Panel verlangt)",
        "not observed in every period (balanced panel required)",
    ),
}


def excluded_frame(units, cohorts, reasons, details) -> pd.DataFrame:
    """The units left out of an analysis: unit id, its cohort, the reason code (see
    :data:`EXCLUSION_REASONS`) and a detail such as the missing years."""
    return pd.DataFrame(
        {
            "unit": pd.array([str(u) for u in units], dtype="string"),
            "cohort": pd.array(list(cohorts), dtype="int64"),
            "reason": pd.array(list(reasons), dtype="string"),
            "detail": pd.array(list(details), dtype="string"),
        }
    )


def excluded_notes(excluded: pd.DataFrame) -> list:
    """Bilingual notes, one per reason: how many units were left out, and which."""
    from ..results import BiText

    notes = []
    for reason, part in excluded.groupby("reason", sort=False):
        de, en = EXCLUSION_REASONS.get(str(reason), (str(reason), str(reason)))
        ids = _ids_text(part["unit"].tolist())
        notes.append(
            BiText(
                f"{len(part)} Einheit(en) ausgeschlossen, {de}: {ids} (excluded_units).",
                f"{len(part)} unit(s) excluded, {en}: {ids} (excluded_units).",
            )
        )
    return notes


def no_never_treated_cause(excluded: pd.DataFrame) -> str:
    """Why there are no never-treated units although the data had some: the never-treated
    units that were excluded, and for what (empty if none were)."""
    gone = excluded[excluded["cohort"] == 0]
    if gone.empty:
        return ""
    why = {"unbalanced": "it {d} (a balanced panel is required)", "no_outcome": "it has no "
           "observed outcome"}  # fmt: skip
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


def ids_text(ids: Sequence[Any], limit: int = 10) -> str:
    """Up to ``limit`` ids as text, for messages."""
    return _ids_text(ids, limit)
