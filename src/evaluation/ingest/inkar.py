"""INKAR (BBSR) web exports into the study's ``indicators`` table and catalogue rows.

An export is ``;``-separated with a decimal comma, one header row of indicator names and one of
years. Units that are not official districts (merged "Kreisregionen" such as "Kreis u. Stadt
Landshut") are reported, never silently mapped.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, DataWarning
from ..options import MergedPolicy, check_option
from ..study import schema
from ..study.coerce import coerce_table
from ..study.encoding import decode_bytes
from ..study.problems import format_problems
from ..study.read import read_table_file
from ._numbers import PathLike, normalise_codes, parse_numbers, read_input

_CATALOGUE_COLUMNS = [f.name for f in schema.INDICATOR_CATALOGUE.fields]
#: columns of the catalogue that a user's rows may leave out (the impact logic; empty then)
_OPTIONAL_CATALOGUE = frozenset({"action_field", "expected_direction", "expected_lag"})
_INDICATOR_COLUMNS = [f.name for f in schema.INDICATORS.fields]


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


def _slug(name: str) -> str:
    s = name.casefold().replace("ß", "ss")
    s = s.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return s or "indicator"


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
    if not path.exists():
        raise DataError(f"INKAR file {path} not found")
    raw = read_input(path, "INKAR file")
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


def _value_columns(
    path: Path, rows: list[tuple[int, list[str]]], sep: str
) -> tuple[int, int | None, int | None, int, list[tuple[int, str, int]]]:
    """The two header rows: the columns of the unit code, name and level, the width, and
    (column, indicator name, year) of every value column."""
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
        cell = years[j].strip() if j < len(years) else ""
        if not nm and not cell:
            continue  # trailing separator
        nm = nm or last_name
        last_name = nm
        if not _YEAR.match(cell):
            raise DataError(
                f"{path.name}, line {ln1}, column {j + 1} ({nm!r}): expected a year in the second "
                f"header row, found {cell!r}"
            )
        value_cols.append((j, nm, int(cell)))
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
    return i_code, i_name, i_agg, width, value_cols


def _data_rows(
    path: Path, rows: list[tuple[int, list[str]]], i_code: int, notes: list[str]
) -> list[tuple[int, list[str]]]:
    """The data rows below the header; trailing lines without a code are a footer (source
    note, copyright) and are skipped with a note."""
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
    return data[: last + 1]


def _code_length(path: Path, aggregate: set[str]) -> int | None:
    """The length of the codes at the export's spatial level (5: Kreise, 8: Gemeinden)."""
    if aggregate and all(a.casefold().startswith("kreis") for a in aggregate):
        return 5
    if aggregate and all(a.casefold() == "gemeinden" for a in aggregate):
        return 8
    if aggregate:
        raise DataError(
            f"{path.name}: spatial level {sorted(aggregate)} is not supported; export INKAR data "
            "at the level 'Kreise' or 'Gemeinden' (units with official codes)"
        )
    return None


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
    i_code, i_name, i_agg, width, value_cols = _value_columns(path, rows, sep)
    data = _data_rows(path, rows, i_code, notes)
    need = max(j for j, _, _ in value_cols) + 1
    for ln, r in data:
        if len(r) < need or any(c.strip() for c in r[width:]):
            raise DataError(f"{path.name}, line {ln}: {len(r)} fields, but the header has {width}")
    lines = np.array([ln for ln, _ in data])
    raw_codes = [r[i_code] for _, r in data]
    agg = [r[i_agg].strip() for _, r in data] if i_agg is not None else [""] * len(data)
    unit_names = [r[i_name].strip() for _, r in data] if i_name is not None else [""] * len(data)
    length = _code_length(path, {a for a in agg if a})
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
    catalogue: pd.DataFrame | PathLike | None = None,
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
        ones for the same indicator codes: a DataFrame, or the path of a CSV file with those
        columns (read and typed as a study table, see :func:`read_catalogue`).
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
    check_option("merged", merged, MergedPolicy)
    inputs = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not inputs:
        raise ValueError("read_inkar needs at least one file")
    if catalogue is not None and not isinstance(catalogue, pd.DataFrame):
        catalogue = read_catalogue(catalogue)
    longs, unit_frames, notes = [], [], []
    for p in inputs:
        long, units, n = _read_one_inkar(p, sep, decimal, thousands, encoding)
        long["file"] = p.name
        longs.append(long)
        unit_frames.append(units)
        notes += n
    long = pd.concat(longs, ignore_index=True)
    units = pd.concat(unit_frames, ignore_index=True)
    cat, code_of = _catalogue(long, codes, catalogue, notes)
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
    units, merged_ids = _merged_regions(units, merged, notes)
    long = long[~long["municipality_id"].isin(merged_ids)]
    indicators = (
        long[_INDICATOR_COLUMNS]
        .sort_values(key, kind="stable")
        .reset_index(drop=True)
        .astype({"municipality_id": "string", "year": "Int64", "indicator": "string"})
    )
    return InkarData(indicators, cat.reset_index(drop=True), units.reset_index(drop=True), notes)


def _catalogue(
    long: pd.DataFrame,
    codes: Mapping[str, str] | None,
    catalogue: pd.DataFrame | None,
    notes: list[str],
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The catalogue rows of the exports' indicators (built-in where the name is known, the
    user's rows replacing them) and the code of each German name."""
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
        missing_cols = set(_CATALOGUE_COLUMNS) - set(catalogue.columns) - _OPTIONAL_CATALOGUE
        if missing_cols:
            raise DataError(f"catalogue lacks the column(s) {sorted(missing_cols)}")
        user = catalogue.reindex(columns=_CATALOGUE_COLUMNS)
        cat = pd.concat(
            [
                cat[~cat["indicator"].isin(user["indicator"])],
                user[user["indicator"].isin(cat["indicator"])],
            ],
            ignore_index=True,
        )
    return cat, {r["label_de"]: r["indicator"] for r in rows}


def _merged_regions(
    units: pd.DataFrame, merged: str, notes: list[str]
) -> tuple[pd.DataFrame, set[str]]:
    """Every unit with its ``status`` (merged regions of a Kreisregionen export are recognised
    by their name), and the codes whose values are left out (``merged="drop"``)."""
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
    if not len(bad):
        return units, set()
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
        notes.append(f"{len(bad)} merged region(s) left out: {listed}")
        return units, set(bad["municipality_id"])
    notes.append(f"{len(bad)} merged region(s) kept under their code: {listed}")
    return units, set()


def read_catalogue(path: PathLike) -> pd.DataFrame:
    """Read catalogue rows from a CSV file with the columns of the ``indicator_catalogue``
    table (indicator, label_de, label_en, unit, source, higher_is_better, aggregation), read
    and typed as a study table is.

    Raises
    ------
    DataError
        The file does not exist, or a row or cell is not of its type (every problem listed
        with row and field).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"catalogue file {path} not found")
    raw, problems = read_table_file(path, schema.INDICATOR_CATALOGUE, {})
    catalogue = None
    if raw is not None:
        catalogue, more = coerce_table(schema.INDICATOR_CATALOGUE, raw)
        problems += more
    if catalogue is None or any(p.severity == "error" for p in problems):
        raise DataError(format_problems(problems))
    return catalogue


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
            DataWarning,
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
