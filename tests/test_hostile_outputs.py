"""A catalogue of hostile output folders and command lines: what must never destroy, hang or
print a traceback.

Each case prepares a situation in a fresh folder (an earlier report with a file of the user
inside, a study where a report should go, a lock of another run, a full disk, a damaged
``provenance.json``, a configuration in UTF-16, ...), runs the command line in-process
(``evaluation.cli.main``) and checks

- the exit code and a fragment of the message (the command-line wording: never a Python
  option such as ``force=True``; never a traceback);
- that no file outside the output folder changed: file hashes, sizes and modification times
  of the whole case folder are compared before and after; a case without an output folder
  may change nothing at all; no lock file or temporary folder is left behind.

The study inputs themselves (broken CSV files, descriptors) are the subject of the catalogue of
hostile inputs; here they are always valid, except where a case is about a degenerate design
(no comparison units, one year, ...), which must end with exit code 3, not 0.

Full disks and read-only file systems are simulated by making the file-system call raise the
``OSError`` it raises there (the tests run as root, and root may write into a folder whatever
its mode).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from evaluation.cli import main
from evaluation.datasets import synthetic_study
from evaluation.study import Study

FAST = '[report]\nformats = ["markdown"]\nsections = ["methods"]\n'
IMPACT = (
    '[report]\nformats = ["markdown"]\nsections = ["impact"]\n'
    '[impact]\nindicators = ["births_per_1000_women"]\nestimators = ["trends", "att_gt"]\n'
    "[impact.robustness]\nmatched = false\nanticipation = 0\nnot_yet_treated = false\n"
    "randomization_max_treated = 0\n"
)
SUMMARY_CFG = '[report]\nformats = ["markdown"]\n'


# -- studies, made once and copied into each case -----------------------------------------


def _variants() -> dict[str, Study]:
    base = synthetic_study(seed=2, n_audited=5, n_comparison=8)
    t = base.tables
    m, ind = t["municipalities"], t["indicators"]
    audited = set(m.loc[m["group"] == "audited", "municipality_id"])
    comparison = set(m.loc[m["group"] == "comparison", "municipality_id"])
    empty = {k: t[k].iloc[0:0] for k in ("audits", "goals", "measures", "measure_reports")}
    return {
        "study": base,
        "no_comparison": Study(
            **{
                **t,
                "municipalities": m[m["group"] == "audited"],
                "indicators": ind[ind["municipality_id"].isin(audited)],
            }
        ),
        "no_audited": Study(
            **{
                **t,
                **empty,
                "municipalities": m[m["group"] == "comparison"],
                "indicators": ind[ind["municipality_id"].isin(comparison)],
            }
        ),
        "one_year": Study(**{**t, "indicators": ind[ind["year"] == 2015]}),
        "no_values": Study(**{**t, "indicators": ind[ind["indicator"] != "births_per_1000_women"]}),
    }


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("studies")
    for name, study in _variants().items():
        study.save(root / name)
    assert main(["init", str(root / "empty")]) == 0
    return root


# -- snapshots ---------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry below ``root``: kind, and for files size, mtime and SHA-256."""
    out: dict[str, tuple] = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            st = p.lstat()
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir",)
            else:
                out[rel] = (
                    "file",
                    st.st_size,
                    st.st_mtime_ns,
                    hashlib.sha256(p.read_bytes()).hexdigest(),
                )
    return out


def changes(before: dict, after: dict, out: str | None) -> list[str]:
    """Entries added, removed or changed outside the output folder ``out``."""

    def outside(rel: str) -> bool:
        return out is None or not (rel == out or rel.startswith(out + "/"))

    names = {n for n in set(before) | set(after) if outside(n)}
    return sorted(n for n in names if before.get(n) != after.get(n))


# -- the cases -----------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    #: prepares the case folder (and monkeypatches); returns the command line, or the command
    #: line and what to do right after it ran
    setup: Callable[[Path, Path, pytest.MonkeyPatch], list[str] | tuple[list[str], Callable]]
    code: int
    #: a fragment that must be in stderr (or stdout when the command succeeds)
    message: str
    #: the output folder (relative to the case folder) whose contents may change; None:
    #: nothing may change
    out: str | None = None
    #: further checks on the case folder after the run
    check: Callable[[Path], None] | None = None
    #: another run was writing when the snapshot was taken: its lock file and temporary
    #: folder may be gone afterwards
    concurrent: bool = False


