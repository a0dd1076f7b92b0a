"""Every measure orgsim reports, described once: label, unit, meaning and which way is better.

A run is summarised by :meth:`orgsim.model.metrics.RunResult.flat`: the headline metrics, then
``friction_by_source.*``, ``leaked.*``, ``leaked_revenue.*``, ``ledger.*`` and ``funnel.*``.
This module holds one :class:`Measure` per such column (and per column of the per-day series),
and the terms they are built from (leak causes, friction sources, lead states). The terminal
tables and their legends, the charts, the report, ``--json`` metadata, the Parquet metadata
and the README's column dictionary all read from here, so a measure has one name everywhere.

Adding a measure: give it a :class:`Measure` in :data:`METRIC_MEASURES` (its place there is its
place in every table; its unit gives the values it can take, :attr:`Measure.bounds`, unless it
is ``signed``), then emit it from ``orgsim.model.metrics.live_metrics``, which emits
:data:`METRIC_MEASURES` in order. ``tests/test_measures.py`` fails until both sides agree.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Better = Literal["higher", "lower", "none"]
"""Which way is the better outcome; ``none`` for inputs and volumes that are neither."""

Fmt = Literal["money", "percent", "count", "decimal", "ratio"]
"""How a value is written: money 1,234,567 (compact 1.23M), percent 12.3%, count 1,234,
decimal 12.3, ratio 0.74."""

UNIT_WORDS: dict[str, str] = {
    "currency": "currency units",
    "share": "%",
    "0-100": "index, 0-100",
    "0-1": "0-1",
    "hours": "hours",
    "calendar hours": "calendar hours",
    "deals": "deals",
    "leads": "leads",
    "months": "months",
    "rate": "% (can pass 100%)",
}
"""A unit as it is written on an axis or in a legend."""

UNIT_BOUNDS: dict[str, tuple[float, float]] = {
    "share": (0.0, 1.0),
    "0-1": (0.0, 1.0),
    "0-100": (0.0, 100.0),
    "deals": (0.0, math.inf),
    "leads": (0.0, math.inf),
    "hours": (0.0, math.inf),
    "calendar hours": (0.0, math.inf),
    "currency": (0.0, math.inf),
    "rate": (0.0, math.inf),
    "months": (0.0, math.inf),
}
"""The values a measure of each unit can take; money is >= 0 unless the measure is ``signed``."""


@dataclass(frozen=True)
class Measure:
    """One column of a run's results: how it is named, measured, read and written."""

    name: str  # the column key, e.g. "revenue" or "leaked.too_late"
    label: str  # for people, e.g. "Revenue"; the same in tables, charts and the report
    unit: str  # a key of UNIT_WORDS
    meaning: str  # one line: what it counts and how
    better: Better = "none"
    fmt: Fmt = "decimal"
    signed: bool = field(default=False, repr=False)  # a difference of money (revenue - cost): either sign

    @property
    def bounds(self) -> tuple[float, float]:
        """The values the measure can take, ``(low, high)``, from its unit (``signed``: any)."""
        if self.signed:
            return (-math.inf, math.inf)
        return UNIT_BOUNDS.get(self.unit, (-math.inf, math.inf))

    @property
    def unit_words(self) -> str:
        """The unit as written on an axis: ``currency units``, ``%``, ``hours``."""
        return UNIT_WORDS.get(self.unit, self.unit)

    @property
    def axis_label(self) -> str:
        """``Revenue (currency units)``."""
        return f"{self.label} ({self.unit_words})" if self.unit_words else self.label

    @property
    def direction(self) -> str:
        """``higher is better``, ``lower is better`` or ``neither is better``."""
        return "neither is better" if self.better == "none" else f"{self.better} is better"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the measure's metadata (``--json`` and Parquet metadata)."""
        out = asdict(self)
        del out["signed"]
        return out


def _m(
    name: str,
    label: str,
    unit: str,
    meaning: str,
    better: Better = "none",
    fmt: Fmt | None = None,
    signed: bool = False,
) -> Measure:
    default: dict[str, Fmt] = {
        "currency": "money",
        "share": "percent",
        "rate": "percent",
        "0-1": "ratio",
        "deals": "count",
        "leads": "count",
    }
    return Measure(name, label, unit, meaning, better, fmt or default.get(unit, "decimal"), signed)


