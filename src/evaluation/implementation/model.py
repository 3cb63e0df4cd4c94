"""Logistic model of implementation success with municipality-clustered inference."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from ..errors import DataError, OptionError
from ..i18n import Lang, Text, term
from ..options import (
    ImplementationModelMethod,
    ModelQuantity,
    Success,
    Unreported,
    check_option,
)
from ..results import Estimates, Inference, check_level, value_label
from ._data import (
    AsOf,
    check_as_of,
    check_success,
    measure_status,
    ordered_fields,
    select,
    success_flag,
)
from ._results import ImplementationResult, level_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CATEGORICAL = ("level", "state", "group")
DEFAULT_COVARIATES = ("log_population", "level", "cohort", "cycle")

SINGLE_VALUE = Text(
    "Die Kovariate {c} hat nur einen Wert ({v}) und entfällt.",
    "Covariate {c} has a single value ({v}) and is dropped.",
)
CONSTANT = Text(
    "Die Kovariate {c} ist konstant und entfällt.", "Covariate {c} is constant and is dropped."
)
METHODS = {
    "gee": Text("GEE-Logit", "GEE logit"),
    "logit": Text("Logit, cluster-robust", "Logit, cluster-robust"),
}
SE_TEXTS = {
    "gee": Text(
        "GEE-Logit mit austauschbarer Arbeitskorrelation (exchangeable) innerhalb der Kommunen, "
        "robuste (Sandwich-)Standardfehler mit Kommunen als Clustern.",
        "GEE logit, exchangeable working correlation within municipalities, robust (sandwich) "
        "standard errors clustered by municipality.",
    ),
    "logit": Text(
        "Logit (Maximum Likelihood), Standardfehler mit Kommunen als Clustern "
        "(Kleinstichprobenfaktor G/(G−1)·(N−1)/(N−K)).",
        "Logit (maximum likelihood), standard errors clustered by municipality (small-sample "
        "factor G/(G−1)·(N−1)/(N−K)).",
    ),
}
DELTA = Text(" Marginaleffekte: Delta-Methode.", " Marginal effects: delta method.")
ODDS_NOTE = Text(
    "Odds Ratios: exp des Koeffizienten und seines Wald-Intervalls ({level}); Teststatistik und "
    "p-Wert beziehen sich auf die Log-Odds. Marginaleffekte: durchschnittliche Änderung der "
    "vorhergesagten Wahrscheinlichkeit (Kategorien gegen ihre Referenz), Standardfehler nach der "
    "Delta-Methode.",
    "Odds ratios: exp of the coefficient and of its Wald interval ({level}); statistic and "
    "p-value refer to the log odds. Marginal effects: average change of the predicted "
    "probability (categories against their reference), delta-method SE.",
)
REFERENCE_NOTE = Text(
    "Referenzkategorien: {refs}. Numerische Kovariaten sind um ihren Mittelwert zentriert.",
    "Reference categories: {refs}. Numeric covariates are centred at their mean.",
)
TITLE = Text("Modell des Umsetzungserfolgs", "Model of implementation success")
COEF_TITLE = Text("Logit-Koeffizienten (Log-Odds)", "Logit coefficients (log odds)")
AME_TITLE = Text("Durchschnittliche Marginaleffekte", "Average marginal effects")


def design_matrix(
    frame: pd.DataFrame, covariates: Sequence[str], notes: list[Text]
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Intercept, action-field dummies (reference: first field in code-list order) and the
    covariates: categorical ones (level, state, group) as dummies against their first level,
    numeric ones centred at their mean.

    Parameters
    ----------
    frame
        One row per measure with its action field and its municipality's columns.
    covariates
        The covariates (see :func:`implementation_model`).
    notes
        Notes of the result; dropped covariates are added.

    Returns
    -------
    tuple
        The design (a DataFrame) and the dummy columns of each categorical variable.
    """
    cols: dict[str, np.ndarray] = {"const": np.ones(len(frame))}
    blocks: dict[str, list[str]] = {}
    fields = ordered_fields(frame["action_field"])
    af = frame["action_field"].astype(str).to_numpy()
    blocks["action_field"] = []
    for f in fields[1:]:
        name = f"action_field[{f}]"
        cols[name] = (af == f).astype(float)
        blocks["action_field"].append(name)
    for c in covariates:
        if c == "log_population":
            if "population" not in frame.columns:
                raise DataError("covariate log_population needs municipalities.population")
            pop = frame["population"].to_numpy(dtype=float, na_value=np.nan)
            bad = ~(pop > 0)
            if bad.any():
                mid = frame.loc[bad, "municipality_id"].iloc[0]
                raise DataError(
                    f"municipalities.population is missing or not positive for {mid}; fill it "
                    "in or drop log_population from covariates"
                )
            values = np.log(pop)
        elif c in frame.columns:
            if frame[c].isna().any():
                mid = frame.loc[frame[c].isna(), "municipality_id"].iloc[0]
                raise DataError(
                    f"covariate {c} is missing for municipality {mid}; fill it in or drop {c}"
                )
            if c in CATEGORICAL or not pd.api.types.is_numeric_dtype(frame[c]):
                levels = sorted(frame[c].astype(str).unique())
                if len(levels) < 2:
                    notes.append(SINGLE_VALUE.format(c=c, v=levels[0]))
                    continue
                v = frame[c].astype(str).to_numpy()
                blocks[c] = []
                for lev in levels[1:]:
                    name = f"{c}[{lev}]"
                    cols[name] = (v == lev).astype(float)
                    blocks[c].append(name)
                continue
            values = frame[c].to_numpy(dtype=float)
        else:
            raise OptionError(
                f"unknown covariate {c!r}; use log_population, level, state, group, cohort, "
                "cycle or a numeric column of the municipalities table"
            )
        if np.ptp(values) == 0:
            notes.append(CONSTANT.format(c=c))
            continue
        cols[c] = values - values.mean()
    return pd.DataFrame(cols), blocks


