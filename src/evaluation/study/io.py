"""Reading and writing study folders (a Frictionless Data Package of CSV or Parquet files).

Reading never modifies the files and never follows a path out of the study folder unless asked
to (``allow_outside=True``). Before a table file is opened it must be a regular file inside the
folder (not a symlink, directory, FIFO or device), not larger than ``max_file_bytes`` and with
at most ``max_rows`` rows. Text files are decoded as the descriptor's ``encoding`` if it declares
one (an unknown encoding is an error), else as UTF-8 (with or without BOM) or UTF-16 (with or
without BOM, detected); a file that is not valid UTF-8 is read as Windows-1252 (the encoding of
German Excel exports) with a warning naming it. A resource may declare its CSV ``dialect``
(``delimiter``, ``quoteChar``, ``doubleQuote``, ``skipInitialSpace``, and our ``decimalChar``,
``groupChar``; Frictionless v1 style or v2 style with a ``csv`` object), a field its
``decimalChar``, ``groupChar`` or date ``format``, and the schema its ``missingValues``; a
``;``-separated file without a declared dialect is refused with the line to add (a guess could
read a file with commas in its text wrongly). Every record must have as many fields as the
header (the physical line is named); a quoted cell that spans lines where the field cannot hold
line breaks, or that swallowed whole records, is reported as a quote that is not closed.

Writing goes through :func:`write_files`: every file is first written whole to a temporary
file beside its target, then all of them are renamed into place (the descriptor last), so a
full disk or an interruption leaves the previous files as they were.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import json
import os
import re
import stat
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import ConfigError, EvaluationError, OutputError
from . import schema
from .validation import (
    DEFAULT_YEARS,
    PROBLEM_LIMIT,
    Problem,
    StudyValidationError,
    check_years_option,
    coerce_table,
    omitted,
)

DESCRIPTOR = "datapackage.json"
#: Largest table file read (bytes) unless ``max_file_bytes=`` says otherwise: 1 GiB.
MAX_FILE_BYTES = 1 << 30
#: Most rows of one table read unless ``max_rows=`` says otherwise.
MAX_ROWS = 20_000_000
#: Largest descriptor read (bytes).
MAX_DESCRIPTOR_BYTES = 16 << 20
FORMATS = ("csv", "parquet")
_UTF8 = {"utf-8", "utf8", "utf_8", "utf-8-sig", "utf_8_sig"}


# ---------------------------------------------------------------------------------------------
# encodings
# ---------------------------------------------------------------------------------------------
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


def _line_of(raw: bytes, pos: int) -> int:
    return raw.count(b"\n", 0, pos) + 1


def _decode_table(
    raw: bytes, declared: str | None, table: str, fname: str
) -> tuple[str | None, list[Problem]]:
    """Decode a table file: the text (None if it cannot be read) and problems."""
    probs: list[Problem] = []
    if declared is not None:
        enc = declared
        try:
            codecs.lookup(enc)
        except LookupError:
            return None, [
                _file_problem(
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
                    _file_problem(
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
            line = _line_of(raw, exc.start)
            if enc.lower() in _UTF8:
                probs.append(
                    _file_problem(
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
                _file_problem(
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
                _file_problem(
                    table,
                    f"{fname} looks like {detected} but has invalid bytes on line "
                    f"{_line_of(raw, exc.start)}: save it as UTF-8",
                    check="encoding",
                )
            ]
        if detected != "utf-8-sig":
            probs.append(
                _file_problem(
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
        line = _line_of(raw, exc.start)
    try:
        text = raw.decode("cp1252")
        enc = "Windows-1252"
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
        enc = "Latin-1"
    probs.append(
        _file_problem(
            table,
            f"{fname} is not UTF-8 (first non-UTF-8 byte on line {line}); read as {enc}: save "
            f'it as UTF-8 or declare "encoding": "{enc.lower()}" in datapackage.json',
            "warning",
            "encoding",
        )
    )
    return text, probs


def _file_problem(
    table: str, message: str, severity: str = "error", check: str = "file", value=None
) -> Problem:
    return Problem(table, None, None, value, message, severity, check)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# the descriptor
# ---------------------------------------------------------------------------------------------
def _desc_problem(field: str | None, message: str, value: Any = None, severity="error"):
    shown = None if value is None else _short(value)
    return Problem(DESCRIPTOR, None, field, shown, message, severity, "descriptor")


def _short(value: Any, n: int = 80) -> str:
    s = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return s if len(s) <= n else s[: n - 3] + "..."


def _regular_file_problem(p: Path, table: str, allow_outside: bool) -> Problem | None:
    """Why ``p`` is not read as a table file (None: it is a regular file that may be read)."""
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return _file_problem(table, f"file {p.name} not found in the study folder")
    except OSError as exc:
        return _file_problem(table, f"cannot read {p.name} ({exc.strerror or exc})")
    if stat.S_ISLNK(st.st_mode):
        if not allow_outside:
            return _file_problem(
                table,
                f"{p.name} is a symbolic link: copy the file into the study folder (links are "
                "followed only with allow_outside=True)",
            )
        try:
            st = os.stat(p)
        except OSError as exc:
            return _file_problem(
                table, f"{p.name} is a link to a file that cannot be read ({exc.strerror or exc})"
            )
    if stat.S_ISREG(st.st_mode):
        return None
    kind = (
        "a folder"
        if stat.S_ISDIR(st.st_mode)
        else "a FIFO (named pipe)"
        if stat.S_ISFIFO(st.st_mode)
        else "a device"
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
        else "a socket"
        if stat.S_ISSOCK(st.st_mode)
        else "not a regular file"
    )
    return _file_problem(
        table, f"{p.name} is {kind}, not a file: a table must be a CSV or Parquet file"
    )


def _read_limited(p: Path, limit: int) -> bytes:
    with open(p, "rb") as f:
        return f.read(limit + 1)


def _read_descriptor(
    folder: Path, allow_outside: bool = False
) -> tuple[dict[str, Any] | None, list[Problem]]:
    p = folder / DESCRIPTOR
    if not os.path.lexists(p):
        return None, []
    bad = _regular_file_problem(p, DESCRIPTOR, allow_outside)
    if bad is not None:
        return None, [Problem(DESCRIPTOR, None, None, None, bad.message, "error", "descriptor")]
    try:
        raw = _read_limited(p, MAX_DESCRIPTOR_BYTES)
    except OSError as exc:
        return None, [_desc_problem(None, f"cannot be read ({exc.strerror or exc})")]
    if len(raw) > MAX_DESCRIPTOR_BYTES:
        return None, [
            _desc_problem(None, f"larger than {MAX_DESCRIPTOR_BYTES:,} bytes: not a descriptor")
        ]
    detected = detect_encoding(raw)
    if detected and detected != "utf-8-sig":
        return None, [
            _desc_problem(
                None, f"is {detected.upper()}: JSON files must be UTF-8; save it as UTF-8"
            )
        ]
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return None, [
            _desc_problem(
                None,
                f"not UTF-8 (invalid byte on line {_line_of(raw, exc.start)}): JSON files must "
                "be UTF-8; save it as UTF-8",
            )
        ]
    try:
        desc = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            Problem(
                DESCRIPTOR,
                exc.lineno,
                None,
                None,
                f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
                check="descriptor",
            )
        ]
    except RecursionError:
        return None, [_desc_problem(None, "not valid JSON (nested too deeply)")]
    if not isinstance(desc, dict):
        return None, [_desc_problem(None, f"must be a JSON object, not {_json_type(desc)}", None)]
    if not isinstance(desc.get("resources", []), list):
        return None, [
            _desc_problem(
                "resources",
                f"must be a list of resources, not {_json_type(desc['resources'])}",
                desc["resources"],
            )
        ]
    return desc, []


def _json_type(v: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(v), type(v).__name__)


def _is_char(v: Any) -> bool:
    return isinstance(v, str) and len(v) == 1


def _resource_options(res: dict[str, Any], where: str) -> tuple[dict[str, Any], list[Problem]]:
    """The reading options one resource declares, checked; problems name the key."""
    probs: list[Problem] = []

    def bad(key: str, message: str, value: Any = None) -> None:
        probs.append(_desc_problem(f"{where}.{key}", message, value))

    opts: dict[str, Any] = {
        "path": None,
        "format": None,
        "encoding": None,
        "delimiter": ",",
        "delimiter_declared": False,
        "quotechar": '"',
        "doublequote": True,
        "skipinitialspace": False,
        "decimal": {},
        "group": {},
        "date_formats": {},
        "table_decimal": None,
        "table_group": None,
        "missing": [""],
    }
    path = res.get("path")
    if path is not None:
        if isinstance(path, list):
            bad(
                "path",
                "a table in several files (a list of paths) is not supported: join the files into one",
                path,
            )
        elif not isinstance(path, str) or not path.strip():
            bad("path", f"must be the file name as text, not {_json_type(path)}", path)
        elif "://" in path:
            bad(
                "path",
                "remote files are not read: download the file into the study folder and give its name",
                path,
            )
        else:
            opts["path"] = path
    fmt = res.get("format")
    if fmt is not None:
        if not isinstance(fmt, str) or fmt.lower() not in FORMATS:
            bad("format", f"must be {' or '.join(FORMATS)}", fmt)
        else:
            opts["format"] = fmt.lower()
    enc = res.get("encoding")
    if enc is not None:
        if not isinstance(enc, str):
            bad("encoding", f"must be the name of an encoding as text, not {_json_type(enc)}", enc)
        else:
            opts["encoding"] = enc
    dialect = res.get("dialect")
    if dialect is not None:
        if not isinstance(dialect, dict):
            bad("dialect", f"must be an object, not {_json_type(dialect)}", dialect)
            dialect = {}
        else:
            nested = dialect.get("csv")  # Frictionless v2 writes {"csv": {"delimiter": ...}}
            if isinstance(nested, dict):
                dialect = {**dialect, **nested}
            elif nested is not None:
                bad("dialect.csv", f"must be an object, not {_json_type(nested)}", nested)
        for key, opt in (("delimiter", "delimiter"), ("quoteChar", "quotechar")):
            if key in dialect:
                v = dialect[key]
                if not _is_char(v) or v in "\r\n":
                    bad(f"dialect.{key}", "must be one character", v)
                else:
                    opts[opt] = v
                    if key == "delimiter":
                        opts["delimiter_declared"] = True
        for key, opt in (("doubleQuote", "doublequote"), ("skipInitialSpace", "skipinitialspace")):
            if key in dialect:
                if not isinstance(dialect[key], bool):
                    bad(f"dialect.{key}", "must be true or false", dialect[key])
                else:
                    opts[opt] = dialect[key]
        if dialect.get("header", True) is not True:
            bad(
                "dialect.header",
                "a table without a header row is not supported: add the header row",
                dialect.get("header"),
            )
        if dialect.get("headerRow", 1) != 1 or dialect.get("headerRows", [1]) != [1]:
            bad(
                "dialect.headerRows",
                "the header must be the first row",
                dialect.get("headerRows", dialect.get("headerRow")),
            )
        for key in ("commentChar", "commentRows", "escapeChar", "nullSequence"):
            if dialect.get(key) not in (None, ""):
                bad(
                    f"dialect.{key}",
                    "is not supported: remove it and write the file without it",
                    dialect[key],
                )
        for key, opt in (("decimalChar", "table_decimal"), ("groupChar", "table_group")):
            if key in dialect:
                if not _is_char(dialect[key]):
                    bad(f"dialect.{key}", "must be one character", dialect[key])
                else:
                    opts[opt] = dialect[key]
    sch = res.get("schema")
    if sch is not None:
        if isinstance(sch, str):
            bad(
                "schema",
                "a schema in a separate file is not supported: put the schema into datapackage.json",
                sch,
            )
        elif not isinstance(sch, dict):
            bad("schema", f"must be an object, not {_json_type(sch)}", sch)
        else:
            fields = sch.get("fields", [])
            if not isinstance(fields, list):
                bad("schema.fields", f"must be a list of fields, not {_json_type(fields)}", fields)
                fields = []
            for j, f in enumerate(fields):
                if not isinstance(f, dict) or not isinstance(f.get("name"), str):
                    bad(f"schema.fields[{j}]", "must be an object with a name", f)
                    continue
                for key, target in (("decimalChar", "decimal"), ("groupChar", "group")):
                    if key in f:
                        if not _is_char(f[key]):
                            bad(f"schema.fields[{j}].{key}", "must be one character", f[key])
                        else:
                            opts[target][f["name"]] = f[key]
                if f.get("type") == "date" and f.get("format") is not None:
                    if not isinstance(f["format"], str):
                        bad(f"schema.fields[{j}].format", "must be text", f["format"])
                    else:
                        opts["date_formats"][f["name"]] = f["format"]
            missing = sch.get("missingValues")
            if missing is not None:
                if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
                    bad("schema.missingValues", "must be a list of texts", missing)
                else:
                    opts["missing"] = missing
    return opts, probs


def _outside_problem(path: str, table: str) -> Problem | None:
    pure = PureWindowsPath(path) if "\\" in path or ":" in path[:3] else PurePosixPath(path)
    if pure.is_absolute() or path.startswith(("/", "\\")) or pure.drive:
        return _file_problem(
            table,
            f"the path {path!r} is absolute: tables are read from the study folder only; copy "
            "the file into it and give its name (or read with allow_outside=True)",
        )
    if ".." in PurePosixPath(path.replace("\\", "/")).parts:
        return _file_problem(
            table,
            f"the path {path!r} leaves the study folder (..): copy the file into the study "
            "folder and give its name (or read with allow_outside=True)",
        )
    return None


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------
def _record_field_counts(text: str, delimiter: str) -> tuple[np.ndarray, np.ndarray] | None:
    """For text without quotes: the line number and field count of every non-blank line."""
    b = text.encode("utf-8")
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
                _file_problem(
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
                    _short(cell, 60),
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


def _read_csv_text(
    text: str, table: schema.Table, opts: dict[str, Any], fname: str
) -> tuple[pd.DataFrame | None, list[Problem]]:
    name = table.name
    delimiter = opts["delimiter"]
    stripped = text.lstrip("\r\n")
    if not stripped.strip():
        return None, [
            _file_problem(
                name,
                f"{fname} is empty: it needs at least the header row "
                f"({','.join(table.field_names)})",
            )
        ]
    first_line = stripped.splitlines()[0]
    hint = _delimiter_hint(first_line, opts, table)
    if hint is not None:
        shown = {"\t": "\\t"}.get(hint, hint)
        return None, [
            _file_problem(
                name,
                f"{fname} seems to use '{shown}' as delimiter, not {delimiter!r}: declare "
                f'"dialect": {{"delimiter": "{shown}"}} for this resource in datapackage.json '
                "(German Excel writes ';'), or save the file with commas",
                check="csv",
            )
        ]
    probs: list[Problem] = []
    quote = opts["quotechar"]
    df = None
    if quote not in text and ord(delimiter) < 128:
        line_no, counts = _record_field_counts(text, delimiter)
        if len(counts) and (counts[1:] == counts[0]).all():
            try:
                df = pd.read_csv(
                    io.StringIO(text),
                    sep=delimiter,
                    dtype=str,
                    header=None,
                    skiprows=1 if text[:1] not in "\r\n" else None,
                    keep_default_na=False,
                    na_filter=False,
                    quoting=csv.QUOTE_NONE,
                    skip_blank_lines=True,
                    engine="c",
                )
            except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
                df = None
            if df is not None and text[:1] in "\r\n":
                df = None  # leading blank lines: let the exact path count the lines
            if df is not None and len(df) != len(counts) - 1:
                df = None
            if df is not None:
                header, hp = _header_names(first_line.split(delimiter), name, fname)
                if len(header) != df.shape[1]:
                    df = None
                else:
                    df.columns = header
                    probs += hp
    if df is None:
        rows, lines, probs_csv = _csv_records(text, opts, name, fname)
        probs += probs_csv
        if not rows:
            return None, probs + [_file_problem(name, f"{fname} has no header row", check="csv")]
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
        probs += _spanning_cells(rows, lines, header, table, delimiter, fname)
        body = [(r + [""] * width)[:width] for r in rows[1:]]
        df = (
            pd.DataFrame(body, columns=header, dtype=object)
            if body
            else pd.DataFrame({h: pd.Series([], dtype=object) for h in header})
        )
    # a header line again among the data: the file was appended to itself or two were joined
    first_col = df.columns[0]
    again = (df[first_col].astype(str).str.strip() == first_col).to_numpy()
    if again.any():
        same = (df[again].astype(str).apply(lambda c: c.str.strip()) == df.columns).all(axis=1)
        idx = np.flatnonzero(again)[same.to_numpy()]
        if len(idx):
            probs.append(
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
            )
    return df, probs


def _text_problems(df: pd.DataFrame, table: str, text: str) -> list[Problem]:
    """NUL characters (error) and mojibake (UTF-8 read as Windows-1252; warning) in cells."""
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


# ---------------------------------------------------------------------------------------------
# Parquet
# ---------------------------------------------------------------------------------------------
_SCALARS = (str, int, float, bool, type(None))


def _read_parquet(
    path: Path, table: schema.Table, max_rows: int
) -> tuple[pd.DataFrame | None, list[Problem]]:
    name = table.name
    try:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        n = pf.metadata.num_rows
        if n > max_rows:
            return None, [_too_many_rows(name, path.name, max_rows)]
        df = pf.read().to_pandas()
    except Exception as exc:  # pyarrow raises many types for broken files
        return None, [
            _file_problem(name, f"cannot read Parquet file {path.name}: {_short(str(exc), 200)}")
        ]
    probs: list[Problem] = []
    if df.columns.duplicated().any():
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        return None, [
            _file_problem(
                name,
                f"{path.name} has columns with the same name: {', '.join(dup)}",
                check="column",
            )
        ]
    df.columns = [str(c) for c in df.columns]
    for c in df.columns:
        s = df[c]
        if s.dtype == object:
            odd = ~s.map(lambda v: isinstance(v, _SCALARS) or hasattr(v, "isoformat")).to_numpy()
            if odd.any():
                i = int(np.flatnonzero(odd)[0])
                probs.append(
                    Problem(
                        name,
                        i + 1,
                        c,
                        _short(repr(s.iat[i]), 60),
                        f"the column holds {type(s.iat[i]).__name__} values, not plain values "
                        f"({int(odd.sum()):,} rows): store one value per cell",
                        "error",
                        "type",
                    )
                )
                df[c] = s.where(~odd, None)
    return df, probs


def _too_many_rows(table: str, fname: str, max_rows: int) -> Problem:
    return _file_problem(
        table,
        f"{fname} has more than {max_rows:,} rows: check the file (was it appended to itself?) or "
        "raise the limit with max_rows=",
    )


def read_table_file(
    path: Path,
    table: schema.Table,
    opts: dict[str, Any],
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one table file as raw values (text for CSV); problems instead of exceptions."""
    name = table.name
    # a FIFO or device would block or never end: refuse it before opening (a link to a regular
    # file given here explicitly is read; read_study refuses links itself)
    special = _regular_file_problem(Path(path), name, allow_outside=True)
    if special is not None:
        return None, [special]
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        return None, [_file_problem(name, f"cannot read {path.name} ({exc.strerror or exc})")]
    if size > max_file_bytes:
        return None, [
            _file_problem(
                name,
                f"{path.name} has {size:,} bytes, more than the limit of {max_file_bytes:,}: "
                "check the file or raise the limit with max_file_bytes=",
            )
        ]
    fmt = opts.get("format") or ("parquet" if path.suffix.lower() == ".parquet" else "csv")
    if fmt == "parquet":
        return _read_parquet(path, table, max_rows)
    try:
        raw = _read_limited(path, max_file_bytes)
    except OSError as exc:
        return None, [_file_problem(name, f"cannot read {path.name} ({exc.strerror or exc})")]
    if raw.startswith(b"PAR1"):
        return None, [
            _file_problem(
                name,
                f"{path.name} is a Parquet file: name it {path.stem}.parquet or declare "
                '"format": "parquet"',
            )
        ]
    if raw.count(b"\n") > max_rows + 1:
        return None, [_too_many_rows(name, path.name, max_rows)]
    text, probs = _decode_table(raw, opts.get("encoding"), name, path.name)
    if text is None:
        return None, probs
    defaults = {
        "delimiter": ",",
        "quotechar": '"',
        "doublequote": True,
        "skipinitialspace": False,
    }
    csv_opts = {k: opts.get(k, v) for k, v in defaults.items()}
    df, more = _read_csv_text(text, table, csv_opts, path.name)
    probs += more
    if df is None:
        return None, probs
    missing = [m for m in opts.get("missing", [""]) if m != ""]
    if missing:
        df = df.mask(df.isin(missing), "")
    probs += _text_problems(df, name, text)
    return df, probs


