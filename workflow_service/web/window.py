"""The window clerk's pages: the service catalogue, the intake form, and "my window" with its queues."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput, PermissionDenied
from workflow_service.models import CaseStatus, Role
from workflow_service.services import tasks
from workflow_service.services.case_lists import window_cases
from workflow_service.services.cases import start_case
from workflow_service.services.catalogue import list_service_items, service_item_view
from workflow_service.services.regions import townships_of_my_county
from workflow_service.web.catalogue_search import matches_query
from workflow_service.web.schema_forms import browser_schema, posted_data
from workflow_service.web.session import page_blueprint, staff

blp = page_blueprint("window", __name__)

RESULTS_BACK = (CaseStatus.APPROVED, CaseStatus.REFUSED)


def _require_clerk() -> None:
    if not staff().has_role(Role.CLERK):
        raise PermissionDenied("只有窗口人员可以使用此页面")


@blp.get("/services")
def catalogue() -> str:
    query = request.args.get("q", "").strip()
    items = [item for item in list_service_items() if matches_query(item, query)]
    return render_template("catalogue.html", items=items, query=query)


def _applicant_from_form() -> dict[str, str]:
    return {
        "kind": request.form.get("applicant_kind", "person"),
        "name": request.form.get("applicant_name", ""),
        "id_number": request.form.get("applicant_id_number", ""),
        "phone": request.form.get("applicant_phone", ""),
    }


@blp.route("/services/<code>/apply", methods=["GET", "POST"])
def intake(code: str) -> str | Response | tuple[str, int]:
    """Register an application: the applicant block and the item's form, checked by start_case."""
    _require_clerk()
    view = service_item_view(code)
    page = {
        "view": view,
        "schema": browser_schema(view.application_form or {"type": "object", "properties": {}}),
        "townships": townships_of_my_county(staff()),
        "own_township": staff().organisation.region.code,
    }
    if request.method == "GET":
        return render_template("intake.html", applicant={"kind": "person"}, data={}, errors={}, **page)
    applicant = _applicant_from_form()
    matter = request.form.get("matter_township") or None
    data: dict = {}
    try:
        data = posted_data(request.form.get("data"))
        case = start_case(staff(), code, applicant, data, matter)
    except InvalidInput as error:
        context = {"applicant": applicant, "data": data, "errors": error.errors, "matter": matter}
        return render_template("intake.html", **context, **page), 422
    return redirect(url_for("case_pages.case_page", number=case.number, registered=1))


@blp.get("/window")
def my_window() -> str:
    """What the window has to do next (受理, 出件) and the cases accepted here."""
    _require_clerk()
    status = request.args.get("status") or None
    service = request.args.get("service") or None
    statuses = [CaseStatus(status)] if status in set(CaseStatus) else []
    return render_template(
        "window.html",
        to_accept=tasks.inbox_page(staff(), statuses=[CaseStatus.SUBMITTED], limit=50),
        to_issue=tasks.inbox_page(staff(), statuses=RESULTS_BACK, limit=50),
        cases=window_cases(staff(), statuses=statuses, service_code=service),
        services=list_service_items(),
        status=status,
        service=service,
    )


@blp.get("/")
def home() -> Response:
    if staff().has_role(Role.CLERK):
        return redirect(url_for("window.my_window"))
    return redirect(url_for("work.inbox"))
