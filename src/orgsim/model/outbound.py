"""Outbound prospecting: cold calls into the market, by a contracted team or by the reps.

Dials go to random prospects; a share connects (``sales.cold_connect_rate``); a reached buyer who
is in market, fits the ideal customer profile and is not a customer becomes a sales-sourced lead
(accepted at once, at the sales desk). The outbound budget buys the contracted team's hours at
``sales.outbound_hour_cost``; reps call in the hours their day leaves.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

FEW_CONNECTS = 256  # below this many connects a day's calls are checked one at a time

if TYPE_CHECKING:
    from orgsim.model.lifecycle import WorkedLead
    from orgsim.model.world import OutboundWorld


def cold_call(
    model: OutboundWorld, hours: float, talk_hours: float = 0.0, limit: int | None = None
) -> tuple[list[WorkedLead], float]:
    """Cold calls for ``hours``: reached, fitting, in-market buyers become sales leads.

    Returns the leads and the hours the calling took. A caller who also qualifies on the
    call (a rep: ``talk_hours`` per reached buyer) spends the same hours on dials and
    conversations: dials come in random order, each takes 1/``dials_per_hour`` hours, each
    reached buyer ``talk_hours`` more; no dial starts once the hours are spent, and the
    last conversation may run past them. A contracted caller (``talk_hours`` 0) only books
    the meeting, and books at most ``limit`` (the room in the reps' calendars; the first
    reached, in dial order).
    """
    s = model.params.sales
    mk = model.market
    dials = min(int(hours * s.dials_per_hour), mk.n)  # nobody is dialled twice a day
    connects = int(model.rng.binomial(dials, s.cold_connect_rate)) if dials else 0
    if connects == 0:
        return [], hours
    order = _reached(model, connects)  # reached buyer -> its place among the connects, in dial order
    if limit is not None and len(order) > limit:
        order = dict(itertools.islice(order.items(), max(0, limit)))
    used = hours
    if order and talk_hours > 0:
        order, used = _talk_within(model, order, dials, connects, hours, talk_hours)
    if not order:
        return [], used
    return model.desk.take_cold_leads(np.array(sorted(order), dtype=np.int64)), used


def _reached(model: OutboundWorld, connects: int) -> dict[int, int]:
    """The buyers ``connects`` random connects reach who could become leads, each with its first connect.

    A buyer counts if in market, fitting, not a customer and without a live lead; in dial order.
    """
    s = model.params.sales
    mk = model.market
    open_lead = model.ledger.open_lead
    draw = model.rng.integers
    if connects < FEW_CONNECTS:  # plain Python beats numpy's per-call overhead here
        order: dict[int, int] = {}
        # one or two at a time: the same numbers as one call of that size, and cheaper (>= 3: not)
        if connects < 3:
            called = [int(draw(0, mk.n)) for _ in range(connects)]
        else:
            called = draw(0, mk.n, connects).tolist()
        in_market, fit, customer = mk.in_market, mk.fit, mk.customer
        fit_min = model.fit_bar
        for i, p in enumerate(called):  # (.item: Python scalars compare faster than numpy's)
            buyer = in_market.item(p) and fit.item(p) >= fit_min and not customer.item(p)
            if buyer and open_lead.item(p) < 0 and p not in order:
                order[p] = i
        return order
    called = draw(0, mk.n, connects)
    buyer = mk.in_market[called] & (mk.fit[called] >= s.fit_min) & ~mk.customer[called]
    at = np.flatnonzero(buyer & (open_lead[called] < 0))
    _, first = np.unique(called[at], return_index=True)  # each buyer's first connect
    at = at[np.sort(first)]
    return dict(zip(called[at].tolist(), at.tolist(), strict=True))


def _talk_within(
    model: OutboundWorld, order: dict[int, int], dials: int, connects: int, hours: float, talk_hours: float
) -> tuple[dict[int, int], float]:
    """The reached buyers a rep talks to within ``hours``, and the hours calling took.

    Each conversation pushes the later dials back by ``talk_hours``; a buyer whose dial
    would come after the hours is not called today.
    """
    s = model.params.sales
    at_dial = np.sort(model.rng.choice(dials, connects, replace=False)).tolist()  # connects' dials
    kept, used = {}, hours
    for talks, (p, i) in enumerate(order.items()):  # in dial order; ``talks`` held before it
        dialled = (at_dial[i] + 1) / s.dials_per_hour + talks * talk_hours
        if dialled > hours:
            break
        kept[p] = i
        used = max(hours, dialled + talk_hours)
    return kept, used
