"""The sales desk's rules give the same outcome for many leads at once (numpy) as one call per lead
(its few-leads shortcut), and the SLA clock's bulk deadlines are its walks' days."""

from __future__ import annotations

import numpy as np
import pytest

from orgsim import load_scenario
from orgsim.model.lifecycle import LeadState, LeakCause
from orgsim.model.model import OrgModel
from orgsim.model.sla import deadline_day, deadline_days

LEDGER_ARRAYS = ("state", "cause", "value", "recycles", "since_day", "closed_day", "intent", "peak")


@pytest.mark.parametrize("hours_per_day", [1.0, 5.77, 8.0, 15.0])
@pytest.mark.parametrize("hours", [0.0, 0.52, 4.0, 12.2, 31.9, 40.0, 500.0])
def test_deadline_days_are_the_days_of_each_clock_walk(hours, hours_per_day):
    rng = np.random.default_rng(7)
    openings = 24.0 * np.arange(40) + 9.0  # exactly at an opening, and exactly at a close
    starts = np.concatenate([rng.uniform(0, 24 * 200, 3000), openings, openings + hours_per_day])
    expected = [deadline_day(s, hours, hours_per_day) for s in starts.tolist()]
    assert deadline_days(starts, hours, hours_per_day).tolist() == expected


def twins(days: int, routing: float = 1.0) -> tuple[OrgModel, OrgModel]:
    """Two runs of a company whose two reps hold hundreds of leads each, in the same state
    (with ``routing`` below 1, more wait in the shared inbox)."""
    overrides = {
        "market.prospects": 3000,
        "sales.headcount": 2,
        "marketing.inquiry_rate_in_market": 0.5,
        "marketing.inquiry_rate_out_of_market": 0.3,
        "sales.lead_expiry_days": 30,
        "policy.lead_routing": routing,
        "policy.recycling": 0.5,
        "horizon.warmup_days": 0,  # the queues as the first days fill them
        "policy.recycle_owner_hours_per_week": 2.0,  # the owner re-qualifies some, rules the rest
    }
    sc = load_scenario("separate", overrides)
    return OrgModel(sc, seed=3).run(days), OrgModel(sc, seed=3).run(days)


def assert_same_leads(a: OrgModel, b: OrgModel) -> None:
    for name in LEDGER_ARRAYS:
        assert np.array_equal(getattr(a.ledger, name), getattr(b.ledger, name)), name
    assert np.array_equal(a.ledger.counts, b.ledger.counts)
    assert a.ledger.leaked_value.tolist() == b.ledger.leaked_value.tolist()  # summed in the same order
    assert a.marketing._returned == b.marketing._returned
    assert a.desk.worked.keys() == b.desk.worked.keys()
    assert [r.backlog for r in a.salespeople] == [r.backlog for r in b.salespeople]


def test_returning_many_leads_is_returning_them_one_by_one():
    bulk, single = twins(5)
    held = [[w for w in rep.queue if not w.closed] for rep in (bulk.salespeople[0], single.salespeople[0])]
    assert len(held[0]) >= 200  # the bulk path, not its few-leads fallback
    causes = [LeakCause.NEVER_FOLLOWED_UP if w.ignored else LeakCause.QUEUE_EXPIRED for w in held[0]]
    bulk.desk.return_to_marketing(held[0], causes)
    for lead, cause in zip(held[1], causes, strict=True):
        single.desk.return_to_marketing([lead], cause)
    assert_same_leads(bulk, single)
    recycled = np.count_nonzero(bulk.ledger.recycles[[w.lead for w in held[0]]])
    assert 0 < recycled < len(held[0])  # both outcomes met: back to nurture, and closed


def test_closing_many_held_leads_is_closing_them_one_by_one():
    bulk, single = twins(5, routing=0.0)
    held = [
        [*model.desk.inbox.values(), *(w for rep in model.salespeople for w in rep.queue if not w.closed)]
        for model in (bulk, single)
    ]
    assert len(bulk.desk.inbox) >= 100 and len(held[0]) > len(bulk.desk.inbox)  # bulk path, inbox and queues
    bulk.desk.close(np.array([w.lead for w in held[0]]), LeakCause.HANDOFF_LOST)
    for lead in held[1]:
        single.desk.close(np.array([lead.lead]), LeakCause.HANDOFF_LOST)
    assert_same_leads(bulk, single)
    assert not bulk.desk.inbox and not single.desk.inbox


def test_buyers_lost_to_competitors_leak_with_where_their_lead_stood():
    model, _ = twins(5)
    held = [w for rep in model.salespeople for w in rep.queue if not w.closed]
    assert any(w.ignored for w in held) and any(not w.ignored for w in held)
    ids = np.array(sorted(w.lead for w in held), dtype=np.int64)
    fits = model.fits(model.ledger.prospect[ids]) | model.ledger.intent[ids]
    assert fits.any() and not fits.all()
    model.desk.lose_to_competitors(ids)
    ledger = model.ledger
    # they bought: real intent (and lost) if they fit, else no loss to us
    assert (ledger.state[ids[fits]] == LeadState.LEAKED).all()
    assert (ledger.state[ids[~fits]] == LeadState.DISQUALIFIED).all()
    for w in held:  # every lead was routed to a rep: ignored, or meant to be worked and too late
        expected = LeakCause.NEVER_FOLLOWED_UP if w.ignored else LeakCause.TOO_LATE
        if ledger.state[w.lead] == LeadState.LEAKED:
            assert ledger.cause[w.lead] == expected
    assert not any(i in model.desk.worked for i in ids.tolist())
    assert [rep.backlog for rep in model.salespeople] == [0, 0]
    ledger.check()
