"""Statistical building blocks shared by the estimators: the fixed-effects engine with the one
registry of standard-error conventions, simultaneous bands, the wild cluster bootstrap,
multiple testing across a family of estimates and the within transformation."""

from .bands import sup_t_critical
from .design import LinearDesign
from .fixed_effects import SE_CONVENTIONS, FEFit, SEConvention, cluster_inference, fe_regression
from .multiple_testing import adjust_pvalues, holm, romano_wolf
from .wild_bootstrap import (
    WildBootstrapResult,
    wild_bootstrap,
    wild_bootstrap_design,
    wild_bootstrap_ols,
)

__all__ = [
    "SE_CONVENTIONS",
    "FEFit",
    "LinearDesign",
    "SEConvention",
    "WildBootstrapResult",
    "adjust_pvalues",
    "cluster_inference",
    "fe_regression",
    "holm",
    "romano_wolf",
    "sup_t_critical",
    "wild_bootstrap",
    "wild_bootstrap_design",
    "wild_bootstrap_ols",
]
