"""The audit trail for supervisors and administrators: search it (JSON pages or CSV), verify its chain."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from workflow_service.api.audit_schemas import (
    AuditPageQuerySchema,
    AuditQuerySchema,
    AuditRowSchema,
    ChainReportSchema,
    VerifyQuerySchema,
)
from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.services.supervision.audit_chain import ChainReport, parse_head, verify_chain_for
from workflow_service.services.supervision.audit_search import (
    AuditFilters,
    AuditRow,
    export_audit_csv,
    search_audit,
)

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="审计留痕 / the audit trail")
blp.before_request(require_bearer_token)

CSV_TYPE = "text/csv"
FILTERS = ("case", "actor", "organisation", "action", "since", "until")


def _filters(query: dict) -> AuditFilters:
    return AuditFilters(**{name: query[name] for name in FILTERS})


def _csv(query: dict) -> Response:
    response = Response(export_audit_csv(current_user(), _filters(query)), mimetype=CSV_TYPE)
    response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response


@blp.route("/audit")
class AuditResource(MethodView):
    @blp.arguments(AuditPageQuerySchema, location="query", unknown=RAISE)
    @blp.response(
        200,
        AuditRowSchema(many=True),
        headers={
            "X-Next-Cursor": {
                "description": "下一页的 cursor；最后一页没有此响应头",
                "schema": {"type": "string"},
            }
        },
    )
    def get(self, query: dict) -> tuple[list[AuditRow], dict[str, str]] | Response:
        """审计记录 / Audit rows

        调用者范围内的审计记录，新的在前，可按办件编号、操作人、机构、操作（task.* 为前缀）和时间筛选；督
        办人员看本区划，系统管理员看全部，其他角色 403。键集分页：X-Next-Cursor；Accept: text/csv 时以 CSV
        返回全部。

        Audit rows in the caller's scope, newest first, narrowed by case number, actor's username,
        organisation code, action (``task.*`` for a prefix) and time (since inclusive, until exclusive).
        Keyset pagination: pass the ``X-Next-Cursor`` response header as ``cursor`` for the next page.
        Supervisors see their region's cases and staff, administrators everything; other roles 403. With
        ``Accept: text/csv`` the answer is every selected row as CSV, as ``/api/v1/audit.csv``.
        """
        if request.accept_mimetypes.best_match(["application/json", CSV_TYPE]) == CSV_TYPE:
            return _csv(query)
        page = search_audit(current_user(), _filters(query), limit=query["limit"], cursor=query["cursor"])
        return page.rows, ({"X-Next-Cursor": page.next_cursor} if page.next_cursor else {})


@blp.route("/audit.csv")
class AuditCsvResource(MethodView):
    @blp.arguments(AuditQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, {"type": "string"}, content_type=CSV_TYPE)
    def get(self, query: dict) -> Response:
        """导出审计记录 / Audit rows as CSV

        所筛选的全部审计记录，CSV（UTF-8 带 BOM）；导出本身也留痕。

        Every audit row the filters select, as CSV (UTF-8 with BOM); the export is itself audited.
        """
        return _csv(query)


@blp.route("/audit/verify")
class AuditVerifyResource(MethodView):
    @blp.arguments(VerifyQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, ChainReportSchema)
    def get(self, query: dict) -> ChainReport:
        """校验审计哈希链 / Verify the audit chain

        遍历整条哈希链：完好（intact），或第一个断点（被改、插入或删除的记录，或 expect_head 之后被截去的
        尾部）。督办人员和系统管理员。

        Walk the whole hash chain: ``intact``, or the first broken link (an edited, inserted or deleted
        row, or a tail cut off after ``expect_head``). Supervisors and administrators.
        """
        head = parse_head(query["expect_head"]) if query["expect_head"] else None
        return verify_chain_for(current_user(), head)
