"""The predictors of a synthetic control: which columns, averaged over which years (as R
``Synth``'s ``predictors``, ``special.predictors`` and ``time.predictors.prior``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from ._data import Prepared

Years = int | tuple[int, int] | Sequence[int]
PredictorSpec = str | tuple[str, Years]


# ---------------------------------------------------------------------------------------------
# predictors
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Predictor:
    """One predictor: a column averaged over years (``None``: over the pre-period)."""

    column: str
    years: tuple[int, ...] | None
    label: str


def period_years(value: Years, column: str) -> tuple[int, ...]:
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return (int(value),)
    try:
        items = [int(v) for v in value]  # type: ignore[union-attr]
    except (TypeError, ValueError) as err:
        raise DataError(
            f"predictor {column!r}: years must be a year, a (first, last) pair or a list of "
            f"years, got {value!r}"
        ) from err
    if isinstance(value, tuple) and len(items) == 2:
        a, b = items
        if a > b:
            raise DataError(f"predictor {column!r}: years {value!r} run backwards")
        return tuple(range(a, b + 1))
    return tuple(sorted(set(items)))


def parse_predictors(
    covariates: Sequence[PredictorSpec] | None, predictor_periods: Years | None
) -> list[Predictor]:
    """Predictor specifications: ``"column"`` (mean over ``predictor_periods``, default the
    pre-period) or ``("column", years)``; years are one year, a ``(first, last)`` pair or a
    list of years."""
    if covariates is None:
        return []
    if isinstance(covariates, str):
        covariates = [covariates]
    default = (
        None if predictor_periods is None else period_years(predictor_periods, "predictor_periods")
    )
    out = []
    for spec in covariates:
        if isinstance(spec, str):
            col, yrs = spec, default
        elif isinstance(spec, tuple | list) and len(spec) == 2 and isinstance(spec[0], str):
            col, yrs = spec[0], period_years(spec[1], spec[0])
        else:
            raise DataError(
                f"covariates entries must be a column name or a (column, years) pair, got {spec!r}"
            )
        if yrs is None:
            label = col
        elif len(yrs) == 1:
            label = f"{col} ({yrs[0]})"
        elif yrs == tuple(range(yrs[0], yrs[-1] + 1)):
            label = f"{col} ({yrs[0]}-{yrs[-1]})"
        else:
            label = f"{col} ({', '.join(str(y) for y in yrs)})"
        out.append(Predictor(col, yrs, label))
    labels = [p.label for p in out]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise DataError(f"predictor(s) {dup} are given twice in covariates")
    return out


def predictor_values(
    p: Prepared,
    preds: list[Predictor],
    rows: np.ndarray,
    pre_years: np.ndarray,
    cache: dict | None = None,
) -> np.ndarray:
    """Predictor means (predictors x rows), missing values skipped as R Synth does; the means
    of all units are computed once per predictor and window (``cache``)."""
    df = p.frame
    out = np.empty((len(preds), len(rows)))
    for k, pr in enumerate(preds):
        yrs = np.asarray(pr.years if pr.years is not None else pre_years, dtype=np.int64)
        key = (pr.column, yrs.tobytes())
        if cache is None or key not in cache:
            sub = df[df[p.roles.time].isin(yrs)]
            if pr.column not in sub:
                raise DataError(f"predictor column {pr.column!r} is not in the panel")
            raw = sub[pr.column]
            if not pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
                raise DataError(
                    f"predictor column {pr.column!r} must be numeric but holds "
                    f"{raw.dtype} values; convert it with pandas.to_numeric"
                )
            means = raw.astype("float64").groupby(sub[p.roles.unit].astype(str)).mean()
            all_units = means.reindex(p.units).to_numpy(dtype=float)
            if cache is not None:
                cache[key] = all_units
        else:
            all_units = cache[key]
        col = all_units[rows]
        if np.isnan(col).any():
            missing = [str(p.units[r]) for r, v in zip(rows, col, strict=True) if np.isnan(v)]
            raise DataError(
                f"predictor {pr.label!r} has no value for unit(s) {missing[:8]} in the years "
                f"{yrs.min()}-{yrs.max()}; choose other years for it, e.g. "
                f"covariates=[({pr.column!r}, (first, last))], or leave these units out "
                "(exclude=)"
            )
        out[k] = col
    return out
