"""Minimum detectable effects of a design, analytic or by simulation, and the sentence that
says each in words ("Mit 60 auditierten Kommunen ist ein Effekt ab 2,1 Prozentpunkten mit
80 % Power erkennbar ...").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from ..i18n import Lang, Text, check_lang, number, percent, tr
from ..options import BackendName, OneWayCluster, PlanEstimatorName, PowerMethod, check_option
from ..results import TableResult
from ._simulated import (
    ANALYTIC_NOTE,
    LABELS,
    Draws,
    alpha_fact,
    check_probability,
    critical,
    estimator_word,
    in_both,
    method_fact,
    significant,
    simulate_draws,
    target_text,
)
from .analytic import analytic_df, analytic_se, mde_multiplier
from .backends import check_n_sims, check_seed
from .design import PanelDesign, check_designs, effect_grid
from .estimators import EventTime, PlanEstimator, resolve_estimator

MDE_TITLE = Text("Minimal nachweisbare Effekte", "Minimum detectable effects")
MDE_SIMULATED_NOTE = Text(
    "Simuliert: kleinster Effekt, bei dem der Anteil der Ablehnungen die Ziel-Power erreicht; "
    "MC-Fehler wie der eines Stichprobenquantils.",
    "Simulated: the smallest effect at which the share of rejections reaches the target "
    "power; MC error as that of a sample quantile.",
)
MDE_SENTENCE = Text(
    "Mit {n_a} auditierten Kommunen und {n_c} Vergleichskommunen ({years}) ist ein Effekt ab "
    "{mde} {unit} mit {power} Power erkennbar ({est}, {target}, zweiseitiger Test, "
    "α = {alpha}{mc}).",
    "With {n_a} audited and {n_c} comparison municipalities ({years}), an effect of {mde} "
    "{unit} or more is detected with {power} power ({est}, {target}, two-sided test, "
    "α = {alpha}{mc}).",
)
MC_CLAUSE = Text(", Monte-Carlo-Fehler {x}", ", Monte Carlo error {x}")
#: a unit of an effect after "ab" (German dative plural)
_DATIVE = {"Prozentpunkte": "Prozentpunkten", "Jahre": "Jahren"}


def mde_sentence(row: Mapping[str, Any], design: PanelDesign) -> Text:
    """ "Mit 60 auditierten Kommunen ist ein Effekt ab 2,1 Prozentpunkten mit 80 % Power
    erkennbar ..." for one row of an MDE table, in both languages."""
    unit = Text(_DATIVE.get(design.unit.de, design.unit.de), design.unit.en)
    mc = Text("", "")
    if row["method"] == "simulation":
        mc = MC_CLAUSE.format(x=in_both(lambda lang: significant(float(row["mc_se"]), lang)))
    return MDE_SENTENCE.format(
        n_a=int(row["n_audited"]),
        n_c=int(row["n_comparison"]),
        years=f"{design.first_year}-{design.last_year}",
        mde=in_both(lambda lang: significant(float(row["mde"]), lang)),
        unit=unit,
        power=in_both(lambda lang: percent(float(row["power"]), lang, 0)),
        est=estimator_word(str(row["estimator"])),
        target=target_text(str(row["target"])),
        alpha=in_both(lambda lang: percent(float(row["alpha"]), lang, 0)),
        mc=mc,
    )


