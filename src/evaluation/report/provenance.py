"""Where a report comes from: ``provenance.json`` and its check.

The record holds the SHA-256 of every input file, the configuration (its text and hashes), the
seed, the package version and the versions of its dependencies, Python and platform, the git
commit when the code runs from a git checkout, the SHA-256 of every file the report wrote, and
the date. It is the only file of a report with a date in it.

Paths in the record are relative to the report folder, so a report can be moved together with
its inputs.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from .. import __version__
from .text import BIDI

RECORD_NAME = "provenance.json"
FORMAT_VERSION = 1
DEPENDENCIES = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "linearmodels",
    "matplotlib",
    "jinja2",
    "tabulate",
    "pyarrow",
    "openpyxl",
    "tqdm",
    "weasyprint",
    "pypdf",
    "python-docx",
)
#: files whose bytes must be the same in two runs (the PDF and PNG files are not compared)
DETERMINISTIC_SUFFIXES = (".html", ".md", ".csv", ".tex", ".svg", ".toml")


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def input_files(folder: str | Path) -> list[Path]:
    """Every file of a study folder (hidden files excepted), sorted by relative path."""
    folder = Path(folder)
    files = [
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())


def describe_inputs(folder: str | Path | None) -> list[dict[str, Any]]:
    """Name (relative to the study folder), size and SHA-256 of every input file."""
    if folder is None:
        return []
    folder = Path(folder)
    return [
        {
            "name": p.relative_to(folder).as_posix(),
            "bytes": p.stat().st_size,
            "sha256": sha256_file(p),
        }
        for p in input_files(folder)
    ]


def describe_tables(study: Any) -> list[dict[str, Any]]:
    """For a study held in memory only: a hash of each table's CSV form instead of files."""
    out = []
    for name, df in study.tables.items():
        text = df.to_csv(index=False, lineterminator="\n")
        out.append(
            {
                "name": f"{name} (in memory)",
                "bytes": len(text.encode()),
                "sha256": sha256_text(text),
            }
        )
    return out


def environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for dist in DEPENDENCIES:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "dependencies": versions,
    }


def git_commit() -> dict[str, Any] | None:
    """The commit of the package's code (and whether it has uncommitted changes), if known."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", str(here.parent)],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "modified": bool(dirty)} if head else None


def relative(path: str | Path | None, start: str | Path) -> str | None:
    if path is None:
        return None
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).resolve().as_posix()


def build_record(
    *,
    kind: str,
    inputs: list[dict[str, Any]],
    study_path: str | Path | None,
    config: Any,
    seed: int,
    parameters: dict[str, Any],
    final_dir: Path,
) -> dict[str, Any]:
    """The provenance record without the outputs (added by :func:`finish_record`)."""
    cfg_path = getattr(config, "source_path", None)
    cfg_text = getattr(config, "source_text", "") or ""
    cfg_hash = getattr(config, "source_sha256", None) or (
        sha256_text(cfg_text) if cfg_text else None
    )
    return {
        "format": FORMAT_VERSION,
        "kind": kind,
        "parameters": parameters,
        "study": {"path": relative(study_path, final_dir)},
        "inputs": inputs,
        "config": {
            "path": relative(cfg_path, final_dir),
            "file_sha256": cfg_hash,
            "sha256": config.sha256(),
            "content": config.to_dict(),
        },
        "seed": seed,
        "package": {"name": "evaluation", "version": __version__, "code": git_commit()},
        "environment": environment(),
    }


def finish_record(record: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Add the hashes of the files written into ``folder`` and the date; write the record."""
    outputs = {}
    for p in sorted(folder.rglob("*"), key=lambda q: q.relative_to(folder).as_posix()):
        if p.is_file() and p.name != RECORD_NAME:
            outputs[p.relative_to(folder).as_posix()] = sha256_file(p)
    record = dict(record)
    record["outputs"] = outputs
    record["created"] = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    (folder / RECORD_NAME).write_text(dumps_record(record), encoding="utf-8")
    return record


def dumps_record(record: dict[str, Any]) -> str:
    """The record as JSON: UTF-8 text, with control and direction-changing characters
    written as ``\\u`` escapes (the same data, shown safely in any viewer)."""
    text = json.dumps(record, indent=2, ensure_ascii=False)
    return (
        "".join(f"\\u{ord(c):04x}" if c in BIDI or 0x7F <= ord(c) <= 0x9F else c for c in text)
        + "\n"
    )


def read_record(folder: str | Path) -> dict[str, Any]:
    """The provenance record of a report folder, checked for the parts :func:`verify_report`
    uses; a damaged record raises :class:`~evaluation.errors.DataError` saying what is wrong."""
    from ..errors import DataError, EvaluationError

    p = Path(folder) / RECORD_NAME
    if not p.is_file():
        raise EvaluationError(f"{folder}: no {RECORD_NAME}; is this a report folder?")

    def damaged(what: str) -> DataError:
        return DataError(
            f"{p}: {what}; the record is damaged (render the report again to get a new one)"
        )

    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise damaged(f"cannot be read ({exc.strerror or exc})") from None
    if len(raw) > 200_000_000:
        raise damaged(f"{len(raw):,} bytes is far too large for a provenance record")
    try:
        rec = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise damaged(f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise damaged(
            f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise damaged("not valid JSON (nested too deeply)") from None
    if not isinstance(rec, dict):
        raise damaged(f"expected a JSON object, got {type(rec).__name__}")
    check_record(rec, damaged)
    return rec


def check_record(rec: dict[str, Any], damaged) -> None:
    """Check the types of the fields of a record that verification reads."""

    def table(key: str) -> dict[str, Any]:
        v = rec.get(key, {})
        if v is None:
            v = {}
        if not isinstance(v, dict):
            raise damaged(f"field {key!r} must be an object, got {type(v).__name__}")
        return v

    study = table("study")
    if study.get("path") is not None and not isinstance(study["path"], str):
        raise damaged("field 'study.path' must be text")
    inputs = rec.get("inputs", [])
    if not isinstance(inputs, list) or not all(
        isinstance(i, dict) and isinstance(i.get("name"), str) and isinstance(i.get("sha256"), str)
        for i in inputs
    ):
        raise damaged("field 'inputs' must be a list of {name, sha256} entries")
    cfg = table("config")
    for key in ("path", "sha256", "file_sha256"):
        if cfg.get(key) is not None and not isinstance(cfg[key], str):
            raise damaged(f"field 'config.{key}' must be text")
    outputs = table("outputs")
    if not all(isinstance(v, str) for v in outputs.values()):
        raise damaged("field 'outputs' must map file names to SHA-256 text")
    params = table("parameters")
    year = params.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise damaged(f"field 'parameters.year' must be a whole number, got {year!r:.40}")
    kind = rec.get("kind", "report")
    if kind not in ("report", "summary"):
        raise damaged(f"field 'kind' must be 'report' or 'summary', got {kind!r:.40}")
    if kind == "summary" and year is None:
        raise damaged("a summary's record must give 'parameters.year'")
    for key in ("missing", "failures", "failed_analyses"):
        v = rec.get(key, [])
        if v is not None and not isinstance(v, list):
            raise damaged(f"field {key!r} must be a list")
