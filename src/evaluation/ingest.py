"""Official statistics in: INKAR exports, the Destatis municipality directory, territorial changes.

Readers turn the files researchers download into tables of the study schema, loudly where the
data are ambiguous:

* :func:`read_inkar` reads INKAR (BBSR) web exports (``;``-separated, decimal comma, one header
  row of indicator names and one of years) into the long ``indicators`` table and catalogue rows;
  units that are not official districts (merged "Kreisregionen" such as "Kreis u. Stadt
  Landshut") are reported, never silently mapped;
* :func:`read_gemeindeverzeichnis` reads the GV-ISys "Auszug GV" spreadsheets of Destatis (old
  and current layout) into a ``municipalities`` table of Gemeinden and districts;
* :func:`territorial_changes` lists codes that appear or disappear between directory snapshots;
* :func:`harmonise` maps an indicator panel to one territorial reference with a user crosswalk
  (table :data:`CROSSWALK`): sums for counts, weighted means for rates, as the catalogue says.

Codes (AGS) are text throughout: leading zeros are kept, and a code that lost one is repaired
only where the level makes it unambiguous, and then reported. Cells that are not numbers are
errors naming file, line and column, except the documented missing-value symbols
(:data:`MISSING_SYMBOLS`).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import codes
from .errors import DataError
from .study import schema
from .study.schema import CROSSWALK as CROSSWALK  # the crosswalk table is defined with the schema

#: Cells that mean "no value" in official statistics (Destatis and INKAR conventions):
#: empty, "-" (nothing, or not reported), "." (unknown or secret), "x" (not meaningful),
#: "..." (not yet available), "/" (too uncertain), and the en dash used by some exports.
MISSING_SYMBOLS: tuple[str, ...] = ("", "-", "–", ".", "...", "…", "x", "X", "/")

PathLike = str | Path
MergedPolicy = Literal["error", "drop", "keep"]
Level = Literal["gemeinde", "kreis", "all"]

#: The territorial crosswalk a user supplies to :func:`harmonise` (written to ``data_schema/``).

_CATALOGUE_COLUMNS = [f.name for f in schema.INDICATOR_CATALOGUE.fields]
_INDICATOR_COLUMNS = [f.name for f in schema.INDICATORS.fields]
_MUNICIPALITY_COLUMNS = [f.name for f in schema.MUNICIPALITIES.fields]


@dataclass(frozen=True)
class _Known:
    code: str
    label_en: str
    unit: str
    higher_is_better: bool | None
    aggregation: str


#: INKAR indicators with a known meaning (key: the German name in the export, case-folded).
INKAR_INDICATORS: dict[str, _Known] = {
    "betreuungsquote kleinkinder": _Known(
        "childcare_u3", "Childcare rate, children under 3", "%", True, "weighted_mean"
    ),
    "betreuungsquote vorschulkinder": _Known(
        "childcare_3to6", "Childcare rate, children aged 3 to 6", "%", True, "weighted_mean"
    ),
    "geborene": _Known(
        "births_per_1000",
        "Births per 1,000 residents",
        "per 1,000 residents",
        None,
        "weighted_mean",
    ),
    "einwohner unter 6 jahre": _Known(
        "share_under_6", "Share of residents under 6", "%", None, "weighted_mean"
    ),
    "beschäftigtenquote frauen": _Known(
        "employment_rate_women",
        "Employment rate of women (employees subject to social insurance per 100 women of "
        "working age)",
        "%",
        None,
        "weighted_mean",
    ),
}

#: Unit of an INKAR indicator the package does not know (the export does not state units).
UNKNOWN_UNIT = "not stated in the export"

_MERGED_NAME = re.compile(r"\bu\.\s|/|\bund\b", re.IGNORECASE)
_YEAR = re.compile(r"^\d{4}$")


# ---------------------------------------------------------------------------------------------
# shared pieces
# ---------------------------------------------------------------------------------------------
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
    from .study.encoding import decode_bytes

    path = Path(path)
    if not path.exists():
        raise DataError(f"codes file {path} not found")
    text, _ = decode_bytes(_read_input(path, "codes file"))
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


#: Largest input file read by the readers of this module (bytes).
MAX_INPUT_BYTES = 1 << 30
#: An xlsx workbook is a zip archive: refused before reading when its members would unpack to
#: more than this many bytes, or a member of more than 10 MB is compressed more than
#: ``MAX_XLSX_RATIO`` times (a zip bomb; the Destatis directories unpack to about 13 MB, with a
#: ratio of about 11).
MAX_XLSX_BYTES = 512 << 20
MAX_XLSX_RATIO = 200
MAX_XLSX_MEMBERS = 10_000


def _check_regular(path: Path, what: str) -> None:
    """Refuse what is not a regular file (a FIFO or device would block or never end)."""
    import stat

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


def _read_input(path: Path, what: str) -> bytes:
    _check_regular(path, what)
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


def _slug(name: str) -> str:
    s = name.casefold().replace("ß", "ss")
    s = s.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return s or "indicator"


# ---------------------------------------------------------------------------------------------
# INKAR
# ---------------------------------------------------------------------------------------------
@dataclass
class InkarData:
    """What :func:`read_inkar` read: tables of the study schema plus a report on the units.

    ``indicators`` and ``catalogue`` go into a :class:`~evaluation.Study`
    (``Study(indicators=d.indicators, indicator_catalogue=d.catalogue, ...)``); ``units`` lists
    every spatial unit of the exports with its ``status`` (``official``, ``merged_region``);
    ``notes`` says what was repaired or skipped.
    """

    indicators: pd.DataFrame
    catalogue: pd.DataFrame
    units: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def merged(self) -> pd.DataFrame:
        """Units that are merged regions, not official districts."""
        return self.units[self.units["status"] == "merged_region"].reset_index(drop=True)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """``{"indicators": ..., "indicator_catalogue": ...}`` for ``Study(**d.tables, ...)``."""
        return {"indicators": self.indicators, "indicator_catalogue": self.catalogue}

    def __repr__(self) -> str:
        return (
            f"InkarData(indicators={len(self.indicators)} rows, "
            f"{self.catalogue['indicator'].tolist()}, units={len(self.units)}, "
            f"merged={len(self.merged)})"
        )


def _csv_rows(
    path: Path, sep: str, encoding: str | None
) -> tuple[list[tuple[int, list[str]]], str]:
    from .study.encoding import decode_bytes

    if not path.exists():
        raise DataError(f"INKAR file {path} not found")
    raw = _read_input(path, "INKAR file")
    if encoding:
        try:
            text, enc = raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(f"{path.name}: cannot be read as {encoding} ({exc})") from None
        text = text.removeprefix("\ufeff")
    else:
        text, enc = decode_bytes(raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise DataError(f"{path.name}, line {reader.line_num}: not valid CSV ({exc})") from None
    return rows, enc


def _read_one_inkar(
    path: Path, sep: str, decimal: str, thousands: str | None, encoding: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    rows, enc = _csv_rows(path, sep, encoding)
    notes: list[str] = []
    if enc == "cp1252":
        notes.append(f"{path.name}: not UTF-8, read as Windows-1252")
    rows = [(ln, r) for ln, r in rows if any(c.strip() for c in r)]
    if len(rows) < 3:
        raise DataError(
            f"{path.name}: an INKAR export has a row of indicator names, a row of years and at "
            f"least one data row; found {len(rows)} non-empty line(s)"
        )
    (ln0, head), (ln1, years) = rows[0], rows[1]
    if len(head) < 2:
        raise DataError(
            f"{path.name}, line {ln0}: only one column; is the file separated by {sep!r}? "
            "(pass sep=... for another separator)"
        )
    names = [c.strip() for c in head]
    folded = [c.casefold() for c in names]
    if "kennziffer" not in folded:
        raise DataError(
            f"{path.name}, line {ln0}: no column 'Kennziffer' (the unit code) in the header "
            f"{names[:4]}; is this an INKAR export?"
        )
    i_code = folded.index("kennziffer")
    i_name = folded.index("raumeinheit") if "raumeinheit" in folded else None
    i_agg = folded.index("aggregat") if "aggregat" in folded else None
    id_cols = {i for i in (i_code, i_name, i_agg) if i is not None}
    width = max(len(head), len(years))
    value_cols: list[tuple[int, str, int]] = []
    last_name = ""
    for j in range(width):
        if j in id_cols:
            continue
        nm = names[j] if j < len(names) else ""
        yr = years[j].strip() if j < len(years) else ""
        if not nm and not yr:
            continue  # trailing separator
        nm = nm or last_name
        last_name = nm
        if not _YEAR.match(yr):
            raise DataError(
                f"{path.name}, line {ln1}, column {j + 1} ({nm!r}): expected a year in the second "
                f"header row, found {yr!r}"
            )
        value_cols.append((j, nm, int(yr)))
    if not value_cols:
        raise DataError(f"{path.name}: no indicator columns next to the unit columns")
    seen: dict[tuple[str, int], int] = {}
    for j, nm, yr in value_cols:
        if (nm, yr) in seen:
            raise DataError(
                f"{path.name}: indicator {nm!r} has year {yr} twice (columns {seen[nm, yr] + 1} "
                f"and {j + 1})"
            )
        seen[nm, yr] = j
    # data rows; trailing lines without a code are a footer (source note, copyright)
    data = rows[2:]
    is_code = [bool(r) and r[i_code].strip().isdigit() for _, r in data]
    last = max((k for k, c in enumerate(is_code) if c), default=-1)
    if last < 0:
        raise DataError(f"{path.name}: no data row with a numeric 'Kennziffer'")
    for k in range(last + 1):
        if not is_code[k]:
            ln, r = data[k]
            cell = r[i_code].strip() if r else ""
            raise DataError(
                f"{path.name}, line {ln}, column {i_code + 1} (Kennziffer): {cell!r} is not a "
                "code of digits"
            )
    footer = data[last + 1 :]
    if footer:
        notes.append(
            f"{path.name}: {len(footer)} footer line(s) without a code skipped "
            f"(line {footer[0][0]}: {' '.join(c for c in footer[0][1] if c.strip())[:60]!r})"
        )
    data = data[: last + 1]
    need = max(j for j, _, _ in value_cols) + 1
    for ln, r in data:
        if len(r) < need or any(c.strip() for c in r[width:]):
            raise DataError(f"{path.name}, line {ln}: {len(r)} fields, but the header has {width}")
    lines = np.array([ln for ln, _ in data])
    raw_codes = [r[i_code] for _, r in data]
    agg = [r[i_agg].strip() for _, r in data] if i_agg is not None else [""] * len(data)
    unit_names = [r[i_name].strip() for _, r in data] if i_name is not None else [""] * len(data)
    aggregate = {a for a in agg if a}
    length = None
    if aggregate and all(a.casefold().startswith("kreis") for a in aggregate):
        length = 5
    elif aggregate and all(a.casefold() == "gemeinden" for a in aggregate):
        length = 8
    elif aggregate:
        raise DataError(
            f"{path.name}: spatial level {sorted(aggregate)} is not supported; export INKAR data "
            "at the level 'Kreise' or 'Gemeinden' (units with official codes)"
        )
    try:
        unit_codes, repaired = normalise_codes(raw_codes, length=length)
    except DataError as exc:
        raise DataError(f"{path.name}, column {i_code + 1} (Kennziffer): {exc}") from None
    if repaired:
        notes.append(f"{path.name}: {repaired} code(s) had lost a leading zero and were repaired")
    dup = pd.Series(unit_codes).duplicated()
    if dup.any():
        k = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(f"{path.name}, line {lines[k]}: code {unit_codes.iloc[k]} appears twice")
    cols = np.array([j for j, _, _ in value_cols])
    matrix = np.array([[r[j] for j in cols] for _, r in data], dtype=object)
    n_units, n_cols = matrix.shape
    long = pd.DataFrame(
        {
            "municipality_id": np.repeat(unit_codes.to_numpy(dtype=object), n_cols),
            "year": np.tile([yr for _, _, yr in value_cols], n_units),
            "name_de": np.tile([nm for _, nm, _ in value_cols], n_units),
            "raw": matrix.ravel(),
        }
    )
    where = pd.Series([f"line {ln}, column {j + 1}" for ln in lines for j in cols])
    long["value"] = parse_numbers(
        long["raw"], decimal=decimal, thousands=thousands, where=where, source=path.name
    )
    n_missing = int(long["value"].isna().sum())
    if n_missing:
        notes.append(f"{path.name}: {n_missing} cell(s) with a missing-value symbol left out")
    long = long[long["value"].notna()].drop(columns="raw")
    units = pd.DataFrame(
        {
            "municipality_id": unit_codes.to_numpy(dtype=object),
            "name": unit_names,
            "aggregate": agg,
            "file": path.name,
        }
    )
    return long, units, notes


def read_inkar(
    paths: PathLike | Sequence[PathLike],
    *,
    merged: MergedPolicy = "error",
    codes: Mapping[str, str] | None = None,
    catalogue: pd.DataFrame | None = None,
    sep: str = ";",
    decimal: str = ",",
    thousands: str | None = ".",
    encoding: str | None = None,
) -> InkarData:
    """Read one or several INKAR exports into the study's ``indicators`` table and catalogue.

    Parameters
    ----------
    paths
        One file or a list of files (CSV as exported from inkar.de: ``;``, decimal comma, UTF-8
        with BOM or Windows-1252, first header row the indicator names, second the years).
    merged
        What to do with units that are merged regions rather than official districts (INKAR
        "Kreisregionen" join small kreisfreie Städte with their surrounding Landkreis under the
        Landkreis' code, e.g. "Kreis u. Stadt Landshut" as 09274): ``"error"`` (default) stops
        and lists them, ``"drop"`` leaves them out, ``"keep"`` keeps them under their code. All
        are listed in ``result.units`` either way.
    codes
        Indicator codes for the German names in the export, e.g. ``{"Geborene": "births"}``;
        names not given and not known to :data:`INKAR_INDICATORS` get a code made from the name.
    catalogue
        Catalogue rows (columns of the ``indicator_catalogue`` table) that replace the built-in
        ones for the same indicator codes.
    sep, decimal, thousands, encoding
        The CSV dialect; ``encoding=None`` detects UTF-8 (with or without BOM) or Windows-1252.

    Returns
    -------
    InkarData
        ``.indicators`` (municipality_id, year, indicator, value), ``.catalogue``, ``.units``
        (municipality_id, name, aggregate, file, status) and ``.notes``.

    Examples
    --------
    >>> d = read_inkar(["kinderbetreuung_u3.csv", "geborene.csv"], merged="drop")  # doctest: +SKIP
    >>> d.indicators.head()  # doctest: +SKIP
    """
    if merged not in ("error", "drop", "keep"):
        raise ValueError(f"merged must be 'error', 'drop' or 'keep', got {merged!r}")
    if isinstance(paths, str | Path):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("read_inkar needs at least one file")
    longs, unit_frames, notes = [], [], []
    for p in paths:
        long, units, n = _read_one_inkar(p, sep, decimal, thousands, encoding)
        long["file"] = p.name
        longs.append(long)
        unit_frames.append(units)
        notes += n
    long = pd.concat(longs, ignore_index=True)
    units = pd.concat(unit_frames, ignore_index=True)

    # indicator codes and catalogue
    names = list(dict.fromkeys(long["name_de"]))
    user_codes = {k.casefold(): v for k, v in (codes or {}).items()}
    rows = []
    for nm in names:
        known = INKAR_INDICATORS.get(nm.casefold())
        code = user_codes.get(nm.casefold()) or (known.code if known else _slug(nm))
        if not re.fullmatch(r"[a-z0-9_]+", code):
            raise DataError(
                f"indicator code {code!r} for {nm!r}: codes are lower-case letters, digits and _"
            )
        files = sorted(set(long.loc[long["name_de"] == nm, "file"]))
        rows.append(
            {
                "indicator": code,
                "label_de": nm,
                "label_en": known.label_en if known else nm,
                "unit": known.unit if known else UNKNOWN_UNIT,
                "source": f"INKAR (BBSR Bonn), export {', '.join(files)}",
                "higher_is_better": known.higher_is_better if known else None,
                "aggregation": known.aggregation if known else None,
            }
        )
        if not known and not (catalogue is not None and code in set(catalogue["indicator"])):
            notes.append(
                f"indicator {nm!r} (code {code}) is not in the built-in list: fill in label_en, "
                "unit, higher_is_better and aggregation in the catalogue"
            )
    cat = pd.DataFrame(rows, columns=_CATALOGUE_COLUMNS)
    dup_codes = cat["indicator"][cat["indicator"].duplicated()]
    if len(dup_codes):
        raise DataError(
            f"two INKAR indicators get the same code {dup_codes.iloc[0]!r}: pass codes={{...}}"
        )
    if catalogue is not None:
        missing_cols = set(_CATALOGUE_COLUMNS) - set(catalogue.columns)
        if missing_cols:
            raise DataError(f"catalogue lacks the column(s) {sorted(missing_cols)}")
        user = catalogue[_CATALOGUE_COLUMNS]
        cat = pd.concat(
            [
                cat[~cat["indicator"].isin(user["indicator"])],
                user[user["indicator"].isin(cat["indicator"])],
            ],
            ignore_index=True,
        )
    code_of = {r["label_de"]: r["indicator"] for r in rows}
    long["indicator"] = long["name_de"].map(code_of)

    # duplicates across files
    key = ["municipality_id", "year", "indicator"]
    dup = long.duplicated(key, keep=False)
    if dup.any():
        d = long[dup]
        conflict = d.groupby(key)["value"].nunique() > 1
        if conflict.any():
            k = conflict[conflict].index[0]
            files = sorted(set(d.set_index(key).loc[[k], "file"]))
            raise DataError(
                f"unit {k[0]}, year {k[1]}, indicator {k[2]} has different values in "
                f"{' and '.join(files)}"
            )
        notes.append(
            f"{int(dup.sum()) - d.groupby(key).ngroups} duplicate value(s) across files dropped"
        )
        long = long.drop_duplicates(key)

    # units: merged regions
    agg_kreisreg = units["aggregate"].str.casefold().eq("kreisregionen")
    is_merged = agg_kreisreg & units["name"].str.contains(_MERGED_NAME, na=False)
    units["status"] = np.where(is_merged, "merged_region", "official")
    units = units.groupby(
        ["municipality_id", "name", "aggregate", "status"], as_index=False, sort=False
    ).agg(file=("file", lambda s: ", ".join(dict.fromkeys(s))))[
        ["municipality_id", "name", "aggregate", "file", "status"]
    ]
    if agg_kreisreg.any():
        notes.append(
            "the export is at the level 'Kreisregionen': merged regions are recognised by their "
            "name ('u.', '/', 'und'); compare the units with your directory (kreisfreie Städte "
            "missing from the export were merged into a neighbouring region)"
        )
    bad = units[units["status"] == "merged_region"]
    if len(bad):
        listed = "; ".join(f"{r.municipality_id} {r.name!r}" for r in bad.itertuples())
        if merged == "error":
            raise DataError(
                f"{len(bad)} unit(s) of the INKAR export are merged regions (Kreisregionen), not "
                f"official districts: {listed}. Their values cover a Landkreis and a kreisfreie "
                "Stadt together, so they do not stand for the district with the same code. Pass "
                "merged='drop' (command line: --merged drop) to leave them out, merged='keep' to "
                "keep them under their code, or export the data at the level 'Kreise'."
            )
        if merged == "drop":
            long = long[~long["municipality_id"].isin(bad["municipality_id"])]
            notes.append(f"{len(bad)} merged region(s) left out: {listed}")
        else:
            notes.append(f"{len(bad)} merged region(s) kept under their code: {listed}")
    indicators = (
        long[_INDICATOR_COLUMNS]
        .sort_values(key, kind="stable")
        .reset_index(drop=True)
        .astype({"municipality_id": "string", "year": "Int64", "indicator": "string"})
    )
    return InkarData(indicators, cat.reset_index(drop=True), units.reset_index(drop=True), notes)


def indicators_from_wide(
    frame: pd.DataFrame,
    *,
    id_column: str,
    year_column: str,
    indicators: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Turn a wide panel (one row per unit and year, one column per indicator) into the long
    ``indicators`` table; empty cells are left out (the long table has no missing values).

    Columns of text are parsed strictly (decimal point); codes must be 5 or 8 digits as text.
    """
    for c in (id_column, year_column):
        if c not in frame.columns:
            raise DataError(f"column {c!r} not found; the columns are {list(frame.columns)[:10]}")
    value_cols = (
        list(indicators)
        if indicators is not None
        else [c for c in frame.columns if c not in (id_column, year_column)]
    )
    missing = [c for c in value_cols if c not in frame.columns]
    if missing:
        raise DataError(f"indicator column(s) {missing} not found")
    for c in value_cols:
        if not re.fullmatch(r"[a-z0-9_]+", str(c)):
            raise DataError(f"column {c!r}: indicator codes are lower-case letters, digits and _")
    ids, repaired = normalise_codes(frame[id_column], source=f"column {id_column}")
    if repaired:
        warnings.warn(
            f"{repaired} code(s) in column {id_column} had lost a leading zero and were repaired",
            stacklevel=2,
        )
    years = pd.to_numeric(frame[year_column], errors="coerce")
    if years.isna().any() or (years % 1 != 0).any():
        i = int(np.flatnonzero((years.isna() | (years % 1 != 0)).to_numpy())[0])
        raise DataError(
            f"column {year_column}, row {i + 1}: {frame[year_column].iloc[i]!r} is not a year"
        )
    parts = {}
    for c in value_cols:
        s = frame[c]
        if pd.api.types.is_numeric_dtype(s.dtype):
            parts[c] = s.astype("float64").to_numpy()
        else:
            where = pd.Series([f"row {i + 1}, column {c}" for i in range(len(s))])
            parts[c] = parse_numbers(
                s.reset_index(drop=True), decimal=".", thousands=None, missing=("",), where=where
            ).to_numpy()
    wide = pd.DataFrame(parts)
    wide["municipality_id"] = ids.to_numpy()
    wide["year"] = years.astype("int64").to_numpy()
    long = wide.melt(id_vars=["municipality_id", "year"], var_name="indicator", value_name="value")
    long = long[long["value"].notna()]
    return (
        long[_INDICATOR_COLUMNS]
        .sort_values(["municipality_id", "year", "indicator"], kind="stable")
        .reset_index(drop=True)
        .astype({"municipality_id": "string", "year": "Int64", "indicator": "string"})
    )


# ---------------------------------------------------------------------------------------------
# Destatis municipality directory (GV-ISys "Auszug GV")
# ---------------------------------------------------------------------------------------------
def _norm_header(v: Any) -> str:
    s = "" if v is None else str(v)
    s = re.sub(r"\d\)", "", s)  # footnote marks such as 'Fläche km2 1)'
    return re.sub(r"[\s\-]+", "", s).casefold()


_KEY_PARTS = {
    "land": ("land", 2),
    "rb": ("rb", 1),
    "kreis": ("kreis", 2),
    "gem": ("gem", 3),
    "gemeinde": ("gem", 3),
}
_DATE = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")


def _find_gv_sheet(wb) -> tuple[Any, list[tuple], int]:
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        for h, row in enumerate(rows[:15]):
            if (
                row
                and _norm_header(row[0]).startswith("satz")
                and any(_norm_header(c).startswith("gemeindename") for c in row)
            ):
                return ws, rows, h
    raise DataError(
        "no sheet with a 'Satzart' and 'Gemeindename' header found: is this a Destatis "
        "'Auszug GV' spreadsheet (Gemeindeverzeichnis)?"
    )


def _gv_columns(rows: list[tuple], h: int, sheet: str) -> dict[str, int]:
    top, sub = rows[h], rows[h + 1] if h + 1 < len(rows) else ()
    width = max(len(top), len(sub))
    tops, cur = [], ""
    for j in range(width):
        t = _norm_header(top[j] if j < len(top) else None)
        s = _norm_header(sub[j] if j < len(sub) else None)
        if t:
            cur = t
        elif not s:
            cur = ""
        tops.append((cur, s))
    cols: dict[str, int] = {}
    for j, (t, s) in enumerate(tops):
        if t.startswith("satz"):
            cols.setdefault("satzart", j)
        elif t.startswith("text"):
            cols.setdefault("textkennzeichen", j)
        elif t.startswith("gemeindename"):
            cols.setdefault("name", j)
        elif t.startswith("fläche"):
            cols.setdefault("area", j)
        elif t.startswith("bevölkerung") and s == "insgesamt":
            cols.setdefault("population", j)
        elif t.startswith("gradderverstädterung") and s.startswith("schlüssel"):
            cols.setdefault("urbanisation", j)
        elif (t.startswith("gemeindeschlüssel") or t.startswith("amtlicher")) and s in _KEY_PARTS:
            cols.setdefault(_KEY_PARTS[s][0], j)
    need = ["satzart", "name", "area", "population", "land", "rb", "kreis", "gem"]
    missing = [c for c in need if c not in cols]
    if missing:
        raise DataError(
            f"sheet {sheet!r}: column(s) {missing} not found in the header (rows {h + 1}-{h + 2}); "
            "this layout of the Gemeindeverzeichnis is not known"
        )
    return cols


def _code_part(
    values: pd.Series,
    width: int,
    name: str,
    lines: np.ndarray,
    sheet: str,
    optional: np.ndarray | None = None,
) -> pd.Series:
    def one(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()

    s = values.map(one).astype("string")
    ok = s.str.fullmatch(rf"\d{{1,{width}}}").fillna(False).to_numpy()
    if optional is not None:
        ok |= optional & (s == "").to_numpy()
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise DataError(
            f"sheet {sheet!r}, line {lines[i]}: key part {name} is {values.iloc[i]!r}, expected up "
            f"to {width} digits"
        )
    return s.str.zfill(width)


def _gv_number(values: pd.Series, name: str, lines: np.ndarray, sheet: str) -> pd.Series:
    is_num = values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    out[is_num] = values[is_num].astype("float64")
    rest = values[~is_num]
    if len(rest):
        where = pd.Series(
            [f"sheet {sheet!r}, line {ln}, column {name}" for ln in lines[~is_num.to_numpy()]],
            index=rest.index,
        )
        out[~is_num] = parse_numbers(rest.map(lambda v: "" if v is None else str(v)), where=where)
    return out


def read_gemeindeverzeichnis(
    path: PathLike,
    *,
    level: Level = "all",
    audited: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read a Destatis municipality directory ("Auszug GV" xlsx) into a ``municipalities`` table.

    Both sheet layouts are read: the old one (e.g. 31.12.1990: key columns Land, RB, Kreis,
    Gemeinde) and the current one (e.g. 31.12.2023: Textkennzeichen, regional key with
    Verbandsschlüssel, urbanisation). Rows of Satzart 60 are the Gemeinden (8-digit code), rows of
    Satzart 40 the districts (5-digit code), with population and area summed over their
    Gemeinden. Unincorporated areas (gemeindefreie Gebiete) count towards their district but are
    not listed as Gemeinden.

    A district is a ``kreisfreie_stadt`` when its Textkennzeichen is 41 (kreisfreie Stadt) or 42
    (Stadtkreis), else a ``kreis`` (43 Kreis, 44 Landkreis, 45 Regionalverband). The old layout
    has no Textkennzeichen: there, a district is a kreisfreie Stadt when it consists of exactly
    one Gemeinde whose code is the district code followed by ``000``; on every snapshot from 1994
    to 2024 this rule gives the same classification as the Textkennzeichen.

    Parameters
    ----------
    level
        ``"gemeinde"``, ``"kreis"`` (districts: Kreise and kreisfreie Städte) or ``"all"``.
    audited
        Codes of audited units: they get ``group = "audited"``, all others ``"comparison"``.
        Codes not in the directory are an error.

    Returns
    -------
    DataFrame
        Columns of the ``municipalities`` table; ``attrs`` holds ``reference_date``
        (Gebietsstand), ``population_date`` and ``source``.
    """
    import openpyxl

    if level not in ("gemeinde", "kreis", "all"):
        raise ValueError(f"level must be 'gemeinde', 'kreis' or 'all', got {level!r}")
    path = Path(path)
    if not path.exists():
        raise DataError(f"directory file {path} not found")
    _check_regular(path, "directory file")
    check_xlsx_archive(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise DataError(f"{path.name} cannot be read as an xlsx workbook ({exc})") from None
    try:
        ws, rows, h = _find_gv_sheet(wb)
    finally:
        wb.close()
    sheet = ws.title
    cols = _gv_columns(rows, h, sheet)
    head_text = " ".join(str(c) for r in rows[: h + 3] for c in r if c is not None)
    m_ref = re.search(r"Gebietsstand\D{0,10}(\d{2}\.\d{2}\.\d{4})", head_text)
    m_pop = re.search(r"am (\d{2}\.\d{2}\.\d{4})", str(rows[0][0] or ""))
    body = rows[h + 2 :]
    width = max(cols.values()) + 1
    body = [tuple(r) + (None,) * (width - len(r)) for r in body]
    satz = pd.Series([r[cols["satzart"]] for r in body], dtype="object").map(
        lambda v: "" if v is None else str(v).strip().removesuffix(".0")
    )
    keep = satz.isin(["40", "60"]).to_numpy()
    lines = np.arange(h + 3, h + 3 + len(body))[keep]
    df = pd.DataFrame([body[i] for i in np.flatnonzero(keep)], dtype="object")
    if df.empty:
        raise DataError(f"sheet {sheet!r} of {path.name} has no rows of Satzart 40 or 60")
    satz = satz[keep].to_numpy()
    parts = {
        p: _code_part(df[cols[p]], w, p, lines, sheet, (satz == "40") if p == "gem" else None)
        for p, w in (("land", 2), ("rb", 1), ("kreis", 2), ("gem", 3))
    }
    district = (parts["land"] + parts["rb"] + parts["kreis"]).to_numpy(dtype=object)
    ags = (parts["land"] + parts["rb"] + parts["kreis"] + parts["gem"]).to_numpy(dtype=object)
    name = (
        df[cols["name"]].map(lambda v: "" if v is None else str(v).strip()).to_numpy(dtype=object)
    )
    tk = (
        df[cols["textkennzeichen"]]
        .map(lambda v: "" if v is None else str(v).strip())
        .to_numpy(dtype=object)
        if "textkennzeichen" in cols
        else np.full(len(df), "", dtype=object)
    )
    is60 = satz == "60"
    g = pd.DataFrame(
        {
            "ags": ags[is60],
            "district": district[is60],
            "name": name[is60],
            "tk": tk[is60],
            "line": lines[is60],
        }
    )
    sub = df[is60].reset_index(drop=True)
    g["population"] = _gv_number(sub[cols["population"]], "population", g["line"].to_numpy(), sheet)
    g["area_km2"] = _gv_number(sub[cols["area"]], "area", g["line"].to_numpy(), sheet)
    if "urbanisation" in cols:
        u = sub[cols["urbanisation"]].map(lambda v: "" if v is None else str(v).strip())
        bad = ~u.isin(["", "1", "2", "3", "01", "02", "03"])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"sheet {sheet!r}, line {g['line'].iloc[i]}: degree of urbanisation "
                f"{u.iloc[i]!r} is not 1, 2 or 3"
            )
        g["urbanisation"] = pd.to_numeric(u.replace("", None), errors="raise").astype("Int64")
    else:
        g["urbanisation"] = pd.array([pd.NA] * len(g), dtype="Int64")
    if g["tk"].ne("").any():
        unincorporated = g["tk"].isin(["65", "66"])
    else:
        unincorporated = g["name"].str.contains(r"gemfr|gemeindefrei", case=False, regex=True)
    dups = g["ags"][g["ags"].duplicated()]
    if len(dups):
        raise DataError(f"sheet {sheet!r}: Gemeinde code {dups.iloc[0]} appears twice")

    # districts: sums over all their Satzart-60 rows
    d = pd.DataFrame(
        {"district": district[~is60], "name": name[~is60], "tk": tk[~is60], "line": lines[~is60]}
    )
    sums = g.groupby("district").agg(
        population=("population", lambda s: s.sum(min_count=1)),
        area_km2=("area_km2", lambda s: s.sum(min_count=1)),
        n=("ags", "size"),
        only=("ags", "first"),
    )
    d = d.join(sums, on="district")
    if d["n"].isna().any():
        i = int(np.flatnonzero(d["n"].isna().to_numpy())[0])
        raise DataError(
            f"sheet {sheet!r}, line {d['line'].iloc[i]}: district {d['district'].iloc[i]} has no "
            "Gemeinde rows"
        )
    if d["tk"].ne("").any():
        unknown = ~d["tk"].isin(["41", "42", "43", "44", "45"])
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise DataError(
                f"sheet {sheet!r}, line {d['line'].iloc[i]}: Textkennzeichen {d['tk'].iloc[i]!r} "
                "of a district is not one of 41-45"
            )
        city = d["tk"].isin(["41", "42"])
    else:
        city = (d["n"] == 1) & (d["only"] == d["district"] + "000")

    frames = []
    if level in ("gemeinde", "all"):
        gg = g[~unincorporated.to_numpy()]
        frames.append(
            pd.DataFrame(
                {
                    "municipality_id": gg["ags"],
                    "name": gg["name"],
                    "level": "gemeinde",
                    "population": gg["population"],
                    "area_km2": gg["area_km2"],
                    "urbanisation": gg["urbanisation"],
                }
            )
        )
    if level in ("kreis", "all"):
        frames.append(
            pd.DataFrame(
                {
                    "municipality_id": d["district"],
                    "name": d["name"],
                    "level": np.where(city, "kreisfreie_stadt", "kreis"),
                    "population": d["population"],
                    "area_km2": d["area_km2"],
                    "urbanisation": pd.array([pd.NA] * len(d), dtype="Int64"),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["state"] = out["municipality_id"].str.slice(0, 2)
    bad_state = ~out["state"].isin(codes.STATE_CODES)
    if bad_state.any():
        raise DataError(
            f"sheet {sheet!r}: code {out['municipality_id'][bad_state].iloc[0]} does not start "
            "with a state code 01-16"
        )
    pop = out["population"]
    if (pop.dropna() % 1 != 0).any():
        raise DataError(f"sheet {sheet!r}: population is not a whole number")
    out["population"] = pop.round().astype("Int64")
    out["group"] = mark_audited(out["municipality_id"], audited)
    out = out[_MUNICIPALITY_COLUMNS].astype(
        {
            "municipality_id": "string",
            "name": "string",
            "level": "string",
            "state": "string",
            "group": "string",
        }
    )
    out = out.sort_values("municipality_id", kind="stable").reset_index(drop=True)
    out.attrs.update(
        {
            "reference_date": _iso(m_ref.group(1)) if m_ref else None,
            "population_date": _iso(m_pop.group(1)) if m_pop else None,
            "source": f"Destatis Gemeindeverzeichnis, {path.name}",
            "unincorporated": int(unincorporated.sum()),
        }
    )
    return out


def _iso(d: str) -> str:
    day, month, year = d.split(".")
    return f"{year}-{month}-{day}"


def mark_audited(ids: pd.Series, audited: Iterable[str] | None) -> pd.Series:
    """``audited`` for the codes in ``audited``, ``comparison`` for all others.

    Codes of ``audited`` that are not among ``ids`` are a :class:`DataError` listing them.
    """
    ids = ids.astype("string")
    if audited is None:
        return pd.Series("comparison", index=ids.index, dtype="string")
    if isinstance(audited, str):
        raise TypeError("audited must be a list of codes, not one string")
    aud, _ = normalise_codes(audited, source="audited codes")
    unknown = sorted(set(aud) - set(ids))
    if unknown:
        raise DataError(
            f"{len(unknown)} audited code(s) are not in the directory (at the chosen level): "
            f"{', '.join(unknown[:20])}. Check the codes and the level (5 digits for districts, "
            "8 for Gemeinden) and the territorial state of the directory."
        )
    return pd.Series(
        np.where(ids.isin(set(aud)), "audited", "comparison"), index=ids.index, dtype="string"
    )


# ---------------------------------------------------------------------------------------------
# territorial changes
# ---------------------------------------------------------------------------------------------
def territorial_changes(
    snapshots: pd.DataFrame | Mapping[Any, pd.DataFrame | Iterable[str]],
    *,
    snapshot: str = "snapshot",
    code: str = "municipality_id",
    name: str = "name",
    population: str = "population",
    area: str = "area_km2",
) -> pd.DataFrame:
    """Codes that appear or disappear between consecutive directory snapshots.

    Parameters
    ----------
    snapshots
        Either a long frame with a ``snapshot`` column (e.g. the year of the directory) and a
        ``code`` column, or a mapping snapshot label -> frame (e.g. from
        :func:`read_gemeindeverzeichnis`) or -> list of codes. Snapshots are ordered by label.
    snapshot, code, name, population, area
        Column names in the snapshots (``name``, ``population`` and ``area`` are carried along
        when present).

    Returns
    -------
    DataFrame
        One row per change: ``from_snapshot``, ``to_snapshot``, ``change`` (``disappeared`` or
        ``appeared``), ``municipality_id``, ``name``, ``population``, ``area_km2`` (of the
        snapshot where the code exists) and ``candidate``: for a disappeared code, the code that
        appeared in the same step under exactly the same name, and vice versa; empty when there
        is none or more than one. That is often a pure recoding, but a merge under the name of
        one partner looks the same, so candidates are hints for writing the crosswalk, not a
        crosswalk.
    """
    if isinstance(snapshots, pd.DataFrame):
        for c in (snapshot, code):
            if c not in snapshots.columns:
                raise DataError(
                    f"column {c!r} not found in the snapshots; columns are "
                    f"{list(snapshots.columns)[:12]} (pass snapshot=..., code=...)"
                )
        long = snapshots.rename(
            columns={
                snapshot: "snapshot",
                code: "municipality_id",
                name: "name",
                population: "population",
                area: "area_km2",
            }
        )
    else:
        frames = []
        for label, snap in snapshots.items():
            if isinstance(snap, pd.DataFrame):
                if code not in snap.columns:
                    raise DataError(f"snapshot {label!r} has no column {code!r}")
                f = snap.rename(
                    columns={
                        code: "municipality_id",
                        name: "name",
                        population: "population",
                        area: "area_km2",
                    }
                ).copy()
            else:
                f = pd.DataFrame({"municipality_id": list(snap)})
            f["snapshot"] = label
            frames.append(f)
        if not frames:
            raise DataError("no snapshots given")
        long = pd.concat(frames, ignore_index=True)
    keep = [
        c
        for c in ("snapshot", "municipality_id", "name", "population", "area_km2")
        if c in long.columns
    ]
    long = long[keep].copy()
    long["municipality_id"], _ = normalise_codes(long["municipality_id"], source="snapshots")
    if "name" not in long.columns:
        long["name"] = pd.NA
    labels = sorted(long["snapshot"].unique(), key=_label_key)
    if len(labels) < 2:
        raise DataError("territorial changes need at least two snapshots")
    dup = long.duplicated(["snapshot", "municipality_id"])
    if dup.any():
        r = long[dup].iloc[0]
        raise DataError(f"snapshot {r['snapshot']!r} lists code {r['municipality_id']} twice")
    out = []
    by = {lab: long[long["snapshot"] == lab] for lab in labels}
    for a, b in zip(labels[:-1], labels[1:], strict=True):
        A, B = by[a], by[b]
        gone = A[~A["municipality_id"].isin(B["municipality_id"])].assign(change="disappeared")
        new = B[~B["municipality_id"].isin(A["municipality_id"])].assign(change="appeared")
        for this, other in ((gone, new), (new, gone)):
            counts = other["name"].value_counts()
            unique_names = counts[counts == 1].index
            lookup = other[other["name"].isin(unique_names)].set_index("name")["municipality_id"]
            this = this.copy()
            this["candidate"] = this["name"].map(lookup)
            this["from_snapshot"] = a
            this["to_snapshot"] = b
            out.append(this)
    res = pd.concat(out, ignore_index=True)
    cols = [
        "from_snapshot",
        "to_snapshot",
        "change",
        "municipality_id",
        "name",
        "population",
        "area_km2",
        "candidate",
    ]
    for c in cols:
        if c not in res.columns:
            res[c] = pd.NA
    res = res[cols].astype({"municipality_id": "string", "candidate": "string", "change": "string"})
    order = {lab: i for i, lab in enumerate(labels)}
    res["_o"] = res["from_snapshot"].map(order)
    return (
        res.sort_values(
            ["_o", "change", "municipality_id"], ascending=[True, False, True], kind="stable"
        )
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _label_key(v: Any) -> tuple:
    try:
        return (0, float(v), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(v))


# ---------------------------------------------------------------------------------------------
# harmonisation to one territorial reference
# ---------------------------------------------------------------------------------------------
def _crosswalk_frame(crosswalk: pd.DataFrame) -> pd.DataFrame:
    need = ["old_id", "new_id", "weight"]
    missing = [c for c in need if c not in crosswalk.columns]
    if missing:
        raise DataError(
            f"crosswalk lacks the column(s) {missing}; it needs old_id, new_id, weight "
            "(and optionally valid_from, valid_to)"
        )
    cw = pd.DataFrame(index=range(len(crosswalk)))
    for c in ("old_id", "new_id"):
        v = crosswalk[c].astype("string").str.strip().reset_index(drop=True)
        bad = ~v.str.fullmatch(r"\d{5}|\d{8}").fillna(False)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"crosswalk, row {i + 1}, field {c}: {crosswalk[c].iloc[i]!r} is not a 5- or "
                "8-digit code written as text"
            )
        cw[c] = v
    w = crosswalk["weight"].reset_index(drop=True)
    if not pd.api.types.is_numeric_dtype(w.dtype):
        w = parse_numbers(
            w,
            decimal=".",
            thousands=None,
            missing=("",),
            where=pd.Series([f"crosswalk, row {i + 1}, field weight" for i in range(len(w))]),
        )
    w = w.astype("float64")
    bad = w.isna() | (w < 0) | ~np.isfinite(w)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"crosswalk, row {i + 1}, field weight: {crosswalk['weight'].iloc[i]!r}; weights are "
            "non-negative numbers (population or area of the piece)"
        )
    cw["weight"] = w.to_numpy()
    for c in ("valid_from", "valid_to"):
        if c in crosswalk.columns:
            v = pd.to_numeric(
                crosswalk[c].reset_index(drop=True).replace("", None), errors="coerce"
            )
            raw = crosswalk[c].reset_index(drop=True)
            bad = v.isna() & raw.notna() & (raw.astype("string").str.strip() != "")
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(f"crosswalk, row {i + 1}, field {c}: {raw.iloc[i]!r} is not a year")
            cw[c] = v.to_numpy(dtype="float64")
        else:
            cw[c] = np.nan
    dup = cw.duplicated(["old_id", "new_id", "valid_from", "valid_to"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            f"crosswalk, row {i + 1}: the pair {cw['old_id'][i]} -> {cw['new_id'][i]} appears twice"
        )
    return cw


def harmonise(
    indicators: pd.DataFrame,
    crosswalk: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    reference: Iterable[str] | pd.DataFrame,
    on_incomplete: Literal["error", "drop"] = "error",
) -> pd.DataFrame:
    """Map an indicator panel to the units of one territorial reference year.

    Each value of an old unit goes to the new unit(s) of its crosswalk rows; codes of the
    reference without a crosswalk row for that year stay as they are. Per indicator, the
    catalogue's ``aggregation`` decides how pieces are combined:

    * ``sum`` (counts): new value = sum over pieces of value x share, where a piece's share is its
      weight divided by the total weight of its old unit's rows (1 for a whole unit);
    * ``weighted_mean`` (rates, shares): new value = sum of weight x value / sum of weight.

    Parameters
    ----------
    indicators
        Long table (municipality_id, year, indicator, value).
    crosswalk
        Table :data:`CROSSWALK`: old_id, new_id, weight (population or area of the piece),
        optionally valid_from / valid_to (data years the row applies to).
    catalogue
        The indicator catalogue with an ``aggregation`` for every indicator of the panel.
    reference
        The codes of the reference year (a list, or a municipalities table).
    on_incomplete
        A new unit-year is incomplete when one of its old units has no value: with validity
        years, every old unit whose row is valid that year is expected; without them, every old
        unit with a value of any indicator in that year. ``"error"`` (default) lists them;
        ``"drop"`` leaves those unit-years out with a warning (listed in ``result.attrs``).

    Raises
    ------
    DataError
        Codes of the panel that are neither reference codes nor in the crosswalk (listed),
        crosswalk targets outside the reference, indicators without an aggregation rule.
    """
    if on_incomplete not in ("error", "drop"):
        raise ValueError(f"on_incomplete must be 'error' or 'drop', got {on_incomplete!r}")
    miss = [c for c in _INDICATOR_COLUMNS if c not in indicators.columns]
    if miss:
        raise DataError(f"indicators lack the column(s) {miss}")
    if isinstance(reference, pd.DataFrame):
        if "municipality_id" not in reference.columns:
            raise DataError("reference table has no column municipality_id")
        reference = reference["municipality_id"]
    ref = set(pd.Series(list(reference), dtype="string"))
    cw = _crosswalk_frame(crosswalk)
    windows = cw[["valid_from", "valid_to"]].notna().any(axis=None)
    outside = sorted(set(cw["new_id"]) - ref)
    if outside:
        raise DataError(
            f"crosswalk maps to {len(outside)} code(s) that are not in the reference: "
            f"{', '.join(outside[:20])}"
        )
    # aggregation rules
    cat = (
        catalogue.set_index("indicator")["aggregation"]
        if "aggregation" in catalogue.columns
        else pd.Series(dtype="string")
    )
    used = sorted(set(indicators["indicator"].astype("string")))
    rule = {i: (cat.get(i) if i in cat.index else None) for i in used}
    no_rule = [i for i, r in rule.items() if pd.isna(r) or r not in codes.AGGREGATION_CODES]
    if no_rule:
        raise DataError(
            f"indicator_catalogue: no aggregation rule for {', '.join(no_rule)}; set the column "
            "aggregation to sum (counts) or weighted_mean (rates and shares)"
        )
    na = indicators[_INDICATOR_COLUMNS].isna().to_numpy()
    if na.any():
        i, j = (int(v[0]) for v in np.nonzero(na))
        raise DataError(
            f"indicators, row {i + 1}, field {_INDICATOR_COLUMNS[j]}: missing value; the long "
            "indicators table has no empty cells (leave such rows out)"
        )
    if not pd.api.types.is_numeric_dtype(indicators["value"].dtype):
        raise DataError("indicators, field value: not numeric (parse the values first)")
    ind = pd.DataFrame(
        {
            "old_id": indicators["municipality_id"].astype("string").to_numpy(),
            "year": pd.to_numeric(indicators["year"]).astype("int64").to_numpy(),
            "indicator": indicators["indicator"].astype("string").to_numpy(),
            "value": indicators["value"].astype("float64").to_numpy(),
        }
    )
    ind["_row"] = np.arange(len(ind))
    # crosswalk rows valid per (old_id, year) present in the data
    uy = ind[["old_id", "year"]].drop_duplicates()
    pieces = uy.merge(cw, on="old_id", how="inner")
    valid = (pieces["valid_from"].isna() | (pieces["year"] >= pieces["valid_from"])) & (
        pieces["valid_to"].isna() | (pieces["year"] <= pieces["valid_to"])
    )
    pieces = pieces[valid.to_numpy()].copy()
    total = pieces.groupby(["old_id", "year"])["weight"].transform("sum")
    if (total <= 0).any():
        r = pieces[(total <= 0).to_numpy()].iloc[0]
        raise DataError(
            f"crosswalk: the rows of {r['old_id']} (year {r['year']}) have total weight 0"
        )
    pieces["share"] = pieces["weight"] / total
    mapped = uy.merge(pieces[["old_id", "year"]].drop_duplicates(), how="left", indicator=True)
    plain = mapped[mapped["_merge"] == "left_only"][["old_id", "year"]]
    unmapped = plain[~plain["old_id"].isin(ref)]
    if len(unmapped):
        span = unmapped.groupby("old_id")["year"].agg(["min", "max"])
        listed = ", ".join(
            f"{c} ({a}-{b})" if a != b else f"{c} ({a})" for c, (a, b) in span.iterrows()
        )
        raise DataError(
            f"{len(span)} code(s) of the indicators are neither in the reference nor mapped by "
            f"the crosswalk (years in brackets): {listed}. Add crosswalk rows old_id -> new_id "
            "for them."
        )
    identity = plain.assign(
        new_id=plain["old_id"], weight=1.0, share=1.0, valid_from=np.nan, valid_to=np.nan
    )
    identity["_identity"] = True
    pieces["_identity"] = False
    allp = pd.concat([pieces, identity], ignore_index=True)
    # a reference unit that receives pieces must say its own weight
    mix = allp.groupby(["new_id", "year"])["_identity"].agg(["any", "all"])
    mixed = mix[mix["any"] & ~mix["all"]]
    if len(mixed):
        (nid, yr) = mixed.index[0]
        raise DataError(
            f"{nid} receives territory through the crosswalk in {yr} but has no crosswalk row of "
            f"its own for that year; add a row {nid},{nid},<weight> so that its own part is "
            f"weighted ({len(mixed)} unit-year(s) like this)"
        )
    x = ind.merge(allp[["old_id", "year", "new_id", "weight", "share"]], on=["old_id", "year"])
    x["_rule"] = x["indicator"].map(rule)
    is_sum = (x["_rule"] == "sum").to_numpy()
    x["_num"] = np.where(is_sum, x["value"] * x["share"], x["value"] * x["weight"])
    x["_den"] = np.where(is_sum, 1.0, x["weight"])
    key = ["new_id", "year", "indicator"]
    agg = x.groupby(key, sort=True).agg(
        num=("_num", "sum"), den=("_den", "sum"), n=("old_id", "nunique"), rule=("_rule", "first")
    )
    # completeness: which old units were expected in each new unit-year
    if windows:
        expected = allp.groupby(["new_id", "year"])["old_id"].nunique()
        # allp holds only units present in the data; count the valid rows of the crosswalk
        yrs = ind[["year"]].drop_duplicates()
        cwy = yrs.merge(cw, how="cross")
        ok = (cwy["valid_from"].isna() | (cwy["year"] >= cwy["valid_from"])) & (
            cwy["valid_to"].isna() | (cwy["year"] <= cwy["valid_to"])
        )
        exp_cw = cwy[ok.to_numpy()].groupby(["new_id", "year"])["old_id"].nunique()
        expected = exp_cw.combine(expected, max, fill_value=0)
    else:
        expected = allp.groupby(["new_id", "year"])["old_id"].nunique()
    agg = agg.join(expected.rename("expected"), on=["new_id", "year"])
    incomplete = agg["n"] < agg["expected"]
    dropped = agg[incomplete].reset_index()[key + ["n", "expected"]]
    if len(dropped):
        listed = "; ".join(
            f"{r.new_id} {r.year} {r.indicator} ({r.n} of {r.expected} old units)"
            for r in dropped.head(10).itertuples()
        )
        if on_incomplete == "error":
            raise DataError(
                f"{len(dropped)} harmonised value(s) would be incomplete because an old unit has "
                f"no value: {listed}. Fill the gaps or pass on_incomplete='drop'."
            )
        warnings.warn(f"{len(dropped)} incomplete unit-year(s) left out: {listed}", stacklevel=2)
    agg = agg[~incomplete]
    value = np.where(agg["rule"] == "sum", agg["num"], agg["num"] / agg["den"])
    out = pd.DataFrame(
        {
            "municipality_id": agg.index.get_level_values("new_id"),
            "year": agg.index.get_level_values("year"),
            "indicator": agg.index.get_level_values("indicator"),
            "value": value,
        }
    ).astype(
        {"municipality_id": "string", "year": "Int64", "indicator": "string", "value": "float64"}
    )
    out = out.reset_index(drop=True)
    out.attrs["dropped"] = dropped
    return out


# ---------------------------------------------------------------------------------------------
# the real-data case study: districts with publicly documented audit dates
# ---------------------------------------------------------------------------------------------
#: Districts with publicly documented audit dates (facts and sources as collected for the
#: project's domain notes). ``onset_year`` is the certification year used as cohort; rows with
#: ``use = False`` have no known certification date and are left out of the case study
#: altogether (neither audited nor comparison). Where only the year is known, the date is set to
#: 1 July of that year (``date_precision = "year"``). Start dates are not documented: the audit
#: rows carry the certification date as start date, so only ``onset = "certification"`` is
#: meaningful for this study.
PUBLIC_DISTRICT_AUDITS: tuple[dict[str, Any], ...] = (
    {
        "municipality_id": "05111",
        "name": "Düsseldorf",
        "certification_date": "2010-07-01",
        "date_precision": "day",
        "onset_year": 2010,
        "use": True,
        "fact": "pilot, certified 1 Jul 2010",
        "source": "artikel-presse.de (pilot list)",
    },
    {
        "municipality_id": "16052",
        "name": "Gera",
        "certification_date": "2015-06-12",
        "date_precision": "day",
        "onset_year": 2015,
        "use": True,
        "fact": "certified 12 Jun 2015; new cycle started 8 May 2019",
        "source": "gera.de; studiogera.de",
    },
    {
        "municipality_id": "16065",
        "name": "Kyffhäuserkreis",
        "certification_date": "2015-07-01",
        "date_precision": "year",
        "onset_year": 2015,
        "use": True,
        "fact": "first certified 2015, re-certified Oct 2020",
        "source": "thueringer-allgemeine.de",
    },
    {
        "municipality_id": "03459",
        "name": "Landkreis Osnabrück",
        "certification_date": "2017-09-27",
        "date_precision": "day",
        "onset_year": 2017,
        "use": True,
        "fact": "certified 27 Sep 2017",
        "source": "familiengerechte-kommune.de",
    },
    {
        "municipality_id": "05758",
        "name": "Kreis Herford",
        "certification_date": "2021-07-05",
        "date_precision": "day",
        "onset_year": 2021,
        "use": True,
        "fact": "first certified, handover 5 Jul 2021",
        "source": "familiengerechte-kommune.de",
    },
    {
        "municipality_id": "16077",
        "name": "Altenburger Land",
        "certification_date": None,
        "date_precision": "unknown",
        "onset_year": None,
        "use": False,
        "fact": "Kreistag decision Oct 2013, audit from end of 2013; certification date not found",
        "source": "altenburgerland.de",
    },
    {
        "municipality_id": "06636",
        "name": "Werra-Meißner-Kreis",
        "certification_date": None,
        "date_precision": "unknown",
        "onset_year": None,
        "use": False,
        "fact": "contract signed, audit during 2020; certification date not found",
        "source": "lokalo24.de; hna.de",
    },
    {
        "municipality_id": "16066",
        "name": "Schmalkalden-Meiningen",
        "certification_date": None,
        "date_precision": "unknown",
        "onset_year": None,
        "use": False,
        "fact": "joined the network 2019; dates not found",
        "source": "domain notes",
    },
)

#: Audited Gemeinden (8-digit AGS from the directory of 31.12.2023) and the districts that
#: contain them. Such districts are partly treated; the case study leaves them out of the
#: comparison group by default. "Neuenkirchen" names twelve Gemeinden and is not resolved.
AUDITED_MUNICIPALITIES: tuple[tuple[str, str], ...] = (
    ("05334002", "Aachen"),
    ("05334032", "Stolberg (Rhld.)"),
    ("05962004", "Altena"),
    ("05566008", "Emsdetten"),
    ("05562014", "Gladbeck"),
    ("05970024", "Kreuztal"),
    ("05974028", "Lippstadt"),
    ("05758028", "Rödinghausen"),
    ("05758016", "Hiddenhausen"),
    ("16065067", "Sondershausen"),
    ("06636003", "Eschwege"),
    ("06636016", "Witzenhausen"),
    ("10043114", "Neunkirchen (Saar)"),
    ("05558028", "Nordkirchen"),
    ("06632003", "Bebra"),
    ("05754008", "Gütersloh"),
    ("05754048", "Versmold"),
    ("05774024", "Hövelhof"),
)

# German labels of the district panel's indicators (English labels come from its codebook)
_GERDA_DE: dict[str, str] = {
    "share_65plus": "Anteil der Einwohner ab 65 Jahren",
    "median_age": "Medianalter",
    "share_foreign": "Ausländeranteil",
    "share_female": "Frauenanteil",
    "gdp_per_capita": "Bruttoinlandsprodukt je Einwohner",
    "share_primary_sector": "Anteil des primären Sektors an der Bruttowertschöpfung",
    "share_secondary_sector": "Anteil des sekundären Sektors an der Bruttowertschöpfung",
    "share_tertiary_sector": "Anteil des tertiären Sektors an der Bruttowertschöpfung",
    "share_micro_enterprises": "Anteil der Kleinstbetriebe",
    "share_large_enterprises": "Anteil der Großbetriebe",
    "unemployment_rate": "Arbeitslosenquote",
    "share_longterm_unemployed": "Anteil der Langzeitarbeitslosen",
    "youth_unemployment_rate": "Arbeitslosenquote unter 25-Jährige",
    "share_abitur": "Schulabgänger mit Hochschulreife",
    "share_no_degree": "Schulabgänger ohne Abschluss",
    "students_per_100": "Studierende je 100 Einwohner 18 bis 25 Jahre",
    "apprentices_per_100": "Auszubildende je 100 Einwohner 15 bis 25 Jahre",
    "purchasing_power": "Kaufkraft je Einwohner",
    "share_low_income_hh": "Haushalte mit niedrigem Einkommen",
    "physician_density": "Ärzte je 10.000 Einwohner",
    "hospital_beds_per_capita": "Krankenhausbetten je 1.000 Einwohner",
    "gp_density": "Hausärzte je 10.000 Einwohner",
    "childcare_u3": "Betreuungsquote Kleinkinder (unter 3 Jahre)",
    "childcare_3to6": "Betreuungsquote Vorschulkinder (3 bis 6 Jahre)",
    "building_permits_per_capita": "Baugenehmigungen je 10.000 Einwohner",
    "rent_level": "Wiedervermietungsmieten",
    "living_space_per_capita": "Wohnfläche je Einwohner",
    "cars_per_capita": "Pkw je 1.000 Einwohner",
    "municipal_debt_per_capita": "Kommunale Schulden je Einwohner",
    "tax_revenue_per_capita": "Steuerkraft je Einwohner",
}
_GERDA_RENAME = {"childcare_under3": "childcare_u3"}
_HIGHER_BETTER = {"childcare_u3": True, "childcare_3to6": True}
_LOWER_BETTER = {
    "unemployment_rate",
    "youth_unemployment_rate",
    "share_longterm_unemployed",
    "share_low_income_hh",
    "share_no_degree",
    "municipal_debt_per_capita",
}
#: Baseline covariates of the case study: values of the year before the first cohort.
CASE_STUDY_BASELINE_YEAR = 2009
CASE_STUDY_BASELINE = (
    "childcare_u3",
    "childcare_3to6",
    "share_65plus",
    "unemployment_rate",
    "share_foreign",
)


def public_district_audits() -> pd.DataFrame:
    """The table :data:`PUBLIC_DISTRICT_AUDITS` as a DataFrame."""
    df = pd.DataFrame(list(PUBLIC_DISTRICT_AUDITS))
    return df.astype({"municipality_id": "string", "name": "string", "onset_year": "Int64"})


def district_case_study(
    covariates: PathLike,
    directory: PathLike | pd.DataFrame,
    *,
    codebook: PathLike | None = None,
    exclude_partly_audited: bool = True,
):
    """The exploratory real-data case study: districts with public audit dates against the others.

    Parameters
    ----------
    covariates
        The district panel ``gerda_county_covariates_inkar_1995_2022.csv`` (400 districts in the
        boundaries of 2021, 1995-2022, INKAR indicators; column ``county_code`` and ``year``).
    directory
        The Destatis directory of 31.12.2023 (xlsx) or its district table from
        :func:`read_gemeindeverzeichnis` (``level="kreis"``); the boundaries equal those of 2021.
    codebook
        The panel's codebook (English labels and units); default: the file
        ``gerda_county_covariates_codebook.csv`` beside ``covariates``.
    exclude_partly_audited
        Leave out of the comparison group the districts that contain an audited Gemeinde
        (:data:`AUDITED_MUNICIPALITIES`): they are partly treated.

    Returns
    -------
    Study
        ``municipalities``: the districts (audited: the five with a certification date in
        :data:`PUBLIC_DISTRICT_AUDITS`; the three without one and, by default, the partly audited
        ones are left out), with baseline covariates of 2009 (``<indicator>_2009``), ``east``
        (1 for Berlin and the eastern states) and ``population_density``; ``audits`` (cycle 1,
        certification date; start date unknown, set to the certification date);
        ``indicators`` and ``indicator_catalogue`` from the panel (``childcare_under3`` renamed
        ``childcare_u3``).
    """
    from .study.model import Study

    covariates = Path(covariates)
    if not covariates.exists():
        raise DataError(f"district panel {covariates} not found")
    codebook = (
        Path(codebook)
        if codebook is not None
        else (covariates.parent / "gerda_county_covariates_codebook.csv")
    )
    panel = pd.read_csv(
        covariates, dtype={"county_code": "string"}, keep_default_na=False, na_values=[""]
    )
    panel = panel.rename(columns=_GERDA_RENAME)
    ind = indicators_from_wide(panel, id_column="county_code", year_column="year")
    # catalogue
    names = sorted(set(ind["indicator"]))
    en: dict[str, tuple[str, str]] = {}
    if codebook.exists():
        cb = pd.read_csv(codebook, dtype="string", keep_default_na=False)
        for r in cb.itertuples():
            code = _GERDA_RENAME.get(r.variable, r.variable)
            en[code] = (r.label, "%" if r.unit == "percent" else r.unit)
    cat = pd.DataFrame(
        {
            "indicator": names,
            "label_de": [_GERDA_DE.get(n, n) for n in names],
            "label_en": [en.get(n, (n, ""))[0] for n in names],
            "unit": [en.get(n, ("", UNKNOWN_UNIT))[1] or UNKNOWN_UNIT for n in names],
            "source": "INKAR (BBSR Bonn), district panel of the GERDA project",
            "higher_is_better": pd.array(
                [
                    True if n in _HIGHER_BETTER else False if n in _LOWER_BETTER else None
                    for n in names
                ],
                dtype="boolean",
            ),
            "aggregation": "weighted_mean",
        }
    )
    # districts
    if isinstance(directory, pd.DataFrame):
        districts = directory[directory["level"] != "gemeinde"].copy()
    else:
        districts = read_gemeindeverzeichnis(directory, level="kreis")
    audits_public = public_district_audits()
    used = audits_public[audits_public["use"]]
    left_out = set(audits_public.loc[~audits_public["use"], "municipality_id"])
    partly = {ags[:5] for ags, _ in AUDITED_MUNICIPALITIES} - set(audits_public["municipality_id"])
    drop = left_out | (partly if exclude_partly_audited else set())
    districts = districts[~districts["municipality_id"].isin(drop)].copy()
    districts["group"] = mark_audited(districts["municipality_id"], used["municipality_id"])
    missing_units = sorted(set(districts["municipality_id"]) - set(ind["municipality_id"]))
    if missing_units:
        raise DataError(
            f"{len(missing_units)} district(s) of the directory are not in the panel: "
            f"{', '.join(missing_units[:10])}; use the directory of 2021 or later"
        )
    ind = ind[ind["municipality_id"].isin(set(districts["municipality_id"]))]
    base = ind[
        (ind["year"] == CASE_STUDY_BASELINE_YEAR) & ind["indicator"].isin(CASE_STUDY_BASELINE)
    ]
    base = base.pivot(index="municipality_id", columns="indicator", values="value")
    base.columns = [f"{c}_{CASE_STUDY_BASELINE_YEAR}" for c in base.columns]
    districts = districts.join(base, on="municipality_id")
    districts["east"] = (districts["state"].astype(int) >= 11).astype("int64")
    districts["population_density"] = (
        districts["population"].astype("float64") / districts["area_km2"]
    )
    audits = pd.DataFrame(
        {
            "audit_id": used["municipality_id"] + "-1",
            "municipality_id": used["municipality_id"],
            "cycle": 1,
            "start_date": used["certification_date"],
            "certification_date": used["certification_date"],
        }
    )
    return Study(
        municipalities=districts.reset_index(drop=True),
        audits=audits.reset_index(drop=True),
        indicators=ind.reset_index(drop=True),
        indicator_catalogue=cat,
    )
