"""The orgsim model: one step is one business day of a B2B company's demand waterfall.

Setup builds the market, the teams and the heads from a :class:`~orgsim.scenario.Scenario`.
Each day: buying windows open and close, heads plan at quarter starts, marketers run campaigns,
marketing turns engagement into inquiries, scores its nurture pool and hands MQLs to sales,
salespeople work their queues and deals, and tension between the teams decays. The org
structure enters only through policy parameters (``policy.*``, ``sla.*``), each acting through a
mechanism named in docs/model.md, never through a structure switch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from orgsim.model.agents import (
    CHANNELS,
    WORKDAY_START,
    Head,
    Marketer,
    Salesperson,
    deadline_days,
    working_hours_between,
)
from orgsim.model.customers import Customers
from orgsim.model.friction import Friction
from orgsim.model.lifecycle import STATES, LeadSource, LeadState, LeakCause, Ledger, Opportunity, WorkedLead
from orgsim.model.luck import Draw, Luck
from orgsim.model.market import Market
from orgsim.model.marketing import MarketingPipeline
from orgsim.scenario import Scenario

QUARTER_DAYS = 63
MONTH_DAYS = 21
YEAR_DAYS = 250
WORKDAY_HOURS = 8.0
BUSINESS_HOURS_SHARE = 0.75  # B2B inquiries that arrive in working hours (assumption)
FEW_LEADS = 64  # below this many leads, closing them one at a time is cheaper than in numpy


@dataclass(frozen=True)
class Baseline:
    """Running totals when the measured horizon starts (the end of ``horizon.warmup_days``).

    Measures subtract them, so nothing that happened in the warm-up is counted; leads count
    from ``first_lead`` (those created in the horizon).
    """

    revenue: float = 0.0
    won: int = 0
    lost: int = 0
    program_spend: float = 0.0
    outbound_spend: float = 0.0
    friction_hours: float = 0.0
    friction_level_sum: float = 0.0
    friction_days: int = 0
    friction_contribution: tuple[float, ...] = ()
    coordination_hours: float = 0.0
    responses: int = 0
    sla_met: int = 0
    sla_breaches: int = 0
    revenue_by_source: tuple[float, float] = (0.0, 0.0)
    first_lead: int = 0

    @classmethod
    def of(cls, model: OrgModel) -> Baseline:
        """The model's running totals now."""
        f = model.friction
        return cls(
            revenue=model.revenue,
            won=model.won,
            lost=model.lost,
            program_spend=model.program_spend,
            outbound_spend=model.outbound_spend,
            friction_hours=f.hours_total,
            friction_level_sum=f.level_sum,
            friction_days=f.days,
            friction_contribution=tuple(f.contribution.values()),
            coordination_hours=model.coordination_hours,
            responses=len(model.response_hours),
            sla_met=model.sla_met,
            sla_breaches=model.sla_breaches,
            revenue_by_source=(model.revenue_by_source[0], model.revenue_by_source[1]),
            first_lead=model.ledger.n,
        )


