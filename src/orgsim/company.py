"""A client's company as a scenario: the handful of facts a client knows, in the model's units.

A consultant knows the structure today, the marketers, sellers and SDRs, the yearly marketing
budget, the average deal size, the sales cycle in calendar days, the inbound leads a month and
perhaps the win rate. :func:`company_scenario` turns them into parameter values, each with the
conversion that produced it:

- calendar days become business days (x 250/365: the model steps business days);
- SDRs become the outbound budget that buys their calling time
  (SDRs x ``sales.hours_per_day`` x 250 days x the price of an outbound hour);
- inbound leads a month set both inquiry hazards (``marketing.inquiry_rate_*``, scaled by one
  factor). Inquiries grow less than in proportion to the hazards (a prospect with an open lead
  cannot inquire again), so the factor is found by a few short seeded runs of the company,
  a secant on the log scale; a volume the default market cannot raise grows the market first;
- a known win rate scales ``sales.win_rate`` the same way (the measured win rate also depends
  on skill, attention, fit and perception, so the base chance is not the win rate itself).

Every other parameter keeps its calibrated default. :func:`scenario_toml` writes the commented
scenario and :func:`targets_toml` a targets file for ``orgsim calibrate`` to refine it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import tomlkit

from orgsim.errors import InputError
from orgsim.model.calendar import CALENDAR_YEAR_DAYS, YEAR_DAYS
from orgsim.params import PARAMETERS, STRUCTURES

CALENDAR_TO_BUSINESS = YEAR_DAYS / CALENDAR_YEAR_DAYS  # business days per calendar day
CHECK_DAYS = YEAR_DAYS  # each check run simulates a year
CHECK_REPS = 2
CHECK_ITERATIONS = 4
TOLERANCE = 0.05  # stop when the check runs are within 5% of the inbound volume
WIN_TOLERANCE = 0.08  # ... and within 8% of the win rate (two runs decide ~100 deals each)
MARKET_HEADROOM = 1.5  # grow the market when the default rates would need more than this factor


@dataclass(frozen=True)
class CompanyFacts:
    """What a client knows about its company (money in its currency, a year = 12 months)."""

    name: str
    structure: str
    marketers: int
    sellers: int
    marketing_budget: float  # program spend per year, salaries excluded
    deal_size: float  # average first-year deal value
    sales_cycle_days: float  # calendar days from opportunity to decision
    inbound_leads_per_month: float  # inquiries (form fills, demo requests, ...) a month
    sdrs: int | None = None  # sales development reps; None keeps the default outbound budget
    win_rate: float | None = None  # won / decided opportunities, if known

    def check(self) -> None:
        """Raise InputError (naming the flag) for a fact outside what the model can take."""
        if self.structure not in STRUCTURES:
            raise InputError(
                f"--structure: {self.structure!r} is not a structure; allowed: {', '.join(STRUCTURES)}"
            )
        limits: list[tuple[str, float | None, float, float]] = [
            ("--marketers", self.marketers, 0, _hi("marketing.headcount")),
            ("--sellers", self.sellers, 1, _hi("sales.headcount")),
            ("--marketing-budget", self.marketing_budget, 0, _hi("marketing.budget")),
            ("--deal-size", self.deal_size, _lo("market.deal_size"), _hi("market.deal_size")),
            ("--cycle-days", self.sales_cycle_days, 2, _hi("market.sales_cycle_days") / CALENDAR_TO_BUSINESS),
            ("--inbound-leads", self.inbound_leads_per_month, 1, 1e6),
            ("--sdrs", self.sdrs, 0, 1000),
            ("--win-rate", self.win_rate, 0.01, 0.9),
        ]
        for flag, value, lo, hi in limits:
            if value is not None and not (lo <= value <= hi and math.isfinite(value)):
                raise InputError(f"{flag}: {value:g} is not allowed; use a number in [{lo:g}, {hi:g}]")
        if self.marketers == 0 and self.inbound_leads_per_month > 0:
            raise InputError("--marketers: 0 marketers raise no inbound leads in the model; use at least 1")


def _lo(key: str) -> float:
    return float(PARAMETERS[key].lo or 0.0)


def _hi(key: str) -> float:
    return float(PARAMETERS[key].hi or math.inf)


@dataclass(frozen=True)
class Conversion:
    """One parameter value set from the client's facts, and how."""

    key: str
    value: Any
    fact: str  # the client's fact, in the client's words and units
    how: str  # the conversion, shown in the scenario's comment


