"""Extensions (延期) of a case's time limit: asked for by its approver, decided by the organ's head."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, enum_column, utcnow
from workflow_service.models.cases import Case
from workflow_service.models.organisations import Organisation
from workflow_service.models.users import User


class ExtensionState(enum.StrEnum):
    REQUESTED = "requested"  # 待审批
    APPROVED = "approved"  # 已批准
    REFUSED = "refused"  # 不予批准


class CaseExtension(Base):
    __tablename__ = "case_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    # Working days asked for, added to both limits once approved.
    days: Mapped[int]
    # The organ deciding the case (the holder of its department task when asked); its head decides.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    state: Mapped[ExtensionState] = mapped_column(
        enum_column(ExtensionState, 16), default=ExtensionState.REQUESTED
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship()
    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
