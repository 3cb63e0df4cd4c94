"""Every number of draws has a documented upper limit, and draws that would not fit in memory
are refused before anything is allocated (a OptionError that names the option, the estimate
and what to do)."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import OptionError
from evaluation.results import MAX_DRAWS, check_draw_memory


def _panel(n: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice([0, 2013, 2015], size=n)
    t = np.tile(np.arange(2010, 2018), n)
    u = np.repeat(np.arange(n), 8)
    gg = np.repeat(g, 8)
    y = rng.normal(size=len(u)) + ((gg > 0) & (t >= gg))
    return pd.DataFrame({"u": u, "t": t, "g": gg, "y": y})


ROLES = dict(unit="u", time="t", cohort="g")


@pytest.fixture(scope="module")
def study():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ev.datasets.synthetic_study(seed=1, n_audited=20, n_comparison=20)


CALLS = {
    "att_gt bootstrap": lambda n, s: ev.att_gt(_panel(), "y", **ROLES, bootstrap=n),
    "randomization_inference n_draws": lambda n, s: ev.randomization_inference(
        _panel(), "y", **ROLES, n_draws=n
    ),
    "event_study n_sim": lambda n, s: ev.event_study(_panel(), "y", **ROLES, n_sim=n),
    "implementation_rates n_boot": lambda n, s: ev.implementation_rates(s, n_boot=n),
    "field_differences n_sim": lambda n, s: ev.field_differences(s, n_sim=n, method="simulated"),
}


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("n", [10**9, MAX_DRAWS + 1, 2.5, True])
def test_draws_beyond_the_limit_are_refused_before_allocating(call, n, study):
    """Before: 1e9 draws were accepted and then allocated (or ran for hours)."""
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(OptionError, match="draws|n_sim|n_boot|bootstrap"):
                CALLS[call](n, study)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 * 1024**2  # nothing near the size of the draws was allocated


def test_memory_estimate_refuses_huge_bootstraps_within_the_count_limit():
    # 1,000,000 draws for 5,000 clusters: 20 GB of Mammen indicators
    with pytest.raises(OptionError, match=r"about 18\.\d GiB.*fewer draws"):
        check_draw_memory(1_000_000 * 5_000 * 4.0, "the bootstrap", "use fewer draws")
    rng = np.random.default_rng(1)
    n, T = 3000, 3
    df = pd.DataFrame(
        {"u": np.repeat(np.arange(n), T), "t": np.tile([1, 2, 3], n),
         "g": np.repeat(rng.choice([0, 3], size=n), T), "y": rng.normal(size=n * T)}
    )  # fmt: skip
    with pytest.raises(OptionError, match="multiplier bootstrap with 1,000,000 draws for 3,000"):
        ev.att_gt(df, "y", **ROLES, bootstrap=1_000_000)


def test_draws_within_the_limits_still_work(study):
    res = ev.att_gt(_panel(), "y", **ROLES, bootstrap=99, seed=1)
    assert "band_low" in res.tidy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(ev.implementation_rates(study, n_boot=100).tidy()) == 6
