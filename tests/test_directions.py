"""The model's directions, each averaged over seeded replications (never one lucky seed)."""

from __future__ import annotations

import numpy as np

from orgsim import compare, load_scenario, simulate

REPS = 8
MID = {"market.prospects": 10_000, "horizon.days": 160}


def means(scenarios, measures, reps=REPS):
    """Mean of each measure per scenario, in the order given."""
    runs = compare(scenarios, reps=reps, workers=1).runs()
    runs["order"] = runs["scenario"].map({label: i for i, label in enumerate(runs["scenario"].unique())})
    return [runs[runs["order"] == i][measures].mean() for i in range(len(scenarios))]


def variant(base, name, **overrides):
    return load_scenario(base, {**MID, **overrides}).model_copy(update={"name": name})


def test_zero_marketing_budget_gives_no_mqls():
    for seed in range(3):
        # (no budget moved in either: heads may fund programs from outbound when reps trust leads)
        no_money = {**MID, "marketing.budget": 0, "policy.max_budget_shift": 0}
        result = simulate("separate", seed=seed, overrides=no_money)
        assert result.metrics["mqls"] == 0
        assert result.funnel["inquiry"] == 0


def test_more_salespeople_lower_leakage():
    few, many = means(
        [
            variant("separate", "few", **{"sales.headcount": 2}),
            variant("separate", "many", **{"sales.headcount": 10}),
        ],
        ["leakage_rate", "leaked.handoff_lost"],
    )
    assert many["leakage_rate"] < few["leakage_rate"]
    assert many["leaked.handoff_lost"] < few["leaked.handoff_lost"]  # the shared inbox goes stale


def test_slower_sla_response_lowers_wins():
    fast, slow = means(
        [
            variant("aligned", "fast", **{"sla.response_hours": 2}),
            variant("aligned", "slow", **{"sla.response_hours": 72}),
        ],
        ["won_deals", "median_response_hours"],
    )
    assert slow["median_response_hours"] > fast["median_response_hours"]
    assert slow["won_deals"] < fast["won_deals"]


def test_feedback_loop_raises_mql_to_sql_conversion():
    closed, open_ = means(
        [
            variant("separate", "closed loop", **{"policy.feedback": 1.0}),
            variant("separate", "no loop", **{"policy.feedback": 0.0}),
        ],
        ["funnel.mql", "funnel.sql"],
    )
    assert closed["funnel.sql"] / closed["funnel.mql"] > open_["funnel.sql"] / open_["funnel.mql"]


def test_merged_pays_a_specialisation_cost():
    generalists, specialists = means(
        [
            variant("merged", "generalists", **{"policy.specialisation": 0.3}),
            variant("merged", "specialists", **{"policy.specialisation": 1.0}),
        ],
        ["revenue", "mqls"],
    )
    assert generalists["revenue"] < specialists["revenue"]
    assert generalists["mqls"] < specialists["mqls"]


def test_separate_leaks_more_at_the_handoff():
    separate, merged, aligned = means(
        [variant(s, s) for s in ("separate", "merged", "aligned")],
        ["leaked.handoff_lost", "median_response_hours"],
    )
    # hand-off loss emerges from ownership: separate leaves every MQL in a shared inbox, merged
    # half, aligned routes all to a named rep (who may still leave it unworked: another cause)
    assert separate["leaked.handoff_lost"] > merged["leaked.handoff_lost"] > aligned["leaked.handoff_lost"]
    assert separate["median_response_hours"] > aligned["median_response_hours"]


def test_no_structure_is_best_on_every_metric():
    """In the default context each structure pays for its advantages somewhere."""
    results = means(
        [variant(s, s) for s in ("separate", "merged", "aligned")],
        ["revenue", "cost", "friction_index", "leakage_rate"],
    )
    higher_is_better = {"revenue": True, "cost": False, "friction_index": False, "leakage_rate": False}
    winners = {
        m: int(np.argmax([r[m] if up else -r[m] for r in results])) for m, up in higher_is_better.items()
    }
    assert len(set(winners.values())) > 1, winners
