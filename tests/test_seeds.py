"""One seed-to-stream rule: a comparison's replication r is the single run with seed r."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from orgsim.analyses.compare import compare
from orgsim.errors import InputError
from orgsim.experiment.seeds import MAX_EXPERIMENT_SEED, RUNS_PER_SEED, run_seed
from orgsim.model.simulate import simulate

DAYS = 40
COLD = {"horizon.warmup_days": 0}  # the rule is about seeds, not the going-concern start


def test_compare_replication_r_is_the_single_run_with_seed_r():
    comparison = compare(["separate"], reps=3, seed=0, days=DAYS, workers=1)
    for r, result in enumerate(comparison.results):
        alone = simulate("separate", seed=r, days=DAYS)
        assert result.seed == r
        assert result.metrics == alone.metrics


def test_experiment_seeds_give_disjoint_runs():
    first = {run_seed(0, i) for i in range(1000)}
    second = {run_seed(1, i) for i in range(1000)}
    assert not first & second
    assert run_seed(1, 0) == RUNS_PER_SEED
    assert run_seed(MAX_EXPERIMENT_SEED, RUNS_PER_SEED - 1) < 2**63


@pytest.mark.parametrize("bad", [-1, MAX_EXPERIMENT_SEED + 1, True])
def test_an_experiment_seed_out_of_range_is_refused(bad):
    with pytest.raises(InputError, match="--seed"):
        run_seed(bad, 0)


def test_single_run_seeds_and_another_experiments_seeds_describe_the_same_company():
    """Seeds 0..19 (= compare's first 20 replications) vs experiment seed 1's first 20 runs.

    The defect this guards against: derived seeds whose draws correlate with the streams they
    drive give a different company on average. With independent streams the two samples of
    one-year-like runs differ only by chance (Welch's t-test, and the spread alike).
    """
    def mqls(seed: int) -> float:
        return simulate("separate", seed=seed, days=DAYS, overrides=COLD).metrics["mqls"]

    mine = np.array([mqls(s) for s in range(20)])
    other = np.array([mqls(run_seed(1, r)) for r in range(20)])
    assert stats.ttest_ind(mine, other, equal_var=False).pvalue > 0.001
    assert stats.levene(mine, other).pvalue > 0.001
