"""Synthetic control of Abadie, Diamond & Hainmueller (2010, 2015); its placebos are in
:mod:`evaluation.synthetic.placebo`.

For a treated unit with pre-onset outcome path ``z1`` (``T0`` years) and donors ``Z0``
(``T0 x J``), the synthetic control is ``Z0 w`` with weights ``w >= 0, sum(w) = 1``:

- without predictors, ``w`` minimises the pre-period mean squared gap ``||z1 - Z0 w||^2 / T0``;
- with predictors (covariates averaged over years, or the outcome in chosen years), ``w``
  minimises ``(x1 - X0 w)' V (x1 - X0 w)`` for a diagonal predictor weighting ``V`` (predictors
  scaled to standard deviation 1 over all units), and ``V`` is chosen to minimise the pre-period
  outcome MSPE of the resulting ``w`` (the nested optimisation of R ``Synth``: starts at equal
  weights and at Synth's regression-based weights, Nelder-Mead and BFGS over an unnormalised
  ``v`` with ``V = |v| / sum|v|``, the best of the four kept), unless ``v_weights`` fixes ``V``.

The inner problem is solved exactly by :func:`~evaluation.synthetic._simplex.simplex_least_squares`
(an active-set method; optimality conditions checked to a relative ``1e-12``), not by an
interior-point method with a stopping margin. Several treated units get one synthetic control
each (same donors); their gaps are averaged by event time, and the overall effect is the mean
gap over all treated unit-years after onset.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from ..errors import DataError
from ..i18n import Text
from ..results import Inference
from ._data import Prepared, prepare, require_complete, window, window_problem
from ._simplex import simplex_least_squares
from .predictors import Predictor, PredictorSpec, Years, parse_predictors, predictor_values
from .results import (
    SyntheticControlResult,
    SyntheticEffect,
    SyntheticTable,
    text,
)

#: Pre-period RMSPE below this share of the outcome's scale counts as a perfect fit.
PERFECT_FIT = 1e-9


# ---------------------------------------------------------------------------------------------
# weights
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fit:
    """One synthetic control: weights, V and the losses."""

    weights: np.ndarray
    v: np.ndarray | None
    loss_v: float  # pre-period outcome MSPE (the V criterion)


def _outcome_weights(z1: np.ndarray, z0: np.ndarray) -> Fit:
    sol = simplex_least_squares(z0, z1)
    return Fit(sol.weights, None, sol.loss / len(z1))


def _scaled(x1: np.ndarray, x0: np.ndarray, labels: list[str], unit: str):
    sd_donors = x0.std(axis=1, ddof=1)
    flat = [labels[k] for k in np.flatnonzero(~(sd_donors > 0))]
    if flat:
        raise DataError(
            f"predictor(s) {flat} do not vary across the donors of {unit}; remove them from "
            "covariates"
        )
    divisor = np.column_stack([x0, x1]).std(axis=1, ddof=1)
    return x1 / divisor, x0 / divisor[:, None]


def _w_given_v(v: np.ndarray, x1s: np.ndarray, x0s: np.ndarray) -> np.ndarray:
    s = np.sqrt(v)
    return simplex_least_squares(s[:, None] * x0s, s * x1s).weights


def _nested_weights(
    x1: np.ndarray,
    x0: np.ndarray,
    z1: np.ndarray,
    z0: np.ndarray,
    labels: list[str],
    unit: str,
    v_custom: np.ndarray | None,
) -> Fit:
    x1s, x0s = _scaled(x1, x0, labels, unit)
    k = len(x1)

    def loss_of(w: np.ndarray) -> float:
        r = z1 - z0 @ w
        return float(r @ r / len(z1))

    if v_custom is not None or k == 1:
        v = np.ones(1) if k == 1 or v_custom is None else v_custom / v_custom.sum()
        w = _w_given_v(v, x1s, x0s)
        return Fit(w, v, loss_of(w))

    cache: dict[bytes, float] = {}

    def objective(par: np.ndarray) -> float:
        a = np.abs(par)
        s = a.sum()
        if not np.isfinite(s) or s <= 0:
            return np.inf
        v = a / s
        key = v.tobytes()
        if key not in cache:
            cache[key] = loss_of(_w_given_v(v, x1s, x0s))
        return cache[key]

    starts = [np.full(k, 1.0 / k)]
    xall = np.column_stack([np.ones(x0s.shape[1] + 1), np.column_stack([x1s, x0s]).T])
    zall = np.column_stack([z1, z0])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            beta = np.linalg.solve(xall.T @ xall, xall.T @ zall.T)[1:]
        sv2 = np.diag(beta @ beta.T)
        if np.all(np.isfinite(sv2)) and sv2.sum() > 0:
            starts.append(sv2 / sv2.sum())
    except np.linalg.LinAlgError:
        pass
    best_par, best_val = starts[0], objective(starts[0])
    for s0 in starts:
        f0 = objective(s0)
        scale = max(abs(f0), 1e-300)
        runs = [
            optimize.minimize(
                lambda q, sc=scale: objective(q) / sc,
                s0,
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 4000 * k, "maxfev": 4000 * k},
            ),
            optimize.minimize(
                lambda q, sc=scale: objective(q) / sc, s0, method="BFGS", options={"gtol": 1e-10}
            ),
        ]
        for r in runs:
            val = objective(r.x)
            if val < best_val:
                best_par, best_val = r.x, val
    v = np.abs(best_par) / np.abs(best_par).sum()
    w = _w_given_v(v, x1s, x0s)
    return Fit(w, v, loss_of(w))


# ---------------------------------------------------------------------------------------------
# the engine: what a result needs for its placebos
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Engine:
    """The checked problem of a synthetic control, kept by its result for the placebos."""

    prepared: Prepared
    predictors: list[Predictor]
    v_custom: np.ndarray | None
    windows: dict[int, tuple[np.ndarray, np.ndarray]]  # treated row -> (pre cols, post cols)
    level: float
    notes: list[Any] = field(default_factory=list)
    facts_extra: dict[str, Any] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)  # predictor means of all units by window


@dataclass(frozen=True)
class UnitFit:
    row: int
    donors: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    fit: Fit
    x1: np.ndarray | None
    x0: np.ndarray | None

    def path(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cols = np.r_[self.pre, self.post]
        treated = y[self.row, cols]
        synthetic = y[self.donors][:, cols].T @ self.fit.weights
        return cols, treated, synthetic


def _fit_unit(
    eng: Engine, row: int, donors: np.ndarray, pre: np.ndarray, post: np.ndarray
) -> UnitFit:
    p = eng.prepared
    y = p.y
    z1 = y[row, pre]
    z0 = y[donors][:, pre].T
    if not eng.predictors:
        return UnitFit(row, donors, pre, post, _outcome_weights(z1, z0), None, None)
    pre_years = p.years[pre]
    preds = eng.predictors
    x = predictor_values(p, preds, np.r_[row, donors], pre_years, eng.cache)
    x1, x0 = x[:, 0], x[:, 1:]
    fit = _nested_weights(
        x1, x0, z1, z0, [pr.label for pr in preds], str(p.units[row]), eng.v_custom
    )
    return UnitFit(row, donors, pre, post, fit, x1, x0)


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap**2))) if len(gap) else float("nan")


def _ratio(post: float, pre: float, scale: float) -> float:
    if pre <= PERFECT_FIT * scale:
        return float("inf") if post > PERFECT_FIT * scale else float("nan")
    return post / pre


def _scale(p: Prepared) -> float:
    finite = p.y[np.isfinite(p.y)]
    return float(max(np.abs(finite).max(), 1e-300)) if finite.size else 1.0


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------
def synthetic_control(
    data: pd.DataFrame,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    *,
    treated: str | Sequence[str] | None = None,
    covariates: Sequence[PredictorSpec] | None = None,
    predictor_periods: Years | None = None,
    v_weights: Sequence[float] | None = None,
    pre_periods: int | tuple[int, int] | None = None,
    post_periods: int | None = None,
    exclude: str | Sequence[str] | None = None,
    level: float = 0.95,
) -> SyntheticControlResult:
    """Synthetic control (Abadie, Diamond & Hainmueller 2010, 2015) for one or a few treated
    units.

    Parameters
    ----------
    data
        Long panel, one row per unit and year (e.g. ``study.panel("childcare_u3")``); the
        outcome must be complete for the treated units and the donors over the window used.
    outcome, unit, time, cohort
        Column roles; default to ``data.attrs["roles"]`` and the panel convention
        (``municipality_id``, ``year``, ``cohort`` with 0 = never treated).
    treated
        Unit id(s) to build synthetic controls for; default every unit with a cohort > 0 (units
        without two pre-onset years or without a post-onset year in the data are then left
        out, with a note). Several treated units get one synthetic control each.
    covariates
        Predictors for the nested V optimisation: column names (averaged over
        ``predictor_periods``) or ``(column, years)`` pairs (R Synth's special predictors,
        e.g. ``("gdpcap", (1960, 1969))`` or the outcome in single years,
        ``("cigsale", 1988)``); missing values are skipped in the means. Default: none, and
        the weights fit the pre-period outcome path directly.
    predictor_periods
        Years over which plain column predictors are averaged (default: the pre-period).
    v_weights
        Fixed predictor weights (R Synth's ``custom.v``) instead of optimising V.
    pre_periods
        The pre-period: the last ``k`` years before onset (an integer) or a ``(first, last)``
        pair of years; default every year before onset. The weights (or V) minimise the fit
        over these years and the pre-period RMSPE is computed on them.
    post_periods
        The first ``k`` years from onset on (default: all).
    exclude
        Never-treated units not to use as donors.
    level
        Kept for the results interface (synthetic control has no sampling intervals).

    Returns
    -------
    SyntheticControlResult
        Gaps by event time, ``overall`` (mean post-onset gap), ``paths``, ``weights``,
        ``fit`` (RMSPE pre, post, ratio), and with predictors ``v_weights`` and ``balance``;
        ``placebo("space")`` and ``placebo("time")`` give the placebo distributions.

    Examples
    --------
    >>> res = ev.synthetic_control(panel, "childcare_u3", treated="05111")  # doctest: +SKIP
    >>> res.fit.tidy()  # doctest: +SKIP
    >>> res.placebo("space").p_value  # doctest: +SKIP
    """
    preds = parse_predictors(covariates, predictor_periods)
    columns = [pr.column for pr in preds]
    p = prepare(
        data, outcome, unit, time, cohort, treated=treated, exclude=exclude, columns=columns
    )
    roles = p.roles
    if any(c == roles.unit or c == roles.time or c == roles.cohort for c in columns):
        raise DataError("a role column (unit, time, cohort) cannot be a predictor")
    v_custom = None
    if v_weights is not None:
        if not preds:
            raise DataError("v_weights needs covariates (predictors) to weight")
        try:
            v_custom = np.abs(np.asarray(v_weights, dtype=float)).ravel()
        except (TypeError, ValueError) as err:
            raise DataError(f"v_weights must be numbers, got {v_weights!r}") from err
        if len(v_custom) != len(preds) or not np.isfinite(v_custom).all() or v_custom.sum() <= 0:
            raise DataError(
                f"v_weights must hold {len(preds)} non-negative numbers (one per predictor), "
                f"not all zero, got {list(v_weights)!r}"
            )
    explicit = treated is not None
    windows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    left_out: list[tuple[str, Text]] = []
    for r in p.treated:
        g = int(p.cohort[r])
        pre, post = window(p, g, pre_periods, post_periods)
        problem = window_problem(len(pre), len(post), g, int(p.years.max()))
        if problem is not None:
            if explicit:
                raise DataError(
                    f"treated unit {p.units[r]} {problem.en}; a synthetic control needs "
                    "pre-onset years to fit and post-onset years to compare; choose another "
                    "unit or outcome"
                )
            left_out.append((str(p.units[r]), problem))
            continue
        cols = np.r_[pre, post]
        require_complete(p, np.r_[r, p.donors], cols, f"the synthetic control of {p.units[r]}")
        windows[int(r)] = (pre, post)
    if not windows:
        raise DataError(
            "no treated unit has both two pre-onset years and a post-onset year in the data: "
            + "; ".join(f"{u} {why.en}" for u, why in left_out)
        )
    notes = []
    if left_out:
        notes.append(
            Text(
                "Ausgelassene behandelte Einheiten: "
                + "; ".join(f"{u} ({why.de})" for u, why in left_out)
                + ".",
                "Treated units left out: "
                + "; ".join(f"{u} ({why.en})" for u, why in left_out)
                + ".",
            )
        )
    eng = Engine(
        prepared=p,
        predictors=preds,
        v_custom=v_custom,
        windows=windows,
        level=level,
        notes=notes,
        facts_extra={"left_out": [u for u, _ in left_out]} if left_out else {},
    )
    fits = {r: _fit_unit(eng, r, p.donors, *w) for r, w in windows.items()}
    return _assemble(eng, fits, kind="main")


def _unit_rows(
    eng: Engine, r: int, uf: UnitFit, scale: float
) -> tuple[
    pd.DataFrame, dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]
]:
    """One treated unit's rows: its path (a frame by year), its fit, its donor weights,
    and its predictor weights and balance (empty without predictors)."""
    p = eng.prepared
    unit_id = str(p.units[r])
    cols, tr, sy = uf.path(p.y)
    onset = int(p.years[uf.post[0]])
    gap = tr - sy
    n_pre = len(uf.pre)
    path = pd.DataFrame(
        {
            "treated_unit": unit_id,
            "time": p.years[cols],
            "event_time": p.years[cols] - onset,
            "post": np.r_[np.zeros(n_pre, bool), np.ones(len(uf.post), bool)],
            "treated": tr,
            "synthetic": sy,
            "gap": gap,
        }
    )
    pre_r = _rmspe(gap[:n_pre])
    post_r = _rmspe(gap[n_pre:])
    fit_row = {
        "treated_unit": unit_id,
        "cohort": onset,
        "n_pre": n_pre,
        "n_post": len(uf.post),
        "n_donors": len(uf.donors),
        "rmspe_pre": pre_r,
        "rmspe_post": post_r,
        "rmspe_ratio": _ratio(post_r, pre_r, scale),
        "mean_gap_post": float(gap[n_pre:].mean()),
    }
    w = uf.fit.weights
    weight_rows = [
        {"treated_unit": unit_id, "unit": str(p.units[uf.donors[k]]), "weight": w[k]}
        for k in np.argsort(-w, kind="stable")
        if w[k] > 0
    ]
    v_rows: list[dict[str, Any]] = []
    bal_rows: list[dict[str, Any]] = []
    if uf.fit.v is not None:
        x1, x0 = uf.x1, uf.x0
        assert x1 is not None and x0 is not None  # predictor weights come with predictors
        for k, lab in enumerate(pr.label for pr in eng.predictors):
            v_rows.append({"treated_unit": unit_id, "predictor": lab, "v_weight": uf.fit.v[k]})
            bal_rows.append(
                {
                    "treated_unit": unit_id,
                    "predictor": lab,
                    "treated": x1[k],
                    "synthetic": float(x0[k] @ w),
                    "sample_mean": float(x0[k].mean()),
                }
            )
    return path, fit_row, weight_rows, v_rows, bal_rows


def _event_time_table(paths: pd.DataFrame) -> pd.DataFrame:
    """The mean gap and outcomes of the treated units by event time (the estimates)."""
    agg = (
        paths.groupby("event_time")
        .agg(
            estimate=("gap", "mean"),
            outcome_treated=("treated", "mean"),
            outcome_synthetic=("synthetic", "mean"),
            n_treated_units=("gap", "size"),
            post=("post", "first"),
        )
        .reset_index()
    )
    return pd.DataFrame(
        {
            "event_time": agg["event_time"].astype("int64"),
            "estimate": agg["estimate"],
            "std_error": np.nan,
            "post": agg["post"].astype(bool),
            "outcome_treated": agg["outcome_treated"],
            "outcome_synthetic": agg["outcome_synthetic"],
            "n_treated_units": agg["n_treated_units"].astype("int64"),
        }
    )


def _result_facts(
    eng: Engine, paths: pd.DataFrame, fit_tab: pd.DataFrame, shift: list[int] | None
) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "treated_units": fit_tab["treated_unit"].tolist(),
        "n_donors": int(fit_tab["n_donors"].iloc[0]),
        "pre_period": _span(paths.loc[~paths["post"], "time"]),
        "post_period": _span(paths.loc[paths["post"], "time"]),
    }
    if len(fit_tab) == 1:
        facts["rmspe_pre"] = float(fit_tab["rmspe_pre"].iloc[0])
        facts["rmspe_post"] = float(fit_tab["rmspe_post"].iloc[0])
        facts["rmspe_ratio"] = float(fit_tab["rmspe_ratio"].iloc[0])
    if shift is not None:
        facts["placebo_shift"] = shift[0] if len(shift) == 1 else shift
    facts.update(eng.facts_extra)
    return facts


def _result_notes(
    eng: Engine, fit_tab: pd.DataFrame, kind: str, shift: list[int] | None
) -> list[Text]:
    """The engine's notes, the predictors, perfect pre-period fits and the time placebo."""
    notes = list(eng.notes)
    if eng.predictors:
        notes.append(
            Text(
                "Prädiktoren: " + ", ".join(pr.label for pr in eng.predictors) + ".",
                "Predictors: " + ", ".join(pr.label for pr in eng.predictors) + ".",
            )
        )
    perfect = fit_tab.loc[
        fit_tab["rmspe_pre"] <= PERFECT_FIT * _scale(eng.prepared), "treated_unit"
    ].tolist()
    if perfect:
        notes.append(
            Text(
                f"Perfekte Anpassung vorher für {', '.join(perfect)}: die Einheit liegt in der "
                "konvexen Hülle der Spender; die Gewichte sind dann nicht eindeutig (die "
                "Anpassung schon).",
                f"Perfect pre-period fit for {', '.join(perfect)}: the unit lies inside the "
                "convex hull of the donors; the weights are then not unique (the fit is).",
            )
        )
    if kind == "time":
        notes.append(
            Text(
                f"Placebo: Beginn um {_years_text(shift)} Jahre vorverlegt; nur Jahre vor dem "
                "echten Beginn verwendet. Ohne Antizipation sollten die Differenzen nahe null "
                "liegen.",
                f"Placebo: onset moved {_years_text(shift)} years earlier; only years before the "
                "real onset used. Without anticipation the gaps should be near zero.",
            )
        )
    return notes


def _predictor_tables(
    eng: Engine,
    fits: dict[int, UnitFit],
    v_rows: list[dict[str, Any]],
    bal_rows: list[dict[str, Any]],
) -> tuple[SyntheticTable | None, SyntheticTable | None]:
    """The predictor weights (V) and the balance of the predictors (None without
    predictors)."""
    if not v_rows:
        return None, None
    loss = {str(eng.prepared.units[r]): uf.fit.loss_v for r, uf in fits.items()}
    v_tab = SyntheticTable(
        pd.DataFrame(v_rows).astype({"treated_unit": "string"}),
        title=text("v_weights", "title"),
        notes=[text("v_weights", "note")],
        facts={"loss_v": next(iter(loss.values()))} if len(loss) == 1 else {},
    )
    bal_tab = SyntheticTable(
        pd.DataFrame(bal_rows).astype({"treated_unit": "string"}),
        title=text("balance", "title"),
        notes=[text("balance", "note")],
    )
    return v_tab, bal_tab


def _assemble(
    eng: Engine, fits: dict[int, UnitFit], *, kind: str, shift: list[int] | None = None
) -> SyntheticControlResult:
    p = eng.prepared
    scale = _scale(p)
    path_rows = []
    fit_rows = []
    weight_rows: list[dict[str, Any]] = []
    v_rows: list[dict[str, Any]] = []
    bal_rows: list[dict[str, Any]] = []
    for r, uf in fits.items():
        path, fit_row, unit_weights, unit_v, unit_bal = _unit_rows(eng, r, uf, scale)
        path_rows.append(path)
        fit_rows.append(fit_row)
        weight_rows += unit_weights
        v_rows += unit_v
        bal_rows += unit_bal
    paths = pd.concat(path_rows, ignore_index=True)
    paths["treated_unit"] = paths["treated_unit"].astype("string")
    table = _event_time_table(paths)
    fit_tab = pd.DataFrame(fit_rows)
    post_gaps = paths.loc[paths["post"], "gap"].to_numpy()
    treated_ids = fit_tab["treated_unit"].tolist()
    title = text("synthetic_control" if kind == "main" else "synthetic_control_time", "title")
    facts = _result_facts(eng, paths, fit_tab, shift)
    notes = _result_notes(eng, fit_tab, kind, shift)
    common: dict[str, Any] = dict(
        method=text("synthetic_control", "method"),
        inference=Inference(name="placebo", description=text("synthetic_control", "se_note")),
        level=eng.level,
        outcome=p.roles.outcome,
    )
    overall = SyntheticEffect(
        pd.DataFrame(
            {"term": ["att"], "estimate": [float(post_gaps.mean())], "std_error": [np.nan]}
        ),
        ["term"],
        title=text("overall_sc", "title"),
        facts={"treated_units": treated_ids, "n_treated_cells": int(len(post_gaps))},
        notes=notes,
        **common,
    )
    weights = SyntheticTable(
        pd.DataFrame(weight_rows, columns=["treated_unit", "unit", "weight"]).astype(
            {"treated_unit": "string", "unit": "string"}
        ),
        title=text("weights", "title"),
        notes=[text("weights", "note")],
        facts={"n_donors": int(fit_tab["n_donors"].iloc[0])},
    )
    fit = SyntheticTable(
        fit_tab.astype({"treated_unit": "string"}),
        title=text("fit", "title"),
        notes=[text("fit", "note")],
    )
    v_tab, bal_tab = _predictor_tables(eng, fits, v_rows, bal_rows)
    engine = replace(eng, windows={r: (uf.pre, uf.post) for r, uf in fits.items()})
    return SyntheticControlResult(
        table,
        overall=overall,
        paths=paths,
        weights=weights,
        fit=fit,
        v_weights=v_tab,
        balance=bal_tab,
        engine=engine if kind == "main" else None,
        title=title,
        facts=facts,
        notes=notes,
        **common,
    )


def _years_text(shift: list[int] | None) -> str:
    return "/".join(str(k) for k in shift or [])


def _span(years: pd.Series) -> str:
    if years.empty:
        return ""
    return f"{int(years.min())}-{int(years.max())}"
