"""The sales desk: where marketing's leads reach sales, wait, are held and leave.

The desk takes MQLs from marketing (the hand-off), routes each to a named rep (round robin,
``policy.lead_routing``) or leaves it in the shared inbox, keeps every lead sales holds
(``worked``), and does the bookkeeping when a lead leaves sales' hands: returned to marketing
(recycled or closed), closed (leaked with a cause if the buyer had real intent, else
disqualified), or lost to a competitor. The reps decide (``agents.Salesperson``); the desk keeps
the books, so each rule has one method, written for many leads at once, with a shortcut for a
few inside it (plain Python beats numpy's per-call overhead below ``FEW_LEADS``, ``FEW_CLOSES``).

Inquiries arrive mostly in working hours (``BUSINESS_HOURS_SHARE``, B2B) and become visible to
sales after the CRM sync delay (``policy.handoff_delay_hours``).

The desk takes at most what its reps can review in a day (``day_limit``: ``sales.hours_per_day /
REVIEW_HOURS`` reviews per rep) and holds at most ``HOLD_DAYS`` days of it (``hold_limit``, a
working week). MQLs beyond it wait in
marketing's hand-off line, oldest first, and are taken as room frees; one that waits
``sales.lead_expiry_days`` leaks ``queue_expired`` (docs/model.md, 7.2). The bound acts only on a
company whose marketing promotes more than its sales team could ever look at, so a day's work
follows the team's size, not the marketing budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from orgsim.model.calendar import DAY_HOURS, WEEK_DAYS, WORKDAY_START, opening_hour
from orgsim.model.friction import FrictionSource
from orgsim.model.lifecycle import FEW_CLOSES, STATES, LeadSource, LeadState, LeakCause, WorkedLead
from orgsim.model.luck import Draw
from orgsim.model.organisation import REVIEW_HOURS

if TYPE_CHECKING:
    from orgsim.model.world import DeskWorld

BUSINESS_HOURS_SHARE = 0.75  # B2B inquiries that arrive in working hours (assumption)
FEW_LEADS = 64  # below this many leads, returning them one at a time is cheaper than in numpy
SCAN_AT_MOST = 256  # inboxes shorter than this are scanned in Python, longer ones in numpy
HOLD_DAYS = 5  # the desk holds at most a working week of reviews per rep (``SalesDesk.hold_limit``)


class SalesDesk:
    """The leads sales holds: reps' queues (``worked``) and the shared inbox, and their bookkeeping."""

    def __init__(self, model: DeskWorld) -> None:
        self.model = model
        pol = model.params.policy
        self.worked: dict[int, WorkedLead] = {}  # leads in salespeople's queues or the inbox, by id
        self.inbox: dict[int, WorkedLead] = {}  # MQLs no rep owns yet (the shared inbox), by lead id
        self.inbox_additions = 0  # leads ever put in the inbox (a rep's sorted view is of one state)
        self.inbox_view: InboxView | None = None  # today's inbox in the reps' order, sorted once
        self._route = 0
        # someone who owns returned leads re-qualifies this many a day (the rest go by CRM rule)
        self.recycle_capacity_day = pol.recycle_owner_hours_per_week / WEEK_DAYS / pol.requalify_hours
        self.recycle_slots = 0.0
        self.stage_value = self._stage_values()
        self._stage_value_array = np.array([self.stage_value.get(state, 0.0) for state in LeadState])
        # leads the desk holds at most (queues and inbox): a working week of reviews per rep
        reviews_day = model.params.sales.hours_per_day / REVIEW_HOURS
        self.day_limit = int(len(model.salespeople) * reviews_day)  # new leads taken a day at most
        self.hold_limit = HOLD_DAYS * self.day_limit
        self.taken_today = 0  # leads the desk took today (hand-offs and booked meetings)
        self.line = np.empty(0, dtype=np.int64)  # MQLs waiting for room, oldest first (marketing's)
        self.line_day = np.empty(0, dtype=np.int64)  # the day each was promoted

    def _stage_values(self) -> dict[int, float]:
        """Chance a fitting in-market lead at each stage would have been won if worked well."""
        s = self.model.params.sales
        win = s.win_rate
        opp = s.opportunity_rate * win
        sql = s.qualify_rate * opp
        contact = min(1.0, s.contact_rate * 2 * s.contact_floor) * sql  # several attempts, cooled
        return {
            LeadState.INQUIRY: contact,
            LeadState.MQL: contact,
            LeadState.SAL: contact,
            LeadState.SQL: opp,
            LeadState.OPPORTUNITY: win,
            LeadState.RECYCLED: contact,
        }

    def open_day(self) -> None:
        """A new day: the owner of returned leads has today's hours again; no lead taken yet."""
        self.recycle_slots = self.recycle_capacity_day
        self.taken_today = 0

    @property
    def room(self) -> int:
        """Leads the desk can still take today: at most ``day_limit`` a day and ``hold_limit`` held."""
        return max(0, min(self.hold_limit - len(self.worked), self.day_limit - self.taken_today))

    def _admit(self, leads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The MQLs the desk takes today, oldest first, with the day each was promoted.

        Marketing's line comes before today's MQLs; what finds no room waits in the line. A lead
        that waited ``sales.lead_expiry_days`` leaks ``queue_expired`` (disqualified without
        intent): it never reached a rep, so nobody is blamed for it (no friction event).
        """
        m = self.model
        ledger = m.ledger
        line, since = self.line, self.line_day
        if line.size:
            live = ledger.state[line] == LeadState.MQL  # (one that was bought elsewhere has left)
            line, since = line[live], since[live]
            expired = m.day - since >= m.params.sales.lead_expiry_days
            if expired.any():
                self._book_closed(line[expired], LeakCause.QUEUE_EXPIRED)
                line, since = line[~expired], since[~expired]
        queue = np.concatenate([line, leads])
        days = np.concatenate([since, np.full(leads.size, m.day, dtype=np.int64)])
        room = self.room
        self.line, self.line_day = queue[room:], days[room:]
        return queue[:room], days[:room]

    # -- leads arrive ------------------------------------------------------------------------
    def hand_off(self, leads: np.ndarray) -> None:
        """Pass MQLs to sales, in order: each routed to a named rep, or left in the shared inbox.

        Each becomes visible after the CRM sync delay. An unowned lead waits until a rep with room
        takes it (reps pick the best-looking first); nobody owns what is left. The leads' chance
        draws are taken in one pass. With no salespeople the leads are lost in the hand-off.
        """
        m = self.model
        pol = m.params.policy
        if not m.salespeople:
            self.close(leads, LeakCause.HANDOFF_LOST)
            return
        promoted: np.ndarray | None = None  # each lead's day of promotion, if not all today
        if self.line.size or leads.size > self.room:  # over capacity: the line, up to the room
            leads, promoted = self._admit(leads)
        if leads.size == 0:
            return
        self.taken_today += leads.size
        ledger, mk, luck = m.ledger, m.market, m.luck
        pro = ledger.prospect[leads]
        episode = ledger.episode[leads]
        handoff = ledger.recycles[leads]
        events = (Draw.INQUIRY_HOUR, Draw.INQUIRY_IN_HOURS, Draw.HANDOFF_DELAY, Draw.GUT_FEEL, Draw.ROUTED)
        when, in_hours, delay_draw, gut_draw, routed_draw, ignore_draw = luck.uniforms_of(
            pro, episode, handoff, (*events, Draw.IGNORED)
        ).T
        ignore_draws = ignore_draw.tolist()
        # the hour the buyer raised their hand: mostly in working hours (B2B), else any time
        hpd = m.params.sales.hours_per_day
        hour = np.where(in_hours < BUSINESS_HOURS_SHARE, WORKDAY_START + when * hpd, when * DAY_HOURS)
        mql_hour = (m.day if promoted is None else promoted) * DAY_HOURS + hour
        log1p, normal_of = math.log1p, luck.normal_of  # scalar, as one lead's draw is computed
        delay = np.array([-pol.handoff_delay_hours * log1p(-u) for u in delay_draw.tolist()])
        visible_hour = mql_hour + delay
        if promoted is not None:  # a lead that waited in the line reaches sales today at the earliest
            visible_hour = np.maximum(visible_hour, m.day * DAY_HOURS)
        sla_days = m.sla.deadline_days(visible_hour)  # for the rep who takes each lead
        gut = [normal_of(u) for u in gut_draw.tolist()]
        gut_noise = 0.1 + 0.2 * mk.hard[pro]  # hard leads are hard to judge for reps too
        fit = mk.fit[pro].astype(np.float64)
        routed = (routed_draw < pol.lead_routing).tolist()
        day, worked, inbox = m.day, self.worked, self.inbox
        rows = zip(
            leads.tolist(),
            pro.tolist(),
            mql_hour.tolist(),
            visible_hour.tolist(),
            sla_days,
            fit.tolist(),
            gut_noise.tolist(),
            gut,
            episode.tolist(),
            handoff.tolist(),
            routed,
            ignore_draws,
            strict=True,
        )
        for lead, p, mql, visible, sla_day, fit_p, noise, z, ep, ho, to_rep, ignore_draw in rows:
            lead_worked = WorkedLead(
                lead=lead,
                prospect=p,
                source=LeadSource.MARKETING,
                mql_hour=mql,
                visible_hour=visible,
                arrival_day=day,
                perceived=fit_p + noise * z,
                episode=ep,
                handoff=ho,
                sla_day=sla_day,
            )
            worked[lead] = lead_worked
            if to_rep:
                self.assign(lead_worked, ignore_draw)
            else:
                lead_worked.unowned = True
                inbox[lead] = lead_worked
                self.inbox_additions += 1

    def take_cold_leads(self, prospects: np.ndarray) -> list[WorkedLead]:
        """Sales' own leads: buyers reached by cold calls today, accepted at once (SAL)."""
        m = self.model
        accepted = np.ones(prospects.size, bool)
        ids = m.ledger.create(prospects, m.day, LeadState.SAL, LeadSource.SALES, accepted)
        hour = opening_hour(m.day)
        fit = m.market.fit
        out = []
        for lead, p in zip(ids.tolist(), prospects.tolist(), strict=True):
            w = WorkedLead(lead, p, LeadSource.SALES, hour, hour, m.day, float(fit[p]), accepted=True)
            self.worked[lead] = w
            out.append(w)
        return out

    def book_meetings(self, leads: list[WorkedLead]) -> None:
        """The contracted outbound team's meetings: reached buyers, each routed to a rep's queue."""
        self.taken_today += len(leads)
        for lead in leads:
            lead.reached = True
            self.assign(lead)

    def assign(self, lead: WorkedLead, ignore_draw: float | None = None) -> None:
        """Route a lead to a salesperson (round robin, the 'fairness' rule).

        ``ignore_draw``: the lead's ``Draw.IGNORED`` chance if already drawn.
        """
        reps = self.model.salespeople
        rep = reps[self._route % len(reps)]
        self._route += 1
        rep.receive(lead, ignore_draw=ignore_draw)

    def view(self, priority: Callable[[WorkedLead], float]) -> InboxView:
        """Today's inbox in the reps' order (sorted again only after leads were added)."""
        view = self.inbox_view
        m = self.model
        if view is None or view.day != m.day or view.additions != self.inbox_additions:
            view = self.inbox_view = InboxView(self, m.day, m.params.sales.hours_per_day, priority)
        return view

    def take_from_inbox(self, lead: WorkedLead) -> None:
        """A rep takes an unowned lead: it leaves the shared inbox."""
        del self.inbox[lead.lead]
        lead.unowned = False

    # -- a rep works a lead ------------------------------------------------------------------
    def accept(self, lead: WorkedLead) -> None:
        """A rep accepts an MQL after review: a sales-accepted lead (SAL)."""
        lead.accepted = True
        self.model.ledger.move(lead.lead, LeadState.SAL)

    def record_attempt(self, lead: WorkedLead, reached: bool) -> None:
        """A contact attempt was made (``lead.attempts`` counts it): the ledger's speed-to-lead record."""
        ledger, i = self.model.ledger, lead.lead
        ledger.attempts[i] = lead.attempts
        if lead.attempts == 1:
            ledger.first_contact[i] = reached
        if reached:
            lead.reached = True
            ledger.contacted[i] = True

    def qualify(self, lead: WorkedLead) -> None:
        """A conversation found need, budget and timing: a sales-qualified lead (SQL)."""
        ledger = self.model.ledger
        ledger.move(lead.lead, LeadState.SQL)
        if lead.attempts == 1:  # reached and qualified on the first attempt (a cold call makes none)
            ledger.first_qualified[lead.lead] = True

    def decline(self, lead: WorkedLead) -> None:
        """The qualified buyer declines to evaluate us: lost at discovery, out of sales' hands."""
        self.finish(lead)
        self.model.ledger.move(lead.lead, LeadState.LOST)

    def open_opportunity(self, lead: WorkedLead) -> None:
        """The buyer evaluates us: the lead becomes a deal (the rep holds it) and stays in market."""
        self.finish(lead)
        self.model.ledger.move(lead.lead, LeadState.OPPORTUNITY)
        self.model.market.hold_window(lead.prospect)

    # -- leads leave -------------------------------------------------------------------------
    def finish(self, lead: WorkedLead) -> None:
        """A lead leaves sales' hands: its rep's queue or the shared inbox (won, lost, returned, closed)."""
        lead.leave_queue()
        self.worked.pop(lead.lead, None)
        if lead.unowned:
            del self.inbox[lead.lead]

    def close(self, leads: np.ndarray, cause: LeakCause) -> None:
        """Close live leads, in order: leaked with ``cause`` if the buyer has real intent, else disqualified.

        A lead sales still holds leaves its hands first (a nurtured lead leaves the pool at its
        next scoring). The expected revenue lost is the deal size times the stage's value.
        """
        if leads.size == 0:
            return
        if self.worked:
            worked = self.worked
            for lead in self._maybe_held(leads).tolist():
                held = worked.get(lead)
                if held is not None:
                    self.finish(held)
        self._book_closed(leads, cause)

    def _maybe_held(self, leads: np.ndarray) -> np.ndarray:
        """The leads that may be in sales' hands: only an MQL or a SAL can be (fewer to look up)."""
        if leads.size < FEW_LEADS:
            return leads
        state = self.model.ledger.state[leads]
        return leads[(state == LeadState.MQL) | (state == LeadState.SAL)]

    def _book_closed(self, leads: np.ndarray, cause: LeakCause) -> None:
        """The ledger side of :meth:`close`, for leads no longer in sales' hands."""
        m = self.model
        ledger = m.ledger
        if leads.size < FEW_CLOSES:
            mk = m.market
            in_market, fit, deal_size = mk.in_market, mk.fit, mk.deal_size
            fit_min = m.fit_bar
            intent, prospect, state = ledger.intent, ledger.prospect, ledger.state
            stage_value = self.stage_value
            for lead in leads.tolist():
                pro = prospect.item(lead)
                value = 0.0
                if intent.item(lead) or (in_market.item(pro) and fit.item(pro) >= fit_min):
                    intent[lead] = True
                    value = deal_size.item(pro) * stage_value[STATES[state.item(lead)]]
                ledger.close(lead, cause, value)
            return
        pro = ledger.prospect[leads]
        intent = ledger.intent[leads] | m.has_intent(pro)
        ledger.intent[leads] = intent
        value = m.market.deal_size[pro].astype(np.float64) * self._stage_value_array[ledger.state[leads]]
        ledger.close(leads, cause, value)

    def return_to_marketing(
        self, leads: Sequence[WorkedLead], causes: LeakCause | Sequence[LeakCause]
    ) -> None:
        """Sales gives leads back, in order: each recycled to nurture if the process does that, else closed.

        Someone who owns returned leads (``policy.recycle_owner_hours_per_week``) re-qualifies
        them while today's hours last; beyond that a CRM rule catches a lead with chance
        ``policy.recycling`` (CMO Council 2004: 73% of firms have no re-qualifying process). A
        recycled lead is re-scored and can come back. ``causes``: the cause each lead leaks with
        if it is closed rather than recycled (one for all, or one per lead).
        """
        if not leads:
            return
        m = self.model
        if isinstance(causes, LeakCause):
            causes = [causes] * len(leads)
        recycling = m.params.policy.recycling
        if len(leads) < FEW_LEADS:
            for lead, cause in zip(leads, causes, strict=True):
                self.finish(lead)
                owned = self.recycle_slots >= 1.0
                if owned:
                    self.recycle_slots -= 1.0
                if owned or m.chance(lead.lead, Draw.RECYCLED) < recycling:
                    m.ledger.move(lead.lead, LeadState.RECYCLED)
                    m.marketing.recycle([lead.lead])
                else:
                    self.close(np.array([lead.lead], dtype=np.int64), cause)
            return
        for lead in leads:
            self.finish(lead)
        ids = np.fromiter((w.lead for w in leads), dtype=np.int64, count=len(leads))
        ledger = m.ledger
        pro, episode, handoff = ledger.prospect[ids], ledger.episode[ids], ledger.recycles[ids]
        recycled = m.luck.uniforms(pro, episode, handoff, Draw.RECYCLED) < recycling
        owned = min(len(leads), int(self.recycle_slots))  # the owner takes the first ones, in order
        recycled[:owned] = True
        self.recycle_slots -= owned
        back = ids[recycled]
        ledger.move(back, LeadState.RECYCLED)
        m.marketing.recycle(back.tolist())
        cause = np.array(causes, dtype=np.int8)
        for c in sorted(set(cause[~recycled].tolist())):
            self.close(ids[~recycled & (cause == c)], LeakCause(c))

    def lose_to_competitors(self, leads: np.ndarray) -> None:
        """Buyers with live leads bought elsewhere before we won them: the leads leak, in order.

        The cause is where each lead stood: in nurture (never scored an MQL, or recycled), ignored
        by its rep, unowned in the inbox, or worked too late. Each leaves its queue or the inbox.
        """
        if leads.size == 0:
            return
        m = self.model
        ledger = m.ledger
        state = ledger.state[leads]
        causes = np.full(leads.size, LeakCause.TOO_LATE, dtype=np.int8)
        causes[state == LeadState.INQUIRY] = LeakCause.MISSED_BY_SCORING
        causes[state == LeadState.RECYCLED] = LeakCause.LOST_IN_NURTURE
        if self.line.size:  # waiting in marketing's line for room at the desk
            causes[np.isin(leads, self.line)] = LeakCause.QUEUE_EXPIRED
        if self.worked:  # (only an MQL or a SAL can be in sales' hands)
            held = ((state == LeadState.MQL) | (state == LeadState.SAL)).nonzero()[0]
            for i, lead in zip(held.tolist(), leads[held].tolist(), strict=True):
                worked = self.worked.get(lead)
                if worked is None:
                    continue
                if worked.ignored:
                    causes[i] = LeakCause.NEVER_FOLLOWED_UP
                elif worked.unowned:
                    causes[i] = LeakCause.HANDOFF_LOST
                self.finish(worked)
        # they were in market and bought: real intent if they fit (else no loss to us)
        ledger.intent[leads] |= m.fits(ledger.prospect[leads])
        for cause in sorted(set(causes.tolist())):  # (a few causes: cheaper than np.unique)
            self.close(leads[causes == cause], LeakCause(cause))

    def expire_unowned(self) -> None:
        """Leads nobody took from the shared inbox within the expiry window are lost in the hand-off."""
        m = self.model
        limit = m.params.sales.lead_expiry_days
        inbox = self.inbox
        # the inbox keeps arrival order (a dict in insertion order, arrival_day the day added):
        # when its oldest lead has not expired, none has
        if not inbox or m.day - next(iter(inbox.values())).arrival_day < limit:
            return
        stale = [w.lead for w in inbox.values() if m.day - w.arrival_day >= limit]
        for _ in stale:  # marketing blames sales for each (closing a lead moves no heat)
            m.raise_tension(FrictionSource.UNWORKED_LEAD)
        self.close(np.array(stale, dtype=np.int64), LeakCause.HANDOFF_LOST)


class InboxView:
    """The shared inbox as reps see it today: visible leads in the reps' order, sorted once.

    Every rep used to sort the whole inbox for itself (reps x inbox log inbox a day). The order
    is the same for all of them (a lead's priority does not depend on who reads it) and, while
    reps work, leads only leave the inbox, so one stable sort serves every rep: each takes the
    first leads still there that clear its own rejection bar, exactly as its own sort would give.
    """

    def __init__(
        self, desk: SalesDesk, day: int, hours_per_day: float, priority: Callable[[WorkedLead], float]
    ) -> None:
        self.day = day
        self.additions = desk.inbox_additions
        day_end = opening_hour(day) + hours_per_day
        self.leads = sorted((w for w in desk.inbox.values() if w.visible_hour < day_end), key=priority)
        marketing = LeadSource.MARKETING  # only a marketing lead can be rejected
        self.quality = [w.perceived if w.source == marketing else math.inf for w in self.leads]
        self.start = 0  # leads before this index have all left the inbox
        self.perceived: np.ndarray | None = None  # for long inboxes: bars compared in numpy
        self.gone: np.ndarray | None = None

    def take(self, room: int, bar: float | None) -> list[WorkedLead]:
        """Up to ``room`` leads still in the inbox, in order, whose quality clears ``bar`` (None: any)."""
        leads = self.leads
        while self.start < len(leads) and not _in_inbox(leads[self.start]):
            self.start += 1
        if len(leads) - self.start < SCAN_AT_MOST:
            out = []
            if bar is None:
                bar = -math.inf
            for i in range(self.start, len(leads)):
                if self.quality[i] >= bar:  # (not below the bar: what rejects() asks)
                    w = leads[i]
                    if w.unowned and not w.closed:
                        out.append(w)
                        if len(out) == room:
                            break
            return out
        if self.perceived is None:
            self.perceived = np.array(self.quality)
            self.gone = np.zeros(len(leads), dtype=bool)
        ok = ~self.gone[self.start :]
        if bar is not None:
            ok &= self.perceived[self.start :] >= bar
        out: list[WorkedLead] = []
        candidates = np.flatnonzero(ok) + self.start
        chunk = room + 16  # look at a few more than room: some may have left the inbox
        for at in range(0, candidates.size, chunk):
            for i in candidates[at : at + chunk].tolist():
                w = leads[i]
                self.gone[i] = True  # taken now, or found to have left the inbox
                if _in_inbox(w):
                    out.append(w)
                    if len(out) == room:
                        return out
        return out


def _in_inbox(lead: WorkedLead) -> bool:
    return lead.unowned and not lead.closed
