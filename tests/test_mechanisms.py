"""The model's mechanisms (issue 9): recycling recycles, leakage is lost intent, speed to lead
decays as published, per-lead data agrees with the ledger, and each new mechanism's direction.

Directions are means over seeded replications with the same seeds in both arms (never one
lucky seed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from orgsim import compare, load_scenario, simulate
from orgsim.cli import cli, main
from orgsim.model.agents import contact_probability, intent_warmth
from orgsim.model.lifecycle import CAUSES, LEAD_COLUMNS

SMALL = {"market.prospects": 8_000, "horizon.days": 160, "marketing.headcount": 3, "sales.headcount": 5}


def paired(base: str, a: dict, b: dict, measures: list[str], reps: int = 8) -> pd.DataFrame:
    """Per-replicate measures of arm ``a`` and arm ``b`` of a scenario (same seeds), b - a."""
    arms = [
        load_scenario(base, {**SMALL, **ov}).model_copy(update={"name": name})
        for name, ov in (("a", a), ("b", b))
    ]
    runs = compare(arms, reps=reps, workers=1).runs().sort_values(["scenario", "replicate"])
    left = runs[runs.scenario == "a"][measures].to_numpy()
    right = runs[runs.scenario == "b"][measures].to_numpy()
    return pd.DataFrame(right - left, columns=measures)


# -- speed to lead -------------------------------------------------------------------------------


def odds(p: float) -> float:
    return p / (1 - p)


def test_first_attempt_contact_decays_within_minutes_as_published():
    """Oldroyd et al. 2007: contact odds 100x lower at 30 than at 5 minutes. The model reaches
    ~16x: a floor of buyers reachable later (what the funnel and the attempts effect need) caps
    the odds at 30 minutes; docs/model.md §9 gives the numbers of this tension."""
    s = load_scenario("separate").sales
    at5, at30, at60, day = (contact_probability(h, s) for h in (5 / 60, 0.5, 1.0, 24.0))
    assert at5 > at30 > at60 >= day > 0
    assert odds(at5) / odds(at30) > 10
    assert odds(contact_probability(0.0, s)) / odds(at60) > 10  # >10x over the first hour
    assert day == pytest.approx(s.contact_rate * s.contact_floor, rel=1e-3)  # reachable later


def test_hot_intent_cools_over_hours():
    s = load_scenario("separate").sales
    warmth = [intent_warmth(h, s) for h in (0.0, 0.5, 1.0, 2.0, 24.0, 240.0)]
    assert warmth[0] == pytest.approx(1.0)
    assert all(a > b for a, b in zip(warmth, warmth[1:], strict=False))
    assert warmth[-1] >= s.intent_floor


def test_per_lead_data_shows_first_attempts_decaying_with_response_time():
    """Measured from the per-lead table: leads attempted within 30 min are reached and qualified
    on the first attempt more often than leads attempted after a day."""
    frames = [simulate("merged", seed=seed, leads=True).leads for seed in range(3)]
    leads = pd.concat(frames)
    tried = leads[leads.response_hours.notna()]
    fast = tried[tried.response_hours <= 0.5]
    slow = tried[tried.response_hours >= 24]
    assert len(fast) > 50 and len(slow) > 20
    assert fast.first_contact.mean() > slow.first_contact.mean()
    assert fast.first_qualified.mean() > slow.first_qualified.mean()


# -- recycling and leakage ---------------------------------------------------------------------


def test_recycling_changes_outcomes_not_just_labels():
    """The old bug: recycling 0.27 -> 0.9 left revenue identical to the cent. Now a recycled lead
    lives on in nurture, so deals, SQLs and revenue move (either way: a lead in nurture also keeps
    its buyer from inquiring afresh)."""
    diff = paired(
        "separate", {"policy.recycling": 0.0}, {"policy.recycling": 1.0}, ["won_deals", "revenue", "sqls"]
    )
    assert (diff["revenue"] != 0).sum() >= 6
    assert (diff["sqls"] != 0).sum() >= 6


def test_recycled_leads_are_re_promoted_and_some_qualify():
    leads = simulate("separate", seed=2, overrides={"policy.recycling": 1.0}, leads=True).leads
    came_back = leads[leads.recycles > 0]
    assert len(came_back) > 0
    assert came_back.qualified.any()  # re-promoted after nurture and qualified
    assert set(came_back.state) - {"recycled"}  # not a terminal state


def test_every_leaked_lead_had_real_buying_intent():
    for structure in ("separate", "merged", "aligned"):
        result = simulate(structure, seed=4, overrides=SMALL, leads=True)
        leaked = result.leads[result.leads.state == "leaked"]
        assert len(leaked) > 0 and leaked.intent.all()
        assert (leaked.cause != "").all()
        intent = int(result.leads.intent.sum())
        assert result.metrics["leakage_rate"] == pytest.approx(len(leaked) / intent)


def test_no_leaked_lead_has_fit_below_the_intent_threshold():
    """Intent is one definition everywhere (in market and fit >= sales.fit_min): a buyer below the
    fit bar who buys elsewhere is no loss to us, whichever path closed the lead."""
    for structure in ("separate", "merged", "aligned"):
        sc = load_scenario(structure, SMALL)
        leads = simulate(structure, seed=5, overrides=SMALL, leads=True).leads
        leaked = leads[leads.state == "leaked"]
        assert len(leaked) > 0
        assert (leaked.fit >= sc.sales.fit_min).all()
        assert (leads[leads.intent].fit >= sc.sales.fit_min).all()
        assert leads.fit.between(0, 1).all()


def test_black_hole_counts_mqls_sales_never_pursued():
    """The black hole (Sabnis et al. 2013) holds every never-attempted MQL and more (attempts
    dropped unreached); leaks after the hand-off and those missed by scoring add up to the
    marketing leads' leaks, kept apart."""
    for structure in ("separate", "aligned"):
        result = simulate(structure, seed=3, overrides=SMALL, leads=True)
        m, leads = result.metrics, result.leads
        assert m["never_responded_share"] <= m["black_hole_share"] <= 1
        mkt = leads[(leads.source == "marketing") & (leads.state == "leaked")]
        assert m["leaked_after_handoff"] + result.leaked_by_cause["missed_by_scoring"] == len(mkt)
        assert 0 <= m["handoff_leakage_rate"] <= 1


