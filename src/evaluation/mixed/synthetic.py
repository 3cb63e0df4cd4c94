"""Synthetic mixed-methods tables with known truth, generated for a (synthetic) study.

:func:`synthetic_mixed_methods` adds to a study what a mixed-methods evaluation collects
besides measures and reports, each with the parameters it was generated from in ``truth``:

- **goal attainment**: every goal of an audit with annual reports is rated at the re-audit;
  its attained level is :math:`x = -2 + \\mathrm{Binomial}(4, p_0 + (p_1 - p_0)s)` with
  :math:`s` the implemented share of the goal's measures (latest report), so
  :math:`E[x \\mid s] = -2 + 4p_0 + 4(p_1-p_0)s`: the slope on the implemented share is
  :math:`4(p_1-p_0)`, and the correlation of :math:`x` and :math:`s` given the shares is known;
- **measure codes**: two coders code every measure in three dimensions; coder 1 draws from the
  dimension's category shares :math:`\\pi`, coder 2 copies coder 1 with probability
  :math:`p` and otherwise draws from :math:`\\pi` too, so both have the marginals :math:`\\pi`
  and the expected Cohen's kappa is exactly :math:`p`
  (:math:`P_o = p + (1-p)\\sum\\pi_k^2`, :math:`P_e = \\sum\\pi_k^2`);
- **a family survey** in two waves: strata = wave x group (audited, comparison), a simple
  random sample of municipalities per stratum, a fixed number of families per sampled
  municipality, weights = inverse inclusion probabilities. Each municipality's answer
  distribution is a Dirichlet draw around an ordered-logit mean that depends on its size
  (larger towns answer higher, so unweighted means are biased), group and wave; the
  population means (families of all municipalities of a stratum) are in ``truth``;
- **costs** of the measures: planned cost log-normal per action field, spent cost a share of
  it by status, staff hours; the mean cost of an implemented measure per field is known.

The names of coders and raters are invented and marked as personal data in the table spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from ..codes import ACTION_FIELD_CODES
from ..errors import OptionError
from ..study import Study
from . import LIKERT_SCALES, goal_implementation_shares, latest_status

#: Code lists of the coding dimensions of measure_codes.
CODE_LISTS: dict[str, tuple[str, ...]] = {
    "measure_type": ("infrastructure", "service", "network", "information", "participation"),
    "target_group": ("young_families", "children_youth", "working_parents", "seniors", "all"),
    "novelty": ("new", "continued"),
}
CODE_SHARES: dict[str, tuple[float, ...]] = {
    "measure_type": (0.25, 0.30, 0.20, 0.15, 0.10),
    "target_group": (0.30, 0.25, 0.20, 0.15, 0.10),
    "novelty": (0.65, 0.35),
}
COPY_PROBABILITY: dict[str, float] = {"measure_type": 0.8, "target_group": 0.6, "novelty": 0.9}
#: log-scale mean of the planned cost (EUR) per action field; sd 0.7 on the log scale
COST_LOG_MEAN: dict[str, float] = {
    "steering": 8.6,
    "work_family": 10.2,
    "education": 9.6,
    "counselling": 9.2,
    "living_environment": 10.6,
    "seniors_generations": 9.0,
}
COST_LOG_SD = 0.7
HOURS_LOG_MEAN, HOURS_LOG_SD = 4.0, 0.6
#: spent share of the planned cost by status: uniform on (low, high)
SPENT_SHARE: dict[str, tuple[float, float]] = {
    "planned": (0.0, 0.0),
    "in_progress": (0.2, 0.6),
    "partially_implemented": (0.5, 0.9),
    "implemented": (0.8, 1.2),
    "discontinued": (0.0, 0.3),
}
FUNDING = ("own_budget", "state_programme", "federal_programme", "foundation", "other")
SURVEY_ITEMS = pd.DataFrame(
    {
        "item": ["satisfaction", "childcare_access"],
        "scale": ["satisfied5", "agree5"],
        "label_de": [
            "Zufriedenheit mit der Familienfreundlichkeit der Kommune",
            "Ein Betreuungsplatz ist gut zu bekommen",
        ],
        "label_en": [
            "Satisfaction with the municipality's family friendliness",
            "A childcare place is easy to get",
        ],
    }
)
CUTPOINTS = np.array([-2.0, -0.8, 0.4, 1.6])
#: ordered-logit location: base + size slope * log10(families / 1000) + group/wave effects
LOCATION = {
    "satisfaction": {"base": 0.0, "size": 0.4, "audited": 0.2, "wave2": 0.1, "audited_wave2": 0.5},
    "childcare_access": {
        "base": -0.3,
        "size": 0.3,
        "audited": 0.1,
        "wave2": 0.2,
        "audited_wave2": 0.4,
    },
}
DIRICHLET_CONCENTRATION = 30.0


@dataclass(frozen=True)
class MixedTruth:
    """What the synthetic mixed-methods tables were generated from."""

    #: expected Cohen's kappa per coding dimension (= the copy probability)
    kappa: dict[str, float]
    #: slope of the expected attained level on the implemented share, 4 (p1 - p0)
    attainment_slope: float
    #: correlation of attained level and implemented share implied by the model, given the
    #: generated shares
    attainment_correlation: float
    #: population mean per wave, group (and "all") and item: survey_id, wave, group, item, mean
    survey_means: pd.DataFrame
    #: population shares per wave, group and item: ..., category, share
    survey_shares: pd.DataFrame
    #: mean cost of an implemented measure per action field and cost column
    cost_per_implemented: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MixedMethodsTables:
    """The synthetic tables (see :func:`synthetic_mixed_methods`) and their truth."""

    goals: pd.DataFrame
    measures: pd.DataFrame
    measure_codes: pd.DataFrame
    surveys: pd.DataFrame
    survey_responses: pd.DataFrame
    survey_items: pd.DataFrame
    truth: MixedTruth


def synthetic_mixed_methods(
    study,
    seed: int = 0,
    *,
    attainment_p: tuple[float, float] = (0.3, 0.7),
    copy_probability: dict[str, float] | None = None,
    municipalities_per_stratum: tuple[int, int] = (20, 40),
    families_per_municipality: int = 25,
) -> MixedMethodsTables:
    """Goal attainment, measure codes, a family survey and costs with known truth.

    Parameters
    ----------
    study
        A :class:`evaluation.Study`, e.g. ``evaluation.datasets.synthetic_study(seed=1)``.
    seed
        Seed of ``numpy.random.default_rng``.
    attainment_p
        (p0, p1): the binomial probability of the attained level at implemented share 0 and 1.
    copy_probability
        Per coding dimension, the probability that coder 2 copies coder 1 (the expected
        kappa); default :data:`COPY_PROBABILITY`.
    municipalities_per_stratum
        Sampled municipalities per wave in the audited and in the comparison stratum.
    families_per_municipality
        Families interviewed per sampled municipality.

    Returns
    -------
    MixedMethodsTables
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise OptionError(f"seed must be a non-negative integer, got {seed!r}")
    p0, p1 = attainment_p
    if not (0 <= p0 <= 1 and 0 <= p1 <= 1):
        raise OptionError(f"attainment_p must be two probabilities, got {attainment_p!r}")
    copy = dict(COPY_PROBABILITY if copy_probability is None else copy_probability)
    for d, p in copy.items():
        if d not in CODE_LISTS or not 0 <= p <= 1:
            raise OptionError(
                f"copy_probability: {d!r} must be one of {list(CODE_LISTS)} with p in [0, 1]"
            )
    rng = np.random.default_rng(seed)
    status = latest_status(study.measure_reports)
    goals, slope, corr = _goals(study, status, rng, p0, p1)
    codes = _codes(study, rng, copy)
    surveys, responses, means, shares = _survey(
        study, rng, municipalities_per_stratum, families_per_municipality
    )
    measures, cost_truth = _costs(study, status, rng)
    truth = MixedTruth(
        kappa={d: float(copy.get(d, COPY_PROBABILITY[d])) for d in CODE_LISTS},
        attainment_slope=slope,
        attainment_correlation=corr,
        survey_means=means,
        survey_shares=shares,
        cost_per_implemented=cost_truth,
        parameters={
            "seed": seed,
            "attainment_p": (p0, p1),
            "copy_probability": copy,
            "code_shares": CODE_SHARES,
            "cost_log_mean": COST_LOG_MEAN,
            "cost_log_sd": COST_LOG_SD,
            "spent_share": SPENT_SHARE,
            "municipalities_per_stratum": municipalities_per_stratum,
            "families_per_municipality": families_per_municipality,
            "location": LOCATION,
            "cutpoints": CUTPOINTS.tolist(),
            "dirichlet_concentration": DIRICHLET_CONCENTRATION,
        },
    )
    return MixedMethodsTables(
        goals=goals,
        measures=measures,
        measure_codes=codes,
        surveys=surveys,
        survey_responses=responses,
        survey_items=SURVEY_ITEMS.copy(),
        truth=truth,
    )


