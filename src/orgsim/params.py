"""The one parameter schema: every model parameter with its default, unit, range and source.

Scenario files, `--set` overrides, experiment factors and the dashboard all read this module.
A parameter is addressed by a dotted key, ``section.name`` (e.g. ``sla.response_hours``).
Sources in square brackets are keys of the bibliography (docs/references.md); "assumption" marks a default
chosen for a plausible mid-size B2B company, to be swept rather than trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

STRUCTURES = ("separate", "merged", "aligned", "defined", "integrated")
StructureName = Literal["separate", "merged", "aligned", "defined", "integrated"]


def param(
    default: Any,
    unit: str,
    lo: float | None = None,
    hi: float | None = None,
    source: str = "assumption",
    doc: str = "",
    label: str = "",
) -> Any:
    """Declare a parameter: a pydantic field carrying unit, range and source.

    ``label`` is its short name on charts and tables (``Deal size``); without one, charts derive
    it from the key (:func:`orgsim.presentation.style.factor_name`).
    """
    return Field(
        default,
        ge=lo,
        le=hi,
        description=doc,
        json_schema_extra={"unit": unit, "source": source, "label": label},
    )


class Section(BaseModel):
    """Base of every parameter section: unknown keys and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=False)


class Horizon(Section):
    """How long a run lasts."""

    # At most 2,500 (was 5,000): a run's work grows with its days (sales.headcount reps a day), and
    # the model holds the market, the teams and prices fixed, which no company does for a decade.
    days: int = param(
        250,
        "business days",
        1,
        2500,
        "assumption (range 1-2,500, ten years: the market, the teams and prices stay fixed in a run, "
        "which no company's do for longer; a run's work grows with its days)",
        "Simulated business days (250 = 1 year).",
    )
    warmup_days: int = param(
        126,
        "business days",
        0,
        1000,
        "assumption: two quarters, longer than a buying window (60), a sales cycle (45) and the "
        "nurture window, so pipeline, nurture pool, brand, trust and tension reach running levels "
        "(range 0-1,000: four years, as long as the longest nurture window and twice the longest "
        "buying window and sales cycle; a warm-up costs as much work as a measured day)",
        "Days simulated before the horizon and not counted in any measure (the company is a going "
        "concern at day 0 of the horizon).",
        label="Warm-up",
    )


class Market(Section):
    """The buying organisations: size, demand, fit and deal economics."""

    # At most 10^5 (was 10^6, before that 5 * 10^6): the addressable accounts of a mid-size B2B
    # seller, the top of the calibration's plausible range (5k-100k); a bigger market is a segment
    # per company. A day costs numpy work over every prospect: a company whose every campaign
    # saturates a 10^6 market cost ~0.8 CPU s a simulated day, ~45 CPU min for the longest legal
    # run (issue 23; README "Bounded work per run" has the figure at 10^5).
    prospects: int = param(20_000, "accounts", 50, 100_000, doc="Accounts in the addressable market.")
    in_market_share: float = param(
        0.05,
        "share",
        0.001,
        0.5,
        "assumption (a small share is in-market at a time)",
        "Long-run share of accounts in an active buying window.",
    )
    buying_window_days: float = param(
        60,
        "business days",
        5,
        500,
        "assumption (mid-market cycle 30-90 days [sales_cycle_ranges])",
        "Mean length of a buying window.",
    )
    buy_share: float = param(
        0.45,
        "share",
        0.0,
        1.0,
        "Rapid Learning Institute via Marketo 2013 [funnel_benchmarks, S]",
        "Share of buying windows that end in a purchase from some vendor.",
    )
    demand: float = param(
        1.0,
        "multiplier",
        0.0,
        5.0,
        doc="Rate at which accounts enter the market (<1: tough times).",
        label="Market demand",
    )
    fit_mean: float = param(
        0.4,
        "score 0-1",
        0.05,
        0.95,
        doc="Mean fit to the ideal customer profile (Beta, sd ~0.2).",
    )
    deal_size: float = param(
        40_000,
        "currency",
        100,
        1e9,
        doc="Mean first-year deal value (lognormal).",
        label="Deal size",
    )
    deal_size_spread: float = param(
        0.5,
        "log sd",
        0.0,
        2.0,
        doc="Lognormal sigma of deal values.",
    )
    hard_lead_share: float = param(
        0.3,
        "share",
        0.0,
        1.0,
        "Rubel et al. (SSRN 3493361): heterogeneous lead quality [rubel2025]",
        "Share of accounts whose fit and intent are hard to read from activity and firmographics.",
        label="Share of hard-to-read leads",
    )
    sales_cycle_days: float = param(
        45,
        "business days",
        1,
        500,
        "mid-market 30-90 calendar days [funnel_benchmarks, S]",
        "Mean time from opportunity to decision.",
        label="Sales cycle",
    )


