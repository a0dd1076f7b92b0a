"""The orgsim model: one step is one business day of a B2B company's demand waterfall.

Setup builds the market, the teams and the heads from a :class:`~orgsim.scenario.Scenario`.
Each day: buying windows open and close, heads plan at quarter starts, the SLA checks
marketing's quota at month ends, marketers run campaigns, marketing turns engagement into
inquiries, scores its nurture pool and hands MQLs to the sales desk, salespeople work their
queues and deals, and tension between the teams decays. The org structure enters only through
policy parameters (``policy.*``, ``sla.*``), each acting through a mechanism named in
docs/model.md, never through a structure switch.

Where each rule lives: the people in ``agents.py`` (they decide, and ask the model through the
few methods below), the lead bookkeeping in ``desk.py``, the SLA in ``sla.py``, the structure's
effects on skill, hours and tempers in ``organisation.py``, marketing's pipeline in
``marketing.py``, cold calls in ``outbound.py``, the calendar in ``calendar.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import mesa
import numpy as np

from orgsim.model.agents import CHANNELS, Head, Marketer, Salesperson
from orgsim.model.calendar import MONTH_DAYS, QUARTER_DAYS, YEAR_DAYS, month_ends, quarter_starts
from orgsim.model.customers import Customers
from orgsim.model.desk import SalesDesk
from orgsim.model.friction import Friction, FrictionSource
from orgsim.model.lifecycle import LeadSource, LeadState, Ledger, Opportunity, WorkedLead
from orgsim.model.luck import Draw, Luck
from orgsim.model.market import Market
from orgsim.model.marketing import MarketingPipeline
from orgsim.model.organisation import Organisation
from orgsim.model.outbound import cold_call, cold_calls
from orgsim.model.sla import ServiceLevel
from orgsim.scenario import Scenario


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
            coordination_hours=model.org.coordination_hours,
            responses=len(model.sla.first_touch_hours),
            sla_met=model.sla.met,
            sla_breaches=model.sla.breaches,
            revenue_by_source=(model.revenue_by_source[0], model.revenue_by_source[1]),
            first_lead=model.ledger.n,
        )


class OrgModel(mesa.Model):
    """Marketers, salespeople and heads working a market under one org structure."""

    def __init__(self, scenario: Scenario, seed: int = 0, series: bool = True) -> None:
        """``series``: collect the per-day series (Mesa's DataCollector, :attr:`datacollector`)."""
        super().__init__(rng=seed)
        self.params = scenario
        self.seed = seed
        self.keeps_series = series  # (simulate() asks only when the run's series are kept)
        self.day = 0
        pol = scenario.policy
        self.market = Market(scenario.market, scenario.marketing, self.rng)
        self.luck = Luck(seed)  # each lead's chance draws, the same under every structure
        self.ledger = Ledger(scenario.market.prospects)
        # the fit a buyer needs (sales.fit_min) as a Python float for per-lead checks: rounded to
        # float32, as numpy compares the market's float32 fits with it
        self.fit_bar = float(np.float32(scenario.sales.fit_min))
        self.friction = Friction(scenario.friction)

        self.org = Organisation(self)  # what the structure does to skill, effort, hours and tempers
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
        for place, rep in enumerate(self.salespeople):
            rep.place = place
        self._trusts = [rep.trust for rep in self.salespeople]  # each rep's trust, in the team's order
        departments = ["marketing", "sales"] if pol.heads == 2 else ["sales and marketing"]
        self.heads = [Head(self, d) for d in departments]
        self.marketing = MarketingPipeline(self)
        self.sla = ServiceLevel(self)
        self.desk = SalesDesk(self)

        # money (currency per business day) and running totals
        self.program_budget_day = 0.0
        self.outbound_budget_day = 0.0
        self.program_spend = 0.0
        self.outbound_spend = 0.0
        self.revenue = 0.0
        self.won = 0
        self.lost = 0
        self.revenue_target = 0.0
        self.revenue_at_plan = 0.0
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

    # -- the day ---------------------------------------------------------------------------
    def step(self) -> None:
        """One business day: buyers move, heads plan, marketing then sales work, the day closes."""
        self.open_day()
        self.open_and_close_buying_windows()
        if quarter_starts(self.day):
            self.heads[0].plan_quarter()
        if month_ends(self.day):
            self.sla.check_mql_quota()
        self.run_marketing()
        self.run_outbound_team()
        self.run_sales()
        self.close_day()

    def open_day(self) -> None:
        """Stamp the day on the ledger; the week's reviews and the day's hours start again."""
        self.ledger.today = self.day
        self.org.open_day(self.day)
        self.desk.open_day()

    def run_marketing(self) -> None:
        """Campaigns touch the market, brand builds, inquiries arrive, MQLs go to the sales desk."""
        self.market.decay_engagement()
        for marketer in self.marketers:
            marketer.step()
        self.market.deliver_touches()  # the day's campaigns land together
        self.marketing.build_brand()
        self.marketing.take_inquiries()
        self.marketing.score_and_hand_off()

    def run_sales(self) -> None:
        """Reps work their day in random order, prospecting as a team; what nobody took in time is lost.

        Each rep starts the day (inbox, then leads and deals by the SLA's clock, or deals by gut
        feel); by gut feel the team prospects for each rep's outbound share, then each works its
        leads; the team prospects for the rest of the day; each rep ends the day.
        """
        if self.salespeople:
            reps = self.salespeople.copy()  # Mesa's AgentSet.shuffle, without a new AgentSet a day:
            self.random.shuffle(reps)  # the same draw on the team in the order it was hired
            for rep in reps:
                rep.start_day()
            if not self.sla.by_the_clock:  # own pipeline first (more the less they trust marketing)
                self.prospect_as_a_team(reps, [rep.outbound_share for rep in reps])
                for rep in reps:
                    rep.work_leads()
            self.prospect_as_a_team(reps, [1.0] * len(reps))  # the rest of the day goes to prospecting
            for rep in reps:
                rep.end_day()
        self.desk.expire_unowned()

    def prospect_as_a_team(self, reps: list[Salesperson], shares: list[float]) -> None:
        """Each rep cold-calls for its share of the hours it has left; the team's dials are drawn together.

        Each rep talks to the buyers its calls reached (``outbound.cold_calls``: one draw for the
        team, the reps taking their buyers in the day's order).
        """
        hours = [rep.prospecting_hours(share) for rep, share in zip(reps, shares, strict=True)]
        if not any(h > 0 for h in hours):
            return
        calls = cold_calls(self, hours, talk_hours=self.params.sales.conversation_hours)
        for rep, (reached, spent) in zip(reps, calls, strict=True):
            rep.talk_to_reached(reached, spent)

    def close_day(self) -> None:
        """Tension decays, customers renew or churn, the day is counted and collected."""
        self.org.close_day()
        self.customers.step()
        self.day += 1  # the day is complete: measures read it as such
        if self.day == self.warmup_days:
            self.ledger.start_cohort()
            self.baseline = Baseline.of(self)
            self.customers.start_measuring()
        if self.ledger.n >= self.ledger.fold_at:
            self.fold_ledger()
        self.running = self.day < self.end_day
        if self.keeps_series:
            self.datacollector.collect(self)

    def fold_ledger(self) -> None:
        """Fold the ledger's closed, never-promoted inquiries (``Ledger.fold``); renumber the ids held.

        At the day's end no one holds such a lead (the nurture pool dropped them when it was
        scored), so only kept leads are renumbered: marketing's pool and returns, the desk's line,
        inbox and queues, and the reps' deals. Kept leads keep their order, so nothing else moves.
        """
        first = self.baseline.first_lead
        remap = self.ledger.fold(first)
        if remap is None:
            return
        self.baseline = replace(self.baseline, first_lead=int(np.count_nonzero(remap[:first] >= 0)))
        mk = self.marketing
        held = remap[mk.nurture_ids]
        live = held >= 0  # (none is folded: the pool holds only live leads at the day's end)
        mk.nurture_ids, mk.noise = held[live], mk.noise[live]
        mk._returned = [(int(remap[lead]), sd, hard) for lead, sd, hard in mk._returned]
        desk = self.desk
        desk.line = remap[desk.line]
        leads = {id(w): w for w in desk.worked.values()}
        leads.update((id(w), w) for rep in self.salespeople for w in rep.queue)
        for w in leads.values():
            w.lead = int(remap[w.lead])
        desk.worked = {w.lead: w for w in desk.worked.values()}
        desk.inbox = {w.lead: w for w in desk.inbox.values()}
        for rep in self.salespeople:
            for deal in rep.deals:
                deal.lead = int(remap[deal.lead])

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
        bought = self.market.close_windows(self.market.due_exits(self.day))
        leads = self.ledger.open_lead[bought]
        self.desk.lose_to_competitors(leads[leads >= 0])

    def run_outbound_team(self) -> None:
        """Outbound budget buys contracted calling time; its meetings go to the reps' queues.

        The callers book no more meetings than the desk has room for (``SalesDesk.room``).
        """
        if not self.salespeople or self.outbound_budget_day <= 0:
            return
        self.outbound_spend += self.outbound_budget_day
        hours = self.outbound_budget_day / self.params.sales.outbound_hour_cost
        self.desk.book_meetings(cold_call(self, hours, limit=self.desk.room)[0])  # as many as fit

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
        self.program_budget_day = base_program - moved if self.marketers else 0.0
        self.outbound_budget_day = base_outbound + moved
        # targets: grow on last quarter's revenue; an SLA derives marketing's MQL quota from it
        last_quarter = self.revenue - self.revenue_at_plan
        self.revenue_at_plan = self.revenue
        self.revenue_target = max(last_quarter, self.revenue_target) * 1.05
        self.sla.set_quota(self.revenue_target)

    # -- what agents ask of the model ---------------------------------------------------------
    def raise_tension(self, source: FrictionSource, *scales: float) -> None:
        """One friction event from ``source``, as hard as the heat now (``org.heat``) times ``scales``."""
        heat = self.org.heat
        for scale in scales:  # (left to right, as one product)
            heat *= scale
        self.friction.event(source, heat)

    def spend_on_programs(self, amount: float) -> None:
        """Marketing spends program money today (campaigns or brand; currency)."""
        self.program_spend += amount

    def trust_changed(self, rep: Salesperson) -> None:
        """A rep's trust moved: the team's mean is recounted when next read."""
        self._trusts[rep.place] = rep.trust
        self._trust_stale = True

    def book_loss(self, deal: Opportunity) -> None:
        """The buyer chose someone else or no purchase."""
        self.ledger.move(deal.lead, LeadState.LOST)
        self.lost += 1

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
            self.raise_tension(FrictionSource.COMP_INEQUITY, 1 - pol.shared_goal, mixed, size)
            claimed = self.params.friction.credit_claim_chance * (1 - pol.shared_goal)
            disputed = self.chance(deal.lead, Draw.CREDIT_DISPUTE) < claimed
            if deal.marketing_sourced and disputed:
                self.raise_tension(FrictionSource.CREDIT_DISPUTE)

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

    # -- each lead's luck ------------------------------------------------------------------
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

    def perception_factor(self, prospect: int) -> float:
        """How consistent messages the buyer heard change conversion (1.0 at neutral)."""
        return 0.9 + 0.2 * self.market.perception.item(prospect)

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
            trusts = self._trusts  # (a list of floats: summed in C, as the reps' own values in order)
            self._mean_trust = sum(trusts) / len(trusts) if trusts else 0.0
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
