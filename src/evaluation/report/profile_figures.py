"""The one figure of each municipality profile: its audit timeline above small multiples of
its indicators against the comparison group.

Sixty profiles must not make the yearly summary slow, so the figures share what they have in
common. All profiles of one administrative level share their scales and their comparison group
(the median and the interquartile range per year are the same for all of them): that part,
with axes, ticks, titles and legends, is drawn once per level; each profile then only draws its
own artists (the phases of its audit cycles, its indicator lines, its certification year) onto
a copy of it and is written as PNG at a low resolution. A common scale also lets a reader
compare the profiles of one level with each other.

The PNG bytes are the same for the same inputs (Agg, no metadata).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import Lang, Text, number, plural, tr
from .figures import RC, ReportFigure
from .text import clean

#: resolution and size (inches) of a profile's figure
PROFILE_DPI = 100
FIGURE_SIZE = (7.0, 3.35)
#: colours of the PNG's palette
PALETTE_COLOURS = 64
#: indicators drawn at most (the profile's table lists all of them)
MAX_PANELS = 10
PANELS_PER_ROW = 5
UNIT_COLOUR = "#2b6ca3"
COMPARISON_COLOUR = "0.45"
BAND_COLOUR = "0.86"
PHASE_COLOURS = ("#c9d9ea", "#2b6ca3")
AGREEMENT_COLOUR = "#d08a00"
NOW_COLOUR = "#b8322f"

CYCLE = (
    Text("Erst-Audit", "First audit"),
    Text("Re-Audit", "Re-audit"),
    Text("{n}. Re-Audit", "Re-audit {n}"),
)
FIGURE_TITLE = Text(
    "{name}: Audit-Verlauf und Indikatoren gegen die Vergleichsgruppe",
    "{name}: audit timeline and indicators against the comparison group",
)
FIGURE_ALT = Text(
    "Oben der Audit-Verlauf von {name} ({cycles}); darunter {panels} im Zeitverlauf: die "
    "Kommune als Linie, der Median der Vergleichskommunen gestrichelt und ihre mittlere "
    "Hälfte als graues Band.",
    "Top: the audit timeline of {name} ({cycles}); below: {panels} over time: the municipality "
    "as a line, the comparison median dashed and its middle half as a grey band.",
)
CYCLES = (Text("{n} Audit-Zyklus", "{n} audit cycle"), Text("{n} Audit-Zyklen", "{n} audit cycles"))
PANELS = (Text("{n} Indikator", "{n} indicator"), Text("{n} Indikatoren", "{n} indicators"))
LEGEND = {
    "phase": Text("Audit bis Zertifizierung", "audit to certification"),
    "implementation": Text("Umsetzungsphase", "implementation phase"),
    "agreement": Text("Zielvereinbarung", "target agreement"),
    "now": Text("Stand Ende {year}", "as of end of {year}"),
    "unit": Text("Kommune", "municipality"),
    "median": Text("Median Vergleich", "comparison median"),
    "band": Text("mittlere Hälfte Vergleich", "comparison middle half"),
    "onset": Text("Jahr der Zertifizierung", "year of certification"),
}


#: the same inside a sentence
CYCLE_IN_TEXT = (
    Text("Erst-Audit", "first audit"),
    Text("Re-Audit", "re-audit"),
    Text("{n}. Re-Audit", "re-audit {n}"),
)


def cycle_label(cycle: int, *, in_text: bool = False) -> Text:
    """``Erst-Audit``, ``Re-Audit``, ``2. Re-Audit``, ... (``in_text``: as written inside a
    sentence, which in English is lower case)."""
    forms = CYCLE_IN_TEXT if in_text else CYCLE
    if cycle <= 1:
        return forms[0]
    if cycle == 2:
        return forms[1]
    return forms[2].format(n=cycle - 1)


def year_fraction(value: Any) -> float | None:
    """A date as a fractional year (2015-07-02 is about 2015.5); None when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    ts = pd.Timestamp(value)
    return ts.year + (ts.day_of_year - 1) / 365.25


