"""The fixed-effects regression shared by the panel designs (TWFE, event study, Sun &
Abraham) and the one registry of their standard-error conventions.

Standard errors (one convention for every estimator that uses this engine)
--------------------------------------------------------------------------
Cluster-robust with the small-sample factor G/(G-1) only (G = number of clusters), no
factor for the number of observations or regressors, and absorbed fixed effects not counted;
intervals and p-values from Student's t with G-1 degrees of freedom. This equals R ``plm``'s
``vcovHC(type="HC0", cluster="group")`` times G/(G-1), ``fixest`` with
``ssc(adj=FALSE, cluster.adj=TRUE)`` and linearmodels with ``group_debias=True,
debiased=False, auto_df=False, count_effects=False``. With two-way clustering each of the
three terms gets its own factor and the t degrees of freedom come from the smaller dimension.

The registry
------------
:data:`SE_CONVENTIONS` holds, for every value of :data:`~evaluation.options.ClusterSpec`, the
stable name and the sentence (German and English) of the convention; :func:`cluster_inference`
turns a choice, the degrees of freedom and the cluster counts into the
:class:`~evaluation.results.Inference` of a result, which flags too few clusters by itself.
Every estimator with this convention (``twfe``, ``event_study``, ``did_2x2``,
``sun_abraham``) takes its inference from here.
"""

from __future__ import annotations

import warnings
from collections.abc import MutableSequence, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Text
from ..options import ClusterSpec, check_option
from ..results import Inference
from ..study.panel import Roles

#: deprecated alias of :data:`evaluation.options.ClusterSpec`
ClusterOption = ClusterSpec
CLUSTER_OPTIONS: tuple[str, ...] = ("unit", "state", "twoway", "none")


# ---------------------------------------------------------------------------------------
# the registry of standard-error conventions
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SEConvention:
    """One standard-error convention: a stable ``name`` (the :class:`Inference` name) and
    the ``description`` shown under every table that uses it."""

    name: str
    description: Text


SE_CONVENTIONS: dict[str, SEConvention] = {
    "unit": SEConvention(
        "cluster_unit",
        Text(
            "Standardfehler robust gegen Klumpung nach Einheit (CR, nur Faktor G/(G-1), "
            "Fixed Effects nicht gezählt); t-Verteilung mit G-1 Freiheitsgraden.",
            "Standard errors robust to clustering by unit (CR, factor G/(G-1) only, fixed "
            "effects not counted); t distribution with G-1 degrees of freedom.",
        ),
    ),
    "state": SEConvention(
        "cluster_state",
        Text(
            "Standardfehler robust gegen Klumpung nach Land (CR, nur Faktor G/(G-1), "
            "Fixed Effects nicht gezählt); t-Verteilung mit G-1 Freiheitsgraden.",
            "Standard errors robust to clustering by state (CR, factor G/(G-1) only, fixed "
            "effects not counted); t distribution with G-1 degrees of freedom.",
        ),
    ),
    "twoway": SEConvention(
        "cluster_twoway",
        Text(
            "Standardfehler zweifach geklumpt nach Einheit und Jahr (Cameron-Gelbach-Miller, "
            "je Term Faktor G/(G-1), Fixed Effects nicht gezählt); t-Verteilung mit min(G)-1 "
            "Freiheitsgraden.",
            "Standard errors clustered two-way by unit and year (Cameron-Gelbach-Miller, "
            "factor G/(G-1) per term, fixed effects not counted); t distribution with "
            "min(G)-1 degrees of freedom.",
        ),
    ),
    "none": SEConvention(
        "classical",
        Text(
            "Klassische (homoskedastische) Standardfehler; Freiheitsgrade abzüglich der "
            "Fixed Effects.",
            "Classical (homoskedastic) standard errors; degrees of freedom net of the fixed "
            "effects.",
        ),
    ),
}

#: deprecated: the sentences of :data:`SE_CONVENTIONS` (use :func:`cluster_inference`)
SE_NOTES: dict[str, Text] = {k: v.description for k, v in SE_CONVENTIONS.items()}


