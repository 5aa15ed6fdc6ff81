"""Suspensions (特别程序) of a case: inspection, publicity or expert review, during which its clock stops."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, enum_column, utcnow
from workflow_service.models.cases import Case, CaseStatus
from workflow_service.models.organisations import Organisation
from workflow_service.models.users import User


class SuspensionKind(enum.StrEnum):
    INSPECTION = "inspection"  # 现场核查
    PUBLICITY = "publicity"  # 公示
    EXPERT_REVIEW = "expert_review"  # 专家评审


class CaseSuspension(Base):
    __tablename__ = "case_suspension"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SuspensionKind] = mapped_column(enum_column(SuspensionKind, 24))
    reason: Mapped[str] = mapped_column(Text)
    # Working days the department expects the special procedure to take.
    expected_days: Mapped[int]
    # The organisation holding the department task when it suspended the case.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # The status the case returns to on resumption.
    status_before: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus, 24))
    suspended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    suspended_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Set when the case left the procedure otherwise than by resumption (withdrawn meanwhile).
    ended_note: Mapped[str | None] = mapped_column(String(64))

    case: Mapped[Case] = relationship()
    organisation: Mapped[Organisation] = relationship()
    suspended_by: Mapped[User] = relationship(foreign_keys=[suspended_by_id])
    resumed_by: Mapped[User | None] = relationship(foreign_keys=[resumed_by_id])
