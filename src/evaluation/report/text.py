"""Text that a report shows: one cleaning step for every renderer, escaping for Markdown, and
counts with the right plural.

- :func:`clean` replaces control characters (C0 and C1, except tab and newline) and the
  characters that change the direction of text (bidirectional overrides, embeddings, isolates
  and marks) by U+FFFD, the replacement character. Every renderer (HTML, PDF, Markdown, LaTeX,
  CSV, SVG and PNG figures, the command line) passes data text through it, so that no string
  from the data can hide or reorder what a reader sees or send escape codes to a terminal.
- :func:`md_text` and :func:`md_cell` make text safe for Markdown: no links or images, no
  emphasis, no HTML, no code spans, no headings or lists, no table columns.
- :func:`count` writes "1 Kommune" / "2 Kommunen" (German numbers with ``.`` between thousands).
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
#: characters that change the direction of text: LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI;
#: LRM, RLM; the Arabic letter mark
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(sorted(BIDI)) + "]",
)
_NEWLINES = re.compile("\r\n?|[\u2028\u2029\x85]")


def clean(s: Any) -> str:
    """``s`` as text without control or direction-changing characters (each replaced by
    U+FFFD); line breaks (CR LF, CR, U+2028, U+2029) become ``\\n``, tabs stay."""
    text = _NEWLINES.sub("\n", str(s))
    return _UNSAFE.sub(REPLACEMENT, text)


def has_unsafe(s: str) -> bool:
    """True if :func:`clean` would change ``s`` (other than line breaks)."""
    return _UNSAFE.search(_NEWLINES.sub("\n", s)) is not None


# -- Markdown ---------------------------------------------------------------------------------

# characters with a meaning inline: escaped with a backslash
_MD_INLINE = set("\\`*[]~$|")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# at the start of a block: ATX headings, bullet lists and thematic breaks (any leading - + =),
# ordered lists
_MD_BLOCK_START = re.compile(r"^(#{1,6}(?=\s|$)|[-+=]|\d{1,9}(?=[.)](\s|$)))")


def _md_inline(s: str) -> str:
    out = []
    n = len(s)
    for i, ch in enumerate(s):
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MD_INLINE:
            out.append("\\" + ch)
        elif ch == "_":
            # an underscore inside a word (snake_case) never starts or ends emphasis
            inner = 0 < i < n - 1 and s[i - 1].isalnum() and s[i + 1].isalnum()
            out.append("_" if inner else "\\_")
        else:
            out.append(ch)
    return "".join(out)


def md_text(s: Any, start: bool = True) -> str:
    """Running Markdown text (paragraphs, notes, headings, captions): one line, every Markdown
    construct and HTML tag shown as the characters it is made of. ``start=False`` for text
    that never starts a line (it keeps a leading ``-`` or digit as it is)."""
    text = " ".join(clean(s).split("\n"))
    text = _md_inline(text)
    m = _MD_BLOCK_START.match(text) if start else None
    if m:
        end = m.end()
        if text[0].isdigit():  # "2024. " would start an ordered list: escape the dot
            text = text[:end] + "\\" + text[end:]
        else:
            text = "\\" + text
    return text


def md_cell(s: Any) -> str:
    """Text of a Markdown table cell: as :func:`md_text` inside a line, pipes escaped."""
    return _md_inline(" ".join(clean(s).split("\n")))


def md_fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text``."""
    longest = max((len(m) for m in re.findall("`+", text)), default=0)
    return "`" * max(3, longest + 1)


# -- counts -----------------------------------------------------------------------------------


def number(n: int, lang: str) -> str:
    """A whole number: ``12.345`` in German, ``12,345`` in English."""
    text = f"{int(n):,}"
    return text.replace(",", ".") if lang == "de" else text


def count(n: int, one: str, many: str, lang: str) -> str:
    """``n`` and the noun in the right number: ``count(1, "Kommune", "Kommunen", "de")`` is
    ``"1 Kommune"``; with 0 or more than one the plural."""
    return f"{number(n, lang)} {one if int(n) == 1 else many}"
