"""Online applications of portals and line systems: submit one (idempotently), read it in the
applicant's words, list a client's own, withdraw and rate them.

An online application enters the same intake as a walk-in case (services.intake.cases
``register_online_case``) and waits in the window's 预审 at the matter's township. A client sees only
the applications it submitted: another's is 404, as a case outside a clerk's scope. An admin may grant
a client ``applications:read-all``: it then also reads (never changes) the online applications of other
clients whose matter township lies in its regions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from workflow_service.errors import InvalidInput, NotFound, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import (
    ApiClient,
    ApiClientToken,
    Attachment,
    Case,
    CaseStatus,
    DeliveryMethod,
    Region,
)
from workflow_service.services.closing import evaluations, withdrawal
from workflow_service.services.closing.case_results import result_label
from workflow_service.services.intake.cases import CaseRegistration, OnlineSubmitter, register_online_case
from workflow_service.services.materials.attachments import upload_online
from workflow_service.services.portal import idempotency
from workflow_service.services.portal.clients import READ_ALL_APPLICATIONS, client_may_submit_for, holds_scope
from workflow_service.services.process.case_status import case_status_label
from workflow_service.services.work import tasks

PAGE_SIZE = 50

# The current step as the applicant reads it: no task or lane names, only what is happening.
APPLICANT_STEPS: dict[CaseStatus, str] = {
    CaseStatus.SUBMITTED: "预审中：窗口正在审核您的申请材料",
    CaseStatus.PRE_REVIEW: "预审中：窗口正在审核您的申请材料",
    CaseStatus.PRE_REVIEWED: "预审已通过：等待窗口受理",
    CaseStatus.PRE_REVIEW_FAILED: "预审未通过：申请未被受理，原因见办理结果",
    CaseStatus.SUPPLEMENT: "待补正：请按补正告知书补齐材料",
    CaseStatus.ACCEPTED: "已受理：正在办理",
    CaseStatus.UNDER_REVIEW: "审查中：主管部门正在审查",
    CaseStatus.SUSPENDED: "特别程序中：办理时限暂停计算",
    CaseStatus.APPROVED: "已办结：结果待领取或寄送",
    CaseStatus.REFUSED: "已办结：结果待领取或寄送",
    CaseStatus.ISSUED: "已出件：办理结果已送达",
    CaseStatus.NOT_ACCEPTED: "不予受理",
    CaseStatus.RETURNED: "已退件",
    CaseStatus.WITHDRAWN: "已撤回",
    CaseStatus.ARCHIVED: "已归档",
}
DELIVERY_LABELS = {DeliveryMethod.PICKUP: "窗口领取", DeliveryMethod.MAIL: "邮寄送达"}


def _township(code: str | None) -> Region:
    region = db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
    if region is None:
        raise InvalidInput(
            "事项所在地有误", errors={"matter_township": [f"没有编码为 {code} 的乡镇（街道）"]}
        )
    return region


def _register(client: ApiClient, payload: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    township = _township(payload["matter_township"])
    if not client_may_submit_for(client, township):
        raise PermissionDenied(f"本接入系统未获准为{township.name}提交申请")
    applicant = dict(payload["applicant"])
    if payload.get("contact"):
        applicant.setdefault("phone", payload["contact"])
    request = CaseRegistration(
        service_code=payload["service_code"],
        applicant=applicant,
        data=payload["data"],
        matter_township_code=township.code,
    )
    registration = register_online_case(
        OnlineSubmitter(client.id, client.name, payload.get("channel")), request
    )
    return 201, application_view(registration.case)


def submit_application(client: ApiClient, key: str, payload: Mapping[str, Any]) -> idempotency.StoredAnswer:
    """Submit an application once per ``Idempotency-Key``: the answer (201), or the stored one again."""
    return idempotency.run_once(client, key, payload, lambda: _register(client, payload))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _collection(case: Case) -> dict[str, Any] | None:
    """How the result is (or was) collected: at the accepting window, or by post."""
    if case.result_code is None:
        return None
    window = case.accepting_organisation.name
    if case.delivery_method is None:
        return {"method": None, "label": f"结果待出件：可到{window}领取，或申请邮寄", "window": window}
    return {
        "method": case.delivery_method.value,
        "label": DELIVERY_LABELS[case.delivery_method],
        "window": window,
        "tracking_number": case.delivery_tracking_number,
        "delivered_at": _iso(case.delivered_at),
    }


def application_view(case: Case) -> dict[str, Any]:
    """An application as its client reads it (JSON-ready: the answer is stored for replays)."""
    result = None
    if case.result_code is not None:
        result = {
            "code": case.result_code.value,
            "label": result_label(case.result_code, declared=case.result_label),
            "reason": case.result_reason,
            "at": _iso(case.result_at),
        }
    return {
        "number": case.number,
        "service_code": case.service_item.code,
        "service_name": case.service_item.name,
        "channel": case.channel,
        "status": {"code": case.status.value, "label": case_status_label(case.status, case.result_label)},
        "status_history": [
            {
                "status": {"code": entry["status"], "label": case_status_label(CaseStatus(entry["status"]))},
                "at": entry["at"],
            }
            for entry in case.status_history
        ],
        "current_step": APPLICANT_STEPS[case.status],
        "submitted_at": _iso(case.submitted_at),
        "due_date": case.due_date.isoformat() if case.due_date else None,
        "result": result,
        "collection": _collection(case),
    }


def own_case(client: ApiClient, number: str) -> Case:
    """The case ``number`` if ``client`` submitted it; 404 otherwise (another's is not told apart)."""
    case = db.session.execute(
        select(Case)
        .where(Case.number == number, Case.submitted_by_client_id == client.id)
        .options(joinedload(Case.service_item), joinedload(Case.accepting_organisation))
    ).scalar_one_or_none()
    if case is None:
        raise NotFound(f"没有编号为 {number} 的申请")
    return case


def readable_case(credential: ApiClientToken, number: str) -> Case:
    """The case ``number`` as the token's client may read it: its own, or, with ``applications:read-all``,
    another client's online application whose matter township lies in its regions; 404 otherwise."""
    client = credential.client
    if not holds_scope(credential, READ_ALL_APPLICATIONS):
        return own_case(client, number)
    case = db.session.execute(
        select(Case)
        .where(Case.number == number, Case.submitted_by_client_id.is_not(None))
        .options(
            joinedload(Case.service_item),
            joinedload(Case.accepting_organisation),
            joinedload(Case.matter_region),
        )
    ).scalar_one_or_none()
    if case is None or not (
        case.submitted_by_client_id == client.id or client_may_submit_for(client, case.matter_region)
    ):
        raise NotFound(f"没有编号为 {number} 的申请")
    return case


@dataclass(frozen=True)
class ApplicationPage:
    rows: list[dict[str, Any]]
    next_cursor: str | None


def _cursor(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise InvalidInput("cursor 有误", errors={"cursor": ["须为上一页 X-Next-Cursor 的值"]})
    return int(value)


def list_applications(client: ApiClient, since: datetime | None, cursor: str | None) -> ApplicationPage:
    """The client's own applications submitted at or after ``since``, oldest first, keyset-paged."""
    after = _cursor(cursor)
    query = (
        select(Case)
        .where(Case.submitted_by_client_id == client.id)
        .options(joinedload(Case.service_item), joinedload(Case.accepting_organisation))
        .order_by(Case.id)
        .limit(PAGE_SIZE + 1)
    )
    if since is not None:
        query = query.where(Case.submitted_at >= since)
    if after is not None:
        query = query.where(Case.id > after)
    cases = list(db.session.execute(query).scalars())
    more = len(cases) > PAGE_SIZE
    cases = cases[:PAGE_SIZE]
    return ApplicationPage([application_view(c) for c in cases], str(cases[-1].id) if more else None)


def withdraw_application(client: ApiClient, number: str, reason: str) -> dict[str, Any]:
    """The applicant withdraws through the portal: as at the window (open tasks cancelled, 撤回)."""
    case = own_case(client, number)
    withdrawal.withdraw_online(case, reason, client.name)
    return application_view(own_case(client, number))


def rate_application(client: ApiClient, number: str, rating: str, comment: str | None) -> dict[str, Any]:
    """The applicant's 好差评 (five grades) through the portal, once per case, after 办结."""
    case = own_case(client, number)
    evaluation = evaluations.evaluate_online(case, rating, comment)
    return {
        "rating": evaluation.rating.value,
        "label": evaluations.RATING_LABELS[evaluation.rating],
        "comment": evaluation.comment,
        "evaluated_at": _iso(evaluation.evaluated_at),
    }


def upload_material(
    client: ApiClient, number: str, material_name: str | None, upload: FileStorage | None
) -> Attachment:
    """A material's file for the client's own application, checked as at the window. The last of
    the materials a 补正 notice (of 预审 or 受理) asks for sends the case back to the window."""
    case = own_case(client, number)
    attachment = upload_online(case, material_name, upload, client.name)
    tasks.take_in_online_supplement(case.id, client.name)
    return attachment
