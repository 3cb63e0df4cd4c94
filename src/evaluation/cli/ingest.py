"""Subcommand ``import``: official statistics into a study folder.

``audit-eval import gemeindeverzeichnis FILE --study DIR [--audited CODES_FILE]`` creates (or,
with ``--force``, replaces) the municipalities table from a Destatis directory;
``audit-eval import inkar FILES... --study DIR`` adds INKAR indicators and their catalogue rows.
Both validate the whole study before writing anything, and never replace existing data without
``--force``. A new study folder is written beside its place and moved there at the end; an
existing one is updated table by table (each file replaced at once), while a lock file beside
the folder keeps a second import out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..errors import DataError, EvaluationError, StudyValidationError
from ..report.output import OutputExistsError
from ..study.problems import format_problems
from . import need_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import official statistics (Gemeindeverzeichnis, INKAR) into a study folder",
        description="Import official statistics into a study folder. Start with the directory "
        "(the universe of units), then add indicators.",
    )
    isub = p.add_subparsers(dest="source", metavar="SOURCE")
    isub.required = True

    g = isub.add_parser(
        "gemeindeverzeichnis",
        help="municipalities table from a Destatis 'Auszug GV' spreadsheet",
        description="Create the municipalities table of a study from a Destatis "
        "municipality directory (GV-ISys 'Auszug GV' xlsx, old or current layout). Units listed "
        "in --audited are marked audited, all others comparison.",
    )
    g.add_argument("file", type=Path, help="the directory spreadsheet (xlsx)")
    g.add_argument("--study", type=Path, required=True, help="study folder (created if new)")
    g.add_argument(
        "--audited",
        type=Path,
        help="file with the codes of audited units, one per line (or a CSV with a column "
        "municipality_id)",
    )
    g.add_argument(
        "--level",
        choices=["gemeinde", "kreis", "all"],
        help="units to import: Gemeinden, districts (Kreise and kreisfreie Städte) or both; "
        "default: the level of the audited codes (8 digits: gemeinde, 5: kreis), else gemeinde",
    )
    g.add_argument("--force", action="store_true", help="replace an existing municipalities table")
    g.set_defaults(func=_locked(cmd_gemeindeverzeichnis))

    i = isub.add_parser(
        "inkar",
        help="indicators from INKAR (BBSR) CSV exports",
        description="Add indicators from INKAR CSV exports (';', decimal comma) to a study "
        "that already has its municipalities table. Only units of the study are kept.",
    )
    i.add_argument("files", type=Path, nargs="+", help="one or more INKAR exports (CSV)")
    i.add_argument("--study", type=Path, required=True, help="existing study folder")
    i.add_argument(
        "--merged",
        choices=["error", "drop", "keep"],
        default="error",
        help="merged regions (INKAR Kreisregionen such as 'Kreis u. Stadt Landshut'): stop "
        "(default), leave them out, or keep them under their code",
    )
    i.add_argument(
        "--catalogue",
        type=Path,
        help="CSV with catalogue rows (indicator, label_de, label_en, unit, source, "
        "higher_is_better, aggregation) for the indicators; replaces the built-in rows",
    )
    i.add_argument(
        "--code",
        action="append",
        default=[],
        metavar="NAME=CODE",
        help="indicator code for a German indicator name of the export, e.g. "
        "'Einwohner=residents' (repeatable)",
    )
    i.add_argument(
        "--force",
        action="store_true",
        help="replace indicators that the study already holds (rows and catalogue entries)",
    )
    i.set_defaults(func=_locked(cmd_inkar))


def _existing(folder: Path):
    from ..study.model import load_study

    if not (folder / "datapackage.json").exists():
        return None
    return load_study(folder, validate=False)


def _check_folder(folder: Path) -> None:
    """The study folder must be new, empty or a study (never another folder of the user)."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise OutputExistsError(f"{folder} exists and is not a folder; give a study folder")
    if folder.is_dir() and not (folder / "datapackage.json").exists() and any(folder.iterdir()):
        raise OutputExistsError(
            f"{folder} is not empty and is not a study folder (no datapackage.json); give a "
            "new folder or an existing study"
        )


def _save(study, folder: Path) -> list:
    """Validate the complete study, then write it; nothing is written if it is invalid."""
    from ..report.output import atomic_folder, output_error
    from ..study.write import save_study

    problems = study.problems()
    if any(p.severity == "error" for p in problems):
        raise EvaluationError(
            "the imported study would not be valid, nothing was written:\n"
            + format_problems(problems)
        )
    _check_folder(folder)
    if not (folder / "datapackage.json").exists():
        if folder.is_dir():
            folder.rmdir()  # empty (checked above)
        with atomic_folder(folder, kind="study", lock=False, marker=False) as tmp:
            save_study(study, tmp)
        return problems
    # keep the format of an existing study folder
    fmt = "parquet" if (folder / "municipalities.parquet").exists() else "csv"
    try:
        save_study(study, folder, format=fmt, overwrite=True)
    except OSError as exc:
        raise output_error(exc, folder, exc.filename) from None
    return problems


def _with(study, **tables: pd.DataFrame):
    from ..study.model import Study

    current = dict(study.tables) if study is not None else {}
    current.update(tables)
    return Study(**current)