METRIC_MEASURES: tuple[Measure, ...] = (
    _m(
        "revenue",
        "Revenue",
        "currency",
        "recurring revenue recognised in the horizon, installed base and new customers (not the warm-up)",
        "higher",
    ),
    _m("won_deals", "Deals won", "deals", "deals won in the horizon (all sources)", "higher"),
    _m("win_rate", "Win rate", "share", "won / decided opportunities (won + lost)", "higher"),
    _m(
        "pipeline_value",
        "Open pipeline",
        "currency",
        "value of the opportunities still open at the horizon (future revenue not counted)",
        "higher",
    ),
    _m("mqls", "MQLs", "leads", "marketing leads that reached MQL (a volume, not a goal)"),
    _m("sqls", "SQLs", "leads", "leads that reached SQL, marketing- and sales-sourced", "higher"),
    _m(
        "friction_index", "Friction index", "0-100", "mean daily tension between marketing and sales", "lower"
    ),
    _m(
        "leakage_rate",
        "Lead leakage rate",
        "share",
        "leaked leads / leads whose buyer had real buying intent",
        "lower",
    ),
    _m("leaked_leads", "Leaked leads", "leads", "leads with real buying intent lost to the process", "lower"),
    _m(
        "leaked_revenue",
        "Expected revenue leaked",
        "currency",
        "expected revenue of the leaked leads",
        "lower",
    ),
    _m(
        "median_response_hours",
        "Median speed to lead",
        "calendar hours",
        "median calendar hours from MQL to sales' first attempt (nights count; an SLA counts working hours)",
        "lower",
    ),
    _m("never_responded_share", "MQLs never attempted", "share", "MQLs sales never tried to reach", "lower"),
    _m(
        "black_hole_share",
        "Sales lead black hole",
        "share",
        "MQLs sales never attempted, or dropped unreached before the cadence's attempts (Sabnis et al. 2013)",
        "lower",
    ),
    _m(
        "leaked_after_handoff",
        "Leaked after the hand-off",
        "leads",
        "marketing leads with real buying intent lost after reaching MQL (not missed by scoring)",
        "lower",
    ),
    _m(
        "handoff_leakage_rate",
        "Leakage after the hand-off",
        "share",
        "leaked after the hand-off / marketing leads with intent that reached MQL",
        "lower",
    ),
    _m(
        "sla_met_share",
        "MQLs attempted within the SLA time",
        "share",
        "MQLs first attempted within sla.response_hours working hours (the yardstick, agreed or not)",
        "higher",
    ),
    _m(
        "cost",
        "Cost",
        "currency",
        "sales-and-marketing cost: salaries, heads, program and outbound spend, commission on bookings, "
        "friction and coordination hours costed",
    ),
    _m(
        "contribution",
        "Contribution",
        "currency",
        "revenue minus all sales-and-marketing cost, friction and coordination hours costed",
        "higher",
        signed=True,
    ),
    _m(
        "friction_cost",
        "Cost of friction",
        "currency",
        "hours lost to disputes x costs.hourly_rate (part of cost)",
        "lower",
    ),
    _m("friction_hours", "Hours lost to disputes", "hours", "staff hours spent on friction events", "lower"),
    _m(
        "coordination_hours",
        "Coordination hours",
        "hours",
        "hours in alignment meetings and joint planning (an input the structure chooses)",
    ),
    _m(
        "mean_trust",
        "Sales' trust in marketing leads",
        "0-1",
        "reps' mean trust in marketing's leads at the end",
        "higher",
    ),
    _m(
        "sales_sourced_share",
        "Sales-sourced revenue",
        "share",
        "share of bookings from leads sales found itself",
    ),
    _m("bookings", "Bookings", "currency", "first-year value of the new deals won in the horizon", "higher"),
    _m(
        "arr_end",
        "ARR at the end",
        "currency",
        "annual contract value of the customers under contract at the end",
        "higher",
    ),
    _m(
        "new_arr",
        "New ARR",
        "currency",
        "contract value added in the horizon: new customers' plus expansion at renewals",
        "higher",
    ),
    _m(
        "churned_arr",
        "Churned ARR",
        "currency",
        "contract value of the customers who left in the horizon",
        "lower",
    ),
    _m(
        "net_revenue_retention",
        "Net revenue retention",
        "rate",
        "contract value now of the start customers / theirs at the start, per year (expansion counted)",
        "higher",
    ),
    _m(
        "gross_revenue_retention",
        "Gross revenue retention",
        "share",
        "start contract value of the start customers still under contract / all of it, per year",
        "higher",
    ),
    _m("logo_churn", "Logo churn", "share", "share of the start customers who left, per year", "lower"),
    _m("cac", "CAC", "currency", "sales-and-marketing cost per new customer won in the horizon", "lower"),
    _m(
        "cac_payback_months",
        "CAC payback",
        "months",
        "months of gross margin on the ARR added (new and expansion) that repay the sales-and-marketing cost",
        "lower",
    ),
    _m("sm_share", "S&M cost / revenue", "rate", "sales-and-marketing cost / revenue recognised", "lower"),
    _m(
        "coordination_cost",
        "Cost of coordination",
        "currency",
        "hours in alignment meetings and joint planning x costs.hourly_rate (part of cost)",
    ),
    _m(
        "customer_value",
        "Customer value",
        "currency",
        "lifetime value of customers won plus open pipeline at its win rate, minus cost (decision measure)",
        "higher",
        signed=True,
    ),
)
"""The headline metrics, in the order of every table; the model emits every one, in this order."""


