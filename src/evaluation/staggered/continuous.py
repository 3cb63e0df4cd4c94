"""Difference-in-differences with a continuous treatment (Callaway, Goodman-Bacon & Sant'Anna
2024), with staggered timing: the dose-response curve ATT(d), the average causal response
ACRT(d) and their averages, written for this package in vectorised numpy.

Estimator (parametric B-spline version of R ``contdid``)
-------------------------------------------------------
For each cohort g and period t (base period g - 1 for t >= g, t - 1 before), the long difference
``dY = Y_t - Y_base`` of the cohort's units is regressed on an intercept and a B-spline basis of
the dose (``degree``, ``num_knots`` interior knots at quantiles of the positive doses, boundary
at their range). ``ATT_gt(d)`` is the fitted value at d minus the mean change of the comparison
units (never treated, or also not yet treated by t); ``ACRT_gt(d)`` is the derivative of the
fit. ``ATT(d)``, ``ACRT(d)`` and the averages ``ATT^o`` (mean of ATT(D) over the treated),
``ACRT^o`` (mean of ACRT(D)) average the post-treatment cells with weights
P(G = g | treated) / (number of post-treatment periods of g), as ``contdid``'s ``dose``
aggregation; ``event_study()`` averages by time since onset.

Identification
--------------
- ATT(d) and ATT^o need only *standard* parallel trends: the untreated outcome of units with
  dose d would have changed as that of the comparison units.
- ACRT(d), ACRT^o and every comparison of ATT across doses (the shape of the curve) need
  *strong* parallel trends: units with dose d would have reacted to a dose d' like the units that
  chose d'. With self-chosen doses (a municipality decides how much to implement) this is a
  strong assumption; without it, differences between doses mix effects with selection.

Standard errors come from the influence functions (unit clusters, ``sqrt(sum IF^2) / n``) with the
dose grid and the weights of the cells treated as fixed; a seeded multiplier bootstrap gives
uniform (sup-t) bands over the grid. In a cell, the influence function of ATT_gt(d) is that of
the fit at d for the cohort's units minus ``n / n0 * (dY - mean)`` for the comparison units; a
not-yet-treated unit can be a comparison unit in one cell and treated in a later one, and both
parts then add up for it. ATT^o and the level event study are the binarised Callaway &
Sant'Anna aggregations of :func:`evaluation.att_gt` (standard errors include the estimation of
the cohort weights).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Lang, Text, check_lang, term, tr
from ..options import ControlGroup, check_option
from ..results import Estimates, Inference, check_level, figure_axes
from ..study.panel import Roles, resolve_roles
from ._bootstrap import MultiplierBootstrap, bootstrap_se, sup_t_critical_value
from ._compat import legacy_arguments

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TEXTS = {
    "title": Text(
        "Dosis-Wirkungs-Kurve (DiD mit kontinuierlicher Behandlung)",
        "Dose-response curve (DiD with a continuous treatment)",
    ),
    "method": Text(
        "Callaway, Goodman-Bacon & Sant'Anna (2024), B-Spline Grad {degree}, {knots} innere "
        "Knoten, Vergleich: {control}",
        "Callaway, Goodman-Bacon & Sant'Anna (2024), B-spline degree {degree}, {knots} interior "
        "knots, comparison: {control}",
    ),
    "se": Text(
        "Standardfehler aus den Einflussfunktionen (Dosisgitter fest); Bänder: gleichmäßig "
        "(sup-t) aus {draws} Multiplikator-Ziehungen (Mammen, Seed {seed}).",
        "Standard errors from the influence functions (dose grid fixed); bands: uniform (sup-t) "
        "from {draws} multiplier draws (Mammen, seed {seed}).",
    ),
    "standard_pt": Text(
        "ATT(d) und ATT^o setzen nur die üblichen parallelen Trends voraus.",
        "ATT(d) and ATT^o need only standard parallel trends.",
    ),
    "strong_pt": Text(
        "ACRT(d), ACRT^o und jeder Vergleich zwischen Dosen (die Form der Kurve) setzen starke "
        "parallele Trends voraus: Einheiten mit Dosis d hätten auf eine andere Dosis so reagiert "
        "wie die Einheiten, die diese gewählt haben. Die Umsetzungsintensität wählt die Kommune "
        "selbst; ohne diese Annahme mischen Unterschiede zwischen Dosen Wirkung und Selektion.",
        "ACRT(d), ACRT^o and every comparison across doses (the shape of the curve) need strong "
        "parallel trends: units with dose d would have reacted to another dose like the units "
        "that chose it. Municipalities choose their implementation intensity; without this "
        "assumption differences across doses mix effects and selection.",
    ),
}
PARAMETERS = ("att_d", "acrt_d", "att_overall", "acrt_overall")


def bspline_basis(x: np.ndarray, degree: int, knots: np.ndarray, boundary, deriv: int = 0):
    """B-spline basis without its first column (R ``splines2::bSpline(x, degree, knots,
    Boundary.knots)``, intercept = FALSE), or its derivative (``splines2::dbs``)."""
    from scipy.interpolate import BSpline

    a, b = boundary
    t = np.concatenate([[a] * (degree + 1), np.sort(knots), [b] * (degree + 1)])
    nb = len(t) - degree - 1
    spl = BSpline(t, np.eye(nb), degree, extrapolate=True)
    if deriv:
        spl = spl.derivative(deriv)
    out = spl(np.asarray(x, dtype=float))
    return out[:, 1:]


def _quantile(x: np.ndarray, probs) -> np.ndarray:
    return np.quantile(x, probs, method="linear")  # R's type 7


PARALLEL_TRENDS = {
    "standard": Text("Standard", "standard"),
    "strong": Text("stark", "strong"),
}
CONTROL_NAMES = {
    "never_treated": Text("nie behandelt", "never treated"),
    "not_yet_treated": Text("noch nicht behandelt", "not yet treated"),
}


class ContinuousDiD(Estimates):
    """ATT(d) and ACRT(d) on a dose grid and their averages ATT^o and ACRT^o.

    ``tidy()`` rows: ``parameter`` (``att_d``, ``acrt_d``, ``att_overall``, ``acrt_overall``),
    ``dose`` (NaN for the averages), estimates with analytic standard errors and intervals,
    ``band_low``/``band_high`` (uniform bands over the grid) and ``std_error_analytic``.
    ``influence()`` gives the units x rows influence functions (R scaling), ``weights`` the
    weights of the group-time cells, ``knots``, ``boundary`` and ``degree`` the spline,
    ``event_study()`` the aggregation by time since onset and ``assumptions()`` which
    parallel-trends assumption each quantity needs."""

    def __init__(
        self,
        table: pd.DataFrame,
        keys: list[str],
        *,
        weights: pd.DataFrame,
        knots: np.ndarray,
        boundary: tuple[float, float],
        degree: int,
        event_study: Estimates,
        **kw: Any,
    ) -> None:
        self.weights = weights
        self.knots = knots
        self.boundary = boundary
        self.degree = degree
        self._event_study = event_study
        super().__init__(table, keys, **kw)

    def assumptions(self, lang: Lang = "de") -> pd.DataFrame:
        """Which parallel-trends assumption every parameter needs, and why (in ``lang``)."""
        check_lang(lang)
        std, strong = TEXTS["standard_pt"](lang), TEXTS["strong_pt"](lang)
        name, strong_name = PARALLEL_TRENDS["standard"](lang), PARALLEL_TRENDS["strong"](lang)
        return pd.DataFrame(
            {
                "parameter": list(PARAMETERS),
                "parallel_trends": [name, strong_name, name, strong_name],
                "why": [std, strong, std, strong],
            }
        )

    def event_study(self) -> Estimates:
        """ATT^o(e) (level: binarised Callaway & Sant'Anna) and ACRT^o(e) (slope) by event
        time e, cells weighted by cohort size within e (as ``contdid``'s ``eventstudy``)."""
        return self._event_study

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """ATT(d) and ACRT(d) with pointwise intervals and uniform bands (two panels)."""
        import matplotlib.pyplot as plt

        check_lang(lang)
        t = self.tidy()
        if ax is None:
            fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
        else:
            fig, axes = figure_axes(ax)[0], [ax, ax]
        for a, par, lab in zip(axes, ("att_d", "acrt_d"), ("ATT(d)", "ACRT(d)"), strict=True):
            d = t[t["parameter"] == par]
            x = d["dose"].to_numpy()
            if "band_low" in d:
                a.fill_between(x, d["band_low"], d["band_high"], color="C0", alpha=0.15)
            a.fill_between(x, d["ci_low"], d["ci_high"], color="C0", alpha=0.3)
            a.plot(x, d["estimate"], color="C0")
            a.axhline(0, color="0.4", lw=0.8)
            a.set_xlabel(term("dose", lang))
            a.set_title(lab, fontsize=10)
        fig.suptitle(title or tr(self.title, lang))
        fig.tight_layout()
        return fig


@dataclass(frozen=True)
class _Wide:
    """The balanced panel as unit x period arrays: outcome, cohort and dose of each unit."""

    u_ids: Any
    times: np.ndarray
    y: np.ndarray
    coh: np.ndarray
    dose: np.ndarray
    treated: np.ndarray


@dataclass(frozen=True)
class _Spline:
    """The B-spline of the dose: its knots and boundary, and its basis (with intercept) and
    derivative at the dose grid."""

    degree: int
    knots: np.ndarray
    boundary: tuple[float, float]
    grid: np.ndarray
    xg: np.ndarray
    dxg: np.ndarray

    def basis(self, d: np.ndarray, deriv: int = 0) -> np.ndarray:
        lead = np.ones(len(d)) if deriv == 0 else np.zeros(len(d))
        return np.column_stack(
            [lead, bspline_basis(d, self.degree, self.knots, self.boundary, deriv=deriv)]
        )


def _check_integers(degree: int, num_knots: int, n_draws: int) -> None:
    for name, v, lo in (
        ("degree", degree, 1),
        ("num_knots", num_knots, 0),
        ("n_draws", n_draws, 2),
    ):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo:
            raise OptionError(f"{name} must be an integer >= {lo}, got {v!r}")


def _wide_panel(data: pd.DataFrame, roles: Roles, dose: str) -> _Wide:
    """Step 1: the balanced panel and the doses, checked (one positive dose per treated
    unit, constant over time; 0 for the never treated)."""
    if dose not in data.columns:
        raise DataError(f"panel has no dose column {dose!r}; pass dose='<column>'")
    df = data[[roles.unit, roles.time, roles.outcome, roles.cohort, dose]].copy()
    if not pd.api.types.is_numeric_dtype(df[dose]):
        raise DataError(f"dose column {dose!r} must be numeric")
    df[roles.cohort] = df[roles.cohort].fillna(0)
    u_codes, u_ids = pd.factorize(df[roles.unit], sort=True)
    times, t_codes = np.unique(df[roles.time].to_numpy(), return_inverse=True)
    n, T = len(u_ids), len(times)
    if len(df) != n * T or df.duplicated([roles.unit, roles.time]).any():
        raise DataError(
            "continuous_did needs a balanced panel: one row per unit in each of the "
            f"{T} periods (drop units with gaps)"
        )
    y = np.full((n, T), np.nan)
    y[u_codes, t_codes] = df[roles.outcome].to_numpy(dtype=float)
    if np.isnan(y).any():
        bad = u_ids[np.isnan(y).any(axis=1)][:5].tolist()
        raise DataError(
            f"outcome {roles.outcome!r} is missing for unit(s) {bad}; continuous_did needs a "
            "balanced panel (drop or impute them)"
        )
    coh = np.zeros(n)
    np.maximum.at(coh, u_codes, df[roles.cohort].to_numpy(dtype=float))
    d_long = df[dose].to_numpy(dtype=float)
    dmat = np.full((n, T), np.nan)
    dmat[u_codes, t_codes] = d_long
    treated_u = coh > 0
    dd = dmat[treated_u]
    if np.isnan(dd).any():
        bad = u_ids[treated_u][np.isnan(dd).any(axis=1)][:5].tolist()
        raise DataError(f"dose {dose!r} is missing for treated unit(s) {bad}")
    if (np.nanmax(dd, axis=1) != np.nanmin(dd, axis=1)).any():
        bad = u_ids[treated_u][np.nanmax(dd, axis=1) != np.nanmin(dd, axis=1)][:5].tolist()
        raise DataError(f"dose {dose!r} varies within unit(s) {bad}; it must be constant")
    D = np.where(treated_u, np.nan_to_num(dmat[:, 0]), 0.0)
    if (D[treated_u] <= 0).any():
        bad = u_ids[treated_u & (D <= 0)][:5].tolist()
        raise DataError(
            f"treated unit(s) {bad} have dose <= 0; give every treated unit a positive dose "
            "(or leave it out)"
        )
    return _Wide(u_ids, times, y, coh, D, treated_u)


def _spline(pos: np.ndarray, degree: int, num_knots: int, dvals: Sequence[float] | None) -> _Spline:
    """Step 2: knots at quantiles of the positive doses ``pos``, and the dose grid."""
    knots = _quantile(pos, np.linspace(0, 1, num_knots + 2))[1:-1] if num_knots else np.array([])
    boundary = (float(pos.min()), float(pos.max()))
    grid = (
        _quantile(pos, np.round(np.arange(0.10, 0.995, 0.01), 2))
        if dvals is None
        else np.asarray(dvals, dtype=float)
    )
    if grid.ndim != 1 or len(grid) == 0 or not np.isfinite(grid).all():
        raise OptionError("dvals must be a non-empty sequence of finite doses")
    xg = np.column_stack([np.ones(len(grid)), bspline_basis(grid, degree, knots, boundary)])
    dxg = np.column_stack(
        [np.zeros(len(grid)), bspline_basis(grid, degree, knots, boundary, deriv=1)]
    )
    return _Spline(degree, knots, boundary, grid, xg, dxg)


def _cohort_cells(
    w: _Wide, sp: _Spline, g: float, control_group: ControlGroup
) -> list[tuple[Any, ...]]:
    """Step 3: the cells (g, t) of cohort ``g``: (g, t, e, post, att_d, acrt_d, att_o,
    acrt_o, if_att_d, if_acrt_d, if_acrt_o); none for a cohort treated from the first
    period on (no base period)."""
    times, y, coh = w.times, w.y, w.coh
    n, T = y.shape
    k = sp.xg.shape[1]
    before = np.flatnonzero(times < g)
    if len(before) == 0:
        return []
    base_post = int(before[-1])
    tr = np.flatnonzero(coh == g)
    if len(tr) < k:
        raise DataError(
            f"cohort {int(g)} has {len(tr)} treated unit(s), fewer than the {k} spline "
            "coefficients; lower degree/num_knots"
        )
    x_tr = sp.basis(w.dose[tr])
    dx_tr = sp.basis(w.dose[tr], deriv=1)
    xtx = x_tr.T @ x_tr
    if np.linalg.matrix_rank(xtx) < k:
        raise DataError(
            f"cohort {int(g)}: the spline basis is collinear among its doses; lower "
            "degree/num_knots"
        )
    bread = np.linalg.inv(xtx / len(tr))
    cells = []
    for tc in range(1, T):
        post = times[tc] >= g
        b = base_post if post else tc - 1
        if control_group == "never_treated":
            ctrl = np.flatnonzero(coh == 0)
        else:
            ctrl = np.flatnonzero((coh == 0) | (coh > times[tc]))
        if len(ctrl) == 0:
            continue
        dy_t = y[tr, tc] - y[tr, b]
        dy_c = y[ctrl, tc] - y[ctrl, b]
        beta = np.linalg.solve(xtx, x_tr.T @ dy_t)
        resid = dy_t - x_tr @ beta
        psi = (x_tr * resid[:, None]) @ bread  # influence of beta, per treated unit
        m0 = dy_c.mean()
        att_d = sp.xg @ beta - m0
        acrt_d = sp.dxg @ beta
        slope_i = dx_tr @ beta
        acrt_o = float(slope_i.mean())
        att_o = float(dy_t.mean() - m0)
        s1, s0 = n / len(tr), n / len(ctrl)
        if_att = np.zeros((n, len(sp.grid)))
        if_att[tr] = s1 * (psi @ sp.xg.T)
        if_att[ctrl] = -s0 * (dy_c - m0)[:, None]
        if_acrt = np.zeros((n, len(sp.grid)))
        if_acrt[tr] = s1 * (psi @ sp.dxg.T)
        if_o = np.zeros(n)
        if_o[tr] = s1 * ((slope_i - acrt_o) + psi @ dx_tr.mean(axis=0))
        cells.append(
            (g, times[tc], times[tc] - g, post, att_d, acrt_d, att_o, acrt_o, if_att, if_acrt, if_o)
        )
    return cells


def _binarised(w: _Wide, control_group: ControlGroup) -> tuple[Any, Any]:
    """Step 5: ATT^o and the level event study from the binarised Callaway & Sant'Anna
    estimator (its group and dynamic aggregations)."""
    import warnings

    from ._attgt import att_gt

    n, T = w.y.shape
    panel = pd.DataFrame(
        {
            "u": np.repeat(np.asarray(w.u_ids, dtype=object), T),
            "t": np.tile(w.times, n),
            "y": w.y.ravel(),
            "g": np.repeat(w.coh, T),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(panel, "y", unit="u", time="t", cohort="g", control_group=control_group)
        grp = gt.aggregate("group")
        dyn = gt.aggregate("dynamic")
    return grp, dyn


def _se_of(inf: np.ndarray, n: int) -> np.ndarray:
    inf = inf if inf.ndim == 2 else inf[:, None]
    return np.sqrt((inf**2).sum(axis=0)) / n


def _uniform_bands(
    infl: np.ndarray,
    estimates: tuple[np.ndarray, np.ndarray],
    m: int,
    n_draws: int,
    seed: int,
    level: float,
) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """Step 6: sup-t bands of ATT(d) and ACRT(d) over the dose grid (``m`` points) from a
    seeded multiplier bootstrap of their influence functions."""
    n = infl.shape[0]
    boot = MultiplierBootstrap(np.arange(n), n, int(n_draws), seed)
    bands = {}
    for j, name in ((0, "att_d"), (1, "acrt_d")):
        cols = slice(j * m, (j + 1) * m)
        draws = boot.draws(infl[:, cols])
        bse = bootstrap_se(draws, n)
        crit = sup_t_critical_value(draws, bse, level)
        est = estimates[j]
        bands[name] = (est - crit * bse, est + crit * bse, crit)
    return bands


def _event_study_frame(
    cells: list[tuple[Any, ...]], glist: np.ndarray, pg: np.ndarray, dyn: Any, n: int
) -> pd.DataFrame:
    """Step 7: the level event study (binarised) and the slope event study (ACRT^o(g,t)
    averaged by event time with cohort-size weights)."""
    cg = np.array([c[0] for c in cells])
    ce = np.array([c[2] for c in cells])
    rows, inf_es = [], []
    for e in np.unique(ce):
        idx = np.flatnonzero(ce == e)
        we = pg[np.searchsorted(glist, cg[idx])]
        we = we / we.sum()
        rows.append(float(sum(wi * cells[i][7] for wi, i in zip(we, idx, strict=True))))
        inf_es.append(sum(wi * cells[i][10] for wi, i in zip(we, idx, strict=True)))
    es_slope = pd.DataFrame(
        {
            "parameter": "acrt",
            "event_time": np.unique(ce).astype(np.int64),
            "estimate": rows,
            "std_error": _se_of(np.column_stack(inf_es), n),
        }
    )
    lev = dyn.tidy()
    es_level = pd.DataFrame(
        {
            "parameter": "att",
            "event_time": lev["event_time"].to_numpy(dtype=np.int64),
            "estimate": lev["estimate"].to_numpy(),
            "std_error": lev["std_error"].to_numpy(),
        }
    )
    es = pd.concat([es_level, es_slope], ignore_index=True)
    es["parameter"] = es["parameter"].astype("string")
    return es


@legacy_arguments(roles=("unit", "time", "cohort", "dose"))
def continuous_did(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    dose: str = "dose",
    control_group: ControlGroup = "never_treated",
    degree: int = 3,
    num_knots: int = 0,
    dvals: Sequence[float] | None = None,
    n_draws: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> ContinuousDiD:
    """Difference-in-differences with a continuous treatment (dose), staggered timing.

    Parameters
    ----------
    data
        Balanced long panel (one row per unit and period), e.g. an outcome panel with the
        implementation share of the linked action field merged on as ``dose``.
    outcome, unit, time, cohort
        Column roles (defaults from ``data.attrs["roles"]`` and the panel convention); cohort
        0 = never treated. They are keyword arguments (positional use is deprecated).
    dose
        Column with the dose, constant within units; ignored (set to 0) for never-treated
        units, and treated units need a positive dose.
    control_group
        ``"never_treated"`` or ``"not_yet_treated"`` (units first treated after period t).
    degree, num_knots
        B-spline degree and number of interior knots (at quantiles of the positive doses);
        ``degree=1, num_knots=0`` is a line, the default a cubic.
    dvals
        Dose grid for ATT(d) and ACRT(d); default: the 10th to 99th percentiles of the
        positive doses in steps of 1 (as ``contdid``).
    n_draws, seed
        Multiplier bootstrap draws for the uniform bands and their seed.
    level
        Confidence level of intervals and bands.

    Returns
    -------
    ContinuousDiD
        ``tidy()`` with ATT(d), ACRT(d), ATT^o and ACRT^o; ``event_study()``;
        ``assumptions()``. Point estimates match R ``contdid`` 0.1.0 and diff-diff's
        ``ContinuousDiD``; the standard errors of ATT(d) and ACRT(d) match diff-diff's, and
        contdid's except for ATT(d) with several cohorts (``tests/test_continuous_did.py``
        says why).
    """
    check_option("control_group", control_group, ControlGroup)
    _check_integers(degree, num_knots, n_draws)
    level = check_level(level)
    roles = resolve_roles(data, outcome, unit, time, cohort)
    wide = _wide_panel(data, roles, dose)
    coh, treated_u = wide.coh, wide.treated
    n = len(wide.u_ids)
    if (coh == 0).sum() == 0 and control_group == "never_treated":
        raise DataError("there are no never-treated units; use control_group='not_yet_treated'")
    sp = _spline(wide.dose[treated_u], degree, num_knots, dvals)
    grid = sp.grid
    glist = np.unique(coh[treated_u])
    cells = [c for g in glist for c in _cohort_cells(wide, sp, g, control_group)]
    if not any(c[3] for c in cells):
        raise DataError("no post-treatment cell can be estimated (no cohort with a base period)")

    # step 4: the post-treatment cells averaged with weights P(G = g | treated) / (number of
    # post-treatment periods of g)
    cg = np.array([c[0] for c in cells])
    cpost = np.array([c[3] for c in cells])
    pg = np.array([np.mean(coh == g) for g in glist])
    pg = pg / pg.sum()
    npost = {g: int(((cg == g) & cpost).sum()) for g in glist}
    w = np.array([pg[np.searchsorted(glist, c[0])] / npost[c[0]] if c[3] else 0.0 for c in cells])
    w = w / w.sum()
    att_d = sum(wi * c[4] for wi, c in zip(w, cells, strict=True))
    acrt_d = sum(wi * c[5] for wi, c in zip(w, cells, strict=True))
    acrt_o = float(sum(wi * c[7] for wi, c in zip(w, cells, strict=True)))
    if_att_d = sum(wi * c[8] for wi, c in zip(w, cells, strict=True) if wi)
    if_acrt_d = sum(wi * c[9] for wi, c in zip(w, cells, strict=True) if wi)
    if_acrt_o = sum(wi * c[10] for wi, c in zip(w, cells, strict=True) if wi)

    grp, dyn = _binarised(wide, control_group)
    att_o = grp.overall.estimate
    if_att_o = grp.overall.influence().to_numpy()[:, 0]
    infl = np.column_stack([if_att_d, if_acrt_d, if_att_o, if_acrt_o])
    se = _se_of(infl, n)
    m = len(grid)
    bands = _uniform_bands(infl, (att_d, acrt_d), m, n_draws, seed, level)
    table = pd.DataFrame(
        {
            "parameter": np.repeat(["att_d", "acrt_d"], m).tolist()
            + ["att_overall", "acrt_overall"],
            "dose": np.concatenate([grid, grid, [np.nan, np.nan]]),
            "estimate": np.concatenate([att_d, acrt_d, [att_o, acrt_o]]),
            "std_error": se,
        }
    )
    table["std_error_analytic"] = se
    table["band_low"] = np.concatenate([bands["att_d"][0], bands["acrt_d"][0], [np.nan] * 2])
    table["band_high"] = np.concatenate([bands["att_d"][1], bands["acrt_d"][1], [np.nan] * 2])
    table["parameter"] = table["parameter"].astype("string")
    es = _event_study_frame(cells, glist, pg, dyn, n)
    method = TEXTS["method"].format(
        degree=degree, knots=num_knots, control=CONTROL_NAMES[control_group]
    )
    se_note = TEXTS["se"].format(draws=n_draws, seed=seed)
    facts = {
        "n_units": n,
        "n_treated_units": int(treated_u.sum()),
        "n_cells": len(cells),
        "crit_att_d": bands["att_d"][2],
        "crit_acrt_d": bands["acrt_d"][2],
    }
    notes = [TEXTS["standard_pt"], TEXTS["strong_pt"]]
    event_study = Estimates(
        es,
        ["parameter", "event_time"],
        title=Text(
            "Ereignisstudie: ATT und ACRT nach Jahren seit Beginn", "Event study: ATT and ACRT"
        ),
        method=method,
        inference=Inference(name="influence_function", description=ES_SE),
        level=level,
        notes=notes,
        outcome=roles.outcome,
    )
    return ContinuousDiD(
        table,
        ["parameter", "dose"],
        weights=pd.DataFrame(
            {"cohort": cg, "time": [c[1] for c in cells], "weight": w, "post": cpost}
        ),
        knots=sp.knots,
        boundary=sp.boundary,
        degree=degree,
        event_study=event_study,
        title=TEXTS["title"],
        method=method,
        inference=Inference(name="influence_function", description=se_note),
        level=level,
        facts=facts,
        notes=notes,
        outcome=roles.outcome,
        influence=infl,
        call={
            "outcome": roles.outcome,
            "unit": roles.unit,
            "time": roles.time,
            "cohort": roles.cohort,
            "dose": dose,
            "control_group": control_group,
            "degree": degree,
            "num_knots": num_knots,
            "n_draws": n_draws,
            "seed": seed,
            "level": level,
        },
    )


ES_SE = Text(
    "ATT: binarisiertes Callaway & Sant'Anna (Einflussfunktionen); ACRT: Einflussfunktionen der "
    "Spline-Regressionen.",
    "ATT: binarised Callaway & Sant'Anna (influence functions); ACRT: influence functions of "
    "the spline regressions.",
)
