"""Section "Kurzfassung" (summary of findings), first in the report: whether the measures were
implemented in every action field, and for each indicator the primary estimate, its interval
and its evidence grade (:mod:`evaluation.evidence`), with Holm-adjusted p-values across the
indicators and the placebo indicator flagged."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ...evidence import Finding, grade_evidence
from ...i18n import Text, number, percent, signed
from ...stats import adjust_pvalues
from .. import inputs, mixed_analyses
from ..analyses import IndicatorAnalysis, all_analyses
from ..context import Context
from ..document import Heading, Note, Paragraph, ReportTable, Section
from . import implementation, mixed
from .impact import effect_unit, few_clusters_text

TITLE = Text("Kurzfassung", "Summary of findings")
IMPL_HEADING = Text("Umsetzung der Maßnahmen", "Implementation of the measures")
IMPACT_HEADING = Text("Wirkung auf die Indikatoren", "Impact on the indicators")
REPLICATES = Text(
    "In allen {k} Handlungsfeldern wurden vereinbarte Maßnahmen umgesetzt: zwischen {lo} "
    "({lo_field}) und {hi} ({hi_field}) der Maßnahmen, in jedem Feld mit einem "
    "95-%-Intervall über null (Kommunen als Cluster). Der veröffentlichte Befund "
    "„Umsetzungserfolge in jedem Handlungsfeld“ bestätigt sich auf diesen Daten.",
    "Agreed measures were implemented in all {k} action fields: between {lo} ({lo_field}) and "
    "{hi} ({hi_field}) of the measures, in every field with a 95% interval above zero "
    "(municipalities as clusters). The published finding 'implementation successes in every "
    "action field' replicates on these data.",
)
NOT_REPLICATED = Text(
    "Nicht in jedem Handlungsfeld ist ein Umsetzungserfolg belegt: in {fields} schließt das "
    "95-%-Intervall (Kommunen als Cluster) null ein. Der veröffentlichte Befund "
    "„Umsetzungserfolge in jedem Handlungsfeld“ bestätigt sich auf diesen Daten nicht.",
    "Implementation success is not shown in every action field: in {fields} the 95% interval "
    "(municipalities as clusters) includes zero. The published finding 'implementation "
    "successes in every action field' does not replicate on these data.",
)
NO_RATES = Text(
    "Die Umsetzungsquoten konnten nicht berechnet werden (siehe Abschnitt Umsetzungserfolg).",
    "The implementation rates could not be computed (see the section on implementation).",
)
SENTENCE = Text(
    "{label}: {effect} {unit} (95-%-Intervall {lo} bis {hi}); Bewertung: {grade}.",
    "{label}: {effect} {unit} (95% interval {lo} to {hi}); grade: {grade}.",
)
SENTENCE_FEW = Text(
    "{label}: {effect} {unit}; zu wenige Cluster für ein cluster-robustes Intervall; "
    "Bewertung: {grade}.",
    "{label}: {effect} {unit}; too few clusters for a cluster-robust interval; grade: {grade}.",
)
HOLM = Text(
    "p-Werte Holm-korrigiert über die Familie der {k} Hauptschätzungen der Indikatoren ohne "
    "Placebo ({family}): sie halten die Wahrscheinlichkeit, auch nur einen Effekt fälschlich "
    "zu finden, bei 5 %.",
    "p-values Holm-adjusted over the family of the {k} primary estimates of the indicators "
    "without the placebo ({family}): they keep the probability of finding even one effect "
    "wrongly at 5%.",
)
PLACEBO = Text(
    "Placebo-Indikator: {label}. Auf ihn kann das Audit nicht wirken; sein Effekt sollte null "
    "sein. {verdict}",
    "Placebo indicator: {label}. The audit cannot act on it; its effect should be zero. {verdict}",
)
PLACEBO_ZERO = Text(
    "Sein Intervall schließt null ein: das Verfahren findet hier keinen Scheineffekt.",
    "Its interval includes zero: the design finds no spurious effect here.",
)
PLACEBO_NONZERO = Text(
    "Sein Intervall schließt null aus: das Verfahren findet einen Effekt, wo keiner sein "
    "kann. Die anderen Effekte können dann ebenso Unterschiede zwischen auditierten und "
    "Vergleichskommunen sein, die nicht vom Audit kommen; ihre Bewertung ist deshalb höchstens "
    "„Hinweis“.",
    "Its interval excludes zero: the design finds an effect where there can be none. The "
    "other effects may then also be differences between audited and comparison units that do "
    "not come from the audit; their grade is therefore at most 'indication'.",
)
GRADES_NOTE = Text(
    "Die Bewertung folgt festen Regeln (Anhang Methoden: Bewertungsregeln) aus dem Vortest "
    "paralleler Trends, dem Placebo-Indikator, den Robustheitsvarianten, der Sensitivität "
    "gegen Trendabweichungen, der Zahl der Cluster und dem Anteil ausgelassener Einheiten.",
    "The grade follows fixed rules (methods appendix: grading rules) from the pre-test of "
    "parallel trends, the placebo indicator, the robustness variants, the sensitivity to "
    "trend violations, the number of clusters and the share of units left out.",
)
TABLE = Text("Hauptschätzungen und ihre Bewertung", "Primary estimates and their grades")
PLACEBO_MARK = Text(" (Placebo)", " (placebo)")


def _valid_p(a: IndicatorAnalysis) -> dict[str, float] | None:
    r = a.randomization
    if r is None:
        return None
    t = r.tidy()
    col = "ri_p_value" if "ri_p_value" in t.columns else "p_value"
    return {"p_value": float(t[col].iloc[0])} if col in t.columns else None


def _pretest(a: IndicatorAnalysis) -> Any:
    """The pre-trend test that belongs to the primary estimate."""
    if a.primary is a.simple:
        return a.pretest
    return inputs.pretest(a.event_study) if a.event_study is not None else None


def grade_of(a: IndicatorAnalysis, placebo_result: Any) -> Finding | None:
    """The evidence grade of one indicator's primary estimate."""
    p = a.primary
    if p is None:
        return None
    ex = a.excluded
    return grade_evidence(
        p,
        pretest=_pretest(a),
        variants=a.variants,
        sensitivity=a.sensitivity,
        valid_inference=_valid_p(a),
        n_treated_units=a.n_treated,
        excluded_share=(len(ex) / a.n_units) if a.n_units else None,
        placebo=a.placebo,
        placebo_result=placebo_result,
        estimators=a.estimators,
        compare_with=_robust_others(a),
    )


