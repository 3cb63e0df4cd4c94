"""The one results interface of the package.

Every analysis returns a :class:`Result`, complete when it is made (nothing is added to it
afterwards; :data:`FREEZE` makes that an error) and computing derived values on demand:

- ``tidy()``: a DataFrame with English column codes, the one source of tables and plots;
- ``summary(lang)``: title, facts, tables and notes in German (default) or English, rendered as
  text, HTML, Markdown and LaTeX;
- ``plot(ax=None, lang=)``: a matplotlib figure;
- ``to_csv`` / ``to_markdown`` / ``to_latex`` / ``to_html`` and ``_repr_html_`` for Jupyter;
- ``call``: the arguments the analysis was run with (as R ``did`` keeps its ``DIDparams``).

:class:`Estimates` adds standard errors and their :class:`Inference`: ``params``,
``std_errors``, ``pvalues``, ``conf_int(level)``, ``vcov()`` and ``influence()`` where the
estimator has them, and ``pretest()`` where a pre-trend test belongs to the design.
:class:`TestResult` is a hypothesis test, :class:`TableResult` a table of its own shape
(rates, balance, a decomposition) whose ``count_columns`` count people or units.

Every text a person reads is an :class:`~evaluation.i18n.Text` (or plain data such as a name);
``summary(lang)`` resolves it.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, ClassVar, overload

import numpy as np
import pandas as pd

from ..errors import DataError, FewClustersWarning, OptionError
from ..i18n import Lang, Text, check_lang, term, tr
from ..options import Distribution, check_option
from .summary import CSV_FLOAT_FORMAT, Summary, display_frame, fact_text

#: the complementary error function elementwise (the normal's tail without scipy)
_erfc = np.vectorize(math.erfc, otypes=[float])

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ESTIMATE_COLUMNS = ("estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high")

#: Cluster-robust standard errors from fewer clusters than this are flagged
#: (``few_clusters``): with few clusters the sandwich is biased downwards and t tests
#: over-reject (Cameron & Miller 2015, J. Human Resources 50(2), sec. VI: "few" starts well
#: below 20-50 clusters; Bertrand, Duflo & Mullainathan 2004).
MIN_CLUSTERS = 10
#: ... or fewer clusters containing treated units than this, for designs with a treatment
#: indicator: the sandwich then rests on the few treated clusters and over-rejects even with
#: many clusters in all (MacKinnon & Webb 2017, J. Applied Econometrics 32(2); Conley & Taber
#: 2011).
MIN_TREATED_CLUSTERS = 5
#: |estimate / std_error| above this, or a standard error of exactly 0, is a degenerate
#: design (e.g. a constant outcome, or a cluster-robust variance from too few clusters),
#: not an estimate: the standard error is set to missing and a note names the rows.
MAX_ABS_T = 1e6

#: When true, setting an attribute of a result after its construction raises
#: :class:`AttributeError`: a result is complete when it is made.
FREEZE = True


def few_clusters(n_clusters: int | None, n_treated_clusters: int | None = None) -> bool:
    """Whether cluster-robust inference from these counts is flagged (see
    :data:`MIN_CLUSTERS` and :data:`MIN_TREATED_CLUSTERS`)."""
    if n_clusters is None:
        return False
    return n_clusters < MIN_CLUSTERS or (
        n_treated_clusters is not None and n_treated_clusters < MIN_TREATED_CLUSTERS
    )


def check_level(level: object) -> float:
    """A confidence level strictly between 0 and 1; :class:`OptionError` otherwise."""
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise OptionError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}")
    return float(level)


@overload
def as_text(x: Text | str) -> Text | str: ...
@overload
def as_text(x: None) -> None: ...
def as_text(x: Text | str | None) -> Text | str | None:
    """A :class:`Text` from the deprecated ``BiText`` (a German str carrying ``en``)."""
    en = getattr(x, "en", None)
    if isinstance(x, str) and isinstance(en, str):
        return Text(str.__str__(x), en)
    return x


# ---------------------------------------------------------------------------------------
# inference
# ---------------------------------------------------------------------------------------
FEW_CLUSTERS_NOTE = Text(
    "WARNUNG: nur {counts} (nötig: mindestens {needed}). Cluster-robuste Standardfehler sind "
    "dann zu klein und Tests verwerfen zu oft; t-Statistiken und p-Werte werden nicht gezeigt. "
    "Gültig sind Randomisierungsinferenz (evaluation.randomization_inference) oder der "
    "Wild-Cluster-Bootstrap (evaluation.wild_bootstrap).",
    "WARNING: only {counts} (needed: at least {needed}). Cluster-robust standard errors are "
    "then too small and tests over-reject; t-statistics and p-values are not shown. Valid "
    "alternatives are randomisation inference (evaluation.randomization_inference) or the "
    "wild cluster bootstrap (evaluation.wild_bootstrap).",
)


@dataclass(frozen=True, kw_only=True)
class Inference:
    """How the uncertainty of a set of estimates was computed.

    ``name`` is a stable code (``"cluster_unit"``, ``"influence_function"``, ...);
    ``description`` the one sentence that explains it (under every summary and once in the
    methods appendix of a report). With cluster counts given, ``few_clusters`` says whether
    they are below :data:`MIN_CLUSTERS` (or :data:`MIN_TREATED_CLUSTERS` treated clusters):
    such estimates carry a warning and show no t-statistics or p-values.
    """

    name: str
    description: Text
    distribution: Distribution = "normal"
    dof: float | None = None
    n_clusters: int | None = None
    n_treated_clusters: int | None = None

    def __post_init__(self) -> None:
        check_option("distribution", self.distribution, Distribution)
        if self.distribution == "t" and (self.dof is None or not self.dof > 0):
            raise OptionError("a t reference distribution needs positive df (degrees of freedom)")
        object.__setattr__(self, "description", as_text(self.description))

    @property
    def few_clusters(self) -> bool:
        return few_clusters(self.n_clusters, self.n_treated_clusters)

    def few_clusters_note(self) -> Text | None:
        """The warning shown with estimates whose clusters are too few (None otherwise)."""
        if not self.few_clusters:
            return None
        nt = self.n_treated_clusters
        counts = Text(f"{self.n_clusters} Cluster", f"{self.n_clusters} clusters")
        needed = Text(f"{MIN_CLUSTERS}", f"{MIN_CLUSTERS}")
        if nt is not None:
            counts += Text(f", davon {nt} mit behandelten Einheiten", f", {nt} with treated units")
            needed += Text(
                f", davon {MIN_TREATED_CLUSTERS} behandelte",
                f", {MIN_TREATED_CLUSTERS} of them treated",
            )
        return FEW_CLUSTERS_NOTE.format(counts=counts, needed=needed)

    def warn(self, what: str, stacklevel: int = 3) -> None:
        """Issue the :class:`~evaluation.errors.FewClustersWarning` when clusters are few."""
        note = self.few_clusters_note()
        if note is not None:
            warnings.warn(f"{what}: {note.en}", FewClustersWarning, stacklevel=stacklevel)

    def critical_value(self, level: float) -> float:
        # scipy.special's distribution functions (what scipy.stats.t evaluates) for t, the
        # standard library's for the normal: no import of scipy (about a second) where the
        # normal is enough
        q = 0.5 + check_level(level) / 2
        if self.distribution == "t" and self.dof is not None:
            from scipy import special

            return float(special.stdtrit(self.dof, q))
        return NormalDist().inv_cdf(q)

    def p_values(self, z: np.ndarray) -> np.ndarray:
        a = -np.abs(np.asarray(z, dtype=float))
        if self.distribution == "t" and self.dof is not None:
            from scipy import special

            return np.asarray(2 * special.stdtr(self.dof, a), dtype=float)
        # 2 * Phi(-|z|) = erfc(|z| / sqrt(2))
        return np.asarray(_erfc(-a / math.sqrt(2.0)), dtype=float)


# ---------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------
class _Complete(type):
    """Marks a result complete once the constructor of its class has run."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        obj = super().__call__(*args, **kwargs)
        object.__setattr__(obj, "_complete", True)
        return obj


