"""Sweep scaling: wall time, runs/s and memory as a 2,000-run sweep of the default scenario grows.

The sweep is the default scenario (``separate``, 20,000 prospects, one year) replicated RUNS
times, run through the same ``orgsim.sweep`` as the CLI. A sampler thread reads the resident
set (RSS, from /proc) of the sweep's process and of all its descendants (the fork server and
the workers) every 0.2 s; at each mark (1/8, 1/4, 1/2, 3/4 and all of the runs) the table
shows the peak since the previous mark. Flat peaks mean the sweep streams its results to disk
instead of holding them, and that workers do not creep.

Run: uv run python -m benchmarks.sweep_memory [RUNS] [WORKERS] [--write]
(--write replaces benchmarks/SWEEP.md with the results).
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from orgsim.experiment.experiment import parse_experiment
from orgsim.experiment.storage import load_manifest
from orgsim.experiment.sweep import sweep

OUT = Path(__file__).with_name("SWEEP.md")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def tree_rss(pid: int) -> tuple[float, float]:
    """(this process's RSS, total RSS of it and all its descendants) in MB."""
    total, stack, seen = 0.0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        total += rss_mb(p)
        stack.extend(children(p))
    return rss_mb(pid), total


class Sampler(threading.Thread):
    """Peak RSS of the sweep process and of its whole process tree, reset at each mark."""

    def __init__(self, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.peak_self = self.peak_tree = 0.0
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            own, tree = tree_rss(os.getpid())
            with self.lock:
                self.peak_self = max(self.peak_self, own)
                self.peak_tree = max(self.peak_tree, tree)

    def take(self) -> tuple[float, float]:
        with self.lock:
            peaks = (self.peak_self, self.peak_tree)
            self.peak_self = self.peak_tree = 0.0
        return peaks


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    write = "--write" in sys.argv
    runs = int(args[0]) if args else 2000
    workers = int(args[1]) if len(args) > 1 else 2
    exp = parse_experiment({"name": "scaling", "scenarios": ["separate"], "replications": runs, "seed": 1})
    marks = sorted({m for m in (runs // 8, runs // 4, runs // 2, 3 * runs // 4, runs) if m > 0})
    samples: list[tuple[int, float, float, float]] = []
    sampler = Sampler()
    load_before = os.getloadavg()
    start = time.perf_counter()
    sampler.start()

    def progress(done: int, total: int) -> None:
        while marks and done >= marks[0]:
            marks.pop(0)
            own, tree = sampler.take()
            samples.append((done, time.perf_counter() - start, own, tree))

    with tempfile.TemporaryDirectory() as tmp:
        out = sweep(exp, Path(tmp) / "out", workers=workers, progress=progress)
        wall = time.perf_counter() - start
        sampler.stopped.set()
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        stored = load_manifest(out)["stored_runs"]
        parts = len(list((out / "runs").glob("part-*.parquet")))
    load_after = os.getloadavg()
    lines = [
        "# Sweep scaling: 2,000 runs of the default scenario",
        "",
        f"Measured {date.today().isoformat()} with `uv run python -m benchmarks.sweep_memory {runs} {workers}"
        f" --write` on {os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python "
        f"{platform.python_version()}. Load average before / after: {load_before[0]:.2f} / "
        f"{load_after[0]:.2f} (the machine is shared; other work there slows the sweep).",
        "",
        f"**{runs:,} runs of the default scenario (`separate`, 20,000 prospects, 250 days) on {workers} "
        f"workers: {wall:.1f} s, {runs / wall:.2f} runs/s**; stored {stored}, {parts} Parquet parts, "
        f"{size / 1e6:.1f} MB on disk.",
        "",
        "Peak resident memory (RSS) since the previous row, sampled every 0.2 s:",
        "",
        "| runs done | elapsed s | runs/s | sweep process peak MB | all processes peak MB |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {d:,} | {t:.1f} | {d / t:.2f} | {own:.0f} | {tree:.0f} |" for d, t, own, tree in samples]
    text = "\n".join(lines) + "\n"
    print(text)
    if write:
        OUT.write_text(text + NOTES)
        print(f"wrote {OUT}")


NOTES = """
How to read it: the sweep keeps at most 4 runs per worker in flight and at most 200 finished
rows (or 30 s of them) in memory before it writes an atomic Parquet part, and worker processes
are replaced every 250 runs; so memory depends on the workers, not on the number of runs.
The process's own memory includes the runs it does itself while the workers start (about 2 s).
"""


if __name__ == "__main__":
    main()
