"""督办: a supervisor's notice on a case, answered in writing by the organisation holding it.

Issuing puts a supervision item (a task of kind ``supervision``, never seen by the engine) in the
inbox of the organisation and role of the case's open step, due on the reply day; its reply, given
on the task page or ``POST /api/v1/supervision-notices/<id>/reply``, closes it. At the start of the
day after the reply day a worker job marks an unanswered notice late (an audit row; the item and the
case page show it red); the deadline warnings every open task has give the yellow and red rows
before. Issued, replied and late are audited; ``install`` hooks the reply and the job into the
task completion and the worker, which live below this package.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from workflow_service.database import rows_changed
from workflow_service.errors import Conflict, InvalidInput, NotFound, TaskNotOpen
from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    Job,
    JobKind,
    SupervisionNotice,
    Task,
    TaskKind,
    TaskState,
    User,
)
from workflow_service.services import audit
from workflow_service.services.calendar.deadlines import add_working_days
from workflow_service.services.clock import business_day, now
from workflow_service.services.directory.scope import get_visible_case, visible_cases
from workflow_service.services.process import deadline_warnings, jobs
from workflow_service.services.process.forms import validate_form
from workflow_service.services.supervision.case_filters import require_supervisor, start_of
from workflow_service.services.work import tasks
from workflow_service.services.work.step_effects import OUTSIDE_THE_WORKFLOW, TaskOutsideTheWorkflow

SUPERVISION_TASK_NAME = "督办"
REPLY = "supervision_reply"
# The furthest reply day a notice may set, in calendar days.
MAX_REPLY_DAYS = 60
REPLY_FORM: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": SUPERVISION_TASK_NAME,
    "description": "督办人员对该办件发出督办：说明办理进度、超期原因和预计办结时间。",
    "type": "object",
    "required": [REPLY],
    "properties": {REPLY: {"type": "string", "title": "督办回复", "minLength": 2, "maxLength": 2000}},
    "additionalProperties": False,
}


class NothingToSupervise(Conflict):
    title = "办件没有在办环节，无需督办"
    type_slug = "nothing-to-supervise"


class AlreadySupervised(Conflict):
    title = "该办件的督办尚未回复"
    type_slug = "already-supervised"


def default_reply_day() -> date:
    return add_working_days(business_day(), current_app.config["SUPERVISION_REPLY_WORKING_DAYS"])


def _open_step(case: Case) -> Task | None:
    """The step the notice presses: the case's open workflow task due first (the oldest if equal)."""
    return db.session.execute(
        select(Task)
        .where(Task.case_id == case.id, Task.kind == TaskKind.WORKFLOW, Task.state == TaskState.OPEN)
        .order_by(Task.due_date.is_(None), Task.due_date, Task.created_at, Task.id)
        .limit(1)
    ).scalar_one_or_none()


def _awaiting_reply(case: Case) -> bool:
    return (
        db.session.execute(
            select(SupervisionNotice.id).where(
                SupervisionNotice.case_id == case.id, SupervisionNotice.replied_at.is_(None)
            )
        ).first()
        is not None
    )


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if len(reason) < 2:
        raise InvalidInput("请写明督办事由", errors={"reason": ["请写明督办事由"]})
    if len(reason) > 1000:
        raise InvalidInput("督办事由过长", errors={"reason": ["督办事由最多 1000 字"]})
    return reason


def _reply_day(day: date | None) -> date:
    today = business_day()
    if day is None:
        return default_reply_day()
    if day < today or (day - today).days > MAX_REPLY_DAYS:
        message = f"回复期限须在今天至 {MAX_REPLY_DAYS} 天内"
        raise InvalidInput(message, errors={"reply_due_on": [message]})
    return day


def notice_target(actor: User, number: str) -> tuple[Case, Task | None]:
    """What the notice form shows: the case (scope as issuing: 403, 404) and the step it would press."""
    case = get_visible_case(actor, number)
    require_supervisor(actor)
    return case, _open_step(case)


def issue_notice(
    actor: User, number: str, reason: str | None, reply_due_on: date | None
) -> SupervisionNotice:
    """A supervisor whose scope covers the case presses its holder (outside the scope 404; in it but
    not a supervisor 403)."""
    case = get_visible_case(actor, number)  # outside the scope nothing is there, not even a 403
    require_supervisor(actor)
    text, day = _reason(reason), _reply_day(reply_due_on)
    step = _open_step(case)
    if step is None:
        raise NothingToSupervise(f"办件 {case.number} 没有在办环节")
    if _awaiting_reply(case):
        raise AlreadySupervised(f"办件 {case.number} 已有督办等待回复")
    moment = now()
    item = Task(
        id=str(uuid.uuid4()),
        kind=TaskKind.SUPERVISION,
        case_id=case.id,
        bpmn_id="supervision",
        name=SUPERVISION_TASK_NAME,
        lane=step.lane,
        form_key=None,
        organisation_id=step.organisation_id,
        role=step.role,
        state=TaskState.OPEN,
        due_date=day,
        created_at=moment,
        data={"reason": text, "issued_by": actor.full_name, "step": step.name},
    )
    db.session.add(item)
    db.session.flush()
    notice = SupervisionNotice(
        case_id=case.id,
        task_id=item.id,
        organisation_id=step.organisation_id,
        reason=text,
        reply_due_on=day,
        issued_at=moment,
        issued_by_id=actor.id,
    )
    db.session.add(notice)
    db.session.flush()
    audit.record(
        "supervision.issued",
        actor,
        case=case,
        task_id=item.id,
        summary={
            "notice": notice.id,
            "reason": text,
            "reply_due_on": day.isoformat(),
            "organisation": step.organisation.code,
            "step": step.name,
        },
    )
    # Late from the start of the day after the reply day.
    jobs.schedule(
        JobKind.SUPERVISION_LATE, case, item.id, start_of(day + timedelta(days=1)), notice=notice.id
    )
    deadline_warnings.sync_warning_jobs(case)
    db.session.commit()
    return notice


