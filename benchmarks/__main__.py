"""orgsim benchmarks: every target of the performance issue measured in one run, as figures and ratios.

    uv run python -m benchmarks --baseline ../orgsim-base   # everything, writes RESULTS.md (see below)
    uv run python -m benchmarks --quick                     # tiny sizes: checks every section runs
    uv run python -m benchmarks --quick --out /tmp/r.md     # ... and writes its table there
    uv run python -m benchmarks --only market --only sweep

A full run (no ``--quick``, no ``--only``) rewrites all of benchmarks/RESULTS.md (when, the
command, the commit, the machine, its load average at the start and the end and how many cores
other processes used meanwhile, every figure and target) and benchmarks/PROFILE.md; run it once
on a quiet machine (about 40-60 minutes on 2 idle cores: the extremes, the two 400-run sweeps, the
reference and the largest market, 10^5 prospects, for a year). ``--baseline`` (or
$ORGSIM_BASELINE) names a synced checkout of the commit to time a business day against; without
it that section is skipped and the file says so. Timings are medians of repeats; the figures that
matter are ratios measured in the same run and CPU seconds.
Nothing here is a test: the test suite never asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from orgsim import load_scenario, simulate
from orgsim.experiment.stats import mean_ci
from orgsim.model.market import Market
from orgsim.params import PARAMETERS

HERE = Path(__file__).parent
DEFAULT = "separate"  # the default scenario: 20,000 prospects, 250 business days
KEY_METRICS = ("revenue", "mqls", "sqls", "won_deals", "leakage_rate", "friction_index")


@dataclass
class Row:
    """One line of the results table."""

    section: str
    measure: str
    figure: str
    target: str = ""
    met: bool | None = None


ROWS: list[Row] = []
SHARED: dict[str, Any] = {}  # figures one benchmark hands to another (e.g. the largest market's run)
TOP_MARKET = int(PARAMETERS["market.prospects"].hi)  # the largest legal market (10^6 before issue 23)


def record(section: str, measure: str, figure: str, target: str = "", met: bool | None = None) -> None:
    """Add a row to the table and print it as it comes."""
    ROWS.append(Row(section, measure, figure, target, met))
    verdict = f"  (target {target}: {'met' if met else 'NOT met'})" if target and met is not None else ""
    print(f"  {measure}: {figure}{verdict}", flush=True)


def median_time(fn: Callable[[int], object], repeats: int) -> float:
    """Median wall time of ``fn(i)`` over ``repeats`` calls (seconds)."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scaled(prospects: int) -> dict[str, float]:
    """A company scaled with its market: staff and budgets grow with the prospects."""
    k = prospects / 20_000
    return {
        "market.prospects": prospects,
        "sales.headcount": max(1, round(10 * k)),
        "marketing.headcount": max(1, round(5 * k)),
        "marketing.budget": 1_000_000 * k,
        "sales.outbound_budget": 150_000 * k,
    }


# -- the default scenario --------------------------------------------------------------------


def bench_default(quick: bool) -> None:
    print("default scenario, in-process", flush=True)
    simulate(DEFAULT, seed=0, days=5)  # warm imports and caches
    t = median_time(lambda i: simulate(DEFAULT, seed=1 + i), 3 if quick else 11)
    SHARED["default_s"] = t
    record(
        "default", "default scenario (20,000 prospects, 250 days), median", f"{t:.3f} s", "< 0.3 s", t < 0.3
    )


# -- a business day, side by side with an older commit -----------------------------------------

BASELINE_ENV = "ORGSIM_BASELINE"  # a checkout of the commit to compare with, synced (its own .venv)
STRUCTURES = ("separate", "merged", "aligned")
DAY_CHILD = r"""
import json, sys, time
from orgsim import load_scenario, simulate

structure, seeds = sys.argv[1], json.loads(sys.argv[2])
sc = load_scenario(structure)
simulate(sc, seed=0, days=2)  # warm imports and caches
out = []
for seed in seeds:
    cpu, wall = time.process_time(), time.perf_counter()
    result = simulate(sc, seed=seed)
    out.append([time.process_time() - cpu, time.perf_counter() - wall])
days = sc.horizon.days + sc.horizon.warmup_days
print(json.dumps({"days": days, "times": out, "revenue": result.metrics["revenue"]}))
"""


