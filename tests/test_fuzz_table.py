"""tests/fuzz_table.py prints the table the note pastes: drawn, finished, the time distribution."""

from __future__ import annotations

import pytest

import fuzz_table
from orgsim.params import PARAMETERS, STRUCTURES


def test_a_draw_covers_every_parameter_within_its_declared_range():
    import numpy as np

    structure, overrides = fuzz_table.uniform_draw(np.random.default_rng(1))
    assert structure in STRUCTURES and set(overrides) == set(PARAMETERS)
    for key, value in overrides.items():
        spec = PARAMETERS[key]
        if spec.choices:
            assert value in spec.choices
        elif spec.type != "bool":
            assert spec.lo <= value <= spec.hi, key


def test_the_table_counts_every_draw_and_gives_the_time_distribution():
    rows = [
        {"structure": "merged", "days": 100, "prospects": 500, "status": "finished", "cpu": 4.0,
         "reached": 100, "per_day": 0.04},
        {"structure": "aligned", "days": 4000, "prospects": 9000, "status": "over the limit",
         "cpu": float("nan"), "reached": 30, "per_day": 1.0},
        {"structure": "separate", "days": 50, "prospects": 50, "status": "failed", "cpu": float("nan")},
    ]  # fmt: skip
    text = fuzz_table.table(rows, cpu=30)
    assert "| valid sets drawn | finished within 30 CPU s | over the limit | failed |" in text
    assert "| 3 | 1 | 1 | 1 |" in text
    assert "| finished runs, CPU s | 4.0 | 4.0 | 4.0 |" in text
    assert "per simulated day (2 draws" in text and "| 0.040 | 0.520 | 1.000 |" in text
    assert "| whole run at that rate, CPU min | 0.1 | 33.4 | 66.7 |" in text  # 1 s a day x 4,000 days


@pytest.mark.parametrize("flag", ["--draws", "--jobs", "--cpu"])
def test_counts_are_limited_before_anything_runs(capsys, flag):
    with pytest.raises(SystemExit) as info:
        fuzz_table.main([flag, "0"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1 and flag in err


def test_the_table_without_the_corners_prints(capsys):
    """--no-corner once failed after every run (no corner rows to name): a 1-CPU-second draw."""
    fuzz_table.main(["--draws", "1", "--cpu", "1", "--jobs", "1", "--no-corner"])
    text = capsys.readouterr().out
    assert "1 uniform draws (seed 0), limit 1 CPU s a run" in text and "corner (" not in text