@dataclass
class CompanySetup:
    """The scenario values for a company and what its check runs measured."""

    facts: CompanyFacts
    conversions: list[Conversion] = field(default_factory=list)
    measured: dict[str, float] = field(default_factory=dict)  # check-run means at the final values

    @property
    def values(self) -> dict[str, Any]:
        """Dotted key -> value, the overrides the scenario file holds."""
        return {c.key: c.value for c in self.conversions}


def _check_runs(
    facts: CompanyFacts, values: dict[str, Any], seed: int, workers: int | None
) -> dict[str, float]:
    """Mean inquiries a month and win rate over a few short seeded runs of the company."""
    from orgsim.analyses.compare import compare
    from orgsim.scenario import resolve

    raw: dict[str, Any] = {"name": facts.name, "structure": facts.structure}
    scenario = resolve(raw, source="orgsim init", overrides=values)
    comparison = compare([scenario], reps=CHECK_REPS, seed=seed, days=CHECK_DAYS, workers=workers)
    runs = comparison.runs()
    per_month = runs["funnel.inquiry"] / CHECK_DAYS * YEAR_DAYS / 12
    return {"inquiries_per_month": float(per_month.mean()), "win_rate": float(runs["win_rate"].mean())}


def _step(factor: float, got: float, want: float, slope: float, lo: float, hi: float) -> float:
    """The next multiplicative factor for a measure ~ factor ** slope (a Newton step on logs)."""
    if got <= 0:
        return min(hi, factor * 2)
    return min(hi, max(lo, factor * (want / got) ** (1 / slope)))


def _slope(k0: float, m0: float, k1: float, m1: float, prior: float) -> float:
    """Updated d log(measure) / d log(factor) from two points, kept in [0.5, 1.5].

    Two noisy points close together say little: the prior stays unless the factor moved by
    more than 10%.
    """
    if m0 <= 0 or m1 <= 0 or abs(math.log(k1 / k0)) < 0.1:
        return prior
    return min(1.5, max(0.5, math.log(m1 / m0) / math.log(k1 / k0)))


