"""Power curves of a design, analytic or by simulation.

:func:`power` gives the probability that the chosen estimator's two-sided test at level
``alpha`` rejects "no effect" when the true effect is ``effect`` (a number or a grid);
:func:`~evaluation.planning.mde.minimum_detectable_effect` gives the smallest effect found with
the requested power.

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

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Lang, Text, check_lang, number, percent, tr
from ..options import BackendName, OneWayCluster, PlanEstimatorName, PowerMethod, check_option
from ..results import TableResult, figure_axes
from ._simulated import (
    ANALYTIC_NOTE,
    ANALYTIC_WORD,
    FAILED_NOTE,
    LABELS,
    SIMULATION_WORD,
    Draws,
    alpha_fact,
    check_probability,
    method_fact,
    simulate_draws,
)
from .analytic import analytic_df, analytic_se, power_from_se
from .backends import check_n_sims, check_seed
from .design import PanelDesign, effect_grid
from .estimators import EventTime, PlanEstimator, resolve_estimator
from .mde import MDEResult, mde_result, mde_row

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: deprecated alias of :data:`evaluation.options.PowerMethod`
Method = PowerMethod

POWER_TITLE = Text("Power nach Effektgröße", "Power by effect size")
SIMULATION_NOTE = Text(
    "Simulation: Anteil der Panels, in denen der zweiseitige Test ablehnt; MC-Fehler = "
    "Monte-Carlo-Standardfehler sqrt(p(1-p)/n). Effekt konstant ab Beginn, dieselben "
    "Zufallszahlen für jede Effektgröße.",
    "Simulation: share of panels in which the two-sided test rejects; MC error = Monte Carlo "
    "standard error sqrt(p(1-p)/n). Effect constant from onset, the same random draws for "
    "every effect size.",
)


# ---------------------------------------------------------------------------------------
# power
# ---------------------------------------------------------------------------------------
class PowerCurve(TableResult):
    """Power of a design's test by effect size.

    ``tidy()`` has ``effect``, ``power``, ``mc_se`` (Monte Carlo standard error; 0 for the
    analytic method), ``n_sims`` and, where the estimator has an analytic form,
    ``power_analytic``. ``plot(ax=)`` draws the curve with a band of +-1.96 MC SE.

    Parameters
    ----------
    table
        The table described above.
    design, estimator, alpha
        What the power is of.
    calculation
        ``"simulation"`` or ``"analytic"``.
    n_failed
        Simulated panels whose fit failed (not counted).
    seed
        The seed of the simulation.
    draws
        The successful replications (for :meth:`mde` from the same panels).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        design: PanelDesign,
        estimator: PlanEstimator,
        alpha: float,
        calculation: str,
        n_failed: int = 0,
        seed: Any = None,
        draws: Draws | None = None,
    ) -> None:
        self.design = design
        self.estimator = estimator
        self.alpha = alpha
        #: ``"simulation"`` or ``"analytic"``
        self.calculation = calculation
        self.n_failed = n_failed
        self.seed = seed
        self._draws = draws
        n_sims = int(table["n_sims"].max()) if len(table) else 0
        notes = [SIMULATION_NOTE if calculation == "simulation" else ANALYTIC_NOTE]
        if n_failed:
            notes.append(FAILED_NOTE.format(n=n_failed))
        if calculation == "simulation" and "power_analytic" in table.columns:
            notes.append(ANALYTIC_NOTE)
        super().__init__(
            table,
            title=POWER_TITLE,
            method=method_fact(calculation, n_sims, seed),
            notes=notes,
            call={"estimator": estimator.name, "alpha": alpha, "method": calculation,
                  "seed": seed},
        )  # fmt: skip

    def mde(self, power: float = 0.8) -> MDEResult:
        """The minimum detectable effect at ``power`` from the same simulated panels (or
        analytically, for an analytic curve); for estimators refitted per effect, interpolated
        on this curve's effects."""
        target = check_probability("power", power)
        grid = self._table["effect"].to_numpy(dtype=float)
        row = mde_row(
            "", self.design, self.estimator, self.calculation, target, self.alpha, self._draws, grid
        )
        return mde_result([row], {"": self.design}, self.seed)

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        assert self.method is not None
        return [
            (LABELS["estimator"](lang), self.estimator.label(lang)),
            (LABELS["method"](lang), tr(self.method, lang)),
            (LABELS["test"](lang), alpha_fact(self.alpha)(lang)),
            *self.design.facts(lang),
        ]

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        t = self.tidy()
        unit = self.design.unit(lang)
        shown = pd.DataFrame(
            {
                f"{LABELS['effect'](lang)} ({unit})": [number(v, lang, 3) for v in t["effect"]],
                LABELS["power"](lang): [percent(v, lang, 1) for v in t["power"]],
            }
        )
        if self.calculation == "simulation":
            shown[LABELS["mc_se"](lang)] = [percent(v, lang, 1) for v in t["mc_se"]]
            if "power_analytic" in t.columns:
                shown[LABELS["power_analytic"](lang)] = [
                    percent(v, lang, 1) for v in t["power_analytic"]
                ]
        return [("", shown)]

    def plot(self, ax: Axes | None = None, *, lang: Lang = "de", target: float = 0.8) -> Figure:
        """The power curve with its Monte Carlo band, the target power and ``alpha``."""
        from matplotlib.ticker import FuncFormatter

        check_lang(lang)
        fig, ax = figure_axes(ax, (7, 4))
        t = self.tidy().sort_values("effect")
        x, p, se = t["effect"].to_numpy(), t["power"].to_numpy(), t["mc_se"].to_numpy()
        simulated = self.calculation == "simulation"
        if simulated:
            ax.fill_between(
                x, np.clip(p - 1.96 * se, 0, 1), np.clip(p + 1.96 * se, 0, 1), color="C0", alpha=0.2
            )
        label = SIMULATION_WORD if simulated else ANALYTIC_WORD
        ax.plot(x, p, "o-", color="C0", label=label(lang))
        if simulated and "power_analytic" in t.columns:
            ax.plot(x, t["power_analytic"], "--", color="0.3", label=ANALYTIC_WORD(lang))
        ax.axhline(target, color="C3", lw=0.8, ls="--")
        ax.axhline(self.alpha, color="0.5", lw=0.8, ls=":")
        ax.set_ylim(0, 1)
        ax.set_xlabel(f"{LABELS['effect'](lang)} ({self.design.unit(lang)})")
        ax.set_ylabel(LABELS["power"](lang))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: percent(v, lang, 0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, lang, 1)))
        ax.set_title(f"{POWER_TITLE(lang)}: {self.estimator.label(lang)}", fontsize=10)
        ax.legend(loc="lower right")
        fig.tight_layout()
        return fig


def power(
    design: PanelDesign,
    effect: float | Sequence[float],
    *,
    estimator: PlanEstimatorName | PlanEstimator = "twfe",
    event_time: EventTime = "post",
    cluster: OneWayCluster = "unit",
    alpha: float = 0.05,
    method: PowerMethod = "simulation",
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
    alpha = check_probability("alpha", alpha)
    check_option("method", method, PowerMethod)
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
        return PowerCurve(table, design=design, estimator=est, alpha=alpha, calculation=method)
    n_sims = check_n_sims(n_sims)
    check_seed(seed, "power simulation")
    draws = simulate_draws(
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
        calculation=method,
        n_failed=draws.n_total - draws.n,
        seed=seed,
        draws=draws,
    )
