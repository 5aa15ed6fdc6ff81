"""What the task and case pages show of a case's papers: the materials checklist with files, the notices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, url_for

from workflow_service.models import Case, ElectronicLicence, Task
from workflow_service.services.materials.attachments import (
    ALLOWED_TYPES,
    material_checklist,
    may_upload,
    size_limit,
    too_large,
)
from workflow_service.services.notices.documents import issued_documents
from workflow_service.web.session import staff

# What the file picker offers first; the server still decides by the content.
ACCEPT = ".pdf,.jpg,.jpeg,.png,.ofd,application/pdf,image/jpeg,image/png"


@dataclass(frozen=True)
class Paper:
    """A PDF the case has now, as the 文书 panel lists it."""

    title: str
    url: str
    issued_at: datetime


def papers(case: Case, licence: ElectronicLicence | None) -> list[Paper]:
    """The case's notices (services.notices.documents) and its electronic licence, in the order issued."""
    found = [
        Paper(
            document.title,
            url_for("materials.document", number=case.number, kind=document.kind.value),
            document.issued_at,
        )
        for document in issued_documents(case)
    ]
    if licence is not None:
        found.append(Paper(licence.name, url_for("materials.licence", number=case.number), licence.issued_at))
    return sorted(found, key=lambda paper: paper.issued_at)


def fresh_papers(found: Sequence[Paper], completed: Sequence[Task]) -> list[Paper]:
    """The papers the last completed step of the case issued (to print right after submitting it)."""
    moments = [task.completed_at for task in completed if task.completed_at]
    if not moments:
        return []
    latest = max(moments)
    return [paper for paper in found if paper.issued_at >= latest]


def case_files(case: Case, upload_errors: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """The template values of the materials checklist (and the upload errors to show at their rows)."""
    return {
        "materials": material_checklist(staff(), case.number),
        "may_upload": may_upload(staff(), case),
        "upload_errors": dict(upload_errors or {}),
        "upload_max_bytes": current_app.config["ATTACHMENT_MAX_BYTES"],
        "upload_limit": size_limit(),
        "upload_too_large": too_large().detail,
        "upload_types": "、".join(ALLOWED_TYPES.values()),
        "upload_accept": ACCEPT,
    }
