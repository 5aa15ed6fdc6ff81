"""The form fields the services read, named once, with the shape they read them in.

A BPMN task's form (forms/*.json) is the analyst's; most of its fields only feed the gateways. A
few the services read by name when a step completes (the step-effect table,
services.work.step_effects, says which effect reads which): the 补正 and 容缺 lists, the delivery at
出件, the reason of a result. Each is a :class:`FormField` here, and every service reads it
through that name. A :class:`FieldRead` says when the field must be on a form; deploy checks the
forms against them (services.process.step_forms), so a form that lacks one, or has it with
another type or with values the service does not know, is refused at deploy rather than at the
window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from workflow_service.models import DeliveryMethod


@dataclass(frozen=True)
class FormField:
    """One field a service reads from a task's form data."""

    name: str
    title: str  # what it holds, as deploy's message names it
    type: str  # the JSON Schema type the service reads: string, array, boolean
    items: str | None = None  # an array's item type
    values: tuple[str, ...] | None = None  # the values the service understands; a form's enum stays within
    default: str | None = None  # what a form without the field means (a choice of ``values``)

    def __str__(self) -> str:
        return self.name

    @property
    def error_key(self) -> str:
        """Where a refusal names the field: form data comes as the request's ``data``."""
        return f"data.{self.name}"

    def get(self, data: Mapping[str, Any]) -> Any:
        return data.get(self.name)

    def text(self, data: Mapping[str, Any]) -> str:
        """The field's text without surrounding space; empty when absent or not a string."""
        value = data.get(self.name)
        return value.strip() if isinstance(value, str) else ""

    def matches(self, name: str) -> bool:
        return name == self.name


@dataclass(frozen=True)
class FieldFamily:
    """Fields read by the end of their name: whichever of them a form has."""

    title: str
    type: str
    suffixes: tuple[str, ...]
    names: tuple[str, ...] = ()

    def __str__(self) -> str:
        return " / ".join([*self.names, *(f"*{suffix}" for suffix in self.suffixes)])

    def matches(self, name: str) -> bool:
        return name in self.names or name.endswith(self.suffixes)


class Need(Enum):
    """When a form must have a field an effect reads."""

    OPTIONAL = "optional"  # read when the form has it (its type is still checked)
    REQUIRED = "required"
    AFTER_ACCEPTANCE = "after_acceptance"  # required on a task the case can reach once accepted


@dataclass(frozen=True)
class FieldRead:
    """A field an effect reads, and when the form of a task the effect applies to must offer it."""

    field: FormField | FieldFamily
    need: Need = Need.OPTIONAL
    # Required when the form has this other field (容缺: the promise goes with the list).
    with_field: FormField | None = None
    # Required when the form offers this choice of that field (出件: the recipient with pickup).
    for_choice: tuple[FormField, str] | None = None


# 补正 ("一次性告知") and 容缺受理: in a 受理 form, and the 补正 pair in a review that may send back.
MISSING_MATERIALS = FormField("missing_materials", "需补正的材料", "array", items="string")
SUPPLEMENT_NOTE = FormField("supplement_note", "补正说明（退回补正的理由）", "string")
DEFERRED_MATERIALS = FormField("deferred_materials", "容缺材料", "array", items="string")
DEFERRED_UNTIL = FormField("deferred_until", "容缺材料补交期限", "string")
DEFERRAL_PROMISE = FormField("deferral_promise", "申请人已签署容缺受理承诺书", "boolean")
# The optional note of the window task that takes supplemented materials in.
SUPPLEMENT_RECEIPT_NOTE = FormField("supplement_receipt_note", "收取说明", "string")

# 出件: how the result reaches the applicant; a form without the method hands it over at the window.
PICKUP, MAIL = DeliveryMethod.PICKUP.value, DeliveryMethod.MAIL.value
DELIVERY_METHOD = FormField(
    "delivery_method", "送达方式", "string", values=tuple(m.value for m in DeliveryMethod), default=PICKUP
)
RECIPIENT_NAME = FormField("recipient_name", "领取人姓名", "string")
RECIPIENT_ID_NUMBER = FormField("recipient_id_number", "领取人居民身份证号码", "string")
TRACKING_NUMBER = FormField("tracking_number", "邮件运单号", "string")

# The reason of a result: ``result_reason``, else a field ending in ``_reason`` (refusal reasons
# first), else the opinions (``_opinion``, ``_note``) — services.closing.case_results.
RESULT_REASON = FormField("result_reason", "办结理由", "string")
REASON_SUFFIX = "_reason"
REFUSAL_REASON_SUFFIX = "refusal_reason"
OPINION_SUFFIXES = ("_opinion", "_note")
REASON_SOURCES = FieldFamily(
    "理由或意见", "string", suffixes=(REASON_SUFFIX, *OPINION_SUFFIXES), names=(RESULT_REASON.name,)
)
# What the applicant's documents quote of the window's and the back office's steps.
REFUSAL_REASON = FormField("refusal_reason", "不予受理理由", "string")
REVIEW_OPINION = FormField("review_opinion", "审核意见", "string")

# 差评整改: the rectification task's own form (services.closing.evaluations), not a deployed one.
RECTIFICATION_NOTE = FormField("rectification_note", "整改情况", "string")
APPLICANT_CONTACTED = FormField("applicant_contacted", "已回访申请人", "boolean")


# What each effect reads (services.work.step_effects), and when a form must have it.
MATERIAL_LISTS = (
    FieldRead(MISSING_MATERIALS),
    FieldRead(SUPPLEMENT_NOTE),
    FieldRead(DEFERRED_MATERIALS),
    FieldRead(DEFERRED_UNTIL),
    FieldRead(DEFERRAL_PROMISE),
)
SUPPLEMENT_REQUEST = (
    FieldRead(MISSING_MATERIALS, Need.REQUIRED),
    FieldRead(SUPPLEMENT_NOTE, Need.AFTER_ACCEPTANCE),
)
DEFERRAL = (
    FieldRead(DEFERRED_MATERIALS),
    FieldRead(DEFERRED_UNTIL),
    FieldRead(DEFERRAL_PROMISE, with_field=DEFERRED_MATERIALS),
)
DELIVERY = (
    FieldRead(DELIVERY_METHOD),
    FieldRead(RECIPIENT_NAME, for_choice=(DELIVERY_METHOD, PICKUP)),
    FieldRead(RECIPIENT_ID_NUMBER, for_choice=(DELIVERY_METHOD, PICKUP)),
    FieldRead(TRACKING_NUMBER, for_choice=(DELIVERY_METHOD, MAIL)),
)
OPTIONAL_REASON = (FieldRead(REASON_SOURCES),)
REQUIRED_REASON = (FieldRead(REASON_SOURCES, Need.REQUIRED),)

# Not a form field: the process variable intake sets at the start, true when the case goes through
# 预审 (the item's ``pre_review`` names its channel); the process's 预审 gateway reads it.
PRE_REVIEW_VARIABLE = "pre_review"
