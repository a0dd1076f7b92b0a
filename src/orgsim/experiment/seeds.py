"""Per-run seeds, fixed before dispatch so results never depend on workers or order."""

from __future__ import annotations

import numpy as np


def run_seed(base_seed: int, index: int) -> int:
    """The seed of run ``index`` of an experiment seeded with ``base_seed``.

    Derived with :class:`numpy.random.SeedSequence`, so runs are independent streams and the
    same (base seed, index) always gives the same seed.
    """
    return int(np.random.SeedSequence([base_seed, index]).generate_state(1, dtype=np.uint32)[0])
