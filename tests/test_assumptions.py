"""Assumptions as ranges: plausible ranges in the schema, shown by `show`; claims carried by them.

Properties, not numbers: runs are tiny (800 prospects) and the model changes under these tests.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from orgsim.analyses.claims import ASSUMED, SUPPORTED, check_claims, load_claims
from orgsim.cli import cli
from orgsim.params import PARAMETERS, PRESETS

TINY = {"market.prospects": 800, "horizon.days": 60, "sales.headcount": 3, "marketing.headcount": 2}


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# -- the schema ----------------------------------------------------------------------------------
def test_every_assumed_value_and_every_preset_level_has_a_plausible_range():
    preset_keys = {k for preset in PRESETS.values() for k in preset}
    for key, spec in PARAMETERS.items():
        numeric = spec.type in ("int", "float")
        if numeric and (spec.assumed or key in preset_keys):
            assert spec.plausible is not None, key
        if spec.plausible is None:
            continue
        low, high = spec.plausible
        assert low < high and spec.plausible_why, key
        # narrower than (or at most equal to) the hard validity range, and around every level used
        assert (spec.lo is None or spec.lo <= low) and (spec.hi is None or high <= spec.hi), key
        levels = [spec.default] + [p[key] for p in PRESETS.values() if key in p]
        assert all(low <= v <= high for v in levels), (key, levels)


def test_show_names_the_assumed_levels_a_preset_sets_with_their_ranges():
    result = invoke("show", "aligned")
    assert result.exit_code == 0
    text = " ".join(result.output.split())  # the table wraps
    assert "Assumed levels set here" in text
    owner = PARAMETERS["policy.recycle_owner_hours_per_week"].plausible
    line = f"policy.recycle_owner_hours_per_week = 4.0 (plausible {owner[0]:g}..{owner[1]:g})"
    assert line in text
    assert "This value is assumed." in text
    default = " ".join(invoke("show", "separate").output.split())
    assert "Assumed levels set here" not in default  # the defaults set nothing beyond themselves
    data = json.loads(invoke("show", "aligned", "--json").stdout)["parameters"]
    assert data["policy.recycle_owner_hours_per_week"]["assumed"] is True
    assert data["policy.recycle_owner_hours_per_week"]["plausible"] == list(owner)
    assert data["sales.win_rate"]["assumed"] is False  # a calibrated, sourced value


# -- claims carried by an assumption -------------------------------------------------------------
REGISTRY = """
[[claim]]
id = "inequity_by_weight"
claim = "Commission vs bonus raises comp-inequity friction"
quote = "a sense of inequity"
source = "002_x.txt"
scenario = "separate"
a = { "policy.shared_goal" = 1.0 }
b = { "policy.shared_goal" = 0.0 }
measure = "friction_by_source.comp_inequity"
direction = 1
carried_by = { "friction.comp_inequity" = 0.0 }

[[claim]]
id = "inequity_by_sourced"
claim = "The same change, said to be carried by a sourced value"
quote = "a sense of inequity"
source = "002_x.txt"
scenario = "separate"
a = { "policy.shared_goal" = 1.0 }
b = { "policy.shared_goal" = 0.0 }
measure = "friction_by_source.comp_inequity"
direction = 1
carried_by = { "sales.win_rate" = 0.0 }

