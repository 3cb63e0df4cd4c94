"""Survey responses as repeated cross-sections for att_gt(panel=False)."""

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataError


@pytest.fixture(scope="module")
def study():
    return ev.add_mixed_methods(ev.datasets.synthetic_study(seed=1), seed=1)


def test_cohorts_are_the_first_wave_at_or_after_the_onset(study):
    frame = ev.survey_cross_sections(study, "satisfaction")
    waves = sorted(pd.to_datetime(study.surveys["start_date"]).dt.year.unique())
    onsets = study.onsets().set_index("municipality_id")["cohort"]
    group = study.municipalities.set_index("municipality_id")["group"]
    for mid, c in frame.groupby("municipality_id")["cohort"].first().items():
        if group[mid] != "audited":
            assert c == 0
            continue
        later = [w for w in waves if w >= onsets[mid]]
        assert c == (later[0] if later else 0), mid
    assert "respondent_id" not in frame.columns  # personal data stay out
    n = (
        study.survey_responses["item"].eq("satisfaction")
        & study.survey_responses["response"].notna()
    )
    assert len(frame) == int(n.sum())


def test_the_rc_did_of_two_waves_is_the_weighted_difference_of_the_four_means(study):
    frame = ev.survey_cross_sections(study, "satisfaction")
    res = ev.att_gt(
        frame,
        "response",
        unit="municipality_id",
        time="year",
        cohort="cohort",
        weights="weight",
        panel=False,
        method="reg",
    )
    cell = res.tidy().query("cohort == 2023 and time == 2023").iloc[0]

    def wmean(mask):
        return np.average(frame.loc[mask, "response"], weights=frame.loc[mask, "weight"])

    t, c = frame["cohort"] == 2023, frame["cohort"] == 0
    pre, post = frame["year"] == 2012, frame["year"] == 2023
    hand = (wmean(t & post) - wmean(t & pre)) - (wmean(c & post) - wmean(c & pre))
    assert cell["estimate"] == pytest.approx(hand, abs=1e-10)


def test_an_unknown_item_names_the_items(study):
    with pytest.raises(DataError, match=r"no response to item 'nope'.*satisfaction"):
        ev.survey_cross_sections(study, "nope")


def test_a_study_without_surveys_says_so():
    with pytest.raises(DataError, match="no survey data"):
        ev.survey_cross_sections(ev.datasets.synthetic_study(seed=2), "satisfaction")
