"""Implementation rates with a Wilson and a municipality-cluster-aware interval."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit

from ..codes import ACTION_FIELD_CODES, MEASURE_TYPES, labels
from ..errors import DataError
from ..i18n import Lang, Text
from ..options import (
    ClusterInterval,
    Success,
    Unreported,
    check_draw_memory,
    check_draws,
    check_option,
    renamed_keywords,
)
from ..results import Inference, check_level
from ._data import (
    AsOf,
    check_as_of,
    check_success,
    measure_status,
    normalise_by,
    ordered_fields,
    select,
    success_flag,
)
from ._results import ImplementationResult, level_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CLUSTER_METHODS = {
    "bootstrap": "cluster_bootstrap_percentile",
    "gee": "gee_sandwich_logit",
}


def wilson_interval(
    count: np.ndarray, nobs: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial share (NaN where ``nobs`` is 0).

    low/high = (x + z²/2 ∓ z·sqrt(x(n-x)/n + z²/4)) / (n + z²) with z the normal quantile.

    Parameters
    ----------
    count, nobs
        Successes and trials (arrays of the same shape).
    level
        Confidence level.

    Returns
    -------
    tuple of numpy.ndarray
        The lower and the upper limits.
    """
    check_level(level)
    x = np.asarray(count, dtype=float)
    n = np.asarray(nobs, dtype=float)
    z = stats.norm.isf((1 - level) / 2)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        q = x / n
        denom = 1 + z2 / n
        centre = (q + z2 / (2 * n)) / denom
        half = z * np.sqrt(q * (1 - q) / n + z2 / (4 * n * n)) / denom
    low = np.where(n > 0, centre - half, np.nan)
    high = np.where(n > 0, centre + half, np.nan)
    return low, high


