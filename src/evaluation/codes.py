"""Code lists of the audit study: action fields, measure statuses, levels, groups, states.

Every code is a stable lower-case English identifier; German and English labels come with it.
The same codes are used in the data schema, the API, the reports and the documentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .i18n import LANGS as LANGS  # re-exported: older code imports them from here
from .i18n import Lang as Lang
from .i18n import Text
from .i18n import check_lang as check_lang

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Code:
    """One entry of a code list."""

    code: str
    label_de: str
    label_en: str
    description: str = ""

    @property
    def text(self) -> Text:
        """The label in both languages."""
        return Text(self.label_de, self.label_en)

    def label(self, lang: Lang = "de") -> str:
        """The label in ``lang``."""
        return self.text(lang)


#: The six action fields (Handlungsfelder) of the audit, in their usual order.
ACTION_FIELDS: tuple[Code, ...] = (
    Code(
        "steering",
        "Steuerung, Vernetzung und Nachhaltigkeit",
        "Steering, networking and sustainability",
    ),
    Code(
        "work_family",
        "Familie und Arbeitswelt, Betreuung",
        "Family and working life, childcare",
    ),
    Code("education", "Bildung und Erziehung", "Education and upbringing"),
    Code("counselling", "Beratung und Unterstützung", "Counselling and support"),
    Code(
        "living_environment",
        "Wohnumfeld und Lebensqualität",
        "Living environment and quality of life",
    ),
    Code("seniors_generations", "Senioren und Generationen", "Seniors and generations"),
)

#: Optional modules that an audit may add to the six action fields.
OPTIONAL_MODULES: tuple[Code, ...] = (
    Code("prevention", "Prävention", "Prevention"),
    Code("inclusion", "Inklusion", "Inclusion"),
    Code("integration", "Akzeptanz und Integration", "Acceptance and integration"),
    Code("family_time", "Familienzeitpolitik", "Family time policy"),
)

#: Status of a measure in an annual report, ordered from not started to implemented;
#: ``discontinued`` (dropped) stands outside the order.
STATUSES: tuple[Code, ...] = (
    Code("planned", "geplant, noch nicht begonnen", "planned, not started"),
    Code("in_progress", "begonnen, in Umsetzung", "in progress"),
    Code("partially_implemented", "teilweise umgesetzt", "partially implemented"),
    Code("implemented", "umgesetzt", "implemented"),
    Code("discontinued", "eingestellt", "discontinued"),
)

#: Administrative level of a unit; the AGS length follows from it.
LEVELS: tuple[Code, ...] = (
    Code("gemeinde", "Gemeinde", "municipality", "8-digit AGS"),
    Code("kreisfreie_stadt", "Kreisfreie Stadt", "district-free city", "5-digit code"),
    Code("kreis", "Kreis", "district", "5-digit code"),
)

#: Study group of a unit.
GROUPS: tuple[Code, ...] = (
    Code("audited", "auditiert", "audited"),
    Code("comparison", "Vergleichskommune", "comparison"),
)

#: The 16 German states (Länder) by their two-digit AGS prefix.
STATES: tuple[Code, ...] = (
    Code("01", "Schleswig-Holstein", "Schleswig-Holstein"),
    Code("02", "Hamburg", "Hamburg"),
    Code("03", "Niedersachsen", "Lower Saxony"),
    Code("04", "Bremen", "Bremen"),
    Code("05", "Nordrhein-Westfalen", "North Rhine-Westphalia"),
    Code("06", "Hessen", "Hesse"),
    Code("07", "Rheinland-Pfalz", "Rhineland-Palatinate"),
    Code("08", "Baden-Württemberg", "Baden-Württemberg"),
    Code("09", "Bayern", "Bavaria"),
    Code("10", "Saarland", "Saarland"),
    Code("11", "Berlin", "Berlin"),
    Code("12", "Brandenburg", "Brandenburg"),
    Code("13", "Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania"),
    Code("14", "Sachsen", "Saxony"),
    Code("15", "Sachsen-Anhalt", "Saxony-Anhalt"),
    Code("16", "Thüringen", "Thuringia"),
)

#: How an indicator is aggregated when territories are merged.
AGGREGATIONS: tuple[Code, ...] = (
    Code("sum", "Summe", "sum", "counts: the merged unit's value is the sum"),
    Code(
        "weighted_mean",
        "gewichtetes Mittel",
        "weighted mean",
        "rates and shares: mean weighted by the crosswalk weight (population or area)",
    ),
)

#: The direction in which the audit's measures are expected to move an indicator (the impact
#: logic of the indicator catalogue), independent of whether higher values are better.
DIRECTIONS: tuple[Code, ...] = (
    Code("increase", "steigt", "increase", "the measures are expected to raise the indicator"),
    Code("decrease", "sinkt", "decrease", "the measures are expected to lower the indicator"),
)

#: Coding dimensions of ``measure_codes``: what kind of measure was agreed.
CODING_DIMENSIONS: tuple[Code, ...] = (
    Code("measure_type", "Art der Maßnahme", "type of measure"),
    Code("target_group", "Zielgruppe", "target group"),
    Code("novelty", "neu oder fortgeführt", "new or continued"),
)

#: Types of measure (dimension ``measure_type`` of ``measure_codes``).
MEASURE_TYPES: tuple[Code, ...] = (
    Code("infrastructure", "Infrastruktur", "infrastructure", "buildings, places, facilities"),
    Code("service", "Beratung und Dienstleistung", "counselling and services"),
    Code("network", "Vernetzung und Steuerung", "networks and steering"),
    Code("information", "Information", "information"),
    Code("participation", "Beteiligung", "participation"),
)

#: Target groups of a measure (dimension ``target_group`` of ``measure_codes``).
TARGET_GROUPS: tuple[Code, ...] = (
    Code("young_families", "junge Familien", "young families"),
    Code("children_youth", "Kinder und Jugendliche", "children and young people"),
    Code("working_parents", "erwerbstätige Eltern", "working parents"),
    Code("seniors", "Seniorinnen und Senioren", "seniors"),
    Code("all", "alle Familien", "all families"),
)

#: Whether a measure is new or continues an existing one (dimension ``novelty``).
NOVELTY: tuple[Code, ...] = (
    Code("new", "neu", "new"),
    Code("continued", "fortgeführt", "continued"),
)

#: The code list of each coding dimension.
DIMENSION_CODES: dict[str, tuple[Code, ...]] = {
    "measure_type": MEASURE_TYPES,
    "target_group": TARGET_GROUPS,
    "novelty": NOVELTY,
}

#: Who pays for a measure.
FUNDING_SOURCES: tuple[Code, ...] = (
    Code("own_budget", "eigener Haushalt", "own budget"),
    Code("state_programme", "Landesprogramm", "state programme"),
    Code("federal_programme", "Bundesprogramm", "federal programme"),
    Code("foundation", "Stiftung", "foundation"),
    Code("other", "sonstige", "other"),
)

#: Who was surveyed in a survey wave.
SURVEY_POPULATIONS: tuple[Code, ...] = (
    Code("coordinators", "Koordinatorinnen und Koordinatoren", "coordinators"),
    Code("administration", "Verwaltung", "administration"),
    Code("partners", "Kooperationspartner", "partners"),
    Code("families", "Familien", "families"),
)

ACTION_FIELD_CODES: tuple[str, ...] = tuple(c.code for c in ACTION_FIELDS)
MODULE_CODES: tuple[str, ...] = tuple(c.code for c in OPTIONAL_MODULES)
ALL_FIELD_CODES: tuple[str, ...] = ACTION_FIELD_CODES + MODULE_CODES
STATUS_CODES: tuple[str, ...] = tuple(c.code for c in STATUSES)
LEVEL_CODES: tuple[str, ...] = tuple(c.code for c in LEVELS)
GROUP_CODES: tuple[str, ...] = tuple(c.code for c in GROUPS)
STATE_CODES: tuple[str, ...] = tuple(c.code for c in STATES)
AGGREGATION_CODES: tuple[str, ...] = tuple(c.code for c in AGGREGATIONS)
DIRECTION_CODES: tuple[str, ...] = tuple(c.code for c in DIRECTIONS)
DIMENSION_NAMES: tuple[str, ...] = tuple(c.code for c in CODING_DIMENSIONS)
FUNDING_CODES: tuple[str, ...] = tuple(c.code for c in FUNDING_SOURCES)
POPULATION_CODES: tuple[str, ...] = tuple(c.code for c in SURVEY_POPULATIONS)
#: every code of any coding dimension (the valid codes of measure_codes.code)
MEASURE_CODE_CODES: tuple[str, ...] = tuple(
    dict.fromkeys(c.code for cl in DIMENSION_CODES.values() for c in cl)
)

CODE_LISTS: dict[str, tuple[Code, ...]] = {
    "action_fields": ACTION_FIELDS + OPTIONAL_MODULES,
    "statuses": STATUSES,
    "levels": LEVELS,
    "groups": GROUPS,
    "states": STATES,
    "aggregations": AGGREGATIONS,
    "directions": DIRECTIONS,
    "coding_dimensions": CODING_DIMENSIONS,
    "measure_types": MEASURE_TYPES,
    "target_groups": TARGET_GROUPS,
    "novelty": NOVELTY,
    "funding_sources": FUNDING_SOURCES,
    "survey_populations": SURVEY_POPULATIONS,
}


def labels(code_list: str, lang: Lang = "de") -> dict[str, str]:
    """Map each code of a code list to its label in ``lang``.

    >>> labels("statuses", "en")["implemented"]
    'implemented'
    """
    check_lang(lang)
    if code_list not in CODE_LISTS:
        raise ValueError(f"unknown code list {code_list!r}; choose from {sorted(CODE_LISTS)}")
    return {c.code: c.label(lang) for c in CODE_LISTS[code_list]}


def code_list_frame(code_list: str) -> pd.DataFrame:
    """A code list as a DataFrame (code, label_de, label_en, description)."""
    import pandas as pd

    if code_list not in CODE_LISTS:
        raise ValueError(f"unknown code list {code_list!r}; choose from {sorted(CODE_LISTS)}")
    return pd.DataFrame(
        [(c.code, c.label_de, c.label_en, c.description) for c in CODE_LISTS[code_list]],
        columns=["code", "label_de", "label_en", "description"],
    )
