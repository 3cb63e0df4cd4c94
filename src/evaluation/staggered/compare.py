"""Every staggered estimator on one panel: :func:`compare_estimators`.

A referee asks whether the headline survives the other heterogeneity-robust estimators. One
call runs them with shared roles, window and reference period and puts their event-study
paths and overall effects into one tidy table:

- ``att_gt``: Callaway & Sant'Anna, dynamic aggregation over the window; overall = the
  mean of the event-time effects >= 0 in the window (R ``aggte(type = "dynamic")``);
- ``sun_abraham``: interaction-weighted event study; overall = its own ``overall``;
- ``did_imputation``: Borusyak, Jaravel & Spiess, effects at horizons >= 0; overall = the
  static effect (all treated observations);
- ``did_two_stage``: Gardner's two-stage DiD, event-time effects; overall = the static
  effect;
- ``event_study``: the dynamic two-way fixed effects regression (not robust to
  heterogeneous effects: the benchmark the others correct); overall = the equally weighted
  mean of its coefficients at event times >= 0, with the variance from its covariance.

Each row keeps the interval and p-value of its own estimator's inference (normal or t with
G-1 degrees of freedom), so the rows of one estimator equal that estimator called on its own.
An estimator that fails is a note in the result; only when all fail is it an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError, EvaluationError, OptionError
from ..i18n import Lang, Text, check_lang, number, term, tr
from ..options import CompareEstimator, ControlGroup, check_option, choices
from ..panel.results import EventStudyResult
from ..results.base import TableResult, check_level
from ..results.plotting import figure_axes
from ..results.summary import display_frame, fact_text
from .results import GroupTimeEffects, SunAbrahamEffects

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: the estimators of :func:`compare_estimators`, in the order they are shown
ESTIMATORS: tuple[str, ...] = choices(CompareEstimator)
#: their names for a reader
ESTIMATOR_NAMES: dict[str, Text] = {
    "att_gt": Text("Callaway & Sant'Anna", "Callaway & Sant'Anna"),
    "sun_abraham": Text("Sun & Abraham", "Sun & Abraham"),
    "did_imputation": Text(
        "Imputation (Borusyak, Jaravel & Spiess)", "Imputation (Borusyak, Jaravel & Spiess)"
    ),
    "did_two_stage": Text("Zweistufig (Gardner)", "Two-stage (Gardner)"),
    "event_study": Text("TWFE-Ereignisstudie", "TWFE event study"),
}
COLUMNS = (
    "estimator",
    "term",
    "event_time",
    "estimate",
    "std_error",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
)
TITLE = Text("Vergleich der gestaffelten Schätzer", "Comparison of staggered estimators")
FAILED = Text("{name}: nicht geschätzt ({message})", "{name}: not estimated ({message})")
NOTES = (
    Text(
        "Jede Zeile mit Standardfehler, Intervall und p-Wert des eigenen Schätzers "
        "(Normal- oder t-Verteilung wie dort). Gesamteffekt: C&S Mittel der Effekte ab "
        "Jahr 0 im Fenster; Sun & Abraham Mittel der Effekte ab Jahr 0; Imputation und "
        "zweistufig der statische Effekt aller behandelten Beobachtungen; TWFE-Ereignisstudie "
        "ungewichtetes Mittel der Koeffizienten ab Jahr 0.",
        "Each row with the standard error, interval and p-value of its own estimator (normal "
        "or t distribution as there). Overall effect: C&S the mean of the effects from year "
        "0 in the window; Sun & Abraham the mean of the effects from year 0; imputation and "
        "two-stage the static effect of all treated observations; TWFE event study the "
        "unweighted mean of the coefficients from year 0.",
    ),
    Text(
        "Die TWFE-Ereignisstudie ist bei zeitlich oder zwischen Kohorten verschiedenen "
        "Effekten verzerrt; sie steht als Vergleich dabei.",
        "The TWFE event study is biased when effects differ over time or between cohorts; "
        "it is shown as the benchmark.",
    ),
)
#: errors of an estimator that make it a note instead of an exception
_FAILURES = (EvaluationError, ValueError, np.linalg.LinAlgError)


class EstimatorComparison(TableResult):
    """The event-study paths and overall effects of several staggered estimators.

    ``tidy()`` has one row per estimator and event time (``term == "event_time"``) and one
    overall row per estimator (``term == "overall"``, ``event_time`` missing), with
    ``estimate``, ``std_error``, ``statistic``, ``p_value``, ``ci_low`` and ``ci_high`` from the
    estimator's own inference. ``results`` holds every estimator's own result objects (by
    code: the path and the overall result), ``failed`` the codes and messages of those that
    failed. :meth:`overall` gives the overall rows, :meth:`plot` draws all paths on one axis.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        results: dict[str, dict[str, Any]],
        failed: dict[str, str],
        level: float,
        outcome: str | None = None,
        call: dict[str, Any] | None = None,
    ) -> None:
        self.results = dict(results)
        self.failed = dict(failed)
        self.level = level
        notes: list[Text] = [
            FAILED.format(name=ESTIMATOR_NAMES[k], message=m) for k, m in failed.items()
        ]
        super().__init__(
            table,
            title=TITLE,
            notes=[*notes, *NOTES],
            outcome=outcome,
            call=call,
        )

    @property
    def estimators(self) -> list[str]:
        """The codes of the estimators that produced estimates, in order."""
        return list(dict.fromkeys(self._table["estimator"]))

    def overall(self) -> pd.DataFrame:
        """The overall row of every estimator (``estimator`` and the estimate columns)."""
        t = self.tidy()
        out = t[t["term"] == "overall"].drop(columns=["term", "event_time"])
        return out.reset_index(drop=True)

    def path(self, estimator: str) -> pd.DataFrame:
        """The event-time rows of one estimator."""
        check_option("estimator", estimator, CompareEstimator)
        t = self.tidy()
        keep = (t["estimator"] == estimator) & (t["term"] == "event_time")
        return t[keep].reset_index(drop=True)

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        out = super()._summary_facts(lang)
        out.append((term("confidence_level", lang), fact_text(self.level, lang, as_percent=True)))
        for code in self.estimators:
            method = getattr(self.results[code].get("path"), "method", None)
            out.append((tr(ESTIMATOR_NAMES[code], lang), tr(method, lang) if method else ""))
        return out

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        return [("", display_frame(self.wide(lang), lang))]

    def wide(self, lang: Lang = "de", digits: int = 4) -> pd.DataFrame:
        """A table for a reader: rows event times and "overall", columns the estimators,
        cells ``estimate (std_error)`` in the reader's number format."""
        check_lang(lang)
        t = self.tidy()
        row = [
            term("overall", lang) if k == "overall" else number(int(e), lang)
            for k, e in zip(t["term"], t["event_time"], strict=True)
        ]
        cell = [
            f"{number(e, lang, digits)} ({number(s, lang, digits)})"
            for e, s in zip(t["estimate"], t["std_error"], strict=True)
        ]
        cells = pd.DataFrame(
            {"row": row, "estimator": [tr(ESTIMATOR_NAMES[c], lang) for c in t["estimator"]]}
        ).assign(cell=cell)
        times = sorted({int(e) for e in t["event_time"].dropna()})
        order = [number(e, lang) for e in times] + [term("overall", lang)]
        names = [tr(ESTIMATOR_NAMES[c], lang) for c in self.estimators]
        wide = cells.pivot(index="row", columns="estimator", values="cell")
        wide = wide.reindex(index=[o for o in order if o in wide.index], columns=names)
        wide = wide.fillna("").reset_index()
        return wide.rename(columns={"row": "event_time"})

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """All event-study paths on one axis, slightly offset, with their intervals."""
        check_lang(lang)
        fig, ax = figure_axes(ax, figsize=(7.5, 4.2))
        t = self.tidy()
        paths = t[t["term"] == "event_time"]
        codes = [c for c in self.estimators if (paths["estimator"] == c).any()]
        width = 0.5
        step = width / max(len(codes), 1)
        markers = "osD^v"
        for i, code in enumerate(codes):
            p = paths[paths["estimator"] == code].sort_values("event_time")
            x = p["event_time"].to_numpy(dtype=float) + (i - (len(codes) - 1) / 2) * step
            y = p["estimate"].to_numpy(dtype=float)
            lo = p["ci_low"].to_numpy(dtype=float)
            hi = p["ci_high"].to_numpy(dtype=float)
            err = np.vstack([y - lo, hi - y])
            err = np.where(np.isfinite(err), err, 0.0)
            ax.errorbar(
                x,
                y,
                yerr=err,
                fmt=markers[i % len(markers)],
                color=f"C{i}",
                ms=4,
                capsize=2,
                lw=1,
                label=tr(ESTIMATOR_NAMES[code], lang),
            )
        ax.axhline(0, color="0.4", lw=0.8)
        ax.axvline(-0.5, color="0.6", lw=0.8, ls="--")
        ax.set_xlabel(term("event_time", lang))
        ax.set_ylabel(term("estimate", lang))
        if codes:
            ax.legend(fontsize="small", frameon=False)
        ax.set_title(title if title is not None else tr(TITLE, lang))
        fig.tight_layout()
        return fig


