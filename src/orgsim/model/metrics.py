"""What a run measured: revenue, funnel, friction, leakage, speed to lead and cost.

:func:`measure` reads a finished :class:`~orgsim.model.model.OrgModel` into a
:class:`RunResult`, the one record every presentation (CLI table, JSON, Parquet row, charts)
is built from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from orgsim.measures import MEASURES, Measure
from orgsim.model.lifecycle import FUNNEL_STAGES, LeadSource, LeadState

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel

YEAR_DAYS = 250

# the measures this model emits, in the order of every table; labels, units and meanings are
# described once in orgsim.measures (add a measure there first, then list it here)
METRICS: dict[str, Measure] = {
    name: MEASURES[name]
    for name in (
        "revenue",
        "won_deals",
        "win_rate",
        "pipeline_value",
        "mqls",
        "sqls",
        "friction_index",
        "leakage_rate",
        "leaked_leads",
        "leaked_revenue",
        "median_response_hours",
        "never_responded_share",
        "black_hole_share",
        "leaked_after_handoff",
        "handoff_leakage_rate",
        "sla_met_share",
        "cost",
        "contribution",
        "friction_cost",
        "friction_hours",
        "coordination_hours",
        "mean_trust",
        "sales_sourced_share",
    )
}


@dataclass
class RunResult:
    """One run's measures, its lead ledger and (optionally) its per-day series."""

    scenario: str
    structure: str
    seed: int
    days: int
    metrics: dict[str, float]
    friction_by_source: dict[str, float]
    leaked_by_cause: dict[str, int]
    leaked_revenue_by_cause: dict[str, float]
    ledger: dict[str, int]
    funnel: dict[str, int]
    sales_funnel: dict[str, int]
    series: pd.DataFrame | None = field(default=None, repr=False)
    leads: pd.DataFrame | None = field(default=None, repr=False)  # one row per lead (LEAD_COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``orgsim run --json``."""
        return {
            "scenario": self.scenario,
            "structure": self.structure,
            "seed": self.seed,
            "days": self.days,
            "metrics": self.metrics,
            "friction_by_source": self.friction_by_source,
            "leaked_by_cause": self.leaked_by_cause,
            "leaked_revenue_by_cause": self.leaked_revenue_by_cause,
            "ledger": self.ledger,
            "funnel": self.funnel,
            "sales_funnel": self.sales_funnel,
        }

    def flat(self) -> dict[str, float]:
        """One flat row: metrics, then ``friction_by_source.*``, ``leaked.*``, ``ledger.*``, ``funnel.*``."""
        row: dict[str, float] = dict(self.metrics)
        row.update({f"friction_by_source.{k}": v for k, v in self.friction_by_source.items()})
        row.update({f"leaked.{k}": v for k, v in self.leaked_by_cause.items()})
        row.update({f"leaked_revenue.{k}": v for k, v in self.leaked_revenue_by_cause.items()})
        row.update({f"ledger.{k}": v for k, v in self.ledger.items()})
        row.update({f"funnel.{k}": v for k, v in self.funnel.items()})
        return row


def flat_columns() -> list[str]:
    """The keys of :meth:`RunResult.flat`, in order, known before any run (for table schemas)."""
    from orgsim.model.friction import SOURCES
    from orgsim.model.lifecycle import LeakCause

    causes = [c.name.lower() for c in LeakCause if c != LeakCause.NONE]
    return [
        *METRICS,
        *(f"friction_by_source.{s}" for s in SOURCES),
        *(f"leaked.{c}" for c in causes),
        *(f"leaked_revenue.{c}" for c in causes),
        "ledger.created",
        *(f"ledger.{s.name.lower()}" for s in LeadState),
        *(f"funnel.{s}" for s in FUNNEL_STAGES),
    ]


def live_metrics(model: OrgModel) -> dict[str, float]:
    """The measures of :data:`METRICS` on a model as it stands (any day; cheap: no ledger check)."""
    p = model.params
    ledger = model.ledger
    years = model.day / YEAR_DAYS
    decided = model.won + model.lost
    cost = (
        model.program_spend
        + model.outbound_spend
        + years * p.sales.salary * p.sales.headcount
        + years * p.marketing.salary * p.marketing.headcount
        + years * p.costs.head_salary * p.policy.heads
        + p.sales.commission_rate * model.revenue
    )
    friction_cost = model.friction.hours_total * p.costs.hourly_rate
    cost += friction_cost
    mqls = int(ledger.reached[LeadSource.MARKETING, LeadState.MQL])
    responses = model.response_hours
    leaked = int(ledger.counts[LeadState.LEAKED])
    metrics = {
        "revenue": float(model.revenue),
        "won_deals": float(model.won),
        "win_rate": model.won / decided if decided else 0.0,
        "pipeline_value": model.pipeline_value,
        "mqls": float(mqls),
        "sqls": float(ledger.reached[:, LeadState.SQL].sum()),
        "friction_index": model.friction.index,
        "leakage_rate": leaked / ledger.with_intent if ledger.with_intent else 0.0,
        "leaked_leads": float(leaked),
        "leaked_revenue": float(ledger.leaked_value.sum()),
        "median_response_hours": float(np.median(responses)) if responses else float("nan"),
        "never_responded_share": ledger.never_attempted_share(),
        "black_hole_share": ledger.black_hole_share(model.max_attempts),
        **ledger.handoff_leakage(),
        "sla_met_share": model.sla_met / mqls if mqls else 0.0,
        "cost": float(cost),
        "contribution": float(model.revenue - cost),
        "friction_cost": float(friction_cost),
        "friction_hours": model.friction.hours_total,
        "coordination_hours": model.coordination_hours,
        "mean_trust": model.mean_trust,
        "sales_sourced_share": model.revenue_by_source[1] / model.revenue if model.revenue else 0.0,
    }
    return metrics


def measure(model: OrgModel, series: bool = False, leads: bool = False) -> RunResult:
    """Read a finished model into a RunResult (checks the ledger first).

    ``series`` keeps the per-day series, ``leads`` the per-lead table.
    """
    model.ledger.check()
    p = model.params
    ledger = model.ledger
    metrics = live_metrics(model)
    frame = model.datacollector.get_model_vars_dataframe() if series else None
    if frame is not None:
        frame = frame.reset_index(names="day")
    return RunResult(
        scenario=p.name,
        structure=p.structure,
        seed=model.seed,
        days=model.day,
        metrics=metrics,
        friction_by_source=model.friction.by_source(),
        leaked_by_cause=ledger.leaked_by_cause(),
        leaked_revenue_by_cause=ledger.leaked_value_by_cause(),
        ledger=ledger.summary(),
        funnel=ledger.funnel(LeadSource.MARKETING),
        sales_funnel=ledger.funnel(LeadSource.SALES),
        series=frame,
        leads=ledger.table(model.market.hard, model.market.fit) if leads else None,
    )


__all__ = ["FUNNEL_STAGES", "METRICS", "RunResult", "flat_columns", "live_metrics", "measure"]
