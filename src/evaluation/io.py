"""Reading and writing study folders (a Frictionless Data Package of CSV or Parquet files).

Reading never modifies the files. Text files are decoded as UTF-8 (with or without BOM) or,
when they are not valid UTF-8, as Windows-1252 (the encoding of German Excel exports); an
``encoding`` declared in the descriptor is tried first. A resource may declare its CSV
``dialect`` (``delimiter``, ``decimalChar``, ``groupChar``) or a field its ``decimalChar``, so
German spreadsheets with ``;`` and decimal commas are read as such, and only where the file says
so.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from . import schema
from .errors import EvaluationError
from .validation import Problem, StudyValidationError, coerce_table

DESCRIPTOR = "datapackage.json"


def decode_bytes(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode file content; return the text and the encoding used."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    tried = []
    for enc in [declared, "utf-8"]:
        if not enc or enc in tried:
            continue
        tried.append(enc)
        try:
            return raw.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("cp1252", errors="replace"), "cp1252"


def _read_descriptor(folder: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    p = folder / DESCRIPTOR
    if not p.exists():
        return None, []
    try:
        text, _ = decode_bytes(p.read_bytes())
        desc = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            Problem(
                DESCRIPTOR,
                exc.lineno,
                None,
                None,
                f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
                check="descriptor",
            )
        ]
    if not isinstance(desc, dict) or not isinstance(desc.get("resources", []), list):
        return None, [
            Problem(DESCRIPTOR, None, "resources", None, "must be a list", check="descriptor")
        ]
    return desc, []


def _resource_options(res: dict[str, Any]) -> dict[str, Any]:
    dialect = res.get("dialect") or {}
    decimal = {}
    group = {}
    fields = (res.get("schema") or {}).get("fields") or []
    for f in fields:
        if isinstance(f, dict) and "name" in f:
            if "decimalChar" in f:
                decimal[f["name"]] = f["decimalChar"]
            if "groupChar" in f:
                group[f["name"]] = f["groupChar"]
    table_decimal = dialect.get("decimalChar")
    table_group = dialect.get("groupChar")
    return {
        "path": res.get("path"),
        "format": res.get("format"),
        "encoding": res.get("encoding"),
        "delimiter": dialect.get("delimiter", ","),
        "decimal": decimal,
        "group": group,
        "table_decimal": table_decimal,
        "table_group": table_group,
    }


def read_table_file(
    path: Path, table: schema.Table, opts: dict[str, Any]
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one table file as raw values (text for CSV); problems instead of exceptions."""
    name = table.name
    if path.suffix.lower() == ".parquet" or opts.get("format") == "parquet":
        try:
            return pd.read_parquet(path), []
        except Exception as exc:  # pyarrow raises many types for broken files
            return None, [
                Problem(name, None, None, None, f"cannot read Parquet file {path.name}: {exc}")
            ]
    raw = path.read_bytes()
    text, _enc = decode_bytes(raw, opts.get("encoding"))
    delimiter = opts.get("delimiter") or ","
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            quoting=csv.QUOTE_MINIMAL,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        return None, [
            Problem(name, None, None, None, f"{path.name} is empty: it needs at least a header row")
        ]
    except pd.errors.ParserError as exc:
        return None, [
            Problem(
                name,
                None,
                None,
                None,
                f"{path.name} is not a well-formed CSV file ({exc}); check the delimiter "
                f"({delimiter!r}) and quotes",
            )
        ]
    df.columns = [str(c).strip() for c in df.columns]
    if len(df.columns) == 1 and delimiter == "," and ";" in df.columns[0]:
        return None, [
            Problem(
                name,
                None,
                None,
                None,
                f"{path.name} seems to use ';' as delimiter: declare "
                '"dialect": {"delimiter": ";"} for this resource in datapackage.json',
            )
        ]
    return df, []