def _report(folder: Path) -> None:
    from ..study.model import load_study
    from .study import study_summary

    try:
        loaded = load_study(folder)
    except StudyValidationError as exc:  # pragma: no cover - _save validated already
        raise EvaluationError(format_problems(exc.problems)) from None
    print(study_summary(loaded, loaded.problems()))


def _locked(cmd):
    """Run an import holding the lock of its study folder (one import at a time)."""

    def run(args: argparse.Namespace) -> int:
        from ..report.output import output_lock

        _check_folder(args.study)
        with output_lock(args.study):
            return cmd(args)

    run.__doc__ = cmd.__doc__
    return run


def cmd_gemeindeverzeichnis(args: argparse.Namespace) -> int:
    from ..ingest import read_codes, read_gemeindeverzeichnis

    need_path(args.file, "directory file", folder=False)
    if args.audited is not None:
        need_path(args.audited, "file of audited codes", folder=False)
    audited = read_codes(args.audited) if args.audited is not None else None
    level = args.level
    if level is None:
        lengths = set(audited.str.len()) if audited is not None else set()
        level = "kreis" if lengths == {5} else "all" if lengths == {5, 8} else "gemeinde"
    study = _existing(args.study)
    if study is not None and len(study.municipalities) and not args.force:
        raise EvaluationError(
            f"{args.study} already has a municipalities table ({len(study.municipalities):,} "
            "rows); pass --force to replace it"
        )
    munis = read_gemeindeverzeichnis(args.file, level=level, audited=audited)
    new = _with(study, municipalities=munis)
    _save(new, args.study)
    n_aud = int((munis["group"] == "audited").sum())
    print(
        f"Imported {len(munis):,} units (level {level}; {n_aud} audited) from {args.file.name}, "
        f"territorial state {munis.attrs.get('reference_date')}, population "
        f"{munis.attrs.get('population_date')}"
    )
    if munis.attrs.get("unincorporated"):
        print(
            f"  {munis.attrs['unincorporated']} unincorporated area(s) (gemeindefreie Gebiete) "
            "counted in their district, not listed as Gemeinden"
        )
    _report(args.study)
    return 0


def cmd_inkar(args: argparse.Namespace) -> int:
    from ..ingest import read_inkar

    for f in args.files:
        need_path(f, "INKAR export", folder=False)
    study = _existing(args.study)
    if study is None or study.municipalities.empty:
        raise EvaluationError(
            f"{args.study} has no municipalities table yet; import the directory first: "
            f"audit-eval import gemeindeverzeichnis FILE --study {args.study}"
        )
    names = {}
    for item in args.code:
        name, sep, code = item.partition("=")
        if not sep or not name.strip() or not code.strip():
            raise EvaluationError(f"--code {item!r}: write NAME=CODE, e.g. 'Einwohner=residents'")
        names[name.strip()] = code.strip()
    catalogue = None
    if args.catalogue is not None:
        from ..study.coerce import coerce_table
        from ..study.read import read_table_file
        from ..study.schema import INDICATOR_CATALOGUE

        if not args.catalogue.exists():
            raise EvaluationError(f"catalogue file {args.catalogue} not found")
        raw, problems = read_table_file(args.catalogue, INDICATOR_CATALOGUE, {})
        if raw is not None:
            catalogue, more = coerce_table(INDICATOR_CATALOGUE, raw)
            problems += more
        if any(p.severity == "error" for p in problems):
            raise EvaluationError(format_problems(problems))
    data = read_inkar(args.files, merged=args.merged, codes=names, catalogue=catalogue)
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
    if clash and not args.force:
        raise EvaluationError(
            f"the study already holds the indicator(s) {', '.join(clash)}; pass --force to "
            "replace them"
        )
    ind_all = pd.concat([old_ind[~old_ind["indicator"].isin(clash)], ind], ignore_index=True)
    cat_all = pd.concat([old_cat[~old_cat["indicator"].isin(clash)], cat], ignore_index=True)
    new = _with(study, indicators=ind_all, indicator_catalogue=cat_all)
    _save(new, args.study)
    for note in data.notes:
        print(f"  note: {note}")
    if data.units["aggregate"].str.casefold().eq("kreisregionen").any():
        m = study.municipalities
        covered = set(data.units["municipality_id"].str.slice(0, 3))  # state + Regierungsbezirk
        cities = m.loc[m["level"] == "kreisfreie_stadt", "municipality_id"]
        cities = set(cities[cities.str.slice(0, 3).isin(covered)])
        absent = sorted(cities - set(data.units["municipality_id"]))
        if absent:
            print(
                f"  warning: {len(absent)} kreisfreie Stadt/Städte of the study in the area of "
                "this Kreisregionen export have no row of their own (merged into a neighbouring "
                f"region): {', '.join(absent[:15])}" + (" ..." if len(absent) > 15 else "")
            )
    left_out = export_units - ids
    if left_out:
        print(f"  {len(left_out):,} unit(s) of the export are not in the study and were left out")
    missing = ids - export_units
    if missing:
        print(f"  {len(missing):,} unit(s) of the study have no value in the export")
    print(
        f"Imported {len(ind):,} values of {cat['indicator'].nunique()} indicator(s) "
        f"({', '.join(cat['indicator'])})" + (f", replacing {', '.join(clash)}" if clash else "")
    )
    _report(args.study)
    return 0
