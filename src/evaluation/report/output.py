"""Output folders that cannot destroy anything: reports, summaries, the demo study, the schema.

Every output is written into a new temporary folder beside the target and moved into place at
the end, so an interrupted or failed run leaves the target as it was. Rules:

- An existing target is replaced only with ``force``, and even then only if its marker file
  (:data:`MARKER`) says that this package wrote it *for the same kind of output* and the folder
  holds nothing but the files the marker lists. Anything else inside (a file of the user, a
  study) is refused, naming the file. The check runs at the start and again right before the
  move, so a folder created or filled by someone else while the run went on is not replaced.
- One run at a time per target: a lock file beside the target (``.<name>.lock``, created
  exclusively) makes a second run fail at once; it records process id and host, so a lock left
  by an interrupted run can be recognised and removed by hand.
- A write that fails (read-only or full file system, no permission) raises
  :class:`~evaluation.errors.OutputError` naming the path and the cause; the temporary folder is
  removed and the target is untouched.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import shutil
import socket
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from ..errors import OutputBusyError, OutputError, OutputExistsError
from .text import count

#: what a folder was written as; ``--force`` replaces a folder only by one of the same kind
OutputKind = Literal["report", "summary", "demo-data", "schema", "study"]
KIND_WORDS: dict[str, str] = {
    "report": "a report",
    "summary": "a yearly summary",
    "demo-data": "the demo study",
    "schema": "the data schema",
    "study": "a study",
}
#: the marker file written into every output folder (JSON: kind and the files written)
MARKER = ".audit-eval-output"
#: the marker of earlier versions (plain text, no list of files; the report's provenance.json
#: lists its files instead)
LEGACY_MARKER = ".audit-eval-report"
LOCK_SUFFIX = ".lock"
#: how many names a message lists at most
SHOWN = 5


# -- markers ---------------------------------------------------------------------------------


def marker_record(kind: str, files: Iterable[str]) -> dict[str, Any]:
    return {
        "written_by": "audit-eval (the Python package evaluation)",
        "kind": kind,
        "note": (
            "Written by audit-eval. Asked to replace it (--force on the command line), "
            "audit-eval replaces this folder as a whole, but only while it holds nothing "
            "except the files listed here."
        ),
        "files": sorted(files),
    }


def write_marker(folder: Path, kind: str) -> None:
    """Write the marker listing every file now in ``folder`` (call it last)."""
    files = [rel for rel, is_dir in _entries(folder) if not is_dir and rel != MARKER]
    text = json.dumps(marker_record(kind, files), indent=2, ensure_ascii=True) + "\n"
    (folder / MARKER).write_text(text, encoding="utf-8")


def read_marker(folder: Path) -> tuple[str | None, set[str] | None, str]:
    """``(kind, files, problem)`` of the folder's marker: kind and listed files when it is
    readable, else None and what is wrong with it."""
    p = folder / MARKER
    if p.is_file() and not p.is_symlink():
        try:
            rec = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None, None, f"its marker file {MARKER} is damaged"
        files = rec.get("files") if isinstance(rec, dict) else None
        kind = rec.get("kind") if isinstance(rec, dict) else None
        if (
            not isinstance(kind, str)
            or not isinstance(files, list)
            or not all(isinstance(f, str) for f in files)
        ):
            return None, None, f"its marker file {MARKER} is damaged"
        return kind, {*files, MARKER}, ""
    legacy = folder / LEGACY_MARKER
    if legacy.is_file() and not legacy.is_symlink():
        # an earlier version: its provenance.json lists the files it wrote
        try:
            rec = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
            outputs = rec["outputs"]
            kind = rec["kind"]
            if not isinstance(outputs, dict) or kind not in ("report", "summary"):
                raise ValueError
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            return (
                None,
                None,
                f"it was written by an earlier version of audit-eval ({LEGACY_MARKER}) that "
                "did not list its files, so it cannot tell whether anything else is inside",
            )
        return kind, {*map(str, outputs), "provenance.json", LEGACY_MARKER}, ""
    return None, None, f"it was not written by audit-eval (no marker file {MARKER})"


def _entries(folder: Path) -> list[tuple[str, bool]]:
    """Every entry below ``folder`` as (relative POSIX path, is a real directory), without
    following symbolic links."""
    out: list[tuple[str, bool]] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        base = Path(root)
        for d in list(dirs):
            p = base / d
            rel = p.relative_to(folder).as_posix()
            if p.is_symlink():
                dirs.remove(d)
                out.append((rel, False))
            else:
                out.append((rel, True))
        for f in files:
            out.append(((base / f).relative_to(folder).as_posix(), False))
    return sorted(out)


def foreign_entries(folder: Path, listed: set[str]) -> list[str]:
    """Entries of ``folder`` that are not among ``listed`` (folders: not a parent of one)."""
    parents = {p for name in listed for p in _parents(name)}
    entries = _entries(folder)
    files = [rel for rel, is_dir in entries if not is_dir and rel not in listed]
    holding = {p for name in files for p in _parents(name)}
    # a folder of its own is named only when nothing foreign inside it is named
    dirs = [
        rel + "/" for rel, is_dir in entries if is_dir and rel not in parents and rel not in holding
    ]
    return sorted(files + dirs)


def _parents(name: str) -> list[str]:
    parts = name.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


# -- the checks ------------------------------------------------------------------------------


#: stands for the option that replaces a folder: ``force=True`` in Python, ``--force`` on the
#: command line
FORCE = "%FORCE%"


def _refuse(message: str) -> OutputExistsError:
    return OutputExistsError(
        message.replace(FORCE, "force=True"), message.replace(FORCE, "--force")
    )


#: recognises an output written before folders carried a marker: the files it consists of,
#: or None when the folder is not such an output
Legacy = Callable[[Path], "set[str] | None"]


def assess(
    folder: Path, kind: str, legacy: Legacy | None = None, name: Path | None = None
) -> tuple[str | None, set[str]]:
    """Whether the existing folder ``folder`` may be replaced by ``kind`` (with ``force``):
    ``(None, files it consists of)``, or ``(why not, set())``. ``name`` is how the folder is
    called in the message (default: itself)."""
    name = name or folder
    what = KIND_WORDS.get(kind, kind)
    if folder.is_symlink():
        return (
            f"{name} is a symbolic link; it is not replaced: give the real folder or a new one",
            set(),
        )
    if not folder.is_dir():
        return f"{name} exists and is not a folder; choose another name", set()
    if not any(folder.iterdir()):
        return None, set()
    found_kind, listed, problem = read_marker(folder)
    if listed is None and legacy is not None:
        recognised = legacy(folder)
        if recognised is not None:
            found_kind, listed, problem = kind, recognised, ""
    if listed is None and kind != "demo-data" and (folder / "datapackage.json").exists():
        return (
            f"{name} is a study folder (it holds datapackage.json); audit-eval never writes "
            f"{what} into a study: choose another folder",
            set(),
        )
    if listed is None:
        return (
            f"{name} is not empty and {problem}; it is not replaced, not even with "
            f"{FORCE}: move its files away or choose another folder",
            set(),
        )
    if found_kind != kind:
        found = KIND_WORDS.get(found_kind or "", found_kind)
        return (
            f"{name} holds {found} written by audit-eval, not {what}; it is not replaced: "
            "choose another folder",
            set(),
        )
    foreign = foreign_entries(folder, listed)
    if foreign:
        return _foreign(name, foreign), set()
    return None, listed


def _foreign(name: Path, foreign: list[str]) -> str:
    return (
        f"{name} holds {count(len(foreign), 'file', 'files', 'en')} that audit-eval did "
        f"not write ({_names(foreign)}); it is not replaced, not even with {FORCE}: "
        "move them away or choose another folder"
    )


def check_target(
    out: Path,
    kind: str,
    force: bool,
    *,
    legacy: Legacy | None = None,
    again: bool = False,
) -> set[str]:
    """Raise :class:`OutputExistsError` unless ``out`` may be written (it does not exist) or
    replaced (``force``, and it holds only what this package wrote as ``kind``); return the
    files of the folder to be replaced (empty when there is none).

    ``legacy`` recognises folders of this kind written before folders carried a marker;
    ``again``: the check right before the move (the message says what happened meanwhile)."""
    if out.name in ("", ".", ".."):
        raise _refuse(f"{out}: give the output folder by its name (e.g. out/report)")
    if not os.path.lexists(out):
        return set()
    reason, listed = assess(out, kind, legacy)
    meanwhile = (
        f". {out} appeared or changed while this run was writing; what this run wrote is discarded"
        if again
        else ""
    )
    if reason is not None:
        raise _refuse(reason + meanwhile)
    if not force:
        raise _refuse(
            f"{out} exists; choose another folder or pass {FORCE} to replace it{meanwhile}"
        )
    return listed


# -- the lock --------------------------------------------------------------------------------


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}{LOCK_SUFFIX}"


def _pid_alive(pid: int) -> bool | None:
    """True/False when known; None when it cannot be told."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OSError, ValueError, OverflowError):
        return None
    return True


