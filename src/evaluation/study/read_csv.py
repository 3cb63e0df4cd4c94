"""The text of a CSV table file as a frame of raw cells, or problems naming file and line.

Every record must have as many fields as the header (the physical line is named); a quoted cell
that spans lines where the field cannot hold line breaks, or that swallowed whole records, is
reported as a quote that is not closed; a ``;``-separated file without a declared dialect is
refused with the line to add (a guess could read a file with commas in its text wrongly); a
header row repeated among the data (a file appended to itself) is an error. Cells with a NUL
character are errors, cells that look like UTF-8 read as Windows-1252 (mojibake) warnings.

Files without quotes take a fast path (the C parser of pandas, after counting the fields of
every line with numpy); the exact path reads record by record with :mod:`csv`.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import numpy as np
import pandas as pd

from . import schema
from .problems import PROBLEM_LIMIT, Problem, file_problem, omitted, shorten


def _record_field_counts(text: str | bytes, delimiter: str) -> tuple[np.ndarray, np.ndarray]:
    """For text without quotes (or its UTF-8 bytes): the line number and field count of every
    non-blank line."""
    b = text.encode("utf-8") if isinstance(text, str) else text
    if not b:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    arr = np.frombuffer(b, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    ends = nl if b.endswith(b"\n") else np.append(nl, len(b))
    starts = np.concatenate(([0], nl + 1))[: len(ends)]
    last = np.maximum(ends - 1, 0)
    length = ends - starts - ((ends > starts) & (arr[last] == 13))
    dp = np.flatnonzero(arr == ord(delimiter))
    counts = np.searchsorted(dp, ends) - np.searchsorted(dp, starts) + 1
    keep = length > 0
    return np.flatnonzero(keep) + 1, counts[keep]


def _csv_records(
    text: str, opts: dict[str, Any], table: str, fname: str
) -> tuple[list[list[str]], list[tuple[int, int]], list[Problem]]:
    """Every record with its first and last physical line (the slow, exact path)."""
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=opts["delimiter"],
        quotechar=opts["quotechar"],
        doublequote=opts["doublequote"],
        skipinitialspace=opts["skipinitialspace"],
        strict=True,
    )
    rows: list[list[str]] = []
    lines: list[tuple[int, int]] = []
    probs: list[Problem] = []
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            msg = str(exc)
            if "field larger than field limit" in msg:
                why = "a cell is longer than 131,072 characters: a quote is probably not closed"
            elif "unexpected end of data" in msg or "EOF" in msg:
                why = "a quote opened here is never closed: add the closing quote"
            else:
                why = f"{msg}: check the quotes on this line"
            probs.append(
                file_problem(
                    table,
                    f"{fname}, line {start}: not well-formed CSV ({why}); the rest of the file "
                    "is not read",
                    check="csv",
                )
            )
            break
        end = reader.line_num
        if row:
            rows.append(row)
            lines.append((start, end))
        start = end + 1
    return rows, lines, probs


def _line_text(lo: int, hi: int) -> str:
    return f"line {lo}" if lo == hi else f"lines {lo}-{hi}"


def _spanning_cells(
    rows: list[list[str]],
    lines: list[tuple[int, int]],
    header: list[str],
    table: schema.Table,
    delimiter: str,
    fname: str,
) -> list[Problem]:
    """Quoted cells over several lines that look like a quote that was not closed."""
    probs: list[Problem] = []
    multiline = {f.name for f in table.fields if f.multiline}
    need = max(1, len(header) - 1)
    n_bad = 0
    for r, ((lo, hi), row) in enumerate(zip(lines[1:], rows[1:], strict=True), start=1):
        if lo == hi:
            continue
        for j, cell in enumerate(row):
            if "\n" not in cell and "\r" not in cell:
                continue
            name = header[j] if j < len(header) else f"column {j + 1}"
            swallowed = any(
                ln.count(delimiter) >= need for ln in cell.replace("\r", "\n").split("\n")[1:]
            )
            if name in multiline and not swallowed:
                continue
            n_bad += 1
            if n_bad > PROBLEM_LIMIT:
                continue
            why = (
                "holds whole records"
                if swallowed
                else "spans several lines, but this field cannot hold a line break"
            )
            probs.append(
                Problem(
                    table.name,
                    r,
                    name,
                    shorten(cell, 60),
                    f"{fname}, {_line_text(lo, hi)}: the quoted cell {why}: a quote is probably "
                    f"not closed (check the quotes on line {lo})",
                    "error",
                    "csv",
                )
            )
    if n_bad > PROBLEM_LIMIT:
        probs.append(
            omitted(
                table.name, None, "quoted cell over several lines", "csv", n_bad - PROBLEM_LIMIT
            )
        )
    return probs


def _header_names(header: list[str], table: str, fname: str) -> tuple[list[str], list[Problem]]:
    probs: list[Problem] = []
    names = [h.strip().removeprefix("\ufeff").strip() for h in header]
    seen: dict[str, int] = {}
    out = []
    for j, n in enumerate(names):
        if n == "":
            n = f"column {j + 1}"
            names[j] = n
        if n in seen:
            probs.append(
                Problem(
                    table,
                    None,
                    n,
                    None,
                    f"{fname}: the header names column {n!r} twice (columns {seen[n] + 1} and "
                    f"{j + 1}): rename or remove one",
                    "error",
                    "column",
                )
            )
            n = f"{n} (column {j + 1})"
        else:
            seen[n] = j
        out.append(n)
    return out, probs


def _delimiter_hint(first_line: str, opts: dict[str, Any], table: schema.Table) -> str | None:
    """The delimiter a header line uses if it is not the declared one."""
    known = set(table.field_names)
    own = [c.strip().strip('"') for c in first_line.split(opts["delimiter"])]
    if len(own) > 1 and known & set(own):
        return None
    for cand in (";", "\t", "|", ","):
        if cand == opts["delimiter"]:
            continue
        parts = [c.strip().strip('"') for c in first_line.split(cand)]
        if len(parts) > 1 and len(known & set(parts)) >= min(2, len(known)):
            return cand
    return None


def read_csv_text(
    text: str, table: schema.Table, opts: dict[str, Any], fname: str
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The raw cells of a CSV table (every cell text) and the problems found reading it.

    Parameters
    ----------
    text
        The decoded file.
    table
        The schema table (its field names tell a wrong delimiter apart).
    opts
        The CSV dialect: ``delimiter``, ``quotechar``, ``doublequote``, ``skipinitialspace``.
    fname
        The file name, for the messages.

    Returns
    -------
    tuple
        The frame (None when the file cannot be read as this table) and the problems.
    """
    name = table.name
    delimiter = opts["delimiter"]
    stripped = text.lstrip("\r\n")
    if not stripped or stripped.isspace():  # (no copy of a large text, unlike strip())
        return None, [
            file_problem(
                name,
                f"{fname} is empty: it needs at least the header row "
                f"({','.join(table.field_names)})",
            )
        ]
    first_line = _first_line(stripped)
    hint = _delimiter_hint(first_line, opts, table)
    if hint is not None:
        shown = {"\t": "\\t"}.get(hint, hint)
        return None, [
            file_problem(
                name,
                f"{fname} seems to use '{shown}' as delimiter, not {delimiter!r}: declare "
                f'"dialect": {{"delimiter": "{shown}"}} for this resource in datapackage.json '
                "(German Excel writes ';'), or save the file with commas",
                check="csv",
            )
        ]
    probs: list[Problem] = []
    df = None
    if opts["quotechar"] not in text and ord(delimiter) < 128:
        df, probs = _read_plain(text, first_line, delimiter, name, fname)
    if df is None:
        df, probs = _read_exact(text, table, opts, fname)
        if df is None:
            return None, probs
    return df, probs + _repeated_header(df, name, fname)


