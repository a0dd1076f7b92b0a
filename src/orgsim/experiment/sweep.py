"""Run an experiment's sweep: reproducible, streamed to Parquet, resumable after any crash.

Every run's seed is fixed before dispatch from the experiment seed and the run's index, so
the table is identical whatever the executor, the worker count or the order of completion.
Results stream to disk in atomic chunks as runs complete, with a bounded number of runs in
flight, so memory does not grow with the sweep. A run whose model raises is recorded with
status ``error`` and its message and the sweep goes on; if the machinery itself fails (a
worker process dies, the cluster goes away, Ctrl-C) every completed run is saved first and
running the same sweep again runs only what is missing.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from orgsim.errors import InputError
from orgsim.experiment.executors import default_workers
from orgsim.experiment.experiment import Experiment, RunSpec, load_experiment, parse_experiment
from orgsim.experiment.manifest import Manifest, Session
from orgsim.experiment.runner import (  # noqa: F401 - WorkerError, describe, RUN_FAILURES: re-exported
    RUN_FAILURES,
    Backend,
    Sink,
    WorkerError,
    describe,
    outcome,
    run_tasks,
)
from orgsim.experiment.storage import (
    LOCK,
    MANIFEST,
    RUNS,
    SERIES,
    ChunkWriter,
    DirectoryLock,
    completed_mask,
    load_manifest,
    load_runs,
    load_series,
    now,
    set_aside_damaged,
    status_counts,
    versions,
    write_manifest,
)
from orgsim.measures import MEASURES, SERIES_MEASURES, Measure
from orgsim.model.metrics import flat_columns
from orgsim.model.simulate import simulate
from orgsim.outputs import check_writable
from orgsim.scenario import Scenario

log = logging.getLogger(__name__)

ID_COLUMNS = ("run_id", "design_point", "replicate", "seed", "status", "error", "elapsed_s", "structure")


def runs_schema(exp: Experiment) -> pa.Schema:
    """The fixed column layout of the runs table (so error rows and chunks always agree).

    ``run_id, design_point, replicate, seed, status, error, elapsed_s, structure``, then
    ``scenario`` (the base scenario's name), one column per factor (bool for flags, string for
    names, int64 for integer parameters, else float64) and every measure of ``RunResult.flat()``.
    """
    fields = [
        pa.field("run_id", pa.int64()),
        pa.field("design_point", pa.int64()),
        pa.field("replicate", pa.int64()),
        pa.field("seed", pa.int64()),
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        pa.field("elapsed_s", pa.float64()),
        pa.field("structure", pa.string()),
        pa.field("scenario", pa.string()),
    ]
    for factor in exp.factors:
        if factor.key == "structure":
            continue
        levels = factor.levels or ()
        if levels and all(isinstance(v, bool) for v in levels):
            kind = pa.bool_()
        elif factor.categorical:
            kind = pa.string()
        elif factor.integer:
            kind = pa.int64()
        else:
            kind = pa.float64()
        fields.append(pa.field(factor.key, kind))
    fields.extend(
        pa.field(col, pa.float64(), metadata=_unit_metadata(MEASURES[col])) for col in flat_columns()
    )
    return pa.schema(fields)


def _unit_metadata(measure: Measure) -> dict[bytes, bytes]:
    """A column's Parquet field metadata: its unit, label, better direction and meaning."""
    return {k.encode(): str(v).encode() for k, v in measure.to_dict().items() if k != "name"}


def with_units(schema: pa.Schema) -> pa.Schema:
    """``schema`` with each per-day series column's unit and meaning in its field metadata."""
    fields = [
        f.with_metadata(_unit_metadata(SERIES_MEASURES[f.name])) if f.name in SERIES_MEASURES else f
        for f in schema
    ]
    return pa.schema(fields, metadata=schema.metadata)


def execute(scenario: Scenario, spec: RunSpec, series: bool) -> tuple[dict[str, Any], Any]:
    """Run one spec (in a worker): a row for the runs table and the per-day series (or None).

    Never raises for a model failure: the row records status ``error`` and the message.
    """
    start = time.perf_counter()
    row: dict[str, Any] = {
        "run_id": spec.run_id,
        "design_point": spec.design_point,
        "replicate": spec.replicate,
        "seed": spec.seed,
        "status": "ok",
        "error": "",
        "scenario": spec.scenario,
        **spec.values,
    }
    frame = None
    try:
        sc = scenario.with_overrides(spec.values, source="sweep") if spec.values else scenario
        row["structure"] = sc.structure
        result = simulate(sc, seed=spec.seed, series=series)
        row.update(result.flat())
        if series and result.series is not None:
            frame = result.series.copy()
            frame.insert(0, "run_id", spec.run_id)  # run_id, day, then the model's daily measures
    except Exception as exc:  # noqa: BLE001 - recorded in the table, the sweep goes on
        _fail(row, exc)
        row.setdefault("structure", str(spec.values.get("structure", scenario.structure)))
    row["elapsed_s"] = time.perf_counter() - start
    return row, frame


