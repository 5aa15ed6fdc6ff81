"""Due dates in working days. Monday–Friday only for now; the holiday calendar replaces this rule."""

from __future__ import annotations

from datetime import date, timedelta


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The close of the ``days``-th working day after ``start`` (``start`` itself is not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
