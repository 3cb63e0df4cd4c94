"""Municipality profiles (Kommunensteckbriefe): one page per audited municipality.

Each profile shows, in plain language and the reader's number format:

- the unit (level, state, code, residents) and a few sentences on where it stands;
- its audit timeline: every cycle with start, target agreement, certification and the end of
  the implementation phase (the next cycle is the re-audit);
- the measures of its current cycle per action field and their status over the annual reports
  (implemented at certification and in each report, partly implemented and discontinued in the
  last one, the share implemented);
- its indicators against the comparison group: the latest value beside the comparison units'
  median and middle half (interquartile range), and the change since the year before the audit
  beside the comparison median's;
- one figure: the timeline above small multiples of the indicators over the years (the unit
  against the comparison median and interquartile range).

Every number comes from :mod:`evaluation.study.profiles`; this module only arranges them. The
figures are PNG only, rendered once, small and at a low resolution, so that sixty profiles
stay fast. Contact columns never appear (nothing here reads them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import codes
from ..i18n import Lang, Text, number, percent, plural, signed, tr
from ..study.model import Study
from .document import FigureBlock, Note, Paragraph, Section
from .figures import ReportFigure
from .profile_figures import CYCLES, MAX_PANELS, ProfileFigures, cycle_label
from .yearly_render import DASH, YearlyTable, date_text

PLANNED_DATE = Text("{date} (vorgesehen)", "{date} (scheduled)")
META = Text("{level} · {state} · Gemeindeschlüssel {code}", "{level} · {state} · code {code}")
RESIDENTS = Text(" · {n} Einwohner", " · {n} residents")
NOT_CERTIFIED = Text(
    "{name} hat das {cycle} am {date} begonnen; die Zertifizierung steht noch aus, "
    "Jahresberichte folgen danach.",
    "{name} started its {cycle} on {date}; certification is still to come, annual reports "
    "follow after it.",
)
NO_AUDIT = Text(
    "Für {name} ist bis Ende {year} kein Audit erfasst.",
    "No audit of {name} is recorded up to the end of {year}.",
)
CERTIFIED_SINCE = Text(
    "{name} wurde {year} erstmals als familiengerechte Kommune zertifiziert ({cycles}).",
    "{name} was first certified as a family-friendly municipality in {year} ({cycles}).",
)
CURRENT = Text(
    "Im laufenden {cycle} (zertifiziert am {date}, Umsetzungsphase bis {end}) wurden "
    "{measures} in {fields} vereinbart; laut {report} sind {implemented} davon umgesetzt "
    "({share}).",
    "In the current {cycle} (certified on {date}, implementation phase until {end}) "
    "{measures} in {fields} were agreed; by {report} {implemented} of them are implemented "
    "({share}).",
)
ENDED = Text(
    "Im {cycle} (zertifiziert am {date}, Umsetzungsphase bis {end}) waren laut {report} "
    "{implemented} von {measures} umgesetzt ({share}).",
    "In the {cycle} (certified on {date}, implementation phase until {end}) {implemented} of "
    "{measures} were implemented by {report} ({share}).",
)
MEASURES = (Text("{n} Maßnahme", "{n} measure"), Text("{n} Maßnahmen", "{n} measures"))
FIELDS = (
    Text("{n} Handlungsfeld", "{n} action field"),
    Text("{n} Handlungsfeldern", "{n} action fields"),
)
AT_CERTIFICATION = Text("Zert. {year}", "cert. {year}")
REPORT_OF = Text("Jahresbericht {year}", "the annual report {year}")
NO_REPORT = Text("Zertifizierung ({year})", "certification ({year})")
NO_MEASURES = Text(
    "Für diesen Zyklus sind noch keine Maßnahmen mit fälligem Jahresbericht erfasst.",
    "No measures with a due annual report are recorded for this cycle yet.",
)

TIMELINE_CAPTION = Text("Audit-Verlauf", "Audit timeline")
TIMELINE_HEADERS = {
    "cycle_label": Text("Zyklus", "Cycle"),
    "start": Text("Beginn", "Start"),
    "agreement": Text("Zielvereinbarung", "Target agreement"),
    "certification": Text("Zertifizierung", "Certification"),
    "end": Text("Ende der Umsetzungsphase", "End of implementation phase"),
    "n_goals": Text("Ziele", "Goals"),
    "n_measures": Text("Maßnahmen", "Measures"),
}
MEASURE_CAPTION = Text(
    "Maßnahmen je Handlungsfeld im {cycle}: umgesetzte Maßnahmen bei der Zertifizierung "
    "(Zert.) und in jedem Jahresbericht; teilweise umgesetzt, eingestellt und Anteil "
    "umgesetzt: Stand {report}",
    "Measures per action field in the {cycle}: implemented measures at certification "
    "(cert.) and in each annual report; partly implemented, discontinued and share "
    "implemented: as of {report}",
)
MEASURE_HEADERS = {
    "action_field": Text("Handlungsfeld", "Action field"),
    "n_measures": Text("Maßnahmen", "Measures"),
    "n_partially_implemented": Text("teilweise", "partly"),
    "n_discontinued": Text("eingestellt", "discontinued"),
    "share_implemented": Text("Anteil umgesetzt", "share implemented"),
}
REPORT_YEAR = Text("{year}", "{year}")
INDICATOR_CAPTION = Text(
    "Indikatoren im Vergleich: Wert der Kommune, Median und mittlere Hälfte der "
    "Vergleichskommunen; Veränderung seit dem Basisjahr",
    "Indicators compared: the municipality's value, median and middle half of the comparison "
    "municipalities; change since the base year",
)
INDICATOR_HEADERS = {
    "label": Text("Indikator", "Indicator"),
    "year": Text("Jahr", "Year"),
    "value": Text("Wert", "Value"),
    "median": Text("Median", "Median"),
    "iqr": Text("mittlere Hälfte", "Middle half"),
    "position": Text("Lage", "Position"),
    "base_year": Text("Basisjahr", "Base year"),
    "change": Text("Veränderung", "Change"),
    "median_change": Text("Veränderung Median", "Change of median"),
}
POSITION = {
    "below": Text("unterhalb", "below"),
    "within": Text("innerhalb", "within"),
    "above": Text("oberhalb", "above"),
}
RANGE = Text("{low}\u00a0bis\u00a0{high}", "{low}\u00a0to\u00a0{high}")
COMPARISON_NOTE = Text(
    "Beschreibende Werte, keine Wirkungsschätzung. Vergleich: {who}; die mittlere Hälfte "
    "reicht vom ersten bis zum dritten Quartil. Basisjahr: das letzte Jahr mit Wert vor dem "
    "Jahr der Zertifizierung des Erst-Audits.",
    "Descriptive values, not an effect estimate. Comparison: {who}; the middle half runs from "
    "the first to the third quartile. Base year: the last year with a value before the year of "
    "the first audit's certification.",
)
SAME_LEVEL = Text(
    "{n} Vergleichskommunen derselben Ebene ({level})",
    "{n} comparison municipalities of the same level ({level})",
)
NO_COMPARISON = Text(
    "keine Vergleichskommunen mit Werten", "no comparison municipalities with values"
)
ALL_UNITS = Text(
    "alle {n} Vergleichskommunen (zu wenige derselben Ebene)",
    "all {n} comparison municipalities (too few of the same level)",
)
NO_INDICATORS = Text("Keine Indikatorwerte bis {year}.", "No indicator values up to {year}.")
#: units of the indicator catalogue (one language, as data) that read differently in English
UNITS = {
    "je 1.000": Text("je 1.000", "per 1,000"),
    "je 1.000 Einwohner": Text("je 1.000 Einwohner", "per 1,000 residents"),
    "je 100.000": Text("je 100.000", "per 100,000"),
    "Prozent": Text("Prozent", "percent"),
    "Euro": Text("Euro", "euros"),
}
MORE_PANELS = Text(
    "Die Abbildung zeigt die ersten {n} Indikatoren.", "The figure shows the first {n} indicators."
)


@dataclass(frozen=True)
class ProfileData:
    """The numbers of every profile, from :mod:`evaluation.study.profiles` (tidy tables)."""

    study: Study
    year: int
    ids: tuple[str, ...]
    indicators: tuple[str, ...]
    timeline: pd.DataFrame
    status: pd.DataFrame
    positions: pd.DataFrame
    quantiles: pd.DataFrame


def _count(n: int, threshold: int, lang: Lang) -> str:
    """A count as shown under small-cell suppression."""
    return f"<{threshold}" if 0 < n < threshold else number(int(n), lang)


def _counted(n: int, forms: tuple[Text, Text], threshold: int, lang: Lang) -> str:
    if 0 < n < threshold:
        return forms[1].format(n=f"<{threshold}")(lang)
    return plural(int(n), *forms, lang)


def build_profiles(data: ProfileData, lang: Lang, threshold: int) -> list[Section]:
    """One section per unit of ``data.ids``, in that order."""
    mun = data.study.municipalities.astype({"municipality_id": str}).set_index("municipality_id")
    catalogue = data.study.indicator_catalogue.astype({"indicator": str}).set_index("indicator")
    timeline = data.timeline.groupby("municipality_id", sort=False)
    status = data.status.groupby("municipality_id", sort=False)
    positions = data.positions.groupby("municipality_id", sort=False)
    values = data.study.indicators.dropna(subset=["value"]).astype(
        {"municipality_id": str, "indicator": str}
    )
    values = values[values["indicator"].isin(data.indicators).to_numpy()]
    series = values.groupby("municipality_id", sort=False)
    empty = pd.DataFrame()
    labels = {c: _indicator_label(catalogue, c, lang) for c in data.indicators}
    figures = ProfileFigures(
        data.quantiles,
        values[values["municipality_id"].isin(data.ids).to_numpy()],
        data.timeline,
        mun["level"].astype(str),
        labels,
        data.indicators,
        data.year,
        lang,
    )
    out = []
    for ags in data.ids:
        row = mun.loc[ags]
        part = Profile(
            ags=ags,
            unit=row,
            lang=lang,
            threshold=threshold,
            year=data.year,
            catalogue=catalogue,
            indicators=data.indicators,
            timeline=_group(timeline, ags, empty),
            status=_group(status, ags, empty),
            positions=_group(positions, ags, empty),
            series=_group(series, ags, empty),
            figures=figures,
        )
        out.append(part.section())
    figures.close()
    return out


def _indicator_label(catalogue: pd.DataFrame, code: str, lang: Lang) -> str:
    """An indicator's label in ``lang`` with its unit in brackets."""
    if code not in catalogue.index:
        return code
    c = catalogue.loc[code]
    label = tr(Text(str(c["label_de"]), str(c["label_en"])), lang)
    unit = str(c.get("unit", "") or "")
    unit = tr(UNITS.get(unit, unit), lang)
    return f"{label} ({unit})" if unit else label


