"""Apply what the engine did in one step to the case row, its status history and the task table."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import bindparam, select

from workflow_service.engine.runtime import PendingTimer, ProcessRuntime, StepResult
from workflow_service.errors import ProcessIncident
from workflow_service.extensions import db
from workflow_service.instruments import count_transition
from workflow_service.models import Case, CaseStatus, JobKind, Task, TaskKind, TaskState, User
from workflow_service.services import audit
from workflow_service.services.calendar.case_clock import refresh_due_dates
from workflow_service.services.calendar.deadlines import add_working_days
from workflow_service.services.clock import business_day, now
from workflow_service.services.directory.responsibilities import responsibility_by_code
from workflow_service.services.directory.routing import resolve_lane
from workflow_service.services.process import deadline_warnings, jobs, status_changes
from workflow_service.services.process.case_status import (
    STATUS_LABELS,
    IllegalStatusTransition,
    has_been_accepted,
    transition_allowed,
)


def process_runtime() -> ProcessRuntime:
    """The app's engine runtime (it caches parsed specs, so one per process)."""
    return current_app.extensions["process_runtime"]


def _enter_status(case: Case, status: CaseStatus, actor: User | None) -> None:
    current = case.status if case.status_history else None
    if not transition_allowed(current, status, accepted=has_been_accepted(case.status_history)):
        before = STATUS_LABELS[current] if current is not None else "（开始）"
        raise IllegalStatusTransition(f"办件状态不能从 {before} 变为 {STATUS_LABELS[status]}")
    if current == status:
        return
    moment = now()
    case.status = status
    case.status_history = [*case.status_history, {"status": status.value, "at": moment.isoformat()}]
    # The clock starts at acceptance (that day not counted, DESIGN.md §3) and pauses in 补正 and 中止.
    refresh_due_dates(case)
    count_transition(db.session(), current.value if current else None, status.value)
    audit.record(
        "case.status_changed",
        actor,
        case=case,
        summary={"from": current.value if current else None, "to": status.value},
    )
    status_changes.announce(
        status_changes.StatusChange(
            case, current, status, moment, sequence=len(case.status_history), actor=actor
        )
    )


def change_status(case: Case, status: CaseStatus, actor: User | None) -> None:
    """Move the case to a status no BPMN element marks: suspension, resumption, withdrawal."""
    _enter_status(case, status, actor)


def _task_due_date(case: Case) -> date:
    """After acceptance a task is due when the case is; before it, the window's step is due within
    the item's 受理时限 from registration (a 即办件: the day it was registered)."""
    if case.due_date is not None:
        return case.due_date
    item = case.service_item
    registered_on = business_day(case.submitted_at) if case.submitted_at else business_day()
    if item.instant:
        return registered_on
    return add_working_days(registered_on, item.acceptance_limit_days)


# Built once: the case's open tasks, read at every step (its workflow tasks are synced with the
# engine's; the open ids of every kind, after the sync, are what the deadline warnings need).
_OPEN_TASKS = select(Task).where(Task.case_id == bindparam("case_id"), Task.state == TaskState.OPEN)


def _sync_tasks(case: Case, result: StepResult) -> tuple[list[Task], set[str]]:
    """Open the engine's new ready tasks, cancel the workflow tasks it no longer has: the tasks
    opened, and the ids of every task of the case left open."""
    open_tasks: dict[str, Task] = {}
    open_ids: set[str] = set()
    for task in db.session.execute(_OPEN_TASKS, {"case_id": case.id}).scalars():
        open_ids.add(task.id)
        if task.kind == TaskKind.WORKFLOW:
            open_tasks[task.id] = task
    ready_ids = {ready.id for ready in result.ready_tasks}
    opened: list[Task] = []
    for task_id, task in open_tasks.items():
        if task_id not in ready_ids:
            task.state = TaskState.CANCELLED
            task.completed_at = now()
            open_ids.discard(task_id)
    for ready in result.ready_tasks:
        if ready.id in open_tasks:
            continue
        code = ready.responsibility_item
        responsibility = responsibility_by_code(code) if code else None
        assignment = resolve_lane(
            case, ready.lane, responsibility, ready.department_type, ready.department_type_field
        )
        if ready.lane == "department" and ready.department_type is None:
            # Only the item's own department decides; parallel reviews by other types do not.
            case.competent_organisation_id = assignment.organisation.id
        task = Task(
            id=ready.id,
            case_id=case.id,
            bpmn_id=ready.bpmn_id,
            name=ready.name,
            lane=ready.lane or "",
            form_key=ready.form_key,
            organisation_id=assignment.organisation.id,
            # Held on the task: the step listeners name it, and the session keeps objects weakly.
            organisation=assignment.organisation,
            role=assignment.role.value,
            state=TaskState.OPEN,
            due_date=_task_due_date(case),
            created_at=now(),
            responsibility_item_id=responsibility.id if responsibility else None,
        )
        db.session.add(task)
        opened.append(task)
        open_ids.add(task.id)
    return opened, open_ids


