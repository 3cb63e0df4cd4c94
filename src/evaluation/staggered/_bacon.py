"""The Goodman-Bacon (2021) decomposition of the two-way fixed effects DiD estimate.

With a binary, absorbing treatment in a balanced panel without covariates, the TWFE coefficient
is a weighted average of all 2x2 DiD comparisons between timing groups (and the never-treated
group); the weights are the groups' sizes times the variance of treatment in each comparison.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..codes import Lang, check_lang
from ..errors import DataError
from ..labels import term
from ..results import TableResult
from ..study.panel import resolve_roles
from ._attgt import Bilingual, localise
from ._data import StaggeredWarning, excluded_notes, wide_panel

TYPES = {
    "treated_vs_never": ("Behandelt vs. nie behandelt", "Treated vs never treated"),
    "earlier_vs_later": (
        "Früher vs. später behandelt (noch unbehandelt)",
        "Earlier vs later treated (not yet treated)",
    ),
    "later_vs_earlier": (
        "Später vs. früher behandelt (bereits behandelt)",
        "Later vs earlier treated (already treated)",
    ),
    "treated_vs_always": ("Behandelt vs. immer behandelt", "Treated vs always treated"),
}


BACON_NOTE = (
    "Gewichte aus Gruppengrößen und Varianz der Behandlung (Goodman-Bacon 2021); die Summe "
    "von Gewicht x Schätzwert ist der TWFE-Koeffizient.",
    "Weights from group sizes and treatment variance (Goodman-Bacon 2021); "
    "sum(weight x estimate) equals the TWFE coefficient.",
)


class BaconDecomposition(Bilingual, TableResult):
    """2x2 comparisons with their type, weight and estimate; ``twfe`` is the TWFE coefficient
    (equal to the weighted sum of the estimates) and ``by_type()`` sums weights by type."""

    twfe: float
    excluded_units: pd.DataFrame  # units left out (unit, cohort, reason, detail)

    def by_type(self) -> pd.DataFrame:
        t = self.tidy()
        t["weighted"] = t["weight"] * t["estimate"]
        out = t.groupby("type", sort=False).agg(
            weight=("weight", "sum"), weighted=("weighted", "sum")
        )
        out["estimate"] = out["weighted"] / out["weight"]
        return out.drop(columns="weighted").reset_index()

    def plot(self, ax=None, lang: Lang = "de"):
        """Estimate of each 2x2 comparison against its weight, by type; the dashed line is the
        TWFE coefficient."""
        import matplotlib.pyplot as plt

        check_lang(lang)
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        t = self.tidy()
        markers = {"treated_vs_never": "o", "earlier_vs_later": "s", "later_vs_earlier": "^",
                   "treated_vs_always": "D"}  # fmt: skip
        for i, (kind, d) in enumerate(t.groupby("type", sort=False)):
            label = TYPES[kind][0 if lang == "de" else 1]
            ax.scatter(d["weight"], d["estimate"], marker=markers[kind], color=f"C{i}", label=label)
        ax.axhline(self.twfe, color="0.3", ls="--", lw=1, label=f"TWFE = {self.twfe:.4f}")
        ax.axhline(0, color="0.6", lw=0.8)
        ax.set_xlabel(term("weight", lang))
        ax.set_ylabel(term("estimate", lang))
        ax.set_title(self._title(lang))
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig


def bacon_decomposition(
    data: pd.DataFrame,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
) -> BaconDecomposition:
    """Goodman-Bacon decomposition of the TWFE estimate of ``y ~ unit + time + D`` with
    ``D = 1{cohort > 0 and time >= cohort}``.

    Needs a balanced panel (units with gaps are dropped with a warning) and no covariates.
    Units treated in the first period form an "always treated" group (they serve only as
    comparison); cohorts after the last period count as never treated. ``tidy()`` has one row
    per 2x2 comparison: ``type``, ``treated`` (cohort), ``control`` (cohort; 0 = never treated),
    ``estimate``, ``weight``; the weights sum to one and ``sum(weight * estimate) == twfe``.
    """
    roles = resolve_roles(data, outcome, unit, time, cohort)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StaggeredWarning)
        wp = wide_panel(data, roles, unbalanced="drop", drop_always_treated=False)
    for w in caught:
        warnings.warn(str(w.message), w.category, stacklevel=2)
    times, y, g = wp.times, wp.y, wp.cohort
    n, T = y.shape
    g = np.where((g > 0) & (g <= times[0]), times[0], g)  # always treated: from the start
    groups = np.unique(g)
    timing = groups[groups > 0]
    if len(timing) == 0:
        raise DataError("no treated units: nothing to decompose")
    d = (g[:, None] > 0) & (times[None, :] >= g[:, None])
    # TWFE coefficient via the within transformation (balanced panel)
    dd = d.astype(float)
    dt = dd - dd.mean(1, keepdims=True) - dd.mean(0, keepdims=True) + dd.mean()
    var_d = float((dt**2).mean())
    if var_d <= 0:
        raise DataError("treatment does not vary within units and periods: no TWFE estimate")
    twfe = float((dt * y).sum() / (dt**2).sum())

    share = {int(k): float(np.mean(g == k)) for k in groups}
    dbar = {int(k): float(np.mean(times >= k)) if k > 0 else 0.0 for k in groups}
    ybar = {int(k): y[g == k].mean(axis=0) for k in groups}

    def did(treat, ctrl, pre, post):
        return float(
            (ybar[treat][post].mean() - ybar[treat][pre].mean())
            - (ybar[ctrl][post].mean() - ybar[ctrl][pre].mean())
        )

    rows = []
    if 0 in share:
        for k in timing:
            k = int(k)
            if dbar[k] >= 1:
                continue  # always treated vs never treated: no pre-period, weight 0
            nk, nu = share[k], share[0]
            nku = nk / (nk + nu)
            s = (nk + nu) ** 2 * nku * (1 - nku) * dbar[k] * (1 - dbar[k]) / var_d
            rows.append(("treated_vs_never", k, 0, did(k, 0, times < k, times >= k), s))
    for i, k in enumerate(timing):
        for ll in timing[i + 1 :]:
            k, ll = int(k), int(ll)
            nk, nl = share[k], share[ll]
            nkl = nk / (nk + nl)
            dk, dl = dbar[k], dbar[ll]
            if dk < 1:  # k treated, l not yet treated: window before l's onset
                s = ((nk + nl) * (1 - dl)) ** 2 * nkl * (1 - nkl)
                s *= (dk - dl) / (1 - dl) * (1 - dk) / (1 - dl) / var_d
                win = times < ll
                est = did(k, ll, win & (times < k), win & (times >= k))
                rows.append(("earlier_vs_later", k, ll, est, s))
            # l treated, k already treated: window from k's onset on
            s = ((nk + nl) * dk) ** 2 * nkl * (1 - nkl) * (dl / dk) * (dk - dl) / dk / var_d
            win = times >= k
            est = did(ll, k, win & (times < ll), win & (times >= ll))
            kind = "treated_vs_always" if dk >= 1 else "later_vs_earlier"
            rows.append((kind, ll, k, est, s))
    table = pd.DataFrame(rows, columns=["type", "treated", "control", "estimate", "weight"])
    res = BaconDecomposition(
        table,
        title="Goodman-Bacon-Zerlegung des TWFE-Schätzers",
        facts={"twfe": twfe, "n_units": n, "n_comparisons": len(table)},
        notes=[BACON_NOTE[0], *excluded_notes(wp.excluded)],
    )
    res.se_note, res.se_note_en = BACON_NOTE
    res.twfe = twfe
    res.excluded_units = wp.excluded
    return localise(res, "Goodman-Bacon decomposition of the TWFE estimate")
