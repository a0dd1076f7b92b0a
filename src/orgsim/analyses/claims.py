"""The seed articles' claims as paired experiments, with verdicts read from the CIs.

The registry (``orgsim/data/claims.toml``) holds one entry per claim: the article, a few of its
words, the scenario where it is judged, the change that tests it (side ``a`` to side ``b``),
the measure and the direction the claim says the change moves it. Each claim is run as a
paired experiment (the same seeds on both sides, so the difference is not luck) in its own
scenario, in every shipped scenario, and along a short sweep of its key condition; the verdict
in each follows from the 95% CI of the paired difference by :data:`VERDICT_RULE`.

Some claims hold by construction: the model turns the claim's change into its measure through a
parameter whose value is an assumption (generalists lose ``policy.skill_dilution`` of their
skill; a shared goal costs ``policy.free_riding`` of the effort). The registry names those
parameters (``carried_by``, with the level at which they carry no effect), and the claim is
also run with them at that level, paired by seed (the knock-out). By :data:`ASSUMED_RULE` a
claim supported only through assumed parameters is labelled "assumed", not "supported".
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from orgsim.errors import InputError, validated
from orgsim.experiment.observables import check_measure, measure_of
from orgsim.experiment.runner import run_scenarios
from orgsim.experiment.seeds import run_seed
from orgsim.experiment.stats import Difference, paired_difference
from orgsim.params import PARAMETERS, STRUCTURES
from orgsim.scenario import SHIPPED_DIR, Scenario, load_scenario

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
NO_CLEAR_EFFECT = "no clear effect"
NOT_EXPRESSIBLE = "not expressible"
ASSUMED = "assumed"
VERDICTS = (SUPPORTED, ASSUMED, CONTRADICTED, NO_CLEAR_EFFECT, NOT_EXPRESSIBLE)
ASSUMED_RULE = (
    "assumed (not supported): the claim is supported, every parameter that carries its effect "
    "(carried_by) is an assumption in the parameter schema, and with them at their no-effect "
    "level (paired by seed) the claim is no longer supported: the effect is that assumption "
    "times its outcome"
)
VERDICT_RULE = (
    "effect = mean over seeds of (b - a) with the same seed on both sides, 95% t-interval; "
    "supported if the whole CI lies on the side of zero the claim predicts, contradicted if it "
    "lies wholly on the other side, no clear effect if it contains zero"
)


@dataclass(frozen=True)
class Condition:
    """The key condition of a claim, swept in its scenario: a parameter and its levels."""

    key: str
    levels: tuple[Any, ...]


@dataclass(frozen=True)
class Claim:
    """One article claim as a paired experiment (or, if ``missing``, why it cannot be one)."""

    id: str
    claim: str
    quote: str
    source: str
    measure: str
    direction: int
    scenario: str = ""
    a: dict[str, Any] = field(default_factory=dict)
    b: dict[str, Any] = field(default_factory=dict)
    change: str = ""
    condition: Condition | None = None
    missing: str = ""
    carried_by: dict[str, Any] = field(default_factory=dict)  # parameter -> its no-effect level

    @property
    def assumptions(self) -> list[str]:
        """The ``carried_by`` parameters whose source is an assumption (schema)."""
        return [k for k in self.carried_by if PARAMETERS[k].assumed]

    @property
    def expressible(self) -> bool:
        """Whether the model has the mechanism to test this claim."""
        return not self.missing


@dataclass(frozen=True)
class Context:
    """Where a claim was run: its own scenario, a shipped scenario, or a level of its condition."""

    label: str
    kind: str  # "claim", "scenario" or "condition"
    effect: Difference
    a_mean: float
    b_mean: float
    verdict: str


@dataclass
class ClaimResult:
    """A claim's verdict in its own scenario and in every other context it was run in."""

    claim: Claim
    main: Context | None
    contexts: list[Context]
    knockout: Context | None = None  # the claim with its carried_by parameters at no effect

    @property
    def assumed(self) -> bool:
        """Whether :data:`ASSUMED_RULE` labels the claim "assumed"."""
        c = self.claim
        return (
            self.main is not None
            and self.main.verdict == SUPPORTED
            and bool(c.carried_by)
            and len(c.assumptions) == len(c.carried_by)
            and self.knockout is not None
            and self.knockout.verdict != SUPPORTED
        )

    @property
    def verdict(self) -> str:
        """The verdict in the claim's own scenario (``not expressible`` if it has no experiment).

        ``assumed`` replaces ``supported`` when :data:`ASSUMED_RULE` applies.
        """
        if self.main is None:
            return NOT_EXPRESSIBLE
        return ASSUMED if self.assumed else self.main.verdict

    def assumed_text(self) -> str:
        """``carried by policy.skill_dilution (assumed 0.2, plausible 0.05..0.4); without it: ...``."""
        if not self.claim.carried_by or self.knockout is None:
            return ""
        names = []
        for key in self.claim.carried_by:
            spec = PARAMETERS[key]
            what = "assumed" if spec.assumed else "sourced"
            rng = f", plausible {spec.plausible[0]:g}..{spec.plausible[1]:g}" if spec.plausible else ""
            names.append(f"{key} ({what}{rng})")
        k = self.knockout
        at = ", ".join(f"{key}={_level(v)}" for key, v in self.claim.carried_by.items())
        return f"carried by {', '.join(names)}; at {at}: {k.verdict}"

    @property
    def flips(self) -> list[Context]:
        """The contexts whose verdict differs from the verdict in the claim's own scenario."""
        return [c for c in self.contexts if self.main and c.verdict != self.main.verdict]

    def where(self) -> str:
        """One line: the verdict in each context, grouped, e.g. 'supported in a, b; contradicted in c'."""
        if not self.main:
            return f"not expressible: {self.claim.missing}"
        groups: dict[str, list[str]] = {}
        for ctx in self.contexts:
            groups.setdefault(ctx.verdict, []).append(ctx.label)
        return "; ".join(f"{v} in {', '.join(labels)}" for v, labels in groups.items())

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of one entry of ``orgsim claims --json``."""
        c = self.claim
        m = self.main
        return {
            "id": c.id,
            "claim": c.claim,
            "quote": c.quote,
            "source": c.source,
            "scenario": c.scenario or None,
            "change": c.change or None,
            "measure": c.measure,
            "direction": c.direction,
            "effect": m.effect.mean if m else None,
            "ci_low": m.effect.ci_low if m else None,
            "ci_high": m.effect.ci_high if m else None,
            "a_mean": m.a_mean if m else None,
            "b_mean": m.b_mean if m else None,
            "verdict": self.verdict,
            "carried_by": dict(c.carried_by) or None,
            "assumptions": c.assumptions or None,
            "knockout": _context_dict(self.knockout) if self.knockout else None,
            "flips": [_context_dict(x) for x in self.flips],
            "contexts": [_context_dict(x) for x in self.contexts],
            "missing": c.missing or None,
        }


def _context_dict(ctx: Context) -> dict[str, Any]:
    return {
        "condition": ctx.label,
        "kind": ctx.kind,
        "verdict": ctx.verdict,
        "effect": ctx.effect.mean,
        "ci_low": ctx.effect.ci_low,
        "ci_high": ctx.effect.ci_high,
    }


def verdict(effect: Difference, direction: int) -> str:
    """The verdict :data:`VERDICT_RULE` gives a paired difference for a claimed direction (+1/-1)."""
    if effect.sign == 0:
        return NO_CLEAR_EFFECT
    return SUPPORTED if effect.sign == direction else CONTRADICTED


REGISTRY = "claims.toml"


class ConditionEntry(BaseModel):
    """A claim's key condition as written: ``{ key = "section.name", levels = [...] }``."""

    model_config = ConfigDict(extra="forbid")

    key: StrictStr
    levels: list[Any] = Field(min_length=1)


