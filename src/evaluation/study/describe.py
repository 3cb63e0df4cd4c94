"""Descriptive tables of a study: what happened, how many and where, without estimating
anything.

Each function takes a :class:`~evaluation.Study` and returns a
:class:`~evaluation.results.TableResult` (``tidy()``, ``summary(lang)``, exports) whose
``count_columns`` name the columns that count units or measures, for small-cell suppression in
reports:

- :func:`audit_events`: audits started, target agreements adopted, audits certified and
  implementation phases ended, in a year and the year before; :func:`certified_units` lists
  the units certified in a year;
- :func:`moved_to_implemented`: measures that reached ``implemented`` in a year and the year
  before, per action field, by the status history of the implementation analyses
  (:func:`~evaluation.study.status.measure_status`);
- :func:`latest_indicators`: the latest value of every indicator, audited against comparison
  units; :func:`yearly_group_means`: the mean of one indicator per year and group;
- :func:`unit_counts`, :func:`cohort_counts`, :func:`indicator_coverage` and
  :func:`frequent_measure_titles`: the study's units by level or state, its cohorts, the
  coverage of its indicators and the most frequent measure titles.

**Audited** has one definition here: ``group == "audited"`` in the municipalities table.
Audited units without an onset date (no date for the chosen onset in the chosen cycle) are
counted as audited wherever groups are compared, but they are in no cohort and not in the
panels of the impact analyses; the tables that count them say so in a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .. import codes
from ..errors import DataError, OptionError
from ..i18n import Lang, Text, tr
from ..options import Onset, UnitGrouping, Unreported, check_option
from ..results import TableResult
from ..results.summary import display_frame
from .model import Study
from .status import IMPLEMENTED, measure_status

#: The audit events of :func:`audit_events`, in their order, with their labels.
AUDIT_EVENTS: dict[str, Text] = {
    "audits_started": Text("Erst-Audits begonnen", "First audits started"),
    "reaudits_started": Text("Re-Audits begonnen", "Re-audits started"),
    "agreements_adopted": Text("Zielvereinbarungen beschlossen", "Target agreements adopted"),
    "first_certified": Text("Erst-Audits zertifiziert", "First audits certified"),
    "reaudits_certified": Text("Re-Audits zertifiziert", "Re-audits certified"),
    "phases_ended": Text("Umsetzungsphasen beendet", "Implementation phases ended"),
}
#: The onset dates, as a sentence names them.
ONSET_NAMES: dict[str, Text] = {
    "start": Text("Auditbeginns", "audit start"),
    "agreement": Text("Ratsbeschlusses der Zielvereinbarung", "council adoption of the agreement"),
    "certification": Text("Zertifizierung", "certification"),
}
#: The column of the indicator label in the reader's language.
LABEL_COLUMN = Text("label_de", "label_en")

_NO_ONSET = Text(
    "{n} der auditierten Kommunen haben kein Datum der {onset} im Auditzyklus {cycle}: sie "
    "zählen hier als auditiert, gehören aber zu keiner Kohorte und fehlen in den Panels der "
    "Wirkungsanalysen ({ids}).",
    "{n} of the audited units have no date of {onset} in audit cycle {cycle}: they count as "
    "audited here, but are in no cohort and not in the panels of the impact analyses ({ids}).",
)
_DESCRIPTIVE = Text(
    "Beschreibende Mittelwerte, keine Wirkungsschätzung.",
    "Descriptive means, not an effect estimate.",
)


class DescriptiveTable(TableResult):
    """A descriptive table of a study: a :class:`~evaluation.results.TableResult` whose
    summary shows the codes of some columns with their labels.

    Parameters
    ----------
    table
        The table (English column codes).
    value_labels
        Per column, the label of each code (e.g. the audit events), shown in the summary.
    label_column
        Keep only the label column of the reader's language in the summary, as ``label``
        (tables with ``label_de`` and ``label_en``).
    **kwargs
        ``title``, ``notes``, ``facts``, ``count_columns`` of
        :class:`~evaluation.results.TableResult`.
    """

    #: columns and facts that hold calendar years (written 2020, not 2.020)
    year_columns: ClassVar[frozenset[str]] = frozenset(
        {"year", "cohort", "first_year", "last_year"}
    )

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        value_labels: Mapping[str, Mapping[str, Text]] | None = None,
        label_column: bool = False,
        **kwargs: Any,
    ) -> None:
        self.value_labels = {k: dict(v) for k, v in (value_labels or {}).items()}
        self.label_column = label_column
        super().__init__(table, **kwargs)

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        # the facts come last, in their order; years are written without a thousands separator
        out = super()._summary_facts(lang)
        head, tail = out[: len(out) - len(self.facts)], out[len(out) - len(self.facts) :]
        return head + [
            (label, _year_text(self.facts[key]) if key in self.year_columns else text)
            for (label, text), key in zip(tail, self.facts, strict=True)
        ]

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        df = self.tidy()
        for col, labels in self.value_labels.items():
            df[col] = [tr(labels.get(v, v), lang) for v in df[col]]
        for col in self.year_columns & set(df.columns):
            df[col] = [_year_text(v) for v in df[col]]
        if self.label_column:
            shown = LABEL_COLUMN(lang)
            other = [c for c in ("label_de", "label_en") if c != shown]
            df = df.drop(columns=other).rename(columns={shown: "label"})
        return [("", display_frame(df, lang))]


def _year_text(v: Any) -> str:
    return "" if v is None or pd.isna(v) else str(int(v))


# ---------------------------------------------------------------------------------------------
# audited units
# ---------------------------------------------------------------------------------------------
def audited_units(study: Study) -> list[str]:
    """The codes of the audited units: ``group == "audited"`` in the municipalities table (the
    one definition of the package's descriptive tables)."""
    m = study.municipalities
    return sorted(m.loc[(m["group"] == "audited").fillna(False), "municipality_id"].dropna())


def audited_without_onset(
    study: Study, onset: Onset = "certification", cycle: int = 1
) -> list[str]:
    """The audited units without a date of ``onset`` in audit ``cycle``: audited, but in no
    cohort and not in the panels of the impact analyses."""
    check_option("onset", onset, Onset)
    ons = study.onsets(onset, cycle)
    dated = set(ons.loc[ons["cohort"].notna(), "municipality_id"])
    return [u for u in audited_units(study) if u not in dated]


def _onset_note(study: Study, onset: str, cycle: int) -> list[Text]:
    missing = audited_without_onset(study, onset, cycle)  # type: ignore[arg-type]
    if not missing:
        return []
    shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
    return [_NO_ONSET.format(n=len(missing), onset=ONSET_NAMES[onset], cycle=cycle, ids=shown)]


def _year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        raise OptionError(f"year must be a calendar year (a whole number), got {year!r}")
    return int(year)


# ---------------------------------------------------------------------------------------------
# the yearly view: audit events, certified units, measures newly implemented
# ---------------------------------------------------------------------------------------------
def audit_events(study: Study, year: int) -> DescriptiveTable:
    """Counts of audit events in ``year`` and the year before.

    Parameters
    ----------
    study
        The study.
    year
        The calendar year.

    Returns
    -------
    DescriptiveTable
        One row per event of :data:`AUDIT_EVENTS` (``event``): ``n_previous_year`` (in
        ``year - 1``), ``n_year`` (in ``year``) and ``change``. First audits are cycle 1,
        re-audits every later cycle; an event counts in the calendar year of its date.
    """
    year = _year(year)
    a = study.audits
    first = (a["cycle"] == 1).fillna(False).astype(bool)
    every = pd.Series(True, index=a.index)
    dates = {
        "audits_started": (a["start_date"], first),
        "reaudits_started": (a["start_date"], ~first),
        "agreements_adopted": (a["agreement_date"], every),
        "first_certified": (a["certification_date"], first),
        "reaudits_certified": (a["certification_date"], ~first),
        "phases_ended": (a["implementation_end_date"], every),
    }
    rows = []
    for name, (when, mask) in dates.items():
        y = pd.to_datetime(when).dt.year
        prev = int(((y == year - 1) & mask).sum())
        cur = int(((y == year) & mask).sum())
        rows.append((name, prev, cur, cur - prev))
    table = pd.DataFrame(rows, columns=["event", "n_previous_year", "n_year", "change"])
    return DescriptiveTable(
        table,
        title=Text("Audit-Ereignisse {year}", "Audit events {year}").format(year=year),
        facts={"year": year},
        count_columns=("n_previous_year", "n_year"),
        value_labels={"event": AUDIT_EVENTS},
    )


def certified_units(study: Study, year: int) -> DescriptiveTable:
    """The units with a certification in ``year`` (first audit or re-audit).

    Returns
    -------
    DescriptiveTable
        ``municipality_id``, ``name`` and ``cycle`` (1 = first audit), sorted by name.
    """
    year = _year(year)
    a = study.audits
    y = pd.to_datetime(a["certification_date"]).dt.year
    ids = a.loc[(y == year).fillna(False).to_numpy(), ["municipality_id", "cycle"]]
    names = ids.merge(study.municipalities[["municipality_id", "name"]], on="municipality_id")
    names = names.sort_values(["name", "municipality_id"], kind="stable")
    return DescriptiveTable(
        names[["municipality_id", "name", "cycle"]],
        title=Text("Zertifiziert {year}", "Certified in {year}").format(year=year),
        facts={"year": year},
    )


def moved_to_implemented(
    study: Study, year: int, *, unreported: Unreported = "exclude"
) -> DescriptiveTable:
    """Measures that reached ``implemented`` in ``year`` and in the year before, per action
    field.

    A measure reaches ``implemented`` at the first annual report at which its status is
    ``implemented`` (report 0 = at certification included), in the calendar year of that
    report. The statuses are those of the implementation analyses
    (:func:`~evaluation.study.status.measure_status`): measures of audits without
    certification date and report rows after report 3 are not counted, a missing report keeps
    the last status, and a measure counts once even if it is reported implemented again after
    another status.

    Parameters
    ----------
    study
        The study.
    year
        The calendar year.
    unreported
        Passed to :func:`~evaluation.study.status.measure_status` (measures without any
        report cannot reach ``implemented`` either way).

    Returns
    -------
    DescriptiveTable
        One row per action field of the study's goals (in code-list order):
        ``n_previous_year`` and ``n_year``.
    """
    year = _year(year)
    check_option("unreported", unreported, Unreported)
    goals = study.goals["action_field"].dropna().astype(str)
    order = [c for c in codes.ALL_FIELD_CODES if c in set(goals)]
    counts: dict[int, pd.Series] = {}
    notes: list[Text | str] = []
    if len(study.measures) and len(study.measure_reports):
        ms = measure_status(study, unreported)
        reached = ms.status == IMPLEMENTED
        first = np.where(reached.any(axis=1), reached.argmax(axis=1), -1)
        moved = first >= 0
        when = ms.frame["cohort"].to_numpy(dtype=np.int64)[moved] + first[moved]
        fields = ms.frame["action_field"].to_numpy()[moved]
        for y in (year - 1, year):
            counts[y] = pd.Series(fields[when == y]).value_counts()
        notes = list(ms.notes)
    table = pd.DataFrame({"action_field": order})
    for col, y in (("n_previous_year", year - 1), ("n_year", year)):
        c = counts.get(y, pd.Series(dtype="int64"))
        table[col] = np.array([int(c.get(f, 0)) for f in order], dtype=np.int64)
    return DescriptiveTable(
        table,
        title=Text(
            "Maßnahmen, die {year} erstmals als umgesetzt gemeldet wurden",
            "Measures reported as implemented for the first time in {year}",
        ).format(year=year),
        facts={"year": year},
        notes=notes,
        count_columns=("n_previous_year", "n_year"),
    )


# ---------------------------------------------------------------------------------------------
# indicators: latest values and yearly means by group
# ---------------------------------------------------------------------------------------------
def _with_groups(study: Study) -> pd.DataFrame:
    ind = study.indicators.dropna(subset=["value"])
    grp = study.municipalities[["municipality_id", "group"]].drop_duplicates("municipality_id")
    return ind.merge(grp, on="municipality_id", how="left")


def latest_indicators(
    study: Study, year: int, *, onset: Onset = "certification", cycle: int = 1
) -> DescriptiveTable:
    """For each indicator: its latest year up to ``year`` and the mean of audited and of
    comparison units in that year, with the difference then and a year before.

    Parameters
    ----------
    study
        The study.
    year
        The last calendar year to look at.
    onset, cycle
        Only for the note on audited units without an onset date (they are counted as
        audited).

    Returns
    -------
    DescriptiveTable
        ``indicator``, ``label_de``, ``label_en``, ``unit`` (from the catalogue), ``year`` (the
        latest with a value), ``mean_audited``, ``mean_comparison``, ``difference`` (audited -
        comparison), ``difference_previous_year`` and the units with a value in that year,
        ``n_audited`` and ``n_comparison``. Means are unweighted over units; a group without a
        value gives a missing mean.
    """
    year = _year(year)
    ind = _with_groups(study)
    ind = ind[ind["year"] <= year]
    cat = study.indicator_catalogue.drop_duplicates("indicator").set_index("indicator")
    rows = []
    for code in sorted(ind["indicator"].dropna().unique()):
        d = ind[ind["indicator"] == code]
        last = int(d["year"].max())
        g = d[d["year"].isin([last - 1, last])].groupby(["year", "group"])["value"]
        mean, n = g.mean(), g.count()

        def get(y: int, grp: str, s: pd.Series = mean) -> float:
            return float(s.get((y, grp), np.nan))

        rows.append(
            {
                "indicator": str(code),
                "label_de": _text(cat, code, "label_de", code),
                "label_en": _text(cat, code, "label_en", code),
                "unit": _text(cat, code, "unit", ""),
                "year": last,
                "mean_audited": get(last, "audited"),
                "mean_comparison": get(last, "comparison"),
                "difference": get(last, "audited") - get(last, "comparison"),
                "difference_previous_year": get(last - 1, "audited") - get(last - 1, "comparison"),
                "n_audited": int(n.get((last, "audited"), 0)),
                "n_comparison": int(n.get((last, "comparison"), 0)),
            }
        )
    columns = [
        "indicator",
        "label_de",
        "label_en",
        "unit",
        "year",
        "mean_audited",
        "mean_comparison",
        "difference",
        "difference_previous_year",
        "n_audited",
        "n_comparison",
    ]
    table = pd.DataFrame(rows, columns=columns).astype(
        {"year": "int64", "n_audited": "int64", "n_comparison": "int64"}
    )
    return DescriptiveTable(
        table,
        title=Text(
            "Letzte Werte bis {year}: auditierte Kommunen und Vergleichsgruppe",
            "Latest values up to {year}: audited units and the comparison group",
        ).format(year=year),
        facts={"year": year},
        notes=[_DESCRIPTIVE, *_onset_note(study, onset, cycle)],
        count_columns=("n_audited", "n_comparison"),
        label_column=True,
    )


def _text(cat: pd.DataFrame, code: Any, col: str, default: str) -> str:
    if code not in cat.index or col not in cat.columns:
        return default
    v = cat.at[code, col]
    return default if pd.isna(v) else str(v)


def yearly_group_means(
    study: Study, indicator: str, *, onset: Onset = "certification", cycle: int = 1
) -> DescriptiveTable:
    """The mean of one indicator per year, audited against comparison units.

    Parameters
    ----------
    study
        The study.
    indicator
        The indicator code.
    onset, cycle
        Only for the note on audited units without an onset date: they are in the audited
        means here, but not in the panel of the impact analyses.

    Returns
    -------
    DescriptiveTable
        ``year``, ``group`` (``audited``, ``comparison``), ``mean`` (unweighted over units) and
        ``n_units`` (units with a value), sorted by year and group.

    Raises
    ------
    DataError
        The indicator has no values in the study.
    """
    ind = _with_groups(study)
    ind = ind[(ind["indicator"] == indicator) & ind["group"].isin(["audited", "comparison"])]
    if ind.empty:
        available = sorted(study.indicators["indicator"].dropna().unique())
        raise DataError(
            f"indicator {indicator!r} has no values for audited or comparison units; "
            f"indicators with values: {available}"
        )
    table = (
        ind.assign(year=ind["year"].astype("int64"), group=ind["group"].astype(str))
        .groupby(["year", "group"])["value"]
        .agg(mean="mean", n_units="count")
        .reset_index()
        .sort_values(["year", "group"], kind="stable")
        .astype({"n_units": "int64"})
    )
    return DescriptiveTable(
        table,
        title=Text("{indicator}: Mittelwerte je Jahr", "{indicator}: means by year").format(
            indicator=indicator
        ),
        notes=[_DESCRIPTIVE, *_onset_note(study, onset, cycle)],
        count_columns=("n_units",),
        outcome=indicator,
    )


# ---------------------------------------------------------------------------------------------
# the data: units, cohorts, indicators, measures
# ---------------------------------------------------------------------------------------------
def unit_counts(study: Study, by: UnitGrouping = "level") -> DescriptiveTable:
    """The units per level or state and group.

    Parameters
    ----------
    study
        The study.
    by
        ``"level"`` (default) or ``"state"``: the rows, in code-list order.

    Returns
    -------
    DescriptiveTable
        ``level`` or ``state``, then one count per group (``n_audited``, ``n_comparison``) and
        ``n_total``.
    """
    order = {"level": codes.LEVEL_CODES, "state": codes.STATE_CODES}
    check_option("by", by, UnitGrouping)
    mun = study.municipalities
    tab = pd.crosstab(mun[by].astype("string"), mun["group"].astype("string"))
    for g in codes.GROUP_CODES:
        if g not in tab.columns:
            tab[g] = 0
    tab = tab[list(codes.GROUP_CODES)]
    tab = tab.loc[[c for c in order[by] if c in tab.index]]
    tab.columns = [f"n_{g}" for g in codes.GROUP_CODES]
    tab["n_total"] = tab.sum(axis=1)
    out = tab.reset_index().rename(columns={"index": by, mun[by].name: by})
    out.columns.name = None
    out[by] = out[by].astype(str)
    counts = [c for c in out.columns if c.startswith("n_")]
    out = out.astype({c: "int64" for c in counts})
    title = {
        "level": Text("Kommunen nach Ebene und Gruppe", "Units by level and group"),
        "state": Text("Kommunen nach Land und Gruppe", "Units by state and group"),
    }[by]
    return DescriptiveTable(out, title=title, count_columns=tuple(counts))


def cohort_counts(
    study: Study, *, onset: Onset = "certification", cycle: int = 1
) -> DescriptiveTable:
    """The cohorts of the audited units: how many units have their onset in each year, and how
    many of them were re-audited.

    Parameters
    ----------
    study
        The study.
    onset
        The date that starts treatment (``"start"``, ``"agreement"`` or ``"certification"``).
    cycle
        The audit cycle whose date is used (1 = first audit).

    Returns
    -------
    DescriptiveTable
        ``cohort`` (the calendar year of the onset date), ``n_units`` and ``n_reaudited``
        (units with an audit of a cycle after the first). Audited units without an onset date
        are in no row; a note counts them (fact ``n_without_onset``).
    """
    check_option("onset", onset, Onset)
    audited = set(audited_units(study))
    ons = study.onsets(onset, cycle)
    ons = ons[ons["cohort"].notna() & ons["municipality_id"].isin(audited)]
    cycles = study.audits.groupby("municipality_id")["cycle"].max().rename("cycles")
    coh = ons.merge(cycles.reset_index(), on="municipality_id", how="left")
    table = (
        coh.groupby("cohort")
        .agg(
            n_units=("municipality_id", "size"),
            n_reaudited=("cycles", lambda s: int((s > 1).sum())),
        )
        .reset_index()
        .astype({"cohort": "int64", "n_units": "int64", "n_reaudited": "int64"})
    )
    return DescriptiveTable(
        table,
        title=Text(
            "Kohorten: auditierte Kommunen und Re-Audits", "Cohorts: audited units and re-audits"
        ),
        facts={
            "onset": onset,
            "cycle": int(cycle),
            "n_audited": len(audited),
            "n_without_onset": len(audited_without_onset(study, onset, cycle)),
        },
        notes=_onset_note(study, onset, cycle),
        count_columns=("n_units", "n_reaudited"),
    )


def indicator_coverage(study: Study) -> DescriptiveTable:
    """The indicator catalogue with the coverage of every indicator.

    Returns
    -------
    DescriptiveTable
        ``indicator``, ``label_de``, ``label_en``, ``unit``, ``source`` (from the catalogue),
        ``n_units`` (units with a value), ``first_year``, ``last_year`` and ``n_values``; an
        indicator of the catalogue without values has counts 0 and no years.
    """
    ind = study.indicators
    cov = (
        ind.assign(present=ind["value"].notna())
        .groupby("indicator")
        .agg(
            n_units=("municipality_id", "nunique"),
            first_year=("year", "min"),
            last_year=("year", "max"),
            n_values=("present", "sum"),
        )
        .reset_index()
    )
    cat = study.indicator_catalogue[["indicator", "label_de", "label_en", "unit", "source"]]
    table = cat.merge(cov, on="indicator", how="left").sort_values("indicator", kind="stable")
    table = table.astype(
        {
            "n_units": "Int64",
            "first_year": "Int64",
            "last_year": "Int64",
            "n_values": "Int64",
        }
    ).fillna({"n_units": 0, "n_values": 0})
    return DescriptiveTable(
        table,
        title=Text("Indikatorenkatalog und Abdeckung", "Indicator catalogue and coverage"),
        count_columns=("n_units",),
        label_column=True,
    )


def frequent_measure_titles(study: Study, n: int = 3) -> DescriptiveTable:
    """The ``n`` most frequent measure titles per action field (ties in title order).

    Returns
    -------
    DescriptiveTable
        ``action_field`` (in code-list order), ``title`` and ``n_measures``.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise OptionError(f"n must be a positive whole number, got {n!r}")
    m = study.measures[["goal_id", "title"]].merge(
        study.goals[["goal_id", "action_field"]], on="goal_id", how="left"
    )
    m = m.dropna(subset=["title", "action_field"])
    counts = m.groupby(["action_field", "title"]).size().rename("n_measures").reset_index()
    order = {c: i for i, c in enumerate(codes.ALL_FIELD_CODES)}
    counts["_field"] = counts["action_field"].map(order).fillna(len(order))
    counts = counts.sort_values(
        ["_field", "n_measures", "title"], ascending=[True, False, True], kind="stable"
    )
    top = counts.groupby("action_field", sort=False).head(int(n))
    table = top.drop(columns="_field").astype({"n_measures": "int64"}).reset_index(drop=True)
    return DescriptiveTable(
        table,
        title=Text(
            "Häufigste Maßnahmentitel je Handlungsfeld (bis zu {n})",
            "Most frequent measure titles per action field (up to {n})",
        ).format(n=int(n)),
        count_columns=("n_measures",),
    )
