"""The yearly summary: what happened in a year against the year before, in two pages at most.

- audits started, target agreements adopted, certified (first audits), re-audits certified and
  implementation phases ended, in the year and the year before;
- measures that moved to ``implemented`` per action field (a measure "moves" in a year when its
  report of that year says implemented and its previous report did not);
- cumulative implementation rates per action field from
  :func:`evaluation.implementation_rates`, on the reports up to the end of the year;
- the latest indicator values (up to the year) of audited units against the comparison group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import codes
from ..study.model import Study
from .context import Context
from .document import Facts, Heading, Paragraph, ReportTable, Section
from .figures import new_figure
from .render import Document
from .text import count


def audit_events(study: Study, year: int) -> pd.DataFrame:
    """Counts of audit events in ``year - 1`` and ``year``: event, previous, current, change."""
    a = study.audits
    first = a["cycle"] == 1
    events = {
        "audits_started": (a["start_date"], first),
        "reaudits_started": (a["start_date"], ~first),
        "agreements_adopted": (a["agreement_date"], pd.Series(True, index=a.index)),
        "first_certified": (a["certification_date"], first),
        "reaudits_certified": (a["certification_date"], ~first),
        "phases_ended": (a["implementation_end_date"], pd.Series(True, index=a.index)),
    }
    rows = []
    for name, (dates, mask) in events.items():
        y = pd.to_datetime(dates).dt.year
        mask = mask.fillna(False).astype(bool)
        prev = int(((y == year - 1) & mask).sum())
        cur = int(((y == year) & mask).sum())
        rows.append((name, prev, cur, cur - prev))
    return pd.DataFrame(rows, columns=["event", f"n_{year - 1}", f"n_{year}", "change"])


def certified_names(study: Study, year: int) -> str:
    """Names of the units with a certification in ``year`` (first audit or re-audit)."""
    a = study.audits
    y = pd.to_datetime(a["certification_date"]).dt.year
    ids = a.loc[(y == year).fillna(False).to_numpy(), ["municipality_id", "cycle"]]
    names = ids.merge(study.municipalities[["municipality_id", "name"]], on="municipality_id")
    names = names.sort_values(["name", "municipality_id"], kind="stable")
    return ", ".join(
        f"{n}" + (" (Re-Audit)" if int(c) > 1 else "")
        for n, c in zip(names["name"].astype(str), names["cycle"], strict=True)
    )


def moved_to_implemented(study: Study, year: int) -> pd.DataFrame:
    """Per action field: measures whose report says ``implemented`` for the first time, in
    ``year - 1`` and in ``year``."""
    r = study.measure_reports[["measure_id", "report_year", "status"]].dropna(
        subset=["report_year"]
    )
    r = r.sort_values(["measure_id", "report_year"], kind="stable")
    impl = (r["status"] == "implemented").fillna(False).to_numpy()
    prev = r.groupby("measure_id", sort=False)["status"].shift(1)
    prev_impl = (prev == "implemented").fillna(False).to_numpy()
    moved = r.loc[impl & ~prev_impl, ["measure_id", "report_year"]]
    fields = study.measures[["measure_id", "goal_id"]].merge(
        study.goals[["goal_id", "action_field"]], on="goal_id", how="left"
    )
    moved = moved.merge(fields[["measure_id", "action_field"]], on="measure_id", how="left")
    order = [c for c in codes.ALL_FIELD_CODES if c in set(fields["action_field"].dropna())]
    out = pd.DataFrame({"action_field": order})
    for y in (year - 1, year):
        counts = moved.loc[moved["report_year"] == y, "action_field"].value_counts()
        out[f"n_{y}"] = [int(counts.get(f, 0)) for f in order]
    return out


def latest_indicators(study: Study, year: int, lang: str) -> pd.DataFrame:
    """For each indicator: its latest year up to ``year`` and the mean of audited and of
    comparison units in that year (and the previous one)."""
    ind = study.indicators.dropna(subset=["value"])
    ind = ind[ind["year"] <= year]
    grp = study.municipalities[["municipality_id", "group"]]
    ind = ind.merge(grp, on="municipality_id", how="left")
    cat = study.indicator_catalogue.set_index("indicator")
    rows = []
    for code in sorted(ind["indicator"].dropna().unique()):
        d = ind[ind["indicator"] == code]
        last = int(d["year"].max())
        m = d[d["year"].isin([last - 1, last])].groupby(["year", "group"])["value"].mean()

        def get(y: int, g: str, m=m) -> float:
            return float(m.get((y, g), np.nan))

        label = cat["label_de" if lang == "de" else "label_en"].get(code, code)
        rows.append(
            (
                code,
                str(label),
                str(cat["unit"].get(code, "")),
                last,
                get(last, "audited"),
                get(last, "comparison"),
                get(last, "audited") - get(last, "comparison"),
                get(last - 1, "audited") - get(last - 1, "comparison"),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "indicator",
            "label",
            "unit",
            "year",
            "mean_audited",
            "mean_comparison",
            "difference",
            "difference_previous_year",
        ],
    )


def _study_until(study: Study, year: int) -> Study:
    """The study as it was known at the end of ``year`` (reports up to that year)."""
    tables = dict(study.tables)
    r = tables["measure_reports"]
    tables["measure_reports"] = r[r["report_year"] <= year]
    return Study(**tables)


def build_summary(ctx: Context) -> Document:
    t = ctx.t
    study = ctx.study
    year = ctx.year
    sec = Section("summary", t(f"Das Jahr {year}", f"The year {year}"))
    aud = int(study.municipalities["group"].eq("audited").sum())
    lang = ctx.lang
    sec.add(
        Paragraph(
            t(
                f"Überblick über das Jahr {year} im Vergleich zu {year - 1} für "
                f"{count(aud, 'auditierte Kommune', 'auditierte Kommunen', lang)}. Zahlen aus "
                "den Audit-Daten und Jahresberichten.",
                f"Overview of {year} against {year - 1} for "
                f"{count(aud, 'audited unit', 'audited units', lang)}, from the audit data and "
                "the annual reports.",
            )
        )
    )
    ev = audit_events(study, year)
    names = {
        "audits_started": t("Erst-Audits begonnen", "First audits started"),
        "reaudits_started": t("Re-Audits begonnen", "Re-audits started"),
        "agreements_adopted": t("Zielvereinbarungen beschlossen", "Target agreements adopted"),
        "first_certified": t("Erst-Audits zertifiziert", "First audits certified"),
        "reaudits_certified": t("Re-Audits zertifiziert", "Re-audits certified"),
        "phases_ended": t("Umsetzungsphasen beendet", "Implementation phases ended"),
    }
    ev["event"] = ev["event"].map(names)
    sec.add(Heading(t("Audits", "Audits")))
    years = {f"n_{year - 1}": str(year - 1), f"n_{year}": str(year)}
    sec.add(ReportTable("summary_audits", t("Audit-Ereignisse", "Audit events"), ev, headers=years))
    certified = certified_names(study, year)
    if certified:
        sec.add(Paragraph(t(f"Zertifiziert {year}: ", f"Certified in {year}: ") + certified))

    sec.add(Heading(t("Maßnahmen neu umgesetzt", "Measures newly implemented")))
    moved = moved_to_implemented(study, year)
    sec.add(
        ReportTable(
            "summary_moved",
            t(
                "Maßnahmen, die im Jahresbericht erstmals als umgesetzt gemeldet wurden",
                "Measures reported as implemented for the first time",
            ),
            moved,
            headers=years,
        )
    )
    ctx.step("summary: rates")
    sec.add(Heading(t("Umsetzungsquoten bis Ende des Jahres", "Implementation rates to date")))
    until = _study_until(study, year)
    from ..implementation import implementation_rates

    rates = ctx.guard(
        sec,
        t("Umsetzungsquoten", "Implementation rates"),
        implementation_rates,
        until,
        by=["action_field"],
        success=ctx.config.implementation.success,
        seed=ctx.config.seed,
    )
    if rates is not None:
        tidy = rates.tidy()
        shown = (
            "action_field",
            "n_measures",
            "n_success",
            "share",
            "cluster_ci_low",
            "cluster_ci_high",
        )
        sec.add(
            ReportTable(
                "summary_rates",
                t(
                    "Anteil erfolgreicher Maßnahmen je Handlungsfeld (Ende der Phase oder "
                    "letzter Bericht; Intervall mit Kommunen als Clustern)",
                    "Share of successful measures by action field (end of phase or latest "
                    "report; interval with municipalities as clusters)",
                ),
                tidy,
                columns=shown if set(shown) <= set(tidy.columns) else None,
            )
        )
    if len(moved):
        fig = _moved_chart(ctx, moved, year)
        total = int(moved[f"n_{year}"].sum())
        ctx.add_figure(
            sec,
            fig,
            "summary_moved",
            t(
                f"Neu umgesetzte Maßnahmen {year - 1} und {year}",
                f"Newly implemented measures {year - 1} and {year}",
            ),
            t(
                f"Balkendiagramm: neu umgesetzte Maßnahmen je Handlungsfeld, {year - 1} gegen "
                f"{year}; {count(total, 'Maßnahme', 'Maßnahmen', ctx.lang)} im Jahr {year}.",
                f"Bar chart: newly implemented measures by action field, {year - 1} against "
                f"{year}; {count(total, 'measure', 'measures', ctx.lang)} in {year}.",
            ),
        )

    ctx.step("summary: indicators")
    sec.add(Heading(t("Indikatoren", "Indicators")))
    latest = latest_indicators(study, year, ctx.lang)
    sec.add(
        ReportTable(
            "summary_indicators",
            t(
                "Letzte Werte: Mittelwert auditierter Kommunen gegen Vergleichsgruppe",
                "Latest values: mean of audited units against the comparison group",
            ),
            latest,
            (
                t(
                    "Beschreibende Mittelwerte, keine Wirkungsschätzung (siehe Evaluationsbericht).",
                    "Descriptive means, not an effect estimate (see the evaluation report).",
                ),
            ),
        )
    )
    sec.add(
        Facts(
            (
                (t("Startwert (seed)", "Seed"), str(ctx.config.seed)),
                (t("Details", "Details"), "provenance.json"),
            )
        )
    )
    return Document(
        kind="summary",
        title=t(f"Jahresübersicht {year}", f"Yearly summary {year}"),
        subtitle=ctx.config.study.title,
        sections=[sec],
        lang=ctx.lang,
        digits=min(ctx.config.report.digits, 2),
        threshold=ctx.config.report.small_cell_threshold,
        notices=(),
        toc=False,
        stem="summary",
    )


def _moved_chart(ctx: Context, moved: pd.DataFrame, year: int):
    labels = codes.labels("action_fields", ctx.lang)
    fig, ax = new_figure(7.0, 2.6)
    y = np.arange(len(moved))
    h = 0.38
    ax.barh(y - h / 2, moved[f"n_{year - 1}"], height=h, color="0.7", label=str(year - 1))
    ax.barh(y + h / 2, moved[f"n_{year}"], height=h, color="#2b6ca3", label=str(year))
    ax.set_yticks(y, [labels.get(f, f) for f in moved["action_field"]])
    ax.invert_yaxis()
    ax.set_xlabel(ctx.t("Maßnahmen (Anzahl)", "Measures (count)"))
    ax.set_title(
        ctx.t(
            "Neu umgesetzte Maßnahmen je Handlungsfeld",
            "Newly implemented measures by action field",
        )
    )
    ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig
