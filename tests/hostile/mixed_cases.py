"""Cases of the hostile-input catalogue for the optional mixed-methods data: goal ratings and
costs (new columns of goals and measures), measure codes, survey waves and responses. Each
case starts from the base study with these tables added (:func:`_with_mixed`) and plants one
fault that a check must report. Used by ``make_catalogue.py``.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

#: the catalogue module (its Case and file helpers), set by :func:`mixed_cases`
_CAT: Any = None


#: the base study with the mixed-methods tables, written once per process (the content hash
#: of the base study's files -> a folder outside every test's own folder)
_MIXED: dict[str, Path] = {}


def _with_mixed(folder: Path) -> None:
    """Add the optional mixed-methods tables (goal ratings, costs, codes, surveys) to the
    base study in ``folder``: the valid start of the cases of these tables. The study is
    made once per base study and copied for every further case (it takes two seconds)."""
    import evaluation as ev
    from evaluation.study.write import save_study

    digest = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            digest.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    key = digest.hexdigest()
    made = _MIXED.get(key)
    if made is None:
        study = ev.add_mixed_methods(ev.load_study(folder), seed=7)
        save_study(study, folder, overwrite=True)
        made = Path(tempfile.mkdtemp(prefix="hostile-mixed-")) / "study"
        shutil.copytree(folder, made)
        _MIXED[key] = made
        return
    shutil.rmtree(folder)
    shutil.copytree(made, folder)


def _mixed_cell(table: str, row: int, fld: str, value: str) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        _with_mixed(folder)
        _CAT._set_cell(table, row, fld, value)(folder)

    return build


def _mixed_edit(table: str, fn: Callable[[pd.DataFrame], None]) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        _with_mixed(folder)
        df = _CAT._frame(folder, table)
        fn(df)
        _CAT._save_frame(folder, table, df)

    return build


def mixed_cases(cat: ModuleType) -> list:
    """One corrupted case per check of the mixed-methods data (goal attainment, costs,
    measure codes, surveys)."""
    global _CAT
    _CAT = cat
    Case = cat.Case
    m, c = _mixed_cell, _mixed_edit

    def copy_key(df: pd.DataFrame) -> None:
        df.loc[1, ["measure_id", "coder", "dimension"]] = df.loc[
            0, ["measure_id", "coder", "dimension"]
        ].to_numpy()

    def other_stratum(df: pd.DataFrame) -> None:
        df.loc[0, "stratum"] = "9-elsewhere"

    def rated_unrated(df: pd.DataFrame) -> None:
        df.loc[0, "attained_level"] = ""
        df.loc[0, "rater"] = "Gutachter:in 01"

    def no_respondent(df: pd.DataFrame) -> None:
        df.loc[2, "respondent_id"] = ""

    return [
        Case(
            "goals-attained-level-3",
            m("goals", 1, "attained_level", "3"),
            "at most 2",
            table="goals",
        ),
        Case(
            "goals-expected-level-minus-3",
            m("goals", 2, "expected_level", "-3"),
            "at least -2",
            table="goals",
        ),
        Case(
            "goals-attained-level-text",
            m("goals", 1, "attained_level", "gut"),
            "not a whole number",
            table="goals",
        ),
        Case("goals-weight-negative", m("goals", 1, "weight", "-1"), "at least 0", table="goals"),
        Case(
            "goals-rating-date-german",
            m("goals", 1, "rating_date", "12.06.2019"),
            "write dates as YYYY-MM-DD",
            table="goals",
        ),
        Case(
            "goals-rated-without-level",
            c("goals", rated_unrated),
            "no attained level",
            "warning",
            "goals",
        ),
        Case(
            "measures-cost-negative",
            m("measures", 1, "cost_spent_eur", "-120"),
            "at least 0",
            table="measures",
        ),
        Case(
            "measures-cost-decimal-comma",
            m("measures", 1, "cost_planned_eur", "1200,50"),
            "decimal comma",
            table="measures",
        ),
        Case(
            "measures-funding-typo",
            m("measures", 1, "funding_source", "Stiftung"),
            "did you mean 'foundation'",
            table="measures",
        ),
        Case(
            "measure-codes-dimension-typo",
            m("measure_codes", 1, "dimension", "measuretype"),
            "did you mean 'measure_type'",
            table="measure_codes",
        ),
        Case(
            "measure-codes-code-typo",
            m("measure_codes", 1, "code", "infrastruktur"),
            "did you mean 'infrastructure'",
            table="measure_codes",
        ),
        Case(
            "measure-codes-code-of-other-dimension",
            m("measure_codes", 1, "code", "continued"),
            "not a code of the dimension",
            table="measure_codes",
        ),
        Case(
            "measure-codes-unknown-measure",
            m("measure_codes", 1, "measure_id", "X-1-M99"),
            "not found in measures.measure_id",
            table="measure_codes",
        ),
        Case(
            "measure-codes-coder-missing",
            m("measure_codes", 1, "coder", ""),
            "required value is missing",
            table="measure_codes",
        ),
        Case(
            "measure-codes-duplicate",
            c("measure_codes", copy_key),
            "duplicate key",
            table="measure_codes",
        ),
        Case(
            "surveys-population-typo",
            m("surveys", 1, "population", "Familien"),
            "did you mean 'families'",
            table="surveys",
        ),
        Case(
            "surveys-end-before-start",
            m("surveys", 1, "end_date", "2012-04-01"),
            "cannot end before it starts",
            table="surveys",
        ),
        Case(
            "surveys-unknown-audit",
            m("surveys", 1, "audit_id", "00000-9"),
            "not found in audits.audit_id",
            table="surveys",
        ),
        Case("surveys-wave-0", m("surveys", 1, "wave", "0"), "at least 1", table="surveys"),
        Case(
            "survey-responses-unknown-survey",
            m("survey_responses", 1, "survey_id", "families-1999"),
            "not found in surveys.survey_id",
            table="survey_responses",
        ),
        Case(
            "survey-responses-respondent-missing",
            c("survey_responses", no_respondent),
            "required value is missing",
            table="survey_responses",
        ),
        Case(
            "survey-responses-weight-negative",
            m("survey_responses", 1, "weight", "-3"),
            "at least 0",
            table="survey_responses",
        ),
        Case(
            "survey-responses-response-text",
            m("survey_responses", 1, "response", "sehr gut"),
            "not a number",
            table="survey_responses",
        ),
        Case(
            "survey-responses-ags-lost-zero",
            m("survey_responses", 1, "municipality_id", "1052"),
            "leading zero",
            table="survey_responses",
        ),
        Case(
            "survey-responses-cluster-in-two-strata",
            c("survey_responses", other_stratum),
            "nested in strata",
            table="survey_responses",
        ),
    ]
