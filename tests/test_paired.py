"""Paired differences: the statistic itself, and why pairing by seed matters on real runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import SMALL
from orgsim import compare, load_scenario
from orgsim.experiment.stats import mean_ci, paired_difference, unpaired_difference


def test_paired_difference_is_the_mean_and_t_interval_of_the_differences():
    rng = np.random.default_rng(3)
    a = rng.normal(10, 3, 12)
    b = a + rng.normal(1, 0.5, 12)
    diff = paired_difference(a, b)
    mean, low, high = mean_ci(b - a)
    assert (diff.mean, diff.ci_low, diff.ci_high, diff.n) == pytest.approx((mean, low, high, 12))
    assert diff.ci_low < diff.mean < diff.ci_high


def test_pairs_with_a_missing_side_are_dropped_and_unequal_runs_refused():
    diff = paired_difference([1.0, 2.0, math.nan, 4.0], [2.0, 4.0, 5.0, 5.0])
    assert diff.n == 3 and diff.mean == pytest.approx((1 + 2 + 1) / 3)
    with pytest.raises(ValueError, match="equal-length"):
        paired_difference([1.0, 2.0], [1.0])


def test_sign_and_clear_follow_the_interval():
    up = paired_difference([0.0] * 6, [1.0, 1.1, 0.9, 1.0, 1.2, 0.8])
    assert up.sign == 1 and up.clear
    down = paired_difference([1.0, 1.1, 0.9, 1.0, 1.2, 0.8], [0.0] * 6)
    assert down.sign == -1 and down.clear
    none = paired_difference([0.0] * 6, [1.0, -1.0, 0.5, -0.5, 0.2, -0.2])
    assert none.sign == 0 and not none.clear


def test_paired_ci_is_narrower_than_unpaired_on_the_same_runs():
    # replication r of both arms starts from the same seed (common random numbers); the second
    # arm values an hour of friction higher, which changes cost and contribution but no
    # behaviour, so the seed-to-seed noise cancels in the paired difference
    base = load_scenario("separate", SMALL)
    dearer = base.with_overrides({"costs.hourly_rate": 200}).model_copy(update={"name": "dearer"})
    runs = compare([base, dearer], reps=8, workers=1).runs()
    a = runs[runs["scenario"] == base.name].sort_values("replicate")
    b = runs[runs["scenario"] == "dearer"].sort_values("replicate")
    assert list(a["seed"]) == list(b["seed"])  # common random numbers
    for measure in ("cost", "contribution"):
        paired = paired_difference(a[measure], b[measure])
        unpaired = unpaired_difference(a[measure], b[measure])
        assert paired.mean == pytest.approx(unpaired.mean)
        assert paired.ci_high - paired.ci_low < unpaired.ci_high - unpaired.ci_low, measure