def _separation(x: pd.DataFrame, y: np.ndarray, blocks: dict[str, list[str]]) -> None:
    for var, names in blocks.items():
        ref = np.ones(len(y), dtype=bool)
        for name in names:
            ref &= x[name].to_numpy() == 0
        groups = [(n.split("[", 1)[1][:-1], x[n].to_numpy() == 1) for n in names]
        groups.append(("reference", ref))
        for label, mask in groups:
            if mask.any() and np.ptp(y[mask]) == 0:
                what = "all" if y[mask][0] == 1 else "none"
                lab = label if label != "reference" else f"the reference level of {var}"
                raise DataError(
                    f"{var} {lab}: {what} of its {int(mask.sum())} measures are successful, so "
                    "its odds ratio is not finite (perfect separation); drop or merge this "
                    "category, or use another success definition"
                )


def average_marginal_effects(
    params: np.ndarray, cov: np.ndarray, x: pd.DataFrame, blocks: dict[str, list[str]]
) -> pd.DataFrame:
    """Average marginal effects of a logit with delta-method standard errors.

    Dummies of a categorical variable: a discrete change from the reference category, the
    mean over all observations of P(y=1 | in that category) - P(y=1 | in the reference
    category), all other covariates as observed (every dummy of the variable is set to 0 for
    the reference, and only the category's dummy to 1 for the category). Numeric covariates:
    the mean derivative of the probability, which equals statsmodels'
    ``get_margeff(at="overall", method="dydx")``.

    This is not statsmodels' ``get_margeff(dummy=True)``: that switches one dummy column
    from 0 to 1 while keeping the variable's other dummy columns at their observed values (so
    an observation of a third category is compared with an impossible "two categories at
    once"); with more than two categories the two definitions differ.

    Parameters
    ----------
    params, cov
        Coefficients of the logit and their covariance.
    x
        The design (see :func:`design_matrix`).
    blocks
        The dummy columns of each categorical variable.

    Returns
    -------
    pandas.DataFrame
        ``term``, ``estimate``, ``std_error`` (delta method).
    """
    xv = x.to_numpy(dtype=float)
    names = list(x.columns)
    dummy_of = {n: var for var, ns in blocks.items() for n in ns}
    out = []
    for j, name in enumerate(names):
        if name == "const":
            continue
        if name in dummy_of:
            x0 = xv.copy()
            for other in blocks[dummy_of[name]]:
                x0[:, names.index(other)] = 0.0
            x1 = x0.copy()
            x1[:, j] = 1.0
            p0, p1 = expit(x0 @ params), expit(x1 @ params)
            ame = float(np.mean(p1 - p0))
            grad = ((p1 * (1 - p1))[:, None] * x1 - (p0 * (1 - p0))[:, None] * x0).mean(axis=0)
        else:
            p = expit(xv @ params)
            f = p * (1 - p)
            ame = float(np.mean(f * params[j]))
            grad = (f * (1 - 2 * p) * params[j])[:, None] * xv
            grad = grad.mean(axis=0)
            grad[j] += f.mean()
        out.append((name, ame, float(np.sqrt(grad @ cov @ grad))))
    return pd.DataFrame(out, columns=["term", "estimate", "std_error"])


