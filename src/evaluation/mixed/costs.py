"""Costs per implemented measure, with intervals that respect municipality clusters.

Input is the table ``measures`` with the optional cost columns, joined to its goal, audit and
municipality (e.g. ``study.measure_table().merge(costs)``):

===============  =======  ==============================================================
column           type     meaning
===============  =======  ==============================================================
measure_id       string   the measure
municipality_id  string   the municipality of its audit (the cluster)
action_field     string   the action field of its goal (or any other ``by`` column)
cost_planned_eur number   planned cost in EUR (optional)
cost_spent_eur   number   cost spent so far in EUR (optional)
staff_hours      number   staff hours (optional)
funding_source   string   own budget, state programme, federal programme, foundation,
                          other (optional; a possible ``by`` column)
===============  =======  ==============================================================

and each measure's status: the table ``measure_reports`` (the latest report counts) or one
``status`` per measure.

The cost per implemented measure of a group is the ratio
:math:`R = \\sum_i c_i / \\sum_i s_i` over the measures of the group with a known cost, with
:math:`s_i` = 1 for a successful measure. ``basis="all_measures"`` adds up the cost of *every*
measure (what the programme spent per measure it got implemented);
``basis="implemented"`` only that of the successful ones (the mean cost of an implemented
measure). Its standard error is the linearisation of the ratio over municipalities,
:math:`\\hat V = G/(G-1) \\sum_g z_g^2` with :math:`z_g = (C_g - R S_g)/S` (R ``survey``'s
``svyratio`` for a cluster sample with replacement), or a cluster bootstrap (municipalities
drawn with replacement, percentile interval, as for the implementation rates).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from ..codes import ACTION_FIELD_CODES
from ..errors import DataError, OptionError
from ..i18n import Lang, Text, tr
from ..implementation import bootstrap_interval
from ..options import CostBasis, CostInterval, Success, check_option
from ..results import Inference, check_level, figure_axes, value_label
from ..study import Study
from ._common import (
    SUCCESS_LABELS,
    MixedTable,
    check_frame,
    check_optional_draws,
    check_seed,
    columns_list,
    first_bad_row,
    level_text,
    numeric_column,
    shown,
    study_data,
)
from ._status import latest_status, success_flags

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

COST_COLUMNS: tuple[str, ...] = ("cost_planned_eur", "cost_spent_eur", "staff_hours")
COST_LABELS = {
    "cost_planned_eur": Text("geplante Kosten (EUR)", "planned cost (EUR)"),
    "cost_spent_eur": Text("ausgegebene Kosten (EUR)", "cost spent (EUR)"),
    "staff_hours": Text("Personalstunden", "staff hours"),
}
CI_METHOD_LABELS = {
    "linearisation": Text("Linearisierung", "linearisation"),
    "bootstrap": Text("Cluster-Bootstrap", "cluster bootstrap"),
}
TITLE = Text("Kosten je umgesetzter Maßnahme", "Cost per implemented measure")
BASIS = {
    "all_measures": Text(
        "Kosten aller Maßnahmen der Gruppe geteilt durch die Zahl der umgesetzten.",
        "Cost of all measures of the group divided by the number implemented.",
    ),
    "implemented": Text(
        "Mittlere Kosten der umgesetzten Maßnahmen.", "Mean cost of the implemented measures."
    ),
}
LINEARISATION = Text(
    "Intervall: Wald-Intervall ({level}) mit dem linearisierten Standardfehler des Quotienten "
    "über Kommunen (Cluster, mit Zurücklegen).",
    "Interval: Wald interval ({level}) with the linearised standard error of the ratio over "
    "municipalities (clusters, with replacement).",
)
BOOTSTRAP = Text(
    "Intervall: Perzentil-Intervall ({level}) aus {n} Ziehungen ganzer Kommunen mit Zurücklegen "
    "(Startwert {seed}); Standardfehler: Streuung der Ziehungen.",
    "Interval: percentile interval ({level}) from {n} draws of whole municipalities with "
    "replacement (seed {seed}); standard error: spread of the draws.",
)
MISSING_COST = Text(
    "{col}: {k} Maßnahme(n) ohne Angabe bleiben außen vor.",
    "{col}: {k} measure(s) without a value are left out.",
)
NO_STATUS = Text(
    "{k} Maßnahme(n) ohne Bericht zählen als nicht umgesetzt.",
    "{k} measure(s) without a report count as not implemented.",
)
NONE_IMPLEMENTED = Text(
    "{k} Gruppe(n) ohne umgesetzte Maßnahme: keine Kosten je umgesetzter Maßnahme.",
    "{k} group(s) without an implemented measure: no cost per implemented measure.",
)
SINGLE = Text(
    "{k} Gruppe(n) mit Maßnahmen nur einer Kommune: kein Intervall (leer).",
    "{k} group(s) with measures of a single municipality: no interval (empty).",
)


class MeasureCosts(MixedTable):
    """Cost per implemented measure per group and cost column.

    ``tidy()`` columns: the ``by`` columns, ``cost`` (the cost column), ``n_measures``
    (measures with a value), ``n_implemented``, ``total`` (sum of the costs counted),
    ``estimate`` (cost per implemented measure), ``std_error``, ``ci_low``, ``ci_high``,
    ``ci_method`` and ``n_municipalities``.
    """

    def plot(
        self,
        ax: Axes | None = None,
        *,
        lang: Lang = "de",
        title: str | None = None,
        cost: str | None = None,
    ) -> Figure:
        """Estimates with intervals for one cost column (default: the first); returns the
        Figure."""
        t = self._table
        cost = cost or str(t["cost"].iloc[0])
        t = t[(t["cost"] == cost) & t["estimate"].notna()]
        by = self.call["by"]
        fig, ax = figure_axes(ax, (7, 0.8 + 0.45 * max(len(t), 1)))
        pos = np.arange(len(t))[::-1]
        est = t["estimate"].to_numpy(dtype=float)
        err = np.vstack(
            [
                np.nan_to_num(est - t["ci_low"].to_numpy(dtype=float)),
                np.nan_to_num(t["ci_high"].to_numpy(dtype=float) - est),
            ]
        )
        ax.errorbar(est, pos, xerr=err, fmt="o", color="C0", capsize=3)
        names = (
            [
                " / ".join(value_label(k, v, lang) for k, v in zip(by, row, strict=True))
                for row in t[by].itertuples(index=False)
            ]
            if by
            else [TITLE(lang)]
        )
        ax.set_yticks(pos, names)
        ax.set_xlabel(tr(COST_LABELS.get(cost, cost), lang))
        ax.set_title(title or tr(self.title, lang))
        fig.tight_layout()
        return fig


def _checked_measures(
    measures: pd.DataFrame,
    cluster: str,
    by: list[str],
    costs: str | Sequence[str] | None,
) -> tuple[pd.DataFrame, list[str]]:
    """The measures table with unique ids and filled grouping columns, and its cost columns."""
    df = check_frame(measures, "measures", ["measure_id", cluster, *by]).reset_index(drop=True)
    cols = columns_list(costs) or [c for c in COST_COLUMNS if c in df.columns]
    if not cols:
        raise DataError(
            f"table measures has none of the cost columns {list(COST_COLUMNS)}; add one or "
            "name it with costs="
        )
    absent = [c for c in cols if c not in df.columns]
    if absent:
        raise DataError(f"table measures lacks the cost column(s) {absent}")
    dup = df["measure_id"].duplicated().to_numpy()
    if dup.any():
        row = first_bad_row(dup)
        raise DataError(
            f"table measures row {row}, field measure_id: {shown(df['measure_id'].iloc[row])} "
            "occurs more than once; measure ids must be unique"
        )
    for k in [cluster, *by]:
        miss = df[k].isna().to_numpy()
        if miss.any():
            row = first_bad_row(miss)
            raise DataError(
                f"table measures row {row}, field {k}: empty; fill it in (join the goals and "
                "audits of the study) or group by other columns"
            )
    return df, cols


def _groups(merged: pd.DataFrame, by: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The groups' key values (action fields in code-list order) and each measure's group."""
    if not by:
        return pd.DataFrame(index=[0]), np.zeros(len(merged), dtype=np.int64)
    keys = merged[by].drop_duplicates()
    if "action_field" in by:
        order = {c: i for i, c in enumerate(ACTION_FIELD_CODES)}
        keys = keys.sort_values(
            by, key=lambda s: s.map(order).fillna(99) if s.name == "action_field" else s
        )
    else:
        keys = keys.sort_values(by)
    keys = keys.reset_index(drop=True)
    gidx = pd.MultiIndex.from_frame(keys).get_indexer(pd.MultiIndex.from_frame(merged[by]))
    return keys, gidx


