"""Fuzzing the report configuration, provenance.json and the command line: whatever the input,
only the package's own errors (:class:`~evaluation.errors.EvaluationError`) come out of
``load_config`` and ``verify_report``, and ``evaluation.cli.main`` returns an exit code
without an internal error.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.cli import main
from evaluation.datasets import synthetic_study
from evaluation.errors import EvaluationError
from evaluation.report import load_config, render_report, verify_report
from evaluation.report.config import ReportConfig

FAST = {"report": {"formats": ["markdown"], "sections": ["methods", "provenance"]}}
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- values and structures ---------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_like = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def _keys() -> dict[str, list[str]]:
    """The keys of every table of the configuration (to reach deep into it)."""
    import dataclasses
    import typing

    out: dict[str, list[str]] = {}

    def walk(cls, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            sub = hints.get(f.name)
            if not f.name.startswith("source") and dataclasses.is_dataclass(sub):
                name = f"{prefix}.{f.name}" if prefix else f.name
                out[name] = [g.name for g in dataclasses.fields(sub)]
                walk(sub, name)

    walk(ReportConfig, "")
    return out


KEYS = _keys()
TABLES = [k for k in KEYS if k]
VALID_VALUES = (
    st.sampled_from(["de", "en", "html", "markdown", "pdf", "twfe", "att_gt", "matched", "dr"])
    | st.integers(min_value=-5, max_value=10**6)
    | st.lists(st.sampled_from(["data", "impact", "twfe", "childcare_u3", -1, 5]), max_size=3)
)


@st.composite
def configurations(draw) -> dict:
    """Dicts shaped like a configuration: real table and key names (mostly) with values that
    are sometimes right, often of the wrong type or out of range."""
    data: dict = {}
    for table in draw(st.lists(st.sampled_from(TABLES), max_size=4, unique=True)):
        node = data
        parts = table.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            keys = draw(
                st.lists(
                    st.sampled_from(KEYS[table]) | st.text(max_size=8),
                    max_size=4,
                    unique=True,
                )
            )
            node[parts[-1]] = {k: draw(VALID_VALUES | json_like) for k in keys}
    if draw(st.booleans()):
        data[draw(st.text(max_size=8))] = draw(json_like)
    return data


def toml_text(data: dict) -> str:
    """A small TOML writer for the generated structures (values it cannot write are left
    out, so the text is TOML of about that shape, or deliberately not TOML)."""

    def value(v) -> str | None:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v) if abs(v) < 2**63 else None
        if isinstance(v, float):
            return (
                "nan"
                if math.isnan(v)
                else ("inf" if v > 0 else "-inf")
                if math.isinf(v)
                else repr(v)
            )
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            items = [value(x) for x in v]
            return None if None in items else "[" + ", ".join(items) + "]"
        if isinstance(v, dict):
            items = [(k, value(x)) for k, x in v.items()]
            if any(x is None for _, x in items):
                return None
            return "{" + ", ".join(f"{json.dumps(k)} = {x}" for k, x in items) + "}"
        return None

    lines = []
    for k, v in data.items():
        text = value(v)
        if text is not None:
            lines.append(f"{json.dumps(k)} = {text}")
    return "\n".join(lines) + "\n"


@given(configurations())
@FUZZ
def test_load_config_dicts_raise_only_config_errors(data):
    try:
        cfg = load_config(data)
    except EvaluationError:
        return
    assert isinstance(cfg, ReportConfig)
    # what is accepted can be written and read back unchanged
    from evaluation.report.config import parse_config

    assert parse_config(cfg.to_toml()) == cfg


ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "cp1252",
    "latin-1",
]


@given(configurations(), st.sampled_from(ENCODINGS), st.binary(max_size=8), st.booleans())
@FUZZ
def test_load_config_files_raise_only_config_errors(tmp_path, data, encoding, noise, corrupt):
    text = toml_text(data)
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    if corrupt:
        raw = raw[: len(raw) // 2] + noise + raw[len(raw) // 2 :]
    p = tmp_path / "fuzz.toml"
    p.write_bytes(raw)
    try:
        load_config(p)
    except EvaluationError:
        pass


@given(st.binary(max_size=400))
@FUZZ
def test_load_config_random_bytes(tmp_path, raw):
    p = tmp_path / "bytes.toml"
    p.write_bytes(raw)
    try:
        load_config(p)
    except EvaluationError:
        pass


# -- provenance.json ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-report")
    synthetic_study(seed=1, n_audited=4, n_comparison=6).save(root / "data")
    return render_report(root / "data", FAST, root / "report")


def _paths(rec, prefix=()):
    """Every path into a JSON structure (keys and list positions)."""
    yield prefix
    if isinstance(rec, dict):
        for k, v in rec.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(rec, list):
        for i, v in enumerate(rec[:3]):
            yield from _paths(v, (*prefix, i))


def _replace(rec, path, value):
    if not path:
        return value
    node = rec
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return rec


@given(st.data())
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_verify_damaged_records_raise_only_evaluation_errors(report, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("copy") / "report"
    shutil.copytree(report, folder)
    # the study is found relative to the report: copy it beside
    shutil.copytree(report.parent / "data", folder.parent / "data")
    rec = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    how = data.draw(st.sampled_from(["replace", "delete", "bytes", "truncate"]))
    p = folder / "provenance.json"
    if how == "bytes":
        p.write_bytes(data.draw(st.binary(max_size=300)))
    elif how == "truncate":
        raw = p.read_bytes()
        p.write_bytes(raw[: data.draw(st.integers(0, len(raw) - 1))])
    else:
        paths = [q for q in _paths(rec) if q] or [()]
        path = data.draw(st.sampled_from(paths))
        if how == "delete" and path and isinstance(path[-1], str):
            node = rec
            for step in path[:-1]:
                node = node[step]
            del node[path[-1]]
        else:
            rec = _replace(rec, path, data.draw(json_like))
        p.write_text(json.dumps(rec), encoding="utf-8")
    try:
        verify_report(folder)
    except EvaluationError:
        pass
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["verify", str(folder)])
    assert code in (0, 1), err.getvalue()
    assert "internal error" not in err.getvalue()


# -- the command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_root(tmp_path_factory, report) -> Path:
    root = tmp_path_factory.mktemp("fuzz-cli")
    shutil.copytree(report.parent / "data", root / "data")
    (root / "c.toml").write_text(
        '[report]\nformats = ["markdown"]\nsections = ["methods"]\n', encoding="utf-8"
    )
    (root / "bad.toml").write_bytes(b"\xff\xfe[\x00")
    return root


WORDS = [
    "validate", "report", "summary", "verify", "schema", "init", "--config", "--out",
    "--force", "--year", "--quiet", "--format", "json", "text", "--allow-failures", "2019",
    "-1", "0", "abc", "", "--help",
]  # fmt: skip


@given(st.data())
@FUZZ
def test_cli_returns_an_exit_code(cli_root, monkeypatch, data):
    monkeypatch.chdir(cli_root)  # random words may be taken as relative paths
    paths = [
        str(cli_root / n)
        for n in ("data", "c.toml", "bad.toml", "out", "nope", "data/municipalities.csv")
    ]
    argv = data.draw(
        st.lists(st.sampled_from(WORDS + paths) | st.text(max_size=6), min_size=0, max_size=8)
    )
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    assert isinstance(code, int) and code in (0, 1, 2, 3), (argv, code)
    assert "internal error" not in err.getvalue(), (argv, err.getvalue())
