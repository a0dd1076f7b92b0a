"""Shared fixtures: small scenarios that keep the suite fast."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from orgsim import compare, load_scenario
from tiny_sweeps import SOBOL, TINY, TINY_SERIES, write

# pytest-xdist workers inherit COLUMNS=80/LINES=24; the CLI honours COLUMNS off a terminal, so
# in-process CLI tests would wrap at 80 under -n 2 and not alone. Tests that want a width set it.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

# -- order: the longest files first, so two xdist workers (``--dist loadfile --no-loadscope-reorder``
# in pyproject) finish together instead of one running a long file alone at the end: each worker
# takes the next file when it is nearly done with its own (longest-processing-time-first). Ranked
# by seconds summed per file (`uv run pytest --durations=0`, 2 cores, 2026-12-03, after the one-worker
# change); files not listed are short and run after
# these in collection order. Only the order changes: every test runs.
HEAVY_FILES = (
    "test_mechanisms.py",
    "test_directions.py",
    "test_report.py",
    "test_sweep.py",
    "test_exhibit_agreement.py",
    "test_sweep_exhibits.py",
    "test_assumptions.py",
    "test_progress.py",
    "test_answers.py",
    "test_dashboard.py",
    "test_cli_outputs.py",
    "test_outputs.py",
    "test_benchmarks.py",
    "test_terminal_text.py",
    "test_calibration.py",
    "test_charts.py",
    "test_tornado.py",
    "test_decide.py",
    "test_validate.py",
    "test_currency.py",
    "test_golden.py",
    "test_storage_damage.py",
    "test_market_budget.py",
    "test_market.py",
    "test_native.py",
    "test_customers.py",
    "test_determinism.py",
    "test_seeds.py",
    "test_calibrate.py",
    "test_paired.py",
)


def pytest_collection_modifyitems(config, items):
    """Put the files of :data:`HEAVY_FILES` first, longest first; keep the order inside each file."""
    rank = {name: i for i, name in enumerate(HEAVY_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


SMALL = {"market.prospects": 3000, "horizon.days": 80, "sales.headcount": 4, "marketing.headcount": 2}


@pytest.fixture
def small():
    """A small separate-structure scenario (3,000 prospects, 80 days)."""
    return load_scenario("separate", SMALL)


def mean_of(scenario, measure: str, reps: int = 8, **overrides) -> float:
    """Mean of one measure over seeded replications of a scenario with overrides.

    One worker: the runs are the same on any number (the seed rule), and a pool inside an xdist
    worker only adds start-up and puts four processes on two cores.
    """
    sc = load_scenario(scenario, overrides or None) if isinstance(scenario, str) else scenario
    if overrides and not isinstance(scenario, str):
        sc = scenario.with_overrides(overrides)
    runs = compare([sc], reps=reps, workers=1).runs()
    return float(np.mean(runs[measure]))


# -- sweeps shared by the tests that only read them (copy_sweep for those that change them) ----
def _swept(tmp_path_factory, text: str, name: str, workers: int) -> Path:
    from orgsim.experiment.sweep import sweep

    tmp = tmp_path_factory.mktemp(name)
    old = os.umask(0o022)  # as on a shared team machine: test_sweep checks the files are 0644
    try:
        return sweep(write(tmp, text), tmp / "out", workers=workers)
    finally:
        os.umask(old)


@pytest.fixture(scope="session")
def tiny_sweep(tmp_path_factory) -> Path:
    """``tiny_sweeps.TINY`` (18 runs) swept on one worker under umask 022: its folder."""
    return _swept(tmp_path_factory, TINY, "tiny", workers=1)


@pytest.fixture(scope="session")
def tiny_series_sweep(tmp_path_factory) -> Path:
    """``tiny_sweeps.TINY`` with series, swept on two workers: its folder."""
    return _swept(tmp_path_factory, TINY_SERIES, "tiny_series", workers=2)


@pytest.fixture(scope="session")
def sobol_sweep(tmp_path_factory) -> Path:
    """``tiny_sweeps.SOBOL`` (16 runs) swept on one worker: its folder."""
    return _swept(tmp_path_factory, SOBOL, "sobol", workers=1)
