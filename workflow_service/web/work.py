"""The inbox and the task page: claim / unclaim (htmx, no reload), read the case, complete the form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput, InvalidReassignment, ProcessIncident
from workflow_service.models import CaseStatus, Task
from workflow_service.services.catalogue.service_items import list_service_items
from workflow_service.services.clock import now
from workflow_service.services.directory.regions import townships_of_my_county
from workflow_service.services.notices.documents import DOCUMENT_TITLES
from workflow_service.services.read.cases import view_case
from workflow_service.services.read.tasks import describe_task, view_tasks
from workflow_service.services.review.reassignment import reassign_task
from workflow_service.services.work import tasks
from workflow_service.services.work.inbox import count_arrived, inbox_counts, inbox_page
from workflow_service.web.cases import reassign_choices, render_case_page
from workflow_service.web.checklist import case_files
from workflow_service.web.schema_forms import browser_schema, posted_data
from workflow_service.web.session import page_blueprint, safe_next, staff

blp = page_blueprint("work", __name__)

# Each tab is an inbox view: whose tasks, and whether only those due soon or overdue.
TABS: dict[str, dict[str, Any]] = {
    "mine": {"claimed": "mine"},
    "unclaimed": {"claimed": "unclaimed"},
    "due": {"claimed": "all", "due_soon": True},
}
PAGE_SIZE = 25
INBOX_SEEN = "inbox_seen_at"  # session key: when the user last opened the unclaimed tab


def _tab() -> str:
    tab = request.args.get("tab", "")
    return tab if tab in TABS else "mine"


def _filters() -> dict[str, str]:
    return {key: request.args.get(key, "").strip() for key in ("service", "status", "township")}


def _view(tab: str, filters: dict[str, str]) -> dict[str, Any]:
    """The inbox_page / count_arrived arguments of a tab with its filters."""
    status = filters["status"]
    return {
        **TABS[tab],
        "service_code": filters["service"] or None,
        "statuses": [CaseStatus(status)] if status in set(CaseStatus) else [],
        "township_code": filters["township"] or None,
    }


def seen_since() -> datetime | None:
    """When this browser session last opened the unclaimed tab: later arrivals count as new."""
    seen = session.get(INBOX_SEEN)
    return datetime.fromisoformat(seen) if seen else None


@blp.get("/inbox")
def inbox() -> str:
    """Assigned to me / unclaimed for my organisation / due soon, due first, with filters and keyset pages."""
    tab, filters = _tab(), _filters()
    page = inbox_page(
        staff(), limit=PAGE_SIZE, cursor=request.args.get("cursor") or None, **_view(tab, filters)
    )
    rows = view_tasks(staff(), page.tasks)
    if request.headers.get("HX-Request") and request.args.get("rows"):
        return render_template("inbox_rows.html", tab=tab, page=page, rows=rows, filters=filters)
    rendered_at = now()
    if tab == "unclaimed":
        session[INBOX_SEEN] = rendered_at.isoformat()
    return render_template(
        "inbox.html",
        tab=tab,
        page=page,
        rows=rows,
        filters=filters,
        rendered_at=rendered_at.isoformat(),
        services=list_service_items(),
        townships=townships_of_my_county(staff()),
        counts=inbox_counts(staff(), seen_since()),
        document_titles=DOCUMENT_TITLES,
    )


@blp.get("/inbox/arrivals")
def arrivals() -> str:
    """Polled by an open inbox page: a notice offering a refresh when tasks arrived in its view."""
    tab, filters = _tab(), _filters()
    try:
        since = datetime.fromisoformat(request.args.get("since", ""))
    except ValueError:
        since = now()
    arrived = count_arrived(staff(), since, **_view(tab, filters))
    return render_template(
        "inbox_arrivals.html", arrived=arrived, tab=tab, filters=filters, since=since.isoformat()
    )


@blp.get("/inbox/counts")
def header_counts() -> str:
    """Polled by every page's header: the inbox figures, refreshed without a reload."""
    return render_template("_inbox_counts.html", inbox_counts=inbox_counts(staff(), seen_since()))


def _row(task: Task) -> str | Response:
    """After a claim or unclaim: the updated row for htmx, or back to the page without JavaScript."""
    if request.headers.get("HX-Request"):
        return render_template(
            "inbox_claimed.html",
            row=view_tasks(staff(), [task])[0],
            tab=request.form.get("tab", "mine"),
            inbox_counts=inbox_counts(staff(), seen_since()),
        )
    return redirect(safe_next(request.form.get("back")) or url_for("work.task_page", task_id=task.id))


@blp.post("/tasks/<task_id>/claim")
def claim(task_id: str) -> str | Response:
    return _row(tasks.claim_task(staff(), task_id))


@blp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str) -> str | Response:
    return _row(tasks.unclaim_task(staff(), task_id))


def render_task_page(
    task: Task,
    data: dict,
    errors: dict,
    status: int = 200,
    upload_errors: dict | None = None,
    reassigning: dict | None = None,
) -> tuple[str, int]:
    """The task page: its form (the case's own materials in the 补正 / 容缺 lists), the materials
    checklist with uploads and previews, a supervisor's 改派 form, the case's record."""
    view = view_case(staff(), task.case.number)  # first: the task's form reads the case it loads
    shown = describe_task(staff(), task)
    return render_template(
        "task.html",
        task=task,
        may_work=shown.may_work,
        view=view,
        schema=browser_schema(shown.form, choices_unchosen=True) if shown.form else None,
        data=data,
        errors=errors,
        case_files=case_files(task.case, upload_errors),
        reassign_targets=reassign_choices([shown]),
        reassigning=reassigning,
    ), status


@blp.get("/tasks/<task_id>")
def task_page(task_id: str) -> tuple[str, int]:
    return render_task_page(tasks.get_task(staff(), task_id), {}, {})


@blp.post("/tasks/<task_id>")
def complete(task_id: str) -> Response | tuple[str, int]:
    """Complete the task with its form; field errors come back at their fields with the data kept."""
    data: dict = {}
    try:
        data = posted_data(request.form.get("data"))
        task = tasks.complete_task(staff(), task_id, data)
    except InvalidInput as error:
        return render_task_page(tasks.get_task(staff(), task_id), data, error.errors, 422)
    except ProcessIncident as error:
        # The task is done; the process stopped after it, as the case page shows.
        flash(error.detail, "error")
        return redirect(url_for("case_pages.case_page", number=error.extensions["case_number"]))
    return redirect(url_for("case_pages.case_page", number=task.case.number, done=task.name))


@blp.post("/tasks/<task_id>/reassign")
def reassign(task_id: str) -> Response | tuple[str, int]:
    """改派 from the case or the task page: to the case page with a notice, or back to the page it was
    posted from with the field errors and the data kept. A refusal (403, 409) is the error page."""
    data = {key: request.form.get(key, "") for key in ("organisation", "reason")}
    try:
        task = reassign_task(staff(), task_id, data["organisation"] or None, data["reason"])
    except InvalidReassignment as error:
        task = tasks.get_task(staff(), task_id)
        reassigning = {"task_id": task.id, "data": data, "errors": error.errors}
        if request.form.get("from") == "task":
            return render_task_page(task, {}, {}, 422, reassigning=reassigning)
        return render_case_page(task.case.number, 422, reassigning=reassigning)
    flash(_("“%(task)s”已改派至 %(org)s。", task=task.name, org=task.organisation.name), "ok")
    return redirect(url_for("case_pages.case_page", number=task.case.number))
