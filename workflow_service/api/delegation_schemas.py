"""Marshmallow schemas of delegations (委托办理), in and out."""

from __future__ import annotations

from marshmallow import Schema, fields

from workflow_service.api.common_schemas import UserRefSchema
from workflow_service.api.input_fields import Text
from workflow_service.models import Delegation
from workflow_service.services.clock import BUSINESS_TIMEZONE
from workflow_service.services.directory.delegations import status_label, status_of

_NAIVE_TIMES = "不带时区的时间按北京时间（Asia/Shanghai）理解"


class DelegationCreateSchema(Schema):
    delegate = Text(
        required=True,
        min_length=1,
        max_length=64,
        metadata={"description": "受托人用户名：本机构、具有相同岗位的在岗人员"},
    )
    starts_at = fields.AwareDateTime(
        required=True,
        default_timezone=BUSINESS_TIMEZONE,
        metadata={"description": f"开始时间；{_NAIVE_TIMES}"},
    )
    ends_at = fields.AwareDateTime(
        required=True,
        default_timezone=BUSINESS_TIMEZONE,
        metadata={"description": f"结束时间（不含），晚于开始时间，最长 90 天；{_NAIVE_TIMES}"},
    )
    reason = Text(
        required=True,
        min_length=1,
        max_length=255,
        metadata={"description": "事由，如休假、培训"},
    )


class DelegationSchema(Schema):
    id = fields.Integer()
    delegator = fields.Nested(UserRefSchema)
    delegate = fields.Nested(UserRefSchema)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    reason = fields.String()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    end_reason = fields.String(
        allow_none=True,
        metadata={"description": "系统终止委托的原因（账户停用、调离原机构）；委托人或管理员撤销时为空"},
    )
    status = fields.Method(
        "_status",
        metadata={
            "description": "scheduled 未开始 / active 生效中 / ended 已到期 / revoked 已撤销"
            "（系统终止的为 已终止（原因））"
        },
    )

    def _status(self, delegation: Delegation) -> dict:
        status = status_of(delegation)
        return {"code": status.value, "label": status_label(delegation)}