# ---------------------------------------------------------------------------------------
# minimum detectable effect
# ---------------------------------------------------------------------------------------
class MDEResult(TableResult):
    """Minimum detectable effects, one row per scenario and estimator: ``tidy()`` has
    ``scenario``, ``estimator``, ``target``, ``method``, ``mde``, ``mc_se``, ``power``,
    ``alpha``, ``n_audited``, ``n_comparison``, ``n_years``, ``n_sims``; ``sentences(lang)``
    says each in words; the summary is the table a planner reads.

    Parameters
    ----------
    table
        The table described above.
    designs
        Scenario name -> design.
    seed
        The seed of the simulations (None for analytic ones).
    """

    def __init__(
        self, table: pd.DataFrame, *, designs: dict[str, PanelDesign], seed: Any = None
    ) -> None:
        self.designs = designs
        self.seed = seed
        sentences = [mde_sentence(row, designs[row["scenario"]]) for _, row in table.iterrows()]
        #: every row in words (a :class:`~evaluation.i18n.Text` each)
        self.sentence_texts = sentences
        notes = [*sentences, ANALYTIC_NOTE]
        if (table["method"] == "simulation").any():
            notes.append(MDE_SIMULATED_NOTE)
        row0 = table.iloc[0]
        super().__init__(
            table,
            title=MDE_TITLE,
            method=method_fact(str(row0["method"]), int(table["n_sims"].max()), seed),
            notes=notes,
            call={"power": float(row0["power"]), "alpha": float(row0["alpha"]), "seed": seed},
        )

    def sentences(self, lang: Lang = "de") -> list[str]:
        """Every row in words, in ``lang``."""
        check_lang(lang)
        return [s(lang) for s in self.sentence_texts]

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        assert self.method is not None
        t = self._table
        row0 = t.iloc[0]
        facts = [
            (LABELS["power"](lang), percent(float(row0["power"]), lang, 0)),
            (LABELS["test"](lang), alpha_fact(float(row0["alpha"]))(lang)),
            (LABELS["method"](lang), tr(self.method, lang)),
        ]
        if len(self.designs) > 1:
            facts.append((LABELS["design_shown"](lang), str(next(iter(self.designs)))))
        return facts + next(iter(self.designs.values())).facts(lang)

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        t = self._table
        unit = next(iter(self.designs.values())).unit(lang)
        shown = pd.DataFrame()
        if (t["scenario"] != "").any():
            shown[LABELS["scenario"](lang)] = t["scenario"]
        shown[LABELS["estimator"](lang)] = [estimator_word(e)(lang) for e in t["estimator"]]
        shown[LABELS["target"](lang)] = [target_text(str(x))(lang) for x in t["target"]]
        shown[f"MDE ({unit})"] = [number(v, lang, 3) for v in t["mde"]]
        if (t["method"] == "simulation").any():
            shown[LABELS["mc_se"](lang)] = [number(v, lang, 3) for v in t["mc_se"]]
            if "mde_analytic" in t.columns:
                shown[LABELS["mde_analytic"](lang)] = [
                    number(v, lang, 3) for v in t["mde_analytic"]
                ]
        for c in ("n_audited", "n_comparison", "n_years"):
            shown[LABELS[c](lang)] = t[c].astype(str)
        return [("", shown)]


def minimum_detectable_effect(
    design: PanelDesign | Mapping[str, PanelDesign],
    power: float = 0.8,
    alpha: float = 0.05,
    *,
    estimator: PlanEstimatorName
    | PlanEstimator
    | Sequence[PlanEstimatorName | PlanEstimator] = "twfe",
    event_time: EventTime = "post",
    cluster: OneWayCluster = "unit",
    method: PowerMethod = "simulation",
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
    target = check_probability("power", power)
    alpha = check_probability("alpha", alpha)
    check_option("method", method, PowerMethod)
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
                draws = simulate_draws(
                    d, est, grid, alpha, n_sims, seed, backend, n_jobs, chunk_size, progress
                )
            rows.append(mde_row(scen, d, est, method, target, alpha, draws, grid))
    return mde_result(rows, designs, seed if method == "simulation" else None)


def _mde_grid(est: PlanEstimator, effect: Sequence[float] | None) -> np.ndarray:
    if effect is None:
        raise DataError(
            f"estimator {est.name!r} is refitted per effect size: give an effect grid, e.g. "
            "effect=[0.5, 1, 1.5, 2], around the expected MDE"
        )
    return np.sort(effect_grid(effect))


def mde_row(
    scenario: str,
    d: PanelDesign,
    est: PlanEstimator,
    method: str,
    target: float,
    alpha: float,
    draws: Draws | None,
    effects: np.ndarray | None,
) -> dict[str, Any]:
    """One row of an MDE table: the design, the estimator and the simulated (or analytic)
    minimum detectable effect."""
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


def mde_result(rows: list[dict[str, Any]], designs: dict[str, PanelDesign], seed: Any) -> MDEResult:
    """The :class:`MDEResult` of rows (the analytic column dropped when no row has one)."""
    table = pd.DataFrame(rows)
    if table["mde_analytic"].isna().all():
        table = table.drop(columns="mde_analytic")
    return MDEResult(table, designs=designs, seed=seed)


def _mde_from_draws(
    draws: Draws, effects: np.ndarray | None, target: float, alpha: float
) -> tuple[float, float]:
    """The simulated MDE and its Monte Carlo SE (see :func:`minimum_detectable_effect`)."""
    if draws.equivariant:
        crit = critical(draws.df, alpha)
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
