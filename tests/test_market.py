"""The vectorised market and its fast paths: exact against straightforward versions."""

from __future__ import annotations

import numpy as np

from orgsim import load_scenario
from orgsim.model.market import Market
from orgsim.model.model import OrgModel


def test_due_exits_are_exactly_the_windows_ending_today():
    sc = load_scenario("separate", {"market.prospects": 5000})
    market = Market(sc.market, sc.marketing, np.random.default_rng(4))
    for day in range(150):
        market.enter(day)
        expected = np.flatnonzero(market.in_market & (market.window_end == day))
        due = np.unique(market.due_exits(day))
        assert np.array_equal(due, expected), day
        market.close_windows(due)
        if day % 7 == 0 and due.size:
            market.hold_window(int(due[0]))  # a held window never comes due


def test_in_market_share_stays_near_its_parameter():
    sc = load_scenario("separate", {"market.prospects": 50_000})
    market = Market(sc.market, sc.marketing, np.random.default_rng(5))
    shares = []
    for day in range(200):
        market.enter(day)
        market.close_windows(np.unique(market.due_exits(day)))
        shares.append(market.in_market.mean())
    assert abs(np.mean(shares[50:]) - sc.market.in_market_share) < 0.01


def test_cold_calls_match_the_plain_numpy_rule():
    model = OrgModel(load_scenario("separate"), seed=9)
    model.run(30)
    for hours in (0.5, 3.0, 6.0, 12.0):
        twin = np.random.Generator(type(model.rng.bit_generator)())
        twin.bit_generator.state = model.rng.bit_generator.state
        s, mk = model.p.sales, model.market
        dials = int(hours * s.dials_per_hour)
        connects = int(twin.binomial(dials, s.cold_connect_rate))
        pro = twin.integers(0, mk.n, connects)
        ok = mk.in_market[pro] & (mk.fit[pro] >= s.fit_min) & ~mk.customer[pro]
        ok &= model.ledger.open_lead[pro] < 0
        expected = np.unique(pro[ok]).tolist()
        assert [w.prospect for w in model.cold_leads(hours)] == expected
