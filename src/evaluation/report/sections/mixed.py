"""Section "goal attainment, measure types, surveys and costs": one part for each of the
mixed-methods data the study has (rated goals, measure codes, survey responses, costs); a
study with none of them has no such section. Every table and figure comes from
:mod:`evaluation.mixed` through :mod:`evaluation.report.mixed_analyses`; this module only
declares and arranges them, and gives the summary of findings its sentence on goal
attainment."""

from __future__ import annotations

from typing import Any

from ...i18n import Text, number, signed
from .. import mixed_analyses as mixed
from ..context import Context
from ..document import Heading, Paragraph, Section
from ..steps import Step, run_steps

TITLE = Text(
    "Zielerreichung, Maßnahmenarten, Befragungen und Kosten",
    "Goal attainment, types of measure, surveys and costs",
)
INTRO = Text(
    "Ergänzende Daten der Evaluation, soweit die Studie sie enthält. Namen von Gutachtern, "
    "Codierern und Befragten erscheinen in keiner Tabelle.",
    "Further data of the evaluation, as far as the study has them. Names of raters, coders "
    "and respondents appear in no table.",
)
GOALS = Text("Zielerreichung", "Goal attainment")
GOALS_INTRO = Text(
    "Die Ziele der Zielvereinbarung sind beim Re-Audit auf der Skala −2 bis +2 bewertet "
    "(Goal Attainment Scaling nach Kiresuk und Sherman); der T-Wert fasst die Ziele eines "
    "Audits je Handlungsfeld zusammen: 50 heißt wie erwartet erreicht, 10 Punkte entsprechen "
    "einer Standardabweichung.",
    "The goals of the target agreement are rated at the re-audit on the scale −2 to +2 "
    "(goal attainment scaling after Kiresuk and Sherman); the T-score combines the goals of an "
    "audit per action field: 50 means attained as expected, 10 points are one standard "
    "deviation.",
)
CODES = Text(
    "Art der Maßnahmen und Übereinstimmung der Codierung", "Types of measure and coder agreement"
)
SURVEYS = Text("Befragungen", "Surveys")
SURVEY_INTRO = Text(
    "Gewichtete Schätzungen mit designbasierten Standardfehlern (Schichten, Klumpen, "
    "Gewichte; Taylor-Linearisierung); Antworten auf Likert-Skalen sind 1 bis 5 codiert.",
    "Weighted estimates with design-based standard errors (strata, clusters, weights; Taylor "
    "linearisation); answers on Likert scales are coded 1 to 5.",
)
COSTS = Text("Kosten", "Costs")
ATTAINMENT_SENTENCE = Text(
    "Zielerreichung: Die {n} bewerteten Ziele erreichen im Mittel einen T-Wert von {t} (50 = "
    "wie erwartet). Ziele, deren Maßnahmen alle umgesetzt sind, liegen {all} Stufen, Ziele ohne "
    "umgesetzte Maßnahme {none} Stufen von der Erwartung entfernt (Skala −2 bis +2).",
    "Goal attainment: the {n} rated goals reach a mean T-score of {t} (50 = as expected). "
    "Goals whose measures were all implemented lie {all} levels, goals without an implemented "
    "measure {none} levels from expectation (scale −2 to +2).",
)

#: what each method of the section does, for the methods appendix
METHODS: dict[str, tuple[Text, Text]] = {
    "goal_attainment": (
        Text("Zielerreichungsskalen (GAS)", "Goal attainment scaling (GAS)"),
        Text(
            "T = 50 + 10·Σwᵢxᵢ / √((1−ρ)Σwᵢ² + ρ(Σwᵢ)²) mit xᵢ = erreichte minus erwartete Stufe "
            "und der angenommenen Korrelation ρ = 0,3 zwischen den Zielen (Kiresuk und Sherman "
            "1968). Der Zusammenhang mit der Umsetzung vergleicht Ziele ohne, mit teilweise und "
            "mit vollständig umgesetzten Maßnahmen (Standardfehler mit Audits als Cluster).",
            "T = 50 + 10·Σwᵢxᵢ / √((1−ρ)Σwᵢ² + ρ(Σwᵢ)²) with xᵢ = attained minus expected level "
            "and an assumed correlation ρ = 0.3 between the goals (Kiresuk and Sherman 1968). "
            "The link with implementation compares goals with none, some or all of their "
            "measures implemented (standard errors with audits as clusters).",
        ),
    ),
    "coder_agreement": (
        Text("Übereinstimmung der Codierung", "Coder agreement"),
        Text(
            "Krippendorffs Alpha (nominal) sowie Cohens und Fleiss' Kappa je Dimension; das "
            "Intervall zieht die Maßnahmen mit Zurücklegen (Perzentil-Intervall, fester "
            "Startwert).",
            "Krippendorff's alpha (nominal) and Cohen's and Fleiss' kappa per dimension; the "
            "interval resamples the measures (percentile interval, fixed seed).",
        ),
    ),
    "survey": (
        Text("Befragungen", "Surveys"),
        Text(
            "Gewichtete Mittelwerte und Anteile; Standardfehler nach dem Stichprobenplan "
            "(Schichten, Klumpen als primäre Einheiten, Endlichkeitskorrektur wo angegeben; "
            "Taylor-Linearisierung wie im R-Paket survey). Teilgruppen sind Domänen des ganzen "
            "Plans.",
            "Weighted means and shares; standard errors from the sampling design (strata, "
            "clusters as primary units, finite population correction where given; Taylor "
            "linearisation as in the R package survey). Subgroups are domains of the whole "
            "design.",
        ),
    ),
    "costs": (
        Text("Kosten je umgesetzter Maßnahme", "Cost per implemented measure"),
        Text(
            "Die Kosten aller Maßnahmen eines Handlungsfelds geteilt durch die Zahl der "
            "umgesetzten (Verhältnisschätzer); Standardfehler linearisiert mit Kommunen als "
            "Cluster.",
            "The cost of all measures of an action field divided by the number implemented "
            "(ratio estimator); standard errors linearised with municipalities as clusters.",
        ),
    ),
}


