"""Outcome panels: the panel convention, the one normaliser of panels for every estimator,
and building a panel of one indicator from a study.

Panel convention
----------------
:func:`build_panel` returns one row per municipality and year with the columns
``municipality_id`` (string), ``year`` (int), the outcome (named by the indicator code),
``cohort`` (int: the onset year; **0 for never treated**), ``event_time`` (years since onset:
year - cohort; missing for never treated; ``rel_time`` is the same column under its deprecated
name, kept for one release), ``treated`` (0/1: ever treated), ``post`` (0/1: treated and
year >= cohort),
``onset_before_data`` (the unit has no observation before its onset), unit attributes
(``state``, ``level``, ``group``) and the baseline covariates. ``panel.attrs["roles"]`` names the
columns that play the roles outcome, unit, time and cohort.

Every estimator takes such a panel or any plain DataFrame with role arguments
(``outcome=``, ``unit=``, ``time=``, ``cohort=``); missing role arguments default from
``data.attrs["roles"]`` and then from the convention above. :func:`resolve_roles` and
:func:`check_panel` do this once, for every estimator.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, DataWarning
from ..i18n import Text
from ..options import Onset, check_option

UNIT, TIME, COHORT = "municipality_id", "year", "cohort"
#: deprecated alias of :data:`evaluation.options.Onset`
OnsetName = Onset


# ---------------------------------------------------------------------------------------
# roles and the one normaliser
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Roles:
    """Column names of the four roles of a panel."""

    outcome: str
    unit: str = UNIT
    time: str = TIME
    cohort: str = COHORT


def resolve_roles(
    data: pd.DataFrame,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
) -> Roles:
    """Role columns of ``data``: the arguments given, else ``data.attrs["roles"]``, else the
    panel convention (``municipality_id``, ``year``, ``cohort``). The outcome has no default
    except the one in ``attrs``."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame as panel, got {type(data).__name__}")
    given = data.attrs.get("roles") or {}
    out = outcome or given.get("outcome")
    if out is None:
        raise DataError(
            "no outcome column given: pass outcome='<column>' (the panel has no "
            "attrs['roles'] naming one)"
        )
    return Roles(
        outcome=out,
        unit=unit or given.get("unit", UNIT),
        time=time or given.get("time", TIME),
        cohort=cohort or given.get("cohort", COHORT),
    )


