"""Section "implementation success": the steps of :mod:`evaluation.implementation`; every
table and figure comes from there, this module only declares and arranges them."""

from __future__ import annotations

from ...i18n import Text
from ...implementation import (
    before_after_implementation,
    cycle_comparison,
    field_differences,
    implementation_model,
    implementation_rates,
    status_progression,
    status_transitions,
    time_to_implementation,
)
from ..context import Context
from ..document import Paragraph, Section
from ..steps import Step, run_steps

TITLE = Text("Umsetzungserfolg", "Implementation success")
SUCCESS_WORD = {
    "implemented": Text("umgesetzt", "implemented"),
    "at_least_partial": Text("mindestens teilweise umgesetzt", "at least partially implemented"),
}
INTRO = Text(
    "Als Erfolg gilt eine Maßnahme, die im letzten Bericht der Umsetzungsphase als „{word}“ "
    "gemeldet ist. Maßnahmen einer Kommune hängen zusammen; die Intervalle mit Kommunen als "
    "Cluster berücksichtigen das.",
    "A measure counts as a success when the last report of the implementation phase gives it "
    "as '{word}'. Measures of one municipality are related; the intervals with municipalities "
    "as clusters take this into account.",
)
RATES = Text("Umsetzungsquoten je Handlungsfeld", "Implementation rates by action field")
RATE_COLUMNS = (
    "action_field",
    "n_measures",
    "n_municipalities",
    "share",
    "ci_low",
    "ci_high",
    "cluster_ci_low",
    "cluster_ci_high",
)
SHARE_INTERVALS = ("ci_low", "ci_high", "cluster_ci_low", "cluster_ci_high")


def rates(ctx: Context):
    """The implementation rates per action field (shared with the summary of findings)."""
    cfg = ctx.config
    return ctx.cache_get(
        "implementation_rates",
        lambda: implementation_rates(
            ctx.study, by=["action_field"], success=cfg.implementation.success, seed=cfg.seed
        ),
    )


def steps(ctx: Context) -> list[Step]:
    """The steps of the section (main body) and of its appendix part (``details``)."""
    success = ctx.config.implementation.success
    seed = ctx.config.seed
    return [
        Step(
            "implementation_rates",
            RATES,
            rates,
            RATES,
            method="implementation",
            columns=RATE_COLUMNS,
            percent=SHARE_INTERVALS,
        ),
        Step(
            "implementation_progression",
            Text("Verlauf über die Berichte", "Progression over the reports"),
            lambda c: status_progression(c.study),
            Text("Status je Handlungsfeld und Bericht", "Status by action field and report"),
            show=False,
        ),
        Step(
            "implementation_before_after",
            Text("Erster gegen letzten Bericht", "First against last report"),
            lambda c: before_after_implementation(c.study, success=success),
            Text(
                "Anteil umgesetzt: erster gegen letzten Bericht",
                "Share implemented: first against last report",
            ),
            method="paired",
        ),
        Step(
            "implementation_cycles",
            Text("Erst-Audit gegen Re-Audit", "First audit against re-audit"),
            lambda c: cycle_comparison(c.study, success=success),
            Text("Anteil umgesetzt je Auditzyklus", "Share implemented by audit cycle"),
            method="paired",
        ),
        Step(
            "implementation_time",
            Text("Zeit bis zur Umsetzung", "Time to implementation"),
            lambda c: time_to_implementation(c.study, by="action_field"),
            Text(
                "Zeit bis zur Umsetzung je Handlungsfeld", "Time to implementation by action field"
            ),
            method="survival",
            show=False,
        ),
        Step(
            "implementation_field_differences",
            Text("Unterschiede zwischen Handlungsfeldern", "Differences between action fields"),
            lambda c: field_differences(c.study, success=success, seed=seed),
            Text("Paarweise Vergleiche der Handlungsfelder", "Pairwise comparisons of fields"),
            plot=False,
            method="field_differences",
            show=False,
        ),
    ]


def detail_steps(ctx: Context) -> list[Step]:
    """The implementation tables of the appendix."""
    cfg = ctx.config.implementation
    return [
        Step(
            "implementation_transitions",
            Text("Statusübergänge", "Status transitions"),
            lambda c: status_transitions(c.study),
            Text(
                "Übergänge zwischen aufeinanderfolgenden Berichten",
                "Transitions between consecutive reports",
            ),
            plot=False,
        ),
        Step(
            "implementation_model",
            Text("Modell des Umsetzungserfolgs", "Model of implementation success"),
            lambda c: implementation_model(
                c.study, covariates=list(cfg.model_covariates), success=cfg.success
            ),
            Text(
                "Logistisches Modell (GEE, Cluster Kommune)",
                "Logistic model (GEE, clustered by municipality)",
            ),
            plot=False,
            method="model",
        ),
    ]


def build(ctx: Context) -> Section:
    """The section "implementation success"."""
    sec = Section("implementation", ctx.tr(TITLE))
    word = SUCCESS_WORD[ctx.config.implementation.success]
    sec.add(Paragraph(ctx.tr(INTRO.format(word=word))))
    run_steps(ctx, sec, steps(ctx))
    return sec