@pytest.mark.xfail(
    reason="model finding after the merges: with sales saturated (5 reps) follow-up duty makes reps accept"
    " every lead, the backlog grows and accepted leads expire unattempted, so the black hole grows"
    " (+0.008, SE 0.004, 24 seeds); with 12 reps it shrinks (-0.007, SE 0.0035). Left open in issue 20.",
    strict=False,
)
def test_tracking_shrinks_the_black_hole():
    """Managerial tracking (follow-up duty) raises follow-up (Sabnis et al. 2013): paired seeds."""
    duty = "policy.follow_up_duty"
    diff = paired("separate", {duty: 0.0}, {duty: 1.0}, ["black_hole_share"])
    assert diff["black_hole_share"].mean() < 0


# -- per-lead export -------------------------------------------------------------------------------


def test_per_lead_table_agrees_with_the_ledger_and_the_measures():
    # no warm-up: every deal won is in the per-lead table (a warm-up's leads won later are not)
    result = simulate("aligned", seed=1, overrides={**SMALL, "horizon.warmup_days": 0}, leads=True)
    leads = result.leads
    assert list(leads.columns) == list(LEAD_COLUMNS)
    assert len(leads) == result.ledger["created"]
    states = leads.state.value_counts().to_dict()
    for state, count in result.ledger.items():
        if state != "created":
            assert states.get(state, 0) == count, state
    causes = leads[leads.cause != ""].cause.value_counts().to_dict()
    assert {c: causes.get(c, 0) for c in CAUSES} == result.leaked_by_cause
    assert leads[leads.state == "won"].value.sum() == pytest.approx(result.metrics["bookings"], rel=1e-5)
    assert leads[leads.source == "marketing"].qualified.sum() == result.funnel["sql"]
    never = leads[(leads.source == "marketing") & leads.response_hours.isna() & (leads.state != "inquiry")]
    assert (never.first_contact == False).all()  # noqa: E712 (pandas)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_run_writes_the_per_lead_table(tmp_path, suffix):
    path = tmp_path / f"leads{suffix}"
    res = CliRunner().invoke(cli, ["run", "separate", "--days", "20", "--leads", str(path), "--json"])
    assert res.exit_code == 0, res.output
    table = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
    assert list(table.columns) == list(LEAD_COLUMNS)
    assert len(table) > 0
    assert not list(tmp_path.glob(".*tmp"))  # written atomically


