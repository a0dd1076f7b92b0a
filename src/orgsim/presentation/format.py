"""How measures are written for people: currency with separators, shares as percentages."""

from __future__ import annotations

import math

from orgsim.model.metrics import METRICS


def fmt_value(measure: str, value: float) -> str:
    """Format ``value`` of ``measure`` by its unit (currency, share, hours, counts)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    unit = METRICS.get(measure, ("", ""))[0]
    if unit == "currency":
        return f"{value:,.0f}"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit in ("hours", "0-100"):
        return f"{value:,.1f}"
    if unit == "0-1":
        return f"{value:.2f}"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"


def fmt_compact(measure: str, value: float) -> str:
    """Short form for tables of many columns: currency as 2.59M or 415k."""
    unit = METRICS.get(measure, ("", ""))[0]
    if unit == "currency" and value is not None and not math.isnan(value):
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= size:
                return f"{value / size:.2f}{suffix}"
        return f"{value:.0f}"
    return fmt_value(measure, value)


def fmt_ci(measure: str, mean: float, low: float, high: float) -> str:
    """``mean [low, high]`` in compact form."""
    return f"{fmt_compact(measure, mean)} [{fmt_compact(measure, low)}, {fmt_compact(measure, high)}]"
