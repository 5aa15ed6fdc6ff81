"""What a user may see: every case and task query goes through these filters.

Outside the caller's scope an object does not exist for them (404, DESIGN.md §6). Window staff
see the cases their service centre accepted; any organisation sees the cases it has been routed a
task of, and a county department also those of its dispatched stations; supervisors see their
county (or, in a township's command room, their township); an organ's head (负责人) what its
organisation sees; admins everything; analysts no case data.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, false, or_, select, true
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

# What a user's scope depends on: being an admin; a supervisor's region (id, level); a staff
# member's organisation (id, whether a department). Users alike in these share one clause, built
# once per process: building the clause and its statements costs more than running them again.
ScopeKey = tuple[bool, tuple[int, RegionLevel] | None, tuple[int, bool] | None]
_STAFF_ROLES = frozenset({Role.CLERK, Role.APPROVER, Role.COOPERATOR, Role.SUPERVISOR, Role.HEAD})


def _in_region(region_id: int, level: RegionLevel) -> list[ColumnElement[bool]]:
    """Cases whose matter is in the region (a county or a township) or that were accepted there."""
    if level == RegionLevel.TOWNSHIP:
        matter_here = Case.matter_region_id == region_id
        at_its_window = select(Organisation.id).where(
            Organisation.id == Case.accepting_organisation_id, Organisation.region_id == region_id
        )
        return [matter_here, exists(at_its_window)]
    township = aliased(Region)
    matter_here = exists(
        select(township.id).where(township.id == Case.matter_region_id, township.parent_id == region_id)
    )
    accepted_here = exists(
        select(Organisation.id)
        .join(Region, Region.id == Organisation.region_id)
        .where(
            Organisation.id == Case.accepting_organisation_id,
            or_(Region.id == region_id, Region.parent_id == region_id),
        )
    )
    return [matter_here, accepted_here]


def _routed_to(organisation_ids: Select[Any] | list[int]) -> ColumnElement[bool]:
    """Cases with a task routed to one of the organisations (a list of ids or a subquery)."""
    routed = aliased(Task)  # aliased: the outer query may itself select from task
    return exists(
        select(routed.id).where(routed.case_id == Case.id, routed.organisation_id.in_(organisation_ids))
    )


def scope_key(user: User) -> ScopeKey:
    """What of the user decides which cases they see (the clause is built from this alone)."""
    if user.has_role(Role.ADMIN):
        return (True, None, None)
    organisation = user.organisation
    region = None
    if user.has_role(Role.SUPERVISOR):
        region = (organisation.region.id, organisation.region.level)
    staff = None
    if set(user.roles) & _STAFF_ROLES:
        staff = (organisation.id, organisation.kind == OrganisationKind.DEPARTMENT)
    return (False, region, staff)


@lru_cache(maxsize=4096)
def scope_clause(key: ScopeKey) -> ColumnElement[bool]:
    """The WHERE clause on ``Case`` for a scope (``scope_key``), built once per process."""
    admin, region, staff = key
    if admin:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if region is not None:
        # A county's supervisors see the county; a township command room sees its township.
        clauses.extend(_in_region(*region))
    if staff is not None:
        organisation_id, department = staff
        clauses.append(Case.accepting_organisation_id == organisation_id)
        clauses.append(_routed_to([organisation_id]))
        if department:
            # A county department also sees what was routed to its dispatched stations.
            stations = select(Organisation.id).where(Organisation.parent_id == organisation_id)
            clauses.append(_routed_to(stations))
    return or_(*clauses) if clauses else false()


def visible_cases(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``Case`` selecting the cases ``user`` may see."""
    return scope_clause(scope_key(user))


def get_visible_case(user: User, number: str, *, with_state: bool = False) -> Case:
    query = _visible_case_statement(scope_key(user), with_state)
    case = db.session.execute(query, {"number": number}).scalar_one_or_none()
    if case is None:
        raise NotFound(f"办件 {number} 不存在")
    return case


@lru_cache(maxsize=4096)
def _visible_case_statement(key: ScopeKey, with_state: bool) -> Select[Case]:
    query = select(Case).where(Case.number == bindparam("number"), scope_clause(key))
    if with_state:
        query = query.options(undefer(Case.workflow_state))
    return query


@lru_cache(maxsize=4096)
def _visible_task_statement(key: ScopeKey) -> Select[Task]:
    # The case comes with the task: it is joined for the scope anyway, and every reader of a task reads it.
    return (
        select(Task)
        .join(Case, Case.id == Task.case_id)
        .options(contains_eager(Task.case))
        .where(Task.id == bindparam("task_id"), scope_clause(key))
    )


def get_visible_task(user: User, task_id: str) -> Task:
    task = db.session.execute(
        _visible_task_statement(scope_key(user)), {"task_id": task_id}
    ).scalar_one_or_none()
    if task is None:
        raise NotFound("任务不存在")
    return task
