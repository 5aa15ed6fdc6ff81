"""A case's files on the pages: upload per material, view an attachment inline, open the notices as PDF.

The same services as the API (services.attachments, services.documents, services.licences), so the
same scope (404 outside it), permissions and checks; only the session replaces the bearer token.
"""

from __future__ import annotations

import io

from flask import flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput, PayloadTooLarge, ServiceError
from workflow_service.services import tasks
from workflow_service.services.attachments import download_attachment, too_large, upload_attachment
from workflow_service.services.documents import Document, case_document
from workflow_service.services.licences import licence_pdf
from workflow_service.web.cases import render_case_page
from workflow_service.web.session import page_blueprint, require_login, staff
from workflow_service.web.work import render_task_page

blp = page_blueprint("materials", __name__)


def _back(number: str, task_id: str | None) -> str:
    if task_id:
        return url_for("work.task_page", task_id=task_id)  # the checklist is at the top of the task page
    return url_for("case_pages.case_page", number=number, _anchor="materials")


def _refused(number: str, task_id: str | None, material: str | None, error: ServiceError) -> tuple[str, int]:
    """The page the upload came from, again, with the reason at the material's row (nothing was stored)."""
    details = [message for messages in error.errors.values() for message in messages]
    text = "：".join([error.detail, "；".join(details)]) if details else error.detail
    upload_errors = {material or "": [text]}
    if task_id:
        task = tasks.get_task(staff(), task_id)
        if task.case.number == number:
            return render_task_page(task, {}, {}, error.status, upload_errors)
    return render_case_page(number, error.status, upload_errors)


@blp.post("/cases/<number>/attachments")
def upload(number: str) -> Response | tuple[str, int]:
    """Upload a file for one of the case's materials (field ``material``), back to the page it came from."""
    material = request.form.get("material", "").strip() or None
    task_id = request.form.get("task") or None
    try:
        attachment = upload_attachment(staff(), number, material, request.files.get("file"))
    except (InvalidInput, PayloadTooLarge) as error:
        return _refused(number, task_id, material, error)
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


def _inline(content: bytes, mimetype: str, filename: str, etag: str | None = None) -> Response:
    """Shown in the browser (PDF viewer, image), under its own name when saved; never sniffed."""
    response = send_file(
        io.BytesIO(content),
        mimetype=mimetype,
        as_attachment=False,
        download_name=filename,
        etag=etag or False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@blp.get("/cases/<number>/attachments/<int:attachment_id>")
def attachment(number: str, attachment_id: int) -> Response:
    """An uploaded file with its detected type, inline (the task page previews it in a frame)."""
    download = download_attachment(staff(), number, attachment_id)
    item = download.attachment
    return _inline(download.content, item.content_type, item.original_filename, item.sha256)


def _pdf(document: Document) -> Response:
    return _inline(document.content, "application/pdf", document.filename)


@blp.get("/cases/<number>/documents/<kind>.pdf")
def document(number: str, kind: str) -> Response:
    """A notice of the case (受理通知书, 补正材料通知书, 不予受理决定书, 办结通知) as PDF."""
    return _pdf(case_document(staff(), number, kind))


@blp.get("/cases/<number>/licence.pdf")
def licence(number: str) -> Response:
    """The electronic licence of a granted case as PDF."""
    return _pdf(licence_pdf(staff(), number))
