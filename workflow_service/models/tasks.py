"""Ready and finished user tasks, mirrored from the workflow so inboxes are plain indexed queries."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, enum_column, utcnow
from workflow_service.models.cases import Case
from workflow_service.models.organisations import Organisation
from workflow_service.models.responsibilities import ResponsibilityItem
from workflow_service.models.users import User


class TaskState(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaskKind(enum.StrEnum):
    WORKFLOW = "workflow"  # a BPMN user task, mirrored from the engine
    RECTIFICATION = "rectification"  # 差评整改: opened by a bad evaluation, never seen by the engine
    SUPERVISION = "supervision"  # 督办: a notice needing a written reply, never seen by the engine


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (
        # The inbox query: open tasks of an organisation and role, oldest due first.
        Index("ix_task_inbox", "organisation_id", "role", "state", "due_date", "created_at"),
        # Arrivals: what reached an inbox after a moment (the header's "new", an open inbox's poll).
        Index("ix_task_arrivals", "organisation_id", "role", "state", "created_at"),
        # Claimed tasks only: "my tasks" are found among the few claimed rows. A plain index on
        # assignee_id is mostly NULLs, which the planners' statistics judge unselective.
        Index(
            "ix_task_claimed",
            "assignee_id",
            "state",
            sqlite_where=text("assignee_id IS NOT NULL"),
            postgresql_where=text("assignee_id IS NOT NULL"),
        ),
        # The dashboard's local resolution: the completed tasks of the period and where they were
        # done (services/supervision/dashboard.py), without reading every year's tasks.
        Index(
            "ix_task_completed_since",
            "created_at",
            "organisation_id",
            "case_id",
            sqlite_where=text("state = 'completed'"),
            postgresql_where=text("state = 'completed'"),
        ),
    )

    # The SpiffWorkflow task id (a UUID), so the API's task id is the engine's; a random UUID for
    # tasks that are not the engine's.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[TaskKind] = mapped_column(
        enum_column(TaskKind, 16), default=TaskKind.WORKFLOW, server_default=TaskKind.WORKFLOW.value
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str] = mapped_column(String(32))
    form_key: Mapped[str | None] = mapped_column(String(128))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(32))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    state: Mapped[TaskState] = mapped_column(enum_column(TaskState, 16))
    due_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    data: Mapped[dict | None] = mapped_column(JSON)
    # The responsibility-list item a township cooperation task fulfils.
    responsibility_item_id: Mapped[int | None] = mapped_column(ForeignKey("responsibility_item.id"))
    # Set when a delegate completed the task for the user it was claimed by.
    completed_on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    case: Mapped[Case] = relationship()
    organisation: Mapped[Organisation] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    completed_on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[completed_on_behalf_of_id])
    responsibility_item: Mapped[ResponsibilityItem | None] = relationship()
