"""The fuzz table: valid parameter sets drawn uniformly from the declared ranges, each run under a
CPU-time limit; how many finish and how long they take.

    uv run python -m tests.fuzz_table --draws 20 --cpu 60 [--seed 0] [--jobs 2]

Every numeric parameter is drawn uniformly from its schema range (``params.PARAMETERS`` lo..hi,
integers inclusive), every choice and flag uniformly, the structure uniformly; the horizon and
the warm-up too, so a draw is a company a user may legally write. Each run is a fresh process
whose CPU time the kernel limits (a busy machine does not make a run fail); it reports each
simulated day (``simulate(progress=...)``), so a run stopped at the limit still tells how far it
got. Prints one JSON line per draw, then two Markdown tables to paste: the counts (drawn,
finished, over the limit, failed) and the time distribution (min, median, max) of the finished
runs' CPU seconds, of every draw's CPU seconds per simulated day and of every draw's whole run
projected at the rate it reached.
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
def day(done, total):
    print(json.dumps({"day": done, "cpu": time.process_time() - start}), flush=True)
result = simulate(load_scenario(structure, overrides), seed=seed, progress=day)
print(json.dumps({"cpu": time.process_time() - start, "created": result.ledger["created"]}))
"""
MAX_DRAWS = 10_000  # draws a table may ask for (each a process of up to --cpu seconds)


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
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    reached = [line for line in lines if "day" in line]
    if reached:  # how far the run got, and at what cost: the rate even of a run cut at the limit
        row.update(reached=reached[-1]["day"], per_day=reached[-1]["cpu"] / reached[-1]["day"])
    if done.returncode == 0:
        row.update(status="finished", **lines[-1])
    elif done.returncode in (-24, -9):  # SIGXCPU at the soft limit, SIGKILL at the hard one
        row.update(status="over the limit", cpu=math.nan)
    else:
        row.update(status="failed", cpu=math.nan, error=done.stderr.strip().splitlines()[-1:])
    return row


def _spread(values: list[float], fmt: str) -> str:
    """``| min | median | max |`` cells of ``values`` (dashes when there are none)."""
    if not values:
        return "| - | - | - |"
    return f"| {min(values):{fmt}} | {statistics.median(values):{fmt}} | {max(values):{fmt}} |"


def table(rows: list[dict[str, Any]], cpu: int) -> str:
    """The two Markdown tables: counts, and the time distribution."""
    finished = [r for r in rows if r["status"] == "finished"]
    over = sum(r["status"] == "over the limit" for r in rows)
    failed = len(rows) - len(finished) - over
    rated = [r for r in rows if "per_day" in r]
    lines = [
        f"| valid sets drawn | finished within {cpu} CPU s | over the limit | failed |",
        "|---:|---:|---:|---:|",
        f"| {len(rows)} | {len(finished)} | {over} | {failed} |",
        "",
        "| time | min | median | max |",
        "|---|---:|---:|---:|",
        "| finished runs, CPU s " + _spread([r["cpu"] for r in finished], ".1f"),
        f"| CPU s per simulated day ({len(rated)} draws, at the last day reached) "
        + _spread([r["per_day"] for r in rated], ".3f"),
        "| whole run at that rate, CPU min " + _spread([r["per_day"] * r["days"] / 60 for r in rated], ".1f"),
        "| simulated days drawn (horizon + warm-up) " + _spread([float(r["days"]) for r in rows], ".0f"),
        "| prospects drawn " + _spread([float(r["prospects"]) for r in rows], ",.0f"),
    ]
    return "\n".join(lines)


def _count(value: int, flag: str, top: int) -> int:
    """``value`` if in [1, top], else one line on stderr and exit 2 (before anything runs)."""
    if not 1 <= value <= top:
        print(f"fuzz_table: {flag}: {value} is not allowed; use an integer in [1, {top:,}]", file=sys.stderr)
        raise SystemExit(2)
    return value


def main(argv: list[str] | None = None) -> None:
    """Draw, run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--cpu", type=int, default=60, help="CPU seconds a run may take")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    _count(args.draws, "--draws", MAX_DRAWS)
    _count(args.cpu, "--cpu", 24 * 3600)
    _count(args.jobs, "--jobs", 1024)
    rng = np.random.default_rng(args.seed)
    draws = [uniform_draw(rng) for _ in range(args.draws)]
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda d: run_one(d[0], d[1], args.seed, args.cpu), draws))
    for row in rows:
        print(json.dumps(row, default=str))
    print(f"\n{args.draws} uniform draws (seed {args.seed}), limit {args.cpu} CPU s a run:\n")
    print(table(rows, args.cpu))


if __name__ == "__main__":
    main()
