"""Ratios with a zero denominator are undefined (NaN, null in JSON), never 0, and left out of means."""

from __future__ import annotations

import json
import math

import numpy as np

from orgsim import compare, load_scenario, simulate
from orgsim.cli import main

RATIOS = ("win_rate", "leakage_rate", "sla_met_share", "sales_sourced_share")


def test_a_run_with_no_decided_opportunity_has_no_win_rate():
    result = simulate("aligned", seed=0, days=2, overrides={"market.prospects": 200})
    m = result.metrics
    assert m["won_deals"] == 0
    assert math.isnan(m["win_rate"]) and math.isnan(m["sales_sourced_share"])  # no decision, no revenue
    for name in RATIOS:
        assert math.isnan(m[name]) or 0.0 <= m[name] <= 1.0


def test_means_leave_undefined_runs_out_and_count_the_rest():
    short = load_scenario("aligned", {"market.prospects": 300, "horizon.days": 25})
    comp = compare([short], reps=6, workers=1)
    values = comp.values(comp.labels[0], "win_rate")
    defined = values[~np.isnan(values)]
    row = comp.summary().set_index("measure").loc["win_rate"]
    assert row["n"] == len(defined)
    if len(defined):
        assert math.isclose(row["mean"], defined.mean())  # not dragged toward 0 by the undefined runs
    else:
        assert math.isnan(row["mean"])


def test_run_json_gives_null_for_an_undefined_ratio(capsys):
    try:
        main(["run", "aligned", "--days", "2", "--set", "market.prospects=200", "--json"])
    except SystemExit as exc:
        assert not exc.code
    payload = json.loads(capsys.readouterr().out)
    assert payload["metrics"]["win_rate"] is None