def _fail(row: dict[str, Any], exc: BaseException) -> None:
    row["status"] = "error"
    row["error"] = describe(exc)


def _error_row(spec: RunSpec, scenario: Scenario, exc: BaseException) -> dict[str, Any]:
    """The row of a run that failed outside the model (see ``RUN_FAILURES``)."""
    row: dict[str, Any] = {
        "run_id": spec.run_id,
        "design_point": spec.design_point,
        "replicate": spec.replicate,
        "seed": spec.seed,
        "scenario": spec.scenario,
        "elapsed_s": float("nan"),
        "structure": str(spec.values.get("structure", scenario.structure)),
        **spec.values,
    }
    _fail(row, exc)
    return row


def as_experiment(experiment: Experiment | Mapping[str, Any] | str | Path) -> Experiment:
    """An Experiment from an object, a TOML-shaped dict or the path of an experiment file."""
    if isinstance(experiment, Experiment):
        return experiment
    if isinstance(experiment, Mapping):
        return parse_experiment(dict(experiment))
    return load_experiment(experiment)


def _prepare(exp: Experiment, out_dir: Path, resume: bool) -> np.ndarray:
    """Check the output directory (held under its lock); returns which run ids it already holds.

    A damaged part (truncated, emptied, bits flipped: its page checksums fail) is set aside as
    ``*.parquet.damaged`` with a warning naming it, and its runs count as missing, so they run again.
    """
    if (out_dir / MANIFEST).exists():
        manifest = load_manifest(out_dir)
        if manifest.experiment_hash != exp.hash():
            raise InputError(
                f"{out_dir}: holds a different experiment ({manifest.name!r}, "
                f"hash {manifest.experiment_hash}, this one {exp.hash()}); "
                "use another --out or delete it"
            )
        for stray in [*out_dir.glob(f"{RUNS}/.*.tmp"), *out_dir.glob(f"{SERIES}/.*.tmp")]:
            stray.unlink()  # a part being written when the process was killed; never renamed
        moved = set_aside_damaged(out_dir)
        for path in moved:
            log.warning("%s was damaged: set aside; its runs run again", path)
        done = completed_mask(out_dir, exp.n_runs)
        if exp.series and any(p.parent.name == SERIES for p in moved):
            done &= _with_series(out_dir, exp.n_runs)  # runs whose series were lost run again
        return done
    if resume:
        log.info("nothing to resume in %s: starting the sweep", out_dir)
    return np.zeros(exp.n_runs, dtype=bool)


def _with_series(out_dir: Path, n_runs: int) -> np.ndarray:
    """Runs that have their series stored, or need none (failed runs have no series)."""
    has = np.zeros(n_runs, dtype=bool)
    series = load_series(out_dir)
    if series is not None:
        ids = series["run_id"].to_numpy()
        has[ids[(ids >= 0) & (ids < n_runs)]] = True
    runs = load_runs(out_dir, ["run_id", "status"])
    failed = runs.loc[runs["status"] != "ok", "run_id"].to_numpy()
    has[failed[(failed >= 0) & (failed < n_runs)]] = True
    return has


def _refuse_foreign(out_dir: Path) -> None:
    """A directory with files but no manifest is not ours to write into."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out: {out_dir} is a file, not a directory")
    if (
        out_dir.exists()
        and not (out_dir / MANIFEST).exists()
        and any(p.name != LOCK for p in out_dir.iterdir())
    ):
        parts = sorted((out_dir / RUNS).glob("part-*.parquet"))
        if parts:
            raise InputError(
                f"{out_dir}: its {MANIFEST} is missing (deleted?), but {len(parts)} part(s) of stored runs "
                f"are there and can be recovered: orgsim.load_runs({str(out_dir)!r}) reads them; restore "
                f"{MANIFEST} to resume the sweep, or use an empty or new --out"
            )
        raise InputError(f"{out_dir}: exists and is not a sweep directory; use an empty or new --out")


@dataclass(frozen=True)
class Estimate:
    """A dry run's forecast: runs still missing, how many were timed, and the wall time."""

    runs: int
    missing: int
    sampled: int
    run_seconds: float
    workers: int
    seconds: float
    free_cores: float = 0.0  # cores other work left free when the sample ran (0: not known)


def free_cores() -> float:
    """Cores this process may use that other work leaves free now, from the 1-minute load average.

    At least 1. On a machine whose load average counts more cores than this process may use (a
    container slice of a bigger host), the load says nothing about ours: all of ours count as free.
    """
    cores = default_workers()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - no load average on this system
        return float(cores)
    if (os.cpu_count() or cores) != cores:
        return float(cores)
    return max(1.0, cores - load)


