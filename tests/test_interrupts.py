"""Ctrl-C anywhere is one line and exit 130; `show` on a loop, a device or a FIFO never hangs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from orgsim.cli import main


def interrupt(args: list[str], after: float, cwd: str | None = None) -> tuple[int, str]:
    """Run orgsim in its own process group, send SIGINT to the group after ``after`` s (Ctrl-C)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "orgsim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=cwd,
    )
    time.sleep(after)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


@pytest.mark.slow  # a fault test: seconds of runs on every worker before the signal
@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_during_compare_is_one_line_and_130(workers):
    code, err = interrupt(
        ["compare", "aligned", "merged", "--reps", "200", "--workers", workers, "--days", "60",
         "--set", "market.prospects=2000", "--quiet"],
        after=6,
    )  # fmt: skip
    assert code == 130, err
    assert err == "orgsim: interrupted\n"


@pytest.mark.slow  # a fault test: seconds of runs on two workers before the signal
def test_ctrl_c_during_a_sweep_is_an_interruption_not_a_failure(tmp_path):
    code, err = interrupt(
        ["sweep", "experiments/sla_response.toml", "--out", str(tmp_path / "sw"), "--workers", "2",
         "--quiet"],
        after=9,
    )  # fmt: skip
    assert code == 130, err
    assert err.startswith("orgsim: interrupted") and err.count("\n") == 1 and "worker" not in err


def show(capsys, path: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(["show", path])
    return int(info.value.code), capsys.readouterr().err


def test_show_refuses_a_symlink_loop_a_device_and_a_fifo_at_once(capsys, tmp_path):
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    for path in (str(loop), "/dev/zero", str(fifo)):
        start = time.monotonic()
        code, err = show(capsys, path)
        assert code == 2 and err.count("\n") == 1 and path in err, err
        assert time.monotonic() - start < 5
