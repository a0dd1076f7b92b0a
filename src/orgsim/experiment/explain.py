"""Why does B beat A? Shapley attribution of a paired difference to the parameters that differ.

Two scenarios differ in a set of parameters (policies, SLA terms, budgets...). Switching a
subset ``S`` of them from A's values to B's gives a hybrid scenario; its mean measure over
seeded replications is the value ``v(S)`` of that coalition, so ``v({}) = A`` and ``v(all) =
B``. Each parameter's Shapley value is its marginal effect ``v(S + i) - v(S)`` averaged over
every order in which the parameters could be switched (Shapley 1953). The parts add up to the
total difference ``B - A`` exactly (efficiency), a parameter that does not change any run gets
zero, and interactions are shared fairly between the parameters involved.

Every coalition is run with the same seeds (common random numbers), and the attribution is
computed seed by seed, so each seed's parts sum to that seed's ``b - a``; the reported value
of a part is its mean over seeds with a Student-t 95% CI. With few players every coalition is
run (exact); with many, random orders are sampled per seed (Castro et al. 2009) and the CI
then covers both the seeds and the sampled orders.

Parameters may be grouped into one player (e.g. "the SLA" = ``sla.*`` and
``sales.prioritisation``): the group then gets one value for switching all its parameters
together.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from orgsim.errors import InputError
from orgsim.experiment.compare import check_measure, measure_of, run_scenarios
from orgsim.experiment.seeds import run_seed
from orgsim.experiment.stats import Difference, mean_ci, paired_difference
from orgsim.model.simulate import as_scenario
from orgsim.params import PARAMETERS
from orgsim.scenario import Scenario

Method = Literal["auto", "exact", "permutation"]
METHODS = ("auto", "exact", "permutation")
EXACT_MAX_PLAYERS = 5
"""``auto`` runs every coalition up to this many players (2^5 = 32 runs per seed)."""


@dataclass(frozen=True)
class Player:
    """One thing that is switched from A to B: a parameter, or a named group of them."""

    name: str
    keys: tuple[str, ...]
    a_value: str
    b_value: str


@dataclass(frozen=True)
class Part:
    """A player's share of the difference ``b - a``, in the measure's unit, with its 95% CI."""

    parameter: str
    keys: tuple[str, ...]
    a_value: str
    b_value: str
    value: float
    ci_low: float
    ci_high: float


@dataclass
class Explanation:
    """The attribution of ``b - a`` in one measure to the players that differ."""

    measure: str
    a: str
    b: str
    a_value: float
    b_value: float
    total: Difference
    parts: list[Part]
    method: str
    reps: int
    seed: int
    permutations: int
    runs: int
    days: int
    notes: list[str] = field(default_factory=list)

    def ranked(self) -> list[Part]:
        """Parts by decreasing size of their value."""
        return sorted(self.parts, key=lambda p: -abs(p.value) if not math.isnan(p.value) else 0.0)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``orgsim explain --json``; ``parts`` sum to ``total``."""
        return {
            "measure": self.measure,
            "a": self.a,
            "b": self.b,
            "a_value": self.a_value,
            "b_value": self.b_value,
            "total": self.total.mean,
            "total_ci_low": self.total.ci_low,
            "total_ci_high": self.total.ci_high,
            "method": self.method,
            "reps": self.reps,
            "seed": self.seed,
            "permutations": self.permutations,
            "runs": self.runs,
            "days": self.days,
            "parts": [
                {
                    "parameter": p.parameter,
                    "keys": list(p.keys),
                    "a": p.a_value,
                    "b": p.b_value,
                    "value": p.value,
                    "ci_low": p.ci_low,
                    "ci_high": p.ci_high,
                }
                for p in self.ranked()
            ],
            "notes": self.notes,
        }


def differing_keys(a: Scenario, b: Scenario) -> list[str]:
    """The parameter keys whose values differ between ``a`` and ``b``, in schema order.

    The structure's name is not a parameter: the model reads only the policies it sets.
    """
    return [key for key in PARAMETERS if a.get(key) != b.get(key)]