def estimate(exp: Experiment, workers: int, out_dir: str | Path | None = None) -> Estimate:
    """Forecast a sweep's wall time from a short measured sample of its missing runs.

    Runs missing from ``out_dir`` (all, for a new directory) are counted; up to 8 of them,
    spread evenly over the design (points can differ a lot in cost), are run here and timed,
    stopping after about 5 s. The forecast is their mean time x missing runs / the processes
    that can run at once (``workers``, at most the cores this process may use and that other
    work leaves free: on a busy machine two workers on two cores run little faster than one),
    plus the time to start the workers.
    """
    n = exp.n_runs
    done = np.zeros(n, dtype=bool)
    if out_dir is not None and (Path(out_dir) / MANIFEST).exists():
        manifest = load_manifest(out_dir)
        if manifest.experiment_hash == exp.hash():
            done = completed_mask(Path(out_dir), n)
    missing_ids = np.flatnonzero(~done)
    if missing_ids.size == 0:
        return Estimate(n, 0, 0, 0.0, workers, 0.0)
    free = free_cores()  # read before the sample adds its own load
    picks = missing_ids[np.unique(np.linspace(0, missing_ids.size - 1, min(8, missing_ids.size)).astype(int))]
    points = exp.points()
    settings = exp.settings(points)
    times: list[float] = []
    started = time.perf_counter()
    for run_id in picks.tolist():
        spec = exp.spec(run_id, points, settings)
        row, _ = execute(exp.scenario(spec.scenario), spec, exp.series)
        times.append(row["elapsed_s"])
        if time.perf_counter() - started > 5.0:
            break
    per_run = sum(times) / len(times)
    parallel = max(1, min(workers, default_workers(), int(missing_ids.size)))
    startup = 2.0 if parallel > 1 else 0.0  # the fork server loads the model once
    seconds = per_run * missing_ids.size / min(parallel, free) + startup
    return Estimate(n, int(missing_ids.size), len(times), per_run, parallel, seconds, free)


def estimate_seconds(exp: Experiment, workers: int) -> float:
    """Rough wall time (s) of a whole sweep (see :func:`estimate`)."""
    return estimate(exp, workers).seconds


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """The one progress display (:func:`orgsim.progress.display`) of a sweep's runs; None when quiet."""
    if quiet:
        yield None
        return
    from orgsim.progress import display

    update, stop = display("sweep")
    try:
        yield update
    finally:
        stop()


def sweep(
    experiment: Experiment | Mapping[str, Any] | str | Path,
    out_dir: str | Path,
    workers: int | None = None,
    executor: str | Executor = "local",
    address: str | None = None,
    resume: bool = False,
    quiet: bool = True,
    progress: Callable[[int, int], None] | None = None,
    chunk_runs: int = 200,
    chunk_seconds: float = 30.0,
    scheduler: str | None = None,
) -> Path:
    """Run an experiment's sweep into ``out_dir``; returns ``out_dir`` as a Path.

    ``experiment`` is an experiment file, a TOML-shaped dict or an :class:`Experiment`.
    ``executor`` is ``"local"`` (processes; ``workers`` defaults to all cores), ``"dask"``
    (the scheduler at ``address``, or a LocalCluster of ``workers`` processes) or any
    ``concurrent.futures.Executor``, used as it is. Runs already stored in ``out_dir`` for the
    same experiment are skipped (``resume`` only says so explicitly); a different experiment
    is refused, as is a directory another sweep is writing. ``quiet=False`` shows a progress
    bar on a terminal; ``progress(done, total)`` is called as runs complete. Chunks are
    flushed every ``chunk_runs`` runs or ``chunk_seconds`` seconds, whichever comes first.

    Raises :class:`InputError` for bad input and :class:`WorkerError` (or
    ``concurrent.futures.BrokenExecutor``) when the machinery fails; completed runs are
    always saved first.
    """
    exp = as_experiment(experiment)
    out = Path(out_dir)
    _refuse_foreign(out)
    check_writable(out, "--out")  # before any run: results are never lost at the last step
    backend = Backend.of(executor, workers, address) if scheduler is None else Backend(workers, scheduler)
    with DirectoryLock(out), progress_bar(quiet or progress is not None) as bar:
        return _run(exp, out, backend, resume, progress or bar, chunk_runs, chunk_seconds)


