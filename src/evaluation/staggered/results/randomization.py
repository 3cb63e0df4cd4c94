"""The result of :func:`evaluation.randomization_att_gt`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...i18n import Lang, Text, check_lang, number, term, tr
from ...results import TestResult, display_frame
from .group_time import AggregatedEffects

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


RI_TITLE = Text("Randomisierungsinferenz: {what}", "Randomisation inference: {what}")
RI_HYPOTHESIS = Text(
    "H0 (scharf): die Behandlung wirkt auf keine Einheit; Kohortenzuweisungen {how} permutiert. "
    "p-Wert: Anteil der Zuweisungen mit |Schätzwert| >= beobachtet ({which}). Intervall: alle "
    "konstanten Effekte tau, die der Test zum Niveau {alpha} nicht verwirft (Zielgröße minus "
    "tau in den behandelten Jahren).",
    "H0 (sharp): the treatment affects no unit; cohort assignments permuted {how}. p-value: "
    "share of assignments with |estimate| >= observed ({which}). Interval: every constant "
    "effect tau the test does not reject at {alpha} (outcome minus tau in the treated years).",
)
RI_DESCRIPTION = Text(
    "Randomisierungsinferenz: gültig auch mit wenigen (behandelten) Clustern, die Alternative "
    "zu cluster-robusten Standardfehlern; die Spalte std_error ist der Standardfehler der "
    "ursprünglichen Schätzung.",
    "Randomisation inference: valid also with few (treated) clusters, the alternative to "
    "cluster-robust standard errors; the column std_error is the original estimate's standard "
    "error.",
)


class StaggeredRandomization(TestResult):
    """Randomisation inference for an aggregation of group-time effects (see
    :func:`evaluation.randomization_att_gt`).

    ``statistic`` and ``estimate`` are the observed overall effect, ``p_value`` its
    randomisation p-value, ``ci_low``/``ci_high`` the interval by test inversion under a
    constant effect; ``draws`` has the estimate of every assignment (overall first, then the
    aggregation's levels), ``levels()`` the levels with their p-values; ``exact`` says
    whether all ``n_assignments`` distinct assignments were enumerated.
    """

    def __init__(
        self,
        *,
        observed: AggregatedEffects,
        label: str,
        estimate: float,
        p_value: float,
        ci: tuple[float, float],
        level: float,
        draws: np.ndarray,
        level_p_values: np.ndarray,
        level_names: list[Any],
        key: str,
        n_draws: int,
        n_assignments: int,
        exact: bool,
        seed: int | None,
        strata: str | None,
    ) -> None:
        from ...results import Inference

        self.observed = observed
        self.estimate = float(estimate)
        self.ci_low, self.ci_high = (float(ci[0]), float(ci[1]))
        self.level = float(level)
        self.key = key
        self.exact = bool(exact)
        self.n_draws = int(n_draws)
        self.n_assignments = int(n_assignments)
        self._level_names = list(level_names)
        self._level_p = np.asarray(level_p_values, dtype=float)
        cols = ["overall", *(f"{key}={v}" for v in level_names)] if key != "term" else ["overall"]
        self.draws = pd.DataFrame(draws[:, : len(cols)], columns=cols)
        how = Text("innerhalb der Schichten", "within strata") if strata else Text("", "")
        which = (
            Text(f"alle {n_assignments} Zuweisungen", f"all {n_assignments} assignments")
            if exact
            else Text(f"{n_draws} Ziehungen, Startwert {seed}", f"{n_draws} draws, seed {seed}")
        )
        facts: dict[str, Any] = {"n_draws": self.n_draws, "all_assignments": self.exact}
        if seed is not None:
            facts["seed"] = int(seed)
        if strata:
            facts["strata"] = strata
        super().__init__(
            statistic=self.estimate,
            p_value=p_value,
            distribution="randomization",
            hypothesis=RI_HYPOTHESIS.format(
                how=how,
                which=which,
                alpha=Text(number(1 - level, "de", 2), number(1 - level, "en", 2)),
            ),
            title=RI_TITLE.format(what=observed.title),
            method=observed.method,
            facts=facts,
            inference=Inference(name="randomization", description=RI_DESCRIPTION),
            outcome=observed.outcome,
            call={**observed.call, "randomization": label, "strata": strata},
        )

    def tidy(self) -> pd.DataFrame:
        o = self.observed.overall
        return pd.DataFrame(
            {
                "term": ["overall"],
                "estimate": [self.estimate],
                "std_error": [o.std_error],
                "ri_p_value": [self.p_value],
                "ri_ci_low": [self.ci_low],
                "ri_ci_high": [self.ci_high],
                "ri_sd": [float(self.draws["overall"].std(ddof=1)) if self.n_draws > 1 else np.nan],
                "n_draws": [self.n_draws],
            }
        )

    def levels(self) -> pd.DataFrame | None:
        """The aggregation's levels (event times, cohorts or periods) with their estimates and
        randomisation p-values (None for the simple aggregation)."""
        if self.key == "term":
            return None
        t = self.observed.tidy()[[self.key, "estimate", "std_error"]].copy()
        t["ri_p_value"] = self._level_p
        return t

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        out = [("", display_frame(self.tidy(), lang))]
        lv = self.levels()
        if lv is not None:
            out.append(("", display_frame(lv, lang)))
        return out

    def plot(self, ax: Axes | None = None, *, lang: Lang = "de") -> Figure:
        """Histogram of the estimates of the assignments with the observed one."""
        from ...results import figure_axes

        check_lang(lang)
        fig, ax = figure_axes(ax, (6, 4))
        ax.hist(self.draws["overall"], bins=40, color="0.7")
        ax.axvline(self.estimate, color="C3", lw=2, label=term("estimate", lang))
        ax.set_xlabel(term("randomization_distribution", lang))
        ax.set_title(tr(self.title, lang))
        ax.legend()
        fig.tight_layout()
        return fig


__all__ = ["StaggeredRandomization"]