def _ratios(
    ysum: np.ndarray,
    xsum: np.ndarray,
    nsum: np.ndarray,
    *,
    interval: str,
    level: float,
    n_draws: int,
    seed: int,
) -> pd.DataFrame:
    """Cost per implemented measure of each group (columns of the per-municipality sums of
    the costs ``ysum``, of the implemented measures ``xsum`` and of the measures ``nsum``)
    with its standard error and interval."""
    n_clusters = ysum.shape[0]
    total_y, total_x = ysum.sum(axis=0), xsum.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(total_x > 0, total_y / total_x, np.nan)
        zc = (ysum - ratio * xsum) / total_x
        se = np.sqrt(n_clusters / (n_clusters - 1) * (zc**2).sum(axis=0))
    groups_clusters = (nsum > 0).sum(axis=0)
    if interval == "linearisation":
        z = stats.norm.ppf(0.5 + level / 2)
        low, high = ratio - z * se, ratio + z * se
    else:
        se, low, high = bootstrap_interval(ysum, xsum, level, n_draws, seed)
    single = groups_clusters < 2
    se, low, high = (np.where(single, np.nan, a) for a in (se, low, high))
    return pd.DataFrame(
        {
            "n_measures": nsum.sum(axis=0).astype(np.int64),
            "n_implemented": total_x.astype(np.int64),
            "total": total_y.astype(float),
            "estimate": ratio.astype(float),
            "std_error": se.astype(float),
            "ci_low": low.astype(float),
            "ci_high": high.astype(float),
            "ci_method": interval,
            "n_municipalities": groups_clusters.astype(np.int64),
        }
    )


