"""The reference market (one mesa.Agent per prospect) and the vectorised one agree."""

from __future__ import annotations

from benchmarks.reference import ReferenceModel, simulate_reference

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


def test_reference_market_has_one_mesa_agent_per_prospect():
    model = ReferenceModel(load_scenario("separate", SMALL), seed=1)
    prospects = [a for a in model.agents if type(a).__name__ == "ProspectAgent"]
    assert len(prospects) == SMALL["market.prospects"]
    model.run(5)
    model.ledger.check()


def test_vectorised_and_reference_markets_give_statistically_equal_results():
    scenario = load_scenario("separate", SMALL)
    ours = [simulate(scenario, seed=s).metrics for s in range(12)]
    ref = [simulate_reference(scenario, seed=s).metrics for s in range(12)]
    for key in ("mqls", "sqls", "leakage_rate", "friction_index"):
        _, lo_a, hi_a = mean_ci([m[key] for m in ours])
        _, lo_b, hi_b = mean_ci([m[key] for m in ref])
        assert lo_a <= hi_b and lo_b <= hi_a, (key, (lo_a, hi_a), (lo_b, hi_b))
