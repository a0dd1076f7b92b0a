"""Every parameter set inside the declared schema runs: finite measures, a conserving ledger,
rates in [0, 1]. Hypothesis samples every parameter of ``params.PARAMETERS`` at once (ranges,
choices, flags; every structure preset; short horizons), each run in its own process under time
and memory limits (tests/param_space.py).

CI runs a modest count in its slow step (``uv run pytest -m slow``); ``ORGSIM_PROPERTY_EXAMPLES=300``
runs a deeper search, and ``ORGSIM_PROPERTY_LOG=FILE`` appends each example's outcome to FILE as a JSON line.
"""

from __future__ import annotations

import json
import math
import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from orgsim.params import PARAMETERS, STRUCTURES
from param_space import run_limited

EXAMPLES = int(os.environ.get("ORGSIM_PROPERTY_EXAMPLES", "12"))
MAX_DAYS = int(os.environ.get("ORGSIM_PROPERTY_DAYS", "20"))
LOG = os.environ.get("ORGSIM_PROPERTY_LOG")
SHARES = ("win_rate", "leakage_rate", "never_responded_share", "sales_sourced_share", "mean_trust")
# ratios with a zero denominator are undefined (NaN, null in JSON), never a made-up 0
MAY_BE_UNDEFINED = {
    "median_response_hours",  # no MQL was ever attempted
    "win_rate",  # no decided opportunity
    "leakage_rate",  # no lead with intent
    "handoff_leakage_rate",  # no MQL with intent
    "black_hole_share",  # no MQL
    "sla_met_share",  # no MQL
    "sales_sourced_share",  # no bookings
    "cac",  # no new customer
    "cac_payback_months",  # no new ARR
    "sm_share",  # no recognised revenue
    "net_revenue_retention",  # no installed base at the start
    "gross_revenue_retention",  # no installed base at the start
    "logo_churn",  # no installed base at the start
}


def value_of(key: str):
    """Any value the schema allows for ``key``, with its ends and log-spread values likely."""
    spec = PARAMETERS[key]
    if spec.type == "bool":
        return st.booleans()
    if spec.choices:
        return st.sampled_from(spec.choices)
    lo, hi = spec.lo, spec.hi
    ends = st.sampled_from([lo, hi, spec.default])
    if spec.type == "int":
        lo_i, hi_i = int(lo), int(hi)
        spread = st.integers(lo_i, hi_i)
        if hi_i > 1000 * max(lo_i, 1):
            lo_l, hi_l = math.log(max(lo_i, 1)), math.log(hi_i)
            spread = st.floats(lo_l, hi_l).map(lambda v: min(hi_i, max(lo_i, round(math.exp(v)))))
        return st.one_of(ends.map(int), spread)
    spread = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    if lo >= 0 and hi > 1000 * max(lo, 1e-3):  # wide positive ranges: sample orders of magnitude
        lo_l, hi_l = math.log(max(lo, 1e-6)), math.log(hi)
        spread = st.one_of(spread, st.floats(lo_l, hi_l).map(lambda v: min(hi, max(lo, math.exp(v)))))
    return st.one_of(ends, spread)


@st.composite
def parameter_sets(draw):
    overrides = {key: draw(value_of(key)) for key in PARAMETERS}
    overrides["horizon.days"] = draw(st.integers(1, MAX_DAYS))
    return draw(st.sampled_from(STRUCTURES)), overrides


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 12,  # CI: the same examples every time
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failure is reported whole, unshrunk
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=parameter_sets(), seed=st.integers(0, 2**32 - 1))
def test_every_declared_parameter_set_runs(case, seed):
    structure, overrides = case
    outcome = run_limited(structure, overrides, seed)
    if LOG:  # the deeper search's record: one JSON line per example, kept if the search is cut short
        with open(LOG, "a") as log:
            row = {"structure": structure, "status": outcome.status, "seconds": outcome.seconds}
            log.write(json.dumps({**row, "error": outcome.error, "overrides": overrides}, default=str) + "\n")
    assert outcome.status == "ok", f"{structure} {overrides}: {outcome.error}"
    metrics, ledger = outcome.metrics, outcome.ledger
    for name, value in metrics.items():
        if name in MAY_BE_UNDEFINED and math.isnan(value):
            continue
        assert math.isfinite(value), f"{name} = {value}"
    for name in SHARES:
        if name in metrics and not math.isnan(metrics[name]):
            assert 0.0 <= metrics[name] <= 1.0, f"{name} = {metrics[name]}"
    assert ledger["created"] == sum(v for k, v in ledger.items() if k != "created")


def test_a_zero_hourly_rate_runs():  # once a ZeroDivisionError in model.py
    outcome = run_limited("aligned", {"costs.hourly_rate": 0, "horizon.days": 3}, seed=0)
    assert outcome.status == "ok", outcome.error
