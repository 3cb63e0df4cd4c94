"""Property: a random corruption of a valid study never crashes and is always reported."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evaluation as ev
from evaluation import schema

# children of each table (tables whose foreign keys point to it)
CHILDREN = {
    t.name: {c.name for c in schema.TABLES.values() for fk in c.foreign_keys if fk.table == t.name}
    for t in schema.TABLES.values()
}
FOREIGN = {t.name: {fk.fields for fk in t.foreign_keys} for t in schema.TABLES.values()}
DUPLICATE = object()
BAD_VALUES = {
    "integer": st.sampled_from(["x", "1.5", "zwei", "1e400x", "--"]),
    "number": st.sampled_from(["x", "1,5", "n/a", "inf", "1.2.3"]),
    "date": st.sampled_from(["01.02.2015", "2015-02-30", "gestern", "2015/02/01"]),
    "boolean": st.sampled_from(["vielleicht", "2", "yes!"]),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    f = tmp_path_factory.mktemp("prop") / "study"
    # with the optional mixed-methods tables, so that their fields are corrupted too
    study = ev.datasets.synthetic_study(seed=11, n_audited=5, n_comparison=8)
    ev.add_mixed_methods(study, seed=11).save(f)
    return f


@st.composite
def corruption(draw):
    table = draw(st.sampled_from([t for t in schema.TABLE_NAMES]))
    fields = [f for f in schema.TABLES[table].fields if f.required or f.type in BAD_VALUES]
    f = draw(st.sampled_from(fields))
    if f.type in BAD_VALUES and (not f.required or draw(st.booleans())):
        value = draw(BAD_VALUES[f.type])
    elif f.enum is not None:
        value = draw(st.text(min_size=1, max_size=12).filter(lambda v: v.strip() not in f.enum))
    elif f.type == "string" and f.name in FOREIGN[table]:
        value = "\u00e4" + draw(st.text(max_size=8))  # no key starts with a letter
    elif f.type == "string" and f.name in schema.TABLES[table].primary_key:
        value = DUPLICATE  # the key of another row
    else:
        value = ""  # a required value left empty
    return table, f.name, value, draw(st.integers(min_value=0, max_value=10_000))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(c=corruption())
def test_random_corruptions_are_reported(folder, tmp_path_factory, c):
    table, field, value, pick = c
    d = tmp_path_factory.mktemp("c") / "s"
    shutil.copytree(folder, d)
    p = d / f"{table}.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    row = pick % len(df)
    if value is DUPLICATE:
        key = list(schema.TABLES[table].primary_key)
        df.loc[row, key] = df.loc[(row + 1) % len(df), key].to_numpy()
    else:
        df.at[row, field] = value
    df.to_csv(p, index=False)
    with pytest.raises(ev.StudyValidationError) as info:
        ev.load_study(d)
    errors = info.value.errors
    assert errors
    assert any(e.table in {table} | CHILDREN[table] for e in errors)
    assert all(isinstance(str(e), str) for e in errors)
