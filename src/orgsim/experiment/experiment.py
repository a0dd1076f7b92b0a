"""Experiment files: base scenarios, factors, a design, replications, horizon and seed.

An experiment (``experiments/*.toml``) is validated like a scenario: every failure is one
:class:`~orgsim.errors.InputError` line naming the file, the field and what is allowed.
Factors are small objects (like the EMA Workbench's parameters), one per dotted key::

    name = "sla_by_structure"
    scenarios = ["aligned"]     # presets or scenario .toml paths (relative to this file)
    design = "factorial"        # factorial | lhs | sobol | morris
    samples = 0                 # lhs: points; sobol: base N; morris: trajectories
    replications = 10
    days = 250                  # horizon in business days (default: the scenario's)
    seed = 1
    series = false              # also store the per-day series
    metrics = ["revenue"]       # measures `orgsim analyze` summarises by default
    [set]                       # fixed overrides of the base scenarios
    "market.prospects" = 5000
    [factors]
    "sla.response_hours" = { levels = [1, 4, 24, 96] }
    "sales.headcount" = { range = [4, 20] }    # lhs, sobol and morris only
    structure = { levels = ["separate", "merged", "aligned"] }

Every level, and both ends of every range, is checked against the parameter schema by
building the scenario it makes, so a sweep never fails halfway on a value it could have
refused at the start.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
)

from orgsim.errors import InputError, suggest, validated
from orgsim.experiment.design import DESIGNS, MAX_POINTS, Design, Factor
from orgsim.experiment.design import points as design_points
from orgsim.experiment.seeds import MAX_EXPERIMENT_SEED, run_seed
from orgsim.params import PARAMETERS, STRUCTURES
from orgsim.scenario import Scenario, check_key, load_scenario, read_toml

MAX_RUNS = 10_000_000  # runs in one sweep: ~10^6 CPU-seconds of the default model; limits memory too



class ExperimentFile(BaseModel):
    """An experiment file's entries as written, each with its type and bounds (see the module doc)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: StrictStr | None = None
    description: StrictStr = ""
    scenarios: list[StrictStr] = Field(default=["separate"], min_length=1)
    design: Literal[DESIGNS] = "factorial"  # type: ignore[valid-type]
    samples: StrictInt | None = Field(default=None, ge=0, le=MAX_POINTS)
    replications: Annotated[StrictInt, Field(ge=1, le=MAX_RUNS)] = 1
    days: StrictInt | None = Field(default=None, ge=1)  # business days
    seed: Annotated[StrictInt, Field(ge=0, le=MAX_EXPERIMENT_SEED)] = 0
    series: StrictBool = False
    metrics: list[StrictStr] = []
    calc_second_order: StrictBool = False
    num_levels: Annotated[StrictInt, Field(ge=2, le=1000)] = 4
    set_: dict[str, Any] = Field(default={}, alias="set")
    factors: dict[str, Any] = {}

    @field_validator("scenarios", mode="before")
    @classmethod
    def _one_name(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class FactorFile(BaseModel):
    """One factor's table: ``{ levels = [...] }`` or ``{ range = [low, high] }``."""

    model_config = ConfigDict(extra="forbid")

    levels: list[Any] | None = None
    range: list[Any] | None = None

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: list[Any] | None) -> list[Any] | None:
        if value is not None and not value:
            raise ValueError("a non-empty list")
        if value is not None and not all(isinstance(v, str | bool | int | float) for v in value):
            raise ValueError("numbers, true/false or names only")
        return value

    @field_validator("range")
    @classmethod
    def _range(cls, value: list[Any] | None) -> list[Any] | None:
        if value is not None and not (len(value) == 2 and all(isinstance(v, int | float) for v in value)):
            raise ValueError("use [low, high] with two numbers")
        return value


TOP_KEYS = tuple(info.alias or name for name, info in ExperimentFile.model_fields.items())