def _rows(
    code: str, kind: str, tidy: pd.DataFrame, window: tuple[int, int] | None = None
) -> pd.DataFrame:
    """The estimate columns of ``tidy`` as rows of the comparison."""
    out = pd.DataFrame(
        {
            "estimator": code,
            "term": kind,
            "event_time": (
                pd.array(tidy["event_time"].to_numpy(dtype=int), dtype="Int64")
                if kind == "event_time"
                else pd.array([pd.NA] * len(tidy), dtype="Int64")
            ),
        }
    )
    for c in COLUMNS[3:]:
        out[c] = tidy[c].to_numpy(dtype=float)
    if window is not None:
        e = out["event_time"].astype(int)
        out = out[(e >= window[0]) & (e <= window[1])]
    return out


def _event_study_overall(res: Any, level: float) -> pd.DataFrame:
    """The unweighted mean of the event-study coefficients at event times >= 0."""
    cov = res.vcov()
    post = [e for e in cov.index if int(e) >= 0]
    if not post:
        raise DataError("the event study has no coefficient at event times >= 0")
    est = res.params.loc[post].to_numpy(dtype=float)
    w = np.full(len(post), 1.0 / len(post))
    v = cov.loc[post, post].to_numpy(dtype=float)
    b = float(w @ est)
    se = float(np.sqrt(w @ v @ w))
    crit = res.inference.critical_value(level)
    z = b / se if se > 0 else np.nan
    return pd.DataFrame(
        {
            "estimate": [b],
            "std_error": [se],
            "statistic": [z],
            "p_value": res.inference.p_values(np.array([z])),
            "ci_low": [b - crit * se],
            "ci_high": [b + crit * se],
        }
    )


