"""A straightforward reference implementation of the market: one Mesa agent per prospect.

Every prospect is a ``mesa.Agent``. Its ``step()`` runs each morning (its buying window may
open, or be due to close; its engagement fades), and it answers two verbs later in the day:
``hear()`` a campaign touch, and ``inquires()`` (draws whether it raises its hand). The day's
order is the one ``OrgModel.step`` gives the vectorised market, and ``ReferenceModel`` is
``OrgModel`` with this market plugged in, so everything else is identical.

It follows the rules of ``orgsim.model.market.Market`` but not its random-number stream:
each agent draws from the model's ``random`` (the stdlib generator Mesa gives every agent,
cheaper per scalar draw than numpy's), so the two agree in distribution, not run by run. It
keeps the vectorised market honest: the benchmark shows they give statistically equal results
and how much faster the arrays are.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np

from orgsim.model.market import FIT_CONCENTRATION, HELD, IN_MARKET_ENGAGEMENT, Prospect
from orgsim.model.metrics import RunResult, measure
from orgsim.model.model import OrgModel
from orgsim.scenario import Scenario


class ProspectAgent(mesa.Agent):
    """One buying organisation with its own state, a daily step and two verbs."""

    def __init__(self, model: mesa.Model, market: AgentMarket, index: int) -> None:
        super().__init__(model)
        p = market.params
        a = p.fit_mean * FIT_CONCENTRATION
        self.market = market
        self.index = index
        self.fit = self.random.betavariate(a, FIT_CONCENTRATION - a)  # score 0-1
        self.deal_size = self.random.lognormvariate(market.deal_mu, p.deal_size_spread)  # currency
        self.in_market = False
        self.window_end = -1  # business day the buying window closes; -1 when out of market
        self.customer = False
        self.perception = 0.5  # 0-1
        self.hard = self.random.random() < p.hard_lead_share  # fit and intent hard to read
        if self.random.random() < p.in_market_share:
            self.open_window(0)
        boost = IN_MARKET_ENGAGEMENT if self.in_market else 1.0
        self.engagement = market.steady * boost * self.random.expovariate(1.0)  # engagement units

    def open_window(self, day: int) -> None:
        """Start buying: the window lasts an exponential number of business days."""
        self.in_market = True
        self.window_end = day + 1 + int(self.random.expovariate(1.0 / self.market.params.buying_window_days))

    def step(self) -> None:
        """Morning: a window may open, or is noted when it closes today; engagement fades."""
        market = self.market
        if self.in_market:
            if self.window_end == market.day:
                market.closing.append(self.index)
        elif not self.customer and self.random.random() < market.entry_rate:
            self.open_window(market.day)
        self.engagement *= market.decay

    def hear(self, effect: float, alignment: float) -> None:
        """One campaign touch: engagement rises (more when in market), perception moves."""
        self.engagement += effect * (IN_MARKET_ENGAGEMENT if self.in_market else 1.0)
        self.perception += 0.1 * (alignment - self.perception)

    def inquires(self, rate_in: float, rate_out: float) -> bool:
        """Whether this prospect raises its hand today (hazard grows with engagement)."""
        return self.random.random() < (rate_in if self.in_market else rate_out) * self.engagement


class Column:
    """A numpy-like view of one attribute across all prospect agents (what the model indexes)."""

    def __init__(self, agents: list[ProspectAgent], name: str, dtype: Any) -> None:
        self.agents = agents
        self.name = name
        self.dtype = dtype

    def _indices(self, idx: Any) -> np.ndarray:
        arr = np.asarray(idx)
        return np.flatnonzero(arr) if arr.dtype == bool else arr.astype(np.int64).ravel()

    def item(self, i: int) -> Any:
        """One agent's value as a Python scalar (as `ndarray.item`, which per-lead reads use)."""
        return np.asarray(getattr(self.agents[int(i)], self.name), dtype=self.dtype).item()

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, int | np.integer):
            return getattr(self.agents[int(idx)], self.name)
        return np.array([getattr(self.agents[i], self.name) for i in self._indices(idx)], dtype=self.dtype)

    def __setitem__(self, idx: Any, value: Any) -> None:
        if isinstance(idx, int | np.integer):
            setattr(self.agents[int(idx)], self.name, value.item() if hasattr(value, "item") else value)
            return
        values = np.broadcast_to(np.asarray(value), (len(self._indices(idx)),))
        for i, v in zip(self._indices(idx), values, strict=True):
            setattr(self.agents[i], self.name, v.item())

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.array([getattr(a, self.name) for a in self.agents], dtype=dtype or self.dtype)

    def __invert__(self) -> np.ndarray:
        return ~np.asarray(self)

    def __and__(self, other: Any) -> np.ndarray:
        return np.asarray(self) & np.asarray(other)

    __rand__ = __and__


