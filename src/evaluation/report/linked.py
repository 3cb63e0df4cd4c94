"""The analyses of the section "implementation and impact", run once per report.

The indicator catalogue states the audit's impact logic (``action_field``,
``expected_direction``, ``expected_lag``). For each analysed indicator with a linked field this
module runs, guarded (a failure is a note kept with the result it would have given):

- :func:`evaluation.heterogeneity` by the linked field's implementation intensity
  (``groups="half"``: at most / more than half of the field's measures implemented);
- :func:`evaluation.continuous_did` with that intensity as the dose (a line, ``degree=1``,
  the smallest spline; it needs a balanced panel and treated units with a positive dose);
- :func:`evaluation.did_multiplegt` on the lapse of the certificate when some certificates
  lapsed: from each audited unit's certification on, lapsed units switch out of "in force"
  and the units certified in the same year and still certified are their comparisons
  (:func:`exit_design`).

The analyses are imported directly; this module only chooses their arguments and the units
they can use, and says how many units it left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..i18n import Text
from ..implementation import implementation_intensity
from ..staggered import continuous_did, did_multiplegt, heterogeneity
from ..study.exposure import certification_status
from ..study.panel import build_panel
from .analyses import label_of
from .context import Context
from .document import Section, slug

#: the impact-logic columns of the indicator catalogue (optional: older studies lack them)
LOGIC_COLUMNS = ("action_field", "expected_direction", "expected_lag")
#: event-study horizon of the exit analysis: effects after a switch and placebos before it
EXIT_EFFECTS = 5
EXIT_PLACEBOS = 2
#: multiplier-bootstrap draws of the dose-response bands
DOSE_DRAWS = 999
#: a cohort enters the dose-response with at least this many treated units and two distinct
#: doses (its line has two coefficients)
MIN_COHORT_UNITS = 3

WHAT = {
    "intensity": Text("Umsetzungsintensität", "implementation intensity"),
    "panel": Text("Panel", "Panel"),
    "heterogeneity": Text(
        "Effekte nach Umsetzungsintensität", "effects by implementation intensity"
    ),
    "dose": Text("Dosis-Wirkungs-Kurve", "dose-response curve"),
    "status": Text("Zertifikatsstatus", "certificate status"),
    "exits": Text("Austrittsanalyse", "exit analysis"),
}


@dataclass
class Linked:
    """The analyses of one indicator with a linked action field (None where one failed or
    could not run; its notes say why)."""

    indicator: str
    label: str
    unit: str
    field: str
    notes: Section
    heterogeneity: Any = None
    dose_response: Any = None
    exits: Any = None
    #: treated units left out because they agreed no measure in the linked field
    n_no_measures: int = 0
    #: treated units left out of the dose-response: gaps in the years or a dose of 0
    n_gaps: int = 0
    n_zero_dose: int = 0
    #: cohorts (and their treated units) left out of the dose-response: too few units or
    #: doses to fit its line
    n_small_cohorts: int = 0
    n_small_units: int = 0

    @property
    def key(self) -> str:
        return slug(self.indicator)


@dataclass
class ImplementationImpact:
    """Everything the section shows."""

    #: one row per analysed indicator: indicator, label, and the three logic columns
    logic: pd.DataFrame
    notes: Section
    intensity: Any = None
    status: Any = None
    linked: list[Linked] = field(default_factory=list)

    @property
    def n_exits(self) -> int:
        return int(self.status.facts.get("n_exits", 0)) if self.status is not None else 0


def impact_logic(ctx: Context) -> pd.DataFrame:
    """The catalogue's impact logic of the analysed indicators (missing columns are empty)."""
    cat = ctx.study.indicator_catalogue.drop_duplicates("indicator").set_index("indicator")
    rows = []
    for ind in ctx.config.indicators(ctx.study):
        row = cat.loc[ind] if ind in cat.index else pd.Series(dtype=object)
        rows.append(
            {
                "indicator": ind,
                "label": label_of(ctx, ind)[0],
                **{c: _value(row.get(c)) for c in LOGIC_COLUMNS},
            }
        )
    out = pd.DataFrame(rows, columns=["indicator", "label", *LOGIC_COLUMNS])
    out["expected_lag"] = pd.array(out["expected_lag"].tolist(), dtype="Int64")
    return out


