"""The restricted wild cluster bootstrap (WCR) for one coefficient of a linear model.

Cameron, Gelbach & Miller (2008); MacKinnon & Webb (2017); the algebra of Roodman, MacKinnon,
Nielsen & Webb (2019, "Fast and wild", Stata Journal 19(1)). With few clusters the
cluster-robust t-test over-rejects; the WCR bootstrap imposes the null ``b_k = r``, multiplies
the restricted residuals of each cluster by one random weight ``v_g`` (Rademacher ``+-1`` or
Webb's six-point weights) and compares the t-statistic with its bootstrap distribution.

Vectorised: the bootstrap coefficient and its cluster-robust variance are linear and
quadratic in the weight vector, so all draws are one matrix product per chunk,

    b*_k - r = c'v,    se*^2 = ssc * sum_h ((diag(c) - D) v)_h^2,

with ``c_g = a'X_g'u_g`` (``a = (X'X)^-1 e_k``, ``u`` the restricted residuals) and
``D_hg = a'X_h'X_h (X'X)^-1 X_g'u_g``. Both are linear in ``r``, which makes the confidence
interval by test inversion cheap (the same draws for every ``r``).

Fixed effects: effects nested in the clusters (each level within one cluster, such as
municipality effects when clustering by municipality or state) are partialled out by
alternating projections; that is exact for the bootstrap, since the scores of nested effects
vanish cluster by cluster. Effects that are not nested (years, when clustering by unit) enter
as dummy columns, which is what the bootstrap needs to stay exact.

A result is bootstrapped through ``result.design()`` (the design protocol of
:mod:`evaluation.stats.design`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import TERMS, Lang, Text, check_lang, number, same, tr
from ..options import BootstrapPValue, WildWeights, check_draws, check_option
from ..results import TableResult, figure_axes
from .design import LinearDesign

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BootstrapOptionError = OptionError  # the older name

#: deprecated aliases of :data:`evaluation.options.WildWeights` and ``BootstrapPValue``
WeightType = WildWeights
PValueType = BootstrapPValue
WEIGHTS: dict[str, np.ndarray] = {
    "rademacher": np.array([-1.0, 1.0]),
    "webb": np.array(
        [-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)], dtype=float
    ),
}
MAX_DUMMIES = 5000
_CHUNK_CELLS = 4_000_000  # clusters x draws per matrix product
_KEEP_CELLS = 6_000_000  # clusters x draws kept in memory for the interval


def _codes(ids) -> np.ndarray:
    return pd.factorize(pd.Series(np.asarray(ids)), sort=True)[0]


def _nested(fe_codes: np.ndarray, cl_codes: np.ndarray) -> bool:
    pairs = pd.DataFrame({"f": fe_codes, "c": cl_codes}).drop_duplicates()
    return not pairs["f"].duplicated().any()


def _demean(m: np.ndarray, groups: list[np.ndarray], w: np.ndarray | None) -> np.ndarray:
    """Residuals of ``m`` (n x k) after the group means of every factor in ``groups``
    (weighted by ``w``), by alternating projections."""
    m = np.array(m, dtype=float, copy=True)
    if not groups:
        return m
    ww = np.ones(m.shape[0]) if w is None else w
    scale = max(float(np.abs(m).max()), 1.0)
    sums = [np.bincount(g, weights=ww) for g in groups]
    for _ in range(10_000):
        biggest = 0.0
        for g, s in zip(groups, sums, strict=True):
            means = np.vstack(
                [np.bincount(g, weights=ww * m[:, j]) / s for j in range(m.shape[1])]
            ).T
            step = means[g]
            m -= step
            biggest = max(biggest, float(np.abs(step).max()))
        if len(groups) == 1 or biggest < 1e-13 * scale:
            break
    return m


@dataclass
class _Prepared:
    x: np.ndarray  # partialled, weighted
    y: np.ndarray
    names: list[str]
    cluster: np.ndarray  # codes 0..G-1
    n_clusters: int
    absorbed: list[str]
    dummies: list[str]


def _prepare(design: LinearDesign) -> _Prepared:
    cl = _codes(design.cluster)
    g = int(cl.max()) + 1
    nested, extra = [], []
    x = design.x
    names = list(design.names)
    for name, ids in design.fe.items():
        codes = _codes(ids)
        if _nested(codes, cl):
            nested.append((name, codes))
        else:
            extra.append((name, codes))
    cols = [x]
    for name, codes in extra:
        k = int(codes.max()) + 1
        if k - 1 > MAX_DUMMIES:
            raise DataError(
                f"fixed effect {name!r} is not nested in the clusters and has {k} levels: too "
                "many dummies; cluster at a level that contains it, or drop it"
            )
        d = np.zeros((len(codes), k - 1))
        rows = np.flatnonzero(codes > 0)
        d[rows, codes[rows] - 1] = 1.0
        cols.append(d)
        levels = pd.factorize(pd.Series(np.asarray(design.fe[name])), sort=True)[1]
        names += [f"{name}[{lv}]" for lv in list(levels)[1:]]
    x = np.hstack(cols)
    if not nested:
        # without absorbed effects the model needs an intercept unless x spans one
        const = np.ones((x.shape[0], 1))
        resid = const - x @ np.linalg.lstsq(x, const, rcond=None)[0]
        if np.abs(resid).max() > 1e-8:
            x = np.hstack([const, x])
            names = ["(Intercept)", *names]
    w = design.weights
    y = design.y
    if nested:
        both = _demean(np.column_stack([y, x]), [c for _, c in nested], w)
        y, x = both[:, 0], both[:, 1:]
    if w is not None:
        sw = np.sqrt(w)
        y, x = y * sw, x * sw[:, None]
    # drop dummy columns that the absorbed effects made collinear
    keep = np.ones(x.shape[1], dtype=bool)
    n_user = len(design.names) + (names[0] == "(Intercept)")
    q, r = np.linalg.qr(x)
    diag = np.abs(np.diag(r))
    tiny = diag < 1e-9 * max(diag.max(), 1e-300)
    for j in np.flatnonzero(tiny):
        if j < n_user:
            raise DataError(
                f"regressor {names[j]!r} is collinear with the other regressors or the fixed "
                "effects: the coefficient is not identified"
            )
        keep[j] = False
    x = x[:, keep]
    names = [nm for nm, k in zip(names, keep, strict=True) if k]
    return _Prepared(x, y, names, cl, g, [n for n, _ in nested], [n for n, _ in extra])


class _WCR:
    """The precomputed pieces for one coefficient; t-statistics for any null value and
    any matrix of weights."""

    def __init__(self, prep: _Prepared, k: int) -> None:
        x, y, cl, g = prep.x, prep.y, prep.cluster, prep.n_clusters
        n, p = x.shape
        self.g = g
        xtx_inv = np.linalg.inv(x.T @ x)
        a = xtx_inv[:, k]
        self.bhat = xtx_inv @ (x.T @ y)
        uhat = y - x @ self.bhat
        self.ssc = g / (g - 1) * (n - 1) / (n - p)
        scores = _cluster_sum(x * uhat[:, None], cl, g)  # G x p
        self.se = float(np.sqrt(self.ssc * ((scores @ a) ** 2).sum()))
        self.estimate = float(self.bhat[k])
        # restricted residuals u(r) = u0 - r u1
        others = np.delete(x, k, axis=1)
        if others.shape[1]:
            proj = np.linalg.lstsq(others, np.column_stack([y, x[:, k]]), rcond=None)[0]
            res = np.column_stack([y, x[:, k]]) - others @ proj
        else:
            res = np.column_stack([y, x[:, k]])
        u0, u1 = res[:, 0], res[:, 1]
        s0 = _cluster_sum(x * u0[:, None], cl, g)  # G x p
        s1 = _cluster_sum(x * u1[:, None], cl, g)
        # H_h a for every cluster: sum over the cluster's rows of x_i (x_i'a)
        ha = _cluster_sum(x * (x @ a)[:, None], cl, g)  # G x p
        self.c0, self.c1 = s0 @ a, s1 @ a
        self.d0 = ha @ xtx_inv @ s0.T  # G x G
        self.d1 = ha @ xtx_inv @ s1.T

    def t_stat(self, r: float) -> float:
        return (self.estimate - r) / self.se

    def parts(self, v: np.ndarray) -> tuple[np.ndarray, ...]:
        """The products with the weights ``v`` (G x B) that do not depend on ``r``."""
        v = np.ascontiguousarray(v)
        return v, self.c0 @ v, self.c1 @ v, self.d0 @ v, self.d1 @ v

    def t_boot(self, r: float, parts: tuple[np.ndarray, ...]) -> np.ndarray:
        """Bootstrap t-statistics at the null value ``r`` from :meth:`parts`."""
        v, c0v, c1v, d0v, d1v = parts
        c = self.c0 - r * self.c1
        numer = c0v - r * c1v
        q = c[:, None] * v
        q -= d0v
        q += r * d1v
        np.square(q, out=q)
        with np.errstate(divide="ignore", invalid="ignore"):
            return numer / np.sqrt(self.ssc * q.sum(axis=0))


def _cluster_sum(m: np.ndarray, cl: np.ndarray, g: int) -> np.ndarray:
    out = np.zeros((g, m.shape[1]))
    np.add.at(out, cl, m)
    return out


class _Draws:
    """The weight vectors: all 2^G sign vectors, or ``n_draws`` random ones (stored as small
    integer codes, expanded chunk by chunk)."""

    def __init__(self, g: int, n_draws: int, weights: str, seed, enumerate_all: bool) -> None:
        self.values = WEIGHTS[weights]
        self.full = enumerate_all
        if enumerate_all:
            idx = np.arange(2**g)[:, None]
            self.codes = ((idx >> np.arange(g)[None, :]) & 1).astype(np.int8)  # 0 -> -1
        else:
            rng = np.random.default_rng(seed)
            self.codes = rng.integers(0, len(self.values), size=(n_draws, g), dtype=np.int8)
        self.n = self.codes.shape[0]
        self.chunk = max(1, _CHUNK_CELLS // max(g, 1))

    def chunks(self):
        for start in range(0, self.n, self.chunk):
            yield self.values[self.codes[start : start + self.chunk]].T  # G x b


def _p_value(t: float, tb: np.ndarray, kind: str) -> float:
    """Share of draws beyond ``t``, strictly (as fwildclusterboot): draws equal to ``t`` up to
    rounding (the identity sign vector and its negative, under full enumeration) do not count."""
    tol = 1e-9 * abs(t)
    if kind == "symmetric":
        return float(np.mean(np.abs(tb) > abs(t) + tol))
    lo = float(np.mean(tb > t + tol))
    hi = float(np.mean(tb < t - tol))
    return min(1.0, 2 * min(lo, hi))


WEIGHT_NAMES: dict[str, Text] = {
    "rademacher": same("Rademacher"),
    "webb": Text("Webb (6 Punkte)", "Webb (6-point)"),
}
TITLE = Text("Wilder Cluster-Bootstrap (WCR): {term}", "Wild cluster bootstrap (WCR): {term}")
ALL_SIGN_VECTORS = Text(" (alle Vorzeichenvektoren)", " (all sign vectors)")
FACT_LABELS: dict[str, Text] = {
    "n_clusters": TERMS["n_clusters"],
    "n_draws": TERMS["n_draws"],
    "weights": Text("Gewichte", "Weights"),
    "null": Text("Nullhypothese", "Null hypothesis"),
    "seed": TERMS["seed"],
    "absorbed": Text("Absorbierte Effekte", "Absorbed effects"),
    "dummies": Text("Effekte als Dummies", "Effects as dummies"),
}
#: the columns of the summary table and their labels
COLUMN_LABELS: dict[str, Text] = {
    "term": TERMS["term"],
    "estimate": TERMS["estimate"],
    "std_error": Text("Std.-Fehler (CRV1)", "Std. error (CRV1)"),
    "statistic": same("t"),
    "p_value": Text("p-Wert (Bootstrap)", "p-value (bootstrap)"),
    "ci_low": TERMS["ci_low"],
    "ci_high": TERMS["ci_high"],
    "p_value_crv": Text("p-Wert (t, G-1)", "p-value (t, G-1)"),
}
P_VALUE_TEXT: dict[str, Text] = {
    "symmetric": Text("p-Wert symmetrisch (|t*| > |t|)", "symmetric p-value (|t*| > |t|)"),
    "equal_tailed": Text("p-Wert gleichseitig (equal-tailed)", "equal-tailed p-value"),
}
METHOD_NOTE = Text(
    "Restringierter wilder Cluster-Bootstrap (Nullhypothese auferlegt); {p_value}; "
    "Konfidenzintervall durch Testinversion. Zum Vergleich: p-Wert des clusterrobusten "
    "t-Tests mit G - 1 Freiheitsgraden.",
    "Restricted wild cluster bootstrap (null imposed); {p_value}; confidence interval by test "
    "inversion. For comparison: the p-value of the cluster-robust t-test with G - 1 degrees "
    "of freedom.",
)
BOOTSTRAP_T = Text("Bootstrap-t", "Bootstrap t")


class WildBootstrapResult(TableResult):
    """The wild cluster bootstrap test of one coefficient.

    ``tidy()`` has one row: ``term``, ``estimate``, ``std_error`` (cluster-robust, CRV1 with
    ``G/(G-1) (n-1)/(n-k)``), ``statistic`` (its t), ``null`` (the value ``r`` tested),
    ``p_value`` (bootstrap), ``ci_low``/``ci_high`` (bootstrap interval by test inversion),
    ``p_value_crv`` (the cluster-robust t-test with G - 1 degrees of freedom, for comparison),
    ``n_clusters``, ``n_draws``, ``weights``, ``full_enumeration``.

    Parameters
    ----------
    table
        The one-row table described above.
    t_boot
        The bootstrap t-statistics under the null (one per draw).
    **kwargs
        ``title``, ``facts``, ``notes``, ``call`` as for :class:`~evaluation.results.TableResult`.
    """

    def __init__(self, table: pd.DataFrame, *, t_boot: np.ndarray, **kwargs: Any) -> None:
        #: the bootstrap t-statistics under the null, one per draw
        self.t_boot = np.asarray(t_boot, dtype=float)
        super().__init__(table, **kwargs)

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        row = self._table.iloc[0]
        draws = number(int(row["n_draws"]), lang)
        if row["full_enumeration"]:
            draws += ALL_SIGN_VECTORS(lang)
        values = {
            "n_clusters": number(int(row["n_clusters"]), lang),
            "n_draws": draws,
            "weights": WEIGHT_NAMES[str(row["weights"])](lang),
            "null": f"{row['term']} = {number(float(row['null']), lang, 4)}",
            "seed": str(self.facts.get("seed")),
            "absorbed": str(self.facts.get("absorbed") or ""),
            "dummies": str(self.facts.get("dummies") or ""),
        }
        return [(FACT_LABELS[k](lang), v) for k, v in values.items() if v]

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        shown = self._table[list(COLUMN_LABELS)]
        return [("", shown.rename(columns={c: t(lang) for c, t in COLUMN_LABELS.items()}))]

    def plot(self, ax: Axes | None = None, *, lang: Lang = "de") -> Figure:
        """Histogram of the bootstrap t-statistics with the observed t."""
        check_lang(lang)
        fig, ax = figure_axes(ax, (6, 4))
        ax.hist(self.t_boot[np.isfinite(self.t_boot)], bins=50, color="0.7")
        t = float(self._table["statistic"].iloc[0])
        ax.axvline(t, color="C3", lw=2, label="t")
        ax.set_xlabel(BOOTSTRAP_T(lang))
        ax.set_title(tr(self.title, lang))
        ax.legend()
        fig.tight_layout()
        return fig


def wild_bootstrap_design(
    design: LinearDesign,
    term: str | None = None,
    *,
    null: float = 0.0,
    n_draws: int = 9999,
    weights: WildWeights = "rademacher",
    p_type: BootstrapPValue = "symmetric",
    alpha: float = 0.05,
    conf_int: bool = True,
    seed: int | None = 0,
    progress: bool | None = None,
) -> WildBootstrapResult:
    """Restricted wild cluster bootstrap (WCR) test of ``term = null`` on a design.

    Parameters
    ----------
    design
        The model: outcome, regressors, fixed effects, clusters (see :class:`LinearDesign`).
    term
        The coefficient tested (default: the first column of ``x``).
    null
        The value ``r`` of the null hypothesis ``b_term = r``.
    n_draws
        Number of bootstrap draws. With Rademacher weights and ``2^G <= n_draws`` all
        ``2^G`` sign vectors are enumerated instead (the p-value is then exact, not random).
    weights
        ``"rademacher"`` (+-1) or ``"webb"`` (six points; better with fewer than about 10
        clusters, where Rademacher has few distinct draws).
    p_type
        ``"symmetric"``: share of ``|t*| > |t|``; ``"equal_tailed"``: twice the smaller tail.
    alpha
        Level of the confidence interval is ``1 - alpha``.
    conf_int
        Whether to compute the interval (inversion of the bootstrap test by bisection).
    seed
        Seed of ``numpy.random.default_rng`` for the random draws.
    progress
        Show a progress bar (tqdm) over the chunks of draws; ``None`` (default) shows it when
        the draws are many (clusters x draws above 20 million).

    Returns
    -------
    WildBootstrapResult
    """
    from scipy import stats
    from tqdm.auto import tqdm

    check_option("weights", weights, WildWeights)
    check_option("p_type", p_type, BootstrapPValue)
    n_draws = check_draws("n_draws", n_draws, minimum=99)
    if isinstance(alpha, bool) or not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise OptionError(f"alpha must be between 0 and 1, got {alpha!r}")
    if isinstance(null, bool) or not isinstance(null, int | float) or not np.isfinite(null):
        raise OptionError(f"null must be a finite number, got {null!r}")
    if not isinstance(design, LinearDesign):
        raise DataError(f"design must be a LinearDesign, got {type(design).__name__}")
    term = design.names[0] if term is None else term
    if term not in design.names:
        raise DataError(f"term {term!r} is not a regressor; the design has {list(design.names)}")
    prep = _prepare(design)
    g = prep.n_clusters
    if g < 2:
        raise DataError("the wild cluster bootstrap needs at least 2 clusters, the data have 1")
    k = prep.names.index(term)
    wcr = _WCR(prep, k)
    if not wcr.se > 0:
        raise DataError(f"the cluster-robust standard error of {term!r} is zero")
    full = weights == "rademacher" and 2**g <= n_draws
    draws = _Draws(g, int(n_draws), weights, seed, full)
    if progress is None:
        progress = draws.n * g > 20_000_000

    # the products with the draws are computed once (chunk by chunk, with a progress bar)
    # and kept when they fit into memory; otherwise recomputed for every null value
    keep = draws.n * g <= _KEEP_CELLS
    cached: list[tuple[np.ndarray, ...]] = []

    def chunk_parts(bar: bool):
        if cached:
            yield from cached
            return
        for v in tqdm(
            draws.chunks(),
            total=-(-draws.n // draws.chunk),
            disable=not (progress and bar),
            desc="wild bootstrap",
            leave=False,
        ):
            part = wcr.parts(v)
            if keep:
                cached.append(part)
            yield part

    def t_boot(r: float, bar: bool = False) -> np.ndarray:
        return np.concatenate([wcr.t_boot(r, part) for part in chunk_parts(bar)])

    def p_at(r: float) -> float:
        return _p_value(wcr.t_stat(r), t_boot(r), p_type)

    tb = t_boot(null, bar=True)
    if not np.isfinite(tb).all():
        raise DataError(
            f"{int((~np.isfinite(tb)).sum())} bootstrap draws have a zero standard error: "
            "too few clusters vary in the regressor"
        )
    p = _p_value(wcr.t_stat(null), tb, p_type)
    lo = hi = np.nan
    if conf_int:
        lo, hi = _invert(p_at, wcr.estimate, wcr.se, alpha)
    t = wcr.t_stat(null)
    table = pd.DataFrame(
        {
            "term": [term],
            "estimate": [wcr.estimate],
            "std_error": [wcr.se],
            "statistic": [t],
            "null": [float(null)],
            "p_value": [p],
            "ci_low": [lo],
            "ci_high": [hi],
            "p_value_crv": [float(2 * stats.t.sf(abs(t), g - 1))],
            "n_clusters": [g],
            "n_draws": [draws.n],
            "weights": [weights],
            "full_enumeration": [full],
        }
    )
    return WildBootstrapResult(
        table,
        t_boot=tb,
        title=TITLE.format(term=term),
        facts={
            "seed": seed,
            "p_type": p_type,
            "alpha": alpha,
            "absorbed": ", ".join(prep.absorbed),
            "dummies": ", ".join(prep.dummies),
        },
        notes=[METHOD_NOTE.format(p_value=P_VALUE_TEXT[p_type])],
        call={"term": term, "null": float(null), "n_draws": int(n_draws), "weights": weights,
              "p_type": p_type, "alpha": alpha, "seed": seed},
    )  # fmt: skip


def _invert(p_at, est: float, se: float, alpha: float) -> tuple[float, float]:
    """Both ends of ``{r : p(r) > alpha}`` by bracketing outwards from the estimate and
    bisection to ``1e-6`` standard errors."""
    if not p_at(est) > alpha:
        return est, est
    ends = []
    for sign in (-1.0, 1.0):
        inner, step = est, se
        outer = est + sign * step
        for _ in range(60):
            if not p_at(outer) > alpha:
                break
            inner, step = outer, step * 2
            outer = est + sign * step
        else:
            ends.append(sign * np.inf)
            continue
        while abs(outer - inner) > 1e-6 * se:
            mid = (inner + outer) / 2
            if p_at(mid) > alpha:
                inner = mid
            else:
                outer = mid
        ends.append((inner + outer) / 2)
    return float(ends[0]), float(ends[1])


def wild_bootstrap_ols(
    data: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    *,
    cluster: str,
    fe: Sequence[str] = (),
    term: str | None = None,
    weights: str | None = None,
    null: float = 0.0,
    n_draws: int = 9999,
    bootstrap_weights: WildWeights = "rademacher",
    p_type: BootstrapPValue = "symmetric",
    alpha: float = 0.05,
    conf_int: bool = True,
    seed: int | None = 0,
    progress: bool | None = None,
) -> WildBootstrapResult:
    """Wild cluster bootstrap for a linear model given as columns of a DataFrame.

    ``outcome ~ regressors + fixed effects fe``, clustered by the column ``cluster``; the
    test is of ``term = null`` (default: the first regressor). ``weights`` names a column of
    observation weights; ``bootstrap_weights`` chooses Rademacher or Webb draws. See
    :func:`wild_bootstrap_design` for the other options.

    Examples
    --------
    >>> res = wild_bootstrap_ols(df, "y", ["treat", "z"], fe=["unit", "year"],
    ...                          cluster="state", seed=1)  # doctest: +SKIP
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a DataFrame, got {type(data).__name__}")
    regressors = list(regressors)
    if not regressors:
        raise DataError("wild_bootstrap_ols needs at least one regressor")
    cols = [outcome, *regressors, cluster, *fe] + ([weights] if weights else [])
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DataError(f"data lacks the column(s) {missing}; it has {list(data.columns)}")
    for c in [outcome, *regressors] + ([weights] if weights else []):
        if not pd.api.types.is_numeric_dtype(data[c]):
            raise DataError(f"column {c!r} must be numeric (it is {data[c].dtype})")
    sub = data[cols]
    bad = sub.isna().any(axis=1).to_numpy()
    if bad.any():
        row = data.index[np.flatnonzero(bad)[0]]
        col = sub.columns[sub.loc[row].isna().to_numpy()][0]
        raise DataError(
            f"data: {int(bad.sum())} row(s) have missing values (first: row {row!r}, column "
            f"{col!r}); drop or fill them before bootstrapping"
        )
    design = LinearDesign(
        y=data[outcome].to_numpy(dtype=float),
        x=data[regressors].to_numpy(dtype=float),
        names=regressors,
        cluster=data[cluster].to_numpy(),
        fe={f: data[f].to_numpy() for f in fe},
        weights=None if weights is None else data[weights].to_numpy(dtype=float),
    )
    return wild_bootstrap_design(
        design,
        term,
        null=null,
        n_draws=n_draws,
        weights=bootstrap_weights,
        p_type=p_type,
        alpha=alpha,
        conf_int=conf_int,
        seed=seed,
        progress=progress,
    )


