"""Calibration: fit chosen parameters so the model reproduces target measures.

A targets file names a scenario, the structures it is calibrated under (jointly), target
measures (a value or a ``[low, high]`` range) and the parameters to search (``[low, high]``)::

    scenario = "scenarios/acme.toml"       # a path or a preset name
    structures = ["separate", "aligned"]   # optional: calibrate under each, jointly
    [targets]
    "funnel.mql_to_sal" = [0.40, 0.60]
    "median_response_hours" = { value = 42, structures = ["separate"], weight = 2 }
    [parameters]
    "sales.contact_floor" = [0.3, 0.9]
    "marketing.mql_threshold" = { range = [0.5, 0.8], serves = "funnel.inquiry_to_mql" }

The search is optuna's TPE sampler, seeded per batch of trials, so a calibration gives the same
trials whatever the worker count and after any resume. Each trial runs ``reps`` replications
per structure with the same seeds in every trial (common random numbers), so trials differ by
their parameters, not their luck. The loss is the weighted sum over targets and structures of
the squared distance from the mean to the target range, relative to the target's size.
Trials run in parallel on the sweep executors and each is written to ``DIR/trials/`` as it
completes (atomic Parquet parts): a killed calibration resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
)

from orgsim.errors import InputError, suggest, validated
from orgsim.experiment.agreement import AGREES, agreement
from orgsim.experiment.observables import Estimate, Observable, get_observable
from orgsim.experiment.runner import Backend, CallbackSink, run_tasks
from orgsim.experiment.seeds import MAX_EXPERIMENT_SEED, run_seed, sampler_seed
from orgsim.params import PARAMETERS, StructureName
from orgsim.scenario import Scenario, load_scenario, read_toml

BATCH = 4  # trials asked together; fixed (not the worker count) so trials never depend on workers
TRIALS_DIR = "trials"
MANIFEST = "calibration.json"
MISSING_PENALTY = 4.0  # loss of a target whose measure is undefined in a trial (e.g. no deals)


def _listed(value: Any) -> Any:
    """One structure written as a name is a list of one."""
    return [value] if isinstance(value, str) else value


Structures = Annotated[list[StructureName], Field(min_length=1)]


class TargetEntry(BaseModel):
    """A target written as a table: ``{ value = x }`` or ``{ range = [low, high] }``, and its options."""

    model_config = ConfigDict(extra="forbid")

    value: Any = None
    range: Any = None
    structures: Structures | None = None
    weight: StrictInt | StrictFloat = Field(default=1.0, gt=0, allow_inf_nan=False)
    source: StrictStr = ""

    _one_structure = field_validator("structures", mode="before")(_listed)


class ParameterEntry(BaseModel):
    """A searched parameter written as a table: ``{ range = [low, high], serves = "measure" }``."""

    model_config = ConfigDict(extra="forbid")

    range: Any
    serves: StrictStr | None = None


class TargetsFile(BaseModel):
    """A targets file's entries as written (see the module doc)."""

    model_config = ConfigDict(extra="forbid")

    scenario: StrictStr = "separate"  # a preset, shipped scenario or .toml path
    structures: Structures | None = None  # default: the scenario's own
    seed: StrictInt = Field(default=0, ge=0, le=MAX_EXPERIMENT_SEED)
    days: StrictInt | None = Field(default=None, ge=1)  # business days
    targets: dict[str, Any] = Field(min_length=1)
    parameters: dict[str, Any] = Field(min_length=1)
    description: StrictStr = ""

    _one_structure = field_validator("structures", mode="before")(_listed)


TOP_KEYS = tuple(TargetsFile.model_fields)


MET_CI_WIDTH = 0.5  # a target is "met" only with a 95% CI at most this share of it wide (±25%)

