"""The classic impact designs on outcome panels: before/after and interrupted time series
(treated units only), the 2x2 difference-in-differences, two-way fixed effects and the event
study, comparison groups by matching, randomisation inference and placebos in time.

Every result is complete when it is made (:mod:`evaluation.panel.results`); the regression
designs (``twfe``, ``event_study``, ``did_2x2``) offer ``vcov()`` and ``design()``, so that
:func:`evaluation.honest_did` and :func:`evaluation.wild_bootstrap` take them directly.

Panels themselves (the convention, the normaliser, building a panel from a study) are part of
the data model, :mod:`evaluation.study.panel`; the fixed-effects engine and its
standard-error conventions are :mod:`evaluation.stats.fixed_effects`. Both are re-exported
here under their older names for one release.
"""

from __future__ import annotations

from ..stats.bands import sup_t_critical
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
from .before_after import before_after, interrupted_time_series
from .did import did_2x2
from .inference import RandomizationResult, placebo_in_time, randomization_inference
from .matching import BalanceTable, MatchResult, match_comparison
from .results import (
    BeforeAfterResult,
    DidResult,
    EventStudyResult,
    ITSResult,
    PanelEstimates,
    PreTrendTest,
    TwfeResult,
)
from .twfe import event_dummies, event_study, twfe

__all__ = [
    "CLUSTER_OPTIONS",
    "COHORT",
    "SE_NOTES",
    "TIME",
    "UNIT",
    "BalanceTable",
    "BeforeAfterResult",
    "ClusterOption",
    "DidResult",
    "EventStudyResult",
    "FEFit",
    "ITSResult",
    "MatchResult",
    "OnsetName",
    "PanelEstimates",
    "PreTrendTest",
    "RandomizationResult",
    "Roles",
    "TwfeResult",
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
