"""Experimental designs: the swept factors (:class:`Factor`) and which of their values to run.

One small verb per design, in SALib's spirit: ``matrix(design, factors)`` gives the sampled
coordinates (SALib's ``X``) and ``points(design, factors)`` the same rows as factor values.
``factorial`` crosses every level; ``lhs`` is a Latin hypercube (one stratum per sample and
factor); ``sobol`` is Saltelli's sample for Sobol indices and ``morris`` a set of elementary-
effect trajectories, both from SALib so that ``SALib.analyze`` reads the results in order.
Categorical factors (e.g. the structure) are sampled as a coordinate in ``[0, n levels)``
whose integer part picks the level. Every design is seeded, so its points never change.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from orgsim.params import PARAMETERS

DESIGNS = ("factorial", "lhs", "sobol", "morris")
MAX_POINTS = 100_000  # design points of one experiment: the sampled matrix and the points stay small


@dataclass(frozen=True)
class Factor:
    """One swept parameter: a list of levels, or a numeric range ``[lo, hi]`` for sampling designs.

    ``key`` is a dotted parameter key (as ``--set`` takes) or ``structure``; values carry the
    parameter's unit (see ``orgsim show``).
    """

    key: str
    levels: tuple[Any, ...] | None = None
    lo: float | None = None
    hi: float | None = None

    @property
    def categorical(self) -> bool:
        """True when values are names (e.g. the structure), not numbers."""
        return self.levels is not None and any(isinstance(v, str | bool) for v in self.levels)

    @property
    def kind(self) -> str:
        """``categorical``, ``integer`` or ``real``: how the factor is sampled and stored."""
        if self.categorical:
            return "categorical"
        return "integer" if self.integer else "real"

    @property
    def integer(self) -> bool:
        """True for integer parameters: sampled values are rounded."""
        spec = PARAMETERS.get(self.key)
        return spec is not None and spec.type == "int"

    def as_dict(self) -> dict[str, Any]:
        """The factor as it appears in the manifest."""
        if self.levels is not None:
            return {"levels": list(self.levels)}
        return {"range": [self.lo, self.hi]}



@dataclass(frozen=True)
class Design:
    """How design points are drawn: the method, its sample size and its seed.

    ``samples`` is the number of points for ``lhs``, the base sample N for ``sobol``
    (N x (D + 2) points, or N x (2D + 2) with second-order indices) and the number of
    trajectories for ``morris`` (N x (D + 1) points on a ``num_levels`` grid).
    """

    name: str = "factorial"
    samples: int = 0
    seed: int = 0
    num_levels: int = 4
    calc_second_order: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Design:
        """The design recorded in a manifest's experiment."""
        return cls(
            name=str(data.get("design", "factorial")),
            samples=int(data.get("samples") or 0),
            seed=int(data.get("seed") or 0),
            num_levels=int(data.get("num_levels") or 4),
            calc_second_order=bool(data.get("calc_second_order", False)),
        )

    def count(self, factors: list[Factor]) -> int:
        """Number of design points for ``factors``, computed without sampling them."""
        if not factors:
            return 1
        if self.name == "factorial":
            return math.prod(len(f.levels or ()) for f in factors)
        return self.size(len(factors))

    def size(self, n_factors: int) -> int:
        """Number of design points for ``n_factors`` factors (factorial: see :func:`points`)."""
        if self.name == "lhs":
            return self.samples
        if self.name == "sobol":
            return self.samples * ((2 * n_factors + 2) if self.calc_second_order else (n_factors + 2))
        if self.name == "morris":
            return self.samples * (n_factors + 1)
        raise ValueError(f"size of a {self.name} design depends on its levels")


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


def _factorial(design: Design, factors: list[Factor]) -> np.ndarray:
    """Level indices of every combination, the first factor varying slowest."""
    grids = [range(len(f.levels or ())) for f in factors]
    return np.array(list(itertools.product(*grids)), dtype=float).reshape(-1, len(factors))


def _lhs(design: Design, factors: list[Factor]) -> np.ndarray:
    """A Latin hypercube of ``samples`` points (scipy's): each factor's range cut into as many strata."""
    from scipy.stats import qmc

    bounds = np.array(salib_problem(factors)["bounds"], dtype=float).reshape(-1, 2)
    if not len(bounds):
        return np.empty((design.samples, 0))
    rng = np.random.default_rng(np.random.SeedSequence([design.seed, 0x1A5]))
    unit = qmc.LatinHypercube(d=len(bounds), rng=rng).random(design.samples)
    return qmc.scale(unit, bounds[:, 0], bounds[:, 1])


def _sobol(design: Design, factors: list[Factor]) -> np.ndarray:
    """Saltelli's sample (SALib), scrambled Sobol' sequence seeded by the design."""
    from SALib.sample import sobol as saltelli

    return saltelli.sample(
        salib_problem(factors),
        design.samples,
        calc_second_order=design.calc_second_order,
        seed=design.seed,
    )


def _morris(design: Design, factors: list[Factor]) -> np.ndarray:
    """``samples`` Morris trajectories (SALib) on a ``num_levels`` grid."""
    from SALib.sample import morris as morris_sample

    return morris_sample.sample(
        salib_problem(factors), design.samples, num_levels=design.num_levels, seed=design.seed
    )


SAMPLERS = {"factorial": _factorial, "lhs": _lhs, "sobol": _sobol, "morris": _morris}


def matrix(design: Design, factors: list[Factor]) -> np.ndarray:
    """The sampled coordinates, one row per design point (SALib's ``X``)."""
    if not factors:
        return np.empty((1, 0))
    return SAMPLERS[design.name](design, factors)


def points(design: Design, factors: list[Factor]) -> list[dict[str, Any]]:
    """The design points as ``{dotted key: value}``, in the sampler's order."""
    if not factors:
        return [{}]
    if design.name == "factorial":  # exact levels, not through floats
        combos = itertools.product(*[f.levels or () for f in factors])
        return [{f.key: _native(v) for f, v in zip(factors, combo, strict=True)} for combo in combos]
    return [
        {f.key: _value(f, x) for f, x in zip(factors, row, strict=True)} for row in matrix(design, factors)
    ]
