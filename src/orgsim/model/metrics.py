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

from orgsim.measures import METRIC_MEASURES, Measure
from orgsim.model.calendar import YEAR_DAYS
from orgsim.model.lifecycle import FUNNEL_STAGES, LeadSource, LeadState, LeakCause

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


# the measures this model emits, in the order of every table: the schema's headline metrics
# (orgsim.measures.METRIC_MEASURES, where a measure is described once); live_metrics emits them
METRICS: dict[str, Measure] = {m.name: m for m in METRIC_MEASURES}


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


class Cohort:
    """The ledger seen from the measured horizon: the leads created after the warm-up.

    Counts are recounted from the per-lead arrays (``ledger.check`` proves they agree with the
    running counters); with no warm-up they are the whole ledger. Inquiries the ledger folded
    (:meth:`~orgsim.model.lifecycle.Ledger.fold`) count from its ``folded_*[1]`` counters.
    """

    def __init__(self, model: OrgModel) -> None:
        ledger = model.ledger
        self.ledger = ledger
        self.lo = min(model.baseline.first_lead, ledger.n)
        self.hi = ledger.n
        self.whole = self.lo == 0 and not ledger.folded[0]

    def _a(self, name: str) -> np.ndarray:
        return getattr(self.ledger, name)[self.lo : self.hi]

    def counts(self) -> np.ndarray:
        """Leads of the cohort in each state now."""
        if self.whole:
            return self.ledger.counts
        return np.bincount(self._a("state"), minlength=len(LeadState)) + self.ledger.folded_states[1]

    def reached(self, source: LeadSource, stage: LeadState) -> int:
        """Leads of ``source`` in the cohort that ever reached ``stage``."""
        if self.whole:
            return int(self.ledger.reached[source, stage])
        mine = self._a("source") == source
        inquiries = source == LeadSource.MARKETING and stage <= LeadState.INQUIRY
        folded = int(self.ledger.folded[1]) if inquiries else 0  # folded leads were inquiries
        return int(np.count_nonzero(mine & (self._a("peak") >= stage))) + folded

    def funnel(self, source: LeadSource) -> dict[str, int]:
        """As :meth:`Ledger.funnel`, for the cohort."""
        if self.whole:
            return self.ledger.funnel(source)
        entry = LeadState.INQUIRY if source == LeadSource.MARKETING else LeadState.SAL
        return {
            stage: self.reached(source, LeadState(i)) if i >= entry else 0
            for i, stage in enumerate(FUNNEL_STAGES)
        }

    def summary(self) -> dict[str, int]:
        """As :meth:`Ledger.summary`, for the cohort."""
        if self.whole:
            return self.ledger.summary()
        counts = self.counts()
        out = {"created": self.hi - self.lo + int(self.ledger.folded[1])}
        out.update({s.name.lower(): int(counts[s]) for s in LeadState})
        return out

    @property
    def with_intent(self) -> int:
        if self.whole:
            return self.ledger.with_intent
        return int(np.count_nonzero(self._a("intent"))) + int(self.ledger.folded_intent[1])

    def never_attempted_share(self) -> float:
        if self.whole:
            return self.ledger.never_attempted_share()
        mql = (self._a("source") == LeadSource.MARKETING) & (self._a("peak") >= LeadState.MQL)
        total = int(np.count_nonzero(mql))
        return float(np.count_nonzero(np.isnan(self._a("response_hours")[mql])) / total) if total else 0.0

    def first_responses(self) -> np.ndarray:
        """Calendar hours from MQL to first attempt of the cohort's marketing leads ever attempted.

        One per lead (a re-promoted lead keeps its first); a warm-up lead first touched after the
        warm-up is not in the cohort, as in ``sla_met_share``.
        """
        hours = self._a("response_hours").astype(np.float64)
        return hours[~np.isnan(hours)]

    def leaked_by_cause(self) -> dict[str, int]:
        if self.whole:
            return self.ledger.leaked_by_cause()
        counts = np.bincount(self._a("cause"), minlength=len(LeakCause)) + self.ledger.folded_causes[1]
        return {c.name.lower(): int(counts[c]) for c in LeakCause if c != LeakCause.NONE}

    def leaked_value_by_cause(self) -> dict[str, float]:
        if self.whole:
            return self.ledger.leaked_value_by_cause()
        leaked = self._a("state") == LeadState.LEAKED
        weights = self._a("value")[leaked].astype(np.float64)
        value = np.bincount(self._a("cause")[leaked], weights=weights, minlength=len(LeakCause))
        value = value + self.ledger.folded_value[1]  # (a bincount of nothing is integer)
        return {c.name.lower(): float(value[c]) for c in LeakCause if c != LeakCause.NONE}


