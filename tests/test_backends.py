"""Execution backends: the same seed gives bit-for-bit the same results serially, on local
joblib processes and on a Dask LocalCluster, whatever the number of workers and chunk size."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import OptionError
from evaluation.planning import run_replications

distributed = pytest.importorskip("distributed")


def design():
    return ev.PanelDesign(
        cohorts={2013: 8, 2015: 8},
        n_comparison=24,
        first_year=2010,
        last_year=2017,
        sd=1.5,
        autocorrelation=0.4,
        icc=0.1,
        n_clusters=4,
    )


def draw_task(rng, params):
    """A task whose output shows every draw: any change in seeding changes the numbers."""
    return {"x": rng.standard_normal(3), "k": int(rng.integers(1 << 30)), "p": params}


@pytest.fixture(scope="module")
def cluster():
    """One Dask cluster of 2 worker processes for the module."""
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as lc:
        with Client(lc) as client:
            yield client


def test_replication_r_draws_from_the_r_th_spawned_child():
    """Independent reference: the r-th output is what default_rng(SeedSequence(seed)
    .spawn(n)[r]) draws, for any chunk size."""
    children = np.random.SeedSequence(42).spawn(7)
    expected = [draw_task(np.random.default_rng(c), "a") for c in children]
    for chunk in (1, 3, 7, 100):
        out = run_replications(draw_task, 7, seed=42, params="a", chunk_size=chunk)
        for o, e in zip(out, expected, strict=True):
            np.testing.assert_array_equal(o["x"], e["x"])
            assert o["k"] == e["k"] and o["p"] == "a"


def test_first_replications_do_not_depend_on_n_sims():
    short = run_replications(draw_task, 5, seed=3)
    long = run_replications(draw_task, 50, seed=3)
    for a, b in zip(short, long[:5], strict=True):
        np.testing.assert_array_equal(a["x"], b["x"])


def test_joblib_and_dask_give_the_serial_draws_bit_for_bit(cluster):
    serial = run_replications(draw_task, 23, seed=9, params=1, chunk_size=4)
    jl = run_replications(draw_task, 23, seed=9, params=1, backend="joblib", n_jobs=2)
    dk = run_replications(draw_task, 23, seed=9, params=1, backend=cluster, chunk_size=5)
    dk_default = run_replications(draw_task, 23, seed=9, params=1, backend="dask", chunk_size=2)
    for other in (jl, dk, dk_default):
        for a, b in zip(serial, other, strict=True):
            assert a["x"].tobytes() == b["x"].tobytes() and a["k"] == b["k"]


def test_power_grid_is_identical_serially_with_joblib_and_on_dask(cluster):
    """A power curve of att_gt and a TWFE MDE, run three ways with different chunk sizes."""
    d = design()
    effects = [0.0, 0.5, 1.0, 2.0]
    kw = dict(estimator="att_gt", n_sims=40, seed=2026)
    serial = ev.power(d, effects, **kw, chunk_size=40).tidy()
    jl = ev.power(d, effects, **kw, backend="joblib", n_jobs=2, chunk_size=3).tidy()
    dk = ev.power(d, effects, **kw, backend=cluster, chunk_size=7).tidy()
    pd.testing.assert_frame_equal(serial, jl, check_exact=True)
    pd.testing.assert_frame_equal(serial, dk, check_exact=True)
    kw = dict(estimator="twfe", n_sims=12, seed=5)
    m_serial = ev.minimum_detectable_effect(d, **kw).tidy()
    m_dask = ev.minimum_detectable_effect(d, **kw, backend=cluster, chunk_size=5).tidy()
    m_joblib = ev.minimum_detectable_effect(d, **kw, backend="joblib", n_jobs=2).tidy()
    pd.testing.assert_frame_equal(m_serial, m_dask, check_exact=True)
    pd.testing.assert_frame_equal(m_serial, m_joblib, check_exact=True)


def _mean_study(rng, n, mu):
    return rng.normal(mu, 1.0, n)


def _mean_fit(x):
    se = x.std(ddof=1) / np.sqrt(len(x))
    return {"estimate": x.mean(), "std_error": se, "df": len(x) - 1}


def test_simulation_study_is_identical_on_every_backend(cluster):
    grid = {"n": [10, 40], "mu": [0.0, 0.3]}
    kw = dict(n_sims=30, seed=77, truth="mu")
    est = {"mean": _mean_fit}
    serial = ev.simulate(grid, _mean_study, est, **kw)
    jl = ev.simulate(grid, _mean_study, est, **kw, backend="joblib", n_jobs=2, chunk_size=4)
    dk = ev.simulate(grid, _mean_study, est, **kw, backend=cluster, chunk_size=11)
    pd.testing.assert_frame_equal(serial.tidy(), jl.tidy(), check_exact=True)
    pd.testing.assert_frame_equal(serial.tidy(), dk.tidy(), check_exact=True)
    pd.testing.assert_frame_equal(serial.draws, dk.draws, check_exact=True)


def test_progress_bar_only_when_asked(capsys):
    run_replications(draw_task, 10, seed=1)
    assert capsys.readouterr().err == ""
    run_replications(draw_task, 10, seed=1, progress=True, description="sims")
    err = capsys.readouterr().err
    assert "sims" in err and "10/10" in err


def test_backend_options_are_checked():
    with pytest.raises(OptionError, match="backend must be one of"):
        run_replications(draw_task, 3, seed=1, backend="spark")
    with pytest.raises(OptionError, match="explicit seed"):
        run_replications(draw_task, 3, seed=None)
    with pytest.raises(OptionError, match="chunk_size"):
        run_replications(draw_task, 3, seed=1, chunk_size=0)
    with pytest.raises(OptionError, match="n_jobs"):
        run_replications(draw_task, 3, seed=1, backend="joblib", n_jobs=0)


def test_dask_backend_without_a_client_says_how_to_start_one():
    """In a fresh process without a Dask client, backend='dask' explains how to start one."""
    code = (
        "import numpy as np\n"
        "from evaluation.errors import DataError\n"
        "from evaluation.planning import run_replications\n"
        "try:\n"
        "    run_replications(lambda rng, p: 0, 3, seed=1, backend='dask')\n"
        "except DataError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "no running Dask client" in out.stdout
