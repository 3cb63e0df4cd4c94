"""The data model of a study: its tables and their schema, validation, reading and writing,
outcome panels, and the synthetic demo study. It knows nothing about the analyses.

- :mod:`~evaluation.study.schema`: the tables, fields, keys and code lists (one definition,
  from which ``data_schema/`` is generated);
- :mod:`~evaluation.study.validation`: every check of a study, each problem with table, row,
  field and what to do;
- :mod:`~evaluation.study.io`: reading and writing Frictionless data packages, safely;
- :mod:`~evaluation.study.model`: the :class:`Study`;
- :mod:`~evaluation.study.panel`: outcome panels and the one normaliser of panels;
- :mod:`~evaluation.study.exposure`: whether a certificate is in force, per unit and year;
- :mod:`~evaluation.study.synthetic`: the synthetic demo study with its known truth.
"""

from __future__ import annotations

from .model import Study, init_study, load_study
from .panel import Roles, build_panel, check_panel, missing_table, resolve_roles

__all__ = [
    "Roles",
    "Study",
    "build_panel",
    "check_panel",
    "init_study",
    "load_study",
    "missing_table",
    "resolve_roles",
]