def cluster_inference(
    cluster: ClusterSpec,
    *,
    dof: float,
    n_clusters: int | None = None,
    n_treated_clusters: int | None = None,
    note: Text | None = None,
) -> Inference:
    """The :class:`~evaluation.results.Inference` of estimates with the convention of
    ``cluster``.

    Parameters
    ----------
    cluster
        ``"unit"``, ``"state"``, ``"twoway"`` or ``"none"`` (see :data:`SE_CONVENTIONS`).
    dof
        Degrees of freedom of the t reference distribution (G - 1 with clusters; the
        residual degrees of freedom without).
    n_clusters, n_treated_clusters
        Number of clusters (the smaller dimension for two-way clustering) and of clusters
        with treated units; below :data:`~evaluation.results.MIN_CLUSTERS` (or
        :data:`~evaluation.results.MIN_TREATED_CLUSTERS`) the inference is flagged. Ignored
        for ``"none"``.
    note
        A sentence appended to the description (e.g. "cohort shares treated as known").

    Returns
    -------
    Inference
        With ``distribution="t"``; its ``few_clusters`` follows from the counts.
    """
    check_option("cluster", cluster, ClusterSpec)
    conv = SE_CONVENTIONS[cluster]
    description = conv.description if note is None else conv.description + " " + note
    clustered = cluster != "none"
    return Inference(
        name=conv.name,
        description=description,
        distribution="t",
        dof=float(dof),
        n_clusters=int(n_clusters) if clustered and n_clusters is not None else None,
        n_treated_clusters=(
            int(n_treated_clusters) if clustered and n_treated_clusters is not None else None
        ),
    )


# ---------------------------------------------------------------------------------------
# clusters
# ---------------------------------------------------------------------------------------
def _state_ids(df: pd.DataFrame, roles: Roles) -> pd.Series:
    """The state of every row: the ``state`` column, else the first two digits of AGS ids."""
    if "state" in df.columns:
        state = df["state"].astype("string")
    else:
        ids = df[roles.unit].astype("string")
        if not ids.str.fullmatch(r"\d{5}|\d{8}").all():
            raise DataError(
                "cluster='state' needs a 'state' column or AGS codes as unit identifiers"
            )
        state = ids.str.slice(0, 2)
    if state.isna().any():
        raise DataError("column 'state' is missing in some rows; fill it to cluster by state")
    return state


def cluster_ids(df: pd.DataFrame, roles: Roles, cluster: str) -> np.ndarray:
    """The cluster of every row as given in the data (unit ids, or states) for one-way
    clustering (``"unit"`` or ``"state"``)."""
    if cluster == "unit":
        return row_ids(df[roles.unit])
    if cluster == "state":
        return row_ids(_state_ids(df, roles))
    raise DataError(f"cluster={cluster!r} is not a one-way clustering; use 'unit' or 'state'")


def row_ids(values: pd.Series) -> np.ndarray:
    """``values.astype(str).to_numpy()`` (an object array of ``str``), converting each distinct
    value once instead of every row."""
    codes, uniques = pd.factorize(values)
    if isinstance(values.dtype, pd.StringDtype):  # already text: no conversion per id
        labels = np.asarray(uniques.to_numpy(dtype=object), dtype=object)
    else:
        labels = np.array([str(u) for u in uniques], dtype=object)
    if (codes < 0).any():  # missing values stay missing, as with astype(str)
        labels = np.append(labels, np.array([np.nan], dtype=object))
        codes = np.where(codes < 0, len(labels) - 1, codes)
    return labels[codes]


def cluster_frame(df: pd.DataFrame, roles: Roles, cluster: str) -> pd.DataFrame | None:
    """Integer cluster codes of every row (one column per dimension; None without
    clustering)."""
    check_option("cluster", cluster, ClusterSpec)
    if cluster == "none":
        return None
    unit_codes = pd.factorize(df[roles.unit])[0]
    if cluster == "unit":
        return pd.DataFrame({"unit": unit_codes}, index=df.index)
    if cluster == "twoway":
        time_codes = pd.factorize(df[roles.time])[0]
        return pd.DataFrame({"unit": unit_codes, "time": time_codes}, index=df.index)
    return pd.DataFrame({"state": pd.factorize(_state_ids(df, roles))[0]}, index=df.index)


