"""Each measure's implementation status from the annual reports (or a status table)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codes import STATUS_CODES
from ..errors import DataError
from ..options import Success, check_option
from ._common import check_frame, first_bad_row, shown

SUCCESS: dict[str, tuple[str, ...]] = {
    "implemented": ("implemented",),
    "at_least_partial": ("partially_implemented", "implemented"),
}


def latest_status(status: pd.DataFrame, table: str = "measure_reports") -> pd.DataFrame:
    """Each measure's latest status.

    Parameters
    ----------
    status
        The table ``measure_reports`` (``measure_id``, ``report_year``, ``status``) or one
        status per measure (``measure_id``, ``status``).
    table
        The table's name in error messages.

    Returns
    -------
    pandas.DataFrame
        ``measure_id`` and ``status``: the status of the latest report per measure when the
        table has ``report_year``, else the given status (one row per measure).
    """
    df = check_frame(status, table, ["measure_id", "status"]).reset_index(drop=True)
    miss = df[["measure_id", "status"]].isna().any(axis=1).to_numpy()
    if miss.any():
        row = first_bad_row(miss)
        raise DataError(
            f"table {table} row {row}: measure_id and status must be given; fill them in or "
            "delete the row"
        )
    bad = ~df["status"].astype(str).isin(STATUS_CODES).to_numpy()
    if bad.any():
        row = first_bad_row(bad)
        raise DataError(
            f"table {table} row {row}, field status: {shown(df['status'].iloc[row])} is not one of "
            f"{STATUS_CODES}"
        )
    keys = ["measure_id", "report_year"] if "report_year" in df.columns else ["measure_id"]
    dup = df.duplicated(keys).to_numpy()
    if dup.any():
        row = first_bad_row(dup)
        raise DataError(
            f"table {table} row {row}: a second status for measure {df['measure_id'].iloc[row]}"
            + (" in the same report year" if len(keys) == 2 else "")
            + "; keep one row"
        )
    if "report_year" in df.columns:
        year = pd.to_numeric(df["report_year"], errors="coerce")
        if year.isna().any():
            row = first_bad_row(year.isna().to_numpy())
            raise DataError(
                f"table {table} row {row}, field report_year: {shown(df['report_year'].iloc[row])} "
                "is not a year"
            )
        order = np.lexsort((year.to_numpy(), df["measure_id"].astype(str).to_numpy()))
        df = df.iloc[order].drop_duplicates("measure_id", keep="last")
    out = df[["measure_id", "status"]].copy()
    out["measure_id"] = out["measure_id"].astype(str)
    out["status"] = out["status"].astype(str)
    return out.reset_index(drop=True)


def success_flags(status: pd.Series, success: Success) -> np.ndarray:
    """Whether each status counts as success under the definition ``success``."""
    check_option("success", success, Success)
    return status.isin(SUCCESS[success]).to_numpy()
