"""督办 notices: a supervisor presses the organisation holding a case for a written reply by a day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime
from workflow_service.models.cases import Case
from workflow_service.models.organisations import Organisation
from workflow_service.models.tasks import Task
from workflow_service.models.users import User


class SupervisionNotice(Base):
    __tablename__ = "supervision_notice"
    __table_args__ = (
        # The case page's panel and the one-open-notice-per-case check.
        Index("ix_supervision_notice_case_id_issued_at", "case_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    # The supervision item (a task of kind ``supervision``) in the recipient's inbox.
    task_id: Mapped[str] = mapped_column(String(36), ForeignKey("task.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    reason: Mapped[str] = mapped_column(Text)
    reply_due_on: Mapped[date] = mapped_column(Date)  # the last day a reply is on time
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Set when the deadline passed without a reply (the worker's job), or by a reply after it.
    late_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    task: Mapped[Task] = relationship()
    organisation: Mapped[Organisation] = relationship()
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])

    @property
    def state(self) -> str:
        """open, late (unanswered past its day), answered, answered_late."""
        if self.replied_at is not None:
            return "answered_late" if self.late_at is not None else "answered"
        return "late" if self.late_at is not None else "open"
