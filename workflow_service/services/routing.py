"""Resolve a BPMN lane to the organisation and role that work the task, for one case (条抓块统).

This is the single place lanes become inboxes. Today: ``window`` is the accepting township's
service centre; ``department`` is the competent county department of the matter's county.
Dispatched stations, cooperation tasks and the responsibility list slot in here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from workflow_service.errors import InvalidInput
from workflow_service.extensions import db
from workflow_service.models import Case, Organisation, OrganisationKind, Region, RegionLevel, Role

LANE_ROLES: dict[str, Role] = {
    "window": Role.CLERK,
    "department": Role.APPROVER,
    "township": Role.COOPERATOR,
    "command": Role.SUPERVISOR,
}
KNOWN_LANES = frozenset(LANE_ROLES)


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


def competent_department(case: Case) -> Organisation:
    county = county_of(case.matter_region)
    department = db.session.execute(
        select(Organisation).where(
            Organisation.kind == OrganisationKind.DEPARTMENT,
            Organisation.department_type == case.service_item.department_type,
            Organisation.region_id == county.id,
        )
    ).scalar_one_or_none()
    if department is None:
        raise RoutingError(
            f"{county.name} 没有主管部门（{case.service_item.department_type}）",
            errors={"service_code": [f"{county.name} 未设置该事项的主管部门"]},
        )
    return department


def resolve_lane(case: Case, lane: str | None) -> Assignment:
    """Which organisation, and which role in it, works a task in ``lane`` of ``case``."""
    if lane not in LANE_ROLES:
        raise RoutingError(f"未知泳道 {lane!r}")
    if lane == "window":
        organisation = case.accepting_organisation
    elif lane == "department":
        organisation = competent_department(case)
    else:
        raise RoutingError(f"泳道 {lane} 的路由尚未配置")
    return Assignment(organisation=organisation, role=LANE_ROLES[lane])
