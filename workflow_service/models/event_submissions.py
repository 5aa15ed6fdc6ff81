"""Events a line system submitted (``POST /api/v1/events``), by its idempotency key: the answer to replay."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow_service.models.base import Base, UTCDateTime, utcnow


class EventSubmission(Base):
    """One event submission: the client's ``Idempotency-Key``, the SHA-256 of the body it came with,
    the case it registered and the answer sent, which a retry with the same key and body gets again."""

    __tablename__ = "event_submission"
    __table_args__ = (UniqueConstraint("client_id", "key", name="uq_event_submission_client_id_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    body_sha256: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    status_code: Mapped[int]
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
