"""Territorial changes between directory snapshots, and harmonising an indicator panel to the
units of one territorial reference year with a user crosswalk (table :data:`CROSSWALK`): sums
for counts, weighted means for rates, as the catalogue says."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import codes
from ..errors import DataError, DataWarning
from ..options import IncompletePolicy, check_option
from ..study import schema
from ..study.schema import CROSSWALK as CROSSWALK  # the crosswalk table is defined with the schema
from ._numbers import normalise_codes, parse_numbers

_INDICATOR_COLUMNS = [f.name for f in schema.INDICATORS.fields]


def territorial_changes(
    snapshots: pd.DataFrame | Mapping[Any, pd.DataFrame | Iterable[str]],
    *,
    snapshot: str = "snapshot",
    code: str = "municipality_id",
    name: str = "name",
    population: str = "population",
    area: str = "area_km2",
) -> pd.DataFrame:
    """Codes that appear or disappear between consecutive directory snapshots.

    Parameters
    ----------
    snapshots
        Either a long frame with a ``snapshot`` column (e.g. the year of the directory) and a
        ``code`` column, or a mapping snapshot label -> frame (e.g. from
        :func:`read_gemeindeverzeichnis`) or -> list of codes. Snapshots are ordered by label.
    snapshot, code, name, population, area
        Column names in the snapshots (``name``, ``population`` and ``area`` are carried along
        when present).

    Returns
    -------
    DataFrame
        One row per change: ``from_snapshot``, ``to_snapshot``, ``change`` (``disappeared`` or
        ``appeared``), ``municipality_id``, ``name``, ``population``, ``area_km2`` (of the
        snapshot where the code exists) and ``candidate``: for a disappeared code, the code that
        appeared in the same step under exactly the same name, and vice versa; empty when there
        is none or more than one. That is often a pure recoding, but a merge under the name of
        one partner looks the same, so candidates are hints for writing the crosswalk, not a
        crosswalk.
    """
    long = _snapshot_frame(snapshots, snapshot, code, name, population, area)
    keep = [
        c
        for c in ("snapshot", "municipality_id", "name", "population", "area_km2")
        if c in long.columns
    ]
    long = long[keep].copy()
    long["municipality_id"], _ = normalise_codes(long["municipality_id"], source="snapshots")
    if "name" not in long.columns:
        long["name"] = pd.NA
    labels = sorted(long["snapshot"].unique(), key=_label_key)
    if len(labels) < 2:
        raise DataError("territorial changes need at least two snapshots")
    dup = long.duplicated(["snapshot", "municipality_id"])
    if dup.any():
        r = long[dup].iloc[0]
        raise DataError(f"snapshot {r['snapshot']!r} lists code {r['municipality_id']} twice")
    out = []
    by = {lab: long[long["snapshot"] == lab] for lab in labels}
    for a, b in zip(labels[:-1], labels[1:], strict=True):
        A, B = by[a], by[b]
        gone = A[~A["municipality_id"].isin(B["municipality_id"])].assign(change="disappeared")
        new = B[~B["municipality_id"].isin(A["municipality_id"])].assign(change="appeared")
        for this, other in ((gone, new), (new, gone)):
            counts = other["name"].value_counts()
            unique_names = counts[counts == 1].index
            lookup = other[other["name"].isin(unique_names)].set_index("name")["municipality_id"]
            this = this.copy()
            this["candidate"] = this["name"].map(lookup)
            this["from_snapshot"] = a
            this["to_snapshot"] = b
            out.append(this)
    res = pd.concat(out, ignore_index=True)
    cols = [
        "from_snapshot",
        "to_snapshot",
        "change",
        "municipality_id",
        "name",
        "population",
        "area_km2",
        "candidate",
    ]
    for c in cols:
        if c not in res.columns:
            res[c] = pd.NA
    res = res[cols].astype({"municipality_id": "string", "candidate": "string", "change": "string"})
    order = {lab: i for i, lab in enumerate(labels)}
    res["_o"] = res["from_snapshot"].map(order)
    return (
        res.sort_values(
            ["_o", "change", "municipality_id"], ascending=[True, False, True], kind="stable"
        )
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _snapshot_frame(
    snapshots: pd.DataFrame | Mapping[Any, pd.DataFrame | Iterable[str]],
    snapshot: str,
    code: str,
    name: str,
    population: str,
    area: str,
) -> pd.DataFrame:
    """The snapshots as one long frame with the columns ``snapshot``, ``municipality_id`` and,
    where present, ``name``, ``population`` and ``area_km2``."""
    if isinstance(snapshots, pd.DataFrame):
        for c in (snapshot, code):
            if c not in snapshots.columns:
                raise DataError(
                    f"column {c!r} not found in the snapshots; columns are "
                    f"{list(snapshots.columns)[:12]} (pass snapshot=..., code=...)"
                )
        return snapshots.rename(
            columns={
                snapshot: "snapshot",
                code: "municipality_id",
                name: "name",
                population: "population",
                area: "area_km2",
            }
        )
    frames = []
    for label, snap in snapshots.items():
        if isinstance(snap, pd.DataFrame):
            if code not in snap.columns:
                raise DataError(f"snapshot {label!r} has no column {code!r}")
            f = snap.rename(
                columns={
                    code: "municipality_id",
                    name: "name",
                    population: "population",
                    area: "area_km2",
                }
            ).copy()
        else:
            f = pd.DataFrame({"municipality_id": list(snap)})
        f["snapshot"] = label
        frames.append(f)
    if not frames:
        raise DataError("no snapshots given")
    return pd.concat(frames, ignore_index=True)


def _label_key(v: Any) -> tuple:
    try:
        return (0, float(v), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(v))


def _crosswalk_frame(crosswalk: pd.DataFrame) -> pd.DataFrame:
    need = ["old_id", "new_id", "weight"]
    missing = [c for c in need if c not in crosswalk.columns]
    if missing:
        raise DataError(
            f"crosswalk lacks the column(s) {missing}; it needs old_id, new_id, weight "
            "(and optionally valid_from, valid_to)"
        )
    cw = pd.DataFrame(index=range(len(crosswalk)))
    for c in ("old_id", "new_id"):
        v = crosswalk[c].astype("string").str.strip().reset_index(drop=True)
        bad = ~v.str.fullmatch(r"\d{5}|\d{8}").fillna(False)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"crosswalk, row {i + 1}, field {c}: {crosswalk[c].iloc[i]!r} is not a 5- or "
                "8-digit code written as text"
            )
        cw[c] = v
    w = crosswalk["weight"].reset_index(drop=True)
    if not pd.api.types.is_numeric_dtype(w.dtype):
        w = parse_numbers(
            w,
            decimal=".",
            thousands=None,
            missing=("",),
            where=pd.Series([f"crosswalk, row {i + 1}, field weight" for i in range(len(w))]),
        )
    w = w.astype("float64")
    bad = w.isna() | (w < 0) | ~np.isfinite(w)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"crosswalk, row {i + 1}, field weight: {crosswalk['weight'].iloc[i]!r}; weights are "
            "non-negative numbers (population or area of the piece)"
        )
    cw["weight"] = w.to_numpy()
    for c in ("valid_from", "valid_to"):
        if c in crosswalk.columns:
            v = pd.to_numeric(
                crosswalk[c].reset_index(drop=True).replace("", None), errors="coerce"
            )
            raw = crosswalk[c].reset_index(drop=True)
            bad = v.isna() & raw.notna() & (raw.astype("string").str.strip() != "")
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(f"crosswalk, row {i + 1}, field {c}: {raw.iloc[i]!r} is not a year")
            cw[c] = v.to_numpy(dtype="float64")
        else:
            cw[c] = np.nan
    dup = cw.duplicated(["old_id", "new_id", "valid_from", "valid_to"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            f"crosswalk, row {i + 1}: the pair {cw['old_id'][i]} -> {cw['new_id'][i]} appears twice"
        )
    return cw


def harmonise(
    indicators: pd.DataFrame,
    crosswalk: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    reference: Iterable[str] | pd.DataFrame,
    on_incomplete: IncompletePolicy = "error",
) -> pd.DataFrame:
    """Map an indicator panel to the units of one territorial reference year.

    Each value of an old unit goes to the new unit(s) of its crosswalk rows; codes of the
    reference without a crosswalk row for that year stay as they are. Per indicator, the
    catalogue's ``aggregation`` decides how pieces are combined:

    * ``sum`` (counts): new value = sum over pieces of value x share, where a piece's share is its
      weight divided by the total weight of its old unit's rows (1 for a whole unit);
    * ``weighted_mean`` (rates, shares): new value = sum of weight x value / sum of weight.

    Parameters
    ----------
    indicators
        Long table (municipality_id, year, indicator, value).
    crosswalk
        Table :data:`CROSSWALK`: old_id, new_id, weight (population or area of the piece),
        optionally valid_from / valid_to (data years the row applies to).
    catalogue
        The indicator catalogue with an ``aggregation`` for every indicator of the panel.
    reference
        The codes of the reference year (a list, or a municipalities table).
    on_incomplete
        A new unit-year is incomplete when one of its old units has no value: with validity
        years, every old unit whose row is valid that year is expected; without them, every old
        unit with a value of any indicator in that year. ``"error"`` (default) lists them;
        ``"drop"`` leaves those unit-years out with a warning.

    Returns
    -------
    DataFrame
        The long indicators table of the reference units (municipality_id, year, indicator,
        value). ``attrs["excluded"]`` lists the unit-years left out as incomplete (new_id, year,
        indicator, n, expected); ``attrs["dropped"]`` is the same table under its deprecated
        name (for one release).

    Raises
    ------
    DataError
        Codes of the panel that are neither reference codes nor in the crosswalk (listed),
        crosswalk targets outside the reference, indicators without an aggregation rule.
    """
    check_option("on_incomplete", on_incomplete, IncompletePolicy)
    miss = [c for c in _INDICATOR_COLUMNS if c not in indicators.columns]
    if miss:
        raise DataError(f"indicators lack the column(s) {miss}")
    if isinstance(reference, pd.DataFrame):
        if "municipality_id" not in reference.columns:
            raise DataError("reference table has no column municipality_id")
        reference = reference["municipality_id"]
    ref = set(pd.Series(list(reference), dtype="string"))
    cw = _crosswalk_frame(crosswalk)
    outside = sorted(set(cw["new_id"]) - ref)
    if outside:
        raise DataError(
            f"crosswalk maps to {len(outside)} code(s) that are not in the reference: "
            f"{', '.join(outside[:20])}"
        )
    rule = _aggregation_rules(indicators, catalogue)
    ind = _indicator_frame(indicators)
    allp = _pieces(ind, cw, ref)
    x = ind.merge(allp[["old_id", "year", "new_id", "weight", "share"]], on=["old_id", "year"])
    x["_rule"] = x["indicator"].map(rule)
    is_sum = (x["_rule"] == "sum").to_numpy()
    x["_num"] = np.where(is_sum, x["value"] * x["share"], x["value"] * x["weight"])
    x["_den"] = np.where(is_sum, 1.0, x["weight"])
    key = ["new_id", "year", "indicator"]
    agg = x.groupby(key, sort=True).agg(
        num=("_num", "sum"), den=("_den", "sum"), n=("old_id", "nunique"), rule=("_rule", "first")
    )
    expected = _expected_units(ind, cw, allp)
    agg = agg.join(expected.rename("expected"), on=["new_id", "year"])
    incomplete = agg["n"] < agg["expected"]
    excluded = agg[incomplete].reset_index()[key + ["n", "expected"]]
    if len(excluded):
        listed = "; ".join(
            f"{r.new_id} {r.year} {r.indicator} ({r.n} of {r.expected} old units)"
            for r in excluded.head(10).itertuples()
        )
        if on_incomplete == "error":
            raise DataError(
                f"{len(excluded)} harmonised value(s) would be incomplete because an old unit "
                f"has no value: {listed}. Fill the gaps or pass on_incomplete='drop'."
            )
        warnings.warn(
            f"{len(excluded)} incomplete unit-year(s) left out: {listed}",
            DataWarning,
            stacklevel=2,
        )
    agg = agg[~incomplete]
    value = np.where(agg["rule"] == "sum", agg["num"], agg["num"] / agg["den"])
    out = pd.DataFrame(
        {
            "municipality_id": agg.index.get_level_values("new_id"),
            "year": agg.index.get_level_values("year"),
            "indicator": agg.index.get_level_values("indicator"),
            "value": value,
        }
    ).astype(
        {"municipality_id": "string", "year": "Int64", "indicator": "string", "value": "float64"}
    )
    out = out.reset_index(drop=True)
    out.attrs["excluded"] = excluded
    out.attrs["dropped"] = excluded  # deprecated name, for one release
    return out


def _aggregation_rules(indicators: pd.DataFrame, catalogue: pd.DataFrame) -> dict[str, Any]:
    """The catalogue's aggregation rule of every indicator of the panel (each must have one)."""
    cat = (
        catalogue.set_index("indicator")["aggregation"]
        if "aggregation" in catalogue.columns
        else pd.Series(dtype="string")
    )
    used = sorted(set(indicators["indicator"].astype("string")))
    rule = {i: (cat.get(i) if i in cat.index else None) for i in used}
    no_rule = [i for i, r in rule.items() if pd.isna(r) or r not in codes.AGGREGATION_CODES]
    if no_rule:
        raise DataError(
            f"indicator_catalogue: no aggregation rule for {', '.join(no_rule)}; set the column "
            "aggregation to sum (counts) or weighted_mean (rates and shares)"
        )
    return rule


