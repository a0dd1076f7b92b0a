"""The people: marketers, salespeople and department heads, as Mesa agents.

Each agent makes its own decisions: a marketer runs campaigns; a salesperson takes leads,
decides which to work and in what order, attempts contact, qualifies, rejects or returns leads,
sells deals and prospects outbound; a head sets budgets and argues over them. Agents decide and
ask: the model (``model.py``) and its sales desk (``desk.py``) keep the books, the SLA
(``sla.py``) its clock.

Speed to lead follows Oldroyd et al. (2007, 2011) [oldroyd2007]: the first attempt's chance to
reach a buyer decays within minutes (they leave their desk), and the chance to qualify a reached
buyer decays over hours (their hot intent cools). The lead black hole and its drivers (trust in
lead quality, managerial tracking, volume) follow Sabnis et al. (2013) [sabnis2013].
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING

import mesa
import numpy as np

from orgsim.model.calendar import WEEK_DAYS, opening_hour
from orgsim.model.friction import FrictionSource
from orgsim.model.lifecycle import LeadSource, LeakCause, Opportunity, WorkedLead
from orgsim.model.luck import Draw
from orgsim.model.organisation import REVIEW_HOURS

if TYPE_CHECKING:

    from orgsim.model.model import OrgModel
    from orgsim.params import Sales

# channel: (relative cost per touch, relative engagement per touch, targeting precision)
CHANNELS: dict[str, tuple[float, float, float]] = {
    "content": (0.6, 0.7, 0.5),
    "email": (0.3, 0.4, 1.0),
    "events": (3.0, 3.5, 1.5),
    "paid": (1.0, 1.0, 0.8),
}


def contact_probability(hours: float, sales: Sales, impulse: bool = False) -> float:
    """Chance one attempt reaches a buyer ``hours`` after they raised their hand.

    A hot part (the buyer is still at their desk) falls steeply around ``contact_half_minutes``
    (a Hill curve), above a floor of buyers who stay reachable (``contact_floor``): Oldroyd et
    al. 2007 [oldroyd2007; oldroyd2011]; the fit and its tensions are in docs/calibration. An impulse inquirer
    (``sales.impulse_share``) has no floor: once away from their desk they do not pick up.
    """
    hot = 1.0 / (1.0 + (max(hours, 0.0) * 60.0 / sales.contact_half_minutes) ** sales.contact_decay_exponent)
    floor = 0.0 if impulse else sales.contact_floor
    return sales.contact_rate * (floor + (1.0 - floor) * hot)


def intent_warmth(hours: float, sales: Sales, impulse: bool = False) -> float:
    """How much of a buyer's hot intent is left ``hours`` after they raised their hand (0..1].

    ``(1 + h/half)^-power`` above a floor: the qualification chance of a reached buyer cools over
    hours (HBR 2011: 7x first vs second hour; 60x 1 h vs 24 h+ [oldroyd2011]). A project buyer is
    also taken by a competitor who answers first (``sales.competitor_first_rate`` per calendar
    day); an impulse inquirer's interest fades within the hour (``sales.impulse_interest_minutes``).
    """
    hours = max(hours, 0.0)
    if impulse:
        return math.exp(-hours * 60.0 / sales.impulse_interest_minutes)
    hot = (1.0 + hours / sales.intent_half_hours) ** -sales.intent_decay_exponent
    still_ours = math.exp(-sales.competitor_first_rate * hours / 24.0)
    return (sales.intent_floor + (1.0 - sales.intent_floor) * hot) * still_ours


RANK = operator.attrgetter("rank")  # a lead's place in a rep's order, once computed


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
        sc = m.params
        cost, effect, precision = CHANNELS[self.channel]
        spend = m.program_budget_day * (1 - sc.policy.brand_share) / len(m.marketers)
        m.spend_on_programs(spend)
        n = int(m.rng.poisson(spend / (sc.marketing.cost_per_touch * cost)))
        per_touch = sc.marketing.touch_engagement * effect * self.skill * m.org.skill_factor
        per_touch *= m.org.campaign_time_factor
        targeting = precision * m.marketing.knowledge
        m.market.touch(n, per_touch, targeting, sc.policy.message_alignment)
        self.touches += n


class Salesperson(mesa.Agent):
    """A quota carrier with hours, a lead queue, a follow-up cadence, habits and trust."""

    def __init__(self, model: OrgModel, skill: float, trust: float) -> None:
        super().__init__(model)
        self.skill = skill
        self._trust = trust
        self.place = 0  # this rep's place in the team (the model numbers its reps)
        self.queue: list[WorkedLead] = []
        self.backlog = 0  # leads in the queue this rep means to work but has not yet accepted
        self.oldest = math.inf  # no unaccepted lead in the queue arrived before this day
        self.next_due = 0.0  # no lead in the queue is due for an attempt before this day
        self.closed_in_queue = 0  # leads closed since the queue was last swept (kept by the leads)
        self.deals: list[Opportunity] = []
        self.hours_left = 0.0
        self.clock = 0.0

    # -- the day (the team's day, ``OrgModel.run_sales``, calls these in turn) -------------------
    def start_day(self) -> None:
        """Start the day: take unowned leads; by the SLA's clock work leads, then deals; else deals.

        By gut feel a rep puts its own pipeline first, prospects for :attr:`outbound_share` of
        the hours, then works leads (``OrgModel.run_sales``: the team prospects together).
        """
        m = self.model
        self.hours_left = m.org.sales_hours_today()
        self.clock = opening_hour(m.day)
        self.take_from_inbox()
        if m.sla.by_the_clock:
            self.work_leads()
        self.work_deals()

    @property
    def outbound_share(self) -> float:
        """Share of the hours left a rep working by gut feel prospects before its leads (less trust, more)."""
        return self.model.params.sales.outbound_max_share * (1 - self.trust)

    def end_day(self) -> None:
        """End the day: deals due are decided, untouched leads expire, tension wears trust down."""
        self.close_deals()
        self.drop_expired_leads()
        self.lose_trust_to_tension()

    @property
    def trust(self) -> float:
        """Trust in marketing's leads, 0..1."""
        return self._trust

    @trust.setter
    def trust(self, value: float) -> None:
        if value != self._trust:
            self._trust = value
            self.model.trust_changed(self)  # the team's mean trust is recounted when next read

    @property
    def willingness(self) -> float:
        """Chance this rep means to work a marketing lead: tracking (follow-up duty) and trust.

        Sabnis et al. 2013 [sabnis2013]: follow-up rises with lead quality and managerial tracking.
        """
        m = self.model
        duty = m.params.policy.follow_up_duty
        floor = m.params.sales.follow_up_floor
        return duty + (1 - duty) * (floor + (1 - floor) * self.trust)

    def receive(self, lead: WorkedLead, chosen: bool = False, ignore_draw: float | None = None) -> None:
        """Take a lead into the queue, deciding whether to work it at all (the black hole).

        A lead the rep chose from the shared inbox is worked; an assigned one is worked with the
        rep's willingness, lowered by the backlog (Sabnis: follow-up falls with volume).
        ``ignore_draw`` is the lead's ``Draw.IGNORED`` chance if the caller drew it already.
        """
        m = self.model
        s = m.params.sales
        if lead.source == LeadSource.MARKETING and not chosen:
            load = 1.0 / (1.0 + self.backlog / s.queue_tolerance)
            if ignore_draw is None:
                ignore_draw = m.chance(lead.lead, Draw.IGNORED)
            lead.ignored = ignore_draw >= self.willingness * load
        m.sla.schedule(lead)  # under an SLA, by the lead's deadline
        self.queue.append(lead)
        self.oldest = min(self.oldest, lead.arrival_day)
        if not lead.ignored:
            self.next_due = min(self.next_due, lead.next_day)
        lead.owner = self
        if lead.waiting:
            self.backlog += 1

    def take_from_inbox(self) -> None:
        """Pull unowned leads from the shared inbox, best-looking first, while willing and with room.

        Under the SLA's order the oldest come first and none is passed over; by gut feel, a rep
        passes over leads that look below the bar they would reject at.
        """
        m = self.model
        desk = m.desk
        if not desk.inbox:
            return
        room = int(m.params.sales.queue_tolerance * self.willingness) - self.backlog
        if room <= 0:
            return
        bar = None if m.sla.by_the_clock else self.rejection_bar
        for lead in desk.view(self._priority).take(room, bar):
            desk.take_from_inbox(lead)
            self.receive(lead, chosen=True)

    # -- leads -------------------------------------------------------------------------------
    def _priority(self, lead: WorkedLead) -> float:
        rank = lead.rank
        if rank is not None:  # a lead's priority never changes: computed once
            return rank
        m = self.model
        if m.sla.by_the_clock:
            rank = lead.visible_hour  # first in, first out against the SLA clock
        else:  # gut feel: best-looking first; on individual commission, the bigger account first
            size = m.market.deal_size.item(lead.prospect) / m.params.market.deal_size
            rank = -(lead.perceived + 0.2 * (1 - m.params.policy.shared_goal) * math.log(size))
        lead.rank = rank
        return rank

    def work_leads(self) -> None:
        """Attempt due leads in priority order among those visible, as the day's hours allow."""
        m = self.model
        if m.day < self.next_due:  # nothing is due yet: no need to look through the queue
            return
        due = [w for w in self.queue if not w.closed and not w.ignored and w.next_day <= m.day]
        if not due:
            waiting = (w.next_day for w in self.queue if not w.closed and not w.ignored)
            self.next_due = min(waiting, default=math.inf)
            return
        self.next_due = m.day  # some are due: look again tomorrow (leads left over, tried again later)
        if self.hours_left <= 0:
            return
        day_end = opening_hour(m.day) + m.params.sales.hours_per_day
        pending = [w for w in due if w.visible_hour < day_end]
        for w in pending:
            if w.rank is None:
                self._priority(w)  # (computed once, kept on the lead)
        pending.sort(key=RANK)
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
        s = m.params.sales
        hours = 0.0
        if not lead.accepted:
            m.sla.first_touch(lead, self.clock)
            hours += REVIEW_HOURS
            if self.rejects(lead):
                self.reject(lead)
                return hours
            if lead.waiting:
                self.backlog -= 1
            m.desk.accept(lead)
        if not lead.reached:
            hours += s.attempt_hours
            lead.attempts += 1
            luck = m.chance(lead.lead, Draw.CONTACT, lead.attempts)
            impulse = m.impulse(lead)
            reached = luck < contact_probability(self.clock - lead.mql_hour, s, impulse)
            m.desk.record_attempt(lead, reached)
            if not reached:
                if lead.attempts >= m.sla.attempts:
                    m.desk.return_to_marketing([lead], LeakCause.TOO_LATE)
                else:
                    lead.next_day = m.day + max(1, round(s.attempt_spacing_days))
                return hours
        hours += s.conversation_hours
        self.qualify(lead)
        return hours

    def rejects(self, lead: WorkedLead) -> bool:
        """Reject a marketing lead that looks weak; the less trust, the higher the bar.

        Tracking makes reps work their leads, not accept junk: an SLA too lets sales reject
        with a reason code [sla_practice].
        """
        if lead.source != LeadSource.MARKETING:
            return False
        return lead.perceived < self.rejection_bar

    @property
    def rejection_bar(self) -> float:
        """Gut-feel quality below which this rep rejects a marketing lead."""
        return self.model.params.sales.fit_min + 0.25 * (1 - self.trust)

    def reject(self, lead: WorkedLead) -> None:
        """Reject an MQL as junk: marketing resents it, learns from it, and the lead goes back."""
        m = self.model
        m.raise_tension(FrictionSource.REJECTED_LEAD)
        m.marketing.learn()
        m.desk.return_to_marketing([lead], LeakCause.WRONGLY_REJECTED)

    def qualify(self, lead: WorkedLead) -> bool:
        """A conversation: qualify (SQL, maybe an opportunity) or return the lead. True if SQL.

        A fitting in-market buyer qualifies with a chance from skill, consistent messages and how
        warm their intent still is; a cold-called buyer never raised a hand and starts cooled.
        """
        m = self.model
        s = m.params.sales
        mk = m.market
        pro = lead.prospect
        mk.hear_sales(pro, m.params.policy.message_alignment)
        real = bool(mk.in_market.item(pro) and mk.fit.item(pro) >= m.fit_bar)
        if lead.source == LeadSource.MARKETING:
            self.learn(1.0 if real else 0.0)
            m.marketing.learn()
            warmth = intent_warmth(self.clock - lead.mql_hour, s, m.impulse(lead))
        else:
            warmth = s.intent_floor
        chance = s.qualify_rate * self.skill * m.org.skill_factor * m.perception_factor(pro) * warmth
        if not real or m.chance(lead.lead, Draw.QUALIFIED) >= min(0.95, chance):
            m.desk.return_to_marketing([lead], LeakCause.NEVER_RECYCLED)
            return False
        m.desk.qualify(lead)
        p_opp = s.opportunity_rate * (0.5 + mk.fit.item(pro))
        if m.chance(lead.lead, Draw.EVALUATES) >= min(0.95, p_opp):  # the buyer declines to evaluate us
            m.desk.decline(lead)
            return True
        self.open_opportunity(lead)
        return True

    def open_opportunity(self, lead: WorkedLead) -> None:
        """The buyer evaluates us: a deal with a decision day and the selling time it needs."""
        m = self.model
        m.desk.open_opportunity(lead)
        s = m.params.sales
        z = m.normal_chance(lead.lead, Draw.CYCLE)
        cycle = max(1, round(math.exp(math.log(m.params.market.sales_cycle_days) - 0.125 + 0.5 * z)))
        self.deals.append(
            Opportunity(
                lead=lead.lead,
                prospect=lead.prospect,
                value=m.market.deal_size.item(lead.prospect),
                close_day=m.day + cycle,
                daily_hours=s.opportunity_hours_per_week / WEEK_DAYS,
                hours_needed=s.opportunity_hours_per_week / WEEK_DAYS * cycle,
                marketing_sourced=lead.source == LeadSource.MARKETING,
            )
        )

    def learn(self, outcome: float) -> None:
        """Trust follows experience of marketing's leads (1: a real buyer, 0: junk)."""
        self.trust += self.model.params.sales.trust_rate * (outcome - self.trust)

    def lose_trust_to_tension(self) -> None:
        """Tension between the teams wears trust down."""
        m = self.model
        self.trust = max(0.0, self.trust - m.params.friction.trust_erosion * m.friction.level)

    def drop_expired_leads(self) -> None:
        """Leads never touched within the expiry window drop out of the queue."""
        m = self.model
        limit = m.params.sales.lead_expiry_days
        if m.day - self.oldest < limit:  # none can have expired: only drop the closed, if any
            if self.closed_in_queue:
                self.queue = [w for w in self.queue if not w.closed]
                self.closed_in_queue = 0
            return
        keep: list[WorkedLead] = []
        expired: list[WorkedLead] = []
        oldest = math.inf
        for w in self.queue:
            if w.closed:
                continue
            if not w.accepted and m.day - w.arrival_day >= limit:
                expired.append(w)
            else:
                keep.append(w)
                if not w.accepted and w.arrival_day < oldest:
                    oldest = w.arrival_day
        for _ in expired:  # marketing blames sales for each (the heat may rise event by event)
            m.raise_tension(FrictionSource.UNWORKED_LEAD)
        causes = [LeakCause.NEVER_FOLLOWED_UP if w.ignored else LeakCause.QUEUE_EXPIRED for w in expired]
        m.desk.return_to_marketing(expired, causes)
        self.queue = keep
        self.closed_in_queue = 0
        self.oldest = oldest

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
                self.decide(d)
            else:
                still.append(d)
        self.deals = still

    def decide(self, deal: Opportunity) -> None:
        """The buyer decides: win chance from skill, attention given, fit and perception."""
        m = self.model
        s = m.params.sales
        coverage = min(1.0, deal.hours_given / deal.hours_needed) if deal.hours_needed else 1.0
        fit = m.market.fit.item(deal.prospect)
        p = s.win_rate * self.skill * m.org.skill_factor * m.org.effort
        p *= (0.4 + 0.6 * coverage) * (0.6 + fit) * m.perception_factor(deal.prospect)
        m.market.close_windows(np.array([deal.prospect]))
        if m.chance(deal.lead, Draw.WON) < min(0.95, p):
            m.book_win(deal)
        else:
            m.book_loss(deal)

    def prospecting_hours(self, share: float) -> float:
        """The hours this rep gives to cold calls now: ``share`` of the hours left today."""
        return max(0.0, self.hours_left) * share

    def talk_to_reached(self, reached: list[WorkedLead], spent: float) -> None:
        """After cold-calling for ``spent`` hours: each reached buyer gets a qualifying conversation."""
        self.hours_left -= spent  # dials and conversations; the last call may run over
        for lead in reached:
            lead.reached = True
            self.qualify(lead)


