"""How measures are written for people: currency with separators, shares as percentages.

The value writers (:func:`fmt_value`, :func:`fmt_compact`, :func:`fmt_ci`) live in
:mod:`orgsim.formats`, below every layer; they are handed on here with the SLA clock's sentences.
"""

from __future__ import annotations

from orgsim.formats import fmt_ci, fmt_compact, fmt_value


def sla_calendar_hours(working_hours: float, hours_per_day: float) -> tuple[float, float]:
    """The calendar hours an SLA of ``working_hours`` allows, fewest to most.

    Speed to lead counts calendar hours from the MQL (nights count); the SLA clock counts working
    hours (``hours_per_day`` a business day). Fewest: an MQL at the start of a working day; most:
    one at its close or overnight. Uses the model's own clock (:func:`orgsim.model.sla.working_deadline`).
    """
    from orgsim.model.calendar import WORKDAY_START
    from orgsim.model.sla import working_deadline

    start, close = WORKDAY_START, WORKDAY_START + hours_per_day
    fewest = working_deadline(start, working_hours, hours_per_day) - start
    most = working_deadline(close, working_hours, hours_per_day) - close
    return fewest, most


def sla_clock(label: str, working_hours: float, hours_per_day: float) -> str:
    """One line putting an SLA in speed to lead's unit (calendar hours).

    E.g. ``aligned's SLA: 4 working hours = 4-20 calendar hours of speed to lead (8-hour days; by
    when the MQL arrives)``.
    """
    fewest, most = sla_calendar_hours(working_hours, hours_per_day)
    return (
        f"{label}'s SLA: {working_hours:g} working hours = {fewest:.0f}-{most:.0f} calendar hours of speed "
        f"to lead ({hours_per_day:g}-hour days; by when the MQL arrives)"
    )


__all__ = ["fmt_ci", "fmt_compact", "fmt_value", "sla_calendar_hours", "sla_clock"]
