"""Deprecated: the yearly summary is :mod:`evaluation.report.yearly` ("summary" alone is what a
result's ``summary()`` gives). This module re-exports its old names for one release."""

from __future__ import annotations

import warnings

from .yearly import build_yearly, certified_names, render_yearly_summary
from .yearly_inputs import audit_events, latest_indicators, moved_to_implemented

warnings.warn(
    "evaluation.report.summary is renamed evaluation.report.yearly; the old name goes in the "
    "next release",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = [
    "audit_events",
    "build_yearly",
    "certified_names",
    "latest_indicators",
    "moved_to_implemented",
    "render_yearly_summary",
]