class Marketing(Section):
    """The marketing team: people, money, campaigns, scoring and learning."""

    # At most 100 (was 1,000): one marketing team under one head; each marketer's campaign draws
    # its touches over the market every day, so a day's work grows with marketers x accounts.
    headcount: int = param(
        5,
        "people",
        0,
        100,
        "assumption (range 0-100: one marketing team under one head, as the model has; a larger "
        "department is split by segment or region, each to be run as its own company)",
        "Marketers (each with a channel specialty).",
    )
    budget: float = param(
        1_000_000,
        "currency per year",
        0,
        1e10,
        doc="Program budget (campaign spend), per year.",
        label="Marketing budget",
    )
    skill_mean: float = param(1.0, "multiplier", 0.1, 3.0, doc="Mean marketer skill.")
    cost_per_touch: float = param(
        5.0,
        "currency",
        0.01,
        10_000,
        doc="Average cost of one campaign touch (channel mix scales it).",
    )
    touch_engagement: float = param(
        0.25,
        "engagement units",
        0.0,
        5.0,
        doc="Engagement one touch adds to a prospect.",
    )
    engagement_half_life_days: float = param(
        20,
        "business days",
        1,
        1000,
        doc="Half-life of a prospect's engagement.",
    )
    brand_half_life_days: float = param(
        250,
        "business days",
        5,
        5000,
        "assumption: brand memory outlasts campaigns by an order of magnitude",
        "Half-life of brand awareness (long-term demand).",
    )
    brand_effect: float = param(
        0.5,
        "engagement units",
        0.0,
        10.0,
        "assumption (B2B Institute 95:5 argument: brand reaches buyers before they are in market)",
        "Inquiry pull of an in-market buyer at brand index 1, in engagement units.",
    )
    brand_reference_budget: float = param(
        300_000,
        "currency per year",
        1,
        1e10,
        doc="Yearly brand spend that sustains brand index 1.",
    )
    past_brand_share: float = param(
        0.3,
        "share",
        0.0,
        1.0,
        doc="Share of the program budget spent on brand before the run (sets the starting brand).",
    )
    inquiry_rate_in_market: float = param(
        0.02,
        "per day per engagement unit",
        0.0,
        1.0,
        doc="Inquiry hazard of an in-market prospect.",
    )
    inquiry_rate_out_of_market: float = param(
        0.004,
        "per day per engagement unit",
        0.0,
        1.0,
        doc="Inquiry hazard of a prospect not in market (content downloads, students, competitors).",
    )
    mql_threshold: float = param(
        0.66,
        "score 0-1",
        0.0,
        1.0,
        doc="Score an inquiry must reach to become an MQL.",
    )
    scoring_noise: float = param(0.12, "score sd", 0.0, 1.0, doc="Noise in marketing's lead score.")
    hard_lead_noise: float = param(
        0.25,
        "score sd",
        0.0,
        2.0,
        "Rubel et al. (SSRN 3493361): screening heterogeneous leads is a specialist task [rubel2025]",
        "Extra noise in a specialist's read of a hard lead's fit and intent (generalists: more).",
    )
    nurture_days: float = param(
        60,
        "business days",
        1,
        1000,
        doc="How long an inquiry is nurtured before it is closed.",
    )
    learning_rate: float = param(
        0.001,
        "per feedback event",
        0.0,
        1.0,
        doc="How much one piece of sales feedback improves scoring and targeting.",
    )
    salary: float = param(100_000, "currency per year", 0, 1e7, doc="Loaded cost of a marketer.")