def check_panel(
    data: pd.DataFrame,
    roles: Roles,
    *,
    covariates: Sequence[str] = (),
    columns: Sequence[str] = (),
    require_never_treated: bool = True,
) -> pd.DataFrame:
    """Check a panel and return a normalised copy.

    The copy has the unit as ``string``, time and cohort as ``int64`` (missing cohort = 0 =
    never treated), the outcome and ``covariates`` as ``float64``; rows with a missing outcome
    are dropped (their number is in ``attrs["n_missing_outcome"]``); rows are sorted by unit
    and time. ``columns`` are further columns that must exist. Raises :class:`DataError` naming
    what to fix for: a missing role column, text in a numeric role, a cohort that varies within
    a unit or is negative, an outcome that is all missing or constant, duplicate unit-year rows,
    and (with ``require_never_treated``) a panel without never-treated units.
    """
    need = [roles.outcome, roles.unit, roles.time, roles.cohort, *covariates, *columns]
    missing = [c for c in dict.fromkeys(need) if c not in data.columns]
    if missing:
        raise DataError(
            f"panel has no column(s) {missing}; available columns: {list(data.columns)}. "
            "Name the right ones with outcome=, unit=, time=, cohort= (or covariates=)."
        )
    keep = list(dict.fromkeys([*need, *data.columns]))
    df = data[keep].copy()
    df.attrs = {k: v for k, v in data.attrs.items()}
    u = df[roles.unit]
    if u.isna().any():
        raise DataError(
            f"unit column {roles.unit!r} is missing in {int(u.isna().sum())} row(s) "
            f"(first at row {int(np.flatnonzero(u.isna().to_numpy())[0])}); fill or drop them"
        )
    # distinct ids converted once (not every row); ids equal as text (1 and "1") merge
    raw_codes, raw_uniques = pd.factorize(u)
    text_uniques = pd.Index(raw_uniques).astype("string")
    merge, labels = pd.factorize(text_uniques)
    unit_codes = merge[raw_codes].astype(np.intp, copy=False)
    labels = pd.array(labels, dtype="string")
    df[roles.unit] = pd.Series(labels.take(unit_codes), index=df.index)
    df[roles.time] = integer_column(df[roles.time], roles.time, allow_missing=False)
    df[roles.cohort] = integer_column(df[roles.cohort], roles.cohort, allow_missing=True)
    if (df[roles.cohort] < 0).any():
        raise DataError(
            f"cohort column {roles.cohort!r} has negative values; use the onset year, "
            "and 0 for never treated"
        )
    cohort_v = df[roles.cohort].to_numpy()
    if not _constant_within(cohort_v, unit_codes, len(labels)):
        per_unit = df.groupby(roles.unit, sort=False)[roles.cohort].nunique()
        bad = per_unit[per_unit > 1].index[:5].tolist()
        raise DataError(
            f"cohort column {roles.cohort!r} varies within unit(s) {bad}; the cohort (onset "
            "year) must be the same in every row of a unit"
        )
    for c in [roles.outcome, *covariates]:
        df[c] = numeric_column(df[c], c)
    for c in covariates:
        if df[c].isna().any():
            raise DataError(
                f"covariate {c!r} is missing in {int(df[c].isna().sum())} row(s); impute it "
                "or leave it out of covariates="
            )
    y = df[roles.outcome]
    if y.notna().sum() == 0:
        raise DataError(f"outcome {roles.outcome!r} is missing in every row")
    observed = y.notna().to_numpy()
    n_missing = int((~observed).sum())
    if n_missing:
        df, unit_codes = df[observed], unit_codes[observed]
    yv = df[roles.outcome].to_numpy(dtype=float)
    if yv.min() == yv.max():
        raise DataError(
            f"outcome {roles.outcome!r} is constant ({float(df[roles.outcome].iloc[0]):g}); "
            "there is nothing to estimate"
        )
    if _constant_within(yv, unit_codes, len(labels)):
        raise DataError(
            f"outcome {roles.outcome!r} does not change over time within any unit: every "
            "comparison over time is zero by construction and nothing is identified (the unit "
            "effects absorb it); check the indicator (e.g. one value repeated for all years)"
        )
    # one integer key per row in the order of (unit as text, time): sorted and checked for
    # duplicate unit-year pairs without sorting the text ids of every row
    tv = df[roles.time].to_numpy()
    rank = np.empty(len(labels), dtype=np.int64)
    rank[np.argsort(labels.to_numpy(dtype=object), kind="stable")] = np.arange(len(labels))
    t0 = int(tv.min())
    key = rank[unit_codes] * (int(tv.max()) - t0 + 1) + (tv - t0)
    order = None if bool(np.all(key[1:] > key[:-1])) else np.argsort(key, kind="stable")
    if order is not None and bool(np.any(np.diff(key[order]) == 0)):
        dup = df.duplicated([roles.unit, roles.time], keep=False)
        ex = df.loc[dup, [roles.unit, roles.time]].drop_duplicates().head(3)
        pairs = ", ".join(f"({a}, {b})" for a, b in ex.itertuples(index=False))
        raise DataError(
            f"{int(dup.sum())} rows share a unit-year pair with another row, e.g. {pairs}; "
            f"keep one row per {roles.unit!r} and {roles.time!r}"
        )
    if require_never_treated and not (df[roles.cohort] == 0).any():
        raise DataError(
            f"no never-treated unit: every unit has a cohort > 0 in {roles.cohort!r}; add "
            "comparison units (cohort 0) or use a staggered estimator with not-yet-treated "
            "controls"
        )
    if not (df[roles.cohort] > 0).any():
        raise DataError(f"no treated unit: cohort column {roles.cohort!r} is 0 everywhere")
    df = (df if order is None else df.take(order)).reset_index(drop=True)
    df.attrs["roles"] = {
        "outcome": roles.outcome,
        "unit": roles.unit,
        "time": roles.time,
        "cohort": roles.cohort,
    }
    df.attrs["n_missing_outcome"] = n_missing
    return df


