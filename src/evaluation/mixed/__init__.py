"""Analyses of the mixed-methods tables: goal attainment, coder agreement, surveys, costs.

The analyses take plain DataFrames with the columns of the tables ``goals`` (goal-attainment
columns), ``measure_codes``, ``measures`` (cost columns), ``surveys`` and
``survey_responses``; each module's docstring gives its table's columns. Every result is
complete when it is made, with its texts in German and English (:class:`evaluation.i18n.Text`),
its ``inference`` and its ``count_columns``, and never shows the names of raters, coders or
respondents.
"""

from ._status import latest_status
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
    "latest_status",
    "survey_estimates",
]
