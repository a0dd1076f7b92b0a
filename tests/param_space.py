"""Test-only: run one parameter set in a fresh process under time and memory limits.

The property test of the whole declared parameter space (tests/test_parameter_space.py) runs
every example here, so a set that hangs or eats memory fails that example, not the suite.
"""

from __future__ import annotations

import math
import multiprocessing
import resource
import signal
import time
from dataclasses import dataclass
from typing import Any

MEMORY_BYTES = 2 * 1024**3  # address space a run may use
CPU_SECONDS = 120  # processor time a run may take (counted by the kernel: a busy machine does not
# make a run fail, as a wall-clock limit did at a load of 8 on 2 cores)
WALL_SECONDS = 600.0  # backstop for a run that waits without computing


@dataclass
class Outcome:
    """What one run gave: ``status`` ok | error | timeout, the message, measures and ledger."""

    status: str
    error: str = ""
    metrics: dict[str, float] | None = None
    ledger: dict[str, int] | None = None
    seconds: float = math.nan
    customers: dict[str, float] | None = None  # the horizon's customer counts (run_budgeted)


def _child(conn: Any, structure: str, overrides: dict[str, Any], seed: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 5))  # SIGXCPU at the soft limit
    start = time.perf_counter()
    try:
        from orgsim import load_scenario, simulate

        result = simulate(load_scenario(structure, overrides), seed=seed)  # measure() checks the ledger
        conn.send(Outcome("ok", "", dict(result.metrics), dict(result.ledger), time.perf_counter() - start))
    except BaseException as exc:  # noqa: BLE001 - reported to the test as this example's failure
        conn.send(Outcome("error", f"{type(exc).__name__}: {exc}"[:500], seconds=time.perf_counter() - start))
    finally:
        conn.close()


def run_limited(structure: str, overrides: dict[str, Any], seed: int) -> Outcome:
    """Run ``structure`` with ``overrides`` and ``seed`` in a child process under the limits."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["orgsim.model.simulate", "param_space"])
    parent, child = context.Pipe(duplex=False)
    proc = context.Process(target=_child, args=(child, structure, overrides, seed), daemon=True)
    proc.start()
    child.close()
    if parent.poll(WALL_SECONDS):
        try:
            outcome = parent.recv()
        except EOFError:  # died without a word: over the CPU limit, or killed for memory
            proc.join(5)
            if proc.exitcode == -signal.SIGXCPU:
                outcome = Outcome("timeout", f"over {CPU_SECONDS} s of CPU")
            else:
                outcome = Outcome("error", f"process died (exit {proc.exitcode}); memory limit?")
    else:
        proc.kill()
        outcome = Outcome("timeout", f"over {WALL_SECONDS:.0f} s wall")
    proc.join(5)
    if outcome.status == "ok" and proc.exitcode not in (0, None):
        outcome = Outcome("error", f"exit code {proc.exitcode}")
    return outcome


# address space (not resident memory) a budgeted run may use; the dearest companies measured at
# the largest market (10^5) peak at 316-579 MB resident over 3,500 days (README "Bounded work")
BUDGET_MEMORY_BYTES = 4 * 1024**3


def _budgeted_child(
    conn: Any,
    structure: str,
    overrides: dict[str, Any],
    seed: int,
    per_day: float,
    slack: float,
    first_days: int | None,
) -> None:
    """Step the model day by day (as ``simulate(progress=...)`` does), stopping once over budget.

    With ``first_days``, stop after that many days and check the ledger and the customers there
    (status ``ok``, no measures): the default suite's quick look at a long company's days.
    """
    from orgsim import load_scenario
    from orgsim.model.metrics import measure
    from orgsim.model.model import OrgModel

    resource.setrlimit(resource.RLIMIT_AS, (BUDGET_MEMORY_BYTES, BUDGET_MEMORY_BYTES))
    start = time.process_time()
    try:
        model = OrgModel(load_scenario(structure, overrides), seed=seed)
        total = model.end_day  # the warm-up, then the measured days
        hard = int(slack + per_day * total) + 10  # the kernel's backstop, above the check below
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard + 5))
        for day in range(1, total + 1):
            if first_days is not None and day > first_days:
                model.ledger.check()  # every lead in one state, leaks with causes, one live lead each
                model.customers.check()
                conn.send(Outcome("ok", "", None, model.ledger.summary(), time.process_time() - start))
                return
            model.step()
            used = time.process_time() - start
            if used > slack + per_day * day:
                conn.send(
                    Outcome("over budget", f"{used:.1f} CPU s after {day:,} of {total:,} days "
                            f"(budget {per_day:g} s a day + {slack:g} s)", seconds=used)
                )  # fmt: skip
                return
        model.customers.check()  # installed + won - churned = under contract, over the whole run
        customers = model.customers.measured(model.measured_days)
        result = measure(model)  # checks the lead ledger too
        used = time.process_time() - start
        conn.send(Outcome("ok", "", dict(result.metrics), dict(result.ledger), used, customers))
    except BaseException as exc:  # noqa: BLE001 - reported to the test as this draw's failure
        conn.send(Outcome("error", f"{type(exc).__name__}: {exc}"[:500], seconds=time.process_time() - start))
    finally:
        conn.close()


def run_budgeted(
    structure: str,
    overrides: dict[str, Any],
    seed: int,
    per_day: float,
    slack: float,
    first_days: int | None = None,
) -> Outcome:
    """Run in a fresh process with a CPU budget of ``slack + per_day`` per simulated day.

    The budget is checked after every day, so a run whose work per day is not bounded fails
    within the first days over it (status ``over budget``), not after its whole horizon; the
    kernel's CPU limit is a backstop. Memory is limited to :data:`BUDGET_MEMORY_BYTES`.
    ``first_days`` stops the run after that many days, checked there (see ``_budgeted_child``).
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["orgsim.model.simulate", "param_space"])
    parent, child = context.Pipe(duplex=False)
    args = (child, structure, overrides, seed, per_day, slack, first_days)
    proc = context.Process(target=_budgeted_child, args=args, daemon=True)
    proc.start()
    child.close()
    days = overrides["horizon.days"] + overrides["horizon.warmup_days"]
    days = days if first_days is None else min(days, first_days)
    wall = 10 * (slack + per_day * days) + 60  # a run that waits without computing
    if parent.poll(wall):
        try:
            outcome = parent.recv()
        except EOFError:
            proc.join(5)
            outcome = Outcome("error", f"process died (exit {proc.exitcode}); over the memory or CPU limit?")
    else:
        proc.kill()
        outcome = Outcome("over budget", f"over {wall:.0f} s wall")
    proc.join(5)
    return outcome
