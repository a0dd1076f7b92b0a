"""Horizons: the horizon only says when measuring stops, so one- and three-year runs share their days.

docs/tables.py ``horizons`` reads a three-year run at one, two and three years; that is the
one-year run on the same seed only if nothing in the model looks at ``horizon.days``.
"""

from __future__ import annotations

import math

import pytest

from orgsim import load_scenario, simulate
from orgsim.model.metrics import live_metrics, pipeline_customer_value
from orgsim.model.model import OrgModel

TINY = {"market.prospects": 1500, "sales.headcount": 3, "marketing.headcount": 2}


@pytest.mark.parametrize("structure", ["separate", "aligned"])
def test_a_longer_run_read_at_the_shorter_horizon_is_the_shorter_run(structure):
    short, long = 30, 60
    alone = simulate(structure, seed=3, overrides={**TINY, "horizon.days": short}).metrics
    model = OrgModel(load_scenario(structure, {**TINY, "horizon.days": long}), seed=3)
    model.run(short)
    read = live_metrics(model)
    for key in ("customer_value", "bookings", "revenue", "cost", "pipeline_value"):
        assert read[key] == pytest.approx(alone[key], nan_ok=True), key
    # customer value counts the open pipeline as customers: its lifetime value at the win rate,
    # never more than the pipeline's face value times the longest a customer is counted
    worth = pipeline_customer_value(model)
    assert worth >= 0 and not math.isnan(worth)
    p = model.params.customers
    assert worth <= read["pipeline_value"] * p.lifetime_years * (1 + p.expansion_rate) ** p.lifetime_years
