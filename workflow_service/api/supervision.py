"""统一督办 for supervisors and the command room: the case list of their scope and the dashboard."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE
from werkzeug.wrappers import Response

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.supervision_schemas import (
    CaseListQuerySchema,
    DashboardQuerySchema,
    DashboardSchema,
    SupervisedCaseSchema,
)
from workflow_service.file_responses import file_response
from workflow_service.services.clock import business_day
from workflow_service.services.supervision.case_filters import CaseFilters
from workflow_service.services.supervision.case_list import export_cases, list_cases
from workflow_service.services.supervision.dashboard import dashboard
from workflow_service.services.supervision.dashboard_document import dashboard_document
from workflow_service.services.supervision.dashboard_export import dashboard_workbook

blp = Blueprint(
    "supervision",
    __name__,
    url_prefix="/api/v1/supervision",
    description="统一督办 / supervision: case list and dashboard",
)
blp.before_request(require_bearer_token)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEXT_CURSOR = {
    "X-Next-Cursor": {"description": "下一页的 cursor；最后一页没有此响应头", "schema": {"type": "string"}}
}


def case_filters(query: dict) -> CaseFilters:
    return CaseFilters(
        statuses=tuple(query["status"]),
        service=query["service"],
        township=query["township"],
        function_type=query["function_type"],
        window=query["window"],
        department=query["department"],
        due=query["due"],
        date_from=query["date_from"],
        date_to=query["date_to"],
        channel=query["channel"],
    )


def _xlsx(content: bytes, stem: str) -> Response:
    return file_response(content, XLSX, f"{stem}-{business_day().isoformat()}.xlsx", stem)


@blp.route("/cases")
class SupervisedCasesResource(MethodView):
    @blp.arguments(CaseListQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, SupervisedCaseSchema(many=True), headers=NEXT_CURSOR)
    def get(self, query: dict) -> Any:
        """督办办件查询 / The supervisors' case list

        调用者范围内的全部办件（县督办看全县，乡镇指挥室看本乡镇），新的在前，可筛选；非督办人员 403。键集
        分页：X-Next-Cursor；format=xlsx 时以 Excel 返回全部匹配办件。

        Every case in the caller's scope (a county's supervisors the county, a township's command room its
        township), newest first, with filters; 403 for a caller who is not a supervisor. Keyset
        pagination: pass the ``X-Next-Cursor`` response header as ``cursor`` for the next page.
        ``format=xlsx`` answers all matching cases (not one page) as an Excel workbook.
        """
        filters = case_filters(query)
        if query["format"] == "xlsx":
            return _xlsx(export_cases(current_user(), filters), "cases")
        page = list_cases(current_user(), filters, query["cursor"], query["limit"])
        return page.rows, ({"X-Next-Cursor": page.next_cursor} if page.next_cursor else {})


@blp.route("/cases.xlsx")
class SupervisedCasesExportResource(MethodView):
    @blp.arguments(CaseListQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX)
    def get(self, query: dict) -> Response:
        """导出督办办件 / The case list as a workbook

        调用者范围内符合筛选的全部办件，Excel 工作簿。

        Every case in the caller's scope matching the filters, as an Excel workbook.
        """
        return _xlsx(export_cases(current_user(), case_filters(query)), "cases")


@blp.route("/dashboard")
class DashboardResource(MethodView):
    @blp.arguments(DashboardQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, DashboardSchema)
    def get(self, query: dict) -> dict | Response:
        """督办看板 / The supervisors' dashboard

        期间内（缺省最近 30 天）登记的调用者范围内办件的统计：按状态、事项、乡镇、功能类型和部门计数；按承
        诺与法定时限的按时率；受理到决定的工作日；补正；超期与临期清单；就地办结；同城通办 / 异地可办；好
        差评；每日件量。

        The figures of the cases registered in the period (default: the last 30 days) in the caller's
        scope: counts by status, service, township, function type and department; on-time rates against
        the promised and the legal limit; working days from acceptance to decision; 补正; the overdue and
        due-soon lists; local resolution; 同城通办 / 异地可办; 好差评; daily volume.
        """
        figures = dashboard(
            current_user(), query["date_from"], query["date_to"], query["service"], query["township"]
        )
        if query["format"] == "xlsx":
            return _xlsx(dashboard_workbook(figures), "dashboard")
        return dashboard_document(figures)