# ---------------------------------------------------------------------------------------------
# the study folder
# ---------------------------------------------------------------------------------------------
def _check_read_options(allow_outside, max_file_bytes, max_rows) -> None:
    if not isinstance(allow_outside, bool):
        raise ConfigError(f"allow_outside must be True or False, got {allow_outside!r}")
    for key, v in (("max_file_bytes", max_file_bytes), ("max_rows", max_rows)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ConfigError(f"{key} must be a positive whole number, got {v!r}")


def read_study(
    path: str | Path,
    *,
    validate: bool = True,
    years: tuple[int, int] = DEFAULT_YEARS,
    allow_outside: bool = False,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
):
    """Read a study folder; see :func:`evaluation.load_study`."""
    from .model import Study

    years = check_years_option(years)
    _check_read_options(allow_outside, max_file_bytes, max_rows)
    try:
        folder = Path(path)
    except TypeError:
        raise ConfigError(f"the study folder must be a path, got {path!r}") from None
    if not folder.exists():
        raise EvaluationError(f"study folder {folder} does not exist")
    if not folder.is_dir():
        raise EvaluationError(
            f"{folder} is not a folder: a study is a folder with datapackage.json and one CSV "
            "file per table (create one with `audit-eval init DIR`)"
        )
    desc, problems = _read_descriptor(folder, allow_outside)
    resources: dict[str, dict[str, Any]] = {}
    first_of: dict[str, tuple[int, Any]] = {}
    if desc is not None:
        for i, res in enumerate(desc.get("resources", [])):
            where = f"resources[{i}]"
            if not isinstance(res, dict):
                problems.append(
                    _desc_problem(where, f"must be an object, not {_json_type(res)}", res)
                )
                continue
            rname = res.get("name")
            if not isinstance(rname, str):
                problems.append(
                    _desc_problem(f"{where}.name", "every resource needs a name (text)", rname)
                )
                continue
            if rname in first_of:
                j, other_path = first_of[rname]
                problems.append(
                    _desc_problem(
                        where,
                        f"a second resource named {rname!r} (resources[{j}], path "
                        f"{other_path!r}, and resources[{i}], path {res.get('path')!r}): each "
                        "table has exactly one resource; remove or rename one (only the first "
                        "would be read)",
                        rname,
                    )
                )
                continue
            first_of[rname] = (i, res.get("path"))
            if rname in schema.TABLES:
                opts, probs = _resource_options(res, where)
                problems += probs
                resources[rname] = opts
            else:
                problems.append(
                    Problem(
                        DESCRIPTOR,
                        None,
                        "resources",
                        rname,
                        f"unknown resource (tables are {', '.join(schema.TABLE_NAMES)})",
                        "warning",
                        "descriptor",
                    )
                )
    raw: dict[str, pd.DataFrame | None] = {}
    files: dict[str, Path] = {}
    coerce_opts: dict[str, dict[str, dict[str, str]]] = {}
    root = folder.resolve()
    for name, table in schema.TABLES.items():
        opts = resources.get(name, {})
        raw[name] = None
        declared = opts.get("path")
        if declared:
            outside = _outside_problem(declared, name)
            if outside is not None and not allow_outside:
                problems.append(outside)
                continue
            candidates = [declared]
        else:
            candidates = [f"{name}.csv", f"{name}.parquet"]
        file = next((folder / c for c in candidates if os.path.lexists(folder / c)), None)
        if file is None:
            if table.required_table or declared:
                problems.append(
                    _file_problem(name, f"file {candidates[0]} not found in the study folder")
                )
            continue
        bad = _regular_file_problem(file, name, allow_outside)
        if bad is not None:
            problems.append(bad)
            continue
        resolved = file.resolve()
        files[name] = resolved
        if not resolved.is_relative_to(root):
            problems.append(
                _file_problem(
                    name,
                    f"read from outside the study folder: {resolved}",
                    "warning",
                    value=str(resolved),
                )
            )
        df, probs = read_table_file(
            file, table, opts, max_file_bytes=max_file_bytes, max_rows=max_rows
        )
        problems += probs
        raw[name] = df
        decimal = (
            {f: opts["table_decimal"] for f in table.field_names}
            if opts.get("table_decimal")
            else {}
        )
        decimal.update(opts.get("decimal", {}))
        group = (
            {f: opts["table_group"] for f in table.field_names} if opts.get("table_group") else {}
        )
        group.update(opts.get("group", {}))
        coerce_opts[name] = {
            "decimal_chars": decimal,
            "group_chars": group,
            "date_formats": opts.get("date_formats", {}),
        }
    typed = {}
    for name, table in schema.TABLES.items():
        df = raw[name]
        if df is None:
            continue
        t, probs = coerce_table(table, df, **coerce_opts.get(name, {}))
        typed[name] = t
        problems += probs
    # the tables are typed already: keep the problems found while reading them
    study = Study._from_typed(typed, problems, folder)
    study._years = years
    study.files = files
    problems = study.problems()
    if validate and any(p.severity == "error" for p in problems):
        raise StudyValidationError(problems)
    return study


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------
def _write_all(f, data: bytes) -> None:
    """Write the bytes to an open file (one place, so that tests can simulate a full disk)."""
    f.write(data)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _output_error(path: Path, exc: OSError) -> OutputError:
    cause = {errno.ENOSPC: "the disk is full", errno.EROFS: "the file system is read-only"}.get(
        exc.errno or 0, exc.strerror or str(exc)
    )
    return OutputError(f"cannot write {path}: {cause}; the previous files are unchanged")


def write_files(folder: Path, files: dict[str, bytes], *, last: str | None = None) -> list[Path]:
    """Write files (relative path -> bytes) into ``folder`` whole or not at all.

    Every file is first written to a temporary file beside its target and synced; only when all
    are written are they renamed into place, ``last`` (e.g. the descriptor) last. On failure the
    temporary files are removed, the targets are unchanged and :class:`OutputError` names the
    path and the cause.
    """
    order = [k for k in files if k != last] + ([last] if last in files else [])
    mode = 0o666 & ~_umask()
    temps: list[tuple[Path, Path]] = []
    current = folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for rel in order:
            target = folder / rel
            current = target
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            temps.append((Path(tmp), target))
            with os.fdopen(fd, "wb") as f:
                _write_all(f, files[rel])
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, mode)
        for tmp, target in temps:
            current = target
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in temps:
            try:
                tmp.unlink()
            except OSError:
                pass
        raise _output_error(current, exc) from None
    return [folder / rel for rel in order]


