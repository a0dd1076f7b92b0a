"""A one-at-a-time tornado: how the margin of one structure over another moves with each condition.

The question a board asks of a recommendation is "what would have to be true for the answer to
change?". :func:`tornado` answers it the way a decision analyst's tornado diagram does (and as
one-at-a-time screening in the EMA Workbench, SALib or a NetLogo BehaviorSpace experiment would):
structure ``a`` and structure ``b`` run on a base scenario, then again with each key parameter at
its low and its high value while every other parameter stays at the base. At every point (an
*arm*) replicate ``r`` of both structures uses the same seed, and so do all arms (common random
numbers): each margin is a paired difference ``a - b`` with a 95% CI
(:func:`orgsim.experiment.stats.paired_difference`), and the base margin is the centre line.

Parameters varied are conditions both structures share (market, teams, money, costs); the
policies that *define* a structure (its preset) cannot be varied here, since setting them in both
arms would erase the difference under study. Default bounds: half and double the scenario's value,
clipped to the parameter's declared range (``orgsim show``); ``KEY=LOW:HIGH`` gives them outright.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.errors import InputError
from orgsim.experiment.observables import check_measure, measure_of
from orgsim.experiment.runner import run_scenarios
from orgsim.experiment.seeds import run_seed
from orgsim.experiment.stats import Difference, paired_difference
from orgsim.jsonsafe import nan_to_null
from orgsim.params import PARAMETERS, PRESETS, STRUCTURES
from orgsim.scenario import Scenario, check_key

KEY_PARAMETERS: dict[str, str] = {
    "market.demand": "how many buyers come into the market (good or tough times)",
    "marketing.budget": "how many leads marketing buys",
    "sales.headcount": "how much selling capacity meets those leads",
    "market.deal_size": "what each won (or leaked) lead is worth against fixed costs",
    "market.hard_lead_share": "how hard lead quality is to read (where a shared lead definition pays)",
    "sales.contact_half_minutes": "how fast a lead cools (what speed to lead is worth)",
    "market.sales_cycle_days": "how much of a year's pipeline closes inside the horizon",
    "costs.hourly_rate": "what a meeting hour costs (the price of coordination)",
}
"""The default key parameters and why each may move the margin: conditions both structures share
that set the volume of leads, the capacity to work them, their value and the cost of aligning."""

DEFAULT_STRUCTURES = ("aligned", "separate")
LOW_FACTOR, HIGH_FACTOR = 0.5, 2.0
BOUNDS_RULE = "half and double the scenario's value, within the parameter's declared range"
TORNADO_FILE = "tornado.json"
FORMAT = 1


@dataclass(frozen=True)
class Bounds:
    """The low and high value of one parameter, and its value in the base scenario."""

    key: str
    low: Any
    high: Any
    base: Any
    rule: str = BOUNDS_RULE  # how the bounds were chosen


@dataclass(frozen=True)
class Swing:
    """One parameter's bar: the margin ``a - b`` at its low and its high value (paired, 95% CIs)."""

    bounds: Bounds
    low: Difference
    high: Difference

    @property
    def swing(self) -> float:
        """``|margin at high - margin at low|``, in the measure's unit: how far the bar spans."""
        return abs(self.high.mean - self.low.mean)

    @property
    def flips(self) -> bool:
        """True when the margin's sign differs between the two ends (a condition for the answer)."""
        return bool(np.sign(self.low.mean) != np.sign(self.high.mean))


