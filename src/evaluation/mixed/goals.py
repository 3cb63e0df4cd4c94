"""Goal attainment scaling (Kiresuk & Sherman 1968) of the goals of the target agreement.

Input is the table ``goals`` with the goal-attainment columns:

==============  =======  ================================================================
column          type     meaning
==============  =======  ================================================================
goal_id         string   the goal
audit_id        string   the audit cycle that agreed it
action_field    string   its action field (code list ``action_fields``)
expected_level  integer  expected level on the -2..+2 scale, usually 0 (optional: 0)
attained_level  integer  level attained at the re-audit, -2..+2; empty = not yet rated
weight          number   goal weight > 0, e.g. importance x difficulty (optional)
rating_date     date     date of the rating (optional)
rater           string   who rated (personal data: never shown in a result)
==============  =======  ================================================================

The score of goal *i* is :math:`x_i` = ``attained_level - expected_level`` (with the usual
expected level 0 simply the attained level). The T-score of a set of goals is

.. math:: T = 50 + \\frac{10 \\sum_i w_i x_i}{\\sqrt{(1-\\rho)\\sum_i w_i^2 + \\rho(\\sum_i w_i)^2}}

with :math:`\\rho` the assumed correlation between the goal scales (0.3 by convention;
Kiresuk & Sherman 1968; Turner-Stokes 2009, Clin Rehabil 23:362-370, with its erratum).
T = 50 when every goal reaches its expected level; its standard deviation is about 10 when
the scores are standardised and correlated with :math:`\\rho`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..codes import ACTION_FIELD_CODES
from ..errors import DataError, OptionError
from ..i18n import Lang, Text, number, tr
from ..options import AttainmentGroups, Success, check_option
from ..results import Inference, check_level, figure_axes, value_label
from ..study import Study
from ._common import (
    MixedEstimates,
    MixedTable,
    check_frame,
    columns_list,
    first_bad_row,
    numeric_column,
    shown,
    study_data,
)
from ._status import latest_status, success_flags

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TITLE = Text("Zielerreichung (Goal Attainment Scaling)", "Goal attainment (GAS)")
FORMULA = Text(
    "T = 50 + 10·Σ wᵢxᵢ / √((1−ρ)·Σ wᵢ² + ρ·(Σ wᵢ)²), xᵢ = erreichte minus erwartete Stufe "
    "(Kiresuk & Sherman 1968), ρ = {rho}.",
    "T = 50 + 10·Σ wᵢxᵢ / √((1−ρ)·Σ wᵢ² + ρ·(Σ wᵢ)²), xᵢ = attained minus expected level "
    "(Kiresuk & Sherman 1968), ρ = {rho}.",
)
EQUAL = Text("gleich", "equal")
UNRATED = Text(
    "{k} Ziel(e) ohne Bewertung (attained_level leer) bleiben außen vor.",
    "{k} goal(s) without a rating (attained_level empty) are left out.",
)
NO_EXPECTED = Text(
    "Die Tabelle hat keine Spalte expected_level: erwartet ist Stufe 0.",
    "The table has no column expected_level: the expected level is 0.",
)
BY_TITLE = Text(
    "Zielerreichung nach Umsetzung der Maßnahmen des Ziels",
    "Goal attainment by implementation of the goal's measures",
)
BY_METHOD = Text(
    "Mittelwert der Zielerreichung xᵢ je Umsetzungsgruppe; Steigung aus der Regression von xᵢ "
    "auf den umgesetzten Anteil",
    "mean goal attainment xᵢ per implementation group; slope from the regression of xᵢ on the "
    "implemented share",
)
BY_SE = Text(
    "Standardfehler robust gegen Abhängigkeit der Ziele eines Audits (Cluster: Audit, CR1: "
    "G/(G−1)·(N−1)/(N−K)).",
    "Standard errors robust to dependence between the goals of one audit (clusters: audits, "
    "CR1: G/(G−1)·(N−1)/(N−K)).",
)
NO_MEASURES = Text(
    "{k} bewertete(s) Ziel(e) ohne Maßnahmen bleiben außen vor.",
    "{k} rated goal(s) without measures are left out.",
)
SLOPE = Text("Steigung je Anteil umgesetzt (0 → 1)", "Slope per implemented share (0 → 1)")
GROUP_LABELS = {
    "none": Text("keine umgesetzt", "none implemented"),
    "partial": Text("teilweise umgesetzt", "some implemented"),
    "all": Text("alle umgesetzt", "all implemented"),
    "at_most_half": Text("höchstens die Hälfte", "at most half"),
    "more_than_half": Text("mehr als die Hälfte", "more than half"),
}
TERM_LABELS = {"slope": Text("Steigung", "slope")}
XLABEL = Text("T-Wert (50 = wie erwartet)", "T-score (50 = as expected)")
YLABEL = Text("Audits", "Audits")


def plain_number(x: float) -> Text:
    """A short number (e.g. ρ = 0.3) in both languages, with the decimals it has."""
    plain = f"{x:g}"
    digits = len(plain.split(".")[1]) if "." in plain and "e" not in plain else 0
    return Text(number(x, "de", digits), number(x, "en", digits))


def t_score(x: Any, w: Any = None, rho: float = 0.3) -> float:
    """Kiresuk-Sherman T-score of goal scores ``x`` (-2..+2) with weights ``w``.

    Parameters
    ----------
    x
        The scores of the goals (attained minus expected level).
    w
        Their weights (``None``: all 1).
    rho
        Assumed correlation between the goal scales.

    Returns
    -------
    float
        50 when every goal reaches its expected level.
    """
    x = np.asarray(x, dtype=float)
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    den = np.sqrt((1 - rho) * (w**2).sum() + rho * w.sum() ** 2)
    return float(50 + 10 * (w * x).sum() / den)


def _check_rho(rho: float) -> None:
    if isinstance(rho, bool) or not isinstance(rho, int | float) or not 0 <= rho < 1:
        raise OptionError(f"rho must be a number in [0, 1), got {rho!r}")


def _levels(df: pd.DataFrame, col: str) -> np.ndarray:
    v = numeric_column(df, "goals", col, fix="use an integer level from -2 to +2")
    ok = np.isnan(v) | (np.isin(v, [-2, -1, 0, 1, 2]))
    if not ok.all():
        row = first_bad_row(~ok)
        raise DataError(
            f"table goals row {row}, field {col}: {shown(df[col].iloc[row])} is not a level of the "
            "goal-attainment scale; use an integer from -2 to +2"
        )
    return v


def _scores(goals: pd.DataFrame, weights: str | None, notes: list[Text]) -> pd.DataFrame:
    """Rated goals with their score ``x`` and weight ``w`` (rows of the user's table)."""
    df = check_frame(goals, "goals", ["goal_id", "audit_id", "attained_level"])
    df = df.reset_index(drop=True)
    dup = df["goal_id"].duplicated().to_numpy()
    if dup.any():
        row = first_bad_row(dup)
        raise DataError(
            f"table goals row {row}, field goal_id: {df['goal_id'].iloc[row]} occurs more than "
            "once; goal ids must be unique"
        )
    attained = _levels(df, "attained_level")
    if "expected_level" in df.columns:
        expected = _levels(df, "expected_level")
        miss = np.isnan(expected) & ~np.isnan(attained)
        if miss.any():
            row = first_bad_row(miss)
            raise DataError(
                f"table goals row {row}, field expected_level: empty although the goal is "
                "rated; give the expected level (usually 0)"
            )
    else:
        expected = np.zeros(len(df))
        notes.append(NO_EXPECTED)
    if weights is None:
        w = np.ones(len(df))
    else:
        if weights not in df.columns:
            raise DataError(f"table goals has no column {weights} (weights={weights!r})")
        w = numeric_column(df, "goals", weights, fix="give the weight as a positive number")
        bad = ~np.isnan(attained) & (~np.isfinite(w) | (w <= 0))
        if bad.any():
            row = first_bad_row(bad)
            raise DataError(
                f"table goals row {row}, field {weights}: weight {shown(df[weights].iloc[row])} "
                "must be a positive number"
            )
    rated = ~np.isnan(attained)
    if (~rated).any():
        notes.append(UNRATED.format(k=int((~rated).sum())))
    if not rated.any():
        raise DataError("table goals: no goal is rated (attained_level is empty everywhere)")
    out = df.loc[rated].copy()
    out["x"] = (attained - expected)[rated]
    out["w"] = w[rated]
    out["audit_id"] = out["audit_id"].astype(str)
    out["goal_id"] = out["goal_id"].astype(str)
    return out


class GoalAttainment(MixedTable):
    """T-scores per audit (and ``by`` group).

    ``tidy()`` columns: ``audit_id``, the ``by`` columns, ``n_goals`` (rated goals),
    ``sum_weights``, ``mean_attainment`` (weighted mean of the scores x), ``share_expected``
    (share of goals at or above the expected level) and ``t_score``.
    """

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Distribution of the T-scores: a histogram, or one strip per ``by`` group; returns
        the Figure."""
        t = self._table
        by = self.call["by"]
        fig, ax = figure_axes(
            ax, (7, 4) if not by else (7, 0.8 + 0.45 * t[by].drop_duplicates().shape[0])
        )
        if not by:
            lo = np.floor(min(t["t_score"].min(), 30) / 5) * 5
            hi = np.ceil(max(t["t_score"].max(), 70) / 5) * 5
            ax.hist(
                t["t_score"], bins=np.arange(lo, hi + 5, 5).tolist(), color="C0", edgecolor="white"
            )
            ax.set_ylabel(YLABEL(lang))
        else:
            groups = list(t.groupby(by, sort=False))
            for pos, (_key, g) in enumerate(groups):
                y = len(groups) - 1 - pos
                jitter = np.linspace(-0.15, 0.15, len(g)) if len(g) > 1 else np.zeros(1)
                ax.plot(g["t_score"], y + jitter, "o", color="C0", alpha=0.5, ms=4)
                ax.plot([g["t_score"].median()] * 2, [y - 0.3, y + 0.3], color="C3", lw=2)
            names = []
            for key, _ in groups:
                key = key if isinstance(key, tuple) else (key,)
                names.append(
                    " / ".join(value_label(k, v, lang) for k, v in zip(by, key, strict=True))
                )
            ax.set_yticks(np.arange(len(groups))[::-1], names)
        ax.axvline(50, color="0.4", lw=0.8, ls="--")
        ax.set_xlabel(XLABEL(lang))
        ax.set_title(title or tr(self.title, lang))
        fig.tight_layout()
        return fig


def goal_attainment(
    goals: pd.DataFrame | Study,
    by: str | Sequence[str] | None = None,
    *,
    rho: float = 0.3,
    weights: str | None = None,
) -> GoalAttainment:
    """Kiresuk-Sherman T-scores of the rated goals per audit (and per ``by`` group).

    Parameters
    ----------
    goals
        The table ``goals`` with ``goal_id``, ``audit_id``, ``attained_level`` and usually
        ``expected_level`` and ``action_field`` (see the module docstring), or a
        :class:`~evaluation.Study` (its goals).
    by
        Further grouping column(s) of the goals, e.g. ``"action_field"``: one T-score per
        audit and action field. ``None``: one per audit.
    rho
        Assumed correlation between the goal scales, in [0, 1) (0.3 by convention).
    weights
        Column with goal weights (e.g. ``"weight"``); ``None``: all goals weigh the same.

    Returns
    -------
    GoalAttainment
        One row per audit and group; rater names never appear in it.

    Examples
    --------
    >>> import evaluation as ev
    >>> mm = ev.synthetic_mixed_methods(ev.datasets.synthetic_study(seed=1), seed=1)
    >>> ev.goal_attainment(mm.goals, by="action_field").tidy()  # doctest: +SKIP
    """
    _check_rho(rho)
    if isinstance(goals, Study):
        study_data(goals, "goal_attainment")
        goals = goals.goals
    by = columns_list(by)
    if "audit_id" in by:
        by.remove("audit_id")
    notes: list[Text] = []
    df = _scores(goals, weights, notes)
    for k in by:
        if k not in df.columns:
            raise DataError(f"table goals has no column {k} to group by")
        miss = df[k].isna().to_numpy()
        if miss.any():
            raise DataError(
                f"table goals row {int(df.index[miss][0])}, field {k}: empty; fill it in or "
                "group by other columns"
            )
    keys = ["audit_id", *by]
    g = df.assign(
        wx=df["w"] * df["x"],
        w2=df["w"] ** 2,
        at_least=(df["x"] >= 0).astype(float),
    ).groupby(keys, sort=True, observed=True)
    table = g.agg(
        n_goals=("x", "size"),
        sum_weights=("w", "sum"),
        sum_wx=("wx", "sum"),
        sum_w2=("w2", "sum"),
        share_expected=("at_least", "mean"),
    ).reset_index()
    den = np.sqrt((1 - rho) * table["sum_w2"] + rho * table["sum_weights"] ** 2)
    table["mean_attainment"] = table["sum_wx"] / table["sum_weights"]
    table["t_score"] = 50 + 10 * table["sum_wx"] / den
    if "action_field" in by:
        order = {c: i for i, c in enumerate(ACTION_FIELD_CODES)}
        table = table.sort_values(
            ["audit_id", "action_field"],
            key=lambda s: s.map(order).fillna(99) if s.name == "action_field" else s,
            kind="stable",
        )
    table = table[
        [*keys, "n_goals", "sum_weights", "mean_attainment", "share_expected", "t_score"]
    ].reset_index(drop=True)
    table["n_goals"] = table["n_goals"].astype(np.int64)
    notes.insert(0, FORMULA.format(rho=plain_number(rho)))
    return GoalAttainment(
        table,
        title=TITLE,
        notes=notes,
        facts={
            "n_audits": int(table["audit_id"].nunique()),
            "n_goals": int(len(df)),
            "mean_t_score": float(table["t_score"].mean()),
            "rho": float(rho),
            "weighting": EQUAL if weights is None else weights,
        },
        call={"by": by, "rho": rho, "weights": weights},
        count_columns=("n_goals",),
    )


def goal_implementation_shares(
    measures: pd.DataFrame | Study,
    status: pd.DataFrame | None = None,
    *,
    success: Success = "implemented",
) -> pd.DataFrame:
    """Share of each goal's measures that are implemented (latest report per measure).

    Parameters
    ----------
    measures
        The table ``measures`` (``measure_id``, ``goal_id``), or a :class:`~evaluation.Study`
        (its measures and annual reports).
    status
        The table ``measure_reports`` (``measure_id``, ``report_year``, ``status``; the
        latest report counts) or one status per measure (``measure_id``, ``status``).
    success
        ``"implemented"`` or ``"at_least_partial"`` (partially implemented or implemented).

    Returns
    -------
    pandas.DataFrame
        ``goal_id``, ``n_measures``, ``n_implemented``, ``implemented_share``. Measures without
        any report count as not implemented.
    """
    check_option("success", success, Success)
    if isinstance(measures, Study):
        measures, status = measures.measures, measures.measure_reports if status is None else status
    if status is None:
        raise OptionError("give the status table (measure_reports) or a Study")
    m = check_frame(measures, "measures", ["measure_id", "goal_id"])
    st = latest_status(status)
    m = m[["measure_id", "goal_id"]].astype(str).merge(st, on="measure_id", how="left")
    m["done"] = success_flags(m["status"].fillna("planned"), success).astype(np.int64)
    out = (
        m.groupby("goal_id", sort=True)
        .agg(n_measures=("measure_id", "size"), n_implemented=("done", "sum"))
        .reset_index()
    )
    out["implemented_share"] = out["n_implemented"] / out["n_measures"]
    return out


class AttainmentByImplementation(MixedEstimates):
    """Mean goal attainment per implementation group, with the slope in ``slope``.

    ``tidy()``: ``implementation_group``, estimate (mean score x), its cluster-robust SE and
    interval, ``n_goals``, ``n_audits``. ``slope`` is an :class:`Estimates` with the change of
    the mean score from no to all measures implemented; ``facts['correlation']`` is the
    Pearson correlation of score and implemented share over the goals.
    """

    def __init__(
        self, table: pd.DataFrame, keys: Sequence[str], *, slope: MixedEstimates, **kw: Any
    ) -> None:
        self.slope = slope
        super().__init__(table, keys, **kw)

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        slope = self.slope._summary_tables(lang)[0][1]
        return [*super()._summary_tables(lang), (SLOPE(lang), slope)]


def _cr1(x_design: np.ndarray, resid: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """CR1 cluster-robust covariance of OLS coefficients."""
    n, k = x_design.shape
    g = int(clusters.max()) + 1
    bread = np.linalg.pinv(x_design.T @ x_design)
    scores = np.zeros((g, k))
    np.add.at(scores, clusters, x_design * resid[:, None])
    meat = scores.T @ scores
    factor = g / (g - 1) * (n - 1) / (n - k)
    return factor * bread @ meat @ bread


def attainment_by_implementation(
    goals: pd.DataFrame | Study,
    shares: pd.DataFrame | None = None,
    *,
    groups: AttainmentGroups | Sequence[float] = "none_partial_all",
    weights: str | None = None,
    level: float = 0.95,
) -> AttainmentByImplementation:
    """Goal attainment against the implemented share of each goal's measures.

    Parameters
    ----------
    goals
        The table ``goals`` with the goal-attainment columns (see :func:`goal_attainment`),
        or a :class:`~evaluation.Study` (its goals, and the shares from its measures and
        annual reports unless ``shares`` is given).
    shares
        ``goal_id`` and ``implemented_share`` (0-1), e.g. from
        :func:`goal_implementation_shares`.
    groups
        ``"none_partial_all"`` (share 0, between, 1), ``"halves"`` (at most / more than
        half) or increasing cut points in [0, 1] (intervals closed on the right, the first
        also on the left).
    weights
        Ignored for the means (every rated goal counts once) unless given: then a weighted
        least-squares fit with these goal weights.
    level
        Confidence level.

    Returns
    -------
    AttainmentByImplementation
        Mean score per group, the slope (``.slope``) and the correlation (``facts``).
    """
    check_level(level)
    if isinstance(goals, Study):
        study_data(goals, "goal_attainment")
        shares = goal_implementation_shares(goals) if shares is None else shares
        goals = goals.goals
    if shares is None:
        raise OptionError("give the implemented shares of the goals or a Study")
    notes: list[Text] = []
    df = _scores(goals, weights, notes)
    sh = check_frame(shares, "shares", ["goal_id", "implemented_share"])
    s = numeric_column(sh, "shares", "implemented_share", fix="give a share between 0 and 1")
    bad = np.isnan(s) | (s < 0) | (s > 1)
    if bad.any():
        row = first_bad_row(bad)
        raise DataError(
            f"table shares row {row}, field implemented_share: {shown(sh['implemented_share'].iloc[row])} "
            "must be a share between 0 and 1"
        )
    sh = pd.DataFrame({"goal_id": sh["goal_id"].astype(str), "implemented_share": s})
    if sh["goal_id"].duplicated().any():
        row = first_bad_row(sh["goal_id"].duplicated().to_numpy())
        raise DataError(f"table shares row {row}: goal_id {sh['goal_id'].iloc[row]} occurs twice")
    df = df.merge(sh, on="goal_id", how="left")
    none = df["implemented_share"].isna().to_numpy()
    if none.any():
        notes.append(NO_MEASURES.format(k=int(none.sum())))
        df = df.loc[~none].reset_index(drop=True)
    if len(df) < 3:
        raise DataError("fewer than three rated goals have measures: nothing to relate")
    share = df["implemented_share"].to_numpy()
    if isinstance(groups, str):
        check_option("groups", groups, AttainmentGroups)
        if groups == "none_partial_all":
            grp = np.where(share == 0, "none", np.where(share == 1, "all", "partial"))
            order = ["none", "partial", "all"]
        else:
            grp = np.where(share <= 0.5, "at_most_half", "more_than_half")
            order = ["at_most_half", "more_than_half"]
        labels: dict[str, Text] = GROUP_LABELS
    else:
        cuts = np.asarray(groups, dtype=float)
        if len(cuts) < 2 or np.any(np.diff(cuts) <= 0) or cuts[0] < 0 or cuts[-1] > 1:
            raise OptionError("groups as cut points must increase within [0, 1], e.g. [0, 0.5, 1]")
        idx = np.clip(np.searchsorted(cuts, share, side="left") - 1, 0, len(cuts) - 2)
        names = [
            ("[" if i == 0 else "(") + f"{cuts[i]:g}, {cuts[i + 1]:g}]"
            for i in range(len(cuts) - 1)
        ]
        outside = (share < cuts[0]) | (share > cuts[-1])
        if outside.any():
            raise OptionError(f"cut points {list(cuts)} do not cover every implemented share")
        grp = np.array(names)[idx]
        order = names
        labels = {}
    present = [g for g in order if g in set(grp)]
    x = df["x"].to_numpy()
    w = df["w"].to_numpy() if weights is not None else np.ones(len(df))
    clusters = pd.factorize(df["audit_id"])[0]
    sw = np.sqrt(w)
    # group means: OLS on group dummies without intercept
    dummies = (grp[:, None] == np.array(present)[None, :]).astype(float)
    xd = dummies * sw[:, None]
    beta = np.linalg.lstsq(xd, x * sw, rcond=None)[0]
    cov = _cr1(xd, x * sw - xd @ beta, clusters)
    table = pd.DataFrame(
        {
            "implementation_group": present,
            "estimate": beta,
            "std_error": np.sqrt(np.diag(cov)),
            "n_goals": dummies.sum(axis=0).astype(np.int64),
            "n_audits": [int(pd.unique(clusters[grp == g]).size) for g in present],
        }
    )
    # slope of the score on the implemented share
    xs = np.column_stack([np.ones(len(df)), share]) * sw[:, None]
    b = np.linalg.lstsq(xs, x * sw, rcond=None)[0]
    cov_s = _cr1(xs, x * sw - xs @ b, clusters)
    n_audits = int(clusters.max() + 1)
    inference = Inference(name="cluster_cr1_audit", description=BY_SE, n_clusters=n_audits)
    inference.warn("attainment_by_implementation")
    slope = MixedEstimates(
        pd.DataFrame({"term": ["slope"], "estimate": [b[1]], "std_error": [np.sqrt(cov_s[1, 1])]}),
        ["term"],
        title=SLOPE,
        method=BY_METHOD,
        inference=inference,
        level=level,
        facts={"n_goals": int(len(df)), "n_audits": n_audits},
        value_labels={"term": TERM_LABELS},
    )
    corr = float(np.corrcoef(x, share)[0, 1]) if np.std(share) > 0 and np.std(x) > 0 else None
    facts: dict[str, Any] = {"n_goals": int(len(df)), "n_audits": n_audits}
    if corr is not None:
        facts["correlation"] = corr
    return AttainmentByImplementation(
        table,
        ["implementation_group"],
        slope=slope,
        title=BY_TITLE,
        method=BY_METHOD,
        inference=inference,
        notes=notes,
        facts=facts,
        level=level,
        value_labels={"implementation_group": labels},
        call={"groups": groups, "weights": weights, "level": level},
        count_columns=("n_goals", "n_audits"),
    )


__all__ = [
    "GoalAttainment",
    "AttainmentByImplementation",
    "goal_attainment",
    "goal_implementation_shares",
    "attainment_by_implementation",
    "t_score",
]