class AgentMarket:
    """The market as a list of prospect agents, with the interface of ``Market``.

    ``mesa_do=True`` steps the agents through Mesa's ``AgentSet.do("step")``, as a Mesa model
    usually activates agents; by default a plain loop over the list, about twice as fast.
    """

    def __init__(self, model: mesa.Model, mesa_do: bool = False) -> None:
        params, marketing = model.params.market, model.params.marketing
        self.mesa_do = mesa_do
        self.params = params
        self.random = model.random
        self.n = n = params.prospects
        self.day = 0
        self.closing: list[int] = []  # prospects whose window closes today
        self.deal_mu = math.log(params.deal_size) - params.deal_size_spread**2 / 2
        touches_per_day = marketing.budget / 250 / marketing.cost_per_touch if marketing.headcount else 0
        self.decay = 0.5 ** (1 / marketing.engagement_half_life_days)
        self.steady = touches_per_day / n * marketing.touch_engagement / (1 - self.decay)
        rate = params.in_market_share / (1 - params.in_market_share) / params.buying_window_days
        self.entry_rate = min(1.0, rate * params.demand)
        self.agents = [ProspectAgent(model, self, i) for i in range(n)]
        self.agent_set = model.agents_by_type[ProspectAgent]
        for name, dtype in (
            ("fit", np.float32),
            ("deal_size", np.float32),
            ("in_market", bool),
            ("window_end", np.int32),
            ("engagement", np.float32),
            ("perception", np.float32),
            ("customer", bool),
            ("hard", bool),
        ):
            setattr(self, name, Column(self.agents, name, dtype))

    def enter(self, day: int) -> np.ndarray:
        """Every prospect steps: windows open, windows due today are noted, engagement fades."""
        self.day = day
        self.closing = []
        if self.mesa_do:
            self.agent_set.do("step")
            self.closing.sort()  # the set's order is not the index order
        else:
            for agent in self.agents:
                agent.step()
        return np.empty(0, dtype=np.int64)

    def due_exits(self, day: int) -> np.ndarray:
        """Prospects whose window closes today, as noted in their morning step."""
        return np.array(self.closing, dtype=np.int64)

    def close_windows(self, idx: np.ndarray) -> np.ndarray:
        """Close buying windows; returns those that bought from some vendor."""
        bought = []
        for i in np.asarray(idx).tolist():
            agent = self.agents[i]
            agent.in_market = False
            agent.window_end = -1
            if self.random.random() < self.params.buy_share:
                bought.append(i)
        return np.array(bought, dtype=np.int64)

    def hold_window(self, i: int) -> None:
        """Keep a prospect in market while it evaluates us."""
        self.agents[int(i)].window_end = HELD

    def hear_sales(self, i: int, alignment: float) -> None:
        """A sales conversation moves buyer ``i``'s perception toward sales' message (as ``Market``)."""
        self.perception[i] += np.float32(0.3) * (np.float32(alignment) - self.perception[i])

    def decay_engagement(self) -> None:
        """Already done in each prospect's morning step."""

    def touch(self, n_touches: int, effect: float, targeting: float, message_alignment: float) -> None:
        """Each touch reaches a random prospect, accepted with probability fit ** targeting."""
        for _ in range(max(0, n_touches)):
            while True:
                agent = self.agents[self.random.randrange(self.n)]
                if targeting <= 0 or self.random.random() < agent.fit**targeting:
                    break
            agent.hear(effect, message_alignment)

    def deliver_touches(self) -> None:
        """Nothing is held: every touch above lands when it is made, one at a time."""

    def inquiries(self, rate_in: float, rate_out: float, eligible: np.ndarray) -> np.ndarray:
        """Every prospect draws; the eligible ones that raise their hand, in index order."""
        hands = [a.index for a in self.agents if a.inquires(rate_in, rate_out)]
        return np.array([i for i in hands if eligible[i]], dtype=np.int64)

    def prospect(self, i: int) -> Prospect:
        """One prospect's detail."""
        a = self.agents[int(i)]
        return Prospect(
            int(i), a.fit, a.deal_size, a.in_market, a.engagement, a.perception, a.customer, a.hard
        )


class ReferenceModel(OrgModel):
    """The orgsim model with the one-agent-per-prospect market (the vectorised one is dropped)."""

    def __init__(self, scenario: Scenario, seed: int = 0, mesa_do: bool = False) -> None:
        super().__init__(scenario, seed)
        self.market = AgentMarket(self, mesa_do)


def market_alone(scenario: Scenario, seed: int = 0, mesa_do: bool = False) -> AgentMarket:
    """The reference market on its own (its agents live in a bare Mesa model)."""
    host = mesa.Model(rng=seed)
    host.params = scenario
    return AgentMarket(host, mesa_do)


def simulate_reference(
    scenario: Scenario, seed: int = 0, days: int | None = None, mesa_do: bool = False
) -> RunResult:
    """Run and measure the reference model, like ``orgsim.simulate``."""
    model = ReferenceModel(scenario, seed=seed, mesa_do=mesa_do)
    model.run(days)
    return measure(model)
