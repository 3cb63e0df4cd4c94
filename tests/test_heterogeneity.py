"""Effects by subgroups of treated units with a test of equal effects: the joint covariance
(shared comparison units), detection of a known difference, the size under none, and the
permutation p-value against a brute-force re-estimation for every assignment."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError, OptionError


def dose_study(seed, slope):
    return ev.datasets.synthetic_study(
        seed=seed,
        effects="constant",
        dose_response=slope,
        linked_indicator="sgb2_children",
        n_comparison=250,
        missing_share=0.0,
    )


def intensity(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ev.implementation_intensity(study).unit_intensity("work_family")


def test_detects_true_difference_and_covariance():
    study = dose_study(3, -3.0)
    panel = study.panel("sgb2_children")
    dose = study.truth.dose.set_index("municipality_id")["dose"]
    res = ev.heterogeneity(panel, dose, groups="half")
    t = res.tidy().set_index("group")
    # truth: effect = -3 * dose, so the group with more implementation has the larger drop
    for g, sel in (("up_to_half", dose <= 0.5), ("over_half", dose > 0.5)):
        true = -3 * dose[sel].mean()
        assert abs(t.loc[g, "estimate"] - true) < 3 * t.loc[g, "std_error"]
    assert res.test.p_value < 0.01
    assert res.test.facts["test"] == "permutation" and res.test.facts["n_permutations"] == 999
    assert res.labels["up_to_half"].de == "bis 50 %" and res.labels["over_half"].en == "over 50%"
    # the diagonal of the joint covariance is each group's own variance
    np.testing.assert_allclose(np.sqrt(np.diag(res.vcov())), t["std_error"], rtol=1e-10)
    # comparison units are shared: the covariance is not zero
    assert res.vcov().iloc[0, 1] > 0
    # the implementation intensity of the study gives the same groups (dose = intensity)
    inten = intensity(study).reindex(dose.index).fillna(0.0)
    np.testing.assert_allclose(inten.to_numpy(), dose.to_numpy(), atol=1e-12)


def test_terciles_values_and_errors():
    study = dose_study(4, 0.0)
    panel = study.panel("sgb2_children")
    dose = study.truth.dose.set_index("municipality_id")["dose"]
    res = ev.heterogeneity(panel, dose, groups="terciles")
    assert list(res.tidy()["group"]) == ["T1", "T2", "T3"]
    assert res.labels["T1"].de == "T1 (niedrig)" and res.labels["T3"].en == "T3 (high)"
    assert res.tidy()["n_treated_units"].sum() == len(dose)
    assert res.test.dof == (2,)
    by_level = ev.heterogeneity(panel, "level")
    assert set(by_level.tidy()["group"]) <= {"gemeinde", "kreis", "kreisfreie_stadt"}
    cuts = ev.heterogeneity(panel, dose, groups=[0.4, 0.7])
    assert list(cuts.tidy()["group"]) == ["g1", "g2", "g3"]
    assert [cuts.labels[g].de for g in ("g1", "g2", "g3")] == [
        "bis 0,4",
        "über 0,4 bis 0,7",
        "über 0,7",
    ]
    assert cuts.labels["g2"].en == "over 0.4 to 0.7"
    n_by_hand = [(dose <= 0.4).sum(), ((dose > 0.4) & (dose <= 0.7)).sum(), (dose > 0.7).sum()]
    assert list(cuts.tidy()["n_treated_units"]) == n_by_hand
    assert "Test gleicher Effekte" in res.summary("de").as_text()
    assert "Test of equal effects" in res.summary("en").as_text()
    res.plot()
    with pytest.raises(DataError, match="no column"):
        ev.heterogeneity(panel, "intensity")
    with pytest.raises(DataError, match="no value"):
        ev.heterogeneity(panel, dose.iloc[:5])
    with pytest.raises(ValueError, match="never-treated"):
        ev.heterogeneity(panel, dose, control_group="not_yet_treated")


def _random_split(panel, seed):
    ids = panel.loc[panel["cohort"] > 0, "municipality_id"].unique()
    rng = np.random.default_rng(seed)
    return pd.Series(rng.random(len(ids)) < 0.5, index=ids).map({True: "a", False: "b"})


@pytest.mark.parametrize(("n_audited", "warned"), [(60, True), (150, False)])
def test_few_units_per_cohort_are_said(n_audited, warned):
    """With few treated units per cohort the chi-squared p-value is too small (see
    test_size_under_no_difference and the module docstring); below 5 units per cohort and
    group the result says so: that the permutation p-value keeps its size, or, when the
    Wald test is asked for, that it rejects too often."""
    study = ev.datasets.synthetic_study(
        seed=9, effects="constant", n_audited=n_audited, n_comparison=40, missing_share=0.0
    )
    panel = study.panel("sgb2_children")
    split = _random_split(panel, 1)
    res = ev.heterogeneity(panel, split)
    wald = ev.heterogeneity(panel, split, test="wald")
    cohort = panel.groupby("municipality_id")["cohort"].first()
    by_hand = min(
        cohort[split.index[split == g]].value_counts().mean() for g in ("a", "b")
    )  # mean treated units per cohort, in the smaller group
    assert res.facts["units_per_cohort"] == pytest.approx(by_hand, abs=0.05)
    assert (by_hand < 5) == warned
    assert ("keeps its size" in res.summary("en").as_text()) == warned
    assert ("hält sein Niveau" in res.summary("de").as_text()) == warned
    assert ("rejects too often" in wald.summary("en").as_text()) == warned
    assert ("verwirft zu oft" in wald.summary("de").as_text()) == warned
    # the estimates and the Wald statistic do not depend on the test
    pd.testing.assert_frame_equal(res.tidy(), wald.tidy())
    assert res.test.statistic == wald.test.statistic
    assert res.facts["p_value_wald"] == wald.test.p_value


def tiny_panel(seed, sizes=(3, 3, 2), n_never=8):
    """Six years, three cohorts of ``sizes`` treated units and ``n_never`` comparison units;
    the effect grows with the years since the start, a unit-constant covariate ``x`` shifts
    the trend."""
    rng = np.random.default_rng(seed)
    cohorts = [0] * n_never + [
        c for c, n in zip((2003, 2004, 2005), sizes, strict=True) for _ in range(n)
    ]
    rows = []
    for i, g in enumerate(cohorts):
        fe, x = rng.normal(), rng.normal()
        for t in range(2001, 2007):
            eff = 1.0 + 0.5 * (t - g) if g and t >= g else 0.0
            trend = (0.3 + 0.5 * x) * (t - 2000)
            rows.append(
                {
                    "id": f"u{i:02d}",
                    "year": t,
                    "cohort": g,
                    "x": x,
                    "y": fe + trend + eff + rng.normal(),
                }
            )
    return pd.DataFrame(rows)


ROLES = {"outcome": "y", "unit": "id", "time": "year", "cohort": "cohort"}


def _within_cohort_assignments(split, cohort):
    """Every distinct assignment of the labels of ``split`` that keeps the labels' counts
    within each cohort (distinct orderings of each cohort's labels, by brute force)."""
    per_cohort = []
    for g in sorted(cohort.unique()):
        ids = cohort.index[cohort == g]
        orders = sorted(set(itertools.permutations(split[ids].tolist())))
        per_cohort.append([pd.Series(o, index=ids) for o in orders])
    return [pd.concat(parts).reindex(split.index) for parts in itertools.product(*per_cohort)]


@pytest.mark.parametrize(
    "options",
    [{}, {"aggregation": "dynamic", "cluster": "pair"}, {"method": "reg", "covariates": ["x"]}],
    ids=["simple", "dynamic-clustered", "covariates"],
)
def test_permutation_p_value_against_brute_force(options):
    """The reference: att_gt re-run (through the Wald test) for every within-cohort
    assignment, the p-value the share of assignments with a Wald statistic at least the
    observed one. 3, 3 and 2 treated units in three cohorts split 2/1, 1/2, 1/1: 18
    assignments, fewer than n_permutations, so the test enumerates them all."""
    panel = tiny_panel(1)
    panel["pair"] = panel["id"].str[-2:].astype(int) // 2  # clusters of two units
    cohort = panel.groupby("id")["cohort"].first()
    cohort = cohort[cohort > 0]
    split = pd.Series(["a", "b", "a", "b", "a", "b", "a", "b"], index=cohort.index)
    res = ev.heterogeneity(panel, split, **ROLES, **options)
    assignments = _within_cohort_assignments(split, cohort)
    assert len(assignments) == 3 * 3 * 2
    stats = np.array(
        [
            ev.heterogeneity(panel, a, test="wald", **ROLES, **options).test.statistic
            for a in assignments
        ]
    )
    observed = ev.heterogeneity(panel, split, test="wald", **ROLES, **options).test.statistic
    assert res.test.statistic == pytest.approx(observed, rel=1e-12)
    p_brute = np.mean(stats >= observed * (1 - 1e-9))
    assert res.test.p_value == pytest.approx(p_brute, abs=1e-12)
    assert res.test.facts["all_assignments"] is True
    assert res.test.facts["n_permutations"] == 18
    # without covariates the statistic comes from the unit-level shortcut, with covariates
    # att_gt is re-estimated for every assignment, and the notes say so
    assert res.test.facts["re_estimated"] == ("covariates" in options)
    assert ("re-estimated" in res.summary("en").as_text()) == ("covariates" in options)


def test_random_permutations_are_seeded_and_near_the_exact_p_value():
    """With more assignments than n_permutations the permutations are random: the same seed
    gives the same p-value, and it lies within Monte Carlo error of the p-value from all
    assignments (computed by the same test with a large n_permutations)."""
    panel = tiny_panel(2, sizes=(6, 6, 5), n_never=12)
    cohort = panel.groupby("id")["cohort"].first()
    cohort = cohort[cohort > 0]
    split = pd.Series((["a", "b"] * 9)[: len(cohort)], index=cohort.index)
    # 6 split 3/3, 6 split 3/3, 5 split 3/2: 20 * 20 * 10 = 4000 assignments
    exact = ev.heterogeneity(panel, split, n_permutations=4000, **ROLES)
    assert exact.test.facts["all_assignments"] is True
    assert exact.test.facts["n_permutations"] == 4000
    one = ev.heterogeneity(panel, split, n_permutations=999, seed=5, **ROLES)
    again = ev.heterogeneity(panel, split, n_permutations=999, seed=5, **ROLES)
    assert one.test.p_value == again.test.p_value
    assert one.test.facts["all_assignments"] is False
    assert one.test.facts["seed"] == 5 and one.facts["seed"] == 5
    p = exact.test.p_value
    assert abs(one.test.p_value - p) < 4 * np.sqrt(p * (1 - p) / 999) + 2 / 1000
    # the p-value is a multiple of 1 / (B + 1) and never 0
    assert round(one.test.p_value * 1000) == pytest.approx(one.test.p_value * 1000)
    assert one.test.p_value >= 1 / 1000


def test_option_errors():
    panel = tiny_panel(1)
    cohort = panel.groupby("id")["cohort"].first()
    split = pd.Series("a", index=cohort.index[cohort > 0])
    split.iloc[::2] = "b"
    with pytest.raises(OptionError, match="test"):
        ev.heterogeneity(panel, split, test="exact", **ROLES)
    with pytest.raises(OptionError, match="n_permutations"):
        ev.heterogeneity(panel, split, n_permutations=5, **ROLES)
    with pytest.raises(OptionError, match="seed"):
        ev.heterogeneity(panel, split, seed=-1, **ROLES)


@pytest.mark.slow
def test_size_over_random_splits_of_one_study():
    """The randomisation argument itself: one simulated study (60 audited units, about 2.7
    treated units per cohort and group), 300 random splits of its audited units. The
    permutation test is exact under random splits; measured 3.0 % rejections at 5 %
    (chi-squared p-value 6.0 %)."""
    study = ev.datasets.synthetic_study(
        seed=100, effects="constant", n_audited=60, n_comparison=150, missing_share=0.0
    )
    panel = study.panel("sgb2_children")
    ids = panel.loc[panel["cohort"] > 0, "municipality_id"].unique()
    rejections = []
    for s in range(300):
        rng = np.random.default_rng(1000 + s)
        split = pd.Series(rng.random(len(ids)) < 0.5, index=ids).map({True: "a", False: "b"})
        res = ev.heterogeneity(panel, split, n_permutations=199, seed=s)
        rejections.append(res.test.p_value < 0.05)
    rate = float(np.mean(rejections))
    print(f"300 random splits of one study: permutation test rejects {rate:.1%} at 5 %")
    # 5 % +- 2.5 standard errors (1.26 %) of 300 replications
    assert 0.018 <= rate <= 0.082


@pytest.mark.slow
@pytest.mark.parametrize(("n_audited", "n_studies"), [(60, 200), (180, 100)])
def test_size_under_no_difference(n_audited, n_studies):
    """A random split of the audited units (no difference by construction) in each of many
    simulated studies: the permutation test rejects within Monte Carlo error of 5 % (at most
    9 %) also with 60 audited units (about 2.7 treated units per cohort and group), where the
    influence-function standard errors are too small for the chi-squared p-value. Measured:
    60 units 8.5 % (chi-squared 9.5 %), and 4.0 % (7.0 %) over the same studies with other
    splits (seeds 7000-7199), 6.25 % over the 400 (Monte Carlo SE 1.1 %); 180 units 4.0 %
    (3.0 %)."""
    rejections, wald, diffs, ses = [], [], [], []
    for seed in range(n_studies):
        study = ev.datasets.synthetic_study(
            seed=100 + seed,
            effects="constant",
            n_audited=n_audited,
            n_comparison=150,
            missing_share=0.0,
        )
        panel = study.panel("sgb2_children")
        split = _random_split(panel, seed)
        res = ev.heterogeneity(panel, split)
        rejections.append(res.test.p_value < 0.05)
        wald.append(res.facts["p_value_wald"] < 0.05)
        t = res.tidy().set_index("group")["estimate"]
        v = res.vcov().to_numpy()
        diffs.append(t["b"] - t["a"])
        ses.append(np.sqrt(v[0, 0] + v[1, 1] - 2 * v[0, 1]))
    rate = float(np.mean(rejections))
    print(
        f"n_audited={n_audited}: rejection rate at 5 % under no difference: permutation "
        f"{rate:.1%}, chi-squared {np.mean(wald):.1%}; SD of the difference "
        f"{np.std(diffs, ddof=1):.3f}, mean SE {np.mean(ses):.3f}"
    )
    assert 0.01 <= rate <= 0.09


@pytest.mark.slow
def test_power_with_a_true_difference():
    """Effect -3 x dose (groups at most / more than half implemented), 60 audited units: the
    permutation test detects the difference in (almost) every simulated study."""
    detected = []
    for seed in range(20):
        study = ev.datasets.synthetic_study(
            seed=200 + seed,
            effects="constant",
            dose_response=-3.0,
            linked_indicator="sgb2_children",
            n_comparison=150,
            missing_share=0.0,
        )
        dose = study.truth.dose.set_index("municipality_id")["dose"]
        res = ev.heterogeneity(study.panel("sgb2_children"), dose, groups="half")
        detected.append(res.test.p_value < 0.05)
    print(f"power at 5 %: {np.mean(detected):.0%}")
    assert np.mean(detected) >= 0.8


@pytest.fixture(autouse=True, scope="module")
def _complete_results():
    """The results of this area are complete when they are made: setting an attribute
    afterwards raises."""
    import evaluation.results.base

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation.results.base, "FREEZE", True)
        yield


