"""Off a terminal, slow commands print plain progress lines; dry runs time a sample of missing runs."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

from orgsim.experiment.experiment import parse_experiment
from orgsim.experiment.storage import load_runs
from orgsim.experiment.sweep import estimate, sweep
from orgsim.progress import PlainProgress

SMALL = {"scenarios": ["aligned"], "replications": 6, "days": 5, "set": {"market.prospects": 400}}


def test_plain_progress_is_throttled_and_quick_work_is_silent():
    stream = io.StringIO()
    bar = PlainProgress("sweep", every=3600, stream=stream)
    for done in range(1, 11):
        bar.update(done, 10)
    assert stream.getvalue() == ""  # done within the first interval: nothing to say
    every = io.StringIO()
    eager = PlainProgress("sweep", every=0, stream=every)
    for done in range(1, 5):
        eager.update(done, 4)
    eager.update(4, 4)
    lines = every.getvalue().splitlines()
    assert len(lines) == 4 and "left" in lines[1]
    assert lines[-1].startswith("sweep: 4/4 runs (100%)") and "done in" in lines[-1]


def test_a_reported_command_always_says_when_it_is_done(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr("orgsim.progress.time.monotonic", lambda: clock[0])
    stream = io.StringIO()
    bar = PlainProgress("explain", every=5, stream=stream)
    clock[0] = 6.0
    bar.update(1, 64)  # due: the first line
    clock[0] = 7.0
    bar.update(63, 64)  # not due yet
    clock[0] = 8.0
    bar.update(64, 64)  # complete, 2 s after the last line: still said
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("explain: 1/64 runs") and len(lines) == 2
    assert lines[1].startswith("explain: 64/64 runs (100%)") and "done in 8 s" in lines[1]


def test_one_worker_runs_tasks_as_their_results_are_asked_for():
    from orgsim.experiment.executors import InlineExecutor

    ran: list[int] = []

    def task(i: int) -> int:
        ran.append(i)
        return i * i

    results = InlineExecutor().map(task, range(5))
    assert ran == []  # nothing runs before the first result is wanted
    assert next(results) == 0 and ran == [0]  # so progress arrives run by run, not all at the end
    assert list(results) == [1, 4, 9, 16] and ran == [0, 1, 2, 3, 4]


def off_a_terminal(*args: str) -> subprocess.CompletedProcess:
    """``orgsim ARGS`` with its output captured (not a terminal), progress lines due at once."""
    return subprocess.run(
        [sys.executable, "-m", "orgsim", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "ORGSIM_PROGRESS_SECONDS": "0"},
    )


def test_a_sweep_off_a_terminal_prints_progress_lines(tmp_path):
    exp = tmp_path / "e.toml"
    exp.write_text('scenarios = ["aligned"]\nreplications = 3\ndays = 5\n[set]\n"market.prospects" = 400\n')
    done = off_a_terminal("sweep", str(exp), "--out", str(tmp_path / "o"), "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "sweep: 3/3 runs (100%)" in done.stderr


def test_calibration_off_a_terminal_prints_progress_lines(tmp_path):
    (tmp_path / "tiny.toml").write_text('name = "tiny"\nstructure = "separate"\n[horizon]\ndays = 10\n')
    targets = tmp_path / "targets.toml"
    targets.write_text(
        'scenario = "tiny.toml"\n[targets]\n"never_responded_share" = 0.05\n'
        '[parameters]\n"sales.fit_min" = [0.0, 0.6]\n'
    )
    args = ("calibrate", str(targets), "--out", str(tmp_path / "cal"), "--trials", "2", "--reps", "1")
    done = off_a_terminal(*args, "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "calibrate: 2/2 trials (100%)" in done.stderr


def test_the_dry_run_counts_only_missing_runs(tmp_path):
    exp = parse_experiment(SMALL)
    whole = estimate(exp, workers=1)
    assert whole.missing == whole.runs == 6 and 1 <= whole.sampled <= 6 and whole.seconds > 0
    out = tmp_path / "o"
    sweep(exp, out, workers=1)
    assert estimate(exp, 1, out).missing == 0
    # keep the first of two parts: half the runs are missing again
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert len(parts) == 1
    rows = load_runs(out)
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts[0].unlink()
    pq.write_table(
        pa.Table.from_pandas(rows.iloc[:2], preserve_index=False), out / "runs" / "part-000000.parquet"
    )
    part_guess = estimate(exp, 1, out)
    assert part_guess.missing == 4


def test_the_dry_run_json_says_what_it_timed(tmp_path, capsys):
    from orgsim.cli import main

    toml = tmp_path / "e.toml"
    toml.write_text('scenarios = ["aligned"]\nreplications = 6\ndays = 5\n[set]\n"market.prospects" = 400\n')
    main(["sweep", str(toml), "--out", str(tmp_path / "new"), "--dry-run", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["runs"] == data["missing_runs"] == 6 and data["sampled_runs"] >= 1 and data["estimate_s"] > 0
    assert not (tmp_path / "new").exists()  # a dry run writes nothing


def on_a_terminal(*args: str, columns: int = 100) -> tuple[int, str]:
    """Run ``python -m orgsim ARGS`` in a pseudo-terminal ``columns`` wide: (exit code, what it showed)."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    main_fd, tty_fd = pty.openpty()
    fcntl.ioctl(tty_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "orgsim", *args],
        stdin=tty_fd,
        stdout=tty_fd,
        stderr=tty_fd,
        env={**os.environ, "COLUMNS": str(columns)},
        start_new_session=True,
    )
    os.close(tty_fd)
    shown = b""
    while select.select([main_fd], [], [], 300)[0]:
        try:
            data = os.read(main_fd, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not data:
            break
        shown += data
    os.close(main_fd)
    return proc.wait(timeout=60), shown.decode(errors="replace")


def test_a_progress_bar_on_a_terminal_runs_and_goes():
    code, shown = on_a_terminal("compare", "aligned", "separate", "--reps", "2", "--days", "3")
    assert code == 0, shown
    assert "Traceback" not in shown and "Error" not in shown
    assert "paired difference to aligned" in shown


def test_the_dry_run_counts_only_the_cores_other_work_leaves_free(monkeypatch):
    """Two workers on two cores that other work keeps busy run about as fast as one.

    The forecast divides the runs' time by the workers that can run at once at full speed:
    min(workers, cores free by the load average), at least 1 (measured: a 24-run sweep on 2
    busy cores took 32 s; estimated 16 s before, 26 s with the load counted).
    """
    import orgsim.experiment.sweep as sweep_module

    exp = parse_experiment(SMALL)
    monkeypatch.setattr(sweep_module, "default_workers", lambda: 2)
    monkeypatch.setattr(sweep_module.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(sweep_module.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    idle = estimate(exp, workers=2)
    monkeypatch.setattr(sweep_module.os, "getloadavg", lambda: (3.5, 3.5, 3.5))
    busy = estimate(exp, workers=2)
    assert (idle.free_cores, busy.free_cores) == (2.0, 1.0) and idle.workers == busy.workers == 2
    startup = 2.0
    assert idle.seconds == startup + idle.run_seconds * 6 / 2
    assert busy.seconds == startup + busy.run_seconds * 6 / 1
    # a container slice of a bigger host: the host's load says nothing about our cores
    monkeypatch.setattr(sweep_module.os, "cpu_count", lambda: 64)
    assert estimate(exp, workers=2).free_cores == 2.0
