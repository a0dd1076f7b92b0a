"""Shared fixtures: small scenarios that keep the suite fast."""

from __future__ import annotations

import numpy as np
import pytest

from orgsim import compare, load_scenario

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
