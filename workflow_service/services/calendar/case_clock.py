"""A case's deadline clock: started at acceptance, paused in 补正 and suspension; due dates and colours.

Everything is derived from the case's status history, its approved 延期 days and the time limits
of the catalogue version it was registered under, so the due dates can be recomputed exactly
whenever the calendar changes. Two limits run on the same clock: the promised one (承诺时限: the
case's ``due_date``, its tasks' and the warnings follow it) and the legal one (法定时限):

* the clock starts on the business day the case is first accepted (that day not counted);
* it pauses on the day the case enters 补正 or 中止 and restarts on the day it leaves; the working
  days after the pause day up to and including the restart day are added to the limit;
* it pauses the same way while the case waits at a timer its process marks ``pausesClock`` (a
  公示, recorded in ``Case.clock_pauses`` by services.process.progress), from the day the timer is
  reached to the day it fires;
* it stops for good at any other status (a decision, withdrawal): the due date then stays;
* an approved 延期 adds its working days after the due date the pauses give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select

from workflow_service.extensions import db
from workflow_service.models import Case, CaseStatus, Task, TaskKind, TaskState, TimeUnit
from workflow_service.services.calendar.deadlines import WorkingCalendar, working_calendar
from workflow_service.services.clock import business_day

PAUSING = frozenset({CaseStatus.SUPPLEMENT, CaseStatus.SUSPENDED})
RUNNING = frozenset({CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW})
# An hour limit counts in whole working days of eight hours: due dates are dates.
HOURS_PER_WORKING_DAY = 8


@dataclass(frozen=True)
class TimeLimit:
    """A limit a case runs against: the promised (承诺办结时限) or the legal one (法定办结时限)."""

    amount: int
    unit: TimeUnit
    instant: bool

    @property
    def counts_natural_days(self) -> bool:
        return self.unit == TimeUnit.NATURAL_DAY

    @property
    def span(self) -> int:
        """The limit in the clock's own days (working days, or natural days for a natural-day limit)."""
        if self.instant:
            return 0
        if self.unit == TimeUnit.HOUR:
            return math.ceil(self.amount / HOURS_PER_WORKING_DAY)
        return self.amount


@dataclass(frozen=True)
class CaseClock:
    limit: TimeLimit
    started_on: date | None
    paused_since: date | None
    # Days (in the limit's unit) the clock stood still in finished pauses.
    paused_days: int
    stopped_on: date | None
    due_date: date | None
    # The legal limit on the same clock (its pauses counted in its own unit), and its due date.
    legal_limit: TimeLimit | None = None
    legal_due_date: date | None = None
    # Working days approved extensions (延期) add to both limits.
    extension_days: int = 0


def time_limit(case: Case, kind: str = "promised") -> TimeLimit:
    """The ``promised`` or ``legal`` limit of the item version the case was registered under (the
    live item for older cases)."""
    # Loading the item and its version needs none of the session's pending changes: without this
    # a step's half-made case change would flush here as an UPDATE of its own, and again later.
    with db.session.no_autoflush:
        version = case.service_item_version
        item = case.service_item
    terms = version.snapshot if version is not None else {}
    return TimeLimit(
        amount=int(terms.get(f"{kind}_limit_days", getattr(item, f"{kind}_limit_days"))),
        unit=TimeUnit(terms.get(f"{kind}_limit_unit", getattr(item, f"{kind}_limit_unit"))),
        # 即办件 is a promise to finish the same day; the law's limit of such an item still runs.
        instant=kind == "promised" and bool(terms.get("instant", item.instant)),
    )


def joint_handling(case: Case) -> bool:
    """Whether several organs handle the item jointly (行政许可法 Art. 45), as the case's version says."""
    version = case.service_item_version
    terms = version.snapshot if version is not None else {}
    return bool(terms.get("joint_handling", case.service_item.joint_handling))


def _days_between(limit: TimeLimit, calendar: WorkingCalendar, start: date, end: date) -> int:
    if limit.counts_natural_days:
        return max(0, (end - start).days)
    return calendar.working_days_between(start, end)


