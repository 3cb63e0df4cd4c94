"""The synthetic demo study: realistic, deterministic for a seed, with the true effects attached.

Municipalities get clearly synthetic names (``Synthgemeinde 017``) and codes that are valid in
form but belong to no real unit: their district numbers are 96-99, which no German district has
used in the Destatis directory from 1983 to 2024.

What is simulated (all parameters below are recorded in ``study.truth.parameters``):

- units: Gemeinden, kreisfreie Städte and Kreise in the 13 area states, with population, area,
  urbanisation and the share of residents under 18;
- selection into the audit on pre-audit characteristics: larger and more urban units join more
  often, so audited and comparison units differ in levels (and, for ``childcare_u3``, in trends);
- first audits certified in staggered cohorts 2010-2021; about half of the audits whose
  implementation phase has ended are followed by a re-audit about four years after the first
  start (the latest still in progress); the late cohorts serve as not-yet-treated controls for
  the early ones;
- 10-45 measures per audit over the six action fields, with field-specific probabilities and
  speeds of implementation, a municipality random effect (so measures of one municipality are
  correlated), three annual reports after certification;
- five indicators 2006-2024 with unit and year effects, trends, noise and 2 % missing values;
  treatment effects start in the certification year, grow with time since certification, differ
  between cohorts (``effects="heterogeneous"``) and are exactly zero for ``share_65plus``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from ..codes import ACTION_FIELD_CODES
from ..errors import OptionError
from ..options import EffectShape, check_option, choices
from .model import Study

EFFECT_SHAPES: tuple[str, ...] = choices(EffectShape)

AREA_STATES = ("01", "03", "05", "06", "07", "08", "09", "10", "12", "13", "14", "15", "16")
STATE_WEIGHTS = np.array([4, 8, 14, 10, 6, 9, 10, 2, 5, 3, 6, 4, 9], dtype=float)
SYNTHETIC_DISTRICT_NUMBERS = ("96", "97", "98", "99")

#: Marginal probability target (before the municipality random effect) per action field.
FIELD_LOGIT_CENTRE = {
    "steering": 0.95,
    "work_family": 0.55,
    "education": 0.40,
    "counselling": 0.75,
    "living_environment": -0.10,
    "seniors_generations": 0.20,
}
#: Probability that an eventually implemented measure is implemented by report 1, 2, 3.
FIELD_SPEED = {
    "steering": (0.45, 0.35, 0.20),
    "work_family": (0.30, 0.40, 0.30),
    "education": (0.25, 0.40, 0.35),
    "counselling": (0.40, 0.35, 0.25),
    "living_environment": (0.15, 0.35, 0.50),
    "seniors_generations": (0.30, 0.35, 0.35),
}
FIELD_SHARE = np.array([0.19, 0.21, 0.17, 0.15, 0.15, 0.13])
RANDOM_EFFECT_SD = 0.6
#: which indicators have parallel trends only conditional on covariates
PARALLEL_TRENDS = {"childcare_u3": "conditional"} | {
    c: "unconditional"
    for c in ("births_per_1000_women", "family_net_migration", "sgb2_children", "share_65plus")
}


def _measure_titles() -> dict[str, tuple[str, ...]]:
    """The measure titles of each action field (``data/synthetic_measure_titles.csv``)."""
    text = resources.files(__package__).joinpath("data", "synthetic_measure_titles.csv")
    out: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(text.read_text(encoding="utf-8"), newline="")):
        out.setdefault(row["action_field"], []).append(row["title"])
    return {k: tuple(v) for k, v in out.items()}


#: the titles the synthetic measures get, per action field, in their order
MEASURE_TITLES = _measure_titles()
RESPONSIBLE = (
    "Jugendamt",
    "Sozialamt",
    "Schulverwaltungsamt",
    "Stabsstelle Familie",
    "Familienbüro",
    "Seniorenbeirat",
    "Wirtschaftsförderung",
    "Stadtplanungsamt",
)


def _indicator_catalogue() -> pd.DataFrame:
    """The indicator catalogue of the synthetic study (``data/synthetic_indicator_catalogue.csv``):
    labels, unit, direction, aggregation and the impact logic (linked action field, expected
    direction and lag; the placebo ``share_65plus`` is a context indicator without a field)."""
    text = resources.files(__package__).joinpath("data", "synthetic_indicator_catalogue.csv")
    df = pd.read_csv(io.StringIO(text.read_text(encoding="utf-8")), dtype=str)
    better = {"True": True, "False": False}
    df["higher_is_better"] = [better.get(v) for v in df["higher_is_better"]]
    logic = ["action_field", "expected_direction"]
    return df.astype(dict.fromkeys(logic, "string") | {"expected_lag": "Int64"})


INDICATOR_CATALOGUE = _indicator_catalogue()


@dataclass(frozen=True)
class Truth:
    """What the synthetic study was generated from, for checking estimators."""

    implementation_probability: pd.DataFrame
    effects: pd.DataFrame
    parallel_trends: dict[str, str]
    parameters: dict[str, Any] = field(default_factory=dict)
    #: unit-level true effects (municipality_id, year, indicator, effect) of the indicator whose
    #: effect depends on the dose or on exits (empty unless ``dose_response``/``exits`` is set)
    unit_effects: pd.DataFrame | None = None
    #: dose per audited unit: share of the linked field's measures implemented at the end of
    #: the first phase (municipality_id, dose); None unless ``dose_response`` is set
    dose: pd.DataFrame | None = None
    #: the dose-response: {"indicator", "field", "slope", "form"}: effect = slope * dose while
    #: certified; empty unless ``dose_response`` is set
    dose_response: dict[str, Any] = field(default_factory=dict)
    #: the exit path: {"indicator", "decay"}: in the k-th year after the certificate lapsed
    #: (k = 0 in the exit year) the effect is decay ** (k + 1) times the effect while certified
    exit_path: dict[str, Any] = field(default_factory=dict)

    def dose_curve(self, doses) -> np.ndarray:
        """True ATT(d) at the given doses (the dose-response of ``dose_response``)."""
        if not self.dose_response:
            raise ValueError("this study has no dose-response (generate it with dose_response=)")
        return self.dose_response["slope"] * np.asarray(doses, dtype=float)

    def att_gt(self, indicator: str) -> pd.DataFrame:
        """True ATT(g,t) of one indicator: cohort, year, event_time (years since onset;
        ``rel_time`` is the same column under its deprecated name), effect."""
        e = self.effects
        if indicator not in set(e["indicator"]):
            raise ValueError(f"no true effects for indicator {indicator!r}")
        return e[e["indicator"] == indicator].drop(columns="indicator").reset_index(drop=True)


def _effect(indicator: str, shape: str, cohort: np.ndarray, rel: np.ndarray) -> np.ndarray:
    """True effect of a cohort at event time ``rel`` (0 before onset)."""
    e = rel.astype(float)
    on = e >= 0
    cohort_factor = 1.0 + 0.1 * (2021 - cohort.astype(float))
    if indicator == "share_65plus":
        return np.zeros_like(e)
    slope, cap, constant = {
        "childcare_u3": (0.9, 4, 2.0),
        "births_per_1000_women": (0.35, 3, 0.8),
        "family_net_migration": (0.4, 3, 1.0),
        "sgb2_children": (-0.3, 4, -0.8),
    }[indicator]
    if shape == "constant":
        out = np.full_like(e, constant)
    else:
        out = slope * np.minimum(e + 1, cap)
        if shape == "heterogeneous":
            out = out * cohort_factor
    return np.where(on, out, 0.0)


def _marginal_probability(centre: float, sd: float) -> float:
    """E[expit(centre + u)], u ~ N(0, sd^2), by Gauss-Hermite quadrature."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    return float(np.sum(weights * expit(centre + sd * nodes)) / np.sqrt(2 * np.pi))