class ParquetSink(Sink):
    """A sweep's sink: rows and series streamed to Parquet parts, and its manifest.

    Parts are flushed every ``chunk_runs`` runs or ``chunk_seconds`` seconds, whichever comes
    first; the manifest is written once the executor is up and again when the loop ends.
    """

    def __init__(
        self,
        exp: Experiment,
        out: Path,
        manifest: Manifest,
        session: Session,
        chunk_runs: int,
        chunk_seconds: float,
    ) -> None:
        self.exp, self.out, self.manifest, self.session = exp, out, manifest, session
        self.chunk_runs, self.chunk_seconds = chunk_runs, chunk_seconds
        self.runs_writer = ChunkWriter(out, RUNS, runs_schema(exp))
        self.series_writer = ChunkWriter(out, SERIES) if exp.series else None
        self.rows: list[dict[str, Any]] = []
        self.frames: list[Any] = []
        self.last_flush = time.monotonic()

    def open(self) -> None:  # noqa: D102
        write_manifest(self.out, self.manifest)  # once the executor is up: a bad address leaves no sweep

    def add(self, position: int, task: tuple[Any, ...], result: Any) -> None:  # noqa: D102
        row, frame = result
        self.rows.append(row)
        if frame is not None:
            self.frames.append(frame)

    def tick(self) -> None:  # noqa: D102
        if len(self.rows) >= self.chunk_runs or time.monotonic() - self.last_flush >= self.chunk_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the rows (and series) kept so far as one part each."""
        if self.series_writer is not None and self.frames:
            import pandas as pd

            table = pa.Table.from_pandas(pd.concat(self.frames, ignore_index=True), preserve_index=False)
            self.series_writer.write(table.cast(with_units(table.schema)))
        self.runs_writer.write_rows(self.rows)  # runs last: a stored run always has its series
        self.rows, self.frames, self.last_flush = [], [], time.monotonic()

    def close(self, status: str) -> None:  # noqa: D102
        self.flush()  # keep every run that completed
        manifest = self.manifest
        manifest.sessions[-1] = replace(self.session, finished=now(), status=status)
        manifest.status = status
        manifest.stored_runs = status_counts(self.out)
        if status == "complete":
            manifest.finished = manifest.sessions[-1].finished
        write_manifest(self.out, manifest)


def _run(
    exp: Experiment,
    out: Path,
    backend: Backend,
    resume: bool,
    progress: Callable[[int, int], None] | None,
    chunk_runs: int,
    chunk_seconds: float,
) -> Path:
    n_runs = exp.n_runs
    done = _prepare(exp, out, resume)
    n_pending = n_runs - int(done.sum())
    workers = backend.workers or default_workers()
    session = Session(
        started=now(),
        pending_runs=n_pending,
        executor=backend.kind,
        workers=workers,
        address=backend.address,
        pid=os.getpid(),
        versions=versions(),
    )
    previous = load_manifest(out) if (out / MANIFEST).exists() else None
    first = previous.versions if previous is not None and previous.versions else session.versions
    changed = {k: (first.get(k), v) for k, v in session.versions.items() if first.get(k) != v}
    if changed and n_pending < n_runs:
        log.warning(
            "%s was started with other package versions (%s); the table will mix their results",
            out,
            ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items()),
        )
    manifest = Manifest.from_experiment(exp, versions=first, started=session.started)
    if previous is not None:
        manifest.started = previous.started or session.started
        manifest.sessions = list(previous.sessions)
    manifest.runs = n_runs
    manifest.currency = _money_code(previous)
    manifest.sessions.append(session)
    if n_pending < n_runs:
        log.info("%s: %d of %d runs already stored; running the rest", out, n_runs - n_pending, n_runs)
    bases = {sc.name: sc for sc in exp.scenarios}
    pending = (  # lazily: memory stays flat
        (bases[spec.scenario], spec, exp.series) for spec in exp.iter_runs() if not done[spec.run_id]
    )
    sink = ParquetSink(exp, out, manifest, session, chunk_runs, chunk_seconds)
    run_tasks(
        pending,
        execute,  # looked up now: a test may stand in for it
        replace(backend, workers=workers),
        [sink],
        progress=progress,
        total=n_runs,
        done=n_runs - n_pending,
        on_failure=lambda task, exc: (_error_row(task[1], task[0], exc), None),
        label=lambda task: f"run {task[1].run_id}",
        work_raises=False,
    )
    log.info("%s: %d runs stored (%s)", out, n_runs, manifest.stored_runs)
    return out


def _money_code(previous: Manifest | None) -> str:
    """The currency code the sweep writes money in, kept for ``orgsim report``.

    This command's ``--currency`` when given, else what a first session resolved (the scenarios'
    currency or plain units); a resume without the flag keeps the first session's.
    """
    from orgsim import currency

    if previous is not None and previous.currency and not currency.given():
        return previous.currency
    return currency.current().code


def _outcome(future: Future, spec: RunSpec, scenario: Scenario) -> tuple[dict[str, Any], Any]:
    """A finished task's row; a task Dask gave up on is the run's failure, anything else aborts."""
    return outcome(
        future,
        (scenario, spec, False),
        on_failure=lambda task, exc: (_error_row(spec, scenario, exc), None),
        label=f"run {spec.run_id}",
        work_raises=False,
    )
