"""Wire formats of the public case look-up."""

from __future__ import annotations

from marshmallow import Schema, fields

from workflow_service.api.common_schemas import StatusField
from workflow_service.api.input_fields import Text


class TrackRequestSchema(Schema):
    number = Text(required=True, min_length=1, max_length=40, metadata={"description": "办件编号"})
    password = Text(
        required=True,
        load_only=True,
        min_length=1,
        max_length=32,
        metadata={"description": "查询密码"},
    )


class TrackedStepSchema(Schema):
    status = StatusField()
    at = fields.DateTime()


class CollectionSchema(Schema):
    method = fields.String(
        allow_none=True, metadata={"description": "pickup（窗口领取）或 mail（邮寄送达），出件后给出"}
    )
    tracking_number = fields.String(allow_none=True)
    instructions = fields.String(metadata={"description": "领取结果的说明"})


class TrackedCaseSchema(Schema):
    number = fields.String()
    service_name = fields.String()
    applicant = fields.String(metadata={"description": "申请人（部分隐去）"})
    status = StatusField()
    status_history = fields.List(fields.Nested(TrackedStepSchema), attribute="history")
    due_date = fields.Date(allow_none=True)
    window = fields.String(metadata={"description": "受理窗口"})
    collection = fields.Nested(CollectionSchema)