class Sales(Section):
    """The sales team: hours, cadence, habits, response decay, conversion and trust."""

    # At most 100 (was 1,000): the model has one sales desk (one inbox, one routing rule, one SLA,
    # one head); a rep's day is bounded by hours (the desk takes at most hours_per_day / 0.1 h
    # reviews a rep), so a run's work grows with reps x days: 1,000 reps cost ~1 CPU s a day.
    headcount: int = param(
        10,
        "people",
        0,
        100,
        "assumption (range 0-100: one sales floor under one head, ten teams of ten, as the model has "
        "one desk, inbox, routing rule and SLA; a larger sales force is split into regions or "
        "segments, each to be run as its own company)",
        "Quota-carrying salespeople.",
        label="Sales headcount",
    )
    hours_per_day: float = param(8.0, "hours", 1, 16, doc="Working hours per business day.")
    skill_mean: float = param(1.0, "multiplier", 0.1, 3.0, doc="Mean salesperson skill.")
    prioritisation: Literal["cherry_pick", "sla"] = param(
        "cherry_pick",
        "choice",
        source="Oldroyd et al. 2011 [oldroyd2007; oldroyd2011]",
        doc="Order of work: gut feel with own pipeline first, or new leads first-in first-out.",
    )
    attempts: int = param(
        3,
        "attempts",
        1,
        20,
        "assumption: habit, below the ≥6 recommended [oldroyd2007; oldroyd2011]",
        doc="Contact attempts per lead when no SLA sets them.",
    )
    attempt_spacing_days: float = param(2, "business days", 0, 30, doc="Days between attempts.")
    attempt_hours: float = param(0.25, "hours", 0.01, 8, doc="Time for one contact attempt.")
    conversation_hours: float = param(0.75, "hours", 0.05, 8, doc="Time for a qualifying conversation.")
    opportunity_hours_per_week: float = param(
        3.0,
        "hours per week",
        0,
        40,
        doc="Selling time one open opportunity needs.",
    )
    lead_expiry_days: float = param(
        20,
        "business days",
        1,
        1000,
        doc="A lead untouched this long drops out of a queue.",
    )
    queue_tolerance: float = param(
        15,
        "leads",
        0.1,
        10_000,
        "Sabnis et al. 2013: follow-up falls with lead volume [sabnis2013]",
        "Backlog of unworked leads at which a rep's chance to work a new one halves.",
    )
    contact_rate: float = param(
        0.97,
        "probability",
        0.0,
        1.0,
        "Oldroyd et al. 2007: contact odds 100x higher at 5 than at 30 minutes [oldroyd2007]",
        "Chance an attempt reaches a buyer in the first minutes after they raised their hand.",
    )
    contact_half_minutes: float = param(
        12.0,
        "minutes",
        0.1,
        6000,
        "fitted to Oldroyd et al. 2007: contact odds 100x, 5 vs 30 min [oldroyd2007] (docs/calibration)",
        "Minutes after the buyer raised their hand at which the hot part of the contact chance is half gone.",
        label="Lead cooling half-life",
    )
    contact_decay_exponent: float = param(
        4.0,
        "exponent",
        0.5,
        20.0,
        "fitted to Oldroyd et al. 2007 [oldroyd2007; oldroyd2011] (docs/calibration)",
        "Steepness of the hot contact chance's fall around its half time (Hill exponent).",
    )
    contact_floor: float = param(
        0.6,
        "share",
        0.0,
        1.0,
        "6 attempts raise contact by up to ~70% [oldroyd2007]; funnel SAL->SQL [funnel_benchmarks]",
        "Share of the first-minutes contact chance any later attempt keeps (buyers stay reachable).",
    )
    intent_half_hours: float = param(
        0.5,
        "hours",
        0.01,
        1000,
        "fitted to Oldroyd 2007 and HBR 2011 qualification odds [oldroyd2007]",
        "Scale of the cooling of a buyer's hot intent after they raised their hand.",
    )
    intent_decay_exponent: float = param(
        1.5,
        "exponent",
        0.0,
        5.0,
        "fitted to HBR 2011: 7x (1st vs 2nd hour), 60x (1 h vs >= 24 h) [oldroyd2011]",
        "Power of the cooling of hot intent.",
    )
    intent_floor: float = param(
        0.75,
        "share",
        0.0,
        1.0,
        "in tension: HBR 2011's 60x vs SAL->SQL 50-70% at a 42 h mean [oldroyd2011; funnel_benchmarks]",
        "Share of the hot qualification chance a buyer still in market keeps after their intent cooled.",
    )
    impulse_share: float = param(
        0.0,
        "share",
        0.0,
        0.9,
        "assumption, range 0-0.7 from docs/calibration/two_inquirers_fit.py (0.68 fits the lead-level"
        " ratios alone; the joint fit with the funnel rates puts it at 0)",
        "Share of marketing inquiries that are impulses: reachable only while the buyer is at their desk,"
        " their interest gone within the hour (the rest are project buyers in market for weeks).",
    )
    impulse_interest_minutes: float = param(
        30.0,
        "minutes",
        1.0,
        600.0,
        "assumption (docs/calibration/two_inquirers_fit.py fits 28-29 min)",
        "Time scale over which an impulse inquirer's interest fades (exp(-minutes / this)).",
    )
    competitor_first_rate: float = param(
        0.0,
        "per calendar day",
        0.0,
        20.0,
        "assumption, range 0-2.1/day (docs/calibration/two_inquirers_fit.py: 0.39/day with the ratios"
        " alone, 2.1/day in the joint fit)",
        "Rate at which a competitor who answers first takes a project buyer who is still waiting for us.",
    )
    qualify_rate: float = param(
        0.95,
        "probability",
        0.0,
        1.0,
        "SAL->SQL 50-70% [funnel_benchmarks, ?]",
        "Chance a reached, in-market, fitting buyer is qualified.",
    )
    fit_min: float = param(
        0.33,
        "score 0-1",
        0.0,
        1.0,
        "calibrated: MQL->SAL 40-60% for separate [funnel_benchmarks, ?]",
        "Lowest fit a rep will qualify (and, raised by distrust, the bar to accept an MQL).",
    )
    opportunity_rate: float = param(
        0.42,
        "probability",
        0.0,
        1.0,
        "SQL->opportunity 30-50% [funnel_benchmarks, ?]",
        "Base chance an SQL becomes an opportunity.",
    )
    win_rate: float = param(
        0.24,
        "probability",
        0.0,
        1.0,
        "calibrated: opportunity->won 20-30% [funnel_benchmarks, ?] for every structure (0.27 gave "
        "32-34%: fit x attention x perception lift the base ~1.2x); docs/model.md §9",
        "Base chance an opportunity is won by an average rep with full attention.",
    )
    trust_initial: float = param(0.5, "score 0-1", 0.0, 1.0, doc="Initial trust in marketing's leads.")
    trust_rate: float = param(
        0.04,
        "per lead",
        0.0,
        1.0,
        doc="How fast trust follows experience of worked leads.",
    )
    follow_up_floor: float = param(
        0.3,
        "probability",
        0.0,
        1.0,
        "Sabnis et al. 2013: ~70% of leads not pursued [sabnis2013]",
        "Chance a rep with no trust and no tracking still works a marketing lead.",
    )
    outbound_max_share: float = param(
        0.4,
        "share",
        0.0,
        1.0,
        doc="Share of the day a rep with no trust in marketing prospects before working its leads.",
    )
    dials_per_hour: float = param(8, "dials per hour", 0, 100, doc="Cold-call dial rate.")
    cold_connect_rate: float = param(
        0.08,
        "probability",
        0.0,
        1.0,
        doc="Chance a cold dial reaches a decision maker.",
    )
    outbound_budget: float = param(
        150_000,
        "currency per year",
        0,
        1e10,
        doc="Sales development budget: contracted calling time that books meetings for reps.",
    )
    outbound_hour_cost: float = param(
        70, "currency per hour", 1, 10_000, doc="Price of an hour of contracted outbound calling time."
    )
    salary: float = param(120_000, "currency per year", 0, 1e7, doc="Loaded cost of a salesperson.")
    commission_rate: float = param(
        0.08,
        "share of revenue",
        0.0,
        1.0,
        doc="Commission on won revenue (cost, paid monthly).",
    )


