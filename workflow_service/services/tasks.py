"""Work the inbox: list, claim, unclaim and complete user tasks, under optimistic locking."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, undefer
from sqlalchemy.orm.exc import StaleDataError

from workflow_service.engine.runtime import TaskNotReady
from workflow_service.errors import PermissionDenied, StaleCase, TaskClaimedByOther, TaskNotOpen
from workflow_service.extensions import db
from workflow_service.models import Case, Task, TaskState, User
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.forms import validate_form
from workflow_service.services.progress import apply_step, process_runtime
from workflow_service.services.scope import get_visible_task

MAX_PAGE = 200


def inbox(actor: User, limit: int = 50) -> list[Task]:
    """Open tasks routed to the actor's organisation and roles, unclaimed or claimed by them, due first."""
    query = (
        select(Task)
        .options(joinedload(Task.case).joinedload(Case.service_item), joinedload(Task.assignee))
        .where(
            Task.organisation_id == actor.organisation_id,
            Task.role.in_(actor.roles),
            Task.state == TaskState.OPEN,
            (Task.assignee_id.is_(None)) | (Task.assignee_id == actor.id),
        )
        .order_by(Task.due_date.is_(None), Task.due_date, Task.created_at, Task.id)
        .limit(max(1, min(limit, MAX_PAGE)))
    )
    return list(db.session.execute(query).scalars())


def get_task(actor: User, task_id: str) -> Task:
    return get_visible_task(actor, task_id)


def _workable(actor: User, task_id: str) -> Task:
    """The task if the actor may act on it: visible (else 404), theirs to work (403), open (409)."""
    task = get_visible_task(actor, task_id)
    if task.organisation_id != actor.organisation_id or not actor.has_role(task.role):
        raise PermissionDenied("此任务不属于您的机构或岗位")
    if task.state != TaskState.OPEN:
        raise TaskNotOpen()
    return task


def claim_task(actor: User, task_id: str) -> Task:
    task = _workable(actor, task_id)
    # Conditional update: of two clerks claiming at once exactly one wins.
    claimed = db.session.execute(
        update(Task)
        .where(Task.id == task.id, Task.state == TaskState.OPEN, Task.assignee_id.is_(None))
        .values(assignee_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(task)
    if not claimed and task.assignee_id != actor.id:
        db.session.rollback()
        raise TaskClaimedByOther() if task.state == TaskState.OPEN else TaskNotOpen()
    if claimed:
        audit.record("task.claimed", actor, case=task.case, task_id=task.id)
    db.session.commit()
    return task


def unclaim_task(actor: User, task_id: str) -> Task:
    task = _workable(actor, task_id)
    if task.assignee_id is not None and task.assignee_id != actor.id:
        raise TaskClaimedByOther()
    if task.assignee_id == actor.id:
        task.assignee_id = None
        audit.record("task.unclaimed", actor, case=task.case, task_id=task.id)
    db.session.commit()
    return task


def complete_task(actor: User, task_id: str, data: Mapping[str, Any]) -> Task:
    """Validate the form, complete the task in the workflow and run on; one transaction."""
    task = _workable(actor, task_id)
    if task.assignee_id is not None and task.assignee_id != actor.id:
        raise TaskClaimedByOther()
    case = db.session.execute(
        select(Case).options(undefer(Case.workflow_state)).where(Case.id == task.case_id)
    ).scalar_one()
    definition = case.process_definition
    if task.form_key:
        validate_form(definition.forms[task.form_key], data, prefix="data")
    try:
        result = process_runtime().complete_task(
            definition.content_hash, definition.spec_json, case.workflow_state, task.id, data
        )
    except TaskNotReady:
        raise TaskNotOpen() from None
    task.state = TaskState.COMPLETED
    task.assignee_id = actor.id
    task.completed_by_id = actor.id
    task.completed_at = now()
    task.data = dict(data)
    audit.record("task.completed", actor, case=case, task_id=task.id, summary={"task": task.name, **data})
    try:
        apply_step(case, result, actor)  # flushes: the case's version check happens here or at commit
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleCase() from None
    return task
