"""The holiday table admins keep from the State Council's notices: show, enter, correct, look ahead.

A year's schedule is entered once the notice is published (usually in November for the next
year); until then that year counts Monday–Friday. Every change is audited and recomputes the due
dates of the open cases and their open tasks, each recomputation audited with before and after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from flask import current_app
from sqlalchemy import delete, select

from workflow_service.errors import InvalidInput, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import CalendarDay, CalendarYear, Case, Role, User
from workflow_service.services import audit
from workflow_service.services.calendar.case_clock import refresh_due_dates
from workflow_service.services.calendar.deadlines import (
    WorkingCalendar,
    calendar_changed,
    load_calendar,
    package_exceptions,
    package_knows,
)
from workflow_service.services.clock import business_day, now
from workflow_service.services.directory.permissions import MAINTAIN_CALENDAR, require_admin

YearSource = Literal["entered", "chinesecalendar", "weekdays_only"]


@dataclass(frozen=True)
class CalendarEntry:
    day: date
    is_working: bool
    name: str
    # A row of the table (entered from a notice or by an admin), not the chinesecalendar package's.
    entered: bool = False


@dataclass(frozen=True)
class YearView:
    """A year's holidays and make-up working days, and where they come from."""

    year: int
    source_kind: YearSource
    days: list[CalendarEntry]
    record: CalendarYear | None = None


@dataclass(frozen=True)
class CalendarOutlook:
    """How far ahead the official schedule is known, as supervisors and /readyz see it."""

    today: date
    known_until: date | None
    days_ahead: int
    threshold_days: int
    entered_years: list[int]
    warning: str | None

    @property
    def has_warning(self) -> bool:
        return self.warning is not None


def _require_reader(actor: User) -> None:
    if not (actor.has_role(Role.ADMIN) or actor.has_role(Role.SUPERVISOR)):
        raise PermissionDenied("只有系统管理员和督办人员可以查看节假日安排")


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份有误", errors={"year": ["年份须在 2000 到 2100 之间"]})


def _entered_days(year: int) -> list[CalendarEntry]:
    rows = db.session.execute(
        select(CalendarDay)
        .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).scalars()
    return [CalendarEntry(row.day, row.is_working, row.name, entered=True) for row in rows]


def _year_view(year: int) -> YearView:
    record = db.session.get(CalendarYear, year)
    entered = _entered_days(year)
    if record is not None:
        return YearView(year, "entered", entered, record)
    if package_knows(year):
        # Single corrections entered for a package year override the package's day.
        days = {day: CalendarEntry(day, working, name) for day, working, name in package_exceptions(year)}
        days.update({entry.day: entry for entry in entered})
        return YearView(year, "chinesecalendar", sorted(days.values(), key=lambda entry: entry.day))
    return YearView(year, "weekdays_only", entered)


def show_year(actor: User, year: int) -> YearView:
    """A year's calendar (admins and supervisors)."""
    _require_reader(actor)
    _check_year(year)
    return _year_view(year)


def year_for_console(year: int) -> YearView:
    _check_year(year)
    return _year_view(year)


def _as_date(value: object, where: str, problems: dict[str, list[str]]) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.setdefault(where, []).append("须为日期，格式 YYYY-MM-DD")
    return None


