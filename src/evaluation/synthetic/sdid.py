"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021).

The estimator, its weights and its variance follow R ``synthdid`` 0.0.9 step by step, so that
its numbers are reproduced to rounding (tests against stored R output):

- unit weights omega: ridge-penalised simplex regression of the treated units' mean pre-period
  path on the controls' paths, with an intercept; penalty ``zeta = (N_tr T_post)^(1/4) sigma``
  where ``sigma`` is the standard deviation of the first differences of the controls'
  pre-period outcomes;
- time weights lambda: the controls' mean post-period outcome on their pre-period outcomes,
  with an intercept and the infinitesimal penalty ``1e-6 sigma``;
- both by Frank-Wolfe with exact line search (at most 100 iterations, then the weights below a
  quarter of the largest set to zero and up to 10,000 more iterations; stop when an iteration
  lowers the objective by less than ``(1e-5 sigma)^2``);
- ``tau = (mean treated - omega' controls) (post mean - lambda' pre)``.

``estimator="sc"`` (R ``sc_estimate``: no time weights, no intercept, penalty ``1e-6 sigma``)
and ``"did"`` (R ``did_estimate``: equal weights) are the same computation with other
options. Standard errors (R ``vcov``): ``"placebo"`` (Algorithm 4: random controls receive the
treatment, weights re-estimated from the original ones), ``"bootstrap"`` (Algorithm 2: units
resampled, draws without treated or without control units redrawn) and ``"jackknife"``
(Algorithm 3, weights fixed).

