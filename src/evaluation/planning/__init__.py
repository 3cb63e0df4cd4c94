"""Planning an evaluation: power, minimum detectable effects and simulation studies.

* :class:`PanelDesign` describes a design (cohorts of audited units, comparison units, years,
  noise), from counts or estimated from a study (:meth:`PanelDesign.from_study`).
* :func:`power` and :func:`minimum_detectable_effect` say what the design can detect with a
  chosen estimator (TWFE, event study, Callaway-Sant'Anna), analytically or by simulation.
* :func:`simulate` runs a seeded Monte Carlo study over a grid and reports bias, RMSE,
  coverage and rejection rates with their Monte Carlo standard errors.
* :func:`run_replications` is the generic runner behind both: serial, local processes
  (joblib) or a Dask cluster, with the same results on each.
"""

from __future__ import annotations

from .backends import BACKENDS, run_replications
from .design import PanelDesign
from .estimators import ESTIMATORS, PlanEstimator, resolve_estimator
from .mde import MDEResult, minimum_detectable_effect
from .power import PowerCurve, power
from .simulation import SimulationResult, simulate

__all__ = [
    "BACKENDS",
    "ESTIMATORS",
    "MDEResult",
    "PanelDesign",
    "PlanEstimator",
    "PowerCurve",
    "SimulationResult",
    "minimum_detectable_effect",
    "power",
    "resolve_estimator",
    "run_replications",
    "simulate",
]
