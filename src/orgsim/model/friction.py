"""Friction between marketing and sales: events build tension, tension decays and feeds back.

Sources follow Kotler, Rackham & Krishnaswamy (HBR 2006) [kotler2006]: economic friction (budget
disputes, credit for deals, commission vs. bonus) and cultural friction around leads (sales
rejects leads as junk, marketing blames unworked leads, SLA breaches). Each event adds tension
and costs hours; how hard it lands (its *heat*) comes from the people: distrust, goals that
collide, whether one head settles it, and tension already there (``Organisation.heat``). Tension
lowers trust and the uptake of feedback (see the agents).
"""

from __future__ import annotations

from enum import StrEnum

from orgsim.params import Friction as FrictionParams


class FrictionSource(StrEnum):
    """What raised the tension; each names its weight in ``friction.*`` and a ``friction_by_source.*``."""

    REJECTED_LEAD = "rejected_lead"  # sales rejected a marketing lead as junk
    UNWORKED_LEAD = "unworked_lead"  # a marketing lead expired unworked in sales' hands
    BUDGET_DISPUTE = "budget_dispute"  # the heads fought over the quarter's budget
    CREDIT_DISPUTE = "credit_dispute"  # both teams claimed a marketing-sourced win
    COMP_INEQUITY = "comp_inequity"  # a commission cheque beside marketers' bonus
    SLA_BREACH = "sla_breach"  # a late first touch or a missed MQL quota under an SLA


SOURCES: tuple[str, ...] = tuple(s.value for s in FrictionSource)  # in model order, as plain names


class Friction:
    """Tension between the teams, its daily history and its breakdown by source."""

    def __init__(self, params: FrictionParams) -> None:
        self.params = params
        self.weights = {src: getattr(params, src) for src in SOURCES}
        self.decay = 0.5 ** (1 / params.half_life_days)
        self.tension = 0.0
        self.hours_due = 0.0  # hours the next day loses to disputes
        self.hours_total = 0.0
        self.events = dict.fromkeys(SOURCES, 0)
        self.contribution = dict.fromkeys(SOURCES, 0.0)  # tension added, per source
        self.level_sum = 0.0
        self.days = 0

    def event(self, source: FrictionSource, heat: float = 1.0, times: int = 1) -> None:
        """Record ``times`` events of one source; ``heat`` (from the people involved) scales them."""
        if times <= 0 or heat <= 0:
            return
        added = self.weights[source] * heat * times
        self.tension += added
        self.contribution[source] += added
        self.events[source] += times
        hours = self.params.hours_per_event * heat * times
        self.hours_due += hours
        self.hours_total += hours

    @property
    def level(self) -> float:
        """Tension squashed to 0..1: 0.5 at ``friction.scale``."""
        return self.tension / (self.tension + self.params.scale)

    def end_day(self) -> float:
        """Decay tension, log the day's level; returns the hours to charge the next day."""
        self.level_sum += self.level
        self.days += 1
        self.tension *= self.decay
        due, self.hours_due = self.hours_due, 0.0
        return due

    @property
    def index(self) -> float:
        """Friction index: mean daily tension level over the run, 0-100."""
        return 100.0 * self.level_sum / self.days if self.days else 0.0

    def by_source(self) -> dict[str, float]:
        """The friction index split by source, in proportion to the tension each added."""
        total = sum(self.contribution.values())
        if total == 0:
            return dict.fromkeys(SOURCES, 0.0)
        return {src: self.index * c / total for src, c in self.contribution.items()}