class ImplementationModel(ImplementationResult):
    """Odds ratios and average marginal effects of a logistic model of success.

    ``tidy()`` columns: ``term``, ``quantity`` (``odds_ratio`` or ``marginal_effect``),
    ``estimate``, ``std_error`` (delta method), ``statistic``, ``p_value``, ``ci_low``,
    ``ci_high`` (odds ratios: exp of the Wald interval of the coefficient). ``coefficients``
    (log odds) and ``marginal_effects`` are :class:`evaluation.Estimates`; ``fit`` is the
    statsmodels result.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        coefficients: Estimates,
        marginal_effects: Estimates,
        fit: Any,
        **kw: Any,
    ) -> None:
        self.coefficients = coefficients
        self.marginal_effects = marginal_effects
        self.fit = fit
        super().__init__(table, **kw)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        lang: Lang = "de",
        quantity: ModelQuantity = "odds_ratio",
        title: str | None = None,
    ) -> Figure:
        """Coefficient plot of the odds ratios (log scale) or marginal effects; returns the
        Figure."""
        from .plots import plot_model

        return plot_model(self, ax=ax, lang=lang, quantity=quantity, title=title)


def _fit(y: np.ndarray, x: pd.DataFrame, groups: np.ndarray, method: str) -> Any:
    """The statsmodels fit of the GEE or the cluster-robust logit."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        if method == "gee":
            model = sm.GEE(
                y,
                x,
                groups=groups,
                family=sm.families.Binomial(),
                cov_struct=sm.cov_struct.Exchangeable(),
            )
            return model.fit()
        return sm.Logit(y, x).fit(disp=0, cov_type="cluster", cov_kwds={"groups": groups})


def _reference_note(frame: pd.DataFrame, blocks: dict[str, list[str]]) -> Text:
    """The reference category of the action field and of each categorical covariate."""
    refs = {"action_field": ordered_fields(frame["action_field"])[0]}
    refs |= {v: sorted(frame[v].astype(str).unique())[0] for v in blocks if v != "action_field"}

    def written(lang: Lang) -> str:
        return ", ".join(f"{term(v, lang)} {value_label(v, r, lang)}" for v, r in refs.items())

    return REFERENCE_NOTE.format(refs=Text(written("de"), written("en")))


def _odds_and_effects(
    coef: pd.DataFrame, ame: pd.DataFrame, marginal: Estimates, level: float
) -> pd.DataFrame:
    """The tidy table: odds ratios (without the constant) and average marginal effects."""
    z = stats.norm.isf((1 - level) / 2)
    c = coef[coef["term"] != "const"].reset_index(drop=True)
    stat = c["estimate"] / c["std_error"]
    orr = pd.DataFrame(
        {
            "term": c["term"],
            "quantity": "odds_ratio",
            "estimate": np.exp(c["estimate"]),
            "std_error": np.exp(c["estimate"]) * c["std_error"],
            "statistic": stat,
            "p_value": 2 * stats.norm.sf(np.abs(stat)),
            "ci_low": np.exp(c["estimate"] - z * c["std_error"]),
            "ci_high": np.exp(c["estimate"] + z * c["std_error"]),
        }
    )
    me = marginal.tidy()[["term", "estimate", "std_error", "statistic", "p_value"]]
    me = me.assign(
        quantity="marginal_effect",
        ci_low=ame["estimate"] - z * ame["std_error"],
        ci_high=ame["estimate"] + z * ame["std_error"],
    )
    table = pd.concat([orr, me[orr.columns]], ignore_index=True)
    table["term"] = table["term"].astype("string")
    table["quantity"] = table["quantity"].astype("string")
    return table


