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
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..codes import ACTION_FIELDS, Lang
from ..errors import DataError
from ..implementation.rates import bootstrap_interval
from ._common import (
    SUCCESS_LABELS,
    MixedTable,
    check_choice,
    check_draws,
    check_frame,
    check_level,
    check_seed,
    columns_list,
    figure_axes,
    first_bad_row,
    in_lang,
    numeric_column,
    percent_text,
    shown,
)
from ._status import Success, latest_status, success_flags

Basis = Literal["all_measures", "implemented"]
BASES: tuple[str, ...] = ("all_measures", "implemented")
Interval = Literal["linearisation", "bootstrap"]
INTERVALS: tuple[str, ...] = ("linearisation", "bootstrap")
COST_COLUMNS: tuple[str, ...] = ("cost_planned_eur", "cost_spent_eur", "staff_hours")
FIELD_LABELS = {c.code: (c.label_de, c.label_en) for c in ACTION_FIELDS}
COST_LABELS = {
    "cost_planned_eur": ("geplante Kosten (EUR)", "planned cost (EUR)"),
    "cost_spent_eur": ("ausgegebene Kosten (EUR)", "cost spent (EUR)"),
    "staff_hours": ("Personalstunden", "staff hours"),
}

TEXTS = {
    "title": ("Kosten je umgesetzter Maßnahme", "Cost per implemented measure"),
    "basis": {
        "all_measures": (
            "Kosten aller Maßnahmen der Gruppe geteilt durch die Zahl der umgesetzten.",
            "Cost of all measures of the group divided by the number implemented.",
        ),
        "implemented": (
            "Mittlere Kosten der umgesetzten Maßnahmen.",
            "Mean cost of the implemented measures.",
        ),
    },
    "linearisation": (
        "Intervall: Wald-Intervall ({level}) mit dem linearisierten Standardfehler des "
        "Quotienten über Kommunen (Cluster, mit Zurücklegen).",
        "Interval: Wald interval ({level}) with the linearised standard error of the ratio over "
        "municipalities (clusters, with replacement).",
    ),
    "bootstrap": (
        "Intervall: Perzentil-Intervall ({level}) aus {n} Ziehungen ganzer Kommunen mit "
        "Zurücklegen (Startwert {seed}); Standardfehler: Streuung der Ziehungen.",
        "Interval: percentile interval ({level}) from {n} draws of whole municipalities with "
        "replacement (seed {seed}); standard error: spread of the draws.",
    ),
    "missing_cost": (
        "{col}: {k} Maßnahme(n) ohne Angabe bleiben außen vor.",
        "{col}: {k} measure(s) without a value are left out.",
    ),
    "no_status": (
        "{k} Maßnahme(n) ohne Bericht zählen als nicht umgesetzt.",
        "{k} measure(s) without a report count as not implemented.",
    ),
    "none_implemented": (
        "{k} Gruppe(n) ohne umgesetzte Maßnahme: keine Kosten je umgesetzter Maßnahme.",
        "{k} group(s) without an implemented measure: no cost per implemented measure.",
    ),
    "single": (
        "{k} Gruppe(n) mit Maßnahmen nur einer Kommune: kein Intervall (leer).",
        "{k} group(s) with measures of a single municipality: no interval (empty).",
    ),
    "xlabel": ("Kosten je umgesetzter Maßnahme", "Cost per implemented measure"),
}


class MeasureCosts(MixedTable):
    """Cost per implemented measure per group and cost column.

    ``tidy()`` columns: the ``by`` columns, ``cost`` (the cost column), ``n_measures``
    (measures with a value), ``n_implemented``, ``total`` (sum of the costs counted),
    ``estimate`` (cost per implemented measure), ``std_error``, ``ci_low``, ``ci_high``,
    ``ci_method`` and ``n_municipalities``.
    """

    def plot(self, ax=None, lang: Lang = "de", title: str | None = None, cost: str | None = None):
        """Estimates with intervals for one cost column (default: the first)."""
        t = self._table
        cost = cost or str(t["cost"].iloc[0])
        t = t[(t["cost"] == cost) & t["estimate"].notna()]
        by = self.options["by"]
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
                " / ".join(in_lang(FIELD_LABELS.get(str(v), str(v)), lang) for v in row)
                for row in t[by].itertuples(index=False)
            ]
            if by
            else [in_lang(TEXTS["title"], lang)]
        )
        ax.set_yticks(pos, names)
        ax.set_xlabel(in_lang(COST_LABELS.get(cost, (cost, cost)), lang))
        ax.set_title(title or in_lang(self.titles, lang))
        fig.tight_layout()
        return fig


