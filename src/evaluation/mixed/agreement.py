"""Agreement between coders of the measures: Krippendorff's alpha, Cohen's and Fleiss' kappa.

Input is the long table ``measure_codes`` (one row per measure, coder and coding dimension):

============  =======  ==================================================================
column        type     meaning
============  =======  ==================================================================
measure_id    string   the coded measure (table ``measures``); the *unit* of agreement
coder         string   who coded it (personal data: never shown in a result)
dimension     string   coding dimension, e.g. ``measure_type``, ``target_group``, ``novelty``
code          string   the code given (from the dimension's code list); empty = not coded
============  =======  ==================================================================

Krippendorff's alpha uses the coincidence-matrix formulation of Krippendorff (2011,
"Computing Krippendorff's Alpha-Reliability"): for every unit with :math:`m_u \\ge 2` codes,
each ordered pair of codes of two different coders adds :math:`1/(m_u-1)` to the coincidence
:math:`o_{ck}`; with :math:`n_c = \\sum_k o_{ck}` and :math:`n = \\sum_c n_c`,
:math:`\\alpha = 1 - (n-1) \\sum_{c,k} o_{ck}\\,\\delta^2_{ck} / \\sum_{c,k} n_c n_k \\delta^2_{ck}`.
Missing codes are allowed (units coded once are not pairable and do not count). Metrics:
nominal :math:`\\delta^2 = [c \\ne k]`, ordinal :math:`\\delta^2_{ck} = (\\sum_{g=c}^{k} n_g -
(n_c+n_k)/2)^2`, interval :math:`(c-k)^2`, ratio :math:`((c-k)/(c+k))^2`.

Cohen's kappa (two coders, units both coded) and Fleiss' kappa (units coded by every coder)
are nominal statistics. The interval is a **unit-resampling bootstrap**: measures are drawn with
replacement (each keeps all its codes), every statistic is recomputed, and the percentile
interval is reported. (This is not Krippendorff's own bootstrap, which resamples pairs of
values; resampling units respects that the codes of one measure belong together.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Lang, Text, number, tr
from ..options import MeasurementLevel, check_option
from ..results import Inference, check_level, figure_axes
from ..study import Study
from ._common import (
    MixedTable,
    check_frame,
    check_optional_draws,
    check_seed,
    columns_list,
    first_bad_row,
    shown,
    study_data,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

STATISTICS: tuple[str, ...] = ("krippendorff_alpha", "cohen_kappa", "fleiss_kappa")

#: display labels of the usual coding dimensions (others are shown by their code)
DIMENSION_LABELS = {
    "measure_type": Text("Maßnahmentyp", "Measure type"),
    "target_group": Text("Zielgruppe", "Target group"),
    "novelty": Text("neu oder fortgeführt", "New or continued"),
}
STATISTIC_LABELS = {
    "krippendorff_alpha": Text("Krippendorffs Alpha", "Krippendorff's alpha"),
    "cohen_kappa": Text("Cohens Kappa", "Cohen's kappa"),
    "fleiss_kappa": Text("Fleiss' Kappa", "Fleiss' kappa"),
}
LEVEL_LABELS = {
    "nominal": Text("nominal", "nominal"),
    "ordinal": Text("ordinal", "ordinal"),
    "interval": Text("intervall", "interval"),
    "ratio": Text("ratio", "ratio"),
}
TITLE = Text("Übereinstimmung der Codierungen", "Agreement between coders")
BOOTSTRAP = Text(
    "Intervall: Perzentil-Bootstrap mit {n} Ziehungen der Maßnahmen mit Zurücklegen (jede "
    "Maßnahme mit allen ihren Codierungen; Startwert {seed}).",
    "Interval: percentile bootstrap of {n} draws of the measures with replacement (each measure "
    "with all its codes; seed {seed}).",
)
NO_BOOTSTRAP = Text("Ohne Intervall (n_draws=None).", "No interval (n_draws=None).")
KAPPA_NOMINAL = Text(
    "Cohens und Fleiss' Kappa behandeln die Codes als nominal; Cohens Kappa nur bei zwei "
    "Codierenden, Fleiss' Kappa nur über Maßnahmen, die alle Codierenden codiert haben.",
    "Cohen's and Fleiss' kappa treat the codes as nominal; Cohen's kappa only with two coders, "
    "Fleiss' kappa only over measures coded by every coder.",
)
INCOMPLETE = Text(
    "Dimension {dim}: {k} Maßnahme(n) nicht von allen Codierenden codiert; sie fehlen in den "
    "Kappa-Werten (Alpha nutzt sie, soweit paarbar).",
    "Dimension {dim}: {k} measure(s) not coded by every coder; they are left out of the kappas "
    "(alpha uses them where pairable).",
)
SINGLE = Text(
    "Dimension {dim}: nur ein Wert kommt vor; Übereinstimmungsmaße sind nicht definiert (leer).",
    "Dimension {dim}: only one value occurs; agreement is not defined (empty).",
)
XLABEL = Text(
    "Übereinstimmung (1 = vollständig, 0 = zufällig)", "Agreement (1 = perfect, 0 = chance)"
)


def _dimension_text(d: str) -> Text:
    return DIMENSION_LABELS.get(d, Text(d, d))


# ---------------------------------------------------------------------------------------
# the statistics on count matrices (units x values); vectorised over bootstrap draws
# ---------------------------------------------------------------------------------------
def _distance(values: np.ndarray, level: str, n_c: np.ndarray) -> np.ndarray:
    """Squared distances delta^2 between the values; ``n_c`` (draws x values) for ordinal."""
    v = values.astype(float)
    if level == "nominal":
        d = 1.0 - np.eye(len(v))
        return np.broadcast_to(d, (*n_c.shape[:-1], len(v), len(v)))
    if level == "interval":
        d = (v[:, None] - v[None, :]) ** 2
        return np.broadcast_to(d, (*n_c.shape[:-1], len(v), len(v)))
    if level == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            s = v[:, None] + v[None, :]
            d = np.where(s != 0, ((v[:, None] - v[None, :]) / s) ** 2, 0.0)
        return np.broadcast_to(d, (*n_c.shape[:-1], len(v), len(v)))
    # ordinal: values are ranks 0..V-1 in order; sum of n_g from c to k minus half the ends
    cum = np.cumsum(n_c, axis=-1)
    lo = np.minimum.outer(np.arange(len(v)), np.arange(len(v)))
    hi = np.maximum.outer(np.arange(len(v)), np.arange(len(v)))
    before = np.where(lo > 0, np.take(cum, lo - 1, axis=-1), 0.0) if len(v) else cum
    between = np.take(cum, hi, axis=-1) - before
    ends = (n_c[..., :, None] + n_c[..., None, :]) / 2
    return (between - ends) ** 2


def _alpha_from_coincidences(o: np.ndarray, values: np.ndarray, level: str) -> np.ndarray:
    """Alpha from coincidence matrices ``o`` (... x V x V)."""
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    d2 = _distance(values, level, n_c)
    observed = (o * d2).sum(axis=(-2, -1))
    expected = (n_c[..., :, None] * n_c[..., None, :] * d2).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1.0 - (n - 1) * observed / expected, np.nan)


def _unit_coincidences(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pairable unit its contribution to the coincidence matrix (U x V x V)."""
    m = counts.sum(axis=1)
    keep = m >= 2
    c = counts[keep].astype(float)
    m = m[keep].astype(float)
    per = (c[:, :, None] * c[:, None, :] - c[:, :, None] * np.eye(c.shape[1])) / (m - 1)[
        :, None, None
    ]
    return per, keep