def _indicator_frame(indicators: pd.DataFrame) -> pd.DataFrame:
    """The panel as old_id, year, indicator, value (complete and numeric, else an error)."""
    na = indicators[_INDICATOR_COLUMNS].isna().to_numpy()
    if na.any():
        i, j = (int(v[0]) for v in np.nonzero(na))
        raise DataError(
            f"indicators, row {i + 1}, field {_INDICATOR_COLUMNS[j]}: missing value; the long "
            "indicators table has no empty cells (leave such rows out)"
        )
    if not pd.api.types.is_numeric_dtype(indicators["value"].dtype):
        raise DataError("indicators, field value: not numeric (parse the values first)")
    return pd.DataFrame(
        {
            "old_id": indicators["municipality_id"].astype("string").to_numpy(),
            "year": pd.to_numeric(indicators["year"]).astype("int64").to_numpy(),
            "indicator": indicators["indicator"].astype("string").to_numpy(),
            "value": indicators["value"].astype("float64").to_numpy(),
        }
    )


def _pieces(ind: pd.DataFrame, cw: pd.DataFrame, ref: set[str]) -> pd.DataFrame:
    """Where each old unit-year goes: the crosswalk rows valid that year (with the share of the
    old unit's weight) and, for reference codes without such rows, the unit itself."""
    uy = ind[["old_id", "year"]].drop_duplicates()
    pieces = uy.merge(cw, on="old_id", how="inner")
    valid = (pieces["valid_from"].isna() | (pieces["year"] >= pieces["valid_from"])) & (
        pieces["valid_to"].isna() | (pieces["year"] <= pieces["valid_to"])
    )
    pieces = pieces[valid.to_numpy()].copy()
    total = pieces.groupby(["old_id", "year"])["weight"].transform("sum")
    if (total <= 0).any():
        r = pieces[(total <= 0).to_numpy()].iloc[0]
        raise DataError(
            f"crosswalk: the rows of {r['old_id']} (year {r['year']}) have total weight 0"
        )
    pieces["share"] = pieces["weight"] / total
    mapped = uy.merge(pieces[["old_id", "year"]].drop_duplicates(), how="left", indicator=True)
    plain = mapped[mapped["_merge"] == "left_only"][["old_id", "year"]]
    unmapped = plain[~plain["old_id"].isin(ref)]
    if len(unmapped):
        span = unmapped.groupby("old_id")["year"].agg(["min", "max"])
        listed = ", ".join(
            f"{c} ({a}-{b})" if a != b else f"{c} ({a})" for c, (a, b) in span.iterrows()
        )
        raise DataError(
            f"{len(span)} code(s) of the indicators are neither in the reference nor mapped by "
            f"the crosswalk (years in brackets): {listed}. Add crosswalk rows old_id -> new_id "
            "for them."
        )
    identity = plain.assign(
        new_id=plain["old_id"], weight=1.0, share=1.0, valid_from=np.nan, valid_to=np.nan
    )
    identity["_identity"] = True
    pieces["_identity"] = False
    allp = pd.concat([pieces, identity], ignore_index=True)
    # a reference unit that receives pieces must say its own weight
    mix = allp.groupby(["new_id", "year"])["_identity"].agg(["any", "all"])
    mixed = mix[mix["any"] & ~mix["all"]]
    if len(mixed):
        (nid, yr) = mixed.index[0]
        raise DataError(
            f"{nid} receives territory through the crosswalk in {yr} but has no crosswalk row of "
            f"its own for that year; add a row {nid},{nid},<weight> so that its own part is "
            f"weighted ({len(mixed)} unit-year(s) like this)"
        )
    return allp


def _expected_units(ind: pd.DataFrame, cw: pd.DataFrame, allp: pd.DataFrame) -> pd.Series:
    """How many old units each new unit-year expects: with validity years, every old unit
    whose crosswalk row is valid that year; without, every old unit with data that year."""
    expected = allp.groupby(["new_id", "year"])["old_id"].nunique()
    if not cw[["valid_from", "valid_to"]].notna().any(axis=None):
        return expected
    # allp holds only units present in the data; count the valid rows of the crosswalk
    yrs = ind[["year"]].drop_duplicates()
    cwy = yrs.merge(cw, how="cross")
    ok = (cwy["valid_from"].isna() | (cwy["year"] >= cwy["valid_from"])) & (
        cwy["valid_to"].isna() | (cwy["year"] <= cwy["valid_to"])
    )
    exp_cw = cwy[ok.to_numpy()].groupby(["new_id", "year"])["old_id"].nunique()
    return exp_cw.combine(expected, max, fill_value=0)