def test_incomplete_units_are_left_out_as_att_gt_does():
    """att_gt leaves out units not observed in every year (unbalanced="drop", as R did);
    heterogeneity leaves them out before forming the groups: the estimates are those of the
    panel without them (counted by hand here), and the permutation test takes its shortcut
    (no re-estimation per assignment)."""
    study = ev.datasets.synthetic_study(seed=1)
    panel = study.panel("childcare_u3")
    split = _random_split(panel, 3)
    n_years = panel["year"].nunique()
    seen = panel.dropna(subset=["childcare_u3"]).groupby("municipality_id")["year"].nunique()
    keep = seen.index[seen == n_years]
    assert 0 < len(keep) < panel["municipality_id"].nunique()  # the demo panel has gaps
    full = ev.heterogeneity(panel, split, n_permutations=19)
    part = ev.heterogeneity(
        panel[panel["municipality_id"].isin(keep)],
        split[split.index.isin(keep)],
        n_permutations=19,
    )
    a, b = full.tidy(), part.tidy()
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-12)
    np.testing.assert_allclose(a["std_error"], b["std_error"], rtol=1e-12)
    treated_kept = split.index.isin(keep)
    assert a["n_treated_units"].sum() == treated_kept.sum()
    assert full.facts["n_incomplete_units"] == panel["municipality_id"].nunique() - len(keep)
    assert part.facts["n_incomplete_units"] == 0
    assert not full.test.facts["re_estimated"] and full.test.p_value == part.test.p_value
    assert "left out" in full.summary("en").as_text()
    # with every unit kept (unbalanced="pairwise") the incomplete ones stay in
    kept = ev.heterogeneity(panel, split, unbalanced="pairwise", test="wald")
    assert kept.facts["n_incomplete_units"] == 0
    assert kept.tidy()["n_treated_units"].sum() == len(split)


def test_plot_names_the_groups_by_their_labels():
    study = ev.datasets.synthetic_study(
        seed=2, effects="constant", n_audited=60, n_comparison=40, missing_share=0.0
    )
    panel = study.panel("sgb2_children")
    ids = panel.loc[panel["cohort"] > 0, "municipality_id"].unique()
    share = pd.Series(np.linspace(0.0, 1.0, len(ids)), index=ids)
    res = ev.heterogeneity(panel, share, groups="half")
    for lang, want in (("de", {"bis 50 %", "über 50 %"}), ("en", {"up to 50%", "over 50%"})):
        fig = res.plot(lang=lang)
        got = {t.get_text() for t in fig.axes[0].get_yticklabels()}
        assert got == want


def test_the_function_stays_a_function_after_importing_its_module():
    """``evaluation.heterogeneity`` is the function even after someone imports the module of
    the same name (a lazily exported name would be replaced by the module)."""
    import importlib

    module = importlib.import_module("evaluation.staggered.heterogeneity")
    from evaluation.staggered.heterogeneity import HeterogeneityResult  # noqa: F401

    assert callable(ev.heterogeneity) and ev.heterogeneity is module.heterogeneity
    assert ev.staggered.heterogeneity is module.heterogeneity
