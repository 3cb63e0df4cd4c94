"""The evidence grades of evaluation.evidence, against hand-worked cases of the written rules."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.evidence import (
    GRADE_LABELS,
    RULES,
    EvidenceInputs,
    grade,
    grade_evidence,
    rules_table,
)
from evaluation.i18n import Text
from evaluation.results import Estimates, Inference, TestResult


def _inputs(**kw) -> EvidenceInputs:
    base = dict(estimate=2.0, ci_low=1.0, ci_high=3.0, pretest_p=0.5, n_treated_units=40)
    base.update(kw)
    return EvidenceInputs(**base)


def test_clean_estimate_is_robust():
    f = grade(_inputs())
    assert f.grade == "robust" and f.reasons == () and f.label.de == "belastbar"


@pytest.mark.parametrize(
    ("changes", "expected", "rule"),
    [
        ({"ci_low": -0.5}, "not_robust", "interval_includes_zero"),
        ({"pretest_p": 0.004}, "not_robust", "pretrend_rejected"),
        ({"pretest_p": 0.03}, "indication", "pretrend_doubtful"),
        ({"pretest_p": None}, "indication", "pretrend_missing"),
        ({"placebo_nonzero": True}, "indication", "placebo_nonzero"),
        ({"variants": (("other", -1.0, -2.0, -0.5),)}, "indication", "variants_disagree"),
        ({"variants": (("apart", 5.0, 4.0, 6.0),)}, "indication", "variants_disagree"),
        (
            {"estimators": (("Sun & Abraham", -1.0, -2.0, -0.5),)},
            "indication",
            "estimators_disagree",
        ),
        ({"estimators": ((Text("a", "a"), 3.5, 3.1, 3.9),)}, "indication", "estimators_disagree"),
        ({"breakdown": 0.25}, "indication", "sensitive_to_trends"),
        ({"few_clusters": True}, "not_robust", "few_clusters_no_valid_test"),
        ({"few_clusters": True, "valid_p": 0.01}, "indication", "few_clusters"),
        ({"n_treated_units": 3}, "indication", "few_treated"),
        ({"excluded_share": 0.28}, "indication", "many_excluded"),
    ],
)
def test_each_rule_caps_the_grade(changes, expected, rule):
    f = grade(_inputs(**changes))
    assert f.grade == expected
    assert rule in f.rules
    assert len(f.reasons) == len(f.rules)


def test_overlapping_variant_of_the_same_sign_agrees():
    f = grade(_inputs(variants=(("close", 2.5, 1.5, 3.5),)))
    assert f.grade == "robust"


def test_the_worst_rule_wins_and_every_reason_is_named():
    f = grade(_inputs(pretest_p=0.03, breakdown=0.1, ci_low=-0.1))
    assert f.grade == "not_robust"
    assert set(f.rules) == {"interval_includes_zero", "pretrend_doubtful", "sensitive_to_trends"}
    assert "0,030" in f.text("de") and "0.030" in f.text("en")


def test_the_placebo_itself_is_not_capped_by_its_own_flag():
    f = grade(_inputs(placebo=True, placebo_nonzero=True))
    assert "placebo_nonzero" not in f.rules


def test_rules_table_is_the_rule_set():
    de = rules_table("de")
    assert len(de) == len(RULES)
    assert set(de["grade_at_most"]) <= {g.de for g in GRADE_LABELS.values()}
    assert list(rules_table("en")["grade_at_most"])[0] == "not robust"


def _estimate(est, lo, hi, n_clusters=None):
    se = (hi - lo) / (2 * 1.959963984540054)
    table = pd.DataFrame({"term": ["overall"], "estimate": [est], "std_error": [se]})
    inf = Inference(name="cluster_unit", description=Text("x", "x"), n_clusters=n_clusters)
    return Estimates(table, ["term"], title="t", inference=inf)


def test_grade_evidence_reads_the_results():
    primary = _estimate(2.0, 1.0, 3.0, n_clusters=400)
    pre = TestResult(statistic=1.0, p_value=0.2, dof=(3,), title="pre")
    f = grade_evidence(primary, pretest=pre, n_treated_units=50, excluded_share=0.0)
    assert f.grade == "robust"
    placebo = _estimate(-0.1, -0.19, -0.01)
    f = grade_evidence(primary, pretest=pre, n_treated_units=50, placebo_result=placebo)
    assert f.grade == "indication" and f.rules == ("placebo_nonzero",)
    # two clusters: the cluster-robust interval is not evidence without a valid test
    two = _estimate(2.0, 1.0, 3.0, n_clusters=2)
    assert two.few_clusters
    f = grade_evidence(two, pretest=pre, n_treated_units=1)
    assert f.grade == "not_robust" and "few_clusters_no_valid_test" in f.rules
    f = grade_evidence(two, pretest=pre, n_treated_units=1, valid_inference={"p_value": 0.5})
    assert f.grade == "not_robust"


def _comparison(rows):
    """A stand-in for an EstimatorComparison: only ``overall()`` is read."""

    class Stub:
        def overall(self):
            return pd.DataFrame(rows, columns=["estimator", "estimate", "ci_low", "ci_high"])

    return Stub()


def test_grade_evidence_reads_the_agreement_of_the_estimators():
    primary = _estimate(2.0, 1.0, 3.0, n_clusters=400)
    pre = TestResult(statistic=1.0, p_value=0.2, dof=(3,), title="pre")
    # imputation overlaps the primary interval [1, 3]; two-stage lies above it (3.2 > 3);
    # the TWFE event study (other sign) is not a heterogeneity-robust estimator: not read
    cmp = _comparison(
        [
            ("att_gt", 2.1, 1.2, 3.0),
            ("did_imputation", 2.8, 2.2, 3.4),
            ("did_two_stage", 4.0, 3.2, 4.8),
            ("event_study", -1.0, -2.0, -0.1),
        ]
    )
    f = grade_evidence(primary, pretest=pre, n_treated_units=50, estimators=cmp)
    assert f.grade == "indication" and f.rules == ("estimators_disagree",)
    assert f.reasons[0].de == "andere Schätzer weichen ab (Zweistufig (Gardner))"
    assert f.reasons[0].en == "other estimators disagree (Two-stage (Gardner))"
    # only the estimators asked for are compared
    f = grade_evidence(
        primary, pretest=pre, n_treated_units=50, estimators=cmp, compare_with=["did_imputation"]
    )
    assert f.grade == "robust"
    f = grade_evidence(
        primary, pretest=pre, n_treated_units=50, estimators=cmp, compare_with=["event_study"]
    )
    assert f.rules == ("estimators_disagree",)
