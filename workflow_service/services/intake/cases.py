"""Register cases (at the window, or where the process says); their diagram. Reading a case: services.read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from workflow_service.errors import AlreadyExists, InvalidInput, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import (
    AcceptanceMode,
    Case,
    CaseStatus,
    OfficeType,
    Organisation,
    OrganisationKind,
    ProcessDefinition,
    Region,
    RegionLevel,
    Role,
    ServiceItem,
    Task,
    TaskKind,
    TaskState,
    User,
)
from workflow_service.services import audit
from workflow_service.services.catalogue.service_items import current_version, pre_review_applies
from workflow_service.services.clock import business_day, now
from workflow_service.services.directory.routing import county_of
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.intake import duplicates, eligibility, fees
from workflow_service.services.intake.applicants import accepted_kinds, checked_agent, checked_applicant
from workflow_service.services.intake.case_numbers import next_case_number
from workflow_service.services.intake.query_passwords import new_query_password
from workflow_service.services.process.deployment import latest_definition
from workflow_service.services.process.form_fields import PRE_REVIEW_VARIABLE
from workflow_service.services.process.forms import validate_form
from workflow_service.services.process.progress import apply_step, process_runtime, refuse_on_incident


@dataclass(frozen=True)
class CaseDiagram:
    """A case's process version as BPMN XML, with the elements it has passed and those it waits at."""

    bpmn_xml: str
    completed: tuple[str, ...]
    current: tuple[str, ...]


@dataclass(frozen=True)
class CaseRegistration:
    """What registering a case takes, as the API body and the intake page give it.

    ``applicant`` and ``agent`` are checked by services.intake.applicants; ``data`` against the
    process's start form. ``matter_township_code`` defaults to the registering window's township.
    ``agent`` is whoever acts for the applicant (帮办代办). ``confirm_duplicate`` carries the clerk's
    reason to register while the applicant has an open case of the item (services.intake.duplicates).
    """

    service_code: str
    applicant: Mapping[str, Any]
    data: Mapping[str, Any]
    matter_township_code: str | None = None
    unified_case_code: str | None = None
    agent: Mapping[str, Any] | None = None
    confirm_duplicate: Mapping[str, Any] | None = None


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


def _registering_organisation(actor: User, lane: str) -> Organisation:
    """The actor's organisation if it registers cases of a process starting in ``lane``; else 403.

    window: a township window clerk (a citizen's application); command: a township's 综合信息指挥室
    (an event from any channel, "一个口子进"); department: a county department (its own proposal).
    """
    organisation = actor.organisation
    if lane == "command":
        if not actor.has_role(Role.SUPERVISOR) or organisation.office_type != OfficeType.COMMAND_CENTRE:
            raise PermissionDenied("此事项由乡镇（街道）综合信息指挥室登记")
    elif lane == "department":
        if not actor.has_role(Role.APPROVER) or organisation.kind != OrganisationKind.DEPARTMENT:
            raise PermissionDenied("此事项由县级部门发起")
    else:
        if not actor.has_role(Role.CLERK):
            raise PermissionDenied("只有窗口人员可以登记办件")
        if organisation.region.level != RegionLevel.TOWNSHIP:
            raise PermissionDenied("只有乡镇（街道）便民服务中心的窗口可以登记办件")
    return organisation


def _proposal_township(code: str | None, county: Region) -> Region:
    """The township a department's own proposal concerns: named, and in the department's county."""
    if code is None:
        message = "部门发起的事项须指定所涉乡镇（街道）"
        raise InvalidInput(message, errors={"matter_township": [message]})
    township = _matter_region(code, county)
    if county_of(township).id != county.id:
        message = "只能就本县（市、区）的乡镇（街道）发起"
        raise InvalidInput(message, errors={"matter_township": [message]})
    return township


@dataclass(frozen=True)
class Registration:
    """A case just registered and its query password (查询密码), which exists in clear only here."""

    case: Case
    query_password: str
    # For the clerk to check against the documents (an ID's unknown region code), by field.
    warnings: dict[str, list[str]]


def start_case(actor: User, request: CaseRegistration) -> Case:
    """``register_case`` for callers that hand no receipt out (the window can reissue the password)."""
    return register_case(actor, request).case


def _check_unified_code_free(code: str | None) -> None:
    if code is not None and db.session.execute(select(Case.id).where(Case.unified_case_code == code)).first():
        raise AlreadyExists(
            f"统一办件编码 {code} 已被其他办件使用", errors={"unified_case_code": ["已被其他办件使用"]}
        )


