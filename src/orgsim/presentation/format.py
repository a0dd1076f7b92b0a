"""How measures are written for people: currency with separators, shares as percentages."""

from __future__ import annotations

import math

from orgsim import measures
from orgsim.currency import money


def fmt_value(measure: str, value: float) -> str:
    """Format ``value`` of ``measure`` by its schema format (money, percent, count, decimal, ratio)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    fmt = measures.get(measure).fmt
    if fmt == "money":
        return money(f"{value:,.0f}")
    if fmt == "percent":
        return f"{100 * value:.1f}%"
    if fmt == "decimal" and measures.unit(measure):
        return f"{value:,.1f}"
    if fmt == "ratio":
        return f"{value:.2f}"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"


def fmt_compact(measure: str, value: float) -> str:
    """Short form for tables of many columns: currency as 2.59M or 415k."""
    if measures.get(measure).fmt == "money" and value is not None and not math.isnan(value):
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= size:
                return money(f"{value / size:.2f}{suffix}")
        return money(f"{value:.0f}")
    return fmt_value(measure, value)


def fmt_ci(measure: str, mean: float, low: float, high: float) -> str:
    """``mean [low, high]`` in compact form."""
    return f"{fmt_compact(measure, mean)} [{fmt_compact(measure, low)}, {fmt_compact(measure, high)}]"


def sla_calendar_hours(working_hours: float, hours_per_day: float) -> tuple[float, float]:
    """The calendar hours an SLA of ``working_hours`` allows, fewest to most.

    Speed to lead counts calendar hours from the MQL (nights count); the SLA clock counts working
    hours (``hours_per_day`` a business day). Fewest: an MQL at the start of a working day; most:
    one at its close or overnight. Uses the model's own clock (:func:`orgsim.model.sla.working_deadline`).
    """
    from orgsim.model.calendar import WORKDAY_START
    from orgsim.model.sla import working_deadline

    start, close = WORKDAY_START, WORKDAY_START + hours_per_day
    fewest = working_deadline(start, working_hours, hours_per_day) - start
    most = working_deadline(close, working_hours, hours_per_day) - close
    return fewest, most


def sla_clock(label: str, working_hours: float, hours_per_day: float) -> str:
    """One line putting an SLA in speed to lead's unit (calendar hours).

    E.g. ``aligned's SLA: 4 working hours = 4-20 calendar hours of speed to lead (8-hour days; by
    when the MQL arrives)``.
    """
    fewest, most = sla_calendar_hours(working_hours, hours_per_day)
    return (
        f"{label}'s SLA: {working_hours:g} working hours = {fewest:.0f}-{most:.0f} calendar hours of speed "
        f"to lead ({hours_per_day:g}-hour days; by when the MQL arrives)"
    )
