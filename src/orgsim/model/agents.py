"""The people: marketers, salespeople and department heads, as Mesa agents.

Agents hold behaviour only; the model (``model.py``) holds the market, the ledger, friction and
the shared services agents call. Each ``step()`` reads as a sentence of small verbs.
Response-time decay follows Oldroyd et al. (2007, 2011) [FACTS §1]; the lead black hole and
its drivers (trust in lead quality, managerial tracking, volume) Sabnis et al. (2013) [FACTS §2].
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from orgsim.model.lifecycle import LeadState, LeakCause, Opportunity, WorkedLead

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel

WORKDAY_START = 9.0  # hour of the day work starts; leads arrive around the clock
REVIEW_HOURS = 0.1  # time to review an MQL and accept or reject it

# channel: (relative cost per touch, relative engagement per touch, targeting precision)
CHANNELS: dict[str, tuple[float, float, float]] = {
    "content": (0.6, 0.7, 0.5),
    "email": (0.3, 0.4, 1.0),
    "events": (3.0, 3.5, 1.5),
    "paid": (1.0, 1.0, 0.8),
}


def working_hours_between(start: float, end: float, hours_per_day: float = 8.0) -> float:
    """Working hours between two absolute times (hours), as an SLA clock counts them."""
    total = 0.0
    day = int(start // 24)
    while day * 24.0 <= end:
        open_, close = day * 24.0 + WORKDAY_START, day * 24.0 + WORKDAY_START + hours_per_day
        total += max(0.0, min(end, close) - max(start, open_))
        day += 1
    return total


def working_deadline(start: float, hours: float, hours_per_day: float = 8.0) -> float:
    """The absolute time (hours) at which ``hours`` working hours after ``start`` have passed."""
    day = int(start // 24)
    left = hours
    while True:
        open_, close = day * 24.0 + WORKDAY_START, day * 24.0 + WORKDAY_START + hours_per_day
        begin = max(start, open_)
        if begin < close:
            if begin + left <= close:
                return begin + left
            left -= close - begin
        day += 1


def contact_probability(hours: float, contact_rate: float, floor: float, half: float, power: float) -> float:
    """Chance one attempt reaches and engages a buyer ``hours`` after they raised their hand.

    A hot component decays as a power law, ``(1 + h/half)^-power`` (fitted to 60x lower odds at
    24 h than at 1 h, Oldroyd et al. 2011), above a floor of buyers who stay reachable.
    """
    hot = (1.0 + max(hours, 0.0) / half) ** -power
    return contact_rate * (floor + (1.0 - floor) * hot)


class Marketer(mesa.Agent):
    """A marketer with a channel specialty, skill and a share of the program budget."""

    def __init__(self, model: OrgModel, channel: str, skill: float) -> None:
        super().__init__(model)
        self.channel = channel
        self.skill = skill
        self.touches = 0

    def step(self) -> None:
        """Run today's campaign in this marketer's channel."""
        self.run_campaign()

    def run_campaign(self) -> None:
        """Spend today's lead-capture budget on touches; learned knowledge sharpens targeting."""
        m = self.model
        cost, effect, precision = CHANNELS[self.channel]
        spend = m.program_budget_day * (1 - m.p.policy.brand_share) / len(m.marketers)
        n = int(m.rng.poisson(spend / (m.p.marketing.cost_per_touch * cost)))
        m.program_spend += spend
        per_touch = m.p.marketing.touch_engagement * effect * self.skill * m.skill_factor
        per_touch *= m.campaign_time_factor
        targeting = precision * m.marketing_knowledge
        m.market.touch(n, per_touch, targeting, m.p.policy.message_alignment)
        self.touches += n


