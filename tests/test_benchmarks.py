"""The reference market (one mesa.Agent per prospect) agrees with the vectorised one; the runner runs.

Statistical agreement, never a timing: the benchmarks measure speed, the tests only correctness.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from benchmarks.__main__ import drive, main, new_market
from benchmarks.reference import AgentMarket, ProspectAgent, ReferenceModel, market_alone, simulate_reference

from orgsim import load_scenario, simulate
from orgsim.experiment.stats import mean_ci

SMALL = {
    "market.prospects": 1500,
    "horizon.days": 80,
    "sales.headcount": 2,
    "marketing.headcount": 1,
    "marketing.budget": 100_000,
    "sales.outbound_budget": 10_000,
}


def overlap(ours: list[float], ref: list[float]) -> tuple[bool, tuple, tuple]:
    """Whether the two samples' 95% confidence intervals overlap (and the intervals)."""
    a, b = mean_ci(ours), mean_ci(ref)
    return a[1] <= b[2] and b[1] <= a[2], a, b


def test_reference_market_has_one_mesa_agent_per_prospect():
    model = ReferenceModel(load_scenario("separate", SMALL), seed=1)
    assert isinstance(model.market, AgentMarket)
    prospects = list(model.agents_by_type[ProspectAgent])
    assert len(prospects) == SMALL["market.prospects"]
    assert sorted(a.index for a in prospects) == list(range(SMALL["market.prospects"]))
    model.run(5)
    model.ledger.check()


def test_reference_steps_alike_with_mesa_activation(monkeypatch):
    """Mesa's ``AgentSet.do("step")`` activates every prospect once a day, in the loop's order:
    the same seed gives the same run, measure for measure, either way."""
    scenario = load_scenario("separate", SMALL)
    plain = simulate_reference(scenario, seed=2, days=20).flat()
    steps = []
    real_step = ProspectAgent.step

    def counted(agent):
        steps.append(agent.index)
        real_step(agent)

    monkeypatch.setattr(ProspectAgent, "step", counted)
    activated = simulate_reference(scenario, seed=2, days=20, mesa_do=True).flat()
    prospects = SMALL["market.prospects"]
    assert len(steps) % prospects == 0 and len(steps) // prospects >= 20  # every prospect, every day
    assert sorted(steps[:prospects]) == list(range(prospects))
    assert activated["mqls"] > 0 and activated["ledger.created"] > 0
    assert activated.keys() == plain.keys()
    for key, value in activated.items():  # NaN (an undefined ratio) equals NaN
        assert value == plain[key] or (value != value and plain[key] != plain[key]), key


def test_market_rules_agree_with_the_reference():
    """Both markets driven by the same daily calls: inquiries, engagement, in-market share.

    400 touches a day on 2,000 prospects repeat often: sensitive enough to catch the 3% of
    touches the market once dropped (a prospect reached twice in a call gained once).
    """
    scenario = load_scenario("separate", {"market.prospects": 2000, "marketing.budget": 100_000})
    ours = [drive(new_market(2000, s)[0], 100, 400, 1.0, observe=True) for s in range(20)]
    ref = [drive(market_alone(scenario, 500 + s), 100, 400, 1.0, observe=True) for s in range(20)]
    for j, name in enumerate(("inquiries", "engagement", "in_market")):
        ok, a, b = overlap([r[j] for r in ours], [r[j] for r in ref])
        assert ok, (name, a, b)


def test_vectorised_and_reference_models_give_statistically_equal_results():
    scenario = load_scenario("separate", SMALL)
    ours = [simulate(scenario, seed=s).metrics for s in range(12)]
    ref = [simulate_reference(scenario, seed=1000 + s).metrics for s in range(12)]
    for key in ("mqls", "sqls", "leakage_rate", "friction_index"):
        ok, a, b = overlap([m[key] for m in ours], [m[key] for m in ref])
        assert ok, (key, a, b)


def test_reference_market_state_reads_like_the_arrays():
    market = market_alone(load_scenario("separate", SMALL), seed=3)
    fit = np.asarray(market.fit)
    assert fit.shape == (SMALL["market.prospects"],) and fit.dtype == np.float32
    idx = np.array([0, 5, 7])
    market.perception[idx] = 0.9
    assert np.allclose(market.perception[idx], 0.9)
    assert market.prospect(5).perception == 0.9


def test_runner_measures_the_default_scenario(capsys):
    main(["--only", "default", "--quick", "--no-write", "--json"])
    out = capsys.readouterr().out
    rows = json.loads(out[out.index("[\n") :])
    assert [r["section"] for r in rows] == ["default"]
    assert rows[0]["met"] in (True, False) and rows[0]["figure"].endswith(" s")


def test_the_business_day_comparison_needs_a_synced_baseline(monkeypatch, tmp_path, capsys):
    """Without $ORGSIM_BASELINE the comparison is skipped (no row); a checkout without its own
    .venv is refused with a message naming the variable and the command that fixes it."""
    monkeypatch.delenv("ORGSIM_BASELINE", raising=False)
    main(["--only", "day", "--quick", "--no-write", "--json"])
    out = capsys.readouterr().out
    assert "skipped" in out and json.loads(out[out.index("[") :]) == []
    monkeypatch.setenv("ORGSIM_BASELINE", str(tmp_path))
    with pytest.raises(SystemExit, match="ORGSIM_BASELINE: .*uv sync --frozen"):
        main(["--only", "day", "--quick", "--no-write"])


def test_runner_writes_when_where_and_under_what_load(tmp_path):
    """``--out`` writes the table with the date, the command, the commit and the load average."""
    out = tmp_path / "results.md"
    main(["--only", "default", "--quick", "--out", str(out)])
    text = out.read_text()
    assert "uv run python -m benchmarks --quick --only default" in text
    assert "at commit " in text and "Load average (1 / 5 / 15 min) " in text and "cores on average" in text
    assert "| default | default scenario" in text and "Sections took default " in text


def test_the_sweep_accounting_leaves_the_sweep_unchanged(tmp_path):
    """A sweep timed in CPU seconds (its work function stood in for, on 2 workers) stores the rows of
    a plain 1-worker sweep, run for run, and accounts for every run in some process."""
    from benchmarks import sweep_cpu

    from orgsim.experiment import sweep as sweep_module
    from orgsim.experiment.storage import load_runs

    exp = {
        "name": "acct",
        "scenarios": ["separate"],
        "replications": 4,
        "seed": 3,
        "days": 5,
        "set": {"market.prospects": 500, "sales.headcount": 2, "horizon.warmup_days": 5},
    }
    acct = sweep_cpu.timed_sweep(exp, tmp_path / "timed", workers=2)
    assert sweep_module.execute is sweep_cpu._EXECUTE  # the stand-in is gone afterwards
    sweep_module.sweep(exp, tmp_path / "plain", workers=1)
    timed, plain = (
        load_runs(tmp_path / name).sort_values("run_id").reset_index(drop=True) for name in ("timed", "plain")
    )
    assert list(timed.columns) == list(plain.columns)
    assert not any(c.startswith("_bench") for c in timed.columns)
    pd.testing.assert_frame_equal(timed.drop(columns="elapsed_s"), plain.drop(columns="elapsed_s"))
    assert acct.runs == 4 and len(acct.inline_runs) + len(acct.worker_runs) == 4
    assert all(t > 0 for t in acct.all_runs) and acct.total_s >= sum(acct.all_runs) * 0.99
