"""Heavy libraries are imported only where they are used.

``import evaluation`` and a first ``att_gt`` without covariates must not pull in statsmodels,
linearmodels, matplotlib, jinja2 or scipy.stats (together about a second of imports on a
laptop). Checked on the modules a fresh interpreter holds afterwards, not by timing.
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import shared_path

HEAVY = ("statsmodels", "linearmodels", "matplotlib", "jinja2", "weasyprint", "scipy.stats")
#: what an estimator does not need: the study reader and validator, text tables (tabulate,
#: which pulls importlib.metadata and email)
NOT_FOR_ESTIMATES = ("evaluation.study.read", "evaluation.study.checks", "tabulate", "email")


def _loaded(code: str, names: tuple[str, ...] = HEAVY) -> dict[str, bool]:
    probe = (
        f"import json, sys\n{code}\nprint(json.dumps({{m: m in sys.modules for m in {names!r}}}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _assert_not_loaded(code: str, names: tuple[str, ...] = HEAVY) -> None:
    loaded = _loaded(code, names)
    assert not any(loaded.values()), loaded


def _mpdta_att_gt(arguments: str, then: str) -> str:
    """Code that fits att_gt on mpdta (with further ``arguments``) and calls ``then`` on it."""
    path = shared_path("mpdta", "mpdta.csv")
    return (
        "import pandas as pd, evaluation as ev\n"
        f"df = pd.read_csv({str(path)!r})\n"
        "res = ev.att_gt(df, 'lemp', unit='countyreal', time='year', cohort='first.treat'"
        f"{arguments})\n"
        f"res.{then}"
    )


def test_import_evaluation_loads_no_heavy_library():
    _assert_not_loaded("import evaluation as ev; ev.att_gt; ev.twfe; ev.load_study")


def test_first_att_gt_loads_no_heavy_library():
    code = _mpdta_att_gt("", "aggregate('dynamic').tidy()")
    _assert_not_loaded(code)
    _assert_not_loaded(code, NOT_FOR_ESTIMATES)


def test_a_usage_error_of_the_command_line_loads_no_heavy_library():
    """``audit-eval`` with an unknown command or ``--help`` answers without the report's
    analyses and renderers (they cost about 2.5 s before the first line of output)."""
    code = (
        "from evaluation.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stderr(io.StringIO()):\n"
        "    assert main(['frobnicate']) == 2\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--help']) == 0"
    )
    _assert_not_loaded(code, (*HEAVY, "evaluation.report.build"))


def test_first_att_gt_with_a_covariate_loads_no_scipy_special():
    code = _mpdta_att_gt(", covariates=['lpop']", "aggregate('simple')")
    _assert_not_loaded(code, (*HEAVY, "scipy.special"))
