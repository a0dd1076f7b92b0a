"""What one browser session of the dashboard works on: a set-up, its run and its twin.

Plain Python, no Solara: the page (``app.py``) holds one :class:`Session` per browser tab and
redraws after :meth:`Session.advance`. The twin is the same scenario and seed under another
org structure, stepped in lockstep, so a workshop watches the two diverge day by day.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from orgsim.model.metrics import measure
from orgsim.model.native import OrgSimModel
from orgsim.params import PARAMETERS, STRUCTURES
from orgsim.scenario import Scenario, load_scenario


@dataclass(frozen=True)
class SliderSpec:
    """One slider: a parameter from the schema, shown over a range that suits a slider."""

    key: str
    label: str
    unit: str
    doc: str
    type: str  # "int", "float" or "bool"
    lo: float
    hi: float
    step: float


# The policies and SLA terms that matter most, with a slider range where the schema's range
# (what the model accepts) is too wide to set by hand; None keeps the schema's bound.
SLIDERS: dict[str, tuple[float | None, float | None, float]] = {
    "sla.enabled": (None, None, 1),
    "sla.response_hours": (0.5, 72, 0.5),
    "sla.attempts": (None, 12, 1),
    "policy.handoff_delay_hours": (None, 72, 0.5),
    "policy.lead_routing": (None, None, 0.05),
    "policy.lead_definition": (None, None, 0.01),
    "policy.follow_up_duty": (None, None, 0.01),
    "policy.feedback": (None, None, 0.01),
    "policy.recycling": (None, None, 0.01),
    "policy.recycle_owner_hours_per_week": (None, 8, 0.5),  # the presets' lever (aligned 4, merged 2)
    "policy.shared_goal": (None, None, 0.01),
    "policy.coordination_hours_per_week": (None, 10, 0.5),
    "policy.message_alignment": (None, None, 0.01),
    "sales.headcount": (1, 40, 1),
    "marketing.headcount": (None, 20, 1),
}


def slider_specs() -> list[SliderSpec]:
    """The dashboard's sliders, labelled and ranged from :data:`orgsim.params.PARAMETERS`."""
    from orgsim.presentation.style import factor_name

    out = []
    for key, (lo, hi, step) in SLIDERS.items():
        spec = PARAMETERS[key]
        out.append(
            SliderSpec(
                key=key,
                label=factor_name(key),
                unit=spec.unit,
                doc=spec.doc,
                type=spec.type,
                lo=spec.lo if lo is None else lo,
                hi=spec.hi if hi is None else hi,
                step=step,
            )
        )
    return out


UNIT_TEXT = {
    "0-1": "a 0-1 scale",
    "share": "a share, 0-1 (shown as %)",
    "probability": "a probability, 0-1 (shown as %)",
    "flag": "on or off",
}
"""How a parameter's unit is said under its control, where the unit name alone does not say it."""


def control_label(spec: SliderSpec, value: Any) -> str:
    """A control's label with its value and unit: ``Sales headcount: 12 people``, ``Lead routing: 30%``."""
    if spec.type == "bool":
        return spec.label
    if spec.unit in ("share", "probability"):
        return f"{spec.label}: {100 * float(value):.0f}%"
    if spec.unit == "0-1":
        return f"{spec.label}: {float(value):.2f} (0-1)"
    unit = "" if spec.unit in spec.label.lower() or spec.unit == "flag" else f" {spec.unit}"
    return f"{spec.label}: {float(value):g}{unit}"


def control_help(spec: SliderSpec) -> str:
    """What a control means, in which unit and over which range, from the parameter schema."""
    if spec.type == "bool":
        return f"{spec.doc} On or off."
    unit = UNIT_TEXT.get(spec.unit, spec.unit)
    schema = PARAMETERS[spec.key]
    widest = (schema.lo, schema.hi)
    accepted = (
        f" (the model accepts {_bound(widest[0])} to {_bound(widest[1])})"
        if widest != (spec.lo, spec.hi) and None not in widest
        else ""
    )
    return f"{spec.doc} Unit: {unit}. Range here: {_bound(spec.lo)} to {_bound(spec.hi)}{accepted}."


def _bound(value: float | None) -> str:
    return "no limit" if value is None else f"{float(value):g}"


SEED_RUNS = 10
"""Seeds the dashboard's "Run 10 seeds" runs (replications 0-9 of the set-up's seed)."""


@dataclass(frozen=True)
class Spread:
    """The set-up run under ``seeds`` for the run's and the twin's structure, to the same day."""

    setup: SetUp
    day: int
    seeds: list[int]
    structures: list[str]
    results: list[Any]  # RunResult, structure-major: results[i * len(seeds) + r]

    def values(self, structure: str, name: str) -> list[float]:
        """The measure ``name`` of ``structure`` in each seed's run."""
        i = self.structures.index(structure)
        n = len(self.seeds)
        return [float(r.metrics[name]) for r in self.results[i * n : (i + 1) * n]]


