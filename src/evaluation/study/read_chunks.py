"""Reading and typing a large CSV table in chunks, so that memory stays a small multiple of
the typed table instead of several copies of the file's text.

A file of at least :data:`MIN_BYTES` bytes takes this path when it is plain: UTF-8 without a
byte order mark, no quote character anywhere, the declared delimiter in the header and every
non-blank line with as many fields as the header. Chunks of about :data:`CHUNK_BYTES` bytes,
cut at line ends, are parsed, checked for NUL characters and mojibake, and typed by
:func:`~evaluation.study.coerce.coerce_table` one at a time; the problems of all chunks are then
merged into exactly the problems reading the whole file at once gives (rows counted from the
first data row of the file, at most :data:`~evaluation.study.problems.PROBLEM_LIMIT` listed
per kind and one summary for the rest). The typed chunks are joined column by column.

A file that is not plain (quotes, ragged lines, another encoding, a wrong delimiter ...) is
left to the exact reader, which names the lines: :func:`read_csv_chunked` returns None for it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema
from .coerce import coerce_table
from .encoding import _UTF8, detect_encoding
from .problems import PROBLEM_LIMIT, Problem, omitted, row_key
from .read_csv import (
    _delimiter_hint,
    _header_names,
    _record_field_counts,
    parse_plain,
    text_problems,
)

#: Files smaller than this (bytes) are read at once.
MIN_BYTES = 32 << 20
#: The size of one chunk (bytes; cut at the last line end within it).
CHUNK_BYTES = 32 << 20

_SUFFIX = f" [not listed one by one: only the first {PROBLEM_LIMIT:,} rows are]"
_COMMA = "not a number (decimal comma?"


@dataclasses.dataclass
class Chunked:
    """A table read in chunks: the typed table, the problems of reading (header, repeated
    header, text) and the problems of typing."""

    typed: pd.DataFrame
    read_problems: list[Problem]
    type_problems: list[Problem]


def _chunks(path: Path, size: int):
    """The file's bytes in pieces that end at a line end (the last piece as it ends)."""
    rest = b""
    with open(path, "rb") as f:
        while True:
            block = f.read(size)
            if not block:
                break
            data = rest + block
            cut = data.rfind(b"\n")
            if cut < 0:
                rest = data
                continue
            rest = data[cut + 1 :]
            yield data[: cut + 1]
    if rest:
        yield rest


def _parse(raw: bytes, delimiter: str, width: int) -> pd.DataFrame | None:
    """The cells of the lines in ``raw`` (no header) as text, or None if a line is ragged."""
    _, counts = _record_field_counts(raw, delimiter)
    if len(counts) and not (counts == width).all():
        return None
    if not len(counts):
        return pd.DataFrame({i: pd.Series([], dtype=str) for i in range(width)})
    df = parse_plain(raw, delimiter)
    if df is None or len(df) != len(counts) or df.shape[1] != width:
        return None
    return df


def read_csv_chunked(
    path: Path,
    table: schema.Table,
    opts: dict[str, Any],
    coerce_options: dict[str, dict[str, str]],
    max_rows: int,
) -> Chunked | None:
    """Read, check and type a plain CSV table file chunk by chunk (None: not plain, or too
    many rows; read it at once, which reports why)."""
    declared = opts.get("encoding")
    if declared is not None and str(declared).lower() not in _UTF8:
        return None
    if table.extra_numeric_columns or opts.get("format") not in (None, "csv"):
        return None
    delimiter = opts.get("delimiter", ",")
    quote = opts.get("quotechar", '"').encode("utf-8")
    if ord(delimiter) >= 128 or opts.get("skipinitialspace"):
        return None
    missing = [m for m in opts.get("missing", [""]) if m != ""]
    header: list[str] | None = None
    read_probs: list[Problem] = []
    text_parts: list[list[Problem]] = []
    type_parts: list[list[Problem]] = []
    typed: list[pd.DataFrame] = []
    offset = 0
    lines = 0
    for raw in _chunks(path, CHUNK_BYTES):
        lines += raw.count(b"\n")
        if lines > max_rows + 1 or quote in raw:
            return None
        if header is None:
            if detect_encoding(raw) is not None or raw[:1] in (b"\r", b"\n"):
                return None
            end = raw.find(b"\n")
            first = raw[: end if end >= 0 else len(raw)].decode("utf-8", errors="strict")
            first = first.removesuffix("\r")
            if _delimiter_hint(first, opts, table) is not None:
                return None
            header, read_probs = _header_names(first.split(delimiter), table.name, path.name)
            raw = raw[end + 1 :] if end >= 0 else b""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        df = _parse(raw, delimiter, len(header))
        if df is None:
            return None
        del raw
        df.columns = header
        if _repeats_header(df):
            return None  # the exact reader words it (and the file is broken anyway)
        if missing:
            df = df.mask(df.isin(missing), "")
        text_parts.append(_shift(text_problems(df, table.name, text), offset))
        del text
        out, probs = coerce_table(table, df, **coerce_options)
        type_parts.append(_shift(probs, offset))
        typed.append(out)
        offset += len(df)
        del df, out
    if header is None:
        return None
    columns = list(typed[0].columns)
    order = [*table.field_names, *header]
    joined = _join(typed, columns)
    return Chunked(
        joined,
        read_probs + _merge(text_parts, table.name, order, sort=False),
        _merge(type_parts, table.name, order, sort=True),
    )


