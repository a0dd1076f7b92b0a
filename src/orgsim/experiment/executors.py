"""Interchangeable executors behind :class:`concurrent.futures.Executor`.

``local`` is a process pool (or in-process for one worker); ``dask`` uses a Dask distributed
``Client``: an existing scheduler by address, or a ``LocalCluster`` started for the sweep.
Like the EMA Workbench's evaluators they are interchangeable: the sweep only submits tasks
and waits on futures, so any other ``Executor`` (e.g. ``mpi4py.futures.MPIPoolExecutor``)
can be passed in as it is, and :func:`slots` says how many tasks it can run at once.

``local`` is already ``concurrent.futures.ProcessPoolExecutor``, kept over loky: only its fork
server preloading the model, one-line Ctrl-C and workers that die with a SIGKILLed parent are ours.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from orgsim.errors import InputError

EXECUTORS = ("local", "dask")
TASKS_PER_WORKER = 250
# one thread per BLAS/OpenMP pool in each worker: a run is one thread, and on a machine with as
# many workers as cores, idle pools of one thread per core in every worker only oversubscribe it
# (a variable the user set is kept)
ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class InlineExecutor(Executor):
    """Runs each task at submit time in this process (one worker, no pickling)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:  # noqa: D102
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future

    def map(  # noqa: D102
        self, fn: Callable[..., Any], *iterables: Any, timeout: float | None = None, chunksize: int = 1
    ) -> Iterator[Any]:
        # one task at a time, as the caller asks for results: Executor.map would run every task
        # before yielding the first, so progress would arrive all at once at the end
        return (fn(*args) for args in zip(*iterables, strict=False))  # as Executor.map: the shortest


class DaskExecutor(Executor):
    """A Dask distributed ``Client`` as an Executor; tasks are impure (each run is submitted once)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._inner = client.get_executor(pure=False)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:  # noqa: D102
        return self._inner.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:  # noqa: D102
        self._inner.shutdown(wait=wait)

    def slots(self) -> int:
        """Worker threads in the cluster now (it may grow or shrink while a sweep runs)."""
        return max(1, sum(self.client.nthreads().values()))


def slots(executor: Executor, default: int = 1) -> int:
    """How many tasks ``executor`` runs at once (``default`` when it cannot tell)."""
    if isinstance(executor, InlineExecutor):
        return 1
    if isinstance(executor, DaskExecutor):
        return executor.slots()
    return int(getattr(executor, "_max_workers", 0) or default)


def _start_forkserver() -> None:
    """Start the fork server with Ctrl-C ignored.

    The server imports the model first (about a second); a Ctrl-C in that second would print
    its traceback. Ignoring SIGINT here (it inherits that) keeps a Ctrl-C one line.
    """
    from multiprocessing import forkserver

    added = [name for name in ONE_THREAD if name not in os.environ]
    os.environ.update(dict.fromkeys(added, "1"))  # the server and its workers inherit them
    try:
        if threading.current_thread() is not threading.main_thread():
            forkserver.ensure_running()
            return
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)
    finally:
        for name in added:  # this process keeps its own environment
            os.environ.pop(name, None)


def _worker_started(parent_pid: int | None = None) -> None:
    """In each worker process: Ctrl-C ends it at once and quietly (no traceback per worker).

    The parent gets the same Ctrl-C, saves every completed run and reports it in one line.
    The worker also ends when ``parent_pid`` (the process that made the pool) dies, even by
    SIGKILL: a worker forked by the fork server is not that process's child, holds its own end
    of the task queue and would otherwise wait forever, keeping the fork server and the resource
    tracker alive with it (hundreds of MB of orphans).
    """
    signal.signal(signal.SIGINT, _end_quietly)
    if parent_pid is not None:
        watch = threading.Thread(target=_exit_with, args=(parent_pid,), name="parent-watch", daemon=True)
        watch.start()


def _exit_with(pid: int) -> None:
    """Block until process ``pid`` ends, then end this process at once."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd (old kernel) or the parent is gone already
        fd = None
    if fd is not None:
        import select

        select.select([fd], [], [])  # readable when the process has ended
        os._exit(1)
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # alive, owned by someone else (the pid was reused): stop watching
            return
        threading.Event().wait(1.0)


def _end_quietly(signum: int, frame: Any) -> None:
    os._exit(128 + signum)


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@contextmanager
def make_executor(
    kind: str | Executor = "local", workers: int | None = None, address: str | None = None
) -> Iterator[Executor]:
    """Open an executor of ``kind`` with ``workers`` workers; closes it on exit.

    ``kind`` may also be an Executor the caller made: it is used as it is and left open.
    """
    if isinstance(kind, Executor):
        yield kind
        return
    if kind not in EXECUTORS:
        raise InputError(f"--executor: {kind!r} is not an executor; allowed: {', '.join(EXECUTORS)}")
    workers = workers or default_workers()
    if workers < 1:
        raise InputError(f"--workers: {workers} is not allowed; use an integer >= 1")
    if kind == "local":
        if workers == 1:
            yield InlineExecutor()
            return
        # forkserver: forking a process that runs threads (pyarrow, dask) can deadlock; the
        # server preloads the model so fresh workers start in milliseconds, and workers are
        # replaced every TASKS_PER_WORKER runs so their memory cannot creep in long sweeps
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["orgsim.model.simulate", "orgsim.experiment.sweep"])
        _start_forkserver()
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            max_tasks_per_child=TASKS_PER_WORKER,
            initializer=_worker_started,
            initargs=(os.getpid(),),
        ) as pool:
            yield pool
        return
    from dask.distributed import Client, LocalCluster

    if address:
        try:
            client = Client(address, timeout=10)
        except (OSError, ValueError) as exc:  # unreachable, timed out, or not an address
            raise InputError(
                f"--scheduler: cannot reach a Dask scheduler at {address!r} ({exc}); "
                "give its address as tcp://HOST:PORT"
            ) from None
        with client:
            yield DaskExecutor(client)
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,  # the model holds the GIL: one run per process
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,  # not a warning per task cancelled on Ctrl-C
        ) as cluster,
        Client(cluster) as client,
    ):
        yield DaskExecutor(client)
