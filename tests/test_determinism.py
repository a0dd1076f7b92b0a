"""Reproducibility: same scenario and seed give identical numbers, whatever the workers."""

from __future__ import annotations

import pytest

from orgsim import compare, simulate
from orgsim.model.metrics import measure
from orgsim.model.model import OrgModel


def test_same_seed_same_numbers(small):
    a = simulate(small, seed=11, series=True)
    b = simulate(small, seed=11, series=True)
    assert a.flat() == b.flat()
    assert a.series.equals(b.series)


def test_different_seeds_differ(small):
    a = simulate(small, seed=1).flat()
    b = simulate(small, seed=2).flat()
    assert a != b
    assert a["ledger.created"] != b["ledger.created"] or a["revenue"] != b["revenue"]


def test_compare_is_identical_for_one_and_two_workers(small):
    one = compare([small, "merged"], reps=3, workers=1, days=30).runs()
    two = compare([small, "merged"], reps=3, workers=2, days=30).runs()
    assert one.equals(two)


def test_replication_seeds_are_shared_across_scenarios(small):
    runs = compare([small, "aligned"], reps=2, days=10, workers=1).runs()
    seeds = runs.groupby("scenario")["seed"].apply(list)
    assert seeds.iloc[0] == seeds.iloc[1]  # common random numbers


def test_keeping_the_series_changes_no_measure(small):
    """The per-day series is only collected when asked for; what a run measures is the same either way."""
    kept = simulate(small, seed=5, series=True)
    plain = simulate(small, seed=5)
    assert plain.series is None and len(kept.series) == small.horizon.days
    assert kept.flat() == plain.flat()


def test_a_model_that_kept_no_series_cannot_report_one(small):
    model = OrgModel(small, seed=1, series=False).run(5)
    assert measure(model).metrics["revenue"] >= 0
    with pytest.raises(ValueError, match="series=True"):
        measure(model, series=True)
