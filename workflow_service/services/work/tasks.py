"""Work the inbox: list, claim, unclaim and complete user tasks, under optimistic locking.

A task claimed by a user whose delegation to the caller is in force (services.directory.delegations) is the
caller's to work too, on the claimant's behalf.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, tuple_, update
from sqlalchemy.orm import contains_eager, joinedload, undefer
from sqlalchemy.orm.exc import StaleDataError

from workflow_service.engine.runtime import TaskNotReady
from workflow_service.errors import (
    InvalidInput,
    PermissionDenied,
    StaleCase,
    TaskClaimedByOther,
    TaskNotOpen,
)
from workflow_service.extensions import db
from workflow_service.models import Case, CaseStatus, Region, ServiceItem, Task, TaskKind, TaskState, User
from workflow_service.services import audit
from workflow_service.services.calendar.case_clock import PAUSING
from workflow_service.services.calendar.deadlines import working_calendar
from workflow_service.services.clock import business_day, now
from workflow_service.services.closing.closing import record_closing_step
from workflow_service.services.closing.evaluations import RECTIFICATION_FORM, complete_rectification
from workflow_service.services.directory import delegations
from workflow_service.services.directory.scope import get_visible_task
from workflow_service.services.intake.acceptance import record_acceptance_step
from workflow_service.services.intake.acceptance import task_form as acceptance_task_form
from workflow_service.services.process.forms import validate_form
from workflow_service.services.process.progress import apply_step, process_runtime, refuse_on_incident
from workflow_service.services.review.suspensions import refuse_while_suspended

MAX_PAGE = 200
COUNT_CAP = 999  # inbox figures beyond this show as "999+"


Claimed = Literal["all", "mine", "unclaimed"]


@dataclass(frozen=True)
class InboxPage:
    """One page of an inbox; ``next_cursor`` continues after its last task (None on the last page)."""

    tasks: list[Task]
    next_cursor: str | None


@dataclass(frozen=True)
class InboxCounts:
    """The header's figures: claimed, waiting unclaimed, arrived since ``seen_since``, due soon or overdue."""

    mine: int
    unclaimed: int
    new: int
    due_soon: int

    @property
    def total(self) -> int:
        return self.mine + self.unclaimed


def _encode_cursor(task: Task) -> str:
    key = [task.due_date.isoformat() if task.due_date else None, task.created_at.isoformat(), task.id]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


@dataclass(frozen=True)
class _Cursor:
    due_date: date | None
    created_at: datetime
    task_id: str


def _decode_cursor(cursor: str) -> _Cursor:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        due = date.fromisoformat(raw[0]) if raw[0] is not None else None
        return _Cursor(due, datetime.fromisoformat(raw[1]), str(raw[2]))
    except (binascii.Error, ValueError, TypeError, IndexError, KeyError):
        raise InvalidInput(
            "翻页游标无效", errors={"cursor": ["无效的翻页游标，请从第一页重新开始"]}
        ) from None


def _inbox_query(actor: User, claimed: Claimed) -> Select[tuple[Task]]:
    """Open tasks routed to the actor's organisation and roles that are theirs to see in the inbox."""
    claimants = [actor.id, *delegations.delegators_in_force(actor)]
    mine = Task.assignee_id.in_(claimants)
    unclaimed = Task.assignee_id.is_(None)
    who = {"all": or_(unclaimed, mine), "mine": mine, "unclaimed": unclaimed}[claimed]
    return (
        select(Task)
        .join(Task.case)
        .where(
            Task.organisation_id == actor.organisation_id,
            Task.role.in_(actor.roles),
            Task.state == TaskState.OPEN,
            who,
        )
    )