def _run(
    code: str,
    data: pd.DataFrame,
    roles: dict[str, Any],
    *,
    control_group: ControlGroup,
    window: tuple[int, int],
    reference: int,
    covariates: list[str] | None,
    weights: str | None,
    level: float,
    att_gt_options: dict[str, Any],
    fitted: Any = None,
) -> tuple[dict[str, Any], list[pd.DataFrame]]:
    """One estimator (or its ``fitted`` result): its result objects and its rows."""
    from ..panel.twfe import event_study
    from ._attgt import att_gt
    from ._sunab import sun_abraham
    from .imputation import did_imputation
    from .two_stage import did_two_stage

    lo, hi = window
    common: dict[str, Any] = {**roles, "covariates": covariates, "weights": weights, "level": level}
    if code == "att_gt":
        cs = fitted or att_gt(data, control_group=control_group, **common, **att_gt_options)
        dyn = cs.aggregate("dynamic", min_e=lo, max_e=hi)
        return (
            {"path": dyn, "overall": dyn.overall, "group_time": cs},
            [_rows(code, "event_time", dyn.tidy()), _rows(code, "overall", dyn.overall.tidy())],
        )
    if code == "sun_abraham":
        sa = fitted or sun_abraham(
            data, control_group="never_treated", reference=reference, **common
        )
        if sa.overall is None:
            raise DataError("Sun & Abraham gave no overall effect (no event time >= 0)")
        return (
            {"path": sa, "overall": sa.overall},
            [
                _rows(code, "event_time", sa.tidy(), window),
                _rows(code, "overall", sa.overall.tidy()),
            ],
        )
    if code == "did_imputation":
        dyn_i = did_imputation(data, horizons=True, **common)
        static_i = did_imputation(data, **common)
        return (
            {"path": dyn_i, "overall": static_i},
            [
                _rows(code, "event_time", dyn_i.tidy(), window),
                _rows(code, "overall", static_i.tidy()),
            ],
        )
    if code == "did_two_stage":
        dyn_t = did_two_stage(data, horizons=True, reference=reference, **common)
        static_t = did_two_stage(data, reference=reference, **common)
        return (
            {"path": dyn_t, "overall": static_t},
            [
                _rows(code, "event_time", dyn_t.tidy(), window),
                _rows(code, "overall", static_t.tidy()),
            ],
        )
    es = fitted or event_study(
        data, leads=-lo, lags=hi, reference=reference, cluster="unit", n_draws=None, **common
    )
    tidy = es.tidy()
    tidy = tidy[~tidy["reference"].astype(bool)]
    return (
        {"path": es},
        [_rows(code, "event_time", tidy), _rows(code, "overall", _event_study_overall(es, level))],
    )


