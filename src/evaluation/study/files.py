"""Which paths a study may be read from: regular files inside the study folder.

A table file must be a regular file (not a symbolic link, folder, FIFO or device, which could
block or never end) and, unless the reader asks for ``allow_outside=True``, its path must stay
inside the study folder (not absolute, no ``..``). Files are read up to a limit, so that a file
far too large is refused rather than read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath

from .problems import Problem, file_problem


def regular_file_problem(p: Path, table: str, allow_outside: bool) -> Problem | None:
    """Why ``p`` is not read as a table file (None: it is a regular file that may be read)."""
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return file_problem(table, f"file {p.name} not found in the study folder")
    except OSError as exc:
        return file_problem(table, f"cannot read {p.name} ({exc.strerror or exc})")
    if stat.S_ISLNK(st.st_mode):
        if not allow_outside:
            return file_problem(
                table,
                f"{p.name} is a symbolic link: copy the file into the study folder (links are "
                "followed only with allow_outside=True)",
            )
        try:
            st = os.stat(p)
        except OSError as exc:
            return file_problem(
                table, f"{p.name} is a link to a file that cannot be read ({exc.strerror or exc})"
            )
    if stat.S_ISREG(st.st_mode):
        return None
    kind = (
        "a folder"
        if stat.S_ISDIR(st.st_mode)
        else "a FIFO (named pipe)"
        if stat.S_ISFIFO(st.st_mode)
        else "a device"
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
        else "a socket"
        if stat.S_ISSOCK(st.st_mode)
        else "not a regular file"
    )
    return file_problem(
        table, f"{p.name} is {kind}, not a file: a table must be a CSV or Parquet file"
    )


def read_limited(p: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``p`` (one more than allowed shows that it is too large)."""
    with open(p, "rb") as f:
        return f.read(limit + 1)


def outside_problem(path: str, table: str) -> Problem | None:
    """Why a declared table path leaves the study folder (absolute, or with ``..``); None if
    it stays inside."""
    pure = PureWindowsPath(path) if "\\" in path or ":" in path[:3] else PurePosixPath(path)
    if pure.is_absolute() or path.startswith(("/", "\\")) or pure.drive:
        return file_problem(
            table,
            f"the path {path!r} is absolute: tables are read from the study folder only; copy "
            "the file into it and give its name (or read with allow_outside=True)",
        )
    if ".." in PurePosixPath(path.replace("\\", "/")).parts:
        return file_problem(
            table,
            f"the path {path!r} leaves the study folder (..): copy the file into the study "
            "folder and give its name (or read with allow_outside=True)",
        )
    return None
