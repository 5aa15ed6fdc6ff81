"""Working days on the Chinese calendar: statutory holidays and make-up working days (调休上班).

A day's status comes from, first to last: the admin-maintained table (``calendar_day``, entered
from the State Council's notice), the ``chinesecalendar`` package for the years it knows, and
Monday–Friday for any other year. The table comes first so that an entered correction holds even
in a year the package knows.

Each process keeps the table it last read, with the number of the ``calendar_revision`` row at that
time; a request reads that one row (once per app context) and the whole table only when another
process has changed it since. Whoever changes the table calls ``calendar_changed()`` in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import chinese_calendar
from flask import current_app, g
from sqlalchemy import select, update

from workflow_service.extensions import db
from workflow_service.models import CalendarDay, CalendarRevision, CalendarYear

# The package names holidays in English; the notice and our users say these.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@cache
def package_knows(year: int) -> bool:
    """Whether the installed ``chinesecalendar`` has the State Council's schedule for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def package_exceptions(year: int) -> list[tuple[date, bool, str]]:
    """The package's holidays and make-up working days of a year it knows, as (day, is_working, name)."""
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if name is not None:
            label = HOLIDAY_NAMES.get(name, name)
            days.append((day, not on_holiday, label if on_holiday else f"{label}调休上班"))
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days; built from the entered table, the package and the weekday rule."""

    entered_days: Mapping[date, bool] = field(default_factory=dict)
    entered_years: frozenset[int] = frozenset()
    # Each day's answer once found: a process keeps its calendar until the table changes, and every
    # due date walks the same few weeks day by day.
    _answers: dict[date, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    def is_working_day(self, day: date) -> bool:
        answer = self._answers.get(day)
        if answer is None:
            answer = self._answers[day] = self._find_working_day(day)
        return answer

    def _find_working_day(self, day: date) -> bool:
        entered = self.entered_days.get(day)
        if entered is not None:
            return entered
        if package_knows(day.year):
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def knows_year(self, year: int) -> bool:
        """Whether the year's official schedule is known (entered, or in the package)."""
        return year in self.entered_years or package_knows(year)

    def add_working_days(self, start: date, days: int) -> date:
        """The close of the ``days``-th working day after ``start`` (``start`` itself is not counted).

        Zero days is ``start`` itself: an instant item (即办件) is due the day it is accepted.
        """
        day = start
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def load_calendar() -> WorkingCalendar:
    """The calendar as the database has it now."""
    days = db.session.execute(select(CalendarDay.day, CalendarDay.is_working)).all()
    years = db.session.execute(select(CalendarYear.year)).scalars().all()
    return WorkingCalendar(
        entered_days={day: is_working for day, is_working in days}, entered_years=frozenset(years)
    )


# What reading the calendar costs a request: the revision row (the table itself only after a change).
CALENDAR_STATEMENTS = 1


def working_calendar() -> WorkingCalendar:
    """The calendar: one key lookup per app context (one request in production), the table itself
    only after it changed."""
    if "working_calendar" not in g:
        g.working_calendar = _current_calendar()
    return g.working_calendar


_REVISION = select(CalendarRevision.revision).where(CalendarRevision.id == 1)  # built once


def _current_calendar() -> WorkingCalendar:
    # The revision first: a change committed between the two reads makes the table newer than the
    # revision it is kept under, never older, and the next request reads it again.
    revision = db.session.execute(_REVISION).scalar_one_or_none()
    kept: tuple[int, WorkingCalendar] | None = current_app.extensions.get("working_calendar")
    if revision is not None and kept is not None and kept[0] == revision:
        return kept[1]
    calendar = load_calendar()
    if revision is not None:
        current_app.extensions["working_calendar"] = (revision, calendar)
    return calendar


def calendar_changed() -> None:
    """Count a change to the table (in the caller's transaction), so every process reads it again."""
    db.session.execute(
        update(CalendarRevision)
        .where(CalendarRevision.id == 1)
        .values(revision=CalendarRevision.revision + 1)
        .execution_options(synchronize_session=False)
    )
    g.pop("working_calendar", None)


def is_working_day(day: date) -> bool:
    return working_calendar().is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """The close of the ``days``-th working day after ``start`` (``start`` itself is not counted)."""
    return working_calendar().add_working_days(start, days)
