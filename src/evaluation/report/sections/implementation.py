"""Section "implementation success": every table and figure comes from
:mod:`evaluation.implementation`; this module only arranges them."""

from __future__ import annotations

from ..context import Context
from ..document import Heading, Paragraph, Section

MODULE = "implementation"


def build(ctx: Context) -> Section:
    t = ctx.t
    sec = Section("implementation", t("Umsetzungserfolg", "Implementation success"))
    study = ctx.study
    cfg = ctx.config.implementation
    success = cfg.success
    word = {
        "implemented": t("umgesetzt", "implemented"),
        "at_least_partial": t("mindestens teilweise umgesetzt", "at least partially implemented"),
    }[success]
    sec.add(
        Paragraph(
            t(
                f"Als Erfolg gilt eine Maßnahme, die im letzten Bericht der Umsetzungsphase als "
                f"„{word}“ gemeldet ist. Maßnahmen einer Kommune hängen zusammen; die "
                "Intervalle berücksichtigen das, wo angegeben.",
                f"A measure counts as a success when the last report of the implementation phase "
                f"gives it as '{word}'. Measures of one municipality are related; the intervals "
                "take this into account where stated.",
            )
        )
    )

    sec.add(Heading(t("Umsetzungsquoten je Handlungsfeld", "Implementation rates by action field")))
    ctx.step("implementation: rates")
    rates = ctx.call(
        sec,
        MODULE,
        "implementation_rates",
        t("Umsetzungsquoten", "Implementation rates"),
        study,
        by=["action_field"],
        success=success,
    )
    ctx.add_result(
        sec,
        rates,
        "implementation_rates",
        t("Umsetzungsquoten je Handlungsfeld", "Implementation rates by action field"),
    )

    sec.add(Heading(t("Verlauf über die Berichte", "Progression over the reports")))
    ctx.step("implementation: progression")
    prog = ctx.call(
        sec, MODULE, "status_progression", t("Statusverlauf", "Status progression"), study
    )
    ctx.add_result(
        sec,
        prog,
        "implementation_progression",
        t("Status je Handlungsfeld und Bericht", "Status by action field and report"),
    )
    trans = ctx.call(
        sec, MODULE, "status_transitions", t("Statusübergänge", "Status transitions"), study
    )
    ctx.add_result(
        sec,
        trans,
        "implementation_transitions",
        t(
            "Übergänge zwischen aufeinanderfolgenden Berichten",
            "Transitions between consecutive reports",
        ),
        plot=False,
    )

    sec.add(
        Heading(
            t(
                "Vorher und nachher, Erst- und Re-Audit",
                "Before and after, first audit and re-audit",
            )
        )
    )
    ctx.step("implementation: before/after")
    ba = ctx.call(
        sec,
        MODULE,
        "before_after_implementation",
        t("Vorher-nachher-Vergleich", "Before/after comparison"),
        study,
        success=success,
    )
    ctx.add_result(
        sec,
        ba,
        "implementation_before_after",
        t(
            "Anteil umgesetzt: erster gegen letzten Bericht",
            "Share implemented: first against last report",
        ),
    )
    cyc = ctx.call(
        sec,
        MODULE,
        "cycle_comparison",
        t("Erst- gegen Re-Audit", "First audit against re-audit"),
        study,
        success=success,
    )
    ctx.add_result(
        sec,
        cyc,
        "implementation_cycles",
        t("Erst-Audit gegen Re-Audit", "First audit against re-audit"),
    )

    sec.add(
        Heading(t("Unterschiede zwischen Handlungsfeldern", "Differences between action fields"))
    )
    ctx.step("implementation: field differences")
    diff = ctx.call(
        sec,
        MODULE,
        "field_differences",
        t("Unterschiede zwischen Handlungsfeldern", "Field differences"),
        study,
        success=success,
    )
    ctx.add_result(
        sec,
        diff,
        "implementation_field_differences",
        t("Paarweise Vergleiche der Handlungsfelder", "Pairwise comparisons of fields"),
        plot=False,
    )

    sec.add(Heading(t("Modell des Umsetzungserfolgs", "Model of implementation success")))
    ctx.step("implementation: model")
    covs = [c for c in cfg.model_covariates]
    model = ctx.call(
        sec,
        MODULE,
        "implementation_model",
        t("Modell", "Model"),
        study,
        covariates=covs,
        success=success,
    )
    ctx.add_result(
        sec,
        model,
        "implementation_model",
        t(
            "Logistisches Modell (GEE, Cluster Kommune)",
            "Logistic model (GEE, clustered by municipality)",
        ),
    )

    sec.add(Heading(t("Zeit bis zur Umsetzung", "Time to implementation")))
    ctx.step("implementation: time to implementation")
    tti = ctx.call(
        sec,
        MODULE,
        "time_to_implementation",
        t("Zeit bis zur Umsetzung", "Time to implementation"),
        study,
        by="action_field",
    )
    ctx.add_result(
        sec,
        tti,
        "implementation_time",
        t("Zeit bis zur Umsetzung je Handlungsfeld", "Time to implementation by action field"),
    )
    return sec
