"""Experimental designs: which factor values to run.

One small verb per design, in SALib's spirit: ``sample(experiment) -> [ {key: value}, ... ]``.
``factorial`` crosses every level; ``lhs`` is a Latin hypercube (one stratum per sample and
factor); ``sobol`` is Saltelli's sample for Sobol indices and ``morris`` a set of elementary-
effect trajectories, both from SALib so that ``SALib.analyze`` reads the results in order.
Categorical factors (e.g. the structure) are sampled as an index over their levels.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from orgsim.experiment.experiment import Experiment, Factor

DESIGNS = ("factorial", "lhs", "sobol", "morris")


def salib_problem(factors: list[Factor]) -> dict[str, Any]:
    """The SALib problem for factors: numeric ranges, or [0, n levels) for level lists."""
    bounds = [
        [0.0, float(len(f.levels))] if f.levels is not None else [float(f.lo), float(f.hi)] for f in factors
    ]
    return {"num_vars": len(factors), "names": [f.key for f in factors], "bounds": bounds}


def _value(factor: Factor, x: float) -> Any:
    """A sampled coordinate as the factor's value (level, rounded integer or float)."""
    if factor.levels is not None:
        index = min(int(x), len(factor.levels) - 1)
        return _native(factor.levels[index])
    return int(round(x)) if factor.integer else float(x)


def _native(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _rows(factors: list[Factor], matrix: np.ndarray) -> list[dict[str, Any]]:
    return [{f.key: _value(f, x) for f, x in zip(factors, row, strict=True)} for row in matrix]


def factorial(exp: Experiment) -> list[dict[str, Any]]:
    """Every combination of every factor's levels, the first factor varying slowest."""
    if not exp.factors:
        return [{}]
    grids = [f.levels for f in exp.factors]
    return [
        {f.key: _native(v) for f, v in zip(exp.factors, combo, strict=True)}
        for combo in itertools.product(*grids)
    ]


def lhs(exp: Experiment) -> list[dict[str, Any]]:
    """A Latin hypercube of ``samples`` points, seeded from the experiment seed."""
    rng = np.random.default_rng(np.random.SeedSequence([exp.seed, 0x1A5]))
    n = exp.samples
    problem = salib_problem(exp.factors)
    cols = []
    for lo, hi in problem["bounds"]:
        u = (rng.permutation(n) + rng.random(n)) / n
        cols.append(lo + u * (hi - lo))
    return _rows(exp.factors, np.column_stack(cols))


def sobol(exp: Experiment) -> list[dict[str, Any]]:
    """Saltelli's sample: ``samples × (2D + 2)`` points with second order, else ``× (D + 2)``."""
    from SALib.sample import sobol as saltelli

    problem = salib_problem(exp.factors)
    matrix = saltelli.sample(problem, exp.samples, calc_second_order=exp.calc_second_order, seed=exp.seed)
    return _rows(exp.factors, matrix)


def morris(exp: Experiment) -> list[dict[str, Any]]:
    """``samples`` Morris trajectories of ``D + 1`` points on a ``num_levels`` grid."""
    from SALib.sample import morris as morris_sample

    problem = salib_problem(exp.factors)
    matrix = morris_sample.sample(problem, exp.samples, num_levels=exp.num_levels, seed=exp.seed)
    return _rows(exp.factors, matrix)


def sample(exp: Experiment) -> list[dict[str, Any]]:
    """The design points of an experiment, in the sampler's order."""
    return {"factorial": factorial, "lhs": lhs, "sobol": sobol, "morris": morris}[exp.design](exp)
