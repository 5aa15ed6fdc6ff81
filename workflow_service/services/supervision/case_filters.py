"""The supervisors' filters (what, where, when, how late) as SQL conditions on ``Case``.

Shared by the case list and the dashboard, so that a figure and the list behind it select the
same cases. Due states are read from the clock's columns on the case (``due_date``,
``clock_stopped_on``), never by replaying its history row by row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, case, or_, select, text
from sqlalchemy.orm import aliased

from workflow_service.errors import PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    CaseStatus,
    FunctionType,
    Organisation,
    Region,
    Role,
    ServiceItem,
    User,
)
from workflow_service.services.calendar.deadlines import working_calendar
from workflow_service.services.clock import BUSINESS_TIMEZONE, business_day

# The statuses in which the promised clock runs (补正 and 中止 pause it: no colour then).
RUNNING = (CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW)
# Decisions on the merits: what on-time rates and durations are counted over.
DECIDED_RESULTS = ("granted", "refused")
# Warning windows (working days) the due-soon test knows exactly; a larger one counts as this.
MAX_WARNING_DAYS = 10


class DueState(enum.StrEnum):
    ON_TIME = "on_time"  # running with time to spare, or decided by the promised day
    DUE_SOON = "due_soon"  # running, within the item's warning days of the promised day (黄牌)
    OVERDUE = "overdue"  # running past the promised day (红牌), or decided after it


def require_supervisor(actor: User) -> None:
    """The case list and the dashboard are the supervisors' (and an administrator's)."""
    if not (actor.has_role(Role.SUPERVISOR) or actor.has_role(Role.ADMIN)):
        raise PermissionDenied("只有督办人员可以查看督办办件和统计")


@dataclass(frozen=True)
class CaseFilters:
    """Everything optional; codes as the catalogue and the directory spell them."""

    statuses: tuple[CaseStatus, ...] = ()
    service: str | None = None
    township: str | None = None  # the matter's township (户籍地 / site)
    function_type: FunctionType | None = None
    window: str | None = None  # the accepting organisation
    department: str | None = None  # the competent back office
    due: DueState | None = None
    date_from: date | None = None  # registration day, Asia/Shanghai, inclusive
    date_to: date | None = None
    channel: str | None = None
    extra: tuple[ColumnElement[bool], ...] = field(default=())


def without_jit() -> None:
    """Turn PostgreSQL's JIT compilation off for the transaction, before statements over every case
    in scope: the planner prices them far above its JIT threshold, and compiling took 1.3 s of a
    1.8 s aggregate at 200,000 cases (bench/dashboard_bench.py). One statement, on PostgreSQL only."""
    if db.session.get_bind().dialect.name == "postgresql":
        # And more memory for the transaction's sorts and hashes than the server's default: the
        # period's 90,000–400,000 index entries were sorted on disk to count seven statuses.
        db.session.execute(
            text("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)")
        )


def start_of(day: date) -> datetime:
    """Midnight of a business day, as the UTC moment the timestamps are stored in."""
    return datetime.combine(day, time(), BUSINESS_TIMEZONE)


# The subqueries name their own aliases: the dashboard joins the same tables in the outer query,
# which would otherwise correlate them away.
def _warning_days() -> ColumnElement[int]:
    item = aliased(ServiceItem)
    return select(item.warning_days).where(item.id == Case.service_item_id).scalar_subquery()


def due_soon_until(today: date) -> ColumnElement[date]:
    """The last due day that is "due soon" today, per the case's item's warning days."""
    calendar = working_calendar()
    limits = {days: calendar.add_working_days(today, days) for days in range(MAX_WARNING_DAYS + 1)}
    warning = _warning_days()
    return case(*((warning == days, limit) for days, limit in limits.items()), else_=limits[MAX_WARNING_DAYS])


def running() -> ColumnElement[bool]:
    return and_(Case.ended_at.is_(None), Case.status.in_(RUNNING), Case.due_date.is_not(None))


def due_condition(due: DueState, today: date | None = None) -> ColumnElement[bool]:
    today = today or business_day()
    late = and_(Case.clock_stopped_on.is_not(None), Case.clock_stopped_on > Case.due_date)
    if due == DueState.OVERDUE:
        return or_(and_(running(), Case.due_date < today), late)
    soon = due_soon_until(today)
    if due == DueState.DUE_SOON:
        return and_(running(), Case.due_date >= today, Case.due_date <= soon)
    in_time = and_(Case.clock_stopped_on.is_not(None), Case.clock_stopped_on <= Case.due_date)
    return or_(and_(running(), Case.due_date > soon), in_time)


def due_state_of(case_: Case, today: date, soon_until: date | None) -> DueState | None:
    """The same three states in Python, for a row already loaded (``soon_until`` from its item)."""
    if case_.due_date is None:
        return None
    if case_.clock_stopped_on is not None:
        return DueState.OVERDUE if case_.clock_stopped_on > case_.due_date else DueState.ON_TIME
    if case_.ended_at is not None or case_.status not in RUNNING:
        return None
    if case_.due_date < today:
        return DueState.OVERDUE
    if soon_until is not None and case_.due_date <= soon_until:
        return DueState.DUE_SOON
    return DueState.ON_TIME


def soon_until_for(warning_days: int, today: date) -> date:
    return working_calendar().add_working_days(today, min(warning_days, MAX_WARNING_DAYS))


def _organisation(code: str) -> ColumnElement[int]:
    organisation = aliased(Organisation)
    return select(organisation.id).where(organisation.code == code).scalar_subquery()


def conditions(filters: CaseFilters) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the filters (subqueries for codes: no extra statement per filter)."""
    found: list[ColumnElement[bool]] = list(filters.extra)
    item, region = aliased(ServiceItem), aliased(Region)
    if filters.statuses:
        found.append(Case.status.in_(list(filters.statuses)))
    if filters.service:
        found.append(Case.service_item_id.in_(select(item.id).where(item.code == filters.service)))
    if filters.township:
        found.append(Case.matter_region_id.in_(select(region.id).where(region.code == filters.township)))
    if filters.function_type:
        found.append(
            Case.matter_region_id.in_(select(region.id).where(region.function_type == filters.function_type))
        )
    if filters.window:
        found.append(Case.accepting_organisation_id == _organisation(filters.window))
    if filters.department:
        found.append(Case.competent_organisation_id == _organisation(filters.department))
    if filters.due:
        found.append(due_condition(filters.due))
    if filters.date_from:
        found.append(Case.submitted_at >= start_of(filters.date_from))
    if filters.date_to:
        found.append(Case.submitted_at < start_of(filters.date_to + timedelta(days=1)))
    if filters.channel:
        found.append(Case.channel == filters.channel)
    return found
