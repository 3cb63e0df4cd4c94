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
}


def term(key: str, lang: Lang = "de") -> str:
    """The label of ``key`` in ``lang``; unknown keys are returned unchanged."""
    check_lang(lang)
    pair = TERMS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "de" else pair[1]