def _narrowed(
    query: Select[tuple[Task]],
    service_code: str | None,
    statuses: Sequence[CaseStatus],
    township_code: str | None,
    due_soon: bool,
) -> Select[tuple[Task]]:
    """An inbox query narrowed by the inbox's filters."""
    if service_code:
        query = query.where(
            Case.service_item_id.in_(select(ServiceItem.id).where(ServiceItem.code == service_code))
        )
    if statuses:
        query = query.where(Case.status.in_(list(statuses)))
    if township_code:
        query = query.where(Case.matter_region_id.in_(select(Region.id).where(Region.code == township_code)))
    if due_soon:
        query = query.where(due_soon_clause())
    return query


def count_arrived(
    actor: User,
    since: datetime,
    *,
    claimed: Claimed = "all",
    service_code: str | None = None,
    statuses: Sequence[CaseStatus] = (),
    township_code: str | None = None,
    due_soon: bool = False,
) -> int:
    """How many tasks of an inbox view (same filters as ``inbox_page``) arrived after ``since``:
    what an open inbox page polls for, to offer a refresh instead of moving rows under the mouse.
    Counted up to ``COUNT_CAP + 1``, like the header's figures."""
    query = _narrowed(_inbox_query(actor, claimed), service_code, statuses, township_code, due_soon)
    return _capped_count(query.where(Task.created_at > since))


def inbox_page(
    actor: User,
    *,
    limit: int = 50,
    cursor: str | None = None,
    claimed: Claimed = "all",
    service_code: str | None = None,
    statuses: Sequence[CaseStatus] = (),
    township_code: str | None = None,
    due_soon: bool = False,
) -> InboxPage:
    """A page of the actor's inbox, due first (so overdue first), keyset-paginated by ``cursor``.

    The inbox holds open tasks routed to the actor's organisation and roles, unclaimed or claimed
    by them, and those claimed by users who delegated their work to the actor while that is in
    force. ``claimed`` narrows it to the actor's own or to the organisation's unclaimed ones;
    ``due_soon`` to the tasks whose due date shows yellow or red.
    """
    size = max(1, min(limit, MAX_PAGE))
    query = _inbox_query(actor, claimed).options(
        contains_eager(Task.case).joinedload(Case.service_item),
        joinedload(Task.assignee),
    )
    query = _narrowed(query, service_code, statuses, township_code, due_soon)
    after = _decode_cursor(cursor) if cursor else None
    # Keyset pages: a row comparison the inbox index (organisation, role, state, due date, created)
    # can seek to, so the 2,000th page costs what the first does. Tasks without a due date come
    # after all dated ones, read by a second query of the same kind once the dated ones run out.
    rows: list[Task] = []
    if after is None or after.due_date is not None:
        key = (Task.due_date, Task.created_at, Task.id)
        dated = query.where(Task.due_date.is_not(None))
        if after is not None:
            dated = dated.where(tuple_(*key) > (after.due_date, after.created_at, after.task_id))
        rows = list(db.session.execute(dated.order_by(*key).limit(size + 1)).unique().scalars())
    if len(rows) <= size:
        undated = query.where(Task.due_date.is_(None))
        if after is not None and after.due_date is None:
            undated = undated.where(tuple_(Task.created_at, Task.id) > (after.created_at, after.task_id))
        more = size + 1 - len(rows)
        rows += db.session.execute(undated.order_by(Task.created_at, Task.id).limit(more)).unique().scalars()
    page = rows[:size]
    return InboxPage(tasks=page, next_cursor=_encode_cursor(page[-1]) if len(rows) > size else None)


def due_soon_clause() -> ColumnElement[bool]:
    """Open tasks whose due date shows yellow or red: within their item's warning days, or past.

    The warning days differ per item, so each distinct value gets its own threshold date; tasks of
    cases whose clock stands still (补正, 中止) are not counted, as their badge shows "paused".
    """
    calendar, today = working_calendar(), business_day()
    warning_days = db.session.execute(select(ServiceItem.warning_days).distinct()).scalars().all()
    by_item = [
        and_(ServiceItem.warning_days == days, Task.due_date <= calendar.add_working_days(today, days))
        for days in warning_days
    ]
    return and_(
        Task.due_date.is_not(None),
        Case.status.not_in(list(PAUSING)),
        Case.service_item_id.in_(select(ServiceItem.id).where(or_(false(), *by_item))),
    )