@dataclass(frozen=True)
class Target:
    """One target: a measure's value or range under some structures, with a weight."""

    measure: Observable
    low: float
    high: float
    structures: tuple[str, ...]
    weight: float = 1.0

    @property
    def label(self) -> str:
        """The target as written: a value or a range."""
        return f"{self.low:g}" if self.low == self.high else f"[{self.low:g}, {self.high:g}]"

    def loss(self, value: float) -> float:
        """Weighted squared distance from ``value`` to the range, relative to the target's size."""
        if not math.isfinite(value):
            return self.weight * MISSING_PENALTY
        gap = self.low - value if value < self.low else value - self.high if value > self.high else 0.0
        scale = max(abs(self.low + self.high) / 2, (self.high - self.low) / 2, 1e-9)
        return self.weight * (gap / scale) ** 2

    @property
    def widest_ci(self) -> float:
        """The widest 95% CI that can earn "met": the target's range, or :data:`MET_CI_WIDTH` of its size."""
        return max(self.high - self.low, MET_CI_WIDTH * abs(self.low + self.high) / 2)

    def verdict(self, estimate: Estimate) -> str:
        """``agrees``, ``disagrees`` or ``not enough data``: the rule validate uses (``agreement``).

        Never "agrees" on a CI wider than :attr:`widest_ci`: a CI that wide covers almost
        anything, so it shows too few replications, not a fit.
        """
        return agreement(estimate.value, estimate.low, estimate.high, self.low, self.high, self.widest_ci)

    def hit(self, estimate: Estimate) -> bool:
        """Whether the target is met (:meth:`verdict` is ``agrees``).

        The mean is in the range (a single value: the CI covers it) and the CI no wider than
        :attr:`widest_ci`.
        """
        return self.verdict(estimate) == AGREES


@dataclass(frozen=True)
class SearchParameter:
    """A parameter to fit and the range to search."""

    key: str
    low: float
    high: float
    integer: bool
    serves: str | None = None  # the target it is meant for, if the file says so

    def distribution(self) -> Any:
        """The optuna distribution of this parameter."""
        from optuna.distributions import FloatDistribution, IntDistribution

        if self.integer:
            return IntDistribution(int(self.low), int(self.high))
        return FloatDistribution(self.low, self.high)


@dataclass(frozen=True)
class Targets:
    """A parsed targets file."""

    path: str
    scenario: Scenario
    scenario_ref: str  # as written in the file
    structures: tuple[str, ...]
    targets: tuple[Target, ...]
    parameters: tuple[SearchParameter, ...]
    seed: int = 0
    days: int | None = None
    text: str = ""  # the file's text (its hash guards a calibration directory)

    @property
    def needs_leads(self) -> bool:
        """Whether any target is read from the per-lead table."""
        return any(t.measure.needs_leads for t in self.targets)

    def pairs(self) -> list[tuple[Target, str]]:
        """Every (target, structure) the loss sums over, in file order."""
        return [(t, s) for t in self.targets for s in t.structures]

    def scenario_for(self, structure: str, values: dict[str, Any]) -> Scenario:
        """The scenario under ``structure`` with fitted ``values`` applied."""
        base = self.scenario
        if structure != base.structure:
            base = base.with_overrides({"structure": structure}, source=self.path)
            base = base.model_copy(update={"name": f"{self.scenario.name}/{structure}"})
        return base.with_overrides(values, source=self.path) if values else base

    def start(self) -> dict[str, Any]:
        """The scenario's own values of the searched parameters, clipped into their ranges."""
        out: dict[str, Any] = {}
        for p in self.parameters:
            value = min(p.high, max(p.low, float(self.scenario.get(p.key))))
            out[p.key] = int(round(value)) if p.integer else value
        return out

    def in_range(self) -> bool:
        """Whether the scenario's own values lie inside every search range."""
        return all(p.low <= float(self.scenario.get(p.key)) <= p.high for p in self.parameters)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{where}: {value!r} is not a number")
    return float(value)


def _range(value: Any, where: str, allow_point: bool) -> tuple[float, float]:
    if isinstance(value, list):
        if len(value) != 2:
            raise InputError(f"{where}: {value!r} is not a [low, high] range")
        low, high = _number(value[0], where), _number(value[1], where)
        if low > high:
            raise InputError(
                f"{where}: range [{low:g}, {high:g}] is inverted; write [low, high] with low <= high"
            )
        if low == high and not allow_point:
            raise InputError(f"{where}: range [{low:g}, {high:g}] is empty; give low < high")
        return low, high
    if allow_point:
        x = _number(value, where)
        return x, x
    raise InputError(f"{where}: {value!r} is not a [low, high] range")


