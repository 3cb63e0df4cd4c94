"""Section "implementation and impact": the audit's impact logic (which action field is
expected to move which indicator), the implementation intensity per field, and for each
indicator with a linked field the effects by intensity group, the dose-response curve and, when
certificates lapsed, the exit analysis.

Every number comes from :mod:`evaluation.report.linked`; this module only arranges them.
"""

from __future__ import annotations

from ...i18n import Text, number, plural
from ..context import Context
from ..document import Heading, Note, Paragraph, ReportTable, Section
from ..linked import MIN_COHORT_UNITS, ImplementationImpact, Linked, implementation_impact

TITLE = Text("Umsetzung und Wirkung", "Implementation and impact")
INTRO = Text(
    "Die Wirkungslogik des Audits verbindet seine beiden Hälften: Maßnahmen eines "
    "Handlungsfelds sollen bestimmte Indikatoren bewegen. Dieser Abschnitt prüft, ob die "
    "Effekte dort größer sind, wo die Kommunen mehr Maßnahmen des verknüpften Handlungsfelds "
    "umgesetzt haben, und was geschieht, wenn ein Zertifikat ohne Re-Audit ausläuft.",
    "The audit's impact logic links its two halves: the measures of an action field are meant "
    "to move certain indicators. This section checks whether the effects are larger where the "
    "municipalities implemented more measures of the linked field, and what happens when a "
    "certificate lapses without a re-audit.",
)
CAVEAT = Text(
    "Was das zeigen kann und was nicht: Die Umsetzungsintensität wählt jede Kommune selbst, "
    "sie ist nicht zugeteilt. Kommunen, die viel umsetzen, können sich auch sonst von den "
    "anderen unterscheiden (Verwaltungskraft, Haushalt, Engagement). Ein Unterschied zwischen "
    "den Intensitätsgruppen oder eine steigende Dosis-Wirkungs-Kurve zeigt deshalb, wo die "
    "Effekte größer sind, nicht sicher, was mehr Umsetzung bewirken würde; dafür braucht es "
    "die stärkere Annahme, dass Kommunen mit wenig Umsetzung auf mehr Umsetzung so reagiert "
    "hätten wie die anderen (starke parallele Trends). Der Effekt je Gruppe selbst braucht nur "
    "die üblichen parallelen Trends. Kein Unterschied heißt nicht, dass die Umsetzung "
    "gleichgültig ist: mit wenigen Kommunen je Gruppe sind die Tests schwach.",
    "What this can and cannot show: each municipality chooses its implementation intensity; it "
    "is not assigned. Municipalities that implement much may differ from the others in other "
    "ways too (administrative capacity, budget, commitment). A difference between the "
    "intensity groups, or a rising dose-response curve, therefore shows where effects are "
    "larger, not for certain what more implementation would cause; that needs the stronger "
    "assumption that municipalities with little implementation would have reacted to more "
    "implementation like the others (strong parallel trends). The effect of each group itself "
    "needs only the usual parallel trends. No difference does not mean that implementation does "
    "not matter: with few municipalities per group the tests are weak.",
)
NO_LOGIC = Text(
    "Der Indikatorenkatalog verknüpft keinen der analysierten Indikatoren mit einem "
    "Handlungsfeld (Spalte action_field); der Abschnitt entfällt. Tragen Sie die Wirkungslogik "
    "im Katalog ein (action_field, expected_direction, expected_lag), um die Effekte nach "
    "Umsetzungsintensität zu schätzen.",
    "The indicator catalogue links none of the analysed indicators to an action field (column "
    "action_field); the section is skipped. Enter the impact logic in the catalogue "
    "(action_field, expected_direction, expected_lag) to estimate the effects by "
    "implementation intensity.",
)
LOGIC = Text("Wirkungslogik", "Impact logic")
LOGIC_NOTE = Text(
    "Aus dem Indikatorenkatalog: das Handlungsfeld, dessen Maßnahmen den Indikator bewegen "
    "sollen, die erwartete Richtung und die erwartete Verzögerung in Jahren nach der "
    "Zertifizierung; ohne Handlungsfeld ein Kontextindikator.",
    "From the indicator catalogue: the action field whose measures are meant to move the "
    "indicator, the expected direction and the expected lag in years after certification; "
    "without a field, a context indicator.",
)
INTENSITY = Text(
    "Umsetzungsintensität je Handlungsfeld", "Implementation intensity by action field"
)
INTENSITY_TEXT = Text(
    "Anteil der vereinbarten Maßnahmen, die am Ende der Umsetzungsphase umgesetzt sind, je "
    "Kommune und Handlungsfeld (die Tabelle je Kommune ist als Datei beigefügt).",
    "Share of agreed measures implemented at the end of the implementation phase, per "
    "municipality and action field (the table per municipality is attached as a file).",
)
BY_GROUP = Text(
    "{label}: Effekte nach Umsetzung im Feld „{field}“",
    "{label}: effects by implementation in the field '{field}'",
)
BY_GROUP_TEXT = Text(
    "Gesamteffekt (Callaway & Sant'Anna, gegen nie auditierte Kommunen) getrennt für Kommunen, "
    "die höchstens die Hälfte, und solche, die mehr als die Hälfte der Maßnahmen im Feld "
    "„{field}“ umgesetzt haben, mit dem Test gleicher Effekte.",
    "Overall effect (Callaway & Sant'Anna, against never-audited units) separately for "
    "municipalities that implemented at most half and those that implemented more than half of "
    "the measures in the field '{field}', with the test of equal effects.",
)
TEST = Text("{label}: Test gleicher Effekte", "{label}: test of equal effects")
DOSE = Text("{label}: Dosis-Wirkungs-Kurve", "{label}: dose-response curve")
DOSE_TEXT = Text(
    "Der Effekt in Abhängigkeit vom umgesetzten Anteil (Dosis) nach Callaway, Goodman-Bacon "
    "& Sant'Anna, als Gerade geschätzt, mit gleichmäßigen Bändern.",
    "The effect as a function of the share implemented (dose) after Callaway, Goodman-Bacon & "
    "Sant'Anna, estimated as a straight line, with uniform bands.",
)
EXITS = Text("{label}: Auslaufen des Zertifikats", "{label}: lapsed certificates")
EXITS_TEXT = Text(
    "{exits} ohne rechtzeitiges Re-Audit aus. Die Ereignisstudie nach de Chaisemartin & "
    "D'Haultfœuille vergleicht Kommunen ab dem ersten Wechsel ihres Status „Zertifikat in "
    "Kraft“ mit Kommunen, deren Status bis dahin gleich blieb; der Effekt l Jahre nach dem "
    "Wechsel schließt ein späteres Auslaufen des Zertifikats ein. Negative Ereigniszeiten sind "
    "Placebos vor dem Wechsel.",
    "{exits} without a re-audit in time. The event study of de Chaisemartin & D'Haultfœuille "
    "compares municipalities from the first switch of their status 'certificate in force' with "
    "municipalities whose status stayed the same until then; the effect l years after the "
    "switch includes a later lapse of the certificate. Negative event times are placebos "
    "before the switch.",
)
EXIT_ONE = Text("{n} Zertifikat lief", "{n} certificate lapsed")
EXIT_MANY = Text("{n} Zertifikate liefen", "{n} certificates lapsed")
NO_EXITS = Text(
    "Kein Zertifikat ist ohne rechtzeitiges Re-Audit ausgelaufen; eine Austrittsanalyse entfällt.",
    "No certificate lapsed without a re-audit in time; there is no exit analysis.",
)
LEFT_OUT = Text(
    "Ausgelassen: {n} auditierte Kommune(n) ohne Maßnahmen im Feld.",
    "Left out: {n} audited unit(s) without measures in the field.",
)
LEFT_OUT_DOSE = Text(
    "Für die Dosis-Wirkungs-Kurve zusätzlich ausgelassen: {gaps} auditierte Kommune(n) mit "
    "fehlenden Jahren (das Verfahren braucht ein vollständiges Panel), {zero} ohne umgesetzte "
    "Maßnahme im Feld (Dosis 0) und {units} aus {cohorts} Kohorte(n) mit weniger als {min} "
    "Kommunen oder nur einem Anteil (zu klein für die Gerade je Kohorte). Die Kurve gilt für "
    "die übrigen Kohorten.",
    "Also left out of the dose-response curve: {gaps} audited unit(s) with missing years (the "
    "method needs a complete panel), {zero} without an implemented measure in the field (dose "
    "0) and {units} of {cohorts} cohort(s) with fewer than {min} units or a single share (too "
    "small for the line per cohort). The curve holds for the remaining cohorts.",
)
FIELD_NONE = Text("– (Kontext)", "– (context)")


