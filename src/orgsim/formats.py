"""How a measure's value is written for people, by its schema ``fmt``.

Money with separators and the currency's symbol, shares as percentages, compact money (2.59M) for
tables of many columns. Below every layer (it reads only the measure schema and the currency), so
an analysis's own display (``Comparison._repr_html_``) writes values as the report does;
:mod:`orgsim.presentation.format` hands these on beside its SLA-clock sentences.
"""

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
