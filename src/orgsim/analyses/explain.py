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

Most values that differ between two structures are assumed levels (a preset's choice, with a
plausible range in the schema: :data:`orgsim.params.PLAUSIBLE`). Each part names the assumed
values it moves, and the margin is re-run (same seeds) with the largest part's assumed values
at A's level and at the ends of their plausible range (:class:`RangeCheck`): whether the verdict
holds across what is plausible, or rests on the assumed point.
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
from orgsim.experiment.observables import check_measure, measure_of
from orgsim.experiment.runner import run_scenarios
from orgsim.experiment.seeds import run_seed
from orgsim.experiment.stats import Difference, difference_bounds, mean_ci, paired_difference
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


SCALED_BY: dict[str, tuple[str, ...]] = {
    # a policy -> the assumed parameters its effect is multiplied by in the model (model.py: skill
    # factor 1 - skill_dilution x generalism, switch hours role_switch_hours x generalism; effort
    # 1 - free_riding x shared_goal; agents.py: a budget dispute weighs friction.budget_dispute)
    "policy.specialisation": ("policy.skill_dilution", "policy.role_switch_hours"),
    "policy.shared_goal": ("policy.free_riding",),
    "policy.heads": ("friction.budget_dispute",),
    "policy.joint_planning": ("friction.budget_dispute",),
}
"""The parameters A and B share that scale a differing policy's part: the part rests on them too."""

NAMED_BY: dict[str, tuple[str, ...]] = {
    # further assumed weights a policy's effect goes through, named (not re-run) with its part:
    # model.py heat x (1 - friction.goal_blame_relief x shared_goal), credit disputes at
    # friction.credit_claim_chance x (1 - shared_goal); customers.py churn x exp(pressure effect
    # x quota pressure (1 - shared_goal) x (1 - fit)) and exp(message effect x (0.5 - perception))
    "policy.shared_goal": (
        "friction.goal_blame_relief",
        "friction.credit_claim_chance",
        "friction.comp_inequity",
        "customers.churn_pressure_effect",
    ),
    "policy.message_alignment": ("customers.churn_message_effect",),
    "policy.lead_definition": ("customers.churn_fit_effect",),
}
"""Shared assumed weights named beside a part (``scales it``) without a range re-run of their own."""

CHURN_EFFECTS = (
    "customers.churn_fit_effect",
    "customers.churn_pressure_effect",
    "customers.churn_message_effect",
)
MEASURE_ASSUMPTIONS: dict[str, tuple[str, ...]] = {
    # a measure -> the assumed values that turn a run into it (not the run itself): customer value
    # counts each customer won over customers.lifetime_years (customers.py: lifetime_value) at a
    # churn hazard that fit, quota pressure and message consistency at the sale move
    "customer_value": ("customers.lifetime_years", *CHURN_EFFECTS),
}
"""The assumed values a measure itself rests on; the margin is re-run with them moved in both."""
RETENTION_OFF = "with churn from fit, quota pressure and messages off in both"


def assumed_values(keys: Sequence[str], a: Scenario, b: Scenario) -> list[str]:
    """``policy.recycling 0.27 -> 0.9 (plausible 0.1..0.9)`` for each key that differs and is assumed.

    Assumed: the key has a plausible range in the schema (an assumed value or a preset's level).
    A shared parameter that scales the key's effect (:data:`SCALED_BY`) is named too, e.g.
    ``policy.skill_dilution 0.2 in both, scales it (plausible 0.05..0.4)``.
    """
    out = []
    for key in keys:
        spec = PARAMETERS[key]
        if spec.plausible is None or a.get(key) == b.get(key):
            continue
        low, high = spec.plausible
        out.append(f"{key} {_fmt(a.get(key))} -> {_fmt(b.get(key))} (plausible {low:g}..{high:g})")
    for key in scaling(keys, a, b):
        low, high = PARAMETERS[key].plausible  # type: ignore[misc]
        out.append(f"{key} {_fmt(a.get(key))} in both, scales it (plausible {low:g}..{high:g})")
    named = [k for key in keys if a.get(key) != b.get(key) for k in NAMED_BY.get(key, ())]
    for key in dict.fromkeys(named):
        spec = PARAMETERS[key]
        if spec.plausible and a.get(key) == b.get(key) and not any(t.startswith(key + " ") for t in out):
            low, high = spec.plausible
            out.append(f"{key} {_fmt(a.get(key))} in both, scales it (plausible {low:g}..{high:g})")
    return out


