"""Paired comparisons in one convention: the paired t-test and the Wilcoxon signed-rank test.

Every before/after question of the package (the share of implemented measures per
municipality at two reports or in two audit cycles, an indicator's mean per treated unit before
and after onset) is answered by :func:`paired_tests`, so the same data give the same p-values
everywhere.

The convention
--------------
Differences are ``after - before``, one per unit.

Paired t-test
    The mean difference with the standard error ``sd / sqrt(n)`` (``sd`` with ``n - 1`` in the
    denominator), the two-sided p-value of ``mean / se`` from the t distribution with
    ``n - 1`` degrees of freedom, and the t interval at ``level`` (``scipy.stats.ttest_rel``).
    When every difference is the same, ``se = 0``: the statistic is infinite (p = 0) unless
    the mean is 0 too (statistic 0, p = 1), as in scipy.

Wilcoxon signed-rank test (Wilcoxon 1945)
    Zero differences are dropped (Wilcoxon's own convention, ``zero_method="wilcox"`` in
    scipy); the absolute values of the others are ranked, ties getting their mean rank. The
    statistic is ``min(W+, W-)``, the smaller of the rank sums of the positive and of the
    negative differences. The p-value is two-sided and

    - **exact** (the null distribution of ``W+`` over the ``2^n`` sign patterns) when there
      are at most :data:`EXACT_MAX_N` non-zero differences and no ties among their absolute
      values;
    - otherwise from the **normal approximation** with the tie-corrected variance
      ``n(n+1)(2n+1)/24 - sum(t^3 - t)/48`` (t: size of each group of tied ranks) and **no
      continuity correction**;
    - 1 when every difference is zero (method ``"none"``).

    This is ``scipy.stats.wilcoxon(d, zero_method="wilcox", correction=False,
    method="exact" | "approx")`` with the method chosen as above, and R's
    ``wilcox.test(paired = TRUE, exact = ..., correct = FALSE)``. scipy's own default
    (``method="auto"``) switches to a permutation test for small samples with ties or zeros,
    so its p-values differ from these there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from ..errors import DataError
from ..i18n import Text
from ..results import Inference, check_level

#: Largest number of non-zero differences for which the Wilcoxon test uses the exact null
#: distribution (without ties); above it the normal approximation is accurate to about three
#: decimals and the exact distribution needs 2^n sign patterns.
EXACT_MAX_N = 50

#: how the Wilcoxon p-value was computed
WilcoxonMethod = Literal["exact", "approx", "none"]

#: the description of the paired t inference (formatted with the degrees of freedom)
PAIRED_T_TEXT = Text(
    "Gepaarter t-Test: Standardfehler der mittleren Differenz (nachher − vorher), "
    "t-Verteilung mit n − 1 = {dof} Freiheitsgraden. Wilcoxon-Vorzeichen-Rang-Test der "
    "Differenzen: Nulldifferenzen ausgelassen; exakte Verteilung bis {exact} Differenzen ohne "
    "Bindungen, sonst Normalapproximation mit Bindungskorrektur, ohne Stetigkeitskorrektur.",
    "Paired t-test: standard error of the mean difference (after − before), t distribution "
    "with n − 1 = {dof} degrees of freedom. Wilcoxon signed-rank test of the differences: zero "
    "differences dropped; exact distribution up to {exact} differences without ties, otherwise "
    "the normal approximation with tie correction and no continuity correction.",
)


@dataclass(frozen=True)
class SignedRankTest:
    """The Wilcoxon signed-rank test of paired differences (see the module's convention).

    Attributes
    ----------
    statistic
        ``min(W+, W-)``.
    p_value
        Two-sided p-value.
    method
        ``"exact"``, ``"approx"`` (normal approximation) or ``"none"`` (all differences 0).
    n_nonzero
        Number of non-zero differences (those ranked).
    """

    statistic: float
    p_value: float
    method: WilcoxonMethod
    n_nonzero: int


@dataclass(frozen=True)
class PairedTests:
    """Paired t-test and Wilcoxon signed-rank test of ``after - before``.

    The attributes are the columns of the tidy table of a paired comparison:
    ``n_units``, ``mean_before``, ``mean_after``, ``mean_difference`` with ``std_error``,
    ``dof`` and the t interval ``ci_low``/``ci_high``, ``t_statistic``/``t_p_value``,
    ``median_difference`` and the Wilcoxon test (``wilcoxon_statistic``,
    ``wilcoxon_p_value``, ``wilcoxon_method``).
    """

    n_units: int
    mean_before: float
    mean_after: float
    mean_difference: float
    std_error: float
    dof: int
    ci_low: float
    ci_high: float
    t_statistic: float
    t_p_value: float
    median_difference: float
    wilcoxon_statistic: float
    wilcoxon_p_value: float
    wilcoxon_method: WilcoxonMethod

    def as_row(self) -> dict[str, Any]:
        """The tests as one row of a table (column -> value)."""
        return asdict(self)

    def inference(self) -> Inference:
        """The :class:`~evaluation.results.Inference` of the t interval and test."""
        return Inference(
            name="paired_t",
            description=PAIRED_T_TEXT.format(dof=self.dof, exact=EXACT_MAX_N),
            distribution="t",
            dof=float(self.dof),
        )


def _differences(before: Any, after: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    b = np.asarray(before, dtype=float).ravel()
    a = np.asarray(after, dtype=float).ravel()
    if b.shape != a.shape:
        raise DataError(
            f"a paired comparison needs one 'before' and one 'after' value per unit; got "
            f"{b.size} and {a.size} values"
        )
    bad = ~(np.isfinite(b) & np.isfinite(a))
    if bad.any():
        raise DataError(
            f"a paired comparison needs finite values; unit {int(np.flatnonzero(bad)[0])} "
            "(counting from 0) has a missing or infinite value; leave it out or fill it in"
        )
    if b.size < 2:
        raise DataError(
            f"a paired comparison needs at least 2 units with both measurements, found {b.size}"
        )
    return b, a, a - b


def signed_rank_distribution(n: int) -> np.ndarray:
    """Exact null distribution of Wilcoxon's ``W+`` for ``n`` untied non-zero differences:
    ``P(W+ = w)`` for ``w = 0 .. n(n+1)/2``. Each of the ``2^n`` sign patterns is equally
    likely; the count of patterns with rank sum ``w`` is the number of subsets of
    ``{1, ..., n}`` summing to ``w``, built up one rank at a time."""
    if not 0 <= n <= EXACT_MAX_N:
        raise DataError(f"the exact distribution is computed for 0..{EXACT_MAX_N} ranks, not {n}")
    top = n * (n + 1) // 2
    counts = np.zeros(top + 1, dtype=np.int64)  # at most 2^50 subsets: exact in int64
    counts[0] = 1
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k].copy()
    return counts / float(2**n)


def signed_rank_test(differences: Any) -> SignedRankTest:
    """Wilcoxon signed-rank test of paired differences in the package's convention (zeros
    dropped; exact without ties up to :data:`EXACT_MAX_N` differences, otherwise the normal
    approximation with tie correction and no continuity correction)."""
    from scipy import stats

    d = np.asarray(differences, dtype=float).ravel()
    if not np.isfinite(d).all():
        raise DataError("the differences of a signed-rank test must be finite numbers")
    nz = d[d != 0]
    n = int(nz.size)
    if n == 0:
        return SignedRankTest(0.0, 1.0, "none", 0)
    ranks = stats.rankdata(np.abs(nz))  # mean ranks for ties
    w_plus = float(ranks[nz > 0].sum())
    w_minus = float(ranks[nz < 0].sum())
    statistic = min(w_plus, w_minus)
    _, tie_sizes = np.unique(np.abs(nz), return_counts=True)
    ties = bool((tie_sizes > 1).any())
    if n <= EXACT_MAX_N and not ties:
        prob = signed_rank_distribution(n)
        w = int(round(w_plus))
        lower = float(prob[: w + 1].sum())  # P(W+ <= w)
        upper = float(prob[w:].sum())  # P(W+ >= w)
        p = min(1.0, 2.0 * min(lower, upper))
        return SignedRankTest(statistic, p, "exact", n)
    mean = n * (n + 1) / 4.0
    var = n * (n + 1) * (2 * n + 1) / 24.0 - float((tie_sizes**3 - tie_sizes).sum()) / 48.0
    if var <= 0:  # cannot happen with n >= 1 non-zero differences; kept as a guard
        return SignedRankTest(statistic, 1.0, "approx", n)
    z = (w_plus - mean) / np.sqrt(var)
    p = float(min(1.0, 2.0 * stats.norm.sf(abs(z))))
    return SignedRankTest(statistic, p, "approx", n)


def paired_tests(before: Any, after: Any, level: float = 0.95) -> PairedTests:
    """Paired t-test (with interval) and Wilcoxon signed-rank test of ``after - before``.

    Parameters
    ----------
    before, after
        One value per unit each, in the same order (array-like of equal length, at least 2,
        finite).
    level
        Confidence level of the t interval.

    Returns
    -------
    PairedTests
        The numbers of both tests; ``as_row()`` gives them as one table row,
        ``inference()`` the :class:`~evaluation.results.Inference` of the t interval.

    Examples
    --------
    >>> from evaluation.stats.paired import paired_tests
    >>> res = paired_tests([0.2, 0.1, 0.4], [0.5, 0.3, 0.4])
    >>> round(res.mean_difference, 4), res.wilcoxon_method
    (0.1667, 'exact')
    """
    from scipy import stats

    level = check_level(level)
    b, a, d = _differences(before, after)
    n = int(d.size)
    mean = float(d.mean())
    se = float(d.std(ddof=1) / np.sqrt(n))
    dof = n - 1
    crit = float(stats.t.ppf(0.5 + level / 2, dof))
    if se > 0:
        t = mean / se
        p_t = float(2 * stats.t.sf(abs(t), dof))
    else:
        t = 0.0 if mean == 0 else float(np.sign(mean) * np.inf)
        p_t = 1.0 if mean == 0 else 0.0
    w = signed_rank_test(d)
    return PairedTests(
        n_units=n,
        mean_before=float(b.mean()),
        mean_after=float(a.mean()),
        mean_difference=mean,
        std_error=se,
        dof=dof,
        ci_low=mean - crit * se,
        ci_high=mean + crit * se,
        t_statistic=t,
        t_p_value=p_t,
        median_difference=float(np.median(d)),
        wilcoxon_statistic=w.statistic,
        wilcoxon_p_value=w.p_value,
        wilcoxon_method=w.method,
    )


__all__ = [
    "EXACT_MAX_N",
    "PairedTests",
    "SignedRankTest",
    "WilcoxonMethod",
    "paired_tests",
    "signed_rank_distribution",
    "signed_rank_test",
]
