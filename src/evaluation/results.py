"""One results interface for every analysis in the package.

Every result is a :class:`Result`: it has ``tidy()`` (a DataFrame, the one source from which
tables and plots are derived), ``summary()`` (text, HTML, Markdown and LaTeX), ``_repr_html_``
for Jupyter, ``to_csv`` / ``to_markdown`` / ``to_latex`` and ``plot(ax=)``.

Estimates with standard errors are :class:`Estimates`: their tidy frame has the key columns
(e.g. ``rel_time``) followed by ``estimate``, ``std_error``, ``statistic``, ``p_value``,
``ci_low`` and ``ci_high``; ``conf_int(level)`` recomputes the interval at any level.
:func:`compare` puts several estimates side by side.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from tabulate import tabulate

from .codes import Lang, check_lang
from .labels import term

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


#: Upper limit of every number of random draws (bootstrap, randomisation, simulation): the
#: draws are held in memory, and more than a million add nothing a reader could see.
MAX_DRAWS = 1_000_000


def check_draws(name: str, value: Any, *, minimum: int = 1, maximum: int = MAX_DRAWS) -> int:
    """An integer number of draws between ``minimum`` and ``maximum`` (:data:`MAX_DRAWS`), or
    an :class:`~evaluation.errors.DataError` that names the option and the limits."""
    from .errors import DataError

    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise DataError(f"{name} must be a whole number of draws, got {value!r}")
    if not minimum <= value <= maximum:
        raise DataError(
            f"{name} = {value:,} is outside {minimum:,}..{maximum:,}: the draws are held in "
            "memory and their Monte Carlo error is negligible long before the upper limit; "
            "for more, run several analyses with different seeds and combine them"
        )
    return int(value)


#: Largest working memory a single analysis may allocate for its draws; above it the analysis
#: refuses before allocating, saying how much it would need.
MAX_DRAW_MEMORY = 4 * 1024**3


def check_draw_memory(n_bytes: float, what: str, advice: str) -> None:
    """Refuse (:class:`~evaluation.errors.DataError`) before allocating more than
    :data:`MAX_DRAW_MEMORY` bytes for random draws."""
    from .errors import DataError

    if n_bytes > MAX_DRAW_MEMORY:
        raise DataError(
            f"{what} would need about {n_bytes / 1024**3:,.1f} GiB of memory (limit "
            f"{MAX_DRAW_MEMORY / 1024**3:.0f} GiB); {advice}"
        )


def few_clusters(n_clusters: int, n_treated_clusters: int | None = None) -> bool:
    """Whether cluster-robust inference from these counts is flagged (see
    :data:`MIN_CLUSTERS` and :data:`MIN_TREATED_CLUSTERS`)."""
    return n_clusters < MIN_CLUSTERS or (
        n_treated_clusters is not None and n_treated_clusters < MIN_TREATED_CLUSTERS
    )


class BiText(str):
    """A German text (the string itself) that carries its English version in ``en``."""

    en: str

    def __new__(cls, de: str, en: str) -> BiText:
        obj = super().__new__(cls, de)
        obj.en = en
        return obj


def in_lang(text: str, lang: Lang) -> str:
    """The English version of a :class:`BiText` for ``lang="en"``, else the text itself."""
    return getattr(text, "en", text) if lang == "en" else str(text)


@dataclass
class Summary:
    """A rendered summary: a title, header facts, one or more tables and notes."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digits: int = 4

    def _fmt(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for c in out.columns:
            if pd.api.types.is_float_dtype(out[c]):
                out[c] = out[c].map(lambda v: "" if pd.isna(v) else f"{v:.{self.digits}f}")
            else:
                out[c] = out[c].map(lambda v: "" if _isna(v) else str(v))
        return out

    def as_text(self) -> str:
        parts = [self.title, "=" * len(self.title)]
        if self.facts:
            width = max(len(k) for k, _ in self.facts)
            parts += [f"{k + ':':<{width + 1}} {v}" for k, v in self.facts]
        for caption, df in self.tables:
            parts.append("")
            if caption:
                parts.append(caption)
            parts.append(
                tabulate(self._fmt(df), headers="keys", tablefmt="simple", showindex=False)
            )
        if self.notes:
            parts.append("")
            parts += self.notes
        return "\n".join(parts)

    def as_markdown(self) -> str:
        parts = [f"**{self.title}**", ""]
        if self.facts:
            parts += [f"- {k}: {v}" for k, v in self.facts] + [""]
        for caption, df in self.tables:
            if caption:
                parts += [f"*{caption}*", ""]
            parts += [
                tabulate(self._fmt(df), headers="keys", tablefmt="pipe", showindex=False),
                "",
            ]
        parts += [f"_{n}_  " for n in self.notes]
        return "\n".join(parts).rstrip() + "\n"

    def as_latex(self) -> str:
        parts = [f"% {self.title}"]
        for caption, df in self.tables:
            body = tabulate(
                self._fmt(df), headers="keys", tablefmt="latex_booktabs", showindex=False
            )
            parts += [
                "\\begin{table}[htbp]",
                "\\centering",
                f"\\caption{{{latex_escape(caption or self.title)}}}",
                body,
            ]
            if self.notes:
                notes = " ".join(latex_escape(n) for n in self.notes)
                parts.append(f"\\par\\footnotesize {notes}")
            parts.append("\\end{table}")
        return "\n".join(parts) + "\n"

    def as_html(self) -> str:
        esc = html.escape
        parts = [f'<div class="result"><h4>{esc(self.title)}</h4>']
        if self.facts:
            parts.append('<table class="facts">')
            parts += [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in self.facts]
            parts.append("</table>")
        for caption, df in self.tables:
            if caption:
                parts.append(f"<p><em>{esc(caption)}</em></p>")
            parts.append(
                self._fmt(df).to_html(index=False, escape=True, border=0, classes="estimates")
            )
        if self.notes:
            parts += [f'<p class="note">{esc(n)}</p>' for n in self.notes]
        parts.append("</div>")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def latex_escape(s: Any) -> str:
    """Text made safe for LaTeX (special characters escaped)."""
    return "".join(_LATEX.get(ch, ch) for ch in str(s))


def _write(text: str, path: str | Path | None) -> str:
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


class Result:
    """Base class of every result: subclasses implement :meth:`tidy` and usually :meth:`plot`.

    ``few_clusters`` is True when the result's cluster-robust inference rests on fewer than
    :data:`MIN_CLUSTERS` clusters (or fewer than :data:`MIN_TREATED_CLUSTERS` treated ones);
    the cluster counts are then in ``facts``."""

    title: str = "Result"
    few_clusters: bool = False

    def flag_clusters(
        self, n_clusters: int, n_treated_clusters: int | None = None, *, what: str = ""
    ) -> bool:
        """Record the number of clusters (and treated clusters) of the cluster-robust
        inference in ``facts``; with too few, set ``few_clusters``, add a note and issue a
        :class:`~evaluation.errors.FewClustersWarning`. Returns ``few_clusters``."""
        import warnings

        from .errors import FewClustersWarning

        facts = getattr(self, "facts", None)
        if isinstance(facts, dict):
            facts["n_clusters"] = int(n_clusters)
            if n_treated_clusters is not None:
                facts["n_treated_clusters"] = int(n_treated_clusters)
        if not few_clusters(n_clusters, n_treated_clusters):
            return False
        self.few_clusters = True
        counts_de = f"{n_clusters} Cluster" + (
            f", davon {n_treated_clusters} mit behandelten Einheiten"
            if n_treated_clusters is not None
            else ""
        )
        counts_en = f"{n_clusters} clusters" + (
            f", {n_treated_clusters} with treated units" if n_treated_clusters is not None else ""
        )
        note = BiText(
            f"WARNUNG: nur {counts_de} (nötig: mindestens {MIN_CLUSTERS}"
            + (
                f", davon {MIN_TREATED_CLUSTERS} behandelte"
                if n_treated_clusters is not None
                else ""
            )
            + "). Cluster-robuste Standardfehler sind dann zu klein und Tests verwerfen zu oft; "
            "p-Werte werden nicht gezeigt. Randomisierungsinferenz verwenden "
            "(evaluation.randomization_inference).",
            f"WARNING: only {counts_en} (needed: at least {MIN_CLUSTERS}"
            + (
                f", {MIN_TREATED_CLUSTERS} of them treated"
                if n_treated_clusters is not None
                else ""
            )
            + "). Cluster-robust standard errors are then too small and tests over-reject; "
            "p-values are not shown. Use randomisation inference "
            "(evaluation.randomization_inference).",
        )
        notes = getattr(self, "notes", None)
        if isinstance(notes, list):
            notes.insert(0, note)
        warnings.warn(f"{what or self.title}: {note.en}", FewClustersWarning, stacklevel=3)
        return True

    def tidy(self) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        return Summary(self.title, tables=[("", self._display_frame(self.tidy(), lang))])

    @staticmethod
    def _display_frame(df: pd.DataFrame, lang: Lang) -> pd.DataFrame:
        return df.rename(columns={c: term(c, lang) for c in df.columns})

    def plot(self, ax=None, lang: Lang = "de"):
        raise NotImplementedError(f"{type(self).__name__} has no plot")

    def to_csv(self, path: str | Path | None = None) -> str:
        text = self.tidy().to_csv(index=False, lineterminator="\n", float_format="%.10g")
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


Distribution = Literal["normal", "t"]


class Estimates(Result):
    """Estimates with standard errors, keyed by one or more columns.

    Parameters
    ----------
    table
        DataFrame with the key columns, ``estimate`` and ``std_error``; optional further columns
        (for example ``band_low``/``band_high`` of a simultaneous band, or counts) are kept.
    keys
        The key columns, e.g. ``["rel_time"]`` or ``["cohort", "time"]``; may be empty for a
        single estimate (then a column ``term`` is expected or created).
    title, method
        What was estimated and how (shown in the summary).
    se_note
        One sentence saying how the standard errors were computed (shown under the table).
    distribution, df
        Reference distribution of ``estimate / std_error``: standard normal, or Student t with
        ``df`` degrees of freedom. Intervals and p-values follow from it at any level.
    level
        Default confidence level of ``tidy()``.
    facts
        Further header facts for the summary (e.g. observations, clusters).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        keys: Sequence[str],
        *,
        title: str,
        method: str,
        se_note: str,
        distribution: Distribution = "normal",
        df: float | None = None,
        level: float = 0.95,
        facts: Mapping[str, Any] | None = None,
        notes: Sequence[str] = (),
        outcome: str | None = None,
    ) -> None:
        keys = list(keys)
        table = table.copy()
        if not keys:
            if "term" not in table.columns:
                table.insert(0, "term", [title] * len(table))
            keys = ["term"]
        missing = [c for c in [*keys, "estimate", "std_error"] if c not in table.columns]
        if missing:
            raise ValueError(f"results table lacks columns {missing}")
        if distribution not in ("normal", "t"):
            raise ValueError("distribution must be 'normal' or 't'")
        if distribution == "t" and (df is None or df <= 0):
            raise ValueError("a t reference distribution needs positive df")
        _check_level(level)
        self._table = table.reset_index(drop=True)
        notes = list(notes)
        degenerate = _degenerate_rows(self._table)
        if degenerate.any():
            self._table.loc[degenerate, "std_error"] = np.nan
            rows = self._table.loc[degenerate, keys].astype(str).agg(" / ".join, axis=1).tolist()
            shown = ", ".join(rows[:10]) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
            notes.append(
                BiText(
                    f"Kein Standardfehler für {shown}: die Varianz ist null oder verschwindend "
                    f"klein (|t| > {MAX_ABS_T:g}), ein entartetes Design (z. B. eine Zielgröße "
                    "ohne Streuung im Vergleich oder zu wenige Cluster), keine Schätzung der "
                    "Unsicherheit.",
                    f"No standard error for {shown}: the variance is zero or vanishingly small "
                    f"(|t| > {MAX_ABS_T:g}), a degenerate design (e.g. an outcome without "
                    "variation in the comparison, or too few clusters), not an estimate of the "
                    "uncertainty.",
                )
            )
        self.degenerate_rows = int(degenerate.sum())
        self.keys = keys
        self.title = title
        self.method = method
        self.se_note = se_note
        self.distribution = distribution
        self.df = df
        self.level = level
        self.facts = dict(facts or {})
        self.notes = list(notes)
        self.outcome = outcome

    # -- numbers -------------------------------------------------------------------------
    def _crit(self, level: float) -> float:
        _check_level(level)
        q = 0.5 + level / 2
        return float(stats.t.ppf(q, self.df) if self.distribution == "t" else stats.norm.ppf(q))

    def _pvalues(self, z: np.ndarray) -> np.ndarray:
        if self.distribution == "t":
            return 2 * stats.t.sf(np.abs(z), self.df)
        return 2 * stats.norm.sf(np.abs(z))

    def _index(self) -> pd.Index:
        if len(self.keys) == 1:
            return pd.Index(self._table[self.keys[0]], name=self.keys[0])
        return pd.MultiIndex.from_frame(self._table[self.keys])

    @property
    def params(self) -> pd.Series:
        return pd.Series(self._table["estimate"].to_numpy(), index=self._index(), name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(self._table["std_error"].to_numpy(), index=self._index(), name="std_error")

    @property
    def pvalues(self) -> pd.Series:
        return self.tidy()["p_value"].set_axis(self._index()).rename("p_value")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald confidence intervals at ``level``, indexed by the keys."""
        crit = self._crit(level)
        est = self._table["estimate"].to_numpy(dtype=float)
        se = self._table["std_error"].to_numpy(dtype=float)
        return pd.DataFrame(
            {"ci_low": est - crit * se, "ci_high": est + crit * se}, index=self._index()
        )

    def tidy(self, level: float | None = None) -> pd.DataFrame:
        level = self.level if level is None else level
        t = self._table
        est = t["estimate"].to_numpy(dtype=float)
        se = t["std_error"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        crit = self._crit(level)
        out = t[self.keys].copy()
        out["estimate"] = est
        out["std_error"] = se
        out["statistic"] = z
        out["p_value"] = self._pvalues(z)
        out["ci_low"] = est - crit * se
        out["ci_high"] = est + crit * se
        extra = [c for c in t.columns if c not in out.columns]
        for c in extra:
            out[c] = t[c].to_numpy()
        return out

    # -- display -------------------------------------------------------------------------
    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        facts = [(term("method", lang), self.method)]
        if self.outcome:
            facts.append((term("outcome", lang), self.outcome))
        facts += [
            (term(k, lang), _fmt_fact(v))
            for k, v in self.facts.items()
            if not (self.few_clusters and k.endswith("_p"))  # no p-values with few clusters
        ]
        facts.append((term("confidence_level", lang), f"{self.level:.0%}"))
        notes = [in_lang(n, lang) for n in (self.se_note, *self.notes)]
        shown = self.tidy()
        if self.few_clusters:
            # the numbers stay in tidy(); a person reading the summary sees no test result
            # that the few clusters cannot support
            shown = shown.drop(columns=["statistic", "p_value"])
            warn = [n for n in notes[1:] if n.startswith(("WARNUNG", "WARNING"))]
            notes = warn + [n for n in notes if n not in warn]
        return Summary(
            self.title,
            facts=facts,
            tables=[("", self._display_frame(shown, lang))],
            notes=notes,
        )

    def plot(self, ax=None, lang: Lang = "de", title: str | None = None):
        """Point estimates with confidence intervals (and simultaneous bands, if any)."""
        return plot_estimates(self.tidy(), self.keys, ax=ax, lang=lang, title=title or self.title)


def _degenerate_rows(table: pd.DataFrame) -> np.ndarray:
    """Rows whose standard error is exactly 0, or tiny relative to the estimate."""
    est = pd.to_numeric(table["estimate"], errors="coerce").to_numpy(dtype=float)
    se = pd.to_numeric(table["std_error"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.isfinite(est) & np.isfinite(se) & ((se <= 0) | (np.abs(est) > MAX_ABS_T * se))


def _fmt_fact(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}" if not v.is_integer() else f"{int(v)}"
    return str(v)


def _check_level(level: float) -> None:
    if not (isinstance(level, int | float) and 0 < level < 1):
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}")


def plot_estimates(
    tidy: pd.DataFrame,
    keys: Sequence[str],
    *,
    ax=None,
    lang: Lang = "de",
    title: str | None = None,
    ylabel: str | None = None,
):
    """Plot a tidy estimates frame: an event-study style plot for one numeric key,
    a horizontal coefficient plot otherwise. Returns the Figure."""
    import matplotlib.pyplot as plt

    check_lang(lang)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4))
    else:
        fig = ax.figure
    key = keys[0] if len(keys) == 1 else None
    numeric = key is not None and pd.api.types.is_numeric_dtype(tidy[key])
    if numeric:
        x = tidy[key].to_numpy(dtype=float)
        y = tidy["estimate"].to_numpy(dtype=float)
        if {"band_low", "band_high"} <= set(tidy.columns):
            ax.fill_between(
                x,
                tidy["band_low"],
                tidy["band_high"],
                alpha=0.15,
                color="C0",
                step=None,
                label=term("band_low", lang).split(" ")[0],
            )
        ax.errorbar(
            x,
            y,
            yerr=[y - tidy["ci_low"].to_numpy(), tidy["ci_high"].to_numpy() - y],
            fmt="o",
            color="C0",
            capsize=3,
            label=term("interval", lang),
        )
        ax.axhline(0, color="0.4", lw=0.8)
        if key in ("rel_time", "event_time"):
            ax.axvline(-0.5, color="0.6", lw=0.8, ls="--")
        ax.set_xlabel(term(key, lang))
    else:
        labels = (
            tidy[list(keys)].astype(str).agg(" / ".join, axis=1)
            if len(keys)
            else tidy.index.astype(str)
        )
        pos = np.arange(len(tidy))[::-1]
        est = tidy["estimate"].to_numpy(dtype=float)
        ax.errorbar(
            est,
            pos,
            xerr=[est - tidy["ci_low"].to_numpy(), tidy["ci_high"].to_numpy() - est],
            fmt="o",
            color="C0",
            capsize=3,
        )
        ax.set_yticks(pos, labels)
        ax.axvline(0, color="0.4", lw=0.8)
        ax.set_xlabel(ylabel or term("estimate", lang))
    if numeric:
        ax.set_ylabel(ylabel or term("estimate", lang))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


class Comparison(Result):
    """Several estimates side by side (rows: keys; columns: models)."""

    def __init__(self, results: Mapping[str, Estimates], stars: bool = False) -> None:
        if not results:
            raise ValueError("compare() needs at least one result")
        for name, r in results.items():
            if not isinstance(r, Estimates):
                raise TypeError(f"result {name!r} is a {type(r).__name__}, not Estimates")
        self.results = dict(results)
        self.stars = stars
        self.title = "Comparison"

    def tidy(self) -> pd.DataFrame:
        frames = []
        tidies = {name: r.tidy() for name, r in self.results.items()}
        # single numbers (a TWFE coefficient, an overall ATT) are the same concept: one row
        single = all(len(t) == 1 for t in tidies.values())
        for name, r in self.results.items():
            t = tidies[name]
            if single:
                t["term"] = "effect"
            else:
                t["term"] = t[r.keys].astype(str).agg(" / ".join, axis=1)
            t.insert(0, "model", name)
            frames.append(t[["model", "term", *ESTIMATE_COLUMNS]])
        return pd.concat(frames, ignore_index=True)

    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        t = self.tidy()
        cells = t.assign(
            cell=lambda d: (
                d["estimate"].map("{:.4f}".format)
                + " ("
                + d["std_error"].map("{:.4f}".format)
                + ")"
            )
        )
        order = list(dict.fromkeys(cells["term"]))
        wide = cells.pivot(index="term", columns="model", values="cell").reindex(order)
        wide = wide[list(self.results)].fillna("").reset_index()
        facts = [(name, r.method) for name, r in self.results.items()]
        note = (
            "Schätzwerte mit Standardfehlern in Klammern."
            if lang == "de"
            else "Estimates with standard errors in parentheses."
        )
        return Summary(
            self.title, facts=facts, tables=[("", self._display_frame(wide, lang))], notes=[note]
        )

    def plot(self, ax=None, lang: Lang = "de"):
        import matplotlib.pyplot as plt

        t = self.tidy()
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        terms = list(dict.fromkeys(t["term"]))
        n = len(self.results)
        for i, name in enumerate(self.results):
            d = t[t["model"] == name].set_index("term").reindex(terms)
            pos = np.arange(len(terms))[::-1] + (i - (n - 1) / 2) * 0.8 / max(n, 1)
            est = d["estimate"].to_numpy(dtype=float)
            ax.errorbar(
                est,
                pos,
                xerr=[est - d["ci_low"].to_numpy(), d["ci_high"].to_numpy() - est],
                fmt="o",
                capsize=2,
                label=name,
            )
        ax.set_yticks(np.arange(len(terms))[::-1], terms)
        ax.axvline(0, color="0.4", lw=0.8)
        ax.set_xlabel(term("estimate", lang))
        ax.legend()
        fig.tight_layout()
        return fig


def compare(results: Mapping[str, Estimates]) -> Comparison:
    """Put several estimates side by side: ``ev.compare({"TWFE": r1, "CS": r2})``."""
    return Comparison(results)


class TableResult(Result):
    """A result that is a table of its own shape (e.g. rates, balance, decomposition)."""

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        title: str,
        notes: Sequence[str] = (),
        facts: Mapping[str, Any] | None = None,
    ) -> None:
        self._table = table.reset_index(drop=True)
        self.title = title
        self.notes = list(notes)
        self.facts = dict(facts or {})

    def tidy(self) -> pd.DataFrame:
        return self._table.copy()

    def summary(self, lang: Lang = "de") -> Summary:
        check_lang(lang)
        return Summary(
            self.title,
            facts=[(term(k, lang), _fmt_fact(v)) for k, v in self.facts.items()],
            tables=[("", self._display_frame(self.tidy(), lang))],
            notes=[in_lang(n, lang) for n in self.notes],
        )
