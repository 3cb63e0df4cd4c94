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
treated variance at all), so the test over-rejects: in a simulation without a difference (60
audited units split at random, 150 comparison units, constant effect, 100 replications) it
rejected 12 % at the 5 % level with on average 2.7 treated units per cohort and group (the
standard error of the difference 0.225 against a standard deviation of 0.276), and 3 % with
7.5 units (180 audited units). Below :data:`FEW_PER_COHORT` units per cohort the result says so
in its notes (fact ``units_per_cohort``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Text, number
from ..options import AggregationType, check_option
from ..results import Estimates, Inference, TestResult
from ..study.panel import resolve_roles

Grouping = Literal["terciles", "half", "values"]
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
    "caveat": Text(
        "Die Gruppen sind nicht zufällig: Kommunen wählen ihre Umsetzungsintensität selbst; "
        "Unterschiede zeigen Heterogenität, nicht notwendig die Wirkung der Intensität.",
        "The groups are not random: municipalities choose how much they implement; "
        "differences show heterogeneity, not necessarily the effect of intensity.",
    ),
    "few": Text(
        "Wenige behandelte Einheiten je Kohorte (im Mittel {n} in der kleinsten Gruppe): die "
        "Standardfehler aus den Einflussfunktionen sind dann zu klein, und der Test gleicher "
        "Effekte verwirft zu oft (Simulation ohne Unterschied: 12 % statt 5 % bei 2,7 "
        "Einheiten je Kohorte und Gruppe, 3 % bei 7,5). Den p-Wert vorsichtig lesen.",
        "Few treated units per cohort (on average {n} in the smallest group): the standard "
        "errors from the influence functions are then too small, and the test of equal effects "
        "rejects too often (simulation without a difference: 12% instead of 5% with 2.7 units "
        "per cohort and group, 3% with 7.5). Read the p-value with care.",
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

    ``test`` is the Wald test of equal effects (a :class:`~evaluation.results.TestResult`),
    ``vcov()`` the joint covariance of the group estimates and ``groups`` the unit-to-group
    assignment."""

    def __init__(
        self,
        table: pd.DataFrame,
        keys: list[str],
        *,
        test: TestResult,
        groups: pd.Series,
        **kw: Any,
    ) -> None:
        self.test = test
        self.groups = groups
        super().__init__(table, keys, **kw)

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


def _assign(values: pd.Series, groups: Grouping | Sequence[float]) -> pd.Series:
    if isinstance(groups, str):
        if groups == "values":
            return values.astype(str)
        x = pd.to_numeric(values, errors="coerce")
        if x.isna().any():
            bad = x.index[x.isna()][:5].tolist()
            raise DataError(
                f"grouping needs a numeric value for every treated unit; missing or text for {bad}"
            )
        if groups == "half":
            return pd.Series(np.where(x > 0.5, "> 0.5", "<= 0.5"), index=values.index, dtype=object)
        if groups == "terciles":
            q = np.quantile(x, [1 / 3, 2 / 3])
            lab = np.select([x <= q[0], x <= q[1]], ["T1", "T2"], "T3")
            return pd.Series(lab, index=values.index, dtype=object)
        raise OptionError(
            f"groups must be 'terciles', 'half', 'values' or a list of cut points, got {groups!r}"
        )
    cuts = np.sort(np.asarray(list(groups), dtype=float))
    x = pd.to_numeric(values, errors="coerce").to_numpy()
    lab = np.searchsorted(cuts, x, side="left")
    names = [f"<= {cuts[0]:g}"] + [
        f"({a:g}, {b:g}]" for a, b in zip(cuts[:-1], cuts[1:], strict=True)
    ]
    names += [f"> {cuts[-1]:g}"]
    return pd.Series([names[i] for i in lab], index=values.index, dtype=object)


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


def heterogeneity(
    panel: pd.DataFrame,
    by: str | pd.Series,
    estimator: Literal["att_gt"] = "att_gt",
    groups: Grouping | Sequence[float] = "values",
    *,
    aggregation: AggregationType = "simple",
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
        among treated units), ``"half"`` (``<= 0.5`` / ``> 0.5``, for shares) or a list of cut
        points.
    aggregation
        Which overall effect of ``aggregate()`` is compared (``"simple"``: the average ATT).
    outcome, unit, time, cohort
        Column roles (defaults from ``panel.attrs["roles"]``).
    cluster, level, kwargs
        Passed on to :func:`evaluation.att_gt` (``control_group`` is always never treated, so
        that all groups share the comparison units).

    Returns
    -------
    HeterogeneityResult
        One row per subgroup with its overall effect and number of treated units; ``test``
        (equal effects) and ``vcov()``.
    """
    from ._attgt import att_gt

    check_option("estimator", estimator, Literal["att_gt"])
    check_option("aggregation", aggregation, AggregationType)
    if "control_group" in kwargs and kwargs["control_group"] != "never_treated":
        raise OptionError("heterogeneity compares groups against never-treated units only")
    roles = resolve_roles(panel, outcome, unit, time, cohort)
    for c in (roles.unit, roles.cohort):
        if c not in panel.columns:
            raise DataError(f"panel has no column {c!r}")
    coh = panel.groupby(roles.unit, sort=True)[roles.cohort].first().fillna(0)
    treated_ids = coh.index[coh > 0]
    values, name = _unit_values(panel, roles.unit, by, treated_ids)
    if values.isna().any():
        bad = values.index[values.isna()][:5].tolist()
        raise DataError(
            f"{int(values.isna().sum())} treated unit(s) have no value of {name!r} (e.g. {bad}); "
            "give every treated unit a value or drop those units"
        )
    assign = _assign(values, groups)
    labels = sorted(assign.unique(), key=str)
    if len(labels) < 2:
        raise DataError(f"{name!r} forms a single group of treated units; nothing to compare")
    never_ids = set(coh.index[coh == 0])
    if not never_ids:
        raise DataError("heterogeneity needs never-treated comparison units (cohort 0)")
    rows, psis = [], []
    all_ids = pd.Index(sorted(coh.index))
    for lab in labels:
        keep = never_ids | set(assign.index[assign == lab])
        sub = panel[panel[roles.unit].isin(keep)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gt = att_gt(
                sub,
                roles.outcome,
                unit=roles.unit,
                time=roles.time,
                cohort=roles.cohort,
                control_group="never_treated",
                cluster=cluster,
                level=level,
                **kwargs,
            )
            agg = gt.aggregate(aggregation)
        inf = agg.overall.influence().iloc[:, 0]
        unit_psi = np.zeros(len(all_ids))
        unit_psi[all_ids.get_indexer(inf.index)] = inf.to_numpy(dtype=float) / len(inf)
        psis.append(unit_psi)
        rows.append(
            {
                "group": str(lab),
                "estimate": agg.overall.estimate,
                "std_error": agg.overall.std_error,
                "n_treated_units": int((assign == lab).sum()),
            }
        )
    est = np.array([r["estimate"] for r in rows])
    k = len(rows)
    v, w_stat, p = _equality_test(est, np.column_stack(psis), panel, roles.unit, cluster, all_ids)
    table = pd.DataFrame(rows)
    sizes = pd.DataFrame({"g": assign, "c": coh.reindex(assign.index)}).groupby(["g", "c"]).size()
    per_cohort = float(sizes.groupby(level="g").mean().min())
    note = TEXTS["note"].format(
        stat=Text(number(w_stat, "de", 3), number(w_stat, "en", 3)),
        dof=k - 1,
        p=Text(number(p, "de", 4), number(p, "en", 4)),
    )
    inference = Inference(name="influence_function", description=TEXTS["se"])
    few = (
        [TEXTS["few"].format(n=Text(number(per_cohort, "de", 1), number(per_cohort, "en", 1)))]
        if per_cohort < FEW_PER_COHORT
        else []
    )
    test = TestResult(
        statistic=w_stat,
        p_value=p,
        dof=(k - 1,),
        distribution="chi2",
        hypothesis=TEXTS["hypothesis"],
        title=TEXTS["test"],
        facts={"by": str(name), "n_groups": k},
        outcome=roles.outcome,
    )
    return HeterogeneityResult(
        table,
        ["group"],
        test=test,
        groups=assign.rename("group"),
        title=TEXTS["title"],
        method=TEXTS["method"].format(agg=aggregation),
        inference=inference,
        level=level,
        facts={
            "by": str(name),
            "n_groups": k,
            "wald_statistic": w_stat,
            "p_value_equal": p,
            "units_per_cohort": round(per_cohort, 1),
        },
        notes=[note, TEXTS["caveat"]] + few,
        outcome=roles.outcome,
        covariance=v,
        call={"by": str(name), "groups": groups, "aggregation": aggregation, "cluster": cluster},
    )
