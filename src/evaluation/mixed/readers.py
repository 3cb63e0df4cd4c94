"""Reading SPSS (``.sav``, ``.zsav``) and Stata (``.dta``) survey files into ``survey_responses``.

Needs the optional package pyreadstat (``pip install 'evaluation[surveys]'``). The file is only
read, never changed. Value labels are kept: every answer carries its label in
``response_label``, and ``attrs["item_labels"]`` / ``attrs["value_labels"]`` hold the item
texts and the label sets of the file.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, EvaluationError, SurveyFileWarning
from ..options import SurveyShape, check_option

#: deprecated alias of :data:`evaluation.options.SurveyShape`
Shape = SurveyShape
#: Columns of survey_responses that describe the respondent, not an item.
RESPONDENT_COLUMNS: tuple[str, ...] = (
    "survey_id",
    "respondent_id",
    "municipality_id",
    "stratum",
    "cluster",
    "weight",
    "fpc",
)
READERS = {".sav": "read_sav", ".zsav": "read_sav", ".dta": "read_dta"}


def _pyreadstat():
    try:
        import pyreadstat
    except ImportError:
        raise EvaluationError(
            "reading SPSS or Stata files needs the package pyreadstat, which is not installed; "
            "install it with: pip install 'evaluation[surveys]'"
        ) from None
    return pyreadstat


def read_survey_file(
    path: str | Path,
    *,
    survey_id: str | None = None,
    items: Sequence[str] | None = None,
    keep: Sequence[str] = (),
    respondent: str = "respondent_id",
    shape: SurveyShape = "long",
) -> pd.DataFrame:
    """Read an SPSS or Stata file into the shape of the table ``survey_responses``.

    Parameters
    ----------
    path
        A ``.sav``/``.zsav`` (SPSS) or ``.dta`` (Stata) file.
    survey_id
        The survey wave the file holds; default: the file's ``survey_id`` column, else the
        file name without suffix.
    items
        The item columns; default: every numeric column that is not a respondent column
        (``respondent_id``, ``municipality_id``, ``stratum``, ``cluster``, ``weight``,
        ``fpc``) nor named in ``keep``.
    keep
        Further respondent-level columns to keep (e.g. ``"group"``, ``"age_group"``).
    respondent
        The respondent id column of the file (renamed to ``respondent_id``); if the file has
        none, respondents are numbered 1, 2, ... in file order.
    shape
        ``"long"`` (one row per respondent and item: ``item``, ``response``,
        ``response_label``) or ``"wide"`` (one column per item, labels in ``attrs``).

    Returns
    -------
    pandas.DataFrame
        The responses; ``attrs`` has ``item_labels``, ``value_labels`` and ``source``.
    """
    check_option("shape", shape, SurveyShape)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise DataError(
            f"{path.name}: not an SPSS (.sav, .zsav) or Stata (.dta) file; convert it or read "
            "it with pandas and pass the frame to survey_estimates"
        )
    if not path.is_file():
        raise DataError(f"{path}: the file does not exist")
    reader = getattr(_pyreadstat(), READERS[suffix])
    try:
        df, meta = reader(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own error types
        raise DataError(f"{path.name}: cannot be read as {suffix} file ({exc})") from None
    value_sets = {k: dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    item_labels = {
        k: v for k, v in zip(meta.column_names, meta.column_labels or [], strict=False) if v
    }
    missing_keep = [c for c in keep if c not in df.columns]
    if missing_keep:
        raise DataError(f"{path.name} has no column(s) {missing_keep} (keep=)")
    if respondent in df.columns:
        ids = df[respondent]
        if ids.isna().any() or ids.duplicated().any():
            bad = ids.isna() | ids.duplicated()
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"{path.name} row {row}, field {respondent}: respondent ids must be given and "
                "unique"
            )
        rid = ids.map(_text)
    else:
        rid = pd.Series([str(i + 1) for i in range(len(df))])
    if survey_id is None:
        survey_id = (
            str(df["survey_id"].iloc[0])
            if "survey_id" in df.columns and df["survey_id"].nunique() == 1
            else path.stem
        )
    fixed = [c for c in RESPONDENT_COLUMNS if c in df.columns and c not in ("respondent_id",)]
    fixed = [c for c in fixed if c != "survey_id"]
    ignore = {respondent, "survey_id", *fixed, *keep}
    if items is None:
        numeric = [
            c for c in df.columns if c not in ignore and pd.api.types.is_numeric_dtype(df[c])
        ]
        skipped = [c for c in df.columns if c not in ignore and c not in numeric]
        if skipped:
            warnings.warn(
                f"{path.name}: text column(s) {skipped} are not items (their answers are not "
                "numbers) and are left out; pass keep= to keep them",
                SurveyFileWarning,
                stacklevel=2,
            )
        items = numeric
    else:
        items = list(items)
        absent = [c for c in items if c not in df.columns]
        if absent:
            raise DataError(f"{path.name} has no item column(s) {absent}")
        text = [c for c in items if not pd.api.types.is_numeric_dtype(df[c])]
        if text:
            raise DataError(
                f"{path.name}: item column(s) {text} hold text, not response codes; recode "
                "them as numbers with value labels"
            )
    if not items:
        raise DataError(f"{path.name}: no item columns found")
    base = pd.DataFrame({"survey_id": survey_id, "respondent_id": rid.to_numpy()})
    for c in [*fixed, *keep]:
        base[c] = df[c].to_numpy()
    for c in ("municipality_id", "stratum", "cluster"):
        if c in base.columns:
            base[c] = base[c].map(_text).astype("string")
    if shape == "wide":
        out = pd.concat([base, df[items].reset_index(drop=True)], axis=1)
    else:
        parts = []
        for item in items:
            values = df[item].to_numpy(dtype=float)
            labels = value_sets.get(item, {})
            part = base.copy()
            part["item"] = item
            part["response"] = values
            part["response_label"] = pd.array([_label(labels, v) for v in values], dtype="string")
            parts.append(part)
        out = pd.concat(parts, ignore_index=True)
    out["survey_id"] = out["survey_id"].astype("string")
    out["respondent_id"] = out["respondent_id"].astype("string")
    out.attrs["item_labels"] = {k: item_labels[k] for k in items if k in item_labels}
    out.attrs["value_labels"] = {k: value_sets[k] for k in items if k in value_sets}
    out.attrs["source"] = path.name
    return out


def _text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _label(labels: dict, v: float):
    if np.isnan(v):
        return pd.NA
    for key in (v, int(v) if float(v).is_integer() else None, _text(v)):
        if key is not None and key in labels:
            return str(labels[key])
    return pd.NA
