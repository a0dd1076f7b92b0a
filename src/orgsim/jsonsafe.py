"""Values made ready for strict JSON (``allow_nan=False``), the one rule every --json and file uses.

NaN (an undefined measure, e.g. a win rate with no decided deal) becomes ``null``; numpy scalars
become Python numbers; dicts, lists and tuples are cleaned throughout. No numpy import: the CLI
loads this before it knows whether a command needs numpy.
"""

from __future__ import annotations

import math
from typing import Any


def nan_to_null(value: Any) -> Any:
    """``value`` with every NaN as None and numpy scalars as Python numbers, recursively."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: nan_to_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [nan_to_null(v) for v in value]
    return value
