"""Summaries of replicated runs by group: means with 95% CIs, differences, rankings, fronts.

The input is tidy: ``runs`` has one row per run with a ``group`` column (what is compared: a
scenario label or a structure) and the measures of
:meth:`~orgsim.model.metrics.RunResult.flat`; ``series`` is the long per-day frame with
``group``, ``run``, ``day`` and the series variables. The charts draw these numbers and the
report's readings quote them, so both show the same figures. Better directions come from the
measure schema (:mod:`orgsim.measures`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from orgsim import measures
from orgsim.experiment.stats import Difference as PairedDifference
from orgsim.experiment.stats import mean_ci, measure_ci, paired_difference, unpaired_difference
from orgsim.experiment.within import design_stats, within_difference

MAP_BINS = 4
"""Quantile bins per continuous factor in a "who wins where" map (a Latin hypercube sweep)."""


def groups_of(runs: pd.DataFrame) -> list[str]:
    """The compared groups in their order of first appearance."""
    return list(pd.unique(runs["group"]))


def group_stats(runs: pd.DataFrame, measure: str, settings: Sequence[str] = ()) -> pd.DataFrame:
    """Per group: ``n``, ``mean``, ``low``, ``high`` (95% CI) of ``measure``, in group order.

    With ``settings`` (the factor columns of a sweep, other than the grouping) the mean weighs
    each setting the same and the CI holds within-setting noise only
    (:func:`~orgsim.experiment.within.design_stats`): no interval pools different companies.
    """
    if settings:
        st = design_stats(runs, measure, settings).set_index("group")
        return st.reindex(groups_of(runs))[["n", "mean", "low", "high"]]
    rows = []
    for g in groups_of(runs):
        values = runs.loc[runs["group"] == g, measure].to_numpy(dtype=float)
        mean, low, high = measure_ci(values, measure)
        rows.append({"group": g, "n": int(np.sum(~np.isnan(values))), "mean": mean, "low": low, "high": high})
    return pd.DataFrame(rows).set_index("group")


@dataclass(frozen=True)
class Difference:
    """``a`` minus ``b`` on one measure, with its 95% CI; ``clear`` when the CI excludes zero."""

    a: str
    b: str
    diff: float
    low: float
    high: float

    @property
    def clear(self) -> bool:
        """True when the 95% CI of the difference excludes zero."""
        return not math.isnan(self.low) and (self.low > 0 or self.high < 0)


def difference(runs: pd.DataFrame, measure: str, a: str, b: str, pair_on: str | None = None) -> Difference:
    """Difference of means between groups ``a`` and ``b`` with a 95% CI.

    With ``pair_on`` (e.g. ``replicate`` under common random numbers) the runs are paired on
    that column and the CI is the paired t interval (:func:`~orgsim.experiment.stats.paired_difference`);
    otherwise Welch's interval (:func:`~orgsim.experiment.stats.unpaired_difference`).
    """
    xa = runs[runs["group"] == a]
    xb = runs[runs["group"] == b]
    if pair_on and pair_on in runs and xa[pair_on].is_unique and xb[pair_on].is_unique:
        joined = (
            xa.set_index(pair_on)[measure]
            .to_frame("a")
            .join(xb.set_index(pair_on)[measure].to_frame("b"), how="inner")
        )
        if len(joined) >= 2:
            d = paired_difference(joined["b"].to_numpy(float), joined["a"].to_numpy(float), measure=measure)
            return Difference(a, b, d.mean, d.ci_low, d.ci_high)
    d = unpaired_difference(xb[measure].to_numpy(dtype=float), xa[measure].to_numpy(dtype=float))
    return Difference(a, b, d.mean, d.ci_low, d.ci_high)


def ranked(runs: pd.DataFrame, measure: str, settings: Sequence[str] = ()) -> list[str]:
    """Groups from best to worst mean on ``measure`` (direction from the measure schema).

    With ``settings``, by the design-average mean (each setting weighs the same).
    """
    means = group_stats(runs, measure, settings)["mean"].dropna()
    return list(means.sort_values(ascending=measures.lower_is_better(measure)).index)


def pareto_front(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats on both: lower ``x`` and higher ``y``.

    Returned in increasing ``x`` (and so increasing ``y``).
    """
    order = np.lexsort((-y, x))  # by x ascending, ties: highest y first
    front: list[int] = []
    best = -np.inf
    for i in order:
        if y[i] > best:
            front.append(int(i))
            best = y[i]
    return np.asarray(front, dtype=int)