def wild_bootstrap(
    result: Any,
    term: str | int | None = None,
    *,
    n_draws: int = 9999,
    weights: WildWeights = "rademacher",
    cluster: Any = None,
    null: float = 0.0,
    p_type: BootstrapPValue = "symmetric",
    alpha: float = 0.05,
    conf_int: bool = True,
    seed: int | None = 0,
    progress: bool | None = None,
) -> WildBootstrapResult:
    """Wild cluster bootstrap of a fitted result.

    Parameters
    ----------
    result
        A result with ``design()`` returning a :class:`LinearDesign` (the design protocol of
        this module): ``twfe``, ``event_study`` and ``did_2x2`` results, or any object that
        implements it.
    term
        The estimate tested, named by its key (``"post"``, ``"did"``, an event time such as
        ``0``). May be left out when the result has one estimate.
    n_draws, weights, null, p_type, alpha, conf_int, seed, progress
        As in :func:`wild_bootstrap_design`.
    cluster
        Cluster ids (one per row of the design) replacing the design's clusters, e.g. to
        cluster by state a result that was clustered by municipality.

    Returns
    -------
    WildBootstrapResult

    Examples
    --------
    >>> res = ev.wild_bootstrap(ev.twfe(panel, cluster="state"), seed=1)  # doctest: +SKIP
    >>> ev.wild_bootstrap(ev.event_study(panel), term=0, seed=1)  # doctest: +SKIP
    """
    design_fn = getattr(result, "design", None)
    if not callable(design_fn):
        raise DataError(
            f"{type(result).__name__} does not provide its design (result.design()); use "
            "wild_bootstrap_ols(data, outcome, regressors, fe=..., cluster=...) on the data"
        )
    design = design_fn()
    if not isinstance(design, LinearDesign):
        raise DataError("result.design() must return a LinearDesign")
    if term is None:
        terms = _estimate_terms(result)
        if len(terms) > 1:
            raise OptionError(
                f"{type(result).__name__} has {len(terms)} estimates; name the one to test with "
                f"term= (one of {terms})"
            )
        term = terms[0] if terms else None
    if cluster is not None:
        cl = np.asarray(cluster)
        if cl.shape != design.y.shape:
            raise DataError(
                f"cluster needs one id per observation of the design ({len(design.y)}), got "
                f"{cl.size}"
            )
        design = LinearDesign(design.y, design.x, design.names, cl, dict(design.fe), design.weights)
    return wild_bootstrap_design(
        design,
        None if term is None else str(term),
        null=null,
        n_draws=n_draws,
        weights=weights,
        p_type=p_type,
        alpha=alpha,
        conf_int=conf_int,
        seed=seed,
        progress=progress,
    )


def _estimate_terms(result: Any) -> list[str]:
    """The names of a result's estimates (``str()`` of its one key, reference rows left out);
    empty for objects without ``tidy()`` and ``keys``."""
    keys = list(getattr(result, "keys", None) or [])
    tidy = getattr(result, "tidy", None)
    if len(keys) != 1 or not callable(tidy):
        return []
    t = tidy()
    if "reference" in t.columns:
        t = t[~t["reference"].astype(bool)]
    return [str(v) for v in t[keys[0]]]