@dataclass(frozen=True)
class Term:
    """A named part of a breakdown (a leak cause, friction source or lead state) and its meaning."""

    key: str
    label: str
    meaning: str


LEAK_CAUSES: tuple[Term, ...] = (
    Term("handoff_lost", "Lost in the hand-off", "an MQL dropped crossing from marketing to sales"),
    Term(
        "never_followed_up",
        "Never followed up",
        "a rep chose not to work the lead and it expired (the black hole)",
    ),
    Term(
        "too_late", "Reached too late", "worked, but the buyer had gone elsewhere before sales reached them"
    ),
    Term(
        "wrongly_rejected",
        "Wrongly rejected",
        "rejected as junk although the buyer was in market and fitting",
    ),
    Term("queue_expired", "Expired in the queue", "meant to be worked, but aged out of an over-full queue"),
    Term("never_recycled", "Never recycled", "stalled or rejected with intent and not returned to nurture"),
    Term(
        "missed_by_scoring",
        "Missed by scoring",
        "never crossed the MQL threshold while the buyer was in market",
    ),
    Term(
        "lost_in_nurture",
        "Lost in nurture",
        "returned to nurture while in market; the buyer bought elsewhere",
    ),
)
"""Why a lead with real buying intent was lost to the process (``leaked.*``), in model order."""

BEFORE_HANDOFF: tuple[str, ...] = ("missed_by_scoring",)
"""Leak causes before any hand-off (the lead never became an MQL): shown apart from the rest."""

FRICTION_SOURCES: tuple[Term, ...] = (
    Term("rejected_lead", "Leads rejected as junk", "sales rejected a marketing lead at acceptance"),
    Term("unworked_lead", "Leads left unworked", "a marketing lead expired without sales working it"),
    Term("budget_dispute", "Budget disputes", "joint planning ended in a fight over the budget"),
    Term("credit_dispute", "Credit disputes", "both teams claimed a marketing-sourced win"),
    Term("comp_inequity", "Pay-plan inequity", "monthly resentment of commission vs. bonus"),
    Term("sla_breach", "SLA breaches", "a late first touch, or a missed MQL quota, under an SLA"),
)
"""What raised the tension between the teams (``friction_by_source.*``), in model order."""

LEAD_STATES: tuple[Term, ...] = (
    Term("created", "Created", "every lead ever created (the ledger's total)"),
    Term(
        "inquiry",
        "Inquiry",
        "a prospect raised a hand; in marketing's nurture pool, not yet scored as an MQL",
    ),
    Term("mql", "MQL", "marketing-qualified lead: scored above the threshold and handed to sales"),
    Term("sal", "SAL", "sales-accepted lead: a rep accepted it and will try to reach the buyer"),
    Term("sql", "SQL", "sales-qualified lead: a conversation found need, budget and timing"),
    Term("opportunity", "Opportunity", "an SQL that agreed to evaluate us; a deal in the pipeline"),
    Term("won", "Won", "the buyer signed"),
    Term("lost", "Lost", "the buyer chose someone else or no purchase (lost to the buyer, not the process)"),
    Term("recycled", "Recycled", "returned to nurture for marketing to work again"),
    Term("disqualified", "Disqualified", "closed without value: no real buying intent or no fit"),
    Term("leaked", "Leaked", "real buying intent lost to the process, with its cause"),
)
"""Lead states of the ledger (``ledger.*``): five open, five closed, plus ``created``."""

