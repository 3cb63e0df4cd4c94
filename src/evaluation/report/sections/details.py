"""Appendix "details per indicator": for each indicator the tables and figures of every design
that ran (event studies, cohort effects, pre-tests, sensitivity, Bacon decomposition,
randomisation inference, matching balance), declared as steps. In HTML each indicator is a
block the reader can fold away."""

from __future__ import annotations

from typing import Any

from ...i18n import Text, number
from ...staggered.compare import ESTIMATOR_NAMES
from .. import inputs
from ..analyses import IndicatorAnalysis, all_analyses
from ..context import Context, result_notes
from ..document import Heading, Paragraph, ReportTable, Section
from ..steps import Step, run_steps
from . import implementation

TITLE = Text("Anhang: Einzelheiten je Indikator", "Appendix: details per indicator")
INTRO = Text(
    "Die Tabellen und Grafiken jedes Verfahrens, je Indikator; im HTML-Bericht lassen sich "
    "die Blöcke auf- und zuklappen. Am Ende die Tabellen des Umsetzungsteils, die im "
    "Hauptteil nur verlinkt sind.",
    "The tables and figures of every method, per indicator; in the HTML report the blocks can "
    "be opened and closed. At the end the tables of the implementation part that the main "
    "body only links.",
)
IMPLEMENTATION = Text("Umsetzungserfolg: weitere Tabellen", "Implementation success: more tables")
EXCLUDED = Text(
    "Vom Hauptschätzer ausgelassene Einheiten", "Units left out by the primary estimator"
)


#: the detail of one indicator, in order: (name, heading, caption, plot?); a step without a
#: heading (None) is shown under the heading of the step before it
DETAILS: tuple[tuple[str, Text | None, Text, bool], ...] = (
    (
        "before_after",
        Text("Vorher und nachher (nur auditierte Kommunen)", "Before and after (audited only)"),
        Text("Mittelwert vor und nach Beginn", "Mean before and after onset"),
        False,
    ),
    (
        "twfe",
        Text("Zwei-Wege-Fixed-Effects", "Two-way fixed effects"),
        Text("TWFE-Schätzung", "TWFE estimate"),
        False,
    ),
    (
        "event_study",
        Text("Ereignisstudie (TWFE)", "Event study (TWFE)"),
        Text(
            "Dynamische TWFE-Effekte relativ zum Beginn",
            "Dynamic TWFE effects relative to onset",
        ),
        True,
    ),
    (
        "event_study_pretest",
        None,
        Text("Vortest der Ereignisstudie", "Pre-test of the event study"),
        False,
    ),
    (
        "att_dynamic",
        Text(
            "Callaway & Sant'Anna: Effekte nach Ereigniszeit",
            "Callaway & Sant'Anna: effects by event time",
        ),
        Text("Dynamische Effekte (Ereigniszeit)", "Dynamic effects (event time)"),
        True,
    ),
    (
        "att_pretest",
        None,
        Text(
            "Vortest über die Ereigniszeiten vor dem Beginn (gepoolt)",
            "Pre-test over the event times before onset (pooled)",
        ),
        False,
    ),
    (
        "att_cohorts",
        None,
        Text("Effekte je Kohorte", "Effects by cohort"),
        False,
    ),
    (
        "sensitivity",
        Text(
            "Sensitivität gegen Abweichungen von parallelen Trends",
            "Sensitivity to violations of parallel trends",
        ),
        Text(
            "Robuste Intervalle für den Effekt im Jahr des Beginns",
            "Robust intervals for the effect in the onset year",
        ),
        False,
    ),
    (
        "sun_abraham",
        Text("Sun & Abraham", "Sun & Abraham"),
        Text("Interaktionsgewichtete Ereignisstudie", "Interaction-weighted event study"),
        False,
    ),
    (
        "bacon_by_type",
        Text("Bacon-Zerlegung", "Bacon decomposition"),
        Text(
            "Gewichte und Schätzwerte nach Vergleichstyp",
            "Weights and estimates by comparison type",
        ),
        False,
    ),
    (
        "randomization",
        Text("Randomisierungsinferenz", "Randomisation inference"),
        Text(
            "Randomisierungsinferenz (Beginnjahre permutiert)",
            "Randomisation inference (onset years permuted)",
        ),
        False,
    ),
    (
        "balance",
        Text("Gematchte Vergleichsgruppe", "Matched comparison group"),
        Text("Balance vor und nach dem Matching", "Balance before and after matching"),
        False,
    ),
)