def registrable_codes(actor: User, items: list[ServiceItem]) -> set[str]:
    """The codes of ``items`` whose cases the actor's organisation registers (one statement)."""
    keys = {item.process_key for item in items}
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .where(ProcessDefinition.key.in_(keys))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    rows = db.session.execute(
        select(ProcessDefinition.key, ProcessDefinition.content_hash, ProcessDefinition.spec_json).join(
            newest,
            (newest.c.key == ProcessDefinition.key) & (newest.c.version == ProcessDefinition.version),
        )
    ).all()
    allowed = set()
    for key, content_hash, spec_json in rows:
        try:
            _registering_organisation(
                actor, process_runtime().start_lane(content_hash, spec_json) or "window"
            )
        except PermissionDenied:
            continue
        allowed.add(key)
    return {item.code for item in items if item.process_key in allowed}


def check_may_register(actor: User, code: str) -> None:
    """403 unless the actor's organisation registers the item's cases (by the lane its process starts in)."""
    item = _service_item(code)
    definition = latest_definition(item.process_key)
    _registering_organisation(
        actor, process_runtime().start_lane(definition.content_hash, definition.spec_json) or "window"
    )


def register_case(actor: User, request: CaseRegistration) -> Registration:
    """Register a case; the process runs to its first wait state.

    The agent (帮办代办) is recorded beside the applicant. A citizen's application while the
    applicant has an open case of the item is 409 naming those cases, unless ``confirm_duplicate``
    gives the clerk's reason (services.intake.duplicates).

    Who registers follows the lane of the process's start event (``_registering_organisation``);
    usually a window clerk registering a citizen's application.
    """
    item = _service_item(request.service_code)
    definition = latest_definition(item.process_key)
    lane = process_runtime().start_lane(definition.content_hash, definition.spec_json) or "window"
    return _register(actor, _registering_organisation(actor, lane), lane, item, definition, request)


@dataclass(frozen=True)
class OnlineSubmitter:
    """The portal or line system that submits an application online (services.portal.applications)."""

    client_id: int
    client_name: str
    via: str | None = None  # the portal's own channel (app, web, a line system's name), as it says


def _online_window(township_code: str | None) -> Organisation:
    """The 便民服务中心 of the matter's township, whose window pre-reviews (预审) an online application."""
    if township_code is None:
        message = "网上申请须指定事项所在乡镇（街道）"
        raise InvalidInput(message, errors={"matter_township": [message]})
    township = _matter_region(township_code, None)  # type: ignore[arg-type]  # named: never the default
    window = db.session.execute(
        select(Organisation).where(
            Organisation.region_id == township.id,
            Organisation.kind == OrganisationKind.SERVICE_CENTRE,
            Organisation.active.is_(True),
        )
    ).scalar_one_or_none()
    if window is None:
        message = f"{township.name}没有受理网上申请的便民服务中心"
        raise InvalidInput(message, errors={"matter_township": [message]})
    return window


def register_online_case(submitter: OnlineSubmitter, request: CaseRegistration) -> Registration:
    """Register an application submitted online ("一个口子进"): the same intake as at the window.

    The case is taken in by the window of the matter's township, where it waits in the process's
    first window step, the 预审 (通过 = 受理, 需补正, 不通过), as a walk-in case would; ``channel`` is
    ``portal`` and no clerk registered it. Only items whose process starts at the window are taken
    online. The applicant's open cases of the item are not a refusal here: the 预审 clerk sees them.
    """
    item = _service_item(request.service_code)
    definition = latest_definition(item.process_key)
    lane = process_runtime().start_lane(definition.content_hash, definition.spec_json) or "window"
    if lane != "window":
        message = "该事项不受理网上申请（不由窗口受理）"
        raise InvalidInput(message, errors={"service_code": [message]})
    window = _online_window(request.matter_township_code)
    return _register(None, window, lane, item, definition, request, submitter=submitter)