def complete_reply(actor: User, task: Task, data: Mapping[str, Any], on_behalf_of: User | None) -> Task:
    """Close a supervision item with its written reply (tasks.complete_task sends these here)."""
    validate_form(REPLY_FORM, data, prefix="data")
    reply = str(data[REPLY]).strip()
    if len(reply) < 2:
        raise InvalidInput("请填写督办回复", errors={f"data.{REPLY}": ["请填写督办回复"]})
    moment = now()
    values: dict[str, Any] = {
        "state": TaskState.COMPLETED,
        "completed_at": moment,
        "completed_by_id": actor.id,
        "data": {**(task.data or {}), REPLY: reply},
    }
    if on_behalf_of is None:
        values["assignee_id"] = actor.id
    else:
        values["completed_on_behalf_of_id"] = on_behalf_of.id
    # Conditional on the item still being open: of two replies at once exactly one wins.
    if not rows_changed(
        update(Task)
        .where(Task.id == task.id, Task.state == TaskState.OPEN)
        .values(**values)
        .execution_options(synchronize_session=False)
    ):
        db.session.rollback()
        raise TaskNotOpen()
    db.session.refresh(task)
    notice = db.session.execute(
        select(SupervisionNotice).where(SupervisionNotice.task_id == task.id)
    ).scalar_one()
    notice.reply, notice.replied_at, notice.replied_by_id = reply, moment, actor.id
    late = business_day(moment) > notice.reply_due_on
    if late and notice.late_at is None:
        notice.late_at = moment
    summary: dict[str, Any] = {"notice": notice.id, "reply": reply, "late": late}
    if on_behalf_of is not None:
        summary["on_behalf_of"] = on_behalf_of.username
    audit.record("supervision.replied", actor, case=task.case, task_id=task.id, summary=summary)
    jobs.finish_pending(JobKind.SUPERVISION_LATE, task.case, task.id)
    deadline_warnings.sync_warning_jobs(task.case)
    db.session.commit()
    return task


def mark_late(job: Job) -> datetime | None:
    """The worker's job at the reply deadline: an unanswered notice becomes late, audited once."""
    notice = db.session.get(SupervisionNotice, job.payload.get("notice"))
    if notice is None or notice.replied_at is not None or notice.late_at is not None:
        return None
    notice.late_at = now()
    audit.record(
        "supervision.late",
        None,
        case=notice.case,
        task_id=notice.task_id,
        summary={
            "notice": notice.id,
            "organisation": notice.organisation.code,
            "reply_due_on": notice.reply_due_on.isoformat(),
        },
    )
    return None


def visible_notice(actor: User, notice_id: int) -> SupervisionNotice:
    """A notice of a case the actor may see; 404 otherwise."""
    notice = db.session.execute(
        select(SupervisionNotice)
        .join(Case, Case.id == SupervisionNotice.case_id)
        .where(SupervisionNotice.id == notice_id, visible_cases(actor))
    ).scalar_one_or_none()
    if notice is None:
        raise NotFound("未找到该督办")
    return notice


def reply_to_notice(actor: User, notice_id: int, reply: str) -> SupervisionNotice:
    """Reply as the organisation the item was routed to (403 otherwise; 409 once replied)."""
    notice = visible_notice(actor, notice_id)
    try:
        tasks.complete_task(actor, notice.task_id, {REPLY: reply})
    except InvalidInput:  # the task form's field is the API body's ``reply``
        raise InvalidInput("请填写督办回复", errors={"reply": ["请填写督办回复（至少 2 字）"]}) from None
    db.session.refresh(notice)
    return notice


def notices_of_case(case: Case) -> list[SupervisionNotice]:
    """The case's notices, newest first, with who issued and who replied."""
    return list(
        db.session.execute(
            select(SupervisionNotice)
            .options(
                joinedload(SupervisionNotice.issued_by),
                joinedload(SupervisionNotice.replied_by),
                joinedload(SupervisionNotice.organisation),
            )
            .where(SupervisionNotice.case_id == case.id)
            .order_by(SupervisionNotice.issued_at.desc(), SupervisionNotice.id.desc())
        ).scalars()
    )


def list_notices(actor: User, number: str) -> list[SupervisionNotice]:
    return notices_of_case(get_visible_case(actor, number))


def install() -> None:
    """Hook the reply into task completion (once per process); the late job's handler is installed
    with the app's other job handlers (job_runner.install, in the app factory)."""
    OUTSIDE_THE_WORKFLOW[TaskKind.SUPERVISION] = TaskOutsideTheWorkflow(REPLY_FORM, complete_reply)