def _schedule_days(year: int, holidays: Sequence[Mapping[str, Any]]) -> list[CalendarEntry]:
    """The days a notice's holidays (with their make-up working days) give, checked; 422 by field."""
    problems: dict[str, list[str]] = {}
    days: dict[date, CalendarEntry] = {}

    def add(day: date | None, is_working: bool, name: str, where: str) -> None:
        if day is None:
            return
        if day.year != year:
            problems.setdefault(where, []).append(f"{day.isoformat()} 不在 {year} 年")
        elif day in days and days[day].is_working != is_working:
            problems.setdefault(where, []).append(f"{day.isoformat()} 既是放假日又是调休上班日")
        else:
            days.setdefault(day, CalendarEntry(day, is_working, name))

    if not isinstance(holidays, Sequence) or isinstance(holidays, str):
        raise InvalidInput("节假日安排有误", errors={"holidays": ["须为节假日列表"]})
    for index, holiday in enumerate(holidays):
        where = f"holidays.{index}"
        if not isinstance(holiday, Mapping):
            problems.setdefault(where, []).append("须包含 name、from、to")
            continue
        name = str(holiday.get("name") or "").strip()
        if not name or len(name) > 48:
            problems.setdefault(f"{where}.name", []).append("须填写节日名称（不超过 48 字）")
        first = _as_date(holiday.get("from"), f"{where}.from", problems)
        last = _as_date(holiday.get("to", holiday.get("from")), f"{where}.to", problems)
        if first and last:
            if last < first:
                problems.setdefault(f"{where}.to", []).append("放假结束日早于开始日")
            elif (last - first).days > 30:
                problems.setdefault(f"{where}.to", []).append("一次放假不超过 31 天")
            else:
                day = first
                while day <= last:
                    add(day, False, name, f"{where}.from")
                    day += timedelta(days=1)
        working_days = holiday.get("working_days") or []
        if not isinstance(working_days, Sequence) or isinstance(working_days, str):
            problems.setdefault(f"{where}.working_days", []).append("须为调休上班日期列表")
            continue
        for position, value in enumerate(working_days):
            field = f"{where}.working_days.{position}"
            add(_as_date(value, field, problems), True, f"{name}调休上班", field)
    if problems:
        raise InvalidInput("节假日安排有误", errors=problems)
    return sorted(days.values(), key=lambda entry: entry.day)


def _recompute_open_cases(actor: User | None, reason: str) -> int:
    """Recompute every open case's clock on the new calendar; the ones that moved are audited."""
    calendar_changed()
    calendar = load_calendar()
    moved = 0
    cases = db.session.execute(
        select(Case).where(Case.ended_at.is_(None), Case.due_date.is_not(None)).order_by(Case.id)
    ).scalars()
    for case in cases:
        before = refresh_due_dates(case, calendar)
        if case.due_date != before:
            moved += 1
            audit.record(
                "case.due_date_recomputed",
                actor,
                case=case,
                summary={
                    "before": before.isoformat() if before else None,
                    "after": case.due_date.isoformat() if case.due_date else None,
                    "reason": reason,
                },
            )
    return moved


@dataclass(frozen=True)
class CalendarChange:
    view: YearView
    cases_recomputed: int


def enter_year(
    actor: User | None,
    year: int,
    *,
    source: str,
    published_at: date | None,
    holidays: Sequence[Mapping[str, Any]],
) -> CalendarChange:
    """Enter (or replace) a year's official schedule; the year then counts as known. Admins only."""
    require_admin(actor, MAINTAIN_CALENDAR)
    _check_year(year)
    source = (source or "").strip()
    if not source:
        raise InvalidInput("节假日安排有误", errors={"source": ["须注明依据（通知名称和文号）"]})
    entries = _schedule_days(year, holidays)
    before = _year_view(year)
    db.session.execute(
        delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    )
    db.session.add_all(CalendarDay(day=e.day, is_working=e.is_working, name=e.name) for e in entries)
    record = db.session.get(CalendarYear, year) or CalendarYear(year=year)
    record.source = source[:255]
    record.published_at = published_at
    record.entered_at = now()
    record.entered_by_id = actor.id if actor else None
    db.session.add(record)
    db.session.flush()
    audit.record(
        "calendar.year_entered",
        actor,
        summary={
            "year": year,
            "source": record.source,
            "published_at": published_at.isoformat() if published_at else None,
            "before": {"source": before.source_kind, "days": _plain(before.days)},
            "after": {"source": "entered", "days": _plain(entries)},
        },
    )
    moved = _recompute_open_cases(actor, f"录入 {year} 年节假日安排")
    db.session.commit()
    return CalendarChange(_year_view(year), moved)


def _reason_problems(reason: str | None) -> list[str]:
    if reason is None:
        return []
    if not reason.strip():
        return ["须填写原因"]
    return ["不超过 255 字"] if len(reason.strip()) > 255 else []


