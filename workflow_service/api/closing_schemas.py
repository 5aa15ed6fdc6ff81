"""Wire formats of closing a case: 退件 / 作废 reasons, fees, 好差评."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflow_service.api.input_fields import Text
from workflow_service.models import FeeStatus, Rating

_RATINGS = (
    "very_satisfied 非常满意 / satisfied 满意 / basically_satisfied 基本满意 / "
    "dissatisfied 不满意 / very_dissatisfied 非常不满意"
)


class CloseReasonSchema(Schema):
    # Not required here: the service answers 404 outside the caller's scope (and 403, 409) before
    # it reports a missing reason, so a body never tells an outsider anything about the case.
    reason = Text(load_default=None, max_length=500, metadata={"description": "理由（必填）"})


class PaymentSchema(Schema):
    # Checked in the service, after scope, role and state (see CloseReasonSchema).
    status = Text(
        max_length=16,
        load_default=None,
        validate=validate.OneOf([FeeStatus.PAID.value, FeeStatus.WAIVED.value]),
        metadata={"description": "paid 已缴费（须填 receipt_number）/ waived 减免（须填 reason）"},
    )
    receipt_number = Text(load_default=None, max_length=64, metadata={"description": "收据（票据）号码"})
    reason = Text(load_default=None, max_length=500, metadata={"description": "减免理由"})


class WindowEvaluationSchema(Schema):
    rating = Text(
        max_length=24,
        load_default=None,
        validate=validate.OneOf([rating.value for rating in Rating]),
        metadata={"description": _RATINGS},
    )
    comment = Text(
        load_default=None,
        allow_none=True,
        max_length=1000,
        metadata={"description": "评价内容；不满意、非常不满意须填写"},
    )


class PublicEvaluationSchema(Schema):
    number = Text(required=True, min_length=1, max_length=40, metadata={"description": "办件编号"})
    password = Text(
        required=True,
        load_only=True,
        min_length=1,
        max_length=32,
        metadata={"description": "查询密码"},
    )
    rating = Text(
        max_length=24,
        required=True,
        validate=validate.OneOf([rating.value for rating in Rating]),
        metadata={"description": _RATINGS},
    )
    comment = Text(
        load_default=None,
        allow_none=True,
        max_length=1000,
        metadata={"description": "评价内容；不满意、非常不满意须填写"},
    )


class EvaluationReceiptSchema(Schema):
    """What the applicant sees after evaluating: no staff names, whether a rectification was opened."""

    number = fields.String(attribute="case.number")
    rating = fields.Function(lambda e: e.rating.value)
    comment = fields.String(allow_none=True)
    evaluated_at = fields.DateTime()
    rectification_opened = fields.Function(
        lambda e: e.rectification_task_id is not None, metadata={"description": "已转办整改"}
    )
