"""Which encoding a text file is in: byte order marks, UTF-16 without one, the declared
encoding, UTF-8 and, as the last resort, Windows-1252 (the encoding of German Excel exports),
each with a problem naming the file and the fix when the file is not plain UTF-8."""

from __future__ import annotations

import codecs

from .problems import Problem, file_problem

_UTF8 = {"utf-8", "utf8", "utf_8", "utf-8-sig", "utf_8_sig"}


def _utf16_without_bom(raw: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' if the bytes look like UTF-16 text without a BOM."""
    sample = raw[:65536]
    half = len(sample) // 2
    if half < 2:
        return None
    even = sample[0 : 2 * half : 2].count(0)
    odd = sample[1 : 2 * half : 2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def detect_encoding(raw: bytes) -> str | None:
    """The encoding a byte order mark or the pattern of zero bytes says (None: no sign)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return _utf16_without_bom(raw)


def decode_bytes(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode file content; return the text and the encoding used.

    A byte order mark or UTF-16 without one is recognised; then the declared encoding, UTF-8
    and, as the last resort, Windows-1252 are tried (undefined bytes become U+FFFD).
    """
    detected = detect_encoding(raw)
    tried = []
    for enc in [detected, declared, "utf-8"]:
        if not enc or enc in tried:
            continue
        tried.append(enc)
        try:
            return raw.decode(enc).removeprefix("\ufeff"), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("cp1252", errors="replace"), "cp1252"


def line_of(raw: bytes, pos: int) -> int:
    """The line number (1 = first) of byte position ``pos``."""
    return raw.count(b"\n", 0, pos) + 1


def decode_table(
    raw: bytes, declared: str | None, table: str, fname: str
) -> tuple[str | None, list[Problem]]:
    """Decode the bytes of a table file.

    Parameters
    ----------
    raw
        The file's content.
    declared
        The encoding the descriptor declares for the file (None: none declared).
    table, fname
        The table and the file name, for the problems.

    Returns
    -------
    tuple
        The text (None if it cannot be read) and the problems: a warning where the file is not
        UTF-8 or not in the declared encoding, an error where it cannot be read at all.
    """
    probs: list[Problem] = []
    if declared is not None:
        enc = declared
        try:
            codecs.lookup(enc)
        except LookupError:
            return None, [
                file_problem(
                    table,
                    f"the encoding {enc!r} declared for {fname} in datapackage.json is unknown: "
                    'declare a known one (e.g. "utf-8" or "windows-1252")',
                    check="descriptor",
                )
            ]
        detected = detect_encoding(raw)
        if detected and codecs.lookup(detected).name != codecs.lookup(enc).name:
            if not (detected == "utf-8-sig" and enc.lower() in _UTF8):
                probs.append(
                    file_problem(
                        table,
                        f"{fname} is declared as {enc} but is {detected} (byte order mark or "
                        f"zero bytes); read as {detected}: correct the encoding in "
                        "datapackage.json",
                        "warning",
                        "encoding",
                    )
                )
                enc = detected
        try:
            return raw.decode(enc).removeprefix("\ufeff"), probs
        except UnicodeDecodeError as exc:
            line = line_of(raw, exc.start)
            if enc.lower() in _UTF8:
                probs.append(
                    file_problem(
                        table,
                        f"{fname} is declared as UTF-8 but is not (first invalid byte on line "
                        f"{line}); read as Windows-1252: save the file as UTF-8 or declare "
                        '"encoding": "windows-1252"',
                        "warning",
                        "encoding",
                    )
                )
                return raw.decode("cp1252", errors="replace"), probs
            return None, [
                file_problem(
                    table,
                    f"{fname} cannot be read as the declared encoding {enc} (invalid bytes on "
                    f"line {line}): correct the encoding in datapackage.json",
                    check="encoding",
                )
            ]
    detected = detect_encoding(raw)
    if detected:
        try:
            text = raw.decode(detected).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            return None, [
                file_problem(
                    table,
                    f"{fname} looks like {detected} but has invalid bytes on line "
                    f"{line_of(raw, exc.start)}: save it as UTF-8",
                    check="encoding",
                )
            ]
        if detected != "utf-8-sig":
            probs.append(
                file_problem(
                    table,
                    f"{fname} is {detected.upper()}, not UTF-8; read as such: save it as UTF-8 "
                    f'(or declare "encoding": "{detected}") so that other tools read it too',
                    "warning",
                    "encoding",
                )
            )
        return text, probs
    try:
        return raw.decode("utf-8"), probs
    except UnicodeDecodeError as exc:
        line = line_of(raw, exc.start)
    try:
        text = raw.decode("cp1252")
        enc = "Windows-1252"
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
        enc = "Latin-1"
    probs.append(
        file_problem(
            table,
            f"{fname} is not UTF-8 (first non-UTF-8 byte on line {line}); read as {enc}: save "
            f'it as UTF-8 or declare "encoding": "{enc.lower()}" in datapackage.json',
            "warning",
            "encoding",
        )
    )
    return text, probs
