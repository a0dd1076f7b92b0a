"""The lead lifecycle (a demand waterfall) and the ledger that proves every lead is accounted for.

inquiry -> MQL -> SAL -> SQL -> opportunity -> won | lost (an SQL is also lost when the buyer
declines to evaluate us), with exits to recycled (returned to nurture), disqualified (no real
buying intent, or closed without value) and leaked (real buying intent lost to the process, with
its cause). SiriusDecisions Demand Waterfall [FACTS §5].

Bulk lead state lives in arrays; :class:`WorkedLead` and :class:`Opportunity` hold the detail a
salesperson needs while working one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class LeadState(IntEnum):
    """Where a lead is. The first five are open; the rest are terminal."""

    INQUIRY = 0
    MQL = 1
    SAL = 2
    SQL = 3
    OPPORTUNITY = 4
    WON = 5
    LOST = 6
    RECYCLED = 7
    DISQUALIFIED = 8
    LEAKED = 9


OPEN_STATES = (LeadState.INQUIRY, LeadState.MQL, LeadState.SAL, LeadState.SQL, LeadState.OPPORTUNITY)
FUNNEL_STAGES = ("inquiry", "mql", "sal", "sql", "opportunity", "won")


class LeakCause(IntEnum):
    """Why a lead with real buying intent was lost to the process rather than to the buyer."""

    NONE = 0
    HANDOFF_LOST = 1  # dropped crossing the marketing-sales boundary
    NEVER_FOLLOWED_UP = 2  # a rep chose not to work it (the lead black hole)
    TOO_LATE = 3  # worked, but the buyer went elsewhere before we reached them
    WRONGLY_REJECTED = 4  # rejected as junk although the buyer was in market and fitting
    QUEUE_EXPIRED = 5  # meant to be worked, aged out of an over-full queue
    NEVER_RECYCLED = 6  # stalled or rejected with intent and not returned to nurture
    MISSED_BY_SCORING = 7  # never crossed the MQL threshold while the buyer was in market
    LOST_IN_NURTURE = 8  # returned to nurture while in market; the buyer bought elsewhere


SOURCES = ("marketing", "sales")

_ALLOWED: dict[LeadState, frozenset[LeadState]] = {
    LeadState.INQUIRY: frozenset({LeadState.MQL}),
    LeadState.MQL: frozenset({LeadState.SAL}),
    LeadState.SAL: frozenset({LeadState.SQL}),
    LeadState.SQL: frozenset({LeadState.OPPORTUNITY, LeadState.LOST}),  # LOST: declined at discovery
    LeadState.OPPORTUNITY: frozenset({LeadState.WON, LeadState.LOST}),
    LeadState.RECYCLED: frozenset({LeadState.LEAKED}),  # nurture failed to bring them back
}
_EXITS = frozenset({LeadState.RECYCLED, LeadState.DISQUALIFIED, LeadState.LEAKED})


class LedgerError(AssertionError):
    """The ledger found a lead in no state, two states, or an impossible transition."""


class Ledger:
    """Every lead ever created, its state, source, leak cause and expected value leaked.

    ``created = open + won + lost + recycled + disqualified + leaked`` holds by construction and
    is verified independently by :meth:`check`.
    """

    def __init__(self, n_prospects: int, capacity: int = 1024) -> None:
        self.n = 0
        self.prospect = np.empty(capacity, dtype=np.int64)
        self.state = np.empty(capacity, dtype=np.int8)
        self.cause = np.zeros(capacity, dtype=np.int8)
        self.source = np.zeros(capacity, dtype=np.int8)
        self.created_day = np.zeros(capacity, dtype=np.int32)
        self.counts = np.zeros(len(LeadState), dtype=np.int64)
        # funnel: leads of each source that ever reached each stage
        self.reached = np.zeros((len(SOURCES), len(LeadState)), dtype=np.int64)
        self.leaked_value = np.zeros(len(LeakCause), dtype=np.float64)
        self.open_lead = np.full(n_prospects, -1, dtype=np.int64)
        self.last_lead = np.full(n_prospects, -1, dtype=np.int64)

    def _grow(self, need: int) -> None:
        cap = max(need, 2 * self.prospect.size)
        for name in ("prospect", "state", "cause", "source", "created_day"):
            old = getattr(self, name)
            new = np.zeros(cap, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def create(self, prospects: np.ndarray, day: int, state: LeadState, source: int) -> np.ndarray:
        """Open one new lead per prospect (none may have an open lead); returns the lead ids."""
        k = prospects.size
        if k == 0:
            return np.empty(0, dtype=np.int64)
        if np.any(self.open_lead[prospects] >= 0):
            raise LedgerError("a prospect already has an open lead")
        if self.n + k > self.prospect.size:
            self._grow(self.n + k)
        ids = np.arange(self.n, self.n + k)
        self.prospect[ids] = prospects
        self.state[ids] = state
        self.cause[ids] = LeakCause.NONE
        self.source[ids] = source
        self.created_day[ids] = day
        self.open_lead[prospects] = ids
        self.last_lead[prospects] = ids
        self.n += k
        self.counts[state] += k
        self.reached[source, state] += k
        return ids

    def move(self, lead: int, new: LeadState) -> None:
        """Advance one lead along the waterfall or close it (not as leaked: use :meth:`leak`)."""
        old = LeadState(self.state[lead])
        if new not in _ALLOWED.get(old, ()) and not (old in OPEN_STATES and new in _EXITS):
            raise LedgerError(f"lead {lead}: {old.name} -> {new.name} is not a lifecycle move")
        self.state[lead] = new
        self.counts[old] -= 1
        self.counts[new] += 1
        if new <= LeadState.WON:
            self.reached[self.source[lead], new] += 1
        if new not in OPEN_STATES:
            self.open_lead[self.prospect[lead]] = -1

    def leak(self, lead: int, cause: LeakCause, expected_value: float) -> None:
        """Close a lead as leaked, with the cause and the revenue it was expected to bring."""
        if cause == LeakCause.NONE:
            raise LedgerError(f"lead {lead}: a leak needs a cause")
        self.move(lead, LeadState.LEAKED)
        self.cause[lead] = cause
        self.leaked_value[cause] += expected_value

    def move_many(self, leads: np.ndarray, new: LeadState) -> None:
        """Vectorised :meth:`move` for leads that are all in the same open state."""
        if leads.size == 0:
            return
        old = np.unique(self.state[leads])
        if old.size != 1 or LeadState(old[0]) not in OPEN_STATES:
            raise LedgerError("move_many needs leads in one open state")
        self.state[leads] = new
        self.counts[old[0]] -= leads.size
        self.counts[new] += leads.size
        if new <= LeadState.WON:
            np.add.at(self.reached[:, new], self.source[leads], 1)
        if new not in OPEN_STATES:
            self.open_lead[self.prospect[leads]] = -1

    def summary(self) -> dict[str, int]:
        """``{"created": n, state name: count, ...}`` in lifecycle order."""
        out = {"created": int(self.n)}
        out.update({s.name.lower(): int(self.counts[s]) for s in LeadState})
        return out

    def leaked_by_cause(self) -> dict[str, int]:
        """Count of leaked leads per cause."""
        counts = np.bincount(self.cause[: self.n], minlength=len(LeakCause))
        return {c.name.lower(): int(counts[c]) for c in LeakCause if c != LeakCause.NONE}

    def leaked_value_by_cause(self) -> dict[str, float]:
        """Expected revenue leaked per cause (currency)."""
        return {c.name.lower(): float(self.leaked_value[c]) for c in LeakCause if c != LeakCause.NONE}

    def check(self) -> None:
        """Prove conservation: every lead is in exactly one state, leaks have causes.

        Recounts from the per-lead arrays, independently of the running counters.
        """
        state = self.state[: self.n]
        recount = np.bincount(state, minlength=len(LeadState))
        if recount.size != len(LeadState) or np.any(state < 0):
            raise LedgerError("a lead is in no known state")
        if not np.array_equal(recount, self.counts):
            raise LedgerError(f"state counters {self.counts.tolist()} != recount {recount.tolist()}")
        if int(recount.sum()) != self.n:
            raise LedgerError("created != open + won + lost + recycled + disqualified + leaked")
        leaked = state == LeadState.LEAKED
        cause = self.cause[: self.n]
        if np.any(cause[leaked] == LeakCause.NONE) or np.any(cause[~leaked] != LeakCause.NONE):
            raise LedgerError("a leaked lead has no cause, or a non-leaked lead has one")
        open_ids = np.flatnonzero(state <= LeadState.OPPORTUNITY)
        pointed = np.flatnonzero(self.open_lead >= 0)
        if open_ids.size != pointed.size or np.any(self.open_lead[self.prospect[open_ids]] != open_ids):
            raise LedgerError("a prospect has two open leads, or an open lead lost its prospect")
        if np.any(np.diff(self.reached[0, : LeadState.WON + 1]) > 0):
            raise LedgerError("the funnel widens: more leads reached a later stage")

    def funnel(self, source: int = 0) -> dict[str, int]:
        """Leads of one source (0: marketing, 1: sales) that ever reached each stage."""
        return {stage: int(self.reached[source, i]) for i, stage in enumerate(FUNNEL_STAGES)}


@dataclass(slots=True)
class WorkedLead:
    """A lead in a salesperson's queue: the detail needed to work it, times in hours."""

    lead: int
    prospect: int
    source: int
    mql_hour: float  # when the buyer raised their hand (absolute hours)
    visible_hour: float  # when sales could first see it
    arrival_day: int
    perceived: float  # the rep's gut-feel quality
    ignored: bool = False
    accepted: bool = False
    reached: bool = False
    attempts: int = 0
    next_day: int = 0
    first_attempt_hour: float = -1.0
    closed: bool = False


@dataclass(slots=True)
class Opportunity:
    """An open deal a salesperson is working towards a decision."""

    lead: int
    prospect: int
    value: float
    close_day: int
    daily_hours: float  # selling time the deal needs each day until its decision
    hours_needed: float
    hours_given: float = 0.0
    marketing_sourced: bool = True
