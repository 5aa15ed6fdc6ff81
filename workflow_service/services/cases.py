"""Start cases at the window and read them back with their tasks and history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from workflow_service.errors import InvalidInput, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import (
    AcceptanceMode,
    AuditEvent,
    Case,
    CaseStatus,
    Region,
    RegionLevel,
    Role,
    ServiceItem,
    Task,
    TaskState,
    User,
)
from workflow_service.services import audit
from workflow_service.services.applicants import checked_applicant
from workflow_service.services.case_numbers import next_case_number
from workflow_service.services.catalogue import current_version
from workflow_service.services.clock import business_day, now
from workflow_service.services.deployment import latest_definition
from workflow_service.services.forms import validate_form
from workflow_service.services.progress import apply_step, process_runtime
from workflow_service.services.routing import county_of
from workflow_service.services.scope import get_visible_case


@dataclass(frozen=True)
class CaseDiagram:
    """A case's process version as BPMN XML, with the elements it has passed and those it waits at."""

    bpmn_xml: str
    completed: tuple[str, ...]
    current: tuple[str, ...]


@dataclass(frozen=True)
class CaseView:
    """A case as its readers see it: the row, its open tasks, completed steps and audit trail."""

    case: Case
    open_tasks: list[Task]
    completed_tasks: list[Task]
    events: list[AuditEvent]


def _service_item(code: str) -> ServiceItem:
    item = db.session.execute(select(ServiceItem).where(ServiceItem.code == code)).scalar_one_or_none()
    if item is None:
        raise InvalidInput("未知事项", errors={"service_code": [f"没有编码为 {code} 的事项"]})
    return item


def _matter_region(code: str | None, accepting_township: Region) -> Region:
    if code is None:
        return accepting_township
    region = db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
    if region is None or region.level != RegionLevel.TOWNSHIP:
        raise InvalidInput(
            "事项所在地有误", errors={"matter_township": [f"没有编码为 {code} 的乡镇（街道）"]}
        )
    return region


def _city_of(region: Region) -> Region | None:
    return county_of(region).parent


def check_acceptance_allowed(item: ServiceItem, accepting_township: Region, matter_township: Region) -> None:
    """Refuse acceptance at a window the item's 通办 range does not include."""
    if item.acceptance_mode == AcceptanceMode.CROSS_REGION:
        return
    if item.acceptance_mode == AcceptanceMode.CITY:
        if _city_of(accepting_township) == _city_of(matter_township):
            return
        message = "该事项仅限同城通办，受理窗口与事项所在地不在同一设区市"
    elif accepting_township.id == matter_township.id:
        return
    else:
        message = "该事项仅限就近办理，须在事项所在乡镇（街道）窗口受理"
    raise InvalidInput(message, errors={"matter_township": [message]})


def start_case(
    actor: User,
    service_code: str,
    applicant: Mapping[str, Any],
    data: Mapping[str, Any],
    matter_township_code: str | None = None,
) -> Case:
    """A window clerk registers an application; the process runs to its first wait state."""
    if not actor.has_role(Role.CLERK):
        raise PermissionDenied("只有窗口人员可以登记办件")
    accepting_organisation = actor.organisation
    accepting_township = accepting_organisation.region
    if accepting_township.level != RegionLevel.TOWNSHIP:
        raise PermissionDenied("只有乡镇（街道）便民服务中心的窗口可以登记办件")
    item = _service_item(service_code)
    matter_township = _matter_region(matter_township_code, accepting_township)
    checked = checked_applicant(applicant)
    definition = latest_definition(item.process_key)
    if definition.start_form_key:
        validate_form(definition.forms[definition.start_form_key], data, prefix="data")
    check_acceptance_allowed(item, accepting_township, matter_township)

    submitted_at = now()
    county_code = county_of(accepting_township).code
    case = Case(
        number=next_case_number(county_code, item.short_code, business_day(submitted_at)),
        service_item=item,
        service_item_version=current_version(item),
        process_definition=definition,
        channel="window",
        applicant_kind=checked.kind,
        applicant_name=checked.name,
        applicant_id_number=checked.id_number,
        applicant_phone=checked.phone,
        accepting_organisation=accepting_organisation,
        matter_region=matter_township,
        status=CaseStatus.SUBMITTED,
        status_history=[],
        application=dict(data),
        submitted_at=submitted_at,
        created_by_id=actor.id,
        workflow_state="",
    )
    db.session.add(case)
    db.session.flush()
    audit.record("case.started", actor, case=case, summary={"service_code": item.code, "number": case.number})
    result = process_runtime().start(
        definition.content_hash,
        definition.spec_json,
        {**data, "applicant": checked.as_data(), "service_code": item.code},
    )
    apply_step(case, result, actor)
    db.session.commit()
    return case


def view_case(actor: User, number: str) -> CaseView:
    case = get_visible_case(actor, number)
    tasks = (
        db.session.execute(select(Task).where(Task.case_id == case.id).order_by(Task.created_at, Task.id))
        .scalars()
        .all()
    )
    events = (
        db.session.execute(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id))
        .scalars()
        .all()
    )
    return CaseView(
        case=case,
        open_tasks=[t for t in tasks if t.state == TaskState.OPEN],
        completed_tasks=[t for t in tasks if t.state == TaskState.COMPLETED],
        events=list(events),
    )


def case_diagram(actor: User, number: str) -> CaseDiagram:
    """The diagram of the version the case runs on, for anyone who may see the case (404 otherwise)."""
    case = get_visible_case(actor, number, with_state=True)
    definition = case.process_definition
    completed = process_runtime().completed_elements(
        definition.content_hash, definition.spec_json, case.workflow_state
    )
    current = db.session.execute(
        select(Task.bpmn_id).where(Task.case_id == case.id, Task.state == TaskState.OPEN).order_by(Task.id)
    ).scalars()
    return CaseDiagram(bpmn_xml=definition.bpmn_xml, completed=completed, current=tuple(current))