def copy_study(studies: Path, root: Path, name: str = "study", to: str = "study") -> Path:
    shutil.copytree(studies / name, root / to)
    return root / to


def config(root: Path, text: str = FAST, name: str = "report.toml", **kw) -> Path:
    p = root / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding=kw.get("encoding", "utf-8"))
    return p


def report_argv(root: Path, out: str = "out", *extra: str, study: str = "study") -> list[str]:
    return [
        "report",
        str(root / study),
        "--config",
        str(root / "report.toml"),
        "--out",
        str(root / out),
        "--quiet",
        *extra,
    ]


def earlier_report(studies: Path, root: Path, out: str = "out", text: str = FAST) -> Path:
    """A study, a configuration and a report written from them into ``root/out``."""
    if not (root / "study").exists():
        copy_study(studies, root)
    if not (root / "report.toml").exists():
        config(root, text)
    assert main(report_argv(root, out)) == 0
    return root / out


def earlier_summary(studies: Path, root: Path, out: str = "out") -> Path:
    if not (root / "study").exists():
        copy_study(studies, root)
    cfg = config(root, SUMMARY_CFG, name="summary.toml")
    argv = ["summary", str(root / "study"), "--year", "2018", "--config", str(cfg)]
    assert main([*argv, "--out", str(root / out), "--quiet"]) == 0
    return root / out


def kept(rel: str, text: str, *, alone: bool = False) -> Callable[[Path], None]:
    """The file ``rel`` still holds ``text`` (and, with ``alone``, nothing else is beside
    it)."""

    def check(root: Path) -> None:
        assert (root / rel).read_text(encoding="utf-8") == text
        if alone:
            assert [p.name for p in (root / rel).parent.iterdir()] == [Path(rel).name]

    return check


def _user_folder(studies, root, mp):
    copy_study(studies, root)
    config(root)
    (root / "out").mkdir()
    (root / "out" / "notes.txt").write_text("mine", encoding="utf-8")
    return report_argv(root)


def _user_folder_force(studies, root, mp):
    return [*_user_folder(studies, root, mp), "--force"]


def _provenance_and_user_file(studies, root, mp):
    # the example of the issue: any folder with a provenance.json was deleted by --force
    copy_study(studies, root)
    config(root)
    (root / "out").mkdir()
    (root / "out" / "provenance.json").write_text("{}", encoding="utf-8")
    (root / "out" / "thesis.docx").write_text("three years of work", encoding="utf-8")
    return [*report_argv(root), "--force"]


def _earlier_plus_file(studies, root, mp):
    out = earlier_report(studies, root)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    return [*report_argv(root), "--force"]