def spread_seeds(seed: int, n: int = SEED_RUNS) -> list[int]:
    """Run seeds of replications 0..n-1 of experiment seed ``seed`` (``seed * 2^32 + r``, as compare)."""
    from orgsim.experiment.seeds import MAX_EXPERIMENT_SEED, run_seed

    if seed <= MAX_EXPERIMENT_SEED:
        return [run_seed(seed, r) for r in range(n)]
    return [seed + r for r in range(n) if seed + r < 2**63]  # a very large seed: the next ones


SCENARIO_ENV = "ORGSIM_DASHBOARD_SCENARIO"
"""The environment variable the server hands the start scenario to the app in."""


def start_scenario() -> str:
    """The scenario the dashboard was started with (``orgsim dashboard SCENARIO``)."""
    import os

    return os.environ.get(SCENARIO_ENV, "separate")


def pickable_scenarios() -> set[str]:
    """What the scenario picker may load: the shipped list, the start folder's, the start one."""
    from orgsim.scenario import available

    return {*available(), *STRUCTURES, start_scenario()}


def slider_value(key: str, value: Any) -> Any:
    """``value`` as the slider ``key`` takes it, inside the schema's range; None if it is not one."""
    if key not in SLIDERS:
        return None
    spec = PARAMETERS[key]
    if spec.type == "bool":
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    lo = spec.lo if spec.lo is not None else -math.inf
    hi = spec.hi if spec.hi is not None else math.inf
    number = min(max(number, lo), hi)
    return int(round(number)) if spec.type == "int" else number


MAX_REPORTS = 200  # report folders "Write report" makes under --reports (each a few MB)


@dataclass(frozen=True)
class SetUp:
    """What the next Reset builds: scenario, structure, seed, slider overrides, twin structure."""

    scenario: str = "separate"
    structure: str | None = None  # None: the scenario's own
    seed: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)
    twin: str = "aligned"

    def __post_init__(self) -> None:
        """Enforced on the server, whatever the browser sends.

        A scenario from the shipped list or the folder the dashboard started in (never a path),
        known structures, a valid seed, and overrides of the sliders only, in the schema's ranges.
        """
        fix = object.__setattr__  # frozen
        if self.scenario not in pickable_scenarios():
            fix(self, "scenario", start_scenario())
        if self.structure is not None and self.structure not in STRUCTURES:
            fix(self, "structure", None)
        if self.twin not in STRUCTURES:
            fix(self, "twin", "aligned")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            fix(self, "seed", 0)
        clean = {}
        for key, value in dict(self.overrides).items():
            checked = slider_value(key, value) if key in SLIDERS else (value if key in PARAMETERS else None)
            if checked is not None:
                clean[key] = checked
        fix(self, "overrides", clean)

    def base(self) -> Scenario:
        """The scenario with its structure, before the sliders' overrides."""
        extra = {"structure": self.structure} if self.structure else None
        return load_scenario(self.scenario, extra)

    def values(self) -> dict[str, Any]:
        """Every slider's value under this set-up (the scenario's, unless a slider moved it)."""
        base = self.base()
        return {key: self.overrides.get(key, base.get(key)) for key in SLIDERS}

    def keywords(self, structure: str | None = None) -> dict[str, Any]:
        """Keywords for :class:`~orgsim.model.native.OrgSimModel` (``structure``: the twin's)."""
        chosen = structure or self.structure
        extra = {"structure": chosen} if chosen else {}
        return {"scenario": self.scenario, "seed": self.seed, **extra, **self.overrides}

    def moved(self, key: str, value: Any) -> SetUp:
        """The set-up with one slider moved (a value equal to the scenario's drops the override).

        A key that is no slider or a value that is not one (text, NaN) leaves the set-up as it
        is; a number outside the schema's range is cut to it (:func:`slider_value`).
        """
        value = slider_value(key, value)
        if value is None:
            return self
        overrides = dict(self.overrides)
        base = self.base().get(key)
        if base == value or (isinstance(value, float) and math.isclose(base, value, abs_tol=1e-9)):
            overrides.pop(key, None)
        else:
            overrides[key] = value
        return replace(self, overrides=overrides)


