"""The mixed-methods analyses of a report, run once and shared by their section and the
summary of findings: goal attainment, coder agreement, survey estimates and costs.

Each function runs one analysis of :mod:`evaluation.mixed` on the study (cached in the
context; the caller guards it) and returns None when the study does not have its data, so
that the section leaves the part out. This module only chooses the arguments.
"""

from __future__ import annotations

from typing import Any

from ..mixed import (
    attainment_by_implementation,
    coder_agreement,
    goal_attainment,
    goal_implementation_shares,
    measure_costs,
    survey_estimates,
)
from .context import Context

#: bootstrap draws of the coder-agreement intervals
AGREEMENT_DRAWS = 999


def _weights(ctx: Context) -> str | None:
    """The goal weights when the study gives any, else equal weights."""
    return "weight" if ctx.study.goals["weight"].notna().any() else None


def attainment(ctx: Context) -> Any:
    """Goal-attainment T-scores per audit and action field (None: no rated goals)."""
    if not ctx.study.has("goal_attainment"):
        return None
    return ctx.cache_get(
        "mixed_goal_attainment",
        lambda: goal_attainment(ctx.study, by="action_field", weights=_weights(ctx)),
    )


def attainment_link(ctx: Context) -> Any:
    """Goal attainment by the implemented share of the goal's measures (None: no rated
    goals)."""
    if not ctx.study.has("goal_attainment"):
        return None
    success = ctx.config.implementation.success
    return ctx.cache_get(
        "mixed_attainment_link",
        lambda: attainment_by_implementation(
            ctx.study, goal_implementation_shares(ctx.study, success=success)
        ),
    )


def agreement(ctx: Context) -> Any:
    """Krippendorff's alpha and the kappas per coding dimension (None: no measure codes)."""
    if not ctx.study.has("measure_codes"):
        return None
    return ctx.cache_get(
        "mixed_agreement",
        lambda: coder_agreement(ctx.study, n_draws=AGREEMENT_DRAWS, seed=ctx.config.seed),
    )


def survey_domains(ctx: Context) -> list[str]:
    """The domains of the survey estimates: the wave (or the survey), and audited against
    comparison municipalities where every respondent's municipality is known."""
    r = ctx.study.survey_responses
    waves = ctx.study.surveys.set_index("survey_id")["wave"]
    wave_known = r["survey_id"].map(waves).notna().all()
    by = ["wave" if wave_known else "survey_id"]
    groups = ctx.study.municipalities.set_index("municipality_id")["group"]
    if r["municipality_id"].map(groups).notna().all():
        by.append("group")
    return by


def _items(ctx: Context) -> list[str]:
    return list(dict.fromkeys(ctx.study.survey_responses["item"].dropna().astype(str)))


def survey_means(ctx: Context) -> Any:
    """Weighted means of every item per domain, design-based SEs (None: no survey)."""
    if not ctx.study.has("survey_responses"):
        return None
    return ctx.cache_get(
        "mixed_survey_means",
        lambda: survey_estimates(ctx.study, _items(ctx), by=survey_domains(ctx)),
    )


def survey_shares(ctx: Context) -> Any:
    """Weighted shares of every answer per item and domain (None: no survey)."""
    if not ctx.study.has("survey_responses"):
        return None
    return ctx.cache_get(
        "mixed_survey_shares",
        lambda: survey_estimates(ctx.study, _items(ctx), by=survey_domains(ctx), statistic="share"),
    )


def costs(ctx: Context) -> Any:
    """Cost per implemented measure per action field (None: no costs)."""
    if not ctx.study.has("costs"):
        return None
    success = ctx.config.implementation.success
    return ctx.cache_get(
        "mixed_costs",
        lambda: measure_costs(ctx.study, by="action_field", success=success, seed=ctx.config.seed),
    )
