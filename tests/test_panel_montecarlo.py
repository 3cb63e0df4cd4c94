"""Monte Carlo checks of interval coverage on the synthetic study (slow), run with the package's
seeded simulation runner (:func:`evaluation.simulate`)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import evaluation as ev
from evaluation.datasets import synthetic_study

pytestmark = pytest.mark.usefixtures("frozen_results")

EFFECT = 0.8  # the constant effect of the synthetic study on births per 1,000 women


def demo_panel(rng, indicator, effect=None):
    """One independent demo study with a constant effect (``effect`` is the truth the runner
    compares with, fixed by the synthetic study), its seed drawn from ``rng``."""
    s = synthetic_study(seed=int(rng.integers(2**31)), effects="constant")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        p = s.panel(indicator)
    p.attrs["band_seed"] = int(rng.integers(2**31))
    return p


def twfe_fit(p):
    return ev.twfe(p)


def band_fit(p):
    """The event study's 95 % simultaneous band covers the whole true path (0 before onset,
    the effect from onset on): 1 or 0."""
    es = ev.event_study(p, leads=4, lags=4, seed=p.attrs["band_seed"]).tidy()
    truth = np.where(es["event_time"] >= 0, EFFECT, 0.0)
    covers = bool(((es["band_low"] <= truth) & (truth <= es["band_high"])).all())
    return {"estimate": float(es.loc[es["event_time"] == 0, "estimate"].iloc[0]), "covers": covers}


def ri_fit(p):
    r = ev.randomization_inference(p, n_draws=99, seed=0).tidy().iloc[0]
    return {"estimate": r["estimate"], "p_value": r["ri_p_value"]}


@pytest.mark.slow
def test_coverage_of_twfe_intervals_and_event_study_bands():
    """Over 40 independent demo studies with a constant effect (0.8 births per 1,000 women),
    the 95 % TWFE interval and the 95 % simultaneous event-study band should cover the truth
    in about 95 % of studies; with 40 studies, coverage below 85 % would be very unlikely
    (binomial probability < 1 %) if the nominal level held. On 10 further studies the
    randomisation p-values of a placebo outcome (true effect 0) are rarely small."""
    res = ev.simulate(
        {"effect": [EFFECT], "indicator": ["births_per_1000_women"]},
        demo_panel,
        {"twfe": twfe_fit, "band": band_fit},
        n_sims=40,
        seed=20240601,
    )
    assert res.tidy()["n_failed"].eq(0).all()
    assert res.value("coverage", "twfe") >= 0.85
    assert res.value("mean_covers", "band") >= 0.85
    placebo = ev.simulate(
        {"indicator": ["share_65plus"]},
        demo_panel,
        {"ri": ri_fit},
        n_sims=10,
        seed=20240602,
        truth=None,
    )
    assert placebo.value("rejection", "ri") * 10 <= 3
