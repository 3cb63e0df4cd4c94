"""The untreated outcome model shared by the imputation (Borusyak, Jaravel & Spiess) and the
two-stage (Gardner) estimators.

``Y_it(0) = a_i + l_t (+ x_it' g)`` is fitted by weighted least squares on the untreated
observations (never-treated units and the not-yet-treated years of treated units). The unit
effects are eliminated by block elimination (the within transformation by units, exact in one
pass), so only the year effects and covariates remain in a small dense system; the same solver
gives ``Z' V`` and its solution for any number of right-hand sides at once, without forming
dummy matrices. Sums over units, years, cells and clusters are :func:`numpy.bincount` calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import linalg, sparse

from ..errors import DataError, OptionError
from ..i18n import Text
from ..study.panel import check_panel, resolve_roles

Horizons = Sequence[int] | Literal[True, "static"] | None


# ---------------------------------------------------------------------------------------
# the prepared panel (shared with the two-stage estimator)
# ---------------------------------------------------------------------------------------
@dataclass
class Design:
    """Arrays of a checked panel, restricted to the rows the estimators use."""

    frame: pd.DataFrame  # the rows used, in order (unit, time, cohort, outcome, ...)
    y: np.ndarray
    unit: np.ndarray  # codes 0..N-1 of units with an untreated observation
    time: np.ndarray  # codes 0..T-1 of years with an untreated observation
    years: np.ndarray  # the year of each time code
    cohort: np.ndarray
    event_time: np.ndarray  # year - cohort; NaN for never treated
    treated: np.ndarray  # bool: cohort > 0 and year >= cohort
    x: np.ndarray  # covariates (n x p)
    w: np.ndarray  # regression weights (ones without weights=)
    weighted: bool
    cluster: np.ndarray  # codes 0..G-1
    n_clusters: int
    cluster_name: str
    covariates: list[str]
    outcome: str
    unit_name: str
    notes: list[Text] = field(default_factory=list)
    n_excluded_units: int = 0
    n_excluded_obs: int = 0


def _check_weights(df: pd.DataFrame, weights: str, unit: str) -> np.ndarray:
    wv = df[weights]
    if not pd.api.types.is_numeric_dtype(wv) or pd.api.types.is_bool_dtype(wv):
        raise DataError(
            f"weights column {weights!r} must be numeric; convert it with pandas.to_numeric"
        )
    w = wv.to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"weights column {weights!r} must be positive and finite; {int(bad.sum())} row(s) "
            f"are not (first: unit {df[unit].iloc[row]!r}, row {row}); drop those rows or fix "
            "the weights"
        )
    return w


def prepare(
    data: pd.DataFrame,
    outcome: str | None,
    unit: str | None,
    time: str | None,
    cohort: str | None,
    covariates: Sequence[str] | None,
    weights: str | None,
    cluster: str | None,
) -> Design:
    """Check the panel, code units, years and clusters and drop the treated observations whose
    unit or year effect the untreated observations do not identify (with notes)."""
    if covariates is not None and isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates or [])
    if weights is not None and not isinstance(weights, str):
        raise DataError(f"weights must be a column name, got {weights!r}")
    if cluster is not None and not isinstance(cluster, str):
        raise DataError(f"cluster must be a column name or 'unit', got {cluster!r}")
    roles = resolve_roles(data, outcome, unit, time, cohort)
    cluster_col = None if cluster in (None, "unit", roles.unit) else cluster
    extra = [c for c in (weights, cluster_col) if c is not None]
    df = check_panel(data, roles, covariates=covariates, columns=extra, require_never_treated=False)
    notes: list[Text] = []
    n_missing = int(df.attrs.get("n_missing_outcome", 0))
    if n_missing:
        notes.append(
            Text(
                f"{n_missing} Zeile(n) ohne Wert der Zielgröße nicht verwendet.",
                f"{n_missing} row(s) without an outcome value not used.",
            )
        )
    w_all = _check_weights(df, weights, roles.unit) if weights is not None else np.ones(len(df))
    if cluster_col is not None:
        cl = df[cluster_col]
        if cl.isna().any():
            raise DataError(
                f"cluster column {cluster_col!r} is missing in {int(cl.isna().sum())} row(s); "
                "fill it or cluster by unit (cluster=None)"
            )
        per_unit = df.groupby(roles.unit, sort=False)[cluster_col].nunique()
        if (per_unit > 1).any():
            bad = per_unit[per_unit > 1].index[:3].tolist()
            raise DataError(
                f"cluster column {cluster_col!r} varies within unit(s) {bad}; clusters must "
                "contain whole units (e.g. states), or cluster by unit (cluster=None)"
            )
    g = df[roles.cohort].to_numpy()
    t_all = df[roles.time].to_numpy()
    treated = (g > 0) & (t_all >= g)
    untreated = ~treated
    if not untreated.any():
        raise DataError(
            "every observation is treated (year >= cohort); the untreated outcome model needs "
            "never-treated units or years before onset"
        )
    if not treated.any():
        raise DataError(
            f"no treated observation: no row has {roles.time!r} >= {roles.cohort!r} > 0"
        )
    units = df[roles.unit].to_numpy()
    unit_ok = pd.Series(untreated).groupby(units).transform("any").to_numpy()
    time_ok = pd.Series(untreated).groupby(t_all).transform("any").to_numpy()
    drop = treated & ~(unit_ok & time_ok)
    if drop.any():
        bad_units = pd.unique(units[treated & ~unit_ok])
        if bad_units.size:
            ex = ", ".join(map(str, bad_units[:5])) + (", ..." if bad_units.size > 5 else "")
            n_obs = int((treated & ~unit_ok).sum())
            notes.append(
                Text(
                    f"{bad_units.size} behandelte Einheit(en) ohne unbehandelte Beobachtung "
                    f"(behandelt ab dem ersten beobachteten Jahr; {n_obs} Beobachtungen) "
                    f"nicht verwendet, ihr Einheiteneffekt ist nicht bestimmt: {ex}.",
                    f"{bad_units.size} treated unit(s) without an untreated observation "
                    f"(treated from their first observed year; {n_obs} observations) left "
                    f"out, their unit effect is not identified: {ex}.",
                )
            )
        bad_years = sorted(set(t_all[treated & ~time_ok].tolist()))
        if bad_years:
            n_obs = int((treated & unit_ok & ~time_ok).sum())
            notes.append(
                Text(
                    f"{n_obs} behandelte Beobachtung(en) in Jahren ohne unbehandelte "
                    f"Beobachtung ({bad_years}) nicht verwendet, der Jahreseffekt ist nicht "
                    "bestimmt.",
                    f"{n_obs} treated observation(s) in years without any untreated "
                    f"observation ({bad_years}) left out, the year effect is not identified.",
                )
            )
    keep = ~drop
    n_excl_units = int(pd.unique(units).size - pd.unique(units[keep]).size)
    if not (treated & keep).any():
        raise DataError(
            "no treated observation has an identified unit and year effect: every treated "
            "unit lacks untreated years, or no comparison is observed in the treated years"
        )
    kept = df.loc[keep].reset_index(drop=True)
    unit_codes = pd.factorize(kept[roles.unit])[0].astype(np.intp)
    years, time_codes = np.unique(kept[roles.time].to_numpy(), return_inverse=True)
    cohort_v = kept[roles.cohort].to_numpy()
    tv = kept[roles.time].to_numpy()
    if cluster_col is None:
        cl_codes, cl_name = unit_codes, roles.unit
    else:
        cl_codes, cl_name = pd.factorize(kept[cluster_col])[0].astype(np.intp), cluster_col
    n_cl = int(cl_codes.max()) + 1
    if n_cl < 2:
        raise DataError(f"cluster column {cl_name!r} has only one cluster; choose another")
    return Design(
        frame=kept,
        y=kept[roles.outcome].to_numpy(dtype=float),
        unit=unit_codes,
        time=time_codes.astype(np.intp),
        years=years,
        cohort=cohort_v,
        event_time=np.where(cohort_v > 0, tv - cohort_v, np.nan),
        treated=treated[keep],
        x=kept[covariates].to_numpy(dtype=float).reshape(len(kept), len(covariates)),
        w=w_all[keep],
        weighted=weights is not None,
        cluster=cl_codes,
        n_clusters=n_cl,
        cluster_name=cl_name,
        covariates=covariates,
        outcome=roles.outcome,
        unit_name=roles.unit,
        notes=notes,
        n_excluded_units=n_excl_units,
        n_excluded_obs=int(drop.sum()),
    )


def group_sums(codes: np.ndarray, n_groups: int, values: np.ndarray) -> np.ndarray:
    """Sums of the columns of ``values`` (n x k) within groups: an (n_groups x k) array,
    one :func:`numpy.bincount` for all columns."""
    vals = values.reshape(len(codes), -1)
    k = vals.shape[1]
    flat = (codes[:, None] + np.arange(k, dtype=np.intp)[None, :] * n_groups).ravel()
    out = np.bincount(flat, weights=vals.ravel(), minlength=n_groups * k)
    return out.reshape(k, n_groups).T


# ---------------------------------------------------------------------------------------
# least squares on unit + year effects (+ covariates) over the untreated observations
# ---------------------------------------------------------------------------------------
class UntreatedModel:
    """Weighted least squares of the untreated outcome model on the untreated rows.

    Normal equations ``Z0' W Z0 b = c`` (Z: unit dummies, year dummies except the first year,
    covariates) are solved for any right-hand side ``c`` by eliminating the unit effects
    exactly (block elimination of the diagonal unit block = the within transformation), which
    leaves a dense system of size (years - 1 + covariates)."""

    def __init__(self, d: Design) -> None:
        m = ~d.treated
        self.d = d
        self.n_units = int(d.unit.max()) + 1
        self.n_times = d.years.size
        u, t, w, x = d.unit[m], d.time[m], d.w[m], d.x[m]
        p = x.shape[1]
        self.p = p
        self.nw = np.bincount(u, weights=w, minlength=self.n_units)
        self.c_mat = sparse.csr_matrix((w, (u, t)), shape=(self.n_units, self.n_times))
        self.xbar = group_sums(u, self.n_units, w[:, None] * x) / self.nw[:, None]
        nt = np.bincount(t, weights=w, minlength=self.n_times)
        cd = self.c_mat.multiply(1.0 / self.nw[:, None]).tocsr()
        s_ll = np.diag(nt) - (self.c_mat.T @ cd).toarray()
        s_lg = group_sums(t, self.n_times, w[:, None] * x) - self.c_mat.T @ self.xbar
        xw = x * w[:, None]
        s_gg = x.T @ xw - self.xbar.T @ (self.xbar * self.nw[:, None])
        # the first year is the reference of the year effects
        s = np.block([[s_ll[1:, 1:], s_lg[1:]], [s_lg[1:].T, s_gg]])
        self._check(s, s_gg, x, w)
        self.chol = linalg.cho_factor(s, lower=True) if s.size else None

    def _check(self, s: np.ndarray, s_gg: np.ndarray, x: np.ndarray, w: np.ndarray) -> None:
        d = self.d
        if self.p:
            raw = np.einsum("ij,ij,i->j", x, x, w)
            within = np.diag(s_gg)
            const = within <= 1e-10 * np.maximum(raw, 1e-300)
            if const.any():
                names = [c for c, k in zip(d.covariates, const, strict=True) if k]
                raise DataError(
                    f"covariate(s) {names} do not vary within units over the untreated "
                    "observations, so the unit effects absorb them; leave them out of "
                    "covariates= (or interact them with years yourself)"
                )
        if not s.size:
            return
        scale = np.sqrt(np.clip(np.diag(s), 1e-300, None))
        ev = np.linalg.eigvalsh(s / np.outer(scale, scale))
        if ev.min() <= 1e-10 * max(ev.max(), 1.0):
            what = "covariates collinear with each other or with the year effects" if self.p else ""
            raise DataError(
                "the untreated observations do not identify the year effects"
                + (" and covariates" if self.p else "")
                + ": "
                + (what + ", or " if what else "")
                + "units and years not connected by untreated observations (e.g. groups of "
                "units observed untreated in disjoint years); check the panel's years and "
                "covariates"
            )

    def rhs(self, rows: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
        """``Z' values`` for the rows ``rows`` (boolean mask) and a matrix ``values``."""
        d = self.d
        v = values.reshape(int(rows.sum()), -1)
        cu = group_sums(d.unit[rows], self.n_units, v)
        ct = group_sums(d.time[rows], self.n_times, v)
        cx = d.x[rows].T @ v
        return cu, ct, cx

    def solve(
        self, cu: np.ndarray, ct: np.ndarray, cx: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Coefficients (unit effects, year effects with the first year 0, covariates) that
        solve the normal equations for the right-hand side (cu, ct, cx), one column each."""
        k = cu.shape[1]
        r_t = ct - self.c_mat.T @ (cu / self.nw[:, None])
        r_x = cx - self.xbar.T @ cu
        rhs = np.vstack([r_t[1:], r_x])
        b = linalg.cho_solve(self.chol, rhs) if self.chol is not None else rhs
        lt = np.vstack([np.zeros((1, k)), b[: self.n_times - 1]])
        gx = b[self.n_times - 1 :]
        au = cu / self.nw[:, None] - (self.c_mat @ lt) / self.nw[:, None] - self.xbar @ gx
        return au, lt, gx

    def values(self, coef: tuple[np.ndarray, ...], rows: np.ndarray | None = None) -> np.ndarray:
        """``Z b`` for the rows (all rows if ``rows`` is None): n x k."""
        d = self.d
        au, lt, gx = coef
        sel = slice(None) if rows is None else rows
        return au[d.unit[sel]] + lt[d.time[sel]] + d.x[sel] @ gx

    def fit(self) -> np.ndarray:
        """Residual ``Y - Y(0)^`` of every row (the effect estimate on treated rows)."""
        d = self.d
        m = ~d.treated
        coef = self.solve(*self.rhs(m, d.w[m] * d.y[m]))
        return d.y - self.values(coef)[:, 0]


# ---------------------------------------------------------------------------------------
# options
# ---------------------------------------------------------------------------------------
def check_horizons(horizons: Horizons, name: str = "horizons", allow_negative: bool = False):
    """None/'static' -> None; True -> True; else a sorted list of distinct integers."""
    if horizons is None or (isinstance(horizons, str) and horizons == "static"):
        return None
    if horizons is True:
        return True
    if isinstance(horizons, bool | str) or not isinstance(horizons, Sequence | np.ndarray):
        raise OptionError(
            f"{name} must be None or 'static' (one overall effect), True (every year since "
            f"onset) or a list of integers, got {horizons!r}"
        )
    out = []
    for h in horizons:
        if isinstance(h, bool) or not isinstance(h, int | np.integer):
            raise OptionError(f"{name} must hold integers (years since onset), got {h!r}")
        out.append(int(h))
    if not out:
        raise OptionError(f"{name} is empty; give None for one overall effect")
    if len(set(out)) != len(out):
        raise OptionError(f"{name} lists a year twice: {out}")
    if not allow_negative and min(out) < 0:
        raise OptionError(
            f"{name} are years since onset (0 = onset year), got negative values "
            f"{[h for h in out if h < 0]}; test earlier years with pretrends="
        )
    return sorted(out)


def design_facts(d: Design, used_treated: np.ndarray) -> dict[str, Any]:
    units = d.frame[d.unit_name]
    return {
        "n_obs": int(len(d.frame)),
        "n_units": int(units.nunique()),
        "n_treated_units": int(units[used_treated].nunique()),
        "n_comparison_units": int(units[d.cohort == 0].nunique()),
        "n_clusters": d.n_clusters,
    }


def cross_sums(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_rows: int, n_cols: int
) -> np.ndarray:
    """Dense (n_rows x n_cols) table of the sums of ``values`` by (row code, column code)."""
    flat = rows * n_cols + cols
    return np.bincount(flat, weights=values, minlength=n_rows * n_cols).reshape(n_rows, n_cols)


def sparse_rhs(
    model: UntreatedModel, rows: np.ndarray, code: np.ndarray, values: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Z' V`` for a matrix V with one nonzero per row: ``values`` at column ``code`` of the
    rows ``rows`` (a mask; code -1 = no entry)."""
    d = model.d
    has = code >= 0
    c, v = code[has], values[has]
    u, t, x = d.unit[rows][has], d.time[rows][has], d.x[rows][has]
    cu = cross_sums(u, c, v, model.n_units, k)
    ct = cross_sums(t, c, v, model.n_times, k)
    cx = np.zeros((x.shape[1], k))
    for j in range(x.shape[1]):
        cx[j] = np.bincount(c, weights=x[:, j] * v, minlength=k)
    return cu, ct, cx


def effects_table(
    by_horizon: bool, labels: Sequence[Any], estimate: Any, std_error: Any, n_obs: Any
) -> tuple[pd.DataFrame, list[str]]:
    """The tidy table of the imputation and two-stage estimators and its key: one row per
    event time (``by_horizon``) or one ``term`` row, with the treated observations behind it."""
    if not by_horizon:
        table = pd.DataFrame(
            {"term": list(labels), "estimate": estimate, "std_error": std_error, "n_obs": n_obs}
        )
        return table, ["term"]
    table = pd.DataFrame(
        {
            "event_time": np.array(labels, dtype="int64"),
            "estimate": estimate,
            "std_error": std_error,
            "n_obs": n_obs,
        }
    )
    return table, ["event_time"]


def method_with_covariates(method: Text, covariates: Sequence[str]) -> Text:
    """The estimator's method text, naming the covariates of the untreated model."""
    if not covariates:
        return method
    names = ", ".join(covariates)
    return method + Text(f" (Kovariaten: {names})", f" (covariates: {names})")
