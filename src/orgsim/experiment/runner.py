"""The one run loop: every command that runs simulations runs them through :func:`run_tasks`.

A *task* is a tuple (a :class:`typing.NamedTuple` names its fields) handed to a *work*
function as ``work(*task)`` in a worker: :class:`SimTask` (a scenario, its seed, its horizon and
what to record) with :func:`simulate_task` for compare, explain, claims, validate and tornado;
the sweep's ``(base scenario, RunSpec, series)`` with ``sweep.execute`` (which records a
failing model in its row); calibrate's replicated trial task. Where the work runs is a
:class:`Backend`: local processes (``scheduler=None``), a Dask ``LocalCluster`` started here
(``scheduler="local"``), an existing Dask scheduler (``scheduler="tcp://HOST:PORT"``), or any
``concurrent.futures.Executor`` already open. Results go to *sinks* (:class:`Sink`): the
sweep's Parquet parts and manifest (``sweep.ParquetSink``), or memory (:class:`MemorySink`),
in task order whatever the order of completion.

The loop keeps a bounded number of tasks in flight (memory stays flat however many tasks
there are), runs tasks in this process while a fresh process pool starts its first worker
(about 2 s), reports ``progress(done, total)`` as tasks complete, and has one failure rule: a
task Dask gave up on (:data:`RUN_FAILURES`) is that task's failure (``on_failure`` makes its
result, or the loop stops), a broken pool or any other error outside the work stops the loop
as a :class:`WorkerError`, and a work function's own exception stops it as it is. Whatever
stops it, every sink is closed with ``"interrupted"`` first (what completed is kept).

Seeds are fixed in the tasks before dispatch (:mod:`orgsim.experiment.seeds`), so results never
depend on the backend, the worker count or the order of completion.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, NamedTuple

from orgsim.errors import InputError
from orgsim.experiment.executors import default_workers, make_executor, slots
from orgsim.model.metrics import RunResult
from orgsim.scenario import Scenario

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""``progress(done, total)``: tasks completed so far (those stored before included) of all."""

# Dask decides a task is to blame after it killed several workers: that task is recorded as failed
RUN_FAILURES = ("KilledWorker",)
DASK_MODULES = ("distributed", "dask", "tornado")  # a client's or its connection's exceptions
LOCAL_CLUSTER = "local"  # --scheduler local: a Dask LocalCluster of --workers processes here


class WorkerError(RuntimeError):
    """The machinery, not the model, failed (a worker died, the cluster went away).

    Completed runs are saved; running the sweep again resumes it.
    """


class SimTask(NamedTuple):
    """One simulation: ``scenario`` run once with ``seed`` for ``days`` business days (None: its own).

    ``series``/``leads`` keep the run's daily series / per-lead table (see ``simulate``).
    """

    scenario: Scenario
    seed: int
    days: int | None = None
    series: bool = False
    leads: bool = False


def simulate_task(
    scenario: Scenario, seed: int, days: int | None = None, series: bool = False, leads: bool = False
) -> RunResult:
    """Run one :class:`SimTask` (in a worker): ``work(*task)``."""
    from orgsim.model.simulate import simulate

    return simulate(scenario, seed=seed, days=days, series=series, leads=leads)


@dataclass(frozen=True)
class Backend:
    """Where tasks run: ``workers`` processes here, or a Dask cluster (``scheduler``).

    ``scheduler`` is None (local processes; one worker runs in this process), ``"local"`` (a
    Dask ``LocalCluster`` of ``workers`` processes) or a Dask scheduler's address
    ``tcp://HOST:PORT`` (its workers; ``workers`` is then only recorded). ``executor``, if
    given, is an open ``concurrent.futures.Executor`` used as it is (and left open).
    """

    workers: int | None = None
    scheduler: str | None = None
    executor: Executor | None = None

    def __post_init__(self) -> None:
        """``workers`` within :data:`orgsim.limits.MAX_WORKERS`, before any process starts."""
        if self.workers is not None:
            from orgsim.limits import check_count

            check_count(self.workers, "--workers")

    @classmethod
    def of(
        cls, executor: str | Executor = "local", workers: int | None = None, address: str | None = None
    ) -> Backend:
        """From the older ``executor="local"|"dask"`` and ``address`` arguments."""
        if isinstance(executor, Executor):
            return cls(workers, None, executor)
        if executor not in ("local", "dask"):
            raise InputError(f"--executor: {executor!r} is not an executor; allowed: local, dask")
        if executor == "dask":
            return cls(workers, address or LOCAL_CLUSTER)
        return cls(workers)  # an address means nothing to local processes

    @property
    def kind(self) -> str:
        """``local``, ``dask`` or the class name of the executor given."""
        if self.executor is not None:
            return type(self.executor).__name__
        return "local" if self.scheduler is None else "dask"

    @property
    def address(self) -> str | None:
        """The Dask scheduler's address (None: local processes or a LocalCluster)."""
        return self.scheduler if self.scheduler not in (None, LOCAL_CLUSTER) else None

    @contextmanager
    def open(self, tasks: int | None = None) -> Iterator[Executor]:
        """The executor, with at most ``tasks`` local workers (no idle processes); closed on exit."""
        if self.executor is not None:
            yield self.executor
            return
        workers = self.workers or default_workers()
        if tasks is not None:
            workers = min(workers, max(1, tasks))
        with make_executor(self.kind, workers=workers, address=self.address) as pool:
            yield pool