def _register(
    actor: User | None,
    accepting_organisation: Organisation,
    lane: str,
    item: ServiceItem,
    definition: ProcessDefinition,
    request: CaseRegistration,
    submitter: OnlineSubmitter | None = None,
) -> Registration:
    home = accepting_organisation.region  # a township; a county for a department
    if lane == "department":
        matter_township = _proposal_township(request.matter_township_code, home)
    else:
        matter_township = _matter_region(request.matter_township_code, home)
    version = current_version(item)
    checked = checked_applicant(
        request.applicant, kinds=accepted_kinds(version.snapshot.get("applicant_kinds"))
    )
    materials = [str(m["name"]) for m in version.snapshot.get("materials") or []]
    acting = checked_agent(request.agent, checked, materials) if request.agent is not None else None
    if definition.start_form_key:
        validate_form(definition.forms[definition.start_form_key], request.data, prefix="data")
    eligibility.check_at_registration(
        version.snapshot.get("eligibility") or [], checked.as_data(), request.data, matter_township
    )
    if lane != "department":
        check_acceptance_allowed(item, home, matter_township)

    _check_unified_code_free(request.unified_case_code)
    duplicate_reason = duplicates.confirmation_reason(request.confirm_duplicate)
    open_duplicates = (
        duplicates.check_duplicates(item, checked.id_number, duplicate_reason)
        if lane == "window" and submitter is None
        else []
    )

    submitted_at = now()
    county_code = county_of(home).code
    case = Case(
        number=next_case_number(county_code, item.short_code, business_day(submitted_at)),
        service_item=item,
        unified_case_code=request.unified_case_code,
        service_item_version=version,
        process_definition=definition,
        channel="portal" if submitter else lane,
        applicant_kind=checked.kind,
        applicant_name=checked.name,
        applicant_id_number=checked.id_number,
        applicant_phone=checked.phone,
        applicant_channel=checked.channel,
        agent_name=acting.name if acting else None,
        agent_id_number=acting.id_number if acting else None,
        agent_phone=acting.phone if acting else None,
        agent_relationship=acting.relationship if acting else None,
        agent_authorisation_note=acting.authorisation_note if acting else None,
        agent_authorisation_material=acting.authorisation_material if acting else None,
        accepting_organisation=accepting_organisation,
        matter_region=matter_township,
        status=CaseStatus.SUBMITTED,
        status_history=[],
        application=dict(request.data),
        submitted_at=submitted_at,
        created_by_id=actor.id if actor else None,
        submitted_by_client_id=submitter.client_id if submitter else None,
        workflow_state="",
    )
    db.session.add(case)
    db.session.flush()
    started = {"service_code": item.code, "number": case.number}
    if acting is not None:
        started["agent"] = acting.name  # 帮办代办: who stood at the window for the applicant
    if submitter is not None:
        started["client"] = submitter.client_name  # submitted online: which portal or line system
        if submitter.via:
            started["via"] = submitter.via
    audit.record("case.started", actor, case=case, summary=started)
    if actor is not None:  # online: no clerk confirmed anything (the 预审 sees the open cases)
        duplicates.record_confirmation(case, open_duplicates, duplicate_reason, actor)
    fees.open_fee(case, version.snapshot)
    result = process_runtime().start(
        definition.content_hash,
        definition.spec_json,
        {
            **request.data,
            "applicant": checked.as_data(),
            "service_code": item.code,
            # The process's 预审 branch: taken where the item sends this channel's applications
            # through 预审 (walk-in cases skip it unless the item names ``window``).
            PRE_REVIEW_VARIABLE: pre_review_applies(version.snapshot, case.channel),
        },
    )
    apply_step(case, result, actor)
    query_password = new_query_password(case)
    db.session.commit()
    refuse_on_incident(case, result)
    warnings = {"applicant.id_number": list(checked.warnings)} if checked.warnings else {}
    return Registration(case, query_password, warnings)


def case_diagram(actor: User, number: str) -> CaseDiagram:
    """The diagram of the version the case runs on, for anyone who may see the case (404 otherwise)."""
    case = get_visible_case(actor, number, with_state=True)
    definition = case.process_definition
    if case.workflow_state is None:  # a finished case past retention: the path was kept on its own
        completed = tuple(case.passed_elements or ())
    else:
        completed = process_runtime().completed_elements(
            definition.content_hash, definition.spec_json, case.workflow_state
        )
    current = db.session.execute(
        select(Task.bpmn_id)
        .where(Task.case_id == case.id, Task.state == TaskState.OPEN, Task.kind == TaskKind.WORKFLOW)
        .order_by(Task.id)
    ).scalars()
    return CaseDiagram(bpmn_xml=definition.bpmn_xml, completed=completed, current=tuple(current))
