"""Analyses of the mixed-methods tables: goal attainment, coder agreement, surveys, costs."""

from .agreement import CoderAgreement, coder_agreement, krippendorff_alpha

__all__ = ["CoderAgreement", "coder_agreement", "krippendorff_alpha"]
