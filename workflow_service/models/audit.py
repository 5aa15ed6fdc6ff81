"""The append-only audit trail: who did what, for which organisation, on which case and task, each
row chained to the one before it by SHA-256 so that an edit, a deletion or an insertion shows."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_service.models.base import Base, UTCDateTime, utcnow

# The first row's predecessor: no row before it.
GENESIS_HASH = "0" * 64
HEAD_ID = 1  # the one row of audit_chain_head


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_username: Mapped[str | None] = mapped_column(String(64))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    action: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    # Unique: two rows can never name the same predecessor, so concurrent writers cannot fork the chain.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The chain's newest link, one row: appenders lock it (``SELECT … FOR UPDATE``) to take turns,
    and a tail cut off the audit table no longer matches it."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int | None]
    last_hash: Mapped[str] = mapped_column(String(64))


def canonical_content(
    *,
    at: datetime,
    actor_id: int | None,
    actor_username: str | None,
    organisation_id: int | None,
    action: str,
    case_id: int | None,
    task_id: str | None,
    summary: dict[str, Any] | None,
) -> str:
    """A row's content as hashed: sorted-key compact JSON, the time in UTC ISO 8601, the row's own id
    left out (it is given by the database after the hash is made)."""
    return json.dumps(
        {
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor": actor_username,
            "organisation_id": organisation_id,
            "action": action,
            "case_id": case_id,
            "task_id": task_id,
            # Through JSON once, as the column stores it: keys become strings, tuples lists.
            "summary": json.loads(json.dumps(summary or {}, ensure_ascii=False)),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain_hash(prev_hash: str, content: str) -> str:
    """SHA-256 (hex) over the predecessor's hash followed by the row's canonical content."""
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def event_content(event: Any) -> str:
    """The canonical content of an ``AuditEvent`` or of a row selected with its columns."""
    return canonical_content(
        at=event.at,
        actor_id=event.actor_id,
        actor_username=event.actor_username,
        organisation_id=event.organisation_id,
        action=event.action,
        case_id=event.case_id,
        task_id=event.task_id,
        summary=event.summary,
    )