def synthetic_study(
    seed: int = 0,
    n_audited: int = 60,
    n_comparison: int = 400,
    *,
    effects: EffectShape = "heterogeneous",
    first_year: int = 2006,
    last_year: int = 2024,
    missing_share: float = 0.02,
    dose_response: float | None = None,
    exits: bool = False,
    exit_decay: float = 0.5,
    linked_indicator: str = "childcare_u3",
) -> Study:
    """Generate the synthetic demo study (deterministic for ``seed``).

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng``; the same seed gives byte-identical files.
    n_audited, n_comparison
        Numbers of audited and comparison units.
    effects
        ``"heterogeneous"`` (default): effects grow with time since certification and are larger
        for earlier cohorts; ``"homogeneous"``: they grow with time, equally for all cohorts;
        ``"constant"``: one jump at certification, the same for all cohorts and years.
    first_year, last_year
        Years of the indicator panel (the audits are certified 2010-2021, so the range must
        contain 2009-2022).
    missing_share
        Share of indicator values removed at random (an unbalanced panel).
    dose_response
        If given, the ``childcare_u3`` effect is ``dose_response * dose`` in every year from
        certification on, where the dose is the unit's share of ``work_family`` measures
        implemented at the end of its first phase (a known linear dose-response; recorded in
        ``truth.dose``, ``truth.dose_response`` and ``truth.unit_effects``).
    exits
        If True, the ``childcare_u3`` effect fades once the certificate lapses (the rule of
        :mod:`evaluation.exposure`): ``exit_decay ** (k + 1)`` times the effect while certified
        in the k-th year after the exit (``truth.exit_path``). Leaving both at their defaults
        gives exactly the demo study of earlier versions (the random draws do not change).
    linked_indicator
        The indicator whose effect follows ``dose_response``/``exits`` (its action field is
        ``work_family``, also in the catalogue of the generated study). ``childcare_u3`` has parallel trends only conditional on size and
        urbanisation; an indicator with unconditional parallel trends (e.g. ``sgb2_children``)
        lets estimators without covariates recover the truth.
    """
    _check_options(
        seed, n_audited, n_comparison, effects, first_year, last_year, missing_share,
        dose_response, exit_decay, linked_indicator,
    )  # fmt: skip
    rng = np.random.default_rng(seed)

    units = _units(rng, n_audited + n_comparison)
    units, cohorts = _select_audited(rng, units, n_audited)
    audits = _audits(rng, units, cohorts, last_year)
    goals, measures, reports, impl_truth = _measures(rng, audits, units, last_year)
    years = np.arange(first_year, last_year + 1)
    override, dose_frame = None, None
    if dose_response is not None or exits:
        override, dose_frame = _linked_effect(
            units,
            cohorts,
            audits,
            goals,
            measures,
            reports,
            effects,
            years,
            dose_response,
            exits,
            exit_decay,
            linked_indicator,
        )
    indicators, effects_truth = _indicators(
        rng,
        units,
        cohorts,
        effects,
        first_year,
        last_year,
        missing_share,
        override,
        linked_indicator,
    )
    municipalities = units.drop(columns=["random_effect"])
    truth = Truth(
        implementation_probability=impl_truth,
        effects=effects_truth,
        parallel_trends=dict(PARALLEL_TRENDS),
        parameters={
            "seed": seed,
            "n_audited": n_audited,
            "n_comparison": n_comparison,
            "effects": effects,
            "first_year": first_year,
            "last_year": last_year,
            "missing_share": missing_share,
            "onset": "certification",
            "random_effect_sd": RANDOM_EFFECT_SD,
        },
        unit_effects=None
        if override is None
        else _unit_effect_frame(units, years, override, linked_indicator),
        dose=dose_frame,
        dose_response={}
        if dose_response is None
        else {
            "indicator": linked_indicator,
            "field": LINKED[1],
            "slope": float(dose_response),
            "form": "linear",
        },
        exit_path={} if not exits else {"indicator": linked_indicator, "decay": float(exit_decay)},
    )
    return Study(
        municipalities=municipalities,
        audits=audits,
        goals=goals,
        measures=measures,
        measure_reports=reports,
        indicators=indicators,
        indicator_catalogue=_catalogue(linked_indicator if override is not None else None),
        truth=truth,
    )


