"""Analyses of the mixed-methods tables: goal attainment, coder agreement, surveys, costs."""

from .agreement import CoderAgreement, coder_agreement, krippendorff_alpha
from .costs import MeasureCosts, measure_costs
from .goals import (
    AttainmentByImplementation,
    GoalAttainment,
    attainment_by_implementation,
    goal_attainment,
    goal_implementation_shares,
    t_score,
)
from .readers import SurveyFileWarning, read_survey_file
from .survey import LIKERT_SCALES, SurveyEstimates, survey_estimates

__all__ = [
    "LIKERT_SCALES",
    "AttainmentByImplementation",
    "GoalAttainment",
    "MeasureCosts",
    "SurveyFileWarning",
    "read_survey_file",
    "measure_costs",
    "attainment_by_implementation",
    "goal_attainment",
    "goal_implementation_shares",
    "t_score",
    "CoderAgreement",
    "SurveyEstimates",
    "coder_agreement",
    "krippendorff_alpha",
    "survey_estimates",
]
