"""Results of synthetic control and synthetic DiD, with their plots.

Every text a person reads is an :class:`~evaluation.i18n.Text` (titles, methods and notes in
:data:`TEXTS`, one block per result); column and fact labels are in
:data:`evaluation.i18n.TERMS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import Lang, Text, check_lang, number, term, tr
from ..options import PlaceboKind, check_option
from ..results import Estimates, TableResult, display_frame, figure_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

B = Text  # the texts below are German first, English second

#: Titles, method names and standard-error notes of every result here.
TEXTS: dict[str, dict[str, Text]] = {
    "synthetic_control": {
        "title": B("Synthetische Kontrolle", "Synthetic control"),
        "method": B(
            "Synthetische Kontrolle (Abadie, Diamond & Hainmueller 2010)",
            "Synthetic control (Abadie, Diamond & Hainmueller 2010)",
        ),
        "se_note": B(
            "Die synthetische Kontrolle hat keinen Stichproben-Standardfehler (daher keine "
            "Intervalle); Inferenz über Placebos: res.placebo('space') (Rang des "
            "RMSPE-Verhältnisses unter allen Spendern) und res.placebo('time').",
            "Synthetic control has no sampling standard error (hence no intervals); inference "
            "by placebos: res.placebo('space') (rank of the RMSPE ratio among all donors) and "
            "res.placebo('time').",
        ),
    },
    "synthetic_control_time": {
        "title": B(
            "Placebo in der Zeit: synthetische Kontrolle", "Placebo in time: synthetic control"
        ),
    },
    "overall_sc": {
        "title": B(
            "Synthetische Kontrolle: mittlerer Effekt nach Beginn",
            "Synthetic control: mean effect after onset",
        ),
    },
    "weights": {
        "title": B(
            "Spendergewichte der synthetischen Kontrolle", "Donor weights of the synthetic control"
        ),
        "note": B(
            "Nur Spender mit positivem Gewicht; die Gewichte jeder behandelten Einheit sind "
            "nicht negativ und summieren sich zu 1.",
            "Only donors with positive weight; the weights of each treated unit are "
            "non-negative and sum to 1.",
        ),
    },
    "fit": {
        "title": B("Anpassung vor und nach Beginn", "Fit before and after onset"),
        "note": B(
            "RMSPE: Wurzel der mittleren quadrierten Differenz zwischen Einheit und "
            "synthetischer Kontrolle; ein großes Verhältnis nachher/vorher spricht für einen "
            "Effekt, wenn die Anpassung vorher gut ist.",
            "RMSPE: root mean squared gap between the unit and its synthetic control; a large "
            "post/pre ratio points to an effect when the pre-period fit is good.",
        ),
    },
    "v_weights": {
        "title": B("Prädiktorgewichte V", "Predictor weights V"),
        "note": B(
            "V minimiert den mittleren quadrierten Abstand der Zielgröße in der Vorperiode "
            "(verschachtelte Optimierung wie R Synth); Prädiktoren sind auf Standardabweichung "
            "1 skaliert.",
            "V minimises the mean squared pre-period gap of the outcome (nested optimisation "
            "as in R Synth); predictors are scaled to standard deviation 1.",
        ),
    },
    "balance": {
        "title": B("Prädiktorbalance", "Predictor balance"),
        "note": B(
            "Mittelwerte der Prädiktoren: behandelte Einheit, synthetische Kontrolle und "
            "ungewichtetes Mittel der Spender.",
            "Predictor means: treated unit, synthetic control and unweighted mean of the donors.",
        ),
    },
    "placebo_space": {
        "title": B(
            "Placebo im Raum: synthetische Kontrolle", "Placebo in space: synthetic control"
        ),
        "note": B(
            "Jeder Spender wird als behandelt betrachtet (mit den übrigen Spendern als Pool). "
            "p-Wert = Rang des RMSPE-Verhältnisses nachher/vorher der behandelten Einheit "
            "unter allen J+1 Einheiten / (J+1) (Abadie, Diamond & Hainmueller 2010); Bindungen "
            "zählen gegen die behandelte Einheit. Eine perfekte Anpassung vorher ergibt ein "
            "unendliches Verhältnis.",
            "Every donor is treated as if treated (with the other donors as its pool). "
            "p-value = rank of the treated unit's post/pre RMSPE ratio among all J+1 units / "
            "(J+1) (Abadie, Diamond & Hainmueller 2010); ties count against the treated unit. "
            "A perfect pre-period fit gives an infinite ratio.",
        ),
    },
    "synthetic_did": {
        "title": B("Synthetische Differenz-in-Differenzen", "Synthetic difference-in-differences"),
        "method_sdid": B(
            "Synthetische DiD (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021)",
            "Synthetic DiD (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021)",
        ),
        "method_sc": B(
            "Synthetische Kontrolle im Löser von synthdid (ohne Zeitgewichte und Achsenabschnitt)",
            "Synthetic control in the synthdid solver (no time weights, no intercept)",
        ),
        "method_did": B(
            "Differenz-in-Differenzen (gleiche Einheiten- und Zeitgewichte)",
            "Difference-in-differences (equal unit and time weights)",
        ),
        "se_placebo": B(
            "Placebo-Standardfehler (Arkhangelsky et al. 2021, Algorithmus 4; R synthdid "
            "vcov(method = 'placebo')): {n} Ziehungen, in denen zufällig gewählte "
            "Vergleichseinheiten die Behandlungsstruktur erhalten; Startwert {seed}; "
            "Normalverteilung.",
            "Placebo standard errors (Arkhangelsky et al. 2021, Algorithm 4; R synthdid "
            "vcov(method = 'placebo')): {n} draws in which randomly chosen comparison units "
            "receive the treatment structure; seed {seed}; normal distribution.",
        ),
        "se_bootstrap": B(
            "Bootstrap-Standardfehler (Arkhangelsky et al. 2021, Algorithmus 2; R synthdid "
            "vcov(method = 'bootstrap')): {n} Ziehungen von Einheiten mit Zurücklegen, Gewichte "
            "jeweils neu geschätzt; Startwert {seed}; Normalverteilung.",
            "Bootstrap standard errors (Arkhangelsky et al. 2021, Algorithm 2; R synthdid "
            "vcov(method = 'bootstrap')): {n} draws of units with replacement, weights "
            "re-estimated in each; seed {seed}; normal distribution.",
        ),
        "bootstrap_single": B(
            "Kein Bootstrap-Standardfehler für Jahre seit Beginn mit nur einer behandelten "
            "Einheit (R synthdid gibt dann keinen an); dafür variance='placebo' verwenden.",
            "No bootstrap standard error for years since onset with a single treated unit (R "
            "synthdid gives none then); use variance='placebo' for them.",
        ),
        "se_jackknife": B(
            "Jackknife-Standardfehler mit festen Gewichten (Arkhangelsky et al. 2021, "
            "Algorithmus 3; R synthdid vcov(method = 'jackknife')): jede Einheit einmal "
            "weggelassen; Normalverteilung.",
            "Jackknife standard errors with fixed weights (Arkhangelsky et al. 2021, Algorithm "
            "3; R synthdid vcov(method = 'jackknife')): every unit left out once; normal "
            "distribution.",
        ),
    },
    "overall_sdid": {
        "title": B("Synthetische DiD: ATT", "Synthetic DiD: ATT"),
    },
    "cohorts": {
        "title": B("Effekte je Beginnkohorte", "Effects by adoption cohort"),
        "note": B(
            "Jede Kohorte mit den nie behandelten Einheiten als Vergleich geschätzt; das ATT "
            "mittelt die Kohorten mit Gewichten proportional zu behandelten Einheit-Jahren "
            "(Clarke et al. 2023).",
            "Each cohort estimated with the never-treated units as comparisons; the ATT "
            "averages the cohorts with weights proportional to treated unit-years (Clarke et al. "
            "2023).",
        ),
    },
    "unit_weights": {
        "title": B("Einheitengewichte (omega)", "Unit weights (omega)"),
    },
    "time_weights": {
        "title": B("Zeitgewichte (lambda)", "Time weights (lambda)"),
    },
}


def text(result: str, key: str) -> Text:
    """One text of :data:`TEXTS`."""
    return TEXTS[result][key]


# ---------------------------------------------------------------------------------------------
# shared display
# ---------------------------------------------------------------------------------------------
class SyntheticTable(TableResult):
    """A table (weights, fit, balance) with its title, notes and labels."""

    def plot(self, ax: Axes | None = None, *, lang: Lang = "de", top: int = 15) -> Figure:
        """Horizontal bars of a weights table (the ``top`` largest per treated unit)."""
        t = self.tidy()
        col = "weight" if "weight" in t.columns else "v_weight" if "v_weight" in t.columns else None
        if col is None:
            raise DataError(f"{tr(self.title, 'en')} has no weights to plot")
        label = (
            "unit" if "unit" in t.columns else "predictor" if "predictor" in t.columns else "time"
        )
        return _bar_weights(t, col, label, ax=ax, lang=lang, top=top, title=tr(self.title, lang))


class SyntheticEffect(Estimates):
    """One overall effect (``estimate``, ``std_error`` as numbers)."""

    @property
    def estimate(self) -> float:
        return float(self._table["estimate"].iloc[0])

    @property
    def std_error(self) -> float:
        return float(self._table["std_error"].iloc[0])


def _bar_weights(t, col, label, *, ax, lang, top, title):
    groups = list(dict.fromkeys(t["treated_unit"])) if "treated_unit" in t.columns else [None]
    if "cohort" in t.columns and "treated_unit" not in t.columns:
        groups = list(dict.fromkeys(t["cohort"]))
        key = "cohort"
    else:
        key = "treated_unit"
    import matplotlib.pyplot as plt

    if ax is None:
        n = len(groups)
        fig, axes = plt.subplots(
            1, n, figsize=(4.2 * n, 0.28 * min(top, len(t)) + 1.6), squeeze=False
        )
        axes = list(axes.ravel())
    else:
        fig, axes = ax.figure, [ax] * len(groups)
        groups = groups[:1]
    for a, g in zip(axes, groups, strict=False):
        d = t if g is None else t[t[key] == g]
        d = d.sort_values(col, ascending=False).head(top)
        pos = np.arange(len(d))[::-1]
        a.barh(pos, d[col].to_numpy(dtype=float), color="C0")
        a.set_yticks(pos, d[label].astype(str).tolist())
        a.set_xlabel(term(col, lang))
        if g is not None:
            a.set_title(f"{term(key, lang)} {g}", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------
# synthetic control
# ---------------------------------------------------------------------------------------------
class SyntheticControlResult(Estimates):
    """Synthetic control: gaps (treated minus synthetic) by ``event_time``.

    ``estimate`` is the gap averaged over the treated units at each event time (pre-onset
    rows show the pre-period fit, ``post`` marks the effect rows); ``overall`` is the mean gap
    over all treated unit-years after onset. Standard errors are missing by construction:
    inference comes from :meth:`placebo`.

    Attributes
    ----------
    overall : SyntheticEffect
        The mean post-onset gap (the ATT estimate of the synthetic control).
    paths : pandas.DataFrame
        Per treated unit and year: ``treated`` and ``synthetic`` outcome, ``gap``, ``post``.
    weights, fit : SyntheticTable
        Donor weights (positive ones) and pre/post RMSPE with their ratio per treated unit.
    v_weights, balance : SyntheticTable or None
        With predictors: the predictor weights V and the balance table (treated, synthetic,
        donor mean), as R Synth's ``synth.tab``.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        overall: SyntheticEffect,
        paths: pd.DataFrame,
        weights: SyntheticTable,
        fit: SyntheticTable,
        v_weights: SyntheticTable | None,
        balance: SyntheticTable | None,
        engine: Any,
        **kw: Any,
    ) -> None:
        super().__init__(table, ["event_time"], **kw)
        self.overall = overall
        self.paths = paths
        self.weights = weights
        self.fit = fit
        self.v_weights = v_weights
        self.balance = balance
        self._engine = engine

    def placebo(
        self,
        kind: PlaceboKind = "space",
        *,
        shift: int | None = None,
        exclude_poor_fit: float | None = None,
    ):
        """Placebo distributions of the synthetic control.

        Parameters
        ----------
        kind
            ``"space"``: every donor in turn as if it were treated, with the other donors as
            its pool (Abadie, Diamond & Hainmueller 2010); returns a :class:`PlaceboResult`
            with the permutation p-value ``rank / (J + 1)`` of the treated unit's post/pre
            RMSPE ratio. ``"time"``: the onset moved ``shift`` years earlier, fitted on the
            years before the real onset only; returns a :class:`SyntheticControlResult` whose
            "effects" should be near zero.
        shift
            Years the onset is moved for ``kind="time"`` (default: half the pre-period,
            leaving at least two pre-period years).
        exclude_poor_fit
            For ``kind="space"``: leave out placebo units whose pre-period MSPE exceeds this
            multiple of the treated unit's (Abadie et al. 2010 use 20, 5 and 2).
        """
        from .placebo import placebo_in_space, placebo_in_time

        check_option("kind", kind, PlaceboKind)
        if kind == "space":
            if shift is not None:
                raise DataError("shift applies to kind='time' only")
            return placebo_in_space(self._engine, exclude_poor_fit=exclude_poor_fit)
        if exclude_poor_fit is not None:
            raise DataError("exclude_poor_fit applies to kind='space' only")
        return placebo_in_time(self._engine, shift=shift)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        lang: Lang = "de",
        title: str | None = None,
        kind: Literal["path", "gap", "weights"] = "path",
    ) -> Figure:
        """``"path"``: treated and synthetic outcome over the years (one panel per treated
        unit; with ``ax`` and several treated units: their means by event time); ``"gap"``:
        the gaps by event time, one line per treated unit and their mean; ``"weights"``: the
        largest donor weights."""
        check_lang(lang)
        check_option("kind", kind, Literal["path", "gap", "weights"])
        if kind == "weights":
            return self.weights.plot(ax=ax, lang=lang)
        heading = title or tr(self.title, lang)
        p = self.paths
        units = list(dict.fromkeys(p["treated_unit"]))
        if kind == "gap":
            fig, a = figure_axes(ax)
            for u in units:
                d = p[p["treated_unit"] == u]
                a.plot(d["event_time"], d["gap"], color="0.6", lw=1, label=None)
            t = self.tidy()
            a.plot(t["event_time"], t["estimate"], color="C3", lw=2, label=term("gap", lang))
            a.axhline(0, color="0.4", lw=0.8)
            a.axvline(-0.5, color="0.5", lw=0.8, ls="--")
            a.set_xlabel(term("event_time", lang))
            a.set_ylabel(f"{term('gap', lang)} ({self.outcome})")
            a.set_title(heading)
            a.legend()
            fig.tight_layout()
            return fig
        import matplotlib.pyplot as plt

        if ax is not None and len(units) > 1:
            t = self.tidy()
            ax.plot(
                t["event_time"], t["outcome_treated"], color="C3", lw=2, label=term("treated", lang)
            )
            ax.plot(
                t["event_time"],
                t["outcome_synthetic"],
                color="C0",
                lw=2,
                ls="--",
                label=term("synthetic", lang),
            )
            ax.axvline(-0.5, color="0.5", lw=0.8, ls="--")
            ax.set_xlabel(term("event_time", lang))
            ax.set_ylabel(self.outcome or "")
            ax.set_title(heading)
            ax.legend()
            fig = figure_axes(ax)[0]
            fig.tight_layout()
            return fig
        if ax is None:
            n = len(units)
            ncol = min(3, n)
            nrow = int(np.ceil(n / ncol))
            fig, grid = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.2 * nrow), squeeze=False)
            axes = list(grid.ravel())
            for a in axes[n:]:
                a.set_visible(False)
        else:
            fig, axes = figure_axes(ax)[0], [ax]
        for a, u in zip(axes, units, strict=False):
            d = p[p["treated_unit"] == u]
            a.plot(d["time"], d["treated"], color="C3", lw=2, label=f"{u}")
            a.plot(
                d["time"], d["synthetic"], color="C0", lw=2, ls="--", label=term("synthetic", lang)
            )
            onset = d.loc[d["post"], "time"].min()
            a.axvline(onset - 0.5, color="0.5", lw=0.8, ls="--")
            a.set_xlabel(term("time", lang))
            a.set_ylabel(self.outcome or "")
            a.legend(fontsize=8)
        fig.suptitle(heading)
        fig.tight_layout()
        return fig


