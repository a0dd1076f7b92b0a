"""Counts have limits (one-line errors) and a sweep's tasks are made lazily."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc

import pytest

from orgsim import compare
from orgsim.errors import InputError
from orgsim.experiment.design import MAX_POINTS
from orgsim.experiment.experiment import MAX_RUNS, parse_experiment
from orgsim.params import PARAMETERS

# six shares (0..1) of the policy: 10 levels each is 10^6 design points
SIX = [k for k, s in PARAMETERS.items() if k.startswith("policy.") and s.unit == "share" and s.hi == 1.0][:6]


def orgsim(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "orgsim", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_compare_refuses_more_runs_than_it_can_hold_before_running():
    with pytest.raises(InputError, match="--reps: .*at most 100,000"):
        compare(["aligned"], reps=99999999999999999999)
    done = orgsim("compare", "aligned", "merged", "--reps", "99999999999999999999")
    assert done.returncode == 2 and "orgsim sweep" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["run", "compare"])
def test_days_keeps_the_horizon_range(command):
    done = orgsim(command, "aligned", "--days", "100000000")
    assert done.returncode == 2 and "--days: 100000000" in done.stderr and "[1, 2500]" in done.stderr
    assert orgsim(command, "aligned", "--days", "0").returncode == 2
    with pytest.raises(InputError, match="--days"):
        compare(["aligned"], reps=1, days=5001)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"replications": 10**12}, r"replications: Input should be less .* \(got 1000000000000\)"),
        ({"design": "lhs", "samples": 2**40, "factors": {"sales.headcount": {"range": [2, 9]}}}, "samples"),
        ({"design": "sobol", "samples": 2**16, "factors": {"sales.headcount": {"range": [2, 9]}}},
         "design points"),
        ({"replications": 4_000_000, "factors": {"structure": {"levels": ["merged", "aligned", "separate"]}}},
         "runs; at most"),
        ({"factors": {k: {"levels": [0.1 * i for i in range(1, 11)]} for k in SIX}},
         "design points"),
    ],
)  # fmt: skip
def test_experiment_counts_are_limited_before_sampling(entries, message):
    tracemalloc.start()
    with pytest.raises(InputError, match=message):
        parse_experiment({"scenarios": ["aligned"], **entries}, source="exp.toml")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50e6  # refused before any sample was drawn


def test_dry_run_of_a_huge_replication_count_is_one_line(tmp_path):
    exp = tmp_path / "big.toml"
    exp.write_text('scenarios = ["aligned"]\nreplications = 1_000_000_000_000\n')
    done = orgsim("sweep", str(exp), "--out", str(tmp_path / "o"), "--dry-run")
    assert done.returncode == 2 and "replications" in done.stderr and "Traceback" not in done.stderr


def test_the_largest_allowed_sweep_yields_runs_lazily():
    exp = parse_experiment({"scenarios": ["aligned"], "replications": MAX_RUNS, "days": 5})
    assert exp.n_runs == MAX_RUNS and exp.n_points == 1
    tracemalloc.start()
    runs = exp.iter_runs()
    first = [next(runs) for _ in range(3)]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [s.run_id for s in first] == [0, 1, 2] and peak < 10e6
    assert exp.spec(MAX_RUNS - 1).replicate == MAX_RUNS - 1
    assert MAX_POINTS >= 1000


def test_spec_by_id_matches_the_listed_runs():
    exp = parse_experiment(
        {
            "scenarios": ["aligned", "merged"],
            "replications": 3,
            "design": "lhs",
            "samples": 4,
            "factors": {"sales.headcount": {"range": [2, 9]}},
        }
    )
    listed = exp.runs()
    assert len(listed) == exp.n_runs == 24
    assert [exp.spec(s.run_id) for s in listed] == listed


def test_an_integer_range_narrower_than_a_step_is_refused():
    with pytest.raises(InputError, match=r"range: \[4, 4.4\] holds a single integer"):
        parse_experiment(
            {"design": "lhs", "samples": 4, "factors": {"sales.headcount": {"range": [4, 4.4]}}},
            source="exp.toml",
        )


def test_an_integer_range_with_fractional_ends_is_refused():
    """Sampled values of an integer parameter are rounded: [4.2, 4.8] would give 4s and 5s."""
    with pytest.raises(InputError, match=r"range: sales.headcount takes whole numbers.*e\.g\. \[4, 5\]"):
        parse_experiment(
            {"design": "lhs", "samples": 4, "factors": {"sales.headcount": {"range": [4.2, 4.8]}}},
            source="exp.toml",
        )
    whole = {"design": "lhs", "samples": 4, "factors": {"sales.headcount": {"range": [4.0, 6]}}}
    exp = parse_experiment(whole, source="exp.toml")
    values = {spec.values["sales.headcount"] for spec in exp.iter_runs()}
    assert values <= {4, 5, 6} and len(values) > 1
