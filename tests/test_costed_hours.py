"""Meeting and coordination hours are costed like friction hours (issue 20, item 5).

Aligned spends hours a week in alignment meetings and joint planning; those hours are part of
cost at `costs.hourly_rate`, so contribution and customer value carry them, and pricing them
at zero changes cost by exactly the costed hours and nothing else.
"""

from __future__ import annotations

import pytest

from orgsim import simulate

SMALL = {"market.prospects": 8_000, "horizon.days": 120, "marketing.headcount": 3, "sales.headcount": 5}


def test_meeting_hours_are_charged_at_the_hourly_rate_as_part_of_cost():
    m = simulate("aligned", seed=3, overrides=SMALL).metrics
    assert m["coordination_hours"] > 0  # aligned meets every week
    assert m["coordination_cost"] == pytest.approx(m["coordination_hours"] * 70)
    assert m["contribution"] == pytest.approx(m["revenue"] - m["cost"])
    free = simulate("aligned", seed=3, overrides={**SMALL, "costs.hourly_rate": 0}).metrics
    assert free["coordination_cost"] == 0
    assert free["cost"] == pytest.approx(m["cost"] - m["friction_cost"] - m["coordination_cost"])
    assert free["revenue"] == m["revenue"]  # pricing the hours changes no behaviour


def test_no_meeting_hours_cost_nothing():
    m = simulate("separate", seed=3, overrides=SMALL).metrics
    assert m["coordination_hours"] == 0
    assert m["coordination_cost"] == 0
