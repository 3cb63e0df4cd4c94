"""Effects by subgroups of treated units (e.g. implementation intensity) and a test of equal
effects.

Each subgroup's treated units are estimated with :func:`evaluation.att_gt` against the same
never-treated comparison units, aggregated with ``aggregate(aggregation)``. The subgroup
estimates share those comparison units, so they are correlated: the test stacks the influence
functions of the overall effects (``influence()`` of the aggregated overall effect, R
scaling) over the union of units, ``psi_k,i = IF_k,i / n_k``, and uses
``V = sum_c S_c S_c'`` (S_c: cluster sums of psi) in the Wald statistic of ``H0: all equal``,
chi-squared with K - 1 degrees of freedom.

With few treated units per cohort in a group the influence-function variance is too small (a
cohort's treated part is estimated with divisor n, and a cohort of one unit contributes no
treated variance at all), so the chi-squared p-value over-rejects: in a simulation without a
difference (60 audited units split at random, 150 comparison units, constant effect, 100
replications) it rejected 12 % at the 5 % level with on average 2.7 treated units per cohort
and group (the standard error of the difference 0.225 against a standard deviation of 0.276),
and 3 % with 7.5 units (180 audited units).

The default test (``test="permutation"``) therefore takes the p-value of the same Wald
statistic from a randomisation distribution: under H0 (group membership unrelated to the
effect) the group labels are exchangeable among the treated units of a cohort, so they are
permuted within cohorts (the group sizes per cohort stay as they are) and the statistic is
recomputed, ``p = (1 + #{W_b >= W}) / (1 + B)`` for ``B = n_permutations`` random
permutations (seeded), or the share of all distinct assignments (the observed one included)
when there are at most ``n_permutations`` of them. The estimates, their standard errors and
``vcov()`` are those of ``att_gt`` in either case; ``test="wald"`` gives the chi-squared
p-value, which is reported beside the permutation one (fact ``p_value_wald``).

Re-running ``att_gt`` per permutation would be slow. With never-treated comparison units shared
by all groups, no covariates and no sampling weights on a balanced panel, group k's ATT(g, t)
is the mean long difference of its cohort-g units minus the comparison mean, the aggregation
weights depend only on the group sizes per cohort (which the permutations keep), and the
influence function of the aggregated effect is, per treated unit, its aggregated long
difference minus the group-and-cohort mean over the group size, plus the share term, which is
linear in the cells' effects; the comparison units' part does not depend on the assignment.
So every permutation's statistic is a few sums over the units of a group within a cohort
(:class:`_FastStatistic`); it is checked against ``att_gt`` on the observed assignment. With
covariates (any ``method``) the propensity score (``"dr"``, ``"ipw"``) and the regression
adjustment's influence (through the treated units' mean covariates) depend on the assignment,
so ``att_gt`` is re-estimated for every assignment, exactly but slowly, and the notes say so
(choose a smaller ``n_permutations`` there).

Measured (``tests/test_heterogeneity.py``, ``-m slow``), 60 audited units (about 2.7 treated
units per cohort and group), no difference: over 300 random splits of one simulated study the
permutation test rejected 3.0 % at the 5 % level (the chi-squared p-value 6.0 %); over 200
simulated studies, each split at random, 8.5 % (chi-squared 9.5 %), and over the same 200
studies with 200 other random splits 4.0 % (chi-squared 7.0 %): 6.25 % over the 400
(Monte Carlo standard error 1.1 %), within the error of an exact test, while the chi-squared
test rejects 8.25 %. With 180 audited units, 100 studies: 4.0 % (chi-squared 3.0 %).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Lang, Text, number, tr
from ..options import AggregationType, check_draws, check_option
from ..results import Estimates, Inference, TestResult
from ..study.panel import resolve_roles

Grouping = Literal["terciles", "half", "values"]
#: the test of equal effects: permutation of the groups within cohorts, or chi-squared
TestType = Literal["permutation", "wald"]
#: below this mean number of treated units per cohort (in the smallest group) the result warns
#: that its test over-rejects (see the module docstring)
FEW_PER_COHORT = 5.0
#: deprecated alias of :data:`evaluation.options.AggregationType`
Aggregation = AggregationType

TEXTS = {
    "title": Text("Effekte nach Untergruppen", "Effects by subgroup"),
    "method": Text(
        "Callaway & Sant'Anna je Untergruppe gegen dieselben nie behandelten Einheiten, "
        "Aggregation '{agg}'",
        "Callaway & Sant'Anna per subgroup against the same never-treated units, "
        "aggregation '{agg}'",
    ),
    "se": Text(
        "Standardfehler aus den Einflussfunktionen; der Test gleicher Effekte nutzt deren "
        "gemeinsame Kovarianz (gemeinsame Vergleichseinheiten).",
        "Standard errors from the influence functions; the test of equal effects uses their "
        "joint covariance (shared comparison units).",
    ),
    "incomplete": Text(
        "{n} Einheit(en) ohne Wert in jedem Jahr ausgelassen (wie in att_gt mit "
        "unbalanced='drop'); Gruppen und Permutationen beziehen sich auf die übrigen.",
        "{n} unit(s) without a value in every year left out (as att_gt does with "
        "unbalanced='drop'); groups and permutations refer to the others.",
    ),
    "caveat": Text(
        "Die Gruppen sind nicht zufällig: Kommunen wählen ihre Umsetzungsintensität selbst; "
        "Unterschiede zeigen Heterogenität, nicht notwendig die Wirkung der Intensität.",
        "The groups are not random: municipalities choose how much they implement; "
        "differences show heterogeneity, not necessarily the effect of intensity.",
    ),
    "few": Text(
        "Wenige behandelte Einheiten je Kohorte (im Mittel {n} in der kleinsten Gruppe): die "
        "Standardfehler aus den Einflussfunktionen sind dann zu klein, und der Chi-Quadrat-Test "
        "gleicher Effekte verwirft zu oft (Simulation ohne Unterschied: 12 % statt 5 % bei 2,7 "
        "Einheiten je Kohorte und Gruppe, 3 % bei 7,5). Der Permutationstest "
        "(test='permutation') hält sein Niveau.",
        "Few treated units per cohort (on average {n} in the smallest group): the standard "
        "errors from the influence functions are then too small, and the chi-squared test of "
        "equal effects rejects too often (simulation without a difference: 12% instead of 5% "
        "with 2.7 units per cohort and group, 3% with 7.5). The permutation test "
        "(test='permutation') keeps its size.",
    ),
    "few_perm": Text(
        "Wenige behandelte Einheiten je Kohorte (im Mittel {n} in der kleinsten Gruppe): die "
        "Standardfehler aus den Einflussfunktionen sind dann zu klein, der Chi-Quadrat-p-Wert "
        "wäre zu klein. Der p-Wert der Permutation hält sein Niveau, solange die Gruppen "
        "innerhalb der Kohorten austauschbar sind (Simulation ohne Unterschied: 3 % "
        "Ablehnungen bei 5 % über 300 zufällige Teilungen derselben Daten).",
        "Few treated units per cohort (on average {n} in the smallest group): the standard "
        "errors from the influence functions are then too small, and so would be the "
        "chi-squared p-value. The permutation p-value keeps its size (simulation without a "
        "difference: 3% rejected at 5% over 300 random splits of the same data) as long as the "
        "groups are exchangeable within cohorts.",
    ),
    "test_perm": Text(
        "Test gleicher Effekte (Permutation innerhalb der Kohorten)",
        "Test of equal effects (permutation within cohorts)",
    ),
    "hypothesis_perm": Text(
        "H0: die Gruppenzugehörigkeit hängt nicht mit dem Effekt zusammen; die Gruppen werden "
        "unter den behandelten Einheiten jeder Kohorte vertauscht (Gruppengrößen je Kohorte "
        "fest), Statistik: die Wald-Statistik mit der gemeinsamen Kovarianz.",
        "H0: group membership is unrelated to the effect; the groups are permuted among the "
        "treated units of each cohort (group sizes per cohort fixed), statistic: the Wald "
        "statistic with the joint covariance.",
    ),
    "note_perm": Text(
        "Test gleicher Effekte (Permutation innerhalb der Kohorten, {how}): Wald-Statistik = "
        "{stat}, Freiheitsgrade = {dof}, p = {p} (Chi-Quadrat-Näherung: p = {p_wald}).",
        "Test of equal effects (permutation within cohorts, {how}): Wald statistic = {stat}, "
        "df = {dof}, p = {p} (chi-squared approximation: p = {p_wald}).",
    ),
    "exact": Text("alle {n} Zuordnungen", "all {n} assignments"),
    "random": Text(
        "{n} zufällige Zuordnungen, Startwert {seed}", "{n} random assignments, seed {seed}"
    ),
    "slow": Text(
        "Mit Kovariaten, Gewichten oder unvollständigen Einheiten wird att_gt für jede "
        "Zuordnung neu geschätzt (langsam; n_permutations kleiner wählen, um Zeit zu sparen).",
        "With covariates, weights or incomplete units att_gt is re-estimated for every "
        "assignment (slow; choose a smaller n_permutations to save time).",
    ),
    "test": Text("Test gleicher Effekte (Wald)", "Test of equal effects (Wald)"),
    "hypothesis": Text(
        "H0: alle Untergruppen haben denselben Effekt; Chi-Quadrat mit K - 1 Freiheitsgraden, "
        "gemeinsame Kovarianz der Untergruppen-Effekte.",
        "H0: every subgroup has the same effect; chi-squared with K - 1 degrees of freedom, "
        "joint covariance of the subgroup effects.",
    ),
    "note": Text(
        "Test gleicher Effekte (Wald): Chi2 = {stat}, Freiheitsgrade = {dof}, p = {p}.",
        "Test of equal effects (Wald): chi2 = {stat}, df = {dof}, p = {p}.",
    ),
}


class HeterogeneityResult(Estimates):
    """Overall effect per subgroup (key ``group``, with ``n_treated_units``).

    ``test`` is the test of equal effects (a :class:`~evaluation.results.TestResult`; its
    facts say which test, the number of permutations and the seed), ``vcov()`` the joint
    covariance of the group estimates, ``groups`` the unit-to-group assignment and ``labels``
    the readable label (:class:`~evaluation.i18n.Text`) of every group key."""

    def __init__(
        self,
        table: pd.DataFrame,
        keys: list[str],
        *,
        test: TestResult,
        groups: pd.Series,
        labels: dict[str, Text],
        **kw: Any,
    ) -> None:
        self.test = test
        self.groups = groups
        self.labels = labels
        super().__init__(table, keys, **kw)

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        """The table of the summary with the groups' readable labels."""
        tables = super()._summary_tables(lang)
        name, shown = tables[0]
        col = shown.columns[0]
        shown = shown.assign(
            **{col: [tr(self.labels[v], lang) if v in self.labels else v for v in shown[col]]}
        )
        return [(name, shown), *tables[1:]]

    def plot(self, ax: Any = None, *, lang: Lang = "de", title: str | None = None) -> Any:
        """The groups' effects with their intervals, the groups named by their labels."""
        from ..results.plotting import plot_estimates

        shown = self.tidy()
        shown["group"] = [
            tr(self.labels[v], lang) if v in self.labels else v for v in shown["group"]
        ]
        return plot_estimates(
            shown, self.keys, ax=ax, lang=lang, title=title or tr(self.title, lang)
        )

    @property
    def covariance(self) -> pd.DataFrame:
        """Deprecated: use :meth:`vcov`."""
        import warnings

        warnings.warn(
            "HeterogeneityResult.covariance is deprecated; use vcov()",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.vcov()


HALF = {
    "up_to_half": Text("bis 50 %", "up to 50%"),
    "over_half": Text("über 50 %", "over 50%"),
}
TERCILES = {
    "T1": Text("T1 (niedrig)", "T1 (low)"),
    "T2": Text("T2 (mittel)", "T2 (middle)"),
    "T3": Text("T3 (hoch)", "T3 (high)"),
}


def _cut_labels(cuts: np.ndarray) -> dict[str, Text]:
    """Keys ``g1``, ``g2``, ... and readable labels of the intervals between cut points."""

    def fmt(x: float) -> tuple[str, str]:
        return f"{x:g}".replace(".", ","), f"{x:g}"

    first_de, first_en = fmt(cuts[0])
    out = {"g1": Text(f"bis {first_de}", f"up to {first_en}")}
    for n, (a, b) in enumerate(zip(cuts[:-1], cuts[1:], strict=True), start=2):
        (ad, ae), (bd, be) = fmt(a), fmt(b)
        out[f"g{n}"] = Text(f"über {ad} bis {bd}", f"over {ae} to {be}")
    last_de, last_en = fmt(cuts[-1])
    out[f"g{len(cuts) + 1}"] = Text(f"über {last_de}", f"over {last_en}")
    return out


def _assign(
    values: pd.Series, groups: Grouping | Sequence[float]
) -> tuple[pd.Series, dict[str, Text]]:
    """The group key of every treated unit and the readable label of every key (in the
    order of the groups)."""
    if isinstance(groups, str):
        if groups == "values":
            keys = values.astype(str)
            return keys, {k: Text(k, k) for k in sorted(keys.unique())}
        x = pd.to_numeric(values, errors="coerce")
        if x.isna().any():
            bad = x.index[x.isna()][:5].tolist()
            raise DataError(
                f"grouping needs a numeric value for every treated unit; missing or text for {bad}"
            )
        if groups == "half":
            lab = np.where(x > 0.5, "over_half", "up_to_half")
            return pd.Series(lab, index=values.index, dtype=object), dict(HALF)
        if groups == "terciles":
            q = np.quantile(x, [1 / 3, 2 / 3])
            lab = np.select([x <= q[0], x <= q[1]], ["T1", "T2"], "T3")
            return pd.Series(lab, index=values.index, dtype=object), dict(TERCILES)
        raise OptionError(
            f"groups must be 'terciles', 'half', 'values' or a list of cut points, got {groups!r}"
        )
    cuts = np.sort(np.asarray(list(groups), dtype=float))
    x = pd.to_numeric(values, errors="coerce").to_numpy()
    if np.isnan(x).any():
        raise DataError("grouping by cut points needs a numeric value for every treated unit")
    pos = np.searchsorted(cuts, x, side="left")
    return pd.Series([f"g{i + 1}" for i in pos], index=values.index, dtype=object), _cut_labels(
        cuts
    )


def _unit_values(
    panel: pd.DataFrame, unit: str, by: str | pd.Series, treated_ids: pd.Index
) -> tuple[pd.Series, Any]:
    """The value of ``by`` for each treated unit (index: the treated units) and its name."""
    if isinstance(by, pd.Series):
        values = by.copy()
        values.index = values.index.astype(str)
        values = values.reindex(treated_ids.astype(str))
        values.index = treated_ids
        return values, by.name or "group"
    if by not in panel.columns:
        raise DataError(f"panel has no column {by!r} to form groups; merge it on first")
    per = panel.groupby(unit, sort=True)[by].nunique(dropna=False)
    if (per > 1).any():
        raise DataError(f"column {by!r} varies within unit(s) {per.index[per > 1][:5].tolist()}")
    return panel.groupby(unit, sort=True)[by].first().reindex(treated_ids), by


def _equality_test(
    est: np.ndarray,
    psi: np.ndarray,
    panel: pd.DataFrame,
    unit: str,
    cluster: str | None,
    all_ids: pd.Index,
) -> tuple[np.ndarray, float, float]:
    """The covariance of the groups' effects from their influence functions ``psi`` (one
    column per group, summed within clusters), and the Wald statistic and chi-squared
    p-value of equal effects."""
    if cluster is not None:
        cl = panel.groupby(unit, sort=True)[cluster].first().reindex(all_ids)
        codes = pd.factorize(cl)[0]
        s = np.zeros((codes.max() + 1, psi.shape[1]))
        np.add.at(s, codes, psi)
    else:
        s = psi
    v = s.T @ s
    k = len(est)
    contrast = np.column_stack([-np.ones(k - 1), np.eye(k - 1)])
    diff = contrast @ est
    vc = contrast @ v @ contrast.T
    try:
        w_stat = float(diff @ np.linalg.solve(vc, diff))
    except np.linalg.LinAlgError:
        raise DataError("the covariance of the group differences is singular") from None
    from scipy import stats  # imported where used: `import evaluation` stays light

    return v, w_stat, float(stats.chi2.sf(w_stat, k - 1))


def _wald_batch(est: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Wald statistics of equal effects for stacks of estimates (B, K) and covariances
    (B, K, K)."""
    k = est.shape[1]
    contrast = np.column_stack([-np.ones(k - 1), np.eye(k - 1)])
    diff = est @ contrast.T
    vc = contrast @ v @ contrast.T
    sol = np.einsum("bij,bj->bi", np.linalg.pinv(vc), diff)
    return np.einsum("bi,bi->b", diff, sol)


class _FastStatistic:
    """The Wald statistic of equal effects for any assignment of the treated units to the
    groups that keeps the group sizes per cohort, without re-running ``att_gt``.

    Without covariates and sampling weights, on a balanced panel with never-treated
    comparison units shared by all groups, group k's ATT(g, t) is the mean long difference of
    its cohort-g units minus the comparison mean, the aggregation weights depend only on the
    group sizes per cohort, and the share part of the influence function is linear in the
    cells' effects (``A_k``). Everything the statistic needs is then a sum over the units of
    a group within a cohort."""

    def __init__(
        self,
        gts: list[Any],
        aggregation: AggregationType,
        treated: pd.Index,
        treated_cohort: np.ndarray,
        cluster_of: pd.Series | None,
        anticipation: int,
        base_period: str,
    ) -> None:
        from ._aggregate import aggregation_weights, cohorts_and_shares, weights

        times = gts[0].sample.times
        ids: list[Any] = []
        rows: list[np.ndarray] = []
        for gt in gts:
            s = gt.sample
            if not np.array_equal(s.times, times):
                raise _NoFastPath
            ids.extend(s.unit_ids.tolist())
            rows.append(s.y)
        frame = pd.DataFrame(np.vstack(rows), index=pd.Index(ids))
        frame = frame[~frame.index.duplicated()]
        coh_all = pd.concat([pd.Series(gt.sample.cohort, index=gt.sample.unit_ids) for gt in gts])
        coh_all = coh_all[~coh_all.index.duplicated()]
        self.ids = frame.index
        y = frame.to_numpy(dtype=float)
        cohort = coh_all.reindex(self.ids).to_numpy()
        if np.isnan(y).any() or not treated.isin(self.ids).all():
            raise _NoFastPath
        self.t_pos = self.ids.get_indexer(treated)
        self.c_pos = np.flatnonzero(cohort == 0)
        self.treated_cohort = treated_cohort
        self.n = len(self.ids)
        self.cluster = None
        if cluster_of is not None:
            codes = pd.factorize(cluster_of.reindex(self.ids))[0]
            self.cluster = np.zeros((self.n, codes.max() + 1))
            self.cluster[np.arange(self.n), codes] = 1.0
        self.groups: list[dict[str, Any]] = []
        for gt in gts:
            if not np.allclose(gt.sample.weights, 1.0):
                raise _NoFastPath
            tab = gt._table
            g_c = tab["cohort"].to_numpy()
            t_c = tab["time"].to_numpy()
            ref = gt.reference_cells
            dy = np.zeros((self.n, len(tab)))
            for m, (g, t) in enumerate(zip(g_c, t_c, strict=True)):
                if ref[m]:
                    continue
                tc = int(np.flatnonzero(times == t)[0])
                base_post = int(np.flatnonzero(times + anticipation < g)[-1])
                b = base_post if (g <= t or base_period == "universal") else tc - 1
                dy[:, m] = y[:, tc] - y[:, b]
            glist, pgg = cohorts_and_shares(gt)
            wt = aggregation_weights(gt, aggregation)
            a_mat = np.zeros((len(glist), len(tab)))
            for m in range(len(tab)):
                e = np.zeros(len(tab))
                e[m] = 1.0
                wm = weights(g_c, t_c, e, pgg, glist, times, aggregation)
                a_mat[:, m] = wm.shares @ wm.overall + wm.overall_shares
            w = wt.overall_cells
            eta_c = dy[self.c_pos].mean(axis=0)
            psi_c = -((dy[self.c_pos] - eta_c) @ w) / len(self.c_pos)
            cohorts = []
            for j, g in enumerate(glist):
                units = np.flatnonzero(treated_cohort == g)
                cells = np.flatnonzero(g_c == g)
                d = dy[self.t_pos[units]][:, cells]
                cohorts.append((j, units, cells, d, d @ w[cells]))
            self.groups.append(
                {
                    "w": w,
                    "a": a_mat,
                    "eta_c": eta_c,
                    "psi_c": psi_c,
                    "cohorts": cohorts,
                    "n": gt.n_units,
                    "n_cells": len(tab),
                }
            )

    def __call__(self, labels: np.ndarray) -> np.ndarray:
        """Statistics for assignments ``labels`` (B x treated units, group numbers)."""
        out = np.empty(len(labels))
        for start in range(0, len(labels), 200):
            out[start : start + 200] = self._chunk(labels[start : start + 200])
        return out

    def _chunk(self, labels: np.ndarray) -> np.ndarray:
        b = len(labels)
        k_n = len(self.groups)
        psi = np.zeros((b, self.n, k_n))
        est = np.zeros((b, k_n))
        for k, grp in enumerate(self.groups):
            att = np.zeros((b, grp["n_cells"]))
            members = []
            for j, units, cells, d, s in grp["cohorts"]:
                m = (labels[:, units] == k).astype(float)
                n_kg = m.sum(axis=1, keepdims=True)
                att[:, cells] = m @ d / n_kg - grp["eta_c"][cells]
                mean_s = m @ s / n_kg[:, 0]
                part = m * (s[None, :] - mean_s[:, None]) / n_kg
                members.append((j, units, m, part))
            est[:, k] = att @ grp["w"]
            share = att @ grp["a"].T / grp["n"]
            for j, units, m, part in members:
                psi[:, self.t_pos[units], k] = part + m * share[:, [j]]
            psi[:, self.c_pos, k] = grp["psi_c"]
        if self.cluster is not None:
            psi = np.einsum("bnk,nc->bck", psi, self.cluster)
        v = np.einsum("bnk,bnl->bkl", psi, psi)
        return _wald_batch(est, v)


class _NoFastPath(Exception):
    """The shortcut of :class:`_FastStatistic` does not apply."""


def _n_assignments(codes: np.ndarray, cohort: np.ndarray) -> int:
    """The number of distinct assignments that keep the group sizes in every cohort."""
    total = 1
    for g in np.unique(cohort):
        counts = np.bincount(codes[cohort == g])
        total *= math.factorial(int(counts.sum())) // math.prod(
            math.factorial(int(c)) for c in counts
        )
    return total


def _arrangements(codes: np.ndarray) -> list[np.ndarray]:
    """Every distinct ordering of the group numbers ``codes`` (a multiset)."""
    counts = np.bincount(codes)
    out: list[np.ndarray] = []

    def place(free: list[int], k: int, current: np.ndarray) -> None:
        if k == len(counts) - 1:
            done = current.copy()
            done[free] = k
            out.append(done)
            return
        for chosen in itertools.combinations(free, int(counts[k])):
            nxt = current.copy()
            nxt[list(chosen)] = k
            place([i for i in free if i not in chosen], k + 1, nxt)

    place(list(range(len(codes))), 0, np.zeros(len(codes), dtype=np.int64))
    return out


def _enumerate(codes: np.ndarray, cohort: np.ndarray) -> np.ndarray:
    """All assignments that permute the groups within cohorts (one per row)."""
    parts = [
        (np.flatnonzero(cohort == g), _arrangements(codes[cohort == g])) for g in np.unique(cohort)
    ]
    rows = []
    for combo in itertools.product(*(arr for _, arr in parts)):
        row = np.empty(len(codes), dtype=np.int64)
        for (pos, _), arr in zip(parts, combo, strict=True):
            row[pos] = arr
        rows.append(row)
    return np.array(rows)


def _draw(codes: np.ndarray, cohort: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random assignments, each permuting the groups within every cohort."""
    out = np.empty((n, len(codes)), dtype=np.int64)
    for g in np.unique(cohort):
        pos = np.flatnonzero(cohort == g)
        out[:, pos] = rng.permuted(np.tile(codes[pos], (n, 1)), axis=1)
    return out


def heterogeneity(
    panel: pd.DataFrame,
    by: str | pd.Series,
    estimator: Literal["att_gt"] = "att_gt",
    groups: Grouping | Sequence[float] = "values",
    *,
    aggregation: AggregationType = "simple",
    test: TestType = "permutation",
    n_permutations: int = 999,
    seed: int = 0,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    cluster: str | None = None,
    level: float = 0.95,
    **kwargs: Any,
) -> HeterogeneityResult:
    """Staggered effects separately for subgroups of treated units, with a test of equality.

    Parameters
    ----------
    panel
        Outcome panel (e.g. ``study.panel("childcare_u3")``).
    by
        A unit-level column of ``panel`` (level, state group, cycle, an intensity merged on) or
        a Series indexed by unit (e.g. ``implementation_intensity(study).unit_intensity(
        "work_family")``). Only treated units need a value.
    estimator
        ``"att_gt"`` (Callaway & Sant'Anna); the only one for now.
    groups
        ``"values"`` (each value of ``by`` is a group), ``"terciles"`` (of a numeric ``by``
        among treated units: keys ``T1``, ``T2``, ``T3``), ``"half"`` (for shares: keys
        ``up_to_half`` for at most 0.5 and ``over_half``) or a list of cut points (keys
        ``g1``, ``g2``, ... from low to high). ``labels`` of the result reads the keys.
    aggregation
        Which overall effect of ``aggregate()`` is compared (``"simple"``: the average ATT).
    test
        ``"permutation"`` (default): the p-value of the Wald statistic from permuting the
        groups among the treated units within each cohort (valid with few units per cohort;
        all distinct assignments when there are at most ``n_permutations``), ``"wald"``: its
        chi-squared p-value (over-rejects with few treated units per cohort).
    n_permutations, seed
        Number of random permutations and the seed of ``numpy.random.default_rng``.
    outcome, unit, time, cohort
        Column roles (defaults from ``panel.attrs["roles"]``).
    cluster, level, kwargs
        Passed on to :func:`evaluation.att_gt` (``control_group`` is always never treated, so
        that all groups share the comparison units).

    Returns
    -------
    HeterogeneityResult
        One row per subgroup with its overall effect and number of treated units; ``test``
        (equal effects), ``vcov()`` and ``labels``.
    """
    check_option("estimator", estimator, Literal["att_gt"])
    check_option("aggregation", aggregation, AggregationType)
    check_option("test", test, TestType)
    n_permutations = check_draws("n_permutations", n_permutations, minimum=19)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise OptionError(f"seed must be a non-negative integer, got {seed!r}")
    if "control_group" in kwargs and kwargs["control_group"] != "never_treated":
        raise OptionError("heterogeneity compares groups against never-treated units only")
    roles = resolve_roles(panel, outcome, unit, time, cohort)
    for c in (roles.unit, roles.cohort):
        if c not in panel.columns:
            raise DataError(f"panel has no column {c!r}")
    panel, n_incomplete = _complete_panel(panel, roles, kwargs)
    coh = panel.groupby(roles.unit, sort=True)[roles.cohort].first().fillna(0)
    treated_ids = coh.index[coh > 0]
    values, name = _unit_values(panel, roles.unit, by, treated_ids)
    if values.isna().any():
        bad = values.index[values.isna()][:5].tolist()
        raise DataError(
            f"{int(values.isna().sum())} treated unit(s) have no value of {name!r} (e.g. {bad}); "
            "give every treated unit a value or drop those units"
        )
    assign, label_texts = _assign(values, groups)
    keys = [k for k in label_texts if (assign == k).any()]
    if len(keys) < 2:
        raise DataError(f"{name!r} forms a single group of treated units; nothing to compare")
    never_ids = set(coh.index[coh == 0])
    if not never_ids:
        raise DataError("heterogeneity needs never-treated comparison units (cohort 0)")
    all_ids = pd.Index(sorted(coh.index))
    fit = _Fit(panel, roles, never_ids, all_ids, cluster, level, aggregation, kwargs)
    rows, psi, gts = fit(assign, keys)
    est = np.array([r["estimate"] for r in rows])
    k = len(rows)
    v, w_stat, p_wald = _equality_test(est, psi, panel, roles.unit, cluster, all_ids)
    table = pd.DataFrame(rows)
    sizes = pd.DataFrame({"g": assign, "c": coh.reindex(assign.index)}).groupby(["g", "c"]).size()
    per_cohort = float(sizes.groupby(level="g").mean().min())
    inference = Inference(name="influence_function", description=TEXTS["se"])
    fmt = _formats
    test_facts: dict[str, Any] = {"by": str(name), "n_groups": k, "test": test}
    if test == "permutation":
        p, n_used, exact, shortcut = _permutation_p(
            fit,
            gts,
            assign,
            keys,
            coh,
            w_stat,
            n_permutations,
            seed,
            aggregation,
            panel,
            roles.unit,
            cluster,
            kwargs,
        )
        test_facts.update(
            n_permutations=n_used,
            all_assignments=exact,
            seed=seed,
            re_estimated=not shortcut,
            p_value_wald=p_wald,
        )
        how = TEXTS["exact" if exact else "random"].format(n=fmt(n_used, 0), seed=seed)
        note = TEXTS["note_perm"].format(
            stat=fmt(w_stat, 3), dof=k - 1, p=fmt(p, 4), how=how, p_wald=fmt(p_wald, 4)
        )
        notes = [note] + ([] if shortcut else [TEXTS["slow"]])
        if per_cohort < FEW_PER_COHORT:
            notes.append(TEXTS["few_perm"].format(n=fmt(per_cohort, 1)))
        title, hypothesis, distribution = (
            TEXTS["test_perm"],
            TEXTS["hypothesis_perm"],
            "permutation",
        )
    else:
        p = p_wald
        notes = [TEXTS["note"].format(stat=fmt(w_stat, 3), dof=k - 1, p=fmt(p, 4))]
        if per_cohort < FEW_PER_COHORT:
            notes.append(TEXTS["few"].format(n=fmt(per_cohort, 1)))
        title, hypothesis, distribution = TEXTS["test"], TEXTS["hypothesis"], "chi2"
    result_test = TestResult(
        statistic=w_stat,
        p_value=p,
        dof=(k - 1,),
        distribution=distribution,
        hypothesis=hypothesis,
        title=title,
        facts=test_facts,
        notes=notes,
        outcome=roles.outcome,
    )
    return HeterogeneityResult(
        table,
        ["group"],
        test=result_test,
        groups=assign.rename("group"),
        labels={key: label_texts[key] for key in keys},
        title=TEXTS["title"],
        method=TEXTS["method"].format(agg=aggregation),
        inference=inference,
        level=level,
        facts={
            "by": str(name),
            "n_groups": k,
            "test": test,
            "wald_statistic": w_stat,
            "p_value_equal": p,
            "p_value_wald": p_wald,
            "units_per_cohort": round(per_cohort, 1),
            "n_incomplete_units": n_incomplete,
            **(
                {"n_permutations": test_facts["n_permutations"], "seed": seed}
                if test == "permutation"
                else {}
            ),
        },
        notes=notes
        + ([TEXTS["incomplete"].format(n=n_incomplete)] if n_incomplete else [])
        + [TEXTS["caveat"]],
        outcome=roles.outcome,
        covariance=v,
        call={
            "by": str(name),
            "groups": groups,
            "aggregation": aggregation,
            "cluster": cluster,
            "test": test,
            "n_permutations": n_permutations,
            "seed": seed,
        },
    )


def _complete_panel(
    panel: pd.DataFrame, roles: Any, kwargs: dict[str, Any]
) -> tuple[pd.DataFrame, int]:
    """The units observed in every period, and how many were left out, when ``att_gt`` keeps
    only those (``unbalanced="drop"`` on a panel, its default): leaving them out before the
    groups are formed changes no estimate, and the permutations then run over the units the
    estimates use (and can take the shortcut of :class:`_FastStatistic`)."""
    if kwargs.get("unbalanced", "drop") != "drop" or kwargs.get("panel", True) is not True:
        return panel, 0
    n_periods = panel[roles.time].nunique()
    seen = panel.dropna(subset=[roles.outcome]).groupby(roles.unit)[roles.time].nunique()
    complete = seen.index[seen == n_periods]
    n_units = panel[roles.unit].nunique()
    if len(complete) == n_units:
        return panel, 0
    return panel[panel[roles.unit].isin(complete)], n_units - len(complete)


def _formats(x: float, digits: int) -> Text:
    return Text(number(x, "de", digits), number(x, "en", digits))


class _Fit:
    """``att_gt`` per group against the shared never-treated units: the table rows, the
    stacked influence functions ``psi`` (units x groups) and the group-time results."""

    def __init__(
        self,
        panel: pd.DataFrame,
        roles: Any,
        never_ids: set[Any],
        all_ids: pd.Index,
        cluster: str | None,
        level: float,
        aggregation: AggregationType,
        kwargs: dict[str, Any],
    ) -> None:
        self.panel, self.roles, self.never_ids, self.all_ids = panel, roles, never_ids, all_ids
        self.cluster, self.level, self.aggregation, self.kwargs = (
            cluster,
            level,
            aggregation,
            kwargs,
        )

    def __call__(
        self, assign: pd.Series, keys: list[str]
    ) -> tuple[list[dict[str, Any]], np.ndarray, list[Any]]:
        from ._attgt import att_gt

        roles = self.roles
        rows, psis, gts = [], [], []
        for key in keys:
            keep = self.never_ids | set(assign.index[assign == key])
            sub = self.panel[self.panel[roles.unit].isin(keep)]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gt = att_gt(
                    sub,
                    roles.outcome,
                    unit=roles.unit,
                    time=roles.time,
                    cohort=roles.cohort,
                    control_group="never_treated",
                    cluster=self.cluster,
                    level=self.level,
                    **self.kwargs,
                )
                agg = gt.aggregate(self.aggregation)
            inf = agg.overall.influence().iloc[:, 0]
            unit_psi = np.zeros(len(self.all_ids))
            unit_psi[self.all_ids.get_indexer(inf.index)] = inf.to_numpy(dtype=float) / len(inf)
            psis.append(unit_psi)
            gts.append(gt)
            rows.append(
                {
                    "group": str(key),
                    "estimate": agg.overall.estimate,
                    "std_error": agg.overall.std_error,
                    "n_treated_units": int((assign == key).sum()),
                }
            )
        return rows, np.column_stack(psis), gts


def _permutation_p(
    fit: _Fit,
    gts: list[Any],
    assign: pd.Series,
    keys: list[str],
    coh: pd.Series,
    w_stat: float,
    n_permutations: int,
    seed: int,
    aggregation: AggregationType,
    panel: pd.DataFrame,
    unit: str,
    cluster: str | None,
    kwargs: dict[str, Any],
) -> tuple[float, int, bool, bool]:
    """The permutation p-value of the Wald statistic ``w_stat``, the number of assignments
    used, whether they were all of them and whether the shortcut (no re-estimation) was
    used."""
    codes = np.array([keys.index(a) for a in assign], dtype=np.int64)
    cohort = coh.reindex(assign.index).to_numpy()
    stat = None
    if (
        not kwargs.get("covariates")
        and kwargs.get("weights") is None
        and kwargs.get("unbalanced", "drop") == "drop"
        and kwargs.get("panel", True) is True
    ):
        cl = None
        if cluster is not None:
            cl = panel.groupby(unit, sort=True)[cluster].first()
        try:
            stat = _FastStatistic(
                gts,
                aggregation,
                assign.index,
                cohort,
                cl,
                int(kwargs.get("anticipation", 0)),
                str(kwargs.get("base_period", "varying")),
            )
        except _NoFastPath:
            stat = None
        if stat is not None:
            own = float(stat(codes[None, :])[0])
            if not np.isclose(own, w_stat, rtol=1e-8, atol=1e-10):
                stat = None  # the shortcut does not reproduce att_gt here: re-estimate
    shortcut = stat is not None

    def slow(labels: np.ndarray) -> np.ndarray:
        out = []
        for row in labels:
            perm = pd.Series([keys[j] for j in row], index=assign.index)
            rows, psi, _ = fit(perm, keys)
            est = np.array([r["estimate"] for r in rows])
            out.append(_equality_test(est, psi, panel, unit, cluster, fit.all_ids)[1])
        return np.array(out)

    compute = stat if stat is not None else slow
    total = _n_assignments(codes, cohort)
    tol = 1e-9 * max(abs(w_stat), 1.0)
    if total <= n_permutations:
        stats = compute(_enumerate(codes, cohort))
        return float(np.mean(stats >= w_stat - tol)), total, True, shortcut
    rng = np.random.default_rng(seed)
    stats = compute(_draw(codes, cohort, n_permutations, rng))
    p = (1 + int(np.sum(stats >= w_stat - tol))) / (1 + n_permutations)
    return float(p), n_permutations, False, shortcut
