"""Observables: what a calibration target or a published fact can name, and how to estimate it.

An observable is a run measure (``orgsim.measures`` describes those for display) or a quantity
derived from runs, with the values it can take and a reader. It is either read from each run
and averaged over replications (``per_run``: every name of :meth:`RunResult.flat`, funnel
stage rates, inquiries a month, response-time shares)
or pooled over the per-lead tables of all replications (``pooled``: odds ratios of first
contact or qualification between two response-time windows, whose windows hold too few
leads in one run). Estimates carry a 95% confidence interval: Student-t over runs for
per-run measures, Woolf's log-odds interval for odds ratios.

Names are those of ``orgsim run --json`` flattened (``win_rate``, ``funnel.mql``,
``leaked.too_late``) plus the derived names below; ``orgsim calibrate --measures`` lists them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from orgsim.errors import InputError, suggest
from orgsim.experiment.stats import mean_ci
from orgsim.measures import MEASURES as RUN_MEASURES
from orgsim.model.calendar import CALENDAR_YEAR_DAYS, YEAR_DAYS
from orgsim.model.metrics import flat_columns

if TYPE_CHECKING:
    import pandas as pd

    from orgsim.model.metrics import RunResult

MONTHS = 12
Z95 = 1.959964


@dataclass(frozen=True)
class Estimate:
    """A measure over replications: mean (or pooled value) and its 95% CI; NaN when undefined."""

    value: float
    low: float
    high: float
    n: int  # runs (per-run measures) or leads (pooled measures) behind the estimate


@dataclass(frozen=True)
class Observable:
    """One quantity to compare with a figure: unit, meaning, the values it can take, its reader."""

    name: str
    unit: str
    meaning: str
    lo: float | None = None  # the smallest value the measure can take (None: unbounded)
    hi: float | None = None
    per_run: Callable[[RunResult], float] | None = None
    pooled: Callable[[Sequence[RunResult]], Estimate] | None = None
    needs_leads: bool = False  # read from the per-lead table (simulate(..., leads=True))

    def estimate(self, results: Sequence[RunResult]) -> Estimate:
        """The measure over replicated runs of one scenario."""
        if self.pooled is not None:
            return self.pooled(results)
        assert self.per_run is not None
        values = np.array([self.per_run(r) for r in results], dtype=float)
        within = (-math.inf if self.lo is None else self.lo, math.inf if self.hi is None else self.hi)
        mean, low, high = mean_ci(values, within=within)  # cut to the values the measure can take
        return Estimate(mean, low, high, int(np.isfinite(values).sum()))

    def reachable(self, value: float) -> bool:
        """Whether the measure can take ``value`` at all."""
        return (self.lo is None or value >= self.lo) and (self.hi is None or value <= self.hi)

    def describe_range(self) -> str:
        """The values it can take, for error messages."""
        lo = "-inf" if self.lo is None else f"{self.lo:g}"
        hi = "inf" if self.hi is None else f"{self.hi:g}"
        return f"[{lo}, {hi}] ({self.unit})"


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def _flat(name: str) -> Callable[[RunResult], float]:
    def read(result: RunResult) -> float:
        return float(result.flat().get(name, math.nan))

    return read


def _stage_rate(a: str, b: str) -> Callable[[RunResult], float]:
    def read(result: RunResult) -> float:
        return _ratio(result.funnel.get(b, 0), result.funnel.get(a, 0))

    return read


def _inquiries_per_month(result: RunResult) -> float:
    return result.funnel.get("inquiry", 0) / result.days * YEAR_DAYS / MONTHS


def _bounds(unit: str) -> tuple[float | None, float | None]:
    if unit == "share":
        return 0.0, 1.0
    if unit == "0-1":
        return 0.0, 1.0
    if unit == "0-100":
        return 0.0, 100.0
    if unit in ("deals", "leads", "hours", "calendar hours"):
        return 0.0, None
    return None, None


# -- per-lead measures -----------------------------------------------------------------------
def _leads(result: RunResult) -> pd.DataFrame:
    table = getattr(result, "leads", None)
    if table is None:
        raise InputError("this measure needs the per-lead table; run with leads=True")
    return table


def _marketing(result: RunResult) -> pd.DataFrame:
    table = _leads(result)
    return table[table["source"] == "marketing"]


def _response_share(lo_hours: float, hi_hours: float) -> Callable[[RunResult], float]:
    """Share of marketing MQLs whose first attempt came in (lo, hi] hours after reaching sales.

    The denominator is every MQL (``funnel.mql``), so the three windows and
    ``never_responded_share`` add up to one, as the firms in Oldroyd et al. (2011) do.
    """

    def read(result: RunResult) -> float:
        table = _marketing(result)
        hours = table["response_hours"]
        inside = int(((hours > lo_hours) & (hours <= hi_hours)).sum())
        return _ratio(inside, result.funnel.get("mql", 0))

    return read


def _mean_response_hours(result: RunResult) -> float:
    """Mean hours to the first attempt over the marketing leads sales attempted."""
    hours = _marketing(result)["response_hours"].dropna()
    return float(hours.mean()) if len(hours) else math.nan


def _cycle_calendar_days(result: RunResult) -> float:
    """Mean calendar days from opportunity to decision over decided opportunities."""
    table = _leads(result)
    for column in ("opportunity_day", "closed_day"):
        if column not in table.columns:
            raise InputError(f"this measure needs the per-lead table's '{column}' column")
    decided = table[table["state"].isin(["won", "lost"]) & table["opportunity_day"].notna()]
    if decided.empty:
        return math.nan
    business = (decided["closed_day"] - decided["opportunity_day"]).mean()
    return float(business) * CALENDAR_YEAR_DAYS / YEAR_DAYS


def _odds_ratio(outcome: str, fast: tuple[float, float], slow: tuple[float, float]) -> Callable:
    """Odds of ``outcome`` when the first attempt came in ``fast`` over the odds in ``slow`` hours.

    Pooled over the runs' per-lead tables (all sources: the outcome depends on the delay, not on
    who found the lead); Woolf's 95% interval on the log odds ratio, with 0.5 added to every cell
    when one is empty (Haldane).
    """

    def pooled(results: Sequence[RunResult]) -> Estimate:
        cells = np.zeros(4)
        for result in results:
            table = _leads(result)
            hours = table["response_hours"]
            hit = table[outcome].astype(bool)
            a = (hours > fast[0]) & (hours <= fast[1])
            b = (hours > slow[0]) & (hours <= slow[1])
            cells += [(a & hit).sum(), (a & ~hit).sum(), (b & hit).sum(), (b & ~hit).sum()]
        n = int(cells.sum())
        if cells[:2].sum() == 0 or cells[2:].sum() == 0:
            return Estimate(math.nan, math.nan, math.nan, n)
        if (cells == 0).any():
            cells = cells + 0.5
        log_or = math.log(cells[0] * cells[3] / (cells[1] * cells[2]))
        half = Z95 * math.sqrt(float((1 / cells).sum()))
        return Estimate(math.exp(log_or), math.exp(log_or - half), math.exp(log_or + half), n)

    return pooled


MINUTE = 1 / 60
STAGES = ("inquiry", "mql", "sal", "sql", "opportunity", "won")


def _build() -> dict[str, Observable]:
    out: dict[str, Observable] = {}
    for name in flat_columns():  # run measures: unit and meaning from the one measure schema
        described = RUN_MEASURES.get(name)
        unit = described.unit if described else "count"
        meaning = described.meaning if described else name
        lo, hi = _bounds(unit)
        out[name] = Observable(name, unit, meaning, lo, hi, per_run=_flat(name))
    for a, b in zip(STAGES, STAGES[1:], strict=False):
        name = f"funnel.{a}_to_{b}"
        out[name] = Observable(name, "share", f"marketing leads: {b} / {a}", 0.0, 1.0, _stage_rate(a, b))
    out["funnel.inquiry_to_won"] = Observable(
        "funnel.inquiry_to_won",
        "share",
        "marketing leads: won / inquiry",
        0.0,
        1.0,
        _stage_rate("inquiry", "won"),
    )
    out["inquiries_per_month"] = Observable(
        "inquiries_per_month", "leads", "inquiries (inbound leads) a month", 0.0, None, _inquiries_per_month
    )
    windows = {
        "response_within_1h_share": (-1.0, 1.0, "first attempt within 1 hour"),
        "response_1_to_24h_share": (1.0, 24.0, "first attempt after 1 and within 24 hours"),
        "response_over_24h_share": (24.0, math.inf, "first attempt after more than 24 hours"),
    }
    for name, (lo, hi, meaning) in windows.items():
        out[name] = Observable(
            name, "share", f"MQLs with {meaning}", 0.0, 1.0, _response_share(lo, hi), needs_leads=True
        )
    out["mean_response_hours"] = Observable(
        "mean_response_hours",
        "calendar hours",
        "mean calendar hours from MQL to first attempt, leads attempted",
        0.0,
        None,
        _mean_response_hours,
        needs_leads=True,
    )
    out["sales_cycle_calendar_days"] = Observable(
        "sales_cycle_calendar_days",
        "calendar days",
        f"mean calendar days from opportunity to decision (x {CALENDAR_YEAR_DAYS}/{YEAR_DAYS})",
        0.0,
        None,
        _cycle_calendar_days,
        needs_leads=True,
    )
    ratios = {
        "contact_odds_5_vs_30_min": ("first_contact", (-1, 5 * MINUTE), (25 * MINUTE, 35 * MINUTE)),
        "qualify_odds_5_vs_30_min": ("first_qualified", (-1, 5 * MINUTE), (25 * MINUTE, 35 * MINUTE)),
        "contact_odds_first_vs_second_hour": ("first_contact", (-1, 1.0), (1.0, 2.0)),
        "qualify_odds_first_vs_second_hour": ("first_qualified", (-1, 1.0), (1.0, 2.0)),
        "qualify_odds_1h_vs_24h_plus": ("first_qualified", (-1, 1.0), (24.0, math.inf)),
    }
    for name, (outcome, fast, slow) in ratios.items():
        what = "contact" if outcome == "first_contact" else "qualification"
        meaning = (
            f"odds of {what} on the first attempt, response in ({max(fast[0], 0):g}, {fast[1]:.3g}] h "
            f"over ({slow[0]:.3g}, {slow[1]:g}] h"
        )
        out[name] = Observable(
            name, "odds ratio", meaning, 0.0, None, pooled=_odds_ratio(outcome, fast, slow), needs_leads=True
        )
    return out


OBSERVABLES: dict[str, Observable] = _build()
"""Every observable a target or fact can name, by name."""


def get_observable(name: str, source: str) -> Observable:
    """The measure called ``name``, or an InputError naming ``source`` and the nearest names."""
    if name in OBSERVABLES:
        return OBSERVABLES[name]
    hint = suggest(name, OBSERVABLES)
    raise InputError(f"{source}: unknown measure '{name}'{hint} (`orgsim calibrate --measures` lists them)")


def measure_of(result: RunResult, measure: str) -> float:
    """The value of ``measure`` in one run: a metric or a flat column such as ``leaked.unworked``.

    A ratio of two of them, ``"funnel.sql/funnel.mql"``, is also allowed (NaN when the
    denominator is 0).
    """
    if "/" in measure:
        num, den = (part.strip() for part in measure.split("/", 1))
        top, bottom = measure_of(result, num), measure_of(result, den)
        return top / bottom if bottom else float("nan")
    if measure in result.metrics:
        return float(result.metrics[measure])
    flat = result.flat()
    if measure in flat:
        return float(flat[measure])
    raise InputError(f"measure: {measure!r} is not a measure; allowed: {', '.join(flat)}")


def check_measure(measure: str, source: str = "--measure") -> None:
    """Raise InputError unless every run can give ``measure`` (a column, or a ratio ``a/b``)."""
    known = set(flat_columns())
    for part in (p.strip() for p in measure.split("/", 1)):
        if part not in known:
            hint = suggest(part, sorted(known), cutoff=0.6)
            raise InputError(f"{source}: {part!r} is not a measure (see `orgsim run --json`){hint}")
