"""A straightforward reference implementation of the market: one Mesa agent per prospect.

Every prospect is a ``mesa.Agent`` whose ``step()`` runs each day (buying window opens or
closes, engagement fades), and inquiries and campaign touches are drawn prospect by prospect.
It follows the same rules as ``orgsim.model.market.Market`` and plugs into the same
``OrgModel``, so everything else is identical; it keeps the vectorised market honest: the two
must give statistically equal results, and the benchmark reports how much faster the arrays are.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np

from orgsim.model.market import FIT_CONCENTRATION, IN_MARKET_ENGAGEMENT, Prospect
from orgsim.model.model import OrgModel
from orgsim.scenario import Scenario


class ProspectAgent(mesa.Agent):
    """One buying organisation with its own state and daily step."""

    def __init__(self, model: OrgModel, market: AgentMarket, index: int, fit: float, deal: float) -> None:
        super().__init__(model)
        self.market = market
        self.index = index
        self.fit = fit
        self.deal_size = deal
        self.in_market = False
        self.window_end = -1
        self.engagement = 0.0
        self.perception = 0.5
        self.customer = False

    def open_window(self, day: int) -> None:
        self.in_market = True
        length = self.market.rng.exponential(self.market.params.buying_window_days)
        self.window_end = day + 1 + int(length)

    def step(self) -> None:
        """One day: maybe enter the market, note a window that ends today, let engagement fade."""
        market = self.market
        day = market.day
        if not self.in_market and not self.customer and market.rng.random() < market.entry_rate:
            self.open_window(day)
        elif self.in_market and self.window_end == day:
            market.closing.append(self.index)
        self.engagement *= market.decay


class Column:
    """A numpy-like view of one attribute across all prospect agents."""

    def __init__(self, agents: list[ProspectAgent], name: str, dtype: Any) -> None:
        self.agents = agents
        self.name = name
        self.dtype = dtype

    def _indices(self, idx: Any) -> np.ndarray:
        arr = np.asarray(idx)
        return np.flatnonzero(arr) if arr.dtype == bool else arr.astype(np.int64).ravel()

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
    """The market as a list of prospect agents, with the interface of ``Market``."""

    def __init__(self, model: OrgModel, rng: np.random.Generator) -> None:
        params, marketing = model.p.market, model.p.marketing
        self.params = params
        self.rng = rng
        self.n = n = params.prospects
        self.day = 0
        self.closing: list[int] = []
        a = params.fit_mean * FIT_CONCENTRATION
        mu = math.log(params.deal_size) - params.deal_size_spread**2 / 2
        self.agents = [
            ProspectAgent(
                model,
                self,
                i,
                float(rng.beta(a, FIT_CONCENTRATION - a)),
                float(rng.lognormal(mu, params.deal_size_spread)),
            )
            for i in range(n)
        ]
        touches_per_day = marketing.budget / 250 / marketing.cost_per_touch if marketing.headcount else 0
        self.decay = 0.5 ** (1 / marketing.engagement_half_life_days)
        steady = touches_per_day / n * marketing.touch_engagement / (1 - self.decay)
        for agent in self.agents:
            if rng.random() < params.in_market_share:
                agent.open_window(0)
            boost = IN_MARKET_ENGAGEMENT if agent.in_market else 1.0
            agent.engagement = steady * boost * rng.exponential(1.0)
        rate = params.in_market_share / (1 - params.in_market_share) / params.buying_window_days
        self.entry_rate = min(1.0, rate * params.demand)
        for name, dtype in (
            ("fit", np.float32),
            ("deal_size", np.float32),
            ("in_market", bool),
            ("window_end", np.int32),
            ("engagement", np.float32),
            ("perception", np.float32),
            ("customer", bool),
        ):
            setattr(self, name, Column(self.agents, name, dtype))

    def enter(self, day: int) -> np.ndarray:
        """Every prospect steps: windows open, windows due today are noted, engagement fades."""
        self.day = day
        self.closing = []
        for agent in self.agents:
            agent.step()
        return np.empty(0, dtype=np.int64)

    def due_exits(self, day: int) -> np.ndarray:
        return np.array(self.closing, dtype=np.int64)

    def close_windows(self, idx: np.ndarray) -> np.ndarray:
        bought = []
        for i in np.asarray(idx).tolist():
            agent = self.agents[i]
            agent.in_market = False
            agent.window_end = -1
            if self.rng.random() < self.params.buy_share:
                bought.append(i)
        return np.array(bought, dtype=np.int64)

    def hold_window(self, i: int) -> None:
        self.agents[int(i)].window_end = np.iinfo(np.int32).max

    def decay_engagement(self) -> None:
        """Already done in each prospect's step."""

    def touch(self, n_touches: int, effect: float, targeting: float, message_alignment: float) -> None:
        for _ in range(max(0, n_touches)):
            while True:  # a campaign reaches a random prospect, accepted by fit when targeted
                agent = self.agents[int(self.rng.integers(0, self.n))]
                if targeting <= 0 or self.rng.random() < agent.fit**targeting:
                    break
            boost = IN_MARKET_ENGAGEMENT if agent.in_market else 1.0
            agent.engagement += effect * boost
            agent.perception += 0.1 * (message_alignment - agent.perception)

    def inquiries(self, rate_in: float, rate_out: float, eligible: np.ndarray) -> np.ndarray:
        out = []
        for agent, ok in zip(self.agents, np.asarray(eligible).tolist(), strict=True):
            hazard = (rate_in if agent.in_market else rate_out) * agent.engagement
            if self.rng.random() < hazard and ok:
                out.append(agent.index)
        return np.array(out, dtype=np.int64)

    def prospect(self, i: int) -> Prospect:
        a = self.agents[int(i)]
        return Prospect(int(i), a.fit, a.deal_size, a.in_market, a.engagement, a.perception, a.customer)


class ReferenceModel(OrgModel):
    """The orgsim model with the per-agent reference market."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        super().__init__(scenario, seed)
        self.market = AgentMarket(self, self.rng)


def simulate_reference(scenario: Scenario, seed: int = 0, days: int | None = None):
    """Run and measure the reference model, like ``orgsim.simulate``."""
    from orgsim.model.metrics import measure

    model = ReferenceModel(scenario, seed=seed)
    model.run(days)
    return measure(model)
