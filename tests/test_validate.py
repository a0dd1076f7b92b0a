"""orgsim validate: facts from the package, per structure, a strict verdict (point in range, CI narrow)."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from orgsim.analyses.validate import dropped_facts, load_facts, validate
from orgsim.cli import cli
from orgsim.errors import InputError
from orgsim.experiment.observables import Estimate

SCENARIO = """
name = "tiny"
structure = "separate"
[horizon]
days = 60
[market]
prospects = 3000
[sales]
headcount = 4
[marketing]
headcount = 2
"""


def test_the_packaged_facts_cover_what_the_issue_asks():
    facts = {f.measure.name: f for f in load_facts()}
    for stage in ("inquiry_to_mql", "mql_to_sal", "sal_to_sql", "sql_to_opportunity"):
        assert f"funnel.{stage}" in facts
    assert "win_rate" in facts and "never_responded_share" in facts
    for ratio in ("contact_odds_5_vs_30_min", "qualify_odds_5_vs_30_min", "qualify_odds_1h_vs_24h_plus"):
        assert facts[ratio].kind == "ratio"
    assert facts["bookings"].kind == "band" and facts["bookings"].relative_to == "separate"
    economics = (
        "sm_share",
        "cac_payback_months",
        "gross_revenue_retention",
        "net_revenue_retention",
        "logo_churn",
    )
    for name in economics:  # the company's economics, checked under every structure
        assert facts[name].kind == "level" and all(
            facts[name].applies(s) for s in ("separate", "merged", "aligned")
        )
    assert all(f.source for f in facts.values())


@pytest.mark.parametrize(
    ("estimate", "verdict"),
    [
        (Estimate(0.20, 0.17, 0.23, 5), "agrees"),  # point in [0.10, 0.25], CI 0.06 < 0.15 wide
        (Estimate(0.20, 0.11, 0.24, 5), "agrees"),  # CI 0.13 wide, still narrower than the range
        (Estimate(0.20, 0.05, 0.35, 5), "not enough data"),  # point in range, CI wider than the range
        (Estimate(0.28, 0.24, 0.32, 5), "not enough data"),  # point outside, CI still reaches the range
        (Estimate(0.28, 0.2501, 0.32, 5), "disagrees"),  # the whole (narrow) CI just above the range
        (Estimate(0.27, 0.25, 0.29, 5), "not enough data"),  # CI touches the range's top: not wholly out
        (Estimate(0.05, 0.02, 0.0999, 5), "disagrees"),  # wholly below
        (Estimate(0.30, 0.26, 0.34, 5), "disagrees"),  # CI wholly above the range
        (Estimate(0.60, 0.30, 0.90, 5), "disagrees"),  # wide, but it misses the range wholly
        (Estimate(0.28, 0.00, 0.56, 5), "not enough data"),  # point outside, CI too wide to tell
        (Estimate(0.20, math.nan, math.nan, 1), "not enough data"),  # no CI: never agrees
        (Estimate(math.nan, math.nan, math.nan, 0), "not enough data"),  # not measured
    ],
)
def test_a_fact_agrees_only_with_its_point_in_range_and_a_narrow_ci(estimate, verdict):
    fact = next(f for f in load_facts() if f.measure.name == "funnel.inquiry_to_mql")
    assert (fact.low, fact.high) == (0.10, 0.25)
    assert fact.max_ci_width == pytest.approx(0.15)  # no ci_width: the range's own width
    assert fact.verdict(estimate) == verdict
    assert fact.agrees(estimate) is (None if verdict == "not enough data" else verdict == "agrees")


def test_ratio_facts_judge_the_ci_as_a_factor_and_an_open_range_states_its_width():
    facts = {f.measure.name: f for f in load_facts()}
    ratio = facts["contact_odds_5_vs_30_min"]  # 50..200: a factor of 4
    assert ratio.max_ci_width == pytest.approx(4.0)
    assert ratio.verdict(Estimate(100, 60, 180, 900)) == "agrees"  # factor 3
    assert ratio.verdict(Estimate(100, 20, 500, 900)) == "not enough data"  # factor 25
    open_ended = facts["qualify_odds_1h_vs_24h_plus"]
    assert open_ended.high is None and open_ended.ci_width is not None
    assert open_ended.verdict(Estimate(90, 70, 120, 900)) == "agrees"
    assert open_ended.verdict(Estimate(90, 10, 900, 900)) == "not enough data"


def test_a_fact_without_an_upper_bound_must_state_its_ci_width(tmp_path):
    path = tmp_path / "facts.toml"
    path.write_text('[[fact]]\nname = "x"\nmeasure = "win_rate"\nlow = 0.2\nkind = "level"\n')
    with pytest.raises(InputError, match="ci_width"):
        load_facts(path)


def test_calibration_targets_are_marked_and_no_fact_echoes_an_input():
    import tomllib
    from pathlib import Path

    facts = {f.measure.name: f for f in load_facts() if f.kind != "band"}
    published = Path(__file__).parents[1] / "experiments" / "calibration" / "published.toml"
    targets = tomllib.loads(published.read_text())["targets"]
    for measure in targets:  # every measure the published calibration fits is a marked target
        assert facts[measure].calibrated, measure
    for ratio in ("contact_odds_5_vs_30_min", "qualify_odds_5_vs_30_min"):  # the speed-to-lead fit
        assert facts[ratio].calibrated
    held_out = [f for f in facts.values() if not f.calibrated]
    assert held_out and "black_hole_share" in {f.measure.name for f in held_out}
    # the sales-cycle fact echoed market.sales_cycle_days and the six-attempts band passed any
    # non-negative effect: both are kept in the file with a reason but not checked
    assert "sales_cycle_calendar_days" not in facts
    assert all(f.name != "six attempts vs one: SQLs" for f in load_facts())
    dropped = dict(dropped_facts())
    assert "echoes an input" in dropped["sales cycle, opportunity to decision"]
    assert dropped["six attempts vs one: SQLs"]


def test_an_optional_fact_whose_measure_is_missing_reads_as_not_enough_data(tmp_path):
    path = tmp_path / "facts.toml"
    path.write_text(
        '[[fact]]\nname = "x"\nmeasure = "no_such_measure"\noptional = true\nlow = 0.6\nhigh = 0.8\n'
        'kind = "level"\n'
    )
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(SCENARIO)
    (check,) = validate(str(scenario), ["separate"], reps=2, workers=1, facts=load_facts(path))
    assert check.verdict == "not enough data" and "no_such_measure" in check.note
    path.write_text(path.read_text().replace("optional = true\n", ""))
    with pytest.raises(InputError, match="unknown measure"):
        load_facts(path)


@pytest.mark.parametrize("reps", ["0", "1"])
def test_validate_refuses_below_two_reps_in_one_line(reps, capsys):
    from orgsim.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["validate", "--reps", reps])
    assert exit_.value.code == 2
    said = capsys.readouterr().err
    assert "--reps" in said and "2" in said
    assert len(said.strip().splitlines()) == 1 and "Traceback" not in said


def test_the_api_refuses_one_replication_too():
    with pytest.raises(InputError, match="--reps: 1"):
        validate("separate", ["separate"], reps=1)


def test_validate_json_has_one_object_per_fact_and_structure(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(SCENARIO)
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            str(path),
            "--structures",
            "separate,aligned",
            "--reps",
            "3",
            "--workers",
            "2",
            "--out",
            str(tmp_path / "v"),
            "--json",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    checks = json.loads(result.stdout)
    assert json.loads((tmp_path / "v" / "validation.json").read_text()) == checks
    assert (tmp_path / "v" / "validation.png").stat().st_size > 0 and (
        tmp_path / "v" / "validation.svg"
    ).exists()
    keys = {"fact", "structure", "published_low", "published_high", "model", "ci_low", "ci_high", "ok"}
    keys |= {"verdict", "calibrated", "ci_width"}
    assert all(keys <= set(c) for c in checks)
    assert {c["structure"] for c in checks} == {"separate", "aligned"}
    # a band against separate is checked under aligned only; separate-only facts under separate
    assert {c["structure"] for c in checks if c["fact"] == "revenue, vs separate"} == {"aligned"}
    assert {c["structure"] for c in checks if c["measure"] == "never_responded_share"} == {"separate"}
    # the report of a comparison written into the same directory gains a validation section
    from orgsim import compare
    from orgsim.presentation.report import write_comparison_report

    report = write_comparison_report(compare([str(path)], reps=2, workers=1), tmp_path / "v")
    html = report.read_text()
    assert "id='validation'" in html and "held-out published figures" in html
    assert "calibration targets" in html
    assert (tmp_path / "v" / "charts" / "validation.png").exists()
    assert {c["verdict"] for c in checks} <= {"agrees", "disagrees", "not enough data"}
    assert any(c["calibrated"] for c in checks) and any(not c["calibrated"] for c in checks)
    for c in checks:
        high = math.inf if c["published_high"] is None else c["published_high"]
        if c["verdict"] == "agrees":  # every agreement has its point in range and a narrow CI
            assert c["published_low"] <= c["model"] <= high, c
            span = c["ci_high"] / c["ci_low"] if c["kind"] == "ratio" else c["ci_high"] - c["ci_low"]
            assert span <= c["ci_width"] + 1e-12, c
        if c["verdict"] == "disagrees":  # never on a mean outside with a CI that reaches the range
            assert c["ci_high"] < c["published_low"] or c["ci_low"] > high, c
        elif c["verdict"] == "not enough data" and None not in (c["ci_low"], c["ci_high"]):
            wholly_out = c["ci_high"] < c["published_low"] or c["ci_low"] > high
            assert not wholly_out, c
        assert c["ok"] == (None if c["verdict"] == "not enough data" else c["verdict"] == "agrees")
        if c["model"] is None:
            assert c["verdict"] == "not enough data" and "not measured" in c["note"]
        else:  # CIs cut to the values the measure can take
            assert c["ci_low"] is None or c["ci_low"] <= c["model"] <= c["ci_high"]
            if c["kind"] != "band" and c["measure"].endswith("share"):
                assert 0.0 <= c["ci_low"] and c["ci_high"] <= 1.0, c
            if c["kind"] == "band":
                assert c["ci_low"] >= -1.0, c


def test_validate_table_separates_held_out_facts_from_calibration_targets(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(SCENARIO)
    result = CliRunner().invoke(
        cli,
        ["validate", str(path), "--structures", "merged", "--reps", "2", "--workers", "1"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert "below 5" in result.output  # warned: two reps leave most CIs too wide
    assert "tiny under merged, held-out facts:" in result.output
    assert "tiny under merged, calibration targets" in result.output
    assert "held-out facts:" in result.output and "calibration targets:" in result.output
    assert "Verdict rule:" in result.output and "not checked: sales cycle" in result.output
