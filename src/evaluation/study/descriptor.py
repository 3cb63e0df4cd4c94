"""The descriptor of a study folder (``datapackage.json``): read safely and checked, and the
reading options each resource declares.

A resource may declare its CSV ``dialect`` (``delimiter``, ``quoteChar``, ``doubleQuote``,
``skipInitialSpace``, and our ``decimalChar``, ``groupChar``; Frictionless v1 style or v2 style
with a ``csv`` object), a field its ``decimalChar``, ``groupChar`` or date ``format``, and the
schema its ``missingValues``. Whatever cannot be honoured (a table in several files, a remote
path, a header that is not the first row, comment rows) is a problem naming the key, never
silently ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .encoding import detect_encoding, line_of
from .files import read_limited, regular_file_problem
from .problems import Problem, Severity, shorten

DESCRIPTOR = "datapackage.json"
#: Largest descriptor read (bytes).
MAX_DESCRIPTOR_BYTES = 16 << 20
FORMATS = ("csv", "parquet")


def desc_problem(
    field: str | None, message: str, value: Any = None, severity: Severity = "error"
) -> Problem:
    """A problem of the descriptor: ``field`` is the key (e.g. ``resources[2].dialect``)."""
    shown = None if value is None else shorten(value)
    return Problem(DESCRIPTOR, None, field, shown, message, severity, "descriptor")


def read_descriptor(
    folder: Path, allow_outside: bool = False
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The descriptor of ``folder`` as a dict, and its problems.

    Returns ``(None, [])`` when the folder has no descriptor (the tables are then read by
    their default names), ``(None, problems)`` when it cannot be read (not a regular file,
    too large, not UTF-8, not JSON, not an object).
    """
    p = folder / DESCRIPTOR
    if not os.path.lexists(p):
        return None, []
    bad = regular_file_problem(p, DESCRIPTOR, allow_outside)
    if bad is not None:
        return None, [Problem(DESCRIPTOR, None, None, None, bad.message, "error", "descriptor")]
    try:
        raw = read_limited(p, MAX_DESCRIPTOR_BYTES)
    except OSError as exc:
        return None, [desc_problem(None, f"cannot be read ({exc.strerror or exc})")]
    if len(raw) > MAX_DESCRIPTOR_BYTES:
        return None, [
            desc_problem(None, f"larger than {MAX_DESCRIPTOR_BYTES:,} bytes: not a descriptor")
        ]
    detected = detect_encoding(raw)
    if detected and detected != "utf-8-sig":
        return None, [
            desc_problem(None, f"is {detected.upper()}: JSON files must be UTF-8; save it as UTF-8")
        ]
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return None, [
            desc_problem(
                None,
                f"not UTF-8 (invalid byte on line {line_of(raw, exc.start)}): JSON files must "
                "be UTF-8; save it as UTF-8",
            )
        ]
    try:
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
    except RecursionError:
        return None, [desc_problem(None, "not valid JSON (nested too deeply)")]
    if not isinstance(desc, dict):
        return None, [desc_problem(None, f"must be a JSON object, not {json_type(desc)}", None)]
    if not isinstance(desc.get("resources", []), list):
        return None, [
            desc_problem(
                "resources",
                f"must be a list of resources, not {json_type(desc['resources'])}",
                desc["resources"],
            )
        ]
    return desc, []


def json_type(v: Any) -> str:
    """What kind of JSON value ``v`` is, for messages ("an object", "a list", ...)."""
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(v), type(v).__name__)


def _is_char(v: Any) -> bool:
    return isinstance(v, str) and len(v) == 1


def resource_options(res: dict[str, Any], where: str) -> tuple[dict[str, Any], list[Problem]]:
    """The reading options one resource declares, checked; problems name the key.

    ``where`` is the resource's place in the descriptor (``resources[2]``). The options are a
    dict with ``path``, ``format``, ``encoding``, the CSV dialect (``delimiter``,
    ``quotechar``, ``doublequote``, ``skipinitialspace``), per-field ``decimal``, ``group``
    and ``date_formats``, the table's ``table_decimal``/``table_group`` and ``missing``.
    """
    probs: list[Problem] = []

    def bad(key: str, message: str, value: Any = None) -> None:
        probs.append(desc_problem(f"{where}.{key}", message, value))

    opts: dict[str, Any] = {
        "path": None,
        "format": None,
        "encoding": None,
        "delimiter": ",",
        "delimiter_declared": False,
        "quotechar": '"',
        "doublequote": True,
        "skipinitialspace": False,
        "decimal": {},
        "group": {},
        "date_formats": {},
        "table_decimal": None,
        "table_group": None,
        "missing": [""],
    }
    path = res.get("path")
    if path is not None:
        if isinstance(path, list):
            bad(
                "path",
                "a table in several files (a list of paths) is not supported: join the files into one",
                path,
            )
        elif not isinstance(path, str) or not path.strip():
            bad("path", f"must be the file name as text, not {json_type(path)}", path)
        elif "://" in path:
            bad(
                "path",
                "remote files are not read: download the file into the study folder and give its name",
                path,
            )
        else:
            opts["path"] = path
    fmt = res.get("format")
    if fmt is not None:
        if not isinstance(fmt, str) or fmt.lower() not in FORMATS:
            bad("format", f"must be {' or '.join(FORMATS)}", fmt)
        else:
            opts["format"] = fmt.lower()
    enc = res.get("encoding")
    if enc is not None:
        if not isinstance(enc, str):
            bad("encoding", f"must be the name of an encoding as text, not {json_type(enc)}", enc)
        else:
            opts["encoding"] = enc
    _dialect_options(res.get("dialect"), opts, bad)
    _schema_options(res.get("schema"), opts, bad)
    return opts, probs


