"""A huge budget buys touches the market can absorb: memory and work follow the market's size."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from orgsim import simulate
from orgsim.model.market import IN_MARKET_ENGAGEMENT, Market
from orgsim.params import Market as MarketParams
from orgsim.params import Marketing as MarketingParams


def market(prospects: int, seed: int = 0) -> Market:
    return Market(MarketParams(prospects=prospects), MarketingParams(), np.random.default_rng(seed))


@pytest.mark.parametrize("targeting", [0.0, 3.0])
def test_billions_of_touches_allocate_in_proportion_to_the_market(targeting):
    m = market(20_000)
    tracemalloc.start()
    m.touch(4_000_000_000, 0.1, targeting, 0.8)  # budget 1e10 at 0.01 a touch, one day
    m.deliver_touches()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20_000 * 100  # ~100 bytes a prospect; one int64 per touch would be 32 GB
    assert np.isfinite(m.engagement).all() and ((m.perception >= 0) & (m.perception <= 1)).all()


def test_counted_touches_add_exactly_what_each_touch_would():
    m = market(500)
    m.in_market[:] = False
    before_e, before_p = m.engagement.copy(), m.perception.copy()
    n = 7_777
    m.touch(n, 0.5, 0.0, 1.0)
    m.deliver_touches()
    gained = m.engagement - before_e
    assert gained.sum() == pytest.approx(n * 0.5, rel=1e-5)
    hits = np.rint(gained / 0.5).astype(int)  # touches each prospect got
    # k messages in turn move perception 10% of the way each: 1 - (1 - p0) * 0.9^k
    expected = 1.0 - (1.0 - before_p) * 0.9**hits
    np.testing.assert_allclose(m.perception, expected, rtol=1e-5)


def test_saturating_campaigns_wait_for_the_day_and_pool_their_touches():
    """Campaigns above the market's size land together: every touch and every message counts."""
    m = market(500, seed=5)
    m.in_market[:] = False
    before_e, before_p = m.engagement.copy(), m.perception.copy()
    m.touch(3_000, 0.5, 0.0, 1.0)
    m.touch(9_000, 0.1, 0.0, 1.0)  # another marketer, less skilled, same targeting and message
    assert np.array_equal(m.engagement, before_e)  # nothing lands before the day's campaigns end
    m.deliver_touches()
    gained = m.engagement - before_e
    assert gained.sum() == pytest.approx(3_000 * 0.5 + 9_000 * 0.1, rel=1e-5)
    hits = np.rint(gained / ((3_000 * 0.5 + 9_000 * 0.1) / 12_000)).astype(int)
    assert hits.sum() == 12_000  # each counted touch gains the pool's mean effect
    np.testing.assert_allclose(m.perception, 1.0 - (1.0 - before_p) * 0.9**hits, rtol=1e-5)
    m.deliver_touches()  # the pool is empty again
    assert np.array_equal(m.engagement - before_e, gained)


def test_in_market_prospects_gain_more_per_counted_touch():
    m = market(400, seed=2)
    m.in_market[:200], m.in_market[200:] = True, False
    before = m.engagement.copy()
    m.touch(400_000, 1.0, 0.0, 0.5)
    m.deliver_touches()
    gained = m.engagement - before
    ratio = gained[:200].sum() / gained[200:].sum()
    assert ratio == pytest.approx(IN_MARKET_ENGAGEMENT, rel=0.05)


def test_counted_touches_follow_targeting_like_drawn_ones():
    """Above the market's size, touches are counted per prospect from the same distribution."""
    drawn, counted = market(1_000, seed=4), market(1_000, seed=4)
    base = drawn.engagement.copy()
    for _ in range(50):  # a campaign a day, each drawn touch by touch (fewer touches than prospects)
        drawn.touch(999, 1.0, 2.0, 0.5)
        drawn.deliver_touches()  # (the day ends: nothing was pooled)
    counted.touch(50 * 999 + 50, 1.0, 2.0, 0.5)  # one multinomial
    counted.deliver_touches()
    a, b = drawn.engagement - base, counted.engagement - base
    assert np.corrcoef(a, b)[0, 1] > 0.9
    fit = drawn.fit.astype(float)
    assert np.corrcoef(b, fit**2)[0, 1] > 0.5  # targeted: better-fitting prospects get more


def test_a_day_with_an_unbounded_budget_runs_on_a_tiny_market():
    result = simulate(
        "merged",
        seed=1,
        days=1,
        overrides={"market.prospects": 50, "marketing.budget": 1e10, "marketing.cost_per_touch": 0.01},
    )
    assert np.isfinite(result.metrics["revenue"]) and result.ledger["created"] >= 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"marketing.budget": 1e10, "marketing.cost_per_touch": 0.01},  # was 11-13.5 GiB for a day
        {"sales.outbound_budget": 1e10},  # was 19 GiB: dials are bounded by the market too
    ],
)
def test_a_day_with_an_unbounded_budget_uses_memory_of_the_company_size(overrides):
    tracemalloc.start()
    result = simulate("merged", seed=3, days=1, overrides=overrides)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 400 * 1024**2  # the default company's market, not the budget
    # one measured day: a ratio with nothing to divide by is undefined (NaN), never infinite
    assert not any(np.isinf(v) for v in result.metrics.values())
    assert all(np.isfinite(result.metrics[k]) for k in ("revenue", "contribution", "mqls", "friction_index"))


def test_many_campaigns_each_under_the_market_are_pooled_once_the_day_passes_it():
    """Work bounded by the market, not the headcount: a day's touches one by one stop at its size."""
    one_by_one, pooled = market(1_000, seed=5), market(1_000, seed=5)
    one_by_one.touch(600, 1.0, 0.0, 0.5)  # under the market: drawn touch by touch
    assert not one_by_one._pooled and one_by_one._direct_today == 600
    one_by_one.touch(600, 1.0, 0.0, 0.5)  # would take the day past 1,000: held for the pooled count
    assert sum(n for n, _ in one_by_one._pooled[(0.0, 0.5)]) == 600
    one_by_one.deliver_touches()
    assert one_by_one._direct_today == 0 and not one_by_one._pooled  # the next day starts afresh
    pooled.touch(1_200, 1.0, 0.0, 0.5)
    pooled.deliver_touches()
    # every touch counts either way: the same total engagement gained (in- and out-of-market gains)
    assert one_by_one.engagement.sum() == pytest.approx(pooled.engagement.sum(), rel=0.1)
