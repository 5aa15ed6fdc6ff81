"""Cases: start one at the window, read one back."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.schemas import CaseCreatedSchema, CaseCreateSchema, CaseSchema
from workflow_service.models import Case
from workflow_service.services.cases import CaseView, start_case, view_case

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="办件")
blp.before_request(require_bearer_token)


@blp.route("")
class CasesResource(MethodView):
    @blp.arguments(CaseCreateSchema)
    @blp.response(201, CaseCreatedSchema)
    def post(self, payload: dict) -> Case:
        """Register an application at the caller's window; the process runs to its first task."""
        return start_case(
            current_user(),
            payload["service_code"],
            payload["applicant"],
            payload["data"],
            payload["matter_township"],
        )


@blp.route("/<string:number>")
class CaseResource(MethodView):
    @blp.response(200, CaseSchema)
    def get(self, number: str) -> CaseView:
        """A case with its status, current tasks and completed steps (404 outside the caller's scope)."""
        return view_case(current_user(), number)
