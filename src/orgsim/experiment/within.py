"""Compare like with like: structures within each setting of a sweep, then summarised across settings.

A sweep crosses the structures with other factors (head count, demand, budget...). Pooling a
structure's runs over those factors mixes different companies: the spread of a pooled mean is
mostly the design, not noise, and a structure that wins in every setting can look "not clearly
ahead". Here a *setting* is one combination of the other factors' values; inside it, runs of two
groups are paired by replicate (the sweep gives the same replicate of a setting the same seed
under every structure: common random numbers), and the paired differences are summarised:

* per setting: the paired mean difference ``b - a`` with its Student-t 95% CI
  (:func:`orgsim.experiment.stats.paired_difference`);
* across settings: the design-average difference, the mean of the per-setting differences, with
  a CI from their within-setting variances only (a stratified estimate: ``se = sqrt(sum
  s_i^2 / n_i) / k``, Welch-Satterthwaite degrees of freedom), so the between-setting spread
  does not widen it; and how many settings ``b`` wins, clearly or not.

A comparison of scenarios (``orgsim compare``) is the one-setting case.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from orgsim.experiment.stats import Difference, bounds, cut, mean_ci, paired_difference, t_quantile

Setting = tuple[tuple[str, Any], ...]
"""One setting: ``((factor, value), ...)`` for every factor other than the compared groups."""


@dataclass(frozen=True)
class CellDifference:
    """``b - a`` inside one setting, from runs paired by replicate."""

    setting: Setting
    diff: Difference

    def label(self) -> str:
        """``sales.headcount = 4, market.demand = 0.6`` (``all runs`` for a single setting)."""
        return ", ".join(f"{k} = {v}" for k, v in self.setting) or "all runs"


@dataclass(frozen=True)
class WithinDifference:
    """Group ``b`` minus group ``a`` on one measure, setting by setting and on average.

    ``overall`` is the design-average of the per-setting differences (each setting weighs the
    same) with a CI from within-setting noise only. ``paired_by_seed`` is True when every pair
    shares its seed (common random numbers); otherwise pairs are independent runs and the CI is
    still valid, only wider.
    """

    measure: str
    a: str
    b: str
    cells: tuple[CellDifference, ...]
    overall: Difference
    paired_by_seed: bool

    def wins(self, higher_is_better: bool = True) -> int:
        """Settings where ``b``'s mean is better than ``a``'s."""
        sign = 1.0 if higher_is_better else -1.0
        return sum(1 for c in self.cells if sign * c.diff.mean > 0)

    def clear_wins(self, higher_is_better: bool = True) -> int:
        """Settings where ``b`` is better and the 95% CI of the difference excludes zero."""
        want = 1 if higher_is_better else -1
        return sum(1 for c in self.cells if c.diff.sign == want)

    def clear_losses(self, higher_is_better: bool = True) -> int:
        """Settings where ``b`` is clearly worse than ``a``."""
        return self.clear_wins(not higher_is_better)


def setting_of(runs: pd.DataFrame, factors: Sequence[str]) -> pd.Series:
    """Each run's setting as a hashable tuple ``((factor, value), ...)`` (``()`` with no factors)."""
    cols = [f for f in factors if f in runs]
    if not cols:
        return pd.Series([()] * len(runs), index=runs.index, dtype=object)
    values = runs[cols].itertuples(index=False, name=None)
    return pd.Series(
        [tuple(zip(cols, (_native(v) for v in row), strict=True)) for row in values],
        index=runs.index,
        dtype=object,
    )