class Sink:
    """Where completed tasks go; the loop calls ``open``, ``add`` per task, ``tick``, ``close``."""

    def open(self) -> None:
        """The executor is up (a sweep writes its manifest now: a bad address leaves nothing behind)."""

    def add(self, position: int, task: tuple[Any, ...], result: Any) -> None:
        """Task number ``position`` (in the order given) completed with ``result``."""

    def tick(self) -> None:
        """Some tasks completed (a sink that writes in chunks may flush now)."""

    def close(self, status: str) -> None:
        """The loop ended: ``complete``, or ``interrupted`` (by Ctrl-C or a failure)."""


class MemorySink(Sink):
    """Keeps every result in memory, in task order (``results``)."""

    def __init__(self) -> None:
        self._found: dict[int, Any] = {}

    def add(self, position: int, task: tuple[Any, ...], result: Any) -> None:  # noqa: D102
        self._found[position] = result

    @property
    def results(self) -> list[Any]:
        """The results in the order the tasks were given."""
        return [self._found[i] for i in sorted(self._found)]


class CallbackSink(Sink):
    """Calls ``on_result(position, task, result)`` as each task completes."""

    def __init__(self, on_result: Callable[[int, tuple[Any, ...], Any], None]) -> None:
        self.on_result = on_result

    def add(self, position: int, task: tuple[Any, ...], result: Any) -> None:  # noqa: D102
        self.on_result(position, task, result)


def describe(exc: BaseException) -> str:
    """An exception as one line: ``Type: first line of its message`` (at most 500 characters)."""
    try:
        lines = f"{type(exc).__name__}: {exc}".strip().splitlines()
    except Exception:  # noqa: BLE001 - an exception whose str() fails still names its type
        lines = []
    return (lines[0] if lines else type(exc).__name__)[:500]


@contextmanager
def interrupt_deferred() -> Iterator[None]:
    """Hold a Ctrl-C until the block ends (then raise it): a pool must not be left mid-spawn.

    A worker forked while the command exits would find its queues gone and print a traceback.
    """
    import signal

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


def _started() -> None:
    """A no-op task: submitting it starts the first worker process."""


def _start_workers(pool: Executor) -> None:
    """Start the first worker (in a thread: it blocks while the fork server loads the model)."""
    try:
        pool.submit(_started)
    except Exception as exc:  # noqa: BLE001 - the loop's own next submit reports a broken pool
        log.debug("starting the first worker failed: %s", exc)


def outcome(
    future: Future,
    task: tuple[Any, ...],
    on_failure: Callable[[tuple[Any, ...], BaseException], Any] | None = None,
    label: str = "task",
    work_raises: bool = True,
) -> Any:
    """A finished task's result, by the loop's one failure rule (see the module's docstring).

    ``work_raises=False`` says the work records its own failures (the sweep's rows): then any
    exception came from the machinery and is a :class:`WorkerError` naming ``label``.
    """
    try:
        return future.result()
    except Exception as exc:
        if type(exc).__name__ in RUN_FAILURES:
            if on_failure is not None:
                return on_failure(task, exc)
            raise WorkerError(f"{label} failed outside the model: {describe(exc)}") from exc
        if isinstance(exc, BrokenExecutor) or (work_raises and not _machinery(exc)):
            raise
        raise WorkerError(f"{label} failed outside the model: {describe(exc)}") from exc


def _machinery(exc: BaseException) -> bool:
    """Whether ``exc`` came from a Dask client or its connection rather than the work itself."""
    module = type(exc).__module__ or ""
    return isinstance(exc, ConnectionError | EOFError) or module.startswith(DASK_MODULES)


