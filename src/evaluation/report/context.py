"""What the sections of a report share: the study, the configuration, a safe way to run an
analysis, and what the analyses left for the appendices.

An analysis that fails leaves a note with its message (or stops the report when
``report.on_error = "raise"``). The package's own warnings
(:class:`~evaluation.errors.EvaluationWarning`) are shown as notes under the results; other
warnings (of pandas, numpy, ...) are not meant for readers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from ..errors import EvaluationWarning
from ..i18n import Lang, Text, number, term, tr
from .config import ReportConfig
from .document import VALUE_LABELS, Facts, FigureBlock, Group, Note, ReportTable, Section
from .figures import figure_style, render_figure

#: facts of results that the report shows elsewhere (the excluded units are counted, with
#: their reasons, under each indicator)
HIDDEN_FACTS = frozenset({term("excluded_units", "de"), term("excluded_units", "en")})
FAILED = Text(
    "{what} konnte nicht berechnet werden. Meldung des Programms (englisch):",
    "{what} could not be computed:",
)
WARNINGS = Text(
    "{n} Warnung(en) des Verfahrens (Wortlaut auf Englisch in provenance.json, warnings)",
    "",
)
#: at most this many distinct warnings are shown under one analysis
MAX_WARNINGS = 5


@dataclass
class Context:
    """The state of one report while its sections are built.

    Parameters
    ----------
    study
        The :class:`~evaluation.Study`.
    config
        The checked configuration.
    year
        The report year.
    step
        Called with a label at each progress step.
    progress
        Show progress bars of long inner steps (bootstrap, randomisation inference).
    """

    study: Any
    config: ReportConfig
    year: int
    step: Callable[[str], None] = lambda label: None
    progress: bool = False
    #: every analysis, diagnostic or figure that failed ("section (scope): what: error")
    failures: list[str] = field(default_factory=list)
    #: the failures of analyses the configuration asked for (not of diagnostics or figures):
    #: the command line exits with 3 when there are any
    failed_analyses: list[str] = field(default_factory=list)
    #: the package's warnings of every analysis (English), recorded in provenance.json
    warnings: list[str] = field(default_factory=list)
    #: the standard-error conventions of the estimates shown: name -> description
    inference: dict[str, Text] = field(default_factory=dict)
    #: the methods that ran (keys of the methods appendix), in the order they first ran
    ran: list[str] = field(default_factory=list)
    #: analyses shared between sections (e.g. one att_gt per indicator), by key
    cache: dict[Any, Any] = field(default_factory=dict)
    #: what the analyses are about at the moment (an indicator), named in the failures
    scope: str = ""

    @property
    def lang(self) -> Lang:
        return self.config.lang

    def t(self, de: str, en: str) -> str:
        """Deprecated (for the yearly summary until it uses :class:`Text`): ``Text(de, en)``
        in the report's language."""
        return Text(de, en)(self.lang)

    def tr(self, text: Text | str | None) -> str:
        """``text`` in the report's language."""
        return tr(text, self.lang)

    def num(self, x: Any, digits: int = 1) -> str:
        """A number in the report's number format."""
        return number(x, self.lang, digits)

    def indicator_label(self, indicator: str) -> tuple[str, str]:
        """The indicator's label in the report's language and its unit (from the catalogue);
        the code itself and no unit when the catalogue does not have it."""
        cat = getattr(self.study, "indicator_catalogue", None)
        if cat is None or "indicator" not in cat:
            return indicator, ""
        row = cat[cat["indicator"] == indicator]
        if not len(row):
            return indicator, ""
        label = row.iloc[0].get(f"label_{self.lang}")
        unit = row.iloc[0].get("unit")
        return (str(label) if pd.notna(label) else indicator), (str(unit) if pd.notna(unit) else "")

    def convention(self, result: Any) -> Text | None:
        """The short name of a result's standard-error convention, recorded for the methods
        appendix (which explains each convention once); None when it has none."""
        inf = getattr(result, "inference", None)
        desc = getattr(inf, "description", None)
        if not isinstance(desc, Text) or not desc.de.strip():
            return None
        key = desc.de
        if key not in self.inference:
            self.inference[key] = desc
        number_ = list(self.inference).index(key) + 1
        return convention_label(number_)

    def used(self, method: str) -> None:
        """Record that ``method`` ran (its description goes into the methods appendix)."""
        if method not in self.ran:
            self.ran.append(method)

    # -- running analyses ------------------------------------------------------------------
    def guard(
        self, section: Section | Group, what: Text | str, fn: Callable, *args: Any, **kw: Any
    ) -> Any:
        """Run ``fn`` catching the package's warnings (as notes) and errors (as a note, or
        re-raised). A failure counts as a failed analysis (see :attr:`failed_analyses`)."""
        return self._run(section, what, fn, args, kw, required=True)

    def diagnostic(
        self, section: Section | Group, what: Text | str, fn: Callable, *args: Any, **kw: Any
    ) -> Any:
        """As :meth:`guard`, for a check the report adds on its own (a pre-test, a comparison
        table): a failure is a note, not a failed analysis."""
        return self._run(section, what, fn, args, kw, required=False)

    def cached(
        self, key: Any, section: Section | Group, what: Text | str, fn: Callable, *a: Any, **kw: Any
    ) -> Any:
        """:meth:`guard` once per ``key``: later calls return the first result (or None)."""
        if key not in self.cache:
            self.cache[key] = self.guard(section, what, fn, *a, **kw)
        return self.cache[key]

    def cache_get(self, key: Any, fn: Callable[[], Any]) -> Any:
        """``fn()`` once per ``key`` (unguarded: the caller guards it); later calls return the
        first value."""
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]

    def failed(
        self, section: Section | Group, what: Text | str, error: str, *, required: bool = True
    ) -> None:
        """Record a failure and show it as a note in ``section``."""
        where = f"{section.title} ({self.scope})" if self.scope else section.title
        entry = f"{where}: {tr(what, 'en')}: {error}"
        self.failures.append(entry)
        if required:
            self.failed_analyses.append(entry)
        # a diagnostic's failure is a remark
        level: Literal["error", "info"] = "error" if required else "info"
        section.add(Note(self.tr(FAILED.format(what=what)), level, detail=error))

    def _run(
        self,
        section: Section | Group,
        what: Text | str,
        fn: Callable,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        required: bool,
    ) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every failure becomes a visible note
                if self.config.report.on_error == "raise":
                    raise
                self.failed(section, what, one_line(str(exc)), required=required)
                return None
        seen: list[str] = []
        for w in caught:
            if not issubclass(w.category, EvaluationWarning):
                continue  # only the package's own warnings are meant for readers
            m = one_line(str(w.message))
            if m not in seen:
                seen.append(m)
        # the package's warnings are English text (until the analyses give them as Text): an
        # English report shows them; a German one says how many there are and where they are
        where = f"{section.title} ({self.scope})" if self.scope else section.title
        self.warnings += [f"{where}: {tr(what, 'en')}: {m}" for m in seen]
        shown = [Text(WARNINGS.format(n=len(seen)).de, m) for m in seen[:MAX_WARNINGS]]
        for note in dict.fromkeys(self.tr(n) for n in shown):
            section.add(Note(f"{self.tr(what)}: {note}", "info"))
        return out

    # -- results into blocks ---------------------------------------------------------------
    def add_result(
        self,
        section: Section,
        result: Any,
        name: str,
        caption: Text | str,
        *,
        plot: bool = True,
        facts: bool = True,
        columns: tuple[str, ...] | None = None,
        show: bool | None = None,
        alt: Text | str | None = None,
        percent: tuple[str, ...] = (),
    ) -> None:
        """Add a result's facts, table, notes and (optionally) its plot to a section.

        The standard-error convention is named under the table and explained once in the
        methods appendix (from ``result.inference``)."""
        if result is None:
            return
        caption = self.tr(caption)
        if isinstance(result, pd.DataFrame):
            section.add(
                ReportTable(
                    name, caption, result, columns=columns, show=show, percent_columns=percent
                )
            )
            return
        summary = result.summary(lang=self.lang)
        if facts and summary.facts:
            outcome = term("outcome", self.lang)
            section.add(
                Facts(
                    tuple(
                        (
                            str(k),
                            self.indicator_label(str(v))[0]
                            if str(k) == outcome
                            else self.tr(VALUE_LABELS.get(str(v), str(v))),
                        )
                        for k, v in summary.facts
                        if str(k) not in HIDDEN_FACTS
                    )
                )
            )
        notes = result_notes(result, self.lang)
        label = self.convention(result)
        if label is not None:
            notes = (self.tr(SE_NAMED.format(name=label)), *notes)
        section.add(
            ReportTable(
                name,
                caption,
                result.tidy(),
                notes,
                columns=columns,
                show=show,
                count_columns=tuple(getattr(result, "count_columns", ()) or ()),
                percent_columns=percent,
                value_labels=getattr(result, "value_labels", None),
            )
        )
        if plot:
            self.add_plot(section, result, name, caption, alt=alt)

    def add_plot(
        self,
        section: Section,
        result: Any,
        name: str,
        title: Text | str,
        *,
        alt: Text | str | None = None,
        data: pd.DataFrame | None = None,
    ) -> None:
        """Draw ``result.plot(lang=...)`` and add it as a figure (with its data as CSV)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                with figure_style():
                    out = result.plot(lang=self.lang)
            except NotImplementedError:
                return
            except Exception as exc:  # noqa: BLE001
                if self.config.report.on_error == "raise":
                    raise
                self.failed(section, title, one_line(str(exc)), required=False)
                return
        fig = getattr(out, "figure", out) if out is not None else None
        if fig is None or not hasattr(fig, "savefig"):
            return
        description = (
            self.tr(alt) if alt is not None else describe_result(result, self.tr(title), self.lang)
        )
        if data is None and hasattr(result, "tidy"):
            data = result.tidy()
        self.add_figure(section, fig, name, self.tr(title), description, data=data)

    def add_figure(
        self,
        section: Section,
        fig: Any,
        name: str,
        title: Text | str,
        alt: Text | str,
        *,
        data: pd.DataFrame | None = None,
    ) -> None:
        """Render a matplotlib figure once (SVG and PNG) and add it, with the table of its
        data (written as ``tables/<name>_data.csv``, linked under the figure)."""
        data_name = f"{name}_data" if data is not None else None
        section.add(
            FigureBlock(render_figure(fig, name, self.tr(title), self.tr(alt)), data=data_name)
        )
        if data is not None and data_name is not None:
            section.add(ReportTable(data_name, self.tr(title), data, show=False, figure_data=True))


SE_NAMED = Text(
    "Standardfehler: {name} (siehe Anhang Methoden).",
    "Standard errors: {name} (see the methods appendix).",
)

CONVENTION = Text("Konvention SE{n}", "convention SE{n}")


def convention_label(n: int) -> Text:
    """The name of the ``n``-th standard-error convention of a report ("Konvention SE2")."""
    return CONVENTION.format(n=n)


def result_notes(result: Any, lang: Lang) -> tuple[str, ...]:
    """The notes of a result in ``lang``, without the standard-error sentence (which the
    methods appendix explains once)."""
    from .inputs import note_text

    out = []
    for n in getattr(result, "notes", ()) or ():
        s = note_text(n, lang)
        if s and s not in out:
            out.append(s)
    if getattr(result, "few_clusters", False):
        warn = result.inference.few_clusters_note()
        if warn is not None:
            out.insert(0, warn(lang))
    return tuple(out)


ALT_ESTIMATES = Text(
    "{title}: {n} mit Konfidenzintervallen, von {lo} bis {hi}.",
    "{title}: {n} with confidence intervals, from {lo} to {hi}.",
)
ESTIMATE_ONE = Text("{n} Schätzwert", "{n} estimate")
ESTIMATE_MANY = Text("{n} Schätzwerte", "{n} estimates")


def describe_result(result: Any, title: str, lang: Lang) -> str:
    """Alt text of a result's plot, from its tidy data."""
    from ..i18n import plural, term

    try:
        tidy = result.tidy()
    except Exception:  # noqa: BLE001
        return title
    if "estimate" in tidy.columns and len(tidy):
        est = pd.to_numeric(tidy["estimate"], errors="coerce")
        return ALT_ESTIMATES.format(
            title=title,
            n=plural(len(tidy), ESTIMATE_ONE, ESTIMATE_MANY, lang),
            lo=number(est.min(), lang, 2),
            hi=number(est.max(), lang, 2),
        )(lang)
    cols = ", ".join(term(str(c), lang) for c in list(tidy.columns)[:4])
    return f"{title} ({cols})."


def one_line(s: str) -> str:
    """``s`` on one line, at most 300 characters."""
    s = " ".join(s.split())
    return s if len(s) <= 300 else s[:297] + "..."