def _due(limit: TimeLimit, calendar: WorkingCalendar, started_on: date, paused_days: int) -> date:
    if limit.counts_natural_days:
        return started_on + timedelta(days=limit.span + paused_days)
    return calendar.add_working_days(started_on, limit.span + paused_days)


# A timer pause's end, a status, a timer pause's start: the order of changes at the same moment (a
# fired 公示 resumes the clock before the decision it leads to stops it).
_PAUSE_ENDS, _STATUS, _PAUSE_STARTS = range(3)


def _clock_changes(case: Case) -> list[tuple[datetime, int, CaseStatus | str]]:
    """The status history and the timer pauses (their task ids) as one timeline."""
    changes: list[tuple[datetime, int, CaseStatus | str]] = [
        (datetime.fromisoformat(entry["at"]), _STATUS, CaseStatus(entry["status"]))
        for entry in case.status_history
    ]
    for pause in case.clock_pauses or ():
        changes.append((datetime.fromisoformat(pause["from"]), _PAUSE_STARTS, pause["task"]))
        if pause.get("until"):
            changes.append((datetime.fromisoformat(pause["until"]), _PAUSE_ENDS, pause["task"]))
    return sorted(changes, key=lambda change: (change[0], change[1]))


def timer_paused(case: Case) -> bool:
    """Whether the case waits now at a timer that pauses its clock."""
    return any(not pause.get("until") for pause in case.clock_pauses or ())


def case_clock(case: Case, calendar: WorkingCalendar | None = None) -> CaseClock:
    """The case's clock as its status history, its timer pauses, its extensions and the calendar make it."""
    calendar = calendar or working_calendar()
    limit = time_limit(case)
    legal = time_limit(case, "legal")
    started_on = paused_since = stopped_on = None
    paused_days = legal_paused_days = 0
    status_pauses = False
    timers: set[str] = set()
    for moment, kind, change in _clock_changes(case):
        day = business_day(moment)
        if started_on is None:
            if change == CaseStatus.ACCEPTED:
                started_on = day
            continue
        stopping = False
        if kind == _STATUS:
            assert isinstance(change, CaseStatus)
            status_pauses = change in PAUSING
            stopping = not status_pauses and change not in RUNNING
        elif kind == _PAUSE_STARTS:
            timers.add(str(change))
        else:
            timers.discard(str(change))
        if (status_pauses or timers) and not stopping:
            paused_since = paused_since or day
            continue
        if paused_since is not None:
            paused_days += _days_between(limit, calendar, paused_since, day)
            legal_paused_days += _days_between(legal, calendar, paused_since, day)
            paused_since = None
        if stopping:
            stopped_on = day
            break
    extension = case.extension_days or 0
    due_date = legal_due = None
    if started_on:
        due_date = calendar.add_working_days(_due(limit, calendar, started_on, paused_days), extension)
        legal_due = calendar.add_working_days(_due(legal, calendar, started_on, legal_paused_days), extension)
    return CaseClock(
        limit, started_on, paused_since, paused_days, stopped_on, due_date, legal, legal_due, extension
    )


# Built once: the case's open workflow tasks, read at every step.
_OPEN_WORKFLOW_TASKS = select(Task).where(
    Task.case_id == bindparam("case_id"), Task.state == TaskState.OPEN, Task.kind == TaskKind.WORKFLOW
)


def refresh_due_dates(case: Case, calendar: WorkingCalendar | None = None) -> date | None:
    """Set the case's due date from its clock, and its open tasks' to match; the due date before.

    Before acceptance the case has no due date and its tasks keep theirs (the day they were created).
    The clock's other readings (start, stop, the legal due date) are kept on the case for reports.
    """
    if calendar is None:
        # The calendar's read must not flush the caller's status change on its own: the clock's
        # readings set below then go in the same UPDATE of the case.
        with db.session.no_autoflush:
            calendar = working_calendar()
    before = case.due_date
    clock = case_clock(case, calendar)
    due_date = clock.due_date
    readings = {"accepted_on": clock.started_on, "clock_stopped_on": clock.stopped_on}
    if clock.started_on is not None:
        readings["legal_due_date"] = clock.legal_due_date
    for name, value in readings.items():
        # Only a change is written: an unchanged assignment would flush an UPDATE of its own.
        if getattr(case, name) != value:
            setattr(case, name, value)
    if due_date is None or due_date == before:
        return before
    case.due_date = due_date
    if case.id is not None:
        for task in db.session.execute(_OPEN_WORKFLOW_TASKS, {"case_id": case.id}).scalars():
            task.due_date = due_date
    return before


