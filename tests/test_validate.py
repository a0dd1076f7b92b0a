"""orgsim validate: facts from the package, per structure, ok decided by the CI against the range."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from orgsim.cli import cli
from orgsim.experiment.observables import Estimate
from orgsim.experiment.validate import load_facts

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
    ("estimate", "ok"),
    [
        (Estimate(0.30, 0.26, 0.34, 5), False),  # CI wholly above [0.10, 0.25]
        (Estimate(0.28, 0.24, 0.32, 5), True),  # mean outside, CI overlaps: consistent
        (Estimate(0.05, 0.01, 0.09, 5), False),  # wholly below
        (Estimate(0.20, math.nan, math.nan, 1), True),  # no CI: the mean decides
        (Estimate(math.nan, math.nan, math.nan, 0), None),  # not measured
    ],
)
def test_ok_follows_the_ci_against_the_range(estimate, ok):
    fact = next(f for f in load_facts() if f.measure.name == "funnel.inquiry_to_mql")
    assert (fact.low, fact.high) == (0.10, 0.25)
    assert fact.agrees(estimate) is ok


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
    assert "id='validation'" in html and "measured published figures" in html
    assert (tmp_path / "v" / "charts" / "validation.png").exists()
    measured = [c for c in checks if c["ok"] is not None]
    assert len(measured) >= 8
    for c in measured:
        high = math.inf if c["published_high"] is None else c["published_high"]
        if c["ci_low"] is not None:
            assert c["ok"] == (c["ci_low"] <= high and c["ci_high"] >= c["published_low"]), c
        assert c["ci_low"] is None or c["ci_low"] <= c["model"] <= c["ci_high"]
    for c in checks:
        if c["ok"] is None:
            assert c["model"] is None and "not measured" in c["note"]


def test_validate_table_prints_a_score_per_structure(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(SCENARIO)
    result = CliRunner().invoke(
        cli,
        ["validate", str(path), "--structures", "merged", "--reps", "2", "--workers", "2"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert "tiny under merged:" in result.output and "measured facts agree" in result.output
    assert "overall:" in result.output