def scaling(keys: Sequence[str], a: Scenario, b: Scenario) -> list[str]:
    """The shared assumed parameters (:data:`SCALED_BY`) that scale the differing ``keys``' effect."""
    found: list[str] = []
    for key in keys:
        if a.get(key) == b.get(key):
            continue
        for k in SCALED_BY.get(key, ()):
            if k in PARAMETERS and a.get(k) == b.get(k) and PARAMETERS[k].plausible and k not in found:
                found.append(k)
    return found


@dataclass(frozen=True)
class RangeCheck:
    """The margin ``b - a`` re-run with one player's assumed values moved.

    At A's level and at the ends of their plausible range; B otherwise unchanged, the same
    seeds as every coalition.
    """

    player: str
    keys: tuple[str, ...]  # the player's assumed keys that were moved
    margins: dict[str, Difference]  # level label ("A's value", "plausible low", ...) -> margin
    levels: dict[str, str]  # level label -> the values set, e.g. "policy.recycling=0.1"
    holds: bool  # the total is clear and every margin is clear on the same side
    runs: int = 0  # runs added for the check (reused ones not counted)
    a_values: str = ""  # e.g. "0.27, 0.1": A's values of ``keys``
    b_values: str = ""

    def sentence(self, expl: Explanation, fmt: Callable[[float], str]) -> str:
        """For a reader: what the margin rests on, and whether it holds across the plausible range."""
        total = expl.total
        word = "clear" if total.clear else "not clear"
        ahead = "leads" if total.mean >= 0 else "trails"
        ci = f"[{fmt(total.ci_low)}, {fmt(total.ci_high)}]"
        text = f"{expl.b} - {expl.a} on {expl.measure}: {fmt(total.mean)} {ci} ({word}). "
        part = next(p for p in expl.parts if p.parameter == self.player)
        moved = "; ".join(expl.assumptions.get(self.player, []))
        text += f"The largest part, {self.player} ({fmt(part.value)}), moves assumed values: {moved}. "
        said = []
        for label, d in self.margins.items():
            clear = "clear" if d.clear else "not clear"
            said.append(
                f"{label} ({self.levels[label]}) {fmt(d.mean)} [{fmt(d.ci_low)}, {fmt(d.ci_high)}], {clear}"
            )
        text += "Re-run on the same seeds, the margin is: " + "; ".join(said) + ". "
        if self.holds:
            return text + "The verdict holds across the plausible range of these assumptions."
        if total.sign == 0:
            clear = [
                f"{expl.b} {'leads' if d.sign > 0 else 'trails'} clearly {label}"
                for label, d in self.margins.items()
                if d.sign != 0
            ]
            tail = f"; {'; '.join(clear)}." if clear else "."
            return text + "The margin is not clear to begin with" + tail
        because = (
            f"{expl.b} {ahead} because {', '.join(self.keys)} "
            f"{'is' if len(self.keys) == 1 else 'are'} assumed {self.b_values} vs {self.a_values}"
        )
        lost = [label for label, d in self.margins.items() if d.sign != total.sign]
        return text + (
            f"So the verdict does not hold across the plausible range: {because}; "
            f"the margin is not clear or reverses {' and '.join(lost)}."
        )