def treated_clusters(df: pd.DataFrame, roles: Roles, cluster: str) -> int | None:
    """Number of clusters with at least one treated unit (None without clustering)."""
    if cluster == "none":
        return None
    treated = df[roles.cohort].to_numpy() > 0
    cl = cluster_frame(df, roles, "unit" if cluster == "twoway" else cluster)
    assert cl is not None
    return int(pd.Series(cl.iloc[:, 0].to_numpy()[treated]).nunique())


# ---------------------------------------------------------------------------------------
# fixed-effects regression
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FEFit:
    """Coefficients and covariance of a fixed-effects regression.

    Attributes
    ----------
    params, cov
        Coefficients and their covariance (labelled by the regressors).
    nobs, n_units
        Observations and units used.
    n_clusters
        Number of clusters (the smaller dimension for two-way clustering; None without).
    dof
        Degrees of freedom of the t reference distribution.
    rsquared_within
        R² of the within (demeaned) regression.
    cluster
        The clustering chosen (a key of :data:`SE_CONVENTIONS`).
    """

    params: pd.Series
    cov: pd.DataFrame
    nobs: int
    n_units: int
    n_clusters: int | None
    dof: float
    rsquared_within: float
    cluster: ClusterSpec = "unit"

    def inference(
        self, n_treated_clusters: int | None = None, note: Text | None = None
    ) -> Inference:
        """The :class:`~evaluation.results.Inference` of this fit's estimates (see
        :func:`cluster_inference`)."""
        return cluster_inference(
            self.cluster,
            dof=self.dof,
            n_clusters=self.n_clusters,
            n_treated_clusters=n_treated_clusters,
            note=note,
        )

    @property
    def df(self) -> float:
        """Deprecated: :attr:`dof`."""
        warnings.warn("FEFit.df is deprecated; use FEFit.dof", DeprecationWarning, stacklevel=2)
        return self.dof

    @property
    def se_note(self) -> Text:
        """Deprecated: ``fit.inference().description``."""
        warnings.warn(
            "FEFit.se_note is deprecated; use FEFit.inference().description",
            DeprecationWarning,
            stacklevel=2,
        )
        return SE_CONVENTIONS[self.cluster].description


