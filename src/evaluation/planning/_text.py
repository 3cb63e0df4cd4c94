"""Every text of the planning results, in German and English, and the German number format.

Titles, labels, notes and sentences of :class:`PowerCurve`, :class:`MDEResult` and
:class:`SimulationResult` live here, as ``(German, English)`` pairs, so that each result's
texts are in one place.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..codes import Lang
from ..results import Summary

POWER_TITLE = ("Power nach Effektgröße", "Power by effect size")
MDE_TITLE = ("Minimal nachweisbare Effekte", "Minimum detectable effects")
SIMULATION_TITLE = ("Simulationsstudie", "Simulation study")

#: measures of a simulation study, in display order: (German, English)
MEASURES: dict[str, tuple[str, str]] = {
    "mean_estimate": ("Mittel der Schätzwerte", "Mean estimate"),
    "bias": ("Verzerrung", "Bias"),
    "emp_se": ("SD der Schätzwerte", "SD of estimates"),
    "mean_se": ("mittlerer Std.-Fehler", "Mean std. error"),
    "rmse": ("RMSE", "RMSE"),
    "coverage": ("Überdeckung", "Coverage"),
    "rejection": ("Ablehnungsrate", "Rejection rate"),
}

COLUMNS: dict[str, tuple[str, str]] = {
    "scenario": ("Szenario", "Scenario"),
    "estimator": ("Verfahren", "Estimator"),
    "target": ("Effektmaß", "Effect measure"),
    "method": ("Methode", "Method"),
    "mde": ("MDE", "MDE"),
    "mc_se": ("MC-Fehler", "MC error"),
    "mde_analytic": ("MDE (analytisch)", "MDE (analytic)"),
    "power": ("Power", "Power"),
    "power_analytic": ("Power (analytisch)", "Power (analytic)"),
    "alpha": ("Niveau α", "Level α"),
    "n_audited": ("auditiert", "audited"),
    "n_comparison": ("Vergleich", "comparison"),
    "n_years": ("Jahre", "years"),
    "n_sims": ("Simulationen", "simulations"),
    "effect": ("Effekt", "Effect"),
}

METHOD_TEXT = {"simulation": ("Simulation", "simulation"), "analytic": ("analytisch", "analytic")}

_DATIVE = {"Prozentpunkte": "Prozentpunkten", "Jahre": "Jahren"}


def pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "de" else pair[1]


# ---------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------
def number(x: Any, digits: int = 2, lang: Lang = "de") -> str:
    """A number with ``digits`` decimals; German: decimal comma and a point between thousands
    (1.234,5), English: 1,234.5. Missing values give an empty string."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    s = f"{float(x):,.{digits}f}"
    if lang == "de":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s


def significant(x: float, lang: Lang = "de", sig: int = 2) -> str:
    """A number rounded to ``sig`` significant digits (at least the integer part)."""
    if not np.isfinite(x) or x == 0:
        return number(x, 0, lang)
    digits = max(0, sig - 1 - int(math.floor(math.log10(abs(x)))))
    return number(x, digits, lang)


def percent(p: float, digits: int = 0, lang: Lang = "de") -> str:
    """A share as percent: German "80 %", English "80%"."""
    s = number(100 * p, digits, lang)
    return f"{s} %" if lang == "de" else f"{s}%"


def value_text(v: Any, lang: Lang) -> str:
    if isinstance(v, float | np.floating):
        return number(v, 4, lang).rstrip("0").rstrip(",.") or "0"
    return str(v)


def measure_label(key: str, lang: Lang) -> str:
    if key in MEASURES:
        return pick(MEASURES[key], lang)
    if key in COLUMNS:
        return pick(COLUMNS[key], lang)
    if key.startswith("mean_"):
        return ("Mittel " if lang == "de" else "Mean ") + key[5:]
    return key


