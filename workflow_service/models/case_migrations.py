"""Moves of running cases from one process version to the next, kept so each can be undone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, utcnow
from workflow_service.models.cases import Case
from workflow_service.models.processes import ProcessDefinition
from workflow_service.models.users import User


class CaseMigration(Base):
    __tablename__ = "case_migration"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    from_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    to_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    # What undo puts back: the workflow as it stood, and the open task rows' names and forms.
    previous_state: Mapped[str] = mapped_column(Text)
    previous_tasks: Mapped[dict] = mapped_column(JSON)
    # The case's row version right after the move: any later change to the case makes undo a 409.
    case_version_after: Mapped[int]
    migrated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    migrated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    case: Mapped[Case] = relationship()
    from_definition: Mapped[ProcessDefinition] = relationship(foreign_keys=[from_definition_id])
    to_definition: Mapped[ProcessDefinition] = relationship(foreign_keys=[to_definition_id])
    migrated_by: Mapped[User | None] = relationship(foreign_keys=[migrated_by_id])
