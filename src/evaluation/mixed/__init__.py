"""Analyses of the mixed-methods tables: goal attainment, coder agreement, surveys, costs."""

from .agreement import CoderAgreement, coder_agreement, krippendorff_alpha
from .survey import LIKERT_SCALES, SurveyEstimates, survey_estimates

__all__ = [
    "LIKERT_SCALES",
    "CoderAgreement",
    "SurveyEstimates",
    "coder_agreement",
    "krippendorff_alpha",
    "survey_estimates",
]