SEEDING = "common-random-numbers"
"""How run seeds are derived (part of the hash, so a sweep never mixes two schemes)."""


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep, fixed before dispatch: where it sits in the design and its seed."""

    run_id: int
    scenario: str
    design_point: int
    replicate: int
    seed: int
    values: dict[str, Any]


@dataclass
class Experiment:
    """A validated experiment: what to run, how many times, and how it is seeded."""

    name: str
    description: str
    scenarios: list[Scenario]
    factors: list[Factor]
    design: str = "factorial"
    samples: int = 0
    replications: int = 1
    days: int | None = None
    seed: int = 0
    series: bool = False
    metrics: list[str] = field(default_factory=list)
    calc_second_order: bool = False
    num_levels: int = 4
    source: str = "<experiment>"
    overrides: dict[str, Any] = field(default_factory=dict)  # the [set] table (and days), in every run

    @property
    def sampler(self) -> Design:
        """The design: method, sample size and seed."""
        return Design(self.design, self.samples, self.seed, self.num_levels, self.calc_second_order)

    def points(self) -> list[dict[str, Any]]:
        """The design points, in the sampler's order (``design_point`` indexes this list)."""
        return design_points(self.sampler, self.factors)

    def settings(self, points: list[dict[str, Any]] | None = None) -> list[int]:
        """Each design point's setting: the index of its values of every factor but the structure.

        Points that differ only in the structure share a setting; so do the same point under
        each base scenario.
        """
        index: dict[str, int] = {}
        out = []
        for values in points if points is not None else self.points():
            others = {k: v for k, v in values.items() if k != "structure"}
            key = json.dumps(others, sort_keys=True, default=str)
            out.append(index.setdefault(key, len(index)))
        return out

    @property
    def n_points(self) -> int:
        """Number of design points (without sampling them)."""
        return self.sampler.count(self.factors)

    @property
    def n_runs(self) -> int:
        """Number of runs: base scenarios x design points x replications."""
        return len(self.scenarios) * self.n_points * self.replications

    def runs(self) -> list[RunSpec]:
        """Every run: for each base scenario, design point and replicate, with its seed."""
        return list(self.iter_runs())

    def iter_runs(
        self, points: list[dict[str, Any]] | None = None, settings: list[int] | None = None
    ) -> Iterator[RunSpec]:
        """The runs of :meth:`runs` one at a time (a sweep never holds them all), in run-id order.

        Common random numbers: replicate ``r`` of a setting (see :meth:`settings`) has the same
        seed under every base scenario and structure, so structures are compared on the same
        luck and their differences can be paired by seed.
        """
        points = self.points() if points is None else points
        settings = self.settings(points) if settings is None else settings
        for s, scenario in enumerate(self.scenarios):
            for p, values in enumerate(points):
                for r in range(self.replications):
                    run_id = (s * len(points) + p) * self.replications + r
                    seed = run_seed(self.seed, settings[p] * self.replications + r)
                    yield RunSpec(run_id, scenario.name, p, r, seed, values)

    def spec(
        self, run_id: int, points: list[dict[str, Any]] | None = None, settings: list[int] | None = None
    ) -> RunSpec:
        """The run with id ``run_id`` (as :meth:`runs` would list it, with the same seed).

        Pass ``points`` and ``settings`` when asking for many runs, so they are computed once.
        """
        points = self.points() if points is None else points
        settings = self.settings(points) if settings is None else settings
        rest, r = divmod(run_id, self.replications)
        s, p = divmod(rest, len(points))
        seed = run_seed(self.seed, settings[p] * self.replications + r)
        return RunSpec(run_id, self.scenarios[s].name, p, r, seed, points[p])

    def as_dict(self) -> dict[str, Any]:
        """The experiment as recorded in the manifest (scenarios fully resolved)."""
        return {
            "name": self.name,
            "description": self.description,
            "design": self.design,
            "samples": self.samples,
            "replications": self.replications,
            "days": self.days,
            "seed": self.seed,
            "series": self.series,
            "metrics": self.metrics,
            "calc_second_order": self.calc_second_order,
            "num_levels": self.num_levels,
            "factors": {f.key: f.as_dict() for f in self.factors},
            "set": dict(self.overrides),
            "scenarios": {sc.name: sc.flat() for sc in self.scenarios},
        }

    def hash(self) -> str:
        """A digest of everything that decides the results (not the name, description or metrics)."""
        data = self.as_dict()
        del data["name"], data["description"], data["metrics"]
        data["seeding"] = SEEDING
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def scenario(self, name: str) -> Scenario:
        """A base scenario by name."""
        return next(sc for sc in self.scenarios if sc.name == name)


