"""The public sensitivity analysis: :func:`honest_did` on results or arrays."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from ..i18n import Lang, Text, check_lang, number_text, percent, same, term, tr
from ..options import Restriction, SensitivityInference, check_option
from ..results import TableResult, display_frame, figure_axes
from .core import (
    INFERENCE,
    Breakdown,
    ConfidenceSet,
    EventStudyInput,
    OptionError,
    breakdown_value,
    check_alpha,
    check_input,
    confidence_set,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["SensitivityResult", "event_study_arrays", "honest_did"]

Target = int | Literal["average"]

TITLE = Text(
    "Sensitivität gegenüber Verletzungen paralleler Trends",
    "Sensitivity to violations of parallel trends",
)
METHOD_TEXT: dict[str, Text] = {
    "original": Text("Original (parallele Trends)", "Original (parallel trends)"),
    "conditional": Text("bedingt (ARP)", "conditional (ARP)"),
    "hybrid": Text(
        "hybrid (bedingt / least favourable)", "hybrid (conditional / least favourable)"
    ),
    "flci": Text("FLCI (feste Länge)", "FLCI (fixed length)"),
}
RESTRICTION_TEXT: dict[str, Text] = {
    "relative_magnitude": Text("relative Größen (Mbar)", "relative magnitudes (Mbar)"),
    "smoothness": Text("Glattheit (M)", "smoothness (M)"),
}
PARAMETER = {"relative_magnitude": "Mbar", "smoothness": "M"}
FACT_LABELS: dict[str, Text] = {
    "restriction": Text("Restriktion", "Restriction"),
    "target": Text("Zielgröße", "Target"),
    "periods": Text("Vor- / Nachperioden", "Pre- / post-periods"),
    "level": Text("Niveau", "Level"),
    "breakdown": Text("Breakdown-Wert", "Breakdown value"),
}
TARGET_L = Text("gewichtete Nachperioden (l)", "weighted post-periods (l)")
TARGET_AVERAGE = Text("Mittel der Nachperioden", "average of the post-periods")
TARGET_E = Text("Effekt in e = {e}", "effect at e = {e}")
BREAKDOWN_ZERO = Text(
    "Schon unter parallelen Trends schließt das Konfidenzintervall 0 nicht aus.",
    "Even under parallel trends the confidence interval does not exclude 0.",
)
BREAKDOWN_NONE = Text(
    "Bis {par} = {upper} schließt das robuste Intervall 0 aus.",
    "Up to {par} = {upper} the robust interval excludes 0.",
)
BREAKDOWN_AT = Text(
    "Breakdown-Wert: Bis {par} = {value} (Genauigkeit {tol}) schließt das robuste "
    "Konfidenzintervall 0 aus; darüber ist der Effekt mit 0 vereinbar.",
    "Breakdown value: up to {par} = {value} (to within {tol}) the robust confidence interval "
    "excludes 0; beyond it the effect is compatible with 0.",
)
RM_NOTE = Text(
    "Mbar = 1: nach Beginn weicht der Trend von Periode zu Periode höchstens so stark ab wie "
    "die größte Abweichung vor Beginn (Rambachan & Roth 2023).",
    "Mbar = 1: after onset the trend deviates from one period to the next by at most as much "
    "as the largest deviation before onset (Rambachan & Roth 2023).",
)
SD_NOTE = Text(
    "M: um wie viel sich die Steigung der Trendabweichung je Periode höchstens ändert; M = 0 "
    "erlaubt einen linearen Trend (Rambachan & Roth 2023).",
    "M: by how much the slope of the trend deviation changes per period at most; M = 0 "
    "allows a linear trend (Rambachan & Roth 2023).",
)
OPEN_END_NOTE = Text(
    "Mindestens ein Intervall reicht bis an den Rand des Gitters (kann breiter sein).",
    "At least one interval reaches an end of the grid (it may be wider).",
)


class SensitivityResult(TableResult):
    """Robust confidence sets for ``theta = l'tau_post`` against ``Mbar`` or ``M``.

    ``tidy()`` has one row per value with ``restriction``, ``method``, ``value``, ``lb``,
    ``ub``, ``excludes_zero`` and ``open_end`` (the set reached an end of the grid), plus a
    first row with ``method = "original"``: the interval under exact parallel trends.

    Parameters
    ----------
    table
        The table described above.
    breakdown
        The :class:`~evaluation.sensitivity.core.Breakdown` (None when not computed).
    input
        The coefficients, covariance and weights that were used.
    restriction
        ``"relative_magnitude"`` or ``"smoothness"``.
    target
        What ``theta`` is, in words.
    **kwargs
        ``title``, ``facts``, ``notes``, ``call`` as for
        :class:`~evaluation.results.TableResult`.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        breakdown: Breakdown | None,
        input: EventStudyInput,  # noqa: A002 (the documented attribute name)
        restriction: str,
        target: Text,
        **kwargs: Any,
    ) -> None:
        #: the breakdown value (None when not computed)
        self.breakdown = breakdown
        #: the coefficients, covariance and weights that were used
        self.input = input
        #: the restriction: ``"relative_magnitude"`` or ``"smoothness"``
        self.restriction = restriction
        #: what ``theta`` is
        self.target = target
        super().__init__(table, **kwargs)

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        facts = [
            (FACT_LABELS["restriction"](lang), RESTRICTION_TEXT[self.restriction](lang)),
            (FACT_LABELS["target"](lang), self.target(lang)),
            (FACT_LABELS["periods"](lang), f"{self.input.num_pre} / {self.input.num_post}"),
            (FACT_LABELS["level"](lang), percent(1 - self.facts["alpha"], lang, 0)),
        ]
        if self.breakdown is not None:
            facts.append(
                (FACT_LABELS["breakdown"](lang), number_text(self.breakdown.value, 4)(lang))
            )
        return facts

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        t = self._table[["method", "value", "lb", "ub", "excludes_zero"]].copy()
        t["method"] = [METHOD_TEXT[m](lang) for m in t["method"]]
        t["excludes_zero"] = [YES_NO[bool(v)](lang) for v in t["excludes_zero"]]
        shown = display_frame(t, lang).rename(columns={term("value", lang): "Mbar / M"})
        return [("", shown)]

    def plot(self, ax: Axes | None = None, *, lang: Lang = "de") -> Figure:
        """The confidence sets against ``Mbar`` / ``M``, the original interval on the left
        (as HonestDiD's ``createSensitivityPlot``)."""
        check_lang(lang)
        fig, ax = figure_axes(ax, (7, 4))
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
            label=METHOD_TEXT["original"](lang),
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
                label=METHOD_TEXT[str(method)](lang),
            )
        ax.axhline(0, color="0.4", lw=0.8)
        if self.breakdown is not None and np.isfinite(self.breakdown.value):
            ax.axvline(self.breakdown.value, color="0.5", ls="--", lw=0.8)
        ax.set_xlabel(PARAMETER[self.restriction])
        ax.set_ylabel(self.target(lang))
        ax.set_title(tr(self.title, lang))
        ax.legend()
        fig.tight_layout()
        return fig


