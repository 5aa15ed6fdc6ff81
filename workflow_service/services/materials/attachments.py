"""Materials handed in as files: upload, list and download, within the caller's scope.

The type is detected from the content (PDF, JPEG, PNG, OFD), never taken from the client; a
refused upload leaves nothing behind, neither a row nor a file.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

import filetype
from flask import current_app
from sqlalchemy import exists, func, select
from werkzeug.datastructures import FileStorage

from workflow_service.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import Attachment, Case, CaseStatus, Role, Task, TaskState, User
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.materials.checklist import FORM_LABELS, case_materials
from workflow_service.services.materials.file_names import without_invisible
from workflow_service.services.materials.storage import attachment_storage

OFD_MEDIA_TYPE = "application/ofd"
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    OFD_MEDIA_TYPE: "OFD",
}
# OFD (GB/T 33190) is a zip package whose entry file OFD.xml sits at its root.
_OFD_NAMESPACE = b"http://www.ofdspec.org/2016"
_OFD_ENTRY_MAX_BYTES = 1024 * 1024
_MIB = 1024 * 1024


class UnsupportedFileType(InvalidInput):
    title = "文件类型不受支持"
    type_slug = "unsupported-file-type"


@dataclass(frozen=True)
class AttachmentDownload:
    attachment: Attachment
    content: bytes


@dataclass(frozen=True)
class MaterialFiles:
    """One line of a case's materials checklist: the material as the catalogue asks for it, and its files.

    ``listed`` is False for files uploaded under a name the case's materials do not have (the API
    takes any name), so that they are still shown.
    """

    name: str
    form: str
    copies: int | None
    required: bool
    deferrable: bool
    note: str | None
    files: list[Attachment]
    listed: bool = True


def _is_ofd(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            entry = package.getinfo("OFD.xml")
            if entry.file_size > _OFD_ENTRY_MAX_BYTES:
                return False
            return _OFD_NAMESPACE in package.read(entry)
    except (zipfile.BadZipFile, KeyError, ValueError, NotImplementedError, EOFError):
        return False


def detected_type(content: bytes) -> str | None:
    """The media type the bytes are, if it is one we accept; ``None`` otherwise."""
    if content.startswith(b"PK\x03\x04"):
        return OFD_MEDIA_TYPE if _is_ofd(content) else None
    guess = filetype.guess(content)
    if guess is None or guess.mime not in ALLOWED_TYPES:
        return None
    return guess.mime


def checked_filename(name: str | None) -> str:
    """The client's file name, for display only, without bidi controls or zero-width characters;
    refused if it tries to name a path."""
    name = without_invisible(name or "")
    if not name.strip():
        raise InvalidInput("缺少文件名", errors={"file": ["请上传带文件名的文件"]})
    if (
        "/" in name
        or "\\" in name
        or ":" in name
        or name.strip() in {".", ".."}
        or name.startswith("..")
        or any(unicodedata.category(char) == "Cc" for char in name)
        or len(name) > 255
    ):
        raise InvalidInput(
            "文件名无效", errors={"file": ["文件名不能包含路径、控制字符，且不超过 255 个字符"]}
        )
    return name


def _mb(size: int) -> str:
    return f"{size // _MIB} MB" if size % _MIB == 0 else f"{size} 字节"


def size_limit() -> str:
    """``ATTACHMENT_MAX_BYTES`` as people read it: "20 MB"."""
    return _mb(current_app.config["ATTACHMENT_MAX_BYTES"])


def too_large() -> PayloadTooLarge:
    """The refusal of a file beyond ``ATTACHMENT_MAX_BYTES``, naming the limit."""
    return PayloadTooLarge(f"文件超过 {size_limit()} 的上限")


def _check_case_quota(case: Case, size: int) -> None:
    """Refuse a file that would take the case past ATTACHMENT_CASE_MAX_FILES or _MAX_BYTES (413).

    The case row is locked first (PostgreSQL), so two uploads at once cannot both slip under.
    """
    db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    count, total = db.session.execute(
        select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.case_id == case.id
        )
    ).one()
    max_files = current_app.config["ATTACHMENT_CASE_MAX_FILES"]
    max_bytes = current_app.config["ATTACHMENT_CASE_MAX_BYTES"]
    if count + 1 > max_files:
        raise PayloadTooLarge(f"办件 {case.number} 已有 {count} 个文件，达到每件 {max_files} 个的上限")
    if total + size > max_bytes:
        raise PayloadTooLarge(
            f"办件 {case.number} 的文件合计将超过每件 {_mb(max_bytes)} 的上限（已用 {total / _MIB:.1f} MB）"
        )


def _read_limited(stream: IO[bytes]) -> bytes:
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise too_large()
    if not content:
        raise InvalidInput("文件为空", errors={"file": ["文件为空"]})
    return content


def _permitted(actor: User, case: Case) -> bool:
    """The accepting window's clerks, and the staff of an organisation working an open task of the case."""
    if case.accepting_organisation_id == actor.organisation_id and actor.has_role(Role.CLERK):
        return True
    return db.session.execute(
        select(
            exists().where(
                Task.case_id == case.id,
                Task.state == TaskState.OPEN,
                Task.organisation_id == actor.organisation_id,
                Task.role.in_(actor.roles),
            )
        )
    ).scalar_one()


def _check_may_upload(actor: User, case: Case) -> None:
    if not _permitted(actor, case):
        raise PermissionDenied("只有受理窗口或正在办理此件的机构可以上传材料")


def may_upload(actor: User, case: Case) -> bool:
    """Whether an upload by the actor would be taken (pages offer the control only then)."""
    return case.status != CaseStatus.ARCHIVED and _permitted(actor, case)