class ClaimEntry(BaseModel):
    """One ``[[claim]]`` of the registry as written (see ``orgsim/data/claims.toml``)."""

    model_config = ConfigDict(extra="forbid")

    id: StrictStr
    claim: StrictStr
    quote: StrictStr
    source: StrictStr  # a bibliography key
    measure: StrictStr
    direction: Literal[1, -1]  # the way the claim says the change moves the measure
    scenario: StrictStr = ""
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    change: StrictStr = ""
    condition: ConditionEntry | None = None
    missing: StrictStr = ""  # the mechanism the model would need to express the claim
    carried_by: dict[str, Any] = {}  # parameter -> its no-effect level


class ClaimsFile(BaseModel):
    """The registry: a list of ``[[claim]]`` tables."""

    model_config = ConfigDict(extra="forbid")

    claim: list[dict[str, Any]] = []


def load_claims(path: str | Path | None = None) -> list[Claim]:
    """Read and check the claim registry (the packaged one by default)."""
    if path is None:
        source = f"orgsim/data/{REGISTRY}"
        text = resources.files("orgsim").joinpath("data", REGISTRY).read_text(encoding="utf-8")
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: malformed TOML: {exc}") from None
    registry = validated(ClaimsFile, raw, source)
    claims = [_parse_claim(entry, source) for entry in registry.claim]
    ids = [c.id for c in claims]
    for cid in ids:
        if ids.count(cid) > 1:
            raise InputError(f"{source}: claim id {cid!r} appears twice")
    return claims