def fe_regression(
    df: pd.DataFrame,
    y: str,
    x: Sequence[str],
    unit: str,
    time: str,
    *,
    time_effects: bool = True,
    cluster: ClusterSpec = "unit",
    weights: str | None = None,
    indicators: tuple[np.ndarray, Sequence[str]] | None = None,
) -> FEFit:
    """Regression of ``y`` on ``x`` with unit (and year) fixed effects.

    Parameters
    ----------
    df
        Long data with the columns ``y``, ``x``, ``unit``, ``time`` (and ``weights``).
    y, x
        Outcome and regressors.
    unit, time
        The unit and time columns (the fixed effects).
    time_effects
        Whether year effects are included besides the unit effects.
    cluster
        ``"unit"``, ``"state"``, ``"twoway"`` or ``"none"``: standard errors in the module's
        convention; ``"none"`` gives classical standard errors with the absorbed effects
        counted in the degrees of freedom (as R ``plm``'s default).
    weights
        Optional column of observation weights.
    indicators
        Optional block of indicator regressors given without columns: ``(codes, names)``
        with one integer per row, ``j`` where the indicator ``names[j]`` is 1 and -1 where
        all are 0 (e.g. cohort x period cells). They come before ``x`` among the
        coefficients; no column of ``df`` is needed for them.

    Returns
    -------
    FEFit

    Notes
    -----
    The fixed effects are absorbed by the within transformation of
    :func:`evaluation.stats.demean.demean` (alternating projections, weighted with
    ``weights``); by Frisch-Waugh-Lovell the least-squares fit of the demeaned outcome on the
    demeaned regressors has the coefficients and residuals of the regression with all dummies.
    No dummy matrix is formed: time and memory grow with rows x regressors only. With an
    ``indicators`` block (and one-way or no clustering) the design is kept sparse and projected
    through its effects (:mod:`evaluation.stats.effects`): memory grows with the non-zeros and
    units x regressors, and the demeaned design is never formed. The
    cluster-robust covariance is the sandwich of the module docstring (scores summed within
    clusters); ``"none"`` counts the N + T - 1 absorbed effects (N without year effects) in the
    residual degrees of freedom.
    """
    from .demean import demean

    cell_codes, cell_names = _indicator_block(indicators, len(df))
    xcols = list(x)
    xs = [*cell_names, *xcols]
    roles = Roles(outcome=y, unit=unit, time=time)
    clusters = cluster_frame(df, roles, cluster)
    w = _check_weights(df, weights, unit, time)
    n, k, kc = len(df), len(xs), len(cell_names)
    yv = df[y].to_numpy(dtype=float)
    if clusters is not None and "unit" in clusters.columns:
        unit_codes = clusters["unit"].to_numpy().astype(np.intp, copy=False)
        n_units = int(unit_codes.max()) + 1 if n else 0
    else:
        unit_codes, n_units = _codes(df[unit])
    factors = [(unit_codes, n_units)]
    n_effects = n_units
    if time_effects:
        time_codes, n_times = _codes(df[time])
        factors.append((time_codes, n_times))
        n_effects += n_times - 1
    if kc and (clusters is None or clusters.shape[1] == 1):
        # an indicator block: the sparse design is projected through its effects, the
        # demeaned design never formed (memory of the non-zeros, not rows x regressors)
        proj, sq_before = _effects_projection(df, y, xcols, cell_codes, kc, factors, w, unit, time)
        xtx, xty = proj.gram[1:, 1:], proj.gram[1:, 0]
        sq_after = np.diag(xtx)
    else:
        z = _dense_design(df, y, xcols, cell_codes, kc, unit, time)
        sq_before = np.einsum("ij,ij->j", z[:, 1:], z[:, 1:])
        x_sparse = _sparse_regressors(z[:, 1:], cell_codes, kc)
        z = demean(z, [c for c, _ in factors], w, copy=False)
        yt, xt = z[:, 0], z[:, 1:]
        if x_sparse is None:
            wx = xt if w is None else xt * w[:, None]
            xtx = wx.T @ xt
            xty = wx.T @ yt
            del wx
        else:  # X'W M X = (M X)'W (M X) with the sparse original X: O(nnz k), not O(n k^2)
            xtx = np.empty((k, k))
            xsp_t = x_sparse.T.tocsr()
            for j in range(k):  # column by column (contiguous), no weighted copy of the design
                xtx[:, j] = xsp_t @ (xt[:, j] if w is None else xt[:, j] * w)
            xtx = (xtx + xtx.T) / 2
            xty = xt.T @ (yt if w is None else yt * w)
            del xsp_t, x_sparse
        sq_after = np.einsum("ij,ij->j", xt, xt)
    _check_rank(sq_after, sq_before, xtx, xs)
    bread = np.linalg.inv(xtx)
    beta = bread @ xty
    if kc and (clusters is None or clusters.shape[1] == 1):
        resid = proj.demeaned(np.concatenate([[1.0], -beta]))
    else:
        resid = yt - xt @ beta
    spread = yv - _group_means(yv, unit_codes, n_units)
    scale = max(float(np.linalg.norm(spread)), float(np.abs(yv).max(initial=0.0)), 1e-300)
    if float(np.linalg.norm(resid)) <= 1e-10 * scale:
        raise DataError(
            f"outcome {y!r} is fitted exactly by the unit and year effects and {xs}: "
            "there is no residual variation, so no standard error (a degenerate design, e.g. "
            "an outcome that moves in lockstep in all units); check the indicator"
        )
    wres = resid if w is None else resid * w
    if clusters is None:
        n_cl = None
        dof = float(n - k - n_effects)
        if dof <= 0:
            raise DataError(
                f"{n} observations leave no residual degrees of freedom for {k} "
                f"regressor(s) and {n_effects} fixed effects; use a clustered convention"
            )
        cov_arr = bread * float(resid @ wres) / dof
    else:
        n_cl = min(int(clusters[c].nunique()) for c in clusters.columns)
        if n_cl < 2:
            raise DataError(f"cluster={cluster!r} gives only {n_cl} cluster; choose another")
        dof = float(n_cl - 1)
        if kc and clusters.shape[1] == 1:
            codes = clusters.iloc[:, 0].to_numpy().astype(np.intp, copy=False)
            sc = proj.scores(codes, wres, slice(1, None))
            g = sc.shape[0]
            meat = (sc.T @ sc) * g / (g - 1)
        else:
            meat = _cluster_meat(xt, wres, clusters)
        cov_arr = bread @ meat @ bread
    return FEFit(
        params=pd.Series(beta, index=xs, name="parameter"),
        cov=pd.DataFrame((cov_arr + cov_arr.T) / 2, index=xs, columns=xs),
        nobs=n,
        n_units=n_units,
        n_clusters=n_cl,
        dof=dof,
        rsquared_within=_r2_within(
            df, yv, xcols, beta[kc:], unit_codes, n_units, w, cell_codes, beta[:kc]
        ),
        cluster=cluster,
    )