EQUAL = "at A's values"
NEAR_A = "at the plausible end on A's side"
BEYOND_B = "at the plausible end beyond B"


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
    assumptions: dict[str, list[str]] = field(default_factory=dict)  # part -> its assumed values
    range_check: RangeCheck | None = None
    measure_check: dict[str, Difference] = field(default_factory=dict)  # label -> margin (measure's own)
    measure_levels: dict[str, str] = field(default_factory=dict)  # label -> the values set in both

    def measure_sentence(self, fmt: Callable[[float], str]) -> str:
        """What the margin owes to the measure's own assumptions (:data:`MEASURE_ASSUMPTIONS`)."""
        if not self.measure_check:
            return ""
        named = []
        for key in MEASURE_ASSUMPTIONS.get(self.measure, ()):
            spec = PARAMETERS[key]
            low, high = spec.plausible or (spec.lo, spec.hi)
            named.append(f"{key} {_fmt(spec.default)} (plausible {low:g}..{high:g})")
        said = []
        for label, d in self.measure_check.items():
            clear = "clear" if d.clear else "not clear"
            ci = f"[{fmt(d.ci_low)}, {fmt(d.ci_high)}]"
            said.append(f"{label} ({self.measure_levels[label]}) {fmt(d.mean)} {ci}, {clear}")
        text = (
            f"{self.measure} itself rests on assumed values: {'; '.join(named)}. "
            "Re-run on the same seeds with them moved in both: " + "; ".join(said) + "."
        )
        off = self.measure_check.get(RETENTION_OFF)
        if off is not None and not math.isnan(self.total.mean):
            text += (
                f" Retention by fit, pressure and messages (a mechanism with assumed effect sizes) "
                f"carries {fmt(self.total.mean - off.mean)} of the {fmt(self.total.mean)}; the rest "
                "comes from more and larger customers and the open pipeline, net of cost."
            )
        return text

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
                    "assumed": self.assumptions.get(p.parameter, []),
                }
                for p in self.ranked()
            ],
            "notes": self.notes,
            "measure_check": {
                label: {
                    "set": self.measure_levels[label],
                    "margin": d.mean,
                    "ci_low": d.ci_low,
                    "ci_high": d.ci_high,
                    "clear": d.clear,
                }
                for label, d in self.measure_check.items()
            },
            "range_check": None
            if self.range_check is None
            else {
                "player": self.range_check.player,
                "keys": list(self.range_check.keys),
                "holds": self.range_check.holds,
                "margins": {
                    label: {
                        "set": self.range_check.levels[label],
                        "margin": d.mean,
                        "ci_low": d.ci_low,
                        "ci_high": d.ci_high,
                        "clear": d.clear,
                    }
                    for label, d in self.range_check.margins.items()
                },
            },
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
    ranges: bool = True,
    scheduler: str | None = None,
) -> Explanation:
    """Attribute the paired difference ``b - a`` in ``measure`` to the parameters that differ.

    ``reps`` seeds are used for every coalition (seed ``r`` as in :func:`compare`);
    ``method`` ``exact`` runs all 2^n coalitions, ``permutation`` samples ``permutations``
    random orders per seed (n+1 runs each, shared ends), ``auto`` is exact up to
    :data:`EXACT_MAX_PLAYERS` players. ``on_plan`` is told the number of runs before they
    start; ``progress`` is called once per finished run. ``ranges`` re-runs the margin with the
    largest part's assumed values at A's level and the ends of their plausible range
    (:class:`RangeCheck`; at most 3 x ``reps`` more runs, none that the coalitions already made).
    """
    return explain_measures(
        a, b, [measure], reps, seed, groups, method, permutations, days, overrides, workers, progress,
        on_plan, ranges, scheduler,
    )[0]  # fmt: skip


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
    ranges: bool = True,
    scheduler: str | None = None,
) -> list[Explanation]:
    """:func:`explain` for several measures from the same runs (one Explanation per measure)."""
    from orgsim.limits import check_count, check_days

    check_count(reps, "--reps")
    check_count(permutations, "--permutations")
    check_days(days)
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
        moved = [k for m in wanted for k in MEASURE_ASSUMPTIONS.get(m, ())]
        checks = 4 * reps * sum(k not in CHURN_EFFECTS for k in moved) + 2 * reps * any(
            k in CHURN_EFFECTS for k in moved
        )
        on_plan(len(tasks) + (3 * reps + checks if ranges else 0))  # at most: the checks come after
    results = run_scenarios(tasks, workers=workers, progress=progress, scheduler=scheduler)
    out = []
    for measure in wanted:
        values = np.array([measure_of(res, measure) for res in results], dtype=float)
        out.append(
            _attribute(measure, values, index, needed, orders, team, exact, weights=_weights(n), reps=reps)
        )
    cache: dict[tuple[int, str], list[Any]] = {}  # (player, level) -> its runs, shared by measures
    for expl in out:
        expl.a, expl.b = sa.name, sb.name if sb.name != sa.name else f"{sb.name}'"
        expl.seed, expl.days = seed, sa.horizon.days
        expl.permutations = 0 if exact else permutations
        expl.assumptions = {p.name: assumed_values(p.keys, sa, sb) for p in team}
        if ranges:
            values = np.array([measure_of(res, expl.measure) for res in results], dtype=float)
            expl.range_check = _range_check(
                expl, team, sa, sb, seeds, values, index, cache, workers, progress, scheduler
            )
        expl.runs = len(tasks)
        if ranges and expl.measure in MEASURE_ASSUMPTIONS:
            _measure_check(expl, sa, sb, seeds, workers, progress, scheduler)
    return out


