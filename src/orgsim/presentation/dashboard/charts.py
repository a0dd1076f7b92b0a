"""ECharts options for the dashboard's live charts, in orgsim's colours, names and units.

The browser draws ECharts (its script ships in the ``solara-assets`` package, so the page works
offline); the server only sends numbers. Drawing the same charts with matplotlib on the server
costs about a second per chart and update on a busy two-core machine, which stalls stepping.
Values are scaled to a readable unit (k, M, %) here because an option cannot carry a formatter
function.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from orgsim.presentation.style import INK, MUTED, UNIT_WORDS

FONT = "Roboto, DejaVu Sans, sans-serif"


@dataclass(frozen=True)
class Line:
    """One line of a chart: a name for people, a colour, and y per business day 1, 2, ..."""

    name: str
    color: str
    values: Sequence[float]
    dashed: bool = False


def scale(unit: str, peak: float) -> tuple[float, str]:
    """Divisor and axis words for a unit at a given peak, e.g. (1e6, 'M currency units')."""
    if unit == "share":
        return 0.01, "%"
    words = UNIT_WORDS.get(unit, unit)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if peak >= size:
            return size, f"{suffix} {words}".strip()
    return 1.0, words


def _clean(value: float, divisor: float) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(f"{value / divisor:.4g}")


def _base(title: str) -> dict:
    return {
        "animation": False,
        "title": {
            "text": title,
            "left": 4,
            "top": 2,
            "textStyle": {"fontSize": 13, "color": INK, "fontFamily": FONT},
        },
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 64, "right": 16, "top": 56, "bottom": 40},
        "textStyle": {"fontFamily": FONT},
    }


def line_option(
    title: str, lines: Sequence[Line], unit: str, xname: str = "Business day", legend_rows: int = 1
) -> dict:
    """A line chart over business days; ``unit`` is the measure unit of every line (in the title)."""
    peak = max((abs(v) for ln in lines for v in ln.values if v == v), default=0.0)
    divisor, words = scale(unit, peak)
    option = _base(f"{title} ({words})" if words else title)
    option.update(
        {
            "legend": {"top": 24, "left": 4, "right": 4, "itemGap": 8, "textStyle": {"fontSize": 11}},
            "grid": {"left": 56, "right": 16, "top": 36 + 22 * legend_rows, "bottom": 40},
            "xAxis": {
                "type": "value",
                "name": xname,
                "nameLocation": "middle",
                "nameGap": 24,
                "min": 1,
                "axisLabel": {"color": MUTED},
            },
            "yAxis": {
                "type": "value",
                "axisLabel": {"color": MUTED},
                "scale": unit not in ("leads", "deals", "currency"),
            },
            "series": [
                {
                    "name": ln.name,
                    "type": "line",
                    "showSymbol": False,
                    "color": ln.color,
                    "lineStyle": {"width": 2, "type": "dashed" if ln.dashed else "solid"},
                    "data": [[i + 1, _clean(v, divisor)] for i, v in enumerate(ln.values)],
                }
                for ln in lines
            ],
        }
    )
    return option


def bar_option(title: str, labels: Sequence[str], values: Sequence[float], color: str, unit: str) -> dict:
    """Horizontal bars, first label on top (a funnel)."""
    option = _base(title)
    option.update(
        {
            "grid": {"left": 96, "right": 48, "top": 40, "bottom": 24},
            "xAxis": {"type": "value", "name": UNIT_WORDS.get(unit, unit), "axisLabel": {"color": MUTED}},
            "yAxis": {"type": "category", "inverse": True, "data": list(labels), "axisLabel": {"color": INK}},
            "series": [
                {
                    "type": "bar",
                    "color": color,
                    "data": [float(v) for v in values],
                    "label": {"show": True, "position": "right"},
                }
            ],
        }
    )
    return option


__all__ = ["Line", "bar_option", "line_option", "scale"]
