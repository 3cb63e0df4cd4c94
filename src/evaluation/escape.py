"""Text made safe for the formats the package writes: LaTeX, Markdown, and any output.

Data strings (names of municipalities, titles of measures, labels from a catalogue) reach
reports and summaries; here they are escaped so that they show as text and never act as markup
(a Markdown image that would load a remote file, a LaTeX command), and characters that change
how text is displayed (control characters, bidirectional overrides) are replaced.
"""

from __future__ import annotations

import re
from typing import Any

_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def latex_escape(s: Any) -> str:
    """Text made safe for LaTeX (special characters escaped)."""
    return "".join(_LATEX.get(ch, ch) for ch in sanitize(str(s)))


#: characters that can start markup inside a line of Markdown (CommonMark, GitHub tables and
#: strikethrough): with ``[`` and ``]`` escaped no link or image can form, with ``<`` no HTML
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~&])")
#: C0 and C1 control characters except tab and newline, and the bidirectional controls
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def sanitize(s: str) -> str:
    """``s`` with control characters and bidirectional overrides replaced by U+FFFD."""
    return _INVISIBLE.sub("\ufffd", s)


def markdown_escape(s: Any) -> str:
    """Text made safe for Markdown: every character with a meaning is backslash-escaped, so
    links, images, emphasis, HTML and table pipes show as text; line breaks become spaces."""
    text = sanitize(str(s)).replace("\r", " ").replace("\n", " ")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
