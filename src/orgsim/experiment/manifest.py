"""The sweep manifest: the typed contract between the sweep that writes a directory and its readers.

``DIR/manifest.json`` records what was run (base scenarios, the ``[set]`` overrides held fixed,
the factors and design, replications, seed, horizon), how it is seeded, which package versions
produced it, and each session that wrote into the directory. :class:`Manifest` is that record:
:mod:`orgsim.experiment.sweep` builds it, :mod:`orgsim.experiment.storage` writes and reads it,
``orgsim analyze`` and the report read its fields, never guessed keys.

The JSON keeps the layout of earlier sweeps (the experiment under ``"experiment"``, the run
counts and sessions at the top), so manifests written before this contract still read; what
they did not record (the overrides, the seeding) reads as empty or ``"per-run"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orgsim.errors import InputError
from orgsim.experiment.design import DESIGNS, Design
from orgsim.experiment.experiment import SEEDING, Experiment, Factor

FORMAT = 2
"""Manifest format: 2 adds ``set`` (overrides), ``seeding`` and base scenario descriptions.

``currency`` (top level) was added within format 2: a manifest without it reads as ``""``."""

LEGACY_SEEDING = "per-run"
"""Seeding of sweeps before format 2: every run its own seed, no pairing across structures."""


@dataclass(frozen=True)
class BaseScenario:
    """One base scenario of a sweep, fully resolved: its name, structure and every parameter."""

    name: str
    structure: str
    parameters: dict[str, Any]  # dotted key -> value, every parameter (with the overrides applied)
    description: str = ""
    currency: str = ""  # ISO 4217 code the scenario writes money in ("" plain currency units)


@dataclass(frozen=True)
class Session:
    """One invocation of ``orgsim sweep`` on the directory (a first run or a resume)."""

    started: str
    finished: str | None = None
    status: str = "running"  # running | complete | interrupted | failed
    pending_runs: int = 0
    executor: str = "local"
    workers: int = 1
    address: str | None = None
    pid: int | None = None
    versions: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The session as written in the manifest."""
        return {
            "started": self.started,
            "finished": self.finished,
            "pending_runs": self.pending_runs,
            "executor": self.executor,
            "workers": self.workers,
            "address": self.address,
            "pid": self.pid,
            "versions": dict(self.versions),
            "status": self.status,
        }


