"""What each part of a model reads and asks of the model around it, as typing protocols.

A part (the sales desk, marketing's pipeline, the SLA, the organisation, outbound calling,
the installed base) is built with the model and keeps it as ``self.model``; its protocol here
lists all the part uses of it, so a reader sees a part's reach without reading ``OrgModel``
and no part imports ``model.py`` (which imports them all). ``OrgModel`` satisfies every one
(tests/test_world.py checks that, and that each part reaches nothing its protocol leaves out).

Not here: a Mesa agent's model is a ``mesa.Model`` (``agents.py`` keeps ``OrgModel``), and
``metrics.py`` reads a finished model whole (``model.py`` does not import it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import random

    import numpy as np

    from orgsim.model.agents import Marketer, Salesperson
    from orgsim.model.desk import SalesDesk
    from orgsim.model.friction import Friction, FrictionSource
    from orgsim.model.lifecycle import Ledger
    from orgsim.model.luck import Draw, Luck
    from orgsim.model.market import Market
    from orgsim.model.marketing import MarketingPipeline
    from orgsim.model.organisation import Organisation
    from orgsim.model.sla import ServiceLevel
    from orgsim.scenario import Scenario


@runtime_checkable
class LeadWorld(Protocol):
    """What the parts that keep leads share: parameters, today, the market, the ledger, the luck."""

    params: Scenario
    day: int  # business day, 0-based
    market: Market
    ledger: Ledger
    luck: Luck

    def has_intent(self, prospects: np.ndarray) -> np.ndarray:
        """Real buying intent: in a buying window and fitting (a bool per prospect)."""
        ...


@runtime_checkable
class DeskWorld(LeadWorld, Protocol):
    """What the sales desk (``desk.py``) uses: its reps, marketing's pipeline, the SLA, the luck."""

    marketing: MarketingPipeline
    salespeople: list[Salesperson]
    sla: ServiceLevel
    fit_bar: float  # sales.fit_min as numpy compares the float32 fits (a Python float)

    def chance(self, lead: int, draw: Draw, attempt: int = 0) -> float:
        """A uniform draw in [0, 1) that belongs to this lead and event."""
        ...

    def fits(self, prospects: np.ndarray) -> np.ndarray:
        """Buyers whose true fit clears ``sales.fit_min`` (a bool per prospect)."""
        ...

    def raise_tension(self, source: FrictionSource, *scales: float) -> None:
        """One friction event from ``source``."""
        ...


@runtime_checkable
class MarketingWorld(LeadWorld, Protocol):
    """What marketing's pipeline (``marketing.py``) uses: the team, its budget, the desk it hands to."""

    rng: np.random.Generator
    random: random.Random
    desk: SalesDesk
    friction: Friction
    org: Organisation

    @property
    def program_budget_day(self) -> float:
        """Today's program budget (currency)."""
        ...

    marketers: list[Marketer]

    def spend_on_programs(self, amount: float) -> None:
        """Marketing spends program money today (currency)."""
        ...


@runtime_checkable
class Cohort(Protocol):
    """Where the measured horizon starts (``model.Baseline``)."""

    first_lead: int  # the first lead the measures count


@runtime_checkable
class SlaWorld(Protocol):
    """What the SLA (``sla.py``) uses: the ledger's response times, the desk, marketing's MQLs."""

    params: Scenario
    ledger: Ledger
    desk: SalesDesk
    marketing: MarketingPipeline
    baseline: Cohort

    def raise_tension(self, source: FrictionSource, *scales: float) -> None:
        """One friction event from ``source``."""
        ...


@runtime_checkable
class OrganisationWorld(Protocol):
    """What the organisation (``organisation.py``) uses: the people, their trust, the friction."""

    params: Scenario
    friction: Friction
    marketers: list[Marketer]
    salespeople: list[Salesperson]

    @property
    def mean_trust(self) -> float:
        """Salespeople's mean trust in marketing's leads (0-1)."""
        ...


@runtime_checkable
class OutboundWorld(Protocol):
    """What outbound calling (``outbound.py``) uses: the market it dials, the ledger and the desk."""

    params: Scenario
    rng: np.random.Generator
    market: Market
    ledger: Ledger
    desk: SalesDesk
    fit_bar: float  # sales.fit_min as numpy compares the float32 fits (a Python float)


@runtime_checkable
class CustomersWorld(Protocol):
    """What the installed base (``customers.py``) uses: the market, today and the seed."""

    params: Scenario
    seed: int
    day: int  # business day, 0-based
    market: Market
