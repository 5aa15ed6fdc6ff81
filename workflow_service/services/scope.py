"""What a user may see: every case and task query goes through these filters.

Outside the caller's scope an object does not exist for them (404, DESIGN.md §6). Window staff
see the cases their service centre accepted; any organisation sees the cases it has been routed a
task of; supervisors see their county; admins everything; analysts no case data.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import aliased, undefer

from workflow_service.errors import NotFound
from workflow_service.extensions import db
from workflow_service.models import Case, Organisation, Region, Role, Task, User
from workflow_service.services.routing import county_of


def visible_cases(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``Case`` selecting the cases ``user`` may see."""
    if user.has_role(Role.ADMIN):
        return true()
    clauses: list[ColumnElement[bool]] = []
    if user.has_role(Role.SUPERVISOR):
        county = county_of(user.organisation.region)
        township = aliased(Region)
        clauses.append(
            exists(
                select(township.id).where(
                    township.id == Case.matter_region_id, township.parent_id == county.id
                )
            )
        )
        clauses.append(
            exists(
                select(Organisation.id)
                .join(Region, Region.id == Organisation.region_id)
                .where(
                    Organisation.id == Case.accepting_organisation_id,
                    or_(Region.id == county.id, Region.parent_id == county.id),
                )
            )
        )
    if user.roles and set(user.roles) & {Role.CLERK, Role.APPROVER, Role.COOPERATOR, Role.SUPERVISOR}:
        clauses.append(Case.accepting_organisation_id == user.organisation_id)
        routed = aliased(Task)  # aliased: the outer query may itself select from task
        clauses.append(
            exists(
                select(routed.id).where(
                    routed.case_id == Case.id, routed.organisation_id == user.organisation_id
                )
            )
        )
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
    task = db.session.execute(
        select(Task).join(Case, Case.id == Task.case_id).where(Task.id == task_id, visible_cases(user))
    ).scalar_one_or_none()
    if task is None:
        raise NotFound("任务不存在")
    return task
