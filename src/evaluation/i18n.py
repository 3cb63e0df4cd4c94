"""The one language mechanism: every text a person reads exists in German and English.

- :class:`Text` holds both versions of one text; ``text(lang)`` picks one. Results, reports and
  plots keep :class:`Text` objects and resolve them only when they are shown.
- :data:`TERMS` labels the column names of tidy frames and the keys of result facts
  (``term("std_error", "de") == "Std.-Fehler"``); codes of the code lists get their labels from
  :mod:`evaluation.codes`.
- :func:`number`, :func:`percent` and :func:`plural` format numbers and counts the way the
  reader's language writes them: ``number(1234.5, "de") == "1.234,5"``; German percentages
  with a narrow no-break space (``"12,3 %"``, as the Duden writes it).

This is the only module that knows which languages exist; no other module branches on
``lang == "de"`` (a test checks that).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

Lang = Literal["de", "en"]
LANGS: tuple[str, ...] = get_args(Lang)

#: narrow no-break space, between a number and "%" in German
NNBSP = "\u202f"


def check_lang(lang: object) -> Lang:
    """``lang`` if it is a supported language; raises :class:`~evaluation.errors.OptionError`
    (a :class:`ValueError`) otherwise."""
    if lang not in LANGS:
        from .errors import OptionError

        raise OptionError(f"lang must be one of {list(LANGS)}, got {lang!r}")
    return lang  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Text:
    """One text in German and English."""

    de: str
    en: str

    def __call__(self, lang: Lang = "de") -> str:
        return self.de if check_lang(lang) == "de" else self.en

    def format(self, **kwargs: Any) -> Text:
        """Both versions with ``str.format(**kwargs)`` applied. A value that is itself a
        :class:`Text` is put in in the matching language."""
        de = {k: (v.de if isinstance(v, Text) else v) for k, v in kwargs.items()}
        en = {k: (v.en if isinstance(v, Text) else v) for k, v in kwargs.items()}
        return Text(self.de.format(**de), self.en.format(**en))

    def __contains__(self, part: str) -> bool:
        """Whether ``part`` occurs in the German or the English version."""
        return part in self.de or part in self.en

    def __add__(self, other: Text | str) -> Text:
        if isinstance(other, Text):
            return Text(self.de + other.de, self.en + other.en)
        return Text(self.de + other, self.en + other)

    def __radd__(self, other: str) -> Text:
        return Text(other + self.de, other + self.en)

    def join(self, parts: Sequence[Text | str]) -> Text:
        """``parts`` joined with this text as the separator."""
        return Text(
            self.de.join(tr(p, "de") for p in parts), self.en.join(tr(p, "en") for p in parts)
        )


def same(s: str) -> Text:
    """A text that reads the same in both languages (names, formulas, codes of estimators)."""
    return Text(s, s)


def tr(x: Text | str | None, lang: Lang = "de") -> str:
    """The text in ``lang``. A plain ``str`` is data (a name, a title from the study) and is
    returned unchanged; ``None`` gives ``""``."""
    if x is None:
        return ""
    if isinstance(x, Text):
        return x(lang)
    en = getattr(x, "en", None)
    if lang == "en" and isinstance(en, str):
        return en  # the deprecated BiText (a German str carrying its English version)
    return str(x)


# ---------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------
def number(x: Any, lang: Lang = "de", digits: int = 2, *, grouping: bool = True) -> str:
    """A number written for a reader: fixed ``digits`` after the decimal separator, thousands
    grouped (German ``1.234,56``, English ``1,234.56``). Integers (and floats that are whole
    and ``digits == 0``) have no decimals. Missing values give ``""``; infinities "∞"."""
    check_lang(lang)
    if x is None:
        return ""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    is_int = isinstance(x, int) or (hasattr(x, "dtype") and getattr(x.dtype, "kind", "") in "iu")
    s = f"{int(x):,}" if is_int else f"{v:,.{digits}f}"
    if not grouping:
        s = s.replace(",", "")
    if s.startswith("-"):
        s = "−" + s[1:]  # a real minus sign
        if set(s[1:]) <= set("0.,"):
            s = s[1:]  # no "−0,00"
    if lang == "de":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


def percent(share: Any, lang: Lang = "de", digits: int = 1) -> str:
    """A share (0.123) as a percentage ("12,3 %" in German, "12.3%" in English)."""
    s = number(None if share is None else float(share) * 100, lang, digits)
    if not s:
        return ""
    return f"{s}{NNBSP}%" if lang == "de" else f"{s}%"


def signed(x: Any, lang: Lang = "de", digits: int = 2) -> str:
    """A number with its sign always written ("+5,10", "−0,32")."""
    s = number(x, lang, digits)
    if s and not s.startswith("−") and float(x) != 0:
        s = "+" + s
    return s


def plural(n: int, one: Text, many: Text, lang: Lang = "de") -> str:
    """``"1 Kommune"`` / ``"3 Kommunen"``: ``one`` or ``many`` formatted with ``n``."""
    text = one if n == 1 else many
    return text.format(n=number(n, lang))(lang)


# ---------------------------------------------------------------------------------------
# terms: labels of tidy columns and result facts
# ---------------------------------------------------------------------------------------
def _terms(pairs: Mapping[str, tuple[str, str]]) -> dict[str, Text]:
    return {k: Text(de, en) for k, (de, en) in pairs.items()}


_TERM_PAIRS: dict[str, tuple[str, str]] = {
    # results
    "estimate": ("Schätzwert", "Estimate"),
    "std_error": ("Std.-Fehler", "Std. error"),
    "statistic": ("Teststatistik", "Statistic"),
    "p_value": ("p-Wert", "p-value"),
    "ci_low": ("KI unten", "CI lower"),
    "ci_high": ("KI oben", "CI upper"),
    "band_low": ("Simultanband unten", "Sim. band lower"),
    "band_high": ("Simultanband oben", "Sim. band upper"),
    "n_obs": ("Beobachtungen", "Observations"),
    "n_units": ("Einheiten", "Units"),
    "n_clusters": ("Cluster", "Clusters"),
    "n_treated_clusters": ("Cluster mit behandelten Einheiten", "Clusters with treated units"),
    "excluded_units": ("Ausgeschlossene Einheiten", "Excluded units"),
    "method": ("Verfahren", "Method"),
    "outcome": ("Zielgröße", "Outcome"),
    "confidence_level": ("Konfidenzniveau", "Confidence level"),
    "interval": ("Intervall", "Interval"),
    "term": ("Term", "Term"),
    # keys
    "rel_time": ("Jahre relativ zum Beginn", "Years relative to onset"),
    "event_time": ("Jahre seit Beginn", "Years since onset"),
    "cohort": ("Kohorte", "Cohort"),
    "time": ("Jahr", "Year"),
    "year": ("Jahr", "Year"),
    "municipality_id": ("Gemeindeschlüssel", "Municipality code"),
    "action_field": ("Handlungsfeld", "Action field"),
    "status": ("Status", "Status"),
    "state": ("Land", "State"),
    "level": ("Ebene", "Level"),
    "cycle": ("Auditzyklus", "Audit cycle"),
    "group": ("Gruppe", "Group"),
    "indicator": ("Indikator", "Indicator"),
    "report_number": ("Bericht", "Report"),
    # implementation
    "n_measures": ("Maßnahmen", "Measures"),
    "n_success": ("erfolgreich", "Successful"),
    "share": ("Anteil", "Share"),
    "share_implemented": ("Anteil umgesetzt", "Share implemented"),
    "effect": ("Effekt", "Effect"),
    "overall": ("Gesamt", "Overall"),
    "audited": ("auditiert", "audited"),
    "comparison": ("Vergleichsgruppe", "comparison"),
    "mean": ("Mittelwert", "Mean"),
    "pre": ("vorher", "before"),
    "post": ("nachher", "after"),
    "fitted": ("angepasst", "fitted"),
    "counterfactual": ("kontrafaktisch", "counterfactual"),
    "randomization_distribution": ("Randomisierungsverteilung", "Randomisation distribution"),
    "before_matching": ("vor dem Matching", "before matching"),
    "after_matching": ("nach dem Matching", "after matching"),
    "abs_smd": ("|Standardisierte Mittelwertdifferenz|", "|Standardised mean difference|"),
    "n_treated_units": ("Behandelte Einheiten", "Treated units"),
    "n_control_units": ("Vergleichseinheiten", "Comparison units"),
    "unmatched": ("ohne Partner", "Unmatched"),
    "r2_within": ("R² (within)", "R² (within)"),
    "pretrend_F": ("Vorperioden-Test F", "Pre-trend test F"),
    "pretrend_p": ("Vorperioden-Test p", "Pre-trend test p"),
    "n_draws": ("Ziehungen", "Draws"),
    "seed": ("Startwert", "Seed"),
    "scheme": ("Zuweisungsschema", "Assignment scheme"),
    "placebo_shift": ("Placebo-Verschiebung (Jahre)", "Placebo shift (years)"),
    "n_periods": ("Perioden", "Periods"),
    "pre_mean": ("Mittel vorher", "Mean before"),
    "post_mean": ("Mittel nachher", "Mean after"),
    "wilcoxon_p": ("Wilcoxon p", "Wilcoxon p"),
    "ri_p_value": ("p-Wert (Randomisierung)", "p-value (randomisation)"),
    "ri_sd": ("SD (Randomisierung)", "SD (randomisation)"),
    "reference": ("Referenz", "Reference"),
    "binned": ("gebündelt", "binned"),
    "covariate": ("Kovariate", "Covariate"),
    "mean_treated": ("Mittel behandelt", "Mean treated"),
    "mean_control_before": ("Mittel Vergleich vorher", "Mean comparison before"),
    "mean_control_after": ("Mittel Vergleich nachher", "Mean comparison after"),
    "smd_before": ("SMD vorher", "SMD before"),
    "smd_after": ("SMD nachher", "SMD after"),
    "var_ratio_before": ("Varianzverh. vorher", "Variance ratio before"),
    "var_ratio_after": ("Varianzverh. nachher", "Variance ratio after"),
    "change": ("Veränderung", "Change"),
    "did": ("DiD", "DiD"),
    "treated_unit": ("Behandelte Einheit", "Treated unit"),
    "control_unit": ("Vergleichseinheit", "Comparison unit"),
    "distance": ("Distanz", "Distance"),
    "propensity_score": ("Propensity Score", "Propensity score"),
    "pre_level": ("Niveau vorher", "Pre-onset level"),
    "pre_slope": ("Trend vorher", "Pre-onset slope"),
    "pre_years": ("Jahre vor Beginn", "Pre-onset years"),
    "n_municipalities": ("Kommunen", "Municipalities"),
    "ci_method": ("KI-Verfahren", "CI method"),
    "cluster_std_error": ("Std.-Fehler (Cluster)", "Std. error (cluster)"),
    "cluster_ci_low": ("Cluster-KI unten", "Cluster CI lower"),
    "cluster_ci_high": ("Cluster-KI oben", "Cluster CI upper"),
    "cluster_ci_method": ("Cluster-KI-Verfahren", "Cluster CI method"),
    "success": ("Erfolgsdefinition", "Success definition"),
    "as_of": ("Stand (Bericht)", "As of (report)"),
    "from_report": ("von Bericht", "From report"),
    "to_report": ("zu Bericht", "To report"),
    "from_status": ("Status vorher", "Status before"),
    "to_status": ("Status nachher", "Status after"),
    "mean_before": ("Mittel vorher", "Mean before"),
    "mean_after": ("Mittel nachher", "Mean after"),
    "mean_difference": ("mittlere Differenz", "Mean difference"),
    "df": ("Freiheitsgrade", "Degrees of freedom"),
    "t_statistic": ("t-Statistik", "t statistic"),
    "t_p_value": ("p-Wert (t-Test)", "p-value (t test)"),
    "median_difference": ("Median der Differenzen", "Median difference"),
    "wilcoxon_statistic": ("Wilcoxon-Statistik", "Wilcoxon statistic"),
    "wilcoxon_p_value": ("p-Wert (Wilcoxon)", "p-value (Wilcoxon)"),
    "wilcoxon_method": ("Wilcoxon-Verfahren", "Wilcoxon method"),
    "share_before": ("Anteil vorher", "Share before"),
    "share_after": ("Anteil nachher", "Share after"),
    "difference": ("Differenz", "Difference"),
    "field_a": ("Handlungsfeld A", "Action field A"),
    "field_b": ("Handlungsfeld B", "Action field B"),
    "share_a": ("Anteil A", "Share A"),
    "share_b": ("Anteil B", "Share B"),
    "p_adjusted": ("p-Wert (korrigiert)", "p-value (adjusted)"),
    "min_expected": ("kleinste erwartete Häufigkeit", "Smallest expected count"),
    "quantity": ("Größe", "Quantity"),
    "odds_ratio": ("Odds Ratio", "Odds ratio"),
    "marginal_effect": ("Marginaleffekt", "Marginal effect"),
    "hazard_ratio": ("Hazard Ratio", "Hazard ratio"),
    "n_at_risk": ("unter Risiko", "At risk"),
    "n_events": ("Ereignisse", "Events"),
    "n_censored": ("zensiert", "Censored"),
    "survival": ("Anteil noch nicht umgesetzt", "Share not yet implemented"),
    "cumulative_share": ("Anteil umgesetzt (kumuliert)", "Share implemented (cumulative)"),
    "median": ("Median", "Median"),
    "median_ci_low": ("Median KI unten", "Median CI lower"),
    "median_ci_high": ("Median KI oben", "Median CI upper"),
    "discontinued": ("Eingestellte Maßnahmen", "Discontinued measures"),
    "std_error_analytic": ("Std.-Fehler (analytisch)", "Std. error (analytic)"),
    "n_treated": ("behandelte Einheiten", "Treated units"),
    "n_control": ("Vergleichseinheiten", "Comparison units"),
    "control_group": ("Vergleichsgruppe", "Comparison group"),
    "base_period": ("Basisperiode", "Base period"),
    "anticipation": ("Antizipation (Perioden)", "Anticipation (periods)"),
    "covariates": ("Kovariaten", "Covariates"),
    "n_cells": ("Zellen", "Cells"),
    "weight": ("Gewicht", "Weight"),
    "type": ("Art", "Type"),
    "treated": ("behandelt", "Treated"),
    "control": ("Vergleich", "Comparison"),
    "twfe": ("TWFE-Koeffizient", "TWFE coefficient"),
    "n_comparisons": ("2x2-Vergleiche", "2x2 comparisons"),
    "successful": ("erfolgreich", "successful"),
    "not_successful": ("nicht erfolgreich", "not successful"),
    # reports
    "event": ("Ereignis", "Event"),
    "df_num": ("Freiheitsgrade (Zähler)", "df (numerator)"),
    "df_denom": ("Freiheitsgrade (Nenner)", "df (denominator)"),
    "n_reaudited": ("davon Re-Audit", "of which re-audited"),
    "n_audited": ("auditiert", "audited"),
    "n_comparison": ("Vergleichsgruppe", "comparison"),
    "n_total": ("gesamt", "total"),
    "first_year": ("erstes Jahr", "first year"),
    "last_year": ("letztes Jahr", "last year"),
    "n_values": ("Werte", "Values"),
    "label": ("Bezeichnung", "Label"),
    "unit": ("Einheit", "Unit"),
    "source": ("Quelle", "Source"),
    "title": ("Titel", "Title"),
    "n_problems": ("Probleme", "Problems"),
    "severity": ("Schwere", "Severity"),
    "field": ("Feld", "Field"),
    "message": ("Meldung", "Message"),
    "example": ("Beispiel", "Example"),
    "mean_audited": ("Mittel auditiert", "Mean audited"),
    "mean_comparison": ("Mittel Vergleichsgruppe", "Mean comparison"),
    "difference_previous_year": ("Differenz im Vorjahr", "Difference previous year"),
    "file": ("Datei", "File"),
    "bytes": ("Bytes", "Bytes"),
    "sha256": ("SHA-256", "SHA-256"),
    "part": ("Teil", "Part"),
    "standard_errors": ("Standardfehler", "Standard errors"),
    "model": ("Verfahren", "Method"),
    # -- data layer (study.describe, ingest) -------------------------------------------------
    "n_previous_year": ("Anzahl im Vorjahr", "Number in the previous year"),
    "n_year": ("Anzahl im Jahr", "Number in the year"),
    "label_de": ("Bezeichnung (deutsch)", "Label (German)"),
    "label_en": ("Bezeichnung (englisch)", "Label (English)"),
    "name": ("Name", "Name"),
    "onset": ("Beginn der Behandlung", "Treatment onset"),
    "n_without_onset": ("auditiert ohne Beginn", "Audited without onset date"),
    "in_force": ("Zertifikat in Kraft", "Certificate in force"),
    "first_certified": ("erstes Jahr in Kraft", "First year in force"),
    "ever_exited": ("je ausgeschieden", "Ever exited"),
    "n_certified": ("zertifizierte Einheiten", "Certified units"),
    "n_exits": ("Austritte", "Exits"),
    "n_re_entries": ("Wiedereintritte", "Re-entries"),
    # -- impact logic of the indicator catalogue ---------------------------------------------
    "expected_direction": ("erwartete Richtung", "Expected direction"),
    "units_per_cohort": (
        "behandelte Einheiten je Kohorte (kleinste Gruppe)",
        "Treated units per cohort (smallest group)",
    ),
    "expected_lag": ("erwartete Verzögerung (Jahre)", "Expected lag (years)"),
    "certified": ("Jahr der Zertifizierung", "Year of certification"),
    "n_incomplete_units": (
        "ausgelassene unvollständige Einheiten",
        "Incomplete units left out",
    ),
    # -- implementation success and mixed methods -------------------------------------------
    "dof": ("Freiheitsgrade", "Degrees of freedom"),
    "contrast": ("Gegenüberstellung", "Contrast"),
    "value": ("Wert", "Value"),
    "complete": ("Phase abgeschlossen", "Phase complete"),
    "audit_id": ("Audit", "Audit"),
    "goal_id": ("Ziel", "Goal"),
    "measure_id": ("Maßnahme", "Measure"),
    "n_audits": ("Audits", "Audits"),
    "n_goals": ("Ziele", "Goals"),
    "sum_weights": ("Summe der Gewichte", "Sum of weights"),
    "mean_attainment": ("mittlere Zielerreichung", "Mean attainment"),
    "share_expected": ("Anteil mind. erwartet", "Share at least expected"),
    "t_score": ("T-Wert", "T-score"),
    "mean_t_score": ("mittlerer T-Wert", "Mean T-score"),
    "rho": ("Zielkorrelation ρ", "Goal correlation ρ"),
    "weighting": ("Gewichtung", "Weighting"),
    "implementation_group": ("Umsetzungsgrad", "Implementation"),
    "implemented_share": ("Anteil umgesetzt je Ziel", "Share implemented per goal"),
    "n_implemented": ("umgesetzt", "Implemented"),
    "correlation": ("Korrelation", "Correlation"),
    "dimension": ("Dimension", "Dimension"),
    "measurement_level": ("Skalenniveau", "Level of measurement"),
    "n_pairable": ("paarbare Einheiten", "Pairable units"),
    "n_coders": ("Codierende", "Coders"),
    "observed_agreement": ("beobachtete Übereinstimmung", "Observed agreement"),
    "survey_id": ("Befragung", "Survey"),
    "wave": ("Welle", "Wave"),
    "item": ("Item", "Item"),
    "category": ("Kategorie", "Category"),
    "n_respondents": ("Befragte", "Respondents"),
    "n_missing": ("ohne Angabe", "No answer"),
    "weighted_n": ("gewichtete Anzahl", "Weighted count"),
    "n_strata": ("Schichten", "Strata"),
    "n_psu": ("Primäreinheiten", "Primary units"),
    "design": ("Stichprobendesign", "Sampling design"),
    "cost": ("Kostenart", "Cost"),
    "total": ("Summe", "Total"),
    "basis": ("Bezug", "Basis"),
    "funding_source": ("Finanzierung", "Funding source"),
    "measure_type": ("Art der Maßnahme", "Type of measure"),
    # -- report (summary of findings, methods appendix) --
    "p_holm": ("p-Wert (Holm)", "p-value (Holm)"),
    "grade": ("Bewertung", "Grade"),
    "reasons": ("Gründe", "Reasons"),
    "condition": ("Bedingung", "Condition"),
    "grade_at_most": ("Bewertung höchstens", "Grade at most"),
    "convention": ("Konvention", "Convention"),
    "reason": ("Grund", "Reason"),
    # yearly summary and municipality profiles (evaluation.study.profiles)
    "start_date": ("Beginn", "Start"),
    "agreement_date": ("Zielvereinbarung", "Target agreement"),
    "certification_date": ("Zertifizierung", "Certification"),
    "implementation_end_date": ("Ende der Umsetzungsphase", "End of implementation phase"),
    "next_start_date": ("Beginn des nächsten Zyklus", "Start of the next cycle"),
    "n_fields": ("Handlungsfelder", "Action fields"),
    "report_year": ("Berichtsjahr", "Report year"),
    "n_planned": ("noch nicht begonnen", "not started"),
    "n_in_progress": ("in Umsetzung", "in progress"),
    "n_partially_implemented": ("teilweise umgesetzt", "partly implemented"),
    "n_discontinued": ("eingestellt", "discontinued"),
    "scope": ("Vergleichsbasis", "Comparison basis"),
    "q25": ("1. Quartil", "First quartile"),
    "q75": ("3. Quartil", "Third quartile"),
    "position": ("Lage", "Position"),
    "onset_year": ("Jahr des Beginns", "Onset year"),
    "base_year": ("Basisjahr", "Base year"),
    "base_value": ("Wert im Basisjahr", "Value in the base year"),
    "median_change": ("Veränderung des Medians", "Change of the median"),
    "min_units": ("Mindestzahl Vergleichseinheiten", "Minimum comparison units"),
}

# -- classic designs, shared statistics, sensitivity analysis and planning ----------------
_TERM_PAIRS.update(
    {
        "n_comparison_units": ("Vergleichseinheiten", "Comparison units"),
        "n_treated_obs": ("behandelte Beobachtungen", "Treated observations"),
        "n_comparison_obs": ("Vergleichsbeobachtungen", "Comparison observations"),
        "n_before": ("Beobachtungen vorher", "Observations before"),
        "n_after": ("Beobachtungen nachher", "Observations after"),
        "hypothesis": ("Hypothese", "Hypothesis"),
        "reject": ("abgelehnt", "Rejected"),
        "family": ("Familie", "Family"),
        "n_hypotheses": ("Hypothesen", "Hypotheses"),
        "alpha": ("Niveau α", "Level α"),
        "null": ("Wert unter der Nullhypothese", "Value under the null"),
        "p_value_crv": ("p-Wert (t, G-1)", "p-value (t, G-1)"),
        "weights": ("Bootstrap-Gewichte", "Bootstrap weights"),
        "full_enumeration": ("alle Vorzeichenvektoren", "All sign vectors"),
        "restriction": ("Restriktion", "Restriction"),
        "lb": ("untere Grenze", "Lower bound"),
        "ub": ("obere Grenze", "Upper bound"),
        "excludes_zero": ("schließt 0 aus", "Excludes 0"),
        "open_end": ("offen am Gitterrand", "Open at the grid's end"),
        "breakdown": ("Breakdown-Wert", "Breakdown value"),
        "scenario": ("Szenario", "Scenario"),
        "estimator": ("Schätzer", "Estimator"),
        "target": ("Effektmaß", "Effect measure"),
        "mde": ("MDE", "MDE"),
        "mde_analytic": ("MDE (analytisch)", "MDE (analytic)"),
        "mc_se": ("MC-Fehler", "MC error"),
        "power": ("Power", "Power"),
        "power_analytic": ("Power (analytisch)", "Power (analytic)"),
        "n_years": ("Jahre", "Years"),
        "n_sims": ("Simulationen", "Simulations"),
        "n_failed": ("gescheiterte Schätzungen", "Failed fits"),
        "measure": ("Kennzahl", "Measure"),
        "value": ("Wert", "Value"),
        "mean_estimate": ("Mittel der Schätzwerte", "Mean estimate"),
        "bias": ("Verzerrung", "Bias"),
        "emp_se": ("SD der Schätzwerte", "SD of estimates"),
        "mean_se": ("mittlerer Std.-Fehler", "Mean std. error"),
        "rmse": ("RMSE", "RMSE"),
        "coverage": ("Überdeckung", "Coverage"),
        "rejection": ("Ablehnungsrate", "Rejection rate"),
        "ratio": ("Vergleichseinheiten je behandelte Einheit", "Matches per treated unit"),
        "caliper": ("Caliper", "Caliper"),
        "replace": ("mit Zurücklegen", "With replacement"),
        "exact": ("exakt gleich in", "Exact on"),
    }
)

# -- staggered adoption and synthetic control ---------------------------------------------
_TERM_PAIRS.update(
    {
        "dof": ("Freiheitsgrade", "Degrees of freedom"),
        "n_comparison_units": ("Vergleichseinheiten", "Comparison units"),
        "n_event_times": ("Ereigniszeiten vor Beginn", "Event times before onset"),
        "pretrend_bound": (
            "Größter mit den Daten vereinbarer Vortrend",
            "Largest pre-trend consistent with the data",
        ),
        "max_abs_t": ("größtes |t|", "Largest |t|"),
        "p_value_max_t": ("p-Wert (größtes |t|)", "p-value (largest |t|)"),
        "ri_ci_low": ("Randomisierungs-KI unten", "Randomisation CI lower"),
        "ri_ci_high": ("Randomisierungs-KI oben", "Randomisation CI upper"),
        "all_assignments": ("alle Zuweisungen aufgezählt", "All assignments enumerated"),
        "strata": ("Schichten", "Strata"),
        "by": ("Untergruppen nach", "Subgroups by"),
        "n_groups": ("Untergruppen", "Subgroups"),
        "wald_statistic": ("Wald-Statistik", "Wald statistic"),
        "p_value_equal": ("p-Wert (gleiche Effekte)", "p-value (equal effects)"),
        "p_value_wald": ("p-Wert (Chi-Quadrat)", "p-value (chi-squared)"),
        "test": ("Test", "Test"),
        "n_permutations": ("Permutationen", "Permutations"),
        "re_estimated": ("je Zuordnung neu geschätzt", "Re-estimated per assignment"),
        "parameter": ("Parameter", "Parameter"),
        "dose": ("Dosis", "Dose"),
        "crit_att_d": ("kritischer Wert ATT(d)", "Critical value ATT(d)"),
        "crit_acrt_d": ("kritischer Wert ACRT(d)", "Critical value ACRT(d)"),
        "n_switchers": ("Wechsler", "Switchers"),
        "n_switchers_in": ("Wechsler (Einstieg)", "Switchers in"),
        "n_switchers_out": ("Wechsler (Ausstieg)", "Switchers out"),
        "n_positive": ("positive Gewichte", "Positive weights"),
        "n_negative": ("negative Gewichte", "Negative weights"),
        "sum_positive": ("Summe positiver Gewichte", "Sum of positive weights"),
        "sum_negative": ("Summe negativer Gewichte", "Sum of negative weights"),
        "treated_units": ("Behandelte Einheiten", "Treated units"),
        "v_weight": ("Prädiktorgewicht (V)", "Predictor weight (V)"),
        "predictor": ("Prädiktor", "Predictor"),
        "synthetic": ("synthetisch", "Synthetic"),
        "sample_mean": ("Mittel der Spender", "Donor mean"),
        "outcome_treated": ("Zielgröße behandelt", "Outcome treated"),
        "outcome_synthetic": ("Zielgröße synthetisch", "Outcome synthetic"),
        "gap": ("Differenz", "Gap"),
        "n_donors": ("Spender (Vergleichseinheiten)", "Donors (comparison units)"),
        "n_pre": ("Jahre vorher", "Pre-onset years"),
        "n_post": ("Jahre nachher", "Post-onset years"),
        "pre_period": ("Vorperiode", "Pre-period"),
        "post_period": ("Nachperiode", "Post-period"),
        "rmspe_pre": ("RMSPE vorher", "RMSPE pre"),
        "rmspe_post": ("RMSPE nachher", "RMSPE post"),
        "rmspe_ratio": ("RMSPE-Verhältnis nachher/vorher", "RMSPE ratio post/pre"),
        "mean_gap_post": ("mittlere Differenz nachher", "Mean gap post"),
        "role": ("Rolle", "Role"),
        "rank": ("Rang", "Rank"),
        "included": ("einbezogen", "Included"),
        "p_value_post": ("p-Wert (RMSPE nachher)", "p-value (RMSPE post)"),
        "n_placebos": ("Placebo-Einheiten", "Placebo units"),
        "n_compared": ("verglichene Einheiten", "Units compared"),
        "placebo_onset": ("Placebo-Beginn", "Placebo onset"),
        "loss_v": ("MSPE vorher (V-Optimierung)", "Pre-period MSPE (V optimisation)"),
        "estimator": ("Schätzer", "Estimator"),
        "variance": ("Varianzverfahren", "Variance method"),
        "n_valid_draws": ("gültige Ziehungen", "Valid draws"),
        "n_cohorts": ("Kohorten", "Cohorts"),
        "n_treated_cells": ("behandelte Einheit-Jahre", "Treated unit-years"),
        "zeta_omega": ("Ridge-Strafe zeta (Einheiten)", "Ridge penalty zeta (units)"),
        "noise_level": (
            "Rauschniveau (SD erster Differenzen)",
            "Noise level (SD of first differences)",
        ),
        "att": ("ATT", "ATT"),
        "left_out": ("ausgelassen", "Left out"),
    }
)

#: labels of tidy columns and result facts
TERMS: dict[str, Text] = _terms(_TERM_PAIRS)


def term(key: str, lang: Lang = "de") -> str:
    """The label of ``key`` in ``lang``; an unknown key is returned unchanged."""
    check_lang(lang)
    t = TERMS.get(key)
    return key if t is None else t(lang)


# -- classic designs, shared statistics, sensitivity analysis and planning ----------------
def number_text(x: Any, digits: int = 2) -> Text:
    """A number as a :class:`Text`: written the German way in German and the English way in
    English (for numbers inside texts that are made before the reader's language is known)."""
    return Text(number(x, "de", digits), number(x, "en", digits))


def percent_text(share: Any, digits: int = 1) -> Text:
    """A share as a percentage :class:`Text` ("12,3 %" / "12.3%")."""
    return Text(percent(share, "de", digits), percent(share, "en", digits))
