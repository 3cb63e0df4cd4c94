"""Sensitivity of event-study conclusions to violations of parallel trends (Rambachan & Roth).

:func:`honest_did` takes an event-study result (anything with ``tidy()``, ``keys`` and
``vcov()``, such as ``event_study``, ``sun_abraham`` or ``att_gt(...).aggregate("dynamic")``)
or the coefficients and their covariance as arrays, and returns robust confidence sets for a
post-period effect over a range of ``Mbar`` (relative magnitudes) or ``M`` (smoothness), the
original interval and the breakdown value. The array-level engine is in
:mod:`evaluation.sensitivity.core`.
"""

from .core import (
    Breakdown,
    ConfidenceSet,
    EventStudyInput,
    OptionError,
    breakdown_value,
    check_input,
    confidence_set,
)
from .honest import SensitivityResult, event_study_arrays, honest_did

__all__ = [
    "Breakdown",
    "ConfidenceSet",
    "EventStudyInput",
    "OptionError",
    "SensitivityResult",
    "breakdown_value",
    "check_input",
    "confidence_set",
    "event_study_arrays",
    "honest_did",
]
