"""Differences between action fields: independence test and pairwise comparisons."""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from ..codes import ACTION_FIELD_CODES, STATUS_CODES, labels
from ..errors import DataError
from ..i18n import Lang, Text
from ..options import (
    FieldOutcome,
    IndependenceTest,
    Pairwise,
    PairwiseCorrection,
    Success,
    Unreported,
    check_draws,
    check_option,
    renamed_keywords,
)
from ..results import Inference
from ._data import (
    AsOf,
    check_as_of,
    check_success,
    measure_status,
    ordered_fields,
    select,
    success_flag,
)
from ._results import VALUE_LABELS, ImplementationResult
from .rates import field_names

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: expected counts below this make the asymptotic chi-square p-value unreliable (Cochran 1954)
MIN_EXPECTED = 5

TITLE = Text("Unterschiede zwischen Handlungsfeldern", "Differences between action fields")
FISHER_TEXT = Text(
    "Paarweise Vergleiche: Erfolgsanteile ({success}) je zweier Handlungsfelder, exakter Test "
    "nach Fisher (Teststatistik = Odds Ratio; Maßnahmen als unabhängig behandelt); "
    "korrigierter p-Wert: {correction} über {k} Vergleiche.",
    "Pairwise: success shares ({success}) of every two action fields; Fisher's exact test "
    "(statistic = odds ratio; measures treated as independent); p_adjusted: {correction} "
    "correction over {k} comparisons.",
)
CLUSTER_TEXT = Text(
    "Paarweise Vergleiche: Erfolgsanteile ({success}) je zweier Handlungsfelder, Wald-Test mit "
    "nach Kommunen geclusterter Sandwich-Varianz; korrigierter p-Wert: {correction} über {k} "
    "Vergleiche.",
    "Pairwise: success shares ({success}) of every two action fields; Wald test with "
    "municipality-clustered sandwich variance; p_adjusted: {correction} correction over {k} "
    "comparisons.",
)
CORRECTIONS = {
    "holm": Text("Holm", "Holm"),
    "bonferroni": Text("Bonferroni", "Bonferroni"),
    "fdr_bh": Text("Benjamini-Hochberg (FDR)", "Benjamini-Hochberg (FDR)"),
    "none": Text("keine Korrektur", "no"),
}
NO_FIELD = Text(
    "Handlungsfeld(er) ohne Maßnahmen gehen nicht in den Test ein: {fields}.",
    "Action field(s) without measures are not part of the test: {fields}.",
)
NO_CATEGORY = Text(
    "Kategorien ohne Maßnahme entfallen im Test: {categories}.",
    "Categories without any measure are dropped from the test: {categories}.",
)
SIMULATED = Text(
    "Simulierter p-Wert: {n} Tafeln mit festen Rändern (Permutation, Startwert {seed}){why}.",
    "Simulated p-value: {n} tables with both margins fixed (permutation, seed {seed}){why}.",
)
SIMULATED_WHY = Text(
    ", weil eine erwartete Häufigkeit unter {m} liegt", " because an expected count is below {m}"
)
SMALL_EXPECTED = Text(
    "Eine erwartete Häufigkeit liegt unter {m}: der asymptotische p-Wert kann ungenau sein.",
    "An expected count is below {m}: the asymptotic p-value may be inaccurate.",
)


def chi2_statistic(table: np.ndarray) -> np.ndarray:
    """Pearson's X² of one or many contingency tables (last two axes), without correction."""
    t = np.asarray(table, dtype=float)
    rows = t.sum(axis=-1, keepdims=True)
    cols = t.sum(axis=-2, keepdims=True)
    total = t.sum(axis=(-2, -1), keepdims=True)
    expected = rows * cols / total
    return ((t - expected) ** 2 / expected).sum(axis=(-2, -1))


