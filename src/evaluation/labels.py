"""Deprecated: the labels now live in :mod:`evaluation.i18n` (``TERMS``, ``term``)."""

from __future__ import annotations

from .i18n import TERMS, term

__all__ = ["TERMS", "term"]
