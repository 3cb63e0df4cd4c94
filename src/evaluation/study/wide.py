"""The wide form of a long panel for the staggered estimators: one row per unit, one column
per period, with the checks and exclusions of :func:`wide_panel`."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError, StaggeredWarning
from ..options import Unbalanced, check_option
from .panel import Roles, excluded_frame, ids_text

__all__ = ["WidePanel", "wide_panel"]


@dataclass(frozen=True)
class WidePanel:
    """A panel as arrays: ``y[i, s]`` is unit i's outcome in period ``times[s]`` (NaN if
    unobserved); one entry per unit kept in ``cohort`` (0 = never treated), ``weights``
    (mean 1) and ``cluster`` (codes 0..n_clusters-1); ``excluded`` lists the units left
    out (see :func:`excluded_frame`)."""

    unit_ids: pd.Index
    times: np.ndarray
    y: np.ndarray
    cohort: np.ndarray
    weights: np.ndarray
    cluster: np.ndarray
    n_clusters: int
    covariates: Mapping[str, np.ndarray]
    roles: Roles
    excluded: pd.DataFrame

    @property
    def n(self) -> int:
        return len(self.unit_ids)


def _numeric_array(data: pd.DataFrame, col: str, what: str) -> np.ndarray:
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
            f"unit(s) {ids_text(unit_ids[bad])}"
        )
    return lo


def _require_columns(data: pd.DataFrame, need: Sequence[str]) -> None:
    missing = [c for c in dict.fromkeys(need) if c not in data.columns]
    if missing:
        raise DataError(
            f"panel has no column(s) {missing}; available columns: {list(data.columns)}. "
            "Name the right ones with outcome=, unit=, time=, cohort= (or covariates=)."
        )


def _wide_outcome(
    data: pd.DataFrame, roles: Roles
) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unit ids, periods, the unit and period code of every row and the outcome matrix;
    refuses what no comparison over time can use."""
    t_raw = _numeric_array(data, roles.time, "time")
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
    unit_codes, ids = pd.factorize(data[roles.unit], sort=True)
    unit_ids = pd.Index(ids, name=roles.unit)
    times, time_codes = np.unique(t_all, return_inverse=True)
    n, n_t = len(unit_ids), len(times)
    if n_t < 2:
        raise DataError(f"column {roles.time!r} has fewer than two periods; DiD needs at least two")
    key = unit_codes.astype(np.int64) * n_t + time_codes
    counts = np.bincount(key, minlength=n * n_t)
    if (counts > 1).any():
        row = int(np.flatnonzero(counts[key] > 1)[0])
        raise DataError(
            f"unit {data[roles.unit].iloc[row]!r} appears more than once in period "
            f"{t_all[row]} (row {row}); keep one row per {roles.unit!r} and {roles.time!r}"
        )
    y_long = _numeric_array(data, roles.outcome, "outcome")
    if np.isinf(y_long).any():
        raise DataError(f"outcome {roles.outcome!r} has infinite values")
    if np.isnan(y_long).all():
        raise DataError(f"outcome {roles.outcome!r} is missing in every row")
    if np.nanmin(y_long) == np.nanmax(y_long):
        raise DataError(
            f"outcome {roles.outcome!r} is constant ({np.nanmin(y_long):g}) in every unit and "
            "period: there is nothing to estimate (check the indicator and the years)"
        )
    y = np.full((n, n_t), np.nan)
    y[unit_codes, time_codes] = y_long
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # units without any value
        within = np.nanmax(y, axis=1) - np.nanmin(y, axis=1)
    if np.all((within == 0) | np.isnan(within)):
        raise DataError(
            f"outcome {roles.outcome!r} does not change over time within any unit: every "
            "comparison over time is zero by construction and nothing is identified; check "
            "the indicator (e.g. one value repeated for all years)"
        )
    return unit_ids, times, unit_codes, time_codes, y


def _wide_cohort(
    data: pd.DataFrame, roles: Roles, unit_codes: np.ndarray, unit_ids: pd.Index
) -> np.ndarray:
    coh_long = _numeric_array(data, roles.cohort, "cohort / first treated period")
    coh_long = np.where(np.isnan(coh_long), 0.0, coh_long)
    if (coh_long < 0).any() or not np.all(coh_long == np.round(coh_long)):
        row = int(np.flatnonzero((coh_long < 0) | (coh_long != np.round(coh_long)))[0])
        raise DataError(
            f"column {roles.cohort!r} (cohort) must be the first treated period, or 0/missing "
            f"for never treated; row {row} holds {data[roles.cohort].iloc[row]!r}"
        )
    n = len(unit_ids)
    cohort = _per_unit(coh_long, unit_codes, n, unit_ids, roles.cohort, "cohort").astype(np.int64)
    if not (cohort > 0).any():
        raise DataError(f"no treated unit: cohort column {roles.cohort!r} is 0 everywhere")
    return cohort


