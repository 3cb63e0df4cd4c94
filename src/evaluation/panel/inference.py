"""Inference for few treated units: randomisation inference and placebo-in-time tests.

With a few dozen audited municipalities, cluster-robust standard errors can be too small.
Randomisation (permutation) inference compares the estimate with its distribution when the
onset dates are assigned to the wrong units; a placebo in time moves the onset to a year
before the real one, where no effect can have happened.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from ..errors import DataError, FewClustersWarning, OptionError
from ..i18n import Lang, Text, check_lang, term, tr
from ..options import RandomizationScheme, RerunEstimator, check_draws, check_option
from ..results import Estimates, Inference, figure_axes, plot_estimates
from ..stats.fixed_effects import covariate_terms
from ..study.panel import Roles, check_panel, post_indicator, resolve_roles
from .did import did_2x2
from .results import PanelEstimates
from .twfe import event_dummies, event_study, twfe

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["RandomizationResult", "placebo_in_time", "randomization_inference"]

#: deprecated aliases of :data:`evaluation.options.RerunEstimator` and ``RandomizationScheme``
EstimatorName = RerunEstimator
Scheme = RandomizationScheme
ESTIMATORS: dict[str, Callable[..., PanelEstimates]] = {
    "twfe": twfe,
    "event_study": event_study,
    "did_2x2": did_2x2,
}
RI_TITLE = Text("Randomisierungsinferenz: ", "Randomisation inference: ")
RI_INFERENCE = Text(
    "ri_p_value aus der Randomisierungsverteilung ({scheme}, {n} Ziehungen, Startwert {seed}): "
    "Anteil der Ziehungen mit |Schätzwert| >= beobachtet, (1 + Anzahl) / (1 + Ziehungen). "
    "Standardfehler, Intervalle und p_value wie im Schätzer: {observed}",
    "ri_p_value from the randomisation distribution ({scheme}, {n} draws, seed {seed}): share "
    "of draws with |estimate| >= observed, (1 + count) / (1 + draws). Standard errors, "
    "intervals and p_value as in the estimator: {observed}",
)
SCHEMES = {
    "permute": Text("Beginnjahre permutiert", "onset years permuted"),
    "comparison_pool": Text("Placebo-Einheiten", "placebo units"),
}
VALID_WITH_FEW_CLUSTERS = Text(
    "Die Randomisierungsinferenz ist die gültige Alternative, wenn Cluster zu wenige sind: "
    "ri_p_value beruht nicht auf den cluster-robusten Standardfehlern.",
    "Randomisation inference is the valid alternative when clusters are few: ri_p_value does "
    "not rest on the cluster-robust standard errors.",
)
FEW_CLUSTERS_HERE = Text(
    "Der Schätzer hat nur {counts}: seine cluster-robusten t-Statistiken und p-Werte werden "
    "nicht gezeigt (sie bleiben in tidy()); maßgeblich ist ri_p_value.",
    "The estimator has only {counts}: its cluster-robust t-statistics and p-values are not "
    "shown (they stay in tidy()); ri_p_value is the one to read.",
)
PLACEBO_TITLE = Text(
    "Placebo in der Zeit ({shift} Jahre früher): ", "Placebo in time ({shift} years earlier): "
)
PLACEBO_NOTE = Text(
    "Placebo: Beginn um {shift} Jahre vorverlegt, Beobachtungen ab dem echten Beginn ausgelassen.",
    "Placebo: onset moved {shift} years earlier, observations from the real onset on left out.",
)


class RandomizationResult(Estimates):
    """The observed estimates with randomisation p-values (``ri_p_value``) and the standard
    deviation of the randomisation distribution (``ri_sd``).

    The result is never flagged for few clusters: randomisation inference is the valid
    alternative then. When the estimator's clusters are too few, its cluster-robust
    t-statistics and p-values are left out of the summary (they stay in ``tidy()``).

    Parameters
    ----------
    table, keys
        The estimator's table with ``ri_p_value`` and ``ri_sd``.
    draws
        The estimates of every draw (rows: draws, columns: the estimator's terms).
    observed
        The estimator's own result.
    **kwargs
        As for :class:`~evaluation.results.Estimates`.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        keys: list[str],
        *,
        draws: pd.DataFrame,
        observed: Estimates,
        **kwargs: Any,
    ) -> None:
        #: the estimates of every draw (rows: draws, columns: terms)
        self.draws = draws
        #: the estimator's own result, with its cluster-robust inference
        self.observed = observed
        super().__init__(table, keys, **kwargs)

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        tables = super()._summary_tables(lang)
        if not self.observed.few_clusters:
            return tables
        drop = [term("statistic", lang), term("p_value", lang)]
        return [(c, t.drop(columns=[x for x in drop if x in t.columns])) for c, t in tables]

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Histogram of the randomisation distribution with the observed estimate (one
        term), or the estimates with the central 95 % of the draws shaded (several terms)."""
        check_lang(lang)
        t = self.tidy()
        heading = title or tr(self.title, lang)
        if len(t) > 1 and pd.api.types.is_numeric_dtype(t[self.keys[0]]):
            fig = plot_estimates(t, self.keys, ax=ax, lang=lang, title=heading)
            ax = fig.axes[0] if ax is None else ax
            x = t[self.keys[0]].to_numpy(dtype=float)
            q = self.draws.quantile([0.025, 0.975]).reindex(columns=self.draws.columns)
            ax.fill_between(
                x,
                q.iloc[0].to_numpy(),
                q.iloc[1].to_numpy(),
                color="0.5",
                alpha=0.2,
                label=term("randomization_distribution", lang),
            )
            ax.legend()
            return fig
        fig, ax = figure_axes(ax, (6, 4))
        col = self.draws.columns[0]
        ax.hist(self.draws[col].dropna(), bins=40, color="0.7")
        ax.axvline(float(t["estimate"].iloc[0]), color="C3", lw=2, label=term("estimate", lang))
        ax.set_xlabel(term("randomization_distribution", lang))
        ax.set_title(heading)
        ax.legend()
        fig.tight_layout()
        return fig


# ---------------------------------------------------------------------------------------
# fast two-way within transformation (for many re-estimations)
# ---------------------------------------------------------------------------------------
class _Within:
    """Residuals after unit and year effects, by alternating projections (exact in one
    sweep for a balanced panel)."""

    def __init__(self, unit_codes: np.ndarray, time_codes: np.ndarray) -> None:
        n = len(unit_codes)
        ones = np.ones(n)
        self.gu = sparse.csr_matrix((ones, (np.arange(n), unit_codes)))
        self.gt = sparse.csr_matrix((ones, (np.arange(n), time_codes)))
        self.cu = np.asarray(self.gu.sum(axis=0)).ravel()
        self.ct = np.asarray(self.gt.sum(axis=0)).ravel()

    def __call__(self, m: np.ndarray, tol: float = 1e-11, max_iter: int = 5000) -> np.ndarray:
        m = np.array(m, dtype=float, copy=True)
        if m.ndim == 1:
            m = m[:, None]
        scale = max(float(np.abs(m).max()), 1.0)
        for _ in range(max_iter):
            m -= self.gu @ ((self.gu.T @ m) / self.cu[:, None])
            step = self.gt @ ((self.gt.T @ m) / self.ct[:, None])
            m -= step
            if np.abs(step).max() < tol * scale:
                break
        return m


def _ols(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(x, y, rcond=None)[0]


def randomization_inference(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    estimator: RerunEstimator = "twfe",
    scheme: RandomizationScheme = "permute",
    n_draws: int = 999,
    seed: int = 0,
    progress: bool = False,
    **kwargs: Any,
) -> RandomizationResult:
    """Randomisation inference for ``twfe``, ``event_study`` or ``did_2x2``, and for the
    staggered estimators: given an :func:`~evaluation.att_gt` result, one of its aggregations
    or a :func:`~evaluation.sun_abraham` result as ``data``, it is
    :func:`~evaluation.randomization_att_gt` of that result (``kwargs`` go there, e.g.
    ``strata``).

    The valid inference when clusters (or treated clusters) are too few for cluster-robust
    standard errors: the p-value compares the estimate with its distribution when the onset
    dates are assigned to the wrong units.

    Parameters
    ----------
    data, outcome, unit, time, cohort
        Long panel and its role columns (defaults as for :func:`evaluation.twfe`).
    estimator
        ``"twfe"`` (default), ``"event_study"`` or ``"did_2x2"``.
    scheme
        ``"permute"`` re-assigns the observed onset years (cohorts, including 0 = never) at
        random among all units; ``"comparison_pool"`` drops the treated units and gives their
        onset years to as many units drawn from the never-treated pool (placebo units).
    n_draws
        Number of random assignments.
    seed
        Seed of :func:`numpy.random.default_rng`.
    progress
        Show a progress bar (tqdm).
    **kwargs
        Options of the estimator (e.g. ``covariates``, ``leads``, ``pre``/``post``).

    Returns
    -------
    RandomizationResult
        The estimator's table with ``ri_p_value`` (two-sided,
        ``(1 + #{|b_draw| >= |b_obs|}) / (1 + n_draws)``) and ``ri_sd``; ``draws`` holds the
        estimates of every draw, ``observed`` the estimator's own result.

    Notes
    -----
    Each draw re-estimates the coefficients by a fast within transformation (identical to
    the estimator's point estimates). The estimator's few-clusters warning is not repeated:
    the result states in its notes that it is the valid alternative.
    """
    from tqdm.auto import tqdm

    if not isinstance(data, pd.DataFrame) and type(data).__module__.startswith(
        "evaluation.staggered"
    ):
        # an att_gt result, one of its aggregations or a Sun & Abraham result: the staggered
        # randomisation inference re-estimates that estimator under permuted cohorts
        from ..staggered.randomization import randomization_att_gt

        return randomization_att_gt(data, n_draws=n_draws, seed=seed, **kwargs)  # type: ignore[return-value]
    check_option("estimator", estimator, RerunEstimator)
    check_option("scheme", scheme, RandomizationScheme)
    n_draws = check_draws("n_draws", n_draws, minimum=1)
    if "weights" in kwargs:
        raise OptionError("randomization_inference does not support weights")
    roles = resolve_roles(data, outcome, unit, time, cohort)
    with warnings.catch_warnings():
        # the warning recommends randomisation inference, which is what runs here
        warnings.simplefilter("ignore", FewClustersWarning)
        observed = ESTIMATORS[estimator](
            data, roles.outcome, unit=roles.unit, time=roles.time, cohort=roles.cohort, **kwargs
        )
    covariates = list(kwargs.get("covariates") or [])
    df = check_panel(data, roles, covariates=covariates)
    unit_codes, unit_ids = pd.factorize(df[roles.unit])
    unit_cohort = df.groupby(unit_codes)[roles.cohort].first().to_numpy()
    rng = np.random.default_rng(seed)
    if scheme == "comparison_pool":
        treated_cohorts = unit_cohort[unit_cohort > 0]
        pool = np.flatnonzero(unit_cohort == 0)
        if len(pool) <= len(treated_cohorts):
            raise DataError(
                f"the comparison pool ({len(pool)} never-treated units) must be larger than "
                f"the {len(treated_cohorts)} treated units"
            )
        keep = np.isin(unit_codes, pool)
        df = df.loc[keep].reset_index(drop=True)
        unit_codes, _ = pd.factorize(df[roles.unit])
        unit_cohort = np.zeros(int(unit_codes.max()) + 1, dtype=np.int64)

        def draw() -> np.ndarray:
            g = np.zeros_like(unit_cohort)
            chosen = rng.choice(len(g), size=len(treated_cohorts), replace=False)
            g[chosen] = rng.permutation(treated_cohorts)
            return g
    else:

        def draw() -> np.ndarray:
            return rng.permutation(unit_cohort)

    stat = _statistic(estimator, df, roles, unit_codes, covariates, observed, kwargs)
    obs = observed.tidy()
    is_ref = obs["reference"].to_numpy() if "reference" in obs.columns else np.zeros(len(obs), bool)
    b_obs = obs["estimate"].to_numpy(dtype=float)
    out = np.full((n_draws, len(obs)), np.nan)
    for i in tqdm(range(n_draws), disable=not progress, desc="randomisation", leave=False):
        out[i] = stat(draw()[unit_codes])
    with np.errstate(invalid="ignore"):
        exceed = np.abs(out) >= np.abs(b_obs)[None, :] - 1e-12
    valid = ~np.isnan(out)
    p = (1 + (exceed & valid).sum(axis=0)) / (1 + valid.sum(axis=0))
    p = np.where(is_ref, np.nan, p)
    table = obs[[c for c in obs.columns if c not in DERIVED]].copy()
    table["ri_p_value"] = p
    n_valid = valid.sum(axis=0)
    filled = np.where(valid, out, 0.0)
    mean = filled.sum(axis=0) / np.maximum(n_valid, 1)
    ss = (np.where(valid, out - mean, 0.0) ** 2).sum(axis=0)
    table["ri_sd"] = np.where(n_valid > 1, np.sqrt(ss / np.maximum(n_valid - 1, 1)), np.nan)
    labels = obs[observed.keys[0]].tolist()
    assert observed.inference is not None
    inference = Inference(
        name=f"randomization_{scheme}",
        description=RI_INFERENCE.format(
            scheme=SCHEMES[scheme],
            n=n_draws,
            seed=seed,
            observed=observed.inference.description,
        ),
        distribution=observed.inference.distribution,
        dof=observed.inference.dof,
    )
    notes: list[Text | str] = [*observed.notes, VALID_WITH_FEW_CLUSTERS]
    few = observed.inference.few_clusters_note()
    if few is not None:
        counts = Text(
            f"{observed.inference.n_clusters} Cluster", f"{observed.inference.n_clusters} clusters"
        )
        if observed.inference.n_treated_clusters is not None:
            nt = observed.inference.n_treated_clusters
            counts += Text(f", davon {nt} mit behandelten Einheiten", f", {nt} with treated units")
        notes.append(FEW_CLUSTERS_HERE.format(counts=counts))
    return RandomizationResult(
        table,
        observed.keys,
        draws=pd.DataFrame(out, columns=labels),
        observed=observed,
        title=RI_TITLE + observed.title,
        method=observed.method,
        inference=inference,
        level=observed.level,
        facts={**observed.facts, "n_draws": int(n_draws), "seed": int(seed), "scheme": scheme},
        notes=notes,
        outcome=observed.outcome,
        call={**observed.call, "estimator": estimator, "scheme": scheme, "n_draws": n_draws,
              "seed": seed},
    )  # fmt: skip


#: columns of ``tidy()`` that are recomputed from the estimates and standard errors
DERIVED = ("statistic", "p_value", "ci_low", "ci_high")


def _statistic(
    estimator: str,
    df: pd.DataFrame,
    roles: Roles,
    unit_codes: np.ndarray,
    covariates: list[str],
    observed: Estimates,
    kwargs: dict[str, Any],
) -> Callable[[np.ndarray], np.ndarray]:
    """A function from a row-level cohort vector to the estimator's coefficients."""
    y_raw = df[roles.outcome].to_numpy(dtype=float)
    t = df[roles.time].to_numpy()
    if estimator == "did_2x2":
        p0, p1 = observed.call["pre"]
        q0, q1 = observed.call["post"]
        never = observed.call["control_group"] == "never_treated"
        in_pre = (t >= p0) & (t <= p1)
        in_post = (t >= q0) & (t <= q1)

        def did(g: np.ndarray) -> np.ndarray:
            treated = (g > p1) & (g <= q0)
            ct = g == 0 if never else (g == 0) | (g > q1)
            cells = [y_raw[m & p] for m in (treated, ct) for p in (in_pre, in_post)]
            if any(len(c) == 0 for c in cells):
                return np.array([np.nan])
            a, b, c, d = (c.mean() for c in cells)
            return np.array([(b - a) - (d - c)])

        return did

    within = _Within(unit_codes, pd.factorize(df[roles.time])[0])
    dfc, cov_names = covariate_terms(df, roles, covariates)
    ctil = within(dfc[cov_names].to_numpy(dtype=float)) if cov_names else np.empty((len(df), 0))
    ytil = within(y_raw)[:, 0]

    if estimator == "twfe":

        def tw(g: np.ndarray) -> np.ndarray:
            d = ((g > 0) & (t >= g)).astype(float)
            x = np.column_stack([within(d), ctil])
            return _ols(ytil, x)[:1]

        return tw

    leads = int(observed.call["leads"])
    lags = int(observed.call["lags"])
    reference = int(observed.call["reference"])
    endpoints = observed.call["endpoints"]
    obs = observed.tidy()
    ks = obs["event_time"].to_numpy()
    ref_mask = obs["reference"].to_numpy()
    refs = [int(k) for k in ks[ref_mask]] or [reference]
    if endpoints == "drop":
        raise DataError("randomization_inference supports event_study with endpoints='bin' only")

    def es(g: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(
            {roles.unit: df[roles.unit].to_numpy(), roles.time: t, roles.cohort: g}
        )
        dd, present, names = event_dummies(frame, roles, leads, lags, refs, "bin")
        x = within(dd[[names[k] for k in present]].to_numpy(dtype=float))
        b = _ols(ytil, np.column_stack([x, ctil]))[: len(present)]
        full = dict(zip(present, b, strict=True))
        return np.array(
            [np.nan if r else full.get(k, np.nan) for k, r in zip(ks, ref_mask, strict=True)]
        )

    return es


def placebo_in_time(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    shift: int = 3,
    estimator: RerunEstimator = "twfe",
    **kwargs: Any,
) -> PanelEstimates:
    """Placebo in time: a fake onset ``shift`` years before the real one.

    Parameters
    ----------
    data, outcome, unit, time, cohort
        Long panel and its role columns (defaults as for :func:`evaluation.twfe`).
    shift
        Years by which every cohort's onset is moved earlier.
    estimator
        ``"twfe"`` (default), ``"event_study"`` or ``"did_2x2"``.
    **kwargs
        Options of the estimator. For the event study the window defaults to
        ``lags = shift - 1`` (the last fake post year before the real onset).

    Returns
    -------
    PanelEstimates
        The estimator's result (of its class) on the placebo data, titled as a placebo.

    Notes
    -----
    The observations of treated units from their real onset on are dropped, each cohort is
    moved ``shift`` years earlier and the estimator is run again. Without anticipation and
    with parallel trends the estimate is zero up to noise.
    """
    check_option("estimator", estimator, RerunEstimator)
    if isinstance(shift, bool) or not isinstance(shift, int | np.integer) or shift < 1:
        raise OptionError(f"shift must be a positive number of years, got {shift!r}")
    roles = resolve_roles(data, outcome, unit, time, cohort)
    df = check_panel(data, roles, covariates=list(kwargs.get("covariates") or []))
    post = post_indicator(df, roles).astype(bool)
    df = df.loc[~post].reset_index(drop=True)
    g = df[roles.cohort].to_numpy()
    df[roles.cohort] = np.where(g > 0, g - shift, 0)
    if estimator == "event_study":
        kwargs.setdefault("lags", shift - 1)
    res = ESTIMATORS[estimator](
        df, roles.outcome, unit=roles.unit, time=roles.time, cohort=roles.cohort, **kwargs
    )
    return res._variant(
        title=PLACEBO_TITLE.format(shift=shift) + res.title,
        notes=[PLACEBO_NOTE.format(shift=shift)],
        facts={"placebo_shift": int(shift)},
        call={"placebo_shift": int(shift)},
    )
