"""Differences between action fields: independence test and pairwise comparisons."""

from __future__ import annotations

from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..codes import ACTION_FIELD_CODES, STATUS_CODES, Lang
from ..errors import DataError
from ..results import check_draws
from ._data import (
    AsOf,
    Success,
    Unreported,
    check_as_of,
    check_choice,
    check_success,
    measure_status,
    ordered_fields,
    select,
    success_flag,
)
from ._results import ImplementationResult

Outcome = Literal["status", "success"]
TestMethod = Literal["auto", "asymptotic", "simulated"]
Pairwise = Literal["fisher", "cluster"]
Correction = Literal["holm", "bonferroni", "fdr_bh", "none"]


def chi2_statistic(table: np.ndarray) -> np.ndarray:
    """Pearson's X² of one or many contingency tables (last two axes), without correction."""
    t = np.asarray(table, dtype=float)
    rows = t.sum(axis=-1, keepdims=True)
    cols = t.sum(axis=-2, keepdims=True)
    total = t.sum(axis=(-2, -1), keepdims=True)
    expected = rows * cols / total
    return ((t - expected) ** 2 / expected).sum(axis=(-2, -1))


def simulated_p_value(
    rows: np.ndarray, cols: np.ndarray, observed: float, n_sim: int, seed: int
) -> float:
    """Monte Carlo p-value of X² conditional on both margins: the column labels are permuted
    against the row labels ``n_sim`` times; p = (1 + #{X²* >= X²}) / (n_sim + 1)."""
    rng = np.random.default_rng(seed)
    n_rows, n_cols = int(rows.max()) + 1, int(cols.max()) + 1
    exceed = 0
    batch = max(1, min(n_sim, 2_000_000 // max(len(rows), 1)))
    done = 0
    tol = 1e-7 * max(observed, 1.0)
    while done < n_sim:
        b = min(batch, n_sim - done)
        perm = rng.permuted(np.broadcast_to(cols, (b, cols.size)), axis=1)
        flat = (np.arange(b)[:, None] * n_rows + rows[None, :]) * n_cols + perm
        counts = np.bincount(flat.ravel(), minlength=b * n_rows * n_cols).reshape(b, n_rows, n_cols)
        exceed += int((chi2_statistic(counts) >= observed - tol).sum())
        done += b
    return (1 + exceed) / (n_sim + 1)


class FieldDifferences(ImplementationResult):
    """Independence test of outcome and action field, and pairwise comparisons.

    ``tidy()`` columns: ``comparison`` (``"independence"`` or ``"field_a vs field_b"``),
    ``field_a``, ``field_b``, ``share_a``, ``share_b``, ``estimate`` (share_a - share_b for
    pairs), ``statistic``, ``df``, ``p_value``, ``p_adjusted`` (pairs, corrected for multiple
    testing) and ``method``. ``contingency`` holds the counts (fields x categories) and
    ``expected`` the expected counts under independence.
    """

    def __init__(self, table, *, contingency, expected, **kw) -> None:
        super().__init__(table, **kw)
        self.contingency = contingency
        self.expected = expected

    def plot(self, ax=None, lang: Lang = "de", title: str | None = None):
        """Shares of the outcome categories per action field (stacked bars); returns the
        Figure."""
        from .plots import plot_field_differences

        return plot_field_differences(self, ax=ax, lang=lang, title=title)


def field_differences(
    study,
    *,
    outcome: Outcome = "status",
    success: Success = "implemented",
    as_of: AsOf = "end",
    method: TestMethod = "auto",
    pairwise: Pairwise = "fisher",
    correction: Correction = "holm",
    n_sim: int = 4999,
    seed: int = 0,
    unreported: Unreported = "exclude",
) -> FieldDifferences:
    """Do the action fields differ in implementation?

    1. Pearson's chi-square test of independence of ``outcome`` (the status at ``as_of``, or
       success yes/no) and action field. With ``method="auto"`` a Monte Carlo p-value
       (``n_sim`` tables with both margins fixed, ``seed``) replaces the asymptotic one when an
       expected count is below 5; ``"asymptotic"`` and ``"simulated"`` force one.
    2. Pairwise comparisons of the success shares of every two action fields: Fisher's exact
       test (``pairwise="fisher"``, measures independent) or a Wald test of the difference with
       municipality-clustered sandwich variance (``pairwise="cluster"``); p-values corrected
       with ``correction`` (Holm by default, statsmodels ``multipletests``).

    Statuses and action fields that no measure has are dropped from the table (a note names
    them). Both the chi-square test and Fisher's test treat measures as independent.

    >>> import evaluation as ev
    >>> ev.field_differences(ev.datasets.synthetic_study(seed=1)).tidy()  # doctest: +SKIP
    """
    check_choice("outcome", outcome, ("status", "success"))
    check_success(success)
    as_of = check_as_of(as_of)
    check_choice("method", method, ("auto", "asymptotic", "simulated"))
    check_choice("pairwise", pairwise, ("fisher", "cluster"))
    check_choice("correction", correction, ("holm", "bonferroni", "fdr_bh", "none"))
    check_draws("n_sim", n_sim, minimum=99)
    ms = measure_status(study, unreported)
    notes = list(ms.notes)
    frame, status = select(ms, as_of, notes)
    fields = ordered_fields(frame["action_field"])
    if len(fields) < 2:
        raise DataError(
            f"field_differences needs measures in at least two action fields, found {fields}"
        )
    absent = [f for f in ACTION_FIELD_CODES if f not in fields]
    if absent:
        notes.append(
            "Action field(s) without measures are not part of the test: " + ", ".join(absent) + "."
        )
    f_idx = pd.Index(fields).get_indexer(frame["action_field"].astype(str))
    y = success_flag(status, success)
    if outcome == "status":
        categories = list(STATUS_CODES)
        c_idx = status
    else:
        categories = ["not_successful", "successful"]
        c_idx = y
    counts = np.zeros((len(fields), len(categories)), dtype=np.int64)
    np.add.at(counts, (f_idx, c_idx), 1)
    used = counts.sum(axis=0) > 0
    if (~used).any():
        notes.append(
            "Categories without any measure are dropped from the test: "
            + ", ".join(c for c, u in zip(categories, used, strict=True) if not u)
            + "."
        )
    if used.sum() < 2:
        raise DataError(
            f"every measure has the same {outcome} at as_of={as_of!r}: there is nothing to test"
        )
    cats = [c for c, u in zip(categories, used, strict=True) if u]
    table = counts[:, used]
    remap = np.cumsum(used) - 1
    observed = float(chi2_statistic(table))
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    df = (table.shape[0] - 1) * (table.shape[1] - 1)
    p_asym = float(stats.chi2.sf(observed, df))
    small = bool((expected < 5).any())
    use_sim = method == "simulated" or (method == "auto" and small)
    rows = [
        {
            "comparison": "independence",
            "statistic": observed,
            "df": float(df),
            "p_value": p_asym,
            "method": "chi2_asymptotic",
        }
    ]
    if use_sim:
        p_sim = simulated_p_value(f_idx, remap[c_idx], observed, int(n_sim), seed)
        rows.append(
            {
                "comparison": "independence",
                "statistic": observed,
                "df": float(df),
                "p_value": p_sim,
                "method": "chi2_simulated",
            }
        )
        notes.append(
            f"Simulated p-value: {n_sim} tables with both margins fixed (permutation, seed "
            f"{seed})" + (" because an expected count is below 5." if small else ".")
        )
    elif small:
        notes.append("An expected count is below 5: the asymptotic p-value may be inaccurate.")

    # pairwise success shares
    n_f = np.bincount(f_idx, minlength=len(fields)).astype(float)
    x_f = np.bincount(f_idx, weights=y, minlength=len(fields))
    share = x_f / n_f
    pairs = list(combinations(range(len(fields)), 2))
    if pairwise == "cluster":
        clusters, _ = pd.factorize(frame["municipality_id"].astype(str))
        g = clusters.max() + 1
        ysum = np.zeros((g, len(fields)))
        nsum = np.zeros((g, len(fields)))
        np.add.at(ysum, (clusters, f_idx), y)
        np.add.at(nsum, (clusters, f_idx), 1.0)
        infl = (ysum - share * nsum) / n_f  # influence of each municipality on each share
    pair_rows = []
    for a, b in pairs:
        if pairwise == "fisher":
            tab = np.array([[x_f[a], n_f[a] - x_f[a]], [x_f[b], n_f[b] - x_f[b]]])
            res = stats.fisher_exact(tab, alternative="two-sided")
            stat, p, name, dfv = float(res.statistic), float(res.pvalue), "fisher_exact", np.nan
        else:
            se = float(np.sqrt(((infl[:, a] - infl[:, b]) ** 2).sum()))
            diff = share[a] - share[b]
            stat = diff / se if se > 0 else np.nan
            p = float(2 * stats.norm.sf(abs(stat))) if se > 0 else np.nan
            name, dfv = "wald_cluster", np.nan
        pair_rows.append(
            {
                "comparison": f"{fields[a]} vs {fields[b]}",
                "field_a": fields[a],
                "field_b": fields[b],
                "share_a": share[a],
                "share_b": share[b],
                "estimate": share[a] - share[b],
                "statistic": stat,
                "df": dfv,
                "p_value": p,
                "method": name,
            }
        )
    pair_df = pd.DataFrame(pair_rows)
    from statsmodels.stats.multitest import multipletests

    if correction == "none":
        pair_df["p_adjusted"] = pair_df["p_value"]
    else:
        ok = pair_df["p_value"].notna().to_numpy()
        adj = np.full(len(pair_df), np.nan)
        if ok.any():
            adj[ok] = multipletests(pair_df.loc[ok, "p_value"].to_numpy(), method=correction)[1]
        pair_df["p_adjusted"] = adj
    out = pd.concat([pd.DataFrame(rows), pair_df], ignore_index=True)
    cols = [
        "comparison",
        "field_a",
        "field_b",
        "share_a",
        "share_b",
        "estimate",
        "statistic",
        "df",
        "p_value",
        "p_adjusted",
        "method",
    ]
    out = out.reindex(columns=cols)
    for c in ("comparison", "field_a", "field_b", "method"):
        out[c] = out[c].astype("string")
    for c in ("share_a", "share_b", "estimate", "statistic", "df", "p_value", "p_adjusted"):
        out[c] = out[c].astype(float)
    notes.insert(
        0,
        f"Pairwise: success shares ({success}) of every two action fields; "
        + (
            "Fisher's exact test (statistic = odds ratio)"
            if pairwise == "fisher"
            else "Wald test with municipality-clustered sandwich variance"
        )
        + f"; p_adjusted: {correction} correction over {len(pairs)} comparisons.",
    )
    contingency = pd.DataFrame(table, index=pd.Index(fields, name="action_field"), columns=cats)
    expected_df = pd.DataFrame(expected, index=contingency.index, columns=cats)
    res = FieldDifferences(
        out,
        contingency=contingency,
        expected=expected_df,
        titles=("Unterschiede zwischen Handlungsfeldern", "Differences between action fields"),
        notes=notes,
        facts={
            "outcome": outcome,
            "success": success,
            "as_of": as_of,
            "n_measures": len(frame),
            "min_expected": float(expected.min()),
        },
        options={"outcome": outcome, "success": success},
    )
    if pairwise == "cluster":
        res.flag_clusters(int(frame["municipality_id"].nunique()), what="field_differences")
    return res