class Salesperson(mesa.Agent):
    """A quota carrier with hours, a lead queue, a follow-up cadence, habits and trust."""

    def __init__(self, model: OrgModel, skill: float, trust: float) -> None:
        super().__init__(model)
        self.skill = skill
        self.trust = trust
        self.queue: list[WorkedLead] = []
        self.deals: list[Opportunity] = []
        self.hours_left = 0.0
        self.clock = 0.0

    # -- the day -----------------------------------------------------------------------------
    def step(self) -> None:
        """Work the day: leads and deals in the habit's order, then prospecting."""
        m = self.model
        self.hours_left = m.sales_hours_today()
        self.clock = m.day * 24.0 + WORKDAY_START
        if m.p.sales.prioritisation == "sla":
            self.work_leads()
            self.work_deals()
        else:  # own pipeline first (more of it the less they trust marketing), then leads
            self.work_deals()
            self.prospect_outbound(m.p.sales.outbound_max_share * (1 - self.trust))
            self.work_leads()
        self.prospect_outbound(1.0)  # the rest of the day goes to prospecting
        self.close_deals()
        self.drop_expired_leads()
        self.lose_trust_to_tension()

    def receive(self, lead: WorkedLead) -> None:
        """Take a lead into the queue, deciding whether to work it at all (the black hole)."""
        m = self.model
        if lead.source == 0:
            floor = m.p.sales.follow_up_floor
            duty = m.p.policy.follow_up_duty
            backlog = sum(1 for w in self.queue if not (w.closed or w.ignored or w.accepted))
            load = 1.0 / (1.0 + backlog / m.p.sales.queue_tolerance)  # volume lowers follow-up
            work = duty + (1 - duty) * (floor + (1 - floor) * self.trust) * load
            lead.ignored = m.random.random() >= work
        if m.p.sla.enabled:  # reps work to the SLA deadline
            deadline = working_deadline(lead.visible_hour, m.p.sla.response_hours, m.p.sales.hours_per_day)
            lead.next_day = max(lead.arrival_day, int(deadline // 24))
        self.queue.append(lead)

    # -- leads -------------------------------------------------------------------------------
    def _priority(self, lead: WorkedLead) -> float:
        if self.model.p.sales.prioritisation == "sla":
            return lead.visible_hour  # first in, first out against the SLA clock
        # gut feel: best-looking first; on individual commission, the bigger account first
        m = self.model
        size = float(m.market.deal_size[lead.prospect]) / m.p.market.deal_size
        return -(lead.perceived + 0.2 * (1 - m.p.policy.shared_goal) * math.log(size))

    def work_leads(self) -> None:
        """Attempt due leads in priority order among those visible, as the day's hours allow."""
        m = self.model
        day_end = m.day * 24.0 + WORKDAY_START + m.p.sales.hours_per_day
        pending = [
            w
            for w in self.queue
            if not w.closed and not w.ignored and w.next_day <= m.day and w.visible_hour < day_end
        ]
        pending.sort(key=self._priority)
        while pending and self.hours_left > 0:
            ready = next((w for w in pending if w.visible_hour <= self.clock), None)
            if ready is None:
                self.clock = min(w.visible_hour for w in pending)
                continue
            pending.remove(ready)
            if self.clock >= day_end:
                break
            spent = self.work(ready)
            self.clock += spent
            self.hours_left -= spent

    def work(self, lead: WorkedLead) -> float:
        """One touch on a lead: review, contact attempt, conversation. Returns hours spent."""
        m = self.model
        hours = 0.0
        if not lead.accepted:
            m.record_response(lead, self.clock)
            hours += REVIEW_HOURS
            if self.rejects(lead):
                m.reject_lead(lead, self)
                return hours
            lead.accepted = True
            m.ledger.move(lead.lead, LeadState.SAL)
        if not lead.reached:
            hours += m.p.sales.attempt_hours
            lead.attempts += 1
            s = m.p.sales
            p = contact_probability(
                self.clock - lead.mql_hour,
                s.contact_rate,
                s.response_floor,
                s.response_half_hours,
                s.response_decay_exponent,
            )
            if m.random.random() < p:
                lead.reached = True
            elif lead.attempts >= m.max_attempts:
                m.return_to_marketing(lead, LeakCause.TOO_LATE)
                return hours
            else:
                lead.next_day = m.day + max(1, round(s.attempt_spacing_days))
                return hours
        hours += m.p.sales.conversation_hours
        m.qualify(lead, self)
        return hours

    def rejects(self, lead: WorkedLead) -> bool:
        """Reject a marketing lead that looks weak; the less trust, the higher the bar."""
        if lead.source != 0:
            return False
        m = self.model
        bar = m.p.sales.fit_min + 0.25 * (1 - self.trust) * (1 - m.p.policy.follow_up_duty)
        return lead.perceived < bar

    def learn(self, outcome: float) -> None:
        """Trust follows experience of marketing's leads (1: a real buyer, 0: junk)."""
        self.trust += self.model.p.sales.trust_rate * (outcome - self.trust)

    def lose_trust_to_tension(self) -> None:
        """Tension between the teams wears trust down."""
        m = self.model
        self.trust = max(0.0, self.trust - m.p.friction.trust_erosion * m.friction.level)

    def drop_expired_leads(self) -> None:
        """Leads never touched within the expiry window drop out of the queue."""
        m = self.model
        limit = m.p.sales.lead_expiry_days
        keep: list[WorkedLead] = []
        for w in self.queue:
            if w.closed:
                continue
            if not w.accepted and m.day - w.arrival_day >= limit:
                cause = LeakCause.NEVER_FOLLOWED_UP if w.ignored else LeakCause.QUEUE_EXPIRED
                m.friction.event("unworked_lead", m.p.policy.escalation)
                m.return_to_marketing(w, cause)
            else:
                keep.append(w)
        self.queue = keep

    # -- deals -------------------------------------------------------------------------------
    def work_deals(self) -> None:
        """Give each open deal today's share of the selling time it needs."""
        need_total = sum(d.daily_hours for d in self.deals)
        if need_total <= 0:
            return
        give = min(need_total, max(0.0, self.hours_left))
        share = give / need_total
        for d in self.deals:
            d.hours_given += share * d.daily_hours
        self.hours_left -= give
        self.clock += give

    def close_deals(self) -> None:
        """Deals that reach their decision day are won or lost."""
        m = self.model
        still: list[Opportunity] = []
        for d in self.deals:
            if d.close_day <= m.day:
                m.decide(d, self)
            else:
                still.append(d)
        self.deals = still

    def prospect_outbound(self, share: float) -> None:
        """Cold-call for ``share`` of the hours left today."""
        m = self.model
        hours = max(0.0, self.hours_left) * share
        if hours <= 0:
            return
        self.hours_left -= hours
        for lead in m.cold_leads(hours):
            lead.reached = True
            self.hours_left -= m.p.sales.conversation_hours
            m.qualify(lead, self)


class Head(mesa.Agent):
    """A department head: sets budgets and targets each quarter.

    With two heads, the budget is negotiated and disputed; with one head, the head's bias moves
    money between long-term demand (marketing programs) and short-term sales (outbound).
    """

    def __init__(self, model: OrgModel, department: str) -> None:
        super().__init__(model)
        self.department = department

    def plan_quarter(self) -> None:
        """Set the quarter's budgets; only the first head runs planning."""
        m = self.model
        pol = m.p.policy
        if pol.heads == 1:
            shift = pol.head_bias * pol.max_budget_shift
        else:
            # the sales head argues for outbound when reps distrust marketing's leads
            trust = sum(s.trust for s in m.salespeople) / max(1, len(m.salespeople))
            shift = (0.5 - trust) * 2 * pol.max_budget_shift * (1 - pol.joint_planning)
            shift = max(-pol.max_budget_shift, min(pol.max_budget_shift, shift))
            if m.random.random() < 1 - pol.joint_planning:
                m.friction.event("budget_dispute", pol.escalation * (1 + m.friction.level))
        m.set_budgets(shift)
