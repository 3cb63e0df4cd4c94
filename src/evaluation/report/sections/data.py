"""Section "the data": units, levels and states, cohorts and treatment timing, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import codes
from ..context import Context
from ..document import Facts, Heading, Paragraph, ReportTable, Section
from ..figures import new_figure
from ..text import count


def build(ctx: Context) -> Section:
    t = ctx.t
    study = ctx.study
    sec = Section("data", t("Die Daten", "The data"))
    mun = study.municipalities
    audits = study.audits
    n_aud = int((mun["group"] == "audited").sum())
    n_cmp = int((mun["group"] == "comparison").sum())
    ind = study.indicators
    years = pd.to_numeric(ind["year"], errors="coerce").dropna()
    span = f"{int(years.min())}–{int(years.max())}" if len(years) else "–"
    sec.add(
        Facts(
            (
                (t("Kommunen auditiert", "Audited units"), str(n_aud)),
                (t("Vergleichskommunen", "Comparison units"), str(n_cmp)),
                (t("Audits (Zyklen)", "Audits (cycles)"), str(len(audits))),
                (t("Ziele", "Goals"), str(len(study.goals))),
                (t("Maßnahmen", "Measures"), str(len(study.measures))),
                (
                    t("Jahresberichte (Einträge)", "Annual report entries"),
                    str(len(study.measure_reports)),
                ),
                (t("Indikatoren", "Indicators"), str(ind["indicator"].nunique())),
                (t("Jahre der Indikatoren", "Indicator years"), span),
                (t("Berichtsjahr", "Report year"), str(ctx.year)),
            )
        )
    )

    # -- units by level and state ------------------------------------------------------
    sec.add(Heading(t("Kommunen nach Ebene und Land", "Units by level and state")))
    by_level = _count(mun, ["level", "group"], codes.LEVEL_CODES)
    sec.add(
        ReportTable(
            "data_units_by_level",
            t("Kommunen nach Ebene und Gruppe", "Units by level and group"),
            by_level,
        )
    )
    by_state = _count(mun, ["state", "group"], codes.STATE_CODES)
    sec.add(
        ReportTable(
            "data_units_by_state",
            t("Kommunen nach Land und Gruppe", "Units by state and group"),
            by_state,
        )
    )

    # -- cohorts and timing ----------------------------------------------------------------
    cfg = ctx.config.treatment
    sec.add(Heading(t("Kohorten und Zeitpunkt der Behandlung", "Cohorts and treatment timing")))
    onsets = study.onsets(cfg.onset, cfg.cycle)
    onset_word = {
        "start": t("Auditbeginn", "audit start"),
        "agreement": t("Ratsbeschluss der Zielvereinbarung", "council adoption of the agreement"),
        "certification": t("Zertifizierung", "certification"),
    }[cfg.onset]
    sec.add(
        Paragraph(
            t(
                f"Beginn der Behandlung ist das Jahr der {onset_word} im Auditzyklus {cfg.cycle}; "
                "die Kohorte einer Kommune ist dieses Jahr.",
                f"Treatment begins in the year of {onset_word} in audit cycle {cfg.cycle}; "
                "a unit's cohort is that year.",
            )
        )
    )
    cyc = audits.groupby("municipality_id", observed=True)["cycle"].max().rename("cycles")
    coh = onsets.dropna(subset=["cohort"]).merge(
        cyc.reset_index(), on="municipality_id", how="left"
    )
    cohort_table = (
        coh.groupby("cohort", observed=True)
        .agg(
            n_units=("municipality_id", "size"),
            n_reaudited=("cycles", lambda s: int((s > 1).sum())),
        )
        .reset_index()
        .astype({"cohort": "int64", "n_units": "int64", "n_reaudited": "int64"})
    )
    sec.add(
        ReportTable(
            "data_cohorts",
            t(
                "Kohorten: auditierte Kommunen und Re-Audits",
                "Cohorts: audited units and re-audits",
            ),
            cohort_table,
        )
    )
    if len(coh):
        sec.add(
            Paragraph(
                t(
                    "Die Grafik zeigt für jede auditierte Kommune (Zeile) die Jahre vor dem Beginn (grau) "
                    "und ab dem Beginn (blau); Rauten markieren die Zertifizierung eines Re-Audits.",
                    "The chart shows for every audited unit (row) the years before onset (grey) and from "
                    "onset (blue); diamonds mark the certification of a re-audit.",
                )
            )
        )
        fig = _timing_chart(ctx, coh, years)
        ctx.add_figure(
            sec,
            fig,
            "data_timing",
            t("Zeitpunkt der Behandlung je Kommune", "Treatment timing by unit"),
            t(
                f"Zeitstrahl von {count(len(coh), 'auditierten Kommune', 'auditierten Kommunen', ctx.lang)}, "
                f"sortiert nach Kohorte "
                f"({int(coh['cohort'].min())} bis {int(coh['cohort'].max())}): grau vor, blau "
                "ab dem Beginn der Behandlung.",
                f"Timeline of {count(len(coh), 'audited unit', 'audited units', ctx.lang)} "
                "sorted by cohort "
                f"({int(coh['cohort'].min())} to {int(coh['cohort'].max())}): grey before, blue "
                "from treatment onset.",
            ),
        )

    # -- measures -------------------------------------------------------------------------
    sec.add(Heading(t("Ziele und Maßnahmen", "Goals and measures")))
    sec.add(
        ReportTable(
            "data_measure_titles",
            t(
                "Häufigste Maßnahmentitel je Handlungsfeld (bis zu drei)",
                "Most frequent measure titles per action field (up to three)",
            ),
            _frequent_titles(study),
        )
    )

    # -- indicators ------------------------------------------------------------------------
    sec.add(Heading(t("Indikatoren", "Indicators")))
    cat = study.indicator_catalogue
    label_col = "label_de" if ctx.lang == "de" else "label_en"
    cov = (
        ind.assign(present=ind["value"].notna())
        .groupby("indicator", observed=True)
        .agg(
            n_units=("municipality_id", "nunique"),
            first_year=("year", "min"),
            last_year=("year", "max"),
            n_values=("present", "sum"),
        )
        .reset_index()
    )
    table = cat[["indicator", label_col, "unit", "source"]].merge(cov, on="indicator", how="left")
    table = table.rename(columns={label_col: "label"}).sort_values("indicator", kind="stable")
    sec.add(
        ReportTable(
            "data_indicators",
            t("Indikatorenkatalog und Abdeckung", "Indicator catalogue and coverage"),
            table,
        )
    )

    # -- validation --------------------------------------------------------------------------
    sec.add(Heading(t("Prüfung der Daten", "Validation")))
    problems = study.problems()
    if not problems:
        sec.add(
            Paragraph(
                t(
                    "Die Prüfung gegen das Datenschema hat keine Probleme gefunden.",
                    "Validation against the data schema found no problems.",
                )
            )
        )
    else:
        frame = pd.DataFrame(
            [(p.table, p.severity, p.field or "", p.message) for p in problems],
            columns=["table", "severity", "field", "message"],
        )
        summary = (
            frame.groupby(["table", "severity", "field"], observed=True)
            .agg(n_problems=("message", "size"), example=("message", "first"))
            .reset_index()
            .sort_values(["severity", "table", "field"], kind="stable")
        )
        sec.add(ReportTable("data_validation", t("Gefundene Probleme", "Problems found"), summary))
    return sec


def _frequent_titles(study) -> pd.DataFrame:
    """Up to three most frequent measure titles per action field (ties in title order)."""
    m = study.measures[["goal_id", "title"]].merge(
        study.goals[["goal_id", "action_field"]], on="goal_id", how="left"
    )
    m = m.dropna(subset=["title", "action_field"])
    counts = (
        m.groupby(["action_field", "title"], observed=True)
        .size()
        .rename("n_measures")
        .reset_index()
    )
    order = {c: i for i, c in enumerate(codes.ALL_FIELD_CODES)}
    counts["_field"] = counts["action_field"].map(order).fillna(len(order))
    counts = counts.sort_values(
        ["_field", "n_measures", "title"], ascending=[True, False, True], kind="stable"
    )
    top = counts.groupby("action_field", observed=True, sort=False).head(3)
    return top.drop(columns="_field").astype({"n_measures": "int64"}).reset_index(drop=True)


def _count(df: pd.DataFrame, keys: list[str], order: tuple[str, ...]) -> pd.DataFrame:
    """Counts of units per first key (in code-list order) and group, as columns."""
    key = keys[0]
    tab = pd.crosstab(df[key].astype("string"), df["group"].astype("string"))
    for g in codes.GROUP_CODES:
        if g not in tab.columns:
            tab[g] = 0
    tab = tab[list(codes.GROUP_CODES)]
    rows = [c for c in order if c in tab.index]
    tab = tab.loc[rows]
    tab.columns = [f"n_{g}" for g in codes.GROUP_CODES]
    tab["n_total"] = tab.sum(axis=1)
    out = tab.reset_index().rename(columns={"index": key})
    out.columns.name = None
    out[key] = out[key].astype(str)
    return out.astype({c: "int64" for c in out.columns if c.startswith("n_")})


def _timing_chart(ctx: Context, coh: pd.DataFrame, years: pd.Series):
    coh = coh.sort_values(["cohort", "municipality_id"], kind="stable").reset_index(drop=True)
    first = int(years.min()) if len(years) else int(coh["cohort"].min()) - 3
    last = int(years.max()) if len(years) else ctx.year
    height = min(7.5, 1.2 + 0.09 * len(coh))
    fig, ax = new_figure(7.0, height)
    y = np.arange(len(coh))
    cohort = coh["cohort"].to_numpy(dtype=float)
    ax.barh(y, cohort - first, left=first - 0.5, height=0.8, color="0.82", linewidth=0)
    ax.barh(y, last + 0.5 - cohort, left=cohort - 0.5, height=0.8, color="#2b6ca3", linewidth=0)
    a = ctx.study.audits
    re = a[a["cycle"] > ctx.config.treatment.cycle].dropna(subset=["certification_date"])
    if len(re):
        pos = dict(zip(coh["municipality_id"], y, strict=True))
        ry = re["municipality_id"].map(pos)
        ok = ry.notna()
        ax.scatter(
            pd.to_datetime(re.loc[ok, "certification_date"]).dt.year.to_numpy(),
            ry[ok].to_numpy(dtype=float),
            marker="D",
            s=10,
            color="#e08a1e",
            zorder=3,
            label=ctx.t("Re-Audit zertifiziert", "re-audit certified"),
        )
        ax.legend(loc="lower left", fontsize=7, frameon=False)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(first - 0.5, last + 0.5)
    ax.set_ylim(-0.6, len(coh) - 0.4)
    ax.invert_yaxis()
    ax.set_yticks([])
    ax.set_xlabel(ctx.t("Jahr", "Year"))
    ax.set_ylabel(ctx.t(f"auditierte Kommunen (n = {len(coh)})", f"audited units (n = {len(coh)})"))
    ax.set_title(ctx.t("Zeitpunkt der Behandlung je Kommune", "Treatment timing by unit"))
    fig.tight_layout()
    return fig
