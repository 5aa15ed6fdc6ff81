"""Write audit rows; the table is append-only (nothing in the service updates or deletes them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow_service.extensions import db
from workflow_service.models import AuditEvent, Case, User
from workflow_service.services.clock import now


def record(
    action: str,
    actor: User | None,
    *,
    case: Case | None = None,
    task_id: str | None = None,
    summary: Mapping[str, Any] | None = None,
) -> None:
    """Add an audit row to the current transaction (committed with the change it describes)."""
    db.session.add(
        AuditEvent(
            at=now(),
            actor_id=actor.id if actor else None,
            actor_username=actor.username if actor else None,
            organisation_id=actor.organisation_id if actor else None,
            action=action,
            case_id=case.id if case else None,
            task_id=task_id,
            summary=dict(summary or {}),
        )
    )