def run_tasks(
    tasks: Iterable[tuple[Any, ...]],
    work: Callable[..., Any] = simulate_task,
    backend: Backend | Executor | None = None,
    sinks: Iterable[Sink] = (),
    progress: Progress | None = None,
    total: int | None = None,
    done: int = 0,
    on_failure: Callable[[tuple[Any, ...], BaseException], Any] | None = None,
    label: Callable[[tuple[Any, ...]], str] | None = None,
    work_raises: bool = True,
) -> None:
    """Run ``work(*task)`` for every task on ``backend``; each result goes to every sink.

    ``tasks`` may be a lazy iterable (read as tasks are submitted; give ``total`` for the
    progress then). ``done`` counts tasks already stored elsewhere (a resumed sweep), so
    ``progress(done, total)`` starts there. ``on_failure(task, exc)`` makes the result of a task
    Dask gave up on; ``label(task)`` names a task in a :class:`WorkerError`. See the module's
    docstring for the failure rule; sinks are closed ``complete`` or ``interrupted``.
    """
    backend = backend if isinstance(backend, Backend) else Backend(executor=backend)
    sinks = list(sinks)
    pending = len(tasks) if isinstance(tasks, Sized) else (None if total is None else total - done)
    if total is None:
        total = done + (pending or 0)
    name = label or (lambda task: "a task")
    completed = done
    opened = False

    def keep(position: int, task: tuple[Any, ...], result: Any) -> None:
        nonlocal completed
        for sink in sinks:
            sink.add(position, task, result)
        completed += 1

    def tick() -> None:
        for sink in sinks:
            sink.tick()
        if progress:
            progress(completed, max(total, completed))

    if progress:
        progress(completed, total)
    try:
        with backend.open(pending) as pool:
            for sink in sinks:
                sink.open()
            opened = True
            queue = enumerate(tasks)
            running: dict[Future, tuple[int, tuple[Any, ...]]] = {}
            spawning = isinstance(pool, ProcessPoolExecutor)
            window, sized = max(4 * slots(pool, backend.workers or 1), 16), time.monotonic()
            try:
                if spawning:  # workers take ~2 s to start: this process runs tasks meanwhile
                    starter = threading.Thread(target=_start_workers, args=(pool,), daemon=True)
                    starter.start()
                    while starter.is_alive() and (item := next(queue, None)) is not None:
                        keep(item[0], item[1], work(*item[1]))
                        tick()
                    starter.join()
                while True:
                    if time.monotonic() - sized > 5:  # a Dask cluster may grow or shrink
                        window, sized = max(4 * slots(pool, backend.workers or 1), 16), time.monotonic()
                    with interrupt_deferred() if spawning else nullcontext():
                        for position, task in queue:  # bounded in-flight tasks: memory stays flat
                            future = pool.submit(work, *task)
                            running[future] = (position, task)
                            if len(running) >= window or future.done():  # done: run in this process,
                                break  # so its result (or its Ctrl-C) counts now, not 16 runs later
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        position, task = running.pop(future)
                        keep(position, task, outcome(future, task, on_failure, name(task), work_raises))
                    tick()
            except BaseException:
                for future in running:
                    future.cancel()
                raise
    except BaseException:
        if opened:
            for sink in sinks:
                sink.close("interrupted")  # keep every task that completed
        raise
    for sink in sinks:
        sink.close("complete")


def advancing(advance: Callable[[int], None] | None) -> Progress | None:
    """A :data:`Progress` that calls ``advance(n)`` with the tasks completed since its last call."""
    if advance is None:
        return None
    last: list[int | None] = [None]

    def update(done: int, total: int) -> None:
        if last[0] is not None and done > last[0]:
            advance(done - last[0])
        last[0] = done

    return update


def run_simulations(
    tasks: list[SimTask],
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> list[RunResult]:
    """Run every :class:`SimTask` once on ``workers`` processes or a Dask ``scheduler``; in task order."""
    if not tasks:
        return []
    memory = MemorySink()
    run_tasks(tasks, simulate_task, Backend(workers, scheduler), [memory], progress=progress)
    return memory.results


def run_scenarios(
    tasks: Sequence[tuple[Scenario, int]],
    days: int | None = None,
    workers: int | None = None,
    series: bool = False,
    progress: Callable[[int], None] | None = None,
    leads: bool = False,
    scheduler: str | None = None,
) -> list[RunResult]:
    """Run each ``(scenario, seed)`` once through the run loop; results in task order.

    On ``workers`` local processes, or a Dask cluster (``scheduler``: ``"local"`` or an address;
    see :class:`Backend`). ``series``/``leads`` keep each run's daily
    series / per-lead table (see ``simulate``); ``progress(n)`` is called with runs just completed.
    """
    jobs = [SimTask(sc, seed, days, series, leads) for sc, seed in tasks]
    return run_simulations(jobs, workers=workers, scheduler=scheduler, progress=advancing(progress))