def build(ctx: Context) -> Section:
    """The section "implementation and impact"."""
    sec = Section("implementation_impact", ctx.tr(TITLE))
    res = implementation_impact(ctx)
    if not res.logic["action_field"].notna().any():
        sec.add(Note(ctx.tr(NO_LOGIC), "info"))
        if len(res.logic):
            _logic_table(ctx, sec, res)
        return sec
    sec.add(Paragraph(ctx.tr(INTRO)), Paragraph(ctx.tr(CAVEAT)))
    sec.add(Heading(ctx.tr(LOGIC), level=3))
    _logic_table(ctx, sec, res)
    _notes(sec, res.notes)
    if res.intensity is not None:
        sec.add(Heading(ctx.tr(INTENSITY), level=3), Paragraph(ctx.tr(INTENSITY_TEXT)))
        ctx.add_result(sec, res.intensity, "implementation_impact_intensity", INTENSITY, show=False)
    if res.status is not None and res.n_exits == 0:
        sec.add(Paragraph(ctx.tr(NO_EXITS)))
    for a in res.linked:
        ctx.scope = a.indicator
        try:
            ctx.guard(sec, a.label, indicator_block, ctx, sec, res, a)
        finally:
            ctx.scope = ""
    return sec


def _logic_table(ctx: Context, sec: Section, res: ImplementationImpact) -> None:
    t = res.logic.copy()
    t["action_field"] = (
        t["action_field"].astype(object).where(t["action_field"].notna(), ctx.tr(FIELD_NONE))
    )
    sec.add(
        ReportTable(
            "implementation_impact_logic",
            ctx.tr(LOGIC),
            t,
            (ctx.tr(LOGIC_NOTE),),
            columns=("label", "action_field", "expected_direction", "expected_lag"),
            headers={"label": ctx.tr(Text("Indikator", "Indicator"))},
        )
    )


