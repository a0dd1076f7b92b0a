"""The fuzz table: valid companies drawn uniformly from the declared ranges, each run under a CPU
limit; how many finish, how long they take per simulated day, how much memory they hold.

    uv run python -m benchmarks.fuzz_ranges --draws 10 --cpu 60 [--seed 0] [--jobs 2] [--out FILE.md]
    uv run python -m benchmarks.fuzz_ranges --drivers        # which parameters drive the cost

Every numeric parameter is drawn uniformly from its schema range (``params.PARAMETERS`` lo..hi,
integers inclusive), every choice and flag uniformly, the structure uniformly; the horizon and
the warm-up too, so a draw is a company a user may legally write. The all-high corner (every
number at the top of its range, every flag on) runs too, and so does the saturating corner
(``saturating``: every campaign covers the largest market daily, every hand raised closes).
Each run is a fresh process whose CPU time the kernel limits (a busy machine does not make a run
fail); it reports each simulated day (``simulate(progress=...)``) with its CPU seconds and peak
resident memory, so a run stopped at the limit still tells how far it got. Prints one JSON line
per draw, then the Markdown tables
(written to ``--out`` too): the counts (drawn, finished, over the limit, failed) and the
distribution (min, median, max) of the finished runs' CPU seconds, of every draw's CPU seconds
per simulated day, of the whole run projected at that rate and of peak memory.

``--drivers`` instead times a few business days of the default company with one parameter at
the top of its range, and of the all-high corner with one parameter back at its default: the
parameters whose top multiplies a day's cost, and those whose default takes most of it away.
Nothing here is a test (tests/test_fuzz_table.py checks the table's arithmetic; the full-range
property test, tests/test_full_ranges.py, checks the bound).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from orgsim.params import PARAMETERS, STRUCTURES

CHILD = """
import json, resource, sys, time
from orgsim import load_scenario, simulate
structure, overrides, seed = json.loads(sys.stdin.read())
start = time.process_time()
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (Linux: KiB)
def day(done, total):
    print(json.dumps({"day": done, "cpu": time.process_time() - start, "peak_mb": peak()}), flush=True)
result = simulate(load_scenario(structure, overrides), seed=seed, progress=day)
end = {"cpu": time.process_time() - start, "created": result.ledger["created"], "peak_mb": peak()}
print(json.dumps(end))
"""
MAX_DRAWS = 10_000  # draws a table may ask for (each a process of up to --cpu seconds)
MEMORY_BYTES = 4 * 1024**3  # address space a run may use
# parameters that set how much there is to do (people, accounts, money, leads' lifetimes); the
# others change rates and habits within that
DRIVERS = (
    "sales.headcount",
    "marketing.headcount",
    "market.prospects",
    "marketing.budget",
    "sales.outbound_budget",
    "sales.hours_per_day",
    "sales.attempts",
    "sla.attempts",
    "sales.queue_tolerance",
    "sales.lead_expiry_days",
    "marketing.inquiry_rate_in_market",
    "marketing.inquiry_rate_out_of_market",
    "market.in_market_share",
    "market.demand",
    "customers.installed_customers",
)


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


def all_high() -> dict[str, Any]:
    """The all-high corner: every number at the top of its range, every flag on, the last choice."""
    overrides: dict[str, Any] = {}
    for key, spec in PARAMETERS.items():
        if spec.type == "bool":
            overrides[key] = True
        elif spec.choices:
            overrides[key] = spec.choices[-1]
        else:
            overrides[key] = int(spec.hi) if spec.type == "int" else float(spec.hi)
    return overrides


def saturating() -> dict[str, Any]:
    """The saturating corner, the dearest day measured (README "Bounded work per run"): the default
    company with the largest market, every marketer at the top budget (each campaign covers the
    market every day), both inquiry rates 1, the highest MQL bar and a one-day nurture (every hand
    raised closes after a day), over the longest horizon."""
    top = ("market.prospects", "marketing.headcount", "marketing.budget", "marketing.inquiry_rate_in_market",
           "marketing.inquiry_rate_out_of_market", "marketing.mql_threshold", "horizon.days",
           "horizon.warmup_days")  # fmt: skip
    over: dict[str, Any] = {key: PARAMETERS[key].hi for key in top}
    over["marketing.nurture_days"] = PARAMETERS["marketing.nurture_days"].lo
    over["sales.headcount"] = PARAMETERS["sales.headcount"].default
    return {k: int(v) if PARAMETERS[k].type == "int" else v for k, v in over.items()}


def run_one(structure: str, overrides: dict[str, Any], seed: int, cpu: int) -> dict[str, Any]:
    """Run one draw in a fresh process limited to ``cpu`` CPU seconds: status, cpu, days, memory."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))

    days = overrides["horizon.days"] + overrides["horizon.warmup_days"]
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps([structure, overrides, seed]),
        capture_output=True,
        text=True,
        preexec_fn=limit,
    )
    row: dict[str, Any] = {
        "structure": structure,
        "days": days,
        "prospects": overrides["market.prospects"],
        "sales": overrides["sales.headcount"],
        "marketers": overrides["marketing.headcount"],
    }
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    reached = [line for line in lines if "day" in line]
    if reached:  # how far the run got, and at what cost: the rate even of a run cut at the limit
        last = reached[-1]
        row.update(reached=last["day"], per_day=last["cpu"] / last["day"], peak_mb=last["peak_mb"])
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
    """The two Markdown tables: counts, and the time (and memory) distribution."""
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
    peaks = [r["peak_mb"] for r in rows if "peak_mb" in r]
    if peaks:
        label = f"| peak memory, MB ({len(peaks)} draws, at the last day reached) "
        lines.append(label + _spread(peaks, ",.0f"))
    return "\n".join(lines)