def _dense_design(
    df: pd.DataFrame,
    y: str,
    xcols: list[str],
    cell_codes: np.ndarray,
    kc: int,
    unit: str,
    time: str,
) -> np.ndarray:
    """Outcome and regressors in one column-major array, to be demeaned in place (one copy
    of the design in memory; an indicator block written from its codes)."""
    n = len(df)
    z = np.empty((n, 1 + kc + len(xcols)), order="F")
    z[:, 0] = df[y].to_numpy(dtype=float)
    if kc:
        z[:, 1 : kc + 1] = 0.0
        rows = np.flatnonzero(cell_codes >= 0)
        z[rows, 1 + cell_codes[rows]] = 1.0
    for j, c in enumerate(xcols):
        z[:, 1 + kc + j] = df[c].to_numpy(dtype=float)
    names = [y, *(f"indicator {j}" for j in range(kc)), *xcols]
    _check_finite(df, z, names, unit, time)
    return z


def _effects_projection(
    df: pd.DataFrame,
    y: str,
    xcols: list[str],
    cell_codes: np.ndarray,
    kc: int,
    factors: list[tuple[np.ndarray, int]],
    w: np.ndarray | None,
    unit: str,
    time: str,
) -> tuple[Any, np.ndarray]:
    """The outcome, the indicator block (from its codes) and the other regressors as one
    sparse matrix, projected by :func:`evaluation.stats.effects.project`; and the squared
    norms of the regressors."""
    from scipy import sparse

    from .effects import project

    n = len(df)
    dense = np.empty((n, 1 + len(xcols)), order="F")
    dense[:, 0] = df[y].to_numpy(dtype=float)
    for j, c in enumerate(xcols):
        dense[:, 1 + j] = df[c].to_numpy(dtype=float)
    _check_finite(df, dense, [y, *xcols], unit, time)
    rows = np.flatnonzero(cell_codes >= 0)
    cells = sparse.csc_array((np.ones(rows.size), (rows, cell_codes[rows])), shape=(n, kc))
    z = sparse.hstack(
        [sparse.csc_array(dense[:, :1]), cells, sparse.csc_array(dense[:, 1:])], format="csc"
    )
    del dense
    sq = sparse.csc_array(z.multiply(z))
    sq_before = np.asarray(sq.T @ (np.ones(n) if w is None else w)).reshape(-1)[1:]
    return project(z, factors, w), sq_before


def _indicator_block(
    indicators: tuple[np.ndarray, Sequence[str]] | None, n: int
) -> tuple[np.ndarray, list[str]]:
    """The codes (one per row, -1 = no indicator) and names of an indicator block, checked."""
    if indicators is None:
        return np.full(n, -1, dtype=np.intp), []
    codes = np.asarray(indicators[0])
    names = [str(v) for v in indicators[1]]
    if codes.shape != (n,) or codes.dtype.kind not in "iu":
        raise DataError(f"indicator codes must be {n} integers (one per row), got {codes.shape}")
    if n and (codes.min() < -1 or codes.max() >= len(names)):
        raise DataError(f"indicator codes must lie in -1..{len(names) - 1}")
    return codes.astype(np.intp, copy=False), names


