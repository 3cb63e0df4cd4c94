"""German and English labels for words the package shows to people (tables, plots, reports).

Column names of tidy frames are always the English codes; these labels are only for display.
"""

from __future__ import annotations

from .codes import Lang, check_lang

TERMS: dict[str, tuple[str, str]] = {
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
}


def term(key: str, lang: Lang = "de") -> str:
    """The label of ``key`` in ``lang``; unknown keys are returned unchanged."""
    check_lang(lang)
    pair = TERMS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "de" else pair[1]