FUNNEL_STAGES: tuple[str, ...] = ("inquiry", "mql", "sal", "sql", "opportunity", "won")
"""The stages ``funnel.*`` counts (marketing-sourced leads that ever reached each)."""

GLOSSARY: dict[str, str] = {
    "MQL": "Marketing-qualified lead: an inquiry whose score crossed marketing's threshold, handed to sales.",
    "SAL": "Sales-accepted lead: an MQL a salesperson accepted as worth working.",
    "SQL": "Sales-qualified lead: a conversation confirmed need, budget and timing.",
    "Nurture": "Marketing's pool of inquiries not yet ready for sales, scored and touched by campaigns.",
    "Recycling": "Returning a lead from sales to nurture instead of closing it, so it can come back later.",
    "Leakage": "A lead with real buying intent (in market and fitting) lost to the process rather than to "
    "the buyer's choice; the simulation knows each prospect's true intent, which no CRM can show.",
    "Friction index": "Mean daily tension between marketing and sales, 0-100, split by what raised it.",
    "Speed to lead": "Calendar hours from MQL to sales' first attempt (an SLA counts working hours).",
    "Contribution": "Revenue recognised in the horizon minus all sales-and-marketing cost, including "
    "friction and coordination hours costed at costs.hourly_rate.",
    "SLA": "Service-level agreement between the teams: response times and attempts by sales, an MQL quota "
    "for marketing.",
}
"""Words a reader of orgsim output meets, defined once (README glossary, report)."""


def in_sentence(text: str) -> str:
    """``Leads rejected`` -> ``leads rejected`` in a sentence; ``SLA breaches``, ``MQLs`` stay as they are."""
    first = text.split(" ", 1)[0]
    return text if len(first) > 1 and first[:2].isupper() else text[:1].lower() + text[1:]


def _breakdowns() -> tuple[Measure, ...]:
    out: list[Measure] = []
    for t in FRICTION_SOURCES:
        out.append(
            _m(
                f"friction_by_source.{t.key}",
                f"Friction from {in_sentence(t.label)}",
                "0-100",
                f"friction index points from {t.meaning}",
                "lower",
            )
        )
    for t in LEAK_CAUSES:
        out.append(
            _m(f"leaked.{t.key}", f"Leaked: {in_sentence(t.label)}", "leads", t.meaning, "lower")
        )
    for t in LEAK_CAUSES:
        out.append(
            _m(
                f"leaked_revenue.{t.key}",
                f"Revenue leaked: {in_sentence(t.label)}",
                "currency",
                f"expected revenue of leads {in_sentence(t.label)}",
                "lower",
            )
        )
    for t in LEAD_STATES:
        better: Better = "higher" if t.key == "won" else "lower" if t.key == "leaked" else "none"
        where = "" if t.key == "created" else " at the end"
        out.append(
            _m(
                f"ledger.{t.key}",
                f"Ledger: {t.label}",
                "leads",
                f"leads in this state{where}: {t.meaning}",
                better,
            )
        )
    states = {t.key: t for t in LEAD_STATES}
    for stage in FUNNEL_STAGES:
        t = states[stage]
        out.append(
            _m(
                f"funnel.{stage}",
                f"Funnel: {t.label}",
                "leads",
                f"marketing-sourced leads that ever reached {t.label}",
                "higher" if stage == "won" else "none",
            )
        )
    return tuple(out)


MEASURES: dict[str, Measure] = {m.name: m for m in (*METRIC_MEASURES, *_breakdowns())}
"""Every column of ``RunResult.flat()``, by name."""

