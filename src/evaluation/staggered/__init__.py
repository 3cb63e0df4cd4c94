"""Heterogeneity-robust staggered difference-in-differences.

- :func:`att_gt`: group-time effects of Callaway & Sant'Anna (2021), with ``aggregate()``,
  ``pretest()``, analytic influence-function standard errors and a clustered multiplier
  bootstrap with simultaneous bands;
- :func:`sun_abraham`: the interaction-weighted event study of Sun & Abraham (2021);
- :func:`bacon_decomposition`: the Goodman-Bacon (2021) decomposition of the two-way fixed
  effects estimate into its 2x2 comparisons.
"""

from __future__ import annotations

from ._attgt import AggregatedEffects, GroupTimeEffects, OverallEffect, PreTest, att_gt
from ._bacon import BaconDecomposition, bacon_decomposition
from ._data import StaggeredWarning
from ._sunab import SunAbrahamEffects, sun_abraham
from .imputation import ImputationEffects, did_imputation
from .two_stage import TwoStageEffects, did_two_stage

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
]
__all__ += ["did_imputation", "did_two_stage", "ImputationEffects", "TwoStageEffects"]
