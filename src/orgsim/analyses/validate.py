"""Validation: the model against the published figures, per structure, with 95% CIs.

The figures live in the package (``orgsim/data/facts.toml``) with their sources. Each fact is
checked under each structure it applies to: the model's estimate over seeded replications and
its 95% CI (cut to the values the measure can take), and a strict verdict (:data:`VERDICT_RULE`):
"agrees" only when the point estimate lies in the published range and the CI is no wider than
the fact's stated width, "disagrees" only when the whole CI misses the range, else "not enough
data" (``orgsim.experiment.agreement``, shared with ``calibrate``'s "met").
Facts that are also calibration targets (``calibrated``) are reported apart from held-out
facts; facts marked ``dropped`` (they echo an input, or nothing could fail them) are not
checked. Level facts read a measure; ratio facts pool the
per-lead tables of the replications; band facts contrast two runs of the same company paired
by seed (another structure, or other settings) and are plausibility bands, not targets.
Measures that need the per-lead table come from it (``simulate(..., leads=True)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from orgsim.errors import InputError, validated
from orgsim.experiment.agreement import (
    AGREEMENT_RULE,
    AGREES,
    DISAGREES,
    NOT_ENOUGH_DATA,
    VERDICTS,  # noqa: F401 - re-exported: validate's verdict names
    agreement,
    ci_span,
)
from orgsim.experiment.observables import OBSERVABLES, Estimate, Observable, get_observable
from orgsim.experiment.runner import run_scenarios
from orgsim.experiment.seeds import run_seed
from orgsim.experiment.stats import mean_ci
from orgsim.model.metrics import RunResult
from orgsim.model.simulate import as_scenario
from orgsim.params import STRUCTURES, StructureName
from orgsim.scenario import Scenario, read_toml

KINDS = ("level", "ratio", "band")
DEFAULT_STRUCTURES = ("separate", "merged", "aligned")
MIN_REPS = 2
"""Fewest replications ``validate`` accepts: a CI needs two."""
WARN_REPS = 5
"""Below this many replications the CLI warns that most facts will lack data."""
VERDICT_RULE = (
    f"{AGREEMENT_RULE}; the widest CI is the fact's ci_width (default: the range's own width; "
    "ratios: the factor high/low)"
)


@dataclass(frozen=True)
class Fact:
    """A published figure: the measure it is about, its range, kind and source."""

    name: str
    measure: Observable
    low: float
    high: float | None  # None: no upper bound ("more than 60x")
    kind: str
    source: str
    published: str
    tolerance: str = ""
    structures: tuple[str, ...] | None = None  # None: every structure validated
    relative_to: str | None = None  # band: the structure it is contrasted with
    contrast: dict[str, Any] = field(default_factory=dict)  # band: overrides vs ``baseline``
    baseline: dict[str, Any] = field(default_factory=dict)
    calibrated: bool = False  # also a calibration target: agreement is fitted, not earned
    ci_width: float | None = None  # widest CI for a verdict (ratios: a factor); None: the range's width

    @property
    def max_ci_width(self) -> float:
        """The widest 95% CI that can earn a verdict: ``ci_width``, else the published range's width.

        For ratio facts a factor (ci_high / ci_low), else in the measure's unit.
        """
        if self.ci_width is not None:
            return self.ci_width
        if self.high is None:
            return math.nan  # load_facts refuses this
        if self.kind == "ratio":
            return round(self.high / self.low, 12) if self.low > 0 else math.inf
        return round(self.high - self.low, 12)

    def ci_span(self, est: Estimate) -> float:
        """How wide the estimate's CI is, in the unit of :attr:`max_ci_width`."""
        return ci_span(est.low, est.high, ratio=self.kind == "ratio")

    def verdict(self, est: Estimate) -> str:
        """The verdict of :data:`VERDICT_RULE` (``agreement``) on an estimate whose CI is already cut."""
        ratio = self.kind == "ratio"
        return agreement(est.value, est.low, est.high, self.low, self.high, self.max_ci_width, ratio)

    def applies(self, structure: str) -> bool:
        """Whether the fact is checked under ``structure``."""
        if self.relative_to == structure:
            return False
        return self.structures is None or structure in self.structures

    def agrees(self, est: Estimate) -> bool | None:
        """True if it agrees, False if it disagrees, None if there is not enough data."""
        v = self.verdict(est)
        return None if v == NOT_ENOUGH_DATA else v == AGREES