SERIES_MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        _m("day", "Business day", "", "business day of the run (0 = the first day)"),
        _m("revenue", "Cumulative bookings", "currency", "first-year value of deals won so far", "higher"),
        _m(
            "pipeline_value",
            "Open pipeline",
            "currency",
            "value of the opportunities open that day",
            "higher",
        ),
        _m(
            "tension",
            "Friction level",
            "0-1",
            "tension between the teams that day, T/(T+scale); its mean x 100 is the friction index",
            "lower",
        ),
        _m("trust", "Sales' trust in marketing leads", "0-1", "reps' mean trust that day", "higher"),
        _m("open_leads", "Open leads", "leads", "leads in inquiry, MQL, SAL, SQL or opportunity that day"),
        _m("brand", "Brand", "0-1", "marketing's brand awareness that day (raises inquiries)"),
        _m("mqls", "Cumulative MQLs", "leads", "marketing leads that reached MQL so far"),
        _m(
            "leaked",
            "Cumulative leaked leads",
            "leads",
            "leads with real intent lost to the process so far",
            "lower",
        ),
    )
}
"""Columns of the per-day series (``series/`` of a sweep, ``RunResult.series``)."""

RUN_KEYS: dict[str, str] = {
    "run_id": "the run's number in the sweep (0..N-1)",
    "design_point": "which row of the design the run belongs to; replicates share it",
    "replicate": "replication number within the design point (common random numbers across points)",
    "seed": "the run's seed, derived from the experiment seed and the run's index",
    "status": "ok, or error when the model raised (measures then empty)",
    "error": "one line: exception type and message, empty when ok",
    "elapsed_s": "wall seconds the run took",
    "structure": "org structure the run used (separate, merged, aligned, ...)",
    "scenario": "the base scenario's name",
}
"""Identifying columns of a sweep's ``runs/`` table, before the factors and the measures."""


@dataclass(frozen=True)
class Column:
    """One column of a sweep's stored tables, for the column dictionary (``orgsim schema``)."""

    table: str  # "runs" or "series"
    name: str
    unit: str
    better: Better
    meaning: str


def columns() -> list[Column]:
    """The column dictionary of ``runs/`` and ``series/``, in stored order (factors go between)."""
    out = [Column("runs", k, "", "none", v) for k, v in RUN_KEYS.items()]
    out.append(
        Column("runs", "<factor>", "its unit", "none", "one column per swept parameter (see orgsim show)")
    )
    out += [Column("runs", m.name, m.unit, m.better, f"{m.label}: {m.meaning}") for m in MEASURES.values()]
    out.append(Column("series", "run_id", "", "none", "the run (joins runs/ on run_id)"))
    out += [
        Column("series", m.name, m.unit, m.better, f"{m.label}: {m.meaning}")
        for m in SERIES_MEASURES.values()
    ]
    return out


def get(name: str) -> Measure:
    """The measure called ``name``; an unknown name gets a plain record derived from it."""
    found = MEASURES.get(name)
    if found is not None:
        return found
    words = name.replace(".", " ").replace("_", " ")
    return Measure(name, words[:1].upper() + words[1:], "", "", "none", "decimal")


def label(name: str) -> str:
    """``Revenue``, ``Friction index``, ``Leaked: too late``."""
    return get(name).label


def unit(name: str) -> str:
    """The measure's unit key (``currency``, ``share``, ...; '' when unknown)."""
    return get(name).unit


def better(name: str) -> Better:
    """``higher``, ``lower`` or ``none``."""
    return get(name).better


def lower_is_better(name: str) -> bool:
    """True where the smaller value is the better outcome."""
    return get(name).better == "lower"


def term(kind: Literal["cause", "source", "state"], key: str) -> Term:
    """A leak cause, friction source or lead state by key (unknown keys get a derived label)."""
    table = {"cause": LEAK_CAUSES, "source": FRICTION_SOURCES, "state": LEAD_STATES}[kind]
    for t in table:
        if t.key == key:
            return t
    words = key.replace("_", " ")
    return Term(key, words[:1].upper() + words[1:], "")


def metadata(names: list[str] | tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
    """``{name: {label, unit, meaning, better, fmt}}`` for ``--json`` output (all measures by default)."""
    chosen = names if names is not None else list(MEASURES)
    return {n: {k: v for k, v in get(n).to_dict().items() if k != "name"} for n in chosen}


__all__ = [
    "Column",
    "columns",
    "FRICTION_SOURCES",
    "FUNNEL_STAGES",
    "GLOSSARY",
    "LEAD_STATES",
    "LEAK_CAUSES",
    "MEASURES",
    "METRIC_MEASURES",
    "RUN_KEYS",
    "SERIES_MEASURES",
    "UNIT_BOUNDS",
    "UNIT_WORDS",
    "Measure",
    "Term",
    "better",
    "get",
    "label",
    "lower_is_better",
    "metadata",
    "term",
    "unit",
]