def _friction_index(model: OrgModel) -> float:
    """Mean daily tension over the measured days, 0-100."""
    f, b = model.friction, model.baseline
    days = f.days - b.friction_days
    return 100.0 * (f.level_sum - b.friction_level_sum) / days if days > 0 else 0.0


def friction_by_source(model: OrgModel) -> dict[str, float]:
    """The measured friction index split by source, in proportion to the tension each added."""
    f, b = model.friction, model.baseline
    before = b.friction_contribution or (0.0,) * len(f.contribution)
    added = {src: c - c0 for (src, c), c0 in zip(f.contribution.items(), before, strict=True)}
    total = sum(added.values())
    if total <= 0:
        return dict.fromkeys(added, 0.0)
    index = _friction_index(model)
    return {src: index * c / total for src, c in added.items()}


def pipeline_customer_value(model: OrgModel) -> float:
    """Expected lifetime value of the open opportunities: win chance x the customer each would be."""
    deals = [d for rep in model.salespeople for d in rep.deals]
    if not deals:
        return 0.0
    mk = model.market
    pro = np.array([d.prospect for d in deals], dtype=np.int64)
    acv = np.array([d.value for d in deals], dtype=np.float64)
    cust = model.customers
    fit, perception = mk.fit[pro].astype(np.float64), mk.perception[pro].astype(np.float64)
    churn = cust.churn_chance(fit, perception, np.zeros(acv.size))
    return float(model.desk.stage_value[LeadState.OPPORTUNITY] * cust.lifetime_value(acv, churn).sum())