def _given(v: Any) -> bool:
    try:
        return not bool(pd.isna(v))
    except (TypeError, ValueError):
        return True


def _group(groups: Any, key: str, empty: pd.DataFrame) -> pd.DataFrame:
    try:
        return groups.get_group(key)
    except KeyError:
        return empty


@dataclass
class Profile:
    """The page of one unit."""

    ags: str
    unit: pd.Series
    lang: Lang
    threshold: int
    year: int
    catalogue: pd.DataFrame
    indicators: tuple[str, ...]
    timeline: pd.DataFrame
    status: pd.DataFrame
    positions: pd.DataFrame
    series: pd.DataFrame
    figures: ProfileFigures

    @property
    def name(self) -> str:
        return str(self.unit["name"])

    def t(self, x: Text | str) -> str:
        return tr(x, self.lang)

    def section(self) -> Section:
        sec = Section(f"profile-{self.ags}", self.name)
        sec.add(Paragraph(self.meta()))
        sec.add(Paragraph(self.sentences()))
        sec.add(self.timeline_table())
        sec.add(*self.measure_blocks())
        sec.add(*self.indicator_blocks())
        sec.add(FigureBlock(self.figure()))
        return sec

    # -- text ------------------------------------------------------------------------
    def meta(self) -> str:
        level = codes.labels("levels", self.lang).get(str(self.unit["level"]), DASH)
        state = codes.labels("states", self.lang).get(str(self.unit["state"]), DASH)
        text = META.format(level=level, state=state, code=self.ags)(self.lang)
        pop = self.unit.get("population")
        if pop is not None and not pd.isna(pop):
            text += RESIDENTS.format(n=number(int(pop), self.lang))(self.lang)
        return text

    def _report(self, year: int, report_number: int) -> str:
        if report_number == 0:
            return self.t(NO_REPORT.format(year=year))
        return self.t(REPORT_OF.format(year=year))

    def sentences(self) -> str:
        lang, tl = self.lang, self.timeline
        if not len(tl):
            return self.t(NO_AUDIT.format(name=self.name, year=self.year))
        certified = tl.dropna(subset=["certification_date"])
        if not len(certified):
            first = tl.iloc[0]
            return self.t(
                NOT_CERTIFIED.format(
                    name=self.name,
                    cycle=cycle_label(int(first["cycle"]), in_text=True),
                    date=date_text(first["start_date"], lang),
                )
            )
        since = int(pd.Timestamp(certified["certification_date"].iloc[0]).year)
        cycles = plural(len(tl), *CYCLES, lang)
        parts = [self.t(CERTIFIED_SINCE.format(name=self.name, year=since, cycles=cycles))]
        for _, audit in certified.iterrows():
            text = self._cycle_sentence(audit)
            if text:
                parts.append(text)
        latest = tl.iloc[-1]
        if pd.isna(latest["certification_date"]):
            parts.append(
                self.t(
                    NOT_CERTIFIED.format(
                        name=self.name,
                        cycle=cycle_label(int(latest["cycle"]), in_text=True),
                        date=date_text(latest["start_date"], lang),
                    )
                )
            )
        return " ".join(parts)

    def _cycle_sentence(self, audit: pd.Series) -> str:
        lang = self.lang
        last = self._last_report(str(audit["audit_id"]))
        if last is None:
            return ""
        implemented = int(last["n_implemented"].sum())
        total = int(last["n_measures"].sum())
        end = audit["implementation_end_date"]
        running = not _given(end) or pd.Timestamp(end).year > self.year
        template = CURRENT if running else ENDED
        return self.t(
            template.format(
                cycle=cycle_label(int(audit["cycle"]), in_text=True),
                date=date_text(audit["certification_date"], lang),
                end=date_text(end, lang) or DASH,
                measures=_counted(total, MEASURES, self.threshold, lang),
                fields=plural(int(last["action_field"].nunique()), *FIELDS, lang),
                report=self._report(
                    int(last["report_year"].iloc[0]), int(last["report_number"].iloc[0])
                ),
                implemented=_count(implemented, self.threshold, lang),
                share=percent(implemented / total, lang, 0) if total else DASH,
            )
        )

    def _last_report(self, audit_id: str) -> pd.DataFrame | None:
        st = self.status
        if not len(st):
            return None
        st = st[st["audit_id"] == audit_id]
        if not len(st):
            return None
        return st[st["report_number"] == st["report_number"].max()]

    # -- tables ----------------------------------------------------------------------
    def _date(self, value: Any, scheduled: bool = False) -> str:
        text = date_text(value, self.lang)
        if not text:
            return DASH
        if scheduled and pd.Timestamp(value).year > self.year:
            return self.t(PLANNED_DATE.format(date=text))
        return text

    def timeline_table(self) -> YearlyTable:
        rows = []
        for _, a in self.timeline.iterrows():
            rows.append(
                {
                    "cycle_label": self.t(cycle_label(int(a["cycle"]))),
                    "start": self._date(a["start_date"]),
                    "agreement": self._date(a["agreement_date"]),
                    "certification": self._date(a["certification_date"]),
                    "end": self._date(a["implementation_end_date"], scheduled=True),
                    "n_goals": int(a["n_goals"]),
                    "n_measures": int(a["n_measures"]),
                }
            )
        df = pd.DataFrame(rows, columns=list(TIMELINE_HEADERS))
        return YearlyTable(
            f"profile_{self.ags}_timeline",
            self.t(TIMELINE_CAPTION),
            df,
            headers=dict(TIMELINE_HEADERS),
            count_columns=("n_goals", "n_measures"),
            files=False,
        )

    def measure_blocks(self) -> list[Any]:
        """The current cycle's measures per action field over its reports."""
        tl = self.timeline
        certified = tl.dropna(subset=["certification_date"]) if len(tl) else tl
        if not len(certified):
            return []
        audit = certified.iloc[-1]
        st = self.status
        st = st[st["audit_id"] == audit["audit_id"]] if len(st) else st
        if not len(st):
            return [Paragraph(self.t(NO_MEASURES))]
        numbers = sorted(int(k) for k in st["report_number"].unique())
        last = st[st["report_number"] == numbers[-1]].set_index("action_field")
        table = pd.DataFrame({"action_field": list(last.index)})
        table["n_measures"] = last["n_measures"].to_numpy()
        headers: dict[str, Any] = {"action_field": MEASURE_HEADERS["action_field"]}
        headers["n_measures"] = MEASURE_HEADERS["n_measures"]
        counts = ["n_measures"]
        for k in numbers:
            at = st[st["report_number"] == k].set_index("action_field")["n_implemented"]
            col = f"implemented_{k}"
            table[col] = at.reindex(table["action_field"]).fillna(0).astype("int64").to_numpy()
            year = int(st.loc[st["report_number"] == k, "report_year"].iloc[0])
            headers[col] = (AT_CERTIFICATION if k == 0 else REPORT_YEAR).format(year=year)
            counts.append(col)
        for col in ("n_partially_implemented", "n_discontinued", "share_implemented"):
            table[col] = last[col].to_numpy()
            headers[col] = MEASURE_HEADERS[col]
        counts += ["n_partially_implemented", "n_discontinued"]
        report = self._report(int(last["report_year"].iloc[0]), numbers[-1])
        cycle = cycle_label(int(audit["cycle"]), in_text=True)
        caption = MEASURE_CAPTION.format(cycle=cycle, report=report)
        return [
            YearlyTable(
                f"profile_{self.ags}_measures",
                self.t(caption),
                table,
                headers=headers,
                percent_columns=("share_implemented",),
                count_columns=tuple(counts),
                files=False,
            )
        ]

    def _label(self, code: str) -> str:
        return _indicator_label(self.catalogue, code, self.lang)

    def indicator_blocks(self) -> list[Any]:
        pos = self.positions
        if not len(pos):
            return [Paragraph(self.t(NO_INDICATORS.format(year=self.year)))]
        lang = self.lang
        rows = []
        for _, p in pos.iterrows():
            q25, q75 = p["q25"], p["q75"]
            iqr = (
                self.t(RANGE.format(low=number(q25, lang, 1), high=number(q75, lang, 1)))
                if not (pd.isna(q25) or pd.isna(q75))
                else DASH
            )
            position = POSITION.get(str(p["position"])) if _given(p["position"]) else None
            rows.append(
                {
                    "label": self._label(str(p["indicator"])),
                    "year": int(p["year"]),
                    "value": number(p["value"], lang, 1),
                    "median": number(p["median"], lang, 1) or DASH,
                    "iqr": iqr,
                    "position": self.t(position) if position is not None else DASH,
                    "base_year": str(int(p["base_year"])) if _given(p["base_year"]) else DASH,
                    "change": signed(p["change"], lang, 1) if _given(p["change"]) else DASH,
                    "median_change": (
                        signed(p["median_change"], lang, 1) if _given(p["median_change"]) else DASH
                    ),
                }
            )
        df = pd.DataFrame(rows, columns=list(INDICATOR_HEADERS))
        blocks: list[Any] = [
            YearlyTable(
                f"profile_{self.ags}_indicators",
                self.t(INDICATOR_CAPTION),
                df,
                headers=dict(INDICATOR_HEADERS),
                notes=(self.t(COMPARISON_NOTE.format(who=self._who(pos))),),
                files=False,
            )
        ]
        if len(self.indicators) > MAX_PANELS:
            blocks.append(Note(self.t(MORE_PANELS.format(n=MAX_PANELS))))
        return blocks

    def _who(self, pos: pd.DataFrame) -> Text:
        n = int(pos["n_comparison"].max())
        if n == 0:
            return NO_COMPARISON
        if (pos["scope"] == "all").any():
            return ALL_UNITS.format(n=number(n, self.lang))
        level = codes.labels("levels", self.lang).get(str(self.unit["level"]), DASH)
        return SAME_LEVEL.format(n=number(n, self.lang), level=level)

    def figure(self) -> ReportFigure:
        return self.figures.figure(self.ags, self.name)


def tidy_tables(data: ProfileData) -> Sequence[YearlyTable]:
    """The profiles' numbers in tidy form, written as CSV only (``tables/profiles_*.csv``)."""
    status = data.status
    return (
        YearlyTable(
            "profiles_timeline", "", data.timeline, count_columns=("n_goals", "n_measures")
        ),
        YearlyTable(
            "profiles_measures",
            "",
            status,
            count_columns=tuple(c for c in status.columns if str(c).startswith("n_")),
        ),
        YearlyTable("profiles_indicators", "", data.positions, count_columns=("n_comparison",)),
    )
