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

from ..errors import DataError

Unbalanced = Literal["drop", "pairwise"]


class StaggeredWarning(UserWarning):
    """Units, cohorts or cells were dropped from a staggered difference-in-differences analysis;
    the message names them and says why."""


@dataclass
class Roles:
    outcome: str
    unit: str
    time: str
    cohort: str


def resolve_roles(
    data: Any, outcome: str | None, unit: str | None, time: str | None, cohort: str | None
) -> Roles:
    """Role arguments, defaulting to ``data.attrs["roles"]`` of a panel from ``build_panel``."""
    if not isinstance(data, pd.DataFrame):
        kind = type(data).__name__
        hint = " (use study.panel(indicator) to get one)" if kind == "Study" else ""
        raise TypeError(f"data must be a pandas DataFrame in long format, got {kind}{hint}")
    roles = dict(data.attrs.get("roles", {}) or {})
    given = {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort}
    out = {}
    for name, value in given.items():
        value = value if value is not None else roles.get(name)
        if value is None:
            raise DataError(
                f"say which column holds the {name}: pass {name}='<column>' "
                "(or use a panel built by build_panel, which records its column roles)"
            )
        if value not in data.columns:
            raise DataError(
                f"column {value!r} (the {name}) is not in the data; columns are "
                f"{list(map(str, data.columns))}"
            )
        out[name] = value
    return Roles(**out)


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


def _unit_constant(
    data: pd.DataFrame, col: str, codes: np.ndarray, n_units: int, unit_ids: pd.Index, what: str
) -> np.ndarray:
    """One value per unit of a column that must not vary within a unit."""
    s = data[col]
    vals = pd.Series(s.to_numpy(), index=codes)
    nunique = vals.groupby(level=0).nunique(dropna=False)
    bad = nunique[nunique > 1]
    if len(bad):
        raise DataError(
            f"column {col!r} ({what}) must be constant within each unit; it varies for "
            f"unit(s) {_ids_text(unit_ids[bad.index.to_numpy()])}"
        )
    first = vals.groupby(level=0).first()
    return first.reindex(np.arange(n_units)).to_numpy()


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
    for c in [*covariates, *(x for x in (weights, cluster) if x is not None)]:
        if c not in data.columns:
            raise DataError(f"column {c!r} is not in the data")
    for c in covariates:
        if c in (roles.outcome, roles.unit, roles.time, roles.cohort):
            raise DataError(f"covariate {c!r} is also a role column (outcome/unit/time/cohort)")

    t_raw = _numeric(data, roles.time, "time")
    if np.isnan(t_raw).any():
        row = int(np.flatnonzero(np.isnan(t_raw))[0])
        raise DataError(f"column {roles.time!r} (time) is missing in row {row}")
    if not np.all(t_raw == np.round(t_raw)):
        row = int(np.flatnonzero(t_raw != np.round(t_raw))[0])
        raise DataError(
            f"column {roles.time!r} (time) must hold whole periods such as years; "
            f"row {row} holds {t_raw[row]!r}"
        )
    t_all = t_raw.astype(np.int64)
    if data[roles.unit].isna().any():
        row = int(np.flatnonzero(data[roles.unit].isna().to_numpy())[0])
        raise DataError(f"column {roles.unit!r} (unit) is missing in row {row}")
    unit_codes, unit_ids = pd.factorize(data[roles.unit], sort=True)
    unit_ids = pd.Index(unit_ids, name=roles.unit)
    times, time_codes = np.unique(t_all, return_inverse=True)
    n, T = len(unit_ids), len(times)
    if T < 2:
        raise DataError(f"column {roles.time!r} has fewer than two periods; DiD needs at least two")

    key = unit_codes.astype(np.int64) * T + time_codes
    dup = pd.Series(key).duplicated(keep=False).to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise DataError(
            f"unit {data[roles.unit].iloc[row]!r} appears more than once in period "
            f"{t_all[row]} (row {row}); the panel needs one row per unit and period"
        )

    y_long = _numeric(data, roles.outcome, "outcome")
    y = np.full((n, T), np.nan)
    y[unit_codes, time_codes] = y_long

    coh_long = _numeric(data, roles.cohort, "cohort / first treated period")
    coh_long = np.where(np.isnan(coh_long), 0.0, coh_long)
    if (coh_long < 0).any() or not np.all(coh_long == np.round(coh_long)):
        row = int(np.flatnonzero((coh_long < 0) | (coh_long != np.round(coh_long)))[0])
        raise DataError(
            f"column {roles.cohort!r} (cohort) must be the first treated period, or 0/missing "
            f"for never treated; row {row} holds {coh_long[row]!r}"
        )
    cohort = _unit_constant(
        pd.DataFrame({roles.cohort: coh_long}), roles.cohort, unit_codes, n, unit_ids, "cohort"
    ).astype(np.int64)

    if weights is not None:
        w_long = _numeric(data, weights, "weights")
        if np.isnan(w_long).any() or (w_long <= 0).any():
            row = int(np.flatnonzero(np.isnan(w_long) | (w_long <= 0))[0])
            raise DataError(f"column {weights!r} (weights) must be positive; row {row} is not")
        w = _unit_constant(
            pd.DataFrame({weights: w_long}), weights, unit_codes, n, unit_ids, "weights"
        ).astype(float)
    else:
        w = np.ones(n)

    if cluster is not None:
        if data[cluster].isna().any():
            row = int(np.flatnonzero(data[cluster].isna().to_numpy())[0])
            raise DataError(f"column {cluster!r} (cluster) is missing in row {row}")
        cl = _unit_constant(data, cluster, unit_codes, n, unit_ids, "cluster")
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

    none_obs = np.isnan(y).all(axis=1)
    if none_obs.any():
        dropped["no_outcome"] = list(unit_ids[none_obs])
        keep &= ~none_obs

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

    early = (cohort > 0) & (cohort <= times[0] + anticipation) & keep
    if early.any():
        dropped["treated_first_period"] = list(unit_ids[early])
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

    if not keep.any():
        raise DataError("no units are left after dropping unusable units (see the warnings)")
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
    )


def ids_text(ids: Sequence[Any], limit: int = 10) -> str:
    """Up to ``limit`` ids as text, for messages."""
    return _ids_text(ids, limit)
