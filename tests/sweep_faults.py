"""Test-only fault injection for sweeps, inside real worker processes.

A sweep accepts any ``concurrent.futures.Executor``; :class:`Injecting` is a process pool that
runs a faulty stand-in for :func:`orgsim.experiment.sweep.execute` in its workers. The stand-
ins are module-level so worker processes can unpickle them (pytest puts ``tests/`` on the path).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any
from unittest import mock

from orgsim.experiment import sweep as sweep_module

DIE_AT_RUN = 9


def raises_for_merged_48h(scenario: Any, spec: Any, series: bool) -> Any:
    """``execute`` whose model raises for merged runs with a 48-hour SLA."""
    real = sweep_module.simulate

    def flaky(sc: Any, **kwargs: Any) -> Any:
        if sc.structure == "merged" and sc.sla.response_hours == 48:
            raise RuntimeError("model blew up\nsecond line of the message")
        return real(sc, **kwargs)

    with mock.patch.object(sweep_module, "simulate", flaky):
        return sweep_module.execute(scenario, spec, series)


def kills_its_worker(scenario: Any, spec: Any, series: bool) -> Any:
    """``execute`` whose worker process dies (as if OOM-killed) on run ``DIE_AT_RUN``."""
    if spec.run_id == DIE_AT_RUN:
        os._exit(1)
    return sweep_module.execute(scenario, spec, series)


class Injecting(Executor):
    """A process pool that runs ``task`` in place of whatever the sweep submits."""

    def __init__(self, task: Callable[..., Any], workers: int = 2) -> None:
        self.task = task
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        assert fn is sweep_module.execute
        return self.pool.submit(self.task, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)
