"""The study: audited and comparison municipalities, audits, goals, measures, reports, indicators.

A :class:`Study` holds one pandas DataFrame per table of the data schema
(:mod:`evaluation.study.schema`), with the schema's dtypes: text as ``string``, integers as ``Int64``,
numbers as ``float64``, booleans as ``boolean`` and dates as ``datetime64[ns]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import codes
from ..errors import StudyValidationError
from ..options import Onset, TableFormat, check_option
from . import schema
from .checks import DEFAULT_YEARS, check_study, check_years_option
from .coerce import coerce_table
from .problems import Problem
from .read import MAX_FILE_BYTES, MAX_ROWS, read_tables
from .write import init_study_folder, save_study

if TYPE_CHECKING:
    from .synthetic import Truth

#: deprecated alias of :data:`evaluation.options.Onset`
OnsetName = Onset
#: the audits column of each onset
ONSET_COLUMNS: dict[str, str] = {
    "start": "start_date",
    "agreement": "agreement_date",
    "certification": "certification_date",
}


class Study:
    """An audit study: seven tables (and the optional mixed-methods tables
    ``measure_codes``, ``surveys`` and ``survey_responses``), typed as in the data schema.

    Build one from DataFrames (``Study(municipalities=..., audits=..., ...)``), read one with
    :func:`load_study`, or generate the demo with :func:`evaluation.datasets.synthetic_study`.
    Missing tables are empty frames with the schema's columns.
    """

    def __init__(
        self,
        municipalities: pd.DataFrame | None = None,
        audits: pd.DataFrame | None = None,
        goals: pd.DataFrame | None = None,
        measures: pd.DataFrame | None = None,
        measure_reports: pd.DataFrame | None = None,
        indicators: pd.DataFrame | None = None,
        indicator_catalogue: pd.DataFrame | None = None,
        *,
        measure_codes: pd.DataFrame | None = None,
        surveys: pd.DataFrame | None = None,
        survey_responses: pd.DataFrame | None = None,
        truth: Truth | None = None,
        source: str | Path | None = None,
    ) -> None:
        given = {
            "municipalities": municipalities,
            "audits": audits,
            "goals": goals,
            "measures": measures,
            "measure_reports": measure_reports,
            "indicators": indicators,
            "indicator_catalogue": indicator_catalogue,
            "measure_codes": measure_codes,
            "surveys": surveys,
            "survey_responses": survey_responses,
        }
        self._tables: dict[str, pd.DataFrame] = {}
        problems: list[Problem] = []
        for name, df in given.items():
            table = schema.TABLES[name]
            if df is None:
                df = pd.DataFrame({c: pd.Series([], dtype="string") for c in table.field_names})
            typed, probs = coerce_table(table, df)
            problems += probs
            self._tables[name] = typed
        self._coercion_problems = problems
        self._years: tuple[int, int] = DEFAULT_YEARS
        self.truth = truth
        #: The truth of synthetic mixed-methods tables (see
        #: :func:`evaluation.add_mixed_methods`); None otherwise.
        self.mixed_truth: Any = None
        self.source = Path(source) if source is not None else None
        #: The file each table was read from (resolved), for provenance records.
        self.files: dict[str, Path] = {}

    # -- tables --------------------------------------------------------------------------
    @property
    def municipalities(self) -> pd.DataFrame:
        """The units: audited and comparison municipalities (one row each), with level, state, group and baseline covariates."""
        return self._tables["municipalities"]

    @property
    def audits(self) -> pd.DataFrame:
        """The audits: one row per audit cycle of a unit, with its dates."""
        return self._tables["audits"]

    @property
    def goals(self) -> pd.DataFrame:
        """The goals of the target agreements, each in one action field."""
        return self._tables["goals"]

    @property
    def measures(self) -> pd.DataFrame:
        """The measures agreed for the goals."""
        return self._tables["measures"]

    @property
    def measure_reports(self) -> pd.DataFrame:
        """The annual reports: the status of a measure in a report year."""
        return self._tables["measure_reports"]

    @property
    def indicators(self) -> pd.DataFrame:
        """The outcome indicators in long form: unit, year, indicator, value."""
        return self._tables["indicators"]

    @property
    def indicator_catalogue(self) -> pd.DataFrame:
        """What each indicator is: labels, unit, source, direction and aggregation."""
        return self._tables["indicator_catalogue"]

    @property
    def measure_codes(self) -> pd.DataFrame:
        """The coding of the measures (optional): measure, coder, dimension and code; empty
        when the study has none."""
        return self._tables["measure_codes"]

    @property
    def surveys(self) -> pd.DataFrame:
        """The survey waves (optional; empty when the study has none)."""
        return self._tables["surveys"]

    @property
    def survey_responses(self) -> pd.DataFrame:
        """The survey answers in long form with the sampling design (optional; empty when
        the study has none)."""
        return self._tables["survey_responses"]

    def has(self, name: str) -> bool:
        """Whether the table ``name`` has rows; for the goal-attainment and cost columns of
        ``goals`` and ``measures`` (``"goal_attainment"``, ``"costs"``): whether any value
        is given."""
        if name == "goal_attainment":
            return bool(self.goals["attained_level"].notna().any())
        if name == "costs":
            cols = ["cost_planned_eur", "cost_spent_eur", "staff_hours"]
            return bool(self.measures[cols].notna().any(axis=None))
        return len(self[name]) > 0

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """All tables by name (the frames themselves, not copies)."""
        return dict(self._tables)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            raise KeyError(f"no table {name!r}; tables are {list(self._tables)}")
        return self._tables[name]

    # -- derived views -------------------------------------------------------------------
    @property
    def covariates(self) -> list[str]:
        """Numeric baseline covariates of the municipalities table."""
        base = ["population", "area_km2", "urbanisation"]
        fixed = set(schema.MUNICIPALITIES.field_names)
        extra = [
            c
            for c in self.municipalities.columns
            if c not in fixed and pd.api.types.is_numeric_dtype(self.municipalities[c])
        ]
        return [c for c in base if self.municipalities[c].notna().any()] + extra

    def onsets(self, onset: Onset = "certification", cycle: int = 1) -> pd.DataFrame:
        """Onset per audit of the given cycle: ``municipality_id``, ``onset_date`` and
        ``cohort`` (the calendar year of the onset date; missing where the date is).

        Parameters
        ----------
        onset
            The date that starts treatment: ``"start"`` of the audit, council
            ``"agreement"`` on the targets or ``"certification"`` (default).
        cycle
            The audit cycle (1 = first audit).
        """
        check_option("onset", onset, Onset)
        a = self.audits[self.audits["cycle"] == cycle]
        out = pd.DataFrame(
            {
                "municipality_id": a["municipality_id"].to_numpy(),
                "onset_date": a[ONSET_COLUMNS[onset]].to_numpy(),
            }
        )
        out["cohort"] = pd.to_datetime(out["onset_date"]).dt.year.astype("Int64")
        return out.sort_values("municipality_id", kind="stable").reset_index(drop=True)

    def measure_table(self) -> pd.DataFrame:
        """One row per measure with its goal, action field, audit and municipality attached."""
        m = self.measures.merge(
            self.goals[["goal_id", "audit_id", "action_field"]], on="goal_id", how="left"
        )
        a = self.audits[
            [
                "audit_id",
                "municipality_id",
                "cycle",
                "start_date",
                "agreement_date",
                "certification_date",
                "implementation_end_date",
            ]
        ]
        m = m.merge(a, on="audit_id", how="left")
        mun = self.municipalities[["municipality_id", "name", "level", "state", "group"]]
        m = m.merge(mun, on="municipality_id", how="left")
        m["measure_type"] = m["measure_id"].map(self.measure_types()).astype("string")
        return m

    def measure_types(self) -> pd.Series:
        """The type of each coded measure (``measure_codes``, dimension ``measure_type``):
        the code most coders gave, ties broken by the order of the code list; measures
        nobody coded are absent."""
        mc = self.measure_codes
        if len(mc) == 0:
            return pd.Series(dtype="string", name="measure_type")
        mc = mc[mc["dimension"] == "measure_type"]
        order = {c.code: i for i, c in enumerate(codes.MEASURE_TYPES)}
        counts = mc.groupby(["measure_id", "code"], observed=True).size().rename("n")
        counts = counts.reset_index()
        counts["_order"] = counts["code"].map(order).fillna(len(order))
        counts = counts.sort_values(["measure_id", "n", "_order"], ascending=[True, False, True])
        top = counts.drop_duplicates("measure_id")
        return pd.Series(
            top["code"].astype("string").to_numpy(),
            index=top["measure_id"].astype(str).to_numpy(),
            name="measure_type",
        )

    def panel(self, indicator: str, **kwargs: Any) -> pd.DataFrame:
        """The outcome panel of one indicator; see :func:`evaluation.panel.build_panel`."""
        from .panel import build_panel

        return build_panel(self, indicator, **kwargs)

    # -- checks and files ----------------------------------------------------------------
    def problems(self, years: tuple[int, int] | None = None) -> list[Problem]:
        """Every problem found in the study (empty list if it is valid).

        ``years`` is the plausible range of calendar years (default: the range the study was
        read with, else 1900-2100).
        """
        years = self._years if years is None else check_years_option(years)
        typed = self._coercion_problems
        # a cell that is not of its type is missing after coercion: report it once, as a type
        # problem, not a second time as a missing required value
        bad_cells = {(p.table, p.row, p.field) for p in typed if p.check == "type"}
        content = [
            p
            for p in check_study(self._tables, years)
            if not (p.check == "required" and (p.table, p.row, p.field) in bad_cells)
        ]
        return typed + content

    def validate(self, years: tuple[int, int] | None = None) -> Study:
        """Raise :class:`StudyValidationError` listing every problem; return self if valid."""
        probs = self.problems(years)
        errors = [p for p in probs if p.severity == "error"]
        if errors:
            raise StudyValidationError(probs)
        return self

    def save(self, path: str | Path, format: TableFormat = "csv") -> Path:
        """Write the study as a data package folder (descriptor plus one file per table; see
        :func:`evaluation.study.write.save_study`)."""
        return save_study(self, path, format=format)

    @classmethod
    def _from_typed(
        cls, tables: dict[str, pd.DataFrame], problems: list[Problem], source: Path | None
    ) -> Study:
        """A study of tables that :func:`coerce_table` typed already (when reading a folder):
        missing tables are typed empty frames; ``problems`` are those found while reading."""
        study = cls.__new__(cls)
        study._tables = {}
        for name, table in schema.TABLES.items():
            df = tables.get(name)
            if df is None:
                empty = pd.DataFrame({c: pd.Series([], dtype="string") for c in table.field_names})
                df, _ = coerce_table(table, empty)
            study._tables[name] = df
        study._coercion_problems = problems
        study._years = DEFAULT_YEARS
        study.truth = None
        study.mixed_truth = None
        study.source = Path(source) if source is not None else None
        study.files = {}
        return study

    def __repr__(self) -> str:
        shown = {k: v for k, v in self._tables.items() if schema.TABLES[k].required_table or len(v)}
        counts = ", ".join(f"{k}={len(v)}" for k, v in shown.items())
        return f"Study({counts})"


def load_study(
    path: str | Path,
    *,
    validate: bool = True,
    years: tuple[int, int] = DEFAULT_YEARS,
    allow_outside: bool = False,
    max_file_bytes: int | None = None,
    max_rows: int | None = None,
) -> Study:
    """Read a study folder (``datapackage.json`` plus CSV or Parquet files).

    Raises :class:`StudyValidationError` listing every problem found when ``validate`` is true.

    Parameters
    ----------
    years
        Plausible calendar years (first, last) of dates and year fields; values outside are
        errors. Default 1900-2100.
    allow_outside
        Follow table paths that are absolute, leave the folder (``..``) or are symbolic links.
        Off by default; when on, every table's resolved path is in ``study.files`` and a table
        read from outside the folder gets a warning naming it. Directories, FIFOs and devices
        are refused either way.
    max_file_bytes, max_rows
        Guards against files that are far too large: a table file larger than this (default
        1 GiB) or with more rows (default 20,000,000) is refused with a message.
    """
    years = check_years_option(years)
    read = read_tables(
        path,
        allow_outside=allow_outside,
        max_file_bytes=MAX_FILE_BYTES if max_file_bytes is None else max_file_bytes,
        max_rows=MAX_ROWS if max_rows is None else max_rows,
    )
    # the tables are typed already: keep the problems found while reading them
    study = Study._from_typed(read.tables, read.problems, read.folder)
    study._years = years
    study.files = read.files
    problems = study.problems()
    if validate and any(p.severity == "error" for p in problems):
        raise StudyValidationError(problems)
    return study


def init_study(path: str | Path) -> list[Path]:
    """Create an empty study folder: descriptor, header-only CSV templates and the codebook;
    returns the files written. A folder that exists and is not empty is refused."""
    return init_study_folder(path)
