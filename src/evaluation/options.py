"""Every option vocabulary of the package, defined once, and the one function that checks a
value against it.

Estimators, the report configuration and the command line import their choices from here, so a
type hint and its run-time check cannot drift apart (the idea of pyfixest's ``literals``
module): ``check_option("control_group", value, ControlGroup)`` raises
:class:`~evaluation.errors.OptionError` naming the valid values and the closest one.
"""

from __future__ import annotations

import difflib
import functools
import warnings
from collections.abc import Callable
from typing import Any, Literal, TypeVar, get_args

from .errors import OptionError
from .i18n import Lang as Lang

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

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
#: the parallel-trends pre-test of group-time effects: pooled event times or every cell
PretestKind = Literal["event_time", "cells"]
#: the estimators of ``compare_estimators``
CompareEstimator = Literal[
    "att_gt", "sun_abraham", "did_imputation", "did_two_stage", "event_study"
]
#: the placebos of a synthetic control: other units (space) or an earlier onset (time)
PlaceboKind = Literal["space", "time"]

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
#: measures without any annual report although one is due: left out, or counted as planned
Unreported = Literal["exclude", "planned"]
#: the municipality-cluster-aware interval of implementation rates
ClusterInterval = Literal["bootstrap", "gee"]
#: what field_differences compares across action fields
FieldOutcome = Literal["status", "success"]
#: the p-value of field_differences' test of independence
IndependenceTest = Literal["auto", "asymptotic", "simulated"]
#: pairwise comparisons of action fields: Fisher's exact test or a cluster-robust Wald test
Pairwise = Literal["fisher", "cluster"]
#: multiple-testing correction of the pairwise comparisons (statsmodels ``multipletests``)
PairwiseCorrection = Literal["holm", "bonferroni", "fdr_bh", "none"]
#: the logistic model of success: GEE or cluster-robust maximum likelihood
ImplementationModelMethod = Literal["gee", "logit"]
#: what the plot of the implementation model shows
ModelQuantity = Literal["odds_ratio", "marginal_effect"]
#: how discontinued measures enter the time to implementation
Discontinued = Literal["not_implemented", "censored"]
#: rows of implementation_intensity: per action field (and pooled) or pooled only
IntensityBy = Literal["action_field", "overall"]

# -- mixed methods -----------------------------------------------------------------------
#: groups of goals by the implemented share of their measures
AttainmentGroups = Literal["none_partial_all", "halves"]
#: level of measurement of Krippendorff's alpha
MeasurementLevel = Literal["nominal", "ordinal", "interval", "ratio"]
#: what survey_estimates estimates
SurveyStatistic = Literal["mean", "share"]
#: strata with a single primary sampling unit
LonelyPSU = Literal["fail", "remove"]
#: the costs counted per implemented measure
CostBasis = Literal["all_measures", "implemented"]
#: the interval of the cost per implemented measure
CostInterval = Literal["linearisation", "bootstrap"]
#: the shape of a survey file read into survey_responses
SurveyShape = Literal["long", "wide"]

# -- yearly summary --------------------------------------------------------------------
#: which comparison units describe an audited unit's indicators in its profile: those of the
#: same administrative level (where there are enough), or all
ComparisonScope = Literal["level", "all"]

# -- output ------------------------------------------------------------------------------
OutputFormat = Literal["html", "pdf", "markdown", "docx"]
TableFormat = Literal["csv", "parquet"]

# -- the data layer: official statistics and the status history ----------------------------
#: administrative level of the units a directory import keeps (``read_gemeindeverzeichnis``)
UnitLevel = Literal["gemeinde", "kreis", "all"]
#: what to do with merged regions (INKAR Kreisregionen) in an export
MergedPolicy = Literal["error", "drop", "keep"]
#: what to do with incomplete unit-years when harmonising to one territorial reference
IncompletePolicy = Literal["error", "drop"]
#: the rows of a table of unit counts
UnitGrouping = Literal["level", "state"]
#: how the true effects of the synthetic demo study vary over cohorts and time
EffectShape = Literal["heterogeneous", "homogeneous", "constant"]


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


def renamed_keywords(**renames: str) -> Callable[[F], F]:
    """Decorator: keyword arguments renamed for one release (``old="new"``).

    A call with an old keyword works as with the new one and issues a
    :class:`DeprecationWarning` that names the new keyword; giving both is a
    :class:`TypeError`."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{fn.__name__}() got both {old}= and {new}=; {old} is the old "
                            f"name of {new}: give only {new}="
                        )
                    warnings.warn(
                        f"{fn.__name__}({old}=...) is deprecated and will be removed; use "
                        f"{new}=...",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


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


# -- classic designs, shared statistics, sensitivity analysis and planning ------------------
#: clustering of the estimators that cluster in one dimension (``did_2x2``, planning, the
#: wild cluster bootstrap of a result)
OneWayCluster = Literal["unit", "state"]
#: event-study years outside the window: pooled into the outer coefficients, or dropped
Endpoints = Literal["bin", "drop"]
#: the estimators that randomisation inference and placebos re-run
RerunEstimator = Literal["twfe", "event_study", "did_2x2"]
#: how randomisation inference re-assigns the onsets
RandomizationScheme = Literal["permute", "comparison_pool"]
#: p-value of the wild cluster bootstrap
BootstrapPValue = Literal["symmetric", "equal_tailed"]
#: how bootstrap draws of a Romano-Wolf family are centred
DrawCentre = Literal["estimate", "none"]
#: restriction on the violation of parallel trends (Rambachan & Roth)
Restriction = Literal["relative_magnitude", "smoothness"]
#: robust confidence sets of the sensitivity analysis
SensitivityInference = Literal["conditional", "hybrid", "flci"]
#: how power and minimum detectable effects are computed
PowerMethod = Literal["simulation", "analytic"]
#: the estimators a design is planned for
PlanEstimatorName = Literal["twfe", "event_study", "att_gt"]
#: where simulation replications run
BackendName = Literal["serial", "joblib", "dask"]


def renamed(
    old: str, old_value: Any, new: str, new_value: Any, default: Any, *, stacklevel: int = 3
) -> Any:
    """The value of a keyword that was renamed from ``old`` to ``new``.

    ``old_value`` is None when the old keyword was not given: then ``new_value``. Otherwise a
    :class:`DeprecationWarning` says to use ``new``, and ``old_value`` is the value, unless
    ``new`` was given too (``new_value != default``), which raises :class:`OptionError`.
    """
    if old_value is None:
        return new_value
    import warnings

    warnings.warn(
        f"{old}= is deprecated and will be removed; use {new}=",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    if new_value is not default and new_value != default:
        raise OptionError(f"give {new}= only ({old}= is its deprecated name)")
    return old_value


# -- report ------------------------------------------------------------------------------
#: the sections of the full evaluation report, in their default order
ReportSection = Literal[
    "findings",
    "data",
    "implementation",
    "mixed_methods",
    "impact",
    "implementation_impact",
    "power",
    "methods",
    "details",
    "provenance",
]
#: the designs the impact section can run for each indicator
ReportEstimator = Literal[
    "trends",
    "before_after",
    "twfe",
    "event_study",
    "att_gt",
    "sun_abraham",
    "did_imputation",
    "did_two_stage",
    "bacon",
]
#: the estimator whose estimate the summary of findings grades
PrimaryEstimator = Literal["att_gt", "twfe"]
#: what a report does with an analysis that fails
OnError = Literal["note", "raise"]
#: evidence grades (labels in evaluation.evidence.GRADE_LABELS)
Grade = Literal["robust", "indication", "not_robust"]