def _csv_text(df: pd.DataFrame) -> str:
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[c] = s.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(s.dtype):
            out[c] = s.map({True: "true", False: "false"}).astype("string")
    return out.to_csv(index=False, lineterminator="\n", na_rep="")


def _field_type(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(s.dtype):
        return "integer"
    if pd.api.types.is_float_dtype(s.dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "date"
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        return "string"
    return "any"


def _extra_fields(study) -> dict[str, list[dict[str, Any]]]:
    """Columns beyond the schema (e.g. covariates) as Table Schema fields, per table."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, table in schema.TABLES.items():
        known = set(table.field_names)
        extra = []
        for c in study[name].columns:
            if c in known:
                continue
            f: dict[str, Any] = {"name": str(c), "type": _field_type(study[name][c])}
            if f["type"] == "date":
                f["format"] = "%Y-%m-%d"
            if name == "municipalities" and f["type"] in ("integer", "number"):
                f["description"] = "Baseline covariate."
            extra.append(f)
        if extra:
            out[name] = extra
    return out


def save_study(
    study, path: str | Path, *, format: Literal["csv", "parquet"] = "csv", overwrite: bool = False
) -> Path:
    """Write a study folder: ``datapackage.json`` plus one file per table.

    Refuses to write into a folder that already holds a study unless ``overwrite`` is true.
    CSV files are UTF-8 with ``,`` and ``.``; the same study always gives the same bytes. Every
    file is written whole or not at all, the descriptor last (:func:`write_files`).
    """
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', got {format!r}")
    folder = Path(path)
    if (folder / DESCRIPTOR).exists() and not overwrite:
        raise EvaluationError(
            f"{folder} already holds a study; choose another folder or pass overwrite=True"
        )
    formats = {name: format for name in schema.TABLES}
    files: dict[str, bytes] = {}
    for name in schema.TABLES:
        df = study[name]
        if format == "csv":
            files[f"{name}.csv"] = _csv_text(df).encode("utf-8")
        else:
            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
            files[f"{name}.parquet"] = buf.getvalue()
    descriptor = schema.package_descriptor(formats=formats, extra_fields=_extra_fields(study))
    files[DESCRIPTOR] = schema.dumps(descriptor).encode("utf-8")
    write_files(folder, files, last=DESCRIPTOR)
    return folder


def init_study_folder(path: str | Path) -> list[Path]:
    """An empty study folder: descriptor, header-only CSV templates, code lists and codebook."""
    folder = Path(path)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise EvaluationError(
            f"{folder} exists and is not empty; init only writes into a new or empty folder"
        )
    # the table schemas are inside datapackage.json; keep the folder small for the user
    files = schema.data_package_files(table_schemas=False)
    for name, table in schema.TABLES.items():
        files[f"{name}.csv"] = (",".join(table.field_names) + "\n").encode("utf-8")
    return write_files(folder, files, last=DESCRIPTOR)
