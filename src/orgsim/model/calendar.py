"""The business calendar every part of orgsim counts time in.

A run steps one business day at a time: five to a week, 21 to a month, 63 to a quarter and 250
to a year (52 weeks less about ten public holidays). A working day opens at ``WORKDAY_START``
and, for a salesperson, lasts ``sales.hours_per_day`` hours; a marketer's day is
``WORKDAY_HOURS``. Times within a run are absolute hours since the first day's midnight
(``day * 24 + hour``); buyers raise their hand around the clock.
"""

from __future__ import annotations

WEEK_DAYS = 5  # business days a week
MONTH_DAYS = 21  # business days a month
QUARTER_DAYS = 63  # business days a quarter (3 months)
YEAR_DAYS = 250  # business days a year
CALENDAR_YEAR_DAYS = 365  # calendar days a year (facts quoted in calendar days convert by this)
WORKDAY_START = 9.0  # hour of the day work starts
WORKDAY_HOURS = 8.0  # a marketer's working day (hours)
DAY_HOURS = 24.0  # calendar hours a day


def week_starts(day: int) -> bool:
    """``day`` (0-based business day) opens a week."""
    return day % WEEK_DAYS == 0


def month_ends(day: int) -> bool:
    """``day`` is a month's last business day."""
    return day % MONTH_DAYS == MONTH_DAYS - 1


def quarter_starts(day: int) -> bool:
    """``day`` opens a quarter (planning day)."""
    return day % QUARTER_DAYS == 0


def opening_hour(day: int) -> float:
    """The absolute hour ``day``'s working day opens."""
    return day * DAY_HOURS + WORKDAY_START