def step_conversion(runs: pd.DataFrame, stages: Sequence[str], settings: Sequence[str] = ()) -> pd.DataFrame:
    """Per group and funnel step: mean per-run conversion with 95% CI.

    Columns ``group``, ``step`` (``"mql/inquiry"``...), ``mean``, ``low``, ``high``; a run whose
    earlier stage is empty does not count for that step. The last step is inquiry -> won overall.
    With ``settings`` each setting weighs the same and the CI holds within-setting noise only.
    """
    steps = [(stages[i - 1], stages[i]) for i in range(1, len(stages))] + [(stages[0], stages[-1])]
    groups = groups_of(runs)
    cols = [f for f in settings if f in runs]
    ratios: dict[tuple[str, str], np.ndarray] = {}
    for g in groups:
        part = runs[runs["group"] == g]
        for before, after in steps:
            denom = part[f"funnel.{before}"].to_numpy(dtype=float)
            num = part[f"funnel.{after}"].to_numpy(dtype=float)
            ratio = np.divide(num, denom, out=np.full_like(num, np.nan), where=denom > 0)
            ratios[g, f"{after}/{before}"] = ratio
    by_step = None
    if settings:  # one design_stats over every group and step (each cell is computed on its own)
        frames = [
            runs.loc[runs["group"] == g, cols].assign(group=g, _step=step, _ratio=ratio)
            for (g, step), ratio in ratios.items()
        ]
        st = design_stats(pd.concat(frames, ignore_index=True), "_ratio", settings, by=("group", "_step"))
        keyed = st[["group", "_step", "mean", "low", "high"]].itertuples(index=False, name=None)
        by_step = {(g, step): (m, lo, hi) for g, step, m, lo, hi in keyed}
    rows = []
    for (g, step), ratio in ratios.items():
        if by_step is not None:
            mean, low, high = (float(x) for x in by_step.get((g, step), (math.nan,) * 3))
        else:
            mean, low, high = mean_ci(ratio)
        # a conversion is a share of the earlier stage's leads (stages count leads that ever
        # reached them): its CI is cut to [0, 1] like every share's (NaN stays NaN)
        low, high = float(np.clip(low, 0.0, 1.0)), float(np.clip(high, 0.0, 1.0))
        rows.append({"group": g, "step": step, "mean": mean, "low": low, "high": high})
    return pd.DataFrame(rows)


def funnel_stages(runs: pd.DataFrame) -> list[str]:
    """The funnel stages present in ``runs`` (``funnel.*`` columns), in lifecycle order."""
    return parts(runs, "funnel.")


PART_ORDER: dict[str, tuple[str, ...]] = {
    "funnel.": measures.FUNNEL_STAGES,
    "ledger.": tuple(t.key for t in measures.LEAD_STATES),
    "leaked.": tuple(t.key for t in measures.LEAK_CAUSES),
    "leaked_revenue.": tuple(t.key for t in measures.LEAK_CAUSES),
    "friction_by_source.": tuple(t.key for t in measures.FRICTION_SOURCES),
}
"""Each breakdown's parts in the measure schema's order: the funnel's stages, the leak causes'
palette order, the friction sources'. Exhibits list parts in it, whatever the table's column order."""


