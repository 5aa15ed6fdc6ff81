"""The window clerk's pages: the service catalogue, the intake form, and "my window" with its queues."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput, NotFound, PayloadTooLarge, PermissionDenied, ProcessIncident
from workflow_service.models import CaseStatus, Role
from workflow_service.services.catalogue.service_items import (
    ServiceItemView,
    list_service_items,
    service_item_view,
)
from workflow_service.services.directory.regions import townships_of_my_county
from workflow_service.services.intake import intake_drafts
from workflow_service.services.intake.applicants import (
    REPORTER_CHANNELS,
    accepted_kinds,
    applicant_number_warnings,
    checked_applicant,
    default_authorisation_material,
)
from workflow_service.services.intake.cases import (
    CaseRegistration,
    check_may_register,
    registrable_codes,
    start_case,
)
from workflow_service.services.intake.duplicates import (
    DuplicateApplication,
    describe_open_cases,
    open_case_numbers,
)
from workflow_service.services.read.cases import case_rows
from workflow_service.services.read.tasks import TaskView, view_tasks
from workflow_service.services.work import inbox
from workflow_service.services.work.case_lists import window_cases
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
    return render_template(
        "catalogue.html", items=items, query=query, registrable=registrable_codes(staff(), items)
    )


AGENT_FIELDS = ("name", "id_number", "phone", "relationship", "authorisation_note", "authorisation_material")


def _applicant_from_form() -> dict[str, str]:
    """The applicant as the form gives it: a reporter by channel and optional contact, no ID number
    (the page hides that field for a reporter; whatever it still holds is not theirs)."""
    kind = request.form.get("applicant_kind", "person")
    applicant = {
        "kind": kind,
        "name": request.form.get("applicant_name", ""),
        "phone": request.form.get("applicant_phone", ""),
    }
    if kind == "reporter":
        applicant["channel"] = request.form.get("applicant_channel", "")
    else:
        applicant["id_number"] = request.form.get("applicant_id_number", "")
    return applicant


def _agent_from_form() -> dict[str, str] | None:
    """The 代办人 block; an agent is given as soon as any of its fields is filled in (never for a
    reporter, whose page hides the block)."""
    if request.form.get("applicant_kind") == "reporter":
        return None
    agent = {name: request.form.get(f"agent_{name}", "").strip() for name in AGENT_FIELDS}
    return agent if any(agent.values()) else None


def _intake_page(view: ServiceItemView, status: int = 200, **state: Any) -> tuple[str, int]:
    """The intake form with what was typed (``applicant``, ``agent``, ``matter``, ``data``) and its errors."""
    names = [material.name for material in view.item.materials]
    errors = state.get("errors") or {}
    kinds = accepted_kinds(view.item.applicant_kinds)
    context = {
        "applicant_kinds": kinds,
        "reporter_channels": REPORTER_CHANNELS,
        "view": view,
        "schema": browser_schema(view.application_form or {"type": "object", "properties": {}}),
        "townships": townships_of_my_county(staff()),
        "own_township": staff().organisation.region.code,
        "material_names": names,
        "default_authorisation": default_authorisation_material(names),
        "agent_open": bool(state.get("agent")) or any(key.startswith("agent.") for key in errors),
        "applicant": {"kind": kinds[0]},
        "agent": None,
        "matter": None,
        "data": {},
        "errors": {},
        "warnings": {},
        "draft": None,
        "draft_id": None,
        "duplicates": [],
        "duplicate_reason": "",
        **state,
    }
    return render_template("intake.html", **context), status


def _draft_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@blp.route("/services/<code>/apply", methods=["GET", "POST"])
def intake(code: str) -> str | Response | tuple[str, int]:
    """Register an application: applicant, agent and the item's form, checked by start_case.

    ``?draft=<id>`` opens a draft of the window (暂存) in the form; registering from it deletes it.
    """
    check_may_register(staff(), code)
    view = service_item_view(code)
    if request.method == "GET":
        if "draft" not in request.args:
            return _intake_page(view)
        draft = intake_drafts.get_draft(staff(), _draft_id(request.args["draft"]) or 0)
        if draft.service_item_id != view.item.id:
            raise NotFound(_("暂存的申请不存在"))
        saved = draft.payload
        return _intake_page(
            view,
            draft=draft,
            draft_id=draft.id,
            applicant=saved.get("applicant") or {"kind": accepted_kinds(view.item.applicant_kinds)[0]},
            agent=saved.get("agent"),
            matter=saved.get("matter_township"),
            data=saved.get("data") or {},
        )
    draft_id = _draft_id(request.form.get("draft_id"))
    applicant, agent = _applicant_from_form(), _agent_from_form()
    matter = request.form.get("matter_township") or None
    reason = request.form.get("duplicate_reason", "")
    confirm = {"reason": reason} if request.form.get("confirm_duplicate") else None
    warnings = applicant_number_warnings(applicant)
    state = {
        "applicant": applicant,
        "agent": agent,
        "matter": matter,
        "draft_id": draft_id,
        "duplicate_reason": reason,
        "warnings": warnings,
    }
    data: dict = {}
    try:
        data = posted_data(request.form.get("data"))
        registration = CaseRegistration(
            code, applicant, data, matter_township_code=matter, agent=agent, confirm_duplicate=confirm
        )
        case = start_case(staff(), registration)
    except DuplicateApplication as error:
        duplicates = describe_open_cases(staff(), error.extensions.get("existing_cases", []))
        return _intake_page(view, 409, data=data, duplicates=duplicates, **state)
    except InvalidInput as error:
        duplicates = []
        if "confirm_duplicate.reason" in error.errors:
            # Confirmed without a reason: the warning stays, with the error at the reason.
            numbers = open_case_numbers(view.item, checked_applicant(applicant).id_number)
            duplicates = describe_open_cases(staff(), numbers)
        return _intake_page(view, 422, data=data, errors=error.errors, duplicates=duplicates, **state)
    except ProcessIncident as error:
        # Registered, but its process stopped: the case page shows the incident (never register it twice).
        if draft_id is not None:
            intake_drafts.discard_registered_draft(staff(), draft_id)
        flash(error.detail, "error")
        return redirect(url_for("case_pages.case_page", number=error.extensions["case_number"]))
    if draft_id is not None:
        intake_drafts.discard_registered_draft(staff(), draft_id)
    for message in (message for messages in warnings.values() for message in messages):
        flash(_("登记已完成，但请核对申请人证件：%(message)s", message=message), "warning")
    return redirect(url_for("case_pages.case_page", number=case.number, registered=1))


@blp.post("/services/<code>/drafts")
def save_draft(code: str) -> Response | tuple[str, int]:
    """暂存: keep the intake form as it is, unchecked, and come back to it (``?draft=<id>``)."""
    _require_clerk()
    view = service_item_view(code)
    draft_id = _draft_id(request.form.get("draft_id"))
    applicant, agent = _applicant_from_form(), _agent_from_form()
    matter = request.form.get("matter_township") or None
    state = {"applicant": applicant, "agent": agent, "matter": matter, "draft_id": draft_id}
    data: dict = {}
    try:
        data = posted_data(request.form.get("data"))
        payload = {"applicant": applicant, "agent": agent, "matter_township": matter, "data": data}
        saved = intake_drafts.save_draft(staff(), code, payload, draft_id)
    except (InvalidInput, PayloadTooLarge) as error:
        return _intake_page(view, error.status, data=data, errors=error.errors, **state)
    flash(_("已暂存。可在“我的窗口”的暂存列表中继续填写。"), "ok")
    return redirect(url_for("window.intake", code=code, draft=saved.id))


@blp.post("/drafts/<int:draft_id>/delete")
def delete_draft(draft_id: int) -> Response:
    _require_clerk()
    intake_drafts.delete_draft(staff(), draft_id)
    flash(_("已删除暂存的申请"), "info")
    return redirect(url_for("window.my_window"))


def _queue(statuses: Sequence[CaseStatus]) -> list[TaskView]:
    """One of the window's queues: its open tasks of cases in ``statuses``, due first."""
    return view_tasks(staff(), inbox.inbox_page(staff(), statuses=statuses, limit=50).tasks)


@blp.get("/window")
def my_window() -> str:
    """What the window has to do next (受理, 出件) and the cases accepted here."""
    _require_clerk()
    status = request.args.get("status") or None
    service = request.args.get("service") or None
    statuses = [CaseStatus(status)] if status in set(CaseStatus) else []
    return render_template(
        "window.html",
        to_accept=_queue([CaseStatus.SUBMITTED, CaseStatus.PRE_REVIEW, CaseStatus.PRE_REVIEWED]),
        to_issue=_queue(RESULTS_BACK),
        cases=case_rows(window_cases(staff(), statuses=statuses, service_code=service)),
        services=list_service_items(),
        drafts=intake_drafts.list_drafts(staff()),
        stale_before=intake_drafts.stale_before(),
        status=status,
        service=service,
    )


@blp.get("/")
def home() -> Response:
    if staff().has_role(Role.CLERK):
        return redirect(url_for("window.my_window"))
    return redirect(url_for("work.inbox"))