def scenario_file(ref: str, targets_path: str) -> Path:
    """The file a targets file's ``scenario = "x.toml"`` names: beside the targets file, else as given.

    A relative path in a file is read from that file's folder (``orgsim init`` writes it so), so
    the targets work from any current folder; a path that is only found from the current
    folder is still taken from there.
    """
    path = Path(ref)
    if not path.is_absolute():
        beside = Path(targets_path).parent / path
        if beside.exists():
            return beside
    return path


def parse_targets(raw: dict[str, Any], path: str, text: str = "") -> Targets:
    """Check and build a Targets from a TOML-shaped dict; every problem is one-line InputError."""
    if not raw.get("targets"):
        raise InputError(f"{path}: [targets] is missing or empty; give measure = value or [low, high]")
    if not raw.get("parameters"):
        raise InputError(f"{path}: [parameters] is missing or empty; give dotted.key = [low, high]")
    entries: TargetsFile = validated(TargetsFile, raw, path)
    ref = entries.scenario
    if Path(ref).suffix == ".toml":
        ref = str(scenario_file(ref, path))
    scenario = load_scenario(ref)
    structures = tuple(dict.fromkeys(entries.structures or [scenario.structure]))
    seed, days = entries.seed, entries.days
    targets = []
    for name, spec in entries.targets.items():
        where = f"{path}: targets.{name}"
        measure = get_observable(name, f"{path}: targets")
        weight, on = 1.0, structures
        if isinstance(spec, dict):
            entry: TargetEntry = validated(TargetEntry, spec, path, at=f"targets.{name}")
            if ("value" in spec) == ("range" in spec):
                raise InputError(f"{where}: give exactly one of value or range")
            low, high = _range(spec.get("value", spec.get("range")), where, allow_point=True)
            weight = float(entry.weight)
            on = tuple(dict.fromkeys(entry.structures or structures))
            extra = [s for s in on if s not in structures]
            if extra:
                raise InputError(
                    f"{where}.structures: {extra[0]!r} is not among the file's structures "
                    f"({', '.join(structures)})"
                )
        else:
            low, high = _range(spec, where, allow_point=True)
        if not (measure.reachable(low) and measure.reachable(high)):
            raise InputError(
                f"{where}: {low:g}..{high:g} is unreachable; "
                f"{name} takes values in {measure.describe_range()}"
            )
        targets.append(Target(measure, low, high, on, weight))

    parameters = []
    for key, spec in entries.parameters.items():
        where = f"{path}: parameters.{key}"
        spec_ = PARAMETERS.get(key)
        if spec_ is None:
            raise InputError(f"{path}: parameters: unknown parameter '{key}'{suggest(key, PARAMETERS)}")
        if spec_.type not in ("int", "float"):
            raise InputError(f"{where}: a {spec_.type} parameter cannot be fitted; choose a numeric one")
        serves = None
        if isinstance(spec, dict):
            written: ParameterEntry = validated(ParameterEntry, spec, path, at=f"parameters.{key}")
            serves = written.serves
            if serves is not None and serves not in {t.measure.name for t in targets}:
                raise InputError(f"{where}.serves: {serves!r} is not one of the file's targets")
            spec = written.range
        low, high = _range(spec, where, allow_point=False)
        lo = -math.inf if spec_.lo is None else spec_.lo
        hi = math.inf if spec_.hi is None else spec_.hi
        if low < lo or high > hi:
            raise InputError(
                f"{where}: [{low:g}, {high:g}] leaves the allowed range [{lo:g}, {hi:g}] {spec_.unit}"
            )
        integer = spec_.type == "int"
        if integer and (low != int(low) or high != int(high)):
            raise InputError(f"{where}: {key} is an integer; give integer bounds")
        parameters.append(SearchParameter(key, low, high, integer, serves))
    return Targets(
        path,
        scenario,
        entries.scenario,
        structures,
        tuple(targets),
        tuple(parameters),
        seed,
        days,
        text,
    )