def add_mixed_methods(study: Study, seed: int = 0, **options: Any) -> Study:
    """The study with synthetic mixed-methods tables of known truth added.

    The goal-attainment columns of ``goals``, the cost columns of ``measures`` and the tables
    ``measure_codes``, ``surveys`` and ``survey_responses`` come from
    :func:`synthetic_mixed_methods` (same ``seed`` and ``options``); the truth they were
    generated from is ``mixed_truth`` of the returned study. The study given is not changed.

    Examples
    --------
    >>> import evaluation as ev
    >>> study = ev.add_mixed_methods(ev.datasets.synthetic_study(seed=1), seed=1)
    >>> len(study.measure_codes) > 0, study.mixed_truth.kappa["novelty"]
    (True, 0.9)
    """
    if not isinstance(study, Study):
        raise OptionError(f"study must be an evaluation.Study, got {type(study).__name__}")
    mm = synthetic_mixed_methods(study, seed, **options)
    out = Study(
        study.municipalities,
        study.audits,
        mm.goals,
        mm.measures,
        study.measure_reports,
        study.indicators,
        study.indicator_catalogue,
        measure_codes=mm.measure_codes,
        surveys=mm.surveys,
        # the group of a respondent's municipality is in municipalities
        survey_responses=mm.survey_responses.drop(columns=["group"]),
        truth=study.truth,
        source=study.source,
    )
    out.mixed_truth = mm.truth
    return out


