"""Words and numbers for sentences and tables: plain values, factor levels, lists, differences."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orgsim.experiment.experiment import Factor
from orgsim.presentation import style
from orgsim.presentation.format import fmt_compact as fmt
from orgsim.presentation.style import LOWER_IS_BETTER


def describe(factor: Factor) -> str:
    """A factor's levels, ``1, 4, 24, 96``, or range, ``1 to 96``."""
    if factor.levels is not None:
        return ", ".join(plain(v) for v in factor.levels)
    if factor.lo is not None and factor.hi is not None:
        return f"{plain(factor.lo)} to {plain(factor.hi)}"
    return "-"


def plain(value: Any) -> str:
    """A parameter value for a table: yes/no, thousands separators, short floats."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 1e4 else str(value)
    return str(value)


def level_text(value: Any) -> str:
    """A factor level for a sentence: 3 significant digits for binned continuous values."""
    if isinstance(value, int | float) and abs(value) >= 1e4:
        return style.compact_number(float(value))
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3g}"
    return plain(value)


def diff_text(measure: str, value: float) -> str:
    """The size of a difference: percentage points for shares, else the measure's unit."""
    if style.measure_unit(measure) == "share":
        return f"{100 * abs(value):.1f} points"
    return fmt(measure, abs(value))


def signed_order(measure: str) -> str:
    """The good end of ``measure``: "lowest" or "highest"."""
    return "lowest" if measure in LOWER_IS_BETTER else "highest"


def capital(text: str) -> str:
    """``text`` with its first letter capitalised."""
    return text[:1].upper() + text[1:]


def share(value: float) -> str:
    """A share as a percentage, one decimal."""
    return f"{100 * value:.1f}%"


def or_list(items: Sequence[str]) -> str:
    """``a, b or c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def and_list(items: Sequence[str]) -> str:
    """``a, b and c`` (``the factors`` when empty)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items) or "the factors"
    return ", ".join(items[:-1]) + " and " + items[-1]


def design_title(design: str) -> str:
    """A design's name for a reader (``full factorial``...)."""
    return {
        "factorial": "full factorial",
        "lhs": "Latin hypercube sample",
        "sobol": "Sobol (Saltelli) sample for variance-based sensitivity",
        "morris": "Morris elementary-effects screening",
        "compare": "replicated comparison",
    }.get(design, design)
