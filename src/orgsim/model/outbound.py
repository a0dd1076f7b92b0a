"""Outbound prospecting: cold calls into the market, by a contracted team or by the reps.

Dials go to random prospects; a share connects (``sales.cold_connect_rate``); a reached buyer who
is in market, fits the ideal customer profile and is not a customer becomes a sales-sourced lead
(accepted at once, at the sales desk). The outbound budget buys the contracted team's hours at
``sales.outbound_hour_cost``; reps call in the hours their day leaves.

A team's calls are dialled together (:func:`cold_calls`): one draw says which of all the
callers' dials connect, one whom each connect reaches, and the callers take their reached
buyers in turn, so a buyer one caller reached is not another's lead that day.
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
    """One caller's cold calls for ``hours``: :func:`cold_calls` for a team of one."""
    return cold_calls(model, [hours], talk_hours, limit)[0]


def cold_calls(
    model: OutboundWorld, hours: list[float], talk_hours: float = 0.0, limit: int | None = None
) -> list[tuple[list[WorkedLead], float]]:
    """Cold calls by several callers, each for its ``hours``: reached, fitting, in-market buyers become leads.

    Returns each caller's leads and the hours its calling took, in the callers' order. Each
    dial connects with ``sales.cold_connect_rate`` (one uniform per dial, all callers' dials
    in one draw) to a random prospect (one draw for all connects). A caller who also
    qualifies on the call (a rep: ``talk_hours`` per reached buyer) spends the same hours on
    dials and conversations: each dial takes 1/``dials_per_hour`` hours, each reached buyer
    ``talk_hours`` more; no dial starts once the hours are spent, and the last conversation
    may run past them. A contracted caller (``talk_hours`` 0) only books the meeting, and
    books at most ``limit`` (the room in the reps' calendars; the first reached, in dial
    order). Callers take their buyers in turn: a buyer reached by an earlier caller, or with
    a live lead, is no one's new lead.
    """
    s = model.params.sales
    mk = model.market
    dials = [min(int(h * s.dials_per_hour), mk.n) for h in hours]  # nobody is dialled twice a day by one
    total = sum(dials)
    if total == 0:
        return [([], h) for h in hours]
    rng = model.rng
    connected = (rng.random(total) < s.cold_connect_rate).nonzero()[0]  # dials that connect, in turn
    called = rng.integers(0, mk.n, connected.size)
    buyers = _buyers(model, called)  # connects that reach a possible lead, in order
    starts = list(itertools.accumulate(dials, initial=0))
    dial_at = connected.tolist()
    called_list = called.tolist()
    per_hour = s.dials_per_hour
    taken: set[int] = set()
    reached: list[list[int]] = [[] for _ in hours]
    used = list(hours)
    caller, end = 0, starts[1]
    cut = False  # this caller's hours are spent (or its limit met): its later connects are not called
    for j in buyers:
        at = dial_at[j]
        while at >= end:  # the next caller's dials
            caller += 1
            end = starts[caller + 1]
            cut = False
        p = called_list[j]
        if cut or p in taken:
            continue
        mine = reached[caller]
        if limit is not None and len(mine) >= limit:
            cut = True
            continue
        if talk_hours > 0:  # each conversation held pushes the later dials back
            dialled = (at - starts[caller] + 1) / per_hour + len(mine) * talk_hours
            if dialled > hours[caller]:
                cut = True
                continue
            used[caller] = max(hours[caller], dialled + talk_hours)
        taken.add(p)
        mine.append(p)
    if not taken:
        return [([], u) for u in used]
    prospects = [p for mine in reached for p in sorted(mine)]  # each caller's in prospect order
    leads = model.desk.take_cold_leads(np.array(prospects, dtype=np.int64))
    out, at = [], 0
    for mine, u in zip(reached, used, strict=True):
        out.append((leads[at : at + len(mine)], u))
        at += len(mine)
    return out


def _buyers(model: OutboundWorld, called: np.ndarray) -> list[int]:
    """Which connects reach a buyer who could become a lead (their places in ``called``, in order).

    A buyer counts if in market, fitting, not a customer and without a live lead.
    """
    mk = model.market
    open_lead = model.ledger.open_lead
    if called.size < FEW_CONNECTS:  # plain Python beats numpy's per-call overhead here
        in_market, fit, customer, fit_min = mk.in_market, mk.fit, mk.customer, model.fit_bar
        return [  # (.item: Python scalars compare faster than numpy's)
            i
            for i, p in enumerate(called.tolist())
            if in_market.item(p) and fit.item(p) >= fit_min and not customer.item(p) and open_lead.item(p) < 0
        ]
    buyer = mk.in_market[called] & (mk.fit[called] >= model.fit_bar) & ~mk.customer[called]
    return (buyer & (open_lead[called] < 0)).nonzero()[0].tolist()