def load_targets(path: str | Path) -> Targets:
    """Read and check a targets file."""
    path = Path(path)
    raw = read_toml(path)
    return parse_targets(raw, str(path), path.read_text())


# -- one trial's evaluation (runs in a worker process) ----------------------------------------
class Task(NamedTuple):
    """Replicated runs of one scenario for one trial; a run-loop task, evaluated in a worker."""

    trial: int
    structure: str
    scenario: Scenario
    seeds: tuple[int, ...]
    days: int | None
    measures: tuple[str, ...]
    leads: bool


def evaluate(task: Task) -> tuple[int, str, dict[str, Estimate]]:
    """Run the task's replications and estimate its measures."""
    from orgsim.experiment.observables import OBSERVABLES
    from orgsim.model.simulate import simulate

    kwargs: dict[str, Any] = {"leads": True} if task.leads else {}
    results = [simulate(task.scenario, seed=s, days=task.days, **kwargs) for s in task.seeds]
    return task.trial, task.structure, {name: OBSERVABLES[name].estimate(results) for name in task.measures}


def evaluate_task(*fields: Any) -> tuple[int, str, dict[str, Estimate]]:
    """:func:`evaluate` as the run loop calls it: ``work(*task)``."""
    return evaluate(Task(*fields))


# -- trials on disk ---------------------------------------------------------------------------
@dataclass
class Trial:
    """A completed trial: its parameter values, estimates per (measure, structure) and loss."""

    number: int  # -1: the scenario as given (only when its values lie outside the ranges)
    values: dict[str, Any]
    estimates: dict[tuple[str, str], Estimate]
    loss: float
    elapsed_s: float = 0.0


def loss_of(targets: Targets, estimates: dict[tuple[str, str], Estimate]) -> float:
    """The objective: the sum of every target's loss under each of its structures."""
    return float(sum(t.loss(estimates[(t.measure.name, s)].value) for t, s in targets.pairs()))


def _row(targets: Targets, trial: Trial) -> dict[str, Any]:
    row: dict[str, Any] = {"trial": trial.number, "loss": trial.loss, "elapsed_s": trial.elapsed_s}
    for p in targets.parameters:
        row[f"param:{p.key}"] = float(trial.values[p.key])
    for (name, structure), est in trial.estimates.items():
        key = f"{name}@{structure}"
        row[f"mean:{key}"], row[f"low:{key}"], row[f"high:{key}"], row[f"n:{key}"] = (
            est.value,
            est.low,
            est.high,
            float(est.n),
        )
    return row


def _from_row(targets: Targets, row: dict[str, Any]) -> Trial:
    values: dict[str, Any] = {}
    for p in targets.parameters:
        v = row[f"param:{p.key}"]
        values[p.key] = int(round(v)) if p.integer else float(v)
    estimates = {}
    for t, s in targets.pairs():
        key = f"{t.measure.name}@{s}"
        estimates[(t.measure.name, s)] = Estimate(
            row[f"mean:{key}"], row[f"low:{key}"], row[f"high:{key}"], int(row[f"n:{key}"])
        )
    return Trial(int(row["trial"]), values, estimates, float(row["loss"]), float(row["elapsed_s"]))


def load_trials(out_dir: str | Path, targets: Targets) -> dict[int, Trial]:
    """The trials a calibration directory holds, by number."""
    from orgsim.experiment.storage import _read

    frame = _read(Path(out_dir), TRIALS_DIR)
    if frame is None:
        return {}
    return {int(r["trial"]): _from_row(targets, r) for r in frame.to_dict("records")}


def _manifest(targets: Targets, reps: int) -> dict[str, Any]:
    return {
        "kind": "orgsim calibration",
        "targets_file": targets.path,
        "targets_sha256": hashlib.sha256(targets.text.encode()).hexdigest(),
        "reps": reps,
        "seed": targets.seed,
        "batch": BATCH,
    }