def _constant_within(v: np.ndarray, codes: np.ndarray, n_groups: int) -> bool:
    """Whether ``v`` is constant within every group of ``codes`` (0..n_groups-1), without
    sorting: each value is compared with one value of its group."""
    ref = np.empty(n_groups, dtype=v.dtype)
    ref[codes] = v
    return bool(np.all(v == ref[codes]))


def integer_column(s: pd.Series, name: str, *, allow_missing: bool) -> pd.Series:
    """A role column of whole years as ``int64``; with ``allow_missing`` a missing value
    becomes 0 (the never-treated cohort). Text or fractions are a :class:`DataError` naming
    the column."""
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        example = s.dropna().iloc[0] if s.notna().any() else None
        raise DataError(
            f"column {name!r} holds text or another non-numeric type (e.g. {example!r}); "
            f"convert it to integer years{' with 0 for never treated' if allow_missing else ''}"
        )
    v = s.astype("float64")
    if v.isna().any():
        if not allow_missing:
            raise DataError(f"column {name!r} is missing in {int(v.isna().sum())} row(s)")
        v = v.fillna(0.0)
    if not np.all(np.isfinite(v)) or not np.all(v == np.round(v)):
        raise DataError(f"column {name!r} must hold whole years, found e.g. non-integer values")
    return v.astype("int64")


def numeric_column(s: pd.Series, name: str) -> pd.Series:
    """A column as ``float64`` (booleans as 0/1); text or infinite values are a
    :class:`DataError` naming the column."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("float64")
    if not pd.api.types.is_numeric_dtype(s):
        example = s.dropna().iloc[0] if s.notna().any() else None
        raise DataError(
            f"column {name!r} must be numeric but holds text (e.g. {example!r}); convert it "
            "with pandas.to_numeric"
        )
    out = s.astype("Float64").astype("float64")
    if np.isinf(out).any():
        raise DataError(f"column {name!r} has infinite values")
    return out


def post_indicator(df: pd.DataFrame, roles: Roles) -> np.ndarray:
    """1.0 where a row is treated and at or after its onset (cohort > 0, time >= cohort),
    else 0.0."""
    g = df[roles.cohort].to_numpy()
    return ((g > 0) & (df[roles.time].to_numpy() >= g)).astype(float)


def event_time_of(df: pd.DataFrame, roles: Roles) -> np.ndarray:
    """year - cohort for treated rows, NaN for never treated."""
    g = df[roles.cohort].to_numpy()
    return np.where(g > 0, df[roles.time].to_numpy() - g, np.nan)


# ---------------------------------------------------------------------------------------
# panel construction
# ---------------------------------------------------------------------------------------
def build_panel(
    study: Any,
    indicator: str,
    onset: Onset = "certification",
    cycle: int = 1,
    covariates: Sequence[str] | None = None,
    *,
    years: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Outcome panel of one indicator (see the module docstring for the columns).

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    indicator
        Indicator code of ``study.indicators``.
    onset
        Treatment date: ``"start"`` of the audit, council ``"agreement"`` on the targets, or
        ``"certification"`` (default). The cohort is the calendar year of that date.
    cycle
        Audit cycle whose date is used (1 = first audit).
    covariates
        Baseline covariates from the municipalities table; default: all numeric ones plus
        ``log_population`` (natural log of population) when population is known.
    years
        Optional first and last year to keep.

    Notes
    -----
    Never-treated units have cohort 0 (not missing). Audited units without a date for the
    chosen onset and cycle are left out (listed in ``attrs["excluded"]``, with a warning):
    they are neither treated at a known time nor clean comparisons. The panel is kept
    unbalanced; ``attrs["missing"]`` maps every unit with gaps to its missing years, and
    ``onset_before_data`` flags treated units observed only from their onset on.
    """
    check_option("onset", onset, Onset)
    ind = study.indicators
    available = sorted(pd.unique(ind["indicator"].dropna()).tolist())
    if indicator not in available:
        raise DataError(
            f"indicator {indicator!r} has no values in the indicators table; available: {available}"
        )
    m, covariates, excluded = _panel_units(study, onset, cycle, covariates)
    v = ind.loc[ind["indicator"] == indicator, ["municipality_id", "year", "value"]]
    v = v[v["value"].notna()]
    if years is not None:
        v = v[(v["year"] >= years[0]) & (v["year"] <= years[1])]
    v = v.rename(columns={"value": indicator})
    v["year"] = v["year"].astype("int64")
    v[indicator] = v[indicator].astype("float64")
    panel = m.merge(v, on="municipality_id", how="inner")
    if panel.empty:
        raise DataError(f"indicator {indicator!r} has no values for the study's municipalities")
    panel["municipality_id"] = panel["municipality_id"].astype("string")
    g = panel["cohort"].to_numpy()
    yr = panel["year"].to_numpy()
    panel["event_time"] = pd.array(np.where(g > 0, yr - g, 0), dtype="Int64")
    panel.loc[g == 0, "event_time"] = pd.NA
    panel["rel_time"] = panel["event_time"]  # the deprecated name, for one release
    panel["treated"] = (g > 0).astype("int64")
    panel["post"] = ((g > 0) & (yr >= g)).astype("int64")
    first = panel.groupby("municipality_id")["year"].transform("min").to_numpy()
    panel["onset_before_data"] = (g > 0) & (g <= first)
    order = [
        "municipality_id",
        "year",
        indicator,
        "cohort",
        "event_time",
        "rel_time",
        "treated",
        "post",
        "onset_before_data",
        "state",
        "level",
        "group",
        *covariates,
    ]
    panel = panel[order].sort_values(["municipality_id", "year"], kind="stable")
    panel = panel.reset_index(drop=True)

    gaps, no_data, flagged = _gaps(panel, m, indicator)
    panel.attrs = {
        "roles": {"outcome": indicator, "unit": UNIT, "time": TIME, "cohort": COHORT},
        "indicator": indicator,
        "onset": onset,
        "cycle": int(cycle),
        "covariates": covariates,
        "never_treated_cohort": 0,
        "missing": gaps,
        "no_data": no_data,
        "excluded": excluded,
        "onset_before_data": flagged,
    }
    return panel


