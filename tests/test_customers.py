"""Customers and the going concern: warm-up not counted, retention by fit, customers conserved."""

from __future__ import annotations

import json

import numpy as np
import pytest

from orgsim import measures
from orgsim.model.customers import Customers
from orgsim.model.metrics import METRICS
from orgsim.model.model import OrgModel
from orgsim.model.simulate import simulate
from orgsim.scenario import load_scenario

# a small company: a fifth of the default market and teams, so a run takes a second or two
SMALL = {
    "market.prospects": 5000,
    "marketing.headcount": 2,
    "sales.headcount": 3,
    "marketing.budget": 150_000,
    "sales.outbound_budget": 50_000,
    "customers.installed_customers": 50,
}
NEW_MEASURES = (
    "bookings",
    "revenue",
    "arr_end",
    "new_arr",
    "churned_arr",
    "net_revenue_retention",
    "cac",
    "cac_payback_months",
    "sm_share",
    "contribution",
    "customer_value",
)


def quarters(warmup: int, seed: int) -> tuple[float, float]:
    """Bookings of the first and second measured quarter."""
    over = {**SMALL, "horizon.warmup_days": warmup, "horizon.days": 126}
    rev = simulate("separate", seed=seed, overrides=over, series=True).series["revenue"].to_numpy()
    return float(rev[62]), float(rev[125] - rev[62])


def test_after_the_warm_up_the_quarters_show_no_start_up_trend():
    """Cold start: quarter 2 books far more than quarter 1. A going concern: the same within noise."""
    seeds = range(12)
    cold = np.array([quarters(0, s) for s in seeds])
    warm = np.array([quarters(252, s) for s in seeds])
    assert cold[:, 1].sum() > 1.4 * cold[:, 0].sum()  # the start-up trend the warm-up removes
    diff = warm[:, 1] - warm[:, 0]
    half = 2.2 * diff.std(ddof=1) / np.sqrt(diff.size)
    assert abs(diff.mean()) < half, f"Q2 - Q1 = {diff.mean():,.0f} +- {half:,.0f}"


def test_the_warm_up_is_simulated_but_not_counted():
    over = {**SMALL, "horizon.warmup_days": 40}
    r = simulate("separate", seed=3, days=30, overrides=over, series=True, leads=True)
    assert r.days == 30 and len(r.series) == 30
    assert r.series["day"].tolist() == list(range(30))
    assert r.leads is not None and (r.leads["created_day"] >= 40).all()
    assert r.ledger["created"] == len(r.leads)
    assert r.metrics["bookings"] == pytest.approx(r.series["revenue"].iloc[-1])
    cold = simulate("separate", seed=3, days=70, overrides={**SMALL, "horizon.warmup_days": 0})
    assert cold.metrics["bookings"] >= r.metrics["bookings"]  # the warm-up's deals are not counted


def run_model(overrides: dict, seed: int, days: int) -> OrgModel:
    sc = load_scenario("separate", {**SMALL, **overrides})
    return OrgModel(sc, seed=seed).run(days)


def test_customers_are_conserved():
    """Customers at the start + won - churned = customers at the end, in the horizon and overall."""
    over = {"horizon.warmup_days": 30, "customers.contract_years": 0.25, "customers.churn_base": 0.5}
    m = run_model(over, seed=1, days=120)
    m.customers.check()
    got = m.customers.measured(m.measured_days)
    assert got["new_customers"] > 0 and got["churned_customers"] > 0
    assert got["customers_start"] + got["new_customers"] - got["churned_customers"] == got["customers_end"]
    assert got["new_customers"] == m.won - m.baseline.won


def test_customers_do_not_touch_the_rest_of_the_model():
    """The installed base changes revenue, never the funnel: bookings are the same without it."""
    a = simulate("separate", seed=2, days=60, overrides={**SMALL, "horizon.warmup_days": 20})
    b = simulate(
        "separate",
        seed=2,
        days=60,
        overrides={**SMALL, "horizon.warmup_days": 20, "customers.installed_customers": 0},
    )
    assert a.metrics["bookings"] == b.metrics["bookings"] and a.ledger == b.ledger
    assert a.metrics["revenue"] > b.metrics["revenue"]


def test_churn_follows_fit_pressure_and_messages_at_the_sale():
    m = run_model({"horizon.warmup_days": 0}, seed=0, days=1)
    c: Customers = m.customers
    fit = np.array([0.2, 0.5, 0.8])
    neutral, calm = np.full(3, 0.5), np.zeros(3)
    by_fit = c.churn_chance(fit, neutral, calm)
    assert by_fit[0] > by_fit[1] > by_fit[2]
    assert by_fit[1] == pytest.approx(m.params.customers.churn_base)  # reference fit, neutral, calm
    pressed = c.churn_chance(fit, neutral, np.ones(3))
    assert (pressed > by_fit).all() and pressed[0] / by_fit[0] > pressed[2] / by_fit[2]  # poor fit worst
    assert (c.churn_chance(fit, np.ones(3), calm) < by_fit).all()  # one voice keeps customers
    ltv = c.lifetime_value(np.full(3, 10_000.0), by_fit)
    assert ltv[2] > ltv[1] > ltv[0]


def test_looser_qualification_churns_more_arr_over_two_years():
    """sales.fit_min lower: poorer-fit buyers get sold, and more of what was won leaves (paired seeds).

    Quarterly contracts over one year: the renewals of two years of annual contracts, in half the time.
    """
    base = {"horizon.warmup_days": 0, "customers.installed_customers": 0, "customers.contract_years": 0.25}
    churned = {}
    for fit_min in (0.15, 0.45):
        churned[fit_min] = sum(
            simulate(
                "separate", seed=s, days=500, overrides={**SMALL, **base, "sales.fit_min": fit_min}
            ).metrics["churned_arr"]
            for s in range(2)
        )
    assert churned[0.15] > churned[0.45]


def test_every_new_measure_is_in_the_schema_the_model_and_run_json():
    for name in NEW_MEASURES:
        assert name in METRICS and measures.get(name).meaning
    r = simulate("separate", seed=0, days=20, overrides={**SMALL, "horizon.warmup_days": 10})
    data = json.loads(json.dumps(r.to_dict()))
    assert set(NEW_MEASURES) <= set(data["metrics"])
    assert measures.get("customer_value").better == "higher"