def _need(cond: bool, source: str, message: str) -> None:
    if not cond:
        raise InputError(f"{source}: {message}")


def _flatten(table: dict[str, Any], leaf: Callable[[str, Any], bool], prefix: str = "") -> dict[str, Any]:
    """Dotted keys from nested TOML tables (``sla.response_hours = ...`` written unquoted)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not leaf(name, value):
            out.update(_flatten(value, leaf, f"{name}."))
        else:
            out[name] = value
    return out


def _is_factor(key: str, value: dict[str, Any]) -> bool:
    """A factor's table (a known key, or one giving levels or a range), not a section of keys."""
    return key in PARAMETERS or key == "structure" or "levels" in value or "range" in value


def _factor(key: str, spec: Any, design: str, source: str) -> Factor:
    check_key(key, f"{source}: factors")
    where = f"factors.{key}"
    if isinstance(spec, list):
        spec = {"levels": spec}
    _need(isinstance(spec, dict), source, f"{where}: use {{ levels = [...] }} or {{ range = [low, high] }}")
    table = validated(FactorFile, spec, source, at=where)
    _need(("levels" in spec) != ("range" in spec), source, f"{where}: give exactly one of levels or range")
    if table.levels is not None:
        return Factor(key, levels=tuple(table.levels))
    rng = table.range or []
    _need(rng[0] < rng[1], source, f"{where}.range: low {rng[0]} must be below high {rng[1]}")
    _need(
        design != "factorial",
        source,
        f"{where}: a factorial design needs levels; ranges are for lhs, sobol and morris",
    )
    spec_ = PARAMETERS.get(key)
    _need(
        key != "structure" and spec_ is not None and spec_.type in ("int", "float"),
        source,
        f"{where}.range: {key} is not numeric; give levels",
    )
    if spec_ is not None and spec_.type == "int":  # sampled values are rounded to integers
        _need(
            round(rng[0]) != round(rng[1]),
            source,
            f"{where}.range: [{rng[0]}, {rng[1]}] holds a single integer, so every point would be the "
            f"same; widen it or fix the value in [set]",
        )
        _need(  # sampled values are rounded: [4.2, 4.8] would give 4s and 5s, both outside it
            all(float(v).is_integer() for v in rng),
            source,
            f"{where}.range: {key} takes whole numbers and sampled values are rounded, so "
            f"[{rng[0]}, {rng[1]}] would give values outside it; give whole-number ends "
            f"(e.g. [{math.floor(rng[0])}, {math.ceil(rng[1])}])",
        )
    return Factor(key, lo=float(rng[0]), hi=float(rng[1]))


