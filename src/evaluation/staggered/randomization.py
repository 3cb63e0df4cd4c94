"""Randomisation inference for the aggregations of group-time effects (and Sun & Abraham).

The cohort assignments (onset years, 0 = never treated) are permuted among the units, within
strata when asked; each assignment gives the aggregation's estimate again. Without covariates
and weights, in a balanced panel, every ATT(g, t) is a difference of mean changes of the
cohorts, and the aggregation weights depend only on the cohort sizes, which a permutation keeps.
So the estimate is a fixed linear function of the outcome sums per cohort label,
``theta = sum_{l,s} Phi[l, s] S[l, s]``, and for any assignment ``pi`` it is
``sum_i Q[pi_i, i]`` with ``Q = Phi Y'`` (the contribution unit i would make with label l):
one gather per unit and draw, no re-estimation.

The p-value of the sharp null of no effect is the share of assignments whose estimate is at
least as large in absolute value as the observed one, ``(1 + #exceed) / (1 + n_draws)`` for
random draws and ``#exceed / N`` when all N distinct assignments are enumerated (when N <=
``n_draws``). The confidence interval inverts the test of a constant effect tau: the outcome
without treatment is ``Y - tau D`` (D = treated and post under the observed assignment), so
the estimate under assignment pi is ``A_pi - tau C_pi`` with A and C the statistic applied to Y
and D; the set of tau whose p-value exceeds ``1 - level`` is found exactly by sweeping the
roots where an assignment starts or stops exceeding.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..options import AggregationType, BasePeriod, ControlGroup, check_draws, check_option
from ..results import check_level
from ._aggregate import aggregation_weights
from .results import AggregatedEffects, GroupTimeEffects, StaggeredRandomization, SunAbrahamEffects

#: draws x units handled at once
_CHUNK_CELLS = 4_000_000


def randomization_att_gt(
    data: pd.DataFrame | GroupTimeEffects | AggregatedEffects | SunAbrahamEffects,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    aggregation: AggregationType = "simple",
    control_group: ControlGroup = "never_treated",
    base_period: BasePeriod = "varying",
    anticipation: int = 0,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    strata: str | pd.Series | Mapping[Any, Any] | None = None,
    n_draws: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> StaggeredRandomization:
    """Randomisation inference for an aggregation of :func:`evaluation.att_gt`.

    Parameters
    ----------
    data
        A long panel (then ``outcome``, the roles and the options below say what to
        estimate), or a result: :class:`GroupTimeEffects` (its options are used, the
        aggregation is ``aggregation``), :class:`AggregatedEffects` (its type and event-time
        limits are used) or :class:`SunAbrahamEffects` with never-treated controls, reference
        period -1 and no covariates or weights (its event-time effects equal the dynamic
        aggregation with a universal base period, which is what is permuted).
    outcome, unit, time, cohort
        Column roles of a panel (defaults from ``data.attrs["roles"]``).
    aggregation, min_e, max_e
        Which aggregation's overall effect is tested (as :meth:`GroupTimeEffects.aggregate`).
    control_group, base_period, anticipation
        Options of :func:`evaluation.att_gt` for a panel.
    strata
        Permute only within strata: a column of the panel constant within units (e.g.
        ``"state"`` or ``"level"``), or a Series / mapping from unit id to stratum.
    n_draws, seed
        Number of random assignments and their seed; when the number of distinct assignments
        is at most ``n_draws``, all of them are enumerated instead (an exact test).
    level
        Confidence level of the interval by test inversion.

    Returns
    -------
    StaggeredRandomization
        The observed estimate with its randomisation p-value and interval, the p-values of
        the aggregation's levels and the estimate of every assignment (``draws``).

    Notes
    -----
    Needs a balanced panel (``unbalanced="drop"``) without covariates or sampling weights:
    then the estimate of every assignment follows without re-estimation (see the module
    docstring).
    """
    check_draws("n_draws", n_draws, minimum=1)
    level = check_level(level)
    gt, agg_opts, label = _source(
        data, outcome, unit, time, cohort, aggregation, control_group, base_period,
        anticipation, min_e, max_e,
    )  # fmt: skip
    check_option("aggregation", agg_opts["type"], AggregationType)
    _check_design(gt)
    wt = aggregation_weights(gt, agg_opts["type"], min_e=agg_opts["min_e"], max_e=agg_opts["max_e"])
    observed = gt.aggregate(agg_opts["type"], min_e=agg_opts["min_e"], max_e=agg_opts["max_e"])
    s = gt.sample
    labels, obs_idx = np.unique(s.cohort, return_inverse=True)
    phi = _cell_maps(gt, labels, obs_idx)  # cells x labels x periods
    d = ((s.cohort[:, None] > 0) & (s.times[None, :] >= s.cohort[:, None])).astype(float)
    weights = np.column_stack([wt.overall_cells, wt.cells])  # cells x (overall, levels)
    q_y = np.einsum("kj,kls,is->jli", weights, phi, s.y)  # stats x labels x units
    q_d = np.einsum("kj,kls,is->jli", weights[:, :1], phi, d)[0]
    stratum = _strata(strata, data, gt)
    n_assign = _n_assignments(obs_idx, stratum)
    exact = n_assign <= n_draws
    draws = _enumerate(obs_idx, stratum) if exact else _random(obs_idx, stratum, n_draws, seed)
    a_draws, c_draws = _evaluate(q_y, q_d, draws, len(obs_idx))
    units = np.arange(len(obs_idx))
    a_obs = q_y[:, obs_idx, units].sum(axis=1)
    c_obs = float(q_d[obs_idx, units].sum())
    exceed = np.abs(a_draws) >= np.abs(a_obs)[None, :] * (1 - 1e-12) - 1e-14
    n_b = a_draws.shape[0]
    if exact:
        p = exceed.sum(axis=0) / n_b
    else:
        p = (1 + exceed.sum(axis=0)) / (1 + n_b)
    lo, hi = _invert(a_draws[:, 0], c_draws, a_obs[0], c_obs, 1 - level, exact)
    return StaggeredRandomization(
        observed=observed,
        label=label,
        estimate=float(a_obs[0]),
        p_value=float(p[0]),
        ci=(lo, hi),
        level=level,
        draws=a_draws,
        level_p_values=p[1:],
        level_names=list(wt.levels),
        key=wt.key,
        n_draws=int(n_b),
        n_assignments=n_assign,
        exact=exact,
        seed=None if exact else seed,
        strata=None if strata is None else (strata if isinstance(strata, str) else "custom"),
    )


def _source(
    data: Any,
    outcome: str | None,
    unit: str | None,
    time: str | None,
    cohort: str | None,
    aggregation: str,
    control_group: str,
    base_period: str,
    anticipation: int,
    min_e: float,
    max_e: float,
) -> tuple[GroupTimeEffects, dict[str, Any], str]:
    """The group-time effects to permute, the aggregation and what is tested (for titles)."""
    opts: dict[str, Any] = {"type": aggregation, "min_e": min_e, "max_e": max_e}
    if isinstance(data, GroupTimeEffects):
        return data, opts, "att_gt"
    if isinstance(data, AggregatedEffects):
        call = data.call
        if call.get("balance_e") is not None:
            raise OptionError("randomisation inference does not support balance_e")
        opts = {"type": data.type, "min_e": call["min_e"], "max_e": call["max_e"]}
        return data.source, opts, "att_gt"
    if isinstance(data, SunAbrahamEffects):
        call = data.call
        if call["control_group"] != "never_treated" or call["reference"] != -1:
            raise OptionError(
                "randomisation inference for sun_abraham needs never-treated controls and the "
                "reference period -1 (then it equals att_gt with a universal base period)"
            )
        if call["covariates"] or call["weights"]:
            raise OptionError(
                "randomisation inference for sun_abraham supports no covariates or weights"
            )
        gt = data.group_time_effects()
        opts = {"type": "dynamic", "min_e": -np.inf, "max_e": np.inf}
        return gt, opts, "sun_abraham"
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            "randomization_att_gt needs a panel (DataFrame) or a result of att_gt, its "
            f"aggregate() or sun_abraham, got {type(data).__name__}"
        )
    from ._attgt import att_gt

    gt = att_gt(
        data,
        outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        control_group=control_group,  # type: ignore[arg-type]
        base_period=base_period,  # type: ignore[arg-type]
        anticipation=anticipation,
    )
    return gt, opts, "att_gt"


def _check_design(gt: GroupTimeEffects) -> None:
    call = gt.call
    if call.get("panel") is False:
        raise DataError(
            "randomisation inference permutes the onset years of units; repeated "
            "cross-sections (att_gt(panel=False)) follow no unit over time, so there is "
            "nothing to permute: use the analytic standard errors"
        )
    if call.get("covariates"):
        raise OptionError(
            "randomisation inference for att_gt supports no covariates (each assignment "
            "would need the covariate models again); estimate without covariates"
        )
    if call.get("weights"):
        raise OptionError("randomisation inference for att_gt supports no sampling weights")
    if np.isnan(gt.sample.y).any():
        raise DataError(
            "randomisation inference needs a balanced panel: estimate with unbalanced='drop' "
            "(the default), which leaves out units with gaps"
        )


def _cell_maps(gt: GroupTimeEffects, labels: np.ndarray, obs_idx: np.ndarray) -> np.ndarray:
    """For every cell, the coefficients of the per-label outcome sums S[l, s] in its estimate
    (cells x labels x periods): the treated cohort's mean change minus the comparison's."""
    call = gt.call
    times = gt.sample.times
    anticipation = int(call.get("anticipation", 0))
    universal = call.get("base_period") == "universal"
    not_yet = call.get("control_group") == "not_yet_treated"
    counts = np.bincount(obs_idx, minlength=len(labels)).astype(float)
    t = gt._table
    phi = np.zeros((len(t), len(labels), len(times)))
    for k, (g, tt) in enumerate(zip(t["cohort"].to_numpy(), t["time"].to_numpy(), strict=True)):
        tc = int(np.searchsorted(times, tt))
        post = g <= tt
        b = int(np.flatnonzero(times + anticipation < g)[-1]) if (post or universal) else tc - 1
        if tc == b:
            continue  # the reference cell of a universal base period: 0
        gi = int(np.searchsorted(labels, g))
        phi[k, gi, tc] += 1 / counts[gi]
        phi[k, gi, b] -= 1 / counts[gi]
        later = times[max(tc, b)]
        ctrl = (labels == 0) | ((labels > later + anticipation) & (labels != g) & not_yet)
        n_c = counts[ctrl].sum()
        phi[k, ctrl, tc] -= 1 / n_c
        phi[k, ctrl, b] += 1 / n_c
    return phi


def _strata(strata: Any, data: Any, gt: GroupTimeEffects) -> np.ndarray:
    """Stratum codes of the units of ``gt`` (all 0 without strata)."""
    ids = gt.sample.unit_ids
    if strata is None:
        return np.zeros(len(ids), dtype=np.intp)
    if isinstance(strata, str):
        if not isinstance(data, pd.DataFrame):
            raise OptionError(
                "strata as a column name needs the panel; with a result pass a Series that "
                "maps every unit id to its stratum"
            )
        if strata not in data.columns:
            raise DataError(f"panel has no column {strata!r} to form strata")
        unit_col = gt.call["unit"]
        per = data.groupby(unit_col, sort=False)[strata].nunique(dropna=False)
        if (per > 1).any():
            raise DataError(
                f"strata column {strata!r} varies within unit(s) {per.index[per > 1][:5].tolist()}"
            )
        values = data.groupby(unit_col, sort=False)[strata].first()
    else:
        values = pd.Series(strata)
    mapped = values.reindex(ids)
    if mapped.isna().any():
        missing = ids[mapped.isna().to_numpy()][:5].tolist()
        raise DataError(f"{int(mapped.isna().sum())} unit(s) have no stratum (e.g. {missing})")
    return pd.factorize(mapped)[0].astype(np.intp)


def _n_assignments(labels: np.ndarray, stratum: np.ndarray) -> int:
    """Number of distinct assignments: the product over strata of the multinomial
    coefficients of their label counts."""
    total = 1
    for s in np.unique(stratum):
        counts = np.bincount(labels[stratum == s])
        m = int(counts.sum())
        ways = math.factorial(m)
        for c in counts:
            ways //= math.factorial(int(c))
        total *= ways
        if total > 10**12:
            return total
    return total


def _multiset_permutations(labels: np.ndarray) -> Iterator[tuple[int, ...]]:
    """Every distinct ordering of ``labels`` (positions chosen label by label)."""
    values, counts = np.unique(labels, return_counts=True)
    m = len(labels)

    def rec(free: tuple[int, ...], j: int, out: list[int]) -> Iterator[tuple[int, ...]]:
        if j == len(values) - 1:
            for pos in free:
                out[pos] = int(values[j])
            yield tuple(out)
            return
        for chosen in itertools.combinations(free, int(counts[j])):
            for pos in chosen:
                out[pos] = int(values[j])
            rest = tuple(p for p in free if p not in set(chosen))
            yield from rec(rest, j + 1, out)

    yield from rec(tuple(range(m)), 0, [0] * m)


def _enumerate(labels: np.ndarray, stratum: np.ndarray) -> Iterator[np.ndarray]:
    """All distinct assignments, in chunks (rows: assignments, columns: units)."""
    groups = [np.flatnonzero(stratum == s) for s in np.unique(stratum)]
    per = [list(_multiset_permutations(labels[g])) for g in groups]
    chunk = max(1, _CHUNK_CELLS // max(len(labels), 1))
    rows: list[np.ndarray] = []
    for combo in itertools.product(*per):
        out = np.empty(len(labels), dtype=np.intp)
        for g, part in zip(groups, combo, strict=True):
            out[g] = part
        rows.append(out)
        if len(rows) == chunk:
            yield np.vstack(rows)
            rows = []
    if rows:
        yield np.vstack(rows)


def _random(
    labels: np.ndarray, stratum: np.ndarray, n_draws: int, seed: int
) -> Iterator[np.ndarray]:
    """``n_draws`` random assignments (permutations within strata), in chunks."""
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(stratum == s) for s in np.unique(stratum)]
    chunk = max(1, _CHUNK_CELLS // max(len(labels), 1))
    for b0 in range(0, n_draws, chunk):
        b = min(chunk, n_draws - b0)
        out = np.empty((b, len(labels)), dtype=np.intp)
        for g in groups:
            out[:, g] = rng.permuted(np.tile(labels[g], (b, 1)), axis=1)
        yield out


def _evaluate(
    q_y: np.ndarray, q_d: np.ndarray, draws: Iterator[np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The statistics of every assignment: (draws x statistics) for Y, (draws,) for D."""
    units = np.arange(n)
    a_parts, c_parts = [], []
    for block in draws:
        a_parts.append(q_y[:, block, units[None, :]].sum(axis=2).T)
        c_parts.append(q_d[block, units[None, :]].sum(axis=1))
    return np.vstack(a_parts), np.concatenate(c_parts)