def _first_line(text: str) -> str:
    """``text.splitlines()[0]`` without splitting the whole text (a file of ten million lines
    would become ten million strings): split growing prefixes until one holds a line break."""
    n = 4096
    while True:
        lines = text[:n].splitlines()
        if len(lines) > 1 or n >= len(text):
            return lines[0] if lines else ""
        n *= 4


def parse_plain(raw: bytes, delimiter: str, *, skiprows: int = 0) -> pd.DataFrame | None:
    """The cells of UTF-8 text without quotes as text (pandas' C parser, nothing converted,
    no header), or None where the parser fails (the callers then take the exact path)."""
    try:
        return pd.read_csv(
            io.BytesIO(raw),
            encoding="utf-8",
            sep=delimiter,
            dtype=str,
            header=None,
            skiprows=skiprows,
            keep_default_na=False,
            na_filter=False,
            quoting=csv.QUOTE_NONE,
            skip_blank_lines=True,
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None


def _read_plain(
    text: str, first_line: str, delimiter: str, name: str, fname: str
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The fast path for text without quotes: pandas' C parser, used only when every line has
    as many fields as the header (else None, and the exact path reads the file)."""
    if text[:1] in "\r\n":
        return None, []  # leading blank lines: let the exact path count the lines
    # the UTF-8 bytes serve both the field count and the parser: a StringIO of a large text
    # would hold it again at four bytes per character
    raw = text.encode("utf-8")
    _, counts = _record_field_counts(raw, delimiter)
    if not len(counts) or not (counts[1:] == counts[0]).all():
        return None, []
    df = parse_plain(raw, delimiter, skiprows=1)
    if df is None or len(df) != len(counts) - 1:
        return None, []
    header, probs = _header_names(first_line.split(delimiter), name, fname)
    if len(header) != df.shape[1]:
        return None, []
    df.columns = header
    return df, probs


def _read_exact(
    text: str, table: schema.Table, opts: dict[str, Any], fname: str
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The exact path: record by record, naming the physical lines of ragged records and of
    quoted cells that span lines."""
    name = table.name
    rows, lines, probs = _csv_records(text, opts, name, fname)
    if not rows:
        return None, probs + [file_problem(name, f"{fname} has no header row", check="csv")]
    header, hp = _header_names(rows[0], name, fname)
    probs += hp
    width = len(header)
    ragged = [i for i in range(1, len(rows)) if len(rows[i]) != width]
    for i in ragged[:PROBLEM_LIMIT]:
        lo, hi = lines[i]
        n = len(rows[i])
        probs.append(
            Problem(
                name,
                i,
                None,
                None,
                f"{fname}, {_line_text(lo, hi)}: {n} field(s), but the header has {width}: "
                + (
                    "a value or a delimiter is missing, or the row was cut off"
                    if n < width
                    else "an extra delimiter, or a text with the delimiter that needs quotes"
                ),
                "error",
                "csv",
            )
        )
    if len(ragged) > PROBLEM_LIMIT:
        probs.append(
            omitted(
                name,
                None,
                "records with the wrong number of fields",
                "csv",
                len(ragged) - PROBLEM_LIMIT,
            )
        )
    probs += _spanning_cells(rows, lines, header, table, opts["delimiter"], fname)
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    df = (
        pd.DataFrame(body, columns=header, dtype=object)
        if body
        else pd.DataFrame({h: pd.Series([], dtype=object) for h in header})
    )
    return df, probs


def _repeated_header(df: pd.DataFrame, name: str, fname: str) -> list[Problem]:
    """A header line again among the data: the file was appended to itself or two were
    joined."""
    first_col = df.columns[0]
    again = (df[first_col].astype(str).str.strip() == first_col).to_numpy()
    if not again.any():
        return []
    same = (df[again].astype(str).apply(lambda c: c.str.strip()) == df.columns).all(axis=1)
    idx = np.flatnonzero(again)[same.to_numpy()]
    if not len(idx):
        return []
    return [
        Problem(
            name,
            int(idx[0]) + 1,
            None,
            None,
            f"{fname}: the header row appears again as data row {int(idx[0]) + 1}"
            + (f" and {len(idx) - 1:,} more" if len(idx) > 1 else "")
            + ": the file was probably appended to itself or joined with another; "
            "remove the repeated part",
            "error",
            "csv",
        )
    ]


def text_problems(df: pd.DataFrame, table: str, text: str) -> list[Problem]:
    """NUL characters (error) and mojibake (UTF-8 read as Windows-1252; warning) in the cells
    of ``df``, read from ``text`` (which tells quickly whether there can be any)."""
    probs: list[Problem] = []
    nul = "\x00" in text
    moji = any(m in text for m in ("Ã", "Â", "â€"))
    if not (nul or moji):
        return probs
    for c in df.columns:
        s = df[c]
        if s.dtype != object and not pd.api.types.is_string_dtype(s.dtype):
            continue
        s = s.astype("string")
        if nul:
            bad = s.str.contains("\x00", regex=False).fillna(False).to_numpy()
            idx = np.flatnonzero(bad)
            for i in idx[:PROBLEM_LIMIT]:
                probs.append(
                    Problem(
                        table,
                        int(i) + 1,
                        str(c),
                        s.iat[i].replace("\x00", "\\0")[:60],
                        "contains a NUL character (\\0): the file is damaged or not text in this "
                        "encoding; remove the character",
                        "error",
                        "text",
                    )
                )
            if len(idx) > PROBLEM_LIMIT:
                probs.append(
                    omitted(table, str(c), "NUL character", "text", len(idx) - PROBLEM_LIMIT)
                )
        if moji:
            cand = s.str.contains(_MOJIBAKE.pattern, regex=True).fillna(False).to_numpy()
            n = 0
            for i in np.flatnonzero(cand):
                v = s.iat[i]
                fixed = _unmojibake(v)
                if fixed is None:
                    continue
                n += 1
                if n > PROBLEM_LIMIT:
                    continue
                probs.append(
                    Problem(
                        table,
                        int(i) + 1,
                        str(c),
                        v[:60],
                        f"looks like UTF-8 text read as Windows-1252 (did you mean {fixed[:60]!r}?): "
                        "the file was converted twice; export it again as UTF-8",
                        "warning",
                        "text",
                    )
                )
            if n > PROBLEM_LIMIT:
                probs.append(
                    omitted(table, str(c), "mojibake", "text", n - PROBLEM_LIMIT, "warning")
                )
    return probs


_CONT = bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
_LEAD2 = bytes(range(0xC2, 0xE0)).decode("cp1252", errors="ignore")
_LEAD3 = bytes(range(0xE0, 0xF0)).decode("cp1252", errors="ignore")
#: UTF-8 sequences of two or three bytes, each byte shown as its Windows-1252 character.
_MOJIBAKE = re.compile(
    f"[{re.escape(_LEAD2)}][{re.escape(_CONT)}]|[{re.escape(_LEAD3)}][{re.escape(_CONT)}]{{2}}"
)


def _unmojibake(v: str) -> str | None:
    """The text if its UTF-8 byte sequences shown as Windows-1252 characters were decoded as
    UTF-8 (``fÃ¼r`` -> ``für``); None if there is no such sequence."""

    def fix(m: re.Match) -> str:
        try:
            return m.group().encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return m.group()

    fixed = _MOJIBAKE.sub(fix, v)
    return fixed if fixed != v else None
