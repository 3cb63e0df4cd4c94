"""Placebos of a synthetic control: in space (every donor as if treated, Abadie, Diamond &
Hainmueller 2010) and in time (the onset moved earlier, fitted on the years before the real
onset only)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Text, number
from ._data import Prepared
from .control import Engine, UnitFit, _assemble, _fit_unit, _ratio, _rmspe, _scale
from .results import PlaceboResult, SyntheticControlResult, text


def _placebo_runs(eng: Engine, pre: np.ndarray, post: np.ndarray) -> list[UnitFit]:
    donors = eng.prepared.donors
    return [_fit_unit(eng, int(d), np.delete(donors, k), pre, post) for k, d in enumerate(donors)]


def _run_frames(
    p: Prepared,
    runs: list[UnitFit],
    tu: str,
    pre: np.ndarray,
    post: np.ndarray,
    scale: float,
) -> tuple[np.ndarray, list[pd.DataFrame], list[pd.DataFrame]]:
    """Of the treated unit ``tu`` (first run) and its placebos: the RMSPE before and after
    and their ratio (one row per run), the gaps by year and the positive donor weights."""
    onset = int(p.years[post[0]])
    stats = []
    gap_rows = []
    weight_rows = []
    for k, uf in enumerate(runs):
        cols, tr, sy = uf.path(p.y)
        gap = tr - sy
        pre_r = _rmspe(gap[: len(pre)])
        post_r = _rmspe(gap[len(pre) :])
        stats.append((pre_r, post_r, _ratio(post_r, pre_r, scale)))
        gap_rows.append(
            pd.DataFrame(
                {
                    "treated_unit": tu,
                    "unit": str(p.units[uf.row]),
                    "role": "treated" if k == 0 else "placebo",
                    "time": p.years[cols],
                    "event_time": p.years[cols] - onset,
                    "gap": gap,
                }
            )
        )
        pos = uf.fit.weights > 0
        weight_rows.append(
            pd.DataFrame(
                {
                    "treated_unit": tu,
                    "unit": str(p.units[uf.row]),
                    "donor": p.units[uf.donors[pos]].astype(str),
                    "weight": uf.fit.weights[pos],
                }
            )
        )
    return np.array(stats, dtype=float).reshape(len(runs), 3), gap_rows, weight_rows


def _ranked(
    p: Prepared,
    runs: list[UnitFit],
    tu: str,
    stats: np.ndarray,
    exclude_poor_fit: float | None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows of the treated unit ``tu`` and its placebos with their ranks, and the
    permutation p-values of the ratio and of the post-period RMSPE."""
    pre_rs, post_rs, ratios = stats[:, 0], stats[:, 1], stats[:, 2]
    included = np.ones(len(runs), dtype=bool)
    if exclude_poor_fit is not None:
        included = pre_rs**2 <= exclude_poor_fit * pre_rs[0] ** 2 * (1 + 1e-12)
        included[0] = True
    rat = np.where(np.isnan(ratios), -np.inf, ratios)
    n = int(included.sum())
    rank = int(((rat >= rat[0]) & included).sum())
    rank_post = int(((post_rs >= post_rs[0] * (1 - 1e-12)) & included).sum())
    ranks = np.empty(len(runs), dtype=np.int64)
    for k in range(len(runs)):
        ranks[k] = int(((rat >= rat[k]) & included).sum())
    rows = [
        {
            "treated_unit": tu,
            "unit": str(p.units[uf.row]),
            "role": "treated" if k == 0 else "placebo",
            "rmspe_pre": pre_rs[k],
            "rmspe_post": post_rs[k],
            "rmspe_ratio": ratios[k],
            "rank": int(ranks[k]) if included[k] else pd.NA,
            "included": bool(included[k]),
        }
        for k, uf in enumerate(runs)
    ]
    pv_row = {
        "treated_unit": tu,
        "rank": rank,
        "n_compared": n,
        "p_value": rank / n,
        "p_value_post": rank_post / n,
    }
    return rows, pv_row