def _capped_count(query: Select[tuple[Task]]) -> int:
    """How many rows the inbox query holds, reading no more than ``COUNT_CAP + 1`` of them."""
    limited = query.with_only_columns(Task.id).limit(COUNT_CAP + 1).subquery()
    return db.session.execute(select(func.count()).select_from(limited)).scalar_one()


def inbox_counts(actor: User, seen_since: datetime | None = None) -> InboxCounts:
    """The actor's inbox in figures: their claimed tasks, the organisation's unclaimed ones, how many
    of those arrived after ``seen_since`` (when they last opened the inbox), and how many of all of
    them are due soon or overdue.

    Every page's header shows these, so each figure stops at ``COUNT_CAP + 1`` (shown as "999+"):
    an organisation with 100,000 open tasks costs what one with a thousand does.
    """
    counts = {claimed: _capped_count(_inbox_query(actor, claimed)) for claimed in ("mine", "unclaimed")}
    counts["new"] = 0
    if counts["unclaimed"]:
        arrived = _inbox_query(actor, "unclaimed")
        if seen_since is not None:
            arrived = arrived.where(Task.created_at > seen_since)
        counts["new"] = _capped_count(arrived)
    counts["due_soon"] = 0
    if counts["mine"] or counts["unclaimed"]:
        counts["due_soon"] = _capped_count(_inbox_query(actor, "all").where(due_soon_clause()))
    return InboxCounts(**counts)


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
    """The form that completes the task, as staff fill it in: a rectification's note, else the BPMN
    task's own form with the 补正 / 容缺 lists offering the case's materials (services.intake.acceptance)."""
    if task.kind == TaskKind.RECTIFICATION:
        return RECTIFICATION_FORM
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


def _lock_case_of(task_id: str) -> None:
    """Lock the task's case row before the task is read and checked (PostgreSQL; SQLite's write
    transactions are serial anyway). A reassignment locks the case first too, so a completion
    racing one either waits and then sees the task moved (403), or makes the move fail (409);
    without the lock it could complete a task the supervisor had just moved elsewhere."""
    case_id = db.session.execute(select(Task.case_id).where(Task.id == task_id)).scalar_one_or_none()
    if case_id is not None:
        db.session.execute(select(Case.id).where(Case.id == case_id).with_for_update()).scalar_one()


def complete_task(actor: User, task_id: str, data: Mapping[str, Any]) -> Task:
    """Validate the form, complete the task in the workflow and run on; one transaction.

    A delegate completes the delegator's claimed task on their behalf: the task stays assigned to
    the delegator and records both names.
    """
    _lock_case_of(task_id)
    task = _workable(actor, task_id)
    on_behalf_of = None
    if task.assignee_id is not None and task.assignee_id != actor.id:
        on_behalf_of = _claimant_delegating(actor, task)
    if task.kind == TaskKind.RECTIFICATION:
        # Not a BPMN task: the engine never hears of it.
        return complete_rectification(actor, task, data, on_behalf_of)
    refuse_while_suspended(task)
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
    try:
        # 补正 lists, 容缺 and the decision block depend on the case's materials and on where the
        # step led; a refusal here (409/422) rolls the whole completion back.
        # Their queries must not flush the task before the case: rows are locked case first, as a
        # reassignment locks them, or the two deadlock.
        with db.session.no_autoflush:
            record_acceptance_step(case, task, actor, data, result.statuses_reached)
            # The result (办结), fee, licence and delivery the step reaches (services.closing.closing).
            record_closing_step(case, task, actor, data, result.statuses_reached)
        apply_step(case, result, actor)  # flushes: the case's version check happens here or at commit
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleCase() from None
    refuse_on_incident(case, result)
    return task
