"""Implementation rates with a Wilson and a municipality-cluster-aware interval."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit

from ..codes import ACTION_FIELD_CODES, Lang
from ..errors import DataError
from ..results import _check_level, check_draw_memory, check_draws
from ._data import (
    AsOf,
    Success,
    Unreported,
    check_as_of,
    check_choice,
    check_success,
    measure_status,
    normalise_by,
    ordered_fields,
    select,
    success_flag,
)
from ._results import ImplementationResult

ClusterInterval = Literal["bootstrap", "gee"]
CLUSTER_METHODS = {
    "bootstrap": "cluster_bootstrap_percentile",
    "gee": "gee_sandwich_logit",
}


def wilson_interval(
    count: np.ndarray, nobs: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial share (NaN where ``nobs`` is 0).

    low/high = (x + z²/2 ∓ z·sqrt(x(n-x)/n + z²/4)) / (n + z²) with z the normal quantile.
    """
    _check_level(level)
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
    keys = keys.loc[sortable.sort_values(by, kind="stable").index].reset_index(drop=True)
    idx = pd.MultiIndex.from_frame(keys).get_indexer(pd.MultiIndex.from_frame(df[by]))
    return idx.astype(np.int64), keys


def cluster_matrices(
    groups: np.ndarray, clusters: np.ndarray, y: np.ndarray, n_groups: int, n_clusters: int
) -> tuple[np.ndarray, np.ndarray]:
    """Successes and measures per cluster (rows) and group (columns)."""
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
    logit scale, transformed back. Returns (std_error of the share, low, high)."""
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


def bootstrap_shares(ysum: np.ndarray, nsum: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Shares per group (columns) in ``n_boot`` draws (rows) that resample whole
    municipalities with replacement; NaN where a group is absent from a draw."""
    rng = np.random.default_rng(seed)
    g = ysum.shape[0]
    weights = rng.multinomial(g, np.full(g, 1.0 / g), size=n_boot).astype(float)
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
    ysum: np.ndarray, nsum: np.ndarray, level: float, n_boot: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile interval of the share from resampling municipalities with replacement.

    Every draw resamples all municipalities at once (so groups keep their dependence); a group
    absent from a draw does not count for that group's quantiles."""
    return percentile_interval(bootstrap_shares(ysum, nsum, n_boot, seed), level)


class ImplementationRates(ImplementationResult):
    """Shares of successful measures per group with two intervals.

    ``tidy()`` columns: the group keys, ``n_measures``, ``n_success``, ``share``, ``ci_low`` /
    ``ci_high`` (Wilson score interval, measures treated as independent), ``ci_method``,
    ``n_municipalities``, ``cluster_std_error``, ``cluster_ci_low`` / ``cluster_ci_high``
    (municipality-cluster-aware interval) and ``cluster_ci_method``.
    """

    def __init__(self, table, *, keys, **kw) -> None:
        super().__init__(table, **kw)
        self.keys = list(keys)
        self._interval_data = None

    def conf_int(self, level: float | None = None) -> pd.DataFrame:
        """Both intervals of every group's share, indexed by the group keys: ``ci_low`` /
        ``ci_high`` (Wilson) and ``cluster_ci_low`` / ``cluster_ci_high`` (the
        municipality-cluster-aware interval of ``cluster_interval``).

        Without ``level`` (or at the level of the analysis) these are the columns of
        ``tidy()``. At another level both are recomputed from the same data: the Wilson and
        the GEE interval from the counts, the bootstrap interval as percentiles of the same
        draws (same ``n_boot`` and ``seed``)."""
        computed = float(self.options["level"])
        level = computed if level is None else level
        _check_level(level)
        t = self.tidy()
        cols = ["ci_low", "ci_high", "cluster_ci_low", "cluster_ci_high"]
        if level == computed:
            out = t[cols].copy()
        else:
            if self._interval_data is None:
                raise DataError(
                    f"these rates were computed at level {computed}; recompute them with "
                    f"implementation_rates(..., level={level})"
                )
            keys, x, n, ysum, nsum, shares, single = self._interval_data
            low, high = wilson_interval(x, n, level)
            if shares is not None:
                _, clow, chigh = percentile_interval(shares, level)
            else:
                _, clow, chigh = gee_interval(ysum, nsum, level)
            clow, chigh = np.where(single, np.nan, clow), np.where(single, np.nan, chigh)
            new = pd.DataFrame(np.column_stack([low, high, clow, chigh]), columns=cols)
            if self.keys:
                # groups without measures (empty action fields) stay empty
                new = pd.concat([keys.reset_index(drop=True), new], axis=1)
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

    def plot(self, ax=None, lang: Lang = "de", title: str | None = None):
        """Shares with Wilson (thin) and cluster-aware (thick) intervals; returns the Figure."""
        from .plots import plot_rates

        return plot_rates(self, ax=ax, lang=lang, title=title)