def _measure_check(
    expl: Explanation,
    sa: Scenario,
    sb: Scenario,
    seeds: list[int],
    workers: int | None,
    progress: Callable[[int], None] | None,
    scheduler: str | None = None,
) -> None:
    """Re-run A and B (same seeds) with the measure's own assumptions moved in both.

    ``customers.lifetime_years`` at the ends of its plausible range, and the churn effects of
    fit, quota pressure and message consistency at zero (every customer churns at the base rate).
    """
    settings: dict[str, dict[str, Any]] = {}
    for key in MEASURE_ASSUMPTIONS[expl.measure]:
        if key in CHURN_EFFECTS:
            settings.setdefault(RETENTION_OFF, {})[key] = 0.0
            continue
        spec = PARAMETERS[key]
        low, high = spec.plausible or (spec.lo, spec.hi)
        for side, value in (("low", low), ("high", high)):
            value = int(round(value)) if spec.type == "int" else value
            if value != sa.get(key) or value != sb.get(key):
                settings[f"{key} at its plausible {side} in both"] = {key: value}
    tasks: list[tuple[Scenario, int]] = []
    for setting in settings.values():
        for sc in (sa, sb):
            moved = sc.with_overrides(setting, source="explain: the measure's assumptions")
            tasks.extend((moved, s) for s in seeds)
    runs = run_scenarios(tasks, workers=workers, progress=progress, scheduler=scheduler) if tasks else []
    values = np.array([measure_of(res, expl.measure) for res in runs], dtype=float)
    reps = len(seeds)
    for k, (label, setting) in enumerate(settings.items()):
        a_runs = values[2 * k * reps : (2 * k + 1) * reps]
        b_runs = values[(2 * k + 1) * reps : (2 * k + 2) * reps]
        expl.measure_check[label] = paired_difference(a_runs, b_runs)
        expl.measure_levels[label] = ", ".join(f"{k2}={_fmt(v)}" for k2, v in setting.items())
    expl.runs += len(tasks)