def _parse_claim(raw: dict[str, Any], source: str) -> Claim:
    where = f"{source}: claim {raw.get('id', '?')!r}"
    entry = validated(ClaimEntry, raw, where)
    check_measure(entry.measure, f"{where}: measure")
    condition = None
    if entry.condition is not None:
        _check_keys([entry.condition.key], f"{where}: condition")
        condition = Condition(entry.condition.key, tuple(entry.condition.levels))
    a, b, carried = dict(entry.a), dict(entry.b), dict(entry.carried_by)
    _check_keys(list(carried), f"{where}: carried_by")
    for key in carried:
        if key in a or key == "structure":
            raise InputError(f"{where}: carried_by: {key} is also changed by a and b")
    if not entry.missing:
        if not entry.scenario or not (a or b):
            raise InputError(f"{where}: an expressible claim needs scenario, a and b (or 'missing')")
        _check_keys([*a, *b], where)
        if set(a) != set(b):
            raise InputError(f"{where}: a and b must set the same keys (got {sorted(a)} and {sorted(b)})")
        if condition and condition.key in a:
            raise InputError(f"{where}: condition {condition.key} is also changed by a and b")
    return Claim(**{**entry.model_dump(), "a": a, "b": b, "condition": condition, "carried_by": carried})


def _check_keys(keys: Sequence[str], where: str) -> None:
    for key in keys:
        if key != "structure" and key not in PARAMETERS:
            raise InputError(f"{where}: unknown parameter {key!r} (see `orgsim show`)")


def shipped_scenarios() -> list[str]:
    """The scenarios a claim is also run in: those shipped with the package, from any folder.

    Never the current folder's ``scenarios/*.toml`` (a user's own company is not a shipped
    scenario, and the verdicts must not depend on where orgsim runs); the structure presets
    when the package ships none.
    """
    files = sorted(path.stem for path in SHIPPED_DIR.glob("*.toml"))
    return files or [s for s in STRUCTURES if s in ("separate", "merged", "aligned")]


def _shipped(name: str) -> str | Path:
    """A claim's scenario NAME as shipped (a local ``scenarios/NAME.toml`` does not replace it)."""
    path = SHIPPED_DIR / f"{name}.toml"
    return path if path.is_file() else name


def _key(sc: Scenario) -> tuple[tuple[str, str], ...]:
    """What makes two scenarios run identically: every parameter value (not the name)."""
    return tuple((k, repr(v)) for k, v in sc.flat().items() if k != "structure")


@dataclass
class _Pair:
    claim: Claim
    label: str
    kind: str
    a: Scenario
    b: Scenario


def _pairs(claim: Claim, scenarios: Sequence[str], overrides: dict[str, Any], flips: bool) -> list[_Pair]:
    def side(base: str, extra: dict[str, Any], change: dict[str, Any], name: str) -> Scenario:
        sc = load_scenario(_shipped(base), {**overrides, **extra} or None)
        sc = sc.with_overrides(change, source=f"claim {claim.id}")
        return sc.model_copy(update={"name": name})

    out = [
        _Pair(
            claim,
            claim.scenario,
            "claim",
            side(claim.scenario, {}, claim.a, f"{claim.scenario}/a"),
            side(claim.scenario, {}, claim.b, f"{claim.scenario}/b"),
        )
    ]
    if claim.carried_by:  # the knock-out: what is left with the carrying parameters at no effect
        knock = claim.carried_by
        label = ", ".join(f"{k}={_level(v)}" for k, v in knock.items())
        out.append(
            _Pair(claim, label, "knockout", side(claim.scenario, knock, claim.a, "a"),
                  side(claim.scenario, knock, claim.b, "b"))  # fmt: skip
        )
    if not flips:
        return out
    for name in scenarios:
        if name == claim.scenario:
            continue
        _add(out, _Pair(claim, name, "scenario", side(name, {}, claim.a, "a"), side(name, {}, claim.b, "b")))
    if claim.condition:
        key = claim.condition.key
        for level in claim.condition.levels:
            extra = {key: level}
            a, b = side(claim.scenario, extra, claim.a, "a"), side(claim.scenario, extra, claim.b, "b")
            _add(out, _Pair(claim, f"{key}={_level(level)}", "condition", a, b))
    return out


