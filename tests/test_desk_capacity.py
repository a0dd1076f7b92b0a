"""The sales desk's capacity: it takes at most a day of reviews a day and holds at most a week's.

Over capacity, the MQLs beyond it wait in marketing's hand-off line and leak ``queue_expired``
when they wait ``sales.lead_expiry_days``; the desk's daily work stays bounded by the team's size.
Under capacity the line stays empty (the golden runs prove the results unchanged there).
"""

from __future__ import annotations

import numpy as np

from orgsim import load_scenario
from orgsim.model.lifecycle import LeadState
from orgsim.model.model import OrgModel

# one rep with an hour a day: a desk limit of 50 leads, which marketing's MQLs exceed
_SMALL_DESK = {
    "market.prospects": 3000,
    "horizon.days": 40,
    "horizon.warmup_days": 0,
    "sales.headcount": 1,
    "sales.hours_per_day": 1.0,
    "sales.lead_expiry_days": 8,
}
_BIG_BUDGET = {"marketing.budget": 3_000_000.0}


def _run(overrides: dict, seed: int = 1) -> tuple[OrgModel, list[int], list[int], list[int]]:
    """Run day by day; per day: leads the desk holds, MQLs offered to it, leads it took."""
    m = OrgModel(load_scenario("separate", overrides), seed)
    offered: list[int] = []
    taken: list[int] = []
    hand_off = m.desk.hand_off

    def counting_hand_off(leads: np.ndarray) -> None:
        before = len(m.desk.worked)
        offered.append(int(leads.size))
        hand_off(leads)
        taken.append(len(m.desk.worked) - before)

    m.desk.hand_off = counting_hand_off
    held = []
    while m.running:
        m.step()
        held.append(len(m.desk.worked))
    m.ledger.check()  # every lead accounted for, the waiting ones included
    return m, held, offered, taken


def test_an_over_capacity_desk_takes_and_holds_at_most_its_limits():
    m, held, offered, taken = _run({**_SMALL_DESK, **_BIG_BUDGET})
    assert m.desk.day_limit == 10  # 1 rep x (1 hour / 0.1 hour a review)
    assert m.desk.hold_limit == 50  # five days of it
    assert max(held) <= m.desk.hold_limit
    assert max(taken) <= m.desk.day_limit  # leads taken a day: the day's work stays bounded
    assert sum(offered) > sum(taken)  # the bound acted: some MQLs waited in marketing's line
    assert m.ledger.leaked_by_cause()["queue_expired"] > 0


def test_more_mqls_than_sales_can_look_at_leak_more_to_queue_expired():
    normal = _run(_SMALL_DESK)[0].ledger.leaked_by_cause()["queue_expired"]
    flooded = _run({**_SMALL_DESK, **_BIG_BUDGET})[0].ledger.leaked_by_cause()["queue_expired"]
    more_reps = _run({**_SMALL_DESK, **_BIG_BUDGET, "sales.headcount": 3})[0]
    assert flooded > normal
    assert more_reps.ledger.leaked_by_cause()["queue_expired"] < flooded
    assert more_reps.desk.hold_limit == 150  # three reps' working week of reviews


def test_a_waiting_mql_keeps_its_state_until_taken_or_expired():
    m, *_ = _run({**_SMALL_DESK, **_BIG_BUDGET, "horizon.days": 10})
    line = m.desk.line
    assert line.size > 0
    assert np.all(m.ledger.state[line] == LeadState.MQL)
    assert not any(int(lead) in m.desk.worked for lead in line)


def test_a_company_under_capacity_never_queues_at_marketing():
    m = OrgModel(load_scenario("separate", {"market.prospects": 3000, "horizon.days": 30}), 1)
    while m.running:
        m.step()
        assert m.desk.line.size == 0
        assert len(m.desk.worked) < m.desk.hold_limit
