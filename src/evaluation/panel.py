"""Outcome panels and the classic designs: before/after, interrupted time series, 2x2
difference-in-differences, two-way fixed effects and event studies.

Panel convention
----------------
:func:`build_panel` returns one row per municipality and year with the columns
``municipality_id`` (string), ``year`` (int), the outcome (named by the indicator code),
``cohort`` (int: the onset year; **0 for never treated**), ``rel_time`` (year - cohort; missing
for never treated), ``treated`` (0/1: ever treated), ``post`` (0/1: treated and year >= cohort),
``onset_before_data`` (the unit has no observation before its onset), unit attributes
(``state``, ``level``, ``group``) and the baseline covariates. ``panel.attrs["roles"]`` names the
columns that play the roles outcome, unit, time and cohort.

Every estimator takes such a panel or any plain DataFrame with role arguments
(``outcome=``, ``unit=``, ``time=``, ``cohort=``); missing role arguments default from
``data.attrs["roles"]`` and then from the convention above. :func:`resolve_roles` and
:func:`check_panel` do this once, for every estimator (also those of other modules).

Standard errors (one convention for every estimator of this module)
-------------------------------------------------------------------
Cluster-robust with the small-sample factor G/(G-1) only (G = number of clusters), no
factor for the number of observations or regressors, and absorbed fixed effects not counted;
intervals and p-values from Student's t with G-1 degrees of freedom. This equals R ``plm``'s
``vcovHC(type="HC0", cluster="group")`` times G/(G-1), ``fixest`` with
``ssc(adj=FALSE, cluster.adj=TRUE)`` and linearmodels with ``group_debias=True,
debiased=False, auto_df=False, count_effects=False``. With two-way clustering each of the
three terms gets its own factor and the t degrees of freedom come from the smaller dimension.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .codes import Lang, check_lang
from .errors import DataError
from .labels import term
from .results import (
    BiText,
    Estimates,
    check_draw_memory,
    check_draws,
    few_clusters,
    in_lang,
)

UNIT, TIME, COHORT = "municipality_id", "year", "cohort"
OnsetName = Literal["start", "agreement", "certification"]
ClusterOption = Literal["unit", "state", "twoway", "none"]
CLUSTER_OPTIONS: tuple[str, ...] = ("unit", "state", "twoway", "none")


def _in(text: str, lang: Lang) -> str:
    return in_lang(text, lang)


class PanelEstimates(Estimates):
    """:class:`Estimates` whose texts are given in German and English (as :class:`BiText`,
    deprecated: pass :class:`~evaluation.i18n.Text`)."""


# ---------------------------------------------------------------------------------------
# roles and the one normaliser
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Roles:
    """Column names of the four roles of a panel."""

    outcome: str
    unit: str = UNIT
    time: str = TIME
    cohort: str = COHORT


def resolve_roles(
    data: pd.DataFrame,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
) -> Roles:
    """Role columns of ``data``: the arguments given, else ``data.attrs["roles"]``, else the
    panel convention (``municipality_id``, ``year``, ``cohort``). The outcome has no default
    except the one in ``attrs``."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame as panel, got {type(data).__name__}")
    given = data.attrs.get("roles") or {}
    out = outcome or given.get("outcome")
    if out is None:
        raise DataError(
            "no outcome column given: pass outcome='<column>' (the panel has no "
            "attrs['roles'] naming one)"
        )
    return Roles(
        outcome=out,
        unit=unit or given.get("unit", UNIT),
        time=time or given.get("time", TIME),
        cohort=cohort or given.get("cohort", COHORT),
    )


def check_panel(
    data: pd.DataFrame,
    roles: Roles,
    *,
    covariates: Sequence[str] = (),
    columns: Sequence[str] = (),
    require_never_treated: bool = True,
) -> pd.DataFrame:
    """Check a panel and return a normalised copy.

    The copy has the unit as ``string``, time and cohort as ``int64`` (missing cohort = 0 =
    never treated), the outcome and ``covariates`` as ``float64``; rows with a missing outcome
    are dropped (their number is in ``attrs["n_missing_outcome"]``); rows are sorted by unit
    and time. ``columns`` are further columns that must exist. Raises :class:`DataError` naming
    what to fix for: a missing role column, text in a numeric role, a cohort that varies within
    a unit or is negative, an outcome that is all missing or constant, duplicate unit-year rows,
    and (with ``require_never_treated``) a panel without never-treated units.
    """
    need = [roles.outcome, roles.unit, roles.time, roles.cohort, *covariates, *columns]
    missing = [c for c in dict.fromkeys(need) if c not in data.columns]
    if missing:
        raise DataError(
            f"panel has no column(s) {missing}; available columns: {list(data.columns)}. "
            "Name the right ones with outcome=, unit=, time=, cohort= (or covariates=)."
        )
    keep = list(dict.fromkeys([*need, *data.columns]))
    df = data[keep].copy()
    df.attrs = {k: v for k, v in data.attrs.items()}
    u = df[roles.unit]
    if u.isna().any():
        raise DataError(
            f"unit column {roles.unit!r} is missing in {int(u.isna().sum())} row(s) "
            f"(first at row {int(np.flatnonzero(u.isna().to_numpy())[0])}); fill or drop them"
        )
    df[roles.unit] = u.astype("string")
    df[roles.time] = _integer_column(df[roles.time], roles.time, allow_missing=False)
    df[roles.cohort] = _integer_column(df[roles.cohort], roles.cohort, allow_missing=True)
    if (df[roles.cohort] < 0).any():
        raise DataError(
            f"cohort column {roles.cohort!r} has negative values; use the onset year, "
            "and 0 for never treated"
        )
    per_unit = df.groupby(roles.unit, sort=False)[roles.cohort].nunique()
    if (per_unit > 1).any():
        bad = per_unit[per_unit > 1].index[:5].tolist()
        raise DataError(
            f"cohort column {roles.cohort!r} varies within unit(s) {bad}; the cohort (onset "
            "year) must be the same in every row of a unit"
        )
    for c in [roles.outcome, *covariates]:
        df[c] = _numeric_column(df[c], c)
    for c in covariates:
        if df[c].isna().any():
            raise DataError(
                f"covariate {c!r} is missing in {int(df[c].isna().sum())} row(s); impute it "
                "or leave it out of covariates="
            )
    y = df[roles.outcome]
    if y.notna().sum() == 0:
        raise DataError(f"outcome {roles.outcome!r} is missing in every row")
    n_missing = int(y.isna().sum())
    df = df[y.notna()]
    if df[roles.outcome].nunique() < 2:
        raise DataError(
            f"outcome {roles.outcome!r} is constant ({float(df[roles.outcome].iloc[0]):g}); "
            "there is nothing to estimate"
        )
    span = df.groupby(roles.unit, sort=False)[roles.outcome].agg(["min", "max"])
    if (span["min"] == span["max"]).all():
        raise DataError(
            f"outcome {roles.outcome!r} does not change over time within any unit: every "
            "comparison over time is zero by construction and nothing is identified (the unit "
            "effects absorb it); check the indicator (e.g. one value repeated for all years)"
        )
    dup = df.duplicated([roles.unit, roles.time], keep=False)
    if dup.any():
        ex = df.loc[dup, [roles.unit, roles.time]].drop_duplicates().head(3)
        pairs = ", ".join(f"({a}, {b})" for a, b in ex.itertuples(index=False))
        raise DataError(
            f"{int(dup.sum())} rows share a unit-year pair with another row, e.g. {pairs}; "
            f"keep one row per {roles.unit!r} and {roles.time!r}"
        )
    if require_never_treated and not (df[roles.cohort] == 0).any():
        raise DataError(
            f"no never-treated unit: every unit has a cohort > 0 in {roles.cohort!r}; add "
            "comparison units (cohort 0) or use a staggered estimator with not-yet-treated "
            "controls"
        )
    if not (df[roles.cohort] > 0).any():
        raise DataError(f"no treated unit: cohort column {roles.cohort!r} is 0 everywhere")
    df = df.sort_values([roles.unit, roles.time], kind="stable").reset_index(drop=True)
    df.attrs["roles"] = {
        "outcome": roles.outcome,
        "unit": roles.unit,
        "time": roles.time,
        "cohort": roles.cohort,
    }
    df.attrs["n_missing_outcome"] = n_missing
    return df


