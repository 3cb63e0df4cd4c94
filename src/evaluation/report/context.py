"""What the sections of a report share: the study, the configuration and a safe way to call
the analyses of the package.

An analysis whose module is not (yet) part of the installed package leaves a note that names
the missing module and the part of the report it would have filled; an analysis that fails
leaves a note with its message (or stops the report when ``report.on_error = "raise"``).
Warnings of an analysis are shown as notes under its results.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..i18n import tr
from ..labels import term
from .config import ReportConfig
from .document import (
    Facts,
    FigureBlock,
    Note,
    ReportTable,
    Section,
)
from .figures import figure_style, render_figure
from .text import count

TEXT = {
    "missing": (
        "Dieser Teil fehlt: das Modul evaluation.{module} ist nicht verfügbar ({what}).",
        "This part is missing: the module evaluation.{module} is not available ({what}).",
    ),
    "failed": (
        "{what} konnte nicht berechnet werden: {error}",
        "{what} could not be computed: {error}",
    ),
}


def text(key: str, lang: str, **kw: Any) -> str:
    de, en = TEXT[key]
    return (de if lang == "de" else en).format(**kw)


class AnalysisFailed(Exception):
    """Internal: an analysis failed and the report was told to stop."""


@dataclass
class Context:
    study: Any
    config: ReportConfig
    year: int
    step: Callable[[str], None] = lambda label: None
    #: show progress bars of long inner steps (bootstrap, randomisation inference)
    progress: bool = False
    missing: list[str] = field(default_factory=list)
    #: every analysis, diagnostic or figure that failed ("section (scope): what: error")
    failures: list[str] = field(default_factory=list)
    #: the failures of analyses the configuration asked for (not of diagnostics or figures):
    #: the command line exits with 3 when there are any
    failed_analyses: list[str] = field(default_factory=list)
    se_notes: dict[str, str] = field(default_factory=dict)
    #: what the analyses are about at the moment (an indicator), named in the failures
    scope: str = ""

    @property
    def lang(self) -> str:
        return self.config.lang

    def t(self, de: str, en: str) -> str:
        return de if self.lang == "de" else en

    # -- calling analyses ----------------------------------------------------------------
    def available(self, module: str) -> bool:
        return importlib.util.find_spec(f"evaluation.{module}") is not None

    def call(
        self, section: Section, module: str, func: str, what: str, *args: Any, **kwargs: Any
    ) -> Any:
        """Call ``evaluation.<module>.<func>(*args, **kwargs)``; on a missing module or a
        failure, add a note to ``section`` and return None."""
        if not self.available(module):
            self._missing(section, module, what)
            return None
        mod = importlib.import_module(f"evaluation.{module}")
        fn = getattr(mod, func, None)
        if fn is None:
            self._missing(section, module, what)
            return None
        return self.guard(section, what, fn, *args, **kwargs)

    def guard(self, section: Section, what: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn`` catching its warnings (as notes) and errors (as a note, or re-raised).
        A failure counts as a failed analysis (see :attr:`failed_analyses`)."""
        return self._run(section, what, fn, args, kwargs, required=True)

    def diagnostic(
        self, section: Section, what: str, fn: Callable, *args: Any, **kwargs: Any
    ) -> Any:
        """As :meth:`guard`, for a check the report adds on its own (a pre-test, a comparison
        table): a failure is a note, not a failed analysis."""
        return self._run(section, what, fn, args, kwargs, required=False)

    def failed(self, section: Section, what: str, error: str, *, required: bool = True) -> None:
        """Record a failure and show it as a note in ``section``."""
        where = f"{section.title} ({self.scope})" if self.scope else section.title
        entry = f"{where}: {what}: {error}"
        self.failures.append(entry)
        if required:
            self.failed_analyses.append(entry)
        section.add(Note(text("failed", self.lang, what=what, error=error), "error"))

    def _run(
        self,
        section: Section,
        what: str,
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
                msg = f"{type(exc).__name__}: {_one_line(str(exc))}"
                self.failed(section, what, msg, required=required)
                return None
        seen: list[str] = []
        for w in caught:
            if issubclass(w.category, DeprecationWarning) or not _ours(w):
                continue  # only the package's own warnings are meant for readers
            m = _one_line(str(w.message))
            if m not in seen:
                seen.append(m)
        for m in seen[:5]:
            section.add(Note(f"{what}: {m}", "info"))
        return out

    def _missing(self, section: Section, module: str, what: str) -> None:
        where = f"{section.title} ({self.scope})" if self.scope else section.title
        entry = f"{where}: {what} (evaluation.{module})"
        if entry not in self.missing:
            self.missing.append(entry)
        section.add(Note(text("missing", self.lang, module=module, what=what), "missing"))

    # -- results into blocks -------------------------------------------------------------
    def add_result(
        self,
        section: Section,
        result: Any,
        name: str,
        caption: str,
        *,
        plot: bool = True,
        plot_kwargs: dict[str, Any] | None = None,
        alt: str | None = None,
        facts: bool = True,
    ) -> None:
        """Add a result's facts, table, notes and (optionally) its plot to a section."""
        if result is None:
            return
        if isinstance(result, pd.DataFrame):
            section.add(ReportTable(name, caption, result))
            return
        summary = None
        try:
            summary = result.summary(lang=self.lang)
        except Exception:  # noqa: BLE001 - a result without a summary still has tidy()
            summary = None
        if facts and summary is not None and summary.facts:
            section.add(Facts(tuple((str(k), str(v)) for k, v in summary.facts)))
        tidy = result.tidy() if hasattr(result, "tidy") else pd.DataFrame(result)
        notes: tuple[str, ...] = ()
        if summary is not None:
            notes = tuple(str(n) for n in summary.notes if str(n).strip())
        se = getattr(result, "se_note", None)
        if se:
            method = getattr(result, "method", None) or name
            self.se_notes.setdefault(tr(method, self.lang), tr(se, self.lang))
        section.add(ReportTable(name, caption, tidy, notes))
        if plot:
            self.add_plot(section, result, name, caption, alt=alt, **(plot_kwargs or {}))

    def add_plot(
        self,
        section: Section,
        result: Any,
        name: str,
        title: str,
        *,
        alt: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not hasattr(result, "plot"):
            return

        def draw():
            with figure_style():
                out = result.plot(lang=self.lang, **kwargs)
            fig = getattr(out, "figure", out) if out is not None else None
            if fig is None or not hasattr(fig, "savefig"):
                return None
            return fig

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fig = draw()
            except NotImplementedError:
                return
            except Exception as exc:  # noqa: BLE001
                if self.config.report.on_error == "raise":
                    raise
                self.failed(section, title, _one_line(str(exc)), required=False)
                return
        if fig is None:
            return
        description = alt or describe_result(result, title, self.lang)
        self.add_figure(section, fig, name, title, description)

    def add_figure(self, section: Section, fig: Any, name: str, title: str, alt: str) -> None:
        section.add(FigureBlock(render_figure(fig, name, title, alt)))


def describe_result(result: Any, title: str, lang: str) -> str:
    """Alt text of a result's plot, from its tidy data."""
    try:
        tidy = result.tidy()
    except Exception:  # noqa: BLE001
        return title
    if "estimate" in tidy.columns and len(tidy):
        est = pd.to_numeric(tidy["estimate"], errors="coerce")
        lo, hi = est.min(), est.max()
        if lang == "de":
            n = count(len(tidy), "Schätzwert", "Schätzwerte", lang)
            return f"{title}: {n} mit Konfidenzintervallen, von {lo:.3g} bis {hi:.3g}."
        n = count(len(tidy), "estimate", "estimates", lang)
        return f"{title}: {n} with confidence intervals, from {lo:.3g} to {hi:.3g}."
    cols = ", ".join(term(str(c), lang) for c in list(tidy.columns)[:4])
    return f"{title} ({cols})."


def _one_line(s: str) -> str:
    s = " ".join(s.split())
    return s if len(s) <= 300 else s[:297] + "..."


def _ours(w: warnings.WarningMessage) -> bool:
    path = str(w.filename).replace("\\", "/")
    return "/evaluation/" in path and "/evaluation/report/" not in path
