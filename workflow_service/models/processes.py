"""Deployed, versioned process definitions: the BPMN, its forms and the parsed spec, stored once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, utcnow
from workflow_service.models.users import User


class ProcessDefinition(Base):
    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_process_definition_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int]
    # SHA-256 over the BPMN and every form it uses: a deploy with the same hash is a no-op.
    content_hash: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict] = mapped_column(JSON)
    # The form the applicant's data is checked against when a case starts.
    start_form_key: Mapped[str | None] = mapped_column(String(255))
    # The serialized SpiffWorkflow spec; cases store only their task tree and data.
    spec_json: Mapped[str] = mapped_column(Text)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who deployed this version (None: `flask deploy` from the command line) and why.
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    comment: Mapped[str | None] = mapped_column(Text)

    deployed_by: Mapped[User | None] = relationship()
