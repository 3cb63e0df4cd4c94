"""Official statistics in: INKAR exports, the Destatis municipality directory, territorial
changes, and the study update that brings them into a study.

Readers turn the files researchers download into tables of the study schema, loudly where the
data are ambiguous; they read files and never estimate:

* :func:`read_inkar` (:mod:`.inkar`) reads INKAR (BBSR) web exports (``;``-separated, decimal
  comma, one header row of indicator names and one of years) into the long ``indicators`` table
  and catalogue rows; units that are not official districts (merged "Kreisregionen" such as
  "Kreis u. Stadt Landshut") are reported, never silently mapped;
* :func:`read_gemeindeverzeichnis` (:mod:`.gemeindeverzeichnis`) reads the GV-ISys "Auszug GV"
  spreadsheets of Destatis (old and current layout) into a ``municipalities`` table of
  Gemeinden and districts;
* :func:`territorial_changes` lists codes that appear or disappear between directory snapshots,
  and :func:`harmonise` maps an indicator panel to one territorial reference with a user
  crosswalk (table :data:`CROSSWALK`): sums for counts, weighted means for rates, as the
  catalogue says (:mod:`.territory`);
* :func:`set_municipalities` and :func:`add_indicators` (:mod:`.update`) put them into a study
  with the rules that keep it whole, returning the new study and notes (what the command line
  ``audit-eval import`` prints);
* :func:`district_case_study` (:mod:`.case_study`) builds the exploratory real-data case study.

Codes (AGS) are text throughout: leading zeros are kept, and a code that lost one is repaired
only where the level makes it unambiguous, and then reported. Cells that are not numbers are
errors naming file, line and column, except the documented missing-value symbols
(:data:`MISSING_SYMBOLS`).
"""

from __future__ import annotations

from ..options import MergedPolicy  # the vocabulary of read_inkar(merged=), kept importable here
from ._numbers import (
    MAX_INPUT_BYTES,
    MAX_XLSX_BYTES,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_RATIO,
    MISSING_SYMBOLS,
    PathLike,
    check_xlsx_archive,
    normalise_codes,
    parse_numbers,
    read_codes,
)
from .case_study import (
    AUDITED_MUNICIPALITIES,
    CASE_STUDY_BASELINE,
    CASE_STUDY_BASELINE_YEAR,
    PUBLIC_DISTRICT_AUDITS,
    district_case_study,
    public_district_audits,
)
from .gemeindeverzeichnis import Level, mark_audited, read_gemeindeverzeichnis
from .inkar import (
    INKAR_INDICATORS,
    UNKNOWN_UNIT,
    InkarData,
    indicators_from_wide,
    read_catalogue,
    read_inkar,
)
from .territory import CROSSWALK, harmonise, territorial_changes
from .update import add_indicators, guess_unit_level, kreisregionen_gaps, set_municipalities

__all__ = [
    "AUDITED_MUNICIPALITIES",
    "CASE_STUDY_BASELINE",
    "CASE_STUDY_BASELINE_YEAR",
    "CROSSWALK",
    "INKAR_INDICATORS",
    "MAX_INPUT_BYTES",
    "MAX_XLSX_BYTES",
    "MAX_XLSX_MEMBERS",
    "MAX_XLSX_RATIO",
    "MISSING_SYMBOLS",
    "PUBLIC_DISTRICT_AUDITS",
    "UNKNOWN_UNIT",
    "InkarData",
    "Level",
    "MergedPolicy",
    "PathLike",
    "add_indicators",
    "check_xlsx_archive",
    "district_case_study",
    "guess_unit_level",
    "harmonise",
    "indicators_from_wide",
    "kreisregionen_gaps",
    "mark_audited",
    "normalise_codes",
    "parse_numbers",
    "public_district_audits",
    "read_catalogue",
    "read_codes",
    "read_gemeindeverzeichnis",
    "read_inkar",
    "set_municipalities",
    "territorial_changes",
]
