"""What a user may see: every case and task query goes through these filters.

Outside the caller's scope an object does not exist for them (404, DESIGN.md §6). Window staff
see the cases their service centre accepted; any organisation sees the cases it has been routed a
task of, and a county department also those of its dispatched stations; supervisors see their
county (or, in a township's command room, their township); an organ's head (负责人) what its
organisation sees; admins everything; analysts no case data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, or_, select, true
from sqlalchemy.orm import aliased, contains_eager, undefer

from workflow_service.errors import NotFound
from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    Role,
    Task,
    User,
)


def _in_region(region: Region) -> list[ColumnElement[bool]]:
    """Cases whose matter is in ``region`` (a county or a township) or that were accepted there."""
    if region.level == RegionLevel.TOWNSHIP:
        matter_here = Case.matter_region_id == region.id
        at_its_window = select(Organisation.id).where(
            Organisation.id == Case.accepting_organisation_id, Organisation.region_id == region.id
        )
        return [matter_here, exists(at_its_window)]
    township = aliased(Region)
    matter_here = exists(
        select(township.id).where(township.id == Case.matter_region_id, township.parent_id == region.id)
    )
    accepted_here = exists(
        select(Organisation.id)
        .join(Region, Region.id == Organisation.region_id)
        .where(
            Organisation.id == Case.accepting_organisation_id,
            or_(Region.id == region.id, Region.parent_id == region.id),
        )
    )
    return [matter_here, accepted_here]


def _routed_to(organisation_ids: Select[Any] | list[int]) -> ColumnElement[bool]:
    """Cases with a task routed to one of the organisations (a list of ids or a subquery)."""
    routed = aliased(Task)  # aliased: the outer query may itself select from task
    return exists(
        select(routed.id).where(routed.case_id == Case.id, routed.organisation_id.in_(organisation_ids))
    )


def visible_cases(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``Case`` selecting the cases ``user`` may see."""
    if user.has_role(Role.ADMIN):
        return true()
    clauses: list[ColumnElement[bool]] = []
    organisation = user.organisation
    if user.has_role(Role.SUPERVISOR):
        # A county's supervisors see the county; a township command room sees its township.
        clauses.extend(_in_region(organisation.region))
    if set(user.roles) & {Role.CLERK, Role.APPROVER, Role.COOPERATOR, Role.SUPERVISOR, Role.HEAD}:
        clauses.append(Case.accepting_organisation_id == organisation.id)
        clauses.append(_routed_to([organisation.id]))
        if organisation.kind == OrganisationKind.DEPARTMENT:
            # A county department also sees what was routed to its dispatched stations.
            stations = select(Organisation.id).where(Organisation.parent_id == organisation.id)
            clauses.append(_routed_to(stations))
    return or_(*clauses) if clauses else false()


def get_visible_case(user: User, number: str, *, with_state: bool = False) -> Case:
    query = select(Case).where(Case.number == number, visible_cases(user))
    if with_state:
        query = query.options(undefer(Case.workflow_state))
    case = db.session.execute(query).scalar_one_or_none()
    if case is None:
        raise NotFound(f"办件 {number} 不存在")
    return case


def get_visible_task(user: User, task_id: str) -> Task:
    # The case comes with the task: it is joined for the scope anyway, and every reader of a task reads it.
    task = db.session.execute(
        select(Task)
        .join(Case, Case.id == Task.case_id)
        .options(contains_eager(Task.case))
        .where(Task.id == task_id, visible_cases(user))
    ).scalar_one_or_none()
    if task is None:
        raise NotFound("任务不存在")
    return task
