"""The orgsim model: one step is one business day of a B2B company's demand waterfall.

Setup builds the market, the teams and the heads from a :class:`~orgsim.scenario.Scenario`.
Each day: buying windows open and close, heads plan at quarter starts, marketers run campaigns,
prospects inquire, marketing scores and hands off MQLs across the org boundary, salespeople
work their queues and deals, and tension between the teams decays. The org structure enters
only through policy parameters (``policy.*``, ``sla.*``), never through a structure switch.
"""

from __future__ import annotations

import mesa
import numpy as np

from orgsim.model.agents import CHANNELS, Head, Marketer, Salesperson, working_hours_between
from orgsim.model.friction import Friction
from orgsim.model.lifecycle import LeadState, LeakCause, Ledger, Opportunity, WorkedLead
from orgsim.model.market import Market
from orgsim.scenario import Scenario

QUARTER_DAYS = 63
MONTH_DAYS = 21
YEAR_DAYS = 250
WORKDAY_HOURS = 8.0
ENGAGEMENT_HALF_SCORE = 1.0  # engagement at which the activity part of the score is 0.5


class OrgModel(mesa.Model):
    """Marketers, salespeople and heads working a market under one org structure."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        super().__init__(rng=seed)
        self.p = scenario
        self.seed = seed
        self.day = 0
        p = scenario
        pol = p.policy
        self.market = Market(p.market, p.marketing, self.rng)
        self.ledger = Ledger(p.market.prospects)
        self.friction = Friction(p.friction)

        # structure-derived constants (generalists lose skill and hours; shared goals, effort)
        generalism = 1.0 - pol.specialisation
        self.skill_factor = 1.0 - pol.skill_dilution * generalism
        self.role_switch_hours = pol.role_switch_hours * generalism
        self.effort = 1.0 - pol.free_riding * pol.shared_goal
        self.coordination_hours_day = pol.coordination_hours_per_week / 5.0
        self.max_attempts = p.sla.attempts if p.sla.enabled else p.sales.attempts
        self.stage_value = self._stage_values()

        channels = list(CHANNELS)
        self.marketers = [
            Marketer(self, channels[i % len(channels)], self._skill(p.marketing.skill_mean))
            for i in range(p.marketing.headcount)
        ]
        self.salespeople = [
            Salesperson(self, self._skill(p.sales.skill_mean), p.sales.trust_initial)
            for _ in range(p.sales.headcount)
        ]
        departments = ["marketing", "sales"] if pol.heads == 2 else ["sales and marketing"]
        self.heads = [Head(self, d) for d in departments]

        # marketing's shared scoring model and what it has learned from sales feedback (0..1)
        self.marketing_knowledge = 0.0
        # brand awareness, an index (1 = sustained by marketing.brand_reference_budget a year)
        mk = p.marketing
        self.brand_decay = 0.5 ** (1 / mk.brand_half_life_days)
        self.brand = mk.budget * mk.past_brand_share / mk.brand_reference_budget if self.marketers else 0.0
        self.nurture_ids = np.empty(0, dtype=np.int64)
        self.nurture_noise = np.empty(0, dtype=np.float32)
        self._route = 0
        self.worked: dict[int, WorkedLead] = {}  # leads in salespeople's queues, by lead id
        self.hot_recycled: set[int] = set()  # leads returned to nurture while the buyer was in market

        # money (currency per business day) and running totals
        self.program_budget_day = 0.0
        self.outbound_budget_day = 0.0
        self.program_spend = 0.0
        self.outbound_spend = 0.0
        self.budget_shift = 0.0
        self.revenue = 0.0
        self.won = 0
        self.lost = 0
        self.revenue_target = 0.0
        self.revenue_at_plan = 0.0
        self.mql_quota_month = 0.0
        self.mqls_this_month = 0
        self.response_hours: list[float] = []
        self.sla_breaches = 0
        self.friction_hours_today = 0.0
        self.coordination_hours = 0.0
        self.revenue_by_source = [0.0, 0.0]

        self.datacollector = mesa.DataCollector(
            model_reporters={
                "revenue": "revenue",
                "pipeline_value": "pipeline_value",
                "tension": "tension_level",
                "trust": "mean_trust",
                "open_leads": "open_leads",
                "brand": "brand",
                "mqls": "mqls",
                "leaked": "leaked_leads",
            }
        )

    # -- setup helpers ---------------------------------------------------------------------
    def _skill(self, mean: float) -> float:
        return float(max(0.2, self.rng.normal(mean, 0.15 * mean)))

    def _stage_values(self) -> dict[int, float]:
        """Chance a fitting in-market lead at each open stage would have been won if worked."""
        s = self.p.sales
        win = s.win_rate
        opp = s.opportunity_rate * win
        sql = s.qualify_rate * opp
        contact = min(1.0, s.contact_rate * 2) * sql  # a worked lead gets several attempts
        return {
            LeadState.INQUIRY: contact,
            LeadState.MQL: contact,
            LeadState.SAL: contact,
            LeadState.SQL: opp,
            LeadState.OPPORTUNITY: win,
        }

    # -- the day ---------------------------------------------------------------------------
    def step(self) -> None:
        """One business day."""
        self.market.enter(self.day)
        self.close_buying_windows()
        if self.day % QUARTER_DAYS == 0:
            self.heads[0].plan_quarter()
        if self.day % MONTH_DAYS == MONTH_DAYS - 1:
            self.settle_month()
        self.market.decay_engagement()
        for marketer in self.marketers:
            marketer.step()
        self.build_brand()
        self.take_inquiries()
        self.score_and_hand_off()
        self.run_outbound_team()
        if self.salespeople:
            self.agents_by_type[Salesperson].shuffle_do("step")
        self.friction_hours_today = self.friction.end_day()
        self.coordination_hours += self.coordination_hours_day * (len(self.salespeople) + len(self.marketers))
        self.datacollector.collect(self)
        self.day += 1

    def run(self, days: int | None = None) -> OrgModel:
        """Run for ``days`` business days (default: the scenario's horizon)."""
        for _ in range(self.p.horizon.days if days is None else days):
            self.step()
        return self

    # -- heads and money -------------------------------------------------------------------
    def set_budgets(self, shift: float) -> None:
        """Quarter budgets: ``shift`` > 0 moves program money to sales outbound, < 0 back."""
        base_program = self.p.marketing.budget / YEAR_DAYS
        base_outbound = self.p.sales.outbound_budget / YEAR_DAYS
        if shift >= 0:
            moved = shift * base_program
        else:
            moved = shift * base_outbound
        self.budget_shift = shift
        self.program_budget_day = base_program - moved
        self.outbound_budget_day = base_outbound + moved
        if not self.marketers:
            self.program_budget_day = 0.0
        # targets: grow on last quarter's revenue; an SLA derives marketing's MQL quota from it
        last_quarter = self.revenue - self.revenue_at_plan
        self.revenue_at_plan = self.revenue
        self.revenue_target = max(last_quarter, self.revenue_target) * 1.05
        per_mql = self.p.market.deal_size * self.stage_value[LeadState.MQL] * 0.5
        self.mql_quota_month = self.revenue_target / 3 / per_mql if per_mql > 0 else 0.0

    def settle_month(self) -> None:
        """Monthly: pay commission against annual bonuses (envy), check marketing's SLA quota."""
        pol = self.p.policy
        if pol.shared_goal < 1.0 and self.salespeople and self.marketers:
            mixed = 1.5 if pol.mixed_plans else 1.0
            envy = (1 - pol.shared_goal) * mixed * pol.escalation
            self.friction.event("comp_inequity", envy)
        if self.p.sla.enabled and self.mql_quota_month > 0:
            if self.mqls_this_month < self.mql_quota_month:
                self.friction.event("sla_breach", pol.escalation)
                self.sla_breaches += 1
        self.mqls_this_month = 0

    @property
    def dispute_hours_per_person(self) -> float:
        """Yesterday's friction hours, shared by all staff (hours)."""
        n = len(self.salespeople) + len(self.marketers)
        return self.friction_hours_today / n if n else 0.0

    def sales_hours_today(self) -> float:
        """Hours a salesperson can sell today after meetings, role switching and disputes."""
        dispute = self.dispute_hours_per_person
        hours = self.p.sales.hours_per_day * self.effort
        # generalist marketers lend part of their day to selling
        lent = len(self.marketers) * WORKDAY_HOURS * self.p.policy.generalist_selling
        hours += lent * self.marketing_time_factor / max(1, len(self.salespeople))
        return max(0.0, hours - self.coordination_hours_day - self.role_switch_hours - dispute)

    @property
    def marketing_time_factor(self) -> float:
        """Share of a marketer's day left for campaigns after meetings, switching, disputes."""
        lost = self.coordination_hours_day + self.role_switch_hours + self.dispute_hours_per_person
        return max(0.0, 1.0 - lost / WORKDAY_HOURS)

    @property
    def campaign_time_factor(self) -> float:
        """Share of a marketer's day spent on campaigns (generalists also sell)."""
        return self.marketing_time_factor * (1.0 - self.p.policy.generalist_selling)

    # -- buying windows --------------------------------------------------------------------
    def close_buying_windows(self) -> None:
        """Buyers whose window closes buy from someone; our open leads on them leak."""
        closing = np.unique(self.market.due_exits(self.day))  # a prospect may be listed twice
        bought = self.market.close_windows(closing)
        leads = self.ledger.open_lead[bought]
        for lead in leads[leads >= 0]:
            self.lose_to_competitor(int(lead))
        if self.hot_recycled:
            self.settle_recycled(closing, bought)

    def settle_recycled(self, closing: np.ndarray, bought: np.ndarray) -> None:
        """A buyer returned to nurture in market who bought elsewhere leaked in nurture."""
        bought_set = set(bought.tolist())
        for pro in closing.tolist():
            lead = int(self.ledger.last_lead[pro])
            if lead not in self.hot_recycled:
                continue
            self.hot_recycled.discard(lead)
            if pro in bought_set and self.ledger.state[lead] == LeadState.RECYCLED:
                value = float(self.market.deal_size[pro]) * self.stage_value[LeadState.MQL]
                self.ledger.leak(lead, LeakCause.LOST_IN_NURTURE, value)

    def lose_to_competitor(self, lead: int) -> None:
        """A buyer with an open lead bought elsewhere before we got to them."""
        state = LeadState(self.ledger.state[lead])
        value = float(self.market.deal_size[self.ledger.prospect[lead]]) * self.stage_value[state]
        worked = self.worked.get(lead)
        if state == LeadState.INQUIRY:
            cause = LeakCause.MISSED_BY_SCORING
            self._drop_from_nurture(lead)
        elif worked is not None and worked.ignored:
            cause = LeakCause.NEVER_FOLLOWED_UP
        else:
            cause = LeakCause.TOO_LATE
        if worked is not None:
            worked.closed = True
            del self.worked[lead]
        self.ledger.leak(lead, cause, value)

    # -- marketing: inquiries, scoring, hand-off --------------------------------------------
    def build_brand(self) -> None:
        """Brand spend builds awareness slowly; without it awareness fades over years."""
        mk = self.p.marketing
        spend = self.program_budget_day * self.p.policy.brand_share if self.marketers else 0.0
        self.program_spend += spend
        built = (
            spend / (mk.brand_reference_budget / YEAR_DAYS) * self.skill_factor * self.campaign_time_factor
        )
        self.brand = self.brand * self.brand_decay + (1 - self.brand_decay) * built

    def take_inquiries(self) -> None:
        """Prospects without an open lead raise their hand: new inquiries.

        Engagement from campaigns draws inquiries from everyone; brand draws them from buyers
        who are in market.
        """
        m = self.p.marketing
        eligible = (self.ledger.open_lead < 0) & ~self.market.customer
        who = self.market.inquiries(m.inquiry_rate_in_market, m.inquiry_rate_out_of_market, eligible)
        if self.brand > 0:
            eligible[who] = False
            pulled = np.flatnonzero(self.market.in_market & eligible)
            hit = self.rng.random(pulled.size) < m.inquiry_rate_in_market * m.brand_effect * self.brand
            who = np.sort(np.concatenate([who, pulled[hit]]))
        ids = self.ledger.create(who, self.day, LeadState.INQUIRY, source=0)
        noise = self.rng.normal(0.0, self._scoring_noise(), ids.size).astype(np.float32)
        self.nurture_ids = np.concatenate([self.nurture_ids, ids])
        self.nurture_noise = np.concatenate([self.nurture_noise, noise])

    def _scoring_noise(self) -> float:
        return self.p.marketing.scoring_noise * (1.0 - 0.5 * self.marketing_knowledge)

    def lead_scores(self, ids: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """Marketing's lead score, 0-1 plus noise.

        Fit and intent signals weigh as much as the lead definition is shared and learned;
        the rest is raw activity (engagement).
        """
        pro = self.ledger.prospect[ids]
        q = self.p.policy.lead_definition
        q = q + (1 - q) * 0.5 * self.marketing_knowledge
        signal = 0.6 * self.market.fit[pro] + 0.4 * self.market.in_market[pro]
        eng = self.market.engagement[pro]
        activity = eng / (eng + ENGAGEMENT_HALF_SCORE)
        return q * signal + (1 - q) * activity + noise

    def score_and_hand_off(self) -> None:
        """Inquiries that cross the MQL threshold go to sales; stale ones are closed."""
        ids, noise = self.nurture_ids, self.nurture_noise
        if ids.size == 0:
            return
        live = self.ledger.state[ids] == LeadState.INQUIRY
        ids, noise = ids[live], noise[live]
        threshold = self.p.marketing.mql_threshold - self.p.policy.mql_volume_bias
        mql = self.lead_scores(ids, noise) >= threshold
        stale = ~mql & (self.day - self.ledger.created_day[ids] >= self.p.marketing.nurture_days)
        for lead in ids[stale]:
            self.close_stale_inquiry(int(lead))
        self.nurture_ids, self.nurture_noise = ids[~mql & ~stale], noise[~mql & ~stale]
        promoted = ids[mql]
        self.ledger.move_many(promoted, LeadState.MQL)
        self.mqls_this_month += promoted.size
        for lead in promoted:
            self.hand_off(int(lead))

    def _drop_from_nurture(self, lead: int) -> None:
        keep = self.nurture_ids != lead
        self.nurture_ids, self.nurture_noise = self.nurture_ids[keep], self.nurture_noise[keep]

    def close_stale_inquiry(self, lead: int) -> None:
        """An inquiry nurtured too long without reaching MQL is closed."""
        pro = self.ledger.prospect[lead]
        if self.market.in_market[pro] and self.market.fit[pro] >= self.p.sales.fit_min:
            value = float(self.market.deal_size[pro]) * self.stage_value[LeadState.INQUIRY]
            self.ledger.leak(lead, LeakCause.MISSED_BY_SCORING, value)
        else:
            self.ledger.move(lead, LeadState.DISQUALIFIED)

    def hand_off(self, lead: int) -> None:
        """Pass an MQL across the org boundary: it may be delayed, or lost on the way."""
        pol = self.p.policy
        pro = int(self.ledger.prospect[lead])
        if not self.salespeople or self.random.random() < pol.handoff_loss:
            self._close_unvalued(lead, LeakCause.HANDOFF_LOST)
            return
        mql_hour = self.day * 24.0 + self.random.random() * 24.0
        delay = self.random.expovariate(1.0 / pol.handoff_delay_hours) if pol.handoff_delay_hours > 0 else 0.0
        worked = WorkedLead(
            lead=lead,
            prospect=pro,
            source=0,
            mql_hour=mql_hour,
            visible_hour=mql_hour + delay,
            arrival_day=self.day,
            perceived=float(self.market.fit[pro]) + self.random.gauss(0.0, 0.1),
        )
        self.worked[lead] = worked
        self.assign(worked)

    def assign(self, lead: WorkedLead) -> None:
        """Route a lead to a salesperson (round robin, the 'fairness' rule)."""
        rep = self.salespeople[self._route % len(self.salespeople)]
        self._route += 1
        rep.receive(lead)

    # -- sales outcomes ----------------------------------------------------------------------
    def _close_unvalued(self, lead: int, cause: LeakCause) -> None:
        """Close a lead: leaked with ``cause`` if the buyer was in market and fitting."""
        pro = self.ledger.prospect[lead]
        if self.market.in_market[pro] and self.market.fit[pro] >= self.p.sales.fit_min:
            state = LeadState(self.ledger.state[lead])
            value = float(self.market.deal_size[pro]) * self.stage_value[state]
            self.ledger.leak(lead, cause, value)
        else:
            self.ledger.move(lead, LeadState.DISQUALIFIED)

    def return_to_marketing(self, lead: WorkedLead, cause: LeakCause) -> None:
        """Sales gives a lead back: recycled to nurture if the process does that, else closed."""
        lead.closed = True
        self.worked.pop(lead.lead, None)
        if self.random.random() < self.p.policy.recycling:
            self.ledger.move(lead.lead, LeadState.RECYCLED)
            if (
                self.market.in_market[lead.prospect]
                and self.market.fit[lead.prospect] >= self.p.sales.fit_min
            ):
                self.hot_recycled.add(lead.lead)
        else:
            self._close_unvalued(lead.lead, cause)

    def record_response(self, lead: WorkedLead, hour: float) -> None:
        """First touch: log the speed to lead and check it against the SLA."""
        lead.first_attempt_hour = hour
        response = hour - lead.mql_hour
        if lead.source == 0:
            self.response_hours.append(response)
            sla = self.p.sla
            if sla.enabled and sla.response_hours < working_hours_between(
                lead.mql_hour, hour, self.p.sales.hours_per_day
            ):
                self.sla_breaches += 1
                self.friction.event("sla_breach", self.p.policy.escalation)

    def feedback(self) -> None:
        """A sales outcome on a marketing lead reaches marketing, or not; if it does, they learn.

        Confirmations and rejections alike improve the scoring model and targeting.
        """
        reach = self.p.policy.feedback * (1.0 - 0.5 * self.friction.level)
        if self.random.random() < reach:
            rate = self.p.marketing.learning_rate
            self.marketing_knowledge += rate * (1.0 - self.marketing_knowledge)

    def reject_lead(self, lead: WorkedLead, rep: Salesperson) -> None:
        """Sales rejects an MQL as junk: tension, feedback, and the lead goes back."""
        self.friction.event("rejected_lead", self.p.policy.escalation)
        self.feedback()
        self.return_to_marketing(lead, LeakCause.WRONGLY_REJECTED)

    def perception_factor(self, prospect: int) -> float:
        """How consistent messages the buyer heard change conversion (1.0 at neutral)."""
        return 0.9 + 0.2 * float(self.market.perception[prospect])

    def qualify(self, lead: WorkedLead, rep: Salesperson) -> None:
        """A conversation: qualify (SQL, maybe opportunity), stall (recycle) or disqualify."""
        pro = lead.prospect
        s = self.p.sales
        mk = self.market
        align = self.p.policy.message_alignment
        mk.perception[pro] += np.float32(0.3) * (np.float32(align) - mk.perception[pro])
        fitting = mk.fit[pro] >= s.fit_min
        if lead.source == 0:
            rep.learn(1.0 if mk.in_market[pro] and fitting else 0.0)
            self.feedback()
        if not (mk.in_market[pro] and fitting):
            self.return_to_marketing(lead, LeakCause.NEVER_RECYCLED)
            return
        skill = rep.skill * self.skill_factor
        if self.random.random() >= min(0.95, s.qualify_rate * skill * self.perception_factor(pro)):
            self.return_to_marketing(lead, LeakCause.NEVER_RECYCLED)
            return
        self.ledger.move(lead.lead, LeadState.SQL)
        p_opp = s.opportunity_rate * (0.5 + float(mk.fit[pro]))
        if self.random.random() >= min(0.95, p_opp):  # the buyer declines to evaluate us
            lead.closed = True
            self.worked.pop(lead.lead, None)
            self.ledger.move(lead.lead, LeadState.LOST)
            return
        self.open_opportunity(lead, rep)

    def open_opportunity(self, lead: WorkedLead, rep: Salesperson) -> None:
        """The buyer evaluates us: a deal with a decision day and selling time it needs."""
        lead.closed = True
        self.worked.pop(lead.lead, None)
        self.ledger.move(lead.lead, LeadState.OPPORTUNITY)
        s = self.p.sales
        cycle = max(1, round(self.random.lognormvariate(np.log(self.p.market.sales_cycle_days) - 0.125, 0.5)))
        self.market.hold_window(lead.prospect)
        rep.deals.append(
            Opportunity(
                lead=lead.lead,
                prospect=lead.prospect,
                value=float(self.market.deal_size[lead.prospect]),
                close_day=self.day + cycle,
                daily_hours=s.opportunity_hours_per_week / 5.0,
                hours_needed=s.opportunity_hours_per_week / 5.0 * cycle,
                marketing_sourced=lead.source == 0,
            )
        )

    def decide(self, deal: Opportunity, rep: Salesperson) -> None:
        """The buyer decides: win chance from skill, attention given, fit and perception."""
        s = self.p.sales
        coverage = min(1.0, deal.hours_given / deal.hours_needed) if deal.hours_needed else 1.0
        fit = float(self.market.fit[deal.prospect])
        p = s.win_rate * rep.skill * self.skill_factor * self.effort
        p *= (0.4 + 0.6 * coverage) * (0.6 + fit) * self.perception_factor(deal.prospect)
        self.market.close_windows(np.array([deal.prospect]))
        if self.random.random() < min(0.95, p):
            self.ledger.move(deal.lead, LeadState.WON)
            self.market.customer[deal.prospect] = True
            self.revenue += deal.value
            self.won += 1
            self.revenue_by_source[0 if deal.marketing_sourced else 1] += deal.value
            pol = self.p.policy
            if deal.marketing_sourced and self.random.random() < 0.5 * (1 - pol.shared_goal):
                self.friction.event("credit_dispute", pol.escalation)
        else:
            self.ledger.move(deal.lead, LeadState.LOST)
            self.lost += 1

    # -- outbound --------------------------------------------------------------------------
    def cold_leads(self, hours: float) -> list[WorkedLead]:
        """Cold calls for ``hours``: reached, fitting, in-market buyers become sales leads."""
        s = self.p.sales
        dials = int(hours * s.dials_per_hour)
        connects = int(self.rng.binomial(dials, s.cold_connect_rate)) if dials else 0
        if connects == 0:
            return []
        mk = self.market
        open_lead = self.ledger.open_lead
        # a handful of connects: plain Python beats numpy's per-call overhead here
        reached = sorted(
            {
                p
                for p in self.rng.integers(0, mk.n, connects).tolist()
                if mk.in_market[p] and mk.fit[p] >= s.fit_min and not mk.customer[p] and open_lead[p] < 0
            }
        )
        if not reached:
            return []
        pro = np.array(reached, dtype=np.int64)
        ids = self.ledger.create(pro, self.day, LeadState.SAL, source=1)
        hour = self.day * 24.0 + 9.0
        out = []
        for lead, p in zip(ids.tolist(), pro.tolist(), strict=True):
            w = WorkedLead(lead, p, 1, hour, hour, self.day, float(mk.fit[p]), accepted=True)
            self.worked[lead] = w
            out.append(w)
        return out

    def run_outbound_team(self) -> None:
        """Outbound budget buys contracted calling time; its meetings go to the reps' queues."""
        if not self.salespeople or self.outbound_budget_day <= 0:
            return
        self.outbound_spend += self.outbound_budget_day
        hours = self.outbound_budget_day / self.p.costs.hourly_rate
        for lead in self.cold_leads(hours):
            lead.reached = True
            self.assign(lead)

    # -- measures ----------------------------------------------------------------------------
    @property
    def pipeline_value(self) -> float:
        """Value of open opportunities (currency)."""
        return float(sum(d.value for rep in self.salespeople for d in rep.deals))

    @property
    def tension_level(self) -> float:
        """Tension between the teams, 0..1."""
        return self.friction.level

    @property
    def mean_trust(self) -> float:
        """Salespeople's mean trust in marketing's leads, 0..1."""
        return sum(r.trust for r in self.salespeople) / len(self.salespeople) if self.salespeople else 0.0

    @property
    def open_leads(self) -> int:
        """Leads in an open state."""
        c = self.ledger.counts
        return int(c[: LeadState.OPPORTUNITY + 1].sum())

    @property
    def mqls(self) -> int:
        """Marketing leads that ever reached MQL."""
        return int(self.ledger.reached[0, LeadState.MQL])

    @property
    def leaked_leads(self) -> int:
        """Leads leaked so far."""
        return int(self.ledger.counts[LeadState.LEAKED])