# ---------------------------------------------------------------------------------------
# designs
# ---------------------------------------------------------------------------------------
def design_facts(design: Any, lang: Lang) -> list[tuple[str, str]]:
    cohorts = ", ".join(f"{g}: {n}" for g, n in design.cohorts.items())
    de = lang == "de"
    facts = [
        ("Zielgröße" if de else "Outcome", f"{pick(design.label, lang)} ({design.indicator})"),
        ("Auditierte Kommunen" if de else "Audited municipalities", str(design.n_audited)),
        ("Kohorten (Beginn: Anzahl)" if de else "Cohorts (onset: count)", cohorts),
        ("Vergleichskommunen" if de else "Comparison municipalities", str(design.n_comparison)),
        ("Jahre" if de else "Years", f"{design.first_year}-{design.last_year}"),
        (
            "Rauschen (SD)" if de else "Noise (SD)",
            f"{number(design.sd, 3, lang)} {pick(design.unit, lang)}",
        ),
        (
            "Autokorrelation (AR(1))" if de else "Autocorrelation (AR(1))",
            number(design.autocorrelation, 3, lang),
        ),
        (
            "Intra-Cluster-Korrelation (Land-Jahr)"
            if de
            else "Intra-cluster correlation (state-year)",
            number(design.icc, 3, lang),
        ),
        ("Cluster (Länder)" if de else "Clusters (states)", str(design.n_clusters)),
        ("Quelle" if de else "Source", pick(design.source, lang)),
    ]
    return facts


def describe_design(design: Any, lang: Lang = "de") -> str:
    return "\n".join(f"{k}: {v}" for k, v in design_facts(design, lang))


def _method_fact(method: str, n_sims: int, seed: Any, lang: Lang) -> str:
    if method == "analytic":
        return (
            "analytisch (exakte Varianz, Bloom 1995)"
            if lang == "de"
            else "analytic (exact variance, Bloom 1995)"
        )
    n = number(n_sims, 0, lang)
    return (
        f"Simulation ({n} Panels, Startwert {seed})"
        if lang == "de"
        else f"simulation ({n} panels, seed {seed})"
    )


def _analytic_note(lang: Lang) -> str:
    return (
        "Analytisch: exakte Varianz des Schätzers im balancierten Panel (AR(1)-Rauschen, "
        "Land-Jahr-Korrelation) und Bloom (1995): MDE = (t(1-α/2) + t(Power)) · SE; setzt einen "
        "Test mit korrektem Standardfehler voraus."
        if lang == "de"
        else "Analytic: exact variance of the estimator in the balanced panel (AR(1) noise, "
        "state-year correlation) and Bloom (1995): MDE = (t(1-α/2) + t(power)) · SE; assumes a "
        "test with a correct standard error."
    )


def _simulation_note(lang: Lang) -> str:
    return (
        "Simulation: Anteil der Panels, in denen der zweiseitige Test ablehnt; MC-Fehler = "
        "Monte-Carlo-Standardfehler sqrt(p(1-p)/n). Effekt konstant ab Beginn, dieselben "
        "Zufallszahlen für jede Effektgröße."
        if lang == "de"
        else "Simulation: share of panels in which the two-sided test rejects; MC error = Monte "
        "Carlo standard error sqrt(p(1-p)/n). Effect constant from onset, the same random draws "
        "for every effect size."
    )


def failed_note(n: int, lang: Lang) -> str:
    return (
        f"{n} Schätzungen scheiterten (Datenfehler) und sind nicht mitgezählt."
        if lang == "de"
        else f"{n} fits failed (data errors) and are not counted."
    )


def simulation_note(alpha: float, lang: Lang) -> str:
    a = percent(alpha, 0, lang)
    return (
        f"Werte mit Monte-Carlo-Standardfehler in Klammern (Morris, White & Crowther 2019); "
        f"Ablehnungsrate bei Niveau {a}; dieselben Zufallszahlen für jeden Gitterpunkt."
        if lang == "de"
        else f"Values with Monte Carlo standard errors in parentheses (Morris, White & Crowther "
        f"2019); rejection rate at level {a}; the same random draws for every grid point."
    )


