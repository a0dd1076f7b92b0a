"""The fuzz table: valid parameter sets drawn uniformly from the declared ranges, each run under a
CPU-time limit; how many finish and how long they take.

    uv run python -m tests.fuzz_table --draws 20 --cpu 60 [--seed 0] [--jobs 2]

Every numeric parameter is drawn uniformly from its schema range (``params.PARAMETERS`` lo..hi,
integers inclusive), every choice and flag uniformly, the structure uniformly; the horizon and
the warm-up too, so a draw is a company a user may legally write. Each run is a fresh process
(tests/param_space.py's ``_child``) whose CPU time the kernel limits (a busy machine does not make
a run fail). Prints one line per draw and the table: finished, over the limit, failed, and the
CPU seconds of the finished runs (min, median, max) with seconds per simulated day.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from orgsim.params import PARAMETERS, STRUCTURES

CHILD = """
import json, sys, time
from orgsim import load_scenario, simulate
structure, overrides, seed = json.loads(sys.stdin.read())
start = time.process_time()
result = simulate(load_scenario(structure, overrides), seed=seed)
print(json.dumps({"cpu": time.process_time() - start, "created": result.ledger["created"]}))
"""


def uniform_draw(rng: np.random.Generator) -> tuple[str, dict[str, Any]]:
    """A structure and a value for every parameter, uniform over what the schema allows."""
    overrides: dict[str, Any] = {}
    for key, spec in PARAMETERS.items():
        if spec.type == "bool":
            overrides[key] = bool(rng.integers(2))
        elif spec.choices:
            overrides[key] = spec.choices[int(rng.integers(len(spec.choices)))]
        elif spec.type == "int":
            overrides[key] = int(rng.integers(int(spec.lo), int(spec.hi) + 1))
        else:
            overrides[key] = float(rng.uniform(spec.lo, spec.hi))
    return STRUCTURES[int(rng.integers(len(STRUCTURES)))], overrides


def run_one(structure: str, overrides: dict[str, Any], seed: int, cpu: int) -> dict[str, Any]:
    """Run one draw in a fresh process limited to ``cpu`` CPU seconds: status, cpu, days."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))

    days = overrides["horizon.days"] + overrides["horizon.warmup_days"]
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps([structure, overrides, seed]),
        capture_output=True,
        text=True,
        preexec_fn=limit,
    )
    row: dict[str, Any] = {"structure": structure, "days": days, "prospects": overrides["market.prospects"]}
    if done.returncode == 0:
        row.update(status="finished", **json.loads(done.stdout.strip().splitlines()[-1]))
    elif done.returncode in (-24, -9):  # SIGXCPU at the soft limit, SIGKILL at the hard one
        row.update(status="over the limit", cpu=math.nan)
    else:
        row.update(status="failed", cpu=math.nan, error=done.stderr.strip().splitlines()[-1:])
    return row


def main(argv: list[str] | None = None) -> None:
    """Draw, run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--cpu", type=int, default=60, help="CPU seconds a run may take")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    draws = [uniform_draw(rng) for _ in range(args.draws)]
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda d: run_one(d[0], d[1], args.seed, args.cpu), draws))
    for row in rows:
        print(json.dumps(row, default=str))
    finished = [r for r in rows if r["status"] == "finished"]
    over = sum(r["status"] == "over the limit" for r in rows)
    failed = len(rows) - len(finished) - over
    print(
        f"\n{len(rows)} uniform draws, limit {args.cpu} CPU s a run: {len(finished)} finished, "
        f"{over} over the limit, {failed} failed"
    )
    if finished:
        cpu = [r["cpu"] for r in finished]
        per_day = [r["cpu"] / r["days"] for r in finished]
        spread = f"min {min(cpu):.1f}, median {statistics.median(cpu):.1f}, max {max(cpu):.1f}"
        print(f"finished runs: CPU s {spread}; per simulated day median {statistics.median(per_day):.3f}")
    days = [r["days"] for r in rows]
    print(f"simulated days drawn (horizon + warm-up): median {statistics.median(days):.0f}, max {max(days)}")


if __name__ == "__main__":
    main()
