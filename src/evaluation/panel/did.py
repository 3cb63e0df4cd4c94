"""The 2x2 difference-in-differences design: one window before and one after onset."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ..results import (
    BiText,
    Estimates,
)
from ..stats.fixed_effects import (
    SE_NOTES,
    cluster_frame,
)
from ..study.panel import (
    check_panel,
    event_window,
    resolve_roles,
)


# ---------------------------------------------------------------------------------------
# canonical 2x2 difference-in-differences
# ---------------------------------------------------------------------------------------
class DidResult(Estimates):
    """A 2x2 DiD estimate; ``cells`` holds the four group-period means."""

    cells: pd.DataFrame


def did_2x2(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    pre: int | tuple[int, int] | None = None,
    post: int | tuple[int, int] | None = None,
    control: Literal["never", "not_yet"] = "never",
    cluster: Literal["unit", "state"] = "unit",
    weights: str | None = None,
    level: float = 0.95,
) -> DidResult:
    """Canonical 2x2 difference-in-differences: (treated post - treated pre) -
    (control post - control pre), as the interaction coefficient of
    ``y ~ treat + after + treat:after`` over the rows of both periods.

    ``pre`` and ``post`` are years or (first, last) year ranges; treated units are those
    whose cohort lies after the pre period and no later than the first post year; controls
    are never treated (``control="never"``) or also those treated after the post period
    (``"not_yet"``). With a single treated cohort g the periods default to all years before g
    and from g on. Standard errors as in :func:`twfe` (cluster by unit or state).
    """
    if control not in ("never", "not_yet"):
        raise DataError(f"control must be 'never' or 'not_yet', got {control!r}")
    if cluster not in ("unit", "state"):
        raise DataError(f"cluster must be 'unit' or 'state' for did_2x2, got {cluster!r}")
    import statsmodels.api as sm

    roles = resolve_roles(data, outcome, unit, time, cohort)
    df = check_panel(data, roles, columns=[weights] if weights else [])
    t = df[roles.time].to_numpy()
    g = df[roles.cohort].to_numpy()
    if pre is None or post is None:
        cohorts = np.unique(g[g > 0])
        if len(cohorts) != 1:
            raise DataError(
                f"the panel has {len(cohorts)} treated cohorts; give pre= and post= years "
                "(e.g. pre=(2008, 2010), post=(2012, 2014))"
            )
        pre = pre if pre is not None else (int(t.min()), int(cohorts[0]) - 1)
        post = post if post is not None else (int(cohorts[0]), int(t.max()))
    p0, p1 = event_window(pre, "pre")
    q0, q1 = event_window(post, "post")
    if q0 <= p1:
        raise DataError(f"post {post!r} must start after pre {pre!r} ends")
    treat = (g > p1) & (g <= q0)
    ctrl = g == 0 if control == "never" else (g == 0) | (g > q1)
    in_pre = (t >= p0) & (t <= p1)
    in_post = (t >= q0) & (t <= q1)
    rows = (treat | ctrl) & (in_pre | in_post)
    sub = df.loc[rows].reset_index(drop=True)
    tr = treat[rows].astype(float)
    af = in_post[rows].astype(float)
    cells = pd.DataFrame({"treat": tr, "after": af, "y": sub[roles.outcome].to_numpy()})
    counts = cells.groupby(["treat", "after"]).size()
    if len(counts) < 4:
        empty = []
        for tv, gname, units in ((1.0, "treated", treat), (0.0, "control", ctrl)):
            n_units = int(df.loc[units, roles.unit].nunique())
            for av, pname, (a, b) in ((0.0, "pre", (p0, p1)), (1.0, "post", (q0, q1))):
                if (tv, av) not in counts.index:
                    empty.append(
                        f"no {gname} unit is observed in the {pname} period {a}-{b}"
                        + (f" ({n_units} {gname} unit(s) exist)" if n_units else
                           f" (there are no {gname} units for these periods)")
                    )  # fmt: skip
        raise DataError(
            f"a 2x2 cell is empty for pre={pre!r}, post={post!r}: "
            + "; ".join(empty)
            + "; need treated and control units observed in both periods"
        )
    x = np.column_stack([np.ones(len(sub)), tr, af, tr * af])
    w = sub[weights].to_numpy(dtype=float) if weights else None
    model = (
        sm.WLS(cells["y"].to_numpy(), x, weights=w)
        if w is not None
        else sm.OLS(cells["y"].to_numpy(), x)
    )
    roles_cl = cluster_frame(sub, roles, cluster)
    groups = roles_cl.iloc[:, 0].to_numpy()
    n_cl = len(np.unique(groups))
    if n_cl < 2:
        raise DataError("fewer than two clusters; cannot compute clustered standard errors")
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    y_cells = cells["y"].to_numpy()
    if np.linalg.norm(fit.resid) <= 1e-10 * max(np.abs(y_cells - y_cells.mean()).max(), 1e-300):
        raise DataError(
            f"outcome {roles.outcome!r} is constant within each of the four group-period cells "
            f"for pre={pre!r}, post={post!r}: there is no variation left to estimate a standard "
            "error from (a degenerate design); check the indicator and the periods"
        )
    vc = np.asarray(fit.cov_params()) * n_cl / (n_cl - 1)
    if not vc[3, 3] > (1e-10 * max(y_cells.std(), 1e-300)) ** 2:
        raise DataError(
            f"outcome {roles.outcome!r} changes by the same amount for every unit between "
            f"pre={pre!r} and post={post!r}: the DiD is {fit.params[3]:g} with no variance (a "
            "degenerate design); check the indicator"
        )
    table = pd.DataFrame(
        {
            "term": ["did"],
            "estimate": [float(fit.params[3])],
            "std_error": [float(np.sqrt(vc[3, 3]))],
        }
    )
    mean = cells.groupby(["treat", "after"])["y"].mean()
    cell_tab = pd.DataFrame(
        {
            "group": ["treated", "treated", "control", "control"],
            "period": ["pre", "post", "pre", "post"],
            "mean": [mean[(1.0, 0.0)], mean[(1.0, 1.0)], mean[(0.0, 0.0)], mean[(0.0, 1.0)]],
            "n_obs": [
                int(counts[(1.0, 0.0)]),
                int(counts[(1.0, 1.0)]),
                int(counts[(0.0, 0.0)]),
                int(counts[(0.0, 1.0)]),
            ],
        }
    )
    facts = {
        "n_obs": len(sub),
        "n_treated_units": int(sub.loc[tr == 1, roles.unit].nunique()),
        "n_control_units": int(sub.loc[tr == 0, roles.unit].nunique()),
        "n_clusters": n_cl,
        "pre": f"{p0}-{p1}",
        "post": f"{q0}-{q1}",
    }
    res = DidResult(
        table,
        ["term"],
        title="2x2 difference-in-differences",
        method=BiText("2x2-DiD (OLS mit Interaktion)", "2x2 DiD (OLS with interaction)"),
        se_note=SE_NOTES[cluster],
        distribution="t",
        df=float(n_cl - 1),
        level=level,
        facts=facts,
        notes=[
            BiText(
                f"Kontrollgruppe: {'nie' if control == 'never' else 'noch nicht'} behandelt.",
                f"Control group: {'never' if control == 'never' else 'not yet'} treated.",
            )
        ],
        outcome=roles.outcome,
    )
    res.cells = cell_tab
    treated_cl = int(pd.Series(groups[tr == 1]).nunique())
    res.flag_clusters(n_cl, treated_cl, what="did_2x2")
    return res