def _catalogue(linked: str | None) -> pd.DataFrame:
    """The indicator catalogue; the indicator whose effect follows the dose is linked to the
    dose's action field (``work_family``), so that the catalogue states the true impact
    logic."""
    cat = INDICATOR_CATALOGUE.copy()
    if linked is not None:
        cat.loc[cat["indicator"] == linked, "action_field"] = LINKED[1]
        if pd.isna(cat.loc[cat["indicator"] == linked, "expected_lag"]).all():
            cat.loc[cat["indicator"] == linked, "expected_lag"] = 0
    return cat


def _check_options(
    seed, n_audited, n_comparison, effects, first_year, last_year, missing_share,
    dose_response, exit_decay, linked_indicator,
) -> None:  # fmt: skip
    """The options of :func:`synthetic_study`, or an :class:`OptionError` naming the wrong one."""
    check_option("effects", effects, EffectShape)
    if not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    if n_audited < 1 or n_comparison < 1:
        raise OptionError("n_audited and n_comparison must be at least 1")
    if first_year > 2009 or last_year < 2022:
        raise OptionError("the years must cover 2009-2022 (cohorts are certified 2010-2021)")
    if not 0 <= missing_share < 0.5:
        raise OptionError("missing_share must be in [0, 0.5)")
    if dose_response is not None and not isinstance(dose_response, int | float):
        raise TypeError(f"dose_response must be a number or None, got {dose_response!r}")
    if linked_indicator not in set(INDICATOR_CATALOGUE["indicator"]):
        raise OptionError(
            f"linked_indicator must be one of {list(INDICATOR_CATALOGUE['indicator'])}, "
            f"got {linked_indicator!r}"
        )
    if not 0 <= exit_decay < 1:
        raise OptionError(f"exit_decay must be in [0, 1), got {exit_decay!r}")


