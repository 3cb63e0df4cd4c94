"""The Goodman-Bacon (2021) decomposition of the two-way fixed effects DiD estimate.

With a binary, absorbing treatment in a balanced panel without covariates, the TWFE coefficient
is a weighted average of all 2x2 DiD comparisons between timing groups (and the never-treated
group); the weights are the groups' sizes times the variance of treatment in each comparison.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import DataError, StaggeredWarning
from ..i18n import Text
from ..study.panel import resolve_roles, wide_panel
from ._compat import legacy_arguments
from ._data import excluded_notes
from .results import BACON_TYPES, BaconDecomposition

#: deprecated: the labels of the comparison types as (German, English)
TYPES = {k: (v.de, v.en) for k, v in BACON_TYPES.items()}
TITLE = Text(
    "Goodman-Bacon-Zerlegung des TWFE-Schätzers",
    "Goodman-Bacon decomposition of the TWFE estimate",
)
BACON_NOTE = Text(
    "Gewichte aus Gruppengrößen und Varianz der Behandlung (Goodman-Bacon 2021); die Summe "
    "von Gewicht x Schätzwert ist der TWFE-Koeffizient.",
    "Weights from group sizes and treatment variance (Goodman-Bacon 2021); "
    "sum(weight x estimate) equals the TWFE coefficient.",
)


@legacy_arguments()
def bacon_decomposition(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
) -> BaconDecomposition:
    """Goodman-Bacon decomposition of the TWFE estimate of ``y ~ unit + time + D`` with
    ``D = 1{cohort > 0 and time >= cohort}``.

    Needs a balanced panel (units with gaps are dropped with a warning) and no covariates.
    Units treated in the first period form an "always treated" group (they serve only as
    comparison); cohorts after the last period count as never treated. ``tidy()`` has one row
    per 2x2 comparison: ``type``, ``treated`` (cohort), ``control`` (cohort; 0 = never treated),
    ``estimate``, ``weight``; the weights sum to one and ``sum(weight * estimate) == twfe``.

    Parameters
    ----------
    data, outcome, unit, time, cohort
        Long panel and its column roles (default from ``data.attrs["roles"]``); the roles
        after ``outcome`` are keyword arguments (positional use is deprecated).

    Returns
    -------
    BaconDecomposition
    """
    roles = resolve_roles(data, outcome, unit, time, cohort)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StaggeredWarning)
        wp = wide_panel(data, roles, unbalanced="drop", drop_always_treated=False)
    for w in caught:
        warnings.warn(str(w.message), w.category, stacklevel=3)
    times, y, g = wp.times, wp.y, wp.cohort
    n, T = y.shape
    g = np.where((g > 0) & (g <= times[0]), times[0], g)  # always treated: from the start
    groups = np.unique(g)
    timing = groups[groups > 0]
    if len(timing) == 0:
        raise DataError("no treated units: nothing to decompose")
    d = (g[:, None] > 0) & (times[None, :] >= g[:, None])
    # TWFE coefficient via the within transformation (balanced panel)
    dd = d.astype(float)
    dt = dd - dd.mean(1, keepdims=True) - dd.mean(0, keepdims=True) + dd.mean()
    var_d = float((dt**2).mean())
    if var_d <= 0:
        raise DataError("treatment does not vary within units and periods: no TWFE estimate")
    twfe = float((dt * y).sum() / (dt**2).sum())

    share = {int(k): float(np.mean(g == k)) for k in groups}
    dbar = {int(k): float(np.mean(times >= k)) if k > 0 else 0.0 for k in groups}
    ybar = {int(k): y[g == k].mean(axis=0) for k in groups}

    def did(treat, ctrl, pre, post):
        return float(
            (ybar[treat][post].mean() - ybar[treat][pre].mean())
            - (ybar[ctrl][post].mean() - ybar[ctrl][pre].mean())
        )

    rows = []
    if 0 in share:
        for k in timing:
            k = int(k)
            if dbar[k] >= 1:
                continue  # always treated vs never treated: no pre-period, weight 0
            nk, nu = share[k], share[0]
            nku = nk / (nk + nu)
            s = (nk + nu) ** 2 * nku * (1 - nku) * dbar[k] * (1 - dbar[k]) / var_d
            rows.append(("treated_vs_never", k, 0, did(k, 0, times < k, times >= k), s))
    for i, k in enumerate(timing):
        for ll in timing[i + 1 :]:
            k, ll = int(k), int(ll)
            nk, nl = share[k], share[ll]
            nkl = nk / (nk + nl)
            dk, dl = dbar[k], dbar[ll]
            if dk < 1:  # k treated, l not yet treated: window before l's onset
                s = ((nk + nl) * (1 - dl)) ** 2 * nkl * (1 - nkl)
                s *= (dk - dl) / (1 - dl) * (1 - dk) / (1 - dl) / var_d
                win = times < ll
                est = did(k, ll, win & (times < k), win & (times >= k))
                rows.append(("earlier_vs_later", k, ll, est, s))
            # l treated, k already treated: window from k's onset on
            s = ((nk + nl) * dk) ** 2 * nkl * (1 - nkl) * (dl / dk) * (dk - dl) / dk / var_d
            win = times >= k
            est = did(ll, k, win & (times < ll), win & (times >= ll))
            kind = "treated_vs_always" if dk >= 1 else "later_vs_earlier"
            rows.append((kind, ll, k, est, s))
    table = pd.DataFrame(rows, columns=["type", "treated", "control", "estimate", "weight"])
    return BaconDecomposition(
        table,
        twfe=twfe,
        excluded_units=wp.excluded,
        title=TITLE,
        facts={"twfe": twfe, "n_units": n, "n_comparisons": len(table)},
        notes=[BACON_NOTE, *excluded_notes(wp.excluded)],
        call={
            "outcome": roles.outcome,
            "unit": roles.unit,
            "time": roles.time,
            "cohort": roles.cohort,
        },
    )