def _prepare(out_dir: Path, targets: Targets, reps: int) -> None:
    from orgsim.outputs import write_atomic

    path = out_dir / MANIFEST
    want = _manifest(targets, reps)
    if path.exists():
        try:
            have = json.loads(path.read_text())
        except json.JSONDecodeError:
            have = {}
        for key in ("targets_sha256", "reps", "seed", "batch"):
            if have.get(key) != want[key]:
                what = "another targets file" if key == "targets_sha256" else f"{key} = {have.get(key)}"
                raise InputError(
                    f"--out: {out_dir} holds a calibration of {what}; use another --out to start afresh"
                )
        return
    if out_dir.exists() and any(p for p in out_dir.iterdir() if p.name != ".lock"):
        raise InputError(
            f"--out: {out_dir} is not empty and holds no calibration; use an empty or new directory"
        )
    from orgsim.outputs import seal

    write_atomic(path, json.dumps(seal(want), indent=2).encode())  # sealed: the folder is orgsim's


# -- the search ---------------------------------------------------------------------------------
@dataclass
class Calibration:
    """A finished (or resumed-to-the-end) calibration: every trial, the baseline and the best."""

    targets: Targets
    reps: int
    trials: dict[int, Trial]
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def baseline(self) -> Trial:
        """The scenario as given (trial -1, or trial 0 when its values lie in every range)."""
        return self.trials[-1] if -1 in self.trials else self.trials[0]

    @property
    def best(self) -> Trial:
        """The trial with the lowest loss (the earliest among equals)."""
        return min(self.trials.values(), key=lambda t: (t.loss, t.number))

    def fit_table(self) -> pd.DataFrame:
        """Per target and structure: target range, before and after with 95% CIs, hit or not."""
        rows = []
        before, after = self.baseline, self.best
        for t, s in self.targets.pairs():
            b, a = before.estimates[(t.measure.name, s)], after.estimates[(t.measure.name, s)]
            rows.append(
                {
                    "target": t.measure.name,
                    "structure": s,
                    "target_low": t.low,
                    "target_high": t.high,
                    "before": b.value,
                    "before_ci_low": b.low,
                    "before_ci_high": b.high,
                    "after": a.value,
                    "ci_low": a.low,
                    "ci_high": a.high,
                    "loss_before": t.loss(b.value),
                    "loss_after": t.loss(a.value),
                    "hit": t.hit(a),
                    "verdict": t.verdict(a),  # agrees (hit), disagrees or not enough data
                }
            )
        return pd.DataFrame(rows)

    def moved_from_init(self, tolerance: float = 0.01) -> list[str]:
        """Warnings for fitted parameters that `orgsim init` set from the user's own numbers.

        When the base scenario file was written by ``orgsim init``, each of its values came from
        a fact the user gave; moving one (by more than ``tolerance``, relative) may undo the fact
        it matched, e.g. a raised ``sales.win_rate`` no longer giving the user's win rate.
        """
        from orgsim.scenario import read_toml

        path = scenario_file(self.targets.scenario_ref, self.targets.path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return []
        if "written by `orgsim init`" not in text.split("\n", 1)[0]:
            return []
        flat: dict[str, Any] = {}
        for section, values in read_toml(path).items():
            if isinstance(values, dict):
                flat.update({f"{section}.{k}": v for k, v in values.items()})
        out = []
        for p in self.targets.parameters:
            if p.key not in flat or isinstance(flat[p.key], bool):
                continue
            before, after = float(flat[p.key]), float(self.best.values[p.key])
            if abs(after - before) > tolerance * max(abs(before), 1e-12):
                out.append(
                    f"{p.key} moved {before:.4g} -> {after:.4g}, a value `orgsim init` set from your own "
                    f"numbers in {path}; check that the fact it matched still holds"
                )
        return out

    def trials_frame(self) -> pd.DataFrame:
        """Trials in order: number, loss and best loss so far (the baseline trial -1 left out)."""
        rows = sorted((t.number, t.loss) for t in self.trials.values() if t.number >= 0)
        frame = pd.DataFrame(rows, columns=["trial", "loss"])
        frame["best"] = frame["loss"].cummin()
        return frame

    def serves(self) -> dict[str, str]:
        """For each fitted parameter, the target it serves.

        As the file says, else the (target, structure) whose mean moves most with the
        parameter across trials (largest |Spearman rho|), with rho quoted.
        """
        from scipy.stats import spearmanr

        trials = [t for t in self.trials.values() if t.number >= 0]
        out: dict[str, str] = {}
        for p in self.targets.parameters:
            if p.serves:
                out[p.key] = f"{p.serves} (as the targets file says)"
                continue
            xs = np.array([t.values[p.key] for t in trials], dtype=float)
            best_name, best_rho = "", 0.0
            for t, s in self.targets.pairs():
                ys = np.array([tr.estimates[(t.measure.name, s)].value for tr in trials], dtype=float)
                ok = np.isfinite(ys)
                if ok.sum() < 4 or np.ptp(xs[ok]) == 0 or np.ptp(ys[ok]) == 0:
                    continue
                rho = float(spearmanr(xs[ok], ys[ok]).statistic)
                if math.isfinite(rho) and abs(rho) > abs(best_rho):
                    best_name, best_rho = f"{t.measure.name} under {s}", rho
            out[p.key] = (
                f"{best_name} (Spearman rho {best_rho:+.2f} over {len(trials)} trials)"
                if best_name
                else "no target moved with it"
            )
        return out


def calibrate(
    targets: Targets | str | Path,
    out_dir: str | Path,
    trials: int = 40,
    reps: int = 4,
    workers: int | None = None,
    executor: str | Executor = "local",
    address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
) -> Calibration:
    """Fit ``targets``' parameters over ``trials`` trials of ``reps`` replications each.

    Completed trials in ``out_dir`` are kept and only the missing ones run (resume). Writes
    ``calibrated.toml`` and ``fit.csv``; :func:`orgsim.presentation.calibration.convergence_chart`
    draws the convergence chart from :meth:`Calibration.trials_frame`.
    ``progress(done, total)`` is called as trials complete. Trials run through the run loop on
    ``workers`` processes or a Dask ``scheduler`` (``"local"`` or an address; the older
    ``executor``/``address`` pair says the same).
    """
    from orgsim.limits import check_count

    check_count(trials, "--trials")
    check_count(reps, "--reps")
    if workers is not None:  # before the folder is prepared
        check_count(workers, "--workers")
    import optuna

    from orgsim.experiment.storage import ChunkWriter, DirectoryLock

    if not isinstance(targets, Targets):
        targets = load_targets(targets)
    if trials < 1:
        raise InputError(f"--trials: {trials} is not allowed; use an integer >= 1")
    if reps < 1:
        raise InputError(f"--reps: {reps} is not allowed; use an integer >= 1")
    out_dir = Path(out_dir)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seeds = tuple(run_seed(targets.seed, r) for r in range(reps))
    measures_by_structure: dict[str, tuple[str, ...]] = {}
    for t, s in targets.pairs():
        measures_by_structure.setdefault(s, ())
        if t.measure.name not in measures_by_structure[s]:
            measures_by_structure[s] += (t.measure.name,)
    distributions = {p.key: p.distribution() for p in targets.parameters}

    with DirectoryLock(out_dir):
        _prepare(out_dir, targets, reps)
        done = load_trials(out_dir, targets)
        writer = ChunkWriter(out_dir, TRIALS_DIR)
        study = optuna.create_study(direction="minimize")
        study.enqueue_trial(targets.start())
        total = trials + (0 if targets.in_range() else 1)
        finished = sum(1 for n in done if n < trials)
        if progress:
            progress(finished, total)

        def tasks_for(number: int, values: dict[str, Any]) -> list[Task]:
            return [
                Task(
                    number,
                    s,
                    targets.scenario_for(s, values),
                    seeds,
                    targets.days,
                    names,
                    targets.needs_leads,
                )
                for s, names in measures_by_structure.items()
            ]

        def keep(number: int, result: Trial) -> None:
            nonlocal finished
            done[number] = result
            writer.write_rows([_row(targets, result)])
            finished += 1
            if progress:
                progress(finished, total)

        backend = Backend.of(executor, workers, address) if scheduler is None else Backend(workers, scheduler)
        with backend.open() as pool:
            pending: dict[int, tuple[dict[str, Any], list[Task]]] = {}
            if not targets.in_range() and -1 not in done:
                pending[-1] = ({p.key: targets.scenario.get(p.key) for p in targets.parameters}, [])
            asked: dict[int, Any] = {}
            for batch in range(math.ceil(trials / BATCH)):
                study.sampler = optuna.samplers.TPESampler(
                    seed=sampler_seed(targets.seed, batch),
                    n_startup_trials=max(4, min(10, trials // 4)),
                    multivariate=True,
                )
                for _ in range(min(BATCH, trials - batch * BATCH)):
                    trial = study.ask(distributions)
                    asked[trial.number] = trial
                    if trial.number in done:
                        continue
                    pending[trial.number] = (dict(trial.params), [])
                if pending:
                    _run_batch(pool, pending, tasks_for, targets, keep)
                    pending = {}
                for number in range(batch * BATCH, min(trials, (batch + 1) * BATCH)):
                    study.tell(asked[number], done[number].loss)
    kept = {n: t for n, t in done.items() if n < trials}
    result = Calibration(targets, reps, kept, out_dir)
    write_outputs(result)
    return result


def _run_batch(
    pool: Executor,
    pending: dict[int, tuple[dict[str, Any], list[Task]]],
    tasks_for: Callable[[int, dict[str, Any]], list[Task]],
    targets: Targets,
    on_trial: Callable[[int, Trial], None],
) -> None:
    """Run every pending trial's tasks through the run loop; ``on_trial`` as each trial completes."""
    parts: dict[int, dict[tuple[str, str], Estimate]] = {}
    needed: dict[int, int] = {}
    started = {n: time.perf_counter() for n in pending}
    tasks: list[Task] = []
    for number, (values, _) in pending.items():
        mine = tasks_for(number, values)
        needed[number], parts[number] = len(mine), {}
        tasks += mine

    def collect(position: int, task: tuple[Any, ...], result: tuple[int, str, dict[str, Estimate]]) -> None:
        number, structure, estimates = result
        parts[number].update({(name, structure): est for name, est in estimates.items()})
        needed[number] -= 1
        if needed[number] == 0:
            values = pending[number][0]
            elapsed = time.perf_counter() - started[number]
            on_trial(number, Trial(number, values, parts[number], loss_of(targets, parts[number]), elapsed))

    run_tasks(tasks, evaluate_task, pool, [CallbackSink(collect)], label=lambda task: f"trial {task[0]}")


# -- outputs --------------------------------------------------------------------------------------
def _toml_value(value: Any) -> Any:
    """A value as calibrated.toml writes it: floats to 6 significant digits."""
    return float(f"{value:.6g}") if isinstance(value, float) else value


def _scenario_document(targets: Targets) -> Any:
    """The base scenario's own file as a tomlkit document (comments kept), or None for a preset."""
    import tomlkit

    if Path(targets.scenario_ref).suffix != ".toml":
        return None
    path = scenario_file(targets.scenario_ref, targets.path)
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError):
        return None


def calibrated_toml(cal: Calibration) -> str:
    """The scenario as given plus the fitted values, each commented with the target it serves.

    A scenario given as a file keeps that file's entries and comments (tomlkit); a preset is
    written as its name, structure and the values that differ from the structure's preset.
    """
    import tomlkit

    from orgsim.scenario import resolve

    targets, best = cal.targets, cal.best
    sc = targets.scenario
    fitted = dict(best.values)
    serves = cal.serves()
    header = [
        f"# {sc.name}, calibrated by `orgsim calibrate {targets.path}`",
        f"# ({len(cal.trials)} trials x {cal.reps} reps under {', '.join(targets.structures)}):",
        f"# loss {cal.baseline.loss:.4g} before, {best.loss:.4g} after (trial {best.number}).",
        "# Fitted values are marked 'fitted'; fit.csv beside this file has every target before and after.",
    ]
    doc = _scenario_document(targets)
    if doc is None:
        preset = resolve({"structure": sc.structure}, source="preset").flat()
        doc = tomlkit.document()
        doc.add("name", sc.name)
        if sc.description:
            doc.add("description", sc.description)
        doc.add("structure", sc.structure)
        for key in PARAMETERS:
            value = sc.get(key)
            if key not in fitted and value != preset[key]:
                _set(doc, key, tomlkit.item(_toml_value(value)))
    for key in PARAMETERS:
        if key in fitted:
            was = tomlkit.item(_toml_value(sc.get(key))).as_string()
            item = tomlkit.item(_toml_value(fitted[key]))
            item.comment(f"fitted (was {was}): serves {serves[key]}")
            _set(doc, key, item)
    return "\n".join(header) + "\n" + tomlkit.dumps(doc).lstrip("\n")


def _set(doc: Any, key: str, item: Any) -> None:
    """Set dotted ``key`` in a tomlkit document, in place when present, else in its section's table."""
    import tomlkit

    section, name = key.split(".", 1)
    if section not in doc:
        doc.add(tomlkit.nl())
        doc.add(section, tomlkit.table())
    doc[section][name] = item


def write_outputs(cal: Calibration) -> dict[str, Path]:
    """Write calibrated.toml and fit.csv into the directory (the chart is presentation's job)."""
    from orgsim.outputs import write_atomic

    out = cal.out_dir
    write_atomic(out / "calibrated.toml", calibrated_toml(cal).encode())
    from orgsim.outputs import to_csv

    to_csv(cal.fit_table(), out / "fit.csv")
    cal.files = {"calibrated": out / "calibrated.toml", "fit": out / "fit.csv"}
    return cal.files


def describe_measures() -> list[tuple[str, str, str]]:
    """(name, unit, meaning) of every measure a target can name."""
    from orgsim.experiment.observables import OBSERVABLES

    return [
        (m.name, m.unit, m.meaning + (" [per-lead table]" if m.needs_leads else ""))
        for m in OBSERVABLES.values()
    ]


POSTERIOR = "posterior.parquet"


def posterior(cal: Calibration, n: int) -> pd.DataFrame:
    """N parameter sets consistent with the targets: ABC rejection over the trials.

    The distance of a trial is its loss; the N trials closest to the targets are accepted (the
    tolerance is the N-th smallest loss, recorded in the ``tolerance`` column). One row per
    accepted trial: ``trial``, ``distance``, ``tolerance`` and one column per searched parameter
    (dotted key), best first. The trials were proposed by TPE, which samples more densely where
    the loss is low, not from a uniform prior over the ranges: read the result as an approximate
    posterior (rejection ABC would need trials drawn from the prior; more trials make it closer).
    """
    from orgsim.limits import check_count

    check_count(n, "--posterior")
    trials = sorted(cal.trials.values(), key=lambda t: (t.loss, t.number))
    if n > len(trials):
        raise InputError(
            f"--posterior: {n} is more than the {len(trials)} trials; run more --trials or ask fewer"
        )
    kept = trials[:n]
    tolerance = kept[-1].loss
    keys = [p.key for p in cal.targets.parameters]
    rows = [
        {"trial": t.number, "distance": t.loss, "tolerance": tolerance, **{k: t.values[k] for k in keys}}
        for t in kept
    ]
    return pd.DataFrame(rows)


def write_posterior(cal: Calibration, n: int) -> Path:
    """Write ``posterior.parquet`` (see :func:`posterior`) into the calibration directory."""
    import io

    from orgsim.outputs import write_atomic

    buffer = io.BytesIO()
    posterior(cal, n).to_parquet(buffer, index=False)
    path = cal.out_dir / POSTERIOR
    write_atomic(path, buffer.getvalue())
    return path
