"""The descriptive numbers of the municipality profiles (Kommunensteckbriefe).

Each function takes a :class:`~evaluation.study.model.Study` and returns a
:class:`~evaluation.results.TableResult` in tidy form (English column codes, machine values);
the yearly summary only arranges them.

- :func:`as_of`: the study as it was known at the end of a year;
- :func:`audit_timeline`: every audit cycle with its dates, the start of the next cycle (the
  re-audit) and the number of goals and measures agreed;
- :func:`measure_status_counts`: per audit, action field and annual report, how many measures
  had which status, following the conventions of the implementation analyses (see
  :func:`evaluation.implementation.measure_status`: report number = report year minus the
  certification year; a missing report carries the last status forward);
- :func:`comparison_quantiles`: quartiles of each indicator over the comparison units per year
  (of the same administrative level where there are enough of them);
- :func:`indicator_positions`: each audited unit's latest value of each indicator against those
  quartiles, and its change since the year before its onset against the comparison median's.

Quantiles are those of :func:`numpy.quantile` with linear interpolation (R's ``type = 7``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import codes
from ..errors import DataError
from ..i18n import Text
from ..options import ComparisonScope, Onset, check_option
from ..results import TableResult
from .model import ONSET_COLUMNS, Study

#: comparison quartiles need at least this many comparison units of a level; with fewer,
#: every comparison unit is used (``scope = "all"``)
MIN_COMPARISON_UNITS = 5
#: the audit dates that are events (an unset date after the year is not known yet); the end of
#: the implementation phase is a scheduled date and is kept
EVENT_DATES = ("start_date", "agreement_date", "certification_date")
#: position of a value against the comparison group's interquartile range
POSITIONS = ("below", "within", "above")


def as_of(study: Study, year: int) -> Study:
    """The study as known at the end of ``year``.

    Audits that start after ``year`` are left out (with their goals, measures and annual
    reports), agreement and certification dates after ``year`` are unset (not yet happened),
    annual reports and indicator values after ``year`` are dropped. The scheduled end of an
    implementation phase is kept.

    Parameters
    ----------
    study : Study
        The study.
    year : int
        The last calendar year that counts.

    Returns
    -------
    Study
        A new study; ``study`` is not changed.
    """
    year = _check_year(year)
    tables = {name: df.copy() for name, df in study.tables.items()}
    a = tables["audits"]
    start_year = pd.to_datetime(a["start_date"]).dt.year
    keep_audit = ~(start_year > year).fillna(False).to_numpy(dtype=bool)
    a = a.loc[keep_audit].reset_index(drop=True)
    for col in EVENT_DATES:
        later = (pd.to_datetime(a[col]).dt.year > year).fillna(False).to_numpy(dtype=bool)
        a.loc[later, col] = pd.NaT
    tables["audits"] = a
    kept = set(a["audit_id"].astype(str))
    g = tables["goals"]
    g = g[g["audit_id"].astype(str).isin(kept).to_numpy()].reset_index(drop=True)
    tables["goals"] = g
    m = tables["measures"]
    m = m[m["goal_id"].astype(str).isin(set(g["goal_id"].astype(str))).to_numpy()]
    tables["measures"] = m.reset_index(drop=True)
    r = tables["measure_reports"]
    r = r[r["measure_id"].astype(str).isin(set(m["measure_id"].astype(str))).to_numpy()]
    later = (r["report_year"] > year).fillna(False).to_numpy(dtype=bool)
    tables["measure_reports"] = r[~later].reset_index(drop=True)
    ind = tables["indicators"]
    tables["indicators"] = ind[~(ind["year"] > year).fillna(False).to_numpy(dtype=bool)]
    return Study(**tables, source=study.source)


def select_audited(study: Study, municipalities: Iterable[str] | None = None) -> list[str]:
    """The codes of the audited units to describe, in the order of the municipalities table.

    Parameters
    ----------
    study : Study
        The study.
    municipalities : iterable of str, optional
        Codes (``municipality_id``) to keep; None: every audited unit.

    Returns
    -------
    list of str

    Raises
    ------
    DataError
        A code that is not in the municipalities table, or that of a comparison unit.
    """
    mun = study.municipalities
    audited = mun.loc[mun["group"].eq("audited").fillna(False).to_numpy(), "municipality_id"]
    audited_ids = [str(i) for i in audited]
    if municipalities is None:
        return audited_ids
    wanted = [str(m).strip() for m in municipalities]
    known = set(mun["municipality_id"].astype(str))
    unknown = [m for m in wanted if m not in known]
    if unknown:
        raise DataError(
            f"municipalities: no row has municipality_id {unknown[0]!r}"
            + (f" (nor {len(unknown) - 1} more of the codes asked for)" if len(unknown) > 1 else "")
            + "; give the codes as in the table (8 digits for a Gemeinde, 5 for a Kreis, "
            "with leading zeros)"
        )
    not_audited = [m for m in wanted if m not in set(audited_ids)]
    if not_audited:
        raise DataError(
            f"municipalities: {not_audited[0]!r} is in group 'comparison'; profiles are "
            "written for audited units only (group 'audited'): leave it out"
        )
    chosen = set(wanted)
    return [m for m in audited_ids if m in chosen]


def audit_timeline(study: Study, municipalities: Iterable[str] | None = None) -> TableResult:
    """Every audit cycle of the audited units with its dates and what it agreed.

    Parameters
    ----------
    study : Study
        The study.
    municipalities : iterable of str, optional
        Restrict to these audited units (see :func:`select_audited`).

    Returns
    -------
    TableResult
        One row per audit, sorted by unit and cycle: ``municipality_id``, ``audit_id``,
        ``cycle``, ``start_date``, ``agreement_date``, ``certification_date``,
        ``implementation_end_date``, ``next_start_date`` (start of the unit's next cycle, the
        re-audit; empty for the last), ``n_goals``, ``n_fields`` (action fields with a goal)
        and ``n_measures``.
    """
    ids = select_audited(study, municipalities)
    a = study.audits
    a = a[a["municipality_id"].astype(str).isin(ids).to_numpy()]
    cols = ["municipality_id", "audit_id", "cycle", *EVENT_DATES, "implementation_end_date"]
    out = a[cols].copy()
    out["municipality_id"] = out["municipality_id"].astype(str)
    out = out.sort_values(["municipality_id", "cycle", "audit_id"], kind="stable")
    out["next_start_date"] = out.groupby("municipality_id", sort=False)["start_date"].shift(-1)
    g = study.goals
    goals = g.groupby(g["audit_id"].astype(str)).agg(
        n_goals=("goal_id", "size"), n_fields=("action_field", "nunique")
    )
    m = study.measures.merge(g[["goal_id", "audit_id"]], on="goal_id", how="inner")
    measures = m.groupby(m["audit_id"].astype(str)).size().rename("n_measures")
    key = out["audit_id"].astype(str)
    for name, counts in (
        ("n_goals", goals["n_goals"]),
        ("n_fields", goals["n_fields"]),
        ("n_measures", measures),
    ):
        out[name] = key.map(counts).fillna(0).astype("int64").to_numpy()
    return TableResult(
        out.reset_index(drop=True),
        title=Text("Audit-Verlauf", "Audit timeline"),
        count_columns=("n_goals", "n_fields", "n_measures"),
    )


def _measure_status(study: Study, unreported: str):
    """The status history of every measure, by the one convention of the data layer
    (:mod:`evaluation.study.status`) that the implementation analyses share."""
    from .status import measure_status

    return measure_status(study, unreported=unreported)  # type: ignore[arg-type]


#: the keys of :func:`measure_status_counts`
STATUS_KEYS = (
    "municipality_id",
    "audit_id",
    "cycle",
    "action_field",
    "report_number",
    "report_year",
)
#: its count columns: all measures, then one per status of the code list
STATUS_COUNT_COLUMNS = ("n_measures", *(f"n_{s}" for s in codes.STATUS_CODES))


def measure_status_counts(
    study: Study,
    municipalities: Iterable[str] | None = None,
    *,
    unreported: str = "exclude",
) -> TableResult:
    """How many measures had which status at certification and in each due annual report.

    The status of a measure in report ``k`` (``k`` = 0 at certification, 1-3 the annual
    reports of the implementation phase) follows :func:`evaluation.implementation.measure_status`:
    ``planned`` at certification unless reported otherwise, a missing report carries the last
    status forward, only reports that are due (certification year + ``k`` not after the last
    report year of the study) are counted, measures of audits without certification date are
    not counted (no report is due).

    Parameters
    ----------
    study : Study
        The study (often :func:`as_of` a year).
    municipalities : iterable of str, optional
        Restrict to these audited units (see :func:`select_audited`).
    unreported : {"exclude", "planned"}
        Measures without any report although one is due: left out, or counted as planned.

    Returns
    -------
    TableResult
        One row per unit, audit, action field (with measures) and due report:
        ``municipality_id``, ``audit_id``, ``cycle``, ``action_field``, ``report_number``,
        ``report_year``, ``n_measures``, one count per status (``n_planned``,
        ``n_in_progress``, ``n_partially_implemented``, ``n_implemented``,
        ``n_discontinued``; they add up to ``n_measures``) and ``share_implemented``
        (``n_implemented / n_measures``). Action fields in the order of the code list.
        Empty (with a note) when the study has no measures or no annual reports.
    """
    ids = select_audited(study, municipalities)
    title = Text("Stand der Maßnahmen", "Status of the measures")
    cols = [*STATUS_KEYS, *STATUS_COUNT_COLUMNS, "share_implemented"]
    empty = pd.DataFrame({c: pd.Series([], dtype="object") for c in cols})
    counts = STATUS_COUNT_COLUMNS
    if not len(study.measures) or not len(study.measure_reports):
        note = Text(
            "Keine Maßnahmen oder keine Jahresberichte in den Daten.",
            "No measures or no annual reports in the data.",
        )
        return TableResult(empty, title=title, notes=(note,), count_columns=counts)
    ms = _measure_status(study, unreported)
    frame = ms.frame
    keep = frame["municipality_id"].astype(str).isin(ids).to_numpy()
    due = frame["due"].to_numpy(dtype=np.int64)
    rows = []
    for k in range(ms.status.shape[1]):
        sel = keep & (due >= k)
        if not sel.any():
            continue
        part = frame.loc[sel, ["municipality_id", "audit_id", "cycle", "action_field", "cohort"]]
        part = part.assign(
            report_number=k,
            report_year=part["cohort"].astype("int64") + k,
            status=ms.status[sel, k],
        )
        rows.append(part.drop(columns="cohort"))
    if not rows:
        return TableResult(empty, title=title, count_columns=counts)
    long = pd.concat(rows, ignore_index=True)
    for c in ("municipality_id", "audit_id", "action_field"):
        long[c] = long[c].astype(str)
    long["cycle"] = long["cycle"].astype("int64")
    wide = pd.crosstab([long[k] for k in STATUS_KEYS], long["status"]).reindex(
        columns=range(len(codes.STATUS_CODES)), fill_value=0
    )
    wide.columns = list(counts[1:])
    wide.insert(0, "n_measures", wide.sum(axis=1))
    out = wide.reset_index()
    field_order = {f: i for i, f in enumerate(codes.ALL_FIELD_CODES)}
    out["_f"] = out["action_field"].map(field_order).fillna(len(field_order))
    out = out.sort_values(
        ["municipality_id", "cycle", "audit_id", "_f", "action_field", "report_number"],
        kind="stable",
    ).drop(columns="_f")
    for c in ("cycle", "report_number", "report_year", *counts):
        out[c] = out[c].astype("int64")
    out["share_implemented"] = out["n_implemented"] / out["n_measures"]
    return TableResult(
        out[cols].reset_index(drop=True),
        title=title,
        notes=tuple(ms.notes),
        count_columns=counts,
    )


def indicator_codes(study: Study, indicators: Sequence[str] | None = None) -> list[str]:
    """The indicator codes asked for, checked against the study's values.

    Parameters
    ----------
    study : Study
        The study.
    indicators : sequence of str, optional
        Codes; None or empty: every indicator with values, sorted.

    Returns
    -------
    list of str

    Raises
    ------
    DataError
        A code without any value in the indicators table.
    """
    present = sorted(set(study.indicators["indicator"].dropna().astype(str)))
    if indicators is None or not len(indicators):
        return present
    out = []
    for i, code in enumerate(indicators):
        if code not in present:
            raise DataError(
                f"indicators: no values for indicator {code!r} (asked for as number {i + 1}); "
                f"the study has {present or 'no indicator values'}"
            )
        out.append(str(code))
    return out


def _comparison_values(study: Study, indicators: list[str]) -> pd.DataFrame:
    mun = study.municipalities[["municipality_id", "group", "level"]]
    ind = study.indicators.dropna(subset=["value"])
    ind = ind[ind["indicator"].astype(str).isin(indicators).to_numpy()]
    ind = ind.merge(mun, on="municipality_id", how="inner")
    ind = ind[ind["group"].eq("comparison").fillna(False).to_numpy()]
    return ind[["municipality_id", "level", "indicator", "year", "value"]].astype(
        {"level": str, "indicator": str}
    )


def _quartiles(values: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    if not len(values):
        cols = [*keys, "n_units", "q25", "median", "q75"]
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in cols})
    g = values.groupby(keys, sort=True)["value"]
    q = g.quantile([0.25, 0.5, 0.75], interpolation="linear").unstack()
    q.columns = ["q25", "median", "q75"]
    q.insert(0, "n_units", g.size())
    return q.reset_index()


def comparison_quantiles(
    study: Study,
    indicators: Sequence[str] | None = None,
    *,
    scope: ComparisonScope = "level",
    min_units: int = MIN_COMPARISON_UNITS,
) -> TableResult:
    """Quartiles of each indicator over the comparison units, per year.

    Parameters
    ----------
    study : Study
        The study.
    indicators : sequence of str, optional
        Indicator codes; None or empty: every indicator with values.
    scope : {"level", "all"}
        ``"level"``: for each administrative level, the comparison units of that level when
        there are at least ``min_units`` of them with a value in the year, else all comparison
        units; ``"all"``: all comparison units for every level.
    min_units : int
        See ``scope``.

    Returns
    -------
    TableResult
        One row per level (of the study's units), indicator and year with comparison values:
        ``level``, ``indicator``, ``year``, ``scope`` (``"level"`` or ``"all"``: which units the
        row describes), ``n_units``, ``q25``, ``median``, ``q75``.
    """
    check_option("scope", scope, ComparisonScope)
    if isinstance(min_units, bool) or not isinstance(min_units, int) or min_units < 1:
        from ..errors import OptionError

        raise OptionError(f"min_units must be a whole number of at least 1, got {min_units!r}")
    codes_ = indicator_codes(study, indicators)
    values = _comparison_values(study, codes_)
    levels = sorted(set(study.municipalities["level"].dropna().astype(str)))
    overall = _quartiles(values, ["indicator", "year"]).assign(scope="all")
    by_level = _quartiles(values, ["level", "indicator", "year"]).assign(scope="level")
    parts = []
    for level in levels:
        rows = overall.assign(level=level)
        if scope == "level":
            own = by_level[(by_level["level"] == level) & (by_level["n_units"] >= min_units)]
            own = own.set_index(["indicator", "year"])
            rows = rows.set_index(["indicator", "year"])
            rows.loc[own.index, ["scope", "n_units", "q25", "median", "q75"]] = own[
                ["scope", "n_units", "q25", "median", "q75"]
            ]
            rows = rows.reset_index()
        parts.append(rows)
    cols = ["level", "indicator", "year", "scope", "n_units", "q25", "median", "q75"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    out = out[cols].sort_values(["level", "indicator", "year"], kind="stable")
    out = out.astype({"year": "int64", "n_units": "int64", "scope": str})
    for c in ("q25", "median", "q75"):
        out[c] = out[c].astype(float)
    notes: list[Text] = []
    if not len(values):
        notes.append(
            Text(
                "Keine Werte von Vergleichskommunen: keine Quartile.",
                "No values of comparison units: no quartiles.",
            )
        )
    return TableResult(
        out.reset_index(drop=True),
        title=Text("Quartile der Vergleichsgruppe", "Quartiles of the comparison group"),
        notes=notes,
        facts={"min_units": min_units},
        count_columns=("n_units",),
    )


def _change_since_onset(
    study: Study, out: pd.DataFrame, ind: pd.DataFrame, q: pd.DataFrame, onset: str
) -> pd.DataFrame:
    """``onset_year``, ``base_year``, ``base_value``, ``change`` and ``median_change`` of the
    rows of :func:`indicator_positions` (the base year is the unit's latest year with a value
    before its onset, first audit cycle)."""
    col = ONSET_COLUMNS[onset]
    a = study.audits[study.audits["cycle"] == 1]
    onset_year = pd.Series(
        pd.to_datetime(a[col]).dt.year.to_numpy(), index=a["municipality_id"].astype(str)
    )
    onset_year = onset_year[~onset_year.index.duplicated()]
    out["onset_year"] = out["municipality_id"].map(onset_year).astype("Int64")
    before = ind.merge(out[["municipality_id", "indicator", "onset_year"]], how="inner")
    before = before[(before["year"] < before["onset_year"]).fillna(False).to_numpy(dtype=bool)]
    base = before.groupby(["municipality_id", "indicator"], sort=False).tail(1)
    base = base.rename(columns={"year": "base_year", "value": "base_value"})
    out = out.merge(
        base[["municipality_id", "indicator", "base_year", "base_value"]],
        on=["municipality_id", "indicator"],
        how="left",
    )
    qb = q.rename(columns={"year": "base_year", "median": "base_median"})
    out = out.merge(
        qb[["level", "indicator", "base_year", "base_median"]],
        on=["level", "indicator", "base_year"],
        how="left",
    )
    out["base_year"] = out["base_year"].astype("Int64")
    out["change"] = out["value"] - out["base_value"]
    out["median_change"] = out["median"] - out["base_median"]
    return out


def indicator_positions(
    study: Study,
    year: int,
    indicators: Sequence[str] | None = None,
    *,
    municipalities: Iterable[str] | None = None,
    scope: ComparisonScope = "level",
    min_units: int = MIN_COMPARISON_UNITS,
    onset: Onset = "certification",
) -> TableResult:
    """Each audited unit's latest indicator values against the comparison group.

    For each audited unit and indicator: the latest year up to ``year`` with a value of the
    unit, the value, the comparison quartiles of that year (:func:`comparison_quantiles`),
    where the value lies (``below`` the first quartile, ``within`` the interquartile range,
    ``above`` the third quartile), and the change from the base year (the unit's latest year
    with a value before the year of its onset, first audit cycle) to the latest year, beside the
    change of the comparison median over the same years.

    Parameters
    ----------
    study : Study
        The study.
    year : int
        The last year that counts.
    indicators : sequence of str, optional
        Indicator codes; None or empty: every indicator with values.
    municipalities : iterable of str, optional
        Restrict to these audited units (see :func:`select_audited`).
    scope, min_units
        As in :func:`comparison_quantiles`.
    onset : {"start", "agreement", "certification"}
        The audit date whose year is the onset.

    Returns
    -------
    TableResult
        One row per unit and indicator with a value up to ``year``: ``municipality_id``,
        ``indicator``, ``year``, ``value``, ``n_comparison``, ``scope``, ``q25``, ``median``,
        ``q75``, ``position``, ``onset_year``, ``base_year``, ``base_value``, ``change``,
        ``median_change`` (the last five empty when the unit has no onset or no value before
        it). Units without any value of an indicator have no row for it (a note counts them).
    """
    year = _check_year(year)
    check_option("onset", onset, Onset)
    ids = select_audited(study, municipalities)
    codes_ = indicator_codes(study, indicators)
    q = comparison_quantiles(study, codes_, scope=scope, min_units=min_units).tidy()
    q = q[q["year"] <= year]
    mun = study.municipalities[["municipality_id", "level"]].astype(str)
    ind = study.indicators.dropna(subset=["value"])
    ind = ind[(ind["year"] <= year).to_numpy(dtype=bool)]
    ind = ind[ind["indicator"].astype(str).isin(codes_).to_numpy()]
    ind = ind.astype({"municipality_id": str, "indicator": str})
    ind = ind[ind["municipality_id"].isin(ids).to_numpy()]
    ind = ind[["municipality_id", "indicator", "year", "value"]].merge(mun, on="municipality_id")
    ind = ind.sort_values(["municipality_id", "indicator", "year"], kind="stable")
    latest = ind.groupby(["municipality_id", "indicator"], sort=False).tail(1)
    out = latest.merge(q, on=["level", "indicator", "year"], how="left")
    out["n_comparison"] = out["n_units"].fillna(0).astype("int64")
    value = out["value"].to_numpy(dtype=float)
    q25, q75 = out["q25"].to_numpy(dtype=float), out["q75"].to_numpy(dtype=float)
    position = np.where(value < q25, "below", np.where(value > q75, "above", "within"))
    # numpy takes None as an object scalar here; its stubs do not list it
    out["position"] = np.where(np.isnan(q25) | np.isnan(q75), None, position)  # type: ignore[call-overload]
    out = _change_since_onset(study, out, ind, q, onset)
    order = {m: i for i, m in enumerate(ids)}
    ind_order = {c: i for i, c in enumerate(codes_)}
    out = out.assign(_m=out["municipality_id"].map(order), _i=out["indicator"].map(ind_order))
    out = out.sort_values(["_m", "_i"], kind="stable")
    cols = [
        "municipality_id",
        "indicator",
        "year",
        "value",
        "n_comparison",
        "scope",
        "q25",
        "median",
        "q75",
        "position",
        "onset_year",
        "base_year",
        "base_value",
        "change",
        "median_change",
    ]
    out = out[cols].reset_index(drop=True)
    out["year"] = out["year"].astype("int64")
    notes = []
    n_missing = len(ids) * len(codes_) - len(out)
    if n_missing:
        forms = (
            Text(
                "{n} Kombination aus Kommune und Indikator ohne Wert bis {year}.",
                "{n} combination of unit and indicator without a value up to {year}.",
            ),
            Text(
                "{n} Kombinationen aus Kommune und Indikator ohne Wert bis {year}.",
                "{n} combinations of unit and indicator without a value up to {year}.",
            ),
        )
        notes.append(forms[0 if n_missing == 1 else 1].format(n=n_missing, year=year))
    return TableResult(
        out,
        title=Text("Indikatoren im Vergleich", "Indicators compared"),
        notes=notes,
        count_columns=("n_comparison",),
    )


def _check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int | np.integer) or not 1900 <= year <= 2100:
        from ..errors import OptionError

        raise OptionError(f"year must be a calendar year such as 2024, got {year!r}")
    return int(year)
