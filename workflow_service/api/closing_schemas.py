"""Wire formats of closing a case: 退件 / 作废 reasons, fees, 好差评, and the closing parts of the case answer
(result, delivery, fee, licence, evaluation)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflow_service.api.common_schemas import OrganisationRefSchema, UserRefSchema
from workflow_service.api.input_fields import Text
from workflow_service.api.task_schemas import TaskSummarySchema
from workflow_service.models import FeeStatus, Rating
from workflow_service.services.closing.evaluations import RATING_LABELS
from workflow_service.services.closing.issuance import DELIVERY_LABELS
from workflow_service.services.intake.fees import FEE_STATUS_LABELS

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


class CaseResultSchema(Schema):
    """办结: the result code as the supervision exchange tables name it (services.read.cases.ResultView)."""

    code = fields.String()
    label = fields.String(
        metadata={"description": "出证办结 / 准予 / 不予许可 / 不予受理 / 退件 / 作废 / 撤回"}
    )
    reason = fields.String(allow_none=True)
    at = fields.DateTime()
    organisation = fields.Nested(
        OrganisationRefSchema, allow_none=True, metadata={"description": "作出决定的机构"}
    )


class DeliverySchema(Schema):
    method = fields.Function(
        lambda case: case.delivery_method.value, metadata={"description": "pickup / mail"}
    )
    label = fields.Function(lambda case: DELIVERY_LABELS[case.delivery_method])
    recipient_name = fields.String(attribute="delivery_recipient_name", allow_none=True)
    recipient_id_number = fields.String(attribute="delivery_recipient_id_number", allow_none=True)
    tracking_number = fields.String(attribute="delivery_tracking_number", allow_none=True)
    at = fields.DateTime(attribute="delivered_at")


class FeeSchema(Schema):
    amount = fields.Decimal(as_string=True, metadata={"description": "收费金额（元）"})
    basis = fields.String(allow_none=True, metadata={"description": "收费依据"})
    status = fields.Function(
        lambda fee: {"code": fee.status.value, "label": FEE_STATUS_LABELS[fee.status]},
        metadata={"description": "unpaid 未缴费 / paid 已缴费 / waived 已减免"},
    )
    receipt_number = fields.String(allow_none=True)
    waiver_reason = fields.String(allow_none=True)
    settled_at = fields.DateTime(allow_none=True)
    settled_by = fields.Nested(UserRefSchema, allow_none=True)


class LicenceSchema(Schema):
    name = fields.String(metadata={"description": "证照名称"})
    number = fields.String(metadata={"description": "证照编号"})
    holder_name = fields.String()
    holder_id_number = fields.String()
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True, metadata={"description": "有效期至；长期有效为 null"})
    issuing_organisation = fields.Nested(OrganisationRefSchema, metadata={"description": "发证单位"})
    issued_at = fields.DateTime()


class EvaluationSchema(Schema):
    """好差评 as staff see it (services.read.cases.EvaluationView)."""

    rating = fields.Function(
        lambda view: {"code": view.evaluation.rating.value, "label": RATING_LABELS[view.evaluation.rating]}
    )
    comment = fields.String(attribute="evaluation.comment", allow_none=True)
    channel = fields.String(
        attribute="evaluation.channel",
        metadata={"description": "public 申请人凭查询密码 / window 窗口代评"},
    )
    entered_by = fields.Nested(UserRefSchema, attribute="evaluation.entered_by", allow_none=True)
    evaluated_at = fields.DateTime(attribute="evaluation.evaluated_at")
    rectification = fields.Nested(
        TaskSummarySchema, allow_none=True, metadata={"description": "不满意评价开启的整改任务"}
    )
