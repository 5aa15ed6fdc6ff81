"""Resolve a BPMN lane to the organisation and role that work a task, for one case (条抓块统).

This is the single place lanes become inboxes. A lane names a role in the case, not a group:

* ``window``: the organisation that registered the case: the service centre of the township
  where the application was accepted (see ``REGISTERING_LANES`` for the other registrars);
* ``department``: the dispatched station (派驻机构) of the competent department type that covers
  the matter's township, else that county department itself. The type is the service item's,
  unless the task names another (``departmentType``, or a form field's choice through
  ``departmentTypeField``); a case a county department registered itself (its own proposal) stays
  with that department;
* ``township``: the office of the matter's township that the responsibility item names
  (党政综合办公室 when it names none), for cooperation tasks;
* ``command``: the matter's township's 综合信息指挥室.

The window is where the citizen stood; the others follow where the matter is. City-wide and
cross-region acceptance need nothing special here.

Only active organisations get new tasks. An inactive station is as good as none (the county
department takes over); an inactive department that registered its own proposal hands over to the
county's active department of its type; an inactive window has no stand-in, so the step that
would reach it is refused (422) until an admin reactivates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from workflow_service.errors import InvalidInput
from workflow_service.extensions import db
from workflow_service.models import (
    OfficeType,
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    ResponsibilityItem,
    Role,
    station_coverage,
)

LANE_ROLES: dict[str, Role] = {
    "window": Role.CLERK,
    "department": Role.APPROVER,
    "township": Role.COOPERATOR,
    "command": Role.SUPERVISOR,
}
KNOWN_LANES = frozenset(LANE_ROLES)
# A case's channel names a line system for events it sent (``line:12345``): the command room took them.
LINE_CHANNEL_PREFIX = "line:"


def registering_lane(channel: str) -> str:
    """The lane whose office registered a case of ``channel`` (its accepting organisation's role)."""
    if channel.startswith(LINE_CHANNEL_PREFIX):
        return "command"
    return channel if channel in LANE_ROLES else "window"


# Lanes a process's start event may be in: whose staff register its cases (window: citizens'
# applications; command: events from any channel; department: a county department's own proposal).
REGISTERING_LANES = frozenset({"window", "command", "department"})


class RoutedItem(Protocol):
    """What routing reads of a service item: the type of its competent department."""

    @property
    def department_type(self) -> str: ...


class RoutedCase(Protocol):
    """What routing reads of a case: a ``Case``, or the dry run's stand-in for one never stored."""

    @property
    def accepting_organisation(self) -> Organisation: ...

    @property
    def matter_region(self) -> Region: ...

    @property
    def service_item(self) -> RoutedItem: ...


@dataclass(frozen=True)
class Assignment:
    organisation: Organisation
    role: Role


class RoutingError(InvalidInput):
    title = "无法确定办理机构"
    type_slug = "routing-failed"


def county_of(region: Region) -> Region:
    """The county (县/市/区) a region belongs to; a county is its own."""
    current = region
    while current.level != RegionLevel.COUNTY:
        if current.parent is None:
            raise RoutingError(f"{region.name} 不在任何县级行政区内")
        current = current.parent
    return current


def competent_back_office(department_type: str, township: Region) -> Organisation:
    """The station of ``department_type`` covering ``township``, else the county department of that type."""
    station = db.session.execute(
        select(Organisation)
        .join(station_coverage, station_coverage.c.station_id == Organisation.id)
        .where(
            Organisation.kind == OrganisationKind.STATION,
            Organisation.department_type == department_type,
            Organisation.active.is_(True),
            station_coverage.c.township_id == township.id,
        )
        .order_by(Organisation.code)
        .limit(1)
    ).scalar_one_or_none()
    if station is not None:
        return station
    county = county_of(township)
    department = county_department(department_type, county)
    if department is None:
        raise RoutingError(
            f"{county.name}没有主管部门（{department_type}）",
            errors={"service_code": [f"{county.name}未设置该事项的主管部门"]},
        )
    return department


def township_office(township: Region, office_type: str) -> Organisation:
    office = db.session.execute(
        select(Organisation).where(
            Organisation.kind == OrganisationKind.OFFICE,
            Organisation.region_id == township.id,
            Organisation.office_type == office_type,
            Organisation.active.is_(True),
        )
    ).scalar_one_or_none()
    if office is None:
        raise RoutingError(f"{township.name}没有 {office_type} 办公室")
    return office


def county_department(department_type: str, county: Region) -> Organisation | None:
    """The county's active department of ``department_type`` (at most one; see organisations)."""
    return db.session.execute(
        select(Organisation).where(
            Organisation.kind == OrganisationKind.DEPARTMENT,
            Organisation.department_type == department_type,
            Organisation.region_id == county.id,
            Organisation.active.is_(True),
        )
    ).scalar_one_or_none()


def _proposing_department(department: Organisation) -> Organisation:
    """The department that registered its own proposal, or the active one of its type that replaced it."""
    if department.active:
        return department
    successor = county_department(department.department_type or "", county_of(department.region))
    if successor is None:
        raise RoutingError(
            f"立项部门{department.name}已停用，本县没有同类型（{department.department_type}）的部门"
        )
    return successor


def _window(case: RoutedCase) -> Organisation:
    window = case.accepting_organisation
    if not window.active:
        raise RoutingError(f"受理窗口{window.name}已停用，无法把任务分派给它：请联系管理员重新启用该机构")
    return window


def _department(
    case: RoutedCase, department_type: str | None, department_type_field: str | None
) -> Organisation:
    if department_type_field and not department_type:
        raise RoutingError(f"表单字段 {department_type_field} 没有给出办理部门类型")
    if department_type:
        return competent_back_office(department_type, case.matter_region)
    if case.accepting_organisation.kind == OrganisationKind.DEPARTMENT:
        return _proposing_department(case.accepting_organisation)
    return competent_back_office(case.service_item.department_type, case.matter_region)


def resolve_lane(
    case: RoutedCase,
    lane: str | None,
    responsibility: ResponsibilityItem | None = None,
    department_type: str | None = None,
    department_type_field: str | None = None,
) -> Assignment:
    """Which organisation, and which role in it, works a task in ``lane`` of ``case``.

    ``department_type`` (department lane only) overrides the item's; ``department_type_field`` names
    the form field it was to come from, so an empty choice is an error rather than the item's type.
    """
    if lane not in LANE_ROLES:
        raise RoutingError(f"未知泳道 {lane!r}")
    if lane == "window":
        organisation = _window(case)
    elif lane == "department":
        organisation = _department(case, department_type, department_type_field)
    elif lane == "township":
        office_type = (
            responsibility and responsibility.cooperating_office_type
        ) or OfficeType.PARTY_GOVERNMENT
        organisation = township_office(case.matter_region, office_type)
    else:
        organisation = township_office(case.matter_region, OfficeType.COMMAND_CENTRE)
    return Assignment(organisation=organisation, role=LANE_ROLES[lane])
