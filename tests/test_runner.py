"""The one run loop: task order, progress, sinks, failures; the same numbers on a Dask cluster."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

import pytest

from orgsim.experiment.runner import Backend, MemorySink, SimTask, Sink, run_simulations, run_tasks
from orgsim.experiment.seeds import run_seed
from orgsim.model.simulate import as_scenario

TINY = {"horizon.days": 8, "market.prospects": 400}


class Recording(Sink):
    def __init__(self) -> None:
        self.events: list[str] = []

    def open(self) -> None:
        self.events.append("open")

    def add(self, position, task, result) -> None:
        self.events.append(f"add {position}")

    def close(self, status: str) -> None:
        self.events.append(status)


def _square(x: int) -> int:
    return x * x


def _fails_at_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def test_results_come_back_in_task_order_with_progress_to_the_total():
    memory, seen, record = MemorySink(), [], Recording()
    with ThreadPoolExecutor(3) as pool:
        tasks = [(i,) for i in range(40)]
        run_tasks(tasks, _square, pool, [memory, record], progress=lambda d, t: seen.append((d, t)))
    assert memory.results == [i * i for i in range(40)]
    assert seen[0] == (0, 40) and seen[-1] == (40, 40)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert record.events[0] == "open" and record.events[-1] == "complete" and len(record.events) == 42


def test_a_failing_task_stops_the_loop_as_itself_and_sinks_close_interrupted():
    record = Recording()
    with pytest.raises(ValueError, match="three"):
        run_tasks([(i,) for i in range(10)], _fails_at_three, Backend(workers=1), [record])
    assert record.events[-1] == "interrupted"


def test_one_simulation_is_the_same_through_the_loop_as_alone():
    from orgsim.model.simulate import simulate

    sc = as_scenario("aligned", TINY)
    (res,) = run_simulations([SimTask(sc, run_seed(0, 3))], workers=1)
    assert json.dumps(res.flat()) == json.dumps(simulate(sc, seed=3).flat())  # NaN == NaN


@pytest.fixture(scope="module")
def scheduler():
    """A Dask LocalCluster in this process (one worker, one thread): its scheduler's address."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_validate_gives_the_same_checks_on_a_dask_cluster(scheduler, tmp_path):
    from orgsim.analyses.validate import validate

    scenario = tmp_path / "t.toml"
    scenario.write_text('name = "t"\nstructure = "separate"\n[horizon]\ndays = 20\n[market]\nprospects = 800')
    local = validate(str(scenario), ["separate", "aligned"], reps=2, workers=1)
    dask = validate(str(scenario), ["separate", "aligned"], reps=2, scheduler=scheduler)
    as_text = lambda checks: json.dumps([asdict(c) for c in checks], default=str)  # noqa: E731 - NaN == NaN
    assert len(local) > 0 and as_text(dask) == as_text(local)


@pytest.mark.slow  # about 40 runs twice (110 s on a loaded 2-core machine)
def test_explain_gives_the_same_parts_on_a_dask_cluster_from_the_cli(scheduler, capsys):
    from orgsim.cli import main

    args = ["explain", "separate", "aligned", "--measure", "mqls", "--reps", "2", "--days", "5",
            "--method", "permutation", "--permutations", "1", "--no-ranges", "--set", "market.prospects=400",
            "--quiet", "--json"]  # fmt: skip
    main([*args, "--workers", "1"])
    local = json.loads(capsys.readouterr().out)
    main([*args, "--scheduler", scheduler])
    dask = json.loads(capsys.readouterr().out)
    assert local["parts"] and dask == local


def test_the_older_executor_flags_still_work_and_a_bad_scheduler_is_one_line(capsys):
    from orgsim.cli import main

    with pytest.raises(SystemExit) as info:
        main(["compare", "separate", "--reps", "2", "--scheduler", "nowhere"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "--scheduler" in err and "tcp://HOST:PORT" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as info:
        main(["compare", "separate", "--reps", "2", "--address", "tcp://127.0.0.1:1"])
    assert info.value.code == 2 and "--address needs --executor dask" in capsys.readouterr().err