class Policy(Section):
    """The org structure as policies; presets fill these, users may mix hybrids."""

    heads: int = param(2, "heads", 1, 2, doc="Department heads: 2 negotiate budgets, 1 decides alone.")
    head_bias: float = param(
        0.0,
        "-1..1",
        -1.0,
        1.0,
        doc="A single head's bias: +1 short-term sales, -1 long-term brand and demand.",
    )
    max_budget_shift: float = param(
        0.3,
        "share",
        0.0,
        1.0,
        doc="Most of marketing's budget a biased head moves per quarter.",
    )
    joint_planning: float = param(
        0.0,
        "0-1",
        0.0,
        1.0,
        "Kotler et al. 2006 [kotler2006]",
        "How much budgets and targets are planned jointly (damps budget disputes).",
    )
    handoff_delay_hours: float = param(
        24.0,
        "hours",
        0.0,
        500,
        "CRM polled once a day, Oldroyd et al. 2011 [oldroyd2007; oldroyd2011]",
        "Mean delay before sales can see a new MQL.",
    )
    lead_routing: float = param(
        0.0,
        "share",
        0.0,
        1.0,
        "Oldroyd et al. 2011: leads routed by 'fairness' or left to the team [oldroyd2007; oldroyd2011]",
        "Share of MQLs the CRM assigns to a named rep; the rest wait in a shared inbox for a rep with room.",
    )
    brand_share: float = param(
        0.3,
        "share",
        0.0,
        1.0,
        "Kotler et al. 2006: marketers' long horizon vs. sales' short one [kotler2006]",
        "Share of the program budget spent on brand rather than lead capture.",
    )
    mql_volume_bias: float = param(
        0.08,
        "score",
        0.0,
        1.0,
        doc="How far a volume target pulls the MQL threshold down.",
    )
    lead_definition: float = param(
        0.3,
        "0-1",
        0.0,
        1.0,
        "Kotler et al. 2006: a shared definition of a lead [kotler2006]",
        "How much the MQL score reflects fit and intent rather than activity.",
    )
    follow_up_duty: float = param(
        0.0,
        "0-1",
        0.0,
        1.0,
        "Sabnis et al. 2013: tracking raises follow-up [sabnis2013]",
        "Managerial tracking of lead follow-up.",
    )
    feedback: float = param(
        0.1,
        "share",
        0.0,
        1.0,
        "assumption, range 0-0.3",
        "Share of sales outcomes that reach marketing informally, without a win/loss review"
        " (reviews add the rest: review_share, reviews_per_hour).",
    )
    review_share: float = param(
        0.5,
        "share",
        0.0,
        1.0,
        "assumption, range 0.25-0.75",
        "Share of the joint meeting time (coordination_hours_per_week) spent on win/loss and lead reviews.",
    )
    reviews_per_hour: float = param(
        20.0,
        "outcomes per hour",
        1.0,
        200.0,
        "assumption, range 10-40 (3-6 minutes per outcome)",
        "Sales outcomes a review meeting gets through per hour; beyond its capacity outcomes go unreviewed.",
    )
    recycling: float = param(
        0.27,
        "probability",
        0.0,
        1.0,
        "CMO Council 2004: 73% have no re-qualifying process [cmocouncil2004]",
        "Chance a CRM rule puts a returned lead back in nurture when nobody owns returned leads.",
    )
    recycle_owner_hours_per_week: float = param(
        0.0,
        "hours per week",
        0.0,
        40.0,
        "assumption, range 0-8",
        "Marketing-operations hours a week owning returned leads (taken from campaign time);"
        " each re-qualified lead takes requalify_hours and goes back to nurture.",
    )
    requalify_hours: float = param(
        0.25,
        "hours",
        0.01,
        8.0,
        "assumption, range 0.1-0.5",
        "Hours to re-qualify one returned lead (read the rep's notes, re-score, re-route).",
    )
    specialisation: float = param(
        1.0,
        "0-1",
        0.0,
        1.0,
        doc="1: specialists; lower: generalists who switch roles.",
    )
    skill_dilution: float = param(
        0.2,
        "share",
        0.0,
        1.0,
        "derived: half the experience in each of two jobs on an 80% learning curve (Wright 1936;"
        " 70-95% curves give 0.05-0.30): 1 - 0.5^log2(1/0.8) = 0.2",
        "Skill lost by a full generalist (specialisation 0).",
    )
    role_switch_hours: float = param(
        1.0,
        "hours per day",
        0.0,
        8.0,
        "derived (assumption): a full generalist switches jobs ~4 times a day at ~15 minutes each;"
        " range 0.25-2",
        "Daily hours a full generalist loses switching roles.",
    )
    generalist_selling: float = param(
        0.0,
        "share",
        0.0,
        1.0,
        doc="Share of marketers' hours spent selling (generalists pool capacity where it is short).",
    )
    shared_goal: float = param(
        0.0,
        "0-1",
        0.0,
        1.0,
        doc="0: commission vs bonus; 1: one shared revenue goal.",
    )
    free_riding: float = param(
        0.1,
        "share",
        0.0,
        1.0,
        doc="Effort lost under a fully shared goal (weaker accountability).",
    )
    mixed_plans: bool = param(
        False,
        "flag",
        doc="One team with two pay plans (commission and bonus side by side).",
    )
    coordination_hours_per_week: float = param(
        0.0,
        "hours per week",
        0.0,
        40,
        doc="Meetings and joint planning per person.",
    )
    message_alignment: float = param(
        0.5,
        "0-1",
        0.0,
        1.0,
        doc="1: one voice; lower: marketing and sales messages diverge.",
    )


