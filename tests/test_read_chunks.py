"""Reading a large table in chunks gives the same typed table and the same problems (rows of
the file, summaries, messages) as reading it at once; files that are not plain are read at
once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.study import read_chunks
from evaluation.study.problems import PROBLEM_LIMIT
from evaluation.study.read import read_tables


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("chunks") / "study"
    ev.datasets.synthetic_study(seed=3).save(path)
    return path


def _corrupt(path, edits: dict[int, dict[str, str]]) -> None:
    """Replace cells of indicators.csv (data row -> field -> text)."""
    file = path / "indicators.csv"
    lines = file.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    for row, cells in edits.items():
        parts = lines[row].split(",")
        for fld, text in cells.items():
            parts[header.index(fld)] = text
        lines[row] = ",".join(parts)
    file.write_text("\n".join(lines), encoding="utf-8")


def _both(path, monkeypatch, chunk_bytes: int = 20_000):
    monkeypatch.setattr(read_chunks, "MIN_BYTES", 1 << 40)
    whole = read_tables(path)
    calls = []
    real = read_chunks.read_csv_chunked

    def spy(*a, **k):
        out = real(*a, **k)
        calls.append((a[1].name, out is not None))
        return out

    monkeypatch.setattr(read_chunks, "MIN_BYTES", 0)
    monkeypatch.setattr(read_chunks, "CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr("evaluation.study.read.read_csv_chunked", spy)
    chunked = read_tables(path)
    return whole, chunked, dict(calls)


def _same(whole, chunked) -> None:
    assert list(whole.tables) == list(chunked.tables)
    for name in whole.tables:
        pd.testing.assert_frame_equal(whole.tables[name], chunked.tables[name])
    assert whole.problems == chunked.problems


def test_a_valid_study_reads_the_same_in_chunks(folder, tmp_path, monkeypatch):
    path = tmp_path / "s"
    ev.load_study(folder).save(path)
    whole, chunked, calls = _both(path, monkeypatch)
    assert calls["indicators"]  # the indicators were read in chunks
    _same(whole, chunked)
    assert not [p for p in chunked.problems if p.table == "indicators"]


def test_errors_in_many_chunks_give_the_same_problems(folder, tmp_path, monkeypatch):
    path = tmp_path / "s"
    ev.load_study(folder).save(path)
    n = len(pd.read_csv(path / "indicators.csv"))
    # 2,500 bad years over the whole file: more than PROBLEM_LIMIT, so a summary counts the rest
    step = n // 2500
    edits: dict[int, dict[str, str]] = {1 + i * step: {"year": "20x1"} for i in range(2500)}
    edits[5] = {"year": "99999999999999999999"}  # too large, with the bad years: sorted by row
    edits[n - 3] = {"year": "12345678901234567890"}
    # bad values in several chunks, infinite ones among them (a second kind: sorted by row)
    for r in (7, n // 3, n // 2):
        edits[r] = {"value": "abc"}
    edits[n - 10] = {"value": "1;5"}
    edits[n - 11] = {"value": "1.2.3"}
    edits[n - 1] = {"value": "1e999"}
    edits[n // 4] = {"value": "inf"}
    edits[11] = {"indicator": "Arbeitsl\u00c3\u00b6se"}  # mojibake (warning)
    edits[n // 5] = {"indicator": "bad\x00code"}  # NUL (error)
    edits[2 * n // 3] = {"municipality_id": "  "}  # blank id
    _corrupt(path, edits)
    n_bad = sum(e.get("year") == "20x1" for e in edits.values())
    assert (path / "indicators.csv").stat().st_size > 20 * 20_000  # many chunks of 20,000 bytes
    assert n_bad > PROBLEM_LIMIT + 1000
    whole, chunked, calls = _both(path, monkeypatch)
    assert calls["indicators"]
    _same(whole, chunked)
    years = [p for p in chunked.problems if p.table == "indicators" and p.field == "year"]
    listed = [p for p in years if p.row is not None and p.message == "not a whole number"]
    assert len(listed) == PROBLEM_LIMIT
    summary = [p for p in years if p.count > 1]
    assert sum(p.count for p in summary) == n_bad - PROBLEM_LIMIT
    # row numbers are rows of the file (data row r is line r + 1, edited above as lines[r])
    rows = {p.row for p in years if p.message.startswith("whole number too large")}
    assert rows == {5, n - 3}  # a kind of its own, listed although 1,000 bad years come first
    text = [p for p in chunked.problems if p.check == "text"]
    assert {p.row for p in text} == {11, n // 5}
    lines = (path / "indicators.csv").read_text(encoding="utf-8").split("\n")
    assert "\x00" in lines[n // 5]


def test_files_that_are_not_plain_are_read_at_once(folder, tmp_path, monkeypatch):
    path = tmp_path / "s"
    ev.load_study(folder).save(path)
    _corrupt(path, {20: {"indicator": '"quoted"'}})
    whole, chunked, calls = _both(path, monkeypatch)
    assert not calls["indicators"]
    _same(whole, chunked)
    path2 = tmp_path / "r"
    ev.load_study(folder).save(path2)
    file = path2 / "indicators.csv"
    file.write_text(file.read_text(encoding="utf-8").replace("\n", ",x\n", 1) + "\n", "utf-8")
    whole, chunked, calls = _both(path2, monkeypatch)
    _same(whole, chunked)


def test_duplicate_keys_name_the_first_row_of_their_key():
    """The key check on integer codes against a loop over the rows (rows with a missing key
    value are not duplicates: they are reported as missing values)."""
    from evaluation.study import checks, schema

    rng = np.random.default_rng(5)
    n = 3000
    ids = pd.array(rng.choice(["05111000", "05112000", None], n, p=[0.5, 0.45, 0.05]), "string")
    df = pd.DataFrame(
        {
            "municipality_id": ids,
            "year": pd.array(rng.integers(2010, 2013, n), dtype="Int64"),
            "indicator": pd.array(rng.choice(["a", "b", "c", "d"], n), dtype="string"),
            "value": rng.normal(size=n),
        }
    )
    probs = checks._check_key(schema.TABLES["indicators"], df)
    first: dict[tuple, int] = {}
    expected = []
    for i, row in enumerate(df[["municipality_id", "year", "indicator"]].itertuples(index=False)):
        if any(pd.isna(v) for v in row):
            continue
        if row in first:
            expected.append((i + 1, f"as row {first[row] + 1}"))
        else:
            first[row] = i
    listed = [p for p in probs if p.row is not None]
    assert len(listed) == min(len(expected), PROBLEM_LIMIT)
    assert [
        (p.row, p.message.rsplit("the same municipality_id, year, indicator ", 1)[1])
        for p in listed
    ] == expected[:PROBLEM_LIMIT]
    assert sum(p.count for p in probs if p.row is None) == len(expected) - PROBLEM_LIMIT
