"""Seeded Monte Carlo studies over a grid: bias, RMSE, coverage, rejection rate, with their
Monte Carlo standard errors.

:func:`simulate` runs ``n_sims`` replications. In each replication every grid point draws a
data set with ``generate(rng, **point)`` and every estimator is applied to it. All grid points
of replication r start from the same random stream (the r-th child of
``SeedSequence(seed)``): comparisons between grid points are paired (common random numbers),
so, for example, points that differ only in the effect size see the same noise. Replications
run on any backend of :mod:`evaluation.planning.backends` with identical results.

The performance measures and their Monte Carlo standard errors follow Morris, White & Crowther
(2019, "Using simulation studies to evaluate statistical methods", Statistics in Medicine 38,
Table 6), with n successful replications, estimates :math:`\\hat\\theta_r` and truth
:math:`\\theta`:

=================  ============================================  ==========================================
measure            value                                         Monte Carlo SE
=================  ============================================  ==========================================
``bias``           mean(est) - truth                             sd(est) / sqrt(n)
``emp_se``         sd(est) (the SD of the estimates)             emp_se / sqrt(2 (n - 1))
``mean_se``        mean of the reported standard errors          sd(se) / sqrt(n)
``rmse``           sqrt(mean((est - truth)^2))                   se(MSE) / (2 RMSE), se(MSE) as Morris et al.
``coverage``       share of intervals containing the truth       sqrt(c (1 - c) / n)
``rejection``      share of p-values below ``alpha``             sqrt(r (1 - r) / n)
=================  ============================================  ==========================================

Further numeric keys an estimator returns (e.g. ``band_covers``: 1 if a simultaneous band
covers the whole true path) are averaged as ``mean_<key>`` with SE sd / sqrt(n).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError, EvaluationError, OptionError
from ..i18n import TERMS, Lang, Text, number, percent_text, term
from ..options import BackendName
from ..results import Estimates, TableResult
from ._simulated import FAILED_NOTE
from .backends import run_replications

STANDARD_KEYS = ("estimate", "std_error", "ci_low", "ci_high", "p_value", "df")
#: the performance measures, in display order
MEASURES = ("mean_estimate", "bias", "emp_se", "mean_se", "rmse", "coverage", "rejection")
TITLE = Text("Simulationsstudie", "Simulation study")
NOTE = Text(
    "Werte mit Monte-Carlo-Standardfehler in Klammern (Morris, White & Crowther 2019); "
    "Ablehnungsrate bei Niveau {alpha}; dieselben Zufallszahlen für jeden Gitterpunkt.",
    "Values with Monte Carlo standard errors in parentheses (Morris, White & Crowther 2019); "
    "rejection rate at level {alpha}; the same random draws for every grid point.",
)
MEAN_OF = Text("Mittel {key}", "Mean {key}")


def grid_points(grid: Any) -> list[dict[str, Any]]:
    """The grid as a list of parameter dicts: a mapping of lists is crossed (every
    combination), a DataFrame or a list of dicts is taken row by row."""
    if grid is None:
        return [{}]
    if isinstance(grid, pd.DataFrame):
        points = grid.to_dict("records")
    elif isinstance(grid, Mapping):
        keys = list(grid)
        values = []
        for k in keys:
            v = grid[k]
            if isinstance(v, str) or not isinstance(v, Sequence | np.ndarray):
                v = [v]
            if len(v) == 0:
                raise DataError(f"grid entry {k!r} is empty; give at least one value")
            values.append(list(v))
        points = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]
    elif isinstance(grid, Sequence) and all(isinstance(p, Mapping) for p in grid):
        points = [dict(p) for p in grid]
    else:
        raise DataError(
            "grid must be a mapping name -> list of values (crossed), a DataFrame or a list "
            f"of dicts; got {type(grid).__name__}"
        )
    if not points:
        raise DataError("grid has no point")
    first_keys = set(points[0])
    for i, p in enumerate(points):
        if set(p) != first_keys:
            raise DataError(
                f"grid point {i} has keys {sorted(p)}, the first has {sorted(first_keys)}"
            )
        for k in p:
            if k in ("estimator", "measure", "replication"):
                raise DataError(f"grid key {k!r} is reserved; rename it")
    return points


def _standardise(out: Any, name: str) -> dict[str, float]:
    """An estimator's output as a dict of floats."""
    if isinstance(out, Estimates):
        row = out.tidy().iloc[0]
        rec = {k: float(row[k]) for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")}
        return rec
    if isinstance(out, Mapping):
        rec = {}
        for k, v in out.items():
            try:
                rec[str(k)] = float(v)
            except (TypeError, ValueError) as exc:
                raise DataError(
                    f"estimator {name!r} returned {k!r} = {v!r}, which is not a number"
                ) from exc
        if "estimate" not in rec:
            raise DataError(f"estimator {name!r} must return at least 'estimate'")
        return rec
    raise DataError(
        f"estimator {name!r} must return a mapping (estimate, std_error, ...) or Estimates, "
        f"got {type(out).__name__}"
    )


class GridTask:
    """One replication of a grid study (picklable when ``generate`` and the estimators are)."""

    def __init__(
        self,
        points: list[dict[str, Any]],
        generate: Callable[..., Any],
        estimators: Mapping[str, Callable[[Any], Any]],
    ) -> None:
        self.points = points
        self.generate = generate
        self.estimators = dict(estimators)

    def __call__(self, rng: np.random.Generator, params: Any = None) -> list[dict[str, Any]]:
        start = rng.bit_generator.state
        records = []
        for i, point in enumerate(self.points):
            rng.bit_generator.state = start  # common random numbers across grid points
            data = self.generate(rng, **point)
            for name, fn in self.estimators.items():
                rec: dict[str, Any]
                try:
                    out = fn(data)
                except EvaluationError as exc:
                    rec = {"failed": 1.0, "error": str(exc)}
                else:
                    rec = {**_standardise(out, name), "failed": 0.0}
                rec["point"] = i
                rec["estimator"] = name
                records.append(rec)
        return records


def simulate(
    grid: Any,
    generate: Callable[..., Any],
    estimators: Mapping[str, Callable[[Any], Any]],
    *,
    n_sims: int,
    seed: int | np.random.SeedSequence | None,
    truth: str | Callable[[dict[str, Any]], float] | None = "effect",
    alpha: float = 0.05,
    backend: BackendName | Any = "serial",
    n_jobs: int = -1,
    chunk_size: int | None = None,
    progress: bool = False,
) -> SimulationResult:
    """A Monte Carlo study: every estimator on data from every grid point, ``n_sims`` times.

    Parameters
    ----------
    grid
        Parameters of the data generation: a mapping name -> list of values (all
        combinations), a DataFrame or a list of dicts (one per point). ``None``: one point
        without parameters.
    generate
        ``generate(rng, **point) -> data``: draws one data set with the generator.
    estimators
        Name -> ``fit(data)`` returning :class:`~evaluation.results.Estimates` (its first row
        is used) or a mapping with ``estimate`` and optionally ``std_error``, ``ci_low``,
        ``ci_high``, ``p_value``, ``df`` (t degrees of freedom; with ``std_error`` it gives the
        interval at level 1 - ``alpha`` and the p-value when these are missing) and further
        numeric keys. An estimator that raises an :class:`~evaluation.errors.EvaluationError`
        counts as failed in that replication (``n_failed``), other errors stop the study.
    n_sims, seed
        Replications and their seed (required; see :func:`run_replications`).
    truth
        The true value of the estimand: the name of a grid key (default ``"effect"``), a
        function of the grid point, or ``None`` (no bias, RMSE or coverage).
    alpha
        Level of the tests whose rejection rate is reported.
    backend, n_jobs, chunk_size, progress
        Where and how the replications run (results do not depend on them); see
        :func:`evaluation.planning.backends.run_replications`.

    Returns
    -------
    SimulationResult
        ``tidy()``: one row per grid point, estimator and measure with ``value``, ``mc_se`` and
        ``n_sims`` (successful replications); ``draws``: every replication's numbers.
    """
    points = grid_points(grid)
    if not callable(generate):
        raise DataError("generate must be callable as generate(rng, **point)")
    if not isinstance(estimators, Mapping) or not estimators:
        raise DataError("estimators must be a non-empty mapping name -> fit(data)")
    for k, fn in estimators.items():
        if not callable(fn):
            raise DataError(f"estimator {k!r} is not callable")
    _check_alpha(alpha)
    truths = [_truth(truth, p) for p in points]
    task = GridTask(points, generate, estimators)
    out = run_replications(
        task,
        n_sims,
        seed=seed,
        backend=backend,
        n_jobs=n_jobs,
        chunk_size=chunk_size,
        progress=progress,
        description="simulate",
    )
    rows = []
    for r, recs in enumerate(out):
        for rec in recs:
            rows.append({"replication": r, **rec})
    draws = pd.DataFrame(rows)
    if "estimate" not in draws.columns:  # every fit failed
        draws["estimate"] = np.nan
    point_frame = pd.DataFrame(points)
    for k in point_frame.columns:
        draws[k] = point_frame[k].to_numpy()[draws["point"].to_numpy()]
    draws["truth"] = np.asarray(truths, dtype=float)[draws["point"].to_numpy()]
    _fill_inference(draws, alpha)
    table = performance(draws, list(point_frame.columns), alpha=alpha)
    return SimulationResult(table, draws, keys=list(point_frame.columns), alpha=alpha)


def _check_alpha(alpha: Any) -> None:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise OptionError(f"alpha must lie between 0 and 1 (e.g. 0.05), got {alpha!r}")


def _truth(truth: Any, point: dict[str, Any]) -> float:
    if truth is None:
        return float("nan")
    if callable(truth):
        return float(truth(point))
    if isinstance(truth, str):
        if truth not in point:
            raise DataError(
                f"truth={truth!r} is not a grid key (keys: {sorted(point)}); name the key "
                "holding the true value, pass a function of the point, or truth=None"
            )
        return float(point[truth])
    raise DataError(f"truth must be a grid key, a function or None, got {truth!r}")


def _fill_inference(draws: pd.DataFrame, alpha: float) -> None:
    """Intervals and p-values from estimate, std_error and df where the estimator gave none."""
    if "std_error" not in draws.columns:
        return
    est, se = draws["estimate"].to_numpy(float), draws["std_error"].to_numpy(float)
    df = draws["df"].to_numpy(float) if "df" in draws.columns else np.full(len(draws), np.inf)
    df = np.where(np.isnan(df), np.inf, df)
    crit = np.where(np.isinf(df), stats.norm.ppf(1 - alpha / 2), stats.t.ppf(1 - alpha / 2, df))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    p = np.where(np.isinf(df), 2 * stats.norm.sf(np.abs(z)), 2 * stats.t.sf(np.abs(z), df))
    for col, val in (("ci_low", est - crit * se), ("ci_high", est + crit * se), ("p_value", p)):
        if col not in draws.columns:
            draws[col] = val
        else:
            draws[col] = draws[col].fillna(pd.Series(val, index=draws.index))


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    n = len(x)
    return float(np.mean(x)), float(np.std(x, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")


def _share(x: np.ndarray) -> tuple[float, float]:
    p = float(np.mean(x))
    return p, float(np.sqrt(p * (1 - p) / len(x)))


def performance(draws: pd.DataFrame, keys: list[str], *, alpha: float) -> pd.DataFrame:
    """Performance measures with Monte Carlo SEs per grid point and estimator (see the module
    docstring) from the replication draws."""
    extra = [
        c
        for c in draws.columns
        if c not in {*STANDARD_KEYS, *keys, "replication", "point", "estimator", "failed"}
        and c not in ("error", "truth")
        and pd.api.types.is_numeric_dtype(draws[c])
    ]
    rows = []
    for (_, name), d in draws.groupby(["point", "estimator"], sort=False):
        ok = d[(d["failed"] == 0) & np.isfinite(d["estimate"].astype(float))]
        n, n_failed = len(ok), len(d) - len(ok)
        base = {k: d[k].iloc[0] for k in keys}
        base.update(estimator=name, n_sims=n, n_failed=n_failed)
        truth = float(d["truth"].iloc[0])
        measures: list[tuple[str, float, float]] = []
        if n >= 2:
            est = ok["estimate"].to_numpy(float)
            measures.append(("mean_estimate", *_mean_se(est)))
            sd = float(np.std(est, ddof=1))
            if np.isfinite(truth):
                measures.append(("bias", float(est.mean() - truth), sd / np.sqrt(n)))
                sq = (est - truth) ** 2
                mse = float(sq.mean())
                se_mse = float(np.sqrt(np.sum((sq - mse) ** 2) / (n * (n - 1))))
                rmse = np.sqrt(mse)
                measures.append(("rmse", float(rmse), se_mse / (2 * rmse) if rmse > 0 else 0.0))
            measures.append(("emp_se", sd, sd / np.sqrt(2 * (n - 1))))
            if "std_error" in ok.columns and ok["std_error"].notna().all():
                measures.append(("mean_se", *_mean_se(ok["std_error"].to_numpy(float))))
            if (
                np.isfinite(truth)
                and {"ci_low", "ci_high"} <= set(ok.columns)
                and ok[["ci_low", "ci_high"]].notna().all().all()
            ):
                hit = (ok["ci_low"] <= truth) & (truth <= ok["ci_high"])
                measures.append(("coverage", *_share(hit.to_numpy(float))))
            if "p_value" in ok.columns and ok["p_value"].notna().all():
                measures.append(("rejection", *_share((ok["p_value"] < alpha).to_numpy(float))))
            for c in extra:
                v = ok[c].to_numpy(float)
                if np.isfinite(v).all():
                    measures.append((f"mean_{c}", *_mean_se(v)))
        for m, v, se in measures:
            rows.append({**base, "measure": m, "value": v, "mc_se": se})
        if not measures:
            rows.append({**base, "measure": "n_sims", "value": float(n), "mc_se": 0.0})
    cols = [*keys, "estimator", "measure", "value", "mc_se", "n_sims", "n_failed"]
    return pd.DataFrame(rows)[cols]


class SimulationResult(TableResult):
    """Result of :func:`simulate`: ``tidy()`` (long: one row per grid point, estimator and
    measure with ``value`` and ``mc_se``), ``wide()`` (one row per grid point and estimator)
    and ``draws`` (every replication)."""

    def __init__(
        self, table: pd.DataFrame, draws: pd.DataFrame, *, keys: list[str], alpha: float
    ) -> None:
        #: every replication's numbers (one row per replication, grid point and estimator)
        self.draws = draws
        #: the grid keys
        self.keys = keys
        #: the level of the tests whose rejection rate is reported
        self.alpha = alpha
        failed = int(table.groupby(["estimator", *keys], sort=False)["n_failed"].first().sum())
        notes = [NOTE.format(alpha=percent_text(alpha, 0))]
        if failed:
            notes.append(FAILED_NOTE.format(n=failed))
        super().__init__(table, title=TITLE, notes=notes, call={"alpha": alpha})

    def value(self, measure: str, estimator: str | None = None, **point: Any) -> float:
        """One measure's value (for the given estimator and grid point)."""
        return float(self._row(measure, estimator, point)["value"])

    def mc_se(self, measure: str, estimator: str | None = None, **point: Any) -> float:
        """The Monte Carlo standard error of one measure."""
        return float(self._row(measure, estimator, point)["mc_se"])

    def _row(self, measure: str, estimator: str | None, point: dict[str, Any]) -> pd.Series:
        t = self._table[self._table["measure"] == measure]
        if estimator is not None:
            t = t[t["estimator"] == estimator]
        for k, v in point.items():
            if k not in self.keys:
                raise DataError(f"{k!r} is not a grid key; keys: {self.keys}")
            t = t[t[k] == v]
        if len(t) != 1:
            raise DataError(
                f"{len(t)} rows match measure={measure!r}, estimator={estimator!r}, {point}; "
                "name the estimator and the grid point"
            )
        return t.iloc[0]

    def wide(self) -> pd.DataFrame:
        """One row per grid point and estimator, a column per measure (and ``<measure>_mc_se``)."""
        t = self._table
        idx = [*self.keys, "estimator", "n_sims", "n_failed"]
        v = t.pivot_table(index=idx, columns="measure", values="value", sort=False)
        s = t.pivot_table(index=idx, columns="measure", values="mc_se", sort=False)
        s.columns = [f"{c}_mc_se" for c in s.columns]
        out = pd.concat([v, s], axis=1)
        order = [c for m in MEASURES for c in (m, f"{m}_mc_se") if c in out.columns]
        rest = [c for c in out.columns if c not in order]
        return out[order + rest].reset_index()

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        return []

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        t = self._table
        cells = t.assign(
            cell=[
                f"{number(v, lang, 4)} ({number(s, lang, 4)})"
                for v, s in zip(t["value"], t["mc_se"], strict=True)
            ]
        )
        idx = [*self.keys, "estimator", "n_sims"]
        wide = cells.pivot_table(
            index=idx, columns="measure", values="cell", aggfunc="first", sort=False
        )
        order = [m for m in MEASURES if m in wide.columns]
        wide = wide[order + [m for m in wide.columns if m not in order]].reset_index()
        for k in self.keys:
            wide[k] = [_value_text(v, lang) for v in wide[k]]
        wide.columns.name = None
        return [("", wide.rename(columns=lambda c: _measure_label(str(c), lang)))]


def _value_text(v: Any, lang: Lang) -> str:
    """A grid value for a reader: floats with up to four decimals, trailing zeros dropped."""
    if isinstance(v, float | np.floating):
        return number(v, lang, 4).rstrip("0").rstrip(",.") or "0"
    return str(v)


def _measure_label(key: str, lang: Lang) -> str:
    if key in TERMS:
        return term(key, lang)
    if key.startswith("mean_"):
        return MEAN_OF.format(key=key[5:])(lang)
    return key
