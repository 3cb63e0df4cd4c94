"""Design-based estimates from surveys of actors and families: means and Likert shares.

Input is the table ``survey_responses``, in long form (one row per respondent and item) or
wide (one row per respondent, one column per item):

==============  =======  ===============================================================
column          type     meaning
==============  =======  ===============================================================
survey_id       string   the survey wave (table ``surveys``)
respondent_id   string   pseudonymous respondent (personal data: never in a result)
municipality_id string   municipality of the respondent (often the cluster)
stratum         string   design stratum (optional)
cluster         string   primary sampling unit (optional; e.g. the municipality)
weight          number   sampling weight (optional; 1 = unweighted)
fpc             number   first-stage population size of the stratum (number of primary
                         units) or sampling fraction (<= 1) (optional)
item            string   item code (long form)
response        number   response code, e.g. 1-5 of a Likert scale; empty = no answer
response_label  string   value label of the response (optional, e.g. from SPSS files)
==============  =======  ===============================================================

The table ``surveys`` describes the waves: ``survey_id``, ``audit_id`` (optional),
``wave``, ``start_date``, ``end_date``, ``population`` (``coordinators``, ``administration``,
``partners``, ``families``) and ``title``; merge what ``by`` needs (e.g. ``wave`` or the
municipality's ``group``) onto the responses.

Estimator and standard errors (as R ``survey``, ``svymean``/``svyby``): a mean is the ratio
:math:`\\hat\\mu_d = \\sum_i w_i I_{di} y_i / \\sum_i w_i I_{di}`; a share of category
:math:`k` is the mean of :math:`[y_i = k]`. :math:`I_{di}` marks the domain (subgroup of
``by``) and a valid answer: domains are subpopulations of the *whole* design, never
separate designs, so strata and clusters without members of a domain still count. The
variance is the Taylor linearisation with replacement at the first stage,
:math:`\\hat V = \\sum_h (1-f_h)\\, n_h/(n_h-1) \\sum_j (z_{hj} - \\bar z_h)^2` over the
cluster totals :math:`z_{hj}` of :math:`w_i I_{di}(y_i-\\hat\\mu_d)/\\sum_i w_i I_{di}`,
with :math:`f_h = n_h/N_h` only if ``fpc`` is given (else 0). Clusters are nested in strata.
Later sampling stages enter only through the first-stage totals (ultimate clusters).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Lang, Text, percent, tr
from ..options import LonelyPSU, SurveyStatistic, check_option
from ..results import Inference, check_level, figure_axes, value_label
from ..study import Study
from ._common import (
    MixedEstimates,
    as_text,
    check_frame,
    columns_list,
    first_bad_row,
    numeric_column,
    shown,
    survey_frame,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Likert scales of the code list (response code -> German and English label).
LIKERT_SCALES: dict[str, dict[int, Text]] = {
    "agree5": {
        1: Text("stimme gar nicht zu", "strongly disagree"),
        2: Text("stimme eher nicht zu", "disagree"),
        3: Text("teils, teils", "neither"),
        4: Text("stimme eher zu", "agree"),
        5: Text("stimme voll zu", "strongly agree"),
    },
    "satisfied5": {
        1: Text("sehr unzufrieden", "very dissatisfied"),
        2: Text("eher unzufrieden", "dissatisfied"),
        3: Text("teils, teils", "neither"),
        4: Text("eher zufrieden", "satisfied"),
        5: Text("sehr zufrieden", "very satisfied"),
    },
}

TITLES = {
    "mean": Text("Befragung: gewichtete Mittelwerte", "Survey: weighted means"),
    "share": Text("Befragung: gewichtete Anteile", "Survey: weighted shares"),
}
DIFFERENCE_TITLE = Text("Befragung: Unterschiede zwischen {b}", "Survey: differences by {b}")
METHOD = Text(
    "designbasiert (Horvitz-Thompson-Quotient), {design}",
    "design-based (Horvitz-Thompson ratio), {design}",
)
SE_TEXT = Text(
    "Standardfehler: Taylor-Linearisierung, Ziehen mit Zurücklegen auf der ersten Stufe{fpc}; "
    "Teilgruppen als Domänen des ganzen Designs.",
    "Standard errors: Taylor linearisation, with replacement at the first stage{fpc}; subgroups "
    "as domains of the whole design.",
)
FPC = Text(", mit Endlichkeitskorrektur", ", with finite population correction")
DIFFERENCE_SE = Text(
    "Standardfehler der Differenz aus den linearisierten Werten beider Gruppen im selben Design "
    "(ihre Kovarianz ist berücksichtigt).",
    "Standard error of the difference from the linearised values of both groups in the same "
    "design (their covariance is taken into account).",
)
MISSING = Text(
    "Fehlende Antworten: {n} (Item {item}); Schätzungen über die gültigen Antworten (als Domäne).",
    "Missing answers: {n} (item {item}); estimates over the valid answers (as a domain).",
)
LONELY = Text(
    "{k} Schicht(en) mit nur einer Primäreinheit tragen nicht zur Varianz bei "
    "(lonely_psu='remove').",
    "{k} stratum/strata with a single primary unit do not contribute to the variance "
    "(lonely_psu='remove').",
)
EMPTY_DOMAIN = Text(
    "Item {item}: keine gültige Antwort in der Gruppe {where}; dort keine Schätzung.",
    "Item {item}: no valid answer in the group {where}; no estimate there.",
)
DESIGNS = {
    "stratified": Text("geschichtet", "stratified"),
    "clustered": Text("Klumpenstichprobe", "cluster sample"),
    "weighted": Text("gewichtet", "weighted"),
    "simple": Text("einfache Zufallsstichprobe", "simple random sample"),
}
SHARE_AXIS = Text("Anteil", "Share")


class SurveyEstimates(MixedEstimates):
    """Weighted means or shares with design-based standard errors.

    ``tidy()`` columns: ``item``, the ``by`` columns, ``category`` (shares), ``estimate``,
    ``std_error``, ``statistic``, ``p_value``, ``ci_low``, ``ci_high``, ``n_respondents``
    (valid answers in the domain), ``n_missing`` (respondents of the domain without a valid
    answer) and ``weighted_n`` (sum of their weights). :meth:`difference` compares the levels
    of one ``by`` column (waves, audited and comparison municipalities).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        keys: Sequence[str],
        *,
        design: Mapping[str, Any],
        statistic: SurveyStatistic,
        labels: Mapping[str, Mapping[Any, Text | str]],
        **kw: Any,
    ) -> None:
        self._design = dict(design)
        self.statistic_kind = statistic
        self.labels = {k: dict(v) for k, v in labels.items()}
        super().__init__(table, keys, **kw)

    def difference(self, between: str, first: Any = None, second: Any = None) -> MixedEstimates:
        """Differences ``second - first`` between two levels of the ``by`` column
        ``between``, for every item (and category) and every combination of the other
        ``by`` columns, with standard errors from the same design.

        Parameters
        ----------
        between
            One of the ``by`` columns, e.g. ``"wave"`` or ``"group"``.
        first, second
            The levels compared (default: the first and the last level in sorted order).

        Returns
        -------
        MixedEstimates
            One row per item (and category) and combination of the other ``by`` columns,
            keyed also by ``contrast`` (``"second - first"``).
        """
        by = self.call["by"]
        if between not in by:
            raise OptionError(f"between must be one of the by columns {by}, got {between!r}")
        t = self._table
        levels = sorted(pd.unique(t[between]).tolist(), key=str)
        first = levels[0] if first is None else first
        second = levels[-1] if second is None else second
        for name, v in (("first", first), ("second", second)):
            if v not in levels:
                raise OptionError(f"{name} must be one of the levels {levels} of {between}")
        other = [k for k in self.keys if k != between]
        a = t[t[between] == first].reset_index()
        b = t[t[between] == second].reset_index()
        pairs = a.merge(b, on=other, suffixes=("_a", "_b"))
        if len(pairs) == 0:
            raise DataError(f"no estimates to compare between {first!r} and {second!r}")
        psu = self._design["psu_totals"]
        diff_totals = psu[:, pairs["index_b"].to_numpy()] - psu[:, pairs["index_a"].to_numpy()]
        se = np.sqrt(_variance(diff_totals, self._design))
        table = pairs[other].copy()
        table.insert(0 if not other else len(other), "contrast", f"{second} - {first}")
        table["estimate"] = (pairs["estimate_b"] - pairs["estimate_a"]).to_numpy()
        table["std_error"] = se
        assert self.inference is not None
        return MixedEstimates(
            table,
            [*other, "contrast"],
            title=DIFFERENCE_TITLE.format(b=between),
            method=self.method,
            inference=Inference(
                name="taylor_linearisation_difference",
                description=DIFFERENCE_SE,
                n_clusters=self.inference.n_clusters,
            ),
            notes=[self.inference.description],
            facts=self.facts,
            level=self.level,
            value_labels=self.value_labels,
            call={**self.call, "between": between, "first": first, "second": second},
        )

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Shares: diverging stacked bars (lower categories left of zero, the middle one
        split); means: estimates with intervals. Returns the Figure."""
        if self.statistic_kind == "mean":
            return super().plot(ax=ax, lang=lang, title=title or tr(self.title, lang))
        return plot_likert(self, ax=ax, lang=lang, title=title)


def plot_likert(
    result: SurveyEstimates, ax: Axes | None = None, lang: Lang = "de", title: str | None = None
) -> Figure:
    """Diverging stacked bars of the category shares (one bar per item and group).

    Parameters
    ----------
    result
        Survey shares (``statistic="share"``).
    ax
        The matplotlib Axes to draw into (``None``: a new figure).
    lang
        ``"de"`` (default) or ``"en"``.
    title
        A title instead of the result's.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    t = result.tidy()
    rows = [k for k in result.keys if k != "category"]
    groups = t.groupby(rows, sort=False, dropna=False)
    cats = sorted(pd.unique(t["category"]).tolist())
    n = len(cats)
    fig, ax = figure_axes(ax, (8, 1.6 + 0.5 * groups.ngroups))
    colors = list(plt.get_cmap("RdBu")(np.linspace(0.1, 0.9, n)))
    if n % 2:
        colors[n // 2] = (0.8, 0.8, 0.8, 1.0)
    names = []
    for pos, (key, g) in enumerate(groups):
        share = g.set_index("category")["estimate"].reindex(cats).fillna(0.0).to_numpy()
        middle = share[n // 2] if n % 2 else 0.0
        left = -(share[: n // 2].sum() + middle / 2)
        y = groups.ngroups - 1 - pos
        for k in range(n):
            ax.barh(y, share[k], left=left, color=colors[k], edgecolor="white", height=0.7)
            left += share[k]
        key = key if isinstance(key, tuple) else (key,)
        names.append(" / ".join(value_label(k, v, lang) for k, v in zip(rows, key, strict=True)))
    ax.set_yticks(np.arange(groups.ngroups)[::-1], names)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: percent(abs(v), lang, 0)))
    item = str(t["item"].iloc[0])
    labels = result.labels.get(item, {})
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[k]) for k in range(n)]
    fig.legend(
        handles,
        [tr(labels.get(c, str(c)), lang) for c in cats],
        loc="lower center",
        ncol=min(n, 5),
        frameon=False,
        fontsize="small",
    )
    ax.set_xlabel(SHARE_AXIS(lang))
    ax.set_title(title or tr(result.title, lang))
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def _variance(psu_totals: np.ndarray, design: Mapping) -> np.ndarray:
    """Stratified with-replacement variance of the columns of the cluster totals."""
    h = design["psu_stratum"]
    scale = design["scale"][h]  # (1 - f_h) n_h / (n_h - 1), 0 for removed strata
    n_strata = len(design["n_psu"])
    sums = np.zeros((n_strata, psu_totals.shape[1]))
    np.add.at(sums, h, psu_totals)
    centred = psu_totals - (sums / design["n_psu"][:, None])[h]
    return (scale[:, None] * centred**2).sum(axis=0)


