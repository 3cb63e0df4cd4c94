"""The appendices: methods in plain language, and where the report comes from."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...evidence import rules_table
from ...i18n import Text
from ..context import Context, convention_label
from ..document import Facts, Heading, Paragraph, ReportTable, Section
from .mixed import METHODS as MIXED_METHODS

#: what each method does, by the key a section records when it runs (Context.used)
METHODS: dict[str, tuple[Text, Text]] = {
    "implementation": (
        Text("Umsetzungsquoten", "Implementation rates"),
        Text(
            "Der Anteil erfolgreicher Maßnahmen je Handlungsfeld. Das Wilson-Intervall behandelt Maßnahmen als unabhängig; weil Maßnahmen einer Kommune zusammenhängen, gibt der Bericht zusätzlich ein Intervall an, das Kommunen als Cluster behandelt (Cluster-Bootstrap mit festem Startwert, Perzentil-Intervall).",
            "The share of successful measures per action field. The Wilson interval treats measures as independent; because measures of one municipality are related, the report also gives an interval that treats municipalities as clusters (cluster bootstrap with a fixed seed, percentile interval).",
        ),
    ),
    "before_after": (
        Text("Vorher-nachher", "Before/after"),
        Text(
            "Vergleicht den Mittelwert einer auditierten Kommune vor und nach dem Beginn. Ohne Vergleichsgruppe schreibt dieser Vergleich jede gemeinsame Entwicklung aller Kommunen dem Audit zu; er ist eine Beschreibung, keine Wirkungsschätzung.",
            "Compares an audited unit's mean before and after onset. Without a comparison group it attributes any development common to all units to the audit; it describes, it does not estimate an effect.",
        ),
    ),
    "twfe": (
        Text("Zwei-Wege-Fixed-Effects (TWFE)", "Two-way fixed effects (TWFE)"),
        Text(
            "Regression des Indikators auf einen Behandlungsindikator mit Effekten je Kommune und je Jahr. Annahme: parallele Trends ohne Audit, und ein über Kohorten und Zeit gleicher Effekt. Wachsen die Effekte mit der Zeit oder unterscheiden sie sich zwischen Kohorten, vergleicht TWFE auch mit früher behandelten Kommunen und kann verzerrt sein (siehe Bacon-Zerlegung).",
            "Regression of the indicator on a treatment dummy with unit and year effects. Assumes parallel trends without the audit and one effect for every cohort and year. When effects grow over time or differ between cohorts, TWFE also compares with earlier treated units and can be biased (see the Bacon decomposition).",
        ),
    ),
    "event_study": (
        Text("Ereignisstudie", "Event study"),
        Text(
            "TWFE mit einem Koeffizienten je Jahr relativ zum Beginn (Referenz: das Jahr vor dem Beginn). Koeffizienten vor dem Beginn nahe null stützen die Annahme paralleler Trends, beweisen sie aber nicht.",
            "TWFE with one coefficient per year relative to onset (reference: the year before onset). Coefficients near zero before onset support parallel trends but do not prove them.",
        ),
    ),
    "att_gt": (
        Text(
            "Gestaffelte DiD nach Callaway & Sant'Anna", "Staggered DiD after Callaway & Sant'Anna"
        ),
        Text(
            'Schätzt für jede Kohorte und jedes Jahr einen eigenen Effekt, jeweils nur gegen noch nicht (oder nie) behandelte Kommunen, doppelt robust, und fasst diese Effekte mit transparenten Gewichten zusammen: nach Ereigniszeit, nach Kohorte und als Gesamteffekt (Mittel aller Gruppen-Zeit-Effekte nach dem Beginn, gewichtet mit der Kohortengröße; das ist der Hauptschätzer der Kurzfassung). Annahmen: parallele Trends gegenüber der Vergleichsgruppe und keine Antizipation (als Robustheitsprüfung: ein Jahr). Fehlen einer Kommune einzelne Jahre, nutzt jeder Vergleich die Kommunen, die in beiden seiner Jahre beobachtet sind (impact.unbalanced = "pairwise"); das Auslassen solcher Kommunen ("drop", wie im R-Paket did) verliert viele Einheiten und hielt in einer unabhängigen Monte-Carlo-Studie die Überdeckung der Intervalle schlechter (87-97 % statt 93-97 %). Der Vortest prüft, ob alle Effekte der Ereigniszeiten vor dem Beginn null sind (Wald-Test mit der Kovarianz aus den Einflussfunktionen); er poolt je Ereigniszeit die Kohorten und gelingt deshalb auch mit kleinen Kohorten.',
            'Estimates one effect per cohort and year, each against not-yet (or never) treated units only, doubly robust, and combines these effects with transparent weights: by event time, by cohort and as an overall effect (the mean of all post-treatment group-time effects, weighted by cohort size; the primary estimate of the summary). Assumes parallel trends with the comparison group and no anticipation (one year as a robustness check). Where a unit misses years, each comparison uses the units observed in both of its years (impact.unbalanced = "pairwise"); leaving such units out ("drop", as the R package did) loses many units and kept interval coverage worse in an independent Monte Carlo study (87-97 % instead of 93-97 %). The pre-test checks whether all effects of the event times before onset are zero (Wald test with the covariance from the influence functions); it pools the cohorts at each event time and so works with small cohorts too.',
        ),
    ),
    "sun_abraham": (
        Text("Sun & Abraham", "Sun & Abraham"),
        Text(
            "Eine Ereignisstudie mit Interaktionen von Kohorte und Ereigniszeit, gewichtet mit den Kohortenanteilen; vermeidet die Verzerrung der einfachen Ereignisstudie bei heterogenen Effekten.",
            "An event study with cohort-by-event-time interactions, weighted by cohort shares; avoids the bias of the plain event study when effects are heterogeneous.",
        ),
    ),
    "did_imputation": (
        Text("Imputationsschätzer", "Imputation estimator"),
        Text(
            "Schätzt ein Modell mit Kommunen- und Jahreseffekten nur auf den unbehandelten Beobachtungen (nie und noch nicht auditiert), sagt damit für jede auditierte Kommune und jedes Jahr ab dem Beginn den Wert ohne Audit voraus und mittelt die Differenzen (Borusyak, Jaravel & Spiess 2024); konservative Standardfehler wie im Aufsatz.",
            "Fits a model with unit and year effects on the untreated observations only (never and not yet audited), predicts from it for each audited unit and year from onset the value without the audit and averages the differences (Borusyak, Jaravel & Spiess 2024); conservative standard errors as in the paper.",
        ),
    ),
    "did_two_stage": (
        Text("Zweistufige DiD", "Two-stage DiD"),
        Text(
            "Wie der Imputationsschätzer ein Modell der unbehandelten Beobachtungen (1. Stufe), dann eine Regression der bereinigten Zielgröße auf die Behandlung (2. Stufe; Gardner 2022); die Standardfehler berücksichtigen die Schätzung der 1. Stufe (GMM, wie R did2s).",
            "Like the imputation estimator a model of the untreated observations (stage 1), then a regression of the residualised outcome on treatment (stage 2; Gardner 2022); the standard errors account for the estimation of stage 1 (GMM, as R did2s).",
        ),
    ),
    "bacon": (
        Text("Bacon-Zerlegung", "Bacon decomposition"),
        Text(
            "Zerlegt den TWFE-Schätzer in alle 2x2-Vergleiche und ihre Gewichte. Ein großes Gewicht von Vergleichen „später gegen früher behandelt“ warnt vor einer Verzerrung von TWFE.",
            "Splits the TWFE estimate into all 2x2 comparisons and their weights. A large weight of 'later against earlier treated' comparisons warns of bias in TWFE.",
        ),
    ),
    "randomization": (
        Text("Randomisierungsinferenz", "Randomisation inference"),
        Text(
            "Wenn nur wenige Kommunen behandelt sind, sind asymptotische Standardfehler unsicher. Die Randomisierungsinferenz vergleicht den Schätzwert mit seiner Verteilung unter zufällig neu zugewiesenen Beginnjahren (mit festem Startwert des Zufallsgenerators).",
            "With few treated units, asymptotic standard errors are unreliable. Randomisation inference compares the estimate with its distribution under randomly re-assigned onset years (with a fixed seed).",
        ),
    ),
    "matching": (
        Text("Gematchte Vergleichsgruppe", "Matched comparison group"),
        Text(
            "Wählt zu jeder auditierten Kommune ähnliche Vergleichskommunen nach Merkmalen vor dem Beginn. Standardisierte Mittelwertdifferenzen unter 0,1 gelten als gute Balance.",
            "Chooses comparison units similar to each audited unit on pre-onset characteristics. Standardised mean differences below 0.1 count as good balance.",
        ),
    ),
    "paired": (
        Text(
            "Vorher-nachher und Zyklen der Umsetzung", "Before/after and cycles of implementation"
        ),
        Text(
            "Vergleicht je Kommune den Anteil umgesetzter Maßnahmen im ersten und im letzten Bericht (oder im Erst- und Re-Audit): gepaarter t-Test und Wilcoxon-Vorzeichen-Rang-Test über die Kommunen.",
            "Compares per municipality the share of implemented measures in the first and the last report (or in the first audit and the re-audit): paired t test and Wilcoxon signed-rank test over the municipalities.",
        ),
    ),
    "survival": (
        Text("Zeit bis zur Umsetzung", "Time to implementation"),
        Text(
            "Kaplan-Meier-Kurven je Handlungsfeld: der Anteil der Maßnahmen, die nach so vielen Berichten noch nicht umgesetzt sind; eingestellte und noch laufende Maßnahmen sind zensiert.",
            "Kaplan-Meier curves per action field: the share of measures not yet implemented after so many reports; discontinued and running measures are censored.",
        ),
    ),
    "field_differences": (
        Text("Unterschiede zwischen Handlungsfeldern", "Differences between action fields"),
        Text(
            "Globaler Test auf gleiche Erfolgsanteile aller Handlungsfelder (Chi-Quadrat, bei kleinen erwarteten Häufigkeiten mit Monte-Carlo-p-Wert und festem Startwert) und paarweise exakte Tests nach Fisher mit Holm-Korrektur.",
            "Global test of equal success shares across action fields (chi-squared, with a Monte Carlo p-value and fixed seed when expected counts are small) and pairwise Fisher exact tests with Holm adjustment.",
        ),
    ),
    "model": (
        Text("Modell des Umsetzungserfolgs", "Model of implementation success"),
        Text(
            "Logistische Regression des Erfolgs einer Maßnahme auf Handlungsfeld und Merkmale der Kommune, mit Cluster-robuster Inferenz (GEE, austauschbare Korrelation innerhalb der Kommune); gezeigt als Odds Ratios und Marginaleffekte.",
            "Logistic regression of a measure's success on action field and municipal characteristics, with cluster-robust inference (GEE, exchangeable correlation within the municipality); shown as odds ratios and marginal effects.",
        ),
    ),
    "heterogeneity": (
        Text("Effekte nach Umsetzungsintensität", "Effects by implementation intensity"),
        Text(
            "Der Gesamteffekt nach Callaway & Sant'Anna, getrennt geschätzt für Kommunen mit höchstens und mit mehr als der Hälfte umgesetzter Maßnahmen im verknüpften Handlungsfeld, jeweils gegen dieselben nie auditierten Kommunen; der Wald-Test gleicher Effekte nutzt die gemeinsame Kovarianz aus den Einflussfunktionen. Der Effekt je Gruppe braucht parallele Trends; ein Unterschied zwischen den Gruppen als Wirkung der Umsetzung zu lesen braucht starke parallele Trends, denn die Kommunen wählen ihre Umsetzung selbst.",
            "The overall effect after Callaway & Sant'Anna, estimated separately for municipalities that implemented at most and more than half of the measures in the linked action field, each against the same never-audited units; the Wald test of equal effects uses the joint covariance from the influence functions. Each group's effect needs parallel trends; reading a difference between the groups as an effect of implementation needs strong parallel trends, because municipalities choose their implementation.",
        ),
    ),
    "continuous_did": (
        Text("Dosis-Wirkungs-Kurve", "Dose-response curve"),
        Text(
            "Differenz-von-Differenzen mit stetiger Behandlung (Callaway, Goodman-Bacon & Sant'Anna): der Effekt ATT(d) bei einem umgesetzten Anteil d und seine Steigung (mittlere kausale Reaktion), hier als Gerade in d, mit Standardfehlern aus den Einflussfunktionen und gleichmäßigen Bändern aus einem Multiplikator-Bootstrap (fester Startwert). ATT(d) braucht parallele Trends, die Steigung und jeder Vergleich zwischen Dosen starke parallele Trends. Das Verfahren braucht ein vollständiges Panel und je Kohorte genug auditierte Kommunen mit verschiedenen Anteilen.",
            "Difference-in-differences with a continuous treatment (Callaway, Goodman-Bacon & Sant'Anna): the effect ATT(d) at an implemented share d and its slope (average causal response), here as a straight line in d, with standard errors from the influence functions and uniform bands from a multiplier bootstrap (fixed seed). ATT(d) needs parallel trends, the slope and any comparison across doses strong parallel trends. The method needs a complete panel and enough audited units with distinct shares in each cohort.",
        ),
    ),
    "did_multiplegt": (
        Text("Auslaufende Zertifikate", "Lapsed certificates"),
        Text(
            "Ein Zertifikat gilt drei Jahre; ohne rechtzeitiges Re-Audit scheidet die Kommune aus. Design: Ab ihrer Zertifizierung beginnen alle auditierten Kommunen mit einem Zertifikat in Kraft (die Jahre davor zählen nicht); Kommunen, deren Zertifikat ausläuft, wechseln heraus, die im selben Jahr noch zertifizierten sind ihre Vergleichsgruppe. Die Ereignisstudie nach de Chaisemartin & D'Haultfœuille (DID_l, wie das R-Paket DIDmultiplegtDYN) schätzt so den Effekt des Auslaufens je Jahr danach, mit Placebos davor und Cluster-robusten Standardfehlern (Kommune). Annahme: ohne Auslaufen hätte sich der Indikator wie bei den noch zertifizierten Kommunen entwickelt; wächst deren eigener Effekt noch, erscheint das Auslaufen ungünstiger, als es ist.",
            "A certificate runs three years; without a re-audit in time the municipality leaves the programme. Design: from their certification on, every audited municipality starts with a certificate in force (the years before do not count); municipalities whose certificate lapses switch out, those still certified in the same year are their comparison group. The event study of de Chaisemartin & D'Haultfœuille (DID_l, as in the R package DIDmultiplegtDYN) thus estimates the effect of the lapse per year after it, with placebos before it and cluster-robust standard errors (unit). Assumption: without the lapse the indicator would have developed like that of the municipalities still certified; if their own effect is still growing, the lapse looks worse than it is.",
        ),
    ),
    "sensitivity": (
        Text(
            "Sensitivität gegen Abweichungen von parallelen Trends",
            "Sensitivity to violations of parallel trends",
        ),
        Text(
            "Robuste Intervalle nach Rambachan & Roth (HonestDiD, relative Größen) für den Effekt im Jahr des Beginns: wie groß dürfen die Abweichungen von parallelen Trends nach dem Beginn sein, gemessen an der größten vor dem Beginn (Mbar), bevor das Intervall null einschließt? Dieser Breakdown-Wert geht in die Bewertung ein. Bei variierender Basisperiode sind die Effekte vor dem Beginn Einjahresveränderungen; der Wert ist dann eine Näherung.",
            "Robust intervals after Rambachan & Roth (HonestDiD, relative magnitudes) for the effect in the onset year: how large may violations of parallel trends after onset be, relative to the largest one before onset (Mbar), before the interval includes zero? This breakdown value enters the grade. With a varying base period the pre-onset effects are one-year changes; the value is then an approximation.",
        ),
    ),
}
METHODS.update(MIXED_METHODS)  # the methods of the mixed-methods section


TITLE = Text("Anhang: Methoden", "Appendix: methods")
INTRO = Text(
    "Kurzbeschreibungen der Verfahren, die für diesen Bericht gerechnet wurden: was sie "
    "schätzen, was sie annehmen und wie ihre Unsicherheit berechnet wird.",
    "Short descriptions of the methods computed for this report: what they estimate, what "
    "they assume and how their uncertainty is computed.",
)
SE_HEADING = Text("Standardfehler-Konventionen", "Standard-error conventions")
SE_INTRO = Text(
    "Die Tabellen nennen nur die Konvention; hier steht, was sie bedeutet.",
    "The tables only name the convention; here is what it means.",
)
SE_TABLE = Text("Konventionen der Standardfehler", "Standard-error conventions")
RULES_HEADING = Text("Bewertungsregeln der Kurzfassung", "Grading rules of the summary")
RULES_INTRO = Text(
    "Jede Hauptschätzung beginnt als „belastbar“; jede Regel, die zutrifft, begrenzt die "
    "Bewertung auf die genannte Stufe, und die Begründung nennt sie. Die Bewertung ist die "
    "niedrigste Stufe aller zutreffenden Regeln.",
    "Every primary estimate starts as 'robust'; each rule that applies limits the grade to "
    "the level given, and the reasons name it. The grade is the lowest level of all rules "
    "that apply.",
)
RULES_TABLE = Text("Regeln der Bewertung", "Grading rules")
PROV_TITLE = Text("Anhang: Herkunft", "Appendix: provenance")
PROV_INTRO = Text(
    "Dieser Bericht ist aus den unten genannten Dateien und der Konfiguration entstanden. "
    "Dieselben Eingaben ergeben denselben Bericht, Byte für Byte. Datum, Versionen der "
    "Abhängigkeiten, Python, Plattform und Code-Version stehen in provenance.json neben dem "
    "Bericht; audit-eval verify prüft ihn nach.",
    "This report was made from the files listed below and the configuration. The same inputs "
    "give the same report, byte for byte. Date, dependency versions, Python, platform and "
    "code version are in provenance.json beside the report; audit-eval verify checks it.",
)
DEFAULTS = Text(
    "Ohne Konfigurationsdatei erstellt: es gelten die dokumentierten Voreinstellungen (alle "
    "Indikatoren des Katalogs), vollständig unten aufgeführt. Eine kommentierte Vorlage "
    "schreibt audit-eval config --example.",
    "Made without a configuration file: the documented defaults apply (every indicator of "
    "the catalogue), listed in full below. audit-eval config --example writes a commented "
    "template.",
)
PACKAGE = Text("Paket", "Package")
SEED = Text("Startwert (seed)", "Seed")
CONFIG_HASH = Text("Konfiguration (SHA-256)", "Configuration (SHA-256)")
INPUTS = Text("Eingabedateien", "Input files")


def methods(ctx: Context) -> Section:
    """The methods appendix: exactly the methods that ran, each standard-error convention
    once, and the grading rules of the summary (from the table that computes the grades)."""
    sec = Section("methods", ctx.tr(TITLE))
    sec.add(Paragraph(ctx.tr(INTRO)))
    ran = list(ctx.ran)
    if ctx.cache.get("analyses") and "sensitivity" not in ran:
        if any(a.sensitivity is not None for a in ctx.cache["analyses"]):
            ran.append("sensitivity")
    for key in [k for k in METHODS if k in ran]:
        title, text = METHODS[key]
        sec.add(Heading(ctx.tr(title), level=3), Paragraph(ctx.tr(text)))
    if "findings" in ctx.config.report.sections and ctx.cache.get("analyses"):
        sec.add(Heading(ctx.tr(RULES_HEADING), level=3), Paragraph(ctx.tr(RULES_INTRO)))
        sec.add(ReportTable("methods_grading_rules", ctx.tr(RULES_TABLE), rules_table(ctx.lang)))
    if ctx.inference:
        sec.add(Heading(ctx.tr(SE_HEADING), level=3), Paragraph(ctx.tr(SE_INTRO)))
        table = pd.DataFrame(
            {
                "convention": [ctx.tr(convention_label(i + 1)) for i in range(len(ctx.inference))],
                "standard_errors": [ctx.tr(d) for d in ctx.inference.values()],
            }
        )
        sec.add(ReportTable("methods_standard_errors", ctx.tr(SE_TABLE), table))
    return sec


def provenance(ctx: Context, record: dict[str, Any]) -> Section:
    """The provenance appendix: package, seed, configuration and input files."""
    sec = Section("provenance", ctx.tr(PROV_TITLE))
    sec.add(Paragraph(ctx.tr(PROV_INTRO)))
    if ctx.config.source_path is None and not ctx.config.source_text:
        sec.add(Paragraph(ctx.tr(DEFAULTS)))
    sec.add(
        Facts(
            (
                (ctx.tr(PACKAGE), f"evaluation {record['package']['version']}"),
                (ctx.tr(SEED), str(record["seed"])),
                (ctx.tr(CONFIG_HASH), record["config"]["sha256"]),
            )
        )
    )
    inputs = pd.DataFrame(
        [(i["name"], i["bytes"], i["sha256"]) for i in record["inputs"]],
        columns=["file", "bytes", "sha256"],
    )
    sec.add(ReportTable("provenance_inputs", ctx.tr(INPUTS), inputs))
    return sec
