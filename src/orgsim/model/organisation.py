"""What the org structure does to people: skill, effort, working time, tempers and feedback.

The structure acts only through policy parameters, each by a mechanism named here:
generalists (``1 - policy.specialisation``) lose skill (``policy.skill_dilution``) and hours to
role switching; a shared goal invites free riding (``policy.free_riding``) and softens blame;
meetings (``policy.coordination_hours_per_week``) cost everyone's hours and hold the win/loss
reviews that carry sales outcomes back to marketing; disputes cost the next day's hours and land
harder with distrust and tension already there, softer under one head (``friction.arbitration``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgsim.model.calendar import WEEK_DAYS, WORKDAY_HOURS, week_starts

if TYPE_CHECKING:
    from orgsim.model.world import OrganisationWorld

REVIEW_HOURS = 0.1  # a salesperson's time to review an MQL and accept or reject it


class Organisation:
    """The structure's effects on the people of one model, and the hours it costs them."""

    def __init__(self, model: OrganisationWorld) -> None:
        self.model = model
        pol = model.params.policy
        generalism = 1.0 - pol.specialisation
        self.skill_factor = 1.0 - pol.skill_dilution * generalism
        self.role_switch_hours = pol.role_switch_hours * generalism
        self.effort = 1.0 - pol.free_riding * pol.shared_goal
        self.coordination_hours_day = pol.coordination_hours_per_week / WEEK_DAYS
        # closed-loop capabilities, built from hours: win/loss reviews in the joint meetings (outcomes
        # a week they get through); the owner of returned leads works at the sales desk
        self.review_capacity_week = pol.coordination_hours_per_week * pol.review_share * pol.reviews_per_hour
        self.outcomes_this_week = 0
        self.outcomes_last_week = 0
        self.friction_hours_today = 0.0  # yesterday's dispute hours, charged to today
        self._today: tuple[float, float, float] | None = None  # today's hours, worked out once
        self.coordination_hours = 0.0  # meeting hours so far, everyone's

    def open_day(self, day: int) -> None:
        """A new day; on a week's first, last week's outcomes are the ones to review."""
        if week_starts(day):
            self.outcomes_last_week, self.outcomes_this_week = self.outcomes_this_week, 0

    def close_day(self) -> None:
        """The day's disputes cost tomorrow's hours; everyone's meetings are counted."""
        m = self.model
        self.friction_hours_today = m.friction.end_day()
        self._today = None  # tomorrow's hours follow from today's disputes
        self.coordination_hours += self.coordination_hours_day * (len(m.salespeople) + len(m.marketers))

    def count_outcome(self) -> None:
        """A sales outcome on a marketing lead, for this week's win/loss reviews."""
        self.outcomes_this_week += 1

    @property
    def heat(self) -> float:
        """How hard a dispute lands, from the people involved (1 at neutral).

        Distrust of marketing's leads sharpens it; a shared revenue goal softens blame (both lose
        together; ``friction.goal_blame_relief``); one head over both teams settles part of it
        before it escalates (``friction.arbitration``); existing tension feeds it (a spiral that
        decays with time).
        """
        m = self.model
        pol = m.params.policy
        distrust = 1.0 - m.mean_trust if m.salespeople else 0.5
        relief = m.params.friction.goal_blame_relief * pol.shared_goal  # a shared goal softens blame
        heat = (0.5 + distrust) * (1.0 - relief) * (1.0 + m.friction.level)
        if pol.heads == 1:
            heat *= 1.0 - m.params.friction.arbitration
        return heat

    @property
    def dispute_hours_per_person(self) -> float:
        """Yesterday's friction hours, shared by all staff (hours)."""
        n = len(self.model.salespeople) + len(self.model.marketers)
        return self.friction_hours_today / n if n else 0.0

    def sales_hours_today(self) -> float:
        """Hours a salesperson can sell today after meetings, role switching and disputes."""
        return self._hours_today()[0]

    @property
    def marketing_time_factor(self) -> float:
        """Share of a marketer's day left for campaigns after meetings, switching, disputes.

        The hours someone spends owning returned leads come out of the marketers' day too.
        """
        return self._hours_today()[1]

    @property
    def campaign_time_factor(self) -> float:
        """Share of a marketer's day spent on campaigns (generalists also sell)."""
        return self._hours_today()[2]

    def _hours_today(self) -> tuple[float, float, float]:
        """(sales hours, marketing time factor, campaign time factor): the same all day, kept once."""
        if self._today is None:
            m = self.model
            pol = m.params.policy
            lost = self.coordination_hours_day + self.role_switch_hours + self.dispute_hours_per_person
            marketing_lost = lost
            if m.marketers:
                marketing_lost += pol.recycle_owner_hours_per_week / WEEK_DAYS / len(m.marketers)
            marketing = max(0.0, 1.0 - marketing_lost / WORKDAY_HOURS)
            hours = m.params.sales.hours_per_day * self.effort
            # generalist marketers lend part of their day to selling
            lent = len(m.marketers) * WORKDAY_HOURS * pol.generalist_selling
            hours += lent * marketing / max(1, len(m.salespeople))
            sales = max(0.0, hours - lost)
            self._today = (sales, marketing, marketing * (1.0 - pol.generalist_selling))
        return self._today

    @property
    def feedback_reach(self) -> float:
        """Share of sales outcomes that reach marketing: informal, plus what the reviews get through.

        Win/loss reviews take meeting time (``policy.review_share`` of the coordination hours, at
        ``policy.reviews_per_hour``); last week's outcomes beyond that capacity go unreviewed.
        """
        pol = self.model.params.policy
        reviewed = min(1.0, self.review_capacity_week / max(1, self.outcomes_last_week))
        return pol.feedback + (1.0 - pol.feedback) * reviewed
