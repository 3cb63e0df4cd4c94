"""The data model: round trips, the synthetic study, code lists and the generated schema."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

import evaluation as ev
from evaluation import codes, schema
from evaluation.datasets import _marginal_probability

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo():
    return ev.datasets.synthetic_study(seed=1)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip_identical_frames(demo, tmp_path, fmt):
    demo.save(tmp_path / "s", format=fmt)
    back = ev.load_study(tmp_path / "s")
    for name in schema.TABLE_NAMES:
        pd.testing.assert_frame_equal(demo[name], back[name], check_dtype=True)


def test_save_refuses_to_overwrite(demo, tmp_path):
    demo.save(tmp_path / "s")
    with pytest.raises(ev.errors.EvaluationError, match="already holds a study"):
        demo.save(tmp_path / "s")


def test_same_seed_same_bytes(tmp_path):
    ev.datasets.synthetic_study(seed=7).save(tmp_path / "a")
    ev.datasets.synthetic_study(seed=7).save(tmp_path / "b")
    ev.datasets.synthetic_study(seed=8).save(tmp_path / "c")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, False)
    assert mismatch == [] and errors == [] and len(match) == len(names)
    assert not filecmp.cmp(
        tmp_path / "a" / "indicators.csv", tmp_path / "c" / "indicators.csv", False
    )


def test_synthetic_study_shape(demo):
    m = demo.municipalities
    assert (m["group"] == "audited").sum() == 60 and (m["group"] == "comparison").sum() == 400
    assert set(m["level"]) == set(codes.LEVEL_CODES)
    assert m["state"].nunique() >= 10
    cohorts = demo.onsets("certification")["cohort"]
    assert set(cohorts) == set(range(2010, 2022))
    assert (demo.audits["cycle"] == 2).sum() > 5
    per_audit = demo.measure_table().groupby("audit_id").size()
    assert per_audit.between(10, 45).all()
    assert set(demo.goals["action_field"]) == set(codes.ACTION_FIELD_CODES)
    years = demo.indicators["year"]
    assert years.min() == 2006 and years.max() == 2024
    # three annual reports after certification for every first audit
    mt = demo.measure_table()
    r = demo.measure_reports.merge(mt[["measure_id", "cycle", "certification_date"]])
    first = r[r["cycle"] == 1]
    n = first["report_year"] - first["certification_date"].dt.year
    assert set(n) == {1, 2, 3}


def test_selection_on_size(demo):
    """Larger units join the audit more often, so a naive comparison is biased."""
    m = demo.municipalities
    logpop = np.log(m["population"].astype(float))
    assert logpop[m["group"] == "audited"].mean() > logpop[m["group"] == "comparison"].mean() + 0.5


def test_synthetic_names_and_codes_are_not_real(demo, shared):
    m = demo.municipalities
    assert m["name"].str.match(r"^Synth(gemeinde|stadt|kreis) \d{3}$").all()
    assert m["municipality_id"].str.slice(3, 5).isin(["96", "97", "98", "99"]).all()
    directory = pd.read_csv(
        shared("gemeindeverzeichnis", "destatis_gv_gemeinden_1983_2024_long.csv.gz"),
        dtype=str,
        usecols=["ags", "kreis_ags"],
    )
    real = set(directory["ags"].dropna()) | set(directory["kreis_ags"].dropna())
    assert not (set(m["municipality_id"]) & real)


def test_placebo_effect_is_exactly_zero(demo):
    e = demo.truth.effects
    assert (e.loc[e["indicator"] == "share_65plus", "effect"] == 0).all()
    child = demo.truth.att_gt("childcare_u3")
    assert (child.loc[child["event_time"] < 0, "effect"] == 0).all()
    post = child[child["event_time"] >= 0]
    # grows with time since certification and differs between cohorts
    assert post.groupby("cohort")["effect"].apply(lambda s: s.is_monotonic_increasing).all()
    assert post[post["rel_time"] == 2].groupby("cohort")["effect"].first().nunique() > 1


@pytest.mark.parametrize("shape", ["homogeneous", "constant"])
def test_effect_shapes(shape):
    s = ev.datasets.synthetic_study(seed=2, effects=shape)
    post = s.truth.att_gt("sgb2_children").query("event_time >= 0")
    by_e = post.groupby("rel_time")["effect"].nunique()
    assert (by_e == 1).all()  # the same for every cohort
    if shape == "constant":
        assert post["effect"].nunique() == 1


def test_effects_are_in_the_data(demo):
    """Audited minus comparison change in the placebo is small; in childcare it is not."""
    s = ev.datasets.synthetic_study(seed=3, effects="constant", missing_share=0.0)
    ind = s.indicators.pivot_table(
        index="municipality_id", columns=["indicator", "year"], values="value"
    )
    on = s.onsets().set_index("municipality_id")["cohort"]
    early = on[on <= 2012].index
    comp = s.municipalities.query("group == 'comparison'")["municipality_id"]

    def change(code, units):
        return (ind[(code, 2016)] - ind[(code, 2008)]).loc[units].mean()

    did = change("sgb2_children", early) - change("sgb2_children", comp)
    assert abs(did - (-0.8)) < 0.6


def test_true_implementation_probability():
    # the quadrature agrees with brute-force integration of the logit-normal mean
    rng = np.random.default_rng(0)
    u = rng.normal(0, 0.6, 2_000_000)
    assert _marginal_probability(0.4, 0.6) == pytest.approx(expit(0.4 + u).mean(), abs=1e-3)
    assert _marginal_probability(0.0, 0.6) == pytest.approx(0.5, abs=1e-12)


def test_bad_arguments():
    with pytest.raises(ValueError, match="effects must be one of"):
        ev.datasets.synthetic_study(effects="large")
    with pytest.raises(TypeError, match="seed"):
        ev.datasets.synthetic_study(seed=1.5)


def test_code_lists():
    assert len(codes.ACTION_FIELDS) == 6
    assert codes.labels("action_fields", "de")["education"] == "Bildung und Erziehung"
    assert codes.labels("statuses", "en")["partially_implemented"] == "partially implemented"
    assert ev.ACTION_FIELDS[0].code == "steering"
    with pytest.raises(ValueError, match="lang"):
        codes.labels("statuses", "fr")


def test_data_schema_folder_is_generated_from_the_package(tmp_path):
    schema.write_data_package(tmp_path)
    committed = ROOT / "data_schema"
    for p in sorted(tmp_path.rglob("*")):
        if p.is_file():
            rel = p.relative_to(tmp_path)
            assert (committed / rel).read_bytes() == p.read_bytes(), (
                f"data_schema/{rel} is out of date: run `make schema`"
            )


def test_descriptor_is_frictionless_shaped():
    desc = schema.package_descriptor()
    assert desc["profile"] == "tabular-data-package"
    names = [r["name"] for r in desc["resources"]]
    assert names == list(schema.TABLE_NAMES)
    for r in desc["resources"]:
        for f in r["schema"]["fields"]:
            assert f["type"] in {"string", "integer", "number", "boolean", "date"}
    json.dumps(desc)


def test_measure_table_and_onsets(demo):
    mt = demo.measure_table()
    assert len(mt) == len(demo.measures)
    assert mt["action_field"].notna().all() and mt["municipality_id"].notna().all()
    o = demo.onsets("start")
    c = demo.onsets("certification")
    assert (o["cohort"] <= c["cohort"]).all()
    with pytest.raises(ValueError, match="onset must be one of"):
        demo.onsets("council")
