"""Time to implementation: Kaplan-Meier curves, median times and a Cox model."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from ..i18n import Lang, Text
from ..options import Discontinued, Unreported, check_option, renamed_keywords
from ..results import Estimates, Inference, check_level
from ._data import (
    DISCONTINUED,
    IMPLEMENTED,
    N_REPORTS,
    REPORT_NUMBERS,
    measure_status,
    normalise_by,
)
from ._results import ImplementationResult, level_text
from .rates import group_codes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TITLE = Text("Zeit bis zur Umsetzung", "Time to implementation")
TIME_NOTE = Text(
    "Zeit = Berichtsnummer (Berichtsjahr minus Zertifizierungsjahr) des ersten Berichts "
    "„umgesetzt“; zensiert beim letzten Bericht bis Bericht {last}. Eingestellte Maßnahmen "
    "{how}",
    "Time = report number (report year minus certification year) of the first report "
    "'implemented'; censored at the last report up to report {last}. Discontinued measures "
    "{how}",
)
DISCONTINUED_HOW = {
    "not_implemented": Text(
        "bleiben bis zum Ende ihrer Beobachtung ohne das Ereignis unter Risiko.",
        "stay at risk without the event until the end of their follow-up.",
    ),
    "censored": Text(
        "werden beim Bericht zensiert, der sie zuerst als eingestellt meldet.",
        "are censored at the report that first says discontinued.",
    ),
}
KM_TEXT = Text(
    "Kaplan-Meier mit Greenwood-Standardfehlern; punktweise Log-Log-Intervalle ({level}); "
    "Median = erste Berichtsnummer, bei der höchstens die Hälfte nicht umgesetzt ist, sein "
    "Intervall aus dem punktweisen Intervall (Maßnahmen als unabhängig behandelt).",
    "Kaplan-Meier with Greenwood standard errors; pointwise log-log intervals ({level}); "
    "median = first report number with at most half not implemented, its interval from the "
    "pointwise interval (measures treated as independent).",
)
COX_TEXT = Text(
    "Cox-Modell proportionaler Hazards (statsmodels PHReg, Efron-Bindungen), robuste "
    "Standardfehler mit Kommunen als Clustern (Sandwich aus den Efron-Score-Residuen, ohne "
    "Kleinstichprobenfaktor, wie coxph in R survival). Referenz: {reference}. Hazard Ratios "
    "> 1: früher umgesetzt.",
    "Cox proportional hazards (statsmodels PHReg, Efron ties), robust standard errors "
    "clustered by municipality (sandwich from the Efron score residuals, no small-sample "
    "factor, as R survival's coxph). Reference: {reference}. Hazard ratios > 1: implemented "
    "sooner.",
)
NO_COX = Text(
    "Kein Cox-Modell: Gruppe(n) ohne jede umgesetzte Maßnahme ({groups}).",
    "No Cox model: group(s) without any implemented measure ({groups}).",
)
NO_MEDIAN = Text(
    "Median oder seine obere Grenze leer: weniger als die Hälfte der Maßnahmen ist bis Bericht "
    "{last} umgesetzt (oder das Intervall kreuzt die Hälfte nicht).",
    "Median or its upper limit empty: fewer than half of the measures are implemented by "
    "report {last} (or the interval does not cross one half).",
)
NO_FOLLOW_UP = Text(
    "{k} Maßnahme(n) aus Audits ohne fälligen Jahresbericht bleiben außen vor.",
    "{k} measure(s) of audits without a due annual report are left out.",
)
MEDIAN_CAPTION = Text("Median", "Median")
COX_CAPTION = Text("Cox-Modell (Hazard Ratios)", "Cox model (hazard ratios)")
COX_TITLE = Text("Cox-Modell (Log-Hazard-Ratios)", "Cox model (log hazard ratios)")
COX_METHOD = Text("Cox-Modell (PH)", "Cox PH")


def implementation_times(
    status: np.ndarray,
    reported: np.ndarray,
    due: np.ndarray,
    discontinued: Discontinued = "not_implemented",
) -> tuple[np.ndarray, np.ndarray]:
    """Report number of the first ``implemented`` status (event) or of censoring, per measure.

    Follow-up ends at the last due report up to 3. A measure not implemented by then is
    censored at its last report row within the follow-up (at the end of the follow-up if it
    has none, e.g. with ``unreported="planned"``). A measure discontinued before being
    implemented is censored at the end of its follow-up (``discontinued="not_implemented"``:
    it stays at risk without the event, as it cannot be implemented any more) or at the report
    that first says discontinued (``discontinued="censored"``: discontinuing treated as
    non-informative censoring).

    Parameters
    ----------
    status
        Status index per measure (rows) and report number 0-3 (columns), carried forward.
    reported
        Whether a report row exists there.
    due
        The last report number due per measure.
    discontinued
        ``"not_implemented"`` or ``"censored"`` (see above).

    Returns
    -------
    tuple of numpy.ndarray
        The time (report number) and the event indicator (1 = implemented) per measure.
    """
    end = np.minimum(due, N_REPORTS)
    k = np.arange(N_REPORTS + 1)
    within = k[None, :] <= end[:, None]
    impl = (status == IMPLEMENTED) & within
    has_event = impl.any(axis=1)
    first_impl = np.where(has_event, impl.argmax(axis=1), -1)
    rep = reported & within
    last_rep = np.where(rep.any(axis=1), N_REPORTS - rep[:, ::-1].argmax(axis=1), end)
    disc = (status == DISCONTINUED) & within
    has_disc = disc.any(axis=1)
    first_disc = np.where(has_disc, disc.argmax(axis=1), -1)
    time = np.where(has_event, first_impl, last_rep).astype(float)
    stopped = ~has_event & has_disc
    if discontinued == "not_implemented":
        time[stopped] = end[stopped]
    else:
        time[stopped] = first_disc[stopped]
    return time, has_event.astype(np.int64)


def kaplan_meier(time: np.ndarray, event: np.ndarray, level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier estimate at report numbers 0-3 with Greenwood SE and a log-log interval.

    Parameters
    ----------
    time
        Report number of the event or of censoring, per measure.
    event
        1 for an event (implemented), 0 for censoring.
    level
        Confidence level of the pointwise interval.

    Returns
    -------
    pandas.DataFrame
        ``report_number``, ``n_at_risk``, ``n_events``, ``n_censored``, ``survival``,
        ``std_error`` (Greenwood, of the survival), ``surv_low``, ``surv_high``.
    """
    z = stats.norm.isf((1 - level) / 2)
    t = np.array(REPORT_NUMBERS, dtype=float)
    at_risk = (time[None, :] >= t[:, None]).sum(axis=1).astype(float)
    d = ((time[None, :] == t[:, None]) & (event[None, :] == 1)).sum(axis=1).astype(float)
    c = ((time[None, :] == t[:, None]) & (event[None, :] == 0)).sum(axis=1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(at_risk > 0, d / at_risk, 0.0)
        surv = np.cumprod(1 - h)
        gw = np.cumsum(np.where(at_risk > d, d / (at_risk * (at_risk - d)), 0.0))
        se = surv * np.sqrt(gw)
        log_s = np.log(surv)
        se_ll = np.sqrt(gw) / np.abs(log_s)
        low = surv ** np.exp(z * se_ll)
        high = surv ** np.exp(-z * se_ll)
    inner = (surv > 0) & (surv < 1)
    low = np.where(inner, low, surv)
    high = np.where(inner, high, surv)
    return pd.DataFrame(
        {
            "report_number": np.array(REPORT_NUMBERS, dtype=np.int64),
            "n_at_risk": at_risk.astype(np.int64),
            "n_events": d.astype(np.int64),
            "n_censored": c.astype(np.int64),
            "survival": surv,
            "std_error": se,
            "surv_low": low,
            "surv_high": high,
        }
    )


def _first_at_or_below(times: np.ndarray, values: np.ndarray, threshold: float = 0.5) -> float:
    hit = np.flatnonzero(values <= threshold)
    return float(times[hit[0]]) if hit.size else np.nan


class TimeToImplementation(ImplementationResult):
    """Kaplan-Meier curves of the share implemented by report number, median times and a Cox
    model.

    ``tidy()``: group keys, ``report_number``, ``n_at_risk``, ``n_events``, ``n_censored``,
    ``survival`` (share not yet implemented), ``std_error`` (Greenwood), ``cumulative_share``
    (share implemented, 1 - survival) with ``ci_low``/``ci_high`` (log-log interval).
    ``medians``: median report number with interval (empty if not reached by report 3).
    ``cox``: hazard ratios (a frame) and ``cox_coefficients`` (log hazard ratios as
    :class:`evaluation.Estimates`), ``None`` without grouping. ``durations``: each measure's
    time and event. ``inference`` is that of the Cox model where there is one (with the number
    of municipalities), else that of the Kaplan-Meier curves.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        keys: Sequence[str],
        medians: pd.DataFrame,
        cox: pd.DataFrame | None,
        cox_coefficients: Estimates | None,
        durations: pd.DataFrame,
        **kw: Any,
    ) -> None:
        self.keys = list(keys)
        self.medians = medians
        self.cox = cox
        self.cox_coefficients = cox_coefficients
        self.durations = durations
        super().__init__(table, **kw)

    def _tables_for_summary(self) -> list[tuple[Text | str, pd.DataFrame]]:
        out: list[tuple[Text | str, pd.DataFrame]] = [
            ("", self.tidy()),
            (MEDIAN_CAPTION, self.medians),
        ]
        if self.cox is not None:
            out.append((COX_CAPTION, self.cox))
        return out

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Step curves of the cumulative share implemented by report number; returns the
        Figure."""
        from .plots import plot_time_to_implementation

        return plot_time_to_implementation(self, ax=ax, lang=lang, title=title)


def _curves(
    time: np.ndarray, event: np.ndarray, gidx: np.ndarray, keys: pd.DataFrame, level: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kaplan-Meier curves (tidy) and median times per group."""
    curves, medians = [], []
    for g in range(len(keys)):
        sel = gidx == g
        km = kaplan_meier(time[sel], event[sel], level)
        kk = keys.iloc[[g] * len(km)].reset_index(drop=True)
        curves.append(pd.concat([kk, km], axis=1))
        t = km["report_number"].to_numpy(dtype=float)
        med = kk.iloc[[0]].copy().reset_index(drop=True)
        med["n_measures"] = int(sel.sum())
        med["n_events"] = int(event[sel].sum())
        med["median"] = _first_at_or_below(t, km["survival"].to_numpy())
        med["median_ci_low"] = _first_at_or_below(t, km["surv_low"].to_numpy())
        med["median_ci_high"] = _first_at_or_below(t, km["surv_high"].to_numpy())
        medians.append(med)
    table = pd.concat(curves, ignore_index=True)
    table["cumulative_share"] = 1 - table["survival"]
    table["ci_low"] = 1 - table.pop("surv_high")
    table["ci_high"] = 1 - table.pop("surv_low")
    return table, pd.concat(medians, ignore_index=True)


@renamed_keywords(dropped="discontinued")
def time_to_implementation(
    study: Any,
    by: str | Sequence[str] | None = "action_field",
    *,
    discontinued: Discontinued = "not_implemented",
    level: float = 0.95,
    unreported: Unreported = "exclude",
) -> TimeToImplementation:
    """Time (in report numbers after certification) until a measure is first reported
    implemented: Kaplan-Meier curves per group, median times with intervals and a Cox model
    (statsmodels ``PHReg``, Efron ties) with municipality-clustered standard errors.

    Measures not implemented by their last due report are censored there; ``discontinued``
    decides how discontinued measures enter (see :func:`implementation_times`). Measures of
    audits whose phase is still running enter with the reports due so far (censored).

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    by
        Grouping keys as in :func:`evaluation.implementation_rates`; with two or more groups
        a Cox model compares them.
    discontinued
        ``"not_implemented"`` (default: discontinued measures stay at risk without the event
        until the end of their follow-up) or ``"censored"`` (censored at the report that first
        says discontinued). The old name ``dropped`` works for one release, with a
        :class:`DeprecationWarning`.
    level
        Confidence level of the intervals.
    unreported
        Measures without any report although reports are due: ``"exclude"`` or ``"planned"``.

    Returns
    -------
    TimeToImplementation
        The curves (``tidy()``), ``medians``, the Cox model (``cox``, ``cox_coefficients``)
        and each measure's time and event (``durations``).

    Examples
    --------
    >>> import evaluation as ev
    >>> tti = ev.time_to_implementation(ev.datasets.synthetic_study(seed=1))
    >>> tti.medians  # doctest: +SKIP
    """
    by = normalise_by(by)
    check_option("discontinued", discontinued, Discontinued)
    check_level(level)
    ms = measure_status(study, unreported)
    notes = list(ms.notes)
    due = ms.frame["due"].to_numpy()
    keep = due >= 1
    if not keep.any():
        raise DataError("no audit has a due annual report: there is no follow-up to analyse")
    if (~keep).any():
        notes.append(NO_FOLLOW_UP.format(k=int((~keep).sum())))
    rows = np.flatnonzero(keep)
    frame = ms.frame.iloc[rows].reset_index(drop=True)
    time, event = implementation_times(ms.status[rows], ms.reported[rows], due[rows], discontinued)
    gidx, keys = group_codes(frame, by)
    table, med_df = _curves(time, event, gidx, keys, level)
    if med_df["median"].isna().any() or med_df["median_ci_high"].isna().any():
        notes.append(NO_MEDIAN.format(last=N_REPORTS))
    km = Inference(
        name="kaplan_meier_greenwood", description=KM_TEXT.format(level=level_text(level))
    )
    cox = cox_est = None
    if by and len(keys) > 1:
        cox, cox_est = _cox(frame, time, event, gidx, keys, by, level, notes)
    durations = frame[
        ["measure_id", "municipality_id", *[k for k in by if k != "municipality_id"]]
    ].copy()
    durations["time"] = time
    durations["event"] = event
    notes.insert(0, TIME_NOTE.format(last=N_REPORTS, how=DISCONTINUED_HOW[discontinued]))
    if cox_est is not None and cox_est.inference is not None:
        inference = cox_est.inference
        inference.warn("time_to_implementation (Cox model)", stacklevel=4)
        notes.insert(1, km.description)
    else:
        inference = km
    return TimeToImplementation(
        table,
        keys=by,
        medians=med_df,
        cox=cox,
        cox_coefficients=cox_est,
        durations=durations,
        title=TITLE,
        notes=notes,
        facts={
            "n_measures": len(frame),
            "n_events": int(event.sum()),
            "n_municipalities": int(frame["municipality_id"].nunique()),
            "discontinued": discontinued,
        },
        call={"by": by, "discontinued": discontinued, "level": level, "unreported": unreported},
        count_columns=("n_at_risk", "n_events", "n_censored"),
        inference=inference,
    )


def efron_score_residuals(
    time: np.ndarray, event: np.ndarray, x: np.ndarray, beta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Score residuals and observed information of a Cox model with Efron's tie handling.

    Returns ``(resid, info)``: ``resid[i]`` is subject i's contribution to the score of the
    Efron partial likelihood at ``beta`` (the residuals sum to the score, zero at the maximum)
    and ``info`` the negative Hessian. At a death time with d tied deaths, Efron's
    approximation uses the risk-set sums S0_k = S0 - (k/d) D0 and S1_k = S1 - (k/d) D1 for
    k = 0..d-1 (D = sums over the tied deaths) with means xbar_k = S1_k / S0_k; a subject
    at risk but not dying then gets -r_i sum_k (x_i - xbar_k) / S0_k, and each of the d
    deaths gets (x_i - mean_k xbar_k) - r_i sum_k (1 - k/d) (x_i - xbar_k) / S0_k (r_i the
    relative risk). These are the residuals of R ``survival``'s ``residuals(fit, "score")``
    for ``ties="efron"``; summed within clusters they give its robust (sandwich) variance.
    Computed with sums over the sorted times, so the cost is linear in the subjects.

    Parameters
    ----------
    time, event
        Time and event indicator (1 = event) per subject.
    x
        Covariates (subjects x coefficients).
    beta
        The coefficients at which residuals and information are evaluated.

    Returns
    -------
    tuple of numpy.ndarray
        The score residuals (subjects x coefficients) and the observed information.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=np.int64)
    x = np.asarray(x, dtype=float).reshape(len(time), -1)
    n, p = x.shape
    eta = x @ beta
    r = np.exp(eta - eta.max())  # a common factor cancels in every ratio below
    ut, inv = np.unique(time, return_inverse=True)
    m = len(ut)
    # sums of r, r x, r x x' by distinct time, then over the risk set (time >= t)
    rx = r[:, None] * x
    rxx = (rx[:, :, None] * x[:, None, :]).reshape(n, p * p)
    by_time = np.zeros((m, 1 + p + p * p))
    np.add.at(by_time, inv, np.column_stack([r, rx, rxx]))
    risk = np.cumsum(by_time[::-1], axis=0)[::-1]
    dead = event == 1
    deaths = np.zeros((m, 1 + p + p * p))
    np.add.at(deaths, inv[dead], np.column_stack([r, rx, rxx])[dead])
    d = np.bincount(inv[dead], minlength=m)
    s0, s1, s2 = risk[:, 0], risk[:, 1 : 1 + p], risk[:, 1 + p :].reshape(m, p, p)
    d0, d1, d2 = deaths[:, 0], deaths[:, 1 : 1 + p], deaths[:, 1 + p :].reshape(m, p, p)
    # sums over k = 0..d-1 of 1/S0_k, f_k/S0_k, 1/S0_k^2, f_k/S0_k^2, f_k^2/S0_k^2 (f_k = k/d)
    j = np.repeat(np.arange(m), d)
    k = np.arange(len(j)) - np.repeat(np.cumsum(d) - d, d)
    f = k / np.repeat(np.maximum(d, 1), d)
    s0k = s0[j] - f * d0[j]
    sums = [np.bincount(j, weights=w, minlength=m) for w in (
        1 / s0k, f / s0k, 1 / s0k**2, f / s0k**2, f**2 / s0k**2
    )]  # fmt: skip
    a, b, c, e, g = sums
    has = d > 0
    hz = a  # sum_k 1/S0_k
    xhz = s1 * c[:, None] - d1 * e[:, None]  # sum_k xbar_k / S0_k
    hz2 = a - b  # sum_k (1 - f_k) / S0_k
    xhz2 = s1 * (c - e)[:, None] - d1 * (e - g)[:, None]
    mean_xbar = np.zeros((m, p))
    mean_xbar[has] = (s1[has] * a[has, None] - d1[has] * b[has, None]) / d[has, None]
    cum_h = np.cumsum(hz)
    cum_xh = np.cumsum(xhz, axis=0)
    # subject i is at risk at every death time <= its own time
    h_i = cum_h[inv].copy()
    xh_i = cum_xh[inv].copy()
    # a death uses the (1 - k/d) weights at its own time
    h_i[dead] += hz2[inv[dead]] - hz[inv[dead]]
    xh_i[dead] += xhz2[inv[dead]] - xhz[inv[dead]]
    resid = -r[:, None] * (x * h_i[:, None] - xh_i)
    resid[dead] += x[dead] - mean_xbar[inv[dead]]
    # information: sum over death times and k of S2_k/S0_k - xbar_k xbar_k'
    info = (
        np.einsum("m,mij->ij", a, s2)
        - np.einsum("m,mij->ij", b, d2)
        - np.einsum("m,mi,mj->ij", c, s1, s1)
        + np.einsum("m,mi,mj->ij", e, s1, d1)
        + np.einsum("m,mi,mj->ij", e, d1, s1)
        - np.einsum("m,mi,mj->ij", g, d1, d1)
    )
    return resid, info


def cluster_robust_cox_cov(
    time: np.ndarray, event: np.ndarray, x: np.ndarray, beta: np.ndarray, clusters: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(robust, naive) covariance of Cox coefficients with Efron ties: the sandwich
    I^-1 (sum_c U_c U_c') I^-1 with U_c the sum of the score residuals of cluster c, no
    small-sample factor (R ``coxph(..., ties="efron", cluster=)``), and I^-1.

    Parameters
    ----------
    time, event
        Time and event indicator per subject.
    x
        Covariates (subjects x coefficients).
    beta
        The coefficients at which the covariance is evaluated.
    clusters
        Cluster label per subject.

    Returns
    -------
    tuple of numpy.ndarray
        The cluster-robust and the naive covariance.
    """
    resid, info = efron_score_residuals(time, event, x, beta)
    codes, _ = pd.factorize(pd.Series(clusters))
    u = np.zeros((int(codes.max()) + 1, resid.shape[1]))
    np.add.at(u, codes, resid)
    naive = np.linalg.inv(info)
    return naive @ (u.T @ u) @ naive, naive


def fit_cox(
    time: np.ndarray, event: np.ndarray, x: np.ndarray, clusters: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cox proportional hazards with Efron ties: (coefficients, cluster-robust covariance,
    naive covariance). The coefficients are statsmodels ``PHReg``'s maximum of the Efron
    partial likelihood; statsmodels' own robust covariance builds the sandwich from
    Breslow-type score residuals even with Efron ties, which is too small when many times
    are tied (annual reports), so the sandwich is built from the Efron score residuals
    (:func:`cluster_robust_cox_cov`), as R ``survival`` does.

    Parameters
    ----------
    time, event
        Time and event indicator per subject.
    x
        Covariates (subjects x coefficients).
    clusters
        Cluster label per subject.

    Returns
    -------
    tuple of numpy.ndarray
        Coefficients, cluster-robust covariance and naive covariance.
    """
    from statsmodels.duration.hazard_regression import PHReg

    x = np.asarray(x, dtype=float).reshape(len(time), -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        fit = PHReg(np.asarray(time, dtype=float), x, status=event, ties="efron").fit()
    params = np.asarray(fit.params, dtype=float)
    robust, naive = cluster_robust_cox_cov(time, event, x, params, clusters)
    return params, robust, naive


def _cox(
    frame: pd.DataFrame,
    time: np.ndarray,
    event: np.ndarray,
    gidx: np.ndarray,
    keys: pd.DataFrame,
    by: list[str],
    level: float,
    notes: list[Text],
) -> tuple[pd.DataFrame | None, Estimates | None]:
    """Hazard ratios of the groups against the first one, with municipality-clustered
    standard errors; (None, None) with a note when a group has no event."""
    names = [" / ".join(str(v) for v in keys.iloc[g]) for g in range(len(keys))]
    x = np.zeros((len(time), len(keys) - 1))
    for g in range(1, len(keys)):
        x[:, g - 1] = (gidx == g).astype(float)
    n_ev = np.bincount(gidx, weights=event, minlength=len(keys))
    if (n_ev == 0).any():
        empty = ", ".join(names[g] for g in np.flatnonzero(n_ev == 0))
        notes.append(NO_COX.format(groups=empty))
        return None, None
    groups, _ = pd.factorize(frame["municipality_id"].astype(str))
    params, robust, _ = fit_cox(time, event, x, groups)
    se = np.sqrt(np.diag(robust))
    terms = [f"{'/'.join(by)}[{names[g]}]" for g in range(1, len(keys))]
    inference = Inference(
        name="cox_cluster_robust",
        description=COX_TEXT.format(reference=names[0]),
        n_clusters=int(groups.max()) + 1,
    )
    est = Estimates(
        pd.DataFrame({"term": terms, "estimate": params, "std_error": se}),
        ["term"],
        title=COX_TITLE,
        method=COX_METHOD,
        inference=inference,
        level=level,
        facts={"n_obs": len(time)},
    )
    z = stats.norm.isf((1 - level) / 2)
    hr = pd.DataFrame(
        {
            "term": pd.array(terms, dtype="string"),
            "quantity": pd.array(["hazard_ratio"] * len(terms), dtype="string"),
            "estimate": np.exp(params),
            "std_error": np.exp(params) * se,
            "statistic": params / se,
            "p_value": 2 * stats.norm.sf(np.abs(params / se)),
            "ci_low": np.exp(params - z * se),
            "ci_high": np.exp(params + z * se),
        }
    )
    return hr, est
