"""Reading the tables of a study folder: never modifying a file, never following a path out of
the folder unless asked to, refusing what cannot be read with a problem instead of an exception.

Before a table file is opened it must be a regular file inside the folder (:mod:`.files`), not
larger than ``max_file_bytes`` and with at most ``max_rows`` rows. Text files are decoded as
:mod:`.encoding` says, parsed as :mod:`.read_csv` says with the options of the descriptor
(:mod:`.descriptor`), and typed by :func:`~evaluation.study.coerce.coerce_table`; a large plain
CSV file is read and typed in chunks (:mod:`.read_chunks`), with the same result. The result is
the typed tables and every problem found on the way; :func:`evaluation.load_study` makes a
:class:`~evaluation.Study` of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, EvaluationError
from . import read_chunks, schema
from .coerce import coerce_table
from .descriptor import DESCRIPTOR, desc_problem, json_type, read_descriptor, resource_options
from .encoding import decode_table
from .files import outside_problem, read_limited, regular_file_problem
from .problems import Problem, file_problem, shorten
from .read_chunks import Chunked, read_csv_chunked
from .read_csv import read_csv_text, text_problems

#: Largest table file read (bytes) unless ``max_file_bytes=`` says otherwise: 1 GiB.
MAX_FILE_BYTES = 1 << 30
#: Most rows of one table read unless ``max_rows=`` says otherwise.
MAX_ROWS = 20_000_000


_SCALARS = (str, int, float, bool, type(None))


def _read_parquet(
    path: Path, table: schema.Table, max_rows: int
) -> tuple[pd.DataFrame | None, list[Problem]]:
    name = table.name
    try:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        n = pf.metadata.num_rows
        if n > max_rows:
            return None, [_too_many_rows(name, path.name, max_rows)]
        df = pf.read().to_pandas()
    except Exception as exc:  # pyarrow raises many types for broken files
        return None, [
            file_problem(name, f"cannot read Parquet file {path.name}: {shorten(str(exc), 200)}")
        ]
    probs: list[Problem] = []
    if df.columns.duplicated().any():
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        return None, [
            file_problem(
                name,
                f"{path.name} has columns with the same name: {', '.join(dup)}",
                check="column",
            )
        ]
    df.columns = [str(c) for c in df.columns]
    for c in df.columns:
        s = df[c]
        if s.dtype == object:
            odd = ~s.map(lambda v: isinstance(v, _SCALARS) or hasattr(v, "isoformat")).to_numpy()
            if odd.any():
                i = int(np.flatnonzero(odd)[0])
                probs.append(
                    Problem(
                        name,
                        i + 1,
                        c,
                        shorten(repr(s.iat[i]), 60),
                        f"the column holds {type(s.iat[i]).__name__} values, not plain values "
                        f"({int(odd.sum()):,} rows): store one value per cell",
                        "error",
                        "type",
                    )
                )
                df[c] = s.where(~odd, None)
    return df, probs


def _too_many_rows(table: str, fname: str, max_rows: int) -> Problem:
    return file_problem(
        table,
        f"{fname} has more than {max_rows:,} rows: check the file (was it appended to itself?) or "
        "raise the limit with max_rows=",
    )


def read_table_file(
    path: Path,
    table: schema.Table,
    opts: dict[str, Any],
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one table file as raw values (text for CSV); problems instead of exceptions."""
    name = table.name
    # a FIFO or device would block or never end: refuse it before opening (a link to a regular
    # file given here explicitly is read; read_study refuses links itself)
    special = regular_file_problem(Path(path), name, allow_outside=True)
    if special is not None:
        return None, [special]
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        return None, [file_problem(name, f"cannot read {path.name} ({exc.strerror or exc})")]
    if size > max_file_bytes:
        return None, [
            file_problem(
                name,
                f"{path.name} has {size:,} bytes, more than the limit of {max_file_bytes:,}: "
                "check the file or raise the limit with max_file_bytes=",
            )
        ]
    fmt = opts.get("format") or ("parquet" if path.suffix.lower() == ".parquet" else "csv")
    if fmt == "parquet":
        return _read_parquet(path, table, max_rows)
    try:
        raw = read_limited(path, max_file_bytes)
    except OSError as exc:
        return None, [file_problem(name, f"cannot read {path.name} ({exc.strerror or exc})")]
    if raw.startswith(b"PAR1"):
        return None, [
            file_problem(
                name,
                f"{path.name} is a Parquet file: name it {path.stem}.parquet or declare "
                '"format": "parquet"',
            )
        ]
    if raw.count(b"\n") > max_rows + 1:
        return None, [_too_many_rows(name, path.name, max_rows)]
    text, probs = decode_table(raw, opts.get("encoding"), name, path.name)
    if text is None:
        return None, probs
    defaults = {
        "delimiter": ",",
        "quotechar": '"',
        "doublequote": True,
        "skipinitialspace": False,
    }
    csv_opts = {k: opts.get(k, v) for k, v in defaults.items()}
    df, more = read_csv_text(text, table, csv_opts, path.name)
    probs += more
    if df is None:
        return None, probs
    missing = [m for m in opts.get("missing", [""]) if m != ""]
    if missing:
        df = df.mask(df.isin(missing), "")
    probs += text_problems(df, name, text)
    return df, probs


