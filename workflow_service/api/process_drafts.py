"""Process drafts over the API: an analyst's own copies of a process, saved, validated and deployed.

Drafts are per analyst (another's is 404) and never run a case. Every save sends the draft's
``version`` it was made from; a stale one is 409.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.process_definition_schemas import ValidationReportSchema
from workflow_service.api.process_draft_schemas import (
    DeployedVersionSchema,
    DraftBpmnSchema,
    DraftDeploySchema,
    DraftFormSchema,
    DraftSchema,
    DraftStartSchema,
    DraftSummarySchema,
    DraftVersionQuerySchema,
)
from workflow_service.models import ProcessDefinition, ProcessDraft
from workflow_service.services.process import drafts
from workflow_service.services.process.validation import ValidationReport

blp = Blueprint(
    "process_drafts",
    __name__,
    url_prefix="/api/v1/process-drafts",
    description="流程草稿：流程管理员各自的 BPMN 与表单草稿，校验与部署",
)
blp.before_request(require_bearer_token)

STALE = "The draft was saved since this version was read (another tab or a deploy): reload it"


@blp.route("")
class DraftsResource(MethodView):
    @blp.response(200, DraftSummarySchema(many=True))
    def get(self) -> list[ProcessDraft]:
        """The caller's drafts, the most recently saved first (analysts)."""
        return drafts.list_drafts(current_user())

    @blp.arguments(DraftStartSchema)
    @blp.response(201, DraftSchema)
    def post(self, body: dict[str, Any]) -> ProcessDraft:
        """Start a draft from a deployed version (the latest when none is named); an unknown key starts
        a new process from a small valid template."""
        return drafts.start_draft(current_user(), body["process_key"], body["from_version"])


@blp.route("/<int:draft_id>")
class DraftResource(MethodView):
    @blp.response(200, DraftSchema)
    def get(self, draft_id: int) -> ProcessDraft:
        """One of the caller's drafts with its BPMN and forms."""
        return drafts.draft_for(current_user(), draft_id)

    @blp.response(204)
    def delete(self, draft_id: int) -> None:
        """Discard the draft; deployed versions are untouched."""
        drafts.discard_draft(current_user(), draft_id)


@blp.route("/<int:draft_id>/bpmn")
class DraftBpmnResource(MethodView):
    @blp.arguments(DraftBpmnSchema)
    @blp.alt_response(400, description="Not XML the service reads: not UTF-8, or with a DTD")
    @blp.alt_response(409, description=STALE)
    @blp.response(200, DraftSchema)
    def put(self, body: dict[str, Any], draft_id: int) -> ProcessDraft:
        """Replace the draft's BPMN. It is not validated as a process here (POST …/validate does)."""
        return drafts.save_draft_bpmn(current_user(), draft_id, body["bpmn_xml"], body["version"])


@blp.route("/<int:draft_id>/forms/<path:name>")
class DraftFormResource(MethodView):
    @blp.arguments(DraftFormSchema)
    @blp.alt_response(409, description=STALE)
    @blp.response(200, DraftSchema)
    def put(self, body: dict[str, Any], draft_id: int, name: str) -> ProcessDraft:
        """Add or replace a form of the draft; it must be valid JSON Schema draft-07 (422)."""
        return drafts.save_draft_form(current_user(), draft_id, name, body["schema"], body["version"])

    @blp.arguments(DraftVersionQuerySchema, location="query")
    @blp.alt_response(409, description=STALE)
    @blp.response(200, DraftSchema)
    def delete(self, query: dict[str, Any], draft_id: int, name: str) -> ProcessDraft:
        """Remove a form from the draft."""
        return drafts.delete_draft_form(current_user(), draft_id, name, query["version"])


@blp.route("/<int:draft_id>/validate")
class DraftValidationResource(MethodView):
    @blp.response(200, ValidationReportSchema)
    def post(self, draft_id: int) -> ValidationReport:
        """The validation report of the draft as saved: every error names the element the modeler
        highlights. Stores nothing."""
        return drafts.validate_draft(current_user(), draft_id)


@blp.route("/<int:draft_id>/deploy")
class DraftDeployResource(MethodView):
    @blp.arguments(DraftDeploySchema)
    @blp.alt_response(
        409,
        description="Stale draft, a draft equal to the latest version, or a version deployed since the "
        "draft started (`latest_version`; send it back to deploy anyway)",
    )
    @blp.alt_response(
        422, description="The draft fails validation: `errors` by element id, `validation_errors` in full"
    )
    @blp.response(201, DeployedVersionSchema)
    def post(self, body: dict[str, Any], draft_id: int) -> ProcessDefinition:
        """Deploy the draft as the process's next version: new cases use it, running cases stay on
        theirs. A draft failing validation changes nothing."""
        return drafts.deploy_draft(current_user(), draft_id, body["comment"], body["latest_version"])
