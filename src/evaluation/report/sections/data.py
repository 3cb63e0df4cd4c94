"""Section "the data": units, levels and states, cohorts and treatment timing, measures,
indicators and validation. The tables come from the descriptive functions of the study
(:mod:`evaluation.study.describe`, through :mod:`evaluation.report.inputs`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...i18n import Text, number, plural
from .. import inputs
from ..context import Context
from ..document import Facts, Heading, Paragraph, ReportTable, Section
from ..figures import new_figure

TITLE = Text("Die Daten", "The data")
FACTS = (
    ("n_audited", Text("Kommunen auditiert", "Audited units")),
    ("n_comparison", Text("Vergleichskommunen", "Comparison units")),
    ("audits", Text("Audits (Zyklen)", "Audits (cycles)")),
    ("goals", Text("Ziele", "Goals")),
    ("measures", Text("Maßnahmen", "Measures")),
    ("reports", Text("Jahresberichte (Einträge)", "Annual report entries")),
    ("indicators", Text("Indikatoren", "Indicators")),
    ("span", Text("Jahre der Indikatoren", "Indicator years")),
    ("year", Text("Berichtsjahr", "Report year")),
)
ONSET_WORD = {
    "start": Text("Auditbeginns", "audit start"),
    "agreement": Text("Ratsbeschlusses der Zielvereinbarung", "council adoption of the agreement"),
    "certification": Text("Zertifizierung", "certification"),
}
ONSET = Text(
    "Beginn der Behandlung ist das Jahr der {word} im Auditzyklus {cycle}; die Kohorte einer "
    "Kommune ist dieses Jahr.",
    "Treatment begins in the year of {word} in audit cycle {cycle}; a unit's cohort is that year.",
)
TIMING = Text("Zeitpunkt der Behandlung je Kommune", "Treatment timing by unit")
TIMING_ALT = Text(
    "Zeitstrahl von {n}, sortiert nach Kohorte ({first} bis {last}): grau vor, blau ab dem "
    "Beginn der Behandlung; Rauten markieren die Zertifizierung eines Re-Audits.",
    "Timeline of {n} sorted by cohort ({first} to {last}): grey before, blue from treatment "
    "onset; diamonds mark the certification of a re-audit.",
)
AUDITED_ONE = Text("{n} auditierten Kommune", "{n} audited unit")
AUDITED_MANY = Text("{n} auditierten Kommunen", "{n} audited units")
REAUDIT = Text("Re-Audit zertifiziert", "re-audit certified")
YEAR = Text("Jahr", "Year")
AUDITED_AXIS = Text("auditierte Kommunen (n = {n})", "audited units (n = {n})")
NO_PROBLEMS = Text(
    "Die Prüfung gegen das Datenschema hat keine Probleme gefunden.",
    "Validation against the data schema found no problems.",
)


def build(ctx: Context) -> Section:
    """The section "the data"."""
    study = ctx.study
    sec = Section("data", ctx.tr(TITLE))
    mun = study.municipalities
    ind = study.indicators
    years = pd.to_numeric(ind["year"], errors="coerce").dropna()
    values = {
        "n_audited": int((mun["group"] == "audited").sum()),
        "n_comparison": int((mun["group"] == "comparison").sum()),
        "audits": len(study.audits),
        "goals": len(study.goals),
        "measures": len(study.measures),
        "reports": len(study.measure_reports),
        "indicators": int(ind["indicator"].nunique()),
    }
    facts = [(ctx.tr(label), number(values[k], ctx.lang)) for k, label in FACTS if k in values]
    span = f"{int(years.min())}–{int(years.max())}" if len(years) else "–"
    facts += [(ctx.tr(FACTS[7][1]), span), (ctx.tr(FACTS[8][1]), str(ctx.year))]
    sec.add(Facts(tuple(facts)))

    sec.add(Heading(ctx.tr(Text("Kommunen nach Ebene und Land", "Units by level and state"))))
    sec.add(
        ReportTable(
            "data_units_by_level",
            ctx.tr(Text("Kommunen nach Ebene und Gruppe", "Units by level and group")),
            inputs.describe_units(study, "level"),
        ),
        ReportTable(
            "data_units_by_state",
            ctx.tr(Text("Kommunen nach Land und Gruppe", "Units by state and group")),
            inputs.describe_units(study, "state"),
        ),
    )

    cfg = ctx.config.treatment
    sec.add(
        Heading(
            ctx.tr(Text("Kohorten und Zeitpunkt der Behandlung", "Cohorts and treatment timing"))
        )
    )
    sec.add(Paragraph(ctx.tr(ONSET.format(word=ONSET_WORD[cfg.onset], cycle=cfg.cycle))))
    coh, cohort_table, cohort_notes = inputs.describe_cohorts(study, cfg.onset, cfg.cycle)
    sec.add(
        ReportTable(
            "data_cohorts",
            ctx.tr(
                Text(
                    "Kohorten: auditierte Kommunen und Re-Audits",
                    "Cohorts: audited units and re-audits",
                )
            ),
            cohort_table,
            notes=tuple(ctx.tr(n) for n in cohort_notes),
        )
    )
    if len(coh):
        fig = _timing_chart(ctx, coh, years)
        n = plural(len(coh), AUDITED_ONE, AUDITED_MANY, ctx.lang)
        alt = TIMING_ALT.format(n=n, first=int(coh["cohort"].min()), last=int(coh["cohort"].max()))
        data = coh[["municipality_id", "cohort"]].sort_values(["cohort", "municipality_id"])
        ctx.add_figure(sec, fig, "data_timing", TIMING, alt, data=data.reset_index(drop=True))

    sec.add(Heading(ctx.tr(Text("Ziele und Maßnahmen", "Goals and measures"))))
    sec.add(
        ReportTable(
            "data_measure_titles",
            ctx.tr(
                Text(
                    "Häufigste Maßnahmentitel je Handlungsfeld (bis zu drei)",
                    "Most frequent measure titles per action field (up to three)",
                )
            ),
            inputs.describe_titles(study),
        )
    )

    sec.add(Heading(ctx.tr(Text("Indikatoren", "Indicators"))))
    sec.add(
        ReportTable(
            "data_indicators",
            ctx.tr(Text("Indikatorenkatalog und Abdeckung", "Indicator catalogue and coverage")),
            inputs.describe_indicators(study, ctx.lang),
            columns=("label", "unit", "n_units", "first_year", "last_year", "n_values"),
        )
    )

    sec.add(Heading(ctx.tr(Text("Prüfung der Daten", "Validation"))))
    problems = study.problems()
    if not problems:
        sec.add(Paragraph(ctx.tr(NO_PROBLEMS)))
    else:
        frame = pd.DataFrame(
            [(p.table, p.severity, p.field or "", p.message) for p in problems],
            columns=["table", "severity", "field", "message"],
        )
        summary = (
            frame.groupby(["table", "severity", "field"], observed=True)
            .agg(n_problems=("message", "size"), example=("message", "first"))
            .reset_index()
            .sort_values(["severity", "table", "field"], kind="stable")
        )
        sec.add(
            ReportTable(
                "data_validation", ctx.tr(Text("Gefundene Probleme", "Problems found")), summary
            )
        )
    return sec


def _timing_chart(ctx: Context, coh: pd.DataFrame, years: pd.Series):
    coh = coh.sort_values(["cohort", "municipality_id"], kind="stable").reset_index(drop=True)
    first = int(years.min()) if len(years) else int(coh["cohort"].min()) - 3
    last = int(years.max()) if len(years) else ctx.year
    height = min(4.2, 1.2 + 0.05 * len(coh))
    fig, ax = new_figure(7.0, height)
    y = np.arange(len(coh))
    cohort = coh["cohort"].to_numpy(dtype=float)
    ax.barh(y, cohort - first, left=first - 0.5, height=1.0, color="0.82", linewidth=0)
    ax.barh(y, last + 0.5 - cohort, left=cohort - 0.5, height=1.0, color="#2b6ca3", linewidth=0)
    a = ctx.study.audits
    re = a[a["cycle"] > ctx.config.treatment.cycle].dropna(subset=["certification_date"])
    if len(re):
        pos = dict(zip(coh["municipality_id"], y, strict=True))
        ry = re["municipality_id"].map(pos)
        ok = ry.notna()
        ax.scatter(
            pd.to_datetime(re.loc[ok, "certification_date"]).dt.year.to_numpy(),
            ry[ok].to_numpy(dtype=float),
            marker="D",
            s=8,
            color="#e08a1e",
            zorder=3,
            label=ctx.tr(REAUDIT),
        )
        ax.legend(loc="lower left", fontsize=7, frameon=False)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(first - 0.5, last + 0.5)
    ax.set_ylim(-0.6, len(coh) - 0.4)
    ax.invert_yaxis()
    ax.set_yticks([])
    ax.set_xlabel(ctx.tr(YEAR))
    ax.set_ylabel(ctx.tr(AUDITED_AXIS.format(n=len(coh))))
    ax.set_title(ctx.tr(TIMING))
    fig.tight_layout()
    return fig