def _sparse_regressors(x: np.ndarray, cell_codes: np.ndarray, kc: int) -> Any:
    """The regressors as a sparse matrix when at most a quarter of their entries are non-zero
    (event-time and cohort dummies, covariate-by-year terms), else None; the first ``kc``
    columns (an indicator block) are built from their codes, not scanned."""
    n, k = x.shape
    rest = x[:, kc:]
    cell_rows = np.flatnonzero(cell_codes >= 0) if kc else np.empty(0, dtype=np.intp)
    if k < 8 or cell_rows.size + np.count_nonzero(rest) > 0.25 * x.size:
        return None
    from scipy import sparse

    if not kc:
        return sparse.csc_array(rest)
    cells = sparse.csc_array(
        (np.ones(cell_rows.size), (cell_rows, cell_codes[cell_rows])), shape=(n, kc)
    )
    if kc == k:
        return cells
    return sparse.hstack([cells, sparse.csc_array(rest)], format="csc")


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(values)
    return codes.astype(np.intp, copy=False), len(uniques)


def _group_means(
    v: np.ndarray, codes: np.ndarray, g: int, w: np.ndarray | None = None
) -> np.ndarray:
    """The (weighted) mean of the vector ``v`` within groups, at every row."""
    wsum = np.bincount(codes, weights=w, minlength=g)
    sums = np.bincount(codes, weights=v if w is None else v * w, minlength=g)
    return (sums / wsum)[codes]


def _cluster_meat(xt: np.ndarray, wres: np.ndarray, clusters: pd.DataFrame) -> np.ndarray:
    """Sum over the clustering terms of S'S * G/(G-1), S the within-cluster sums of the scores
    ``x_i * w_i * e_i``; two-way: unit + time - unit-time (Cameron-Gelbach-Miller)."""
    parts = [(clusters.iloc[:, j].to_numpy(), 1.0) for j in range(clusters.shape[1])]
    if clusters.shape[1] == 2:
        a, b = parts[0][0].astype(np.int64), parts[1][0].astype(np.int64)
        parts.append((pd.factorize(a * (int(b.max()) + 1) + b)[0], -1.0))
    k = xt.shape[1]
    meat = np.zeros((k, k))
    for codes, sign in parts:
        n_g = int(codes.max()) + 1
        s = np.empty((n_g, k))
        for j in range(k):
            s[:, j] = np.bincount(codes, weights=xt[:, j] * wres, minlength=n_g)
        meat += sign * (s.T @ s) * n_g / (n_g - 1)
    return meat


def _r2_within(
    df: pd.DataFrame,
    yv: np.ndarray,
    xs: list[str],
    beta: np.ndarray,
    codes: np.ndarray,
    g: int,
    w: np.ndarray | None,
    cell_codes: np.ndarray,
    cell_beta: np.ndarray,
) -> float:
    """R² of the fit on the unit-demeaned (weighted) data, as linearmodels'
    ``rsquared_within``; group means are linear, so the residual ``y - X b`` is demeaned
    once instead of every regressor."""
    u = yv.copy()
    if len(cell_beta):
        rows = cell_codes >= 0
        u[rows] -= cell_beta[cell_codes[rows]]
    for j, c in enumerate(xs):
        u -= beta[j] * df[c].to_numpy(dtype=float)
    ue = u - _group_means(u, codes, g, w)
    ye = yv - _group_means(yv, codes, g, w)
    tss = float(ye @ ye) if w is None else float(ye @ (w * ye))
    rss = float(ue @ ue) if w is None else float(ue @ (w * ue))
    return 1.0 - rss / tss if tss > 0 else 0.0


def _check_finite(df: pd.DataFrame, z: np.ndarray, names: list[str], unit: str, time: str) -> None:
    if np.isfinite(z).all():
        return
    for j, name in enumerate(names):
        bad = ~np.isfinite(z[:, j])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"column {name!r} is missing or infinite in {int(bad.sum())} row(s) (first: "
                f"unit {str(df[unit].iloc[i])!r}, {time} {df[time].iloc[i]}); drop or fill "
                "those rows before the regression"
            )


