"""Section "planning/power": what the study's design can detect.

For every analysed indicator (placebo indicators left out) the design is estimated from the
study (:meth:`evaluation.PanelDesign.from_study`: cohorts, comparison units, years, noise from
the untreated years) and :func:`evaluation.minimum_detectable_effect` gives the analytic
minimum detectable effects of TWFE, the event study and Callaway & Sant'Anna; the sentence of
the primary estimator is shown above the table. Every number comes from there; this module only
arranges the results.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...i18n import Text
from ...options import PlanEstimatorName
from ...planning import PanelDesign, minimum_detectable_effect
from ..analyses import label_of
from ..context import Context, result_notes
from ..document import Facts, Heading, Paragraph, ReportTable, Section, slug

TITLE = Text("Planung/Power", "Planning/power")
INTRO = Text(
    "Welche Wirkung könnte diese Evaluation überhaupt finden? Aus den Kohorten, den "
    "Vergleichskommunen, den Jahren und dem Rauschen der unbehandelten Jahre (Residuen mit "
    "Einheiten- und Jahreseffekten, Autokorrelation, Korrelation innerhalb von Land und Jahr) "
    "folgt der kleinste Effekt, den ein zweiseitiger Test zum Niveau 5 % mit 80 % "
    "Wahrscheinlichkeit erkennt (analytisch berechnet). Kleinere wahre Effekte bleiben "
    "leicht unentdeckt; ein nicht signifikantes Ergebnis heißt dann nicht „keine Wirkung“.",
    "Which effect could this evaluation find at all? The cohorts, the comparison "
    "municipalities, the years and the noise of the untreated years (residuals with unit and "
    "year effects, autocorrelation, correlation within state and year) give the smallest "
    "effect that a two-sided test at 5 % detects with probability 80 % (computed "
    "analytically). Smaller true effects easily go unnoticed; a non-significant result then "
    "does not mean 'no effect'.",
)
CAPTION = Text("Minimal erkennbare Effekte: {label}", "Minimum detectable effects: {label}")
ESTIMATORS: tuple[PlanEstimatorName, ...] = ("twfe", "event_study", "att_gt")
ESTIMATOR_NAMES = {
    "twfe": Text("TWFE", "TWFE"),
    "event_study": Text("Event-Study (Mittel nach Beginn)", "event study (mean after onset)"),
    "att_gt": Text("Callaway-Sant'Anna", "Callaway-Sant'Anna"),
}
COLUMNS = ("estimator", "mde", "power", "alpha", "n_audited", "n_comparison", "n_years")


def mde(ctx: Context, indicator: str) -> Any:
    """The analytic minimum detectable effects of the study's design for ``indicator``
    (cached: the design is estimated once per report)."""

    def run() -> Any:
        design = PanelDesign.from_study(ctx.study, indicator)
        return minimum_detectable_effect(design, estimator=list(ESTIMATORS), method="analytic")

    return ctx.cache_get(("power_mde", indicator), run)


def primary_sentence(ctx: Context, result: Any) -> str | None:
    """The planner's sentence of the primary estimator's row ("mit 60 auditierten Kommunen
    ist ein Effekt ab ... erkennbar"), in the report's language."""
    estimators = list(result.tidy()["estimator"])
    primary = ctx.config.impact.primary.estimator
    if primary not in estimators:
        return None
    return ctx.tr(result.sentence_texts[estimators.index(primary)])


def mde_table(ctx: Context, result: Any) -> pd.DataFrame:
    """The tidy MDE table with the estimators named in the report's language."""
    table = result.tidy()[list(COLUMNS)].copy()
    table["estimator"] = [ctx.tr(ESTIMATOR_NAMES[e]) for e in table["estimator"]]
    return table


def indicator_block(ctx: Context, sec: Section, indicator: str) -> None:
    """Heading, the primary estimator's sentence, the design's facts and the MDE table."""
    label, _ = label_of(ctx, indicator)
    caption = ctx.tr(CAPTION.format(label=label))
    result = ctx.guard(sec, caption, mde, ctx, indicator)
    if result is None:
        return
    sec.add(Heading(label, level=3))
    sentence = primary_sentence(ctx, result)
    if sentence is not None:
        sec.add(Paragraph(sentence))
    summary = result.summary(lang=ctx.lang)
    sec.add(Facts(tuple((str(k), str(v)) for k, v in summary.facts)))
    sentences = {ctx.tr(t) for t in result.sentence_texts}
    notes = tuple(n for n in result_notes(result, ctx.lang) if n not in sentences)
    others = [
        ctx.tr(t) for t, e in zip(result.sentence_texts, result.tidy()["estimator"], strict=True)
        if e != ctx.config.impact.primary.estimator
    ]  # fmt: skip
    sec.add(
        ReportTable(
            f"power_{slug(indicator)}",
            caption,
            mde_table(ctx, result),
            (*others, *notes),
            show=True,
            percent_columns=("power", "alpha"),
        )
    )


def build(ctx: Context) -> Section:
    """The section "power"."""
    sec = Section("power", ctx.tr(TITLE))
    sec.add(Paragraph(ctx.tr(INTRO)))
    placebo = set(ctx.config.impact.placebo)
    for indicator in ctx.config.indicators(ctx.study):
        if indicator not in placebo:
            ctx.step(f"power: {indicator}")
            indicator_block(ctx, sec, indicator)
    return sec