def _goals(study, status, rng, p0, p1):
    goals = study.goals.copy()
    shares = goal_implementation_shares(study.measures, status)
    reported = set(status["measure_id"])
    has_report = (
        study.measures.assign(r=study.measures["measure_id"].astype(str).isin(reported))
        .groupby("goal_id")["r"]
        .any()
    )
    goals = goals.merge(shares, on="goal_id", how="left")
    rated = goals["goal_id"].map(has_report).fillna(False).to_numpy(dtype=bool).copy()
    s = goals["implemented_share"].to_numpy(dtype=float)
    rated &= ~np.isnan(s)
    p = p0 + (p1 - p0) * np.where(rated, s, 0.0)
    level = -2 + rng.binomial(4, p)
    goals["expected_level"] = pd.array(np.zeros(len(goals), dtype=np.int64), dtype="Int64")
    goals["attained_level"] = pd.array(np.where(rated, level, 0), dtype="Int64")
    goals.loc[~rated, "attained_level"] = pd.NA
    goals["weight"] = rng.integers(1, 4, len(goals)).astype(float)
    audits = study.audits.set_index("audit_id")
    end = goals["audit_id"].map(audits["implementation_end_date"])
    goals["rating_date"] = end.where(rated)
    goals["rater"] = pd.array(
        [f"Gutachter:in {k:02d}" for k in rng.integers(1, 13, len(goals))], dtype="string"
    )
    goals.loc[~rated, "rater"] = pd.NA
    goals = goals.drop(columns=["n_measures", "n_implemented", "implemented_share"])
    slope = 4 * (p1 - p0)
    sr = s[rated]
    pr = p0 + (p1 - p0) * sr
    var_s = sr.var()
    corr = float(slope * np.sqrt(var_s) / np.sqrt(slope**2 * var_s + (4 * pr * (1 - pr)).mean()))
    return goals, float(slope), corr


