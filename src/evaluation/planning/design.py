"""Evaluation designs to plan for: who is audited when, who compares, which years, how noisy.

A :class:`PanelDesign` describes a balanced panel of units observed every year from
``first_year`` to ``last_year``: audited units in cohorts (the onset year of each cohort and its
number of units) and never-audited comparison units. Outcomes follow

.. math::

    y_{it} = \\mu + a_i + \\tau \\, 1\\{\\text{audited } i,\\; t \\ge g_i\\} + u_{it},
    \\qquad u_{it} = e_{it} + v_{s(i)t},

with unit effects :math:`a_i \\sim N(0, \\sigma_a^2)`, an idiosyncratic part :math:`e_{it}` and
a part :math:`v_{st}` shared by all units of a cluster (state) :math:`s` in year :math:`t`. Both
parts are stationary AR(1) processes over the years with the same autocorrelation
:math:`\\rho`, so the residual :math:`u_{it}` is AR(1) with variance :math:`\\sigma^2` and the
intra-cluster correlation (ICC) :math:`\\operatorname{corr}(u_{it}, u_{jt}) = \\sigma_v^2 /
\\sigma^2` for two units of the same cluster. Year effects are left out: every estimator the
package plans for removes them exactly. The effect :math:`\\tau` is the same in every post-onset
year and cohort; it enters additively, so the same noise serves every effect size.

A design is built from counts (``PanelDesign(cohorts={2015: 20, 2017: 20}, n_comparison=200,
first_year=2010, last_year=2022, sd=2.5, autocorrelation=0.5)``) or estimated from a study
(:meth:`PanelDesign.from_study`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from ..errors import DataError
from ..i18n import Lang, Text, number, same
from ..options import Onset

#: deprecated alias of :data:`evaluation.options.Onset`
OnsetName = Onset

#: measurement units of the indicator catalogue -> the unit of a difference
DIFFERENCE_UNITS: dict[str, Text] = {
    "%": Text("Prozentpunkte", "percentage points"),
    "je 1.000": Text("je 1.000", "per 1,000"),
    "Jahre": Text("Jahre", "years"),
    "Euro": Text("Euro", "euros"),
}
DEFAULT_LABEL = Text("Zielgröße", "outcome")
DEFAULT_UNIT = Text("Einheiten", "units")
DEFAULT_SOURCE = Text("Annahmen", "assumptions")
ESTIMATED_SOURCE = Text(
    "geschätzt aus der Studie{name} ({indicator}, unbehandelte Jahre)",
    "estimated from the study{name} ({indicator}, untreated years)",
)
#: the facts of a design, in the order shown
FACT_LABELS: dict[str, Text] = {
    "outcome": Text("Zielgröße", "Outcome"),
    "n_audited": Text("Auditierte Kommunen", "Audited municipalities"),
    "cohorts": Text("Kohorten (Beginn: Anzahl)", "Cohorts (onset: count)"),
    "n_comparison": Text("Vergleichskommunen", "Comparison municipalities"),
    "years": Text("Jahre", "Years"),
    "sd": Text("Rauschen (SD)", "Noise (SD)"),
    "autocorrelation": Text("Autokorrelation (AR(1))", "Autocorrelation (AR(1))"),
    "icc": Text("Intra-Cluster-Korrelation (Land-Jahr)", "Intra-cluster correlation (state-year)"),
    "n_clusters": Text("Cluster (Länder)", "Clusters (states)"),
    "source": Text("Quelle", "Source"),
}


def as_text(x: Text | tuple[str, str] | str) -> Text:
    """A :class:`Text` from a Text, a ``(German, English)`` pair or one string for both."""
    if isinstance(x, Text):
        return x
    if isinstance(x, str):
        return same(x)
    if isinstance(x, tuple) and len(x) == 2 and all(isinstance(v, str) for v in x):
        return Text(*x)
    raise DataError(f"expected a text (German, English), got {x!r}")


@dataclass(frozen=True)
class PanelDesign:
    """A balanced panel design: cohorts of audited units, comparison units, years and noise.

    Parameters
    ----------
    cohorts
        Onset year -> number of audited units with that onset (e.g. ``{2015: 30}`` for a
        single cohort). Every onset year must lie after ``first_year`` (at least one year before
        onset) and not after ``last_year``.
    n_comparison
        Number of never-audited comparison units (at least 2).
    first_year, last_year
        First and last year observed; every unit is observed in every year.
    sd
        Standard deviation :math:`\\sigma` of the residual noise (after unit and year effects),
        in the indicator's unit.
    autocorrelation
        AR(1) autocorrelation :math:`\\rho` of the residual noise from one year to the next, in
        (-1, 1).
    icc
        Intra-cluster correlation in [0, 1): the share of the residual variance shared by the
        units of one cluster (state) in a year.
    n_clusters
        Number of clusters (states) the units are spread over, used when ``clusters`` is not
        given: unit k (audited units first, in cohort order, then comparison units) belongs to
        cluster ``k % n_clusters``.
    clusters
        Optional cluster label of every unit, in the same order (audited units by cohort, then
        comparison units); set by :meth:`from_study` to the units' states.
    unit_sd
        Standard deviation :math:`\\sigma_a` of the unit effects (removed by every estimator;
        it only makes simulated panels look like real ones).
    baseline
        Mean level :math:`\\mu` of the indicator.
    indicator
        Name of the outcome column of simulated panels.
    label, unit
        German and English label of the indicator, and the unit of an effect (e.g.
        ``Text("Prozentpunkte", "percentage points")``; a ``(German, English)`` pair is
        accepted); used in texts only.
    source
        Where the numbers come from (a sentence shown with results).
    """

    cohorts: Mapping[int, int]
    n_comparison: int
    first_year: int
    last_year: int
    sd: float = 1.0
    autocorrelation: float = 0.0
    icc: float = 0.0
    n_clusters: int = 1
    clusters: tuple[str, ...] | None = None
    unit_sd: float = 0.0
    baseline: float = 0.0
    indicator: str = "y"
    label: Text = DEFAULT_LABEL
    unit: Text = DEFAULT_UNIT
    source: Text = DEFAULT_SOURCE
    estimated: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for name in ("label", "unit", "source"):
            object.__setattr__(self, name, as_text(getattr(self, name)))
        if not isinstance(self.cohorts, Mapping) or not self.cohorts:
            raise DataError(
                "cohorts must be a non-empty mapping onset year -> number of audited units, "
                f"e.g. {{2015: 30}}; got {self.cohorts!r}"
            )
        for name in ("first_year", "last_year", "n_comparison", "n_clusters"):
            v = getattr(self, name)
            if not isinstance(v, int | np.integer) or isinstance(v, bool):
                raise DataError(f"{name} must be an integer, got {v!r}")
        if self.last_year - self.first_year < 1:
            raise DataError(
                f"the design needs at least two years; got first_year={self.first_year}, "
                f"last_year={self.last_year}"
            )
        clean: dict[int, int] = {}
        for g, n in self.cohorts.items():
            if not isinstance(g, int | np.integer) or not isinstance(n, int | np.integer):
                raise DataError(f"cohort {g!r}: onset year and count must be integers, got {n!r}")
            if not self.first_year < g <= self.last_year:
                raise DataError(
                    f"cohort {g}: the onset year must lie in {self.first_year + 1}-"
                    f"{self.last_year} (after the first year, so that a pre-onset year exists)"
                )
            if n < 1:
                raise DataError(f"cohort {g}: the number of audited units must be >= 1, got {n}")
            clean[int(g)] = int(n)
        object.__setattr__(self, "cohorts", dict(sorted(clean.items())))
        if self.n_comparison < 2:
            raise DataError(f"n_comparison must be at least 2, got {self.n_comparison}")
        for name in ("sd", "unit_sd", "baseline", "autocorrelation", "icc"):
            v = getattr(self, name)
            if not isinstance(v, int | float | np.floating) or not np.isfinite(v):
                raise DataError(f"{name} must be a finite number, got {v!r}")
        if self.sd <= 0:
            raise DataError(f"sd must be positive, got {self.sd!r}")
        if self.unit_sd < 0:
            raise DataError(f"unit_sd must be >= 0, got {self.unit_sd!r}")
        if not -1 < self.autocorrelation < 1:
            raise DataError(f"autocorrelation must lie in (-1, 1), got {self.autocorrelation!r}")
        if not 0 <= self.icc < 1:
            raise DataError(f"icc must lie in [0, 1), got {self.icc!r}")
        if self.n_clusters < 1:
            raise DataError(f"n_clusters must be >= 1, got {self.n_clusters}")
        if self.clusters is not None:
            cl = tuple(str(c) for c in self.clusters)
            if len(cl) != self.n_units:
                raise DataError(
                    f"clusters has {len(cl)} labels but the design has {self.n_units} units "
                    f"({self.n_audited} audited + {self.n_comparison} comparison)"
                )
            object.__setattr__(self, "clusters", cl)
            object.__setattr__(self, "n_clusters", len(set(cl)))

    # -- sizes ---------------------------------------------------------------------------
    @property
    def n_audited(self) -> int:
        """Number of audited units (all cohorts)."""
        return int(sum(self.cohorts.values()))

    @property
    def n_units(self) -> int:
        """Number of units, audited and comparison."""
        return self.n_audited + self.n_comparison

    @property
    def years(self) -> np.ndarray:
        """The years observed."""
        return np.arange(self.first_year, self.last_year + 1)

    @property
    def n_years(self) -> int:
        """Number of years observed."""
        return self.last_year - self.first_year + 1

    @cached_property
    def unit_cohort(self) -> np.ndarray:
        """Onset year of every unit (0 for comparison units), audited units first."""
        parts = [np.full(n, g, dtype=np.int64) for g, n in self.cohorts.items()]
        parts.append(np.zeros(self.n_comparison, dtype=np.int64))
        return np.concatenate(parts)

    @cached_property
    def unit_cluster(self) -> np.ndarray:
        """Cluster index (0 .. n_clusters - 1) of every unit."""
        if self.clusters is None:
            return np.arange(self.n_units) % self.n_clusters
        _, idx = np.unique(np.asarray(self.clusters), return_inverse=True)
        return idx.astype(np.int64)

    @cached_property
    def post(self) -> np.ndarray:
        """Units x years indicator of audited units in and after their onset year."""
        g = self.unit_cohort[:, None]
        return ((g > 0) & (self.years[None, :] >= g)).astype(float)

    def with_counts(self, **changes: Any) -> PanelDesign:
        """A copy with some parameters changed (e.g. ``n_comparison=800``, ``last_year=2026``),
        to compare scenarios; a study's cluster labels are dropped when the units change."""
        if {"cohorts", "n_comparison"} & set(changes) and "clusters" not in changes:
            n = self.n_clusters
            changes = {"clusters": None, "n_clusters": n, **changes}
        return replace(self, **changes)

    # -- simulation ----------------------------------------------------------------------
    @cached_property
    def _template(self) -> pd.DataFrame:
        n, t = self.n_units, self.n_years
        ids = np.array([f"u{k:05d}" for k in range(n)])
        labels = (
            np.asarray(self.clusters)
            if self.clusters is not None
            else np.array([f"{c + 1:02d}" for c in self.unit_cluster])
        )
        cohort = np.repeat(self.unit_cohort, t)
        years = np.tile(self.years, n)
        return pd.DataFrame(
            {
                "municipality_id": pd.array(np.repeat(ids, t), dtype="string"),
                "year": years.astype(np.int64),
                "cohort": cohort,
                "state": np.repeat(labels, t),
            }
        )

    def draw_noise(self, rng: np.random.Generator) -> np.ndarray:
        """One draw of the outcome without effect: a units x years array (unit effects, AR(1)
        idiosyncratic and cluster-year noise), generated with ``rng``."""
        n, t = self.n_units, self.n_years
        rho = float(self.autocorrelation)
        u = np.sqrt(1.0 - self.icc) * ar1(rng, (n, t), rho)
        if self.icc > 0:
            v = ar1(rng, (self.n_clusters, t), rho)
            u += np.sqrt(self.icc) * v[self.unit_cluster]
        y = self.baseline + self.sd * u
        if self.unit_sd > 0:
            y += self.unit_sd * rng.standard_normal(n)[:, None]
        return y

    def panel(self, values: np.ndarray) -> pd.DataFrame:
        """A long panel (``municipality_id``, ``year``, ``cohort``, ``state`` and the outcome
        named ``indicator``) holding a units x years array of outcome values."""
        values = np.asarray(values, dtype=float)
        if values.shape != (self.n_units, self.n_years):
            raise DataError(
                f"values must have shape {(self.n_units, self.n_years)} (units x years), "
                f"got {values.shape}"
            )
        df = self._template.copy()
        df[self.indicator] = values.ravel()
        df.attrs["roles"] = {
            "outcome": self.indicator,
            "unit": "municipality_id",
            "time": "year",
            "cohort": "cohort",
        }
        return df

    def simulate(self, rng: np.random.Generator, effect: float = 0.0) -> pd.DataFrame:
        """One simulated panel with a constant ``effect`` from the onset year on."""
        return self.panel(self.draw_noise(rng) + effect * self.post)

    # -- texts -----------------------------------------------------------------------------
    def facts(self, lang: Lang = "de") -> list[tuple[str, str]]:
        """The design in words: (label, value) pairs in ``lang``."""
        cohorts = ", ".join(f"{g}: {n}" for g, n in self.cohorts.items())
        values = {
            "outcome": f"{self.label(lang)} ({self.indicator})",
            "n_audited": str(self.n_audited),
            "cohorts": cohorts,
            "n_comparison": str(self.n_comparison),
            "years": f"{self.first_year}-{self.last_year}",
            "sd": f"{number(self.sd, lang, 3)} {self.unit(lang)}",
            "autocorrelation": number(self.autocorrelation, lang, 3),
            "icc": number(self.icc, lang, 3),
            "n_clusters": str(self.n_clusters),
            "source": self.source(lang),
        }
        return [(FACT_LABELS[k](lang), v) for k, v in values.items()]

    def describe(self, lang: Lang = "de") -> str:
        """The design in words, one fact per line."""
        return "\n".join(f"{k}: {v}" for k, v in self.facts(lang))

    def __repr__(self) -> str:
        cohorts = ", ".join(f"{g}: {n}" for g, n in self.cohorts.items())
        return (
            f"PanelDesign(cohorts={{{cohorts}}}, n_comparison={self.n_comparison}, "
            f"years={self.first_year}-{self.last_year}, sd={self.sd:.4g}, "
            f"autocorrelation={self.autocorrelation:.3g}, icc={self.icc:.3g}, "
            f"n_clusters={self.n_clusters})"
        )

    # -- from a study ----------------------------------------------------------------------
    @classmethod
    def from_study(
        cls,
        study: Any,
        indicator: str,
        *,
        onset: Onset = "certification",
        cycle: int = 1,
        years: tuple[int, int] | None = None,
    ) -> PanelDesign:
        """The design of a study for one indicator, with noise levels estimated from the data.

        Cohorts and comparison units are those of ``study.panel(indicator, onset=onset)``;
        audited units whose onset is not after the first year or is after the last year are
        left out (no pre-onset year, or never treated within the data), as ``att_gt`` would.
        The noise is estimated from the untreated observations (comparison units in every
        year, audited units before their onset):

        * a two-way fixed-effects fit (unit and year effects) gives the residuals; ``sd`` is
          their standard deviation with the degrees of freedom of the fit;
        * ``autocorrelation`` is the first-order autocorrelation of the comparison units'
          residuals, corrected for the bias of the unit demeaning (a panel of T years has
          lag-1 autocorrelation of about -1/(T-1) after demeaning even when rho = 0): the
          rho whose demeaned AR(1) process has the observed autocorrelation;
        * ``icc`` is the one-way ANOVA estimate of the residual correlation of comparison
          units in the same state and year;
        * ``unit_sd`` is the standard deviation of the estimated unit effects less their
          sampling noise.

        The estimates are in ``design.estimated`` (with the numbers of observations used).
        """
        if not hasattr(study, "panel") or not hasattr(study, "indicator_catalogue"):
            raise DataError(
                f"from_study needs an evaluation.Study, got {type(study).__name__}; load one with "
                "evaluation.load_study(path)"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            p = study.panel(indicator, onset=onset, cycle=cycle, covariates=[], years=years)
        first, last = int(p["year"].min()), int(p["year"].max())
        per_unit = p.groupby("municipality_id", sort=True).agg(
            cohort=("cohort", "first"), state=("state", "first")
        )
        g = per_unit["cohort"].to_numpy()
        keep_audited = (g > first) & (g <= last)
        left_out = int(((g > 0) & ~keep_audited).sum())
        comp = per_unit[g == 0]
        aud = per_unit[keep_audited].sort_values("cohort", kind="stable")
        if len(aud) == 0:
            raise DataError(
                f"indicator {indicator!r}: no audited unit has its {onset} year in "
                f"{first + 1}-{last}, so the study has no cohort to plan for; check onset="
            )
        if len(comp) < 2:
            raise DataError(
                f"indicator {indicator!r}: the panel has {len(comp)} comparison unit(s) (cohort "
                "0); a DiD design needs at least 2"
            )
        cohorts = {int(k): int(v) for k, v in aud["cohort"].value_counts().sort_index().items()}
        states = [str(s) if pd.notna(s) else "NA" for s in [*aud["state"], *comp["state"]]]
        noise = estimate_noise(p, indicator)
        cat = study.indicator_catalogue
        row = cat[cat["indicator"] == indicator]
        if len(row):
            r = row.iloc[0]
            label = Text(str(r["label_de"]), str(r["label_en"]))
            raw_unit = str(r["unit"]) if pd.notna(r["unit"]) else ""
        else:
            label, raw_unit = same(indicator), ""
        unit = DIFFERENCE_UNITS.get(raw_unit, same(raw_unit) if raw_unit else DEFAULT_UNIT)
        src = getattr(study, "source", None)
        name = src.name if src is not None else ""
        estimated = {**noise, "left_out_audited": left_out, "onset": onset}
        return cls(
            cohorts=cohorts,
            n_comparison=len(comp),
            first_year=first,
            last_year=last,
            sd=noise["sd"],
            autocorrelation=noise["autocorrelation"],
            icc=noise["icc"],
            clusters=tuple(states),
            unit_sd=noise["unit_sd"],
            baseline=noise["baseline"],
            indicator=indicator,
            label=label,
            unit=unit,
            source=ESTIMATED_SOURCE.format(name=f" {name}" if name else "", indicator=indicator),
            estimated=estimated,
        )


def ar1(rng: np.random.Generator, shape: tuple[int, int], rho: float) -> np.ndarray:
    """Stationary AR(1) series with unit variance along the last axis (rows independent)."""
    z = rng.standard_normal(shape)
    if rho == 0:
        return z
    out = np.empty(shape)
    out[:, 0] = z[:, 0]
    scale = np.sqrt(1.0 - rho * rho)
    for t in range(1, shape[1]):
        out[:, t] = rho * out[:, t - 1] + scale * z[:, t]
    return out


def ar1_correlation(n_years: int, rho: float) -> np.ndarray:
    """Correlation matrix of a stationary AR(1) over ``n_years`` years: rho ** |s - t|."""
    k = np.arange(n_years)
    return float(rho) ** np.abs(k[:, None] - k[None, :])


def demeaned_lag1(n_years: int, rho: float) -> float:
    """First-order autocorrelation of an AR(1) series after subtracting its own mean over
    ``n_years`` years (pooled over the years, as the estimator in :func:`estimate_noise`)."""
    r = ar1_correlation(n_years, rho)
    m = np.eye(n_years) - 1.0 / n_years
    c = m @ r @ m
    return float((np.trace(c, offset=1) / (n_years - 1)) / (np.trace(c) / n_years))


def _within(y: np.ndarray, unit: np.ndarray, year: np.ndarray, tol: float = 1e-11) -> np.ndarray:
    """Residuals of y on unit and year effects (alternating projections; unbalanced panels)."""
    r = y - y.mean()
    nu, nt = unit.max() + 1, year.max() + 1
    cu, ct = np.bincount(unit, minlength=nu), np.bincount(year, minlength=nt)
    for _ in range(10_000):
        r = r - (np.bincount(unit, r, nu) / np.maximum(cu, 1))[unit]
        step = (np.bincount(year, r, nt) / np.maximum(ct, 1))[year]
        r = r - step
        if np.max(np.abs(step)) < tol * (1 + np.max(np.abs(r))):
            break
    return r


def estimate_noise(panel: pd.DataFrame, outcome: str) -> dict[str, Any]:
    """Noise levels of an outcome panel from its untreated observations (see
    :meth:`PanelDesign.from_study`)."""
    df = panel[["municipality_id", "year", "cohort", "state", outcome]].copy()
    df = df[df[outcome].notna()]
    untreated = (df["cohort"] == 0) | (df["year"] < df["cohort"])
    df = df[untreated.to_numpy()].reset_index(drop=True)
    unit = pd.factorize(df["municipality_id"])[0]
    year = pd.factorize(df["year"])[0]
    y = df[outcome].to_numpy(dtype=float)
    n_obs, n_u, n_t = len(y), unit.max() + 1, year.max() + 1
    dof = n_obs - n_u - n_t + 1
    if dof < 10:
        raise DataError(
            f"outcome {outcome!r}: only {n_obs} untreated observations of {n_u} units; too few "
            "to estimate the noise (need clearly more observations than units + years)"
        )
    res = _within(y, unit, year)
    sd = float(np.sqrt(np.sum(res**2) / dof))
    if not sd > 0:
        raise DataError(
            f"outcome {outcome!r} has no variation left after unit and year effects in the "
            "untreated years; there is no noise to plan with"
        )
    df["_res"] = res
    # unit effects: unit means of y - fitted year effects, less their sampling noise
    fitted = y - res
    year_eff = np.bincount(year, fitted, n_t) / np.bincount(year, minlength=n_t)
    cu = np.bincount(unit, minlength=n_u)
    a = np.bincount(unit, y - year_eff[year], n_u) / cu
    unit_var = float(np.var(a, ddof=1) - np.mean(sd**2 / cu))
    # autocorrelation from the comparison units (complete histories)
    comp = df[df["cohort"] == 0].sort_values(["municipality_id", "year"])
    same = (comp["municipality_id"].to_numpy()[1:] == comp["municipality_id"].to_numpy()[:-1]) & (
        np.diff(comp["year"].to_numpy()) == 1
    )
    e = comp["_res"].to_numpy()
    num = float(np.sum(e[1:][same] * e[:-1][same]))
    den = float(np.sum(e**2))
    n_pairs = int(same.sum())
    n_years = int(panel["year"].nunique())
    if n_pairs < 10:
        raise DataError(
            f"outcome {outcome!r}: only {n_pairs} pairs of consecutive years among the "
            "comparison units; too few to estimate the autocorrelation"
        )
    r_obs = num / n_pairs / (den / len(e))
    lo, hi = demeaned_lag1(n_years, -0.99), demeaned_lag1(n_years, 0.99)
    r_clip = min(max(r_obs, lo + 1e-9), hi - 1e-9)
    rho = float(
        optimize.brentq(lambda q: demeaned_lag1(n_years, q) - r_clip, -0.99, 0.99, xtol=1e-12)
    )
    # intra-cluster correlation: one-way ANOVA of the residuals by state and year
    grp = pd.factorize(comp["state"].astype(str) + "|" + comp["year"].astype(str))[0]
    k = grp.max() + 1
    ng = np.bincount(grp, minlength=k)
    icc = 0.0
    if k > 1 and len(e) > k:
        means = np.bincount(grp, e, k) / ng
        msb = float(np.sum(ng * (means - e.mean()) ** 2) / (k - 1))
        msw = float(np.sum((e - means[grp]) ** 2) / (len(e) - k))
        n0 = (len(e) - np.sum(ng**2) / len(e)) / (k - 1)
        var_b = max(0.0, (msb - msw) / n0)
        icc = float(var_b / (var_b + msw)) if var_b + msw > 0 else 0.0
    return {
        "sd": sd,
        "autocorrelation": rho,
        "autocorrelation_raw": float(r_obs),
        "icc": min(icc, 0.95),
        "unit_sd": float(np.sqrt(max(unit_var, 0.0))),
        "baseline": float(np.mean(y)),
        "n_obs": int(n_obs),
        "n_units": int(n_u),
        "n_pairs": n_pairs,
    }


def check_designs(design: PanelDesign | Mapping[str, PanelDesign]) -> dict[str, PanelDesign]:
    """A design or a mapping scenario name -> design, as a dict (checked)."""
    if isinstance(design, PanelDesign):
        return {"": design}
    if isinstance(design, Mapping) and design:
        for k, d in design.items():
            if not isinstance(d, PanelDesign):
                raise DataError(f"scenario {k!r} is a {type(d).__name__}, not a PanelDesign")
        return {str(k): d for k, d in design.items()}
    raise DataError(
        f"design must be a PanelDesign or a mapping name -> PanelDesign, got {type(design).__name__}"
    )


def effect_grid(effect: float | Sequence[float]) -> np.ndarray:
    """Effect sizes as a float array (checked: finite, at least one)."""
    arr = np.atleast_1d(np.asarray(effect, dtype=float))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise DataError(f"effect must be a finite number or a list of them, got {effect!r}")
    return arr