class Head(mesa.Agent):
    """A department head: sets budgets and targets each quarter.

    With two heads, the sales head argues for outbound when reps distrust marketing's leads, and
    the gap to marketing's plan is a budget dispute (damped by joint planning); with one head
    over both, the head's bias moves money between long-term demand (marketing programs) and
    short-term sales (outbound), and nobody disputes it.
    """

    def __init__(self, model: OrgModel, department: str) -> None:
        super().__init__(model)
        self.department = department

    def plan_quarter(self) -> None:
        """Set the quarter's budgets (the first head convenes planning)."""
        m = self.model
        pol = m.params.policy
        if pol.heads == 1:
            shift = pol.head_bias * pol.max_budget_shift
        else:
            wanted = self.model.heads[1].outbound_wanted()  # the sales head's ask
            shift = wanted * (1 - pol.joint_planning)  # joint planning meets in the middle
            gap = abs(wanted) / pol.max_budget_shift if pol.max_budget_shift > 0 else 0.0
            if gap > 0:
                m.raise_tension(FrictionSource.BUDGET_DISPUTE, gap, 1 - pol.joint_planning)
        m.set_budgets(shift)

    def outbound_wanted(self) -> float:
        """The sales head's ask: move program money to outbound the less reps trust the leads."""
        m = self.model
        pol = m.params.policy
        trust = sum(s.trust for s in m.salespeople) / max(1, len(m.salespeople))
        return max(-pol.max_budget_shift, min(pol.max_budget_shift, (0.5 - trust) * 2 * pol.max_budget_shift))
