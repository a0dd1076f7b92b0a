"""Progress off a terminal: a plain line every few seconds (logs, CI, nohup).

On a terminal the commands show a rich bar; elsewhere a bar would be noise, and silence makes a
long command look hung, so :class:`PlainProgress` prints ``label: done/total (pct), rate, ETA``
at most every ``every`` seconds (default 5, or ``ORGSIM_PROGRESS_SECONDS``), and a last line when the
work completes; a command done within the first interval prints nothing.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class PlainProgress:
    """Prints progress lines to ``stream`` (stderr), throttled to one per ``every`` seconds."""

    def __init__(
        self, label: str, unit: str = "runs", every: float | None = None, stream: TextIO | None = None
    ) -> None:
        self.label = label
        self.unit = unit
        self.every = float(os.environ.get("ORGSIM_PROGRESS_SECONDS", 5.0)) if every is None else every
        self.stream = stream
        self.start = time.monotonic()
        self.last = self.start
        self.first_done: int | None = None
        self.finished = False
        self.printed = False  # a line was printed: the completion line follows, whenever it comes

    def update(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` (prints only when due, or when complete)."""
        now = time.monotonic()
        if self.first_done is None:
            self.first_done = done
        complete = total > 0 and done >= total
        due = now - self.last >= self.every or (complete and self.printed)
        if self.finished or not due:  # a quick command stays silent; a reported one says "done"
            self.finished = self.finished or complete
            return
        self.printed = True
        self.last = now
        self.finished = complete
        elapsed = now - self.start
        rate = (done - self.first_done) / elapsed if elapsed > 0 else 0.0
        pct = f" ({100 * done / total:.0f}%)" if total else ""
        line = f"{self.label}: {done:,}/{total:,} {self.unit}{pct}"
        if rate > 0:  # unknown until something finished after the first report
            line += f", {rate:.1f} {self.unit}/s"
        if complete:
            line += f", done in {_duration(elapsed)}"
        elif rate > 0:
            line += f", about {_duration((total - done) / rate)} left"
        print(line, file=self.stream or sys.stderr, flush=True)


def display(
    label: str, unit: str = "runs", quiet: bool = False
) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """The one progress display of every command: ``(update(done, total), stop())``.

    On a terminal a rich bar on stderr (done/total, rate, time left; removed when stopped); off
    a terminal a :class:`PlainProgress` line every few seconds; nothing when ``quiet``.
    """
    if quiet:
        return (lambda done, total: None), (lambda: None)
    if not sys.stderr.isatty():
        return PlainProgress(label, unit=unit).update, (lambda: None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} " + unit + "/s"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(label, total=None, rate="-")
    state: dict[str, float | int | None] = {"t0": None, "n0": 0}
    bar.start()

    def update(done: int, total: int) -> None:
        if state["t0"] is None:
            state["t0"], state["n0"] = time.monotonic(), done
        elapsed = time.monotonic() - float(state["t0"] or 0.0)
        rate = (done - int(state["n0"] or 0)) / elapsed if elapsed > 0 else 0.0
        bar.update(task, completed=done, total=total or None, rate=f"{rate:.1f}")

    return update, bar.stop