def _earlier_plus_subfolder(studies, root, mp):
    out = earlier_report(studies, root)
    (out / "tables").mkdir(exist_ok=True)
    (out / "tables" / "my_own.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return [*report_argv(root), "--force"]


def _earlier_plus_symlink(studies, root, mp):
    out = earlier_report(studies, root)
    (root / "precious.txt").write_text("mine", encoding="utf-8")
    (out / "link.txt").symlink_to(root / "precious.txt")
    return [*report_argv(root), "--force"]


def _earlier(studies, root, mp):
    earlier_report(studies, root)
    return [*report_argv(root), "--force"]


def _earlier_no_force(studies, root, mp):
    earlier_report(studies, root)
    return report_argv(root)


def _summary_folder(studies, root, mp):
    earlier_summary(studies, root)
    config(root)
    return [*report_argv(root), "--force"]


def _report_folder_for_summary(studies, root, mp):
    earlier_report(studies, root)
    cfg = config(root, SUMMARY_CFG, name="summary.toml")
    return [
        "summary",
        str(root / "study"),
        "--year",
        "2018",
        "--config",
        str(cfg),
        "--out",
        str(root / "out"),
        "--force",
        "--quiet",
    ]


def _into_study(studies, root, mp):
    copy_study(studies, root)
    copy_study(studies, root, to="other")
    config(root)
    return [*report_argv(root, "other"), "--force"]


def _out_is_study(studies, root, mp):
    copy_study(studies, root)
    config(root)
    return [*report_argv(root, "study"), "--force"]


def _out_inside_study(studies, root, mp):
    copy_study(studies, root)
    config(root)
    return report_argv(root, "study/report")


def _out_is_file(studies, root, mp):
    copy_study(studies, root)
    config(root)
    (root / "out").write_text("a file", encoding="utf-8")
    return [*report_argv(root), "--force"]


def _out_is_symlink(studies, root, mp):
    out = earlier_report(studies, root, out="real")
    (root / "out").symlink_to(out, target_is_directory=True)
    return [*report_argv(root), "--force"]


def _damaged_marker(studies, root, mp):
    out = earlier_report(studies, root)
    (out / ".audit-eval-output").write_text("{not json", encoding="utf-8")
    return [*report_argv(root), "--force"]


def _forged_kind(studies, root, mp):
    out = earlier_report(studies, root)
    rec = json.loads((out / ".audit-eval-output").read_text(encoding="utf-8"))
    rec["kind"] = "schema"
    (out / ".audit-eval-output").write_text(json.dumps(rec), encoding="utf-8")
    return [*report_argv(root), "--force"]


def _legacy_marker_only(studies, root, mp):
    copy_study(studies, root)
    config(root)
    (root / "out").mkdir()
    (root / "out" / ".audit-eval-report").write_text("written by audit-eval\n", encoding="utf-8")
    (root / "out" / "report.md").write_text("# old\n", encoding="utf-8")
    return [*report_argv(root), "--force"]


def _legacy_marker_with_provenance(studies, root, mp):
    # a report of an earlier version: text marker, provenance.json lists the files
    out = earlier_report(studies, root)
    (out / ".audit-eval-output").unlink()
    (out / ".audit-eval-report").write_text("written by audit-eval\n", encoding="utf-8")
    return [*report_argv(root), "--force"]


def _live_lock(studies, root, mp):
    copy_study(studies, root)
    config(root)
    rec = {"pid": os.getpid(), "host": os.uname().nodename, "started": "2024-01-01T00:00:00"}
    (root / ".out.lock").write_text(json.dumps(rec), encoding="utf-8")
    return report_argv(root)


def _dead_lock(studies, root, mp):
    copy_study(studies, root)
    config(root)
    # a process id that is not running: the largest one the kernel can hand out, plus one
    rec = {"pid": 2**22 + 1, "host": os.uname().nodename, "started": "2024-01-01T00:00:00"}
    (root / ".out.lock").write_text(json.dumps(rec), encoding="utf-8")
    return report_argv(root)


def _garbled_lock(studies, root, mp):
    copy_study(studies, root)
    config(root)
    (root / ".out.lock").write_bytes(b"\x00\xff garbage")
    return report_argv(root)


def _patch_methods(mp, before: Callable[[], None]) -> None:
    """Run ``before`` in the middle of the report (while its only section is built)."""
    from evaluation.report.sections import appendix

    real = appendix.methods

    def methods(ctx):
        before()
        return real(ctx)

    mp.setattr(appendix, "methods", methods)


def _created_meanwhile(studies, root, mp):
    copy_study(studies, root)
    config(root)

    def intrude():
        (root / "out").mkdir()
        (root / "out" / "theirs.txt").write_text("someone else's", encoding="utf-8")

    _patch_methods(mp, intrude)
    return report_argv(root)


def _filled_meanwhile(studies, root, mp):
    out = earlier_report(studies, root)
    _patch_methods(mp, lambda: (out / "theirs.txt").write_text("theirs", encoding="utf-8"))
    return [*report_argv(root), "--force"]


def _full_disk_on_markdown(studies, root, mp):
    from evaluation.report import render

    earlier_report(studies, root)
    real = render._write_text

    def write(path, text):
        if Path(path).suffix == ".md":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, text)

    mp.setattr(render, "_write_text", write)
    return [*report_argv(root), "--force"]