def parse_group(text: str) -> tuple[str, list[str]]:
    """Parse ``--group "NAME=pattern,pattern"`` (shell-style patterns over parameter keys)."""
    if "=" not in text:
        raise InputError(f"--group: '{text}' is not of the form NAME=key,key (e.g. 'the SLA=sla.*')")
    name, patterns = (s.strip() for s in text.split("=", 1))
    keys = [p.strip() for p in patterns.split(",") if p.strip()]
    if not name or not keys:
        raise InputError(f"--group: '{text}' is not of the form NAME=key,key (e.g. 'the SLA=sla.*')")
    return name, keys


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def players(a: Scenario, b: Scenario, groups: Mapping[str, Sequence[str]] | None = None) -> list[Player]:
    """The players: each group (by its patterns), then every other differing key on its own.

    A group whose parameters do not differ is kept (it will get exactly zero); a pattern that
    matches no parameter, or a key claimed by two groups, is an error.
    """
    differ = differing_keys(a, b)
    taken: dict[str, str] = {}
    out: list[Player] = []
    for name, patterns in (groups or {}).items():
        keys: list[str] = []
        for pattern in patterns:
            matched = [k for k in PARAMETERS if fnmatch.fnmatchcase(k, pattern)]
            if not matched:
                raise InputError(f"--group: {name}: '{pattern}' matches no parameter (see `orgsim show`)")
            for key in matched:
                if key in taken and taken[key] != name:
                    raise InputError(f"--group: {key} is in two groups ({taken[key]!r} and {name!r})")
                if key not in keys:
                    keys.append(key)
                    taken[key] = name
        changed = [k for k in keys if k in differ]
        if len(keys) == 1:
            a_txt, b_txt = _fmt(a.get(keys[0])), _fmt(b.get(keys[0]))
        elif not changed:
            a_txt = b_txt = "same"
        else:
            a_txt, b_txt = "A's", f"B's ({len(changed)} of {len(keys)} differ)"
        out.append(Player(name, tuple(keys), a_txt, b_txt))
    for key in differ:
        if key not in taken:
            out.append(Player(key, (key,), _fmt(a.get(key)), _fmt(b.get(key))))
    return out


def hybrid(a: Scenario, b: Scenario, keys: Sequence[str]) -> Scenario:
    """Scenario ``a`` with ``keys`` switched to ``b``'s values."""
    if not keys:
        return a
    return a.with_overrides({k: b.get(k) for k in keys}, source="explain")


def _weights(n: int) -> list[float]:
    """Shapley weight of a coalition of size s not containing the player: s!(n-s-1)!/n!."""
    return [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]


def explain(
    a: Scenario | str | Path,
    b: Scenario | str | Path,
    measure: str = "revenue",
    reps: int = 10,
    seed: int = 0,
    groups: Mapping[str, Sequence[str]] | None = None,
    method: Method = "auto",
    permutations: int = 2,
    days: int | None = None,
    overrides: dict[str, Any] | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> Explanation:
    """Attribute the paired difference ``b - a`` in ``measure`` to the parameters that differ.

    ``reps`` seeds are used for every coalition (seed ``r`` as in :func:`compare`);
    ``method`` ``exact`` runs all 2^n coalitions, ``permutation`` samples ``permutations``
    random orders per seed (n+1 runs each, shared ends), ``auto`` is exact up to
    :data:`EXACT_MAX_PLAYERS` players. ``on_plan`` is told the number of runs before they
    start; ``progress`` is called once per finished run.
    """
    return explain_measures(
        a, b, [measure], reps, seed, groups, method, permutations, days, overrides, workers, progress, on_plan
    )[0]


def explain_measures(
    a: Scenario | str | Path,
    b: Scenario | str | Path,
    measures: Sequence[str] = ("revenue",),
    reps: int = 10,
    seed: int = 0,
    groups: Mapping[str, Sequence[str]] | None = None,
    method: Method = "auto",
    permutations: int = 2,
    days: int | None = None,
    overrides: dict[str, Any] | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> list[Explanation]:
    """:func:`explain` for several measures from the same runs (one Explanation per measure)."""
    from orgsim.limits import check_count

    check_count(reps, "--reps")
    check_count(permutations, "--permutations")
    wanted = list(measures)
    for measure in wanted:
        check_measure(measure)
    if reps < 2:
        raise InputError(f"--reps: {reps} is not allowed; use an integer >= 2 (a CI needs two seeds)")
    if method not in METHODS:
        raise InputError(f"--method: {method!r} is not a method; allowed: {', '.join(METHODS)}")
    if permutations < 1:
        raise InputError(f"--permutations: {permutations} is not allowed; use an integer >= 1")
    sa, sb = as_scenario(a, overrides), as_scenario(b, overrides)
    if days is not None:
        sa = sa.with_overrides({"horizon.days": days}, source="--days")
        sb = sb.with_overrides({"horizon.days": days}, source="--days")
    team = players(sa, sb, groups)
    if not differing_keys(sa, sb):
        raise InputError(f"{sa.name} and {sb.name} do not differ in any parameter: nothing to explain")
    n = len(team)
    exact = method == "exact" or (method == "auto" and n <= EXACT_MAX_PLAYERS)
    seeds = [run_seed(seed, r) for r in range(reps)]
    full = frozenset(range(n))
    # which coalitions each seed needs, and (for sampling) the orders drawn for it
    orders: list[list[list[int]]] = []
    if exact:
        coalitions = [frozenset(i for i in range(n) if mask >> i & 1) for mask in range(2**n)]
        needed = [list(coalitions) for _ in seeds]
    else:
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EA]))
        needed = []
        for _ in seeds:
            drawn = [list(rng.permutation(n)) for _ in range(permutations)]
            orders.append(drawn)
            sets = {frozenset(), full}
            for order in drawn:
                sets.update(frozenset(order[:k]) for k in range(1, n))
            needed.append(sorted(sets, key=lambda s: (len(s), sorted(s))))
    tasks: list[tuple[Scenario, int]] = []
    index: dict[tuple[frozenset[int], int], int] = {}
    scenarios: dict[frozenset[int], Scenario] = {}
    for r, sets in enumerate(needed):
        for s in sets:
            if s not in scenarios:
                scenarios[s] = hybrid(sa, sb, [k for i in sorted(s) for k in team[i].keys])
            index[(s, r)] = len(tasks)
            tasks.append((scenarios[s], seeds[r]))
    if on_plan:
        on_plan(len(tasks))
    results = run_scenarios(tasks, workers=workers, progress=progress)
    out = []
    for measure in wanted:
        values = np.array([measure_of(res, measure) for res in results], dtype=float)
        out.append(
            _attribute(measure, values, index, needed, orders, team, exact, weights=_weights(n), reps=reps)
        )
    for expl in out:
        expl.a, expl.b = sa.name, sb.name if sb.name != sa.name else f"{sb.name}'"
        expl.seed, expl.runs, expl.days = seed, len(tasks), sa.horizon.days
        expl.permutations = 0 if exact else permutations
    return out


