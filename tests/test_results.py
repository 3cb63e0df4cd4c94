"""The shared results interface."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import evaluation as ev
from evaluation.results import Estimates, TableResult


def make(est=(1.0, -0.5), se=(0.5, 0.25), **kw):
    table = pd.DataFrame({"rel_time": [0, 1], "estimate": est, "std_error": se})
    return Estimates(table, ["rel_time"], title="t", method="m", se_note="note", **kw)


def test_normal_intervals_and_pvalues():
    r = make()
    t = r.tidy()
    z = stats.norm.ppf(0.975)
    assert t["ci_low"].tolist() == pytest.approx([1 - z * 0.5, -0.5 - z * 0.25], abs=1e-15)
    assert t["p_value"].tolist() == pytest.approx([2 * stats.norm.sf(2), 2 * stats.norm.sf(2)])
    ci90 = r.conf_int(0.90)
    assert ci90.loc[0, "ci_high"] == pytest.approx(1 + stats.norm.ppf(0.95) * 0.5, abs=1e-15)


def test_t_distribution():
    r = make(distribution="t", df=9)
    crit = stats.t.ppf(0.975, 9)
    assert r.tidy()["ci_high"].iloc[0] == pytest.approx(1 + crit * 0.5, abs=1e-15)
    with pytest.raises(ValueError, match="positive df"):
        make(distribution="t")


def test_bad_level_and_missing_columns():
    with pytest.raises(ValueError, match="level"):
        make().conf_int(1.5)
    with pytest.raises(ValueError, match="lacks columns"):
        Estimates(pd.DataFrame({"estimate": [1.0]}), ["k"], title="", method="", se_note="")


def test_exports_and_languages(tmp_path):
    r = make()
    assert r.to_csv().splitlines()[0].startswith("rel_time,estimate,std_error")
    assert "Schätzwert" in r.to_markdown() and "Estimate" in r.to_markdown(lang="en")
    latex = r.to_latex(tmp_path / "t.tex")
    assert "\\begin{table}" in latex and (tmp_path / "t.tex").read_text() == latex
    html = r._repr_html_()
    assert "<table" in html and "note" in html


def test_html_escapes_data():
    t = TableResult(pd.DataFrame({"title": ["<script>alert(1)</script>"]}), title="<b>x</b>")
    html = t._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html


def test_compare_aligns_single_estimates():
    a = Estimates(
        pd.DataFrame({"term": ["post"], "estimate": [1.0], "std_error": [0.1]}),
        ["term"],
        title="a",
        method="A",
        se_note="",
    )
    b = Estimates(
        pd.DataFrame({"term": ["ATT"], "estimate": [2.0], "std_error": [0.2]}),
        ["term"],
        title="b",
        method="B",
        se_note="",
    )
    c = ev.compare({"TWFE": a, "CS": b})
    t = c.tidy()
    assert t["term"].tolist() == ["effect", "effect"]
    text = str(c.summary("en"))
    assert "1.0000 (0.1000)" in text and "2.0000 (0.2000)" in text
    # several rows keep their keys
    d = ev.compare({"x": make(), "y": make(est=(2.0, 3.0))})
    assert sorted(set(d.tidy()["term"])) == ["0", "1"]


def test_plot_returns_figure():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert make().plot(ax=ax) is fig
    assert np.isfinite(ax.get_ylim()).all()