class OrgModel(mesa.Model):
    """Marketers, salespeople and heads working a market under one org structure."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        super().__init__(rng=seed)
        self.params = scenario
        self.seed = seed
        self.day = 0
        pol = scenario.policy
        self.market = Market(scenario.market, scenario.marketing, self.rng)
        self.luck = Luck(seed)  # each lead's chance draws, the same under every structure
        self.ledger = Ledger(scenario.market.prospects)
        self.friction = Friction(scenario.friction)

        # structure-derived constants (generalists lose skill and hours; shared goals, effort)
        generalism = 1.0 - pol.specialisation
        self.skill_factor = 1.0 - pol.skill_dilution * generalism
        self.role_switch_hours = pol.role_switch_hours * generalism
        self.effort = 1.0 - pol.free_riding * pol.shared_goal
        self.coordination_hours_day = pol.coordination_hours_per_week / 5.0
        # closed-loop capabilities, built from hours: win/loss reviews in the joint meetings (outcomes
        # a week they get through) and someone who owns returned leads (leads a day re-qualified)
        self.review_capacity_week = pol.coordination_hours_per_week * pol.review_share * pol.reviews_per_hour
        self.outcomes_this_week = 0
        self.outcomes_last_week = 0
        self.recycle_capacity_day = pol.recycle_owner_hours_per_week / 5.0 / pol.requalify_hours
        self.recycle_slots = 0.0
        self.max_attempts = scenario.sla.attempts if scenario.sla.enabled else scenario.sales.attempts
        self.stage_value = self._stage_values()
        self._stage_value_array = np.array([self.stage_value.get(state, 0.0) for state in LeadState])
        self._mean_trust = 0.0  # salespeople's mean trust, recomputed when a rep's trust changes
        self._trust_stale = True

        channels = list(CHANNELS)
        self.marketers = [
            Marketer(self, channels[i % len(channels)], self._skill(scenario.marketing.skill_mean))
            for i in range(scenario.marketing.headcount)
        ]
        self.salespeople = [
            Salesperson(self, self._skill(scenario.sales.skill_mean), scenario.sales.trust_initial)
            for _ in range(scenario.sales.headcount)
        ]
        departments = ["marketing", "sales"] if pol.heads == 2 else ["sales and marketing"]
        self.heads = [Head(self, d) for d in departments]
        self.marketing = MarketingPipeline(self)

        self._route = 0
        self.worked: dict[int, WorkedLead] = {}  # leads in salespeople's queues, by lead id
        self.inbox: dict[int, WorkedLead] = {}  # MQLs no rep owns yet (the shared inbox), by lead id
        self.inbox_additions = 0  # leads ever put in the inbox (a rep's sorted view is of one state)
        self.inbox_view = None  # today's inbox in the reps' order, sorted once (agents.InboxView)

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
        self.response_hours: list[float] = []
        self.sla_breaches = 0
        self.sla_met = 0  # MQLs first attempted within sla.response_hours working hours
        self.friction_hours_today = 0.0
        self.coordination_hours = 0.0
        self.revenue_by_source = [0.0, 0.0]
        self.warmup_days = scenario.horizon.warmup_days
        self.end_day = self.warmup_days + scenario.horizon.days  # the last day simulated
        self.baseline = Baseline()  # the running totals at the end of the warm-up (zeros before)
        self.customers = Customers(self)
        if self.warmup_days == 0:
            self.customers.start_measuring()
        self.running = True

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
        """Chance a fitting in-market lead at each stage would have been won if worked well."""
        s = self.params.sales
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

    # -- the day ---------------------------------------------------------------------------
    def step(self) -> None:
        """One business day."""
        self.ledger.today = self.day
        if self.day % 5 == 0:
            self.outcomes_last_week, self.outcomes_this_week = self.outcomes_this_week, 0
        self.recycle_slots = self.recycle_capacity_day
        self.open_and_close_buying_windows()
        if self.day % QUARTER_DAYS == 0:
            self.heads[0].plan_quarter()
        if self.day % MONTH_DAYS == MONTH_DAYS - 1:
            self.check_mql_quota()
        self.market.decay_engagement()
        for marketer in self.marketers:
            marketer.step()
        self.market.deliver_pooled_touches()
        self.marketing.build_brand()
        self.marketing.take_inquiries()
        self.marketing.score_and_hand_off()
        self.run_outbound_team()
        if self.salespeople:
            self.agents_by_type[Salesperson].shuffle_do("step")
        self.expire_unowned_leads()
        self.friction_hours_today = self.friction.end_day()
        self.coordination_hours += self.coordination_hours_day * (len(self.salespeople) + len(self.marketers))
        self.customers.step()
        self.day += 1  # the day is complete: measures read it as such
        if self.day == self.warmup_days:
            self.baseline = Baseline.of(self)
            self.customers.start_measuring()
        self.running = self.day < self.end_day
        self.datacollector.collect(self)

    def run(self, days: int | None = None) -> OrgModel:
        """Run for ``days`` measured business days (default: the horizon), after any warm-up left."""
        n = self.params.horizon.days if days is None else days
        for _ in range(n + max(0, self.warmup_days - self.day)):
            self.step()
        return self

    @property
    def measured_days(self) -> int:
        """Business days counted in the measures: those after the warm-up."""
        return max(0, self.day - self.warmup_days)

    @property
    def brand(self) -> float:
        """Brand awareness index (1 = sustained by the reference brand budget)."""
        return self.marketing.brand

    # -- heads, money, friction ------------------------------------------------------------
    def set_budgets(self, shift: float) -> None:
        """Quarter budgets: ``shift`` > 0 moves program money to sales outbound, < 0 back."""
        sc = self.params
        base_program = sc.marketing.budget / YEAR_DAYS
        base_outbound = sc.sales.outbound_budget / YEAR_DAYS
        moved = shift * base_program if shift >= 0 else shift * base_outbound
        self.budget_shift = shift
        self.program_budget_day = base_program - moved if self.marketers else 0.0
        self.outbound_budget_day = base_outbound + moved
        # targets: grow on last quarter's revenue; an SLA derives marketing's MQL quota from it
        last_quarter = self.revenue - self.revenue_at_plan
        self.revenue_at_plan = self.revenue
        self.revenue_target = max(last_quarter, self.revenue_target) * 1.05
        per_mql = sc.market.deal_size * self.stage_value[LeadState.MQL] * 0.5
        self.mql_quota_month = self.revenue_target / 3 / per_mql if per_mql > 0 else 0.0

    def check_mql_quota(self) -> None:
        """Monthly: under an SLA, marketing missing its MQL quota is a breach sales resents."""
        if self.params.sla.enabled and self.mql_quota_month > 0:
            if self.marketing.mqls_this_month < self.mql_quota_month:
                self.friction.event("sla_breach", self.heat)
                self.sla_breaches += 1
        self.marketing.mqls_this_month = 0

    @property
    def heat(self) -> float:
        """How hard a dispute lands, from the people involved (1 at neutral).

        Distrust of marketing's leads sharpens it; a shared revenue goal softens blame (both lose
        together); one head over both teams settles part of it before it escalates
        (``friction.arbitration``); existing tension feeds it (a spiral that decays with time).
        """
        pol = self.params.policy
        distrust = 1.0 - self.mean_trust if self.salespeople else 0.5
        heat = (0.5 + distrust) * (1.0 - 0.5 * pol.shared_goal) * (1.0 + self.friction.level)
        if pol.heads == 1:
            heat *= 1.0 - self.params.friction.arbitration
        return heat

    @property
    def dispute_hours_per_person(self) -> float:
        """Yesterday's friction hours, shared by all staff (hours)."""
        n = len(self.salespeople) + len(self.marketers)
        return self.friction_hours_today / n if n else 0.0

    def sales_hours_today(self) -> float:
        """Hours a salesperson can sell today after meetings, role switching and disputes."""
        pol = self.params.policy
        hours = self.params.sales.hours_per_day * self.effort
        # generalist marketers lend part of their day to selling
        lent = len(self.marketers) * WORKDAY_HOURS * pol.generalist_selling
        hours += lent * self.marketing_time_factor / max(1, len(self.salespeople))
        lost = self.coordination_hours_day + self.role_switch_hours + self.dispute_hours_per_person
        return max(0.0, hours - lost)

    @property
    def marketing_time_factor(self) -> float:
        """Share of a marketer's day left for campaigns after meetings, switching, disputes.

        The hours someone spends owning returned leads come out of the marketers' day too.
        """
        lost = self.coordination_hours_day + self.role_switch_hours + self.dispute_hours_per_person
        if self.marketers:
            lost += self.params.policy.recycle_owner_hours_per_week / 5.0 / len(self.marketers)
        return max(0.0, 1.0 - lost / WORKDAY_HOURS)

    @property
    def feedback_reach(self) -> float:
        """Share of sales outcomes that reach marketing: informal, plus what the reviews get through.

        Win/loss reviews take meeting time (``policy.review_share`` of the coordination hours, at
        ``policy.reviews_per_hour``); last week's outcomes beyond that capacity go unreviewed.
        """
        pol = self.params.policy
        reviewed = min(1.0, self.review_capacity_week / max(1, self.outcomes_last_week))
        return pol.feedback + (1.0 - pol.feedback) * reviewed

    @property
    def campaign_time_factor(self) -> float:
        """Share of a marketer's day spent on campaigns (generalists also sell)."""
        return self.marketing_time_factor * (1.0 - self.params.policy.generalist_selling)

    # -- buying windows --------------------------------------------------------------------
    def has_intent(self, prospects: np.ndarray) -> np.ndarray:
        """Real buying intent: in an active buying window and fitting the ideal customer profile."""
        mk = self.market
        return mk.in_market[prospects] & self.fits(prospects)

    def fits(self, prospects: np.ndarray) -> np.ndarray:
        """Buyers whose true fit clears ``sales.fit_min`` (the fitting half of real intent)."""
        return self.market.fit[prospects] >= self.params.sales.fit_min

    def open_and_close_buying_windows(self) -> None:
        """Buyers enter the market (a live lead on them gains intent); closing windows buy elsewhere."""
        entered = self.market.enter(self.day)
        leads = self.ledger.open_lead[entered]
        live = leads >= 0
        self.ledger.intent[leads[live]] |= self.has_intent(entered[live])
        closing = self.market.due_exits(self.day)
        bought = self.market.close_windows(closing)
        leads = self.ledger.open_lead[bought]
        leads = leads[leads >= 0]
        if leads.size == 0:
            return
        # leads in nurture (nobody in sales holds them) leak at once; the rest one by one
        state = self.ledger.state[leads]
        nurtured = (state == LeadState.INQUIRY) | (state == LeadState.RECYCLED)
        if self.worked:
            worked = self.worked
            nurtured &= np.array([lead not in worked for lead in leads.tolist()], dtype=bool)
        for cause, in_state in (
            (LeakCause.MISSED_BY_SCORING, LeadState.INQUIRY),
            (LeakCause.LOST_IN_NURTURE, LeadState.RECYCLED),
        ):
            these = leads[nurtured & (state == in_state)]
            # they were in market and bought: real intent if they fit (else no loss to us)
            self.ledger.intent[these] |= self.fits(self.ledger.prospect[these])
            self.close_many(these, cause)
        self.lose_to_competitors(leads[~nurtured])

    def lose_to_competitors(self, leads: np.ndarray) -> None:
        """Buyers with live leads in sales bought elsewhere before we won them: the leads leak.

        The cause is where each lead stood: ignored by its rep, unowned in the inbox, or worked
        too late. Each leaves its queue or the inbox; the ledger closes them in one pass (the
        same outcome, in the same order, as one at a time).
        """
        if leads.size == 0:
            return
        state = self.ledger.state[leads]
        causes = np.full(leads.size, LeakCause.TOO_LATE, dtype=np.int8)
        causes[state == LeadState.INQUIRY] = LeakCause.MISSED_BY_SCORING
        causes[state == LeadState.RECYCLED] = LeakCause.LOST_IN_NURTURE
        in_sales = (state != LeadState.INQUIRY) & (state != LeadState.RECYCLED)
        for i, lead in enumerate(leads.tolist()):
            worked = self.worked.get(lead)
            if worked is None:
                continue
            if in_sales[i]:
                if worked.ignored:
                    causes[i] = LeakCause.NEVER_FOLLOWED_UP
                elif worked.unowned:
                    causes[i] = LeakCause.HANDOFF_LOST
            self.finish(worked)
        # they were in market and bought: real intent if they fit (else no loss to us)
        self.ledger.intent[leads] |= self.fits(self.ledger.prospect[leads])
        for cause in sorted(set(causes.tolist())):
            self.close_many(leads[causes == cause], LeakCause(cause))

    # -- lead bookkeeping ----------------------------------------------------------------------
    def close(self, lead: int, cause: LeakCause) -> None:
        """Close a live lead: leaked with ``cause`` if the buyer has real intent, else disqualified."""
        pro = self.ledger.prospect.item(lead)
        state = STATES[self.ledger.state.item(lead)]
        worked = self.worked.get(lead)  # (a nurtured lead leaves the pool at its next scoring)
        if worked is not None:
            self.finish(worked)
        mk = self.market
        if self.ledger.intent[lead] or (mk.in_market[pro] and mk.fit[pro] >= self.params.sales.fit_min):
            self.ledger.intent[lead] = True
            value = float(self.market.deal_size[pro]) * self.stage_value[state]
            self.ledger.leak(lead, cause, value)
        else:
            self.ledger.move(lead, LeadState.DISQUALIFIED)

    def close_many(self, leads: np.ndarray, cause: LeakCause) -> None:
        """:meth:`close` for many live leads nobody in sales holds (any more).

        The leads are in nurture, just promoted, or already taken out of sales' queues and inbox.
        Vectorised over the ledger with the same outcome as closing them one by one in order.
        """
        if leads.size == 0:
            return
        ledger = self.ledger
        pro = ledger.prospect[leads]
        intent = ledger.intent[leads] | self.has_intent(pro)
        ledger.intent[leads] = intent
        value = self.market.deal_size[pro].astype(np.float64) * self._stage_value_array[ledger.state[leads]]
        ledger.close_many(leads, cause, value)

    def close_held(self, leads: list[WorkedLead], cause: LeakCause) -> None:
        """:meth:`close` for many leads sales holds, in order, with the same outcome."""
        if len(leads) < FEW_LEADS:  # a handful: one at a time beats numpy's per-call overhead
            for lead in leads:
                self.close(lead.lead, cause)
            return
        for lead in leads:  # out of sales' hands now, out of the ledger in one pass
            self.finish(lead)
        self.close_many(np.fromiter((w.lead for w in leads), dtype=np.int64, count=len(leads)), cause)

    def finish(self, lead: WorkedLead) -> None:
        """A lead leaves sales' hands: its rep's queue or the shared inbox (won, lost, returned, closed)."""
        lead.leave_queue()
        self.worked.pop(lead.lead, None)
        if lead.unowned:
            del self.inbox[lead.lead]

    def return_to_marketing(self, lead: WorkedLead, cause: LeakCause) -> None:
        """Sales gives a lead back: recycled to nurture if the process does that, else closed.

        Someone who owns returned leads (``policy.recycle_owner_hours_per_week``) re-qualifies
        them while today's hours last; beyond that a CRM rule catches a lead with chance
        ``policy.recycling`` (CMO Council 2004: 73% of firms have no re-qualifying process). A
        recycled lead is re-scored and can come back.
        """
        self.finish(lead)
        owned = self.recycle_slots >= 1.0
        if owned:
            self.recycle_slots -= 1.0
        if owned or self.chance(lead.lead, Draw.RECYCLED) < self.params.policy.recycling:
            self.ledger.move(lead.lead, LeadState.RECYCLED)
            self.marketing.recycle(lead.lead)
        else:
            self.close(lead.lead, cause)

    def return_many_to_marketing(self, leads: list[WorkedLead], causes: list[LeakCause]) -> None:
        """:meth:`return_to_marketing` for many leads, in order, with the same outcome.

        ``causes[i]`` is the cause ``leads[i]`` leaks with if it is closed rather than recycled.
        """
        if len(leads) < FEW_LEADS:  # a handful: one at a time beats numpy's per-call overhead
            for lead, cause in zip(leads, causes, strict=True):
                self.return_to_marketing(lead, cause)
            return
        for lead in leads:
            self.finish(lead)
        ids = np.fromiter((w.lead for w in leads), dtype=np.int64, count=len(leads))
        pro, episode, handoff = self.ledger.prospect[ids], self.ledger.episode[ids], self.ledger.recycles[ids]
        recycled = self.luck.uniforms(pro, episode, handoff, Draw.RECYCLED) < self.params.policy.recycling
        owned = min(len(leads), int(self.recycle_slots))  # the owner takes the first ones, in order
        recycled[:owned] = True
        self.recycle_slots -= owned
        back = ids[recycled]
        self.ledger.move_many(back, LeadState.RECYCLED)
        self.marketing.recycle_many(back)
        cause = np.array(causes, dtype=np.int8)
        for c in sorted(set(cause[~recycled].tolist())):
            self.close_many(ids[~recycled & (cause == c)], LeakCause(c))

    # -- the hand-off ----------------------------------------------------------------------------
    def hand_off(self, lead: int) -> None:
        """Pass an MQL to sales: routed to a named rep, or left in the shared inbox.

        It becomes visible after the CRM sync delay. An unowned lead waits until a rep with room
        takes it (reps pick the best-looking first); nobody owns what is left.
        """
        self.hand_off_many(np.array([lead], dtype=np.int64))

    def hand_off_many(self, leads: np.ndarray) -> None:
        """:meth:`hand_off` for many MQLs, in order; their chance draws are taken in one pass."""
        pol = self.params.policy
        if not self.salespeople:
            self.close_many(leads, LeakCause.HANDOFF_LOST)
            return
        if leads.size == 0:
            return
        ledger, mk, luck = self.ledger, self.market, self.luck
        pro = ledger.prospect[leads]
        episode = ledger.episode[leads]
        handoff = ledger.recycles[leads]
        events = (Draw.INQUIRY_HOUR, Draw.INQUIRY_IN_HOURS, Draw.HANDOFF_DELAY, Draw.GUT_FEEL, Draw.ROUTED)
        when, in_hours, delay_draw, gut_draw, routed_draw, ignore_draw = luck.uniforms_of(
            pro, episode, handoff, (*events, Draw.IGNORED)
        ).T
        ignore_draws = ignore_draw.tolist()
        # the hour the buyer raised their hand: mostly in working hours (B2B), else any time
        hpd = self.params.sales.hours_per_day
        hour = np.where(in_hours < BUSINESS_HOURS_SHARE, WORKDAY_START + when * hpd, when * 24.0)
        mql_hour = self.day * 24.0 + hour
        log1p, normal_of = math.log1p, luck.normal_of  # scalar, as one lead's draw is computed
        delay = np.array([-pol.handoff_delay_hours * log1p(-u) for u in delay_draw.tolist()])
        visible_hour = mql_hour + delay
        sla = self.params.sla
        if sla.enabled:  # the day each lead's SLA deadline falls on, for the rep who takes it
            sla_days = deadline_days(visible_hour, sla.response_hours, hpd).tolist()
        else:
            sla_days = [None] * leads.size
        gut = [normal_of(u) for u in gut_draw.tolist()]
        gut_noise = 0.1 + 0.2 * mk.hard[pro]  # hard leads are hard to judge for reps too
        fit = mk.fit[pro].astype(np.float64)
        routed = (routed_draw < pol.lead_routing).tolist()
        day, worked, inbox = self.day, self.worked, self.inbox
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

    def inquiry_hour(self, lead: int) -> float:
        """Hour of the day a buyer raises their hand: mostly in working hours (B2B), else any time."""
        when = self.chance(lead, Draw.INQUIRY_HOUR)
        if self.chance(lead, Draw.INQUIRY_IN_HOURS) < BUSINESS_HOURS_SHARE:
            return WORKDAY_START + when * self.params.sales.hours_per_day
        return when * 24.0

    def chance(self, lead: int, draw: Draw, attempt: int = 0) -> float:
        """A uniform draw in [0, 1) that belongs to this lead and event (see ``model/luck.py``)."""
        ledger = self.ledger
        return self.luck.uniform(
            ledger.prospect.item(lead), ledger.episode.item(lead), ledger.recycles.item(lead), draw, attempt
        )

    def impulse(self, lead: WorkedLead) -> bool:
        """An impulse inquiry (interest gone within the hour) rather than a project buyer.

        A marketing lead's kind belongs to the buyer's episode (the same on every hand-off and
        under every structure); ``sales.impulse_share`` 0 makes every inquirer a project buyer.
        """
        share = self.params.sales.impulse_share
        if share <= 0 or lead.source != LeadSource.MARKETING:
            return False
        return self.luck.uniform(lead.prospect, lead.episode, 0, Draw.IMPULSE) < share

    def normal_chance(self, lead: int, draw: Draw) -> float:
        """A standard normal draw that belongs to this lead and event."""
        ledger = self.ledger
        return self.luck.normal(
            ledger.prospect.item(lead), ledger.episode.item(lead), ledger.recycles.item(lead), draw
        )

    def assign(self, lead: WorkedLead, ignore_draw: float | None = None) -> None:
        """Route a lead to a salesperson (round robin, the 'fairness' rule).

        ``ignore_draw``: the lead's ``Draw.IGNORED`` chance if already drawn.
        """
        rep = self.salespeople[self._route % len(self.salespeople)]
        self._route += 1
        rep.receive(lead, ignore_draw=ignore_draw)

    def expire_unowned_leads(self) -> None:
        """Leads nobody took from the shared inbox within the expiry window are lost in the hand-off."""
        limit = self.params.sales.lead_expiry_days
        stale = [w for w in self.inbox.values() if self.day - w.arrival_day >= limit]
        for _ in stale:  # marketing blames sales for each (closing a lead moves no heat)
            self.friction.event("unworked_lead", self.heat)
        self.close_held(stale, LeakCause.HANDOFF_LOST)

    def record_response(self, lead: WorkedLead, hour: float) -> None:
        """First touch: log the speed to lead and check it against the SLA."""
        lead.first_attempt_hour = hour
        response = hour - lead.mql_hour
        if lead.source == LeadSource.MARKETING:
            self.response_hours.append(response)
            sla = self.params.sla
            waited = working_hours_between(lead.mql_hour, hour, self.params.sales.hours_per_day)
            late = sla.response_hours < waited
            if np.isnan(self.ledger.response_hours[lead.lead]):  # a re-promoted lead keeps its first
                self.ledger.response_hours[lead.lead] = response
                # over the measured cohort, as sla_met_share's denominator (its MQLs): a warm-up
                # lead first touched after the warm-up is not counted (first_lead is 0 until then)
                self.sla_met += not late and lead.lead >= self.baseline.first_lead
            if sla.enabled and late:
                self.sla_breaches += 1
                self.friction.event("sla_breach", self.heat)

    def perception_factor(self, prospect: int) -> float:
        """How consistent messages the buyer heard change conversion (1.0 at neutral)."""
        return 0.9 + 0.2 * float(self.market.perception[prospect])

    def book_win(self, deal: Opportunity) -> None:
        """A won deal: revenue, a customer, and on individual commission, envy and credit fights."""
        pol = self.params.policy
        self.ledger.move(deal.lead, LeadState.WON)
        self.ledger.value[deal.lead] = deal.value
        self.market.customer[deal.prospect] = True
        pro = deal.prospect
        mk = self.market
        fit, perception = float(mk.fit[pro]), float(mk.perception[pro])
        self.customers.win(pro, deal.value, fit, perception, self.quota_pressure)
        self.revenue += deal.value
        self.won += 1
        self.revenue_by_source[0 if deal.marketing_sourced else 1] += deal.value
        if pol.shared_goal < 1.0 and self.marketers:
            # a visible commission cheque beside marketers' annual bonus (worse in one team)
            size = deal.value / self.params.market.deal_size
            mixed = 1.5 if pol.mixed_plans else 1.0
            self.friction.event("comp_inequity", self.heat * (1 - pol.shared_goal) * mixed * size)
            disputed = self.chance(deal.lead, Draw.CREDIT_DISPUTE) < 0.5 * (1 - pol.shared_goal)
            if deal.marketing_sourced and disputed:
                self.friction.event("credit_dispute", self.heat)

    @property
    def quota_pressure(self) -> float:
        """How far the quarter's bookings trail the target so far, felt on individual commission, 0..1.

        Bookings to date against the quarter's target pro rata (at least a month in); reps on a
        shared goal (``policy.shared_goal`` 1) feel none of it.
        """
        target = self.revenue_target
        if target <= 0:
            return 0.0
        elapsed = max(MONTH_DAYS, self.day % QUARTER_DAYS + 1)
        shortfall = 1.0 - (self.revenue - self.revenue_at_plan) / (target * elapsed / QUARTER_DAYS)
        return min(1.0, max(0.0, shortfall)) * (1.0 - self.params.policy.shared_goal)

    # -- outbound --------------------------------------------------------------------------
    def cold_leads(self, hours: float, talk_hours: float = 0.0) -> tuple[list[WorkedLead], float]:
        """Cold calls for ``hours``: reached, fitting, in-market buyers become sales leads.

        Returns the leads and the hours the calling took. A caller who also qualifies on the
        call (a rep: ``talk_hours`` per reached buyer) spends the same hours on dials and
        conversations: dials come in random order, each takes 1/``dials_per_hour`` hours, each
        reached buyer ``talk_hours`` more; no dial starts once the hours are spent, and the
        last conversation may run past them. A contracted caller (``talk_hours`` 0) only books
        the meeting.
        """
        s = self.params.sales
        mk = self.market
        dials = min(int(hours * s.dials_per_hour), mk.n)  # nobody is dialled twice a day
        connects = int(self.rng.binomial(dials, s.cold_connect_rate)) if dials else 0
        if connects == 0:
            return [], hours
        open_lead = self.ledger.open_lead
        # a handful of connects: plain Python beats numpy's per-call overhead here
        order = {}  # reached buyer -> its place among the connects, in dial order
        draw = self.rng.integers  # a few one at a time: the same numbers as one call of that size, faster
        called = [int(draw(0, mk.n)) for _ in range(connects)] if connects < 8 else draw(0, mk.n, connects)
        for i, p in enumerate(called if connects < 8 else called.tolist()):
            buyer = mk.in_market[p] and mk.fit[p] >= s.fit_min and not mk.customer[p]
            if buyer and open_lead[p] < 0 and p not in order:
                order[p] = i
        used = hours
        if order and talk_hours > 0:
            order, used = self._talk_within(order, dials, connects, hours, talk_hours)
        if not order:
            return [], used
        pro = np.array(sorted(order), dtype=np.int64)
        ids = self.ledger.create(pro, self.day, LeadState.SAL, LeadSource.SALES, np.ones(pro.size, bool))
        hour = self.day * 24.0 + 9.0
        out = []
        for lead, p in zip(ids.tolist(), pro.tolist(), strict=True):
            w = WorkedLead(lead, p, LeadSource.SALES, hour, hour, self.day, float(mk.fit[p]), accepted=True)
            self.worked[lead] = w
            out.append(w)
        return out, used

    def _talk_within(
        self, order: dict[int, int], dials: int, connects: int, hours: float, talk_hours: float
    ) -> tuple[dict[int, int], float]:
        """The reached buyers a rep talks to within ``hours``, and the hours calling took.

        Each conversation pushes the later dials back by ``talk_hours``; a buyer whose dial
        would come after the hours is not called today.
        """
        s = self.params.sales
        at_dial = np.sort(self.rng.choice(dials, connects, replace=False)).tolist()  # connects' dials
        kept, used = {}, hours
        for talks, (p, i) in enumerate(order.items()):  # in dial order; ``talks`` held before it
            dialled = (at_dial[i] + 1) / s.dials_per_hour + talks * talk_hours
            if dialled > hours:
                break
            kept[p] = i
            used = max(hours, dialled + talk_hours)
        return kept, used

    def run_outbound_team(self) -> None:
        """Outbound budget buys contracted calling time; its meetings go to the reps' queues."""
        if not self.salespeople or self.outbound_budget_day <= 0:
            return
        self.outbound_spend += self.outbound_budget_day
        hours = self.outbound_budget_day / self.params.sales.outbound_hour_cost
        for lead in self.cold_leads(hours)[0]:
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
        """Salespeople's mean trust in marketing's leads, 0..1 (recounted only after a change)."""
        if self._trust_stale:
            reps = self.salespeople
            self._mean_trust = sum(r.trust for r in reps) / len(reps) if reps else 0.0
            self._trust_stale = False
        return self._mean_trust

    @property
    def open_leads(self) -> int:
        """Leads in an open state."""
        c = self.ledger.counts
        return int(c[: LeadState.OPPORTUNITY + 1].sum())

    @property
    def mqls(self) -> int:
        """Marketing leads that ever reached MQL."""
        return int(self.ledger.reached[LeadSource.MARKETING, LeadState.MQL])

    @property
    def leaked_leads(self) -> int:
        """Leads leaked so far."""
        return int(self.ledger.counts[LeadState.LEAKED])
