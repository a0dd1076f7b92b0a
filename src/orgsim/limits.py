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
MAX_WORKERS = 1024  # processes on this machine (or a LocalCluster's); a cluster's come from its scheduler

LIMITS = {
    "--reps": MAX_REPS,
    "--permutations": MAX_PERMUTATIONS,
    "--trials": MAX_TRIALS,
    "--worlds": MAX_WORLDS,
    "--workers": MAX_WORKERS,
    "--posterior": MAX_TRIALS + 1,  # trials, and the scenario as given when outside the ranges
}


def check_count(value: Any, flag: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` if it is an integer in [minimum, maximum] (default: the flag's limit), else InputError."""
    top = LIMITS.get(flag, MAX_REPS) if maximum is None else maximum
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= top:
        raise InputError(f"{flag}: {value!r} is not allowed; use an integer in [{minimum}, {top:,}]")
    return value


def check_days(days: int | None, flag: str = "--days") -> None:
    """Raise InputError unless ``days`` is None or within the schema's ``horizon.days`` range."""
    if days is None:
        return
    from orgsim.params import PARAMETERS

    spec = PARAMETERS["horizon.days"]
    if isinstance(days, bool) or not isinstance(days, int) or not spec.lo <= days <= spec.hi:
        raise InputError(
            f"{flag}: {days!r} is not allowed; use an integer in [{spec.lo:g}, {spec.hi:g}] (horizon.days)"
        )