class Result(metaclass=_Complete):
    """Base class of every result: subclasses implement :meth:`tidy` and usually :meth:`plot`.

    Parameters
    ----------
    title, method
        What was estimated and how (:class:`~evaluation.i18n.Text` or plain text).
    facts
        Header facts of the summary, keyed by codes with labels in
        :data:`evaluation.i18n.TERMS` (e.g. ``n_obs``, ``n_clusters``).
    notes
        Notes under the summary (what was left out, how intervals were computed).
    call
        The arguments the result was computed with.
    inference
        How the uncertainty was computed (for results with intervals).
    outcome
        The outcome analysed, where there is one.
    """

    def __init__(
        self,
        *,
        title: Text | str,
        method: Text | str | None = None,
        facts: Mapping[str, Any] | None = None,
        notes: Sequence[Text | str] = (),
        call: Mapping[str, Any] | None = None,
        inference: Inference | None = None,
        outcome: str | None = None,
    ) -> None:
        self.title = as_text(title)
        self.method = as_text(method)
        self.facts = dict(facts or {})
        self.notes = [as_text(n) for n in notes]
        self.call = dict(call or {})
        self.inference = inference
        self.outcome = outcome
        if inference is not None and inference.n_clusters is not None:
            self.facts.setdefault("n_clusters", int(inference.n_clusters))
            if inference.n_treated_clusters is not None:
                self.facts.setdefault("n_treated_clusters", int(inference.n_treated_clusters))

    def __setattr__(self, name: str, value: Any) -> None:
        if FREEZE and getattr(self, "_complete", False):
            raise AttributeError(
                f"{type(self).__name__} is complete when it is made; {name!r} cannot be set "
                "afterwards (pass it to the constructor)"
            )
        object.__setattr__(self, name, value)

    @property
    def few_clusters(self) -> bool:
        """Whether the result's cluster-robust inference rests on too few clusters."""
        return self.inference is not None and self.inference.few_clusters

    def flag_clusters(
        self, n_clusters: int, n_treated_clusters: int | None = None, *, what: str = ""
    ) -> bool:
        """Deprecated: give the cluster counts to the :class:`Inference` at construction.

        Records the counts in the result's inference and facts and issues the
        :class:`~evaluation.errors.FewClustersWarning` when they are too few."""
        inf = self.inference or Inference(name="clusters", description=Text("", ""))
        inf = with_inference(inf, n_clusters=int(n_clusters), n_treated_clusters=n_treated_clusters)
        object.__setattr__(self, "inference", inf)
        self.facts["n_clusters"] = int(n_clusters)
        if n_treated_clusters is not None:
            self.facts["n_treated_clusters"] = int(n_treated_clusters)
        inf.warn(what or tr(self.title, "en"), stacklevel=3)
        return inf.few_clusters

    # -- to implement ----------------------------------------------------------------------
    def tidy(self) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def plot(self, ax: Axes | None = None, *, lang: Lang = "de") -> Figure:
        raise NotImplementedError(f"{type(self).__name__} has no plot")

    # -- summary ---------------------------------------------------------------------------
    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.method is not None:
            out.append((term("method", lang), tr(self.method, lang)))
        if self.outcome:
            out.append((term("outcome", lang), self.outcome))
        out += [
            (term(k, lang), fact_text(v, lang))
            for k, v in self.facts.items()
            if not (self.few_clusters and k.endswith("_p"))  # no p-values with few clusters
        ]
        return out

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        return [("", display_frame(self.tidy(), lang))]

    #: deprecated alias of :func:`evaluation.results.display_frame`
    _display_frame = staticmethod(display_frame)

    def _summary_notes(self, lang: Lang) -> list[str]:
        notes: list[str] = []
        if self.inference is not None:
            warn = self.inference.few_clusters_note()
            if warn is not None:
                notes.append(warn(lang))
            if self.inference.description(lang):
                notes.append(self.inference.description(lang))
        return notes + [tr(n, lang) for n in self.notes]

    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        return Summary(
            tr(self.title, lang),
            facts=self._summary_facts(lang),
            tables=self._summary_tables(lang),
            notes=self._summary_notes(lang),
            lang=lang,
        )

    # -- exports ---------------------------------------------------------------------------
    def to_csv(self, path: str | Path | None = None) -> str:
        text = self.tidy().to_csv(index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT)
        return _write(text, path)

    def to_markdown(self, path: str | Path | None = None, lang: Lang = "de") -> str:
        return _write(self.summary(lang=lang).as_markdown(), path)

    def to_latex(self, path: str | Path | None = None, lang: Lang = "de") -> str:
        return _write(self.summary(lang=lang).as_latex(), path)

    def to_html(self, path: str | Path | None = None, lang: Lang = "de") -> str:
        return _write(self.summary(lang=lang).as_html(), path)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __str__(self) -> str:
        return self.summary().as_text()

    def __repr__(self) -> str:
        return self.summary().as_text()


