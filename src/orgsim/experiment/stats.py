"""Summary statistics for replicated runs: means and confidence intervals that stay possible.

A measure's mean lies within the values the measure can take (a share in [0, 1], a count or an
amount of money >= 0), so its interval is cut to that range: the Student-t interval intersected
with the range. The cut never costs coverage (the true mean is always inside the range), and a
table never shows an impossible value such as a negative lead count with two replications.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

CI_METHOD = (
    "95% Student-t confidence interval of the mean over replications, cut to the values the measure "
    "can take (shares 0-100%, counts, hours and money other than contribution and customer value >= 0)"
)
CI_SHORT = "CI: 95% Student-t over replications, cut to the values the measure can take"  # under tables

COUNT_PREFIXES = ("leaked.", "ledger.", "funnel.", "leaked_revenue.", "friction_by_source.")


def bounds(measure: str) -> tuple[float, float]:
    """The values ``measure`` can take, ``(low, high)``, from the measure schema (unknown: any)."""
    from orgsim import measures

    known = measures.MEASURES.get(measure) or measures.SERIES_MEASURES.get(measure)
    if known is not None:
        return known.bounds
    if measure.startswith(COUNT_PREFIXES):
        return (0.0, math.inf)  # per-cause and per-stage counts, amounts and friction points
    return (-math.inf, math.inf)


def cut(low: float, high: float, measure: str) -> tuple[float, float]:
    """An interval of ``measure``'s mean cut to the values the measure can take (NaN stays NaN)."""
    lo, hi = bounds(measure)
    return (low if math.isnan(low) else max(low, lo), high if math.isnan(high) else min(high, hi))


def difference_bounds(measure: str) -> tuple[float, float]:
    """The values a difference of two of ``measure``'s values can take: ``(low - high, high - low)``.

    A share's difference lies in [-1, 1]; an unbounded measure's in (-inf, inf).
    """
    lo, hi = bounds(measure)
    span = hi - lo
    return (-span, span)


@functools.lru_cache(maxsize=4096)
def t_quantile(p: float, dof: float) -> float:
    """Student-t quantile ``scipy.stats.t.ppf(p, dof)``, cached.

    One report asks for the same few ``(level, n - 1)`` hundreds of times; a scipy call costs ~1 ms.
    """
    from scipy import stats  # imported here: scipy.stats costs ~1 s at start-up

    return float(stats.t.ppf(p, dof))


def mean_ci(
    values: np.ndarray | list[float],
    level: float = 0.95,
    within: tuple[float, float] = (-math.inf, math.inf),
) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval ``(mean, low, high)``, cut to ``within``; NaNs ignored."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if x.size < 2:
        return (mean, math.nan, math.nan)
    half = float(t_quantile(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    lo, hi = within
    return (mean, max(mean - half, lo), min(mean + half, hi))


def measure_ci(
    values: np.ndarray | list[float], measure: str, level: float = 0.95
) -> tuple[float, float, float]:
    """:func:`mean_ci` of a measure's values, cut to the values the measure can take."""
    return mean_ci(values, level, bounds(measure))


@dataclass(frozen=True)
class Difference:
    """A paired mean difference ``b - a`` with its Student-t confidence interval.

    ``n`` is the number of pairs used (pairs with a NaN on either side are dropped). Units are
    those of the measure compared. ``ci_low``/``ci_high`` are NaN when fewer than two pairs.
    """

    mean: float
    ci_low: float
    ci_high: float
    n: int
    level: float = 0.95

    @property
    def clear(self) -> bool:
        """True when the CI excludes zero (the difference is not luck at this level)."""
        return bool(self.ci_low > 0 or self.ci_high < 0)

    @property
    def sign(self) -> int:
        """+1 if the CI lies above zero, -1 if below, 0 if it contains zero (or is undefined)."""
        if self.ci_low > 0:
            return 1
        if self.ci_high < 0:
            return -1
        return 0


def paired_difference(
    a: np.ndarray | list[float],
    b: np.ndarray | list[float],
    level: float = 0.95,
    measure: str | None = None,
) -> Difference:
    """Mean of the per-pair differences ``b[i] - a[i]`` and its CI (a paired t interval).

    ``a`` and ``b`` are the same measure from runs paired by seed (common random numbers):
    element ``i`` of each comes from the same seed. Pairing removes the shared luck, so this
    CI is usually much narrower than comparing two separate means. With ``measure`` the CI is
    cut to the values a difference of it can take (:func:`difference_bounds`).
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired_difference needs equal-length runs, got {x.size} and {y.size}")
    d = y - x
    within = difference_bounds(measure) if measure else (-math.inf, math.inf)
    mean, low, high = mean_ci(d, level, within)
    return Difference(mean, low, high, int(np.count_nonzero(~np.isnan(d))), level)


def unpaired_difference(
    a: np.ndarray | list[float], b: np.ndarray | list[float], level: float = 0.95
) -> Difference:
    """Difference of means ``mean(b) - mean(a)`` with a Welch CI, ignoring any pairing.

    What a side-by-side table of two means implies; kept to show how much pairing gains.
    ``n`` is the smaller sample size.
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    n = int(min(x.size, y.size))
    if n == 0:
        return Difference(math.nan, math.nan, math.nan, 0, level)
    mean = float(y.mean() - x.mean())
    if n < 2:
        return Difference(mean, math.nan, math.nan, n, level)
    from scipy import stats

    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(vx + vy)
    if se == 0:
        return Difference(mean, mean, mean, n, level)
    dof = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof) * se)
    return Difference(mean, mean - half, mean + half, n, level)
