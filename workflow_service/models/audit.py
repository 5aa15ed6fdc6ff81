"""The append-only audit trail: who did what, for which organisation, on which case and task."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_service.models.base import Base, UTCDateTime, utcnow


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