def _add(pairs: list[_Pair], pair: _Pair) -> None:
    """Append ``pair``, or name it on an identical pair already there (one row, both labels).

    A structure swap makes separate, merged and aligned the same pair; a condition's default
    level is the claim's own scenario.
    """
    same = next(
        (p for p in pairs if p.kind != "knockout" and (_key(p.a), _key(p.b)) == (_key(pair.a), _key(pair.b))),
        None,
    )
    if same is None:
        pairs.append(pair)
    else:
        same.label = f"{same.label} = {pair.label}"


def _level(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def check_claims(
    claims: Sequence[Claim] | None = None,
    reps: int = 10,
    seed: int = 0,
    days: int | None = None,
    overrides: dict[str, Any] | None = None,
    flips: bool = True,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
    scheduler: str | None = None,
) -> list[ClaimResult]:
    """Run every expressible claim as a paired experiment and give its verdicts.

    Each claim runs in its own scenario and (with ``flips``) in every shipped scenario and at
    each level of its key condition; ``reps`` seeds (as in :func:`compare`) on both sides.
    Runs shared between claims (the same parameters and seed) are run once. ``on_plan`` is
    told the number of runs before they start; ``progress`` is called once per finished run.
    """
    from orgsim.limits import check_count, check_days

    check_count(reps, "--reps")
    check_days(days)
    if reps < 2:
        raise InputError(f"--reps: {reps} is not allowed; use an integer >= 2 (a CI needs two seeds)")
    chosen = list(load_claims() if claims is None else claims)
    base = dict(overrides or {})
    if days is not None:
        base["horizon.days"] = days
    scenarios = shipped_scenarios()
    seeds = [run_seed(seed, r) for r in range(reps)]
    pairs = [p for c in chosen if c.expressible for p in _pairs(c, scenarios, base, flips)]
    tasks: list[tuple[Scenario, int]] = []
    index: dict[tuple[Any, int], int] = {}
    for pair in pairs:
        for sc in (pair.a, pair.b):
            for s in seeds:
                k = (_key(sc), s)
                if k not in index:
                    index[k] = len(tasks)
                    tasks.append((sc, s))
    if on_plan:
        on_plan(len(tasks))
    results = run_scenarios(tasks, workers=workers, progress=progress, scheduler=scheduler)

    def values(pair: _Pair, sc: Scenario) -> list[float]:
        return [measure_of(results[index[(_key(sc), s)]], pair.claim.measure) for s in seeds]

    contexts: dict[str, list[Context]] = {}
    for pair in pairs:
        a, b = values(pair, pair.a), values(pair, pair.b)
        effect = paired_difference(a, b, measure=pair.claim.measure)
        ctx = Context(
            pair.label,
            pair.kind,
            effect,
            _nanmean(a),
            _nanmean(b),
            verdict(effect, pair.claim.direction),
        )
        contexts.setdefault(pair.claim.id, []).append(ctx)
    out = []
    for c in chosen:
        found = contexts.get(c.id, [])
        knockout = next((x for x in found if x.kind == "knockout"), None)
        found = [x for x in found if x.kind != "knockout"]
        out.append(ClaimResult(c, found[0] if found else None, found, knockout))
    return out


def _nanmean(values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return sum(finite) / len(finite) if finite else math.nan


def select(claims: Sequence[Claim], ids: Sequence[str]) -> list[Claim]:
    """The claims named by ``ids`` (all if none), in registry order; unknown ids are an error."""
    if not ids:
        return list(claims)
    known = [c.id for c in claims]
    for cid in ids:
        if cid not in known:
            raise InputError(f"--only: {cid!r} is not a claim; allowed: {', '.join(known)}")
    return [c for c in claims if c.id in ids]