def _codes(df: pd.DataFrame, col: str | None, table: str) -> np.ndarray:
    if col is None:
        return np.zeros(len(df), dtype=np.int64)
    s = df[col]
    miss = s.isna().to_numpy()
    if miss.any():
        row = first_bad_row(miss)
        raise DataError(
            f"table {table} row {df.index[row]}, field {col}: the design column is empty; "
            "every respondent needs it (fill it in or drop the respondent)"
        )
    return pd.factorize(s.astype(str), sort=True)[0].astype(np.int64)


def _design(df, weights, strata, clusters, fpc, lonely_psu, table):
    """Weights, PSU index, stratum of each PSU and the variance scale per stratum."""
    if weights is None:
        w = np.ones(len(df))
    else:
        w = numeric_column(df, table, weights, fix="give the sampling weight as a number")
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            row = first_bad_row(bad)
            raise DataError(
                f"table {table} row {df.index[row]}, field {weights}: weight "
                f"{shown(df[weights].iloc[row])} must be a positive number"
            )
    h = _codes(df, strata, table)
    c = _codes(df, clusters, table) if clusters is not None else np.arange(len(df))
    psu, psu_first = np.unique(np.column_stack([h, c]), axis=0, return_inverse=True)
    psu_first = psu_first.reshape(-1)
    psu_stratum = psu[:, 0]
    n_strata = int(h.max()) + 1
    n_psu = np.bincount(psu_stratum, minlength=n_strata).astype(float)
    f = np.zeros(n_strata)
    if fpc is not None:
        pop = numeric_column(df, table, fpc, fix="give the population size as a number")
        bad = ~np.isfinite(pop) | (pop <= 0)
        if bad.any():
            row = first_bad_row(bad)
            raise DataError(
                f"table {table} row {df.index[row]}, field {fpc}: {shown(df[fpc].iloc[row])} must "
                "be a positive population size (or a sampling fraction <= 1)"
            )
        for k in range(n_strata):
            vals = np.unique(pop[h == k])
            if len(vals) > 1:
                row = first_bad_row(h == k)
                raise DataError(
                    f"table {table}, field {fpc}: the stratum of row {df.index[row]} has "
                    f"several values {vals[:3].tolist()}; the population size is one number "
                    "per stratum"
                )
            v = vals[0]
            f[k] = v if v <= 1 else n_psu[k] / v
            if f[k] > 1 + 1e-12:
                raise DataError(
                    f"table {table}, field {fpc}: stratum of row {first_bad_row(h == k)} has "
                    f"{int(n_psu[k])} sampled primary units but a population of {v:g}"
                )
    lonely = n_psu < 2
    if lonely.any() and lonely_psu == "fail":
        k = int(np.flatnonzero(lonely)[0])
        row = first_bad_row(h == k)
        raise DataError(
            f"table {table}: the stratum of row {df.index[row]} "
            f"({df[strata].iloc[row] if strata else 'all'}) has a single primary sampling "
            "unit, so its variance cannot be estimated; merge it with a similar stratum or "
            "pass lonely_psu='remove'"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, 0.0, (1 - f) * n_psu / (n_psu - 1))
    return {
        "w": w,
        "psu": psu_first,
        "psu_stratum": psu_stratum,
        "n_psu": np.maximum(n_psu, 1.0),
        "scale": scale,
        "n_lonely": int(lonely.sum()),
        "n_strata": n_strata,
        "n_psu_total": len(psu),
    }