def _codes(study, rng, copy):
    ids = study.measures["measure_id"].astype(str).to_numpy()
    n = len(ids)
    frames = []
    for d, cats in CODE_LISTS.items():
        pi = np.asarray(CODE_SHARES[d])
        c1 = rng.choice(len(cats), n, p=pi)
        other = rng.choice(len(cats), n, p=pi)
        c2 = np.where(rng.random(n) < copy.get(d, COPY_PROBABILITY[d]), c1, other)
        cats = np.asarray(cats)
        for coder, c in (("Codiererin A", c1), ("Codierer B", c2)):
            frames.append(
                pd.DataFrame({"measure_id": ids, "coder": coder, "dimension": d, "code": cats[c]})
            )
    out = pd.concat(frames, ignore_index=True)
    return out.astype("string")


def _category_probs(location: np.ndarray) -> np.ndarray:
    cum = expit(CUTPOINTS[None, :] - location[:, None])
    cum = np.column_stack([np.zeros(len(location)), cum, np.ones(len(location))])
    return np.diff(cum, axis=1)


def _survey(study, rng, per_stratum, per_municipality):
    mun = study.municipalities[["municipality_id", "group", "population"]].copy()
    mun["municipality_id"] = mun["municipality_id"].astype(str)
    mun["group"] = mun["group"].astype(str)
    families = np.maximum(50, np.round(mun["population"].to_numpy(dtype=float) * 0.1)).astype(
        np.int64
    )
    mun["families"] = families
    size = np.log10(families / 1000.0)
    waves = [
        (1, "families-2012", "2012-05-01", "2012-06-30"),
        (2, "families-2023", "2023-05-01", "2023-06-30"),
    ]
    surveys = pd.DataFrame(
        {
            "survey_id": [w[1] for w in waves],
            "audit_id": pd.array([pd.NA, pd.NA], dtype="string"),
            "wave": [1, 2],
            "start_date": pd.to_datetime([w[2] for w in waves]),
            "end_date": pd.to_datetime([w[3] for w in waves]),
            "population": "families",
            "title": ["Familienbefragung 2012", "Familienbefragung 2023"],
        }
    )
    audited = (mun["group"] == "audited").to_numpy()
    rows, mean_rows, share_rows = [], [], []
    for wave, sid, _, _ in waves:
        probs = {}
        for item, loc in LOCATION.items():
            a = (
                loc["base"]
                + loc["size"] * size
                + loc["audited"] * audited
                + (loc["wave2"] + loc["audited_wave2"] * audited) * (wave == 2)
            )
            pi = _category_probs(a)
            p = np.vstack([rng.dirichlet(DIRICHLET_CONCENTRATION * row) for row in pi])
            probs[item] = p
            for g, sel in (("audited", audited), ("comparison", ~audited), ("all", None)):
                m = np.ones(len(mun), dtype=bool) if sel is None else sel
                wts = families[m] / families[m].sum()
                share = wts @ p[m]
                mean_rows.append((sid, wave, g, item, float(share @ np.arange(1, 6))))
                for k in range(5):
                    share_rows.append((sid, wave, g, item, k + 1, float(share[k])))
        for g, n_h in (("audited", per_stratum[0]), ("comparison", per_stratum[1])):
            pool = np.flatnonzero((mun["group"] == g).to_numpy())
            m_h = min(n_h, len(pool))
            chosen = rng.choice(pool, m_h, replace=False)
            for j in chosen:
                r = min(per_municipality, int(families[j]))
                weight = (len(pool) / m_h) * (families[j] / r)
                answers = {item: rng.choice(5, r, p=probs[item][j]) + 1 for item in LOCATION}
                for i in range(r):
                    rid = f"{sid}-{mun['municipality_id'].iloc[j]}-{i + 1:03d}"
                    for item in LOCATION:
                        rows.append(
                            (
                                sid,
                                rid,
                                mun["municipality_id"].iloc[j],
                                g,
                                f"{wave}-{g}",
                                mun["municipality_id"].iloc[j],
                                weight,
                                float(len(pool)),
                                item,
                                float(answers[item][i]),
                            )
                        )
    resp = pd.DataFrame(
        rows,
        columns=[
            "survey_id",
            "respondent_id",
            "municipality_id",
            "group",
            "stratum",
            "cluster",
            "weight",
            "fpc",
            "item",
            "response",
        ],
    )
    # item nonresponse, completely at random: 4 % of the childcare answers
    miss = (resp["item"] == "childcare_access").to_numpy() & (rng.random(len(resp)) < 0.04)
    resp.loc[miss, "response"] = np.nan
    scale = dict(zip(SURVEY_ITEMS["item"], SURVEY_ITEMS["scale"], strict=True))
    resp["response_label"] = pd.array(
        [
            pd.NA if np.isnan(v) else LIKERT_SCALES[scale[it]][int(v)].de
            for it, v in zip(resp["item"], resp["response"], strict=True)
        ],
        dtype="string",
    )
    for c in (
        "survey_id",
        "respondent_id",
        "municipality_id",
        "group",
        "stratum",
        "cluster",
        "item",
    ):
        resp[c] = resp[c].astype("string")
    means = pd.DataFrame(mean_rows, columns=["survey_id", "wave", "group", "item", "mean"])
    shares = pd.DataFrame(
        share_rows, columns=["survey_id", "wave", "group", "item", "category", "share"]
    )
    return surveys, resp, means, shares