Staggered adoption (not in R synthdid) follows Clarke, Pailañir, Athey & Imbens (2023, Stata
``sdid``): one estimate per adoption cohort, each with all never-treated units as controls and
every year before the cohort's onset as its pre-period; the ATT averages the cohort estimates
with weights proportional to their treated unit-years ``N_a T_a``. The variance draws repeat
the whole computation: placebo draws give the treated units' cohorts to randomly chosen
never-treated units (the remaining ones are the controls of every cohort); bootstrap draws
resample all units (cohorts absent from a draw drop out of its average); the jackknife leaves
out one unit at a time with every cohort's weights fixed and needs two treated units per
cohort. With one cohort all three are R's. Event-time effects average the cohorts' effect
curves (R ``synthdid_effect_curve``) weighted by their treated units; their standard errors
come from the same draws (an extension: R reports only the ATT's).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Text
from ..results import Inference
from ._data import (
    Prepared,
    check_choice,
    check_draws,
    check_seed,
    prepare,
    require_complete,
    window_problem,
)
from .results import (
    SyntheticDidResult,
    SyntheticEffect,
    SyntheticTable,
    text,
)
from .sdid_weights import (
    CohortFit,
    Design,
    Options,
    aggregate,
    bootstrap_draws,
    fit_cohort,
    jackknife_se,
    jackknife_values,
    placebo_draws,
    spread,
    treated_per_event,
)

Estimator = Literal["sdid", "sc", "did"]
Variance = Literal["placebo", "jackknife", "bootstrap"]


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------
def setup(
    data: pd.DataFrame,
    outcome: str | None,
    unit: str | None,
    time: str | None,
    cohort: str | None,
    *,
    estimator: str,
    treated: str | Sequence[str] | None,
    exclude: str | Sequence[str] | None,
) -> tuple[Prepared, Design, list[CohortFit], list[tuple[str, Text]]]:
    """Check the panel, form the cohorts and estimate each (no variance yet)."""
    p = prepare(data, outcome, unit, time, cohort, treated=treated, exclude=exclude)
    explicit = treated is not None
    years = p.years
    cohorts = sorted({int(p.cohort[r]) for r in p.treated})
    left_out: list[tuple[str, Text]] = []
    used: list[tuple[int, np.ndarray, int]] = []
    for g in cohorts:
        rows = np.array([r for r in p.treated if p.cohort[r] == g], dtype=np.int64)
        t0 = int((years < g).sum())
        t1 = int((years >= g).sum())
        problem = window_problem(t0, t1, g, int(years.max()))
        if problem is not None:
            ids = ", ".join(str(p.units[r]) for r in rows)
            if explicit:
                raise DataError(
                    f"cohort {g} ({ids}) {problem.en}; choose other treated units or another "
                    "outcome"
                )
            left_out.append((f"{g} ({ids})", problem))
            continue
        used.append((g, rows, t0))
    if not used:
        raise DataError(
            "no cohort has both two pre-onset years and a post-onset year in the data: "
            + "; ".join(f"{c} {why.en}" for c, why in left_out)
        )
    rows_all = np.r_[p.donors, np.concatenate([u[1] for u in used])]
    require_complete(
        p,
        rows_all,
        np.arange(len(years)),
        "synthetic DiD",
        shorten="drop the years with gaps from the data (every year is used)",
    )
    design = Design(y=p.y, units=p.units, years=years, control=p.donors, estimator=estimator)
    fits = [fit_cohort(design, g, rows, t0) for g, rows, t0 in used]
    return p, design, fits, left_out


def synthetic_did(
    data: pd.DataFrame,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    *,
    estimator: Estimator = "sdid",
    variance: Variance = "placebo",
    n_draws: int = 200,
    seed: int | np.random.SeedSequence = 0,
    treated: str | Sequence[str] | None = None,
    exclude: str | Sequence[str] | None = None,
    level: float = 0.95,
) -> SyntheticDidResult:
    """Synthetic difference-in-differences (Arkhangelsky et al. 2021) as R ``synthdid``, with
    staggered adoption cohort by cohort.

    Parameters
    ----------
    data
        Long panel, one row per unit and year; the outcome must be complete for every unit and
        year used (a balanced panel).
    outcome, unit, time, cohort
        Column roles; default to ``data.attrs["roles"]`` and the panel convention (cohort 0 =
        never treated; the never-treated units are the controls).
    estimator
        ``"sdid"`` (synthetic DiD), ``"sc"`` (synthetic control as R ``sc_estimate``) or
        ``"did"`` (difference-in-differences as R ``did_estimate``).
    variance
        ``"placebo"`` (R's default for one treated unit: the only one that works then),
        ``"bootstrap"`` or ``"jackknife"`` (both need at least two treated units, the
        jackknife two per cohort; R returns NA, this refuses).
    n_draws, seed
        Placebo or bootstrap draws and the seed of ``numpy.random.default_rng``.
    treated
        Treated unit id(s) to use (default: every unit with a cohort > 0); other treated
        units are left out of the sample.
    exclude
        Never-treated units not to use as controls.
    level
        Confidence level of the (normal) intervals.

    Returns
    -------
    SyntheticDidResult
        Event-time effects, ``overall`` (the ATT), ``cohorts``, ``unit_weights``,
        ``time_weights``, ``draws``, ``paths``.

    Examples
    --------
    >>> res = ev.synthetic_did(panel, "childcare_u3", variance="placebo", seed=1)  # doctest: +SKIP
    >>> res.overall.estimate, res.overall.std_error  # doctest: +SKIP
    """
    check_choice("estimator", estimator, Estimator)
    check_choice("variance", variance, Variance)
    n_draws = check_draws("n_draws", n_draws)
    seed = check_seed(seed)
    p, design, fits, left_out = setup(
        data, outcome, unit, time, cohort, estimator=estimator, treated=treated, exclude=exclude
    )
    years = p.years
    n_tr = np.array([len(f.treated) for f in fits], dtype=float)
    t1s = np.array([len(years) - f.t0 for f in fits], dtype=float)
    att, events = aggregate(
        np.array([[f.estimate for f in fits]]), [f.curve[None] for f in fits], n_tr[None], t1s
    )
    rng = np.random.default_rng(seed)
    n_units_tr = int(n_tr.sum())
    if variance == "placebo":
        n0 = len(design.control)
        perms = np.stack([rng.permutation(n0) for _ in range(n_draws)])
        d_att, d_ev = placebo_draws(design, fits, perms)
        se_att, se_ev = spread(d_att[:, None])[0], spread(d_ev)
        n_valid = n_draws
    elif variance == "bootstrap":
        if n_units_tr < 2:
            raise DataError(
                "the bootstrap variance needs at least two treated units (R synthdid returns NA "
                "with one); use variance='placebo'"
            )
        n_all = len(design.control) + n_units_tr
        n0 = len(design.control)
        samples: list[np.ndarray] = []
        while len(samples) < n_draws:
            s = rng.integers(0, n_all, size=n_all)
            if (s < n0).all() or (s >= n0).all():
                continue
            samples.append(s)
        d_att, d_ev = bootstrap_draws(design, fits, samples)
        se_att, se_ev = spread(d_att[:, None])[0], spread(d_ev)
        # as R, no bootstrap standard error from a single treated unit
        single = treated_per_event(fits, len(years)) < 2
        se_ev = np.where(single, np.nan, se_ev)
        n_valid = int((~np.isnan(d_att)).sum())
    else:
        single_cohorts = [str(f.cohort) for f in fits if len(f.treated) < 2]
        if single_cohorts:
            raise DataError(
                f"the jackknife variance needs at least two treated units per cohort; cohort(s) "
                f"{', '.join(single_cohorts)} have one (R synthdid returns NA then); use "
                "variance='placebo'"
            )
        d_att, d_ev = jackknife_values(design, fits)
        se_att, se_ev = jackknife_se(d_att[:, None])[0], jackknife_se(d_ev)
        n_valid = len(d_att)
    return _result(
        p,
        design,
        fits,
        att[0],
        events[0],
        se_att,
        se_ev,
        d_att,
        variance,
        n_draws,
        seed,
        n_valid,
        left_out,
        level,
    )


def _cohort_rows(
    p: Prepared, design: Design, f: CohortFit
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], pd.DataFrame, dict[str, Any]]:
    """One cohort's positive unit weights, its time weights, its treated and synthetic path
    (the synthetic one shifted by the weighted pre-period difference) and its row of the
    cohorts table."""
    years = p.years
    ctrl_ids = p.units[design.control]
    weights_rows = [
        {"cohort": f.cohort, "unit": str(ctrl_ids[k]), "weight": f.omega[k]}
        for k in np.argsort(-f.omega, kind="stable")
        if f.omega[k] > 0
    ]
    time_rows = [
        {"cohort": f.cohort, "time": int(years[t]), "weight": f.lam[t]} for t in range(f.t0)
    ]
    ytr = p.y[f.treated].mean(axis=0)
    sc = f.omega @ p.y[design.control]
    lam = f.lam
    shift = (ytr[: f.t0] - sc[: f.t0]) @ lam if lam.sum() > 0 else 0.0
    path = pd.DataFrame(
        {
            "cohort": f.cohort,
            "time": years,
            "treated": ytr,
            "synthetic": sc + shift,
            "time_weight": np.r_[lam, np.full(len(years) - f.t0, np.nan)],
        }
    )
    cohort_row = {
        "cohort": f.cohort,
        "n_treated_units": len(f.treated),
        "n_pre": f.t0,
        "n_post": len(years) - f.t0,
        "estimate": f.estimate,
        "weight": len(f.treated) * (len(years) - f.t0),
        "zeta_omega": f.options.zeta_omega,
        "noise_level": f.options.noise_level,
    }
    return weights_rows, time_rows, path, cohort_row


