"""Online applications of portals and line systems: ``/api/v1/applications`` (client tokens, scopes
``applications:write`` and ``applications:read``)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.views import MethodView
from werkzeug.wrappers import Response as BaseResponse

from workflow_service.api.application_schemas import (
    APPLICATION_EXAMPLE,
    ApplicationCreateSchema,
    ApplicationListQuerySchema,
    ApplicationRatingAnswerSchema,
    ApplicationRatingSchema,
    ApplicationSchema,
    ApplicationWithdrawSchema,
)
from workflow_service.api.attachments import MultipartBlueprint
from workflow_service.api.case_file_schemas import AttachmentSchema, AttachmentUploadSchema
from workflow_service.api.client_authentication import (
    current_client,
    current_credential,
    require_client_scope,
)
from workflow_service.api.portal_examples import (
    APPLICATION_ISSUED_EXAMPLE,
    APPLICATION_STATUS_EXAMPLE,
    APPLICATION_WITHDRAWN_EXAMPLE,
    ATTACHMENT_EXAMPLE,
    RATING_EXAMPLE,
    UPLOAD_EXAMPLE,
)
from workflow_service.models import Attachment
from workflow_service.services.portal import applications, idempotency

blp = MultipartBlueprint(
    "applications",
    __name__,
    url_prefix="/api/v1/applications",
    description="网上申请（接入系统）/ online applications of portals and line systems",
)
WRITE = [{"clientCredentials": ["applications:write"]}]
READ = [{"clientCredentials": ["applications:read"]}]
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": True,
    "description": "幂等键：1–128 个可见 ASCII 字符；同一键同一内容重发得到原应答，"
    "内容不同 422；保留至少 24 小时 / "
    "1–128 visible ASCII characters: the same key and body replays the first answer, another body is 422",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": 128,
        "example": "7f3c9a2e-0d1b-4c55-9e1f-3b2a8d4c6e01",
    },
}
NEXT_CURSOR = {
    "X-Next-Cursor": {
        "description": "下一页的 cursor；最后一页没有 / the next page's cursor",
        "schema": {"type": "string"},
    }
}
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "true：这是首次请求的应答重放 / a replay of the first answer",
        "schema": {"type": "string"},
    }
}


@blp.route("")
class ApplicationsResource(MethodView):
    @blp.doc(security=WRITE, parameters=[IDEMPOTENCY_KEY])
    @require_client_scope("applications:write")
    @blp.alt_response(403, description="客户端未获准为该乡镇提交 / the client is not bound to the township")
    @blp.alt_response(
        409,
        description="同一幂等键的首次请求仍在处理（等待 10 秒后）/ the key's first request is still running",
    )
    @blp.arguments(ApplicationCreateSchema, example=APPLICATION_EXAMPLE)
    @blp.response(201, ApplicationSchema, headers=REPLAYED, example=APPLICATION_STATUS_EXAMPLE)
    def post(self, payload: dict) -> BaseResponse:
        """提交网上申请 / Submit an online application

        进入与窗口相同的受理流程（channel: portal），在事项所在乡镇（街道）便民服务中心窗口等待预审（通过
        即受理、需补正、不通过）。须带 Idempotency-Key：同一键同一内容重发得到首次应答（同一办件编号、同一
        状态码），同一键不同内容 422，首次请求尚在处理时等待并重放其应答。

        The case enters the same intake as at the window (``channel: portal``) and waits in the 预审
        (pre-review) of the matter's township window. With the same ``Idempotency-Key`` and body the first
        answer (same case number, same status code) is replayed; another body with the key is 422; a
        request while the first with the key runs waits for it and replays its answer.
        """
        key = idempotency.checked_key(request.headers.get(idempotency.HEADER))
        answer = applications.submit_application(current_client(), key, payload)
        response = jsonify(answer.body)
        response.status_code = answer.status_code
        if answer.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    @blp.doc(security=READ)
    @require_client_scope("applications:read")
    @blp.arguments(ApplicationListQuerySchema, location="query")
    @blp.response(
        200, ApplicationSchema(many=True), headers=NEXT_CURSOR, example=[APPLICATION_STATUS_EXAMPLE]
    )
    def get(self, query: dict) -> Any:
        """本系统提交的申请 / The client's own applications

        本接入系统提交的申请，按提交先后；since 起（含），键集分页：把响应头 X-Next-Cursor 作为 cursor 取
        下一页。

        The client's own applications, oldest first, submitted at or after ``since``; keyset-paged: pass
        the ``X-Next-Cursor`` response header as ``cursor`` for the next page.
        """
        page = applications.list_applications(current_client(), query["since"], query["cursor"])
        return page.rows, ({"X-Next-Cursor": page.next_cursor} if page.next_cursor else {})


@blp.route("/<string:number>")
class ApplicationResource(MethodView):
    @blp.doc(security=READ)
    @require_client_scope("applications:read")
    @blp.response(200, ApplicationSchema, example=APPLICATION_ISSUED_EXAMPLE)
    def get(self, number: str) -> dict[str, Any]:
        """申请的状态 / An application's status

        状态及其历史、当前环节（申请人的说法）、承诺办结日期、办理结果及领取方式；只有提交它的接入系统可查，
        或经管理员授予 applications:read-all 的接入系统查询其可申报区划内的网上申请，其他为 404。

        Status with its history, the current step in the applicant's words, the due date, the result and
        how to collect it; 404 to any client but the one that submitted it, or one an admin granted
        ``applications:read-all``, which reads the online applications of its regions.
        """
        return applications.application_view(applications.readable_case(current_credential(), number))


@blp.route("/<string:number>/attachments")
class ApplicationAttachmentsResource(MethodView):
    @blp.doc(security=WRITE)
    @require_client_scope("applications:write")
    @blp.alt_response(409, description="办件已归档 / the case is archived")
    @blp.arguments(AttachmentUploadSchema, location="form_and_files", example=UPLOAD_EXAMPLE)
    @blp.response(201, AttachmentSchema, example=ATTACHMENT_EXAMPLE)
    def post(self, form: dict, number: str) -> Attachment:
        """上传申请材料 / Upload a material's file

        一次一份材料（multipart：material_name、file），与窗口相同的检查：PDF、JPEG、PNG、OFD 按内容识别，
        超过大小限制 413。

        One material per request (multipart ``material_name``, ``file``), checked as at the window: PDF,
        JPEG, PNG or OFD detected from the content, 413 beyond the size limit.
        """
        return applications.upload_material(current_client(), number, form["material_name"], form["file"])


@blp.route("/<string:number>/withdraw")
class ApplicationWithdrawResource(MethodView):
    @blp.doc(security=WRITE)
    @require_client_scope("applications:write")
    @blp.alt_response(409, description="已作出决定或已结束，不能撤回 / decided or ended")
    @blp.arguments(ApplicationWithdrawSchema, example={"reason": "申请人不再需要办理"})
    @blp.response(200, ApplicationSchema, example=APPLICATION_WITHDRAWN_EXAMPLE)
    def post(self, payload: dict, number: str) -> dict[str, Any]:
        """撤回申请 / Withdraw the application

        申请人通过门户撤回申请（作出决定之前）：未办结任务取消，办件以撤回结束。

        The applicant withdraws through the portal (until a decision): open tasks are cancelled and the
        case ends 撤回 (withdrawn).
        """
        return applications.withdraw_application(current_client(), number, payload["reason"])


@blp.route("/<string:number>/rating")
class ApplicationRatingResource(MethodView):
    @blp.doc(security=WRITE)
    @require_client_scope("applications:write")
    @blp.alt_response(409, description="尚未办结，或已评价 / not decided yet, or already rated")
    @blp.arguments(ApplicationRatingSchema, example={"rating": "very_satisfied", "comment": "办理很快"})
    @blp.response(201, ApplicationRatingAnswerSchema, example=RATING_EXAMPLE)
    def post(self, payload: dict, number: str) -> dict[str, Any]:
        """好差评 / Rate the service

        办结后申请人通过门户评价一次（五级：非常满意、满意、基本满意、不满意、非常不满意）；不满意、非常不
        满意须写意见，再次 409。

        The applicant's 好差评 through the portal, once per case after 办结, in five grades; 不满意 and 非
        常不满意 need a comment; a second rating is 409.
        """
        return applications.rate_application(current_client(), number, payload["rating"], payload["comment"])