def krippendorff_alpha(
    reliability_data,
    level: MeasurementLevel = "nominal",
    *,
    order: Sequence | None = None,
) -> float:
    """Krippendorff's alpha of a coders x units matrix (NaN = not coded).

    Parameters
    ----------
    reliability_data
        Array-like with one row per coder and one column per unit (the layout of
        Krippendorff 2011 and of the ``krippendorff`` package); missing codes as NaN/None.
    level
        ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.
    order
        For ordinal data, the values from lowest to highest (default: sorted values).

    Returns
    -------
    float
        Alpha (NaN only if fewer than two distinct values are pairable).

    Examples
    --------
    >>> krippendorff_alpha([[1, 2, 3, 3], [1, 2, 3, 4]], "interval")  # doctest: +SKIP
    """
    check_option("level", level, MeasurementLevel)
    frame = pd.DataFrame(np.asarray(reliability_data, dtype=object))
    long = frame.T.stack(future_stack=True).reset_index()
    long.columns = ["unit", "coder", "code"]
    long = long[long["code"].notna()]
    counts, values, _ = _count_matrix(long["unit"], long["code"], level, order, "reliability_data")
    per, _ = _unit_coincidences(counts)
    if len(per) == 0:
        raise DataError("reliability_data: no unit has two codes, so alpha is not defined")
    return float(_alpha_from_coincidences(per.sum(axis=0), values, level))


