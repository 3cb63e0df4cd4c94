"""Gardner's (2022) two-stage difference-in-differences.

First stage: the untreated outcome model ``Y_it(0) = a_i + l_t (+ x_it' g)`` fitted on the
untreated observations (never treated and not yet treated), exactly as in the imputation
estimator (:mod:`evaluation.staggered.imputation`). Second stage: the residualised outcome
``Y_it - a_i^ - l_t^ (- x_it' g^)`` of every observation regressed (without intercept) on the
treatment indicator (static) or on dummies for years relative to onset (event study; leads
included when asked for, as in R ``did2s``).

Standard errors: the GMM (stacked estimating equations) correction of Butts & Gardner (2022,
R Journal) for the estimated first stage, cluster-robust by unit (or a coarser column),
without small-sample factor; the same formulas as R ``did2s`` and the same numbers. The
influence of observation i on the second-stage coefficients is
``(X2'W X2)^-1 [X2_i w_i e2_i - G' Z0_i w_i e1_i]`` with ``G = (Z0'W Z0)^-1 Z'W X2``, e1 the
first-stage and e2 the second-stage residuals; the covariance is the sum over clusters of
the outer products of the summed influences. Intervals use the normal distribution.

Point estimates of treated-only dummies equal those of the imputation estimator (both average
the same residualised outcomes); the standard errors differ (the imputation estimator's are
conservative under effect heterogeneity).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Text, number
from ..results import Estimates, Inference, check_level
from ._compat import legacy_arguments
from ._untreated import (
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

__all__ = ["did_two_stage", "TwoStageEffects", "TwoStagePreTest"]

Horizons = Sequence[int] | Literal[True, "static"] | None

TITLE = Text(
    "Zweistufige Differenz-von-Differenzen (Gardner)",
    "Two-stage difference-in-differences (Gardner)",
)
METHOD = Text(
    "1. Stufe: Einheiten- und Jahreseffekte auf den unbehandelten Beobachtungen (nie und noch "
    "nicht behandelt); 2. Stufe: bereinigte Zielgröße auf Behandlungs-Dummys",
    "Stage 1: unit and year effects on the untreated observations (never and not yet "
    "treated); stage 2: residualised outcome on treatment dummies",
)


def _se_note(cluster_name: str) -> Text:
    return Text(
        f"GMM-korrigierte Standardfehler (Butts & Gardner 2022, wie R did2s), geklumpt nach "
        f"{cluster_name!r}, ohne Kleinstichprobenfaktor; Normalverteilung.",
        f"GMM-corrected standard errors (Butts & Gardner 2022, as R did2s), clustered by "
        f"{cluster_name!r}, no small-sample factor; normal distribution.",
    )


#: deprecated name of the pre-trend test result (a :class:`~evaluation.staggered.PreTest`)
TwoStagePreTest = PreTest

PRETEST_TITLE = Text(
    "Vortest paralleler Trends (zweistufige DiD)", "Pre-trend test (two-stage DiD)"
)
PRETEST_HYPOTHESIS = Text(
    "H0: alle Koeffizienten vor Beginn sind 0; Wald-Test (Chi-Quadrat) mit der GMM-korrigierten "
    "Kovarianz.",
    "H0: every pre-onset coefficient is zero; Wald test (chi-squared) with the GMM-corrected "
    "covariance.",
)
WALD_NOTE = Text(
    "Gemeinsamer Wald-Test, dass alle Koeffizienten vor Beginn 0 sind: chi2({q}) = {stat}, "
    "p = {p}.",
    "Joint Wald test that all pre-onset coefficients are zero: chi2({q}) = {stat}, p = {p}.",
)
REFERENCE_NOTE = Text(
    "Referenzjahr relativ zum Beginn: {reference} (ohne Dummy).",
    "Reference year relative to onset: {reference} (no dummy).",
)
WEIGHTED_NOTE = Text(
    "Gewichtet: beide Stufen mit den Beobachtungsgewichten.",
    "Weighted: both stages use the observation weights.",
)


def _num(x: float, digits: int) -> Text:
    return Text(number(x, "de", digits), number(x, "en", digits))


class TwoStageEffects(Estimates):
    """Second-stage coefficients: one ``term`` (static) or one row per ``event_time``;
    ``vcov()`` is their GMM-corrected covariance; :meth:`pretest` tests the lead
    coefficients."""

    def pretest(self) -> PreTest:
        """Joint Wald test (chi-squared) that the coefficients of the years before onset in
        the second stage are zero, with the GMM-corrected covariance. Needs an event study
        with leads (``horizons=True`` or negative horizons)."""
        if self.keys != ["event_time"]:
            raise DataError(
                "the static two-stage estimate has no pre-onset coefficients; estimate an "
                "event study with horizons=True (or negative horizons) to test pre-trends"
            )
        t = self._table
        pre = t["event_time"].to_numpy() < 0
        if not pre.any():
            raise DataError(
                "the event study has no pre-onset coefficients; include negative horizons "
                "(e.g. horizons=True) to test pre-trends"
            )
        ks = t.loc[pre, "event_time"].tolist()
        b = t.loc[pre, "estimate"].to_numpy()
        v = self.vcov().loc[ks, ks].to_numpy()
        stat = float(b @ np.linalg.solve(v, b))
        q = len(ks)
        from scipy import stats

        p = float(stats.chi2.sf(stat, q))
        table = t.loc[pre, ["event_time", "estimate", "std_error"]].reset_index(drop=True)
        estimates = Estimates(
            table,
            ["event_time"],
            title=PRETEST_TITLE,
            method=self.method,
            inference=self.inference,
            level=self.level,
            outcome=self.outcome,
            covariance=v,
        )
        return PreTest(
            kind="event_time",
            tested=table,
            estimates=estimates,
            statistic=stat,
            p_value=p,
            dof=(q,),
            distribution="chi2",
            hypothesis=PRETEST_HYPOTHESIS,
            title=PRETEST_TITLE,
            method=self.method,
            inference=self.inference,
            facts={"statistic": stat, "df_num": q, "p_value": p},
            notes=[WALD_NOTE.format(q=q, stat=_num(stat, 3), p=_num(p, 4))],
            outcome=self.outcome,
            call=self.call,
        )


@legacy_arguments()
def did_two_stage(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    covariates: Sequence[str] | None = None,
    horizons: Horizons = None,
    reference: int = -1,
    weights: str | None = None,
    cluster: str | None = None,
    level: float = 0.95,
) -> TwoStageEffects:
    """Two-stage difference-in-differences of Gardner (2022) with the GMM-corrected standard
    errors of R ``did2s``.

    Parameters
    ----------
    data
        Panel in the package convention (see :mod:`evaluation.panel`); unbalanced panels
        allowed; never-treated units not required (not-yet-treated years identify the first
        stage).
    outcome, unit, time, cohort
        Role columns; default from ``data.attrs["roles"]`` and the panel convention. The
        roles after ``outcome`` are keyword arguments (positional use is deprecated).
    covariates
        Time-varying covariates of the first stage; covariates constant within units are
        absorbed by the unit effects and refused.
    horizons
        ``None`` or ``"static"``: one coefficient on the treatment indicator
        (``year >= cohort``). ``True``: one dummy per year relative to onset observed,
        except ``reference`` (R ``did2s``' ``i(rel_year, ref = c(-1, Inf))``). A list of
        integers: dummies for those years relative to onset (negative = leads); years not
        listed get no dummy.
    reference
        The year relative to onset left out with ``horizons=True`` (default -1).
    weights
        Column of positive observation weights, used in both stages.
    cluster
        Column of clusters (constant within units); default (``None`` or ``"unit"``): unit.
    level
        Confidence level of ``tidy()``.

    Returns
    -------
    TwoStageEffects
        ``tidy()`` by ``term`` (static) or ``event_time``, ``vcov()``, ``facts`` (observations,
        units, treated and never-treated units, clusters), notes on excluded observations,
        and :meth:`TwoStageEffects.pretest` for the lead coefficients.
    """
    hz = check_horizons(horizons, allow_negative=True)
    check_level(level)
    if isinstance(reference, bool) or not isinstance(reference, int | np.integer):
        raise OptionError(f"reference must be an integer year relative to onset, got {reference!r}")
    d = prepare(data, outcome, unit, time, cohort, covariates, weights, cluster)
    model = UntreatedModel(d)
    adj = model.fit()
    tr = d.treated
    et = d.event_time
    n = len(adj)
    if hz is None:
        code = np.where(tr, 0, -1).astype(np.intp)
        labels: list = ["ATT"]
    else:
        observed = sorted({int(k) for k in et[~np.isnan(et)]})
        ks = [k for k in observed if k != reference] if hz is True else hz
        missing = [k for k in ks if k not in observed]
        if missing:
            raise DataError(
                f"horizon(s) {missing} are not observed; years relative to onset in the data: "
                f"{observed}"
            )
        code = np.full(n, -1, dtype=np.intp)
        for j, k in enumerate(ks):
            code[et == k] = j
        labels = list(ks)
    n_k = len(labels)
    w = d.w
    has = code >= 0
    # second stage: the dummies are disjoint, so X2'W X2 is diagonal and each coefficient is
    # the weighted mean of the residualised outcome over its rows
    xtx = np.bincount(code[has], weights=w[has], minlength=n_k)
    beta = np.bincount(code[has], weights=(w * adj)[has], minlength=n_k) / xtx
    e2 = adj.copy()
    e2[has] -= beta[code[has]]
    # first-stage influence: G = (Z0'W Z0)^-1 Z'W X2 over all rows, then Z0_i'G on untreated
    every = np.ones(n, dtype=bool)
    coef = model.solve(*sparse_rhs(model, every, code, w, n_k))
    un = ~tr
    g_n = d.n_clusters
    scores = group_sums(d.cluster[un], g_n, (w[un] * adj[un])[:, None] * model.values(coef, un))
    scores -= cross_sums(d.cluster[has], code[has], (w * e2)[has], g_n, n_k)
    scores /= xtx[None, :]
    cov = scores.T @ scores
    se = np.sqrt(np.diag(cov))
    n_obs = [int(tr.sum())] if hz is None else np.bincount(code[has], minlength=n_k)
    table, keys = effects_table(hz is not None, labels, beta, se, n_obs)
    notes = list(d.notes)
    if hz is True:
        notes.append(REFERENCE_NOTE.format(reference=reference))
    if d.weighted:
        notes.append(WEIGHTED_NOTE)
    method = method_with_covariates(METHOD, d.covariates)
    return TwoStageEffects(
        table,
        keys,
        title=TITLE,
        method=method,
        inference=Inference(
            name=f"cluster_{d.cluster_name}",
            description=_se_note(d.cluster_name),
            n_clusters=d.n_clusters,
        ),
        level=level,
        facts=design_facts(d, tr),
        notes=notes,
        outcome=d.outcome,
        covariance=cov,
        call={
            "outcome": d.outcome,
            "unit": d.unit_name,
            "covariates": d.covariates,
            "horizons": horizons,
            "reference": reference,
            "weighted": d.weighted,
            "cluster": d.cluster_name,
            "level": level,
        },
    )
