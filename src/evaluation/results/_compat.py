"""Names of the results module before it became a package (deprecated; for one release)."""

from __future__ import annotations

from typing import Any

from ..escape import latex_escape
from ..i18n import Lang, tr
from .base import check_level
from .summary import fact_text


class BiText(str):
    """Deprecated: use :class:`evaluation.i18n.Text`. A German text (the string itself) that
    carries its English version in ``en``."""

    en: str

    def __new__(cls, de: str, en: str) -> BiText:
        obj = super().__new__(cls, de)
        obj.en = en
        return obj


def in_lang(text: Any, lang: Lang) -> str:
    """Deprecated: use :func:`evaluation.i18n.tr`."""
    return tr(text, lang)


def _check_level(level: float) -> None:
    check_level(level)


def _fmt_fact(v: Any, lang: Lang = "de") -> str:
    return fact_text(v, lang)


__all__ = ["BiText", "in_lang", "latex_escape", "_check_level", "_fmt_fact"]
