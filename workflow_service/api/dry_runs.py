"""Dry runs over the API: walk a deployed version, or one of the caller's drafts, through the engine
and the router for a township with sample data, writing nothing (analysts only)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.dry_run_schemas import DryRunBodySchema, DryRunReportSchema
from workflow_service.services.process.dry_run import (
    DryRunReport,
    DryRunRequest,
    dry_run_draft,
    dry_run_version,
)

blp = Blueprint(
    "process_dry_runs",
    __name__,
    url_prefix="/api/v1",
    description="试运行：按样例数据和乡镇走一遍流程，不产生办件 / "
    "dry runs: a process walked for a township with sample data, writing no case",
)
blp.before_request(require_bearer_token)


@blp.route("/process-definitions/<string:key>/versions/<int:version>/dry-run")
class VersionDryRunResource(MethodView):
    @blp.arguments(DryRunBodySchema, as_kwargs=False)
    @blp.response(200, DryRunReportSchema)
    def post(self, request: DryRunRequest, key: str, version: int) -> DryRunReport:
        """试运行流程版本 / Dry run a process version

        按样例数据为一个乡镇（街道）走一遍该版本：每一步的办理机构、状态与时限，在哪里结束，以及会出什么
        问题（发现），不产生办件（仅流程管理员）。

        Walk this version for a township with sample data: each step's organisation, status and clock,
        where it ends, and what would go wrong (findings), without writing a case (analysts only).
        """
        return dry_run_version(current_user(), key, version, request)


@blp.route("/process-drafts/<int:draft_id>/dry-run")
class DraftDryRunResource(MethodView):
    @blp.arguments(DryRunBodySchema, as_kwargs=False)
    @blp.response(200, DryRunReportSchema)
    def post(self, request: DryRunRequest, draft_id: int) -> DryRunReport:
        """试运行流程草稿 / Dry run a process draft

        像试运行版本一样，按已保存的内容走一遍当前用户的草稿（他人的为 404）；校验会拒绝的、走到的元素
        （泳道、表单）上的问题作为该处的发现列出（仅流程管理员）。

        Walk one of the caller's drafts as saved (another's is 404), like a version's dry run; what its
        validation would refuse about an element it reaches (a lane, a form) is a finding there (analysts
        only).
        """
        return dry_run_draft(current_user(), draft_id, request)