def _count_matrix(units, codes, level: str, order, where: str):
    """Units x values counts, the value vector (numbers; ranks for ordinal) and the codes."""
    codes = pd.Series(codes)  # its index: the rows of the user's table
    if level in ("interval", "ratio"):
        num = pd.to_numeric(codes, errors="coerce")
        bad = num.isna().to_numpy()
        if bad.any():
            row = first_bad_row(bad)
            raise DataError(
                f"{where} row {codes.index[row]}, field code: {shown(codes.iloc[row])} is not a "
                f"number, but "
                f"level={level!r} needs numeric codes; use level='nominal' or 'ordinal'"
            )
        cats = np.sort(num.unique())
        idx = np.searchsorted(cats, num.to_numpy())
        values = cats.astype(float)
        labels = list(cats)
    else:
        if order is not None:
            labels = list(order)
            lookup = {str(v): i for i, v in enumerate(labels)}
            key = codes.map(lambda v: _key(v))
            unknown = ~key.isin(list(lookup)).to_numpy()
            if unknown.any():
                row = first_bad_row(unknown)
                raise DataError(
                    f"{where} row {codes.index[row]}, field code: {shown(codes.iloc[row])} is not in the given "
                    f"order {labels}; add it to order= or correct the code"
                )
            idx = key.map(lookup).to_numpy(dtype=np.int64)
        else:
            num = pd.to_numeric(codes, errors="coerce")
            if num.notna().all():
                cats = np.sort(num.unique())
                idx = np.searchsorted(cats, num.to_numpy())
                labels = list(cats)
            else:
                keys = codes.map(_key)
                names = sorted(keys.unique())
                lookup = {v: i for i, v in enumerate(names)}
                idx = keys.map(lookup).to_numpy(dtype=np.int64)
                labels = names
        values = np.arange(len(labels), dtype=float)
    unit_codes, unit_ids = pd.factorize(pd.Series(units).to_numpy(), sort=True)
    counts = np.zeros((len(unit_ids), len(labels)), dtype=np.int64)
    np.add.at(counts, (unit_codes, idx), 1)
    return counts, values, labels


