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
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from orgsim.errors import InputError
from orgsim.experiment.executors import default_workers, make_executor, slots
from orgsim.experiment.experiment import Experiment, RunSpec, load_experiment, parse_experiment
from orgsim.experiment.manifest import Manifest, Session
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
# Dask decides a task is to blame after it killed several workers: that run is recorded as failed
RUN_FAILURES = ("KilledWorker",)


class WorkerError(RuntimeError):
    """The machinery, not the model, failed (a worker died, the cluster went away).

    Completed runs are saved; running the sweep again resumes it.
    """


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


def describe(exc: BaseException) -> str:
    """An exception as one line: ``Type: first line of its message`` (at most 500 characters)."""
    try:
        lines = f"{type(exc).__name__}: {exc}".strip().splitlines()
    except Exception:  # noqa: BLE001 - an exception whose str() fails still names its type
        lines = []
    return (lines[0] if lines else type(exc).__name__)[:500]


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


@contextmanager
def _interrupt_deferred() -> Iterator[None]:
    """Hold a Ctrl-C until the block ends (then raise it): a pool must not be left mid-spawn.

    A worker forked while the sweep exits would find its queues gone and print a traceback.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from orgsim import interrupts

    caught: list[int] = []

    def hold(signum: int, frame: object) -> None:
        caught.append(signum)
        interrupts.note(signum)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


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
    """A rich bar on stderr with runs done, runs/s and ETA; None when quiet.

    Off a terminal (logs, CI, nohup) a plain line every few seconds instead.
    """
    import sys

    if quiet:
        yield None
        return
    if not sys.stderr.isatty():
        from orgsim.progress import PlainProgress

        yield PlainProgress("sweep").update
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]} runs/s"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    task = bar.add_task("sweep", total=None, rate="-")
    state: dict[str, Any] = {"t0": None, "n0": 0}

    def update(done: int, total: int) -> None:
        if state["t0"] is None:
            state["t0"], state["n0"] = time.monotonic(), done
        elapsed = time.monotonic() - state["t0"]
        rate = (done - state["n0"]) / elapsed if elapsed > 0 else 0.0
        bar.update(task, completed=done, total=total, rate=f"{rate:.1f}")

    with bar:
        yield update


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
    with DirectoryLock(out), progress_bar(quiet or progress is not None) as bar:
        return _run(exp, out, workers, executor, address, resume, progress or bar, chunk_runs, chunk_seconds)


def _run(
    exp: Experiment,
    out: Path,
    workers: int | None,
    executor: str | Executor,
    address: str | None,
    resume: bool,
    progress: Callable[[int, int], None] | None,
    chunk_runs: int,
    chunk_seconds: float,
) -> Path:
    n_runs = exp.n_runs
    done = _prepare(exp, out, resume)
    n_pending = n_runs - int(done.sum())
    pending = (spec for spec in exp.iter_runs() if not done[spec.run_id])  # lazily: memory stays flat
    workers = workers or default_workers()
    session = Session(
        started=now(),
        pending_runs=n_pending,
        executor=executor if isinstance(executor, str) else type(executor).__name__,
        workers=workers,
        address=address,
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
    manifest.sessions.append(session)

    def close(status: str) -> None:
        manifest.sessions[-1] = replace(session, finished=now(), status=status)
        manifest.status = status
        manifest.stored_runs = status_counts(out)
        if status == "complete":
            manifest.finished = manifest.sessions[-1].finished
        write_manifest(out, manifest)

    if n_pending < n_runs:
        log.info("%s: %d of %d runs already stored; running the rest", out, n_runs - n_pending, n_runs)
    runs_writer = ChunkWriter(out, RUNS, runs_schema(exp))
    series_writer = ChunkWriter(out, SERIES) if exp.series else None
    rows: list[dict[str, Any]] = []
    frames: list[Any] = []
    last_flush = time.monotonic()
    completed = n_runs - n_pending

    def flush() -> None:
        nonlocal rows, frames, last_flush
        if series_writer is not None and frames:
            import pandas as pd

            table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
            series_writer.write(table.cast(with_units(table.schema)))
        runs_writer.write_rows(rows)  # runs last: a stored run always has its series
        rows, frames, last_flush = [], [], time.monotonic()

    def keep(row: dict[str, Any], frame: Any) -> None:
        nonlocal completed
        rows.append(row)
        if frame is not None:
            frames.append(frame)
        completed += 1

    if progress:
        progress(completed, n_runs)
    bases = {sc.name: sc for sc in exp.scenarios}
    started = False
    try:
        with make_executor(executor, workers=min(workers, max(1, n_pending)), address=address) as pool:
            write_manifest(out, manifest)  # once the executor is up: a bad address leaves no sweep behind
            started = True
            queue = iter(pending)
            running: dict[Future, RunSpec] = {}
            spawning = isinstance(pool, ProcessPoolExecutor)
            window, sized = max(4 * slots(pool, workers), 16), time.monotonic()
            try:
                if spawning:  # workers take ~2 s to start: this process runs runs meanwhile
                    starter = threading.Thread(target=_start_workers, args=(pool,), daemon=True)
                    starter.start()
                    while starter.is_alive() and (spec := next(queue, None)) is not None:
                        keep(*execute(bases[spec.scenario], spec, exp.series))
                        if progress:
                            progress(completed, n_runs)
                        if len(rows) >= chunk_runs or time.monotonic() - last_flush >= chunk_seconds:
                            flush()
                    starter.join()
                while True:
                    if time.monotonic() - sized > 5:  # a Dask cluster may grow or shrink
                        window, sized = max(4 * slots(pool, workers), 16), time.monotonic()
                    with _interrupt_deferred() if spawning else nullcontext():
                        for spec in queue:  # bounded in-flight tasks: memory stays flat
                            running[pool.submit(execute, bases[spec.scenario], spec, exp.series)] = spec
                            if len(running) >= window:
                                break
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        spec = running.pop(future)
                        keep(*_outcome(future, spec, bases[spec.scenario]))
                    if progress:
                        progress(completed, n_runs)
                    if len(rows) >= chunk_runs or time.monotonic() - last_flush >= chunk_seconds:
                        flush()
            except BaseException:
                for future in running:
                    future.cancel()
                raise
    except BaseException:
        if started:
            flush()  # keep every run that completed
            close("interrupted")
        raise
    flush()
    close("complete")
    log.info("%s: %d runs stored (%s)", out, n_runs, manifest.stored_runs)
    return out


def _started() -> None:
    """A no-op task: submitting it starts the first worker process."""


def _start_workers(pool: Executor) -> None:
    """Start the first worker (in a thread: it blocks while the fork server loads the model)."""
    try:
        pool.submit(_started)
    except Exception as exc:  # noqa: BLE001 - the sweep's own next submit reports a broken pool
        log.debug("starting the first worker failed: %s", exc)


def _outcome(future: Future, spec: RunSpec, scenario: Scenario) -> tuple[dict[str, Any], Any]:
    """A finished task's row; a task Dask gave up on is the run's failure, anything else aborts."""
    try:
        return future.result()
    except Exception as exc:
        if type(exc).__name__ in RUN_FAILURES:
            return _error_row(spec, scenario, exc), None
        from concurrent.futures import BrokenExecutor

        if isinstance(exc, BrokenExecutor):
            raise
        raise WorkerError(f"run {spec.run_id} failed outside the model: {describe(exc)}") from exc
