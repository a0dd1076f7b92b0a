"""Shared fixtures: small scenarios that keep the suite fast."""

from __future__ import annotations

import os

import numpy as np
import pytest

from orgsim import compare, load_scenario

# pytest-xdist workers inherit COLUMNS=80/LINES=24; the CLI honours COLUMNS off a terminal, so
# in-process CLI tests would wrap at 80 under -n 2 and not alone. Tests that want a width set it.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

SMALL = {"market.prospects": 3000, "horizon.days": 80, "sales.headcount": 4, "marketing.headcount": 2}


@pytest.fixture
def small():
    """A small separate-structure scenario (3,000 prospects, 80 days)."""
    return load_scenario("separate", SMALL)


def mean_of(scenario, measure: str, reps: int = 8, **overrides) -> float:
    """Mean of one measure over seeded replications of a scenario with overrides."""
    sc = load_scenario(scenario, overrides or None) if isinstance(scenario, str) else scenario
    if overrides and not isinstance(scenario, str):
        sc = scenario.with_overrides(overrides)
    runs = compare([sc], reps=reps, workers=2).runs()
    return float(np.mean(runs[measure]))
