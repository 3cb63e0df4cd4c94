"""Official statistics into a study: the municipalities table from the directory, indicators
from INKAR, with the rules that keep a study whole.

Each function takes a study (or None for a new one) and returns the updated study and notes,
and never changes its input: nothing is replaced unless ``replace=True``; indicators keep only
the study's units; an export at the level of INKAR "Kreisregionen" is checked for kreisfreie
Städte that have no row of their own. The command line ``audit-eval import`` calls these
functions and prints their notes; in a notebook::

    study, notes = ev.ingest.set_municipalities(None, "31122023_Auszug_GV.xlsx",
                                                audited=["05111", "16052"])
    study, notes = ev.ingest.add_indicators(study, ev.read_inkar("geborene.csv"))

The notes are sentences in English, as every message of the data layer (the reports are the
place of the configured language).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError, OptionError
from ..options import UnitLevel, check_option
from ..study.model import Study
from ._numbers import PathLike, normalise_codes, read_codes
from .gemeindeverzeichnis import mark_audited, read_gemeindeverzeichnis
from .inkar import InkarData

#: At most this many codes are listed in one note.
MAX_LISTED = 15


def guess_unit_level(codes: Iterable[str] | None) -> UnitLevel:
    """The administrative level that audited codes call for: ``"kreis"`` when every code has 5
    digits, ``"all"`` when there are codes of 5 and of 8 digits, else ``"gemeinde"`` (also when
    there are no codes)."""
    lengths = {len(str(c)) for c in codes} if codes is not None else set()
    if lengths == {5}:
        return "kreis"
    if lengths == {5, 8}:
        return "all"
    return "gemeinde"


def set_municipalities(
    study: Study | None,
    directory: PathLike | pd.DataFrame,
    *,
    audited: Iterable[str] | PathLike | None = None,
    unit_level: UnitLevel | None = None,
    replace: bool = False,
) -> tuple[Study, list[str]]:
    """The study with its municipalities table taken from a Destatis directory.

    Parameters
    ----------
    study
        The study to update, or None for a new one.
    directory
        The directory spreadsheet ("Auszug GV" xlsx, see :func:`read_gemeindeverzeichnis`), or
        a municipalities table read from one.
    audited
        The codes of the audited units (all others are comparison units): a list of codes, or
        the path of a file with one code per line (or a CSV with a column
        ``municipality_id``, see :func:`read_codes`).
    unit_level
        ``"gemeinde"``, ``"kreis"`` or ``"all"``; default: the level of the audited codes
        (:func:`guess_unit_level`).
    replace
        Replace a municipalities table the study already has.

    Returns
    -------
    tuple
        The new study (the other tables as they were) and notes: first what was imported,
        then what to know about it.

    Raises
    ------
    DataError
        The study has a municipalities table and ``replace`` is false; an audited code is not
        in the directory (at the chosen level); the directory cannot be read.
    """
    _check_replace(replace)
    codes: pd.Series | None = None
    if isinstance(audited, str | Path):
        codes = read_codes(audited)
    elif audited is not None:
        codes, _ = normalise_codes(audited, source="audited codes")
    level = guess_unit_level(codes) if unit_level is None else unit_level
    check_option("unit_level", level, UnitLevel)
    if study is not None and len(study.municipalities) and not replace:
        raise DataError(
            f"the study already has a municipalities table ({len(study.municipalities):,} "
            "rows); pass replace=True (command line: --force) to replace it"
        )
    if isinstance(directory, pd.DataFrame):
        munis = _from_table(directory, level, codes)
        source = str(directory.attrs.get("source") or "the table given")
    else:
        munis = read_gemeindeverzeichnis(directory, unit_level=level, audited=codes)
        source = Path(directory).name
    n_aud = int((munis["group"] == "audited").sum())
    notes = [
        f"Imported {len(munis):,} units (level {level}; {n_aud} audited) from {source}, "
        f"territorial state {munis.attrs.get('reference_date')}, population "
        f"{munis.attrs.get('population_date')}"
    ]
    if munis.attrs.get("unincorporated"):
        notes.append(
            f"{munis.attrs['unincorporated']} unincorporated area(s) (gemeindefreie Gebiete) "
            "counted in their district, not listed as Gemeinden"
        )
    return _with(study, municipalities=munis), notes


def _from_table(table: pd.DataFrame, level: str, audited: pd.Series | None) -> pd.DataFrame:
    """A municipalities table given as a frame, at the chosen level, with the audited units
    marked (when codes are given)."""
    if "municipality_id" not in table.columns or "level" not in table.columns:
        raise DataError(
            "the municipalities table needs the columns municipality_id and level (read it "
            "with read_gemeindeverzeichnis)"
        )
    keep = {"gemeinde": ["gemeinde"], "kreis": ["kreis", "kreisfreie_stadt"]}.get(level)
    out = table if keep is None else table[table["level"].isin(keep)]
    out = out.reset_index(drop=True)
    if audited is not None or "group" not in out.columns:
        out["group"] = mark_audited(out["municipality_id"], audited)
    out.attrs = dict(table.attrs)
    return out


def add_indicators(
    study: Study | None, data: InkarData, *, replace: bool = False
) -> tuple[Study, list[str]]:
    """The study with indicators added from an export (e.g. :func:`read_inkar`).

    Only the values of the study's units are kept, with the catalogue rows of their
    indicators.

    Parameters
    ----------
    study
        A study with its municipalities table.
    data
        What :func:`read_inkar` read (``indicators``, ``catalogue``, ``units`` and ``notes``).
    replace
        Replace indicators the study already holds (their values and catalogue rows); without
        it such a clash is an error.

    Returns
    -------
    tuple
        The new study and notes: first what was imported (and replaced), then the notes of the
        export, a warning when kreisfreie Städte of the study have no row of their own in a
        Kreisregionen export, and how many units were left out or have no value.

    Raises
    ------
    DataError
        The study has no municipalities table; no unit of the export is in the study; the study
        holds an indicator of the export and ``replace`` is false.
    """
    _check_replace(replace)
    if study is None or study.municipalities.empty:
        raise DataError(
            "the study has no municipalities table yet; import the directory first "
            "(set_municipalities; command line: audit-eval import gemeindeverzeichnis)"
        )
    ids = set(study.municipalities["municipality_id"])
    ind = data.indicators
    inside = ind["municipality_id"].isin(ids)
    export_units = set(ind["municipality_id"])
    if not inside.any():
        raise DataError(
            f"none of the {len(export_units)} units of the export is in the study's "
            "municipalities table: is the export at the same level (Kreise: 5-digit codes, "
            "Gemeinden: 8 digits) as the study?"
        )
    ind = ind[inside]
    cat = data.catalogue[data.catalogue["indicator"].isin(set(ind["indicator"]))]
    old_ind, old_cat = study.indicators, study.indicator_catalogue
    clash = sorted(set(cat["indicator"]) & (set(old_ind["indicator"]) | set(old_cat["indicator"])))
    if clash and not replace:
        raise DataError(
            f"the study already holds the indicator(s) {', '.join(clash)}; pass replace=True "
            "(command line: --force) to replace them"
        )
    ind_all = pd.concat([old_ind[~old_ind["indicator"].isin(clash)], ind], ignore_index=True)
    cat_all = pd.concat([old_cat[~old_cat["indicator"].isin(clash)], cat], ignore_index=True)
    notes = [
        f"Imported {len(ind):,} values of {cat['indicator'].nunique()} indicator(s) "
        f"({', '.join(cat['indicator'])})" + (f", replacing {', '.join(clash)}" if clash else "")
    ]
    notes += [f"note: {n}" for n in getattr(data, "notes", [])]
    units = getattr(data, "units", None)
    if units is not None:
        notes += kreisregionen_gaps(study.municipalities, units)
    left_out = export_units - ids
    if left_out:
        notes.append(
            f"{len(left_out):,} unit(s) of the export are not in the study and were left out"
        )
    missing = ids - export_units
    if missing:
        notes.append(f"{len(missing):,} unit(s) of the study have no value in the export")
    return _with(study, indicators=ind_all, indicator_catalogue=cat_all), notes


def kreisregionen_gaps(municipalities: pd.DataFrame, units: pd.DataFrame) -> list[str]:
    """A warning (as a one-item list; empty when there is none) when an export at the level of
    INKAR "Kreisregionen" has no row for kreisfreie Städte of the study in the area it covers:
    they were merged into a neighbouring region.

    The area of the export is the set of Regierungsbezirke (the first three digits of the
    codes) of its units.
    """
    if "aggregate" not in units.columns:
        return []
    if not units["aggregate"].astype("string").str.casefold().eq("kreisregionen").any():
        return []
    covered = set(units["municipality_id"].astype("string").str.slice(0, 3))
    m = municipalities
    cities = m.loc[m["level"] == "kreisfreie_stadt", "municipality_id"].astype("string")
    cities = set(cities[cities.str.slice(0, 3).isin(covered)])
    absent = sorted(cities - set(units["municipality_id"]))
    if not absent:
        return []
    return [
        f"warning: {len(absent)} kreisfreie Stadt/Städte of the study in the area of this "
        "Kreisregionen export have no row of their own (merged into a neighbouring region): "
        + ", ".join(absent[:MAX_LISTED])
        + (" ..." if len(absent) > MAX_LISTED else "")
    ]


def _check_replace(replace: Any) -> None:
    if not isinstance(replace, bool):
        raise OptionError(f"replace must be True or False, got {replace!r}")


def _with(study: Study | None, **tables: Any) -> Study:
    """A new study of ``study``'s tables with ``tables`` replaced."""
    current = dict(study.tables) if study is not None else {}
    current.update(tables)
    return Study(**current)