def _wide_unit_columns(
    data: pd.DataFrame,
    unit_codes: np.ndarray,
    unit_ids: pd.Index,
    weights: str | None,
    cluster: str | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sampling weights and cluster codes per unit (both must be constant within units)."""
    n = len(unit_ids)
    if weights is not None:
        w_long = _numeric_array(data, weights, "weights")
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
    return w, cl_codes


def _check_wide_call(
    data: pd.DataFrame,
    roles: Roles,
    covariates: Sequence[str],
    weights: str | None,
    cluster: str | None,
    anticipation: int,
    unbalanced: str,
) -> list[str]:
    """The options and columns of :func:`wide_panel`, checked; the covariates as a list."""
    check_option("unbalanced", unbalanced, Unbalanced)
    if (
        isinstance(anticipation, bool)
        or not isinstance(anticipation, int | np.integer)
        or anticipation < 0
    ):
        raise OptionError(f"anticipation must be a non-negative integer, got {anticipation!r}")
    covariates = list(covariates)
    extra = [x for x in (weights, cluster) if x is not None]
    _require_columns(
        data, [roles.outcome, roles.unit, roles.time, roles.cohort, *covariates, *extra]
    )
    for c in covariates:
        if c in (roles.outcome, roles.unit, roles.time, roles.cohort):
            raise DataError(f"covariate {c!r} is also a role column (outcome/unit/time/cohort)")
    return covariates


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
    """Check a long panel and turn it into a :class:`WidePanel` (the fast form of
    :func:`check_panel` for the staggered estimators).

    Refuses (:class:`DataError`, naming the row) a missing role column, text in a numeric
    role, fractional periods, duplicate unit-period rows, an outcome that is constant or
    does not change within any unit, a cohort that varies within a unit or is negative, and
    weights or clusters that vary within a unit. Drops, with a
    :class:`~evaluation.errors.StaggeredWarning` naming them, units without any observed
    outcome, units first treated in or before the first period (+ ``anticipation``) and,
    with ``unbalanced="drop"``, units not observed in every period. Cohorts later than the
    last period (+ anticipation) are never treated within the panel and are recoded to 0.
    """
    covariates = _check_wide_call(
        data, roles, covariates, weights, cluster, anticipation, unbalanced
    )
    unit_ids, times, unit_codes, time_codes, y = _wide_outcome(data, roles)
    n, n_t = y.shape
    cohort = _wide_cohort(data, roles, unit_codes, unit_ids)
    w, cl_codes = _wide_unit_columns(data, unit_codes, unit_ids, weights, cluster)
    covs = {}
    for c in covariates:
        x = np.full((n, n_t), np.nan)
        x[unit_codes, time_codes] = _numeric_array(data, c, "covariate")
        covs[c] = x

    keep = np.ones(n, dtype=bool)
    rows: list[tuple[Any, int, str, str]] = []  # unit, cohort, reason, detail

    def exclude(mask: np.ndarray, reason: str, details: Sequence[str]) -> None:
        rows.extend(
            (u, int(c), reason, d)
            for u, c, d in zip(unit_ids[mask], cohort[mask], details, strict=True)
        )

    none_obs = np.isnan(y).all(axis=1)
    if none_obs.any():
        keep &= ~none_obs
        exclude(none_obs, "no_outcome", [""] * int(none_obs.sum()))
    late = cohort > times[-1] + anticipation
    if late.any():
        warnings.warn(
            f"{int(late.sum())} unit(s) first treated after the last period "
            f"{times[-1]} are never treated within the panel and serve as never-treated "
            f"comparison units: {ids_text(unit_ids[late])}",
            StaggeredWarning,
            stacklevel=3,
        )
        cohort = np.where(late, 0, cohort)
    early = (cohort > 0) & (cohort <= times[0] + anticipation) & keep & drop_always_treated
    if early.any():
        exclude(
            early,
            "treated_first_period",
            [f"cohort {int(c)}, first period {times[0]}" for c in cohort[early]],
        )
        warnings.warn(
            f"dropped {int(early.sum())} unit(s) already treated in the first period "
            f"{times[0]} (cohort(s) {sorted(set(cohort[early].tolist()))}; no pre-treatment "
            f"period to compare with): {ids_text(unit_ids[early])}",
            StaggeredWarning,
            stacklevel=3,
        )
        keep &= ~early
    if unbalanced == "drop":
        gaps = np.isnan(y).any(axis=1) & keep
        if gaps.any():
            exclude(gaps, "unbalanced", [_missing_years(times, row) for row in np.isnan(y[gaps])])
            warnings.warn(
                f"dropped {int(gaps.sum())} unit(s) whose outcome is missing in some period "
                f"(balanced panel required; pass unbalanced='pairwise' to keep them): "
                f"{ids_text(unit_ids[gaps])}",
                StaggeredWarning,
                stacklevel=3,
            )
            keep &= ~gaps
    if none_obs.any():
        warnings.warn(
            f"dropped {int(none_obs.sum())} unit(s) without any observed outcome: "
            f"{ids_text(unit_ids[none_obs])}",
            StaggeredWarning,
            stacklevel=3,
        )
    excluded = excluded_frame(*zip(*rows, strict=True)) if rows else excluded_frame([], [], [], [])
    if not keep.any():
        counts = excluded["reason"].value_counts(sort=False)
        raise DataError(
            f"no units are left after excluding {len(excluded)} unusable unit(s): "
            + "; ".join(f"{k}: {v}" for k, v in counts.items())
            + (
                " (use unbalanced='pairwise' to keep units with gaps)"
                if "unbalanced" in counts.index
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
        roles=roles,
        excluded=excluded,
    )


def _missing_years(times: np.ndarray, missing: np.ndarray) -> str:
    shown = ", ".join(str(t) for t in times[missing][:8])
    more = int(missing.sum()) - 8
    return "misses " + shown + (f" and {more} more" if more > 0 else "")
