"""Cases: start one at the window, read one back, suspend, resume, withdraw it, take 容缺 materials in."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.case_file_schemas import QueryPasswordSchema
from workflow_service.api.case_schemas import (
    CaseCreatedSchema,
    CaseCreateSchema,
    CaseSchema,
    CaseSuspendSchema,
    CaseWithdrawSchema,
    DeferredMaterialReceiptSchema,
)
from workflow_service.api.input_fields import NoBodySchema
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
from workflow_service.services.review.suspensions import resume_case, suspend_case

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="办件")
blp.before_request(require_bearer_token)


@blp.route("")
class CasesResource(MethodView):
    @blp.alt_response(
        409,
        description="The applicant has an open case of the service (`existing_cases`): "
        "confirm with `confirm_duplicate.reason`",
    )
    @blp.arguments(CaseCreateSchema)
    @blp.response(201, CaseCreatedSchema)
    def post(self, payload: dict) -> RegistrationView:
        """Register an application at the caller's window; the process runs to its first task,
        which the answer names (``next_tasks``), so the client needs no inbox read to go on.

        The answer carries the case's query password (查询密码), the only time it is shown. When the
        applicant has an open case of the same item, 409 with their numbers (``existing_cases``)
        unless the request confirms with ``confirm_duplicate.reason``.
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
        return view_registration(current_user(), register_case(current_user(), request))


@blp.route("/<string:number>")
class CaseResource(MethodView):
    @blp.response(200, CaseSchema)
    def get(self, number: str) -> CaseView:
        """A case with its status, current tasks and completed steps (404 outside the caller's scope).
        The read is audited (查询留痕)."""
        return open_case(current_user(), number)


@blp.route("/<string:number>/query-password")
class QueryPasswordResource(MethodView):
    @blp.arguments(NoBodySchema)
    @blp.response(201, QueryPasswordSchema)
    def post(self, _body: dict, number: str) -> IssuedQueryPassword:
        """The accepting window sets a new query password for an applicant who lost theirs (audited)."""
        return reissue_query_password(current_user(), number)


@blp.route("/<string:number>/suspend")
class SuspendResource(MethodView):
    @blp.alt_response(409, description="The case cannot be suspended now, or it changed meanwhile")
    @blp.arguments(CaseSuspendSchema)
    @blp.response(200, CaseSchema)
    def post(self, payload: dict, number: str) -> CaseView:
        """Suspend for 现场核查, 公示 or 专家评审 (approvers holding the department task); clock stops."""
        suspend_case(current_user(), number, payload["kind"], payload["reason"], payload["expected_days"])
        return view_case(current_user(), number)


@blp.route("/<string:number>/resume")
class ResumeResource(MethodView):
    @blp.alt_response(409, description="The case is not suspended, or it changed meanwhile")
    @blp.response(200, CaseSchema)
    def post(self, number: str) -> CaseView:
        """End the suspension: the case returns to review and its due date moves by the days paused."""
        resume_case(current_user(), number)
        return view_case(current_user(), number)


@blp.route("/<string:number>/withdraw")
class WithdrawResource(MethodView):
    @blp.alt_response(409, description="A decision was made or the case has ended, or it changed meanwhile")
    @blp.arguments(CaseWithdrawSchema)
    @blp.response(200, CaseSchema)
    def post(self, payload: dict, number: str) -> CaseView:
        """The accepting window records the applicant's withdrawal (before a decision); the case ends."""
        withdraw_case(current_user(), number, payload["reason"])
        return view_case(current_user(), number)


@blp.route("/<string:number>/deferred-materials/<int:material_id>/received")
class DeferredMaterialReceivedResource(MethodView):
    @blp.alt_response(409, description="The material was received already, or the case has ended")
    @blp.arguments(DeferredMaterialReceiptSchema, required=False)
    @blp.response(200, CaseSchema)
    def post(self, payload: dict, number: str, material_id: int) -> CaseView:
        """The accepting window takes a 容缺 material in (audited); none owed, the department may decide."""
        receive_deferred_material(current_user(), number, material_id, payload.get("note"))
        return view_case(current_user(), number)