class SLA(Section):
    """The service-level agreement between marketing and sales [sla_practice]."""

    enabled: bool = param(False, "flag", doc="Whether an SLA binds both teams.")
    response_hours: float = param(
        24.0,
        "working hours",
        0.1,
        500,
        "first touch within 24 h [sla_practice, S]",
        "Sales must attempt first contact within this many hours.",
    )
    attempts: int = param(
        6,
        "attempts",
        1,
        30,
        "InsideSales: at least 6 attempts [oldroyd2007]",
        "Attempts before a lead may be returned.",
    )


class Friction(Section):
    """How tension between the teams accumulates, decays and costs time."""

    half_life_days: float = param(20, "business days", 1, 1000, doc="Half-life of tension.")
    scale: float = param(40.0, "tension units", 0.1, 1e6, doc="Tension at which effects are half-strength.")
    hours_per_event: float = param(0.4, "hours", 0.0, 20, doc="Time one friction event costs.")
    arbitration: float = param(
        0.5,
        "share",
        0.0,
        1.0,
        "Kotler et al. 2006: one executive over both functions [kotler2006]",
        "Share of a dispute's heat and hours a single head over both teams settles before it escalates.",
    )
    trust_erosion: float = param(
        0.001,
        "per day",
        0.0,
        1.0,
        doc="Daily loss of trust at full tension.",
    )
    rejected_lead: float = param(1.0, "tension", 0, 100, doc="Sales rejects an MQL as junk.")
    unworked_lead: float = param(0.5, "tension", 0, 100, doc="Marketing sees its MQL left unworked.")
    budget_dispute: float = param(
        10.0, "tension", 0, 1000, doc="A quarter's budget contested by the full shift."
    )
    credit_dispute: float = param(2.0, "tension", 0, 100, doc="Both sides claim a won deal.")
    comp_inequity: float = param(
        0.6, "tension", 0, 100, doc="A commission cheque on an average won deal beside marketers' bonus."
    )
    sla_breach: float = param(0.5, "tension", 0, 100, doc="One side breaks the SLA.")
    goal_blame_relief: float = param(
        0.5,
        "share",
        0.0,
        1.0,
        "assumption (range 0-1): no study measured how much a shared goal softens blame",
        "Share of a dispute's heat a fully shared revenue goal removes: heat x (1 - relief x "
        "policy.shared_goal).",
    )
    credit_claim_chance: float = param(
        0.5,
        "chance per deal",
        0.0,
        1.0,
        "assumption (range 0.1-0.9): how often both sides claim a marketing-sourced win",
        "Chance both teams claim a marketing-sourced deal won under individual pay (scaled by "
        "1 - policy.shared_goal); a claimed deal is a credit dispute.",
    )


class Costs(Section):
    """Costs that are not salaries of the two teams."""

    head_salary: float = param(220_000, "currency per year", 0, 1e8, doc="Loaded cost of a department head.")
    hourly_rate: float = param(
        70,
        "currency per hour",
        0,
        10_000,
        doc="Loaded value of a staff hour; friction and meeting hours cost it.",
        label="Cost of a staff hour",
    )


class Customers(Section):
    """Customers and recurring revenue: the installed base, contracts, renewal, churn, expansion."""

    installed_customers: int = param(
        200,
        "accounts",
        0,
        1_000_000,
        "KBCM 2019 private SaaS survey: median ~300 customers at ~$28K ACV, median ARR $8.7M "
        "(range 0-1,000,000: a client sets its own count)",
        "Customers under contract when the run starts (before the warm-up); their contract values "
        "are drawn like deal sizes, their renewal dates spread over one term.",
        label="Installed base",
    )
    contract_years: float = param(
        1.0,
        "years",
        0.25,
        5.0,
        "KBCM 2019: annual contracts are the most common term (range: quarterly to 5-year)",
        "Contract term: a customer renews or churns at each term end.",
    )
    churn_base: float = param(
        0.10,
        "share per year",
        0.0,
        0.9,
        "Pacific Crest 2016 private SaaS survey: median annual logo churn ~10% (range 5-20%)",
        "Chance a customer of reference fit, neutral messages and no quota pressure churns at an "
        "annual renewal (scaled to the term).",
        label="Base churn",
    )
    fit_reference: float = param(
        0.5,
        "score 0-1",
        0.0,
        1.0,
        "assumption (range 0.3-0.7): the fit at which churn is the base rate",
        "Fit to the ideal customer profile at which a customer churns at ``churn_base``.",
    )
    churn_fit_effect: float = param(
        2.0,
        "log-odds per unit fit",
        0.0,
        10.0,
        "assumption (range 0-4): poor-fit customers churn more (fit 0.2 vs 0.5: 1.8x at 2.0)",
        "How much lower fit at the sale raises the churn hazard: hazard x exp(effect x (reference - fit)).",
    )
    churn_pressure_effect: float = param(
        1.5,
        "log-hazard",
        0.0,
        10.0,
        "assumption (range 0-3): deals closed to make quota are oversold",
        "Churn hazard x exp(effect x pressure x (1 - fit)): pressure is the quarter's shortfall "
        "against the bookings target when the deal closed, felt by reps on individual commission "
        "(1 - policy.shared_goal).",
    )
    churn_message_effect: float = param(
        1.0,
        "log-hazard",
        0.0,
        10.0,
        "assumption (range 0-2): a customer sold something other than what marketing promised",
        "Churn hazard x exp(effect x (0.5 - perception)): perception is the consistency of the "
        "messages the buyer heard by the sale (0.5 neutral; policy.message_alignment moves it).",
    )
    expansion_rate: float = param(
        0.12,
        "share per renewal",
        0.0,
        1.0,
        "assumption (range 0.05-0.25), sized so net revenue retention sits near SaaS Capital's "
        "2020 median ~100-102% with ~90% gross retention",
        "Contract value added when a customer renews (upsell, seats, price).",
    )
    gross_margin: float = param(
        0.75,
        "share",
        0.0,
        1.0,
        "KBCM 2019 / Pacific Crest: subscription gross margin ~75-80% (range 0.6-0.85)",
        "Gross margin on recurring revenue (for CAC payback and customer value).",
    )
    discount_rate: float = param(
        0.10,
        "share per year",
        0.0,
        1.0,
        "assumption (range 0.05-0.2): a cost of capital",
        "Discount rate of future years in a customer's lifetime value.",
    )
    lifetime_years: int = param(
        5,
        "years",
        1,
        30,
        "assumption (range 3-10): how far ahead a customer's value is counted",
        "Years of renewals counted in a customer's lifetime value.",
    )