def _costs(study, status, rng):
    m = study.measures.copy()
    fields = (
        m[["goal_id"]]
        .merge(study.goals[["goal_id", "action_field"]], on="goal_id", how="left")["action_field"]
        .astype(str)
        .to_numpy()
    )
    st = m["measure_id"].astype(str).map(status.set_index("measure_id")["status"]).fillna("planned")
    n = len(m)
    mu = np.array([COST_LOG_MEAN.get(f, 9.5) for f in fields])
    planned = np.round(np.exp(mu + COST_LOG_SD * rng.standard_normal(n)), 2)
    lo = st.map(lambda s: SPENT_SHARE[s][0]).to_numpy(dtype=float)
    hi = st.map(lambda s: SPENT_SHARE[s][1]).to_numpy(dtype=float)
    share = lo + (hi - lo) * rng.random(n)
    spent = np.round(planned * share, 2)
    spent[rng.random(n) < 0.05] = np.nan
    hours = np.round(
        np.exp(HOURS_LOG_MEAN + HOURS_LOG_SD * rng.standard_normal(n))
        * np.where(share > 0, share, 0.1),
        1,
    )
    m["cost_planned_eur"] = planned
    m["cost_spent_eur"] = spent
    m["staff_hours"] = hours
    m["funding_source"] = pd.array(
        rng.choice(FUNDING, n, p=[0.5, 0.2, 0.1, 0.1, 0.1]), dtype="string"
    )
    mean_planned = {
        f: float(np.exp(COST_LOG_MEAN[f] + COST_LOG_SD**2 / 2)) for f in ACTION_FIELD_CODES
    }
    # spent share of an implemented measure is uniform on (0.8, 1.2): mean 1.0
    lo_i, hi_i = SPENT_SHARE["implemented"]
    truth = pd.DataFrame(
        [(f, "cost_planned_eur", mean_planned[f]) for f in ACTION_FIELD_CODES]
        + [(f, "cost_spent_eur", mean_planned[f] * (lo_i + hi_i) / 2) for f in ACTION_FIELD_CODES],
        columns=["action_field", "cost", "mean"],
    )
    return m, truth