def live_metrics(model: OrgModel) -> dict[str, float]:
    """The measures of :data:`METRICS` on a model as it stands (any day; cheap: no ledger check).

    Only the measured horizon counts: running totals minus their values at the end of the
    warm-up (:class:`~orgsim.model.model.Baseline`), leads created after it.
    """
    p = model.params
    b = model.baseline
    cohort = Cohort(model)
    years = model.measured_days / YEAR_DAYS
    revenue = model.revenue - b.revenue
    won, lost = model.won - b.won, model.lost - b.lost
    decided = won + lost
    cost = (
        model.program_spend
        - b.program_spend
        + model.outbound_spend
        - b.outbound_spend
        + years * p.sales.salary * p.sales.headcount
        + years * p.marketing.salary * p.marketing.headcount
        + years * p.costs.head_salary * p.policy.heads
        + p.sales.commission_rate * revenue
    )
    friction_hours = model.friction.hours_total - b.friction_hours
    friction_cost = friction_hours * p.costs.hourly_rate
    coordination_hours = model.org.coordination_hours - b.coordination_hours
    coordination_cost = coordination_hours * p.costs.hourly_rate
    cost += friction_cost + coordination_cost
    cust = model.customers.measured(model.measured_days)
    recognised = cust["revenue"]
    new_customers = cust["new_customers"]
    added_arr = cust["new_logo_arr"] + cust["expansion_arr"]
    gm = p.customers.gross_margin
    mqls = cohort.reached(LeadSource.MARKETING, LeadState.MQL)
    responses = cohort.first_responses()
    leaked = int(cohort.counts()[LeadState.LEAKED])
    with_intent = cohort.with_intent
    sales_sourced = model.revenue_by_source[1] - b.revenue_by_source[1]
    metrics = {
        "revenue": float(recognised),
        "won_deals": float(won),
        "win_rate": won / decided if decided else float("nan"),  # undefined: no decided opportunity
        "pipeline_value": model.pipeline_value,
        "mqls": float(mqls),
        "sqls": float(sum(cohort.reached(src, LeadState.SQL) for src in LeadSource)),
        "friction_index": _friction_index(model),
        "leakage_rate": leaked / with_intent if with_intent else float("nan"),
        "leaked_leads": float(leaked),
        "leaked_revenue": float(sum(cohort.leaked_value_by_cause().values())),
        "median_response_hours": float(np.median(responses)) if responses.size else float("nan"),
        "never_responded_share": cohort.never_attempted_share(),
        "black_hole_share": model.ledger.black_hole_share(model.sla.attempts, start=cohort.lo),
        **model.ledger.handoff_leakage(start=cohort.lo),
        "sla_met_share": (model.sla.met - b.sla_met) / mqls if mqls else float("nan"),
        "cost": float(cost),
        "contribution": float(recognised - cost),
        "friction_cost": float(friction_cost),
        "friction_hours": friction_hours,
        "coordination_hours": coordination_hours,
        "mean_trust": model.mean_trust,
        "sales_sourced_share": sales_sourced / revenue if revenue else float("nan"),
        "bookings": float(revenue),
        "arr_end": cust["arr_end"],
        "new_arr": added_arr,
        "churned_arr": cust["churned_arr"],
        "net_revenue_retention": cust["net_revenue_retention"],
        "gross_revenue_retention": cust["gross_revenue_retention"],
        "logo_churn": cust["logo_churn"],
        "cac": float(cost / new_customers) if new_customers else float("nan"),
        "cac_payback_months": float(12.0 * cost / (added_arr * gm)) if added_arr * gm > 0 else float("nan"),
        "sm_share": float(cost / recognised) if recognised > 0 else float("nan"),
        "coordination_cost": float(coordination_cost),
        "customer_value": float(
            model.customers.value_won(model.warmup_days) + pipeline_customer_value(model) - cost
        ),
    }
    return {name: metrics[name] for name in METRICS}  # the schema's order, whatever the order above


def measure(model: OrgModel, series: bool = False, leads: bool = False) -> RunResult:
    """Read a finished model into a RunResult (checks the ledger first).

    ``series`` keeps the per-day series, ``leads`` the per-lead table.
    """
    model.ledger.check()
    p = model.params
    ledger = model.ledger
    cohort = Cohort(model)
    metrics = live_metrics(model)
    if series and not model.keeps_series:
        raise ValueError("measure(series=True) needs a model built with series=True (it kept no series)")
    frame = model.datacollector.get_model_vars_dataframe() if series else None
    if frame is not None:  # the measured days only, cumulative revenue from the horizon's start
        warm = min(model.warmup_days, len(frame))
        frame = frame.iloc[warm:].reset_index(drop=True).reset_index(names="day")
        if "revenue" in frame:
            frame["revenue"] = frame["revenue"] - model.baseline.revenue
    table = None
    if leads:
        table = ledger.table(model.market.hard, model.market.fit, cohort_row=cohort.lo)
    return RunResult(
        scenario=p.name,
        structure=p.structure,
        seed=model.seed,
        days=model.measured_days,
        metrics=metrics,
        friction_by_source=friction_by_source(model),
        leaked_by_cause=cohort.leaked_by_cause(),
        leaked_revenue_by_cause=cohort.leaked_value_by_cause(),
        ledger=cohort.summary(),
        funnel=cohort.funnel(LeadSource.MARKETING),
        sales_funnel=cohort.funnel(LeadSource.SALES),
        series=frame,
        leads=table,
    )


__all__ = ["FUNNEL_STAGES", "METRICS", "RunResult", "flat_columns", "live_metrics", "measure"]