@dataclass(frozen=True)
class FactCheck:
    """One fact under one structure: published range, the model's estimate, agreement."""

    fact: str
    structure: str
    measure: str
    kind: str
    published: str
    published_low: float
    published_high: float | None
    model: float
    ci_low: float
    ci_high: float
    ok: bool | None  # True: agrees; False: disagrees; None: not enough data (or not measured)
    n: int
    source: str
    note: str = ""
    verdict: str = NOT_ENOUGH_DATA  # agrees, disagrees or not enough data (VERDICT_RULE)
    calibrated: bool = False  # the fact is also a calibration target (reported apart)
    ci_width: float | None = None  # the widest CI that earns a verdict (ratios: a factor)


Number = StrictInt | StrictFloat


class FactEntry(BaseModel):
    """One ``[[fact]]`` of the facts file as written: the figure, its source and how it is checked."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr
    measure: StrictStr  # an observable (`orgsim calibrate --measures`)
    kind: Literal[KINDS]  # type: ignore[valid-type]
    low: Number = Field(allow_inf_nan=False)
    high: Number | None = Field(default=None, allow_inf_nan=False)  # none: no upper bound
    published: StrictStr = ""
    source: StrictStr = ""
    tolerance: StrictStr = ""
    structures: list[StructureName] | None = None
    relative_to: StructureName | None = None
    contrast: dict[str, Any] = {}
    baseline: dict[str, Any] = {}
    calibrated: StrictBool = False
    ci_width: Number | None = Field(default=None, gt=0)
    dropped: StrictStr | None = None  # why it is kept for the record but not checked
    optional: StrictBool = False  # a measure this build may not have


class FactsFile(BaseModel):
    """The facts file: a list of ``[[fact]]`` tables."""

    model_config = ConfigDict(extra="forbid")

    fact: list[dict[str, Any]] = []


def _fact_entries(path: Path) -> list[tuple[str, FactEntry]]:
    """Each fact of the file with the place errors name (``<file>: fact 3 (its name)``)."""
    raw = validated(FactsFile, read_toml(path), str(path))
    out = []
    for i, item in enumerate(raw.fact):
        where = f"{path}: fact {i + 1} ({item.get('name', '?')})"
        out.append((where, validated(FactEntry, item, where)))
    return out


def facts_path() -> Path:
    """The packaged facts file."""
    return Path(str(resources.files("orgsim.data").joinpath("facts.toml")))


def load_facts(path: str | Path | None = None) -> list[Fact]:
    """Read and check the facts file (the packaged one by default)."""
    path = Path(path) if path is not None else facts_path()
    facts = []
    for where, item in _fact_entries(path):
        if item.dropped:
            continue  # kept in the file for the record, not checked (see `dropped_facts`)
        measure = _measure(item, where)
        low, high = float(item.low), None if item.high is None else float(item.high)
        if high is None and item.ci_width is None:
            raise InputError(f"{where}: a fact without high needs ci_width (the widest CI for a verdict)")
        if high is not None and high < low:
            raise InputError(f"{where}: range [{low:g}, {high:g}] is inverted")
        if item.kind == "band" and not (item.relative_to or item.contrast):
            raise InputError(
                f"{where}: a band needs relative_to (a structure) or contrast/baseline overrides"
            )
        facts.append(
            Fact(
                name=item.name,
                measure=measure,
                low=low,
                high=high,
                kind=item.kind,
                source=item.source,
                published=item.published,
                tolerance=item.tolerance,
                structures=tuple(item.structures) if item.structures else None,
                relative_to=item.relative_to,
                contrast=dict(item.contrast),
                baseline=dict(item.baseline),
                calibrated=item.calibrated,
                ci_width=None if item.ci_width is None else float(item.ci_width),
            )
        )
    return facts


def dropped_facts(path: str | Path | None = None) -> list[tuple[str, str]]:
    """(name, reason) of the facts the file keeps but does not check."""
    path = Path(path) if path is not None else facts_path()
    return [(item.name, item.dropped) for _, item in _fact_entries(path) if item.dropped]


def _measure(item: FactEntry, where: str) -> Observable:
    """The fact's measure; an ``optional`` one missing from this build reads as not measured."""
    name = item.measure
    if not item.optional or name in OBSERVABLES:
        return get_observable(name, where)

    def missing(result: RunResult) -> float:
        raise InputError(f"not measured: this build has no measure '{name}'")

    return Observable(name, "share", f"{name} (not in this build)", 0.0, 1.0, per_run=missing)


