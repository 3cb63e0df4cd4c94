"""The 2x2 difference-in-differences design: one window before and one after onset."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Text
from ..options import ControlGroup, OneWayCluster, check_option, renamed
from ..stats.design import LinearDesign
from ..stats.fixed_effects import cluster_frame, cluster_ids, cluster_inference
from ..study.panel import check_panel, event_window, resolve_roles
from .results import DidResult

__all__ = ["did_2x2"]

TITLE = Text("2x2-Differenz-von-Differenzen", "2x2 difference-in-differences")
METHOD = Text("2x2-DiD (OLS mit Interaktion)", "2x2 DiD (OLS with interaction)")
COMPARISON_NOTE = {
    "never_treated": Text("Vergleichsgruppe: nie behandelt.", "Comparison group: never treated."),
    "not_yet_treated": Text(
        "Vergleichsgruppe: nie oder erst nach der Nachperiode behandelt.",
        "Comparison group: never treated or treated after the post period.",
    ),
}
#: the values of ``control=`` before it became ``control_group=``
_OLD_CONTROL = {"never": "never_treated", "not_yet": "not_yet_treated"}


def _comparison(control_group: str, control: str | None) -> str:
    value = renamed(
        "control", control, "control_group", control_group, "never_treated", stacklevel=4
    )
    if value in _OLD_CONTROL:
        warnings.warn(
            f"control_group={value!r} is deprecated; use {_OLD_CONTROL[value]!r}",
            DeprecationWarning,
            stacklevel=4,
        )
        value = _OLD_CONTROL[value]
    return check_option("control_group", value, ControlGroup)


# ---------------------------------------------------------------------------------------
# canonical 2x2 difference-in-differences
# ---------------------------------------------------------------------------------------
def did_2x2(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    pre: int | tuple[int, int] | None = None,
    post: int | tuple[int, int] | None = None,
    control_group: ControlGroup = "never_treated",
    cluster: OneWayCluster = "unit",
    weights: str | None = None,
    level: float = 0.95,
    control: str | None = None,
) -> DidResult:
    """Canonical 2x2 difference-in-differences.

    (treated after - treated before) - (comparison after - comparison before), as the
    interaction coefficient of ``y ~ treat + after + treat:after`` over the rows of both
    periods.

    Parameters
    ----------
    data, outcome, unit, time, cohort
        Long panel and its role columns (defaults as for :func:`evaluation.twfe`).
    pre, post
        Years or (first, last) year ranges. With a single treated cohort g they default to all
        years before g and from g on. Treated units are those whose cohort lies after the pre
        period and no later than the first post year.
    control_group
        ``"never_treated"`` (default) or ``"not_yet_treated"`` (also the units treated after
        the post period).
    cluster
        ``"unit"`` or ``"state"``; standard errors as in :func:`evaluation.twfe`.
    weights
        Optional column of observation weights.
    level
        Confidence level of ``tidy()``.
    control
        Deprecated name of ``control_group`` (values ``"never"``, ``"not_yet"``).

    Returns
    -------
    DidResult
        One row, term ``did``; ``cells`` holds the four means; ``vcov()`` and ``design()``
        (for :func:`evaluation.wild_bootstrap`).
    """
    comparison = _comparison(control_group, control)
    check_option("cluster", cluster, OneWayCluster)
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
    ctrl = g == 0 if comparison == "never_treated" else (g == 0) | (g > q1)
    in_pre = (t >= p0) & (t <= p1)
    in_post = (t >= q0) & (t <= q1)
    rows = (treat | ctrl) & (in_pre | in_post)
    sub = df.loc[rows].reset_index(drop=True)
    treated = treat[rows].astype(float)
    af = in_post[rows].astype(float)
    cells = pd.DataFrame({"treat": treated, "after": af, "y": sub[roles.outcome].to_numpy()})
    counts = cells.groupby(["treat", "after"]).size()
    if len(counts) < 4:
        n_units = {
            "treated": int(df.loc[treat, roles.unit].nunique()),
            "control": int(df.loc[ctrl, roles.unit].nunique()),
        }
        raise DataError(_empty_cells(counts, n_units, (p0, p1), (q0, q1), pre, post))
    x = np.column_stack([np.ones(len(sub)), treated, af, treated * af])
    w = sub[weights].to_numpy(dtype=float) if weights else None
    model = (
        sm.WLS(cells["y"].to_numpy(), x, weights=w)
        if w is not None
        else sm.OLS(cells["y"].to_numpy(), x)
    )
    roles_cl = cluster_frame(sub, roles, cluster)
    assert roles_cl is not None  # a one-way clustering always has codes
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
    cell_tab = _cell_means(cells, counts)
    n_treated_cl = int(pd.Series(groups[treated == 1]).nunique())
    facts = {
        "n_obs": len(sub),
        "n_treated_units": int(sub.loc[treated == 1, roles.unit].nunique()),
        "n_comparison_units": int(sub.loc[treated == 0, roles.unit].nunique()),
        "n_clusters": n_cl,
        "pre": f"{p0}-{p1}",
        "post": f"{q0}-{q1}",
    }
    design, no_design = _design(cells["y"].to_numpy(), x, cluster_ids(sub, roles, cluster), w)
    inference = cluster_inference(
        cluster, dof=n_cl - 1, n_clusters=n_cl, n_treated_clusters=n_treated_cl
    )
    res = DidResult(
        table,
        ["term"],
        cells=cell_tab,
        title=TITLE,
        method=METHOD,
        inference=inference,
        level=level,
        facts=facts,
        notes=[COMPARISON_NOTE[comparison]],
        outcome=roles.outcome,
        call={"estimator": "did_2x2", "pre": (p0, p1), "post": (q0, q1),
              "control_group": comparison, "cluster": cluster, "weights": weights,
              "level": level},
        covariance=np.array([[vc[3, 3]]]),
        design=design,
        no_design=no_design,
    )  # fmt: skip
    inference.warn("did_2x2")
    return res


def _design(
    y: np.ndarray, x: np.ndarray, cluster: np.ndarray, w: np.ndarray | None
) -> tuple[LinearDesign | None, str | None]:
    """The regression ``y ~ treat + after + did`` for the wild bootstrap (or why there is
    none, e.g. zero weights)."""
    try:
        return LinearDesign(y=y, x=x[:, 1:], names=["treat", "after", "did"], cluster=cluster,
                            weights=w), None  # fmt: skip
    except DataError as err:
        return None, f"the wild cluster bootstrap cannot take this result's design: {err}"


def _empty_cells(
    counts: pd.Series,
    n_units: dict[str, int],
    pre_years: tuple[int, int],
    post_years: tuple[int, int],
    pre: object,
    post: object,
) -> str:
    """The message naming every empty group-period cell of a 2x2 comparison."""
    empty = []
    for tv, group in ((1.0, "treated"), (0.0, "control")):
        n = n_units[group]
        for av, period, (a, b) in ((0.0, "pre", pre_years), (1.0, "post", post_years)):
            if (tv, av) not in counts.index:
                exist = (
                    f" ({n} {group} unit(s) exist)"
                    if n
                    else f" (there are no {group} units for these periods)"
                )
                empty.append(f"no {group} unit is observed in the {period} period {a}-{b}{exist}")
    return (
        f"a 2x2 cell is empty for pre={pre!r}, post={post!r}: "
        + "; ".join(empty)
        + "; need treated and control units observed in both periods"
    )


def _cell_means(cells: pd.DataFrame, counts: pd.Series) -> pd.DataFrame:
    """The four group-period means and their numbers of observations."""
    mean = cells.groupby(["treat", "after"])["y"].mean()
    order = [(1.0, 0.0), (1.0, 1.0), (0.0, 0.0), (0.0, 1.0)]
    return pd.DataFrame(
        {
            "group": ["treated", "treated", "control", "control"],
            "period": ["pre", "post", "pre", "post"],
            "mean": [mean[k] for k in order],
            "n_obs": [int(counts[k]) for k in order],
        }
    )
