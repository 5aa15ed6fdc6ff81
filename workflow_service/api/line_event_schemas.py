"""Wire formats of events from line systems (``/api/v1/events``): the report, the answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflow_service.api.case_file_schemas import UploadField
from workflow_service.api.input_fields import Text
from workflow_service.services.intake.applicants import REPORTER_CHANNELS
from workflow_service.services.portal.events import EVENT_TYPES

CHANNELS = list(REPORTER_CHANNELS)
TYPES = list(EVENT_TYPES)
TYPE_WORDS = "、".join(f"{code} {label}" for code, label in EVENT_TYPES.items())
MAX_PHOTOS = 5


class PlaceSchema(Schema):
    region_code = Text(
        required=True,
        max_length=12,
        metadata={"description": "事发乡镇（街道）的区划代码，须在本接入系统获授权的区划内 / township code"},
    )
    address = Text(
        required=True, min_length=4, max_length=200, metadata={"description": "事发地点 / where, in words"}
    )


class ReporterSchema(Schema):
    channel = Text(
        required=True,
        max_length=24,
        validate=validate.OneOf(CHANNELS),
        metadata={"enum": CHANNELS, "description": "反映渠道：网格员、12345 热线、群众来访、匿名反映"},
    )
    name = Text(max_length=128, metadata={"description": "反映人姓名（匿名时不填；网格员必填）"})
    phone = Text(max_length=20, metadata={"description": "联系电话（可不填）"})


class PhotoSchema(Schema):
    file_name = Text(required=True, min_length=1, max_length=255)
    content_base64 = Text(
        required=True,
        min_length=1,
        max_length=28_000_000,
        metadata={"description": "JPEG 或 PNG 照片的 Base64 内容"},
    )


class EventReportSchema(Schema):
    type = Text(
        required=True,
        max_length=32,
        validate=validate.OneOf(TYPES),
        metadata={
            "enum": TYPES,
            "description": "事件类别 / kind: " + "、".join(f"{k} {v}" for k, v in EVENT_TYPES.items()),
        },
    )
    place = fields.Nested(PlaceSchema, required=True)
    description = Text(required=True, min_length=4, max_length=2000, metadata={"description": "事件描述"})
    reporter = fields.Nested(ReporterSchema, required=True)
    ticket_number = Text(
        max_length=32,
        validate=validate.Regexp(r"^[0-9A-Za-z-]{6,32}$"),
        metadata={"description": "条线系统的工单号（12345 热线必填）"},
    )
    grid_name = Text(min_length=2, max_length=60, metadata={"description": "上报网格（网格员必填）"})
    photos = fields.List(
        fields.Nested(PhotoSchema),
        validate=validate.Length(max=MAX_PHOTOS),
        metadata={"description": f"现场照片，至多 {MAX_PHOTOS} 张；也可事后以 multipart 补充"},
    )


class StatusSchema(Schema):
    code = fields.String()
    label = fields.String()


class SubmittedEventSchema(Schema):
    number = fields.String(metadata={"description": "办件编号，查询进度用"})
    status = fields.Nested(StatusSchema)
    submitted_at = fields.String(metadata={"format": "date-time"})
    command_room = fields.String(metadata={"description": "登记事件的综合信息指挥室"})


class StatusEntrySchema(Schema):
    status = fields.Nested(StatusSchema)
    at = fields.DateTime()


class EventResultSchema(Schema):
    code = fields.String(metadata={"description": "监管结果代码，如 disposed"})
    label = fields.String(metadata={"description": "如 已处置、退件"})
    reason = fields.String(allow_none=True)
    at = fields.DateTime(allow_none=True)


class EventStatusSchema(Schema):
    number = fields.String()
    status = fields.Nested(StatusSchema, metadata={"description": "当前状态"})
    current_step = fields.String(metadata={"description": "办到哪一步（反映人的说法）"})
    submitted_at = fields.DateTime()
    due_date = fields.Date(allow_none=True)
    township = fields.String()
    command_room = fields.String()
    history = fields.List(fields.Nested(StatusEntrySchema), metadata={"description": "状态变更及时间"})
    result = fields.Nested(EventResultSchema, allow_none=True)
    photos = fields.Integer(metadata={"description": "已收到的现场照片张数"})


class PhotoUploadSchema(Schema):
    # Not required here: another client's number is 404 before a missing file is reported.
    file = UploadField(
        load_default=None, metadata={"type": "string", "format": "binary", "description": "JPEG 或 PNG 照片"}
    )


class StoredPhotoSchema(Schema):
    id = fields.Integer()
    filename = fields.String(attribute="original_filename")
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()
