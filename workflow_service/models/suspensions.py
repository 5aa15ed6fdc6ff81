"""Special procedures (特别程序) of a case, as the supervision tables name them; its clock stops meanwhile."""

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
    """The kinds of 特别程序 the supervision exchange tables list (行政许可法 Art. 45)."""

    HEARING = "hearing"  # 听证
    TENDER_AUCTION = "tender_auction"  # 招标、拍卖
    TESTING = "testing"  # 检验、检测、检疫
    APPRAISAL = "appraisal"  # 鉴定
    EXPERT_REVIEW = "expert_review"  # 专家评审
    INSPECTION = "inspection"  # 现场核查
    PUBLICITY = "publicity"  # 公示
    OTHER = "other"  # 其他


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
    # 特别程序结果: what the procedure found, and when the applicant was told of it.
    result: Mapped[str | None] = mapped_column(Text)
    applicant_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the case left the procedure otherwise than by resumption (withdrawn meanwhile).
    ended_note: Mapped[str | None] = mapped_column(String(64))

    case: Mapped[Case] = relationship()
    organisation: Mapped[Organisation] = relationship()
    suspended_by: Mapped[User] = relationship(foreign_keys=[suspended_by_id])
    resumed_by: Mapped[User | None] = relationship(foreign_keys=[resumed_by_id])
