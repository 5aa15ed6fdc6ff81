"""The supervisors' pages: the dashboard (charts drawn in the browser from its JSON) and the case list."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput
from workflow_service.file_responses import file_response
from workflow_service.models import CaseStatus, FunctionType
from workflow_service.services.catalogue.service_items import list_service_items
from workflow_service.services.clock import business_day
from workflow_service.services.directory.regions import townships_of_my_county
from workflow_service.services.process.case_status import STATUS_LABELS
from workflow_service.services.supervision.case_filters import CaseFilters, DueState, require_supervisor
from workflow_service.services.supervision.case_list import (
    DUE_LABELS,
    FUNCTION_TYPE_LABELS,
    export_cases,
    list_cases,
)
from workflow_service.services.supervision.dashboard import dashboard, dashboard_range
from workflow_service.services.supervision.dashboard_document import dashboard_document
from workflow_service.services.supervision.dashboard_export import RATING_LABELS, dashboard_workbook
from workflow_service.services.supervision.urging import default_reply_day, issue_notice, notice_target
from workflow_service.web.session import page_blueprint, staff

blp = page_blueprint("supervision_pages", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_KEYS = ("service", "township", "function_type", "window", "department", "due", "channel", "from", "to")
PAGE_SIZE = 50


def _day(name: str) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", errors={name: ["日期格式应为 YYYY-MM-DD"]}) from None


def _text(name: str) -> str | None:
    return request.args.get(name, "").strip()[:64] or None


def _choice(name: str, kind: type[Any]) -> Any:
    text = _text(name)
    return kind(text) if text in {member.value for member in kind} else None


def _list_filters() -> CaseFilters:
    statuses = tuple(CaseStatus(s) for s in request.args.getlist("status") if s in set(CaseStatus))
    return CaseFilters(
        statuses=statuses,
        service=_text("service"),
        township=_text("township"),
        function_type=_choice("function_type", FunctionType),
        window=_text("window"),
        department=_text("department"),
        due=_choice("due", DueState),
        date_from=_day("from"),
        date_to=_day("to"),
        channel=_text("channel"),
    )


def _choices() -> dict[str, Any]:
    """The filters' options and the labels the page shows codes by."""
    return {
        "services": list_service_items(),
        "townships": townships_of_my_county(staff()),
        "FUNCTION_TYPE_LABELS": FUNCTION_TYPE_LABELS,
        "DUE_LABELS": {str(state): label for state, label in DUE_LABELS.items()},
        "labels": {
            "status": {str(status): label for status, label in STATUS_LABELS.items()},
            "function_type": FUNCTION_TYPE_LABELS,
            "rating": RATING_LABELS,
        },
    }


def _xlsx(content: bytes, stem: str) -> Response:
    return file_response(content, XLSX, f"{stem}-{business_day().isoformat()}.xlsx", stem)


def _dashboard_query() -> dict[str, Any]:
    return {
        "date_from": _day("from"),
        "date_to": _day("to"),
        "service": _text("service"),
        "township": _text("township"),
    }


@blp.get("/supervision")
def dashboard_page() -> str:
    require_supervisor(staff())
    query = _dashboard_query()
    date_from, date_to = dashboard_range(query["date_from"], query["date_to"])
    args: dict[str, Any] = {key: request.args.get(key, "") for key in ("service", "township")}
    args.update({"from": date_from.isoformat(), "to": date_to.isoformat()})
    return render_template(
        "supervision_dashboard.html",
        args=args,
        data_url=url_for("supervision_pages.dashboard_data", **args),
        export_url=url_for("supervision_pages.dashboard_export", **args),
        **_choices(),
    )


@blp.get("/supervision/dashboard.json")
def dashboard_data() -> Response:
    """The API's dashboard answer (the same document), for the page's script under the session."""
    return jsonify(dashboard_document(dashboard(staff(), **_dashboard_query())))


@blp.get("/supervision/dashboard.xlsx")
def dashboard_export() -> Response:
    return _xlsx(dashboard_workbook(dashboard(staff(), **_dashboard_query())), "dashboard")


@blp.get("/supervision/cases")
def case_list_page() -> str:
    filters = _list_filters()
    page = list_cases(staff(), filters, _text("cursor"), PAGE_SIZE)
    args: dict[str, Any] = {key: request.args.get(key, "") for key in LIST_KEYS if request.args.get(key)}
    statuses = [s.value for s in filters.statuses]
    return render_template(
        "supervision_cases.html",
        rows=page.rows,
        args=args,
        statuses=statuses,
        next_url=url_for("supervision_pages.case_list_page", **args, status=statuses, cursor=page.next_cursor)
        if page.next_cursor
        else None,
        export_url=url_for("supervision_pages.case_list_export", **args, status=statuses),
        function_types=list(FunctionType),
        due_states=list(DueState),
        **_choices(),
    )


@blp.get("/supervision/cases.xlsx")
def case_list_export() -> Response:
    return _xlsx(export_cases(staff(), _list_filters()), "cases")


def _urge_form(
    number: str, values: dict[str, str], errors: dict[str, list[str]], status: int
) -> tuple[str, int]:
    case, step = notice_target(staff(), number)
    return render_template(
        "supervision_urge.html", case=case, step=step, values=values, errors=errors, back=_back()
    ), status


def _back() -> str:
    """Where the form came from (the dashboard or the case list), so cancelling returns there."""
    back = request.values.get("back", "")
    return back if back.startswith("/supervision") else url_for("supervision_pages.dashboard_page")


@blp.get("/supervision/cases/<number>/urge")
def urge_page(number: str) -> tuple[str, int]:
    """督办's small form: reason and reply day (two working days by default)."""
    return _urge_form(number, {"reply_due_on": default_reply_day().isoformat()}, {}, 200)


@blp.post("/supervision/cases/<number>/urge")
def urge(number: str) -> Response | tuple[str, int]:
    values = {name: request.form.get(name, "").strip() for name in ("reason", "reply_due_on")}
    try:
        try:
            day = date.fromisoformat(values["reply_due_on"]) if values["reply_due_on"] else None
        except ValueError:
            raise InvalidInput(
                "日期格式应为 YYYY-MM-DD", errors={"reply_due_on": ["日期格式应为 YYYY-MM-DD"]}
            ) from None
        notice = issue_notice(staff(), number, values["reason"], day)
    except InvalidInput as error:
        return _urge_form(number, values, dict(error.errors or {}), 422)
    flash(
        _(
            "已向%(organisation)s发出督办，回复期限 %(day)s",
            organisation=notice.organisation.name,
            day=notice.reply_due_on,
        )
    )
    return redirect(url_for("case_pages.case_page", number=number, _anchor="supervision"), 303)