def implementation_rates(
    study,
    by: str | Sequence[str] | None = ("action_field",),
    *,
    success: Success = "implemented",
    as_of: AsOf = "end",
    level: float = 0.95,
    cluster_interval: ClusterInterval = "bootstrap",
    n_boot: int = 1999,
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
        ``"bootstrap"``: percentile interval from resampling municipalities (``n_boot`` draws,
        ``seed``); ``"gee"``: Wald interval on the logit scale with the cluster-robust sandwich
        SE of an intercept-only GEE logit, transformed back to a share.
    unreported
        Measures without any report although reports are due: ``"exclude"`` (with a warning)
        or ``"planned"``.

    Examples
    --------
    >>> import evaluation as ev
    >>> study = ev.datasets.synthetic_study(seed=1)
    >>> rates = ev.implementation_rates(study, by="action_field", success="implemented")
    >>> rates.tidy()[["action_field", "n_measures", "share", "ci_low", "ci_high"]]  # doctest: +SKIP
    """
    by = normalise_by(by)
    check_success(success)
    as_of = check_as_of(as_of)
    _check_level(level)
    check_choice("cluster_interval", cluster_interval, CLUSTER_METHODS)
    check_draws("n_boot", n_boot, minimum=100)
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
            8.0 * n_boot * (2 * len(cluster_ids) + 3 * len(keys)),
            f"the cluster bootstrap with n_boot={n_boot:,} draws of {len(cluster_ids):,} "
            f"municipalities and {len(keys):,} groups",
            "use fewer draws (1999 are usual) or cluster_interval='gee'",
        )
        shares = bootstrap_shares(ysum, nsum, n_boot, seed)
        cse, clow, chigh = percentile_interval(shares, level)
    else:
        cse, clow, chigh = gee_interval(ysum, nsum, level)
    single = n_clusters < 2
    cse[single], clow[single], chigh[single] = np.nan, np.nan, np.nan
    table = keys.copy()
    table["n_measures"] = n.astype(np.int64)
    table["n_success"] = x.astype(np.int64)
    table["share"] = x / n
    table["ci_low"], table["ci_high"] = low, high
    table["ci_method"] = pd.array(["wilson"] * len(table), dtype="string")
    table["n_municipalities"] = n_clusters.astype(np.int64)
    table["cluster_std_error"] = cse
    table["cluster_ci_low"], table["cluster_ci_high"] = clow, chigh
    table["cluster_ci_method"] = pd.array(
        [CLUSTER_METHODS[cluster_interval]] * len(table), dtype="string"
    )
    if by == ["action_field"]:
        absent = [f for f in ACTION_FIELD_CODES if f not in set(table["action_field"])]
        if absent:
            empty = pd.DataFrame({"action_field": pd.array(absent, dtype="string")})
            empty["n_measures"] = 0
            empty["n_success"] = 0
            empty["n_municipalities"] = 0
            empty["ci_method"] = pd.array(["wilson"] * len(absent), dtype="string")
            empty["cluster_ci_method"] = pd.array(
                [CLUSTER_METHODS[cluster_interval]] * len(absent), dtype="string"
            )
            table = pd.concat([table, empty], ignore_index=True)
            order = {f: i for i, f in enumerate(ordered_fields(table["action_field"]))}
            table = table.sort_values(
                "action_field", key=lambda s: s.map(order), kind="stable"
            ).reset_index(drop=True)
            notes.append(
                "No measures in action field(s) " + ", ".join(absent) + ": share and "
                "intervals are not defined (empty)."
            )
    if single.any():
        notes.append(
            f"{int(single.sum())} group(s) hold measures of a single municipality: the "
            "cluster-aware interval is not defined for them (empty); the Wilson interval "
            "treats their measures as independent."
        )
    edge = (x == n) | (x == 0)
    if (edge & ~single & (n > 0)).any():
        notes.append(
            "Groups in which all or no measures are successful have a degenerate cluster-aware "
            "interval (a point); the Wilson interval stays informative there."
        )
    notes.insert(
        0,
        f"ci_low/ci_high: Wilson score interval ({level:.0%}), measures treated as independent.",
    )
    if cluster_interval == "bootstrap":
        notes.insert(
            1,
            f"cluster_ci_low/cluster_ci_high: percentile interval ({level:.0%}) from "
            f"{n_boot} bootstrap draws of whole municipalities (seed {seed}).",
        )
    else:
        notes.insert(
            1,
            f"cluster_ci_low/cluster_ci_high: Wald interval ({level:.0%}) on the logit scale "
            "with the municipality-clustered sandwich SE of an intercept-only GEE logit "
            "(independence working correlation).",
        )
    facts = {
        "success": success,
        "as_of": as_of,
        "n_measures": int(n.sum()),
        "n_municipalities": len(cluster_ids),
        "confidence_level": f"{level:.0%}",
    }
    res = ImplementationRates(
        table,
        keys=by,
        titles=("Umsetzungsquoten der Maßnahmen", "Implementation rates of the measures"),
        notes=notes,
        facts=facts,
        options={
            "success": success,
            "as_of": as_of,
            "level": level,
            "cluster_interval": cluster_interval,
            "n_boot": n_boot,
            "seed": seed,
        },
    )
    res._interval_data = (keys, x, n, ysum, nsum, shares, single)
    res.flag_clusters(len(cluster_ids), what="implementation_rates (cluster-aware interval)")
    return res
