"""orgsim benchmarks: speed measured, reported as figures and ratios from one run.

    uv run python -m benchmarks            # everything (~10 minutes on 2 cores)
    uv run python -m benchmarks --quick    # smaller sizes, fewer repeats
    uv run python -m benchmarks --only market --only sweep

Prints a table and writes benchmarks/RESULTS.md (machine, date, versions, figures, targets).
Timings are medians of repeats; the machine may be shared, so compare ratios from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from orgsim import load_scenario, simulate
from orgsim.experiment.experiment import parse_experiment
from orgsim.experiment.stats import mean_ci
from orgsim.experiment.storage import load_runs
from orgsim.experiment.sweep import sweep
from orgsim.model.market import Market

HERE = Path(__file__).parent
ROWS: list[tuple[str, str, str, str]] = []  # (measure, figure, target, met)


def record(measure: str, figure: str, target: str = "", met: bool | None = None) -> None:
    ROWS.append((measure, figure, target, "" if met is None else ("yes" if met else "NO")))
    print(
        f"  {measure}: {figure}" + (f"  (target {target}: {'met' if met else 'NOT met'})" if target else "")
    )


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scaled(prospects: int) -> dict[str, float]:
    """A company scaled with its market: staff and budget grow with the prospects."""
    k = prospects / 20_000
    return {
        "market.prospects": prospects,
        "sales.headcount": max(1, round(10 * k)),
        "marketing.headcount": max(1, round(5 * k)),
        "marketing.budget": 1_000_000 * k,
        "sales.outbound_budget": 150_000 * k,
    }


def bench_default(quick: bool) -> None:
    print("default scenario, in-process")
    simulate("separate", seed=0)  # warm imports
    t = median_time(lambda: simulate("separate", seed=1), 3 if quick else 9)
    record("default scenario (20,000 prospects, 250 days), median", f"{t:.3f} s", "< 0.3 s", t < 0.3)


def market_days(prospects: int, days: int) -> float:
    """Seconds for the vectorised market's daily dynamics alone (touches at the default rate)."""
    sc = load_scenario("separate", scaled(prospects))
    rng = np.random.default_rng(1)
    market = Market(sc.market, sc.marketing, rng)
    touches = int(sc.marketing.budget / 250 / sc.marketing.cost_per_touch)
    eligible = np.ones(prospects, dtype=bool)
    start = time.perf_counter()
    for day in range(days):
        market.enter(day)
        market.close_windows(np.unique(market.due_exits(day)))
        market.decay_engagement()
        market.touch(touches, 0.25, 0.5, 0.5)
        market.inquiries(0.02, 0.004, eligible)
    return time.perf_counter() - start


def bench_market(quick: bool) -> None:
    print("market dynamics")
    days = 20 if quick else 60
    for n in (10**3, 10**4, 10**5, 10**6):
        t = market_days(n, days)
        rate = n * days / t
        target = n == 10**6
        record(
            f"market, {n:,} prospects",
            f"{rate / 1e6:.1f} M prospect-days/s",
            ">= 30 M/s" if target else "",
            rate >= 30e6 if target else None,
        )


CHILD = """
import json, resource, sys, time
from orgsim import load_scenario, simulate
overrides = json.loads(sys.argv[1])
start = time.perf_counter()
result = simulate(load_scenario("separate", overrides), seed=1)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall": wall, "peak_mb": peak, "created": result.ledger["created"]}))
"""


