"""The inbox and the task page: claim / unclaim (htmx, no reload), read the case, complete the form."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput
from workflow_service.models import CaseStatus, Task
from workflow_service.services import tasks
from workflow_service.services.cases import view_case
from workflow_service.services.catalogue import list_service_items
from workflow_service.services.regions import townships_of_my_county
from workflow_service.web.schema_forms import browser_schema, posted_data
from workflow_service.web.session import page_blueprint, safe_next, staff

blp = page_blueprint("work", __name__)

TABS = ("mine", "unclaimed")
PAGE_SIZE = 25


def _filters() -> dict[str, str]:
    return {key: request.args.get(key, "").strip() for key in ("service", "status", "township")}


@blp.get("/inbox")
def inbox() -> str:
    """Assigned to me / unclaimed for my organisation, due first, with filters and keyset pages."""
    tab = request.args.get("tab") if request.args.get("tab") in TABS else "mine"
    filters = _filters()
    status = filters["status"]
    page = tasks.inbox_page(
        staff(),
        limit=PAGE_SIZE,
        cursor=request.args.get("cursor") or None,
        claimed=tab,  # type: ignore[arg-type]
        service_code=filters["service"] or None,
        statuses=[CaseStatus(status)] if status in set(CaseStatus) else [],
        township_code=filters["township"] or None,
    )
    template = (
        "inbox_rows.html" if request.headers.get("HX-Request") and request.args.get("rows") else "inbox.html"
    )
    return render_template(
        template,
        tab=tab,
        page=page,
        filters=filters,
        services=list_service_items(),
        townships=townships_of_my_county(staff()),
        counts=tasks.inbox_counts(staff()),
    )


def _row(task: Task) -> str | Response:
    """After a claim or unclaim: the updated row for htmx, or back to the page without JavaScript."""
    if request.headers.get("HX-Request"):
        return render_template("inbox_row.html", task=task, tab=request.form.get("tab", "mine"))
    return redirect(safe_next(request.form.get("back")) or url_for("work.task_page", task_id=task.id))


@blp.post("/tasks/<task_id>/claim")
def claim(task_id: str) -> str | Response:
    return _row(tasks.claim_task(staff(), task_id))


@blp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str) -> str | Response:
    return _row(tasks.unclaim_task(staff(), task_id))


def _task_page(task: Task, data: dict, errors: dict, status: int = 200) -> tuple[str, int]:
    form = task.case.process_definition.forms.get(task.form_key) if task.form_key else None
    return render_template(
        "task.html",
        task=task,
        view=view_case(staff(), task.case.number),
        schema=browser_schema(form) if form else None,
        data=data,
        errors=errors,
    ), status


@blp.get("/tasks/<task_id>")
def task_page(task_id: str) -> tuple[str, int]:
    return _task_page(tasks.get_task(staff(), task_id), {}, {})


@blp.post("/tasks/<task_id>")
def complete(task_id: str) -> Response | tuple[str, int]:
    """Complete the task with its form; field errors come back at their fields with the data kept."""
    data: dict = {}
    try:
        data = posted_data(request.form.get("data"))
        task = tasks.complete_task(staff(), task_id, data)
    except InvalidInput as error:
        return _task_page(tasks.get_task(staff(), task_id), data, error.errors, 422)
    return redirect(url_for("case_pages.case_page", number=task.case.number, done=task.name))