def group_codes(df: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group index of every row and the groups' key values (action fields in code order)."""
    if not by:
        return np.zeros(len(df), dtype=np.int64), pd.DataFrame(index=range(1))
    for k in by:
        miss = df[k].isna().to_numpy()
        if miss.any() and k == "measure_type":
            raise DataError(
                f"{int(miss.sum())} measure(s) (e.g. {df.loc[miss, 'measure_id'].iloc[0]}) have "
                "no measure type: code them in table measure_codes (dimension measure_type) or "
                "group by other keys"
            )
        if miss.any():
            mid = df.loc[miss, "municipality_id"].iloc[0]
            raise DataError(
                f"column {k} is missing for municipality {mid} (and {int(miss.sum()) - 1} "
                f"further measure(s)); fill it in the study tables or group by other keys"
            )
    keys = df[by].drop_duplicates()
    sortable = keys.copy()
    if "action_field" in by:
        pos = {f: i for i, f in enumerate(ordered_fields(keys["action_field"]))}
        sortable["action_field"] = sortable["action_field"].map(pos).astype(int)
    if "measure_type" in by:  # in the order of the code list
        order = {c.code: i for i, c in enumerate(MEASURE_TYPES)}
        sortable["measure_type"] = sortable["measure_type"].map(order).fillna(len(order))
    keys = keys.loc[sortable.sort_values(by, kind="stable").index].reset_index(drop=True)
    idx = pd.MultiIndex.from_frame(keys).get_indexer(pd.MultiIndex.from_frame(df[by]))
    return idx.astype(np.int64), keys


def cluster_matrices(
    groups: np.ndarray, clusters: np.ndarray, y: np.ndarray, n_groups: int, n_clusters: int
) -> tuple[np.ndarray, np.ndarray]:
    """Successes and measures per cluster (rows) and group (columns).

    Parameters
    ----------
    groups, clusters
        Group and cluster index (0-based) of every measure.
    y
        1 for a successful measure, else 0.
    n_groups, n_clusters
        Number of groups and clusters.

    Returns
    -------
    tuple of numpy.ndarray
        ``(ysum, nsum)``, each clusters x groups.
    """
    ysum = np.zeros((n_clusters, n_groups))
    nsum = np.zeros((n_clusters, n_groups))
    np.add.at(ysum, (clusters, groups), y)
    np.add.at(nsum, (clusters, groups), 1.0)
    return ysum, nsum


def gee_interval(
    ysum: np.ndarray, nsum: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share per group with the cluster-robust (sandwich) SE of an intercept-only logit GEE
    (independence working correlation, no small-sample factor) and the Wald interval on the
    logit scale, transformed back.

    Parameters
    ----------
    ysum, nsum
        Successes and measures per cluster (rows) and group (columns).
    level
        Confidence level.

    Returns
    -------
    tuple of numpy.ndarray
        The standard error of the share and the lower and upper limits.
    """
    n = nsum.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = ysum.sum(axis=0) / n
        var = ((ysum - p * nsum) ** 2).sum(axis=0) / n**2
        se = np.sqrt(var)
        z = stats.norm.isf((1 - level) / 2)
        se_logit = se / (p * (1 - p))
        low = expit(logit(p) - z * se_logit)
        high = expit(logit(p) + z * se_logit)
    edge = (p == 0) | (p == 1)
    low = np.where(edge, p, low)
    high = np.where(edge, p, high)
    return se, low, high


def bootstrap_shares(ysum: np.ndarray, nsum: np.ndarray, n_draws: int, seed: int) -> np.ndarray:
    """Shares per group (columns) in ``n_draws`` draws (rows) that resample whole
    municipalities with replacement; NaN where a group is absent from a draw.

    Parameters
    ----------
    ysum, nsum
        Successes (or any totals) and measures per cluster (rows) and group (columns).
    n_draws
        Number of bootstrap draws.
    seed
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    numpy.ndarray
        Draws x groups.
    """
    rng = np.random.default_rng(seed)
    g = ysum.shape[0]
    weights = rng.multinomial(g, np.full(g, 1.0 / g), size=n_draws).astype(float)
    num = weights @ ysum
    den = weights @ nsum
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def percentile_interval(
    share: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(std_error, low, high) of bootstrap shares: standard deviation and percentile
    interval per column, ignoring draws in which a group is absent."""
    alpha = 1 - level
    ok = np.isfinite(share).any(axis=0)
    low = np.full(share.shape[1], np.nan)
    high = np.full(share.shape[1], np.nan)
    se = np.full(share.shape[1], np.nan)
    if ok.any():
        q = np.nanquantile(share[:, ok], [alpha / 2, 1 - alpha / 2], axis=0)
        low[ok], high[ok] = q[0], q[1]
        se[ok] = np.nanstd(share[:, ok], axis=0, ddof=1)
    return se, low, high


def bootstrap_interval(
    ysum: np.ndarray, nsum: np.ndarray, level: float, n_draws: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile interval of the share from resampling municipalities with replacement.

    Every draw resamples all municipalities at once (so groups keep their dependence); a group
    absent from a draw does not count for that group's quantiles.

    Parameters
    ----------
    ysum, nsum
        Numerator and denominator totals per cluster (rows) and group (columns).
    level
        Confidence level.
    n_draws
        Number of bootstrap draws.
    seed
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    tuple of numpy.ndarray
        The bootstrap standard error and the lower and upper percentile limits.
    """
    return percentile_interval(bootstrap_shares(ysum, nsum, n_draws, seed), level)


WILSON_TEXT = Text(
    "KI unten/oben: Wilson-Score-Intervall ({level}), Maßnahmen als unabhängig behandelt.",
    "CI lower/upper: Wilson score interval ({level}), measures treated as independent.",
)
BOOTSTRAP_TEXT = Text(
    "Cluster-KI unten/oben: Perzentil-Intervall ({level}) aus {n} Bootstrap-Ziehungen ganzer "
    "Kommunen mit Zurücklegen (Startwert {seed}).",
    "Cluster CI lower/upper: percentile interval ({level}) from {n} bootstrap draws of whole "
    "municipalities with replacement (seed {seed}).",
)
GEE_TEXT = Text(
    "Cluster-KI unten/oben: Wald-Intervall ({level}) auf der Logit-Skala mit dem nach Kommunen "
    "geclusterten Sandwich-Standardfehler eines GEE-Logits nur mit Konstante (Arbeitskorrelation "
    "Unabhängigkeit), zurücktransformiert.",
    "Cluster CI lower/upper: Wald interval ({level}) on the logit scale with the "
    "municipality-clustered sandwich SE of an intercept-only GEE logit (independence working "
    "correlation), transformed back.",
)
NO_MEASURES = Text(
    "Keine Maßnahmen im Handlungsfeld bzw. in den Handlungsfeldern {fields}: Anteil und "
    "Intervalle sind nicht definiert (leer).",
    "No measures in action field(s) {fields}: share and intervals are not defined (empty).",
)
SINGLE = Text(
    "{k} Gruppe(n) mit Maßnahmen nur einer Kommune: das clusterbewusste Intervall ist für sie "
    "nicht definiert (leer); das Wilson-Intervall behandelt ihre Maßnahmen als unabhängig.",
    "{k} group(s) hold measures of a single municipality: the cluster-aware interval is not "
    "defined for them (empty); the Wilson interval treats their measures as independent.",
)
EDGE = Text(
    "In Gruppen, in denen alle oder keine Maßnahmen erfolgreich sind, ist das clusterbewusste "
    "Intervall entartet (ein Punkt); das Wilson-Intervall bleibt dort aussagekräftig.",
    "Groups in which all or no measures are successful have a degenerate cluster-aware "
    "interval (a point); the Wilson interval stays informative there.",
)
TITLE = Text("Umsetzungsquoten der Maßnahmen", "Implementation rates of the measures")


def field_names(fields: Sequence[str]) -> Text:
    """Action fields by their labels, comma-separated, in German and English."""
    de, en = labels("action_fields", "de"), labels("action_fields", "en")
    return Text(", ".join(de.get(f, f) for f in fields), ", ".join(en.get(f, f) for f in fields))


@dataclass(frozen=True)
class IntervalData:
    """What :meth:`ImplementationRates.conf_int` needs to recompute the intervals at another
    level: the group keys, successes and measures per group, the per-cluster sums and the
    bootstrap shares (None for the GEE interval)."""

    keys: pd.DataFrame
    successes: np.ndarray
    measures: np.ndarray
    ysum: np.ndarray
    nsum: np.ndarray
    shares: np.ndarray | None
    single: np.ndarray


class ImplementationRates(ImplementationResult):
    """Shares of successful measures per group with two intervals.

    ``tidy()`` columns: the group keys, ``n_measures``, ``n_success``, ``share``, ``ci_low`` /
    ``ci_high`` (Wilson score interval, measures treated as independent), ``ci_method``,
    ``n_municipalities``, ``cluster_std_error``, ``cluster_ci_low`` / ``cluster_ci_high``
    (municipality-cluster-aware interval) and ``cluster_ci_method``.

    ``inference`` describes the cluster-aware interval (with the number of municipalities),
    ``wilson`` the Wilson interval.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        keys: Sequence[str],
        interval_data: IntervalData | None,
        wilson: Inference,
        **kw: Any,
    ) -> None:
        self.keys = list(keys)
        self.wilson = wilson
        self._interval_data = interval_data
        super().__init__(table, **kw)

    def _summary_notes(self, lang: Lang) -> list[str]:
        return [self.wilson.description(lang), *super()._summary_notes(lang)]

    def conf_int(self, level: float | None = None) -> pd.DataFrame:
        """Both intervals of every group's share, indexed by the group keys: ``ci_low`` /
        ``ci_high`` (Wilson) and ``cluster_ci_low`` / ``cluster_ci_high`` (the
        municipality-cluster-aware interval of ``cluster_interval``).

        Without ``level`` (or at the level of the analysis) these are the columns of
        ``tidy()``. At another level both are recomputed from the same data: the Wilson and
        the GEE interval from the counts, the bootstrap interval as percentiles of the same
        draws (same ``n_draws`` and ``seed``)."""
        computed = float(self.call["level"])
        level = computed if level is None else level
        check_level(level)
        t = self.tidy()
        cols = ["ci_low", "ci_high", "cluster_ci_low", "cluster_ci_high"]
        if level == computed:
            out = t[cols].copy()
        else:
            d = self._interval_data
            if d is None:
                raise DataError(
                    f"these rates were computed at level {computed}; recompute them with "
                    f"implementation_rates(..., level={level})"
                )
            low, high = wilson_interval(d.successes, d.measures, level)
            if d.shares is not None:
                _, clow, chigh = percentile_interval(d.shares, level)
            else:
                _, clow, chigh = gee_interval(d.ysum, d.nsum, level)
            clow, chigh = np.where(d.single, np.nan, clow), np.where(d.single, np.nan, chigh)
            new = pd.DataFrame(np.column_stack([low, high, clow, chigh]), columns=cols)
            if self.keys:
                # groups without measures (empty action fields) stay empty
                new = pd.concat([d.keys.reset_index(drop=True), new], axis=1)
                out = t[self.keys].merge(new, on=self.keys, how="left")[cols]
            else:
                out = new
        if self.keys:
            out.index = (
                pd.Index(t[self.keys[0]], name=self.keys[0])
                if len(self.keys) == 1
                else pd.MultiIndex.from_frame(t[self.keys])
            )
        return out

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Shares with Wilson (thin) and cluster-aware (thick) intervals; returns the Figure."""
        from .plots import plot_rates

        return plot_rates(self, ax=ax, lang=lang, title=title)


def _with_empty_fields(table: pd.DataFrame, method: str, notes: list[Text]) -> pd.DataFrame:
    """Rows (with empty shares and intervals) for the action fields without measures."""
    absent = [f for f in ACTION_FIELD_CODES if f not in set(table["action_field"])]
    if not absent:
        return table
    empty = pd.DataFrame({"action_field": pd.array(absent, dtype="string")})
    empty["n_measures"] = 0
    empty["n_success"] = 0
    empty["n_municipalities"] = 0
    empty["ci_method"] = pd.array(["wilson"] * len(absent), dtype="string")
    empty["cluster_ci_method"] = pd.array([method] * len(absent), dtype="string")
    table = pd.concat([table, empty], ignore_index=True)
    order = {f: i for i, f in enumerate(ordered_fields(table["action_field"]))}
    notes.append(NO_MEASURES.format(fields=field_names(absent)))
    return table.sort_values("action_field", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )


@renamed_keywords(n_boot="n_draws")
def implementation_rates(
    study: Any,
    by: str | Sequence[str] | None = ("action_field",),
    *,
    success: Success = "implemented",
    as_of: AsOf = "end",
    level: float = 0.95,
    cluster_interval: ClusterInterval = "bootstrap",
    n_draws: int = 1999,
    seed: int = 0,
    unreported: Unreported = "exclude",
) -> ImplementationRates:
    """Share of successful measures per group, with a Wilson and a cluster-aware interval.

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    by
        Grouping keys: any of ``action_field``, ``municipality_id`` (alias ``municipality``),
        ``cohort`` (certification year of the audit), ``level``, ``state``, ``cycle``,
        ``group``, or a list of them; ``None`` or ``[]`` for all measures together.
    success
        ``"implemented"`` (strict) or ``"at_least_partial"`` (partially implemented or
        implemented). Discontinued measures are never successful.
    as_of
        Report number 0-3 (0 = at certification) or ``"end"`` (the last due report up to 3).
    level
        Confidence level of both intervals.
    cluster_interval
        ``"bootstrap"``: percentile interval from resampling municipalities (``n_draws``
        draws, ``seed``); ``"gee"``: Wald interval on the logit scale with the cluster-robust
        sandwich SE of an intercept-only GEE logit, transformed back to a share.
    n_draws
        Bootstrap draws of the municipalities (``cluster_interval="bootstrap"``; the old name
        ``n_boot`` works for one release, with a :class:`DeprecationWarning`).
    seed
        Seed of the bootstrap (``numpy.random.default_rng(seed)``).
    unreported
        Measures without any report although reports are due: ``"exclude"`` (with a warning)
        or ``"planned"``.

    Returns
    -------
    ImplementationRates
        ``tidy()`` has one row per group; ``conf_int(level)`` recomputes both intervals.

    Examples
    --------
    >>> import evaluation as ev
    >>> study = ev.datasets.synthetic_study(seed=1)
    >>> rates = ev.implementation_rates(study, by="action_field", success="implemented", seed=1)
    >>> rates.tidy()[["action_field", "n_measures", "share", "ci_low", "ci_high"]]  # doctest: +SKIP
    """
    by = normalise_by(by)
    check_success(success)
    as_of = check_as_of(as_of)
    check_level(level)
    check_option("cluster_interval", cluster_interval, ClusterInterval)
    check_draws("n_draws", n_draws, minimum=100)
    ms = measure_status(study, unreported)
    notes = list(ms.notes)
    frame, status = select(ms, as_of, notes)
    if len(frame) == 0:
        raise DataError(
            f"no measure has a due report for as_of={as_of!r} (last report year "
            f"{ms.last_report_year}); choose an earlier as_of"
        )
    y = success_flag(status, success)
    gidx, keys = group_codes(frame, by)
    clusters, cluster_ids = pd.factorize(frame["municipality_id"].astype(str))
    ysum, nsum = cluster_matrices(gidx, clusters, y, len(keys), len(cluster_ids))
    n = nsum.sum(axis=0)
    x = ysum.sum(axis=0)
    n_clusters = (nsum > 0).sum(axis=0)
    low, high = wilson_interval(x, n, level)
    shares = None
    if cluster_interval == "bootstrap":
        check_draw_memory(
            8.0 * n_draws * (2 * len(cluster_ids) + 3 * len(keys)),
            f"the cluster bootstrap with n_draws={n_draws:,} draws of {len(cluster_ids):,} "
            f"municipalities and {len(keys):,} groups",
            "use fewer draws (1999 are usual) or cluster_interval='gee'",
        )
        shares = bootstrap_shares(ysum, nsum, n_draws, seed)
        cse, clow, chigh = percentile_interval(shares, level)
        description = BOOTSTRAP_TEXT.format(level=level_text(level), n=n_draws, seed=seed)
    else:
        cse, clow, chigh = gee_interval(ysum, nsum, level)
        description = GEE_TEXT.format(level=level_text(level))
    single = n_clusters < 2
    cse[single], clow[single], chigh[single] = np.nan, np.nan, np.nan
    method = CLUSTER_METHODS[cluster_interval]
    table = keys.copy()
    table["n_measures"] = n.astype(np.int64)
    table["n_success"] = x.astype(np.int64)
    table["share"] = x / n
    table["ci_low"], table["ci_high"] = low, high
    table["ci_method"] = pd.array(["wilson"] * len(table), dtype="string")
    table["n_municipalities"] = n_clusters.astype(np.int64)
    table["cluster_std_error"] = cse
    table["cluster_ci_low"], table["cluster_ci_high"] = clow, chigh
    table["cluster_ci_method"] = pd.array([method] * len(table), dtype="string")
    if by == ["action_field"]:
        table = _with_empty_fields(table, method, notes)
    if single.any():
        notes.append(SINGLE.format(k=int(single.sum())))
    edge = (x == n) | (x == 0)
    if (edge & ~single & (n > 0)).any():
        notes.append(EDGE)
    inference = Inference(name=method, description=description, n_clusters=len(cluster_ids))
    inference.warn("implementation_rates (cluster-aware interval)", stacklevel=4)
    return ImplementationRates(
        table,
        keys=by,
        interval_data=IntervalData(keys, x, n, ysum, nsum, shares, single),
        wilson=Inference(name="wilson", description=WILSON_TEXT.format(level=level_text(level))),
        title=TITLE,
        notes=notes,
        facts={
            "success": success,
            "as_of": as_of,
            "n_measures": int(n.sum()),
            "n_municipalities": len(cluster_ids),
            "confidence_level": level_text(level),
        },
        call={
            "by": by,
            "success": success,
            "as_of": as_of,
            "level": level,
            "cluster_interval": cluster_interval,
            "n_draws": n_draws,
            "seed": seed,
            "unreported": unreported,
        },
        count_columns=("n_measures", "n_success", "n_municipalities"),
        inference=inference,
    )