def _steps(a: IndicatorAnalysis) -> list[Step]:
    """The declared detail of one indicator (see :data:`DETAILS`)."""
    k = f"impact_{a.key}"

    def take(value):
        return lambda ctx: value

    def pre(result):
        return lambda ctx: inputs.pretest(result) if result is not None else None

    by_type = a.bacon.by_type() if a.bacon is not None else None
    balance = a.match.balance() if a.match is not None else None
    runs = {
        "before_after": take(a.before_after),
        "twfe": take(a.twfe),
        "event_study": take(a.event_study),
        "event_study_pretest": pre(a.event_study),
        "att_dynamic": take(a.dynamic),
        "att_pretest": take(a.pretest),
        "att_cohorts": take(a.cohorts),
        "sensitivity": take(a.sensitivity),
        "sun_abraham": take(a.sun_abraham),
        "bacon_by_type": take(by_type),
        "randomization": take(a.randomization),
        "balance": take(balance),
    }
    return [
        Step(f"{k}_{name}", heading, runs[name], caption, plot=plot)
        for name, heading, caption, plot in DETAILS
    ]


ESTIMATORS_HEADING = Text(
    "Vergleich der gestaffelten Schätzer", "Comparison of staggered estimators"
)
ESTIMATORS_CAPTION = Text(
    "Effekte nach Jahren seit Beginn und Gesamteffekt jedes Schätzers (Standardfehler in Klammern)",
    "Effects by years since onset and overall effect of every estimator (standard errors in "
    "parentheses)",
)
ESTIMATORS_FIGURE = Text(
    "Ereignisstudien aller Schätzer mit 95-%-Intervallen",
    "Event studies of every estimator with 95% intervals",
)
ESTIMATORS_ALT = Text(
    "Punktdiagramm: Effekte nach Jahren seit Beginn von {n} Schätzern ({names}), leicht "
    "versetzt, mit 95-%-Intervallen; Gesamteffekte von {lo} bis {hi}.",
    "Dot plot: effects by years since onset of {n} estimators ({names}), slightly offset, "
    "with 95% intervals; overall effects from {lo} to {hi}.",
)


def estimators_block(ctx: Context, g: Any, a: IndicatorAnalysis) -> None:
    """Every staggered estimator side by side: one table (rows: years since onset and the
    overall effect; columns: estimators) and one figure with all event-study paths."""
    cmp = a.estimators
    if cmp is None:
        return
    name = f"impact_{a.key}_estimators"
    g.add(Heading(ctx.tr(ESTIMATORS_HEADING), level=4))
    g.add(
        ReportTable(
            name, ctx.tr(ESTIMATORS_CAPTION), cmp.wide(ctx.lang), result_notes(cmp, ctx.lang)
        )
    )
    o = cmp.overall()
    names = ", ".join(ctx.tr(ESTIMATOR_NAMES[c]) for c in cmp.estimators)
    lo, hi = float(o["estimate"].min()), float(o["estimate"].max())
    alt = ESTIMATORS_ALT.format(
        n=len(cmp.estimators),
        names=names,
        lo=Text(number(lo, "de", 2), number(lo, "en", 2)),
        hi=Text(number(hi, "de", 2), number(hi, "en", 2)),
    )
    ctx.add_plot(g, cmp, name + "_figure", ESTIMATORS_FIGURE, alt=alt)


def build(ctx: Context) -> Section:
    """The appendix with the detail of every indicator."""
    sec = Section("details", ctx.tr(TITLE))
    sec.add(Paragraph(ctx.tr(INTRO)))
    for a in all_analyses(ctx):
        ctx.scope = a.indicator
        try:
            g = a.group
            g.id = f"details-{a.key}"
            steps = [s for s in _steps(a) if s.run(ctx) is not None]
            # the comparison of estimators follows the estimators' own results
            cut = next((i for i, s in enumerate(steps) if s.name.endswith("_bacon_by_type")), None)
            cut = len(steps) if cut is None else cut
            run_steps(ctx, g, steps[:cut])
            estimators_block(ctx, g, a)
            run_steps(ctx, g, steps[cut:])
            ex = a.excluded
            if len(ex):
                g.add(ReportTable(f"impact_{a.key}_excluded", ctx.tr(EXCLUDED), ex, show=False))
            sec.add(g)
        finally:
            ctx.scope = ""
    if "implementation" in ctx.config.report.sections:
        from ..document import Group

        g = Group("details-implementation", ctx.tr(IMPLEMENTATION))
        run_steps(ctx, g, implementation.detail_steps(ctx))
        sec.add(g)
    if "implementation_impact" in ctx.config.report.sections:
        from . import implementation_impact

        sec.add(implementation_impact.appendix(ctx))
    return sec
