"""Heterogeneity-robust staggered difference-in-differences.

- :func:`att_gt`: group-time effects of Callaway & Sant'Anna (2021), with ``aggregate()``,
  ``pretest()`` (pooled over cohorts by event time, or cell by cell), ``influence()`` and
  ``vcov()``, analytic influence-function standard errors and a clustered multiplier
  bootstrap with simultaneous bands; :func:`randomization_att_gt`: randomisation inference for
  its aggregations (and for :func:`sun_abraham`);
- :func:`sun_abraham`: the interaction-weighted event study of Sun & Abraham (2021);
- :func:`bacon_decomposition`: the Goodman-Bacon (2021) decomposition of the two-way fixed
  effects estimate into its 2x2 comparisons;
- :func:`continuous_did`: difference-in-differences with a continuous treatment (Callaway,
  Goodman-Bacon & Sant'Anna 2024), dose-response ATT(d) and ACRT(d);
- :func:`heterogeneity`: effects by subgroups of treated units (e.g. implementation intensity)
  with a test of equal effects;
- :func:`did_multiplegt`: event-study effects of de Chaisemartin & D'Haultfoeuille (2024) for
  treatments that switch on and off; :func:`twfe_weights`: the negative-weight diagnostic of
  the two-way fixed effects coefficient (de Chaisemartin & D'Haultfoeuille 2020);
- :func:`compare_estimators`: every staggered estimator on one panel, their event-study paths
  on one axis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import StaggeredWarning
from ..lazy import lazy_names
from ._attgt import att_gt

# eager: the function has the name of its module, and a lazy name would be replaced by the
# module as soon as anyone imports ``evaluation.staggered.heterogeneity``
from .heterogeneity import HeterogeneityResult, heterogeneity
from .results import (
    AggregatedEffects,
    BaconDecomposition,
    CohortEffects,
    GroupTimeEffects,
    OverallEffect,
    PreTest,
    SunAbrahamEffects,
)

if TYPE_CHECKING:
    from ._bacon import bacon_decomposition
    from ._sunab import sun_abraham
    from .compare import EstimatorComparison, compare_estimators
    from .continuous import ContinuousDiD, continuous_did
    from .dcdh import SwitchingEffects, TWFEWeights, did_multiplegt, twfe_weights
    from .imputation import ImputationEffects, did_imputation
    from .randomization import StaggeredRandomization, randomization_att_gt
    from .two_stage import TwoStageEffects, did_two_stage

# the other estimators are imported on first use: att_gt alone should not pay for the
# imports of the comparison (panel estimators, scipy.sparse) and the rest
_LAZY = {
    "bacon_decomposition": "._bacon",
    "sun_abraham": "._sunab",
    "compare_estimators": ".compare",
    "EstimatorComparison": ".compare",
    "continuous_did": ".continuous",
    "ContinuousDiD": ".continuous",
    "did_multiplegt": ".dcdh",
    "twfe_weights": ".dcdh",
    "TWFEWeights": ".dcdh",
    "SwitchingEffects": ".dcdh",
    "did_imputation": ".imputation",
    "ImputationEffects": ".imputation",
    "randomization_att_gt": ".randomization",
    "StaggeredRandomization": ".randomization",
    "did_two_stage": ".two_stage",
    "TwoStageEffects": ".two_stage",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


__all__ = [
    "att_gt",
    "sun_abraham",
    "bacon_decomposition",
    "BaconDecomposition",
    "SunAbrahamEffects",
    "GroupTimeEffects",
    "AggregatedEffects",
    "OverallEffect",
    "PreTest",
    "StaggeredWarning",
    "did_multiplegt",
    "twfe_weights",
    "TWFEWeights",
    "continuous_did",
    "heterogeneity",
    "HeterogeneityResult",
    "ContinuousDiD",
    "SwitchingEffects",
    "CohortEffects",
    "did_imputation",
    "did_two_stage",
    "ImputationEffects",
    "TwoStageEffects",
    "randomization_att_gt",
    "StaggeredRandomization",
    "compare_estimators",
    "EstimatorComparison",
]
