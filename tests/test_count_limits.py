"""Count-like options are limited before anything runs (CLI and Python API); flags are true/false."""

from __future__ import annotations

import pytest

from orgsim import load_scenario, simulate
from orgsim.cli import main
from orgsim.errors import InputError
from orgsim.limits import MAX_PERMUTATIONS, MAX_REPS, MAX_TRIALS, MAX_WORKERS, MAX_WORLDS


def one_line_exit_2(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    "command",
    [
        ["explain", "separate", "aligned", "--reps", "1000000000"],
        ["explain", "separate", "aligned", "--permutations", "1000000000", "--method", "permutation"],
        ["tornado", "aligned", "--reps", "1000000000"],
        ["claims", "--reps", "1000000000"],
        ["validate", "aligned", "--reps", "1000000000"],
        ["calibrate", "experiments/calibration/published.toml", "--out", "x", "--reps", "1000000000"],
        ["calibrate", "experiments/calibration/published.toml", "--out", "x", "--trials", "1000000000"],
        ["calibrate", "experiments/calibration/published.toml", "--out", "x", "--posterior", "1000000000"],
        ["decide", "--worlds", "1000000000"],
        ["decide", "--reps", "1000000000"],
        ["compare", "aligned", "--workers", "1000000000"],
        ["sweep", "experiments/sla_response.toml", "--out", "x", "--workers", "1000000000"],
        ["tornado", "aligned", "--days", "1000000000"],
        ["claims", "--days", "1000000000"],
        ["explain", "separate", "aligned", "--days", "1000000000"],
    ],
    ids=lambda c: f"{c[0]}-{c[-2] if c[-1] != 'permutation' else '--permutations'}",
)
def test_huge_counts_are_refused_at_once(capsys, command):
    err = one_line_exit_2(capsys, *command)
    assert "1000000000" in err


def test_the_python_api_keeps_the_same_limits():
    from orgsim.analyses.claims import check_claims, load_claims
    from orgsim.analyses.explain import explain
    from orgsim.analyses.tornado import tornado
    from orgsim.analyses.validate import validate

    with pytest.raises(InputError, match="--reps"):
        explain("separate", "aligned", reps=MAX_REPS + 1)
    with pytest.raises(InputError, match="--permutations"):
        explain("separate", "aligned", reps=2, permutations=MAX_PERMUTATIONS + 1)
    with pytest.raises(InputError, match="--reps"):
        tornado("aligned", reps=MAX_REPS + 1)
    with pytest.raises(InputError, match="--reps"):
        validate("aligned", reps=MAX_REPS + 1)
    with pytest.raises(InputError, match="--reps"):
        check_claims(load_claims(), reps=MAX_REPS + 1)
    assert MAX_TRIALS >= 1000  # a real calibration fits in the limit


def test_decide_tornado_claims_and_the_run_loop_check_their_counts_before_running(tmp_path):
    from orgsim.analyses.claims import check_claims
    from orgsim.analyses.decide import decide, default_file, load_uncertainty
    from orgsim.analyses.tornado import tornado
    from orgsim.experiment.runner import Backend

    spec = load_uncertainty(default_file())
    out = tmp_path / "decide"
    with pytest.raises(InputError, match="--worlds"):
        decide(spec, out, worlds=MAX_WORLDS + 1, reps=2)
    with pytest.raises(InputError, match="--reps"):
        decide(spec, out, worlds=2, reps=MAX_REPS + 1)
    with pytest.raises(InputError, match="--worlds/--reps: .* runs; at most"):
        decide(spec, out, worlds=MAX_WORLDS, reps=MAX_REPS)  # each in range, the product not
    assert not out.exists()  # refused before the sweep made its folder
    with pytest.raises(InputError, match="--days"):
        tornado(load_scenario("aligned"), reps=2, days=10**9)
    with pytest.raises(InputError, match="--days"):
        check_claims(reps=2, days=0)
    with pytest.raises(InputError, match="--workers"):
        Backend(workers=MAX_WORKERS + 1)
    assert Backend(workers=MAX_WORKERS).workers == MAX_WORKERS


def test_a_posterior_asks_for_at_least_one_trial():
    from types import SimpleNamespace

    from orgsim.analyses.calibrate import posterior

    cal = SimpleNamespace(trials={}, targets=SimpleNamespace(parameters=()))
    for n in (0, -1, MAX_TRIALS + 2):
        with pytest.raises(InputError, match="--posterior"):
            posterior(cal, n)  # type: ignore[arg-type]


@pytest.mark.parametrize("days", [0, 6000, 10**9, True])
def test_simulate_keeps_the_horizon_range(days):
    with pytest.raises(InputError, match="--days"):
        simulate("aligned", days=days)


@pytest.mark.parametrize("value", ["yes", "1", "on", "no", "0"])
def test_a_flag_is_true_or_false_only(capsys, value):
    err = one_line_exit_2(capsys, "show", "aligned", "--set", f"sla.enabled={value}")
    assert "sla.enabled" in err and "true or false" in err
    with pytest.raises(InputError, match="true or false"):
        load_scenario("aligned", {"sla.enabled": 1})
    assert load_scenario("aligned", {"sla.enabled": False}).sla.enabled is False