def _cut(est: Estimate, fact: Fact) -> Estimate:
    """The estimate with its CI cut to the values the measure (or a band of it, ratio - 1) can take."""
    lo, hi = fact.measure.lo, fact.measure.hi
    if fact.kind == "band":  # measure(a) / measure(b) - 1 of a non-negative measure
        lo, hi = (-1.0 if lo is not None and lo >= 0 else None), None
    low, high = est.low, est.high
    if lo is not None and math.isfinite(low):
        low = max(low, lo)
    if hi is not None and math.isfinite(high):
        high = min(high, hi)
    return Estimate(est.value, low, high, est.n)


def _variant(base: Scenario, structure: str, overrides: dict[str, Any] | None = None) -> Scenario:
    sc = base if structure == base.structure else base.with_overrides({"structure": structure})
    return sc.with_overrides(overrides) if overrides else sc


def _paired(measure: Observable, a: Sequence[RunResult], b: Sequence[RunResult]) -> Estimate:
    """Mean over seeds of measure(a) / measure(b) - 1, with a t interval (paired by seed).

    When every value on both sides is non-negative (bookings, counts: a measure that cannot go
    below zero even where its unit, e.g. currency, can), the ratio cannot fall below -1 (-100%),
    and the interval is cut there.
    """
    ratios = []
    nonnegative = True
    for ra, rb in zip(a, b, strict=True):
        assert measure.per_run is not None
        va, vb = measure.per_run(ra), measure.per_run(rb)
        nonnegative = nonnegative and va >= 0 and vb >= 0
        ratios.append(va / vb - 1 if vb else math.nan)
    mean, low, high = mean_ci(np.array(ratios, dtype=float))
    if nonnegative and math.isfinite(low):
        low = max(low, -1.0)
    return Estimate(mean, low, high, int(np.isfinite(ratios).sum()))