def _wide(responses, items, design_cols, by, respondent):
    """Long responses -> one row per respondent with a column per item (and the labels)."""
    df = responses
    if not {"item", "response"} <= set(df.columns):
        return df, {}
    keys = [c for c in ("survey_id", respondent) if c in df.columns]
    if respondent not in df.columns:
        raise DataError(
            f"table survey_responses in long form needs the column {respondent} to tell "
            "respondents apart"
        )
    dup = df.duplicated([*keys, "item"]).to_numpy()
    if dup.any():
        row = first_bad_row(dup)
        raise DataError(
            f"table survey_responses row {df.index[row]}: a second answer of the same "
            f"respondent to item {df['item'].iloc[row]}; keep one row per respondent and item"
        )
    known = set(df["item"].astype(str))
    unknown = [i for i in items if i not in known]
    if unknown:
        raise DataError(
            f"table survey_responses has no answers to item(s) {unknown}; its items are "
            f"{sorted(known)[:10]}"
        )
    resp = numeric_column(
        df, "survey_responses", "response", fix="code the answer as a number (e.g. 1-5)"
    )
    long = df.assign(response=resp)
    wide = long.pivot(index=keys, columns="item", values="response")[list(items)]
    attrs = [c for c in dict.fromkeys([*design_cols, *by]) if c and c not in keys]
    first = long.groupby(keys, sort=True)[attrs].first() if attrs else None
    if attrs:
        varying = long.groupby(keys, sort=True)[attrs].nunique(dropna=False).gt(1)
        if varying.to_numpy().any():
            col = varying.columns[varying.any(axis=0).to_numpy()][0]
            rid = varying.index[varying[col].to_numpy()][0]
            raise DataError(
                f"table survey_responses: column {col} differs between the rows of "
                f"respondent {rid}; design and grouping columns are one value per respondent"
            )
        wide = wide.join(first)
    labels: dict[str, dict] = {}
    if "response_label" in df.columns:
        lab = long.dropna(subset=["response", "response_label"])
        for (item, code), g in lab.groupby(["item", "response"], sort=True):
            labels.setdefault(str(item), {})[_num_key(code)] = str(g["response_label"].iloc[0])
    return wide.reset_index(), labels


