"""Section "impact": for each configured indicator, the designs of :mod:`evaluation.panel`,
:mod:`evaluation.matching`, :mod:`evaluation.staggered` and :mod:`evaluation.inference`.

This module chooses, calls and arranges; every number comes from those modules.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..context import Context
from ..document import Facts, Heading, Note, Paragraph, ReportTable, Section, slug
from ..figures import new_figure
from ..text import count, number


def build(ctx: Context) -> Section:
    t = ctx.t
    sec = Section("impact", t("Wirkung auf die Indikatoren", "Impact on the indicators"))
    cfg = ctx.config
    if not cfg.impact.indicators:
        sec.add(
            Paragraph(
                t(
                    "Es sind keine Indikatoren konfiguriert (impact.indicators).",
                    "No indicators are configured (impact.indicators).",
                )
            )
        )
        return sec
    design = cfg.comparison.design
    sec.add(
        Paragraph(
            t(
                "Verglichen werden auditierte Kommunen mit "
                + (
                    "allen Vergleichskommunen"
                    if design == "all"
                    else "einer gematchten Vergleichsgruppe"
                )
                + ". Der Beginn der Behandlung folgt der Konfiguration (treatment.onset).",
                "Audited units are compared with "
                + ("all comparison units" if design == "all" else "a matched comparison group")
                + ". Treatment onset follows the configuration (treatment.onset).",
            )
        )
    )
    for indicator in cfg.impact.indicators:
        ctx.scope = indicator
        try:
            _indicator(ctx, sec, indicator)
        finally:
            ctx.scope = ""
    return sec


def _label(ctx: Context, indicator: str) -> tuple[str, str]:
    cat = ctx.study.indicator_catalogue
    row = cat[cat["indicator"] == indicator]
    if not len(row):
        return indicator, ""
    label = row.iloc[0]["label_de" if ctx.lang == "de" else "label_en"]
    unit = row.iloc[0]["unit"]
    return (str(label) if pd.notna(label) else indicator), (str(unit) if pd.notna(unit) else "")


def _indicator(ctx: Context, sec: Section, indicator: str) -> None:
    t = ctx.t
    cfg = ctx.config
    imp = cfg.impact
    label, unit = _label(ctx, indicator)
    key = slug(indicator)
    sec.add(Heading(f"{label} ({indicator})", level=3))
    ctx.step(f"impact {indicator}: panel")
    panel = ctx.call(
        sec,
        "panel",
        "build_panel",
        t("Panel", "Panel"),
        ctx.study,
        indicator,
        onset=cfg.treatment.onset,
        cycle=cfg.treatment.cycle,
    )
    if panel is None:
        return
    n_units = panel["municipality_id"].nunique()
    treated_units = panel.loc[panel["cohort"] > 0, "municipality_id"].nunique()
    lang = ctx.lang
    sec.add(
        Paragraph(
            t(
                f"Panel: {count(n_units, 'Kommune', 'Kommunen', lang)}, davon "
                f"{number(treated_units, lang)} behandelt; "
                f"{count(len(panel), 'Kommune-Jahr', 'Kommune-Jahre', lang)}; "
                f"Einheit: {unit or '–'}.",
                f"Panel: {count(n_units, 'unit', 'units', lang)}, {number(treated_units, lang)} "
                f"of them treated; {count(len(panel), 'unit-year', 'unit-years', lang)}; "
                f"unit: {unit or '–'}.",
            )
        )
    )

    # -- comparison group ---------------------------------------------------------------
    weights: str | None = None
    full_panel = panel
    if cfg.comparison.design == "matched":
        sec.add(Heading(t("Gematchte Vergleichsgruppe", "Matched comparison group"), level=4))
        ctx.step(f"impact {indicator}: matching")
        matched = _match(ctx, sec, panel, key)
        if matched is not None:
            panel, weights = matched

    # -- trends ---------------------------------------------------------------------------
    if "trends" in imp.estimators:
        sec.add(
            Heading(
                t(
                    "Verlauf: auditiert gegen Vergleichsgruppe",
                    "Trends: audited against comparison",
                ),
                level=4,
            )
        )
        ctx.guard(sec, t("Verlauf", "Trends"), _trends, ctx, sec, panel, indicator, label, unit)

    # -- before/after ---------------------------------------------------------------------
    if "before_after" in imp.estimators:
        sec.add(Heading(t("Vorher und nachher", "Before and after"), level=4))
        ctx.step(f"impact {indicator}: before/after")
        r = ctx.call(
            sec,
            "panel",
            "before_after",
            t("Vorher-nachher", "Before/after"),
            panel,
            window=tuple(imp.window),
        )
        ctx.add_result(
            sec,
            r,
            f"impact_{key}_before_after",
            t(
                "Mittelwert vor und nach Beginn (auditierte Kommunen)",
                "Mean before and after onset (audited units)",
            ),
            plot=False,
        )

    comparison: dict[str, Any] = {}
    # -- TWFE and event study ----------------------------------------------------------
    if "twfe" in imp.estimators:
        sec.add(Heading(t("Zwei-Wege-Fixed-Effects", "Two-way fixed effects"), level=4))
        ctx.step(f"impact {indicator}: TWFE")
        r = ctx.call(
            sec,
            "panel",
            "twfe",
            "TWFE",
            panel,
            covariates=list(imp.covariates) or None,
            cluster="unit",
            weights=weights,
        )
        ctx.add_result(
            sec, r, f"impact_{key}_twfe", t("TWFE-Schätzung", "TWFE estimate"), plot=False
        )
        if r is not None:
            comparison["TWFE"] = r
    if "event_study" in imp.estimators:
        sec.add(Heading(t("Ereignisstudie", "Event study"), level=4))
        ctx.step(f"impact {indicator}: event study")
        r = ctx.call(
            sec,
            "panel",
            "event_study",
            t("Ereignisstudie", "Event study"),
            panel,
            leads=-imp.window[0],
            lags=imp.window[1],
            reference=imp.reference_period,
            covariates=list(imp.covariates) or None,
            cluster="unit",
            weights=weights,
            seed=cfg.seed,
        )
        ctx.add_result(
            sec,
            r,
            f"impact_{key}_event_study",
            t(
                "Dynamische TWFE-Effekte relativ zum Beginn",
                "Dynamic TWFE effects relative to onset",
            ),
        )
        pre = getattr(r, "pretrend", None) if r is not None else None
        _pretest(ctx, sec, pre, f"impact_{key}_event_study_pretest")

    # -- staggered ------------------------------------------------------------------------
    a = imp.att_gt
    cs = None
    if "att_gt" in imp.estimators:
        sec.add(
            Heading(
                t("Gestaffelte DiD (Callaway & Sant'Anna)", "Staggered DiD (Callaway & Sant'Anna)"),
                level=4,
            )
        )
        ctx.step(f"impact {indicator}: att_gt")
        cs = ctx.call(sec, "staggered", "att_gt", "att_gt", panel, **_att_kwargs(ctx, weights))
        if cs is not None:
            dyn = ctx.guard(
                sec,
                t("dynamische Effekte", "dynamic effects"),
                cs.aggregate,
                "dynamic",
                min_e=imp.window[0],
                max_e=imp.window[1],
            )
            ctx.add_result(
                sec,
                dyn,
                f"impact_{key}_att_dynamic",
                t("Dynamische Effekte (Ereigniszeit)", "Dynamic effects (event time)"),
            )
            simple = ctx.guard(sec, t("Gesamteffekt", "overall effect"), cs.aggregate, "simple")
            ctx.add_result(
                sec,
                simple,
                f"impact_{key}_att_overall",
                t("Gesamteffekt (ATT)", "Overall effect (ATT)"),
                plot=False,
                facts=False,
            )
            if simple is not None:
                comparison["Callaway & Sant'Anna"] = simple
            group = ctx.guard(sec, t("Kohorteneffekte", "cohort effects"), cs.aggregate, "group")
            ctx.add_result(
                sec,
                group,
                f"impact_{key}_att_cohorts",
                t("Effekte je Kohorte", "Effects by cohort"),
                plot=False,
                facts=False,
            )
            pre = getattr(cs, "pretest", None)
            _pretest(ctx, sec, pre, f"impact_{key}_att_pretest")
    if "sun_abraham" in imp.estimators:
        sec.add(Heading("Sun & Abraham", level=4))
        ctx.step(f"impact {indicator}: Sun & Abraham")
        r = ctx.call(
            sec,
            "staggered",
            "sun_abraham",
            "Sun & Abraham",
            panel,
            reference=imp.reference_period,
            covariates=list(imp.covariates) or None,
            cluster="unit",
            weights=weights,
        )
        ctx.add_result(
            sec,
            r,
            f"impact_{key}_sun_abraham",
            t("Interaktionsgewichtete Ereignisstudie", "Interaction-weighted event study"),
        )
    if "bacon" in imp.estimators:
        sec.add(Heading(t("Bacon-Zerlegung", "Bacon decomposition"), level=4))
        ctx.step(f"impact {indicator}: Bacon")
        r = ctx.call(
            sec,
            "staggered",
            "bacon_decomposition",
            t("Bacon-Zerlegung", "Bacon decomposition"),
            panel,
        )
        if r is not None:
            by_type = ctx.guard(sec, t("Bacon-Zerlegung", "Bacon decomposition"), r.by_type)
            twfe_coef = getattr(r, "twfe", None)
            if isinstance(twfe_coef, int | float):
                sec.add(Facts(((t("TWFE-Koeffizient", "TWFE coefficient"), f"{twfe_coef:.4f}"),)))
            if by_type is not None:
                sec.add(
                    ReportTable(
                        f"impact_{key}_bacon_by_type",
                        t(
                            "Gewichte und Schätzwerte nach Vergleichstyp",
                            "Weights and estimates by comparison type",
                        ),
                        by_type,
                    )
                )
            sec.add(
                ReportTable(
                    f"impact_{key}_bacon",
                    t("Alle 2x2-Vergleiche", "All 2x2 comparisons"),
                    r.tidy(),
                    show=False,
                )
            )
            ctx.add_plot(
                sec,
                r,
                f"impact_{key}_bacon",
                t(
                    "TWFE als gewichtetes Mittel von 2x2-Vergleichen",
                    "TWFE as a weighted mean of 2x2 comparisons",
                ),
                alt=t(
                    "Streudiagramm: Schätzwert jedes 2x2-Vergleichs gegen sein Gewicht, nach Typ; "
                    "die gestrichelte Linie ist der TWFE-Koeffizient.",
                    "Scatter plot: estimate of each 2x2 comparison against its weight, by type; "
                    "the dashed line is the TWFE coefficient.",
                ),
            )

    # -- robustness -------------------------------------------------------------------------
    rob = imp.robustness
    sec.add(Heading(t("Robustheit", "Robustness"), level=4))
    if "att_gt" in imp.estimators and cs is not None:
        # (progress label, what is estimated, column of the comparison, arguments)
        variants: list[tuple[str, str, str, dict[str, Any]]] = []
        if rob.not_yet_treated and a.control_group != "not_yet_treated":
            variants.append(
                (
                    "not-yet-treated",
                    t("noch nicht behandelte Kontrollen", "not-yet-treated controls"),
                    t("C&S, noch nicht behandelte Kontrollen", "C&S, not-yet-treated controls"),
                    {"control_group": "not_yet_treated"},
                )
            )
        if rob.anticipation > 0:
            variants.append(
                (
                    "anticipation",
                    t("Antizipation", "anticipation"),
                    t(
                        f"C&S, Antizipation {rob.anticipation} J.",
                        f"C&S, anticipation {rob.anticipation} y",
                    ),
                    {"anticipation": rob.anticipation},
                )
            )
        for label, what, column, over in variants:
            ctx.step(f"impact {indicator}: {label}")
            r = ctx.call(
                sec, "staggered", "att_gt", what, panel, **_att_kwargs(ctx, weights, **over)
            )
            s = ctx.guard(sec, "aggregate", r.aggregate, "simple") if r is not None else None
            if s is not None:
                comparison[column] = s
    if 0 < treated_units <= rob.randomization_max_treated and weights:
        sec.add(
            Note(
                t(
                    "Randomisierungsinferenz entfällt: sie unterstützt keine Matching-Gewichte.",
                    "Randomisation inference skipped: it does not support matching weights.",
                ),
                "info",
            )
        )
    elif 0 < treated_units <= rob.randomization_max_treated:
        ctx.step(f"impact {indicator}: randomisation inference")
        r = ctx.call(
            sec,
            "inference",
            "randomization_inference",
            t("Randomisierungsinferenz", "Randomisation inference"),
            panel,
            estimator="twfe",
            n_draws=rob.randomization_draws,
            seed=ctx.config.seed,
            progress=ctx.progress,
        )
        ctx.add_result(
            sec,
            r,
            f"impact_{key}_randomization",
            t(
                "Randomisierungsinferenz (Zuweisung der Beginnjahre permutiert)",
                "Randomisation inference (onset years permuted)",
            ),
        )
    if cfg.comparison.design == "all" and rob.matched and "twfe" in imp.estimators:
        sec.add(
            Heading(
                t(
                    "Gematchte Vergleichsgruppe (Robustheit)",
                    "Matched comparison group (robustness)",
                ),
                level=4,
            )
        )
        ctx.step(f"impact {indicator}: matching")
        matched = _match(ctx, sec, full_panel, key)
        if matched is not None:
            r = ctx.call(
                sec,
                "panel",
                "twfe",
                t("TWFE, gematcht", "TWFE, matched"),
                matched[0],
                covariates=list(imp.covariates) or None,
                cluster="unit",
                weights=matched[1],
            )
            if r is not None:
                comparison[t("TWFE, gematcht", "TWFE, matched")] = r
    if comparison:
        cmp = ctx.diagnostic(sec, t("Vergleich", "comparison"), _compare, comparison)
        if cmp is not None:
            title = t(
                "Gesamteffekte im Vergleich der Schätzer", "Overall effects across estimators"
            )
            sec.add(Heading(title, level=4))
            note = t(
                "Jede Zeile ist der Gesamteffekt eines Verfahrens mit seinem eigenen "
                "Konfidenzintervall (siehe oben und Anhang Methoden).",
                "Each row is the overall effect of one method with its own confidence interval "
                "(see above and the methods appendix).",
            )
            tidy = cmp.tidy()
            shown = ("model", "estimate", "std_error", "p_value", "ci_low", "ci_high")
            one_row_each = tidy["model"].is_unique if "model" in tidy.columns else False
            sec.add(
                ReportTable(
                    f"impact_{key}_comparison",
                    title,
                    tidy,
                    (note,),
                    columns=shown if one_row_each and set(shown) <= set(tidy.columns) else None,
                )
            )
            ctx.add_plot(sec, cmp, f"impact_{key}_comparison", title)


def _match(
    ctx: Context, sec: Section, panel: pd.DataFrame, key: str
) -> tuple[pd.DataFrame, str | None] | None:
    """Match comparison units (``evaluation.match_comparison``), show the balance and return
    the matched panel and its weight column (None when every match has weight one)."""
    t = ctx.t
    c = ctx.config.comparison
    match = ctx.call(
        sec,
        "matching",
        "match_comparison",
        t("Matching", "Matching"),
        panel,
        covariates=list(c.covariates),
        method=c.method,
        ratio=c.ratio,
        caliper=c.caliper or None,
        replace=c.replace,
        exact=list(c.exact),
    )
    if match is None:
        return None
    summary = ctx.guard(sec, "Matching", match.summary, lang=ctx.lang)
    if summary is not None and summary.facts:
        sec.add(Facts(tuple((str(k), str(v)) for k, v in summary.facts)))
    bal = ctx.guard(sec, "Balance", match.balance)
    ctx.add_result(
        sec,
        bal,
        f"impact_{key}_balance",
        t("Balance vor und nach dem Matching", "Balance before and after matching"),
        facts=False,
    )
    if not isinstance(getattr(match, "panel", None), pd.DataFrame):
        ctx.failed(
            sec,
            t("Matching", "Matching"),
            t(
                "das Matching-Ergebnis liefert kein Panel; es werden alle Vergleichskommunen "
                "verwendet.",
                "the matching result has no panel; all comparison units are used.",
            ),
        )
        return None
    return match.panel, ("match_weight" if c.replace or c.ratio > 1 else None)


def _att_kwargs(ctx: Context, weights: str | None, **over: Any) -> dict[str, Any]:
    imp = ctx.config.impact
    a = imp.att_gt
    kw: dict[str, Any] = {
        "control_group": a.control_group,
        "method": a.method,
        "base_period": a.base_period,
        "covariates": list(imp.covariates) or None,
    }
    if weights:
        kw["weights"] = weights
    if a.bootstrap:
        kw["n_draws"] = a.bootstrap
        kw["seed"] = ctx.config.seed
        kw["progress"] = ctx.progress
    kw.update(over)
    return kw


def _compare(results: dict[str, Any]) -> Any:
    from ...results import compare

    return compare(results)


def _pretest(ctx: Context, sec: Section, pre: Any, name: str) -> None:
    if pre is None:
        return
    res = ctx.diagnostic(sec, t_pre(ctx), pre) if callable(pre) else pre
    if res is None:
        return
    if isinstance(res, dict):
        res = pd.DataFrame([res])
    ctx.add_result(sec, res, name, t_pre(ctx), plot=False)


def t_pre(ctx: Context) -> str:
    return ctx.t("Vortest paralleler Trends", "Pre-test of parallel trends")


def _trends(
    ctx: Context, sec: Section, panel: pd.DataFrame, indicator: str, label: str, unit: str
) -> None:
    """Mean of the outcome per year, audited against comparison units (a description)."""
    t = ctx.t
    y = panel[indicator].astype("float64")
    grp = np.where(panel["cohort"].fillna(0).to_numpy() > 0, "audited", "comparison")
    means = (
        pd.DataFrame({"year": panel["year"].astype("int64"), "group": grp, "value": y})
        .dropna()
        .groupby(["year", "group"])["value"]
        .agg(["mean", "count"])
        .reset_index()
        .rename(columns={"mean": "mean", "count": "n_units"})
        .sort_values(["year", "group"], kind="stable")
    )
    key = slug(indicator)
    fig, ax = new_figure(7.0, 3.4)
    colours = {"audited": "#2b6ca3", "comparison": "0.45"}
    names = {
        "audited": t("auditiert", "audited"),
        "comparison": t("Vergleichsgruppe", "comparison"),
    }
    for g in ("audited", "comparison"):
        d = means[means["group"] == g]
        ax.plot(d["year"], d["mean"], marker="o", ms=3, color=colours[g], label=names[g])
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(t("Jahr", "Year"))
    ax.set_ylabel(f"{label} ({unit})" if unit else label)
    ax.set_title(t(f"{label}: Mittelwerte je Jahr", f"{label}: means by year"))
    ax.legend(frameon=False)
    fig.tight_layout()
    first, last = int(means["year"].min()), int(means["year"].max())
    ctx.add_figure(
        sec,
        fig,
        f"impact_{key}_trends",
        t(f"Verlauf {label}", f"Trend of {label}"),
        t(
            f"Liniendiagramm: Mittelwert von {label} je Jahr {first}–{last}, auditierte Kommunen "
            "gegen Vergleichsgruppe.",
            f"Line chart: mean of {label} by year {first}–{last}, audited units against the "
            "comparison group.",
        ),
    )
    sec.add(
        ReportTable(
            f"impact_{key}_trends",
            t("Mittelwerte je Jahr und Gruppe", "Means by year and group"),
            means,
            show=False,  # the data of the figure above
        )
    )
