"""Answers: paired differences in compare, Shapley attribution (explain), and the claims registry.

Properties, not numbers: the model changes under these tests. Runs are tiny (800 prospects).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from orgsim import compare, load_scenario
from orgsim.analyses.claims import (
    ASSUMED,
    CONTRADICTED,
    NO_CLEAR_EFFECT,
    NOT_EXPRESSIBLE,
    SUPPORTED,
    check_claims,
    load_claims,
    select,
    verdict,
)
from orgsim.analyses.explain import differing_keys, explain, explain_measures, players
from orgsim.cli import cli, main
from orgsim.errors import InputError
from orgsim.experiment.stats import Difference, paired_difference
from orgsim.references import references

# a short warm-up: the properties below (efficiency, exact zeros, pairing, verdicts) hold for any run
TINY = {"market.prospects": 800, "horizon.days": 30, "horizon.warmup_days": 20, "sales.headcount": 3,
        "marketing.headcount": 2}  # fmt: skip
TINY_ARGS = ["--days", "30", "--set", "market.prospects=800", "--set", "sales.headcount=3",
             "--set", "horizon.warmup_days=20"]  # fmt: skip
CHANGES = {"policy.handoff_delay_hours": 1.0, "policy.follow_up_duty": 0.9, "sla.enabled": True}


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def pair():
    a = load_scenario("separate", TINY)
    b = load_scenario("separate", {**TINY, **CHANGES}).model_copy(update={"name": "faster"})
    return a, b


@pytest.fixture(scope="module")
def exact(pair):
    a, b = pair
    # "noise" switches a parameter A and B share: it must get exactly zero
    return explain(a, b, "sqls", reps=4, groups={"noise": ["market.deal_size"]}, method="exact", workers=1)


# -- explain -------------------------------------------------------------------------------------
def test_players_are_the_differing_parameters_plus_groups(pair):
    a, b = pair
    assert differing_keys(a, b) == [k for k in differing_keys(a, b) if k in CHANGES]
    assert sorted(differing_keys(a, b)) == sorted(CHANGES)
    names = [p.name for p in players(a, b, {"the SLA": ["sla.*"]})]
    assert names == ["the SLA", "policy.handoff_delay_hours", "policy.follow_up_duty"]


def test_exact_shapley_parts_sum_to_the_paired_total(exact):
    assert exact.method == "exact" and len(exact.parts) == 4
    assert sum(p.value for p in exact.parts) == pytest.approx(exact.total.mean, rel=1e-9, abs=1e-9)
    assert exact.b_value - exact.a_value == pytest.approx(exact.total.mean)


def test_a_parameter_that_does_not_differ_gets_exactly_zero(exact):
    noise = next(p for p in exact.parts if p.parameter == "noise")
    assert (noise.value, noise.ci_low, noise.ci_high) == (0.0, 0.0, 0.0)


def test_the_ends_are_the_runs_compare_makes_with_the_same_seeds(pair, exact):
    a, b = pair
    comp = compare([a, b], reps=4, workers=1)
    assert exact.a_value == pytest.approx(float(np.mean(comp.values(a.name, "sqls"))))
    d = comp.difference(b.name, "sqls", a.name)
    assert (exact.total.mean, exact.total.ci_low, exact.total.ci_high) == pytest.approx(
        (d.mean, d.ci_low, d.ci_high)
    )


def test_sampled_orders_keep_efficiency_and_say_so(pair):
    a, b = pair
    sampled = explain(a, b, "sqls", reps=3, method="permutation", permutations=2, workers=1)
    assert sampled.method == "permutation" and sampled.permutations == 2
    assert sum(p.value for p in sampled.parts) == pytest.approx(sampled.total.mean, rel=1e-9, abs=1e-9)


def test_several_measures_come_from_the_same_runs(pair, exact):
    a, b = pair
    both = explain_measures(a, b, ["sqls", "mqls"], reps=4, groups={"noise": ["market.deal_size"]},
                            method="exact", workers=1)  # fmt: skip
    assert [e.measure for e in both] == ["sqls", "mqls"] and both[0].runs == exact.runs
    assert [p.value for p in both[0].parts] == pytest.approx([p.value for p in exact.parts])
    assert sum(p.value for p in both[1].parts) == pytest.approx(both[1].total.mean)


def test_explain_refuses_identical_scenarios_and_bad_groups(pair):
    a, _ = pair
    with pytest.raises(InputError, match="do not differ"):
        explain(a, a, reps=2)
    with pytest.raises(InputError, match="matches no parameter"):
        players(*pair, groups={"x": ["sla.nothing*"]})
    with pytest.raises(InputError, match="in two groups"):
        players(*pair, groups={"x": ["sla.*"], "y": ["sla.enabled"]})


def test_explain_json_contract_and_chart(tmp_path):
    result = invoke(
        "explain", "separate", "aligned", "--measure", "mqls", "--reps", "2", "--workers", "1",
        "--group", "the SLA=sla.*,sales.prioritisation", "--group", "policy=policy.*",
        "--out", str(tmp_path), "--json", *TINY_ARGS,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"measure", "a", "b", "a_value", "b_value", "total", "parts"} <= set(data)
    assert {"parameter", "value", "ci_low", "ci_high"} <= set(data["parts"][0])
    assert sum(p["value"] for p in data["parts"]) == pytest.approx(data["total"], abs=1e-6)
    assert (tmp_path / "charts" / "explain_mqls.png").stat().st_size > 10_000


def test_explain_table_reads_at_100_columns():
    result = invoke(
        "explain", "separate", "merged", "--measure", "mqls", "--reps", "2", "--workers", "1",
        "--group", "everything=policy.*", *TINY_ARGS,
    )  # fmt: skip
    assert result.exit_code == 0
    assert "Everything" in result.output or "everything" in result.output
    assert "parts sum to the total" in result.output and "Paired by seed" in result.output


# -- compare --baseline -------------------------------------------------------------------------
def test_compare_json_carries_paired_differences_for_non_baselines():
    result = invoke("compare", "separate", "merged", "aligned", "--baseline", "merged", "--reps", "3",
                    "--workers", "1", "--json", *TINY_ARGS)  # fmt: skip
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["baseline"] == "merged"
    assert "difference" not in data["scenarios"]["merged"]
    for label in ("separate", "aligned"):
        diff = data["scenarios"][label]["difference"]["mqls"]
        means = data["scenarios"][label]["mqls"]["mean"] - data["scenarios"]["merged"]["mqls"]["mean"]
        assert diff["mean"] == pytest.approx(means)
        assert diff["ci_low"] <= diff["mean"] <= diff["ci_high"]


def test_compare_prints_the_paired_table_and_verdicts():
    result = invoke("compare", "separate", "aligned", "--reps", "3", "--workers", "1", *TINY_ARGS)
    assert result.exit_code == 0
    assert "paired difference to separate" in result.output
    assert "aligned earns" in result.output and (
        "— clear" in result.output or "no clear difference" in result.output
    )


def test_a_zero_difference_reads_the_same_not_zero_less():
    from orgsim.experiment.stats import paired_difference
    from orgsim.presentation.answers import difference_sentence

    none = paired_difference([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    assert difference_sentence("revenue", "aligned", "separate", none).startswith(
        "aligned earns the same revenue as separate [0, 0]"
    )
    rate = paired_difference([0.1, 0.2, 0.3], [0.1, 0.2, 0.3])
    assert " has the same " in difference_sentence("leakage_rate", "aligned", "separate", rate)
    more = paired_difference([1e5, 2e5, 3e5], [2e5, 2.5e5, 4e5])
    assert difference_sentence("revenue", "aligned", "separate", more).startswith("aligned earns 83.3k more")


def test_comparison_differences_match_paired_difference_of_the_runs():
    comp = compare(["separate", "aligned"], reps=3, overrides=TINY, workers=1)
    table = comp.differences(columns=["mqls"])
    runs = comp.runs()
    a = runs[runs["scenario"] == "separate"].sort_values("replicate")["mqls"]
    b = runs[runs["scenario"] == "aligned"].sort_values("replicate")["mqls"]
    d = paired_difference(a, b)
    row = table.iloc[0]
    assert (row["mean"], row["ci_low"], row["ci_high"], row["n"]) == pytest.approx(
        (d.mean, d.ci_low, d.ci_high, 3)
    )


# -- claims ------------------------------------------------------------------------------------
def _diff(low: float, high: float) -> Difference:
    return Difference((low + high) / 2, low, high, 5)


@pytest.mark.parametrize(
    ("low", "high", "direction", "expected"),
    [
        (1.0, 3.0, 1, SUPPORTED),
        (1.0, 3.0, -1, CONTRADICTED),
        (-3.0, -1.0, -1, SUPPORTED),
        (-3.0, -1.0, 1, CONTRADICTED),
        (-1.0, 3.0, 1, NO_CLEAR_EFFECT),
        (-3.0, 1.0, -1, NO_CLEAR_EFFECT),
        (math.nan, math.nan, 1, NO_CLEAR_EFFECT),
    ],
)
def test_a_verdict_follows_its_ci(low, high, direction, expected):
    assert verdict(_diff(low, high), direction) == expected


def test_the_registry_holds_the_issue_claims_and_names_missing_mechanisms():
    claims = load_claims()
    ids = {c.id for c in claims}
    assert {
        "merge_in_tough_times", "specialists_beat_generalists", "one_voice",
        "defined_roles_reduce_finger_pointing", "sales_feedback_improves_leads",
        "comp_inequity_causes_friction", "joint_planning_calms_budget_fights",
        "separation_keeps_accountability", "separation_avoids_conflict",
        "brand_drives_future_purchases", "speed_to_lead", "lead_black_hole", "marketers_join_key_deals",
    } <= ids  # fmt: skip
    for c in claims:
        assert c.direction in (1, -1) and c.quote and c.source in references()  # a bibliography key
        if c.expressible:  # every change and condition resolves to a valid scenario
            for side in (c.a, c.b):
                load_scenario(c.scenario, {k: v for k, v in side.items() if k != "structure"})
        else:
            assert len(c.missing) > 20


def test_claim_verdicts_and_flips_follow_the_cis():
    chosen = select(load_claims(), ["joint_planning_calms_budget_fights", "one_position_too_much"])
    results = check_claims(chosen, reps=3, overrides=TINY, workers=1)
    real, missing = results
    assert missing.verdict == NOT_EXPRESSIBLE and missing.main is None
    assert real.main is real.contexts[0] and real.main.label.startswith("separate")
    for ctx in real.contexts:
        assert ctx.verdict == verdict(ctx.effect, real.claim.direction)
    assert real.flips == [c for c in real.contexts if c.verdict != real.main.verdict]
    labels = [c.label for c in real.contexts]
    assert "market.demand=0.6" not in labels and "marketing.budget=500,000" in labels
    # the condition's default level is the claim's own scenario: one row, both names
    assert real.main.label == "separate = marketing.budget=1,000,000"
    entry = real.to_dict()
    assert {
        "claim",
        "source",
        "measure",
        "direction",
        "effect",
        "ci_low",
        "ci_high",
        "verdict",
        "flips",
    } <= set(entry)


def test_claims_cli_json_and_page(tmp_path):
    result = invoke("claims", "--only", "comp_inequity_causes_friction", "--only", "joint_training",
                    "--no-flips", "--reps", "2", "--workers", "1", "--out", str(tmp_path), "--json",
                    *TINY_ARGS)  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    judged = (SUPPORTED, ASSUMED, CONTRADICTED, NO_CLEAR_EFFECT)
    assert [d["verdict"] in judged for d in data] == [True, False]
    assert data[1]["verdict"] == NOT_EXPRESSIBLE and data[1]["effect"] is None
    page = (tmp_path / "claims.html").read_text()
    assert "Commission vs bonus inequity causes friction" in page and "Verdict rule" in page
    assert "Joint training" in page  # listed with its missing mechanism
    assert (tmp_path / "charts" / "claim_comp_inequity_causes_friction.png").exists()


def test_a_broken_registry_is_one_line_naming_the_file(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text('[[claim]]\nid = "x"\nclaim = "c"\nquote = "q"\nsource = "s.txt"\nmeasure = "revenue"\n'
                    'direction = 2\n')  # fmt: skip
    with pytest.raises(InputError, match=r"claims.toml: claim 'x': direction: Input should be 1 or -1"):
        load_claims(path)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["claims", "--only", "nope"], "--only: 'nope' is not a claim"),
        (["explain", "separate", "separate"], "do not differ in any parameter"),
        (["explain", "separate", "aligned", "--group", "broken"], "--group: 'broken' is not of the form"),
        (["explain", "separate", "aligned", "--measure", "revenu"], "did you mean 'revenue'"),
        (["compare", "separate", "merged", "--reps", "2", "--baseline", "x", *TINY_ARGS], "--baseline: 'x'"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, expected):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert expected in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_the_report_table_of_paired_differences_comes_from_real_runs():
    from orgsim.presentation.answers import differences_html

    comp = compare(["separate", "merged", "aligned"], reps=3, overrides=TINY, workers=1)
    page = differences_html(comp, baseline="merged")
    assert "separate − merged" in page and "aligned − merged" in page and "merged − merged" not in page
    cell = f"{comp.difference('aligned', 'friction_index', 'merged').mean:+.1f}"
    assert cell in page and "Paired by seed" in page
    assert differences_html(compare(["separate"], reps=2, overrides=TINY, workers=1)) == ""


def test_compare_reports_carry_the_paired_differences():
    from orgsim.presentation.report.data import from_comparison

    comp = compare(["separate", "aligned"], reps=2, overrides=TINY, workers=1)
    data = from_comparison(comp, baseline="aligned")
    assert data.baseline == "aligned" and "separate − aligned" in data.differences
