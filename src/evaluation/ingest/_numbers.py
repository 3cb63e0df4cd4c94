"""Numbers and codes of official statistics: missing-value symbols, German number formats,
official codes (AGS) as text, and the input files the readers accept.

Codes are text throughout: leading zeros are kept, and a code that lost one is repaired only
where the expected length makes it unambiguous. Cells that are not numbers are errors naming
where they are, except the documented missing-value symbols (:data:`MISSING_SYMBOLS`).
"""

from __future__ import annotations

import csv
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..study.encoding import decode_bytes

#: Cells that mean "no value" in official statistics (Destatis and INKAR conventions):
#: empty, "-" (nothing, or not reported), "." (unknown or secret), "x" (not meaningful),
#: "..." (not yet available), "/" (too uncertain), and the en dash used by some exports.
MISSING_SYMBOLS: tuple[str, ...] = ("", "-", "–", ".", "...", "…", "x", "X", "/")

PathLike = str | Path


def _number_pattern(decimal: str, thousands: str | None) -> re.Pattern[str]:
    d = re.escape(decimal)
    groups = "".join(re.escape(c) for c in {thousands or "", "\u00a0", "\u202f", " "} if c)
    return re.compile(
        rf"^[+-]?(?:\d{{1,3}}(?:[{groups}]\d{{3}})+|\d+)(?:{d}\d+)?$"
        if groups
        else rf"^[+-]?\d+(?:{d}\d+)?$"
    )


def parse_numbers(
    raw: pd.Series,
    *,
    decimal: str = ",",
    thousands: str | None = ".",
    missing: Sequence[str] = MISSING_SYMBOLS,
    where: pd.Series | None = None,
    source: str = "",
) -> pd.Series:
    """Parse text cells of official statistics into float64.

    Missing-value symbols (:data:`MISSING_SYMBOLS`) become NaN; every other cell must be a number
    written with ``decimal`` and, optionally, ``thousands`` separators (``1.234,5``). Anything else
    raises :class:`DataError` listing the cells (``where`` gives a location text per cell).
    """
    text = raw.astype("string").str.strip().fillna("")
    is_missing = text.isin(list(missing)).to_numpy()
    pat = _number_pattern(decimal, thousands)
    ok = text.str.fullmatch(pat).fillna(False).to_numpy()
    bad = ~is_missing & ~ok
    if bad.any():
        locs = (
            where
            if where is not None
            else pd.Series([f"row {i + 1}" for i in range(len(raw))], index=raw.index)
        )
        idx = np.flatnonzero(bad)
        shown = [f"{locs.iloc[i]}: {text.iloc[i]!r}" for i in idx[:10]]
        more = f" ... and {len(idx) - 10} more" if len(idx) > 10 else ""
        hint = ""
        if decimal == "," and text.iloc[idx[0]].count(".") == 1:
            hint = " (numbers with a decimal point: pass decimal='.')"
        raise DataError(
            f"{source + ': ' if source else ''}{len(idx)} cell(s) are neither numbers "
            f"(decimal {decimal!r}) nor a missing-value symbol ({', '.join(repr(m) for m in missing)})"
            f"{hint}: " + "; ".join(shown) + more
        )
    clean = text.where(ok, "")
    for c in {thousands or "", "\u00a0", "\u202f", " "} - {""}:
        clean = clean.str.replace(c, "", regex=False)
    if decimal != ".":
        clean = clean.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(clean.mask(~pd.Series(ok, index=clean.index)), errors="raise")
    return values.astype("float64")


def normalise_codes(
    raw: Iterable[Any], *, length: int | None = None, source: str = ""
) -> tuple[pd.Series, int]:
    """Official codes as 5- or 8-digit text; returns the codes and how many were repaired.

    A code one digit short of the expected length (``length``, or 5/8 when not given) lost its
    leading zero (``9271`` for ``09271``) and gets it back; any other length, or a code that is not
    digits, is a :class:`DataError`.
    """
    s = pd.Series(list(raw), dtype="object")
    text = s.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    text = text.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    digits = text.str.fullmatch(r"\d+").fillna(False).to_numpy()
    n = text.str.len().to_numpy()
    wanted = (length,) if length else (5, 8)
    short = digits & np.isin(n, [w - 1 for w in wanted])
    ok = digits & np.isin(n, wanted)
    bad = ~(ok | short)
    if bad.any():
        idx = np.flatnonzero(bad)
        shown = ", ".join(repr(text.iloc[i]) for i in idx[:10])
        want = " or ".join(str(w) for w in wanted)
        raise DataError(
            f"{source + ': ' if source else ''}{len(idx)} code(s) are not official codes of "
            f"{want} digits: {shown}. Codes (AGS) are digits written as text."
        )
    out = text.where(~pd.Series(short), "0" + text)
    return out.astype("string"), int(short.sum())


