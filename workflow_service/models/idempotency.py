"""Idempotency keys of the portal API: a client's key, the body it came with, and the answer given."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow_service.models.base import Base, UTCDateTime, enum_column, utcnow


class IdempotencyState(enum.StrEnum):
    RUNNING = "running"  # the first request with the key is still being answered
    DONE = "done"  # its answer is stored and replayed


class IdempotencyKey(Base):
    """One ``Idempotency-Key`` of one client: the first request's body hash, and its answer once given."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("client_id", "key", name="uq_idempotency_key_client_id_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    # SHA-256 of the request body in canonical JSON: the same key with another body is a conflict.
    body_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[IdempotencyState] = mapped_column(enum_column(IdempotencyState, 16))
    status_code: Mapped[int | None]
    response_body: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
