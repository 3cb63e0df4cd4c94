"""The analyses of one indicator, run once and shared by the summary of findings, the impact
section and the indicator's appendix.

:func:`indicator_analysis` runs the configured designs (each guarded: a failure is a note in
the indicator's appendix group) and keeps their results in an :class:`IndicatorAnalysis`.
The analyses are imported directly; this module only chooses their arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import Text
from ..panel import before_after, event_study, match_comparison, randomization_inference, twfe
from ..sensitivity import honest_did
from ..staggered import att_gt, bacon_decomposition, compare_estimators, sun_abraham
from ..staggered.compare import ESTIMATORS as COMPARED
from ..study.panel import build_panel
from . import inputs
from .context import Context
from .document import Group, slug


@dataclass
class IndicatorAnalysis:
    """Every result of one indicator (None where a design was not configured or failed)."""

    indicator: str
    label: str
    unit: str
    group: Group
    placebo: bool = False
    panel: pd.DataFrame | None = None
    weights: str | None = None
    n_units: int = 0
    n_treated: int = 0
    match: Any = None
    cs: Any = None
    simple: Any = None
    dynamic: Any = None
    cohorts: Any = None
    pretest: Any = None
    twfe: Any = None
    event_study: Any = None
    before_after: Any = None
    sun_abraham: Any = None
    bacon: Any = None
    #: every configured staggered estimator side by side (:func:`compare_estimators`)
    estimators: Any = None
    randomization: Any = None
    matched_twfe: Any = None
    sensitivity: Any = None
    #: robustness variants of the primary estimate by name (one-row results)
    variants: dict[str, Any] = field(default_factory=dict)
    #: the overall estimate of every design, for the comparison (name -> result)
    comparison: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return slug(self.indicator)

    @property
    def primary(self) -> Any:
        """The primary estimate (configured in ``impact.primary``)."""
        return self.comparison.get(PRIMARY_NAME)

    @property
    def excluded(self) -> pd.DataFrame:
        """The units the primary estimator left out, with the reason."""
        src = self.cs if self.cs is not None else None
        return inputs.excluded_units(src)


PRIMARY_NAME = "primary"
WHAT = {
    "panel": Text("Panel", "Panel"),
    "matching": Text("Matching", "Matching"),
    "att_gt": Text(
        "Gestaffelte DiD (Callaway & Sant'Anna)", "Staggered DiD (Callaway & Sant'Anna)"
    ),
    "dynamic": Text("dynamische Effekte", "dynamic effects"),
    "simple": Text("Gesamteffekt", "overall effect"),
    "cohorts": Text("Kohorteneffekte", "cohort effects"),
    "pretest": Text("Vortest paralleler Trends", "pre-test of parallel trends"),
    "twfe": Text("Zwei-Wege-Fixed-Effects", "two-way fixed effects"),
    "event_study": Text("Ereignisstudie", "event study"),
    "before_after": Text("Vorher-nachher", "before/after"),
    "sun_abraham": Text("Sun & Abraham", "Sun & Abraham"),
    "bacon": Text("Bacon-Zerlegung", "Bacon decomposition"),
    "estimators": Text("Vergleich der Schätzer", "comparison of estimators"),
    "randomization": Text("Randomisierungsinferenz", "randomisation inference"),
    "sensitivity": Text("Sensitivität (HonestDiD)", "sensitivity (HonestDiD)"),
    "variant": Text("Robustheitsvariante", "robustness variant"),
}
#: names of the designs in the comparison of overall effects
NAMES = {
    "att_gt": Text("C&S (Hauptschätzer)", "C&S (primary)"),
    "twfe": Text("TWFE", "TWFE"),
    "sun_abraham": Text("Sun & Abraham", "Sun & Abraham"),
    "never_treated": Text("C&S, nie behandelte Vergleiche", "C&S, never-treated comparisons"),
    "not_yet_treated": Text(
        "C&S, noch nicht behandelte Vergleiche", "C&S, not-yet-treated comparisons"
    ),
    "anticipation": Text("C&S, Antizipation {n} J.", "C&S, anticipation {n} y"),
    "matched": Text("TWFE, gematcht", "TWFE, matched"),
}


def label_of(ctx: Context, indicator: str) -> tuple[str, str]:
    """The indicator's label in the report's language and its unit (from the catalogue)."""
    return ctx.indicator_label(indicator)


def all_analyses(ctx: Context) -> list[IndicatorAnalysis]:
    """The analyses of every configured indicator (run at the first call, then shared)."""
    if "analyses" not in ctx.cache:
        out = []
        for ind in ctx.config.indicators(ctx.study):
            ctx.scope = ind
            try:
                out.append(indicator_analysis(ctx, ind))
            finally:
                ctx.scope = ""
        ctx.cache["analyses"] = out
    return ctx.cache["analyses"]


def _att_kwargs(ctx: Context, a: IndicatorAnalysis, **over: Any) -> dict[str, Any]:
    imp = ctx.config.impact
    kw: dict[str, Any] = {
        "control_group": imp.att_gt.control_group,
        "method": imp.att_gt.method,
        "base_period": imp.att_gt.base_period,
        "covariates": list(imp.covariates) or None,
        "unbalanced": imp.unbalanced,
    }
    if a.weights:
        kw["weights"] = a.weights
    if imp.att_gt.bootstrap:
        kw.update(n_draws=imp.att_gt.bootstrap, seed=ctx.config.seed, progress=ctx.progress)
    kw.update(over)
    return kw


def indicator_analysis(ctx: Context, indicator: str) -> IndicatorAnalysis:
    """Run the configured designs for one indicator."""
    cfg = ctx.config
    imp = cfg.impact
    est = set(imp.estimators)
    label, unit = label_of(ctx, indicator)
    a = IndicatorAnalysis(indicator, label, unit, Group(f"details-{slug(indicator)}", label))
    a.placebo = indicator in imp.placebo
    g = a.group
    step = ctx.step
    step(f"impact {indicator}: panel")
    panel = ctx.guard(
        g,
        WHAT["panel"],
        build_panel,
        ctx.study,
        indicator,
        onset=cfg.treatment.onset,
        cycle=cfg.treatment.cycle,
    )
    if panel is None:
        return a
    a.panel = panel
    a.n_units = int(panel["municipality_id"].nunique())
    a.n_treated = int(panel.loc[panel["cohort"] > 0, "municipality_id"].nunique())
    covs = list(imp.covariates) or None
    if cfg.comparison.design == "matched" or imp.robustness.matched:
        step(f"impact {indicator}: matching")
        a.match = _match(ctx, a, panel)
        if cfg.comparison.design == "matched" and a.match is not None:
            a.panel, a.weights = a.match.panel, _weight_column(ctx)
            panel = a.panel

    if "att_gt" in est:
        step(f"impact {indicator}: att_gt")
        a.cs = ctx.guard(g, WHAT["att_gt"], att_gt, panel, **_att_kwargs(ctx, a))
    if a.cs is not None:
        lo, hi = imp.window
        a.dynamic = ctx.guard(g, WHAT["dynamic"], a.cs.aggregate, "dynamic", min_e=lo, max_e=hi)
        a.simple = ctx.guard(g, WHAT["simple"], a.cs.aggregate, "simple")
        a.cohorts = ctx.guard(g, WHAT["cohorts"], a.cs.aggregate, "group")
        if a.dynamic is not None:
            a.pretest = ctx.diagnostic(g, WHAT["pretest"], inputs.pretest, a.cs, a.dynamic)
            a.sensitivity = ctx.diagnostic(g, WHAT["sensitivity"], _sensitivity, a.dynamic)
        ctx.used("att_gt")
    if "twfe" in est:
        step(f"impact {indicator}: TWFE")
        a.twfe = ctx.guard(
            g, WHAT["twfe"], twfe, panel, covariates=covs, cluster="unit", weights=a.weights
        )
        if a.twfe is not None:
            ctx.used("twfe")
    if "event_study" in est:
        step(f"impact {indicator}: event study")
        a.event_study = ctx.guard(
            g,
            WHAT["event_study"],
            event_study,
            panel,
            leads=-imp.window[0],
            lags=imp.window[1],
            reference=imp.reference_period,
            covariates=covs,
            cluster="unit",
            weights=a.weights,
            seed=cfg.seed,
        )
        if a.event_study is not None:
            ctx.used("event_study")
    if "before_after" in est:
        step(f"impact {indicator}: before/after")
        a.before_after = ctx.guard(
            g, WHAT["before_after"], before_after, panel, window=tuple(imp.window)
        )
        if a.before_after is not None:
            ctx.used("before_after")
    if "sun_abraham" in est:
        step(f"impact {indicator}: Sun & Abraham")
        a.sun_abraham = ctx.guard(
            g,
            WHAT["sun_abraham"],
            sun_abraham,
            panel,
            reference=imp.reference_period,
            covariates=covs,
            cluster="unit",
            weights=a.weights,
        )
        if a.sun_abraham is not None:
            ctx.used("sun_abraham")
    if "bacon" in est:
        step(f"impact {indicator}: Bacon")
        a.bacon = ctx.guard(g, WHAT["bacon"], bacon_decomposition, panel)
        if a.bacon is not None:
            ctx.used("bacon")
    _estimators(ctx, a, panel)
    _robustness(ctx, a, panel)
    _comparison(ctx, a)
    _randomization(ctx, a, panel)
    return a


def _estimators(ctx: Context, a: IndicatorAnalysis, panel: pd.DataFrame) -> None:
    """The configured staggered estimators side by side (at least two of them), reusing the
    results already computed (C&S, Sun & Abraham, the event study)."""
    imp = ctx.config.impact
    codes = [c for c in COMPARED if c in imp.estimators]
    fitted = {
        c: r
        for c, r in (
            ("att_gt", a.cs),
            ("sun_abraham", a.sun_abraham),
            ("event_study", a.event_study),
        )
        if r is not None and c in codes
    }
    # an estimator that was asked for and failed stays failed (its note is already there)
    codes = [c for c in codes if c in fitted or c in ("did_imputation", "did_two_stage")]
    if len(codes) < 2:
        return
    ctx.step(f"impact {a.indicator}: comparison of estimators")
    kw = _att_kwargs(ctx, a)
    group: Any = a.group  # a Group takes notes like a Section (Context.guard is typed narrower)
    a.estimators = ctx.guard(
        group,
        WHAT["estimators"],
        compare_estimators,
        panel,
        estimators=codes,
        control_group=kw.pop("control_group"),
        window=tuple(imp.window),
        reference=imp.reference_period,
        covariates=kw.pop("covariates"),
        weights=kw.pop("weights", None),
        att_gt_options={k: v for k, v in kw.items() if k not in ("n_draws", "seed", "progress")},
        fitted=fitted,
    )
    if a.estimators is not None:
        for code in a.estimators.estimators:
            ctx.used(code)


def _randomization(ctx: Context, a: IndicatorAnalysis, panel: pd.DataFrame) -> None:
    """Randomisation inference: with few treated units, and always when the primary
    estimate's clusters are too few for cluster-robust inference (it is then the valid
    test)."""
    rob = ctx.config.impact.robustness
    few = bool(getattr(a.primary, "few_clusters", False))
    if a.weights or not (few or 0 < a.n_treated <= rob.randomization_max_treated):
        return
    ctx.step(f"impact {a.indicator}: randomisation inference")
    a.randomization = ctx.guard(
        a.group,
        WHAT["randomization"],
        randomization_inference,
        panel,
        estimator="twfe",
        n_draws=rob.randomization_draws,
        seed=ctx.config.seed,
        progress=ctx.progress,
    )
    if a.randomization is not None:
        ctx.used("randomization")


def _weight_column(ctx: Context) -> str | None:
    c = ctx.config.comparison
    return "match_weight" if c.replace or c.ratio > 1 else None


def _match(ctx: Context, a: IndicatorAnalysis, panel: pd.DataFrame) -> Any:
    c = ctx.config.comparison
    m = ctx.guard(
        a.group,
        WHAT["matching"],
        match_comparison,
        panel,
        covariates=list(c.covariates),
        method=c.method,
        ratio=c.ratio,
        caliper=c.caliper or None,
        replace=c.replace,
        exact=list(c.exact),
    )
    if m is not None:
        ctx.used("matching")
    return m


def _robustness(ctx: Context, a: IndicatorAnalysis, panel: pd.DataFrame) -> None:
    imp = ctx.config.impact
    rob = imp.robustness
    g = a.group
    if a.cs is not None:
        primary_cg = imp.att_gt.control_group
        variants: list[tuple[str, Text, dict[str, Any]]] = []
        for cg, wanted in (
            ("never_treated", rob.never_treated),
            ("not_yet_treated", rob.not_yet_treated),
        ):
            if wanted and cg != primary_cg:
                variants.append((cg, NAMES[cg], {"control_group": cg}))
        if rob.anticipation > 0:
            variants.append(
                (
                    "anticipation",
                    NAMES["anticipation"].format(n=rob.anticipation),
                    {"anticipation": rob.anticipation},
                )
            )
        for code, name, over in variants:
            ctx.step(f"impact {a.indicator}: {code}")
            r = ctx.guard(g, WHAT["variant"], att_gt, panel, **_att_kwargs(ctx, a, **over))
            s = ctx.guard(g, WHAT["variant"], r.aggregate, "simple") if r is not None else None
            if s is not None:
                a.variants[ctx.tr(name)] = s
    if ctx.config.comparison.design == "all" and rob.matched and a.match is not None:
        mp = getattr(a.match, "panel", None)
        if isinstance(mp, pd.DataFrame):
            a.matched_twfe = ctx.guard(
                g,
                WHAT["twfe"],
                twfe,
                mp,
                covariates=list(imp.covariates) or None,
                cluster="unit",
                weights=_weight_column(ctx),
            )
            if a.matched_twfe is not None:
                a.variants[ctx.tr(NAMES["matched"])] = a.matched_twfe


def _comparison(ctx: Context, a: IndicatorAnalysis) -> None:
    """The overall estimate of every design, the primary one first."""
    primary = a.simple if ctx.config.impact.primary.estimator == "att_gt" else a.twfe
    if primary is not None:
        a.comparison[PRIMARY_NAME] = primary
    for key, r in (("att_gt", a.simple), ("twfe", a.twfe)):
        if r is not None and r is not primary:
            a.comparison[ctx.tr(NAMES[key])] = r
    if a.sun_abraham is not None:
        ov = inputs.overall(a.sun_abraham)
        if ov is not None and len(ov.tidy()) == 1:
            a.comparison[ctx.tr(NAMES["sun_abraham"])] = ov
    for name, r in a.variants.items():
        a.comparison[name] = r


def _sensitivity(dynamic: Any) -> Any:
    """HonestDiD (relative magnitudes) for the effect at event time 0 of the dynamic
    aggregation, with the covariance of its influence functions."""
    t = dynamic.tidy()
    inf = inputs.influence_of(dynamic)
    if inf is None:
        return None
    e = t["event_time"].to_numpy(dtype=int)
    se = t["std_error"].to_numpy(dtype=float)
    keep = np.isfinite(se) & (se > 0)
    pre = np.flatnonzero(keep & (e < 0))
    post = np.flatnonzero(keep & (e >= 0))
    if len(pre) < 1 or len(post) < 1 or e[post[0]] != 0:
        return None
    idx = np.concatenate([pre, post])
    n = inf.shape[0]
    sigma = inf[:, idx].T @ inf[:, idx] / n**2
    beta = t["estimate"].to_numpy(dtype=float)[idx]
    return honest_did(
        betahat=beta,
        sigma=sigma,
        num_pre=len(pre),
        num_post=len(post),
        reference=-1,
        method="relative_magnitude",
        e=0,
    )
