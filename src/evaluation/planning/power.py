"""Power curves and minimum detectable effects of a design, analytic or by simulation.

:func:`power` gives the probability that the chosen estimator's two-sided test at level
``alpha`` rejects "no effect" when the true effect is ``effect`` (a number or a grid);
:func:`minimum_detectable_effect` gives the smallest effect found with the requested power.

``method="simulation"`` (default) simulates ``n_sims`` panels of the design (see
:class:`~evaluation.planning.design.PanelDesign`) and applies the package's estimator to each:
the power is the share of rejections, with its Monte Carlo standard error sqrt(p (1 - p) / n).
The noise of replication r is the same for every effect size (it enters additively); for the
built-in estimators, which are shift-equivariant, one fit per panel gives the test at every
effect (estimate + effect, same standard error). ``method="analytic"`` uses the exact variance
of the estimator's linear weights and Bloom's (1995) formulas
(:mod:`evaluation.planning.analytic`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..codes import Lang, check_lang
from ..errors import DataError, EvaluationError
from ..results import Summary, TableResult
from . import _text
from .analytic import analytic_df, analytic_se, mde_multiplier, power_from_se
from .backends import BackendName, check_n_sims, check_seed, run_replications
from .design import PanelDesign, check_designs, effect_grid
from .estimators import (
    ClusterLevel,
    EstimatorName,
    EventTime,
    PlanEstimator,
    resolve_estimator,
)

Method = Literal["simulation", "analytic"]
METHODS: tuple[str, ...] = ("simulation", "analytic")


def _check_method(method: Any) -> None:
    if method not in METHODS:
        raise DataError(f"method must be one of {METHODS}, got {method!r}")


def _check_probability(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < 1:
        raise DataError(f"{name} must lie strictly between 0 and 1, got {v!r}")
    return float(v)


# ---------------------------------------------------------------------------------------
# one replication
# ---------------------------------------------------------------------------------------
class PowerTask:
    """Simulate one panel of ``design`` and test with ``estimator`` (picklable)."""

    def __init__(
        self, design: PanelDesign, estimator: PlanEstimator, effects: np.ndarray, alpha: float
    ) -> None:
        self.design = design
        self.estimator = estimator
        self.effects = np.asarray(effects, dtype=float)
        self.alpha = alpha

    def __call__(self, rng: np.random.Generator, params: Any = None) -> dict[str, Any]:
        noise = self.design.draw_noise(rng)
        try:
            if self.estimator.shift_equivariant:
                r = self.estimator.fit(self.design.panel(noise))
                if "df" not in r:
                    raise DataError(
                        f"estimator {self.estimator.name!r} is declared shift-equivariant but "
                        "returns no 'df'"
                    )
                est, se = float(r["estimate"]), float(r["std_error"])
                if not (np.isfinite(est) and np.isfinite(se) and se > 0):
                    return {"failed": f"estimate {est!r} with standard error {se!r}"}
                return {"estimate": est, "std_error": se, "df": float(r["df"])}
            pvals = []
            for eff in self.effects:
                r = self.estimator.fit(self.design.panel(noise + eff * self.design.post))
                pvals.append(_p_value(r))
            if not np.all(np.isfinite(pvals)):
                return {"failed": "p-value not finite"}
            return {"p_values": np.asarray(pvals)}
        except EvaluationError as exc:
            return {"failed": str(exc)}


def _p_value(r: Mapping[str, float]) -> float:
    if "p_value" in r:
        return float(r["p_value"])
    est, se, df = float(r["estimate"]), float(r["std_error"]), float(r.get("df", np.inf))
    z = abs(est / se)
    return float(2 * (stats.norm.sf(z) if np.isinf(df) else stats.t.sf(z, df)))


def _critical(df: np.ndarray, alpha: float) -> np.ndarray:
    df = np.asarray(df, dtype=float)
    return np.where(np.isinf(df), stats.norm.ppf(1 - alpha / 2), stats.t.ppf(1 - alpha / 2, df))


class _Draws:
    """The successful replications of a power simulation."""

    def __init__(self, out: list[dict[str, Any]], equivariant: bool) -> None:
        self.n_total = len(out)
        ok = [o for o in out if "failed" not in o]
        self.failures = [o["failed"] for o in out if "failed" in o]
        self.n = len(ok)
        if self.n == 0:
            raise DataError(
                f"the estimator failed in all {self.n_total} simulated panels; first error: "
                f"{self.failures[0] if self.failures else '?'}"
            )
        self.equivariant = equivariant
        if equivariant:
            self.estimate = np.array([o["estimate"] for o in ok])
            self.std_error = np.array([o["std_error"] for o in ok])
            self.df = np.array([o["df"] for o in ok])
        else:
            self.p_values = np.vstack([o["p_values"] for o in ok])

    def rejections(self, effects: np.ndarray, alpha: float) -> np.ndarray:
        """n x len(effects) array of rejections (1.0 / 0.0)."""
        if self.equivariant:
            crit = _critical(self.df, alpha)[:, None]
            t = (self.estimate[:, None] + effects[None, :]) / self.std_error[:, None]
            return (np.abs(t) > crit).astype(float)
        return (self.p_values < alpha).astype(float)


def _simulate_draws(
    design: PanelDesign,
    est: PlanEstimator,
    effects: np.ndarray,
    alpha: float,
    n_sims: int,
    seed: Any,
    backend: Any,
    n_jobs: int,
    chunk_size: int | None,
    progress: bool,
) -> _Draws:
    task = PowerTask(design, est, effects, alpha)
    out = run_replications(
        task,
        n_sims,
        seed=seed,
        backend=backend,
        n_jobs=n_jobs,
        chunk_size=chunk_size,
        progress=progress,
        description=f"power ({est.name})",
    )
    return _Draws(out, est.shift_equivariant)


# ---------------------------------------------------------------------------------------
# power
# ---------------------------------------------------------------------------------------
class PowerCurve(TableResult):
    """Power of a design's test by effect size.

    ``tidy()`` has ``effect``, ``power``, ``mc_se`` (Monte Carlo standard error; 0 for the
    analytic method), ``n_sims`` and, where the estimator has an analytic form,
    ``power_analytic``. ``plot(ax=)`` draws the curve with a band of +-1.96 MC SE.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        design: PanelDesign,
        estimator: PlanEstimator,
        alpha: float,
        method: str,
        n_failed: int = 0,
        seed: Any = None,
        draws: _Draws | None = None,
    ) -> None:
        super().__init__(table, title=_text.POWER_TITLE[0])
        self.design = design
        self.estimator = estimator
        self.alpha = alpha
        self.method = method
        self.n_failed = n_failed
        self.seed = seed
        self._draws = draws

    def mde(self, power: float = 0.8) -> MDEResult:
        """The minimum detectable effect at ``power`` from the same simulated panels (or
        analytically, for an analytic curve); for estimators refitted per effect, interpolated
        on this curve's effects."""
        target = _check_probability("power", power)
        grid = self._table["effect"].to_numpy(dtype=float)
        row = _mde_row(
            "", self.design, self.estimator, self.method, target, self.alpha, self._draws, grid
        )
        return _mde_result([row], {"": self.design}, self.seed)

    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        return _text.power_summary(self, lang)

    def plot(self, ax=None, lang: Lang = "de", target: float = 0.8):
        """The power curve with its Monte Carlo band, the target power and ``alpha``."""
        check_lang(lang)
        return _text.power_plot(self, ax=ax, lang=lang, target=target)