def company_scenario(
    facts: CompanyFacts,
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> CompanySetup:
    """Parameter values for ``facts``, with the conversion behind each and the check runs' means.

    Runs a few seeded one-year simulations of the company (``CHECK_REPS`` per step) to map the
    inbound volume and win rate onto the model's hazards; the same ``seed`` gives the same file.
    """
    facts.check()
    say = progress or (lambda message: None)
    setup = CompanySetup(facts)
    add = setup.conversions.append
    add(Conversion("marketing.headcount", facts.marketers, f"{facts.marketers} marketers", "as given"))
    add(Conversion("sales.headcount", facts.sellers, f"{facts.sellers} sellers", "as given"))
    add(
        Conversion(
            "marketing.budget",
            float(facts.marketing_budget),
            f"marketing budget {facts.marketing_budget:,.0f} a year",
            "program spend a year, as given",
        )
    )
    add(
        Conversion(
            "market.deal_size", float(facts.deal_size), f"average deal {facts.deal_size:,.0f}", "as given"
        )
    )
    business = round(facts.sales_cycle_days * CALENDAR_TO_BUSINESS, 1)
    add(
        Conversion(
            "market.sales_cycle_days",
            max(1.0, business),
            f"sales cycle {facts.sales_cycle_days:g} calendar days",
            f"{facts.sales_cycle_days:g} x {YEAR_DAYS}/{CALENDAR_YEAR_DAYS} = {business:g} business days",
        )
    )
    if facts.sdrs is not None:
        hours = PARAMETERS["sales.hours_per_day"].default
        rate_key = (
            "sales.outbound_hour_cost" if "sales.outbound_hour_cost" in PARAMETERS else "costs.hourly_rate"
        )
        rate = PARAMETERS[rate_key].default
        budget = float(facts.sdrs * hours * YEAR_DAYS * rate)
        add(
            Conversion(
                "sales.outbound_budget",
                budget,
                f"{facts.sdrs} SDR{'' if facts.sdrs == 1 else 's'}",
                f"{facts.sdrs} x {hours:g} h x {YEAR_DAYS} days x {rate:g}/h ({rate_key}) of calls",
            )
        )
    base = {c.key: c.value for c in setup.conversions}

    # inbound volume: one factor k on both inquiry hazards; a known win rate: a factor w on the
    # base win chance. Both are measured by the same check runs and moved by Newton steps on logs.
    rate_in = PARAMETERS["marketing.inquiry_rate_in_market"].default
    rate_out = PARAMETERS["marketing.inquiry_rate_out_of_market"].default
    default_win = PARAMETERS["sales.win_rate"].default
    want_volume = facts.inbound_leads_per_month
    k_hi = min(
        _hi("marketing.inquiry_rate_in_market") / rate_in,
        _hi("marketing.inquiry_rate_out_of_market") / rate_out,
    )
    k, w = 1.0, 1.0
    slope_k = 0.8  # a first guess, from the default company; the win chance scales the win rate (1)
    slope_w = 1.0
    prev: tuple[float, float, dict[str, float]] | None = None
    for i in range(CHECK_ITERATIONS):
        values = {**base, **_rates(rate_in, rate_out, k)}
        if facts.win_rate is not None:
            values["sales.win_rate"] = round(default_win * w, 4)
        say(f"check runs {i + 1}: inquiry hazards x{k:.3g}, base win chance x{w:.3g}")
        got = _check_runs(facts, values, seed, workers)
        if i == 0 and want_volume / max(got["inquiries_per_month"], 1e-9) > MARKET_HEADROOM**2:
            # far more than the default market raises: grow it, keep the default hazards to start
            need = want_volume / max(got["inquiries_per_month"], 1e-9)
            prospects = PARAMETERS["market.prospects"].default * need / MARKET_HEADROOM
            base["market.prospects"] = int(min(_hi("market.prospects"), math.ceil(prospects / 1000) * 1000))
            continue
        off_volume = abs(got["inquiries_per_month"] / want_volume - 1)
        off_win = abs(got["win_rate"] / facts.win_rate - 1) if facts.win_rate else 0.0
        if (off_volume <= TOLERANCE and off_win <= WIN_TOLERANCE) or i == CHECK_ITERATIONS - 1:
            break
        if prev is not None:
            slope_k = _slope(prev[0], prev[2]["inquiries_per_month"], k, got["inquiries_per_month"], slope_k)
        prev = (k, w, got)
        k = _step(k, got["inquiries_per_month"], want_volume, slope_k, 0.001, k_hi)
        if facts.win_rate is not None:
            w = _step(w, got["win_rate"], facts.win_rate, slope_w, 0.05, 1.0 / default_win)
    if abs(got["inquiries_per_month"] / want_volume - 1) > 0.25:
        raise InputError(
            f"--inbound-leads: {want_volume:g} a month is out of the model's reach for this company "
            f"(closest: {got['inquiries_per_month']:.0f} a month); check the marketing budget and headcount"
        )
    if "market.prospects" in base:
        add(
            Conversion(
                "market.prospects",
                base["market.prospects"],
                f"{want_volume:g} inbound leads a month",
                f"the default {PARAMETERS['market.prospects'].default:,} accounts grown to raise them",
            )
        )
    checked = f"{CHECK_REPS} one-year check runs"
    how = f"default hazards x{k:.3g}; {checked} gave {got['inquiries_per_month']:.0f} a month"
    for key, value in _rates(rate_in, rate_out, k).items():
        add(Conversion(key, value, f"{want_volume:g} inbound leads a month", how))
    if facts.win_rate is not None:
        add(
            Conversion(
                "sales.win_rate",
                round(default_win * w, 4),
                f"win rate {facts.win_rate:.0%}",
                f"base chance {default_win:g} x{w:.3g}; {checked} gave a win rate of {got['win_rate']:.1%}",
            )
        )
    setup.measured = got
    return setup


def _rates(rate_in: float, rate_out: float, k: float) -> dict[str, float]:
    return {
        "marketing.inquiry_rate_in_market": float(f"{rate_in * k:.4g}"),
        "marketing.inquiry_rate_out_of_market": float(f"{rate_out * k:.4g}"),
    }


def _with_comments(container: Any, *lines: str) -> Any:
    """``container`` (a TOML document or table) with comment lines added."""
    for line in lines:
        container.add(tomlkit.comment(line))
    return container


def _commented(key: str, value: Any, comment: str, column: int = 40) -> Any:
    """A TOML value with a comment after it on its line, the ``#`` at ``column`` when it fits."""
    item = tomlkit.item(value)
    item.comment(comment)
    item.trivia.comment_ws = " " * max(1, column - len(f"{key} = {item.as_string()}"))
    return item


def scenario_toml(setup: CompanySetup, command: str = "orgsim init") -> str:
    """The commented scenario file: the structure, then each converted value with its conversion."""
    facts = setup.facts
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    doc = _with_comments(
        tomlkit.document(),
        f"{facts.name}: written by `{command}` on {stamp} from the client's facts.",
        "Each value says which fact it comes from and how it was converted to the model's units;",
        "every other parameter keeps its calibrated default (`orgsim show` lists them all).",
    )
    doc.add("name", facts.name)
    doc.add("description", f"{facts.name}, described by its own facts (orgsim init)")
    today = "how sales and marketing are organised today"
    doc.add("structure", _commented("structure", facts.structure, today, column=0))
    for conv in setup.conversions:
        section, name = conv.key.split(".", 1)
        if section not in doc:
            doc.add(tomlkit.nl())
            doc.add(section, tomlkit.table())
        doc[section].add(name, _commented(name, conv.value, f"{conv.fact}: {conv.how}"))  # type: ignore[union-attr]
    return tomlkit.dumps(doc)


def targets_toml(setup: CompanySetup, scenario_path: str) -> str:
    """A targets file for ``orgsim calibrate``: the client's numbers, and CRM numbers to add."""
    facts = setup.facts
    doc = _with_comments(
        tomlkit.document(),
        f"Targets for `orgsim calibrate`: {facts.name}'s own numbers (written by orgsim init).",
        "Add what the CRM shows (uncomment and edit); `orgsim calibrate --measures` lists the names.",
    )
    doc.add("scenario", scenario_path)
    doc.add(tomlkit.nl())
    targets = tomlkit.table()
    targets.add("inquiries_per_month", float(facts.inbound_leads_per_month))
    if facts.win_rate is not None:
        targets.add("win_rate", float(facts.win_rate))
    _with_comments(
        targets,
        '"funnel.mql_to_sal" = [0.40, 0.60]          # share of MQLs sales accepts',
        '"median_response_hours" = 24                # median hours from MQL to first attempt',
        '"never_responded_share" = [0.20, 0.30]      # MQLs never attempted',
    )
    targets.add(tomlkit.nl())
    doc.add("targets", targets)
    parameters = tomlkit.table()
    parameters.comment("dotted key = [low, high] to search")
    searched = ["marketing.inquiry_rate_in_market", "sales.win_rate"]
    for key in searched if facts.win_rate is not None else searched[:1]:
        parameters.add(key, _bounds_around(setup, key))
    _with_comments(parameters, '"sales.contact_floor" = [0.3, 0.9]', '"policy.follow_up_duty" = [0.0, 1.0]')
    doc.add("parameters", parameters)
    return tomlkit.dumps(doc)


def _bounds_around(setup: CompanySetup, key: str) -> list[float]:
    """A search range around the converted value: half to twice it, inside the parameter's bounds."""
    value = float(setup.values[key])
    spec = PARAMETERS[key]
    lo = max(float(spec.lo or 0.0), value / 2)
    hi = min(float(spec.hi if spec.hi is not None else math.inf), value * 2)
    return [float(f"{lo:.4g}"), float(f"{hi:.4g}")]
