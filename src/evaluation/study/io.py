"""Reading and writing study folders (deprecated module: the names below moved).

A study folder is a Frictionless Data Package of CSV or Parquet files. Each concept has a
module of its own:

- :mod:`evaluation.study.read`: reading the tables of a folder (:func:`read_tables`,
  :func:`read_table_file`), with the limits :data:`MAX_FILE_BYTES` and :data:`MAX_ROWS`;
- :mod:`evaluation.study.files`: which paths may be read;
- :mod:`evaluation.study.encoding`: which encoding a file is in;
- :mod:`evaluation.study.descriptor`: ``datapackage.json`` and each resource's options;
- :mod:`evaluation.study.read_csv`: the cells of a CSV file;
- :mod:`evaluation.study.write`: writing, whole or not at all (:func:`write_files`,
  :func:`save_study`, :func:`init_study_folder`).

This module re-exports those names for one release; import them from their modules.
"""

from __future__ import annotations

from pathlib import Path

from .checks import DEFAULT_YEARS
from .descriptor import DESCRIPTOR, FORMATS, MAX_DESCRIPTOR_BYTES
from .encoding import decode_bytes, detect_encoding
from .model import Study, load_study
from .problems import PROBLEM_LIMIT
from .read import MAX_FILE_BYTES, MAX_ROWS, FolderTables, read_table_file, read_tables
from .write import init_study_folder, save_study, write_files

__all__ = [
    "DESCRIPTOR",
    "FORMATS",
    "MAX_DESCRIPTOR_BYTES",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "PROBLEM_LIMIT",
    "FolderTables",
    "decode_bytes",
    "detect_encoding",
    "init_study_folder",
    "read_study",
    "read_table_file",
    "read_tables",
    "save_study",
    "write_files",
]


def read_study(
    path: str | Path,
    *,
    validate: bool = True,
    years: tuple[int, int] = DEFAULT_YEARS,
    allow_outside: bool = False,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
) -> Study:
    """Deprecated alias of :func:`evaluation.load_study` (same arguments)."""
    return load_study(
        path,
        validate=validate,
        years=years,
        allow_outside=allow_outside,
        max_file_bytes=max_file_bytes,
        max_rows=max_rows,
    )