class Session:
    """The run on screen and its twin under another structure, stepped together."""

    def __init__(self, setup: SetUp) -> None:
        from orgsim import currency

        self.setup = setup
        self.spread: Spread | None = None  # the last "Run 10 seeds"
        currency.follow()  # one scenario at a time: picking one in another currency is no clash
        self.model = OrgSimModel(**setup.keywords())
        self.show_currency()
        twin = (
            setup.twin if setup.twin != self.model.params.structure else _other(self.model.params.structure)
        )
        self.twin = OrgSimModel(**setup.keywords(twin))
        # the going-concern warm-up (horizon.warmup_days) runs before the page shows day 0
        while self.model.day < self.model.warmup_days:
            self.model.step()
            self.twin.step()

    def show_currency(self) -> None:
        """Write money in this run's scenario currency from now on (unless ``--currency`` was given)."""
        from orgsim import currency

        currency.follow(self.model.params.currency)

    @property
    def day(self) -> int:
        """Measured business days so far (after the warm-up)."""
        return self.model.measured_days

    @property
    def horizon(self) -> int:
        """Measured business days in the scenario (``horizon.days``, after the warm-up)."""
        return self.model.params.horizon.days

    @property
    def running(self) -> bool:
        """Whether days remain before the horizon."""
        return self.model.running

    def advance(self, days: int = 1) -> int:
        """Step both models up to ``days`` business days (stopping at the horizon); days stepped."""
        done = 0
        while done < days and self.model.running:
            self.model.step()
            self.twin.step()
            done += 1
        return done

    def run_seeds(self, n: int = SEED_RUNS, on_progress: Any = None) -> Spread:
        """Run the set-up under ``n`` seeds for both structures, to the day on screen; keeps and returns it.

        Replication r uses the run seed ``S * 2^32 + r`` of the set-up's seed S, as
        ``orgsim compare --seed S`` does (with S = 0, seeds 0..n-1: the first is this run's).
        ``on_progress(done, total)`` is called after each run.
        """
        seeds = spread_seeds(self.setup.seed, n)
        structures = [self.model.params.structure, self.twin.params.structure]
        day, results, total = self.day, [], len(seeds) * len(structures)
        for structure in structures:
            for seed in seeds:
                keywords = {**self.setup.keywords(structure), "seed": seed}
                model = OrgSimModel(**keywords)
                while model.running and (model.day < model.warmup_days or model.measured_days < day):
                    model.step()
                results.append(measure(model, series=True))
                if on_progress is not None:
                    on_progress(len(results), total)
        self.spread = Spread(self.setup, day, seeds, structures, results)
        return self.spread

    def current_spread(self) -> Spread | None:
        """The seeds run for this set-up at the day on screen, if any (the report uses them)."""
        spread = self.spread
        if spread is None or spread.setup != self.setup or spread.day != self.day:
            return None
        return spread

    def write_report(self, root: str | Path) -> Path:
        """Write the report of both runs so far into a new folder under ``root``; returns report.html.

        After "Run 10 seeds" at this day, the report compares the two structures over those seeds
        (a replicated comparison with CIs); otherwise it reports the one run of each.
        """
        from orgsim.analyses.compare import Comparison
        from orgsim.presentation.report import write_comparison_report

        self.show_currency()  # another tab may have drawn another scenario since
        runs = [self.model, self.twin]
        # each run labelled by its own structure (the twin keeps the scenario's name otherwise)
        params = [m.params for m in runs]
        names = [p.structure if p.name in STRUCTURES else f"{p.name}/{p.structure}" for p in params]
        scenarios = [m.params.model_copy(update={"name": n}) for m, n in zip(runs, names, strict=True)]
        spread = self.current_spread()
        if spread is not None:
            comp = Comparison(scenarios=scenarios, reps=len(spread.seeds), seed=self.setup.seed,
                              results=list(spread.results))  # fmt: skip
        else:
            results = [measure(m, series=True) for m in runs]
            comp = Comparison(scenarios=scenarios, reps=1, seed=self.model.seed, results=results)
        seeds = f"{len(spread.seeds)}seeds" if spread is not None else f"seed{self.model.seed}"
        name = f"{self.model.params.name}-vs-{self.twin.params.structure}-{seeds}-day{self.day}"
        root = Path(root)
        if root.is_dir() and sum(1 for p in root.iterdir() if p.is_dir()) >= MAX_REPORTS:
            from orgsim.errors import InputError

            raise InputError(f"--reports: {root} holds {MAX_REPORTS} reports already; move some away first")
        from orgsim.outputs import file_stem

        return write_comparison_report(comp, root / file_stem(re.sub(r"[^\w.-]+", "_", name)[:80], limit=80))


def _other(structure: str) -> str:
    return next(s for s in ("aligned", "separate", *STRUCTURES) if s != structure)


__all__ = [
    "SEED_RUNS",
    "SLIDERS",
    "Session",
    "SetUp",
    "SliderSpec",
    "Spread",
    "control_help",
    "control_label",
    "slider_specs",
    "spread_seeds",
]
