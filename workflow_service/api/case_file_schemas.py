"""Wire formats of what a case hands out and takes in: attachments, printed notices, query passwords."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import FileStorage

from workflow_service.api.common_schemas import OrganisationRefSchema, UserRefSchema
from workflow_service.api.input_fields import Text


class UploadField(fields.Raw):
    """A file part of a multipart body (a plain form field of the same name is refused)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise ValidationError("请以文件形式上传（multipart/form-data 的文件部分）")
        return value


class AttachmentUploadSchema(Schema):
    """A multipart/form-data body: the material's name and the file."""

    # Not required here: the service answers 404 outside the caller's scope (and 403, 409) before
    # it reports missing fields, so a body never tells an outsider anything about the case.
    material_name = Text(
        load_default=None,
        min_length=1,
        max_length=128,
        metadata={"description": "所属申请材料的名称，如“经营场所使用证明”"},
    )
    file = UploadField(
        load_default=None,
        metadata={"type": "string", "format": "binary", "description": "PDF、JPEG、PNG 或 OFD 文件"},
    )


class AttachmentSchema(Schema):
    id = fields.Integer()
    material_name = fields.String()
    filename = fields.String(attribute="original_filename")
    content_type = fields.String(metadata={"description": "按文件内容识别的类型"})
    size = fields.Integer(metadata={"description": "字节数"})
    sha256 = fields.String()
    uploaded_at = fields.DateTime()
    uploaded_by = fields.Nested(UserRefSchema, allow_none=True)
    organisation = fields.Nested(OrganisationRefSchema)


class PrintedReceiptSchema(Schema):
    # Not required here, for the same reason as in AttachmentUploadSchema.
    query_password = Text(
        load_default=None,
        min_length=1,
        max_length=32,
        metadata={"description": "登记时返回的查询密码，核对无误后印在受理通知书上"},
    )


class QueryPasswordSchema(Schema):
    number = fields.String()
    query_password = fields.String(metadata={"description": "新的查询密码，仅此一次返回，原密码随即失效"})