@pytest.mark.parametrize("name", ["leads.xlsx", "missing/leads.csv"])
def test_run_refuses_a_bad_leads_path_before_running(tmp_path, capsys, name):
    with pytest.raises(SystemExit) as info:
        main(["run", "separate", "--leads", str(tmp_path / name)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("orgsim: error: --leads") and err.count("\n") == 1
    assert not list(tmp_path.iterdir())


# -- mechanisms instead of typed-in outcomes -----------------------------------------------------


def test_unowned_leads_leak_from_a_shared_inbox_when_sales_is_short():
    """Hand-off loss emerges: with few reps, leads left in the shared inbox go stale; routed
    leads have an owner (who may still not work them)."""
    short = {"sales.headcount": 2, "sales.queue_tolerance": 4}
    diff = paired(
        "separate",
        {**short, "policy.lead_routing": 1.0},
        {**short, "policy.lead_routing": 0.0},
        ["leaked.handoff_lost"],
    )
    assert diff["leaked.handoff_lost"].mean() > 0


def test_one_head_over_both_teams_settles_disputes():
    diff = paired("merged", {"friction.arbitration": 0.0}, {"friction.arbitration": 0.9}, ["friction_index"])
    assert diff["friction_index"].mean() < 0


def test_distrust_heats_disputes():
    # from a cold start: after a warm-up trust has found its running level whatever it began at
    cold = {"horizon.warmup_days": 0}
    trusting, distrustful = {**cold, "sales.trust_initial": 0.9}, {**cold, "sales.trust_initial": 0.1}
    diff = paired("separate", trusting, distrustful, ["friction_index"])
    assert diff["friction_index"].mean() > 0


def test_hard_to_screen_leads_blur_a_fit_and_intent_lead_definition():
    """Rubel et al.: with heterogeneous leads, screening is a skill. More hard leads, a noisier
    read: a smaller share of MQLs has real intent; generalists read hard leads worse."""
    share = []
    for hard in (0.0, 1.0):
        for spec in (1.0, 0.0):
            frames = [
                simulate(
                    "aligned",
                    seed=s,
                    leads=True,
                    overrides={
                        **SMALL,
                        "market.hard_lead_share": hard,
                        "policy.specialisation": spec,
                        "policy.skill_dilution": 0.5,
                    },
                ).leads
                for s in range(3)
            ]
            leads = pd.concat(frames)
            mql = leads[(leads.source == "marketing") & (leads.furthest_stage != "inquiry")]
            share.append(mql.intent.mean())
    easy_spec, easy_gen, hard_spec, hard_gen = share
    assert hard_spec < easy_spec
    assert hard_gen < hard_spec  # the generalist's read of hard leads is worse
    assert abs(easy_spec - easy_gen) < abs(hard_spec - hard_gen)


def test_contribution_is_revenue_less_all_cost_including_costed_friction_hours():
    result = simulate("separate", seed=3, overrides=SMALL)
    m = result.metrics
    assert m["contribution"] == pytest.approx(m["revenue"] - m["cost"])
    assert m["friction_cost"] == pytest.approx(m["friction_hours"] * 70)
    free = simulate("separate", seed=3, overrides={**SMALL, "costs.hourly_rate": 0}).metrics
    assert free["cost"] == pytest.approx(m["cost"] - m["friction_cost"])
    assert free["revenue"] == m["revenue"]  # costing the hours changes no behaviour


def test_no_structure_name_appears_in_the_model_code():
    from pathlib import Path

    import orgsim.model as model_pkg

    mechanisms = ("model", "agents", "marketing", "lifecycle", "friction", "market", "metrics")
    for path in (Path(model_pkg.__file__).parent / f"{name}.py" for name in mechanisms):
        text = path.read_text()
        for name in ('"separate"', '"merged"', '"aligned"', "'separate'", "'merged'", "'aligned'"):
            assert name not in text, (path.name, name)


def test_the_model_stops_running_at_its_horizon():
    from orgsim.model.model import OrgModel

    model = OrgModel(load_scenario("separate", {"horizon.days": 3, "market.prospects": 500}), seed=0)
    while model.running:
        model.step()
    assert model.day == model.warmup_days + 3 and model.measured_days == 3
    assert np.isfinite(model.revenue)


def test_sla_met_share_is_a_yardstick_that_changes_nothing_without_an_sla():
    """Without an agreed SLA, sla.response_hours only measures: a looser yardstick, more met."""
    runs = {
        hours: simulate(load_scenario("separate", {"sla.response_hours": hours, "horizon.days": 80}), seed=2)
        for hours in (1.0, 4.0, 24.0)
    }
    shares = [runs[h].metrics["sla_met_share"] for h in (1.0, 4.0, 24.0)]
    assert shares[0] < shares[1] < shares[2] <= 1.0
    for run in runs.values():  # the behaviour is identical, only the yardstick moves
        assert run.metrics["revenue"] == runs[4.0].metrics["revenue"]
        assert run.metrics["sla_met_share"] + run.metrics["never_responded_share"] <= 1.0 + 1e-9


def test_median_response_is_over_the_measured_cohort_each_lead_once():
    """median_response_hours is the median first response of the measured MQLs, as the per-lead table has it.

    A warm-up lead first touched after the warm-up, or a re-promoted lead's later touch, is not counted
    (the same cohort as sla_met_share and never_responded_share).
    """
    small = {"horizon.days": 40, "market.prospects": 1500}
    run = simulate(load_scenario("separate", small), seed=3, leads=True)
    table = run.leads
    hours = table.loc[table["source"] == "marketing", "response_hours"].dropna().to_numpy()
    assert hours.size > 10
    assert run.metrics["median_response_hours"] == pytest.approx(float(np.median(hours)), rel=1e-6)


# -- closed-loop capabilities built from hours ---------------------------------------------------


def _model(structure: str, seed: int, **over):
    from orgsim.model.model import OrgModel

    return OrgModel(load_scenario(structure, {**SMALL, "horizon.days": 120, **over}), seed=seed).run()


def test_someone_owning_returned_leads_recycles_more_and_costs_campaign_time():
    """Recycling is a capability: hours of marketing ops time owning returned leads (paired seeds)."""
    for seed in range(3):
        none = _model("separate", seed, **{"policy.recycling": 0.0})
        owner = {"policy.recycling": 0.0, "policy.recycle_owner_hours_per_week": 4.0}
        owned = _model("separate", seed, **owner)
        assert int(none.ledger.recycles.sum()) == 0
        assert int(owned.ledger.recycles.sum()) > 0
        # the owner's hours come out of the marketers' day; yesterday's dispute hours differ between
        # the runs (their friction differs), so they are taken out of the comparison
        from orgsim.model.calendar import WEEK_DAYS, WORKDAY_HOURS

        def lost(mod):
            return (1.0 - mod.org.marketing_time_factor) * WORKDAY_HOURS - mod.org.dispute_hours_per_person

        owner_hours = 4.0 / WEEK_DAYS / len(owned.marketers)
        assert lost(owned) - lost(none) == pytest.approx(owner_hours, rel=1e-6)


def test_win_loss_reviews_in_meeting_time_close_the_loop():
    """Feedback is a capability: meeting time spent on reviews, limited by the outcomes to review."""
    no_meetings = _model("aligned", 1, **{"policy.coordination_hours_per_week": 0.0})
    meetings = _model("aligned", 1)
    assert no_meetings.org.feedback_reach == pytest.approx(no_meetings.params.policy.feedback)
    assert meetings.org.feedback_reach > no_meetings.org.feedback_reach
    assert meetings.marketing.knowledge > no_meetings.marketing.knowledge
    few = _model("aligned", 1, **{"policy.reviews_per_hour": 1.0})  # the review cannot keep up
    assert few.org.feedback_reach < meetings.org.feedback_reach