def read_study(path: str | Path, *, validate: bool = True):
    """Read a study folder; see :func:`evaluation.load_study`."""
    from .study import Study

    folder = Path(path)
    if not folder.exists():
        raise EvaluationError(f"study folder {folder} does not exist")
    if not folder.is_dir():
        raise EvaluationError(
            f"{folder} is not a folder: a study is a folder with datapackage.json and one CSV "
            "file per table (create one with `audit-eval init DIR`)"
        )
    desc, problems = _read_descriptor(folder)
    resources: dict[str, dict[str, Any]] = {}
    if desc is not None:
        for res in desc.get("resources", []):
            if isinstance(res, dict) and res.get("name") in schema.TABLES:
                resources[res["name"]] = _resource_options(res)
            elif isinstance(res, dict):
                problems.append(
                    Problem(
                        DESCRIPTOR,
                        None,
                        "resources",
                        str(res.get("name")),
                        f"unknown resource (tables are {', '.join(schema.TABLE_NAMES)})",
                        "warning",
                        "descriptor",
                    )
                )
    raw: dict[str, pd.DataFrame | None] = {}
    coerce_opts: dict[str, dict[str, dict[str, str]]] = {}
    for name, table in schema.TABLES.items():
        opts = resources.get(name, {})
        candidates = [opts["path"]] if opts.get("path") else [f"{name}.csv", f"{name}.parquet"]
        file = next((folder / c for c in candidates if (folder / c).exists()), None)
        if file is None:
            if table.required_table or opts.get("path"):
                problems.append(
                    Problem(
                        name,
                        None,
                        None,
                        None,
                        f"file {candidates[0]} not found in the study folder",
                        check="file",
                    )
                )
            raw[name] = None
            continue
        df, probs = read_table_file(file, table, opts)
        problems += probs
        raw[name] = df
        decimal = (
            {f: opts["table_decimal"] for f in table.field_names}
            if opts.get("table_decimal")
            else {}
        )
        decimal.update(opts.get("decimal", {}))
        group = (
            {f: opts["table_group"] for f in table.field_names} if opts.get("table_group") else {}
        )
        group.update(opts.get("group", {}))
        coerce_opts[name] = {"decimal_chars": decimal, "group_chars": group}
    typed = {}
    for name, table in schema.TABLES.items():
        df = raw[name]
        if df is None:
            continue
        t, probs = coerce_table(table, df, **coerce_opts.get(name, {}))
        typed[name] = t
        problems += probs
    study = Study(**typed, source=folder)
    # the tables are typed already: keep the problems found while reading them
    study._coercion_problems = problems
    problems = study.problems()
    if validate and any(p.severity == "error" for p in problems):
        raise StudyValidationError(problems)
    return study


def _csv_text(df: pd.DataFrame) -> str:
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[c] = s.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(s.dtype):
            out[c] = s.map({True: "true", False: "false"}).astype("string")
    return out.to_csv(index=False, lineterminator="\n", na_rep="")


def save_study(
    study, path: str | Path, *, format: Literal["csv", "parquet"] = "csv", overwrite: bool = False
) -> Path:
    """Write a study folder: ``datapackage.json`` plus one file per table.

    Refuses to write into a folder that already holds a study unless ``overwrite`` is true.
    CSV files are UTF-8 with ``,`` and ``.``; the same study always gives the same bytes.
    """
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', got {format!r}")
    folder = Path(path)
    if (folder / DESCRIPTOR).exists() and not overwrite:
        raise EvaluationError(
            f"{folder} already holds a study; choose another folder or pass overwrite=True"
        )
    folder.mkdir(parents=True, exist_ok=True)
    formats = {name: format for name in schema.TABLES}
    (folder / DESCRIPTOR).write_text(
        schema.dumps(schema.package_descriptor(formats=formats)), encoding="utf-8"
    )
    for name in schema.TABLES:
        df = study[name]
        if format == "csv":
            (folder / f"{name}.csv").write_text(_csv_text(df), encoding="utf-8", newline="")
        else:
            df.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def init_study_folder(path: str | Path) -> list[Path]:
    """An empty study folder: descriptor, header-only CSV templates, code lists and codebook."""
    folder = Path(path)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise EvaluationError(
            f"{folder} exists and is not empty; init only writes into a new or empty folder"
        )
    folder.mkdir(parents=True, exist_ok=True)
    written = schema.write_data_package(folder)
    # the table schemas are inside datapackage.json; keep the folder small for the user
    for p in list(written):
        if p.name.endswith(".schema.json"):
            p.unlink()
            written.remove(p)
    for name, table in schema.TABLES.items():
        p = folder / f"{name}.csv"
        p.write_text(",".join(table.field_names) + "\n", encoding="utf-8")
        written.append(p)
    return written
