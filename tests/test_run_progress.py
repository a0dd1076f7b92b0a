"""`orgsim run` reports an estimate and progress for a long run; progress never changes a result."""

from __future__ import annotations

import json

import pytest

from orgsim import simulate
from orgsim.cli import core, main
from orgsim.params import Horizon


def test_a_progress_callback_sees_every_day_and_changes_nothing():
    seen: list[tuple[int, int]] = []
    over = {"market.prospects": 500}
    watched = simulate("aligned", seed=3, days=12, overrides=over, progress=lambda d, t: seen.append((d, t)))
    plain = simulate("aligned", seed=3, days=12, overrides=over)
    total = Horizon().warmup_days + 12  # the warm-up's days are simulated too
    assert seen == [(d, total) for d in range(1, total + 1)]
    pairs = zip(watched.flat().values(), plain.flat().values(), strict=True)
    assert all(a == b or (a != a and b != b) for a, b in pairs)  # NaN (undefined) equals NaN


def test_a_long_run_gets_one_estimate_line_and_a_quick_one_none(capsys, monkeypatch):
    clock = iter([0.0, 2.0, 2.0, 2.0])
    monkeypatch.setattr("time.monotonic", lambda: next(clock, 2.0))
    watch = core.DayProgress(quiet=False)
    watch.update(1, 100)  # 2 s for one day of 100: about 200 s
    watch.stop()
    assert "about 3 min for 100 business days (estimated from the first 1); progress below" in (
        capsys.readouterr().err
    )
    quick = core.DayProgress(quiet=True)
    quick.update(1, 100)
    quick.stop()
    assert capsys.readouterr().err == ""


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """``orgsim ARGS`` in-process: (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def every_run_is_long(monkeypatch):
    """Any run counts as long: the probe and the threshold at zero (no assertion on timing)."""
    monkeypatch.setattr(core.DayProgress, "PROBE_S", 0.0)
    monkeypatch.setattr(core.DayProgress, "SHOW_S", 0.0)


TINY = ["run", "aligned", "--days", "5", "--set", "market.prospects=300", "--set", "horizon.warmup_days=3"]


def test_orgsim_run_says_the_estimate_once_then_shows_progress(capsys, every_run_is_long):
    code, out, err = cli(capsys, *TINY)
    assert code == 0, err
    estimates = [line for line in err.splitlines() if "progress below" in line]
    assert len(estimates) == 1 and "for 8 business days" in estimates[0], err  # warm-up + horizon
    assert "progress below" not in out  # the tables on stdout stay as they were


def test_quiet_silences_the_estimate_and_json_is_unchanged_by_it(capsys, every_run_is_long):
    code, quiet_out, quiet_err = cli(capsys, *TINY, "--quiet")
    assert code == 0 and "progress below" not in quiet_err and "simulating" not in quiet_err
    code, loud_json, loud_err = cli(capsys, *TINY, "--json")
    assert code == 0 and "progress below" in loud_err  # the estimate goes to stderr only
    code, quiet_json, _ = cli(capsys, *TINY, "--json", "--quiet")
    assert json.loads(loud_json) == json.loads(quiet_json)  # same run, same seed: same JSON