def _native(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def average_difference(cells: Sequence[Difference], level: float = 0.95) -> Difference:
    """The mean of per-setting differences, with a CI from their within-setting variances.

    Each cell's variance of the mean is recovered from its CI half-width (Student t with
    ``n - 1`` degrees of freedom); a cell with fewer than two pairs makes the CI undefined.
    """
    cells = [c for c in cells if c.n > 0 and not math.isnan(c.mean)]
    if not cells:
        return Difference(math.nan, math.nan, math.nan, 0, level)
    k = len(cells)
    mean = float(np.mean([c.mean for c in cells]))
    n = sum(c.n for c in cells)
    if any(c.n < 2 or math.isnan(c.ci_low) for c in cells):
        return Difference(mean, math.nan, math.nan, n, level)
    var_means = []
    for c in cells:
        t = t_quantile(0.5 + c.level / 2, c.n - 1)
        var_means.append(((c.ci_high - c.ci_low) / 2 / t) ** 2)
    total = sum(var_means)
    if total == 0:
        return Difference(mean, mean, mean, n, level)
    se = math.sqrt(total) / k
    dof = total**2 / sum(v**2 / (c.n - 1) for v, c in zip(var_means, cells, strict=True))
    half = t_quantile(0.5 + level / 2, dof) * se
    return Difference(mean, mean - half, mean + half, n, level)


def within_difference(
    runs: pd.DataFrame,
    measure: str,
    a: str,
    b: str,
    factors: Sequence[str] = (),
    group: str = "group",
    pair_on: str = "replicate",
) -> WithinDifference:
    """``b - a`` on ``measure`` within each setting of ``factors``, paired on ``pair_on``.

    ``runs`` has one row per run with the ``group`` column, the factor columns, ``pair_on``
    and ``measure`` (and ``seed``, to tell whether pairs share their seed). Settings where
    either group has no run are skipped. Without ``pair_on`` in ``runs`` runs are paired in
    their order within the setting.
    """
    part = runs[runs[group].isin([a, b])]
    is_b = (part[group] == b).to_numpy()
    values = part[measure].to_numpy(float)
    seeds = part["seed"].to_numpy() if "seed" in part else None
    keys = part[pair_on].tolist() if pair_on in part else None
    rows: dict[Setting, list[int]] = {}  # each setting's rows, in the order of the runs
    for i, setting in enumerate(setting_of(part, factors)):
        rows.setdefault(setting, []).append(i)
    cells = []
    same_seed = seeds is not None
    for setting, at in rows.items():
        ia, ib = [i for i in at if not is_b[i]], [i for i in at if is_b[i]]
        if not ia or not ib:
            continue
        if keys is not None:  # the first run of each pair_on value, in the order of a's runs
            first_a: dict[Any, int] = {}
            first_b: dict[Any, int] = {}
            for i in ia:
                first_a.setdefault(keys[i], i)
            for i in ib:
                first_b.setdefault(keys[i], i)
            shared = [k for k in first_a if k in first_b]
            ia, ib = [first_a[k] for k in shared], [first_b[k] for k in shared]
        else:
            m = min(len(ia), len(ib))
            ia, ib = ia[:m], ib[:m]
        if same_seed and seeds is not None:
            same_seed = bool((seeds[ia] == seeds[ib]).all())
        diff = paired_difference(values[ia], values[ib], measure=measure)
        cells.append(CellDifference(tuple(setting), diff))
    overall = average_difference([c.diff for c in cells])
    return WithinDifference(measure, a, b, tuple(cells), overall, same_seed and bool(cells))


def design_mean(runs: pd.DataFrame, measure: str, factors: Sequence[str] = ()) -> tuple[float, float, float]:
    """A group's mean over the design (each setting weighs the same) with a within-setting 95% CI.

    ``(mean, low, high)``, the interval cut to the values the measure can take; for one setting
    this is :func:`~orgsim.experiment.stats.measure_ci`.
    """
    values = runs[measure].to_numpy(float)
    rows: dict[Setting, list[int]] = {}  # each setting's runs, settings in order of first appearance
    for i, setting in enumerate(setting_of(runs, factors)):
        rows.setdefault(setting, []).append(i)
    # uncut: the average's CI is built from these; the result is cut once, at the end
    cells = [mean_ci(values[at]) for at in rows.values()]
    if len(cells) == 1:
        return (cells[0][0], *cut(cells[0][1], cells[0][2], measure))
    sizes = [int(np.count_nonzero(~np.isnan(values[at]))) for at in rows.values()]
    as_diffs = [Difference(m, lo, hi, n) for (m, lo, hi), n in zip(cells, sizes, strict=True)]
    d = average_difference(as_diffs)
    return (d.mean, *cut(d.ci_low, d.ci_high, measure))


def design_stats(
    frame: pd.DataFrame,
    value: str,
    factors: Sequence[str] = (),
    by: Sequence[str] = ("group",),
    level: float = 0.95,
) -> pd.DataFrame:
    """Per ``by`` key: the mean over the settings of ``factors`` (each weighs the same) and its CI.

    The vectorised :func:`design_mean`: columns ``*by``, ``mean``, ``low``, ``high``, ``n``
    (values used) and ``settings`` (settings with a value). Each setting's mean and variance
    of the mean come from its own runs; the CI is ``mean ± t * sqrt(sum s_i^2 / n_i) / k``
    with Welch-Satterthwaite degrees of freedom, so the spread *between* settings (different
    companies) never widens it. With no factors it is the Student-t CI of the mean. The CI is
    NaN when any setting has fewer than two values (its noise is unknown), and cut to the
    values ``value`` can take when it names a measure (:func:`orgsim.experiment.stats.cut`).
    """
    from scipy import stats

    by = list(by)
    cols = [f for f in factors if f in frame and f not in by]
    data = frame[[*by, *cols, value]].dropna(subset=[value])
    if data.empty:
        return pd.DataFrame(columns=[*by, "mean", "low", "high", "n", "settings"])
    key = [*by, *cols] if cols else by
    cell = data.groupby(key, sort=False, dropna=False)[value].agg(["mean", "var", "count"]).reset_index()
    cell["vm"] = cell["var"] / cell["count"]
    cell["undefined"] = cell["count"] < 2
    cell["dof_part"] = cell["vm"] ** 2 / (cell["count"] - 1).where(cell["count"] > 1)
    per = cell.groupby(by, sort=False, dropna=False)  # plain reductions: named .agg() costs ~2x
    sums = per[["vm", "dof_part", "count"]].sum()
    out = pd.DataFrame(
        {
            "mean": per["mean"].mean(),
            "total": sums["vm"],
            "dof_sum": sums["dof_part"],
            "k": per.size(),
            "n": sums["count"],
            "undefined": per["undefined"].any(),
        }
    )
    se = np.sqrt(out["total"]) / out["k"]
    dof = (out["total"] ** 2 / out["dof_sum"]).where(out["dof_sum"] > 0, 1.0)
    half = stats.t.ppf(0.5 + level / 2, dof) * se
    half = half.where(~out["undefined"], np.nan).where(out["total"] > 0, 0.0).where(~out["undefined"], np.nan)
    lowest, highest = bounds(value)
    result = pd.DataFrame(
        {
            "mean": out["mean"],
            "low": (out["mean"] - half).clip(lower=lowest),
            "high": (out["mean"] + half).clip(upper=highest),
            "n": out["n"].astype(int),
            "settings": out["k"].astype(int),
        }
    ).reset_index()
    return result


def constant_within(
    runs: pd.DataFrame, measure: str, factors: Sequence[str] = (), group: str = "group"
) -> bool:
    """True when ``measure`` never varies between runs of the same group and setting.

    Such a measure is set by the inputs (e.g. a structure's meeting hours), not an outcome
    with noise: calling one group "clearly best" on it would be a statement about its inputs.
    """
    keyed = runs.assign(_setting=setting_of(runs, factors))
    cells = keyed.groupby([group, "_setting"], sort=False)[measure]
    spread = cells.max() - cells.min()
    return bool((spread.fillna(0) == 0).all())


__all__ = [
    "CellDifference",
    "Setting",
    "WithinDifference",
    "average_difference",
    "constant_within",
    "design_mean",
    "design_stats",
    "setting_of",
    "within_difference",
]