def measure_costs(
    measures: pd.DataFrame | Study,
    status: pd.DataFrame | None = None,
    by: str | Sequence[str] | None = "action_field",
    *,
    costs: str | Sequence[str] | None = None,
    basis: CostBasis = "all_measures",
    success: Success = "implemented",
    interval: CostInterval = "linearisation",
    n_draws: int = 1999,
    seed: int = 0,
    level: float = 0.95,
    cluster: str = "municipality_id",
) -> MeasureCosts:
    """Cost per implemented measure per group (default: per action field).

    Parameters
    ----------
    measures
        Measures with ``measure_id``, the cluster column ``municipality_id``, the ``by``
        columns and cost columns (see the module docstring), or a
        :class:`~evaluation.Study` (its measures with their action field and municipality,
        and its annual reports).
    status
        The table ``measure_reports`` (latest report per measure) or ``measure_id`` and
        ``status``.
    by
        Grouping column(s); ``None`` for all measures together.
    costs
        Cost column(s); default: those of ``cost_planned_eur``, ``cost_spent_eur`` and
        ``staff_hours`` the table has.
    basis
        ``"all_measures"``: cost of every measure per implemented measure;
        ``"implemented"``: mean cost of the implemented measures.
    success
        ``"implemented"`` or ``"at_least_partial"``.
    interval
        ``"linearisation"`` (Wald interval with the linearised cluster SE of the ratio) or
        ``"bootstrap"`` (municipalities resampled, ``n_draws`` draws, ``seed``).
    level
        Confidence level.
    cluster
        The cluster column (municipalities).

    Returns
    -------
    MeasureCosts
    """
    check_option("basis", basis, CostBasis)
    check_option("success", success, Success)
    check_option("interval", interval, CostInterval)
    check_level(level)
    check_seed(seed)
    if interval == "bootstrap":
        check_optional_draws(n_draws)
    by = columns_list(by)
    if isinstance(measures, Study):
        study_data(measures, "costs")
        status = measures.measure_reports if status is None else status
        measures = measures.measure_table()
    if status is None:
        raise OptionError("give the status table (measure_reports) or a Study")
    df, cols = _checked_measures(measures, cluster, by, costs)
    merged = df.assign(measure_id=df["measure_id"].astype(str)).merge(
        latest_status(status), on="measure_id", how="left"
    )
    notes: list[Text] = [BASIS[basis]]
    unreported = merged["status"].isna()
    if unreported.any():
        notes.append(NO_STATUS.format(k=int(unreported.sum())))
    done = success_flags(merged["status"].fillna("planned"), success).astype(float)
    clusters, cluster_ids = pd.factorize(merged[cluster].astype(str), sort=True)
    n_clusters = len(cluster_ids)
    keys, gidx = _groups(merged, by)
    rows = []
    n_none = n_single = 0
    for col in cols:
        c = numeric_column(merged, "measures", col, fix="give the amount as a number")
        negative = c < 0
        if negative.any():
            row = first_bad_row(negative)
            raise DataError(
                f"table measures row {row}, field {col}: {shown(merged[col].iloc[row])} is "
                "negative; costs and hours are zero or more"
            )
        known = ~np.isnan(c)
        if (~known).any():
            notes.append(MISSING_COST.format(col=COST_LABELS.get(col, col), k=int((~known).sum())))
        num = np.where(known, c, 0.0) * (done if basis == "implemented" else 1.0)
        den = np.where(known, done, 0.0)
        sums = [np.zeros((n_clusters, len(keys))) for _ in range(3)]
        for target, values in zip(sums, (num, den, known.astype(float)), strict=True):
            np.add.at(target, (clusters, gidx), values)
        est = _ratios(*sums, interval=interval, level=level, n_draws=n_draws, seed=seed)
        n_none += int((est["n_implemented"] == 0).sum())
        n_single += int(((est["n_municipalities"] < 2) & (est["n_implemented"] > 0)).sum())
        part = keys[by].copy() if by else pd.DataFrame(index=range(len(keys)))
        part["cost"] = col
        rows.append(pd.concat([part.reset_index(drop=True), est], axis=1))
    if n_none:
        notes.append(NONE_IMPLEMENTED.format(k=n_none))
    if n_single:
        notes.append(SINGLE.format(k=n_single))
    if interval == "linearisation":
        description = LINEARISATION.format(level=level_text(level))
        name = "ratio_linearisation_cluster"
    else:
        description = BOOTSTRAP.format(level=level_text(level), n=n_draws, seed=seed)
        name = "cluster_bootstrap_percentile"
    inference = Inference(name=name, description=description, n_clusters=n_clusters)
    inference.warn("measure_costs")
    return MeasureCosts(
        pd.concat(rows, ignore_index=True),
        title=TITLE,
        notes=notes,
        facts={
            "n_measures": len(merged),
            "n_municipalities": n_clusters,
            "success": SUCCESS_LABELS[success],
        },
        digits=2,
        value_labels={"cost": COST_LABELS, "ci_method": CI_METHOD_LABELS},
        count_columns=("n_measures", "n_implemented", "n_municipalities"),
        inference=inference,
        call={
            "by": by,
            "costs": cols,
            "basis": basis,
            "success": success,
            "interval": interval,
            "n_draws": n_draws,
            "seed": seed,
            "level": level,
        },
    )