def _integer_column(s: pd.Series, name: str, *, allow_missing: bool) -> pd.Series:
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        example = s.dropna().iloc[0] if s.notna().any() else None
        raise DataError(
            f"column {name!r} holds text or another non-numeric type (e.g. {example!r}); "
            f"convert it to integer years{' with 0 for never treated' if allow_missing else ''}"
        )
    v = s.astype("float64")
    if v.isna().any():
        if not allow_missing:
            raise DataError(f"column {name!r} is missing in {int(v.isna().sum())} row(s)")
        v = v.fillna(0.0)
    if not np.all(np.isfinite(v)) or not np.all(v == np.round(v)):
        raise DataError(f"column {name!r} must hold whole years, found e.g. non-integer values")
    return v.astype("int64")


def _numeric_column(s: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("float64")
    if not pd.api.types.is_numeric_dtype(s):
        example = s.dropna().iloc[0] if s.notna().any() else None
        raise DataError(
            f"column {name!r} must be numeric but holds text (e.g. {example!r}); convert it "
            "with pandas.to_numeric"
        )
    out = s.astype("Float64").astype("float64")
    if np.isinf(out).any():
        raise DataError(f"column {name!r} has infinite values")
    return out


def _post(df: pd.DataFrame, roles: Roles) -> np.ndarray:
    g = df[roles.cohort].to_numpy()
    return ((g > 0) & (df[roles.time].to_numpy() >= g)).astype(float)


def _rel_time(df: pd.DataFrame, roles: Roles) -> np.ndarray:
    """year - cohort for treated rows, NaN for never treated."""
    g = df[roles.cohort].to_numpy()
    return np.where(g > 0, df[roles.time].to_numpy() - g, np.nan)


# ---------------------------------------------------------------------------------------
# panel construction
# ---------------------------------------------------------------------------------------
def build_panel(
    study: Any,
    indicator: str,
    onset: OnsetName = "certification",
    cycle: int = 1,
    covariates: Sequence[str] | None = None,
    *,
    years: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Outcome panel of one indicator (see the module docstring for the columns).

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    indicator
        Indicator code of ``study.indicators``.
    onset
        Treatment date: ``"start"`` of the audit, council ``"agreement"`` on the targets, or
        ``"certification"`` (default). The cohort is the calendar year of that date.
    cycle
        Audit cycle whose date is used (1 = first audit).
    covariates
        Baseline covariates from the municipalities table; default: all numeric ones plus
        ``log_population`` (natural log of population) when population is known.
    years
        Optional first and last year to keep.

    Notes
    -----
    Never-treated units have cohort 0 (not missing). Audited units without a date for the
    chosen onset and cycle are left out (listed in ``attrs["excluded"]``, with a warning):
    they are neither treated at a known time nor clean comparisons. The panel is kept
    unbalanced; ``attrs["missing"]`` maps every unit with gaps to its missing years, and
    ``onset_before_data`` flags treated units observed only from their onset on.
    """
    if onset not in ("start", "agreement", "certification"):
        raise DataError(f"onset must be 'start', 'agreement' or 'certification', got {onset!r}")
    ind = study.indicators
    available = sorted(pd.unique(ind["indicator"].dropna()).tolist())
    if indicator not in available:
        raise DataError(
            f"indicator {indicator!r} has no values in the indicators table; available: {available}"
        )
    mun = study.municipalities
    all_cov = list(study.covariates)
    if covariates is None:
        covariates = list(all_cov)
        if "population" in mun.columns and (mun["population"].dropna() > 0).any():
            covariates.append("log_population")
    covariates = list(covariates)
    m = mun[["municipality_id", "state", "level", "group"]].copy()
    for c in covariates:
        if c == "log_population" and "log_population" not in mun.columns:
            pop = mun["population"].astype("Float64").astype("float64")
            m[c] = np.log(pop.where(pop > 0))
        elif c in mun.columns:
            m[c] = _numeric_column(mun[c], c)
        else:
            raise DataError(
                f"covariate {c!r} is not a column of the municipalities table; numeric "
                f"covariates are {all_cov}"
            )
    ons = study.onsets(onset, cycle)
    ons = ons[ons["cohort"].notna()][["municipality_id", "cohort"]]
    audited_ids = set(study.audits["municipality_id"].dropna()) | set(
        mun.loc[mun["group"] == "audited", "municipality_id"].dropna()
    )
    excluded = sorted(audited_ids - set(ons["municipality_id"]))
    if excluded:
        warnings.warn(
            f"{len(excluded)} audited unit(s) have no {onset} date in cycle {cycle} and are "
            f"left out of the panel (see panel.attrs['excluded']): {excluded[:5]}",
            UserWarning,
            stacklevel=2,
        )
    m = m[~m["municipality_id"].isin(excluded)]
    m = m.merge(ons, on="municipality_id", how="left")
    m["cohort"] = m["cohort"].fillna(0).astype("int64")

    v = ind.loc[ind["indicator"] == indicator, ["municipality_id", "year", "value"]]
    v = v[v["value"].notna()]
    if years is not None:
        v = v[(v["year"] >= years[0]) & (v["year"] <= years[1])]
    v = v.rename(columns={"value": indicator})
    v["year"] = v["year"].astype("int64")
    v[indicator] = v[indicator].astype("float64")
    panel = m.merge(v, on="municipality_id", how="inner")
    if panel.empty:
        raise DataError(f"indicator {indicator!r} has no values for the study's municipalities")
    panel["municipality_id"] = panel["municipality_id"].astype("string")
    g = panel["cohort"].to_numpy()
    yr = panel["year"].to_numpy()
    panel["rel_time"] = pd.array(np.where(g > 0, yr - g, 0), dtype="Int64")
    panel.loc[g == 0, "rel_time"] = pd.NA
    panel["treated"] = (g > 0).astype("int64")
    panel["post"] = ((g > 0) & (yr >= g)).astype("int64")
    first = panel.groupby("municipality_id")["year"].transform("min").to_numpy()
    panel["onset_before_data"] = (g > 0) & (g <= first)
    order = [
        "municipality_id",
        "year",
        indicator,
        "cohort",
        "rel_time",
        "treated",
        "post",
        "onset_before_data",
        "state",
        "level",
        "group",
        *covariates,
    ]
    panel = panel[order].sort_values(["municipality_id", "year"], kind="stable")
    panel = panel.reset_index(drop=True)

    # what is missing
    all_years = np.arange(int(panel["year"].min()), int(panel["year"].max()) + 1)
    have = panel.groupby("municipality_id")["year"].agg(lambda s: set(s.tolist()))
    gaps = {str(u): [int(y) for y in all_years if y not in s] for u, s in have.items()}
    gaps = {u: ys for u, ys in gaps.items() if ys}
    no_data = sorted(set(m["municipality_id"]) - set(have.index))
    flagged = sorted(panel.loc[panel["onset_before_data"], "municipality_id"].unique().tolist())
    if gaps or no_data:
        n_cells = sum(len(ys) for ys in gaps.values())
        warnings.warn(
            f"unbalanced panel of {indicator!r}: {len(gaps)} of {len(have)} units miss "
            f"{n_cells} unit-year(s) in {all_years[0]}-{all_years[-1]}"
            + (f"; {len(no_data)} unit(s) have no value at all" if no_data else "")
            + " (see panel.attrs['missing'])",
            UserWarning,
            stacklevel=2,
        )
    if flagged:
        warnings.warn(
            f"{len(flagged)} treated unit(s) have no observation before their onset "
            f"(column onset_before_data): {flagged[:5]}",
            UserWarning,
            stacklevel=2,
        )
    panel.attrs = {
        "roles": {"outcome": indicator, "unit": UNIT, "time": TIME, "cohort": COHORT},
        "indicator": indicator,
        "onset": onset,
        "cycle": int(cycle),
        "covariates": covariates,
        "never_treated_cohort": 0,
        "missing": gaps,
        "no_data": no_data,
        "excluded": excluded,
        "onset_before_data": flagged,
    }
    return panel


def missing_table(panel: pd.DataFrame) -> pd.DataFrame:
    """The gaps of a panel from :func:`build_panel` as a table: unit, number and list of
    missing years (units without gaps are not listed)."""
    gaps = panel.attrs.get("missing", {})
    return pd.DataFrame(
        {
            UNIT: pd.array(list(gaps), dtype="string"),
            "n_missing": [len(v) for v in gaps.values()],
            "missing_years": [", ".join(map(str, v)) for v in gaps.values()],
        }
    )


# ---------------------------------------------------------------------------------------
# fixed-effects regression shared by twfe and event_study
# ---------------------------------------------------------------------------------------
@dataclass
class FEFit:
    """Coefficients and covariance of a fixed-effects regression."""

    params: pd.Series
    cov: pd.DataFrame
    nobs: int
    n_units: int
    n_clusters: int | None
    df: float
    rsquared_within: float
    se_note: str


def _clusters(df: pd.DataFrame, roles: Roles, cluster: str) -> pd.DataFrame | None:
    if cluster not in CLUSTER_OPTIONS:
        raise DataError(f"cluster must be one of {CLUSTER_OPTIONS}, got {cluster!r}")
    if cluster == "none":
        return None
    unit_codes = pd.factorize(df[roles.unit])[0]
    if cluster == "unit":
        return pd.DataFrame({"unit": unit_codes}, index=df.index)
    if cluster == "twoway":
        time_codes = pd.factorize(df[roles.time])[0]
        return pd.DataFrame({"unit": unit_codes, "time": time_codes}, index=df.index)
    if "state" in df.columns:
        state = df["state"].astype("string")
    else:
        ids = df[roles.unit].astype("string")
        if not ids.str.fullmatch(r"\d{5}|\d{8}").all():
            raise DataError(
                "cluster='state' needs a 'state' column or AGS codes as unit identifiers"
            )
        state = ids.str.slice(0, 2)
    if state.isna().any():
        raise DataError("column 'state' is missing in some rows; fill it to cluster by state")
    return pd.DataFrame({"state": pd.factorize(state)[0]}, index=df.index)


SE_NOTES = {
    "unit": BiText(
        "Standardfehler robust gegen Klumpung nach Einheit (CR, nur Faktor G/(G-1), "
        "Fixed Effects nicht gezählt); t-Verteilung mit G-1 Freiheitsgraden.",
        "Standard errors robust to clustering by unit (CR, factor G/(G-1) only, fixed "
        "effects not counted); t distribution with G-1 degrees of freedom.",
    ),
    "state": BiText(
        "Standardfehler robust gegen Klumpung nach Land (CR, nur Faktor G/(G-1), "
        "Fixed Effects nicht gezählt); t-Verteilung mit G-1 Freiheitsgraden.",
        "Standard errors robust to clustering by state (CR, factor G/(G-1) only, fixed "
        "effects not counted); t distribution with G-1 degrees of freedom.",
    ),
    "twoway": BiText(
        "Standardfehler zweifach geklumpt nach Einheit und Jahr (Cameron-Gelbach-Miller, "
        "je Term Faktor G/(G-1)); t-Verteilung mit min(G)-1 Freiheitsgraden.",
        "Standard errors clustered two-way by unit and year (Cameron-Gelbach-Miller, "
        "factor G/(G-1) per term); t distribution with min(G)-1 degrees of freedom.",
    ),
    "none": BiText(
        "Klassische (homoskedastische) Standardfehler; Freiheitsgrade abzüglich der Fixed Effects.",
        "Classical (homoskedastic) standard errors; degrees of freedom net of the fixed effects.",
    ),
}


def fe_regression(
    df: pd.DataFrame,
    y: str,
    x: Sequence[str],
    unit: str,
    time: str,
    *,
    time_effects: bool = True,
    cluster: ClusterOption = "unit",
    weights: str | None = None,
) -> FEFit:
    """Regression of ``y`` on ``x`` with unit (and year) fixed effects by linearmodels
    ``PanelOLS``, standard errors in the module's convention (see the module docstring);
    ``cluster="none"`` gives classical standard errors with the absorbed effects counted in
    the degrees of freedom (as R ``plm``'s default)."""
    from linearmodels.panel import PanelOLS
    from linearmodels.panel.utility import AbsorbingEffectError

    roles = Roles(outcome=y, unit=unit, time=time)
    clusters = _clusters(df, roles, cluster)
    idx = pd.MultiIndex.from_arrays(
        [df[unit].astype(str).to_numpy(), df[time].to_numpy()], names=[unit, time]
    )
    exog = pd.DataFrame(df[list(x)].to_numpy(dtype=float), index=idx, columns=list(x))
    dep = pd.Series(df[y].to_numpy(dtype=float), index=idx, name=y)
    w = None
    if weights is not None:
        w = pd.Series(df[weights].to_numpy(dtype=float), index=idx)
    try:
        model = PanelOLS(dep, exog, entity_effects=True, time_effects=time_effects, weights=w)
        if clusters is None:
            res = model.fit(cov_type="unadjusted", debiased=True)
            cov = res.cov
        else:
            # linearmodels' group_debias also multiplies by (n-1)/n, so the factor G/(G-1)
            # is applied here; two-way: V_unit + V_time - V_unit-time, each with its factor
            parts = [(clusters.iloc[:, [j]], 1.0) for j in range(clusters.shape[1])]
            if clusters.shape[1] == 2:
                both = pd.factorize(
                    clusters.iloc[:, 0].astype(str) + "_" + clusters.iloc[:, 1].astype(str)
                )[0]
                parts.append((pd.DataFrame({"both": both}, index=clusters.index), -1.0))
            cov = None
            for cl, sign in parts:
                res = model.fit(
                    cov_type="clustered",
                    clusters=cl.set_axis(idx),
                    group_debias=False,
                    debiased=False,
                    auto_df=False,
                    count_effects=False,
                )
                n_g = cl.iloc[:, 0].nunique()
                term_ = sign * res.cov * n_g / (n_g - 1)
                cov = term_ if cov is None else cov + term_
    except AbsorbingEffectError as err:
        raise DataError(
            f"regressor(s) of {list(x)} are absorbed by the fixed effects (no variation "
            "within units and years); check the treatment timing and covariates"
        ) from err
    except np.linalg.LinAlgError as err:
        raise DataError(f"the regressors {list(x)} are collinear; drop some") from err
    resid = np.asarray(res.resids, dtype=float)
    spread = dep.to_numpy() - dep.groupby(level=0).transform("mean").to_numpy()
    if np.linalg.norm(resid) <= 1e-10 * max(np.linalg.norm(spread), np.abs(dep).max(), 1e-300):
        raise DataError(
            f"outcome {y!r} is fitted exactly by the unit and year effects and {list(x)}: "
            "there is no residual variation, so no standard error (a degenerate design, e.g. "
            "an outcome that moves in lockstep in all units); check the indicator"
        )
    if clusters is None:
        n_cl = None
        dof = float(res.df_resid)
    else:
        sizes = [int(clusters[c].nunique()) for c in clusters.columns]
        n_cl = min(sizes)
        if n_cl < 2:
            raise DataError(f"cluster={cluster!r} gives only {n_cl} cluster; choose another")
        dof = float(n_cl - 1)
    return FEFit(
        params=res.params.copy(),
        cov=cov.copy(),
        nobs=int(res.nobs),
        n_units=int(df[unit].nunique()),
        n_clusters=n_cl,
        df=dof,
        rsquared_within=float(res.rsquared_within),
        se_note=SE_NOTES[cluster],
    )


def _covariate_terms(
    df: pd.DataFrame, roles: Roles, covariates: Sequence[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Covariates as regressors: a time-varying covariate enters as is; a baseline covariate
    (constant within units, so absorbed by the unit effects) enters interacted with year
    dummies, letting trends differ with it."""
    if not covariates:
        return df, []
    out = df.copy()
    names: list[str] = []
    years = np.sort(out[roles.time].unique())[1:]
    new = {}
    for c in covariates:
        constant = out.groupby(roles.unit, sort=False)[c].nunique().max() <= 1
        if not constant:
            names.append(c)
            continue
        xc = out[c].to_numpy(dtype=float)
        xc = xc - xc.mean()
        t = out[roles.time].to_numpy()
        for yv in years:
            name = f"{c}_x_{yv}"
            new[name] = np.where(t == yv, xc, 0.0)
            names.append(name)
    if new:
        out = pd.concat([out, pd.DataFrame(new, index=out.index)], axis=1)
    return out, names


def _facts(fit: FEFit, df: pd.DataFrame, roles: Roles) -> dict[str, Any]:
    treated = df.loc[df[roles.cohort] > 0, roles.unit].nunique()
    facts: dict[str, Any] = {
        "n_obs": fit.nobs,
        "n_units": fit.n_units,
        "n_treated_units": int(treated),
    }
    if fit.n_clusters is not None:
        facts["n_clusters"] = fit.n_clusters
    return facts


def _treated_clusters(df: pd.DataFrame, roles: Roles, cluster: str) -> int | None:
    """Number of clusters with at least one treated unit (None without clustering)."""
    if cluster == "none":
        return None
    treated = df[roles.cohort].to_numpy() > 0
    cl = _clusters(df, roles, "unit" if cluster == "twoway" else cluster)
    return int(pd.Series(cl.iloc[:, 0].to_numpy()[treated]).nunique())


def _refuse_singular_covariance(table: pd.DataFrame, fit: FEFit, k: int, notes: list) -> bool:
    """With fewer clusters than coefficients of interest + 1 the cluster-robust covariance
    of those coefficients is singular (its meat has rank at most G - 1): no standard errors,
    no joint test. Sets them missing and adds a note; returns whether it did."""
    if fit.n_clusters is None or fit.n_clusters >= k + 1:
        return False
    table["std_error"] = np.nan
    notes.append(
        BiText(
            f"Keine Standardfehler: {fit.n_clusters} Cluster für {k} Koeffizienten; die "
            "cluster-robuste Kovarianz ist dann singulär (Rang höchstens G-1).",
            f"No standard errors: {fit.n_clusters} clusters for {k} coefficients; the "
            "cluster-robust covariance is then singular (rank at most G-1).",
        )
    )
    return True


# ---------------------------------------------------------------------------------------
# two-way fixed effects
# ---------------------------------------------------------------------------------------
def twfe(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    covariates: Sequence[str] | None = None,
    cluster: ClusterOption = "unit",
    weights: str | None = None,
    level: float = 0.95,
) -> Estimates:
    """Static two-way fixed-effects DiD: ``y_it = a_i + l_t + b * post_it (+ covariates)``.

    ``post_it`` is 1 for treated units from their cohort year on. Baseline covariates (constant
    within units) enter interacted with year dummies (covariate-specific trends), time-varying
    covariates as they are. Standard errors: see the module docstring. With staggered timing
    and effects that change over time or differ between cohorts, ``b`` is a weighted average
    with possibly negative weights (Goodman-Bacon 2021); use the staggered estimators then.

    Example
    -------
    >>> res = ev.twfe(study.panel("births_per_1000_women"))  # doctest: +SKIP
    """
    roles = resolve_roles(data, outcome, unit, time, cohort)
    covariates = list(covariates or [])
    cols = [weights] if weights else []
    # without never-treated units the effect is identified from the timing (earlier against
    # later treated units), as in the Goodman-Bacon decomposition
    df = check_panel(data, roles, covariates=covariates, columns=cols, require_never_treated=False)
    df["_post"] = _post(df, roles)
    df, cov_names = _covariate_terms(df, roles, covariates)
    fit = fe_regression(
        df,
        roles.outcome,
        ["_post", *cov_names],
        roles.unit,
        roles.time,
        cluster=cluster,
        weights=weights,
    )
    table = pd.DataFrame(
        {
            "term": ["post"],
            "estimate": [float(fit.params["_post"])],
            "std_error": [float(np.sqrt(fit.cov.loc["_post", "_post"]))],
        }
    )
    facts = _facts(fit, df, roles)
    facts["r2_within"] = fit.rsquared_within
    notes = []
    if covariates:
        notes.append(
            BiText(
                f"Kovariaten: {', '.join(covariates)} (Basiswerte mit Jahresinteraktion).",
                f"Covariates: {', '.join(covariates)} (baseline values interacted with year).",
            )
        )
    if df.attrs.get("n_missing_outcome"):
        k = df.attrs["n_missing_outcome"]
        notes.append(
            BiText(f"{k} Zeilen ohne Zielgröße ausgelassen.", f"{k} rows without outcome dropped.")
        )
    if not (df[roles.cohort] == 0).any():
        notes.append(
            BiText(
                "Keine nie behandelten Einheiten: der Effekt ist nur aus dem zeitlichen "
                "Unterschied der Beginne identifiziert (später Behandelte als Vergleich).",
                "No never-treated units: the effect is identified from the timing only "
                "(later-treated units as comparison).",
            )
        )
    _refuse_singular_covariance(table, fit, 1, notes)
    res = PanelEstimates(
        table,
        ["term"],
        title="Two-way fixed effects",
        method=BiText(
            "TWFE (PanelOLS, Einheiten- und Jahreseffekte)",
            "TWFE (PanelOLS, unit and year effects)",
        ),
        se_note=fit.se_note,
        distribution="t",
        df=fit.df,
        level=level,
        facts=facts,
        notes=notes,
        outcome=roles.outcome,
    )
    if fit.n_clusters is not None:
        res.flag_clusters(fit.n_clusters, _treated_clusters(df, roles, cluster), what="twfe")
    return res


# ---------------------------------------------------------------------------------------
# event study
# ---------------------------------------------------------------------------------------
class EventStudyResult(PanelEstimates):
    """Event-study coefficients by ``rel_time`` with pointwise intervals and a simultaneous
    (sup-t) band in ``band_low``/``band_high``; ``pretrend`` holds the joint Wald test of the
    pre-period coefficients."""

    pretrend: dict[str, float]
    cov: pd.DataFrame


def sup_t_critical(
    cov: np.ndarray, level: float = 0.95, df: float | None = None, n_sim: int = 10_000, seed=0
) -> float:
    """Critical value c with P(max_k |Z_k| / se_k <= c) = level for Z ~ N(0, cov) (or the
    multivariate t with ``df``): the simultaneous band of Montiel Olea and Plagborg-Møller
    (2019), by simulation with ``numpy.random.default_rng(seed)``."""
    check_draws("n_sim", n_sim, minimum=100)
    cov = np.asarray(cov, dtype=float)
    check_draw_memory(
        8.0 * 3 * n_sim * cov.shape[0],
        f"the simultaneous band with n_sim={n_sim:,} draws of {cov.shape[0]} coefficients",
        "use fewer draws (10,000 give the critical value to about two decimals)",
    )
    sd = np.sqrt(np.diag(cov))
    ok = sd > 0
    if not ok.any():
        return float("nan")
    corr = cov[np.ix_(ok, ok)] / np.outer(sd[ok], sd[ok])
    rng = np.random.default_rng(seed)
    w, v = np.linalg.eigh(corr)
    root = v * np.sqrt(np.clip(w, 0, None))
    z = rng.standard_normal((n_sim, corr.shape[0])) @ root.T
    if df is not None:
        z = z / np.sqrt(rng.chisquare(df, size=(n_sim, 1)) / df)
    return float(np.quantile(np.abs(z).max(axis=1), level))


def _event_dummies(
    df: pd.DataFrame,
    roles: Roles,
    leads: int,
    lags: int,
    reference: int | Sequence[int],
    endpoints: str,
) -> tuple[pd.DataFrame, list[int], dict[int, str]]:
    """Event-time indicators for ``-leads..lags`` except the reference period(s)."""
    refs = {int(reference)} if isinstance(reference, int | np.integer) else set(reference)
    rel = _rel_time(df, roles)
    if endpoints == "drop":
        outside = ~np.isnan(rel) & ((rel < -leads) | (rel > lags))
        df = df.loc[~outside].reset_index(drop=True)
        rel = rel[~outside]
    else:
        rel = np.where(np.isnan(rel), np.nan, np.clip(rel, -leads, lags))
    ks = [k for k in range(-leads, lags + 1) if k not in refs]
    names = {k: f"_rel_{'m' if k < 0 else 'p'}{abs(k)}" for k in ks}
    present = []
    new = {}
    for k in ks:
        d = (rel == k).astype(float)
        if d.sum() > 0:
            new[names[k]] = d
            present.append(k)
    df = pd.concat([df, pd.DataFrame(new, index=df.index)], axis=1)
    return df, present, names


def event_study(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    leads: int = 5,
    lags: int = 5,
    reference: int = -1,
    endpoints: Literal["bin", "drop"] = "bin",
    covariates: Sequence[str] | None = None,
    cluster: ClusterOption = "unit",
    weights: str | None = None,
    level: float = 0.95,
    seed: int = 0,
    n_sim: int = 10_000,
) -> EventStudyResult:
    """Dynamic two-way fixed effects: one coefficient per year relative to onset.

    ``y_it = a_i + l_t + sum_k b_k 1{year - cohort = k} (+ covariates)`` for k from
    ``-leads`` to ``lags`` except ``reference`` (default -1, the year before onset, whose
    coefficient is 0 by construction). ``endpoints="bin"`` pools all earlier (later) years
    into the first (last) coefficient; ``"drop"`` drops treated observations outside the
    window. Never-treated units form the baseline. ``tidy()`` has pointwise intervals
    (``ci_low``/``ci_high``) and a simultaneous sup-t band (``band_low``/``band_high``,
    simulated with ``seed``); ``pretrend`` is the joint Wald test that all pre-period
    coefficients are zero (F with (q, df) degrees of freedom). Standard errors as in
    :func:`twfe`.
    """
    if endpoints not in ("bin", "drop"):
        raise DataError(f"endpoints must be 'bin' or 'drop', got {endpoints!r}")
    for name, v in (("leads", leads), ("lags", lags)):
        if not isinstance(v, int | np.integer) or v < 0:
            raise DataError(f"{name} must be a non-negative integer, got {v!r}")
    if not -leads <= reference <= lags:
        raise DataError(f"reference {reference} lies outside the window [-{leads}, {lags}]")
    check_draws("n_sim", n_sim, minimum=100)
    roles = resolve_roles(data, outcome, unit, time, cohort)
    covariates = list(covariates or [])
    cols = [weights] if weights else []
    df = check_panel(data, roles, covariates=covariates, columns=cols, require_never_treated=False)
    never = bool((df[roles.cohort] == 0).any())
    if not never and df.loc[df[roles.cohort] > 0, roles.cohort].nunique() < 2:
        raise DataError(
            "no never-treated units and a single cohort: the event study has no comparison "
            "(every unit is treated at the same time); add never-treated units"
        )
    references = [reference]
    if not never:
        # only the timing differs between units: a linear trend in event time is absorbed
        # by the unit and year effects, so a second event time must be normalised to 0
        # (Borusyak, Jaravel & Spiess 2024): the earliest lead
        if leads < 1 or -leads == reference:
            raise DataError(
                "without never-treated units the event study needs a second normalised "
                f"period besides reference={reference}: the earliest lead -leads; choose "
                "leads of at least 2 (and reference != -leads)"
            )
        references.append(-leads)
    df, present, names = _event_dummies(df, roles, leads, lags, references, endpoints)
    if not present:
        raise DataError("no treated observation falls into the event window")
    df, cov_names = _covariate_terms(df, roles, covariates)
    xcols = [names[k] for k in present]
    try:
        fit = fe_regression(
            df,
            roles.outcome,
            [*xcols, *cov_names],
            roles.unit,
            roles.time,
            cluster=cluster,
            weights=weights,
        )
    except DataError as err:
        if never:
            raise
        raise DataError(
            "without never-treated units the event-time indicators are collinear with the unit "
            "and year effects unless a second period besides the reference is excluded "
            "(only the timing differs between units): use endpoints='drop' with a window that "
            "leaves out some event times, or sun_abraham(control='last_treated') / "
            f"att_gt(control_group='not_yet_treated'). ({err})"
        ) from None
    est = fit.params[xcols].to_numpy()
    vc = fit.cov.loc[xcols, xcols].to_numpy()
    se = np.sqrt(np.diag(vc))
    notes_extra: list[str] = []
    if _refuse_singular_covariance(pd.DataFrame({"std_error": se}), fit, len(xcols), notes_extra):
        se = np.full(len(se), np.nan)
    crit = (
        sup_t_critical(vc, level=level, df=fit.df, n_sim=n_sim, seed=seed)
        if np.isfinite(se).all()
        else float("nan")
    )
    rel = _rel_time(df, roles)
    counts = pd.Series(np.clip(rel[~np.isnan(rel)], -leads, lags)).value_counts()
    rows = pd.DataFrame({"rel_time": present, "estimate": est, "std_error": se})
    rows["band_low"] = est - crit * se
    rows["band_high"] = est + crit * se
    ref = pd.DataFrame(
        {
            "rel_time": references,
            "estimate": 0.0,
            "std_error": np.nan,  # 0 by construction: no sampling variance to report
            "band_low": 0.0,
            "band_high": 0.0,
        }
    )
    table = pd.concat([rows, ref], ignore_index=True).sort_values("rel_time")
    table["reference"] = table["rel_time"].isin(references)
    binned = {-leads, lags} if endpoints == "bin" else set()
    table["binned"] = table["rel_time"].isin(binned)
    table["n_obs"] = table["rel_time"].map(counts).fillna(0).astype("int64")
    table["rel_time"] = table["rel_time"].astype("int64")

    pre = [i for i, k in enumerate(present) if k < 0]
    pretrend = {
        "statistic": float("nan"),
        "df_num": 0.0,
        "df_denom": fit.df,
        "p_value": float("nan"),
    }
    v_pre = vc[np.ix_(pre, pre)] if pre else np.zeros((0, 0))
    if pre and np.isfinite(se[pre]).all() and np.linalg.cond(v_pre) < 1 / np.finfo(float).eps:
        b = est[pre]
        v = v_pre
        wald = float(b @ np.linalg.solve(v, b))
        q = len(pre)
        pretrend = {
            "statistic": wald / q,
            "df_num": float(q),
            "df_denom": fit.df,
            "p_value": float(stats.f.sf(wald / q, q, fit.df)),
        }
    facts = _facts(fit, df, roles)
    facts["pretrend_F"] = pretrend["statistic"]
    facts["pretrend_p"] = pretrend["p_value"]
    treated_cl = _treated_clusters(df, roles, cluster)
    few = fit.n_clusters is not None and few_clusters(fit.n_clusters, treated_cl)
    ftest = (
        f"F({int(pretrend['df_num'])}, {fit.df:g}) = {pretrend['statistic']:.3f}"
        + ("" if few else f", p = {pretrend['p_value']:.4f}")
        + "."
    )
    band = (
        BiText(
            f"Simultanband (sup-t) mit kritischem Wert {crit:.3f}",
            f"simultaneous (sup-t) band with critical value {crit:.3f}",
        )
        if np.isfinite(crit)
        else BiText("kein Simultanband (keine Standardfehler)", "no simultaneous band (no SEs)")
    )
    notes = [
        BiText(
            f"Referenzperiode {', '.join(map(str, references))} (auf 0 gesetzt); {band}.",
            f"Reference period {', '.join(map(str, references))} (set to 0); {band.en}.",
        ),
        BiText(f"Vorperioden-Test: {ftest}", f"Pre-trend test: {ftest}"),
    ]
    if endpoints == "bin":
        notes.append(
            BiText(
                f"Randperioden gebündelt: <= {-leads} und >= {lags}.",
                f"Endpoints binned: <= {-leads} and >= {lags}.",
            )
        )
    if not never:
        notes.append(
            BiText(
                "Keine nie behandelten Einheiten: Vergleich mit noch nicht und später "
                "behandelten Einheiten (nur aus dem zeitlichen Unterschied der Beginne); "
                f"zweite Normierung: Periode {-leads} auf 0 gesetzt.",
                "No never-treated units: comparison with not-yet and later treated units "
                "(from the timing of the onsets only); second normalisation: period "
                f"{-leads} set to 0.",
            )
        )
    notes += notes_extra
    res = EventStudyResult(
        table,
        ["rel_time"],
        title="Event study",
        method=BiText(
            "Dynamische TWFE (PanelOLS, Einheiten- und Jahreseffekte)",
            "Dynamic TWFE (PanelOLS, unit and year effects)",
        ),
        se_note=fit.se_note,
        distribution="t",
        df=fit.df,
        level=level,
        facts=facts,
        notes=notes,
        outcome=roles.outcome,
    )
    res.pretrend = pretrend
    res.cov = pd.DataFrame(vc, index=present, columns=present)
    if fit.n_clusters is not None:
        res.flag_clusters(fit.n_clusters, treated_cl, what="event_study")
    return res


# ---------------------------------------------------------------------------------------
# canonical 2x2 difference-in-differences
# ---------------------------------------------------------------------------------------
class DidResult(PanelEstimates):
    """A 2x2 DiD estimate; ``cells`` holds the four group-period means."""

    cells: pd.DataFrame


def _window(w: int | tuple[int, int], name: str) -> tuple[int, int]:
    if isinstance(w, int | np.integer):
        return int(w), int(w)
    try:
        a, b = (int(v) for v in w)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be a year or a (first, last) pair of years") from err
    if a > b:
        raise DataError(f"{name} = {w!r}: the first year is after the last")
    return a, b


def did_2x2(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    pre: int | tuple[int, int] | None = None,
    post: int | tuple[int, int] | None = None,
    control: Literal["never", "not_yet"] = "never",
    cluster: Literal["unit", "state"] = "unit",
    weights: str | None = None,
    level: float = 0.95,
) -> DidResult:
    """Canonical 2x2 difference-in-differences: (treated post - treated pre) -
    (control post - control pre), as the interaction coefficient of
    ``y ~ treat + after + treat:after`` over the rows of both periods.

    ``pre`` and ``post`` are years or (first, last) year ranges; treated units are those
    whose cohort lies after the pre period and no later than the first post year; controls
    are never treated (``control="never"``) or also those treated after the post period
    (``"not_yet"``). With a single treated cohort g the periods default to all years before g
    and from g on. Standard errors as in :func:`twfe` (cluster by unit or state).
    """
    if control not in ("never", "not_yet"):
        raise DataError(f"control must be 'never' or 'not_yet', got {control!r}")
    if cluster not in ("unit", "state"):
        raise DataError(f"cluster must be 'unit' or 'state' for did_2x2, got {cluster!r}")
    import statsmodels.api as sm

    roles = resolve_roles(data, outcome, unit, time, cohort)
    df = check_panel(data, roles, columns=[weights] if weights else [])
    t = df[roles.time].to_numpy()
    g = df[roles.cohort].to_numpy()
    if pre is None or post is None:
        cohorts = np.unique(g[g > 0])
        if len(cohorts) != 1:
            raise DataError(
                f"the panel has {len(cohorts)} treated cohorts; give pre= and post= years "
                "(e.g. pre=(2008, 2010), post=(2012, 2014))"
            )
        pre = pre if pre is not None else (int(t.min()), int(cohorts[0]) - 1)
        post = post if post is not None else (int(cohorts[0]), int(t.max()))
    p0, p1 = _window(pre, "pre")
    q0, q1 = _window(post, "post")
    if q0 <= p1:
        raise DataError(f"post {post!r} must start after pre {pre!r} ends")
    treat = (g > p1) & (g <= q0)
    ctrl = g == 0 if control == "never" else (g == 0) | (g > q1)
    in_pre = (t >= p0) & (t <= p1)
    in_post = (t >= q0) & (t <= q1)
    rows = (treat | ctrl) & (in_pre | in_post)
    sub = df.loc[rows].reset_index(drop=True)
    tr = treat[rows].astype(float)
    af = in_post[rows].astype(float)
    cells = pd.DataFrame({"treat": tr, "after": af, "y": sub[roles.outcome].to_numpy()})
    counts = cells.groupby(["treat", "after"]).size()
    if len(counts) < 4:
        empty = []
        for tv, gname, units in ((1.0, "treated", treat), (0.0, "control", ctrl)):
            n_units = int(df.loc[units, roles.unit].nunique())
            for av, pname, (a, b) in ((0.0, "pre", (p0, p1)), (1.0, "post", (q0, q1))):
                if (tv, av) not in counts.index:
                    empty.append(
                        f"no {gname} unit is observed in the {pname} period {a}-{b}"
                        + (f" ({n_units} {gname} unit(s) exist)" if n_units else
                           f" (there are no {gname} units for these periods)")
                    )  # fmt: skip
        raise DataError(
            f"a 2x2 cell is empty for pre={pre!r}, post={post!r}: "
            + "; ".join(empty)
            + "; need treated and control units observed in both periods"
        )
    x = np.column_stack([np.ones(len(sub)), tr, af, tr * af])
    w = sub[weights].to_numpy(dtype=float) if weights else None
    model = (
        sm.WLS(cells["y"].to_numpy(), x, weights=w)
        if w is not None
        else sm.OLS(cells["y"].to_numpy(), x)
    )
    roles_cl = _clusters(sub, roles, cluster)
    groups = roles_cl.iloc[:, 0].to_numpy()
    n_cl = len(np.unique(groups))
    if n_cl < 2:
        raise DataError("fewer than two clusters; cannot compute clustered standard errors")
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    y_cells = cells["y"].to_numpy()
    if np.linalg.norm(fit.resid) <= 1e-10 * max(np.abs(y_cells - y_cells.mean()).max(), 1e-300):
        raise DataError(
            f"outcome {roles.outcome!r} is constant within each of the four group-period cells "
            f"for pre={pre!r}, post={post!r}: there is no variation left to estimate a standard "
            "error from (a degenerate design); check the indicator and the periods"
        )
    vc = np.asarray(fit.cov_params()) * n_cl / (n_cl - 1)
    if not vc[3, 3] > (1e-10 * max(y_cells.std(), 1e-300)) ** 2:
        raise DataError(
            f"outcome {roles.outcome!r} changes by the same amount for every unit between "
            f"pre={pre!r} and post={post!r}: the DiD is {fit.params[3]:g} with no variance (a "
            "degenerate design); check the indicator"
        )
    table = pd.DataFrame(
        {
            "term": ["did"],
            "estimate": [float(fit.params[3])],
            "std_error": [float(np.sqrt(vc[3, 3]))],
        }
    )
    mean = cells.groupby(["treat", "after"])["y"].mean()
    cell_tab = pd.DataFrame(
        {
            "group": ["treated", "treated", "control", "control"],
            "period": ["pre", "post", "pre", "post"],
            "mean": [mean[(1.0, 0.0)], mean[(1.0, 1.0)], mean[(0.0, 0.0)], mean[(0.0, 1.0)]],
            "n_obs": [
                int(counts[(1.0, 0.0)]),
                int(counts[(1.0, 1.0)]),
                int(counts[(0.0, 0.0)]),
                int(counts[(0.0, 1.0)]),
            ],
        }
    )
    facts = {
        "n_obs": len(sub),
        "n_treated_units": int(sub.loc[tr == 1, roles.unit].nunique()),
        "n_control_units": int(sub.loc[tr == 0, roles.unit].nunique()),
        "n_clusters": n_cl,
        "pre": f"{p0}-{p1}",
        "post": f"{q0}-{q1}",
    }
    res = DidResult(
        table,
        ["term"],
        title="2x2 difference-in-differences",
        method=BiText("2x2-DiD (OLS mit Interaktion)", "2x2 DiD (OLS with interaction)"),
        se_note=SE_NOTES[cluster],
        distribution="t",
        df=float(n_cl - 1),
        level=level,
        facts=facts,
        notes=[
            BiText(
                f"Kontrollgruppe: {'nie' if control == 'never' else 'noch nicht'} behandelt.",
                f"Control group: {'never' if control == 'never' else 'not yet'} treated.",
            )
        ],
        outcome=roles.outcome,
    )
    res.cells = cell_tab
    treated_cl = int(pd.Series(groups[tr == 1]).nunique())
    res.flag_clusters(n_cl, treated_cl, what="did_2x2")
    return res


# ---------------------------------------------------------------------------------------
# before/after and interrupted time series (treated units only)
# ---------------------------------------------------------------------------------------
class BeforeAfterResult(PanelEstimates):
    """Paired mean change of treated units; ``units`` holds each unit's pre and post mean,
    ``wilcoxon`` the signed-rank test."""

    units: pd.DataFrame
    wilcoxon: dict[str, float]

    def plot(self, ax=None, lang: Lang = "de", title: str | None = None):
        """Each unit's pre and post mean joined by a line, with the mean change."""
        import matplotlib.pyplot as plt

        check_lang(lang)
        if ax is None:
            fig, ax = plt.subplots(figsize=(5, 4))
        else:
            fig = ax.figure
        u = self.units
        for a, b in zip(u["pre_mean"], u["post_mean"], strict=True):
            ax.plot([0, 1], [a, b], color="0.7", lw=0.8)
        ax.plot(
            [0, 1],
            [u["pre_mean"].mean(), u["post_mean"].mean()],
            color="C0",
            lw=2.5,
            marker="o",
            label=term("mean", lang),
        )
        ax.set_xticks([0, 1], [term("pre", lang), term("post", lang)])
        ax.set_xlim(-0.3, 1.3)
        ax.set_ylabel(self.outcome or term("estimate", lang))
        ax.set_title(title or self.title)
        ax.legend()
        fig.tight_layout()
        return fig


def before_after(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    window: tuple[int, int] = (-3, 3),
    level: float = 0.95,
) -> BeforeAfterResult:
    """Mean of each treated unit before (``window[0]`` to -1 years relative to onset) and
    after (0 to ``window[1]``) its onset; the paired mean change with a t interval
    (n - 1 degrees of freedom) and the Wilcoxon signed-rank test. No comparison group: the
    change includes every trend common to all units."""
    w0, w1 = _window(window, "window")
    if not (w0 < 0 <= w1):
        raise DataError(f"window must run from a negative to a non-negative year, got {window!r}")
    roles = resolve_roles(data, outcome, unit, time, cohort)
    df = check_panel(data, roles, require_never_treated=False)
    rel = _rel_time(df, roles)
    sel = ~np.isnan(rel) & (rel >= w0) & (rel <= w1)
    sub = df.loc[sel, [roles.unit, roles.outcome]].assign(_after=rel[sel] >= 0)
    agg = sub.groupby([roles.unit, "_after"])[roles.outcome].agg(["mean", "size"]).unstack()
    agg.columns = [f"{a}_{'post' if b else 'pre'}" for a, b in agg.columns]
    n_all = int(df.loc[df[roles.cohort] > 0, roles.unit].nunique())
    agg = agg.dropna(subset=[c for c in ("mean_pre", "mean_post") if c in agg.columns])
    if len(agg) < 2 or "mean_pre" not in agg or "mean_post" not in agg:
        raise DataError(
            f"fewer than two treated units have observations both before and after onset "
            f"within window {window!r}"
        )
    units = pd.DataFrame(
        {
            roles.unit: agg.index.astype("string"),
            "pre_mean": agg["mean_pre"].to_numpy(),
            "post_mean": agg["mean_post"].to_numpy(),
            "n_pre": agg["size_pre"].astype("int64").to_numpy(),
            "n_post": agg["size_post"].astype("int64").to_numpy(),
        }
    )
    units["change"] = units["post_mean"] - units["pre_mean"]
    d = units["change"].to_numpy()
    n = len(d)
    se = float(d.std(ddof=1) / np.sqrt(n))
    if np.all(d == 0):
        wil = {"statistic": float("nan"), "p_value": 1.0}
    else:
        wt = stats.wilcoxon(d)
        wil = {"statistic": float(wt.statistic), "p_value": float(wt.pvalue)}
    table = pd.DataFrame(
        {
            "term": ["change"],
            "estimate": [float(d.mean())],
            "std_error": [se],
            "pre_mean": [float(units["pre_mean"].mean())],
            "post_mean": [float(units["post_mean"].mean())],
            "wilcoxon_p": [wil["p_value"]],
        }
    )
    wtext = f"V = {wil['statistic']:g}, p = {wil['p_value']:.4f}."
    notes = [
        BiText(f"Wilcoxon-Vorzeichen-Rang-Test: {wtext}", f"Wilcoxon signed-rank test: {wtext}")
    ]
    if n < n_all:
        notes.append(
            BiText(
                f"{n_all - n} behandelte Einheiten ohne Beobachtung vor und nach dem Beginn "
                "im Fenster ausgelassen.",
                f"{n_all - n} treated units without observations both before and after onset "
                "in the window left out.",
            )
        )
    res = BeforeAfterResult(
        table,
        ["term"],
        title="Before/after",
        method=BiText(
            f"Vorher-nachher, gepaart (Fenster {w0} bis {w1})",
            f"Before/after, paired (window {w0} to {w1})",
        ),
        se_note=BiText(
            "Standardfehler der mittleren Differenz; t-Verteilung mit n-1 Freiheitsgraden.",
            "Standard error of the mean difference; t distribution with n-1 degrees of freedom.",
        ),
        distribution="t",
        df=float(n - 1),
        level=level,
        facts={"n_units": n},
        notes=notes,
        outcome=roles.outcome,
    )
    res.units = units
    res.wilcoxon = wil
    return res


class ITSResult(PanelEstimates):
    """Segmented regression; ``series`` holds the series with the fitted values and the
    counterfactual (pre-onset line continued)."""

    series: pd.DataFrame

    def plot(self, ax=None, lang: Lang = "de", title: str | None = None):
        import matplotlib.pyplot as plt

        check_lang(lang)
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        s = self.series
        ax.plot(s["rel_time"], s["y"], "o", color="0.3", label=self.outcome)
        pre = s["rel_time"] < 0
        ax.plot(s.loc[pre, "rel_time"], s.loc[pre, "fitted"], color="C0")
        ax.plot(
            s.loc[~pre, "rel_time"], s.loc[~pre, "fitted"], color="C0", label=term("fitted", lang)
        )
        ax.plot(
            s.loc[~pre, "rel_time"],
            s.loc[~pre, "counterfactual"],
            color="C0",
            ls="--",
            label=term("counterfactual", lang),
        )
        ax.axvline(-0.5, color="0.6", lw=0.8, ls="--")
        ax.set_xlabel(term("rel_time", lang))
        ax.set_title(title or self.title)
        ax.legend()
        fig.tight_layout()
        return fig


def interrupted_time_series(
    data: pd.DataFrame,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    window: tuple[int, int] | None = None,
    units: str | Sequence[str] | None = None,
    maxlags: int | None = None,
    level: float = 0.95,
) -> ITSResult:
    """Segmented regression of an event-time series with Newey-West standard errors:
    ``y_k = b0 + b1 k + b2 1{k >= 0} + b3 k 1{k >= 0}`` (k = years relative to onset), so
    ``level_change`` (b2) is the jump at onset and ``slope_change`` (b3) the change of the
    yearly slope.

    The series is the mean outcome of the treated units (or of ``units``, one id or several)
    at each relative year within ``window``. HAC standard errors (statsmodels, Bartlett
    kernel) with ``maxlags`` (default floor(4 (T/100)^(2/9)), at least 1); normal reference
    distribution.
    """
    import statsmodels.api as sm

    roles = resolve_roles(data, outcome, unit, time, cohort)
    df = check_panel(data, roles, require_never_treated=False)
    if units is not None:
        ids = [units] if isinstance(units, str) else list(units)
        unknown = sorted(set(ids) - set(df[roles.unit]))
        if unknown:
            raise DataError(f"unit(s) {unknown} not in column {roles.unit!r}")
        df = df[df[roles.unit].isin(ids)]
    rel = _rel_time(df, roles)
    sel = ~np.isnan(rel)
    if window is not None:
        w0, w1 = _window(window, "window")
        sel &= (rel >= w0) & (rel <= w1)
    s = (
        pd.DataFrame({"rel_time": rel[sel].astype("int64"), "y": df.loc[sel, roles.outcome]})
        .groupby("rel_time")["y"]
        .agg(["mean", "size"])
        .reset_index()
        .rename(columns={"mean": "y", "size": "n_obs"})
    )
    k = s["rel_time"].to_numpy(dtype=float)
    after = (k >= 0).astype(float)
    if after.sum() < 2 or (1 - after).sum() < 2:
        raise DataError("the series needs at least two years before and two after onset")
    x = np.column_stack([np.ones_like(k), k, after, k * after])
    nlags = maxlags if maxlags is not None else max(1, int(np.floor(4 * (len(k) / 100) ** (2 / 9))))
    fit = sm.OLS(s["y"].to_numpy(), x).fit(cov_type="HAC", cov_kwds={"maxlags": nlags})
    names = ["pre_level", "pre_slope", "level_change", "slope_change"]
    table = pd.DataFrame(
        {"term": names, "estimate": np.asarray(fit.params), "std_error": np.asarray(fit.bse)}
    )
    s["fitted"] = x @ np.asarray(fit.params)
    s["counterfactual"] = fit.params[0] + fit.params[1] * k
    res = ITSResult(
        table,
        ["term"],
        title="Interrupted time series",
        method=BiText(
            "Segmentierte Regression (Niveau- und Steigungsänderung beim Beginn)",
            "Segmented regression (level and slope change at onset)",
        ),
        se_note=BiText(
            f"Newey-West-Standardfehler (HAC, {nlags} Lags); Normalverteilung.",
            f"Newey-West standard errors (HAC, {nlags} lags); normal distribution.",
        ),
        distribution="normal",
        level=level,
        facts={"n_periods": len(k), "n_units": int(df.loc[sel, roles.unit].nunique())},
        outcome=roles.outcome,
    )
    res.series = s
    return res