def implementation_model(
    study: Any,
    covariates: Sequence[str] = DEFAULT_COVARIATES,
    *,
    success: Success = "implemented",
    as_of: AsOf = "end",
    method: ImplementationModelMethod = "gee",
    level: float = 0.95,
    unreported: Unreported = "exclude",
) -> ImplementationModel:
    """Logistic model of success on action field and municipality characteristics.

    Parameters
    ----------
    study
        A :class:`evaluation.Study`.
    covariates
        Any of ``log_population``, ``level``, ``state``, ``group`` (categorical), ``cohort``
        (certification year), ``cycle`` and numeric columns of the municipalities table
        (e.g. ``urbanisation``). Numeric covariates are centred; constant ones are dropped.
    success, as_of, unreported
        As in :func:`evaluation.implementation_rates`.
    method
        ``"gee"`` (default): GEE logit with exchangeable working correlation within
        municipalities and robust (sandwich) covariance; ``"logit"``: maximum-likelihood logit
        with municipality-clustered covariance (statsmodels' default small-sample factor
        G/(G-1)·(N-1)/(N-K)).
    level
        Confidence level of the intervals.

    Returns
    -------
    ImplementationModel
        Odds ratios and marginal effects (``tidy()``), the coefficients and marginal effects
        as :class:`evaluation.Estimates`, and the statsmodels ``fit``.

    Notes
    -----
    The action field enters as dummies against the first action field in the code list.
    A category in which all or no measures are successful raises a :class:`DataError`
    (perfect separation).

    Examples
    --------
    >>> import evaluation as ev
    >>> m = ev.implementation_model(ev.datasets.synthetic_study(seed=1), ["log_population"])
    >>> m.tidy()  # doctest: +SKIP
    """
    if isinstance(covariates, str):
        covariates = [covariates]
    check_success(success)
    as_of = check_as_of(as_of)
    check_option("method", method, ImplementationModelMethod)
    check_level(level)
    ms = measure_status(study, unreported)
    notes = list(ms.notes)
    frame, status = select(ms, as_of, notes)
    if frame["action_field"].nunique() < 2:
        raise DataError("implementation_model needs measures in at least two action fields")
    y = success_flag(status, success).astype(float)
    x, blocks = design_matrix(frame, list(covariates), notes)
    _separation(x, y, blocks)
    groups, _ = pd.factorize(frame["municipality_id"].astype(str))
    g = int(groups.max()) + 1
    fit = _fit(y, x, groups, method)
    params = np.asarray(fit.params, dtype=float)
    cov = np.asarray(fit.cov_params(), dtype=float)
    coef = pd.DataFrame(
        {"term": list(x.columns), "estimate": params, "std_error": np.sqrt(np.diag(cov))}
    )
    inference = Inference(
        name="gee_sandwich" if method == "gee" else "logit_cluster",
        description=SE_TEXTS[method],
        n_clusters=g,
    )
    inference.warn("implementation_model")
    facts = {"n_obs": len(frame), "success": success, "as_of": as_of}
    coefficients = Estimates(
        coef,
        ["term"],
        title=COEF_TITLE,
        method=METHODS[method],
        inference=inference,
        level=level,
        facts={"n_obs": len(frame)},
    )
    ame = average_marginal_effects(params, cov, x, blocks)
    marginal = Estimates(
        ame,
        ["term"],
        title=AME_TITLE,
        method=METHODS[method],
        inference=Inference(
            name=inference.name, description=SE_TEXTS[method] + DELTA, n_clusters=g
        ),
        level=level,
        facts={"n_obs": len(frame)},
    )
    notes = [
        ODDS_NOTE.format(level=level_text(level)),
        _reference_note(frame, blocks),
        *notes,
    ]
    return ImplementationModel(
        _odds_and_effects(coef, ame, marginal, level),
        coefficients=coefficients,
        marginal_effects=marginal,
        fit=fit,
        title=TITLE,
        method=METHODS[method],
        notes=notes,
        facts=facts,
        call={
            "covariates": list(covariates),
            "success": success,
            "as_of": as_of,
            "method": method,
            "level": level,
            "unreported": unreported,
        },
        inference=inference,
    )