SECTIONS: dict[str, type[Section]] = {
    "horizon": Horizon,
    "market": Market,
    "marketing": Marketing,
    "sales": Sales,
    "policy": Policy,
    "sla": SLA,
    "friction": Friction,
    "costs": Costs,
    "customers": Customers,
}

# Org-structure presets: each names only the values that differ from the defaults,
# which are those of "separate". "defined" and "integrated" follow Kotler et al. (2006).
PRESETS: dict[str, dict[str, Any]] = {
    "separate": {},
    "defined": {
        "policy.lead_definition": 0.5,
        "policy.brand_share": 0.25,
        "policy.handoff_delay_hours": 8.0,
        "policy.lead_routing": 0.5,
        "policy.mql_volume_bias": 0.04,
        "policy.follow_up_duty": 0.4,
        "policy.recycle_owner_hours_per_week": 1.0,
        "policy.coordination_hours_per_week": 0.5,
        "policy.message_alignment": 0.65,
        "policy.joint_planning": 0.3,
    },
    "aligned": {
        "policy.lead_definition": 0.7,
        "policy.brand_share": 0.15,
        "policy.handoff_delay_hours": 1.0,
        "policy.lead_routing": 1.0,
        "policy.mql_volume_bias": 0.0,
        "policy.follow_up_duty": 0.9,
        "policy.recycle_owner_hours_per_week": 4.0,
        "policy.shared_goal": 1.0,
        "policy.coordination_hours_per_week": 3.0,
        "policy.message_alignment": 0.85,
        "policy.joint_planning": 0.8,
        "sla.enabled": True,
        "sla.response_hours": 4.0,
        "sales.prioritisation": "sla",
    },
    "merged": {
        "policy.heads": 1,
        "policy.head_bias": 0.4,
        "policy.joint_planning": 1.0,
        "policy.lead_definition": 0.6,
        "policy.brand_share": 0.15,
        "policy.handoff_delay_hours": 0.5,
        "policy.lead_routing": 0.5,
        "policy.mql_volume_bias": 0.04,
        "policy.follow_up_duty": 0.4,
        "policy.recycle_owner_hours_per_week": 2.0,
        "policy.specialisation": 0.5,
        "policy.generalist_selling": 0.15,
        "policy.shared_goal": 0.5,
        "policy.coordination_hours_per_week": 1.0,
        "policy.message_alignment": 1.0,
    },
    "integrated": {
        "policy.heads": 1,
        "policy.head_bias": 0.0,
        "policy.joint_planning": 1.0,
        "policy.lead_definition": 0.8,
        "policy.brand_share": 0.2,
        "policy.handoff_delay_hours": 0.5,
        "policy.lead_routing": 1.0,
        "policy.mql_volume_bias": 0.0,
        "policy.follow_up_duty": 0.8,
        "policy.recycle_owner_hours_per_week": 4.0,
        "policy.specialisation": 0.8,
        "policy.generalist_selling": 0.1,
        "policy.shared_goal": 1.0,
        "policy.coordination_hours_per_week": 2.0,
        "policy.message_alignment": 1.0,
        "sla.enabled": True,
        "sla.response_hours": 8.0,
        "sales.prioritisation": "sla",
    },
}


@dataclass(frozen=True)
class ParamSpec:
    """One parameter as users see it in `orgsim show`, the docs and sweep factors."""

    key: str
    type: str
    default: Any
    unit: str
    lo: float | None
    hi: float | None
    choices: tuple[Any, ...] | None
    source: str
    doc: str
    label: str = ""
    """Short name on charts and tables; empty: derived from the key by the presentation layer."""
    plausible: tuple[float, float] | None = None
    """Plausible range of an assumed value (:data:`PLAUSIBLE`), inside the hard range ``lo..hi``."""
    plausible_why: str = ""

    @property
    def assumed(self) -> bool:
        """Whether the value is an assumption (its source says so), not a published figure.

        A value the modeller derived (``derived: ...``, a general law such as a learning curve
        applied to this company by judgement) is an assumption too: no study measured it.
        """
        return self.source.startswith(("assumption", "derived"))


