"""Reassignment (改派): a supervisor moves an open task to another organisation of the right type.

Right type: a back-office task (county department or dispatched station) goes to a department or
station of the same department type in the same county; a window task to another township service
centre in the same county; any other task to an organisation of the same kind in the same region.

Within scope: a supervisor moves only tasks that sit at an organisation of their own region (a
county's supervisors: the county and its townships; a township's command room: that township), and
only to organisations of that region; an admin's scope is everything.
"""

from __future__ import annotations

from sqlalchemy import select, update

from workflow_service.database import rows_changed
from workflow_service.errors import InvalidReassignment, PermissionDenied, StaleCase, TaskNotOpen
from workflow_service.extensions import db
from workflow_service.models import Case, Organisation, OrganisationKind, Region, Role, Task, TaskState, User
from workflow_service.services import audit
from workflow_service.services.directory.routing import RoutingError, county_of
from workflow_service.services.directory.scope import get_visible_task

BACK_OFFICE_KINDS = frozenset({OrganisationKind.DEPARTMENT, OrganisationKind.STATION})


def _same_county(first: Organisation, second: Organisation) -> bool:
    try:
        return county_of(first.region).id == county_of(second.region).id
    except RoutingError:  # e.g. a city-level organisation: in no county
        return False


def _type_mismatch(current: Organisation, target: Organisation) -> str | None:
    """Why ``target`` may not take over a task of ``current``, or None when it may."""
    if current.kind in BACK_OFFICE_KINDS:
        if target.kind not in BACK_OFFICE_KINDS or target.department_type != current.department_type:
            return "只能改派给同一类型的主管部门或派驻机构"
        return None if _same_county(current, target) else "只能改派给本县（市、区）的机构"
    if current.kind == OrganisationKind.SERVICE_CENTRE:
        if target.kind != OrganisationKind.SERVICE_CENTRE:
            return "窗口任务只能改派给乡镇（街道）便民服务中心"
        return None if _same_county(current, target) else "只能改派给本县（市、区）的便民服务中心"
    if target.kind != current.kind:
        return "只能改派给同类机构"
    return None if target.region_id == current.region_id else "只能改派给同一乡镇（街道）的机构"


def _region_covers(region: Region, organisation: Organisation) -> bool:
    """Whether ``organisation`` sits in ``region`` or below it (a county's townships)."""
    place: Region | None = organisation.region
    while place is not None:
        if place.id == region.id:
            return True
        place = place.parent
    return False


def within_scope(actor: User, organisation: Organisation) -> bool:
    """Whether the organisation is within the region the actor supervises."""
    return actor.has_role(Role.ADMIN) or _region_covers(actor.organisation.region, organisation)


def _has_staff(organisation: Organisation, role: str) -> bool:
    users = db.session.execute(
        select(User).where(User.organisation_id == organisation.id, User.active.is_(True))
    ).scalars()
    return any(user.has_role(role) and user.disabled_at is None for user in users)


def _target_problem(actor: User, task: Task, target: Organisation | None, code: str) -> str | None:
    if target is None or not target.active:
        return f"没有编码为 {code} 的机构"
    if target.id == task.organisation_id:
        return "任务已在该机构"
    mismatch = _type_mismatch(task.organisation, target)
    if mismatch is not None:
        return mismatch
    if not within_scope(actor, target):
        return "只能改派给本人督办范围内的机构"
    return None if _has_staff(target, task.role) else "该机构没有可办理此任务的人员"


def may_reassign(actor: User) -> bool:
    """Whether the actor's role lets them reassign the open tasks they can see (督办人员)."""
    return actor.has_role(Role.SUPERVISOR)


def may_reassign_task(actor: User, task: Task) -> bool:
    """Whether the actor may move this task: a supervisor, with the task at an organisation in scope."""
    return may_reassign(actor) and within_scope(actor, task.organisation)


def reassignment_targets(actor: User, task: Task) -> list[Organisation]:
    """The active organisations :func:`reassign_task` would accept from ``actor`` for ``task``, by
    code: the same rule, tried on each of them (none for a task that is no longer open or that the
    actor may not move)."""
    if task.state != TaskState.OPEN or not may_reassign_task(actor, task):
        return []
    organisations = db.session.execute(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.code)
    ).scalars()
    return [target for target in organisations if _target_problem(actor, task, target, target.code) is None]


def reassign_task(actor: User, task_id: str, organisation_code: str | None, reason: str | None) -> Task:
    """Move an open task to another organisation; its claim is cleared. Audited ``task.reassigned``.

    Checked in the order of DESIGN.md §6: scope (404), role (403), state (409), then the fields (422).
    A task the actor sees but that sits outside the region they supervise (a township command room
    and a county department's review) is a 403: the case is theirs to watch, not that task to move.
    """
    task = get_visible_task(actor, task_id)
    if not may_reassign(actor):
        raise PermissionDenied("只有督办人员可以改派任务")
    if not within_scope(actor, task.organisation):
        raise PermissionDenied(f"任务在{task.organisation.name}，不在本人督办范围内，不能改派")
    if task.state != TaskState.OPEN:
        raise TaskNotOpen()
    errors: dict[str, list[str]] = {}
    target, problem = None, None
    if not organisation_code:
        errors["organisation"] = ["必填"]
    else:
        target = db.session.execute(
            select(Organisation).where(Organisation.code == organisation_code)
        ).scalar_one_or_none()
        problem = _target_problem(actor, task, target, organisation_code)
        if problem is not None:
            errors["organisation"] = [problem]
    if reason is None or not reason.strip():
        errors["reason"] = ["必填"]
    if errors or target is None or reason is None:  # neither is missing without a field error
        raise InvalidReassignment(problem, errors=errors)
    source = task.organisation
    previous_assignee = task.assignee
    case = task.case
    # Rows are locked in the order a completion locks them, the case before its task, so the two
    # cannot deadlock. Bumping the version makes a completion that read the old routing fail (409).
    bumped = rows_changed(
        update(Case)
        .where(Case.id == case.id, Case.version == case.version)
        .values(version=Case.version + 1)
        .execution_options(synchronize_session=False)
    )
    if not bumped:
        db.session.rollback()
        raise StaleCase()
    # Conditional on what was read: a completion or another reassignment meanwhile makes this a 409.
    moved = rows_changed(
        update(Task)
        .where(Task.id == task.id, Task.state == TaskState.OPEN, Task.organisation_id == source.id)
        .values(organisation_id=target.id, assignee_id=None)
        .execution_options(synchronize_session=False)
    )
    if not moved:
        db.session.rollback()
        raise TaskNotOpen()
    db.session.refresh(task)
    db.session.refresh(case)
    audit.record(
        "task.reassigned",
        actor,
        case=case,
        task_id=task.id,
        summary={
            "task": task.name,
            "from": source.code,
            "to": target.code,
            "reason": reason.strip(),
            "previous_assignee": previous_assignee.username if previous_assignee else None,
        },
    )
    db.session.commit()
    return task