def _invert(
    a: np.ndarray, c: np.ndarray, a_obs: float, c_obs: float, alpha: float, exact: bool
) -> tuple[float, float]:
    """The hull of ``{tau: p(tau) > alpha}`` for the test of a constant effect tau.

    Assignment b exceeds at tau when ``|a_b - tau c_b| >= |a_obs - tau c_obs|``, i.e. when
    the quadratic ``f_b(tau) = (a_b - tau c_b)^2 - (a_obs - tau c_obs)^2`` is >= 0. The number
    of exceeding assignments changes only at the roots of the f_b, so one sweep over the
    sorted roots gives p(tau) on every interval between them (exactly, in O(B log B))."""
    qa = c**2 - c_obs**2
    qb = -2 * (a * c - a_obs * c_obs)
    qc = a**2 - a_obs**2
    s_a = max(abs(a_obs), float(np.abs(a).max()), 1e-300)
    s_c = max(abs(c_obs), float(np.abs(c).max()), 1e-300)
    small_a = np.abs(qa) <= 1e-10 * s_c**2
    small_b = np.abs(qb) <= 1e-10 * s_a * s_c
    const = small_a & small_b
    lin = small_a & ~small_b
    quad = ~small_a
    # count at tau -> -infinity
    start = int((const & (qc >= -1e-10 * s_a**2)).sum())
    start += int((lin & (qb < 0)).sum()) + int((quad & (qa > 0)).sum())
    pos: list[np.ndarray] = []
    delta: list[np.ndarray] = []
    r = -qc[lin] / qb[lin]
    pos.append(r)
    delta.append(np.where(qb[lin] > 0, 1, -1))
    disc = qb[quad] ** 2 - 4 * qa[quad] * qc[quad]
    two = disc > 0
    sq = np.sqrt(disc[two])
    qa2, qb2 = qa[quad][two], qb[quad][two]
    r1 = (-qb2 - np.sign(qa2) * sq) / (2 * qa2)  # the smaller root
    r2 = (-qb2 + np.sign(qa2) * sq) / (2 * qa2)
    up = np.where(qa2 > 0, -1, 1)  # qa > 0: f >= 0 outside the roots
    pos += [r1, r2]
    delta += [up, -up]
    x = np.concatenate(pos)
    dx = np.concatenate(delta).astype(np.int64)
    order = np.argsort(x, kind="stable")
    x, dx = x[order], dx[order]
    # p on the segments (-inf, x_0), (x_0, x_1), ..., (x_last, inf)
    counts = start + np.concatenate([[0], np.cumsum(dx)])
    n_b = len(a)
    p = counts / n_b if exact else (1 + counts) / (1 + n_b)
    ok = p > alpha
    if not ok.any():
        return float("nan"), float("nan")
    first, last = int(np.flatnonzero(ok)[0]), int(np.flatnonzero(ok)[-1])
    lo = -np.inf if first == 0 else float(x[first - 1])
    hi = np.inf if last == len(x) else float(x[last])
    return lo, hi
