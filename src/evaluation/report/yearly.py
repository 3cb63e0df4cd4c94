"""The yearly summary: the year against the year before, then one profile per municipality.

The overview (two pages at most):

- audits started, target agreements adopted, certified (first audits), re-audits certified and
  implementation phases ended, in the year and the year before;
- measures reported as implemented for the first time per action field;
- cumulative implementation rates per action field from
  :func:`evaluation.implementation_rates`, on the annual reports up to the end of the year,
  with the report's seed;
- the latest indicator means of audited units against the comparison group.

Then one page per audited municipality (all, or those asked for): its Kommunensteckbrief
(:mod:`evaluation.report.profiles`). Every number comes from the data layer
(:mod:`evaluation.study.profiles`, and for the overview :mod:`evaluation.report.yearly_inputs`,
the one adapter to the data layer's descriptive tables) or from the analyses; this module only
arranges them, in one language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import codes
from ..errors import EvaluationError, OptionError
from ..i18n import Lang, Text, plural, tr
from ..implementation import implementation_rates
from ..study import profiles as describe_profiles
from ..study.model import Study
from .config import ReportConfig
from .context import Context
from .document import Facts, FigureBlock, Heading, Paragraph, Section
from .figures import figure_style, new_figure, render_figure, report_style
from .output import atomic_folder
from .profiles import UNITS, ProfileData, build_profiles, tidy_tables
from .yearly_inputs import audit_events, latest_indicators, moved_to_implemented
from .yearly_render import YearlyDocument, YearlyTable, write_yearly

TITLE = Text("Jahresübersicht {year}", "Yearly summary {year}")
YEAR = Text("Das Jahr {year}", "The year {year}")
INTRO = Text(
    "Überblick über das Jahr {year} im Vergleich zu {previous} für {units}. Zahlen aus den "
    "Audit-Daten und Jahresberichten. Danach folgt für jede auditierte Kommune ihr Steckbrief "
    "auf einer Seite.",
    "Overview of {year} against {previous} for {units}, from the audit data and the annual "
    "reports. Then each audited municipality's profile follows, one page each.",
)
INTRO_NO_PROFILES = Text(
    "Überblick über das Jahr {year} im Vergleich zu {previous} für {units}. Zahlen aus den "
    "Audit-Daten und Jahresberichten.",
    "Overview of {year} against {previous} for {units}, from the audit data and the annual "
    "reports.",
)
AUDITED_UNITS = (
    Text("{n} auditierte Kommune", "{n} audited municipality"),
    Text("{n} auditierte Kommunen", "{n} audited municipalities"),
)
EVENTS = {
    "audits_started": Text("Erst-Audits begonnen", "First audits started"),
    "reaudits_started": Text("Re-Audits begonnen", "Re-audits started"),
    "agreements_adopted": Text("Zielvereinbarungen beschlossen", "Target agreements adopted"),
    "first_certified": Text("Erst-Audits zertifiziert", "First audits certified"),
    "reaudits_certified": Text("Re-Audits zertifiziert", "Re-audits certified"),
    "phases_ended": Text("Umsetzungsphasen beendet", "Implementation phases ended"),
}
AUDITS = Text("Audits", "Audits")
AUDIT_EVENTS = Text("Audit-Ereignisse", "Audit events")
CERTIFIED = Text("Zertifiziert {year}: {names}", "Certified in {year}: {names}")
REAUDIT = Text(" (Re-Audit)", " (re-audit)")
MOVED = Text("Maßnahmen neu umgesetzt", "Measures newly implemented")
MOVED_CAPTION = Text(
    "Maßnahmen, die im Jahresbericht erstmals als umgesetzt gemeldet wurden",
    "Measures reported as implemented for the first time",
)
RATES = Text("Umsetzungsquoten bis Ende des Jahres", "Implementation rates to date")
RATES_WHAT = Text("Umsetzungsquoten", "Implementation rates")
RATES_CAPTION = Text(
    "Anteil erfolgreicher Maßnahmen je Handlungsfeld (Ende der Phase oder letzter Bericht; "
    "Intervall mit Kommunen als Clustern)",
    "Share of successful measures by action field (end of phase or latest report; interval "
    "with municipalities as clusters)",
)
MOVED_FIGURE = Text(
    "Neu umgesetzte Maßnahmen {previous} und {year}",
    "Newly implemented measures {previous} and {year}",
)
MOVED_ALT = Text(
    "Balkendiagramm: neu umgesetzte Maßnahmen je Handlungsfeld, {previous} gegen {year}; "
    "{total} im Jahr {year}.",
    "Bar chart: newly implemented measures by action field, {previous} against {year}; "
    "{total} in {year}.",
)
MEASURES = (Text("{n} Maßnahme", "{n} measure"), Text("{n} Maßnahmen", "{n} measures"))
MOVED_AXIS = Text("Maßnahmen (Anzahl)", "Measures (count)")
MOVED_TITLE = Text(
    "Neu umgesetzte Maßnahmen je Handlungsfeld", "Newly implemented measures by action field"
)
INDICATORS = Text("Indikatoren", "Indicators")
INDICATORS_CAPTION = Text(
    "Letzte Werte: Mittelwert auditierter Kommunen gegen Vergleichsgruppe",
    "Latest values: mean of audited units against the comparison group",
)
DESCRIPTIVE = Text(
    "Beschreibende Mittelwerte, keine Wirkungsschätzung (siehe Evaluationsbericht).",
    "Descriptive means, not an effect estimate (see the evaluation report).",
)
CHANGE = Text("Veränderung", "Change")
SEED = Text("Startwert (seed)", "Seed")
DETAILS = Text("Details", "Details")
PROFILES_WHAT = Text("Kommunensteckbriefe", "Municipality profiles")
PROFILES_FACT = Text("Steckbriefe", "Profiles")
INDICATOR_HEADERS = {
    "label": Text("Indikator", "Indicator"),
    "unit": Text("Einheit", "Unit"),
    "year": Text("Jahr", "Year"),
}


def _label(study: Study, code: str, lang: Lang) -> str:
    cat = study.indicator_catalogue.astype({"indicator": str}).set_index("indicator")
    if code not in cat.index:
        return code
    return tr(Text(str(cat.at[code, "label_de"]), str(cat.at[code, "label_en"])), lang)


def certified_names(study: Study, year: int, lang: Lang) -> str:
    """Names of the units with a certification in ``year`` (first audit or re-audit)."""
    a = study.audits
    y = pd.to_datetime(a["certification_date"]).dt.year
    ids = a.loc[(y == year).fillna(False).to_numpy(), ["municipality_id", "cycle"]]
    names = ids.merge(study.municipalities[["municipality_id", "name"]], on="municipality_id")
    names = names.sort_values(["name", "municipality_id"], kind="stable")
    return ", ".join(
        f"{n}" + (tr(REAUDIT, lang) if int(c) > 1 else "")
        for n, c in zip(names["name"].astype(str), names["cycle"], strict=True)
    )


def build_overview(ctx: Context, known: Study, profiles: bool) -> Section:
    """The overview section of the year: audits, measures, rates and indicators."""
    lang: Lang = ctx.lang  # type: ignore[assignment]
    study, year = ctx.study, ctx.year
    years = {f"n_{year - 1}": str(year - 1), f"n_{year}": str(year)}
    sec = Section("summary", tr(YEAR.format(year=year), lang))
    aud = int(study.municipalities["group"].eq("audited").sum())
    intro = INTRO if profiles else INTRO_NO_PROFILES
    units = plural(aud, *AUDITED_UNITS, lang)
    sec.add(Paragraph(tr(intro.format(year=year, previous=year - 1, units=units), lang)))

    ev = audit_events(study, year)
    ev["event"] = [tr(EVENTS[e], lang) for e in ev["event"]]
    sec.add(Heading(tr(AUDITS, lang)))
    sec.add(
        YearlyTable(
            "summary_audits",
            tr(AUDIT_EVENTS, lang),
            ev,
            headers={**years, "change": CHANGE},
            count_columns=tuple(years),
        )
    )
    certified = certified_names(study, year, lang)
    if certified:
        sec.add(Paragraph(tr(CERTIFIED.format(year=year, names=certified), lang)))

    sec.add(Heading(tr(MOVED, lang)))
    moved = moved_to_implemented(study, year)
    sec.add(
        YearlyTable(
            "summary_moved",
            tr(MOVED_CAPTION, lang),
            moved,
            headers=years,
            count_columns=tuple(years),
        )
    )
    ctx.step("summary: rates")
    sec.add(Heading(tr(RATES, lang)))
    rates = ctx.guard(
        sec,
        tr(RATES_WHAT, lang),
        implementation_rates,
        known,
        by=["action_field"],
        success=ctx.config.implementation.success,
        seed=ctx.config.seed,
    )
    if rates is not None:
        tidy = rates.tidy()
        shown = (
            "action_field",
            "n_measures",
            "n_success",
            "share",
            "cluster_ci_low",
            "cluster_ci_high",
        )
        sec.add(
            YearlyTable(
                "summary_rates",
                tr(RATES_CAPTION, lang),
                tidy,
                columns=shown if set(shown) <= set(tidy.columns) else None,
                percent_columns=("share", "ci_low", "ci_high", "cluster_ci_low", "cluster_ci_high"),
                count_columns=("n_measures", "n_success", "n_municipalities"),
            )
        )
    if len(moved):
        total = plural(int(moved[f"n_{year}"].sum()), *MEASURES, lang)
        with figure_style():
            fig = _moved_chart(moved, year, lang)
        figure = render_figure(
            fig,
            "summary_moved",
            tr(MOVED_FIGURE.format(previous=year - 1, year=year), lang),
            tr(MOVED_ALT.format(previous=year - 1, year=year, total=total), lang),
        )
        sec.add(FigureBlock(figure))

    ctx.step("summary: indicators")
    sec.add(Heading(tr(INDICATORS, lang)))
    latest = latest_indicators(study, year)
    latest.insert(1, "label", [_label(study, c, lang) for c in latest["indicator"]])
    latest["unit"] = [tr(UNITS.get(str(u), str(u)), lang) for u in latest["unit"]]
    sec.add(
        YearlyTable(
            "summary_indicators",
            tr(INDICATORS_CAPTION, lang),
            latest,
            (tr(DESCRIPTIVE, lang),),
            columns=tuple(c for c in latest.columns if c != "indicator"),
            headers=dict(INDICATOR_HEADERS),
        )
    )
    return sec


def _moved_chart(moved: pd.DataFrame, year: int, lang: Lang) -> Any:
    labels = codes.labels("action_fields", lang)
    fig, ax = new_figure(7.0, 2.6)
    y = np.arange(len(moved))
    h = 0.38
    ax.barh(y - h / 2, moved[f"n_{year - 1}"], height=h, color="0.7", label=str(year - 1))
    ax.barh(y + h / 2, moved[f"n_{year}"], height=h, color="#2b6ca3", label=str(year))
    ax.set_yticks(y, [labels.get(f, f) for f in moved["action_field"]])
    ax.invert_yaxis()
    ax.set_xlabel(tr(MOVED_AXIS, lang))
    ax.set_title(tr(MOVED_TITLE, lang))
    ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def profile_data(
    ctx: Context, known: Study, sec: Section, municipalities: Sequence[str] | None
) -> ProfileData | None:
    """The numbers of the profiles from the data layer (None, with a note, when they fail)."""
    lang: Lang = ctx.lang  # type: ignore[assignment]
    what = tr(PROFILES_WHAT, lang)
    indicators = list(ctx.config.impact.indicators) or None

    def collect() -> ProfileData:
        ids = describe_profiles.select_audited(known, municipalities)
        codes_ = describe_profiles.indicator_codes(known, indicators)
        return ProfileData(
            study=known,
            year=ctx.year,
            ids=tuple(ids),
            indicators=tuple(codes_),
            timeline=describe_profiles.audit_timeline(known, ids).tidy(),
            status=describe_profiles.measure_status_counts(known, ids).tidy(),
            positions=describe_profiles.indicator_positions(
                known, ctx.year, codes_, municipalities=ids
            ).tidy(),
            quantiles=describe_profiles.comparison_quantiles(known, codes_).tidy(),
        )

    return ctx.guard(sec, what, collect)


def build_yearly(
    ctx: Context, municipalities: Sequence[str] | None = None, *, profiles: bool = True
) -> YearlyDocument:
    """The yearly summary of ``ctx.year``: the overview and (``profiles``) the profiles."""
    lang: Lang = ctx.lang  # type: ignore[assignment]
    known = describe_profiles.as_of(ctx.study, ctx.year)
    sec = build_overview(ctx, known, profiles)
    pages: list[Section] = []
    data = None
    if profiles:
        ctx.step("summary: profiles")
        data = profile_data(ctx, known, sec, municipalities)
        if data is not None:
            pages = build_profiles(data, lang, ctx.config.report.small_cell_threshold)
    facts = [(tr(SEED, lang), str(ctx.config.seed)), (tr(DETAILS, lang), "provenance.json")]
    if profiles:
        facts.insert(1, (tr(PROFILES_FACT, lang), str(len(pages))))
    sec.add(Facts(tuple(facts)))
    return YearlyDocument(
        title=tr(TITLE.format(year=ctx.year), lang),
        subtitle=ctx.config.study.title,
        lang=lang,
        digits=min(ctx.config.report.digits, 2),
        threshold=ctx.config.report.small_cell_threshold,
        overview=[sec],
        profiles=pages,
        data_tables=list(tidy_tables(data)) if data is not None else [],
    )


def _check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100:
        raise EvaluationError(f"year must be a calendar year such as 2024, got {year!r}")
    return year


def _municipality_list(municipalities: Iterable[str] | str | None) -> list[str] | None:
    if municipalities is None:
        return None
    if isinstance(municipalities, str):
        municipalities = municipalities.split(",")
    out = [str(m).strip() for m in municipalities if str(m).strip()]
    if not out:
        raise OptionError(
            "municipalities: the list is empty; give codes such as 09162000,05111000 or leave "
            "the option out for every audited municipality"
        )
    return list(dict.fromkeys(out))


def render_yearly_summary(
    study: Any,
    year: int,
    out: str | Path = "summary",
    *,
    config: str | Path | dict | ReportConfig | None = None,
    municipalities: Iterable[str] | str | None = None,
    profiles: bool = True,
    force: bool = False,
    progress: bool = False,
    parameters: dict[str, Any] | None = None,
    formats: Sequence[str] | None = None,
) -> Path:
    """Write the yearly summary of ``year`` into the folder ``out``.

    The summary is an overview of the year against the year before (two pages) followed by one
    profile page (Kommunensteckbrief) per audited municipality.

    Parameters
    ----------
    study : Study or path
        The study, or the path of a study folder.
    year : int
        The calendar year summarised.
    out : str or Path
        The output folder; it must not exist unless ``force`` (and then holds only an earlier
        yearly summary).
    config : path, dict or ReportConfig, optional
        The report configuration (language, seed, formats, indicators of the profiles: those
        of ``impact.indicators``, all when empty).
    municipalities : iterable of str or str, optional
        Codes of the audited municipalities to profile (a comma-separated string is split);
        None: every audited municipality.
    profiles : bool
        Write the profiles (False: the overview only).
    force : bool
        Replace an earlier yearly summary in ``out``.
    progress : bool
        Show a progress bar.
    parameters : dict, optional
        Recorded in ``provenance.json``.
    formats : sequence of str, optional
        Overrides ``report.formats`` for this run (``html``, ``pdf``, ``markdown``, ``docx``).

    Returns
    -------
    Path
        ``out``, holding ``summary.html``, ``summary.pdf``, ``summary.md``, ``summary.docx``
        (as asked for), ``tables/`` (the overview's tables as CSV and LaTeX, the profiles'
        numbers as ``profiles_*.csv``), ``figures/``, ``config.toml`` and ``provenance.json``.
    """
    from .build import _finish, _formats, _prepare, _start

    year = _check_year(year)
    chosen = _municipality_list(municipalities)
    cfg, out, st, source = _prepare("summary", study, config, out, force)
    if chosen is not None:
        describe_profiles.select_audited(st, chosen)  # unknown codes: refused before writing
    recorded = dict(parameters or {})
    if chosen is not None:
        recorded["municipalities"] = chosen
    if not profiles:
        recorded["profiles"] = False
    shown = _formats(cfg, formats)
    # rates, indicators, profiles, HTML, and one step per further format
    steps = 4 + sum(f in shown for f in ("markdown", "docx", "pdf"))
    ctx, record, step, close = _start(
        "summary", st, cfg, source, out, year, steps, f"summary {year}", progress, recorded
    )
    try:
        with report_style(), atomic_folder(out, force=force, kind="summary") as tmp:
            doc = build_yearly(ctx, chosen, profiles=profiles)
            write_yearly(doc, tmp, shown, step)
            _finish(ctx, cfg, record, tmp)
    finally:
        close()
    return out