def _key(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _percentile(draws: np.ndarray, level: float) -> tuple[float, float]:
    ok = draws[np.isfinite(draws)]
    if len(ok) < 2:
        return np.nan, np.nan
    a = (1 - level) / 2
    lo, hi = np.quantile(ok, [a, 1 - a])
    return float(lo), float(hi)


class CoderAgreement(MixedTable):
    """Agreement per coding dimension; ``tidy()`` columns: ``dimension``, ``statistic``
    (``krippendorff_alpha``, ``cohen_kappa``, ``fleiss_kappa``), ``measurement_level``,
    ``estimate``, ``ci_low``, ``ci_high`` (bootstrap percentile interval), ``n_units``
    (measures with at least one code), ``n_pairable`` (measures entering the statistic),
    ``n_coders``, ``n_values`` (codes used) and ``observed_agreement`` (share of agreeing pairs
    of codes)."""

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Estimates with their intervals per dimension and statistic; returns the Figure."""
        from matplotlib.ticker import FuncFormatter

        fig, ax = figure_axes(ax, (7, 0.5 + 0.45 * len(self._table)))
        t = self._table
        pos = np.arange(len(t))[::-1]
        est = t["estimate"].to_numpy(dtype=float)
        lo = t["ci_low"].to_numpy(dtype=float)
        hi = t["ci_high"].to_numpy(dtype=float)
        err = np.vstack([np.nan_to_num(est - lo), np.nan_to_num(hi - est)])
        ax.errorbar(est, pos, xerr=err, fmt="o", color="C0", capsize=3)
        names = [
            f"{_dimension_text(d)(lang)} – {STATISTIC_LABELS[s](lang)}"
            for d, s in zip(t["dimension"], t["statistic"], strict=True)
        ]
        ax.set_yticks(pos, names)
        for x in (0.667, 0.8):
            ax.axvline(x, color="0.6", lw=0.8, ls="--")
        ax.axvline(0, color="0.4", lw=0.8)
        ax.set_xlim(min(-0.05, np.nanmin(lo) if np.isfinite(lo).any() else 0) - 0.05, 1.05)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, lang, 1)))
        ax.set_xlabel(XLABEL(lang))
        ax.set_title(title or tr(self.title, lang))
        fig.tight_layout()
        return fig


def coder_agreement(
    codes: pd.DataFrame | Study,
    dimension: str | Sequence[str] | None = None,
    level: MeasurementLevel | Mapping[str, MeasurementLevel] = "nominal",
    *,
    order: Mapping[str, Sequence] | None = None,
    n_draws: int | None = 1999,
    seed: int = 0,
    conf_level: float = 0.95,
    unit: str = "measure_id",
    coder: str = "coder",
    code: str = "code",
) -> CoderAgreement:
    """Krippendorff's alpha, Cohen's kappa and Fleiss' kappa per coding dimension.

    Parameters
    ----------
    codes
        Long table ``measure_codes``: ``measure_id``, ``coder``, ``dimension``, ``code`` (see
        the module docstring), or a :class:`~evaluation.Study` (its ``measure_codes``).
        Without a ``dimension`` column all codes form one dimension.
    dimension
        One dimension or a list of them; ``None`` for every dimension in the table.
    level
        Level of measurement for alpha: ``"nominal"``, ``"ordinal"``, ``"interval"`` or
        ``"ratio"``, for all dimensions or as ``{dimension: level}``.
    order
        For ordinal dimensions with text codes: ``{dimension: [lowest, ..., highest]}``.
    n_draws
        Bootstrap draws of the measures (``None``: no interval).
    seed
        Seed of the bootstrap (``numpy.random.default_rng(seed)``).
    conf_level
        Level of the percentile interval.
    unit, coder, code
        Column names, if the table names them differently.

    Returns
    -------
    CoderAgreement
        One row per dimension and statistic. Coder names never appear in it.

    Examples
    --------
    >>> import evaluation as ev
    >>> mm = ev.synthetic_mixed_methods(ev.datasets.synthetic_study(seed=1), seed=1)
    >>> ev.coder_agreement(mm.measure_codes, level="nominal").tidy()  # doctest: +SKIP
    """
    check_optional_draws(n_draws)
    check_seed(seed)
    check_level(conf_level)
    required = [unit, coder, code]
    if isinstance(codes, Study):
        study_data(codes, "measure_codes")
        codes = codes.measure_codes
    df = check_frame(codes, "measure_codes", required).reset_index(drop=True)
    has_dim = "dimension" in df.columns
    wanted = columns_list(dimension)
    if wanted and not has_dim:
        raise DataError(
            "table measure_codes has no column dimension, so dimension= cannot select one; "
            "add the column or leave dimension=None"
        )
    dims_all = list(dict.fromkeys(df["dimension"].dropna().astype(str))) if has_dim else ["all"]
    dims = wanted or dims_all
    unknown = [d for d in dims if d not in dims_all]
    if unknown:
        raise DataError(
            f"table measure_codes has no codes for dimension(s) {unknown}; its dimensions are "
            f"{dims_all}"
        )
    levels = dict(level) if isinstance(level, Mapping) else dict.fromkeys(dims, level)
    for d in dims:
        levels.setdefault(d, "nominal")
        check_option(f"level of dimension {d!r}", levels[d], MeasurementLevel)
    order = dict(order or {})
    key_cols = [unit, coder] + (["dimension"] if has_dim else [])
    missing_key = df[key_cols].isna().any(axis=1).to_numpy()
    if missing_key.any():
        row = first_bad_row(missing_key)
        raise DataError(
            f"table measure_codes row {row}: {', '.join(key_cols)} must all be given; fill in "
            "the missing field or delete the row"
        )
    dup = df.duplicated(key_cols).to_numpy()
    if dup.any():
        row = first_bad_row(dup)
        raise DataError(
            f"table measure_codes row {row}: a second code by the same coder for measure "
            f"{df[unit].iloc[row]} in the same dimension; keep one row per measure, coder and "
            "dimension"
        )
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    notes: list[Text] = []
    for d in dims:
        sub = df[df["dimension"].astype(str) == d] if has_dim else df
        sub = sub[sub[code].notna() & (sub[code].astype("string").str.strip() != "")]
        if len(sub) == 0:
            raise DataError(f"table measure_codes: dimension {d} has no codes")
        res = _dimension(
            sub, d, levels[d], order.get(d), unit, coder, code, n_draws, rng, conf_level, notes
        )
        rows += res
    table = pd.DataFrame(rows)
    inference = None
    if n_draws is None:
        notes.insert(0, NO_BOOTSTRAP)
    else:
        inference = Inference(
            name="unit_bootstrap_percentile", description=BOOTSTRAP.format(n=n_draws, seed=seed)
        )
    notes.insert(0 if inference is not None else 1, KAPPA_NOMINAL)
    return CoderAgreement(
        table,
        title=TITLE,
        notes=notes,
        facts={"n_units": int(df[unit].nunique())},
        value_labels={
            "statistic": STATISTIC_LABELS,
            "measurement_level": LEVEL_LABELS,
            "dimension": DIMENSION_LABELS,
        },
        call={
            "dimension": dims,
            "level": levels,
            "n_draws": n_draws,
            "seed": seed,
            "conf_level": conf_level,
        },
        count_columns=("n_units", "n_pairable", "n_coders", "n_values"),
        inference=inference,
    )


def _dimension(sub, d, level, order, unit, coder, code, n_draws, rng, conf_level, notes):
    where = f"table measure_codes (dimension {d})"
    counts, values, _labels = _count_matrix(sub[unit], sub[code], level, order, where)
    nominal_counts, _, _ = _count_matrix(sub[unit], sub[code], "nominal", None, where)
    coders = pd.factorize(sub[coder].astype(str), sort=True)[1]
    n_coders = len(coders)
    per, keep = _unit_coincidences(counts)
    n_units = counts.shape[0]
    n_pairable = int(keep.sum())
    if n_pairable == 0:
        raise DataError(
            f"table measure_codes: in dimension {d} no measure has codes of two coders, so "
            "agreement cannot be measured; have at least part of the measures coded twice"
        )
    # observed agreement: share of pairable ordered pairs with equal codes
    per_nom, _ = _unit_coincidences(nominal_counts)
    o_nom = per_nom.sum(axis=0)
    agree = float(np.trace(o_nom) / o_nom.sum()) if o_nom.sum() > 0 else np.nan
    single = counts.sum(axis=0).astype(bool).sum() < 2
    if single:
        notes.append(SINGLE.format(dim=_dimension_text(d)))
    # bootstrap weights over units (rows of `counts`), the same draws for every statistic
    weights = None
    if n_draws is not None:
        weights = rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=n_draws)
        weights = weights.astype(float)

    def row(statistic, lvl, est, draws, n_used, n_cod):
        lo, hi = _percentile(draws, conf_level) if draws is not None else (np.nan, np.nan)
        return {
            "dimension": d,
            "statistic": statistic,
            "measurement_level": lvl,
            "estimate": float(est),
            "ci_low": lo,
            "ci_high": hi,
            "n_units": int(n_units),
            "n_pairable": int(n_used),
            "n_coders": int(n_cod),
            "n_values": int(len(sub)),
            "observed_agreement": agree,
        }

    out = []
    alpha = _alpha_from_coincidences(per.sum(axis=0), values, level) if n_pairable else np.nan
    draws = None
    if weights is not None and n_pairable:
        o_draws = np.tensordot(weights[:, keep], per, axes=(1, 0))
        draws = _alpha_from_coincidences(o_draws, values, level)
    out.append(row("krippendorff_alpha", level, alpha, draws, n_pairable, n_coders))

    # kappas: nominal, over units coded by every coder (coder x unit matrix of code indices)
    codes_nom, unit_ids = pd.factorize(sub[unit], sort=True)
    coder_idx = pd.Index(coders).get_indexer(sub[coder].astype(str))
    value_idx = _value_index(sub[code])
    grid = np.full((len(unit_ids), n_coders), -1, dtype=np.int64)
    grid[codes_nom, coder_idx] = value_idx
    complete = (grid >= 0).all(axis=1)
    n_incomplete = int((~complete).sum())
    if n_incomplete and n_coders >= 2:
        notes.append(INCOMPLETE.format(dim=_dimension_text(d), k=n_incomplete))
    g = grid[complete]
    n_cat = int(value_idx.max()) + 1
    w_full = weights[:, complete] if weights is not None else None
    if n_coders == 2 and len(g):
        onehot = np.zeros((len(g), n_cat * n_cat))
        onehot[np.arange(len(g)), g[:, 0] * n_cat + g[:, 1]] = 1.0
        est = _cohen(onehot.sum(axis=0)[None, :], n_cat)[0]
        draws = _cohen(w_full @ onehot, n_cat) if w_full is not None else None
        out.append(row("cohen_kappa", "nominal", est, draws, len(g), 2))
    if n_coders >= 2 and len(g):
        cat_counts = np.zeros((len(g), n_cat))
        for j in range(n_coders):
            np.add.at(cat_counts, (np.arange(len(g)), g[:, j]), 1.0)
        est = _fleiss(np.ones((1, len(g))), cat_counts, n_coders)[0]
        draws = _fleiss(w_full, cat_counts, n_coders) if w_full is not None else None
        out.append(row("fleiss_kappa", "nominal", est, draws, len(g), n_coders))
    return out


def _value_index(codes: pd.Series) -> np.ndarray:
    keys = codes.map(_key)
    return pd.factorize(keys, sort=True)[0].astype(np.int64)


def _cohen(tables: np.ndarray, n_cat: int) -> np.ndarray:
    """Cohen's kappa of (draws x n_cat^2) flattened contingency tables."""
    t = tables.reshape(-1, n_cat, n_cat)
    n = t.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        po = np.trace(t, axis1=1, axis2=2) / n
        pe = (t.sum(axis=2) * t.sum(axis=1)).sum(axis=1) / n**2
        return np.where(pe < 1, (po - pe) / (1 - pe), np.nan)


def _fleiss(weights: np.ndarray, cat_counts: np.ndarray, raters: int) -> np.ndarray:
    """Fleiss' kappa for unit weights (draws x units) and per-unit category counts."""
    p_unit = ((cat_counts**2).sum(axis=1) - raters) / (raters * (raters - 1))
    total = weights.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_bar = weights @ p_unit / total
        p_j = weights @ cat_counts / (total * raters)[:, None]
        pe = (p_j**2).sum(axis=1)
        return np.where(pe < 1, (p_bar - pe) / (1 - pe), np.nan)
