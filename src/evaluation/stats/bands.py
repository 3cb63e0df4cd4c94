"""Simultaneous (sup-t) confidence bands.

A band ``estimate +- c * std_error`` covers all coefficients together with probability
``level`` when ``c`` is the ``level`` quantile of ``max_k |Z_k| / se_k`` for ``Z`` drawn from
the estimates' joint distribution (Montiel Olea and Plagborg-Møller 2019, "Simultaneous
confidence bands: theory, implementation, and an application to SVARs", J. Applied
Econometrics 34(1)). :func:`sup_t_critical` simulates ``c`` from the covariance matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..options import check_draw_memory, check_draws, renamed

#: draws of the simulated critical value by default: its Monte Carlo error is then about
#: 0.01 (two decimals)
DEFAULT_DRAWS = 10_000


def sup_t_critical(
    cov: Any,
    level: float = 0.95,
    dof: float | None = None,
    n_draws: int = DEFAULT_DRAWS,
    seed: int | None = 0,
    *,
    df: float | None = None,
    n_sim: int | None = None,
) -> float:
    """The critical value of the simultaneous (sup-t) band.

    Parameters
    ----------
    cov
        Covariance matrix of the estimates (k x k). Coordinates with zero variance are left
        out.
    level
        Joint coverage of the band.
    dof
        Degrees of freedom of a multivariate t distribution (None: normal).
    n_draws
        Number of simulated draws (at least 100).
    seed
        Seed of :func:`numpy.random.default_rng`.
    df, n_sim
        Deprecated names of ``dof`` and ``n_draws``.

    Returns
    -------
    float
        ``c`` with ``P(max_k |Z_k| / se_k <= c) = level`` for ``Z ~ N(0, cov)`` (or the
        multivariate t with ``dof``); NaN when no coordinate has a positive variance.
    """
    dof = renamed("df", df, "dof", dof, None)
    n_draws = renamed("n_sim", n_sim, "n_draws", n_draws, DEFAULT_DRAWS)
    check_draws("n_draws", n_draws, minimum=100)
    cov = np.atleast_2d(np.asarray(cov, dtype=float))
    check_draw_memory(
        8.0 * 3 * n_draws * cov.shape[0],
        f"the simultaneous band with n_draws={n_draws:,} draws of {cov.shape[0]} coefficients",
        "use fewer draws (10,000 give the critical value to about two decimals)",
    )
    sd = np.sqrt(np.diag(cov))
    ok = sd > 0
    if not ok.any():
        return float("nan")
    corr = cov[np.ix_(ok, ok)] / np.outer(sd[ok], sd[ok])
    rng = np.random.default_rng(seed)
    w, v = np.linalg.eigh(corr)
    root = v * np.sqrt(np.clip(w, 0, None))
    z = rng.standard_normal((n_draws, corr.shape[0])) @ root.T
    if dof is not None:
        z = z / np.sqrt(rng.chisquare(dof, size=(n_draws, 1)) / dof)
    return float(np.quantile(np.abs(z).max(axis=1), level))
