"""One-at-a-time tornado: paired margins from real runs, checked by hand; the chart; the CLI."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner
from scipy import stats

from orgsim import compare, load_scenario
from orgsim.analyses.tornado import KEY_PARAMETERS, Tornado, plan_bounds, read_tornado, tornado
from orgsim.cli import cli, main
from orgsim.experiment.seeds import run_seed
from orgsim.params import PARAMETERS, PRESETS
from orgsim.presentation.style import factor_name

# a short warm-up: swings, seeds and bounds are checked against the runs themselves
TINY = {"market.prospects": 800, "horizon.days": 30, "horizon.warmup_days": 20, "sales.headcount": 3,
        "marketing.headcount": 2}  # fmt: skip
TINY_ARGS = ["--days", "30", "--set", "market.prospects=800", "--set", "marketing.headcount=2",
             "--set", "horizon.warmup_days=20"]  # fmt: skip
PARAMS = ["market.demand", "sales.headcount=2:6"]


@pytest.fixture(scope="module")
def result() -> Tornado:
    base = load_scenario("separate", TINY)
    return tornado(base, ("aligned", "separate"), PARAMS, reps=3, seed=7, workers=1)


def _hand(runs, key: str, end: str, measure: str = "contribution") -> tuple[float, float, float]:
    """a - b per seed, its mean and t interval, computed here from the runs table."""
    part = runs[(runs["parameter"] == key) & (runs["end"] == end)]
    a = part[part["structure"] == "aligned"].set_index("seed")[measure]
    b = part[part["structure"] == "separate"].set_index("seed")[measure]
    d = (a - b.loc[a.index]).to_numpy()
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    return d.mean(), d.mean() - half, d.mean() + half


def test_every_arm_and_structure_uses_the_same_seeds(result):
    seeds = [run_seed(7, r) for r in range(3)]
    arms = result.runs.groupby(["parameter", "end", "structure"])["seed"].apply(list)
    assert len(arms) == (1 + 2 * len(PARAMS)) * 2
    assert all(list(s) == seeds for s in arms)


def test_swings_match_a_hand_calculation_from_the_paired_runs(result):
    for s in result.swings:
        for end, d in (("low", s.low), ("high", s.high)):
            mean, low, high = _hand(result.runs, s.bounds.key, end)
            assert d.n == 3
            assert d.mean == pytest.approx(mean) and d.ci_low == pytest.approx(low)
            assert d.ci_high == pytest.approx(high)
        assert s.swing == pytest.approx(abs(s.high.mean - s.low.mean))
    swings = [s.swing for s in result.swings]
    assert swings == sorted(swings, reverse=True)  # largest swing first


def test_the_centre_is_the_base_paired_margin_that_compare_gives(result):
    mean, low, high = _hand(result.runs, "", "base")
    assert result.base.mean == pytest.approx(mean) and result.base.ci_low == pytest.approx(low)
    assert (result.margins()["overall"] == result.base.mean).all()
    base = load_scenario("separate", TINY)
    arms = [base.with_overrides({"structure": s}) for s in ("separate", "aligned")]
    comp = compare(arms, reps=3, seed=7, workers=1)
    d = comp.difference(comp.labels[1], "contribution", comp.labels[0])
    assert d.mean == pytest.approx(result.base.mean) and d.ci_high == pytest.approx(result.base.ci_high)


def test_bounds_are_given_or_half_and_double_within_the_declared_range(result):
    by_key = {s.bounds.key: s.bounds for s in result.swings}
    assert (by_key["market.demand"].low, by_key["market.demand"].high) == (0.5, 2.0)
    assert (by_key["sales.headcount"].low, by_key["sales.headcount"].high) == (2, 6)
    assert by_key["sales.headcount"].rule == "given"
    values = result.runs.loc[result.runs["parameter"] == "sales.headcount", "value"]
    assert set(values) == {2, 6}
    # clipped: doubling 0.4 of a 0..0.5 share stops at 0.5
    sc = load_scenario("separate", {"market.in_market_share": 0.4})
    (b,), _ = plan_bounds(sc, ["market.in_market_share"], ("aligned", "separate"))
    assert (b.low, b.high) == (0.2, PARAMETERS["market.in_market_share"].hi)


def test_default_parameters_are_conditions_both_structures_share():
    for key in KEY_PARAMETERS:
        assert key in PARAMETERS
        assert not any(key in preset for preset in PRESETS.values()), key
    bounds, notes = plan_bounds(load_scenario("separate"), None, ("aligned", "separate"))
    assert [b.key for b in bounds] == list(KEY_PARAMETERS) and not notes
    for b in bounds:
        spec = PARAMETERS[b.key]
        assert spec.lo <= b.low < b.base < b.high <= spec.hi


def test_json_round_trip_keeps_the_bars(result, tmp_path):
    path = tmp_path / "tornado.json"
    path.write_text(json.dumps(result.to_dict()))
    back = read_tornado(path)
    assert back.base == result.base
    assert [(s.bounds, s.low, s.high) for s in back.swings] == [
        (s.bounds, s.low, s.high) for s in result.swings
    ]


def test_the_chart_carries_the_finding_and_units(result):
    from orgsim.presentation.exhibits import tornado_figure

    fig = tornado_figure(result)
    texts = [t.get_text() for t in fig.texts]
    assert "aligned" in texts[0] and "separate" in texts[0] and "contribution" in texts[0]
    assert "base margin" in texts[1]
    ax = fig.axes[0]
    assert "currency units" in ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == factor_name(result.swings[0].bounds.key)  # the largest swing is drawn on top
    annotations = " ".join(c.get_text() for c in ax.texts)
    assert "6 people" in annotations and "2x" in annotations


def test_cli_json_out_and_report_exhibit(tmp_path):
    out = tmp_path / "t"
    args = ["tornado", *TINY_ARGS, "--reps", "2", "--param", "market.demand", "--json", "--out", str(out)]
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["a"] == "aligned" and payload["b"] == "separate" and payload["measure"] == "contribution"
    assert [s["parameter"] for s in payload["swings"]] == ["market.demand"]
    for name in ("tornado.png", "tornado.svg", "tornado.csv", "tornado_runs.csv", "tornado.json"):
        assert (out / name).is_file(), name
    table = (out / "tornado.csv").read_text().splitlines()
    assert table[0].startswith("parameter,") and len(table) == 3  # header, base, one parameter


def test_cli_table_reads_at_100_columns():
    res = CliRunner().invoke(cli, ["tornado", *TINY_ARGS, "--reps", "2", "--param", "market.demand"],
                             catch_exceptions=False)  # fmt: skip
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "base margin" in res.output
    row = next(i for i, line in enumerate(lines) if line.lstrip().startswith("Market demand"))
    assert "at 0.5x:" in lines[row] and "at 2x:" in lines[row]  # the label, then each end's level
    assert lines[row + 1].strip().startswith("market.demand")  # the key to pass to --param


def test_every_key_parameter_has_a_schema_label_the_charts_use():
    for key in KEY_PARAMETERS:
        label = PARAMETERS[key].label
        assert label and factor_name(key) == label, key
        assert "." not in label and "_" not in label, label


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--structures", "aligned"], "--structures: give two different structures A,B"),
        (["--structures", "aligned,bogus"], "--structures: 'bogus' is not a structure"),
        (["--param", "policy.lead_routing"], "--param: policy.lead_routing is set by the aligned preset"),
        (["--param", "market.demand=1"], "is not KEY or KEY=LOW:HIGH"),
        (["--param", "market.demand=1:9"], "market.demand: Input should be less than or equal to 5"),
        (["--param", "market.demand=1:1"], "LOW and HIGH are both 1"),
        (["--param", "market.demnd"], "did you mean 'market.demand'"),
        (
            ["--structures", "merged,separate", "--param", "sales.prioritisation"],
            "is a choice (cherry_pick|sla)",
        ),
        (["--param", "market.demand", "--param", "market.demand=1:2"], "market.demand is given twice"),
        (["--measure", "revenu"], "did you mean 'revenue'"),
        (
            ["--set", "policy.follow_up_duty=0", "--param", "policy.follow_up_duty"],
            "set by the aligned preset",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line_before_running(capsys, args, expected):
    with pytest.raises(SystemExit) as info:
        main(["tornado", *TINY_ARGS, *args])
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert expected in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_out_that_is_a_file_is_refused_before_running(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(SystemExit) as info:
        main(["tornado", *TINY_ARGS, "--out", str(target)])
    assert info.value.code == 2 and "is a file" in capsys.readouterr().err


def test_a_zero_base_value_is_left_out_of_the_defaults_with_a_note():
    sc = load_scenario("separate", {"costs.hourly_rate": 0})
    bounds, notes = plan_bounds(sc, None, ("aligned", "separate"))
    assert "costs.hourly_rate" not in [b.key for b in bounds]
    assert any(n.startswith("costs.hourly_rate left out") for n in notes)


def test_a_compare_report_in_the_same_directory_shows_the_tornado(result, tmp_path):
    from orgsim.cli.tornado import write_outputs
    from orgsim.presentation.report import write_comparison_report

    write_outputs(result, str(tmp_path))
    base = load_scenario("separate", TINY)
    comp = compare([base, base.with_overrides({"structure": "aligned"})], reps=2, workers=1)
    html = write_comparison_report(comp, tmp_path).read_text()
    assert "id='tornado_one_at_a_time'" in html
    assert (tmp_path / "charts" / "tornado_one_at_a_time.png").is_file()
    assert "From orgsim tornado on separate" in html
    # the executive summary says where the answer flips (or that it holds) from the tornado
    assert "one parameter at a time on separate, 3 paired replications" in html


def test_help_lists_every_default_parameter():
    res = CliRunner().invoke(cli, ["tornado", "--help"], terminal_width=100)
    assert res.exit_code == 0
    for key in KEY_PARAMETERS:
        assert key in res.output, key
    assert max(len(line) for line in res.output.splitlines()) <= 100