def power(
    design: PanelDesign,
    effect: float | Sequence[float],
    *,
    estimator: EstimatorName | PlanEstimator = "twfe",
    event_time: EventTime = "post",
    cluster: ClusterLevel = "unit",
    alpha: float = 0.05,
    method: Method = "simulation",
    n_sims: int = 500,
    seed: int | np.random.SeedSequence | None = None,
    backend: BackendName | Any = "serial",
    n_jobs: int = -1,
    chunk_size: int | None = None,
    progress: bool = False,
) -> PowerCurve:
    """Power of the two-sided test of no effect for each effect size.

    Parameters
    ----------
    design
        A :class:`PanelDesign` (from counts or :meth:`PanelDesign.from_study`).
    effect
        True effect (constant after onset), in the indicator's unit; a number or a list.
    estimator
        ``"twfe"``, ``"event_study"``, ``"att_gt"`` or a :class:`PlanEstimator`.
    event_time
        ``"post"`` (the overall post-onset effect: TWFE coefficient, mean of the event-study
        coefficients 0..5, simple ATT) or an event time e >= 0 (event-study coefficient,
        dynamic ATT at e).
    cluster
        Clustering of the standard errors: ``"unit"`` or ``"state"``.
    alpha
        Level of the two-sided test.
    method
        ``"simulation"`` (default; needs ``seed``) or ``"analytic"``.
    n_sims, seed
        Simulated panels and the seed (explicit; the same seed gives the same numbers on every
        backend).
    backend, n_jobs, chunk_size, progress
        Where the simulations run: ``"serial"``, ``"joblib"`` (``n_jobs`` processes),
        ``"dask"`` or a ``distributed.Client``; see :mod:`evaluation.planning.backends`.

    Returns
    -------
    PowerCurve
    """
    if not isinstance(design, PanelDesign):
        raise DataError(f"design must be a PanelDesign, got {type(design).__name__}")
    effects = effect_grid(effect)
    alpha = _check_probability("alpha", alpha)
    _check_method(method)
    est = resolve_estimator(estimator, event_time=event_time, cluster=cluster)
    analytic = None
    if est.weights is not None:
        se = analytic_se(design, est)
        analytic = power_from_se(effects, se, alpha, analytic_df(design, est))
    if method == "analytic":
        if analytic is None:
            analytic_se(design, est)  # raises the message
        table = pd.DataFrame(
            {
                "effect": effects,
                "power": analytic,
                "mc_se": np.zeros(len(effects)),
                "n_sims": np.zeros(len(effects), dtype=np.int64),
                "power_analytic": analytic,
            }
        )
        return PowerCurve(table, design=design, estimator=est, alpha=alpha, method=method)
    n_sims = check_n_sims(n_sims)
    check_seed(seed, "power simulation")
    draws = _simulate_draws(
        design, est, effects, alpha, n_sims, seed, backend, n_jobs, chunk_size, progress
    )
    rej = draws.rejections(effects, alpha)
    p = rej.mean(axis=0)
    table = pd.DataFrame(
        {
            "effect": effects,
            "power": p,
            "mc_se": np.sqrt(p * (1 - p) / draws.n),
            "n_sims": np.full(len(effects), draws.n, dtype=np.int64),
        }
    )
    if analytic is not None:
        table["power_analytic"] = analytic
    return PowerCurve(
        table,
        design=design,
        estimator=est,
        alpha=alpha,
        method=method,
        n_failed=draws.n_total - draws.n,
        seed=seed,
        draws=draws,
    )