# ---------------------------------------------------------------------------------------
# power curve
# ---------------------------------------------------------------------------------------
def power_summary(res: Any, lang: Lang) -> Summary:
    t = res.tidy()
    unit = pick(res.design.unit, lang)
    shown = pd.DataFrame(
        {
            f"{pick(COLUMNS['effect'], lang)} ({unit})": [number(v, 3, lang) for v in t["effect"]],
            pick(COLUMNS["power"], lang): [percent(v, 1, lang) for v in t["power"]],
        }
    )
    if res.method == "simulation":
        shown[pick(COLUMNS["mc_se"], lang)] = [percent(v, 1, lang) for v in t["mc_se"]]
    if "power_analytic" in t.columns and res.method == "simulation":
        shown[pick(COLUMNS["power_analytic"], lang)] = [
            percent(v, 1, lang) for v in t["power_analytic"]
        ]
    n_sims = int(t["n_sims"].max()) if len(t) else 0
    facts = [
        (pick(COLUMNS["estimator"], lang), res.estimator.label(lang)),
        (pick(COLUMNS["method"], lang), _method_fact(res.method, n_sims, res.seed, lang)),
        (
            "Test" if lang == "de" else "Test",
            (f"zweiseitig, α = {percent(res.alpha, 0, lang)}")
            if lang == "de"
            else f"two-sided, α = {percent(res.alpha, 0, lang)}",
        ),
        *design_facts(res.design, lang),
    ]
    notes = [_simulation_note(lang) if res.method == "simulation" else _analytic_note(lang)]
    if res.n_failed:
        notes.append(failed_note(res.n_failed, lang))
    if res.method == "simulation" and "power_analytic" in t.columns:
        notes.append(_analytic_note(lang))
    return Summary(pick(POWER_TITLE, lang), facts=facts, tables=[("", shown)], notes=notes)


def power_plot(res: Any, *, ax=None, lang: Lang = "de", target: float = 0.8):
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4))
    else:
        fig = ax.figure
    t = res.tidy().sort_values("effect")
    x, p, se = t["effect"].to_numpy(), t["power"].to_numpy(), t["mc_se"].to_numpy()
    label = "Simulation" if res.method == "simulation" else pick(METHOD_TEXT["analytic"], lang)
    if res.method == "simulation":
        ax.fill_between(
            x, np.clip(p - 1.96 * se, 0, 1), np.clip(p + 1.96 * se, 0, 1), color="C0", alpha=0.2
        )
    ax.plot(x, p, "o-", color="C0", label=label)
    if res.method == "simulation" and "power_analytic" in t.columns:
        ax.plot(
            x, t["power_analytic"], "--", color="0.3", label=pick(METHOD_TEXT["analytic"], lang)
        )
    ax.axhline(target, color="C3", lw=0.8, ls="--")
    ax.axhline(res.alpha, color="0.5", lw=0.8, ls=":")
    ax.set_ylim(0, 1)
    ax.set_xlabel(f"{pick(COLUMNS['effect'], lang)} ({pick(res.design.unit, lang)})")
    ax.set_ylabel(pick(COLUMNS["power"], lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: percent(v, 0, lang)))
    if lang == "de":
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 1, lang)))
    ax.set_title(f"{pick(POWER_TITLE, lang)}: {res.estimator.label(lang)}", fontsize=10)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------
# minimum detectable effects
# ---------------------------------------------------------------------------------------
def _target_text(target: str, lang: Lang) -> str:
    if target == "post":
        return "nach Beginn (Mittel)" if lang == "de" else "after onset (mean)"
    return f"Jahr {target} nach Beginn" if lang == "de" else f"year {target} after onset"


