"""Intake drafts (暂存): save, resume and discard a half-filled application at a window.

A draft belongs to the window (organisation) whose clerk saved it: every clerk of that window sees
and continues it, nobody else (404, as for a case outside one's scope). Nothing in it is checked
but its size; the checks run when the case is registered from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workflow_service.errors import NotFound, PayloadTooLarge, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import IntakeDraft, Role, User
from workflow_service.services.catalogue.service_items import service_item
from workflow_service.services.clock import now

MAX_DRAFT_BYTES = 64 * 1024
STALE_AFTER = timedelta(days=30)
LIST_LIMIT = 100
_PAYLOAD_KEYS = ("applicant", "agent", "matter_township", "data")


def _require_clerk(actor: User) -> None:
    if not actor.has_role(Role.CLERK):
        raise PermissionDenied("只有窗口人员可以暂存申请")


def _checked_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    kept = {key: payload.get(key) for key in _PAYLOAD_KEYS}
    size = len(json.dumps(kept, ensure_ascii=False).encode())
    if size > MAX_DRAFT_BYTES:
        raise PayloadTooLarge(
            f"暂存内容 {size // 1024} KB，超过上限 {MAX_DRAFT_BYTES // 1024} KB",
            errors={"draft": [f"暂存内容超过 {MAX_DRAFT_BYTES // 1024} KB，请删减后再暂存"]},
        )
    return kept


def _applicant_name(payload: Mapping[str, Any]) -> str:
    applicant = payload.get("applicant")
    name = applicant.get("name") if isinstance(applicant, Mapping) else None
    return str(name or "").strip()[:128]


def _own_draft(actor: User, draft_id: int) -> IntakeDraft | None:
    if not 0 < draft_id < 2**31:  # beyond PostgreSQL's integer: no such row, not a database error
        return None
    return db.session.execute(
        select(IntakeDraft)
        .options(joinedload(IntakeDraft.service_item))
        .where(IntakeDraft.id == draft_id, IntakeDraft.organisation_id == actor.organisation_id)
    ).scalar_one_or_none()


def get_draft(actor: User, draft_id: int) -> IntakeDraft:
    """A draft of the actor's window; 404 for any other (or none)."""
    draft = _own_draft(actor, draft_id)
    if draft is None:
        raise NotFound(f"暂存的申请 {draft_id} 不存在")
    _require_clerk(actor)
    return draft


def save_draft(
    actor: User, service_code: str, payload: Mapping[str, Any], draft_id: int | None = None
) -> IntakeDraft:
    """Keep what the intake form holds, over draft ``draft_id`` when it is still there.

    A draft gone meanwhile (a colleague deleted it, or registered the case from it) is saved anew
    rather than refused: the clerk's typing is never lost to a 404.
    """
    _require_clerk(actor)
    kept = _checked_payload(payload)
    item = service_item(service_code)
    draft = _own_draft(actor, draft_id) if draft_id is not None else None
    if draft is None or draft.service_item_id != item.id:
        draft = IntakeDraft(
            service_item=item, organisation_id=actor.organisation_id, created_by_id=actor.id, created_at=now()
        )
        db.session.add(draft)
    draft.payload = kept
    draft.applicant_name = _applicant_name(kept)
    draft.updated_by_id = actor.id
    draft.updated_at = now()
    db.session.commit()
    return draft


def list_drafts(actor: User) -> list[IntakeDraft]:
    """The window's drafts, the most recently saved first."""
    _require_clerk(actor)
    return list(
        db.session.execute(
            select(IntakeDraft)
            .options(joinedload(IntakeDraft.service_item), joinedload(IntakeDraft.updated_by))
            .where(IntakeDraft.organisation_id == actor.organisation_id)
            .order_by(IntakeDraft.updated_at.desc(), IntakeDraft.id.desc())
            .limit(LIST_LIMIT)
        ).scalars()
    )


def stale_before(at: datetime | None = None) -> datetime:
    """Drafts last saved before this moment are stale (older than ``STALE_AFTER``)."""
    return (at or now()) - STALE_AFTER


def delete_draft(actor: User, draft_id: int) -> None:
    db.session.delete(get_draft(actor, draft_id))
    db.session.commit()


def discard_registered_draft(actor: User, draft_id: int) -> None:
    """Remove the draft a case was just registered from; gone already (a colleague's delete) is fine."""
    draft = _own_draft(actor, draft_id)
    if draft is not None:
        db.session.delete(draft)
        db.session.commit()
