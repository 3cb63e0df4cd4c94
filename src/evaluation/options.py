"""Every option vocabulary of the package, defined once, and the one function that checks a
value against it.

Estimators, the report configuration and the command line import their choices from here, so a
type hint and its run-time check cannot drift apart (the idea of pyfixest's ``literals``
module): ``check_option("control_group", value, ControlGroup)`` raises
:class:`~evaluation.errors.OptionError` naming the valid values and the closest one.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal, TypeVar, get_args

from .errors import OptionError
from .i18n import Lang as Lang

T = TypeVar("T")

# -- treatment timing and comparison groups ---------------------------------------------------
#: the date of an audit cycle that starts treatment
Onset = Literal["start", "agreement", "certification"]
#: which units serve as comparisons in staggered designs
ControlGroup = Literal["never_treated", "not_yet_treated"]
#: Sun & Abraham's comparison cohorts
SunAbrahamControl = Literal["never_treated", "last_treated"]
#: base period of pre-treatment group-time effects
BasePeriod = Literal["varying", "universal"]
#: aggregations of group-time effects
AggregationType = Literal["simple", "group", "dynamic", "calendar"]
#: the estimator of each group-time cell
DRMethod = Literal["dr", "ipw", "reg"]
#: what to do with units that miss years in staggered designs
Unbalanced = Literal["drop", "pairwise"]

# -- inference ---------------------------------------------------------------------------
#: clustering of fixed-effects regressions
ClusterSpec = Literal["unit", "state", "twoway", "none"]
#: reference distribution of a t- or z-statistic
Distribution = Literal["normal", "t"]
#: multiplier bootstrap weights
BootstrapWeights = Literal["mammen", "rademacher"]
#: wild cluster bootstrap weights
WildWeights = Literal["rademacher", "webb"]
#: multiple-testing adjustments
Adjustment = Literal["holm", "romano_wolf"]

# -- comparison groups by matching -------------------------------------------------------
MatchMethod = Literal["propensity", "mahalanobis"]
ComparisonDesign = Literal["all", "matched"]

# -- implementation success --------------------------------------------------------------
#: which status counts as success
Success = Literal["implemented", "at_least_partial"]

# -- yearly summary --------------------------------------------------------------------
#: which comparison units describe an audited unit's indicators in its profile: those of the
#: same administrative level (where there are enough), or all
ComparisonScope = Literal["level", "all"]

# -- output ------------------------------------------------------------------------------
OutputFormat = Literal["html", "pdf", "markdown", "docx"]
TableFormat = Literal["csv", "parquet"]


def choices(vocabulary: Any) -> tuple[str, ...]:
    """The values of a ``Literal`` vocabulary."""
    return tuple(get_args(vocabulary))


def check_option(name: str, value: T, vocabulary: Any) -> T:
    """``value`` if it is one of ``vocabulary``'s values; raises :class:`OptionError` naming
    ``name``, the valid values and the closest one otherwise."""
    allowed = choices(vocabulary)
    if value in allowed:
        return value
    hint = ""
    if isinstance(value, str):
        close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean {close[0]!r}?"
    raise OptionError(f"{name} must be one of {list(allowed)}, got {value!r}{hint}")


#: Upper limit of every number of random draws (bootstrap, randomisation, simulation): the
#: draws are held in memory, and more than a million add nothing a reader could see.
MAX_DRAWS = 1_000_000
#: Largest working memory a single analysis may allocate for its draws; above it the analysis
#: refuses before allocating, saying how much it would need.
MAX_DRAW_MEMORY = 4 * 1024**3


def check_draws(name: str, value: Any, *, minimum: int = 1, maximum: int = MAX_DRAWS) -> int:
    """An integer number of draws between ``minimum`` and ``maximum`` (:data:`MAX_DRAWS`), or
    an :class:`~evaluation.errors.OptionError` that names the option and the limits."""
    import numpy as np

    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise OptionError(f"{name} must be a whole number of draws, got {value!r}")
    if not minimum <= value <= maximum:
        raise OptionError(
            f"{name} = {value:,} is outside {minimum:,}..{maximum:,}: the draws are held in "
            "memory and their Monte Carlo error is negligible long before the upper limit; "
            "for more, run several analyses with different seeds and combine them"
        )
    return int(value)


def check_draw_memory(n_bytes: float, what: str, advice: str) -> None:
    """Refuse (:class:`~evaluation.errors.OptionError`) before allocating more than
    :data:`MAX_DRAW_MEMORY` bytes for random draws."""
    if n_bytes > MAX_DRAW_MEMORY:
        raise OptionError(
            f"{what} would need about {n_bytes / 1024**3:,.1f} GiB of memory (limit "
            f"{MAX_DRAW_MEMORY / 1024**3:.0f} GiB); {advice}"
        )