def _num_key(v):
    v = float(v)
    return int(v) if v.is_integer() else v


def _domain_estimates(
    df: pd.DataFrame,
    items: list[str],
    by: list[str],
    dom_idx: np.ndarray,
    dom_keys: pd.DataFrame,
    w: np.ndarray,
    statistic: str,
    notes: list[Text],
) -> tuple[list[dict[str, Any]], list[np.ndarray]]:
    """Every item's mean (or category shares) in every domain, and the linearised values
    of each estimate (one column per row of the result)."""
    rows: list[dict[str, Any]] = []
    z_cols: list[np.ndarray] = []
    for item in items:
        y = numeric_column(df, "survey_responses", item, fix="code the answer as a number")
        valid = ~np.isnan(y)
        if not valid.any():
            raise DataError(
                f"table survey_responses, field {item}: no respondent has a valid answer, so "
                "there is nothing to estimate; check the item code or leave the item out"
            )
        if (~valid).any():
            notes.append(MISSING.format(n=int((~valid).sum()), item=item))
        cats = np.unique(y[valid]) if statistic == "share" else [None]
        for d in range(len(dom_keys)):
            member = (dom_idx == d) & valid
            in_dom = dom_idx == d
            wsum = w[member].sum()
            if wsum <= 0:
                where = ", ".join(f"{k} = {dom_keys[k].iloc[d]}" for k in by)
                notes.append(EMPTY_DOMAIN.format(item=item, where=where))
                continue
            for cat in cats:
                target = np.where(valid, y, 0.0) if cat is None else (y == cat).astype(float)
                est = (w * member * target).sum() / wsum
                z = w * member * (target - est) / wsum
                row: dict[str, Any] = {"item": item}
                for k in by:
                    row[k] = dom_keys[k].iloc[d]
                if cat is not None:
                    row["category"] = _num_key(cat)
                row.update(
                    estimate=float(est),
                    std_error=np.nan,
                    n_respondents=int(member.sum()),
                    n_missing=int((in_dom & ~valid).sum()),
                    weighted_n=float(wsum),
                )
                rows.append(row)
                z_cols.append(z)
    return rows, z_cols