@dataclass
class _Canvas:
    """The figure of one level: drawn once, then reused for each of its profiles."""

    figure: Any
    background: Any
    timeline: Any
    phases: list[tuple[Any, Any, Any]]
    panels: list[tuple[Any, Any, Any]]


class ProfileFigures:
    """The profiles' figures, drawn on one shared canvas per administrative level.

    Parameters
    ----------
    quantiles : DataFrame
        :func:`evaluation.study.profiles.comparison_quantiles` (tidy).
    series : DataFrame
        The indicator values of the profiled units (``municipality_id``, ``indicator``,
        ``year``, ``value``).
    timeline : DataFrame
        :func:`evaluation.study.profiles.audit_timeline` of the profiled units (tidy).
    levels : Series
        The level of each profiled unit (index: ``municipality_id``).
    labels : dict
        The title of each indicator's panel (its label and unit).
    indicators : sequence of str
        The indicators, in order (the first :data:`MAX_PANELS` are drawn).
    year : int
        The summary's year.
    lang : {"de", "en"}
    """

    def __init__(
        self,
        quantiles: pd.DataFrame,
        series: pd.DataFrame,
        timeline: pd.DataFrame,
        levels: pd.Series,
        labels: dict[str, str],
        indicators: tuple[str, ...],
        year: int,
        lang: Lang,
    ) -> None:
        self.quantiles = quantiles[quantiles["year"] <= year]
        self.series = series
        self.timeline = timeline
        self.levels = levels
        self.labels = labels
        self.indicators = tuple(indicators)[:MAX_PANELS]
        self.year = year
        self.lang = lang
        starts = [year_fraction(v) for v in timeline["start_date"]] if len(timeline) else []
        ends = list(timeline["implementation_end_date"]) if len(timeline) else []
        known = [v for v in starts + [year_fraction(v) for v in ends] if v is not None]
        self.span = (
            int(np.floor(min([*known, year - 4.0]))),
            int(np.ceil(max([*known, year + 1.0]))),
        )
        self.max_cycles = int(timeline["cycle"].max()) if len(timeline) else 1
        self._canvases: dict[str, _Canvas] = {}

    def t(self, x: Text | str) -> str:
        return tr(x, self.lang)

    # -- the shared part -------------------------------------------------------------
    def _limits(self, level: str, code: str) -> tuple[float, float]:
        q = self.quantiles[
            (self.quantiles["level"] == level) & (self.quantiles["indicator"] == code)
        ]
        units = self.levels.index[self.levels == level]
        s = self.series[
            (self.series["indicator"] == code) & self.series["municipality_id"].isin(units)
        ]
        vals = np.concatenate(
            [q["q25"].to_numpy(float), q["q75"].to_numpy(float), s["value"].to_numpy(float)]
        )
        vals = vals[np.isfinite(vals)]
        if not len(vals):
            return 0.0, 1.0
        lo, hi = float(vals.min()), float(vals.max())
        pad = (hi - lo) * 0.06 or max(abs(hi), 1.0) * 0.05
        return lo - pad, hi + pad

    def _canvas(self, level: str) -> _Canvas:
        if level in self._canvases:
            return self._canvases[level]
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        n = max(1, len(self.indicators))
        rows = int(np.ceil(n / PANELS_PER_ROW))
        cols = min(n, PANELS_PER_ROW)
        with matplotlib.rc_context({**RC, "font.size": 6.2, "axes.titlesize": 6.2}):
            fig = Figure(
                figsize=(FIGURE_SIZE[0], FIGURE_SIZE[1] + 1.6 * (rows - 1)), dpi=PROFILE_DPI
            )
            agg = FigureCanvasAgg(fig)
            grid = fig.add_gridspec(
                1 + rows,
                cols,
                height_ratios=[0.7] + [2.0] * rows,
                left=0.09,
                right=0.985,
                top=0.97,
                bottom=0.2 / rows,
                hspace=0.85,
                wspace=0.45,
            )
            tl = fig.add_subplot(grid[0, :])
            phases = self._draw_timeline_axes(tl)
            fig.legend(
                handles=self._legend_handles(),
                loc="lower center",
                ncol=4,
                frameon=False,
                fontsize=5.8,
                handlelength=1.6,
                columnspacing=1.4,
                bbox_to_anchor=(0.5, 0.0),
            )
            panels = [
                self._draw_indicator_panel(
                    fig.add_subplot(grid[1 + i // PANELS_PER_ROW, i % PANELS_PER_ROW]), level, code
                )
                for i, code in enumerate(self.indicators)
            ]
            fig.canvas.draw()
            background = agg.copy_from_bbox(fig.bbox)
        canvas = _Canvas(fig, background, tl, phases, panels)
        self._canvases[level] = canvas
        return canvas

    def _draw_timeline_axes(self, tl: Any) -> list[tuple[Any, Any, Any]]:
        """The audit timeline's axes, with one empty (animated) row of phases per cycle;
        returns each cycle's audit phase, implementation phase and agreement markers."""
        from matplotlib.patches import Rectangle

        phases = []
        for i in range(self.max_cycles):
            audit = Rectangle((0, -i - 0.25), 0, 0.5, color=PHASE_COLOURS[0], animated=True)
            phase = Rectangle((0, -i - 0.25), 0, 0.5, color=PHASE_COLOURS[1], animated=True)
            (agreed,) = tl.plot(
                [],
                [],
                marker="D",
                color=AGREEMENT_COLOUR,
                markersize=3.2,
                linestyle="",
                animated=True,
            )
            tl.add_patch(audit)
            tl.add_patch(phase)
            phases.append((audit, phase, agreed))
        tl.axvline(self.year + 1, color=NOW_COLOUR, linewidth=0.8, linestyle="--")
        lo, hi = self.span
        tl.set_xlim(lo - 0.3, hi + 0.3)
        step = max(1, int(np.ceil((hi - lo) / 10)))
        tl.set_xticks(range(lo, hi + 1, step))
        tl.set_yticks(
            [-i for i in range(self.max_cycles)],
            [self.t(cycle_label(i + 1)) for i in range(self.max_cycles)],
        )
        tl.set_ylim(-self.max_cycles + 0.35, 0.65)
        for side in ("top", "right", "left"):
            tl.spines[side].set_visible(False)
        tl.tick_params(axis="y", length=0)
        return phases

    def _legend_handles(self) -> list[Any]:
        """The legend's entries: the timeline's phases and marks, then the panels' lines."""
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        return [
            Patch(color=PHASE_COLOURS[0], label=self.t(LEGEND["phase"])),
            Patch(color=PHASE_COLOURS[1], label=self.t(LEGEND["implementation"])),
            Line2D(
                [],
                [],
                marker="D",
                color=AGREEMENT_COLOUR,
                linestyle="",
                markersize=3.2,
                label=self.t(LEGEND["agreement"]),
            ),
            Line2D(
                [],
                [],
                color=NOW_COLOUR,
                linestyle="--",
                linewidth=0.8,
                label=self.t(LEGEND["now"].format(year=self.year)),
            ),
            Line2D([], [], color=UNIT_COLOUR, linewidth=1.3, label=self.t(LEGEND["unit"])),
            Line2D(
                [],
                [],
                color=COMPARISON_COLOUR,
                linestyle="--",
                linewidth=0.9,
                label=self.t(LEGEND["median"]),
            ),
            Patch(color=BAND_COLOUR, label=self.t(LEGEND["band"])),
            Line2D(
                [], [], color="0.3", linestyle=":", linewidth=0.8, label=self.t(LEGEND["onset"])
            ),
        ]

    def _draw_indicator_panel(self, ax: Any, level: str, code: str) -> tuple[Any, Any, Any]:
        """One indicator's panel: the comparison units' band and median of ``level``, and an
        empty (animated) line and onset mark for each profile; returns the axes, the line and
        the mark."""
        q = self.quantiles[
            (self.quantiles["level"] == level) & (self.quantiles["indicator"] == code)
        ]
        ax.fill_between(q["year"], q["q25"], q["q75"], color=BAND_COLOUR, linewidth=0)
        ax.plot(q["year"], q["median"], color=COMPARISON_COLOUR, linestyle="--", linewidth=0.9)
        (line,) = ax.plot([], [], color=UNIT_COLOUR, linewidth=1.3, animated=True)
        onset = ax.axvline(0, color="0.3", linewidth=0.8, linestyle=":", animated=True)
        ax.set_ylim(*self._limits(level, code))
        years = q["year"] if len(q) else pd.Series([self.year - 10, self.year])
        first, last = int(years.min()), int(years.max())
        ax.set_xlim(first - 0.5, last + 0.5)
        ax.set_xticks(sorted({first, (first + last) // 2, last}))
        ax.yaxis.set_major_locator(_locator())
        ax.yaxis.set_major_formatter(_formatter(self.lang))
        ax.tick_params(labelsize=5.6, length=2, pad=1.5)
        title = "\n".join(textwrap.wrap(clean(self.labels.get(code, code)), 25)[:3])
        ax.set_title(title, fontsize=6.0, loc="left")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return ax, line, onset

    # -- one profile -----------------------------------------------------------------
    def figure(self, ags: str, name: str) -> ReportFigure:
        """The figure of the unit ``ags`` (its name for the title and alt text)."""
        level = str(self.levels.get(ags, ""))
        c = self._canvas(level)
        fig = c.figure
        fig.canvas.restore_region(c.background)
        tl = (
            self.timeline[self.timeline["municipality_id"] == ags]
            if len(self.timeline)
            else self.timeline
        )
        rows = list(tl.iterrows())
        for i, (audit, phase, agreed) in enumerate(c.phases):
            if i >= len(rows):
                continue
            a = rows[i][1]
            start = year_fraction(a["start_date"])
            if start is None:
                continue
            cert = year_fraction(a["certification_date"])
            end = year_fraction(a["implementation_end_date"])
            audit.set_x(start)
            audit.set_width((cert if cert is not None else self.year + 1) - start)
            c.timeline.draw_artist(audit)
            if cert is not None and end is not None:
                phase.set_x(cert)
                phase.set_width(end - cert)
                c.timeline.draw_artist(phase)
            agreement = year_fraction(a["agreement_date"])
            if agreement is not None:
                agreed.set_data([agreement], [-i])
                c.timeline.draw_artist(agreed)
        first_cert = year_fraction(tl["certification_date"].iloc[0]) if len(tl) else None
        s = self.series[self.series["municipality_id"] == ags]
        for code, (ax, line, onset) in zip(self.indicators, c.panels, strict=True):
            v = s[s["indicator"] == code].sort_values("year")
            line.set_data(v["year"].to_numpy(float), v["value"].to_numpy(float))
            ax.draw_artist(line)
            if first_cert is not None:
                onset.set_xdata([int(first_cert), int(first_cert)])
                ax.draw_artist(onset)
        png = _png(fig)
        cycles = plural(len(tl), *CYCLES, self.lang)
        panels = plural(len(self.indicators), *PANELS, self.lang)
        alt = self.t(FIGURE_ALT.format(name=name, cycles=cycles, panels=panels))
        title = self.t(FIGURE_TITLE.format(name=name))
        return ReportFigure(f"profile_{ags}", clean(title), clean(alt), "", png)

    def close(self) -> None:
        """Forget the canvases (their figures are not registered with pyplot)."""
        self._canvases.clear()


def _png(fig: Any) -> bytes:
    """The canvas as a palette PNG (PIL, no metadata: the same bytes for the same picture)."""
    from PIL import Image

    rgba = np.asarray(fig.canvas.buffer_rgba())
    # a palette of 64 colours is plenty for lines and bands, and makes small, fast files
    image = Image.fromarray(rgba[..., :3].copy()).quantize(
        colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _locator() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=4, min_n_ticks=3)


def _formatter(lang: Lang) -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(v: float, _pos: int) -> str:
        return number(v, lang, 0 if abs(v - round(v)) < 1e-9 else 1)

    return FuncFormatter(fmt)
