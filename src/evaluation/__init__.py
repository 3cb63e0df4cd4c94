"""evaluation: impact evaluation of the German "Audit familiengerechte Kommune".

Typical use in a notebook::

    import evaluation as ev
    study = ev.load_study("path/to/study")      # or ev.datasets.synthetic_study(seed=1)
    ev.implementation_rates(study, by=["action_field"])
    res = ev.att_gt(study.panel("childcare_u3"))
    res.aggregate("dynamic").plot()

Names are imported lazily on first use, so ``import evaluation`` stays fast.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any


def _find_version() -> str:
    """The version from one source: ``pyproject.toml``, through the installed metadata.

    An uninstalled source tree (``src/`` on the path) reads ``pyproject.toml`` directly.
    Looked up on first use of ``__version__`` (importlib.metadata costs about 0.2 s).
    """
    from importlib import metadata

    try:
        return metadata.version("evaluation")
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        import tomllib

        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        if project.get("name") == "evaluation":
            return str(project["version"])
    except (OSError, KeyError, ValueError):
        pass
    return "0+unknown"


# public name -> module that defines it
_API: dict[str, str] = {
    # data model
    "Study": "study",
    "load_study": "study",
    "init_study": "study",
    "StudyValidationError": "errors",
    "Problem": "study.problems",
    "datasets": "datasets",
    "codes": "codes",
    "ACTION_FIELDS": "codes",
    "STATUSES": "codes",
    # results interface
    "Estimates": "results",
    "TableResult": "results",
    "compare": "results",
    # implementation success
    "implementation_rates": "implementation",
    "implementation_intensity": "implementation",
    "status_progression": "implementation",
    "status_transitions": "implementation",
    "before_after_implementation": "implementation",
    "cycle_comparison": "implementation",
    "field_differences": "implementation",
    "implementation_model": "implementation",
    "time_to_implementation": "implementation",
    # panels and classic designs
    "build_panel": "study.panel",
    "match_comparison": "panel.matching",
    "before_after": "panel",
    "interrupted_time_series": "panel",
    "did_2x2": "panel",
    "twfe": "panel",
    "event_study": "panel",
    "randomization_inference": "panel.inference",
    "placebo_in_time": "panel.inference",
    "missing_table": "study.panel",
    "certification_status": "study.exposure",
    # descriptive tables of a study
    "audit_events": "study.describe",
    "certified_units": "study.describe",
    "moved_to_implemented": "study.describe",
    "latest_indicators": "study.describe",
    "yearly_group_means": "study.describe",
    "unit_counts": "study.describe",
    "cohort_counts": "study.describe",
    "indicator_coverage": "study.describe",
    "frequent_measure_titles": "study.describe",
    # few treated units: sensitivity, wild bootstrap, multiple testing
    "honest_did": "sensitivity",
    "wild_bootstrap": "stats",
    "wild_bootstrap_ols": "stats",
    "LinearDesign": "stats",
    "adjust_pvalues": "stats",
    # staggered designs
    "att_gt": "staggered",
    "sun_abraham": "staggered",
    "bacon_decomposition": "staggered",
    "StaggeredWarning": "staggered",
    "GroupTimeEffects": "staggered",
    "did_multiplegt": "staggered",
    "continuous_did": "staggered",
    "heterogeneity": "staggered",
    "twfe_weights": "staggered",
    "did_imputation": "staggered",
    "did_two_stage": "staggered",
    "compare_estimators": "staggered",
    "EstimatorComparison": "staggered",
    "randomization_att_gt": "staggered",
    # goal attainment, coder agreement, surveys and costs
    "goal_attainment": "mixed",
    "attainment_by_implementation": "mixed",
    "goal_implementation_shares": "mixed",
    "coder_agreement": "mixed",
    "krippendorff_alpha": "mixed",
    "survey_estimates": "mixed",
    "LIKERT_SCALES": "mixed",
    "measure_costs": "mixed",
    "read_survey_file": "mixed",
    "synthetic_mixed_methods": "mixed.synthetic",
    "add_mixed_methods": "mixed.synthetic",
    "survey_cross_sections": "study.surveys",
    # planning: power, minimum detectable effects, simulation studies
    "PanelDesign": "planning",
    "PlanEstimator": "planning",
    "power": "planning",
    "minimum_detectable_effect": "planning",
    "simulate": "planning",
    "run_replications": "planning",
    "planning": "planning",
    # reports
    "ReportConfig": "report",
    "load_config": "report",
    "render_report": "report",
    "render_summary": "report",
    "render_yearly_summary": "report",
    "verify_report": "report",
    "run_demo": "report",
    # official statistics
    "read_inkar": "ingest",
    "read_gemeindeverzeichnis": "ingest",
    "territorial_changes": "ingest",
    "harmonise": "ingest",
    "set_municipalities": "ingest",
    "add_indicators": "ingest",
    # one or a few treated units: synthetic control and synthetic DiD
    "synthetic_control": "synthetic",
    "synthetic_did": "synthetic",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        version = _find_version()
        globals()[name] = version
        return version
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'evaluation' has no attribute {name!r}")
    mod = importlib.import_module(f".{module}", __name__)
    value = mod if name == module else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