def survey_estimates(
    responses: pd.DataFrame | Study,
    items: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    *,
    weights: str | None = "weight",
    strata: str | None = None,
    clusters: str | None = None,
    fpc: str | None = None,
    statistic: SurveyStatistic = "mean",
    lonely_psu: LonelyPSU = "fail",
    level: float = 0.95,
    labels: Mapping[str, Mapping] | None = None,
    respondent: str = "respondent_id",
) -> SurveyEstimates:
    """Weighted means or Likert shares with design-based (linearised) standard errors.

    Parameters
    ----------
    responses
        The table ``survey_responses`` in long form (``item``, ``response``) or wide form
        (one column per item); see the module docstring. Or a :class:`~evaluation.Study`:
        its responses with ``wave`` and ``population`` of their survey and the ``group`` of
        their municipality (for ``by``); its ``stratum``, ``cluster`` and ``fpc`` columns are
        the design where ``strata``, ``clusters`` and ``fpc`` are not given and the columns
        hold values.
    items
        Item code(s) to estimate.
    by
        Domain column(s): estimates per subgroup (e.g. ``"wave"``, ``"group"``), computed as
        domains of the whole design.
    weights, strata, clusters, fpc
        Column names of the design: sampling weight (``None``: equal weights), stratum,
        primary sampling unit (``None``: each respondent), and the first-stage population
        size per stratum for the finite population correction (``None``: with replacement).
    statistic
        ``"mean"`` of the responses or ``"share"`` of every response category.
    lonely_psu
        A stratum with a single primary unit: ``"fail"`` (an error) or ``"remove"`` (it adds
        nothing to the variance).
    level
        Confidence level of the Wald intervals.
    labels
        ``{item: {code: label}}`` for the plot (long input with ``response_label`` brings
        its own); labels may be :class:`~evaluation.i18n.Text`, e.g. from
        :data:`LIKERT_SCALES`.
    respondent
        Column of the respondent id (long form only; never shown in a result).

    Returns
    -------
    SurveyEstimates

    Examples
    --------
    >>> import evaluation as ev
    >>> mm = ev.synthetic_mixed_methods(ev.datasets.synthetic_study(seed=1), seed=1)
    >>> data = mm.survey_responses.merge(mm.surveys[["survey_id", "wave"]])
    >>> res = ev.survey_estimates(data, "satisfaction", by=["wave", "group"],
    ...                           strata="stratum", clusters="cluster")  # doctest: +SKIP
    >>> res.difference("wave").tidy()  # doctest: +SKIP
    """
    check_option("statistic", statistic, SurveyStatistic)
    check_option("lonely_psu", lonely_psu, LonelyPSU)
    check_level(level)
    items = columns_list(items)
    by = columns_list(by)
    if not items:
        raise OptionError("items must name at least one item")
    if isinstance(responses, Study):
        responses = survey_frame(responses)
        strata, clusters, fpc = (
            given if given is not None or responses[col].isna().all() else col
            for given, col in ((strata, "stratum"), (clusters, "cluster"), (fpc, "fpc"))
        )
    design_cols = [c for c in (weights, strata, clusters, fpc) if c is not None]
    df = check_frame(responses, "survey_responses", []).reset_index(drop=True)
    df, file_labels = _wide(df, items, design_cols, by, respondent)
    check_frame(df, "survey_responses", [*items, *design_cols, *by])
    design = _design(df, weights, strata, clusters, fpc, lonely_psu, "survey_responses")
    w = design["w"]
    if by:
        miss = df[by].isna().any(axis=1).to_numpy()
        if miss.any():
            row = first_bad_row(miss)
            raise DataError(
                f"table survey_responses row {row}: the grouping column(s) {by} are empty; "
                "fill them in or leave the respondent out"
            )
        dom_idx, dom_keys = _domains(df, by)
    else:
        dom_idx, dom_keys = np.zeros(len(df), dtype=np.int64), pd.DataFrame(index=[0])
    notes: list[Text] = []
    rows, z_cols = _domain_estimates(df, items, by, dom_idx, dom_keys, w, statistic, notes)
    z = np.column_stack(z_cols)
    psu_totals = np.zeros((design["n_psu_total"], z.shape[1]))
    np.add.at(psu_totals, design["psu"], z)
    design["psu_totals"] = psu_totals
    table = pd.DataFrame(rows)
    table["std_error"] = np.sqrt(_variance(psu_totals, design))
    keys = ["item", *by] + (["category"] if statistic == "share" else [])
    described = [
        DESIGNS[k]
        for k, on in (("stratified", strata), ("clustered", clusters), ("weighted", weights))
        if on
    ] or [DESIGNS["simple"]]
    if design["n_lonely"]:
        notes.append(LONELY.format(k=design["n_lonely"]))
    user_labels = {
        str(k): {c: as_text(lab) for c, lab in dict(v).items()} for k, v in (labels or {}).items()
    }
    inference = Inference(
        name="taylor_linearisation",
        description=SE_TEXT.format(fpc=FPC if fpc else ""),
        n_clusters=design["n_psu_total"] if clusters is not None else None,
    )
    inference.warn("survey_estimates (primary sampling units)")
    return SurveyEstimates(
        table,
        keys,
        design={k: v for k, v in design.items() if k != "w"},
        statistic=statistic,
        labels={**file_labels, **user_labels},
        title=TITLES[statistic],
        method=METHOD.format(design=Text(", ", ", ").join(described)),
        inference=inference,
        notes=notes,
        facts={
            "n_respondents": len(df),
            "n_strata": design["n_strata"],
            "n_psu": design["n_psu_total"],
        },
        level=level,
        count_columns=("n_respondents", "n_missing"),
        call={
            "items": items,
            "by": by,
            "weights": weights,
            "strata": strata,
            "clusters": clusters,
            "fpc": fpc,
            "statistic": statistic,
            "lonely_psu": lonely_psu,
        },
    )


def _domains(df: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    keys = df[by].drop_duplicates().sort_values(by, key=lambda s: s.astype(str))
    keys = keys.reset_index(drop=True)
    idx = pd.MultiIndex.from_frame(keys).get_indexer(pd.MultiIndex.from_frame(df[by]))
    return idx.astype(np.int64), keys
