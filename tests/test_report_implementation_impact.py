"""The report section "implementation and impact" (Umsetzung und Wirkung): in the main body one
overview table (effects by intensity group with the test, ACRT^o of the continuous DiD, the
effect of a lapsed certificate, a reading), the impact-logic and intensity tables as files;
per indicator the group effects, dose-response curve and exit event study (in the appendix of
details, or in the section without it); in German and English; skipped with a note without
linked fields. The exit analysis is checked against the known truth of a generated exit path,
and the demo's main body against its page budget."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evaluation.datasets import synthetic_study
from evaluation.report import render_report
from evaluation.study.model import Study

INDICATORS = ["childcare_u3", "share_65plus"]


def _config(lang: str) -> dict:
    return {
        "report": {
            "language": lang,
            "formats": ["markdown"],
            "sections": ["implementation_impact", "methods"],
            "seed": 5,
        },
        "impact": {"indicators": INDICATORS, "placebo": ["share_65plus"]},
    }


@pytest.fixture(scope="module")
def study() -> Study:
    return synthetic_study(seed=1)


@pytest.fixture(scope="module")
def reports(study, tmp_path_factory):
    root = tmp_path_factory.mktemp("impl_impact")
    return {lang: render_report(study, _config(lang), root / lang) for lang in ("de", "en")}


def _record(folder):
    return json.loads((folder / "provenance.json").read_text(encoding="utf-8"))


def test_section_appears_with_its_tables_in_german(reports):
    md = (reports["de"] / "report.md").read_text(encoding="utf-8")
    assert "## Umsetzung und Wirkung" in md
    assert "Wirkungslogik: Der Indikatorenkatalog verknüpft 1 Indikator" in md
    assert "Kontextindikator ohne Handlungsfeld: Anteil 65-Jährige und älter" in md
    assert "Was das zeigen kann und was nicht" in md
    assert "nicht zugeteilt" in md
    # the overview row in German labels: field, direction and lag of childcare
    row = next(line for line in md.splitlines() if line.startswith("| Betreuungsquote"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:3] == [
        "Betreuungsquote unter 3-Jährige",
        "Familie und Arbeitswelt, Betreuung",
        "steigt, ab Jahr 1",
    ]
    assert "Auslaufen" in cells[-1]
    assert "bis 50 %" in md and "über 50 %" in md
    assert "Test gleicher Effekte" in md
    assert "Dosis-Wirkungs-Kurve" in md
    assert "Zertifikate liefen ohne rechtzeitiges Re-Audit aus" in md
    tables = {p.name for p in (reports["de"] / "tables").glob("*.csv")}
    for name in (
        "implementation_impact_logic.csv",
        "implementation_impact_summary.csv",
        "implementation_impact_intensity.csv",
        "implementation_impact_childcare_u3_groups.csv",
        "implementation_impact_childcare_u3_test.csv",
        "implementation_impact_childcare_u3_dose.csv",
        "implementation_impact_childcare_u3_exits.csv",
    ):
        assert name in tables
    # the context indicator gets no analysis of its own
    assert not any("share_65plus" in t for t in tables)
    assert (reports["de"] / "figures" / "implementation_impact_childcare_u3_groups.svg").exists()
    assert _record(reports["de"])["failed_analyses"] == []


def test_logic_table_is_the_catalogue(reports, study):
    t = pd.read_csv(reports["de"] / "tables" / "implementation_impact_logic.csv")
    cat = study.indicator_catalogue.set_index("indicator")
    got = t.set_index("indicator")
    assert list(got.index) == INDICATORS
    assert got.loc["childcare_u3", "action_field"] == cat.loc["childcare_u3", "action_field"]
    assert got.loc["childcare_u3", "expected_direction"] == "increase"
    assert int(got.loc["childcare_u3", "expected_lag"]) == 1


def test_groups_table_matches_a_direct_heterogeneity_call(reports, study):
    """The section arranges the result of heterogeneity(panel, intensity, groups="half")."""
    import evaluation as ev

    dose = ev.implementation_intensity(study).unit_intensity("work_family")
    panel = study.panel("childcare_u3")
    panel = panel[(panel["cohort"] == 0) | panel["municipality_id"].isin(dose.index)]
    direct = ev.heterogeneity(panel, dose, groups="half")
    shown = pd.read_csv(reports["de"] / "tables" / "implementation_impact_childcare_u3_groups.csv")
    assert shown["estimate"].to_numpy() == pytest.approx(
        direct.tidy()["estimate"].to_numpy(), rel=1e-5
    )
    test = pd.read_csv(reports["de"] / "tables" / "implementation_impact_childcare_u3_test.csv")
    assert float(test["p_value"].iloc[0]) == pytest.approx(direct.test.p_value, rel=1e-5)


def test_overview_table_holds_the_numbers_of_the_analyses(reports, study):
    """Each number of the overview is that of the analysis behind it: the groups of a direct
    heterogeneity call, ACRT^o of the dose-response table, DID_1 of the exit event study."""
    import evaluation as ev

    tables = reports["de"] / "tables"
    row = pd.read_csv(tables / "implementation_impact_summary.csv").set_index("indicator")
    row = row.loc["childcare_u3"]
    dose = ev.implementation_intensity(study).unit_intensity("work_family")
    panel = study.panel("childcare_u3")
    panel = panel[(panel["cohort"] == 0) | panel["municipality_id"].isin(dose.index)]
    direct = ev.heterogeneity(panel, dose, groups="half")
    g = direct.tidy()
    assert row["low_estimate"] == pytest.approx(g["estimate"].iloc[0], rel=1e-6)
    assert row["high_estimate"] == pytest.approx(g["estimate"].iloc[-1], rel=1e-6)
    assert row["p_equal"] == pytest.approx(direct.test.p_value, rel=1e-6)
    curve = pd.read_csv(tables / "implementation_impact_childcare_u3_dose.csv")
    acrt = curve[curve["parameter"] == "acrt_overall"].iloc[0]
    for c in ("estimate", "ci_low", "ci_high"):
        assert row[f"acrt_{c}"] == pytest.approx(acrt[c], rel=1e-6)
    exits = pd.read_csv(tables / "implementation_impact_childcare_u3_exits.csv")
    first = exits[exits["event_time"] == 1].iloc[0]
    for c in ("estimate", "ci_low", "ci_high"):
        assert row[f"exit_{c}"] == pytest.approx(first[c], rel=1e-6)
    # the displayed cells in German number format
    md = (reports["de"] / "report.md").read_text(encoding="utf-8")
    line = next(x for x in md.splitlines() if x.startswith("| Betreuungsquote"))
    assert f"{row['exit_estimate']:.2f}".replace(".", ",").replace("-", "−") in line


def _exit_estimand(status, unit_effects: pd.DataFrame, horizon: int) -> float:
    """DID_l of the exit design computed from the true unit effects (the estimand): for every
    lapsed unit, the change of its true effect from the year before the lapse (F - 1) to
    F - 1 + l, minus the mean change of the units certified in the same year and not lapsed
    by F - 1 + l; averaged over the lapsed units that have such comparisons. Without an
    exit those units' effects follow the lapsed unit's path (the effect depends on the
    certification year and the years since), so this is the effect of the lapse itself."""
    import numpy as np

    on = status.tidy().pivot(index="municipality_id", columns="year", values="in_force")
    on = on[on.max(axis=1) == 1]
    years = on.columns.to_numpy()
    start = on.idxmax(axis=1)
    after = on.eq(0) & (years[None, :] >= start.to_numpy()[:, None])
    lapse = after.idxmax(axis=1).where(after.any(axis=1))
    tau = unit_effects.pivot(index="municipality_id", columns="year", values="effect")
    tau = tau.loc[on.index]
    diffs = []
    for g, f in lapse.dropna().items():
        t0, t1 = int(f) - 1, int(f) - 1 + horizon
        if t1 > years[-1]:
            continue
        ctrl = (start == start[g]) & (lapse.isna() | (lapse > t1))
        if ctrl.any():
            change = (tau.loc[ctrl, t1] - tau.loc[ctrl, t0]).mean()
            diffs.append(tau.loc[g, t1] - tau.loc[g, t0] - change)
    return float(np.mean(diffs))


def test_exit_analysis_recovers_the_known_exit_path():
    """On a study whose childcare effect halves each year after the certificate lapsed
    (synthetic_study(exits=True)), the exit design of the section estimates, at each horizon,
    the DID_l computed from the true unit effects (within three standard errors); and the
    lapse clearly lowers the indicator."""
    from evaluation.report.linked import EXIT_EFFECTS, _exits, exit_design
    from evaluation.study.exposure import certification_status

    st = synthetic_study(seed=1, exits=True)
    status = certification_status(st)
    panel = st.panel("childcare_u3")
    design = exit_design(status, panel, "childcare_u3")
    # every unit starts in force: no switch in, the lapses are the only switches
    assert design["municipality_id"].nunique() == status.facts["n_certified"]
    res = _exits(status, panel, "childcare_u3")
    # the switchers: lapsed units with a unit certified in the same year whose certificate
    # is still in force in the year of their lapse (a comparison)
    first_lapse = design[design["lapsed"] == 1].groupby("municipality_id")["year"].min()
    per_unit = pd.DataFrame(
        {"certified": design.groupby("municipality_id")["certified"].first(), "lapse": first_lapse}
    ).fillna({"lapse": 9999})
    latest = per_unit.groupby("certified")["lapse"].transform("max")
    compared = (per_unit["lapse"] < 9999) & (per_unit["lapse"] < latest)
    assert res.facts["n_switchers_in"] == int(compared.sum())
    assert res.facts["n_switchers_out"] == 0
    t = res.tidy().set_index("event_time")
    estimable = t.index[(t.index > 0) & t["estimate"].notna()]
    assert len(estimable) >= EXIT_EFFECTS - 1
    for lag in estimable:
        truth = _exit_estimand(status, st.truth.unit_effects, lag)
        assert abs(t.loc[lag, "estimate"] - truth) < 3 * t.loc[lag, "std_error"], lag
    assert t.loc[1, "ci_high"] < 0 and t.loc[3, "estimate"] < -3
    # the input tables are not changed
    assert "lapsed" not in status.tidy().columns and "lapsed" not in panel.columns


@pytest.mark.slow
def test_demo_main_body_stays_within_20_pages(tmp_path):
    """The demo report (with this section) keeps its main body at most 20 pages: the first
    appendix starts on page 21 or earlier (the PDF's outline)."""
    pypdf = pytest.importorskip("pypdf")
    from evaluation.report.build import run_demo

    out = run_demo(tmp_path / "demo", progress=False)
    reader = pypdf.PdfReader(out["report"] / "report.pdf")
    starts = {}

    def walk(items):
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                starts[it.title] = reader.get_destination_page_number(it) + 1

    walk(reader.outline)
    assert "Umsetzung und Wirkung" in starts
    first_appendix = min(p for t, p in starts.items() if t.startswith("Anhang"))
    assert first_appendix - 1 <= 20


def test_section_in_english(reports):
    md = (reports["en"] / "report.md").read_text(encoding="utf-8")
    assert "## Implementation and impact" in md
    assert "Impact logic: the indicator catalogue links 1 indicator" in md
    assert "What this can and cannot show" in md
    assert "up to 50%" in md and "over 50%" in md
    assert "Family and working life, childcare" in md and "increase" in md
    section = md.split("## Implementation and impact")[1].split("## Appendix")[0]
    for word in ("Kommune", "Wirkung", "Handlungsfeld", " und ", "steigt"):
        assert word not in section


def test_section_is_skipped_with_a_note_without_linked_fields(study, tmp_path):
    t = study.tables
    t["indicator_catalogue"] = t["indicator_catalogue"].drop(
        columns=["action_field", "expected_direction", "expected_lag"]
    )
    old = Study(**t)
    out = render_report(old, _config("de"), tmp_path / "r")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Umsetzung und Wirkung" in md
    assert "verknüpft keinen der analysierten Indikatoren mit einem Handlungsfeld" in md
    tables = {p.name for p in (out / "tables").glob("*.csv")}
    assert not any(n.endswith("_groups.csv") for n in tables)
    assert _record(out)["failed_analyses"] == []


def test_default_order_puts_the_section_after_impact():
    from evaluation.report.config import ALL_SECTIONS

    assert ALL_SECTIONS.index("implementation_impact") == ALL_SECTIONS.index("impact") + 1


def test_german_html_of_the_section_has_no_english_and_no_codes(study, tmp_path):
    """The word lists of the language tests, on the section's HTML (here with the material per
    indicator in the section itself, as without the appendix of details)."""
    from test_report_language import CODES, ENGLISH, _hits, visible_text

    cfg = _config("de")
    cfg["report"]["formats"] = ["html"]
    out = render_report(study, cfg, tmp_path / "de")
    text = visible_text((out / "report.html").read_text(encoding="utf-8"))
    # the second occurrences: the first ones are the table of contents
    section = text.split("Umsetzung und Wirkung", 2)[2].split("Anhang: Methoden", 1)[0]
    assert "Wirkungslogik" in section and "bis 50 %" in section and len(section) > 3000
    assert _hits(section, ENGLISH) == []
    assert _hits(section, CODES) == []
    svg = " ".join(
        p.read_text(encoding="utf-8") for p in (out / "figures").glob("implementation_impact*.svg")
    )
    assert "Effect" not in svg and "share implemented" not in svg


@pytest.mark.slow
def test_exit_design_keeps_its_size_where_a_lapse_changes_nothing():
    """40 demo-like studies (no exit effect), four linked indicators: the exit design of the
    section (comparisons certified in the same year) rejects "no effect" of the lapse at the
    5 % level about as often as it should, while comparing with every still-certified unit
    picks up the growth of recently certified units' effects. Measured over the 360 tests
    (three indicators, effects 1-3): same-year comparisons 5.8 %, all still-certified units
    19.7 % (with SGB II as a fourth indicator, by horizon: 5.0 / 4.4 / 6.2 % against 10.6 /
    28.1 / 31.9 %)."""
    import numpy as np

    from evaluation.report.linked import exit_design
    from evaluation.staggered import did_multiplegt
    from evaluation.study.exposure import certification_status

    z = {"certified": [], "pooled": []}
    for seed in range(1, 41):
        st = synthetic_study(seed=seed)
        status = certification_status(st)
        for ind in ("childcare_u3", "births_per_1000_women", "family_net_migration"):
            data = exit_design(status, st.panel(ind), ind)
            for key, within in (("certified", "certified"), ("pooled", None)):
                t = did_multiplegt(data, ind, treatment="lapsed", effects=3, within=within).tidy()
                z[key].extend((t["estimate"] / t["std_error"]).tolist())
    same = np.mean(np.abs(z["certified"]) > 1.96)
    pooled = np.mean(np.abs(z["pooled"]) > 1.96)
    print(f"rejections at 5 %: same certification year {same:.1%}, all certified {pooled:.1%}")
    # 360 tests (correlated within a study): 5 % +- about 3.5 points
    assert same <= 0.085
    assert pooled > same + 0.05
