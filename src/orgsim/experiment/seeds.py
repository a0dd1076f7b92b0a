"""Per-run seeds, fixed before dispatch so results never depend on workers or order.

One rule for every entry point: run ``i`` of an experiment seeded with ``S`` (replication ``i``
of ``compare``, ``validate``, ``explain``, ``claims``, ``tornado``, ``calibrate``; sweep run
index ``i``) uses the run seed ``S * 2^32 + i``. So with the default experiment seed 0,
replication ``r`` *is* ``orgsim run --seed r`` (``simulate(..., seed=r)``): a single run and a
comparison describe the same company, run for run. Different experiment seeds give disjoint run
seeds (up to 2^32 runs each).

Inside a run, every random stream is derived from the run seed by
:class:`numpy.random.SeedSequence`, which spreads adjacent integers into unrelated states
(its purpose): the market's make-up and daily draws (``numpy.random.default_rng(seed)``, with
spawned children per process) and each lead's luck (``SeedSequence([0x1EAD, seed])``, see
:mod:`orgsim.model.luck`). Earlier versions hashed ``(S, i)`` with ``SeedSequence`` into a
32-bit seed; that was sound too, but no single run reproduced a comparison's replication, so
one run and a comparison looked like two companies.
"""

from __future__ import annotations

import numpy as np

from orgsim.errors import InputError

RUNS_PER_SEED = 2**32  # run indices per experiment seed before the next seed's runs begin
MAX_EXPERIMENT_SEED = 2**31 - 1  # so every run seed stays below 2^63


def run_seed(base_seed: int, index: int) -> int:
    """The seed of run ``index`` of an experiment seeded with ``base_seed``: ``base * 2^32 + index``."""
    if isinstance(base_seed, bool) or not 0 <= base_seed <= MAX_EXPERIMENT_SEED:
        allowed = f"use an integer in [0, {MAX_EXPERIMENT_SEED:,}]"
        raise InputError(f"--seed: {base_seed!r} is not allowed; {allowed}")
    if not 0 <= index < RUNS_PER_SEED:
        raise InputError(f"run index {index} is not allowed; an experiment holds at most 2^32 runs")
    return base_seed * RUNS_PER_SEED + index


def sampler_seed(base_seed: int, batch: int) -> int:
    """A 32-bit seed for a search's sampler (optuna's TPE), batch ``batch`` of experiment ``base_seed``.

    Apart from run seeds: it decides which parameter values are tried, not a run's luck.
    """
    return int(np.random.SeedSequence([base_seed, 0x5A3, batch]).generate_state(1, dtype=np.uint32)[0])
