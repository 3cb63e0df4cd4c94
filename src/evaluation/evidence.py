"""Evidence grades: how far an estimated effect can be trusted, by written rules.

:func:`grade_evidence` turns the results of one indicator (the primary estimate, its
pre-trend test, the robustness variants, the sensitivity to violations of parallel trends,
the placebo indicator's estimate, the counts of treated units and clusters, the share of
units an estimator left out) into a :class:`Finding`: one of three grades and the reasons.
The rules are data (:data:`RULES`), so that the methods appendix of a report prints exactly
the rules that computed the grades (:func:`rules_table`).

The grades, from best to worst:

- ``robust`` ("belastbar"): the interval excludes zero and no rule speaks against it;
- ``indication`` ("Hinweis"): an effect is estimated, but a check speaks against taking it at
  face value (the pre-trend test, a disagreeing robustness variant, ...);
- ``not_robust`` ("nicht belastbar"): the interval includes zero (no effect is shown), or a
  check rules the estimate out as evidence (parallel trends clearly violated, too few
  clusters without a valid test).

A grade is never a bare p-value: every rule that lowered it is named in the reasons.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import pandas as pd

from .i18n import Lang, Text, number, percent, tr
from .options import check_option

Grade = Literal["robust", "indication", "not_robust"]
GRADES: tuple[Grade, ...] = ("robust", "indication", "not_robust")

#: the label of each grade (the short phrase a report prints)
GRADE_LABELS: dict[str, Text] = {
    "robust": Text("belastbar", "robust"),
    "indication": Text("Hinweis", "indication"),
    "not_robust": Text("nicht belastbar", "not robust"),
}

#: pre-trend test: below this p-value the grade is at most "indication" ...
PRETEST_CAUTION = 0.05
#: ... and below this one "not robust" (parallel trends are clearly rejected)
PRETEST_REJECT = 0.01
#: a breakdown value of the relative-magnitude restriction below this (post-period
#: violations smaller than this multiple of the largest pre-period one already explain the
#: effect) makes the effect sensitive to violations of parallel trends
BREAKDOWN_MIN = 0.5
#: fewer treated units than this: at most "indication"
MIN_TREATED_UNITS = 5
#: a larger share of units left out by the estimator: at most "indication"
MAX_EXCLUDED_SHARE = 0.2
#: significance level of the valid test used when clusters are few
ALPHA = 0.05


@dataclass(frozen=True)
class EvidenceInputs:
    """The numbers the rules read (everything optional except the primary estimate).

    Parameters
    ----------
    estimate, ci_low, ci_high
        The primary estimate and its interval.
    pretest_p
        p-value of the pre-trend test (None: no test could be computed).
    variants
        ``(name, estimate, ci_low, ci_high)`` of each robustness variant.
    estimators
        ``(name, estimate, ci_low, ci_high)`` of the overall effect of each other
        heterogeneity-robust estimator (from :func:`evaluation.compare_estimators`); ``name``
        may be a :class:`~evaluation.i18n.Text`.
    breakdown
        Breakdown value of the relative-magnitude sensitivity analysis (None: not computed).
    few_clusters
        Whether the primary estimate's clusters are too few for cluster-robust inference.
    valid_p
        p-value of a test that is valid with few clusters (randomisation inference or the
        wild cluster bootstrap), if one was run.
    n_treated_units
        Treated units in the primary estimate.
    excluded_share
        Share of units the primary estimator left out (missing years, first-period treated).
    placebo
        Whether this indicator is the placebo outcome (no effect expected).
    placebo_nonzero
        Whether the placebo indicator's interval excludes zero (None: no placebo configured).
    """

    estimate: float
    ci_low: float
    ci_high: float
    pretest_p: float | None = None
    variants: tuple[tuple[str, float, float, float], ...] = ()
    estimators: tuple[tuple[Text | str, float, float, float], ...] = ()
    breakdown: float | None = None
    few_clusters: bool = False
    valid_p: float | None = None
    n_treated_units: int | None = None
    excluded_share: float | None = None
    placebo: bool = False
    placebo_nonzero: bool | None = None


@dataclass(frozen=True)
class Rule:
    """One rule: when ``applies`` is true, the grade is at most ``cap``."""

    code: str
    condition: Text
    cap: Grade
    applies: Callable[[EvidenceInputs], bool]
    reason: Callable[[EvidenceInputs], Text]


@dataclass(frozen=True)
class Finding:
    """A graded finding: the grade, its label, and the reasons (the rules that applied)."""

    grade: Grade
    reasons: tuple[Text, ...] = ()
    rules: tuple[str, ...] = ()
    inputs: EvidenceInputs | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> Text:
        """The short phrase of the grade ("belastbar", "Hinweis", "nicht belastbar")."""
        return GRADE_LABELS[self.grade]

    def text(self, lang: Lang = "de") -> str:
        """The label followed by the reasons: "Hinweis: Vortest ..."."""
        if not self.reasons:
            return self.label(lang)
        return self.label(lang) + ": " + "; ".join(r(lang) for r in self.reasons)


def _excludes_zero(lo: float, hi: float) -> bool:
    return bool(lo > 0 or hi < 0)


def _p(x: float, lang: Lang) -> str:
    """``= 0,016`` or ``< 0,001``."""
    return "< " + number(0.001, lang, 3) if x < 0.001 else "= " + number(x, lang, 3)


def _disagreeing(
    i: EvidenceInputs, rows: Sequence[tuple[Any, float, float, float]] | None = None
) -> list:
    """The names of the rows (default: the variants) with the other sign than the primary
    estimate or an interval that does not overlap its interval."""
    out = []
    for name, est, lo, hi in i.variants if rows is None else rows:
        if not all(math.isfinite(v) for v in (est, lo, hi)):
            continue
        other_sign = est * i.estimate < 0
        apart = hi < i.ci_low or lo > i.ci_high
        if other_sign or apart:
            out.append(name)
    return out


def _names(names: Sequence[Text | str]) -> Text:
    """Names (texts or plain names) joined with commas, in both languages."""
    return Text(", ".join(tr(n, "de") for n in names), ", ".join(tr(n, "en") for n in names))


def _fmt_p(text: Text, p: float | None) -> Text:
    if p is None:
        return text
    return Text(text.de.format(p=_p(p, "de")), text.en.format(p=_p(p, "en")))


RULES: tuple[Rule, ...] = (
    Rule(
        "interval_includes_zero",
        Text(
            "Das 95-%-Intervall des Hauptschätzers schließt null ein.",
            "The 95% interval of the primary estimate includes zero.",
        ),
        "not_robust",
        lambda i: not _excludes_zero(i.ci_low, i.ci_high),
        lambda i: Text(
            "das Intervall schließt null ein (kein Effekt nachweisbar)",
            "the interval includes zero (no effect shown)",
        ),
    ),
    Rule(
        "few_clusters_no_valid_test",
        Text(
            "Zu wenige Cluster für cluster-robuste Inferenz, und der gültige Test "
            "(Randomisierungsinferenz oder Wild-Cluster-Bootstrap) fehlt oder verwirft nicht "
            f"(p ≥ {number(ALPHA, 'de', 2)}).",
            "Too few clusters for cluster-robust inference, and the valid test (randomisation "
            f"inference or wild cluster bootstrap) is missing or does not reject (p ≥ {ALPHA}).",
        ),
        "not_robust",
        lambda i: i.few_clusters and (i.valid_p is None or i.valid_p >= ALPHA),
        lambda i: Text(
            "zu wenige Cluster, und kein gültiger Test stützt den Effekt",
            "too few clusters, and no valid test supports the effect",
        ),
    ),
    Rule(
        "few_clusters",
        Text(
            "Zu wenige Cluster für cluster-robuste Inferenz; nur der gültige Test stützt den "
            "Effekt.",
            "Too few clusters for cluster-robust inference; only the valid test supports the "
            "effect.",
        ),
        "indication",
        lambda i: i.few_clusters and i.valid_p is not None and i.valid_p < ALPHA,
        lambda i: _fmt_p(
            Text(
                "zu wenige Cluster; nur die gültige Inferenz stützt den Effekt (p {p})",
                "too few clusters; only the valid inference supports the effect (p {p})",
            ),
            i.valid_p,
        ),
    ),
    Rule(
        "pretrend_rejected",
        Text(
            f"Der Vortest paralleler Trends verwirft deutlich (p < {number(PRETEST_REJECT, 'de', 2)}).",
            f"The pre-test of parallel trends clearly rejects (p < {PRETEST_REJECT}).",
        ),
        "not_robust",
        lambda i: i.pretest_p is not None and i.pretest_p < PRETEST_REJECT,
        lambda i: _fmt_p(
            Text(
                "der Vortest paralleler Trends verwirft (p {p})",
                "the pre-test of parallel trends rejects (p {p})",
            ),
            i.pretest_p,
        ),
    ),
    Rule(
        "pretrend_doubtful",
        Text(
            f"Der Vortest paralleler Trends verwirft knapp (p < {number(PRETEST_CAUTION, 'de', 2)}).",
            f"The pre-test of parallel trends rejects narrowly (p < {PRETEST_CAUTION}).",
        ),
        "indication",
        lambda i: i.pretest_p is not None and PRETEST_REJECT <= i.pretest_p < PRETEST_CAUTION,
        lambda i: _fmt_p(
            Text(
                "der Vortest paralleler Trends verwirft knapp (p {p})",
                "the pre-test of parallel trends rejects narrowly (p {p})",
            ),
            i.pretest_p,
        ),
    ),
    Rule(
        "pretrend_missing",
        Text(
            "Es gibt keinen Vortest paralleler Trends (zu wenige Vorperioden).",
            "There is no pre-test of parallel trends (too few pre-periods).",
        ),
        "indication",
        lambda i: i.pretest_p is None,
        lambda i: Text("kein Vortest paralleler Trends möglich", "no pre-test of parallel trends"),
    ),
    Rule(
        "placebo_nonzero",
        Text(
            "Der Placebo-Indikator (ohne erwartete Wirkung) zeigt einen Effekt: das Verfahren "
            "findet dann auch Effekte, wo keine sind.",
            "The placebo indicator (no effect expected) shows an effect: the design then finds "
            "effects where there are none.",
        ),
        "indication",
        lambda i: bool(i.placebo_nonzero) and not i.placebo,
        lambda i: Text(
            "der Placebo-Indikator zeigt einen Effekt", "the placebo indicator shows an effect"
        ),
    ),
    Rule(
        "variants_disagree",
        Text(
            "Eine Robustheitsvariante hat ein anderes Vorzeichen oder ein Intervall, das sich "
            "mit dem des Hauptschätzers nicht überschneidet.",
            "A robustness variant has the other sign or an interval that does not overlap the "
            "primary estimate's.",
        ),
        "indication",
        lambda i: bool(_disagreeing(i)),
        lambda i: Text(
            "Robustheitsvarianten weichen ab ({names})", "robustness variants disagree ({names})"
        ).format(names=", ".join(_disagreeing(i))),
    ),
    Rule(
        "estimators_disagree",
        Text(
            "Ein anderer gegen heterogene Effekte robuster Schätzer (Sun & Abraham, "
            "Imputation, zweistufige DiD, Callaway & Sant'Anna) hat einen Gesamteffekt mit "
            "anderem Vorzeichen oder einem Intervall, das sich mit dem des Hauptschätzers "
            "nicht überschneidet.",
            "Another estimator robust to heterogeneous effects (Sun & Abraham, imputation, "
            "two-stage DiD, Callaway & Sant'Anna) has an overall effect with the other sign or "
            "an interval that does not overlap the primary estimate's.",
        ),
        "indication",
        lambda i: bool(_disagreeing(i, i.estimators)),
        lambda i: Text(
            "andere Schätzer weichen ab ({names})", "other estimators disagree ({names})"
        ).format(names=_names(_disagreeing(i, i.estimators))),
    ),
    Rule(
        "sensitive_to_trends",
        Text(
            "Schon Abweichungen von parallelen Trends, die kleiner sind als "
            f"{number(BREAKDOWN_MIN, 'de', 1)}-mal die größte vor dem Beginn, erklären den Effekt "
            "(Breakdown-Wert nach Rambachan & Roth).",
            f"Violations of parallel trends smaller than {BREAKDOWN_MIN} times the largest one "
            "before onset already explain the effect (breakdown value after Rambachan & Roth).",
        ),
        "indication",
        lambda i: i.breakdown is not None and i.breakdown < BREAKDOWN_MIN,
        lambda i: Text(
            "empfindlich gegen Abweichungen von parallelen Trends (Breakdown-Wert {v})",
            "sensitive to violations of parallel trends (breakdown value {v})",
        ).format(v=Text(number(i.breakdown, "de", 2), number(i.breakdown, "en", 2))),
    ),
    Rule(
        "few_treated",
        Text(
            f"Weniger als {MIN_TREATED_UNITS} behandelte Einheiten.",
            f"Fewer than {MIN_TREATED_UNITS} treated units.",
        ),
        "indication",
        lambda i: i.n_treated_units is not None and i.n_treated_units < MIN_TREATED_UNITS,
        lambda i: Text("nur {n} behandelte Einheiten", "only {n} treated units").format(
            n=i.n_treated_units
        ),
    ),
    Rule(
        "many_excluded",
        Text(
            f"Der Schätzer lässt mehr als {percent(MAX_EXCLUDED_SHARE, 'de', 0)} der Einheiten aus.",
            f"The estimator leaves out more than {percent(MAX_EXCLUDED_SHARE, 'en', 0)} of the "
            "units.",
        ),
        "indication",
        lambda i: i.excluded_share is not None and i.excluded_share > MAX_EXCLUDED_SHARE,
        lambda i: Text("{de} der Einheiten ausgelassen", "{en} of the units left out").format(
            de=percent(i.excluded_share, "de"),
            en=percent(i.excluded_share, "en"),
        ),
    ),
)


def grade(inputs: EvidenceInputs) -> Finding:
    """The grade of one finding: the worst cap of the rules in :data:`RULES` that apply."""
    if not all(math.isfinite(v) for v in (inputs.estimate, inputs.ci_low, inputs.ci_high)):
        return Finding(
            "not_robust",
            (Text("kein Intervall berechenbar", "no interval could be computed"),),
            ("no_interval",),
            inputs,
        )
    worst = 0
    reasons: list[Text] = []
    codes: list[str] = []
    for rule in RULES:
        if rule.applies(inputs):
            worst = max(worst, GRADES.index(rule.cap))
            reasons.append(rule.reason(inputs))
            codes.append(rule.code)
    return Finding(GRADES[worst], tuple(reasons), tuple(codes), inputs)


def rules_table(lang: Lang = "de") -> pd.DataFrame:
    """The rules as a table (condition and the grade it allows at most), for the methods
    appendix of a report: the same table that :func:`grade` applies."""
    return pd.DataFrame(
        {
            "condition": [r.condition(lang) for r in RULES],
            "grade_at_most": [GRADE_LABELS[r.cap](lang) for r in RULES],
        }
    )


# -- from results --------------------------------------------------------------------------


def _one_row(result: Any) -> dict[str, float]:
    t = result.tidy()
    if len(t) != 1:
        raise ValueError(f"expected a single estimate, got {len(t)} rows")
    row = t.iloc[0]
    return {k: float(row[k]) for k in ("estimate", "ci_low", "ci_high") if k in t.columns}


def grade_evidence(
    primary: Any,
    *,
    pretest: Any = None,
    variants: Mapping[str, Any] | None = None,
    sensitivity: Any = None,
    valid_inference: Any = None,
    n_treated_units: int | None = None,
    excluded_share: float | None = None,
    placebo: bool = False,
    placebo_result: Any = None,
    estimators: Any = None,
    compare_with: Sequence[str] | None = None,
) -> Finding:
    """Grade the primary estimate of one indicator from its results.

    Parameters
    ----------
    primary
        The primary estimate: a result whose ``tidy()`` has one row with ``estimate``,
        ``ci_low`` and ``ci_high`` (e.g. ``att_gt(...).aggregate("simple")``), and an
        ``inference`` whose ``few_clusters`` says whether its clusters are too few.
    pretest
        The pre-trend test (a :class:`~evaluation.results.TestResult` or anything with a
        ``p_value``), or None when none could be computed.
    variants
        Robustness variants by name, each a one-row result like ``primary``.
    sensitivity
        A :func:`evaluation.honest_did` result (its ``breakdown`` value is read), or None.
    valid_inference
        A test valid with few clusters (randomisation inference, wild cluster bootstrap):
        anything with a ``p_value``.
    n_treated_units, excluded_share
        Treated units of the primary estimate and the share of units it left out.
    placebo
        Whether this indicator is the placebo outcome.
    placebo_result
        The placebo indicator's primary estimate (a one-row result), for the other indicators.
    estimators
        An :func:`evaluation.compare_estimators` result: the overall effects of the
        estimators in ``compare_with`` are checked for agreement with the primary estimate.
    compare_with
        Codes of the estimators to check (default: every heterogeneity-robust one, that is
        all but the TWFE ``event_study``); leave out the primary estimator's own code.
    """
    p = _one_row(primary)
    inf = getattr(primary, "inference", None)
    var = tuple(
        (name, *(_one_row(r).get(k, math.nan) for k in ("estimate", "ci_low", "ci_high")))
        for name, r in (variants or {}).items()
    )
    others = _overall_effects(estimators, compare_with)
    bd = _breakdown(sensitivity)
    placebo_nonzero = None
    if placebo_result is not None:
        q = _one_row(placebo_result)
        placebo_nonzero = _excludes_zero(q["ci_low"], q["ci_high"])
    inputs = EvidenceInputs(
        estimate=p.get("estimate", math.nan),
        ci_low=p.get("ci_low", math.nan),
        ci_high=p.get("ci_high", math.nan),
        pretest_p=_p_value(pretest),
        variants=var,  # type: ignore[arg-type]
        estimators=others,
        breakdown=bd,
        few_clusters=bool(getattr(inf, "few_clusters", False)),
        valid_p=_p_value(valid_inference),
        n_treated_units=n_treated_units,
        excluded_share=excluded_share,
        placebo=placebo,
        placebo_nonzero=placebo_nonzero,
    )
    return grade(inputs)


def _overall_effects(
    comparison: Any, codes: Sequence[str] | None
) -> tuple[tuple[Text | str, float, float, float], ...]:
    """``(name, estimate, ci_low, ci_high)`` of the overall rows of a comparison of
    estimators, for the estimators in ``codes``."""
    if comparison is None:
        return ()
    from .staggered.compare import ESTIMATOR_NAMES

    wanted = [c for c in ESTIMATOR_NAMES if c != "event_study"] if codes is None else codes
    o = comparison.overall()
    return tuple(
        (
            ESTIMATOR_NAMES.get(str(r["estimator"]), str(r["estimator"])),
            float(r["estimate"]),
            float(r["ci_low"]),
            float(r["ci_high"]),
        )
        for _, r in o.iterrows()
        if r["estimator"] in wanted
    )


def _p_value(result: Any) -> float | None:
    if result is None:
        return None
    p = getattr(result, "p_value", None)
    if p is None and isinstance(result, Mapping):
        p = result.get("p_value", result.get("p"))
    try:
        v = float(p)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _breakdown(result: Any) -> float | None:
    if result is None:
        return None
    b = getattr(result, "breakdown", None)
    b = getattr(b, "value", b)
    try:
        v = float(b)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def worst(findings: Sequence[Finding]) -> Grade:
    """The worst grade of several findings."""
    return GRADES[max((GRADES.index(f.grade) for f in findings), default=0)]


def check_grade(value: object) -> Grade:
    """``value`` if it is a grade code; :class:`~evaluation.errors.OptionError` otherwise."""
    return cast(Grade, check_option("grade", value, Grade))


def describe(finding: Finding, lang: Lang = "de") -> str:
    """The grade and reasons as one sentence (see :meth:`Finding.text`)."""
    return tr(Text(finding.text("de"), finding.text("en")), lang)
