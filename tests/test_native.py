"""The Mesa-native model: keyword parameters, a horizon, daily headline measures, batch_run."""

from __future__ import annotations

import math

import mesa
import numpy as np
import pytest

from orgsim import InputError, simulate
from orgsim.model.native import CAUSES, HEADLINE, OrgSimModel
from orgsim.params import Horizon

TINY = {"market.prospects": 1500, "horizon.days": 30, "sales.headcount": 4, "marketing.headcount": 2}


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def test_batch_run_agrees_with_simulate():
    params = {"scenario": ["separate", "aligned"], **TINY, "sales.headcount": [3, 5]}
    rows = mesa.batch_run(OrgSimModel, parameters=params, rng=[0, 7], display_progress=False)
    assert len(rows) == 2 * 2 * 2
    revenues = set()
    for row in rows:
        overrides = {k: row[k] for k in TINY}
        result = simulate(row["scenario"], seed=row["seed"], overrides=overrides)
        # stopped at the horizon (after the warm-up), not at max_steps
        assert row["Step"] == Horizon().warmup_days + TINY["horizon.days"]
        for name in HEADLINE:
            assert same(row[name], result.metrics[name]), name
        for cause in CAUSES:
            assert row[f"leaked.{cause}"] == result.leaked_by_cause.get(cause, 0)
        revenues.add(row["revenue"])
    assert len(revenues) > 1  # the parameters reached the model


def test_headline_measures_every_day_and_running_stops_at_the_horizon():
    model = OrgSimModel("merged", seed=3, **TINY)
    assert model.params.structure == "merged" and model.params.sales.headcount == 4
    steps = 0
    while model.running:
        model.step()
        steps += 1
    assert steps == model.warmup_days + TINY["horizon.days"] == model.day  # the warm-up, then the horizon
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == steps
    assert set(HEADLINE) <= set(frame.columns)
    measured = frame.iloc[model.warmup_days :]  # measures restart when the horizon does
    assert measured["revenue"].is_monotonic_increasing and measured["mqls"].is_monotonic_increasing
    assert "contribution" in HEADLINE


def test_friction_log_adds_up_to_the_friction_counts():
    model = OrgSimModel("separate", seed=1, **TINY)
    model.run()
    logged: dict[str, int] = {}
    for event in model.friction_log:
        assert 1 <= event.day <= model.day and event.count > 0
        logged[event.source] = logged.get(event.source, 0) + event.count
    assert logged == {k: v for k, v in model.friction.events.items() if v}


def test_batch_run_with_iterations_draws_fresh_seeds_and_names_them():
    params = {"scenario": "separate", **TINY, "horizon.days": 60}
    steps = Horizon().warmup_days + 60  # the warm-up, then the horizon
    with pytest.warns(Warning):  # Mesa deprecates iterations= in favour of rng=
        rows = mesa.batch_run(
            OrgSimModel, parameters=params, iterations=2, max_steps=steps, display_progress=False
        )
    assert len(rows) == 2 and all(row["Step"] == steps for row in rows)
    seeds = [row["seed"] for row in rows]
    assert all(isinstance(s, int) for s in seeds) and seeds[0] != seeds[1]
    overrides = {k: params[k] for k in TINY}
    again = simulate("separate", seed=seeds[0], overrides=overrides)
    assert same(rows[0]["revenue"], again.metrics["revenue"])  # the named seed repeats the run


def test_mesa_seed_conventions():
    assert OrgSimModel(rng=42, **TINY).seed == OrgSimModel(seed=42, **TINY).seed == 42
    assert OrgSimModel(seed=None, **TINY).seed != OrgSimModel(seed=None, **TINY).seed
    drawn = OrgSimModel(rng=np.random.default_rng(5), **TINY).seed
    assert drawn == OrgSimModel(rng=np.random.default_rng(5), **TINY).seed
    with pytest.raises(InputError, match="give one, not both"):
        OrgSimModel(seed=3, rng=4, **TINY)


def test_structure_and_dotted_keywords_override_the_scenario():
    model = OrgSimModel(scenario="separate", seed=0, structure="aligned", **{"sla.response_hours": 2.5})
    assert model.params.structure == "aligned" and model.params.sla.enabled
    assert model.params.sla.response_hours == 2.5
    assert model.scenario is None  # Mesa's own Scenario is not used
    assert OrgSimModel(seed="4", **TINY).seed == 4  # a UI text field gives a string


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sales.headcont": 3}, "did you mean 'sales.headcount'"),
        ({"sla.response_hours": -1}, "sla.response_hours"),
        ({"scenario": "nope"}, "no such scenario"),
        ({"seed": "x"}, "seed: 'x' is not an integer"),
        ({"seed": -1}, "seed: -1 is not allowed"),
    ],
)
def test_bad_keywords_are_one_line_input_errors(kwargs, message):
    with pytest.raises(InputError, match=message):
        OrgSimModel(**kwargs)