YES_NO = (Text("nein", "no"), Text("ja", "yes"))


def _notes(restriction: str, bd: Breakdown | None, table: pd.DataFrame) -> list[Text]:
    """The notes of a sensitivity result: the breakdown value in words, what the
    restriction's parameter means, and whether a set reached the grid's end."""
    notes = []
    par = same(PARAMETER[restriction])
    if bd is not None:
        if bd.value == 0:
            notes.append(BREAKDOWN_ZERO)
        elif np.isinf(bd.value):
            notes.append(BREAKDOWN_NONE.format(par=par, upper=number_text(bd.upper, 4)))
        else:
            notes.append(
                BREAKDOWN_AT.format(
                    par=par, value=number_text(bd.value, 4), tol=number_text(bd.tol, 6)
                )
            )
    notes.append(RM_NOTE if restriction == "relative_magnitude" else SD_NOTE)
    if table["open_end"].fillna(False).astype(bool).any():
        notes.append(OPEN_END_NOTE)
    return notes


def event_study_arrays(
    result: Any, reference: int = -1
) -> tuple[np.ndarray, np.ndarray, int, int, list[Any]]:
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
    result: Any = None,
    *,
    method: Restriction = "relative_magnitude",
    mbar: Sequence[float] | None = None,
    m: Sequence[float] | None = None,
    e: Target = 0,
    l: Sequence[float] | None = None,  # noqa: E741 (HonestDiD's name)
    alpha: float = 0.05,
    inference: SensitivityInference | None = None,
    betahat: Any = None,
    sigma: Any = None,
    num_pre: int | None = None,
    num_post: int | None = None,
    reference: int | None = None,
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
        (``event_study``, ``sun_abraham``, ``att_gt(...).aggregate("dynamic")``): the
        coefficients are its estimates and ``sigma`` its ``vcov()``, the reference periods
        left out. Leave it out and pass ``betahat``, ``sigma``, ``num_pre``, ``num_post`` for
        arrays.
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
        The reference (omitted) period of the result's time key; default the result's own
        (``result.call["reference"]``, as ``event_study`` keeps it), else -1.
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
    check_option("method", method, Restriction)
    alpha = check_alpha(alpha)
    if reference is None:
        reference = int((getattr(result, "call", None) or {}).get("reference", -1))
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
        if betahat is None or sigma is None or num_pre is None or num_post is None:
            raise OptionError("without a result, betahat, sigma, num_pre and num_post are needed")
        times = list(range(reference - num_pre, reference)) + list(
            range(reference + 1, reference + 1 + num_post)
        )
    post_times = times[num_pre:]
    lv: Sequence[float] | np.ndarray
    if l is not None:
        lv = l
        target = TARGET_L
    elif e == "average":
        lv = np.full(num_post, 1.0 / num_post)
        target = TARGET_AVERAGE
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
        target = TARGET_E.format(e=int(e))
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
    return SensitivityResult(
        table,
        breakdown=bd,
        input=inp,
        restriction=method,
        target=target,
        title=TITLE,
        facts={
            "alpha": alpha,
            "breakdown": None if bd is None else bd.value,
            "inference": inference,
            "seed": seed,
        },
        notes=_notes(method, bd, table),
        call={"method": method, "e": e, "alpha": alpha, "inference": inference,
              "reference": reference, "grid_points": grid_points, "seed": seed},
    )  # fmt: skip
