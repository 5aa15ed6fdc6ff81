"""The fee a case of a charged item (收费事项) owes: the amount as catalogued, and whether paid or waived."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, enum_column
from workflow_service.models.cases import Case
from workflow_service.models.users import User


class FeeStatus(enum.StrEnum):
    UNPAID = "unpaid"  # 未缴费
    PAID = "paid"  # 已缴费, with the receipt number
    WAIVED = "waived"  # 已减免, with the reason


class CaseFee(Base):
    __tablename__ = "case_fee"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), unique=True)
    # As the catalogue version the case was registered under says (收费标准 and 收费依据).
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    basis: Mapped[str | None] = mapped_column(Text)
    status: Mapped[FeeStatus] = mapped_column(
        enum_column(FeeStatus, 16), default=FeeStatus.UNPAID, index=True
    )
    receipt_number: Mapped[str | None] = mapped_column(String(64))
    waiver_reason: Mapped[str | None] = mapped_column(Text)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    case: Mapped[Case] = relationship()
    settled_by: Mapped[User | None] = relationship()