def measure_costs(
    measures: pd.DataFrame,
    status: pd.DataFrame,
    by: str | Sequence[str] | None = "action_field",
    *,
    costs: str | Sequence[str] | None = None,
    basis: Basis = "all_measures",
    success: Success = "implemented",
    interval: Interval = "linearisation",
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
        columns and cost columns (see the module docstring).
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
    check_choice("basis", basis, BASES)
    check_choice("success", success, ("implemented", "at_least_partial"))
    check_choice("interval", interval, INTERVALS)
    check_level(level)
    check_seed(seed)
    if interval == "bootstrap":
        check_draws(n_draws)
    by = columns_list(by)
    df = check_frame(measures, "measures", ["measure_id", cluster, *by])
    df = df.reset_index(drop=True)
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
    st = latest_status(status)
    merged = df.assign(measure_id=df["measure_id"].astype(str)).merge(
        st, on="measure_id", how="left"
    )
    notes: list = [TEXTS["basis"][basis]]
    unreported = merged["status"].isna()
    if unreported.any():
        notes.append(tuple(t.format(k=int(unreported.sum())) for t in TEXTS["no_status"]))
    done = success_flags(merged["status"].fillna("planned"), success).astype(float)
    clusters, cluster_ids = pd.factorize(merged[cluster].astype(str), sort=True)
    n_clusters = len(cluster_ids)
    if by:
        keys = merged[by].drop_duplicates()
        if "action_field" in by:
            order = {c: i for i, c in enumerate(FIELD_LABELS)}
            keys = keys.sort_values(
                by, key=lambda s: s.map(order).fillna(99) if s.name == "action_field" else s
            )
        else:
            keys = keys.sort_values(by)
        keys = keys.reset_index(drop=True)
        gidx = pd.MultiIndex.from_frame(keys).get_indexer(pd.MultiIndex.from_frame(merged[by]))
    else:
        keys = pd.DataFrame(index=[0])
        gidx = np.zeros(len(merged), dtype=np.int64)
    z = stats.norm.ppf(0.5 + level / 2)
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
            notes.append(
                tuple(t.format(col=col, k=int((~known).sum())) for t in TEXTS["missing_cost"])
            )
        num = np.where(known, c, 0.0) * (done if basis == "implemented" else 1.0)
        den = np.where(known, done, 0.0)
        ysum = np.zeros((n_clusters, len(keys)))
        xsum = np.zeros((n_clusters, len(keys)))
        nsum = np.zeros((n_clusters, len(keys)))
        np.add.at(ysum, (clusters, gidx), num)
        np.add.at(xsum, (clusters, gidx), den)
        np.add.at(nsum, (clusters, gidx), known.astype(float))
        total_y, total_x = ysum.sum(axis=0), xsum.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(total_x > 0, total_y / total_x, np.nan)
            zc = (ysum - ratio * xsum) / total_x
            se = np.sqrt(n_clusters / (n_clusters - 1) * (zc**2).sum(axis=0))
        groups_clusters = (nsum > 0).sum(axis=0)
        if interval == "linearisation":
            low, high = ratio - z * se, ratio + z * se
        else:
            se, low, high = bootstrap_interval(ysum, xsum, level, n_draws, seed)
        single = groups_clusters < 2
        se, low, high = (np.where(single, np.nan, a) for a in (se, low, high))
        none = total_x == 0
        n_none += int(none.sum())
        n_single += int((single & ~none).sum())
        for g in range(len(keys)):
            row = {k: keys[k].iloc[g] for k in by}
            row.update(
                cost=col,
                n_measures=int(nsum[:, g].sum()),
                n_implemented=int(total_x[g]),
                total=float(total_y[g]),
                estimate=float(ratio[g]),
                std_error=float(se[g]),
                ci_low=float(low[g]),
                ci_high=float(high[g]),
                ci_method=interval,
                n_municipalities=int(groups_clusters[g]),
            )
            rows.append(row)
    if n_none:
        notes.append(tuple(t.format(k=n_none) for t in TEXTS["none_implemented"]))
    if n_single:
        notes.append(tuple(t.format(k=n_single) for t in TEXTS["single"]))
    pct = percent_text(level)
    if interval == "linearisation":
        notes.insert(
            0, tuple(t.format(level=p) for t, p in zip(TEXTS["linearisation"], pct, strict=True))
        )
    else:
        notes.insert(
            0,
            tuple(
                t.format(level=p, n=n_draws, seed=seed)
                for t, p in zip(TEXTS["bootstrap"], pct, strict=True)
            ),
        )
    table = pd.DataFrame(rows)
    return MeasureCosts(
        table,
        titles=TEXTS["title"],
        notes=notes,
        facts={
            "n_measures": len(merged),
            "n_municipalities": n_clusters,
            "success": SUCCESS_LABELS[success],
        },
        digits=2,
        value_labels={"action_field": FIELD_LABELS, "cost": COST_LABELS},
        options={
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