def _notes(sec: Section, group: Section) -> None:
    sec.add(*(b for b in group.blocks if isinstance(b, Note)))


def indicator_block(ctx: Context, sec: Section, res: ImplementationImpact, a: Linked) -> None:
    """The part of one indicator with a linked field."""
    from ...codes import labels

    field = labels("action_fields", ctx.lang).get(a.field, a.field)
    sec.add(Heading(ctx.tr(BY_GROUP.format(label=a.label, field=field)), level=3))
    _notes(sec, a.notes)
    if a.n_no_measures:
        sec.add(Paragraph(ctx.tr(LEFT_OUT.format(n=number(a.n_no_measures, ctx.lang)))))
    if a.heterogeneity is not None:
        sec.add(Paragraph(ctx.tr(BY_GROUP_TEXT.format(field=field))))
        ctx.add_result(
            sec,
            a.heterogeneity,
            f"implementation_impact_{a.key}_groups",
            BY_GROUP.format(label=a.label, field=field),
        )
        ctx.add_result(
            sec,
            a.heterogeneity.test,
            f"implementation_impact_{a.key}_test",
            TEST.format(label=a.label),
            plot=False,
            facts=False,
        )
    if a.dose_response is not None:
        sec.add(Heading(ctx.tr(DOSE.format(label=a.label)), level=4))
        sec.add(Paragraph(ctx.tr(DOSE_TEXT)))
        if a.n_gaps or a.n_zero_dose or a.n_small_units:
            n = {
                k: number(v, ctx.lang)
                for k, v in (
                    ("gaps", a.n_gaps),
                    ("zero", a.n_zero_dose),
                    ("units", a.n_small_units),
                    ("cohorts", a.n_small_cohorts),
                    ("min", MIN_COHORT_UNITS),
                )
            }
            sec.add(Paragraph(ctx.tr(LEFT_OUT_DOSE.format(**n))))
        ctx.add_result(
            sec,
            a.dose_response,
            f"implementation_impact_{a.key}_dose",
            DOSE.format(label=a.label),
            show=False,
        )
    if a.exits is not None:
        exits = plural(res.n_exits, EXIT_ONE, EXIT_MANY, ctx.lang)
        sec.add(Heading(ctx.tr(EXITS.format(label=a.label)), level=4))
        sec.add(Paragraph(ctx.tr(EXITS_TEXT.format(exits=exits))))
        ctx.add_result(
            sec, a.exits, f"implementation_impact_{a.key}_exits", EXITS.format(label=a.label)
        )
