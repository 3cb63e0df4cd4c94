"""Validation of a study against the data schema (deprecated module: the names below moved).

Validation has two steps, each in a module of its own:

1. :func:`~evaluation.study.coerce.coerce_table` turns a raw table into the schema's dtypes and
   reports every cell that is not of its type (:mod:`evaluation.study.coerce`);
2. :func:`~evaluation.study.checks.check_study` checks the typed tables
   (:mod:`evaluation.study.checks`).

Every finding is a :class:`~evaluation.study.problems.Problem`
(:mod:`evaluation.study.problems`, with counting, listing and JSON). This module re-exports
those names for one release; import them from their modules.
"""

from __future__ import annotations

from ..errors import StudyValidationError
from .checks import (
    DEFAULT_YEARS,
    ENUM_LISTS,
    SPAN_MARGIN,
    check_ags,
    check_study,
    check_years_option,
    closest_code,
    study_span,
)
from .coerce import (
    DATE_YEARS,
    DTYPES,
    FALSE_WORDS,
    MAX_INTEGER,
    TRUE_WORDS,
    coerce_column,
    coerce_table,
)
from .problems import (
    JSON_LIMIT,
    PRINT_LIMIT,
    PROBLEM_LIMIT,
    TABLE_ORDER,
    Problem,
    Severity,
    count_problems,
    format_problems,
    omitted,
    problems_frame,
    problems_json,
)

__all__ = [
    "DATE_YEARS",
    "DEFAULT_YEARS",
    "DTYPES",
    "ENUM_LISTS",
    "FALSE_WORDS",
    "JSON_LIMIT",
    "MAX_INTEGER",
    "PRINT_LIMIT",
    "PROBLEM_LIMIT",
    "SPAN_MARGIN",
    "TABLE_ORDER",
    "TRUE_WORDS",
    "Problem",
    "Severity",
    "StudyValidationError",
    "check_ags",
    "check_study",
    "check_years_option",
    "closest_code",
    "coerce_column",
    "coerce_table",
    "count_problems",
    "format_problems",
    "omitted",
    "problems_frame",
    "problems_json",
    "study_span",
]
