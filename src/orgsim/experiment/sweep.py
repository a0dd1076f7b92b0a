"""Run an experiment's sweep: reproducible, streamed to Parquet, resumable after any crash.

Every run's seed is fixed before dispatch from the experiment seed and the run's index, so
the table is identical whatever the executor, the worker count or the order of completion.
Results stream to disk in atomic chunks as runs complete; a run that raises is recorded with
status ``error`` and the sweep goes on; an interrupted sweep resumes with only what is missing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import pyarrow as pa

from orgsim.errors import InputError
from orgsim.experiment.executors import default_workers, make_executor
from orgsim.experiment.experiment import Experiment, RunSpec, load_experiment
from orgsim.experiment.storage import (
    MANIFEST,
    RUNS,
    SERIES,
    ChunkWriter,
    completed_run_ids,
    load_manifest,
    now,
    versions,
    write_manifest,
)
from orgsim.model.metrics import flat_columns
from orgsim.model.simulate import simulate
from orgsim.scenario import Scenario

log = logging.getLogger(__name__)

ID_COLUMNS = ("run_id", "scenario", "design_point", "replicate", "seed", "status", "error", "elapsed_s")


def runs_schema(exp: Experiment) -> pa.Schema:
    """The fixed column layout of the runs table (so error rows and chunks always agree)."""
    fields = [
        pa.field("run_id", pa.int64()),
        pa.field("scenario", pa.string()),
        pa.field("design_point", pa.int64()),
        pa.field("replicate", pa.int64()),
        pa.field("seed", pa.int64()),
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        pa.field("elapsed_s", pa.float64()),
        pa.field("structure", pa.string()),
    ]
    for factor in exp.factors:
        if factor.key == "structure":
            continue
        levels = factor.levels or ()
        if levels and all(isinstance(v, bool) for v in levels):
            kind = pa.bool_()
        else:
            kind = pa.string() if factor.categorical else pa.float64()
        fields.append(pa.field(factor.key, kind))
    fields.extend(pa.field(col, pa.float64()) for col in flat_columns())
    return pa.schema(fields)


def execute(scenario: Scenario, spec: RunSpec, days: int | None, series: bool) -> tuple[dict, Any]:
    """Run one spec in a worker: a row for the runs table and the per-day series (or None).

    Never raises for a model failure: the row records status ``error`` and the message.
    """
    start = time.perf_counter()
    row: dict[str, Any] = {
        "run_id": spec.run_id,
        "scenario": spec.scenario,
        "design_point": spec.design_point,
        "replicate": spec.replicate,
        "seed": spec.seed,
        "status": "ok",
        "error": "",
        **spec.values,
    }
    frame = None
    try:
        sc = scenario.with_overrides(spec.values, source="sweep") if spec.values else scenario
        row["structure"] = sc.structure
        result = simulate(sc, seed=spec.seed, days=days, series=series)
        row.update(result.flat())
        if series and result.series is not None:
            frame = result.series.assign(run_id=spec.run_id)
    except Exception as exc:  # noqa: BLE001 - recorded in the table, the sweep goes on
        row["status"] = "error"
        row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        row.setdefault("structure", str(spec.values.get("structure", scenario.structure)))
    row["elapsed_s"] = time.perf_counter() - start
    return row, frame


def _prepare(exp: Experiment, out_dir: Path, resume: bool) -> set[int]:
    """Check the output directory; returns the run ids it already holds."""
    manifest_path = out_dir / MANIFEST
    if manifest_path.exists():
        manifest = load_manifest(out_dir)
        if manifest.get("experiment_hash") != exp.hash():
            raise InputError(
                f"{out_dir}: holds a different experiment ({manifest.get('experiment', {}).get('name')!r}, "
                f"hash {manifest.get('experiment_hash')}); use another --out or delete it"
            )
        for stray in [*out_dir.glob(f"{RUNS}/.*.tmp"), *out_dir.glob(f"{SERIES}/.*.tmp")]:
            stray.unlink()  # a part being written when the process was killed; never renamed
        return completed_run_ids(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise InputError(f"{out_dir}: exists and is not a sweep directory; use an empty or new --out")
    if resume:
        log.info("nothing to resume in %s: starting the sweep", out_dir)
    return set()


def estimate_seconds(exp: Experiment, workers: int) -> float:
    """Rough wall time of a sweep: one timed run of the first design point, times runs / workers."""
    spec = exp.runs()[0]
    row, _ = execute(exp.scenario(spec.scenario), spec, exp.days, False)
    return row["elapsed_s"] * len(exp.runs()) / max(1, workers)


def sweep(
    experiment: Experiment | str | Path,
    out_dir: str | Path,
    workers: int | None = None,
    executor: str = "local",
    address: str | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
    chunk_runs: int = 200,
    chunk_seconds: float = 30.0,
) -> Path:
    """Run an experiment's sweep into ``out_dir``; returns ``out_dir``.

    Runs already stored there (same experiment) are skipped; a different experiment is refused.
    ``progress(done, total)`` is called as runs complete. Chunks are flushed every
    ``chunk_runs`` runs or ``chunk_seconds`` seconds, whichever comes first.
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    out = Path(out_dir)
    specs = exp.runs()
    done = _prepare(exp, out, resume)
    pending = [s for s in specs if s.run_id not in done]
    workers = workers or default_workers()
    manifest: dict[str, Any] = {
        "experiment": exp.as_dict(),
        "experiment_hash": exp.hash(),
        "source": exp.source,
        "runs": len(specs),
        "versions": versions(),
        "executor": executor,
        "workers": workers,
        "started": now(),
        "finished": None,
        "status": "running",
    }
    if (out / MANIFEST).exists():
        manifest["started"] = load_manifest(out).get("started", manifest["started"])
    out.mkdir(parents=True, exist_ok=True)
    write_manifest(out, manifest)

    runs_writer = ChunkWriter(out, RUNS, runs_schema(exp))
    series_writer = ChunkWriter(out, SERIES) if exp.series else None
    rows: list[dict[str, Any]] = []
    frames: list[Any] = []
    last_flush = time.monotonic()
    completed = len(specs) - len(pending)

    def flush() -> None:
        nonlocal rows, frames, last_flush
        if series_writer is not None and frames:
            import pandas as pd

            series_writer.write(
                pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
            )
        runs_writer.write_rows(rows)  # runs last: a stored run always has its series
        rows, frames, last_flush = [], [], time.monotonic()

    if progress:
        progress(completed, len(specs))
    bases = {sc.name: sc for sc in exp.scenarios}
    with make_executor(executor, workers=min(workers, max(1, len(pending))), address=address) as pool:
        window = max(4 * workers, 16)  # bounded in-flight tasks: memory stays flat
        queue = iter(pending)
        running: set[Future] = set()
        warming = isinstance(pool, ProcessPoolExecutor)  # worker processes take ~2 s to start

        def keep(row: dict[str, Any], frame: Any) -> None:
            nonlocal completed
            rows.append(row)
            if frame is not None:
                frames.append(frame)
            completed += 1

        try:
            while True:
                for spec in queue:
                    running.add(pool.submit(execute, bases[spec.scenario], spec, exp.days, exp.series))
                    if len(running) >= window:
                        break
                # while the workers start, this process runs queued runs itself
                while warming and not any(f.done() for f in running):
                    spec = next(queue, None)
                    if spec is None:
                        break
                    keep(*execute(bases[spec.scenario], spec, exp.days, exp.series))
                warming = False
                if not running:
                    break
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    keep(*future.result())
                if progress:
                    progress(completed, len(specs))
                if len(rows) >= chunk_runs or time.monotonic() - last_flush >= chunk_seconds:
                    flush()
        except BaseException:
            for future in running:
                future.cancel()
            flush()  # keep every run that completed
            raise
        flush()
    manifest.update(finished=now(), status="complete")
    write_manifest(out, manifest)
    return out
