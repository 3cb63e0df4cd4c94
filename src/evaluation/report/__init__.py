"""Reproducible evaluation reports and yearly summaries.

- :func:`render_report`: the full evaluation report (HTML, PDF, Markdown; tables as CSV and
  LaTeX; figures as SVG and PNG; ``provenance.json``), configured by a TOML file
  (:func:`load_config`, :class:`ReportConfig`);
- :func:`render_yearly_summary`: the yearly summary for the association and the
  municipalities, with a profile (Kommunensteckbrief) per audited municipality
  (``render_summary`` is its deprecated old name);
- :func:`verify_report`: re-hash the inputs and re-render, listing every difference;
- :func:`run_demo`: the whole chain on the synthetic demo study.

The same inputs and configuration give byte-identical HTML, Markdown, CSV, LaTeX and SVG files;
the date appears only in ``provenance.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .build import Verification, render_report, render_summary, run_demo, verify_report
    from .config import ReportConfig, load_config
    from .render import OutputExistsError
    from .yearly import render_yearly_summary

#: names imported on first use: the command line's messages (``report.text``) and its
#: usage errors do not load the report's analyses and renderers (about 2.5 s)
_LAZY = {
    "Verification": ".build",
    "render_report": ".build",
    "render_summary": ".build",
    "run_demo": ".build",
    "verify_report": ".build",
    "ReportConfig": ".config",
    "load_config": ".config",
    "OutputExistsError": ".render",
    "render_yearly_summary": ".yearly",
}

__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())

__all__ = [
    "OutputExistsError",
    "ReportConfig",
    "Verification",
    "load_config",
    "render_report",
    "render_summary",
    "render_yearly_summary",
    "run_demo",
    "verify_report",
]
