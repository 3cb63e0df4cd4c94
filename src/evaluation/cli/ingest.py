"""Subcommand ``import``: official statistics into a study folder.

``audit-eval import gemeindeverzeichnis FILE --study DIR [--audited CODES_FILE]`` creates (or,
with ``--force``, replaces) the municipalities table from a Destatis directory
(:func:`evaluation.ingest.set_municipalities`); ``audit-eval import inkar FILES... --study DIR``
adds INKAR indicators and their catalogue rows (:func:`evaluation.ingest.add_indicators`). The
handlers call those functions and print their notes; they only read and write the folder. Both
validate the whole study before writing anything, and never replace existing data without
``--force``. A new study folder is written beside its place and moved there at the end; an
existing one is updated table by table (each file replaced at once), while a lock file beside
the folder keeps a second import out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import EvaluationError, StudyValidationError
from ..options import MergedPolicy, TableFormat, UnitLevel, choices
from ..report.output import OutputExistsError
from ..study.problems import format_problems
from . import need_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``import`` with its sources ``gemeindeverzeichnis`` and ``inkar``."""
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
        "--unit-level",
        "--level",
        dest="unit_level",
        choices=choices(UnitLevel),
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
        choices=choices(MergedPolicy),
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
        type=_name_code,
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
    fmt: TableFormat = "parquet" if (folder / "municipalities.parquet").exists() else "csv"
    try:
        save_study(study, folder, format=fmt, overwrite=True)
    except OSError as exc:
        raise output_error(exc, folder, exc.filename) from None
    return problems


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
    """``import gemeindeverzeichnis``: :func:`evaluation.ingest.set_municipalities`."""
    from ..ingest import set_municipalities

    need_path(args.file, "directory file", folder=False)
    if args.audited is not None:
        need_path(args.audited, "file of audited codes", folder=False)
    study, notes = set_municipalities(
        _existing(args.study),
        args.file,
        audited=args.audited,
        unit_level=args.unit_level,
        replace=args.force,
    )
    _save(study, args.study)
    _print_notes(notes)
    _report(args.study)
    return 0


def cmd_inkar(args: argparse.Namespace) -> int:
    """``import inkar``: :func:`evaluation.ingest.add_indicators` of what
    :func:`evaluation.read_inkar` reads."""
    from ..ingest import add_indicators, read_inkar

    for f in args.files:
        need_path(f, "INKAR export", folder=False)
    if args.catalogue is not None:
        need_path(args.catalogue, "catalogue file", folder=False)
    study = _existing(args.study)
    data = read_inkar(
        args.files, merged=args.merged, codes=dict(args.code), catalogue=args.catalogue
    )
    new, notes = add_indicators(study, data, replace=args.force)
    _save(new, args.study)
    _print_notes(notes)
    _report(args.study)
    return 0


def _print_notes(notes: list[str]) -> None:
    """The first note is what was done; the others are indented below it."""
    for i, note in enumerate(notes):
        print(note if i == 0 else f"  {note}")


def _name_code(text: str) -> tuple[str, str]:
    """An argument ``NAME=CODE`` (``--code``)."""
    name, sep, code = text.partition("=")
    if not sep or not name.strip() or not code.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: write NAME=CODE, e.g. 'Einwohner=residents'")
    return name.strip(), code.strip()
