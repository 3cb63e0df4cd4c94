"""Section "impact": for each indicator the course of audited and comparison units, the
overall effect of every design side by side (a forest plot), and what limits the inference.
The detail of each design is in the indicator's appendix (:mod:`.details`).

Every number comes from the analyses (:mod:`evaluation.report.analyses`); this module only
arranges them.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ...i18n import Text, number, plural
from ...results import compare
from .. import inputs
from ..analyses import NAMES, PRIMARY_NAME, IndicatorAnalysis, all_analyses
from ..context import Context
from ..document import Heading, Note, Paragraph, ReportTable, Section
from ..figures import new_figure

TITLE = Text("Wirkung auf die Indikatoren", "Impact on the indicators")
INTRO = Text(
    "Für jeden Indikator: der Verlauf der auditierten Kommunen gegen die Vergleichsgruppe und "
    "der Gesamteffekt jedes Verfahrens mit seinem 95-%-Intervall. Hauptschätzer ist {primary}; "
    "die Einzelheiten jedes Verfahrens stehen im Anhang je Indikator.",
    "For each indicator: the course of the audited units against the comparison group, and "
    "the overall effect of every method with its 95% interval. The primary estimate is "
    "{primary}; the detail of each method is in the appendix per indicator.",
)
PRIMARY_TEXT = {
    "att_gt": Text(
        "Callaway & Sant'Anna (Mittel aller Gruppen-Zeit-Effekte nach dem Beginn)",
        "Callaway & Sant'Anna (mean of all group-time effects after onset)",
    ),
    "twfe": Text("die Zwei-Wege-Fixed-Effects-Schätzung", "the two-way fixed-effects estimate"),
}
NO_INDICATORS = Text(
    "Die Studie hat keine Indikatoren mit Werten.", "The study has no indicators with values."
)
PANEL = Text(
    "{units}, davon {treated} auditiert; {years}. Einheit: {unit}.",
    "{units}, {treated} of them audited; {years}. Unit: {unit}.",
)
UNIT_ONE = Text("{n} Kommune", "{n} unit")
UNIT_MANY = Text("{n} Kommunen", "{n} units")
YEAR_ONE = Text("{n} Kommune-Jahr", "{n} unit-year")
YEAR_MANY = Text("{n} Kommune-Jahre", "{n} unit-years")
EXCLUDED = Text(
    "Der Hauptschätzer lässt {n} aus ({share}): {reasons}.",
    "The primary estimator leaves out {n} ({share}): {reasons}.",
)
REASONS = {
    "missing_years": Text("fehlende Jahre", "missing years"),
    "treated_before_data": Text("vor dem ersten Datenjahr behandelt", "treated before the data"),
    "treated_in_first_period": Text("im ersten Jahr behandelt", "treated in the first period"),
    "no_comparison": Text("ohne Vergleich", "no comparison"),
    "excluded": Text("ausgeschlossen", "excluded"),
}
FEW_CLUSTERS = Text(
    "Der Hauptschätzer beruht auf nur {clusters}: cluster-robuste Standardfehler sind dann zu "
    "klein, deshalb zeigt der Bericht keine t-Statistik und keinen p-Wert daraus. Gültig ist "
    "die Randomisierungsinferenz (Beginnjahre permutiert): {ri}.",
    "The primary estimate rests on only {clusters}: cluster-robust standard errors are then "
    "too small, so the report shows no t-statistic and no p-value from them. Valid is "
    "randomisation inference (onset years permuted): {ri}.",
)
CLUSTER_ONE = Text("{n} Cluster", "{n} cluster")
CLUSTER_MANY = Text("{n} Clustern", "{n} clusters")
RI_P = Text("p = {p} ({n} Permutationen)", "p = {p} ({n} permutations)")
RI_NONE = Text("nicht berechnet", "not computed")
TRENDS = Text("{label}: Mittelwerte je Jahr", "{label}: means by year")
TRENDS_ALT = Text(
    "Liniendiagramm: Mittelwert von {label} je Jahr {first}–{last}, auditierte Kommunen gegen "
    "Vergleichsgruppe.",
    "Line chart: mean of {label} by year {first}–{last}, audited units against the comparison "
    "group.",
)
GROUPS = {
    "audited": Text("auditiert", "audited"),
    "comparison": Text("Vergleichsgruppe", "comparison group"),
}
YEAR = Text("Jahr", "Year")
COMPARISON = Text("{label}: Gesamteffekte der Verfahren", "{label}: overall effects by method")
EFFECT_AXIS = Text("Effekt ({unit})", "Effect ({unit})")
COMPARISON_NOTE = Text(
    "Jede Zeile ist der Gesamteffekt eines Verfahrens mit seinem 95-%-Intervall; die "
    "Standardfehler-Konventionen erklärt der Anhang Methoden.",
    "Each row is the overall effect of one method with its 95% interval; the standard-error "
    "conventions are explained in the methods appendix.",
)


def name_of(ctx: Context, name: str) -> str:
    """The display name of a design in the comparison."""
    if name == PRIMARY_NAME:
        return ctx.tr(NAMES[ctx.config.impact.primary.estimator])
    return name


def comparison_table(ctx: Context, a: IndicatorAnalysis) -> pd.DataFrame:
    """One row per design: estimate, interval, p-value (missing where clusters are too few)
    and the standard-error convention."""
    rows = []
    for name, r in a.comparison.items():
        t = r.tidy().iloc[0]
        few = bool(getattr(r, "few_clusters", False))
        label = ctx.convention(r)
        rows.append(
            {
                "model": name_of(ctx, name),
                "estimate": float(t["estimate"]),
                "ci_low": float(t["ci_low"]),
                "ci_high": float(t["ci_high"]),
                "p_value": math.nan if few else float(t.get("p_value", math.nan)),
                "standard_errors": ctx.tr(label) if label is not None else "",
            }
        )
    return pd.DataFrame(rows)


def build(ctx: Context) -> Section:
    """The section "impact"."""
    sec = Section("impact", ctx.tr(TITLE))
    analyses = all_analyses(ctx)
    if not analyses:
        sec.add(Paragraph(ctx.tr(NO_INDICATORS)))
        return sec
    primary = PRIMARY_TEXT[ctx.config.impact.primary.estimator]
    sec.add(Paragraph(ctx.tr(INTRO.format(primary=primary))))
    for a in analyses:
        ctx.scope = a.indicator
        try:
            ctx.guard(sec, a.label, indicator_block, ctx, sec, a)
        finally:
            ctx.scope = ""
    return sec


def indicator_block(ctx: Context, sec: Section, a: IndicatorAnalysis) -> None:
    """The main-body part of one indicator."""
    lang = ctx.lang
    sec.add(Heading(a.label, level=3))
    # what was asked for and failed is said where its result would be, not only in the appendix
    sec.add(*(b for b in a.group.blocks if isinstance(b, Note) and b.level == "error"))
    if a.panel is None:
        sec.add(
            Note(ctx.tr(Text("Kein Panel: siehe Anhang.", "No panel: see the appendix.")), "error")
        )
        return
    sec.add(
        Paragraph(
            ctx.tr(
                PANEL.format(
                    units=plural(a.n_units, UNIT_ONE, UNIT_MANY, lang),
                    treated=number(a.n_treated, lang),
                    years=plural(len(a.panel), YEAR_ONE, YEAR_MANY, lang),
                    unit=a.unit or "–",
                )
            )
        )
    )
    ex = a.excluded
    if len(ex):
        counts = ex["reason"].astype(str).value_counts()
        reasons = ", ".join(
            f"{number(int(n), lang)} {ctx.tr(REASONS.get(r, REASONS['excluded']))}"
            for r, n in counts.items()
        )
        share = len(ex) / max(a.n_units, 1)
        from ...i18n import percent

        sec.add(
            Paragraph(
                ctx.tr(
                    EXCLUDED.format(
                        n=plural(len(ex), UNIT_ONE, UNIT_MANY, lang),
                        share=percent(share, lang),
                        reasons=reasons,
                    )
                )
            )
        )
    p = a.primary
    if p is not None and getattr(p, "few_clusters", False):
        sec.add(Note(ctx.tr(few_clusters_text(ctx, a)), "info"))
    trend_figure(ctx, sec, a)
    if a.comparison:
        comparison_block(ctx, sec, a)


def few_clusters_text(ctx: Context, a: IndicatorAnalysis) -> Text:
    """Why the report shows no cluster-robust t-statistic, and the valid inference."""
    n = getattr(a.primary.inference, "n_clusters", None) or a.n_units
    ri = RI_NONE
    if a.randomization is not None:
        t = a.randomization.tidy()
        col = "ri_p_value" if "ri_p_value" in t.columns else "p_value"
        pv = float(t[col].iloc[0])
        draws = a.randomization.facts.get(
            "n_draws", ctx.config.impact.robustness.randomization_draws
        )
        ri = RI_P.format(
            p=Text(number(pv, "de", 3), number(pv, "en", 3)),
            n=Text(number(int(draws), "de"), number(int(draws), "en")),
        )
    return FEW_CLUSTERS.format(clusters=plural_text(int(n), CLUSTER_ONE, CLUSTER_MANY), ri=ri)


def plural_text(n: int, one: Text, many: Text) -> Text:
    """``n`` with the right noun, in both languages."""
    return Text(
        (one if n == 1 else many).format(n=number(n, "de")).de,
        (one if n == 1 else many).format(n=number(n, "en")).en,
    )


def trend_figure(ctx: Context, sec: Section, a: IndicatorAnalysis) -> None:
    """Mean of the indicator per year, audited against comparison units (a description)."""
    if "trends" not in ctx.config.impact.estimators:
        return
    treatment = ctx.config.treatment
    title = TRENDS.format(label=a.label)
    described = ctx.diagnostic(
        sec, title, inputs.describe_trends, ctx.study, a.indicator, treatment.onset, treatment.cycle
    )
    if described is None or not len(described[0]):
        return
    means, notes = described
    fig, ax = new_figure(7.0, 2.5)
    colours = {"audited": "#2b6ca3", "comparison": "0.45"}
    for g in ("audited", "comparison"):
        d = means[means["group"] == g]
        ax.plot(d["year"], d["mean"], marker="o", ms=2.5, color=colours[g], label=ctx.tr(GROUPS[g]))
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(ctx.tr(YEAR))
    ax.set_ylabel(f"{a.label} ({a.unit})" if a.unit else a.label, fontsize=7)
    ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    first, last = int(means["year"].min()), int(means["year"].max())
    ctx.add_figure(
        sec,
        fig,
        f"impact_{a.key}_trends",
        title,
        TRENDS_ALT.format(label=a.label, first=first, last=last),
        data=means,
    )
    for note in notes:
        sec.add(Note(ctx.tr(note), "info"))


def comparison_block(ctx: Context, sec: Section, a: IndicatorAnalysis) -> None:
    """The overall effects of the designs: a forest plot and its table."""
    table = comparison_table(ctx, a)
    title = COMPARISON.format(label=a.label)
    named = {name_of(ctx, n): r for n, r in a.comparison.items()}
    cmp = ctx.diagnostic(sec, title, compare, named)
    if cmp is not None:
        fig = ctx.diagnostic(sec, title, _forest, ctx, cmp, a)
        if fig is not None:
            alt = forest_alt(ctx, table, a)
            ctx.add_figure(sec, fig, f"impact_{a.key}_comparison", title, alt, data=table)
    sec.add(
        ReportTable(
            f"impact_{a.key}_comparison",
            ctx.tr(title),
            table,
            (ctx.tr(COMPARISON_NOTE),),
        )
    )


def _forest(ctx: Context, cmp: Any, a: IndicatorAnalysis) -> Any:
    from .. import figures

    with figures.figure_style():
        fig = cmp.plot(lang=ctx.lang)
    ax = fig.axes[0]
    ax.set_xlabel(ctx.tr(EFFECT_AXIS.format(unit=effect_unit(a.unit))))
    fig.set_size_inches(7.0, 0.8 + 0.3 * len(a.comparison))
    return fig


FOREST_ALT = Text(
    "Forest-Plot: Gesamteffekt von {n} Verfahren mit 95-%-Intervallen, von {lo} bis {hi} {unit}.",
    "Forest plot: overall effect of {n} methods with 95% intervals, from {lo} to {hi} {unit}.",
)


def forest_alt(ctx: Context, table: pd.DataFrame, a: IndicatorAnalysis) -> Text:
    """Alt text of the forest plot."""
    lo, hi = table["estimate"].min(), table["estimate"].max()
    return FOREST_ALT.format(
        n=len(table),
        lo=Text(number(lo, "de", 2), number(lo, "en", 2)),
        hi=Text(number(hi, "de", 2), number(hi, "en", 2)),
        unit=effect_unit(a.unit),
    )


PERCENT_POINTS = Text("Prozentpunkte", "percentage points")


def effect_unit(unit: str) -> Text:
    """The unit of an effect on an indicator measured in ``unit`` (a share in % changes by
    percentage points)."""
    if unit.strip() in ("%", "Prozent", "percent"):
        return PERCENT_POINTS
    return Text(unit, unit)
