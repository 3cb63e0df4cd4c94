"""Validation of a study against the data schema (placeholder, being written)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from .errors import EvaluationError
from .schema import Table

DTYPES = {"string": "string", "integer": "Int64", "number": "float64", "boolean": "boolean"}


@dataclass(frozen=True)
class Problem:
    table: str
    row: int | None
    field: str | None
    value: str | None
    message: str
    severity: Literal["error", "warning"] = "error"


class StudyValidationError(EvaluationError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(p.message for p in self.problems))


def coerce_table(table: Table, df: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    out = df.copy()
    for f in table.fields:
        if f.name not in out.columns:
            out[f.name] = pd.Series([pd.NA] * len(out), dtype="string")
        if f.type == "date":
            out[f.name] = pd.to_datetime(out[f.name])
        else:
            out[f.name] = out[f.name].astype(DTYPES[f.type])
    return out, []


def check_study(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    return []