# ---------------------------------------------------------------------------------------
# minimum detectable effect
# ---------------------------------------------------------------------------------------
class MDEResult(TableResult):
    """Minimum detectable effects, one row per scenario and estimator: ``tidy()`` has
    ``scenario``, ``estimator``, ``target``, ``method``, ``mde``, ``mc_se``, ``power``,
    ``alpha``, ``n_audited``, ``n_comparison``, ``n_years``, ``n_sims``; ``sentences(lang)``
    says each in words; the summary is the table a planner reads."""

    def __init__(
        self, table: pd.DataFrame, *, designs: dict[str, PanelDesign], seed: Any = None
    ) -> None:
        super().__init__(table, title=_text.MDE_TITLE[0])
        self.designs = designs
        self.seed = seed

    def sentences(self, lang: Lang = "de") -> list[str]:
        check_lang(lang)
        return [
            _text.mde_sentence(row, self.designs[row["scenario"]], lang)
            for _, row in self._table.iterrows()
        ]

    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        return _text.mde_summary(self, lang)


def minimum_detectable_effect(
    design: PanelDesign | Mapping[str, PanelDesign],
    power: float = 0.8,
    alpha: float = 0.05,
    *,
    estimator: EstimatorName | PlanEstimator | Sequence[EstimatorName | PlanEstimator] = "twfe",
    event_time: EventTime = "post",
    cluster: ClusterLevel = "unit",
    method: Method = "simulation",
    n_sims: int = 500,
    seed: int | np.random.SeedSequence | None = None,
    effect: Sequence[float] | None = None,
    backend: BackendName | Any = "serial",
    n_jobs: int = -1,
    chunk_size: int | None = None,
    progress: bool = False,
) -> MDEResult:
    """The smallest (positive) effect that the test detects with probability ``power``.

    Parameters
    ----------
    design
        A :class:`PanelDesign`, or a mapping scenario name -> design to compare (e.g. the
        study's design and the same with twice the comparison units:
        ``{"as planned": d, "800 comparisons": d.with_counts(n_comparison=800)}``).
    power, alpha
        Target power and test level.
    estimator
        One estimator or a list (one row each); see :func:`power`.
    event_time, cluster
        As in :func:`power`.
    method
        ``"simulation"`` (default; needs ``seed``) or ``"analytic"`` (Bloom's multiplier times
        the exact standard error).
    n_sims, seed, backend, n_jobs, chunk_size, progress
        As in :func:`power`. Every scenario and estimator uses the same seed.
    effect
        Effect grid for estimators that are not shift-equivariant (refitted per effect): the
        MDE is interpolated linearly on the simulated power curve.

    Notes
    -----
    Simulation with a shift-equivariant estimator: the test of draw k rejects at effect
    tau > 0 when ``|b_k + tau| > c_k se_k``; the simulated MDE is the smallest tau at which
    the share of rejections reaches ``power`` (exact for the draws). Its Monte Carlo standard
    error is that of a sample quantile, sqrt(p (1 - p) / n) / f, with the density f of the
    thresholds ``c_k se_k - b_k`` taken from a normal fit.
    """
    designs = check_designs(design)
    target = _check_probability("power", power)
    alpha = _check_probability("alpha", alpha)
    _check_method(method)
    if isinstance(estimator, str | PlanEstimator):
        estimator = [estimator]
    ests = [resolve_estimator(e, event_time=event_time, cluster=cluster) for e in estimator]
    if not ests:
        raise DataError("estimator must name at least one estimator")
    if method == "simulation":
        n_sims = check_n_sims(n_sims)
        check_seed(seed, "simulated MDE")
    rows = []
    for scen, d in designs.items():
        for est in ests:
            draws, grid = None, None
            if method == "simulation":
                grid = np.zeros(1) if est.shift_equivariant else _mde_grid(est, effect)
                draws = _simulate_draws(
                    d, est, grid, alpha, n_sims, seed, backend, n_jobs, chunk_size, progress
                )
            rows.append(_mde_row(scen, d, est, method, target, alpha, draws, grid))
    return _mde_result(rows, designs, seed if method == "simulation" else None)