def _repeats_header(df: pd.DataFrame) -> bool:
    """Whether a row repeats the header (then the file is read at once, which reports it)."""
    first = df.columns[0]
    hit = (df[first].str.strip() == first).to_numpy()
    if not hit.any():
        return False
    return bool((df[hit].apply(lambda c: c.str.strip()) == df.columns).all(axis=1).any())


def _shift(probs: list[Problem], offset: int) -> list[Problem]:
    if not offset:
        return probs
    return [p if p.row is None else dataclasses.replace(p, row=p.row + offset) for p in probs]


def _join(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """The typed chunks as one table, joined one column at a time (the pieces of a column are
    released as soon as it is joined)."""
    cols: dict[str, pd.Series] = {}
    for c in columns:
        pieces = [p[c] for p in parts]
        for p in parts:
            del p[c]
        cols[c] = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
        del pieces
    out = pd.DataFrame(cols, copy=False)
    out.index = pd.RangeIndex(len(out))
    return out


def _rank(message: str) -> int:
    """The order in which :func:`coerce_column` reports the kinds of problem of one field."""
    if message.startswith(("whole number too large", "not a number: infinite")):
        return 1
    if message.startswith("not a date: write dates"):
        return 1
    if message.startswith("not a date in the form"):
        return 2
    return 0


def _merge(parts: list[list[Problem]], table: str, order: list[str], sort: bool) -> list[Problem]:
    """The problems of the chunks (rows of the file) as reading the whole table gives them."""
    by_field: dict[str | None, list[Problem]] = {}
    for probs in parts:
        for p in probs:
            by_field.setdefault(p.field, []).append(p)
    rank = {f: i for i, f in reversed(list(enumerate(order)))}
    out: list[Problem] = []
    for fld in sorted(by_field, key=lambda f: rank.get(f, len(order)) if f else -1):
        probs = by_field[fld]
        whole = [p for p in probs if p.row is None and p.count == 1]
        fixed: list[Problem] = []
        for p in whole:
            if p not in fixed:
                fixed.append(p)
        comma = next((p.message for p in probs if p.message.startswith(_COMMA)), None)
        groups: dict[tuple, tuple[list[Problem], list[Problem]]] = {}
        for p in probs:
            if p.row is None and p.count == 1:
                continue
            msg = p.message.removesuffix(_SUFFIX) if p.row is None else p.message
            if comma and msg == "not a number":
                msg = comma
            key = (p.check, msg, p.severity)
            listed, summary = groups.setdefault(key, ([], []))
            (listed if p.row is not None else summary).append(p)
        keys = sorted(
            groups, key=lambda k: (_rank(k[1]), k[2] == "warning") if sort else k[2] == "warning"
        )
        rows: list[Problem] = []
        tails: list[Problem] = []
        for key in keys:
            listed, summary = groups[key]
            check, msg, severity = key
            listed = [dataclasses.replace(p, message=msg) for p in listed]
            n_more = max(0, len(listed) - PROBLEM_LIMIT) + sum(p.count for p in summary)
            tail = [omitted(table, fld, msg, check, n_more, severity)] if n_more else []
            if sort and len(keys) > 1:
                rows += listed[:PROBLEM_LIMIT]
                tails += tail
            else:
                rows += listed[:PROBLEM_LIMIT] + tail
        if sort and len(keys) > 1:
            rows.sort(key=row_key)
        out += fixed + rows + tails
    return out
