"""Designs: the right number of points, in range, seeded, in the order SALib expects."""

from __future__ import annotations

import numpy as np
import pytest

from orgsim.experiment.design import Design, matrix, points, salib_problem
from orgsim.experiment.experiment import Factor, parse_experiment

HEADCOUNT = Factor("sales.headcount", lo=4, hi=20)
HOURS = Factor("sla.response_hours", lo=1, hi=96)
STRUCTURE = Factor("structure", levels=("separate", "merged", "aligned"))
FACTORS = [HEADCOUNT, HOURS, STRUCTURE]


def test_factorial_crosses_levels_first_factor_slowest():
    factors = [
        Factor("structure", levels=("separate", "merged")),
        Factor("sla.response_hours", levels=(1, 4, 8)),
    ]
    got = points(Design("factorial"), factors)
    assert len(got) == 6
    assert got[:3] == [{"structure": "separate", "sla.response_hours": h} for h in (1, 4, 8)]
    assert points(Design("factorial"), []) == [{}]


def test_latin_hypercube_has_one_point_per_stratum():
    got = points(Design("lhs", samples=30, seed=1), FACTORS)
    assert len(got) == 30
    strata = sorted(int((p["sla.response_hours"] - 1) / 95 * 30) for p in got)
    assert strata == list(range(30))
    assert all(isinstance(p["sales.headcount"], int) and 4 <= p["sales.headcount"] <= 20 for p in got)
    assert sorted({p["structure"] for p in got}) == ["aligned", "merged", "separate"]


@pytest.mark.parametrize(
    ("design", "size"),
    [
        (Design("lhs", samples=7), 7),
        (Design("sobol", samples=8), 8 * (3 + 2)),
        (Design("sobol", samples=8, calc_second_order=True), 8 * (2 * 3 + 2)),
        (Design("morris", samples=5), 5 * (3 + 1)),
        (Design("morris", samples=5, num_levels=6), 5 * (3 + 1)),
    ],
)
def test_sampling_designs_have_the_documented_sizes_and_stay_in_range(design, size):
    x = matrix(design, FACTORS)
    assert x.shape == (size, 3) and design.size(3) == size
    bounds = np.array(salib_problem(FACTORS)["bounds"])
    assert (x >= bounds[:, 0]).all() and (x <= bounds[:, 1]).all()
    got = points(design, FACTORS)
    assert len(got) == size
    assert all(p["structure"] in STRUCTURE.levels for p in got)
    assert all(4 <= p["sales.headcount"] <= 20 and 1 <= p["sla.response_hours"] <= 96 for p in got)


@pytest.mark.parametrize("name", ["lhs", "sobol", "morris"])
def test_designs_are_seeded(name):
    design = Design(name, samples=4, seed=3)
    np.testing.assert_array_equal(matrix(design, FACTORS), matrix(design, FACTORS))
    assert not np.array_equal(matrix(design, FACTORS), matrix(Design(name, samples=4, seed=4), FACTORS))


def test_categorical_coordinates_pick_levels_by_their_integer_part():
    x = matrix(Design("morris", samples=6, num_levels=4, seed=1), [STRUCTURE])
    got = points(Design("morris", samples=6, num_levels=4, seed=1), [STRUCTURE])
    expected = [STRUCTURE.levels[min(int(v), 2)] for v in x[:, 0]]
    assert [p["structure"] for p in got] == expected


def test_an_experiment_uses_its_design():
    exp = parse_experiment(
        {
            "design": "sobol",
            "samples": 4,
            "seed": 9,
            "factors": {"sales.headcount": {"range": [4, 20]}, "sla.response_hours": {"range": [1, 96]}},
        }
    )
    assert exp.sampler == Design("sobol", samples=4, seed=9)
    assert exp.points() == points(Design("sobol", samples=4, seed=9), exp.factors)
    assert Design.from_dict(exp.as_dict()) == exp.sampler