def _units(rng: np.random.Generator, n: int) -> pd.DataFrame:
    level = rng.choice(["gemeinde", "kreisfreie_stadt", "kreis"], size=n, p=[0.78, 0.07, 0.15])
    state = rng.choice(AREA_STATES, size=n, p=STATE_WEIGHTS / STATE_WEIGHTS.sum())
    ids = np.empty(n, dtype=object)
    names = np.empty(n, dtype=object)
    counters = {"gemeinde": 0, "kreisfreie_stadt": 0, "kreis": 0}
    prefix = {"gemeinde": "Synthgemeinde", "kreisfreie_stadt": "Synthstadt", "kreis": "Synthkreis"}
    for s in AREA_STATES:
        districts = [f"{s}{r}{k}" for r in range(10) for k in SYNTHETIC_DISTRICT_NUMBERS]
        districts = list(rng.permutation(districts))
        idx = np.flatnonzero(state == s)
        five = [i for i in idx if level[i] != "gemeinde"]
        if len(five) > len(districts) - 4:
            raise OptionError("too many districts for the synthetic code space of one state")
        for i, code in zip(five, districts, strict=False):
            ids[i] = code
        free = [d for d in districts[len(five) :] if True]
        next_gem: dict[str, int] = {}
        for i in idx:
            if level[i] == "gemeinde":
                d = free[int(rng.integers(len(free)))]
                next_gem[d] = next_gem.get(d, 0) + 1
                ids[i] = f"{d}{next_gem[d]:03d}"
    order = np.argsort(ids.astype(str), kind="stable")
    level, state, ids = level[order], state[order], ids[order]
    for row in range(n):
        counters[level[row]] += 1
        names[row] = f"{prefix[level[row]]} {counters[level[row]]:03d}"
    log_pop_mean = np.select(
        [level == "gemeinde", level == "kreisfreie_stadt"], [9.0, 11.9], default=12.2
    )
    log_pop_sd = np.select([level == "gemeinde"], [1.0], default=0.45)
    population = np.round(np.exp(rng.normal(log_pop_mean, log_pop_sd))).astype(np.int64)
    log_area_mean = np.select(
        [level == "gemeinde", level == "kreisfreie_stadt"], [3.9, 4.9], default=6.9
    )
    area = np.round(np.exp(rng.normal(log_area_mean, 0.5)), 2)
    density = population / area
    urbanisation = np.select([density > 500, density > 150], [1, 2], default=3)
    share_u18 = np.round(rng.normal(16.5, 1.5, n) - 0.5 * (urbanisation == 1), 2)
    return pd.DataFrame(
        {
            "municipality_id": ids.astype(str),
            "name": names.astype(str),
            "level": level.astype(str),
            "state": state.astype(str),
            "group": "comparison",
            "population": population,
            "area_km2": area,
            "urbanisation": urbanisation.astype(np.int64),
            "share_under_18": share_u18,
            "random_effect": rng.normal(0.0, RANDOM_EFFECT_SD, n),
        }
    )


