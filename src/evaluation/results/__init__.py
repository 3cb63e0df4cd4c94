"""The one results interface of the package (see :mod:`evaluation.results.base`)."""

from __future__ import annotations

from ..options import MAX_DRAW_MEMORY, MAX_DRAWS, check_draw_memory, check_draws
from ._compat import BiText, in_lang, latex_escape
from ._compat import _check_level as _check_level
from ._compat import _fmt_fact as _fmt_fact
from .base import (
    ESTIMATE_COLUMNS,
    FREEZE,
    MAX_ABS_T,
    MIN_CLUSTERS,
    MIN_TREATED_CLUSTERS,
    Estimates,
    Inference,
    Result,
    TableResult,
    TestResult,
    as_text,
    check_level,
    few_clusters,
    with_inference,
)
from .compare import Comparison, compare
from .plotting import figure_axes, plot_estimates
from .summary import (
    CSV_FLOAT_FORMAT,
    Summary,
    display_frame,
    fact_text,
    format_frame,
    label_codes,
    value_label,
)

__all__ = [
    "CSV_FLOAT_FORMAT",
    "ESTIMATE_COLUMNS",
    "FREEZE",
    "MAX_ABS_T",
    "MAX_DRAWS",
    "MAX_DRAW_MEMORY",
    "MIN_CLUSTERS",
    "MIN_TREATED_CLUSTERS",
    "BiText",
    "Comparison",
    "Estimates",
    "Inference",
    "Result",
    "Summary",
    "TableResult",
    "TestResult",
    "as_text",
    "check_draw_memory",
    "check_draws",
    "check_level",
    "compare",
    "display_frame",
    "fact_text",
    "few_clusters",
    "figure_axes",
    "format_frame",
    "in_lang",
    "label_codes",
    "latex_escape",
    "plot_estimates",
    "value_label",
    "with_inference",
]
