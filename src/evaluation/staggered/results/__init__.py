"""The results of the staggered-adoption estimators (complete when they are made).

- :class:`GroupTimeEffects`: ATT(g, t) of :func:`evaluation.att_gt`, with ``aggregate()``,
  ``pretest()``, ``influence()`` and ``vcov()``;
- :class:`AggregatedEffects` and :class:`OverallEffect`: its aggregations and their summary
  effect;
- :class:`PreTest`: a pre-trend test (a :class:`~evaluation.results.TestResult`) with the
  estimates it tests and, for the event-time test, the largest pre-trend the data rule out;
- :class:`SunAbrahamEffects` and :class:`CohortEffects` of :func:`evaluation.sun_abraham`,
  with ``vcov()`` and ``design()`` for the wild bootstrap;
- :class:`StaggeredRandomization` of :func:`evaluation.randomization_att_gt`;
- :class:`BaconDecomposition` of :func:`evaluation.bacon_decomposition`.

Influence functions are in R ``did``'s scaling (the estimate minus its value is about the
mean of the influence function); ``vcov()`` is ``S'S / n^2`` with the cluster sums ``S`` of
the influence functions (see :mod:`evaluation.staggered._influence`).
"""

from __future__ import annotations

from .bacon import BACON_TYPES, BaconDecomposition
from .group_time import AggregatedEffects, GroupTimeEffects, OverallEffect, PreTest, UnitSample
from .randomization import StaggeredRandomization
from .sun_abraham import CohortEffects, SunAbrahamEffects, SunAbrahamRegression

__all__ = [
    "BACON_TYPES",
    "AggregatedEffects",
    "BaconDecomposition",
    "CohortEffects",
    "GroupTimeEffects",
    "OverallEffect",
    "PreTest",
    "StaggeredRandomization",
    "SunAbrahamEffects",
    "SunAbrahamRegression",
    "UnitSample",
]
