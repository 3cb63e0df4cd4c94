"""Analytic power and minimum detectable effects of linear DiD estimators in balanced panels.

Every built-in estimator is, in a balanced panel of a :class:`PanelDesign`, a fixed linear
combination of the outcomes: :math:`\\hat\\tau = \\sum_{it} w_{it} y_{it}` with weights that sum
to zero within each unit (unit effects cancel) and within each year (year effects cancel). Its
exact sampling variance under the design's noise model is

.. math::

    \\operatorname{Var}(\\hat\\tau) = \\sigma^2 \\Big[ (1 - \\text{ICC}) \\sum_i w_i' R w_i
        + \\text{ICC} \\sum_s W_s' R W_s \\Big], \\qquad W_s = \\sum_{i \\in s} w_i,

with :math:`R_{st} = \\rho^{|s-t|}` the AR(1) correlation over the years. For the 2x2 design
(one cohort, never-treated comparisons, TWFE) the weights are :math:`\\pm 1/(n\\,m)` and
:math:`\\pm 1/(n\\,r)` on the m pre- and r post-onset years, and the formula is the one of Frison &
Pocock (1992) and McKenzie (2012, "Beyond baseline and follow-up") for the difference of the
post- and pre-period means, here with AR(1) instead of equal correlations.

Power and MDE follow Bloom (1995, "Minimum detectable effects"): for a two-sided test at level
:math:`\\alpha` with critical value :math:`c = t_{1-\\alpha/2}` (Student t with the estimator's
degrees of freedom, or normal),

.. math::

    \\text{power}(\\tau) = F(\\tau/\\text{SE} - c) + F(-\\tau/\\text{SE} - c), \\qquad
    \\text{MDE} = (t_{1-\\alpha/2} + t_{\\text{power}}) \\, \\text{SE},

where the MDE multiplier leaves out the negligible chance of rejecting in the wrong
direction. These are the power of a test whose standard error is right; a simulation
(:func:`evaluation.power`) also shows the effect of estimated standard errors, few clusters and
correlation the chosen clustering ignores.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..errors import DataError
from .design import PanelDesign, ar1_correlation
from .estimators import PlanEstimator


def linear_variance(design: PanelDesign, weights: np.ndarray) -> float:
    """Exact variance of ``sum(weights * y)`` under the design's noise model."""
    w = np.asarray(weights, dtype=float)
    if w.shape != (design.n_units, design.n_years):
        raise DataError(f"weights must have shape {(design.n_units, design.n_years)}")
    r = ar1_correlation(design.n_years, design.autocorrelation)
    idio = float(np.einsum("it,ts,is->", w, r, w))
    total = (1.0 - design.icc) * idio
    if design.icc > 0:
        s = np.zeros((design.n_clusters, design.n_years))
        np.add.at(s, design.unit_cluster, w)
        total += design.icc * float(np.einsum("gt,ts,gs->", s, r, s))
    return design.sd**2 * total


def analytic_se(design: PanelDesign, estimator: PlanEstimator) -> float:
    """True standard error of the estimator in the design (from its linear weights)."""
    if estimator.weights is None:
        raise DataError(
            f"estimator {estimator.name!r} has no analytic form; use method='simulation'"
        )
    w = estimator.weights(design)
    return float(np.sqrt(linear_variance(design, w)))


def _dist(df: float):
    return stats.norm if not np.isfinite(df) else stats.t(df)


def analytic_df(design: PanelDesign, estimator: PlanEstimator) -> float:
    """Degrees of freedom of the estimator's analytic test in the design (inf: normal)."""
    if estimator.analytic_df is None:
        return float("inf")
    return float(estimator.analytic_df(design))


def power_from_se(effect: np.ndarray, se: float, alpha: float, df: float) -> np.ndarray:
    """Two-sided power at ``effect`` of a test with standard error ``se`` (Bloom 1995)."""
    d = _dist(df)
    c = d.ppf(1 - alpha / 2)
    z = np.asarray(effect, dtype=float) / se
    return d.cdf(z - c) + d.cdf(-z - c)


def mde_multiplier(alpha: float, power: float, df: float) -> float:
    """Bloom's multiplier t_{1-alpha/2} + t_{power} (normal quantiles for infinite df)."""
    d = _dist(df)
    return float(d.ppf(1 - alpha / 2) + d.ppf(power))
