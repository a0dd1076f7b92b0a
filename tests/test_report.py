"""The HTML report: self-contained, complete, and with the charts that fit each experiment design.

Inputs are real runs (tiny) of a comparison and of sweep directories in the layout of
`orgsim sweep`; no model output is hard-coded.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from orgsim.cli import cli, main
from orgsim.experiment.stats import paired_difference
from orgsim.experiment.storage import load_manifest
from orgsim.outputs import seal
from orgsim.presentation import charts, report, style
from orgsim.presentation.format import fmt_compact
from orgsim.presentation.report.summary import summarise
from report_fixtures import DAYS, make_sweep_dir, small_comparison

EXTERNAL = re.compile(r"(?:https?|ftp):|(?:src|href)\s*=\s*[\"']?//|url\(\s*[\"']?(?!data:)", re.I)
TWO_FACTORS = {"sales.headcount": [4, 12], "market.demand": [0.6, 1.5]}
RANGES = {"sales.headcount": (3, 20), "marketing.budget": (3e5, 2e6), "market.demand": (0.5, 1.8)}


def external_urls(html: str) -> list[str]:
    return [m.group(0) for m in EXTERNAL.finditer(html)]


@pytest.fixture(scope="module")
def compare_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    path = report.write_comparison_report(small_comparison(), out)
    return path, path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """One sweep directory per design, built from real tiny runs."""
    root = tmp_path_factory.mktemp("sweeps")
    return {
        "factorial2": make_sweep_dir(
            root / "f2", "factorial", TWO_FACTORS, ("separate", "merged", "aligned")
        ),
        "factorial1": make_sweep_dir(
            root / "f1", "factorial", {"sla.response_hours": [1, 8, 48]}, series=True, fail_one=True
        ),
        "lhs": make_sweep_dir(root / "lhs", "lhs", {k: RANGES[k] for k in list(RANGES)[:2]}, reps=1, n=14),
        "sobol": make_sweep_dir(root / "sobol", "sobol", RANGES, ("aligned",), reps=1, n=4),
        "morris": make_sweep_dir(root / "morris", "morris", RANGES, ("aligned",), reps=1, n=4),
        "categorical": make_sweep_dir(
            root / "cat", "factorial", {"sales.prioritisation": ["cherry_pick", "sla"]}
        ),
    }


# -- the comparison report -----------------------------------------------------------------------
def test_compare_report_is_self_contained(compare_report):
    path, html = compare_report
    assert external_urls(html) == []
    assert "<script" not in html
    charts = sorted((path.parent / "charts").glob("*.png"))
    assert len(charts) == 11  # forest + 6 + a lead flow per structure (3) + revenue recovered
    assert {f"lead_flow_{g}.png" for g in ("separate", "merged", "aligned")} <= {p.name for p in charts}
    assert html.count('src="data:image/png;base64,') == len(charts)
    for png in charts:
        assert png.with_suffix(".svg").is_file()


def test_compare_report_says_what_was_compared_and_what_came_out(compare_report):
    path, html = compare_report
    for section in ("Executive summary", "What came out", "What was compared", "Headline results", "Method",
                    "Lead-ledger check"):  # fmt: skip
        assert f"<h2>{section}</h2>" in html
    assert "separate, merged or aligned" in html  # the question names the structures
    assert "sla.response_hours" in html  # parameters that differ from the defaults
    for measure in ("Revenue", "Friction index", "Lead leakage rate", "Contribution"):
        assert measure in html
    assert html.count("95% CI") >= 3 or "confidence interval" in html
    assert "3 replications of each of 3 scenarios" in html
    assert "seed 0 &times; 2<sup>32</sup> + <i>r</i>" in html
    assert "<code>orgsim run --seed</code> <i>r</i>" in html
    assert html.index("Executive summary") < html.index("What came out")  # the summary comes first
    assert "holds for all 9 runs" in html
    assert html.count("<figure id=") == 11  # a reading only where it adds to the chart's own title
    assert 1 <= html.count("<b>Reading:</b>") <= 11
    summary = pd.read_csv(path.parent / "summary.csv")
    assert set(summary["group"]) == {"separate", "merged", "aligned"}
    assert (summary["low"] <= summary["mean"] + 1e-9).all()
    runs = pd.read_csv(path.parent / "runs.csv")
    assert len(runs) == 9 and "revenue" in runs


def test_compare_report_states_the_horizon_and_what_the_open_pipeline_is_worth(compare_report):
    from orgsim.presentation.format import fmt_value

    path, html = compare_report
    text = " ".join(html.split())
    assert f"Horizon: {DAYS} business days" in text
    runs = pd.read_csv(path.parent / "runs.csv")
    by = "group" if "group" in runs else "scenario"
    worth = runs.groupby(by, sort=False)["pipeline_value"].mean()
    said = ", ".join(f"{g} {fmt_value('pipeline_value', v)}" for g, v in worth.items())
    assert f"At the horizon the open pipeline is worth (face value, mean) {said}" in text
    assert "customer value counts it at the win rate" in text


def test_headline_marks_best_only_when_clear():
    comp = small_comparison(("separate", "aligned"), reps=3)
    data = report.from_comparison(comp)
    table = report.headline(data)
    for measure, part in table.groupby("measure"):
        assert part["best"].sum() <= 1
        if part["best"].any():
            best = part.loc[part["best"], "group"].iloc[0]
            other = part.loc[~part["best"], "group"].iloc[0]
            by_rep = data.runs.set_index(["group", "replicate"])[measure]
            d = paired_difference(by_rep[other].sort_index(), by_rep[best].sort_index())
            assert d.clear and (d.mean > 0) == (measure not in style.LOWER_IS_BETTER)


def test_the_executive_summary_follows_the_cis(compare_report):
    comp = small_comparison()
    data = report.from_comparison(comp)
    summary = summarise(data)
    v = summary.verdict
    assert summary.measure == data.economic and v.measure == "customer_value"  # the decision measure
    by_rep = data.runs.set_index(["group", "replicate"])[v.measure]
    margins = {g: paired_difference(by_rep[g].sort_index(), by_rep[v.leader].sort_index()) for g in v.margins}
    assert v.clear == all(d.ci_low > 0 for d in margins.values())  # the stated rule, recomputed
    assert summary.headline.startswith(f"Recommend {v.leader}" if v.clear else "No clear winner")
    for g, d in margins.items():
        assert v.margins[g].overall.ci_low == pytest.approx(d.ci_low)
    _, html = compare_report
    assert "Decision matrix" in html and "Caveats" in html and "Verdict rule" in html
    assert "business days" in html and "not counted" in html  # horizon and what revenue counts


def test_coordination_hours_are_never_shaded_as_clearly_best(sweeps):
    data = report.from_sweep(sweeps["factorial2"])
    table = report.headline(data).set_index(["measure", "group"])
    coordination = table.loc["coordination_hours"]
    assert coordination["mark"].isin(["input", "none"]).all() and not coordination["best"].any()


def test_readings_quote_the_charted_numbers():
    data = report.from_comparison(small_comparison(("separate", "aligned"), reps=2))
    measure = data.economic  # the outcomes chart draws the decision measure first
    best = charts.ranked(data.runs, measure)[0]
    mean = data.runs.loc[data.runs["group"] == best, measure].mean()
    text = report.read_outcomes(data)
    assert f"highest for {best} at {fmt_compact(measure, mean)}" in text


def test_ledger_check_flags_a_broken_run():
    data = report.from_comparison(small_comparison(("separate",), reps=2))
    assert report.ledger_check(data.runs)["holds"].all()
    broken = data.runs.copy()
    broken.loc[0, "ledger.won"] += 1
    check = report.ledger_check(broken)
    assert check["holds"].tolist() == [False, True]


# -- sweep reports: the charts that fit the design -----------------------------------------------
@pytest.mark.parametrize(
    ("design", "expected", "absent"),
    [
        (
            "factorial2",
            {
                "winner_map_customer_value",
                "winner_map_friction_index",
                "response_sales_headcount",
                "response_market_demand",
                "tradeoff",
                "outcomes",
            },
            {"series"},
        ),  # fmt: skip
        ("factorial1", {"response_sla_response_hours", "series", "funnel"}, {"winner_map_customer_value"}),
        (
            "lhs",
            {"winner_map_customer_value", "response_sales_headcount", "response_marketing_budget"},
            set(),
        ),
        (
            "sobol",
            {"sensitivity_sobol", "outcomes"},
            {"winner_map_customer_value", "response_sales_headcount"},
        ),
        ("morris", {"sensitivity_morris", "leakage_by_cause"}, {"sensitivity_sobol"}),
        ("categorical", {"response_sales_prioritisation"}, {"winner_map_customer_value"}),
    ],
)
def test_report_picks_the_charts_that_fit_the_design(sweeps, design, expected, absent):
    data = report.from_sweep(sweeps[design])
    names = {ex.name for ex in report.plan(data)}
    assert expected <= names
    assert not absent & names
    # a Latin hypercube samples the structure with the other factors: no setting holds both
    # structures, so the report says it cannot pair within settings (and pools, as it must)
    assert data.crossed == (design != "lhs")
    assert data.notes == ([] if data.crossed else [next(n for n in data.notes if "not run in the same" in n)])


def test_a_categorical_factor_gets_a_response_chart(sweeps, tmp_path):
    data = report.from_sweep(sweeps["categorical"])
    planned = [p for p in report.plan(data) if p.name == "response_sales_prioritisation"]
    drawn = report.draw_charts(data, tmp_path, planned)
    assert drawn[0].png.is_file()
    assert "cherry_pick" in drawn[0].reading and "sla" in drawn[0].reading


def test_sweep_report_lists_failed_runs_and_factors(sweeps, tmp_path):
    path = report.write_sweep_report(sweeps["factorial1"], tmp_path)
    html = path.read_text(encoding="utf-8")
    assert external_urls(html) == []
    assert "Failed runs" in html and "model blew up" in html
    assert "1, 8, 48" in html  # the factor's levels
    manifest = load_manifest(sweeps["factorial1"])
    assert "full factorial" in html and manifest.experiment_hash in html  # design and experiment hash
    assert "SLA response hours" in html
    pngs = list((tmp_path / "charts").glob("*.png"))
    assert html.count('src="data:image/png;base64,') == len(pngs) >= 6


def test_sweep_report_says_what_was_compared_and_held_fixed(sweeps, tmp_path):
    path = report.write_sweep_report(sweeps["factorial2"], tmp_path)
    html = path.read_text(encoding="utf-8")
    assert "<pre>" not in html  # no raw manifest dump
    assert "Held fixed in every run" in html and "<code>market.prospects</code> = 1500" in html
    assert "within each of 4 settings of <code>sales.headcount</code>, <code>market.demand</code>" in html
    assert "Executive summary" in html and "When the answer changes" in html
    data = report.from_sweep(sweeps["factorial2"])
    v = data.verdict(data.economic)
    assert all(len(d.cells) == 4 and d.paired_by_seed for d in v.margins.values())


def test_sensitivity_indices_from_a_sobol_sweep(sweeps):
    data = report.from_sweep(sweeps["sobol"])
    indices = report.sensitivity_indices(data)
    assert set(indices["factor"]) == set(RANGES)
    assert set(indices["measure"]) == set(charts.HEADLINE)
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(indices.columns)


def test_sensitivity_indices_from_a_morris_sweep(sweeps):
    indices = report.sensitivity_indices(report.from_sweep(sweeps["morris"]))
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(indices.columns)
    assert (indices["mu_star"] >= 0).all()


def test_an_incomplete_sobol_sweep_is_reported_not_charted(sweeps, tmp_path):
    runs = pd.read_parquet(sweeps["sobol"] / "runs")
    broken = tmp_path / "sobol"
    (broken / "runs").mkdir(parents=True)
    runs[runs["design_point"] != 3].to_parquet(broken / "runs" / "part-00000.parquet")
    (broken / "manifest.json").write_text((sweeps["sobol"] / "manifest.json").read_text())
    data = report.from_sweep(broken)
    names = {ex.name for ex in report.plan(data)}
    assert "sensitivity_sobol" not in names
    assert any("could not be computed" in n for n in data.notes)


# -- the command line ------------------------------------------------------------------------------
def test_cli_report_writes_into_the_sweep_dir_by_default(sweeps):
    result = CliRunner().invoke(cli, ["report", str(sweeps["morris"]), "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["report"] == str(sweeps["morris"] / "report.html")
    assert payload["design"] == "morris"
    for chart in payload["charts"]:
        assert chart["png"].endswith(".png")
        assert (sweeps["morris"] / "charts" / f"{chart['name']}.svg").is_file()


def test_cli_report_out_option(sweeps, tmp_path):
    result = CliRunner().invoke(cli, ["report", str(sweeps["lhs"]), "--out", str(tmp_path / "r"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "report.html").is_file()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p / "missing", "not a directory"),
        (lambda p: p, "manifest.json: not found"),
    ],
)
def test_cli_report_bad_dir_exits_2_with_one_line(tmp_path, capsys, make, expected):
    with pytest.raises(SystemExit) as info:
        main(["report", str(make(tmp_path))])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1


def test_cli_report_with_no_runs_exits_2(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text(json.dumps(seal({"experiment": {"design": "lhs"}})))
    with pytest.raises(SystemExit) as info:
        main(["report", str(tmp_path)])
    assert info.value.code == 2
    assert "no part-*.parquet files" in capsys.readouterr().err
