"""The appendices: methods in plain language, and where the report comes from."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..context import Context
from ..document import Facts, Heading, Paragraph, ReportTable, Section

# (estimator key, title de, title en, text de, text en)
METHODS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "implementation",
        "Umsetzungsquoten",
        "Implementation rates",
        "Der Anteil erfolgreicher Maßnahmen je Gruppe. Das Wilson-Intervall behandelt Maßnahmen "
        "als unabhängig; weil Maßnahmen einer Kommune zusammenhängen, wird zusätzlich ein "
        "Intervall angegeben, das Kommunen als Cluster behandelt. Das Modell des Erfolgs ist eine "
        "logistische Regression mit Cluster-robuster Inferenz (GEE), die Zeit bis zur Umsetzung "
        "wird mit Kaplan-Meier-Kurven und einem Cox-Modell beschrieben.",
        "The share of successful measures per group. The Wilson interval treats measures as "
        "independent; because measures of one municipality are related, an interval that treats "
        "municipalities as clusters is given as well. Success is modelled by a logistic "
        "regression with cluster-robust inference (GEE); time to implementation is described "
        "with Kaplan-Meier curves and a Cox model.",
    ),
    (
        "before_after",
        "Vorher-nachher",
        "Before/after",
        "Vergleicht den Mittelwert einer auditierten Kommune vor und nach dem Beginn. Ohne "
        "Vergleichsgruppe schreibt dieser Vergleich jede gemeinsame Entwicklung aller Kommunen "
        "dem Audit zu; er ist eine Beschreibung, keine Wirkungsschätzung.",
        "Compares an audited unit's mean before and after onset. Without a comparison group it "
        "attributes any development common to all units to the audit; it describes, it does not "
        "estimate an effect.",
    ),
    (
        "twfe",
        "Zwei-Wege-Fixed-Effects (TWFE)",
        "Two-way fixed effects (TWFE)",
        "Regression des Indikators auf einen Behandlungsindikator mit Effekten je Kommune und je "
        "Jahr. Annahme: parallele Trends ohne Audit, und ein über Kohorten und Zeit gleicher "
        "Effekt. Wachsen die Effekte mit der Zeit oder unterscheiden sie sich zwischen Kohorten, "
        "vergleicht TWFE auch mit früher behandelten Kommunen und kann verzerrt sein (siehe "
        "Bacon-Zerlegung).",
        "Regression of the indicator on a treatment dummy with unit and year effects. Assumes "
        "parallel trends without the audit and one effect for every cohort and year. When effects "
        "grow over time or differ between cohorts, TWFE also compares with earlier treated units "
        "and can be biased (see the Bacon decomposition).",
    ),
    (
        "event_study",
        "Ereignisstudie",
        "Event study",
        "TWFE mit einem Koeffizienten je Jahr relativ zum Beginn (Referenz: das Jahr vor dem "
        "Beginn). Koeffizienten vor dem Beginn nahe null stützen die Annahme paralleler Trends, "
        "beweisen sie aber nicht.",
        "TWFE with one coefficient per year relative to onset (reference: the year before onset). "
        "Coefficients near zero before onset support parallel trends but do not prove them.",
    ),
    (
        "att_gt",
        "Gestaffelte DiD nach Callaway & Sant'Anna",
        "Staggered DiD after Callaway & Sant'Anna",
        "Schätzt für jede Kohorte und jedes Jahr einen eigenen Effekt, jeweils nur gegen nie "
        "(oder noch nicht) behandelte Kommunen, und fasst diese Effekte mit transparenten "
        "Gewichten zusammen (Ereigniszeit, Kohorte, Gesamteffekt). Annahmen: parallele Trends "
        "gegenüber der Kontrollgruppe (optional bedingt auf Kovariaten) und keine Antizipation "
        "(als Robustheitsprüfung: ein Jahr). Standardfehler aus den Einflussfunktionen wie im "
        "R-Paket did.",
        "Estimates one effect per cohort and year, each against never (or not yet) treated units "
        "only, and combines them with transparent weights (event time, cohort, overall). Assumes "
        "parallel trends with the control group (optionally conditional on covariates) and no "
        "anticipation (one year as a robustness check). Standard errors from the influence "
        "functions as in the R package did.",
    ),
    (
        "sun_abraham",
        "Sun & Abraham",
        "Sun & Abraham",
        "Eine Ereignisstudie mit Interaktionen von Kohorte und Ereigniszeit, gewichtet mit den "
        "Kohortenanteilen; vermeidet die Verzerrung der einfachen Ereignisstudie bei "
        "heterogenen Effekten.",
        "An event study with cohort-by-event-time interactions, weighted by cohort shares; avoids "
        "the bias of the plain event study when effects are heterogeneous.",
    ),
    (
        "bacon",
        "Bacon-Zerlegung",
        "Bacon decomposition",
        "Zerlegt den TWFE-Schätzer in alle 2x2-Vergleiche und ihre Gewichte. Ein großes Gewicht "
        "von Vergleichen „später gegen früher behandelt“ warnt vor einer Verzerrung von TWFE.",
        "Splits the TWFE estimate into all 2x2 comparisons and their weights. A large weight of "
        "'later against earlier treated' comparisons warns of bias in TWFE.",
    ),
    (
        "randomization",
        "Randomisierungsinferenz",
        "Randomisation inference",
        "Wenn nur wenige Kommunen behandelt sind, sind asymptotische Standardfehler unsicher. "
        "Die Randomisierungsinferenz vergleicht den Schätzwert mit seiner Verteilung unter "
        "zufällig neu zugewiesenen Beginnjahren (mit festem Startwert des Zufallsgenerators).",
        "With few treated units, asymptotic standard errors are unreliable. Randomisation "
        "inference compares the estimate with its distribution under randomly re-assigned onset "
        "years (with a fixed seed).",
    ),
    (
        "matching",
        "Gematchte Vergleichsgruppe",
        "Matched comparison group",
        "Wählt zu jeder auditierten Kommune ähnliche Vergleichskommunen nach Merkmalen vor dem "
        "Beginn. Standardisierte Mittelwertdifferenzen unter 0,1 gelten als gute Balance.",
        "Chooses comparison units similar to each audited unit on pre-onset characteristics. "
        "Standardised mean differences below 0.1 count as good balance.",
    ),
)


def methods(ctx: Context) -> Section:
    t = ctx.t
    sec = Section("methods", t("Anhang: Methoden", "Appendix: methods"))
    sec.add(
        Paragraph(
            t(
                "Kurzbeschreibungen der Verfahren dieses Berichts: was sie schätzen, was sie annehmen "
                "und wie ihre Unsicherheit berechnet wird.",
                "Short descriptions of the methods of this report: what they estimate, what they assume "
                "and how their uncertainty is computed.",
            )
        )
    )
    for _key, tde, ten, de, en in METHODS:
        sec.add(Heading(t(tde, ten), level=3), Paragraph(t(de, en)))
    if ctx.se_notes:
        sec.add(
            Heading(
                t(
                    "Standardfehler der Schätzungen dieses Berichts",
                    "Standard errors of the estimates in this report",
                ),
                level=3,
            )
        )
        table = pd.DataFrame(sorted(ctx.se_notes.items()), columns=["method", "standard_errors"])
        sec.add(
            ReportTable(
                "methods_standard_errors",
                t("Standardfehler je Verfahren", "Standard errors by method"),
                table,
            )
        )
    return sec


def provenance(ctx: Context, record: dict[str, Any]) -> Section:
    t = ctx.t
    sec = Section("provenance", t("Anhang: Herkunft", "Appendix: provenance"))
    sec.add(
        Paragraph(
            t(
                "Dieser Bericht ist aus den unten genannten Dateien und der Konfiguration entstanden. "
                "Dieselben Eingaben ergeben denselben Bericht, Byte für Byte. Datum, Versionen der "
                "Abhängigkeiten, Python, Plattform und Code-Version stehen in provenance.json neben dem "
                "Bericht; `audit-eval verify` prüft ihn nach.",
                "This report was made from the files listed below and the configuration. The same inputs "
                "give the same report, byte for byte. Date, dependency versions, Python, platform and "
                "code version are in provenance.json beside the report; `audit-eval verify` checks it.",
            )
        )
    )
    sec.add(
        Facts(
            (
                (t("Paket", "Package"), f"evaluation {record['package']['version']}"),
                (t("Startwert (seed)", "Seed"), str(record["seed"])),
                (
                    t("Konfiguration (SHA-256)", "Configuration (SHA-256)"),
                    record["config"]["sha256"],
                ),
            )
        )
    )
    inputs = pd.DataFrame(
        [(i["name"], i["bytes"], i["sha256"]) for i in record["inputs"]],
        columns=["file", "bytes", "sha256"],
    )
    sec.add(ReportTable("provenance_inputs", t("Eingabedateien", "Input files"), inputs))
    if ctx.missing:
        sec.add(Heading(t("Fehlende Teile", "Missing parts"), level=3))
        sec.add(
            ReportTable(
                "provenance_missing",
                t("Nicht verfügbare Teile", "Parts not available"),
                pd.DataFrame({"part": ctx.missing}),
            )
        )
    return sec
