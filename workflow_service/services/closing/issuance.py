"""出件: record how the result reached the applicant, checking at pickup who collects it.

The task whose completion reaches 已出件 (``issued``) gives the delivery in its form data:
``delivery_method`` ``pickup`` with ``recipient_name`` and ``recipient_id_number``, or ``mail`` with
``tracking_number``; a form with a recipient and no method (an instant item handed over at the
window) is a pickup. At pickup the recipient's resident ID must pass its checksum and be the
applicant's own (a person) or that of the agent recorded on the case (帮办代办); anyone else is 422.
The field names are those of services.process.form_fields; deploy checks the forms of such tasks for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow_service.errors import InvalidInput
from workflow_service.models import ApplicantKind, Case, DeliveryMethod
from workflow_service.services import audit
from workflow_service.services.clock import business_day, now
from workflow_service.services.directory.identity_numbers import check_resident_id
from workflow_service.services.process.form_fields import (
    DELIVERY_METHOD,
    RECIPIENT_ID_NUMBER,
    RECIPIENT_NAME,
    TRACKING_NUMBER,
)
from workflow_service.services.process.step_effects import CompletedStep

DELIVERY_LABELS = {DeliveryMethod.PICKUP: "窗口领取", DeliveryMethod.MAIL: "邮寄送达"}


class InvalidDelivery(InvalidInput):
    title = "出件信息有误"
    type_slug = "invalid-delivery"


def _entitled_ids(case: Case) -> set[str]:
    """Who may collect the result: the applicant in person, and the agent recorded on the case."""
    entitled = {case.agent_id_number} if case.agent_id_number else set()
    if case.applicant_kind == ApplicantKind.PERSON:
        entitled.add(case.applicant_id_number)
    return entitled


def _not_entitled_message(case: Case) -> str:
    if case.applicant_kind == ApplicantKind.PERSON:
        who = "申请人本人或办件登记的代理人"
    else:
        who = "办件登记的代理人（法人申请）"
    return f"领取人不是{who}，不能领取。请核对领取人身份证件；他人代领的，须在办件中登记为代理人（帮办代办）"


def _checked_pickup(case: Case, data: Mapping[str, Any], errors: dict[str, list[str]]) -> tuple[str, str]:
    name = RECIPIENT_NAME.text(data)
    if not name:
        errors[RECIPIENT_NAME.error_key] = ["窗口领取须填写领取人姓名"]
    number = check_resident_id(RECIPIENT_ID_NUMBER.text(data), business_day())
    id_number = number.number
    if number.errors:
        errors[RECIPIENT_ID_NUMBER.error_key] = number.errors
    else:
        if id_number not in _entitled_ids(case):
            errors[RECIPIENT_ID_NUMBER.error_key] = [_not_entitled_message(case)]
    return name, id_number


def record_delivery(step: CompletedStep) -> None:
    """Check and record the delivery given with the step that reaches 已出件 (422 naming the fields)."""
    case, data = step.case, step.data
    errors: dict[str, list[str]] = {}
    raw_method = DELIVERY_METHOD.text(data) or (
        DeliveryMethod.PICKUP.value if RECIPIENT_ID_NUMBER.text(data) else ""
    )
    try:
        method = DeliveryMethod(raw_method)
    except ValueError:
        raise InvalidDelivery(
            "出件须登记送达方式",
            errors={DELIVERY_METHOD.error_key: ["须为 pickup（窗口领取）或 mail（邮寄送达）"]},
        ) from None
    name = id_number = tracking = None
    if method == DeliveryMethod.PICKUP:
        name, id_number = _checked_pickup(case, data, errors)
    else:
        tracking = TRACKING_NUMBER.text(data)
        if not tracking:
            errors[TRACKING_NUMBER.error_key] = ["邮寄送达须填写邮件运单号"]
    if errors:
        raise InvalidDelivery(next(iter(errors.values()))[0], errors=errors)
    case.delivery_method = method
    case.delivery_recipient_name = name
    case.delivery_recipient_id_number = id_number
    case.delivery_tracking_number = tracking or None
    case.delivered_at = now()
    audit.record(
        "case.delivered",
        step.actor,
        case=case,
        summary={"method": method.value, "recipient": name, "tracking_number": tracking or None},
    )