def _result_notes(
    fits: list[CohortFit], left_out: list[tuple[str, Text]], variance: str, counts: np.ndarray
) -> list[Text]:
    """Cohorts left out, how cohorts are combined, event times with one treated unit."""
    notes = []
    if left_out:
        notes.append(
            Text(
                "Ausgelassene Kohorten: "
                + "; ".join(f"{c}: {why.de}" for c, why in left_out)
                + ".",
                "Cohorts left out: " + "; ".join(f"{c}: {why.en}" for c, why in left_out) + ".",
            )
        )
    if len(fits) > 1:
        notes.append(text("cohorts", "note"))
    if variance == "bootstrap" and (counts < 2).any():
        notes.append(text("synthetic_did", "bootstrap_single"))
    return notes


def _result(
    p: Prepared,
    design: Design,
    fits: list[CohortFit],
    att: float,
    events: np.ndarray,
    se_att: float,
    se_ev: np.ndarray,
    draws: np.ndarray,
    variance: str,
    n_draws: int,
    seed,
    n_valid: int,
    left_out: list[tuple[str, Text]],
    level: float,
) -> SyntheticDidResult:
    years = p.years
    n_tr = np.array([len(f.treated) for f in fits])
    counts = treated_per_event(fits, len(years))
    table = pd.DataFrame(
        {
            "event_time": np.arange(len(events), dtype=np.int64),
            "estimate": events,
            "std_error": se_ev,
            "n_treated_units": counts,
        }
    )
    se_text = text("synthetic_did", f"se_{variance}")
    seed_txt = str(seed) if not isinstance(seed, np.random.SeedSequence) else "SeedSequence"
    se_note = se_text.format(n=n_draws, seed=seed_txt)
    method = text("synthetic_did", f"method_{design.estimator}")
    weights_rows: list[dict[str, Any]] = []
    time_rows: list[dict[str, Any]] = []
    path_rows = []
    cohort_rows = []
    for f in fits:
        unit_w, time_w, path, cohort_row = _cohort_rows(p, design, f)
        weights_rows += unit_w
        time_rows += time_w
        path_rows.append(path)
        cohort_rows.append(cohort_row)
    coh = pd.DataFrame(cohort_rows)
    coh["weight"] = coh["weight"] / coh["weight"].sum()
    notes = _result_notes(fits, left_out, variance, counts)
    facts: dict[str, Any] = {
        "estimator": design.estimator,
        "variance": variance,
        "n_treated_units": int(n_tr.sum()),
        "n_donors": len(design.control),
        "n_cohorts": len(fits),
        "n_draws": n_draws if variance != "jackknife" else n_valid,
    }
    if variance != "jackknife":
        facts["seed"] = seed_txt
    if len(fits) == 1:
        facts["treated_units"] = [str(u) for u in p.units[fits[0].treated]]
        facts["pre_period"] = f"{years[0]}-{years[fits[0].t0 - 1]}"
        facts["post_period"] = f"{years[fits[0].t0]}-{years[-1]}"
    common: dict[str, Any] = dict(
        method=method,
        inference=Inference(name=f"{variance}", description=se_note),
        level=level,
        outcome=p.roles.outcome,
    )
    overall = SyntheticEffect(
        pd.DataFrame({"term": ["att"], "estimate": [float(att)], "std_error": [float(se_att)]}),
        ["term"],
        title=text("overall_sdid", "title"),
        facts={k: v for k, v in facts.items() if k != "n_cohorts"},
        notes=notes,
        **common,
    )
    return SyntheticDidResult(
        table,
        overall=overall,
        cohorts=SyntheticTable(
            coh, title=text("cohorts", "title"), notes=[text("cohorts", "note")]
        ),
        unit_weights=SyntheticTable(
            pd.DataFrame(weights_rows, columns=["cohort", "unit", "weight"]).astype(
                {"unit": "string"}
            ),
            title=text("unit_weights", "title"),
        ),
        time_weights=SyntheticTable(
            pd.DataFrame(time_rows, columns=["cohort", "time", "weight"]),
            title=text("time_weights", "title"),
        ),
        draws=pd.DataFrame({"att": draws}),
        paths=pd.concat(path_rows, ignore_index=True),
        title=text("synthetic_did", "title"),
        facts=facts,
        notes=notes,
        **common,
    )


__all__ = ["synthetic_did", "Options", "CohortFit", "Design"]
