"""Statistical engines shared by the estimators: the wild cluster bootstrap and multiple
testing across a family of estimates."""

from .multiple_testing import adjust_pvalues, holm, romano_wolf
from .wild_bootstrap import (
    LinearDesign,
    WildBootstrapResult,
    wild_bootstrap,
    wild_bootstrap_design,
    wild_bootstrap_ols,
)

__all__ = [
    "LinearDesign",
    "WildBootstrapResult",
    "adjust_pvalues",
    "holm",
    "romano_wolf",
    "wild_bootstrap",
    "wild_bootstrap_design",
    "wild_bootstrap_ols",
]