def placebo_in_space(
    engine: Engine | None, *, exclude_poor_fit: float | None = None
) -> PlaceboResult:
    """Every donor as if treated; the permutation p-value of each treated unit's post/pre RMSPE
    ratio (see :meth:`SyntheticControlResult.placebo`)."""
    if engine is None:
        raise DataError(
            "placebos are defined for a synthetic control fitted on data, not for a placebo"
        )
    if exclude_poor_fit is not None:
        if isinstance(exclude_poor_fit, bool) or not isinstance(exclude_poor_fit, int | float):
            raise DataError(f"exclude_poor_fit must be a number > 1, got {exclude_poor_fit!r}")
        if not exclude_poor_fit >= 1:
            raise DataError(f"exclude_poor_fit must be at least 1, got {exclude_poor_fit!r}")
    p = engine.prepared
    scale = _scale(p)
    cache: dict[tuple[bytes, bytes], list[UnitFit]] = {}
    rows: list[dict[str, Any]] = []
    gap_rows: list[pd.DataFrame] = []
    weight_rows: list[pd.DataFrame] = []
    pv_rows = []
    for r, (pre, post) in engine.windows.items():
        key = (pre.tobytes(), post.tobytes())
        if key not in cache:
            cache[key] = _placebo_runs(engine, pre, post)
        runs = [_fit_unit(engine, r, p.donors, pre, post), *cache[key]]
        tu = str(p.units[r])
        stats, gaps_r, weights_r = _run_frames(p, runs, tu, pre, post, scale)
        gap_rows += gaps_r
        weight_rows += weights_r
        unit_rows, pv_row = _ranked(p, runs, tu, stats, exclude_poor_fit)
        rows += unit_rows
        pv_rows.append(pv_row)
    table = pd.DataFrame(rows)
    table["rank"] = table["rank"].astype("Int64")
    table = table.astype({"treated_unit": "string", "unit": "string", "role": "string"})
    gaps = pd.concat(gap_rows, ignore_index=True).astype(
        {"treated_unit": "string", "unit": "string", "role": "string"}
    )
    pvals = pd.DataFrame(pv_rows).astype({"treated_unit": "string"})
    weights = pd.concat(weight_rows, ignore_index=True).astype(
        {"treated_unit": "string", "unit": "string", "donor": "string"}
    )
    first = pvals.iloc[0]
    notes = [text("placebo_space", "note")]
    if exclude_poor_fit is not None:
        factor = exclude_poor_fit
        notes.append(
            Text(
                f"Placebo-Einheiten mit einem MSPE vorher über dem {number(factor, 'de', 1)}-Fachen "
                "der behandelten Einheit ausgelassen.",
                f"Placebo units with a pre-period MSPE above {number(factor, 'en', 1)} times the "
                "treated unit's left out.",
            )
        )
    facts = {
        "treated_units": pvals["treated_unit"].tolist(),
        "n_placebos": len(p.donors),
        "p_value": float(first["p_value"]),
    }
    return PlaceboResult(
        table,
        p_values=pvals,
        gaps=gaps,
        weights=weights,
        title=text("placebo_space", "title"),
        notes=notes,
        facts=facts,
    )


def placebo_in_time(engine: Engine | None, *, shift: int | None = None) -> SyntheticControlResult:
    """The synthetic control refitted with the onset moved ``shift`` years earlier, on the
    years before the real onset only."""
    if engine is None:
        raise DataError(
            "placebos are defined for a synthetic control fitted on data, not for a placebo"
        )
    if shift is not None and (
        isinstance(shift, bool) or not isinstance(shift, int | np.integer) or shift < 1
    ):
        raise DataError(f"shift must be a positive number of years, got {shift!r}")
    p = engine.prepared
    fits = {}
    used: set[int] = set()
    for r, (pre, _post) in engine.windows.items():
        k = max(1, len(pre) // 2) if shift is None else int(shift)
        if len(pre) - k < 2:
            raise DataError(
                f"a placebo {k} year(s) before the onset of {p.units[r]} leaves "
                f"{len(pre) - k} pre-period year(s) of its {len(pre)}; at least 2 are needed "
                "(choose a smaller shift)"
            )
        new_pre, new_post = pre[: len(pre) - k], pre[len(pre) - k :]
        fake_onset = int(p.years[new_post[0]])
        preds = engine.predictors
        clipped = []
        for pr in preds:
            if pr.years is None:
                clipped.append(pr)
                continue
            keep = tuple(yy for yy in pr.years if yy < fake_onset)
            if not keep:
                raise DataError(
                    f"predictor {pr.label!r} lies entirely after the placebo onset {fake_onset}; "
                    "choose a smaller shift or earlier predictor years"
                )
            clipped.append(replace(pr, years=keep))
        eng_r = replace(engine, predictors=clipped)
        fits[r] = _fit_unit(eng_r, r, p.donors, new_pre, new_post)
        used.add(k)
    eng_t = replace(engine, notes=[], facts_extra={})
    res = _assemble(eng_t, fits, kind="time", shift=sorted(used))
    return res
