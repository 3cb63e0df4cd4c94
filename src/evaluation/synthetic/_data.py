"""From a long panel to the matrices of synthetic control and synthetic DiD.

Both methods need a balanced block: the outcome of every treated unit and every donor in every
year of the window used. :func:`prepare` checks the panel once (through
:func:`evaluation.study.panel.check_panel`), picks the treated units and the donors (never treated,
minus ``exclude``) and pivots the outcome to a units x years matrix; :func:`require_complete`
refuses a window with gaps and lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Text
from ..options import check_draws as _check_draws
from ..options import check_option
from ..study.panel import Roles, check_panel, resolve_roles

#: Largest number of random draws a variance or placebo computation accepts (each draw solves
#: the weights again).
MAX_DRAWS = 100_000


def check_choice(name: str, value: Any, allowed: Any) -> None:
    """Raise :class:`~evaluation.errors.OptionError` unless ``value`` is one of the
    ``Literal`` ``allowed`` (a sequence of values is accepted too)."""
    check_option(name, value, allowed if get_args(allowed) else Literal[tuple(allowed)])


def check_draws(name: str, value: Any, minimum: int = 2) -> int:
    """A whole number of draws between ``minimum`` and :data:`MAX_DRAWS`."""
    return _check_draws(name, value, minimum=minimum, maximum=MAX_DRAWS)


def check_seed(seed: Any) -> int | np.random.SeedSequence:
    """A seed for ``numpy.random.default_rng``: a non-negative integer or a SeedSequence."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise OptionError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


@dataclass(frozen=True)
class Prepared:
    """The checked panel and its outcome as a units x years matrix (NaN where missing)."""

    frame: pd.DataFrame
    roles: Roles
    units: np.ndarray  # unit ids (str), rows of ``y``
    years: np.ndarray  # sorted years (int), columns of ``y``
    cohort: np.ndarray  # cohort of each unit (0 = never treated)
    y: np.ndarray
    treated: np.ndarray  # row indices of the treated units asked for
    donors: np.ndarray  # row indices of the donors (never treated, not excluded)
    excluded: tuple[str, ...]

    def row(self, unit: str) -> int:
        return int(np.flatnonzero(self.units == unit)[0])