def validate(
    scenario: Scenario | str | Path = "separate",
    structures: Sequence[str] = DEFAULT_STRUCTURES,
    reps: int = 10,
    seed: int = 0,
    workers: int | None = None,
    facts: Sequence[Fact] | None = None,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
) -> list[FactCheck]:
    """Check ``scenario`` under each structure against the published facts.

    Replication ``r`` uses the same seed under every structure and setting, so band contrasts
    are paired. Returns one FactCheck per fact and structure it applies to.
    """
    from orgsim.limits import check_count

    check_count(reps, "--reps")
    if reps < MIN_REPS:
        raise InputError(f"--reps: {reps} is not allowed; use an integer >= {MIN_REPS} (a CI needs 2 seeds)")
    for s in structures:
        if s not in STRUCTURES:
            raise InputError(f"--structures: {s!r} is not a structure; allowed: {', '.join(STRUCTURES)}")
    base = as_scenario(scenario)
    facts = list(facts) if facts is not None else load_facts()
    seeds = [run_seed(seed, r) for r in range(reps)]

    # every (label -> scenario) the facts need: each structure, the structures bands compare
    # with, and each contrast's two settings under each structure
    needed: dict[str, Scenario] = {s: _variant(base, s) for s in structures}
    for fact in facts:
        if fact.kind != "band":
            continue
        for s in structures:
            if not fact.applies(s):
                continue
            if fact.relative_to:
                needed.setdefault(fact.relative_to, _variant(base, fact.relative_to))
            else:
                needed[f"{s}|{fact.name}|contrast"] = _variant(base, s, fact.contrast)
                needed[f"{s}|{fact.name}|baseline"] = _variant(base, s, fact.baseline)
    tasks = [(sc, sd) for sc in needed.values() for sd in seeds]
    runs = run_scenarios(tasks, workers=workers, progress=progress, leads=True, scheduler=scheduler)
    results = {label: runs[i * reps : (i + 1) * reps] for i, label in enumerate(needed)}

    checks = []
    for s in structures:
        for fact in facts:
            if not fact.applies(s):
                continue
            note = fact.tolerance
            try:
                if fact.kind == "band" and fact.relative_to:
                    est = _paired(fact.measure, results[s], results[fact.relative_to])
                    note = f"relative to {fact.relative_to}, paired by seed"
                elif fact.kind == "band":
                    est = _paired(
                        fact.measure,
                        results[f"{s}|{fact.name}|contrast"],
                        results[f"{s}|{fact.name}|baseline"],
                    )
                    note = f"{_settings(fact.contrast)} vs {_settings(fact.baseline)}, paired by seed"
                else:
                    est = fact.measure.estimate(results[s])
            except InputError as exc:
                est = Estimate(math.nan, math.nan, math.nan, 0)
                note = str(exc).replace("this measure needs", "not measured: needs")
            if not math.isfinite(est.value) and not note.startswith("not measured"):
                note = "not measured: undefined in these runs (e.g. no lead in a response-time window)"
            est = _cut(est, fact)
            verdict = fact.verdict(est)
            if verdict == NOT_ENOUGH_DATA and math.isfinite(est.value):
                note = _too_wide(fact, est, note)
            checks.append(
                FactCheck(
                    fact=fact.name,
                    structure=s,
                    measure=fact.measure.name,
                    kind=fact.kind,
                    published=fact.published,
                    published_low=fact.low,
                    published_high=fact.high,
                    model=est.value,
                    ci_low=est.low,
                    ci_high=est.high,
                    ok=None if verdict == NOT_ENOUGH_DATA else verdict == AGREES,
                    n=est.n,
                    source=fact.source,
                    note=note,
                    verdict=verdict,
                    calibrated=fact.calibrated,
                    ci_width=fact.max_ci_width,
                )
            )
    return checks


def _too_wide(fact: Fact, est: Estimate, note: str) -> str:
    span, width = fact.ci_span(est), fact.max_ci_width
    if fact.kind == "ratio":
        said = f"CI spans a factor {span:.3g}, wider than {width:g}"
    else:
        said = f"CI {span:.3g} wide, wider than {width:g}"
    return f"{said}: more replications needed" + (f"; {note}" if note else "")


def _settings(overrides: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in overrides.items())


def score(checks: Sequence[FactCheck]) -> tuple[int, int]:
    """(facts that agree, facts with a verdict: agree or disagree)."""
    judged = [c for c in checks if c.verdict != NOT_ENOUGH_DATA]
    return sum(1 for c in judged if c.verdict == AGREES), len(judged)


def read_checks(path: str | Path) -> list[FactCheck]:
    """FactChecks from the ``validation.json`` that ``orgsim validate --out`` writes."""
    import json

    try:
        rows = json.loads(Path(path).read_text())
        nan = {"model", "ci_low", "ci_high"}
        checks = []
        for r in rows:
            c = FactCheck(**{k: math.nan if v is None and k in nan else v for k, v in r.items()})
            if "verdict" not in r:  # written before verdicts: ok stood for the verdict
                c = replace(c, verdict=NOT_ENOUGH_DATA if c.ok is None else AGREES if c.ok else DISAGREES)
            checks.append(c)
        return checks
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"{path}: not a validation written by `orgsim validate --out` ({exc})") from None