def upload_attachment(
    actor: User, number: str, material_name: str | None, upload: FileStorage | None
) -> Attachment:
    """Store a file for one of the case's materials; refused uploads store nothing.

    Scope (404), permission (403) and the case's state (409) are checked before the request's
    fields, so an outsider learns nothing from a malformed upload.
    """
    case = get_visible_case(actor, number)
    _check_may_upload(actor, case)
    return _store(case, actor, material_name, upload, {})


def upload_online(
    case: Case, material_name: str | None, upload: FileStorage | None, client_name: str
) -> Attachment:
    """Store a file the applicant sent through the portal ``client_name`` that submitted the case,
    with the window's checks (type by content, size, the case's quota)."""
    return _store(case, None, material_name, upload, {"client": client_name})


def _store(
    case: Case,
    actor: User | None,
    material_name: str | None,
    upload: FileStorage | None,
    recorded: dict[str, str],
) -> Attachment:
    if case.status == CaseStatus.ARCHIVED:
        raise Conflict(f"办件 {case.number} 已归档，不能再上传材料")
    missing = {
        field: ["必填"] for field, value in (("material_name", material_name), ("file", upload)) if not value
    }
    if missing or material_name is None or upload is None:
        raise InvalidInput("缺少材料名称或文件", errors=missing)
    name = checked_filename(upload.filename)
    content = _read_limited(upload.stream)
    # Sent online (no actor): the window that takes the case in holds the file.
    organisation_id = actor.organisation_id if actor else case.accepting_organisation_id
    attachment = add_attachment(case, material_name, name, content, actor, organisation_id, recorded)
    try:
        db.session.commit()
    except BaseException:
        discard(attachment)
        raise
    return attachment


def add_attachment(
    case: Case,
    material_name: str,
    name: str,
    content: bytes,
    actor: User | None,
    organisation_id: int,
    recorded: Mapping[str, str] | None = None,
) -> Attachment:
    """Check a file's content (type, size, the case's quota), store it and add its row (audited) to the
    current transaction; the caller commits, or calls ``discard`` when the transaction fails.

    ``actor`` is None for a file a portal or line system sent with its case (``organisation_id``: the
    case's accepting office then; ``recorded``: what the audit row adds, e.g. the client's name);
    ``name`` is checked by ``checked_filename``.
    """
    if len(content) > current_app.config["ATTACHMENT_MAX_BYTES"]:
        raise too_large()
    if not content:
        raise InvalidInput("文件为空", errors={"file": ["文件为空"]})
    content_type = detected_type(content)
    if content_type is None:
        accepted = "、".join(ALLOWED_TYPES.values())
        raise UnsupportedFileType(
            errors={"file": [f"只接受 {accepted} 文件（按文件内容识别，与扩展名无关）"]}
        )
    _check_case_quota(case, len(content))

    storage = attachment_storage()
    key = storage.put(content)
    try:
        attachment = Attachment(
            case_id=case.id,
            material_name=material_name,
            original_filename=name,
            storage_key=key,
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_at=now(),
            uploaded_by_id=actor.id if actor else None,
            organisation_id=organisation_id,
        )
        db.session.add(attachment)
        db.session.flush()
        audit.record(
            "attachment.uploaded",
            actor,
            case=case,
            summary={
                "attachment_id": attachment.id,
                "material": material_name,
                "filename": name,
                "content_type": content_type,
                "size": len(content),
                "sha256": attachment.sha256,
                **(recorded or {}),
            },
        )
    except BaseException:
        db.session.rollback()
        storage.delete(key)
        raise
    return attachment


def discard(*attachments: Attachment) -> None:
    """After a failed transaction: roll it back and take the files back out, so storage holds only
    what the table names."""
    keys = [attachment.storage_key for attachment in attachments]
    db.session.rollback()
    storage = attachment_storage()
    for key in keys:
        storage.delete(key)


def _attachments_of(case: Case) -> list[Attachment]:
    return list(
        db.session.execute(
            select(Attachment)
            .where(Attachment.case_id == case.id)
            .order_by(Attachment.uploaded_at, Attachment.id)
        ).scalars()
    )


def list_attachments(actor: User, number: str) -> list[Attachment]:
    return _attachments_of(get_visible_case(actor, number))


def material_checklist(actor: User, number: str) -> list[MaterialFiles]:
    """The case's materials (its catalogue version's list) with the files uploaded for each, oldest first;
    files under any other name follow, one line per name."""
    case = get_visible_case(actor, number)
    files: dict[str, list[Attachment]] = {}
    for attachment in _attachments_of(case):
        files.setdefault(attachment.material_name, []).append(attachment)
    lines = [
        MaterialFiles(
            name=str(material["name"]),
            form=FORM_LABELS.get(str(material.get("form")), ""),
            copies=material.get("copies"),
            required=bool(material.get("required")),
            deferrable=bool(material.get("deferrable")),
            note=material.get("note"),
            files=files.pop(str(material["name"]), []),
        )
        for material in case_materials(case)
    ]
    lines += [
        MaterialFiles(name, "", None, False, False, None, attached, listed=False)
        for name, attached in files.items()
    ]
    return lines


def download_attachment(actor: User, number: str, attachment_id: int) -> AttachmentDownload:
    case = get_visible_case(actor, number)
    attachment = db.session.execute(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == case.id)
    ).scalar_one_or_none()
    if attachment is None:
        raise NotFound("附件不存在")
    content = attachment_storage().get(attachment.storage_key)
    audit.record_read(
        "read.attachment",
        actor,
        case=case,
        summary={"attachment_id": attachment.id, "material": attachment.material_name},
    )
    return AttachmentDownload(attachment, content)
