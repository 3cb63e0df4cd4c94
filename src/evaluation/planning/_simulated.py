"""The simulated test of a planned design, shared by power curves and minimum detectable
effects: one replication (:class:`PowerTask`), the successful replications and their
rejections (:class:`Draws`), and the words that describe a calculation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from ..errors import DataError, EvaluationError, OptionError
from ..i18n import Lang, Text, number, percent
from .backends import run_replications
from .design import PanelDesign
from .estimators import PlanEstimator


def check_probability(name: str, v: Any) -> float:
    """A probability strictly between 0 and 1 (a level or a power); OptionError otherwise."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < 1:
        raise OptionError(f"{name} must lie strictly between 0 and 1, got {v!r}")
    return float(v)


# ---------------------------------------------------------------------------------------
# texts
# ---------------------------------------------------------------------------------------
LABELS: dict[str, Text] = {
    "scenario": Text("Szenario", "Scenario"),
    "estimator": Text("Verfahren", "Estimator"),
    "target": Text("Effektmaß", "Effect measure"),
    "method": Text("Methode", "Method"),
    "test": Text("Test", "Test"),
    "mc_se": Text("MC-Fehler", "MC error"),
    "mde_analytic": Text("MDE (analytisch)", "MDE (analytic)"),
    "power": Text("Power", "Power"),
    "power_analytic": Text("Power (analytisch)", "Power (analytic)"),
    "n_audited": Text("auditiert", "audited"),
    "n_comparison": Text("Vergleich", "comparison"),
    "n_years": Text("Jahre", "years"),
    "effect": Text("Effekt", "Effect"),
    "design_shown": Text("Angaben zum Design", "Design shown"),
}
ANALYTIC_WORD = Text("analytisch", "analytic")
SIMULATION_WORD = Text("Simulation", "Simulation")
METHOD_FACT = {
    "analytic": Text(
        "analytisch (exakte Varianz, Bloom 1995)", "analytic (exact variance, Bloom 1995)"
    ),
    "simulation": Text(
        "Simulation ({n} Panels, Startwert {seed})", "simulation ({n} panels, seed {seed})"
    ),
}
TEST_FACT = Text("zweiseitig, α = {alpha}", "two-sided, α = {alpha}")
ANALYTIC_NOTE = Text(
    "Analytisch: exakte Varianz des Schätzers im balancierten Panel (AR(1)-Rauschen, "
    "Land-Jahr-Korrelation) und Bloom (1995): MDE = (t(1-α/2) + t(Power)) · SE; setzt einen "
    "Test mit korrektem Standardfehler voraus.",
    "Analytic: exact variance of the estimator in the balanced panel (AR(1) noise, "
    "state-year correlation) and Bloom (1995): MDE = (t(1-α/2) + t(power)) · SE; assumes a "
    "test with a correct standard error.",
)
FAILED_NOTE = Text(
    "{n} Schätzungen scheiterten (Datenfehler) und sind nicht mitgezählt.",
    "{n} fits failed (data errors) and are not counted.",
)
TARGET_TEXT = {
    "post": Text("nach Beginn (Mittel)", "after onset (mean)"),
    "e": Text("Jahr {e} nach Beginn", "year {e} after onset"),
}
ESTIMATOR_WORDS = {
    "twfe": Text("TWFE", "TWFE"),
    "event_study": Text("Event-Study", "event study"),
    "att_gt": Text("Callaway-Sant'Anna", "Callaway-Sant'Anna"),
}


def significant(x: float, lang: Lang = "de", sig: int = 2) -> str:
    """A number rounded to ``sig`` significant digits (at least the integer part)."""
    if not np.isfinite(x) or x == 0:
        return number(x, lang, 0)
    digits = max(0, sig - 1 - int(np.floor(np.log10(abs(x)))))
    return number(x, lang, digits)


def in_both(write: Any) -> Text:
    """A :class:`Text` from ``write(lang)`` in German and in English (numbers in text)."""
    return Text(write("de"), write("en"))


def target_text(target: str) -> Text:
    """What is estimated, in words ("nach Beginn (Mittel)", "Jahr 2 nach Beginn")."""
    return TARGET_TEXT["post"] if target == "post" else TARGET_TEXT["e"].format(e=target)


def estimator_word(name: str) -> Text:
    """The short name of a built-in estimator."""
    return ESTIMATOR_WORDS.get(name, Text(name, name))


def method_fact(method: str, n_sims: int, seed: Any) -> Text:
    """How the numbers were computed: analytically, or by how many simulated panels."""
    if method == "analytic":
        return METHOD_FACT["analytic"]
    n = in_both(lambda lang: number(n_sims, lang))
    return METHOD_FACT["simulation"].format(n=n, seed=seed)


def alpha_fact(alpha: float) -> Text:
    """The test: two-sided at level ``alpha``."""
    return TEST_FACT.format(alpha=in_both(lambda lang: percent(alpha, lang, 0)))


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
                pvals.append(p_value_of(r))
            if not np.all(np.isfinite(pvals)):
                return {"failed": "p-value not finite"}
            return {"p_values": np.asarray(pvals)}
        except EvaluationError as exc:
            return {"failed": str(exc)}


def p_value_of(r: Mapping[str, float]) -> float:
    """The two-sided p-value of a fit (its own, or from estimate, std_error and df)."""
    if "p_value" in r:
        return float(r["p_value"])
    est, se, df = float(r["estimate"]), float(r["std_error"]), float(r.get("df", np.inf))
    z = abs(est / se)
    return float(2 * (stats.norm.sf(z) if np.isinf(df) else stats.t.sf(z, df)))


def critical(df: np.ndarray, alpha: float) -> np.ndarray:
    """Two-sided critical values at ``alpha`` (t with ``df``, normal for infinite ``df``)."""
    df = np.asarray(df, dtype=float)
    return np.where(np.isinf(df), stats.norm.ppf(1 - alpha / 2), stats.t.ppf(1 - alpha / 2, df))


class Draws:
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
            crit = critical(self.df, alpha)[:, None]
            t = (self.estimate[:, None] + effects[None, :]) / self.std_error[:, None]
            return (np.abs(t) > crit).astype(float)
        return (self.p_values < alpha).astype(float)


def simulate_draws(
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
) -> Draws:
    """Simulate ``n_sims`` panels of ``design`` and test with ``est`` on the backend."""
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
    return Draws(out, est.shift_equivariant)
