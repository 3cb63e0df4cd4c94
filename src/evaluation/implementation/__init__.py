"""Implementation success of the agreed measures, per action field and beyond.

Functions (each returns a result with ``tidy()``, ``summary(lang)``, ``plot(ax=, lang=)`` and
exports to CSV, Markdown and LaTeX):

- :func:`implementation_intensity`: per audited unit and cycle, the share of agreed measures
  implemented by the end of the phase, per action field and overall;
- :func:`implementation_rates`: shares of successful measures by action field, municipality,
  cohort, level, state, audit cycle or their combinations, with a Wilson interval and a
  municipality-cluster-aware interval;
- :func:`status_progression` and :func:`status_transitions`: the status distribution at
  certification and in reports 1-3, and transitions between consecutive reports;
- :func:`before_after_implementation` and :func:`cycle_comparison`: paired comparisons per
  municipality (first report against end of phase; first audit against re-audit), with the
  paired tests of :mod:`evaluation.stats.paired`;
- :func:`field_differences`: test of independence of status and action field, pairwise
  comparisons with a multiple-testing correction;
- :func:`implementation_model`: logistic model of success (GEE or cluster-robust logit), odds
  ratios and average marginal effects;
- :func:`time_to_implementation`: Kaplan-Meier curves, median times and a Cox model with
  municipality-clustered standard errors.

The data conventions (report numbers, carried-forward statuses, unreported measures, success
definitions) are described in :mod:`evaluation.implementation._data`.
"""

from ..errors import ImplementationDataWarning
from ._data import SUCCESS_DEFINITIONS, measure_status
from .differences import FieldDifferences, field_differences
from .intensity import ImplementationIntensity, implementation_intensity
from .model import ImplementationModel, implementation_model
from .paired import PairedComparison, before_after_implementation, cycle_comparison
from .plots import (
    plot_field_differences,
    plot_model,
    plot_paired,
    plot_progression,
    plot_rates,
    plot_time_to_implementation,
    plot_transitions,
)
from .progression import (
    StatusProgression,
    StatusTransitions,
    status_progression,
    status_transitions,
)
from .rates import (
    ImplementationRates,
    bootstrap_interval,
    implementation_rates,
    wilson_interval,
)
from .survival import TimeToImplementation, kaplan_meier, time_to_implementation

__all__ = [
    "SUCCESS_DEFINITIONS",
    "FieldDifferences",
    "ImplementationDataWarning",
    "ImplementationIntensity",
    "ImplementationModel",
    "ImplementationRates",
    "PairedComparison",
    "StatusProgression",
    "StatusTransitions",
    "TimeToImplementation",
    "before_after_implementation",
    "bootstrap_interval",
    "cycle_comparison",
    "field_differences",
    "implementation_intensity",
    "implementation_model",
    "implementation_rates",
    "kaplan_meier",
    "measure_status",
    "plot_field_differences",
    "plot_model",
    "plot_paired",
    "plot_progression",
    "plot_rates",
    "plot_time_to_implementation",
    "plot_transitions",
    "status_progression",
    "status_transitions",
    "time_to_implementation",
    "wilson_interval",
]