def _select_audited(
    rng: np.random.Generator, units: pd.DataFrame, n_audited: int
) -> tuple[pd.DataFrame, pd.Series]:
    """Self-selection on observables (Gumbel top-k sampling), then certification cohorts."""
    logpop = np.log(units["population"].to_numpy(dtype=float))
    z = (logpop - logpop.mean()) / logpop.std()
    score = 0.9 * z + 0.6 * (units["urbanisation"].to_numpy() == 1)
    chosen = np.argsort(-(score + rng.gumbel(size=len(units))), kind="stable")[:n_audited]
    units = units.copy()
    units.loc[units.index[chosen], "group"] = "audited"
    years = np.arange(2010, 2022)
    weights = np.linspace(1.0, 1.6, len(years))
    cohort = np.zeros(len(units), dtype=np.int64)
    draws = rng.choice(years, size=n_audited, p=weights / weights.sum())
    # every cohort year appears at least once when there are enough audited units
    if n_audited >= len(years):
        draws[: len(years)] = years
        draws = rng.permutation(draws)
    cohort[np.sort(chosen)] = draws
    return units, pd.Series(cohort, index=units.index, name="cohort")


def _date(rng: np.random.Generator, year: np.ndarray) -> np.ndarray:
    month = rng.integers(1, 13, size=len(year))
    day = rng.integers(1, 29, size=len(year))
    return pd.to_datetime({"year": year, "month": month, "day": day}, errors="raise").to_numpy()


def _audits(
    rng: np.random.Generator, units: pd.DataFrame, cohorts: pd.Series, last_year: int
) -> pd.DataFrame:
    audited = units[cohorts > 0]
    g = cohorts[cohorts > 0].to_numpy()
    cert = _date(rng, g)
    start = cert - pd.to_timedelta(rng.integers(300, 480, len(g)), unit="D").to_numpy()
    agree = start + (cert - start) * rng.uniform(0.55, 0.85, len(g))
    agree = pd.Series(agree).dt.normalize().to_numpy()
    agree_missing = rng.random(len(g)) < 0.1
    end = (pd.Series(cert) + pd.DateOffset(years=3)).to_numpy()
    first = pd.DataFrame(
        {
            "audit_id": audited["municipality_id"].to_numpy() + "-1",
            "municipality_id": audited["municipality_id"].to_numpy(),
            "cycle": 1,
            "start_date": start,
            "agreement_date": np.where(agree_missing, np.datetime64("NaT"), agree),
            "certification_date": cert,
            "implementation_end_date": end,
        }
    )
    # re-audits: about half of those whose first phase ended by the last year; those that
    # start late are still in progress (no certificate yet) at the end of the data
    eligible = (pd.Series(end).dt.year <= last_year).to_numpy() & (rng.random(len(g)) < 0.5)
    re = first[eligible].copy()
    re_start = (
        pd.Series(re["implementation_end_date"].to_numpy())
        - pd.to_timedelta(rng.integers(30, 150, len(re)), unit="D")
    ).to_numpy()
    re_cert = re_start + pd.to_timedelta(rng.integers(300, 420, len(re)), unit="D").to_numpy()
    re_agree = pd.Series(re_start + (re_cert - re_start) * 0.7).dt.normalize().to_numpy()
    certified = pd.Series(re_cert).dt.year.to_numpy() <= last_year
    re = re.assign(
        audit_id=re["municipality_id"] + "-2",
        cycle=2,
        start_date=re_start,
        agreement_date=np.where(
            pd.Series(re_agree).dt.year.to_numpy() <= last_year, re_agree, np.datetime64("NaT")
        ),
        certification_date=np.where(certified, re_cert, np.datetime64("NaT")),
        implementation_end_date=np.where(
            certified,
            (pd.Series(re_cert) + pd.DateOffset(years=3)).to_numpy(),
            np.datetime64("NaT"),
        ),
    )
    out = pd.concat([first, re], ignore_index=True)
    for c in ("start_date", "agreement_date", "certification_date", "implementation_end_date"):
        out[c] = pd.to_datetime(out[c]).dt.normalize()
    return out.sort_values(["municipality_id", "cycle"], kind="stable").reset_index(drop=True)


