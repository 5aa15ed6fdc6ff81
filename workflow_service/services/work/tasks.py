"""Act on a task: claim, unclaim and complete it, under optimistic locking (the inbox lists them:
services.work.inbox). What a completion does beyond the engine's step is the table of
services.work.step_effects.

A task claimed by a user whose delegation to the caller is in force (services.directory.delegations) is the
caller's to work too, on the claimant's behalf.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from workflow_service.database import rows_changed
from workflow_service.engine.runtime import TaskNotReady
from workflow_service.errors import (
    PermissionDenied,
    StaleCase,
    TaskClaimedByOther,
    TaskNotOpen,
)
from workflow_service.extensions import db
from workflow_service.models import Case, CaseStatus, Task, TaskKind, TaskState, User
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.directory import delegations
from workflow_service.services.directory.scope import get_visible_task
from workflow_service.services.intake import acceptance
from workflow_service.services.intake.acceptance import task_form as acceptance_task_form
from workflow_service.services.process.forms import validate_form
from workflow_service.services.process.progress import apply_step, process_runtime, refuse_on_incident
from workflow_service.services.process.step_effects import CompletedStep, run_step_effects
from workflow_service.services.process.stored_state import running_state
from workflow_service.services.review.suspensions import refuse_while_suspended
from workflow_service.services.work.step_effects import OUTSIDE_THE_WORKFLOW, STEP_EFFECTS


def get_task(actor: User, task_id: str) -> Task:
    return get_visible_task(actor, task_id)


def delegated_from(actor: User, task: Task, delegators: Mapping[int, User]) -> User | None:
    """The claimant whose open task ``actor`` may work as their delegate, given who delegates to them."""
    if task.state != TaskState.OPEN or task.assignee_id is None or task.assignee_id == actor.id:
        return None
    if task.organisation_id != actor.organisation_id or not actor.has_role(task.role):
        return None
    return delegators.get(task.assignee_id)


def _claimant_delegating(actor: User, task: Task) -> User:
    """The colleague who claimed the task, if they delegated their work to the actor; else 403."""
    claimant = delegated_from(actor, task, delegations.delegators_in_force(actor))
    if claimant is None:
        raise TaskClaimedByOther()
    return claimant


def task_form(task: Task) -> dict[str, Any] | None:
    """The form that completes the task, as staff fill it in: its kind's (a rectification's note), else
    the BPMN task's own form with the 补正 / 容缺 lists offering the case's materials
    (services.intake.acceptance)."""
    outside = OUTSIDE_THE_WORKFLOW.get(task.kind)
    if outside is not None:
        return outside.form
    return acceptance_task_form(task)


def may_work(actor: User, task: Task) -> bool:
    """Whether the task is routed to the actor's organisation and one of their roles."""
    return task.organisation_id == actor.organisation_id and actor.has_role(task.role)


def _workable(actor: User, task_id: str) -> Task:
    """The task if the actor may act on it: visible (else 404), theirs to work (403), open (409)."""
    task = get_visible_task(actor, task_id)
    if not may_work(actor, task):
        raise PermissionDenied("此任务不属于您的机构或岗位")
    if task.state != TaskState.OPEN:
        raise TaskNotOpen()
    return task


_TASK_COLUMNS = [column.key for column in sa_inspect(Task).column_attrs]


