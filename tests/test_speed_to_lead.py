"""Speed to lead (calendar hours) and the SLA (working hours) are shown in one unit; 'won' says its source."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from orgsim import compare, load_scenario, measures
from orgsim.cli import cli
from orgsim.model.calendar import WORKDAY_START
from orgsim.model.sla import working_hours_between
from orgsim.params import PARAMETERS
from orgsim.presentation.format import sla_calendar_hours
from orgsim.presentation.style import compact_number

TINY = ["--days", "10", "--set", "market.prospects=800", "--set", "sales.headcount=3"]


@pytest.mark.parametrize(
    ("working", "per_day", "fewest", "most"),
    [(4, 8, 4, 20), (24, 8, 56, 72), (8, 8, 8, 24), (1, 10, 1, 15)],  # by hand: nights are 24 - per_day
)
def test_an_sla_in_calendar_hours_by_hand(working, per_day, fewest, most):
    assert sla_calendar_hours(working, per_day) == pytest.approx((fewest, most))


def test_the_conversion_agrees_with_the_clock_that_counts_breaches():
    close = WORKDAY_START + 8
    fewest, most = sla_calendar_hours(4, 8)
    # an MQL at close, first touched `most` calendar hours later, used exactly the SLA's 4 working hours
    assert working_hours_between(close, close + most, 8) == pytest.approx(4)
    assert working_hours_between(WORKDAY_START, WORKDAY_START + fewest, 8) == pytest.approx(4)


def test_units_name_the_clock():
    assert measures.get("median_response_hours").unit_words == "calendar hours"
    assert PARAMETERS["sla.response_hours"].unit == "working hours"


def test_run_and_compare_put_the_sla_in_calendar_hours():
    runner = CliRunner()
    aligned = runner.invoke(cli, ["run", "aligned", *TINY], catch_exceptions=False).output
    assert "calendar hours" in aligned
    assert "aligned's SLA: 4 working hours = 4-20 calendar hours of speed to lead" in aligned
    as_json = runner.invoke(cli, ["run", "aligned", *TINY, "--json"], catch_exceptions=False).output
    share = json.loads(as_json)["metrics"]["sla_met_share"]
    assert f"met for {100 * share:.0f}% of MQLs" in aligned
    separate = runner.invoke(cli, ["run", "separate", *TINY], catch_exceptions=False).output
    assert "SLA:" not in separate  # no SLA binds: nothing to reconcile
    both = runner.invoke(
        cli, ["compare", "separate", "aligned", "--reps", "2", *TINY], catch_exceptions=False
    )
    assert "aligned's SLA: 4 working hours = 4-20 calendar hours" in both.output
    assert "separate's SLA" not in both.output


@pytest.fixture(scope="module")
def comparison():
    # 80 days: after the warm-up, 40 measured days end before a marketing-sourced deal is won
    small = {"market.prospects": 1500, "horizon.days": 80, "sales.headcount": 4}
    base = load_scenario("separate", small)
    aligned = base.with_overrides({"structure": "aligned"}).model_copy(update={"name": "aligned"})
    return compare([base, aligned], reps=2, workers=1)


def test_the_report_table_reconciles_speed_to_lead_with_each_sla(comparison):
    from orgsim.presentation.report.data import from_comparison
    from orgsim.presentation.report.html import sla_clocks

    data = from_comparison(comparison)
    assert sla_clocks(data) == [
        "aligned's SLA: 4 working hours = 4-20 calendar hours of speed to lead (8-hour days; by when "
        "the MQL arrives)"
    ]


def test_the_report_says_when_sla_shares_use_different_yardsticks(comparison):
    from orgsim.presentation.report.data import from_comparison
    from orgsim.presentation.report.html import sla_times

    data = from_comparison(comparison)
    assert sla_times(data) == (
        "the times differ (separate 24, aligned 4 working hours), so the shares are not on one yardstick"
    )


def test_the_funnel_says_how_many_of_all_deals_won_are_marketing_sourced(comparison):
    from orgsim.presentation import charts
    from orgsim.presentation.report.data import from_comparison

    runs = from_comparison(comparison).runs
    fig = charts.funnel(runs)
    ends = [t.get_text() for t in fig.axes[0].texts]
    for g in runs["group"].unique():
        part = runs[runs["group"] == g]
        mine, every = part["funnel.won"].mean(), part["won_deals"].mean()
        assert every >= mine
        if mine > 0:
            expected = f"{compact_number(mine)} of {compact_number(every)}"
            assert expected in ends
    assert "marketing-sourced of all deals won per run" in fig.texts[1].get_text()


def test_impulse_inquirers_steepen_the_first_attempt_ratios():
    """Two kinds of inquirer: an impulse inquiry is unreachable once the buyer left their desk and
    its interest fades within the hour, so the more impulses, the steeper the 5 vs 30 minute
    ratios; share 0 (the default) is the one-kind model."""
    from orgsim import load_scenario
    from orgsim.model.agents import contact_probability, intent_warmth

    s = load_scenario("merged").sales
    imp = s.model_copy(update={"impulse_share": 0.7})

    def odds(p: float) -> float:
        return p / (1 - p)

    def first_contact(sales, h):
        share = sales.impulse_share
        return share * contact_probability(h, sales, True) + (1 - share) * contact_probability(h, sales)

    ratio = [odds(first_contact(x, 5 / 60)) / odds(first_contact(x, 0.5)) for x in (s, imp)]
    assert ratio[1] > 3 * ratio[0]
    assert intent_warmth(2.0, s, impulse=True) < 0.05 < intent_warmth(2.0, s)
    assert contact_probability(24.0, s, impulse=True) < 1e-3 < contact_probability(24.0, s)


def test_a_competitor_who_answers_first_cools_project_buyers_over_days():
    from orgsim import load_scenario
    from orgsim.model.agents import intent_warmth

    s = load_scenario("separate").sales
    rival = s.model_copy(update={"competitor_first_rate": 1.0})
    assert intent_warmth(0.0, rival) == intent_warmth(0.0, s)
    assert intent_warmth(48.0, rival) < 0.2 * intent_warmth(48.0, s)


def test_impulse_inquirers_pay_off_fast_response_in_runs():
    """Paired seeds: with impulse inquirers, leads first attempted within 5 minutes are reached on
    the first attempt far more often than those attempted 30-60 minutes later."""
    import pandas as pd

    from orgsim import simulate

    over = {"sales.impulse_share": 0.7, "horizon.days": 120}
    leads = pd.concat([simulate("merged", seed=seed, overrides=over, leads=True).leads for seed in range(2)])
    tried = leads[(leads.source == "marketing") & leads.response_hours.notna()]
    fast = tried[tried.response_hours <= 5 / 60]
    slow = tried[(tried.response_hours > 0.5) & (tried.response_hours <= 1.0)]
    assert len(fast) > 20 and len(slow) > 20
    assert fast.first_contact.mean() > 2 * slow.first_contact.mean()
