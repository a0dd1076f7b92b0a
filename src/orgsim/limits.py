"""Limits of the count-like options, checked before anything runs (CLI and Python API alike).

A count past its limit would hold every run in memory or run for months; it is refused with
one line naming the flag and the allowed range. ``orgsim sweep`` streams runs to disk and has
its own, larger limit (``experiment.MAX_RUNS``).
"""

from __future__ import annotations

from typing import Any

from orgsim.errors import InputError

MAX_REPS = 100_000  # replications (seeds) per scenario/side/trial; compare's MAX_RUNS in all
MAX_PERMUTATIONS = 10_000  # sampled orders per seed of explain's permutation method
MAX_TRIALS = 10_000  # optimiser trials of calibrate
MAX_WORLDS = 100_000  # sampled worlds (companies) of a decision study

LIMITS = {
    "--reps": MAX_REPS,
    "--permutations": MAX_PERMUTATIONS,
    "--trials": MAX_TRIALS,
    "--worlds": MAX_WORLDS,
}


def check_count(value: Any, flag: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` if it is an integer in [minimum, maximum] (default: the flag's limit), else InputError."""
    top = LIMITS.get(flag, MAX_REPS) if maximum is None else maximum
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= top:
        raise InputError(f"{flag}: {value!r} is not allowed; use an integer in [{minimum}, {top:,}]")
    return value