def mde_sentence(row: pd.Series, design: Any, lang: Lang) -> str:
    """ "Mit 60 auditierten Kommunen ist ein Effekt ab 2,1 Prozentpunkten mit 80 % Power
    erkennbar ..." for one row of an MDE table."""
    mde = significant(float(row["mde"]), lang)
    pw = percent(float(row["power"]), 0, lang)
    a = percent(float(row["alpha"]), 0, lang)
    n_a, n_c = int(row["n_audited"]), int(row["n_comparison"])
    years = f"{design.first_year}-{design.last_year}"
    est = _estimator_word(str(row["estimator"]), lang)
    if lang == "de":
        unit = pick(design.unit, lang)
        unit = _DATIVE.get(unit, unit)
        mc = (
            f", Monte-Carlo-Fehler {significant(float(row['mc_se']), lang)}"
            if row["method"] == "simulation"
            else ""
        )
        return (
            f"Mit {n_a} auditierten Kommunen und {n_c} Vergleichskommunen ({years}) ist ein "
            f"Effekt ab {mde} {unit} mit {pw} Power erkennbar ({est}, "
            f"{_target_text(str(row['target']), lang)}, zweiseitiger Test, α = {a}{mc})."
        )
    unit = pick(design.unit, lang)
    mc = (
        f", Monte Carlo error {significant(float(row['mc_se']), lang)}"
        if row["method"] == "simulation"
        else ""
    )
    return (
        f"With {n_a} audited and {n_c} comparison municipalities ({years}), an effect of "
        f"{mde} {unit} or more is detected with {pw} power ({est}, "
        f"{_target_text(str(row['target']), lang)}, two-sided test, α = {a}{mc})."
    )


def _estimator_word(name: str, lang: Lang) -> str:
    return {
        "twfe": "TWFE",
        "event_study": "Event-Study" if lang == "de" else "event study",
        "att_gt": "Callaway-Sant'Anna",
    }.get(name, name)


def mde_summary(res: Any, lang: Lang) -> Summary:
    t = res.tidy()
    first = next(iter(res.designs.values()))
    unit = pick(first.unit, lang)
    shown = pd.DataFrame()
    if (t["scenario"] != "").any():
        shown[pick(COLUMNS["scenario"], lang)] = t["scenario"]
    shown[pick(COLUMNS["estimator"], lang)] = [_estimator_word(e, lang) for e in t["estimator"]]
    shown[pick(COLUMNS["target"], lang)] = [_target_text(x, lang) for x in t["target"]]
    shown[f"MDE ({unit})"] = [number(v, 3, lang) for v in t["mde"]]
    if (t["method"] == "simulation").any():
        shown[pick(COLUMNS["mc_se"], lang)] = [number(v, 3, lang) for v in t["mc_se"]]
        if "mde_analytic" in t.columns:
            shown[pick(COLUMNS["mde_analytic"], lang)] = [
                number(v, 3, lang) for v in t["mde_analytic"]
            ]
    for c in ("n_audited", "n_comparison", "n_years"):
        shown[pick(COLUMNS[c], lang)] = t[c].astype(str)
    row0 = t.iloc[0]
    facts = [
        (pick(COLUMNS["power"], lang), percent(float(row0["power"]), 0, lang)),
        (
            "Test",
            f"zweiseitig, α = {percent(float(row0['alpha']), 0, lang)}"
            if lang == "de"
            else f"two-sided, α = {percent(float(row0['alpha']), 0, lang)}",
        ),
        (
            pick(COLUMNS["method"], lang),
            _method_fact(str(row0["method"]), int(t["n_sims"].max()), res.seed, lang),
        ),
    ]
    if len(res.designs) > 1:
        name = next(iter(res.designs))
        facts.append(("Angaben zum Design" if lang == "de" else "Design shown", f"{name}"))
    facts += design_facts(first, lang)
    notes = res.sentences(lang)
    notes.append(_analytic_note(lang))
    if (t["method"] == "simulation").any():
        notes.append(
            "Simuliert: kleinster Effekt, bei dem der Anteil der Ablehnungen die Ziel-Power "
            "erreicht; MC-Fehler wie der eines Stichprobenquantils."
            if lang == "de"
            else "Simulated: the smallest effect at which the share of rejections reaches the "
            "target power; MC error as that of a sample quantile."
        )
    return Summary(pick(MDE_TITLE, lang), facts=facts, tables=[("", shown)], notes=notes)