def _close_clock_pauses(case: Case, result: StepResult, actor: User | None) -> bool:
    """End the pauses of timers that no longer wait: fired (the pause ends when the timer fell due)
    or cancelled with their path (now); whether any ended."""
    waiting = {timer.task_id for timer in result.timers}
    fired = {timer.task_id: timer.fires_at for timer in result.fired_timers}
    pauses = [dict(pause) for pause in case.clock_pauses or ()]
    ended = [pause for pause in pauses if not pause.get("until") and pause["task"] not in waiting]
    for pause in ended:
        pause["until"] = min(fired.get(pause["task"], now()), now()).isoformat()
        audit.record("case.clock_resumed", actor, case=case, summary={"timer": pause["timer"]})
    if ended:
        case.clock_pauses = pauses
    return bool(ended)


def _open_clock_pauses(case: Case, timers: tuple[PendingTimer, ...], actor: User | None) -> bool:
    """Start a pause for each newly waiting timer marked ``pausesClock``; whether any started."""
    known = {pause["task"] for pause in case.clock_pauses or ()}
    started = [timer for timer in timers if timer.pauses_clock and timer.task_id not in known]
    for timer in started:
        audit.record("case.clock_paused", actor, case=case, summary={"timer": timer.name})
    if started:
        moment = now().isoformat()
        case.clock_pauses = [
            *(case.clock_pauses or ()),
            *(
                {"task": timer.task_id, "timer": timer.name, "from": moment, "until": None}
                for timer in started
            ),
        ]
    return bool(started)


def apply_step(case: Case, result: StepResult, actor: User | None, completed: Task | None = None) -> None:
    """Record the step on the case: state blob, statuses reached, incident, end, its tasks and jobs;
    ``completed`` is the task whose completion made the step, told to the step listeners."""
    case.workflow_state = result.state
    # A fired 公示 restarts the clock before the statuses its path reaches (a decision stops it);
    # a 公示 reached starts its pause after them (the case was accepted first).
    if _close_clock_pauses(case, result, actor):
        refresh_due_dates(case)
    for value in result.statuses_reached:
        _enter_status(case, CaseStatus(value), actor)
    if _open_clock_pauses(case, result.timers, actor):
        refresh_due_dates(case)
    if result.incident and result.incident != case.incident:
        audit.record("case.incident", actor, case=case, summary={"incident": result.incident})
        # The operators' alert. Only the number: an incident's text may quote the case's data.
        current_app.logger.error("case %s stopped at a process incident", case.number)
    if case.incident != result.incident:  # an unchanged value is not written again
        case.incident = result.incident
    db.session.flush()  # the case needs its id before tasks point at it
    opened, open_ids = _sync_tasks(case, result)
    case_jobs = jobs.jobs_of_case(case, (JobKind.TIMER, JobKind.DEADLINE_WARNING))
    jobs.sync_timer_jobs(case, result.timers, case_jobs[JobKind.TIMER])
    deadline_warnings.sync_warning_jobs(case, case_jobs[JobKind.DEADLINE_WARNING], open_ids)
    ended = result.completed and case.ended_at is None
    if ended:
        case.ended_at = now()
        audit.record("case.ended", actor, case=case, summary={"status": case.status.value})
    entered = tuple(CaseStatus(value) for value in result.statuses_reached)
    status_changes.announce_step(
        status_changes.AppliedStep(case, actor, completed, entered, tuple(opened), bool(ended))
    )


def refuse_on_incident(case: Case, result: StepResult) -> None:
    """Once the step is committed: one that ended at an incident is the caller's 422, naming it."""
    if result.incident:
        raise ProcessIncident(
            f"办件 {case.number} 流程异常：{result.incident}",
            extensions={"case_number": case.number, "incident": result.incident},
        )