def parts(runs: pd.DataFrame, prefix: str) -> list[str]:
    """The parts of a breakdown (``leaked.`` causes, ``friction_by_source.`` sources) present in ``runs``.

    In :data:`PART_ORDER` (the schema's order); parts the schema does not know follow in column order.
    """
    found = [c[len(prefix) :] for c in runs.columns if c.startswith(prefix)]
    rank = {k: i for i, k in enumerate(PART_ORDER.get(prefix, ()))}
    return sorted(found, key=lambda k: rank.get(k, len(rank)))  # stable: unknown parts keep their order


def binned(values: pd.Series, max_levels: int = 12, bins: int = 8) -> pd.Series:
    """A factor as levels: itself when it has few distinct values, else quantile-bin centres."""
    if values.nunique() <= max_levels or not pd.api.types.is_numeric_dtype(values):
        return values
    cut = pd.qcut(values, q=bins, duplicates="drop")
    centres = values.groupby(cut, observed=True).transform("median")
    return centres


def winners(
    runs: pd.DataFrame,
    fx: str,
    fy: str,
    measure: str,
    pair_on: str | None = None,
    settings: Sequence[str] = (),
) -> pd.DataFrame:
    """The best group in each cell of two factors (binned if continuous).

    Columns ``x``, ``y`` (levels), ``winner``, ``mean`` (its mean), ``runner_up``, ``margin``
    (winner minus runner-up, signed so positive is better) and ``clear`` (margin's 95% CI
    excludes zero). With ``settings`` (every factor of the sweep but the grouping) a cell that
    holds several settings (other factors, or a binned range) ranks groups by their mean over
    those settings and takes the margin within each setting, paired on ``pair_on``, then
    averaged (:func:`~orgsim.experiment.within.within_difference`): no cell compares runs of
    different companies.
    """
    data = runs.assign(_x=binned(runs[fx], bins=MAP_BINS), _y=binned(runs[fy], bins=MAP_BINS))
    lower = measures.lower_is_better(measure)
    rows = []
    for (xv, yv), cell in data.groupby(["_x", "_y"], sort=True):
        order = ranked(cell, measure, settings)
        if not order:
            continue
        best = order[0]
        mean = float(group_stats(cell, measure, settings).loc[best, "mean"])
        row = {"x": xv, "y": yv, "winner": best, "mean": mean, "runner_up": None, "margin": math.nan}
        row["clear"] = len(order) == 1
        if len(order) > 1:
            sign = -1.0 if lower else 1.0
            if settings:
                w = within_difference(cell, measure, a=order[1], b=best, factors=settings,
                                      pair_on=pair_on or "replicate").overall  # fmt: skip
                row.update(runner_up=order[1], margin=sign * w.mean, clear=w.clear)
            else:
                d = difference(cell, measure, best, order[1], pair_on=pair_on)
                row.update(runner_up=order[1], margin=sign * d.diff, clear=d.clear)
        rows.append(row)
    return pd.DataFrame(rows)


def winner_panels(
    runs: pd.DataFrame,
    fx: str,
    fy: str,
    measure: str,
    pair_on: str | None = None,
    settings: Sequence[str] = (),
    panel_by: str | None = None,
) -> pd.DataFrame:
    """:func:`winners` for each level of ``panel_by`` (a column ``panel``; None without one)."""
    panels = [None] if panel_by is None else sorted(pd.unique(runs[panel_by]))
    tables = []
    for p in panels:
        part = runs if p is None else runs[runs[panel_by] == p]
        tables.append(winners(part, fx, fy, measure, pair_on, settings).assign(panel=p))
    return pd.concat(tables, ignore_index=True)


def _series_bounds(var: str, scale: float) -> tuple[float, float]:
    """The values a per-day series can take (its unit's range, times ``scale``)."""
    spec = measures.SERIES_MEASURES.get(var)
    lo, hi = spec.bounds if spec else (-math.inf, math.inf)
    return lo * scale, hi * scale


