"""Interchangeable executors behind :class:`concurrent.futures.Executor`.

``local`` is a process pool (or in-process for one worker); ``dask`` uses a Dask distributed
``Client``: an existing scheduler by address, or a ``LocalCluster`` started for the sweep.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from orgsim.errors import InputError

EXECUTORS = ("local", "dask")
TASKS_PER_WORKER = 250


class InlineExecutor(Executor):
    """Runs each task at submit time in this process (one worker, no pickling)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:  # noqa: D102
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@contextmanager
def make_executor(
    kind: str = "local", workers: int | None = None, address: str | None = None
) -> Iterator[Executor]:
    """Open an executor of ``kind`` with ``workers`` workers; closes it on exit."""
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
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, max_tasks_per_child=TASKS_PER_WORKER
        ) as pool:
            yield pool
        return
    from dask.distributed import Client, LocalCluster

    if address:
        try:
            client = Client(address, timeout=10)
        except OSError as exc:
            raise InputError(f"--address: cannot reach Dask scheduler at {address}: {exc}") from None
        with client:
            yield client.get_executor()
        return
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client.get_executor()