def compare_estimators(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    estimators: Sequence[CompareEstimator] = ESTIMATORS,  # type: ignore[assignment]
    control_group: ControlGroup = "never_treated",
    window: tuple[int, int] = (-5, 5),
    reference: int = -1,
    covariates: Sequence[str] | None = None,
    weights: str | None = None,
    level: float = 0.95,
    att_gt_options: dict[str, Any] | None = None,
    fitted: Mapping[str, Any] | None = None,
) -> EstimatorComparison:
    """Run several staggered estimators on one panel and compare their event-study paths.

    Parameters
    ----------
    data, outcome, unit, time, cohort
        Long panel and its column roles (default from ``data.attrs["roles"]``; cohort 0 or
        missing = never treated).
    estimators
        Codes out of ``"att_gt"``, ``"sun_abraham"``, ``"did_imputation"``,
        ``"did_two_stage"`` and ``"event_study"`` (default: all, in that order).
    control_group
        Comparison units of ``att_gt`` (``"never_treated"`` or ``"not_yet_treated"``). Sun &
        Abraham compares with the never treated units; imputation, two-stage and the event
        study use every untreated observation (never and not yet treated).
    window
        First and last event time of the paths (``att_gt``'s dynamic aggregation uses it as
        ``min_e``/``max_e``; the event study as ``leads``/``lags`` with binned endpoints; the
        other paths are cut to it).
    reference
        Omitted event time of Sun & Abraham, the two-stage event study and the TWFE event
        study (``att_gt`` with the varying base period has none).
    covariates, weights, level
        Passed to every estimator.
    att_gt_options
        Further keywords of :func:`evaluation.att_gt` (e.g. ``{"method": "reg"}``,
        ``{"unbalanced": "pairwise"}``).
    fitted
        Results already computed on the same panel, used instead of running the estimator
        again: ``"att_gt"`` a :func:`evaluation.att_gt` result (its dynamic aggregation over
        ``window`` is taken), ``"sun_abraham"`` a :func:`evaluation.sun_abraham` result,
        ``"event_study"`` a :func:`evaluation.event_study` result (e.g. with its own
        simultaneous bands). The caller answers for their options matching the shared ones.

    Returns
    -------
    EstimatorComparison
        ``tidy()``, ``overall()``, ``path(code)``, ``wide(lang)``, ``summary(lang)`` and
        ``plot(ax=)``; the estimators' own results in ``results``, failures in ``failed``
        (and as notes).

    Raises
    ------
    OptionError
        For an unknown estimator code or control group, or a bad window.
    DataError
        When every estimator fails (the message names each failure).

    Examples
    --------
    >>> cmp = ev.compare_estimators(mpdta, "lemp", unit="countyreal", time="year",
    ...                             cohort="first.treat", window=(-3, 3))  # doctest: +SKIP
    >>> cmp.overall()  # doctest: +SKIP
    """
    if isinstance(estimators, str) or not len(estimators):
        raise OptionError(
            f"estimators must be a non-empty list out of {list(ESTIMATORS)}, got {estimators!r}"
        )
    codes = [check_option("estimator", c, CompareEstimator) for c in estimators]
    if len(set(codes)) != len(codes):
        raise OptionError(f"estimators lists an estimator twice: {list(estimators)}")
    check_option("control_group", control_group, ControlGroup)
    if (
        not isinstance(window, Sequence)
        or len(window) != 2
        or not all(isinstance(w, int | np.integer) and not isinstance(w, bool) for w in window)
        or not window[0] < 0 <= window[1]
    ):
        raise OptionError(
            f"window must be two whole numbers (first, last event time) with first < 0 <= "
            f"last, e.g. (-5, 5); got {window!r}"
        )
    if isinstance(reference, bool) or not isinstance(reference, int | np.integer):
        raise OptionError(f"reference must be a whole number (e.g. -1), got {reference!r}")
    level = check_level(level)
    options = dict(att_gt_options or {})
    for reserved in ("control_group", "covariates", "weights", "level", "outcome"):
        if reserved in options:
            raise OptionError(
                f"att_gt_options must not set {reserved!r}: give it to compare_estimators"
            )
    fitted = dict(fitted or {})
    kinds = {"att_gt": GroupTimeEffects, "sun_abraham": SunAbrahamEffects}
    for k, v in fitted.items():
        if k not in ("att_gt", "sun_abraham", "event_study") or k not in codes:
            raise OptionError(
                f"fitted takes results of 'att_gt', 'sun_abraham' or 'event_study' that are "
                f"also in estimators; got {k!r}"
            )
        want = kinds.get(k, EventStudyResult)
        if not isinstance(v, want):
            raise OptionError(f"fitted[{k!r}] must be a {want.__name__}, got {type(v).__name__}")
    roles = {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort}
    covs = list(covariates) if covariates else None
    win = (int(window[0]), int(window[1]))
    results: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    frames: list[pd.DataFrame] = []
    for code in codes:
        try:
            res, rows = _run(
                code,
                data,
                roles,
                control_group=control_group,
                window=win,
                reference=int(reference),
                covariates=covs,
                weights=weights,
                level=level,
                att_gt_options=options,
                fitted=fitted.get(code),
            )
        except OptionError:
            raise
        except _FAILURES as exc:
            failed[code] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            continue
        results[code] = res
        frames.extend(rows)
    if not results:
        raise DataError(
            "compare_estimators: every estimator failed: "
            + "; ".join(f"{k}: {m}" for k, m in failed.items())
        )
    table = pd.concat(frames, ignore_index=True)[list(COLUMNS)]
    first = next(iter(results.values()))["path"]
    call = {
        "estimators": codes,
        "control_group": control_group,
        "window": win,
        "reference": int(reference),
        "covariates": covs,
        "weights": weights,
        "level": level,
        "att_gt_options": options,
        "fitted": sorted(fitted),
    }
    return EstimatorComparison(
        table,
        results=results,
        failed=failed,
        level=level,
        outcome=getattr(first, "outcome", None) or outcome,
        call=call,
    )
