"""The lead lifecycle (a demand waterfall) and the ledger that proves every lead is accounted for.

inquiry -> MQL -> SAL -> SQL -> opportunity -> won | lost (an SQL is also lost when the buyer
declines to evaluate us). Sales may return a lead to marketing: it is then *recycled* — back in
nurture, re-scored every day, and re-promoted to MQL if it crosses the threshold again
(SiriusDecisions Demand Waterfall [siriusdecisions_waterfall]: rejected leads are recycled, not
deleted). Leads
close as disqualified (no real buying intent), or leaked: real buying intent lost to the process,
with its cause.

Bulk lead state lives in arrays (one slot per lead, which the per-lead table reads);
:class:`WorkedLead` and :class:`Opportunity` hold the detail a salesperson needs while working one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
import pandas as pd

from orgsim.measures import FUNNEL_STAGES  # the stage names, defined once with the measures


class LeadState(IntEnum):
    """Where a lead is. The first five are open; recycled leads are in nurture; the rest closed."""

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


STATES = tuple(LeadState)  # by value: STATES[code] is LeadState(code) without the enum call
OPEN_STATES = (LeadState.INQUIRY, LeadState.MQL, LeadState.SAL, LeadState.SQL, LeadState.OPPORTUNITY)
LIVE_STATES = (*OPEN_STATES, LeadState.RECYCLED)  # the prospect's current lead is one of these


class LeadSource(IntEnum):
    """Who found the lead: marketing (an inquiry) or sales (outbound prospecting)."""

    MARKETING = 0
    SALES = 1


class LeakCause(IntEnum):
    """Why a lead with real buying intent was lost to the process rather than to the buyer."""

    NONE = 0
    HANDOFF_LOST = 1  # an MQL left unowned in the shared inbox until it went stale
    NEVER_FOLLOWED_UP = 2  # a rep chose not to work it (the lead black hole)
    TOO_LATE = 3  # worked, but the buyer went elsewhere before we reached or qualified them
    WRONGLY_REJECTED = 4  # rejected as junk although the buyer was in market and fitting
    QUEUE_EXPIRED = 5  # meant to be worked, aged out of an over-full queue
    NEVER_RECYCLED = 6  # returned by sales with intent and closed, not put back in nurture
    MISSED_BY_SCORING = 7  # never crossed the MQL threshold while the buyer was in market
    LOST_IN_NURTURE = 8  # recycled to nurture while in market; not re-promoted before they bought


SOURCES = tuple(s.name.lower() for s in LeadSource)
CAUSES = tuple(c.name.lower() for c in LeakCause if c != LeakCause.NONE)

_ALLOWED: dict[LeadState, frozenset[LeadState]] = {
    LeadState.INQUIRY: frozenset({LeadState.MQL}),
    LeadState.MQL: frozenset({LeadState.SAL}),
    LeadState.SAL: frozenset({LeadState.SQL}),
    LeadState.SQL: frozenset({LeadState.OPPORTUNITY, LeadState.LOST}),  # LOST: declined at discovery
    LeadState.OPPORTUNITY: frozenset({LeadState.WON, LeadState.LOST}),
    # back in nurture: re-promoted, or disqualified (no intent); a leak goes through Ledger.close
    LeadState.RECYCLED: frozenset({LeadState.MQL, LeadState.DISQUALIFIED}),
}
_EXITS = frozenset({LeadState.RECYCLED, LeadState.DISQUALIFIED})  # from any open state
_LEGAL = tuple(  # _LEGAL[old][new]: a lifecycle move (a table: enum members hash slowly in sets)
    tuple(new in _ALLOWED.get(old, ()) or (old in OPEN_STATES and new in _EXITS) for new in LeadState)
    for old in LeadState
)
_CLOSABLE = tuple(state in LIVE_STATES for state in LeadState)  # may close (leak or disqualify)
_CLOSABLE_ARRAY = np.array(_CLOSABLE)  # the same, indexed by an array of states
_HINT = {s: " (a leak has a cause: Ledger.close)" if s == LeadState.LEAKED else "" for s in LeadState}
FEW_MOVES = 8  # below this many leads, moving them one at a time beats numpy's per-call overhead
FEW_CLOSES = 4  # closing: one pass in numpy costs about what five leads one at a time do
_NAN = np.float32(np.nan)
FOLD_AT = 1 << 20  # rows kept (~60 MB) before closed never-promoted inquiries are first folded


class LedgerError(AssertionError):
    """The ledger found a lead in no state, two states, or an impossible transition."""


class Ledger:
    """Every lead ever created: its state, source, intent, speed-to-lead record and leak cause.

    ``created = open + won + lost + recycled + disqualified + leaked`` holds by construction and
    is verified independently by :meth:`check`. A prospect has at most one live lead (open or
    recycled) at a time.

    Closed inquiries that were never promoted (closed at the inquiry stage: no per-lead measure
    reads them one by one) are *folded* (:meth:`fold`): counted in ``folded_*`` and their rows
    dropped, so memory follows the leads the company works, not every hand raised.
    """

    _ARRAYS = {
        "prospect": (np.int64, 0),
        "state": (np.int8, 0),
        "cause": (np.int8, 0),
        "source": (np.int8, 0),
        "created_day": (np.int32, 0),
        "since_day": (np.int32, 0),  # day the lead entered nurture (created or recycled)
        "peak": (np.int8, -1),  # furthest funnel stage ever reached
        "intent": (np.bool_, False),  # real buying intent (in market and fitting) while live
        "value": (np.float32, 0.0),  # won: deal value; leaked: expected revenue lost
        "response_hours": (np.float32, _NAN),  # calendar hours, reaching sales -> first attempt
        "first_contact": (np.bool_, False),
        "first_qualified": (np.bool_, False),
        "attempts": (np.int16, 0),
        "contacted": (np.bool_, False),  # some attempt reached the buyer
        "opportunity_day": (np.int32, -1),  # business day it became an opportunity
        "closed_day": (np.int32, -1),  # business day it closed (won, lost, disqualified, leaked)
        "recycles": (np.int16, 0),
        "episode": (np.int32, 0),  # which of its prospect's leads this is (0: the first)
        "serial": (np.int64, 0),  # the lead's number in order of creation (its row moves on a fold)
    }

    def __init__(self, n_prospects: int, capacity: int = 1024) -> None:
        self.n = 0
        self.today = 0  # the business day moves are stamped with (the model advances it)
        for name, (dtype, fill) in self._ARRAYS.items():
            setattr(self, name, np.full(capacity, fill, dtype=dtype))
        self.counts = np.zeros(len(LeadState), dtype=np.int64)
        # funnel: leads of each source that ever reached each stage (a re-promoted lead once)
        self.reached = np.zeros((len(LeadSource), len(LeadState)), dtype=np.int64)
        self.leaked_value = np.zeros(len(LeakCause), dtype=np.float64)
        self.open_lead = np.full(n_prospects, -1, dtype=np.int64)  # the live lead, or -1
        self.last_lead = np.full(n_prospects, -1, dtype=np.int64)
        self.leads_of = np.zeros(n_prospects, dtype=np.int32)  # leads each prospect has had
        self.created = 0  # leads ever created (kept rows plus folded inquiries)
        # folded inquiries, [0] created before the measured cohort's first lead and [1] from it:
        # how many, how many had intent, and by end state, leak cause and leaked value (currency)
        self.folded = np.zeros(2, dtype=np.int64)
        self.folded_intent = np.zeros(2, dtype=np.int64)
        self.folded_states = np.zeros((2, len(LeadState)), dtype=np.int64)
        self.folded_causes = np.zeros((2, len(LeakCause)), dtype=np.int64)
        self.folded_value = np.zeros((2, len(LeakCause)), dtype=np.float64)
        self.fold_min = FOLD_AT
        self.fold_at = FOLD_AT  # fold when this many rows are kept (then again at twice what is left)

    def _grow(self, need: int) -> None:
        cap = max(need, self.prospect.size * 3 // 2)  # 1.5x: capacity stays close to the leads kept
        for name, (dtype, fill) in self._ARRAYS.items():
            old = getattr(self, name)
            new = np.full(cap, fill, dtype=dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def create(
        self, prospects: np.ndarray, day: int, state: LeadState, source: LeadSource, intent: np.ndarray
    ) -> np.ndarray:
        """Open one new lead per prospect (none may have a live lead); returns the lead ids."""
        k = prospects.size
        if k == 0:
            return np.empty(0, dtype=np.int64)
        if (self.open_lead[prospects] >= 0).any():
            raise LedgerError("a prospect already has a live lead")
        if self.n + k > self.prospect.size:
            self._grow(self.n + k)
        ids = np.arange(self.n, self.n + k)
        self.serial[ids] = np.arange(self.created, self.created + k)
        self.created += k
        self.prospect[ids] = prospects
        self.state[ids] = state
        self.source[ids] = source
        self.created_day[ids] = day
        self.since_day[ids] = day
        self.peak[ids] = state
        self.intent[ids] = intent
        self.episode[ids] = self.leads_of[prospects]
        self.leads_of[prospects] += 1  # (a prospect opens at most one lead at a time)
        self.open_lead[prospects] = ids
        self.last_lead[prospects] = ids
        self.n += k
        self.counts[state] += k
        self.reached[source, state] += k
        return ids

    def _enter(self, lead: int | np.ndarray, new: LeadState) -> None:
        """Funnel and live-lead bookkeeping for leads that just moved into ``new``."""
        one = isinstance(lead, int)  # one lead: read with .item (numpy scalars compare slowly)
        if new <= LeadState.WON:  # a re-promoted lead counts once per stage
            if one:
                if self.peak.item(lead) < new:
                    self.peak[lead] = new
                    self.reached[self.source.item(lead), new] += 1
            else:
                first = lead[self.peak[lead] < new]
                self.peak[first] = new
                np.add.at(self.reached[:, new], self.source[first], 1)
        if new not in LIVE_STATES:
            self.open_lead[self.prospect.item(lead) if one else self.prospect[lead]] = -1
            self.closed_day[lead] = self.today
        elif new == LeadState.OPPORTUNITY:
            self.opportunity_day[lead] = self.today

    def move(self, leads: int | np.ndarray, new: LeadState) -> None:
        """Advance leads along the waterfall, recycle or disqualify them (to leak, :meth:`close`).

        ``leads``: one lead id, or distinct ids that may each move to ``new``. Fewer than
        ``FEW_MOVES`` move one at a time in plain Python (numpy's per-call overhead would dominate).
        """
        if isinstance(leads, np.ndarray):
            if leads.size < FEW_MOVES:
                for lead in leads.tolist():
                    self.move(lead, new)
                return
            state = self.state[leads]
            for old in sorted(set(state.tolist())):  # (a few states a day: faster than np.unique)
                if not _LEGAL[old][new]:
                    raise LedgerError(f"{STATES[old].name} -> {new.name} is not a lifecycle move{_HINT[new]}")
                self.counts[old] -= int(np.count_nonzero(state == old))
            self.state[leads] = new
            self.counts[new] += leads.size
            if new == LeadState.RECYCLED:
                self.recycles[leads] += 1
            self._enter(leads, new)
            return
        lead = int(leads)
        old = self.state.item(lead)
        if not _LEGAL[old][new]:
            hint = _HINT[new]
            raise LedgerError(f"lead {lead}: {STATES[old].name} -> {new.name} is not a lifecycle move{hint}")
        self.state[lead] = new
        self.counts[old] -= 1
        self.counts[new] += 1
        if new == LeadState.RECYCLED:
            self.recycles[lead] += 1
        self._enter(lead, new)

    def close(self, leads: int | np.ndarray, cause: LeakCause, values: float | np.ndarray) -> None:
        """Close live leads, in order: leaked with ``cause`` if the buyer has real intent, else disqualified.

        ``leads``: one lead id or an array of distinct ids; ``values``: the expected revenue each
        leak loses (currency; one float or one per lead), kept on the lead and added to the
        cause's total in the leads' order (the same float however the leads are grouped). Fewer
        than ``FEW_CLOSES`` close one at a time in plain Python.
        """
        if cause == LeakCause.NONE:
            raise LedgerError("a leak needs a cause")
        if isinstance(leads, np.ndarray):
            each = isinstance(values, np.ndarray) and values.ndim == 1  # one value per lead, or one for all
            if leads.size < FEW_CLOSES:
                values = values.tolist() if each else [float(values)] * leads.size
                for lead, value in zip(leads.tolist(), values, strict=True):
                    self.close(lead, cause, value)
                return
            state = self.state[leads]
            closable = _CLOSABLE_ARRAY[state]
            if not closable.all():
                bad = STATES[int(state[~closable][0])].name
                raise LedgerError(f"{bad} -> a closed state is not a lifecycle move")
            leak = self.intent[leads]
            for new, mask in ((LeadState.LEAKED, leak), (LeadState.DISQUALIFIED, ~leak)):
                these = leads[mask]
                if these.size == 0:
                    continue
                self.counts -= np.bincount(state[mask], minlength=len(LeadState))
                self.counts[new] += these.size
                self.state[these] = new
                self.open_lead[self.prospect[these]] = -1
                self.closed_day[these] = self.today
            leaked = leads[leak]
            if leaked.size:
                self.cause[leaked] = cause
                lost = values[leak] if each else np.full(leaked.size, values, dtype=np.float64)
                self.value[leaked] = lost
                total = float(self.leaked_value[cause])
                for v in lost.tolist():  # in order: the same rounding as one leak at a time
                    total += v
                self.leaked_value[cause] = total
            return
        lead = int(leads)
        old = self.state.item(lead)
        if not _CLOSABLE[old]:
            raise LedgerError(f"lead {lead}: {STATES[old].name} -> a closed state is not a lifecycle move")
        new = LeadState.LEAKED if self.intent.item(lead) else LeadState.DISQUALIFIED
        self.state[lead] = new
        self.counts[old] -= 1
        self.counts[new] += 1
        self._enter(lead, new)
        if new == LeadState.LEAKED:
            self.cause[lead] = cause
            self.value[lead] = values
            self.leaked_value[cause] += values

    def fold(self, start: int) -> np.ndarray | None:
        """Fold closed, never-promoted inquiries into the ``folded_*`` counters and drop their rows.

        They closed (disqualified, or leaked ``missed_by_scoring``) without ever becoming an MQL,
        so no measure reads them one by one: counts, intent and leaks by cause (with their value)
        are all that is left of them. ``start``: the row of the measured cohort's first lead (the
        counters split there). Kept rows keep their order, so rows stay in creation order. Returns
        each old row's new row (-1: folded), for whoever holds lead ids to renumber, or None if
        nothing folded. The next fold waits until the rows kept have doubled (at least
        ``fold_min``), so folding costs a constant per lead.
        """
        n = self.n
        state = self.state[:n]
        closed = (state == LeadState.DISQUALIFIED) | (state == LeadState.LEAKED)
        gone = closed & (self.peak[:n] == LeadState.INQUIRY)
        kept = n - int(np.count_nonzero(gone))
        self.fold_at = max(self.fold_min, 2 * kept)
        if kept == n:
            return None
        for part, (lo, hi) in enumerate(((0, start), (start, n))):
            g = gone[lo:hi]
            self.folded[part] += int(np.count_nonzero(g))
            self.folded_intent[part] += int(np.count_nonzero(self.intent[lo:hi][g]))
            self.folded_states[part] += np.bincount(state[lo:hi][g], minlength=len(LeadState))
            cause = self.cause[lo:hi][g]
            self.folded_causes[part] += np.bincount(cause, minlength=len(LeakCause))
            weights = self.value[lo:hi][g].astype(np.float64)
            self.folded_value[part] += np.bincount(cause, weights=weights, minlength=len(LeakCause))
        keep = ~gone
        cap = max(1024, kept * 3 // 2)
        for name, (dtype, fill) in self._ARRAYS.items():
            new = np.full(cap, fill, dtype=dtype)
            new[:kept] = getattr(self, name)[:n][keep]
            setattr(self, name, new)
        remap = np.full(n, -1, dtype=np.int64)
        remap[keep] = np.arange(kept)
        for pointer in (self.open_lead, self.last_lead):
            held = pointer >= 0
            pointer[held] = remap[pointer[held]]
        self.n = kept
        return remap

    def start_cohort(self) -> int:
        """The measured cohort starts with the next lead: leads folded so far are before it."""
        folded = (self.folded, self.folded_intent, self.folded_states, self.folded_causes, self.folded_value)
        for counter in folded:
            counter[0] += counter[1]
            counter[1] = 0
        return self.n

    def summary(self) -> dict[str, int]:
        """``{"created": n, state name: count, ...}`` in lifecycle order."""
        out = {"created": int(self.created)}
        out.update({s.name.lower(): int(self.counts[s]) for s in LeadState})
        return out

    @property
    def with_intent(self) -> int:
        """Leads whose buyer had real buying intent while the lead was live."""
        return int(np.count_nonzero(self.intent[: self.n])) + int(self.folded_intent.sum())

    def never_attempted_share(self) -> float:
        """Share of marketing leads that reached MQL and were never attempted by sales."""
        n = self.n
        mql = (self.source[:n] == LeadSource.MARKETING) & (self.peak[:n] >= LeadState.MQL)
        total = int(np.count_nonzero(mql))
        return float(np.count_nonzero(np.isnan(self.response_hours[:n][mql])) / total) if total else 0.0

    def black_hole_share(self, attempts: int, start: int = 0) -> float:
        """Share of MQLs handed to sales that sales never pursued (Sabnis et al. 2013's black hole).

        Never pursued: never attempted, or attempted, never reached, and out of sales' hands
        after fewer than ``attempts`` tries (the cadence's follow-ups never made). An MQL still
        waiting, unattempted, in sales' hands at the horizon counts too (it has not been worked).
        Leads from ``start`` on (the measured cohort); undefined (NaN) with no MQL.
        """
        lo, n = start, self.n
        mql = (self.source[lo:n] == LeadSource.MARKETING) & (self.peak[lo:n] >= LeadState.MQL)
        total = int(np.count_nonzero(mql))
        if not total:
            return float("nan")
        state = self.state[lo:n]
        never = np.isnan(self.response_hours[lo:n])
        live = (state == LeadState.MQL) | (state == LeadState.SAL)
        unreached = (self.peak[lo:n] == LeadState.SAL) & ~self.contacted[lo:n]
        dropped = unreached & ~live & (self.attempts[lo:n] < attempts)
        return float(np.count_nonzero(mql & (never | dropped)) / total)

    def handoff_leakage(self, start: int = 0) -> dict[str, float]:
        """``leaked_after_handoff`` and ``handoff_leakage_rate``: marketing leads lost after MQL.

        Leads from ``start`` on (the measured cohort); the rate is undefined (NaN) with no MQL
        that had intent.
        """
        lo, n = start, self.n
        mql = (self.source[lo:n] == LeadSource.MARKETING) & (self.peak[lo:n] >= LeadState.MQL)
        after = mql & self.intent[lo:n]
        leaked = int(np.count_nonzero(after & (self.state[lo:n] == LeadState.LEAKED)))
        with_intent = int(np.count_nonzero(after))
        return {
            "leaked_after_handoff": float(leaked),
            "handoff_leakage_rate": leaked / with_intent if with_intent else float("nan"),
        }

    def leaked_by_cause(self) -> dict[str, int]:
        """Count of leaked leads per cause."""
        counts = np.bincount(self.cause[: self.n], minlength=len(LeakCause)) + self.folded_causes.sum(axis=0)
        return {c.name.lower(): int(counts[c]) for c in LeakCause if c != LeakCause.NONE}

    def leaked_value_by_cause(self) -> dict[str, float]:
        """Expected revenue leaked per cause (currency)."""
        return {c.name.lower(): float(self.leaked_value[c]) for c in LeakCause if c != LeakCause.NONE}

    def check(self) -> None:
        """Prove conservation: every lead is in exactly one state, leaks have causes and intent.

        Recounts from the per-lead arrays, independently of the running counters.
        """
        state = self.state[: self.n]
        recount = np.bincount(state, minlength=len(LeadState))
        if recount.size != len(LeadState) or np.any(state < 0):
            raise LedgerError("a lead is in no known state")
        recount = recount + self.folded_states.sum(axis=0)
        if not np.array_equal(recount, self.counts):
            raise LedgerError(f"state counters {self.counts.tolist()} != recount {recount.tolist()}")
        if int(recount.sum()) != self.created or self.created != self.n + int(self.folded.sum()):
            raise LedgerError("created != open + won + lost + recycled + disqualified + leaked")
        leaked = state == LeadState.LEAKED
        cause = self.cause[: self.n]
        if np.any(cause[leaked] == LeakCause.NONE) or np.any(cause[~leaked] != LeakCause.NONE):
            raise LedgerError("a leaked lead has no cause, or a non-leaked lead has one")
        if np.any(~self.intent[: self.n][leaked]):
            raise LedgerError("a leaked lead had no buying intent")
        live = np.flatnonzero((state <= LeadState.OPPORTUNITY) | (state == LeadState.RECYCLED))
        pointed = np.flatnonzero(self.open_lead >= 0)
        if live.size != pointed.size or np.any(self.open_lead[self.prospect[live]] != live):
            raise LedgerError("a prospect has two live leads, or a live lead lost its prospect")
        peak = self.peak[: self.n]
        for src, entry in ((LeadSource.MARKETING, LeadState.INQUIRY), (LeadSource.SALES, LeadState.SAL)):
            mine = peak[self.source[: self.n] == src]
            ever = [int(np.count_nonzero(mine >= s)) for s in range(entry, LeadState.WON + 1)]
            if src == LeadSource.MARKETING:  # every folded lead was a marketing inquiry
                ever[0] += int(self.folded.sum())
            if ever != self.reached[src, entry : LeadState.WON + 1].tolist():
                raise LedgerError(f"the {src.name.lower()} funnel does not match the leads' furthest stages")

    def funnel(self, source: LeadSource = LeadSource.MARKETING) -> dict[str, int]:
        """Leads of one source that ever reached each stage."""
        return {stage: int(self.reached[source, i]) for i, stage in enumerate(FUNNEL_STAGES)}

    def table(
        self, hard: np.ndarray | None = None, fit: np.ndarray | None = None, cohort_row: int | None = None
    ) -> pd.DataFrame:
        """One row per lead kept: the per-lead table of ``orgsim run --leads`` (schema in README).

        Every lead, or with ``cohort_row`` the measured cohort's: its leads from that row on.
        Folded inquiries (:meth:`fold`) have no row; ``lead_id`` keeps every lead's number in
        order of creation, so their numbers are the gaps, and ``frame.attrs["folded_inquiries"]``
        counts them (the cohort's: ``folded[1]``).
        """
        lo, n = cohort_row or 0, self.n
        state = self.state[lo:n]
        cause = self.cause[lo:n]
        state_names = np.array([s.name.lower() for s in LeadState])
        stage_names = np.array(FUNNEL_STAGES)
        cause_names = np.array([""] + list(CAUSES))
        frame = pd.DataFrame(
            {
                "lead_id": self.serial[lo:n].copy(),
                "prospect": self.prospect[lo:n],
                "source": pd.Categorical.from_codes(self.source[lo:n], categories=list(SOURCES)),
                "lead_type": np.where(hard[self.prospect[lo:n]], "hard", "easy") if hard is not None else "",
                "created_day": self.created_day[lo:n],
                "intent": self.intent[lo:n],
                "fit": fit[self.prospect[lo:n]].astype(np.float64) if fit is not None else np.nan,
                "response_hours": self.response_hours[lo:n].astype(np.float64),
                "first_contact": self.first_contact[lo:n],
                "first_qualified": self.first_qualified[lo:n],
                "attempts": self.attempts[lo:n].astype(np.int32),
                "opportunity_day": _days(self.opportunity_day[lo:n]),
                "closed_day": _days(self.closed_day[lo:n]),
                "recycles": self.recycles[lo:n].astype(np.int32),
                "furthest_stage": stage_names[self.peak[lo:n]],
                "qualified": self.peak[lo:n] >= LeadState.SQL,
                "state": state_names[state],
                "cause": cause_names[cause],
                "value": self.value[lo:n].astype(np.float64),
            }
        )
        frame.attrs["folded_inquiries"] = int(self.folded.sum() if cohort_row is None else self.folded[1])
        return frame


def _days(days: np.ndarray) -> np.ndarray:
    """Business days as floats, NaN where the event never happened (-1)."""
    return np.where(days >= 0, days, np.nan)


LEAD_COLUMNS: dict[str, str] = {
    "lead_id": (
        "lead number, in order of creation (gaps: closed never-promoted inquiries folded into the counts)"
    ),
    "prospect": "the buying organisation's index in the market",
    "source": "marketing (an inquiry) or sales (outbound prospecting)",
    "lead_type": "easy or hard to screen (market.hard_lead_share)",
    "created_day": "business day the lead was created",
    "intent": "the buyer had real buying intent (in market and fitting) while the lead was live",
    "fit": "the buyer's true fit to the ideal customer profile, 0-1 (intent needs sales.fit_min or more)",
    "response_hours": "calendar hours from the lead reaching sales to the first attempt; empty if never",
    "first_contact": "the first attempt reached the buyer",
    "first_qualified": "the first attempt reached and qualified the buyer (SQL)",
    "attempts": "contact attempts made",
    "opportunity_day": "business day it became an opportunity; empty if never",
    "closed_day": "business day it closed (won, lost, disqualified or leaked); empty if still live",
    "recycles": "times sales returned the lead to nurture",
    "furthest_stage": "furthest funnel stage ever reached (inquiry, mql, sal, sql, opportunity, won)",
    "qualified": "ever reached SQL",
    "state": "state at the horizon",
    "cause": "leak cause, empty unless leaked",
    "value": "won: deal value; leaked: expected revenue lost; else 0 (currency)",
}
"""The per-lead table's columns and their meaning (README and ``--leads`` read this)."""


@dataclass(slots=True, eq=False)
class WorkedLead:
    """A lead in a salesperson's queue: the detail needed to work it, times in hours."""

    lead: int
    prospect: int
    source: LeadSource
    mql_hour: float  # when the buyer raised their hand (absolute hours)
    visible_hour: float  # when sales could first see it
    arrival_day: int
    perceived: float  # the rep's gut-feel quality
    ignored: bool = False
    accepted: bool = False
    reached: bool = False
    attempts: int = 0
    next_day: int = 0
    closed: bool = False
    unowned: bool = False  # waiting in the shared inbox
    episode: int = 0  # which of its prospect's leads (keys the lead's luck)
    handoff: int = 0  # earlier passes to sales (a recycled lead's next pass draws fresh luck)
    owner: Any = None  # the salesperson whose queue holds it (keeps their backlog count)
    rank: float | None = None  # its place in a rep's order, once computed (lower first)
    sla_day: int | None = None  # business day its SLA response deadline falls on, if computed

    @property
    def waiting(self) -> bool:
        """In its salesperson's backlog: meant to be worked, not yet accepted, still open."""
        return not (self.closed or self.ignored or self.accepted)

    def leave_queue(self) -> None:
        """The lead closes for sales: it no longer counts in its salesperson's backlog."""
        owner = self.owner
        if owner is not None and not self.closed:
            owner.closed_in_queue += 1  # (the queue drops closed leads at the end of the day)
            if self.waiting:
                owner.backlog -= 1
        self.closed = True


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
