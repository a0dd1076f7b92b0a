"""Calibration: the default company's funnel against the published ranges (FACTS.md §2), for
every structure.

Where a structure's mechanisms take a stage outside the practitioner range, the cell is listed in
TENSIONS with the reason (and docs/model.md §9 gives the numbers); the test then checks the
tension still exists, so the docs cannot go stale in either direction.
"""

from __future__ import annotations

import pytest

from orgsim import compare, load_scenario
from orgsim.experiment.stats import mean_ci

STRUCTURES = ("separate", "merged", "aligned")
# transition: (low, high) from the practitioner benchmarks in shared/FACTS.md §2
RANGES = {
    ("inquiry", "mql"): (0.10, 0.25),
    ("mql", "sal"): (0.40, 0.60),
    ("sal", "sql"): (0.50, 0.70),
    ("sql", "opportunity"): (0.30, 0.50),
    ("opportunity", "won"): (0.20, 0.30),
}
# (structure, from, to): why the mechanism leaves the cross-firm range
TENSIONS = {
    ("merged", "mql", "sal"): "one team's lead definition and tracking: sales accepts more of the MQLs",
    ("aligned", "mql", "sal"): "an agreed lead definition and follow-up duty: sales accepts more",
    ("aligned", "sal", "sql"): "the SLA's six attempts and fast first touch reach and qualify more",
}


@pytest.fixture(scope="module")
def runs():
    scenarios = [load_scenario(s).model_copy(update={"name": s}) for s in STRUCTURES]
    return compare(scenarios, reps=8, workers=1).runs()


@pytest.mark.parametrize("structure", STRUCTURES)
def test_funnel_rates_against_published_ranges(runs, structure):
    """A stage agrees when its 95% CI over the replications overlaps the range (as `orgsim
    validate` judges a fact); a documented tension must still have its mean outside the range."""
    part = runs[runs["scenario"] == structure]
    outside, disagree = {}, {}
    for (a, b), (low, high) in RANGES.items():
        rate, ci_low, ci_high = mean_ci(part[f"funnel.{b}"] / part[f"funnel.{a}"])
        if not low <= rate <= high:
            outside[(structure, a, b)] = round(rate, 3)
        if ci_high < low or ci_low > high:
            disagree[(structure, a, b)] = (round(ci_low, 3), round(ci_high, 3))
    expected = {key for key in TENSIONS if key[0] == structure}
    unexplained = set(disagree) - expected
    assert not unexplained, f"CI outside the range: {disagree}; documented tensions: {sorted(expected)}"
    assert expected <= set(outside), f"a documented tension is gone: {sorted(expected - set(outside))}"


def test_separate_speed_to_lead_resembles_the_published_baseline(runs):
    """Oldroyd et al. 2011: mean response ~42 h among firms that replied; 23% never replied.
    Sabnis et al. 2013: most marketing leads are not pursued (never attempted is a lower bound)."""
    part = runs[runs["scenario"] == "separate"]
    assert 12 <= part["median_response_hours"].mean() <= 48
    assert 0.15 <= part["never_responded_share"].mean() <= 0.5


def test_structures_order_speed_to_lead_by_their_hand_off(runs):
    """A CRM routing and an SLA clock answer faster than a shared inbox polled once a day."""
    median = runs.groupby("scenario")["median_response_hours"].mean()
    never = runs.groupby("scenario")["never_responded_share"].mean()
    assert median["separate"] > median["aligned"] and median["separate"] > median["merged"]
    assert never["separate"] > never["merged"] > never["aligned"]
