"""The supervisors' dashboard: the figures of the cases in their scope, each one SQL aggregate.

A fixed number of statements whatever the number of cases (``DASHBOARD_STATEMENTS``, plus the
calendar's revision row); the only work in Python is on grouped rows: working days between the
distinct (accepted, decided) day pairs, the percentile, the function-type totals, zero days.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, String, and_, case, func, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql.functions import FunctionElement

from workflow_service.errors import InvalidInput
from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    CaseEvaluation,
    Organisation,
    OrganisationKind,
    Rating,
    Region,
    RegionLevel,
    ServiceItem,
    SupervisionNotice,
    SupplementNotice,
    Task,
    TaskState,
    User,
)
from workflow_service.services.calendar.deadlines import working_calendar
from workflow_service.services.clock import business_day
from workflow_service.services.directory.scope import visible_cases
from workflow_service.services.supervision.case_filters import (
    DECIDED_RESULTS,
    CaseFilters,
    DueState,
    conditions,
    due_soon_until,
    due_state_of,
    require_supervisor,
    running,
    soon_until_for,
    start_of,
    without_jit,
)

DEFAULT_DAYS = 30
MAX_DAYS = 366
# How many rows each of the overdue and due-soon lists shows (the counts are whole).
LIST_LIMIT = 100
# The statements one dashboard costs, the calendar's revision row not counted; on PostgreSQL one
# more, which turns JIT compilation off for the transaction (``case_filters.without_jit``).
DASHBOARD_STATEMENTS = 12


class business_date(FunctionElement[date]):
    """The Asia/Shanghai calendar day of a stored UTC timestamp (China keeps no summer time)."""

    type = Date()
    inherit_cache = True
    name = "business_date"


@compiles(business_date, "postgresql")
def _business_date_postgresql(element: business_date, compiler: Any, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'Asia/Shanghai') AS DATE)"


@compiles(business_date)
def _business_date_sqlite(element: business_date, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


@dataclass(frozen=True)
class Count:
    code: str
    name: str
    count: int
    overdue: int = 0
    function_type: str | None = None


@dataclass(frozen=True)
class Timeliness:
    decided: int
    on_time_promised: int
    on_time_legal: int
    promised_rate: float | None
    legal_rate: float | None
    average_working_days: float | None
    p90_working_days: int | None


@dataclass(frozen=True)
class Supplements:
    cases: int  # cases with at least one 补正 notice
    notices: int
    rate: float | None  # of all cases in the figures
    rounds: dict[int, int]  # notices per case -> cases
    repeated: int  # cases with more than one notice


@dataclass(frozen=True)
class LocalResolution:
    decided: int
    local: int  # decided without a task done by a county department
    share: float | None


@dataclass(frozen=True)
class Acceptance:
    """Where cases were accepted against where the matter is."""

    total: int
    same_township: int
    same_city: int  # 同城通办: another window in the matter's city
    cross_region: int  # 异地可办: a window in another city


@dataclass(frozen=True)
class Evaluations:
    total: int
    by_rating: dict[str, int]
    open_rectifications: int


@dataclass(frozen=True)
class Urging:
    """督办 notices on the cases in the figures."""

    issued: int
    answered: int
    answered_late: int
    open: int  # awaiting a reply, not yet late
    late: int  # awaiting a reply past the reply day


@dataclass(frozen=True)
class DueCase:
    case: Case
    due_state: DueState


@dataclass(frozen=True)
class Dashboard:
    date_from: date
    date_to: date
    total: int
    by_status: dict[str, int]
    by_service: list[Count]
    by_township: list[Count]
    by_function_type: dict[str, int]
    by_department: list[Count]
    timeliness: Timeliness
    supplements: Supplements
    overdue: list[DueCase]
    due_soon: list[DueCase]
    local_resolution: LocalResolution
    acceptance: Acceptance
    evaluations: Evaluations
    urging: Urging
    daily: list[tuple[date, int]] = field(default_factory=list)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _int(value: Any) -> int:
    return int(value or 0)


def dashboard_range(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """The registration days the figures cover: by default the last ``DEFAULT_DAYS`` days."""
    date_to = date_to or business_day()
    date_from = date_from or date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise InvalidInput("开始日期晚于结束日期", errors={"from": ["开始日期晚于结束日期"]})
    if (date_to - date_from).days >= MAX_DAYS:
        raise InvalidInput("统计期间最长一年", errors={"from": ["统计期间最长一年"]})
    return date_from, date_to


def _overdue_now(today: date) -> ColumnElement[int]:
    return func.sum(case((and_(running(), Case.due_date < today), 1), else_=0))


def _counts(scope: list[ColumnElement[bool]], today: date) -> dict[str, Any]:
    by_status = {
        str(status): count
        for status, count in db.session.execute(
            select(Case.status, func.count()).where(*scope).group_by(Case.status)
        ).all()
    }
    overdue = _overdue_now(today)

    def grouped(key: Any) -> Any:
        # Counted by the case's own id column first, then named: grouping 200,000 rows by an integer
        # is a hash; by the joined names it became a nested loop and a sort spilling to disk.
        return (
            select(key.label("key"), func.count().label("count"), overdue.label("overdue"))
            .where(*scope)
            .group_by(key)
            .subquery()
        )

    by_item = grouped(Case.service_item_id)
    services = db.session.execute(
        select(ServiceItem.code, ServiceItem.name, by_item.c.count, by_item.c.overdue)
        .join(by_item, by_item.c.key == ServiceItem.id)
        .order_by(by_item.c.count.desc(), ServiceItem.code)
    ).all()
    by_region = grouped(Case.matter_region_id)
    townships = db.session.execute(
        select(Region.code, Region.name, Region.function_type, by_region.c.count, by_region.c.overdue)
        .join(by_region, by_region.c.key == Region.id)
        .order_by(Region.code)
    ).all()
    by_office = grouped(Case.competent_organisation_id)
    departments = db.session.execute(
        select(Organisation.code, Organisation.name, by_office.c.count, by_office.c.overdue)
        .join(by_office, by_office.c.key == Organisation.id)
        .order_by(by_office.c.count.desc(), Organisation.code)
    ).all()
    by_function_type: Counter[str] = Counter()
    for _code, _name, function_type, count, _overdue in townships:
        by_function_type[str(function_type) if function_type else "unknown"] += count
    return {
        "by_status": by_status,
        "by_service": [Count(code, name, count, _int(late)) for code, name, count, late in services],
        "by_township": [
            Count(code, name, count, _int(late), str(kind) if kind else None)
            for code, name, kind, count, late in townships
        ],
        "by_function_type": dict(by_function_type),
        "by_department": [Count(code, name, count, _int(late)) for code, name, count, late in departments],
    }


def _decided() -> ColumnElement[bool]:
    # The result code compared as an expression, not through ix_case_file_result_code: ANDed with
    # the period's bitmap that index made the planner read 70,000 case rows (1.4 s at a million
    # cases) where the covering registration-time index has the column (an index-only scan).
    return and_(
        type_coerce(Case.result_code, String).concat("").in_(DECIDED_RESULTS),
        Case.accepted_on.is_not(None),
        Case.clock_stopped_on.is_not(None),
    )


def _working_day_counter(days: list[date]) -> dict[date, int]:
    """Working days since the first of ``days``, for every day up to the last: a difference of two is
    the calendar's ``working_days_between``, each day's status read once however many pairs there are."""
    if not days:
        return {}
    calendar = working_calendar()
    first, last = min(days), max(days)
    counter, running_total, day = {}, 0, first
    while day <= last:
        if day > first and calendar.is_working_day(day):
            running_total += 1
        counter[day] = running_total
        day += timedelta(days=1)
    return counter


def _timeliness(scope: list[ColumnElement[bool]]) -> Timeliness:
    # Grouped by the (accepted, decided) day pair: working days are counted once per distinct pair.
    rows = db.session.execute(
        select(
            Case.accepted_on,
            Case.clock_stopped_on,
            func.count(),
            func.sum(case((Case.clock_stopped_on <= Case.due_date, 1), else_=0)),
            func.sum(case((Case.clock_stopped_on <= Case.legal_due_date, 1), else_=0)),
        )
        .where(*scope, _decided())
        .group_by(Case.accepted_on, Case.clock_stopped_on)
    ).all()
    counted = _working_day_counter([day for row in rows for day in row[:2]])
    durations: list[tuple[int, int]] = []
    decided = promised = legal = 0
    for accepted_on, stopped_on, count, promised_ok, legal_ok in rows:
        decided += count
        promised += _int(promised_ok)
        legal += _int(legal_ok)
        durations.append((max(0, counted[stopped_on] - counted[accepted_on]), count))
    average = p90 = None
    if decided:
        average = round(sum(days * count for days, count in durations) / decided, 1)
        rank = math.ceil(0.9 * decided)  # nearest rank
        seen = 0
        for days, count in sorted(durations):
            seen += count
            if seen >= rank:
                p90 = days
                break
    return Timeliness(decided, promised, legal, _rate(promised, decided), _rate(legal, decided), average, p90)


def _supplements(scope: list[ColumnElement[bool]], total: int) -> Supplements:
    per_case = (
        select(SupplementNotice.case_id, func.count().label("notices"))
        .join(Case, Case.id == SupplementNotice.case_id)
        .where(*scope)
        .group_by(SupplementNotice.case_id)
        .subquery()
    )
    rounds = {
        int(notices): count
        for notices, count in db.session.execute(
            select(per_case.c.notices, func.count()).group_by(per_case.c.notices)
        ).all()
    }
    cases = sum(rounds.values())
    return Supplements(
        cases=cases,
        notices=sum(notices * count for notices, count in rounds.items()),
        rate=_rate(cases, total),
        rounds=dict(sorted(rounds.items())),
        repeated=sum(count for notices, count in rounds.items() if notices > 1),
    )


def _due_lists(scope: list[ColumnElement[bool]], today: date) -> tuple[list[DueCase], list[DueCase]]:
    soon_until = due_soon_until(today)
    # The ids first, from the running cases' index alone (on PostgreSQL it carries the columns the
    # scope and the period read), then those rows with their names: sorting every running case's
    # full row to keep 200 of them read 35,000 case rows at a million cases.
    first_ids = (
        select(Case.id)
        .where(*scope, running(), Case.due_date <= soon_until)
        .order_by(Case.due_date, Case.id)
        .limit(2 * LIST_LIMIT)
    )
    overdue_first = (
        select(Case)
        .options(
            joinedload(Case.service_item),
            joinedload(Case.competent_organisation),
            joinedload(Case.matter_region),
        )
        .where(Case.id.in_(first_ids))
        .order_by(Case.due_date, Case.id)
    )
    overdue: list[DueCase] = []
    due_soon: list[DueCase] = []
    soon_by_warning: dict[int, date] = {}
    for found in db.session.execute(overdue_first).scalars():
        warning = found.service_item.warning_days
        if warning not in soon_by_warning:
            soon_by_warning[warning] = soon_until_for(warning, today)
        state = due_state_of(found, today, soon_by_warning[warning])
        target = overdue if state == DueState.OVERDUE else due_soon
        if state is not None and len(target) < LIST_LIMIT:
            target.append(DueCase(found, state))
    return overdue, due_soon


def _local_resolution(scope: list[ColumnElement[bool]], since: date) -> LocalResolution:
    # Uncorrelated: the few cases a county department worked are hashed once, not probed per case
    # (4.7 s against 0.15 s over 200,000 cases, bench/dashboard_bench.py). Only the tasks created
    # since the period began: a case's tasks come after its registration, and at a million cases
    # the departments' tasks of every year were most of the hash (ix_task_completed_since).
    departments = select(Organisation.id).where(Organisation.kind == OrganisationKind.DEPARTMENT)
    at_county = Case.id.in_(
        select(Task.case_id).where(
            Task.state == TaskState.COMPLETED,
            Task.created_at >= start_of(since),
            Task.organisation_id.in_(departments),
        )
    )
    decided, local = db.session.execute(
        select(func.count(), func.sum(case((at_county, 0), else_=1))).where(*scope, _decided())
    ).one()
    return LocalResolution(_int(decided), _int(local), _rate(_int(local), _int(decided)))


def _city_of(region: Any, parent: Any, grandparent: Any) -> ColumnElement[int]:
    return case(
        (region.level == RegionLevel.TOWNSHIP, grandparent.id),
        (region.level == RegionLevel.COUNTY, parent.id),
        else_=region.id,
    )


def _acceptance(scope: list[ColumnElement[bool]]) -> Acceptance:
    # The (window, matter township) pairs are counted first, then placed in the region tree: the
    # six region joins run over the few pairs, not over every case.
    pairs = (
        select(
            Case.accepting_organisation_id.label("window"),
            Case.matter_region_id.label("matter"),
            func.count().label("cases"),
        )
        .where(*scope)
        .group_by(Case.accepting_organisation_id, Case.matter_region_id)
        .subquery()
    )
    window = aliased(Organisation)
    w, wp, wg, m, mp, mg = (aliased(Region) for _ in range(6))
    same_township = w.id == m.id
    same_city = _city_of(w, wp, wg) == _city_of(m, mp, mg)
    cases = pairs.c.cases
    total, local, city, elsewhere = db.session.execute(
        select(
            func.sum(cases),
            func.sum(case((same_township, cases), else_=0)),
            func.sum(case((and_(~same_township, same_city), cases), else_=0)),
            func.sum(case((same_city, 0), else_=cases)),
        )
        .select_from(pairs)
        .join(window, window.id == pairs.c.window)
        .join(w, w.id == window.region_id)
        .outerjoin(wp, wp.id == w.parent_id)
        .outerjoin(wg, wg.id == wp.parent_id)
        .join(m, m.id == pairs.c.matter)
        .outerjoin(mp, mp.id == m.parent_id)
        .outerjoin(mg, mg.id == mp.parent_id)
    ).one()
    return Acceptance(_int(total), _int(local), _int(city), _int(elsewhere))


def _evaluations(scope: list[ColumnElement[bool]]) -> Evaluations:
    rows = db.session.execute(
        select(
            CaseEvaluation.rating, func.count(), func.sum(case((Task.state == TaskState.OPEN, 1), else_=0))
        )
        .join(Case, Case.id == CaseEvaluation.case_id)
        .outerjoin(Task, Task.id == CaseEvaluation.rectification_task_id)
        .where(*scope)
        .group_by(CaseEvaluation.rating)
    ).all()
    by_rating = {str(rating): 0 for rating in Rating}
    open_rectifications = 0
    for rating, count, still_open in rows:
        by_rating[str(rating)] = count
        open_rectifications += _int(still_open)
    return Evaluations(sum(by_rating.values()), by_rating, open_rectifications)


def _urging(scope: list[ColumnElement[bool]]) -> Urging:
    replied = SupervisionNotice.replied_at.is_not(None)
    late = SupervisionNotice.late_at.is_not(None)

    def counted(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    issued, answered, answered_late, waiting, overdue = db.session.execute(
        select(
            func.count(),
            counted(replied),
            counted(and_(replied, late)),
            counted(and_(~replied, ~late)),
            counted(and_(~replied, late)),
        )
        .join(Case, Case.id == SupervisionNotice.case_id)
        .where(*scope)
    ).one()
    return Urging(_int(issued), _int(answered), _int(answered_late), _int(waiting), _int(overdue))


def _daily(scope: list[ColumnElement[bool]], date_from: date, date_to: date) -> list[tuple[date, int]]:
    day = business_date(Case.submitted_at)
    counted: dict[date, int] = {}
    for found, count in db.session.execute(
        select(day, func.count()).where(*scope).group_by(day).order_by(day)
    ).all():
        counted[found if isinstance(found, date) else date.fromisoformat(str(found))] = count
    days = (date_to - date_from).days + 1
    return [
        (date_from + timedelta(days=n), counted.get(date_from + timedelta(days=n), 0)) for n in range(days)
    ]


def dashboard(
    actor: User,
    date_from: date | None = None,
    date_to: date | None = None,
    service: str | None = None,
    township: str | None = None,
) -> Dashboard:
    """The figures of the cases registered between the two days (inclusive) in the actor's scope."""
    require_supervisor(actor)
    date_from, date_to = dashboard_range(date_from, date_to)
    filters = CaseFilters(service=service, township=township, date_from=date_from, date_to=date_to)
    scope = [visible_cases(actor), *conditions(filters)]
    # The running cases are few: the due lists read them all from their own index and test the
    # period on its entries. The period as an expression no index serves: ANDed with the period's
    # index, the planner read 34,000 case rows at a million cases (690 ms against ~100 ms).
    registered = func.coalesce(Case.submitted_at, Case.submitted_at)
    running_scope = [
        visible_cases(actor),
        *conditions(replace(filters, date_from=None, date_to=None)),
        registered >= start_of(date_from),
        registered < start_of(date_to + timedelta(days=1)),
    ]
    today = business_day()
    without_jit()
    counts = _counts(scope, today)
    total = sum(counts["by_status"].values())
    overdue, due_soon = _due_lists(running_scope, today)
    return Dashboard(
        date_from=date_from,
        date_to=date_to,
        total=total,
        timeliness=_timeliness(scope),
        supplements=_supplements(scope, total),
        overdue=overdue,
        due_soon=due_soon,
        local_resolution=_local_resolution(scope, date_from),
        acceptance=_acceptance(scope),
        evaluations=_evaluations(scope),
        urging=_urging(scope),
        daily=_daily(scope, date_from, date_to),
        **counts,
    )
