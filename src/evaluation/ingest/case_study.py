"""The exploratory real-data case study: districts with publicly documented audit dates
against the other districts, on a public district panel of INKAR indicators.

The study's material is data, not code: ``data/public_district_audits.csv`` (certification
dates and their public sources), ``data/audited_municipalities.csv`` (audited Gemeinden, whose
districts are partly treated) and ``data/district_panel_indicators.csv`` (German labels and the
desirable direction of the panel's indicators), read with :mod:`importlib.resources`.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError
from ..study.model import Study
from ._numbers import PathLike
from .gemeindeverzeichnis import mark_audited, read_gemeindeverzeichnis
from .inkar import UNKNOWN_UNIT, indicators_from_wide


def _rows(name: str) -> list[dict[str, str]]:
    """The rows of a CSV file of this package's ``data`` folder."""
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _audit_row(r: dict[str, str]) -> dict[str, Any]:
    return {
        "municipality_id": r["municipality_id"],
        "name": r["name"],
        "certification_date": r["certification_date"] or None,
        "date_precision": r["date_precision"],
        "onset_year": int(r["onset_year"]) if r["onset_year"] else None,
        "use": r["use"] == "true",
        "fact": r["fact"],
        "source": r["source"],
    }


#: Districts with publicly documented audit dates (facts and sources as collected for the
#: project's domain notes; ``data/public_district_audits.csv``). ``onset_year`` is the
#: certification year used as cohort; rows with ``use = False`` have no known certification
#: date and are left out of the case study altogether (neither audited nor comparison). Where
#: only the year is known, the date is set to 1 July of that year (``date_precision =
#: "year"``). Start dates are not documented: the audit rows carry the certification date as
#: start date, so only ``onset = "certification"`` is meaningful for this study.
PUBLIC_DISTRICT_AUDITS: tuple[dict[str, Any], ...] = tuple(
    _audit_row(r) for r in _rows("public_district_audits.csv")
)

#: Audited Gemeinden (8-digit AGS from the directory of 31.12.2023) and the districts that
#: contain them (``data/audited_municipalities.csv``). Such districts are partly treated; the
#: case study leaves them out of the comparison group by default. "Neuenkirchen" names twelve
#: Gemeinden and is not resolved.
AUDITED_MUNICIPALITIES: tuple[tuple[str, str], ...] = tuple(
    (r["municipality_id"], r["name"]) for r in _rows("audited_municipalities.csv")
)

# German labels of the district panel's indicators (English labels come from its codebook) and
# the direction that is desirable, where there is one
_PANEL_INDICATORS = _rows("district_panel_indicators.csv")
_GERDA_DE: dict[str, str] = {r["indicator"]: r["label_de"] for r in _PANEL_INDICATORS}
_DIRECTION: dict[str, bool] = {
    r["indicator"]: r["higher_is_better"] == "true"
    for r in _PANEL_INDICATORS
    if r["higher_is_better"]
}
_GERDA_RENAME = {"childcare_under3": "childcare_u3"}
#: State codes from this one on are Berlin (11) and the eastern states (12-16).
FIRST_EASTERN_STATE = 11
#: Baseline covariates of the case study: values of the year before the first cohort.
CASE_STUDY_BASELINE_YEAR = 2009
CASE_STUDY_BASELINE = (
    "childcare_u3",
    "childcare_3to6",
    "share_65plus",
    "unemployment_rate",
    "share_foreign",
)


def public_district_audits() -> pd.DataFrame:
    """The table :data:`PUBLIC_DISTRICT_AUDITS` as a DataFrame."""
    df = pd.DataFrame(list(PUBLIC_DISTRICT_AUDITS))
    return df.astype({"municipality_id": "string", "name": "string", "onset_year": "Int64"})


