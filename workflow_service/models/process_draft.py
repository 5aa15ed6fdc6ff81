"""Process drafts: an analyst's unfinished edit of a process's BPMN and forms, never run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, utcnow
from workflow_service.models.users import User


class ProcessDraft(Base):
    __tablename__ = "process_draft"
    __table_args__ = (Index("ix_process_draft_owner_updated", "owner_id", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(128), index=True)
    # Drafts are per analyst: nobody else sees, saves or deploys one.
    owner_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # The deployed version the draft started from (None: a new process); after a deploy, that version.
    base_version: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(255))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    # Form file name ("senior_citizen_card/application.json") → its JSON Schema.
    forms: Mapped[dict] = mapped_column(JSON)
    # Optimistic lock: every save names the version it read and bumps it.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship()