def day_child(python: str, cwd: Path, structure: str, seeds: list[int]) -> dict[str, Any]:
    """Default runs of ``structure`` in a fresh Python of one checkout: CPU and wall seconds per run."""
    out = subprocess.run(
        [python, "-c", DAY_CHILD, structure, json.dumps(seeds)],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_day(quick: bool) -> None:
    """The cost of one simulated business day of the default company (warm-up days count as days),
    against the checkout in $ORGSIM_BASELINE, the two interleaved in one run (fresh Pythons)."""
    base = os.environ.get(BASELINE_ENV)
    if not base:
        print(f"business day: set {BASELINE_ENV} to a synced checkout to compare with; skipped", flush=True)
        return
    base_dir = Path(base).resolve()
    python = base_dir / ".venv" / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{BASELINE_ENV}: {python} not found; run `uv sync --frozen` in {base_dir}")
    commit = subprocess.run(
        ["git", "-C", str(base_dir), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    rounds, per_round = (2, 1) if quick else (5, 2)
    print(f"business day, this checkout vs {commit} ({base_dir}), {rounds} rounds interleaved", flush=True)
    ratios = []
    for structure in STRUCTURES:
        times: dict[str, list[list[float]]] = {"ours": [], "base": []}
        days = 0
        for r in range(rounds):
            seeds = [1 + r * per_round + i for i in range(per_round)]
            for name, py, cwd in (("base", str(python), base_dir), ("ours", sys.executable, HERE.parent)):
                res = day_child(py, cwd, structure, seeds)
                times[name].extend(res["times"])
                days = res["days"]
        cpu = {k: statistics.median(t[0] for t in v) / days for k, v in times.items()}
        wall = {k: statistics.median(t[1] for t in v) / days for k, v in times.items()}
        ratio = cpu["base"] / cpu["ours"]
        ratios.append(ratio)
        record(
            "day",
            f"{structure}: one business day ({days} days a run, warm-up included), median CPU",
            f"{1000 * cpu['ours']:.2f} ms vs {1000 * cpu['base']:.2f} ms at {commit}: {ratio:.2f}x "
            f"(wall {1000 * wall['ours']:.2f} vs {1000 * wall['base']:.2f} ms; "
            f"{len(times['ours'])} runs each)",
            ">= 2x",
            ratio >= 2,
        )
    record("day", f"geometric mean over {', '.join(STRUCTURES)}", f"{statistics.geometric_mean(ratios):.2f}x")


# -- market dynamics -------------------------------------------------------------------------


def drive(
    market: Any, days: int, touches: int, targeting: float = 0.5, observe: bool = False
) -> tuple[int, float, float]:
    """A day of market dynamics as the model calls it, ``days`` times, with no model around.

    Returns the inquiries, and with ``observe`` the mean engagement and in-market share (else 0).
    """
    eligible = np.ones(market.n, dtype=bool)
    inquiries, engagement, in_market = 0, 0.0, 0.0
    for day in range(days):
        market.enter(day)
        market.close_windows(market.due_exits(day))
        market.decay_engagement()
        for share in (0.4, 0.3, 0.2, 0.1):  # several marketers' campaigns a day
            market.touch(int(touches * share), 0.25, targeting, 0.5)
        market.deliver_touches()
        inquiries += len(market.inquiries(0.02, 0.004, eligible))
        if observe:
            engagement += float(np.mean(np.asarray(market.engagement)))
            in_market += float(np.mean(np.asarray(market.in_market)))
    return inquiries, engagement / days, in_market / days


def new_market(prospects: int, seed: int) -> tuple[Market, int]:
    """A market of the scaled company, and its touches per day at the default budget."""
    sc = load_scenario(DEFAULT, scaled(prospects))
    touches = int(sc.marketing.budget / 250 / sc.marketing.cost_per_touch)
    return Market(sc.market, sc.marketing, np.random.default_rng(seed)), touches


def bench_market(quick: bool) -> None:
    print("market dynamics (enter, exits, decay, touches, inquiries; no model)", flush=True)
    days = 20 if quick else 60
    for n in (10**3, 10**4, TOP_MARKET):
        rates = []
        for rep in range(1 if n == TOP_MARKET and quick else 3):
            market, touches = new_market(n, rep)
            start = time.perf_counter()
            drive(market, days, touches)
            rates.append(n * days / (time.perf_counter() - start))
        rate = statistics.median(rates)
        big = n == TOP_MARKET
        record(
            "market",
            f"market dynamics, {n:,} prospects",
            f"{rate / 1e6:.0f} M prospect-days/s",
            ">= 30 M/s (set when the top was 10^6)" if big else "",
            rate >= 30e6 if big else None,
        )


# -- the largest market (10^5 prospects), a year: memory -----------------------------------------

CHILD = """
import json, sys, time


def peak_mb():  # this process image's resident high-water mark (ru_maxrss would count the parent)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024


from orgsim import load_scenario, simulate

imported = peak_mb()
overrides, days = json.loads(sys.argv[1]), int(sys.argv[2])
structure = sys.argv[3] if len(sys.argv) > 3 else "separate"
start = time.perf_counter()
result = simulate(load_scenario(structure, overrides), seed=1, days=days)
wall = time.perf_counter() - start
created = result.ledger["created"]
print(json.dumps({"wall": wall, "peak_mb": peak_mb(), "imported_mb": imported, "created": created}))
"""


def run_child(overrides: dict[str, Any], days: int, structure: str = "separate") -> dict[str, float]:
    """One run in a fresh Python: wall time (s) and peak resident memory (MB)."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(overrides), str(days), structure],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_memory(quick: bool) -> None:
    print(f"full model at {TOP_MARKET:,} prospects (the top), staff scaled (fresh subprocess)", flush=True)
    days = 10 if quick else 250
    res = run_child(scaled(TOP_MARKET), days)
    SHARED["top_market"] = (days, res["wall"])
    record(
        "memory",
        f"full model, {TOP_MARKET:,} prospects, {days} days",
        f"{res['wall']:.1f} s, {res['created']:,} leads, "
        f"{TOP_MARKET * days / res['wall'] / 1e6:.0f} M prospect-days/s",
    )
    record(
        "memory",
        f"peak memory (RSS), {TOP_MARKET:,} prospects, {days} days",
        f"{res['peak_mb']:,.0f} MB (of which {res['imported_mb']:.0f} MB is Python and the imports; VmHWM)",
        "< 1,500 MB" + ("" if days == 250 else " (one year: full run)"),
        res["peak_mb"] < 1500,
    )


# -- extreme parameter sets -------------------------------------------------------------------------


def bench_extremes(quick: bool) -> None:
    """Parameter sets the property search once found too slow (benchmarks/extremes.json), each in a
    fresh Python: work follows what people can do, plus numpy over the market (issue 14)."""
    cases = list(json.loads((HERE / "extremes.json").read_text()).items())
    if quick:  # a day each of the first two: the path works (each case costs ~30 s in a fresh Python)
        cases = cases[:2]
    note = " (--quick: 2 of them, 1 day each)" if quick else ""
    print(f"extreme parameter sets (fresh subprocess each){note}", flush=True)
    for label, case in cases:
        overrides = dict(case["overrides"])
        days = int(overrides.pop("horizon.days"))
        days = 1 if quick else days
        res = run_child(overrides, days, case["structure"])
        record(
            "extremes",
            f"{label}, {days} days",
            f"{res['wall']:.1f} s, {res['created']:,} leads, peak {res['peak_mb']:,.0f} MB",
            "< 120 s (the property test's limit)",
            res["wall"] < 120,
        )


# -- how cost grows --------------------------------------------------------------------------------


def bench_scaling(quick: bool) -> None:
    print("how cost grows (full model, in-process)", flush=True)
    base = SHARED.get("default_s") or median_time(lambda i: simulate(DEFAULT, seed=1 + i), 3)
    sizes: dict[int, float] = {}
    for n in (10**3, 10**4, TOP_MARKET):
        if n == TOP_MARKET and SHARED.get("top_market", (0,))[0] == 250:
            sizes[n] = SHARED["top_market"][1]  # the memory section's year at the top, fresh process
            continue
        sc = load_scenario(DEFAULT, scaled(n))
        sizes[n] = median_time(lambda i, sc=sc: simulate(sc, seed=1 + i), 1 if quick or n >= 10**5 else 3)
    for n, t in sizes.items():
        record(
            "scaling",
            f"prospects {n:,} (staff and budget scaled), 250 days",
            f"{t:.3f} s ({t / base:.2f}x default, {t / (n * 250) * 1e9:.0f} ns per prospect-day)",
        )
    ns = sorted(sizes)
    slope = math.log(sizes[ns[-1]] / sizes[ns[1]]) / math.log(ns[-1] / ns[1])
    record("scaling", f"cost ~ prospects^k from {ns[1]:,} to {ns[-1]:,}", f"k = {slope:.2f}")
    repeats = 1 if quick else 3
    for heads in (5, 20, 40, 80):
        t = median_time(
            lambda i, h=heads: simulate(DEFAULT, seed=1 + i, overrides={"sales.headcount": h}), repeats
        )
        record("scaling", f"sales headcount {heads} (default 10)", f"{t:.3f} s ({t / base:.2f}x default)")
    for days in (125, 500) if quick else (125, 500, 1000):
        t = median_time(lambda i, d=days: simulate(DEFAULT, seed=1 + i, days=d), 1 if days > 250 else repeats)
        record("scaling", f"horizon {days} days (default 250)", f"{t:.3f} s ({t / base:.2f}x default)")


# -- sweeps: 1 and 2 workers, per-run overhead ---------------------------------------------------

CLOCK = os.sysconf("SC_CLK_TCK")  # ticks per second in /proc


def machine_busy_s() -> float:
    """CPU seconds all cores have been busy since boot."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK  # less idle and iowait


def own_cpu_s() -> float:
    """CPU seconds used by this process and all its descendants, live or reaped."""
    t = os.times()
    total = t.user + t.system + t.children_user + t.children_system
    parents: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = fields
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    todo = list(parents.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo.extend(parents.get(pid, []))
        f = stats[pid]  # utime, stime, cutime, cstime: fields 14-17 of /proc/PID/stat
        total += sum(int(x) for x in f[11:15]) / CLOCK
    return total


def wait_quiet(limit_s: float = 600.0, busy_cores: float = 0.25) -> float:
    """Wait (up to ``limit_s``) until other processes use under ``busy_cores``; returns the wait (s).

    On a shared machine a sweep's scaling means little while someone else holds a core.
    """
    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        before, t0 = machine_busy_s(), time.perf_counter()
        time.sleep(2.0)
        if (machine_busy_s() - before) / (time.perf_counter() - t0) < busy_cores:
            break
    return time.perf_counter() - start


def transfer_costs(out: Path) -> dict[str, float]:
    """What a task and its result cost to move between processes, and a row's Parquet writing.

    ``task_bytes``/``result_bytes``: a sweep task (base scenario, run spec, series flag) and its
    result row pickled; ``pickle_s``: both pickled and unpickled once; ``parquet_s``: the sweep's
    runs table written once more with pyarrow, per row (seconds).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from orgsim.experiment.experiment import parse_experiment
    from orgsim.experiment.storage import load_runs

    exp = parse_experiment({"name": "bench", "scenarios": [DEFAULT], "replications": 2, "seed": 5})
    table = load_runs(out)
    row = table.iloc[0].to_dict()
    task = (exp.scenarios[0], exp.runs()[0], False)
    result = (row, None)
    cpu = time.process_time()
    for _ in range(50):
        pickle.loads(pickle.dumps(task))
        pickle.loads(pickle.dumps(result))
    pickle_s = (time.process_time() - cpu) / 50
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    with tempfile.TemporaryDirectory() as tmp:
        cpu = time.process_time()
        for i in range(5):
            pq.write_table(arrow, Path(tmp) / f"{i}.parquet")
        parquet_s = (time.process_time() - cpu) / 5 / len(table)
    return {
        "task_bytes": len(pickle.dumps(task)),
        "result_bytes": len(pickle.dumps(result)),
        "pickle_s": pickle_s,
        "parquet_s": parquet_s,
    }


def bench_sweep(quick: bool) -> None:
    """Sweeps of the default scenario on 2 workers and on 1, in wall time and in CPU seconds.

    The CPU accounting (:mod:`benchmarks.sweep_cpu`) says where the 2-worker sweep's CPU went
    (its process, the fork server's one import of the model, the workers' runs and the rest), so
    the loop's overhead can be read on a loaded machine, and projects the 2-worker throughput on
    2 idle cores: 1 worker takes its CPU seconds C1 of wall; 2 workers at best C2 / 2, plus about
    one run of one idle core (the first worker waits for this process's last run while the pool
    starts; the last run finishes alone), so the projected ratio is 2 C1 / (C2 + one run).
    """
    from benchmarks.sweep_cpu import timed_sweep

    runs = SHARED.get("sweep_runs") or (12 if quick else 400)
    print(f"sweep of {runs} default runs, 2 and 1 workers (orgsim.experiment.sweep)", flush=True)
    exp = {"name": "bench", "scenarios": [DEFAULT], "replications": runs, "seed": 5}
    acct = {}
    others: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (2, 1):
            if not quick:
                waited = wait_quiet(120)
                if waited > 5:
                    print(f"  (waited {waited:.0f} s for other processes to leave the cores)", flush=True)
            busy0, own0 = machine_busy_s(), own_cpu_s()
            cpu = acct[workers] = timed_sweep(exp, Path(tmp) / f"w{workers}", workers)
            others[workers] = max(0.0, (machine_busy_s() - busy0) - (own_cpu_s() - own0)) / cpu.wall_s
            record(
                "sweep",
                f"sweep, {runs} default runs, {workers} worker(s)",
                f"{cpu.wall_s:.1f} s, {runs / cpu.wall_s:.2f} runs/s, median run "
                f"{1000 * statistics.median(cpu.all_runs):.0f} ms CPU; other processes used "
                f"{others[workers]:.2f} cores meanwhile",
            )
        costs = transfer_costs(Path(tmp) / "w2")
    one, two = acct[1], acct[2]
    c1, c2 = statistics.median(one.all_runs), statistics.median(two.worker_runs or two.all_runs)
    record(
        "sweep",
        "CPU of the 1-worker sweep (runs in this process)",
        f"{one.total_s:.1f} s: {1000 * one.total_s / runs:.0f} ms a run, of which the loop "
        f"{1000 * one.parent_other_s / runs:.1f} ms",
    )
    record(
        "sweep",
        "CPU of the 2-worker sweep, by process",
        f"{two.total_s:.1f} s: this process {two.parent_s:.1f} s ({len(two.inline_runs)} runs while the "
        f"pool started, {1000 * two.parent_other_s / runs:.1f} ms a run besides); fork server "
        f"{two.forkserver_s:.1f} s (imports the model once); workers {len(two.worker_runs)} runs "
        f"{sum(two.worker_runs):.1f} s, {1000 * two.worker_other_s / max(1, len(two.worker_runs)):.1f} ms "
        "a run besides",
    )
    beyond = (two.total_s - sum(two.all_runs)) / sum(two.all_runs)
    record(
        "sweep",
        "2-worker sweep: CPU beyond the runs' own, share of the runs' CPU",
        f"{100 * beyond:.1f}% (fork server {100 * two.forkserver_s / sum(two.all_runs):.1f}%)",
        "< 10%",
        beyond < 0.10,
    )
    record(
        "sweep",
        "a run's CPU on 2 workers / in the 1-worker sweep (medians)",
        f"{c2 / c1:.3f} ({1000 * c2:.0f} / {1000 * c1:.0f} ms; two runs at once share the caches)",
    )
    record(
        "sweep",
        "per task: pickled task / result; pickling both ways; Parquet writing per run",
        f"{costs['task_bytes']:,} B / {costs['result_bytes']:,} B; {1e6 * costs['pickle_s']:.0f} us "
        f"({100 * costs['pickle_s'] / c1:.3f}% of a run); {1e6 * costs['parquet_s']:.0f} us "
        f"({100 * costs['parquet_s'] / c1:.3f}%)",
    )
    projected = 2 * one.total_s / (two.total_s + c2)
    record(
        "sweep",
        "sweep throughput, 2 workers / 1 worker, projected for 2 idle cores from the CPU seconds",
        f"{projected:.2f}x (2 x {one.total_s:.1f} s / ({two.total_s:.1f} s + one run))",
        ">= 1.8x",
        projected >= 1.8,
    )
    speedup = one.wall_s / two.wall_s
    record(
        "sweep",
        "sweep throughput, 2 workers / 1 worker, wall clock",
        f"{speedup:.2f}x (other processes used {others[2]:.2f} / {others[1]:.2f} cores)",
        ">= 1.8x",
        speedup >= 1.8,
    )


# -- against the one-agent-per-prospect reference -------------------------------------------------


def welch_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of Welch's t-test that two samples have the same mean."""
    from scipy import stats

    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def compare_samples(section: str, label: str, ours: list[float], ref: list[float]) -> float:
    """Record two samples' means and 95% CIs (met: each mean in the other's CI); returns Welch's p."""
    a, b = mean_ci(ours), mean_ci(ref)
    inside = b[1] <= a[0] <= b[2] and a[1] <= b[0] <= a[2]
    p = welch_p(ours, ref)
    record(
        section,
        label,
        f"{a[0]:,.4g} [{a[1]:,.4g}, {a[2]:,.4g}] vs reference {b[0]:,.4g} [{b[1]:,.4g}, {b[2]:,.4g}], "
        f"Welch p = {p:.2f}",
        "means in each other's 95% CI",
        inside,
    )
    return p


def bench_reference(quick: bool) -> None:
    from benchmarks.reference import market_alone, simulate_reference

    print("vectorised market vs one mesa.Agent per prospect (benchmarks/reference.py)", flush=True)
    # market rules alone, driven identically: the most sensitive check of the same rules
    reps = 10 if quick else 100
    sc = load_scenario(DEFAULT, scaled(2000))
    touches = int(sc.marketing.budget / 250 / sc.marketing.cost_per_touch)
    ours = [drive(new_market(2000, s)[0], 120, touches, 1.0, observe=True) for s in range(reps)]
    ref = [drive(market_alone(sc, 10_000 + s), 120, touches, 1.0, observe=True) for s in range(reps)]
    pvalues = []
    for j, name in enumerate(("inquiries", "mean engagement", "in-market share")):
        pvalues.append(
            compare_samples(
                "reference",
                f"market alone, {name} (2,000 prospects, 120 days, {reps} seeds)",
                [r[j] for r in ours],
                [r[j] for r in ref],
            )
        )
    # the whole model on a small scenario
    reps = 6 if quick else 40
    small = load_scenario(DEFAULT, {**scaled(2000), "horizon.days": 120})
    runs: dict[str, list[tuple[float, dict]]] = {"ours": [], "ref": []}
    for s in range(reps):
        for name, fn, seed in (("ours", simulate, s), ("ref", simulate_reference, 10_000 + s)):
            start = time.perf_counter()
            metrics = fn(small, seed=seed).metrics
            runs[name].append((time.perf_counter() - start, metrics))
    for key in KEY_METRICS:
        pvalues.append(
            compare_samples(
                "reference",
                f"whole model, {key} (2,000 prospects, 120 days, {reps} seeds)",
                [m[key] for _, m in runs["ours"]],
                [m[key] for _, m in runs["ref"]],
            )
        )
    inside = sum(r.met for r in ROWS[-len(pvalues) :])
    record(
        "reference",
        f"equal results, all {len(pvalues)} comparisons above",
        f"{inside} of {len(pvalues)} means inside the other's CI; smallest Welch p = {min(pvalues):.3f}",
        f"no difference at 5% family-wise (p > 0.05/{len(pvalues)})",
        min(pvalues) > 0.05 / len(pvalues),
    )
    t_ours = statistics.median(t for t, _ in runs["ours"])
    t_ref = statistics.median(t for t, _ in runs["ref"])
    record(
        "reference",
        "speedup, whole model, small scenario",
        f"{t_ref / t_ours:.1f}x ({t_ref:.3f} s / {t_ours:.3f} s)",
    )
    # the default scenario: whole model, and the market's own share of it
    default = load_scenario(DEFAULT)
    fast = SHARED.get("default_s") or median_time(lambda i: simulate(default, seed=1 + i), 5)
    slow = median_time(lambda i: simulate_reference(default, seed=1 + i), 1 if quick else 3)
    record(
        "reference",
        "speedup, whole model, default scenario",
        f"{slow / fast:.1f}x ({slow:.2f} s / {fast:.3f} s)",
        ">= 30x",
        slow / fast >= 30,
    )
    days, touches = (
        30 if quick else 60,
        int(default.marketing.budget / 250 / default.marketing.cost_per_touch),
    )
    fast_m = median_time(lambda i: drive(new_market(20_000, i)[0], days, touches), 3)
    slow_m = median_time(lambda i: drive(market_alone(default, i), days, touches), 1)
    record(
        "reference",
        f"speedup, market dynamics alone, 20,000 prospects, {days} days",
        f"{slow_m / fast_m:.1f}x ({slow_m:.2f} s / {fast_m:.3f} s)",
        ">= 30x",
        slow_m / fast_m >= 30,
    )
    slow_do = median_time(lambda i: simulate_reference(default, seed=1 + i, mesa_do=True), 1)
    record(
        "reference",
        "speedup, whole model, default scenario, reference stepped by Mesa's AgentSet.do",
        f"{slow_do / fast:.1f}x ({slow_do:.2f} s / {fast:.3f} s)",
    )
    record(
        "reference",
        "ceiling on the whole-model speedup (reference time / our time outside the market, about)",
        f"{slow / max(fast - fast_m * 250 / days, 1e-9):.0f}x",
    )


# -- profile --------------------------------------------------------------------------------------


PROFILE_HOWTO = """How to profile (each writes nothing into the repository but this file):

    uv run python -m benchmarks --only profile        # this file: cProfile of default runs
    uv run python -m cProfile -s tottime -m orgsim run separate | head -40
    uv run pyinstrument -m orgsim run separate        # a call tree, sampled (a dev dependency)

`tottime` is a function's own time, `cumtime` with what it calls. cProfile adds a fixed cost
to every Python call, so many small calls look dearer than they are; read the ranking, and time
a change with `--only default` / `--only day` without the profiler. The run includes the
`horizon.warmup_days` warm-up (its days cost what the measured days cost)."""


def _profile_table(stats: Any, key: str, count: int, runs: int, own: bool) -> list[str]:
    """The top ``count`` functions by ``key`` (``tottime``/``cumtime``), ms per run, as markdown."""
    rows = []
    total = stats.total_tt
    for (path, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():
        if not own and "orgsim" not in path:
            continue  # the call-tree view: the model's own functions
        where = path.split("site-packages/")[-1].split("src/")[-1] if path != "~" else ""
        label = f"`{where}:{line} {name}`" if where else f"`{name}`"
        rows.append((tottime if key == "tottime" else cumtime, tottime, cumtime, calls, label))
    rows.sort(reverse=True)
    out = [
        "| function | calls a run | own ms a run | own share | with callees ms a run |",
        "|---|---:|---:|---:|---:|",
    ]
    for _, tottime, cumtime, calls, label in rows[:count]:
        out.append(
            f"| {label} | {calls / runs:,.0f} | {1000 * tottime / runs:.1f} | {100 * tottime / total:.1f}% "
            f"| {1000 * cumtime / runs:.1f} |"
        )
    return out


def bench_profile(quick: bool) -> None:
    """cProfile of default runs (``separate``, warm-up included) into benchmarks/PROFILE.md: the top
    costs by own time and the model's functions by time with their callees."""
    import cProfile
    import pstats

    print("profile of the default run (cProfile)", flush=True)
    runs = 1 if quick else 5
    sc = load_scenario(DEFAULT)
    simulate(sc, seed=0, days=2)  # imports and caches out of the profile
    cpu = time.process_time()
    for i in range(runs):
        simulate(sc, seed=1 + i)
    plain = (time.process_time() - cpu) / runs
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(runs):
        simulate(sc, seed=1 + i)
    profiler.disable()
    stats = pstats.Stats(profiler)
    profiled = stats.total_tt / runs
    days = sc.horizon.warmup_days + sc.horizon.days
    text = "\n".join(
        [
            "# orgsim profile: the default run",
            "",
            f"Written by `uv run python -m benchmarks --only profile{' --quick' if quick else ''}` on "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_text()}, commit {commit()}: "
            f"`{DEFAULT}` ({sc.market.prospects:,} prospects, {sc.horizon.warmup_days}-day warm-up + "
            f"{sc.horizon.days} days), {runs} run(s) with seeds 1-{runs}. A run takes {1000 * plain:.0f} ms "
            f"of CPU ({1000 * plain / days:.2f} ms a simulated day) without the profiler, "
            f"{1000 * profiled:.0f} ms with it.",
            "",
            PROFILE_HOWTO,
            "",
            "## Top costs by own time (every function)",
            "",
            *_profile_table(stats, "tottime", 20, runs, own=True),
            "",
            "## The model's functions by time with their callees",
            "",
            *_profile_table(stats, "cumtime", 20, runs, own=False),
            "",
        ]
    )
    path = Path(tempfile.gettempdir()) / "orgsim-PROFILE-quick.md" if quick else HERE / "PROFILE.md"
    path.write_text(text)  # --quick checks the section; it never replaces the committed profile
    record("profile", "profile of the default run written", f"{path} ({1000 * profiled:.0f} ms a run)")


BENCHES: dict[str, Callable[[bool], None]] = {
    "default": bench_default,
    "day": bench_day,
    "market": bench_market,
    "memory": bench_memory,
    "scaling": bench_scaling,
    "extremes": bench_extremes,
    "sweep": bench_sweep,
    "reference": bench_reference,
    "profile": bench_profile,
}


# -- report ---------------------------------------------------------------------------------------


def machine() -> str:
    """CPU, cores, memory and the versions that decide the speed."""
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


NOTES = """
Notes
- Market dynamics are the market's daily rules alone (`benchmarks/__main__.py: drive`), the part
  `benchmarks/reference.py` implements with one `mesa.Agent` per prospect. The whole model adds
  the people (salespeople, marketers, heads) and the lead ledger, which the reference shares.
- Equal results: each metric's mean must lie inside the other implementation's 95% CI. Even for
  identical distributions this fails by chance about 15% of the time per metric (the means
  differ by sqrt(2) standard errors), so read a single NO with its Welch p-value: p > 0.05 is
  noise, a small p a real difference.
- Sweeps (`--only sweep`, `benchmarks/sweep_cpu.py`): the same sweep on 2 workers and on 1, in
  wall time and in CPU seconds by process (CPU seconds barely stretch on a shared machine, wall
  times do). The 2-worker sweep's CPU beyond its runs' own is the loop's overhead: this process
  (dispatch, results, Parquet parts, manifest), the fork server importing the model once, and the
  workers' start and task transfer. The projection for 2 idle cores is 2 C1 / (C2 + one run):
  1 worker takes its CPU seconds C1 of wall, 2 workers at best half of theirs (C2) plus about one
  run of one idle core (pool start and the last run). It assumes a run costs the CPU it cost here;
  a run's CPU on 2 workers / on 1 says how much two runs at once slow each other (shared caches
  and memory bandwidth), which no run loop can remove.
- The ceiling: with the market free, the whole model would still take the time spent outside
  it, which bounds the whole-model speedup over the reference.
- A business day (`--only day`): the default company under each structure, every simulated day
  counted (the `horizon.warmup_days` warm-up too), against an older commit in the same run. The
  two checkouts alternate, each in a fresh Python, round by round, so both meet the same load;
  the figure is the median CPU time of a run over its days, the wall time beside it. To rerun:

      git worktree add --detach ../orgsim-base <commit> && (cd ../orgsim-base && uv sync --frozen)
      ORGSIM_BASELINE=../orgsim-base uv run python -m benchmarks --only day

  Same seeds give the same numbers in both when the random draws come in the same order (the
  golden runs pin them); a commit that draws in another order (the team's draws of 2026-12-03)
  gives other numbers from the same model: benchmarks/draw_order.py checks the outcomes agree.
"""

RUN: dict[str, Any] = {}  # when and under what load this run started, and each section's wall time


def load_text() -> str:
    """The 1, 5 and 15 minute load averages."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def commit() -> str:
    """This checkout's commit (short), ``-dirty`` when tracked files differ from it."""
    git = ["git", "-C", str(HERE.parent)]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(  # (not the results file itself, which a run rewrites section by section)
            [*git, "status", "--porcelain", "-uno", "--", ".", ":!benchmarks/RESULTS.md"],
            capture_output=True,
            text=True,
        )
    except OSError:
        return "unknown"
    return (head.stdout.strip() or "unknown") + ("-dirty" if dirty.stdout.strip() else "")


def command_line(quick: bool, only: list[str] | None) -> str:
    """The command that reproduces this run."""
    flags = (" --quick" if quick else "") + "".join(f" --only {name}" for name in only or [])
    if SHARED.get("sweep_runs"):
        flags += f" --sweep-runs {SHARED['sweep_runs']}"
    prefix = f"{BASELINE_ENV}={os.environ[BASELINE_ENV]} " if os.environ.get(BASELINE_ENV) else ""
    return f"{prefix}uv run python -m benchmarks{flags}"


def write_results(quick: bool, only: list[str] | None, path: Path | None = None) -> None:
    """Write the results (benchmarks/RESULTS.md unless ``path``): when, where, under what load, the table."""
    wall = time.perf_counter() - RUN["wall0"]
    others = max(0.0, (machine_busy_s() - RUN["busy0"]) - (own_cpu_s() - RUN["own0"])) / max(wall, 1e-9)
    took = ", ".join(f"{name} {s:.0f} s" for name, s in RUN["took"].items())
    lines = [
        "# orgsim benchmark results",
        "",
        f"Measured {RUN['started']:%Y-%m-%d %H:%M}-{datetime.now(UTC):%H:%M} UTC with "
        f"`{command_line(quick, only)}` at commit {commit()} on {machine()}.",
        f"Load average (1 / 5 / 15 min) {RUN['load0']} at the start, {load_text()} at the end; other "
        f"processes used {others:.2f} of the {os.cpu_count()} cores on average meanwhile (/proc/stat). "
        f"Sections took {took or 'nothing yet'}.",
        "Timings are medians of repeats; ratios come from the same run. On a loaded machine wall times "
        "stretch and ratios of them measure the load: read the CPU figures.",
        *(
            [f"Not measured: the business day ({BASELINE_ENV} was not set; see the notes)."]
            if "day" in RUN["took"] and not any(r.section == "day" for r in ROWS)
            else []
        ),
        *([SHARED["note"]] if SHARED.get("note") else []),
        "",
        "| section | measure | figure | target | met |",
        "|---|---|---|---|---|",
        *(
            f"| {r.section} | {r.measure} | {r.figure} | {r.target} | "
            f"{'' if r.met is None else ('yes' if r.met else 'NO')} |"
            for r in ROWS
        ),
        NOTES,
    ]
    (path or HERE / "RESULTS.md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks named on the command line (all by default)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that every section runs")
    parser.add_argument("--write-note", help="a line for RESULTS.md about this run (e.g. the machine's load)")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHES), help="run only these (repeatable)"
    )
    parser.add_argument(
        "--write", action="store_true", help="write RESULTS.md even for a partial or quick run"
    )
    parser.add_argument("--no-write", action="store_true", help="never write RESULTS.md")
    parser.add_argument("--out", type=Path, help="write the results to this file instead of RESULTS.md")
    parser.add_argument(
        "--baseline", type=Path, help=f"a synced checkout to time a business day against (as ${BASELINE_ENV})"
    )
    parser.add_argument(
        "--sweep-runs", type=int, help="runs in each timed sweep (default 400, 12 with --quick)"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    args = parser.parse_args(argv)
    ROWS.clear()
    SHARED.clear()
    if args.baseline:
        os.environ[BASELINE_ENV] = str(args.baseline)
    if args.sweep_runs:
        if args.sweep_runs < 2:
            parser.error(f"--sweep-runs: {args.sweep_runs} is not allowed; use an integer >= 2")
        SHARED["sweep_runs"] = args.sweep_runs
    full = not args.quick and not args.only
    writing = (full or args.write or args.out is not None) and not args.no_write
    SHARED["note"] = args.write_note
    RUN.clear()
    RUN.update(
        started=datetime.now(UTC), load0=load_text(), wall0=time.perf_counter(),
        busy0=machine_busy_s(), own0=own_cpu_s(), took={},
    )  # fmt: skip
    for name in args.only or list(BENCHES):
        start = time.perf_counter()
        BENCHES[name](args.quick)
        RUN["took"][name] = time.perf_counter() - start
        if writing:  # after each section: a run stopped later keeps what it measured
            write_results(args.quick, args.only, args.out)
    if args.json:
        print(json.dumps([asdict(r) for r in ROWS], indent=1))
    else:
        print()
        width = max((len(r.measure) for r in ROWS), default=0)
        for r in ROWS:
            met = "" if r.met is None else ("yes" if r.met else "NO")
            print(f"{r.measure:<{width}}  {r.figure}  {r.target}  {met}")
        print("sections took " + ", ".join(f"{k} {v:.0f} s" for k, v in RUN["took"].items()))
    if writing:
        write_results(args.quick, args.only, args.out)
        print(f"\nwrote {args.out or HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
