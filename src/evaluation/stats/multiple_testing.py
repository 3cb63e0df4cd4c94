"""Multiple testing across a family of estimates (e.g. one effect per indicator).

* Holm (1979): step-down Bonferroni; controls the family-wise error rate under any dependence.
* Romano & Wolf (2005, Econometrica 73(4)): step-down with the joint bootstrap distribution of
  the t-statistics, so that correlated tests (indicators measured on the same municipalities)
  are not over-corrected. Adjusted p-values as in Romano & Wolf (2016, Statistics & Probability
  Letters 113), algorithm 4.1: for the hypotheses ordered by decreasing ``|t|``, the adjusted
  p-value of the j-th is the share of draws whose largest ``|t*|`` among the j-th and all less
  significant hypotheses reaches ``|t_j|``, made monotone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ..i18n import Lang, Text, percent, term
from ..options import Adjustment, DrawCentre, check_option
from ..results import TableResult, display_frame

MultipleTestingOptionError = OptionError  # the older name

#: deprecated alias of :data:`evaluation.options.Adjustment`
Method = Adjustment


def holm(pvalues) -> np.ndarray:
    """Holm-adjusted p-values (same order as the input)."""
    p = np.asarray(pvalues, dtype=float).ravel()
    if p.size == 0:
        raise DataError("holm needs at least one p-value")
    if not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise DataError("p-values must lie between 0 and 1 (a p-value is missing or invalid)")
    m = p.size
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def romano_wolf(
    estimates: Any,
    std_errors: Any,
    draws: Any,
    *,
    null: Any = 0.0,
    centre: DrawCentre = "estimate",
) -> np.ndarray:
    """Romano-Wolf step-down adjusted p-values (two-sided).

    Parameters
    ----------
    estimates, std_errors
        The ``m`` estimates and their standard errors.
    draws
        Joint bootstrap draws of the estimates, ``B x m`` (one row per draw, e.g. from a
        multiplier bootstrap that uses the same weights for every indicator).
    null
        Value(s) of the null hypotheses.
    centre
        ``"estimate"``: the draws are centred at the estimates (``t*_b = (draw - estimate) /
        se``, the usual non-restricted bootstrap); ``"none"``: the draws are already centred
        at the null (``t*_b = draw / se``, e.g. bootstrap deviations).
    """
    est = np.asarray(estimates, dtype=float).ravel()
    se = np.asarray(std_errors, dtype=float).ravel()
    d = np.asarray(draws, dtype=float)
    m = est.size
    if m == 0:
        raise DataError("romano_wolf needs at least one estimate")
    if se.shape != (m,) or d.ndim != 2 or d.shape[1] != m:
        raise DataError(
            f"romano_wolf: {m} estimates need {m} standard errors and draws of shape (B, {m}); "
            f"got {se.shape} and {d.shape}"
        )
    if d.shape[0] < 99:
        raise DataError(f"romano_wolf needs at least 99 bootstrap draws, got {d.shape[0]}")
    if not (np.isfinite(est).all() and np.isfinite(se).all() and (se > 0).all()):
        raise DataError("estimates and standard errors must be finite, the errors positive")
    if not np.isfinite(d).all():
        raise DataError("the bootstrap draws contain missing or infinite values")
    check_option("centre", centre, DrawCentre)
    t = np.abs((est - np.broadcast_to(np.asarray(null, dtype=float), (m,))) / se)
    tb = np.abs((d - est[None, :]) / se[None, :] if centre == "estimate" else d / se[None, :])
    order = np.argsort(-t, kind="stable")
    # running max of |t*| over the hypotheses from the j-th (in order) to the last
    tail_max = np.maximum.accumulate(tb[:, order][:, ::-1], axis=1)[:, ::-1]
    p_step = (tail_max >= t[order][None, :]).mean(axis=0)
    p_step = np.maximum.accumulate(p_step)
    out = np.empty(m)
    out[order] = np.minimum(p_step, 1.0)
    return out


TITLE = Text("Mehrfaches Testen", "Multiple testing")
METHOD_NAMES: dict[str, Text] = {
    "holm": Text("Holm (schrittweise Bonferroni)", "Holm (step-down Bonferroni)"),
    "romano_wolf": Text(
        "Romano-Wolf (schrittweise, gemeinsamer Bootstrap)",
        "Romano-Wolf (step-down, joint bootstrap)",
    ),
}
FAMILY_NOTE = Text(
    "Die adjustierten p-Werte kontrollieren die Wahrscheinlichkeit, in der Familie mindestens "
    "eine wahre Nullhypothese abzulehnen (familienweise Fehlerrate).",
    "The adjusted p-values control the probability of rejecting at least one true null "
    "hypothesis in the family (family-wise error rate).",
)
YES_NO = (Text("nein", "no"), Text("ja", "yes"))
COLUMNS = ("hypothesis", "estimate", "std_error", "p_value", "p_adjusted", "reject")


class AdjustedPValues(TableResult):
    """A family of tests with adjusted p-values: ``tidy()`` has ``hypothesis``, ``estimate``,
    ``std_error``, ``p_value``, ``p_adjusted`` and ``reject`` (at ``alpha``); ``facts`` name the
    method, the family and its size."""

    def _summary_facts(self, lang: Lang) -> list[tuple[str, str]]:
        f = self.facts
        return [
            (term("method", lang), METHOD_NAMES[f["method"]](lang)),
            (term("family", lang), str(f["family"])),
            (term("n_hypotheses", lang), str(f["n_hypotheses"])),
            (term("alpha", lang), percent(f["alpha"], lang, 0)),
        ]

    def _summary_tables(self, lang: Lang) -> list[tuple[str, pd.DataFrame]]:
        shown = self._table[[c for c in COLUMNS if c in self._table.columns]].copy()
        if "reject" in shown:
            shown["reject"] = [YES_NO[bool(v)](lang) for v in shown["reject"]]
        return [("", display_frame(shown, lang))]


def adjust_pvalues(
    results_or_table,
    method: Adjustment = "holm",
    *,
    family: str | None = None,
    draws: Any = None,
    alpha: float = 0.05,
    centre: DrawCentre = "estimate",
) -> AdjustedPValues:
    """Adjust the p-values of a family of estimates for multiple testing.

    Parameters
    ----------
    results_or_table
        A mapping ``name -> result`` (each result with a one-row ``tidy()`` holding
        ``estimate``, ``std_error``, ``p_value``; e.g. one overall effect per indicator), or a
        DataFrame with the columns ``hypothesis`` (optional; else the index), ``estimate``,
        ``std_error`` and ``p_value``.
    method
        ``"holm"`` or ``"romano_wolf"`` (needs ``draws``).
    family
        What the family is, shown in the output (default: the names of the hypotheses).
    draws
        For Romano-Wolf: joint bootstrap draws of the estimates, ``B x m`` (columns in the
        order of the hypotheses, or a DataFrame with the hypotheses as columns).
    alpha
        Level at which ``reject`` is decided.
    centre
        How the draws are centred (see :func:`romano_wolf`).
    """
    check_option("method", method, Adjustment)
    if isinstance(alpha, bool) or not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise OptionError(f"alpha must be between 0 and 1, got {alpha!r}")
    table = _family_table(results_or_table)
    if method == "holm":
        adj = holm(table["p_value"].to_numpy())
    else:
        if draws is None:
            raise DataError("romano_wolf needs the joint bootstrap draws (draws=B x m)")
        if isinstance(draws, pd.DataFrame):
            missing = [h for h in table["hypothesis"] if h not in draws.columns]
            if missing:
                raise DataError(f"draws lack columns for the hypotheses {missing}")
            draws = draws[list(table["hypothesis"])].to_numpy(dtype=float)
        adj = romano_wolf(
            table["estimate"].to_numpy(), table["std_error"].to_numpy(), draws, centre=centre
        )
    table["p_adjusted"] = adj
    table["reject"] = adj <= alpha
    fam = family if family is not None else ", ".join(map(str, table["hypothesis"]))
    return AdjustedPValues(
        table,
        title=TITLE,
        facts={"method": method, "family": fam, "n_hypotheses": len(table), "alpha": alpha},
        notes=[FAMILY_NOTE],
        call={"method": method, "alpha": alpha, "centre": centre},
    )


def _family_table(obj) -> pd.DataFrame:
    if isinstance(obj, pd.DataFrame):
        t = obj.copy()
        if "hypothesis" not in t.columns:
            t = t.reset_index().rename(columns={t.index.name or "index": "hypothesis"})
        need = ["estimate", "std_error", "p_value"]
        missing = [c for c in need if c not in t.columns]
        if missing:
            raise DataError(f"the table of estimates lacks the column(s) {missing}")
        t = t[["hypothesis", *need]].reset_index(drop=True)
    elif isinstance(obj, Mapping):
        rows = []
        for name, res in obj.items():
            tidy = getattr(res, "tidy", None)
            if not callable(tidy):
                raise DataError(f"family member {name!r} is not a result (it has no tidy())")
            td = tidy()
            if len(td) != 1:
                raise DataError(
                    f"family member {name!r} has {len(td)} estimates; pass one estimate per "
                    "member (e.g. the overall effect)"
                )
            rows.append(
                {
                    "hypothesis": name,
                    **{c: float(td[c].iloc[0]) for c in ("estimate", "std_error", "p_value")},
                }
            )
        t = pd.DataFrame(rows)
    elif isinstance(obj, Sequence):
        raise DataError("pass a mapping name -> result or a DataFrame, not a list")
    else:
        raise DataError(f"cannot take a family of estimates from {type(obj).__name__}")
    if t.empty:
        raise DataError("the family of estimates is empty")
    if t["p_value"].isna().any():
        bad = t.loc[t["p_value"].isna(), "hypothesis"].tolist()
        raise DataError(f"hypotheses {bad} have no p-value")
    t["hypothesis"] = t["hypothesis"].astype(str)
    return t
