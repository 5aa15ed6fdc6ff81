"""Events from line systems (12345, grid apps): register a 基层治理事件 straight into its township's
综合信息指挥室 through the event-dispatch process, idempotently by the client's key, and tell the
submitting client how it stands.

A submission is kept by ``(client, Idempotency-Key)`` in ``event_submission`` with the SHA-256 of
its body and the answer sent: the same key with the same body gets that answer again, with another
body 422. The row is written in the case's transaction, so a retry racing the first request meets
the unique key at commit and replays the first one's answer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from workflow_service.engine.runtime import StepResult
from workflow_service.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import (
    ApiClient,
    Attachment,
    Case,
    CaseStatus,
    EventSubmission,
    OfficeType,
    Organisation,
    Region,
    RegionLevel,
    ServiceItem,
    Task,
    TaskKind,
    TaskState,
)
from workflow_service.services import audit
from workflow_service.services.catalogue.service_items import current_version
from workflow_service.services.clock import business_day, now
from workflow_service.services.closing.case_results import result_label
from workflow_service.services.directory.routing import LINE_CHANNEL_PREFIX, county_of
from workflow_service.services.intake.applicants import accepted_kinds, checked_applicant
from workflow_service.services.intake.case_numbers import next_case_number
from workflow_service.services.materials.attachments import (
    add_attachment,
    checked_filename,
    detected_type,
    discard,
    too_large,
)
from workflow_service.services.portal.clients import client_may_submit_for
from workflow_service.services.process.case_status import case_status_label
from workflow_service.services.process.deployment import latest_definition
from workflow_service.services.process.forms import validate_form
from workflow_service.services.process.progress import apply_step, process_runtime, refuse_on_incident

EVENT_SERVICE = "grassroots_event_dispatch"
KEY_HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255
PHOTO_MATERIAL = "现场照片"
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
# The case's channel names the line system, by the channel the reporter came by (``line:12345``).
LINE_SYSTEMS = {"hotline_12345": "12345", "grid_member": "grid", "walk_in": "visit", "anonymous": "anonymous"}
# The start form's ``event_channel`` for each reporter channel.
FORM_CHANNELS = {
    "hotline_12345": "hotline_12345",
    "grid_member": "grid_member",
    "walk_in": "window",
    "anonymous": "phone",
}
EVENT_TYPES = {
    "environment": "环境卫生",
    "illegal_construction": "违法建设",
    "dispute": "矛盾纠纷",
    "safety_hazard": "安全隐患",
    "market_order": "市场秩序",
    "other": "其他",
}
# Where the event stands, in the reporter's words, by the step it waits at (no internal names).
STEP_WORDS = {
    "triage": "综合信息指挥室正在研判分拨",
    "township_handling": "已分拨乡镇（街道）处置",
    "department_handling": "已分拨承办部门处置",
    "verification": "综合信息指挥室正在核查处置结果",
}
ENDED_WORDS = {
    CaseStatus.APPROVED: "已办结",
    CaseStatus.NOT_ACCEPTED: "不予受理",
    CaseStatus.RETURNED: "已退件",
    CaseStatus.WITHDRAWN: "已撤回",
    CaseStatus.ARCHIVED: "已归档",
}


class EventEnded(Conflict):
    title = "事件已结束"
    type_slug = "event-ended"


class IdempotencyKeyReused(InvalidInput):
    title = "幂等键已用于另一请求"
    type_slug = "idempotency-key-reused"


@dataclass(frozen=True)
class Photo:
    file_name: str
    content_base64: str


@dataclass(frozen=True)
class EventReport:
    """An event as a line system reports it (the body of ``POST /api/v1/events``, already parsed)."""

    type: str
    region_code: str
    address: str
    description: str
    reporter: Mapping[str, Any]
    ticket_number: str | None = None
    grid_name: str | None = None
    photos: Sequence[Photo] = ()


@dataclass(frozen=True)
class SubmittedEvent:
    """The answer to a submission: the first one's, on a retry with the same key and body."""

    status_code: int
    body: dict[str, Any]
    replayed: bool


@dataclass(frozen=True)
class Label:
    code: str
    label: str


@dataclass(frozen=True)
class StatusEntry:
    status: Label
    at: datetime


@dataclass(frozen=True)
class EventResult:
    code: str
    label: str
    reason: str | None
    at: datetime | None


@dataclass(frozen=True)
class EventView:
    """An event as its line system sees it: status, history, the step in plain words, the result."""

    number: str
    status: Label
    current_step: str
    submitted_at: datetime
    due_date: date | None
    township: str
    command_room: str
    history: list[StatusEntry]
    result: EventResult | None
    photos: int


def _key(value: str | None) -> str:
    key = (value or "").strip()
    if not key:
        raise InvalidInput(
            f"缺少 {KEY_HEADER}", errors={KEY_HEADER: ["必填：每个事件一个唯一值，重试时不变"]}
        )
    if len(key) > KEY_MAX_LENGTH:
        raise InvalidInput(f"{KEY_HEADER} 过长", errors={KEY_HEADER: [f"最多 {KEY_MAX_LENGTH} 个字符"]})
    return key


