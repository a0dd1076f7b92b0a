"""Confidence intervals stay within the values a measure can take, and say how they are made."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orgsim.experiment.stats import CI_METHOD, bounds, mean_ci, measure_ci


@pytest.mark.parametrize(
    ("measure", "values"),
    [
        ("leakage_rate", [0.002, 0.026]),
        ("win_rate", [0.0, 0.9, 0.95]),
        ("mqls", [4.0, 250.0]),
        ("leaked.too_late", [0.0, 3.0]),
        ("friction_index", [1.0, 95.0, 99.0]),
        ("revenue", [0.0, 1e6]),
    ],
)
def test_intervals_of_bounded_measures_stay_possible(measure, values):
    lo_bound, hi_bound = bounds(measure)
    mean, lo, hi = measure_ci(values, measure)
    assert lo_bound <= lo <= mean <= hi <= hi_bound
    t_mean, t_lo, t_hi = mean_ci(values)
    assert mean == t_mean and (t_lo < lo_bound or t_hi > hi_bound)  # the plain t interval would not


def test_a_cut_interval_keeps_the_t_interval_inside_the_range():
    values = [0.30, 0.34, 0.41, 0.37]
    assert measure_ci(values, "win_rate") == mean_ci(values)


def test_signed_and_unknown_measures_are_not_cut():
    assert bounds("contribution") == (-math.inf, math.inf)
    assert bounds("something_new") == (-math.inf, math.inf)
    mean, lo, hi = measure_ci([-5.0, 1.0], "contribution")
    assert lo < -5 and hi > 1


def test_coverage_is_not_lost_by_the_cut():
    """Nominal 95%: over many small samples of a share near 0, the cut interval covers as often."""
    rng = np.random.default_rng(0)
    true = 0.02
    covered = plain = 0
    for _ in range(2000):
        x = rng.beta(0.5, 0.5 / true - 0.5, size=3)
        _, lo, hi = measure_ci(x, "leakage_rate")
        _, plo, phi = mean_ci(x)
        covered += lo <= true <= hi
        plain += plo <= true <= phi
    assert covered == plain


def test_the_method_is_stated():
    assert "Student-t" in CI_METHOD and "cut" in CI_METHOD
