"""A sweep's cost in CPU seconds, process by process, for the sweep benchmark (``--only sweep``).

Wall-clock ratios on a shared machine measure the load as much as the sweep, but CPU seconds
barely stretch: so the sweep is also accounted in CPU terms. :func:`timed_sweep` runs
``orgsim.experiment.sweep.sweep`` with its work function wrapped by :func:`timed_execute`
(importable, so a worker process can unpickle it), which adds to each row the run's own CPU
seconds, the process's CPU seconds so far and its process id, under keys the runs table does not
store (``pa.Table.from_pylist`` keeps only the schema's columns, so the stored rows are the
sweep's own); the parent's CPU comes from ``getrusage`` and the fork server's from /proc.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgsim.experiment import sweep as sweep_module

_EXECUTE = sweep_module.execute  # the sweep's own work function, before any stand-in
RUN_CPU, PROCESS_CPU, PID = "_bench_run_cpu_s", "_bench_process_cpu_s", "_bench_pid"


def timed_execute(scenario: Any, spec: Any, series: bool) -> tuple[dict[str, Any], Any]:
    """``sweep.execute`` with the run's CPU seconds, the process's CPU so far and its pid in the row."""
    start = time.process_time()
    row, frame = _EXECUTE(scenario, spec, series)
    end = time.process_time()
    row.update({RUN_CPU: end - start, PROCESS_CPU: end, PID: os.getpid()})
    return row, frame


def _self_cpu_s() -> float:
    """CPU seconds of this process (all its threads), user + system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def forkserver_cpu_s() -> float:
    """CPU seconds the multiprocessing fork server has used itself (0 when none runs)."""
    from multiprocessing import forkserver

    pid = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@dataclass
class SweepCPU:
    """Where a sweep's CPU seconds went (all in CPU seconds unless named otherwise)."""

    runs: int
    wall_s: float
    parent_s: float  # the sweep's own process, its threads included
    forkserver_s: float  # the fork server: importing the model once (0 for one worker)
    run_cpu: dict[int, list[float]] = field(default_factory=dict)  # pid -> each run's CPU s
    process_cpu: dict[int, float] = field(default_factory=dict)  # pid -> CPU s up to its last run
    parent_pid: int = 0

    @property
    def inline_runs(self) -> list[float]:
        """Runs this process ran itself (one worker; or while the pool's first worker started)."""
        return self.run_cpu.get(self.parent_pid, [])

    @property
    def worker_runs(self) -> list[float]:
        """Runs worker processes ran."""
        return [t for pid, ts in self.run_cpu.items() if pid != self.parent_pid for t in ts]

    @property
    def parent_other_s(self) -> float:
        """The parent's CPU beyond the runs it ran: dispatch, results, Parquet, manifest, threads."""
        return self.parent_s - sum(self.inline_runs)

    @property
    def worker_other_s(self) -> float:
        """Workers' CPU beyond their runs: start, unpickling tasks, pickling results, waiting."""
        return sum(
            self.process_cpu[pid] - sum(ts) for pid, ts in self.run_cpu.items() if pid != self.parent_pid
        )

    @property
    def total_s(self) -> float:
        """Every process's CPU for the sweep (workers counted up to their last run)."""
        workers = sum(v for pid, v in self.process_cpu.items() if pid != self.parent_pid)
        return self.parent_s + self.forkserver_s + workers

    @property
    def all_runs(self) -> list[float]:
        return [t for ts in self.run_cpu.values() for t in ts]


def timed_sweep(experiment: dict[str, Any], out: Path, workers: int) -> SweepCPU:
    """Run ``experiment``'s sweep into ``out`` on ``workers`` processes, accounted in CPU seconds."""
    seen: list[dict[str, Any]] = []
    sink_add = sweep_module.ParquetSink.add

    def add(self: Any, position: int, task: tuple[Any, ...], result: Any) -> None:
        seen.append(result[0])
        sink_add(self, position, task, result)

    sweep_module.execute, sweep_module.ParquetSink.add = timed_execute, add  # type: ignore[method-assign]
    try:
        parent0, server0, start = _self_cpu_s(), forkserver_cpu_s(), time.perf_counter()
        sweep_module.sweep(experiment, out, workers=workers)
        wall = time.perf_counter() - start
        parent, server = _self_cpu_s() - parent0, forkserver_cpu_s() - server0
    finally:
        sweep_module.execute, sweep_module.ParquetSink.add = _EXECUTE, sink_add  # type: ignore[method-assign]
    result = SweepCPU(len(seen), wall, parent, server, parent_pid=os.getpid())
    for row in seen:
        if RUN_CPU in row:  # a run Dask gave up on has no timing
            result.run_cpu.setdefault(row[PID], []).append(row[RUN_CPU])
            result.process_cpu[row[PID]] = max(result.process_cpu.get(row[PID], 0.0), row[PROCESS_CPU])
    return result