def _robust_others(a: IndicatorAnalysis) -> list[str]:
    """The heterogeneity-robust estimators compared with the primary estimate (all but the
    primary's own and the TWFE event study)."""
    if a.estimators is None:
        return []
    own = "att_gt" if a.primary is a.simple else None
    return [c for c in a.estimators.estimators if c not in (own, "event_study")]


def build(ctx: Context) -> Section:
    """The section "Kurzfassung"."""
    sec = Section("findings", ctx.tr(TITLE))
    if "implementation" in ctx.config.report.sections:
        sec.add(Heading(ctx.tr(IMPL_HEADING), level=3))
        rates = ctx.diagnostic(sec, IMPL_HEADING, implementation.rates, ctx)
        sec.add(Paragraph(ctx.tr(implementation_sentence(ctx, rates))))
    if "mixed_methods" in ctx.config.report.sections and ctx.study.has("goal_attainment"):
        gas = ctx.diagnostic(sec, mixed.GOALS, mixed_analyses.attainment, ctx)
        link = ctx.diagnostic(sec, mixed.GOALS, mixed_analyses.attainment_link, ctx)
        said = mixed.attainment_sentence(gas, link)
        if said is not None:
            sec.add(Paragraph(ctx.tr(said)))
    analyses = [a for a in all_analyses(ctx) if a.primary is not None]
    if not analyses:
        return sec
    sec.add(Heading(ctx.tr(IMPACT_HEADING), level=3))
    placebos = [a for a in analyses if a.placebo]
    placebo_result = placebos[0].primary if placebos else None
    findings = {a.indicator: grade_of(a, placebo_result) for a in analyses}
    family = [a for a in analyses if not a.placebo]
    holm = None
    if len(family) >= 1:
        holm = ctx.diagnostic(
            sec,
            Text("Holm-Korrektur", "Holm adjustment"),
            adjust_pvalues,
            {a.indicator: a.primary for a in family if not a.primary.few_clusters},
            "holm",
            family=", ".join(a.label for a in family),
        )
    adjusted = {}
    if holm is not None:
        t = holm.tidy()
        adjusted = dict(
            zip(t["hypothesis"].astype(str), t["p_adjusted"].astype(float), strict=True)
        )
    rows = []
    for a in analyses:
        f = findings[a.indicator]
        t = a.primary.tidy().iloc[0]
        few = bool(a.primary.few_clusters)
        rows.append(
            {
                "indicator": a.indicator,
                "label": a.label + (ctx.tr(PLACEBO_MARK) if a.placebo else ""),
                "estimate": float(t["estimate"]),
                "ci_low": math.nan if few else float(t["ci_low"]),
                "ci_high": math.nan if few else float(t["ci_high"]),
                "p_holm": adjusted.get(a.indicator, math.nan),
                "grade": ctx.tr(f.label) if f else "",
                "reasons": "; ".join(ctx.tr(r) for r in f.reasons) if f else "",
            }
        )
        sec.add(Paragraph(ctx.tr(sentence(ctx, a, f, few))))
        if few:
            sec.add(Note(ctx.tr(few_clusters_text(ctx, a)), "info"))
    table = pd.DataFrame(rows)
    notes = [ctx.tr(GRADES_NOTE)]
    if holm is not None and len(family):
        notes.append(ctx.tr(HOLM.format(k=len(family), family=", ".join(a.label for a in family))))
    sec.add(
        ReportTable(
            "findings",
            ctx.tr(TABLE),
            table,
            tuple(notes),
            columns=("label", "estimate", "ci_low", "ci_high", "p_holm", "grade", "reasons"),
        )
    )
    for a in placebos:
        f = findings[a.indicator]
        nonzero = f is not None and "interval_includes_zero" not in f.rules
        verdict = PLACEBO_NONZERO if nonzero else PLACEBO_ZERO
        sec.add(Note(ctx.tr(PLACEBO.format(label=a.label, verdict=verdict)), "info"))
    return sec


