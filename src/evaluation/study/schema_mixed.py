"""The optional mixed-methods tables of the data schema: the coding of the measures, survey
waves and survey responses (the goal-attainment columns of ``goals`` and the cost columns of
``measures`` are in :mod:`evaluation.study.schema` with their tables)."""

from __future__ import annotations

from .. import codes
from .fields import AGS_PATTERN, Field, ForeignKey, Table

MEASURE_CODES = Table(
    name="measure_codes",
    title="Coding of the measures",
    description=(
        "Optional. One row per measure, coder and coding dimension: what kind of measure was "
        "agreed (measure_type), for whom (target_group) and whether it is new (novelty). "
        "Two or more coders per measure give the coder agreement."
    ),
    fields=(
        Field("measure_id", "string", "The coded measure.", required=True),
        Field(
            "coder",
            "string",
            "Who coded (a name or a pseudonym). Personal data: never shown in a report.",
            required=True,
            personal=True,
        ),
        Field(
            "dimension",
            "string",
            "The coding dimension.",
            required=True,
            enum=codes.DIMENSION_NAMES,
        ),
        Field(
            "code",
            "string",
            "The code, from the code list of the dimension (measure_types, target_groups, "
            "novelty).",
            required=True,
            enum=codes.MEASURE_CODE_CODES,
        ),
    ),
    primary_key=("measure_id", "coder", "dimension"),
    foreign_keys=(ForeignKey("measure_id", "measures", "measure_id"),),
    required_table=False,
    example=(
        {
            "measure_id": "16052-1-M07",
            "coder": "Codiererin A",
            "dimension": "measure_type",
            "code": "infrastructure",
        },
    ),
)

SURVEYS = Table(
    name="surveys",
    title="Survey waves",
    description=(
        "Optional. One row per survey wave: of the actors of an audit (coordinators, "
        "administration, partners) or of families."
    ),
    fields=(
        Field("survey_id", "string", "Identifier of the survey wave.", required=True),
        Field(
            "audit_id",
            "string",
            "The audit whose actors were surveyed (empty: a survey across municipalities).",
        ),
        Field("wave", "integer", "Number of the wave (1, 2, ...).", minimum=1),
        Field("start_date", "date", "First day of the field work."),
        Field("end_date", "date", "Last day of the field work."),
        Field(
            "population",
            "string",
            "Who was surveyed.",
            required=True,
            enum=codes.POPULATION_CODES,
        ),
        Field("title", "string", "Title of the survey."),
    ),
    primary_key=("survey_id",),
    foreign_keys=(ForeignKey("audit_id", "audits", "audit_id"),),
    required_table=False,
    example=(
        {
            "survey_id": "families-2023",
            "audit_id": "",
            "wave": 2,
            "start_date": "2023-05-01",
            "end_date": "2023-06-30",
            "population": "families",
            "title": "Familienbefragung 2023",
        },
    ),
)

SURVEY_RESPONSES = Table(
    name="survey_responses",
    title="Survey responses",
    description=(
        "Optional. Long form: one row per respondent and item, with the sampling design "
        "(weight, stratum, cluster = primary sampling unit, fpc). Likert items are coded 1-5 "
        "(scales agree5 and satisfied5); response_label keeps the label of a survey file."
    ),
    fields=(
        Field("survey_id", "string", "The survey wave.", required=True),
        Field(
            "respondent_id",
            "string",
            "Pseudonymous respondent id. Personal data: never shown in a report.",
            required=True,
            personal=True,
        ),
        Field(
            "municipality_id",
            "string",
            "The municipality of the respondent.",
            pattern=AGS_PATTERN,
        ),
        Field("stratum", "string", "Stratum of the sampling design."),
        Field("cluster", "string", "Primary sampling unit (e.g. the municipality)."),
        Field("weight", "number", "Sampling weight (inverse inclusion probability).", minimum=0),
        Field(
            "fpc",
            "number",
            "Finite population correction: the number of primary units in the stratum (or the "
            "sampling fraction, at most 1).",
            minimum=0,
        ),
        Field("item", "string", "Item code of the questionnaire.", required=True),
        Field("response", "number", "The answer (Likert items 1-5; empty: no answer)."),
        Field("response_label", "string", "Label of the answer as in the survey file."),
    ),
    primary_key=("survey_id", "respondent_id", "item"),
    foreign_keys=(
        ForeignKey("survey_id", "surveys", "survey_id"),
        ForeignKey("municipality_id", "municipalities", "municipality_id"),
    ),
    required_table=False,
    example=(
        {
            "survey_id": "families-2023",
            "respondent_id": "R0001",
            "municipality_id": "16052",
            "stratum": "2-audited",
            "cluster": "16052",
            "weight": 812.5,
            "fpc": 40,
            "item": "satisfaction",
            "response": 4,
            "response_label": "eher zufrieden",
        },
    ),
)