def _mde_grid(est: PlanEstimator, effect: Sequence[float] | None) -> np.ndarray:
    if effect is None:
        raise DataError(
            f"estimator {est.name!r} is refitted per effect size: give an effect grid, e.g. "
            "effect=[0.5, 1, 1.5, 2], around the expected MDE"
        )
    return np.sort(effect_grid(effect))


def _mde_row(
    scenario: str,
    d: PanelDesign,
    est: PlanEstimator,
    method: str,
    target: float,
    alpha: float,
    draws: _Draws | None,
    effects: np.ndarray | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "scenario": scenario,
        "estimator": est.name,
        "target": str(est.target),
        "method": method,
        "power": target,
        "alpha": alpha,
        "n_audited": d.n_audited,
        "n_comparison": d.n_comparison,
        "n_years": d.n_years,
    }
    an = np.nan
    if est.weights is not None:
        an = mde_multiplier(alpha, target, analytic_df(d, est)) * analytic_se(d, est)
    if draws is None:
        if est.weights is None:
            analytic_se(d, est)  # raises the message
        row.update(mde=an, mc_se=0.0, n_sims=0, n_failed=0)
    else:
        mde, mc = _mde_from_draws(draws, effects, target, alpha)
        row.update(mde=mde, mc_se=mc, n_sims=draws.n, n_failed=draws.n_total - draws.n)
    row["mde_analytic"] = an
    return row


def _mde_result(rows: list[dict[str, Any]], designs: dict[str, PanelDesign], seed: Any):
    table = pd.DataFrame(rows)
    if table["mde_analytic"].isna().all():
        table = table.drop(columns="mde_analytic")
    return MDEResult(table, designs=designs, seed=seed)


def _mde_from_draws(
    draws: _Draws, effects: np.ndarray | None, target: float, alpha: float
) -> tuple[float, float]:
    """The simulated MDE and its Monte Carlo SE (see :func:`minimum_detectable_effect`)."""
    if draws.equivariant:
        crit = _critical(draws.df, alpha)
        b, se = draws.estimate, draws.std_error

        def share(tau: float) -> float:
            return float(np.mean(np.abs(b + tau) > crit * se))

        thresholds = crit * se - b
        if share(0.0) >= target:
            raise DataError(
                f"the test rejects in {share(0.0):.0%} of the simulated panels without any "
                f"effect, at least the target power {target:.0%}: its size is broken (e.g. "
                "state correlation with cluster='unit'); use cluster='state'"
            )
        hi = float(np.max(np.abs(thresholds))) * 2 + float(np.max(crit * se))
        lo = 0.0
        for _ in range(200):
            mid = (lo + hi) / 2
            if share(mid) >= target:
                hi = mid
            else:
                lo = mid
            if hi - lo <= 1e-12 * max(1.0, hi):
                break
        sd = float(np.std(thresholds, ddof=1))
        dens = stats.norm.pdf((hi - np.mean(thresholds)) / sd) / sd if sd > 0 else np.inf
        return hi, float(np.sqrt(target * (1 - target) / draws.n) / dens)
    effects = np.asarray(effects, dtype=float)  # in the order the task used
    order = np.argsort(effects, kind="stable")
    p = draws.rejections(effects, alpha).mean(axis=0)[order]
    effects = effects[order]
    above = np.flatnonzero(p >= target)
    if len(above) == 0 or above[0] == 0:
        where = "above the largest" if len(above) == 0 else "at or below the smallest"
        raise DataError(
            f"the simulated power reaches {target:.0%} {where} effect of the grid "
            f"({effects[0]:g}-{effects[-1]:g}); widen effect="
        )
    j = above[0]
    x0, x1, p0, p1 = effects[j - 1], effects[j], p[j - 1], p[j]
    mde = float(x0 + (target - p0) * (x1 - x0) / (p1 - p0))
    slope = (p1 - p0) / (x1 - x0)
    return mde, float(np.sqrt(target * (1 - target) / draws.n) / slope)
