"""The study data model as data: one Frictionless Table Schema per table.

This module is the single source of the schema. ``data_schema/`` in the repository and the
descriptor that :func:`evaluation.init_study` writes are generated from it
(:func:`write_data_package`), so R, Stata and spreadsheet users read the same definitions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import codes

# the building blocks are defined in .fields and belong to this module's interface
from .fields import AGS_PATTERN as AGS_PATTERN
from .fields import Field as Field
from .fields import ForeignKey as ForeignKey
from .fields import Table as Table
from .schema_mixed import MEASURE_CODES, SURVEY_RESPONSES, SURVEYS

MUNICIPALITIES = Table(
    name="municipalities",
    title="Municipalities and districts",
    description=(
        "One row per audited or comparison unit. Further numeric columns are allowed and are "
        "treated as baseline covariates (for example share_under_18)."
    ),
    fields=(
        Field(
            "municipality_id",
            "string",
            "Official code (AGS) as text: 8 digits for a Gemeinde, 5 digits for a Kreis or "
            "kreisfreie Stadt. Leading zeros matter.",
            required=True,
            pattern=AGS_PATTERN,
        ),
        Field("name", "string", "Official name of the unit.", required=True),
        Field("level", "string", "Administrative level.", required=True, enum=codes.LEVEL_CODES),
        Field(
            "state",
            "string",
            "Two-digit state code 01-16; equals the first two digits of municipality_id.",
            required=True,
            enum=codes.STATE_CODES,
        ),
        Field(
            "group",
            "string",
            "audited (has at least one audit) or comparison (never audited in the study).",
            required=True,
            enum=codes.GROUP_CODES,
        ),
        Field("population", "integer", "Residents in the baseline year.", minimum=0),
        Field("area_km2", "number", "Area in square kilometres.", minimum=0),
        Field(
            "urbanisation",
            "integer",
            "Degree of urbanisation (Destatis): 1 densely, 2 intermediately, 3 thinly populated.",
            minimum=1,
            maximum=3,
        ),
    ),
    primary_key=("municipality_id",),
    extra_numeric_columns=True,
    example=(
        {
            "municipality_id": "16052",
            "name": "Gera",
            "level": "kreisfreie_stadt",
            "state": "16",
            "group": "audited",
            "population": 92126,
            "area_km2": 152.18,
            "urbanisation": 2,
        },
    ),
)

AUDITS = Table(
    name="audits",
    title="Audit cycles",
    description="One row per audit cycle of a municipality (1 = first audit, 2 = re-audit, ...).",
    fields=(
        Field("audit_id", "string", "Identifier of the audit cycle.", required=True),
        Field("municipality_id", "string", "The audited unit.", required=True, pattern=AGS_PATTERN),
        Field("cycle", "integer", "1 = first audit, 2 = first re-audit, ...", True, minimum=1),
        Field("start_date", "date", "Start of the audit (contract or kick-off).", required=True),
        Field(
            "agreement_date",
            "date",
            "Council adoption of the target agreement (Zielvereinbarung).",
        ),
        Field("certification_date", "date", "Date of the certificate."),
        Field(
            "implementation_end_date",
            "date",
            "End of the implementation phase (usually three years after certification).",
        ),
    ),
    primary_key=("audit_id",),
    foreign_keys=(ForeignKey("municipality_id", "municipalities", "municipality_id"),),
    example=(
        {
            "audit_id": "16052-1",
            "municipality_id": "16052",
            "cycle": 1,
            "start_date": "2014-03-01",
            "agreement_date": "2014-11-20",
            "certification_date": "2015-06-12",
            "implementation_end_date": "2018-06-12",
        },
    ),
)

GOALS = Table(
    name="goals",
    title="Goals of the target agreement",
    description="Goals agreed per audit and action field.",
    fields=(
        Field("goal_id", "string", "Identifier of the goal.", required=True),
        Field("audit_id", "string", "The audit cycle that agreed the goal.", required=True),
        Field(
            "action_field",
            "string",
            "Action field (Handlungsfeld) or optional module.",
            required=True,
            enum=codes.ALL_FIELD_CODES,
        ),
        # the goal-attainment scale (optional); the free-text title stays the last column
        Field(
            "expected_level",
            "integer",
            "Goal-attainment scale (Kiresuk-Sherman): the level expected at the re-audit, "
            "-2 (much less than expected) to +2 (much more); usually 0.",
            minimum=-2,
            maximum=2,
        ),
        Field(
            "attained_level",
            "integer",
            "Goal-attainment scale: the level attained at the re-audit, -2 to +2 (empty: not "
            "yet rated).",
            minimum=-2,
            maximum=2,
        ),
        Field(
            "weight",
            "number",
            "Weight of the goal in the goal-attainment T-score (e.g. importance x difficulty); "
            "empty: all goals weigh the same.",
            minimum=0,
        ),
        Field("rating_date", "date", "Date the attained level was rated."),
        Field(
            "rater",
            "string",
            "Who rated the goal (e.g. the auditor). Personal data: never shown in a report.",
            personal=True,
        ),
        Field("title", "string", "Wording of the goal.", multiline=True),
    ),
    primary_key=("goal_id",),
    foreign_keys=(ForeignKey("audit_id", "audits", "audit_id"),),
    example=(
        {
            "goal_id": "16052-1-G03",
            "audit_id": "16052-1",
            "action_field": "work_family",
            "title": "Betreuungsangebote in Randzeiten ausbauen",
        },
    ),
)

MEASURES = Table(
    name="measures",
    title="Measures",
    description="Measures (Maßnahmen) agreed per goal.",
    fields=(
        Field("measure_id", "string", "Identifier of the measure.", required=True),
        Field("goal_id", "string", "The goal the measure serves.", required=True),
        Field("title", "string", "Wording of the measure.", multiline=True),
        Field("planned_start_year", "integer", "Year the measure is planned to start.", year=True),
        Field(
            "planned_end_year", "integer", "Year the measure is planned to be completed.", year=True
        ),
        Field("responsible", "string", "Responsible actor (an office or organisation)."),
        Field(
            "contact_person",
            "string",
            "Name of a contact person. Personal data: never shown in a report.",
            personal=True,
        ),
        Field(
            "contact_email",
            "string",
            "E-mail of a contact person. Personal data: never shown in a report.",
            personal=True,
        ),
        Field("cost_planned_eur", "number", "Planned cost of the measure in EUR.", minimum=0),
        Field("cost_spent_eur", "number", "Cost spent on the measure in EUR.", minimum=0),
        Field("staff_hours", "number", "Staff hours spent on the measure.", minimum=0),
        Field(
            "funding_source",
            "string",
            "Who pays for the measure (main source).",
            enum=codes.FUNDING_CODES,
        ),
    ),
    primary_key=("measure_id",),
    foreign_keys=(ForeignKey("goal_id", "goals", "goal_id"),),
    example=(
        {
            "measure_id": "16052-1-M07",
            "goal_id": "16052-1-G03",
            "title": "Kita-Öffnungszeiten bis 18 Uhr",
            "planned_start_year": 2015,
            "planned_end_year": 2017,
            "responsible": "Jugendamt",
            "contact_person": "",
            "contact_email": "",
        },
    ),
)

MEASURE_REPORTS = Table(
    name="measure_reports",
    title="Annual implementation reports",
    description=(
        "One row per measure and report year: the status given in the annual report "
        "(Jahresbericht). report_year is the calendar year of the report."
    ),
    fields=(
        Field("measure_id", "string", "The measure reported on.", required=True),
        Field(
            "report_year",
            "integer",
            "Calendar year of the annual report.",
            required=True,
            year=True,
        ),
        Field(
            "status",
            "string",
            "Implementation status in that report.",
            required=True,
            enum=codes.STATUS_CODES,
        ),
        Field("note", "string", "Free-text remark of the report.", multiline=True),
    ),
    primary_key=("measure_id", "report_year"),
    foreign_keys=(ForeignKey("measure_id", "measures", "measure_id"),),
    example=(
        {
            "measure_id": "16052-1-M07",
            "report_year": 2016,
            "status": "partially_implemented",
            "note": "zwei von fünf Einrichtungen",
        },
    ),
)

INDICATORS = Table(
    name="indicators",
    title="Outcome indicators",
    description="Indicator values in long form: one row per unit, year and indicator.",
    fields=(
        Field("municipality_id", "string", "The unit.", required=True, pattern=AGS_PATTERN),
        Field("year", "integer", "Reference year of the value.", required=True, year=True),
        Field("indicator", "string", "Indicator code from the catalogue.", required=True),
        Field("value", "number", "The value, in the catalogue's unit.", required=True),
    ),
    primary_key=("municipality_id", "year", "indicator"),
    foreign_keys=(
        ForeignKey("municipality_id", "municipalities", "municipality_id"),
        ForeignKey("indicator", "indicator_catalogue", "indicator"),
    ),
    example=(
        {"municipality_id": "16052", "year": 2015, "indicator": "childcare_u3", "value": 51.3},
    ),
)

INDICATOR_CATALOGUE = Table(
    name="indicator_catalogue",
    title="Indicator catalogue",
    description=(
        "One row per indicator: labels, unit, source, direction, aggregation rule and the "
        "impact logic (linked action field, expected direction and lag; optional)."
    ),
    fields=(
        Field("indicator", "string", "Indicator code.", required=True, pattern=r"^[a-z0-9_]+$"),
        Field("label_de", "string", "German label.", required=True),
        Field("label_en", "string", "English label.", required=True),
        Field("unit", "string", "Unit of measurement.", required=True),
        Field("source", "string", "Source of the data.", required=True),
        Field(
            "higher_is_better",
            "boolean",
            "true if a higher value is desirable for families, false if lower, empty if neither.",
        ),
        Field(
            "aggregation",
            "string",
            "How to combine values when territories merge: sum (counts) or weighted_mean "
            "(rates and shares).",
            enum=codes.AGGREGATION_CODES,
        ),
        Field(
            "action_field",
            "string",
            "Impact logic: the action field whose measures are expected to move the indicator "
            "(a code of the action-field code list); empty for context indicators that the "
            "audit is not expected to move.",
            enum=codes.ALL_FIELD_CODES,
        ),
        Field(
            "expected_direction",
            "string",
            "Impact logic: the direction in which the linked field's measures are expected to "
            "move the indicator (increase or decrease); empty if none is expected.",
            enum=codes.DIRECTION_CODES,
        ),
        Field(
            "expected_lag",
            "integer",
            "Impact logic: years after certification until an effect is expected (0 to 10); "
            "empty if not stated.",
            minimum=0,
            maximum=10,
        ),
    ),
    primary_key=("indicator",),
    example=(
        {
            "indicator": "childcare_u3",
            "label_de": "Betreuungsquote unter 3-Jährige",
            "label_en": "Childcare rate, children under 3",
            "unit": "%",
            "source": "INKAR (BBSR)",
            "higher_is_better": True,
            "aggregation": "weighted_mean",
            "action_field": "work_family",
            "expected_direction": "increase",
            "expected_lag": 1,
        },
    ),
)

#: The optional mixed-methods tables: a study without them is complete.
MIXED_TABLE_NAMES: tuple[str, ...] = ("measure_codes", "surveys", "survey_responses")

CROSSWALK = Table(
    name="crosswalk",
    title="Territorial crosswalk",
    description=(
        "Maps units of older territorial states to the units of the reference year. One row per "
        "piece of an old unit that belongs to a new unit: a merge of A and B into N is two rows "
        "(A->N, B->N); a split of C into N1 and N2 is two rows (C->N1, C->N2). weight is the "
        "population (or area) of the piece: counts of an old unit are split between its new "
        "units in proportion to the weights of its rows, and rates of a new unit are the "
        "weighted mean over its pieces. A unit that keeps its code but gains territory needs "
        "its own row (A->A). Codes of the reference year without a row are taken as unchanged. "
        "valid_from and valid_to (data years, inclusive, empty = open) limit a row to the "
        "years in which the old unit existed."
    ),
    fields=(
        Field(
            "old_id",
            "string",
            "Code of the unit in the data (older territorial state), as text.",
            required=True,
            pattern=AGS_PATTERN,
        ),
        Field(
            "new_id",
            "string",
            "Code of the unit in the territorial reference year, as text.",
            required=True,
            pattern=AGS_PATTERN,
        ),
        Field(
            "weight",
            "number",
            "Population (or area) of the part of old_id that lies in new_id.",
            required=True,
            minimum=0,
        ),
        Field(
            "valid_from",
            "integer",
            "First data year the row applies to (empty: no limit).",
            year=True,
        ),
        Field(
            "valid_to", "integer", "Last data year the row applies to (empty: no limit).", year=True
        ),
        Field(
            "note",
            "string",
            "Source of the mapping, e.g. the Destatis change notice.",
            multiline=True,
        ),
    ),
    primary_key=("old_id", "new_id"),
    required_table=False,
    example=(
        {
            "old_id": "16053",
            "new_id": "16053",
            "weight": 110000,
            "valid_from": "",
            "valid_to": 2023,
            "note": "",
        },
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        MUNICIPALITIES,
        AUDITS,
        GOALS,
        MEASURES,
        MEASURE_REPORTS,
        INDICATORS,
        INDICATOR_CATALOGUE,
        MEASURE_CODES,
        SURVEYS,
        SURVEY_RESPONSES,
    )
}
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)

#: Tables that are not part of a study but are described in data_schema/ too.
AUXILIARY_TABLES: dict[str, Table] = {CROSSWALK.name: CROSSWALK}

#: Columns that hold personal data (table -> columns); reports drop them.
PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    t.name: tuple(f.name for f in t.fields if f.personal) for t in TABLES.values()
}


def resource_descriptor(
    table: Table, fmt: str = "csv", extra_fields: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The descriptor of one table file; ``extra_fields`` (Table Schema field descriptors) are
    columns beyond the schema that the file holds (e.g. baseline covariates), after the
    schema's fields as in the file."""
    table_schema = table.descriptor()
    if extra_fields:
        table_schema["fields"] = table_schema["fields"] + list(extra_fields)
    res: dict[str, Any] = {
        "profile": "tabular-data-resource",
        "name": table.name,
        "title": table.title,
        "description": table.description,
        "path": f"{table.name}.{fmt}",
        "format": fmt,
        "schema": table_schema,
    }
    if fmt == "csv":
        res["mediatype"] = "text/csv"
        res["encoding"] = "utf-8"
        res["dialect"] = {"delimiter": ",", "decimalChar": "."}
    else:
        res["mediatype"] = "application/vnd.apache.parquet"
    return res