def _plausible(key: str) -> tuple[float, float] | None:
    found = PLAUSIBLE.get(key)
    return (found[0], found[1]) if found else None


def _spec(section: str, name: str, field: Any) -> ParamSpec:
    extra = field.json_schema_extra or {}
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    ann = field.annotation
    choices = tuple(getattr(ann, "__args__", ())) or None
    type_name = "choice" if choices else getattr(ann, "__name__", str(ann))
    return ParamSpec(
        key=f"{section}.{name}",
        type=type_name,
        default=field.default,
        unit=extra.get("unit", ""),
        lo=lo,
        hi=hi,
        choices=choices,
        source=extra.get("source", ""),
        doc=field.description or "",
        label=extra.get("label", ""),
        plausible=_plausible(f"{section}.{name}"),
        plausible_why=PLAUSIBLE.get(f"{section}.{name}", (0, 0, ""))[2],
    )


HALF_DOUBLE = "judgement: about half to double the central value"
PLAUSIBLE: dict[str, tuple[float, float, str]] = {
    # key: (low, high, why). Every numeric parameter whose source is an assumption, and every
    # numeric policy level a preset sets, has one: the range a mid-size B2B company plausibly
    # sits in, narrower than the hard validity range (lo..hi). Presets keep central values; the
    # range says how far an argument that rests on the value can be trusted (`orgsim explain`
    # re-runs a margin at its ends).
    "horizon.days": (125, 750, "half a year to three years: the horizons a board decides on"),
    "horizon.warmup_days": (63, 252, "a quarter to a year: longer than a buying window and a sales cycle"),
    "market.prospects": (5_000, 100_000, "addressable accounts of a mid-size B2B seller"),
    "market.in_market_share": (0.02, 0.1, "B2B Institute 95:5: about 5% of buyers in market at a time"),
    "market.buying_window_days": (20, 120, "mid-market cycles 30-90 calendar days, practitioner ranges"),
    "market.demand": (0.5, 1.5, "a downturn to a boom"),
    "market.fit_mean": (0.25, 0.55, "judgement: most of the market fits the profile poorly"),
    "market.deal_size": (10_000, 150_000, "mid-market first-year deals"),
    "market.deal_size_spread": (0.3, 1.0, "judgement: deals within a factor ~2-3 of the mean"),
    "marketing.headcount": (2, 15, "a mid-size marketing team"),
    "marketing.budget": (300_000, 3_000_000, "program budgets of a mid-size B2B firm"),
    "marketing.skill_mean": (0.8, 1.2, "judgement: an average team, +-20%"),
    "marketing.cost_per_touch": (1, 20, "email to paid media"),
    "marketing.touch_engagement": (0.1, 0.5, HALF_DOUBLE),
    "marketing.engagement_half_life_days": (10, 40, HALF_DOUBLE),
    "marketing.brand_half_life_days": (120, 500, HALF_DOUBLE),
    "marketing.brand_effect": (0.2, 1.0, HALF_DOUBLE),
    "marketing.brand_reference_budget": (150_000, 600_000, HALF_DOUBLE),
    "marketing.past_brand_share": (0.1, 0.5, "Kotler et al. 2006: marketers' long horizon"),
    "marketing.inquiry_rate_in_market": (0.01, 0.04, HALF_DOUBLE),
    "marketing.inquiry_rate_out_of_market": (0.001, 0.01, "the calibration's search range"),
    "marketing.mql_threshold": (0.5, 0.8, "the calibration's search range"),
    "marketing.scoring_noise": (0.05, 0.25, HALF_DOUBLE),
    "marketing.nurture_days": (30, 120, HALF_DOUBLE),
    "marketing.learning_rate": (0.0, 0.005, "judgement: no learning to five times the default"),
    "marketing.salary": (70_000, 150_000, "loaded cost of a B2B marketer"),
    "sales.headcount": (4, 25, "a mid-size sales team"),
    "sales.hours_per_day": (6, 9, "a working day less admin"),
    "sales.skill_mean": (0.8, 1.2, "judgement: an average team, +-20%"),
    "sales.attempts": (1, 6, "habit: one attempt to the 6 recommended (Oldroyd 2007)"),
    "sales.attempt_spacing_days": (0.5, 5, "judgement: same day to a week"),
    "sales.attempt_hours": (0.1, 0.5, HALF_DOUBLE),
    "sales.conversation_hours": (0.5, 1.5, HALF_DOUBLE),
    "sales.opportunity_hours_per_week": (1, 6, HALF_DOUBLE),
    "sales.lead_expiry_days": (10, 40, HALF_DOUBLE),
    "sales.trust_initial": (0.3, 0.7, "judgement: neither trusting nor hostile"),
    "sales.trust_rate": (0.01, 0.1, "judgement: trust follows tens of leads"),
    "sales.outbound_max_share": (0.2, 0.6, HALF_DOUBLE),
    "sales.dials_per_hour": (5, 15, "cold-calling dial rates"),
    "sales.cold_connect_rate": (0.03, 0.15, "cold-call connect rates"),
    "sales.outbound_budget": (0, 300_000, "none to two contracted callers"),
    "sales.outbound_hour_cost": (40, 120, "contracted calling time"),
    "sales.salary": (80_000, 180_000, "loaded cost of a quota-carrying rep"),
    "sales.commission_rate": (0.05, 0.12, "B2B commission plans"),
    "sales.impulse_share": (0.0, 0.7, "assumed: the two-inquirer fits, 0 (joint) to 0.68 (ratios alone)"),
    "sales.impulse_interest_minutes": (15, 60, "assumed: about half to double the fitted 28-29 min"),
    "sales.competitor_first_rate": (0.0, 2.1, "assumed: the two-inquirer fits, 0 to 2.1 a day (joint)"),
    "policy.heads": (1, 2, "one head or two"),
    "policy.head_bias": (-0.5, 0.5, "judgement: a head leans, rarely all the way"),
    "policy.max_budget_shift": (0.1, 0.5, HALF_DOUBLE),
    "policy.joint_planning": (0.0, 1.0, "preset level: none to fully joint"),
    "policy.handoff_delay_hours": (0.5, 48, "preset level: a routed alert to a CRM polled every other day"),
    "policy.lead_routing": (0.0, 1.0, "preset level: a shared inbox to every lead assigned"),
    "policy.brand_share": (0.1, 0.5, "preset level: Kotler et al. 2006"),
    "policy.mql_volume_bias": (0.0, 0.15, "judgement: no volume target to a strong one"),
    "policy.lead_definition": (0.2, 0.9, "preset level: an activity score to an agreed definition"),
    "policy.follow_up_duty": (0.0, 1.0, "preset level: no tracking to full tracking"),
    "policy.feedback": (0.0, 0.3, "assumed: none to a third of outcomes reach marketing informally"),
    "policy.review_share": (0.25, 0.75, "assumed: a quarter to three quarters of the joint meetings"),
    "policy.reviews_per_hour": (10, 40, "assumed: 3-6 minutes per outcome reviewed"),
    "policy.recycling": (0.1, 0.9, "judgement around CMO Council 2004: 73% lack re-qualifying"),
    "policy.recycle_owner_hours_per_week": (0.0, 8.0, "preset level, assumed: nobody to a day a week"),
    "policy.requalify_hours": (0.1, 0.5, "assumed: a few minutes to half an hour per lead"),
    "policy.specialisation": (0.3, 1.0, "preset level: mostly generalists to specialists"),
    "policy.skill_dilution": (0.05, 0.4, "assumed: no study of generalist B2B teams found"),
    "policy.role_switch_hours": (0.25, 2.0, "assumed: a quarter hour to two hours a day"),
    "policy.generalist_selling": (0.0, 0.3, "preset level: judgement"),
    "policy.shared_goal": (0.0, 1.0, "preset level: separate pay plans to one goal"),
    "policy.free_riding": (0.0, 0.3, "assumed: no loss to a third of the effort"),
    "policy.coordination_hours_per_week": (0.0, 4.0, "preset level: no meetings to half a day a week"),
    "policy.message_alignment": (0.3, 1.0, "preset level: judgement"),
    "sla.response_hours": (1.0, 24.0, "preset level: an hour to the 24 h first-touch norm"),
    "friction.half_life_days": (10, 40, HALF_DOUBLE),
    "friction.scale": (20, 80, HALF_DOUBLE),
    "friction.hours_per_event": (0.2, 1.0, HALF_DOUBLE),
    "friction.trust_erosion": (0.0005, 0.002, HALF_DOUBLE),
    "friction.rejected_lead": (0.5, 2.0, HALF_DOUBLE),
    "friction.unworked_lead": (0.25, 1.0, HALF_DOUBLE),
    "friction.budget_dispute": (5.0, 20.0, HALF_DOUBLE),
    "friction.credit_dispute": (1.0, 4.0, HALF_DOUBLE),
    "friction.comp_inequity": (0.3, 1.2, HALF_DOUBLE),
    "friction.sla_breach": (0.25, 1.0, HALF_DOUBLE),
    "friction.goal_blame_relief": (0.0, 1.0, "assumed: a shared goal softens no blame to all of it"),
    "friction.credit_claim_chance": (0.1, 0.9, "assumed: a sourced win seldom to nearly always claimed"),
    "customers.fit_reference": (0.3, 0.7, "assumed: the fit at which churn is the base rate"),
    "customers.churn_fit_effect": (0.0, 4.0, "assumed: fit does not matter to it doubles the effect"),
    "customers.churn_pressure_effect": (0.0, 3.0, "assumed: no overselling to twice the default"),
    "customers.churn_message_effect": (0.0, 2.0, "assumed: no effect to twice the default"),
    "customers.expansion_rate": (0.05, 0.25, "assumed: net revenue retention near SaaS Capital's ~100%"),
    "customers.discount_rate": (0.05, 0.2, "assumed: a cost of capital"),
    "customers.lifetime_years": (3, 10, "assumed: how far ahead a customer's value is counted"),
    "costs.head_salary": (150_000, 300_000, "loaded cost of a department head"),
    "costs.hourly_rate": (50, 100, "loaded cost of a staff hour"),
}
"""Plausible ranges of assumed values: key -> (low, high, why) (see :attr:`ParamSpec.plausible`)."""


PARAMETERS: dict[str, ParamSpec] = {
    spec.key: spec
    for section, cls in SECTIONS.items()
    for name, field in cls.model_fields.items()
    for spec in [_spec(section, name, field)]
}
"""Every model parameter by dotted key, in schema order."""
