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