@dataclass
class Tornado:
    """The result: the base margin (the centre line) and one :class:`Swing` per parameter.

    ``swings`` are sorted by swing, largest first. ``runs`` has one row per run: ``parameter``
    (``""`` for the base), ``end`` (base/low/high), ``value``, ``structure``, ``replicate``,
    ``seed`` and the ``measure``; replicate ``r`` has the same seed in every row.
    """

    scenario: str
    a: str
    b: str
    measure: str
    reps: int
    seed: int
    days: int
    base: Difference
    swings: list[Swing]
    runs: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def margins(self) -> pd.DataFrame:
        """The bars as :func:`orgsim.presentation.exhibits.tornado` draws them.

        One row per parameter and end: ``factor``, ``end``, ``level``, ``margin``, ``low``,
        ``high`` (95% CI), ``n`` (pairs), ``overall`` (the base margin) and ``swing``.
        """
        rows = []
        for s in self.swings:
            for end, d, level in (("low", s.low, s.bounds.low), ("high", s.high, s.bounds.high)):
                rows.append({"factor": s.bounds.key, "end": end, "level": level, "margin": d.mean,
                             "low": d.ci_low, "high": d.ci_high, "n": d.n, "overall": self.base.mean,
                             "swing": s.swing})  # fmt: skip
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """The CSV table: the base row, then one row per parameter (largest swing first)."""
        rows = [{"parameter": "(base)", "low_value": None, "base_value": None, "high_value": None,
                 "margin_low": None, "margin_low_ci_low": None, "margin_low_ci_high": None,
                 "margin_base": self.base.mean, "margin_base_ci_low": self.base.ci_low,
                 "margin_base_ci_high": self.base.ci_high, "margin_high": None,
                 "margin_high_ci_low": None, "margin_high_ci_high": None, "swing": None,
                 "flips": None}]  # fmt: skip
        for s in self.swings:
            rows.append({"parameter": s.bounds.key, "low_value": s.bounds.low, "base_value": s.bounds.base,
                         "high_value": s.bounds.high, "margin_low": s.low.mean,
                         "margin_low_ci_low": s.low.ci_low, "margin_low_ci_high": s.low.ci_high,
                         "margin_base": self.base.mean, "margin_base_ci_low": self.base.ci_low,
                         "margin_base_ci_high": self.base.ci_high, "margin_high": s.high.mean,
                         "margin_high_ci_low": s.high.ci_low, "margin_high_ci_high": s.high.ci_high,
                         "swing": s.swing, "flips": s.flips})  # fmt: skip
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what was run, the base margin and every swing (NaN as None)."""
        return nan_to_null({
            "format": FORMAT,
            "scenario": self.scenario, "a": self.a, "b": self.b, "measure": self.measure,
            "margin": f"{self.a} - {self.b}, paired by seed", "reps": self.reps, "seed": self.seed,
            "days": self.days, "base": asdict(self.base),
            "swings": [{"parameter": s.bounds.key, "bounds": asdict(s.bounds), "low": asdict(s.low),
                        "high": asdict(s.high), "swing": s.swing, "flips": s.flips} for s in self.swings],
            "notes": list(self.notes),
        })  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = TORNADO_FILE) -> Tornado:
        """Read :meth:`to_dict`'s output (runs are not stored there: ``runs`` is empty)."""
        try:
            swings = [
                Swing(Bounds(**s["bounds"]), _difference(s["low"]), _difference(s["high"]))
                for s in data["swings"]
            ]
            return cls(
                scenario=str(data["scenario"]), a=str(data["a"]), b=str(data["b"]),
                measure=str(data["measure"]), reps=int(data["reps"]), seed=int(data["seed"]),
                days=int(data["days"]), base=_difference(data["base"]), swings=swings,
                runs=pd.DataFrame(), notes=list(data.get("notes", [])),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{source}: not a tornado written by `orgsim tornado --out` ({exc!r})") from None


def _difference(d: dict[str, Any]) -> Difference:
    return Difference(*(math.nan if d[k] is None else float(d[k]) for k in ("mean", "ci_low", "ci_high")),
                      n=int(d["n"]), level=float(d.get("level", 0.95)))  # fmt: skip


def read_tornado(path: str | Path) -> Tornado:
    """Read a ``tornado.json`` written by ``orgsim tornado --out``."""
    p = Path(path)
    try:
        return Tornado.from_dict(json.loads(p.read_text(encoding="utf-8")), str(p))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: cannot read the tornado ({exc})") from None


def parse_param(text: str, source: str = "--param") -> tuple[str, tuple[Any, Any] | None]:
    """``KEY`` or ``KEY=LOW:HIGH`` -> ``(key, None or (low, high))``; values read as TOML."""
    import tomllib

    key, _, rest = (s.strip() for s in text.partition("="))
    check_key(key, source)
    if key not in PARAMETERS:
        raise InputError(f"{source}: {key!r} is not a parameter (see `orgsim show`)")
    if not rest:
        return key, None
    if rest.count(":") != 1 or not all(part.strip() for part in rest.split(":")):
        raise InputError(f"{source}: {text!r} is not KEY or KEY=LOW:HIGH (e.g. market.demand=0.5:1.5)")
    values = []
    for part in rest.split(":"):
        try:
            values.append(tomllib.loads(f"v = {part.strip()}")["v"])
        except tomllib.TOMLDecodeError:
            values.append(part.strip())
    return key, (values[0], values[1])


def bounds_for(
    key: str, scenario: Scenario, given: tuple[Any, Any] | None, source: str = "--param"
) -> Bounds:
    """The low and high values of ``key``: ``given``, or half and double the scenario's value.

    Halving and doubling is clipped to the declared range and rounded for whole-number
    parameters; a flag without bounds runs false and true. Raises InputError when the two ends
    would be the same, or a given value is outside the declared range.
    """
    spec = PARAMETERS[key]
    base = scenario.get(key)
    if given is not None:
        low, high = given
        for v in (low, high):
            scenario.with_overrides({key: v}, source=source)  # validates type and range
        if low == high:
            raise InputError(f"{source}: {key}: LOW and HIGH are both {low!r}; give two different values")
        return Bounds(key, low, high, base, "given")
    if spec.type == "bool":
        return Bounds(key, False, True, base, "false and true")
    if spec.choices or not isinstance(base, int | float):
        allowed = "|".join(map(str, spec.choices or ()))
        raise InputError(f"{source}: {key} is a choice ({allowed}); give two as {key}=LOW:HIGH")
    lo = spec.lo if spec.lo is not None else -math.inf
    hi = spec.hi if spec.hi is not None else math.inf
    low, high = max(lo, base * LOW_FACTOR), min(hi, base * HIGH_FACTOR)
    if spec.type == "int":
        low, high = int(round(low)), int(round(high))
    if low == high:
        raise InputError(
            f"{source}: {key} is {base!r} in the scenario, so half and double are the same; "
            f"give bounds as {key}=LOW:HIGH"
        )
    return Bounds(key, low, high, base)


def check_structures(structures: Sequence[str]) -> tuple[str, str]:
    """``(a, b)``: two different known structures, else an InputError naming --structures."""
    names = [s.strip() for s in structures if s.strip()]
    if len(names) != 2 or names[0] == names[1]:
        raise InputError(f"--structures: give two different structures A,B (got {','.join(names) or 'none'})")
    for name in names:
        if name not in STRUCTURES:
            raise InputError(f"--structures: {name!r} is not a structure; allowed: {', '.join(STRUCTURES)}")
    return names[0], names[1]


def _check_shared(key: str, structures: Sequence[str], source: str) -> None:
    """Refuse a parameter that a compared structure's preset sets: it is what they differ in."""
    for s in structures:
        if key in PRESETS[s]:
            raise InputError(
                f"{source}: {key} is set by the {s} preset (what the structures differ in), so it "
                "cannot vary in both; vary conditions both share (`orgsim show` lists them)"
            )


def plan_bounds(
    scenario: Scenario, params: Sequence[str] | None, structures: Sequence[str], source: str = "--param"
) -> tuple[list[Bounds], list[str]]:
    """The parameters to vary with their bounds, and notes on default parameters left out.

    ``params``: ``KEY`` or ``KEY=LOW:HIGH`` strings; ``None`` means :data:`KEY_PARAMETERS`.
    """
    notes: list[str] = []
    out: list[Bounds] = []
    if params:
        parsed = [parse_param(p, source) for p in params]
        keys = [k for k, _ in parsed]
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise InputError(f"{source}: {dup} is given twice")
        for key, given in parsed:
            _check_shared(key, structures, source)
            out.append(bounds_for(key, scenario, given, source))
        return out, notes
    for key in KEY_PARAMETERS:
        if any(key in PRESETS[s] for s in structures):
            notes.append(f"{key} left out: a compared structure's preset sets it")
            continue
        try:
            out.append(bounds_for(key, scenario, None, source))
        except InputError as exc:
            notes.append(f"{key} left out: {str(exc).split(': ', 1)[-1]}")
    return out, notes


def tornado(
    scenario: Scenario,
    structures: Sequence[str] = DEFAULT_STRUCTURES,
    params: Sequence[str] | None = None,
    measure: str = "contribution",
    reps: int = 10,
    seed: int = 0,
    days: int | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
) -> Tornado:
    """Run the one-at-a-time tornado of the margin ``a - b`` on ``measure`` (``structures = (a, b)``).

    Runs ``(1 + 2 * len(params)) * 2 * reps`` simulations in parallel processes. ``params`` are
    ``KEY`` or ``KEY=LOW:HIGH`` (default: :data:`KEY_PARAMETERS`, each at half and double).
    """
    from orgsim.limits import check_count, check_days

    check_count(reps, "--reps")
    check_days(days)
    a, b = check_structures(structures)
    if reps < 2:
        raise InputError(f"--reps: {reps} is not allowed; a CI needs at least 2 replications")
    check_measure(measure)
    bounds, notes = plan_bounds(scenario, params, (a, b))
    if not bounds:
        raise InputError("--param: no parameter left to vary; " + "; ".join(notes))
    horizon = days if days is not None else scenario.horizon.days
    seeds = [run_seed(seed, r) for r in range(reps)]
    arms: list[tuple[str, str, Any, dict[str, Any]]] = [("", "base", None, {})]
    for bd in bounds:
        arms += [(bd.key, "low", bd.low, {bd.key: bd.low}), (bd.key, "high", bd.high, {bd.key: bd.high})]
    tasks, rows = [], []
    for key, end, value, override in arms:
        for structure in (a, b):
            arm = scenario.with_overrides({"structure": structure, **override}, source="--param")
            for r, s in enumerate(seeds):
                tasks.append((arm, s))
                rows.append({"parameter": key, "end": end, "value": value, "structure": structure,
                             "replicate": r, "seed": s})  # fmt: skip
    results = run_scenarios(tasks, days=days, workers=workers, progress=progress, scheduler=scheduler)
    runs = pd.DataFrame(rows)
    runs["value"] = pd.Series([row["value"] for row in rows], dtype=object)  # keep 5, not 5.0
    runs[measure] = [measure_of(res, measure) for res in results]

    def margin(key: str, end: str) -> Difference:
        part = runs[(runs["parameter"] == key) & (runs["end"] == end)]
        va = part[part["structure"] == a].sort_values("replicate")[measure].to_numpy(dtype=float)
        vb = part[part["structure"] == b].sort_values("replicate")[measure].to_numpy(dtype=float)
        return paired_difference(vb, va, measure=measure)  # a - b, seed by seed

    swings = [Swing(bd, margin(bd.key, "low"), margin(bd.key, "high")) for bd in bounds]
    swings.sort(key=lambda s: -s.swing if not math.isnan(s.swing) else math.inf)
    return Tornado(
        scenario=scenario.name, a=a, b=b, measure=measure, reps=reps, seed=seed, days=horizon,
        base=margin("", "base"), swings=swings, runs=runs, notes=notes,
    )  # fmt: skip


__all__ = [
    "BOUNDS_RULE",
    "KEY_PARAMETERS",
    "Bounds",
    "Swing",
    "Tornado",
    "bounds_for",
    "check_structures",
    "parse_param",
    "plan_bounds",
    "read_tornado",
    "tornado",
]