class PlaceboResult(SyntheticTable):
    """In-space placebos of a synthetic control.

    ``tidy()`` has one row per treated unit and placebo unit (``role``: treated or placebo)
    with pre and post RMSPE, their ratio, its rank and whether the unit is ``included`` (see
    ``exclude_poor_fit``). ``p_values`` has per treated unit the permutation p-value of the
    ratio (``p_value``) and of the post-period RMSPE alone (``p_value_post``); ``p_value`` is
    the first treated unit's. ``gaps`` holds every unit's gap by year for the spaghetti plot,
    ``weights`` the positive donor weights of every unit's synthetic control.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        p_values: pd.DataFrame,
        gaps: pd.DataFrame,
        weights: pd.DataFrame,
        title: Text | str,
        notes: Sequence[Text | str],
        facts: Mapping[str, Any],
    ) -> None:
        super().__init__(table, title=title, notes=notes, facts=facts)
        self.p_values = p_values.reset_index(drop=True)
        self.gaps = gaps
        self.weights = weights
        self.p_value = float(self.p_values["p_value"].iloc[0])

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        return [("", display_frame(self.p_values, lang)), *super()._summary_tables(lang)]

    # a placebo result draws gaps or ratios, not the weights bars of the tables it shares
    # its display with (so its keywords differ)
    def plot(  # type: ignore[override]
        self,
        ax: Axes | None = None,
        *,
        lang: Lang = "de",
        kind: Literal["gaps", "ratios"] = "gaps",
        treated_unit: str | None = None,
    ) -> Figure:
        """``"gaps"``: the gap of every placebo unit (grey) and of the treated unit
        (highlighted) by event time; ``"ratios"``: the post/pre RMSPE ratios ranked, the
        treated unit highlighted."""
        check_lang(lang)
        check_option("kind", kind, Literal["gaps", "ratios"])
        units = self.p_values["treated_unit"].tolist()
        tu = treated_unit if treated_unit is not None else units[0]
        if tu not in units:
            raise DataError(f"treated_unit {tu!r} is not one of {units}")
        fig, a = figure_axes(ax)
        if kind == "gaps":
            g = self.gaps[self.gaps["treated_unit"] == tu]
            inc = set(
                self._table.loc[
                    (self._table["treated_unit"] == tu) & self._table["included"], "unit"
                ]
            )
            for u, d in g[g["role"] == "placebo"].groupby("unit", sort=False):
                if u in inc:
                    a.plot(d["event_time"], d["gap"], color="0.75", lw=0.7)
            d = g[g["role"] == "treated"]
            a.plot(d["event_time"], d["gap"], color="C3", lw=2.2, label=str(tu))
            a.plot([], [], color="0.75", lw=0.7, label=term("n_placebos", lang))
            a.axhline(0, color="0.4", lw=0.8)
            a.axvline(-0.5, color="0.5", lw=0.8, ls="--")
            a.set_xlabel(term("event_time", lang))
            a.set_ylabel(term("gap", lang))
        else:
            t = self._table[(self._table["treated_unit"] == tu) & self._table["included"]]
            t = t.sort_values("rmspe_ratio")
            r = t["rmspe_ratio"].to_numpy(dtype=float)
            finite = np.isfinite(r)
            top = np.nanmax(r[finite]) * 1.1 if finite.any() else 1.0
            r = np.where(finite, r, top)
            pos = np.arange(len(t))
            colours = np.where(t["role"].to_numpy() == "treated", "C3", "0.6")
            a.barh(pos, r, color=colours)
            a.set_yticks([])
            a.set_xlabel(term("rmspe_ratio", lang))
        pv = self.p_values.set_index("treated_unit").loc[tu, "p_value"]
        a.set_title(f"{tr(self.title, lang)}: {tu}, p = {number(float(pv), lang, 3)}")
        if kind == "gaps":
            a.legend(fontsize=8)
        fig.tight_layout()
        return fig


# ---------------------------------------------------------------------------------------------
# synthetic DiD
# ---------------------------------------------------------------------------------------------
class SyntheticDidResult(Estimates):
    """Synthetic DiD (or its sc / did special cases): effects by ``event_time``.

    ``estimate`` at event time e averages the cohorts' effect curves (R synthdid's
    ``synthdid_effect_curve``) at e, weighted by their numbers of treated units; ``overall``
    is the ATT (for one cohort R's ``synthdid_estimate``; with staggered adoption the average
    of the cohort estimates weighted by treated unit-years). Standard errors of both come from
    the same placebo, bootstrap or jackknife draws.

    Attributes
    ----------
    overall : SyntheticEffect
    cohorts : SyntheticTable
        Per adoption cohort: treated units, pre/post years, estimate, standard error, weight.
    unit_weights, time_weights : SyntheticTable
        omega (per cohort and donor) and lambda (per cohort and pre-period year).
    draws : pandas.DataFrame
        The overall estimate of every placebo or bootstrap draw (or jackknife replicate).
    paths : pandas.DataFrame
        Per cohort and year: mean outcome of the treated units and of the (omega-weighted,
        intercept-shifted) synthetic control, and the time weight.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        overall: SyntheticEffect,
        cohorts: SyntheticTable,
        unit_weights: SyntheticTable,
        time_weights: SyntheticTable,
        draws: pd.DataFrame,
        paths: pd.DataFrame,
        **kw: Any,
    ) -> None:
        super().__init__(table, ["event_time"], **kw)
        self.overall = overall
        self.cohorts = cohorts
        self.unit_weights = unit_weights
        self.time_weights = time_weights
        self.draws = draws
        self.paths = paths

    def plot(
        self,
        ax: Axes | None = None,
        *,
        lang: Lang = "de",
        title: str | None = None,
        kind: Literal["path", "effects", "weights"] = "path",
    ) -> Figure:
        """``"path"``: mean outcome of the treated units and of their synthetic control per
        cohort, with the time weights as shaded bars (as R ``synthdid_plot``); ``"effects"``:
        the event-time effects with intervals; ``"weights"``: the largest unit weights."""
        check_lang(lang)
        check_option("kind", kind, Literal["path", "effects", "weights"])
        heading = title or tr(self.title, lang)
        if kind == "effects":
            return super().plot(ax=ax, lang=lang, title=heading)
        if kind == "weights":
            return self.unit_weights.plot(ax=ax, lang=lang)
        import matplotlib.pyplot as plt

        p = self.paths
        cohorts = list(dict.fromkeys(p["cohort"]))
        if ax is None:
            n = len(cohorts)
            ncol = min(3, n)
            nrow = int(np.ceil(n / ncol))
            fig, grid = plt.subplots(nrow, ncol, figsize=(4.8 * ncol, 3.3 * nrow), squeeze=False)
            axes = list(grid.ravel())
            for a in axes[n:]:
                a.set_visible(False)
        else:
            fig, axes = figure_axes(ax)[0], [ax]
            cohorts = cohorts[:1]
        for a, g in zip(axes, cohorts, strict=False):
            d = p[p["cohort"] == g]
            a.plot(d["time"], d["treated"], color="C3", lw=2, label=term("treated", lang))
            a.plot(
                d["time"], d["synthetic"], color="C0", lw=2, ls="--", label=term("synthetic", lang)
            )
            lam = d["time_weight"].to_numpy(dtype=float)
            if np.nansum(lam) > 0:
                lo = float(np.nanmin(d[["treated", "synthetic"]].to_numpy()))
                hi = float(np.nanmax(d[["treated", "synthetic"]].to_numpy()))
                a.bar(
                    d["time"], np.nan_to_num(lam) * (hi - lo) / 3, bottom=lo, color="0.8", width=0.8
                )
            a.axvline(g - 0.5, color="0.5", lw=0.8, ls="--")
            a.set_title(f"{term('cohort', lang)} {g}", fontsize=9)
            a.set_xlabel(term("time", lang))
            a.set_ylabel(self.outcome or "")
            a.legend(fontsize=8)
        fig.suptitle(heading)
        fig.tight_layout()
        return fig