def _check_values(factor: Factor, base: Scenario, source: str) -> Factor:
    """Every level (or both ends of a range) must make a valid scenario.

    Returns the factor with its levels in the parameter's type (a level written ``"4"`` for
    an integer parameter becomes 4), so a column of the runs table has one type.
    """
    values = factor.levels if factor.levels is not None else (factor.lo, factor.hi)
    checked, validated = [], []
    for value in values:
        if factor.integer and isinstance(value, float) and factor.levels is None:
            value = round(value)
        if factor.key == "structure" and value not in STRUCTURES:
            raise InputError(
                f"{source}: factors.structure: {value!r} is not a structure; allowed: "
                f"{', '.join(STRUCTURES)}{suggest(str(value), STRUCTURES)}"
            )
        valid = base.with_overrides({factor.key: value}, source=f"{source}: factors").get(factor.key)
        checked.append(valid if isinstance(value, str) and not isinstance(valid, str) else value)
        validated.append(json.dumps(valid))
    if factor.levels is None:
        return factor
    repeated = next((v for v, k in zip(checked, validated, strict=True) if validated.count(k) > 1), None)
    _need(
        repeated is None,
        source,
        f"factors.{factor.key}.levels: {repeated!r} is repeated; each level once",
    )
    return Factor(factor.key, levels=tuple(checked))


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file."""
    path = Path(path)
    raw = read_toml(path)
    return parse_experiment(raw, source=str(path), base_dir=path.parent)


def parse_experiment(
    raw: dict[str, Any], source: str = "<experiment>", base_dir: Path | None = None
) -> Experiment:
    """Validate an experiment given as a TOML-shaped dict."""
    entries = validated(ExperimentFile, raw, source)
    design = entries.design
    replications, days, seed = entries.replications, entries.days, entries.seed
    num_levels = entries.num_levels
    samples = entries.samples if entries.samples is not None or design != "factorial" else 0
    _need(
        samples is not None and (samples >= 1 or design == "factorial"),
        source,
        f"samples: the {design} design needs a sample size (an integer >= 1)",
    )
    assert samples is not None
    if design == "sobol" and samples & (samples - 1):
        low = 1 << (samples.bit_length() - 1)
        near = f"{low} or {2 * low}" if 2 * low <= MAX_POINTS else f"{low}"  # never one over the limit
        raise InputError(
            f"{source}: samples: {samples} is not allowed for a sobol design; use a power of 2 "
            f"(e.g. {near}) so the Sobol' sequence keeps its balance"
        )
    overrides = _flatten(entries.set_, lambda key, value: False)
    for key in overrides:
        check_key(key, f"{source}: set")
    if days is not None:
        _need(
            "horizon.days" not in overrides,
            source,
            "days and set.horizon.days both give the horizon; keep one",
        )
        overrides["horizon.days"] = days
    names = entries.scenarios
    scenarios = []
    for name in names:
        target = name
        if name.endswith(".toml") and base_dir is not None and not Path(name).exists():
            target = str(base_dir / name)
        try:
            scenarios.append(load_scenario(target, overrides or None, overrides_source=f"{source}: set"))
        except InputError as exc:
            message = str(exc)  # a bad [set] value names this file already; else name the scenario
            raise InputError(
                message if message.startswith(f"{source}: ") else f"{source}: scenarios: {message}"
            ) from None
    labels = [sc.name for sc in scenarios]
    _need(len(set(labels)) == len(labels), source, f"scenarios: two base scenarios share the name {labels}")
    factors_raw = _flatten(entries.factors, _is_factor)
    factors = [_factor(key, spec, design, source) for key, spec in factors_raw.items()]
    _need(bool(factors) or design == "factorial", source, f"factors: the {design} design needs factors")
    sampler = Design(design, samples, seed, num_levels, entries.calc_second_order)
    n_points = sampler.count(factors)
    _need(
        n_points <= MAX_POINTS,
        source,
        f"{'factors' if design == 'factorial' else 'samples'}: the {design} design has {n_points:,} "
        f"design points; at most {MAX_POINTS:,} are allowed",
    )
    n_runs = n_points * replications * len(scenarios)
    _need(
        n_runs <= MAX_RUNS,
        source,
        f"replications: {n_points:,} design points x {replications:,} replications x "
        f"{len(scenarios)} scenarios = {n_runs:,} runs; at most {MAX_RUNS:,} are allowed",
    )
    for i in range(len(factors)):
        for sc in scenarios:
            factors[i] = _check_values(factors[i], sc, source)
    from orgsim.model.metrics import flat_columns

    for metric in entries.metrics:
        _need(
            metric in flat_columns(),
            source,
            f"metrics: unknown measure {metric!r}{suggest(metric, flat_columns())}",
        )
    return Experiment(
        name=entries.name if entries.name is not None else Path(source).stem,
        description=entries.description,
        scenarios=scenarios,
        factors=factors,
        design=design,
        samples=samples,
        replications=replications,
        days=days,
        seed=seed,
        series=entries.series,
        metrics=list(entries.metrics),
        calc_second_order=entries.calc_second_order,
        num_levels=num_levels,
        source=source,
        overrides=dict(overrides),
    )