def _full_disk_new_folder(studies, root, mp):
    import tempfile

    copy_study(studies, root)
    config(root)

    def mkdtemp(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    mp.setattr(tempfile, "mkdtemp", mkdtemp)
    return report_argv(root)


def _read_only_parent(studies, root, mp):
    # as root, chmod cannot make a folder read-only: the lock file's creation raises EROFS,
    # as it does on a read-only file system
    copy_study(studies, root)
    config(root)
    real = os.open

    def fake_open(path, flags, *a, **k):
        if str(path).endswith(".lock") and flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real(path, flags, *a, **k)

    mp.setattr(os, "open", fake_open)
    return report_argv(root)


def _no_permission(studies, root, mp):
    copy_study(studies, root)
    config(root)
    real = os.open

    def fake_open(path, flags, *a, **k):
        if str(path).endswith(".lock") and flags & os.O_CREAT:
            raise OSError(errno.EACCES, "Permission denied", str(path))
        return real(path, flags, *a, **k)

    mp.setattr(os, "open", fake_open)
    return report_argv(root, "sub/out")


def _rename_fails(studies, root, mp):
    # replacing an earlier report: the final move fails; the earlier report comes back
    earlier_report(studies, root)
    real = os.rename

    def rename(src, dst, *a, **k):
        if ".partial-" in str(src):
            raise OSError(errno.ENOSPC, "No space left on device", str(src))
        return real(src, dst, *a, **k)

    mp.setattr(os, "rename", rename)
    return [*report_argv(root), "--force"]


def _demo_over_user_study(studies, root, mp):
    copy_study(studies, root, to="x/data")
    return ["demo", "--out", str(root / "x"), "--seed", "1"]


def _demo_over_user_study_force(studies, root, mp):
    copy_study(studies, root, to="x/data")
    return ["demo", "--out", str(root / "x"), "--force"]


def _demo_no_report_over_user_study(studies, root, mp):
    copy_study(studies, root, to="x/data")
    return ["demo", "--out", str(root / "x"), "--no-report", "--force"]


def _demo_no_report_again(studies, root, mp):
    assert main(["demo", "--out", str(root / "x"), "--no-report", "--seed", "4"]) == 0
    return ["demo", "--out", str(root / "x"), "--no-report", "--seed", "4", "--force"]


def _demo_no_report_again_without_force(studies, root, mp):
    assert main(["demo", "--out", str(root / "x"), "--no-report", "--seed", "4"]) == 0
    return ["demo", "--out", str(root / "x"), "--no-report", "--seed", "4"]


def _unmarked_demo(root: Path, edit: bool) -> None:
    """A demo study as earlier versions wrote it (no marker), with the demo report's record
    beside it, listing the files and their SHA-256."""
    from evaluation.report.provenance import describe_inputs

    synthetic_study(seed=4, n_audited=4, n_comparison=6).save(root / "x" / "data")
    (root / "x" / "report").mkdir()
    rec = {
        "kind": "report",
        "parameters": {"data_generator": "evaluation.datasets.synthetic_study", "data_seed": 4},
        "study": {"path": "../data"},
        "inputs": describe_inputs(root / "x" / "data"),
    }
    (root / "x" / "report" / "provenance.json").write_text(json.dumps(rec), encoding="utf-8")
    if edit:
        p = root / "x" / "data" / "municipalities.csv"
        p.write_text(p.read_text(encoding="utf-8") + "\n", encoding="utf-8")


def _demo_over_unmarked_demo(studies, root, mp):
    _unmarked_demo(root, edit=False)
    return ["demo", "--out", str(root / "x"), "--no-report", "--seed", "4", "--force"]


def _demo_over_edited_unmarked_demo(studies, root, mp):
    _unmarked_demo(root, edit=True)
    return ["demo", "--out", str(root / "x"), "--no-report", "--seed", "4", "--force"]


def _out_is_cwd(studies, root, mp):
    earlier_report(studies, root, out="r")
    mp.chdir(root / "r")  # "--out ." names the earlier report by the current folder
    cfg = str(root / "report.toml")
    return ["report", str(root / "study"), "--config", cfg, "--out", ".", "--quiet", "--force"]


def _schema_into_study(studies, root, mp):
    assert main(["init", str(root / "s")]) == 0
    return ["schema", str(root / "s")]


def _schema_into_study_force(studies, root, mp):
    assert main(["init", str(root / "s")]) == 0
    return ["schema", str(root / "s"), "--force"]


def _schema_again(studies, root, mp):
    assert main(["schema", str(root / "s")]) == 0
    return ["schema", str(root / "s")]


def _schema_legacy_force(studies, root, mp):
    # the committed data_schema folder was written before folders carried a marker
    from evaluation.schema import write_data_package

    write_data_package(root / "s")
    return ["schema", str(root / "s"), "--force"]


def _schema_with_user_file(studies, root, mp):
    assert main(["schema", str(root / "s")]) == 0
    (root / "s" / "my_notes.md").write_text("mine", encoding="utf-8")
    return ["schema", str(root / "s"), "--force"]


def _schema_new(studies, root, mp):
    return ["schema", str(root / "s")]


def _import_into_user_folder(studies, root, mp):
    (root / "docs").mkdir()
    (root / "docs" / "letter.txt").write_text("mine", encoding="utf-8")
    (root / "gv.xlsx").write_bytes(b"not read")
    return ["import", "gemeindeverzeichnis", str(root / "gv.xlsx"), "--study", str(root / "docs")]


def _import_locked(studies, root, mp):
    copy_study(studies, root)
    rec = {"pid": os.getpid(), "host": os.uname().nodename, "started": "2024-01-01T00:00:00"}
    (root / ".study.lock").write_text(json.dumps(rec), encoding="utf-8")
    (root / "inkar.csv").write_text("not read", encoding="utf-8")
    return ["import", "inkar", str(root / "inkar.csv"), "--study", str(root / "study")]


def _import_full_disk(studies, root, mp):
    from test_ingest import write_gv

    gv = write_gv(root / "gv.xlsx", "new")
    import evaluation.study.write

    def save_study(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", "municipalities.csv")

    mp.setattr(evaluation.study.write, "save_study", save_study)
    return ["import", "gemeindeverzeichnis", str(gv), "--study", str(root / "new_study")]


def _validate_missing(studies, root, mp):
    return ["validate", str(root / "nope")]


def _report_missing_study(studies, root, mp):
    config(root)
    return report_argv(root, study="nope")


def _report_missing_config(studies, root, mp):
    copy_study(studies, root)
    return report_argv(root)


def _report_config_is_folder(studies, root, mp):
    copy_study(studies, root)
    (root / "report.toml").mkdir()
    return report_argv(root)


def _escape_codes_in_path(studies, root, mp):
    config(root)
    return report_argv(root, study="nope\x1b[2J\x1b[31m")


def _verify_missing(studies, root, mp):
    return ["verify", str(root / "nope")]


def _verify_no_record(studies, root, mp):
    (root / "r").mkdir()
    return ["verify", str(root / "r")]


def _verify_record(content: bytes) -> Callable:
    def setup(studies, root, mp):
        out = earlier_report(studies, root)
        (out / "provenance.json").write_bytes(content)
        return ["verify", str(out)]

    return setup


def _verify_truncated(studies, root, mp):
    out = earlier_report(studies, root)
    p = out / "provenance.json"
    p.write_bytes(p.read_bytes()[:200])
    return ["verify", str(out)]


def _verify_inputs_wrong(studies, root, mp):
    out = earlier_report(studies, root)
    p = out / "provenance.json"
    rec = json.loads(p.read_text(encoding="utf-8"))
    rec["inputs"] = [{"name": 3}]
    p.write_text(json.dumps(rec), encoding="utf-8")
    return ["verify", str(out)]


def _verify_no_config(studies, root, mp):
    out = earlier_report(studies, root)
    p = out / "provenance.json"
    rec = json.loads(p.read_text(encoding="utf-8"))
    rec["config"]["path"] = None
    p.write_text(json.dumps(rec), encoding="utf-8")
    (out / "config.toml").unlink()
    return ["verify", str(out)]


def _verify_summary_without_year(studies, root, mp):
    out = earlier_summary(studies, root)
    p = out / "provenance.json"
    rec = json.loads(p.read_text(encoding="utf-8"))
    rec["parameters"] = {"year": "last"}
    p.write_text(json.dumps(rec), encoding="utf-8")
    return ["verify", str(out)]


def _report_on(name: str, *extra: str, text: str = IMPACT) -> Callable:
    def setup(studies, root, mp):
        copy_study(studies, root, name=name)
        config(root, text)
        return [*report_argv(root), *extra]

    return setup


def _summary_on(name: str) -> Callable:
    def setup(studies, root, mp):
        copy_study(studies, root, name=name)
        cfg = config(root, SUMMARY_CFG, name="summary.toml")
        argv = ["summary", str(root / "study"), "--year", "2018", "--config", str(cfg)]
        return [*argv, "--out", str(root / "out"), "--quiet"]

    return setup


def _config_file(content: bytes | str, encoding: str = "utf-8") -> Callable:
    def setup(studies, root, mp):
        copy_study(studies, root)
        p = root / "report.toml"
        p.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return report_argv(root)

    return setup


def _title_in_report(fragment: str) -> Callable[[Path], None]:
    def check(root: Path) -> None:
        md = (root / "out" / "report.md").read_text(encoding="utf-8")
        assert fragment in md

    return check


def _injected_title(studies, root, mp):
    copy_study(studies, root)
    config(
        root,
        '[study]\ntitle = "![p](http://evil.example/p.png) <img src=x> **bold** \\u202eevil"\n'
        + FAST,
    )
    return report_argv(root)


def _no_remote_image(root: Path) -> None:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render((root / "out" / "report.md").read_text("utf-8"))
    assert "<img" not in html and "<strong>" not in html and "\u202e" not in html


def _concurrent(studies, root, mp):
    """A real second run while the first one writes: the second is refused at once."""
    copy_study(studies, root)
    config(root)
    started, release = threading.Event(), threading.Event()
    results: dict[str, int] = {}

    def hold():
        started.set()
        assert release.wait(60)

    _patch_methods(mp, hold)
    first = threading.Thread(target=lambda: results.update(first=main(report_argv(root))))
    first.start()
    assert started.wait(60)

    # the case's own call runs while the first run holds the lock; afterwards the first run
    # finishes and writes the report
    def finish() -> None:
        release.set()
        first.join(60)
        assert results["first"] == 0
        assert (root / "out" / "report.md").is_file()

    return report_argv(root), finish


CASES: list[Case] = [
    # -- replacing folders -------------------------------------------------------------------
    Case("user-folder", _user_folder, 1, "not written by audit-eval", check=kept("out/notes.txt", "mine")),
    Case("user-folder-force", _user_folder_force, 1, "not even with --force", check=kept("out/notes.txt", "mine")),
    Case("provenance-json-and-user-file", _provenance_and_user_file, 1, "not written by audit-eval", check=kept("out/thesis.docx", "three years of work")),
    Case("earlier-report-plus-user-file", _earlier_plus_file, 1, "1 file that audit-eval did not write (notes.txt)", check=kept("out/notes.txt", "mine")),
    Case("earlier-report-plus-user-table", _earlier_plus_subfolder, 1, "tables/my_own.csv", check=kept("out/tables/my_own.csv", "a,b\n1,2\n")),
    Case("earlier-report-plus-symlink", _earlier_plus_symlink, 1, "link.txt", check=kept("precious.txt", "mine")),
    Case("earlier-report-replaced", _earlier, 0, "report written to", out="out"),
    Case("earlier-report-without-force", _earlier_no_force, 1, "pass --force to replace it"),
    Case("summary-folder-for-a-report", _summary_folder, 1, "a yearly summary written by audit-eval, not a report"),
    Case("report-folder-for-a-summary", _report_folder_for_summary, 1, "a report written by audit-eval, not a yearly summary"),
    Case("into-another-study", _into_study, 1, "is a study folder"),
    Case("out-is-the-study", _out_is_study, 1, "study folder"),
    Case("out-inside-the-study", _out_inside_study, 1, "inside the study folder"),
    Case("out-is-a-file", _out_is_file, 1, "is not a folder", check=kept("out", "a file")),
    Case("out-is-a-symlink", _out_is_symlink, 1, "symbolic link"),
    Case("damaged-marker", _damaged_marker, 1, "marker file .audit-eval-output is damaged"),
    Case("forged-marker-kind", _forged_kind, 1, "the data schema written by audit-eval, not a report"),
    Case("legacy-marker-without-list", _legacy_marker_only, 1, "earlier version of audit-eval"),
    Case("legacy-marker-with-provenance", _legacy_marker_with_provenance, 0, "report written to", out="out"),
    # -- concurrent runs and locks ----------------------------------------------------------
    Case("lock-of-a-live-run", _live_lock, 1, "being written by another run"),
    Case("lock-of-a-dead-run", _dead_lock, 1, "no longer running"),
    Case("garbled-lock", _garbled_lock, 1, "rm '"),
    Case("second-run-while-the-first-writes", _concurrent, 1, "being written by another run", out="out", concurrent=True),
    Case("created-while-running", _created_meanwhile, 1, "appeared or changed while this run was writing; what this run wrote is discarded", out="out", check=kept("out/theirs.txt", "someone else's", alone=True)),
    Case("filled-while-running", _filled_meanwhile, 1, "theirs.txt", out="out", check=kept("out/theirs.txt", "theirs")),
    # -- full and read-only file systems ----------------------------------------------------
    Case("full-disk-while-writing", _full_disk_on_markdown, 1, "no space left on the device"),
    Case("full-disk-no-temp-folder", _full_disk_new_folder, 1, "no space left on the device"),
    Case("read-only-file-system", _read_only_parent, 1, "the file system is read-only"),
    Case("no-permission", _no_permission, 1, "permission denied", out="sub"),
    Case("final-move-fails", _rename_fails, 1, "no space left on the device"),
    # -- demo, schema, import -------------------------------------------------------------
    Case("demo-over-a-user-study", _demo_over_user_study, 1, "not written by audit-eval"),
    Case("demo-force-over-a-user-study", _demo_over_user_study_force, 1, "not written by audit-eval"),
    Case("demo-data-over-a-user-study", _demo_no_report_over_user_study, 1, "not written by audit-eval"),
    Case("demo-data-again", _demo_no_report_again, 0, "valid", out="x/data"),
    Case("demo-over-an-unmarked-demo", _demo_over_unmarked_demo, 0, "valid", out="x/data"),
    Case("demo-over-an-edited-unmarked-demo", _demo_over_edited_unmarked_demo, 1, "not written by audit-eval"),
    Case("out-is-the-current-folder", _out_is_cwd, 1, "give the output folder by its name"),
    Case("demo-data-again-without-force", _demo_no_report_again_without_force, 1, "pass --force"),
    Case("schema-into-a-study", _schema_into_study, 1, "is a study folder"),
    Case("schema-force-into-a-study", _schema_into_study_force, 1, "is a study folder"),
    Case("schema-again-without-force", _schema_again, 1, "pass --force"),
    Case("schema-over-an-unmarked-schema", _schema_legacy_force, 0, "Wrote", out="s"),
    Case("schema-with-a-user-file", _schema_with_user_file, 1, "my_notes.md"),
    Case("schema-new", _schema_new, 0, "Wrote", out="s"),
    Case("import-into-a-user-folder", _import_into_user_folder, 1, "not a study folder"),
    Case("import-while-locked", _import_locked, 1, "being written by another run"),
    Case("import-full-disk", _import_full_disk, 1, "no space left on the device"),
    # -- usage errors --------------------------------------------------------------------------
    Case("validate-missing-path", _validate_missing, 2, "does not exist"),
    Case("report-missing-study", _report_missing_study, 2, "study folder"),
    Case("report-missing-config", _report_missing_config, 2, "configuration"),
    Case("report-config-is-a-folder", _report_config_is_folder, 2, "is a folder"),
    Case("escape-codes-in-a-path", _escape_codes_in_path, 2, "does not exist"),
    Case("verify-missing-folder", _verify_missing, 2, "does not exist"),
    # -- verify on damaged records ------------------------------------------------------------
    Case("verify-no-record", _verify_no_record, 1, "no provenance.json"),
    Case("verify-truncated-record", _verify_truncated, 1, "provenance.json"),
    Case("verify-record-is-a-list", _verify_record(b"[1, 2, 3]"), 1, "provenance.json"),
    Case("verify-record-is-binary", _verify_record(bytes(range(256))), 1, "provenance.json"),
    Case("verify-record-empty", _verify_record(b""), 1, "provenance.json"),
    Case("verify-inputs-wrong-type", _verify_inputs_wrong, 1, "inputs"),
    Case("verify-no-configuration", _verify_no_config, 1, "config.toml"),
    Case("verify-summary-year-not-a-number", _verify_summary_without_year, 1, "year"),
    # -- exit codes of analyses -------------------------------------------------------------
    Case("report-empty-study", _report_on("empty", text=FAST), 1, "no units"),
    Case("report-no-comparison-units", _report_on("no_comparison"), 3, "failed", out="out"),
    Case("report-no-comparison-allowed", _report_on("no_comparison", "--allow-failures"), 0, "report written to", out="out"),
    Case("report-no-audited-units", _report_on("no_audited"), 3, "Callaway", out="out"),
    Case("report-one-year", _report_on("one_year"), 3, "failed", out="out"),
    Case("report-indicator-without-values", _report_on("no_values"), 3, "Panel", out="out"),
    Case("summary-no-measures", _summary_on("no_audited"), 3, "Umsetzungsquoten", out="out"),
    # -- configurations -----------------------------------------------------------------------
    Case("config-utf16", _config_file("\ufeff" + FAST + '[study]\ntitle = "Jahresbericht Köln"\n', "utf-16-le"), 0, "report written", out="out", check=_title_in_report("Jahresbericht Köln")),
    Case("config-cp1252", _config_file(FAST + '[study]\ntitle = "Maßnahmen in Düren"\n', "cp1252"), 0, "report written", out="out", check=_title_in_report("Maßnahmen in Düren")),
    Case("config-utf8-bom", _config_file("\ufeff" + FAST), 0, "report written", out="out"),
    Case("config-undecodable", _config_file(b"[report]\ntitle = \"\x81\x8d\x8f\x90\x9d\"\n"), 1, "encoding"),
    Case("config-draws-1e9", _config_file(FAST + "[impact.robustness]\nrandomization_draws = 1e9\n"), 1, "impact.robustness.randomization_draws"),
    Case("config-draws-too-many", _config_file(FAST + "[impact.robustness]\nrandomization_draws = 1000000000\n"), 1, "at most 100,000"),
    Case("config-bootstrap-too-many", _config_file(FAST + "[impact.att_gt]\nbootstrap = 1000000000\n"), 1, "at most 100,000"),
    Case("config-sections-not-a-list", _config_file('[report]\nsections = "methods"\n'), 1, "report.sections"),
    Case("config-caliper-nan", _config_file(FAST + "[comparison]\ncaliper = nan\n"), 1, "comparison.caliper"),
    Case("config-binary", _config_file(bytes(range(256)) * 4), 1, "report.toml"),
    # -- text from the data and the configuration ------------------------------------------
    Case("markdown-injection-in-the-title", _injected_title, 0, "report written", out="out", check=_no_remote_image),
]  # fmt: skip


def test_catalogue_is_large_enough():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_output(case: Case, studies, tmp_path, monkeypatch, capsys):
    root = tmp_path / "case"
    root.mkdir()
    with monkeypatch.context() as mp:
        made = case.setup(studies, root, mp)
        argv, after = (made, None) if isinstance(made, list) else made
        capsys.readouterr()
        before = snapshot(root)
        code = main(argv)
        if after is not None:
            after()
    captured = capsys.readouterr()
    after_run = snapshot(root)
    text = captured.err + captured.out
    assert "Traceback" not in text and "internal error" not in text, text
    assert code == case.code, f"exit code {code}, expected {case.code}: {text}"
    wanted = captured.out if case.code == 0 else captured.err
    assert case.message in wanted, f"{case.message!r} not in {wanted!r}"
    if case.code != 0:
        # the command line's wording, never the Python API's; no terminal escape codes
        assert "force=True" not in captured.err and "\x1b" not in captured.err
    if case.concurrent:
        before = {
            n: v for n, v in before.items() if not n.startswith((".out.lock", ".out.partial-"))
        }
    assert changes(before, after_run, case.out) == []
    new = set(after_run) - set(before)
    assert [n for n in new if ".partial-" in n or ".old-" in n or n.endswith(".lock")] == []
    if case.check is not None:
        case.check(root)