def _value(v: Any) -> Any:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


def implementation_impact(ctx: Context) -> ImplementationImpact:
    """The analyses of the section (run at the first call, then shared)."""
    return ctx.cache_get("implementation_impact", lambda: _run(ctx))


def _run(ctx: Context) -> ImplementationImpact:
    logic = impact_logic(ctx)
    out = ImplementationImpact(logic, Section("implementation-impact", ctx.tr(WHAT["intensity"])))
    linked = logic[logic["action_field"].notna()]
    if not len(linked):
        return out
    cfg = ctx.config
    ctx.step("implementation and impact: intensity")
    out.intensity = ctx.guard(
        out.notes,
        WHAT["intensity"],
        implementation_intensity,
        ctx.study,
        success=cfg.implementation.success,
    )
    ctx.step("implementation and impact: certificate status")
    out.status = ctx.guard(out.notes, WHAT["status"], certification_status, ctx.study)
    for row in linked.itertuples(index=False):
        ctx.scope = str(row.indicator)
        try:
            out.linked.append(_linked(ctx, out, str(row.indicator), str(row.action_field)))
        finally:
            ctx.scope = ""
    return out


def _linked(ctx: Context, out: ImplementationImpact, indicator: str, fld: str) -> Linked:
    label, unit = label_of(ctx, indicator)
    a = Linked(indicator, label, unit, fld, Section(f"linked-{slug(indicator)}", label))
    cfg = ctx.config
    ctx.step(f"implementation and impact {indicator}: panel")
    panel = ctx.guard(
        a.notes,
        WHAT["panel"],
        build_panel,
        ctx.study,
        indicator,
        onset=cfg.treatment.onset,
        cycle=cfg.treatment.cycle,
    )
    if panel is None:
        return a
    dose = _dose(ctx, out, a, panel)
    if dose is not None:
        ctx.step(f"implementation and impact {indicator}: heterogeneity")
        treated = set(dose.index)
        keep = panel[(panel["cohort"] == 0) | panel["municipality_id"].isin(treated)]
        a.heterogeneity = ctx.guard(
            a.notes,
            WHAT["heterogeneity"],
            heterogeneity,
            keep,
            dose,
            groups="half",
            method=cfg.impact.att_gt.method,
            covariates=list(cfg.impact.covariates) or None,
        )
        if a.heterogeneity is not None:
            ctx.used("heterogeneity")
        ctx.step(f"implementation and impact {indicator}: dose-response")
        a.dose_response = ctx.diagnostic(a.notes, WHAT["dose"], _dose_response, ctx, a, keep, dose)
        if a.dose_response is not None:
            ctx.used("continuous_did")
    if out.n_exits > 0:
        ctx.step(f"implementation and impact {indicator}: exits")
        a.exits = ctx.guard(a.notes, WHAT["exits"], _exits, out.status, panel, indicator)
        if a.exits is not None:
            ctx.used("did_multiplegt")
    return a


def _dose(
    ctx: Context, out: ImplementationImpact, a: Linked, panel: pd.DataFrame
) -> pd.Series | None:
    """The linked field's share implemented per treated unit of the panel (treated units
    without measures in the field are left out and counted)."""
    if out.intensity is None:
        return None
    fields = set(out.intensity.tidy()["action_field"])
    if a.field not in fields:
        ctx.failed(
            a.notes,
            WHAT["intensity"],
            f"no audit has measures in the linked field {a.field!r}",
            required=False,
        )
        return None
    dose = out.intensity.unit_intensity(a.field, cycle=ctx.config.treatment.cycle)
    dose.index = dose.index.astype(str)
    treated = panel.loc[panel["cohort"] > 0, "municipality_id"].astype(str).unique()
    a.n_no_measures = int(sum(u not in dose.index or pd.isna(dose.get(u)) for u in treated))
    return dose.reindex(treated).dropna()


