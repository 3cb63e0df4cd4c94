"""Comparison groups: matching audited municipalities to comparison municipalities.

Each treated unit is matched within its own onset cohort: its features and those of the
never-treated candidates are measured over the same years before its onset (the
``pre_years`` years up to the year before the cohort), so pre-trends are compared over
comparable calendar years. Features are the covariates (their mean over those years) and,
with ``pre_trends=True``, the outcome's pre-onset level (mean) and slope (least squares).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Lang, Text, check_lang, term, tr
from ..options import MatchMethod, check_option
from ..results import Result, TableResult, figure_axes
from ..study.panel import Roles, check_panel, resolve_roles

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["BalanceTable", "MatchResult", "balance_table", "match_comparison"]

#: deprecated alias of :data:`evaluation.options.MatchMethod`
Method = MatchMethod
BALANCE_THRESHOLD = 0.1
TITLE = Text("Matching", "Matching")
METHODS = {
    "propensity": Text(
        "Nächster Nachbar nach Propensity Score (Logit)",
        "Nearest neighbour on the propensity score (logit)",
    ),
    "mahalanobis": Text(
        "Nächster Nachbar nach Mahalanobis-Distanz", "Nearest neighbour in Mahalanobis distance"
    ),
}
BALANCE_TITLE = Text("Balance vor und nach dem Matching", "Balance before and after matching")
BALANCE_NOTE = Text(
    "Standardisierte Mittelwertdifferenz: Differenz geteilt durch die gepoolte "
    "Standardabweichung vor dem Matching; Varianzverhältnis behandelt/Vergleich.",
    "Standardised mean difference: difference divided by the pooled standard deviation "
    "before matching; variance ratio treated/comparison.",
)


class BalanceTable(TableResult):
    """Balance before and after matching (means, standardised mean differences, variance
    ratios by covariate); ``plot()`` draws the love plot."""

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", threshold: float = BALANCE_THRESHOLD
    ) -> Figure:
        """Love plot: absolute standardised mean differences before and after matching,
        with the ``threshold`` line."""
        check_lang(lang)
        t = self.tidy()
        fig, ax = figure_axes(ax, (6, 0.45 * len(t) + 1.5))
        pos = np.arange(len(t))[::-1]
        ax.scatter(
            t["smd_before"].abs(),
            pos,
            facecolors="none",
            edgecolors="C3",
            label=term("before_matching", lang),
        )
        ax.scatter(t["smd_after"].abs(), pos, color="C0", label=term("after_matching", lang))
        ax.axvline(threshold, color="0.5", ls="--", lw=0.8)
        ax.set_yticks(pos, t["covariate"].tolist())
        ax.set_xlabel(term("abs_smd", lang))
        ax.set_title(tr(self.title, lang))
        ax.legend(loc="lower right")
        fig.tight_layout()
        return fig


class MatchResult(Result):
    """Matched comparison group.

    Attributes
    ----------
    pairs
        One row per match: treated unit, its cohort, the comparison unit, distance, round.
    weights
        One row per matched unit: unit, treated (0/1), weight (ATT weights: each treated unit
        1, its k comparison units 1/k each, rescaled to sum to the number of comparison units).
    panel
        The rows of the input panel for the matched units, with a ``match_weight`` column;
        ``panel.attrs["roles"]`` is kept, so ``ev.twfe(m.panel)`` runs the matched DiD (pass
        ``weights=m.weight_column``).
    weight_column
        ``"match_weight"`` when the matched estimators need the weights (matching with
        replacement or a ratio above 1), else None (every weight is 1).
    unmatched
        Treated units without a match (no candidate within the caliper or exact cells).
    settings
        The matching options.
    """

    def __init__(
        self,
        pairs: pd.DataFrame,
        weights: pd.DataFrame,
        panel: pd.DataFrame,
        unmatched: list[str],
        features: pd.DataFrame,
        covariates: list[str],
        settings: dict[str, Any],
        *,
        rows: pd.DataFrame,
    ) -> None:
        self.pairs = pairs
        self.weights = weights
        self.panel = panel
        self.unmatched = unmatched
        self.features = features
        self.covariates = covariates
        self.settings = settings
        self.weight_column = (
            "match_weight" if settings.get("replace") or settings.get("ratio", 1) > 1 else None
        )
        self._rows = rows
        super().__init__(
            title=TITLE,
            method=METHODS.get(str(settings.get("method")), None),
            facts={
                "n_treated_units": int(pairs["treated_unit"].nunique()),
                "n_comparison_units": int(pairs["control_unit"].nunique()),
                "unmatched": len(unmatched),
            },
            call=settings,
        )

    def tidy(self) -> pd.DataFrame:
        """The matched pairs."""
        return self.pairs.copy()

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        settings = [
            (term(k, lang), tr(self.method, lang) if k == "method" else str(v))
            for k, v in self.settings.items()
        ]
        return settings + [(term(k, lang), str(v)) for k, v in self.facts.items()]

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        return self.balance()._summary_tables(lang)

    def _summary_notes(self, lang: Lang) -> list[str]:
        return self.balance()._summary_notes(lang)

    def balance(self) -> BalanceTable:
        """Means, standardised mean differences and variance ratios before and after."""
        return _balance(self.features, self._rows, self.covariates)

    def plot(self, ax: Axes | None = None, *, lang: Lang = "de") -> Figure:
        """Love plot of absolute standardised mean differences before and after matching."""
        return self.balance().plot(ax=ax, lang=lang)


def _features(
    df: pd.DataFrame,
    roles: Roles,
    covariates: list[str],
    pre_years: int,
    pre_trends: bool,
    exact: list[str],
) -> pd.DataFrame:
    """Stacked features: one row per (cohort, unit) for the treated units of that cohort and
    every never-treated unit, measured over the pre_years years before the cohort."""
    t = df[roles.time].to_numpy()
    g = df[roles.cohort].to_numpy()
    frames = []
    for c in np.unique(g[g > 0]):
        rows = ((g == c) | (g == 0)) & (t >= c - pre_years) & (t <= c - 1)
        w = df.loc[rows, [roles.unit, roles.time, roles.outcome, *covariates]].copy()
        w["_t"] = w[roles.time].astype(float)
        w["_tt"] = w["_t"] ** 2
        w["_ty"] = w["_t"] * w[roles.outcome]
        grp = w.groupby(roles.unit, sort=True)
        m = grp[[roles.outcome, *covariates, "_t", "_tt", "_ty"]].mean()
        n = grp.size()
        f = pd.DataFrame(index=m.index)
        for cv in covariates:
            f[cv] = m[cv]
        if pre_trends:
            f["pre_level"] = m[roles.outcome]
            var_t = m["_tt"] - m["_t"] ** 2
            slope = (m["_ty"] - m["_t"] * m[roles.outcome]) / var_t.where(var_t > 0)
            f["pre_slope"] = slope.where(n >= 2)
        f["_n_pre"] = n
        f["cohort"] = int(c)
        frames.append(f.reset_index())
    if not frames:
        raise DataError("no treated unit to match")
    feats = pd.concat(frames, ignore_index=True)
    # an exact column that is also a covariate is already in the features (its pre-period
    # mean equals its value when it is constant within units, as exact columns are)
    extra = [e for e in exact if e not in covariates]
    unit_info = df.groupby(roles.unit, sort=False).agg(
        **{"_g": (roles.cohort, "first")}, **{e: (e, "first") for e in extra}
    )
    feats = feats.merge(unit_info, left_on=roles.unit, right_index=True, how="left")
    feats["treated"] = (feats["_g"] > 0).astype("int64")
    return feats.rename(columns={roles.unit: "unit"})


def match_comparison(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    covariates: Sequence[str] | None = None,
    pre_trends: bool = True,
    pre_years: int = 4,
    method: MatchMethod = "propensity",
    ratio: int = 1,
    caliper: float | None = None,
    replace: bool = False,
    exact: Sequence[str] | None = None,
) -> MatchResult:
    """Match never-treated comparison units to treated units on pre-onset features.

    Parameters
    ----------
    covariates
        Baseline covariates; default ``data.attrs["covariates"]`` of a panel from
        :func:`evaluation.build_panel`, else none.
    pre_trends, pre_years
        Add the outcome's mean and slope over the ``pre_years`` years before each cohort's
        onset as features.
    method
        ``"propensity"``: nearest neighbour on the linear predictor (log-odds) of a
        statsmodels logit of being treated on the standardised features (fitted on the
        cohort-stacked sample); ``"mahalanobis"``: nearest neighbour in Mahalanobis distance
        of the features (covariance of the stacked sample).
    ratio
        Comparison units per treated unit (matched in rounds: every treated unit gets its
        first match before any gets its second).
    caliper
        Maximum distance: in standard deviations of the log-odds for ``"propensity"``
        (0.2 is common), in Mahalanobis units otherwise; None for no caliper.
    replace
        Whether a comparison unit may be matched to several treated units.
    exact
        Columns on which matches must agree exactly; default ``("level",)`` when the panel
        has a ``level`` column (add ``"state"`` to match within states). Matching is always
        exact on the cohort (each treated unit is compared over its own pre-onset years).

    Notes
    -----
    Treated units are matched greedily, those with the highest propensity score first
    (``"propensity"``) or in the order of their identifiers (``"mahalanobis"``); ties go to
    the first candidate in identifier order, so results are deterministic.
    """
    import statsmodels.api as sm

    check_option("method", method, MatchMethod)
    if isinstance(ratio, bool) or not isinstance(ratio, int | np.integer) or ratio < 1:
        raise OptionError(f"ratio must be a positive integer, got {ratio!r}")
    if caliper is not None and not (isinstance(caliper, int | float) and caliper > 0):
        raise OptionError(f"caliper must be positive, got {caliper!r}")
    if isinstance(pre_years, bool) or not isinstance(pre_years, int | np.integer) or pre_years < 1:
        raise OptionError(f"pre_years must be a positive integer, got {pre_years!r}")
    roles = resolve_roles(data, outcome, unit, time, cohort)
    if covariates is None:
        covariates = [c for c in data.attrs.get("covariates", []) if c in data.columns]
    covariates = list(covariates)
    if exact is None:
        exact = ["level"] if "level" in data.columns else []
    exact = list(exact)
    if not covariates and not pre_trends:
        raise DataError("nothing to match on: give covariates= or set pre_trends=True")
    df = check_panel(data, roles, covariates=covariates, columns=exact)
    feats = _features(df, roles, covariates, pre_years, pre_trends, exact)
    names = [*covariates, *(["pre_level", "pre_slope"] if pre_trends else [])]
    complete = feats[names].notna().all(axis=1)
    dropped_treated = sorted(feats.loc[~complete & (feats["treated"] == 1), "unit"].tolist())
    feats = feats[complete].reset_index(drop=True)
    x = feats[names].to_numpy(dtype=float)
    sd = x.std(axis=0)
    const = sd == 0
    if const.all():
        raise DataError(f"the features {names} do not vary; nothing to match on")
    z = (x[:, ~const] - x[:, ~const].mean(axis=0)) / sd[~const]
    treated = feats["treated"].to_numpy()

    if method == "propensity":
        try:
            fit = sm.Logit(treated, sm.add_constant(z, has_constant="add")).fit(disp=0, maxiter=200)
        except Exception as err:  # perfect separation, singular matrix
            raise DataError(
                f"the propensity model failed ({err}); use fewer covariates or method='mahalanobis'"
            ) from err
        lp = np.asarray(fit.fittedvalues, dtype=float)
        feats["propensity_score"] = 1 / (1 + np.exp(-lp))
        feats["_lp"] = lp
        scale = lp.std()
        order_key = -lp

        def dist(i: int, cand: np.ndarray) -> np.ndarray:
            return np.abs(lp[cand] - lp[i])
    else:
        cov = np.cov(z, rowvar=False)
        vinv = np.linalg.pinv(np.atleast_2d(cov))
        scale = 1.0
        order_key = np.zeros(len(feats))

        def dist(i: int, cand: np.ndarray) -> np.ndarray:
            d = z[cand] - z[i]
            return np.sqrt(np.einsum("ij,jk,ik->i", d, vinv, d))

    cal = None if caliper is None else caliper * scale

    unit_arr = feats["unit"].astype(str).to_numpy()
    ex = (
        feats[exact].astype(str).agg("|".join, axis=1).to_numpy()
        if exact
        else np.zeros(len(feats), dtype=str)
    )
    pairs = _greedy_match(
        feats["cohort"].to_numpy(), unit_arr, ex, treated, order_key, dist, cal, ratio, replace
    )
    pairs_df = pd.DataFrame(
        pairs,
        columns=["treated_unit", "cohort", "control_unit", "distance", "round", "_ti", "_ci"],
    )
    if pairs_df.empty:
        raise DataError("no treated unit found a match; widen the caliper or relax exact=")
    matched_t = set(pairs_df["treated_unit"])
    unmatched = sorted(set(unit_arr[treated == 1]) - matched_t) + dropped_treated
    k = pairs_df.groupby("treated_unit")["control_unit"].transform("size")
    pairs_df["weight"] = 1.0 / k
    cw = pairs_df.groupby("control_unit")["weight"].sum()
    cw = cw * len(cw) / cw.sum()
    weights = pd.concat(
        [
            pd.DataFrame({"unit": sorted(matched_t), "treated": 1, "weight": 1.0}),
            pd.DataFrame({"unit": cw.index.to_numpy(), "treated": 0, "weight": cw.to_numpy()}),
        ],
        ignore_index=True,
    )
    weights["unit"] = weights["unit"].astype("string")
    wmap = dict(zip(weights["unit"], weights["weight"], strict=True))
    keep = data[roles.unit].astype("string").isin(list(wmap))
    panel = data.loc[keep].copy()
    panel["match_weight"] = panel[roles.unit].astype("string").map(wmap).astype("float64")
    panel = panel.reset_index(drop=True)
    panel.attrs = {k2: v for k2, v in data.attrs.items() if k2 not in ("missing",)}
    panel.attrs["matched"] = True
    settings = {
        "method": method,
        "ratio": int(ratio),
        "caliper": "-" if caliper is None else caliper,
        "replace": bool(replace),
        "exact": ", ".join(["cohort", *exact]),
        "pre_years": int(pre_years),
    }
    bal_names = list(names) + (["propensity_score"] if method == "propensity" else [])
    return MatchResult(
        pairs_df.drop(columns=["_ti", "_ci"]),
        weights,
        panel,
        unmatched,
        feats,
        bal_names,
        settings,
        rows=pairs_df[["_ti", "_ci", "weight"]].reset_index(drop=True),
    )


def _greedy_match(
    cohort_arr: np.ndarray,
    unit_arr: np.ndarray,
    ex: np.ndarray,
    treated: np.ndarray,
    order_key: np.ndarray,
    dist: Callable[[int, np.ndarray], np.ndarray],
    cal: float | None,
    ratio: int,
    replace: bool,
) -> list[tuple[Any, ...]]:
    """Greedy nearest-neighbour matching in rounds: in each round every treated unit that still
    has candidates (same cohort and exact cell, within the caliper, unused unless ``replace``)
    gets its nearest one; treated units in ``order_key`` then identifier order."""
    t_idx = np.flatnonzero(treated == 1)
    t_idx = t_idx[np.lexsort((unit_arr[t_idx], order_key[t_idx]))]
    used: set[str] = set()
    pairs = []
    active = list(t_idx)
    for rnd in range(1, ratio + 1):
        still = []
        for i in active:
            cand = np.flatnonzero((treated == 0) & (cohort_arr == cohort_arr[i]) & (ex == ex[i]))
            if not replace and used:
                cand = cand[~np.isin(unit_arr[cand], list(used))]
            if len(cand) == 0:
                continue
            d = dist(int(i), cand)
            if cal is not None:
                ok = d <= cal
                cand, d = cand[ok], d[ok]
                if len(cand) == 0:
                    continue
            j = int(np.argmin(d))
            pairs.append(
                (unit_arr[i], int(cohort_arr[i]), unit_arr[cand[j]], float(d[j]), rnd, int(i),
                 int(cand[j]))
            )  # fmt: skip
            if not replace:
                used.add(unit_arr[cand[j]])
            still.append(i)
        active = still
    return pairs


def _wmean_var(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = w / w.sum()
    m = (w[:, None] * x).sum(axis=0)
    v = (w[:, None] * (x - m) ** 2).sum(axis=0)
    return m, v


def _balance(feats: pd.DataFrame, rows: pd.DataFrame, names: list[str]) -> BalanceTable:
    x = feats[names].to_numpy(dtype=float)
    tr = feats["treated"].to_numpy() == 1
    # before: every treated unit against every candidate of its cohort, candidates weighted
    # so that each cohort counts as often as it has treated units
    n_t = feats.loc[tr].groupby("cohort").size()
    n_c = feats.loc[~tr].groupby("cohort").size()
    wc = (feats["cohort"].map(n_t) / feats["cohort"].map(n_c)).to_numpy(dtype=float)
    mt0, vt0 = _wmean_var(x[tr], np.ones(tr.sum()))
    mc0, vc0 = _wmean_var(x[~tr], wc[~tr])
    ti = rows["_ti"].drop_duplicates().to_numpy()
    mt1, vt1 = _wmean_var(x[ti], np.ones(len(ti)))
    mc1, vc1 = _wmean_var(x[rows["_ci"].to_numpy()], rows["weight"].to_numpy(dtype=float))
    sd = np.sqrt((vt0 + vc0) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame(
            {
                "covariate": names,
                "mean_treated": mt1,
                "mean_control_before": mc0,
                "mean_control_after": mc1,
                "smd_before": (mt0 - mc0) / sd,
                "smd_after": (mt1 - mc1) / sd,
                "var_ratio_before": vt0 / vc0,
                "var_ratio_after": vt1 / vc1,
            }
        )
    return BalanceTable(
        table,
        title=BALANCE_TITLE,
        notes=[BALANCE_NOTE],
        facts={"n_treated_units": int(len(ti)), "n_comparison_units": int(rows["_ci"].nunique())},
    )


def balance_table(result: MatchResult) -> BalanceTable:
    """Balance of a :class:`MatchResult` (same as ``result.balance()``)."""
    return result.balance()