def _attribute(
    measure: str,
    values: np.ndarray,
    index: dict[tuple[frozenset[int], int], int],
    needed: list[list[frozenset[int]]],
    orders: list[list[list[int]]],
    team: list[Player],
    exact: bool,
    weights: list[float],
    reps: int,
) -> Explanation:
    """Shapley values of one measure, seed by seed, from the runs of every needed coalition."""
    n = len(team)
    full = frozenset(range(n))

    def v(s: frozenset[int], r: int) -> float:
        return float(values[index[(s, r)]])

    # per-seed attribution; a seed with a NaN in any of its runs is left out of everything
    per_seed = np.full((reps, n), np.nan)
    kept = [r for r in range(reps) if not any(math.isnan(v(s, r)) for s in needed[r])]
    for r in kept:
        if exact:
            for i in range(n):
                per_seed[r, i] = sum(
                    weights[len(s)] * (v(s | {i}, r) - v(s, r)) for s in needed[r] if i not in s
                )
        else:
            sums = np.zeros(n)
            for order in orders[r]:
                before: frozenset[int] = frozenset()
                for i in order:
                    after = before | {i}
                    sums[i] += v(after, r) - v(before, r)
                    before = after
            per_seed[r] = sums / len(orders[r])
    a_runs = np.array([v(frozenset(), r) for r in kept])
    b_runs = np.array([v(full, r) for r in kept])
    parts = []
    for i, player in enumerate(team):
        mean, low, high = mean_ci(per_seed[kept, i])
        if np.all(per_seed[kept, i] == 0):  # switching it never changed a run: exactly zero
            mean, low, high = 0.0, 0.0, 0.0
        parts.append(Part(player.name, player.keys, player.a_value, player.b_value, mean, low, high))
    notes = []
    if len(kept) < reps:
        left = reps - len(kept)
        notes.append(f"{left} of {reps} seeds left out: {measure} was undefined in one of their runs")
    return Explanation(
        measure=measure,
        a="",
        b="",
        a_value=float(np.mean(a_runs)) if len(kept) else math.nan,
        b_value=float(np.mean(b_runs)) if len(kept) else math.nan,
        total=paired_difference(a_runs, b_runs),
        parts=parts,
        method="exact" if exact else "permutation",
        reps=reps,
        seed=0,
        permutations=0,
        runs=0,
        days=0,
        notes=notes,
    )
