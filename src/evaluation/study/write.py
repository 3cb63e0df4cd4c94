"""Writing study folders, whole or not at all.

Every file is first written whole to a temporary file beside its target and synced; only when
all are written are they renamed into place (the descriptor last), so a full disk or an
interruption leaves the previous files as they were (:func:`write_files`). CSV files are UTF-8
with ``,`` and ``.``; the same study always gives the same bytes.
"""

from __future__ import annotations

import errno
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import EvaluationError, OutputError
from ..options import TableFormat, check_option
from . import schema
from .descriptor import DESCRIPTOR


def _write_all(f: Any, data: bytes) -> None:
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
    """Write files (relative path -> bytes) into ``folder`` whole or not at all; returns
    their paths.

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
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            temps.append((Path(name), target))
            with os.fdopen(fd, "wb") as f:
                _write_all(f, files[rel])
                f.flush()
                os.fsync(f.fileno())
            os.chmod(name, mode)
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


def _extra_fields(study: Any) -> dict[str, list[dict[str, Any]]]:
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
    study: Any, path: str | Path, *, format: TableFormat = "csv", overwrite: bool = False
) -> Path:
    """Write a study folder: ``datapackage.json`` plus one file per table.

    Parameters
    ----------
    study
        The :class:`~evaluation.Study`.
    path
        The folder (created if new).
    format
        ``"csv"`` (UTF-8 with ``,`` and ``.``; the same study always gives the same bytes) or
        ``"parquet"``.
    overwrite
        Write into a folder that already holds a study (its files are replaced).

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    EvaluationError
        The folder holds a study and ``overwrite`` is false.
    OutputError
        A file cannot be written (every file is written whole or not at all, the descriptor
        last: :func:`write_files`).
    """
    check_option("format", format, TableFormat)
    folder = Path(path)
    if (folder / DESCRIPTOR).exists() and not overwrite:
        raise EvaluationError(
            f"{folder} already holds a study; choose another folder or pass overwrite=True"
        )
    # an optional table (measure_codes, surveys, ...) is written only when it has rows
    names = [n for n, t in schema.TABLES.items() if t.required_table or len(study[n])]
    formats: dict[str, str] = {name: format for name in names}
    files: dict[str, bytes] = {}
    for name in names:
        df = study[name]
        if format == "csv":
            files[f"{name}.csv"] = _csv_text(df).encode("utf-8")
        else:
            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
            files[f"{name}.parquet"] = buf.getvalue()
    descriptor = schema.package_descriptor(
        formats=formats, extra_fields=_extra_fields(study), tables=names
    )
    files[DESCRIPTOR] = schema.dumps(descriptor).encode("utf-8")
    write_files(folder, files, last=DESCRIPTOR)
    return folder


def init_study_folder(path: str | Path) -> list[Path]:
    """Write an empty study folder: descriptor, header-only CSV templates, code lists and
    codebook; returns the files written. A folder that exists and is not empty is refused."""
    folder = Path(path)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise EvaluationError(
            f"{folder} exists and is not empty; init only writes into a new or empty folder"
        )
    # the table schemas are inside datapackage.json; keep the folder small for the user
    files = schema.data_package_files(table_schemas=False)
    core = [n for n, t in schema.TABLES.items() if t.required_table]
    # the descriptor lists the templates written; optional tables are added as files when used
    files["datapackage.json"] = schema.dumps(schema.package_descriptor(tables=core)).encode()
    for name in core:
        table = schema.TABLES[name]
        files[f"{name}.csv"] = (",".join(table.field_names) + "\n").encode("utf-8")
    return write_files(folder, files, last=DESCRIPTOR)
