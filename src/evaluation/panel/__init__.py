"""The classic impact designs on outcome panels: before/after and interrupted time series
(treated units only), the 2x2 difference-in-differences, two-way fixed effects and the event
study, comparison groups by matching, randomisation inference and placebos in time.

Panels themselves (the convention, the normaliser, building a panel from a study) are part of
the data model, :mod:`evaluation.study.panel`; the fixed-effects engine and its
standard-error convention are :mod:`evaluation.stats.fixed_effects`. Both are re-exported
here under their older names for one release.
"""

from __future__ import annotations

from ..results import BiText
from ..results import Estimates as PanelEstimates  # deprecated: results take Text now
from ..stats.fixed_effects import (
    CLUSTER_OPTIONS,
    SE_NOTES,
    ClusterOption,
    FEFit,
    covariate_terms,
    fe_regression,
    refuse_singular_covariance,
    treated_clusters,
)
from ..study.panel import (
    COHORT,
    TIME,
    UNIT,
    OnsetName,
    Roles,
    build_panel,
    check_panel,
    event_window,
    missing_table,
    post_indicator,
    resolve_roles,
)
from .before_after import BeforeAfterResult, ITSResult, before_after, interrupted_time_series
from .did import DidResult, did_2x2
from .inference import RandomizationResult, placebo_in_time, randomization_inference
from .matching import MatchResult, match_comparison
from .twfe import EventStudyResult, event_dummies, event_study, sup_t_critical, twfe

__all__ = [
    "CLUSTER_OPTIONS",
    "COHORT",
    "SE_NOTES",
    "TIME",
    "UNIT",
    "BeforeAfterResult",
    "BiText",
    "ClusterOption",
    "DidResult",
    "EventStudyResult",
    "FEFit",
    "ITSResult",
    "MatchResult",
    "OnsetName",
    "PanelEstimates",
    "RandomizationResult",
    "Roles",
    "before_after",
    "build_panel",
    "check_panel",
    "covariate_terms",
    "did_2x2",
    "event_dummies",
    "event_study",
    "event_window",
    "fe_regression",
    "interrupted_time_series",
    "match_comparison",
    "missing_table",
    "placebo_in_time",
    "post_indicator",
    "randomization_inference",
    "refuse_singular_covariance",
    "resolve_roles",
    "sup_t_critical",
    "treated_clusters",
    "twfe",
]
