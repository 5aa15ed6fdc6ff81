"""督办 notices: the supervisor's notice, its reply, and how the API shows them."""

from __future__ import annotations

from marshmallow import Schema, fields

from workflow_service.api.common_schemas import OrganisationRefSchema, UserRefSchema
from workflow_service.api.input_fields import Text


class SupervisionNoticeInputSchema(Schema):
    # Checked in the service, after scope and role: a body never tells an outsider about the case.
    reason = Text(load_default=None, max_length=1000, metadata={"description": "督办事由（必填）"})
    reply_due_on = fields.Date(
        load_default=None, metadata={"description": "回复期限（含当日）；默认今天起 2 个工作日"}
    )


class SupervisionReplyInputSchema(Schema):
    reply = Text(load_default=None, max_length=2000, metadata={"description": "书面回复（必填）"})


class SupervisionNoticeSchema(Schema):
    id = fields.Integer()
    case_number = fields.Function(lambda notice: notice.case.number)
    task_id = fields.String(metadata={"description": "收件单位待办中的督办事项（任务类型 supervision）"})
    organisation = fields.Nested(OrganisationRefSchema, metadata={"description": "被督办单位"})
    reason = fields.String()
    reply_due_on = fields.Date()
    issued_at = fields.DateTime()
    issued_by = fields.Nested(UserRefSchema)
    reply = fields.String(allow_none=True)
    replied_at = fields.DateTime(allow_none=True)
    replied_by = fields.Nested(UserRefSchema, allow_none=True)
    late_at = fields.DateTime(allow_none=True, metadata={"description": "逾期未回复的时刻（或逾期回复时）"})
    state = fields.String(
        metadata={"description": "open 待回复 / late 逾期未回复 / answered 已回复 / answered_late 逾期回复"},
    )
