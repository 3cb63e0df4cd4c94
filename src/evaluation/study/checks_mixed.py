"""Content checks of the mixed-methods data: goal attainment, measure codes, surveys.

The field checks of :mod:`.checks` (types, code lists with the closest code, ranges, keys and
foreign keys) cover every field of these tables; the checks here relate fields to each other:
the code of a measure must belong to its coding dimension, a survey cannot end before it
starts, a rated goal needs its attained level, and the primary sampling units of a survey
must lie within one stratum. A study without these data has nothing to check here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import codes
from .problems import Problem, capped, omitted, problems_at


def _closest_in(value: str, code_list: tuple[codes.Code, ...]) -> str | None:
    from .checks import closest_code

    return closest_code(value, code_list)


def check_measure_codes(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """A code that is valid but belongs to another dimension than the row's."""
    mc = tables["measure_codes"]
    if mc.empty:
        return []
    problems: list[Problem] = []
    dim = mc["dimension"].astype("string")
    code = mc["code"].astype("string")
    for d, code_list in codes.DIMENSION_CODES.items():
        valid = [c.code for c in code_list]
        # unknown codes are reported by the code-list check of the field already
        bad = (
            (dim == d).fillna(False).to_numpy()
            & code.isin(codes.MEASURE_CODE_CODES).fillna(False).to_numpy()
            & ~code.isin(valid).fillna(False).to_numpy()
        )
        idx, n_more = capped(np.flatnonzero(bad))
        if n_more:
            problems.append(omitted("measure_codes", "code", f"not a code of {d}", "code", n_more))
        for i in idx:
            v = str(code.iat[i])
            hint = _closest_in(v, code_list)
            said = f"; did you mean {hint!r}?" if hint else ""
            problems.append(
                Problem(
                    "measure_codes",
                    int(i) + 1,
                    "code",
                    v,
                    f"not a code of the dimension {d}{said} (valid: {', '.join(valid)}); "
                    "correct the code or the dimension",
                    check="code",
                )
            )
    return problems


def check_goal_ratings(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """A goal with a rating date or rater but no attained level (a warning: it is left out
    of the goal-attainment scores)."""
    g = tables["goals"]
    rated = (g["rating_date"].notna() | g["rater"].notna()).to_numpy()
    bad = rated & g["attained_level"].isna().to_numpy()
    return problems_at(
        "goals",
        "attained_level",
        g["attained_level"],
        bad,
        "the goal has a rating date or rater but no attained level: fill in the level "
        "(-2..+2) or remove the rating date; unrated goals are left out of goal attainment",
        "rating",
        "warning",
    )


def check_surveys(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Survey waves that end before they start."""
    s = tables["surveys"]
    if s.empty:
        return []
    bad = (s["end_date"] < s["start_date"]).fillna(False).to_numpy()
    start = s["start_date"].dt.strftime("%Y-%m-%d")
    problems = []
    idx, n_more = capped(np.flatnonzero(bad))
    if n_more:
        problems.append(
            omitted("surveys", "end_date", "ends before it starts", "date_order", n_more)
        )
    for i in idx:
        problems.append(
            Problem(
                "surveys",
                int(i) + 1,
                "end_date",
                str(s["end_date"].iat[i].date()),
                f"the survey cannot end before it starts (start_date {start.iat[i]}): "
                "correct one of the dates",
                check="date_order",
            )
        )
    return problems


def check_survey_design(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """A primary sampling unit (``cluster``) of a survey in two strata: clusters must be
    nested in strata for design-based standard errors."""
    r = tables["survey_responses"]
    if r.empty:
        return []
    d = r[["survey_id", "stratum", "cluster"]].dropna()
    if d.empty:
        return []
    # the rows outside the stratum most rows of their cluster are in
    counts = d.groupby(["survey_id", "cluster", "stratum"], observed=True).size()
    counts = counts.reset_index(name="n").sort_values(
        ["survey_id", "cluster", "n"], ascending=[True, True, False], kind="stable"
    )
    mode = counts.drop_duplicates(["survey_id", "cluster"]).set_index(["survey_id", "cluster"])[
        "stratum"
    ]
    want = pd.MultiIndex.from_frame(d[["survey_id", "cluster"]]).map(mode)
    other = d["stratum"].to_numpy(dtype=object) != np.asarray(want, dtype=object)
    mask = np.zeros(len(r), dtype=bool)
    mask[r.index.get_indexer(d.index[other])] = True
    return problems_at(
        "survey_responses",
        "stratum",
        r["stratum"],
        mask,
        "most rows of this cluster (primary sampling unit) lie in another stratum: clusters "
        "must be nested in strata; give the cluster one stratum or distinct cluster ids per "
        "stratum",
        "design",
    )


def check_mixed(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Every problem of the mixed-methods data (see the module docstring)."""
    return (
        check_goal_ratings(tables)
        + check_measure_codes(tables)
        + check_surveys(tables)
        + check_survey_design(tables)
    )