def series_band(series: pd.DataFrame, var: str, settings: Sequence[str] = ()) -> pd.DataFrame:
    """Per group and day: mean and 95% CI band of ``var`` over runs (``tension`` in 0-100).

    With ``settings`` (factor columns present in ``series``) the mean weighs each setting the
    same and the band holds within-setting noise only.
    """
    scale = 100.0 if var == "tension" else 1.0
    lo, hi = _series_bounds(var, scale)
    if settings and all(f in series for f in settings):
        frame = series[["group", "day", *settings]].assign(_v=series[var] * scale)
        band = design_stats(frame, "_v", settings, by=("group", "day"))
        band = band.assign(low=band["low"].clip(lower=lo), high=band["high"].clip(upper=hi))
        return band[["group", "day", "mean", "low", "high"]].sort_values(["day"], kind="stable")
    rows = []
    for g, part in series.groupby("group", sort=False):
        wide = part.pivot_table(index="day", columns="run", values=var, aggfunc="first") * scale
        x = wide.to_numpy(dtype=float)
        n = np.sum(~np.isnan(x), axis=1)
        mean = np.nanmean(x, axis=1)
        sd = np.nanstd(x, axis=1, ddof=1) if x.shape[1] > 1 else np.full(len(mean), np.nan)
        t = stats.t.ppf(0.975, np.maximum(n - 1, 1))
        half = np.where(n > 1, t * sd / np.sqrt(np.maximum(n, 1)), np.nan)
        rows.append(
            pd.DataFrame(  # the band cut to the values the series can take, as every CI is
                {
                    "group": g,
                    "day": wide.index,
                    "mean": mean,
                    "low": np.maximum(mean - half, lo),
                    "high": np.minimum(mean + half, hi),
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def margins_by_factor(
    runs: pd.DataFrame, factors: Sequence[str], measure: str, a: str, b: str
) -> pd.DataFrame:
    """Margin of group ``a`` over ``b`` on ``measure`` at each factor's lowest and highest level.

    Runs of ``a`` and ``b`` are paired when they share every factor's value and the replicate
    (the same setting and seed), so the margin compares like with like; at one end of a factor
    the per-setting paired means are averaged over the other factors' settings, each the same
    weight, with a CI from the noise within settings only
    (:func:`~orgsim.experiment.within.average_difference`). Columns: ``factor``, ``end``
    (low/high), ``level``, ``margin``, ``low``, ``high`` (95% CI), ``n`` (pairs) and
    ``overall`` (over all settings).
    """
    from orgsim.experiment.within import average_difference

    present = [f for f in factors if f in runs]
    keys = present + (["replicate"] if "replicate" in runs else [])
    xa = runs[runs["group"] == a][[*keys, measure]]
    xb = runs[runs["group"] == b][[*keys, measure]]
    pairs = xa.merge(xb, on=keys, suffixes=("_a", "_b"))
    pairs["diff"] = pairs[f"{measure}_a"] - pairs[f"{measure}_b"]

    def averaged(part: pd.DataFrame) -> PairedDifference:
        if not present:
            mean, low, high = mean_ci(part["diff"].to_numpy(dtype=float))
            return PairedDifference(mean, low, high, int(part["diff"].notna().sum()))
        cells = []
        for _, cell in part.groupby(present, sort=False):
            mean, low, high = mean_ci(cell["diff"].to_numpy(dtype=float))
            cells.append(PairedDifference(mean, low, high, int(cell["diff"].notna().sum())))
        return average_difference(cells)

    overall = averaged(pairs).mean
    rows = []
    for f in factors:
        if f not in pairs or pairs[f].nunique() < 2:
            continue
        level = binned(pairs[f])
        for end, value in (("low", level.min()), ("high", level.max())):
            d = averaged(pairs.loc[level == value])
            n = int((level == value).sum())
            rows.append({"factor": f, "end": end, "level": value, "margin": d.mean, "low": d.ci_low,
                         "high": d.ci_high, "n": n, "overall": overall})  # fmt: skip
    return pd.DataFrame(rows)
