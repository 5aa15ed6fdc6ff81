"""A case's materials as files: upload (multipart), list, download."""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma
from flask import Request
from flask.views import MethodView
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.wrappers import Response as BaseResponse

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.case_file_schemas import AttachmentSchema, AttachmentUploadSchema
from workflow_service.file_responses import file_response
from workflow_service.models import Attachment
from workflow_service.services.materials.attachments import (
    download_attachment,
    list_attachments,
    upload_attachment,
)


class _MultipartParser(FlaskParser):
    """Adds ``form_and_files``: one schema over a multipart body's fields and files together."""

    # webargs' documented way to add a location: class attributes over the base's (typed as instance ones).
    __location_map__: ClassVar[dict] = {  # type: ignore[misc]
        **FlaskParser.__location_map__,
        "form_and_files": "load_form_and_files",
    }
    DEFAULT_UNKNOWN_BY_LOCATION: ClassVar[dict] = {  # type: ignore[misc]
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "form_and_files": ma.EXCLUDE,
    }

    def load_form_and_files(self, req: Request, schema: ma.Schema) -> Any:
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class MultipartBlueprint(Blueprint):
    """A blueprint whose `form_and_files` arguments are one multipart body: the attachments, the
    portals' material uploads and line systems' photos share it."""

    # Documented as one multipart/form-data request body (separate form and files arguments would
    # each claim the whole body in OpenAPI 3).
    ARGUMENTS_PARSER = _MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING: ClassVar[dict] = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "form_and_files": "multipart/form-data",
    }


blp = MultipartBlueprint(
    "attachments", __name__, url_prefix="/api/v1/cases", description="办件材料（附件）/ a case's files"
)
blp.before_request(require_bearer_token)


@blp.route("/<string:number>/attachments")
class AttachmentsResource(MethodView):
    @blp.response(200, AttachmentSchema(many=True))
    def get(self, number: str) -> list[Attachment]:
        """办件材料文件 / A case's files

        办件已提交的文件，先交的在前；不在调用者范围内为 404。

        The files handed in for the case, oldest first (404 outside the caller's scope).
        """
        return list_attachments(current_user(), number)

    @blp.alt_response(409, description="The case is archived")
    @blp.arguments(AttachmentUploadSchema, location="form_and_files")
    @blp.response(201, AttachmentSchema)
    def post(self, form: dict, number: str) -> Attachment:
        """上传材料文件 / Upload a material's file

        为一份材料上传文件：PDF、JPEG、PNG 或 OFD，按内容识别。受理窗口和正在办理该办件的机构可上传；超过
        大小限制 413，文件名含路径或类型不符 422。

        Upload a file for one material: PDF, JPEG, PNG or OFD, detected from the content. The accepting
        window's clerks and the organisation working an open task of the case may upload. 413 beyond the
        size limit; 422 for a file name with a path or another type.
        """
        return upload_attachment(current_user(), number, form["material_name"], form["file"])


@blp.route("/<string:number>/attachments/<int:attachment_id>")
class AttachmentResource(MethodView):
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream")
    def get(self, number: str, attachment_id: int) -> BaseResponse:
        """下载材料文件 / Download a file

        按上传原样下载文件，类型为识别所得，总是作为附件，以该类型的扩展名命名。

        Download the file as it was uploaded, with its detected type, always as an attachment, named with
        that type's extension (a PDF that is also HTML saves as ``.pdf``).
        """
        download = download_attachment(current_user(), number, attachment_id)
        item = download.attachment
        return file_response(
            download.content,
            item.content_type,
            item.original_filename,
            f"attachment-{item.id}",
            etag=item.sha256,
        )
