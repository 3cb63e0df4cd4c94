"""The data model of a study: its tables and their schema, validation, reading and writing,
outcome panels, descriptive tables and the synthetic demo study. It knows nothing about the
analyses.

- :mod:`~evaluation.study.schema`: the tables, fields, keys and code lists (one definition,
  from which ``data_schema/`` is generated);
- :mod:`~evaluation.study.problems`: a problem found in a study (table, row, field, value and
  what to do), counted, listed and written as JSON;
- :mod:`~evaluation.study.coerce` and :mod:`~evaluation.study.checks`: the two steps of
  validation (types, then content);
- :mod:`~evaluation.study.read` (with :mod:`~evaluation.study.files`,
  :mod:`~evaluation.study.encoding`, :mod:`~evaluation.study.descriptor` and
  :mod:`~evaluation.study.read_csv`) and :mod:`~evaluation.study.write`: reading and writing
  Frictionless data packages, safely;
- :mod:`~evaluation.study.model`: the :class:`Study`;
- :mod:`~evaluation.study.panel`: outcome panels and the one normaliser of panels;
- :mod:`~evaluation.study.exposure`: whether a certificate is in force, per unit and year;
- :mod:`~evaluation.study.synthetic`: the synthetic demo study with its known truth.

``evaluation.study.io`` and ``evaluation.study.validation`` re-export the names of the reading,
writing and validation modules for one release.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .model import Study, init_study, load_study
    from .panel import Roles, build_panel, check_panel, missing_table, resolve_roles

#: names imported on first use: an estimator that only checks its panel (``study.panel``)
#: does not load the reader and the validator
_LAZY = {
    "Study": ".model",
    "init_study": ".model",
    "load_study": ".model",
    "Roles": ".panel",
    "build_panel": ".panel",
    "check_panel": ".panel",
    "missing_table": ".panel",
    "resolve_roles": ".panel",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


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
