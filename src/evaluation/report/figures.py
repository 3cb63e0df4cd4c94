"""Figures of a report: deterministic SVG and PNG from matplotlib, with titles and alt text.

Two runs give byte-identical SVG files: the SVG hash salt is fixed, dates and creator are
removed from the metadata, text stays text (``svg.fonttype = "none"``) and the Agg backend is
used for PNG. Figures are rendered once, when they are made, and the matplotlib figure is closed.

Text in figures is shown as written: it is never read as matplotlib mathtext (``$x$`` shows the
dollars, an unbalanced ``$`` is just a character), and control or direction-changing
characters are replaced as everywhere in a report (:func:`evaluation.report.text.clean`).
"""

from __future__ import annotations

import html
import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib

from .text import clean

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "evaluation-report",
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "path.simplify": True,
    # labels come from the data: "$...$" is text, not mathtext
    "text.parse_math": False,
}
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
PNG_METADATA = {"Software": None}


@dataclass(frozen=True)
class ReportFigure:
    """One figure: a file name (without extension), title, alt text, SVG text and PNG bytes."""

    name: str
    title: str
    alt: str
    svg: str
    png: bytes

    @property
    def inline_svg(self) -> str:
        """The SVG without XML declaration and DOCTYPE, for inlining in HTML."""
        text = re.sub(r"^<\?xml[^>]*\?>\s*", "", self.svg)
        text = re.sub(r"^<!DOCTYPE[^>]*>\s*", "", text)
        return text.strip()


@contextmanager
def figure_style() -> Iterator[None]:
    """matplotlib settings under which report figures are drawn (Agg backend, fixed salt)."""
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend()
    if backend.lower() != "agg":
        plt.switch_backend("Agg")
    with matplotlib.rc_context(RC):
        yield


@contextmanager
def report_style() -> Iterator[None]:
    """While a report is built: every text a figure gets is plain text, not mathtext (the
    backend and the other settings stay as they are)."""
    with matplotlib.rc_context({"text.parse_math": False}):
        yield


def plain_text(fig) -> None:
    """Make every text of ``fig`` plain: no mathtext, no control or direction characters."""
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        t.set_parse_math(False)
        text = t.get_text()
        if text:
            cleaned = clean(text)
            if cleaned != text:
                t.set_text(cleaned)


def render_figure(fig, name: str, title: str, alt: str) -> ReportFigure:
    """Render a matplotlib figure to SVG and PNG (deterministically) and close it."""
    import matplotlib.pyplot as plt

    alt, title = clean(alt), clean(title)
    if not alt.strip():
        raise ValueError(f"figure {name!r} needs alt text")
    try:
        with matplotlib.rc_context(RC), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tight_layout cannot always make room: harmless
            plain_text(fig)
            fig.tight_layout()
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata=SVG_METADATA)
            svg = _add_title(buf.getvalue(), alt)
            pbuf = io.BytesIO()
            fig.savefig(pbuf, format="png", metadata=PNG_METADATA)
    finally:
        plt.close(fig)
    return ReportFigure(name=name, title=title, alt=alt, svg=svg, png=pbuf.getvalue())


def _add_title(svg: str, alt: str) -> str:
    """Give the SVG a <title> (its alt text) and an ARIA role, right after the <svg> tag."""
    m = re.search(r"<svg\b[^>]*>", svg)
    if m is None:  # pragma: no cover - matplotlib always writes one
        return svg
    tag = m.group(0)
    new_tag = tag[:-1] + ' role="img">' if "role=" not in tag else tag
    return (
        svg[: m.start()]
        + new_tag
        + f"\n <title>{html.escape(alt, quote=False)}</title>"
        + svg[m.end() :]
    )


def new_figure(width: float = 7.0, height: float = 3.6):
    """A figure and axes in the report's style."""
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(RC):
        fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax
