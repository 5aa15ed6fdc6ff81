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
    description="流程草稿：流程管理员各自的 BPMN 与表单草稿，校验与部署 / "
    "process drafts: each analyst's own BPMN and forms, validated and deployed",
)
blp.before_request(require_bearer_token)

STALE = "The draft was saved since this version was read (another tab or a deploy): reload it"


@blp.route("")
class DraftsResource(MethodView):
    @blp.response(200, DraftSummarySchema(many=True))
    def get(self) -> list[ProcessDraft]:
        """我的流程草稿 / My process drafts

        当前用户的流程草稿，最近保存的在前（流程管理员）。

        The caller's drafts, the most recently saved first (analysts).
        """
        return drafts.list_drafts(current_user())

    @blp.arguments(DraftStartSchema)
    @blp.alt_response(404, description="The process has no such version (`from_version`)")
    @blp.response(201, DraftSchema)
    def post(self, body: dict[str, Any]) -> ProcessDraft:
        """新建流程草稿 / Start a process draft

        从已部署的版本新建草稿（未指定版本时取最新版本；指定的版本不存在为 404）；流程标识尚无部署时，
        从一个可通过校验的小模板开始新流程（流程管理员）。

        Start a draft from a deployed version (the latest when none is named; a named version that does
        not exist is 404); an unknown key starts a new process from a small valid template (analysts).
        """
        return drafts.start_draft(current_user(), body["process_key"], body["from_version"])


@blp.route("/<int:draft_id>")
class DraftResource(MethodView):
    @blp.response(200, DraftSchema)
    def get(self, draft_id: int) -> ProcessDraft:
        """流程草稿详情 / One process draft

        当前用户的一份草稿及其 BPMN 与表单；他人的草稿为 404。

        One of the caller's drafts with its BPMN and forms; another analyst's draft is 404.
        """
        return drafts.draft_for(current_user(), draft_id)

    @blp.response(204)
    def delete(self, draft_id: int) -> None:
        """删除流程草稿 / Discard a process draft

        删除该草稿；已部署的版本不受影响。

        Discard the draft; deployed versions are untouched.
        """
        drafts.discard_draft(current_user(), draft_id)


@blp.route("/<int:draft_id>/bpmn")
class DraftBpmnResource(MethodView):
    @blp.arguments(DraftBpmnSchema)
    @blp.alt_response(400, description="Not XML the service reads: not UTF-8, or with a DTD")
    @blp.alt_response(409, description=STALE)
    @blp.response(200, DraftSchema)
    def put(self, body: dict[str, Any], draft_id: int) -> ProcessDraft:
        """保存草稿 BPMN / Save the draft's BPMN

        替换草稿的 BPMN，须带上读取时草稿的 version（已过时为 409）。此处不按流程校验（由 POST …/validate
        校验）。

        Replace the draft's BPMN, sending the draft's `version` it was read at (a stale one is 409). It is
        not validated as a process here (POST …/validate does).
        """
        return drafts.save_draft_bpmn(current_user(), draft_id, body["bpmn_xml"], body["version"])


@blp.route("/<int:draft_id>/forms/<path:name>")
class DraftFormResource(MethodView):
    @blp.arguments(DraftFormSchema)
    @blp.alt_response(409, description=STALE)
    @blp.response(200, DraftSchema)
    def put(self, body: dict[str, Any], draft_id: int, name: str) -> ProcessDraft:
        """保存草稿表单 / Save a form of the draft

        新增或替换草稿中的一个表单，须为有效的 JSON Schema draft-07（否则 422）；version 已过时为 409。

        Add or replace a form of the draft; it must be valid JSON Schema draft-07 (422), and a stale
        `version` is 409.
        """
        return drafts.save_draft_form(current_user(), draft_id, name, body["schema"], body["version"])

    @blp.arguments(DraftVersionQuerySchema, location="query")
    @blp.alt_response(409, description=STALE)
    @blp.response(200, DraftSchema)
    def delete(self, query: dict[str, Any], draft_id: int, name: str) -> ProcessDraft:
        """删除草稿表单 / Remove a form of the draft

        从草稿中删除一个表单（草稿中没有该表单为 404）；version 已过时为 409。

        Remove a form from the draft (a form the draft does not have is 404); a stale `version` is 409.
        """
        return drafts.delete_draft_form(current_user(), draft_id, name, query["version"])


@blp.route("/<int:draft_id>/validate")
class DraftValidationResource(MethodView):
    @blp.response(200, ValidationReportSchema)
    def post(self, draft_id: int) -> ValidationReport:
        """校验流程草稿 / Validate a process draft

        按已保存的草稿出具校验报告：每个错误指明建模器中高亮的元素；什么也不保存。

        The validation report of the draft as saved: every error names the element the modeler
        highlights. Stores nothing.
        """
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
        """部署流程草稿 / Deploy a process draft

        把草稿部署为该流程的下一个版本：新办件使用新版本，在办办件留在原版本。未通过校验的草稿什么也不
        改变（422）；草稿已过时、与最新版本相同，或草稿开始后已部署新版本为 409。

        Deploy the draft as the process's next version: new cases use it, running cases stay on theirs.
        A draft failing validation changes nothing (422); a stale draft, one equal to the latest version,
        or a version deployed since the draft started is 409.
        """
        return drafts.deploy_draft(current_user(), draft_id, body["comment"], body["latest_version"])
