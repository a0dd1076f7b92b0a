"""Every CI shown is cut to the values its measure can take: means of a share in [0, 1], of hours
and counts >= 0, a difference of shares in [-1, 1] (compare, explain, claims, tornado, sweep
reports, validate, calibrate's observables). Two replications far apart make the raw Student-t
interval spill over the range; the cut interval must not, and must still hold the mean.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from orgsim.experiment.observables import OBSERVABLES
from orgsim.experiment.stats import difference_bounds, mean_ci, paired_difference
from orgsim.experiment.summaries import series_band, step_conversion


def test_a_raw_interval_of_two_far_values_spills_over_the_range():  # the cases below are real cases
    _, low, high = mean_ci([0.0, 0.9])
    assert low < 0 and high > 1


def test_a_difference_of_shares_stays_within_minus_one_and_one():
    d = paired_difference([0.0, 1.0, 0.0], [1.0, 0.0, 1.0], measure="win_rate")
    assert -1.0 <= d.ci_low <= d.mean <= d.ci_high <= 1.0
    assert difference_bounds("friction_index") == (-100.0, 100.0)
    unbounded = paired_difference([0.0, 1.0, 0.0], [1.0, 0.0, 1.0], measure="contribution")
    assert unbounded.ci_low < -1.0  # a signed amount is not cut


@pytest.mark.parametrize("name", ["win_rate", "median_response_hours", "funnel.mql_to_sal"])
def test_calibrates_observables_cut_their_cis(name):
    obs = OBSERVABLES[name]
    spread = [0.0, 0.9] if obs.hi == 1.0 else [0.0, 40.0]
    results = [SimpleNamespace(value=v) for v in spread]
    reads_value = type(obs)(obs.name, obs.unit, obs.meaning, obs.lo, obs.hi, per_run=lambda r: r.value)
    est = reads_value.estimate(results)
    assert obs.lo is not None and est.low >= obs.lo and est.low <= est.value
    if obs.hi is not None:
        assert est.high <= obs.hi


def test_funnel_conversions_of_a_sweep_report_stay_shares():
    runs = pd.DataFrame(
        {"group": ["a", "a"], "funnel.inquiry": [10, 10], "funnel.mql": [0, 10], "funnel.won": [0, 9]}
    )
    table = step_conversion(runs, ["inquiry", "mql", "won"]).dropna()  # won/mql: one run, no CI
    assert len(table) == 2 and (table["low"] >= 0).all() and (table["high"] <= 1).all()
    assert (table["low"] <= table["mean"]).all() and (table["mean"] <= table["high"]).all()


@pytest.mark.parametrize(
    ("var", "lo", "hi"), [("trust", 0.0, 1.0), ("tension", 0.0, 100.0), ("open_leads", 0.0, math.inf)]
)
def test_series_bands_stay_within_what_the_series_can_take(var, lo, hi):
    near = {"trust": [0.02, 0.98], "tension": [0.01, 0.99], "open_leads": [0.0, 50.0]}[var]
    series = pd.DataFrame({"group": "a", "day": [0, 0], "run": [0, 1], var: near})
    band = series_band(series, var)
    assert (band["low"] >= lo).all() and (band["high"] <= hi).all()
    settings = series.assign(f=[1, 1], run=[0, 1])
    band = series_band(pd.concat([settings, settings.assign(f=[2, 2])]), var, ["f"])
    assert (band["low"].dropna() >= lo).all() and (band["high"].dropna() <= hi).all()


def test_compare_differences_of_a_share_are_cut():
    from orgsim import compare, load_scenario

    over = {"market.prospects": 300, "horizon.days": 5, "horizon.warmup_days": 0, "sales.headcount": 2}
    result = compare([load_scenario("separate", over), load_scenario("aligned", over)], reps=2, workers=1)
    table = result.differences(columns=["win_rate", "sla_met_share", "leakage_rate"])
    finite = table.dropna(subset=["ci_low", "ci_high"])
    assert ((finite["ci_low"] >= -1) & (finite["ci_high"] <= 1)).all()
    assert np.isfinite(table["mean"]).any()