def set_day(
    actor: User | None, day: date, is_working: bool, name: str, *, reason: str | None = None
) -> CalendarChange:
    """Correct one day (a holiday or a working day), in any year. Admins only.

    ``reason`` (why, e.g. the notice or an emergency closure) goes into the audit row; the admin
    pages always give one, the console and the API need not.
    """
    require_admin(actor, MAINTAIN_CALENDAR)
    _check_year(day.year)
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 64:
        errors["name"] = ["须填写名称（不超过 64 字）"]
    if problems := _reason_problems(reason):
        errors["reason"] = problems
    if errors:
        raise InvalidInput("日期设置有误", errors=errors)
    calendar: WorkingCalendar = load_calendar()
    was_working = calendar.is_working_day(day)
    row = db.session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day)
        db.session.add(row)
    row.is_working = is_working
    row.name = name
    summary: dict[str, Any] = {
        "day": day.isoformat(),
        "before": was_working,
        "after": is_working,
        "name": name,
    }
    if reason is not None:
        summary["reason"] = reason.strip()
    audit.record("calendar.day_set", actor, summary=summary)
    db.session.flush()
    moved = _recompute_open_cases(actor, f"修改 {day.isoformat()} 为{'工作日' if is_working else '休息日'}")
    db.session.commit()
    return CalendarChange(_year_view(day.year), moved)


def clear_day(actor: User | None, day: date, reason: str) -> CalendarChange:
    """Remove one day's row: the day counts as the package (or Monday–Friday) says again. Admins only."""
    require_admin(actor, MAINTAIN_CALENDAR)
    _check_year(day.year)
    row = db.session.get(CalendarDay, day)
    errors: dict[str, list[str]] = {}
    if row is None:
        errors["day"] = [f"{day.isoformat()} 没有录入的安排"]
    if problems := _reason_problems(reason):
        errors["reason"] = problems
    if errors or row is None:
        raise InvalidInput("日期设置有误", errors=errors)
    was_working, name = row.is_working, row.name
    db.session.delete(row)
    db.session.flush()
    now_working = load_calendar().is_working_day(day)
    audit.record(
        "calendar.day_cleared",
        actor,
        summary={
            "day": day.isoformat(),
            "before": was_working,
            "after": now_working,
            "name": name,
            "reason": reason.strip(),
        },
    )
    moved = _recompute_open_cases(actor, f"删除 {day.isoformat()} 的安排（{name}）")
    db.session.commit()
    return CalendarChange(_year_view(day.year), moved)


def _plain(entries: Sequence[CalendarEntry]) -> list[dict[str, Any]]:
    return [{"day": e.day.isoformat(), "working": e.is_working, "name": e.name} for e in entries]


def schedule_from_document(document: object) -> dict[str, Any]:
    """``enter_year``'s arguments from a YAML document (year, source, published_at, holidays)."""
    if not isinstance(document, Mapping):
        raise InvalidInput("文件内容有误", errors={"(file)": ["须为包含 year、source、holidays 的映射"]})
    problems: dict[str, list[str]] = {}
    year = document.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        problems["year"] = ["须为年份，如 2027"]
    published = document.get("published_at")
    published_at = _as_date(published, "published_at", problems) if published is not None else None
    if problems:
        raise InvalidInput("文件内容有误", errors=problems)
    return {
        "year": year,
        "source": str(document.get("source") or ""),
        "published_at": published_at,
        "holidays": document.get("holidays") or [],
    }


def outlook(today: date | None = None) -> CalendarOutlook:
    """How many days ahead of today the official schedule is known; a warning under the threshold."""
    today = today or business_day()
    calendar = load_calendar()
    threshold = int(current_app.config.get("CALENDAR_WARNING_DAYS", 60))
    year = today.year
    while calendar.knows_year(year):
        year += 1
    known_until = date(year - 1, 12, 31) if year > today.year else None
    days_ahead = (known_until - today).days if known_until else 0
    warning = None
    if days_ahead < threshold:
        known = "本年尚未确认"
        if known_until:
            known = f"仅确认至 {known_until.isoformat()}（还有 {days_ahead} 天）"
        warning = (
            f"节假日安排{known}，不足 {threshold} 天：请在国务院办公厅公布 {year} 年安排后录入"
            f"（flask --app wsgi calendar import，或 PUT /api/v1/admin/calendar/{year}）；"
            f"录入前 {year} 年按周一至周五计算工作日。"
        )
    return CalendarOutlook(
        today=today,
        known_until=known_until,
        days_ahead=days_ahead,
        threshold_days=threshold,
        entered_years=sorted(calendar.entered_years),
        warning=warning,
    )


def dashboard_outlook(actor: User) -> CalendarOutlook:
    """The outlook for the supervisors' dashboard (supervisors and admins)."""
    _require_reader(actor)
    return outlook()