def run_child(overrides: dict[str, float]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(overrides)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_memory(quick: bool) -> None:
    print("full model at 10^6 prospects (subprocess)")
    days = 60 if quick else 250
    res = run_child({**scaled(10**6), "horizon.days": days})
    record(f"full run, 10^6 prospects, {days} days", f"{res['wall']:.1f} s, {res['created']:,} leads")
    record(
        f"peak memory, 10^6 prospects, {days} days",
        f"{res['peak_mb']:.0f} MB",
        "< 1,500 MB",
        res["peak_mb"] < 1500,
    )


def bench_scaling(quick: bool) -> None:
    print("how cost grows (full model, in-process)")
    base = median_time(lambda: simulate("separate", seed=1), 3)
    for n in (10**3, 10**4, 10**5):
        t = median_time(lambda n=n: simulate("separate", seed=1, overrides=scaled(n)), 1 if n >= 10**5 else 3)
        record(f"prospects {n:,} (staff scaled)", f"{t:.3f} s ({t / base:.2f}x default)")
    for heads in (5, 20, 40):
        t = median_time(lambda h=heads: simulate("separate", seed=1, overrides={"sales.headcount": h}), 3)
        record(f"sales headcount {heads}", f"{t:.3f} s ({t / base:.2f}x default)")
    for days in (125, 500) if quick else (125, 500, 1000):
        t = median_time(lambda d=days: simulate("separate", seed=1, days=d), 1 if days > 250 else 3)
        record(f"horizon {days} days", f"{t:.3f} s ({t / base:.2f}x default)")


POOL_START = """
import time
start = time.perf_counter()
from orgsim.experiment.executors import make_executor
if __name__ == "__main__":
    with make_executor("local", workers=2) as pool:
        list(pool.map(abs, range(4)))
    print(time.perf_counter() - start)
"""


def bench_sweep(quick: bool) -> None:
    print("sweep throughput and overhead")
    runs = 40 if quick else 1000
    exp = parse_experiment({"name": "bench", "scenarios": ["separate"], "replications": runs, "seed": 5})
    walls = {}
    for workers in (2, 1):  # 2 first: it pays the one-time start of the worker pool's server
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            sweep(exp, Path(tmp) / "out", workers=workers)
            walls[workers] = time.perf_counter() - start
            busy = float(load_runs(Path(tmp) / "out")["elapsed_s"].sum())
        overhead = 1 - busy / (walls[workers] * workers)
        record(
            f"sweep, {runs} default runs, {workers} worker(s)",
            f"{walls[workers]:.1f} s, {runs / walls[workers]:.2f} runs/s, overhead {100 * overhead:.1f}% of "
            "worker time (process start, serialization, Parquet writing)",
            "overhead < 10%",
            overhead < 0.10,
        )
    speedup = walls[1] / walls[2]
    record("sweep throughput, 2 workers / 1 worker, end to end", f"{speedup:.2f}x", ">= 1.8x", speedup >= 1.8)
    startup = float(
        subprocess.run(
            [sys.executable, "-c", POOL_START], capture_output=True, text=True, check=True
        ).stdout.split()[-1]
    )
    record("worker pool start (once per sweep: the worker server imports the model)", f"{startup:.2f} s")
    steady = walls[1] / (walls[2] - startup)
    record(
        "sweep throughput, 2 workers / 1 worker, after the pool start",
        f"{steady:.2f}x",
        ">= 1.8x",
        steady >= 1.8,
    )


def bench_reference(quick: bool) -> None:
    print("vectorised market vs one mesa.Agent per prospect")
    from benchmarks.reference import simulate_reference

    default = load_scenario("separate")
    fast = median_time(lambda: simulate(default, seed=1), 3)
    slow = median_time(lambda: simulate_reference(default, seed=1), 1 if quick else 3)
    record(
        "speedup on the default scenario (20,000 prospects)",
        f"{slow / fast:.1f}x",
        ">= 30x",
        slow / fast >= 30,
    )
    small = load_scenario("separate", {**scaled(2000), "horizon.days": 120})
    reps = 10 if quick else 30
    ours = [simulate(small, seed=s).metrics for s in range(reps)]
    ref = [simulate_reference(small, seed=s).metrics for s in range(reps)]
    for key in ("revenue", "mqls", "sqls", "won_deals", "leakage_rate", "friction_index"):
        a, b = mean_ci([m[key] for m in ours]), mean_ci([m[key] for m in ref])
        overlap = a[1] <= b[2] and b[1] <= a[2]
        record(
            f"equal results, {key} (2,000 prospects, {reps} reps)",
            f"{a[0]:,.3g} [{a[1]:,.3g}, {a[2]:,.3g}] vs reference {b[0]:,.3g} [{b[1]:,.3g}, {b[2]:,.3g}]",
            "95% CIs overlap",
            overlap,
        )


BENCHES = {
    "default": bench_default,
    "market": bench_market,
    "memory": bench_memory,
    "scaling": bench_scaling,
    "sweep": bench_sweep,
    "reference": bench_reference,
}


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("orgsim", "mesa", "numpy"))
    return f"{cpu}, {os.cpu_count()} cores, {mem:,} MB; Python {platform.python_version()}, {versions}"


def write_results(quick: bool) -> None:
    lines = [
        "# orgsim benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `uv run python -m benchmarks"
        f"{' --quick' if quick else ''}` on {machine()}.",
        "Timings are medians of repeats on a machine that may be shared; ratios come from the same run.",
        "",
        "| measure | figure | target | met |",
        "|---|---|---|---|",
        *(f"| {m} | {f} | {t} | {ok} |" for m, f, t, ok in ROWS),
        "",
    ]
    (HERE / "RESULTS.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHES), help="run only these (repeatable)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not write benchmarks/RESULTS.md")
    args = parser.parse_args()
    for name in args.only or list(BENCHES):
        BENCHES[name](args.quick)
    print()
    width = max(len(m) for m, *_ in ROWS)
    for m, f, t, ok in ROWS:
        print(f"{m:<{width}}  {f}  {t}  {ok}")
    if not args.no_write:
        write_results(args.quick)


if __name__ == "__main__":
    main()