def body_digest(body: Mapping[str, Any]) -> str:
    """The SHA-256 of the body as JSON with sorted keys: the same event gives the same digest."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(client: ApiClient, key: str) -> EventSubmission | None:
    return db.session.execute(
        select(EventSubmission).where(EventSubmission.client_id == client.id, EventSubmission.key == key)
    ).scalar_one_or_none()


def _replay(submission: EventSubmission, digest: str) -> SubmittedEvent:
    if submission.body_sha256 != digest:
        raise IdempotencyKeyReused(
            f"{KEY_HEADER} 已用于内容不同的另一事件",
            errors={KEY_HEADER: [f"已用于另一事件（办件 {submission.response.get('number')}），请换一个键"]},
        )
    return SubmittedEvent(submission.status_code, dict(submission.response), replayed=True)


def _township(client: ApiClient, code: str) -> Region:
    region = db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
    if region is None or region.level != RegionLevel.TOWNSHIP:
        raise InvalidInput("事发地有误", errors={"place.region_code": [f"没有编码为 {code} 的乡镇（街道）"]})
    if not client_may_submit_for(client, region):
        raise PermissionDenied(f"本接入系统未获授权上报{region.name}的事件")
    return region


def _command_room(township: Region) -> Organisation:
    room = db.session.execute(
        select(Organisation).where(
            Organisation.region_id == township.id,
            Organisation.office_type == OfficeType.COMMAND_CENTRE.value,
            Organisation.active.is_(True),
        )
    ).scalar_one_or_none()
    if room is None:
        message = f"{township.name}没有综合信息指挥室，不能登记事件"
        raise InvalidInput(message, errors={"place.region_code": [message]})
    return room


def _form_data(report: EventReport) -> dict[str, Any]:
    """The start form's data for the report; the fields its channel needs are checked here, by the
    body's names (the form would name them by its own)."""
    channel = str(report.reporter.get("channel") or "")
    errors: dict[str, list[str]] = {}
    if channel == "hotline_12345" and not report.ticket_number:
        errors["ticket_number"] = ["12345 热线转来的事件须填写工单号"]
    if channel == "grid_member" and not report.grid_name:
        errors["grid_name"] = ["网格员上报的事件须填写所在网格"]
    if errors:
        raise InvalidInput("事件信息有误", errors=errors)
    data: dict[str, Any] = {
        "event_channel": FORM_CHANNELS.get(channel, "phone"),
        "event_category": report.type,
        "event_location": report.address,
        "event_description": report.description,
    }
    if report.ticket_number:
        data["hotline_ticket_number"] = report.ticket_number
    if report.grid_name:
        data["grid_name"] = report.grid_name
    return data


def _decoded(photos: Sequence[Photo]) -> list[tuple[str, bytes]]:
    """The photos' names and contents, each checked as the window checks a file, before anything is
    stored (so a refused photo leaves neither a case nor a file)."""
    decoded: list[tuple[str, bytes]] = []
    errors: dict[str, list[str]] = {}
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    for index, photo in enumerate(photos):
        try:
            content = base64.b64decode(photo.content_base64, validate=True)
        except (binascii.Error, ValueError):
            errors[f"photos.{index}.content_base64"] = ["不是有效的 Base64"]
            continue
        try:
            name = checked_filename(photo.file_name)
        except InvalidInput as error:
            errors[f"photos.{index}.file_name"] = error.errors["file"]
            continue
        if len(content) > limit:
            raise too_large()
        if detected_type(content) not in PHOTO_TYPES:
            errors[f"photos.{index}.content_base64"] = ["只接受 JPEG 或 PNG 照片（按文件内容识别）"]
            continue
        decoded.append((name, content))
    if errors:
        raise InvalidInput("照片有误", errors=errors)
    return decoded


def _answer(case: Case) -> dict[str, Any]:
    """The first answer, stored and replayed: JSON types only."""
    return {
        "number": case.number,
        "status": {"code": case.status.value, "label": case_status_label(case.status, case.result_label)},
        "submitted_at": case.submitted_at.isoformat(),
        "command_room": case.accepting_organisation.name,
    }