def _range_check(
    expl: Explanation,
    team: list[Player],
    sa: Scenario,
    sb: Scenario,
    seeds: list[int],
    values: np.ndarray,
    index: dict[tuple[frozenset[int], int], int],
    cache: dict[tuple[int, str], list[Any]],
    workers: int | None,
    progress: Callable[[int], None] | None,
    scheduler: str | None = None,
) -> RangeCheck | None:
    """Re-run ``b - a`` with the largest assumed part at A's level and its plausible ends.

    Runs that the coalitions already made (B itself, B with the player at A's values) are
    reused, and so are the runs of another measure's check of the same player (``cache``).
    """
    order = {p.parameter: i for i, p in enumerate(expl.parts)}
    ranked = [p for p in expl.ranked() if expl.assumptions.get(p.parameter) and not math.isnan(p.value)]
    if not ranked or ranked[0].value == 0:
        return None
    i = order[ranked[0].parameter]
    player = team[i]
    keys = tuple(k for k in player.keys if PARAMETERS[k].plausible and sa.get(k) != sb.get(k))
    full = frozenset(range(len(team)))
    reps = len(seeds)

    def cast(key: str, value: float) -> Any:
        return int(round(value)) if PARAMETERS[key].type == "int" else value

    def end(key: str, toward_a: bool) -> Any:
        low, high = PARAMETERS[key].plausible  # type: ignore[misc]
        up = sb.get(key) > sa.get(key)  # B's assumption raises the value
        return cast(key, low if up == toward_a else high)

    levels: dict[str, dict[str, Any]] = {
        EQUAL: {k: sa.get(k) for k in keys},
        NEAR_A: {k: end(k, toward_a=True) for k in keys},
        BEYOND_B: {k: end(k, toward_a=False) for k in keys},
    }
    a_runs = np.array([values[index[(frozenset(), r)]] for r in range(reps)], dtype=float)
    margins: dict[str, Difference] = {}
    texts: dict[str, str] = {}
    tasks: list[tuple[Scenario, int]] = []
    where: dict[str, Any] = {}
    both: dict[str, tuple[int, int]] = {}  # label -> where A's and B's runs start in ``tasks``
    for k in scaling(player.keys, sa, sb):  # a shared assumption that scales the part: both sides
        low, high = PARAMETERS[k].plausible  # type: ignore[misc]
        for side, value in (("low", low), ("high", high)):
            label = f"{k} at its plausible {side} in both"
            texts[label] = f"{k}={_fmt(cast(k, value))}"
            if (i, label) in cache:
                where[label] = ("cached", (i, label))
                continue
            both[label] = (len(tasks), len(tasks) + reps)
            for sc in (sa, sb):
                moved = sc.with_overrides({k: cast(k, value)}, source="explain: plausible range")
                tasks.extend((moved, sd) for sd in seeds)
    for label, setting in levels.items():
        texts[label] = ", ".join(f"{k}={_fmt(v)}" for k, v in setting.items())
        if all(sb.get(k) == v for k, v in setting.items()):
            where[label] = [index[(full, r)] for r in range(reps)]  # B itself
        elif (
            label == EQUAL
            and all((full - {i}, r) in index for r in range(reps))
            and len(keys) == len(player.keys)
        ):
            where[label] = [index[(full - {i}, r)] for r in range(reps)]  # a coalition already run
        elif (i, label) in cache:
            where[label] = ("cached", (i, label))
        else:
            sc = sb.with_overrides(setting, source="explain: plausible range")
            where[label] = ("new", len(tasks))
            tasks.extend((sc, s) for s in seeds)
    new = run_scenarios(tasks, workers=workers, progress=progress, scheduler=scheduler) if tasks else []
    for label, (start_a, start_b) in both.items():
        cache[(i, label)] = [*new[start_a : start_a + reps], *new[start_b : start_b + reps]]
        where[label] = ("cached", (i, label))
    for label, found in where.items():
        if isinstance(found, tuple) and found[0] == "new":
            cache[(i, label)] = new[found[1] : found[1] + reps]
            found = ("cached", (i, label))
        if isinstance(found, tuple):
            b_runs = np.array([measure_of(res, expl.measure) for res in cache[found[1]]], dtype=float)
        else:
            b_runs = np.array([values[j] for j in found], dtype=float)
        if len(b_runs) == 2 * reps:  # a shared assumption moved on both sides: A's runs, then B's
            margins[label] = paired_difference(b_runs[:reps], b_runs[reps:], measure=expl.measure)
            continue
        margins[label] = paired_difference(a_runs, b_runs, measure=expl.measure)
    sign = expl.total.sign
    holds = sign != 0 and all(d.sign == sign for d in margins.values())
    a_values = ", ".join(_fmt(sa.get(k)) for k in keys)
    b_values = ", ".join(_fmt(sb.get(k)) for k in keys)
    return RangeCheck(player.name, keys, margins, texts, holds, len(tasks), a_values, b_values)


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
        mean, low, high = mean_ci(per_seed[kept, i], within=difference_bounds(measure))  # a part of B - A
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
        total=paired_difference(a_runs, b_runs, measure=measure),
        parts=parts,
        method="exact" if exact else "permutation",
        reps=reps,
        seed=0,
        permutations=0,
        runs=0,
        days=0,
        notes=notes,
    )