def corner_line(row: dict[str, Any], cpu: int, name: str = "All-high") -> str:
    """One sentence on a corner's run (``name``: All-high or Saturating)."""
    rate = f"{row['per_day']:.3f} CPU s a day" if "per_day" in row else "no day finished"
    got = f"{row.get('reached', 0):,} of {row['days']:,} days"
    peak = f", peak {row['peak_mb']:,.0f} MB" if "peak_mb" in row else ""
    return f"{name} corner ({row['structure']}, limit {cpu} CPU s): {row['status']}, {got}, {rate}{peak}."


def day_cost(overrides: dict[str, Any], days: int = 5, structure: str = "separate") -> float:
    """CPU seconds per business day of ``structure`` with ``overrides``, over ``days`` days (no warm-up)."""
    from orgsim import load_scenario
    from orgsim.model.model import OrgModel

    over = {**overrides, "horizon.warmup_days": 0, "horizon.days": days}
    model = OrgModel(load_scenario(structure, over), seed=0)
    start = time.process_time()
    for _ in range(days):
        model.step()
    return (time.process_time() - start) / days


def drivers(days: int = 5) -> str:
    """The drivers table: a day's cost with one parameter at its top, and the corner without it."""
    corner = all_high()
    base = day_cost({}, days)
    top_corner = day_cost(corner, days)
    lines = [
        f"Default company: {base * 1000:.1f} ms a business day; all-high corner: {top_corner * 1000:,.0f} ms "
        f"({days} days each, no warm-up).",
        "",
        "| parameter (range) | default company, this one at its top, ms a day | x default "
        "| all-high corner, this one at its default, ms a day | x corner |",
        "|---|---:|---:|---:|---:|",
    ]
    for key in DRIVERS:
        spec = PARAMETERS[key]
        high = day_cost({key: spec.hi}, days)
        low = day_cost({**corner, key: spec.default}, days)
        lines.append(
            f"| `{key}` ({spec.lo:g}-{spec.hi:g}) | {high * 1000:,.1f} | {high / base:.1f} "
            f"| {low * 1000:,.0f} | {low / top_corner:.2f} |"
        )
        print(lines[-1], file=sys.stderr, flush=True)
    return "\n".join(lines)


def _count(value: int, flag: str, top: int) -> int:
    """``value`` if in [1, top], else one line on stderr and exit 2 (before anything runs)."""
    if not 1 <= value <= top:
        print(f"fuzz_ranges: {flag}: {value} is not allowed; use an integer in [1, {top:,}]", file=sys.stderr)
        raise SystemExit(2)
    return value


def main(argv: list[str] | None = None) -> None:
    """Draw, run and print the table (or the drivers table)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--cpu", type=int, default=60, help="CPU seconds a run may take")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-corner", action="store_true", help="skip the two corners")
    parser.add_argument("--drivers", action="store_true", help="time one parameter at a time instead")
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    args = parser.parse_args(argv)
    _count(args.draws, "--draws", MAX_DRAWS)
    _count(args.cpu, "--cpu", 24 * 3600)
    _count(args.jobs, "--jobs", 1024)
    if args.drivers:
        text = drivers()
    else:
        rng = np.random.default_rng(args.seed)
        draws = [uniform_draw(rng) for _ in range(args.draws)]
        if not args.no_corner:
            draws += [("aligned", all_high()), ("separate", saturating())]
        with ThreadPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(lambda d: run_one(d[0], d[1], args.seed, args.cpu), draws))
        for row in rows:
            print(json.dumps(row, default=str))
        corners = [] if args.no_corner else [rows.pop(-2), rows.pop()]
        text = f"{args.draws} uniform draws (seed {args.seed}), limit {args.cpu} CPU s a run:\n\n"
        text += table(rows, args.cpu)
        for name, corner in zip(("All-high", "Saturating")[: len(corners)], corners, strict=True):
            text += "\n\n" + corner_line(corner, args.cpu, name)
    print("\n" + text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
