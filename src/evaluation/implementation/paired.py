"""Paired comparisons per municipality: first report against end of phase, first audit against
re-audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..codes import Lang
from ..errors import DataError
from ..results import _check_level
from ._data import (
    AsOf,
    Success,
    Unreported,
    check_as_of,
    check_success,
    measure_status,
    select_many,
    success_flag,
)
from ._results import ImplementationResult


def paired_statistics(before: np.ndarray, after: np.ndarray, level: float = 0.95) -> dict:
    """Paired t interval and test, and Wilcoxon signed-rank test, of ``after - before``.

    Wilcoxon: zero differences are dropped (Wilcoxon's convention); the exact null
    distribution is used for up to 50 non-zero differences without ties, otherwise the normal
    approximation without continuity correction.
    """
    d = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    n = d.size
    mean = float(d.mean())
    sd = float(d.std(ddof=1))
    se = sd / np.sqrt(n)
    df = n - 1
    crit = float(stats.t.ppf(0.5 + level / 2, df))
    if se > 0:
        t = mean / se
        p_t = float(2 * stats.t.sf(abs(t), df))
    else:
        t = 0.0 if mean == 0 else float(np.sign(mean) * np.inf)
        p_t = 1.0 if mean == 0 else 0.0
    nz = d[d != 0]
    if nz.size == 0:
        w_stat, p_w, w_method = 0.0, 1.0, "none (all differences zero)"
    else:
        ties = np.unique(np.abs(nz)).size < nz.size
        w_method = "exact" if nz.size <= 50 and not ties else "approx"
        res = stats.wilcoxon(
            nz, zero_method="wilcox", correction=False, method=w_method, alternative="two-sided"
        )
        w_stat, p_w = float(res.statistic), float(res.pvalue)
    return {
        "n_units": n,
        "mean_before": float(np.mean(before)),
        "mean_after": float(np.mean(after)),
        "mean_difference": mean,
        "std_error": se,
        "df": df,
        "ci_low": mean - crit * se,
        "ci_high": mean + crit * se,
        "t_statistic": t,
        "t_p_value": p_t,
        "median_difference": float(np.median(d)),
        "wilcoxon_statistic": w_stat,
        "wilcoxon_p_value": p_w,
        "wilcoxon_method": w_method,
    }


class PairedComparison(ImplementationResult):
    """A paired comparison of shares per unit (municipality or audit).

    ``tidy()`` has one row: ``n_units``, ``mean_before``, ``mean_after``, ``mean_difference``
    with ``std_error``, ``df`` and the paired t interval ``ci_low``/``ci_high``,
    ``t_statistic``/``t_p_value``, ``median_difference`` and the Wilcoxon signed-rank test
    (``wilcoxon_statistic``, ``wilcoxon_p_value``, ``wilcoxon_method``). ``units`` holds the
    per-unit shares (``share_before``, ``share_after``, ``difference``).
    """

    def __init__(self, table, *, units: pd.DataFrame, labels: tuple[str, str], **kw) -> None:
        super().__init__(table, **kw)
        self.units = units.reset_index(drop=True)
        self.labels = labels

    def _tables_for_summary(self, lang):
        from ..labels import term

        row = self.tidy().iloc[0]
        values = [_fmt_value(v) for v in row.to_numpy()]
        head = ("Kennzahl", "Wert") if lang == "de" else ("Quantity", "Value")
        table = pd.DataFrame({head[0]: [term(c, lang) for c in row.index], head[1]: values})
        return [("", table)]

    def plot(self, ax=None, lang: Lang = "de", title: str | None = None):
        """Slope chart: each unit's share before and after, with the means; returns the
        Figure."""
        from .plots import plot_paired

        return plot_paired(self, ax=ax, lang=lang, title=title)


def _fmt_value(v) -> str:
    if isinstance(v, float | np.floating):
        return str(int(v)) if float(v).is_integer() else f"{v:.4f}"
    return str(v)


def _shares(frame: pd.DataFrame, y: np.ndarray, unit: list[str], name: str) -> pd.DataFrame:
    d = frame[unit].copy()
    d[name] = y
    return d.groupby(unit, sort=True).agg(n_measures=(name, "size"), **{name: (name, "mean")})


def _result(units: pd.DataFrame, level: float, titles, notes, facts, labels) -> PairedComparison:
    if len(units) < 2:
        raise DataError(
            f"a paired comparison needs at least 2 units with both measurements, found "
            f"{len(units)}; check the audits and reports (or choose other report numbers)"
        )
    units = units.copy()
    units["difference"] = units["share_after"] - units["share_before"]
    st = paired_statistics(units["share_before"].to_numpy(), units["share_after"].to_numpy(), level)
    table = pd.DataFrame([st])
    table["wilcoxon_method"] = table["wilcoxon_method"].astype("string")
    notes = [
        "Paired t interval of the mean difference (after - before) with n - 1 degrees of "
        f"freedom ({level:.0%}); Wilcoxon signed-rank test of the differences (zero "
        "differences dropped).",
        *notes,
    ]
    if st["wilcoxon_method"].startswith("none"):
        notes.append("All differences are zero: both tests give p = 1.")
    return PairedComparison(
        table, units=units, labels=labels, titles=titles, notes=notes, facts=facts
    )


def before_after_implementation(
    study,
    *,
    success: Success = "implemented",
    before: int = 1,
    after: AsOf = "end",
    cycle: int | None = 1,
    level: float = 0.95,
    unreported: Unreported = "exclude",
) -> PairedComparison:
    """Per audit (municipality in the given ``cycle``): share of successful measures at the
    first report against the share at the end of the implementation phase, with a paired t
    interval and a Wilcoxon signed-rank test.

    Parameters
    ----------
    before, after
        Report numbers (``after`` may be ``"end"``: the last due report up to 3).
    cycle
        Audit cycle whose audits are compared (1 = first audits); ``None`` uses every audit
        as its own unit.

    Examples
    --------
    >>> import evaluation as ev
    >>> ev.before_after_implementation(ev.datasets.synthetic_study(seed=1)).tidy()  # doctest: +SKIP
    """
    check_success(success)
    before = check_as_of(before)
    after = check_as_of(after)
    if before == "end":
        raise ValueError("before must be a report number 0-3")
    _check_level(level)
    ms = measure_status(study, unreported)
    notes = list(ms.notes)
    frame, (s0, s1) = select_many(ms, (before, after), notes)
    if cycle is not None:
        keep = (frame["cycle"] == cycle).to_numpy(dtype=bool, na_value=False)
        if not keep.any():
            raise DataError(f"audits: no measures of audit cycle {cycle} with due reports")
        frame, s0, s1 = frame.loc[keep].reset_index(drop=True), s0[keep], s1[keep]
    unit = ["municipality_id", "cycle"]
    a = _shares(frame, success_flag(s0, success), unit, "share_before")
    b = _shares(frame, success_flag(s1, success), unit, "share_after")
    units = a.join(b["share_after"]).reset_index()
    return _result(
        units,
        level,
        (
            f"Umsetzungsanteil: Bericht {before} gegen {'Phasenende' if after == 'end' else f'Bericht {after}'}",
            f"Share implemented: report {before} against {'end of phase' if after == 'end' else f'report {after}'}",
        ),
        notes,
        {"success": success, "n_measures": len(frame), "cycle": "all" if cycle is None else cycle},
        (f"report {before}", "end" if after == "end" else f"report {after}"),
    )


def cycle_comparison(
    study,
    *,
    success: Success = "implemented",
    as_of: AsOf = "end",
    cycles: tuple[int, int] = (1, 2),
    level: float = 0.95,
    unreported: Unreported = "exclude",
) -> PairedComparison:
    """First audit against re-audit: per municipality with both cycles, the share of
    successful measures (at ``as_of``) in each, with a paired t interval and a Wilcoxon
    signed-rank test. Municipalities with only one of the cycles are left out (a note counts
    them).

    Examples
    --------
    >>> import evaluation as ev
    >>> ev.cycle_comparison(ev.datasets.synthetic_study(seed=1)).tidy()  # doctest: +SKIP
    """
    check_success(success)
    as_of = check_as_of(as_of)
    _check_level(level)
    if len(cycles) != 2 or cycles[0] == cycles[1]:
        raise ValueError(f"cycles must be two different audit cycles, got {cycles!r}")
    ms = measure_status(study, unreported)
    notes = list(ms.notes)
    frame, (s,) = select_many(ms, (as_of,), notes)
    frame = frame.assign(y=success_flag(s, success))
    frame = frame[frame["cycle"].isin(list(cycles)).to_numpy(dtype=bool, na_value=False)]
    sh = frame.groupby(["municipality_id", "cycle"], sort=True).agg(
        n_measures=("y", "size"), share=("y", "mean")
    )
    wide = sh["share"].unstack("cycle")
    for c in cycles:
        if c not in wide.columns:
            wide[c] = np.nan
    both = wide[list(cycles)].notna().all(axis=1)
    n_single = int((~both).sum())
    if n_single:
        notes.append(
            f"{n_single} municipality(ies) with measures in only one of the cycles {cycles} are "
            "left out."
        )
    units = pd.DataFrame(
        {
            "municipality_id": wide.index[both].astype("string"),
            "share_before": wide.loc[both, cycles[0]].to_numpy(dtype=float),
            "share_after": wide.loc[both, cycles[1]].to_numpy(dtype=float),
        }
    )
    return _result(
        units,
        level,
        (
            f"Umsetzungsanteil: Auditzyklus {cycles[0]} gegen {cycles[1]}",
            f"Share implemented: audit cycle {cycles[0]} against {cycles[1]}",
        ),
        notes,
        {"success": success, "as_of": as_of, "n_measures": len(frame)},
        (f"cycle {cycles[0]}", f"cycle {cycles[1]}"),
    )
