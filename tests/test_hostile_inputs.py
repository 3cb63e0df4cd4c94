"""The hostile-input catalogue (tests/hostile/make_catalogue.py) through the API and the CLI.

For every case: no exception other than an ``EvaluationError`` escapes ``load_study`` (no
traceback); the problem the case plants is reported (no silent acceptance): an error makes the
study invalid and ``audit-eval validate`` exit 1 with the message, a warning is listed; and no
file of the case folder or beside it is changed or deleted (hashes, sizes and modification
times before and after). The counts are printed at the end of the test run. The default run
takes every third case, ``make test-slow`` all of them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import stat
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evaluation as ev
from evaluation import cli
from evaluation.errors import EvaluationError

_spec = importlib.util.spec_from_file_location(
    "make_catalogue", Path(__file__).parent / "hostile" / "make_catalogue.py"
)
catalogue = importlib.util.module_from_spec(_spec)
sys.modules["make_catalogue"] = catalogue
_spec.loader.exec_module(catalogue)

CASES = catalogue.cases()
#: What the catalogue found; printed by the terminal summary hook in conftest.py.
HOSTILE_TALLY: Counter = Counter()


def test_the_catalogue_has_at_least_150_cases():
    assert len(CASES) >= 150, len(CASES)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "base"
    catalogue.write_base(folder)
    return folder


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry below root: content hash, size and mtime of files; kind of the rest
    (a FIFO or device is never opened)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st_ = os.lstat(p)
            if stat.S_ISREG(st_.st_mode):
                digest = hashlib.sha256(p.read_bytes()).hexdigest()
                out[str(p)] = ("file", digest, st_.st_size, st_.st_mtime_ns)
            elif stat.S_ISLNK(st_.st_mode):
                out[str(p)] = ("link", os.readlink(p), st_.st_mtime_ns)
            else:
                out[str(p)] = (stat.S_IFMT(st_.st_mode), st_.st_mtime_ns)
    return out


def matches(case, p) -> bool:
    return (
        case.expect in str(p)
        and p.severity == case.severity
        and (case.table is None or p.table == case.table)
    )


#: every third case in the default run (a spread over the catalogue, which is ordered by
#: table and kind of damage); all of them with ``make test-slow``
DEFAULT_EVERY = 3
PARAMS = [
    pytest.param(c, id=c.id, marks=() if i % DEFAULT_EVERY == 0 else pytest.mark.slow)
    for i, c in enumerate(CASES)
]


@pytest.mark.parametrize("case", PARAMS)
def test_hostile_case(case, base, tmp_path, capsys):
    if case.special and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs or devices on this system")
    HOSTILE_TALLY["cases"] += 1
    folder = catalogue.build_case(case, base, tmp_path / "study")
    before = snapshot(tmp_path)

    # the API: only EvaluationError may escape
    invalid = False
    try:
        study = ev.load_study(folder, **case.options)
        problems = study.problems()
    except ev.StudyValidationError as exc:
        invalid = True
        problems = exc.problems
    except EvaluationError as exc:
        invalid = True
        problems = [ev.validation.Problem(case.table or "?", None, None, None, str(exc))]
    except Exception:
        HOSTILE_TALLY["tracebacks"] += 1
        raise
    hits = [p for p in problems if matches(case, p)]
    if not hits or (case.severity == "error" and not invalid):
        HOSTILE_TALLY["silent"] += 1
    assert hits, f"{case.id}: no {case.severity} with {case.expect!r}:\n" + "\n".join(
        map(str, problems)
    )
    if case.severity == "error":
        assert invalid, f"{case.id}: the study was accepted as valid"

    # the command line: exit 1 with the message (0 for a warning only); never a traceback
    try:
        rc = cli.main(["validate", str(folder)])
    except SystemExit as exc:  # argparse usage errors
        rc = exc.code
    except Exception:
        HOSTILE_TALLY["tracebacks"] += 1
        raise
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    if case.options:  # the CLI reads without the case's options: any clean answer will do
        assert rc in (0, 1), rc
    elif case.severity == "error":
        assert rc == 1, f"{case.id}: exit {rc}\n{text}"
        assert case.expect in text, text[:3000]
        if case.table is not None:
            assert case.table in text
    else:
        assert rc in (0, 1), rc
        assert case.expect in text, text[:3000]

    after = snapshot(tmp_path)
    if after != before:
        HOSTILE_TALLY["changed"] += 1
    assert after == before, "input files were changed"
    HOSTILE_TALLY["passed"] += 1


# ---------------------------------------------------------------------------------------------
# fuzz: random descriptors and random CSV bytes
# ---------------------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = ["name", "path", "format", "encoding", "dialect", "schema", "profile", "$schema", "type"]


@st.composite
def descriptors(draw):
    """A valid descriptor with random JSON put in random places."""
    desc = ev.schema.package_descriptor()
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(["top", "resource", "dialect", "schema", "field"]))
        resources = [r for r in desc["resources"] if isinstance(r, dict)]
        if not resources:
            break
        res = draw(st.sampled_from(resources))
        key = draw(st.sampled_from(KEYS + ["fields", "missingValues", "delimiter", "csv"]))
        value = draw(json_values)
        if where == "top":
            desc[draw(st.sampled_from(["resources", "profile", "name"]))] = value
            if not isinstance(desc.get("resources"), list):
                break
        elif where == "resource":
            res[key] = value
        elif where == "dialect":
            res["dialect"] = value if draw(st.booleans()) else {key: value}
        elif where == "schema":
            old = res["schema"] if isinstance(res.get("schema"), dict) else {}
            res["schema"] = value if draw(st.booleans()) else {**old, key: value}
        elif isinstance(res.get("schema"), dict) and isinstance(res["schema"].get("fields"), list):
            fields = res["schema"]["fields"]
            if fields:
                j = draw(st.integers(0, len(fields) - 1))
                old = fields[j] if isinstance(fields[j], dict) else {}
                fields[j] = value if draw(st.booleans()) else {**old, key: value}
    return desc


def load_only_evaluation_errors(folder: Path) -> None:
    try:
        ev.load_study(folder)
    except EvaluationError:
        pass


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(desc=descriptors())
def test_fuzz_descriptor(base, tmp_path_factory, desc):
    folder = tmp_path_factory.mktemp("fd") / "s"
    catalogue.build_case(catalogue.Case("fuzz", lambda f: None, ""), base, folder)
    (folder / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    load_only_evaluation_errors(folder)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=st.sampled_from(catalogue.TABLES),
    cut=st.integers(0, 4000),
    insert=st.binary(max_size=40)
    | st.sampled_from([b'"', b"\x00", b",", b"\n", b"\r", b"\xff\xfe", b"\xef\xbb\xbf", b'""\n']),
    replace=st.booleans(),
)
def test_fuzz_csv_bytes(base, tmp_path_factory, table, cut, insert, replace):
    folder = tmp_path_factory.mktemp("fc") / "s"
    catalogue.build_case(catalogue.Case("fuzz", lambda f: None, ""), base, folder)
    p = folder / f"{table}.csv"
    raw = p.read_bytes()
    cut = cut % (len(raw) + 1)
    raw = raw[:cut] + insert + raw[cut + (len(insert) if replace else 0) :]
    p.write_bytes(raw)
    load_only_evaluation_errors(folder)
