"""Run one scenario once: the model's single entry point for the API, CLI and executors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from orgsim.errors import InputError
from orgsim.limits import check_days
from orgsim.model.metrics import RunResult, measure
from orgsim.model.model import OrgModel
from orgsim.scenario import Scenario, load_scenario


def as_scenario(scenario: Scenario | str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """A Scenario from an object, a preset name or a path, with dotted overrides applied."""
    if isinstance(scenario, Scenario):
        return scenario.with_overrides(overrides) if overrides else scenario
    return load_scenario(scenario, overrides)


def simulate(
    scenario: Scenario | str | Path,
    seed: int = 0,
    days: int | None = None,
    overrides: dict[str, Any] | None = None,
    series: bool = False,
    leads: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run a scenario for ``days`` business days (default: its horizon) and measure it.

    Same scenario and seed give identical results. ``series=True`` keeps the per-day series;
    ``leads=True`` the per-lead table (``RunResult.leads``, columns in ``lifecycle.LEAD_COLUMNS``).
    ``progress(done_days, total_days)`` is called after each simulated day when given (the
    ``horizon.warmup_days`` warm-up included: the days counted are the days simulated).
    """
    sc = as_scenario(scenario, overrides)
    check_days(days)  # the schema's horizon.days range, as a scenario file and --days
    if not 0 <= seed < 2**63:
        raise InputError(f"--seed: {seed} is not allowed; use an integer in [0, 2^63)")
    model = OrgModel(sc, seed=seed, series=series)
    if progress is None:
        model.run(days)
    else:  # the same days as model.run: the warm-up, then the measured days
        total = (sc.horizon.days if days is None else days) + model.warmup_days
        for day in range(total):
            model.step()
            progress(day + 1, total)
    return measure(model, series=series, leads=leads)
