"""Monte Carlo checks of interval coverage on the synthetic study (slow)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import evaluation as ev
from evaluation.datasets import synthetic_study


@pytest.mark.slow
def test_coverage_of_twfe_intervals_and_event_study_bands():
    """Over 40 independent demo studies with a constant effect (0.8 births per 1,000 women),
    the 95 % TWFE interval and the 95 % simultaneous event-study band should cover the truth
    in about 95 % of studies; with 40 studies, coverage below 85 % would be very unlikely
    (binomial probability < 1 %) if the nominal level held."""
    hits_twfe, hits_band, ri_small = [], [], []
    for seed in range(40):
        s = synthetic_study(seed=seed, effects="constant")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            p = s.panel("births_per_1000_women")
        t = ev.twfe(p).tidy().iloc[0]
        hits_twfe.append(t["ci_low"] <= 0.8 <= t["ci_high"])
        es = ev.event_study(p, leads=4, lags=4, seed=seed).tidy()
        truth = np.where(es["rel_time"] >= 0, 0.8, 0.0)
        hits_band.append(bool(((es["band_low"] <= truth) & (truth <= es["band_high"])).all()))
        if seed < 10:
            # placebo outcome: randomisation p-values of a true zero effect are not small
            r = (
                ev.randomization_inference(s.panel("share_65plus"), n_draws=99, seed=seed)
                .tidy()["ri_p_value"]
                .iloc[0]
            )
            ri_small.append(r < 0.05)
    assert np.mean(hits_twfe) >= 0.85
    assert np.mean(hits_band) >= 0.85
    assert sum(ri_small) <= 3