@dataclass
class Manifest:
    """What a sweep directory holds and how it was produced."""

    name: str
    description: str
    design: Design
    factors: list[Factor]
    scenarios: list[BaseScenario]
    overrides: dict[str, Any]  # the experiment's [set] (and days as horizon.days), held fixed in every run
    replications: int
    seed: int
    days: int | None  # horizon in business days if the experiment set it, else each scenario's own
    series: bool
    metrics: list[str]
    experiment_hash: str
    runs: int  # runs the experiment asks for
    source: str = "<experiment>"
    seeding: str = SEEDING
    versions: dict[str, str] = field(default_factory=dict)  # of the first session
    started: str | None = None
    finished: str | None = None  # when the last run was stored (complete sweeps only)
    status: str = "running"
    stored_runs: dict[str, int] = field(default_factory=dict)  # stored runs by status
    sessions: list[Session] = field(default_factory=list)
    format: int = FORMAT
    currency: str = ""  # ISO 4217 code money was written in (--currency, else the scenarios'); "" units

    @classmethod
    def from_experiment(cls, exp: Experiment, versions: dict[str, str], started: str) -> Manifest:
        """The manifest of a new sweep of ``exp``."""
        return cls(
            name=exp.name,
            description=exp.description,
            design=exp.sampler,
            factors=list(exp.factors),
            scenarios=[
                BaseScenario(sc.name, sc.structure, sc.flat(), sc.description, sc.currency)
                for sc in exp.scenarios
            ],
            overrides=dict(exp.overrides),
            replications=exp.replications,
            seed=exp.seed,
            days=exp.days,
            series=exp.series,
            metrics=list(exp.metrics),
            experiment_hash=exp.hash(),
            runs=len(exp.runs()),
            source=exp.source,
            versions=dict(versions),
            started=started,
        )

    @property
    def structures(self) -> list[str]:
        """Structures compared: the ``structure`` factor's levels, else the base scenarios' structures."""
        for f in self.factors:
            if f.key == "structure" and f.levels is not None:
                return [str(v) for v in f.levels]
        return list(dict.fromkeys(sc.structure for sc in self.scenarios))

    @property
    def scenario_differences(self) -> dict[str, dict[str, Any]]:
        """Parameters that differ between base scenarios: ``{key: {scenario: value}}`` (empty for one)."""
        if len(self.scenarios) < 2:
            return {}
        keys = dict.fromkeys(k for sc in self.scenarios for k in sc.parameters)
        out = {}
        for key in keys:
            values = {sc.name: sc.parameters.get(key) for sc in self.scenarios}
            if len({repr(v) for v in values.values()}) > 1:
                out[key] = values
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the layout of ``manifest.json``)."""
        experiment = {
            "name": self.name,
            "description": self.description,
            "design": self.design.name,
            "samples": self.design.samples,
            "replications": self.replications,
            "days": self.days,
            "seed": self.seed,
            "series": self.series,
            "metrics": list(self.metrics),
            "calc_second_order": self.design.calc_second_order,
            "num_levels": self.design.num_levels,
            "factors": {f.key: f.as_dict() for f in self.factors},
            "set": dict(self.overrides),
            "scenarios": {sc.name: sc.parameters for sc in self.scenarios},
            "descriptions": {sc.name: sc.description for sc in self.scenarios if sc.description},
            "currencies": {sc.name: sc.currency for sc in self.scenarios if sc.currency},
        }
        return {
            "format": self.format,
            "experiment": experiment,
            "experiment_hash": self.experiment_hash,
            "seeding": self.seeding,
            "source": self.source,
            "design": self.design.name,
            "factors": experiment["factors"],
            "replications": self.replications,
            "seed": self.seed,
            "runs": self.runs,
            "versions": dict(self.versions),
            "started": self.started,
            "finished": self.finished,
            "status": self.status,
            "stored_runs": dict(self.stored_runs),
            "sessions": [s.to_dict() for s in self.sessions],
            "currency": self.currency,
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "manifest.json") -> Manifest:
        """Read and check a manifest; any wrong shape is one :class:`InputError` line naming the field."""
        r = _Reader(source)
        top = r.table(data, "")
        exp = r.table(top.get("experiment"), "experiment")
        design_name = r.choice(exp.get("design", "factorial"), "experiment.design", DESIGNS)
        raw_factors = r.table(exp.get("factors", {}), "experiment.factors")
        factors = [r.factor(key, spec) for key, spec in raw_factors.items()]
        raw_scenarios = r.table(exp.get("scenarios", {}), "experiment.scenarios")
        descriptions = r.table(exp.get("descriptions", {}), "experiment.descriptions")
        currencies = r.table(exp.get("currencies", {}), "experiment.currencies")
        scenarios = []
        for name, params in raw_scenarios.items():
            params = r.table(params, f"experiment.scenarios.{name}")
            scenarios.append(
                BaseScenario(
                    str(name),
                    str(params.get("structure", "")),
                    dict(params),
                    str(descriptions.get(name, "")),
                    str(currencies.get(name, "")),
                )
            )
        sessions = [r.session(s, i) for i, s in enumerate(r.list(top.get("sessions", []), "sessions"))]
        return cls(
            name=r.text(exp.get("name", ""), "experiment.name"),
            description=r.text(exp.get("description", ""), "experiment.description"),
            design=Design(
                name=design_name,
                samples=r.integer(exp.get("samples", 0), "experiment.samples"),
                seed=r.integer(exp.get("seed", 0), "experiment.seed"),
                num_levels=r.integer(exp.get("num_levels", 4), "experiment.num_levels"),
                calc_second_order=bool(exp.get("calc_second_order", False)),
            ),
            factors=factors,
            scenarios=scenarios,
            overrides=dict(r.table(exp.get("set", {}), "experiment.set")),
            replications=r.integer(exp.get("replications", 1), "experiment.replications"),
            seed=r.integer(exp.get("seed", 0), "experiment.seed"),
            days=None if exp.get("days") is None else r.integer(exp["days"], "experiment.days"),
            series=bool(exp.get("series", False)),
            metrics=[str(m) for m in r.list(exp.get("metrics", []), "experiment.metrics")],
            experiment_hash=r.text(top.get("experiment_hash", ""), "experiment_hash"),
            runs=r.integer(top.get("runs", 0), "runs"),
            source=r.text(top.get("source", "<experiment>"), "source"),
            seeding=r.text(top.get("seeding", LEGACY_SEEDING), "seeding"),
            versions={str(k): str(v) for k, v in r.table(top.get("versions", {}), "versions").items()},
            started=top.get("started"),
            finished=top.get("finished"),
            status=r.text(top.get("status", "running"), "status"),
            stored_runs={
                str(k): r.integer(v, f"stored_runs.{k}")
                for k, v in r.table(top.get("stored_runs", {}), "stored_runs").items()
            },
            sessions=sessions,
            format=r.integer(top.get("format", 1), "format"),
            currency=r.currency(top.get("currency", ""), "currency"),
        )


class _Reader:
    """Checks one manifest's fields, raising one-line errors that name the file and the field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> InputError:
        field_ = f"{where}: " if where else ""
        return InputError(f"{self.source}: {field_}{message} (is this a manifest written by `orgsim sweep`?)")

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if value is None and where:
            raise self.fail(where, "missing")
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a JSON object, got {_kind(value)}")
        if not where and "experiment" not in value:
            raise self.fail("experiment", "missing")
        return value

    def list(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {_kind(value)}")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"expected text, got {_kind(value)}")
        return value

    def integer(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected an integer, got {_kind(value)}")
        return value

    def currency(self, value: Any, where: str) -> str:
        from orgsim import currency

        try:
            return currency.parse(self.text(value, where)).code
        except InputError as exc:
            raise self.fail(where, str(exc).split(": ", 1)[1]) from None

    def choice(self, value: Any, where: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(where, f"{value!r} is not one of {', '.join(allowed)}")
        return str(value)

    def factor(self, key: str, spec: Any) -> Factor:
        where = f"experiment.factors.{key}"
        spec = self.table(spec, where)
        if "levels" in spec:
            return Factor(key, levels=tuple(self.list(spec["levels"], f"{where}.levels")))
        rng = spec.get("range")
        if not (isinstance(rng, list) and len(rng) == 2 and all(isinstance(v, int | float) for v in rng)):
            raise self.fail(where, "expected {levels: [...]} or {range: [low, high]}")
        return Factor(key, lo=float(rng[0]), hi=float(rng[1]))

    def session(self, value: Any, i: int) -> Session:
        where = f"sessions[{i}]"
        s = self.table(value, where)
        return Session(
            started=str(s.get("started", "")),
            finished=s.get("finished"),
            status=str(s.get("status", "")),
            pending_runs=int(s.get("pending_runs") or 0),
            executor=str(s.get("executor", "")),
            workers=int(s.get("workers") or 0),
            address=s.get("address"),
            pid=s.get("pid"),
            versions={str(k): str(v) for k, v in (s.get("versions") or {}).items()},
        )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", int: "a number"}
    names[float] = "a number"
    return names.get(type(value), type(value).__name__)


__all__ = ["FORMAT", "BaseScenario", "Manifest", "Session"]