def claim_task(actor: User, task_id: str) -> Task:
    task = _workable(actor, task_id)
    # Conditional update: of two clerks claiming at once exactly one wins.
    claimed = rows_changed(
        update(Task)
        .where(Task.id == task.id, Task.state == TaskState.OPEN, Task.assignee_id.is_(None))
        .values(assignee_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    # The columns only: the task's case, loaded with it, stays (the audit row names it).
    db.session.refresh(task, _TASK_COLUMNS)
    if not claimed and task.assignee_id != actor.id:
        if task.state != TaskState.OPEN:
            db.session.rollback()
            raise TaskNotOpen()
        # Claimed by a delegator: it stays theirs and the delegate works it for them, as is.
        _claimant_delegating(actor, task)
    if claimed:
        audit.record("task.claimed", actor, case=task.case, task_id=task.id)
    db.session.commit()
    return task


def unclaim_task(actor: User, task_id: str) -> Task:
    task = _workable(actor, task_id)
    if task.assignee_id is not None and task.assignee_id != actor.id:
        # A delegate may hand the delegator's task back to the pool.
        claimant = _claimant_delegating(actor, task)
        task.assignee_id = None
        audit.record(
            "task.unclaimed",
            actor,
            case=task.case,
            task_id=task.id,
            summary={"on_behalf_of": claimant.username},
        )
    elif task.assignee_id == actor.id:
        task.assignee_id = None
        audit.record("task.unclaimed", actor, case=task.case, task_id=task.id)
    db.session.commit()
    return task


def _lock_case_of(task_id: str) -> Case | None:
    """Lock and load the task's case (with its workflow state) before the task is read and checked
    (PostgreSQL; SQLite's write transactions are serial anyway). A reassignment locks the case first
    too, so a completion racing one either waits and then sees the task moved (403), or makes the
    move fail (409); without the lock it could complete a task the supervisor had just moved
    elsewhere. One statement: the case is found by a subquery on the task, and comes with what every
    completion reads of it (its process version, service item and item version), locking only the
    case row."""
    return db.session.execute(_LOCK_CASE_OF_TASK, {"task_id": task_id}).scalar_one_or_none()


# Built once: the statement is the same for every completion.
_LOCK_CASE_OF_TASK = (
    select(Case)
    .options(
        undefer(Case.workflow_state),
        joinedload(Case.process_definition, innerjoin=True),
        joinedload(Case.service_item, innerjoin=True),
        joinedload(Case.service_item_version),
    )
    .where(Case.id == select(Task.case_id).where(Task.id == bindparam("task_id")).scalar_subquery())
    .with_for_update(of=Case)
)


def complete_task(actor: User, task_id: str, data: Mapping[str, Any]) -> Task:
    """Validate the form, complete the task in the workflow and run on; one transaction.

    A delegate completes the delegator's claimed task on their behalf: the task stays assigned to
    the delegator and records both names.
    """
    locked_case = _lock_case_of(task_id)
    task = _workable(actor, task_id)
    on_behalf_of = None
    if task.assignee_id is not None and task.assignee_id != actor.id:
        on_behalf_of = _claimant_delegating(actor, task)
    outside = OUTSIDE_THE_WORKFLOW.get(task.kind)
    if outside is not None:
        # Not a BPMN task: the engine never hears of it.
        return outside.complete(actor, task, data, on_behalf_of)
    refuse_while_suspended(task)
    case = locked_case
    if case is None or case.id != task.case_id:  # found a moment ago, so the task's case was locked
        raise TaskNotOpen()
    # The answer reads the task's case: hold it there, or the session (which keeps objects weakly)
    # forgets the loaded case when this function returns and the answer reads it again.
    set_committed_value(task, "case", case)
    definition = case.process_definition
    if task.form_key:
        validate_form(definition.forms[task.form_key], data, prefix="data")
    try:
        result = process_runtime().complete_task(
            definition.content_hash, definition.spec_json, running_state(case), task.id, data
        )
    except TaskNotReady:
        raise TaskNotOpen() from None
    task.state = TaskState.COMPLETED
    summary = {"task": task.name, **data}
    if on_behalf_of is None:
        task.assignee_id = actor.id
    else:
        task.completed_on_behalf_of_id = on_behalf_of.id
        summary["on_behalf_of"] = on_behalf_of.username  # after the form data, which cannot override it
    task.completed_by_id = actor.id
    task.completed_at = now()
    task.data = dict(data)
    audit.record("task.completed", actor, case=case, task_id=task.id, summary=summary)
    step = CompletedStep(
        case=case,
        task=task,
        actor=actor,
        data=data,
        reached=tuple(CaseStatus(value) for value in result.statuses_reached),
        waiting_in=case.status,
        result_labels=result.result_labels_reached,
    )
    try:
        # What the step decides (补正, 容缺, the result, the delivery …) depends on the case's
        # materials and on where the step led; a refusal here (409/422) rolls the whole completion back.
        # Their queries must not flush the task before the case: rows are locked case first, as a
        # reassignment locks them, or the two deadlock.
        with db.session.no_autoflush:
            run_step_effects(STEP_EFFECTS, step)
        # Flushes: the case's version check happens here or at commit.
        apply_step(case, result, actor, completed=task)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleCase() from None
    refuse_on_incident(case, result)
    return task


def take_in_online_supplement(case_id: int, client_name: str) -> bool:
    """An online application waiting in 补正 before 受理 (asked by 预审 or 受理) goes back to the
    window once the applicant has uploaded every material of the notice: the waiting task completes
    on the applicant's behalf (no staff actor, audited with the portal's name), the deadline job is
    cancelled, and the process goes on (back to 预审). False, changing nothing, while something is
    still missing. One transaction."""
    case = db.session.execute(
        select(Case).options(undefer(Case.workflow_state)).where(Case.id == case_id).with_for_update()
    ).scalar_one()
    notice = acceptance.supplemented_online(case)
    if notice is None or case.submitted_by_client_id is None:
        return False
    waiting = list(
        db.session.execute(
            select(Task).where(
                Task.case_id == case.id, Task.state == TaskState.OPEN, Task.kind == TaskKind.WORKFLOW
            )
        ).scalars()
    )
    if len(waiting) != 1:
        return False
    [task] = waiting
    definition = case.process_definition
    result = process_runtime().complete_task(
        definition.content_hash, definition.spec_json, running_state(case), task.id, {}
    )
    task.state = TaskState.COMPLETED
    task.completed_at = now()
    task.data = {}
    audit.record(
        "task.completed", None, case=case, task_id=task.id, summary={"task": task.name, "client": client_name}
    )
    with db.session.no_autoflush:
        acceptance.receive_supplement_online(case, task, notice, client_name)
    try:
        apply_step(case, result, None, completed=task)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleCase() from None
    refuse_on_incident(case, result)
    return True
