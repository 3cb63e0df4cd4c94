"""The design of a linear model, the protocol by which a result is bootstrapped.

The design protocol
-------------------
:func:`evaluation.wild_bootstrap` bootstraps a fitted result through one method,
``result.design()``,
which returns the :class:`LinearDesign` of the regression behind the result:

* ``y``, ``x`` and ``weights`` are the rows the estimator used, after its own
  transformations (the ``post`` indicator, event-time dummies, covariate terms), so that the
  least-squares coefficient of each column of ``x`` given ``fe`` is the result's estimate;
* ``names`` label the columns of ``x``: the estimates of the result are named by ``str()`` of
  their key (``"post"`` for ``twfe``, ``"did"`` for ``did_2x2``, the event time ``"0"``,
  ``"-2"`` ... for ``event_study``), further columns (covariates, nuisance terms) by their
  own names;
* ``cluster`` is the result's clustering, as ids given in the data (unit ids, states); a
  result whose clustering is not one-way raises :class:`~evaluation.errors.DataError`
  naming the choice that works;
* ``fe`` holds the absorbed fixed effects (name -> id of every row).

``wild_bootstrap(result, term=...)`` looks ``str(term)`` up in ``names``; with one estimate
the term may be left out. ``twfe``, ``event_study`` and ``did_2x2`` results implement the
protocol (:class:`evaluation.panel.results.PanelEstimates`); the results of other regression
estimators (e.g. ``sun_abraham``, named by event time like the event study) implement it by the
same rules, and any object with such a ``design()`` can be bootstrapped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["LinearDesign"]


@dataclass
class LinearDesign:
    """The design of a linear model ``y = X b + fixed effects + e`` for the wild bootstrap.

    A result is bootstrapped through ``result.design()`` returning one (see the module's
    description of the design protocol).

    Parameters
    ----------
    y
        Outcome, length n.
    x
        Regressors, n x p (without the fixed effects; an intercept is not needed when there
        are fixed effects).
    names
        The p column names of ``x``.
    cluster
        Cluster id of every observation (any hashable values).
    fe
        Fixed effects: name -> id of every observation.
    weights
        Optional positive observation weights (weighted least squares).
    """

    y: np.ndarray
    x: np.ndarray
    names: Sequence[str]
    cluster: np.ndarray
    fe: Mapping[str, np.ndarray] = field(default_factory=dict)
    weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.y = np.asarray(self.y, dtype=float).ravel()
        x = np.asarray(self.x, dtype=float)
        self.x = x[:, None] if x.ndim == 1 else x
        self.names = [str(n) for n in self.names]
        n = len(self.y)
        if self.x.shape[0] != n:
            raise DataError(f"design: x has {self.x.shape[0]} rows but y has {n}")
        if len(self.names) != self.x.shape[1]:
            raise DataError(f"design: {len(self.names)} names for {self.x.shape[1]} columns of x")
        if len(set(self.names)) != len(self.names):
            raise DataError("design: the column names of x must be unique")
        self.cluster = np.asarray(self.cluster)
        if self.cluster.shape != (n,):
            raise DataError(f"design: cluster needs one id per observation ({n})")
        for name, ids in self.fe.items():
            if np.asarray(ids).shape != (n,):
                raise DataError(f"design: fixed effect {name!r} needs one id per observation")
        bad = ~np.isfinite(self.y) | ~np.isfinite(self.x).all(axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"design: {int(bad.sum())} observation(s) have a missing or infinite outcome "
                f"or regressor (first: row {i}); drop them before bootstrapping"
            )
        if pd.isna(pd.Series(self.cluster)).any():
            raise DataError("design: a cluster id is missing; every observation needs one")
        if self.weights is not None:
            w = np.asarray(self.weights, dtype=float).ravel()
            if w.shape != (n,) or not (np.isfinite(w).all() and (w > 0).all()):
                raise DataError("design: weights must be positive and finite, one per row")
            self.weights = w
