"""The imputation estimator of Borusyak, Jaravel & Spiess (2024, REStud).

Model of the untreated outcome: ``Y_it(0) = a_i + l_t (+ x_it' g) + e_it``. It is fitted by
weighted least squares on the untreated observations only (never-treated units and the
not-yet-treated years of treated units), ``Y_it(0)`` is imputed for every treated observation
(``year >= cohort``), and the individual effects ``Y_it - Y_it(0)^`` are averaged: over all
treated observations (static) or by years since onset (horizons). Unbalanced panels need no
special treatment: every observed unit-year enters; a treated unit without any untreated
observation (treated from its first observed year) has no estimable unit effect and is left
out, as are treated observations in years without untreated observations (both named in the
result's notes).

Standard errors are the conservative ones of the paper (Theorem 3, with the treated
residuals taken relative to the cohort-by-event-time averages of the effects), clustered by
unit (or a coarser column), without small-sample factor; the same formulas as R
``didimputation`` (Butts), and the same numbers on unweighted data. Intervals use the normal
distribution.

:meth:`ImputationEffects.pretest` is the pre-trend test of the paper (Section 4.4): untreated
outcomes regressed on dummies for the years before onset plus the unit and year effects (and
covariates), a cluster-robust F test that their coefficients are zero.

The least-squares problem is solved exactly: the unit effects are eliminated by block
elimination (the within transformation by units, exact in one pass), so only the year effects
and covariates remain in a small dense system. The same solver gives the weights ``v_it`` of
the variance formula for any number of horizons at once, without forming dummy matrices; sums
over units, years, cells and clusters are :func:`numpy.bincount` calls. The pre-trend
regression uses :func:`evaluation.stats.demean.demean` (alternating projections by unit and
year).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Text, number
from ..results import Estimates, Inference, check_level
from ..stats.demean import demean
from ._compat import legacy_arguments
from ._untreated import (
    Design,
    Horizons,
    UntreatedModel,
    check_horizons,
    cross_sums,
    design_facts,
    effects_table,
    group_sums,
    method_with_covariates,
    prepare,
    sparse_rhs,
)
from .results import PreTest

__all__ = ["did_imputation", "ImputationEffects", "ImputationPreTest"]

PreTrends = Sequence[int] | Literal[True] | None


# ---------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------
TITLE = Text(
    "Imputationsschätzer (Borusyak, Jaravel & Spiess)",
    "Imputation estimator (Borusyak, Jaravel & Spiess)",
)
METHOD = Text(
    "Modell für Y(0) mit Einheiten- und Jahreseffekten auf den unbehandelten Beobachtungen "
    "(nie und noch nicht behandelt), Y(0) für behandelte Beobachtungen imputiert, "
    "Einzeleffekte gemittelt",
    "Model of Y(0) with unit and year effects on the untreated observations (never and not "
    "yet treated), Y(0) imputed for treated observations, individual effects averaged",
)
PRETEST_TITLE = Text(
    "Vortest paralleler Trends (Imputationsschätzer)",
    "Pre-trend test (imputation estimator)",
)


def _se_note(cluster_name: str) -> Text:
    return Text(
        f"Konservative Standardfehler nach Borusyak, Jaravel & Spiess (Satz 3), geklumpt nach "
        f"{cluster_name!r}, ohne Kleinstichprobenfaktor (wie R didimputation); "
        "Normalverteilung.",
        f"Conservative standard errors of Borusyak, Jaravel & Spiess (Theorem 3), clustered "
        f"by {cluster_name!r}, no small-sample factor (as R didimputation); normal "
        "distribution.",
    )


#: deprecated name of the pre-trend test result (a :class:`~evaluation.staggered.PreTest`)
ImputationPreTest = PreTest


class ImputationEffects(Estimates):
    """Effects of the imputation estimator: one ``term`` (static) or one row per
    ``event_time`` (years since onset). ``vcov()`` is the covariance of the estimates (also
    across horizons); :meth:`pretest` is the pre-trend test of the paper."""

    def __init__(
        self,
        table: pd.DataFrame,
        keys: list[str],
        *,
        design: Design,
        pretrends: PreTrends,
        pretest: PreTest | None,
        **kw: Any,
    ) -> None:
        self._design = design
        self._pretrends = pretrends
        self._pretest = pretest
        super().__init__(table, keys, **kw)

    def pretest(self, pretrends: PreTrends = None) -> PreTest:
        """Pre-trend test: regress the untreated outcomes on dummies for the years before
        onset listed in ``pretrends`` (default: those given to :func:`did_imputation`, else
        every pre-onset year observed) plus unit and year effects (and the covariates), with
        the estimator's weights; cluster-robust F test that the coefficients are zero.

        The coefficients and standard errors (``estimates`` of the returned test) equal R
        ``didimputation``'s ``pretrends=`` output (``fixest`` with its default small-sample
        correction: ``(n-1)/(n-K)`` with the unit effects nested in the clusters not counted,
        times ``G/(G-1)``); the F test equals ``fixest::wald`` on that regression (F with
        ``G-1`` denominator degrees of freedom). Dummies collinear with the fixed effects
        (for example the earliest pre-onset years when every treated unit is observed in all
        of them) are dropped in order, as ``fixest`` does, and named in the notes."""
        if pretrends is None:
            if self._pretest is not None:
                return self._pretest
            pretrends = self._pretrends if self._pretrends is not None else True
        return pre_trend_test(self._design, pretrends, self.level)


def pre_trend_test(d: Design, pretrends: PreTrends, level: float) -> PreTest:
    """See :meth:`ImputationEffects.pretest`."""
    m = ~d.treated
    et = d.event_time[m]
    available = sorted({int(k) for k in et[~np.isnan(et)]})
    if not available:
        raise DataError(
            "no untreated observation of a treated unit before its onset: the pre-trend test "
            "needs treated units observed before onset"
        )
    if pretrends is True:
        ks = available
    elif isinstance(pretrends, bool | str) or not isinstance(pretrends, Sequence | np.ndarray):
        raise OptionError(
            f"pretrends must be True (every year before onset) or a list of negative "
            f"integers, got {pretrends!r}"
        )
    else:
        ks = []
        for k in pretrends:
            if isinstance(k, bool) or not isinstance(k, int | np.integer):
                raise OptionError(f"pretrends must hold integers (e.g. -1, -2), got {k!r}")
            ks.append(int(k))
        if not ks or len(set(ks)) != len(ks):
            raise OptionError(f"pretrends must list distinct years before onset, got {ks}")
        missing = [k for k in ks if k not in available]
        if missing:
            raise DataError(
                f"pretrends {missing} are not observed before onset; the years before onset in "
                f"the data are {available}"
            )
        ks = sorted(ks)
    y = d.y[m]
    dummies = np.column_stack([(et == k).astype(float) for k in ks])
    mat = np.column_stack([y, dummies, d.x[m]])
    w = d.w[m]
    tilde = demean(mat, [d.unit[m], d.time[m]], w)
    yt, xt = tilde[:, 0], tilde[:, 1:]
    names = [*ks, *d.covariates]
    # drop regressors collinear with the fixed effects and the earlier regressors (in order)
    keep: list[int] = []
    sw = np.sqrt(w)
    for j in range(xt.shape[1]):
        col = xt[:, j] * sw
        norm0 = col @ col
        raw = mat[:, 1 + j] * sw
        if norm0 <= 1e-10 * max(raw @ raw, 1e-300):
            continue
        if keep:
            basis, _ = np.linalg.qr(xt[:, keep] * sw[:, None])
            res = col - basis @ (basis.T @ col)
            if res @ res <= 1e-10 * norm0:
                continue
        keep.append(j)
    dropped = [names[j] for j in range(len(names)) if j not in keep]
    dropped_pre = [k for k in dropped if isinstance(k, int)]
    dropped_cov = [k for k in dropped if not isinstance(k, int)]
    if dropped_cov:
        raise DataError(
            f"covariate(s) {dropped_cov} are collinear with the fixed effects or the other "
            "regressors among the untreated observations; leave them out"
        )
    kept_k = [names[j] for j in keep if isinstance(names[j], int)]
    if not kept_k:
        raise DataError(
            f"every pre-onset dummy {ks} is collinear with the unit and year effects; choose "
            "fewer pretrends (the earliest years serve as reference)"
        )
    xk = xt[:, keep]
    xtx = xk.T @ (xk * w[:, None])
    beta = np.linalg.solve(xtx, xk.T @ (w * yt))
    resid = yt - xk @ beta
    bread = np.linalg.inv(xtx)
    scores = group_sums(d.cluster[m], d.n_clusters, xk * (w * resid)[:, None])
    meat = scores.T @ scores
    n = int(m.sum())
    g = d.n_clusters
    n_times = int(np.unique(d.time[m]).size)
    # fixest: K = coefficients + fixed effects not nested in the clusters (units are nested)
    k_par = max(len(keep) + n_times, len(keep) + 1)
    factor = (n - 1) / (n - k_par) * g / (g - 1)
    cov = factor * bread @ meat @ bread
    sel = [i for i, j in enumerate(keep) if isinstance(names[j], int)]
    b = beta[sel]
    v = cov[np.ix_(sel, sel)]
    q = len(sel)
    df2 = max(g - 1, q + 1)
    stat = float(b @ np.linalg.solve(v, b)) / q
    from scipy import stats

    p = float(stats.f.sf(stat, q, df2))
    et_all = d.event_time
    counts = [int(((et_all == k) & ~d.treated).sum()) for k in kept_k]
    table = pd.DataFrame(
        {
            "event_time": np.array(kept_k, dtype="int64"),
            "estimate": b,
            "std_error": np.sqrt(np.diag(v)),
            "n_obs": counts,
        }
    )
    return _pretest_result(d, table, v, stat, (q, df2), p, dropped_pre, level, n)


PRETEST_METHOD = Text(
    "Unbehandelte Beobachtungen: Zielgröße auf Dummys der Jahre vor Beginn, Einheiten- und "
    "Jahreseffekte",
    "Untreated observations: outcome on dummies for years before onset, unit and year effects",
)
PRETEST_SE = Text(
    "Standardfehler geklumpt nach {cluster!r} mit dem Faktor (n-1)/(n-K) * G/(G-1) von "
    "fixest; t-Verteilung mit G-1 Freiheitsgraden.",
    "Standard errors clustered by {cluster!r} with fixest's factor (n-1)/(n-K) * G/(G-1); t "
    "distribution with G-1 degrees of freedom.",
)
PRETEST_HYPOTHESIS = Text(
    "H0: alle Koeffizienten der Jahre vor Beginn sind 0 (F-Test, cluster-robust).",
    "H0: every coefficient of the years before onset is zero (F test, cluster-robust).",
)
F_NOTE = Text(
    "Gemeinsamer Test, dass alle Koeffizienten 0 sind: F({q}, {df2}) = {stat}, p = {p}.",
    "Joint test that all coefficients are zero: F({q}, {df2}) = {stat}, p = {p}.",
)
COLLINEAR_NOTE = Text(
    "Mit den Fixed Effects kollinear und daher weggelassen: Jahre {years} (sie dienen als "
    "Referenz).",
    "Collinear with the fixed effects and dropped: years {years} (they serve as reference).",
)


def _num(x: float, digits: int) -> Text:
    return Text(number(x, "de", digits), number(x, "en", digits))


def _pretest_result(
    d: Design,
    table: pd.DataFrame,
    v: np.ndarray,
    stat: float,
    dof: tuple[int, int],
    p: float,
    dropped_pre: list[Any],
    level: float,
    n: int,
) -> PreTest:
    """The F test with the coefficients it tests (an Estimates of the pre-onset years)."""
    g = d.n_clusters
    notes = [F_NOTE.format(q=dof[0], df2=dof[1], stat=_num(stat, 3), p=_num(p, 4))]
    if dropped_pre:
        notes.append(COLLINEAR_NOTE.format(years=dropped_pre))
    inference = Inference(
        name=f"cluster_{d.cluster_name}",
        description=PRETEST_SE.format(cluster=d.cluster_name),
        distribution="t",
        dof=float(g - 1),
        n_clusters=g,
    )
    facts = {
        "n_obs": n,
        "n_clusters": g,
        "pretrend_F": stat,
        "df_num": dof[0],
        "df_denom": dof[1],
        "pretrend_p": p,
    }
    estimates = Estimates(
        table,
        ["event_time"],
        title=PRETEST_TITLE,
        method=PRETEST_METHOD,
        inference=inference,
        level=level,
        facts=facts,
        notes=notes,
        outcome=d.outcome,
        covariance=v,
    )
    return PreTest(
        kind="event_time",
        tested=table,
        estimates=estimates,
        statistic=stat,
        p_value=p,
        dof=dof,
        distribution="F",
        hypothesis=PRETEST_HYPOTHESIS,
        title=PRETEST_TITLE,
        method=PRETEST_METHOD,
        inference=inference,
        facts=facts,
        notes=notes,
        outcome=d.outcome,
    )


# ---------------------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------------------
def target_codes(d: Design, horizons: Any, rows: np.ndarray) -> tuple[np.ndarray, list]:
    """For the rows ``rows`` (mask): the index of the target each row is averaged into (-1:
    none; every treated row enters at most one target) and the target labels (event times,
    or ["ATT"] for the static effect)."""
    et = d.event_time[rows]
    if horizons is None:
        return np.zeros(int(rows.sum()), dtype=np.intp), ["ATT"]
    observed = sorted({int(k) for k in et[~np.isnan(et)]})
    hs = [k for k in observed if k >= 0] if horizons is True else horizons
    missing = [h for h in hs if h not in observed]
    if missing:
        raise DataError(
            f"horizon(s) {missing} have no treated observation; years since onset observed: "
            f"{observed}"
        )
    code = np.full(et.shape, -1, dtype=np.intp)
    for j, h in enumerate(hs):
        code[et == h] = j
    return code, list(hs)


@legacy_arguments()
def did_imputation(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    covariates: Sequence[str] | None = None,
    horizons: Horizons = None,
    pretrends: PreTrends = None,
    weights: str | None = None,
    cluster: str | None = None,
    level: float = 0.95,
) -> ImputationEffects:
    """Imputation estimator of Borusyak, Jaravel & Spiess (2024) for staggered adoption.

    Parameters
    ----------
    data
        Panel in the package convention (see :mod:`evaluation.panel`): one row per unit and
        year, ``cohort`` = onset year, 0 (or missing) for never treated. Unbalanced panels
        are allowed. Never-treated units are not required: not-yet-treated years identify
        the model as well.
    outcome, unit, time, cohort
        Role columns; default from ``data.attrs["roles"]`` and the panel convention. The
        roles after ``outcome`` are keyword arguments (positional use is deprecated).
    covariates
        Time-varying covariates of the untreated outcome model (``x_it' g``). Covariates
        constant within units are absorbed by the unit effects and refused.
    horizons
        ``None`` or ``"static"``: one overall effect, the average over all treated
        observations. ``True``: one effect per year since onset observed (0 = onset year).
        A list of integers >= 0: those years since onset.
    pretrends
        Years before onset (negative integers, or ``True`` for all) for :meth:`pretest`;
        when given, the test is computed now (and bad values are refused now).
    weights
        Column of positive observation weights: used in the untreated outcome model and
        in the averages of the individual effects.
    cluster
        Column whose values are the clusters (constant within units, e.g. a state); default
        (``None`` or ``"unit"``): the unit.
    level
        Confidence level of the intervals in ``tidy()``.

    Returns
    -------
    ImputationEffects
        ``tidy()`` has ``term`` (static) or ``event_time`` with ``estimate``,
        ``std_error``, intervals and ``n_obs`` (treated observations averaged); ``vcov()``
        the covariance of the estimates; ``facts`` the counts of observations, units,
        treated units, never-treated units and clusters; ``notes`` the excluded
        observations.

    Notes
    -----
    Standard errors: the conservative estimator of the paper's Theorem 3,
    ``sum_clusters (sum_it v_it e_it)^2``, with ``v_it`` the weight of observation it in the
    estimate (the averaging weight for treated rows, ``-W Z0 (Z0'W Z0)^-1 Z1' w1`` for
    untreated rows), ``e_it`` the residual of the untreated model for untreated rows and, for
    treated rows, the effect minus its ``v^2``-weighted average within the cohort and year
    since onset. Equal to R ``didimputation`` 0.5.0 without weights; with weights, R uses
    ``W^2`` in the projection (its design matrix is multiplied by the weights, not their
    square roots), which this function does not follow.

    Examples
    --------
    >>> import evaluation as ev  # doctest: +SKIP
    >>> res = ev.did_imputation(mpdta, "lemp", unit="countyreal", time="year",
    ...                         cohort="first.treat", horizons=True)  # doctest: +SKIP
    >>> res.pretest(pretrends=[-3, -2, -1])  # doctest: +SKIP
    """
    hz = check_horizons(horizons)
    check_level(level)
    if pretrends is not None and pretrends is not True:
        if isinstance(pretrends, bool | str) or not isinstance(pretrends, Sequence | np.ndarray):
            raise OptionError(
                f"pretrends must be None, True (every year before onset) or a list of negative "
                f"integers, got {pretrends!r}"
            )
        check_horizons(pretrends, "pretrends", allow_negative=True)
    d = prepare(data, outcome, unit, time, cohort, covariates, weights, cluster)
    model = UntreatedModel(d)
    adj = model.fit()
    tr = d.treated
    un = ~tr
    code, labels = target_codes(d, hz, tr)
    n_h = len(labels)
    has = code >= 0
    w_tr, adj_tr = d.w[tr], adj[tr]
    wsum = np.bincount(code[has], weights=w_tr[has], minlength=n_h)
    est = np.bincount(code[has], weights=(w_tr * adj_tr)[has], minlength=n_h) / wsum
    # v: the averaging weight w / sum(w) of each treated row in its target, and
    # -W Z0 (Z0'W Z0)^-1 Z1'w1 on the untreated rows (one column per target)
    v_tr = np.where(has, w_tr / wsum[np.where(has, code, 0)], 0.0)
    coef = model.solve(*sparse_rhs(model, tr, code, v_tr, n_h))
    v_un = -d.w[un, None] * model.values(coef, un)
    # residuals: untreated rows their first-stage residual; treated rows the effect minus its
    # v^2-weighted mean in its cohort x event-time cell (all rows of a cell share one target)
    key = d.cohort[tr].astype(np.int64) * (d.years.size + 1) + d.time[tr]
    cells = pd.factorize(key)[0]  # cohort x year = cohort x event time
    v2 = v_tr**2
    num = np.bincount(cells, weights=v2 * adj_tr)
    den = np.bincount(cells, weights=v2)
    tbar = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    eps_tr = adj_tr - tbar[cells]
    g_n = d.n_clusters
    scores = group_sums(d.cluster[un], g_n, v_un * adj[un, None])
    scores += cross_sums(d.cluster[tr][has], code[has], (v_tr * eps_tr)[has], g_n, n_h)
    cov = scores.T @ scores
    se = np.sqrt(np.diag(cov))
    et_tr = d.event_time[tr]
    n_obs = [int(tr.sum())] if hz is None else [int((et_tr == h).sum()) for h in labels]
    table, keys = effects_table(hz is not None, labels, est, se, n_obs)
    notes = list(d.notes)
    if d.weighted:
        notes.append(WEIGHTED_NOTE)
    method = method_with_covariates(METHOD, d.covariates)
    pretest = pre_trend_test(d, pretrends, level) if pretrends is not None else None
    facts = design_facts(d, tr)
    if pretest is not None:
        facts["pretrend_F"] = pretest.statistic
        facts["pretrend_p"] = pretest.p_value
    return ImputationEffects(
        table,
        keys,
        design=d,
        pretrends=pretrends,
        pretest=pretest,
        title=TITLE,
        method=method,
        inference=Inference(
            name=f"cluster_{d.cluster_name}",
            description=_se_note(d.cluster_name),
            n_clusters=d.n_clusters,
        ),
        level=level,
        facts=facts,
        notes=notes,
        outcome=d.outcome,
        covariance=cov,
        call={
            "outcome": d.outcome,
            "unit": d.unit_name,
            "covariates": d.covariates,
            "horizons": horizons,
            "pretrends": pretrends,
            "weighted": d.weighted,
            "cluster": d.cluster_name,
            "level": level,
        },
    )


WEIGHTED_NOTE = Text(
    "Gewichtet: Modell für Y(0) und Mittelwerte der Einzeleffekte mit den Beobachtungsgewichten.",
    "Weighted: the model of Y(0) and the averages of the individual effects use the "
    "observation weights.",
)
