"""Influence functions of the staggered estimators and the covariance they imply.

Convention (R ``did``): the influence function ``psi_i`` of an estimate is scaled so that the
estimate minus its value is approximately ``mean(psi_i)``. With clusters c (units by default)
and ``S_c = sum_{i in c} psi_i``, the covariance of several estimates is

    V = S' S / n^2,

which for unit clusters is R's ``crossprod(inf) / n^2`` (``sqrt(mean(IF^2) / n)`` for one
standard error). Cluster sums are the convention of R ``did`` with ``clustervars`` (it averages
within clusters instead, see the R-parity page of the documentation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def cluster_sums(x: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Column sums of ``x`` (n, k) within clusters: (n_clusters, k); ``x`` itself when every
    unit is its own cluster."""
    if n_clusters == x.shape[0]:
        return x
    from scipy import sparse

    ind = sparse.csr_matrix(
        (np.ones(len(cluster)), (cluster, np.arange(len(cluster)))),
        shape=(n_clusters, len(cluster)),
    )
    return np.asarray(ind @ x)


def cluster_se(inf: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """sqrt(sum_c S_c^2) / n per column; R did's sqrt(mean(IF^2) / n) for unit clusters."""
    s = cluster_sums(inf, cluster, n_clusters)
    return np.sqrt((s**2).sum(axis=0)) / inf.shape[0]


@dataclass(frozen=True)
class InfluenceFunctions:
    """Influence functions of k estimates for n units (``values``: n x k, R's scaling), the
    units' ids and the clusters their covariance is summed over."""

    values: np.ndarray
    unit_ids: pd.Index
    cluster: np.ndarray
    n_clusters: int

    @property
    def n(self) -> int:
        return self.values.shape[0]

    def std_errors(self) -> np.ndarray:
        return cluster_se(self.values, self.cluster, self.n_clusters)

    def covariance(self) -> np.ndarray:
        """``S' S / n^2`` with the cluster sums S (see the module docstring)."""
        s = cluster_sums(self.values, self.cluster, self.n_clusters)
        return s.T @ s / self.n**2

    def frame(self, columns: pd.Index) -> pd.DataFrame:
        """The influence functions as a DataFrame: units x estimates."""
        return pd.DataFrame(self.values.copy(), index=self.unit_ids.copy(), columns=columns)

    def combine(self, weights: np.ndarray, extra: np.ndarray | None = None) -> InfluenceFunctions:
        """The influence functions of linear combinations ``values @ weights`` (+ ``extra``,
        n x m, e.g. the influence of estimated weights)."""
        out = self.values @ weights
        if extra is not None:
            out = out + extra
        return InfluenceFunctions(out, self.unit_ids, self.cluster, self.n_clusters)