def _dialect_options(dialect: Any, opts: dict[str, Any], bad: Any) -> None:
    """The CSV dialect of a resource into ``opts``; ``bad(key, message, value)`` records a
    problem."""
    if dialect is not None:
        if not isinstance(dialect, dict):
            bad("dialect", f"must be an object, not {json_type(dialect)}", dialect)
            dialect = {}
        else:
            nested = dialect.get("csv")  # Frictionless v2 writes {"csv": {"delimiter": ...}}
            if isinstance(nested, dict):
                dialect = {**dialect, **nested}
            elif nested is not None:
                bad("dialect.csv", f"must be an object, not {json_type(nested)}", nested)
        for key, opt in (("delimiter", "delimiter"), ("quoteChar", "quotechar")):
            if key in dialect:
                v = dialect[key]
                if not _is_char(v) or v in "\r\n":
                    bad(f"dialect.{key}", "must be one character", v)
                else:
                    opts[opt] = v
                    if key == "delimiter":
                        opts["delimiter_declared"] = True
        for key, opt in (("doubleQuote", "doublequote"), ("skipInitialSpace", "skipinitialspace")):
            if key in dialect:
                if not isinstance(dialect[key], bool):
                    bad(f"dialect.{key}", "must be true or false", dialect[key])
                else:
                    opts[opt] = dialect[key]
        if dialect.get("header", True) is not True:
            bad(
                "dialect.header",
                "a table without a header row is not supported: add the header row",
                dialect.get("header"),
            )
        if dialect.get("headerRow", 1) != 1 or dialect.get("headerRows", [1]) != [1]:
            bad(
                "dialect.headerRows",
                "the header must be the first row",
                dialect.get("headerRows", dialect.get("headerRow")),
            )
        for key in ("commentChar", "commentRows", "escapeChar", "nullSequence"):
            if dialect.get(key) not in (None, ""):
                bad(
                    f"dialect.{key}",
                    "is not supported: remove it and write the file without it",
                    dialect[key],
                )
        for key, opt in (("decimalChar", "table_decimal"), ("groupChar", "table_group")):
            if key in dialect:
                if not _is_char(dialect[key]):
                    bad(f"dialect.{key}", "must be one character", dialect[key])
                else:
                    opts[opt] = dialect[key]


def _schema_options(sch: Any, opts: dict[str, Any], bad: Any) -> None:
    """The per-field decimal and group characters, date formats and missing values of a
    resource's schema into ``opts``."""
    if sch is not None:
        if isinstance(sch, str):
            bad(
                "schema",
                "a schema in a separate file is not supported: put the schema into datapackage.json",
                sch,
            )
        elif not isinstance(sch, dict):
            bad("schema", f"must be an object, not {json_type(sch)}", sch)
        else:
            fields = sch.get("fields", [])
            if not isinstance(fields, list):
                bad("schema.fields", f"must be a list of fields, not {json_type(fields)}", fields)
                fields = []
            for j, f in enumerate(fields):
                if not isinstance(f, dict) or not isinstance(f.get("name"), str):
                    bad(f"schema.fields[{j}]", "must be an object with a name", f)
                    continue
                for key, target in (("decimalChar", "decimal"), ("groupChar", "group")):
                    if key in f:
                        if not _is_char(f[key]):
                            bad(f"schema.fields[{j}].{key}", "must be one character", f[key])
                        else:
                            opts[target][f["name"]] = f[key]
                if f.get("type") == "date" and f.get("format") is not None:
                    if not isinstance(f["format"], str):
                        bad(f"schema.fields[{j}].format", "must be text", f["format"])
                    else:
                        opts["date_formats"][f["name"]] = f["format"]
            missing = sch.get("missingValues")
            if missing is not None:
                if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
                    bad("schema.missingValues", "must be a list of texts", missing)
                else:
                    opts["missing"] = missing