def _colour(due_date: date, warning_days: int, calendar: WorkingCalendar) -> str:
    today = business_day()
    if today > due_date:
        return "red"
    if calendar.working_days_between(today, due_date) <= warning_days:
        return "yellow"
    return "normal"


def case_due_state(case: Case) -> str | None:
    """normal / yellow / red against today, paused while the clock stands still, None without a clock."""
    if case.ended_at is not None or case.due_date is None:
        return None
    calendar = working_calendar()
    clock = case_clock(case, calendar)
    if clock.started_on is None or clock.stopped_on is not None:
        return None
    if clock.paused_since is not None:
        return "paused"
    return _colour(case.due_date, case.service_item.warning_days, calendar)


def task_due_state(task: Task) -> str | None:
    """The colour of an open task's due date; paused while its case waits in 补正 or 中止."""
    if task.state != TaskState.OPEN or task.due_date is None:
        return None
    if task.case.status in PAUSING or timer_paused(task.case):
        return "paused"
    return _colour(task.due_date, task.case.service_item.warning_days, working_calendar())


LIMIT_STATE_LABELS = {
    "normal": "正常",
    "yellow": "即将到期",
    "red": "已超期",
    "paused": "暂停计时",
    "met": "按期办结",
    "late": "超期办结",
}


@dataclass(frozen=True)
class LimitState:
    """One limit of a case as the page and the API state it: which, its due date and its state."""

    kind: str  # promised 承诺时限 / legal 法定时限
    limit: TimeLimit
    due_date: date | None
    # normal / yellow (due soon) / red (overdue) / paused while the clock runs; met / late once it
    # stopped; None before acceptance.
    state: str | None


def limit_states(case: Case) -> list[LimitState]:
    """The promised and the legal limit of the case, each with its due date and state today."""
    calendar = working_calendar()
    clock = case_clock(case, calendar)
    found = []
    for kind, limit, due_date in (
        ("promised", clock.limit, clock.due_date),
        ("legal", clock.legal_limit or clock.limit, clock.legal_due_date),
    ):
        state: str | None = None
        if clock.started_on is not None and due_date is not None:
            if clock.stopped_on is not None:
                state = "met" if clock.stopped_on <= due_date else "late"
            elif clock.paused_since is not None:
                state = "paused"
            else:
                state = _colour(due_date, case.service_item.warning_days, calendar)
        found.append(LimitState(kind, limit, due_date, state))
    return found


@dataclass(frozen=True)
class ClockReading:
    """The clock as the case page states it: not started / running / paused / stopped, and since when.

    ``days_left`` counts the limit's days from today to the due date (negative once overdue), for a
    running clock only; ``paused_days`` is what finished pauses added to the limit.
    """

    state: str
    since: date | None
    days_left: int | None
    paused_days: int


def clock_reading(case: Case) -> ClockReading:
    calendar = working_calendar()
    clock = case_clock(case, calendar)
    if clock.started_on is None:
        return ClockReading("not_started", None, None, 0)
    if clock.stopped_on is not None:
        return ClockReading("stopped", clock.stopped_on, None, clock.paused_days)
    if clock.paused_since is not None:
        return ClockReading("paused", clock.paused_since, None, clock.paused_days)
    days_left = None
    if case.due_date is not None:
        today = business_day()
        if clock.limit.counts_natural_days:
            days_left = (case.due_date - today).days
        elif today <= case.due_date:
            days_left = calendar.working_days_between(today, case.due_date)
        else:
            days_left = -calendar.working_days_between(case.due_date, today)
    return ClockReading("running", clock.started_on, days_left, clock.paused_days)
