"""The Destatis municipality directory (GV-ISys "Auszug GV" xlsx, old and current layout) into
a ``municipalities`` table of Gemeinden and districts."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import codes
from ..errors import DataError
from ..options import UnitLevel, check_option
from ..study import schema
from ._numbers import PathLike, check_regular, check_xlsx_archive, normalise_codes, parse_numbers

#: deprecated alias of :data:`evaluation.options.UnitLevel`
Level = UnitLevel

_MUNICIPALITY_COLUMNS = [f.name for f in schema.MUNICIPALITIES.fields]


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


def read_gemeindeverzeichnis(
    path: PathLike,
    *,
    unit_level: UnitLevel = "all",
    audited: Iterable[str] | None = None,
    level: UnitLevel | None = None,
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
    path
        The directory spreadsheet (xlsx).
    unit_level
        The administrative level of the units to keep: ``"gemeinde"``, ``"kreis"`` (districts:
        Kreise and kreisfreie Städte) or ``"all"`` (default).
    audited
        Codes of audited units: they get ``group = "audited"``, all others ``"comparison"``.
        Codes not in the directory are an error.
    level
        Deprecated name of ``unit_level`` (``level`` is the confidence level everywhere else).

    Returns
    -------
    DataFrame
        Columns of the ``municipalities`` table; ``attrs`` holds ``reference_date``
        (Gebietsstand), ``population_date``, ``source`` and ``unincorporated`` (the number of
        unincorporated areas).
    """
    import openpyxl

    if level is not None:
        warnings.warn(
            "read_gemeindeverzeichnis(level=...) is deprecated: use unit_level=... (level is "
            "the confidence level everywhere else in the package)",
            DeprecationWarning,
            stacklevel=2,
        )
        unit_level = level
    check_option("unit_level", unit_level, UnitLevel)
    path = Path(path)
    if not path.exists():
        raise DataError(f"directory file {path} not found")
    check_regular(path, "directory file")
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
    g, d = _gemeinden_and_districts(rows, h, cols, sheet, path.name)
    out, n_unincorporated = _units(g, d, unit_level, sheet)
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
            "unincorporated": n_unincorporated,
        }
    )
    return out


def _gemeinden_and_districts(
    rows: list[tuple], h: int, cols: dict[str, int], sheet: str, fname: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of Satzart 60 (Gemeinden: code, district, name, Textkennzeichen, population,
    area, urbanisation, line) and 40 (districts: code, name, Textkennzeichen, line)."""
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
        raise DataError(f"sheet {sheet!r} of {fname} has no rows of Satzart 40 or 60")
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
    dups = g["ags"][g["ags"].duplicated()]
    if len(dups):
        raise DataError(f"sheet {sheet!r}: Gemeinde code {dups.iloc[0]} appears twice")
    d = pd.DataFrame(
        {"district": district[~is60], "name": name[~is60], "tk": tk[~is60], "line": lines[~is60]}
    )
    return g, d


def _units(
    g: pd.DataFrame, d: pd.DataFrame, unit_level: str, sheet: str
) -> tuple[pd.DataFrame, int]:
    """The units of the chosen level (districts with population and area summed over all their
    Gemeinde rows) and the number of unincorporated areas."""
    if g["tk"].ne("").any():
        unincorporated = g["tk"].isin(["65", "66"])
    else:
        unincorporated = g["name"].str.contains(r"gemfr|gemeindefrei", case=False, regex=True)
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
    if unit_level in ("gemeinde", "all"):
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
    if unit_level in ("kreis", "all"):
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
    return out, int(unincorporated.sum())