@contextmanager
def output_lock(out: Path) -> Iterator[Path]:
    """Hold the lock file beside ``out`` for the duration of the block."""
    lock = lock_path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, out, out.parent) from None
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "target": str(out),
    }
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        raise _busy(out, lock) from None
    except OSError as exc:
        raise output_error(exc, out, lock) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(info, fh)
    except OSError as exc:
        _unlink_quietly(lock)
        raise output_error(exc, out, lock) from None
    try:
        yield lock
    finally:
        try:
            mine = json.loads(lock.read_text(encoding="utf-8")) == info
        except (OSError, ValueError):
            mine = False
        if mine:
            _unlink_quietly(lock)


def _busy(out: Path, lock: Path) -> OutputBusyError:
    try:
        rec = json.loads(lock.read_text(encoding="utf-8"))
        pid, host, started = int(rec["pid"]), str(rec["host"]), str(rec["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return OutputBusyError(
            f"{out} is being written by another run (lock file {lock}); wait for it to finish "
            f"or choose another folder. If no other run is going on, remove the lock file: "
            f"rm '{lock}'"
        )
    by = f"process {pid} on host {host}, started {started}"
    alive = _pid_alive(pid) if host == socket.gethostname() else None
    if alive is False:
        return OutputBusyError(
            f"{out} is locked by {by}, which is no longer running (an interrupted run?); "
            f"remove the lock file and run again: rm '{lock}'"
        )
    return OutputBusyError(
        f"{out} is being written by another run ({by}); wait for it to finish or choose "
        f"another folder. If that run no longer exists, remove the lock file: rm '{lock}'"
    )


def _unlink_quietly(p: Path) -> None:
    try:
        p.unlink()
    except OSError:
        pass


# -- errors of the file system ---------------------------------------------------------------


def output_error(exc: OSError, out: Path, where: Path | str | None = None) -> OutputError:
    cause = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno == errno.ENOSPC:
        cause = "no space left on the device"
    elif exc.errno == errno.EROFS:
        cause = "the file system is read-only"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        cause = "permission denied"
    at = f" ({where})" if where is not None and str(where) != str(out) else ""
    state = "is unchanged" if os.path.lexists(out) else "was not created"
    return OutputError(f"cannot write {out}{at}: {cause}; {out} {state}")


def _inside(path: str | None, tmp: Path, out: Path) -> str | None:
    """A path inside the temporary folder, named as it would be inside ``out``."""
    if not path:
        return None
    try:
        return (out / Path(path).relative_to(tmp)).as_posix()
    except ValueError:
        return str(path)


# -- the folder ------------------------------------------------------------------------------


@contextmanager
def atomic_folder(
    out: str | Path,
    force: bool = False,
    *,
    kind: OutputKind = "report",
    legacy: Legacy | None = None,
    lock: bool = True,
    marker: bool = True,
) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``out``; when the block ends without error,
    write the marker and move the folder to ``out``; otherwise delete it.

    ``out`` is refused when it exists, unless ``force`` and it holds only what this package
    wrote as ``kind`` (see :func:`check_target`; ``legacy`` recognises such folders written
    before folders carried a marker); the check is repeated before the move. A lock
    file beside ``out`` keeps a second run out while this one writes (``lock=False`` when the
    caller holds it). ``marker=False`` for a folder that becomes the user's (a new study): no
    marker, and it is never replaced. File-system errors become
    :class:`~evaluation.errors.OutputError`.
    """
    out = Path(out)
    check_target(out, kind, force, legacy=legacy)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, out, out.parent) from None
    with output_lock(out) if lock else _nothing():
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
            tmp.chmod(0o755)
        except OSError as exc:
            raise output_error(exc, out, out.parent) from None
        try:
            yield tmp
            if marker:
                write_marker(tmp, kind)
            _move_into_place(tmp, out, kind, force and marker, legacy)
        except OutputExistsError:  # an OSError too (FileExistsError), but ours
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise output_error(exc, out, _inside(exc.filename, tmp, out)) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def _move_into_place(tmp: Path, out: Path, kind: str, force: bool, legacy: Legacy | None) -> None:
    listed = check_target(out, kind, force, legacy=legacy, again=True)
    if not os.path.lexists(out):
        try:
            os.rename(tmp, out)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                raise _refuse(
                    f"{out} was created while this run was writing; it is not replaced"
                ) from None
            raise
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    # nothing can be added under the private name: check once more what is inside
    foreign = foreign_entries(old, listed) if any(old.iterdir()) else []
    if foreign:
        os.rename(old, out)
        raise _refuse(
            f"{_foreign(out, foreign)}. {out} changed while this run was writing; what this "
            "run wrote is discarded"
        )
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    _remove_listed(old, listed)


def _remove_listed(old: Path, listed: set[str]) -> None:
    """Delete the files of a replaced output (only those it lists) and its empty folders."""
    for rel, is_dir in reversed(_entries(old)):
        p = old / rel
        try:
            if is_dir:
                p.rmdir()  # only if empty
            elif rel in listed:
                p.unlink()
        except OSError:
            pass
    try:
        old.rmdir()
    except OSError:
        if old.exists():
            warnings.warn(
                f"the replaced output was kept in {old}: something in it could not be removed",
                stacklevel=3,
            )