def _panel_units(
    study: Any, onset: str, cycle: int, covariates: Sequence[str] | None
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The units of the panel with their cohort (0 = never treated) and covariates, the
    covariates used, and the audited units left out for want of an onset date (warned)."""
    mun = study.municipalities
    all_cov = list(study.covariates)
    if covariates is None:
        covariates = list(all_cov)
        if "population" in mun.columns and (mun["population"].dropna() > 0).any():
            covariates.append("log_population")
    covariates = list(covariates)
    m = mun[["municipality_id", "state", "level", "group"]].copy()
    for c in covariates:
        if c == "log_population" and "log_population" not in mun.columns:
            pop = mun["population"].astype("Float64").astype("float64")
            m[c] = np.log(pop.where(pop > 0))
        elif c in mun.columns:
            m[c] = numeric_column(mun[c], c)
        else:
            raise DataError(
                f"covariate {c!r} is not a column of the municipalities table; numeric "
                f"covariates are {all_cov}"
            )
    ons = study.onsets(onset, cycle)
    ons = ons[ons["cohort"].notna()][["municipality_id", "cohort"]]
    audited_ids = set(study.audits["municipality_id"].dropna()) | set(
        mun.loc[mun["group"] == "audited", "municipality_id"].dropna()
    )
    excluded = sorted(audited_ids - set(ons["municipality_id"]))
    if excluded:
        warnings.warn(
            f"{len(excluded)} audited unit(s) have no {onset} date in cycle {cycle} and are "
            f"left out of the panel (see panel.attrs['excluded']): {excluded[:5]}",
            DataWarning,
            stacklevel=3,
        )
    m = m[~m["municipality_id"].isin(excluded)]
    m = m.merge(ons, on="municipality_id", how="left")
    m["cohort"] = m["cohort"].fillna(0).astype("int64")

    return m, covariates, excluded


def _gaps(
    panel: pd.DataFrame, units: pd.DataFrame, indicator: str
) -> tuple[dict[str, list[int]], list[str], list[str]]:
    """The missing years of every unit with gaps, the units without any value and the treated
    units observed only from their onset on (each warned)."""
    all_years = np.arange(int(panel["year"].min()), int(panel["year"].max()) + 1)
    have = panel.groupby("municipality_id")["year"].agg(lambda s: set(s.tolist()))
    gaps = {str(u): [int(y) for y in all_years if y not in s] for u, s in have.items()}
    gaps = {u: ys for u, ys in gaps.items() if ys}
    no_data = sorted(set(units["municipality_id"]) - set(have.index))
    flagged = sorted(panel.loc[panel["onset_before_data"], "municipality_id"].unique().tolist())
    if gaps or no_data:
        n_cells = sum(len(ys) for ys in gaps.values())
        warnings.warn(
            f"unbalanced panel of {indicator!r}: {len(gaps)} of {len(have)} units miss "
            f"{n_cells} unit-year(s) in {all_years[0]}-{all_years[-1]}"
            + (f"; {len(no_data)} unit(s) have no value at all" if no_data else "")
            + " (see panel.attrs['missing'])",
            DataWarning,
            stacklevel=3,
        )
    if flagged:
        warnings.warn(
            f"{len(flagged)} treated unit(s) have no observation before their onset "
            f"(column onset_before_data): {flagged[:5]}",
            DataWarning,
            stacklevel=3,
        )
    return gaps, no_data, flagged


def missing_table(panel: pd.DataFrame) -> pd.DataFrame:
    """The gaps of a panel from :func:`build_panel` as a table: unit, number and list of
    missing years (units without gaps are not listed)."""
    gaps = panel.attrs.get("missing", {})
    return pd.DataFrame(
        {
            UNIT: pd.array(list(gaps), dtype="string"),
            "n_missing": [len(v) for v in gaps.values()],
            "missing_years": [", ".join(map(str, v)) for v in gaps.values()],
        }
    )


def event_window(w: int | tuple[int, int], name: str) -> tuple[int, int]:
    """A window of event times as (first, last): one number ``k`` means (k, k); a pair must
    be whole numbers with first <= last (else a :class:`DataError` naming ``name``)."""
    if isinstance(w, int | np.integer):
        return int(w), int(w)
    try:
        a, b = (int(v) for v in w)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be a year or a (first, last) pair of years") from err
    if a > b:
        raise DataError(f"{name} = {w!r}: the first year is after the last")
    return a, b


# ---------------------------------------------------------------------------------------
# the fast wide form (staggered estimators)
# ---------------------------------------------------------------------------------------
# The staggered estimators work on a units x periods matrix. Converting, copying and sorting
# the long frame the way check_panel does costs more than the estimation itself at the size
# of all German municipalities, so this section checks the same things (with the same
# messages where the checks coincide) on integer codes and builds the matrix directly.
#: why a unit was left out of the wide form (codes of ``WidePanel.excluded["reason"]``)
EXCLUSION_REASONS: dict[str, Text] = {
    "no_outcome": Text("ohne beobachtete Zielgröße", "without any observed outcome"),
    "treated_first_period": Text(
        "schon in der ersten Periode behandelt (keine Vorperiode)",
        "already treated in the first period (no pre-period)",
    ),
    "unbalanced": Text(
        "nicht in jeder Periode beobachtet (balanciertes Panel verlangt)",
        "not observed in every period (balanced panel required)",
    ),
}


def ids_text(ids: Sequence[Any], limit: int = 10) -> str:
    """Up to ``limit`` ids as text, for messages (``"a, b, c and 4 more"``)."""
    ids = list(ids)
    shown = ", ".join(map(str, ids[:limit]))
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def excluded_frame(
    units: Sequence[Any], cohorts: Sequence[int], reasons: Sequence[str], details: Sequence[str]
) -> pd.DataFrame:
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


# the wide form for the staggered estimators lives in its own module; re-exported here
from .wide import WidePanel as WidePanel  # noqa: E402
from .wide import wide_panel as wide_panel  # noqa: E402
