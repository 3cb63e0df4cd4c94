"""Synthetic control and synthetic difference-in-differences for one or a few treated units.

- :func:`synthetic_control`: Abadie, Diamond & Hainmueller (2010, 2015), outcome-path weights
  or the nested predictor weighting V of R ``Synth``, with pre/post RMSPE diagnostics and the
  in-space and in-time placebos (``result.placebo("space")``, ``result.placebo("time")``);
- :func:`synthetic_did`: Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021) with the unit
  and time weights, solver and placebo / bootstrap / jackknife variance of R ``synthdid``, the
  synthetic control and DiD special cases in the same solver (``estimator=``), and staggered
  adoption cohort by cohort.
"""

from __future__ import annotations

from .control import synthetic_control
from .results import (
    PlaceboResult,
    SyntheticControlResult,
    SyntheticDidResult,
    SyntheticEffect,
    SyntheticTable,
)
from .sdid import synthetic_did

__all__ = [
    "synthetic_control",
    "synthetic_did",
    "SyntheticControlResult",
    "SyntheticDidResult",
    "SyntheticEffect",
    "SyntheticTable",
    "PlaceboResult",
]