def package_descriptor(
    name: str = "audit-study",
    formats: dict[str, str] | None = None,
    extra_fields: dict[str, list[dict[str, Any]]] | None = None,
    tables: list[str] | None = None,
) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of a study (``datapackage.json``): a tabular
    data package whose resources are tabular data resources, valid for the reference validator
    (``frictionless validate datapackage.json``); ``tables``: the tables it lists (default:
    every table of the schema)."""
    formats = formats or {}
    extra_fields = extra_fields or {}
    names = list(TABLES) if tables is None else list(tables)
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": "Audit familiengerechte Kommune: evaluation study",
        "resources": [
            resource_descriptor(TABLES[n], formats.get(n, "csv"), extra_fields.get(n))
            for n in names
        ],
    }


def dumps(obj: Any) -> str:
    """JSON as written everywhere in the package: sorted-free, indented, UTF-8, newline at end."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def codebook_markdown() -> str:
    """The codebook: every table, field and code list, as Markdown."""
    lines = [
        "# Codebook of an audit study",
        "",
        "Generated from `evaluation.schema` (do not edit by hand: run `make schema`).",
        "A study is a folder with `datapackage.json` (Frictionless Data Package) and one CSV",
        "(UTF-8, comma, decimal point) or Parquet file per table. Codes of municipalities are",
        "text with leading zeros. Dates are ISO 8601 (`YYYY-MM-DD`). Empty cells are missing.",
        "",
    ]
    for t in [*TABLES.values(), *AUXILIARY_TABLES.values()]:
        if t.name in AUXILIARY_TABLES:
            lines += [
                "## Auxiliary tables",
                "",
                "Not part of a study folder; used by `evaluation.ingest` (for example "
                "`harmonise(..., crosswalk=...)`).",
                "",
            ]
        lines += [f"## `{t.name}`: {t.title}", "", t.description, ""]
        lines.append(f"Primary key: `{', '.join(t.primary_key)}`.")
        for fk in t.foreign_keys:
            lines.append(f"Foreign key: `{fk.fields}` -> `{fk.table}.{fk.reference}`.")
        lines += [
            "",
            "| field | type | required | constraints | description |",
            "|---|---|---|---|---|",
        ]
        for f in t.fields:
            cons = []
            if f.enum:
                cons.append("one of " + ", ".join(f"`{e}`" for e in f.enum))
            if f.pattern:
                cons.append(f"pattern `{f.pattern}`")
            if f.minimum is not None:
                cons.append(f">= {f.minimum:g}")
            if f.maximum is not None:
                cons.append(f"<= {f.maximum:g}")
            req = "yes" if f.required else ""
            lines.append(f"| `{f.name}` | {f.type} | {req} | {'; '.join(cons)} | {f.description} |")
        if t.example:
            lines += ["", "Example row:", "", "```csv"]
            ex = t.example[0]
            lines.append(",".join(ex))
            lines.append(",".join(_csv_cell(v) for v in ex.values()))
            lines.append("```")
        lines.append("")
    lines += ["## Code lists", ""]
    for name, entries in codes.CODE_LISTS.items():
        lines += [f"### `{name}`", "", "| code | Deutsch | English |", "|---|---|---|"]
        lines += [f"| `{c.code}` | {c.label_de} | {c.label_en} |" for c in entries]
        lines.append("")
    return "\n".join(lines)


def _csv_cell(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    s = str(v)
    return f'"{s}"' if ("," in s or '"' in s) else s


def data_package_files(table_schemas: bool = True) -> dict[str, bytes]:
    """The files of the schema by relative path: descriptor, one table schema per table (if
    ``table_schemas``), code lists and codebook."""
    files = {"datapackage.json": dumps(package_descriptor()).encode("utf-8")}
    if table_schemas:
        for t in [*TABLES.values(), *AUXILIARY_TABLES.values()]:
            files[f"{t.name}.schema.json"] = dumps(t.descriptor()).encode("utf-8")
    for name in codes.CODE_LISTS:
        text = codes.code_list_frame(name).to_csv(index=False, lineterminator="\n")
        files[f"codelists/{name}.csv"] = text.encode("utf-8")
    files["CODEBOOK.md"] = codebook_markdown().encode("utf-8")
    return files


def write_data_package(folder: str | Path) -> list[Path]:
    """Write the schema (descriptor, one table schema per table, code lists, codebook); each
    file is written whole or not at all (a temporary file beside it, then renamed)."""
    from .write import write_files

    return write_files(Path(folder), data_package_files())
