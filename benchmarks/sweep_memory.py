"""Sweep scaling: wall time, runs/s and memory as a 2,000-run sweep of the default scenario grows.

Memory is the resident set (RSS) of the sweep's process and of its workers, sampled as runs
complete; flat means the sweep streams results to disk instead of holding them.
Run: uv run python -m benchmarks.sweep_memory [RUNS] [WORKERS]  (writes nothing; see SWEEP.md)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from orgsim.experiment.experiment import parse_experiment
from orgsim.experiment.sweep import sweep


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
    """(parent RSS, total RSS of parent and all descendants) in MB."""
    total, stack, seen = 0.0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        total += rss_mb(p)
        stack.extend(children(p))
    return rss_mb(pid), total


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    exp = parse_experiment({"name": "scaling", "scenarios": ["separate"], "replications": runs, "seed": 1})
    marks = sorted({m for m in (runs // 8, runs // 4, runs // 2, 3 * runs // 4, runs) if m > 0})
    samples: list[tuple[int, float, float, float]] = []
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if marks and done >= marks[0]:
            marks.pop(0)
            parent, total_rss = tree_rss(os.getpid())
            samples.append((done, time.perf_counter() - start, parent, total_rss))

    with tempfile.TemporaryDirectory() as tmp:
        sweep(exp, Path(tmp) / "out", workers=workers, progress=progress)
        size = sum(p.stat().st_size for p in (Path(tmp) / "out").rglob("*") if p.is_file())
    wall = time.perf_counter() - start
    print(
        f"{runs} runs of the default scenario on {workers} workers: {wall:.1f} s, {runs / wall:.2f} runs/s, "
        f"{size / 1e6:.1f} MB on disk"
    )
    print("| runs done | elapsed s | runs/s | sweep process RSS MB | sweep + workers RSS MB |")
    print("|---|---|---|---|---|")
    for done, t, parent, total_rss in samples:
        print(f"| {done} | {t:.1f} | {done / t:.2f} | {parent:.0f} | {total_rss:.0f} |")


if __name__ == "__main__":
    main()
