"""A case's files on the pages: upload per material, view an attachment inline, open the notices as PDF.

The same services as the API (services.materials.attachments, services.notices.documents,
services.closing.licences), so the same scope (404 outside it), permissions and checks; only the session
replaces the bearer token.
An upload sent by htmx is answered with the checklist section alone (413/422 with the reason at the
material's row), so the rest of the page, the task's form as typed, stays as it was.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput, NotFound, PayloadTooLarge, ServiceError
from workflow_service.file_responses import file_response
from workflow_service.models import Attachment, Task
from workflow_service.services.closing.licences import licence_pdf
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.materials.attachments import download_attachment, too_large, upload_attachment
from workflow_service.services.notices.documents import case_document
from workflow_service.services.notices.layout import Document
from workflow_service.services.work import tasks
from workflow_service.web.cases import render_case_page
from workflow_service.web.checklist import case_files
from workflow_service.web.session import page_blueprint, require_login, staff
from workflow_service.web.work import render_task_page

blp = page_blueprint("materials", __name__)


def _back(number: str, task_id: str | None) -> str:
    if task_id:
        return url_for("work.task_page", task_id=task_id)  # the checklist is at the top of the task page
    return url_for("case_pages.case_page", number=number, _anchor="materials")


def _from_htmx() -> bool:
    return bool(request.headers.get("HX-Request"))


def _task_of(number: str, task_id: str | None) -> Task | None:
    """The task whose page the upload came from, if it is one of this case's."""
    if not task_id:
        return None
    task = tasks.get_task(staff(), task_id)
    return task if task.case.number == number else None


def _checklist(
    number: str,
    task_id: str | None,
    status: int = 200,
    upload_errors: dict[str, list[str]] | None = None,
    uploaded: Attachment | None = None,
) -> tuple[str, int]:
    """For htmx: the checklist section as the page the upload came from draws it, and the task
    page's previews out of band (``previews`` in the query string); nothing else of the page."""
    task = _task_of(number, task_id)
    case = task.case if task else get_visible_case(staff(), number)
    notice = None
    if uploaded is not None:
        notice = _(
            "已上传“%(file)s”（%(material)s）",
            file=uploaded.original_filename,
            material=uploaded.material_name,
        )
    return render_template(
        "_materials_answer.html",
        case=case,
        task=task,
        case_files=case_files(case, upload_errors),
        previews=bool(request.args.get("previews")),
        notice=notice,
        uploaded=uploaded.id if uploaded else None,
    ), status


def _refused(number: str, task_id: str | None, material: str | None, error: ServiceError) -> tuple[str, int]:
    """The page the upload came from (or its checklist, for htmx), again, with the reason at the
    material's row (nothing was stored)."""
    details = [message for messages in error.errors.values() for message in messages]
    text = "：".join([error.detail, "；".join(details)]) if details else error.detail
    upload_errors = {material or "": [text]}
    if _from_htmx():
        return _checklist(number, task_id, error.status, upload_errors)
    task = _task_of(number, task_id)
    if task is not None:
        return render_task_page(task, {}, {}, error.status, upload_errors)
    return render_case_page(number, error.status, upload_errors)


@blp.post("/cases/<number>/attachments")
def upload(number: str) -> Response | tuple[str, int]:
    """Upload a file for one of the case's materials (field ``material``), back to the page it came
    from; for htmx, the checklist with the new file."""
    material = request.form.get("material", "").strip() or None
    task_id = request.form.get("task") or None
    try:
        attachment = upload_attachment(staff(), number, material, request.files.get("file"))
    except (InvalidInput, PayloadTooLarge) as error:
        return _refused(number, task_id, material, error)
    if _from_htmx():
        return _checklist(number, task_id, uploaded=attachment)
    name, material_name = attachment.original_filename, attachment.material_name
    flash(_("已上传“%(file)s”（%(material)s）", file=name, material=material_name), "ok")
    return redirect(_back(number, task_id))


@blp.errorhandler(RequestEntityTooLarge)
def body_too_large(error: RequestEntityTooLarge) -> Response | tuple[str, int]:
    """A body beyond MAX_CONTENT_LENGTH is refused before its fields can be read (the CSRF check
    reads them first): the form's action repeats the material and the task in its query string, so
    the message still lands at the material's row. Nothing is stored and nothing changes here."""
    guard = require_login()
    if guard is not None:
        return guard
    number = (request.view_args or {}).get("number", "")
    return _refused(number, request.args.get("task") or None, request.args.get("material"), too_large())


# Types the browser shows itself (its PDF viewer, an image); anything else is only downloaded.
PREVIEWABLE = frozenset({"application/pdf", "image/jpeg", "image/png"})


@blp.get("/cases/<number>/attachments/<int:attachment_id>")
def attachment(number: str, attachment_id: int) -> Response:
    """An uploaded file with its detected type, as a download (``attachment``) under a safe name."""
    download = download_attachment(staff(), number, attachment_id)
    item = download.attachment
    return file_response(
        download.content, item.content_type, item.original_filename, f"attachment-{item.id}", etag=item.sha256
    )


@blp.get("/cases/<number>/attachments/<int:attachment_id>/preview")
def attachment_preview(number: str, attachment_id: int) -> Response:
    """A PDF or image shown inside the task page (a frame or an <img>); other types are not shown."""
    download = download_attachment(staff(), number, attachment_id)
    item = download.attachment
    if item.content_type not in PREVIEWABLE:
        raise NotFound(_("此类文件不能在浏览器中预览。"))
    return file_response(
        download.content,
        item.content_type,
        item.original_filename,
        f"attachment-{item.id}",
        inline=True,
        etag=item.sha256,
    )


def _pdf(document: Document) -> Response:
    """A notice printed by the service itself, opened in the browser's PDF viewer."""
    return file_response(document.content, "application/pdf", document.filename, "document", inline=True)


@blp.get("/cases/<number>/documents/<kind>.pdf")
def document(number: str, kind: str) -> Response:
    """A notice of the case (收件凭证, 受理通知书, 补正材料通知书, 特别程序告知书, 延期告知书 …) as PDF."""
    return _pdf(case_document(staff(), number, kind))


@blp.get("/cases/<number>/licence.pdf")
def licence(number: str) -> Response:
    """The electronic licence of a granted case as PDF."""
    return _pdf(licence_pdf(staff(), number))