def _dose_response(ctx: Context, a: Linked, panel: pd.DataFrame, dose: pd.Series) -> Any:
    """``continuous_did`` with the dose merged on, on the balanced part of the panel."""
    data = panel.merge(dose.rename("dose"), left_on="municipality_id", right_index=True, how="left")
    data["dose"] = data["dose"].fillna(0.0)
    data = data[data[a.indicator].notna()]
    n_years = data["year"].nunique()
    counts = data.groupby("municipality_id")["year"].nunique()
    complete = counts.index[counts == n_years]
    treated = data.groupby("municipality_id")["cohort"].first() > 0
    a.n_gaps = int((treated & ~treated.index.isin(complete)).sum())
    data = data[data["municipality_id"].isin(complete)]
    zero = data.groupby("municipality_id")[["cohort", "dose"]].first()
    zero_ids = zero.index[(zero["cohort"] > 0) & (zero["dose"] <= 0)]
    a.n_zero_dose = len(zero_ids)
    data = data[~data["municipality_id"].isin(zero_ids)]
    per = data[data["cohort"] > 0].groupby("municipality_id")[["cohort", "dose"]].first()
    fit = per.groupby("cohort")["dose"].agg(["size", "nunique"])
    small = fit.index[(fit["size"] < MIN_COHORT_UNITS) | (fit["nunique"] < 2)]
    a.n_small_cohorts = len(small)
    a.n_small_units = int(fit.loc[small, "size"].sum())
    data = data[~data["cohort"].isin(small)]
    return continuous_did(
        data,
        a.indicator,
        dose="dose",
        degree=1,
        n_draws=DOSE_DRAWS,
        seed=ctx.config.seed,
    )


def exit_design(status: Any, panel: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """The panel of the exit analysis: the audited units from their first year with a
    certificate in force on, with ``lapsed`` = 1 in the years their certificate is not in
    force (after it lapsed without a re-audit in time) and 0 before.

    Every unit starts "in force", so the only switches are lapses; the units certified in
    the same year (``certified``) and still certified are the comparisons of those that lapse
    (``did_multiplegt(within="certified")``): compared with units certified earlier or later,
    a lapse would also pick up how the effect of a certificate grows with its age. The years
    before a unit's certification stay in the table (the estimator needs a row per unit and
    year) with the outcome left empty, so no comparison uses them. Never-certified units are
    left out.
    """
    st = status.tidy()
    first = st.loc[st["in_force"] == 1].groupby("municipality_id")["year"].min()
    data = st[st["municipality_id"].isin(first.index)].merge(
        panel[["municipality_id", "year", indicator]], on=["municipality_id", "year"], how="left"
    )
    start = data["municipality_id"].map(first)
    certified = data["year"] >= start
    data["lapsed"] = (certified & (data["in_force"] == 0)).astype(float)
    data[indicator] = data[indicator].where(certified)
    data["certified"] = start
    return data[["municipality_id", "year", "certified", "in_force", "lapsed", indicator]]


def _exits(status: Any, panel: pd.DataFrame, indicator: str) -> Any:
    """``did_multiplegt`` of the indicator on the lapse of the certificate (see
    :func:`exit_design`): effect ``l`` is the change l - 1 years after the lapse against the
    units certified in the same year and still certified."""
    return did_multiplegt(
        exit_design(status, panel, indicator),
        indicator,
        treatment="lapsed",
        within="certified",
        effects=EXIT_EFFECTS,
        placebo=EXIT_PLACEBOS,
    )
