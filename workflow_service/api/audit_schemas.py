"""The audit trail's search filters and rows, and the chain check's answer."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflow_service.api.input_fields import Int, Text
from workflow_service.services.clock import BUSINESS_TIMEZONE

HEAD_PATTERN = r"^\d+:[0-9a-fA-F]{64}$"
_NAIVE_TIMES = "不带时区的时间按北京时间（Asia/Shanghai）理解"


class AuditQuerySchema(Schema):
    """An unknown query parameter is a 422, as elsewhere."""

    case = Text(load_default=None, max_length=64, metadata={"description": "办件编号"})
    actor = Text(load_default=None, max_length=64, metadata={"description": "操作人用户名"})
    organisation = Text(load_default=None, max_length=32, metadata={"description": "操作人所在机构编码"})
    action = Text(
        load_default=None,
        max_length=64,
        metadata={"description": "操作，如 task.completed；以 .* 结尾为前缀，如 task.*"},
    )
    since = fields.AwareDateTime(
        load_default=None,
        default_timezone=BUSINESS_TIMEZONE,
        metadata={"description": f"起（含）；{_NAIVE_TIMES}"},
    )
    until = fields.AwareDateTime(
        load_default=None,
        default_timezone=BUSINESS_TIMEZONE,
        metadata={"description": f"止（不含）；{_NAIVE_TIMES}"},
    )


class AuditPageQuerySchema(AuditQuerySchema):
    limit = Int(load_default=50, minimum=1, maximum=200)
    cursor = Text(
        load_default=None,
        max_length=20,
        metadata={"description": "上一页响应头 X-Next-Cursor 的值：从该位置继续（键集分页）"},
    )


class AuditRowSchema(Schema):
    id = fields.Integer(attribute="event.id")
    at = fields.DateTime(attribute="event.at")
    actor = fields.String(attribute="event.actor_username", allow_none=True)
    organisation = fields.String(attribute="organisation_code", allow_none=True)
    organisation_name = fields.String(allow_none=True)
    action = fields.String(attribute="event.action")
    case = fields.String(attribute="case_number", allow_none=True)
    task_id = fields.String(attribute="event.task_id", allow_none=True)
    summary = fields.Dict(attribute="event.summary")
    prev_hash = fields.String(attribute="event.prev_hash")
    hash = fields.String(attribute="event.hash")


class VerifyQuerySchema(Schema):
    expect_head = Text(
        load_default=None,
        max_length=90,
        validate=validate.Regexp(HEAD_PATTERN, error="ID:HASH：记下的行号和 64 位十六进制哈希"),
        metadata={"description": "此前记下的链头 ID:HASH（worker 日志 audit-head 行），须仍在链中"},
    )


class BrokenLinkSchema(Schema):
    kind = fields.String(metadata={"description": "edited / inserted / deleted / truncated"})
    row_id = fields.Integer(allow_none=True)
    after_id = fields.Integer(allow_none=True)
    detail = fields.String()


class ChainReportSchema(Schema):
    intact = fields.Boolean()
    rows = fields.Integer()
    last_id = fields.Integer(allow_none=True)
    last_hash = fields.String()
    broken = fields.Nested(BrokenLinkSchema, allow_none=True)