def _write(text: str, path: str | Path | None) -> str:
    if path is not None:
        import os
        import tempfile

        target = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return text


class TableResult(Result):
    """A result that is a table of its own shape (e.g. rates, balance, decomposition).

    ``count_columns`` name the columns that count people or units, for small-cell suppression
    in reports."""

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        title: Text | str,
        notes: Sequence[Text | str] = (),
        facts: Mapping[str, Any] | None = None,
        count_columns: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        self._table = table.reset_index(drop=True)
        self.count_columns = tuple(count_columns)
        super().__init__(title=title, notes=notes, facts=facts, **kwargs)

    def tidy(self) -> pd.DataFrame:
        return self._table.copy()


class TestResult(Result):
    """A hypothesis test: the statistic, its degrees of freedom, the p-value and what it tests
    (``hypothesis``)."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        *,
        statistic: float,
        p_value: float,
        dof: Sequence[float] = (),
        distribution: str = "chi2",
        hypothesis: Text | str = "",
        **kwargs: Any,
    ) -> None:
        self.statistic = float(statistic)
        self.p_value = float(p_value)
        self.dof = tuple(dof)
        self.distribution = distribution
        self.hypothesis = as_text(hypothesis)
        super().__init__(**kwargs)

    def tidy(self) -> pd.DataFrame:
        row: dict[str, Any] = {"statistic": self.statistic}
        if len(self.dof) == 1:
            row["dof"] = self.dof[0]
        elif len(self.dof) == 2:
            row["df_num"], row["df_denom"] = self.dof
        row["p_value"] = self.p_value
        return pd.DataFrame([row])

    def _summary_notes(self, lang: Lang) -> list[str]:
        h = tr(self.hypothesis, lang)
        return ([h] if h else []) + super()._summary_notes(lang)


class Estimates(Result):
    """Estimates with standard errors, keyed by one or more columns.

    Parameters
    ----------
    table
        DataFrame with the key columns, ``estimate`` and ``std_error``; optional further columns
        (for example ``band_low``/``band_high`` of a simultaneous band, or counts) are kept.
    keys
        The key columns, e.g. ``["event_time"]`` or ``["cohort", "time"]``; may be empty for a
        single estimate (then a column ``term`` is expected or created).
    title, method
        What was estimated and how (shown in the summary).
    inference
        How the standard errors were computed: an :class:`Inference` (its description is shown
        under the table; its reference distribution gives intervals and p-values at any
        level). The older keywords ``se_note``, ``distribution`` and ``df`` build one.
    level
        Default confidence level of ``tidy()``.
    facts, notes, call, outcome
        As for :class:`Result`.
    covariance
        The covariance of the estimates (square, labelled like the rows), for :meth:`vcov`.
    influence
        Influence functions (units x estimates), for :meth:`influence`.
    """

    #: whether a standard error of exactly 0 (or one tiny against the estimate) marks a
    #: degenerate design; an estimated share of 0 or 1 in a sample survey has no sampling
    #: variance, and that is right, so survey estimates switch the check off
    CHECK_DEGENERATE: ClassVar[bool] = True

    def __init__(
        self,
        table: pd.DataFrame,
        keys: Sequence[str] = (),
        *,
        title: Text | str,
        method: Text | str | None = None,
        inference: Inference | None = None,
        se_note: Text | str | None = None,
        distribution: Distribution = "normal",
        df: float | None = None,
        level: float = 0.95,
        facts: Mapping[str, Any] | None = None,
        notes: Sequence[Text | str] = (),
        outcome: str | None = None,
        call: Mapping[str, Any] | None = None,
        covariance: pd.DataFrame | np.ndarray | None = None,
        influence: pd.DataFrame | np.ndarray | None = None,
    ) -> None:
        if inference is None:
            text = as_text(se_note) if se_note is not None else ""
            inference = Inference(
                name="stated",
                description=text if isinstance(text, Text) else Text(str(text), str(text)),
                distribution=distribution,
                dof=df,
            )
        keys = list(keys)
        table = table.copy()
        if not keys:
            if "term" not in table.columns:
                table.insert(0, "term", [tr(as_text(title), "en")] * len(table))
            keys = ["term"]
        missing = [c for c in [*keys, "estimate", "std_error"] if c not in table.columns]
        if missing:
            raise DataError(f"results table lacks columns {missing}")
        self.level = check_level(level)
        table = table.reset_index(drop=True)
        notes = list(notes)
        degenerate = (
            _degenerate_rows(table)
            if type(self).CHECK_DEGENERATE
            else np.zeros(len(table), dtype=bool)
        )
        if degenerate.any():
            table.loc[degenerate, "std_error"] = np.nan
            rows = table.loc[degenerate, keys].astype(str).agg(" / ".join, axis=1).tolist()
            shown = ", ".join(rows[:10]) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
            notes.append(DEGENERATE_NOTE.format(rows=shown, max_t=f"{MAX_ABS_T:g}"))
        self._table = table
        self.degenerate_rows = int(degenerate.sum())
        self.keys = keys
        self._covariance = _labelled(covariance, self._index())
        self._influence = influence
        super().__init__(
            title=title,
            method=method,
            facts=facts,
            notes=notes,
            call=call,
            inference=inference,
            outcome=outcome,
        )

    # -- the inference ---------------------------------------------------------------------
    @property
    def se_note(self) -> Text:
        """The sentence that says how the standard errors were computed."""
        assert self.inference is not None
        return self.inference.description

    @property
    def distribution(self) -> str:
        assert self.inference is not None
        return self.inference.distribution

    @property
    def df(self) -> float | None:
        """Degrees of freedom of the t reference distribution (None for the normal)."""
        assert self.inference is not None
        return self.inference.dof

    # -- numbers ---------------------------------------------------------------------------
    def _index(self) -> pd.Index:
        index: pd.Index
        if len(self.keys) == 1:
            index = pd.Index(self._table[self.keys[0]], name=self.keys[0])
        else:
            index = pd.MultiIndex.from_frame(self._table[self.keys])
        return index

    @property
    def params(self) -> pd.Series:
        return pd.Series(self._table["estimate"].to_numpy(), index=self._index(), name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(self._table["std_error"].to_numpy(), index=self._index(), name="std_error")

    @cached_property
    def _z(self) -> np.ndarray:
        est = self._table["estimate"].to_numpy(dtype=float)
        se = self._table["std_error"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(se > 0, est / se, np.nan)

    @property
    def pvalues(self) -> pd.Series:
        assert self.inference is not None
        return pd.Series(self.inference.p_values(self._z), index=self._index(), name="p_value")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald confidence intervals at ``level``, indexed by the keys."""
        assert self.inference is not None
        crit = self.inference.critical_value(level)
        est = self._table["estimate"].to_numpy(dtype=float)
        se = self._table["std_error"].to_numpy(dtype=float)
        return pd.DataFrame(
            {"ci_low": est - crit * se, "ci_high": est + crit * se}, index=self._index()
        )

    def tidy(self, level: float | None = None) -> pd.DataFrame:
        assert self.inference is not None
        level = self.level if level is None else level
        t = self._table
        est = t["estimate"].to_numpy(dtype=float)
        se = t["std_error"].to_numpy(dtype=float)
        crit = self.inference.critical_value(level)
        out = t[self.keys].copy()
        out["estimate"] = est
        out["std_error"] = se
        out["statistic"] = self._z
        out["p_value"] = self.inference.p_values(self._z)
        out["ci_low"] = est - crit * se
        out["ci_high"] = est + crit * se
        for c in t.columns:
            if c not in out.columns:
                out[c] = t[c].to_numpy()
        return out

    def vcov(self) -> pd.DataFrame:
        """The covariance of the estimates, rows and columns labelled like :meth:`tidy`'s
        keys. Raises :class:`~evaluation.errors.DataError` for results that keep only
        standard errors."""
        if self._covariance is None:
            raise DataError(
                f"{type(self).__name__} keeps no covariance of its estimates, only their "
                "standard errors"
            )
        return self._covariance.copy()

    def influence(self) -> pd.DataFrame | None:
        """Influence functions (units x estimates) where the estimator has them, else None."""
        inf = self._influence
        if inf is None:
            return None
        if isinstance(inf, pd.DataFrame):
            return inf.copy()
        return pd.DataFrame(np.asarray(inf), columns=self._index())

    def pretest(self) -> TestResult | None:
        """The pre-trend test of the design where one belongs to it (None otherwise)."""
        return None

    # -- display -------------------------------------------------------------------------
    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        out = super()._summary_facts(lang)
        out.append((term("confidence_level", lang), fact_text(self.level, lang, as_percent=True)))
        return out

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        shown = self.tidy()
        if self.few_clusters:
            # the numbers stay in tidy(); a person reading the summary sees no test result
            # that the few clusters cannot support
            shown = shown.drop(columns=["statistic", "p_value"])
        return [("", display_frame(shown, lang))]

    def plot(
        self, ax: Axes | None = None, *, lang: Lang = "de", title: str | None = None
    ) -> Figure:
        """Point estimates with confidence intervals (and simultaneous bands, if any)."""
        from .plotting import plot_estimates

        return plot_estimates(
            self.tidy(), self.keys, ax=ax, lang=lang, title=title or tr(self.title, lang)
        )