def _check_weights(
    df: pd.DataFrame, weights: str | None, unit: str, time: str
) -> np.ndarray | None:
    if weights is None:
        return None
    wv = df[weights].to_numpy(dtype=float)
    bad = ~(np.isfinite(wv) & (wv > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"weights column {weights!r} must be positive and finite; {int(bad.sum())} "
            f"row(s) are not (first: unit {str(df[unit].iloc[i])!r}, {time} "
            f"{df[time].iloc[i]}, value {float(wv[i]):g}); drop those rows or fix the weights"
        )
    return wv


def _check_rank(
    sq_after: np.ndarray, sq_before: np.ndarray, xtx: np.ndarray, xs: list[str]
) -> None:
    """Regressors without variation left after the fixed effects (absorbed: squared norm
    below 1e-20 of the original's) or linearly dependent on each other after them (collinear)
    raise DataError."""
    absorbed = (sq_after <= 1e-20 * sq_before) | (np.diag(xtx) <= 0)
    if absorbed.any():
        names = [c for c, a in zip(xs, absorbed, strict=True) if a]
        raise DataError(
            f"regressor(s) {names} of {xs} are absorbed by the fixed effects (no variation "
            "within units and years); check the treatment timing and covariates"
        )
    scale = np.sqrt(np.diag(xtx))
    if np.linalg.eigvalsh(xtx / np.outer(scale, scale))[0] <= 1e-11 * len(xs):
        raise DataError(
            f"the regressors {xs} are collinear after removing the unit and year effects "
            "(absorbed together by the fixed effects); drop some"
        )


def covariate_terms(
    df: pd.DataFrame, roles: Roles, covariates: Sequence[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Covariates as regressors: a time-varying covariate enters as is; a baseline covariate
    (constant within units, so absorbed by the unit effects) enters interacted with year
    dummies, letting trends differ with it."""
    if not covariates:
        return df, []
    out = df.copy()
    names: list[str] = []
    years = np.sort(out[roles.time].unique())[1:]
    new = {}
    for c in covariates:
        constant = out.groupby(roles.unit, sort=False)[c].nunique().max() <= 1
        if not constant:
            names.append(c)
            continue
        xc = out[c].to_numpy(dtype=float)
        xc = xc - xc.mean()
        t = out[roles.time].to_numpy()
        for yv in years:
            name = f"{c}_x_{yv}"
            new[name] = np.where(t == yv, xc, 0.0)
            names.append(name)
    if new:
        out = pd.concat([out, pd.DataFrame(new, index=out.index)], axis=1)
    return out, names


def fit_facts(fit: FEFit, df: pd.DataFrame, roles: Roles) -> dict[str, Any]:
    """The header facts of a fit: observations, units, treated units and clusters."""
    treated = df.loc[df[roles.cohort] > 0, roles.unit].nunique()
    facts: dict[str, Any] = {
        "n_obs": fit.nobs,
        "n_units": fit.n_units,
        "n_treated_units": int(treated),
    }
    if fit.n_clusters is not None:
        facts["n_clusters"] = fit.n_clusters
    return facts


SINGULAR_NOTE = Text(
    "Keine Standardfehler: {g} Cluster für {k} Koeffizienten; die cluster-robuste Kovarianz "
    "ist dann singulär (Rang höchstens G-1).",
    "No standard errors: {g} clusters for {k} coefficients; the cluster-robust covariance is "
    "then singular (rank at most G-1).",
)


def refuse_singular_covariance(
    table: pd.DataFrame, fit: FEFit, k: int, notes: MutableSequence[Any]
) -> bool:
    """With fewer clusters than coefficients of interest + 1 the cluster-robust covariance
    of those coefficients is singular (its meat has rank at most G - 1): no standard errors,
    no joint test. Sets them missing in ``table``, appends a note to ``notes`` and returns
    whether it did."""
    if fit.n_clusters is None or fit.n_clusters >= k + 1:
        return False
    table["std_error"] = np.nan
    notes.append(SINGULAR_NOTE.format(g=fit.n_clusters, k=k))
    return True
