"""The case page's time-limit actions: 延期 (ask, approve, refuse), special procedures (start, end),
and the print-selected PDF of several cases' notices.

The same services as the API (services.review.extensions, services.review.suspensions,
services.notices.documents), so the same scope (404 outside it) and permissions (403); input the
service refuses comes back to the case page as a readable message.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput
from workflow_service.file_responses import file_response
from workflow_service.models import SuspensionKind
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.notices.documents import batch_documents
from workflow_service.services.review.extensions import (
    approve_extension,
    refuse_extension,
    request_extension,
)
from workflow_service.services.review.suspensions import resume_case, suspend_case
from workflow_service.web.session import page_blueprint, staff

blp = page_blueprint("time_limits", __name__)


def _to_case(number: str) -> Response:
    return redirect(url_for("case_pages.case_page", number=number, _anchor="time-limits"), 303)


def _refused(number: str, error: InvalidInput) -> Response:
    messages = [message for field in error.errors.values() for message in field] or [error.detail]
    flash("；".join(str(message) for message in messages), "error")
    return _to_case(number)


def _text(name: str, limit: int = 500) -> str:
    return request.form.get(name, "").strip()[:limit]


def _days(name: str) -> int | None:
    value = request.form.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 365:
        raise InvalidInput("天数有误", errors={name: [_("天数须为 1 至 365 的整数")]})
    return int(value)


def _required(name: str, label: str) -> str:
    value = _text(name)
    if not value:
        raise InvalidInput(f"缺少{label}", errors={name: [_("请填写%(label)s", label=label)]})
    return value


@blp.post("/cases/<number>/extensions")
def ask_for_extension(number: str) -> Response:
    """申请延期: the approver holding the review; the head of the organ decides."""
    get_visible_case(staff(), number)
    try:
        extension = request_extension(staff(), number, _required("reason", _("延期理由")), _days("days"))
    except InvalidInput as error:
        return _refused(number, error)
    flash(_("已申请延期 %(days)s 个工作日，待负责人审批。", days=extension.days), "ok")
    return _to_case(number)


@blp.post("/cases/<number>/extensions/<int:extension_id>/approve")
def approve(number: str, extension_id: int) -> Response:
    extension = approve_extension(staff(), number, extension_id, _text("note") or None)
    flash(
        _("已批准延期 %(days)s 个工作日，办结期限已顺延；请打印延期告知书告知申请人。", days=extension.days),
        "ok",
    )
    return _to_case(number)


@blp.post("/cases/<number>/extensions/<int:extension_id>/refuse")
def refuse(number: str, extension_id: int) -> Response:
    get_visible_case(staff(), number)
    try:
        refuse_extension(staff(), number, extension_id, _required("note", _("不予批准的理由")))
    except InvalidInput as error:
        return _refused(number, error)
    flash(_("已不予批准延期。"), "ok")
    return _to_case(number)


@blp.post("/cases/<number>/suspend")
def start_special_procedure(number: str) -> Response:
    """启动特别程序: kind, reason and expected working days; the clock stops."""
    get_visible_case(staff(), number)
    try:
        kind = request.form.get("kind", "")
        if kind not in {member.value for member in SuspensionKind}:
            raise InvalidInput("特别程序种类有误", errors={"kind": [_("请选择特别程序种类")]})
        reason = _required("reason", _("启动理由"))
        days = _days("expected_days")
        if days is None:
            raise InvalidInput("缺少预计天数", errors={"expected_days": [_("请填写预计所需工作日")]})
    except InvalidInput as error:
        return _refused(number, error)
    suspend_case(staff(), number, kind, reason, days)
    flash(_("特别程序已启动，计时暂停；请打印特别程序告知书告知申请人。"), "ok")
    return _to_case(number)


@blp.post("/cases/<number>/resume")
def end_special_procedure(number: str) -> Response:
    """结束特别程序 with its result (the applicant told now): the clock runs again."""
    resume_case(staff(), number, _text("result", 1000) or None)
    flash(_("特别程序已结束，恢复计时。"), "ok")
    return _to_case(number)


@blp.get("/documents/batch.pdf")
def print_selected() -> Response:
    """打印所选: the chosen cases' notices (one kind, or all each has) as one PDF."""
    numbers = [number for value in request.args.getlist("cases") for number in value.split(",")]
    document = batch_documents(staff(), numbers, request.args.get("kind") or None)
    return file_response(document.content, "application/pdf", document.filename, "document", inline=True)