DEGENERATE_NOTE = Text(
    "Kein Standardfehler für {rows}: die Varianz ist null oder verschwindend klein "
    "(|t| > {max_t}), ein entartetes Design (z. B. eine Zielgröße ohne Streuung im Vergleich "
    "oder zu wenige Cluster), keine Schätzung der Unsicherheit.",
    "No standard error for {rows}: the variance is zero or vanishingly small (|t| > {max_t}), "
    "a degenerate design (e.g. an outcome without variation in the comparison, or too few "
    "clusters), not an estimate of the uncertainty.",
)


def _degenerate_rows(table: pd.DataFrame) -> np.ndarray:
    """Rows whose standard error is exactly 0, or tiny relative to the estimate."""
    est = pd.to_numeric(table["estimate"], errors="coerce").to_numpy(dtype=float)
    se = pd.to_numeric(table["std_error"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        bad = np.isfinite(est) & np.isfinite(se) & ((se <= 0) | (np.abs(est) > MAX_ABS_T * se))
    return np.asarray(bad, dtype=bool)


def _labelled(cov: pd.DataFrame | np.ndarray | None, index: pd.Index) -> pd.DataFrame | None:
    if cov is None:
        return None
    if isinstance(cov, pd.DataFrame):
        return cov.copy()
    arr = np.asarray(cov, dtype=float)
    if arr.shape != (len(index), len(index)):
        raise DataError(f"covariance of shape {arr.shape} does not fit {len(index)} estimates")
    return pd.DataFrame(arr, index=index, columns=index)


def with_inference(inference: Inference, **changes: Any) -> Inference:
    """A copy of ``inference`` with ``changes`` (e.g. the cluster counts)."""
    return dataclasses.replace(inference, **changes)