def simulated_p_value(
    rows: np.ndarray, cols: np.ndarray, observed: float, n_draws: int, seed: int
) -> float:
    """Monte Carlo p-value of X² conditional on both margins: the column labels are permuted
    against the row labels ``n_draws`` times; p = (1 + #{X²* >= X²}) / (n_draws + 1).

    Parameters
    ----------
    rows, cols
        Row and column index (0-based) of every observation.
    observed
        The observed X².
    n_draws
        Number of permutations.
    seed
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    float
    """
    rng = np.random.default_rng(seed)
    n_rows, n_cols = int(rows.max()) + 1, int(cols.max()) + 1
    exceed = 0
    batch = max(1, min(n_draws, 2_000_000 // max(len(rows), 1)))
    done = 0
    tol = 1e-7 * max(observed, 1.0)
    while done < n_draws:
        b = min(batch, n_draws - done)
        perm = rng.permuted(np.broadcast_to(cols, (b, cols.size)), axis=1)
        flat = (np.arange(b)[:, None] * n_rows + rows[None, :]) * n_cols + perm
        counts = np.bincount(flat.ravel(), minlength=b * n_rows * n_cols).reshape(b, n_rows, n_cols)
        exceed += int((chi2_statistic(counts) >= observed - tol).sum())
        done += b
    return (1 + exceed) / (n_draws + 1)


class FieldDifferences(ImplementationResult):
    """Independence test of outcome and action field, and pairwise comparisons.

    ``tidy()`` columns: ``contrast`` (``"independence"`` or ``"field_a vs field_b"``),
    ``field_a``, ``field_b``, ``share_a``, ``share_b``, ``estimate`` (share_a - share_b for
    pairs), ``statistic``, ``dof``, ``p_value``, ``p_adjusted`` (pairs, corrected for multiple
    testing) and ``method``. ``contingency`` holds the counts (fields x categories) and
    ``expected`` the expected counts under independence.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        contingency: pd.DataFrame,
        expected: pd.DataFrame,
        **kw: Any,
    ) -> None:
        self.contingency = contingency
        self.expected = expected
        super().__init__(table, **kw)

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Shares of the outcome categories per action field (stacked bars); returns the
        Figure."""
        from .plots import plot_field_differences

        return plot_field_differences(self, ax=ax, lang=lang, title=title)


def _independence(
    f_idx: np.ndarray,
    c_idx: np.ndarray,
    categories: list[str],
    n_fields: int,
    outcome: str,
    as_of: AsOf,
    notes: list[Text],
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The contingency table (fields x used categories), its categories and the index of
    each measure's category among them."""
    counts = np.zeros((n_fields, len(categories)), dtype=np.int64)
    np.add.at(counts, (f_idx, c_idx), 1)
    used = counts.sum(axis=0) > 0
    if (~used).any():
        st = labels("statuses", "de"), labels("statuses", "en")
        unused = [c for c, u in zip(categories, used, strict=True) if not u]
        notes.append(
            NO_CATEGORY.format(
                categories=Text(*(", ".join(lab.get(c, c) for c in unused) for lab in st))
            )
        )
    if used.sum() < 2:
        raise DataError(
            f"every measure has the same {outcome} at as_of={as_of!r}: there is nothing to test"
        )
    cats = [c for c, u in zip(categories, used, strict=True) if u]
    remap = np.cumsum(used) - 1
    return counts[:, used], cats, remap[c_idx]


def _pairwise(
    frame: pd.DataFrame,
    f_idx: np.ndarray,
    y: np.ndarray,
    fields: list[str],
    pairwise: str,
    correction: str,
) -> pd.DataFrame:
    """Pairwise comparisons of the success shares of every two action fields."""
    n_f = np.bincount(f_idx, minlength=len(fields)).astype(float)
    x_f = np.bincount(f_idx, weights=y, minlength=len(fields))
    share = x_f / n_f
    if pairwise == "cluster":
        clusters, _ = pd.factorize(frame["municipality_id"].astype(str))
        g = clusters.max() + 1
        ysum = np.zeros((g, len(fields)))
        nsum = np.zeros((g, len(fields)))
        np.add.at(ysum, (clusters, f_idx), y)
        np.add.at(nsum, (clusters, f_idx), 1.0)
        infl = (ysum - share * nsum) / n_f  # influence of each municipality on each share
    rows = []
    for a, b in combinations(range(len(fields)), 2):
        if pairwise == "fisher":
            tab = np.array([[x_f[a], n_f[a] - x_f[a]], [x_f[b], n_f[b] - x_f[b]]])
            res = stats.fisher_exact(tab, alternative="two-sided")
            stat, p, name = float(res.statistic), float(res.pvalue), "fisher_exact"
        else:
            se = float(np.sqrt(((infl[:, a] - infl[:, b]) ** 2).sum()))
            diff = share[a] - share[b]
            stat = diff / se if se > 0 else np.nan
            p = float(2 * stats.norm.sf(abs(stat))) if se > 0 else np.nan
            name = "wald_cluster"
        rows.append(
            {
                "contrast": f"{fields[a]} vs {fields[b]}",
                "field_a": fields[a],
                "field_b": fields[b],
                "share_a": share[a],
                "share_b": share[b],
                "estimate": share[a] - share[b],
                "statistic": stat,
                "dof": np.nan,
                "p_value": p,
                "method": name,
            }
        )
    out = pd.DataFrame(rows)
    from statsmodels.stats.multitest import multipletests

    if correction == "none":
        out["p_adjusted"] = out["p_value"]
    else:
        ok = out["p_value"].notna().to_numpy()
        adj = np.full(len(out), np.nan)
        if ok.any():
            adj[ok] = multipletests(out.loc[ok, "p_value"].to_numpy(), method=correction)[1]
        out["p_adjusted"] = adj
    return out


COLUMNS = (
    "contrast",
    "field_a",
    "field_b",
    "share_a",
    "share_b",
    "estimate",
    "statistic",
    "dof",
    "p_value",
    "p_adjusted",
    "method",
)


@renamed_keywords(n_sim="n_draws")
def field_differences(
    study: Any,
    *,
    outcome: FieldOutcome = "status",
    success: Success = "implemented",
    as_of: AsOf = "end",
    method: IndependenceTest = "auto",
    pairwise: Pairwise = "fisher",
    correction: PairwiseCorrection = "holm",
    n_draws: int = 4999,
    seed: int = 0,
    unreported: Unreported = "exclude",
) -> FieldDifferences:
    """Do the action fields differ in implementation?

    1. Pearson's chi-square test of independence of ``outcome`` (the status at ``as_of``, or
       success yes/no) and action field. With ``method="auto"`` a Monte Carlo p-value
       (``n_draws`` tables with both margins fixed, ``seed``) replaces the asymptotic one when
       an expected count is below 5; ``"asymptotic"`` and ``"simulated"`` force one.
    2. Pairwise comparisons of the success shares of every two action fields: Fisher's exact
       test (``pairwise="fisher"``, measures independent) or a Wald test of the difference with
       municipality-clustered sandwich variance (``pairwise="cluster"``); p-values corrected
       with ``correction`` (Holm by default, statsmodels ``multipletests``).

    Statuses and action fields that no measure has are dropped from the table (a note names
    them). Both the chi-square test and Fisher's test treat measures as independent.

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    outcome
        ``"status"`` (the five statuses) or ``"success"`` (yes/no) in the independence test.
    success, as_of, unreported
        As in :func:`evaluation.implementation_rates`.
    method
        The p-value of the independence test: ``"auto"``, ``"asymptotic"`` or
        ``"simulated"``.
    pairwise
        ``"fisher"`` or ``"cluster"`` (see above).
    correction
        ``"holm"``, ``"bonferroni"``, ``"fdr_bh"`` or ``"none"``.
    n_draws
        Simulated tables of the Monte Carlo p-value (the old name ``n_sim`` works for one
        release, with a :class:`DeprecationWarning`).
    seed
        Seed of the simulated tables (``numpy.random.default_rng(seed)``).

    Returns
    -------
    FieldDifferences
        The independence test (one or two rows) and the pairwise comparisons.

    Examples
    --------
    >>> import evaluation as ev
    >>> ev.field_differences(ev.datasets.synthetic_study(seed=1), seed=1).tidy()  # doctest: +SKIP
    """
    check_option("outcome", outcome, FieldOutcome)
    check_success(success)
    as_of = check_as_of(as_of)
    check_option("method", method, IndependenceTest)
    check_option("pairwise", pairwise, Pairwise)
    check_option("correction", correction, PairwiseCorrection)
    check_draws("n_draws", n_draws, minimum=99)
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
        notes.append(NO_FIELD.format(fields=field_names(absent)))
    f_idx = pd.Index(fields).get_indexer(frame["action_field"].astype(str))
    y = success_flag(status, success)
    if outcome == "status":
        categories, c_idx = list(STATUS_CODES), status
    else:
        categories, c_idx = ["not_successful", "successful"], y
    table, cats, cat_idx = _independence(
        f_idx, c_idx, categories, len(fields), outcome, as_of, notes
    )
    observed = float(chi2_statistic(table))
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    small = bool((expected < MIN_EXPECTED).any())
    rows = [
        {
            "contrast": "independence",
            "statistic": observed,
            "dof": float(dof),
            "p_value": float(stats.chi2.sf(observed, dof)),
            "method": "chi2_asymptotic",
        }
    ]
    if method == "simulated" or (method == "auto" and small):
        p_sim = simulated_p_value(f_idx, cat_idx, observed, int(n_draws), seed)
        rows.append({**rows[0], "p_value": p_sim, "method": "chi2_simulated"})
        why = SIMULATED_WHY.format(m=MIN_EXPECTED) if small else ""
        notes.append(SIMULATED.format(n=n_draws, seed=seed, why=why))
    elif small:
        notes.append(SMALL_EXPECTED.format(m=MIN_EXPECTED))
    pairs = _pairwise(frame, f_idx, y, fields, pairwise, correction)
    out = pd.concat([pd.DataFrame(rows), pairs], ignore_index=True).reindex(columns=COLUMNS)
    for c in ("contrast", "field_a", "field_b", "method"):
        out[c] = out[c].astype("string")
    for c in ("share_a", "share_b", "estimate", "statistic", "dof", "p_value", "p_adjusted"):
        out[c] = out[c].astype(float)
    description = (FISHER_TEXT if pairwise == "fisher" else CLUSTER_TEXT).format(
        success=VALUE_LABELS["success"][success],
        correction=CORRECTIONS[correction],
        k=len(pairs),
    )
    n_clusters = int(frame["municipality_id"].nunique()) if pairwise == "cluster" else None
    inference = Inference(
        name="fisher_exact" if pairwise == "fisher" else "wald_cluster",
        description=description,
        n_clusters=n_clusters,
    )
    inference.warn("field_differences", stacklevel=4)
    contingency = pd.DataFrame(table, index=pd.Index(fields, name="action_field"), columns=cats)
    return FieldDifferences(
        out,
        contingency=contingency,
        expected=pd.DataFrame(expected, index=contingency.index, columns=cats),
        title=TITLE,
        notes=notes,
        facts={
            "outcome": outcome,
            "success": success,
            "as_of": as_of,
            "n_measures": len(frame),
            "min_expected": float(expected.min()),
        },
        call={
            "outcome": outcome,
            "success": success,
            "as_of": as_of,
            "method": method,
            "pairwise": pairwise,
            "correction": correction,
            "n_draws": n_draws,
            "seed": seed,
            "unreported": unreported,
        },
        inference=inference,
    )