def district_case_study(
    covariates: PathLike,
    directory: PathLike | pd.DataFrame,
    *,
    codebook: PathLike | None = None,
    exclude_partly_audited: bool = True,
) -> Study:
    """The exploratory real-data case study: districts with public audit dates against the others.

    Parameters
    ----------
    covariates
        The district panel ``gerda_county_covariates_inkar_1995_2022.csv`` (400 districts in the
        boundaries of 2021, 1995-2022, INKAR indicators; column ``county_code`` and ``year``).
    directory
        The Destatis directory of 31.12.2023 (xlsx) or its district table from
        :func:`read_gemeindeverzeichnis` (``unit_level="kreis"``); the boundaries equal those
        of 2021.
    codebook
        The panel's codebook (English labels and units); default: the file
        ``gerda_county_covariates_codebook.csv`` beside ``covariates``.
    exclude_partly_audited
        Leave out of the comparison group the districts that contain an audited Gemeinde
        (:data:`AUDITED_MUNICIPALITIES`): they are partly treated.

    Returns
    -------
    Study
        ``municipalities``: the districts (audited: the five with a certification date in
        :data:`PUBLIC_DISTRICT_AUDITS`; the three without one and, by default, the partly audited
        ones are left out), with baseline covariates of 2009 (``<indicator>_2009``), ``east``
        (1 for Berlin and the eastern states) and ``population_density``; ``audits`` (cycle 1,
        certification date; start date unknown, set to the certification date);
        ``indicators`` and ``indicator_catalogue`` from the panel (``childcare_under3`` renamed
        ``childcare_u3``).
    """
    covariates = Path(covariates)
    if not covariates.exists():
        raise DataError(f"district panel {covariates} not found")
    codebook = (
        Path(codebook)
        if codebook is not None
        else (covariates.parent / "gerda_county_covariates_codebook.csv")
    )
    panel = pd.read_csv(
        covariates, dtype={"county_code": "string"}, keep_default_na=False, na_values=[""]
    )
    panel = panel.rename(columns=_GERDA_RENAME)
    ind = indicators_from_wide(panel, id_column="county_code", year_column="year")
    cat = _panel_catalogue(sorted(set(ind["indicator"])), codebook)
    # districts
    if isinstance(directory, pd.DataFrame):
        districts = directory[directory["level"] != "gemeinde"].copy()
    else:
        districts = read_gemeindeverzeichnis(directory, unit_level="kreis")
    audits_public = public_district_audits()
    used = audits_public[audits_public["use"]]
    left_out = set(audits_public.loc[~audits_public["use"], "municipality_id"])
    partly = {ags[:5] for ags, _ in AUDITED_MUNICIPALITIES} - set(audits_public["municipality_id"])
    drop = left_out | (partly if exclude_partly_audited else set())
    districts = districts[~districts["municipality_id"].isin(drop)].copy()
    districts["group"] = mark_audited(districts["municipality_id"], used["municipality_id"])
    missing_units = sorted(set(districts["municipality_id"]) - set(ind["municipality_id"]))
    if missing_units:
        raise DataError(
            f"{len(missing_units)} district(s) of the directory are not in the panel: "
            f"{', '.join(missing_units[:10])}; use the directory of 2021 or later"
        )
    ind = ind[ind["municipality_id"].isin(set(districts["municipality_id"]))]
    base = ind[
        (ind["year"] == CASE_STUDY_BASELINE_YEAR) & ind["indicator"].isin(CASE_STUDY_BASELINE)
    ]
    base = base.pivot(index="municipality_id", columns="indicator", values="value")
    base.columns = [f"{c}_{CASE_STUDY_BASELINE_YEAR}" for c in base.columns]
    districts = districts.join(base, on="municipality_id")
    districts["east"] = (districts["state"].astype(int) >= FIRST_EASTERN_STATE).astype("int64")
    districts["population_density"] = (
        districts["population"].astype("float64") / districts["area_km2"]
    )
    audits = pd.DataFrame(
        {
            "audit_id": used["municipality_id"] + "-1",
            "municipality_id": used["municipality_id"],
            "cycle": 1,
            "start_date": used["certification_date"],
            "certification_date": used["certification_date"],
        }
    )
    return Study(
        municipalities=districts.reset_index(drop=True),
        audits=audits.reset_index(drop=True),
        indicators=ind.reset_index(drop=True),
        indicator_catalogue=cat,
    )


def _panel_catalogue(names: list[str], codebook: Path) -> pd.DataFrame:
    """Catalogue rows of the panel's indicators: German labels from the package's data, English
    labels and units from the panel's codebook (when it exists)."""
    en: dict[str, tuple[str, str]] = {}
    if codebook.exists():
        cb = pd.read_csv(codebook, dtype="string", keep_default_na=False)
        for r in cb.itertuples():
            code = _GERDA_RENAME.get(r.variable, r.variable)
            en[code] = (r.label, "%" if r.unit == "percent" else r.unit)
    return pd.DataFrame(
        {
            "indicator": names,
            "label_de": [_GERDA_DE.get(n, n) for n in names],
            "label_en": [en.get(n, (n, ""))[0] for n in names],
            "unit": [en.get(n, ("", UNKNOWN_UNIT))[1] or UNKNOWN_UNIT for n in names],
            "source": "INKAR (BBSR Bonn), district panel of the GERDA project",
            "higher_is_better": pd.array([_DIRECTION.get(n) for n in names], dtype="boolean"),
            "aggregation": "weighted_mean",
        }
    )
