"""The building blocks of the data schema: a field, a foreign key and a table
(:mod:`evaluation.study.schema` defines the tables with them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AGS_PATTERN = r"^(\d{5}|\d{8})$"


@dataclass(frozen=True)
class Field:
    """One field (column) of a table of the data schema: its name, Frictionless type and
    description, and the constraints validation checks (``required``, ``enum``, ``pattern``,
    ``minimum``, ``maximum``, ``year``); ``personal`` fields are never shown in a report,
    ``multiline`` text may span lines in a quoted CSV cell."""

    name: str
    type: str  # frictionless type: string, integer, number, boolean, date
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    personal: bool = False  # personal data: never shown in a report
    year: bool = False  # a calendar year: checked against the plausible range of years
    multiline: bool = False  # free text that may span lines in a CSV cell (quoted)

    def descriptor(self) -> dict[str, Any]:
        """The field as a Frictionless Table Schema field (name, type, description,
        constraints)."""
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.type == "date":
            out["format"] = "%Y-%m-%d"
        out["description"] = self.description
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.enum is not None:
            constraints["enum"] = list(self.enum)
        if self.pattern is not None:
            constraints["pattern"] = self.pattern
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.maximum is not None:
            constraints["maximum"] = self.maximum
        if constraints:
            out["constraints"] = constraints
        if self.personal:
            out["personal"] = True
        return out


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key: the values of ``fields`` must occur in ``table.reference``."""

    fields: str
    table: str
    reference: str


@dataclass(frozen=True)
class Table:
    """One table of the data schema: its fields, keys and what validation expects of it
    (``required_table``: the file must exist; ``extra_numeric_columns``: further numeric
    columns are baseline covariates)."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    required_table: bool = True
    extra_numeric_columns: bool = False  # baseline covariates may be added as columns
    example: tuple[dict[str, Any], ...] = field(default=())

    @property
    def field_names(self) -> list[str]:
        """The names of the fields, in their order."""
        return [f.name for f in self.fields]

    def get(self, name: str) -> Field:
        """The field ``name`` (:class:`KeyError` if the table has none)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def descriptor(self) -> dict[str, Any]:
        """The table as a Frictionless Table Schema (fields, missing values, keys)."""
        out: dict[str, Any] = {
            "fields": [f.descriptor() for f in self.fields],
            "missingValues": [""],
            "primaryKey": list(self.primary_key),
        }
        if self.foreign_keys:
            out["foreignKeys"] = [
                {"fields": fk.fields, "reference": {"resource": fk.table, "fields": fk.reference}}
                for fk in self.foreign_keys
            ]
        return out
