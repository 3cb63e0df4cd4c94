"""The report configuration: TOML in, checked key by key, nothing evaluated."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.errors import ConfigError
from evaluation.report import ReportConfig, load_config
from evaluation.report.config import parse_config
from evaluation.report.document import ReportTable, md_escape

ROOT = Path(__file__).resolve().parents[1]


def test_demo_configuration_loads():
    cfg = load_config(ROOT / "reports" / "demo.toml")
    assert isinstance(cfg, ReportConfig)
    assert cfg.lang == "de"
    assert "childcare_u3" in cfg.impact.indicators
    assert cfg.impact.window == (-5, 5)
    assert cfg.source_path is not None and cfg.source_text.startswith("#")


def test_defaults():
    cfg = load_config(None)
    assert cfg.report.language == "de"
    assert cfg.treatment.onset == "certification"
    assert cfg.comparison.design == "all"
    # not-yet-treated comparisons by default: more comparisons per cell (the primary estimate)
    assert cfg.impact.att_gt.control_group == "not_yet_treated"
    assert cfg.impact.primary.estimator == "att_gt"
    assert cfg.impact.unbalanced == "pairwise"
    assert cfg == load_config({})


def test_full_toml_round_trip():
    cfg = load_config({"report": {"language": "en", "seed": 3}, "impact": {"window": [-3, 2]}})
    again = parse_config(cfg.to_toml())
    assert again == cfg
    assert again.sha256() == cfg.sha256()
    assert load_config({"report": {"seed": 4}}).sha256() != cfg.sha256()


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"colour": "red"}, "'colour'"),
        ({"report": {"langauge": "en"}}, "report.langauge"),
        ({"impact": {"att_gt": {"bootstrapp": 9}}}, "impact.att_gt.bootstrapp"),
        ({"report": {"language": "fr"}}, "report.language"),
        ({"report": {"year": "2024"}}, "report.year"),
        ({"report": {"seed": 1.5}}, "report.seed"),
        ({"report": {"seed": True}}, "report.seed"),
        ({"report": {"sections": ["data", "appendix"]}}, r"report.sections\[1\]"),
        ({"impact": {"estimators": ["twfe", "twfe"]}}, "impact.estimators"),
        ({"impact": {"indicators": "childcare_u3"}}, "impact.indicators"),
        ({"impact": {"window": [2, 5]}}, "impact.window"),
        ({"impact": {"window": [-5]}}, "impact.window"),
        ({"impact": {"reference_period": 0}}, "impact.reference_period"),
        ({"comparison": {"design": "synthetic"}}, "comparison.design"),
        ({"comparison": {"ratio": 0}}, "comparison.ratio"),
        ({"treatment": {"onset": "kickoff"}}, "treatment.onset"),
        ({"report": {"small_cell_threshold": -1}}, "report.small_cell_threshold"),
        ({"impact": {"robustness": {"randomization_draws": 5}}}, "randomization_draws"),
        ({"impact": 3}, "impact"),
    ],
)
def test_wrong_keys_and_values_name_the_key(data, key):
    with pytest.raises(ConfigError, match=key):
        load_config(data)


def test_unknown_key_in_a_file(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[impact]\nindicators = ["childcare_u3"]\nformula = "y ~ x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="impact.formula"):
        load_config(p)


def test_nothing_is_evaluated(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[study]\ntitle = \"__import__('os').system('false')\"\n", encoding="utf-8")
    cfg = load_config(p)
    assert cfg.study.title == "__import__('os').system('false')"


def test_invalid_toml_and_missing_file(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[report\nlanguage = 'de'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(p)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_unknown_columns_against_the_study():
    from evaluation.datasets import synthetic_study

    study = synthetic_study(seed=0, n_audited=5, n_comparison=10)
    cfg = load_config({"comparison": {"covariates": ["population", "income"]}})
    with pytest.raises(ConfigError, match=r"comparison.covariates\[1\].*'income'"):
        cfg.check_study(study)
    cfg = load_config({"impact": {"indicators": ["childcare_u3", "gdp"]}})
    with pytest.raises(ConfigError, match=r"impact.indicators\[1\].*'gdp'"):
        cfg.check_study(study)


# -- tables ----------------------------------------------------------------------------------


def test_personal_columns_dropped_from_tables():
    import pandas as pd

    t = ReportTable(
        "m", "Measures", pd.DataFrame({"title": ["a"], "contact_email": ["x@y.z"], "n": [1]})
    )
    assert list(t.data.columns) == ["title", "n"]
    assert "x@y.z" not in t.csv(0)


def test_small_cells_suppressed_in_every_form():
    import pandas as pd

    df = pd.DataFrame(
        {
            "action_field": ["steering", "education", "counselling"],
            "n_measures": [2, 0, 12],
            "share": [0.5, 0.0, 0.25],
        }
    )
    t = ReportTable("x", "X", df)
    assert t.csv(3).splitlines()[1:] == ["steering,<3,0.5", "education,0,0", "counselling,12,0.25"]
    assert "&lt;3" in t.markdown("de", 2, 3)
    assert r"\textless{}3" in t.latex("de", 2, 3) or "<3" not in t.latex("de", 2, 3)
    disp = t.display("en", 2, 3)
    assert list(disp.iloc[:, 0]) == [
        "Steering, networking and sustainability",
        "Education and upbringing",
        "Counselling and support",
    ]
    # shares are percentages wherever a person reads them (the CSV keeps 0.5)
    assert list(disp.iloc[:, 2]) == ["50.0%", "0.0%", "25.0%"]
    assert list(t.display("de", 2, 3).iloc[:, 2]) == ["50,0\u202f%", "0,0\u202f%", "25,0\u202f%"]
    assert t.csv(0).splitlines()[1] == "steering,2,0.5"


def test_markdown_cells_cannot_break_out():
    assert md_escape("a|b<i>\nc") == "a\\|b&lt;i&gt; c"


# -- figures -----------------------------------------------------------------------------------


def test_figures_are_deterministic_and_described():
    from evaluation.report.figures import new_figure, render_figure

    def make():
        fig, ax = new_figure()
        ax.plot([2010, 2011, 2012], [1.0, 4.0, 9.0], marker="o")
        ax.set_title("Kita <Quote>")
        return render_figure(fig, "f", "Titel", "Linie von 1 bis 9 & mehr")

    a, b = make(), make()
    assert a.svg == b.svg and a.png == b.png
    assert "<title>Linie von 1 bis 9 &amp; mehr</title>" in a.svg
    assert "<dc:date>" not in a.svg and "matplotlib.org" not in a.svg
    assert "Kita &lt;Quote&gt;" in a.svg  # text stays text, escaped
    assert a.png[:8] == b"\x89PNG\r\n\x1a\n"
    assert not a.inline_svg.startswith("<?xml") and "DOCTYPE" not in a.inline_svg
    with pytest.raises(ValueError, match="alt text"):
        fig, _ = new_figure()
        render_figure(fig, "g", "Titel", " ")


# -- encodings, limits and types ------------------------------------------------------------

CFG_TEXT = '[study]\ntitle = "Maßnahmen in Köln – Überblick"\n[report]\nlanguage = "en"\n'
TITLE = "Maßnahmen in Köln – Überblick"


@pytest.mark.parametrize(
    "encoding, bom",
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
        ("cp1252", b""),
    ],
)
def test_configuration_encodings_are_recognised(tmp_path, encoding, bom):
    # the bytes are made by Python's codecs; the title must come back as written
    p = tmp_path / "c.toml"
    p.write_bytes(bom + CFG_TEXT.encode(encoding))
    cfg = load_config(p)
    assert cfg.study.title == TITLE and cfg.lang == "en"
    import hashlib

    assert cfg.source_sha256 == hashlib.sha256(p.read_bytes()).hexdigest()


def test_undecodable_configuration_names_the_encodings(tmp_path):
    p = tmp_path / "c.toml"
    # 0x81 and 0x8d are not characters in Windows-1252 and do not start UTF-8 sequences
    p.write_bytes(b'[study]\ntitle = "\x81\x8d"\n')
    with pytest.raises(ConfigError, match=r"c\.toml: unknown text encoding.*UTF-8.*Windows-1252"):
        load_config(p)
    p.write_bytes(b"\xff\xfe" + b"\x00\xd8")  # UTF-16 with a lone surrogate
    with pytest.raises(ConfigError, match="UTF-16"):
        load_config(p)


@pytest.mark.parametrize(
    ("data", "key", "fragment"),
    [
        (
            {"impact": {"robustness": {"randomization_draws": 10**9}}},
            "randomization_draws",
            "100,000",
        ),
        (
            {"impact": {"robustness": {"randomization_draws": 1e9}}},
            "randomization_draws",
            "100,000",
        ),
        ({"impact": {"att_gt": {"bootstrap": 10**9}}}, "impact.att_gt.bootstrap", "100,000"),
        ({"impact": {"window": [-1000, 5]}}, "impact.window", "50"),
        ({"impact": {"robustness": {"anticipation": 99}}}, "anticipation", "10"),
        ({"comparison": {"ratio": 10**6}}, "comparison.ratio", "100"),
        ({"comparison": {"caliper": float("nan")}}, "comparison.caliper", "finite"),
        ({"comparison": {"caliper": float("inf")}}, "comparison.caliper", "finite"),
        ({"impact": {"window": ["a", 5]}}, r"impact.window\[0\]", "whole number"),
        ({"study": {"title": 5}}, "study.title", "text"),
        ({"report": {"formats": "pdf"}}, "report.formats", "list"),
        ({"impact": {"att_gt": []}}, "impact.att_gt", "table"),
        ({1: {}}, "keys are names", ""),
    ],
)
def test_limits_and_types(data, key, fragment):
    with pytest.raises(ConfigError, match=key) as info:
        load_config(data)
    assert fragment in str(info.value)


def test_limits_are_documented():
    from evaluation.report.config import LIMITS

    # the limits are documented in the configuration's how-to or reference pages
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    docs = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    demo = (ROOT / "reports" / "demo.toml").read_text(encoding="utf-8")
    for key, (limit, _) in LIMITS.items():
        assert f"`{key}`" in docs and f"{limit:,}" in docs, key
    assert "100,000" in demo


def test_a_cp1252_configuration_verifies(tmp_path):
    # the hash of the configuration file is the hash of its bytes, whatever its encoding
    from evaluation.datasets import synthetic_study
    from evaluation.report import render_report, verify_report

    synthetic_study(seed=1, n_audited=4, n_comparison=6).save(tmp_path / "data")
    p = tmp_path / "c.toml"
    p.write_bytes(
        '[study]\ntitle = "Düren"\n[report]\nformats = ["markdown"]\nsections = ["methods"]\n'.encode(
            "cp1252"
        )
    )
    out = render_report(tmp_path / "data", p, tmp_path / "r")
    res = verify_report(out)
    assert res.ok, str(res)


def test_configuration_copy_round_trips_hostile_text():
    title = 'a"b\\c\nd\te\x07\u202e\x9b\x00'
    cfg = load_config({"study": {"title": title}})
    text = cfg.to_toml()
    assert all(c not in text for c in "\x07\u202e\x9b\x00")
    assert parse_config(text).study.title == title