#: the columns shown in the report (the CSV files keep every column)
LINK_COLUMNS = ("implementation_group", "estimate", "std_error", "ci_low", "ci_high", "n_goals")
AGREEMENT_COLUMNS = ("dimension", "statistic", "estimate", "ci_low", "ci_high", "n_units")
SURVEY_COLUMNS = (
    "item",
    "survey_id",
    "wave",
    "group",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "n_respondents",
    "n_missing",
)
COST_COLUMNS = (
    "action_field",
    "cost",
    "n_measures",
    "n_implemented",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
)


def goal_steps() -> list[Step]:
    return [
        Step(
            "goal_attainment",
            None,
            mixed.attainment,
            Text(
                "T-Werte der Zielerreichung je Audit und Handlungsfeld",
                "Goal-attainment T-scores by audit and action field",
            ),
            method="goal_attainment",
            show=False,
        ),
        Step(
            "goal_attainment_by_implementation",
            None,
            mixed.attainment_link,
            Text(
                "Zielerreichung nach umgesetztem Anteil der Maßnahmen",
                "Goal attainment by implemented share of the measures",
            ),
            plot=False,
            columns=LINK_COLUMNS,
        ),
    ]


def code_steps() -> list[Step]:
    return [
        Step(
            "coder_agreement",
            None,
            mixed.agreement,
            Text("Übereinstimmung je Dimension", "Agreement by dimension"),
            method="coder_agreement",
            columns=AGREEMENT_COLUMNS,
        )
    ]


def survey_steps() -> list[Step]:
    return [
        Step(
            "survey_means",
            None,
            mixed.survey_means,
            Text("Mittelwerte je Item und Teilgruppe", "Means by item and subgroup"),
            plot=False,
            method="survey",
            columns=SURVEY_COLUMNS,
        ),
        Step(
            "survey_shares",
            None,
            mixed.survey_shares,
            Text("Antwortanteile je Item und Teilgruppe", "Shares of answers by item and subgroup"),
            show=False,
        ),
    ]


def cost_steps() -> list[Step]:
    return [
        Step(
            "measure_costs",
            None,
            mixed.costs,
            Text(
                "Kosten je umgesetzter Maßnahme und Handlungsfeld",
                "Cost per implemented measure by action field",
            ),
            method="costs",
            columns=COST_COLUMNS,
        )
    ]


def parts(ctx: Context) -> list[tuple[Text, Text | None, list[Step]]]:
    """The parts the study has data for: heading, introduction and steps."""
    study = ctx.study
    out: list[tuple[Text, Text | None, list[Step]]] = []
    if study.has("goal_attainment"):
        out.append((GOALS, GOALS_INTRO, goal_steps()))
    if study.has("measure_codes"):
        out.append((CODES, None, code_steps()))
    if study.has("survey_responses"):
        out.append((SURVEYS, SURVEY_INTRO, survey_steps()))
    if study.has("costs"):
        out.append((COSTS, None, cost_steps()))
    return out


def build(ctx: Context) -> Section | None:
    """The section, or None when the study has none of the mixed-methods data."""
    found = parts(ctx)
    if not found:
        return None
    sec = Section("mixed_methods", ctx.tr(TITLE))
    sec.add(Paragraph(ctx.tr(INTRO)))
    for heading, intro, steps in found:
        sec.add(Heading(ctx.tr(heading), level=3))
        if intro is not None:
            sec.add(Paragraph(ctx.tr(intro)))
        run_steps(ctx, sec, steps)
    return sec


def attainment_sentence(gas: Any, link: Any) -> Text | None:
    """The summary's sentence on goal attainment (None when either result is missing)."""
    if gas is None or link is None:
        return None
    t = link.tidy().set_index("implementation_group")["estimate"]
    if not {"none", "all"} <= set(t.index):
        return None

    def both(x: float, fn=number) -> Text:
        return Text(fn(x, "de", 1), fn(x, "en", 1))

    return ATTAINMENT_SENTENCE.format(
        n=Text(number(gas.facts["n_goals"], "de", 0), number(gas.facts["n_goals"], "en", 0)),
        t=both(float(gas.facts["mean_t_score"])),
        all=both(float(t["all"]), signed),
        none=both(float(t["none"]), signed),
    )
