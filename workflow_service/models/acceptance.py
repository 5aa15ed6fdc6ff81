"""What the window decided at 受理 beyond accept/refuse: 补正 notices and materials accepted as 容缺."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, utcnow
from workflow_service.models.cases import Case
from workflow_service.models.users import User


class SupplementNotice(Base):
    """One 补正 notice ("一次性告知"): everything the window found missing, asked for at once."""

    __tablename__ = "supplement_notice"
    __table_args__ = (UniqueConstraint("case_id", "sequence", name="uq_supplement_notice_case_sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    # 1 for the case's first notice, 2 for a second one …: repeated 补正 is counted in reports.
    sequence: Mapped[int]
    # The materials as the case's catalogue version lists them: [{"name", "form", "copies", "note"}].
    materials: Mapped[list] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    # The 受理 task whose completion issued the notice.
    task_id: Mapped[str | None] = mapped_column(String(36))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # When the window took the supplemented materials in and the case went back to 受理.
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    case: Mapped[Case] = relationship()
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])


class DeferredMaterial(Base):
    """A 可容缺 material the case was accepted without, on the applicant's written promise to bring it."""

    __tablename__ = "deferred_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    # The day the applicant promised to hand it in by.
    promised_on: Mapped[date] = mapped_column(Date)
    task_id: Mapped[str | None] = mapped_column(String(36))
    deferred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deferred_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    received_note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship()
    deferred_by: Mapped[User] = relationship(foreign_keys=[deferred_by_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