# ---------------------------------------------------------------------------------------------
# the study folder
# ---------------------------------------------------------------------------------------------
def _check_read_options(allow_outside, max_file_bytes, max_rows) -> None:
    if not isinstance(allow_outside, bool):
        raise ConfigError(f"allow_outside must be True or False, got {allow_outside!r}")
    for key, v in (("max_file_bytes", max_file_bytes), ("max_rows", max_rows)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ConfigError(f"{key} must be a positive whole number, got {v!r}")


@dataclass
class FolderTables:
    """What :func:`read_tables` read from a study folder.

    Attributes
    ----------
    folder
        The study folder as given.
    tables
        The typed tables by name (a table whose file could not be read is absent).
    problems
        Every problem found while reading and typing (not yet the content checks).
    files
        The resolved file each table was read from, for provenance records.
    """

    folder: Path
    tables: dict[str, pd.DataFrame]
    problems: list[Problem]
    files: dict[str, Path] = field(default_factory=dict)


def read_tables(
    path: str | Path,
    *,
    allow_outside: bool = False,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
) -> FolderTables:
    """Read and type every table of a study folder; problems instead of exceptions.

    Parameters
    ----------
    path
        The study folder (``datapackage.json`` plus one CSV or Parquet file per table; without
        a descriptor the tables are read by their default names).
    allow_outside
        Follow table paths that are absolute, leave the folder (``..``) or are symbolic links.
    max_file_bytes, max_rows
        A table file larger than this or with more rows is refused with a problem.

    Returns
    -------
    FolderTables
        The typed tables, the problems found and the files read.

    Raises
    ------
    ConfigError
        An option is not of its type.
    EvaluationError
        ``path`` does not exist or is not a folder.
    """
    _check_read_options(allow_outside, max_file_bytes, max_rows)
    try:
        folder = Path(path)
    except TypeError:
        raise ConfigError(f"the study folder must be a path, got {path!r}") from None
    if not folder.exists():
        raise EvaluationError(f"study folder {folder} does not exist")
    if not folder.is_dir():
        raise EvaluationError(
            f"{folder} is not a folder: a study is a folder with datapackage.json and one CSV "
            "file per table (create one with `audit-eval init DIR`)"
        )
    desc, problems = read_descriptor(folder, allow_outside)
    resources, more = _resources(desc)
    problems += more
    out = FolderTables(folder, {}, problems)
    root = folder.resolve()
    raw: dict[str, pd.DataFrame | Chunked] = {}
    for name, table in schema.TABLES.items():
        opts = resources.get(name, {})
        file = _table_file(folder, name, table, opts, allow_outside, problems)
        if file is None:
            continue
        resolved = file.resolve()
        out.files[name] = resolved
        if not resolved.is_relative_to(root):
            problems.append(
                file_problem(
                    name,
                    f"read from outside the study folder: {resolved}",
                    "warning",
                    value=str(resolved),
                )
            )
        chunked = _read_chunked(file, table, opts, max_file_bytes, max_rows)
        if chunked is not None:
            problems += chunked.read_problems
            raw[name] = chunked
            continue
        df, probs = read_table_file(
            file, table, opts, max_file_bytes=max_file_bytes, max_rows=max_rows
        )
        problems += probs
        if df is not None:
            raw[name] = df
    # the type problems follow every problem of reading
    for name, df in raw.items():
        table = schema.TABLES[name]
        if isinstance(df, Chunked):
            out.tables[name] = df.typed
            problems += df.type_problems
            continue
        typed, probs = coerce_table(table, df, **_coerce_options(table, resources.get(name, {})))
        out.tables[name] = typed
        problems += probs
    return out


def _read_chunked(
    file: Path, table: schema.Table, opts: dict[str, Any], max_file_bytes: int, max_rows: int
) -> Chunked | None:
    """A large plain CSV table read and typed in chunks (None: read it at once)."""
    fmt = opts.get("format") or ("parquet" if file.suffix.lower() == ".parquet" else "csv")
    if fmt != "csv" or regular_file_problem(file, table.name, allow_outside=True) is not None:
        return None
    try:
        size = os.stat(file).st_size
        with open(file, "rb") as f:
            magic = f.read(4)
    except OSError:
        return None
    if size < read_chunks.MIN_BYTES or size > max_file_bytes or magic == b"PAR1":
        return None
    return read_csv_chunked(file, table, opts, _coerce_options(table, opts), max_rows)


def _resources(desc: dict[str, Any] | None) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """The reading options of each table's resource, and the problems of the resources."""
    problems: list[Problem] = []
    resources: dict[str, dict[str, Any]] = {}
    first_of: dict[str, tuple[int, Any]] = {}
    for i, res in enumerate((desc or {}).get("resources", [])):
        where = f"resources[{i}]"
        if not isinstance(res, dict):
            problems.append(desc_problem(where, f"must be an object, not {json_type(res)}", res))
            continue
        rname = res.get("name")
        if not isinstance(rname, str):
            problems.append(
                desc_problem(f"{where}.name", "every resource needs a name (text)", rname)
            )
            continue
        if rname in first_of:
            j, other_path = first_of[rname]
            problems.append(
                desc_problem(
                    where,
                    f"a second resource named {rname!r} (resources[{j}], path "
                    f"{other_path!r}, and resources[{i}], path {res.get('path')!r}): each "
                    "table has exactly one resource; remove or rename one (only the first "
                    "would be read)",
                    rname,
                )
            )
            continue
        first_of[rname] = (i, res.get("path"))
        if rname in schema.TABLES:
            opts, probs = resource_options(res, where)
            problems += probs
            resources[rname] = opts
        else:
            problems.append(
                Problem(
                    DESCRIPTOR,
                    None,
                    "resources",
                    rname,
                    f"unknown resource (tables are {', '.join(schema.TABLE_NAMES)})",
                    "warning",
                    "descriptor",
                )
            )
    return resources, problems


def _table_file(
    folder: Path,
    name: str,
    table: schema.Table,
    opts: dict[str, Any],
    allow_outside: bool,
    problems: list[Problem],
) -> Path | None:
    """The file of one table that may be read (None: absent or refused, with a problem where
    that matters)."""
    declared = opts.get("path")
    if declared:
        outside = outside_problem(declared, name)
        if outside is not None and not allow_outside:
            problems.append(outside)
            return None
        candidates = [declared]
    else:
        candidates = [f"{name}.csv", f"{name}.parquet"]
    file = next((folder / c for c in candidates if os.path.lexists(folder / c)), None)
    if file is None:
        if table.required_table or declared:
            problems.append(
                file_problem(name, f"file {candidates[0]} not found in the study folder")
            )
        return None
    bad = regular_file_problem(file, name, allow_outside)
    if bad is not None:
        problems.append(bad)
        return None
    return file


def _coerce_options(table: schema.Table, opts: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The decimal and group characters and date formats a resource declares, per field."""
    decimal = (
        {f: opts["table_decimal"] for f in table.field_names} if opts.get("table_decimal") else {}
    )
    decimal.update(opts.get("decimal", {}))
    group = {f: opts["table_group"] for f in table.field_names} if opts.get("table_group") else {}
    group.update(opts.get("group", {}))
    return {
        "decimal_chars": decimal,
        "group_chars": group,
        "date_formats": opts.get("date_formats", {}),
    }