def _measures(
    rng: np.random.Generator, audits: pd.DataFrame, units: pd.DataFrame, last_year: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    re_by_unit = dict(zip(units["municipality_id"], units["random_effect"], strict=True))
    goal_rows, measure_rows, report_rows = [], [], []
    fields = np.array(ACTION_FIELD_CODES)
    for a in audits.itertuples(index=False):
        n_measures = int(rng.integers(10, 46))
        field_idx = np.sort(rng.choice(len(fields), size=n_measures, p=FIELD_SHARE))
        goal_of_measure = []
        goal_no = 0
        for f in np.unique(field_idx):
            k = int((field_idx == f).sum())
            n_goals = min(k, int(rng.integers(1, 4)))
            ids = []
            for _ in range(n_goals):
                goal_no += 1
                gid = f"{a.audit_id}-G{goal_no:02d}"
                ids.append(gid)
                goal_rows.append(
                    (gid, a.audit_id, fields[f], f"Ziel {goal_no}: {_goal_title(fields[f])}")
                )
            goal_of_measure += [ids[i % n_goals] for i in range(k)]
        cert_year = None if pd.isna(a.certification_date) else a.certification_date.year
        u = re_by_unit[a.municipality_id]
        for j in range(n_measures):
            fcode = fields[field_idx[j]]
            mid = f"{a.audit_id}-M{j + 1:02d}"
            titles = MEASURE_TITLES[fcode]
            base_year = cert_year if cert_year is not None else a.start_date.year + 1
            p_start = base_year + int(rng.integers(0, 2))
            measure_rows.append(
                (
                    mid,
                    goal_of_measure[j],
                    titles[int(rng.integers(len(titles)))],
                    p_start,
                    p_start + int(rng.integers(0, 3)),
                    RESPONSIBLE[int(rng.integers(len(RESPONSIBLE)))],
                )
            )
            if cert_year is None:
                continue
            levels = _status_path(rng, fcode, u)
            for r in range(1, 4):
                year = cert_year + r
                if year > last_year:
                    break
                report_rows.append((mid, year, levels[r - 1]))
    goals = pd.DataFrame(goal_rows, columns=["goal_id", "audit_id", "action_field", "title"])
    measures = pd.DataFrame(
        measure_rows,
        columns=[
            "measure_id",
            "goal_id",
            "title",
            "planned_start_year",
            "planned_end_year",
            "responsible",
        ],
    )
    reports = pd.DataFrame(report_rows, columns=["measure_id", "report_year", "status"])
    truth = pd.DataFrame(
        {
            "action_field": list(ACTION_FIELD_CODES),
            "probability": [
                _marginal_probability(FIELD_LOGIT_CENTRE[f], RANDOM_EFFECT_SD)
                for f in ACTION_FIELD_CODES
            ],
            "speed_report_1": [FIELD_SPEED[f][0] for f in ACTION_FIELD_CODES],
            "speed_report_2": [FIELD_SPEED[f][1] for f in ACTION_FIELD_CODES],
            "speed_report_3": [FIELD_SPEED[f][2] for f in ACTION_FIELD_CODES],
        }
    )
    return goals, measures, reports, truth


def _goal_title(field_code: str) -> str:
    return {
        "steering": "Familienpolitik verbindlich verankern",
        "work_family": "Vereinbarkeit von Familie und Beruf verbessern",
        "education": "Bildungschancen von Anfang an sichern",
        "counselling": "Beratungsangebote bekannt und erreichbar machen",
        "living_environment": "Wohnumfeld familiengerecht gestalten",
        "seniors_generations": "Miteinander der Generationen fördern",
    }[field_code]


ORDER = ("planned", "in_progress", "partially_implemented", "implemented")


def _status_path(rng: np.random.Generator, field_code: str, u: float) -> list[str]:
    """Statuses in reports 1-3 of one measure (monotone, or dropped at some report)."""
    p = float(expit(FIELD_LOGIT_CENTRE[field_code] + u))
    if rng.random() < p:
        t = int(rng.choice([1, 2, 3], p=FIELD_SPEED[field_code]))
        levels = []
        for r in (1, 2, 3):
            if r >= t:
                levels.append(3)
            elif r == t - 1:
                levels.append(int(rng.integers(1, 3)))
            else:
                levels.append(int(rng.integers(0, 2)))
        for r in (1, 2):  # keep the path monotone
            levels[r] = max(levels[r], levels[r - 1])
        return [ORDER[v] for v in levels]
    final = rng.choice(
        ["discontinued", "planned", "in_progress", "partial"], p=[0.15, 0.1, 0.3, 0.45]
    )
    if final == "discontinued":
        d = int(rng.integers(1, 4))
        before = [ORDER[int(rng.integers(0, 2))] for _ in range(d - 1)]
        return before + ["discontinued"] * (4 - d)
    top = {"planned": 0, "in_progress": 1, "partial": 2}[final]
    r1 = min(top, int(rng.integers(0, 2)))
    r2 = min(top, max(r1, int(rng.integers(1, 3))))
    return [ORDER[r1], ORDER[r2], ORDER[top]]


def _indicators(
    rng: np.random.Generator,
    units: pd.DataFrame,
    cohorts: pd.Series,
    shape: str,
    first_year: int,
    last_year: int,
    missing_share: float,
    override: np.ndarray | None = None,
    linked: str = "childcare_u3",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    years = np.arange(first_year, last_year + 1)
    n, T = len(units), len(years)
    logpop = np.log(units["population"].to_numpy(dtype=float))
    z = (logpop - logpop.mean()) / logpop.std()
    urban = (units["urbanisation"].to_numpy() == 1).astype(float)
    g = cohorts.to_numpy()
    tt = (years - first_year)[None, :].astype(float)
    rel = np.where(g[:, None] > 0, years[None, :] - g[:, None], -9999)
    frames = []
    specs = {
        # indicator: (base, z, urban, unit sd, year slope, year-shock sd, trend on z, trend
        #             on urban, noise sd, decimals)
        "childcare_u3": (25.0, 3.0, 5.0, 3.0, 1.4, 0.4, 0.25, 0.25, 1.5, 1),
        "births_per_1000_women": (40.0, 1.5, -1.0, 3.0, 0.3, 0.6, 0.0, 0.0, 2.0, 2),
        "family_net_migration": (2.0, 0.5, -2.0, 2.0, 0.0, 1.0, 0.0, 0.0, 3.0, 2),
        "sgb2_children": (13.0, 2.0, 3.0, 3.0, -0.2, 0.3, 0.0, 0.0, 0.8, 2),
        "share_65plus": (21.0, -0.5, -1.0, 2.0, 0.3, 0.1, 0.0, 0.0, 0.4, 2),
    }
    truth_rows = []
    cohort_list = np.unique(g[g > 0])
    for ind, (b, bz, bu, sd_a, slope, sd_y, tz, tu, sd_e, dec) in specs.items():
        alpha = b + bz * z + bu * urban + rng.normal(0, sd_a, n)
        lam = slope * (years - first_year) + rng.normal(0, sd_y, T)
        trend = (tz * z + tu * urban)[:, None] * tt
        tau = _effect(ind, shape, np.broadcast_to(g[:, None], rel.shape), rel)
        tau = np.where(g[:, None] > 0, tau, 0.0)
        if override is not None and ind == linked:
            tau = override
        y = alpha[:, None] + lam[None, :] + trend + tau + rng.normal(0, sd_e, (n, T))
        frames.append(
            pd.DataFrame(
                {
                    "municipality_id": np.repeat(units["municipality_id"].to_numpy(), T),
                    "year": np.tile(years, n),
                    "indicator": ind,
                    "value": np.round(y.ravel(), dec),
                }
            )
        )
        for c in cohort_list:
            r = years - c
            eff = _effect(ind, shape, np.full(T, c), r)
            if override is not None and ind == linked:
                eff = override[g == c].mean(axis=0)
            truth_rows.append(
                pd.DataFrame(
                    {"indicator": ind, "cohort": c, "year": years, "event_time": r, "effect": eff}
                )
            )
    ind_df = pd.concat(frames, ignore_index=True)
    keep = rng.random(len(ind_df)) >= missing_share
    ind_df = ind_df[keep].reset_index(drop=True)
    truth = pd.concat(truth_rows, ignore_index=True)
    truth["cohort"] = truth["cohort"].astype(np.int64)
    truth.insert(4, "rel_time", truth["event_time"])  # the deprecated name, for one release
    return ind_df, truth


#: the default indicator whose effect depends on the dose or on exits, and its action field
LINKED = ("childcare_u3", "work_family")


def _linked_effect(
    units, cohorts, audits, goals, measures, reports, shape, years, slope, exits, decay, linked
) -> tuple[np.ndarray, pd.DataFrame | None]:
    """Unit x year true effects of the linked indicator (deterministic, no random draws)."""
    from .exposure import in_force_matrix

    g = cohorts.to_numpy()
    ids = units["municipality_id"].to_numpy().astype(str)
    rel = np.where(g[:, None] > 0, years[None, :] - g[:, None], -9999)
    dose_frame = None
    if slope is None:
        tau = _effect(linked, shape, np.broadcast_to(g[:, None], rel.shape), rel)
        tau = np.where(g[:, None] > 0, tau, 0.0)
    else:
        m = measures.merge(goals[["goal_id", "audit_id", "action_field"]], on="goal_id")
        m = m[(m["action_field"] == LINKED[1]) & m["audit_id"].str.endswith("-1")]
        last = reports.sort_values("report_year").groupby("measure_id")["status"].last()
        m = m.assign(done=m["measure_id"].map(last).eq("implemented").astype(float))
        m["municipality_id"] = m["audit_id"].str[:-2]
        share = m.groupby("municipality_id")["done"].mean()
        dose = pd.Series(ids).map(share).fillna(0.0).to_numpy() * (g > 0)
        dose_frame = pd.DataFrame({"municipality_id": ids[g > 0], "dose": dose[g > 0]})
        tau = np.where(rel >= 0, slope * dose[:, None], 0.0)
    if exits:
        on, _ = in_force_matrix(audits, ids, years)
        ever = np.maximum.accumulate(on, axis=1) > 0
        after = ever & (on == 0)
        k = np.cumsum(after, axis=1) - 1  # years since the exit (0 in the exit year)
        full = tau.copy()
        # the effect level while certified is that of the last certified year
        last_on = np.where(on == 1, full, np.nan)
        level = pd.DataFrame(last_on).ffill(axis=1).to_numpy()
        tau = np.where(after, np.nan_to_num(level) * decay ** (k + 1), full)
    return tau, dose_frame


def _unit_effect_frame(
    units: pd.DataFrame, years: np.ndarray, tau: np.ndarray, linked: str
) -> pd.DataFrame:
    n, T = tau.shape
    return pd.DataFrame(
        {
            "municipality_id": np.repeat(units["municipality_id"].to_numpy().astype(str), T),
            "year": np.tile(years, n),
            "indicator": linked,
            "effect": tau.ravel(),
        }
    )
