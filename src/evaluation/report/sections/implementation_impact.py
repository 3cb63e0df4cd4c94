"""Section "implementation and impact": the audit's impact logic (which action field is
expected to move which indicator), the implementation intensity per field, and for each
indicator with a linked field the effects by intensity group, the dose-response curve and, when
certificates lapsed, the exit analysis.

Every number comes from :mod:`evaluation.report.linked`; this module only arranges them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...i18n import Text, number, plural
from ..context import Context
from ..document import Group, Heading, Note, Paragraph, ReportTable, Section
from ..linked import MIN_COHORT_UNITS, ImplementationImpact, Linked, implementation_impact

TITLE = Text("Umsetzung und Wirkung", "Implementation and impact")
INTRO = Text(
    "Die Wirkungslogik des Audits verbindet seine beiden Hälften: Maßnahmen eines "
    "Handlungsfelds sollen bestimmte Indikatoren bewegen. Die Tabelle prüft je Indikator, ob "
    "die Effekte dort größer sind, wo die Kommunen mehr Maßnahmen des verknüpften "
    "Handlungsfelds umgesetzt haben, und was geschieht, wenn ein Zertifikat ohne Re-Audit "
    "ausläuft; Grafiken und Tabellen je Indikator stehen im Anhang.",
    "The audit's impact logic links its two halves: the measures of an action field are meant "
    "to move certain indicators. The table checks per indicator whether the effects are larger "
    "where the municipalities implemented more measures of the linked field, and what happens "
    "when a certificate lapses without a re-audit; figures and tables per indicator are in "
    "the appendix.",
)
CAVEAT = Text(
    "Was das zeigen kann und was nicht: Die Umsetzungsintensität wählt jede Kommune selbst, "
    "sie ist nicht zugeteilt; wer viel umsetzt, kann sich auch sonst unterscheiden "
    "(Verwaltungskraft, Haushalt, Engagement). Der Effekt je Gruppe braucht nur parallele "
    "Trends; ein Unterschied zwischen den Gruppen oder eine steigende Dosis-Wirkungs-Kurve "
    "zeigt, wo die Effekte größer sind, und nur unter starken parallelen Trends, was mehr "
    "Umsetzung bewirken würde. Kein Unterschied heißt nicht, dass die Umsetzung gleichgültig "
    "ist: mit wenigen Kommunen je Gruppe sind die Tests schwach.",
    "What this can and cannot show: each municipality chooses its implementation intensity; it "
    "is not assigned, and those that implement much may differ in other ways too "
    "(administrative capacity, budget, commitment). The effect of each group needs only "
    "parallel trends; a difference between the groups, or a rising dose-response curve, shows "
    "where effects are larger, and only under strong parallel trends what more implementation "
    "would cause. No difference does not mean that implementation does not matter: with few "
    "municipalities per group the tests are weak.",
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
LOGIC_TEXT = Text(
    "Wirkungslogik: Der Indikatorenkatalog verknüpft {linked} mit einem Handlungsfeld (in der "
    "Tabelle mit erwarteter Richtung und Verzögerung in Jahren nach der Zertifizierung); "
    "Kontextindikator ohne Handlungsfeld: {context}. Die Umsetzungsintensität ist der Anteil "
    "der vereinbarten Maßnahmen des Felds, die am Ende der Umsetzungsphase umgesetzt sind "
    "(beide Tabellen als Datei).",
    "Impact logic: the indicator catalogue links {linked} to an action field (in the table "
    "with the expected direction and lag in years after certification); context indicator "
    "without a field: {context}. The implementation intensity is the share of the field's "
    "agreed measures implemented at the end of the implementation phase (both tables as "
    "files).",
)
LINKED_ONE = Text("{n} Indikator", "{n} indicator")
LINKED_MANY = Text("{n} Indikatoren", "{n} indicators")
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
    "{exits} ohne rechtzeitiges Re-Audit aus. Für den Effekt des Auslaufens beginnen alle "
    "auditierten Kommunen ab ihrer Zertifizierung mit einem Zertifikat in Kraft; Kommunen, "
    "deren Zertifikat ausläuft, werden mit den im selben Jahr zertifizierten und noch "
    "zertifizierten Kommunen verglichen (de Chaisemartin & D'Haultfœuille), sodass beide "
    "gleich lange im Audit sind.",
    "{exits} without a re-audit in time. For the effect of the lapse every audited "
    "municipality starts with a certificate in force from its certification on; "
    "municipalities whose certificate lapses are compared with those certified in the same "
    "year and still certified (de Chaisemartin & D'Haultfœuille), so that both have been in "
    "the audit equally long.",
)
EXITS_TABLE = Text(
    "Behandlung ist hier „Zertifikat ausgelaufen“: Die Wechsler (Einstieg) sind die Kommunen, "
    "deren Zertifikat auslief, gezählt ab ihrer Zertifizierung; die Jahre seit Beginn zählen "
    "ab dem Auslaufen (1 = Jahr des Auslaufens); verglichen wird mit den im selben Jahr "
    "zertifizierten Kommunen, deren Zertifikat noch gilt.",
    "The treatment here is 'certificate lapsed': the switchers (in) are the municipalities "
    "whose certificate lapsed, followed from their certification on; the years since onset "
    "count from the lapse (1 = year of the lapse); the comparison is with the municipalities "
    "certified in the same year whose certificate is still in force.",
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


SUMMARY = Text("Umsetzung und Wirkung je Indikator", "Implementation and impact by indicator")
SUMMARY_NOTE = Text(
    "Gesamteffekt (Callaway & Sant'Anna) der Gruppen {groups} umgesetzter Maßnahmen im Feld, "
    "mit dem p-Wert des Tests gleicher Effekte; Dosis-Wirkung: mittlere kausale Reaktion "
    "(ACRT) der stetigen DiD (Änderung des Effekts, stiege der umgesetzte Anteil von 0 auf 1; braucht starke "
    "parallele Trends); Auslaufen: Effekt im Jahr, in dem das Zertifikat auslief; "
    "95-%-Intervalle in eckigen Klammern; „belegt“: Intervall ohne 0 bzw. p < 0,05. Grafiken "
    "und Tabellen je Indikator im Anhang „Umsetzung und Wirkung je Indikator“.",
    "Overall effect (Callaway & Sant'Anna) of the groups {groups} of measures implemented in "
    "the field, with the p-value of the test of equal effects; dose response: average causal "
    "response (ACRT) of the continuous DiD (the change of the effect if the share implemented rose from 0 to "
    "1; needs strong parallel trends); lapse: effect in the year the certificate lapsed; 95% "
    "intervals in square brackets; 'shown': interval without 0 or p < 0.05. Figures and "
    "tables per indicator in the appendix 'Implementation and impact per indicator'.",
)
HEADERS = {
    "label": Text("Indikator", "Indicator"),
    "field": Text("Handlungsfeld", "Action field"),
    "expected": Text("erwartet", "Expected"),
    "low_text": Text("Effekt, wenig umgesetzt", "Effect, little implemented"),
    "high_text": Text("Effekt, viel umgesetzt", "Effect, much implemented"),
    "p_text": Text("p gleich", "p equal"),
    "acrt_text": Text("Dosis-Wirkung", "Dose response"),
    "exit_text": Text("Auslaufen, 1. Jahr", "Lapse, year 1"),
    "reading": Text("Lesart", "Reading"),
}
LAG = Text("{direction}, ab Jahr {lag}", "{direction}, from year {lag}")
READ_GROUPS = Text("Gruppen verschieden", "groups differ")
READ_NO_GROUPS = Text("kein Gruppenunterschied belegt", "no group difference shown")
READ_UP = Text("Dosis: steigend", "dose: rising")
READ_DOWN = Text("Dosis: fallend", "dose: falling")
READ_EXIT = Text("Auslaufen: Effekt belegt", "lapse: effect shown")
READ_NO_EXIT = Text("Auslaufen: kein Effekt belegt", "lapse: no effect shown")
READ_NONE = Text("nicht schätzbar", "not estimable")
APPENDIX = Text(
    "Anhang: Umsetzung und Wirkung je Indikator",
    "Appendix: implementation and impact per indicator",
)
APPENDIX_INTRO = Text(
    "Die Tabellen und Grafiken hinter der Übersicht des Abschnitts „Umsetzung und Wirkung“: "
    "je Indikator die Effekte nach Intensitätsgruppe, die Dosis-Wirkungs-Kurve und die "
    "Ereignisstudie des Auslaufens.",
    "The tables and figures behind the overview of the section 'Implementation and impact': "
    "per indicator the effects by intensity group, the dose-response curve and the event "
    "study of the lapse.",
)


def build(ctx: Context) -> Section:
    """The section "implementation and impact": in the main body one overview table of all
    linked indicators; the material per indicator in the appendix (:func:`appendix`), or in
    the section itself when the report has no appendix of details."""
    sec = Section("implementation_impact", ctx.tr(TITLE))
    res = implementation_impact(ctx)
    if not res.logic["action_field"].notna().any():
        sec.add(Note(ctx.tr(NO_LOGIC), "info"))
        if len(res.logic):
            _logic_table(ctx, sec, res)
        return sec
    sec.add(Paragraph(ctx.tr(INTRO)), Paragraph(ctx.tr(CAVEAT)))
    n_linked = int(res.logic["action_field"].notna().sum())
    context = res.logic.loc[res.logic["action_field"].isna(), "label"].tolist()
    linked = plural(n_linked, LINKED_ONE, LINKED_MANY, ctx.lang)
    text = LOGIC_TEXT.format(linked=linked, context=", ".join(context) or "–")
    sec.add(Paragraph(ctx.tr(text)))
    _logic_table(ctx, sec, res, show=False)
    if res.intensity is not None:
        ctx.add_result(
            sec,
            res.intensity,
            "implementation_impact_intensity",
            INTENSITY,
            show=False,
            plot=False,
            facts=False,
        )
    if res.status is not None and res.n_exits == 0:
        sec.add(Paragraph(ctx.tr(NO_EXITS)))
    elif res.n_exits > 0:
        exits = plural(res.n_exits, EXIT_ONE, EXIT_MANY, ctx.lang)
        sec.add(Paragraph(ctx.tr(EXITS_TEXT.format(exits=exits))))
    # what failed is said here; the estimators' remarks stay with the detail in the appendix
    notes = [res.notes, *(a.notes for a in res.linked)]
    _notes(sec, *notes, info=False)
    sec.add(
        ReportTable(
            "implementation_impact_summary",
            ctx.tr(SUMMARY),
            summary_table(ctx, res),
            (ctx.tr(SUMMARY_NOTE.format(groups=_group_names(ctx, res))),),
            columns=tuple(HEADERS),
            headers=HEADERS,
        )
    )
    if "details" not in ctx.config.report.sections:
        _per_indicator(ctx, sec, res)
    return sec


def appendix(ctx: Context) -> Group | None:
    """The material per indicator (for the appendix of details), or None without linked
    indicators."""
    res = implementation_impact(ctx)
    if not res.linked:
        return None
    g = Group("details-implementation-impact", ctx.tr(APPENDIX))
    g.add(Paragraph(ctx.tr(APPENDIX_INTRO)))
    if res.intensity is not None:
        g.add(Heading(ctx.tr(INTENSITY), level=4))
        target: Any = g  # a group takes the blocks of a section
        ctx.add_plot(target, res.intensity, "implementation_impact_intensity", INTENSITY)
    _per_indicator(ctx, g, res)
    return g


def _per_indicator(ctx: Context, sec: Any, res: ImplementationImpact) -> None:
    for a in res.linked:
        ctx.scope = a.indicator
        try:
            ctx.guard(sec, a.label, indicator_block, ctx, sec, res, a)
        finally:
            ctx.scope = ""


def _row(result: Any, column: str, value: Any) -> pd.Series | None:
    if result is None:
        return None
    t = result.tidy()
    t = t[t[column] == value]
    return t.iloc[0] if len(t) else None


#: decimals of the overview table (its cells hold several numbers)
DIGITS = 2


def _interval(ctx: Context, row: pd.Series | None) -> str:
    if row is None or pd.isna(row["estimate"]):
        return "–"
    d = DIGITS
    est, lo, hi = (number(float(row[c]), ctx.lang, d) for c in ("estimate", "ci_low", "ci_high"))
    return f"{est} [{lo}; {hi}]"


def _excludes_zero(row: pd.Series | None) -> bool | None:
    if row is None or pd.isna(row["ci_low"]):
        return None
    return bool(row["ci_low"] > 0 or row["ci_high"] < 0)


def _group_names(ctx: Context, res: ImplementationImpact) -> str:
    """The readable labels of the intensity groups (their keys where a label is missing)."""
    for a in res.linked:
        if a.heterogeneity is not None:
            labs = getattr(a.heterogeneity, "labels", {}) or {}
            keys = [str(x) for x in a.heterogeneity.tidy()["group"]]
            return " / ".join(ctx.tr(labs[k]) if k in labs else k for k in keys)
    return "–"


def summary_table(ctx: Context, res: ImplementationImpact) -> pd.DataFrame:
    """One row per linked indicator: the numbers of its analyses (estimates, intervals,
    p-value; the CSV keeps them as numbers) and their display text with a plain reading."""
    from ...codes import labels

    fields = labels("action_fields", ctx.lang)
    directions = labels("directions", ctx.lang)
    logic = res.logic.set_index("indicator")
    d = DIGITS
    rows = []
    for a in res.linked:
        lg = logic.loc[a.indicator]
        direction = lg["expected_direction"]
        expected = directions.get(str(direction), "–") if pd.notna(direction) else "–"
        if pd.notna(lg["expected_lag"]):
            expected = ctx.tr(LAG.format(direction=expected, lag=str(int(lg["expected_lag"]))))
        row: dict[str, Any] = {
            "indicator": a.indicator,
            "label": a.label,
            "field": fields.get(a.field, a.field),
            "expected": expected,
        }
        reading = []
        h = a.heterogeneity
        if h is not None:
            g = h.tidy()
            row["groups"] = " | ".join(str(x) for x in g["group"])
            row["group_estimates"] = " | ".join(repr(float(x)) for x in g["estimate"])
            # the groups in their order: the first has the least, the last the most
            for key, i in (("low", 0), ("high", len(g) - 1)):
                row[f"{key}_group"] = str(g["group"].iloc[i])
                row[f"{key}_estimate"] = float(g["estimate"].iloc[i])
                row[f"{key}_text"] = number(float(g["estimate"].iloc[i]), ctx.lang, d)
            p = float(h.test.p_value)
            row["p_equal"] = p
            row["p_text"] = number(p, ctx.lang, 3)
            reading.append(READ_GROUPS if p < 0.05 else READ_NO_GROUPS)
        else:
            row["low_text"] = row["high_text"] = row["p_text"] = "–"
        acrt = _row(a.dose_response, "parameter", "acrt_overall")
        if acrt is not None:
            row |= {f"acrt_{c}": float(acrt[c]) for c in ("estimate", "ci_low", "ci_high")}
            if _excludes_zero(acrt):
                reading.append(READ_UP if acrt["estimate"] > 0 else READ_DOWN)
        row["acrt_text"] = _interval(ctx, acrt)
        ex = _row(a.exits, "event_time", 1)
        if ex is not None:
            row |= {f"exit_{c}": float(ex[c]) for c in ("estimate", "ci_low", "ci_high")}
            lapse = _excludes_zero(ex)
            if lapse is not None:
                reading.append(READ_EXIT if lapse else READ_NO_EXIT)
        row["exit_text"] = _interval(ctx, ex) if res.n_exits > 0 else "–"
        row["reading"] = "; ".join(ctx.tr(t) for t in reading) or ctx.tr(READ_NONE)
        rows.append(row)
    return pd.DataFrame(rows)


def _logic_table(
    ctx: Context,
    sec: Any,
    res: ImplementationImpact,
    show: bool | None = None,
    name: str = "implementation_impact_logic",
) -> None:
    t = res.logic.copy()
    t["action_field"] = (
        t["action_field"].astype(object).where(t["action_field"].notna(), ctx.tr(FIELD_NONE))
    )
    sec.add(
        ReportTable(
            name,
            ctx.tr(LOGIC),
            t,
            (ctx.tr(LOGIC_NOTE),),
            columns=("label", "action_field", "expected_direction", "expected_lag"),
            headers={"label": ctx.tr(Text("Indikator", "Indicator"))},
            show=show,
        )
    )


def _notes(sec: Any, *groups: Section, info: bool = True) -> None:
    """The notes of the analyses, each text once; without ``info`` only those saying that
    something failed or is missing."""
    seen: set[str] = set()
    for group in groups:
        for b in group.blocks:
            if isinstance(b, Note) and (info or b.level != "info") and b.text not in seen:
                seen.add(b.text)
                sec.add(b)


def indicator_block(ctx: Context, sec: Any, res: ImplementationImpact, a: Linked) -> None:
    """The part of one indicator with a linked field."""
    from ...codes import labels

    field = labels("action_fields", ctx.lang).get(a.field, a.field)
    sec.add(Heading(ctx.tr(BY_GROUP.format(label=a.label, field=field)), level=3))
    if "details" in ctx.config.report.sections:
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
        sec.add(Heading(ctx.tr(EXITS.format(label=a.label)), level=4))
        sec.add(Paragraph(ctx.tr(EXITS_TABLE)))
        ctx.add_result(
            sec, a.exits, f"implementation_impact_{a.key}_exits", EXITS.format(label=a.label)
        )
