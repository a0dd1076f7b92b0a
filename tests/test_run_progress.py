"""`orgsim run` reports an estimate and progress for a long run; progress never changes a result."""

from __future__ import annotations

from orgsim import simulate
from orgsim.cli import core
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
    assert "about 200 s for 100 business days" in capsys.readouterr().err
    quick = core.DayProgress(quiet=True)
    quick.update(1, 100)
    quick.stop()
    assert capsys.readouterr().err == ""