def sentence(ctx: Context, a: IndicatorAnalysis, f: Finding | None, few: bool) -> Text:
    """One plain sentence: the effect with its unit, the interval and the grade."""
    t = a.primary.tidy().iloc[0]
    values = [float(t[c]) for c in ("estimate", "ci_low", "ci_high")]
    # one decimal, more when a value that is not 0 would read as 0 (an interval "−0,2 to 0,0"
    # that in fact excludes 0)
    digits = 1
    while digits < 3 and any(v != 0 and round(v, digits) == 0 for v in values):
        digits += 1

    def both(x: float, fn=number) -> Text:
        return Text(fn(x, "de", digits), fn(x, "en", digits))

    grade = f.label if f is not None else Text("–", "–")
    if f is not None and f.reasons:
        grade = grade + Text(" (", " (") + Text("; ", "; ").join(list(f.reasons)) + Text(")", ")")
    template = SENTENCE_FEW if few else SENTENCE
    return template.format(
        label=a.label,
        effect=both(float(t["estimate"]), signed),
        unit=effect_unit(a.unit),
        lo=both(float(t["ci_low"])),
        hi=both(float(t["ci_high"])),
        grade=grade,
    )


def implementation_sentence(ctx: Context, rates: Any) -> Text:
    """Whether measures were implemented in every action field, with the numbers."""
    if rates is None:
        return NO_RATES
    t = rates.tidy()
    low = "cluster_ci_low" if "cluster_ci_low" in t.columns else "ci_low"
    if not len(t) or "share" not in t.columns:
        return NO_RATES
    from ...codes import labels

    names = labels("action_fields", ctx.lang)
    field = t["action_field"].astype(str)
    lo_i, hi_i = int(t["share"].idxmin()), int(t["share"].idxmax())
    failing = t[~(t[low] > 0)]
    if len(failing):
        fields = ", ".join(names.get(str(c), str(c)) for c in failing["action_field"])
        return NOT_REPLICATED.format(fields=fields)

    def pct(x: float) -> Text:
        return Text(percent(x, "de"), percent(x, "en"))

    return REPLICATES.format(
        k=len(t),
        lo=pct(float(t.loc[lo_i, "share"])),
        hi=pct(float(t.loc[hi_i, "share"])),
        lo_field=names.get(field[lo_i], field[lo_i]),
        hi_field=names.get(field[hi_i], field[hi_i]),
    )