def _ids(value: str | Sequence[str] | None, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    try:
        out = [str(v) for v in value]
    except TypeError as err:
        raise DataError(f"{name} must be a unit id or a list of unit ids, got {value!r}") from err
    return out


def prepare(
    data: pd.DataFrame,
    outcome: str | None,
    unit: str | None,
    time: str | None,
    cohort: str | None,
    *,
    treated: str | Sequence[str] | None,
    exclude: str | Sequence[str] | None,
    columns: Sequence[str] = (),
    min_donors: int = 2,
) -> Prepared:
    """Check the panel, choose treated units and donors, pivot the outcome."""
    roles = resolve_roles(data, outcome, unit, time, cohort)
    df = check_panel(data, roles, columns=list(dict.fromkeys(columns)))
    units_all = pd.unique(df[roles.unit])
    per_unit = df.groupby(roles.unit, sort=False)[roles.cohort].first()
    units = np.array([str(u) for u in units_all], dtype=object)
    cohorts = per_unit.reindex(units_all).to_numpy(dtype=np.int64)
    years = np.sort(pd.unique(df[roles.time]).astype(np.int64))
    wide = df.pivot(index=roles.unit, columns=roles.time, values=roles.outcome)
    wide = wide.reindex(index=units_all, columns=years)
    y = wide.to_numpy(dtype=float)

    known = set(units.tolist())
    asked = _ids(treated, "treated")
    if asked is None:
        treated_rows = np.flatnonzero(cohorts > 0)
    else:
        unknown = [u for u in asked if u not in known]
        if unknown:
            raise DataError(
                f"treated unit(s) {unknown} are not in column {roles.unit!r} (or have no "
                f"value of {roles.outcome!r}); give ids as they appear there"
            )
        rows = np.array([int(np.flatnonzero(units == u)[0]) for u in dict.fromkeys(asked)])
        never = [units[r] for r in rows if cohorts[r] == 0]
        if never:
            raise DataError(
                f"unit(s) {never} are never treated (cohort 0 in {roles.cohort!r}); a treated "
                "unit needs its onset year in the cohort column"
            )
        treated_rows = rows
    excl = _ids(exclude, "exclude") or []
    unknown = [u for u in excl if u not in known]
    if unknown:
        raise DataError(
            f"exclude names unit(s) {unknown} that are not in column {roles.unit!r}; "
            "give ids as they appear there"
        )
    excl_set = set(excl)
    donors = np.array(
        [i for i in np.flatnonzero(cohorts == 0) if units[i] not in excl_set], dtype=np.int64
    )
    if len(donors) < min_donors:
        raise DataError(
            f"only {len(donors)} donor unit(s) (never treated, cohort 0, and not excluded); "
            f"at least {min_donors} are needed"
        )
    return Prepared(
        frame=df,
        roles=roles,
        units=units,
        years=years,
        cohort=cohorts,
        y=y,
        treated=np.asarray(treated_rows, dtype=np.int64),
        donors=donors,
        excluded=tuple(excl),
    )


def require_complete(
    p: Prepared,
    rows: np.ndarray,
    cols: np.ndarray,
    what: str,
    shorten: str = "shorten the window (pre_periods=, post_periods=)",
) -> None:
    """Refuse (:class:`DataError`) when the outcome misses any of ``rows`` x ``cols``."""
    block = p.y[np.ix_(rows, cols)]
    gaps = np.isnan(block)
    if not gaps.any():
        return
    years = p.years[cols]
    bad = np.flatnonzero(gaps.any(axis=1))
    listed = []
    for k in bad[:8]:
        miss = years[gaps[k]].tolist()
        shown = ", ".join(str(v) for v in miss[:6]) + (", ..." if len(miss) > 6 else "")
        listed.append(f"{p.units[rows[k]]} ({shown})")
    more = f" and {len(bad) - 8} more unit(s)" if len(bad) > 8 else ""
    ids = [str(p.units[rows[k]]) for k in bad]
    raise DataError(
        f"outcome {p.roles.outcome!r} is missing in {int(gaps.sum())} unit-year cell(s) that "
        f"{what} needs (years {years.min()}-{years.max()}): {'; '.join(listed)}{more}. The "
        "method needs a balanced panel over its window: leave these units out (exclude="
        f"{ids[:8]!r}), interpolate the missing years, or {shorten}"
    )


def window(
    p: Prepared,
    onset: int,
    pre_periods: int | tuple[int, int] | None,
    post_periods: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Column indices of the pre- and post-treatment years of a unit with this onset."""
    pre = np.flatnonzero(p.years < onset)
    post = np.flatnonzero(p.years >= onset)
    if pre_periods is not None:
        if isinstance(pre_periods, tuple | list):
            try:
                a, b = (int(v) for v in pre_periods)
            except (TypeError, ValueError) as err:
                raise DataError(
                    "pre_periods must be a number of years or a (first, last) pair of years"
                ) from err
            if a > b:
                raise DataError(f"pre_periods = {pre_periods!r}: the first year is after the last")
            pre = pre[(p.years[pre] >= a) & (p.years[pre] <= b)]
        elif isinstance(pre_periods, int | np.integer) and not isinstance(pre_periods, bool):
            if pre_periods < 1:
                raise DataError(f"pre_periods must be at least 1, got {pre_periods}")
            pre = pre[-int(pre_periods) :]
        else:
            raise DataError(
                "pre_periods must be a number of years or a (first, last) pair of years, "
                f"got {pre_periods!r}"
            )
    if post_periods is not None:
        if (
            isinstance(post_periods, bool)
            or not isinstance(post_periods, int | np.integer)
            or post_periods < 1
        ):
            raise DataError(
                f"post_periods must be a positive number of years, got {post_periods!r}"
            )
        post = post[: int(post_periods)]
    return pre, post


def window_problem(n_pre: int, n_post: int, onset: int, last: int) -> Text | None:
    """Why a treated unit (or cohort) cannot be estimated, in German and English."""
    if n_post == 0:
        return Text(
            f"kein Jahr ab dem Beginn {onset} in den Daten (letztes Jahr {last})",
            f"has no year from its onset {onset} on in the data (last year {last})",
        )
    if n_pre < 2:
        return Text(
            f"{n_pre} Jahr(e) vor dem Beginn {onset} in den Daten, mindestens 2 nötig",
            f"has {n_pre} year(s) before its onset {onset} in the data (at least 2 are needed)",
        )
    return None
