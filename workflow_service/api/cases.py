"""Cases: start one at the window, read one back, suspend, resume, extend (延期), withdraw it, take
容缺 materials in."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.case_file_schemas import QueryPasswordSchema
from workflow_service.api.case_schemas import (
    CaseCreatedSchema,
    CaseCreateSchema,
    CaseResumeSchema,
    CaseSchema,
    CaseSuspendSchema,
    CaseWithdrawSchema,
    DeferredMaterialReceiptSchema,
    ExtensionApprovalSchema,
    ExtensionRefusalSchema,
    ExtensionRequestSchema,
)
from workflow_service.api.input_fields import NoBodySchema
from workflow_service.api.staff_examples import CASE_CREATED_EXAMPLE, CASE_REQUEST_EXAMPLE
from workflow_service.database import reading_after_writes
from workflow_service.services.closing.withdrawal import withdraw_case
from workflow_service.services.intake.acceptance import receive_deferred_material
from workflow_service.services.intake.cases import CaseRegistration, register_case
from workflow_service.services.intake.query_passwords import IssuedQueryPassword, reissue_query_password
from workflow_service.services.read.cases import (
    CaseView,
    RegistrationView,
    open_case,
    view_case,
    view_registration,
)
from workflow_service.services.review.extensions import (
    approve_extension,
    refuse_extension,
    request_extension,
)
from workflow_service.services.review.suspensions import resume_case, suspend_case

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="办件 / cases")
blp.before_request(require_bearer_token)


@blp.route("")
class CasesResource(MethodView):
    @blp.alt_response(
        409,
        description="The applicant has an open case of the service (`existing_cases`): "
        "confirm with `confirm_duplicate.reason`",
    )
    @blp.arguments(CaseCreateSchema, example=CASE_REQUEST_EXAMPLE)
    @blp.response(201, CaseCreatedSchema, example=CASE_CREATED_EXAMPLE)
    def post(self, payload: dict) -> RegistrationView:
        """窗口登记办件 / Register a case at the window

        在调用者所在窗口登记申请；流程运行到第一个任务，应答中列出（next_tasks），无须再读待办。应答中的查
        询密码只出现这一次；申请人已有同一事项的未办结办件时 409，除非以 confirm_duplicate.reason 确认。

        Register an application at the caller's window; the process runs to its first task, which the
        answer names (``next_tasks``), so the client needs no inbox read to go on. The answer carries the
        case's query password (查询密码), the only time it is shown. When the applicant has an open case
        of the same item, 409 with their numbers (``existing_cases``) unless the request confirms with
        ``confirm_duplicate.reason``.
        """
        request = CaseRegistration(
            service_code=payload["service_code"],
            applicant=payload["applicant"],
            data=payload["data"],
            matter_township_code=payload["matter_township"],
            unified_case_code=payload["unified_case_code"],
            agent=payload["agent"],
            confirm_duplicate=payload["confirm_duplicate"],
        )
        registered = register_case(current_user(), request)
        with reading_after_writes():
            return view_registration(current_user(), registered)


@blp.route("/<string:number>")
class CaseResource(MethodView):
    @blp.response(200, CaseSchema)
    def get(self, number: str) -> CaseView:
        """办件详情 / A case

        办件的状态、当前任务和已完成环节；不在调用者范围内为 404。每次查询均留痕。

        A case with its status, current tasks and completed steps (404 outside the caller's scope). The
        read is audited (查询留痕).
        """
        return open_case(current_user(), number)


@blp.route("/<string:number>/query-password")
class QueryPasswordResource(MethodView):
    @blp.arguments(NoBodySchema)
    @blp.response(201, QueryPasswordSchema)
    def post(self, _body: dict, number: str) -> IssuedQueryPassword:
        """重设查询密码 / Reset the query password

        受理窗口为遗失查询密码的申请人重设密码（留痕），新密码只在此次应答中出现。

        The accepting window sets a new query password for an applicant who lost theirs (audited).
        """
        return reissue_query_password(current_user(), number)


@blp.route("/<string:number>/suspend")
class SuspendResource(MethodView):
    @blp.alt_response(409, description="The case cannot be suspended now, or it changed meanwhile")
    @blp.arguments(CaseSuspendSchema)
    @blp.response(200, CaseSchema)
    def post(self, payload: dict, number: str) -> CaseView:
        """启动特别程序 / Start a special procedure

        持有部门任务的审批人员启动特别程序（听证、检验检测、专家评审、现场核查、公示等）：办理时限停止计算，
        以特别程序告知书告知申请人。

        Start a special procedure (a hearing, tender or auction, inspection or testing, appraisal, expert
        review, site check, publicity or other) — approvers holding the department task; the clock stops
        and the applicant is told by the 特别程序告知书 (``…/documents/special-procedure.pdf``).
        """
        suspend_case(current_user(), number, payload["kind"], payload["reason"], payload["expected_days"])
        return view_case(current_user(), number)


@blp.route("/<string:number>/resume")
class ResumeResource(MethodView):
    @blp.alt_response(409, description="The case is not suspended, or it changed meanwhile")
    @blp.arguments(CaseResumeSchema, required=False)
    @blp.response(200, CaseSchema)
    def post(self, payload: dict, number: str) -> CaseView:
        """结束特别程序 / End the special procedure

        以结果及告知申请人的时间结束特别程序：办件回到审查，办理期限顺延暂停的天数。

        End the special procedure with its result and when the applicant was told: the case returns to
        review and its due dates move by the days paused.
        """
        resume_case(current_user(), number, payload.get("result"), payload.get("applicant_told_at"))
        return view_case(current_user(), number)


@blp.route("/<string:number>/extensions")
class ExtensionsResource(MethodView):
    @blp.alt_response(
        409, description="The case is not under review, already has a request waiting, or used its extension"
    )
    @blp.arguments(ExtensionRequestSchema)
    @blp.response(201, CaseSchema)
    def post(self, payload: dict, number: str) -> CaseView:
        """申请延期 / Ask for an extension

        持有审查任务的审批人员申请延期（理由、工作日数；缺省为法律尚允许的天数：单一机关 10 日，联合办理
        15 日），由机关负责人决定。

        The approver holding the review asks for a 延期 (reason, working days; default what the law still
        allows: 10 for a single organ, 15 for joint handling); the organ's head decides.
        """
        request_extension(current_user(), number, payload["reason"], payload["days"])
        return view_case(current_user(), number)


@blp.route("/<string:number>/extensions/<int:extension_id>/approve")
class ExtensionApprovalResource(MethodView):
    @blp.alt_response(409, description="The request was decided already, or the case has been decided")
    @blp.arguments(ExtensionApprovalSchema, required=False)
    @blp.response(200, CaseSchema)
    def post(self, payload: dict, number: str, extension_id: int) -> CaseView:
        """批准延期 / Approve the extension

        机关负责人批准延期：承诺与法定期限均顺延所批工作日，以延期告知书告知申请人。

        The organ's head (负责人) approves: both due dates move by the working days; the applicant is told
        by the 延期告知书 (``…/documents/extension.pdf``).
        """
        approve_extension(current_user(), number, extension_id, payload.get("note"))
        return view_case(current_user(), number)


@blp.route("/<string:number>/extensions/<int:extension_id>/refuse")
class ExtensionRefusalResource(MethodView):
    @blp.alt_response(409, description="The request was decided already")
    @blp.arguments(ExtensionRefusalSchema)
    @blp.response(200, CaseSchema)
    def post(self, payload: dict, number: str, extension_id: int) -> CaseView:
        """不批准延期 / Refuse the extension

        机关负责人不批准延期，须说明理由；期限不变。

        The organ's head refuses the 延期, with a reason; the due dates stay.
        """
        refuse_extension(current_user(), number, extension_id, payload["note"])
        return view_case(current_user(), number)


@blp.route("/<string:number>/withdraw")
class WithdrawResource(MethodView):
    @blp.alt_response(409, description="A decision was made or the case has ended, or it changed meanwhile")
    @blp.arguments(CaseWithdrawSchema)
    @blp.response(200, CaseSchema)
    def post(self, payload: dict, number: str) -> CaseView:
        """窗口登记撤回 / Record a withdrawal at the window

        受理窗口登记申请人撤回申请（作出决定之前），办件结束。

        The accepting window records the applicant's withdrawal (before a decision); the case ends.
        """
        withdraw_case(current_user(), number, payload["reason"])
        return view_case(current_user(), number)


@blp.route("/<string:number>/deferred-materials/<int:material_id>/received")
class DeferredMaterialReceivedResource(MethodView):
    @blp.alt_response(409, description="The material was received already, or the case has ended")
    @blp.arguments(DeferredMaterialReceiptSchema, required=False)
    @blp.response(200, CaseSchema)
    def post(self, payload: dict, number: str, material_id: int) -> CaseView:
        """收取容缺材料 / Receive a deferred material

        受理窗口收取一份容缺材料（留痕）；不再欠缺时，部门即可作出决定。

        The accepting window takes a 容缺 material in (audited); none owed, the department may decide.
        """
        receive_deferred_material(current_user(), number, material_id, payload.get("note"))
        return view_case(current_user(), number)
