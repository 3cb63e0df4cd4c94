"""The public sensitivity analysis: :func:`honest_did` on results or arrays."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..codes import Lang, check_lang
from ..errors import DataError
from ..results import Summary, TableResult
from ..stats._text import display_table, num
from .core import (
    INFERENCE,
    ConfidenceSet,
    EventStudyInput,
    OptionError,
    Restriction,
    breakdown_value,
    check_alpha,
    check_input,
    confidence_set,
)

Target = int | Literal["average"]

_LABELS = {
    "restriction": ("Restriktion", "Restriction"),
    "method": ("Verfahren", "Method"),
    "value": ("Mbar / M", "Mbar / M"),
    "lb": ("untere Grenze", "Lower bound"),
    "ub": ("obere Grenze", "Upper bound"),
    "excludes_zero": ("schließt 0 aus", "Excludes 0"),
}
_METHOD_TEXT = {
    "original": ("Original (parallele Trends)", "Original (parallel trends)"),
    "conditional": ("bedingt (ARP)", "conditional (ARP)"),
    "hybrid": ("hybrid (bedingt / least favourable)", "hybrid (conditional / least favourable)"),
    "flci": ("FLCI (feste Länge)", "FLCI (fixed length)"),
}
_RESTRICTION_TEXT = {
    "relative_magnitude": ("relative Größen (Mbar)", "relative magnitudes (Mbar)"),
    "smoothness": ("Glattheit (M)", "smoothness (M)"),
}


class SensitivityResult(TableResult):
    """Robust confidence sets for ``theta = l'tau_post`` against ``Mbar`` or ``M``.

    ``tidy()`` has one row per value with ``restriction``, ``method``, ``value``, ``lb``,
    ``ub``, ``excludes_zero`` (and ``open_end`` when the set reached an end of the grid), plus
    a first row with ``method = "original"``: the interval under exact parallel trends.
    ``breakdown`` is the :class:`~evaluation.sensitivity.core.Breakdown` (or ``None``);
    ``input`` holds the coefficients, covariance and weights that were used.
    """

    breakdown: Any
    input: EventStudyInput
    restriction: str
    target: tuple[str, str]

    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        de = lang == "de"
        i = 0 if de else 1
        t = self._table.copy()
        t["restriction"] = t["restriction"].map(lambda r: _RESTRICTION_TEXT[r][i])
        t["method"] = t["method"].map(lambda m: _METHOD_TEXT[m][i])
        cols = ["method", "value", "lb", "ub", "excludes_zero"]
        table = display_table(t[cols], _LABELS, lang)
        bd = self.breakdown
        facts = [
            ("Restriktion" if de else "Restriction", _RESTRICTION_TEXT[self.restriction][i]),
            ("Zielgröße" if de else "Target", self.target[i]),
            (
                "Vor- / Nachperioden" if de else "Pre- / post-periods",
                f"{self.input.num_pre} / {self.input.num_post}",
            ),
            ("Niveau" if de else "Level", f"{1 - self.facts['alpha']:.0%}"),
        ]
        notes = []
        if bd is not None:
            facts.append(("Breakdown-Wert" if de else "Breakdown value", num(bd.value, lang, 4)))
            par = "Mbar" if self.restriction == "relative_magnitude" else "M"
            if bd.value == 0:
                notes.append(
                    "Schon unter parallelen Trends schließt das Konfidenzintervall 0 nicht aus."
                    if de
                    else "Even under parallel trends the confidence interval does not exclude 0."
                )
            elif np.isinf(bd.value):
                notes.append(
                    f"Bis {par} = {num(bd.upper, lang)} schließt das robuste Intervall 0 aus."
                    if de
                    else f"Up to {par} = {num(bd.upper, lang)} the robust interval excludes 0."
                )
            else:
                notes.append(
                    f"Breakdown-Wert: Bis {par} = {num(bd.value, lang)} (Genauigkeit "
                    f"{num(bd.tol, lang, 6)}) schließt das robuste Konfidenzintervall 0 aus; "
                    "darüber ist der Effekt mit 0 vereinbar."
                    if de
                    else f"Breakdown value: up to {par} = {num(bd.value, lang)} (to within "
                    f"{num(bd.tol, lang, 6)}) the robust confidence interval excludes 0; "
                    "beyond it the effect is compatible with 0."
                )
        if self.restriction == "relative_magnitude":
            notes.append(
                "Mbar = 1: nach Beginn weicht der Trend von Periode zu Periode höchstens so "
                "stark ab wie die größte Abweichung vor Beginn (Rambachan & Roth 2023)."
                if de
                else "Mbar = 1: after onset the trend deviates from one period to the next by "
                "at most as much as the largest deviation before onset (Rambachan & Roth 2023)."
            )
        else:
            notes.append(
                "M: um wie viel sich die Steigung der Trendabweichung je Periode höchstens "
                "ändert; M = 0 erlaubt einen linearen Trend (Rambachan & Roth 2023)."
                if de
                else "M: by how much the slope of the trend deviation changes per period at "
                "most; M = 0 allows a linear trend (Rambachan & Roth 2023)."
            )
        if "open_end" in self._table and self._table["open_end"].fillna(False).any():
            notes.append(
                "Mindestens ein Intervall reicht bis an den Rand des Gitters (kann breiter sein)."
                if de
                else "At least one interval reaches an end of the grid (it may be wider)."
            )
        title = (
            "Sensitivität gegenüber Verletzungen paralleler Trends"
            if de
            else "Sensitivity to violations of parallel trends"
        )
        return Summary(title, facts=facts, tables=[("", table)], notes=notes)

    def plot(self, ax=None, lang: Lang = "de"):
        """The confidence sets against ``Mbar`` / ``M``, the original interval on the left
        (as HonestDiD's ``createSensitivityPlot``)."""
        import matplotlib.pyplot as plt

        check_lang(lang)
        de = lang == "de"
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        t = self._table
        orig = t[t["method"] == "original"]
        rob = t[t["method"] != "original"]
        vals = rob["value"].to_numpy(dtype=float)
        step = np.diff(np.unique(vals)).min() if len(np.unique(vals)) > 1 else 1.0
        x0 = vals.min() - step
        ax.errorbar(
            [x0],
            [(orig["lb"].iloc[0] + orig["ub"].iloc[0]) / 2],
            yerr=[[(orig["ub"].iloc[0] - orig["lb"].iloc[0]) / 2]],
            fmt="none",
            color="C3",
            capsize=4,
            lw=2,
            label=_METHOD_TEXT["original"][0 if de else 1],
        )
        for k, (method, grp) in enumerate(rob.groupby("method", sort=False)):
            off = (k - (rob["method"].nunique() - 1) / 2) * step * 0.15
            ax.errorbar(
                grp["value"].to_numpy(dtype=float) + off,
                ((grp["lb"] + grp["ub"]) / 2).to_numpy(),
                yerr=((grp["ub"] - grp["lb"]) / 2).to_numpy(),
                fmt="none",
                color=f"C{k}",
                capsize=4,
                lw=2,
                label=_METHOD_TEXT[method][0 if de else 1],
            )
        ax.axhline(0, color="0.4", lw=0.8)
        if self.breakdown is not None and np.isfinite(self.breakdown.value):
            ax.axvline(self.breakdown.value, color="0.5", ls="--", lw=0.8)
        ax.set_xlabel("Mbar" if self.restriction == "relative_magnitude" else "M")
        ax.set_ylabel(self.target[0 if de else 1])
        ax.set_title(self.summary(lang).title)
        ax.legend()
        fig.tight_layout()
        return fig


def event_study_arrays(result, reference: int = -1):
    """``(betahat, sigma, num_pre, num_post, times)`` of an event-study-shaped result.

    The result must have one numeric key (``result.keys``, e.g. ``rel_time``/``event_time``),
    ``tidy()`` with ``estimate`` and ``vcov()``: a DataFrame whose rows and columns are the key
    values. The reference period (``reference``; also any row marked ``reference`` in
    ``tidy()``) is omitted; the remaining times must be consecutive on both sides of it.
    """
    vcov_fn = getattr(result, "vcov", None)
    if not callable(vcov_fn):
        raise DataError(
            f"{type(result).__name__} has no covariance matrix (result.vcov()); pass the "
            "coefficients and covariance as arrays: honest_did(betahat=..., sigma=..., "
            "num_pre=..., num_post=...)"
        )
    keys = list(getattr(result, "keys", []))
    if len(keys) != 1:
        raise DataError(f"honest_did needs an event study with one time key, got keys {keys}")
    key = keys[0]
    tidy = result.tidy()
    vc = vcov_fn()
    if not isinstance(vc, pd.DataFrame):
        raise DataError("result.vcov() must return a DataFrame labelled by the event times")
    drop = {reference}
    if "reference" in tidy.columns:
        drop |= set(tidy.loc[tidy["reference"].astype(bool), key].tolist())
    est = tidy.set_index(key)["estimate"]
    times = sorted(t for t in vc.index if t not in drop)
    missing = [t for t in times if t not in est.index or t not in vc.columns]
    if missing:
        raise DataError(f"vcov() has event times {missing} that tidy() or its columns lack")
    pre = [t for t in times if t < reference]
    post = [t for t in times if t > reference]
    if not pre or not post:
        raise DataError(
            f"honest_did needs pre- and post-periods around the reference period {reference}; "
            f"the event study has times {times}"
        )
    want_pre = list(range(reference - len(pre), reference))
    want_post = list(range(reference + 1, reference + 1 + len(post)))
    if pre != want_pre or post != want_post:
        raise DataError(
            f"the event times {times} are not consecutive around the reference period "
            f"{reference}; re-estimate without gaps (or pass arrays)"
        )
    b = est.loc[times].to_numpy(dtype=float)
    s = vc.loc[times, times].to_numpy(dtype=float)
    return b, s, len(pre), len(post), times


def _default_m(inp: EventStudyInput, alpha: float = 0.05) -> np.ndarray:
    """Ten values from 0 to an upper bound of the largest pre-period second difference
    (the upper end of its one-sided ``1 - alpha`` interval), or one standard error of the
    first coefficient when there is a single pre-period."""
    k = inp.num_pre
    if k == 1:
        top = float(np.sqrt(inp.sigma[0, 0]))
    else:
        # second differences of (beta_pre, 0) at the reference period
        n = k + 1
        full = np.zeros((n, k))
        full[:k, :k] = np.eye(k)
        d2 = np.array([[1.0, -2.0, 1.0]])
        rows = [np.pad(d2[0], (j, n - 3 - j)) for j in range(n - 2)]
        a = np.vstack(rows) @ full
        vals = a @ inp.betahat[:k]
        sds = np.sqrt(np.einsum("ij,jk,ik->i", a, inp.sigma[:k, :k], a))
        top = float(np.max(np.abs(vals) + stats.norm.ppf(1 - alpha) * sds))
    return np.linspace(0, top, 10)


def honest_did(
    result=None,
    *,
    method: Restriction = "relative_magnitude",
    mbar: Sequence[float] | None = None,
    m: Sequence[float] | None = None,
    e: Target = 0,
    l: Sequence[float] | None = None,  # noqa: E741 (HonestDiD's name)
    alpha: float = 0.05,
    inference: Literal["conditional", "hybrid", "flci"] | None = None,
    betahat=None,
    sigma=None,
    num_pre: int | None = None,
    num_post: int | None = None,
    reference: int = -1,
    grid_points: int = 1000,
    breakdown: bool = True,
    breakdown_tol: float = 1e-4,
    seed: int = 0,
) -> SensitivityResult:
    """Sensitivity analysis of an event study to violations of parallel trends.

    Rambachan & Roth (2023): robust confidence sets for ``theta = l'tau_post`` when the
    post-period bias may differ from the pre-trends, for a range of restrictions.

    Parameters
    ----------
    result
        An event-study-shaped result with ``keys`` (one time key), ``tidy()`` and ``vcov()``
        (``event_study``, ``sun_abraham``, ``att_gt(...).aggregate("dynamic")``). Leave it out
        and pass ``betahat``, ``sigma``, ``num_pre``, ``num_post`` for arrays.
    method
        ``"relative_magnitude"`` (``Delta^RM(Mbar)``) or ``"smoothness"`` (``Delta^SD(M)``).
    mbar, m
        The values of ``Mbar`` (default ``0, 0.25, ..., 2``) or ``M`` (default: ten values
        from 0 to an upper bound of the pre-period second differences).
    e
        The post-period whose effect is the target (0 = first year after onset, counted from
        the reference period), or ``"average"`` for the average over the post-periods.
    l
        Explicit weights on the post-periods (overrides ``e``).
    alpha
        One minus the confidence level.
    inference
        ``"hybrid"`` (default for relative magnitudes: the conditional least-favourable test of
        Andrews, Roth & Pakes), ``"conditional"``, or for smoothness ``"flci"`` (its default,
        the fixed-length interval).
    betahat, sigma, num_pre, num_post
        The arrays, when no result is given: pre-period then post-period coefficients without
        the reference period, their covariance, and the numbers of each.
    reference
        The reference (omitted) period of the result's time key.
    grid_points
        Number of values of ``theta`` tested (over ``+-20`` standard errors, as HonestDiD).
    breakdown, breakdown_tol
        Whether to compute the breakdown value, and its tolerance (relative to 1 for ``Mbar``
        and to the first pre-period standard error for ``M``).
    seed
        Seed of the draws for the least-favourable critical value (hybrid).

    Returns
    -------
    SensitivityResult
    """
    if method not in INFERENCE:
        raise OptionError(f"method must be 'relative_magnitude' or 'smoothness', got {method!r}")
    alpha = check_alpha(alpha)
    if inference is None:
        inference = "hybrid" if method == "relative_magnitude" else "flci"
    if inference not in INFERENCE[method]:
        raise OptionError(
            f"inference for {method!r} must be one of {INFERENCE[method]}, got {inference!r}"
        )
    if result is not None:
        if any(v is not None for v in (betahat, sigma, num_pre, num_post)):
            raise OptionError("pass either a result or the arrays betahat/sigma, not both")
        betahat, sigma, num_pre, num_post, times = event_study_arrays(result, reference)
    else:
        if any(v is None for v in (betahat, sigma, num_pre, num_post)):
            raise OptionError("without a result, betahat, sigma, num_pre and num_post are needed")
        times = list(range(reference - num_pre, reference)) + list(
            range(reference + 1, reference + 1 + num_post)
        )
    post_times = times[num_pre:]
    if l is not None:
        lv = l
        target = ("gewichtete Nachperioden (l)", "weighted post-periods (l)")
    elif e == "average":
        lv = np.full(num_post, 1.0 / num_post)
        target = ("Mittel der Nachperioden", "average of the post-periods")
    else:
        if not isinstance(e, int | np.integer):
            raise OptionError(f"e must be an integer event time or 'average', got {e!r}")
        pos = int(e) - (reference + 1)
        if not 0 <= pos < num_post:
            raise DataError(
                f"e = {e} is not a post-period of the event study (post-periods {post_times})"
            )
        lv = np.zeros(num_post)
        lv[pos] = 1.0
        target = (f"Effekt in e = {int(e)}", f"effect at e = {int(e)}")
    inp = check_input(betahat, sigma, num_pre, num_post, lv)
    if method == "relative_magnitude":
        if m is not None:
            raise OptionError("m belongs to method='smoothness'; use mbar for relative magnitudes")
        values = np.linspace(0, 2, 9) if mbar is None else np.asarray(mbar, dtype=float)
    else:
        if mbar is not None:
            raise OptionError("mbar belongs to method='relative_magnitude'; use m for smoothness")
        values = _default_m(inp, alpha) if m is None else np.asarray(m, dtype=float)
    values = np.atleast_1d(values)
    if values.size == 0 or not (np.isfinite(values).all() and (values >= 0).all()):
        raise OptionError("Mbar / M values must be finite numbers >= 0")
    z = stats.norm.ppf(1 - alpha / 2)
    rows: list[dict[str, Any]] = [
        {
            "restriction": method,
            "method": "original",
            "value": np.nan,
            "lb": inp.estimate - z * inp.std_error,
            "ub": inp.estimate + z * inp.std_error,
            "open_end": False,
        }
    ]
    for v in values:
        cs = confidence_set(
            inp,
            method,
            float(v),
            inference=inference,
            alpha=alpha,
            grid_points=grid_points,
            seed=seed,
        )
        rows.append(
            {
                "restriction": method,
                "method": inference,
                "value": float(v),
                "lb": cs.lb,
                "ub": cs.ub,
                "open_end": bool(getattr(cs, "open_end", False)),
            }
        )
        if isinstance(cs, ConfidenceSet) and cs.empty:
            raise DataError(
                f"the robust confidence set is empty at {method} = {v}: the pre-period "
                "coefficients are incompatible with this restriction; use larger values"
            )
    table = pd.DataFrame(rows)
    table["excludes_zero"] = (table["lb"] > 0) | (table["ub"] < 0)
    bd = None
    if breakdown:
        bd = breakdown_value(
            inp, method, inference=inference, alpha=alpha, tol=breakdown_tol, seed=seed
        )
    res = SensitivityResult(
        table,
        title="Sensitivity to violations of parallel trends",
        facts={
            "alpha": alpha,
            "breakdown": None if bd is None else bd.value,
            "inference": inference,
            "seed": seed,
        },
    )
    res.breakdown = bd
    res.input = inp
    res.restriction = method
    res.target = target
    return res
