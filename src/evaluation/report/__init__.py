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

from .build import Verification, render_report, render_summary, run_demo, verify_report
from .config import ReportConfig, load_config
from .render import OutputExistsError
from .yearly import render_yearly_summary

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