[[claim]]
id = "inequity_plain"
claim = "The same change with nothing named"
quote = "a sense of inequity"
source = "002_x.txt"
scenario = "separate"
a = { "policy.shared_goal" = 1.0 }
b = { "policy.shared_goal" = 0.0 }
measure = "friction_by_source.comp_inequity"
direction = 1
"""


def test_a_claim_supported_only_through_an_assumed_parameter_is_labelled_assumed(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text(REGISTRY)
    # a commission cheque's envy comes with each won deal: 800 prospects win too few in 60 days
    # (intent one way, the warm-up's pipeline) for 3 seeds to tell it from noise, so a larger market
    market = {**TINY, "market.prospects": 2000}
    by_weight, by_sourced, plain = check_claims(
        load_claims(path), reps=4, overrides=market, flips=False, workers=1
    )
    # the change does raise the measure in every case: the raw verdict is supported
    assert by_weight.main.verdict == by_sourced.main.verdict == plain.main.verdict == SUPPORTED
    # with the assumed weight at zero the effect is gone: the claim holds by construction
    assert by_weight.knockout is not None and by_weight.knockout.effect.mean == 0.0
    assert by_weight.verdict == ASSUMED and by_weight.claim.assumptions == ["friction.comp_inequity"]
    assert "friction.comp_inequity (assumed" in by_weight.assumed_text()
    entry = by_weight.to_dict()
    assert entry["verdict"] == ASSUMED and entry["assumptions"] == ["friction.comp_inequity"]
    assert entry["knockout"]["verdict"] != SUPPORTED
    # a sourced carrier, or none named, leaves the verdict as the CI gives it
    assert by_sourced.verdict == SUPPORTED and by_sourced.claim.assumptions == []
    assert plain.verdict == SUPPORTED and plain.knockout is None


def test_the_packaged_claims_that_are_a_parameter_times_its_outcome_name_it():
    claims = {c.id: c for c in load_claims()}
    for cid in (
        "specialists_beat_generalists",
        "separation_keeps_accountability",
        "comp_inequity_causes_friction",
        "joint_planning_calms_budget_fights",
        "budget_views_create_friction",
    ):
        assert claims[cid].carried_by, cid
        assert claims[cid].assumptions == list(claims[cid].carried_by), cid  # all assumptions
    assert "policy.skill_dilution" in claims["specialists_beat_generalists"].carried_by


# -- explain: what a margin rests on --------------------------------------------------------------
def test_explain_names_the_assumed_values_and_reruns_the_top_one_across_its_range():
    from orgsim import compare, load_scenario
    from orgsim.analyses.explain import BEYOND_B, EQUAL, NEAR_A, explain

    a = load_scenario("separate", TINY)
    b = load_scenario("separate", {**TINY, "policy.specialisation": 0.5, "policy.recycling": 0.9})
    b = b.model_copy(update={"name": "generalists"})
    e = explain(a, b, "sqls", reps=3, method="exact", workers=1)
    # each part names the assumed values it moves, with the schema's plausible range
    assert e.assumptions["policy.recycling"] == ["policy.recycling 0.27 -> 0.9 (plausible 0.1..0.9)"]
    dilution = [t for t in e.assumptions["policy.specialisation"] if t.startswith("policy.skill_dilution")]
    assert dilution and "in both, scales it" in dilution[0]  # shared, but it carries the part
    rc = e.range_check
    assert rc is not None and rc.player == max(e.parts, key=lambda p: abs(p.value)).parameter
    assert {EQUAL, NEAR_A, BEYOND_B} <= set(rc.margins)
    # every re-run margin is the paired difference compare gives for the same settings and seeds
    key = rc.keys[0]
    moved = {
        EQUAL: {key: a.get(key)},
        NEAR_A: {key: rc.levels[NEAR_A].split("=")[1]},
        BEYOND_B: {key: rc.levels[BEYOND_B].split("=")[1]},
    }
    for label, setting in moved.items():
        value = float(setting[key])
        b2 = b.with_overrides({key: value}).model_copy(update={"name": "moved"})
        d = compare([a, b2], reps=3, workers=1).difference("moved", "sqls", a.name)
        got = rc.margins[label]
        assert (got.mean, got.ci_low, got.ci_high) == pytest.approx((d.mean, d.ci_low, d.ci_high))
    holds = e.total.sign != 0 and all(d.sign == e.total.sign for d in rc.margins.values())
    assert rc.holds == holds
    text = rc.sentence(e, lambda v: f"{v:+.1f}")
    assert rc.player in text and ("holds across" in text or "does not hold" in text or "not clear" in text)


def test_explain_prints_and_writes_what_the_margin_rests_on(tmp_path):
    args = ["--reps", "2", "--workers", "1", "--days", "30", "--set", "market.prospects=800"]
    rest = "rest=policy.lead_*,policy.mql_volume_bias,policy.shared_goal,policy.joint_planning,"
    rest += "policy.brand_share,"
    rest += "policy.coordination_hours_per_week,policy.message_alignment,policy.handoff_delay_hours,"
    rest += "policy.follow_up_duty,sla.*,sales.prioritisation"
    result = invoke("explain", "separate", "aligned", "--measure", "mqls", "--group",
                    "closed loop=policy.recycle_*,policy.feedback,policy.review*", "--group", rest,
                    "--out", str(tmp_path), *args)  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Assumed values each part moves" in text
    assert "policy.recycle_owner_hours_per_week 0 -> 4 (plausible 0..8)" in text
    assert "Re-run on the same seeds" in text
    assert "aligned - separate on mqls, its parts largest first: " in text
    saved = json.loads((tmp_path / "explain.json").read_text())
    assert saved["range_check"]["player"] in {"closed loop", "rest"}
    assert any("plausible" in line for line in saved["summary"])
    closed = next(p for p in saved["parts"] if p["parameter"] == "closed loop")
    assert any(t.startswith("policy.recycle_owner_hours_per_week") for t in closed["assumed"])
    # a report written into the same directory says in its executive summary what the margin rests on
    from orgsim import compare, load_scenario
    from orgsim.presentation.report import write_comparison_report

    tiny = {**TINY, "horizon.days": 30}
    comp = compare([load_scenario(s, tiny) for s in ("separate", "aligned")], reps=2, workers=1)
    html = " ".join(write_comparison_report(comp, tmp_path).read_text().split())
    summary = html.split("<h2>Executive summary</h2>")[1].split("<h2>")[0]
    assert "What the margin rests on" in summary
    assert "policy.recycle_owner_hours_per_week" in summary and "plausible 0–8" in summary
    assert "orgsim explain separate aligned:" in summary and "Re-run on the same seeds" in summary
    assert "its parts largest first" in summary  # the parts with their CIs, not only the largest


# -- the constants behind the shared-goal claims are assumed parameters ------------------------------
def test_the_shared_goal_constants_are_assumed_parameters_that_carry_the_inequity_claim():
    from orgsim import load_scenario
    from orgsim.model.model import OrgModel

    for key in ("friction.goal_blame_relief", "friction.credit_claim_chance"):
        spec = PARAMETERS[key]
        assert spec.assumed and spec.plausible is not None and spec.unit, key
    # the heat a shared goal softens is the parameter: at relief 0 the goal changes nothing
    heat = {}
    for relief in (0.0, 0.5):
        for goal in (0.0, 1.0):
            sc = load_scenario(
                "separate", {**TINY, "friction.goal_blame_relief": relief, "policy.shared_goal": goal}
            )
            heat[relief, goal] = OrgModel(sc, seed=0).org.heat
    assert heat[0.0, 0.0] == pytest.approx(heat[0.0, 1.0])
    assert heat[0.5, 1.0] == pytest.approx(0.5 * heat[0.5, 0.0])
    # the claim that rests on them names them, and they are assumptions
    claim = {c.id: c for c in load_claims()}["comp_inequity_causes_friction"]
    assert {"friction.goal_blame_relief", "friction.credit_claim_chance"} <= set(claim.assumptions)
    # and explain names them beside the shared goal's part
    from orgsim.analyses.explain import assumed_values

    named = assumed_values(["policy.shared_goal"], load_scenario("separate"), load_scenario("aligned"))
    for key in ("friction.goal_blame_relief", "friction.credit_claim_chance"):
        assert any(t.startswith(f"{key} 0.5 in both, scales it (plausible") for t in named), key


def test_no_credit_dispute_when_nobody_claims_a_win():
    from orgsim import simulate

    base = {**TINY, "market.prospects": 2000}
    claimed = simulate("separate", seed=1, overrides=base).friction_by_source
    never = simulate(
        "separate", seed=1, overrides={**base, "friction.credit_claim_chance": 0.0}
    ).friction_by_source
    assert claimed["credit_dispute"] > 0
    assert never["credit_dispute"] == 0


# -- explain: the decision measure's own assumptions -------------------------------------------------
def test_explain_on_customer_value_reruns_the_measures_own_assumptions():
    from orgsim import compare, load_scenario
    from orgsim.analyses.explain import CHURN_EFFECTS, RETENTION_OFF, explain

    a = load_scenario("separate", TINY)
    b = load_scenario("separate", {**TINY, "policy.message_alignment": 1.0})
    b = b.model_copy(update={"name": "one voice"})
    e = explain(a, b, "customer_value", reps=2, method="exact", workers=1)
    labels = set(e.measure_check)
    assert RETENTION_OFF in labels
    assert any(label.startswith("customers.lifetime_years at its plausible low") for label in labels)
    assert any(label.startswith("customers.lifetime_years at its plausible high") for label in labels)
    # the retention knock-out is the paired difference compare gives with the churn effects at zero
    off = {k: 0.0 for k in CHURN_EFFECTS}
    pair = [s.with_overrides(off).model_copy(update={"name": n}) for s, n in ((a, "a"), (b, "b"))]
    d = compare(pair, reps=2, workers=1).difference("b", "customer_value", "a")
    got = e.measure_check[RETENTION_OFF]
    assert (got.mean, got.ci_low, got.ci_high) == pytest.approx((d.mean, d.ci_low, d.ci_high))
    text = e.measure_sentence(lambda v: f"{v:+.0f}")
    assert "customers.lifetime_years 5 (plausible 3..10)" in text and "customers.churn_message_effect" in text
    assert f"carries {e.total.mean - got.mean:+.0f}" in text
    saved = e.to_dict()["measure_check"]
    assert saved[RETENTION_OFF]["set"].startswith("customers.churn_fit_effect=0")