def _register(
    client: ApiClient, report: EventReport, key: str, digest: str
) -> tuple[Case, list[Attachment], StepResult]:
    township = _township(client, report.region_code)
    room = _command_room(township)
    item = db.session.execute(select(ServiceItem).where(ServiceItem.code == EVENT_SERVICE)).scalar_one()
    definition = latest_definition(item.process_key)
    version = current_version(item)
    reporter = checked_applicant(
        {**report.reporter, "kind": "reporter"},
        prefix="reporter",
        kinds=accepted_kinds(version.snapshot.get("applicant_kinds")),
    )
    data = _form_data(report)
    if definition.start_form_key:
        validate_form(definition.forms[definition.start_form_key], data, prefix="data")
    photos = _decoded(report.photos)

    submitted_at = now()
    case = Case(
        number=next_case_number(county_of(township).code, item.short_code, business_day(submitted_at)),
        service_item=item,
        service_item_version=version,
        process_definition=definition,
        channel=LINE_CHANNEL_PREFIX + LINE_SYSTEMS.get(str(reporter.channel), "other"),
        applicant_kind=reporter.kind,
        applicant_name=reporter.name,
        applicant_id_number=reporter.id_number,
        applicant_phone=reporter.phone,
        applicant_channel=reporter.channel,
        accepting_organisation=room,
        matter_region=township,
        status=CaseStatus.SUBMITTED,
        status_history=[],
        application=data,
        submitted_at=submitted_at,
        created_by_id=None,
        submitted_by_client_id=client.id,
        workflow_state="",
    )
    db.session.add(case)
    db.session.flush()
    audit.record(
        "case.started",
        None,
        case=case,
        summary={"service_code": item.code, "number": case.number, "client": client.client_id},
    )
    result = process_runtime().start(
        definition.content_hash,
        definition.spec_json,
        {**data, "applicant": reporter.as_data(), "service_code": item.code},
    )
    apply_step(case, result, None)
    attachments = [
        add_attachment(case, PHOTO_MATERIAL, name, content, None, room.id) for name, content in photos
    ]
    db.session.add(
        EventSubmission(
            client_id=client.id,
            key=key,
            body_sha256=digest,
            case_id=case.id,
            status_code=201,
            response=_answer(case),
            created_at=submitted_at,
        )
    )
    # Not flushed here: the key's row goes in at commit, where a racing twin's is met.
    return case, attachments, result


def submit_event(
    client: ApiClient, key: str | None, body: Mapping[str, Any], report: EventReport
) -> SubmittedEvent:
    """Register the event once per key (201 with its number), or replay the first answer."""
    key = _key(key)
    digest = body_digest(body)
    existing = _stored(client, key)
    if existing is not None:
        return _replay(existing, digest)
    case, attachments, result = _register(client, report, key, digest)
    answer = _answer(case)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request with the same key committed first: answer as it was answered.
        discard(*attachments)
        existing = _stored(client, key)
        if existing is None:
            raise
        return _replay(existing, digest)
    refuse_on_incident(case, result)
    return SubmittedEvent(201, answer, replayed=False)


def _own_event(client: ApiClient, number: str) -> Case:
    """The client's own event case; 404 for any other number, as for one that does not exist."""
    case = db.session.execute(
        select(Case)
        .join(ServiceItem, ServiceItem.id == Case.service_item_id)
        .where(
            Case.number == number, Case.submitted_by_client_id == client.id, ServiceItem.code == EVENT_SERVICE
        )
    ).scalar_one_or_none()
    if case is None:
        raise NotFound(f"没有本接入系统上报的事件 {number}")
    return case


def _current_step(case: Case) -> str:
    if case.ended_at is not None:
        return ENDED_WORDS.get(case.status, case_status_label(case.status, case.result_label))
    waiting = db.session.execute(
        select(Task.bpmn_id).where(
            Task.case_id == case.id, Task.state == TaskState.OPEN, Task.kind == TaskKind.WORKFLOW
        )
    ).scalars()
    words = [STEP_WORDS.get(bpmn_id or "", "处置中") for bpmn_id in waiting]
    return "；".join(dict.fromkeys(words)) or "处置中"


def event_view(client: ApiClient, number: str) -> EventView:
    """How the client's event stands (404 unless this client submitted it)."""
    case = _own_event(client, number)
    history = [
        StatusEntry(
            Label(entry["status"], case_status_label(CaseStatus(entry["status"]))),
            at=datetime.fromisoformat(entry["at"]),
        )
        for entry in case.status_history
    ]
    result = None
    if case.result_code is not None:
        result = EventResult(
            code=case.result_code.value,
            label=result_label(case.result_code, declared=case.result_label),
            reason=case.result_reason,
            at=case.result_at,
        )
    photos = db.session.execute(
        select(Attachment.id).where(Attachment.case_id == case.id, Attachment.material_name == PHOTO_MATERIAL)
    ).all()
    return EventView(
        number=case.number,
        status=Label(case.status.value, case_status_label(case.status, case.result_label)),
        current_step=_current_step(case),
        submitted_at=case.submitted_at,
        due_date=case.due_date,
        township=case.matter_region.name,
        command_room=case.accepting_organisation.name,
        history=history,
        result=result,
        photos=len(photos),
    )


def add_photo(client: ApiClient, number: str, upload: FileStorage | None) -> Attachment:
    """A photo sent after the event (multipart ``file``), with the window's content checks; 404 for
    another client's event, 409 once the event has ended."""
    case = _own_event(client, number)
    if case.ended_at is not None:
        raise EventEnded(f"事件 {number} 已结束，不能再补充照片")
    if upload is None:
        raise InvalidInput("缺少照片", errors={"file": ["必填"]})
    name = checked_filename(upload.filename)
    content = upload.stream.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
    attachment = add_attachment(case, PHOTO_MATERIAL, name, content, None, case.accepting_organisation_id)
    try:
        db.session.commit()
    except BaseException:
        discard(attachment)
        raise
    return attachment
