"""The service-level agreement between marketing and sales: its clock, deadlines, checks and quota.

An SLA [sla_practice] binds both teams: sales attempts every MQL within ``sla.response_hours``
*working* hours and makes ``sla.attempts`` attempts before returning it; marketing delivers a
monthly MQL quota derived from the revenue target. A late first touch or a missed quota is a
breach, and a breach raises tension (``FrictionSource.SLA_BREACH``). Without an SLA the same
clock is still read as a yardstick (``sla_met_share``), and nothing else acts.

The clock counts working hours: a day opens at ``calendar.WORKDAY_START`` and lasts
``sales.hours_per_day`` hours; a lead that arrives overnight starts its clock at the next opening.
Times are absolute hours since the run's first midnight.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from orgsim.model.calendar import DAY_HOURS, MONTH_DAYS, QUARTER_DAYS, WORKDAY_START, opening_hour
from orgsim.model.friction import FrictionSource
from orgsim.model.lifecycle import LeadSource, LeadState

if TYPE_CHECKING:
    from orgsim.model.lifecycle import WorkedLead
    from orgsim.model.world import SlaWorld


# -- the business-hours clock -----------------------------------------------------------------
def working_hours_between(start: float, end: float, hours_per_day: float = 8.0) -> float:
    """Working hours between two absolute times (hours), as an SLA clock counts them."""
    total = 0.0
    day = int(start // DAY_HOURS)
    while day * DAY_HOURS <= end:  # (min and max written out: this runs for every first touch)
        open_ = opening_hour(day)
        close = open_ + hours_per_day
        worked = (end if end < close else close) - (start if start > open_ else open_)
        if worked > 0.0:
            total += worked
        day += 1
    return total


def working_deadline(start: float, hours: float, hours_per_day: float = 8.0) -> float:
    """The absolute time (hours) at which ``hours`` working hours after ``start`` have passed."""
    day = int(start // DAY_HOURS)
    left = hours
    while True:
        open_ = opening_hour(day)
        close = open_ + hours_per_day
        begin = max(start, open_)
        if begin < close:
            if begin + left <= close:
                return begin + left
            left -= close - begin
        day += 1


def _walked_day(start: float, hours: float, hours_per_day: float) -> int:
    """The day of :func:`working_deadline`, by walking the clock."""
    return int(working_deadline(start, hours, hours_per_day) // DAY_HOURS)


FEW_STARTS = 32  # below this many leads, walking each clock in Python beats the array walk

_DEADLINE_DAYS: dict[tuple[int, float, float], int] = {}  # walks from a day's opening, by day


def deadline_day(start: float, hours: float, hours_per_day: float = 8.0) -> int:
    """The day of :func:`working_deadline` (``int(deadline // 24)``), without walking a long clock.

    An SLA of hundreds of working hours at one hour a day walks hundreds of days per lead. A
    clock that starts at an opening (the lead arrived out of hours) walks the same for every lead
    of that day: walked once and remembered. Otherwise the day is found by division, and by the
    walk only where the division lands so near a boundary (within 1e-6 h) that the walk's
    rounding could decide it. Always the same day as ``working_deadline``.
    """
    if hours <= 4 * hours_per_day:
        return _walked_day(start, hours, hours_per_day)
    day = int(start // DAY_HOURS)
    open_ = opening_hour(day)
    close = open_ + hours_per_day
    if start <= open_ or start >= close:  # the clock starts at an opening: the walk depends on the day
        key = (day if start <= open_ else day + 1, hours, hours_per_day)
        due = _DEADLINE_DAYS.get(key)
        if due is None:
            if len(_DEADLINE_DAYS) > 100_000:
                _DEADLINE_DAYS.clear()
            due = _DEADLINE_DAYS[key] = _walked_day(start, hours, hours_per_day)
        return due
    first = close - start  # working hours left on day one
    rest = hours - first
    full = rest / hours_per_day
    whole = math.floor(full)
    left = (full - whole) * hours_per_day  # working hours into the deadline's day
    edge = 1e-6
    if rest <= edge or left < edge or hours_per_day - left < edge:
        return _walked_day(start, hours, hours_per_day)
    offset = WORKDAY_START + left  # hour of the deadline within its day (may pass midnight)
    if abs(offset - DAY_HOURS) < edge:
        return _walked_day(start, hours, hours_per_day)
    return day + whole + 1 + (offset >= DAY_HOURS)


def deadline_days(starts: np.ndarray, hours: float, hours_per_day: float = 8.0) -> np.ndarray:
    """:func:`deadline_day` for many start times (absolute hours): the same days, as int64.

    The clock is walked for all of them at once, with the same float operations per lead.
    """
    if hours > 4 * hours_per_day or len(starts) < FEW_STARTS:  # deadline_day's, one at a time
        return np.array([deadline_day(s, hours, hours_per_day) for s in starts.tolist()], dtype=np.int64)
    starts = np.asarray(starts, dtype=np.float64)
    day = np.floor_divide(starts, DAY_HOURS)
    left = np.full(starts.size, float(hours))
    deadline = np.empty(starts.size)
    todo = np.arange(starts.size)
    while todo.size:
        open_ = opening_hour(day[todo])
        close = open_ + hours_per_day
        begin = np.maximum(starts[todo], open_)
        working = begin < close
        end = begin + left[todo]
        done = working & (end <= close)
        deadline[todo[done]] = end[done]
        passing = working & ~done
        left[todo[passing]] -= close[passing] - begin[passing]
        todo = todo[~done]
        day[todo] += 1
    return np.floor_divide(deadline, DAY_HOURS).astype(np.int64)


class ServiceLevel:
    """The SLA in force (``sla.enabled``), or only its yardstick: deadlines, first touches, quota.

    Counts, over the run: ``first_touch_hours`` (calendar hours to each marketing lead's first
    attempt), ``met`` (first attempts within ``sla.response_hours`` working hours, measured
    cohort) and ``breaches`` (late first touches and missed monthly quotas under an SLA).
    """

    def __init__(self, model: SlaWorld) -> None:
        self.model = model
        sc = model.params
        self.enabled = sc.sla.enabled
        self.hours = sc.sla.response_hours  # working hours to the first attempt
        self.hours_per_day = sc.sales.hours_per_day
        self.attempts = sc.sla.attempts if self.enabled else sc.sales.attempts  # before a lead goes back
        # reps work leads first in, first out against the clock, before deals, passing none over
        self.by_the_clock = sc.sales.prioritisation == "sla"
        self.mql_quota_month = 0.0
        self.first_touch_hours: list[float] = []
        self.met = 0
        self.breaches = 0

    def deadline_days(self, visible_hours: np.ndarray) -> list[int | None]:
        """The day each lead's response deadline falls on (None for all without an SLA)."""
        if not self.enabled:
            return [None] * visible_hours.size
        return deadline_days(visible_hours, self.hours, self.hours_per_day).tolist()

    def schedule(self, lead: WorkedLead) -> None:
        """Under an SLA a rep plans the first attempt by the lead's deadline day."""
        if not self.enabled:
            return
        due = lead.sla_day
        if due is None:
            due = deadline_day(lead.visible_hour, self.hours, self.hours_per_day)
        lead.next_day = max(lead.arrival_day, due)

    def first_touch(self, lead: WorkedLead, hour: float) -> None:
        """A rep's first attempt at ``hour``: log the speed to lead and check it against the clock."""
        m = self.model
        response = hour - lead.mql_hour
        if lead.source != LeadSource.MARKETING:
            return
        late = self.hours < working_hours_between(lead.mql_hour, hour, self.hours_per_day)
        if self.enabled and late:
            self.breach()
        # an outbound lead sales returned and marketing re-promoted is worked as an MQL (the clock
        # above applies), but speed to lead and the SLA-met share count marketing-sourced leads,
        # as the funnel does (the ledger keeps each lead's source)
        if m.ledger.source.item(lead.lead) != LeadSource.MARKETING:
            return
        self.first_touch_hours.append(response)
        first = m.ledger.response_hours.item(lead.lead)
        if first != first:  # (NaN: not touched before; a re-promoted lead keeps its first)
            m.ledger.response_hours[lead.lead] = response
            # over the measured cohort, as sla_met_share's denominator (its MQLs): a warm-up
            # lead first touched after the warm-up is not counted (first_lead is 0 until then)
            self.met += not late and lead.lead >= m.baseline.first_lead

    def set_quota(self, revenue_target: float) -> None:
        """Marketing's monthly MQL quota: the quarter's revenue target in MQLs at half their value."""
        m = self.model
        per_mql = m.params.market.deal_size * m.desk.stage_value[LeadState.MQL] * 0.5
        months = QUARTER_DAYS / MONTH_DAYS
        self.mql_quota_month = revenue_target / months / per_mql if per_mql > 0 else 0.0

    def check_mql_quota(self) -> None:
        """Month end: under an SLA, marketing missing its MQL quota is a breach sales resents."""
        mqls = self.model.marketing.take_month_mqls()
        if self.enabled and self.mql_quota_month > 0 and mqls < self.mql_quota_month:
            self.breach()

    def breach(self) -> None:
        """One breach of the agreement: counted, and resented."""
        self.breaches += 1
        self.model.raise_tension(FrictionSource.SLA_BREACH)
