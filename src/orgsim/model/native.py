"""The orgsim model as Mesa's own tools expect it: keyword parameters, a horizon, daily measures.

Mesa builds models from plain keyword arguments: ``mesa.batch_run`` crosses them and
``SolaraViz`` rebuilds the model from its sliders on Reset. :class:`OrgSimModel` takes a scenario
name or path and dotted overrides as keywords, exactly as :func:`~orgsim.model.simulate.simulate`
does, stops (``running = False``) at the scenario's horizon, and its DataCollector reports the
headline measures every day, computed by :func:`orgsim.model.metrics.measure` so the last day's
row is the run's result::

    import mesa
    from orgsim.model.native import OrgSimModel

    rows = mesa.batch_run(
        OrgSimModel,
        parameters={"scenario": ["separate", "aligned"], "sales.headcount": [10, 12]},
        rng=[0, 1],  # orgsim seeds (batch_run passes them as ``seed``)
        data_collection_period=1,
    )

``iterations=2`` instead of ``rng`` (Mesa's older spelling) runs each point on two fresh seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from orgsim.errors import InputError
from orgsim.model.friction import SOURCES
from orgsim.model.lifecycle import LeakCause
from orgsim.model.metrics import METRICS, RunResult, measure
from orgsim.model.model import OrgModel
from orgsim.model.simulate import as_scenario
from orgsim.scenario import Scenario

_HEADLINE_WANTED = (
    "revenue",
    "contribution",
    "friction_index",
    "leakage_rate",
    "mqls",
    "sqls",
    "won_deals",
    "median_response_hours",
    "customer_value",
)
HEADLINE: tuple[str, ...] = tuple(m for m in _HEADLINE_WANTED if m in METRICS)
"""The measures reported every day, by their :data:`~orgsim.model.metrics.METRICS` names."""

CAUSES: tuple[str, ...] = tuple(c.name.lower() for c in LeakCause if c != LeakCause.NONE)
"""Leak causes; the DataCollector reports ``leaked.<cause>`` (cumulative leads) for each."""


@dataclass(frozen=True)
class FrictionEvents:
    """Friction events of one source on one business day (a line of the dashboard's feed)."""

    day: int
    source: str
    count: int


class _NoCollector:
    """Stands in for the DataCollector while the day runs (see :meth:`OrgSimModel.step`)."""

    def collect(self, model: mesa.Model) -> None:
        """Collect nothing."""


class OrgSimModel(OrgModel):
    """:class:`~orgsim.model.model.OrgModel` built from keywords, for ``batch_run`` and ``SolaraViz``.

    ``scenario`` is a structure preset, a shipped or ``scenarios/`` name or a ``.toml`` path;
    ``seed`` the run's seed (same scenario and seed: the same numbers as ``simulate``). Mesa's
    conventions work too: ``rng=42`` is ``seed=42``, ``rng`` a numpy Generator draws the seed
    from it, and ``seed=None`` (what ``batch_run(iterations=...)`` passes) draws a fresh one;
    the seed used is kept in :attr:`seed` and :attr:`parameters` so the run can be repeated.
    Every other keyword is a dotted parameter override such as ``**{"sla.response_hours": 4}``
    or ``structure``.
    Bad names or values raise :class:`~orgsim.errors.InputError`.

    After each step, :attr:`today` holds the measures so far (a
    :class:`~orgsim.model.metrics.RunResult`) and :attr:`friction_log` the day's friction
    events. The model is one Mesa step per business day and stops at ``horizon.days``.
    """

    def __init__(
        self,
        scenario: str | Path | Scenario = "separate",
        seed: int | str | None = 0,
        rng: int | np.random.Generator | None = None,
        **overrides: Any,
    ):
        seed = run_seed(seed, rng)
        resolved = as_scenario(scenario, overrides or None)
        super().__init__(resolved, seed=seed)
        self.parameters: dict[str, Any] = {"scenario": scenario, "seed": seed, **overrides}
        """The keywords this model was built from (to build its twin under another structure)."""
        self.friction_log: list[FrictionEvents] = []
        self._events_seen = dict.fromkeys(SOURCES, 0)
        self.today: RunResult = measure(self)
        reporters: dict[str, Any] = dict(self.datacollector.model_reporters)  # the model's own series
        reporters.update({name: _metric(name) for name in HEADLINE})
        reporters.update({f"leaked.{cause}": _leaked(cause) for cause in CAUSES})
        reporters["seed"] = _seed  # batch_run's row then names the seed used, not the None passed
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    # Mesa's experimental Scenario is not used: orgsim's parameters travel as keywords, and
    # SolaraViz's Reset would otherwise replace the ``scenario`` keyword with an empty Mesa
    # Scenario. The resolved orgsim scenario is ``self.params``.
    @property
    def scenario(self) -> None:
        """Always None (see the comment above); the orgsim scenario is :attr:`params`."""
        return None

    @scenario.setter
    def scenario(self, value: Any) -> None:
        """Mesa's base class sets its own Scenario here; it is not kept."""

    def step(self) -> None:
        """One business day; then the day's measures and friction events; stop at the horizon."""
        # OrgModel collects at the end of its step, before the day's measures below exist;
        # collect here instead, after them, so the last row equals simulate()'s result.
        collector, self.datacollector = self.datacollector, _NoCollector()
        try:
            super().step()
        finally:
            self.datacollector = collector
        self.today = measure(self)
        self._log_friction()
        self.datacollector.collect(self)
        self.running = self.day < self.end_day

    def _log_friction(self) -> None:
        events = self.friction.events
        for source in SOURCES:
            new = events[source] - self._events_seen[source]
            if new:
                self.friction_log.append(FrictionEvents(self.day, source, new))
        self._events_seen = dict(events)


def run_seed(seed: int | str | None, rng: int | np.random.Generator | None = None) -> int:
    """The orgsim seed from Mesa-style ``seed``/``rng`` (None: a fresh seed); InputError if bad."""
    if rng is not None and seed not in (None, 0):
        raise InputError(f"seed/rng: give one, not both (got seed={seed!r}, rng={rng!r})")
    if rng is not None:
        if isinstance(rng, np.random.Generator):
            return int(rng.integers(2**63))
        seed = rng
    if seed is None:
        return int(np.random.default_rng().integers(2**63))
    if isinstance(seed, bool) or not isinstance(seed, (int, str, np.integer)):
        raise InputError(f"seed: {seed!r} is not an integer")
    try:
        value = int(seed)  # a text field in a UI gives a string
    except ValueError:
        raise InputError(f"seed: {seed!r} is not an integer") from None
    if not 0 <= value < 2**63:
        raise InputError(f"seed: {value} is not allowed; use an integer in [0, 2^63)")
    return value


def _metric(name: str) -> Any:
    def report(model: OrgSimModel) -> float:
        return model.today.metrics[name]

    report.__name__ = name
    return report


def _seed(model: OrgSimModel) -> int:
    return model.seed


def _leaked(cause: str) -> Any:
    def report(model: OrgSimModel) -> int:
        return model.today.leaked_by_cause.get(cause, 0)

    report.__name__ = f"leaked_{cause}"
    return report


__all__ = ["CAUSES", "HEADLINE", "FrictionEvents", "OrgSimModel", "run_seed"]