def read_codes(path: PathLike) -> pd.Series:
    """Read a list of official codes: one per line, or a CSV with a ``municipality_id`` column.

    Lines starting with ``#`` and empty lines are ignored. Codes that lost a leading zero are
    repaired (``5111`` -> ``05111``).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"codes file {path} not found")
    text, _ = decode_bytes(read_input(path, "codes file"))
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines:
        raise DataError(f"codes file {path.name} holds no codes")
    first = next(csv.reader([lines[0]], delimiter=";" if ";" in lines[0] else ","))
    header = [c.strip().strip('"').casefold() for c in first]
    if "municipality_id" in header:
        col = header.index("municipality_id")
        sep = ";" if ";" in lines[0] else ","
        rows = list(csv.reader(lines[1:], delimiter=sep))
        raw = [r[col].strip() if len(r) > col else "" for r in rows]
    else:
        raw = [ln.split(",")[0].split(";")[0].strip().strip('"') for ln in lines]
    out, _ = normalise_codes(raw, source=f"codes file {path.name}")
    return out.drop_duplicates().reset_index(drop=True)


MAX_INPUT_BYTES = 1 << 30
#: An xlsx workbook is a zip archive: refused before reading when its members would unpack to
#: more than this many bytes, or a member of more than 10 MB is compressed more than
#: ``MAX_XLSX_RATIO`` times (a zip bomb; the Destatis directories unpack to about 13 MB, with a
#: ratio of about 11).
MAX_XLSX_BYTES = 512 << 20
MAX_XLSX_RATIO = 200
MAX_XLSX_MEMBERS = 10_000


def check_regular(path: Path, what: str) -> None:
    """Refuse what is not a regular file (a FIFO or device would block or never end) and a
    file larger than :data:`MAX_INPUT_BYTES`, with a :class:`DataError` naming ``what``."""
    try:
        st = path.stat()
    except OSError as exc:
        raise DataError(f"{what} {path} cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a folder"
            if stat.S_ISDIR(st.st_mode)
            else "a FIFO (named pipe)"
            if stat.S_ISFIFO(st.st_mode)
            else "a device or other special file"
        )
        raise DataError(f"{what} {path} is {kind}, not a regular file: give the path of a file")
    if st.st_size > MAX_INPUT_BYTES:
        raise DataError(
            f"{what} {path} has {st.st_size:,} bytes, more than {MAX_INPUT_BYTES:,}: check the file"
        )


def read_input(path: Path, what: str) -> bytes:
    """The bytes of an input file, after :func:`check_regular`."""
    check_regular(path, what)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"{what} {path} cannot be read ({exc.strerror or exc})") from None


def check_xlsx_archive(path: Path) -> None:
    """Refuse an xlsx file whose zip members would unpack to far too much (a zip bomb), from
    the sizes in the archive's directory, before anything is unpacked."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DataError(
            f"{path.name} cannot be read as an xlsx workbook (an xlsx file is a zip archive: {exc})"
        ) from None
    if len(infos) > MAX_XLSX_MEMBERS:
        raise DataError(f"{path.name}: {len(infos):,} parts in the workbook; not a directory file")
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_BYTES:
        raise DataError(
            f"{path.name} would unpack to {total:,} bytes (uncompressed), more than "
            f"{MAX_XLSX_BYTES:,}: not read (a damaged file or a zip bomb)"
        )
    for i in infos:
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > 10_000_000 and ratio > MAX_XLSX_RATIO:
            raise DataError(
                f"{path.name}: the part {i.filename} is compressed {ratio:,.0f} times "
                f"({i.file_size:,} bytes uncompressed): not read (a zip bomb?)"
            )
