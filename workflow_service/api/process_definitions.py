"""The process library over the API: list, read and download versions; validate and deploy uploads.

An upload is the BPMN XML as the body (``application/xml``, with ``?comment=`` for a deploy), or
``multipart/form-data`` with the file in the part ``bpmn``, each form as a file part named by its
form key (``individual_business_registration/review.json``) and a ``comment`` field. Bodies beyond
``BPMN_MAX_BYTES`` are refused (413) before anything is parsed.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.process_definition_schemas import (
    DeployResultSchema,
    ProcessSummarySchema,
    ValidationReportSchema,
    VersionSchema,
)
from workflow_service.errors import InvalidInput, PayloadTooLarge
from workflow_service.request_guard import forbidden_character_message
from workflow_service.services.materials.file_names import content_disposition
from workflow_service.services.process.deployment import DeployResult
from workflow_service.services.process.library import (
    ProcessSummary,
    Upload,
    VersionView,
    deploy_upload,
    process_library,
    process_version,
    validate_upload,
)
from workflow_service.services.process.validation import ValidationReport

blp = Blueprint(
    "process_definitions",
    __name__,
    url_prefix="/api/v1/process-definitions",
    description="流程库：流程定义及其版本、校验与部署 / process definitions, validation, deployment",
)
blp.before_request(require_bearer_token)

COMMENT_MAX_LENGTH = 1000
UPLOAD_BODY = {
    "required": True,
    "content": {
        "application/xml": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["bpmn"],
                "properties": {
                    "bpmn": {"type": "string", "format": "binary", "description": "the BPMN file"},
                    "comment": {"type": "string", "maxLength": COMMENT_MAX_LENGTH},
                },
                "additionalProperties": {
                    "type": "string",
                    "format": "binary",
                    "description": "a form: the part's name is its form key",
                },
            }
        },
    },
}
UNREADABLE = (
    "Not a BPMN document the service reads: not UTF-8 or XML, or with a DTD (entities, external files)"
)


def _cap() -> int:
    """The most an upload may weigh: BPMN_MAX_BYTES, within the app's own body limit."""
    limit = int(current_app.config["BPMN_MAX_BYTES"])
    overall = current_app.config.get("MAX_CONTENT_LENGTH")
    return min(limit, int(overall)) if overall else limit


def _upload() -> tuple[Upload, str | None]:
    """The upload and the comment of this request; 413 beyond the cap, 422 without a BPMN file."""
    cap = _cap()
    if request.content_length is not None and request.content_length > cap:
        raise PayloadTooLarge(f"BPMN 上传不能超过 {cap // 1024} KB")
    request.max_content_length = cap
    if request.mimetype == "multipart/form-data":
        files = request.files
        if "bpmn" not in files:
            raise InvalidInput("缺少 BPMN 文件", errors={"bpmn": ["缺少 BPMN 文件"]})
        bpmn = files["bpmn"]
        forms = {
            name: upload.read().decode("utf-8", errors="replace")
            for name, upload in files.items(multi=True)
            if name != "bpmn"
        }
        # A form may come as a plain field too (a script's upload), named by its key like a file part.
        forms |= {
            name: text for name, text in request.form.items() if name.endswith(".json") and name not in forms
        }
        comment = request.form.get("comment")
        upload = Upload(bpmn.read(), bpmn.filename or "upload.bpmn", forms)
    else:
        body = request.get_data(cache=False)
        if not body.strip():
            raise InvalidInput("缺少 BPMN 文件", errors={"bpmn": ["请求体须为 BPMN XML"]})
        comment = request.args.get("comment")
        upload = Upload(body)
    if len(upload.bpmn) + sum(len(text) for text in upload.forms.values()) > cap:
        raise PayloadTooLarge(f"BPMN 上传不能超过 {cap // 1024} KB")
    if comment is not None:
        comment = comment.strip()
        problem = forbidden_character_message(comment) or (
            f"最多 {COMMENT_MAX_LENGTH} 个字符" if len(comment) > COMMENT_MAX_LENGTH else None
        )
        if problem:
            raise InvalidInput("部署说明有误", errors={"comment": [problem]})
    return upload, comment or None


@blp.route("")
class ProcessDefinitionsResource(MethodView):
    @blp.response(200, ProcessSummarySchema(many=True))
    def get(self) -> list[ProcessSummary]:
        """流程定义列表 / Process definitions

        每个流程定义及其版本：部署人、时间、说明、在办办件数（流程管理员、系统管理员、督办人员）。

        Every process definition with its versions: who deployed each, when, why, its running cases
        (analysts, admins and supervisors).
        """
        return process_library(current_user())

    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.alt_response(400, description=UNREADABLE)
    @blp.alt_response(
        422, description="The file fails validation: `errors` by element id, `validation_errors` in full"
    )
    @blp.response(201, DeployResultSchema)
    def post(self) -> DeployResult:
        """部署流程 / Deploy a process

        把 BPMN 文件及其表单部署为新版本（流程管理员、系统管理员）。先做与 /validate 相同的校验，有错误则
        什么也不保存；内容未变不产生新版本。

        Deploy a BPMN file with its forms as a new version (analysts and admins). The same validation as
        /validate runs first; with any error nothing is stored. Unchanged content is no new version.
        """
        upload, comment = _upload()
        return deploy_upload(current_user(), upload, comment)


@blp.route("/validate")
class ValidationResource(MethodView):
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.alt_response(400, description=UNREADABLE)
    @blp.response(200, ValidationReportSchema)
    def post(self) -> ValidationReport:
        """校验流程 / Validate a process

        校验 BPMN 文件及其表单（流程管理员、系统管理员）：每个错误指明其元素；什么也不保存。

        Validate a BPMN file with its forms (analysts and admins): every error names its element. Nothing
        is stored.
        """
        upload, _comment = _upload()
        return validate_upload(current_user(), upload)


@blp.route("/<string:key>/versions/<int:version>")
class VersionResource(MethodView):
    @blp.response(200, VersionSchema)
    def get(self, key: str, version: int) -> VersionView:
        """流程版本详情 / One process version

        一个版本及其表单。

        One version with its forms.
        """
        return process_version(current_user(), key, version)


def _download(content: Any, content_type: str, name: str, fallback: str) -> Response:
    response = Response(content, mimetype=content_type)
    response.headers["Content-Disposition"] = content_disposition("attachment", name, fallback)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@blp.route("/<string:key>/versions/<int:version>/bpmn")
class VersionBpmnResource(MethodView):
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="application/xml")
    def get(self, key: str, version: int) -> Response:
        """下载 BPMN / Download the BPMN

        下载该版本部署时的 BPMN 文件。

        Download the version's BPMN file, as deployed.
        """
        definition = process_version(current_user(), key, version).definition
        return _download(
            definition.bpmn_xml, "application/xml", f"{key}-v{version}.bpmn", f"process-v{version}"
        )


@blp.route("/<string:key>/versions/<int:version>/forms")
class VersionFormsResource(MethodView):
    @blp.response(200, {"type": "object", "additionalProperties": {"type": "object"}})
    def get(self, key: str, version: int) -> Response:
        """下载表单 / Download the forms

        以一个 JSON 文档下载该版本的表单：表单键 → JSON Schema。

        Download the version's forms as one JSON document: form key → JSON Schema.
        """
        definition = process_version(current_user(), key, version).definition
        body = current_app.json.dumps(definition.forms, ensure_ascii=False, indent=2)
        return _download(body, "application/json", f"{key}-v{version}-forms.json", f"forms-v{version}")
